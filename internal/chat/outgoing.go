package chat

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"mime"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"ruche/internal/access"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"ruche/internal/bus"
	"ruche/internal/model"
)

// Outgoing webhooks: a dispatcher follows the chat events on the bus; for
// each new post whose first word is a trigger word of a hook watching its
// channel, it POSTs a Slack-compatible request to the hook's URL and posts
// the JSON answer's text back as a reply from the hook.
//
// The URL is given by a channel admin but fetched by the server: the HTTP
// client refuses to connect to loopback, private, link-local, CGNAT,
// multicast and other reserved addresses, checked on the address actually
// connected to (after DNS resolution, so a name that resolves to 127.0.0.1
// or rebinds between two lookups is refused too), follows no redirect, gives
// up after 10 s and reads at most 64 KiB of the answer.

// Limits of outgoing webhooks.
const (
	outgoingTimeout   = 10 * time.Second
	maxOutgoingAnswer = 64 << 10
	outgoingQueue     = 256
	deliveryRetention = 24 * time.Hour
)

// OutgoingOptions tune the dispatcher.
type OutgoingOptions struct {
	// AllowPrivate lets callbacks reach loopback and private addresses. Only
	// for tests, whose receivers listen on 127.0.0.1: never set it in
	// production, where it would let channel admins probe the internal
	// network.
	AllowPrivate bool
	Timeout      time.Duration // per request; default 10 s
	Workers      int           // requests sent at once; default 4
}

// subscriber is the part of the bus the dispatcher uses.
type subscriber interface {
	Subscribe(pattern string, fn func(bus.Message)) (bus.Subscription, error)
}

// Outgoing sends posts to outgoing webhooks. Start it once per node; with
// several nodes, each post is sent by one of them (the first to claim it in
// the store).
type Outgoing struct {
	s      *Service
	bus    subscriber
	log    *slog.Logger
	client *http.Client
	queue  chan createdPost
	opt    OutgoingOptions

	sub  bus.Subscription
	stop context.CancelFunc
	wg   sync.WaitGroup
}

// NewOutgoing returns a dispatcher for the chat service s.
func NewOutgoing(s *Service, b subscriber, log *slog.Logger, opt OutgoingOptions) *Outgoing {
	if opt.Timeout <= 0 {
		opt.Timeout = outgoingTimeout
	}
	if opt.Workers <= 0 {
		opt.Workers = 4
	}
	return &Outgoing{s: s, bus: b, log: log, opt: opt, client: hookClient(opt.AllowPrivate, opt.Timeout),
		queue: make(chan createdPost, outgoingQueue)}
}

// Start subscribes to chat events and starts the workers; they stop at
// Close (or when ctx ends).
func (o *Outgoing) Start(ctx context.Context) error {
	ctx, o.stop = context.WithCancel(context.WithoutCancel(ctx))
	sub, err := o.bus.Subscribe(EventSubject, o.receive)
	if err != nil {
		o.stop()
		return fmt.Errorf("chat: outgoing hooks: %w", err)
	}
	o.sub = sub
	for range o.opt.Workers {
		o.wg.Go(func() { o.work(ctx) })
	}
	o.wg.Go(func() { o.prune(ctx) })
	return nil
}

// Close stops receiving events and waits for requests in flight (at most
// the request timeout).
func (o *Outgoing) Close() {
	if o.sub != nil {
		_ = o.sub.Unsubscribe()
	}
	if o.stop != nil {
		o.stop()
	}
	o.wg.Wait()
	o.client.CloseIdleConnections()
}

// createdPost is a post.created event of a team channel, still encoded.
type createdPost struct {
	teamID int64
	event  []byte // a WireEvent
}

// receive runs on the bus: it must not block, so it only reads the event's
// type and team, and queues the posts of team channels; a full queue drops
// the post (outgoing webhooks are at most once, like the bus).
func (o *Outgoing) receive(m bus.Message) {
	var head struct {
		Type   string `json:"type"`
		TeamID int64  `json:"team_id"`
	}
	if err := json.Unmarshal(m.Data, &head); err != nil || head.Type != EventPostCreated || head.TeamID == 0 {
		return
	}
	select {
	case o.queue <- createdPost{teamID: head.TeamID, event: m.Data}:
	default:
		o.log.Warn("outgoing hooks: queue full, post not sent", "team_id", head.TeamID)
	}
}

func (o *Outgoing) work(ctx context.Context) {
	for {
		select {
		case <-ctx.Done():
			return
		case c := <-o.queue:
			if err := o.handle(ctx, c); err != nil && ctx.Err() == nil {
				o.log.Error("outgoing hooks", "team_id", c.teamID, "err", err)
			}
		}
	}
}

// handle decodes a created post and dispatches it, unless its team has no
// outgoing webhook: the common case costs one indexed lookup, read from the
// store so that a hook made on any node counts at once.
func (o *Outgoing) handle(ctx context.Context, c createdPost) error {
	has, err := o.s.st.HasOutgoingHooks(ctx, c.teamID)
	if err != nil || !has {
		return err
	}
	var ev struct {
		Data PostView `json:"data"`
	}
	if err := json.Unmarshal(c.event, &ev); err != nil {
		return fmt.Errorf("decode post event: %w", err)
	}
	p := ev.Data
	if p.Integration != nil || firstWord(p.Message) == "" {
		return nil // posts from webhooks never trigger one: no loops
	}
	if err := o.dispatch(ctx, p); err != nil {
		return fmt.Errorf("post %d: %w", p.ID, err)
	}
	return nil
}

// prune forgets old delivery claims now and then.
func (o *Outgoing) prune(ctx context.Context) {
	t := time.NewTicker(time.Hour)
	defer t.Stop()
	for {
		if _, err := o.s.st.PruneDeliveries(ctx, o.s.now().Add(-deliveryRetention)); err != nil && ctx.Err() == nil {
			o.log.Error("outgoing hooks: prune deliveries", "err", err)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// firstWord is the word that may trigger a hook.
func firstWord(message string) string {
	f := strings.Fields(message)
	if len(f) == 0 {
		return ""
	}
	return f[0]
}

// dispatch sends a post to the hooks it triggers.
func (o *Outgoing) dispatch(ctx context.Context, p PostView) error {
	c, err := o.s.st.Channel(ctx, p.ChannelID)
	if err != nil || c.TeamID == 0 {
		return err
	}
	hooks, err := o.s.st.WatchingHooks(ctx, c.TeamID, c.ID, c.Kind == model.ChannelPublic)
	if err != nil || len(hooks) == 0 {
		return err
	}
	word := firstWord(p.Message)
	var team model.Team
	for _, h := range hooks {
		// The first word must be a trigger word exactly, case included (as in Mattermost).
		if !slices.Contains(h.TriggerWords, word) {
			continue
		}
		// A hook sends only what its creator may read now: someone removed
		// from the channel or the team, or disabled, must not keep receiving
		// its posts through a hook made earlier.
		if !o.creatorMayRead(ctx, h, c.ID) {
			continue
		}
		// An address refused anyway is not claimed: another node's dispatcher
		// (in tests, one allowed to reach loopback) may send it.
		if !o.mayReach(h.CallbackURL) {
			o.log.Warn("outgoing hook: callback address not allowed", "hook_id", h.ID, "post_id", p.ID)
			continue
		}
		mine, err := o.s.st.ClaimDelivery(ctx, h.ID, p.ID, o.s.now())
		if err != nil {
			return err
		}
		if !mine {
			continue
		}
		if team.ID == 0 {
			if team, err = o.s.st.Team(ctx, c.TeamID); err != nil {
				return err
			}
		}
		req := outgoingRequest{Token: h.Token, TeamID: team.ID, TeamDomain: team.Name, ChannelID: c.ID, ChannelName: c.Name,
			Timestamp: p.CreatedAt, UserID: p.UserID, UserName: p.Author.Login, PostID: p.ID, Text: p.Message, TriggerWord: word}
		answer, err := o.send(ctx, h, req)
		if err != nil {
			o.log.Warn("outgoing hook failed", "hook_id", h.ID, "post_id", p.ID, "err", err)
			continue
		}
		if answer == nil {
			continue
		}
		root := p.ID
		if p.RootID != 0 {
			root = p.RootID
		}
		if _, err := o.s.postFromHook(ctx, h.CreatedBy, c.ID, root, *answer); err != nil {
			o.log.Warn("outgoing hook: answer not posted", "hook_id", h.ID, "post_id", p.ID, "err", err)
		}
	}
	return nil
}

func (o *Outgoing) creatorMayRead(ctx context.Context, h model.OutgoingHook, channelID int64) bool {
	creator, err := o.s.st.User(ctx, h.CreatedBy)
	if err != nil {
		return false
	}
	if _, _, err := o.s.channel(ctx, access.ActorOf(creator), channelID, access.ReadChannel); err != nil {
		o.log.Info("outgoing hook: its creator may not read the channel; not sent", "hook_id", h.ID, "channel_id", channelID)
		return false
	}
	return true
}

// outgoingRequest is what a receiver gets: Slack's outgoing webhook fields,
// with Mattermost's post_id.
type outgoingRequest struct {
	Token       string
	TeamID      int64
	TeamDomain  string
	ChannelID   int64
	ChannelName string
	Timestamp   time.Time
	UserID      int64
	UserName    string
	PostID      int64
	Text        string
	TriggerWord string
}

func (r outgoingRequest) values() map[string]string {
	return map[string]string{
		"token": r.Token, "team_id": strconv.FormatInt(r.TeamID, 10), "team_domain": r.TeamDomain,
		"channel_id": strconv.FormatInt(r.ChannelID, 10), "channel_name": r.ChannelName,
		"timestamp": fmt.Sprintf("%d.%06d", r.Timestamp.Unix(), r.Timestamp.Nanosecond()/1000),
		"user_id":   strconv.FormatInt(r.UserID, 10), "user_name": r.UserName,
		"post_id": strconv.FormatInt(r.PostID, 10), "text": r.Text, "trigger_word": r.TriggerWord,
	}
}

// send POSTs req to the hook and returns the answer to post, if any.
func (o *Outgoing) send(ctx context.Context, h model.OutgoingHook, req outgoingRequest) (*IncomingPayload, error) {
	var (
		body []byte
		ct   string
	)
	vals := req.values()
	if h.ContentType == model.HookJSON {
		body, _ = json.Marshal(vals)
		ct = "application/json"
	} else {
		form := url.Values{}
		for k, v := range vals {
			form.Set(k, v)
		}
		body, ct = []byte(form.Encode()), "application/x-www-form-urlencoded"
	}
	ctx, cancel := context.WithTimeout(ctx, o.opt.Timeout)
	defer cancel()
	r, err := http.NewRequestWithContext(ctx, http.MethodPost, h.CallbackURL, bytes.NewReader(body))
	if err != nil {
		return nil, err
	}
	r.Header.Set("Content-Type", ct)
	r.Header.Set("Accept", "application/json")
	r.Header.Set("User-Agent", "Ruche-Webhook/1")
	resp, err := o.client.Do(r)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	return readAnswer(resp)
}

var errAnswerTooLarge = errors.New("answer larger than 64 KiB")

// readAnswer reads a receiver's answer: a 2xx JSON object with text (or
// attachments) is posted back; anything else is not. At most 64 KiB are read.
func readAnswer(resp *http.Response) (*IncomingPayload, error) {
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, maxOutgoingAnswer))
		return nil, fmt.Errorf("receiver answered %s", resp.Status)
	}
	data, err := io.ReadAll(io.LimitReader(resp.Body, maxOutgoingAnswer+1))
	if err != nil {
		return nil, err
	}
	if len(data) > maxOutgoingAnswer {
		return nil, errAnswerTooLarge
	}
	data = bytes.TrimSpace(data)
	mt, _, _ := mime.ParseMediaType(resp.Header.Get("Content-Type"))
	if len(data) == 0 || (mt != "application/json" && data[0] != '{') {
		return nil, nil
	}
	p, err := ParseIncoming("application/json", data)
	if err != nil {
		return nil, err
	}
	if strings.TrimSpace(string(p.Text)) == "" && len(p.Attachments) == 0 && len(p.Blocks) == 0 {
		return nil, nil
	}
	return &p, nil
}

// errBlockedAddress is returned when a callback would connect to an address
// outgoing webhooks may not reach.
var errBlockedAddress = errors.New("address not allowed for outgoing webhooks")

// reserved are the ranges a webhook may never reach, besides loopback,
// private (RFC 1918, fc00::/7), link-local, multicast and unspecified
// addresses, which netip recognises itself.
var reserved = []netip.Prefix{
	netip.MustParsePrefix("0.0.0.0/8"),       // "this network"
	netip.MustParsePrefix("100.64.0.0/10"),   // carrier-grade NAT
	netip.MustParsePrefix("192.0.0.0/24"),    // IETF protocol assignments
	netip.MustParsePrefix("192.0.2.0/24"),    // documentation
	netip.MustParsePrefix("198.18.0.0/15"),   // benchmarking
	netip.MustParsePrefix("198.51.100.0/24"), // documentation
	netip.MustParsePrefix("203.0.113.0/24"),  // documentation
	netip.MustParsePrefix("240.0.0.0/4"),     // reserved, and broadcast
	netip.MustParsePrefix("::/96"),           // IPv4-compatible (deprecated): ::127.0.0.1
	netip.MustParsePrefix("64:ff9b::/96"),    // NAT64: would reach any IPv4 address
	netip.MustParsePrefix("64:ff9b:1::/48"),  // local NAT64
	netip.MustParsePrefix("100::/64"),        // discard
	netip.MustParsePrefix("2001::/23"),       // IETF protocol assignments, Teredo
	netip.MustParsePrefix("2001:db8::/32"),   // documentation
	netip.MustParsePrefix("2002::/16"),       // 6to4: embeds any IPv4 address
	netip.MustParsePrefix("fec0::/10"),       // site-local (deprecated)
}

// allowedAddr decides whether a webhook may connect to ip.
func allowedAddr(ip netip.Addr, allowPrivate bool) bool {
	ip = ip.Unmap() // ::ffff:127.0.0.1 is 127.0.0.1
	if !ip.IsValid() || ip.IsUnspecified() || ip.IsMulticast() {
		return false
	}
	if allowPrivate {
		return true
	}
	if ip.IsLoopback() || ip.IsPrivate() || ip.IsLinkLocalUnicast() || !ip.IsGlobalUnicast() {
		return false
	}
	for _, p := range reserved {
		if p.Contains(ip) {
			return false
		}
	}
	return true
}

// mayReach refuses at once a callback whose host is an IP address the
// client would refuse; host names are checked when connecting.
func (o *Outgoing) mayReach(callback string) bool {
	u, err := url.Parse(callback)
	if err != nil {
		return false
	}
	ip, err := netip.ParseAddr(u.Hostname())
	return err != nil || allowedAddr(ip, o.opt.AllowPrivate)
}

// hookClient is the HTTP client of outgoing webhooks. Its dialer checks each
// address it connects to, after DNS resolution; it uses no proxy (a proxy
// would connect for it, unchecked) and follows no redirect.
func hookClient(allowPrivate bool, timeout time.Duration) *http.Client {
	dialer := &net.Dialer{
		Timeout: timeout,
		Control: func(network, address string, _ syscall.RawConn) error {
			host, _, err := net.SplitHostPort(address)
			if err != nil {
				return err
			}
			ip, err := netip.ParseAddr(host)
			if err != nil || (network != "tcp4" && network != "tcp6") || !allowedAddr(ip, allowPrivate) {
				return fmt.Errorf("%s: %w", address, errBlockedAddress)
			}
			return nil
		},
	}
	return &http.Client{
		Transport: &http.Transport{
			Proxy:                  nil,
			DialContext:            dialer.DialContext,
			TLSHandshakeTimeout:    timeout,
			ResponseHeaderTimeout:  timeout,
			MaxResponseHeaderBytes: 16 << 10,
			MaxIdleConns:           16,
			IdleConnTimeout:        30 * time.Second,
			ForceAttemptHTTP2:      true,
		},
		Timeout: timeout,
		CheckRedirect: func(*http.Request, []*http.Request) error {
			return http.ErrUseLastResponse
		},
	}
}
