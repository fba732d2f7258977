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
