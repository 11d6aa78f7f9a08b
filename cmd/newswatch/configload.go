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
// the default chain) and prints its warnings to w. On failure it prints
// every problem to w and returns nil.
func loadConfig(flagValue string, sio *IO, w io.Writer) *config.Config {
	path := config.Resolve(flagValue, sio.Getenv, nil)
	cfg, err := config.LoadEnv(path, sio.LookupEnv)
	if err != nil {
		var ds tomlfile.Diagnostics
		if errors.As(err, &ds) {
			fmt.Fprintln(w, ds.Error())
		} else {
			fmt.Fprintf(w, "newswatch: %v\n", err)
		}
		return nil
	}
	if len(cfg.Warnings) > 0 {
		fmt.Fprintln(w, cfg.Warnings.Error())
	}
	return cfg
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
