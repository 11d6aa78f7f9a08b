package monitor

import (
	"crypto/sha256"
	"encoding/binary"
	"runtime/debug"
	"sync"

	"github.com/cespare/xxhash/v2"

	"github.com/newswatch/newswatch/internal/model"
	"github.com/newswatch/newswatch/internal/store"
)

// itemMemo is what a poll remembers of the items of the last document it
// recorded, so that the next poll of a changed document parses only the
// items it has not read (see Poller.read):
//
//   - the context the items were read in: what, besides an item's bytes,
//     decides what gofeed and Entries make of it (memoContext);
//   - of every item that is, since that poll, recorded under its identity
//     with the text it has there, a hash of its bytes (the same bytes read
//     in the same context give the same entry: seen, and unchanged), and
//     hashes of its identity and its link identity, which the next poll
//     needs to tell whether a new item shares one with an item it does not
//     read again (see Poller.read).
//
// An item known only under its identity of an older version of newswatch
// (its legacy link identity) is not remembered: the poll that reads it
// compares its text with that of another identity's item. Nor is an item
// of a document whose poll changed the feed's identity mode.
//
// The memo is saved with the poll that recorded its document, and replaced
// by every poll that records another: it describes the store as that poll
// left it. An item that goes back to an older text is therefore not in it,
// and is read again: an edit is never missed.
type itemMemo struct {
	context [16]byte
	items   []memoItem
}

// memoItem is an item of an itemMemo.
type memoItem struct {
	sum [16]byte // a hash of its bytes: itemSum
	// keys are 64-bit hashes of its identity and its link identity (0
	// when it has none). A collision only makes the next poll parse the
	// whole document.
	keys [2]uint64
}

// memoVersion is the first byte of an encoded itemMemo.
const memoVersion = 1

// memoItemSize is the size of an encoded memoItem.
const memoItemSize = 16 + 8 + 8

// encode returns m as the bytes the store keeps.
func (m *itemMemo) encode() []byte {
	out := make([]byte, 0, 1+16+binary.MaxVarintLen64+len(m.items)*memoItemSize)
	out = append(out, memoVersion)
	out = append(out, m.context[:]...)
	out = binary.AppendUvarint(out, uint64(len(m.items)))
	for _, it := range m.items {
		out = append(out, it.sum[:]...)
		out = binary.LittleEndian.AppendUint64(out, it.keys[0])
		out = binary.LittleEndian.AppendUint64(out, it.keys[1])
	}
	return out
}

// decodeMemo reads an encoded itemMemo. Bytes it cannot read (another
// version's, or damaged) are no memo: the poll parses the whole document.
func decodeMemo(b []byte) *itemMemo {
	if len(b) < 1+16 || b[0] != memoVersion {
		return nil
	}
	m := &itemMemo{}
	copy(m.context[:], b[1:17])
	n, k := binary.Uvarint(b[17:])
	if k <= 0 || n > uint64(len(b))/memoItemSize {
		return nil
	}
	rest := b[17+k:]
	if uint64(len(rest)) != n*memoItemSize {
		return nil
	}
	m.items = make([]memoItem, n)
	for i := range m.items {
		r := rest[i*memoItemSize:]
		copy(m.items[i].sum[:], r[:16])
		m.items[i].keys[0] = binary.LittleEndian.Uint64(r[16:])
		m.items[i].keys[1] = binary.LittleEndian.Uint64(r[24:])
	}
	return m
}

// itemSum is the hash of an item's bytes: two 64-bit xxHash sums of
// them with different seeds. A collision would take a new item for one
// read before; at 128 bits it is not to be expected in the life of the
// universe's feeds. xxHash is ten times faster than SHA-256 here, and an
// item's bytes are the feed's own: a feed that forged a collision could
// only hide its own item.
func itemSum(b []byte) [16]byte {
	var s [16]byte
	binary.LittleEndian.PutUint64(s[:8], xxhash.Sum64(b))
	d := xxhash.NewWithSeed(itemSumSeed)
	d.Write(b)
	binary.LittleEndian.PutUint64(s[8:], d.Sum64())
	return s
}

// itemSumSeed is the seed of itemSum's second hash.
const itemSumSeed = 0x6e6577737761746368 & (1<<64 - 1)

// entryKeys are the keys of an entry in a memo: hashes of its identity and
// of its link identity.
func entryKeys(e *model.Item) [2]uint64 {
	return [2]uint64{memoKey(e.Identity), memoKey(linkIdentity(e.Canonical))}
}

// memoKey hashes an identity for a memo; 0 stands for none.
func memoKey(identity string) uint64 {
	if identity == "" {
		return 0
	}
	return max(xxhash.Sum64String(identity), 1)
}

// memoContext is the context of the items of a cut document for a feed
// whose state is st, fetched from finalURL: what decides, with an item's
// bytes, the entry it gives and the identity it is recorded under.
//
//   - the version of documentHash (see there) and the gofeed module's;
//   - the URL the document came from (relative links resolve against it);
//   - the feed's identity mode;
//   - the document's syntax and head: what precedes the root, the root's
//     and the channel's start tags (namespaces, xml:base).
//
// The charset conversion needs no place here: the items' bytes are hashed
// once converted. The rest of the document (the channel's title, its
// dates, its language) does not change an item's identity or text.
func memoContext(c *docCut, st *store.FeedState, finalURL string) [16]byte {
	h := sha256.New()
	field := func(b []byte) {
		h.Write(binary.AppendUvarint(nil, uint64(len(b))))
		h.Write(b)
	}
	field([]byte(documentHashVersion))
	field([]byte(gofeedVersion()))
	field([]byte(finalURL))
	field([]byte(st.IdentityMode))
	field([]byte{byte(c.format)})
	for _, part := range c.head {
		field(part)
	}
	var ctx [16]byte
	copy(ctx[:], h.Sum(nil))
	return ctx
}

// gofeedVersion is the version of the gofeed module this binary was built
// with, "" when unknown: a new gofeed may read items differently.
var gofeedVersion = sync.OnceValue(func() string {
	info, ok := debug.ReadBuildInfo()
	if !ok {
		return ""
	}
	for _, m := range info.Deps {
		if m.Path == "github.com/mmcdole/gofeed" {
			if m.Replace != nil {
				return m.Replace.Path + "@" + m.Replace.Version
			}
			return m.Version
		}
	}
	return ""
})
