package pdsafe

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"sort"
	"strconv"
	"strings"

	xtrace "golang.org/x/exp/trace"
)

// The tracks the Go side adds next to the C library's OS threads (whose pid
// is the process id, below 2^22 on Linux).
const (
	tracePidGoroutines = 2147483001 // one track per goroutine
	tracePidRuntime    = 2147483002 // the GC and stop-the-world tracks
	traceTidGC         = 1
	traceTidSTW        = 2
)

// Trace timestamps are multiples of 64 ns (runtime/tracetime.go), so an
// interval read back from Go's trace may be off by that much at each end.
const traceClockSlack = 128

// span is an interval on CLOCK_MONOTONIC, in nanoseconds.
type span struct{ t0, t1 uint64 }

type goSyscall struct {
	span
	goid   int64
	thread int64
	stack  string
}

type goRange struct {
	span
	name  string
	cycle int
}

type goRegion struct {
	span
	goid   int64
	name   string
	handle string
}

type goRecord struct {
	syscalls map[int64][]goSyscall // by OS thread
	gc, stw  []goRange
	regions  []goRegion
}

// readGoTrace reads Go's execution trace and puts its events on
// CLOCK_MONOTONIC through the clock snapshot of each generation's Sync event.
func readGoTrace(data []byte) (*goRecord, error) {
	r, err := xtrace.NewReader(bytes.NewReader(data))
	if err != nil {
		return nil, fmt.Errorf("%w: reading Go's execution trace: %v", errTraceFormat, err)
	}
	rec := &goRecord{syscalls: map[int64][]goSyscall{}}
	var snap *xtrace.ClockSnapshot
	mono := func(t xtrace.Time) uint64 { return uint64(int64(snap.Mono) + int64(t-snap.Trace)) }
	open := map[int64]goSyscall{}
	type rangeKey struct{ name, scope string }
	ranges := map[rangeKey]goRange{}
	regions := map[int64][]goRegion{}
	cycle := 0
	var last uint64
	for {
		ev, err := r.ReadEvent()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("%w: reading Go's execution trace: %v", errTraceFormat, err)
		}
		if ev.Kind() == xtrace.EventSync {
			if s := ev.Sync(); s.ClockSnapshot != nil {
				snap = s.ClockSnapshot
			}
			continue
		}
		if snap == nil {
			return nil, fmt.Errorf("%w: Go's trace has no clock snapshot before its events "+
				"(Go 1.25 or later writes one)", errTraceFormat)
		}
		t := mono(ev.Time())
		last = t
		switch ev.Kind() {
		case xtrace.EventStateTransition:
			st := ev.StateTransition()
			if st.Resource.Kind != xtrace.ResourceGoroutine {
				continue
			}
			g := int64(st.Resource.Goroutine())
			from, to := st.Goroutine()
			if to == xtrace.GoSyscall && from != xtrace.GoSyscall {
				stack := st.Stack
				if stack == xtrace.NoStack {
					stack = ev.Stack()
				}
				open[g] = goSyscall{span: span{t0: t}, goid: g, thread: int64(ev.Thread()),
					stack: formatTraceStack(stack)}
			} else if from == xtrace.GoSyscall && to != xtrace.GoSyscall {
				if s, ok := open[g]; ok {
					s.t1 = t
					rec.syscalls[s.thread] = append(rec.syscalls[s.thread], s)
					delete(open, g)
				}
			}
		case xtrace.EventRangeBegin, xtrace.EventRangeActive, xtrace.EventRangeEnd:
			rg := ev.Range()
			if rg.Name != "GC concurrent mark phase" && !strings.HasPrefix(rg.Name, "stop-the-world") {
				continue
			}
			k := rangeKey{rg.Name, rg.Scope.String()}
			if ev.Kind() != xtrace.EventRangeEnd {
				if rg.Name == "GC concurrent mark phase" {
					cycle++
				}
				ranges[k] = goRange{span: span{t0: t}, name: rg.Name, cycle: cycle}
				continue
			}
			gr, ok := ranges[k]
			if !ok {
				continue
			}
			delete(ranges, k)
			gr.t1 = t
			if gr.name == "GC concurrent mark phase" {
				rec.gc = append(rec.gc, gr)
			} else {
				rec.stw = append(rec.stw, gr)
			}
		case xtrace.EventRegionBegin, xtrace.EventRegionEnd:
			g := int64(ev.Goroutine())
			name := ev.Region().Type
			if !strings.HasPrefix(name, "pdsafe.") {
				continue
			}
			if ev.Kind() == xtrace.EventRegionBegin {
				regions[g] = append(regions[g], goRegion{span: span{t0: t}, goid: g, name: name})
				continue
			}
			st := regions[g]
			if n := len(st); n > 0 {
				rg := st[n-1]
				regions[g] = st[:n-1]
				rg.t1 = t
				rec.regions = append(rec.regions, rg)
			}
		case xtrace.EventLog:
			lg := ev.Log()
			g := int64(ev.Goroutine())
			if st := regions[g]; lg.Category == "pdsafe.handle" && len(st) > 0 {
				st[len(st)-1].handle = lg.Message
			}
		}
	}
	// What is still open ends with the trace.
	for _, s := range open {
		s.t1 = last
		rec.syscalls[s.thread] = append(rec.syscalls[s.thread], s)
	}
	for _, gr := range ranges {
		gr.t1 = last
		if gr.name == "GC concurrent mark phase" {
			rec.gc = append(rec.gc, gr)
		} else {
			rec.stw = append(rec.stw, gr)
		}
	}
	for _, th := range rec.syscalls {
		sort.Slice(th, func(i, j int) bool { return th[i].t0 < th[j].t0 })
	}
	return rec, nil
}

// formatTraceStack writes a Go stack innermost first, "function file:line" per
// line, without the runtime's and cgo's own frames.
func formatTraceStack(s xtrace.Stack) string {
	var b strings.Builder
	n := 0
	for f := range s.Frames() {
		if strings.HasPrefix(f.Func, "runtime.") || strings.Contains(f.Func, "._Cfunc_") ||
			strings.HasPrefix(f.Func, "_cgo") {
			continue
		}
		if n == 12 {
			b.WriteString("...\n")
			break
		}
		fmt.Fprintf(&b, "%s %s:%d\n", f.Func, f.File, f.Line)
		n++
	}
	return strings.TrimSuffix(b.String(), "\n")
}

// The C library's trace file, as far as the join needs it.
type cTraceFile struct {
	DisplayTimeUnit string                       `json:"displayTimeUnit"`
	OtherData       map[string]any               `json:"otherData"`
	TraceEvents     []map[string]json.RawMessage `json:"traceEvents"`
}

// tsNs reads a timestamp written as microseconds with three decimals.
func tsNs(raw json.RawMessage) (uint64, error) {
	s := string(raw)
	whole, frac, _ := strings.Cut(s, ".")
	us, err := strconv.ParseUint(whole, 10, 64)
	if err != nil {
		return 0, fmt.Errorf("%w: timestamp %q", errTraceFormat, s)
	}
	frac = (frac + "000")[:3]
	ns, err := strconv.ParseUint(frac, 10, 64)
	if err != nil {
		return 0, fmt.Errorf("%w: timestamp %q", errTraceFormat, s)
	}
	return us*1000 + ns, nil
}

func usJSON(ns uint64) json.RawMessage {
	return json.RawMessage(fmt.Sprintf("%d.%03d", ns/1000, ns%1000))
}

func rawJSON(v any) json.RawMessage {
	b, _ := json.Marshal(v)
	return b
}

// outEvent is one event of the joined file with what sorting needs.
type outEvent struct {
	pid, tid int64
	ts       uint64
	meta     bool
	ev       map[string]json.RawMessage
}

func overlaps(a, b span) bool { return a.t0 < b.t1 && b.t0 < a.t1 }

// mergeTrace joins the C library's trace JSON and Go's execution trace into
// one Chrome trace-event file.
func mergeTrace(cJSON, goTrace []byte) ([]byte, TraceStats, error) {
	var stats TraceStats
	var cf cTraceFile
	dec := json.NewDecoder(bytes.NewReader(cJSON))
	dec.UseNumber()
	if err := dec.Decode(&cf); err != nil {
		return nil, stats, fmt.Errorf("%w: the C library's trace: %v", errTraceFormat, err)
	}
	baseNum, _ := cf.OtherData["clock_base_ns"].(json.Number)
	base, err := strconv.ParseUint(string(baseNum), 10, 64)
	if err != nil {
		return nil, stats, fmt.Errorf("%w: otherData.clock_base_ns %q", errTraceFormat, baseNum)
	}
	rec, err := readGoTrace(goTrace)
	if err != nil {
		return nil, stats, err
	}
	rel := func(t uint64) uint64 {
		if t < base {
			return 0
		}
		return t - base
	}
	var out []outEvent
	for _, ev := range cf.TraceEvents {
		var ph string
		var pid, tid int64
		_ = json.Unmarshal(ev["ph"], &ph)
		_ = json.Unmarshal(ev["pid"], &pid)
		_ = json.Unmarshal(ev["tid"], &tid)
		o := outEvent{pid: pid, tid: tid, ev: ev, meta: ph == "M"}
		if !o.meta {
			if o.ts, err = tsNs(ev["ts"]); err != nil {
				return nil, stats, err
			}
		}
		if ph == "X" {
			var cat string
			_ = json.Unmarshal(ev["cat"], &cat)
			switch cat {
			case "call":
				stats.CCalls++
				dur, err := tsNs(ev["dur"])
				if err != nil {
					return nil, stats, err
				}
				call := span{base + o.ts, base + o.ts + dur}
				joinCall(ev, call, tid, rec, &stats, &out, rel)
			case "op":
				stats.Steps++
			}
		}
		out = append(out, o)
	}
	if n, ok := cf.OtherData["dropped_events"].(json.Number); ok {
		d, _ := n.Int64()
		stats.Dropped = int(d)
	}
	stats.GCCycles, stats.STWPauses = len(rec.gc), len(rec.stw)
	out = append(out, goTracks(rec, rel)...)
	named := map[int64]bool{}
	for _, o := range out {
		if o.pid == tracePidGoroutines && !o.meta && !named[o.tid] {
			named[o.tid] = true
			out = append(out, outEvent{pid: o.pid, tid: o.tid, meta: true,
				ev: map[string]json.RawMessage{"ph": rawJSON("M"), "name": rawJSON("thread_name"),
					"pid": rawJSON(o.pid), "tid": rawJSON(o.tid),
					"args": rawJSON(map[string]string{"name": fmt.Sprintf("goroutine %d", o.tid)})}})
		}
	}

	// Metadata first, then every track in time order (stable: steps that
	// start together keep the order the library wrote them in).
	sort.SliceStable(out, func(i, j int) bool {
		a, b := out[i], out[j]
		if a.meta != b.meta {
			return a.meta
		}
		if a.meta {
			return false
		}
		if a.pid != b.pid {
			return a.pid < b.pid
		}
		if a.tid != b.tid {
			return a.tid < b.tid
		}
		return a.ts < b.ts
	})
	cf.OtherData["go"] = map[string]any{
		"clock":                "runtime nanotime (CLOCK_MONOTONIC), joined through the trace's clock snapshot",
		"gc_cycles":            stats.GCCycles,
		"stw_pauses":           stats.STWPauses,
		"c_calls":              stats.CCalls,
		"calls_with_goroutine": stats.CallsWithGoroutine,
		"calls_overlapping_gc": stats.CallsOverlappingGC,
		"goroutines_pid":       tracePidGoroutines,
		"runtime_pid":          tracePidRuntime,
	}
	var b bytes.Buffer
	b.WriteString("{\"displayTimeUnit\":\"ns\",\n\"otherData\":")
	od, err := json.Marshal(cf.OtherData)
	if err != nil {
		return nil, stats, err
	}
	b.Write(od)
	b.WriteString(",\n\"traceEvents\":[")
	for i, o := range out {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteByte('\n')
		e, err := json.Marshal(o.ev)
		if err != nil {
			return nil, stats, err
		}
		b.Write(e)
	}
	b.WriteString("\n]}\n")
	return b.Bytes(), stats, nil
}

// joinCall finds the goroutine behind a C call and the GC phases it
// overlapped; it adds both to the call's args and the goroutine's cgo call
// to its track.
func joinCall(ev map[string]json.RawMessage, call span, tid int64, rec *goRecord,
	stats *TraceStats, out *[]outEvent, rel func(uint64) uint64) {
	var args map[string]json.RawMessage
	_ = json.Unmarshal(ev["args"], &args)
	if args == nil {
		args = map[string]json.RawMessage{}
	}
	th := rec.syscalls[tid]
	i := sort.Search(len(th), func(i int) bool { return th[i].t0 > call.t0+traceClockSlack })
	for i--; i >= 0; i-- {
		s := th[i]
		if s.t0 <= call.t0+traceClockSlack && call.t1 <= s.t1+traceClockSlack {
			stats.CallsWithGoroutine++
			args["goroutine"] = rawJSON(s.goid)
			if s.stack != "" {
				args["go_stack"] = rawJSON(s.stack)
			}
			name := ev["name"]
			*out = append(*out, outEvent{pid: tracePidGoroutines, tid: s.goid, ts: rel(s.t0),
				ev: map[string]json.RawMessage{
					"ph": rawJSON("X"), "cat": rawJSON("cgo"), "name": name,
					"pid": rawJSON(tracePidGoroutines), "tid": rawJSON(s.goid),
					"ts": usJSON(rel(s.t0)), "dur": usJSON(s.t1 - s.t0),
					"args": rawJSON(map[string]any{"os_thread": s.thread, "go_stack": s.stack,
						"status": args["status"]}),
				}})
			break
		}
		if s.t1+traceClockSlack < call.t0 {
			break
		}
	}
	var hit []string
	for _, g := range rec.gc {
		if overlaps(call, g.span) {
			hit = append(hit, fmt.Sprintf("GC %d mark phase", g.cycle))
		}
	}
	for _, g := range rec.stw {
		if overlaps(call, g.span) {
			hit = append(hit, g.name)
		}
	}
	if len(hit) > 0 {
		stats.CallsOverlappingGC++
		args["gc_overlap"] = rawJSON(strings.Join(hit, "; "))
	}
	ev["args"] = rawJSON(args)
}

// goTracks are the goroutines' Close and cleanup regions and the GC tracks,
// with their names.
func goTracks(rec *goRecord, rel func(uint64) uint64) []outEvent {
	meta := func(pid, tid int64, kind, name string) outEvent {
		return outEvent{pid: pid, tid: tid, meta: true, ev: map[string]json.RawMessage{
			"ph": rawJSON("M"), "name": rawJSON(kind), "pid": rawJSON(pid), "tid": rawJSON(tid),
			"args": rawJSON(map[string]string{"name": name})}}
	}
	x := func(pid, tid int64, cat, name string, s span, args map[string]any) outEvent {
		return outEvent{pid: pid, tid: tid, ts: rel(s.t0), ev: map[string]json.RawMessage{
			"ph": rawJSON("X"), "cat": rawJSON(cat), "name": rawJSON(name), "pid": rawJSON(pid),
			"tid": rawJSON(tid), "ts": usJSON(rel(s.t0)), "dur": usJSON(s.t1 - s.t0),
			"args": rawJSON(args)}}
	}
	out := []outEvent{
		meta(tracePidGoroutines, 0, "process_name", "Go goroutines"),
		meta(tracePidRuntime, 0, "process_name", "Go runtime"),
		meta(tracePidRuntime, traceTidGC, "thread_name", "GC (concurrent mark phase)"),
		meta(tracePidRuntime, traceTidSTW, "thread_name", "stop-the-world"),
	}
	for _, r := range rec.regions {
		out = append(out, x(tracePidGoroutines, r.goid, "go", strings.TrimPrefix(r.name, "pdsafe."),
			r.span, map[string]any{"handle": r.handle}))
	}
	for _, g := range rec.gc {
		out = append(out, x(tracePidRuntime, traceTidGC, "gc", fmt.Sprintf("GC %d mark phase", g.cycle),
			g.span, map[string]any{"cycle": g.cycle}))
	}
	for _, g := range rec.stw {
		out = append(out, x(tracePidRuntime, traceTidSTW, "gc", g.name, g.span, map[string]any{}))
	}
	return out
}
