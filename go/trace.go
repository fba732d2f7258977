package pdsafe

/*
#include <stdlib.h>
#include <pdsafe.h>
*/
import "C"

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"runtime/trace"
	"strconv"
	"sync"
	"sync/atomic"
	"unsafe"
)

// A timeline of the C library and the Go runtime around it, on one clock
// (docs/TRACING.md). While a trace records, the C library writes every call
// and every run step into its per-thread buffers, and Go's execution tracer
// (runtime/trace) records the goroutines, their cgo calls, the GC cycles and
// stop-the-world pauses, and the package's Close calls and cleanups (as
// regions). StopTrace reads both back and joins them:
//   - Go's trace carries a clock snapshot (Go 1.25 and later) pairing its own
//     timestamps with the runtime's monotonic clock, which on Linux is
//     CLOCK_MONOTONIC, the C library's clock: Go events are moved onto it.
//   - A cgo call appears in Go's trace as a syscall of the goroutine on an OS
//     thread; the C call recorded on that thread inside that interval is the
//     one the goroutine made.

var (
	traceMu     sync.Mutex
	traceOut    io.Writer
	traceGo     *bytes.Buffer
	traceActive atomic.Bool
)

// TraceOption configures StartTrace.
type TraceOption func(*traceConfig)

type traceConfig struct {
	bufferEvents uint32
	maxThreads   uint32
}

// WithTraceBufferEvents sets how many events each OS thread's C buffer holds
// (default 65536, 160 bytes each); a full buffer keeps its first events and
// the trace says how many it dropped.
func WithTraceBufferEvents(n uint32) TraceOption {
	return func(c *traceConfig) { c.bufferEvents = n }
}

// WithTraceMaxThreads sets how many OS threads get a C buffer (default 256).
func WithTraceMaxThreads(n uint32) TraceOption {
	return func(c *traceConfig) { c.maxThreads = n }
}

// TraceStats are the figures of a trace written by StopTrace.
type TraceStats struct {
	// CCalls is the number of C calls recorded; CallsWithGoroutine of them
	// were matched to the goroutine that made them.
	CCalls, CallsWithGoroutine int
	// Steps is the number of run steps (operators) recorded.
	Steps int
	// GCCycles and STWPauses count the GC mark phases and stop-the-world
	// pauses seen (including any already running when the trace started).
	GCCycles, STWPauses int
	// CallsOverlappingGC counts the C calls that overlapped a GC mark phase
	// or a stop-the-world pause; each is flagged in the trace.
	CallsOverlappingGC int
	// Dropped counts the C events lost to full buffers.
	Dropped int
}

// StartTrace starts recording the timeline of the whole process: C calls,
// run steps, goroutines, GC and Close calls. StopTrace writes it to w as one
// Chrome trace-event JSON file that https://ui.perfetto.dev and
// chrome://tracing open, and that `pdsafe trace summarize` reads.
//
// Only one trace records at a time, and it uses Go's execution tracer:
// StartTrace fails if runtime/trace is already in use (go test -trace, a
// net/http/pprof trace in progress). Safe for concurrent use.
func StartTrace(w io.Writer, opts ...TraceOption) error {
	const op = "StartTrace"
	if w == nil {
		return newError(CodeInvalidArgument, op, "the writer is nil")
	}
	var c traceConfig
	for _, o := range opts {
		o(&c)
	}
	traceMu.Lock()
	defer traceMu.Unlock()
	if traceOut != nil {
		return newError(CodeInvalidState, op, "a trace is already recording (call StopTrace first)")
	}
	var o C.pds_trace_options
	o.struct_size = C.uint32_t(unsafe.Sizeof(o))
	o.buffer_events = C.uint32_t(c.bufferEvents)
	o.max_threads = C.uint32_t(c.maxThreads)
	var e C.pds_error
	if st := C.pds_trace_start(&o, &e); st != C.PDS_OK {
		return statusError(op, st, &e)
	}
	buf := new(bytes.Buffer)
	if err := trace.Start(buf); err != nil {
		C.pds_trace_stop(nil)
		return newError(CodeInvalidState, op, fmt.Sprintf(
			"could not start Go's execution tracer (is another trace running?): %v", err))
	}
	traceOut, traceGo = w, buf
	traceActive.Store(true)
	return nil
}

// StopTrace stops the trace StartTrace began, joins the C and Go records and
// writes the JSON to the writer given to StartTrace. It returns the trace's
// figures. ErrInvalidState if no trace is recording.
func StopTrace() (TraceStats, error) {
	const op = "StopTrace"
	traceMu.Lock()
	defer traceMu.Unlock()
	if traceOut == nil {
		return TraceStats{}, newError(CodeInvalidState, op, "no trace is recording")
	}
	w, goTrace := traceOut, traceGo
	traceOut, traceGo = nil, nil
	traceActive.Store(false)
	trace.Stop()
	C.pds_trace_stop(nil)
	cJSON, err := cTraceDump(op)
	if err != nil {
		return TraceStats{}, err
	}
	out, stats, err := mergeTrace(cJSON, goTrace.Bytes())
	if err != nil {
		return TraceStats{}, newError(CodeInternal, op, err.Error())
	}
	if _, err := w.Write(out); err != nil {
		return stats, newError(CodeIO, op, fmt.Sprintf("could not write the trace: %v", err))
	}
	return stats, nil
}

// cTraceDump copies the C library's trace JSON into Go memory.
func cTraceDump(op string) ([]byte, error) {
	var need C.size_t
	var e C.pds_error
	st := C.pds_trace_dump(nil, 0, &need, &e)
	for st == C.PDS_ERR_BUFFER_SIZE {
		buf := make([]byte, int(need)+int(need)/8+4096)
		st = C.pds_trace_dump((*C.char)(unsafe.Pointer(&buf[0])), C.size_t(len(buf)), &need, &e)
		if st == C.PDS_OK {
			return buf[:int(need)-1], nil // without the NUL
		}
	}
	return nil, statusError(op, st, &e)
}

// traceClockNs is the C library's trace clock (CLOCK_MONOTONIC).
func traceClockNs() uint64 { return uint64(C.pds_trace_clock_ns()) }

func noTraceRegion() {}

// traceRegion marks, while a trace records, a Close call or a cleanup of
// object h on the calling goroutine: defer traceRegion("Model.Close", h)().
func traceRegion(name string, h uint64) func() {
	if !traceActive.Load() {
		return noTraceRegion
	}
	ctx := context.Background()
	r := trace.StartRegion(ctx, "pdsafe."+name)
	if h != 0 {
		trace.Log(ctx, "pdsafe.handle", "0x"+strconv.FormatUint(h, 16))
	}
	return r.End
}

// errTraceFormat wraps what the joining found wrong in the records.
var errTraceFormat = errors.New("pdsafe: unexpected trace record")
