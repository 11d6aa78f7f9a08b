package notify_test

import (
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/newswatch/newswatch/internal/model"
	"github.com/newswatch/newswatch/notify"
)

func TestMatchQuotes(t *testing.T) {
	long := strings.Repeat("normalization talks ", 40)
	tests := []struct {
		name string
		hits []model.Hit
		want []notify.MatchQuote
	}{
		{"no quotes", []model.Hit{{Field: "title", Text: "normalization"}}, nil},
		{
			"one article quote",
			[]model.Hit{
				{Field: "title", Text: "Syria"},
				{Field: "article", Text: "normalization", Quote: "Officials discussed normalization in Paris."},
			},
			[]notify.MatchQuote{{Text: "Officials discussed normalization in Paris.", Field: "article"}},
		},
		{
			"the same sentence once",
			[]model.Hit{
				{Field: "article", Text: "normalization", Quote: "Talks on normalization and the Abraham Accords."},
				{Field: "article", Text: "Abraham Accords", Quote: "Talks on normalization and the Abraham Accords."},
			},
			[]notify.MatchQuote{{Text: "Talks on normalization and the Abraham Accords.", Field: "article"}},
		},
		{
			"at most MaxQuotes",
			[]model.Hit{
				{Field: "article", Text: "a", Quote: "First."},
				{Field: "article", Text: "b", Quote: "Second."},
				{Field: "article", Text: "c", Quote: "Third."},
			},
			[]notify.MatchQuote{{Text: "First.", Field: "article"}, {Text: "Second.", Field: "article"}},
		},
		{
			"cleaned of control and direction characters",
			[]model.Hit{{Field: "article", Text: "x", Quote: "Breaking\u202E \x1b[2Jnews\n\nhere."}},
			[]notify.MatchQuote{{Text: "Breaking [2Jnews here.", Field: "article"}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := notify.MatchQuotes(tt.hits)
			if len(got) != len(tt.want) {
				t.Fatalf("got %q, want %q", got, tt.want)
			}
			for i := range got {
				if got[i] != tt.want[i] {
					t.Errorf("quote %d = %q, want %q", i, got[i], tt.want[i])
				}
			}
		})
	}

	t.Run("cut to QuoteChars", func(t *testing.T) {
		got := notify.MatchQuotes([]model.Hit{{Field: "article", Text: "normalization", Quote: long}})
		if len(got) != 1 {
			t.Fatalf("got %d quotes, want 1", len(got))
		}
		if n := utf8.RuneCountInString(got[0].Text); n > notify.QuoteChars {
			t.Errorf("quote has %d characters, more than %d", n, notify.QuoteChars)
		}
	})
}
