package web_test

import (
	"context"
	"html"
	"net/http"
	"regexp"
	"strings"
	"testing"

	"ruche/internal/model"
)

// TestChatAvatars: the chat shows people's pictures over their initials,
// at an address that changes with the account and is cached for long.
func TestChatAvatars(t *testing.T) {
	t.Parallel()
	w := newChatWorld(t)
	ctx := context.Background()
	wantRedirect(t, "upload avatar", upload(t, w.ownerB, "/profile", "/profile/avatar", pngBytes()), "/profile?done=avatar")
	owner, err := w.e.accounts.User(ctx, act(w.owner), w.owner.ID)
	if err != nil || !owner.HasAvatar {
		t.Fatalf("owner %+v: %v", owner, err)
	}
	src := "/avatars/" + itoa(owner.ID) + "?v=" + itoa(owner.UpdatedAt.UnixMilli())
	w.post(w.owner, w.general, "Avec ma photo", 0)
	w.post(w.member, w.general, "Sans photo", 0)
	if _, err := w.cs.OpenDirect(ctx, act(w.member), []int64{w.owner.ID}); err != nil {
		t.Fatal(err)
	}

	p := w.memberB.get(cpath(w.general))
	wantStatus(t, "channel page", p, http.StatusOK)
	checkPage(t, "channel page", p)
	post := func(author model.User) string {
		m := regexp.MustCompile(`(?s)<article class="post[^"]*" id="p\d+" data-id="\d+" data-author="` + itoa(author.ID) + `".*?</article>`).FindString(p.body)
		if m == "" {
			t.Fatalf("no post by %s in %s", author.Login, p.body)
		}
		return m
	}
	// The owner's post: the picture over the initials, sized, lazy, decorative.
	if want := `<span class="av av-` + itoa(owner.ID%8) + ` post-av" aria-hidden="true">OO<img src="` + html.EscapeString(src) +
		`" alt="" width="36" height="36" loading="lazy" decoding="async"></span>`; !strings.Contains(post(w.owner), want) {
		t.Errorf("the owner's post has no picture %s:\n%s", want, post(w.owner))
	}
	// The member has none: the initials alone.
	if want := `<span class="av av-` + itoa(w.member.ID%8) + ` post-av" aria-hidden="true">MM</span>`; !strings.Contains(post(w.member), want) {
		t.Errorf("the member's post: want %s:\n%s", want, post(w.member))
	}
	// The direct message with the owner, in the member's sidebar: the owner's face.
	if want := `ch-av" aria-hidden="true">OO<img src="` + html.EscapeString(src) + `"`; !strings.Contains(p.body, want) {
		t.Errorf("the direct message's entry has no picture %s", want)
	}

	// That address is the current picture: kept for long. Another, only for a while.
	img := w.memberB.get(src)
	wantStatus(t, "avatar", img, http.StatusOK)
	if cc := img.header.Get("Cache-Control"); cc != "private, max-age=31536000, immutable" {
		t.Errorf("avatar at its version: Cache-Control %q", cc)
	}
	img = w.memberB.get("/avatars/" + itoa(owner.ID) + "?v=1")
	wantStatus(t, "avatar, old version", img, http.StatusOK)
	if cc := img.header.Get("Cache-Control"); cc != "private, max-age=300" {
		t.Errorf("avatar at another version: Cache-Control %q", cc)
	}
}
