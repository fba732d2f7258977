package a

/*
#include <stdlib.h>
typedef struct { float *data; size_t n; } buf;
static buf *buf_new(size_t n) { buf *b = malloc(sizeof *b); b->data = calloc(n, sizeof(float)); b->n = n; return b; }
static void use(void *p) { (void)p; }
*/
import "C"

import "unsafe"

type View struct{ f []float32 }

var cache []float32

// --- true positives ---

func returnsView(b *C.buf) []float32 {
	return unsafe.Slice((*float32)(unsafe.Pointer(b.data)), int(b.n)) // want `unsafe view of C memory is returned`
}

func returnsViewVar(n int) []byte {
	p := C.malloc(C.size_t(n))
	v := unsafe.Slice((*byte)(p), n)
	return v // want `unsafe view of C memory is returned`
}

func storesView(b *C.buf, w *View) {
	w.f = unsafe.Slice((*float32)(b.data), int(b.n)) // want `unsafe view of C memory is stored in w.f`
}

func storesGlobal(b *C.buf) {
	cache = unsafe.Slice((*float32)(b.data), int(b.n)) // want `unsafe view of C memory is stored in cache`
}

func launderedDirect(x []byte) {
	C.use(unsafe.Pointer(uintptr(unsafe.Pointer(&x[0])))) // want `pointer passed to C.use through a uintptr`
}

func launderedVar(x []byte) {
	u := uintptr(unsafe.Pointer(&x[0]))
	C.use(unsafe.Pointer(u)) // want `pointer passed to C.use through a uintptr \(u\)`
}

func launderedOffset(x []int32) {
	C.use(unsafe.Pointer(uintptr(unsafe.Pointer(&x[0])) + 4)) // want `pointer passed to C.use through a uintptr`
}

// --- false positives that must stay quiet ---

func copiesOut(b *C.buf) []float32 {
	out := make([]float32, int(b.n))
	copy(out, unsafe.Slice((*float32)(b.data), int(b.n)))
	return out
}

func localView(b *C.buf) float32 {
	v := unsafe.Slice((*float32)(b.data), int(b.n))
	var s float32
	for _, f := range v {
		s += f
	}
	return s
}

func viewOfGoMemory(x []float32) []byte {
	return unsafe.Slice((*byte)(unsafe.Pointer(&x[0])), 4*len(x))
}

func cArithmetic(b *C.buf) {
	C.use(unsafe.Pointer(uintptr(unsafe.Pointer(b.data)) + 4))
	p := uintptr(unsafe.Pointer(b.data))
	C.use(unsafe.Pointer(p + 8))
}

func direct(x []byte) {
	C.use(unsafe.Pointer(&x[0]))
}

// A *C.T parameter may point into Go memory (a descriptor declared in Go):
// a view of it is as alive as its owner, which the caller knows.
func viewOfParam(d *C.buf, dims *[4]C.int) []C.int {
	return unsafe.Slice(&dims[0], 4)
}
