// Package admin serves newswatch's admin HTTP endpoints: health now, and the
// status page and metrics as they grow. It only reads what the daemon's
// parts report; it never changes their state.
package admin

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"time"
)

// Check reports whether one part of the daemon is working: nil when it is,
// else an error saying why not.
type Check func() error

// Server is the admin HTTP server.
type Server struct {
	// Addr is the listen address, host:port.
	Addr string
	// Live holds the checks behind GET /healthz, by name: the process
	// answers 200 while every one of them passes.
	Live map[string]Check
	// Log receives the server's errors (nothing when nil).
	Log *slog.Logger
}

// Handler returns the server's routes.
func (s *Server) Handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /healthz", s.healthz)
	return mux
}

// healthStatus is the JSON body of /healthz.
type healthStatus struct {
	Status string            `json:"status"`
	Checks map[string]string `json:"checks,omitempty"`
}

func (s *Server) healthz(w http.ResponseWriter, _ *http.Request) {
	body := healthStatus{Status: "ok", Checks: map[string]string{}}
	code := http.StatusOK
	for name, check := range s.Live {
		if err := check(); err != nil {
			body.Checks[name] = err.Error()
			body.Status = "unavailable"
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
