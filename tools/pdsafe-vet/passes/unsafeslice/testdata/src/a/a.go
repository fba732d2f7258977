package a

/*
#include <stdlib.h>
typedef struct { float *data; size_t n; } buf;
static buf *buf_new(size_t n) { buf *b = malloc(sizeof *b); b->data = calloc(n, sizeof(float)); b->n = n; return b; }
static void use(void *p) { (void)p; }
#include <stdint.h>
static void use_addr(uintptr_t a) { (void)a; }
static void zero(void *p, size_t n) { (void)p; (void)n; }
typedef struct opaque opaque; // declared, never defined
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

// The array-pointer idiom older than unsafe.Slice, through a local.
func returnsArrayView(b *C.buf) any {
	var out any
	p := unsafe.Pointer(C.buf_new(4))
	out = (*[1 << 27]float32)(p)[:4:4]
	return out // want `unsafe view of C memory is returned`
}

func storesArrayView(b *C.buf, w *View) {
	w.f = (*[1 << 27]float32)(unsafe.Pointer(b.data))[:int(b.n):int(b.n)] // want `unsafe view of C memory is stored in w.f`
}

// A Go address handed to C as an integer.
func goAddressAsInteger(x []byte) {
	C.use_addr(C.uintptr_t(uintptr(unsafe.Pointer(&x[0])))) // want `pointer passed to C.use_addr through a uintptr`
}

// A helper whose result is Go memory.
func goBox() unsafe.Pointer { return unsafe.Pointer(new(int64)) }

func passAddr(p unsafe.Pointer) {
	C.use_addr(C.uintptr_t(uintptr(p))) // want `pointer passed to C.use_addr through a uintptr \(uintptr\(p\)\)`
}

func callsPassAddrGo() { passAddr(goBox()) }

// A pointer to a complete C struct taken as a parameter may point into Go
// memory (a C struct declared in Go): laundering it is reported.
func completeCParam(b *C.buf) {
	C.use_addr(C.uintptr_t(uintptr(unsafe.Pointer(b)))) // want `pointer passed to C.use_addr through a uintptr`
}

// --- false positives that must stay quiet ---

// A pointer to an incomplete C type (the handle of a C library's object)
// taken as a parameter: Go cannot allocate such a type, so it is C memory
// and an integer of it hides nothing from the GC, whoever the caller.
func OpaqueParam(o *C.opaque) {
	C.use_addr(C.uintptr_t(uintptr(unsafe.Pointer(o))))
}

// A uintptr that is a size, not an address, converted to C.size_t.
type buffer[T ~float32 | ~int64] struct {
	data []T
	size uintptr
}

func newBuffer[T ~float32 | ~int64](n int) *buffer[T] {
	var zero T
	return &buffer[T]{data: make([]T, n), size: unsafe.Sizeof(zero) * uintptr(n)}
}

func (b *buffer[T]) clear() {
	C.zero(unsafe.Pointer(&b.data[0]), C.size_t(b.size))
	bytes := uintptr(len(b.data)) * unsafe.Sizeof(b.data[0])
	C.zero(unsafe.Pointer(&b.data[0]), C.size_t(bytes))
}

// A token from C.malloc, handed to C as an integer through an unexported
// helper: C memory, whatever the route.
func newToken() unsafe.Pointer {
	var p unsafe.Pointer = C.malloc(1)
	return p
}

func register(tok unsafe.Pointer) {
	C.use_addr(C.uintptr_t(uintptr(tok)))
}

func registerAll() {
	register(newToken())
	register(C.malloc(2))
}

func copiesOut(b *C.buf) []float32 {
	out := make([]float32, int(b.n))
	copy(out, unsafe.Slice((*float32)(b.data), int(b.n)))
	return out
}

func localArrayView(b *C.buf) []float32 {
	v := (*[1 << 27]float32)(unsafe.Pointer(b.data))[:int(b.n):int(b.n)]
	out := make([]float32, len(v))
	copy(out, v)
	return out
}

func arrayViewOfGoMemory(x []float32) []float32 {
	return (*[1 << 27]float32)(unsafe.Pointer(&x[0]))[:len(x):len(x)]
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
