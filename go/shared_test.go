package pdsafe_test

import (
	"errors"
	"fmt"
	"os"
	"runtime"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"

	pdsafe "github.com/pdsafe/pdsafe/go"
)

// M6: one Predictor shared by many goroutines, no Pool and no WithSerialize,
// each goroutine with its own input shape and values, while another
// goroutine forces garbage collections without pause. Every Run either fails
// with ErrBusy or returns exactly the caller's own result: output shapes
// change from call to call, so Run keeps taking the path where it fetches the
// kept result by run id after sizing its buffers, the path on which another
// caller's result could once come back.
//
// Bounded in CI (20000 successful runs, 3000 with -short); set
// PDSAFE_HAMMER_RUNS for a long run.
func TestM6_SharedPredictorNeverMixesResults(t *testing.T) {
	runs := 20000
	if testing.Short() {
		runs = 3000
	}
	if s := os.Getenv("PDSAFE_HAMMER_RUNS"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 {
			t.Fatalf("PDSAFE_HAMMER_RUNS=%q: expected a positive number of runs", s)
		}
		runs = n
	}
	const goroutines = 16
	m := load(t, "op_dropout") // x float32[-1 4 6] -> three outputs of x's shape
	p := newPredictor(t, m)

	// Each goroutine's input (batch 1 to 3, values unique to it) and the
	// outputs a private predictor computes for it.
	type job struct {
		in   *pdsafe.Tensor[float32]
		want [][]float32
	}
	jobs := make([]job, goroutines)
	ref := newPredictor(t, m)
	for g := range jobs {
		batch := int64(1 + g%3)
		in, err := pdsafe.NewZeroTensor[float32](batch, 4, 6)
		mustOK(t, "NewZeroTensor", err)
		for i := range in.Data {
			in.Data[i] = float32(1000*(g+1) + i)
		}
		res, err := ref.Run(bg, in)
		mustOK(t, "reference run", err)
		jobs[g].in = in
		for k := 0; k < res.Len(); k++ {
			o, err := pdsafe.OutputAt[float32](res, k)
			mustOK(t, "OutputAt", err)
			jobs[g].want = append(jobs[g].want, o.Data)
		}
	}

	var done, busy, mixed atomic.Int64
	stop := make(chan struct{})
	var gc sync.WaitGroup
	gc.Add(1)
	go func() { defer gc.Done(); gcStorm(stop) }()
	var wg sync.WaitGroup
	var firstMix atomic.Pointer[string]
	for g := range jobs {
		wg.Add(1)
		go func(g int) {
			defer wg.Done()
			j := jobs[g]
			for done.Load() < int64(runs) && mixed.Load() == 0 {
				res, err := p.Run(bg, j.in)
				if errors.Is(err, pdsafe.ErrBusy) {
					busy.Add(1)
					runtime.Gosched()
					continue
				}
				if err != nil {
					msg := fmt.Sprintf("goroutine %d: %v", g, err)
					firstMix.CompareAndSwap(nil, &msg)
					mixed.Add(1)
					return
				}
				if why := sameResult(res, j.in.Shape, j.want); why != "" {
					msg := fmt.Sprintf("goroutine %d (input shape %v, first value %v): %s", g,
						j.in.Shape, j.in.Data[0], why)
					firstMix.CompareAndSwap(nil, &msg)
					mixed.Add(1)
					return
				}
				done.Add(1)
			}
		}(g)
	}
	wg.Wait()
	close(stop)
	gc.Wait()
	if msg := firstMix.Load(); msg != nil {
		t.Fatalf("a Run returned something other than its own result (%d mix-ups): %s",
			mixed.Load(), *msg)
	}
	t.Logf("%d runs from %d goroutines on one predictor under a GC storm, %d refused as busy, 0 mix-ups",
		done.Load(), goroutines, busy.Load())
}

// sameResult says how res differs from the outputs wanted for an input of
// shape, or "" if it does not.
func sameResult(res *pdsafe.Result, shape []int64, want [][]float32) string {
	if res.Len() != len(want) {
		return fmt.Sprintf("%d outputs, want %d", res.Len(), len(want))
	}
	for k := range want {
		o, err := pdsafe.OutputAt[float32](res, k)
		if err != nil {
			return err.Error()
		}
		if fmt.Sprint(o.Shape) != fmt.Sprint(shape) || len(o.Data) != len(want[k]) {
			return fmt.Sprintf("output %d has shape %v, want %v", k, o.Shape, shape)
		}
		for i := range want[k] {
			if o.Data[i] != want[k][i] {
				return fmt.Sprintf("output %d element %d is %v, want %v", k, i, o.Data[i], want[k][i])
			}
		}
	}
	return ""
}
