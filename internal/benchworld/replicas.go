package benchworld

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"fmt"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib" // registers the "pgx" database/sql driver
)

// ReplicaRound is a round of replicas sharing a PostgreSQL database
// (Options.Replicas): `newswatch run` processes polling on their schedule.
type ReplicaRound struct {
	Round int       `json:"round"`
	World RoundInfo `json:"world"`
	// Secs is the time from the round's documents being in place until
	// every feed was polled after that and no alert was queued.
	Secs float64 `json:"secs"`
	// NewItems is how many items the replicas recorded in the round.
	NewItems int `json:"new_items"`
	// DaemonCPUSecs is the CPU time of all replicas in the round (from
	// /proc), PostgresCPUSecs that of the PostgreSQL backends serving
	// their connections (from /proc, by pg_stat_activity's pid; a backend
	// that ended within the round is not counted).
	DaemonCPUSecs   float64 `json:"daemon_cpu_secs"`
	PostgresCPUSecs float64 `json:"postgres_cpu_secs"`
	// PolledBy counts, by replica (0, 1, …), the feeds it polled last.
	PolledBy []int `json:"polled_by"`
	// Load1 is the machine's load average over a minute at the round's end.
	Load1 float64 `json:"load1"`
}

// Failover is what killing a replica (SIGKILL) in the middle of a round
// cost: the feeds it had claimed wait for their claims to end.
type Failover struct {
	Lease string `json:"lease"`
	// Claimed is how many feeds the killed replica had claimed.
	Claimed int `json:"claimed"`
	// FirstSecs is the time from the kill to the first poll of one of
	// them by another replica; AllSecs to the poll of the last.
	FirstSecs float64 `json:"first_secs"`
	AllSecs   float64 `json:"all_secs"`
}

// replicaSet is the replicas of a run and their database.
type replicaSet struct {
	db      *sql.DB
	dsn     string // the replicas' DSN: the bench's schema, its application_name
	app     string
	schema  string
	admin   *sql.DB
	procs   []*exec.Cmd
	bin     string
	config  string
	dir     string
	logw    *os.File
	started int
}

// runReplicaRounds runs the rounds of o with o.Replicas processes of the
// newswatch binary o.Once (`run`) sharing a new schema of the PostgreSQL
// database o.DSN, then, with two replicas or more, kills one in the
// middle of a further round to measure the failover.
func runReplicaRounds(ctx context.Context, o Options, dir, config string, world *worldProcess, logw *os.File, res *Result) error {
	rs, err := openReplicaSet(ctx, o.DSN)
	if err != nil {
		return err
	}
	defer rs.close()
	rs.bin, rs.config, rs.dir, rs.logw = o.Once, config, dir, logw
	for range o.Replicas {
		if err := rs.start(); err != nil {
			return err
		}
	}
	defer rs.stopAll()
	if err := rs.waitStarted(ctx, o.Replicas); err != nil {
		return err
	}
	feeds := o.Mix.Feeds
	items := 0
	last := o.Rounds
	if o.Replicas > 1 {
		last++ // the failover round: another replica takes the killed one's feeds
	}
	for n := 0; n <= last; n++ {
		info, err := world.advance(ctx, n)
		if err != nil {
			return err
		}
		start := time.Now()
		if n > o.Rounds {
			// The failover round.
			f, err := rs.failover(ctx, start, o.Settings.Lease)
			if err != nil {
				return err
			}
			res.Failover = f
			if o.Progress != nil {
				fmt.Fprintf(o.Progress, "failover: %d feeds claimed by the killed replica; first polled again after %.1fs, all after %.1fs\n",
					f.Claimed, f.FirstSecs, f.AllSecs)
			}
			return nil
		}
		cpu0, pg0, err := rs.cpu(ctx)
		if err != nil {
			return err
		}
		if err := rs.waitRound(ctx, start, feeds); err != nil {
			return err
		}
		r := ReplicaRound{Round: n, World: info, Secs: time.Since(start).Seconds(), Load1: load1()}
		cpu1, pg1, err := rs.cpu(ctx)
		if err != nil {
			return err
		}
		r.DaemonCPUSecs = (cpu1 - cpu0).Seconds()
		for pid, t := range pg1 {
			r.PostgresCPUSecs += (t - pg0[pid]).Seconds()
		}
		total, err := rs.count(ctx, `SELECT COUNT(*) FROM items`)
		if err != nil {
			return err
		}
		r.NewItems, items = total-items, total
		if r.PolledBy, err = rs.polledBy(ctx); err != nil {
			return err
		}
		res.Replicas = append(res.Replicas, r)
		if o.Progress != nil {
			fmt.Fprintf(o.Progress, "round %d: %.1fs, %d new items, daemons %.2f CPU s, postgres %.2f CPU s, polled by %v, load %.1f\n",
				n, r.Secs, r.NewItems, r.DaemonCPUSecs, r.PostgresCPUSecs, r.PolledBy, r.Load1)
		}
	}
	return nil
}

// openReplicaSet makes a schema of its own in the database dsn names, for
// the replicas to share.
func openReplicaSet(ctx context.Context, dsn string) (*replicaSet, error) {
	if dsn == "" {
		return nil, fmt.Errorf("-store postgres needs a database: -dsn, or $NEWSWATCH_DATABASE_URL")
	}
	u, err := url.Parse(dsn)
	if err != nil {
		return nil, fmt.Errorf("the database's DSN: %w", err)
	}
	var b [4]byte
	rand.Read(b[:])
	suffix := hex.EncodeToString(b[:])
	rs := &replicaSet{schema: "bench_" + suffix, app: "newswatch-bench-" + suffix}
	if rs.admin, err = sql.Open("pgx", dsn); err != nil {
		return nil, err
	}
	if _, err := rs.admin.ExecContext(ctx, `CREATE SCHEMA `+rs.schema); err != nil {
		rs.admin.Close()
		return nil, fmt.Errorf("creating the bench's schema: %w", err)
	}
	q := u.Query()
	q.Set("search_path", rs.schema)
	q.Set("application_name", rs.app)
	u.RawQuery = q.Encode()
	rs.dsn = u.String()
	if rs.db, err = sql.Open("pgx", rs.dsn); err != nil {
		rs.close()
		return nil, err
	}
	return rs, nil
}

func (rs *replicaSet) close() {
	if rs.db != nil {
		rs.db.Close()
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	rs.admin.ExecContext(ctx, `DROP SCHEMA `+rs.schema+` CASCADE`)
	rs.admin.Close()
}

// start starts one more replica, with a data_dir of its own.
func (rs *replicaSet) start() error {
	cmd := exec.Command(rs.bin, "run", "-config", rs.config)
	cmd.Env = append(os.Environ(), "BENCH_SLACK_TOKEN="+benchSlackToken, "NEWSWATCH_DATABASE_URL="+rs.dsn,
		"BENCH_DATA_DIR="+filepath.Join(rs.dir, fmt.Sprintf("replica-%d", rs.started)))
	cmd.Stdout, cmd.Stderr = rs.logw, rs.logw
	if err := cmd.Start(); err != nil {
		return err
	}
	rs.started++
	rs.procs = append(rs.procs, cmd)
	return nil
}

func (rs *replicaSet) stopAll() {
	for _, p := range rs.procs {
		if p.ProcessState == nil {
			p.Process.Signal(syscall.SIGTERM)
			p.Wait()
		}
	}
}

// waitStarted waits until n replicas have migrated the schema and beat.
func (rs *replicaSet) waitStarted(ctx context.Context, n int) error {
	deadline := time.Now().Add(2 * time.Minute)
	for {
		var beating int
		err := rs.db.QueryRowContext(ctx, `SELECT COUNT(*) FROM replicas`).Scan(&beating)
		if err == nil && beating >= n {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("%d of %d replicas started after 2 minutes (see daemon.log): %v", beating, n, err)
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(50 * time.Millisecond):
		}
	}
}

// waitRound waits until every feed was polled at or after start and no
// alert is queued.
func (rs *replicaSet) waitRound(ctx context.Context, start time.Time, feeds int) error {
	deadline := time.Now().Add(drainTimeout)
	for {
		polled, err := rs.count(ctx, `SELECT COUNT(*) FROM feeds WHERE configured = 1 AND last_fetch_at >= $1`, start.UnixMilli())
		if err != nil {
			return err
		}
		queued, err := rs.count(ctx, `SELECT COUNT(*) FROM alerts WHERE status = 'queued'`)
		if err != nil {
			return err
		}
		if polled >= feeds && queued == 0 {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("after %s, %d of %d feeds polled and %d alerts queued", drainTimeout, polled, feeds, queued)
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(20 * time.Millisecond):
		}
	}
}

func (rs *replicaSet) count(ctx context.Context, query string, args ...any) (int, error) {
	var n int
	if err := rs.db.QueryRowContext(ctx, query, args...).Scan(&n); err != nil {
		return 0, fmt.Errorf("bench: %s: %w", query, err)
	}
	return n, nil
}

// cpu returns the CPU time of the replicas running, and of each
// PostgreSQL backend serving the bench's connections, by pid.
func (rs *replicaSet) cpu(ctx context.Context) (time.Duration, map[int]time.Duration, error) {
	var daemons time.Duration
	for _, p := range rs.procs {
		if p.ProcessState == nil {
			daemons += procCPU(p.Process.Pid)
		}
	}
	rows, err := rs.admin.QueryContext(ctx, `SELECT pid FROM pg_stat_activity WHERE application_name = $1`, rs.app)
	if err != nil {
		return 0, nil, fmt.Errorf("bench: reading PostgreSQL's backends: %w", err)
	}
	defer rows.Close()
	backends := map[int]time.Duration{}
	for rows.Next() {
		var pid int
		if err := rows.Scan(&pid); err != nil {
			return 0, nil, err
		}
		backends[pid] = procCPU(pid)
	}
	return daemons, backends, rows.Err()
}

// procCPU is the user and system time of process pid so far, from
// /proc/PID/stat; zero when it cannot be read.
func procCPU(pid int) time.Duration {
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0
	}
	// The fields after the command name, which is in parentheses.
	s := string(data)
	fields := strings.Fields(s[strings.LastIndexByte(s, ')')+1:])
	if len(fields) < 13 {
		return 0
	}
	utime, _ := strconv.ParseInt(fields[11], 10, 64)
	stime, _ := strconv.ParseInt(fields[12], 10, 64)
	const ticks = 100 // USER_HZ on Linux
	return time.Duration(utime+stime) * time.Second / ticks
}

// load1 is the load average over the last minute, 0 when unknown.
func load1() float64 {
	data, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return 0
	}
	f, _ := strconv.ParseFloat(strings.Fields(string(data))[0], 64)
	return f
}

// replicaIDs returns the replica ID of each process started, by index ("" for one not
// registered yet).
func (rs *replicaSet) replicaIDs(ctx context.Context) ([]string, error) {
	rows, err := rs.db.QueryContext(ctx, `SELECT id FROM replicas`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	ids := make([]string, len(rs.procs))
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			return nil, err
		}
		for i, p := range rs.procs {
			if strings.Contains(id, fmt.Sprintf("-%d-", p.Process.Pid)) {
				ids[i] = id
			}
		}
	}
	return ids, rows.Err()
}

// polledBy counts the feeds each replica polled last.
func (rs *replicaSet) polledBy(ctx context.Context) ([]int, error) {
	ids, err := rs.replicaIDs(ctx)
	if err != nil {
		return nil, err
	}
	out := make([]int, len(ids))
	for i, id := range ids {
		if id != "" {
			if out[i], err = rs.count(ctx, `SELECT COUNT(*) FROM feeds WHERE polled_by = $1`, id); err != nil {
				return nil, err
			}
		}
	}
	return out, nil
}

// failover kills, with SIGKILL, the first replica seen holding claims on
// feeds after start, and measures how long its feeds wait for another.
func (rs *replicaSet) failover(ctx context.Context, start time.Time, lease string) (*Failover, error) {
	ids, err := rs.replicaIDs(ctx)
	if err != nil {
		return nil, err
	}
	deadline := time.Now().Add(time.Minute)
	for time.Now().Before(deadline) {
		for i, id := range ids {
			if id == "" || rs.procs[i].ProcessState != nil {
				continue
			}
			rows, err := rs.db.QueryContext(ctx, `SELECT id FROM feeds WHERE claimed_by = $1 AND claimed_until > $2`, id, time.Now().UnixMilli())
			if err != nil {
				return nil, err
			}
			var claimed []int64
			for rows.Next() {
				var f int64
				if err := rows.Scan(&f); err != nil {
					rows.Close()
					return nil, err
				}
				claimed = append(claimed, f)
			}
			rows.Close()
			if len(claimed) == 0 {
				continue
			}
			rs.procs[i].Process.Kill()
			killed := time.Now()
			rs.procs[i].Wait()
			return rs.measureFailover(ctx, id, claimed, killed, lease)
		}
		time.Sleep(5 * time.Millisecond)
	}
	return nil, fmt.Errorf("no replica claimed a feed within a minute of the round's start")
}

// measureFailover waits until every feed of claimed was polled by a
// replica other than dead after killed.
func (rs *replicaSet) measureFailover(ctx context.Context, dead string, claimed []int64, killed time.Time, lease string) (*Failover, error) {
	f := &Failover{Lease: lease, Claimed: len(claimed)}
	left := slices.Clone(claimed)
	deadline := killed.Add(drainTimeout)
	for len(left) > 0 {
		if time.Now().After(deadline) {
			return nil, fmt.Errorf("%d feeds of the killed replica not polled %s after the kill", len(left), drainTimeout)
		}
		kept := left[:0]
		for _, id := range left {
			var by string
			var at sql.NullInt64
			if err := rs.db.QueryRowContext(ctx, `SELECT polled_by, last_fetch_at FROM feeds WHERE id = $1`, id).Scan(&by, &at); err != nil {
				return nil, err
			}
			if by != dead && at.Valid && at.Int64 >= killed.UnixMilli() {
				secs := time.Since(killed).Seconds()
				if f.FirstSecs == 0 {
					f.FirstSecs = secs
				}
				f.AllSecs = secs
				continue
			}
			kept = append(kept, id)
		}
		left = kept
		time.Sleep(20 * time.Millisecond)
	}
	return f, nil
}
