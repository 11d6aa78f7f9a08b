package analysis

import (
	"slices"
	"testing"
)

func TestPrefixTable(t *testing.T) {
	tab := NewPrefixTable([]string{"وال", "و", "ال", "ف"}, 0x0600, 0x06FF)
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

func TestForms(t *testing.T) {
	tests := []struct {
		name string
		tok  string // analysed item token
		want []string
	}{
		{"English: none", "israel", []string{"israel"}},
		{"Arabic wa", "واسرائيل", []string{"واسرائيل", "اسرائيل"}},
		{"Arabic wa-al", "والسعوديه", []string{"والسعوديه", "سعوديه", "السعوديه"}},
		{"Arabic al", "السعوديه", []string{"السعوديه", "سعوديه"}},
		{"Arabic li-l", "للاحتلال", []string{"للاحتلال", "احتلال", "لاحتلال"}},
		{"Arabic bi-al", "بالقدس", []string{"بالقدس", "قدس", "القدس"}},
		{"Arabic: two letters must remain", "ولي", []string{"ولي", "لي"}},
		{"Arabic: one letter does not", "وف", []string{"وف"}},
		{"Hebrew ve", "וישראל", []string{"וישראל", "ישראל"}},
		{"Hebrew be", "בישראל", []string{"בישראל", "ישראל"}},
		{"Hebrew ha", "הסעודית", []string{"הסעודית", "סעודית"}},
		{"Hebrew ve-be", "ובישראל", []string{"ובישראל", "ישראל", "בישראל"}},
		{"Hebrew: two letters must remain", "בית", []string{"בית", "ית"}},
		{"Hebrew: not a prefix letter", "ישראל", []string{"ישראל"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := Forms(nil, tc.tok)
			if !slices.Equal(got, tc.want) {
				t.Errorf("Forms(%q) = %q, want %q", tc.tok, got, tc.want)
			}
			if len(got) > MaxForms {
				t.Errorf("%d forms, more than MaxForms", len(got))
			}
		})
	}
}
