package notify

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"
)

// fakeSlack is a stand-in for Slack's Web API (chat.postMessage only) on a
// loopback httptest server, driven by the real slack-go client. Each
// channel has a script of replies consumed one per request; when the script
// is empty the request succeeds.
type fakeSlack struct {
	srv   *httptest.Server
	token string

	mu       sync.Mutex
	scripts  map[string][]reply // by channel
	accepted []slackPost        // messages Slack would show, in order
	requests []slackPost        // every request, in order
	ts       int

	// clock stamps requests (slackPost.At); nil means time.Now.
	clock func() time.Time
	// arrived receives every request as it arrives, when not nil.
	arrived chan slackPost
	// release ends hanging replies.
	release chan struct{}
}

// reply is one scripted answer.
type reply struct {
	status     int    // HTTP status; 0 means 200
	retryAfter string // Retry-After header value
	err        string // Slack error code for {"ok": false}
	hang       bool   // do not answer until the client gives up or release is closed
	accept     bool   // with hang: count the message as posted first (Slack got it, the answer was lost)
	wait       bool   // answer normally, but only once release is closed
}

// slackPost is one chat.postMessage request as the fake saw it.
type slackPost struct {
	Channel     string
	Text        string
	Blocks      string
	ThreadTS    string
	UnfurlLinks string
	UnfurlMedia string
	Token       string
	TS          string    // the ts it was given, when accepted
	At          time.Time // when it arrived, on the fake's clock
}

func newFakeSlack(t *testing.T) *fakeSlack {
	f := &fakeSlack{token: "xoxb-test-token", scripts: map[string][]reply{}, release: make(chan struct{})}
	f.srv = httptest.NewServer(http.HandlerFunc(f.serve))
	t.Cleanup(func() {
		f.releaseAll()
		f.srv.Close()
	})
	return f
}

// apiURL is the base URL to give the Slack notifier.
func (f *fakeSlack) apiURL() string { return f.srv.URL + "/api/" }

// script appends replies for channel.
func (f *fakeSlack) script(channel string, replies ...reply) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.scripts[channel] = append(f.scripts[channel], replies...)
}

func (f *fakeSlack) posted() []slackPost {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]slackPost(nil), f.accepted...)
}

func (f *fakeSlack) requestCount(channel string) int {
	f.mu.Lock()
	defer f.mu.Unlock()
	n := 0
	for _, p := range f.requests {
		if p.Channel == channel {
			n++
		}
	}
	return n
}

// releaseAll ends every hanging or waiting reply.
func (f *fakeSlack) releaseAll() {
	f.mu.Lock()
	defer f.mu.Unlock()
	select {
	case <-f.release:
	default:
		close(f.release)
	}
}

func (f *fakeSlack) serve(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost || r.URL.Path != "/api/chat.postMessage" {
		http.Error(w, "not found", http.StatusNotFound)
		return
	}
	if err := r.ParseForm(); err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	p := slackPost{
		Channel:     r.PostForm.Get("channel"),
		Text:        r.PostForm.Get("text"),
		Blocks:      r.PostForm.Get("blocks"),
		ThreadTS:    r.PostForm.Get("thread_ts"),
		UnfurlLinks: r.PostForm.Get("unfurl_links"),
		UnfurlMedia: r.PostForm.Get("unfurl_media"),
		Token:       r.PostForm.Get("token"),
	}
	if p.Token == "" {
		p.Token = strings.TrimPrefix(r.Header.Get("Authorization"), "Bearer ")
	}
	f.mu.Lock()
	p.At = time.Now()
	if f.clock != nil {
		p.At = f.clock()
	}
	f.requests = append(f.requests, p)
	var rep reply
	if s := f.scripts[p.Channel]; len(s) > 0 {
		rep, f.scripts[p.Channel] = s[0], s[1:]
	}
	switch {
	case p.Token != f.token:
		rep = reply{err: "invalid_auth"}
	case strings.HasPrefix(p.Channel, "#missing"):
		rep = reply{err: "channel_not_found"}
	}
	ok := rep.status == 0 && rep.err == "" && (!rep.hang || rep.accept)
	if ok {
		f.ts++
		p.TS = fmt.Sprintf("1795770720.%06d", f.ts)
		f.accepted = append(f.accepted, p)
	}
	arrived := f.arrived
	f.mu.Unlock()
	if arrived != nil {
		arrived <- p
	}

	if rep.hang || rep.wait {
		select {
		case <-r.Context().Done():
			return
		case <-f.release:
		}
		if rep.hang {
			return
		}
	}
	if rep.retryAfter != "" {
		w.Header().Set("Retry-After", rep.retryAfter)
	}
	if rep.status != 0 {
		w.Header().Set("Content-Type", "text/html")
		w.WriteHeader(rep.status)
		fmt.Fprint(w, "<html><body>Slack is having trouble</body></html>")
		return
	}
	w.Header().Set("Content-Type", "application/json")
	if rep.err != "" {
		json.NewEncoder(w).Encode(map[string]any{"ok": false, "error": rep.err})
		return
	}
	channelID := "C" + strings.ToUpper(strings.TrimPrefix(p.Channel, "#"))
	json.NewEncoder(w).Encode(map[string]any{"ok": true, "channel": channelID, "ts": p.TS, "message": map[string]any{"text": p.Text}})
}
