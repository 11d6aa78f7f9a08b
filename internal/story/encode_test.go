package story

import (
	"bufio"
	"crypto/sha256"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
)

// sameFeatures reports how a and b differ, "" when they do not (a nil and
// an empty slice are the same).
func sameFeatures(a, b *Features) string {
	switch {
	case a.SimHash != b.SimHash || a.Shingles != b.Shingles:
		return fmt.Sprintf("fingerprint %016x/%d, want %016x/%d", a.SimHash, a.Shingles, b.SimHash, b.Shingles)
	case !slices.Equal(a.Terms, b.Terms):
		return fmt.Sprintf("terms %q, want %q", a.Terms, b.Terms)
	case a.TitleWords != b.TitleWords:
		return fmt.Sprintf("%d title words, want %d", a.TitleWords, b.TitleWords)
	case !slices.EqualFunc(a.Words, b.Words, slices.Equal):
		return fmt.Sprintf("words %v, want %v", a.Words, b.Words)
	case !slices.Equal(a.Facts, b.Facts):
		return fmt.Sprintf("facts %v, want %v", a.Facts, b.Facts)
	}
	return ""
}

// TestFeaturesRoundTrip encodes the features of every input of the
// extraction golden test and decodes them again, with a decoder reused
// from one to the next and without; no encoding is longer than
// encodedSize, which sizes it.
func TestFeaturesRoundTrip(t *testing.T) {
	var d FeaturesDecoder
	var buf []byte
	size, n := 0, 0
	for _, in := range extractInputs(t) {
		f := Extract(in.title, in.summary)
		buf = AppendFeatures(buf[:0], &f)
		size += len(buf)
		n++
		if bound := encodedSize(&f); len(buf) > bound {
			t.Fatalf("%s: %d bytes encoded, encodedSize says at most %d", in.name, len(buf), bound)
		}
		got, err := d.Decode(buf)
		if err != nil {
			t.Fatalf("%s: %v", in.name, err)
		}
		if diff := sameFeatures(got, &f); diff != "" {
			t.Fatalf("%s: decoded: %s", in.name, diff)
		}
		alone, err := DecodeFeatures(buf)
		if err != nil || sameFeatures(&alone, &f) != "" {
			t.Fatalf("%s: DecodeFeatures: %v %s", in.name, err, sameFeatures(&alone, &f))
		}
	}
	t.Logf("%d encodings, %d bytes on average", n, size/n)
}

// TestDecodeFeaturesBad checks that every truncation of an encoding, and
// an encoding with bytes after it or a term longer than what is left, is
// ErrBadFeatures, not a panic or wrong features.
func TestDecodeFeaturesBad(t *testing.T) {
	f := Extract("Israeli and Syrian officials meet in Baku on Tuesday",
		"Talks on de-escalation in southern Syria, the third round, 3.5 km from the border")
	if len(f.Facts) == 0 || len(f.Terms) == 0 {
		t.Fatalf("want facts and terms in the example: %+v", f)
	}
	enc := AppendFeatures(nil, &f)
	cases := map[string][]byte{"trailing byte": append(slices.Clip(enc), 0)}
	for n := range len(enc) {
		cases[fmt.Sprintf("first %d bytes", n)] = enc[:n]
	}
	for name, p := range cases {
		t.Run(name, func(t *testing.T) {
			if _, err := DecodeFeatures(p); !errors.Is(err, ErrBadFeatures) {
				t.Errorf("err = %v, want ErrBadFeatures", err)
			}
		})
	}
	// A word naming a form beyond the terms.
	bad := AppendFeatures(nil, &Features{Terms: []string{"ab"}, Words: [][]uint16{{1}}})
	if _, err := DecodeFeatures(bad); !errors.Is(err, ErrBadFeatures) {
		t.Errorf("form out of range: err = %v, want ErrBadFeatures", err)
	}
	// A prefix longer than the term before.
	bad = AppendFeatures(nil, &Features{Terms: []string{"ab", "abc"}})
	bad[14] = 5 // the second term's shared prefix: 2 → 5
	if _, err := DecodeFeatures(bad); !errors.Is(err, ErrBadFeatures) {
		t.Errorf("prefix too long: err = %v, want ErrBadFeatures", err)
	}
}

// versionsFile records, per FeaturesVersion, a digest of the encoded
// features of extractInputs: stored features of one version must be what
// Extract gives, so a change to the features a text gives must come with
// a new version.
var versionsFile = filepath.Join("testdata", "features.versions")

// TestFeaturesVersion checks that the features of extractInputs are those
// recorded for the current FeaturesVersion. When it fails, the extraction
// or the encoding changed: raise featuresFormat and run the test with
// -update-golden, which records the new version's digest (and refuses to
// change a recorded one). A change to the lexicon changes the version by
// itself.
func TestFeaturesVersion(t *testing.T) {
	h := sha256.New()
	var buf []byte
	for _, in := range extractInputs(t) {
		f := Extract(in.title, in.summary)
		buf = AppendFeatures(buf[:0], &f)
		h.Write(strconv.AppendInt(nil, int64(len(buf)), 10))
		h.Write(buf)
	}
	digest := fmt.Sprintf("%x", h.Sum(nil))
	version := strconv.FormatInt(FeaturesVersion(), 10)

	recorded := map[string]string{}
	if data, err := os.ReadFile(versionsFile); err == nil {
		sc := bufio.NewScanner(strings.NewReader(string(data)))
		for sc.Scan() {
			if v, d, ok := strings.Cut(sc.Text(), " "); ok && !strings.HasPrefix(v, "#") {
				recorded[v] = d
			}
		}
	} else if !errors.Is(err, os.ErrNotExist) {
		t.Fatal(err)
	}
	switch want, ok := recorded[version]; {
	case ok && want == digest:
	case ok:
		t.Fatalf("the features of version %s changed (digest %s, recorded %s): raise featuresFormat, then run with -update-golden", version, digest, want)
	case *updateGolden:
		f, err := os.OpenFile(versionsFile, os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o644)
		if err == nil {
			if len(recorded) == 0 {
				_, err = fmt.Fprintln(f, "# FeaturesVersion sha256-of-the-encoded-features-of-extractInputs (TestFeaturesVersion)")
			}
			if err == nil {
				_, err = fmt.Fprintln(f, version, digest)
			}
			if cerr := f.Close(); err == nil {
				err = cerr
			}
		}
		if err != nil {
			t.Fatal(err)
		}
	default:
		t.Fatalf("FeaturesVersion %s is not in %s: run with -update-golden to record it", version, versionsFile)
	}
}
