package rules

import (
	"errors"
	"strings"
	"testing"
)

func TestParseQuery(t *testing.T) {
	tests := []struct {
		name, in, want string // want: Query.String()
	}{
		{"word", "Israel", "israel"},
		{"word is analysed", "İSTANBUL", "istanbul"},
		{"phrase", `"Abraham Accords"`, `"abraham accords"`},
		{"hyphenated word is a phrase", "al-Sharaa", `"al sharaa"`},
		{"apostrophe makes a phrase", "Israel's", `"israel s"`},
		{"prefix", "normaliz*", "normaliz*"},
		{"prefix of three", "isr*", "isr*"},
		{"prefix inside phrase", `"abraham acc*"`, `"abraham acc*"`},
		{"prefix on hyphenated word", "al-shar*", `"al shar*"`},
		{"implicit AND", "syria israel", "(syria AND israel)"},
		{"explicit AND", "syria AND israel", "(syria AND israel)"},
		{"OR", "syria OR israel", "(syria OR israel)"},
		{"NOT", "syria NOT israel", "(syria AND NOT israel)"},
		{"minus", "syria -israel", "(syria AND NOT israel)"},
		{"minus phrase", `syria -"peace talks"`, `(syria AND NOT "peace talks")`},
		{"minus group", "syria -(a OR b)", "(syria AND NOT (a OR b))"},
		{"lone dash is not minus", "syria - israel", "(syria AND israel)"},
		{"AND binds tighter than OR", "a b OR c AND d", "((a AND b) OR (c AND d))"},
		{"NOT binds tighter than AND", "NOT a b OR c", "((NOT a AND b) OR c)"},
		{"parentheses", "(a OR b) c", "((a OR b) AND c)"},
		{"nested parentheses", "((a OR (b c)))", "(a OR (b AND c))"},
		{"NEAR", "syria NEAR israel", "(syria NEAR/10 israel)"},
		{"NEAR/n", "syria NEAR/3 israel", "(syria NEAR/3 israel)"},
		{"NEAR/0", "syria NEAR/0 israel", "(syria NEAR/0 israel)"},
		{"PRE/n", "prime PRE/2 minister", "(prime PRE/2 minister)"},
		{"PRE alone", "prime PRE minister", "(prime PRE/10 minister)"},
		{"NEAR groups", `(syria OR damascus) NEAR/5 ("peace talks" OR normaliz*)`, `((syria OR damascus) NEAR/5 ("peace talks" OR normaliz*))`},
		{"NEAR inside AND", "a b NEAR c d", "(a AND (b NEAR/10 c) AND d)"},
		{"case word", "case:US", `case:"US"`},
		{"case phrase", `case:"Abraham Accords"`, `case:"Abraham Accords"`},
		{"case prefix", "case:NATO*", `case:"NATO*"`},
		{"case keeps mark removal", "case:Élysée", `case:"Elysee"`},
		{"field word", "title:Israel", "title:israel"},
		{"field phrase", `summary:"peace talks"`, `summary:"peace talks"`},
		{"field group", "title:(syria OR israel)", "(title:syria OR title:israel)"},
		{"field case", "title:case:US", `title:case:"US"`},
		{"field name any case", "Title:x", "title:x"},
		{"every field", "text:a title:b summary:c content:d author:e category:f feed:g", "(a AND title:b AND summary:c AND content:d AND author:e AND category:f AND feed:g)"},
		{"operator word after field", "title:AND", "title:and"},
		{"domain", "domain:www.Reuters.com", "domain:reuters.com"},
		{"domain group", "domain:(reuters.com OR apnews.com)", "(domain:reuters.com OR domain:apnews.com)"},
		{"domain IDN", "domain:bücher.de", "domain:xn--bcher-kva.de"},
		{"lang", "lang:AR", "lang:ar"},
		{"lang region", "lang:en_US", "lang:en-us"},
		{"regexp", `/isra\w+/`, `/isra\w+/`},
		{"regexp with slash", `/a\/b/`, `/a\/b/`},
		{"field regexp", `title:/^breaking/`, `title:/^breaking/`},
		{"Arabic", "إسرائيل OR تطبيع", "(اسرائيل OR تطبيع)"},
		{"Hebrew", "ישראל סוריה", "(ישראל AND סוריה)"},
		{"Hebrew gershayim word", "צה״ל", `"צה ל"`},
		{"multi-line", "(syria\n  OR israel)\n  AND talks", "((syria OR israel) AND talks)"},
		{"term without letters dropped", "syria – israel", "(syria AND israel)"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			q, err := ParseQuery(tc.in)
			if err != nil {
				t.Fatalf("ParseQuery(%q): %v", tc.in, err)
			}
			if got := q.String(); got != tc.want {
				t.Errorf("ParseQuery(%q) = %s, want %s", tc.in, got, tc.want)
			}
			again, err := ParseQuery(q.String())
			if err != nil || again.String() != q.String() {
				t.Errorf("re-parsing %s gives %v, %v", q, again, err)
			}
		})
	}
}

func TestParseQueryErrors(t *testing.T) {
	tests := []struct {
		name, in string
		offset   int
		msg      string // a part of the message
	}{
		{"empty", "", 0, "empty query"},
		{"blank", "  \n ", 0, "empty query"},
		{"unclosed paren", "(syria OR israel", 0, `expected ')' to close the '(' at "(syria OR israel", found end of query`},
		{"unclosed inner paren", "a AND (b OR (c d)", 6, `expected ')' to close the '(' at "(b OR (c d)"`},
		{"unmatched close", "syria)", 5, "unexpected ')' without a matching '('"},
		{"empty group", "a ()", 3, "expected a term inside '( )'"},
		{"unclosed phrase", `syria "peace talks`, 18, `expected '"' to close the phrase "\"peace talks"`},
		{"unclosed regexp", `/isra`, 5, "expected '/' to close the regexp"},
		{"regexp flags", `/isra/i`, 6, "regexps take no flags"},
		{"bad regexp", `/(isra/`, 0, "invalid regexp /(isra/: missing closing )"},
		{"regexp matching empty", `/x*/`, 0, "matches empty text"},
		{"short prefix", "is*", 0, "prefix needs at least 3 characters before '*'"},
		{"short prefix after accent", "né*", 0, "prefix needs at least 3 characters"},
		{"short prefix in phrase", `"abraham ac*"`, 9, "prefix needs at least 3 characters"},
		{"star inside word", "nor*maliz", 3, "'*' can only end a word"},
		{"lone star", "syria *", 6, "'*' must directly follow a letter or digit"},
		{"star after hyphen", "syria-*", 6, "'*' must directly follow a letter or digit"},
		{"unknown field", "syria foo:bar", 6, "unknown field 'foo:'; fields are text, title, summary, content, article, author, category, feed, domain, lang"},
		{"URL looks like field", "https://reuters.com", 0, "unknown field 'https:'"},
		{"field without term", "title: syria", 6, "expected a term directly after 'title:'"},
		{"field at end", "title:", 6, "expected a term directly after 'title:'"},
		{"nested fields", "title:(summary:x)", 7, "'summary:' inside 'title:( … )'"},
		{"two fields", "title:summary:x", 6, "'summary:' after 'title:'"},
		{"case group", "case:(US)", 5, "expected a word or phrase after 'case:'"},
		{"AND at start", "AND syria", 0, "expected a term before 'AND'"},
		{"AND at end", "syria AND", 9, "expected a term after 'AND', found end of query"},
		{"OR OR", "syria OR OR israel", 9, "expected a term after 'OR', found 'OR'"},
		{"NOT at end", "syria NOT", 9, "expected a term after 'NOT'"},
		{"only NOT", "NOT syria", 0, "query would match nearly every item"},
		{"only minus", "-syria -israel", 0, "query would match nearly every item"},
		{"NOT in OR", "syria OR -israel", 9, "query would match nearly every item"},
		{"NEAR bad distance", "a NEAR/x b", 7, "expected a number of words after 'NEAR/'"},
		{"NEAR negative", "a NEAR/-1 b", 7, "expected a number"},
		{"NEAR too far", "a NEAR/5000 b", 7, "NEAR distance 5000 is too large; the largest is 1000"},
		{"NEAR at end", "a NEAR", 6, "expected a term after 'NEAR'"},
		{"NEAR chain", "a NEAR b NEAR c", 9, "NEAR cannot follow another NEAR"},
		{"NEAR with AND operand", "(a AND b) NEAR c", 1, "NEAR operands must be words, prefixes, phrases, or parenthesized OR-groups"},
		{"NEAR with NOT operand", "a PRE/2 (NOT b)", 9, "PRE operands must be"},
		{"NEAR with regexp", "/ab/ NEAR c", 0, "NEAR operands must be"},
		{"NEAR without letters", "a NEAR –", 7, "NEAR needs a word or phrase with letters or digits on both sides"},
		{"domain URL", "domain:https://x.com", 7, "domain: takes a host name like reuters.com"},
		{"domain phrase", `domain:"reuters com"`, 7, "domain: takes a bare value"},
		{"lang bad", "lang:e", 5, "lang: takes a language tag like ar, he or en-us"},
		{"nothing searchable", "– —", 0, "no term with letters or digits"},
		{"deep nesting", strings.Repeat("(", 200) + "x" + strings.Repeat(")", 200), 100, "query nests too deeply"},
		{"deep NOT", "x " + strings.Repeat("NOT ", 200) + "y", 2 + 4*100, "query nests too deeply"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			q, err := ParseQuery(tc.in)
			var se *SyntaxError
			if !errors.As(err, &se) {
				t.Fatalf("ParseQuery(%q) = %v, %v; want a *SyntaxError", tc.in, q, err)
			}
			if se.Offset != tc.offset || !strings.Contains(se.Msg, tc.msg) {
				t.Errorf("ParseQuery(%q) error at %d: %s\nwant at %d: …%s…", tc.in, se.Offset, se.Msg, tc.offset, tc.msg)
			}
			if se.Offset < 0 || se.Offset > len(tc.in) {
				t.Errorf("offset %d outside the query", se.Offset)
			}
		})
	}
}

func TestQueryWarnings(t *testing.T) {
	type warning struct {
		offset int
		msg    string
	}
	tests := []struct {
		name, in string
		want     []warning
	}{
		{"none", "syria AND israel OR (a b)", nil},
		{"lowercase or", "syria or israel", []warning{{6, `"or" is searched as a word; write OR for the operator`}}},
		{"lowercase and", "syria and israel", []warning{{6, `"and" is searched as a word; write AND`}}},
		{"lowercase not", "syria not israel", []warning{{6, `"not" is searched as a word; write NOT`}}},
		{"capitalised Or", "syria Or israel", []warning{{6, `"Or" is searched as a word; write OR`}}},
		{"lowercase operator after a group", "(a OR b) or c", []warning{{9, `"or" is searched as a word`}}},
		{"quoted and is fine", `rock "and" roll`, nil},
		{"and at the start is not between", "and israel", nil},
		{"and at the end is not between", "israel and", nil},
		{"and next to an explicit AND", "syria AND and israel", nil},
		{"no letters", "syria – israel", []warning{{6, `"–" has no letters or digits and is ignored`}}},
		{"empty phrase", `syria ""`, []warning{{6, `phrase "" has no letters or digits and is ignored`}}},
		{"x AND NOT x", "israel AND NOT israel", []warning{{11, "can never match: israel is both required and excluded"}}},
		{"x -x", "israel -israel", []warning{{7, "can never match"}}},
		{"field x AND NOT x", "title:israel -israel", []warning{{13, "can never match: title:israel is both required and excluded"}}},
		{"x AND NOT field x can match", "israel -title:israel", nil},
		{"two languages", "lang:ar lang:he x", []warning{{13, "an item cannot be in both lang:ar and lang:he"}}},
		{"language and region", "lang:en lang:en-gb x", nil},
		{"two domains", "domain:a.com domain:b.com x", []warning{{20, "an item link cannot be in both domain:a.com and domain:b.com"}}},
		{"domain and subdomain", "domain:reuters.com domain:uk.reuters.com x", nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			q, err := ParseQuery(tc.in)
			if err != nil {
				t.Fatal(err)
			}
			got := q.Warnings()
			if len(got) != len(tc.want) {
				t.Fatalf("warnings = %v, want %v", got, tc.want)
			}
			for i, w := range tc.want {
				if got[i].Offset != w.offset || !strings.Contains(got[i].Msg, w.msg) {
					t.Errorf("warning %d = %v, want at %d: …%s…", i, got[i], w.offset, w.msg)
				}
			}
		})
	}
}
