package story

import (
	_ "embed"
	"math"
	"strconv"
	"strings"
	"sync"
)

// backgroundTXT is the background frequency list: how many news items
// have a word, from sources BACKGROUND.md names (gen_background.go writes
// it).
//
//go:embed background.txt
var backgroundTXT string

// Rarity is measured in the window, which a new install or a desk of a few
// feeds has little of. The window's document frequencies are therefore
// combined with a background frequency: a word's share of items is
//
//	(df + backgroundItems × p) / (n + backgroundItems)
//
// for df of the window's n items (of its script) and p its background
// share, as if the window held backgroundItems more items in which the
// word had its background share. A word of the list has the share its
// line gives; another word the share unknownShare of its script gives.
const backgroundItems = 500

// unknownShare is the background share of a word not in the list, by
// script: the list ranks English words, so an English word it lacks is
// rare; of Arabic and Hebrew it has the function words only, so a word
// it lacks may still be common.
var unknownShare = [numScripts]float64{
	scriptNone:   1.0 / 256,
	scriptLatin:  1.0 / 32768,
	scriptHebrew: 1.0 / 1024,
	scriptArabic: 1.0 / 1024,
	scriptOther:  1.0 / 1024,
}

// maxRareShare is the largest share of items a rare form may have:
// a form more common than that does not find candidates, however few
// items of the window have it.
const maxRareShare = 0.02

var (
	bgOnce sync.Once
	bg     map[string]uint8
)

// backgroundBucket returns 1 + B for a word of the list whose share is
// about 2^-B, 0 for a word it lacks.
func backgroundBucket(word string) uint8 {
	bgOnce.Do(func() { bg = parseBackground(backgroundTXT) })
	return bg[word]
}

// parseBackground parses the list: "=B" lines, each followed by words of
// share 2^-B. Comments start with #.
func parseBackground(text string) map[string]uint8 {
	m := make(map[string]uint8, strings.Count(text, "\n"))
	var b uint8
	for line := range strings.Lines(text) {
		line = strings.TrimRight(line, "\r\n")
		switch {
		case line == "" || line[0] == '#':
		case line[0] == '=':
			v, err := strconv.Atoi(line[1:])
			if err != nil || v < 0 || v > 60 {
				panic("story: background.txt: bad line " + strconv.Quote(line))
			}
			b = uint8(v) + 1
		default:
			m[line] = b
		}
	}
	return m
}

// backgroundShare is the background share of a word of script s and
// bucket b (backgroundBucket).
func backgroundShare(s script, b uint8) float64 {
	if b == 0 {
		return unknownShare[s]
	}
	return math.Ldexp(1, -int(b-1))
}
