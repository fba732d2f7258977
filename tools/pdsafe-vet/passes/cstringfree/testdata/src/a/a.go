package a

/*
#include <stdlib.h>
#include <string.h>
static void use(const char *s) { (void)s; }
static void adopt(char *s) { free(s); }
typedef struct { char *name; } holder;
static const char *lookup(holder *h, const char *k) { (void)h; return k; }
typedef void (*destructor)(void *);
static void set_result(holder *h, const char *s, destructor d) { (void)h; (void)s; (void)d; }
// Hands s over with free as its destructor: takes ownership.
static void result_text(holder *h, char *s) {
	set_result(h, s, &free);
}
// Frees its argument itself.
static void consume(int flag, char *s) { if (flag) { free(s); } else { free(s); } }
// Only reads it.
static void peek(holder *h, char *s) { set_result(h, s, NULL); }
*/
import "C"

import (
	"errors"
	"unsafe"
)

type T struct{ name *C.char }

var global *C.char

// --- true positives ---

func leakAlways(s string) {
	cs := C.CString(s) // want `C.CString result cs is not freed on every path`
	C.use(cs)
}

func leakOnErrorPath(s string, fail bool) error {
	cs := C.CString(s) // want `C.CString result cs is not freed on every path`
	if fail {
		return errors.New("early return forgets the string")
	}
	C.use(cs)
	C.free(unsafe.Pointer(cs))
	return nil
}

func leakMalloc(n int) {
	p := C.malloc(C.size_t(n)) // want `C.malloc result p is not freed on every path`
	C.memset(p, 0, C.size_t(n))
}

func leakBytes(b []byte) {
	p := C.CBytes(b) // want `C.CBytes result p is not freed on every path`
	_ = p
}

func leakInLoop(names []string) {
	for _, n := range names {
		cs := C.CString(n) // want `C.CString result cs is not freed on every path`
		C.use(cs)
	}
}

func straightToC(s string) {
	C.use(C.CString(s)) // want `C.CString result passed straight to C.use is never freed`
}

// Nested in another C call's argument: one report, for the call it is
// handed to (not for the outer C.GoString).
func nested(h *C.holder, s string) string {
	return C.GoString(C.lookup(h, C.CString(s))) // want `C.CString result passed straight to C.lookup is never freed`
}

// Preamble functions that take ownership, by their body.
func handedToPreambleOwner(h *C.holder, s string) {
	cs := C.CString(s)
	C.result_text(h, cs)
	C.consume(1, C.CString(s))
}

func handedToPreambleReader(h *C.holder, s string) {
	cs := C.CString(s) // want `C.CString result cs is not freed on every path`
	C.peek(h, cs)
}

func discarded(s string) {
	C.CString(s) // want `C.CString result is discarded`
}

// --- false positives that must stay quiet ---

func deferred(s string) {
	cs := C.CString(s)
	defer C.free(unsafe.Pointer(cs))
	C.use(cs)
}

func deferredClosure(s string) {
	cs := C.CString(s)
	defer func() { C.free(unsafe.Pointer(cs)) }()
	C.use(cs)
}

func freedOnEveryPath(s string, fail bool) error {
	cs := C.CString(s)
	if fail {
		C.free(unsafe.Pointer(cs))
		return errors.New("freed first")
	}
	C.use(cs)
	C.free(unsafe.Pointer(cs))
	return nil
}

func nilChecked(n int) error {
	p := C.malloc(C.size_t(n))
	if p == nil {
		return errors.New("out of memory: nothing to free")
	}
	defer C.free(p)
	return nil
}

func aliased(s string) {
	cs := C.CString(s)
	p := unsafe.Pointer(cs)
	C.use(cs)
	C.free(p)
}

func returned(s string) *C.char {
	cs := C.CString(s)
	return cs
}

func storedInField(t *T, s string) {
	cs := C.CString(s)
	t.name = cs
}

func storedInCStruct(h *C.holder, s string) {
	h.name = C.CString(s)
}

func storedInGlobal(s string) {
	global = C.CString(s)
}

func appended(s []string) []*C.char {
	var out []*C.char
	for _, x := range s {
		cs := C.CString(x)
		out = append(out, cs)
	}
	return out
}

func freeIt(p *C.char) { C.free(unsafe.Pointer(p)) }

func freedByHelper(s string) {
	cs := C.CString(s)
	C.use(cs)
	freeIt(cs)
}

func ownedByC(s string) {
	cs := C.CString(s)
	C.adopt(cs) // listed in -cstringfree.owners
}

func panics(s string) {
	cs := C.CString(s)
	if len(s) > 100 {
		panic("too long") // a panic path is not a leak worth a report
	}
	C.free(unsafe.Pointer(cs))
}

func inLoopFreed(names []string) {
	for _, n := range names {
		cs := C.CString(n)
		C.use(cs)
		C.free(unsafe.Pointer(cs))
	}
}
