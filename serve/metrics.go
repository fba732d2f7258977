package serve

// Prometheus metrics in the text exposition format, under Triton's metric
// names and labels (model, version), so that dashboards built for Triton
// read this server unchanged. Counters live per model and version for the
// life of the server: a reload keeps counting where it was.

import (
	"bytes"
	"fmt"
	"net/http"
	"os"
	"runtime"
	rtmetrics "runtime/metrics"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
)

// failure reasons, Triton's "reason" label of nv_inference_request_failure.
var failureReasons = []string{"REJECTED", "CANCELED", "BACKEND", "OTHER"}

type modelStats struct {
	model, version string

	success         atomic.Uint64
	failure         [4]atomic.Uint64 // by failureReasons
	inferCount      atomic.Uint64    // inferences: rows of the batch dimension
	execCount       atomic.Uint64    // model runs
	requestUs       atomic.Uint64    // cumulative, successful requests
	queueUs         atomic.Uint64
	computeInputUs  atomic.Uint64
	computeInferUs  atomic.Uint64
	computeOutputUs atomic.Uint64
	pending         atomic.Int64
	successNs       atomic.Uint64
	failNs          atomic.Uint64
	queueNs         atomic.Uint64
	computeInputNs  atomic.Uint64
	computeNs       atomic.Uint64 // the library's run (compute_infer)
	computeOutputNs atomic.Uint64
	lastInferenceMs atomic.Uint64
}

type metrics struct {
	mu     sync.Mutex
	models map[string]*modelStats // by model + "\x00" + version
}

func newMetrics() *metrics { return &metrics{models: map[string]*modelStats{}} }

func (m *metrics) model(name, version string) *modelStats {
	m.mu.Lock()
	defer m.mu.Unlock()
	k := name + "\x00" + version
	s := m.models[k]
	if s == nil {
		s = &modelStats{model: name, version: version}
		m.models[k] = s
	}
	return s
}

func (s *modelStats) fail(reason string) {
	for i, r := range failureReasons {
		if r == reason {
			s.failure[i].Add(1)
			return
		}
	}
	s.failure[3].Add(1)
}

func (m *metrics) snapshot() []*modelStats {
	m.mu.Lock()
	all := make([]*modelStats, 0, len(m.models))
	for _, s := range m.models {
		all = append(all, s)
	}
	m.mu.Unlock()
	sort.Slice(all, func(i, j int) bool {
		if all[i].model != all[j].model {
			return all[i].model < all[j].model
		}
		return all[i].version < all[j].version
	})
	return all
}

// write writes every metric in the Prometheus text format.
func (m *metrics) write(b *bytes.Buffer) {
	all := m.snapshot()
	family := func(name, typ, help string, value func(s *modelStats) string) {
		fmt.Fprintf(b, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, typ)
		for _, s := range all {
			fmt.Fprintf(b, "%s{model=%s,version=%s} %s\n", name, strconv.Quote(s.model), strconv.Quote(s.version), value(s))
		}
	}
	u := func(f func(s *modelStats) uint64) func(s *modelStats) string {
		return func(s *modelStats) string { return strconv.FormatUint(f(s), 10) }
	}
	family("nv_inference_request_success", "counter", "Number of successful inference requests, all batch sizes",
		u(func(s *modelStats) uint64 { return s.success.Load() }))
	fmt.Fprintf(b, "# HELP nv_inference_request_failure Number of failed inference requests, all batch sizes\n# TYPE nv_inference_request_failure counter\n")
	for _, s := range all {
		for i, r := range failureReasons {
			fmt.Fprintf(b, "nv_inference_request_failure{model=%s,reason=%q,version=%s} %d\n",
				strconv.Quote(s.model), r, strconv.Quote(s.version), s.failure[i].Load())
		}
	}
	family("nv_inference_count", "counter", "Number of inferences performed (does not include cached requests)",
		u(func(s *modelStats) uint64 { return s.inferCount.Load() }))
	family("nv_inference_exec_count", "counter", "Number of model executions performed (does not include cached requests)",
		u(func(s *modelStats) uint64 { return s.execCount.Load() }))
	family("nv_inference_request_duration_us", "counter", "Cumulative inference request duration in microseconds (includes cached requests)",
		u(func(s *modelStats) uint64 { return s.requestUs.Load() }))
	family("nv_inference_queue_duration_us", "counter", "Cumulative inference queuing duration in microseconds (includes cached requests)",
		u(func(s *modelStats) uint64 { return s.queueUs.Load() }))
	family("nv_inference_compute_input_duration_us", "counter", "Cumulative compute input duration in microseconds (does not include cached requests)",
		u(func(s *modelStats) uint64 { return s.computeInputUs.Load() }))
	family("nv_inference_compute_infer_duration_us", "counter", "Cumulative compute inference duration in microseconds (does not include cached requests)",
		u(func(s *modelStats) uint64 { return s.computeInferUs.Load() }))
	family("nv_inference_compute_output_duration_us", "counter", "Cumulative inference compute output duration in microseconds (does not include cached requests)",
		u(func(s *modelStats) uint64 { return s.computeOutputUs.Load() }))
	family("nv_inference_pending_request_count", "gauge", "Instantaneous number of pending requests awaiting execution per-model.",
		func(s *modelStats) string { return strconv.FormatInt(s.pending.Load(), 10) })
	writeProcessMetrics(b)
}

// writeProcessMetrics writes the process's own gauges under the names of the
// Prometheus Go client (go_goroutines, go_memstats_heap_alloc_bytes,
// process_resident_memory_bytes), so that a long run can be watched for
// goroutine and memory growth from /metrics alone. The resident size comes
// from /proc/self/statm and is left out where that file does not exist.
func writeProcessMetrics(b *bytes.Buffer) {
	fmt.Fprintf(b, "# HELP go_goroutines Number of goroutines that currently exist.\n# TYPE go_goroutines gauge\ngo_goroutines %d\n",
		runtime.NumGoroutine())
	sample := []rtmetrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}}
	rtmetrics.Read(sample)
	if sample[0].Value.Kind() == rtmetrics.KindUint64 {
		fmt.Fprintf(b, "# HELP go_memstats_heap_alloc_bytes Number of heap bytes allocated and still in use.\n# TYPE go_memstats_heap_alloc_bytes gauge\ngo_memstats_heap_alloc_bytes %d\n",
			sample[0].Value.Uint64())
	}
	if rss, ok := residentBytes(); ok {
		fmt.Fprintf(b, "# HELP process_resident_memory_bytes Resident memory size in bytes.\n# TYPE process_resident_memory_bytes gauge\nprocess_resident_memory_bytes %d\n", rss)
	}
}

// residentBytes reads the resident set size from /proc/self/statm (its
// second field, in pages).
func residentBytes() (uint64, bool) {
	b, err := os.ReadFile("/proc/self/statm")
	if err != nil {
		return 0, false
	}
	f := strings.Fields(string(b))
	if len(f) < 2 {
		return 0, false
	}
	pages, err := strconv.ParseUint(f[1], 10, 64)
	if err != nil {
		return 0, false
	}
	return pages * uint64(os.Getpagesize()), true
}

func (m *metrics) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	var b bytes.Buffer
	m.write(&b)
	w.Header().Set("Content-Type", "text/plain; version=0.0.4; charset=utf-8")
	_, _ = w.Write(b.Bytes())
}
