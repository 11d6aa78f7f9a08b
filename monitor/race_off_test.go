//go:build !race

package monitor

// raceEnabled reports a build with the race detector, under which
// sync.Pool drops some of what it is given.
const raceEnabled = false
