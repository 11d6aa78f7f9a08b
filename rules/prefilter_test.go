package rules

import (
	"slices"
	"testing"
)

func TestRequiredLiterals(t *testing.T) {
	tests := []struct {
		re   string
		want []string // nil: no prefilter
	}{
		{`israel`, []string{"israel"}},
		{`ISRAEL`, []string{"israel"}},
		{`\bcease ?fire\b`, []string{"cease"}},
		{`(cease ?fire|truce) (talks|deal)`, []string{"cease", "truce"}},
		{`normali[sz]ation`, []string{"normali"}},
		{`(abc)+x`, []string{"abc"}},
		{`(abc){2,3}`, []string{"abc"}},
		{`(abc)*x`, []string{"x"}},
		{`a|b*`, nil},
		{`\w+`, nil},
		{`.`, nil},
		{`تطبيع`, []string{"تطبيع"}},
		{`σ`, nil}, // analysed text writes σ and ς alike as σ
		{`(a|b|c|d|e|f|g|h|i|j|k|l|m|n|o|p|q)`, nil},
		{`(`, nil},
	}
	for _, tc := range tests {
		t.Run(tc.re, func(t *testing.T) {
			var got []string
			for _, l := range requiredLiterals(tc.re) {
				got = append(got, string(l))
			}
			if !slices.Equal(got, tc.want) {
				t.Errorf("requiredLiterals(%q) = %q, want %q", tc.re, got, tc.want)
			}
		})
	}
}
