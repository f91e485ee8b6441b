package testutil

import (
	"context"
	"os"
	"os/exec"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// ChromiumPath finds Debian's chromium; tests never download a browser.
func ChromiumPath() string {
	for _, p := range []string{os.Getenv("RUCHE_CHROMIUM"), "/usr/bin/chromium", "/usr/bin/chromium-browser"} {
		if p == "" {
			continue
		}
		if _, err := os.Stat(p); err == nil {
			return p
		}
	}
	if p, err := exec.LookPath("chromium"); err == nil {
		return p
	}
	return ""
}

// ChromiumOptions are how the browser tests and the load tool start Chromium
// at path with the profile folder profile: headless, without the background
// traffic a closed network refuses, with fake media devices for calls.
func ChromiumOptions(path, profile string) []chromedp.ExecAllocatorOption {
	return []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(path),
		chromedp.UserDataDir(profile),
		chromedp.Flag("headless", true),
		chromedp.Flag("no-sandbox", true),
		chromedp.Flag("disable-gpu", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("no-first-run", true),
		chromedp.Flag("no-default-browser-check", true),
		chromedp.Flag("use-fake-ui-for-media-stream", true),
		chromedp.Flag("use-fake-device-for-media-stream", true),
		chromedp.WindowSize(1280, 800),
	}
}

// NewBrowser starts a headless Chromium with a fresh profile and returns a
// chromedp context for it, closed at the end of the test. Without Chromium
// the test is skipped, unless RUCHE_E2E=required (as in CI), where it fails.
// Each call is a separate browser: two calls are two people.
func NewBrowser(t testing.TB) context.Context {
	t.Helper()
	path := ChromiumPath()
	if path == "" {
		if os.Getenv("RUCHE_E2E") == "required" {
			t.Fatal("chromium is required (RUCHE_E2E=required) but not installed: apt-get install chromium")
		}
		t.Skip("chromium not installed; set RUCHE_E2E=required to make this a failure")
	}
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), ChromiumOptions(path, t.TempDir())...)
	browserCtx, cancelCtx := chromedp.NewContext(allocCtx)
	// The first call starts the browser, which lives as long as the context
	// of that call: it gets no timeout; the actions after it do.
	if err := chromedp.Do(browserCtx); err != nil {
		cancelCtx()
		cancelAlloc()
		t.Fatalf("start chromium: %v", err)
	}
	ctx, cancelTimeout := context.WithTimeout(browserCtx, 2*time.Minute)
	t.Cleanup(func() {
		cancelTimeout()
		cancelCtx()
		cancelAlloc()
	})
	return ctx
}
