package e2e

import (
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"ruche/internal/testutil"
)

// TestShellInBrowser is a first visit as a person makes it, in a real
// headless Chromium: the setup page creates the first admin, the shell
// appears, logging out and in again works, and after logging out the
// pages are closed.
func TestShellInBrowser(t *testing.T) {
	srv := testutil.NewServer(t, testutil.ServerOptions{})
	ctx := testutil.NewBrowser(t)
	var (
		loc, heading, sidebar string
		inlineScripts         int
	)
	err := chromedp.Do(ctx,
		chromedp.Navigate(srv.URL+"/"),
		chromedp.WaitVisible(chromedp.ID("org_name")), // a fresh install leads to setup
		chromedp.SendKeys(chromedp.ID("org_name"), "Coopérative Abeille"),
		chromedp.SendKeys(chromedp.ID("display_name"), "Reine Abeille"),
		chromedp.SendKeys(chromedp.ID("login"), "reine"),
		chromedp.SendKeys(chromedp.ID("email"), "reine@example.org"),
		chromedp.SendKeys(chromedp.ID("password"), "une ruche bien gardée"),
		chromedp.SendKeys(chromedp.ID("password_confirm"), "une ruche bien gardée"),
		chromedp.Click(chromedp.CSS(`form[action="/setup"] button`)),
		chromedp.WaitVisible(chromedp.ID("sidebar")),
	)
	if err != nil {
		t.Fatalf("setup: %v", err)
	}
	loc, _ = chromedp.Run(ctx, chromedp.Location())
	sidebar, _ = chromedp.Run(ctx, chromedp.Text(chromedp.ID("sidebar")))
	inlineScripts, _ = chromedp.Run(ctx, chromedp.Evaluate[int](`document.querySelectorAll("script:not([src]), [style]").length`))
	if !strings.HasSuffix(loc, "/") || !strings.Contains(sidebar, "Coopérative Abeille") || !strings.Contains(sidebar, "Reine Abeille") {
		t.Fatalf("after setup: at %s, sidebar %q", loc, sidebar)
	}
	if inlineScripts != 0 {
		t.Errorf("%d inline scripts or style attributes in the shell", inlineScripts)
	}
	for _, tool := range []string{"Chat", "Wiki", "Files", "Meet"} {
		if !strings.Contains(sidebar, tool) {
			t.Errorf("navigation lacks %s: %q", tool, sidebar)
		}
	}

	logout := chromedp.Steps(
		chromedp.Click(chromedp.CSS(`form[action="/logout"] button`)),
		chromedp.WaitVisible(chromedp.ID("password")),
	)
	if err := chromedp.Do(ctx, logout); err != nil {
		t.Fatalf("log out: %v", err)
	}
	err = chromedp.Do(ctx,
		chromedp.SendKeys(chromedp.ID("login"), "reine@example.org"),
		chromedp.SendKeys(chromedp.ID("password"), "une ruche bien gardée"),
		chromedp.Click(chromedp.CSS(`form[action="/login"] button`)),
		chromedp.WaitVisible(chromedp.ID("sidebar")),
	)
	if err != nil {
		t.Fatalf("log in: %v", err)
	}
	heading, _ = chromedp.Run(ctx, chromedp.Text(chromedp.CSS("main h1")))
	if !strings.Contains(heading, "Reine") {
		t.Errorf("home heading %q does not greet the user", heading)
	}
	if err := chromedp.Do(ctx, logout, chromedp.Navigate(srv.URL+"/profile"), chromedp.WaitVisible(chromedp.ID("password"))); err != nil {
		t.Fatalf("after logging out, /profile must lead to the login page: %v", err)
	}
	loc, _ = chromedp.Run(ctx, chromedp.Location())
	if !strings.Contains(loc, "/login") {
		t.Fatalf("after logging out, /profile shows %s", loc)
	}
}
