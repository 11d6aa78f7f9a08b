package story

import (
	"bufio"
	"crypto/sha256"
	"encoding/binary"
	"flag"
	"fmt"
	"hash/fnv"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

var updateGolden = flag.Bool("update-golden", false, "rewrite testdata/extract.golden from Extract's current output")

// goldenFile records Extract's output for the texts of extractInputs: the
// fingerprints are stored in databases, so they must not change.
var goldenFile = filepath.Join("testdata", "extract.golden")

// extractInput is a title and a summary to extract features from.
type extractInput struct {
	name, title, summary string
}

// extractInputs returns the texts of the labelled set (every item's title,
// description and content, alone and together, and each document's
// descriptions run together, longer than maxWords), generated texts, and
// short texts at the edges of the word rules.
func extractInputs(t testing.TB) []extractInput {
	t.Helper()
	var files []string
	for _, dir := range []string{"feeds", "background"} {
		fs, err := filepath.Glob(filepath.Join("testdata", dir, "*"))
		if err != nil {
			t.Fatal(err)
		}
		files = append(files, fs...)
	}
	var in []extractInput
	for _, path := range files {
		doc := parseFeedFile(t, path)
		file := filepath.Base(path)
		var all strings.Builder
		for i, gi := range doc.Items {
			name := fmt.Sprintf("%s#%d", file, i)
			in = append(in,
				extractInput{name, gi.Title, gi.Description},
				extractInput{name + "/title", gi.Title, ""},
				extractInput{name + "/description", "", gi.Description},
				extractInput{name + "/swapped", gi.Description, gi.Title},
			)
			if gi.Content != "" {
				in = append(in, extractInput{name + "/content", gi.Title, gi.Content})
			}
			all.WriteString(gi.Description)
			all.WriteString("\n")
		}
		in = append(in, extractInput{file + "/all", doc.Title, all.String()})
	}
	s := newSynthetic(3)
	for i := range 200 {
		in = append(in, extractInput{fmt.Sprintf("synthetic#%d", i), s.text(1 + i%15), s.text(i % 120)})
	}
	for i, text := range []string{
		"", " ", "a", "1", "ab", "a b", "a b c d e f g h", "1 2 3 4 5 6 7 8",
		`צה"ל`, `צה"ל צה"ל צה"ל`, "ג'באליה", "3.5", "1,200.50", "al-Sharaa's", "x-y-z", "a-b", "a--b", "a-.b",
		"-lead", "trail-", "'quoted'", `"a"b"c"d`, "u.s.a.", "U.S.-Iran",
		"classes studies studied running talks boss bosses ties tied abcds", "seeing ss sss",
		"בריאד וביריאד והבית ובית שהם מהם כשל ל ב", "الرياض والرياض بالرياض كالبيت فالبيت للبيت وبيت",
		"ﺍﻟﺮﻳﺎﺽ", "Ｆｕｌｌｗｉｄｔｈ ＡＢＣ", "İstanbul ΣΊΣΥΦΟΣ straße", "e\u0301te\u0301 cafe\u0301",
		"<b>bold</b> &amp; <i>it</i>", "a<br>b", "one two one two one two one two",
		strings.Repeat("word ", 500), strings.Repeat("alpha beta gamma delta ", 150),
		"😀 emoji 😀 text", "tab\tsep\nnew line", "x\u200dy zero\u00a0width",
	} {
		in = append(in,
			extractInput{fmt.Sprintf("edge#%d", i), text, ""},
			extractInput{fmt.Sprintf("edge#%d/summary", i), "", text},
			extractInput{fmt.Sprintf("edge#%d/both", i), text, text},
		)
	}
	return in
}

// featuresLine describes f in one line: its fingerprint, shingles and
// title words, and a digest of its terms and words.
func featuresLine(name string, f Features) string {
	h := sha256.New()
	var buf []byte
	buf = binary.AppendUvarint(buf, uint64(len(f.Terms)))
	for _, term := range f.Terms {
		buf = binary.AppendUvarint(buf, uint64(len(term)))
		buf = append(buf, term...)
	}
	buf = binary.AppendUvarint(buf, uint64(len(f.Words)))
	for _, forms := range f.Words {
		buf = binary.AppendUvarint(buf, uint64(len(forms)))
		for _, k := range forms {
			buf = binary.AppendUvarint(buf, uint64(k))
		}
	}
	h.Write(buf)
	return fmt.Sprintf("%s %016x %d %d %d %d %x", name, f.SimHash, f.Shingles, f.TitleWords, len(f.Terms), len(f.Words), h.Sum(nil)[:8])
}

// TestExtractGolden checks that Extract's output for every input is the
// one recorded in testdata/extract.golden (-update-golden rewrites it).
func TestExtractGolden(t *testing.T) {
	in := extractInputs(t)
	got := make([]string, len(in))
	for i, x := range in {
		got[i] = featuresLine(strings.ReplaceAll(x.name, " ", "_"), Extract(x.title, x.summary))
	}
	if *updateGolden {
		data := "# name simhash shingles title-words terms words digest-of-terms-and-words\n" + strings.Join(got, "\n") + "\n"
		if err := os.WriteFile(goldenFile, []byte(data), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	f, err := os.Open(goldenFile)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var want []string
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if line := sc.Text(); line != "" && !strings.HasPrefix(line, "#") {
			want = append(want, line)
		}
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	if len(got) != len(want) {
		t.Fatalf("%d inputs, golden file has %d", len(got), len(want))
	}
	bad := 0
	for i := range got {
		if got[i] != want[i] {
			if bad++; bad <= 10 {
				t.Errorf("got  %s\nwant %s", got[i], want[i])
			}
		}
	}
	if bad > 0 {
		t.Errorf("%d of %d outputs differ", bad, len(got))
	}
}

// simhashReference is SimHash as first written: a map of the shingles
// seen and a count per bit, each shingle hashed by shingleHash.
func simhashReference(words []string) (uint64, int) {
	n := min(shingleSize, len(words))
	if n == 0 {
		return 0, 0
	}
	seen := map[uint64]bool{}
	var counts [64]int
	for i := 0; i+n <= len(words); i++ {
		h := shingleHash(words[i : i+n])
		if seen[h] {
			continue
		}
		seen[h] = true
		for b := range 64 {
			if h&(1<<b) != 0 {
				counts[b]++
			} else {
				counts[b]--
			}
		}
	}
	var fp uint64
	for b, c := range counts {
		if c > 0 {
			fp |= 1 << b
		}
	}
	return fp, len(seen)
}

// TestSimhash compares simhash with simhashReference on word lists of
// every length up to past a lane's 255 shingles, with repeated shingles
// and empty words.
func TestSimhash(t *testing.T) {
	s := newSynthetic(5)
	var set []uint64
	for n := range 700 {
		words := make([]string, n)
		for i := range words {
			switch r := s.rng.IntN(20); {
			case r == 0:
				words[i] = ""
			case r < 4 && i >= 2:
				words[i] = words[i-2] // repeats shingles
			default:
				words[i] = s.vocab[s.rng.IntN(len(s.vocab))]
			}
		}
		var fp uint64
		var k int
		fp, k, set = simhash(words, set)
		wantFP, wantK := simhashReference(words)
		if fp != wantFP || k != wantK {
			t.Fatalf("%d words: simhash %016x of %d shingles, want %016x of %d", n, fp, k, wantFP, wantK)
		}
	}
	if fp, k := simhashReference([]string{"Baku"}); fp != fmix64(fnvString("Baku")) || k != 1 {
		t.Errorf("one word: %016x of %d shingles", fp, k)
	}
}

// fnvString is FNV-1a of s, as hash/fnv computes it.
func fnvString(s string) uint64 {
	h := fnv.New64a()
	h.Write([]byte(s))
	return h.Sum64()
}
