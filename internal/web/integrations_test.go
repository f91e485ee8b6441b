package web_test

import (
	"context"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"ruche/internal/model"
)

// The channel's integrations are offered to those who may manage the
// channel, not to its other members (the API refuses them anyway).
func TestChatIntegrationsEntry(t *testing.T) {
	t.Parallel()
	w := newChatWorld(t)
	p := w.ownerB.get(cpath(w.general))
	wantStatus(t, "owner's channel", p, http.StatusOK)
	wantBody(t, "owner's channel", p, `data-act="integrations"`, `id="dlg-hooks"`, `id="hook-in-form"`, `id="hook-out-form"`, "Integrations of General")
	checkPage(t, "owner's channel", p)
	p = w.memberB.get(cpath(w.general))
	wantStatus(t, "member's channel", p, http.StatusOK)
	for _, s := range []string{`data-act="integrations"`, `id="dlg-hooks"`} {
		if strings.Contains(p.body, s) {
			t.Errorf("a plain member is offered %s", s)
		}
	}
	p = w.guestB.get(cpath(w.shared))
	if strings.Contains(p.body, `data-act="integrations"`) {
		t.Error("a guest is offered the integrations")
	}
}

func TestAdminBots(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	b, _ := e.signedIn("ada", "Ada", model.RoleAdmin)
	p := b.get("/admin/bots")
	wantStatus(t, "bots page", p, http.StatusOK)
	wantBody(t, "bots page", p, "No bots yet.", `href="/admin/bots" aria-current="page"`)
	checkPage(t, "bots page", p)

	p = b.submit("/admin/bots", "/admin/bots", url.Values{"login": {"deploy-bot"}, "display_name": {"Deploy"}})
	wantStatus(t, "create bot", p, http.StatusOK)
	wantBody(t, "create bot", p, "Bot deploy-bot created", "you won&#39;t see it again", `data-copy="secret"`)
	checkPage(t, "bot created", p)
	token := regexp.MustCompile(`id="secret" class="mono" readonly value="(rpat_[^"]+)"`).FindStringSubmatch(p.body)
	if token == nil {
		t.Fatalf("no token shown:\n%.2000s", p.body)
	}
	// The token works for the API, once shown; the list never shows it again.
	if _, err := e.auth.Authenticate(context.Background(), token[1]); err != nil {
		t.Errorf("the bot's token does not authenticate: %v", err)
	}
	p = b.get("/admin/bots")
	wantBody(t, "bots list", p, "Deploy", "@deploy-bot")
	if strings.Contains(p.body, token[1]) {
		t.Error("the list shows the token again")
	}

	// A taken login: the form comes back with the problem and what was typed.
	p = b.submit("/admin/bots", "/admin/bots", url.Values{"login": {"deploy-bot"}, "display_name": {"Again"}})
	if p.status < 400 || p.status >= 500 {
		t.Fatalf("taken login: status %d", p.status)
	}
	wantBody(t, "taken login", p, "already used", `value="Again"`)

	m, _ := e.signedIn("marie", "Marie", model.RoleMember)
	wantStatus(t, "member on bots", m.get("/admin/bots"), http.StatusForbidden)
	wantStatus(t, "member creates a bot", m.submit("/profile", "/admin/bots", url.Values{"login": {"evil"}}), http.StatusForbidden)
}

func TestAdminRetention(t *testing.T) {
	t.Parallel()
	w := newChatWorld(t)
	b, admin := w.e.signedIn("ada", "Ada", model.RoleAdmin)
	ctx := context.Background()
	policies := func() map[string]int {
		list, err := w.cs.RetentionPolicies(ctx, act(admin))
		if err != nil {
			t.Fatal(err)
		}
		out := map[string]int{}
		for _, p := range list {
			if p.TeamID != 0 {
				out["team:"+itoa(p.TeamID)] = p.Days
			} else {
				out["channel:"+itoa(p.ChannelID)] = p.Days
			}
		}
		return out
	}

	p := b.get("/admin/retention")
	wantStatus(t, "retention page", p, http.StatusOK)
	wantBody(t, "retention page", p, "No policy", "deleted permanently", `value="team:`+itoa(w.team.ID)+`"`,
		`value="channel:`+itoa(w.general.ID)+`"`, "The whole team Coopérative")
	checkPage(t, "retention page", p)
	if strings.Contains(p.body, `value="channel:`+itoa(w.secret.ID)+`"`) {
		t.Error("a private channel the admin is not in is offered")
	}

	team, general := "team:"+itoa(w.team.ID), "channel:"+itoa(w.general.ID)
	wantRedirect(t, "set team", b.submit("/admin/retention", "/admin/retention", url.Values{"target": {team}, "days": {"30"}}), "/admin/retention?done=retention")
	wantRedirect(t, "set channel", b.submit("/admin/retention", "/admin/retention", url.Values{"target": {general}, "days": {"7"}}), "/admin/retention?done=retention")
	if got := policies(); got[team] != 30 || got[general] != 7 || len(got) != 2 {
		t.Fatalf("policies %v", got)
	}
	p = b.get("/admin/retention?done=retention")
	wantBody(t, "policies listed", p, "The retention policy is saved.", "30 days", "7 days", "~general · General", "All its channels")

	p = b.submit("/admin/retention", "/admin/retention", url.Values{"target": {team}, "days": {"soon"}})
	wantStatus(t, "bad days", p, http.StatusBadRequest)
	wantBody(t, "bad days", p, "Enter a number of days from 1 to 36,500.", `value="soon"`)
	p = b.submit("/admin/retention", "/admin/retention", url.Values{"target": {"channel:999999"}, "days": {"3"}})
	if p.status != http.StatusNotFound {
		t.Errorf("unknown channel: status %d", p.status)
	}

	wantRedirect(t, "remove", b.submit("/admin/retention", "/admin/retention/remove", url.Values{"target": {general}}), "/admin/retention?done=retention_removed")
	if got := policies(); got[general] != 0 || got[team] != 30 {
		t.Fatalf("after removing: %v", got)
	}

	// Members, even team owners, neither see nor change policies.
	wantStatus(t, "owner on retention", w.ownerB.get("/admin/retention"), http.StatusForbidden)
	wantStatus(t, "owner sets retention", w.ownerB.submit("/profile", "/admin/retention", url.Values{"target": {team}, "days": {"1"}}), http.StatusForbidden)
	wantStatus(t, "owner removes retention", w.ownerB.submit("/profile", "/admin/retention/remove", url.Values{"target": {team}}), http.StatusForbidden)
	if got := policies(); got[team] != 30 {
		t.Fatalf("a member changed the policy: %v", got)
	}
	if strings.Contains(w.ownerB.get("/profile").body, "/admin/retention") {
		t.Error("a member sees the retention tab")
	}
}
