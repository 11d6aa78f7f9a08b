package story

import (
	"math"
	"time"
)

// The index keeps its items compactly, for a window of hundreds of
// thousands of them: no per-item maps, strings or pointers.
//
//   - Each item is an entry of fixed size in a log kept in the order items
//     were added, in chunks of chunkSize entries. An entry is named by its
//     sequence number (seq), a uint32 that grows by one per Add; the log
//     drops entries from its front as they expire, a chunk at a time.
//   - The lists that join entries (items with one canonical link, one
//     fingerprint block, one story) are chains through the entries, in
//     the order of their seqs, with a head and a tail each. An entry's
//     fingerprint and its links in the four chains of its blocks are kept
//     apart from it, in a parallel log of fpNodes: Assign walks those
//     chains for every new item, and reads 24 bytes per item on them
//     instead of the whole entry.
//   - The terms of an entry are interned (term IDs, see terms.go) and
//     written to an arena of blocks in the order of the log, so that
//     expired entries' terms go a block at a time too.
//
// Seqs wrap around after 2^32 items; arithmetic on them is modular, which
// is right as long as the window holds fewer than 2^31 items (MaxItems
// bounds it far lower). Seq 0 is never an entry: it is the end of a chain.

// chunkBits sets the entries per chunk of the log: 1,024 (about 100 KB).
const (
	chunkBits = 10
	chunkSize = 1 << chunkBits
	chunkMask = chunkSize - 1
)

// blockSize is the size of a block of the term arena.
const blockSize = 64 << 10

// noSeq ends a chain.
const noSeq = 0

// entry is an item in the index. Its fields are what Assign compares;
// its terms are in the arena (blk, off, n).
type entry struct {
	id, story, feed int64
	seen            int64 // unix nanoseconds (see nanos)
	when            int64 // publication time, else seen
	removed         bool
	fp              bool   // its fingerprint is used (Shingles >= MinShingles)
	scripts         uint8  // the scripts of its terms, a bit each
	script          script // the script most of its words are written in
	// factsAt is where its facts begin in its terms (factsOffset), 0 until
	// the stage across languages first reads them (see Index.entryFacts).
	// It takes room the alignment of link leaves free.
	factsAt uint16
	link    uint64 // hash of the canonical link, 0 when it has none
	// The next entries of its link's and its story's chains (see
	// entryLog.chainNext).
	next [2]uint32
	// Its terms: arena block blk, from offset off, n bytes (see encodeTerms).
	blk, off, n uint32
}

// fpNode is an entry's fingerprint and the next entries of the chains of
// its fingerprint's four blocks.
type fpNode struct {
	simHash uint64
	next    [4]uint32
}

// The kinds of chains (see entryLog.chainNext): 0–3 are the chains of
// fingerprint blocks.
const (
	linkChain  = 4
	storyChain = 5
)

// chain is a list of entries in the order of their seqs.
type chain struct{ head, tail uint32 }

// entryLog is the entries of the index by seq.
type entryLog struct {
	chunks [][]entry  // chunks[0][0] is entry base
	fps    [][]fpNode // the entries' fpNodes, in chunks as theirs
	base   uint32
	head   uint32 // the first entry not dropped
	next   uint32 // the seq of the next entry
}

func newEntryLog() entryLog { return entryLog{base: 1, head: 1, next: 1} }

// at returns entry seq, or nil when it was dropped or never was.
func (l *entryLog) at(seq uint32) *entry {
	if seq-l.head >= l.next-l.head {
		return nil
	}
	i := seq - l.base
	return &l.chunks[i>>chunkBits][i&chunkMask]
}

// fp returns the fpNode of entry seq, which must be in the log (at is not
// nil).
func (l *entryLog) fp(seq uint32) *fpNode {
	i := seq - l.base
	return &l.fps[i>>chunkBits][i&chunkMask]
}

// chainNext returns where entry seq, which must be in the log, keeps the
// next entry of its chain of kind k.
func (l *entryLog) chainNext(seq uint32, k int) *uint32 {
	if k < linkChain {
		return &l.fp(seq).next[k]
	}
	return &l.at(seq).next[k-linkChain]
}

// push appends e, with fingerprint simHash, and returns its seq.
func (l *entryLog) push(e entry, simHash uint64) uint32 {
	if l.next == noSeq { // wrapped around: seq 0 is not an entry
		l.pushRaw(entry{removed: true}, 0)
	}
	return l.pushRaw(e, simHash)
}

func (l *entryLog) pushRaw(e entry, simHash uint64) uint32 {
	i := l.next - l.base
	if int(i>>chunkBits) == len(l.chunks) {
		l.chunks = append(l.chunks, make([]entry, chunkSize))
		l.fps = append(l.fps, make([]fpNode, chunkSize))
	}
	l.chunks[i>>chunkBits][i&chunkMask] = e
	l.fps[i>>chunkBits][i&chunkMask] = fpNode{simHash: simHash}
	seq := l.next
	l.next++
	return seq
}

// empty reports whether every entry was dropped.
func (l *entryLog) empty() bool { return l.head == l.next }

// popFront drops the first entry, which must be removed.
func (l *entryLog) popFront() {
	l.head++
	if l.head-l.base >= chunkSize {
		l.chunks[0], l.fps[0] = nil, nil
		l.chunks, l.fps = l.chunks[1:], l.fps[1:]
		l.base += chunkSize
	}
}

// arena holds the encoded terms of the entries, in blocks.
type arena struct {
	blocks [][]byte // blocks[0] is block base
	base   uint32
}

// add stores data and returns where.
func (a *arena) add(data []byte) (blk, off uint32) {
	last := len(a.blocks) - 1
	if last < 0 || cap(a.blocks[last])-len(a.blocks[last]) < len(data) {
		a.blocks = append(a.blocks, make([]byte, 0, max(blockSize, len(data))))
		last++
	}
	off = uint32(len(a.blocks[last]))
	a.blocks[last] = append(a.blocks[last], data...)
	return a.base + uint32(last), off
}

func (a *arena) bytes(blk, off, n uint32) []byte {
	b := a.blocks[blk-a.base]
	return b[off : off+n : off+n]
}

// dropBefore drops the blocks before blk.
func (a *arena) dropBefore(blk uint32) {
	for len(a.blocks) > 0 && a.base != blk {
		a.blocks[0] = nil
		a.blocks = a.blocks[1:]
		a.base++
	}
}

// dropAll drops every block.
func (a *arena) dropAll() {
	a.base += uint32(len(a.blocks))
	a.blocks = nil
}

// nanos returns t in unix nanoseconds, saturated to the int64 range
// (which spans the years 1678 to 2262); the zero time is the lowest.
func nanos(t time.Time) int64 {
	const limit = 9e9 // seconds: about 285 years from 1970
	switch s := t.Unix(); {
	case t.IsZero() || s < -limit:
		return math.MinInt64
	case s > limit:
		return math.MaxInt64
	}
	return t.UnixNano()
}

// days returns the time between two unix nanosecond times in days, as
// time.Time's Sub, Abs and Hours would (saturated).
func days(a, b int64) float64 {
	d := a - b
	if (a >= b) != (d >= 0) { // overflow
		d = math.MaxInt64
	}
	return time.Duration(d).Abs().Hours() / 24
}

// entryFacts appends the facts of entry e to dst: from where its terms
// say they begin, found once (factsOffset) and kept with the entry when it
// fits. The stage across languages reads the facts of every member of
// every candidate story, most of them again and again, and finding where
// they begin was most of that. The caller holds x.mu.
func (x *Index) entryFacts(dst []uint32, e *entry) []uint32 {
	p := x.text.bytes(e.blk, e.off, e.n)
	at := int(e.factsAt)
	if at == 0 {
		at = factsOffset(p)
		if at <= math.MaxUint16 {
			e.factsAt = uint16(at)
		}
	}
	return appendFactsFrom(dst, p[at:])
}
