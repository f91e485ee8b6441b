package main

import (
	"bufio"
	"bytes"
	"compress/flate"
	"context"
	"crypto/sha1"
	"encoding/base64"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/coder/websocket"
	"github.com/gobwas/ws"
	"github.com/gobwas/ws/wsflate"
)

// postFrameJSON is a post.created event as the server sends it (about 450
// bytes, like those of the load runs), carrying send time sent.
func postFrameJSON(id int, sent int64) []byte {
	msg := message(sent, id%20, id)
	return []byte(`{"id":` + strconv.Itoa(id) + `,"type":"post.created","team_id":1,"channel_id":` + strconv.Itoa(2+id%10) +
		`,"data":{"id":` + strconv.Itoa(1000+id) + `,"channel_id":` + strconv.Itoa(2+id%10) +
		`,"user_id":` + strconv.Itoa(3+id%20) + `,"root_id":null,"message":"` + msg + `","html":"<p>` + msg +
		`</p>","created_at":"2026-11-29T16:04:05.123456Z","edited_at":null,"reply_count":0,"props":{}}}`)
}

// serverFrame is one unmasked frame of a server; compressed frames get
// their payload deflated (no context takeover) and RSV1 set.
func serverFrame(op ws.OpCode, payload []byte, compress bool) []byte {
	return makeServerFrame(op, payload, compress, true)
}

// serverFrameFin is serverFrame for the first frames of a fragmented
// message.
func serverFrameFin(op ws.OpCode, payload []byte, compress bool) []byte {
	return makeServerFrame(op, payload, compress, false)
}

func makeServerFrame(op ws.OpCode, payload []byte, compress, fin bool) []byte {
	h := ws.Header{Fin: fin, OpCode: op}
	if compress {
		var z bytes.Buffer
		fw, _ := flate.NewWriter(&z, flate.BestSpeed)
		_, _ = fw.Write(payload)
		_ = fw.Flush()
		payload = bytes.TrimSuffix(z.Bytes(), []byte{0, 0, 0xff, 0xff})
		h.Rsv = ws.Rsv(true, false, false)
	}
	h.Length = int64(len(payload))
	var b bytes.Buffer
	_ = ws.WriteHeader(&b, h)
	b.Write(payload)
	return b.Bytes()
}

// benchStream is 64 frames for the receive benchmarks: post.created frames
// of about 450 bytes (uncompressed, like those of the load runs), or of
// about 4 kB, compressed.
func benchStream(large bool) []byte {
	var b bytes.Buffer
	sent := time.Now().UnixNano()
	for i := range 64 {
		p := postFrameJSON(i, sent+int64(i))
		if large {
			pad := strings.Repeat(chatLines[i%len(chatLines)]+" ", 50)
			p = bytes.Replace(p, []byte(`"props":{}`), []byte(`"props":{"text":"`+pad+`"}`), 1)
		}
		b.Write(serverFrame(ws.OpText, p, large))
	}
	return b.Bytes()
}

// loopConn reads data over and over and discards what is written: a server
// that sends the same frames forever, at no cost.
type loopConn struct {
	data []byte
	off  int
}

func (c *loopConn) Read(p []byte) (int, error) {
	n := copy(p, c.data[c.off:])
	c.off = (c.off + n) % len(c.data)
	return n, nil
}

func (c *loopConn) Write(p []byte) (int, error) { return len(p), nil }
func (c *loopConn) Close() error                { return nil }

// fakeUpgrade answers a WebSocket handshake with 101 and the connection
// conn, for coder/websocket's Dial.
type fakeUpgrade struct {
	conn io.ReadWriteCloser
}

func (f fakeUpgrade) RoundTrip(r *http.Request) (*http.Response, error) {
	sum := sha1.Sum([]byte(r.Header.Get("Sec-WebSocket-Key") + "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"))
	h := http.Header{}
	h.Set("Upgrade", "websocket")
	h.Set("Connection", "Upgrade")
	h.Set("Sec-WebSocket-Accept", base64.StdEncoding.EncodeToString(sum[:]))
	if strings.Contains(r.Header.Get("Sec-WebSocket-Extensions"), "permessage-deflate") {
		h.Set("Sec-WebSocket-Extensions", "permessage-deflate; client_no_context_takeover; server_no_context_takeover")
	}
	return &http.Response{StatusCode: http.StatusSwitchingProtocols, Proto: "HTTP/1.1", ProtoMajor: 1, ProtoMinor: 1,
		Header: h, Body: f.conn, Request: r}, nil
}

// coderReceive is the receiver the load tool had before chat_ws.go, on
// coder/websocket: it reads n messages exactly as socket.read did.
func coderReceive(c *websocket.Conn, rec *recorder, n int) error {
	var buf bytes.Buffer
	for range n {
		_, r, err := c.Reader(context.Background())
		if err != nil {
			return err
		}
		buf.Reset()
		if _, err := buf.ReadFrom(r); err != nil {
			return err
		}
		now := time.Now().UnixNano()
		frame := buf.Bytes()
		rec.frames.Add(1)
		rec.bytes.Add(int64(len(frame)))
		if sent := sentAt(frame); sent > 0 {
			rec.posts.Add(1)
			rec.pbytes.Add(int64(len(frame)))
			if p := rec.cur.Load(); p != nil {
				p.received(sent, now)
			}
		} else if bytes.Contains(frame, helloType) {
			return io.ErrUnexpectedEOF
		}
	}
	return nil
}

// benchRecorder records every frame of benchStream into one phase.
func benchRecorder() (*recorder, *phase) {
	rec := &recorder{}
	p := &phase{from: 0, to: 1 << 62}
	rec.cur.Store(p)
	return rec, p
}

// BenchmarkReceive is the cost of one frame received by a socket of the
// load tool, from its bytes in the connection to its delivery recorded.
func BenchmarkReceive(b *testing.B) {
	for _, c := range []struct {
		name  string
		large bool
	}{{"post450B", false}, {"post4kBdeflate", true}} {
		data := benchStream(c.large)
		b.Run("coder/"+c.name, func(b *testing.B) {
			ws, _, err := websocket.Dial(context.Background(), "ws://bench.invalid/ws", &websocket.DialOptions{
				HTTPClient:      &http.Client{Transport: fakeUpgrade{&loopConn{data: data}}},
				CompressionMode: websocket.CompressionNoContextTakeover,
			})
			if err != nil {
				b.Fatal(err)
			}
			defer ws.CloseNow()
			ws.SetReadLimit(1 << 20)
			rec, p := benchRecorder()
			b.SetBytes(int64(len(data) / 64))
			b.ReportAllocs()
			b.ResetTimer()
			if err := coderReceive(ws, rec, b.N); err != nil {
				b.Fatal(err)
			}
			b.StopTimer()
			if p.delivered.Load() != int64(b.N) {
				b.Fatalf("%d deliveries for %d frames", p.delivered.Load(), b.N)
			}
		})
		b.Run("gobwas/"+c.name, func(b *testing.B) {
			c := newWSConn(nil, bufio.NewReaderSize(&loopConn{data: data}, wsReadBuffer), io.Discard, true, false)
			rec, p := benchRecorder()
			b.SetBytes(int64(len(data) / 64))
			b.ReportAllocs()
			b.ResetTimer()
			for range b.N {
				frame, err := c.next()
				if err != nil {
					b.Fatal(err)
				}
				rec.frame(frame, time.Now().UnixNano())
			}
			b.StopTimer()
			if p.delivered.Load() != int64(b.N) {
				b.Fatalf("%d deliveries for %d frames", p.delivered.Load(), b.N)
			}
		})
	}
}

// BenchmarkReceiveTCP is the same over 50 loopback TCP sockets, each with
// its reader goroutine, written by a fan-out goroutine one frame per write
// and socket, as the server does: as fast as it can ("burst": the readers
// find several frames per read), or one round every millisecond ("paced":
// one frame per read and wake-up, as in the load runs). cpu-ns/frame is
// the CPU of the whole process per frame, the writer's included (the same
// for both); ns/op is wall time, meaningless when paced.
func BenchmarkReceiveTCP(b *testing.B) {
	data := benchStream(false)
	var frames [][]byte
	for rest := data; len(rest) > 0; {
		h, _ := ws.ReadHeader(bytes.NewReader(rest))
		n := ws.HeaderSize(h) + int(h.Length)
		frames = append(frames, rest[:n])
		rest = rest[n:]
	}
	const socks = 50
	for _, run := range []string{"coder/burst", "gobwas/burst", "coder/paced", "gobwas/paced"} {
		impl, mode, _ := strings.Cut(run, "/")
		b.Run(run, func(b *testing.B) {
			ln, err := net.Listen("tcp", "127.0.0.1:0")
			if err != nil {
				b.Fatal(err)
			}
			defer ln.Close()
			rec, p := benchRecorder()
			per := b.N/socks + 1
			var servers []net.Conn
			var wg sync.WaitGroup
			for range socks {
				cc, err := net.Dial("tcp", ln.Addr().String())
				if err != nil {
					b.Fatal(err)
				}
				sc, err := ln.Accept()
				if err != nil {
					b.Fatal(err)
				}
				servers = append(servers, sc)
				defer cc.Close()
				defer sc.Close()
				switch impl {
				case "coder":
					c, _, err := websocket.Dial(context.Background(), "ws://bench.invalid/ws", &websocket.DialOptions{
						HTTPClient:      &http.Client{Transport: fakeUpgrade{cc}},
						CompressionMode: websocket.CompressionNoContextTakeover,
					})
					if err != nil {
						b.Fatal(err)
					}
					wg.Go(func() {
						if err := coderReceive(c, rec, per); err != nil {
							b.Error(err)
						}
					})
				default:
					c := newWSConn(cc, bufio.NewReaderSize(cc, wsReadBuffer), cc, true, false)
					wg.Go(func() {
						for range per {
							frame, err := c.next()
							if err != nil {
								b.Error(err)
								return
							}
							rec.frame(frame, time.Now().UnixNano())
						}
					})
				}
			}
			var u0, u1 syscall.Rusage
			_ = syscall.Getrusage(syscall.RUSAGE_SELF, &u0)
			b.ResetTimer()
			for i := range per {
				for _, sc := range servers {
					if _, err := sc.Write(frames[i%len(frames)]); err != nil {
						b.Fatal(err)
					}
				}
				if mode == "paced" {
					time.Sleep(time.Millisecond)
				}
			}
			wg.Wait()
			b.StopTimer()
			_ = syscall.Getrusage(syscall.RUSAGE_SELF, &u1)
			cpu := time.Duration(u1.Utime.Nano() + u1.Stime.Nano() - u0.Utime.Nano() - u0.Stime.Nano())
			b.ReportMetric(float64(cpu.Nanoseconds())/float64(per*socks), "cpu-ns/frame")
			if got := p.delivered.Load(); got != int64(per*socks) {
				b.Fatalf("%d deliveries for %d frames", got, per*socks)
			}
		})
	}
}

// readClientFrame reads one frame the client sent, which must be masked,
// and unmasks it. It may run outside the test's goroutine.
func readClientFrame(t *testing.T, r io.Reader) ws.Frame {
	t.Helper()
	var f ws.Frame
	h, err := ws.ReadHeader(r)
	if err == nil && h.Length > ws.MaxControlFramePayloadSize {
		err = errWSControl
	}
	if err == nil {
		f.Header, f.Payload = h, make([]byte, h.Length)
		_, err = io.ReadFull(r, f.Payload)
	}
	if err != nil {
		t.Error(err)
		return f
	}
	if !f.Header.Masked {
		t.Errorf("unmasked %v frame from the client", f.Header.OpCode)
	}
	return ws.UnmaskFrameInPlace(f)
}

func TestWSConnFrames(t *testing.T) {
	client, server := net.Pipe()
	defer client.Close()
	defer server.Close()
	c := newWSConn(client, bufio.NewReader(client), client, true, false)

	post := postFrameJSON(7, 1764428400123456789)
	big := bytes.Repeat([]byte("a compressed message "), 200)
	var stream bytes.Buffer
	stream.Write(serverFrame(ws.OpPing, []byte("p1"), false))
	// A fragmented message with a ping between its frames.
	stream.Write(serverFrameFin(ws.OpText, post[:100], false))
	stream.Write(serverFrame(ws.OpPing, []byte("p2"), false))
	stream.Write(serverFrame(ws.OpContinuation, post[100:], false))
	stream.Write(serverFrame(ws.OpText, big, true))
	stream.Write(serverFrame(ws.OpText, post, false))
	stream.Write(serverFrame(ws.OpClose, ws.NewCloseFrameBody(ws.StatusGoingAway, "bye"), false))

	written := make(chan []ws.Frame, 1)
	go func() {
		go func() { _, _ = server.Write(stream.Bytes()) }()
		var fs []ws.Frame
		for range 3 { // two pongs and the close echo
			fs = append(fs, readClientFrame(t, server))
		}
		written <- fs
	}()

	for i, want := range [][]byte{post, big, post} {
		got, err := c.next()
		if err != nil {
			t.Fatalf("message %d: %v", i, err)
		}
		if !bytes.Equal(got, want) {
			t.Fatalf("message %d: got %.80q…, want %.80q…", i, got, want)
		}
	}
	rec, p := benchRecorder()
	if !rec.frame(post, 1764428400123456789+5e6) || p.delivered.Load() != 1 || p.delivery.Max() != 5*time.Millisecond {
		t.Errorf("post.created frame not recorded: %d deliveries, max %s", p.delivered.Load(), p.delivery.Max())
	}
	_, err := c.next()
	var closed wsClosed
	if !errors.As(err, &closed) || closed.code != ws.StatusGoingAway || closed.reason != "bye" {
		t.Fatalf("after the close frame: %v", err)
	}
	fs := <-written
	if fs[0].Header.OpCode != ws.OpPong || string(fs[0].Payload) != "p1" ||
		fs[1].Header.OpCode != ws.OpPong || string(fs[1].Payload) != "p2" {
		t.Errorf("pongs: %v %q, %v %q", fs[0].Header.OpCode, fs[0].Payload, fs[1].Header.OpCode, fs[1].Payload)
	}
	if code, _ := ws.ParseCloseFrameData(fs[2].Payload); fs[2].Header.OpCode != ws.OpClose || code != ws.StatusGoingAway {
		t.Errorf("close echo: %v %d", fs[2].Header.OpCode, code)
	}
	if err := c.close(); err != nil { // nothing is sent after the close frame
		t.Error(err)
	}
}

func TestWSConnErrors(t *testing.T) {
	masked := ws.MustCompileFrame(ws.MaskFrame(ws.NewTextFrame([]byte("x"))))
	rsv1 := serverFrame(ws.OpText, []byte("hello"), true)
	for name, tc := range map[string]struct {
		stream  []byte
		deflate bool
	}{
		"masked":              {masked, true},
		"rsv1 not negotiated": {rsv1, false},
		"lone continuation":   {serverFrame(ws.OpContinuation, []byte("x"), false), true},
		"too large":           {ws.MustCompileFrame(ws.NewTextFrame(make([]byte, wsReadLimit+1))), true},
	} {
		c := newWSConn(nil, bufio.NewReader(bytes.NewReader(tc.stream)), io.Discard, tc.deflate, false)
		if _, err := c.next(); err == nil || err == io.EOF {
			t.Errorf("%s: err %v", name, err)
		}
	}
}

// TestWSConnTakeover: a server that keeps its compression context refers
// to earlier messages; the reader keeps the window when told to.
func TestWSConnTakeover(t *testing.T) {
	var z bytes.Buffer
	fw, _ := flate.NewWriter(&z, flate.BestCompression)
	msgs := [][]byte{postFrameJSON(1, 11), postFrameJSON(2, 22), postFrameJSON(3, 33)}
	var stream bytes.Buffer
	for _, m := range msgs {
		z.Reset()
		_, _ = fw.Write(m)
		_ = fw.Flush()
		p := bytes.TrimSuffix(z.Bytes(), []byte{0, 0, 0xff, 0xff})
		h := ws.Header{Fin: true, OpCode: ws.OpText, Rsv: ws.Rsv(true, false, false), Length: int64(len(p))}
		_ = ws.WriteHeader(&stream, h)
		stream.Write(p)
	}
	if _, err := newWSConn(nil, bufio.NewReader(bytes.NewReader(stream.Bytes())), io.Discard, true, false).next(); err != nil {
		t.Fatal(err)
	}
	c := newWSConn(nil, bufio.NewReader(&stream), io.Discard, true, true)
	for i, want := range msgs {
		got, err := c.next()
		if err != nil || !bytes.Equal(got, want) {
			t.Fatalf("message %d: %v %.60q", i, err, got)
		}
	}
}

// TestDialWS: the handshake sends the bearer token and the browsers'
// permessage-deflate offer, which a gobwas/ws server (as ruche's) accepts
// without context takeover.
func TestDialWS(t *testing.T) {
	var auth string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		auth = r.Header.Get("Authorization")
		ext := wsflate.Extension{Parameters: wsflate.DefaultParameters}
		conn, _, _, err := ws.HTTPUpgrader{Negotiate: ext.Negotiate}.Upgrade(r, w)
		if err != nil {
			return
		}
		defer conn.Close()
		_, _ = conn.Write(serverFrame(ws.OpText, []byte(`{"type":"hello","event_id":3,"user_id":1}`), false))
		readClientFrame(t, conn) // the close frame
		_, _ = conn.Write(serverFrame(ws.OpClose, ws.NewCloseFrameBody(ws.StatusNormalClosure, ""), false))
	}))
	defer srv.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	rec := &recorder{}
	socks, err := openSockets(ctx, srv.URL, []string{"tok1"}, true, rec)
	if err != nil {
		t.Fatal(err)
	}
	if auth != "Bearer tok1" {
		t.Errorf("Authorization %q", auth)
	}
	if c := socks[0].ws; !c.deflate || c.takeover {
		t.Errorf("deflate %v, takeover %v", c.deflate, c.takeover)
	}
	closeSockets(socks)
	var closed wsClosed
	if !errors.As(socks[0].err, &closed) || closed.code != ws.StatusNormalClosure {
		t.Errorf("reader ended with %v", socks[0].err)
	}
	if n, _ := lost(socks); n != 0 || rec.frames.Load() != 1 {
		t.Errorf("%d sockets lost, %d frames", n, rec.frames.Load())
	}
}
