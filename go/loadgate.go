package pdsafe

import (
	"runtime"
	"sync"
)

// Loading a model is one long cgo call, and a goroutine in a cgo call holds
// an OS thread: 12,000 goroutines loading at once would ask the Go runtime
// for 12,000 threads, past its fatal limit of 10,000. The load gate lets a
// bounded number of loads into C at a time; the others wait in Go, where a
// waiting goroutine holds no thread (M23). Loads are also faster this way:
// the library spreads each load over its own threads already.

// loadGate is a counting semaphore whose width can change while goroutines
// wait on it.
type loadGate struct {
	mu      sync.Mutex
	width   int
	inUse   int
	waiting []chan struct{} // FIFO: each waiter's wake-up
}

var gate = &loadGate{width: runtime.NumCPU()}

// SetLoadConcurrency sets how many LoadModel and LoadModelBytes calls may be
// inside the C library at once (n < 1 restores the default, the number of
// CPUs) and returns the previous width. Further calls wait their turn, in
// arrival order, without holding an OS thread. It is safe for concurrent use
// and takes effect at once, also for calls already waiting.
func SetLoadConcurrency(n int) (previous int) {
	if n < 1 {
		n = runtime.NumCPU()
	}
	g := gate
	g.mu.Lock()
	previous, g.width = g.width, n
	g.wakeLocked()
	g.mu.Unlock()
	return previous
}

func (g *loadGate) enter() {
	g.mu.Lock()
	if g.inUse < g.width && len(g.waiting) == 0 {
		g.inUse++
		g.mu.Unlock()
		return
	}
	ch := make(chan struct{})
	g.waiting = append(g.waiting, ch)
	g.mu.Unlock()
	<-ch // the waker counted this call in
}

func (g *loadGate) leave() {
	g.mu.Lock()
	g.inUse--
	g.wakeLocked()
	g.mu.Unlock()
}

// wakeLocked lets waiters in while there is room.
func (g *loadGate) wakeLocked() {
	for g.inUse < g.width && len(g.waiting) > 0 {
		g.inUse++
		close(g.waiting[0])
		g.waiting[0] = nil
		g.waiting = g.waiting[1:]
	}
}

// loadsInC reports how many loads are in C now (for tests).
func (g *loadGate) loadsInC() int {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.inUse
}
