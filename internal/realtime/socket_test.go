package realtime

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/coder/websocket"
	"github.com/gobwas/ws"
	"github.com/gobwas/ws/wsutil"
)

// serveSockets upgrades every request and hands the socket to fn, in the
// handler's goroutine. The client is coder/websocket, an implementation
// independent of the server's.
func serveSockets(t *testing.T, fn func(*socket)) string {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s, err := upgrade(w, r)
		if err != nil {
			t.Errorf("upgrade: %v", err)
			return
		}
		fn(s)
	}))
	t.Cleanup(srv.Close)
	return strings.Replace(srv.URL, "http://", "ws://", 1)
}

func dialSocket(t *testing.T, url string, mode websocket.CompressionMode) *websocket.Conn {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	c, _, err := websocket.Dial(ctx, url, &websocket.DialOptions{CompressionMode: mode})
	if err != nil {
		t.Fatal(err)
	}
	c.SetReadLimit(1 << 20)
	t.Cleanup(func() { c.CloseNow() })
	return c
}

// TestSocketMessages sends and reads messages small and large, compressed
// and not, with a client that offers compression and one that does not.
func TestSocketMessages(t *testing.T) {
	big := bytes.Repeat([]byte(`{"type":"post.created","message":"a long line of chat"} `), 80) // 4.5 kB
	modes := map[string]websocket.CompressionMode{"plain": websocket.CompressionDisabled,
		"context-takeover": websocket.CompressionContextTakeover, "no-context-takeover": websocket.CompressionNoContextTakeover}
	for name, mode := range modes {
		t.Run(name, func(t *testing.T) {
			got := make(chan []byte, 4)
			url := serveSockets(t, func(s *socket) {
				if s.deflate != (mode != websocket.CompressionDisabled) {
					t.Errorf("deflate negotiated: %v", s.deflate)
				}
				s.send(textFrame([]byte(`{"type":"hello"}`)))
				s.send(textFrame(big))
				for {
					data, _, err := s.read(time.Minute)
					if err != nil {
						close(got)
						return
					}
					got <- data
				}
			})
			c := dialSocket(t, url, mode)
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			defer cancel()
			for _, want := range [][]byte{[]byte(`{"type":"hello"}`), big} {
				typ, data, err := c.Read(ctx)
				if err != nil || typ != websocket.MessageText || !bytes.Equal(data, want) {
					t.Fatalf("read %d bytes (%v), want %d", len(data), err, len(want))
				}
			}
			for _, m := range [][]byte{[]byte(`{"type":"ping"}`), big[:maxMessage]} {
				if err := c.Write(ctx, websocket.MessageText, m); err != nil {
					t.Fatal(err)
				}
				if data := <-got; !bytes.Equal(data, m) {
					t.Fatalf("server read %d bytes, want %d", len(data), len(m))
				}
			}
			// Too big, even when it compresses into a few bytes.
			_ = c.Write(ctx, websocket.MessageText, bytes.Repeat([]byte("a"), maxMessage+1))
			if data, ok := <-got; ok {
				t.Fatalf("server read an oversized message of %d bytes", len(data))
			}
		})
	}
}

// TestSocketControl: pings are answered between the fragments of a message,
// and a close frame is answered with one.
func TestSocketControl(t *testing.T) {
	got := make(chan error, 1)
	var msg []byte
	url := serveSockets(t, func(s *socket) {
		var err error
		msg, _, err = s.read(time.Minute)
		if err == nil {
			_, _, err = s.read(time.Minute)
		}
		got <- err
	})
	conn, _, _, err := ws.Dial(context.Background(), url)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	for _, f := range []ws.Frame{
		ws.NewFrame(ws.OpText, false, []byte(`{"type":`)),
		ws.NewPingFrame([]byte("are you there")),
		ws.NewFrame(ws.OpContinuation, true, []byte(`"ping"}`)),
		ws.NewCloseFrame(ws.NewCloseFrameBody(ws.StatusNormalClosure, "bye")),
	} {
		if err := ws.WriteFrame(conn, ws.MaskFrame(f)); err != nil {
			t.Fatal(err)
		}
	}
	_ = conn.SetReadDeadline(time.Now().Add(5 * time.Second))
	pong, err := readFrame(conn)
	if err != nil || pong.Header.OpCode != ws.OpPong || string(pong.Payload) != "are you there" {
		t.Fatalf("pong: %+v %v", pong.Header, err)
	}
	cl, err := readFrame(conn)
	if err != nil || cl.Header.OpCode != ws.OpClose {
		t.Fatalf("close: %+v %v", cl.Header, err)
	}
	if code, _ := ws.ParseCloseFrameData(cl.Payload); code != ws.StatusNormalClosure {
		t.Fatalf("close code %d", code)
	}
	if err := <-got; !errors.Is(err, errClosed) {
		t.Fatalf("second read: %v", err)
	}
	if string(msg) != `{"type":"ping"}` {
		t.Fatalf("fragmented message read as %q", msg)
	}
	// The server ends the connection after its close frame.
	if _, err := conn.Read(make([]byte, 1)); err == nil {
		t.Fatal("connection still open")
	}
}

// readFrame reads a server frame of at most 125 bytes (a control frame).
func readFrame(r io.Reader) (ws.Frame, error) {
	h, err := ws.ReadHeader(r)
	if err != nil {
		return ws.Frame{}, err
	}
	if h.Length > 125 {
		return ws.Frame{}, fmt.Errorf("frame of %d bytes", h.Length)
	}
	p := make([]byte, h.Length)
	_, err = io.ReadFull(r, p)
	return ws.Frame{Header: h, Payload: p}, err
}

// gatedConn counts writes and holds them until the gate opens.
type gatedConn struct {
	net.Conn
	gate   chan struct{}
	mu     sync.Mutex
	writes [][]byte
}

func (c *gatedConn) Write(p []byte) (int, error) {
	<-c.gate
	c.mu.Lock()
	c.writes = append(c.writes, bytes.Clone(p))
	c.mu.Unlock()
	return len(p), nil
}

func (c *gatedConn) SetWriteDeadline(time.Time) error { return nil }
func (c *gatedConn) Close() error                     { return nil }

// TestSocketBatches: frames queued while a write is under way leave together,
// in order, with the next write.
func TestSocketBatches(t *testing.T) {
	gc := &gatedConn{gate: make(chan struct{})}
	s := &socket{nc: gc}
	var want []byte
	for i := range 10 {
		f := textFrame([]byte{'a' + byte(i)})
		want = append(want, f.plain...)
		if !s.send(f) {
			t.Fatal("send refused")
		}
	}
	s.close(ws.StatusNormalClosure, "")
	want = append(want, closeFrame(ws.StatusNormalClosure, "").plain...)
	if s.send(textFrame([]byte("late"))) {
		t.Fatal("a frame was accepted after the close frame")
	}
	close(gc.gate)
	deadline := time.Now().Add(5 * time.Second)
	for {
		s.mu.Lock()
		done := !s.writing
		s.mu.Unlock()
		if done || time.Now().After(deadline) {
			break
		}
		time.Sleep(time.Millisecond)
	}
	gc.mu.Lock()
	defer gc.mu.Unlock()
	if len(gc.writes) > 2 {
		t.Errorf("%d writes for 11 frames queued while the first was held", len(gc.writes))
	}
	if got := bytes.Join(gc.writes, nil); !bytes.Equal(got, want) {
		t.Errorf("wrote %q, want %q", got, want)
	}
}

// TestSocketTooSlow: a client that reads nothing is dropped once its queue
// is full, instead of holding the server's memory.
func TestSocketTooSlow(t *testing.T) {
	server, client := net.Pipe() // nothing reads client
	defer client.Close()
	s := &socket{nc: server}
	f := textFrame(bytes.Repeat([]byte("x"), 64<<10))
	n := 0
	for s.send(f) {
		if n++; n > 2*maxQueued/len(f.plain) {
			t.Fatal("the queue grows without bound")
		}
	}
	if _, err := server.Write([]byte("x")); err == nil {
		t.Fatal("connection still open")
	}
}

// TestDeflateOnce: a compressed frame is built once and is a valid
// permessage-deflate message.
func TestDeflateOnce(t *testing.T) {
	payload := bytes.Repeat([]byte("compress me "), 100)
	f := textFrame(payload)
	a, b := f.bytes(true), f.bytes(true)
	if &a[0] != &b[0] || len(a) >= len(f.plain) {
		t.Fatalf("deflated frame not shared or not smaller: %d, %d bytes", len(a), len(f.plain))
	}
	h, err := ws.ReadHeader(bytes.NewReader(a))
	if err != nil || !h.Rsv1() {
		t.Fatalf("header %+v %v", h, err)
	}
	if out, err := inflateMessage(a[ws.HeaderSize(h):]); err != nil || !bytes.Equal(out, payload) {
		t.Fatalf("inflated %q: %v", out, err)
	}
	z := textFrame(bytes.Repeat(payload, 4)).bytes(true)
	h, _ = ws.ReadHeader(bytes.NewReader(z))
	if _, err := inflateMessage(z[ws.HeaderSize(h):]); !errors.Is(err, wsutil.ErrMessageTooLarge) {
		t.Fatalf("a message inflating past the limit: %v", err)
	}
	if small := textFrame([]byte("short")); &small.bytes(true)[0] != &small.plain[0] {
		t.Fatal("a short message was compressed")
	}
}

// sinkConn is a net.Conn that discards what is written (reads come from the
// socket's source).
type sinkConn struct{ net.Conn }

func (sinkConn) Write(p []byte) (int, error)      { return len(p), nil }
func (sinkConn) Close() error                     { return nil }
func (sinkConn) SetReadDeadline(time.Time) error  { return nil }
func (sinkConn) SetWriteDeadline(time.Time) error { return nil }

// FuzzSocketRead: whatever bytes a client sends, reading them ends in
// messages of at most maxMessage bytes or an error, never a panic or a hang.
func FuzzSocketRead(f *testing.F) {
	masked := func(fr ws.Frame) []byte {
		var b bytes.Buffer
		_ = ws.WriteFrame(&b, ws.MaskFrameWith(fr, [4]byte{1, 2, 3, 4}))
		return b.Bytes()
	}
	z, err := deflateMessage(bytes.Repeat([]byte(`{"type":"typing"} `), 200))
	if err != nil {
		f.Fatal(err)
	}
	compressed := masked(ws.Frame{Header: ws.Header{Fin: true, Rsv: ws.Rsv(true, false, false), OpCode: ws.OpText, Length: int64(len(z))}, Payload: z})
	for _, seed := range [][]byte{
		masked(ws.NewTextFrame([]byte(`{"type":"ping"}`))),
		append(masked(ws.NewFrame(ws.OpText, false, []byte(`{"ty`))), masked(ws.NewFrame(ws.OpContinuation, true, []byte(`pe":"ping"}`)))...),
		masked(ws.NewPingFrame([]byte("x"))),
		masked(ws.NewCloseFrame(ws.NewCloseFrameBody(ws.StatusNormalClosure, ""))),
		compressed,
		{0x81, 0xff, 0, 0, 0, 0, 0xff, 0xff, 0xff, 0xff},
	} {
		f.Add(seed, true)
		f.Add(seed, false)
	}
	f.Fuzz(func(t *testing.T, data []byte, deflate bool) {
		s := newSocket(sinkConn{}, bytes.NewReader(data), deflate)
		for range 100 {
			msg, _, err := s.read(time.Minute)
			if err != nil {
				return
			}
			if len(msg) > maxMessage {
				t.Fatalf("a message of %d bytes", len(msg))
			}
		}
	})
}
