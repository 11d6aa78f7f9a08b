// Package admin serves newswatch's admin HTTP endpoints: GET /healthz
// (the process is alive) and GET /readyz (it can do its work) for
// supervisors and load balancers, GET /metrics for Prometheus, and a status
// page at / with a search over stored items, for people. It reads what
// the daemon's parts report and what the database holds, and changes one
// thing only: the status page can undo a mute or a snooze set from Slack
// (a POST, behind the token, refused from other origins). Probe is the
// client side of /healthz, for `newswatch health`.
//
// Everything but /healthz and /readyz can be protected by a token. Every
// response carries a strict Content-Security-Policy: the page has no
// script at all, and feed text on it is escaped by html/template.
package admin

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"sync"
	"time"

	"github.com/newswatch/newswatch/internal/model"
	"github.com/newswatch/newswatch/internal/replica"
	"github.com/newswatch/newswatch/internal/silence"
	"github.com/newswatch/newswatch/internal/store"
	"github.com/newswatch/newswatch/rules"
)

// Check reports whether one part of the daemon is working: nil when it is,
// else an error saying why not. It must answer quickly.
type Check func() error

// Server is the admin HTTP server. Set its fields before calling Handler
// or Serve, and do not change them after.
type Server struct {
	// Addr is the listen address, host:port.
	Addr string
	// Live holds the checks behind GET /healthz, by name: the process
	// answers 200 while every one of them passes.
	Live map[string]Check
	// Ready holds the checks behind GET /readyz, by name: the daemon is
	// ready to do its work (database open, scheduler running, rules
	// loaded) while every one of them passes.
	Ready map[string]Check
	// Token, when set, is required for everything but /healthz and
	// /readyz: as a bearer token (Authorization: Bearer TOKEN) or as the
	// password of HTTP basic authentication, with any user name.
	Token string
	// Metrics serves GET /metrics; nil leaves the route out.
	Metrics http.Handler

	// Store is read by the status page and the search; nil leaves both
	// out.
	Store *store.Store
	// Feeds returns the configured feeds in force, in the configuration's
	// order (they change when the configuration does); nil means none.
	Feeds func() []model.Feed
	// Config returns the state of the configuration file as the daemon
	// reloads it; nil shows nothing.
	Config func() ConfigStatus
	// Silences, when set, lets the status page undo a mute or a snooze
	// (the page lists them from Store).
	Silences *silence.Book
	// Rules returns the rules in force; nil means none.
	Rules func() *rules.Set
	// Cluster returns the replicas sharing the database, their leases and
	// what each polls, for the status page; nil (one process, on SQLite)
	// leaves that section out.
	Cluster func(context.Context) (*replica.View, error)
	// Version is shown on the status page.
	Version string
	// Location is the time zone of times on the page (time.Local).
	Location *time.Location
	// Now tells the time (time.Now).
	Now func() time.Time
	// Log receives the server's errors (nothing when nil).
	Log *slog.Logger

	// searches limits the searches running at once: each reads items
	// from the database for up to searchTimeout.
	searchesOnce sync.Once
	searches     chan struct{}
}

// Handler returns the server's routes, behind the token check where it
// applies and with the security headers on every response.
func (s *Server) Handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /healthz", s.healthz)
	mux.HandleFunc("GET /readyz", s.readyz)
	private := func(pattern string, h http.Handler) { mux.Handle(pattern, s.requireToken(h)) }
	if s.Metrics != nil {
		private("GET /metrics", s.Metrics)
	}
	if s.Store != nil {
		private("GET /{$}", http.HandlerFunc(s.statusPage))
		private("GET /search", http.HandlerFunc(s.search))
		if s.Silences != nil {
			private("POST /silences/{id}/remove", http.NewCrossOriginProtection().Handler(http.HandlerFunc(s.removeSilence)))
		}
	}
	private("GET /static/{file}", http.HandlerFunc(serveStatic))
	return secureHeaders(mux)
}

// healthStatus is the JSON body of /healthz and /readyz.
type healthStatus struct {
	Status string            `json:"status"`
	Checks map[string]string `json:"checks,omitempty"`
}

// healthz answers whether the process is alive: 200 when every Live check
// passes, 503 with the failing checks' reasons otherwise.
func (s *Server) healthz(w http.ResponseWriter, _ *http.Request) {
	writeChecks(w, s.Live, "ok", "unavailable")
}

// readyz answers whether the daemon can do its work: 200 when every Ready
// check passes, 503 with the failing checks' reasons otherwise.
func (s *Server) readyz(w http.ResponseWriter, _ *http.Request) {
	writeChecks(w, s.Ready, "ready", "not_ready")
}

// writeChecks runs checks and writes their results as JSON, with the
// status up when all pass and down otherwise.
func writeChecks(w http.ResponseWriter, checks map[string]Check, up, down string) {
	body := healthStatus{Status: up, Checks: map[string]string{}}
	code := http.StatusOK
	for name, check := range checks {
		if err := check(); err != nil {
			body.Checks[name] = err.Error()
			body.Status = down
			code = http.StatusServiceUnavailable
		} else {
			body.Checks[name] = "ok"
		}
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(code)
	_ = json.NewEncoder(w).Encode(body)
}

// Listen opens the server's listening socket, so that a taken port is an
// error at start rather than in the background.
func (s *Server) Listen() (net.Listener, error) {
	ln, err := net.Listen("tcp", s.Addr)
	if err != nil {
		return nil, fmt.Errorf("admin: %w", err)
	}
	return ln, nil
}

// Serve answers requests on ln until ctx is done, then shuts down,
// letting requests in flight finish for a few seconds.
func (s *Server) Serve(ctx context.Context, ln net.Listener) error {
	srv := &http.Server{
		Handler:           s.Handler(),
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       30 * time.Second,
		WriteTimeout:      30 * time.Second,
		IdleTimeout:       2 * time.Minute,
		MaxHeaderBytes:    64 << 10,
	}
	if s.Log != nil {
		srv.ErrorLog = slog.NewLogLogger(s.Log.Handler(), slog.LevelWarn)
	}
	done := make(chan error, 1)
	go func() { done <- srv.Serve(ln) }()
	select {
	case err := <-done:
		return err
	case <-ctx.Done():
	}
	shutdownCtx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	err := srv.Shutdown(shutdownCtx)
	<-done
	return err
}

func (s *Server) now() time.Time {
	if s.Now != nil {
		return s.Now()
	}
	return time.Now()
}

func (s *Server) location() *time.Location {
	if s.Location != nil {
		return s.Location
	}
	return time.Local
}

func (s *Server) logger() *slog.Logger {
	if s.Log != nil {
		return s.Log
	}
	return slog.New(slog.DiscardHandler)
}

// feeds returns the configured feeds in force.
func (s *Server) feeds() []model.Feed {
	if s.Feeds == nil {
		return nil
	}
	return s.Feeds()
}

// ConfigStatus is what the daemon knows of its configuration file, which
// it reloads when it changes: the status page tells when an edit was
// refused, and what waits for a restart.
type ConfigStatus struct {
	// File is the configuration file.
	File string
	// Errors are the problems of the file as it is now, one per line
	// (FILE:LINE:COL: message), when an edit of it was refused: the
	// daemon runs with the feeds it read before. Empty when the file in
	// force is the one on disk.
	Errors []string
	// RefusedAt is when the edit was refused.
	RefusedAt time.Time
	// Restart names the sections of the file changed since the daemon
	// started that take effect only when it restarts ("[daemon]",
	// "[[notifier]]", …).
	Restart []string
}
