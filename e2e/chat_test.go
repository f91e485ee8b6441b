package e2e

import (
	"bytes"
	"context"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"ruche/internal/model"
	"ruche/internal/testutil"
)

const chatPassword = "une ruche bien gardée"

// TestChatInBrowsers is two people in two browsers in the same channel,
// then a guest: live posts, unread badges, threads, edits, reactions, an
// image, search, and what a guest may not see.
func TestChatInBrowsers(t *testing.T) {
	srv := testutil.NewServer(t, testutil.ServerOptions{})
	ana := srv.CreateUser(t, "ana", model.RoleMember, chatPassword)
	ben := srv.CreateUser(t, "ben", model.RoleMember, chatPassword)
	gus := srv.CreateUser(t, "gus", model.RoleGuest, chatPassword)

	// The team and its channels, through the API.
	api := srv.Client(t)
	api.Login("ana", chatPassword)
	var team struct{ ID int64 }
	call(t, api, "POST", "/api/v1/teams", map[string]any{"name": "coop", "display_name": "Coop", "open": true}, &team, http.StatusCreated)
	benAPI := srv.Client(t)
	benAPI.Login("ben", chatPassword)
	call(t, benAPI, "POST", fmt.Sprintf("/api/v1/teams/%d/join", team.ID), nil, nil, http.StatusNoContent)
	channel := func(name string, extra map[string]any) int64 {
		body := map[string]any{"name": name, "display_name": strings.ToUpper(name[:1]) + name[1:]}
		for k, v := range extra {
			body[k] = v
		}
		var c struct{ ID int64 }
		call(t, api, "POST", fmt.Sprintf("/api/v1/teams/%d/channels", team.ID), body, &c, http.StatusCreated)
		return c.ID
	}
	var side struct {
		Items []struct{ Channel struct{ ID int64 } }
	}
	call(t, api, "GET", "/api/v1/channels", nil, &side, http.StatusOK)
	general := side.Items[0].Channel.ID
	projets := channel("projets", nil)
	secret := channel("direction", map[string]any{"kind": "private"})
	shared := channel("sav", map[string]any{"shared": true})
	call(t, api, "POST", fmt.Sprintf("/api/v1/channels/%d/members", projets), map[string]any{"user_id": ben.ID}, nil, http.StatusNoContent)
	call(t, api, "POST", fmt.Sprintf("/api/v1/teams/%d/members", team.ID), map[string]any{"user_id": gus.ID}, nil, http.StatusNoContent)
	call(t, api, "POST", fmt.Sprintf("/api/v1/channels/%d/members", shared), map[string]any{"user_id": gus.ID}, nil, http.StatusNoContent)
	_ = ana

	a := testutil.NewBrowser(t) // Ana
	b := testutil.NewBrowser(t) // Ben
	signIn(t, a, srv.URL, "ana")
	signIn(t, b, srv.URL, "ben")
	open(t, a, srv.URL, projets)
	open(t, b, srv.URL, general)

	// Ana writes in Projets; Ben, looking at General, sees it counted.
	post(t, a, "#msg", "Bonjour @ben, le devis est arrivé")
	link := fmt.Sprintf(`document.querySelector('#chat-nav a.ch[data-id="%d"]')`, projets)
	waitFor(t, b, "Ben's unread badge for Projets", link+`.classList.contains("unread") && `+link+`.querySelector(".mentions").textContent === "1"`)
	waitFor(t, b, "the count in Ben's tab title", `document.title.startsWith("(1) ")`)

	// Ben opens Projets (in place) and sees the post; Ana's next one arrives live.
	do(t, b, "open Projets", chromedp.Click(chromedp.CSS(fmt.Sprintf(`#chat-nav a.ch[data-id="%d"]`, projets))))
	waitFor(t, b, "Ben sees Ana's post", `postWith("le devis est arrivé") !== null`)
	waitFor(t, b, "Projets read", link+`.querySelector(".mentions").hidden && !`+link+`.classList.contains("unread")`)
	post(t, a, "#msg", "Deuxième message")
	waitFor(t, b, "Ben sees Ana's second post live", `postWith("Deuxième message") !== null`)

	// Ben replies in the thread; Ana sees the count under her post.
	run(t, b, `postWith("le devis est arrivé").querySelector('[data-act=reply]').click()`)
	waitFor(t, b, "the thread opens", `document.querySelector("#reply") !== null && !document.querySelector("#side").hidden`)
	post(t, b, "#reply", "Je m'en occupe")
	waitFor(t, b, "Ben's reply in the thread", `document.querySelector("#thread-list").textContent.includes("Je m'en occupe")`)
	waitFor(t, a, "Ana sees the reply count", `postWith("le devis est arrivé").querySelector(".replies-n").textContent === "1 reply"`)

	// Ana edits her last post with the Up arrow; Ben sees it edited.
	do(t, a, "edit with Up", chromedp.Click(chromedp.ID("msg")), chromedp.SendKeys(chromedp.ID("msg"), kb.ArrowUp))
	waitFor(t, a, "the edit box", `document.querySelector(".edit-box") !== null`)
	run(t, a, `document.querySelector(".edit-box").value = "Deuxième message, corrigé"`)
	do(t, a, "save the edit", chromedp.SendKeys(chromedp.CSS(".edit-box"), kb.Enter))
	waitFor(t, b, "Ben sees the edit", `(p => p && !p.querySelector(".post-edited").hidden)(postWith("corrigé"))`)

	// Ben reacts; Ana sees the reaction.
	run(t, b, `postWith("le devis est arrivé").querySelector('[data-act=react]').click()`)
	waitFor(t, b, "the emoji picker", `!document.querySelector("#emoji-picker").hidden`)
	run(t, b, `document.querySelector('#emoji-grid button[data-emoji="👍"]').click()`)
	waitFor(t, a, "Ana sees Ben's reaction", `(c => c && c.querySelector(".chip-n").textContent === "1" && !c.classList.contains("mine"))(postWith("le devis est arrivé").querySelector('.chip[data-emoji="👍"]'))`)

	// Ana attaches an image; Ben sees its thumbnail.
	img := filepath.Join(t.TempDir(), "plan.png")
	if err := os.WriteFile(img, pngImage(), 0o600); err != nil {
		t.Fatal(err)
	}
	do(t, a, "choose the image", chromedp.SetUploadFiles(chromedp.CSS("#chat-main .file-input"), []string{img}))
	waitFor(t, a, "the upload finishes", `document.querySelector("#chat-main .upload.done") !== null || document.querySelector("#chat-main .upload.failed") !== null`)
	if failed, _ := chromedp.Run(a, chromedp.Evaluate[string](`document.querySelector("#chat-main .upload-err")?.textContent || ""`)); failed != "" {
		t.Fatalf("upload failed: %s", failed)
	}
	post(t, a, "#msg", "Le plan du toit")
	waitFor(t, b, "Ben sees the thumbnail", `(i => i && i.complete && i.naturalWidth > 0)(postWith("Le plan du toit")?.querySelector('.file-thumb img[src$="/thumb"]'))`)

	// Search finds the message.
	do(t, a, "search", chromedp.SendKeys(chromedp.ID("search-q"), "devis"+kb.Enter))
	waitFor(t, a, "search results", `(r => r && r.textContent.includes("le devis est arrivé"))(document.querySelector("#side[data-mode=search] .sp-view"))`)

	// No inline script or style, even after the scripts ran.
	if n, err := chromedp.Run(a, chromedp.Evaluate[int](`document.querySelectorAll("script:not([src]), [style]").length`)); err != nil || n != 0 {
		t.Errorf("%d inline scripts or style attributes (%v)", n, err)
	}

	// Presence: Ana sees Ben online beside their direct message and in the channel's members.
	call(t, api, "POST", "/api/v1/channels/direct", map[string]any{"user_ids": []int64{ben.ID}}, nil, http.StatusOK)
	online := fmt.Sprintf(`.presence[data-user="%d"][data-status=online]`, ben.ID)
	waitFor(t, a, "Ben online beside the direct message", `document.querySelector('#nav-direct-list `+online+`') !== null`)
	run(t, a, `document.querySelector("[data-act=members]").click()`)
	waitFor(t, a, "Ben online among the members", `document.querySelector('#members-list `+online+`') !== null`)
	run(t, a, `document.querySelector("#dlg-members").close()`)

	// Ana saves a post; it is in her Saved view.
	run(t, a, `postWith("le devis est arrivé").querySelector("[data-act=menu]").click()`)
	run(t, a, `document.querySelector("#post-menu [data-act=save]").click()`)
	waitFor(t, a, "the post saved", `document.querySelector(".toast")?.textContent === "Saved."`)
	run(t, a, `document.querySelector("#chat-nav [data-act=saved]").click()`)
	waitFor(t, a, "the Saved view", `(v => v && v.textContent.includes("le devis est arrivé"))(document.querySelector("#side[data-mode=saved] .sp-view"))`)

	// A guest: only the shared channel; the private one does not exist for them.
	do(t, b, "log out", chromedp.Navigate(srv.URL+"/profile"), chromedp.WaitVisible(chromedp.CSS(`form[action="/logout"] button`)),
		chromedp.Click(chromedp.CSS(`form[action="/logout"] button`)), chromedp.WaitVisible(chromedp.ID("password")))
	signIn(t, b, srv.URL, "gus")
	do(t, b, "guest chat", chromedp.Navigate(srv.URL+"/chat"), chromedp.WaitVisible(chromedp.ID("chat-nav")))
	loc, _ := chromedp.Run(b, chromedp.Location())
	nav, _ := chromedp.Run(b, chromedp.Text(chromedp.ID("chat-nav")))
	if !strings.HasSuffix(loc, "/chat/c/"+strconv.FormatInt(shared, 10)) || strings.Contains(nav, "Direction") || strings.Contains(nav, "Projets") || !strings.Contains(nav, "Sav") {
		t.Errorf("guest at %s sees the sidebar %q", loc, nav)
	}
	do(t, b, "the private channel", chromedp.Navigate(fmt.Sprintf("%s/chat/c/%d", srv.URL, secret)), chromedp.WaitVisible(chromedp.CSS(".status-code")))
	if code, _ := chromedp.Run(b, chromedp.Text(chromedp.CSS(".status-code"))); code != "404" {
		t.Errorf("guest on the private channel: %q, want 404", code)
	}
}

// helpers is what every page of the test gets to find posts by their text.
const helpers = `window.postWith = (s) => [...document.querySelectorAll("#list article")].find((a) => a.querySelector(".post-text").textContent.includes(s)) || null;`

func signIn(t *testing.T, ctx context.Context, base, login string) {
	t.Helper()
	do(t, ctx, "sign in as "+login,
		chromedp.Navigate(base+"/login"),
		chromedp.WaitVisible(chromedp.ID("login")),
		chromedp.SendKeys(chromedp.ID("login"), login),
		chromedp.SendKeys(chromedp.ID("password"), chatPassword),
		chromedp.Click(chromedp.CSS(`form[action="/login"] button`)),
		chromedp.WaitVisible(chromedp.ID("sidebar")),
	)
}

// open shows a channel and waits for its scripts to be live.
func open(t *testing.T, ctx context.Context, base string, channel int64) {
	t.Helper()
	do(t, ctx, "open channel", chromedp.Navigate(fmt.Sprintf("%s/chat/c/%d", base, channel)), chromedp.WaitVisible(chromedp.ID("msg")))
	waitFor(t, ctx, "the chat is live", `document.querySelector("#chat.live") !== null`)
}

// post types a message and sends it with Enter.
func post(t *testing.T, ctx context.Context, sel, text string) {
	t.Helper()
	do(t, ctx, "write "+text, chromedp.Click(chromedp.CSS(sel)), chromedp.SendKeys(chromedp.CSS(sel), text+kb.Enter))
}

func do(t *testing.T, ctx context.Context, what string, steps ...chromedp.Action[chromedp.Void]) {
	t.Helper()
	if err := chromedp.Do(ctx, steps...); err != nil {
		t.Fatalf("%s: %v", what, err)
	}
}

func run(t *testing.T, ctx context.Context, js string) {
	t.Helper()
	if _, err := chromedp.Run(ctx, chromedp.Evaluate[any](helpers+js+";null")); err != nil {
		t.Fatalf("%s: %v", js, err)
	}
}

// waitFor polls a condition in the page until it holds, for up to 10 s.
func waitFor(t *testing.T, ctx context.Context, what, cond string) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		ok, err := chromedp.Run(ctx, chromedp.Evaluate[bool](helpers+"!!("+cond+")"))
		if err == nil && ok {
			return
		}
		if time.Now().After(deadline) {
			where, _ := chromedp.Run(ctx, chromedp.Evaluate[string](`location.pathname + " (focus: " + (document.activeElement?.id || document.activeElement?.tagName) + ")"`))
			t.Fatalf("waiting for %s at %s: %v", what, where, err)
		}
		poll := time.NewTimer(50 * time.Millisecond)
		select {
		case <-ctx.Done():
			t.Fatalf("waiting for %s: %v", what, ctx.Err())
		case <-poll.C:
		}
	}
}

func call(t *testing.T, c *testutil.Client, method, path string, body, out any, want int) {
	t.Helper()
	if st := c.JSON(method, path, body, out); st != want {
		t.Fatalf("%s %s: %d, want %d", method, path, st, want)
	}
}

// pngImage is a real 120 × 80 picture.
func pngImage() []byte {
	img := image.NewRGBA(image.Rect(0, 0, 120, 80))
	for y := range 80 {
		for x := range 120 {
			img.Set(x, y, color.RGBA{R: uint8(x * 2), G: uint8(y * 3), B: 0x90, A: 0xff})
		}
	}
	var buf bytes.Buffer
	_ = png.Encode(&buf, img)
	return buf.Bytes()
}
