package pdsafe

/*
#include <pdsafe.h>
*/
import "C"

import (
	"runtime"
	"runtime/metrics"
	"sync"
	"sync/atomic"
)

// The Go GC paces itself on the Go heap alone, and a Model or Predictor is a
// few kilobytes of Go memory in front of megabytes of C memory (weights,
// activation arenas). Dropped without Close, such objects are freed by
// their cleanups only after a collection, so what they hold meanwhile
// depends on how much Go memory the program happens to allocate: measured,
// a loop dropping mobilenetv3 model+predictor pairs (1.9 MiB of C memory
// each) was collected every 60 pairs or so, larger models or a program
// allocating less Go memory go much further. This file makes C memory
// count: where it appears (a load, a new predictor, a run on input shapes
// the predictor has not seen lately), the package compares the library's
// count (pds_memory_held) with what it was after the last collection, and
// starts one when the growth passes a budget.
//
// It uses the library-wide count rather than sizes per object: the count
// is exact (every numeric buffer, including the arena a run grows, which
// no Go call returns), costs one cgo call to read, and needs no bookkeeping
// when objects are closed or cleaned up. What it measures, growth since the
// last collection, is what a collection may give back: memory of closed
// objects is gone from it at once, memory of live objects stays, and only
// dropped objects' memory waits for a collection.

// DefaultCMemoryBudget is the smallest growth of C memory that starts a
// collection, unless SetCMemoryBudget changes it: 64 MiB. Smaller, a
// program loading models of a few MiB in a loop would collect every few
// loads; larger, dropped objects could hold that much more memory. A
// collection of a Go heap of a few MiB takes a fraction of a millisecond,
// little next to loading 64 MiB of weights.
const DefaultCMemoryBudget = 64 << 20

var cmem struct {
	mu      sync.Mutex
	min     int64  // the budget's floor; <= 0: C memory starts no collection
	base    uint64 // least C memory seen since the last collection
	cycles  uint64 // GC cycles completed when base was last reset
	samples [2]metrics.Sample
	running atomic.Bool   // a collection started here is in progress
	started atomic.Uint64 // collections started here (for tests)
	checks  atomic.Uint64 // checkCMemory calls (for tests)
}

func init() {
	cmem.min = DefaultCMemoryBudget
	cmem.samples[0].Name = "/gc/heap/goal:bytes"
	cmem.samples[1].Name = "/gc/cycles/total:gc-cycles"
}

// CMemoryHeld returns the bytes the C library holds now in its numeric
// buffers (weights, packed weights, activation arenas, scratch) for every
// model and predictor of the process not yet closed, including dropped ones
// whose cleanups have not run yet (pds_memory_held). Safe for concurrent
// use.
func CMemoryHeld() uint64 { return uint64(C.pds_memory_held()) }

// SetCMemoryBudget sets the floor of the C memory budget and returns the
// previous floor. Safe for concurrent use.
//
// When the C memory of the process (CMemoryHeld) has grown since the last
// garbage collection by more than the budget, the package starts a
// collection in the background, so that the cleanups of Models, Predictors
// and Pools dropped without Close run and free their C memory. The budget is
// the larger of min and the Go heap goal (runtime/metrics
// "/gc/heap/goal:bytes", how large the Go GC lets the Go heap grow before it
// collects): C memory may grow between collections by as much as the whole
// Go heap may reach, and at least by min. The default floor is
// DefaultCMemoryBudget (64 MiB). min <= 0 turns this off: collections then
// happen only when the Go heap asks for them. With GOGC=off and no memory
// limit the heap goal, and so the budget, is unbounded: C memory then starts
// no collection either.
//
// The growth is checked when C memory appears: at LoadModel and
// LoadModelBytes, NewPredictor and NewPool, and after a run whose input
// shapes differ from those of the predictor's last eight distinct shapes (a
// run on shapes the predictor has run before does not grow its C memory,
// and the check costs one cgo call, so steady runs do not make it). At most
// one such collection is in progress at a time; it runs on a goroutine of
// its own, never on the caller's (nor, so, on a cleanup's).
//
// Close remains the way to free an object: this bounds what dropped objects
// hold, it does not free them at once.
func SetCMemoryBudget(min int64) (previous int64) {
	cmem.mu.Lock()
	defer cmem.mu.Unlock()
	previous, cmem.min = cmem.min, min
	return previous
}

// checkCMemory starts a collection if C memory has grown past the budget
// since the last one. Called where C memory appears. It never waits for the
// collection, so it is safe anywhere, in a cleanup too.
func checkCMemory() {
	cmem.checks.Add(1)
	held := CMemoryHeld()
	cmem.mu.Lock()
	defer cmem.mu.Unlock()
	if cmem.min <= 0 {
		return
	}
	metrics.Read(cmem.samples[:])
	goal, cycles := cmem.samples[0].Value.Uint64(), cmem.samples[1].Value.Uint64()
	if cycles != cmem.cycles {
		// A collection has finished since the last check (ours or the Go
		// heap's): growth counts from here, or from lower once its cleanups
		// have freed what it found.
		cmem.cycles, cmem.base = cycles, held
	}
	cmem.base = min(cmem.base, held)
	budget := max(uint64(cmem.min), goal)
	if held-cmem.base <= budget || !cmem.running.CompareAndSwap(false, true) {
		return
	}
	cmem.started.Add(1)
	// runtime.GC blocks its caller until the collection has finished: a
	// load or a run must not wait for that, and a cleanup that loads a
	// model would hold up the very cleanups the collection queues.
	go func() {
		defer cmem.running.Store(false)
		runtime.GC()
	}()
}

// shapeMemo remembers the input shape signatures of a predictor's last runs
// (PDSI_PLAN_CACHE of them, as the library keeps plans), so that only a run
// on other shapes, the only kind that can grow the predictor's C memory,
// pays for a checkCMemory.
type shapeMemo struct {
	mu   sync.Mutex
	sigs [32][]int64 // each: rank, dims..., for every input in turn
	next int         // the slot to overwrite next
}

// seen reports whether in matches a remembered signature, and remembers it
// if not. It allocates only for a signature it has not seen.
func (m *shapeMemo) seen(in []C.pds_tensor) bool {
	m.mu.Lock()
	defer m.mu.Unlock()
	for _, sig := range m.sigs {
		if sig != nil && sameSignature(sig, in) {
			return true
		}
	}
	var sig []int64
	for i := range in {
		r := int(in[i].rank)
		if r < 0 || r > MaxRank {
			r = 0
		}
		sig = append(sig, int64(r))
		for k := 0; k < r; k++ {
			sig = append(sig, int64(in[i].dims[k]))
		}
	}
	m.sigs[m.next] = sig
	m.next = (m.next + 1) % len(m.sigs)
	return false
}

func sameSignature(sig []int64, in []C.pds_tensor) bool {
	j := 0
	for i := range in {
		r := int(in[i].rank)
		if r < 0 || r > MaxRank {
			r = 0
		}
		if j >= len(sig) || sig[j] != int64(r) || j+1+r > len(sig) {
			return false
		}
		j++
		for k := 0; k < r; k++ {
			if sig[j] != int64(in[i].dims[k]) {
				return false
			}
			j++
		}
	}
	return j == len(sig)
}
