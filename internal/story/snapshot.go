package story

import (
	"bufio"
	"encoding/binary"
	"errors"
	"fmt"
	"hash"
	"hash/crc32"
	"io"
	"math"
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
// The encoding, in unsigned varints unless said (signed ones zig-zag):
//
//	"NWIX", snapshotFormat, MaxItems;
//	the log's base, head and next; per entry from head to next: its ID,
//	story and feed, seen and when (signed), flags (removed, fp), scripts,
//	script, link hash and fingerprint (8 bytes little-endian each), its
//	terms' arena block, offset and length;
//	the arena's base and number of blocks, then each block's length and
//	bytes;
//	the number of terms, then per term its word and postings (length and
//	bytes), last, df and dead; the free IDs;
//	the CRC-32 (IEEE) of everything before it, 4 bytes little-endian.

// snapshotFormat is the version of the snapshot's encoding and of the
// index's state it writes. Raise it with every change to the index's
// state (entries, the arena's encoding of terms, postings, how a link is
// hashed, a term's script or background bucket): a snapshot of another
// format is not read (ErrSnapshotVersion).
const snapshotFormat = 1

// snapshotMagic begins every snapshot.
const snapshotMagic = "NWIX"

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
// its end. The index is the one written: Assign finds for any item what
// the written index would have found.
func ReadSnapshot(r io.Reader, o Options) (*Index, error) {
	sr := snapshotReader{r: r, buf: make([]byte, 0, 64<<10), crc: crc32.NewIEEE()}
	x, err := sr.read(o)
	if err == nil {
		// The checksum of what was read, then the end.
		want := sr.sum()
		var sum [4]byte
		if err = sr.full(sum[:]); err != nil || binary.LittleEndian.Uint32(sum[:]) != want {
			err = fmt.Errorf("%w: checksum", ErrBadSnapshot)
		} else if _, err = sr.byte(); err != io.EOF {
			err = fmt.Errorf("%w: data past the end", ErrBadSnapshot)
		} else {
			err = nil
		}
	}
	if err != nil {
		if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
			err = fmt.Errorf("%w: short", ErrBadSnapshot)
		}
		return nil, fmt.Errorf("story: read index snapshot: %w", err)
	}
	return x, nil
}

// snapshotReader reads a snapshot through a buffer of its own, and
// checksums the bytes it consumed when it refills it (and at sum).
type snapshotReader struct {
	r   io.Reader
	buf []byte // buf[pos:] is not read yet
	pos int
	crc hash.Hash32
	err error // of r, once it returned one
}

// fill reads more into the buffer, checksumming what was consumed.
func (sr *snapshotReader) fill() error {
	if sr.err != nil {
		return sr.err
	}
	sr.crc.Write(sr.buf[:sr.pos])
	n := copy(sr.buf[:cap(sr.buf)], sr.buf[sr.pos:])
	sr.buf, sr.pos = sr.buf[:n], 0
	m, err := sr.r.Read(sr.buf[n:cap(sr.buf)])
	sr.buf = sr.buf[:n+m]
	if err != nil && m == 0 {
		sr.err = err
		return err
	}
	return nil
}

// sum returns the checksum of every byte consumed.
func (sr *snapshotReader) sum() uint32 {
	sr.crc.Write(sr.buf[:sr.pos])
	sr.buf, sr.pos = sr.buf[sr.pos:], 0
	return sr.crc.Sum32()
}

func (sr *snapshotReader) byte() (byte, error) {
	for sr.pos == len(sr.buf) {
		if err := sr.fill(); err != nil {
			return 0, err
		}
	}
	b := sr.buf[sr.pos]
	sr.pos++
	return b, nil
}

// full reads len(p) bytes into p.
func (sr *snapshotReader) full(p []byte) error {
	for len(p) > 0 {
		if sr.pos == len(sr.buf) {
			if err := sr.fill(); err != nil {
				return err
			}
		}
		n := copy(p, sr.buf[sr.pos:])
		sr.pos += n
		p = p[n:]
	}
	return nil
}

func (sr *snapshotReader) uint(limit uint64) (uint64, error) {
	var v uint64
	for shift := 0; shift < 64; shift += 7 {
		b, err := sr.byte()
		if err != nil {
			return 0, err
		}
		v |= uint64(b&0x7f) << shift
		if b < 0x80 {
			if v > limit {
				return 0, fmt.Errorf("%w: value out of range", ErrBadSnapshot)
			}
			return v, nil
		}
	}
	return 0, fmt.Errorf("%w: varint", ErrBadSnapshot)
}

func (sr *snapshotReader) uint32() (uint32, error) {
	v, err := sr.uint(math.MaxUint32)
	return uint32(v), err
}

func (sr *snapshotReader) int() (int64, error) {
	u, err := sr.uint(math.MaxUint64)
	v := int64(u >> 1)
	if u&1 != 0 {
		v = ^v
	}
	return v, err
}

func (sr *snapshotReader) fixed() (uint64, error) {
	var b [8]byte
	if err := sr.full(b[:]); err != nil {
		return 0, err
	}
	return binary.LittleEndian.Uint64(b[:]), nil
}

// bytes reads n bytes into a new slice of capacity at least c.
func (sr *snapshotReader) bytes(n, c int) ([]byte, error) {
	p := make([]byte, n, max(n, c))
	if err := sr.full(p); err != nil {
		return nil, err
	}
	return p, nil
}

// maxSnapshotLen bounds a length read from a snapshot (a block, a word, a
// term's postings), so that a damaged one does not ask for memory it
// never had.
const maxSnapshotLen = 1 << 30

func (sr *snapshotReader) read(o Options) (*Index, error) {
	magic, err := sr.bytes(len(snapshotMagic), 0)
	if err != nil {
		return nil, err
	}
	if string(magic) != snapshotMagic {
		return nil, fmt.Errorf("%w: not a snapshot", ErrBadSnapshot)
	}
	format, err := sr.uint(math.MaxUint32)
	if err != nil {
		return nil, err
	}
	maxItems, err := sr.uint(math.MaxInt32)
	if err != nil {
		return nil, err
	}
	if format != snapshotFormat || int(maxItems) != o.maxItems() {
		return nil, fmt.Errorf("%w: format %d with %d items at most, want %d with %d",
			ErrSnapshotVersion, format, maxItems, snapshotFormat, o.maxItems())
	}

	x := NewIndex(o)
	l := &x.log
	var base, head, next uint32
	for _, p := range []*uint32{&base, &head, &next} {
		if *p, err = sr.uint32(); err != nil {
			return nil, err
		}
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
		var simHash uint64
		var flags, scripts, sc uint64
		for _, p := range []*int64{&e.id, &e.story, &e.feed, &e.seen, &e.when} {
			if *p, err = sr.int(); err != nil {
				return nil, err
			}
		}
		if flags, err = sr.uint(3); err != nil {
			return nil, err
		}
		if scripts, err = sr.uint(uint64(1)<<numScripts - 1); err != nil {
			return nil, err
		}
		if sc, err = sr.uint(uint64(numScripts) - 1); err != nil {
			return nil, err
		}
		e.removed, e.fp, e.scripts, e.script = flags&1 != 0, flags&2 != 0, uint8(scripts), script(sc)
		if e.link, err = sr.fixed(); err != nil {
			return nil, err
		}
		if simHash, err = sr.fixed(); err != nil {
			return nil, err
		}
		for _, p := range []*uint32{&e.blk, &e.off, &e.n} {
			if *p, err = sr.uint32(); err != nil {
				return nil, err
			}
		}
		if seq == noSeq && !e.removed { // the seq skipped at the wrap
			return nil, fmt.Errorf("%w: entry 0", ErrBadSnapshot)
		}
		l.pushRaw(e, simHash)
	}

	if x.text.base, err = sr.uint32(); err != nil {
		return nil, err
	}
	nBlocks, err := sr.uint(maxSnapshotLen)
	if err != nil {
		return nil, err
	}
	for range nBlocks {
		n, err := sr.uint(maxSnapshotLen)
		if err != nil {
			return nil, err
		}
		b, err := sr.bytes(int(n), blockSize)
		if err != nil {
			return nil, err
		}
		x.text.blocks = append(x.text.blocks, b)
	}

	nTerms, err := sr.uint(math.MaxUint32)
	if err != nil {
		return nil, err
	}
	x.dict.terms = make([]term, 0, min(nTerms, 1<<24))
	x.dict.ids = make(map[string]uint32, min(nTerms, 1<<24))
	x.dict.facts = map[uint32]uint32{}
	var word []byte // scratch
	for id := range uint32(nTerms) {
		n, err := sr.uint(maxSnapshotLen)
		if err != nil {
			return nil, err
		}
		if cap(word) < int(n) {
			word = make([]byte, n)
		}
		word = word[:n]
		if err := sr.full(word); err != nil {
			return nil, err
		}
		if n, err = sr.uint(maxSnapshotLen); err != nil {
			return nil, err
		}
		var t term
		if n > 0 {
			if t.postings, err = sr.bytes(int(n), 0); err != nil {
				return nil, err
			}
		}
		var df, dead uint64
		if t.last, err = sr.uint32(); err != nil {
			return nil, err
		}
		if df, err = sr.uint(math.MaxInt32); err != nil {
			return nil, err
		}
		if dead, err = sr.uint(math.MaxInt32); err != nil {
			return nil, err
		}
		t.df, t.dead = int32(df), int32(dead)
		if len(word) > 0 { // a released ID has no word
			t.word = string(word)
			t.script, t.bg = scriptOf(t.word), backgroundBucket(t.word)
			x.dict.index(t.word, id)
		}
		x.dict.terms = append(x.dict.terms, t)
	}
	nFree, err := sr.uint(nTerms)
	if err != nil {
		return nil, err
	}
	for range nFree {
		id, err := sr.uint(nTerms - 1)
		if err != nil {
			return nil, err
		}
		x.dict.free = append(x.dict.free, uint32(id))
	}
	if err := x.relink(); err != nil {
		return nil, err
	}
	return x, nil
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
		if _, dup := x.byID[e.id]; dup {
			return fmt.Errorf("%w: item %d twice", ErrBadSnapshot, e.id)
		}
		x.linkEntry(seq)
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
