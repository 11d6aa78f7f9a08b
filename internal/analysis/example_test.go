package analysis_test

import (
	"fmt"

	"github.com/newswatch/newswatch/internal/analysis"
)

func ExampleAnalyze() {
	for _, t := range analysis.Analyze("İstanbul: Al‑Sharaa meets the US envoy; سوريا وإسرائيل") {
		fmt.Printf("%s/%s ", t.Text, t.Cased)
	}
	fmt.Println()
	// Output: istanbul/Istanbul al/Al sharaa/Sharaa meets/meets the/the us/US envoy/envoy سوريا/سوريا واسرائيل/واسرائيل
}

func ExampleStripHTML() {
	fmt.Printf("%q\n", analysis.StripHTML(`<p>Syria &amp; <b>Is</b>rael</p><script>track()</script><p>talks</p>`))
	// Output: "Syria & Israel\ntalks\n"
}
