// Package slacktest is the one fake Slack of newswatch's tests and of the
// bench harness: the Web API methods a bot posts with (chat.postMessage,
// chat.update, conversations.members), incoming webhooks, and Socket Mode
// (apps.connections.open, then a WebSocket delivering block actions and
// slash commands, with response URLs), served on loopback and driven by the
// real slack-go client. It records what Slack would show and every request
// it got, gives each channel its own message timestamps, answers from
// per-channel scripts (HTTP errors, Slack error codes, 429 with or without
// Retry-After, answers that hang or come late), can be down for a while
// (an outage, on its own clock), and checks Block Kit against Slack's
// schema (CheckBlocks).
//
// It is not a test of Slack's behaviour: it answers as Slack documents it
// answers, so that the notifiers' handling of each answer can be tested.
package slacktest

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"time"
)

// DefaultToken is the bot token a Server accepts when Options.Token is "".
const DefaultToken = "xoxb-test-token"

// The methods a Message records.
const (
	MethodPost    = "chat.postMessage"
	MethodUpdate  = "chat.update"
	MethodWebhook = "webhook" // an incoming webhook
)

// Options configure a Server. The zero value is usable.
type Options struct {
	// Token is the bot token the Web API accepts; "" means DefaultToken.
	// A request with another token gets invalid_auth.
	Token string
	// Clock stamps requests (Message.At) and ends outages (Down); nil means
	// time.Now.
	Clock func() time.Time
	// Arrived, when not nil, receives every request as it arrives, before
	// it is answered; the Server blocks until it is received, so give it a
	// buffer.
	Arrived chan<- Message
	// Observe, when not nil, is called with every message Slack accepts
	// (posted, updated, or through a webhook), as it accepts it, from the
	// request's goroutine; it must not block for long.
	Observe func(Message)
	// Discard keeps no record of requests and messages (Messages, Requests
	// and RequestCount see none): for long runs that only Observe.
	Discard bool
	// AppToken is the app-level token apps.connections.open accepts (see
	// socket.go); "" means DefaultAppToken.
	AppToken string
	// PingEvery is how often a live Socket Mode connection is pinged; zero
	// means every 10 seconds, as Slack does.
	PingEvery time.Duration
}

// Message is one request as the Server saw it, and, when Slack accepted
// it, the message it shows.
type Message struct {
	Method string // MethodPost, MethodUpdate or MethodWebhook
	// Channel is the channel as the request named it ("#news", "CNEWS"),
	// or the channel a webhook is bound to.
	Channel string
	// ChannelID is the channel's ID (see Server.ChannelID).
	ChannelID string
	Text      string
	Blocks    string // the blocks as the request sent them, JSON
	ThreadTS  string
	// ReplyBroadcast is "true" when a reply in a thread is also sent to
	// the channel, as the request sent it.
	ReplyBroadcast string
	UnfurlLinks    string // "true", "false" or "" as the request sent it
	UnfurlMedia    string
	Token          string // the bot token the request carried ("" for webhooks)
	// TS is the message's timestamp in its channel: given when Slack
	// accepted a post; for chat.update, the message updated.
	TS string
	// Accepted reports whether Slack accepted it: it is in the channel.
	Accepted bool
	// At is when the request arrived, on the Server's clock.
	At time.Time
}

// Reply is one scripted answer (see Server.Script). The zero value is a
// success.
type Reply struct {
	// Status is the HTTP status of a failure answered with an HTML page,
	// as a proxy or Slack's edge sends it; 0 means none.
	Status int
	// Error is a Slack error code: the Web API answers {"ok": false,
	// "error": Error} with status 200; a webhook answers the code as its
	// body with the status Slack uses for it (Status, when set, instead).
	Error string
	// RetryAfter is the Retry-After header of the answer.
	RetryAfter string
	// Hang answers nothing until the client gives up or Release is called.
	Hang bool
	// Accept, with Hang, counts the message as posted first: Slack has it,
	// the answer is lost.
	Accept bool
	// Wait answers normally, but only once Release is called (or the client
	// gives up).
	Wait bool
	// Arrived, when not nil, is closed when the request this reply answers
	// arrives.
	Arrived chan struct{}
}

// Server is a fake Slack. It is an http.Handler: New serves it on a
// loopback httptest server, NewHandler leaves the serving to the caller.
// Its methods are safe for concurrent use.
type Server struct {
	opts Options
	srv  *httptest.Server
	url  string

	mu       sync.Mutex
	scripts  map[string][]Reply // by channel ID
	seq      map[string]int     // messages posted per channel ID
	messages []*Message         // accepted, in order, as last updated
	byTS     map[string]*Message
	requests []Message
	hooks    map[string]string // webhook path → channel
	downTo   time.Time
	release  chan struct{} // closed by Release, then replaced
	sock     socketState
}

// NewHandler returns a Server that the caller serves; its APIURL and
// WebhookURL are relative ("/api/", "/services/…") until SetURL.
func NewHandler(o Options) *Server {
	if o.Token == "" {
		o.Token = DefaultToken
	}
	return &Server{
		opts: o, scripts: map[string][]Reply{}, seq: map[string]int{}, byTS: map[string]*Message{},
		hooks: map[string]string{}, release: make(chan struct{}), sock: socketState{appToken: o.AppToken},
	}
}

// New returns a Server listening on a loopback httptest server. Close it
// when done.
func New(o Options) *Server {
	s := NewHandler(o)
	s.srv = httptest.NewServer(s)
	s.url = s.srv.URL
	return s
}

// TB is what Start needs of a test (a *testing.T or *testing.B).
type TB interface {
	Helper()
	Cleanup(func())
}

// Start returns a Server from New that is closed when the test tb ends.
func Start(tb TB, o Options) *Server {
	tb.Helper()
	s := New(o)
	tb.Cleanup(s.Close)
	return s
}

// SetURL sets the base URL the caller serves a NewHandler Server at.
func (s *Server) SetURL(base string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.url = strings.TrimSuffix(base, "/")
}

// Close ends every hanging answer and, for a Server from New, stops
// serving.
func (s *Server) Close() {
	s.Release()
	if s.srv != nil {
		s.srv.Close()
	}
}

// URL is the Server's base URL.
func (s *Server) URL() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.url
}

// APIURL is the base URL of the Web API, ending in "/api/", as the
// notifier's api_url.
func (s *Server) APIURL() string { return s.URL() + "/api/" }

// Token is the bot token the Server accepts.
func (s *Server) Token() string { return s.opts.Token }

// WebhookURL returns the URL of a new incoming webhook bound to channel.
// Its path holds a secret-looking token, as Slack's do.
func (s *Server) WebhookURL(channel string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	path := fmt.Sprintf("/services/T0000TEST/B%06d/s3cr3tW3bh00kT0k3n", len(s.hooks)+1)
	s.hooks[path] = channel
	return s.url + path
}

// ChannelID is the ID Slack gives channel: a channel named "#news" is
// "CNEWS"; an ID is itself.
func (s *Server) ChannelID(channel string) string {
	if name, ok := strings.CutPrefix(channel, "#"); ok {
		return "C" + strings.ToUpper(name)
	}
	return channel
}

// Script appends answers for the next requests to channel (by name or
// ID); a request finding no script succeeds.
func (s *Server) Script(channel string, replies ...Reply) {
	s.mu.Lock()
	defer s.mu.Unlock()
	id := s.ChannelID(channel)
	s.scripts[id] = append(s.scripts[id], replies...)
}

// Down makes the Server answer every request with 503 until its clock
// reaches until: an outage.
func (s *Server) Down(until time.Time) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.downTo = until
}

// Release ends every answer held by Hang or Wait so far; later ones are
// held again.
func (s *Server) Release() {
	s.mu.Lock()
	defer s.mu.Unlock()
	close(s.release)
	s.release = make(chan struct{})
}

// Messages returns the messages Slack shows, in the order they were
// posted, each as last updated.
func (s *Server) Messages() []Message {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]Message, len(s.messages))
	for i, m := range s.messages {
		out[i] = *m
	}
	return out
}

// Requests returns every request, in the order they arrived, as sent.
func (s *Server) Requests() []Message {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Message(nil), s.requests...)
}

// RequestCount returns how many requests went to channel (by name or ID).
func (s *Server) RequestCount(channel string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	id := s.ChannelID(channel)
	n := 0
	for _, m := range s.requests {
		if m.ChannelID == id {
			n++
		}
	}
	return n
}

// ServeHTTP answers the Web API under /api/, incoming webhooks under
// /services/, Socket Mode's WebSockets under /socket/ and response URLs
// under /actions/.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method == http.MethodGet && strings.HasPrefix(r.URL.Path, "/socket/") {
		s.serveSocket(w, r)
		return
	}
	if r.Method != http.MethodPost {
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		return
	}
	switch {
	case r.URL.Path == "/api/"+MethodPost, r.URL.Path == "/api/"+MethodUpdate:
		s.serveAPI(w, r, strings.TrimPrefix(r.URL.Path, "/api/"))
	case r.URL.Path == "/api/"+MethodConnectionsOpen:
		s.serveOpen(w, r)
	case r.URL.Path == "/api/"+MethodMembers:
		s.serveMembers(w, r)
	case strings.HasPrefix(r.URL.Path, "/actions/"):
		s.serveResponse(w, r)
	case strings.HasPrefix(r.URL.Path, "/services/"):
		s.serveWebhook(w, r)
	default:
		http.Error(w, "not found", http.StatusNotFound)
	}
}

// serveAPI answers chat.postMessage and chat.update, sent as a form (as
// slack-go sends them) or as JSON with a bearer token.
func (s *Server) serveAPI(w http.ResponseWriter, r *http.Request, method string) {
	m, err := readAPIRequest(r)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	m.Method = method
	rep, release := s.arrive(&m, func(m *Message) string {
		switch {
		case m.Token != s.opts.Token:
			return "invalid_auth"
		case strings.HasPrefix(m.Channel, "#missing"):
			return "channel_not_found"
		case m.Method == MethodUpdate && s.byTS[m.ChannelID+" "+m.TS] == nil:
			return "message_not_found"
		}
		return ""
	})
	if !s.hold(w, r, rep, release) {
		return
	}
	if rep.RetryAfter != "" {
		w.Header().Set("Retry-After", rep.RetryAfter)
	}
	if rep.Status != 0 {
		htmlFailure(w, rep)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	if rep.Error != "" {
		json.NewEncoder(w).Encode(map[string]any{"ok": false, "error": rep.Error})
		return
	}
	json.NewEncoder(w).Encode(map[string]any{"ok": true, "channel": m.ChannelID, "ts": m.TS,
		"message": map[string]any{"text": m.Text, "ts": m.TS}})
}

// readAPIRequest reads a Web API request's fields.
func readAPIRequest(r *http.Request) (Message, error) {
	var m Message
	if strings.HasPrefix(r.Header.Get("Content-Type"), "application/json") {
		var body struct {
			Channel     string          `json:"channel"`
			Text        string          `json:"text"`
			Blocks      json.RawMessage `json:"blocks"`
			ThreadTS    string          `json:"thread_ts"`
			TS          string          `json:"ts"`
			Broadcast   *bool           `json:"reply_broadcast"`
			UnfurlLinks *bool           `json:"unfurl_links"`
			UnfurlMedia *bool           `json:"unfurl_media"`
		}
		if err := json.NewDecoder(r.Body).Decode(&body); err != nil {
			return m, err
		}
		m = Message{Channel: body.Channel, Text: body.Text, Blocks: string(body.Blocks), ThreadTS: body.ThreadTS,
			TS: body.TS, ReplyBroadcast: boolText(body.Broadcast), UnfurlLinks: boolText(body.UnfurlLinks), UnfurlMedia: boolText(body.UnfurlMedia)}
	} else {
		if err := r.ParseForm(); err != nil {
			return m, err
		}
		f := r.PostForm
		m = Message{Channel: f.Get("channel"), Text: f.Get("text"), Blocks: f.Get("blocks"), ThreadTS: f.Get("thread_ts"),
			TS: f.Get("ts"), ReplyBroadcast: f.Get("reply_broadcast"), UnfurlLinks: f.Get("unfurl_links"), UnfurlMedia: f.Get("unfurl_media"), Token: f.Get("token")}
	}
	if m.Token == "" {
		m.Token = strings.TrimPrefix(r.Header.Get("Authorization"), "Bearer ")
	}
	return m, nil
}

func boolText(b *bool) string {
	if b == nil {
		return ""
	}
	if *b {
		return "true"
	}
	return "false"
}

// webhookStatus is the HTTP status Slack answers a webhook error code
// with; other codes get 400.
var webhookStatus = map[string]int{
	"no_service":          http.StatusNotFound,
	"channel_not_found":   http.StatusNotFound,
	"channel_is_archived": http.StatusGone,
	"action_prohibited":   http.StatusForbidden,
	"invalid_token":       http.StatusForbidden,
	"rate_limited":        http.StatusTooManyRequests,
}

// serveWebhook answers an incoming webhook: "ok", or an error code with
// its status.
func (s *Server) serveWebhook(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	channel, ok := s.hooks[r.URL.Path]
	s.mu.Unlock()
	if !ok {
		http.Error(w, "no_service", http.StatusNotFound)
		return
	}
	var body struct {
		Text        string          `json:"text"`
		Blocks      json.RawMessage `json:"blocks"`
		ThreadTS    string          `json:"thread_ts"`
		UnfurlLinks *bool           `json:"unfurl_links"`
		UnfurlMedia *bool           `json:"unfurl_media"`
	}
	if err := json.NewDecoder(io.LimitReader(r.Body, 4<<20)).Decode(&body); err != nil {
		http.Error(w, "invalid_payload", http.StatusBadRequest)
		return
	}
	m := Message{Method: MethodWebhook, Channel: channel, Text: body.Text, Blocks: string(body.Blocks),
		ThreadTS: body.ThreadTS, UnfurlLinks: boolText(body.UnfurlLinks), UnfurlMedia: boolText(body.UnfurlMedia)}
	if m.Blocks == "null" {
		m.Blocks = ""
	}
	rep, release := s.arrive(&m, nil)
	if !s.hold(w, r, rep, release) {
		return
	}
	if rep.RetryAfter != "" {
		w.Header().Set("Retry-After", rep.RetryAfter)
	}
	switch {
	case rep.Error != "":
		status := rep.Status
		if status == 0 {
			status = webhookStatus[rep.Error]
		}
		if status == 0 {
			status = http.StatusBadRequest
		}
		w.WriteHeader(status)
		io.WriteString(w, rep.Error)
	case rep.Status != 0:
		htmlFailure(w, rep)
	default:
		io.WriteString(w, "ok")
	}
}

// arrive records the request m, takes its answer from the outage, check
// or script, and, when Slack accepts it, posts or updates the message.
// check returns a Slack error code for a request Slack refuses whatever
// the script says, or "". It returns the answer and the channel that
// releases held answers.
func (s *Server) arrive(m *Message, check func(*Message) string) (Reply, <-chan struct{}) {
	now := time.Now()
	if s.opts.Clock != nil {
		now = s.opts.Clock()
	}
	s.mu.Lock()
	m.At = now
	m.ChannelID = s.ChannelID(m.Channel)
	var rep Reply
	if script := s.scripts[m.ChannelID]; len(script) > 0 {
		rep, s.scripts[m.ChannelID] = script[0], script[1:]
	}
	if check != nil {
		if code := check(m); code != "" {
			rep = Reply{Error: code}
		}
	}
	if now.Before(s.downTo) {
		rep = Reply{Status: http.StatusServiceUnavailable}
	}
	m.Accepted = rep.Status == 0 && rep.Error == "" && (!rep.Hang || rep.Accept)
	if m.Accepted {
		s.accept(m)
	}
	if !s.opts.Discard {
		s.requests = append(s.requests, *m)
	}
	s.changedLocked()
	release := s.release
	s.mu.Unlock()

	if rep.Arrived != nil {
		close(rep.Arrived)
	}
	if s.opts.Arrived != nil {
		s.opts.Arrived <- *m
	}
	if m.Accepted && s.opts.Observe != nil {
		s.opts.Observe(*m)
	}
	return rep, release
}

// accept puts an accepted message in its channel: a post gets the
// channel's next timestamp, an update changes the text of the message it
// names (and its blocks, when it sends some).
// Called with s.mu held.
func (s *Server) accept(m *Message) {
	if m.Method == MethodUpdate {
		if shown := s.byTS[m.ChannelID+" "+m.TS]; shown != nil {
			shown.Text = m.Text
			if m.Blocks != "" {
				shown.Blocks = m.Blocks
			}
		}
		return
	}
	if m.Method != MethodPost && m.Method != MethodWebhook {
		return // a method that reads
	}
	s.seq[m.ChannelID]++
	n := s.seq[m.ChannelID]
	m.TS = fmt.Sprintf("%d.%06d", 1800000000+n/1000000, n%1000000)
	if s.opts.Discard {
		return
	}
	shown := *m
	s.messages = append(s.messages, &shown)
	s.byTS[m.ChannelID+" "+m.TS] = &shown
}

// hold waits, for a Hang or Wait answer, until release is closed or the
// client gives up, and reports whether to answer now.
func (s *Server) hold(w http.ResponseWriter, r *http.Request, rep Reply, release <-chan struct{}) bool {
	if !rep.Hang && !rep.Wait {
		return true
	}
	select {
	case <-r.Context().Done():
		return false
	case <-release:
	}
	return !rep.Hang
}

// htmlFailure answers rep's status with the kind of HTML page a proxy or
// Slack's edge sends.
func htmlFailure(w http.ResponseWriter, rep Reply) {
	w.Header().Set("Content-Type", "text/html")
	w.WriteHeader(rep.Status)
	io.WriteString(w, "<html><body>Slack is having trouble</body></html>")
}
