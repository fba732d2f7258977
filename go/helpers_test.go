package pdsafe_test

import (
	"context"
	"errors"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"

	pdsafe "github.com/pdsafe/pdsafe/go"
	"github.com/pdsafe/pdsafe/go/internal/npy"
)

// fixturesDir is tests/fixtures of the repository (PDSAFE_FIXTURES overrides).
func fixturesDir() string {
	if d := os.Getenv("PDSAFE_FIXTURES"); d != "" {
		return d
	}
	return filepath.Join("..", "tests", "fixtures")
}

func fixturePaths(name string) (model, params string) {
	d := filepath.Join(fixturesDir(), name)
	return filepath.Join(d, "inference.pdmodel"), filepath.Join(d, "inference.pdiparams")
}

// load loads a fixture model and closes it when the test ends.
func load(t testing.TB, name string, opts ...pdsafe.ModelOption) *pdsafe.Model {
	t.Helper()
	mp, pp := fixturePaths(name)
	m, err := pdsafe.LoadModel(mp, pp, opts...)
	if err != nil {
		t.Fatalf("loading fixture %s: %v", name, err)
	}
	t.Cleanup(func() { _ = m.Close() })
	return m
}

func newPredictor(t testing.TB, m *pdsafe.Model, opts ...pdsafe.PredictorOption) *pdsafe.Predictor {
	t.Helper()
	p, err := m.NewPredictor(opts...)
	if err != nil {
		t.Fatalf("NewPredictor: %v", err)
	}
	t.Cleanup(func() { _ = p.Close() })
	return p
}

// readNPY reads a fixture file as a tensor of its own element type.
func readNPY(t testing.TB, fixture, file string) pdsafe.AnyTensor {
	t.Helper()
	a, err := npy.ReadFile(filepath.Join(fixturesDir(), fixture, file))
	if err != nil {
		t.Fatal(err)
	}
	switch v := a.Data.(type) {
	case []float32:
		return &pdsafe.Tensor[float32]{Shape: a.Shape, Data: v}
	case []int64:
		return &pdsafe.Tensor[int64]{Shape: a.Shape, Data: v}
	case []int32:
		return &pdsafe.Tensor[int32]{Shape: a.Shape, Data: v}
	case []uint8:
		return &pdsafe.Tensor[uint8]{Shape: a.Shape, Data: v}
	case []bool:
		return &pdsafe.Tensor[bool]{Shape: a.Shape, Data: v}
	}
	t.Fatalf("%s/%s: unsupported %s", fixture, file, a.Descr)
	return nil
}

func readF32(t testing.TB, fixture, file string) *pdsafe.Tensor[float32] {
	t.Helper()
	x, ok := readNPY(t, fixture, file).(*pdsafe.Tensor[float32])
	if !ok {
		t.Fatalf("%s/%s is not float32", fixture, file)
	}
	return x
}

// caseInputs returns the inputs of case k of a fixture.
func caseInputs(t testing.TB, m *pdsafe.Model, fixture string, k int) []pdsafe.AnyTensor {
	t.Helper()
	var in []pdsafe.AnyTensor
	for i := range m.Inputs() {
		in = append(in, readNPY(t, fixture, fmt.Sprintf("case%d.in%d.npy", k, i)))
	}
	return in
}

// tolerance is the fixture's (atol, rtol), default 1e-4, 1e-3.
func tolerance(fixture string) (float64, float64) {
	b, err := os.ReadFile(filepath.Join(fixturesDir(), fixture, "tolerance"))
	if err != nil {
		return 1e-4, 1e-3
	}
	f := strings.Fields(string(b))
	if len(f) != 2 {
		return 1e-4, 1e-3
	}
	a, _ := strconv.ParseFloat(f[0], 64)
	r, _ := strconv.ParseFloat(f[1], 64)
	return a, r
}

// compare checks got against Paddle's reference with |a-b| <= atol + rtol*|b|.
func compare(t testing.TB, what string, got, want pdsafe.AnyTensor, atol, rtol float64) {
	t.Helper()
	if !equalShape(got.Dims(), want.Dims()) {
		t.Errorf("%s: shape %v, Paddle gives %v", what, got.Dims(), want.Dims())
		return
	}
	g, w := asFloat64(got), asFloat64(want)
	if g == nil || w == nil {
		t.Errorf("%s: %s, Paddle gives %s", what, got.DType(), want.DType())
		return
	}
	worst, at := 0.0, -1
	for i := range w {
		d := math.Abs(g[i] - w[i])
		if d > atol+rtol*math.Abs(w[i]) || math.IsNaN(g[i]) != math.IsNaN(w[i]) {
			if d > worst || at < 0 {
				worst, at = d, i
			}
		}
	}
	if at >= 0 {
		t.Errorf("%s: element %d is %v, Paddle gives %v (|diff| %g > %g + %g*|ref|)",
			what, at, g[at], w[at], worst, atol, rtol)
	}
}

func equalShape(a, b []int64) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// asFloat64 converts a tensor's data for comparison. int32 and int64 outputs
// are compared with int64 or int32 references alike (Paddle's dtype wins in
// the shape check only).
func asFloat64(x pdsafe.AnyTensor) []float64 {
	switch v := x.(type) {
	case *pdsafe.Tensor[float32]:
		out := make([]float64, len(v.Data))
		for i, e := range v.Data {
			out[i] = float64(e)
		}
		return out
	case *pdsafe.Tensor[int64]:
		out := make([]float64, len(v.Data))
		for i, e := range v.Data {
			out[i] = float64(e)
		}
		return out
	case *pdsafe.Tensor[int32]:
		out := make([]float64, len(v.Data))
		for i, e := range v.Data {
			out[i] = float64(e)
		}
		return out
	case *pdsafe.Tensor[uint8]:
		out := make([]float64, len(v.Data))
		for i, e := range v.Data {
			out[i] = float64(e)
		}
		return out
	case *pdsafe.Tensor[bool]:
		out := make([]float64, len(v.Data))
		for i, e := range v.Data {
			if e {
				out[i] = 1
			}
		}
		return out
	}
	return nil
}

// checkCase compares every output of res with case k of the fixture.
func checkCase(t testing.TB, fixture string, k int, res *pdsafe.Result) {
	t.Helper()
	atol, rtol := tolerance(fixture)
	for j := 0; j < res.Len(); j++ {
		want := readNPY(t, fixture, fmt.Sprintf("case%d.out%d.npy", k, j))
		got := res.Tensor(j)
		if got == nil {
			t.Errorf("%s case %d output %d: %s has no Go element type", fixture, k, j, res.Info(j).DType)
			continue
		}
		compare(t, fmt.Sprintf("%s case %d output %d (%s)", fixture, k, j, res.Info(j).Name),
			got, want, atol, rtol)
	}
}

// syntheticInput is input 0 of m (float32) with every -1 dim replaced: the
// batch dim by 1, the others by dyn; the values are a fixed pattern.
func syntheticInput(m *pdsafe.Model, dyn int64) *pdsafe.Tensor[float32] {
	info := m.Inputs()[0]
	shape := make([]int64, len(info.Shape))
	n := int64(1)
	for d, v := range info.Shape {
		switch {
		case v >= 0:
			shape[d] = v
		case d == 0:
			shape[d] = 1
		default:
			shape[d] = dyn
		}
		n *= shape[d]
	}
	data := make([]float32, n)
	for i := range data {
		data[i] = float32((int64(i)*7919)%2001)/1000 - 1
	}
	return &pdsafe.Tensor[float32]{Shape: shape, Data: data}
}

// wantCode fails the test unless err is an *Error with the code, matches
// its sentinel, and its message contains every fragment.
func wantCode(t testing.TB, what string, err error, sentinel error, fragments ...string) *pdsafe.Error {
	t.Helper()
	if err == nil {
		t.Fatalf("%s: no error, want %v", what, sentinel)
	}
	if !errors.Is(err, sentinel) {
		t.Fatalf("%s: error %q does not match %v", what, err, sentinel)
	}
	var e *pdsafe.Error
	if !errors.As(err, &e) {
		t.Fatalf("%s: error %T %q is not a *pdsafe.Error", what, err, err)
	}
	if !strings.HasPrefix(err.Error(), "pdsafe: ") {
		t.Errorf("%s: message %q lacks the 'pdsafe: ' prefix", what, err)
	}
	for _, f := range fragments {
		if !strings.Contains(err.Error(), f) {
			t.Errorf("%s: message %q does not contain %q", what, err, f)
		}
	}
	return e
}

func mustOK(t testing.TB, what string, err error) {
	t.Helper()
	if err != nil {
		t.Fatalf("%s: %v", what, err)
	}
}

// settle runs the GC until pending cleanups have run and the live counts are
// want, or fails after a while.
func settle(t testing.TB, want pdsafe.LiveCounts) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for {
		runtime.GC()
		if got := pdsafe.LiveObjects(); got == want {
			return
		} else if time.Now().After(deadline) {
			t.Fatalf("live objects %+v, want %+v (something was not freed)", got, want)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// baseline settles earlier tests' leftovers and returns the counts.
func baseline(t testing.TB) pdsafe.LiveCounts {
	t.Helper()
	var last pdsafe.LiveCounts
	for i := 0; i < 5; i++ {
		runtime.GC()
		time.Sleep(2 * time.Millisecond)
		last = pdsafe.LiveObjects()
	}
	return last
}

// bigRun is db_det and an input of a fixed, moderate size. Tests that need
// a run in progress do not rely on it being long: they hold it at a
// checkpoint (startHeld) until they cancel it.
type bigRun struct {
	model *pdsafe.Model
	input *pdsafe.Tensor[float32]
}

func newBigRun(t testing.TB) bigRun {
	m := load(t, "db_det")
	return bigRun{model: m, input: syntheticInput(m, 256)}
}

// held is a run on a predictor that waits at one of its checkpoints (the
// wait_at_checkpoint testing hook of the C API) until its context ends: a
// run "in progress" for exactly as long as the test needs, on any machine.
type held struct {
	cancel   context.CancelFunc
	out      <-chan runOutcome
	finished <-chan struct{}
}

// startHeld starts a run of in on p held at checkpoint k and returns once it
// is observably in C. Later runs of p are not held.
func startHeld(t testing.TB, p *pdsafe.Predictor, in pdsafe.AnyTensor, k uint32) held {
	t.Helper()
	pdsafe.SetWaitAtCheckpoint(p, k)
	ctx, cancel := context.WithCancel(context.Background())
	out, finished := startBig(ctx, p, in)
	if !waitInProgress(t, p, in.Dims(), finished) {
		cancel()
		t.Fatalf("the held run ended by itself: %v", (<-out).err)
	}
	pdsafe.SetWaitAtCheckpoint(p, 0)
	return held{cancel: cancel, out: out, finished: finished}
}

// release cancels the held run and returns how it ended.
func (h held) release() runOutcome {
	h.cancel()
	return <-h.out
}

// waitInProgress blocks until a run is observably in progress on p: a probe
// run with a wrong-dtype input is refused with ErrBusy (if the probe wins
// the predictor, it fails validation at once and does no work). It returns
// false if the run ended first; a held run cannot.
func waitInProgress(t testing.TB, p *pdsafe.Predictor, shape []int64, finished <-chan struct{}) bool {
	t.Helper()
	probe := &pdsafe.Tensor[uint8]{Shape: shape, Data: make([]uint8, 1)}
	for {
		select {
		case <-finished:
			return false
		default:
		}
		_, err := p.Run(context.Background(), probe)
		if errors.Is(err, pdsafe.ErrBusy) {
			return true
		}
		runtime.Gosched()
	}
}

// threads returns the Threads: line of /proc/self/status.
func threads(t testing.TB) int {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		t.Skip("no /proc/self/status")
	}
	for _, l := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(l, "Threads:"); ok {
			n, _ := strconv.Atoi(strings.TrimSpace(v))
			return n
		}
	}
	t.Skip("no Threads: line")
	return 0
}

// rssBytes is the resident set size from /proc/self/statm.
func rssBytes(t testing.TB) int64 {
	b, err := os.ReadFile("/proc/self/statm")
	if err != nil {
		t.Skip("no /proc/self/statm")
	}
	f := strings.Fields(string(b))
	pages, _ := strconv.ParseInt(f[1], 10, 64)
	return pages * int64(os.Getpagesize())
}

// fixtureBytes reads a fixture's program and parameter files.
func fixtureBytes(t testing.TB, name string) (model, params []byte) {
	t.Helper()
	mp, pp := fixturePaths(name)
	model, err := os.ReadFile(mp)
	mustOK(t, "read "+mp, err)
	params, err = os.ReadFile(pp)
	mustOK(t, "read "+pp, err)
	return model, params
}

// gcStorm runs garbage collections back to back until stop is closed.
func gcStorm(stop <-chan struct{}) {
	for {
		select {
		case <-stop:
			return
		default:
			runtime.GC()
		}
	}
}
