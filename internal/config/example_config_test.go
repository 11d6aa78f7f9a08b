package config

import (
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"slices"
	"strings"
	"testing"
)

// exampleFile is the repository's example configuration, which the README's
// first command runs.
const exampleFile = "../../config.example.toml"

// TestExampleConfig checks that config.example.toml loads as it is, with
// no environment at all: a new user's first run must not need one.
func TestExampleConfig(t *testing.T) {
	cfg, err := LoadEnv(exampleFile, lookup())
	if err != nil {
		t.Fatal(err)
	}
	if len(cfg.Warnings) > 0 {
		t.Errorf("warnings:\n%v", cfg.Warnings)
	}
	root, err := filepath.Abs(filepath.Dir(exampleFile))
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Daemon.DataDir != filepath.Join(root, "data") || cfg.Rules.Dir != filepath.Join(root, "rules.d") {
		t.Errorf("data_dir %q, rules.dir %q; want data and rules.d beside the file", cfg.Daemon.DataDir, cfg.Rules.Dir)
	}
	// Alerts go to the terminal until the user sets up Slack.
	if !reflect.DeepEqual(cfg.Notifiers, []Notifier{implicitConsole}) || !reflect.DeepEqual(cfg.Notify.Default, []string{"console"}) {
		t.Errorf("notifiers %+v, default %q; want only the built-in console", cfg.Notifiers, cfg.Notify.Default)
	}
	if len(cfg.Feeds) < 14 {
		t.Errorf("%d feeds, want the 14 outlets of shared/feeds.md", len(cfg.Feeds))
	}
	for _, f := range cfg.Feeds {
		if !f.Enabled || f.Lang == "" || !strings.HasPrefix(f.URL, "https://") || !slices.Contains(f.Tags, "mideast") {
			t.Errorf("feed %+v: want it enabled, with a language, an https URL and the mideast tag", f)
		}
	}
}

// commentedSetting matches the lines of the example that are settings
// commented out ("#token = …", "#[[notifier]]"), as opposed to prose
// ("# Default poll schedule …") and comments inside them ("## …").
var commentedSetting = regexp.MustCompile(`^#(\[|[a-z_]+ = )`)

// uncomment returns the example with its commented-out settings restored.
func uncomment(data []byte) []byte {
	lines := strings.Split(string(data), "\n")
	for i, l := range lines {
		if commentedSetting.MatchString(l) {
			lines[i] = l[1:]
		}
	}
	return []byte(strings.Join(lines, "\n"))
}

// TestExampleConfigUncommented checks the commented-out parts of the
// example (the Slack notifiers, admin_token, …), which users copy, by
// loading the example with all of them restored, and checks that the
// example shows every key there is.
func TestExampleConfigUncommented(t *testing.T) {
	data, err := os.ReadFile(exampleFile)
	if err != nil {
		t.Fatal(err)
	}
	full := uncomment(data)
	env := lookup(
		"SLACK_BOT_TOKEN", "xoxb-0000-test",
		"SLACK_APP_TOKEN", "xapp-1-A000-0000-test",
		"SLACK_WEBHOOK_URL", "https://hooks.slack.com/services/T000/B000/x",
		"NEWSWATCH_WEBHOOK_SECRET", "s3cret",
		"NEWSWATCH_ADMIN_TOKEN", "0123456789abcdef0123456789abcdef",
		"NEWSWATCH_DATABASE_URL", "postgres://newswatch@db.internal:5432/newswatch?sslmode=verify-full",
	)
	cfg, ds := parse("config.example.toml (uncommented)", "/srv", full, env)
	if len(ds) > 0 {
		t.Fatalf("diagnostics:\n%v", ds)
	}
	var types []string
	for _, n := range cfg.Notifiers {
		types = append(types, n.Type)
	}
	if want := []string{TypeSlack, TypeSlackWebhook, TypeWebhook, TypeConsole}; !reflect.DeepEqual(types, want) {
		t.Errorf("notifier types %q, want one of each: %q", types, want)
	}

	var raw rawConfig
	if _, err := Decode("example", full, &raw); err != nil {
		t.Fatal(err)
	}
	for _, key := range missingKeys(reflect.ValueOf(raw), "") {
		t.Errorf("config.example.toml does not show the key %s", key)
	}
}

// missingKeys returns the keys of the raw table v that are set nowhere;
// a key of an array of tables counts when one element sets it.
func missingKeys(v reflect.Value, prefix string) []string {
	var missing []string
	for i := 0; i < v.NumField(); i++ {
		f, name := v.Field(i), v.Type().Field(i).Tag.Get("toml")
		if prefix != "" {
			name = prefix + "." + name
		}
		switch f.Kind() {
		case reflect.Pointer:
			if f.IsNil() {
				missing = append(missing, name)
			} else {
				missing = append(missing, missingKeys(f.Elem(), name)...)
			}
		case reflect.Struct:
			missing = append(missing, missingKeys(f, name)...)
		case reflect.Slice:
			if f.Len() == 0 {
				missing = append(missing, name)
				continue
			}
			for j := 0; j < f.Index(0).NumField(); j++ {
				set := false
				for k := 0; k < f.Len() && !set; k++ {
					set = !f.Index(k).Field(j).IsNil()
				}
				if !set {
					missing = append(missing, name+"."+f.Index(0).Type().Field(j).Tag.Get("toml"))
				}
			}
		case reflect.Interface:
			if f.IsNil() {
				missing = append(missing, name)
			}
		}
	}
	return missing
}
