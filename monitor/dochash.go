package monitor

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"

	"github.com/newswatch/newswatch/internal/model"
)

// documentHashVersion is part of every document hash. Changing it makes
// every feed's next document new to the poller, parsed and compared item by
// item once: do so when a release changes what a poll finds in a document
// (identities, the text of entries), so that no feed is left unread under
// the old rules.
const documentHashVersion = "newswatch-document-1"

// documentHash identifies what a poll reads in a fetched document: its bytes
// (after decompression) and what else decides the entries found in them,
// namely where it came from (relative links resolve against it), its
// Content-Type and the feed's language (both can pick its character set),
// and how many items a poll reads. Two polls of one feed whose documents
// have the same hash find the same entries, so the second finds nothing
// the first did not record.
func documentHash(fr *FetchResult, f model.Feed, maxItems int) string {
	h := sha256.New()
	// Quoted fields, one a line, cannot run into each other.
	fmt.Fprintf(h, "%s\n%d\n%q\n%q\n%q\n", documentHashVersion, maxItems, fr.FinalURL, fr.ContentType, f.Lang)
	h.Write(fr.Body)
	return hex.EncodeToString(h.Sum(nil))
}
