package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"time"
)

func init() {
	register("health", "ask a running daemon's admin server whether it is healthy", cmdHealth)
}

const healthDescription = `
Asks the admin server of a running daemon (daemon.admin_addr of the
configuration, or -addr) for GET /healthz and prints its answer. For
container health checks and monitoring scripts.

Exit status: 0 when the daemon answers that it is healthy, 1 otherwise.
`

func cmdHealth(ctx context.Context, args []string, sio *IO) error {
	fs := newFlagSet("health", "health [-config FILE] [-addr HOST:PORT]", healthDescription, sio.Stderr)
	configPath := fs.String("config", "", configFlagHelp)
	addr := fs.String("addr", "", "admin server address (default: daemon.admin_addr of the configuration)")
	timeout := fs.Duration("timeout", 5*time.Second, "how long to wait for the answer")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if *addr == "" {
		cfg, err := loadConfig(*configPath, sio, sio.Stderr)
		if err != nil {
			return err
		}
		if cfg.Daemon.AdminAddr == "" {
			return errors.New("the admin server is off (daemon.admin_addr is empty)")
		}
		*addr = cfg.Daemon.AdminAddr
	}
	target, err := healthURL(*addr)
	if err != nil {
		return usageError(err.Error())
	}
	ctx, cancel := context.WithTimeout(ctx, *timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, target, nil)
	if err != nil {
		return err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
	fmt.Fprintln(sio.Stdout, strings.TrimSpace(string(body)))
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("%s answered %s", target, resp.Status)
	}
	return nil
}

// healthURL returns the /healthz URL of the admin server listening on
// addr, asking loopback when addr listens on every interface.
func healthURL(addr string) (string, error) {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return "", fmt.Errorf("admin address %q: %w", addr, err)
	}
	switch host {
	case "", "0.0.0.0":
		host = "127.0.0.1"
	case "::":
		host = "::1"
	}
	return "http://" + net.JoinHostPort(host, port) + "/healthz", nil
}
