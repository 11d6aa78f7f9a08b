package rules

import "strings"

// field is a part of an item a query term can be restricted to.
type field uint8

const (
	fieldText field = iota // title, summary, content and article: the default
	fieldTitle
	fieldSummary
	fieldContent
	fieldArticle // the main text of the item's page, when its feed fetches it
	fieldAuthor
	fieldCategory
	fieldFeed
	fieldDomain
	fieldLang
	numFields
)

var fieldNames = [numFields]string{"text", "title", "summary", "content", "article", "author", "category", "feed", "domain", "lang"}

func (f field) String() string { return fieldNames[f] }

// fieldByName returns the field called name (lower case) and whether there
// is one.
func fieldByName(name string) (field, bool) {
	for f, n := range fieldNames {
		if n == name {
			return field(f), true
		}
	}
	return 0, false
}

// validFields lists the field names for error messages.
func validFields() string {
	return strings.Join(fieldNames[:], ", ")
}

// fieldMask is a set of the fields that hold analysed text (the kinds of an
// item's segments).
type fieldMask uint16

// mask returns the segment kinds a term scoped to f searches.
func (f field) mask() fieldMask {
	if f == fieldText {
		return 1<<fieldTitle | 1<<fieldSummary | 1<<fieldContent | 1<<fieldArticle
	}
	return 1 << f
}
