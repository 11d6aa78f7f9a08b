package admin

import (
	"fmt"
	"strings"
)

// Sparkline geometry, in SVG user units (= CSS pixels at the size drawn).
const (
	sparkBarWidth = 5
	sparkGap      = 2
	sparkHeight   = 24
	// sparkFloor is the height of a day without matches, so the baseline
	// of the chart stays visible.
	sparkFloor = 1
)

// sparkline is a small bar chart of matches per day, oldest day first, drawn
// as inline SVG by the page template. It needs no script and no style
// attribute: its colours come from the stylesheet.
type sparkline struct {
	Width, Height int
	Bars          []sparkBar
	// Label describes the chart for screen readers and as a tooltip.
	Label string
}

// sparkBar is one day of a sparkline.
type sparkBar struct {
	X, Y, Width, Height int
	Count               int
	Zero                bool   // no match that day
	Label               string // "3 matches 2 days ago"
}

// newSparkline draws days, where days[0] is the last 24 hours and
// days[i] the 24 hours i days before, with the most recent day on the
// right.
func newSparkline(days []int) sparkline {
	n := len(days)
	sp := sparkline{Width: max(1, n*(sparkBarWidth+sparkGap)-sparkGap), Height: sparkHeight}
	peak := 1
	for _, c := range days {
		peak = max(peak, c)
	}
	counts := make([]string, n)
	for i := range n {
		ago := n - 1 - i
		c := days[ago]
		h := sparkFloor
		if c > 0 {
			// Scale to the busiest day; a day with any match is at least
			// twice the floor, so it never looks empty.
			h = max(2*sparkFloor, c*sparkHeight/peak)
		}
		sp.Bars = append(sp.Bars, sparkBar{
			X: i * (sparkBarWidth + sparkGap), Y: sparkHeight - h,
			Width: sparkBarWidth, Height: h,
			Count: c, Zero: c == 0,
			Label: fmt.Sprintf("%s %s", matches(c), dayName(ago)),
		})
		counts[i] = fmt.Sprint(c)
	}
	sp.Label = fmt.Sprintf("Matches per day over the last %d days, oldest first: %s", n, strings.Join(counts, ", "))
	return sp
}

func matches(n int) string {
	if n == 1 {
		return "1 match"
	}
	return fmt.Sprintf("%d matches", n)
}

// dayName names the 24-hour window ago days back.
func dayName(ago int) string {
	switch ago {
	case 0:
		return "in the last 24 hours"
	case 1:
		return "the day before"
	}
	return fmt.Sprintf("%d days ago", ago)
}
