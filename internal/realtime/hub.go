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
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"slices"
	"strconv"
	"sync"
	"time"

	"github.com/gobwas/ws"
	"github.com/gobwas/ws/wsutil"

	"ruche/internal/auth"
	"ruche/internal/bus"
	"ruche/internal/chat"
	"ruche/internal/httpx"
	"ruche/internal/model"
)

const (
	revalidate     = time.Minute      // how often a connection's credential is checked again, and the client pinged
	idleTimeout    = 3 * revalidate   // a client that sends nothing, not even a pong, for this long is gone
	readersTTL     = time.Minute      // how long a channel's members are remembered without news of them
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

	readersMu  sync.Mutex
	readers    map[int64]cachedReaders // by channel, kept up to date by the member events
	readersGen uint64                  // counts forget calls: a read that began before one is not kept
}

type cachedReaders struct {
	ids []int64
	at  time.Time
}

// New returns a hub; Start subscribes it to the bus.
func New(c *chat.Service, a *auth.Service, b bus.Bus, log *slog.Logger) *Hub {
	return &Hub{chat: c, auth: a, bus: b, log: log, conns: map[int64]map[*conn]struct{}{}, bell: make(chan struct{}, 1),
		pres: newPresence(), readers: map[int64]cachedReaders{}}
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
		wg.Go(func() { h.keepalive(ctx) })
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
			c.close(ws.StatusGoingAway, "server shutting down")
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

// conn is one WebSocket and the user behind it.
type conn struct {
	s      *socket
	p      auth.Principal
	token  string // to authenticate again
	ctx    context.Context
	cancel context.CancelFunc

	mu        sync.Mutex
	away      bool // the client said its user is idle
	replaying bool
	pending   []chat.WireEvent    // live events that arrived during the replay
	lastID    int64               // newest event id sent: never send it or older again
	typedAt   map[int64]time.Time // made on the first typing event
}

// ServeHTTP upgrades GET /api/v1/ws. The request was authenticated by the
// session cookie or a bearer token; browsers' cross-origin upgrades are
// refused. The handler returns once the connection is set up: its reader
// goes on in a goroutine of its own, with a small stack.
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
	if !sameOrigin(r) {
		httpx.WriteError(w, r, h.log, errOrigin)
		return
	}
	s, err := upgrade(w, r)
	if err != nil {
		return // the upgrader answered
	}
	// The connection outlives the request: it keeps nothing of it.
	ctx, cancel := context.WithCancel(context.Background())
	c := &conn{s: s, p: p, token: token, ctx: ctx, cancel: cancel, replaying: true}
	h.add(c)
	if err := h.replay(ctx, c, since); err != nil {
		h.log.WarnContext(ctx, "websocket replay failed", "user_id", p.User.ID, "err", err)
		c.close(ws.StatusInternalServerError, "replay failed")
		h.remove(c)
		return
	}
	go func() {
		defer h.remove(c)
		h.readLoop(c)
	}()
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
	c.close(ws.StatusNormalClosure, "")
	go h.presenceChanged(c.p.User.ID)
}

// close ends the connection with a close frame, after what is queued.
func (c *conn) close(code ws.StatusCode, reason string) {
	c.cancel()
	c.s.close(code, reason)
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

// enqueue queues v for the connection; false when its queue is full (the
// connection is then dropped: the client reconnects and replays).
func (h *Hub) enqueue(c *conn, v any) bool {
	data, err := chat.Marshal(v)
	if err != nil {
		return false
	}
	return c.s.send(textFrame(data))
}

func (h *Hub) enqueueRaw(c *conn, e chat.WireEvent) {
	if h.enqueue(c, e) && e.ID > c.lastID {
		c.lastID = e.ID
	}
}

// keepalive checks every connection's credential again and pings its
// client, every revalidate. The bus tells at once when credentials end; this
// catches what it might have dropped, and idle expiry. A client that answers
// nothing is dropped by its reader's idleTimeout.
func (h *Hub) keepalive(ctx context.Context) {
	tick := time.NewTicker(revalidate)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
		h.mu.RLock()
		var all []*conn
		for _, set := range h.conns {
			for c := range set {
				all = append(all, c)
			}
		}
		h.mu.RUnlock()
		for _, c := range all {
			if _, err := h.auth.Authenticate(ctx, c.token); err != nil {
				if ctx.Err() != nil {
					return
				}
				c.close(ws.StatusPolicyViolation, "signed out")
				continue
			}
			c.s.ping()
		}
	}
}

// clientMessage is what a client may send.
type clientMessage struct {
	Type      string `json:"type"` // "typing", "ping", "away" or "active"
	ChannelID int64  `json:"channel_id"`
	RootID    int64  `json:"root_id"`
}

func (h *Hub) readLoop(c *conn) {
	for {
		data, op, err := c.s.read(idleTimeout)
		if err != nil {
			switch {
			case errors.Is(err, wsutil.ErrFrameTooLarge), errors.Is(err, wsutil.ErrMessageTooLarge):
				c.close(ws.StatusMessageTooBig, "message too big")
			case errors.As(err, new(ws.ProtocolError)):
				c.close(ws.StatusProtocolError, "bad frame")
			case !errors.Is(err, errClosed):
				c.s.nc.Close() // gone, or silent for too long
			}
			return
		}
		var m clientMessage
		if op != ws.OpText || json.Unmarshal(data, &m) != nil {
			h.enqueue(c, map[string]string{"type": "error", "message": "messages are JSON objects with a type"})
			continue
		}
		switch m.Type {
		case "ping":
			h.enqueue(c, map[string]string{"type": "pong"})
		case "typing":
			h.typing(c.ctx, c, m)
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
	if c.typedAt == nil || len(c.typedAt) > 1000 {
		c.typedAt = map[int64]time.Time{}
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
// and the user it is addressed to. The result is shared: never modify it.
func (h *Hub) recipients(ctx context.Context, channelID, userID int64) []int64 {
	var users []int64
	if channelID != 0 {
		ids, err := h.channelReaders(ctx, channelID)
		if err != nil {
			h.log.Error("websocket recipients", "channel_id", channelID, "err", err)
			return nil
		}
		users = ids
	}
	if userID != 0 && !slices.Contains(users, userID) {
		users = append(slices.Clip(users), userID)
	}
	return users
}

// channelReaders returns a channel's members, remembered between events.
// Every change of membership is an event in the log, which every node reads
// in order and which forgets the channel's entry (forget) before any later
// event is delivered; readersTTL only bounds the harm of a change that would
// not be logged.
func (h *Hub) channelReaders(ctx context.Context, channelID int64) ([]int64, error) {
	now := time.Now()
	h.readersMu.Lock()
	r, ok := h.readers[channelID]
	gen := h.readersGen
	h.readersMu.Unlock()
	if ok && now.Sub(r.at) < readersTTL {
		return r.ids, nil
	}
	ids, err := h.chat.Readers(ctx, channelID)
	if err != nil {
		return nil, err
	}
	h.readersMu.Lock()
	// A membership change forgotten while this read ran may not be in it
	// (typing events read concurrently with the log follower): use it once,
	// keep it not.
	if gen == h.readersGen {
		if len(h.readers) >= 10000 {
			clear(h.readers)
		}
		h.readers[channelID] = cachedReaders{ids: slices.Clip(ids), at: now}
	}
	h.readersMu.Unlock()
	return ids, nil
}

// forget drops the remembered members that an event changes.
func (h *Hub) forget(e chat.WireEvent) {
	h.readersMu.Lock()
	defer h.readersMu.Unlock()
	switch e.Type {
	case chat.EventMemberAdded, chat.EventMemberRemoved, chat.EventTeamMemberAdded, chat.EventTeamRemoved:
		h.readersGen++
	}
	switch e.Type {
	case chat.EventMemberAdded, chat.EventMemberRemoved:
		var mc struct {
			ChannelID int64 `json:"channel_id"`
		}
		if json.Unmarshal(e.Data, &mc) == nil && mc.ChannelID != 0 {
			delete(h.readers, mc.ChannelID)
			return
		}
		clear(h.readers)
	case chat.EventTeamMemberAdded, chat.EventTeamRemoved:
		clear(h.readers)
	}
}

// deliver sends a logged event to the connections of its recipients.
func (h *Hub) deliver(ctx context.Context, e chat.WireEvent) {
	h.forget(e)
	users := h.recipients(ctx, e.ChannelID, e.UserID)
	data, err := chat.Marshal(e)
	if err != nil {
		h.log.Error("websocket: encode event", "event_id", e.ID, "err", err)
		return
	}
	f := textFrame(data) // once for all its recipients
	h.mu.RLock()
	defer h.mu.RUnlock()
	for _, u := range users {
		for c := range h.conns[u] {
			c.mu.Lock()
			if c.replaying {
				c.pending = append(c.pending, e)
			} else if e.ID > c.lastID && c.s.send(f) {
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
	data, err := chat.Marshal(e)
	if err != nil {
		return
	}
	f := textFrame(data)
	h.mu.RLock()
	defer h.mu.RUnlock()
	for _, u := range users {
		if u == e.UserID {
			continue
		}
		for c := range h.conns[u] {
			c.mu.Lock()
			if !c.replaying {
				c.s.send(f)
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
	f := textFrame(m.Data)
	h.mu.RLock()
	defer h.mu.RUnlock()
	for c := range h.conns[n.UserID] {
		c.mu.Lock()
		if !c.replaying {
			c.s.send(f)
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
			c.close(ws.StatusPolicyViolation, "signed out")
		}
	}
}
