package chat_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"ruche/internal/access"
	"ruche/internal/chat"
	"ruche/internal/model"
	"ruche/internal/testutil"
)

// draftWorld: ann (admin of team dev, of #town and of private #plans), bob
// (member of both channels), cid (in the team, in #town only).
type draftWorld struct {
	srv           *testutil.Server
	chat          *chat.Service
	ann, bob, cid access.Actor
	team          int64
	town, plans   int64
}

func newDraftWorld(t *testing.T) *draftWorld {
	t.Helper()
	ctx := context.Background()
	srv := testutil.NewServer(t, testutil.ServerOptions{})
	w := &draftWorld{srv: srv, chat: srv.App.Chat}
	mk := func(login string) access.Actor {
		now := time.Now()
		u, err := srv.App.Store.CreateUser(ctx, model.User{Login: login, Email: login + "@example.org", Role: model.RoleMember, CreatedAt: now, UpdatedAt: now})
		if err != nil {
			t.Fatal(err)
		}
		return access.ActorOf(u)
	}
	w.ann, w.bob, w.cid = mk("ann"), mk("bob"), mk("cid")
	team, err := w.chat.CreateTeam(ctx, w.ann, chat.NewTeam{Name: "dev", Open: true})
	if err != nil {
		t.Fatal(err)
	}
	w.team = team.ID
	for _, a := range []access.Actor{w.bob, w.cid} {
		if err := w.chat.JoinTeam(ctx, a, team.ID); err != nil {
			t.Fatal(err)
		}
	}
	town, err := w.chat.CreateChannel(ctx, w.ann, team.ID, chat.NewChannel{Name: "town"})
	if err != nil {
		t.Fatal(err)
	}
	plans, err := w.chat.CreateChannel(ctx, w.ann, team.ID, chat.NewChannel{Name: "plans", Kind: model.ChannelPrivate})
	if err != nil {
		t.Fatal(err)
	}
	w.town, w.plans = town.ID, plans.ID
	for _, m := range []struct {
		c int64
		a access.Actor
	}{{town.ID, w.bob}, {town.ID, w.cid}, {plans.ID, w.bob}} {
		if err := w.chat.AddChannelMember(ctx, w.ann, m.c, m.a.UserID); err != nil {
			t.Fatal(err)
		}
	}
	return w
}

// events returns the draft events the event log gives a, after event id.
func (w *draftWorld) events(t *testing.T, a access.Actor, after int64) []model.StoredEvent {
	t.Helper()
	evs, _, err := w.chat.EventsSince(context.Background(), a, after, 1000)
	if err != nil {
		t.Fatal(err)
	}
	var out []model.StoredEvent
	for _, e := range evs {
		if strings.HasPrefix(e.Type, "draft.") {
			out = append(out, e)
		}
	}
	return out
}

func (w *draftWorld) latest(t *testing.T) int64 {
	t.Helper()
	id, err := w.chat.LatestEventID(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return id
}

// list is a's drafts as "channel/root:message", sorted.
func (w *draftWorld) list(t *testing.T, a access.Actor) string {
	t.Helper()
	ds, err := w.chat.Drafts(context.Background(), a)
	if err != nil {
		t.Fatal(err)
	}
	var b []string
	for _, d := range ds {
		b = append(b, fmt.Sprintf("%d/%d:%s", d.ChannelID, d.RootID, d.Message))
	}
	slices.Sort(b) // the order is by time, to the millisecond: ties here
	return strings.Join(b, " ")
}

func TestDrafts(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	w := newDraftWorld(t)
	root, err := w.chat.CreatePost(ctx, w.bob, w.town, chat.NewPost{Message: "root"})
	if err != nil {
		t.Fatal(err)
	}
	reply, err := w.chat.CreatePost(ctx, w.bob, w.town, chat.NewPost{Message: "reply", RootID: root.ID})
	if err != nil {
		t.Fatal(err)
	}
	other, err := w.chat.CreatePost(ctx, w.bob, w.plans, chat.NewPost{Message: "elsewhere"})
	if err != nil {
		t.Fatal(err)
	}

	// Saving: the text as typed; an event to ann alone, carrying it.
	start := w.latest(t)
	d, kept, err := w.chat.SaveDraft(ctx, w.ann, w.town, chat.NewDraft{Message: "hello *world*\n"})
	if err != nil || !kept || d.Message != "hello *world*\n" || d.ChannelID != w.town || d.RootID != 0 || d.UserID != w.ann.UserID {
		t.Fatalf("save: %+v %v %v", d, kept, err)
	}
	evs := w.events(t, w.ann, start)
	if len(evs) != 1 || evs[0].Type != chat.EventDraftUpdated || evs[0].ChannelID != 0 || evs[0].UserID != w.ann.UserID ||
		!strings.Contains(string(evs[0].Data), `"message":"hello *world*\n"`) {
		t.Fatalf("events after saving: %+v", evs)
	}
	for _, a := range []access.Actor{w.bob, w.cid} {
		if evs := w.events(t, a, start); len(evs) != 0 {
			t.Fatalf("LEAK: user %d gets ann's draft event: %s", a.UserID, evs[0].Data)
		}
	}
	// The same text again: nothing written, nothing told.
	mid := w.latest(t)
	if d2, kept, err := w.chat.SaveDraft(ctx, w.ann, w.town, chat.NewDraft{Message: "hello *world*\n"}); err != nil || !kept || !d2.UpdatedAt.Equal(d.UpdatedAt) {
		t.Fatalf("save again: %+v %v %v", d2, kept, err)
	}
	if evs := w.events(t, w.ann, mid); len(evs) != 0 {
		t.Fatalf("saving the same text told the tabs: %+v", evs)
	}

	// Threads: a reply stands for its root; roots elsewhere are refused.
	if d, _, err := w.chat.SaveDraft(ctx, w.ann, w.town, chat.NewDraft{Message: "in the thread", RootID: reply.ID}); err != nil || d.RootID != root.ID {
		t.Fatalf("thread draft: %+v %v", d, err)
	}
	for _, bad := range []chat.NewDraft{
		{Message: "x", RootID: other.ID},
		{Message: "x", RootID: -1},
		{Message: "x", RootID: 1 << 40},
		{Message: strings.Repeat("é", 16001)},
		{Message: "bad \xff utf-8"},
	} {
		var inv *model.InvalidError
		if _, _, err := w.chat.SaveDraft(ctx, w.ann, w.town, bad); !errors.As(err, &inv) {
			t.Errorf("save %.40q (root %d): %v, want invalid", bad.Message, bad.RootID, err)
		}
	}
	if _, _, err := w.chat.SaveDraft(ctx, w.ann, w.town, chat.NewDraft{Message: strings.Repeat("é", 16000)}); err != nil {
		t.Errorf("a draft of 16,000 characters: %v", err)
	}
	if _, _, err := w.chat.SaveDraft(ctx, w.ann, w.town, chat.NewDraft{Message: "hello *world*\n"}); err != nil {
		t.Fatal(err)
	}
	if _, _, err := w.chat.SaveDraft(ctx, w.ann, w.plans, chat.NewDraft{Message: "private plans"}); err != nil {
		t.Fatal(err)
	}
	if _, _, err := w.chat.SaveDraft(ctx, w.bob, w.town, chat.NewDraft{Message: "bob's"}); err != nil {
		t.Fatal(err)
	}
	want := fmt.Sprintf("%d/0:hello *world*\n %d/%d:in the thread %d/0:private plans", w.town, w.town, root.ID, w.plans)
	if got := w.list(t, w.ann); got != want {
		t.Fatalf("ann's drafts:\n %q\nwant\n %q", got, want)
	}
	if got := w.list(t, w.bob); got != fmt.Sprintf("%d/0:bob's", w.town) {
		t.Fatalf("bob's drafts: %q", got)
	}

	// Where one may not post, nothing is written.
	if _, _, err := w.chat.SaveDraft(ctx, w.cid, w.plans, chat.NewDraft{Message: "x"}); !errors.Is(err, model.ErrNotFound) {
		t.Errorf("cid saves in #plans: %v", err)
	}
	if _, err := w.chat.Drafts(ctx, access.Anonymous); !errors.Is(err, model.ErrUnauthorized) {
		t.Errorf("anonymous list: %v", err)
	}
	if _, err := w.srv.App.Store.Draft(ctx, w.cid.UserID, w.plans, 0); !errors.Is(err, model.ErrNotFound) {
		t.Errorf("cid's refused draft was written: %v", err)
	}

	// Posting in the channel deletes that draft in the same transaction,
	// and tells ann's tabs after the post; the thread's draft stays.
	start = w.latest(t)
	if _, err := w.chat.CreatePost(ctx, w.ann, w.town, chat.NewPost{Message: "hello *world*"}); err != nil {
		t.Fatal(err)
	}
	if _, err := w.srv.App.Store.Draft(ctx, w.ann.UserID, w.town, 0); !errors.Is(err, model.ErrNotFound) {
		t.Fatalf("the channel draft survives the post: %v", err)
	}
	all, _, _ := w.chat.EventsSince(ctx, w.ann, start, 100)
	if len(all) != 2 || all[0].Type != chat.EventPostCreated || all[1].Type != chat.EventDraftDeleted ||
		string(all[1].Data) != fmt.Sprintf(`{"channel_id":%d,"root_id":0}`, w.town) {
		t.Fatalf("events of the post: %+v", all)
	}
	if evs := w.events(t, w.bob, start); len(evs) != 0 {
		t.Fatalf("LEAK: bob gets ann's draft deletion: %+v", evs)
	}
	if got := w.list(t, w.bob); got != fmt.Sprintf("%d/0:bob's", w.town) {
		t.Fatalf("ann's post touched bob's draft: %q", got)
	}
	// Replying deletes the thread's draft.
	if _, err := w.chat.CreatePost(ctx, w.ann, w.town, chat.NewPost{Message: "answer", RootID: reply.ID}); err != nil {
		t.Fatal(err)
	}
	if got := w.list(t, w.ann); got != fmt.Sprintf("%d/0:private plans", w.plans) {
		t.Fatalf("ann's drafts after replying: %q", got)
	}
	// A webhook writing in ann's name leaves her draft alone.
	if _, _, err := w.chat.SaveDraft(ctx, w.ann, w.town, chat.NewDraft{Message: "half written"}); err != nil {
		t.Fatal(err)
	}
	_, secret, err := w.chat.CreateIncomingHook(ctx, w.ann, w.town, "alerts")
	if err != nil {
		t.Fatal(err)
	}
	if err := w.chat.Incoming(ctx, secret, chat.IncomingPayload{Text: "build failed"}); err != nil {
		t.Fatal(err)
	}
	if d, err := w.srv.App.Store.Draft(ctx, w.ann.UserID, w.town, 0); err != nil || d.Message != "half written" {
		t.Fatalf("a webhook post took its creator's draft: %+v %v", d, err)
	}

	// An empty message deletes, and says so once.
	start = w.latest(t)
	for range 2 {
		if _, kept, err := w.chat.SaveDraft(ctx, w.ann, w.town, chat.NewDraft{Message: " \n "}); err != nil || kept {
			t.Fatalf("empty draft: kept %v, %v", kept, err)
		}
	}
	if evs := w.events(t, w.ann, start); len(evs) != 1 || evs[0].Type != chat.EventDraftDeleted {
		t.Fatalf("events of emptying a draft twice: %+v", evs)
	}
	// DeleteDraft: the same, for a channel one may read.
	if _, _, err := w.chat.SaveDraft(ctx, w.ann, w.town, chat.NewDraft{Message: "again", RootID: root.ID}); err != nil {
		t.Fatal(err)
	}
	if err := w.chat.DeleteDraft(ctx, w.ann, w.town, root.ID); err != nil {
		t.Fatal(err)
	}
	if err := w.chat.DeleteDraft(ctx, w.ann, w.town, root.ID); err != nil {
		t.Fatalf("deleting no draft: %v", err)
	}
	if err := w.chat.DeleteDraft(ctx, w.cid, w.plans, 0); !errors.Is(err, model.ErrNotFound) {
		t.Fatalf("cid deletes in #plans: %v", err)
	}
	if got := w.list(t, w.ann); got != fmt.Sprintf("%d/0:private plans", w.plans) {
		t.Fatalf("ann's drafts after deleting: %q", got)
	}
}

// TestDraftsGoWithMembership: leaving a channel, being removed from it or
// from the team deletes one's drafts there (and only there).
func TestDraftsGoWithMembership(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	w := newDraftWorld(t)
	st := w.srv.App.Store
	save := func(a access.Actor, c int64, msg string) {
		t.Helper()
		if _, _, err := w.chat.SaveDraft(ctx, a, c, chat.NewDraft{Message: msg}); err != nil {
			t.Fatal(err)
		}
	}
	gone := func(a access.Actor, c int64) bool {
		_, err := st.Draft(ctx, a.UserID, c, 0)
		return errors.Is(err, model.ErrNotFound)
	}
	save(w.bob, w.plans, "bob in plans")
	save(w.bob, w.town, "bob in town")
	save(w.cid, w.town, "cid in town")

	// Removed from #plans by ann: that draft goes, the other stays.
	if err := w.chat.RemoveChannelMember(ctx, w.ann, w.plans, w.bob.UserID); err != nil {
		t.Fatal(err)
	}
	if !gone(w.bob, w.plans) || gone(w.bob, w.town) {
		t.Fatalf("after bob's removal from #plans: plans gone %v, town gone %v", gone(w.bob, w.plans), gone(w.bob, w.town))
	}
	// Leaving #town by oneself.
	if err := w.chat.RemoveChannelMember(ctx, w.bob, w.town, w.bob.UserID); err != nil {
		t.Fatal(err)
	}
	if !gone(w.bob, w.town) || gone(w.cid, w.town) {
		t.Fatal("leaving #town: bob's draft should go, cid's stay")
	}
	// Removed from the team: every draft of its channels goes.
	if err := w.chat.RemoveTeamMember(ctx, w.ann, w.team, w.cid.UserID); err != nil {
		t.Fatal(err)
	}
	if !gone(w.cid, w.town) {
		t.Fatal("cid's draft survives his removal from the team")
	}
	if ds, err := w.chat.Drafts(ctx, w.cid); err != nil || len(ds) != 0 {
		t.Fatalf("cid's drafts: %+v %v", ds, err)
	}
	// A removed member may not write one again.
	if _, _, err := w.chat.SaveDraft(ctx, w.bob, w.plans, chat.NewDraft{Message: "still here?"}); !errors.Is(err, model.ErrNotFound) {
		t.Fatalf("bob saves in #plans after his removal: %v", err)
	}
}
