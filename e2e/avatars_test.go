package e2e

import (
	"fmt"
	"net/http"
	"testing"

	"github.com/chromedp/chromedp"

	"ruche/internal/model"
	"ruche/internal/testutil"
)

// TestAvatarsInChat: Ana uploads a picture; Ben's browser shows it on her
// posts (rendered by the server and arriving live), in her thread, among
// the channel's members and on their direct message; Cléo has none and
// shows her initials, as does a picture that fails to load.
func TestAvatarsInChat(t *testing.T) {
	srv := testutil.NewServer(t, testutil.ServerOptions{})
	ana := srv.CreateUser(t, "ana", model.RoleMember, chatPassword)
	srv.CreateUser(t, "ben", model.RoleMember, chatPassword)
	cleo := srv.CreateUser(t, "cleo", model.RoleMember, chatPassword)

	client := func(login string) *testutil.Client {
		c := srv.Client(t)
		c.Login(login, chatPassword)
		return c
	}
	anaAPI, benAPI, cleoAPI := client("ana"), client("ben"), client("cleo")
	if resp, body := anaAPI.Do("PUT", "/api/v1/users/me/avatar", pngImage()); resp.StatusCode != http.StatusOK {
		t.Fatalf("upload the picture: %d %s", resp.StatusCode, body)
	}
	var team struct{ ID int64 }
	call(t, anaAPI, "POST", "/api/v1/teams", map[string]any{"name": "coop", "display_name": "Coop", "open": true}, &team, http.StatusCreated)
	call(t, benAPI, "POST", fmt.Sprintf("/api/v1/teams/%d/join", team.ID), nil, nil, http.StatusNoContent)
	call(t, cleoAPI, "POST", fmt.Sprintf("/api/v1/teams/%d/join", team.ID), nil, nil, http.StatusNoContent)
	var side struct {
		Items []struct{ Channel struct{ ID int64 } }
	}
	call(t, anaAPI, "GET", "/api/v1/channels", nil, &side, http.StatusOK)
	general := side.Items[0].Channel.ID
	say := func(c *testutil.Client, text string, root int64) int64 {
		var p struct{ ID int64 }
		call(t, c, "POST", fmt.Sprintf("/api/v1/channels/%d/posts", general), map[string]any{"message": text, "root_id": root}, &p, http.StatusCreated)
		return p.ID
	}
	root := say(anaAPI, "Une photo de moi, enfin", 0)
	say(cleoAPI, "Toujours sans photo", 0)
	say(benAPI, "Bravo", root)
	call(t, benAPI, "POST", "/api/v1/channels/direct", map[string]any{"user_ids": []int64{ana.ID}}, nil, http.StatusOK)

	b := testutil.NewBrowser(t) // Ben
	signIn(t, b, srv.URL, "ben")
	open(t, b, srv.URL, general)
	run(t, b, `window.violations = []; document.addEventListener("securitypolicyviolation", (e) => violations.push(e.blockedURI))`)
	const shown = `(i => !!i && i.complete && i.naturalWidth > 0 && i.alt === "" && i.getBoundingClientRect().width > 0)`

	// The server's page: Ana's picture on her post, Cléo's initials on hers.
	waitFor(t, b, "Ana's picture on her post", shown+`(postWith("Une photo de moi").querySelector(".post-av img"))`)
	waitFor(t, b, "Cléo's initials", `(av => av.textContent === "C" && !av.querySelector("img") && getComputedStyle(av).color !== "rgba(0, 0, 0, 0)")(postWith("Toujours sans photo").querySelector(".post-av"))`)
	// The picture takes the initials' place, at their size.
	size, err := chromedp.Run(b, chromedp.Evaluate[[]float64](helpers+`(a => [a.getBoundingClientRect().width, a.querySelector("img").getBoundingClientRect().width])(postWith("Une photo de moi").querySelector(".post-av"))`))
	if err != nil || len(size) != 2 || size[0] != 36 || size[1] != 36 {
		t.Errorf("the picture's size %v (%v), want 36 × 36 like the initials", size, err)
	}

	// A post arriving live.
	say(anaAPI, "Et en direct", 0)
	waitFor(t, b, "Ana's picture on her live post", shown+`(postWith("Et en direct")?.querySelector(".post-av img"))`)

	// Her thread.
	run(t, b, `postWith("Une photo de moi").querySelector('[data-act=thread]').click()`)
	waitFor(t, b, "Ana's picture in the thread", shown+`(document.querySelector("#thread-list article .post-av img"))`)
	waitFor(t, b, "Ben's initials in the thread", `(av => av && av.textContent === "B" && !av.querySelector("img"))(document.querySelector("#thread-list article:last-child .post-av"))`)

	// The channel's members.
	run(t, b, `document.querySelector("[data-act=members]").click()`)
	waitFor(t, b, "the members", `document.querySelectorAll("#members-list li.member").length === 3`)
	waitFor(t, b, "Ana's picture among the members", shown+`([...document.querySelectorAll("#members-list li.member")].find((li) => li.textContent.includes("@ana"))?.querySelector(".av img"))`)
	waitFor(t, b, "Cléo's initials among the members", `(li => li && !li.querySelector(".av img") && li.querySelector(".av").textContent === "C")([...document.querySelectorAll("#members-list li.member")].find((li) => li.textContent.includes("@cleo")))`)
	run(t, b, `document.querySelector("#dlg-members").close()`)

	// Their direct message in the sidebar.
	waitFor(t, b, "Ana's picture beside the direct message", shown+`(document.querySelector("#nav-direct-list .ch-av img"))`)

	// A picture that fails to load leaves the initials.
	run(t, b, `window.broken = postWith("Toujours sans photo").querySelector(".post-av"); broken.append(Object.assign(document.createElement("img"), { src: "/avatars/`+fmt.Sprint(cleo.ID)+`?v=1", alt: "" }))`)
	waitFor(t, b, "the failed picture removed", `!broken.querySelector("img") && broken.textContent === "C"`)

	if v, err := chromedp.Run(b, chromedp.Evaluate[[]string](`violations`)); err != nil || len(v) != 0 {
		t.Errorf("CSP violations %v (%v)", v, err)
	}
}
