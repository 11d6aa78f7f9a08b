//go:build unix

package main

import (
	"database/sql"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/newswatch/newswatch/internal/logtest"
	"github.com/newswatch/newswatch/internal/store/pgtest"
)

// replicaRate is the pace of the test's Slack channel: one message every
// replicaGap.
const (
	replicaRate = 50
	replicaGap  = time.Second / replicaRate
)

// newReplicaSetup is newFaultSetup for replicas sharing the PostgreSQL
// database dsn: each replica has a data_dir of its own, and the same
// configuration and rules.
func newReplicaSetup(t *testing.T, feeds *faultFeeds, lease string) *faultSetup {
	dir := t.TempDir()
	var b strings.Builder
	fmt.Fprintf(&b, `
[daemon]
data_dir   = "${REPLICA_DATA_DIR}"
schedule   = "@every 2s"
backfill   = "1h"
admin_addr = ""

[store]
driver = "postgres"
dsn    = "${NEWSWATCH_DATABASE_URL}"
lease  = %q

[log]
level = "info"

[fetch]
jitter   = "0"
per_host = 4

[[notifier]]
name    = "slack"
type    = "slack"
token   = "${FAULT_SLACK_TOKEN}"
channel = "#news"
api_url = "${REPLICA_SLACK_URL}"
rate    = %d
burst   = 1

[notify]
fold_threshold = 1000
`, lease, replicaRate)
	for _, p := range slices.Sorted(func(yield func(string) bool) {
		for p := range feeds.items {
			if !yield(p) {
				return
			}
		}
	}) {
		fmt.Fprintf(&b, "\n[[feed]]\nname = %q\nurl = %q\n", strings.Trim(p, "/"), feeds.srv.URL+p)
	}
	writeFiles(t, dir, map[string]string{
		"config.toml":        b.String(),
		"rules.d/watch.toml": "[[rule]]\nname = \"syria\"\nquery = 'syria'\n",
	})
	return &faultSetup{bin: newswatchBinary(t), dir: dir, config: filepath.Join(dir, "config.toml")}
}

// replicaSends records which replica sent each request to the fake Slack:
// each replica reaches it through a front of its own.
type replicaSends struct {
	slack *faultSlack
	mu    sync.Mutex
	sends []replicaSend
}

// replicaSend is one request to Slack: the replica that sent it, and when
// it arrived and was answered.
type replicaSend struct {
	replica    int
	start, end time.Time
}

// front returns the Slack API URL for replica n.
func (rs *replicaSends) front(t *testing.T, n int) string {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		rs.slack.ServeHTTP(w, r)
		rs.mu.Lock()
		rs.sends = append(rs.sends, replicaSend{replica: n, start: start, end: time.Now()})
		rs.mu.Unlock()
	}))
	t.Cleanup(srv.Close)
	return srv.URL + "/api/"
}

// handOvers checks that one replica at a time sent: sorted by arrival,
// each request of a replica other than the last one's sender arrived
// after every earlier request was answered, and at least gap later. It
// returns how many times the sender changed.
func (rs *replicaSends) handOvers(t *testing.T, gap time.Duration) int {
	rs.mu.Lock()
	defer rs.mu.Unlock()
	sends := slices.Clone(rs.sends)
	slices.SortFunc(sends, func(a, b replicaSend) int { return a.start.Compare(b.start) })
	changes := 0
	var lastEnd time.Time
	for i, s := range sends {
		if i > 0 && s.replica != sends[i-1].replica {
			changes++
			if s.start.Sub(lastEnd) < gap {
				t.Errorf("replica %d sent to Slack %s after replica %d's last request was answered; the pace is one every %s, and one replica sends at a time",
					s.replica, s.start.Sub(lastEnd), sends[i-1].replica, gap)
			}
		}
		if s.end.After(lastEnd) {
			lastEnd = s.end
		}
	}
	return changes
}

// startReplica starts replica n on the database dsn.
func (s *faultSetup) startReplica(t *testing.T, dsn string, n int, sends *replicaSends) *faultDaemon {
	t.Helper()
	data := filepath.Join(s.dir, fmt.Sprintf("replica-%d", n))
	d := &faultDaemon{stderr: &logtest.Buffer{}, done: make(chan error, 1)}
	d.cmd = exec.Command(s.bin, "run", "-config", s.config)
	d.cmd.Env = append(os.Environ(), "FAULT_SLACK_TOKEN=xoxb-fault", "NEWSWATCH_DATABASE_URL="+dsn, "REPLICA_DATA_DIR="+data,
		"REPLICA_SLACK_URL="+sends.front(t, n))
	d.cmd.Stderr = d.stderr
	if err := d.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { d.done <- d.cmd.Wait() }()
	t.Cleanup(func() {
		if d.cmd.ProcessState == nil {
			d.cmd.Process.Kill()
			<-d.done
		}
	})
	return d
}

// TestReplicasFailover runs three replicas on one PostgreSQL database, 200
// feeds with a new item each round (three in four of them matching: 900
// alerts in six rounds), and a Slack channel paced at fifty messages a
// second (so that the alerts of a round are sent within it). In the middle of rounds it kills (SIGKILL) the
// replica that sends, or another, and starts a new one. In the end every
// matching item has been alerted, at most once more per kill (the message
// Slack accepted just before the sender died); one replica at a time sent,
// a new sender starting no sooner than the pace after the last message of
// the one before (the pace of one sender is the dispatcher's, tested in
// package notify); and no feed was fetched more often than its schedule
// says, give or take the kills.
func TestReplicasFailover(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary and kills replicas")
	}
	dsn := pgtest.DSN(t)
	db, err := sql.Open("pgx", dsn)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })

	r := rand.New(rand.NewPCG(uint64(time.Now().UnixNano()), 13))
	var paths []string
	for i := range 200 {
		paths = append(paths, fmt.Sprintf("/f%03d", i))
	}
	feeds := newFaultFeeds(t, paths...)
	slack := newFaultSlack(t)
	sends := &replicaSends{slack: slack}
	setup := newReplicaSetup(t, feeds, "3s")
	begin := time.Now()

	replicas := make([]*faultDaemon, 3)
	started := 0
	for i := range replicas {
		replicas[i] = setup.startReplica(t, dsn, started, sends)
		started++
	}
	// sender returns the index of the replica that holds the lease of
	// the channel, or -1.
	sender := func() int {
		var holder string
		err := db.QueryRow(`SELECT holder FROM leases WHERE name = 'dispatch/slack/#news' AND expires_at > $1`, time.Now().UnixMilli()).Scan(&holder)
		if err != nil {
			return -1
		}
		for i, d := range replicas {
			if strings.Contains(holder, fmt.Sprintf("-%d-", d.cmd.Process.Pid)) {
				return i
			}
		}
		return -1
	}

	expected := map[int]bool{}
	kills, senderKills := 0, 0
	for round := range 6 {
		var keys []int
		for _, p := range paths {
			for _, k := range feeds.publish(p, 1, r) {
				expected[k] = true
				keys = append(keys, k)
			}
		}
		if round%2 == 1 {
			// Kill mid-round: the sender on odd rounds, once it has
			// started sending the round's alerts, else another replica.
			victim := r.IntN(len(replicas))
			if round != 3 {
				deadline := time.Now().Add(30 * time.Second)
				for sender() < 0 && time.Now().Before(deadline) {
					time.Sleep(20 * time.Millisecond)
				}
				if i := sender(); i >= 0 {
					victim = i
					senderKills++
				}
			}
			waitUntil(t, setup, "a message of the round", func() bool {
				counts := slack.count()
				return slices.ContainsFunc(keys, func(k int) bool { return counts[k] > 0 })
			})
			setup.kill(t, replicas[victim])
			kills++
			replicas[victim] = setup.startReplica(t, dsn, started, sends)
			started++
		}
		// The round is over when every feed served its new items.
		waitUntil(t, setup, "every feed's new items to be fetched", func() bool {
			feeds.mu.Lock()
			defer feeds.mu.Unlock()
			for _, p := range paths {
				if feeds.shown[p] < feeds.version[p] {
					return false
				}
			}
			return true
		})
	}

	waitUntil(t, setup, "every alert to reach Slack", func() bool {
		counts := slack.count()
		for k := range expected {
			if counts[k] == 0 {
				return false
			}
		}
		return true
	})
	elapsed := time.Since(begin)
	for _, d := range replicas {
		setup.stop(t, d)
	}

	counts := slack.count()
	copies := 0
	for k, n := range counts {
		if !expected[k] {
			t.Errorf("item %d, which matches no rule, was alerted %d times", k, n)
		}
		copies += n - 1
	}
	// Each kill of the sender may leave one message accepted by Slack and
	// not recorded; a kill of another replica none.
	if copies > kills {
		t.Errorf("%d copies of alerts for %d kills (%d of the sender), want at most one a kill", copies, kills, senderKills)
	}
	handOvers := sends.handOvers(t, replicaGap)
	if senderKills > 0 && handOvers == 0 {
		t.Error("the sender was killed, and no other replica sent after it")
	}
	// A feed is due every two seconds; each kill may cost one extra
	// fetch of the feeds the dead replica had claimed.
	feeds.mu.Lock()
	for _, p := range paths {
		if most := int(elapsed/(2*time.Second)) + kills + 2; feeds.fetches[p] > most {
			t.Errorf("feed %s fetched %d times in %s, want at most %d", p, feeds.fetches[p], elapsed.Round(time.Second), most)
		}
	}
	feeds.mu.Unlock()
	// feeds list says which replica polled each feed last.
	ids := map[string]bool{}
	rows, err := db.Query(`SELECT id FROM replicas`)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			t.Fatal(err)
		}
		ids[id] = true
	}
	rows.Close()
	list := exec.Command(setup.bin, "feeds", "list", "-json", "-config", setup.config)
	list.Env = append(os.Environ(), "FAULT_SLACK_TOKEN=xoxb-fault", "NEWSWATCH_DATABASE_URL="+dsn,
		"REPLICA_DATA_DIR="+filepath.Join(setup.dir, "list"), "REPLICA_SLACK_URL=http://127.0.0.1:1/api/")
	out, err := list.Output()
	if err != nil {
		t.Fatalf("feeds list -json: %v", err)
	}
	listed := 0
	for line := range strings.Lines(string(out)) {
		var rec struct {
			Name     string `json:"name"`
			PolledBy string `json:"polled_by"`
		}
		if err := json.Unmarshal([]byte(line), &rec); err != nil {
			t.Fatalf("feeds list -json: %v: %q", err, line)
		}
		listed++
		if !ids[rec.PolledBy] {
			t.Errorf("feeds list says feed %s was polled last by %q, not one of the replicas", rec.Name, rec.PolledBy)
		}
	}
	if listed != len(paths) {
		t.Errorf("feeds list -json listed %d feeds, want %d", listed, len(paths))
	}
	t.Logf("%d replicas run in all, %d kills (%d of the sender), %d items alerted, %d copies, %d hand-overs of the sending in %s",
		started, kills, senderKills, len(counts), copies, handOvers, elapsed.Round(time.Second))
}

// waitUntil polls cond until it holds, failing the test after a generous
// deadline.
func waitUntil(t *testing.T, s *faultSetup, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(90 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			s.dump(t)
			t.Fatalf("gave up waiting for %s", what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}
