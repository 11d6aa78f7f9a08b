package admin

import (
	"bytes"
	"context"
	"net/http/httptest"
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
// Policy violation. It also takes screenshots at desktop and phone widths;
// set NEWSWATCH_SCREENSHOTS to a directory to keep them.
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
	for name, size := range map[string]string{"status-desktop.png": "1280,1800", "status-phone.png": "390,2400"} {
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
