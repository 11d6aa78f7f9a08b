package admin

import (
	"bytes"
	"context"
	"embed"
	"html/template"
	"net/http"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/newswatch/newswatch/internal/feedhealth"
	"github.com/newswatch/newswatch/internal/model"
	"github.com/newswatch/newswatch/internal/store"
	"github.com/newswatch/newswatch/notify"
	"github.com/newswatch/newswatch/rules"
)

//go:embed templates/*.html
var templateFiles embed.FS

// pages returns the page templates, each with the layout, parsed at the
// first page served: every other command of the binary (a cron job's
// `newswatch once` among them) would parse them at its start for nothing.
var pages = sync.OnceValue(func() map[string]*template.Template {
	return map[string]*template.Template{
		"status": template.Must(template.ParseFS(templateFiles, "templates/layout.html", "templates/status.html")),
		"search": template.Must(template.ParseFS(templateFiles, "templates/layout.html", "templates/search.html")),
	}
})

// Sizes of the status page.
const (
	sparkDays    = 14 // days in a rule's sparkline
	recentAlerts = 50 // alerts listed
	deadLetters  = 50 // dead letters listed
	// maxErrorChars bounds a feed's last error on the page: room for
	// any cause, which ShortError keeps whole.
	maxErrorChars = 300
)

// layout is what every page's frame shows.
type layout struct {
	Title   string
	Version string
	Now     stamp
	// Query and Days fill the search form.
	Query      string
	Days       int
	DayChoices []int
}

// statusView is the status page.
type statusView struct {
	layout
	Summary summary
	Feeds   []feedRow
	Rules   []ruleRow
	Alerts  []alertRow
	Dead    []alertRow
	// Silences are the mutes and snoozes in force; Undo is set when the
	// page may undo them.
	Silences []silenceRow
	Undo     bool
	// Problems lists what could not be read; the rest of the page shows.
	Problems []string
	// Config is the state of the configuration file.
	Config configView
	// Cluster is the replicas sharing the database; nil for one process.
	Cluster *clusterView
}

// clusterView is what the page says of the replicas sharing the database.
type clusterView struct {
	Replicas []replicaRow
	// Disagree is set when replicas alive now run different
	// configuration files or rules.
	Disagree bool
}

// replicaRow is one replica on the page.
type replicaRow struct {
	ID, Hostname, Version string
	State                 string // alive, stopped, gone (stopped beating)
	Started, Seen         stamp
	ConfigHash, RulesHash string
	Leases                string // the leases it holds, by name
	Claimed, Polled       int
	This                  bool // the replica serving the page
}

// configView is what the page says of the configuration file.
type configView struct {
	File      string
	Errors    []string
	RefusedAt stamp
	Restart   string
}

// summary is the line of counts at the top of the page.
type summary struct {
	Feeds, Failing, Silent, New, Disabled int
	Overdue                               int // feeds whose poll is far overdue
	Rules                                 int
	Queued, Digest, Dead                  int
	OldestQueued                          stamp
	// FollowUps counts the queued follow-ups, apart from Queued: they
	// wait for their batch by design; NextFollowUp is when the first goes.
	FollowUps    int
	NextFollowUp stamp
}

// feedRow is one feed on the page.
type feedRow struct {
	Name      string
	Link      string // the feed URL when http(s)
	URL       string // the feed URL as text
	Tags      string
	State     string
	Alerted   bool // operators were alerted about it
	Since     stamp
	LastOK    stamp
	LastError string // its cause, shortened from the start (ShortError)
	ErrorFull string // for the tooltip
	Failures  int
	NextPoll  stamp
	Held      bool
	Overdue   stamp // when its poll was due, when far overdue
	Items     int
	// Articles and ArticleErr count the items of the last day whose page
	// was fetched, and whose page could not be, for a feed that Fetches
	// articles.
	Articles, ArticleErr int
	Fetches              bool
	LastItem             stamp
	Expect               string // expect_every, "" when not set
	StatusCode           int
	// PolledBy and ClaimedBy name the replicas that polled the feed last
	// and poll it now, when replicas share the database.
	PolledBy, ClaimedBy string
}

// ruleRow is one rule on the page.
type ruleRow struct {
	Name        string
	Description string
	Severity    string
	Digest      string
	Day, Week   int
	Spark       sparkline
	Last        stamp
}

// alertRow is one alert on the page.
type alertRow struct {
	ID        int64
	Created   stamp
	Rule      string
	To        string
	Title     string
	Link      string
	Feed      string
	Kind      string // notify.Delivery's: alert, follow-up, update, digest
	Status    string // notify.Delivery's: queued, waiting, retrying, snoozed, delivered, muted, dead
	Attempts  int    // attempts made, the one that delivered included
	Failed    int    // failed attempts
	Delivered stamp
	Sends     stamp // when a queued alert is to be sent
	After     int64 // the alert a waiting follow-up waits for
	Error     string
	Health    bool // a feed-health alert
}

func (s *Server) statusPage(w http.ResponseWriter, r *http.Request) {
	ctx, cancel := context.WithTimeout(r.Context(), 10*time.Second)
	defer cancel()
	now := s.now()
	v := statusView{layout: s.layout("newswatch", "", 0, now)}
	if s.Config != nil {
		c := s.Config()
		v.Config = configView{File: c.File, Errors: c.Errors, Restart: strings.Join(c.Restart, ", ")}
		if !c.RefusedAt.IsZero() {
			v.Config.RefusedAt = newStamp(c.RefusedAt, now, s.location())
		}
	}
	if s.Cluster != nil {
		if err := s.fillCluster(ctx, &v, now); err != nil {
			v.Problems = append(v.Problems, "replicas: "+err.Error())
		}
	}
	if err := s.fillFeeds(ctx, &v, now); err != nil {
		v.Problems = append(v.Problems, "feeds: "+err.Error())
	}
	if err := s.fillRules(ctx, &v, now); err != nil {
		v.Problems = append(v.Problems, "rules: "+err.Error())
	}
	if err := s.fillAlerts(ctx, &v, now); err != nil {
		v.Problems = append(v.Problems, "alerts: "+err.Error())
	}
	if err := s.fillSilences(ctx, &v, now); err != nil {
		v.Problems = append(v.Problems, "mutes and snoozes: "+err.Error())
	}
	v.Undo = s.Silences != nil
	for _, p := range v.Problems {
		s.logger().Warn("admin: status page", "error", p)
	}
	s.render(w, "status", v)
}

func (s *Server) layout(title, query string, days int, now time.Time) layout {
	if days == 0 {
		days = defaultSearchDays
	}
	return layout{Title: title, Version: s.Version, Now: newStamp(now, now, s.location()),
		Query: query, Days: days, DayChoices: dayChoices(days)}
}

func (s *Server) fillFeeds(ctx context.Context, v *statusView, now time.Time) error {
	statuses, err := feedhealth.Report(ctx, s.Store, s.feeds(), now)
	if err != nil {
		return err
	}
	loc := s.location()
	for _, st := range statuses {
		v.Summary.Feeds++
		switch st.State {
		case feedhealth.StateFailing:
			v.Summary.Failing++
		case feedhealth.StateSilent:
			v.Summary.Silent++
		case feedhealth.StateNew:
			v.Summary.New++
		case feedhealth.StateDisabled:
			v.Summary.Disabled++
		}
		if !st.OverdueSince.IsZero() {
			v.Summary.Overdue++
		}
		row := feedRow{
			Name:       clean(st.Feed.Name, 200),
			Link:       safeLink(st.Feed.URL),
			URL:        st.Feed.URL,
			Tags:       strings.Join(st.Feed.Tags, ", "),
			State:      string(st.State),
			Alerted:    st.Alerted != "",
			Since:      newStamp(st.FailingSince, now, loc),
			LastOK:     newStamp(st.LastSuccessAt, now, loc),
			LastError:  ShortError(st.LastError, maxErrorChars),
			ErrorFull:  clean(st.LastError, 2000),
			Failures:   st.ConsecutiveFailures,
			NextPoll:   newStamp(st.NextPollAt, now, loc),
			Held:       !st.HeldUntil.IsZero(),
			Overdue:    newStamp(st.OverdueSince, now, loc),
			Items:      st.ItemsLastDay,
			Articles:   st.ArticlesLastDay,
			ArticleErr: st.ArticleFailuresLastDay,
			Fetches:    st.Feed.Article == model.ArticleCandidates || st.Feed.Article == model.ArticleAlways,
			LastItem:   newStamp(st.LastItemAt, now, loc),
			Expect:     duration(st.Feed.ExpectEvery),
			StatusCode: st.LastStatus,
			PolledBy:   clean(st.PolledBy, 100),
			ClaimedBy:  clean(st.ClaimedBy, 100),
		}
		v.Feeds = append(v.Feeds, row)
	}
	return nil
}

// fillCluster fills the replicas section.
func (s *Server) fillCluster(ctx context.Context, v *statusView, now time.Time) error {
	c, err := s.Cluster(ctx)
	if err != nil {
		return err
	}
	loc := s.location()
	v.Cluster = &clusterView{Disagree: c.Disagree}
	for _, r := range c.Replicas {
		state := "alive"
		switch {
		case !r.StoppedAt.IsZero():
			state = "stopped"
		case !r.Alive:
			state = "gone"
		}
		v.Cluster.Replicas = append(v.Cluster.Replicas, replicaRow{
			ID: clean(r.ID, 100), Hostname: clean(r.Hostname, 100), Version: clean(r.Version, 50), State: state,
			Started: newStamp(r.StartedAt, now, loc), Seen: newStamp(r.SeenAt, now, loc),
			ConfigHash: r.ConfigHash, RulesHash: r.RulesHash, Leases: strings.Join(r.Leases, ", "),
			Claimed: r.Claimed, Polled: r.Polled, This: r.ID == c.Self,
		})
	}
	return nil
}

func (s *Server) fillRules(ctx context.Context, v *statusView, now time.Time) error {
	if s.Rules == nil {
		return nil
	}
	// One set for the whole page: a reload may swap it at any moment.
	set := s.Rules()
	if set == nil {
		return nil
	}
	activity, err := s.Store.RuleActivity(ctx, now, sparkDays)
	if err != nil {
		return err
	}
	loc := s.location()
	for _, r := range set.Rules() {
		a := activity[r.Name]
		if a.Days == nil {
			a.Days = make([]int, sparkDays)
		}
		sev := string(r.Severity)
		if sev == "" {
			sev = "info"
		}
		v.Rules = append(v.Rules, ruleRow{
			Name:        r.Name,
			Description: clean(r.Description, 300),
			Severity:    sev,
			Digest:      r.Digest,
			Day:         a.Total(1),
			Week:        a.Total(7),
			Spark:       newSparkline(a.Days),
			Last:        newStamp(a.LastAt, now, loc),
		})
	}
	v.Summary.Rules = len(v.Rules)
	return nil
}

func (s *Server) fillAlerts(ctx context.Context, v *statusView, now time.Time) error {
	outbox, err := s.Store.Outbox(ctx)
	if err != nil {
		return err
	}
	var oldest, nextFollowUp time.Time
	for _, o := range outbox {
		v.Summary.Queued += o.Queued
		v.Summary.FollowUps += o.FollowUps
		v.Summary.Digest += o.Digest
		v.Summary.Dead += o.Dead
		if !o.OldestQueued.IsZero() && (oldest.IsZero() || o.OldestQueued.Before(oldest)) {
			oldest = o.OldestQueued
		}
		if !o.NextFollowUp.IsZero() && (nextFollowUp.IsZero() || o.NextFollowUp.Before(nextFollowUp)) {
			nextFollowUp = o.NextFollowUp
		}
	}
	v.Summary.OldestQueued = newStamp(oldest, now, s.location())
	v.Summary.NextFollowUp = newStamp(nextFollowUp, now, s.location())
	recent, err := s.Store.Alerts(ctx, store.AlertFilter{Limit: recentAlerts})
	if err != nil {
		return err
	}
	var set *rules.Set
	if s.Rules != nil {
		set = s.Rules()
	}
	digests := notify.DigestTimes(set, s.location())
	for _, a := range recent {
		v.Alerts = append(v.Alerts, s.alertRow(a, digests, now))
	}
	dead, err := s.Store.Alerts(ctx, store.AlertFilter{Status: model.StatusDead, Limit: deadLetters})
	if err != nil {
		return err
	}
	for _, a := range dead {
		v.Dead = append(v.Dead, s.alertRow(a, digests, now))
	}
	return nil
}

func (s *Server) alertRow(a *model.Alert, digests notify.DigestClock, now time.Time) alertRow {
	loc := s.location()
	d := notify.DeliveryOf(a, digests, now)
	row := alertRow{
		ID:        a.ID,
		Created:   newStamp(a.CreatedAt, now, loc),
		Rule:      a.Rule,
		To:        a.Notifier,
		Title:     clean(a.Title, 200),
		Link:      safeLink(a.Link),
		Feed:      clean(a.Feed, 100),
		Kind:      d.Kind,
		Status:    d.State,
		Attempts:  d.Attempts,
		Failed:    a.Attempts,
		Delivered: newStamp(a.DeliveredAt, now, loc),
		After:     d.After,
		Error:     ShortError(deliveryError(a), 300),
		Health:    a.Rule == notify.HealthRule,
	}
	if a.Status == model.StatusQueued {
		row.Sends = newStamp(d.At, now, loc)
	}
	if a.Channel != "" {
		row.To += " " + a.Channel
	}
	if row.Title == "" {
		row.Title = "(untitled)"
	}
	if row.Health {
		row.Rule = "feed health"
	}
	return row
}

// render executes the page template name with v, buffered so that a
// template error is a clean 500 rather than half a page.
func (s *Server) render(w http.ResponseWriter, name string, v any) {
	var buf bytes.Buffer
	if err := pages()[name].ExecuteTemplate(&buf, "layout", v); err != nil {
		s.logger().Error("admin: render page", "page", name, "error", err)
		http.Error(w, "500 Internal Server Error: the page could not be rendered", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	_, _ = buf.WriteTo(w)
}

// dayChoices are the windows the search form offers, with days among them.
func dayChoices(days int) []int {
	choices := []int{1, 7, 30, maxSearchDays}
	if !slices.Contains(choices, days) {
		choices = append(choices, days)
		slices.Sort(choices)
	}
	return choices
}

// deliveryError is why an alert's last delivery attempt failed, as its row
// shows it: without the "notify: NOTIFIER: " that a notifier's error
// begins with (notify.SendError), since the row names the notifier.
func deliveryError(a *model.Alert) string {
	return strings.TrimPrefix(a.LastError, "notify: "+a.Notifier+": ")
}
