package main

import (
	"fmt"
	"io"
	"path/filepath"
	"strconv"
	"strings"
	"text/tabwriter"

	"github.com/newswatch/newswatch/internal/benchworld"
)

// printResult writes the results for people: the machine, a line per round, and
// the figures the targets in BENCHMARKS.md are about.
func printResult(w io.Writer, r *benchworld.Result) {
	fmt.Fprintf(w, "machine: %s, %d CPUs, %s, %s\n", r.Machine.CPU, r.Machine.CPUs, r.Machine.GoVer, r.Machine.OS)
	items := "30–100"
	if r.Mix.Items > 0 {
		items = strconv.Itoa(r.Mix.Items)
	}
	fmt.Fprintf(w, "world: %d feeds on %d hosts, %s items each, %d rules, seed %d; validators %.0f%%, failing %.0f%%, changing %.0f%% (%d–%d new items), Arabic %.0f%%, gzip %v\n\n",
		r.Feeds, r.Mix.Hosts, items, r.Rules, r.Mix.Seed, 100*r.Mix.Validators, 100*r.Mix.Failing, 100*r.Mix.Changing,
		r.Mix.NewMin, r.Mix.NewMax, 100*r.Mix.Arabic, r.Mix.Gzip)

	if len(r.Once) > 0 {
		printOnce(w, r)
		return
	}
	if len(r.Replicas) > 0 {
		printReplicas(w, r)
		return
	}
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "round\tMB\tnew docs\t200 new\t200 same\t304\tfailed\theld\titems\tnew items\talerts\tpoll s\tdrain s\tCPU s\tCPU s/1k feeds\tms CPU/new item\titems/s\tappear→alert p50/p99 ms\tfetch→alert p50/p99 ms\tworld CPU s\t")
	for _, rr := range r.Rounds {
		p := rr.Polls
		perItem := "-"
		if p.New > 0 {
			perItem = fmt.Sprintf("%.3f", 1000*rr.CPUSecs/float64(p.New))
		}
		fmt.Fprintf(tw, "%d\t%.0f\t%d\t%d\t%d\t%d\t%d\t%d\t%d\t%d\t%d\t%.2f\t%.2f\t%.2f\t%.3f\t%s\t%.0f\t%s\t%s\t%.2f\t\n",
			rr.Round, float64(rr.World.Bytes)/1e6, rr.World.Changed, p.Changed, p.Unchanged, p.NotMod, p.Failed, p.Held,
			p.Items, p.New, p.Alerts, rr.PollSecs, rr.DrainSecs, rr.CPUSecs,
			rr.CPUSecs/(float64(r.Feeds)/1000), perItem, float64(p.Items)/rr.PollSecs,
			latency(rr.Seen.AppearToAlert), latency(rr.Seen.FetchToAlert), rr.Seen.CPUSecs)
	}
	tw.Flush()
	fmt.Fprintf(w, "\npeak RSS %.0f MB, database %.0f MB", float64(r.PeakRSS)/(1<<20), float64(r.DBBytes)/(1<<20))
	if r.Dir != "" {
		fmt.Fprintf(w, ", work directory %s", r.Dir)
	}
	fmt.Fprintln(w)
	if r.R2E != nil {
		fmt.Fprintf(w, "rss2email %s: %d items in %.1fs, %.2f CPU s, %.3f ms CPU/item (newswatch's first round: %.3f ms CPU/item)\n",
			r.R2E.Version, r.R2E.Items, r.R2E.WallSecs, r.R2E.CPUSecs, 1000*r.R2E.CPUSecs/float64(max(r.R2E.Items, 1)),
			1000*r.Rounds[0].CPUSecs/float64(max(r.Rounds[0].Polls.New, 1)))
	}
}

func latency(p benchworld.Percentiles) string {
	if p.N == 0 {
		return "-"
	}
	return fmt.Sprintf("%.0f/%.0f", p.P50, p.P99)
}

// printOnce writes the rounds of the cron workflow: newswatch once and
// rss2email, each a process of its own.
func printOnce(w io.Writer, r *benchworld.Result) {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	compare := len(r.Once) > 0 && r.Once[len(r.Once)-1].Binary != r.Once[0].Binary // -once-compare
	if compare {
		fmt.Fprint(tw, "binary\t")
	}
	fmt.Fprintln(tw, "round\tnew docs\titems\tnew items\tonce CPU s\tonce wall s\tonce peak RSS MB\tonce new items\trss2email CPU s\trss2email wall s\trss2email / once\t")
	for _, o := range r.Once {
		if compare {
			fmt.Fprintf(tw, "%s\t", filepath.Base(o.Binary))
		}
		items := o.World.NewItems
		if o.Round == 0 {
			items = o.World.Items
		}
		r2eCPU, r2eWall, ratio := "-", "-", "-"
		if o.R2E != nil {
			r2eCPU, r2eWall = fmt.Sprintf("%.2f", o.R2E.CPUSecs), fmt.Sprintf("%.2f", o.R2E.WallSecs)
			ratio = fmt.Sprintf("%.1f", o.R2E.CPUSecs/o.Newswatch.CPUSecs)
		}
		fmt.Fprintf(tw, "%d\t%d\t%d\t%d\t%.2f\t%.2f\t%.0f\t%d\t%s\t%s\t%s\t\n",
			o.Round, o.World.Changed, o.World.Items, items, o.Newswatch.CPUSecs, o.Newswatch.WallSecs,
			float64(o.Newswatch.MaxRSS)/(1<<20), o.NewItems, r2eCPU, r2eWall, ratio)
	}
	tw.Flush()
	for _, o := range r.Once {
		if len(o.Repeats) == 0 {
			continue
		}
		cpu := []string{fmt.Sprintf("%.3f", o.Newswatch.CPUSecs)}
		for _, p := range o.Repeats {
			cpu = append(cpu, fmt.Sprintf("%.3f", p.CPUSecs))
		}
		fmt.Fprintf(w, "\nround %d, %s: once CPU s of %d runs %s, median %.3f\n", o.Round, o.Binary, len(cpu),
			strings.Join(cpu, " "), o.MedianCPU())
	}
	if r.R2EVersion != "" {
		fmt.Fprintf(w, "\n%s\n", r.R2EVersion)
	}
}

// printReplicas writes the rounds of replicas sharing PostgreSQL, and the
// failover.
func printReplicas(w io.Writer, r *benchworld.Result) {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "round\tsecs\tnew items\tdaemons CPU s\tpostgres CPU s\tms daemons CPU/new item\tms postgres CPU/new item\tfeeds polled last by each replica\tload avg 1 min\t")
	for _, rr := range r.Replicas {
		daemon, pg := "-", "-"
		if rr.NewItems > 0 {
			daemon = fmt.Sprintf("%.2f", 1000*rr.DaemonCPUSecs/float64(rr.NewItems))
			pg = fmt.Sprintf("%.2f", 1000*rr.PostgresCPUSecs/float64(rr.NewItems))
		}
		fmt.Fprintf(tw, "%d\t%.1f\t%d\t%.2f\t%.2f\t%s\t%s\t%v\t%.1f\t\n", rr.Round, rr.Secs, rr.NewItems,
			rr.DaemonCPUSecs, rr.PostgresCPUSecs, daemon, pg, rr.PolledBy, rr.Load1)
	}
	tw.Flush()
	if f := r.Failover; f != nil {
		fmt.Fprintf(w, "\nfailover (lease %s): the killed replica had claimed %d feeds; the first was polled by another %.1fs after the kill, the last %.1fs after\n",
			f.Lease, f.Claimed, f.FirstSecs, f.AllSecs)
	}
}
