package pipeline

import "strings"

// ShortRunHeap is how much of the Go heap PreferHugePages asks the kernel
// to back with huge pages: about what `newswatch once` of a round with a
// few new items allocates before its collector has anything to reclaim
// (its heap peaks near 40 MB with the story index's snapshot read).
const ShortRunHeap = 64 << 20

// PreferHugePages asks the kernel to back the next ShortRunHeap bytes of
// the Go heap with transparent huge pages, for a process that lives a few
// seconds, as `newswatch once` does. Such a process touches every page of
// its heap for the first time, and the kernel takes a page fault for each
// 4 KiB page (12,000 to 14,000 in `once` of a few new items, a fifth of
// its CPU on a virtual machine); with huge pages it takes one for each
// 2 MiB.
// Go's runtime leaves the heap to the system's default, which on most
// distributions gives huge pages only to memory that asks for them
// (/sys/kernel/mm/transparent_hugepage/enabled is "madvise").
//
// It allocates ShortRunHeap bytes, which the runtime maps fresh and does
// not touch, advises them (madvise(2) MADV_HUGEPAGE), and collects them
// again: the heap's next allocations are carved from those pages. The
// advice changes nothing but how the kernel backs the pages; the resident
// set grows by at most the unused part of the huge pages the heap touches.
// Call it at the very start of the process, before the heap grows.
//
// It does nothing when lookupEnv's GODEBUG has disablethp=1 (the runtime's
// own switch to keep huge pages from the heap), nor on systems other than
// Linux; a kernel without transparent huge pages makes it return an error
// that changes nothing else.
func PreferHugePages(lookupEnv func(string) (string, bool)) error {
	if v, ok := lookupEnv("GODEBUG"); ok && hugePagesDisabled(v) {
		return nil
	}
	_, err := adviseHugePages(ShortRunHeap)
	return err
}

// hugePagesDisabled reports whether the GODEBUG value godebug sets
// disablethp=1 (the last setting of a key wins, as in the runtime).
func hugePagesDisabled(godebug string) bool {
	off := false
	for kv := range strings.SplitSeq(godebug, ",") {
		if k, v, ok := strings.Cut(strings.TrimSpace(kv), "="); ok && k == "disablethp" {
			off = v == "1"
		}
	}
	return off
}
