package config

import (
	"fmt"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"unicode"
)

// notifierSettings lists, by type, the keys a [[notifier]] may have
// besides name and type.
var notifierSettings = map[string][]string{
	TypeSlack:        {"token", "app_token", "channel", "api_url", "unfurl", "mention", "timeout", "rate", "burst", "story_updates", "reply_broadcast"},
	TypeSlackWebhook: {"url", "unfurl", "mention", "timeout", "rate", "burst", "story_updates"},
	TypeWebhook:      {"url", "secret", "timeout", "rate", "burst", "story_updates"},
	TypeConsole:      {"story_updates"},
}

var notifierTypes = []string{TypeSlack, TypeSlackWebhook, TypeWebhook, TypeConsole}

// notifierName is the form of a notifier name, which rules and
// notify.default refer to.
var notifierName = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._-]*$`)

// slackMention is one piece of Slack mention markup: a special mention, a
// user group or a user, with an optional label.
var slackMention = regexp.MustCompile(`^<(?:!here|!channel|!everyone|!subteam\^[A-Z0-9]+|@[UW][A-Z0-9]+)(?:\|[^<>|]*)?>$`)

// implicitConsole is the notifier Load adds when the file has none, so that
// a new user sees alerts in the terminal.
var implicitConsole = Notifier{Name: "console", Type: TypeConsole, StoryUpdates: StoryUpdatesDigest}

// setting is a type-specific key of a [[notifier]] and its raw value.
type setting struct {
	key string
	v   *any
}

// settings returns the type-specific keys of r.
func (r *rawNotifier) settings() []setting {
	return []setting{
		{"token", &r.Token}, {"app_token", &r.AppToken}, {"channel", &r.Channel}, {"api_url", &r.APIURL}, {"url", &r.URL},
		{"secret", &r.Secret}, {"unfurl", &r.Unfurl}, {"mention", &r.Mention},
		{"timeout", &r.Timeout}, {"rate", &r.Rate}, {"burst", &r.Burst},
		{"story_updates", &r.StoryUpdates}, {"reply_broadcast", &r.ReplyBroadcast},
	}
}

// notifiers checks every [[notifier]], or returns the implicit console
// notifier when there is none.
func (b *builder) notifiers(raws []rawNotifier) []Notifier {
	if len(raws) == 0 {
		b.implicitConsole = true
		return []Notifier{implicitConsole}
	}
	out := make([]Notifier, 0, len(raws))
	names := map[string]int{}
	for i := range raws {
		r := &raws[i]
		p := func(key string) []any { return []any{"notifier", i, key} }
		var n Notifier
		if s, ok := b.requiredStr(r.Name, "every [[notifier]] needs a unique name, which rules and notify.default refer to", p("name")...); ok {
			switch j, dup := names[s]; {
			case !notifierName.MatchString(s):
				b.errorf(p("name"), `notifier name %q must be letters, digits, ".", "_" and "-", starting with a letter or digit`, s)
			case dup:
				b.errorf(p("name"), "notifier name %q is already used by the notifier on line %d; names must be unique", s, b.lineOf("notifier", j, "name"))
			default:
				names[s] = i
				n.Name = s
			}
		}
		typ, ok := b.requiredStr(r.Type, "want one of "+strings.Join(notifierTypes, ", "), p("type")...)
		if ok {
			if _, known := notifierSettings[typ]; !known {
				b.errorf(p("type"), `"type" must be one of %s, not %q`, strings.Join(notifierTypes, ", "), typ)
				ok = false
			}
		}
		if !ok {
			out = append(out, n)
			continue
		}
		n.Type = typ
		b.notifierSettings(&n, r, i)
		out = append(out, n)
	}
	return out
}

// notifierSettings checks the type-specific keys of the i-th notifier r
// and sets them on n, whose Type is known.
func (b *builder) notifierSettings(n *Notifier, r *rawNotifier, i int) {
	p := func(key string) []any { return []any{"notifier", i, key} }
	allowed := notifierSettings[n.Type]
	for _, s := range r.settings() {
		if *s.v == nil || slices.Contains(allowed, s.key) {
			continue
		}
		*s.v = nil // reported here; not read below
		if len(allowed) == 0 {
			b.errorAt(b.doc.KeyPos(p(s.key)...), `%q is not a setting of a %q notifier, which has none besides name and type`, s.key, n.Type)
		} else {
			b.errorAt(b.doc.KeyPos(p(s.key)...), `%q is not a setting of a %q notifier; its settings are %s`, s.key, n.Type, strings.Join(allowed, ", "))
		}
	}

	n.StoryUpdates = StoryUpdatesDigest
	updates := []string{StoryUpdatesDigest, StoryUpdatesDrop}
	if n.Type == TypeSlack {
		n.StoryUpdates = StoryUpdatesThread
		updates = append([]string{StoryUpdatesThread}, updates...)
	}
	if s, ok := b.oneOf(r.StoryUpdates, updates, p("story_updates")...); ok {
		n.StoryUpdates = s
	}

	switch n.Type {
	case TypeConsole:
		return // no settings, no rate limit
	case TypeSlack:
		if s, ok := b.requiredStr(r.Token, `a "slack" notifier needs a bot token (xoxb-…); keep it out of the file with token = "${SLACK_BOT_TOKEN}"`, p("token")...); ok {
			n.Token = s
			if !strings.HasPrefix(s, "xoxb-") && !strings.HasPrefix(s, "xoxp-") {
				b.warnf(p("token"), `"token" does not look like a Slack bot token (xoxb-…) or user token (xoxp-…)`)
			}
		}
		if s, ok := b.str(r.AppToken, p("app_token")...); ok && s != "" {
			n.AppToken = s
			if !strings.HasPrefix(s, "xapp-") {
				b.warnf(p("app_token"), `"app_token" does not look like a Slack app-level token (xapp-…), which Socket Mode needs (with the connections:write scope)`)
			}
		}
		if s, ok := b.requiredStr(r.Channel, `a "slack" notifier needs a default channel such as "#news-alerts" (rules may name another)`, p("channel")...); ok {
			if strings.ContainsFunc(s, unicode.IsSpace) || s == "#" {
				b.errorf(p("channel"), `"channel" must be a channel name such as "#news-alerts" or a channel ID such as "C0123ABCD", not %q`, s)
			} else {
				n.Channel = s
			}
		}
		if s, ok := b.str(r.APIURL, p("api_url")...); ok && s != "" {
			n.APIURL = b.apiURL(s, p("api_url"))
		}
	case TypeSlackWebhook, TypeWebhook:
		if s, ok := b.requiredStr(r.URL, fmt.Sprintf("a %q notifier posts to an http or https URL", n.Type), p("url")...); ok {
			n.URL = b.webURL(s, p("url"))
		}
	}
	if s, ok := b.str(r.Secret, p("secret")...); ok {
		n.Secret = s
	}
	if v, ok := b.boolean(r.Unfurl, p("unfurl")...); ok {
		n.Unfurl = v
	}
	if v, ok := b.boolean(r.ReplyBroadcast, p("reply_broadcast")...); ok {
		n.ReplyBroadcast = &v
	}
	if s, ok := b.str(r.Mention, p("mention")...); ok && s != "" {
		n.Mention = b.mention(s, p("mention"))
	}
	n.Timeout, n.Rate, n.Burst = defaultSendTimeout, defaultRate, defaultBurst
	if v, ok := b.positiveDuration(r.Timeout, p("timeout")...); ok {
		n.Timeout = v
	}
	if v, ok := b.positiveNumber(r.Rate, p("rate")...); ok {
		n.Rate = v
	}
	if v, ok := b.integer(r.Burst, 1, p("burst")...); ok {
		n.Burst = int(v)
	}
}

// webURL checks an http or https URL that messages are posted to, and
// warns when it is plain http to another machine.
func (b *builder) webURL(s string, path []any) string {
	u, err := url.Parse(s)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		b.errorf(path, "%s must be an http or https URL, not %q", keyName(path), s)
		return ""
	}
	if u.Scheme == "http" && !isLoopback(u.Hostname()) {
		b.warnf(path, "%s uses plain http, so alerts (and any secret in the URL) cross the network unencrypted; use https", keyName(path))
	}
	return s
}

// apiURL checks a Slack Web API base URL and returns it ending in "/api/":
// slack-go appends method names such as "chat.postMessage" to it.
func (b *builder) apiURL(s string, path []any) string {
	if b.webURL(s, path) == "" {
		return ""
	}
	u, _ := url.Parse(s)
	if strings.HasSuffix(u.Path, "/api") {
		u.Path += "/"
		s = u.String()
	}
	if !strings.HasSuffix(u.Path, "/api/") || u.RawQuery != "" || u.Fragment != "" {
		b.errorf(path, `"api_url" must be a base URL ending in /api/ such as "https://slack.example.com/api/" (method names are appended to it), not %q`, s)
		return ""
	}
	return s
}

// mention checks Slack mention markup: one or more mentions separated by
// spaces.
func (b *builder) mention(s string, path []any) string {
	fields := strings.Fields(s)
	for _, f := range fields {
		if !slackMention.MatchString(f) {
			b.errorf(path, `"mention" must be Slack mentions such as "<!here>", "<!channel>", "<!subteam^S0123ABCD>" (a user group) or "<@U0123ABCD>" (a user), not %q`, f)
			return ""
		}
	}
	return strings.Join(fields, " ")
}

// notify checks [notify] (raw is nil when the table is absent) and
// chooses the default notifiers.
func (b *builder) notify(raw *rawNotify, notifiers []Notifier) Notify {
	n := Notify{MaxAge: defaultMaxAge, FoldThreshold: defaultFoldThreshold, RetryMax: defaultRetryMax}
	r := rawNotify{}
	if raw != nil {
		r = *raw
	}
	p := func(key string) []any { return []any{"notify", key} }
	if v, ok := b.positiveDuration(r.MaxAge, p("max_age")...); ok {
		n.MaxAge = v
	}
	if v, ok := b.integer(r.FoldThreshold, 1, p("fold_threshold")...); ok {
		n.FoldThreshold = int(v)
	}
	if v, ok := b.positiveDuration(r.RetryMax, p("retry_max")...); ok {
		n.RetryMax = v
	}

	names, ok := b.strs(r.Default, b.notifierRefs(notifiers), p("default")...)
	switch {
	case ok && len(names) > 0:
		n.Default = names
	case r.Default != nil && !ok:
		// Already reported.
	case len(notifiers) == 1:
		n.Default = []string{notifiers[0].Name}
	default:
		list := make([]string, len(notifiers))
		for i, nt := range notifiers {
			list[i] = nt.Name
		}
		pos := b.doc.KeyPos("notifier", 1)
		if raw != nil {
			pos = b.doc.KeyPos("notify")
		}
		b.errorAt(pos, `there are %d notifiers (%s): set default = [%q] or more in [notify] to choose where alerts of rules that name no notifier go`,
			len(notifiers), strings.Join(list, ", "), list[0])
	}
	return n
}

// notifierRefs returns a check, for strs, that a list names configured
// notifiers, each once.
func (b *builder) notifierRefs(notifiers []Notifier) func(string, []any) bool {
	known := make([]string, 0, len(notifiers))
	for _, n := range notifiers {
		if n.Name != "" {
			known = append(known, n.Name)
		}
	}
	seen := map[string]bool{}
	return func(name string, path []any) bool {
		switch {
		case !slices.Contains(known, name) && b.implicitConsole:
			b.errorf(path, `notifier %q is not configured: there is no [[notifier]], so the only one is the built-in "console"`, name)
		case !slices.Contains(known, name):
			b.errorf(path, "notifier %q is not configured; the notifiers are %s", name, strings.Join(known, ", "))
		case seen[name]:
			b.errorf(path, "notifier %q is listed twice", name)
		default:
			seen[name] = true
			return true
		}
		return false
	}
}
