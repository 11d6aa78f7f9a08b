package pipeline

import (
	"context"
	"errors"
	"fmt"
	"slices"

	"github.com/newswatch/newswatch/internal/config"
	"github.com/newswatch/newswatch/internal/store"
	"github.com/newswatch/newswatch/notify"
	"github.com/newswatch/newswatch/rules"
)

// Known lists what the configuration defines that rules refer to.
func Known(cfg *config.Config) rules.Known {
	k := rules.Known{Feeds: []string{}, FeedURLs: []string{}, Tags: []string{}, Notifiers: []string{}}
	for _, f := range cfg.Feeds {
		k.Feeds = append(k.Feeds, f.Name)
		k.FeedURLs = append(k.FeedURLs, f.URL)
		k.Tags = append(k.Tags, f.Tags...)
	}
	for _, n := range cfg.Notifiers {
		k.Notifiers = append(k.Notifiers, n.Name)
	}
	return k
}

// LoadRules loads the rules at path, a rule file or a directory of them
// ("" for the configuration's rules.dir), and checks them against the
// configuration. It returns every problem found, sorted by position.
func LoadRules(cfg *config.Config, path string) (*rules.Set, config.Diagnostics) {
	var (
		set   *rules.Set
		diags config.Diagnostics
	)
	if path == "" {
		set, diags = rules.LoadDir(cfg.Rules.Dir)
	} else {
		set, diags = rules.LoadPath(path)
	}
	if set != nil {
		diags = append(diags, rules.Check(set, Known(cfg))...)
	}
	diags.Sort()
	return set, diags
}

// ErrNoSuchRule is the error of CheckRuleName for a name that no rule has.
var ErrNoSuchRule = errors.New("does not exist")

// CheckRuleName returns nil when name is a rule that users may ask about:
// a rule written in the configuration's rules directory (enabled or not,
// with errors or not), the reserved rule of feed-health alerts, or a rule
// with alerts in st (a rule since removed). Otherwise it returns an error
// wrapping ErrNoSuchRule that suggests the name probably meant. A nil st
// has no alerts.
func CheckRuleName(ctx context.Context, cfg *config.Config, st *store.Store, name string) error {
	if name == notify.HealthRule {
		return nil
	}
	names := rules.NamesIn(cfg.Rules.Dir)
	if slices.Contains(names, name) {
		return nil
	}
	if st != nil {
		had, err := st.Alerts(ctx, store.AlertFilter{Rule: name, Limit: 1})
		if err != nil {
			return err
		}
		if len(had) > 0 {
			return nil
		}
	}
	hint := ""
	if near := config.Nearest(name, names); near != "" {
		hint = fmt.Sprintf(" (did you mean %q?)", near)
	}
	return fmt.Errorf("rule %q %w: no rule file in %s names it, and no alert has it%s", name, ErrNoSuchRule, cfg.Rules.Dir, hint)
}
