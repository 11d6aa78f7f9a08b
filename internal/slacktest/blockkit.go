package slacktest

import (
	"bytes"
	_ "embed"
	"encoding/json"
	"errors"
	"fmt"
	"sync"
	"unicode/utf8"

	"github.com/santhosh-tekuri/jsonschema/v6"
)

// Limits of one message that the schema does not check
// (https://docs.slack.dev/reference/block-kit).
const (
	MaxBlocks    = 50   // blocks in one message
	MaxTextChars = 3000 // characters in one text object
)

// blockKitSchemaJSON is the Block Kit JSON Schema (see PROVENANCE.md).
//
//go:embed slack-block-kit.schema.json
var blockKitSchemaJSON []byte

var blockKitSchema = sync.OnceValues(func() (*jsonschema.Schema, error) {
	doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(blockKitSchemaJSON))
	if err != nil {
		return nil, err
	}
	c := jsonschema.NewCompiler()
	const id = "https://tightknit.com/schemas/slack-block-kit.schema.json"
	if err := c.AddResource(id, doc); err != nil {
		return nil, err
	}
	return c.Compile(id)
})

// CheckBlocks returns an error unless raw, the JSON of a message's blocks,
// is valid Block Kit by Slack's schema, holds at most MaxBlocks blocks and
// no text object longer than MaxTextChars characters, and, as newswatch
// renders every message, marks each mrkdwn text object verbatim (so that
// Slack links and mentions only what the renderer wrote in <…> syntax).
func CheckBlocks(raw []byte) error {
	sch, err := blockKitSchema()
	if err != nil {
		return fmt.Errorf("slacktest: Block Kit schema: %w", err)
	}
	inst, err := jsonschema.UnmarshalJSON(bytes.NewReader(raw))
	if err != nil {
		return fmt.Errorf("slacktest: blocks are not JSON: %w", err)
	}
	if err := sch.Validate(inst); err != nil {
		return fmt.Errorf("slacktest: not valid Block Kit: %w\n%s", err, raw)
	}
	var blocks []any
	if err := json.Unmarshal(raw, &blocks); err != nil {
		return err
	}
	var errs []error
	if len(blocks) > MaxBlocks {
		errs = append(errs, fmt.Errorf("slacktest: %d blocks, Slack allows %d in a message", len(blocks), MaxBlocks))
	}
	walkTextObjects(blocks, func(obj map[string]any) {
		if obj["type"] == "mrkdwn" && obj["verbatim"] != true {
			errs = append(errs, fmt.Errorf("slacktest: mrkdwn text object without verbatim: %v", obj["text"]))
		}
		if s, _ := obj["text"].(string); utf8.RuneCountInString(s) > MaxTextChars {
			errs = append(errs, fmt.Errorf("slacktest: text object of %d characters", utf8.RuneCountInString(s)))
		}
	})
	return errors.Join(errs...)
}

// walkTextObjects calls fn for every text object (a map with a "type" of
// plain_text or mrkdwn) inside v.
func walkTextObjects(v any, fn func(map[string]any)) {
	switch v := v.(type) {
	case map[string]any:
		if v["type"] == "plain_text" || v["type"] == "mrkdwn" {
			fn(v)
		}
		for _, x := range v {
			walkTextObjects(x, fn)
		}
	case []any:
		for _, x := range v {
			walkTextObjects(x, fn)
		}
	}
}
