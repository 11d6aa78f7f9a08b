package config

import (
	"strings"
	"testing"
)

// TestDSNMessagesHideThePassword: whatever is wrong with store.dsn, the
// message about it never quotes the password.
func TestDSNMessagesHideThePassword(t *testing.T) {
	const secret = "hunter2secret"
	for _, dsn := range []string{
		"postgres://nw:" + secret + "@db.example:99999/news",
		"postgres://nw:" + secret + "%zz@db.example/news",
		"postgres://nw:" + secret + "@db.example/news?sslmode=" + secret,
		"postgres://nw:" + secret + "@db.example/news?sslmode=on",
		"host=db port=" + secret + " password=" + secret,
		"host=db password='" + secret,
		"nw:" + secret + "@db.example",
	} {
		doc := "[store]\ndriver = \"postgres\"\ndsn = \"${DSN}\"\n"
		_, ds := parseDoc(t, doc, lookup("DSN", dsn))
		if !ds.HasErrors() {
			t.Errorf("dsn %q: no error", dsn)
		}
		for _, d := range ds {
			if msg := d.String(); strings.Contains(msg, secret) || strings.Contains(msg, "hunter2") {
				t.Errorf("the message shows the password: %s", msg)
			}
		}
	}
}
