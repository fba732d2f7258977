package pdsafe_test

// Benchmarks; see BENCHMARKS.md for the commands and the figures.

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"

	pdsafe "github.com/pdsafe/pdsafe/go"
	"github.com/pdsafe/pdsafe/go/internal/cbench"
)

// BenchmarkRunOverhead compares one inference of a tiny model (op_dropout:
// three dropout ops on a 1x4x6 input) called from C in a loop (impl=C) with
// the same inference through the Go package. The difference is what the Go
// side costs per run: one cgo crossing, pinning, the lock, the checks.
func BenchmarkRunOverhead(b *testing.B) {
	m := load(b, "op_dropout")
	x := readF32(b, "op_dropout", "case0.in0.npy")
	in := []pdsafe.AnyTensor{x}
	outs := []pdsafe.AnyTensor{pdsafe.NewBuffer[float32](64), pdsafe.NewBuffer[float32](64),
		pdsafe.NewBuffer[float32](64)}
	b.Run("impl=C", func(b *testing.B) {
		p := newPredictor(b, m)
		b.ReportAllocs()
		b.ResetTimer()
		if _, err := cbench.RunLoop(pdsafe.PredictorHandle(p), x.Shape, 3, 64*4, b.N); err != nil {
			b.Fatal(err)
		}
	})
	b.Run("impl=Go-RunInto", func(b *testing.B) {
		p := newPredictor(b, m)
		b.ReportAllocs()
		b.ResetTimer()
		for i := 0; i < b.N; i++ {
			if err := p.RunInto(bg, in, outs); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("impl=Go-RunInto-cancelctx", func(b *testing.B) {
		p := newPredictor(b, m)
		ctx, cancel := context.WithCancel(bg)
		defer cancel()
		b.ReportAllocs()
		b.ResetTimer()
		for i := 0; i < b.N; i++ {
			if err := p.RunInto(ctx, in, outs); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("impl=Go-Run", func(b *testing.B) {
		p := newPredictor(b, m)
		b.ReportAllocs()
		b.ResetTimer()
		for i := 0; i < b.N; i++ {
			if _, err := p.Run(bg, x); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// BenchmarkPoolThroughput runs pplcnet (1x3x64x64) through a pool of 2
// predictors from 1, 2, 8 and 64 goroutines; ns/op is wall time per
// inference, so lower is more throughput.
func BenchmarkPoolThroughput(b *testing.B) {
	m := load(b, "pplcnet")
	x := readF32(b, "pplcnet", "case0.in0.npy")
	for _, g := range []int{1, 2, 8, 64} {
		b.Run(fmt.Sprintf("goroutines=%d", g), func(b *testing.B) {
			pool, err := m.NewPool(2)
			if err != nil {
				b.Fatal(err)
			}
			defer pool.Close()
			var next atomic.Int64
			var wg sync.WaitGroup
			b.ReportAllocs()
			b.ResetTimer()
			for k := 0; k < g; k++ {
				wg.Add(1)
				go func() {
					defer wg.Done()
					out := pdsafe.NewBuffer[float32](10)
					in := []pdsafe.AnyTensor{x}
					outs := []pdsafe.AnyTensor{out}
					for next.Add(1) <= int64(b.N) {
						if err := pool.RunInto(bg, in, outs); err != nil {
							b.Error(err)
							return
						}
					}
				}()
			}
			wg.Wait()
		})
	}
}

// BenchmarkBesideGC runs db_det on a 1x3x320x320 input while another
// goroutine allocates without pause, so that Go's GC workers run beside the
// inference and take CPUs from its OpenMP team, as in a busy Go service.
// Sub-benchmarks: 1 and 2 intra-op threads, with the thread policy fixed and
// adaptive (PDSAFE_THREAD_POLICY, read at load), timed after 30 unmeasured
// runs under the same load (planning, the policy's first probes). Under such load a fixed
// 2-thread team stalls whenever one of its threads is preempted; the
// adaptive policy falls back to one thread while that is faster.
func BenchmarkBesideGC(b *testing.B) {
	const side = 320
	data := make([]float32, 3*side*side)
	for i := range data {
		data[i] = float32(i%255) / 255
	}
	x, err := pdsafe.NewTensor([]int64{1, 3, side, side}, data)
	if err != nil {
		b.Fatal(err)
	}
	for _, c := range []struct {
		policy  string
		threads int
	}{{"fixed", 1}, {"fixed", 2}, {"adaptive", 2}} {
		b.Run(fmt.Sprintf("policy=%s/threads=%d", c.policy, c.threads), func(b *testing.B) {
			b.Setenv("PDSAFE_THREAD_POLICY", c.policy)
			m := load(b, "db_det")
			p := newPredictor(b, m, pdsafe.WithThreads(c.threads))
			stop := make(chan struct{})
			var churned sync.WaitGroup
			churned.Add(1)
			go func() { // garbage, as fast as it can be made
				defer churned.Done()
				var keep [][]byte
				for i := 0; ; i++ {
					select {
					case <-stop:
						return
					default:
					}
					keep = append(keep, make([]byte, 64<<10))
					if len(keep) == 64 {
						keep = keep[:0]
					}
				}
			}()
			// Unmeasured: planning both team sizes, and the adaptive
			// policy's first probes (what a service pays once per shape).
			for i := 0; i < 30; i++ {
				if _, err := p.Run(bg, x); err != nil {
					b.Fatal(err)
				}
			}
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				if _, err := p.Run(bg, x); err != nil {
					b.Fatal(err)
				}
			}
			b.StopTimer()
			close(stop)
			churned.Wait()
		})
	}
}
