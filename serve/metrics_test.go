package serve

import (
	"bytes"
	"os"
	"runtime"
	"strconv"
	"strings"
	"testing"
)

// metricValue returns the value of an unlabelled metric in a text exposition.
func metricValue(t *testing.T, text, name string) uint64 {
	t.Helper()
	for _, line := range strings.Split(text, "\n") {
		if v, ok := strings.CutPrefix(line, name+" "); ok {
			n, err := strconv.ParseUint(v, 10, 64)
			if err != nil {
				t.Fatalf("%s: value %q is not a count: %v", name, v, err)
			}
			return n
		}
	}
	t.Fatalf("no %s in:\n%s", name, text)
	return 0
}

// TestProcessMetrics: /metrics carries the goroutine count, the live heap
// and the resident size, and they see a 64 MiB buffer that is held and
// written to.
func TestProcessMetrics(t *testing.T) {
	if _, err := os.Stat("/proc/self/statm"); err != nil {
		t.Skip("no /proc/self/statm: process_resident_memory_bytes is not written here")
	}
	const size = 64 << 20
	buf := make([]byte, size)
	for i := 0; i < size; i += 4096 {
		buf[i] = 1
	}
	var b bytes.Buffer
	newMetrics().write(&b)
	text := b.String()
	if n := metricValue(t, text, "go_goroutines"); n < 1 {
		t.Errorf("go_goroutines %d: expected at least this test's goroutine", n)
	}
	if n := metricValue(t, text, "go_memstats_heap_alloc_bytes"); n < size {
		t.Errorf("go_memstats_heap_alloc_bytes %d: expected at least the %d bytes held", n, size)
	}
	if n := metricValue(t, text, "process_resident_memory_bytes"); n < size {
		t.Errorf("process_resident_memory_bytes %d: expected at least the %d bytes written", n, size)
	}
	runtime.KeepAlive(buf)
}
