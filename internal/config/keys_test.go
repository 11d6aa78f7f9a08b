package config

import (
	"log/slog"
	"reflect"
	"strings"
	"testing"
	"time"
)

// testDir stands for the directory of the config file in tests that do
// not read one from disk.
const testDir = "/srv/newswatch"

// parseDoc builds the configuration in doc as if read from c.toml in
// testDir.
func parseDoc(t *testing.T, doc string, env func(string) (string, bool)) (*Config, Diagnostics) {
	t.Helper()
	if env == nil {
		env = lookup()
	}
	return parse("c.toml", testDir, []byte(doc), env)
}

// A feed and notifiers to append to documents that are about other keys.
const (
	oneFeed = "\n[[feed]]\nname = \"f\"\nurl = \"https://f.example/rss\"\n"
)

func TestKeys(t *testing.T) {
	env := lookup("HOME", "/home/nw", "TOKEN", "xoxb-123", "APP_TOKEN", "xapp-1-A0-1-abc", "HOOK", "https://hooks.slack.com/services/T/B/x", "EMPTY", "", "DATABASE_URL", "postgres://nw:pw@db.example:5432/news?sslmode=verify-full")
	tests := []struct {
		name string
		doc  string
		got  func(*Config) any
		want any
	}{
		// [daemon]
		{"data_dir relative", "[daemon]\ndata_dir = \"db\"", func(c *Config) any { return c.Daemon.DataDir }, "/srv/newswatch/db"},
		{"data_dir dot", "[daemon]\ndata_dir = \"./data/\"", func(c *Config) any { return c.Daemon.DataDir }, "/srv/newswatch/data"},
		{"data_dir parent", "[daemon]\ndata_dir = \"../var/nw\"", func(c *Config) any { return c.Daemon.DataDir }, "/srv/var/nw"},
		{"data_dir absolute", "[daemon]\ndata_dir = \"/var/lib/newswatch\"", func(c *Config) any { return c.Daemon.DataDir }, "/var/lib/newswatch"},
		{"data_dir from env", "[daemon]\ndata_dir = \"${HOME}/nw\"", func(c *Config) any { return c.Daemon.DataDir }, "/home/nw/nw"},
		{"schedule cron", "[daemon]\nschedule = \"*/10 * * * *\"", func(c *Config) any { return c.Daemon.Schedule }, "*/10 * * * *"},
		{"schedule descriptor", "[daemon]\nschedule = \"@hourly\"", func(c *Config) any { return c.Daemon.Schedule }, "@hourly"},
		{"schedule time zone", "[daemon]\nschedule = \"CRON_TZ=Asia/Jerusalem 0 8 * * *\"", func(c *Config) any { return c.Daemon.Schedule }, "CRON_TZ=Asia/Jerusalem 0 8 * * *"},
		{"backfill days", "[daemon]\nbackfill = \"7d\"", func(c *Config) any { return c.Daemon.Backfill }, 7 * 24 * time.Hour},
		{"backfill zero", "[daemon]\nbackfill = \"0\"", func(c *Config) any { return c.Daemon.Backfill }, time.Duration(0)},
		{"admin_addr off", "[daemon]\nadmin_addr = \"\"", func(c *Config) any { return c.Daemon.AdminAddr }, ""},
		{"admin_addr IPv6 loopback", "[daemon]\nadmin_addr = \"[::1]:9090\"", func(c *Config) any { return c.Daemon.AdminAddr }, "[::1]:9090"},
		{"admin_addr localhost any port", "[daemon]\nadmin_addr = \"localhost:0\"", func(c *Config) any { return c.Daemon.AdminAddr }, "localhost:0"},
		{"admin_addr 127/8", "[daemon]\nadmin_addr = \"127.0.0.2:80\"", func(c *Config) any { return c.Daemon.AdminAddr }, "127.0.0.2:80"},
		{"admin_addr public with token", "[daemon]\nadmin_addr = \"0.0.0.0:8080\"\nadmin_token = \"${TOKEN}-long-enough\"",
			func(c *Config) any { return []string{c.Daemon.AdminAddr, c.Daemon.AdminToken} }, []string{"0.0.0.0:8080", "xoxb-123-long-enough"}},

		// [log]
		{"level debug", "[log]\nlevel = \"debug\"", func(c *Config) any { return c.Log.Level }, slog.LevelDebug},
		{"level warn", "[log]\nlevel = \"warn\"", func(c *Config) any { return c.Log.Level }, slog.LevelWarn},
		{"level error", "[log]\nlevel = \"error\"", func(c *Config) any { return c.Log.Level }, slog.LevelError},
		{"format json", "[log]\nformat = \"json\"", func(c *Config) any { return c.Log.Format }, FormatJSON},

		// [fetch]
		{"timeout", "[fetch]\ntimeout = \"1m\"", func(c *Config) any { return c.Fetch.Timeout }, time.Minute},
		{"connect_timeout", "[fetch]\nconnect_timeout = \"2.5s\"", func(c *Config) any { return c.Fetch.ConnectTimeout }, 2500 * time.Millisecond},
		{"memory_limit binary", "[daemon]\nmemory_limit = \"256MiB\"", func(c *Config) any { return c.Daemon.MemoryLimit }, int64(256 << 20)},
		{"memory_limit decimal", "[daemon]\nmemory_limit = \"1GB\"", func(c *Config) any { return c.Daemon.MemoryLimit }, int64(1e9)},
		{"max_body integer", "[fetch]\nmax_body = 1048576", func(c *Config) any { return c.Fetch.MaxBodyBytes }, int64(1 << 20)},
		{"max_body binary", "[fetch]\nmax_body = \"512KiB\"", func(c *Config) any { return c.Fetch.MaxBodyBytes }, int64(512 << 10)},
		{"max_body decimal", "[fetch]\nmax_body = \"1.5 MB\"", func(c *Config) any { return c.Fetch.MaxBodyBytes }, int64(1_500_000)},
		{"user_agent", "[fetch]\nuser_agent = \"newswatch (ops@example.org)\"", func(c *Config) any { return c.Fetch.UserAgent }, "newswatch (ops@example.org)"},
		{"concurrency", "[fetch]\nconcurrency = 64", func(c *Config) any { return c.Fetch.Concurrency }, 64},
		{"per_host", "[fetch]\nper_host = 1", func(c *Config) any { return c.Fetch.PerHost }, 1},
		{"backoff_max", "[fetch]\nbackoff_max = \"1d\"", func(c *Config) any { return c.Fetch.BackoffMax }, 24 * time.Hour},
		{"jitter off", "[fetch]\njitter = \"0\"", func(c *Config) any { return c.Fetch.Jitter }, time.Duration(0)},
		{"article default", "[fetch]\narticle = \"candidates\"", func(c *Config) any { return c.Fetch.Article }, "candidates"},
		{"article_max_body", "[fetch]\narticle_max_body = \"2MiB\"", func(c *Config) any { return c.Fetch.ArticleMaxBodyBytes }, int64(2 << 20)},
		{"feed article from fetch.article", "[fetch]\narticle = \"always\"\n[[feed]]\nname = \"a\"\nurl = \"https://a.example/\"", func(c *Config) any { return c.Feeds[0].Article }, "always"},
		{"feed article overrides fetch.article", "[fetch]\narticle = \"always\"\n[[feed]]\nname = \"a\"\nurl = \"https://a.example/\"\narticle = \"never\"", func(c *Config) any { return c.Feeds[0].Article }, "never"},
		{"feed article candidates", "[[feed]]\nname = \"a\"\nurl = \"https://a.example/\"\narticle = \"candidates\"", func(c *Config) any { return c.Feeds[0].Article }, "candidates"},

		// [rules]
		{"rules dir", "[rules]\ndir = \"../rules\"", func(c *Config) any { return c.Rules.Dir }, "/srv/rules"},
		{"rules dir absolute", "[rules]\ndir = \"/etc/newswatch/rules.d\"", func(c *Config) any { return c.Rules.Dir }, "/etc/newswatch/rules.d"},

		// [[feed]]
		{"feed", `
[daemon]
schedule = "@every 10m"

[[feed]]
name = "BBC عربي"
url = "https://feeds.bbci.co.uk/arabic/rss.xml"
tags = ["mideast", "arabic", "mideast"]
lang = "AR"
expect_every = "1d"

[[feed]]
name = "Ynet"
url = "https://www.ynet.co.il/Integration/StoryRss2.xml"
schedule = "*/15 * * * *"
enabled = false
lang = "iw"
tags = []
`, func(c *Config) any { return c.Feeds }, []Feed{
			{Name: "BBC عربي", URL: "https://feeds.bbci.co.uk/arabic/rss.xml", Tags: []string{"mideast", "arabic"}, Schedule: "@every 10m", Enabled: true, Lang: "ar", ExpectEvery: 24 * time.Hour, Article: "never"},
			{Name: "Ynet", URL: "https://www.ynet.co.il/Integration/StoryRss2.xml", Tags: []string{}, Schedule: "*/15 * * * *", Enabled: false, Lang: "he", Article: "never"},
		}},
		{"feed relative file URL", "[[feed]]\nname = \"demo\"\nurl = \"file:feeds/demo feed.xml\"", func(c *Config) any { return c.Feeds[0].URL }, "file:///srv/newswatch/feeds/demo%20feed.xml"},
		{"feed relative file URL up", "[[feed]]\nname = \"demo\"\nurl = \"file:../x.xml\"", func(c *Config) any { return c.Feeds[0].URL }, "file:///srv/x.xml"},
		{"feed absolute file URL", "[[feed]]\nname = \"demo\"\nurl = \"file:///var/feeds/x.xml\"", func(c *Config) any { return c.Feeds[0].URL }, "file:///var/feeds/x.xml"},
		{"feed file URL localhost", "[[feed]]\nname = \"demo\"\nurl = \"file://localhost/var/x.xml\"", func(c *Config) any { return c.Feeds[0].URL }, "file:///var/x.xml"},
		{"feed http URL kept as written", "[[feed]]\nname = \"g\"\nurl = \"HTTPS://News.Google.com/rss/search?q=Syria+Israel&hl=en-US\"", func(c *Config) any { return c.Feeds[0].URL }, "HTTPS://News.Google.com/rss/search?q=Syria+Israel&hl=en-US"},
		{"feed lang three letters", "[[feed]]\nname = \"a\"\nurl = \"https://a.example/\"\nlang = \"heb\"", func(c *Config) any { return c.Feeds[0].Lang }, "he"},
		{"feed lang empty", "[[feed]]\nname = \"a\"\nurl = \"https://a.example/\"\nlang = \"${EMPTY}\"", func(c *Config) any { return c.Feeds[0].Lang }, ""},
		{"feed inline tables", "feed = [{name = \"a\", url = \"https://a.example/\"}]", func(c *Config) any { return c.Feeds[0].Name }, "a"},

		// [[notifier]]
		{"slack", `
[[notifier]]
name = "slack"
type = "slack"
token = "${TOKEN}"
app_token = "${APP_TOKEN}"
channel = "#news-alerts"
api_url = "http://127.0.0.1:9999/api"
unfurl = true
mention = "<!subteam^S0123ABCD|analysts>  <!here>"
timeout = "5s"
rate = 0.5
burst = 1
`, func(c *Config) any { return c.Notifiers }, []Notifier{{
			Name: "slack", Type: TypeSlack, Token: "xoxb-123", AppToken: "xapp-1-A0-1-abc", Channel: "#news-alerts", APIURL: "http://127.0.0.1:9999/api/",
			Unfurl: true, Mention: "<!subteam^S0123ABCD|analysts> <!here>", Timeout: 5 * time.Second, Rate: 0.5, Burst: 1,
			StoryUpdates: StoryUpdatesThread,
		}}},
		{"slack defaults", "[[notifier]]\nname = \"s\"\ntype = \"slack\"\ntoken = \"xoxb-1\"\nchannel = \"C0123ABCD\"",
			func(c *Config) any { return c.Notifiers[0] },
			Notifier{Name: "s", Type: TypeSlack, Token: "xoxb-1", Channel: "C0123ABCD", Timeout: 10 * time.Second, Rate: 1, Burst: 3, StoryUpdates: StoryUpdatesThread}},
		{"slack-webhook", "[[notifier]]\nname = \"hook\"\ntype = \"slack-webhook\"\nurl = \"${HOOK}\"\nmention = \"<@U0123>\"\nrate = 2",
			func(c *Config) any { return c.Notifiers[0] },
			Notifier{Name: "hook", Type: TypeSlackWebhook, URL: "https://hooks.slack.com/services/T/B/x", Mention: "<@U0123>", Timeout: 10 * time.Second, Rate: 2, Burst: 3, StoryUpdates: StoryUpdatesDigest}},
		{"webhook", "[[notifier]]\nname = \"ops\"\ntype = \"webhook\"\nurl = \"https://ops.example/hook\"\nsecret = \"s3cret\"\ntimeout = \"3s\"\nburst = 10",
			func(c *Config) any { return c.Notifiers[0] },
			Notifier{Name: "ops", Type: TypeWebhook, URL: "https://ops.example/hook", Secret: "s3cret", Timeout: 3 * time.Second, Rate: 1, Burst: 10, StoryUpdates: StoryUpdatesDigest}},
		{"console", "[[notifier]]\nname = \"stdout\"\ntype = \"console\"",
			func(c *Config) any { return c.Notifiers }, []Notifier{{Name: "stdout", Type: TypeConsole, StoryUpdates: StoryUpdatesDigest}}},
		{"story_updates drop", "[[notifier]]\nname = \"stdout\"\ntype = \"console\"\nstory_updates = \"drop\"",
			func(c *Config) any { return c.Notifiers[0].StoryUpdates }, StoryUpdatesDrop},
		{"story_updates digest on slack", "[[notifier]]\nname = \"s\"\ntype = \"slack\"\ntoken = \"xoxb-1\"\nchannel = \"#n\"\nstory_updates = \"digest\"",
			func(c *Config) any { return c.Notifiers[0].StoryUpdates }, StoryUpdatesDigest},
		{"reply_broadcast unset", "[[notifier]]\nname = \"s\"\ntype = \"slack\"\ntoken = \"xoxb-1\"\nchannel = \"#n\"",
			func(c *Config) any { return c.Notifiers[0].ReplyBroadcast == nil }, true},
		{"reply_broadcast false", "[[notifier]]\nname = \"s\"\ntype = \"slack\"\ntoken = \"xoxb-1\"\nchannel = \"#n\"\nreply_broadcast = false",
			func(c *Config) any { return *c.Notifiers[0].ReplyBroadcast }, false},
		{"reply_broadcast true", "[[notifier]]\nname = \"s\"\ntype = \"slack\"\ntoken = \"xoxb-1\"\nchannel = \"#n\"\nreply_broadcast = true",
			func(c *Config) any { return *c.Notifiers[0].ReplyBroadcast }, true},

		// [stories]
		{"stories", "[stories]\nwindow = \"1d\"\nthreshold = 0.55\nreply_delay = \"0\"\nmax_items = 250000",
			func(c *Config) any { return c.Stories }, Stories{Window: 24 * time.Hour, Threshold: 0.55, MaxItems: 250000}},
		{"stories defaults", "",
			func(c *Config) any { return c.Stories }, Stories{Window: 48 * time.Hour, Threshold: 0.30, ReplyDelay: 10 * time.Minute, MaxItems: 100000}},
		{"stories threshold integer", "[stories]\nthreshold = 1",
			func(c *Config) any { return c.Stories.Threshold }, 1.0},

		// [notify]
		{"notify", `
[[notifier]]
name = "a"
type = "console"
[[notifier]]
name = "b"
type = "console"
[notify]
default = ["b", "a"]
max_age = "2d"
fold_threshold = 1
retry_max = "1h"
`, func(c *Config) any { return c.Notify }, Notify{Default: []string{"b", "a"}, MaxAge: 48 * time.Hour, FoldThreshold: 1, RetryMax: time.Hour}},

		// [health]
		{"health", "[[notifier]]\nname = \"a\"\ntype = \"console\"\n[[notifier]]\nname = \"ops\"\ntype = \"console\"\n[notify]\ndefault = [\"a\"]\n[health]\nfeed_alert_after = \"12h\"\nnotify = [\"ops\"]",
			func(c *Config) any { return c.Health }, Health{FeedAlertAfter: 12 * time.Hour, Notify: []string{"ops"}}},
		{"health defaults to notify.default", "[[notifier]]\nname = \"a\"\ntype = \"console\"\n[health]\nfeed_alert_after = \"0\"",
			func(c *Config) any { return c.Health }, Health{Notify: []string{"a"}}},

		// [store]
		{"retention", "[store]\nretention = \"90d\"", func(c *Config) any { return c.Store.Retention }, 90 * 24 * time.Hour},
		{"postgres", "[store]\ndriver = \"postgres\"\ndsn = \"${DATABASE_URL}\"\nlease = \"1m\"", func(c *Config) any { return c.Store },
			StoreConfig{Retention: 30 * 24 * time.Hour, Driver: DriverPostgres, DSN: "postgres://nw:pw@db.example:5432/news?sslmode=verify-full", Lease: time.Minute}},
		{"postgres key=value", "[store]\ndriver = \"postgres\"\ndsn = \"host=/run/postgresql dbname=news\"", func(c *Config) any { return c.Store.DSN }, "host=/run/postgresql dbname=news"},
		{"sqlite by default", "", func(c *Config) any { return c.Store.Driver }, DriverSQLite},

		// ${VAR} everywhere
		{"env in array", "[[feed]]\nname = \"f\"\nurl = \"https://f.example/\"\ntags = [\"${EMPTY}x\", 'lit${EMPTY}']",
			func(c *Config) any { return c.Feeds[0].Tags }, []string{"x", "lit"}},
		{"env escaped", "[[feed]]\nname = \"$${NOT_A_VAR}\"\nurl = \"https://f.example/\"",
			func(c *Config) any { return c.Feeds[0].Name }, "${NOT_A_VAR}"},
		{"env in duration", "[store]\nretention = \"${EMPTY}30d\"", func(c *Config) any { return c.Store.Retention }, 720 * time.Hour},
		{"env in multi-line string", "[[feed]]\nname = '''\n${TOKEN}'''\nurl = \"https://f.example/\"",
			func(c *Config) any { return c.Feeds[0].Name }, "xoxb-123"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			cfg, ds := parseDoc(t, tc.doc, env)
			if ds.HasErrors() {
				t.Fatalf("unexpected errors:\n%v", ds)
			}
			if got := tc.got(cfg); !reflect.DeepEqual(got, tc.want) {
				t.Errorf("got  %#v\nwant %#v", got, tc.want)
			}
		})
	}
}

// checkDiagnostics compares ds with want, each "LINE:COL: part of the
// message", in order.
func checkDiagnostics(t *testing.T, ds Diagnostics, want []string) {
	t.Helper()
	ok := len(ds) == len(want)
	for i := 0; ok && i < len(ds); i++ {
		pos, msg, _ := strings.Cut(want[i], ": ")
		ok = ds[i].Pos.String() == "c.toml:"+pos && strings.Contains(ds[i].Msg, msg)
	}
	if !ok {
		t.Errorf("got:\n%v\nwant:\n%s", ds, strings.Join(want, "\n"))
	}
}

func TestKeyErrors(t *testing.T) {
	env := lookup("EMPTY", "", "HOOK", "https://hooks.slack.com/x")
	const slack = "[[notifier]]\nname = \"s\"\ntype = \"slack\"\ntoken = \"xoxb-1\"\nchannel = \"#c\"\n"
	tests := []struct {
		name string
		doc  string
		want []string
	}{
		// [daemon]
		{"data_dir empty", "[daemon]\ndata_dir = \"\"", []string{`2:12: "data_dir" is empty`}},
		{"data_dir empty from env", "[daemon]\ndata_dir = \"${EMPTY}\"", []string{`2:12: "data_dir" is empty after expanding ${EMPTY}`}},
		{"data_dir not a string", "[daemon]\ndata_dir = 5", []string{`2:12: "data_dir" must be a string, not an integer`}},
		{"schedule fields", "[daemon]\nschedule = \"* * *\"", []string{`2:12: "schedule" "* * *" is not a valid schedule: expected exactly 5 fields, found 3`}},
		{"schedule seconds field", "[daemon]\nschedule = \"0 */5 * * * *\"", []string{`2:12: expected exactly 5 fields, found 6`}},
		{"schedule every days", "[daemon]\nschedule = \"@every 1d\"", []string{`2:12: unknown unit "d"`}},
		{"schedule every too short", "[daemon]\nschedule = \"@every 0s\"", []string{`2:12: at least 1s`}},
		{"schedule not a string", "[daemon]\nschedule = 5", []string{`2:12: "schedule" must be a string, not an integer`}},
		{"schedule step beyond its field", "[daemon]\nschedule = \"*/61 * * * *\"", []string{`2:12: "schedule" "*/61 * * * *" is not a valid schedule: the step 61 in "*/61" is beyond the minute field, which has 60 values`}},
		{"feed schedule that never fires", "[[feed]]\nname = \"a\"\nurl = \"https://a.example/rss\"\nschedule = \"0 0 31 2 *\"", []string{`4:12: "schedule" "0 0 31 2 *" is not a valid schedule: it never fires`}},
		{"feed schedule on leap days only", "[[feed]]\nname = \"a\"\nurl = \"https://a.example/rss\"\nschedule = \"0 0 29 2 *\"", []string{`4:12: "schedule" "0 0 29 2 *" is not a valid schedule: it fires less than once a year`}},
		{"backfill negative", "[daemon]\nbackfill = \"-1h\"", []string{`2:12: "backfill" must not be negative`}},
		{"backfill words", "[daemon]\nbackfill = \"1 day\"", []string{`2:12: "backfill" must be a duration such as "90s", "30m", "24h" or "7d" (units ns, us, ms, s, m, h, d), not "1 day"`}},
		{"backfill boolean", "[daemon]\nbackfill = true", []string{`2:12: "backfill" must be a string, not a boolean`}},
		{"backfill bare number", "[daemon]\nbackfill = 24", []string{`2:12: "backfill" must be a duration in quotes, such as "90s"`}},
		{"admin_addr no port", "[daemon]\nadmin_addr = \"8080\"", []string{`2:14: "admin_addr" must be host:port such as "127.0.0.1:8080"`}},
		{"admin_addr service name", "[daemon]\nadmin_addr = \"localhost:http\"", []string{`2:14: port number from 0 to 65535, not "http"`}},
		{"admin_addr port range", "[daemon]\nadmin_addr = \"127.0.0.1:70000\"", []string{`2:14: port number from 0 to 65535`}},
		{"admin_addr all interfaces", "[daemon]\nadmin_addr = \":8080\"", []string{`2:14: admin_addr ":8080" accepts connections from other machines, so "admin_token" is required`}},
		{"admin_addr public, token empty", "[daemon]\nadmin_addr = \"0.0.0.0:8080\"\nadmin_token = \"${EMPTY}\"", []string{`2:14: "admin_token" is required`}},
		{"admin_addr IPv6 any", "[daemon]\nadmin_addr = \"[::]:8080\"", []string{`2:14: "admin_token" is required`}},
		{"admin_addr host name", "[daemon]\nadmin_addr = \"nw.example.org:8080\"", []string{`2:14: "admin_token" is required`}},
		{"admin_token unset variable, public admin_addr", "[daemon]\nadmin_addr = \"0.0.0.0:8080\"\nadmin_token = \"${ADMIN_TOKEN}\"", []string{`3:16: environment variable ADMIN_TOKEN is not set`}},
		{"admin_token not a string", "[daemon]\nadmin_token = 123", []string{`2:15: "admin_token" must be a string, not an integer`}},

		// [log]
		{"level", "[log]\nlevel = \"verbose\"", []string{`2:9: "level" must be one of debug, info, warn, error, not "verbose"`}},
		{"level upper case", "[log]\nlevel = \"INFO\"", []string{`2:9: "level" must be one of debug, info, warn, error, not "INFO"`}},
		{"format", "[log]\nformat = \"yaml\"", []string{`2:10: "format" must be one of text, json, not "yaml"`}},

		// [fetch]
		{"timeout zero", "[fetch]\ntimeout = \"0s\"", []string{`2:11: "timeout" must be longer than zero`}},
		{"connect_timeout negative", "[fetch]\nconnect_timeout = \"-1s\"", []string{`2:19: "connect_timeout" must be longer than zero`}},
		{"max_body unit", "[fetch]\nmax_body = \"10M\"", []string{`2:12: "max_body" must be a number of bytes or a size such as "512KiB", "10MiB" or "1GB" (units B, kB, MB, GB, KiB, MiB, GiB), not "10M"`}},
		{"memory_limit too low", "[daemon]\nmemory_limit = \"16MiB\"", []string{`2:16: "memory_limit" must be at least 32MiB, not 16777216 bytes`}},
		{"memory_limit unit", "[daemon]\nmemory_limit = \"200M\"", []string{`2:16: "memory_limit" must be a number of bytes or a size such as "512KiB"`}},
		{"max_body zero", "[fetch]\nmax_body = 0", []string{`2:12: "max_body" must be greater than zero`}},
		{"max_body boolean", "[fetch]\nmax_body = true", []string{`2:12: "max_body" must be a number of bytes or a size`}},
		{"user_agent newline", "[fetch]\nuser_agent = \"a\\nb\"", []string{`2:14: "user_agent" must not contain control characters`}},
		{"concurrency zero", "[fetch]\nconcurrency = 0", []string{`2:15: "concurrency" must be at least 1, not 0`}},
		{"per_host float", "[fetch]\nper_host = 1.5", []string{`2:12: "per_host" must be an integer, not a float`}},
		{"per_host string", "[fetch]\nper_host = \"2\"", []string{`2:12: "per_host" must be an integer, not a string`}},
		{"backoff_max zero", "[fetch]\nbackoff_max = \"0\"", []string{`2:15: "backoff_max" must be longer than zero`}},
		{"jitter negative", "[fetch]\njitter = \"-1s\"", []string{`2:10: "jitter" must not be negative`}},
		{"article unknown", "[fetch]\narticle = \"sometimes\"", []string{`2:11: "article" must be one of never, candidates, always, not "sometimes"`}},
		{"feed article boolean", "[[feed]]\nname = \"a\"\nurl = \"https://a.example/\"\narticle = true", []string{`4:11: "article" must be a string, not a boolean`}},

		// [rules]
		{"rules dir empty", "[rules]\ndir = \"\"", []string{`2:7: "dir" is empty`}},

		// [[feed]]
		{"feed without name", "[[feed]]\nurl = \"https://a.example/\"", []string{`1:3: missing "name": every [[feed]] needs a unique name`}},
		{"feed without url", "[[feed]]\nname = \"a\"", []string{`1:3: missing "url": every [[feed]] needs an http, https or file URL`}},
		{"feed name empty", "[[feed]]\nname = \"\"\nurl = \"https://a.example/\"", []string{`2:8: "name" is empty`}},
		{"feed names not unique", oneFeed + oneFeed, []string{`7:8: feed name "f" is already used by the feed on line 3`}},
		{"feed url scheme", "[[feed]]\nname = \"a\"\nurl = \"ftp://a.example/rss\"", []string{`3:7: "url" has the scheme "ftp"; want http, https or file`}},
		{"feed url error hides secrets", "[[feed]]\nname = \"a\"\nurl = \"ftp://u:pw@a.example/rss?key=k\"", []string{`3:7: "url" has the scheme "ftp"; want http, https or file`}},
		{"feed url without scheme", "[[feed]]\nname = \"a\"\nurl = \"www.example.com/rss\"", []string{`3:7: must start with http://, https:// or file:`}},
		{"feed url without host", "[[feed]]\nname = \"a\"\nurl = \"https:///rss\"", []string{`3:7: "url" has no host`}},
		{"feed url invalid", "[[feed]]\nname = \"a\"\nurl = \"https://a b/\"", []string{`3:7: "url" is not a valid URL`}},
		{"feed file URL on another host", "[[feed]]\nname = \"a\"\nurl = \"file://server/x.xml\"", []string{`3:7: write file:///absolute/path.xml, or file:relative/path.xml`}},
		{"feed file URL escape", "[[feed]]\nname = \"a\"\nurl = \"file:%zz.xml\"", []string{`3:7: "url" "file:%zz.xml" is not a valid file URL`}},
		{"feed file URL query", "[[feed]]\nname = \"a\"\nurl = \"file:///x.xml?y=1\"", []string{`3:7: is not a file URL newswatch can read`}},
		{"feed url not a string", "[[feed]]\nname = \"a\"\nurl = [\"https://a.example/\"]", []string{`3:1: "url" must be a string, not an array`}},
		{"feed tags not an array", "[[feed]]\nname = \"a\"\nurl = \"https://a.example/\"\ntags = \"mideast\"", []string{`4:8: "tags" must be an array of strings such as ["a", "b"], not a string`}},
		{"feed tags elements", "[[feed]]\nname = \"a\"\nurl = \"https://a.example/\"\ntags = [\"ok\", \"two words\", 3]", []string{
			`4:15: tag "two words" must be one word of letters, digits`,
			`4:28: "tags" must hold only strings, not an integer`,
		}},
		{"feed schedule", "[[feed]]\nname = \"a\"\nurl = \"https://a.example/\"\nschedule = \"every hour\"", []string{`4:12: "schedule" "every hour" is not a valid schedule`}},
		{"feed enabled string", "[[feed]]\nname = \"a\"\nurl = \"https://a.example/\"\nenabled = \"true\"", []string{`4:11: "enabled" must be true or false, not a string (write true without quotes)`}},
		{"feed lang region", "[[feed]]\nname = \"a\"\nurl = \"https://a.example/\"\nlang = \"en-US\"", []string{`4:8: "lang" must be an ISO 639 language code such as "en", "ar" or "he", without region or script: "en", not "en-US"`}},
		{"feed lang unknown", "[[feed]]\nname = \"a\"\nurl = \"https://a.example/\"\nlang = \"xx\"", []string{`4:8: "xx" is not one`}},
		{"feed lang undetermined", "[[feed]]\nname = \"a\"\nurl = \"https://a.example/\"\nlang = \"und\"", []string{`4:8: "und" is not one`}},
		{"feed expect_every zero", "[[feed]]\nname = \"a\"\nurl = \"https://a.example/\"\nexpect_every = \"0\"", []string{`4:16: "expect_every" must be longer than zero`}},

		// [[notifier]]
		{"notifier without name or type", "[[notifier]]\nchannel = \"#c\"", []string{
			`1:3: missing "name"`,
			`1:3: missing "type": want one of slack, slack-webhook, webhook, console`,
		}},
		{"notifier type", "[[notifier]]\nname = \"n\"\ntype = \"email\"", []string{`3:8: "type" must be one of slack, slack-webhook, webhook, console, not "email"`}},
		{"notifier name form", "[[notifier]]\nname = \"my slack\"\ntype = \"console\"", []string{`2:8: notifier name "my slack" must be letters, digits`}},
		{"notifier names not unique", "[[notifier]]\nname = \"n\"\ntype = \"console\"\n[[notifier]]\nname = \"n\"\ntype = \"console\"\n[notify]\ndefault = [\"n\"]",
			[]string{`5:8: notifier name "n" is already used by the notifier on line 2`}},
		{"slack without token and channel", "[[notifier]]\nname = \"s\"\ntype = \"slack\"", []string{
			`1:3: missing "token": a "slack" notifier needs a bot token`,
			`1:3: missing "channel": a "slack" notifier needs a default channel`,
		}},
		{"slack token empty from env", "[[notifier]]\nname = \"s\"\ntype = \"slack\"\ntoken = \"${EMPTY}\"\nchannel = \"#c\"", []string{`4:9: "token" is empty after expanding ${EMPTY}`}},
		{"slack with a webhook key", slack + "url = \"https://x.example/\"\nsecret = \"s\"", []string{
			`6:1: "url" is not a setting of a "slack" notifier; its settings are token, app_token, channel, api_url, unfurl, mention, timeout, rate, burst, story_updates, reply_broadcast`,
			`7:1: "secret" is not a setting of a "slack" notifier`,
		}},
		{"console with settings", "[[notifier]]\nname = \"c\"\ntype = \"console\"\nchannel = \"#x\"\nrate = 2", []string{
			`4:1: "channel" is not a setting of a "console" notifier; its settings are story_updates`,
			`5:1: "rate" is not a setting of a "console" notifier`,
		}},
		{"webhook with slack keys", "[[notifier]]\nname = \"w\"\ntype = \"webhook\"\nurl = \"https://x.example/\"\nmention = \"@here\"\nunfurl = \"yes\"", []string{
			`5:1: "mention" is not a setting of a "webhook" notifier; its settings are url, secret, timeout, rate, burst, story_updates`,
			`6:1: "unfurl" is not a setting of a "webhook" notifier`,
		}},
		{"slack channel", "[[notifier]]\nname = \"s\"\ntype = \"slack\"\ntoken = \"xoxb-1\"\nchannel = \"news alerts\"", []string{`5:11: "channel" must be a channel name such as "#news-alerts"`}},
		{"slack api_url path", slack + "api_url = \"https://slack.example/\"", []string{`6:11: "api_url" must be a base URL ending in /api/`}},
		{"slack api_url scheme", slack + "api_url = \"ftp://slack.example/api/\"", []string{`6:11: "api_url" must be an http or https URL`}},
		{"slack mention", slack + "mention = \"@here\"", []string{`6:11: "mention" must be Slack mentions such as "<!here>"`}},
		{"slack unfurl", slack + "unfurl = \"no\"", []string{`6:10: "unfurl" must be true or false, not a string`}},
		{"slack timeout", slack + "timeout = \"0s\"", []string{`6:11: "timeout" must be longer than zero`}},
		{"slack rate zero", slack + "rate = 0", []string{`6:8: "rate" must be a number greater than zero, not 0`}},
		{"slack rate negative", slack + "rate = -0.5", []string{`6:8: "rate" must be a number greater than zero, not -0.5`}},
		{"slack rate infinite", slack + "rate = inf", []string{`6:8: "rate" must be a number greater than zero, not +Inf`}},
		{"slack rate string", slack + "rate = \"1/s\"", []string{`6:8: "rate" must be a number, not a string`}},
		{"slack burst", slack + "burst = 0", []string{`6:9: "burst" must be at least 1, not 0`}},
		{"slack-webhook without url", "[[notifier]]\nname = \"h\"\ntype = \"slack-webhook\"", []string{`1:3: missing "url": a "slack-webhook" notifier posts to an http or https URL`}},
		{"slack-webhook url", "[[notifier]]\nname = \"h\"\ntype = \"slack-webhook\"\nurl = \"hooks.slack.com/x\"", []string{`4:7: "url" must be an http or https URL, not "hooks.slack.com/x"`}},
		{"webhook secret", "[[notifier]]\nname = \"w\"\ntype = \"webhook\"\nurl = \"https://x.example/\"\nsecret = 5", []string{`5:10: "secret" must be a string, not an integer`}},
		{"webhook story_updates thread", "[[notifier]]\nname = \"w\"\ntype = \"webhook\"\nurl = \"https://x.example/\"\nstory_updates = \"thread\"",
			[]string{`5:17: "story_updates" must be one of digest, drop, not "thread"`}},

		// [stories]
		{"stories window zero", "[stories]\nwindow = \"0\"", []string{`2:10: "window" must be longer than zero`}},
		{"stories window past retention", "[stories]\nwindow = \"3d\"\n[store]\nretention = \"2d\"",
			[]string{`2:10: stories.window (3d) must not be longer than store.retention (2d)`}},
		{"retention shorter than the default window", "[store]\nretention = \"1d\"",
			[]string{`2:13: stories.window (2d) must not be longer than store.retention (1d)`}},
		{"stories threshold", "[stories]\nthreshold = 0", []string{`2:13: "threshold" must be a number greater than zero, not 0`}},
		{"stories threshold too high", "[stories]\nthreshold = 3.5", []string{`2:13: "threshold" must be at most 2`}},
		{"stories reply_delay", "[stories]\nreply_delay = \"-1m\"", []string{`2:15: "reply_delay" must not be negative`}},
		{"stories max_items too few", "[stories]\nmax_items = 10", []string{`2:13: "max_items" must be at least 1000, not 10`}},
		{"stories max_items text", "[stories]\nmax_items = \"lots\"", []string{`2:13: "max_items" must be an integer`}},

		// [notify]
		{"default unknown", slack + "[notify]\ndefault = [\"s\", \"nope\"]", []string{`7:17: notifier "nope" is not configured; the notifiers are s`}},
		{"default twice", slack + "[notify]\ndefault = [\"s\", \"s\"]", []string{`7:17: notifier "s" is listed twice`}},
		{"default not an array", slack + "[notify]\ndefault = \"s\"", []string{`7:11: "default" must be an array of strings`}},
		{"default with only the implicit console", "[notify]\ndefault = [\"slack\"]", []string{`2:12: notifier "slack" is not configured: there is no [[notifier]], so the only one is the built-in "console"`}},
		{"default missing, [notify] present", slack + "[[notifier]]\nname = \"c\"\ntype = \"console\"\n[notify]\nmax_age = \"1h\"", []string{
			`9:2: there are 2 notifiers (s, c): set default = ["s"] or more in [notify]`,
		}},
		{"default missing, no [notify]", slack + "[[notifier]]\nname = \"c\"\ntype = \"console\"\n", []string{`6:3: there are 2 notifiers (s, c)`}},
		{"default empty", slack + "[[notifier]]\nname = \"c\"\ntype = \"console\"\n[notify]\ndefault = []", []string{`9:2: there are 2 notifiers`}},
		{"max_age", "[notify]\nmax_age = \"0\"", []string{`2:11: "max_age" must be longer than zero`}},
		{"fold_threshold", "[notify]\nfold_threshold = 0", []string{`2:18: "fold_threshold" must be at least 1, not 0`}},
		{"retry_max", "[notify]\nretry_max = \"-1m\"", []string{`2:13: "retry_max" must be longer than zero`}},

		// [health]
		{"feed_alert_after", "[health]\nfeed_alert_after = \"-1h\"", []string{`2:20: "feed_alert_after" must not be negative`}},
		{"health notify", "[health]\nnotify = [\"ops\"]", []string{`2:11: notifier "ops" is not configured`}},

		// [store]
		{"retention", "[store]\nretention = \"0\"", []string{`2:13: "retention" must be longer than zero`}},
		{"driver", "[store]\ndriver = \"mysql\"", []string{`2:10: "driver" must be one of sqlite, postgres, not "mysql"`}},
		{"postgres without dsn", "[store]\ndriver = \"postgres\"", []string{`2:10: driver = "postgres" needs a "dsn": set dsn = "${NEWSWATCH_DATABASE_URL}"`}},
		{"dsn empty", "[store]\ndriver = \"postgres\"\ndsn = \"${EMPTY}\"", []string{`3:7: "dsn" is empty after expanding ${EMPTY}`}},
		{"dsn unset variable", "[store]\ndriver = \"postgres\"\ndsn = \"${NEWSWATCH_DATABASE_URL}\"", []string{`3:8: environment variable NEWSWATCH_DATABASE_URL is not set`}},
		{"dsn not a dsn", "[store]\ndriver = \"postgres\"\ndsn = \"db.example\"", []string{`3:7: "dsn" must be a postgres:// URL`}},
		{"dsn bad url", "[store]\ndriver = \"postgres\"\ndsn = \"postgres://nw:p%zz@db/news\"", []string{`3:7: "dsn" does not parse as a URL`}},
		{"dsn bad port", "[store]\ndriver = \"postgres\"\ndsn = \"postgres://db.example:99999/news\"", []string{`3:7: "dsn" has a port that is not a number from 1 to 65535`}},
		{"dsn bad sslmode", "[store]\ndriver = \"postgres\"\ndsn = \"postgres://db.example/news?sslmode=yes\"", []string{`3:7: "dsn" has an sslmode that is not one of disable, allow, prefer, require, verify-ca, verify-full`}},
		{"dsn key=value bad port", "[store]\ndriver = \"postgres\"\ndsn = \"host=db port=x\"", []string{`3:7: "dsn" has a port that is not a number`}},
		{"dsn key=value unclosed quote", "[store]\ndriver = \"postgres\"\ndsn = \"host=db password='abc\"", []string{`3:7: "dsn" has a quoted value without its closing quote`}},
		{"dsn key=value stray word", "[store]\ndriver = \"postgres\"\ndsn = \"host=db news\"", []string{`3:7: "dsn" has a word that is not a key=value pair`}},
		{"lease", "[store]\ndriver = \"postgres\"\ndsn = \"host=db\"\nlease = \"0\"", []string{`4:9: "lease" must be longer than zero`}},

		// ${VAR}
		{"env unset", "[[feed]]\nname = \"f\"\nurl = \"https://x.example/?key=${FEED_KEY}\"", []string{`3:31: environment variable FEED_KEY is not set (referenced as ${FEED_KEY}; write $${ for a literal ${)`}},
		{"env unset in array", "[[feed]]\nname = \"f\"\nurl = \"https://x.example/\"\ntags = [\"a\", \"b${T1}c${T2}\"]", []string{
			`4:16: environment variable T1 is not set`,
			`4:22: environment variable T2 is not set`,
		}},
		{"env unset after escapes", "[daemon]\ndata_dir = \"\\u00e9t\\u00e9/${DIR}\"", []string{`2:27: environment variable DIR is not set`}},
		{"env unset in multi-line literal", "[[feed]]\nname = '''\n  ${NAME}'''\nurl = \"https://x.example/\"", []string{`3:3: environment variable NAME is not set`}},
		{"env unset in Arabic text", "[[feed]]\nname = \"عنب بلدي ${X}\"\nurl = \"https://x.example/\"", []string{`2:18: environment variable X is not set`}},
		{"env malformed", "[daemon]\nadmin_token = \"${A-B} ${C\"", []string{
			`2:16: ${A-B} is not an environment variable reference`,
			`2:23: "${" is not closed by "}"`,
		}},
		{"env in key type", "[[notifier]]\nname = \"n\"\ntype = \"${NOTIFIER_TYPE}\"", []string{`3:9: environment variable NOTIFIER_TYPE is not set`}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, ds := parseDoc(t, tc.doc, env)
			checkDiagnostics(t, ds.Errors(), tc.want)
		})
	}
}
