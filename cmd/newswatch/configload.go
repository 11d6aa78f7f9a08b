package main

import (
	"errors"
	"fmt"
	"io"

	"github.com/newswatch/newswatch/internal/config"
	"github.com/newswatch/newswatch/internal/tomlfile"
	"github.com/newswatch/newswatch/rules"
)

const configFlagHelp = "configuration file (default $NEWSWATCH_CONFIG, else ./config.toml, else /etc/newswatch/config.toml)"

// loadConfig loads the configuration named by the -config flag value (or
// the default chain) and prints its warnings to w. Its error lists every
// problem of the file.
func loadConfig(flagValue string, sio *IO, w io.Writer) (*config.Config, error) {
	path := config.Resolve(flagValue, sio.Getenv, nil)
	cfg, err := config.LoadEnv(path, sio.LookupEnv)
	if err != nil {
		if ds, ok := errors.AsType[tomlfile.Diagnostics](err); ok {
			return nil, ds
		}
		return nil, unnamed{err}
	}
	if len(cfg.Warnings) > 0 {
		fmt.Fprintln(w, cfg.Warnings.Error())
	}
	return cfg, nil
}

// knownToRules lists what the configuration defines that rules refer to.
func knownToRules(cfg *config.Config) rules.Known {
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

// loadRules loads the rule files of the configuration and checks them
// against it, returning every problem found.
func loadRules(cfg *config.Config) (*rules.Set, tomlfile.Diagnostics) {
	set, diags := rules.LoadDir(cfg.Rules.Dir)
	if set != nil {
		diags = append(diags, rules.Check(set, knownToRules(cfg))...)
	}
	diags.Sort()
	return set, diags
}

// rulesOrError returns set, printing the warnings among diags to w, or,
// when diags has errors, an error listing them all.
func rulesOrError(set *rules.Set, diags tomlfile.Diagnostics, w io.Writer) (*rules.Set, error) {
	if diags.HasErrors() {
		return nil, diags
	}
	if len(diags) > 0 {
		fmt.Fprintln(w, diags.Error())
	}
	return set, nil
}
