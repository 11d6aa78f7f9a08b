package store

import (
	"context"
	"errors"
	"strconv"
	"testing"
)

func TestSplitItem(t *testing.T) {
	eachStore(t, func(t *testing.T, s *Store) {
		ctx := context.Background()
		f := newStoryFixture(t, s)
		second := f.items[1]
		for _, tc := range []struct {
			name        string
			story, item int64
			want        error
		}{
			{"unknown item", f.story.ID, 999, ErrNotFound},
			{"another story", f.story.ID + 1, second.ID, ErrNotInStory},
		} {
			if _, err := f.s.SplitItem(ctx, tc.story, tc.item, testTime); !errors.Is(err, tc.want) {
				t.Errorf("%s: %v, want %v", tc.name, err, tc.want)
			}
		}
		mv, err := f.s.SplitItem(ctx, f.story.ID, second.ID, testTime)
		if err != nil {
			t.Fatal(err)
		}
		if mv.ID == 0 || mv.Item != second.ID || mv.From != f.story.ID || mv.To == 0 || mv.To == f.story.ID {
			t.Errorf("move %+v", mv)
		}
		got, err := f.s.FindItems(ctx, "https://a.example/2")
		if err == nil && len(got) != 0 {
			t.Errorf("an alias is no link: %d items found", len(got))
		}
		got, err = f.s.FindItems(ctx, strconv.FormatInt(second.ID, 10))
		if err != nil || len(got) != 1 || got[0].StoryID != mv.To {
			t.Fatalf("the item after the split: %v, %v; want it in story %d", got, err, mv.To)
		}
		var left, alone int
		if err := f.s.read.QueryRow(`SELECT items FROM stories WHERE id = ?`, f.story.ID).Scan(&left); err != nil {
			t.Fatal(err)
		}
		if err := f.s.read.QueryRow(`SELECT items FROM stories WHERE id = ?`, mv.To).Scan(&alone); err != nil {
			t.Fatal(err)
		}
		if left != 1 || alone != 1 {
			t.Errorf("stories count %d and %d items, want 1 and 1", left, alone)
		}
		// Alone in its story now: nothing to split.
		if _, err := f.s.SplitItem(ctx, mv.To, second.ID, testTime); !errors.Is(err, ErrNotInStory) {
			t.Errorf("splitting the only item: %v, want ErrNotInStory", err)
		}
		moves, err := f.s.StoryMoves(ctx, 0)
		if err != nil || len(moves) != 1 || moves[0] != mv {
			t.Errorf("moves %+v, %v; want [%+v]", moves, err, mv)
		}
		if moves, err := f.s.StoryMoves(ctx, mv.ID); err != nil || len(moves) != 0 {
			t.Errorf("moves after the last: %+v, %v", moves, err)
		}
		if last, err := f.s.LastStoryMove(ctx); err != nil || last != mv.ID {
			t.Errorf("last move %d, %v; want %d", last, err, mv.ID)
		}
	})
}
