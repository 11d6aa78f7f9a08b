package config

import (
	"errors"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"
)

// writeConfig writes doc to name in a new directory and returns its path.
func writeConfig(t *testing.T, name, doc string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), name)
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(doc), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestDefaults(t *testing.T) {
	cfg, ds := parseDoc(t, "", nil)
	if ds.HasErrors() {
		t.Fatal(ds)
	}
	want := Config{
		Daemon: Daemon{DataDir: "/srv/newswatch/data", Schedule: "@every 5m", Backfill: 24 * time.Hour, AdminAddr: "127.0.0.1:8080",
			MemoryLimit: 200 << 20},
		Log: Log{Level: slog.LevelInfo, Format: "text"},
		Fetch: Fetch{Timeout: 30 * time.Second, ConnectTimeout: 10 * time.Second, MaxBodyBytes: 10 << 20,
			Concurrency: 16, PerHost: 2, BackoffMax: 6 * time.Hour, Jitter: 10 * time.Second,
			Article: "never", ArticleMaxBodyBytes: 5 << 20},
		Rules:     Rules{Dir: "/srv/newswatch/rules.d"},
		Notifiers: []Notifier{{Name: "console", Type: "console", StoryUpdates: StoryUpdatesDigest}},
		Notify:    Notify{Default: []string{"console"}, MaxAge: 24 * time.Hour, FoldThreshold: 10, RetryMax: 10 * time.Minute},
		Health:    Health{FeedAlertAfter: 6 * time.Hour, Notify: []string{"console"}},
		Store:     StoreConfig{Retention: 30 * 24 * time.Hour, Driver: DriverSQLite, Lease: 30 * time.Second},
		Stories:   Stories{Window: 48 * time.Hour, Threshold: 0.30, ReplyDelay: 10 * time.Minute, MaxItems: 100000},
	}
	got := *cfg
	got.Doc = nil
	if !reflect.DeepEqual(got, want) {
		t.Errorf("defaults:\n got %+v\nwant %+v", got, want)
	}
	checkDiagnostics(t, ds, []string{"1:1: no [[feed]] is configured"})
}

func TestLoad(t *testing.T) {
	path := writeConfig(t, "etc/newswatch.toml", `
[daemon]
data_dir = "state"

[rules]
dir = "rules"

[[feed]]
name = "demo"
url = "file:feeds/demo.xml"
`)
	// Relative paths follow the file, not the working directory.
	t.Chdir(t.TempDir())
	cfg, err := Load(path)
	if err != nil {
		t.Fatal(err)
	}
	dir := filepath.Dir(path)
	if cfg.File != path || cfg.Daemon.DataDir != filepath.Join(dir, "state") || cfg.Rules.Dir != filepath.Join(dir, "rules") {
		t.Errorf("File %q, DataDir %q, Rules.Dir %q; want them in %q", cfg.File, cfg.Daemon.DataDir, cfg.Rules.Dir, dir)
	}
	if want := "file://" + filepath.ToSlash(filepath.Join(dir, "feeds/demo.xml")); cfg.Feeds[0].URL != want {
		t.Errorf("feed URL %q, want %q", cfg.Feeds[0].URL, want)
	}
	if cfg.Doc == nil || cfg.Doc.Pos("feed", 0, "url").Line != 10 {
		t.Error("Config.Doc does not locate the file's values")
	}
}

func TestLoadRelativePath(t *testing.T) {
	path := writeConfig(t, "c.toml", "[daemon]\nbackfill = \"x\"\n")
	t.Chdir(filepath.Dir(path))
	_, err := Load("c.toml")
	var ds Diagnostics
	if !errors.As(err, &ds) || len(ds) == 0 {
		t.Fatalf("error %v (%T) is not Diagnostics", err, err)
	}
	// Messages name the file as the user did.
	if got := ds.Errors()[0].Pos.String(); got != "c.toml:2:12" {
		t.Errorf("position %s, want c.toml:2:12", got)
	}
}

func TestLoadMissingFile(t *testing.T) {
	_, err := Load(filepath.Join(t.TempDir(), "nope.toml"))
	if !errors.Is(err, fs.ErrNotExist) || !strings.HasPrefix(err.Error(), "config: ") {
		t.Errorf("error %v, want a config: error wrapping fs.ErrNotExist", err)
	}
}

func TestLoadEnv(t *testing.T) {
	path := writeConfig(t, "c.toml", "[[notifier]]\nname = \"s\"\ntype = \"slack\"\ntoken = \"${NW_TEST_TOKEN}\"\nchannel = \"${NW_TEST_CHANNEL}\"\n")
	cfg, err := LoadEnv(path, lookup("NW_TEST_TOKEN", "xoxb-42", "NW_TEST_CHANNEL", "#alerts"))
	if err != nil {
		t.Fatal(err)
	}
	if n := cfg.Notifiers[0]; n.Token != "xoxb-42" || n.Channel != "#alerts" {
		t.Errorf("notifier %+v, want the environment's token and channel", n)
	}

	// Load reads the process environment.
	t.Setenv("NW_TEST_TOKEN", "xoxb-7")
	t.Setenv("NW_TEST_CHANNEL", "#ops")
	if cfg, err = Load(path); err != nil {
		t.Fatal(err)
	}
	if n := cfg.Notifiers[0]; n.Token != "xoxb-7" || n.Channel != "#ops" {
		t.Errorf("notifier %+v, want the process environment's token and channel", n)
	}
}

// TestAllErrorsAtOnce checks that unknown keys do not hide the other
// problems of a file, and that everything comes sorted, warnings included.
func TestAllErrorsAtOnce(t *testing.T) {
	doc := `[daemon]
shedule = "@daily"
backfill = "forever"

[[feed]]
name = "a"
url = "https://a.example/"
lang = "english"

[[feed]]
name = "b"
url = "https://a.example/"
colour = "red"
`
	_, ds := parseDoc(t, doc, nil)
	checkDiagnostics(t, ds, []string{
		`2:1: unknown key "shedule" in [daemon] (did you mean "schedule"?)`,
		`3:12: "backfill" must be a duration`,
		`8:8: "lang" must be an ISO 639 language code`,
		`12:7: the feed on line 7 has the same URL`,
		`13:1: unknown key "colour" in [feed]`,
	})
	if !ds[3].Warning || ds[2].Warning {
		t.Errorf("warning flags wrong: %#v", ds)
	}

	path := writeConfig(t, "c.toml", doc)
	_, err := Load(path)
	var loaded Diagnostics
	if !errors.As(err, &loaded) || len(loaded) != 5 || !strings.Contains(err.Error(), "warning: the feed on line 7") {
		t.Errorf("Load error does not hold every error and warning:\n%v", err)
	}
}

func TestUnreadableDocuments(t *testing.T) {
	tests := []struct {
		name string
		doc  string
		want string
	}{
		{"syntax error", "[daemon]\nbackfill = \"1h\nschedule = 5\n", "2:"},
		{"table instead of array of tables", "[feed]\nname = \"a\"\n", "1:"},
		{"value instead of table", "daemon = \"x\"\n[log]\nlevel = \"loud\"\n", "1:"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, ds := parseDoc(t, tc.doc, nil)
			// One error, from the decoder; nothing checked after it.
			if len(ds) != 1 || !strings.HasPrefix(ds[0].Pos.String(), "c.toml:"+tc.want) || ds[0].Warning {
				t.Errorf("got %v, want one error at line %s", ds, tc.want)
			}
		})
	}
}

func TestWarnings(t *testing.T) {
	tests := []struct {
		name string
		doc  string
		want []string
	}{
		{"valid file", oneFeed, nil},
		{"no feeds", "[daemon]\nbackfill = \"1h\"\n", []string{"1:1: no [[feed]] is configured, so there is nothing to poll"}},
		{"every feed disabled", "[[feed]]\nname = \"a\"\nurl = \"https://a.example/\"\nenabled = false\n", []string{"1:3: every feed is disabled"}},
		{"one feed disabled", oneFeed + "[[feed]]\nname = \"a\"\nurl = \"https://a.example/\"\nenabled = false\n", nil},
		{"same URL", oneFeed + "[[feed]]\nname = \"g\"\nurl = \"https://f.example/rss\"\n", []string{"7:7: the feed on line 4 has the same URL, so it is fetched twice"}},
		{"same file, two spellings", "[[feed]]\nname = \"a\"\nurl = \"file:/srv/newswatch/x.xml\"\n[[feed]]\nname = \"b\"\nurl = \"file:x.xml\"\n", []string{"6:7: the feed on line 3 has the same URL"}},
		{"tag twice", "[[feed]]\nname = \"a\"\nurl = \"https://a.example/\"\ntags = [\"x\", \"y\", \"x\"]\n", []string{`4:19: tag "x" is listed twice`}},
		{"frequent polling", oneFeed + "schedule = \"@every 30s\"\n", []string{`5:12: "schedule" "@every 30s" polls more often than once a minute`}},
		{"minutely polling is fine", oneFeed + "schedule = \"@every 1m\"\n", nil},
		{"short admin token", oneFeed + "[daemon]\nadmin_token = \"abc\"\n", []string{`6:15: "admin_token" is short (3 characters)`}},
		{"admin token without server", oneFeed + "[daemon]\nadmin_addr = \"\"\nadmin_token = \"0123456789abcdef0123\"\n", []string{`7:15: "admin_token" has no effect`}},
		{"connect_timeout over timeout", oneFeed + "[fetch]\ntimeout = \"5s\"\nconnect_timeout = \"1m\"\n", []string{`7:19: connect_timeout (1m) is longer than timeout (5s)`}},
		{"slack token form", oneFeed + "[[notifier]]\nname = \"s\"\ntype = \"slack\"\ntoken = \"xapp-1\"\nchannel = \"#c\"\n", []string{`8:9: "token" does not look like a Slack bot token`}},
		{"slack app token form", oneFeed + "[[notifier]]\nname = \"s\"\ntype = \"slack\"\ntoken = \"xoxb-1\"\napp_token = \"xoxb-1\"\nchannel = \"#c\"\n", []string{`9:13: "app_token" does not look like a Slack app-level token`}},
		{"webhook over http", oneFeed + "[[notifier]]\nname = \"w\"\ntype = \"webhook\"\nurl = \"http://hooks.example/x\"\n", []string{`8:7: "url" uses plain http`}},
		{"webhook over http to this machine", oneFeed + "[[notifier]]\nname = \"w\"\ntype = \"webhook\"\nurl = \"http://127.0.0.1:9000/x\"\n", nil},
		{"dsn with sqlite", oneFeed + "[store]\ndsn = \"host=db\"\nlease = \"1m\"\n", []string{
			`6:7: "dsn" has no effect with driver = "sqlite"`, `7:9: "lease" has no effect with driver = "sqlite"`}},
		{"password in the file", oneFeed + "[store]\ndriver = \"postgres\"\ndsn = \"postgres://nw:hunter2@db/news\"\n", []string{
			`7:7: "dsn" holds a password in the file itself`}},
		{"password in the file, key=value", oneFeed + "[store]\ndriver = \"postgres\"\ndsn = \"host=db password='a b'\"\n", []string{
			`7:7: "dsn" holds a password in the file itself`}},
		{"short lease", oneFeed + "[store]\ndriver = \"postgres\"\ndsn = \"host=db\"\nlease = \"2s\"\n", []string{
			`8:9: "lease" (2s) is short`}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, ds := parseDoc(t, tc.doc, nil)
			if ds.HasErrors() {
				t.Fatalf("errors:\n%v", ds)
			}
			checkDiagnostics(t, ds, tc.want)
			for _, d := range ds {
				if !d.Warning {
					t.Errorf("%v is not a warning", d)
				}
			}
		})
	}
}

func TestDefaultNotifiers(t *testing.T) {
	const (
		console = "[[notifier]]\nname = \"stdout\"\ntype = \"console\"\n"
		hook    = "[[notifier]]\nname = \"hook\"\ntype = \"slack-webhook\"\nurl = \"https://hooks.slack.com/x\"\n"
	)
	tests := []struct {
		name      string
		doc       string
		notifiers []string
		defaults  []string
	}{
		{"none: the built-in console", "", []string{"console"}, []string{"console"}},
		{"none, console named as default", "[notify]\ndefault = [\"console\"]\n", []string{"console"}, []string{"console"}},
		{"exactly one", hook, []string{"hook"}, []string{"hook"}},
		{"exactly one, empty default", hook + "[notify]\ndefault = []\n", []string{"hook"}, []string{"hook"}},
		{"several with default", hook + console + "[notify]\ndefault = [\"hook\"]\n", []string{"hook", "stdout"}, []string{"hook"}},
		{"several, all default", hook + console + "[notify]\ndefault = [\"stdout\", \"hook\"]\n", []string{"hook", "stdout"}, []string{"stdout", "hook"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			cfg, ds := parseDoc(t, oneFeed+tc.doc, nil)
			if ds.HasErrors() {
				t.Fatal(ds)
			}
			var names []string
			for _, n := range cfg.Notifiers {
				names = append(names, n.Name)
			}
			if !reflect.DeepEqual(names, tc.notifiers) || !reflect.DeepEqual(cfg.Notify.Default, tc.defaults) {
				t.Errorf("notifiers %q, default %q; want %q, %q", names, cfg.Notify.Default, tc.notifiers, tc.defaults)
			}
			if !reflect.DeepEqual(cfg.Health.Notify, tc.defaults) {
				t.Errorf("health notifiers %q, want the default %q", cfg.Health.Notify, tc.defaults)
			}
		})
	}
}

func TestAdminToken(t *testing.T) {
	tests := []struct {
		addr, token string
		ok          bool
	}{
		{"127.0.0.1:8080", "", true},
		{"localhost:8080", "", true},
		{"LOCALHOST:8080", "", true},
		{"[::1]:8080", "", true},
		{"", "", true},
		{"0.0.0.0:8080", "", false},
		{":8080", "", false},
		{"192.168.1.10:8080", "", false},
		{"[::]:8080", "", false},
		{"status.example.org:443", "", false},
		{"0.0.0.0:8080", "${ADMIN_TOKEN}", true},
		{"0.0.0.0:8080", "${EMPTY}", false},
	}
	for _, tc := range tests {
		t.Run(tc.addr+" "+tc.token, func(t *testing.T) {
			doc := oneFeed + "[daemon]\nadmin_addr = \"" + tc.addr + "\"\n"
			if tc.token != "" {
				doc += "admin_token = \"" + tc.token + "\"\n"
			}
			_, ds := parseDoc(t, doc, lookup("ADMIN_TOKEN", "0123456789abcdef0123", "EMPTY", ""))
			if ds.HasErrors() == tc.ok {
				t.Errorf("errors: %v; want ok=%v", ds.Errors(), tc.ok)
			}
			if !tc.ok && !strings.Contains(ds.Error(), `"admin_token" is required`) {
				t.Errorf("error %v does not ask for admin_token", ds)
			}
		})
	}
}
