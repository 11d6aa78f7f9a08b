//go:build !linux

package pipeline

// adviseHugePages does nothing: only Linux has transparent huge pages to
// ask for.
func adviseHugePages(int) (uintptr, error) { return 0, nil }
