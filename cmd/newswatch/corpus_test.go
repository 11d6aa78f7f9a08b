package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/newswatch/newswatch/internal/story/labelled"
)

// corpusDir is the labelled story corpus (internal/story/testdata; see
// docs/stories.md, "Measurements").
var corpusDir = filepath.Join("..", "..", "internal", "story", "testdata")

// TestLabelledCorpusBacktest runs each half of the labelled story corpus,
// and the fresh, unseen and blind sets, through the daemon as a user would: its
// feed files are served from 127.0.0.1, one capture day after another,
// each day polled by `once`
// into a fresh database, and the stories are read back with
// `backtest -json`. It checks that every item comes back exactly once and
// logs the pairwise figures of the daemon's grouping (test half first).
// Only figures are logged, never the test half's texts.
//
// Unlike the in-process evaluation (internal/story), every item is seen
// when the test polls it, so the story window holds the whole half; the
// items' publication dates still count in the score.
func TestLabelledCorpusBacktest(t *testing.T) {
	if testing.Short() {
		t.Skip("polls the whole corpus")
	}
	for _, half := range []struct {
		name string
		dirs []string
	}{
		{"test", []string{filepath.Join(corpusDir, "heldout")}},
		{"tuning", []string{corpusDir, filepath.Join(corpusDir, "tuning")}},
		{"fresh", []string{filepath.Join(corpusDir, "fresh")}},
		{"unseen", []string{filepath.Join(corpusDir, "unseen")}},
		{"blind", []string{filepath.Join(corpusDir, "blind")}},
	} {
		t.Run(half.name, func(t *testing.T) {
			set, err := labelled.Load(half.dirs...)
			if errors.Is(err, os.ErrNotExist) {
				t.Skipf("no %s half yet: %v", half.name, err)
			}
			if err != nil {
				t.Fatal(err)
			}
			if len(set.Items) == 0 {
				t.Skipf("no %s half yet", half.name)
			}
			// The background (other news, in the in-process evaluation
			// too) is served from the first day on.
			bgDir := filepath.Join(corpusDir, "background")
			bg, err := labelled.Background(bgDir, labelled.Start(set.Items))
			if err != nil {
				t.Fatal(err)
			}
			set.Items = append(set.Items, bg...)
			stories, missing := backtestCorpus(t, half.dirs, bgDir, set)
			if missing > 0 {
				t.Errorf("%d of %d items did not come back from backtest -json", missing, len(set.Items))
			}
			t.Logf("%s half: %v", half.name, set.Stats())
			t.Logf("%s half, grouped by the daemon:\n%v", half.name, set.Score(stories))
		})
	}
}

// captureDay finds the capture date in a corpus file's name.
var captureDay = regexp.MustCompile(`\d{4}-\d\d-\d\d`)

// backtestCorpus polls the feed files of dirs from loopback, a capture day
// at a time (the documents of bgDir, as outlet "background", from the
// first day on), and returns the story `backtest -json` gives each item of set
// (in set's order; a negative story for an item that did not come back)
// and how many did not.
func backtestCorpus(t *testing.T, dirs []string, bgDir string, set *labelled.Set) ([]int64, int) {
	t.Helper()
	// days[day][outlet] is the path of the outlet's document of that day.
	days := map[string]map[string]string{}
	outlets := map[string]bool{}
	for _, dir := range dirs {
		files, err := filepath.Glob(filepath.Join(dir, "feeds", "*"))
		if err != nil {
			t.Fatal(err)
		}
		for _, path := range files {
			name := filepath.Base(path)
			outlet, _, _ := strings.Cut(name, "-")
			day := captureDay.FindString(name)
			if days[day] == nil {
				days[day] = map[string]string{}
			}
			if prev, dup := days[day][outlet]; dup {
				t.Fatalf("%s and %s: two documents of %s on %s", prev, path, outlet, day)
			}
			days[day][outlet] = path
			outlets[outlet] = true
		}
	}

	background, err := filepath.Glob(filepath.Join(bgDir, "*"))
	if err != nil || len(background) != 1 {
		t.Fatalf("want one background document in %s: %v %v", bgDir, background, err)
	}
	outlets["background"] = true

	// The server gives each outlet's document of the day being polled,
	// else its last one (a feed that did not change), else an empty feed.
	var mu sync.Mutex
	current := map[string]string{"background": background[0]}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		path := current[strings.TrimPrefix(r.URL.Path, "/")]
		mu.Unlock()
		if path == "" {
			w.Header().Set("Content-Type", "application/rss+xml")
			fmt.Fprint(w, `<?xml version="1.0"?><rss version="2.0"><channel><title>none yet</title></channel></rss>`)
			return
		}
		switch filepath.Ext(path) {
		case ".json":
			w.Header().Set("Content-Type", "application/feed+json")
		case ".atom":
			w.Header().Set("Content-Type", "application/atom+xml")
		default:
			w.Header().Set("Content-Type", "application/rss+xml")
		}
		// No Last-Modified: the files' times say nothing of the feed's.
		data, err := os.ReadFile(path)
		if err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		w.Write(data)
	}))
	t.Cleanup(srv.Close)

	dir := t.TempDir()
	var cfg strings.Builder
	// One fetch at a time: the feeds of a day are recorded in the order
	// of the configuration every run, so the figures repeat.
	cfg.WriteString("[daemon]\ndata_dir = \"data\"\nadmin_addr = \"\"\n[fetch]\nconcurrency = 1\nper_host = 1\n[log]\nlevel = \"error\"\n")
	names := slices.Sorted(func(yield func(string) bool) {
		for o := range outlets {
			if !yield(o) {
				return
			}
		}
	})
	for _, o := range names {
		fmt.Fprintf(&cfg, "[[feed]]\nname = %q\nurl = %q\n", o, srv.URL+"/"+o)
	}
	writeFiles(t, dir, map[string]string{
		"config.toml": cfg.String(),
		// Every item matches: backtest shows only matched items.
		"rules.d/all.toml": "[[rule]]\nname = \"all\"\nquery = '/./'\n",
	})
	config := filepath.Join(dir, "config.toml")
	ctx := context.Background()
	for _, day := range slices.Sorted(func(yield func(string) bool) {
		for d := range days {
			if !yield(d) {
				return
			}
		}
	}) {
		mu.Lock()
		for outlet, path := range days[day] {
			current[outlet] = path
		}
		mu.Unlock()
		if code, _, stderr := runWithEnv(t, ctx, nil, "once", "-config", config, "-drain", "0s"); code != 0 {
			t.Fatalf("once (%s): exit %d\n%s", day, code, stderr)
		}
	}
	code, stdout, stderr := runWithEnv(t, ctx, nil, "backtest", "-config", config, "-since", "8760h", "-json")
	if code != 0 {
		t.Fatalf("backtest: exit %d\n%s", code, stderr)
	}

	// Items come back by feed, link and title; several corpus items with
	// the same three (none, so far) are taken in order.
	key := func(outlet, link, title string) string {
		return outlet + "\x00" + link + "\x00" + strings.TrimSpace(title)
	}
	waiting := map[string][]int{}
	for i, it := range set.Items {
		k := key(it.Outlet, it.Link, it.Title)
		waiting[k] = append(waiting[k], i)
	}
	stories := make([]int64, len(set.Items))
	for i := range stories {
		stories[i] = -int64(i + 1)
	}
	storyIDs := map[string]int64{}
	sc := bufio.NewScanner(strings.NewReader(stdout))
	sc.Buffer(nil, 1<<24)
	for sc.Scan() {
		var line struct {
			Story string `json:"story"`
			Items []struct {
				Feed, Title, Link string
			} `json:"items"`
		}
		if err := json.Unmarshal(sc.Bytes(), &line); err != nil {
			t.Fatalf("backtest -json: %v: %s", err, sc.Text())
		}
		id, ok := storyIDs[line.Story]
		if !ok {
			id = int64(len(storyIDs) + 1)
			storyIDs[line.Story] = id
		}
		for _, it := range line.Items {
			k := key(it.Feed, it.Link, it.Title)
			q := waiting[k]
			if len(q) == 0 {
				t.Errorf("backtest -json: an item of %s that is not in the corpus, or twice: %q", it.Feed, it.Link)
				continue
			}
			stories[q[0]], waiting[k] = id, q[1:]
		}
	}
	missing := 0
	for _, q := range waiting {
		missing += len(q)
		for _, i := range q {
			t.Logf("missing: %s", strings.ReplaceAll(set.Items[i].Key, "\t", " "))
		}
	}
	return stories, missing
}
