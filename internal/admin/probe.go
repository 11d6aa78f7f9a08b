package admin

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
)

// maxProbeBody bounds the answer of /healthz that Probe reads.
const maxProbeBody = 64 << 10

// HealthURL returns the /healthz URL of the admin server listening on
// addr, asking loopback when addr listens on every interface.
func HealthURL(addr string) (string, error) {
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

// Answer is what an admin server answered to GET /healthz.
type Answer struct {
	// Healthy is true for 200 OK.
	Healthy bool
	// Status is the HTTP status, such as "503 Service Unavailable".
	Status string
	// Body lists the checks (at most its first 64 KiB).
	Body []byte
}

// Probe asks a running daemon's admin server whether it is healthy, with
// GET url (see HealthURL). The error is of the request: nobody
// listening, a timeout.
func Probe(ctx context.Context, url string) (*Answer, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return nil, err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(io.LimitReader(resp.Body, maxProbeBody))
	return &Answer{Healthy: resp.StatusCode == http.StatusOK, Status: resp.Status, Body: body}, nil
}
