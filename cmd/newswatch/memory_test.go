//go:build linux

package main

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// hugeFieldFeed returns a feed document of the given shape whose one item
// has one field of about size bytes, the whole under size+1 KiB.
func hugeFieldFeed(shape string, size int) []byte {
	words := "Syria and Israel resume talks on normalization in Baku "
	text := strings.Repeat(words, size/len(words))
	var b bytes.Buffer
	rss := func(item string) {
		fmt.Fprintf(&b, `<?xml version="1.0" encoding="UTF-8"?><rss version="2.0" xmlns:content="http://purl.org/rss/1.0/modules/content/"><channel><title>Huge</title><link>https://huge.example/</link><item><guid>%s-1</guid><pubDate>%s</pubDate>%s</item></channel></rss>`,
			shape, time.Now().UTC().Format(time.RFC1123Z), item)
	}
	atom := func(entry string) {
		fmt.Fprintf(&b, `<?xml version="1.0" encoding="utf-8"?><feed xmlns="http://www.w3.org/2005/Atom"><title>Huge</title><id>urn:huge</id><updated>%s</updated><entry><id>urn:%s:1</id><updated>%[1]s</updated>%s</entry></feed>`,
			time.Now().UTC().Format(time.RFC3339), shape, entry)
	}
	switch shape {
	case "rss-title":
		rss("<title>" + text + "</title>")
	case "rss-description":
		rss("<title>Syria</title><description>" + text + "</description>")
	case "rss-cdata":
		rss("<title>Syria</title><description><![CDATA[<p>" + text + "</p>]]></description>")
	case "rss-content":
		rss("<title>Syria</title><content:encoded><![CDATA[" + text + "]]></content:encoded>")
	case "rss-author":
		rss("<title>Syria</title><author>" + text + "</author>")
	case "rss-category":
		rss("<title>Syria</title><category>" + text + "</category>")
	case "rss-escaped":
		rss("<title>Syria</title><description>" + strings.Repeat("&lt;p&gt;Syria &amp;amp; Israel&lt;/p&gt;", size/44) + "</description>")
	case "rss-many-cdata":
		rss("<title>" + strings.Repeat("<![CDATA["+text[:64<<10]+"]]>", size/(64<<10)) + "</title>")
	case "atom-title":
		atom("<title>" + text + "</title>")
	case "atom-xhtml":
		atom(`<title>Syria</title><content type="xhtml"><div xmlns="http://www.w3.org/1999/xhtml">` +
			strings.Repeat("<p>"+words+"</p>", size/(len(words)+7)) + "</div></content>")
	case "json-title", "json-content":
		field := "title"
		if shape == "json-content" {
			field = "content_html"
		}
		fmt.Fprintf(&b, `{"version":"https://jsonfeed.org/version/1.1","title":"Huge","items":[{"id":"%s-1","title":"Syria","date_published":"%s","%s":"%s"}]}`,
			shape, time.Now().UTC().Format(time.RFC3339), field, text)
	default:
		panic("unknown shape " + shape)
	}
	return b.Bytes()
}

// TestHugeFieldsMemory runs `newswatch once` on 16 feeds polled at once,
// each a document of nearly 10 MiB (the body cap) that is one item with one
// huge field, in every shape a field can take (RSS, Atom, JSON; text,
// CDATA, escaped HTML, XHTML), and measures the process's peak resident
// memory. Items are capped while they are parsed and where they are read,
// so memory is bounded by the documents in flight, not by what their text
// becomes in the matcher, the story index and the store.
func TestHugeFieldsMemory(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary and parses 160 MiB of feeds")
	}
	bin := newswatchBinary(t)
	shapes := []string{"rss-title", "rss-description", "rss-cdata", "rss-content", "rss-author", "rss-category",
		"rss-escaped", "rss-many-cdata", "atom-title", "atom-xhtml", "json-title", "json-content",
		"rss-title", "rss-description", "atom-title", "json-title"}
	const size = 10<<20 - 4<<10
	docs := map[string][]byte{}
	for i, shape := range shapes {
		docs[fmt.Sprintf("/feed/%d", i)] = hugeFieldFeed(shape, size)
	}

	// Every request waits until all have arrived, so that the 16 documents
	// are in the daemon at once.
	var (
		mu      sync.Mutex
		arrived int
		all     = make(chan struct{})
	)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		doc, ok := docs[r.URL.Path]
		if !ok {
			http.NotFound(w, r)
			return
		}
		mu.Lock()
		if arrived++; arrived == len(docs) {
			close(all)
		}
		mu.Unlock()
		select {
		case <-all:
		case <-r.Context().Done():
			return
		}
		if strings.HasPrefix(string(doc), "{") {
			w.Header().Set("Content-Type", "application/feed+json")
		} else {
			w.Header().Set("Content-Type", "application/xml")
		}
		// As a static file is served. Without a length the fetcher reads
		// a body into buffers that may add up to twice its size.
		w.Header().Set("Content-Length", strconv.Itoa(len(doc)))
		w.Write(doc)
	}))
	t.Cleanup(srv.Close)

	dir := t.TempDir()
	var cfg strings.Builder
	fmt.Fprintf(&cfg, "[daemon]\ndata_dir = \"data\"\nadmin_addr = \"\"\nbackfill = \"24h\"\n[log]\nlevel = \"warn\"\n[fetch]\nconcurrency = 16\nper_host = 16\ntimeout = \"2m\"\n")
	for i := range shapes {
		fmt.Fprintf(&cfg, "[[feed]]\nname = \"huge-%d\"\nurl = \"%s/feed/%d\"\n", i, srv.URL, i)
	}
	writeFiles(t, dir, map[string]string{
		"config.toml":        cfg.String(),
		"rules.d/watch.toml": "[[rule]]\nname = \"syria\"\nquery = 'syria AND israel'\n",
	})

	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, "once", "-config", filepath.Join(dir, "config.toml"), "-drain", "0s")
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	// The peak RSS of the process's own memory (VmHWM), read until it
	// exits: it only grows, so the last reading holds the peak. (The
	// rusage of the child is no measure: Linux carries the parent's peak,
	// this test's with its 160 MiB of documents, into it at exec.)
	var peak int64
	done := make(chan struct{})
	go func() {
		defer close(done)
		tick := time.NewTicker(5 * time.Millisecond)
		defer tick.Stop()
		for range tick.C {
			kb, ok := vmHWM(cmd.Process.Pid)
			if !ok {
				return
			}
			peak = max(peak, kb<<10)
		}
	}()
	err := cmd.Wait()
	<-done
	select {
	case <-all:
	default:
		t.Fatalf("only %d of %d feeds were fetched at once\n%s", arrived, len(docs), stderr.String())
	}
	if err != nil {
		t.Fatalf("once: %v\n%s", err, stderr.String())
	}
	t.Logf("peak RSS %d MB with %d documents of %.1f MiB in flight", peak/1e6, len(docs), float64(size)/(1<<20))
	if peak == 0 {
		t.Fatal("no reading of the process's memory")
	}
	if peak >= 300e6 {
		t.Errorf("peak RSS %d MB, want under 300 MB", peak/1e6)
	}
	if !strings.Contains(stdout.String(), "Syria and Israel resume talks") {
		t.Errorf("no alert shows a huge title's beginning:\n%.2000s", stdout.String())
	}
}

// vmHWM reads the peak resident set size of process pid, in KiB, from
// /proc; false once the process has exited.
func vmHWM(pid int) (int64, bool) {
	status, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0, false
	}
	for line := range strings.Lines(string(status)) {
		if rest, ok := strings.CutPrefix(line, "VmHWM:"); ok {
			kb, err := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(rest), " kB"), 10, 64)
			return kb, err == nil
		}
	}
	return 0, false // a zombie has no memory
}
