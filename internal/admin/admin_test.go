package admin

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"testing"
)

func TestHealthz(t *testing.T) {
	var schedulerErr error
	s := &Server{Live: map[string]Check{
		"scheduler":  func() error { return schedulerErr },
		"dispatcher": func() error { return nil },
	}}
	srv := httptest.NewServer(s.Handler())
	defer srv.Close()

	get := func() (int, healthStatus) {
		t.Helper()
		resp, err := http.Get(srv.URL + "/healthz")
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var body healthStatus
		if err := json.NewDecoder(resp.Body).Decode(&body); err != nil {
			t.Fatal(err)
		}
		return resp.StatusCode, body
	}

	if code, body := get(); code != http.StatusOK || body.Status != "ok" || body.Checks["scheduler"] != "ok" {
		t.Errorf("healthy: %d %+v", code, body)
	}
	schedulerErr = errors.New("scheduler stopped")
	if code, body := get(); code != http.StatusServiceUnavailable || body.Checks["scheduler"] != "scheduler stopped" || body.Checks["dispatcher"] != "ok" {
		t.Errorf("scheduler down: %d %+v", code, body)
	}

	resp, err := http.Post(srv.URL+"/healthz", "text/plain", nil)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusMethodNotAllowed {
		t.Errorf("POST /healthz: %d", resp.StatusCode)
	}
}

func TestServeStopsWithContext(t *testing.T) {
	s := &Server{Addr: "127.0.0.1:0"}
	ln, err := s.Listen()
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- s.Serve(ctx, ln) }()
	resp, err := http.Get("http://" + ln.Addr().String() + "/healthz")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Errorf("no checks: %d, want 200", resp.StatusCode)
	}
	cancel()
	if err := <-done; err != nil {
		t.Errorf("Serve after cancel: %v", err)
	}
	if _, err := http.Get("http://" + ln.Addr().String() + "/healthz"); err == nil {
		t.Error("server still answers after its context ended")
	}
}

func TestListenTaken(t *testing.T) {
	s := &Server{Addr: "127.0.0.1:0"}
	ln, err := s.Listen()
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	if _, err := (&Server{Addr: ln.Addr().String()}).Listen(); err == nil {
		t.Error("listening on a taken port succeeded")
	}
}
