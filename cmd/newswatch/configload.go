package main

import (
	"errors"
	"fmt"
	"io"

	"github.com/newswatch/newswatch/internal/cli"
	"github.com/newswatch/newswatch/internal/config"
	"github.com/newswatch/newswatch/rules"
)

const configFlagHelp = "configuration file (default $NEWSWATCH_CONFIG, else ./config.toml, else /etc/newswatch/config.toml)"

// loadConfig loads the configuration named by the -config flag value (or
// the default chain) and prints its warnings to w. Its error lists every
// problem of the file.
func loadConfig(flagValue string, sio *IO, w io.Writer) (*config.Config, error) {
	path, err := config.Locate(flagValue, sio.Getenv, nil)
	if err != nil {
		return nil, cli.Unnamed(err)
	}
	cfg, err := config.LoadEnv(path, sio.LookupEnv)
	if err != nil {
		if ds, ok := errors.AsType[config.Diagnostics](err); ok {
			return nil, ds
		}
		return nil, cli.Unnamed(err)
	}
	if len(cfg.Warnings) > 0 {
		fmt.Fprintln(w, cfg.Warnings.Error())
	}
	return cfg, nil
}

// rulesOrError returns set, printing the warnings among diags to w, or,
// when diags has errors, an error listing them all.
func rulesOrError(set *rules.Set, diags config.Diagnostics, w io.Writer) (*rules.Set, error) {
	if diags.HasErrors() {
		return nil, diags
	}
	if len(diags) > 0 {
		fmt.Fprintln(w, diags.Error())
	}
	return set, nil
}
