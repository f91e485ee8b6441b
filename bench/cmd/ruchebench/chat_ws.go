package main

import (
	"bufio"
	"bytes"
	"compress/flate"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"slices"
	"sync"
	"time"

	"github.com/gobwas/httphead"
	"github.com/gobwas/ws"
	"github.com/gobwas/ws/wsflate"
)

// The load tool's WebSocket client. Hundreds of sockets each receive every
// post, on the machine the server runs on, so a frame must cost the
// receiver as little CPU as possible: frames are read with gobwas/ws into
// buffers that are reused, and a message is inflated only when the server
// compressed it (RSV1). What the sockets do is only to receive: they answer
// pings and close frames, and send nothing else.

const (
	wsReadBuffer = 16 << 10 // bytes read from the connection at once, at most
	wsReadLimit  = 1 << 20  // largest message accepted, decompressed
	wsWriteWait  = 10 * time.Second
)

// wsOffer is the permessage-deflate offer of Chromium and Firefox. Ruche
// answers it with no context takeover; a server that keeps its context is
// understood too.
var wsOffer = []httphead.Option{wsflate.Parameters{ClientMaxWindowBits: 1}.Option()}

// wsTailBytes ends every compressed message (RFC 7692, 7.2.2): the sender
// strips it, the receiver appends it before inflating.
var wsTailBytes = []byte{0, 0, 0xff, 0xff}

// wsConn is the client end of one WebSocket. next is called by one
// goroutine; close may be called by another.
type wsConn struct {
	conn net.Conn // nil in benchmarks
	br   *bufio.Reader
	w    io.Writer // conn, where pongs and the close frame go

	deflate  bool // permessage-deflate was negotiated
	takeover bool // and the server keeps its LZ77 window between messages

	hdr [ws.MaxHeaderSize - 2]byte
	ctl [ws.MaxControlFramePayloadSize]byte
	msg []byte // payload of the message being read
	out []byte // the message inflated
	src bytes.Reader
	fl  io.ReadCloser // the inflater, made on first use
	win []byte        // takeover: the last 32 kB the server compressed

	wmu       sync.Mutex
	closeSent bool
}

func newWSConn(conn net.Conn, br *bufio.Reader, w io.Writer, deflate, takeover bool) *wsConn {
	return &wsConn{conn: conn, br: br, w: w, deflate: deflate, takeover: takeover}
}

// dialWS opens a WebSocket on url (ws://) with Authorization: Bearer token,
// offering permessage-deflate as browsers do when compress is set.
func dialWS(ctx context.Context, url, token string, compress bool) (*wsConn, error) {
	d := ws.Dialer{
		ReadBufferSize: wsReadBuffer,
		Header:         ws.HandshakeHeaderHTTP(http.Header{"Authorization": {"Bearer " + token}}),
	}
	if compress {
		d.Extensions = wsOffer
	}
	conn, br, hs, err := d.Dial(ctx, url)
	if err != nil {
		return nil, err
	}
	if br == nil { // else the server spoke first, and br holds it
		br = bufio.NewReaderSize(conn, wsReadBuffer)
	}
	c := newWSConn(conn, br, conn, false, false)
	for _, e := range hs.Extensions {
		if !bytes.Equal(e.Name, wsflate.ExtensionNameBytes) {
			conn.Close()
			return nil, fmt.Errorf("websocket: server chose extension %s", e.Name)
		}
		var p wsflate.Parameters
		if err := p.Parse(e); err != nil {
			conn.Close()
			return nil, err
		}
		c.deflate, c.takeover = true, !p.ServerNoContextTakeover
	}
	return c, nil
}

// wsClosed is the error next returns once the server has closed the
// socket with a close frame.
type wsClosed struct {
	code   ws.StatusCode
	reason string
}

func (e wsClosed) Error() string {
	return fmt.Sprintf("websocket closed by the server: status %d %q", e.code, e.reason)
}

var (
	errWSMasked   = errors.New("websocket: masked frame from the server")
	errWSRsv      = errors.New("websocket: unexpected RSV bits")
	errWSControl  = errors.New("websocket: fragmented or oversized control frame")
	errWSSequence = errors.New("websocket: unexpected continuation or data frame")
	errWSTooLarge = fmt.Errorf("websocket: message larger than %d bytes", wsReadLimit)
)

// next returns the next text or binary message, inflated. It answers the
// pings in between, and returns a wsClosed after answering a close frame.
// The message is valid until the next call.
func (c *wsConn) next() ([]byte, error) {
	c.msg = c.msg[:0]
	started, compressed := false, false
	for {
		h, err := ws.ReadHeaderBuffer(c.br, c.hdr[:])
		if err != nil {
			return nil, err
		}
		if h.Masked {
			return nil, errWSMasked
		}
		if h.OpCode.IsControl() {
			if !h.Fin || h.Length > ws.MaxControlFramePayloadSize {
				return nil, errWSControl
			}
			if h.Rsv != 0 {
				return nil, errWSRsv
			}
			p := c.ctl[:h.Length]
			if _, err := io.ReadFull(c.br, p); err != nil {
				return nil, err
			}
			switch h.OpCode {
			case ws.OpPing:
				if err := c.write(ws.OpPong, p); err != nil {
					return nil, err
				}
			case ws.OpClose:
				code, reason := ws.ParseCloseFrameData(p)
				if code.Empty() {
					code = ws.StatusNoStatusRcvd
				}
				_ = c.write(ws.OpClose, p[:min(len(p), 2)]) // the echo the protocol asks for
				return nil, wsClosed{code, reason}
			}
			continue
		}
		switch h.OpCode {
		case ws.OpContinuation:
			if !started || h.Rsv != 0 {
				return nil, errWSSequence
			}
		case ws.OpText, ws.OpBinary:
			if started {
				return nil, errWSSequence
			}
			started = true
			compressed = h.Rsv1()
			if h.Rsv&^ws.Rsv(true, false, false) != 0 || compressed && !c.deflate {
				return nil, errWSRsv
			}
		default:
			return nil, ws.ErrProtocolOpCodeReserved
		}
		n := len(c.msg)
		if h.Length > int64(wsReadLimit-n) {
			return nil, errWSTooLarge
		}
		c.msg = slices.Grow(c.msg, int(h.Length)+len(wsTailBytes))[:n+int(h.Length)]
		if _, err := io.ReadFull(c.br, c.msg[n:]); err != nil {
			return nil, err
		}
		if h.Fin {
			break
		}
	}
	if !compressed {
		return c.msg, nil
	}
	return c.inflate()
}

// inflate decompresses c.msg into c.out.
func (c *wsConn) inflate() ([]byte, error) {
	c.src.Reset(append(c.msg, wsTailBytes...)) // room was made for the tail
	if c.fl == nil {
		c.fl = flate.NewReaderDict(&c.src, c.win)
	} else if err := c.fl.(flate.Resetter).Reset(&c.src, c.win); err != nil {
		return nil, err
	}
	c.out = c.out[:0]
	for {
		if len(c.out) == cap(c.out) {
			if len(c.out) >= wsReadLimit {
				return nil, errWSTooLarge
			}
			c.out = slices.Grow(c.out, max(4096, len(c.out)))
		}
		n, err := c.fl.Read(c.out[len(c.out):cap(c.out)])
		c.out = c.out[:len(c.out)+n]
		if err == io.EOF || err == io.ErrUnexpectedEOF && c.src.Len() == 0 {
			break // a final block, or the end of the input after the flush marker
		}
		if err != nil {
			return nil, err
		}
	}
	if len(c.out) > wsReadLimit {
		return nil, errWSTooLarge
	}
	if c.takeover { // the next message may refer to this one
		c.win = append(c.win, c.out...)
		if over := len(c.win) - wsflate.MaxLZ77WindowSize; over > 0 {
			c.win = append(c.win[:0], c.win[over:]...)
		}
	}
	return c.out, nil
}

// write sends one control frame, masked as a client must. Nothing is sent
// after a close frame.
func (c *wsConn) write(op ws.OpCode, p []byte) error {
	c.wmu.Lock()
	defer c.wmu.Unlock()
	if c.closeSent {
		return nil
	}
	c.closeSent = op == ws.OpClose
	f := ws.MaskFrameInPlace(ws.NewFrame(op, true, slices.Clone(p)))
	var b bytes.Buffer
	if err := ws.WriteFrame(&b, f); err != nil {
		return err
	}
	if c.conn != nil {
		_ = c.conn.SetWriteDeadline(time.Now().Add(wsWriteWait))
	}
	_, err := c.w.Write(b.Bytes())
	return err
}

// close starts the closing handshake with a normal closure; the reader
// ends when the server's close frame arrives.
func (c *wsConn) close() error {
	return c.write(ws.OpClose, ws.NewCloseFrameBody(ws.StatusNormalClosure, ""))
}

// closeNow drops the connection.
func (c *wsConn) closeNow() error {
	if c.conn == nil {
		return nil
	}
	return c.conn.Close()
}
