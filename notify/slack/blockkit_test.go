package slack

import (
	"encoding/json"
	"testing"

	slackgo "github.com/slack-go/slack"

	"github.com/newswatch/newswatch/internal/slacktest"
)

// checkBlockKit fails t unless blocks are valid Block Kit within Slack's
// limits of a message, with mrkdwn text objects marked verbatim (see
// slacktest.CheckBlocks).
func checkBlockKit(t *testing.T, blocks []slackgo.Block) {
	t.Helper()
	raw, err := json.Marshal(blocks)
	if err != nil {
		t.Fatalf("marshal blocks: %v", err)
	}
	checkBlockKitJSON(t, raw)
}

func checkBlockKitJSON(t *testing.T, raw []byte) {
	t.Helper()
	if err := slacktest.CheckBlocks(raw); err != nil {
		t.Fatal(err)
	}
}
