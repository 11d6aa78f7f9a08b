package story

import (
	"bufio"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"math"
	"runtime"
	"strings"
	"sync"
	"time"
)

// A snapshot is the whole state of an Index written out (WriteSnapshot), so
// that a process starting can read it back (ReadSnapshot) instead of adding
// the window's items one by one: the entries in the order of the log, the
// arena of their encoded terms, the dictionary with each term's postings.
// Read back, the index is the one written, to its term IDs and its seqs, so
// that it finds for every item what the written one would have found. The
// chains (stories, links, fingerprint blocks), the map of IDs and the
// counts of items per script are not written: they follow from the
// entries, and are made again from them in the order of their seqs, the
// order they are kept in.
//
// A snapshot read back is used in place (DecodeSnapshot): the arena's
// blocks and the terms' postings are slices of its bytes, not copies, so
// that a start from a snapshot the store maps from a file (a page cache's
// pages) touches little fresh memory, which costs a new process more than
// decoding does (a page fault each 4 KiB). Only the entries, the words,
// the maps and the chains are made.
//
// The encoding, in unsigned varints unless said (signed ones zig-zag):
//
//	"NWIX", snapshotFormat, MaxItems, the CRC-32 (IEEE) of the background
//	list (backgroundSum);
//	the log's base, head and next; per entry from head to next: its ID,
//	story and feed, seen and when (signed), flags (removed, fp), scripts,
//	script, link hash and fingerprint (8 bytes little-endian each), its
//	terms' arena block, offset and length;
//	the arena's base and number of blocks, then each block's length and
//	bytes;
//	the number of terms, then per term its word and postings (length and
//	bytes), last, df, dead, script and background bucket; the free IDs;
//	the CRC-32 (IEEE) of everything before it, 4 bytes little-endian.

// snapshotFormat is the version of the snapshot's encoding and of the
// index's state it writes. Raise it with every change to the index's
// state (entries, the arena's encoding of terms, postings, how a link is
// hashed, how a term's script is found): a snapshot of another format is
// not read (ErrSnapshotVersion). The background buckets of its terms are
// those of the background list whose checksum it carries: a snapshot of
// another list is not read either.
const snapshotFormat = 2

// snapshotMagic begins every snapshot.
const snapshotMagic = "NWIX"

// backgroundSum returns the checksum of the background list, which the
// background buckets a snapshot carries for its terms come from.
var backgroundSum = sync.OnceValue(func() uint32 {
	// A piece at a time: the list is not copied whole.
	var buf [4096]byte
	var sum uint32
	for text := backgroundTXT; len(text) > 0; {
		n := copy(buf[:], text)
		sum = crc32.Update(sum, crc32.IEEETable, buf[:n])
		text = text[n:]
	}
	return sum
})

// ErrBadSnapshot is returned (wrapped) by ReadSnapshot for bytes that are
// not a snapshot, or a damaged one.
var ErrBadSnapshot = errors.New("story: bad index snapshot")

// ErrSnapshotVersion is returned (wrapped) by ReadSnapshot for a snapshot
// of another format, or of an index with another MaxItems: the caller
// builds the index again from the items.
var ErrSnapshotVersion = errors.New("story: index snapshot of another version")

// WriteSnapshot writes the state of the index to w (see ReadSnapshot). It
// holds the index for the time it takes.
func (x *Index) WriteSnapshot(w io.Writer) error {
	x.mu.Lock()
	defer x.mu.Unlock()
	crc := crc32.NewIEEE()
	sw := snapshotWriter{w: bufio.NewWriterSize(io.MultiWriter(w, crc), 64<<10)}
	sw.bytes([]byte(snapshotMagic))
	sw.uint(snapshotFormat)
	sw.uint(uint64(x.opt.maxItems()))
	sw.uint(uint64(backgroundSum()))

	l := &x.log
	sw.uint(uint64(l.base))
	sw.uint(uint64(l.head))
	sw.uint(uint64(l.next))
	for seq := l.head; seq != l.next; seq++ {
		e := l.at(seq)
		sw.int(e.id)
		sw.int(e.story)
		sw.int(e.feed)
		sw.int(e.seen)
		sw.int(e.when)
		var flags uint64
		if e.removed {
			flags |= 1
		}
		if e.fp {
			flags |= 2
		}
		sw.uint(flags)
		sw.uint(uint64(e.scripts))
		sw.uint(uint64(e.script))
		sw.fixed(e.link)
		sw.fixed(l.fp(seq).simHash)
		sw.uint(uint64(e.blk))
		sw.uint(uint64(e.off))
		sw.uint(uint64(e.n))
	}

	sw.uint(uint64(x.text.base))
	sw.uint(uint64(len(x.text.blocks)))
	for _, b := range x.text.blocks {
		sw.uint(uint64(len(b)))
		sw.bytes(b)
	}

	sw.uint(uint64(len(x.dict.terms)))
	for i := range x.dict.terms {
		t := &x.dict.terms[i]
		sw.uint(uint64(len(t.word)))
		sw.bytes([]byte(t.word))
		sw.uint(uint64(len(t.postings)))
		sw.bytes(t.postings)
		sw.uint(uint64(t.last))
		sw.uint(uint64(t.df))
		sw.uint(uint64(t.dead))
		sw.uint(uint64(t.script))
		sw.uint(uint64(t.bg))
	}
	sw.uint(uint64(len(x.dict.free)))
	for _, id := range x.dict.free {
		sw.uint(uint64(id))
	}
	if sw.err == nil {
		sw.err = sw.w.Flush()
	}
	if sw.err != nil {
		return fmt.Errorf("story: write index snapshot: %w", sw.err)
	}
	// The checksum of what went before, written past it.
	if _, err := w.Write(binary.LittleEndian.AppendUint32(nil, crc.Sum32())); err != nil {
		return fmt.Errorf("story: write index snapshot: %w", err)
	}
	return nil
}

type snapshotWriter struct {
	w   *bufio.Writer
	buf [binary.MaxVarintLen64]byte
	err error
}

func (sw *snapshotWriter) bytes(p []byte) {
	if sw.err == nil {
		_, sw.err = sw.w.Write(p)
	}
}

func (sw *snapshotWriter) uint(v uint64) {
	sw.bytes(binary.AppendUvarint(sw.buf[:0], v))
}

func (sw *snapshotWriter) int(v int64) {
	sw.bytes(binary.AppendVarint(sw.buf[:0], v))
}

func (sw *snapshotWriter) fixed(v uint64) {
	sw.bytes(binary.LittleEndian.AppendUint64(sw.buf[:0], v))
}

// ReadSnapshot returns the index that WriteSnapshot wrote to r, with
// options o, which must be those of the index written as far as they
// shape its state (MaxItems; ErrSnapshotVersion otherwise). It reads r to
// its end, into one buffer that the index then uses in place (see
// DecodeSnapshot): when r has a Size method (bytes.Reader,
// io.SectionReader) the buffer is made at that size at once. The index
// is the one written: Assign finds for any item what the written index
// would have found.
func ReadSnapshot(r io.Reader, o Options) (*Index, error) {
	var data []byte
	var err error
	if sr, ok := r.(interface{ Size() int64 }); ok && sr.Size() >= 0 && sr.Size() < maxSnapshotLen {
		// A byte more than the size, to see the end.
		data = make([]byte, sr.Size()+1)
		var n int
		n, err = io.ReadFull(r, data)
		switch {
		case errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF):
			data, err = data[:n], nil
		case err == nil: // more than its size: the rest too (it is refused)
			var rest []byte
			rest, err = io.ReadAll(r)
			data = append(data, rest...)
		}
	} else {
		data, err = io.ReadAll(r)
	}
	if err != nil {
		return nil, fmt.Errorf("story: read index snapshot: %w", err)
	}
	return DecodeSnapshot(data, nil, o)
}

// DecodeSnapshot returns the index of the snapshot data (see ReadSnapshot).
// The index uses data in place (the terms of its items and their
// postings are slices of it, which it never writes to: what it adds goes
// to memory of its own): data must stay as it is for as long as the index
// can use it. When release is not nil, DecodeSnapshot calls it once no
// part of data is in use any more: at once when it returns an error, else
// when the index is garbage (runtime.AddCleanup). A caller that mapped
// data from a file unmaps it there.
func DecodeSnapshot(data []byte, release func(), o Options) (*Index, error) {
	x, err := decodeSnapshot(data, o)
	if err != nil {
		if release != nil {
			release()
		}
		if errors.Is(err, io.ErrUnexpectedEOF) {
			err = fmt.Errorf("%w: short", ErrBadSnapshot)
		}
		return nil, fmt.Errorf("story: read index snapshot: %w", err)
	}
	if release != nil {
		runtime.AddCleanup(x, func(release func()) { release() }, release)
	}
	return x, nil
}

// snapshotDecoder reads the values of a snapshot from its bytes. Its
// first error sticks: every later read returns zero values.
type snapshotDecoder struct {
	p   []byte
	pos int
	err error
}

func (d *snapshotDecoder) fail(err error) {
	if d.err == nil {
		d.err = err
	}
}

func (d *snapshotDecoder) uint(limit uint64) uint64 {
	if d.err != nil {
		return 0
	}
	v, n := binary.Uvarint(d.p[d.pos:])
	switch {
	case n == 0:
		d.fail(io.ErrUnexpectedEOF)
		return 0
	case n < 0:
		d.fail(fmt.Errorf("%w: varint", ErrBadSnapshot))
		return 0
	case v > limit:
		d.fail(fmt.Errorf("%w: value out of range", ErrBadSnapshot))
		return 0
	}
	d.pos += n
	return v
}

func (d *snapshotDecoder) uint32() uint32 { return uint32(d.uint(math.MaxUint32)) }

func (d *snapshotDecoder) int() int64 {
	u := d.uint(math.MaxUint64)
	v := int64(u >> 1)
	if u&1 != 0 {
		v = ^v
	}
	return v
}

func (d *snapshotDecoder) fixed() uint64 {
	b := d.bytes(8)
	if b == nil {
		return 0
	}
	return binary.LittleEndian.Uint64(b)
}

// bytes returns the next n bytes in place, capped at their length so that
// an append never writes past them; nil after an error.
func (d *snapshotDecoder) bytes(n int) []byte {
	if d.err != nil {
		return nil
	}
	if n > len(d.p)-d.pos {
		d.fail(io.ErrUnexpectedEOF)
		return nil
	}
	b := d.p[d.pos : d.pos+n : d.pos+n]
	d.pos += n
	return b
}

// maxSnapshotLen bounds a length read from a snapshot (a block, a word, a
// term's postings), so that a damaged one does not ask for memory it
// never had.
const maxSnapshotLen = 1 << 30

// decodeSnapshot checks data's header and checksum, then decodes it.
func decodeSnapshot(data []byte, o Options) (*Index, error) {
	d := &snapshotDecoder{p: data}
	if magic := d.bytes(len(snapshotMagic)); d.err != nil || string(magic) != snapshotMagic {
		return nil, fmt.Errorf("%w: not a snapshot", ErrBadSnapshot)
	}
	format := d.uint(math.MaxUint32)
	maxItems := d.uint(math.MaxInt32)
	if format != snapshotFormat || int(maxItems) != o.maxItems() {
		return nil, fmt.Errorf("%w: format %d with %d items at most, want %d with %d",
			ErrSnapshotVersion, format, maxItems, snapshotFormat, o.maxItems())
	}
	if bg := d.uint(math.MaxUint32); d.err == nil && bg != uint64(backgroundSum()) {
		return nil, fmt.Errorf("%w: another background list", ErrSnapshotVersion)
	}
	if d.err != nil {
		return nil, d.err
	}
	// The checksum of everything before it, before anything is decoded.
	if len(data) < d.pos+4 {
		return nil, fmt.Errorf("%w: short", ErrBadSnapshot)
	}
	body := len(data) - 4
	if crc32.ChecksumIEEE(data[:body]) != binary.LittleEndian.Uint32(data[body:]) {
		return nil, fmt.Errorf("%w: checksum", ErrBadSnapshot)
	}
	d.p = data[:body]
	x, err := d.index(o)
	if err != nil {
		return nil, err
	}
	if d.pos != len(d.p) {
		return nil, fmt.Errorf("%w: data past the end", ErrBadSnapshot)
	}
	return x, nil
}

// index decodes the index past the header.
func (d *snapshotDecoder) index(o Options) (*Index, error) {
	x := NewIndex(o)
	l := &x.log
	base, head, next := d.uint32(), d.uint32(), d.uint32()
	if d.err != nil {
		return nil, d.err
	}
	if base == noSeq || head-base >= chunkSize || next-head > uint32(o.maxItems())+chunkSize {
		return nil, fmt.Errorf("%w: log", ErrBadSnapshot)
	}
	l.base, l.head, l.next = base, base, base
	for range head - base { // the dropped entries of the first chunk
		l.pushRaw(entry{removed: true}, 0)
	}
	l.head = head
	for seq := head; seq != next; seq++ {
		var e entry
		e.id, e.story, e.feed, e.seen, e.when = d.int(), d.int(), d.int(), d.int(), d.int()
		flags := d.uint(3)
		scripts := d.uint(uint64(1)<<numScripts - 1)
		sc := d.uint(uint64(numScripts) - 1)
		e.removed, e.fp, e.scripts, e.script = flags&1 != 0, flags&2 != 0, uint8(scripts), script(sc)
		e.link = d.fixed()
		simHash := d.fixed()
		e.blk, e.off, e.n = d.uint32(), d.uint32(), d.uint32()
		if d.err != nil {
			return nil, d.err
		}
		if seq == noSeq && !e.removed { // the seq skipped at the wrap
			return nil, fmt.Errorf("%w: entry 0", ErrBadSnapshot)
		}
		l.pushRaw(e, simHash)
	}

	x.text.base = d.uint32()
	nBlocks := d.uint(maxSnapshotLen)
	if d.err != nil {
		return nil, d.err
	}
	x.text.blocks = make([][]byte, 0, min(nBlocks, 1<<20))
	for range nBlocks {
		// In place: the block is full (its capacity its length), and the
		// next Add starts a block of its own.
		b := d.bytes(int(d.uint(maxSnapshotLen)))
		if d.err != nil {
			return nil, d.err
		}
		x.text.blocks = append(x.text.blocks, b)
	}

	nTerms := d.uint(math.MaxUint32)
	if d.err == nil && nTerms > uint64(len(d.p)-d.pos) { // each term takes bytes
		d.fail(io.ErrUnexpectedEOF)
	}
	if d.err != nil {
		return nil, d.err
	}
	x.dict.terms = make([]term, nTerms)
	x.dict.ids = make(map[string]uint32, nTerms)
	x.dict.facts = map[uint32]uint32{}
	// The words go to one string of their own, not data's (a word
	// outlives the index's use of data), each term's a substring of it:
	// measured first, then copied and mapped.
	termsAt, size := d.pos, 0
	for range nTerms {
		size += len(d.term(&term{}))
	}
	if d.err != nil {
		return nil, d.err
	}
	d.pos = termsAt
	var words strings.Builder
	words.Grow(size)
	for id := range uint32(nTerms) {
		t := &x.dict.terms[id]
		w := d.term(t)
		if len(w) > 0 { // a released ID has no word
			at := words.Len()
			words.Write(w)
			t.word = words.String()[at:]
			x.dict.index(t.word, id)
		}
	}
	nFree := d.uint(nTerms)
	for range nFree {
		x.dict.free = append(x.dict.free, uint32(d.uint(nTerms-1)))
	}
	if d.err != nil {
		return nil, d.err
	}
	if err := x.relink(); err != nil {
		return nil, err
	}
	return x, nil
}

// term decodes a term into t, but for its word, which it returns. The
// postings are used in place (see bytes).
func (d *snapshotDecoder) term(t *term) []byte {
	w := d.bytes(int(d.uint(maxSnapshotLen)))
	if p := d.bytes(int(d.uint(maxSnapshotLen))); len(p) > 0 {
		t.postings = p
	}
	t.last = d.uint32()
	t.df, t.dead = int32(d.uint(math.MaxInt32)), int32(d.uint(math.MaxInt32))
	t.script, t.bg = script(d.uint(uint64(numScripts)-1)), uint8(d.uint(math.MaxUint8))
	return w
}

// relink makes the chains, the map of IDs and the counts of items per
// script again from the live entries of the log, in the order of their
// seqs, and checks that their terms are in the arena.
func (x *Index) relink() error {
	l := &x.log
	// Sized for the entries at once, rather than grown by rehashing as
	// they come: at most one story and one link an entry.
	n := int(l.next - l.head)
	x.byID, x.stories, x.links = make(map[int64]uint32, n), make(map[int64]chain, n), make(map[uint64]chain, n)
	for seq := l.head; seq != l.next; seq++ {
		e := l.at(seq)
		if e.removed {
			continue
		}
		if e.blk-x.text.base >= uint32(len(x.text.blocks)) ||
			uint64(e.off)+uint64(e.n) > uint64(len(x.text.blocks[e.blk-x.text.base])) {
			return fmt.Errorf("%w: terms of item %d", ErrBadSnapshot, e.id)
		}
		n := len(x.byID)
		x.linkEntry(seq)
		if len(x.byID) == n { // the ID was there: not one lookup more an entry to see it
			return fmt.Errorf("%w: item %d twice", ErrBadSnapshot, e.id)
		}
	}
	return nil
}

// MaxItems returns the most items the index holds: Options.MaxItems, or
// DefaultMaxItems when that is zero.
func (x *Index) MaxItems() int { return x.opt.maxItems() }

// IDRange returns the lowest and the highest ID of the items in the index;
// ok is false when it is empty.
func (x *Index) IDRange() (lo, hi int64, ok bool) {
	x.mu.Lock()
	defer x.mu.Unlock()
	for id := range x.byID {
		if !ok || id < lo {
			lo = id
		}
		if !ok || id > hi {
			hi = id
		}
		ok = true
	}
	return lo, hi, ok
}

// ExpireAll removes every item seen before t, wherever it is in the
// order items were added (Expire stops at the first item seen at t or
// later), and returns how many.
func (x *Index) ExpireAll(t time.Time) int {
	x.mu.Lock()
	defer x.mu.Unlock()
	limit, n := nanos(t), 0
	for seq := x.log.head; seq != x.log.next; seq++ {
		if e := x.log.at(seq); e != nil && !e.removed && e.seen < limit {
			x.remove(seq)
			n++
		}
	}
	x.dropRemoved()
	return n
}
