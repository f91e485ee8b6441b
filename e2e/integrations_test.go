package e2e

import (
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"ruche/internal/model"
	"ruche/internal/testutil"
)

// TestIntegrationsInBrowser manages a channel's webhooks, a bot and the
// retention policies from the web UI, as an admin, and checks what a plain
// member is offered.
func TestIntegrationsInBrowser(t *testing.T) {
	srv := testutil.NewServer(t, testutil.ServerOptions{})
	srv.CreateUser(t, "ada", model.RoleAdmin, chatPassword)
	ben := srv.CreateUser(t, "ben", model.RoleMember, chatPassword)

	api := srv.Client(t)
	api.Login("ada", chatPassword)
	var team struct{ ID int64 }
	call(t, api, "POST", "/api/v1/teams", map[string]any{"name": "ops", "display_name": "Ops", "open": true}, &team, http.StatusCreated)
	var alerts struct{ ID int64 }
	call(t, api, "POST", fmt.Sprintf("/api/v1/teams/%d/channels", team.ID), map[string]any{"name": "alerts", "display_name": "Alerts"}, &alerts, http.StatusCreated)
	benAPI := srv.Client(t)
	benAPI.Login("ben", chatPassword)
	call(t, benAPI, "POST", fmt.Sprintf("/api/v1/teams/%d/join", team.ID), nil, nil, http.StatusNoContent)
	call(t, api, "POST", fmt.Sprintf("/api/v1/channels/%d/members", alerts.ID), map[string]any{"user_id": ben.ID}, nil, http.StatusNoContent)

	a := testutil.NewBrowser(t) // Ada, admin
	signIn(t, a, srv.URL, "ada")
	open(t, a, srv.URL, alerts.ID)

	// Ada creates an incoming webhook; its URL is shown once.
	run(t, a, `document.querySelector("[data-act=integrations]").click()`)
	waitFor(t, a, "the integrations dialog", `document.querySelector("#dlg-hooks").open && document.querySelector("#hooks-in-list").textContent.includes("No incoming webhooks yet.")`)
	do(t, a, "name the webhook", chromedp.SendKeys(chromedp.ID("hi-name"), "Grafana"), chromedp.Click(chromedp.CSS("#hook-in-form button")))
	waitFor(t, a, "the new webhook's URL", `!document.querySelector("#hook-created").hidden && document.querySelector("#hook-url").value.includes("/hooks/")`)
	waitFor(t, a, "the webhook listed", `(r => r && r.textContent.includes("Created by Ada") && r.textContent.includes("Enabled"))(document.querySelector("#hooks-in-list li[data-hook]"))`)
	hookURL, err := chromedp.Run(a, chromedp.Value(chromedp.ID("hook-url")))
	if err != nil || !strings.HasPrefix(hookURL, "http://") {
		t.Fatalf("hook URL %q: %v", hookURL, err)
	}
	run(t, a, `document.querySelector("#dlg-hooks").close()`)
	waitFor(t, a, "the secret URL gone with the dialog", `document.querySelector("#hook-url").value === "" && document.querySelector("#hook-created").hidden`)

	// A tool posts a Slack payload to it: the post appears live, as Grafana.
	payload := `{"text":"CPU high on <https://db1.example.org|db1>","username":"Grafana","attachments":[{"color":"danger","title":"Load","text":"12.5"}]}`
	if st, body := postHook(t, hookURL, payload); st != http.StatusOK || body != "ok" {
		t.Fatalf("POST to the hook: %d %q", st, body)
	}
	waitFor(t, a, "the webhook's post", `(p => p && p.querySelector(".post-author").textContent === "Grafana" && !p.querySelector(".badge.bot").hidden && p.querySelector(".attachment") !== null)(postWith("CPU high on db1"))`)

	// Disabled in the dialog, the URL stops working; deleted, the list is empty.
	run(t, a, `document.querySelector("[data-act=integrations]").click()`)
	waitFor(t, a, "the webhook in the list", `document.querySelector('#hooks-in-list [data-hook-toggle=disable]') !== null`)
	run(t, a, `document.querySelector('#hooks-in-list [data-hook-toggle=disable]').click()`)
	waitFor(t, a, "the webhook disabled", `(r => r && r.textContent.includes("Disabled"))(document.querySelector("#hooks-in-list li[data-hook]"))`)
	if st, _ := postHook(t, hookURL, `{"text":"should not arrive"}`); st != http.StatusNotFound {
		t.Errorf("POST to a disabled hook: %d, want 404", st)
	}
	run(t, a, `window.confirm = () => true; document.querySelector('#hooks-in-list [data-hook-delete]').click()`)
	waitFor(t, a, "the webhook deleted", `document.querySelector("#hooks-in-list").textContent.includes("No incoming webhooks yet.")`)

	// An outgoing webhook whose callback the server refuses: its reason is shown.
	do(t, a, "a refused outgoing webhook",
		chromedp.SendKeys(chromedp.ID("ho-name"), "Deploy"),
		chromedp.SendKeys(chromedp.ID("ho-words"), "deploy ship"),
		chromedp.SendKeys(chromedp.ID("ho-url"), "ftp://127.0.0.1/hook"),
		chromedp.Click(chromedp.CSS("#hook-out-form button")))
	waitFor(t, a, "the server's refusal", `(p => !p.hidden && p.textContent.startsWith("The server refused this callback URL: ") && p.textContent.includes("must be an http or https URL"))(document.querySelector("#hook-out-form .alert"))`)
	waitFor(t, a, "the URL marked invalid", `document.querySelector("#ho-url").getAttribute("aria-invalid") === "true"`)
	var outgoing struct{ Items []any }
	call(t, api, "GET", fmt.Sprintf("/api/v1/channels/%d/outgoing-hooks", alerts.ID), nil, &outgoing, http.StatusOK)
	if len(outgoing.Items) != 0 {
		t.Fatalf("a refused outgoing hook exists: %v", outgoing.Items)
	}
	// Corrected, it is created and listed (nothing is sent until a trigger word is posted).
	do(t, a, "a good callback", chromedp.SetValue(chromedp.ID("ho-url"), "https://ci.example.org/hook"), chromedp.Click(chromedp.CSS("#hook-out-form button")))
	waitFor(t, a, "the outgoing webhook listed", `(r => r && r.textContent.includes("https://ci.example.org/hook") && r.querySelectorAll("code").length === 3)(document.querySelector("#hooks-out-list li[data-hook]"))`)
	if n, err := chromedp.Run(a, chromedp.Evaluate[int](`document.querySelectorAll("script:not([src]), [style]").length`)); err != nil || n != 0 {
		t.Errorf("%d inline scripts or style attributes (%v)", n, err)
	}

	// A bot, its token shown once, works for the API.
	do(t, a, "create a bot", chromedp.Navigate(srv.URL+"/admin/bots"), chromedp.WaitVisible(chromedp.ID("login")),
		chromedp.SendKeys(chromedp.ID("login"), "ci-bot"), chromedp.Click(chromedp.CSS(`form[action="/admin/bots"] button`)),
		chromedp.WaitVisible(chromedp.ID("secret")))
	token, _ := chromedp.Run(a, chromedp.Value(chromedp.ID("secret")))
	note, _ := chromedp.Run(a, chromedp.Text(chromedp.CSS(".panel.success")))
	if !strings.HasPrefix(token, "rpat_") || !strings.Contains(note, "you won't see it again") {
		t.Fatalf("bot token %q, note %q", token, note)
	}
	bot := srv.Client(t)
	bot.Bearer = token
	var me struct{ Login string }
	call(t, bot, "GET", "/api/v1/users/me", nil, &me, http.StatusOK)
	if me.Login != "ci-bot" {
		t.Errorf("the token is %q's", me.Login)
	}

	// Retention: set on the team in the admin area, checked through the API, then removed.
	target := fmt.Sprintf("team:%d", team.ID)
	do(t, a, "set a policy", chromedp.Navigate(srv.URL+"/admin/retention"), chromedp.WaitVisible(chromedp.ID("target")),
		chromedp.SetValue(chromedp.ID("target"), target), chromedp.SetValue(chromedp.ID("days"), "30"))
	text, _ := chromedp.Run(a, chromedp.Text(chromedp.CSS("main")))
	if !strings.Contains(text, "deleted permanently") {
		t.Errorf("no warning on the retention page: %q", text)
	}
	run(t, a, `window.confirm = () => true; document.querySelector('form[action="/admin/retention"] button').click()`)
	waitFor(t, a, "the policy saved", `document.querySelector(".notice")?.textContent.includes("The retention policy is saved.") && document.querySelector('#policies tr[data-target="`+target+`"]')?.textContent.includes("30 days")`)
	if got := retention(t, api); len(got) != 1 || got[0].TeamID != team.ID || got[0].Days != 30 {
		t.Fatalf("policies after setting: %+v", got)
	}
	run(t, a, `window.confirm = () => true; document.querySelector('#policies tr[data-target="`+target+`"] button').click()`)
	waitFor(t, a, "the policy removed", `document.querySelector(".notice")?.textContent.includes("removed") && document.querySelector("#policies") === null`)
	if got := retention(t, api); len(got) != 0 {
		t.Fatalf("policies after removing: %+v", got)
	}

	// Ben, a plain member of the channel, is not offered its integrations,
	// and the API refuses him.
	b := testutil.NewBrowser(t)
	signIn(t, b, srv.URL, "ben")
	open(t, b, srv.URL, alerts.ID)
	if n, err := chromedp.Run(b, chromedp.Evaluate[int](`document.querySelectorAll("[data-act=integrations], #dlg-hooks").length`)); err != nil || n != 0 {
		t.Errorf("a plain member is offered the integrations (%d, %v)", n, err)
	}
	call(t, benAPI, "GET", fmt.Sprintf("/api/v1/channels/%d/hooks", alerts.ID), nil, nil, http.StatusForbidden)
}

// postHook sends a webhook payload as a tool does, without any credential.
func postHook(t *testing.T, url, payload string) (int, string) {
	t.Helper()
	res, err := http.Post(url, "application/json", strings.NewReader(payload))
	if err != nil {
		t.Fatalf("POST %s: %v", url, err)
	}
	defer res.Body.Close()
	body, _ := io.ReadAll(res.Body)
	return res.StatusCode, strings.TrimSpace(string(body))
}

type policy struct {
	TeamID    int64 `json:"team_id"`
	ChannelID int64 `json:"channel_id"`
	Days      int   `json:"days"`
}

func retention(t *testing.T, c *testutil.Client) []policy {
	t.Helper()
	var out struct{ Items []policy }
	call(t, c, "GET", "/api/v1/retention", nil, &out, http.StatusOK)
	return out.Items
}
