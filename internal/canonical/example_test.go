package canonical_test

import (
	"fmt"

	"github.com/newswatch/newswatch/internal/canonical"
)

// Three spellings of one article, from a feed, a share button and an AMP
// cache, have one canonical link.
func ExampleLink() {
	for _, link := range []string{
		"https://www.timesofisrael.com/israel-and-syria-agree-security-talks/",
		"https://WWW.timesofisrael.com/israel-and-syria-agree-security-talks/?utm_source=twitter&fbclid=IwAR0",
		"https://www-timesofisrael-com.cdn.ampproject.org/c/s/www.timesofisrael.com/israel-and-syria-agree-security-talks/amp/",
	} {
		fmt.Println(canonical.Link(link))
	}
	// Output:
	// https://www.timesofisrael.com/israel-and-syria-agree-security-talks
	// https://www.timesofisrael.com/israel-and-syria-agree-security-talks
	// https://www.timesofisrael.com/israel-and-syria-agree-security-talks
}
