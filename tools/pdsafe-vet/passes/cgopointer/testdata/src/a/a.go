package a

/*
#include <stdlib.h>
typedef struct { void *p; int n; } box;
static void *kept;
static void keep(void *p) { kept = p; }
static void use(void *p) { (void)p; }
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

// --- false positives that must stay quiet ---

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
