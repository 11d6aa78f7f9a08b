package admin

import (
	"crypto/sha256"
	"crypto/subtle"
	"net/http"
	"strings"
)

// contentSecurityPolicy allows the page nothing but its own stylesheet and
// icon: no script at all, no framing, forms only to itself. The sparklines
// are inline SVG markup, which needs no permission.
const contentSecurityPolicy = "default-src 'none'; style-src 'self'; img-src 'self'; " +
	"form-action 'self'; base-uri 'none'; frame-ancestors 'none'"

// secureHeaders sets the headers every admin response carries.
func secureHeaders(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("Content-Security-Policy", contentSecurityPolicy)
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("X-Frame-Options", "DENY")
		// Links on the page lead to outlets: they need not learn where
		// the admin server is.
		h.Set("Referrer-Policy", "no-referrer")
		h.Set("Cross-Origin-Opener-Policy", "same-origin")
		h.Set("Cross-Origin-Resource-Policy", "same-origin")
		next.ServeHTTP(w, r)
	})
}

// requireToken lets a request through to next only when it carries the
// server's token, if it has one: as a bearer token, or as the password of
// basic authentication (so that a browser can ask for it). Tokens are
// compared through their SHA-256 digests in constant time, so that neither
// their content nor their length leaks through timing.
func (s *Server) requireToken(next http.Handler) http.Handler {
	if s.Token == "" {
		return next
	}
	want := sha256.Sum256([]byte(s.Token))
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		given, ok := credential(r)
		got := sha256.Sum256([]byte(given))
		if !ok || subtle.ConstantTimeCompare(got[:], want[:]) != 1 {
			w.Header().Add("WWW-Authenticate", `Basic realm="newswatch admin", charset="UTF-8"`)
			w.Header().Add("WWW-Authenticate", `Bearer realm="newswatch admin"`)
			w.Header().Set("Cache-Control", "no-store")
			http.Error(w, "401 Unauthorized: this newswatch admin server needs its admin_token, as a bearer token or as the password of basic authentication", http.StatusUnauthorized)
			return
		}
		next.ServeHTTP(w, r)
	})
}

// credential returns the secret a request presents: the token of an
// "Authorization: Bearer" header (RFC 6750; the scheme is
// case-insensitive, RFC 9110 section 11.1) or the password of basic
// authentication (RFC 7617).
func credential(r *http.Request) (string, bool) {
	h := r.Header.Get("Authorization")
	if scheme, token, ok := strings.Cut(h, " "); ok && strings.EqualFold(scheme, "Bearer") {
		return strings.TrimSpace(token), true
	}
	if _, password, ok := r.BasicAuth(); ok {
		return password, true
	}
	return "", false
}
