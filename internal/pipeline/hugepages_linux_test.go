package pipeline

import (
	"bufio"
	"fmt"
	"os"
	"strings"
	"testing"
)

// TestAdviseHugePages checks that the heap's pages that adviseHugePages
// advised are in a mapping the kernel marks for huge pages ("hg" in
// /proc/self/smaps), and that the heap can use them after.
func TestAdviseHugePages(t *testing.T) {
	if _, err := os.Stat("/sys/kernel/mm/transparent_hugepage/enabled"); err != nil {
		t.Skip("this kernel has no transparent huge pages:", err)
	}
	start, err := adviseHugePages(ShortRunHeap)
	if err != nil {
		t.Fatal(err)
	}
	flags, err := vmFlags(start)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(" "+flags+" ", " hg ") {
		t.Errorf("the mapping of %#x has VmFlags %q, want hg among them", start, flags)
	}
	// The heap goes on: fill what the advice covered.
	var keep [][]byte
	for range ShortRunHeap / (1 << 20) {
		b := make([]byte, 1<<20)
		b[len(b)-1] = 1
		keep = append(keep, b)
	}
	if len(keep) == 0 || keep[0][1<<20-1] != 1 {
		t.Fatal("the heap's memory is not usable")
	}
}

// vmFlags returns the VmFlags line of the mapping of /proc/self/smaps that
// holds addr.
func vmFlags(addr uintptr) (string, error) {
	f, err := os.Open("/proc/self/smaps")
	if err != nil {
		return "", err
	}
	defer f.Close()
	in := false
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := sc.Text()
		var lo, hi uintptr
		if n, _ := fmt.Sscanf(line, "%x-%x ", &lo, &hi); n == 2 {
			in = lo <= addr && addr < hi
			continue
		}
		if flags, ok := strings.CutPrefix(line, "VmFlags:"); ok && in {
			return strings.TrimSpace(flags), nil
		}
	}
	if err := sc.Err(); err != nil {
		return "", err
	}
	return "", fmt.Errorf("no mapping of /proc/self/smaps holds %#x", addr)
}
