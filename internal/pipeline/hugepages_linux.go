package pipeline

import (
	"fmt"
	"runtime"
	"syscall"
	"unsafe"
)

// adviseHugePages allocates n bytes of heap, advises them MADV_HUGEPAGE and
// lets the collector take them back; it returns where they began.
func adviseHugePages(n int) (uintptr, error) {
	b := make([]byte, n)
	start := uintptr(unsafe.Pointer(unsafe.SliceData(b)))
	err := syscall.Madvise(b, syscall.MADV_HUGEPAGE)
	runtime.KeepAlive(b)
	b = nil
	// Free the pages now, while the heap is small, so that the collector's
	// goal stays that of the live heap and the next spans come from them.
	runtime.GC()
	if err != nil {
		return start, fmt.Errorf("pipeline: huge pages for the heap: %w", err)
	}
	return start, nil
}
