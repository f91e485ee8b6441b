// Package realtime is the WebSocket hub: one connection per browser tab (or
// API client) at GET /api/v1/ws, fed by the chat events every node publishes
// on the bus. It decides nothing itself: who receives an event is asked of
// the chat service (the channel's members, or the one user an event is
// addressed to), and every connection is re-authenticated so that an ended
// session, a revoked token or a disabled account stops it.
//
// Events are read from the event log, not from the bus: the bus only rings
// the bell. Each node follows the log in id order (ids are given in commit
// order), so every connection gets a gap-free, ordered stream, and a bell
// lost on the bus delays delivery by at most a second.
//
// A client that reconnects sends ?since=<last event id>; the hub replays what
// it missed from the event log, then goes on live, in order and without
// duplicates. When the log no longer reaches back that far the client gets
// {"type":"resync"} and reloads.
package realtime

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"slices"
	"strconv"
	"sync"
	"time"

	"github.com/coder/websocket"

	"ruche/internal/auth"
	"ruche/internal/bus"
	"ruche/internal/chat"
	"ruche/internal/httpx"
	"ruche/internal/model"
)

const (
	sendBuffer     = 256              // events queued per connection before it is dropped as too slow
	maxFrame       = 4 << 10          // largest message a client may send
	writeTimeout   = 10 * time.Second // a write that takes longer drops the connection
	revalidate     = time.Minute      // how often a connection's credential is checked again
	replayLimit    = 2000             // more missed events than this: the client reloads
	typingInterval = 2 * time.Second  // at most one typing event per channel and connection this often
	ephemeral      = "chat.ephemeral" // bus subject of events not kept in the log (typing)
)

// Hub serves WebSockets and fans events out to them.
type Hub struct {
	chat *chat.Service
	auth *auth.Service
	bus  bus.Bus
	log  *slog.Logger

	mu    sync.RWMutex
	conns map[int64]map[*conn]struct{} // by user
	subs  []bus.Subscription

	bell chan struct{} // rung by the bus when events were committed
	stop context.CancelFunc
	done chan struct{}
	pres *presence
}

// New returns a hub; Start subscribes it to the bus.
func New(c *chat.Service, a *auth.Service, b bus.Bus, log *slog.Logger) *Hub {
	return &Hub{chat: c, auth: a, bus: b, log: log, conns: map[int64]map[*conn]struct{}{}, bell: make(chan struct{}, 1),
		pres: newPresence()}
}

// Start subscribes to the events to deliver and to the credential changes
// that end connections, and starts following the event log.
func (h *Hub) Start(ctx context.Context) error {
	last, err := h.chat.LatestEventID(ctx)
	if err != nil {
		return err
	}
	for subject, fn := range map[string]func(bus.Message){
		chat.EventSubject:        h.ring,
		ephemeral:                h.onEphemeral,
		chat.NotifySubject:       h.onNotify,
		presenceSubject:          h.onPresence,
		model.EventSessionsEnded: h.onCredentialsEnded,
		model.EventTokensRevoked: h.onCredentialsEnded,
		model.EventUserDisabled:  h.onCredentialsEnded,
	} {
		sub, err := h.bus.Subscribe(subject, fn)
		if err != nil {
			h.Close()
			return err
		}
		h.subs = append(h.subs, sub)
	}
	ctx, h.stop = context.WithCancel(context.WithoutCancel(ctx))
	h.done = make(chan struct{})
	go func() {
		defer close(h.done)
		var wg sync.WaitGroup
		wg.Go(func() { h.heartbeats(ctx) })
		h.follow(ctx, last)
		wg.Wait()
	}()
	return nil
}

// ring wakes the log follower up.
func (h *Hub) ring(bus.Message) {
	select {
	case h.bell <- struct{}{}:
	default: // already rung: the follower reads everything new at once
	}
}

// follow reads the event log after last, in order, and delivers each event,
// whenever the bell rings and at least every second.
func (h *Hub) follow(ctx context.Context, last int64) {
	tick := time.NewTicker(time.Second)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-h.bell:
		case <-tick.C:
		}
		for {
			evs, err := h.chat.EventsAfter(ctx, last, 500)
			if err != nil {
				if ctx.Err() == nil {
					h.log.Error("websocket: read event log", "err", err)
				}
				break
			}
			for _, e := range evs {
				h.deliver(ctx, chat.WireEvent{ID: e.ID, Type: e.Type, TeamID: e.TeamID, ChannelID: e.ChannelID, UserID: e.UserID, Data: e.Data})
				last = e.ID
			}
			if len(evs) < 500 {
				break
			}
		}
	}
}

// Close unsubscribes, stops following the log and closes every connection.
func (h *Hub) Close() {
	for _, s := range h.subs {
		_ = s.Unsubscribe()
	}
	h.subs = nil
	if h.stop != nil {
		h.stop()
		<-h.done
		h.stop = nil
	}
	h.mu.RLock()
	defer h.mu.RUnlock()
	for _, set := range h.conns {
		for c := range set {
			c.close(websocket.StatusGoingAway, "server shutting down")
		}
	}
}

// Connections counts open connections (for metrics and tests).
func (h *Hub) Connections() int {
	h.mu.RLock()
	defer h.mu.RUnlock()
	n := 0
	for _, set := range h.conns {
		n += len(set)
	}
	return n
}

// conn is one WebSocket.
type conn struct {
	ws      *websocket.Conn
	p       auth.Principal
	token   string // to authenticate again
	send    chan []byte
	cancel  context.CancelFunc
	closing sync.Once

	mu        sync.Mutex
	away      bool // the client said its user is idle
	replaying bool
	pending   []chat.WireEvent // live events that arrived during the replay
	lastID    int64            // newest event id sent: never send it or older again
	typedAt   map[int64]time.Time
}

// ServeHTTP upgrades GET /api/v1/ws. The request was authenticated by the
// session cookie or a bearer token; browsers' cross-origin upgrades are
// refused by the library's Origin check.
func (h *Hub) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	p, ok := httpx.PrincipalFrom(r.Context())
	if !ok {
		httpx.WriteError(w, r, h.log, auth.ErrUnauthenticated)
		return
	}
	var since int64
	if v := r.URL.Query().Get("since"); v != "" {
		var err error
		if since, err = strconv.ParseInt(v, 10, 64); err != nil || since < 0 {
			httpx.WriteError(w, r, h.log, &model.InvalidError{Field: "since", Reason: "must be an event id", Key: "err.body"})
			return
		}
	}
	token := httpx.SessionToken(r)
	if bearer, ok := bearerToken(r); ok {
		token = bearer
	}
	ws, err := websocket.Accept(w, r, &websocket.AcceptOptions{CompressionMode: websocket.CompressionNoContextTakeover})
	if err != nil {
		return // Accept wrote the error
	}
	ws.SetReadLimit(maxFrame)
	ctx, cancel := context.WithCancel(context.WithoutCancel(r.Context()))
	c := &conn{ws: ws, p: p, token: token, send: make(chan []byte, sendBuffer), cancel: cancel, replaying: true,
		typedAt: map[int64]time.Time{}}
	h.add(c)
	defer h.remove(c)
	go h.writeLoop(ctx, c)
	if err := h.replay(ctx, c, since); err != nil {
		h.log.WarnContext(ctx, "websocket replay failed", "user_id", p.User.ID, "err", err)
		c.close(websocket.StatusInternalError, "replay failed")
		return
	}
	h.readLoop(ctx, c)
}

func bearerToken(r *http.Request) (string, bool) {
	v := r.Header.Get("Authorization")
	if len(v) > 7 && (v[:7] == "Bearer " || v[:7] == "bearer ") {
		return v[7:], true
	}
	return "", false
}

func (h *Hub) add(c *conn) {
	h.mu.Lock()
	defer h.mu.Unlock()
	set := h.conns[c.p.User.ID]
	if set == nil {
		set = map[*conn]struct{}{}
		h.conns[c.p.User.ID] = set
	}
	set[c] = struct{}{}
	if len(set) == 1 {
		go h.presenceChanged(c.p.User.ID)
	}
}

func (h *Hub) remove(c *conn) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if set := h.conns[c.p.User.ID]; set != nil {
		delete(set, c)
		if len(set) == 0 {
			delete(h.conns, c.p.User.ID)
		}
	}
	c.close(websocket.StatusNormalClosure, "")
	go h.presenceChanged(c.p.User.ID)
}

func (c *conn) close(code websocket.StatusCode, reason string) {
	c.closing.Do(func() {
		c.cancel()
		_ = c.ws.Close(code, reason)
	})
}

// hello is the first message: where the client stands in the event stream.
type hello struct {
	Type    string `json:"type"` // "hello"
	EventID int64  `json:"event_id"`
	UserID  int64  `json:"user_id"`
}

// replay sends the hello, then the events after since, then lets the live
// events that arrived meanwhile through, in order, without duplicates.
func (h *Hub) replay(ctx context.Context, c *conn, since int64) error {
	actor := c.p.Actor()
	latest, err := h.chat.LatestEventID(ctx)
	if err != nil {
		return err
	}
	var missed []model.StoredEvent
	resync := false
	if since > 0 {
		if missed, resync, err = h.chat.EventsSince(ctx, actor, since, replayLimit); err != nil {
			return err
		}
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.lastID = max(since, latest)
	if !h.enqueue(c, hello{Type: "hello", EventID: c.lastID, UserID: c.p.User.ID}) {
		return errors.New("send buffer full")
	}
	if resync {
		h.enqueue(c, map[string]string{"type": "resync"})
	}
	last := since
	for _, e := range missed {
		h.enqueue(c, chat.WireEvent{ID: e.ID, Type: e.Type, TeamID: e.TeamID, ChannelID: e.ChannelID, UserID: e.UserID, Data: e.Data})
		last = e.ID
	}
	if since > 0 {
		c.lastID = max(last, since)
	}
	for _, e := range c.pending {
		if e.ID > c.lastID {
			h.enqueueRaw(c, e)
		}
	}
	c.pending, c.replaying = nil, false
	return nil
}

// enqueue queues v for the connection; false when its buffer is full (the
// connection is then closed: the client reconnects and replays).
func (h *Hub) enqueue(c *conn, v any) bool {
	data, err := encode(v)
	if err != nil {
		return false
	}
	return h.enqueueBytes(c, data)
}

// encode makes a frame of v. Frames are read by scripts, never pasted into
// HTML: <, > and & stay as they are, which keeps post frames small.
func encode(v any) ([]byte, error) {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return bytes.TrimRight(b.Bytes(), "\n"), nil
}

// enqueueBytes queues an encoded frame (shared, never modified).
func (h *Hub) enqueueBytes(c *conn, data []byte) bool {
	select {
	case c.send <- data:
		return true
	default:
		go c.close(websocket.StatusTryAgainLater, "too slow; reconnect")
		return false
	}
}

func (h *Hub) enqueueRaw(c *conn, e chat.WireEvent) {
	if h.enqueue(c, e) && e.ID > c.lastID {
		c.lastID = e.ID
	}
}

func (h *Hub) writeLoop(ctx context.Context, c *conn) {
	tick := time.NewTicker(revalidate)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case data := <-c.send:
			wctx, cancel := context.WithTimeout(ctx, writeTimeout)
			err := c.ws.Write(wctx, websocket.MessageText, data)
			cancel()
			if err != nil {
				c.close(websocket.StatusGoingAway, "write failed")
				return
			}
		case <-tick.C:
			// The bus tells us when credentials end; this catches what it
			// might have dropped, and idle expiry.
			if _, err := h.auth.Authenticate(ctx, c.token); err != nil {
				c.close(websocket.StatusPolicyViolation, "signed out")
				return
			}
		}
	}
}

// clientMessage is what a client may send.
type clientMessage struct {
	Type      string `json:"type"` // "typing", "ping", "away" or "active"
	ChannelID int64  `json:"channel_id"`
	RootID    int64  `json:"root_id"`
}

func (h *Hub) readLoop(ctx context.Context, c *conn) {
	for {
		typ, data, err := c.ws.Read(ctx)
		if err != nil {
			if errors.As(err, new(*websocket.CloseError)) || ctx.Err() != nil {
				return
			}
			c.close(websocket.StatusMessageTooBig, "bad frame")
			return
		}
		var m clientMessage
		if typ != websocket.MessageText || json.Unmarshal(data, &m) != nil {
			h.enqueue(c, map[string]string{"type": "error", "message": "messages are JSON objects with a type"})
			continue
		}
		switch m.Type {
		case "ping":
			h.enqueue(c, map[string]string{"type": "pong"})
		case "typing":
			h.typing(ctx, c, m)
		case "away", "active":
			c.mu.Lock()
			changed := c.away != (m.Type == "away")
			c.away = m.Type == "away"
			c.mu.Unlock()
			if changed {
				h.presenceChanged(c.p.User.ID)
			}
		default:
			h.enqueue(c, map[string]string{"type": "error", "message": "unknown message type"})
		}
	}
}

// typingEvent is the ephemeral event of someone writing in a channel.
type typingEvent struct {
	Type      string `json:"type"` // "typing"
	ChannelID int64  `json:"channel_id"`
	RootID    int64  `json:"root_id,omitempty"`
	UserID    int64  `json:"user_id"`
}

func (h *Hub) typing(ctx context.Context, c *conn, m clientMessage) {
	c.mu.Lock()
	last, seen := c.typedAt[m.ChannelID]
	now := time.Now()
	if seen && now.Sub(last) < typingInterval {
		c.mu.Unlock()
		return
	}
	if len(c.typedAt) > 1000 {
		clear(c.typedAt)
	}
	c.typedAt[m.ChannelID] = now
	c.mu.Unlock()
	// Only a member who may post in the channel may say they are typing.
	if err := h.chat.MayRead(ctx, c.p.Actor(), m.ChannelID); err != nil {
		return
	}
	data, _ := json.Marshal(typingEvent{Type: "typing", ChannelID: m.ChannelID, RootID: m.RootID, UserID: c.p.User.ID})
	_ = h.bus.Publish(ctx, ephemeral, data)
}

// recipients returns the users an event goes to: the members of its channel
// and the user it is addressed to.
func (h *Hub) recipients(ctx context.Context, channelID, userID int64) []int64 {
	var users []int64
	if channelID != 0 {
		ids, err := h.chat.Readers(ctx, channelID)
		if err != nil {
			h.log.Error("websocket recipients", "channel_id", channelID, "err", err)
			return nil
		}
		users = ids
	}
	if userID != 0 && !slices.Contains(users, userID) {
		users = append(users, userID)
	}
	return users
}

// deliver sends a logged event to the connections of its recipients.
func (h *Hub) deliver(ctx context.Context, e chat.WireEvent) {
	users := h.recipients(ctx, e.ChannelID, e.UserID)
	data, err := encode(e) // once for all its recipients
	if err != nil {
		h.log.Error("websocket: encode event", "event_id", e.ID, "err", err)
		return
	}
	h.mu.RLock()
	defer h.mu.RUnlock()
	for _, u := range users {
		for c := range h.conns[u] {
			c.mu.Lock()
			if c.replaying {
				c.pending = append(c.pending, e)
			} else if e.ID > c.lastID && h.enqueueBytes(c, data) {
				c.lastID = e.ID
			}
			c.mu.Unlock()
		}
	}
}

// onEphemeral delivers a typing event to the channel's other members.
func (h *Hub) onEphemeral(m bus.Message) {
	var e typingEvent
	if err := json.Unmarshal(m.Data, &e); err != nil || e.ChannelID == 0 {
		return
	}
	users := h.recipients(context.Background(), e.ChannelID, 0)
	data, err := encode(e)
	if err != nil {
		return
	}
	h.mu.RLock()
	defer h.mu.RUnlock()
	for _, u := range users {
		if u == e.UserID {
			continue
		}
		for c := range h.conns[u] {
			c.mu.Lock()
			if !c.replaying {
				h.enqueueBytes(c, data)
			}
			c.mu.Unlock()
		}
	}
}

// onNotify shows a notification on the connections of the one user it is for.
func (h *Hub) onNotify(m bus.Message) {
	var n struct {
		UserID int64 `json:"user_id"`
	}
	if err := json.Unmarshal(m.Data, &n); err != nil || n.UserID == 0 {
		return
	}
	h.mu.RLock()
	defer h.mu.RUnlock()
	for c := range h.conns[n.UserID] {
		c.mu.Lock()
		if !c.replaying {
			select {
			case c.send <- m.Data:
			default:
			}
		}
		c.mu.Unlock()
	}
}

// onCredentialsEnded closes the connections of ended sessions, revoked
// tokens and disabled users at once.
func (h *Hub) onCredentialsEnded(m bus.Message) {
	var ev model.Event
	if err := json.Unmarshal(m.Data, &ev); err != nil {
		return
	}
	h.mu.RLock()
	defer h.mu.RUnlock()
	for c := range h.conns[ev.UserID] {
		end := ev.Type == model.EventUserDisabled ||
			(c.p.SessionID != 0 && slices.Contains(ev.SessionIDs, c.p.SessionID)) ||
			(c.p.TokenID != 0 && slices.Contains(ev.TokenIDs, c.p.TokenID))
		if end {
			go c.close(websocket.StatusPolicyViolation, "signed out")
		}
	}
}
