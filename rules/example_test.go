package rules_test

import (
	"fmt"

	"github.com/newswatch/newswatch/internal/model"
	"github.com/newswatch/newswatch/rules"
)

func ExampleParseQuery() {
	q, err := rules.ParseQuery(`(syria OR "al-Sharaa") AND (israel OR إسرائيل) AND normaliz*`)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(q)
	// Output: ((syria OR "al sharaa") AND (israel OR اسرائيل) AND normaliz*)
}

func ExampleParseQuery_error() {
	_, err := rules.ParseQuery(`(syria OR israel AND no*`)
	if se, ok := err.(*rules.SyntaxError); ok {
		fmt.Println(se.Offset, se.Msg)
	}
	// Output: 21 prefix needs at least 3 characters before '*'; "no" has 2
}

func ExampleQuery_Warnings() {
	q, _ := rules.ParseQuery(`syria or israel`)
	for _, w := range q.Warnings() {
		fmt.Println(w.Offset, w.Msg)
	}
	// Output: 6 "or" is searched as a word; write OR for the operator, or quote it ("or") to keep it as a word
}

func ExampleSet_Match() {
	q, _ := rules.ParseQuery(`"abraham accords" OR (normaliz* AND (israel OR ישראל))`)
	set := rules.NewSet([]rules.Compiled{{
		Rule:  &rules.Rule{Name: "abraham-accords", Enabled: true, Feeds: []string{"tag:mideast"}},
		Query: q,
	}})
	feed := &model.Feed{Name: "Times of Israel", Tags: []string{"mideast"}}
	item := &model.Item{
		Title:   "Abraham Accords: a new push",
		Summary: "<p>Talks on <b>normalization</b> with Israel resumed.</p>",
		Feed:    feed.Name,
	}
	for _, m := range set.Match(item, feed) {
		fmt.Println(m.Rule.Name)
		for _, h := range m.Hits {
			fmt.Printf("  %s: %q\n", h.Field, h.Text)
		}
	}
	// Output:
	// abraham-accords
	//   title: "Abraham Accords"
	//   summary: "normalization"
	//   summary: "Israel"
}
