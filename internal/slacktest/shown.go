package slacktest

import (
	"encoding/json"
	"fmt"
	"regexp"
	"strings"
)

// Texts returns the text of every text object in the message's blocks,
// in the order they appear, as the request sent them: mrkdwn with Slack's
// escapes ("&lt;") and markup ("<https://x|label>"). A message without
// blocks has none.
func (m Message) Texts() ([]string, error) {
	if m.Blocks == "" {
		return nil, nil
	}
	var blocks []any
	if err := json.Unmarshal([]byte(m.Blocks), &blocks); err != nil {
		return nil, fmt.Errorf("slacktest: blocks of message %s: %w", m.TS, err)
	}
	var texts []string
	walkInOrder(blocks, func(obj map[string]any) {
		if s, ok := obj["text"].(string); ok {
			texts = append(texts, s)
		}
	})
	return texts, nil
}

// walkInOrder calls fn for every text object inside v, in document order
// (a block's own text before its fields and elements).
func walkInOrder(v any, fn func(map[string]any)) {
	switch v := v.(type) {
	case map[string]any:
		if v["type"] == "plain_text" || v["type"] == "mrkdwn" {
			fn(v)
			return
		}
		for _, key := range []string{"text", "fields", "elements"} {
			if x, ok := v[key]; ok {
				walkInOrder(x, fn)
			}
		}
	case []any:
		for _, x := range v {
			walkInOrder(x, fn)
		}
	}
}

// Shown returns what a reader sees of the message: the text of its blocks
// (its fallback text when it has none), one text object a line, with
// Slack's markup rendered as Slack shows it: a link or a date token
// ("<https://x|label>", "<!date^…|fallback>") as its label, a bare link as
// its URL, mentions as written, and the escapes "&lt;", "&gt;" and "&amp;"
// as the characters they stand for. Bold and italics marks stay.
func (m Message) Shown() (string, error) {
	texts, err := m.Texts()
	if err != nil {
		return "", err
	}
	if len(texts) == 0 {
		texts = []string{m.Text}
	}
	for i, t := range texts {
		texts[i] = Unescape(t)
	}
	return strings.Join(texts, "\n"), nil
}

// markup matches one piece of Slack's <…> syntax.
var markup = regexp.MustCompile(`<([^<>|]*)(?:\|([^<>]*))?>`)

// Unescape renders Slack mrkdwn text as a reader sees it (see Shown).
func Unescape(text string) string {
	text = markup.ReplaceAllStringFunc(text, func(s string) string {
		sub := markup.FindStringSubmatch(s)
		target, label := sub[1], sub[2]
		switch {
		case strings.HasPrefix(target, "!") || strings.HasPrefix(target, "@") || strings.HasPrefix(target, "#"):
			if strings.HasPrefix(target, "!date^") && label != "" {
				return label
			}
			return s // a mention: shown as a mention
		case label != "":
			return label
		}
		return target
	})
	return strings.NewReplacer("&lt;", "<", "&gt;", ">", "&amp;", "&").Replace(text)
}
