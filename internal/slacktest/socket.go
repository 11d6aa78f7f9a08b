package slacktest

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/gorilla/websocket"
)

// Socket Mode (https://docs.slack.dev/apis/events-api/using-socket-mode):
// an app opens a connection with apps.connections.open and its app-level
// token, gets a WebSocket URL, and receives there a "hello", then envelopes
// (block actions, slash commands), each of which it acknowledges with the
// envelope's ID. The Server plays Slack's side on loopback: Click and Slash
// send what a person's click or command would, as Slack builds it, and wait
// for the app's acknowledgement; DropSocket cuts the connection as a
// network failure would. Replies to a payload's response_url are recorded
// (Responses), and conversations.members answers from SetMembers.

// DefaultAppToken is the app-level token a Server accepts when
// Options.AppToken is "".
const DefaultAppToken = "xapp-test-token"

// The method names of the Socket Mode side.
const (
	MethodConnectionsOpen = "apps.connections.open"
	MethodMembers         = "conversations.members"
)

// TeamID is the workspace of the Server's payloads.
const TeamID = "T0000TEST"

// defaultPingEvery is how often the Server pings a live WebSocket, as
// Slack does, when Options.PingEvery is zero.
const defaultPingEvery = 10 * time.Second

// Ack is an app's acknowledgement of an envelope: its payload, JSON, when
// it sent one ("" otherwise).
type Ack struct {
	EnvelopeID string
	Payload    string
}

// Response is a message an app posted to a payload's response_url.
type Response struct {
	// URL is the response_url it was posted to.
	URL             string
	ResponseType    string // "ephemeral" or "in_channel"
	Text            string
	Blocks          string // JSON, "" when none
	ReplaceOriginal bool
	At              time.Time
}

// socketState is the Server's Socket Mode side. Its fields are guarded by
// Server.mu.
type socketState struct {
	appToken  string
	openFails int // apps.connections.open answers 503 this many more times
	opens     int // apps.connections.open answered with a URL
	hellos    int // connections that got their hello
	live      *socketConn
	changed   chan struct{} // closed at the next change; nil when nobody waits
	envelopes int
	members   map[string][]string // by channel ID
	responses []Response
	respSeq   int
}

// socketConn is one WebSocket connection of an app.
type socketConn struct {
	ws      *websocket.Conn
	writeMu sync.Mutex
	done    chan struct{}
	acksMu  sync.Mutex
	acks    map[string]chan Ack
}

var upgrader = websocket.Upgrader{CheckOrigin: func(*http.Request) bool { return true }}

// changedLocked signals a change (a connection, a request, a response)
// to whoever waits for one. Called with s.mu held.
func (s *Server) changedLocked() {
	if s.sock.changed != nil {
		close(s.sock.changed)
		s.sock.changed = nil
	}
}

// changes returns the channel that the next change closes. Called with
// s.mu held.
func (s *Server) changes() <-chan struct{} {
	if s.sock.changed == nil {
		s.sock.changed = make(chan struct{})
	}
	return s.sock.changed
}

// SetAppToken changes the app-level token the Server accepts (an app
// whose token was revoked, then fixed).
func (s *Server) SetAppToken(token string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.sock.appToken = token
}

// FailOpens makes the next n calls of apps.connections.open fail with an
// HTTP 503, as Slack's edge does in an incident.
func (s *Server) FailOpens(n int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.sock.openFails = n
}

// SetMembers sets the members of channel (a name or an ID), as
// conversations.members lists them.
func (s *Server) SetMembers(channel string, users ...string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.sock.members == nil {
		s.sock.members = map[string][]string{}
	}
	s.sock.members[s.ChannelID(channel)] = append([]string(nil), users...)
}

// SocketOpens returns how many times an app opened a Socket Mode
// connection (apps.connections.open answered with a URL), and how many
// connections got their hello.
func (s *Server) SocketOpens() (opens, hellos int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.sock.opens, s.sock.hellos
}

// WaitSocket waits until the app has a live connection that got the
// hello number n or a later one (1 for the first connection), or ctx is
// done.
func (s *Server) WaitSocket(ctx context.Context, n int) error {
	for {
		s.mu.Lock()
		ok := s.sock.live != nil && s.sock.hellos >= n
		changed := s.changes()
		hellos := s.sock.hellos
		s.mu.Unlock()
		if ok {
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("slacktest: no live Socket Mode connection after hello %d (%d so far): %w", n, hellos, ctx.Err())
		case <-changed:
		}
	}
}

// DropSocket cuts the live Socket Mode connection without a close
// handshake, as a network failure does. It reports whether there was one.
func (s *Server) DropSocket() bool {
	s.mu.Lock()
	c := s.sock.live
	s.sock.live = nil
	s.changedLocked()
	s.mu.Unlock()
	if c == nil {
		return false
	}
	c.ws.NetConn().Close()
	return true
}

// Responses returns what apps posted to response URLs, in order.
func (s *Server) Responses() []Response {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Response(nil), s.sock.responses...)
}

// WaitResponses waits until apps posted at least n messages to response
// URLs, and returns them all.
func (s *Server) WaitResponses(ctx context.Context, n int) ([]Response, error) {
	for {
		s.mu.Lock()
		got := append([]Response(nil), s.sock.responses...)
		changed := s.changes()
		s.mu.Unlock()
		if len(got) >= n {
			return got, nil
		}
		select {
		case <-ctx.Done():
			return got, fmt.Errorf("slacktest: %d responses, want %d: %w", len(got), n, ctx.Err())
		case <-changed:
		}
	}
}

// WaitRequests waits until the Server got at least n requests of method
// (MethodUpdate, MethodPost…), and returns them.
func (s *Server) WaitRequests(ctx context.Context, method string, n int) ([]Message, error) {
	for {
		s.mu.Lock()
		var got []Message
		for _, m := range s.requests {
			if m.Method == method {
				got = append(got, m)
			}
		}
		changed := s.changes()
		s.mu.Unlock()
		if len(got) >= n {
			return got, nil
		}
		select {
		case <-ctx.Done():
			return got, fmt.Errorf("slacktest: %d %s requests, want %d: %w", len(got), method, n, ctx.Err())
		case <-changed:
		}
	}
}

// serveOpen answers apps.connections.open.
func (s *Server) serveOpen(w http.ResponseWriter, r *http.Request) {
	token := strings.TrimPrefix(r.Header.Get("Authorization"), "Bearer ")
	s.mu.Lock()
	want := s.sock.appToken
	if want == "" {
		want = DefaultAppToken
	}
	fail := s.sock.openFails > 0
	if fail {
		s.sock.openFails--
	}
	ok := !fail && token == want
	if ok {
		s.sock.opens++
	}
	n := s.sock.opens
	base := s.url
	if !s.opts.Discard {
		s.requests = append(s.requests, Message{Method: MethodConnectionsOpen, Token: token, Accepted: ok, At: s.clock()})
	}
	s.changedLocked()
	s.mu.Unlock()
	if fail {
		htmlFailure(w, Reply{Status: http.StatusServiceUnavailable})
		return
	}
	w.Header().Set("Content-Type", "application/json")
	if !ok {
		json.NewEncoder(w).Encode(map[string]any{"ok": false, "error": "invalid_auth"})
		return
	}
	wsURL := "ws" + strings.TrimPrefix(base, "http") + "/socket/" + strconv.Itoa(n)
	json.NewEncoder(w).Encode(map[string]any{"ok": true, "url": wsURL})
}

// serveSocket upgrades a connection the app opened, says hello, pings it
// and reads its acknowledgements until it ends.
func (s *Server) serveSocket(w http.ResponseWriter, r *http.Request) {
	ws, err := upgrader.Upgrade(w, r, nil)
	if err != nil {
		return // the upgrader answered
	}
	c := &socketConn{ws: ws, done: make(chan struct{}), acks: map[string]chan Ack{}}
	defer close(c.done)
	defer ws.Close()

	s.mu.Lock()
	if old := s.sock.live; old != nil {
		old.ws.NetConn().Close() // one connection at a time
	}
	s.sock.live = c
	s.sock.hellos++
	n := s.sock.hellos
	s.mu.Unlock()
	hello := map[string]any{"type": "hello", "num_connections": 1,
		"debug_info":      map[string]any{"host": "slacktest", "approximate_connection_time": 18060},
		"connection_info": map[string]any{"app_id": "ATEST"}}
	if err := c.write(hello); err != nil {
		return
	}
	ws.WriteControl(websocket.PingMessage, []byte("hello"), time.Now().Add(time.Second))
	s.mu.Lock()
	if s.sock.live == c {
		s.changedLocked() // connected once the hello is out
	}
	s.mu.Unlock()
	go s.ping(c, n)

	for {
		var ack struct {
			EnvelopeID string          `json:"envelope_id"`
			Payload    json.RawMessage `json:"payload"`
		}
		if err := ws.ReadJSON(&ack); err != nil {
			break
		}
		c.acksMu.Lock()
		ch := c.acks[ack.EnvelopeID]
		delete(c.acks, ack.EnvelopeID)
		c.acksMu.Unlock()
		if ch != nil {
			ch <- Ack{EnvelopeID: ack.EnvelopeID, Payload: string(ack.Payload)}
		}
	}
	s.mu.Lock()
	if s.sock.live == c {
		s.sock.live = nil
		s.changedLocked()
	}
	s.mu.Unlock()
}

// ping pings c as Slack does until it ends.
func (s *Server) ping(c *socketConn, n int) {
	every := s.opts.PingEvery
	if every <= 0 {
		every = defaultPingEvery
	}
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-c.done:
			return
		case <-t.C:
			if c.ws.WriteControl(websocket.PingMessage, []byte(strconv.Itoa(n)), time.Now().Add(time.Second)) != nil {
				return
			}
		}
	}
}

// write sends v as one JSON text message.
func (c *socketConn) write(v any) error {
	c.writeMu.Lock()
	defer c.writeMu.Unlock()
	c.ws.SetWriteDeadline(time.Now().Add(5 * time.Second))
	return c.ws.WriteJSON(v)
}

// ErrNoSocket is returned when there is no live Socket Mode connection to
// send an envelope over.
var ErrNoSocket = errors.New("slacktest: no live Socket Mode connection")

// Send sends an envelope of type typ ("interactive", "slash_commands",
// "events_api") with payload over the live connection, and waits for the
// app to acknowledge it or ctx to be done.
func (s *Server) Send(ctx context.Context, typ string, payload any) (Ack, error) {
	s.mu.Lock()
	c := s.sock.live
	s.sock.envelopes++
	id := fmt.Sprintf("env-%06d", s.sock.envelopes)
	s.mu.Unlock()
	if c == nil {
		return Ack{}, ErrNoSocket
	}
	ch := make(chan Ack, 1)
	c.acksMu.Lock()
	c.acks[id] = ch
	c.acksMu.Unlock()
	env := map[string]any{"envelope_id": id, "type": typ, "payload": payload,
		"accepts_response_payload": typ != "events_api", "retry_attempt": 0, "retry_reason": ""}
	if err := c.write(env); err != nil {
		return Ack{}, fmt.Errorf("slacktest: send envelope: %w", err)
	}
	select {
	case ack := <-ch:
		return ack, nil
	case <-c.done:
		return Ack{}, fmt.Errorf("slacktest: envelope %s: the connection ended before its acknowledgement", id)
	case <-ctx.Done():
		return Ack{}, fmt.Errorf("slacktest: envelope %s not acknowledged: %w", id, ctx.Err())
	}
}

// Click is a person's click on a button (or choice in an overflow menu)
// of a message the Server shows.
type Click struct {
	// Channel and TS name the message (Channel by name or ID).
	Channel, TS string
	// User is who clicks: a user ID, and their name.
	User, UserName string
	// ActionID names the button or menu; Option, for a menu, the value of
	// the option chosen.
	ActionID, Option string
}

// Click sends the block_actions payload of c, as Slack builds it from the
// message clicked (its blocks as last updated, the button's own value),
// and waits for the app's acknowledgement. The button must be in the
// message.
func (s *Server) Click(ctx context.Context, c Click) (Ack, error) {
	payload, err := s.clickPayload(c)
	if err != nil {
		return Ack{}, err
	}
	return s.Send(ctx, "interactive", payload)
}

// ClickPayload returns the block_actions payload of c as Click would send
// it now, for a test to Send it, again and again as Slack does when it
// delivers an event again, or after the message changed (a person whose
// Slack still showed the message as it was).
func (s *Server) ClickPayload(c Click) (map[string]any, error) {
	return s.clickPayload(c)
}

// clickPayload builds the payload of a click.
func (s *Server) clickPayload(c Click) (map[string]any, error) {
	s.mu.Lock()
	id := s.ChannelID(c.Channel)
	shown := s.byTS[id+" "+c.TS]
	var msg Message
	if shown != nil {
		msg = *shown
	}
	s.mu.Unlock()
	if shown == nil {
		return nil, fmt.Errorf("slacktest: no message %s in %s", c.TS, c.Channel)
	}
	var blocks []map[string]any
	if err := json.Unmarshal([]byte(msg.Blocks), &blocks); err != nil {
		return nil, fmt.Errorf("slacktest: message %s: blocks: %w", c.TS, err)
	}
	action, err := findAction(blocks, c)
	if err != nil {
		return nil, err
	}
	now := s.clock()
	actionTS := fmt.Sprintf("%d.%06d", now.Unix(), now.Nanosecond()/1000)
	action["action_ts"] = actionTS
	name := strings.TrimPrefix(c.Channel, "#")
	return map[string]any{
		"type":         "block_actions",
		"user":         map[string]any{"id": c.User, "username": c.UserName, "name": c.UserName, "team_id": TeamID},
		"api_app_id":   "ATEST",
		"token":        "verification-token",
		"container":    map[string]any{"type": "message", "message_ts": c.TS, "channel_id": id, "is_ephemeral": false},
		"trigger_id":   "trigger." + actionTS,
		"team":         map[string]any{"id": TeamID, "domain": "slacktest"},
		"channel":      map[string]any{"id": id, "name": name},
		"message":      map[string]any{"type": "message", "user": "UBOT", "ts": c.TS, "text": msg.Text, "blocks": blocks},
		"response_url": s.newResponseURL(),
		"actions":      []any{action},
	}, nil
}

// findAction returns the block action of the button or menu option c
// clicks in blocks, as Slack reports it, or an error when the message has
// no such element.
func findAction(blocks []map[string]any, c Click) (map[string]any, error) {
	for _, b := range blocks {
		if b["type"] != "actions" {
			continue
		}
		elements, _ := b["elements"].([]any)
		for _, e := range elements {
			el, _ := e.(map[string]any)
			if el["action_id"] != c.ActionID {
				continue
			}
			action := map[string]any{"action_id": c.ActionID, "block_id": b["block_id"], "type": el["type"]}
			switch el["type"] {
			case "button":
				action["text"], action["value"] = el["text"], el["value"]
				return action, nil
			case "overflow", "static_select":
				options, _ := el["options"].([]any)
				for _, o := range options {
					opt, _ := o.(map[string]any)
					if opt["value"] == c.Option {
						action["selected_option"] = opt
						return action, nil
					}
				}
				return nil, fmt.Errorf("slacktest: menu %s has no option %q", c.ActionID, c.Option)
			}
		}
	}
	return nil, fmt.Errorf("slacktest: the message has no element %q to click", c.ActionID)
}

// Slash is a person's slash command.
type Slash struct {
	// Channel is where it was typed (a name or an ID).
	Channel string
	// User is who typed it: a user ID, and their name.
	User, UserName string
	// Command is the command ("/newswatch"), Text what followed it.
	Command, Text string
}

// Slash sends the slash_commands payload of c and waits for the app's
// acknowledgement.
func (s *Server) Slash(ctx context.Context, c Slash) (Ack, error) {
	now := s.clock()
	payload := map[string]any{
		"token": "verification-token", "team_id": TeamID, "team_domain": "slacktest",
		"channel_id": s.ChannelID(c.Channel), "channel_name": strings.TrimPrefix(c.Channel, "#"),
		"user_id": c.User, "user_name": c.UserName, "command": c.Command, "text": c.Text,
		"api_app_id": "ATEST", "response_url": s.newResponseURL(),
		"trigger_id": fmt.Sprintf("trigger.%d", now.UnixNano()),
	}
	return s.Send(ctx, "slash_commands", payload)
}

// newResponseURL returns a new response_url, as Slack gives one with each
// payload.
func (s *Server) newResponseURL() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.sock.respSeq++
	return fmt.Sprintf("%s/actions/%s/%d/r3sp0ns3T0k3n", s.url, TeamID, s.sock.respSeq)
}

// serveResponse records a message posted to a response_url.
func (s *Server) serveResponse(w http.ResponseWriter, r *http.Request) {
	var body struct {
		ResponseType    string          `json:"response_type"`
		Text            string          `json:"text"`
		Blocks          json.RawMessage `json:"blocks"`
		ReplaceOriginal bool            `json:"replace_original"`
	}
	if err := json.NewDecoder(io.LimitReader(r.Body, 1<<20)).Decode(&body); err != nil {
		http.Error(w, "invalid_payload", http.StatusBadRequest)
		return
	}
	blocks := string(body.Blocks)
	if blocks == "null" {
		blocks = ""
	}
	s.mu.Lock()
	s.sock.responses = append(s.sock.responses, Response{URL: s.url + r.URL.Path, ResponseType: body.ResponseType,
		Text: body.Text, Blocks: blocks, ReplaceOriginal: body.ReplaceOriginal, At: s.clock()})
	s.changedLocked()
	s.mu.Unlock()
	io.WriteString(w, "ok")
}

// serveMembers answers conversations.members from SetMembers, a page of
// limit (default 100) members at a time.
func (s *Server) serveMembers(w http.ResponseWriter, r *http.Request) {
	m, err := readAPIRequest(r)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	m.Method = MethodMembers
	rep, release := s.arrive(&m, func(m *Message) string {
		if m.Token != s.opts.Token {
			return "invalid_auth"
		}
		if _, ok := s.sock.members[m.ChannelID]; !ok {
			return "channel_not_found"
		}
		return ""
	})
	if !s.hold(w, r, rep, release) {
		return
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
	limit, _ := strconv.Atoi(r.PostForm.Get("limit"))
	if limit <= 0 {
		limit = 100
	}
	start, _ := strconv.Atoi(r.PostForm.Get("cursor"))
	s.mu.Lock()
	all := s.sock.members[m.ChannelID]
	s.mu.Unlock()
	start = min(max(start, 0), len(all))
	end := min(start+limit, len(all))
	next := ""
	if end < len(all) {
		next = strconv.Itoa(end)
	}
	json.NewEncoder(w).Encode(map[string]any{"ok": true, "members": all[start:end],
		"response_metadata": map[string]any{"next_cursor": next}})
}

// clock is the Server's time.
func (s *Server) clock() time.Time {
	if s.opts.Clock != nil {
		return s.opts.Clock()
	}
	return time.Now()
}
