package admin

import (
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

func TestTokenProtectsAllButHealth(t *testing.T) {
	fx := newFixture(t)
	s := fx.server()
	s.Token = "s3cret-token-of-the-admin-server"
	s.Metrics = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.Write([]byte("newswatch_up 1\n")) })
	srv := httptest.NewServer(s.Handler())
	defer srv.Close()

	do := func(path string, auth func(*http.Request)) *http.Response {
		t.Helper()
		req, err := http.NewRequest(http.MethodGet, srv.URL+path, nil)
		if err != nil {
			t.Fatal(err)
		}
		if auth != nil {
			auth(req)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp
	}
	bearer := func(tok string) func(*http.Request) {
		return func(r *http.Request) { r.Header.Set("Authorization", "Bearer "+tok) }
	}
	basic := func(user, pw string) func(*http.Request) {
		return func(r *http.Request) { r.SetBasicAuth(user, pw) }
	}

	for _, path := range []string{"/healthz", "/readyz"} {
		if resp := do(path, nil); resp.StatusCode != http.StatusOK {
			t.Errorf("GET %s without a token: %d, want 200 (health checks stay open)", path, resp.StatusCode)
		}
	}
	for _, path := range []string{"/", "/metrics", "/search?q=syria", "/static/style.css"} {
		resp := do(path, nil)
		if resp.StatusCode != http.StatusUnauthorized {
			t.Errorf("GET %s without a token: %d, want 401", path, resp.StatusCode)
		}
		if got := resp.Header.Values("WWW-Authenticate"); len(got) != 2 || !strings.HasPrefix(got[0], "Basic ") {
			t.Errorf("GET %s: WWW-Authenticate %q, want a Basic and a Bearer challenge", path, got)
		}
		for name, auth := range map[string]func(*http.Request){
			"wrong bearer":        bearer("s3cret-token-of-the-admin-serveR"),
			"prefix of the token": bearer("s3cret"),
			"token as user name":  basic("s3cret-token-of-the-admin-server", ""),
			"empty bearer":        bearer(""),
		} {
			if resp := do(path, auth); resp.StatusCode != http.StatusUnauthorized {
				t.Errorf("GET %s with %s: %d, want 401", path, name, resp.StatusCode)
			}
		}
		for name, auth := range map[string]func(*http.Request){
			"bearer":               bearer("s3cret-token-of-the-admin-server"),
			"lowercase bearer":     func(r *http.Request) { r.Header.Set("Authorization", "bearer s3cret-token-of-the-admin-server") },
			"basic, any user name": basic("ops", "s3cret-token-of-the-admin-server"),
		} {
			if resp := do(path, auth); resp.StatusCode != http.StatusOK {
				t.Errorf("GET %s with %s: %d, want 200", path, name, resp.StatusCode)
			}
		}
	}
}

func TestSecurityHeaders(t *testing.T) {
	fx := newFixture(t)
	s := fx.server()
	s.Token = "another-long-enough-token"
	h := s.Handler()
	for _, path := range []string{"/", "/healthz", "/search?q=x", "/static/style.css"} {
		_, header, _ := get(t, h, path) // 401 for the protected ones: headers all the same
		csp := header.Get("Content-Security-Policy")
		for _, want := range []string{"default-src 'none'", "style-src 'self'", "frame-ancestors 'none'", "form-action 'self'"} {
			if !strings.Contains(csp, want) {
				t.Errorf("GET %s: Content-Security-Policy %q lacks %s", path, csp, want)
			}
		}
		if strings.Contains(csp, "unsafe-inline") || strings.Contains(csp, "script-src") {
			t.Errorf("GET %s: Content-Security-Policy %q allows script or inline style", path, csp)
		}
		if header.Get("X-Content-Type-Options") != "nosniff" || header.Get("X-Frame-Options") != "DENY" || header.Get("Referrer-Policy") != "no-referrer" {
			t.Errorf("GET %s: headers %v", path, header)
		}
	}
	s.Token = ""
	if code, header, body := get(t, s.Handler(), "/static/style.css"); code != 200 || header.Get("Content-Type") != "text/css; charset=utf-8" || !strings.Contains(body, "svg.spark rect") {
		t.Errorf("stylesheet: %d %q", code, header.Get("Content-Type"))
	}
	if code, _, _ := get(t, s.Handler(), "/static/missing.js"); code != http.StatusNotFound {
		t.Errorf("unknown static file: %d, want 404", code)
	}
}

func TestReadyz(t *testing.T) {
	var dbErr, schedErr error
	s := &Server{Ready: map[string]Check{
		"database":  func() error { return dbErr },
		"scheduler": func() error { return schedErr },
		"rules":     func() error { return nil },
	}}
	h := s.Handler()
	ready := func() (int, healthStatus) {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/readyz", nil))
		var body healthStatus
		if err := json.NewDecoder(rec.Body).Decode(&body); err != nil {
			t.Fatal(err)
		}
		if ct := rec.Header().Get("Content-Type"); ct != "application/json" {
			t.Errorf("Content-Type %q", ct)
		}
		return rec.Code, body
	}
	if code, body := ready(); code != http.StatusOK || body.Status != "ready" || len(body.Checks) != 3 {
		t.Errorf("all ready: %d %+v", code, body)
	}
	schedErr = errors.New("scheduler is not running")
	if code, body := ready(); code != http.StatusServiceUnavailable || body.Status != "not_ready" ||
		body.Checks["scheduler"] != "scheduler is not running" || body.Checks["database"] != "ok" {
		t.Errorf("scheduler down: %d %+v", code, body)
	}
	dbErr = errors.New("store: ping: sql: database is closed")
	if code, body := ready(); code != http.StatusServiceUnavailable || body.Checks["database"] != dbErr.Error() {
		t.Errorf("database closed: %d %+v", code, body)
	}
	// Liveness does not depend on readiness.
	if code, _, _ := get(t, h, "/healthz"); code != http.StatusOK {
		t.Errorf("healthz while not ready: %d, want 200", code)
	}
}
