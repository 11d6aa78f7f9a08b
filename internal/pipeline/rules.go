package pipeline

import (
	"github.com/newswatch/newswatch/internal/config"
	"github.com/newswatch/newswatch/internal/tomlfile"
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
func LoadRules(cfg *config.Config, path string) (*rules.Set, tomlfile.Diagnostics) {
	var (
		set   *rules.Set
		diags tomlfile.Diagnostics
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
