package pdsafe_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"os"
	"runtime"
	"runtime/debug"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"

	pdsafe "github.com/pdsafe/pdsafe/go"
)

// One event of a trace file, as the test reads it.
type traceEvent struct {
	Ph   string         `json:"ph"`
	Cat  string         `json:"cat"`
	Name string         `json:"name"`
	Pid  int64          `json:"pid"`
	Tid  int64          `json:"tid"`
	Ts   json.Number    `json:"ts"`
	Dur  json.Number    `json:"dur"`
	Args map[string]any `json:"args"`
}

type traceFile struct {
	OtherData   map[string]any `json:"otherData"`
	TraceEvents []traceEvent   `json:"traceEvents"`
}

// ns reads a "12.345" microsecond timestamp exactly.
func ns(t *testing.T, n json.Number) int64 {
	whole, frac, _ := strings.Cut(string(n), ".")
	us, err := strconv.ParseInt(whole, 10, 64)
	if err != nil {
		t.Fatalf("timestamp %q", n)
	}
	f, _ := strconv.ParseInt((frac + "000")[:3], 10, 64)
	return us*1000 + f
}

// TestTraceGCTimeline (M13: C calls against the Go GC): a pool runs under
// forced collections with the trace on; then one run is held in C at a
// checkpoint while a whole GC cycle runs, and cancelled. The trace must hold
// every C call, each joined to its goroutine, per-track events in time order
// that nest, the GC and stop-the-world tracks, the Close calls and the
// cleanup, and the held call flagged as overlapping the GC.
func TestTraceGCTimeline(t *testing.T) {
	defer debug.SetGCPercent(debug.SetGCPercent(1))
	m := load(t, "pplcnet")
	pool, err := m.NewPool(2)
	mustOK(t, "NewPool", err)
	x := readF32(t, "pplcnet", "case0.in0.npy")

	var buf bytes.Buffer
	mustOK(t, "StartTrace", pdsafe.StartTrace(&buf))
	err = pdsafe.StartTrace(&buf)
	wantCode(t, "second StartTrace", err, pdsafe.ErrInvalidState, "already recording")

	// Runs from four goroutines while another collects back to back.
	stop, stormDone := make(chan struct{}), make(chan struct{})
	go func() { gcStorm(stop); close(stormDone) }()
	var wg sync.WaitGroup
	for g := 0; g < 4; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < 5; i++ {
				res, err := pool.Run(bg, x)
				if err != nil {
					t.Errorf("Pool.Run: %v", err)
					return
				}
				checkCase(t, "pplcnet", 0, res)
			}
		}()
	}
	wg.Wait()
	close(stop)
	<-stormDone

	// A run held in C (at its first checkpoint) across a whole GC cycle.
	preds := pdsafe.PoolPredictors(pool)
	pdsafe.SetPoolWaitAtCheckpoint(pool, 1)
	ctx, cancel := context.WithCancel(bg)
	heldErr := make(chan error, 1)
	startHeld := func() {
		go func() {
			_, err := pool.Run(ctx, x)
			heldErr <- err
		}()
	}
	startHeld()
	probe := &pdsafe.Tensor[uint8]{Shape: x.Dims(), Data: make([]uint8, 1)}
	for held := false; !held; runtime.Gosched() {
		select {
		case err := <-heldErr:
			// The run met a probe on its predictor before it was held (the
			// probe won, the run got ErrBusy): start it again. Before, the
			// loop then waited for a held run that no longer existed.
			if !errors.Is(err, pdsafe.ErrBusy) {
				t.Fatalf("the held run ended before it was held: %v", err)
			}
			startHeld()
		default:
		}
		for _, p := range preds {
			if _, err := p.Run(bg, probe); errors.Is(err, pdsafe.ErrBusy) {
				held = true
			}
		}
	}
	runtime.GC()
	cancel()
	wantCode(t, "held run", <-heldErr, pdsafe.ErrCanceled)
	pdsafe.SetPoolWaitAtCheckpoint(pool, 0)

	// A predictor dropped without Close: its cleanup is on the timeline.
	cleaned := make(chan uint64, 1)
	restore := pdsafe.SetCleanupHook(func(kind string, h uint64, err error) {
		if kind == "predictor" {
			select {
			case cleaned <- h:
			default:
			}
		}
	})
	func() {
		p, err := m.NewPredictor()
		mustOK(t, "NewPredictor", err)
		_ = p
	}()
	for done := false; !done; {
		runtime.GC()
		select {
		case <-cleaned:
			done = true
		default:
			runtime.Gosched()
		}
	}
	restore()
	mustOK(t, "Pool.Close", pool.Close())
	mustOK(t, "Model.Close", m.Close())

	stats, err := pdsafe.StopTrace()
	mustOK(t, "StopTrace", err)
	_, err = pdsafe.StopTrace()
	wantCode(t, "second StopTrace", err, pdsafe.ErrInvalidState, "no trace is recording")

	if out := os.Getenv("PDSAFE_TRACE_TEST_OUT"); out != "" {
		_ = os.WriteFile(out, buf.Bytes(), 0o644) // to look at it in Perfetto
	}
	var f traceFile
	dec := json.NewDecoder(bytes.NewReader(buf.Bytes()))
	dec.UseNumber()
	if err := dec.Decode(&f); err != nil {
		t.Fatalf("the trace is not JSON: %v", err)
	}
	checkTimeline(t, &f, stats)
}

func checkTimeline(t *testing.T, f *traceFile, stats pdsafe.TraceStats) {
	goInfo, _ := f.OtherData["go"].(map[string]any)
	num := func(m map[string]any, k string) int64 {
		n, _ := m[k].(json.Number)
		v, _ := n.Int64()
		return v
	}
	if stats.CCalls < 25 || num(goInfo, "c_calls") != int64(stats.CCalls) {
		t.Errorf("C calls: stats %d, file %d; want at least 25", stats.CCalls, num(goInfo, "c_calls"))
	}
	// Every C call here came from a goroutine: all must be joined to one, which
	// holds only if Go's clock and the library's agree (CLOCK_MONOTONIC).
	if stats.CallsWithGoroutine != stats.CCalls {
		t.Errorf("%d of %d C calls joined to their goroutine", stats.CallsWithGoroutine, stats.CCalls)
	}
	if stats.GCCycles < 2 || stats.STWPauses < 4 || stats.CallsOverlappingGC < 1 || stats.Dropped != 0 {
		t.Errorf("stats %+v: want at least 2 GC cycles, 4 pauses, 1 overlap, no drop", stats)
	}
	if num(goInfo, "calls_overlapping_gc") != int64(stats.CallsOverlappingGC) {
		t.Errorf("otherData.go.calls_overlapping_gc %d, stats %d", num(goInfo, "calls_overlapping_gc"),
			stats.CallsOverlappingGC)
	}
	cpid := num(f.OtherData, "pid")

	type track struct{ pid, tid int64 }
	type iv struct {
		t0, t1 int64
		name   string
	}
	tracks := map[track][]iv{}
	count := map[string]int{}
	var held *traceEvent
	for i := range f.TraceEvents {
		e := &f.TraceEvents[i]
		if e.Ph != "X" {
			continue
		}
		t0 := ns(t, e.Ts)
		k := track{e.Pid, e.Tid}
		if prev := tracks[k]; len(prev) > 0 && prev[len(prev)-1].t0 > t0 {
			t.Errorf("track %v: %s at %d after %s at %d (not in time order)", k, e.Name, t0,
				prev[len(prev)-1].name, prev[len(prev)-1].t0)
		}
		tracks[k] = append(tracks[k], iv{t0, t0 + ns(t, e.Dur), e.Name})
		count[e.Cat]++
		switch e.Cat {
		case "call":
			if e.Pid != cpid {
				t.Errorf("C call %s on pid %d, want the process %d", e.Name, e.Pid, cpid)
			}
			if _, ok := e.Args["goroutine"]; !ok {
				t.Errorf("C call %s at %s has no goroutine", e.Name, e.Ts)
			}
			if e.Args["status"] == "PDS_ERR_CANCELLED" {
				held = e
			}
		case "go":
			count[e.Name]++
		}
	}
	for _, c := range []string{"call", "op", "cgo", "gc", "go"} {
		if count[c] == 0 {
			t.Errorf("no %q event in the trace", c)
		}
	}
	for _, name := range []string{"Pool.Close", "Model.Close", "Predictor.Close", "Predictor cleanup"} {
		if count[name] == 0 {
			t.Errorf("no %q region in the trace", name)
		}
	}
	// Per track: no two events overlap unless one contains the other.
	for k, evs := range tracks {
		sort.SliceStable(evs, func(i, j int) bool {
			if evs[i].t0 != evs[j].t0 {
				return evs[i].t0 < evs[j].t0
			}
			return evs[i].t1 > evs[j].t1
		})
		var stack []iv
		for _, e := range evs {
			for len(stack) > 0 && e.t0 >= stack[len(stack)-1].t1 {
				stack = stack[:len(stack)-1]
			}
			if n := len(stack); n > 0 && e.t1 > stack[n-1].t1 {
				t.Errorf("track %v: %s [%d, %d] overlaps %s [%d, %d] without nesting", k, e.name,
					e.t0, e.t1, stack[n-1].name, stack[n-1].t0, stack[n-1].t1)
			}
			stack = append(stack, e)
		}
	}
	if held == nil {
		t.Fatal("no cancelled run call in the trace")
	}
	ov, _ := held.Args["gc_overlap"].(string)
	if !strings.Contains(ov, "mark phase") || !strings.Contains(ov, "stop-the-world") {
		t.Errorf("the held run's gc_overlap is %q, want a mark phase and a stop-the-world", ov)
	}
	if st, _ := held.Args["go_stack"].(string); !strings.Contains(st, "TestTraceGCTimeline") {
		t.Errorf("the held run's Go stack does not name the test:\n%s", st)
	}
}
