package console_test

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/oauthkit/oauthkit/internal/testenv"
)

// The browser tests drive a real headless Chromium through the console. One browser is
// started for the whole test binary, on first use, and each test gets a browser context of
// its own (its own cookies) with one tab, 390 px wide like a small phone. Each page the
// test visits is checked (no horizontal scrolling, every control labelled, landmarks,
// contrast, no positive tabindex) and screenshotted; the screenshots are written out when
// the test fails.

const (
	chromiumEnv = "OAUTHKIT_TEST_CHROMIUM"
	chromiumHow = "install Chromium (Debian: apt-get install -y chromium) or set " + chromiumEnv + " to a Chrome or Chromium binary"
	// viewportWidth is the narrowest screen the pages are made for.
	viewportWidth, viewportHeight = 390, 844
	// tabTimeout bounds one test's use of its tab.
	tabTimeout = 2 * time.Minute
)

// chromiumPath returns the browser to drive, or "" when there is none.
func chromiumPath() string {
	if p := os.Getenv(chromiumEnv); p != "" {
		return p
	}
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome", "google-chrome-stable"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	return ""
}

// chrome is the browser of the test binary, started by the first test that needs it and
// stopped by TestMain.
var chrome struct {
	once   sync.Once
	ctx    context.Context
	cancel context.CancelFunc
	err    error
}

func startChrome(path string) {
	opts := append(chromedp.DefaultExecAllocatorOptions[:], chromedp.ExecPath(path),
		chromedp.WindowSize(viewportWidth, viewportHeight), chromedp.Flag("disable-gpu", true))
	if os.Geteuid() == 0 {
		opts = append(opts, chromedp.NoSandbox) // Chromium refuses to run as root with its sandbox
	}
	actx, acancel := chromedp.NewExecAllocator(context.Background(), opts...)
	bctx, bcancel := chromedp.NewContext(actx)
	chrome.ctx = bctx
	chrome.cancel = func() { bcancel(); acancel() }
	chrome.err = chromedp.Do(bctx) // starts the browser
}

// stopChrome stops the browser, if a test started it.
func stopChrome() {
	if chrome.cancel != nil {
		chrome.cancel()
	}
}

// tab is one test's browser tab.
type tab struct {
	t     *testing.T
	ctx   context.Context
	shots []shot
}

type shot struct {
	name string
	png  []byte
}

// newTab opens a tab in a new browser context, or skips the test (fails it under
// CI=true) when there is no browser.
func newTab(t *testing.T) *tab {
	t.Helper()
	path := chromiumPath()
	if path == "" {
		testenv.Skip(t, "Chromium", chromiumHow)
	}
	chrome.once.Do(func() { startChrome(path) })
	if chrome.err != nil {
		t.Fatalf("starting %s: %v", path, chrome.err)
	}
	ctx, cancel := chromedp.NewContext(chrome.ctx, chromedp.WithNewBrowserContext())
	// The first action opens the tab, on a context without a deadline (a deadline on it
	// would close the tab when it passes, not just end the action).
	if err := chromedp.Do(ctx, chromedp.EmulateViewport(viewportWidth, viewportHeight, chromedp.EmulateMobile)); err != nil {
		cancel()
		t.Fatalf("opening a tab: %v", err)
	}
	tctx, tcancel := context.WithTimeout(ctx, tabTimeout)
	tb := &tab{t: t, ctx: tctx}
	t.Cleanup(func() {
		if t.Failed() {
			tb.screenshot("at-failure")
			tb.writeShots()
		}
		tcancel()
		cancel()
	})
	return tb
}

// do runs actions, failing the test on error.
func (tb *tab) do(what string, actions ...chromedp.Action[chromedp.Void]) {
	tb.t.Helper()
	if err := chromedp.Do(tb.ctx, actions...); err != nil {
		tb.t.Fatalf("%s: %v", what, err)
	}
}

// run runs an action that returns a value, failing the test on error.
func run[T any](tb *tab, what string, a chromedp.Action[T]) T {
	tb.t.Helper()
	v, err := chromedp.Run(tb.ctx, a)
	if err != nil {
		tb.t.Fatalf("%s: %v", what, err)
	}
	return v
}

// open navigates to url and checks the page it lands on.
func (tb *tab) open(name, url string) {
	tb.t.Helper()
	resp := run(tb, "opening "+url, chromedp.NavigateResponse(url))
	tb.landed(name, int(resp.Status))
}

// follow clicks the element sel (a link or a submit button), waits for the page it leads
// to, and checks it.
func (tb *tab) follow(name, sel string) {
	tb.t.Helper()
	resp, err := chromedp.RunResponse(tb.ctx, chromedp.Click(chromedp.CSS(sel), chromedp.NodeVisible))
	if err != nil {
		tb.t.Fatalf("%s: clicking %s: %v", name, sel, err)
	}
	tb.landed(name, int(resp.Status))
}

// landed checks the page just loaded and screenshots it.
func (tb *tab) landed(name string, status int) {
	tb.t.Helper()
	tb.screenshot(name)
	if status != 200 {
		tb.t.Fatalf("%s: status %d at %s", name, status, run(tb, "location", chromedp.Location()))
	}
	for _, p := range run(tb, "checking "+name, chromedp.Evaluate[[]string](pageChecks)) {
		tb.t.Errorf("%s: %s", name, p)
	}
}

// fill types v into the field with id.
func (tb *tab) fill(id, v string) {
	tb.t.Helper()
	tb.do("filling "+id, chromedp.SendKeys(chromedp.ID(id), v))
}

// text returns the text of the element sel.
func (tb *tab) text(sel string) string {
	tb.t.Helper()
	return run(tb, "reading "+sel, chromedp.Text(chromedp.CSS(sel), chromedp.NodeVisible))
}

// value returns the value of the input with id.
func (tb *tab) value(id string) string {
	tb.t.Helper()
	return run(tb, "reading "+id, chromedp.Value(chromedp.ID(id)))
}

// has reports whether the page has an element matching sel.
func (tb *tab) has(sel string) bool {
	tb.t.Helper()
	q, _ := json.Marshal(sel)
	return run(tb, "looking for "+sel, chromedp.Evaluate[bool](fmt.Sprintf("document.querySelector(%s) !== null", q)))
}

func (tb *tab) screenshot(name string) {
	png, err := chromedp.Run(tb.ctx, chromedp.FullScreenshot(100))
	if err != nil {
		tb.t.Logf("screenshot %s: %v", name, err)
		return
	}
	tb.shots = append(tb.shots, shot{name, png})
}

// writeShots writes the screenshots to the test's artifact directory (kept with
// -artifacts), or else to a directory under os.TempDir, and logs where.
func (tb *tab) writeShots() {
	dir := ""
	if f := flag.Lookup("test.artifacts"); f != nil && f.Value.String() == "true" {
		dir = tb.t.ArtifactDir()
	} else {
		var err error
		if dir, err = os.MkdirTemp("", "oauthkit-console-"+strings.ReplaceAll(tb.t.Name(), "/", "_")+"-"); err != nil {
			tb.t.Logf("screenshots: %v", err)
			return
		}
	}
	for i, s := range tb.shots {
		name := fmt.Sprintf("%02d-%s.png", i+1, strings.ReplaceAll(s.name, " ", "-"))
		if err := os.WriteFile(filepath.Join(dir, name), s.png, 0o644); err != nil {
			tb.t.Logf("screenshot %s: %v", name, err)
		}
	}
	tb.t.Logf("screenshots of each page: %s", dir)
}

// pageChecks runs in the page (through the DevTools protocol, which the page's CSP does
// not restrict) and returns what is wrong with it: a page wider than the viewport, a form
// control without a label, a missing landmark, a positive tabindex (which breaks the
// focus order), text whose contrast with its background is below 4.5:1 (WCAG 2.2 AA).
const pageChecks = `(() => {
	const problems = [];
	const doc = document.documentElement;
	if (doc.scrollWidth > window.innerWidth) problems.push("wider than the viewport: " + doc.scrollWidth + " px");
	if (!doc.lang) problems.push("no lang attribute");
	if (!document.querySelector("main")) problems.push("no main landmark");
	if (!document.querySelector("h1")) problems.push("no h1");
	for (const el of document.querySelectorAll("input:not([type=hidden]), textarea, select")) {
		if (!el.labels || el.labels.length === 0) problems.push("a control without a label: " + el.outerHTML.slice(0, 100));
	}
	for (const el of document.querySelectorAll("[tabindex]")) {
		if (el.tabIndex > 0) problems.push("a positive tabindex: " + el.outerHTML.slice(0, 100));
	}
	const channels = c => c.match(/[\d.]+/g).map(Number);
	const luminance = c => {
		const [r, g, b] = channels(c).slice(0, 3).map(v => { v /= 255; return v <= 0.03928 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4); });
		return 0.2126 * r + 0.7152 * g + 0.0722 * b;
	};
	const opaque = c => { const ch = channels(c); return ch.length < 4 || ch[3] > 0; };
	const background = el => {
		for (; el; el = el.parentElement) {
			const c = getComputedStyle(el).backgroundColor;
			if (opaque(c)) return c;
		}
		return "rgb(255, 255, 255)";
	};
	for (const el of document.querySelectorAll("body *")) {
		if (![...el.childNodes].some(n => n.nodeType === 3 && n.textContent.trim() !== "")) continue;
		const box = el.getBoundingClientRect();
		const st = getComputedStyle(el);
		if (box.width < 2 || box.height < 2 || box.right < 0 || st.visibility === "hidden") continue;
		const a = luminance(st.color), b = luminance(background(el));
		const ratio = (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05);
		if (ratio < 4.5) problems.push("contrast " + ratio.toFixed(2) + ":1 of " + el.tagName + " '" + el.textContent.trim().slice(0, 40) + "'");
	}
	return problems;
})()`
