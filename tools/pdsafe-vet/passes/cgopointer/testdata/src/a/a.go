package a

/*
#include <stdlib.h>
typedef struct { void *p; int n; } box;
static void *kept;
static void keep(void *p) { kept = p; }
static void use(void *p) { (void)p; }
typedef struct item item;
static int list_items(item ***out, size_t *n) { *out = NULL; *n = 0; return 0; }
static int get_name(char **out) { *out = NULL; return 0; }
*/
import "C"

import (
	"runtime"
	"unsafe"
)

type node struct {
	next *node
	v    int
}

type flat struct{ a, b int32 }

// --- true positives ---

func storeGoPointerInC(b *C.box, x []int32) {
	b.p = unsafe.Pointer(&x[0]) // want `Go pointer stored into C memory \(b.p\)`
}

func storeIntoMalloced(x *flat) {
	b := (*C.box)(C.malloc(C.sizeof_box))
	b.p = unsafe.Pointer(x) // want `Go pointer stored into C memory \(b.p\)`
	C.use(unsafe.Pointer(b))
	C.free(unsafe.Pointer(b))
}

func storeThroughCPointer(x []byte) {
	slot := (*unsafe.Pointer)(C.malloc(8))
	*slot = unsafe.Pointer(&x[0]) // want `Go pointer stored into C memory`
	C.free(unsafe.Pointer(slot))
}

func retained(x []byte) {
	C.keep(unsafe.Pointer(&x[0])) // want `Go pointer passed to C.keep, which keeps it`
}

func pointersInside(nodes []*node) {
	C.use(unsafe.Pointer(&nodes[0])) // want `Go memory holding Go pointers \(\*a.node\) passed to C.use`
}

func stringsInside(s []string) {
	C.use(unsafe.Pointer(unsafe.SliceData(s))) // want `Go memory holding Go pointers \(string\) passed to C.use`
}

func structWithPointer(n *node) {
	C.use(unsafe.Pointer(n)) // want `Go memory holding Go pointers \(a.node\) passed to C.use`
}

// A variable of a C pointer type that the function points at Go memory:
// the type says C, the value is a Go address.
func cTypedButGo(n int) {
	slots := make([]*C.char, n)
	first := &slots[0]
	C.get_name((**C.char)(unsafe.Pointer(&first))) // want `Go memory holding Go pointers \(\*\*a._Ctype_char\) passed to C.get_name`
}

// A type parameter whose constraint allows pointers.
func genericAny[T any](s []T) {
	C.use(unsafe.Pointer(&s[0])) // want `Go memory holding Go pointers \(T\) passed to C.use`
}

func genericMixed[T ~int32 | ~string](s []T) {
	C.use(unsafe.Pointer(&s[0])) // want `Go memory holding Go pointers \(T\) passed to C.use`
}

// --- false positives that must stay quiet ---

// Out-parameters of C pointer types: nil at the call, C writes its own
// pointer into them.
func outParams() (int, string) {
	var items **C.item
	var n C.size_t
	C.list_items((***C.item)(unsafe.Pointer(&items)), &n)
	var name *C.char
	C.get_name(&name)
	var names **C.char
	C.get_name((**C.char)(unsafe.Pointer(&names)))
	return int(n), C.GoString(name)
}

type number interface{ ~int32 | ~float32 | ~uint8 }

type tensor[T number] struct{ data []T }

// A type parameter whose type set holds only numbers.
func (t *tensor[T]) zero() {
	C.use(unsafe.Pointer(&t.data[0]))
}

func genericInline[T ~float32 | ~float64](s []T) {
	C.use(unsafe.Pointer(&s[0]))
}

func genericNested[T interface {
	number
	comparable
}](s []T) {
	C.use(unsafe.Pointer(&s[0]))
}

func flatData(x []float32, f *flat) {
	C.use(unsafe.Pointer(&x[0]))
	C.use(unsafe.Pointer(f))
}

func cMemoryIntoC(b *C.box) {
	b.p = C.malloc(16)
	b.n = 4
}

func pinnedStore(b *C.box, x []int32) {
	var p runtime.Pinner
	p.Pin(&x[0])
	b.p = unsafe.Pointer(&x[0])
	C.use(unsafe.Pointer(b))
	b.p = nil
	p.Unpin()
}

func pinnedRetained(x []byte) (unpin func()) {
	var p runtime.Pinner
	p.Pin(&x[0])
	C.keep(unsafe.Pointer(&x[0]))
	return p.Unpin
}

func pinnedInner(nodes []*node) {
	var p runtime.Pinner
	defer p.Unpin()
	for _, n := range nodes {
		p.Pin(n)
	}
	C.use(unsafe.Pointer(&nodes[0]))
}

func goStructOfCType(x []int32) {
	var b C.box // Go memory of a C type, used only during the call
	b.n = C.int(len(x))
	C.use(unsafe.Pointer(&b))
}

func cArrayOfPointers(n int) {
	arr := (*[1 << 20]unsafe.Pointer)(C.malloc(C.size_t(n * 8)))
	arr[0] = C.malloc(1)
	C.free(arr[0])
	C.free(unsafe.Pointer(arr))
}

type holder struct{ opts C.box }

func valueIntoGoHeldCStruct(s *holder) {
	o := &s.opts
	*o = C.box{n: 1} // a value, no pointer stored
}
