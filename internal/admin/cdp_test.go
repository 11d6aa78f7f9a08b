package admin

import (
	"bufio"
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"sync"
	"testing"
	"time"
)

// devtools drives a headless Chromium through the Chrome DevTools Protocol
// over a pipe (--remote-debugging-pipe: commands on the browser's file
// descriptor 3, answers and events on 4, each a JSON message ended by a
// NUL byte), so that a test can load a page at a given viewport and ask
// the browser how it laid it out. Only the standard library is used.
type devtools struct {
	t        *testing.T
	cmd      *exec.Cmd
	toChrome io.WriteCloser
	session  string // the page's session (Target.attachToTarget, flattened)

	mu      sync.Mutex
	nextID  int
	waiting map[int]chan cdpMessage
	events  chan cdpMessage
	readErr error
	done    chan struct{}
}

// cdpMessage is one message from the browser: an answer (ID set) or an
// event (Method set).
type cdpMessage struct {
	ID        int             `json:"id,omitempty"`
	Method    string          `json:"method,omitempty"`
	SessionID string          `json:"sessionId,omitempty"`
	Result    json.RawMessage `json:"result,omitempty"`
	Params    json.RawMessage `json:"params,omitempty"`
	Error     *struct {
		Code    int    `json:"code"`
		Message string `json:"message"`
	} `json:"error,omitempty"`
}

// startDevtools starts the browser at bin with a blank page attached, and
// stops it when the test ends.
func startDevtools(t *testing.T, bin string) *devtools {
	t.Helper()
	cmdR, cmdW, err := os.Pipe() // the browser reads commands from cmdR
	if err != nil {
		t.Fatal(err)
	}
	outR, outW, err := os.Pipe() // and writes answers to outW
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(bin,
		"--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
		"--disable-background-networking", "--disable-component-update", "--disable-sync",
		"--disable-extensions", "--hide-scrollbars", "--remote-debugging-pipe",
		"--user-data-dir="+t.TempDir(), "about:blank")
	cmd.ExtraFiles = []*os.File{cmdR, outW} // descriptors 3 and 4
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatalf("start %s: %v", bin, err)
	}
	cmdR.Close()
	outW.Close()
	d := &devtools{t: t, cmd: cmd, toChrome: cmdW, waiting: map[int]chan cdpMessage{},
		events: make(chan cdpMessage, 1024), done: make(chan struct{})}
	go d.read(outR)
	t.Cleanup(func() {
		d.toChrome.Close() // the browser exits when its pipe closes
		exited := make(chan error, 1)
		go func() { exited <- cmd.Wait() }()
		select {
		case <-exited:
		case <-time.After(10 * time.Second):
			_ = cmd.Process.Kill()
			<-exited
		}
		outR.Close()
		if t.Failed() {
			t.Logf("browser's standard error:\n%s", stderr.String())
		}
	})

	var target struct {
		TargetID string `json:"targetId"`
	}
	d.browserCall("Target.createTarget", map[string]any{"url": "about:blank"}, &target)
	var attached struct {
		SessionID string `json:"sessionId"`
	}
	d.browserCall("Target.attachToTarget", map[string]any{"targetId": target.TargetID, "flatten": true}, &attached)
	d.session = attached.SessionID
	d.call("Page.enable", nil, nil)
	return d
}

// read passes the browser's messages to their callers until the pipe
// closes.
func (d *devtools) read(r io.Reader) {
	defer close(d.done)
	br := bufio.NewReader(r)
	for {
		raw, err := br.ReadBytes(0)
		if err != nil {
			d.mu.Lock()
			d.readErr = err
			d.mu.Unlock()
			return
		}
		var m cdpMessage
		if err := json.Unmarshal(raw[:len(raw)-1], &m); err != nil {
			continue
		}
		if m.ID != 0 {
			d.mu.Lock()
			ch := d.waiting[m.ID]
			delete(d.waiting, m.ID)
			d.mu.Unlock()
			if ch != nil {
				ch <- m
			}
			continue
		}
		select {
		case d.events <- m:
		default: // nobody waits for so many events
		}
	}
}

// send writes one command, to the page's session when session is set,
// and returns its answer.
func (d *devtools) send(session, method string, params any, result any) {
	d.t.Helper()
	d.mu.Lock()
	d.nextID++
	id := d.nextID
	ch := make(chan cdpMessage, 1)
	d.waiting[id] = ch
	d.mu.Unlock()
	msg := map[string]any{"id": id, "method": method}
	if params != nil {
		msg["params"] = params
	}
	if session != "" {
		msg["sessionId"] = session
	}
	data, err := json.Marshal(msg)
	if err != nil {
		d.t.Fatal(err)
	}
	if _, err := d.toChrome.Write(append(data, 0)); err != nil {
		d.t.Fatalf("devtools %s: %v", method, err)
	}
	select {
	case m := <-ch:
		if m.Error != nil {
			d.t.Fatalf("devtools %s: %s (%d)", method, m.Error.Message, m.Error.Code)
		}
		if result != nil {
			if err := json.Unmarshal(m.Result, result); err != nil {
				d.t.Fatalf("devtools %s: %v", method, err)
			}
		}
	case <-d.done:
		d.t.Fatalf("devtools %s: the browser closed its pipe: %v", method, d.readErr)
	case <-time.After(60 * time.Second):
		d.t.Fatalf("devtools %s: no answer within 60s", method)
	}
}

func (d *devtools) browserCall(method string, params, result any) {
	d.t.Helper()
	d.send("", method, params, result)
}

func (d *devtools) call(method string, params, result any) {
	d.t.Helper()
	d.send(d.session, method, params, result)
}

// viewport makes the page width×height CSS pixels, as a phone's screen
// (mobile: the meta viewport applies, as on a phone) or a desktop window.
// A pixel is a CSS pixel: the layout is a phone's, the screenshots small.
func (d *devtools) viewport(width, height int, mobile bool) {
	d.t.Helper()
	d.call("Emulation.setDeviceMetricsOverride", map[string]any{
		"width": width, "height": height, "deviceScaleFactor": 1, "mobile": mobile,
	}, nil)
}

// open loads url and waits for its load event.
func (d *devtools) open(url string) {
	d.t.Helper()
	for len(d.events) > 0 { // events of an earlier page
		<-d.events
	}
	var nav struct {
		ErrorText string `json:"errorText"`
	}
	d.call("Page.navigate", map[string]any{"url": url}, &nav)
	if nav.ErrorText != "" {
		d.t.Fatalf("load %s: %s", url, nav.ErrorText)
	}
	deadline := time.After(60 * time.Second)
	for {
		select {
		case ev := <-d.events:
			if ev.Method == "Page.loadEventFired" && ev.SessionID == d.session {
				return
			}
		case <-d.done:
			d.t.Fatalf("load %s: the browser closed its pipe", url)
		case <-deadline:
			d.t.Fatalf("load %s: no load event within 60s", url)
		}
	}
}

// eval evaluates a JavaScript expression in the page, as DevTools' console
// does (the page's own Content-Security-Policy, which forbids scripts,
// does not apply to it), and stores its JSON value in result.
func (d *devtools) eval(expr string, result any) {
	d.t.Helper()
	var res struct {
		Result struct {
			Value json.RawMessage `json:"value"`
		} `json:"result"`
		ExceptionDetails *struct {
			Text      string `json:"text"`
			Exception struct {
				Description string `json:"description"`
			} `json:"exception"`
		} `json:"exceptionDetails"`
	}
	d.call("Runtime.evaluate", map[string]any{"expression": expr, "returnByValue": true}, &res)
	if e := res.ExceptionDetails; e != nil {
		d.t.Fatalf("evaluate: %s %s", e.Text, e.Exception.Description)
	}
	if err := json.Unmarshal(res.Result.Value, result); err != nil {
		d.t.Fatalf("evaluate: %v (value %s)", err, res.Result.Value)
	}
}

// screenshot writes a PNG of the whole page, as wide as the viewport, to
// path.
func (d *devtools) screenshot(path string) error {
	d.t.Helper()
	var size struct{ Width, Height float64 }
	d.eval(`({width: document.documentElement.clientWidth, height: document.documentElement.scrollHeight})`, &size)
	var shot struct {
		Data string `json:"data"`
	}
	d.call("Page.captureScreenshot", map[string]any{
		"format": "png", "captureBeyondViewport": true,
		"clip": map[string]any{"x": 0, "y": 0, "width": size.Width, "height": size.Height, "scale": 1},
	}, &shot)
	png, err := base64.StdEncoding.DecodeString(shot.Data)
	if err != nil {
		return fmt.Errorf("screenshot: %w", err)
	}
	if !bytes.HasPrefix(png, []byte("\x89PNG")) {
		return errors.New("screenshot: not a PNG")
	}
	return os.WriteFile(path, png, 0o644)
}
