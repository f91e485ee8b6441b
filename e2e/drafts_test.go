package e2e

import (
	"fmt"
	"net/http"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"ruche/internal/model"
	"ruche/internal/testutil"
)

// TestDraftsAcrossBrowsers: a message started in one browser is on the
// server, so the same person finds it in another browser (another login),
// with a pencil in the sidebar, and again after clearing the first
// browser's storage; sending it deletes it everywhere.
func TestDraftsAcrossBrowsers(t *testing.T) {
	srv := testutil.NewServer(t, testutil.ServerOptions{})
	srv.CreateUser(t, "ana", model.RoleMember, chatPassword)
	api := srv.Client(t)
	api.Login("ana", chatPassword)
	var team struct{ ID int64 }
	call(t, api, "POST", "/api/v1/teams", map[string]any{"name": "coop", "display_name": "Coop"}, &team, http.StatusCreated)
	var side struct {
		Items []struct{ Channel struct{ ID int64 } }
	}
	call(t, api, "GET", "/api/v1/channels", nil, &side, http.StatusOK)
	general := side.Items[0].Channel.ID
	var projets struct{ ID int64 }
	call(t, api, "POST", fmt.Sprintf("/api/v1/teams/%d/channels", team.ID), map[string]any{"name": "projets", "display_name": "Projets"}, &projets, http.StatusCreated)

	// serverDrafts waits until the server's drafts are want ("" for none).
	serverDrafts := func(what, want string) {
		t.Helper()
		deadline := time.Now().Add(10 * time.Second)
		for {
			var out struct {
				Items []struct {
					ChannelID int64 `json:"channel_id"`
					RootID    int64 `json:"root_id"`
					Message   string
				}
			}
			call(t, api, "GET", "/api/v1/drafts", nil, &out, http.StatusOK)
			got := ""
			for _, d := range out.Items {
				got += fmt.Sprintf("%d/%d:%s;", d.ChannelID, d.RootID, d.Message)
			}
			if got == want {
				return
			}
			if time.Now().After(deadline) {
				t.Fatalf("%s: the server's drafts are %q, want %q", what, got, want)
			}
			time.Sleep(50 * time.Millisecond) // polling another process's state over HTTP
		}
	}

	a := testutil.NewBrowser(t) // Ana at the office
	b := testutil.NewBrowser(t) // Ana at home: another login
	signIn(t, a, srv.URL, "ana")
	signIn(t, b, srv.URL, "ana")

	// Ana starts a message in Projets and opens General before the pause.
	open(t, a, srv.URL, projets.ID)
	const text = "Le devis de la charpente"
	do(t, a, "type a draft", chromedp.Click(chromedp.ID("msg")), chromedp.SendKeys(chromedp.ID("msg"), text))
	do(t, a, "open General", chromedp.Click(chromedp.CSS(fmt.Sprintf(`#chat-nav a.ch[data-id="%d"]`, general))))
	waitFor(t, a, "General open", fmt.Sprintf(`document.querySelector("#chat").dataset.channel === "%d"`, general))
	serverDrafts("after leaving Projets", fmt.Sprintf("%d/0:%s;", projets.ID, text))
	pencil := fmt.Sprintf(`document.querySelector('#chat-nav a.ch[data-id="%d"] .ch-draft')`, projets.ID)
	waitFor(t, a, "the pencil beside Projets", pencil+` !== null && `+pencil+`.textContent.includes("Draft")`)

	// At home: the pencil, then the draft in the composer.
	open(t, b, srv.URL, general)
	waitFor(t, b, "the pencil beside Projets at home", pencil+` !== null`)
	do(t, b, "open Projets at home", chromedp.Click(chromedp.CSS(fmt.Sprintf(`#chat-nav a.ch[data-id="%d"]`, projets.ID))))
	waitFor(t, b, "the draft at home", fmt.Sprintf(`document.querySelector("#msg").value === %q`, text))

	// The office browser forgets everything it kept: the server still has it.
	run(t, a, `localStorage.clear()`)
	open(t, a, srv.URL, projets.ID)
	waitFor(t, a, "the draft after clearing the storage", fmt.Sprintf(`document.querySelector("#msg").value === %q`, text))

	// Ana finishes and sends it: the draft is gone from the server, and
	// from the home browser when it opens the channel again.
	do(t, a, "finish and send", chromedp.Click(chromedp.ID("msg")), chromedp.SendKeys(chromedp.ID("msg"), " est arrivé"+kb.Enter))
	waitFor(t, a, "the post", `postWith("charpente est arrivé") !== null`)
	waitFor(t, a, "an empty composer", `document.querySelector("#msg").value === ""`)
	serverDrafts("after sending", "")
	open(t, b, srv.URL, projets.ID)
	waitFor(t, b, "the post at home", `postWith("charpente est arrivé") !== null`)
	// The home composer had the draft: what the server says now wins.
	waitFor(t, b, "an empty composer at home", `document.querySelector("#msg").value === ""`)
	do(t, b, "open General at home", chromedp.Click(chromedp.CSS(fmt.Sprintf(`#chat-nav a.ch[data-id="%d"]`, general))))
	waitFor(t, b, "General open at home", fmt.Sprintf(`document.querySelector("#chat").dataset.channel === "%d"`, general))
	waitFor(t, b, "no pencil beside Projets after the post", pencil+` === null`)
}
