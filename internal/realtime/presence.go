package realtime

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"ruche/internal/auth"
	"ruche/internal/bus"
	"ruche/internal/chat"
	"ruche/internal/httpx"
	"ruche/internal/model"
)

// Presence: a user is online when one of their tabs (on any node) is
// active, away when all their tabs say they are idle, offline without tabs.
// Each node tells the others its users' state on the bus when it changes and
// every heartbeat, so that a node that dies is forgotten after nodeExpiry.
const (
	presenceSubject = "presence"
	heartbeat       = 30 * time.Second
	nodeExpiry      = 3 * heartbeat
)

// Presence states.
const (
	Online  = "online"
	Away    = "away"
	Offline = "offline"
)

type presenceMsg struct {
	Node  string           `json:"node"`
	Full  bool             `json:"full"` // a heartbeat: the node's whole state
	Users map[int64]string `json:"users"`
}

type nodeState struct {
	status string
	seen   time.Time
}

type presence struct {
	node string
	mu   sync.Mutex
	// users' state per node, from every node's messages (this one's too)
	byUser map[int64]map[string]nodeState
	now    func() time.Time
}

func newPresence() *presence {
	b := make([]byte, 8)
	_, _ = rand.Read(b)
	return &presence{node: hex.EncodeToString(b), byUser: map[int64]map[string]nodeState{}, now: time.Now}
}

// status aggregates a user's state over the nodes that reported recently.
func (p *presence) status(user int64) string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.statusLocked(user)
}

func (p *presence) statusLocked(user int64) string {
	out := Offline
	for _, st := range p.byUser[user] {
		if p.now().Sub(st.seen) > nodeExpiry {
			continue
		}
		switch st.status {
		case Online:
			return Online
		case Away:
			out = Away
		}
	}
	return out
}

// apply records a node's message and returns the users whose aggregate
// status changed, with their new status.
func (p *presence) apply(m presenceMsg) map[int64]string {
	p.mu.Lock()
	defer p.mu.Unlock()
	before := map[int64]string{}
	touched := map[int64]bool{}
	for u := range m.Users {
		touched[u] = true
	}
	if m.Full { // users of that node not in its heartbeat are gone from it
		for u, nodes := range p.byUser {
			if _, ok := nodes[m.Node]; ok {
				touched[u] = true
			}
		}
	}
	for u := range touched {
		before[u] = p.statusLocked(u)
	}
	now := p.now()
	if m.Full {
		for u, nodes := range p.byUser {
			if _, ok := m.Users[u]; !ok {
				delete(nodes, m.Node)
				if len(nodes) == 0 {
					delete(p.byUser, u)
				}
			}
		}
	}
	for u, st := range m.Users {
		nodes := p.byUser[u]
		if nodes == nil {
			nodes = map[string]nodeState{}
			p.byUser[u] = nodes
		}
		if st == Offline {
			delete(nodes, m.Node)
			if len(nodes) == 0 {
				delete(p.byUser, u)
			}
			continue
		}
		nodes[m.Node] = nodeState{status: st, seen: now}
	}
	changed := map[int64]string{}
	for u, was := range before {
		if now := p.statusLocked(u); now != was {
			changed[u] = now
		}
	}
	return changed
}

// localStatus is a user's state from this node's connections.
func (h *Hub) localStatus(user int64) string {
	st := Offline
	for c := range h.conns[user] {
		c.mu.Lock()
		away := c.away
		c.mu.Unlock()
		if !away {
			return Online
		}
		st = Away
	}
	return st
}

// presenceChanged tells every node (this one included) a user's local state.
func (h *Hub) presenceChanged(user int64) {
	h.mu.RLock()
	st := h.localStatus(user)
	h.mu.RUnlock()
	h.publishPresence(presenceMsg{Node: h.pres.node, Users: map[int64]string{user: st}})
}

func (h *Hub) publishPresence(m presenceMsg) {
	data, err := json.Marshal(m)
	if err == nil {
		err = h.bus.Publish(context.Background(), presenceSubject, data)
	}
	if err != nil {
		h.log.Warn("presence: publish", "err", err)
	}
}

// heartbeats sends this node's whole state now and then, until ctx ends.
func (h *Hub) heartbeats(ctx context.Context) {
	t := time.NewTicker(heartbeat)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		h.mu.RLock()
		users := make(map[int64]string, len(h.conns))
		for u := range h.conns {
			users[u] = h.localStatus(u)
		}
		h.mu.RUnlock()
		h.publishPresence(presenceMsg{Node: h.pres.node, Full: true, Users: users})
	}
}

// presenceEvent is what clients receive.
type presenceEvent struct {
	Type   string `json:"type"` // "presence"
	UserID int64  `json:"user_id"`
	Status string `json:"status"`
}

// onPresence applies another node's (or this node's) news and tells the
// connections that may see those users.
func (h *Hub) onPresence(m bus.Message) {
	var msg presenceMsg
	if err := json.Unmarshal(m.Data, &msg); err != nil || msg.Node == "" {
		return
	}
	for user, st := range h.pres.apply(msg) {
		h.tellPresence(user, st)
	}
}

// tellPresence sends a user's new status to the connections allowed to see
// it (chat.MaySeePresence).
func (h *Hub) tellPresence(user int64, st string) {
	data, err := chat.Marshal(presenceEvent{Type: "presence", UserID: user, Status: st})
	if err != nil {
		return
	}
	f := textFrame(data)
	h.mu.RLock()
	defer h.mu.RUnlock()
	for _, set := range h.conns {
		for c := range set {
			if !h.chat.MaySeePresence(context.Background(), c.p.Actor(), user) {
				break // the same for each of the viewer's connections
			}
			c.mu.Lock()
			if !c.replaying {
				c.s.send(f)
			}
			c.mu.Unlock()
		}
	}
}

// ServePresence answers GET /api/v1/users/presence?ids=1,2,3 with the
// status of the users the caller may see (at most 500 ids).
func (h *Hub) ServePresence(w http.ResponseWriter, r *http.Request) {
	p, ok := httpx.PrincipalFrom(r.Context())
	if !ok {
		httpx.WriteError(w, r, h.log, auth.ErrUnauthenticated)
		return
	}
	parts := strings.Split(r.URL.Query().Get("ids"), ",")
	if len(parts) > 500 {
		httpx.WriteError(w, r, h.log, &model.InvalidError{Field: "ids", Reason: "at most 500 ids", Key: "err.body"})
		return
	}
	out := map[string]string{}
	actor := p.Actor()
	for _, s := range parts {
		id, err := strconv.ParseInt(strings.TrimSpace(s), 10, 64)
		if err != nil || id <= 0 {
			continue
		}
		if !h.chat.MaySeePresence(r.Context(), actor, id) {
			continue
		}
		out[strconv.FormatInt(id, 10)] = h.pres.status(id)
	}
	httpx.WriteJSON(w, http.StatusOK, map[string]any{"statuses": out})
}
