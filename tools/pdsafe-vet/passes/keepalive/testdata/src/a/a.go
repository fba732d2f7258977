package a

/*
#include <stdlib.h>
typedef struct { int n; } obj;
static obj *obj_new(void) { return calloc(1, sizeof(obj)); }
static int obj_run(obj *o) { return o->n; }
static void obj_free(obj *o) { free(o); }
static void obj_hook(obj *o, void *tok) { (void)o; (void)tok; }
*/
import "C"

import (
	"runtime"
	"sync"
	"unsafe"
)

// Handle has a finalizer and a Close method.
type Handle struct {
	c    *C.obj
	name string
}

func NewHandle() *Handle {
	h := &Handle{c: C.obj_new(), name: "h"}
	runtime.SetFinalizer(h, func(h *Handle) { C.obj_free(h.c) })
	return h
}

// --- true positives ---

func (h *Handle) Run() int {
	return int(C.obj_run(h.c)) // want `h.c is passed to C.obj_run but h is not used after the call`
}

func (h *Handle) RunTwice() int {
	n := C.obj_run(h.c)            // h is used by the next statement: kept alive
	return int(n + C.obj_run(h.c)) // want `h.c is passed to C.obj_run but h is not used after the call`
}

// Both branches call C and neither uses h afterwards: a use in the other
// branch keeps nothing alive on this one.
func (h *Handle) Either(fast bool) int {
	var n C.int
	if fast {
		n = C.obj_run(h.c) // want `h.c is passed to C.obj_run but h is not used after the call`
	} else {
		n = C.obj_run(h.c) // want `h.c is passed to C.obj_run but h is not used after the call`
	}
	return int(n)
}

// The if-branch ends without using h; the else-branch keeps it in a
// registry (quiet, below).
func (h *Handle) SetHook(cb func()) {
	if cb == nil {
		C.obj_hook(h.c, nil) // want `h.c is passed to C.obj_hook but h is not used after the call`
	} else {
		C.obj_hook(h.c, register(h, cb))
	}
}

// A use that comes later in the text but on another path.
func (h *Handle) OtherPath(again bool) int {
	for {
		if !again {
			return int(C.obj_run(h.c)) // want `h.c is passed to C.obj_run but h is not used after the call`
		}
		again = h.name == ""
	}
}

// Bare owns C memory, has a finalizer and nothing else.
type Bare struct{ c *C.obj }

func NewBare() *Bare {
	b := &Bare{c: C.obj_new()}
	runtime.SetFinalizer(b, func(b *Bare) { C.obj_free(b.c) }) // want `Bare owns C memory but has no Close method`
	return b
}

// Pooled owns C memory and has only a finalizer, but lives in a sync.Pool
// that drops its values silently at a GC: the finalizer is the only release
// there can be, and the pool bounds how many are waiting for it.
type pooled struct{ c *C.obj }

var objPool = sync.Pool{New: func() any {
	p := &pooled{c: C.obj_new()}
	runtime.SetFinalizer(p, func(p *pooled) { C.obj_free(p.c) })
	return p
}}

func withPooled() int {
	p := objPool.Get().(*pooled)
	n := int(C.obj_run(p.c))
	objPool.Put(p)
	return n
}

type Cycle struct {
	c    *C.obj
	self *Cycle
}

func (c *Cycle) Close() { C.obj_free(c.c); c.c = nil }

func NewCycleArg() *Cycle {
	c := &Cycle{c: C.obj_new()}
	runtime.AddCleanup(c, func(p *Cycle) { C.obj_free(p.c) }, c) // want `runtime.AddCleanup's argument refers to c`
	return c
}

func NewCycleCapture() *Cycle {
	c := &Cycle{c: C.obj_new()}
	runtime.AddCleanup(c, func(int) { C.obj_free(c.c) }, 0) // want `the function registered on c refers to c itself`
	return c
}

// --- false positives that must stay quiet ---

func (h *Handle) RunKept() int {
	n := C.obj_run(h.c)
	runtime.KeepAlive(h)
	return int(n)
}

func (h *Handle) RunUsedAfter() (int, string) {
	n := C.obj_run(h.c)
	return int(n), h.name
}

func (h *Handle) Close() {
	C.obj_free(h.c)
	h.c = nil
	runtime.SetFinalizer(h, nil)
}

// Locked holds a mutex that a deferred Unlock uses at the function's exit:
// the defer keeps h alive through the call.
type Locked struct {
	mu sync.Mutex
	c  *C.obj
}

func NewLocked() *Locked {
	l := &Locked{c: C.obj_new()}
	runtime.SetFinalizer(l, func(l *Locked) { C.obj_free(l.c) })
	return l
}

func (l *Locked) Close() {
	C.obj_free(l.c)
	l.c = nil
}

func (l *Locked) Run() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return int(C.obj_run(l.c))
}

func (l *Locked) RunDeferredClosure() int {
	defer func() { l.mu.Unlock() }()
	l.mu.Lock()
	return int(C.obj_run(l.c))
}

var registry = map[unsafe.Pointer]any{}

// register stores h in a global map: h stays reachable for good.
func register(h *Handle, cb func()) unsafe.Pointer {
	tok := C.malloc(1)
	registry[tok] = h
	_ = cb
	return tok
}

// The receiver escapes whole into a Go function before the call.
func (h *Handle) Registered() int {
	register(h, nil)
	return int(C.obj_run(h.c))
}

// The receiver is used on one path after the call (the error path): it is
// live during the call.
func (h *Handle) ErrorPath() (int, string) {
	n := C.obj_run(h.c)
	if n < 0 {
		return 0, h.name
	}
	return int(n), ""
}

// In a loop, the next iteration passes h.c again: h is live during the call.
func (h *Handle) Loop(k int) int {
	s := 0
	for i := 0; i < k; i++ {
		s += int(C.obj_run(h.c))
	}
	return s
}

// A closure made before the call captures h.
func (h *Handle) Captured() func() string {
	f := func() string { return h.name }
	C.obj_run(h.c)
	return f
}

// Clean has a cleanup that gets the C pointer, not the object.
type Clean struct{ c *C.obj }

func NewClean() *Clean {
	c := &Clean{c: C.obj_new()}
	runtime.AddCleanup(c, func(p *C.obj) { C.obj_free(p) }, c.c)
	return c
}

func (c *Clean) Close() {
	C.obj_free(c.c)
	c.c = nil
}

// Plain has no finalizer: its methods need no KeepAlive.
type Plain struct{ c *C.obj }

func (p *Plain) Run() int { return int(C.obj_run(p.c)) }
