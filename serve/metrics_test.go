package serve

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"runtime"
	"strconv"
	"strings"
	"testing"

	"github.com/pdsafe/pdsafe/serve/inferencepb"
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

// TestStatistics: after n successful requests the statistics extension (REST
// and gRPC) and /metrics agree on the counts and split each request as
// Triton does: queue, compute input (building the input tensors), compute
// infer (the library's run) and compute output (the outputs per request),
// each non-zero, their sum within the request's own duration.
func TestStatistics(t *testing.T) {
	ts := mathServer(t, mathConfig, Options{})
	in, _ := mathCase(t, 0)
	const n = 5
	for i := 0; i < n; i++ {
		body, hdrLen := binaryInfer("x", in, true)
		code, _, b := ts.do(t, "POST", "/v2/models/math/versions/1/infer", body,
			map[string]string{"Inference-Header-Content-Length": hdrLen})
		mustStatus(t, "infer", code, 200, b)
	}
	code, _, b := ts.do(t, "GET", "/v2/models/math/versions/1/stats", nil, nil)
	mustStatus(t, "stats", code, 200, b)
	var rest struct {
		ModelStats []struct {
			Name, Version string
			Inference     uint64                  `json:"inference_count"`
			Execution     uint64                  `json:"execution_count"`
			Stats         map[string]statDuration `json:"inference_stats"`
		} `json:"model_stats"`
	}
	if err := json.Unmarshal(b, &rest); err != nil || len(rest.ModelStats) != 1 {
		t.Fatalf("stats: %v, %d models in %s", err, len(rest.ModelStats), b)
	}
	ms := rest.ModelStats[0]
	if ms.Name != "math" || ms.Version != "1" || ms.Inference != n || ms.Execution != n {
		t.Fatalf("stats: model %q version %q, %d inferences and %d executions, want math 1 %d %d", ms.Name, ms.Version, ms.Inference, ms.Execution, n, n)
	}
	var parts uint64
	for _, k := range []string{"queue", "compute_input", "compute_infer", "compute_output"} {
		d := ms.Stats[k]
		if d.Count != n || (k != "queue" && d.Ns == 0) {
			t.Errorf("stats %s: count %d, %d ns; want count %d and (but for the queue) time spent", k, d.Count, d.Ns, n)
		}
		parts += d.Ns
	}
	if s := ms.Stats["success"]; s.Count != n || s.Ns < parts {
		t.Errorf("stats success: count %d, %d ns; want count %d and at least the %d ns of its parts", s.Count, s.Ns, n, parts)
	}

	// gRPC's ModelStatistics answers the same figures.
	resp, err := grpcClient(t, ts).ModelStatistics(context.Background(), &inferencepb.ModelStatisticsRequest{Name: "math", Version: "1"})
	if err != nil || len(resp.ModelStats) != 1 {
		t.Fatalf("gRPC statistics: %v, %v", resp, err)
	}
	g := resp.ModelStats[0].InferenceStats
	for k, d := range map[string]*inferencepb.StatisticDuration{"compute_input": g.ComputeInput, "compute_infer": g.ComputeInfer, "compute_output": g.ComputeOutput, "queue": g.Queue} {
		if d.Count != ms.Stats[k].Count || d.Ns != ms.Stats[k].Ns {
			t.Errorf("gRPC %s: %d / %d ns, REST said %d / %d ns", k, d.Count, d.Ns, ms.Stats[k].Count, ms.Stats[k].Ns)
		}
	}

	// /metrics: Triton's families, in microseconds.
	code, _, b = ts.do(t, "GET", "/metrics", nil, nil)
	mustStatus(t, "metrics", code, 200, b)
	text := string(b)
	label := `{model="math",version="1"}`
	for name, want := range map[string]uint64{"nv_inference_request_success": n, "nv_inference_count": n, "nv_inference_exec_count": n} {
		if got := metricValue(t, text, name+label); got != want {
			t.Errorf("%s %d, want %d", name, got, want)
		}
	}
	for name, k := range map[string]string{"nv_inference_compute_input_duration_us": "compute_input",
		"nv_inference_compute_infer_duration_us": "compute_infer", "nv_inference_compute_output_duration_us": "compute_output"} {
		// Each request adds its own whole microseconds: at most n below the
		// statistics' nanoseconds.
		got, ns := metricValue(t, text, name+label), ms.Stats[k].Ns
		if got > ns/1000 || got+n < ns/1000 {
			t.Errorf("%s %d µs, the statistics say %d ns", name, got, ns)
		}
	}
}
