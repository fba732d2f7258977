package pdsafe_test

import (
	"runtime"
	"sync"
	"sync/atomic"
	"testing"

	pdsafe "github.com/pdsafe/pdsafe/go"
)

// M23: a burst of goroutines loading models at once (12,000; fewer under
// -race, whose detector allows 8128 live goroutines) does not become a burst
// of OS threads: the load gate lets SetLoadConcurrency's width of loads into
// C and the rest wait in Go. Every load succeeds and nothing stays alive.
func TestM23_LoadBurstBoundsThreads(t *testing.T) {
	n := 12000
	if raceEnabled {
		n = 6000
	}
	if testing.Short() {
		n /= 4
	}
	base := baseline(t)
	model, params := fixtureBytes(t, "op_dropout")
	const width = 2
	prev := pdsafe.SetLoadConcurrency(width)
	defer pdsafe.SetLoadConcurrency(prev)

	threads0 := threads(t)
	var peakThreads, peakInC atomic.Int64
	stop := make(chan struct{})
	var sampler sync.WaitGroup
	sampler.Add(1)
	go func() { // samples between loads: the bound holds at every moment
		defer sampler.Done()
		for {
			select {
			case <-stop:
				return
			default:
			}
			if th := int64(threads(t)); th > peakThreads.Load() {
				peakThreads.Store(th)
			}
			if c := int64(pdsafe.LoadsInC()); c > peakInC.Load() {
				peakInC.Store(c)
			}
			runtime.Gosched()
		}
	}()
	var wg sync.WaitGroup
	var failed atomic.Int64
	start := make(chan struct{})
	for i := 0; i < n; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			m, err := pdsafe.LoadModelBytes(model, params)
			if err != nil {
				if failed.Add(1) == 1 {
					t.Errorf("LoadModelBytes: %v", err)
				}
				return
			}
			if err := m.Close(); err != nil {
				t.Errorf("Close: %v", err)
			}
		}()
	}
	close(start)
	wg.Wait()
	close(stop)
	sampler.Wait()
	if failed.Load() != 0 {
		t.Fatalf("%d of %d loads failed", failed.Load(), n)
	}
	if peakInC.Load() > width {
		t.Errorf("%d loads were in C at once, the gate's width is %d", peakInC.Load(), width)
	}
	// The process's threads: those before the burst, the Go runtime's own
	// (GOMAXPROCS running goroutines, GC workers, threads that replace ones
	// blocked in system calls such as the sampler's reads, sysmon), the loads
	// in C and the library's executor threads: tens, measured 30-54 here.
	// Without the gate this burst reached thousands; the bound only has to
	// tell the two apart, not count the runtime's threads.
	bound := int64(threads0 + 4*runtime.GOMAXPROCS(0) + width + 120)
	t.Logf("%d concurrent loads: peak %d OS threads (%d before), peak %d loads in C",
		n, peakThreads.Load(), threads0, peakInC.Load())
	if peakThreads.Load() > bound {
		t.Errorf("peak %d OS threads, want at most %d", peakThreads.Load(), bound)
	}
	settle(t, base)
}

// SetLoadConcurrency returns the previous width, and n < 1 restores the
// default (the number of CPUs).
func TestSetLoadConcurrency(t *testing.T) {
	prev := pdsafe.SetLoadConcurrency(3)
	defer pdsafe.SetLoadConcurrency(prev)
	if got := pdsafe.SetLoadConcurrency(0); got != 3 {
		t.Errorf("SetLoadConcurrency returned %d, want 3", got)
	}
	if got := pdsafe.SetLoadConcurrency(5); got != runtime.NumCPU() {
		t.Errorf("after SetLoadConcurrency(0) the width is %d, want NumCPU %d", got, runtime.NumCPU())
	}
}
