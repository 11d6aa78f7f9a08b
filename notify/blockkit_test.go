package notify

import (
	"bytes"
	"encoding/json"
	"os"
	"sync"
	"testing"
	"unicode/utf8"

	"github.com/santhosh-tekuri/jsonschema/v6"
	"github.com/slack-go/slack"
)

// The Block Kit JSON Schema vendored in testdata (see testdata/PROVENANCE.md).
const blockKitSchemaFile = "testdata/slack-block-kit.schema.json"

var blockKitSchema = sync.OnceValues(func() (*jsonschema.Schema, error) {
	f, err := os.Open(blockKitSchemaFile)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	doc, err := jsonschema.UnmarshalJSON(f)
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

// checkBlockKit fails t unless blocks, as JSON, are valid against the Block
// Kit schema and within the limits of a message the schema does not check:
// at most 50 blocks, and mrkdwn text objects marked verbatim.
func checkBlockKit(t *testing.T, blocks []slack.Block) {
	t.Helper()
	raw, err := json.Marshal(blocks)
	if err != nil {
		t.Fatalf("marshal blocks: %v", err)
	}
	checkBlockKitJSON(t, raw)
}

func checkBlockKitJSON(t *testing.T, raw []byte) {
	t.Helper()
	sch, err := blockKitSchema()
	if err != nil {
		t.Fatalf("load Block Kit schema: %v", err)
	}
	inst, err := jsonschema.UnmarshalJSON(bytes.NewReader(raw))
	if err != nil {
		t.Fatalf("unmarshal rendered blocks: %v", err)
	}
	if err := sch.Validate(inst); err != nil {
		t.Fatalf("rendered blocks are not valid Block Kit: %v\n%s", err, raw)
	}
	var blocks []map[string]any
	if err := json.Unmarshal(raw, &blocks); err != nil {
		t.Fatal(err)
	}
	if len(blocks) > maxBlocks {
		t.Errorf("%d blocks, Slack allows %d in a message", len(blocks), maxBlocks)
	}
	walkTextObjects(blocks, func(obj map[string]any) {
		if obj["type"] == "mrkdwn" && obj["verbatim"] != true {
			t.Errorf("mrkdwn text object without verbatim: %v", obj["text"])
		}
		if s, _ := obj["text"].(string); utf8.RuneCountInString(s) > maxTextChars {
			t.Errorf("text object of %d characters", utf8.RuneCountInString(s))
		}
	})
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
	case []map[string]any:
		for _, x := range v {
			walkTextObjects(x, fn)
		}
	}
}

// TestBlockKitSchemaRejects makes sure the schema check can fail: a header
// over 150 characters and a section without text are refused.
func TestBlockKitSchemaRejects(t *testing.T) {
	sch, err := blockKitSchema()
	if err != nil {
		t.Fatal(err)
	}
	long := make([]byte, 151)
	for i := range long {
		long[i] = 'x'
	}
	for _, bad := range []string{
		`[{"type":"header","text":{"type":"plain_text","text":"` + string(long) + `"}}]`,
		`[{"type":"section"}]`,
		`[{"type":"section","text":{"type":"mrkdwn","text":""}}]`,
		`[]`,
	} {
		inst, err := jsonschema.UnmarshalJSON(bytes.NewReader([]byte(bad)))
		if err != nil {
			t.Fatal(err)
		}
		if sch.Validate(inst) == nil {
			t.Errorf("schema accepted %.80s", bad)
		}
	}
}
