package story

import (
	"bytes"
	"cmp"
	"errors"
	"fmt"
	"math"
	"reflect"
	"runtime"
	"slices"
	"strings"
	"testing"
	"time"
)

// snapshotOf writes x to a snapshot and reads it back.
func snapshotOf(t *testing.T, x *Index, o Options) *Index {
	t.Helper()
	var buf bytes.Buffer
	if err := x.WriteSnapshot(&buf); err != nil {
		t.Fatal(err)
	}
	y, err := ReadSnapshot(&buf, o)
	if err != nil {
		t.Fatal(err)
	}
	if err := y.check(); err != nil {
		t.Fatalf("index read from the snapshot: %v", err)
	}
	if x.Len() != y.Len() {
		t.Fatalf("index read from the snapshot holds %d items, want %d", y.Len(), x.Len())
	}
	return y
}

// TestSnapshotLabelled runs the labelled set through an index, takes a
// snapshot of it halfway, and runs the second half through both the index
// and the one read from the snapshot: every match (story, stage, score,
// shared words, vetoes) must be the same.
func TestSnapshotLabelled(t *testing.T) {
	set := loadLabelled(t)
	items := slices.Clone(set.items)
	slices.SortStableFunc(items, func(a, b Labelled) int {
		if c := a.Item.Seen.Compare(b.Item.Seen); c != 0 {
			return c
		}
		return cmp.Compare(a.Item.ID, b.Item.ID)
	})
	o := Options{}
	x := NewIndex(o)
	var next int64
	run := func(x *Index, it Item) Match {
		m := x.Assign(&it)
		if m.Stage == StageNew {
			next++
			m.Story = next
		}
		it.Story = m.Story
		x.Add(it)
		return m
	}
	half := len(items) / 2
	for _, l := range items[:half] {
		run(x, l.Item)
	}
	y := snapshotOf(t, x, o)
	joined := 0
	for _, l := range items[half:] {
		n := next
		mx := run(x, l.Item)
		next = n
		my := run(y, l.Item)
		if !reflect.DeepEqual(mx, my) {
			t.Fatalf("item %d: from the snapshot %+v, want %+v", l.Item.ID, my, mx)
		}
		if mx.Stage != StageNew {
			joined++
		}
	}
	if joined == 0 {
		t.Fatal("no item of the second half joined a story: the comparison shows nothing")
	}
	t.Logf("%d items compared, %d joined a story", len(items)-half, joined)
}

// TestSnapshotConsistency takes snapshots of an index that items were
// added to, replaced in, removed from, expired from and evicted from (its
// seqs wrapping around in the second case), and checks that the index
// read back keeps its invariants and goes on as the original does.
func TestSnapshotConsistency(t *testing.T) {
	for _, start := range []uint32{1, math.MaxUint32 - 700} {
		t.Run(fmt.Sprintf("seq=%d", start), func(t *testing.T) {
			s := newSynthetic(5)
			o := Options{MaxItems: 300, Window: time.Hour}
			x := NewIndex(o)
			x.log = entryLog{base: start, head: start, next: start}
			var texts []Item
			for i := range 1200 {
				seen := t0.Add(time.Duration(i) * 10 * time.Second)
				it := churn(x, s, &texts, i, seen, func() {
					x.Move(int64(s.rng.IntN(i+1)), int64(s.rng.IntN(400)))
				})
				x.Add(it)
				if i%100 != 99 {
					continue
				}
				y := snapshotOf(t, x, o)
				// The next items, on both.
				for k := range 20 {
					q := texts[s.rng.IntN(len(texts))]
					q.ID, q.Seen = int64(100000+i*100+k), seen.Add(time.Second)
					mx, my := x.Assign(&q), y.Assign(&q)
					if !reflect.DeepEqual(mx, my) {
						t.Fatalf("after item %d: from the snapshot %+v, want %+v", i+1, my, mx)
					}
				}
				x = y // go on with the index read back
			}
		})
	}
}

// TestSnapshotBad checks that a damaged or cut snapshot, or one of an
// index of other options, is refused with the error that says which.
func TestSnapshotBad(t *testing.T) {
	s := newSynthetic(7)
	o := Options{MaxItems: 500}
	x := NewIndex(o)
	for i := range 200 {
		it := s.item(int64(i+1), t0.Add(time.Duration(i)*time.Second))
		x.Add(it)
	}
	var buf bytes.Buffer
	if err := x.WriteSnapshot(&buf); err != nil {
		t.Fatal(err)
	}
	good := buf.Bytes()
	if _, err := ReadSnapshot(bytes.NewReader(good), Options{MaxItems: 400}); !errors.Is(err, ErrSnapshotVersion) {
		t.Errorf("other MaxItems: %v, want ErrSnapshotVersion", err)
	}
	for _, n := range []int{0, 3, 10, len(good) / 2, len(good) - 1} {
		if _, err := ReadSnapshot(bytes.NewReader(good[:n]), o); !errors.Is(err, ErrBadSnapshot) {
			t.Errorf("cut at %d of %d bytes: %v, want ErrBadSnapshot", n, len(good), err)
		}
	}
	for _, at := range []int{len(good) / 3, len(good) / 2, len(good) - 2} {
		bad := slices.Clone(good)
		bad[at] ^= 0x10
		if _, err := ReadSnapshot(bytes.NewReader(bad), o); !errors.Is(err, ErrBadSnapshot) {
			t.Errorf("byte %d changed: %v, want ErrBadSnapshot", at, err)
		}
	}
	if _, err := ReadSnapshot(bytes.NewReader(append(slices.Clone(good), 0)), o); !errors.Is(err, ErrBadSnapshot) {
		t.Errorf("a byte past the end: %v, want ErrBadSnapshot", err)
	}
	// The header: "NWIX", the format, MaxItems (500: two bytes), the
	// background list's checksum.
	old := slices.Clone(good)
	old[4] = 1 // the format before the terms carried their script and bucket
	if _, err := ReadSnapshot(bytes.NewReader(old), o); !errors.Is(err, ErrSnapshotVersion) {
		t.Errorf("format 1: %v, want ErrSnapshotVersion", err)
	}
	otherList := slices.Clone(good)
	otherList[7] ^= 0x01
	if _, err := ReadSnapshot(bytes.NewReader(otherList), o); !errors.Is(err, ErrSnapshotVersion) || !strings.Contains(err.Error(), "background") {
		t.Errorf("another background list: %v, want ErrSnapshotVersion", err)
	}
}

// TestSnapshotInPlace checks that an index decoded from a snapshot's bytes
// in place never writes to them, as items are added, assigned, moved,
// removed and expired, and that DecodeSnapshot releases the bytes: at once
// when it fails, once the index is garbage when it does not.
func TestSnapshotInPlace(t *testing.T) {
	s := newSynthetic(11)
	x := NewIndex(Options{MaxItems: 300})
	for i := range 250 {
		x.Add(s.item(int64(i+1), t0.Add(time.Duration(i)*time.Second)))
	}
	var buf bytes.Buffer
	if err := x.WriteSnapshot(&buf); err != nil {
		t.Fatal(err)
	}
	data := buf.Bytes()
	want := slices.Clone(data)
	released := make(chan struct{}, 1)
	y, err := DecodeSnapshot(data, func() { released <- struct{}{} }, Options{MaxItems: 300})
	if err != nil {
		t.Fatal(err)
	}
	for i := 250; i < 600; i++ { // past MaxItems: the first items leave
		it := s.item(int64(i+1), t0.Add(time.Duration(i)*time.Second))
		m := y.Assign(&it)
		it.Story = m.Story
		y.Add(it)
		if i%7 == 0 {
			y.Move(int64(i-100), int64(i))
		}
		if i%11 == 0 {
			y.Remove(int64(i - 50))
		}
	}
	y.Expire(t0.Add(400 * time.Second))
	if err := y.check(); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(data, want) {
		t.Fatal("the index wrote to the snapshot's bytes it uses in place")
	}
	select {
	case <-released:
		t.Fatal("released while the index is in use")
	default:
	}
	runtime.KeepAlive(y)
	y = nil
	deadline := time.Now().Add(10 * time.Second)
	for done := false; !done; {
		runtime.GC()
		select {
		case <-released:
			done = true
		default:
			if time.Now().After(deadline) {
				t.Fatal("the bytes of an index that is garbage were never released")
			}
			runtime.Gosched()
		}
	}

	bad := slices.Clone(want)
	bad[len(bad)/2] ^= 0x10
	if _, err := DecodeSnapshot(bad, func() { released <- struct{}{} }, Options{MaxItems: 300}); !errors.Is(err, ErrBadSnapshot) {
		t.Fatalf("damaged: %v, want ErrBadSnapshot", err)
	}
	select {
	case <-released:
	default:
		t.Fatal("the bytes of a snapshot refused were not released")
	}
}
