package model

import "time"

// Item is one item of a feed, from the moment the monitor reads it out of
// a feed document to the moment it is matched, grouped into its story and
// recorded: what the feed said of it (its text, link and date, as the
// monitor cleaned them up) and, once recorded, where the store keeps it.
// The matcher, the story index and the store all take it; only the parser
// (gofeed's items in) and the store (its rows) convert.
type Item struct {
	// ID is the item's key in the store; 0 until it is recorded.
	ID int64
	// FeedID is the store's key of the item's feed, and Feed the feed's
	// configured name. A parsed item has neither; the store sets FeedID
	// when recording it and both when reading it back.
	FeedID int64
	Feed   string
	// Identity is unique within the feed: the GUID, else the canonical
	// link, else a hash of title and date (the monitor decides).
	Identity string
	// Aliases are other identities the item is known by in its feed (its
	// canonical link, "link:…", when Identity is its GUID). The store
	// records them as seen; they are not read back.
	Aliases []string
	GUID    string
	// Link is the item's link, absolute when the feed's link was relative
	// to its URL; Canonical is its canonical form (package canonical), ""
	// when the item has no link.
	Link      string
	Canonical string
	Title     string
	// Summary is the item's description and Content its full content;
	// either may hold HTML.
	Summary string
	Content string
	Author  string
	// Categories are the item's categories, trimmed, empty ones dropped.
	Categories []string
	// Lang is the document's declared language, "" when it has none.
	Lang string
	// Published is when the item was published, else last updated; zero
	// when the feed gives neither.
	Published time.Time

	// SeenAt is when the item was first recorded, and UpdatedAt when an
	// edit of it was last recorded (zero when never).
	SeenAt    time.Time
	UpdatedAt time.Time
	// StoryID is the story the item belongs to; 0 for none (items
	// recorded before stories existed).
	StoryID int64
	// SimHash is the item's text fingerprint, valid when HasSimHash.
	SimHash    uint64
	HasSimHash bool
	// TextHash identifies the item's text, to tell an edited item.
	TextHash string

	// Article is the main text of the item's page, as plain text, one
	// paragraph a line: "" unless ArticleState is ArticleFetched.
	Article string
	// ArticleState says whether the item's page was, or is to be,
	// fetched; "" (ArticleNone) for an item of a feed that fetches none.
	ArticleState ArticleState

	// Features are the item's story features as package story encodes
	// them (story.AppendFeatures), recorded with it so that a start need
	// not analyse its text again, and FeaturesVersion the version they
	// were computed by (story.FeaturesVersion); nil when not computed.
	// The store keeps them as they are, and forgets them when the item's
	// text is edited.
	Features        []byte
	FeaturesVersion int64
}

// ArticleState says where an item is with its page.
type ArticleState string

// The article states of an item. An item is recorded ArticlePending when
// its page is to be fetched; it becomes ArticleFetched or ArticleFailed
// once the page was fetched (or found fetched already for the same
// canonical link) and the item matched against it.
const (
	// ArticleNone is an item whose page is not fetched.
	ArticleNone ArticleState = ""
	// ArticlePending is an item recorded and matched on what its feed
	// gave, whose page is still to be fetched and matched.
	ArticlePending ArticleState = "pending"
	// ArticleFetched is an item whose page's main text is in Article.
	ArticleFetched ArticleState = "fetched"
	// ArticleFailed is an item whose page could not be fetched or had no
	// article (an error, a paywall stub, a page that is all script): it
	// was matched on what its feed gave.
	ArticleFailed ArticleState = "failed"
)
