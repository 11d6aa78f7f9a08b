package affix

import (
	"slices"
	"testing"
)

func TestTable(t *testing.T) {
	tab := NewTable([]string{"وال", "و", "ال", "ف"}, 0x0600, 0x06FF)
	for _, c := range []struct {
		r    rune
		want []string
	}{
		{'و', []string{"وال", "و"}}, // the order given, longest first here
		{'ا', []string{"ال"}},
		{'ف', []string{"ف"}},
		{'ب', nil},             // in range, no prefix
		{'a', nil},             // below the range
		{0x05D0, nil},          // Hebrew alef: below the range
		{0x0700, nil},          // above the range
		{0x0600 + 0x00FF, nil}, // the last letter of the range
	} {
		if got := tab.Starting(c.r); !slices.Equal(got, c.want) {
			t.Errorf("Starting(%q) = %q, want %q", c.r, got, c.want)
		}
	}
}
