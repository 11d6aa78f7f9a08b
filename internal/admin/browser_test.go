package admin

import (
	"bytes"
	"context"
	"fmt"
	"net/http/httptest"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// chromium returns the path of a Chromium or Chrome binary, or skips the
// test when there is none; CI sets NEWSWATCH_BROWSER_TEST=required so that
// a missing browser fails instead.
func chromium(t *testing.T) string {
	t.Helper()
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome", "google-chrome-stable"} {
		if path, err := exec.LookPath(name); err == nil {
			return path
		}
	}
	const why = "no chromium, chromium-browser or google-chrome on PATH (apt-get install -y chromium)"
	if os.Getenv("NEWSWATCH_BROWSER_TEST") == "required" {
		t.Fatal(why + ", and NEWSWATCH_BROWSER_TEST=required")
	}
	t.Skip(why + ": skipping the browser test")
	return ""
}

// headless runs the browser at bin on url with extra flags, and returns its
// standard output and standard error. The flags keep it off the network
// (this machine's is closed) and out of the user's profile; --no-sandbox
// lets it run as root in a container.
func headless(t *testing.T, bin, url string, extra ...string) (stdout, stderr string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	args := append([]string{
		"--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
		"--disable-background-networking", "--disable-component-update", "--disable-sync",
		"--disable-extensions", "--hide-scrollbars", "--enable-logging=stderr", "--v=0",
		"--user-data-dir=" + t.TempDir(),
	}, extra...)
	args = append(args, url)
	cmd := exec.CommandContext(ctx, bin, args...)
	var out, errOut bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errOut
	if err := cmd.Run(); err != nil {
		t.Fatalf("%s %s: %v\n%s", bin, strings.Join(args, " "), err, errOut.String())
	}
	return out.String(), errOut.String()
}

// TestStatusPageInBrowser loads the status page of a real store in headless
// Chromium: the DOM it builds must show the feeds, their states, the rules
// and their sparklines, and the page must load without a Content Security
// Policy violation. It also takes a screenshot at a desktop's width; set
// NEWSWATCH_SCREENSHOTS to a directory to keep it.
func TestStatusPageInBrowser(t *testing.T) {
	bin := chromium(t)
	fx := newFixture(t)
	srv := httptest.NewServer(fx.server().Handler())
	defer srv.Close()

	dom, logs := headless(t, bin, srv.URL+"/", "--dump-dom")
	for _, want := range []string{
		"Times of Israel", "Arab48", "Kan 11 (off)",
		`<span class="state ok">ok</span>`, `<span class="state failing">failing</span>`, `<span class="state disabled">disabled</span>`,
		"syria-israel", "abraham-accords",
		`<svg class="spark"`, `<rect x="91" y="0" width="5" height="24">`,
		"Syria and Israel resume talks in Baku",
		"channel_not_found",
	} {
		if !strings.Contains(dom, want) {
			t.Errorf("the DOM Chromium built lacks %s", want)
		}
	}
	if strings.Contains(dom, "<script") {
		t.Error("the DOM has a script element: hostile feed text was parsed as markup")
	}
	if strings.Contains(logs, "Content Security Policy") || strings.Contains(logs, "Refused to") {
		t.Errorf("Chromium reported a policy violation:\n%s", logs)
	}

	results, _ := headless(t, bin, srv.URL+"/search?q=syria+AND+israel", "--dump-dom")
	if !strings.Contains(results, "Syria and Israel resume talks in Baku") || !strings.Contains(results, "matching stories") {
		t.Errorf("search results in the browser:\n%s", results)
	}

	dir := t.TempDir()
	if keep := os.Getenv("NEWSWATCH_SCREENSHOTS"); keep != "" {
		dir = keep
	}
	for name, size := range map[string]string{"status-desktop.png": "1280,1800"} { // phones: TestStatusPageOnAPhone
		path := filepath.Join(dir, name)
		headless(t, bin, srv.URL+"/", "--screenshot="+path, "--window-size="+size)
		info, err := os.Stat(path)
		if err != nil || info.Size() < 10_000 {
			t.Errorf("screenshot %s: %v (size %d); want a rendered page", name, err, sizeOf(info))
		}
	}
}

func sizeOf(info os.FileInfo) int64 {
	if info == nil {
		return 0
	}
	return info.Size()
}

// overflowCheck is evaluated in the page: it lists what does not fit the
// viewport's width: the document scrolling sideways, an element reaching
// past either edge, an element whose content is wider than its box
// (spilling out, or scrolling sideways inside it), and a search button
// not shown whole. Visually hidden elements (a table's header on a phone,
// labels for screen readers) are left out.
const overflowCheck = `(() => {
  const vw = document.documentElement.clientWidth;
  const out = [];
  const name = (el) => el.tagName.toLowerCase() + (el.id ? "#" + el.id : "") +
    (el.className && typeof el.className === "string" ? "." + el.className.trim().split(/\s+/).join(".") : "") +
    ' "' + (el.textContent || "").replace(/\s+/g, " ").trim().slice(0, 40) + '"';
  if (document.documentElement.scrollWidth > vw) {
    out.push("the page scrolls sideways: " + document.documentElement.scrollWidth + "px wide in a " + vw + "px viewport");
  }
  for (const el of document.querySelectorAll("body *")) {
    if (el.closest(".visually-hidden, thead, svg, title")) continue;
    const r = el.getBoundingClientRect();
    if (r.width === 0 && r.height === 0) continue;
    if (r.right > vw + 0.5 || r.left < -0.5) {
      out.push(name(el) + " reaches " + Math.round(r.left) + "…" + Math.round(r.right) + "px, outside 0…" + vw + "px");
    }
    // A text field scrolls the text typed in it, as it should.
    if (el.clientWidth > 0 && el.scrollWidth > el.clientWidth + 1 && !el.matches("input, textarea")) {
      out.push(name(el) + " holds " + el.scrollWidth + "px of content in " + el.clientWidth + "px");
    }
  }
  const button = document.querySelector("form.search button");
  if (!button) {
    out.push("no search button");
  } else {
    const r = button.getBoundingClientRect();
    if (r.left < 0 || r.right > vw || button.scrollWidth > button.clientWidth || r.width < 40) {
      out.push("the search button is not whole: " + Math.round(r.left) + "…" + Math.round(r.right) + "px, " + button.scrollWidth + "px of text in " + button.clientWidth + "px");
    }
  }
  return out;
})()`

// TestStatusPageOnAPhone loads the status page and the search page, filled
// with the longest text they meet (long feed names, URLs, errors, rule
// and channel names, a long query), in headless Chromium emulating a phone
// 390 CSS pixels wide: nothing may scroll sideways or reach past the
// screen, and the search button must show whole. It keeps a screenshot of
// each (in NEWSWATCH_SCREENSHOTS when set).
func TestStatusPageOnAPhone(t *testing.T) {
	bin := chromium(t)
	fx := newFixture(t)
	fx.addLongText(t)
	s := fx.server()
	s.Config = func() ConfigStatus {
		return ConfigStatus{
			File:      "/etc/newswatch/a-configuration-directory-with-a-long-name/config.toml",
			Errors:    []string{"/etc/newswatch/a-configuration-directory-with-a-long-name/config.toml:41:1: unknown key \"shedule\" in [feed] (did you mean \"schedule\"?)"},
			RefusedAt: now.Add(-5 * time.Minute),
			Restart:   []string{"[daemon]", "[[notifier]]"},
		}
	}
	srv := httptest.NewServer(s.Handler())
	defer srv.Close()

	dir := t.TempDir()
	if keep := os.Getenv("NEWSWATCH_SCREENSHOTS"); keep != "" {
		dir = keep
	}
	d := startDevtools(t, bin)
	defer func(outer *testing.T) { d.t = outer }(t)
	type page struct {
		name, path, shows string
		width             int
	}
	var pages []page
	// 390 is a current phone's width; 320 an older phone's, or a phone
	// set to larger text.
	for _, width := range []int{390, 320} {
		for _, p := range []page{
			{name: "status", path: "/", shows: "Syria and Israel resume talks in Baku"},
			{name: "search", path: "/search?q=" + url.QueryEscape(longQuery), shows: "matching story"},
			{name: "search-error", path: "/search?q=" + url.QueryEscape(longQuery+" AND ("), shows: "The query has an error"},
		} {
			p.name, p.width = fmt.Sprintf("%s-phone-%d.png", p.name, width), width
			pages = append(pages, p)
		}
	}
	for _, page := range pages {
		t.Run(page.name, func(t *testing.T) {
			d.t = t
			width := page.width
			d.viewport(width, 844, true)
			d.open(srv.URL + page.path)
			var text string
			d.eval(`document.body.innerText`, &text)
			if !strings.Contains(text, page.shows) {
				t.Fatalf("the page does not show %q:\n%s", page.shows, text)
			}
			var problems []string
			d.eval(overflowCheck, &problems)
			for _, p := range problems {
				t.Errorf("at %dpx: %s", width, p)
			}
			path := filepath.Join(dir, page.name)
			if err := d.screenshot(path); err != nil {
				t.Fatal(err)
			}
			if info, err := os.Stat(path); err != nil || info.Size() < 10_000 {
				t.Errorf("screenshot %s: %v (size %d); want a rendered page", path, err, sizeOf(info))
			}
		})
	}
}
