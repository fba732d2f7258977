package a

/*
#include <stdlib.h>
typedef struct { int n; } obj;
static obj *obj_new(void) { return calloc(1, sizeof(obj)); }
static int obj_run(obj *o) { return o->n; }
static void obj_free(obj *o) { free(o); }
*/
import "C"

import "runtime"

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

// Bare owns C memory, has a finalizer and nothing else.
type Bare struct{ c *C.obj }

func NewBare() *Bare {
	b := &Bare{c: C.obj_new()}
	runtime.SetFinalizer(b, func(b *Bare) { C.obj_free(b.c) }) // want `Bare owns C memory but has no Close method`
	return b
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
