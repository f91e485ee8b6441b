package main

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"

	"ruche/bench/internal/browser"
	"ruche/internal/testutil"
)

// A page load is over when every request has finished and the network has
// been quiet for idleQuiet; one that is not over after idleMax fails.
const (
	idleQuiet = 500 * time.Millisecond
	idleMax   = 20 * time.Second
	stepMax   = time.Minute // any one browser step
)

// wireResult is what the browser received for each load.
type wireResult struct {
	login  []browser.Request // GET /login, empty cache, signed out
	first  []browser.Request // GET /, empty cache, signed in
	repeat []browser.Request // GET / again, same browser
}

// measureWire signs in through the real login page in one fresh browser,
// takes its session cookie to a second fresh browser (empty profile, cache
// cleared) and records the loads of / there: first visit, then repeat visit.
func measureWire(ctx context.Context, base, chromium string) (wireResult, error) {
	var res wireResult
	if chromium == "" {
		chromium = testutil.ChromiumPath()
	}
	progress("wire: signing in through /login in headless Chromium")
	cookie, login, err := formLogin(ctx, base, chromium)
	if err != nil {
		return res, err
	}
	res.login = login

	b, err := browser.Start(ctx, chromium)
	if err != nil {
		return res, err
	}
	defer b.Close()
	sctx, cancel := context.WithTimeout(b.Ctx, 2*stepMax)
	defer cancel()
	if _, err := chromedp.Call(sctx, network.SetCookies, network.SetCookiesParams{Cookies: []*network.CookieParam{{
		Name: cookie.Name, Value: cookie.Value, URL: base + "/", Path: cookie.Path,
		HTTPOnly: cookie.HTTPOnly, Secure: cookie.Secure, SameSite: cookie.SameSite,
	}}}); err != nil {
		return res, fmt.Errorf("wire: set cookie: %w", err)
	}
	if _, err := chromedp.Call(sctx, network.ClearBrowserCache, cdp.Empty{}); err != nil {
		return res, fmt.Errorf("wire: clear cache: %w", err)
	}
	rec, err := browser.Record(b.Ctx)
	if err != nil {
		return res, err
	}
	progress("wire: first visit of / (empty cache)")
	if res.first, err = visit(sctx, rec, base+"/"); err != nil {
		return res, fmt.Errorf("wire: first visit: %w", err)
	}
	progress("wire: repeat visit of /")
	if res.repeat, err = visit(sctx, rec, base+"/"); err != nil {
		return res, fmt.Errorf("wire: repeat visit: %w", err)
	}
	return res, nil
}

// visit navigates to url, waits for the network to be idle, checks that the
// signed-in shell is shown, and returns the requests of the load.
func visit(ctx context.Context, rec *browser.Recorder, url string) ([]browser.Request, error) {
	rec.Reset()
	if err := chromedp.Do(ctx, chromedp.Navigate(url)); err != nil {
		return nil, err
	}
	if err := rec.WaitIdle(ctx, idleQuiet, idleMax); err != nil {
		return nil, err
	}
	if err := signedIn(ctx, url); err != nil {
		return nil, err
	}
	return rec.Requests(), nil
}

// signedIn checks that the tab shows the signed-in shell at want.
func signedIn(ctx context.Context, want string) error {
	loc, err := chromedp.Run(ctx, chromedp.Location())
	if err != nil {
		return err
	}
	shell, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`document.getElementById("sidebar") !== null`))
	if err != nil {
		return err
	}
	if loc != want || !shell {
		return fmt.Errorf("expected the signed-in shell at %s, got %s (shell: %v)", want, loc, shell)
	}
	return nil
}

// formLogin loads /login in a fresh browser (recording that load), fills the
// form and submits it, checks that it lands on the shell, and returns the
// session cookie the browser got.
func formLogin(ctx context.Context, base, chromium string) (*network.Cookie, []browser.Request, error) {
	b, err := browser.Start(ctx, chromium)
	if err != nil {
		return nil, nil, err
	}
	defer b.Close()
	sctx, cancel := context.WithTimeout(b.Ctx, stepMax)
	defer cancel()
	rec, err := browser.Record(b.Ctx)
	if err != nil {
		return nil, nil, err
	}
	if err := chromedp.Do(sctx, chromedp.Navigate(base+"/login")); err != nil {
		return nil, nil, fmt.Errorf("wire: open /login: %w", err)
	}
	if err := rec.WaitIdle(sctx, idleQuiet, idleMax); err != nil {
		return nil, nil, fmt.Errorf("wire: /login: %w", err)
	}
	login := rec.Requests()
	if err := chromedp.Do(sctx,
		chromedp.SendKeys(chromedp.ID("login"), adminLogin),
		chromedp.SendKeys(chromedp.ID("password"), adminPassword),
	); err != nil {
		return nil, nil, fmt.Errorf("wire: fill the login form: %w", err)
	}
	if _, err := chromedp.Run(sctx, chromedp.WaitEvent(page.LoadEventFired, nil,
		chromedp.Click(chromedp.CSS(`form[action="/login"] button`)))); err != nil {
		return nil, nil, fmt.Errorf("wire: submit the login form: %w", err)
	}
	if err := signedIn(sctx, base+"/"); err != nil {
		return nil, nil, fmt.Errorf("wire: after the login form: %w", err)
	}
	got, err := chromedp.Call(sctx, network.GetCookies, network.GetCookiesParams{URLs: []string{base + "/"}})
	if err != nil {
		return nil, nil, fmt.Errorf("wire: cookies: %w", err)
	}
	for _, c := range got.Cookies {
		if strings.HasSuffix(c.Name, "ruche_session") {
			return c, login, nil
		}
	}
	return nil, nil, fmt.Errorf("wire: no session cookie after the login form")
}
