package pdsafe_test

// The root-cause table of docs/DESIGN.md (M1-M24), provoked for real from Go.
// Each test names its row; each asserts the exact error (code, sentinel and
// message) or the exact behaviour. Further cgo pitfalls follow at the end
// (TestPitfall*).

import (
	"context"
	"debug/elf"
	"errors"
	"fmt"
	"math/rand"
	"os"
	"os/signal"
	"reflect"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	pdsafe "github.com/pdsafe/pdsafe/go"
)

var bg = context.Background()

// runRetryBusy runs, retrying while a probe holds the predictor for a moment.
func runRetryBusy(ctx context.Context, p *pdsafe.Predictor, in pdsafe.AnyTensor) (*pdsafe.Result, error) {
	for {
		res, err := p.Run(ctx, in)
		if !errors.Is(err, pdsafe.ErrBusy) {
			return res, err
		}
		runtime.Gosched()
	}
}

type runOutcome struct {
	res *pdsafe.Result
	err error
}

// startBig starts a long run on p in the background.
func startBig(ctx context.Context, p *pdsafe.Predictor, in pdsafe.AnyTensor) (<-chan runOutcome, <-chan struct{}) {
	out := make(chan runOutcome, 1)
	finished := make(chan struct{})
	go func() {
		res, err := runRetryBusy(ctx, p, in)
		close(finished)
		out <- runOutcome{res, err}
	}()
	return out, finished
}

// M1: calls after Close return ErrClosed and never reach C; in guard mode the
// message says where the object was closed. The C handle itself is stale.
func TestM1_UseAfterClose(t *testing.T) {
	m := load(t, "pplcnet", pdsafe.WithGuard(func(pdsafe.LeakReport) {}))
	p, err := m.NewPredictor()
	mustOK(t, "NewPredictor", err)
	h := pdsafe.PredictorHandle(p)
	x := readF32(t, "pplcnet", "case0.in0.npy")
	mustOK(t, "Close", p.Close())
	_, err = p.Run(bg, x)
	wantCode(t, "Run after Close", err, pdsafe.ErrClosed, "Predictor.Run: the predictor is closed",
		"it was closed at", "TestM1_UseAfterClose")
	err = p.RunInto(bg, []pdsafe.AnyTensor{x}, []pdsafe.AnyTensor{pdsafe.NewBuffer[float32](10)})
	wantCode(t, "RunInto after Close", err, pdsafe.ErrClosed, "Predictor.RunInto")
	err = p.Fetch([]pdsafe.AnyTensor{pdsafe.NewBuffer[float32](10)})
	wantCode(t, "Fetch after Close", err, pdsafe.ErrClosed, "Predictor.Fetch")
	// What Go refuses, C would have reported as stale.
	_, err = pdsafe.ForgePredictor(m, h).Run(bg, x)
	wantCode(t, "the C handle after Close", err, pdsafe.ErrStaleHandle, "is stale")
	mustOK(t, "Model.Close", m.Close())
	_, err = m.NewPredictor()
	wantCode(t, "NewPredictor after Model.Close", err, pdsafe.ErrClosed, "Model.NewPredictor: the model is closed")
	_, err = m.NewPool(2)
	wantCode(t, "NewPool after Model.Close", err, pdsafe.ErrClosed, "the model is closed")
	// Without guard mode the message says how to find out more.
	m2 := load(t, "op_dropout")
	mustOK(t, "Close", m2.Close())
	_, err = m2.NewPredictor()
	wantCode(t, "NewPredictor after Close, no guard", err, pdsafe.ErrClosed, "WithGuard")
}

// M2: Close twice (or from many goroutines at once) returns nil and does
// nothing; destroying a C handle twice is reported by C as stale.
func TestM2_DoubleClose(t *testing.T) {
	base := baseline(t)
	m := load(t, "pplcnet")
	p := newPredictor(t, m)
	h := pdsafe.PredictorHandle(p)
	pool, err := m.NewPool(2)
	mustOK(t, "NewPool", err)
	var wg sync.WaitGroup
	errs := make(chan error, 30)
	for i := 0; i < 10; i++ {
		wg.Add(3)
		go func() { defer wg.Done(); errs <- p.Close() }()
		go func() { defer wg.Done(); errs <- pool.Close() }()
		go func() { defer wg.Done(); errs <- m.Close() }()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		mustOK(t, "concurrent Close", err)
	}
	mustOK(t, "Close again", p.Close())
	mustOK(t, "Close again", m.Close())
	mustOK(t, "Close again", pool.Close())
	settle(t, base)
	err = pdsafe.ForgePredictor(m, h).Close()
	wantCode(t, "C destroy of a destroyed handle", err, pdsafe.ErrStaleHandle, "pds_predictor_destroy")
}

// M3: a Result is Go memory: it survives its predictor, pool and model being
// closed and the GC running.
func TestM3_ResultOutlivesPredictor(t *testing.T) {
	m := load(t, "pplcnet")
	p := newPredictor(t, m)
	pool, err := m.NewPool(1)
	mustOK(t, "NewPool", err)
	x := readF32(t, "pplcnet", "case0.in0.npy")
	res, err := p.Run(bg, x)
	mustOK(t, "Run", err)
	res2, err := pool.Run(bg, x)
	mustOK(t, "Pool.Run", err)
	out, _ := pdsafe.OutputAt[float32](res, 0)
	mustOK(t, "Close", p.Close())
	mustOK(t, "Close", pool.Close())
	mustOK(t, "Close", m.Close())
	for i := 0; i < 3; i++ {
		runtime.GC()
		garbage := make([]float32, 1<<16)
		for j := range garbage {
			garbage[j] = -1
		}
	}
	checkCase(t, "pplcnet", 0, res)
	checkCase(t, "pplcnet", 0, res2)
	compare(t, "tensor taken before Close", out, readNPY(t, "pplcnet", "case0.out0.npy"), 1e-4, 1e-3)
}

// M4: zero, garbage and forged handles reach C (through the test hook) and
// come back as ErrInvalidHandle, never a crash.
func TestM4_ForgedHandles(t *testing.T) {
	m := load(t, "pplcnet")
	x := readF32(t, "pplcnet", "case0.in0.npy")
	_, err := pdsafe.ForgePredictor(m, 0).Run(bg, x)
	wantCode(t, "zero handle", err, pdsafe.ErrInvalidHandle, "handle is 0 (no object)")
	_, err = pdsafe.ForgePredictor(m, 0xdeadbeefcafebabe).Run(bg, x)
	wantCode(t, "garbage handle", err, pdsafe.ErrInvalidHandle, "not a handle this library issued")
	mh := pdsafe.ModelHandle(m)
	_, err = pdsafe.ForgeModel(m, mh+1<<24).NewPredictor()
	wantCode(t, "generation never issued", err, pdsafe.ErrInvalidHandle, "not a handle this library issued")
	_, err = pdsafe.ForgeModel(m, mh&^(0xff<<56)|0x7f<<56).NewPredictor()
	wantCode(t, "kind tag altered", err, pdsafe.ErrInvalidHandle)
	rng := rand.New(rand.NewSource(1))
	for i := 0; i < 5000; i++ {
		h := rng.Uint64()
		if i%3 == 0 {
			h &= 0xffffffff // small values hit real slots more often
		}
		_, err := pdsafe.ForgePredictor(m, h).Run(bg, x)
		if !errors.Is(err, pdsafe.ErrInvalidHandle) && !errors.Is(err, pdsafe.ErrStaleHandle) &&
			!errors.Is(err, pdsafe.ErrWrongHandleKind) {
			t.Fatalf("random handle %#x: %v, want a handle error", h, err)
		}
	}
	// The real objects were not harmed.
	p := newPredictor(t, m)
	res, err := p.Run(bg, x)
	mustOK(t, "Run after forged handles", err)
	checkCase(t, "pplcnet", 0, res)
}

// M5: a handle of the wrong kind (a model's handle used as a predictor's and
// the reverse) is ErrWrongHandleKind, and neither object is harmed.
func TestM5_WrongKind(t *testing.T) {
	m := load(t, "pplcnet")
	p := newPredictor(t, m)
	x := readF32(t, "pplcnet", "case0.in0.npy")
	fake := pdsafe.ForgePredictor(m, pdsafe.ModelHandle(m))
	_, err := fake.Run(bg, x)
	wantCode(t, "model handle as predictor", err, pdsafe.ErrWrongHandleKind,
		"is a model handle, expected a predictor handle")
	wantCode(t, "Close of a model handle as predictor", fake.Close(), pdsafe.ErrWrongHandleKind)
	_, err = pdsafe.ForgeModel(m, pdsafe.PredictorHandle(p)).NewPredictor()
	wantCode(t, "predictor handle as model", err, pdsafe.ErrWrongHandleKind,
		"is a predictor handle, expected a model handle")
	res, err := p.Run(bg, x)
	mustOK(t, "Run after the confusion", err)
	checkCase(t, "pplcnet", 0, res)
	q := newPredictor(t, m) // the model still works
	_, err = q.Run(bg, x)
	mustOK(t, "Run on a new predictor", err)
}

// M6: two goroutines on one predictor: while one run is in C (held at a
// checkpoint), a second run and a fetch get ErrBusy from the C library's
// busy detection; the predictor then works normally. -race is clean.
func TestM6_ConcurrentRunIsBusy(t *testing.T) {
	b := newBigRun(t)
	p := newPredictor(t, b.model)
	h := startHeld(t, p, b.input, 1)
	second := &pdsafe.Tensor[float32]{Shape: b.input.Shape, Data: b.input.Data}
	_, err := p.Run(bg, second)
	wantCode(t, "second run", err, pdsafe.ErrBusy, "Predictor.Run", "pds_predictor_run",
		"already running on another thread")
	buf := pdsafe.NewBuffer[float32](int(b.input.Shape[2] * b.input.Shape[3]))
	err = p.Fetch([]pdsafe.AnyTensor{buf})
	wantCode(t, "fetch during a run", err, pdsafe.ErrBusy, "Predictor.Fetch", "pds_predictor_fetch")
	wantCode(t, "the held run", h.release().err, pdsafe.ErrCanceled, "(checkpoint 1)")
	res, err := p.Run(bg, readF32(t, "db_det", "case1.in0.npy"))
	mustOK(t, "Run afterwards", err)
	checkCase(t, "db_det", 1, res)
}

// M7: Close during a run waits for the run to leave C, then returns nil.
// (Had Close not waited, the library would have refused the destroy with
// PDS_ERR_BUSY: the in-call count is the oracle.)
func TestM7_CloseWaitsForRun(t *testing.T) {
	base := baseline(t)
	b := newBigRun(t)
	p, err := b.model.NewPredictor()
	mustOK(t, "NewPredictor", err)
	h := startHeld(t, p, b.input, 1)
	closed := make(chan error, 1)
	go func() { closed <- p.Close() }()
	select {
	case err := <-closed:
		t.Fatalf("Close returned while a run was in C: %v", err)
	default:
	}
	wantCode(t, "the run Close waited for", h.release().err, pdsafe.ErrCanceled)
	mustOK(t, "Close during the run", <-closed)
	_, err = p.Run(bg, b.input)
	wantCode(t, "Run after Close", err, pdsafe.ErrClosed)
	// The model can also be closed under a running predictor (M14).
	q, err := b.model.NewPredictor()
	mustOK(t, "NewPredictor", err)
	h = startHeld(t, q, b.input, 1)
	mustOK(t, "Model.Close during a run", b.model.Close())
	wantCode(t, "the held run", h.release().err, pdsafe.ErrCanceled)
	res, err := q.Run(bg, readF32(t, "db_det", "case1.in0.npy"))
	mustOK(t, "run after Model.Close", err)
	checkCase(t, "db_det", 1, res)
	mustOK(t, "Close", q.Close())
	settle(t, base)
}

// M8: input Data shorter than Shape needs: ErrBufferSize from C, before
// anything is read; also empty and nil inputs and the wrong count.
func TestM8_ShortInput(t *testing.T) {
	m := load(t, "pplcnet")
	p := newPredictor(t, m)
	x := readF32(t, "pplcnet", "case0.in0.npy")
	short := &pdsafe.Tensor[float32]{Shape: x.Shape, Data: x.Data[:len(x.Data)-1]}
	_, err := p.Run(bg, short)
	wantCode(t, "short input", err, pdsafe.ErrBufferSize, "input 0 ('x')", "buffer has 49148 bytes",
		"needs 49152")
	_, err = p.Run(bg, &pdsafe.Tensor[float32]{Shape: x.Shape})
	wantCode(t, "nil Data", err, pdsafe.ErrBufferSize, "buffer has 0 bytes")
	_, err = p.Run(bg, &pdsafe.Tensor[float32]{Shape: x.Shape, Data: []float32{}})
	wantCode(t, "empty Data", err, pdsafe.ErrBufferSize, "buffer has 0 bytes")
	_, err = p.Run(bg, x, x)
	wantCode(t, "two inputs", err, pdsafe.ErrInvalidArgument, "got 2 inputs, the model has 1 ('x' float32[-1 3 64 64])")
	_, err = p.Run(bg)
	wantCode(t, "no input", err, pdsafe.ErrInvalidArgument, "got 0 inputs")
	_, err = p.Run(bg, nil)
	wantCode(t, "nil input", err, pdsafe.ErrInvalidArgument, "input 0 ('x') is nil")
	var nilTensor *pdsafe.Tensor[float32]
	_, err = p.Run(bg, nilTensor)
	wantCode(t, "nil *Tensor", err, pdsafe.ErrInvalidArgument, "input 0 ('x') is nil")
	res, err := p.Run(bg, x)
	mustOK(t, "Run after the failures", err)
	checkCase(t, "pplcnet", 0, res)
}

// M9: RunInto with a short output buffer: ErrBufferSize naming the needed
// shape, nothing written, Shape set to what is needed; Fetch then copies the
// kept result into a bigger buffer without running again.
func TestM9_SmallOutputThenFetch(t *testing.T) {
	m := load(t, "pplcnet")
	p := newPredictor(t, m)
	x := readF32(t, "pplcnet", "case1.in0.npy") // batch 2: needs [2 10]
	small := &pdsafe.Tensor[float32]{Data: make([]float32, 0, 19)}
	canary := small.Data[:19]
	for i := range canary {
		canary[i] = -7
	}
	err := p.RunInto(bg, []pdsafe.AnyTensor{x}, []pdsafe.AnyTensor{small})
	wantCode(t, "small output", err, pdsafe.ErrBufferSize, "output 0", "needs 80 bytes (float32 [2,10])",
		"the buffer has 76", "pds_predictor_fetch")
	if !reflect.DeepEqual(small.Shape, []int64{2, 10}) {
		t.Errorf("Shape after ErrBufferSize is %v, want the needed [2 10]", small.Shape)
	}
	for i, v := range canary {
		if v != -7 {
			t.Fatalf("element %d of the too-small buffer was written (%v)", i, v)
		}
	}
	// Fetch takes no inputs: it can only return the kept result.
	big := pdsafe.NewBuffer[float32](int(small.Shape[0] * small.Shape[1]))
	mustOK(t, "Fetch", p.Fetch([]pdsafe.AnyTensor{big}))
	compare(t, "fetched result", big, readNPY(t, "pplcnet", "case1.out0.npy"), 1e-4, 1e-3)
	// A zero-capacity buffer is a size query.
	q := &pdsafe.Tensor[float32]{}
	err = p.RunInto(bg, []pdsafe.AnyTensor{x}, []pdsafe.AnyTensor{q})
	wantCode(t, "nil output buffer", err, pdsafe.ErrBufferSize, "(data is NULL)")
	if !reflect.DeepEqual(q.Shape, []int64{2, 10}) {
		t.Errorf("size query gave %v", q.Shape)
	}
	fresh := newPredictor(t, m)
	err = fresh.Fetch([]pdsafe.AnyTensor{big})
	wantCode(t, "Fetch with no result", err, pdsafe.ErrInvalidState, "no result to fetch")
	err = p.Fetch([]pdsafe.AnyTensor{big, big})
	wantCode(t, "Fetch with two outputs", err, pdsafe.ErrInvalidArgument, "got 2 outputs, the model has 1")
}

// M10: wrong input dtype; wrong output buffer type.
func TestM10_WrongDType(t *testing.T) {
	m := load(t, "pplcnet")
	p := newPredictor(t, m)
	shape := []int64{1, 3, 64, 64}
	_, err := p.Run(bg, &pdsafe.Tensor[int64]{Shape: shape, Data: make([]int64, 3*64*64)})
	wantCode(t, "int64 input", err, pdsafe.ErrDType, "input 0 ('x') is int64, the model expects float32")
	_, err = p.Run(bg, &pdsafe.Tensor[uint8]{Shape: shape, Data: make([]uint8, 3*64*64)})
	wantCode(t, "uint8 input", err, pdsafe.ErrDType, "is uint8")
	x := readF32(t, "pplcnet", "case0.in0.npy")
	err = p.RunInto(bg, []pdsafe.AnyTensor{x}, []pdsafe.AnyTensor{pdsafe.NewBuffer[int32](10)})
	wantCode(t, "int32 output buffer", err, pdsafe.ErrDType, "output 0", "is float32, the buffer holds int32")
	// op_cast_reduce's second input is int64: float32 there is refused.
	m2 := load(t, "op_cast_reduce")
	q := newPredictor(t, m2)
	in := caseInputs(t, m2, "op_cast_reduce", 0)
	in[1] = &pdsafe.Tensor[float32]{Shape: []int64{1, 5}, Data: make([]float32, 5)}
	_, err = q.Run(bg, in...)
	wantCode(t, "float32 ids", err, pdsafe.ErrDType, "input 1 ('ids') is float32, the model expects int64")
}

// M11: bad shapes never reach a kernel.
func TestM11_BadShapes(t *testing.T) {
	m := load(t, "db_det")
	p := newPredictor(t, m)
	data := make([]float32, 3*64*64)
	cases := []struct {
		shape []int64
		want  []string
	}{
		{[]int64{3, 64, 64}, []string{"rank 3"}},
		{[]int64{1, 3, 0, 64}, []string{"dim 2 = 0", "expected a positive size"}},
		{[]int64{1, 3, -5, 64}, []string{"dim 2 = -5"}},
		{[]int64{1, 4, 64, 48}, []string{"the model expects [-1,3,-1,-1]"}},
		{[]int64{1, 3, 1 << 62, 1 << 62}, []string{"element count or byte size overflows"}},
		{make([]int64, 9), []string{"rank 9", "the most is 8"}},
	}
	for _, c := range cases {
		_, err := p.Run(bg, &pdsafe.Tensor[float32]{Shape: c.shape, Data: data})
		wantCode(t, fmt.Sprintf("shape %v", c.shape), err, pdsafe.ErrShape, c.want...)
	}
	// A valid shape over max_tensor_bytes (2 GiB by default) is a limit, as
	// documented, found before the (short) buffer is looked at.
	_, err := p.Run(bg, &pdsafe.Tensor[float32]{Shape: []int64{1, 3, 20000, 20000}, Data: data})
	wantCode(t, "input over max_tensor_bytes", err, pdsafe.ErrLimit, "needs 4800000000 bytes",
		"over max_tensor_bytes 2147483648")
	res, err := p.Run(bg, readF32(t, "db_det", "case0.in0.npy"))
	mustOK(t, "Run after bad shapes", err)
	checkCase(t, "db_det", 0, res)
}

//go:noinline
func runOnTemporaryPredictor(m *pdsafe.Model, x *pdsafe.Tensor[float32]) (*pdsafe.Result, error) {
	p, err := m.NewPredictor()
	if err != nil {
		return nil, err
	}
	// p is reachable only through this call from here on (and is never
	// closed): its cleanup must not run while the run is in C.
	return p.Run(bg, x)
}

//go:noinline
func runIntoTemporaryBuffers(p *pdsafe.Predictor, src []float32, shape []int64) ([]float32, error) {
	x := &pdsafe.Tensor[float32]{Shape: append([]int64(nil), shape...), Data: append([]float32(nil), src...)}
	y := pdsafe.NewBuffer[float32](16)
	err := p.RunInto(bg, []pdsafe.AnyTensor{x}, []pdsafe.AnyTensor{y})
	return append([]float32(nil), y.Data...), err
}

// M12 and M13: with the GC running back to back, goroutines churning memory
// and cleanups running in parallel, runs on temporary predictors (reachable
// only through the running call) and on temporary buffers give the right
// answer every time, and no cleanup ever meets a busy or stale object.
func TestM12_M13_GCDuringRuns(t *testing.T) {
	m := load(t, "pplcnet")
	base := baseline(t)
	var cleanupErrs []error
	var mu sync.Mutex
	var cleaned atomic.Int64
	defer pdsafe.SetCleanupHook(func(kind string, h uint64, err error) {
		cleaned.Add(1)
		if err != nil {
			mu.Lock()
			cleanupErrs = append(cleanupErrs, err)
			mu.Unlock()
		}
	})()
	x := readF32(t, "pplcnet", "case0.in0.npy")
	want := readF32(t, "pplcnet", "case0.out0.npy")
	iters := 150
	if testing.Short() {
		iters = 40
	}
	stop := make(chan struct{})
	var helpers sync.WaitGroup
	helpers.Add(3)
	go func() { defer helpers.Done(); gcStorm(stop) }()
	for g := 0; g < 2; g++ { // reuse freed memory with recognisable garbage
		go func() {
			defer helpers.Done()
			var keep [][]float32
			for i := 0; ; i++ {
				select {
				case <-stop:
					return
				default:
				}
				b := make([]float32, 1024+i%4096)
				for j := range b {
					b[j] = 12345
				}
				keep = append(keep, b)
				if len(keep) > 64 {
					keep = keep[:0]
				}
			}
		}()
	}
	shared := newPredictor(t, m)
	var wg sync.WaitGroup
	errs := make(chan error, 8)
	for g := 0; g < 4; g++ {
		wg.Add(1)
		go func(g int) {
			defer wg.Done()
			for i := 0; i < iters; i++ {
				in := &pdsafe.Tensor[float32]{Shape: append([]int64(nil), x.Shape...), Data: append([]float32(nil), x.Data...)}
				res, err := runOnTemporaryPredictor(m, in)
				if err != nil {
					errs <- fmt.Errorf("goroutine %d iteration %d: %w", g, i, err)
					return
				}
				got, _ := pdsafe.OutputAt[float32](res, 0)
				for j := range want.Data {
					if d := got.Data[j] - want.Data[j]; d > 1e-4 || d < -1e-4 {
						errs <- fmt.Errorf("goroutine %d iteration %d: element %d is %v, want %v", g, i, j, got.Data[j], want.Data[j])
						return
					}
				}
				if g == 0 {
					out, err := runIntoTemporaryBuffers(shared, x.Data, x.Shape)
					if err != nil {
						errs <- err
						return
					}
					if !reflect.DeepEqual(out, got.Data) {
						errs <- fmt.Errorf("iteration %d: RunInto into temporary buffers gave %v, want %v", i, out, got.Data)
						return
					}
				}
			}
		}(g)
	}
	wg.Wait()
	close(stop)
	helpers.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	mustOK(t, "Close", shared.Close())
	settle(t, base)
	// The hook runs just after each destroy: wait for the last ones.
	deadline := time.Now().Add(10 * time.Second)
	for cleaned.Load() < int64(4*iters) && time.Now().Before(deadline) {
		runtime.GC()
		time.Sleep(time.Millisecond)
	}
	mu.Lock()
	defer mu.Unlock()
	for _, err := range cleanupErrs {
		t.Errorf("a cleanup met a busy or stale object: %v", err)
	}
	if cleaned.Load() < int64(4*iters) {
		t.Errorf("%d cleanups ran for %d temporary predictors", cleaned.Load(), 4*iters)
	}
}

// M12 (the Go side of it): after a call, nothing Go-owned is held: an input
// buffer becomes collectable as soon as the caller drops it (it was unpinned
// and cleared from the reused descriptors), after a success and after a
// failure midway through binding.
func TestM12_NoGoMemoryRetained(t *testing.T) {
	m := load(t, "op_elementwise")
	p := newPredictor(t, m)
	in := caseInputs(t, m, "op_elementwise", 0)
	var freed atomic.Int32
	use := func(fail bool) {
		bufs := make([]pdsafe.AnyTensor, len(in))
		for i, x := range in {
			src := x.(*pdsafe.Tensor[float32])
			d := append([]float32(nil), src.Data...)
			runtime.AddCleanup(&d[0], func(int) { freed.Add(1) }, 0)
			bufs[i] = &pdsafe.Tensor[float32]{Shape: src.Shape, Data: d}
		}
		if fail {
			bufs[3] = nil // the first three are pinned before this is found
			_, err := p.Run(bg, bufs...)
			wantCode(t, "nil fourth input", err, pdsafe.ErrInvalidArgument, "input 3 ('w') is nil")
		} else {
			_, err := p.Run(bg, bufs...)
			mustOK(t, "Run", err)
		}
	}
	use(false)
	use(true)
	deadline := time.Now().Add(10 * time.Second)
	for freed.Load() < 8 && time.Now().Before(deadline) {
		runtime.GC()
		time.Sleep(time.Millisecond)
	}
	if n := freed.Load(); n != 8 {
		t.Fatalf("%d of 8 input buffers were collected: something still holds or pins them", n)
	}
	// And the library kept its own copy: Fetch returns the last good result.
	y := pdsafe.NewBuffer[float32](1 << 10)
	outs := make([]pdsafe.AnyTensor, len(m.Outputs()))
	for i := range outs {
		outs[i] = pdsafe.NewBuffer[float32](256)
	}
	outs[0] = y
	mustOK(t, "Fetch", p.Fetch(outs))
	compare(t, "fetched output 0", y, readNPY(t, "op_elementwise", "case0.out0.npy"), 1e-4, 1e-3)
}

// M14: the model closed before its predictors; then predictors, a pool and
// a model dropped without Close, their cleanups running in whatever order
// the runtime picks; and explicit closes in random orders.
func TestM14_AnyReleaseOrder(t *testing.T) {
	base := baseline(t)
	x := readF32(t, "pplcnet", "case0.in0.npy")
	mp, pp := fixturePaths("pplcnet")
	m, err := pdsafe.LoadModel(mp, pp)
	mustOK(t, "LoadModel", err)
	a, _ := m.NewPredictor()
	b, _ := m.NewPredictor()
	mustOK(t, "Model.Close first", m.Close())
	if l := pdsafe.LiveObjects(); l.Models != base.Models+1 {
		t.Errorf("after Model.Close with predictors alive: %d models, want %d (kept by the predictors)", l.Models, base.Models+1)
	}
	for _, p := range []*pdsafe.Predictor{a, b} {
		res, err := p.Run(bg, x)
		mustOK(t, "Run after Model.Close", err)
		checkCase(t, "pplcnet", 0, res)
	}
	mustOK(t, "Close", a.Close())
	mustOK(t, "Close", b.Close())
	settle(t, base)

	var cleanupErrs atomic.Int32
	defer pdsafe.SetCleanupHook(func(kind string, h uint64, err error) {
		if err != nil {
			cleanupErrs.Add(1)
		}
	})()
	func() {
		for i := 0; i < 10; i++ {
			m, err := pdsafe.LoadModel(mp, pp)
			mustOK(t, "LoadModel", err)
			for j := 0; j < 3; j++ {
				p, err := m.NewPredictor()
				mustOK(t, "NewPredictor", err)
				_, err = p.Run(bg, x)
				mustOK(t, "Run", err)
			}
			pool, err := m.NewPool(2)
			mustOK(t, "NewPool", err)
			_, err = pool.Run(bg, x)
			mustOK(t, "Pool.Run", err)
			if i%2 == 0 {
				mustOK(t, "Close", m.Close()) // some models closed first, the rest collected
			}
		}
	}()
	settle(t, base)
	if n := cleanupErrs.Load(); n != 0 {
		t.Errorf("%d cleanups failed", n)
	}

	rng := rand.New(rand.NewSource(14))
	for i := 0; i < 20; i++ {
		m, err := pdsafe.LoadModel(mp, pp)
		mustOK(t, "LoadModel", err)
		var closers []func() error
		closers = append(closers, m.Close)
		for j := 0; j < 3; j++ {
			p, err := m.NewPredictor()
			mustOK(t, "NewPredictor", err)
			closers = append(closers, p.Close)
		}
		pool, err := m.NewPool(2)
		mustOK(t, "NewPool", err)
		closers = append(closers, pool.Close)
		rng.Shuffle(len(closers), func(i, j int) { closers[i], closers[j] = closers[j], closers[i] })
		for _, c := range closers {
			mustOK(t, "Close in random order", c())
		}
	}
	settle(t, base)
}

type leakLog struct {
	mu      sync.Mutex
	reports []pdsafe.LeakReport
}

func (l *leakLog) handle(r pdsafe.LeakReport) {
	l.mu.Lock()
	l.reports = append(l.reports, r)
	l.mu.Unlock()
}

//go:noinline
func leakSomeObjects(t *testing.T, l *leakLog) {
	mp, pp := fixturePaths("pplcnet")
	m, err := pdsafe.LoadModel(mp, pp, pdsafe.WithGuard(l.handle))
	mustOK(t, "LoadModel", err)
	_, err = m.NewPredictor()
	mustOK(t, "NewPredictor", err)
	_, err = m.NewPool(3)
	mustOK(t, "NewPool", err)
	// Nothing is closed: the model, the predictor and the pool (with its
	// three predictors) become garbage here.
}

// M15: objects never closed are freed by their cleanups (the live counts
// return to where they were) and guard mode reports each leak once, with the
// stack of the goroutine that created it.
func TestM15_LeaksAreFreedAndReported(t *testing.T) {
	base := baseline(t)
	l := &leakLog{}
	leakSomeObjects(t, l)
	settle(t, base)
	deadline := time.Now().Add(10 * time.Second)
	for {
		l.mu.Lock()
		n := len(l.reports)
		l.mu.Unlock()
		if n >= 3 || time.Now().After(deadline) {
			break
		}
		runtime.GC()
		time.Sleep(time.Millisecond)
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	kinds := map[string]int{}
	for _, r := range l.reports {
		kinds[r.Kind]++
		if !strings.Contains(r.Stack, "leakSomeObjects") || !strings.Contains(r.Stack, "rootcause_test.go") {
			t.Errorf("%s leak report without the creating stack:\n%s", r.Kind, r.Stack)
		}
		if first := strings.SplitN(r.Stack, "\n", 2)[0]; !strings.HasSuffix(first, ".leakSomeObjects") {
			t.Errorf("%s leak stack starts at %q, want the caller of pdsafe:\n%s", r.Kind, first, r.Stack)
		}
		if !strings.Contains(r.String(), "was never closed") {
			t.Errorf("report text %q", r.String())
		}
	}
	if want := map[string]int{"model": 1, "predictor": 1, "pool": 1}; !reflect.DeepEqual(kinds, want) {
		t.Errorf("leak reports %v, want %v (a pool's predictors are reported as the pool)", kinds, want)
	}
}

// M16: errors come back from the call that failed. A goroutine locked to its
// OS thread and one free to move run different failing and succeeding calls
// concurrently; each sees exactly its own outcome every time.
func TestM16_ErrorsBelongToTheCall(t *testing.T) {
	m := load(t, "pplcnet")
	x := readF32(t, "pplcnet", "case0.in0.npy")
	badDType := &pdsafe.Tensor[int64]{Shape: x.Shape, Data: make([]int64, len(x.Data))}
	badShape := &pdsafe.Tensor[float32]{Shape: []int64{1, 3, 64, 63}, Data: x.Data}
	iters := 300
	var wg sync.WaitGroup
	errs := make(chan error, 2)
	worker := func(lock bool, bad pdsafe.AnyTensor, sentinel error, fragment string) {
		defer wg.Done()
		if lock {
			runtime.LockOSThread()
			defer runtime.UnlockOSThread()
		}
		p, err := m.NewPredictor()
		if err != nil {
			errs <- err
			return
		}
		defer p.Close()
		for i := 0; i < iters; i++ {
			_, err := p.Run(bg, bad)
			if !errors.Is(err, sentinel) || !strings.Contains(err.Error(), fragment) {
				errs <- fmt.Errorf("locked=%v iteration %d: got %v, want %v with %q", lock, i, err, sentinel, fragment)
				return
			}
			if _, err := p.Run(bg, x); err != nil {
				errs <- fmt.Errorf("locked=%v iteration %d: a good run after a failure: %v", lock, i, err)
				return
			}
			if !lock {
				runtime.Gosched() // invite the scheduler to move us
			}
		}
	}
	wg.Add(2)
	go worker(true, badDType, pdsafe.ErrDType, "is int64")
	go worker(false, badShape, pdsafe.ErrShape, "[1,3,64,63]")
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
}

// M17: a failure deep in the graph (db_det at 7x5: the FPN's maps no longer
// line up) is ErrShape naming the operator, and the predictor stays usable.
func TestM17_FailureDeepInGraph(t *testing.T) {
	m := load(t, "db_det")
	p := newPredictor(t, m)
	x := &pdsafe.Tensor[float32]{Shape: []int64{1, 3, 7, 5}, Data: make([]float32, 3*7*5)}
	_, err := p.Run(bg, x)
	wantCode(t, "db_det at 7x5", err, pdsafe.ErrShape, "(elementwise_add)", "do not broadcast")
	err = p.Fetch([]pdsafe.AnyTensor{pdsafe.NewBuffer[float32](1 << 16)})
	wantCode(t, "Fetch after the failed run", err, pdsafe.ErrInvalidState)
	for k := 0; k < 3; k++ {
		res, err := p.Run(bg, readF32(t, "db_det", fmt.Sprintf("case%d.in0.npy", k)))
		mustOK(t, "Run after the failure", err)
		checkCase(t, "db_det", k, res)
	}
}

// M18: options are plain values, copied at creation: reusing or changing
// the option values afterwards changes nothing; bad values are refused.
func TestM18_OptionsCopied(t *testing.T) {
	mp, pp := fixturePaths("pplcnet")
	opts := []pdsafe.ModelOption{pdsafe.WithMaxTensorBytes(64)}
	_, err := pdsafe.LoadModel(mp, pp, opts...)
	wantCode(t, "max tensor bytes 64", err, pdsafe.ErrLimit)
	opts[0] = pdsafe.WithMaxTensorBytes(1 << 30)
	m, err := pdsafe.LoadModel(mp, pp, opts...)
	mustOK(t, "LoadModel with the slot reused", err)
	defer m.Close()
	opts[0] = pdsafe.WithMaxTensorBytes(64) // too late to matter
	popts := []pdsafe.PredictorOption{pdsafe.WithThreads(1)}
	p, err := m.NewPredictor(popts...)
	mustOK(t, "NewPredictor", err)
	defer p.Close()
	popts[0] = pdsafe.WithThreads(-1)
	res, err := p.Run(bg, readF32(t, "pplcnet", "case0.in0.npy"))
	mustOK(t, "Run", err)
	checkCase(t, "pplcnet", 0, res)
	_, err = m.NewPredictor(popts...)
	wantCode(t, "threads -1", err, pdsafe.ErrInvalidArgument, "num_threads is -1")
	_, err = m.NewPredictor(pdsafe.WithThreads(5000))
	wantCode(t, "threads 5000", err, pdsafe.ErrInvalidArgument, "expected 0..1024")
	m2, err := pdsafe.LoadModel(mp, pp, nil, pdsafe.WithMaxOps(1000), pdsafe.WithMaxValues(100000),
		pdsafe.WithMaxFileBytes(1<<24))
	mustOK(t, "LoadModel with a nil option", err)
	mustOK(t, "Close", m2.Close())
	_, err = pdsafe.LoadModel(mp, pp, pdsafe.WithMaxOps(3))
	wantCode(t, "max ops 3", err, pdsafe.ErrLimit)
}

// M19: malformed, truncated and hostile model bytes are ErrModelFormat (or
// another error), never a crash; the buffers are read during the call only.
func TestM19_HostileModelBytes(t *testing.T) {
	base := baseline(t)
	mp, pp := fixturePaths("pplcnet")
	model, params := fixtureBytes(t, "pplcnet")
	_, err := pdsafe.LoadModelBytes([]byte{0xff, 0xff, 0xff, 0xff, 0x0f, 0x01, 0x02}, nil)
	wantCode(t, "junk", err, pdsafe.ErrModelFormat, "LoadModelBytes", "offset")
	_, err = pdsafe.LoadModelBytes(model[:len(model)/2], params)
	wantCode(t, "truncated program", err, pdsafe.ErrModelFormat)
	_, err = pdsafe.LoadModelBytes(model, params[:len(params)-3])
	if err == nil {
		t.Fatal("truncated parameters loaded")
	}
	_, err = pdsafe.LoadModelBytes(nil, nil)
	wantCode(t, "empty", err, pdsafe.ErrInvalidArgument, "empty (length 0)")
	_, err = pdsafe.LoadModel("/nonexistent/x.pdmodel", "")
	wantCode(t, "missing file", err, pdsafe.ErrIO, "/nonexistent/x.pdmodel")
	_, err = pdsafe.LoadModel("", "")
	wantCode(t, "empty path", err, pdsafe.ErrInvalidArgument, "path is empty")
	_, err = pdsafe.LoadModel(mp+"\x00.evil", pp)
	wantCode(t, "NUL in path", err, pdsafe.ErrInvalidArgument, "NUL byte")
	rng := rand.New(rand.NewSource(19))
	n := 300
	if testing.Short() {
		n = 100
	}
	for i := 0; i < n; i++ {
		mutant := append([]byte(nil), model...)
		for k := 0; k < 1+rng.Intn(8); k++ {
			mutant[rng.Intn(len(mutant))] = byte(rng.Intn(256))
		}
		if i%5 == 0 {
			mutant = mutant[:rng.Intn(len(mutant))]
		}
		m, err := pdsafe.LoadModelBytes(mutant, params)
		if err == nil {
			mustOK(t, "Close", m.Close())
			continue
		}
		var e *pdsafe.Error
		if !errors.As(err, &e) || e.Code == pdsafe.CodeInternal || e.Message == "" {
			t.Fatalf("mutant %d: %v", i, err)
		}
	}
	// The caller may reuse its buffers as soon as the load returns.
	m, err := pdsafe.LoadModelBytes(model, params)
	mustOK(t, "LoadModelBytes", err)
	defer m.Close()
	for i := range model {
		model[i] = 0
	}
	for i := range params {
		params[i] = 0xff
	}
	runtime.GC()
	p := newPredictor(t, m)
	res, err := p.Run(bg, readF32(t, "pplcnet", "case0.in0.npy"))
	mustOK(t, "Run", err)
	checkCase(t, "pplcnet", 0, res)
	mustOK(t, "Close", p.Close())
	mustOK(t, "Close", m.Close())
	settle(t, base)
}

// M20: there is nothing to initialise or tear down (the API has no such
// function: objects work from the first call, on any goroutine), and the
// library cannot be unmapped under live objects: it is linked -z nodelete.
func TestM20_NoTeardown(t *testing.T) {
	maps, err := os.ReadFile("/proc/self/maps")
	if err != nil {
		t.Skip("no /proc/self/maps")
	}
	var lib string
	for _, l := range strings.Split(string(maps), "\n") {
		if f := strings.Fields(l); len(f) >= 6 && strings.Contains(f[5], "libpdsafe.so") {
			lib = f[5]
			break
		}
	}
	if lib == "" {
		t.Fatal("libpdsafe.so is not mapped (linked statically?)")
	}
	f, err := elf.Open(lib)
	mustOK(t, "elf.Open", err)
	defer f.Close()
	flags, err := f.DynValue(elf.DT_FLAGS_1)
	mustOK(t, "DT_FLAGS_1", err)
	if len(flags) == 0 || flags[0]&uint64(elf.DF_1_NODELETE) == 0 {
		t.Errorf("%s: DT_FLAGS_1 %v lacks DF_1_NODELETE", lib, flags)
	}
	var wg sync.WaitGroup
	for i := 0; i < 4; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			mp, pp := fixturePaths("op_dropout")
			m, err := pdsafe.LoadModel(mp, pp)
			if err != nil {
				t.Error(err)
				return
			}
			mustOK(t, "Close", m.Close())
		}()
	}
	wg.Wait()
}

// sigCaught is the SigCgt mask of /proc/self/status: the signals with a
// handler installed.
func sigCaught(t *testing.T) string {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		t.Skip("no /proc/self/status")
	}
	for _, l := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(l, "SigCgt:"); ok {
			return strings.TrimSpace(v)
		}
	}
	t.Skip("no SigCgt")
	return ""
}

// M21: the library installs no signal handler: the set of caught signals is
// the same before and after loading and running, and Go's signal delivery
// (signal.Notify) still works.
func TestM21_SignalsUntouched(t *testing.T) {
	before := sigCaught(t)
	m := load(t, "db_det")
	p := newPredictor(t, m)
	res, err := p.Run(bg, readF32(t, "db_det", "case1.in0.npy"))
	mustOK(t, "Run", err)
	checkCase(t, "db_det", 1, res)
	if after := sigCaught(t); after != before {
		t.Errorf("SigCgt changed from %s to %s", before, after)
	}
	ch := make(chan os.Signal, 1)
	signal.Notify(ch, syscall.SIGUSR1)
	defer signal.Stop(ch)
	mustOK(t, "kill", syscall.Kill(os.Getpid(), syscall.SIGUSR1))
	select {
	case s := <-ch:
		if s != syscall.SIGUSR1 {
			t.Errorf("got %v", s)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("SIGUSR1 was not delivered to signal.Notify")
	}
}

// M22: names and shapes are Go copies: they survive Close and the GC, and
// changing what is returned changes nothing in the model.
func TestM22_NamesAreGoCopies(t *testing.T) {
	mp, pp := fixturePaths("op_cast_reduce")
	m, err := pdsafe.LoadModel(mp, pp)
	mustOK(t, "LoadModel", err)
	in := m.Inputs()
	outs := m.Outputs()
	p, err := m.NewPredictor()
	mustOK(t, "NewPredictor", err)
	res, err := p.Run(bg, caseInputs(t, m, "op_cast_reduce", 0)...)
	mustOK(t, "Run", err)
	names := res.Names()
	mustOK(t, "Close", p.Close())
	mustOK(t, "Close", m.Close())
	runtime.GC()
	if in[0].Name != "x" || in[1].Name != "ids" || len(outs) != 13 || outs[0].Name == "" {
		t.Errorf("names after Close: %v %v", in, outs)
	}
	if names[0] != outs[0].Name || res.Info(0).Name != outs[0].Name {
		t.Errorf("result names %v, outputs %v", names, outs)
	}
	in[0].Name = "changed"
	in[0].Shape[1] = 999
	names[0] = "changed"
	if again := m.Inputs(); again[0].Name != "x" || again[0].Shape[1] != 6 {
		t.Errorf("Inputs after changing a returned copy: %v", again)
	}
	if res.Names()[0] == "changed" {
		t.Error("Result.Names returned its own slice")
	}
	info := res.Info(1)
	info.Shape[0] = 12345
	if res.Info(1).Shape[0] == 12345 {
		t.Error("Result.Info returned its own shape slice")
	}
}

// M23: 64 goroutines calling into a pool of 2 do not turn into 64 busy OS
// threads: waiters hold none, and the library starts none.
func TestM23_BoundedThreads(t *testing.T) {
	m := load(t, "pplcnet")
	pool, err := m.NewPool(2)
	mustOK(t, "NewPool", err)
	defer pool.Close()
	x := readF32(t, "pplcnet", "case0.in0.npy")
	// Warm up: let the runtime reach its usual number of threads.
	for i := 0; i < 4; i++ {
		_, _ = pool.Run(bg, x)
	}
	base := threads(t)
	var peak atomic.Int64
	stop := make(chan struct{})
	sampled := make(chan struct{})
	go func() {
		defer close(sampled)
		for {
			if n := int64(threads(t)); n > peak.Load() {
				peak.Store(n)
			}
			select {
			case <-stop:
				return
			case <-time.After(500 * time.Microsecond):
			}
		}
	}()
	var wg sync.WaitGroup
	var failed atomic.Int32
	for g := 0; g < 64; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < 4; i++ {
				if _, err := pool.Run(bg, x); err != nil {
					failed.Add(1)
				}
			}
		}()
	}
	wg.Wait()
	close(stop)
	<-sampled
	if failed.Load() != 0 {
		t.Fatalf("%d runs failed", failed.Load())
	}
	// At most two goroutines are in C; the rest wait on a channel. Allow
	// the runtime a few threads of its own (P hand-offs, the sampler).
	limit := base + runtime.GOMAXPROCS(0) + 4
	t.Logf("threads: %d before, peak %d with 64 callers on a pool of 2 (limit %d)", base, peak.Load(), limit)
	if int(peak.Load()) > limit {
		t.Errorf("thread count peaked at %d, over %d: callers are holding OS threads", peak.Load(), limit)
	}
}

// M24: cancellation mid-run: the context ends while the run is in C (held at
// a checkpoint by the testing hook, so on any machine), the library stops it
// there, Run returns ErrCanceled matching ctx.Err(), and the predictor stays
// usable with the same answers.
func TestM24_CancelMidRun(t *testing.T) {
	b := newBigRun(t)
	p := newPredictor(t, b.model)
	small := readF32(t, "db_det", "case0.in0.npy")
	res, err := p.Run(bg, small)
	mustOK(t, "first run", err)
	checkCase(t, "db_det", 0, res)

	// Held while copying the input (checkpoint 1) and among the operators
	// (checkpoint 20, inferring shapes): cancelled there, whenever the
	// cancel comes, and usable afterwards.
	for _, k := range []uint32{1, 20} {
		h := startHeld(t, p, b.input, k)
		o := h.release()
		e := wantCode(t, fmt.Sprintf("run cancelled at checkpoint %d", k), o.err, pdsafe.ErrCanceled,
			"PDS_ERR_CANCELLED", fmt.Sprintf("(checkpoint %d)", k))
		if !errors.Is(o.err, context.Canceled) || e.Unwrap() != context.Canceled {
			t.Errorf("cancelled run %v does not match context.Canceled", o.err)
		}
		res, err = p.Run(bg, small)
		mustOK(t, "run after cancel", err)
		checkCase(t, "db_det", 0, res)
	}

	// A deadline works the same way and matches DeadlineExceeded: the run
	// is held until the deadline passes, however long that takes.
	pdsafe.SetWaitAtCheckpoint(p, 3)
	dctx, dcancel := context.WithTimeout(bg, time.Millisecond)
	defer dcancel()
	_, err = p.Run(dctx, b.input)
	pdsafe.SetWaitAtCheckpoint(p, 0)
	wantCode(t, "deadline", err, pdsafe.ErrCanceled)
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("deadline error %v does not match context.DeadlineExceeded", err)
	}
	// A context already done never reaches C.
	ctx, cancel := context.WithCancel(bg)
	cancel()
	_, err = p.Run(ctx, small)
	wantCode(t, "done context", err, pdsafe.ErrCanceled, "before the run started")
	err = p.RunInto(ctx, []pdsafe.AnyTensor{small}, []pdsafe.AnyTensor{pdsafe.NewBuffer[float32](1)})
	wantCode(t, "done context, RunInto", err, pdsafe.ErrCanceled, "before the run started")

	// A pool call waiting for a free predictor gives up when its context
	// ends: the pool's one predictor is held by a run until the end.
	pool, err := b.model.NewPool(1)
	mustOK(t, "NewPool", err)
	defer pool.Close()
	pdsafe.SetPoolWaitAtCheckpoint(pool, 1)
	hctx, hcancel := context.WithCancel(bg)
	busy := make(chan error, 1)
	go func() { _, err := pool.Run(hctx, b.input); busy <- err }()
	for pdsafe.PoolFree(pool) != 0 {
		runtime.Gosched()
	}
	pdsafe.SetPoolWaitAtCheckpoint(pool, 0)
	wctx, wcancel := context.WithTimeout(bg, time.Millisecond)
	defer wcancel()
	_, err = pool.Run(wctx, small)
	wantCode(t, "pool wait past the deadline", err, pdsafe.ErrCanceled, "while waiting for a free predictor")
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("pool wait past the deadline: %v does not match DeadlineExceeded", err)
	}
	hcancel()
	wantCode(t, "the pool's held call", <-busy, pdsafe.ErrCanceled)
	res, err = pool.Run(bg, small)
	mustOK(t, "pool after the timeout", err)
	checkCase(t, "db_det", 0, res)
}

// Pitfall: several inputs whose Data are slices of one backing array (the
// array is pinned several times, counted) and an output that aliases an
// input: the library reads inputs before writing outputs.
func TestPitfall_AliasedBuffers(t *testing.T) {
	m := load(t, "op_elementwise")
	p := newPredictor(t, m)
	in := caseInputs(t, m, "op_elementwise", 0)
	total := 0
	for _, x := range in {
		total += len(x.(*pdsafe.Tensor[float32]).Data)
	}
	one := make([]float32, 0, total)
	shared := make([]pdsafe.AnyTensor, len(in))
	for i, x := range in {
		src := x.(*pdsafe.Tensor[float32])
		start := len(one)
		one = append(one, src.Data...)
		shared[i] = &pdsafe.Tensor[float32]{Shape: src.Shape, Data: one[start:len(one):len(one)]}
	}
	res, err := p.Run(bg, shared...)
	mustOK(t, "Run over one backing array", err)
	checkCase(t, "op_elementwise", 0, res)

	m2 := load(t, "op_dropout")
	q := newPredictor(t, m2)
	x := readF32(t, "op_dropout", "case0.in0.npy")
	buf := append(make([]float32, 0, len(x.Data)), x.Data...)
	xin := &pdsafe.Tensor[float32]{Shape: x.Shape, Data: buf}
	outs := []pdsafe.AnyTensor{&pdsafe.Tensor[float32]{Data: buf[:0]}, pdsafe.NewBuffer[float32](len(buf)),
		pdsafe.NewBuffer[float32](len(buf))}
	mustOK(t, "RunInto with output 0 over the input", q.RunInto(bg, []pdsafe.AnyTensor{xin}, outs))
	for j := range outs {
		compare(t, fmt.Sprintf("aliased output %d", j), outs[j], readNPY(t, "op_dropout", fmt.Sprintf("case0.out%d.npy", j)), 1e-4, 1e-3)
	}
}

// A global array is Go memory outside the heap: pinning it is a no-op, and
// passing it must satisfy cgocheck all the same.
var globalInput [4 * 6]float32

// Pitfall: input Data in a global array, and a zero-capacity output.
func TestPitfall_GlobalAndEmptyBuffers(t *testing.T) {
	m := load(t, "op_dropout")
	p := newPredictor(t, m)
	x := readF32(t, "op_dropout", "case0.in0.npy")
	copy(globalInput[:], x.Data)
	g := &pdsafe.Tensor[float32]{Shape: x.Shape, Data: globalInput[:]}
	res, err := p.Run(bg, g)
	mustOK(t, "Run from a global array", err)
	checkCase(t, "op_dropout", 0, res)
	outs := []pdsafe.AnyTensor{&pdsafe.Tensor[float32]{}, &pdsafe.Tensor[float32]{Data: []float32{}},
		pdsafe.NewBuffer[float32](0)}
	err = p.RunInto(bg, []pdsafe.AnyTensor{g}, outs)
	wantCode(t, "zero-capacity outputs", err, pdsafe.ErrBufferSize, "(data is NULL)")
	for _, o := range outs {
		if !reflect.DeepEqual(o.Dims(), []int64{1, 4, 6}) {
			t.Errorf("needed shape %v, want [1 4 6]", o.Dims())
		}
	}
}

type owner struct{ buf []byte }

// Pitfall: Close called from a user's cleanup (on the runtime's cleanup
// goroutine, concurrently with the package's own cleanups).
func TestPitfall_CloseFromCleanup(t *testing.T) {
	base := baseline(t)
	m := load(t, "op_dropout")
	var closed atomic.Int32
	func() {
		for i := 0; i < 8; i++ {
			p, err := m.NewPredictor()
			mustOK(t, "NewPredictor", err)
			o := &owner{buf: make([]byte, 64)}
			runtime.AddCleanup(o, func(p *pdsafe.Predictor) {
				if p.Close() == nil {
					closed.Add(1)
				}
			}, p)
		}
	}()
	mustOK(t, "Close", m.Close())
	deadline := time.Now().Add(10 * time.Second)
	for closed.Load() < 8 && time.Now().Before(deadline) {
		runtime.GC()
		time.Sleep(time.Millisecond)
	}
	settle(t, base)
	if closed.Load() != 8 {
		t.Errorf("%d of 8 Close calls from cleanups succeeded", closed.Load())
	}
}

// Pitfall: a pool closed while 16 goroutines run and wait: the runs in C
// finish, the waiters get ErrClosed, nothing is freed under a call.
func TestPitfall_PoolCloseUnderLoad(t *testing.T) {
	base := baseline(t)
	m := load(t, "db_det")
	pool, err := m.NewPool(2)
	mustOK(t, "NewPool", err)
	x := syntheticInput(m, 128)
	var ok, closed atomic.Int32
	var wg sync.WaitGroup
	for g := 0; g < 16; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < 20; i++ {
				_, err := pool.Run(bg, x)
				switch {
				case err == nil:
					ok.Add(1)
				case errors.Is(err, pdsafe.ErrClosed):
					closed.Add(1)
					return
				default:
					t.Errorf("pool run: %v", err)
					return
				}
			}
		}()
	}
	time.Sleep(20 * time.Millisecond)
	mustOK(t, "Close under load", pool.Close())
	wg.Wait()
	t.Logf("%d runs succeeded, %d callers got ErrClosed", ok.Load(), closed.Load())
	if closed.Load() == 0 {
		t.Error("no caller saw ErrClosed")
	}
	mustOK(t, "Close", m.Close())
	settle(t, base)
}

// Pitfall: a LeakHandler that panics does not take the process down.
func TestPitfall_PanickingLeakHandler(t *testing.T) {
	base := baseline(t)
	var called atomic.Int32
	func() {
		mp, pp := fixturePaths("op_dropout")
		_, err := pdsafe.LoadModel(mp, pp, pdsafe.WithGuard(func(pdsafe.LeakReport) {
			called.Add(1)
			panic("handler bug")
		}))
		mustOK(t, "LoadModel", err)
	}()
	settle(t, base)
	deadline := time.Now().Add(5 * time.Second)
	for called.Load() == 0 && time.Now().Before(deadline) {
		runtime.GC()
		time.Sleep(time.Millisecond)
	}
	if called.Load() != 1 {
		t.Errorf("handler called %d times", called.Load())
	}
}

// Pitfall: Run's fetch path (first run, or a grown output, needs a second
// crossing) must never hand back another goroutine's result. Three goroutines
// share one predictor with inputs of different shapes; every success must be
// its own input's answer, every failure ErrBusy.
func TestPitfall_ConcurrentRunsGetTheirOwnResults(t *testing.T) {
	m := load(t, "db_det")
	p := newPredictor(t, m)
	want := int32(40)
	if testing.Short() {
		want = 12
	}
	var wg sync.WaitGroup
	wins := make([]atomic.Int32, 3)
	var busy atomic.Int32
	for k := 0; k < 3; k++ {
		wg.Add(1)
		go func(k int) {
			defer wg.Done()
			x := readF32(t, "db_det", fmt.Sprintf("case%d.in0.npy", k))
			rng := rand.New(rand.NewSource(int64(k)))
			for wins[k].Load() < want {
				res, err := p.Run(bg, x)
				if errors.Is(err, pdsafe.ErrBusy) {
					busy.Add(1)
					time.Sleep(time.Duration(rng.Intn(300)) * time.Microsecond)
					continue
				}
				if err != nil {
					t.Errorf("case %d: %v", k, err)
					return
				}
				checkCase(t, "db_det", k, res)
				wins[k].Add(1)
			}
		}(k)
	}
	wg.Wait()
	t.Logf("wins %d %d %d, ErrBusy %d", wins[0].Load(), wins[1].Load(), wins[2].Load(), busy.Load())
}
