package admin

import (
	"context"
	"errors"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
)

func TestHealthURL(t *testing.T) {
	tests := map[string]string{
		"127.0.0.1:8080": "http://127.0.0.1:8080/healthz",
		"0.0.0.0:9000":   "http://127.0.0.1:9000/healthz",
		":8080":          "http://127.0.0.1:8080/healthz",
		"[::]:8080":      "http://[::1]:8080/healthz",
		"admin.lan:80":   "http://admin.lan:80/healthz",
	}
	for addr, want := range tests {
		if got, err := HealthURL(addr); err != nil || got != want {
			t.Errorf("HealthURL(%q) = %q, %v; want %q", addr, got, err, want)
		}
	}
	if _, err := HealthURL("no-port"); err == nil {
		t.Error("an address without a port was accepted")
	}
}

func TestProbe(t *testing.T) {
	var broken atomic.Bool
	s := &Server{Live: map[string]Check{"scheduler": func() error {
		if broken.Load() {
			return errors.New("scheduler is not running")
		}
		return nil
	}}}
	srv := httptest.NewServer(s.Handler())
	defer srv.Close()
	url, err := HealthURL(strings.TrimPrefix(srv.URL, "http://"))
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		broken  bool
		healthy bool
		status  string
	}{
		{false, true, "200 OK"},
		{true, false, "503 Service Unavailable"},
	} {
		broken.Store(tc.broken)
		a, err := Probe(context.Background(), url)
		if err != nil {
			t.Fatal(err)
		}
		if a.Healthy != tc.healthy || a.Status != tc.status || !strings.Contains(string(a.Body), `"scheduler"`) {
			t.Errorf("broken %v: %+v (%s)", tc.broken, a, a.Body)
		}
	}
	srv.Close()
	if _, err := Probe(context.Background(), url); err == nil {
		t.Error("nobody listening, and no error")
	}
}
