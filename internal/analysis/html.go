package analysis

import (
	"strings"

	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"
)

// StripHTML returns the text of an HTML fragment: tags are removed, character
// references decoded, and the bodies of script and style elements dropped.
// Block-level elements and <br> become line breaks, so that words in two
// paragraphs or table cells do not run together; inline elements such as <b>
// or <a> add nothing ("<b>Is</b>rael" is "Israel"). Text without '<' or '&'
// is returned as it is.
func StripHTML(s string) string {
	if !strings.ContainsAny(s, "<&") {
		return s
	}
	var b strings.Builder
	b.Grow(len(s))
	z := html.NewTokenizer(strings.NewReader(s))
	skip := 0 // depth inside script and style elements
	for {
		tt := z.Next()
		switch tt {
		case html.ErrorToken:
			return b.String()
		case html.TextToken:
			if skip == 0 {
				b.Write(z.Text())
			}
		case html.StartTagToken, html.SelfClosingTagToken:
			name, _ := z.TagName()
			a := atom.Lookup(name)
			if a == atom.Script || a == atom.Style {
				if tt == html.StartTagToken {
					skip++
				}
				continue
			}
			if breaksWords(a) {
				lineBreak(&b)
			}
		case html.EndTagToken:
			name, _ := z.TagName()
			a := atom.Lookup(name)
			if (a == atom.Script || a == atom.Style) && skip > 0 {
				skip--
				continue
			}
			if breaksWords(a) {
				lineBreak(&b)
			}
		}
	}
}

// lineBreak ends the text so far with a line break unless it is empty or
// already ends with one.
func lineBreak(b *strings.Builder) {
	if b.Len() > 0 && !strings.HasSuffix(b.String(), "\n") {
		b.WriteByte('\n')
	}
}

// breaksWords reports whether an element separates the words before and
// after it: block-level elements (HTML Living Standard, §15.3.3 "Flow
// content" rendered as blocks), line breaks, table parts and list items.
func breaksWords(a atom.Atom) bool {
	switch a {
	case atom.Address, atom.Article, atom.Aside, atom.Blockquote, atom.Br,
		atom.Caption, atom.Dd, atom.Details, atom.Dialog, atom.Div, atom.Dl,
		atom.Dt, atom.Fieldset, atom.Figcaption, atom.Figure, atom.Footer,
		atom.Form, atom.H1, atom.H2, atom.H3, atom.H4, atom.H5, atom.H6,
		atom.Header, atom.Hgroup, atom.Hr, atom.Img, atom.Li, atom.Main,
		atom.Nav, atom.Ol, atom.Option, atom.P, atom.Pre, atom.Section,
		atom.Summary, atom.Table, atom.Tbody, atom.Td, atom.Tfoot, atom.Th,
		atom.Thead, atom.Title, atom.Tr, atom.Ul:
		return true
	}
	return false
}
