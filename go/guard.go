package pdsafe

import (
	"fmt"
	"os"
	"runtime"
	"strings"
	"sync/atomic"
)

// LeakReport describes an object that became unreachable without Close; a
// plain value, safe for concurrent use. Its C resources have been freed by the time the handler sees the report.
type LeakReport struct {
	// Kind is "model", "predictor" or "pool".
	Kind string
	// Handle is the object's C handle (0 for a pool).
	Handle uint64
	// Stack is the stack of the goroutine that created the object, one
	// "function\n\tfile:line" pair per frame, innermost first.
	Stack string
}

// String formats the report as the default handler writes it.
func (r LeakReport) String() string {
	return fmt.Sprintf("pdsafe: leak: %s 0x%016x was never closed; it was created at:\n%s",
		r.Kind, r.Handle, r.Stack)
}

// LeakHandler receives leak reports in guard mode and must itself be safe for
// concurrent use: it is called from runtime cleanup goroutines, possibly
// several at once. It must not block for long.
type LeakHandler func(LeakReport)

// defaultLeakHandler writes the report to standard error.
func defaultLeakHandler(r LeakReport) { fmt.Fprintln(os.Stderr, r.String()) }

// guard is the guard-mode record of one object: where it was created and,
// once closed, where. A nil *guard means guard mode is off.
type guard struct {
	handler LeakHandler
	created []uintptr
	closed  atomic.Pointer[[]uintptr]
	// id is the object's id in the C library's guard records: its handle,
	// or for a pool an id of the package's own (poolIDs); 0 before attach.
	id   uint64
	pool bool
}

// newGuard records the caller's stack; skip is the number of pdsafe frames
// above the caller to leave out.
func newGuard(h LeakHandler, skip int) *guard {
	if h == nil {
		h = defaultLeakHandler
	}
	return &guard{handler: h, created: callers(skip + 1)}
}

// child returns a guard for an object created by this one's owner.
func (g *guard) child(skip int) *guard {
	if g == nil {
		return nil
	}
	return newGuard(g.handler, skip+1)
}

func callers(skip int) []uintptr {
	pc := make([]uintptr, 32)
	n := runtime.Callers(skip+2, pc)
	return pc[:n]
}

func formatStack(pc []uintptr) string {
	var b strings.Builder
	frames := runtime.CallersFrames(pc)
	for {
		f, more := frames.Next()
		if f.Function != "" {
			fmt.Fprintf(&b, "%s\n\t%s:%d\n", f.Function, f.File, f.Line)
		}
		if !more {
			break
		}
	}
	return b.String()
}

// markClosed records where Close was called.
func (g *guard) markClosed() {
	if g == nil {
		return
	}
	pc := callers(2)
	g.closed.Store(&pc)
}

// closedNote is appended to ErrClosed messages in guard mode (M1: the error
// names where the object was closed).
func (g *guard) closedNote() string {
	if g == nil {
		return " (enable guard mode with WithGuard to see where it was closed)"
	}
	pc := g.closed.Load()
	if pc == nil {
		return ""
	}
	return "; it was closed at:\n" + formatStack(*pc)
}

// report hands a leak to the handler; a panicking handler is contained so
// that it cannot take down the cleanup goroutine.
func (g *guard) report(kind string, h uint64) {
	if g == nil {
		return
	}
	defer func() {
		if v := recover(); v != nil {
			fmt.Fprintf(os.Stderr, "pdsafe: the LeakHandler panicked on a %s leak report: %v\n", kind, v)
		}
	}()
	g.noteLeak(kind)
	g.handler(LeakReport{Kind: kind, Handle: h, Stack: formatStack(g.created)})
}
