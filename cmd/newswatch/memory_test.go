//go:build linux

package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// hugeDoc is a feed document of one item with one huge field, made of a
// head, a unit repeated n times and a tail. It is written out as it is
// served, never held whole, so that the test process stays small: the
// peak memory the kernel reports for the child is then the child's own
// (see TestHugeFieldsMemory).
type hugeDoc struct {
	head, unit, tail string
	n                int
}

// Len is the length of the document in bytes.
func (d hugeDoc) Len() int { return len(d.head) + len(d.unit)*d.n + len(d.tail) }

// WriteTo writes the document to w in chunks of about 64 KiB.
func (d hugeDoc) WriteTo(w io.Writer) (int64, error) {
	var total int64
	write := func(s string) error {
		n, err := io.WriteString(w, s)
		total += int64(n)
		return err
	}
	if err := write(d.head); err != nil {
		return total, err
	}
	per := max(1, (64<<10)/len(d.unit))
	chunk := strings.Repeat(d.unit, per)
	for left := d.n; left > 0; left -= per {
		if left < per {
			chunk = chunk[:left*len(d.unit)]
		}
		if err := write(chunk); err != nil {
			return total, err
		}
	}
	return total, write(d.tail)
}

// hugeFieldFeed returns a feed document of the given shape whose one item
// has one field of about size bytes, the whole under size+1 KiB.
func hugeFieldFeed(shape string, size int) hugeDoc {
	const words = "Syria and Israel resume talks on normalization in Baku "
	now := time.Now().UTC()
	rss := func(open, unit, close string) hugeDoc {
		return hugeDoc{
			head: fmt.Sprintf(`<?xml version="1.0" encoding="UTF-8"?><rss version="2.0" xmlns:content="http://purl.org/rss/1.0/modules/content/"><channel><title>Huge</title><link>https://huge.example/</link><item><guid>%s-1</guid><pubDate>%s</pubDate>%s`,
				shape, now.Format(time.RFC1123Z), open),
			unit: unit, n: size / len(unit),
			tail: close + `</item></channel></rss>`,
		}
	}
	atom := func(open, unit, close string) hugeDoc {
		return hugeDoc{
			head: fmt.Sprintf(`<?xml version="1.0" encoding="utf-8"?><feed xmlns="http://www.w3.org/2005/Atom"><title>Huge</title><id>urn:huge</id><updated>%s</updated><entry><id>urn:%s:1</id><updated>%[1]s</updated>%s`,
				now.Format(time.RFC3339), shape, open),
			unit: unit, n: size / len(unit),
			tail: close + `</entry></feed>`,
		}
	}
	json := func(field string) hugeDoc {
		return hugeDoc{
			head: fmt.Sprintf(`{"version":"https://jsonfeed.org/version/1.1","title":"Huge","items":[{"id":"%s-1","title":"Syria","date_published":"%s","%s":"`,
				shape, now.Format(time.RFC3339), field),
			unit: words, n: size / len(words),
			tail: `"}]}`,
		}
	}
	switch shape {
	case "rss-title":
		return rss("<title>", words, "</title>")
	case "rss-description":
		return rss("<title>Syria</title><description>", words, "</description>")
	case "rss-cdata":
		return rss("<title>Syria</title><description><![CDATA[<p>", words, "</p>]]></description>")
	case "rss-content":
		return rss("<title>Syria</title><content:encoded><![CDATA[", words, "]]></content:encoded>")
	case "rss-author":
		return rss("<title>Syria</title><author>", words, "</author>")
	case "rss-category":
		return rss("<title>Syria</title><category>", words, "</category>")
	case "rss-escaped":
		return rss("<title>Syria</title><description>", "&lt;p&gt;Syria &amp;amp; Israel&lt;/p&gt;", "</description>")
	case "rss-many-cdata":
		text := strings.Repeat(words, (64<<10)/len(words))
		return rss("<title>", "<![CDATA["+text+"]]>", "</title>")
	case "atom-title":
		return atom("<title>", words, "</title>")
	case "atom-xhtml":
		return atom(`<title>Syria</title><content type="xhtml"><div xmlns="http://www.w3.org/1999/xhtml">`, "<p>"+words+"</p>", "</div></content>")
	case "json-title":
		return json("title")
	case "json-content":
		return json("content_html")
	}
	panic("unknown shape " + shape)
}

// TestHugeFieldsMemory runs `newswatch once` on 16 feeds polled at once,
// each a document of nearly 10 MiB (the body cap) that is one item with one
// huge field, in every shape a field can take (RSS, Atom, JSON; text,
// CDATA, escaped HTML, XHTML), and measures the process's peak resident
// memory. Items are capped while they are parsed and where they are read,
// so memory is bounded by the documents in flight, not by what their text
// becomes in the matcher, the story index and the store.
//
// The peak is the child's maximum resident set size as the kernel reports
// it when the child is reaped (wait4's rusage). On Linux that figure is
// the larger of the child's own peak and the peak of this test process
// before the exec (the exec carries the old address space's peak over),
// so it can only overstate the child's: the documents are generated as
// they are served, never held, to keep this process's share small, and
// the test fails if this process's own peak comes near the limit.
func TestHugeFieldsMemory(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary and parses 160 MiB of feeds")
	}
	bin := newswatchBinary(t)
	shapes := []string{"rss-title", "rss-description", "rss-cdata", "rss-content", "rss-author", "rss-category",
		"rss-escaped", "rss-many-cdata", "atom-title", "atom-xhtml", "json-title", "json-content",
		"rss-title", "rss-description", "atom-title", "json-title"}
	const (
		size  = 10<<20 - 4<<10
		limit = 300e6
	)
	docs := map[string]hugeDoc{}
	for i, shape := range shapes {
		doc := hugeFieldFeed(shape, size)
		if doc.Len() > 10<<20 {
			t.Fatalf("%s: document of %d bytes is over the body cap", shape, doc.Len())
		}
		docs[fmt.Sprintf("/feed/%d", i)] = doc
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
		if strings.HasPrefix(doc.head, "{") {
			w.Header().Set("Content-Type", "application/feed+json")
		} else {
			w.Header().Set("Content-Type", "application/xml")
		}
		// As a static file is served. Without a length the fetcher reads
		// a body into buffers that may add up to twice its size.
		w.Header().Set("Content-Length", strconv.Itoa(doc.Len()))
		doc.WriteTo(w)
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
	err := cmd.Run()
	select {
	case <-all:
	default:
		t.Fatalf("only %d of %d feeds were fetched at once\n%s", arrived, len(docs), stderr.String())
	}
	if err != nil {
		t.Fatalf("once: %v\n%s", err, stderr.String())
	}
	ru, ok := cmd.ProcessState.SysUsage().(*syscall.Rusage)
	if !ok || ru.Maxrss == 0 {
		t.Fatal("no maximum resident set size of the child")
	}
	var self syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &self); err != nil {
		t.Fatal(err)
	}
	peak, own := ru.Maxrss<<10, self.Maxrss<<10 // Linux reports KiB
	t.Logf("peak RSS %d MB with %d documents of %.1f MiB in flight (this test process: %d MB)",
		peak/1e6, len(docs), float64(size)/(1<<20), own/1e6)
	if own >= limit/2 {
		t.Fatalf("this test process peaked at %d MB: the child's figure, which includes it, measures nothing", own/1e6)
	}
	if peak >= limit {
		t.Errorf("peak RSS %d MB, want under %d MB", peak/1e6, int64(limit)/1e6)
	}
	if !strings.Contains(stdout.String(), "Syria and Israel resume talks") {
		t.Errorf("no alert shows a huge title's beginning:\n%.2000s", stdout.String())
	}
}
