package realtime

// The WebSocket transport, on gobwas/ws's framing primitives (ADR 0005).
//
// A hub sends the same event to hundreds of sockets, so the costs that
// matter are per delivery, and they are kept small here:
//
//   - a frame (header and payload, compressed or not) is built once per event
//     and shared by every recipient; server frames are not masked, and with
//     permessage-deflate's no-context-takeover each message compresses alone,
//     so the bytes are the same for every socket that negotiated the same;
//   - each socket queues the frames it is sent and a writer goroutine, started
//     only while frames are pending, sends everything queued with one write:
//     under load a socket costs one write(2) per batch, not per frame, and an
//     idle socket costs no writer goroutine at all;
//   - the reader reads the client's few small messages through a small buffer.

import (
	"bufio"
	"bytes"
	"compress/flate"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/gobwas/ws"
	"github.com/gobwas/ws/wsflate"
	"github.com/gobwas/ws/wsutil"

	"ruche/internal/model"
)

const (
	maxMessage   = 4 << 10          // largest message a client may send (after decompression)
	maxQueued    = 4 << 20          // bytes queued for a socket before it is dropped as too slow
	writeTimeout = 10 * time.Second // a write that takes longer drops the socket
	compressMin  = 512              // smaller messages are sent uncompressed: it does not pay
	readBuffer   = 512              // client messages are small
)

// frame is one server message, built once for all its recipients.
type frame struct {
	plain   []byte // header and payload
	payload []byte // plain without the header

	once     sync.Once
	deflated []byte // for sockets that negotiated permessage-deflate; nil: send plain
}

// textFrame makes the frame of a text message.
func textFrame(payload []byte) *frame { return newFrame(ws.OpText, payload) }

func newFrame(op ws.OpCode, payload []byte) *frame {
	return &frame{plain: compile(ws.Header{Fin: true, OpCode: op, Length: int64(len(payload))}, payload),
		payload: payload}
}

// closeFrame makes a close frame with a status code and a reason.
func closeFrame(code ws.StatusCode, reason string) *frame {
	return newFrame(ws.OpClose, ws.NewCloseFrameBody(code, reason))
}

func compile(h ws.Header, payload []byte) []byte {
	b := bytes.NewBuffer(make([]byte, 0, ws.HeaderSize(h)+len(payload)))
	_ = ws.WriteHeader(b, h) // a bytes.Buffer does not fail
	b.Write(payload)
	return b.Bytes()
}

// bytes returns what to write to a socket that did (or did not) negotiate
// compression.
func (f *frame) bytes(deflate bool) []byte {
	if !deflate || len(f.payload) < compressMin || f.plain[0]&0x0f != byte(ws.OpText) {
		return f.plain
	}
	f.once.Do(func() {
		z, err := deflateMessage(f.payload)
		if err != nil || len(z) >= len(f.payload) {
			return
		}
		f.deflated = compile(ws.Header{Fin: true, OpCode: ws.OpText, Rsv: ws.Rsv(true, false, false), Length: int64(len(z))}, z)
	})
	if f.deflated != nil {
		return f.deflated
	}
	return f.plain
}

// deflaters are kept compressors. Not a sync.Pool: under load the garbage
// collector runs often and would empty it, and a compressor is ~600 kB to
// make; a few are enough, since a frame is compressed once for all sockets.
var deflaters = make(chan *flate.Writer, 4)

// deflateMessage compresses one message as RFC 7692 says: a raw deflate
// stream ended by a sync flush, whose final empty block is left out.
func deflateMessage(p []byte) ([]byte, error) {
	var b bytes.Buffer
	var w *flate.Writer
	select {
	case w = <-deflaters:
		w.Reset(&b)
	default:
		w, _ = flate.NewWriter(&b, flate.BestSpeed)
	}
	defer func() {
		select {
		case deflaters <- w:
		default:
		}
	}()
	if _, err := w.Write(p); err != nil {
		return nil, err
	}
	if err := w.Flush(); err != nil {
		return nil, err
	}
	return bytes.TrimSuffix(b.Bytes(), []byte{0, 0, 0xff, 0xff}), nil
}

var inflaters sync.Pool

// inflateMessage decompresses a client's message, refusing one that grows
// past maxMessage.
func inflateMessage(p []byte) ([]byte, error) {
	src := io.MultiReader(bytes.NewReader(p), bytes.NewReader([]byte{0, 0, 0xff, 0xff, 1, 0, 0, 0xff, 0xff}))
	r, _ := inflaters.Get().(io.ReadCloser)
	if r == nil {
		r = flate.NewReader(src)
	} else if err := r.(flate.Resetter).Reset(src, nil); err != nil {
		return nil, err
	}
	defer inflaters.Put(r)
	out, err := io.ReadAll(io.LimitReader(r, maxMessage+1))
	if err != nil && !errors.Is(err, io.ErrUnexpectedEOF) {
		return nil, err
	}
	if len(out) > maxMessage {
		return nil, wsutil.ErrMessageTooLarge
	}
	return out, nil
}

// socket is one upgraded connection.
type socket struct {
	nc      net.Conn
	deflate bool // permessage-deflate was negotiated
	rd      wsutil.Reader
	msg     wsflate.MessageState

	mu      sync.Mutex
	queue   [][]byte
	spare   [][]byte // the writer's previous batch, reused
	queued  int      // bytes in queue
	writing bool     // a writer goroutine is running
	closing bool     // a close frame is queued: nothing more is accepted
}

// errOrigin is a browser's upgrade from another site's page.
var errOrigin = fmt.Errorf("cross-origin WebSocket: %w", model.ErrForbidden)

// sameOrigin reports whether a browser's upgrade comes from a page of this
// site. Clients that are not browsers send no Origin.
func sameOrigin(r *http.Request) bool {
	o := r.Header.Get("Origin")
	if o == "" {
		return true
	}
	u, err := url.Parse(o)
	return err == nil && strings.EqualFold(u.Host, r.Host)
}

// upgrade answers the handshake and returns the socket.
func upgrade(w http.ResponseWriter, r *http.Request) (*socket, error) {
	ext := wsflate.Extension{Parameters: wsflate.Parameters{ServerNoContextTakeover: true, ClientNoContextTakeover: true}}
	u := ws.HTTPUpgrader{Timeout: writeTimeout, Negotiate: ext.Negotiate}
	nc, rw, _, err := u.Upgrade(r, w)
	if err != nil {
		if nc != nil {
			nc.Close()
		}
		return nil, err
	}
	_, deflate := ext.Accepted()
	// net/http's 4 kB buffers are let go: a client sends little, and frames
	// are written whole. A client may not send before the handshake's
	// answer, but what it did send is kept.
	src := io.Reader(bufio.NewReaderSize(nc, readBuffer))
	if n := rw.Reader.Buffered(); n > 0 {
		early, _ := rw.Reader.Peek(n)
		src = io.MultiReader(bytes.NewReader(bytes.Clone(early)), src)
	}
	return newSocket(nc, src, deflate), nil
}

// newSocket makes the socket of an upgraded connection whose client's
// frames are read from src.
func newSocket(nc net.Conn, src io.Reader, deflate bool) *socket {
	s := &socket{nc: nc, deflate: deflate}
	s.rd = wsutil.Reader{Source: src, State: ws.StateServerSide, MaxFrameSize: maxMessage, MaxMessageSize: maxMessage}
	if deflate {
		s.rd.State |= ws.StateExtended
		s.rd.Extensions = []wsutil.RecvExtension{&s.msg}
	}
	s.rd.OnIntermediate = func(h ws.Header, body io.Reader) error { return s.control(h, body) }
	return s
}

// send queues a frame; false when the socket is closing or its queue is
// full, in which case it is dropped (the client reconnects and resumes).
func (s *socket) send(f *frame) bool {
	return s.push(f.bytes(s.deflate), false)
}

func (s *socket) push(b []byte, last bool) bool {
	s.mu.Lock()
	if s.closing {
		s.mu.Unlock()
		return false
	}
	if s.queued+len(b) > maxQueued && !last {
		s.mu.Unlock()
		s.nc.Close()
		return false
	}
	s.queue = append(s.queue, b)
	s.queued += len(b)
	s.closing = last
	start := !s.writing
	s.writing = true
	s.mu.Unlock()
	if start {
		go s.flush()
	}
	return true
}

// flush writes what is queued, a batch at a time, until nothing is. On TCP a
// batch is one writev(2) of the shared frames: nothing is copied.
func (s *socket) flush() {
	for {
		s.mu.Lock()
		batch := s.queue
		if len(batch) == 0 {
			s.writing = false
			closing := s.closing
			s.mu.Unlock()
			if closing {
				s.nc.Close()
			}
			return
		}
		s.queue, s.spare, s.queued = s.spare[:0], nil, 0
		s.mu.Unlock()

		_ = s.nc.SetWriteDeadline(time.Now().Add(writeTimeout))
		var err error
		if _, tcp := s.nc.(*net.TCPConn); tcp {
			bufs := net.Buffers(batch)
			_, err = bufs.WriteTo(s.nc)
		} else { // one write all the same (TLS: one record)
			_, err = s.nc.Write(bytes.Join(batch, nil))
		}
		clear(batch)
		s.mu.Lock()
		s.spare = batch[:0]
		if err != nil {
			s.closing, s.queue, s.writing = true, nil, false
		}
		s.mu.Unlock()
		if err != nil {
			s.nc.Close()
			return
		}
	}
}

// close sends a close frame, after what is already queued, then ends the
// connection. Closing twice is harmless.
func (s *socket) close(code ws.StatusCode, reason string) {
	s.push(closeFrame(code, reason).plain, true)
}

// read returns the client's next message, answering pings and close frames
// on the way. An error ends the connection.
func (s *socket) read(idle time.Duration) ([]byte, ws.OpCode, error) {
	for {
		_ = s.nc.SetReadDeadline(time.Now().Add(idle))
		h, err := s.rd.NextFrame()
		if err != nil {
			return nil, 0, err
		}
		if h.OpCode.IsControl() {
			if err := s.control(h, &s.rd); err != nil {
				return nil, 0, err
			}
			continue
		}
		data, err := io.ReadAll(&s.rd)
		if err != nil {
			return nil, 0, err
		}
		if s.msg.IsCompressed() {
			if data, err = inflateMessage(data); err != nil {
				return nil, 0, err
			}
		}
		return data, h.OpCode, nil
	}
}

// errClosed is the client's close frame.
var errClosed = errors.New("closed by the client")

// control answers a ping with a pong and a close frame with a close frame.
func (s *socket) control(h ws.Header, body io.Reader) error {
	p, err := io.ReadAll(body)
	if err != nil {
		return err
	}
	switch h.OpCode {
	case ws.OpPing:
		s.push(newFrame(ws.OpPong, p).plain, false)
	case ws.OpClose:
		switch code, reason := ws.ParseCloseFrameData(p); {
		case code.Empty():
			s.push(newFrame(ws.OpClose, nil).plain, true)
		case ws.CheckCloseFrameData(code, reason) != nil:
			s.close(ws.StatusProtocolError, "")
		default:
			s.close(code, "")
		}
		return errClosed
	}
	return nil
}

// ping asks the client for a pong, which proves it is still there.
func (s *socket) ping() { s.push(newFrame(ws.OpPing, nil).plain, false) }
