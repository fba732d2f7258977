package pdsafe_test

import (
	"errors"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"

	pdsafe "github.com/pdsafe/pdsafe/go"
)

// Guard mode from Go (docs/GUARD.md): each misuse provoked here becomes an
// incident of the C library's guard report, with the origins this package
// attaches: the goroutine and stack that created, closed and misused the
// object, asserted as file:line of this file. here() + 1 is the line of the
// statement that follows it.

func here() int {
	_, _, line, _ := runtime.Caller(1)
	return line
}

// at is the text an origin holds for a frame on line of this file.
func at(line int) string { return "guard_test.go:" + strconv.Itoa(line) + "\n" }

// incident returns the incident the error's message names ("[guard
// incident N"), from a fresh report.
func incident(t *testing.T, err error) pdsafe.GuardIncident {
	t.Helper()
	var e *pdsafe.Error
	if !errors.As(err, &e) {
		t.Fatalf("error %v is not a *pdsafe.Error", err)
	}
	i := strings.LastIndex(e.Message, "[guard incident ")
	if i < 0 {
		t.Fatalf("error %q names no guard incident", e.Message)
	}
	rest := e.Message[i+len("[guard incident "):]
	n, perr := strconv.ParseUint(rest[:strings.IndexByte(rest, ' ')], 10, 64)
	if perr != nil {
		t.Fatalf("error %q: incident number: %v", e.Message, perr)
	}
	r, rerr := pdsafe.ReadGuardReport()
	if rerr != nil {
		t.Fatal(rerr)
	}
	for _, in := range r.Incidents {
		if in.ID == n {
			return in
		}
	}
	t.Fatalf("incident %d is not in the report", n)
	return pdsafe.GuardIncident{}
}

// wantSites checks the incident's root cause and its three origins.
func wantSites(t *testing.T, in pdsafe.GuardIncident, root string, call, made, gone int) {
	t.Helper()
	if in.RootCause != root {
		t.Errorf("incident %d: root cause %s, want %s", in.ID, in.RootCause, root)
	}
	check := func(what string, e *pdsafe.GuardEvent, line int) {
		t.Helper()
		if line == 0 {
			if e != nil {
				t.Errorf("incident %d: %s is %+v, want none", in.ID, what, e)
			}
			return
		}
		if e == nil {
			t.Errorf("incident %d: no %s site", in.ID, what)
			return
		}
		if !strings.HasPrefix(e.Origin, "goroutine ") || !strings.Contains(e.Origin, at(line)) {
			t.Errorf("incident %d: %s origin does not name line %d:\n%s", in.ID, what, line, e.Origin)
		}
	}
	check("call", in.Call, call)
	check("created", in.Created, made)
	check("destroyed", in.Destroyed, gone)
}

func noLeaks(pdsafe.LeakReport) {}

// M1 from Go: a call after Close is refused by the package (ErrClosed, C is
// not reached); the incident names the goroutines that created, closed and
// then used the predictor.
func TestGuard_M1_UseAfterCloseSites(t *testing.T) {
	m := load(t, "pplcnet", pdsafe.WithGuard(noLeaks))
	x := readF32(t, "pplcnet", "case0.in0.npy")
	lMake := here() + 1
	p, err := m.NewPredictor()
	mustOK(t, "NewPredictor", err)
	_, err = p.Run(bg, x)
	mustOK(t, "Run", err)
	lClose := here() + 1
	mustOK(t, "Close", p.Close())
	lRun := here() + 1
	_, err = p.Run(bg, x)
	wantCode(t, "Run after Close", err, pdsafe.ErrClosed, "(M1)]")
	in := incident(t, err)
	wantSites(t, in, "M1", lRun, lMake, lClose)
	if !in.FromBinding || in.Kind != "predictor" || in.Function != "Predictor.Run" ||
		in.Object != pdsafe.PredictorHandle(p) || in.DestroyedBy != "pds_predictor_destroy" {
		t.Errorf("incident: %+v", in)
	}
	// The model's own life: closed, then used.
	lMClose := here() + 1
	mustOK(t, "Model.Close", m.Close())
	lNew := here() + 1
	_, err = m.NewPredictor()
	wantCode(t, "NewPredictor after Close", err, pdsafe.ErrClosed)
	in = incident(t, err)
	if in.Kind != "model" || in.Created == nil || in.Destroyed == nil {
		t.Fatalf("model incident: %+v", in)
	}
	wantSites(t, in, "M1", lNew, 0+in2line(t, in.Created), lMClose)
}

// in2line returns the line of this file the creating origin names (the
// model was created inside load, called from the test: that frame counts).
func in2line(t *testing.T, e *pdsafe.GuardEvent) int {
	t.Helper()
	for _, l := range strings.Split(e.Origin, "\n") {
		if i := strings.Index(l, "guard_test.go:"); i >= 0 {
			n, _ := strconv.Atoi(l[i+len("guard_test.go:"):])
			return n
		}
	}
	t.Fatalf("origin names no line of guard_test.go:\n%s", e.Origin)
	return 0
}

// M6 from Go: a second Run while one is in C is refused by the library; the
// incident gets the calling goroutine's origin and the C record's thread.
func TestGuard_M6_BusyOrigin(t *testing.T) {
	m := load(t, "db_det", pdsafe.WithGuard(noLeaks))
	input := syntheticInput(m, 64)
	lMake := here() + 1
	p, err := m.NewPredictor()
	mustOK(t, "NewPredictor", err)
	defer p.Close()
	h := startHeld(t, p, input, 1)
	lRun := here() + 1
	_, err = p.Run(bg, &pdsafe.Tensor[float32]{Shape: input.Shape, Data: input.Data})
	wantCode(t, "second run", err, pdsafe.ErrBusy, "(M6): created at")
	wantCode(t, "the held run", h.release().err, pdsafe.ErrCanceled)
	in := incident(t, err)
	wantSites(t, in, "M6", lRun, lMake, 0)
	if in.FromBinding || in.Status != "PDS_ERR_BUSY" || in.Function != "pds_predictor_run_v2" {
		t.Errorf("incident: %+v", in)
	}
}

// M4, M5, M8, M9, M10, M11 from Go: each error the library returns names an
// incident whose call origin is the line here.
func TestGuard_DataAndHandleMisuse(t *testing.T) {
	m := load(t, "pplcnet", pdsafe.WithGuard(noLeaks))
	x := readF32(t, "pplcnet", "case1.in0.npy")
	lMake := here() + 1
	p, err := m.NewPredictor()
	mustOK(t, "NewPredictor", err)
	defer p.Close()

	l4 := here() + 1
	_, err = pdsafe.ForgePredictor(m, 0x0200000512345678).Run(bg, x)
	wantCode(t, "forged", err, pdsafe.ErrInvalidHandle, "(M4)")
	wantSites(t, incident(t, err), "M4", l4, 0, 0)

	l5 := here() + 1
	_, err = pdsafe.ForgePredictor(m, pdsafe.ModelHandle(m)).Run(bg, x)
	wantCode(t, "wrong kind", err, pdsafe.ErrWrongHandleKind, "(M5)")
	in := incident(t, err)
	wantSites(t, in, "M5", l5, in2line(t, in.Created), 0)
	if in.Kind != "model" {
		t.Errorf("M5 incident kind %q, want model", in.Kind)
	}

	short := &pdsafe.Tensor[float32]{Shape: x.Shape, Data: x.Data[:len(x.Data)-1]}
	l8 := here() + 1
	_, err = p.Run(bg, short)
	wantCode(t, "short input", err, pdsafe.ErrBufferSize, "(M8)")
	wantSites(t, incident(t, err), "M8", l8, lMake, 0)

	small := &pdsafe.Tensor[float32]{Data: make([]float32, 0, 19)}
	l9 := here() + 1
	err = p.RunInto(bg, []pdsafe.AnyTensor{x}, []pdsafe.AnyTensor{small})
	wantCode(t, "small output", err, pdsafe.ErrBufferSize, "(M9)")
	wantSites(t, incident(t, err), "M9", l9, lMake, 0)

	shape := []int64{2, 3, 64, 64}
	l10 := here() + 1
	_, err = p.Run(bg, &pdsafe.Tensor[int64]{Shape: shape, Data: make([]int64, 2*3*64*64)})
	wantCode(t, "int64 input", err, pdsafe.ErrDType, "(M10)")
	wantSites(t, incident(t, err), "M10", l10, lMake, 0)

	l11 := here() + 1
	_, err = p.Run(bg, &pdsafe.Tensor[float32]{Shape: []int64{3, 64, 64}, Data: x.Data})
	wantCode(t, "rank 3", err, pdsafe.ErrShape, "(M11)")
	wantSites(t, incident(t, err), "M11", l11, lMake, 0)

	// The predictor's record: the calls counted, this goroutine's thread(s).
	r, err := pdsafe.ReadGuardReport()
	mustOK(t, "ReadGuardReport", err)
	for _, o := range r.Objects {
		if o.ID == pdsafe.PredictorHandle(p) {
			if !o.Live || o.Calls < 4 || len(o.Threads) == 0 || o.Kind != "predictor" {
				t.Errorf("predictor record: %+v", o)
			}
			if !strings.Contains(o.Created.Origin, at(lMake)) {
				t.Errorf("predictor record's origin:\n%s", o.Created.Origin)
			}
		}
	}
	for _, rc := range []string{"M4", "M5", "M8", "M9", "M10", "M11"} {
		if r.RootCauses[rc].Fix == "" {
			t.Errorf("the report has no fix text for %s", rc)
		}
	}
	text, err := pdsafe.GuardReportText()
	mustOK(t, "GuardReportText", err)
	if !strings.Contains(text, "pdsafe guard report: ") || !strings.Contains(text, at(l8)[:len(at(l8))-1]) {
		t.Errorf("text report:\n%.2000s", text)
	}
}

// makeLeak creates a predictor and drops it without Close.
func makeLeak(t *testing.T, m *pdsafe.Model) (uint64, int) {
	line := here() + 1
	p, err := m.NewPredictor()
	mustOK(t, "NewPredictor", err)
	return pdsafe.PredictorHandle(p), line
}

// M15 from Go: a predictor never closed is freed by its cleanup and becomes
// an incident with the stack that created it; LeakReport still works.
func TestGuard_M15_LeakIncident(t *testing.T) {
	leaks := make(chan pdsafe.LeakReport, 4)
	m := load(t, "op_dropout", pdsafe.WithGuard(func(r pdsafe.LeakReport) { leaks <- r }))
	h, line := makeLeak(t, m)
	deadline := time.After(2 * time.Minute) // a bound on a hang, not a speed assertion
	var rep pdsafe.LeakReport
wait:
	for {
		runtime.GC()
		select {
		case rep = <-leaks:
			break wait
		case <-deadline:
			t.Fatal("the leaked predictor was never collected")
		case <-time.After(10 * time.Millisecond):
		}
	}
	if rep.Handle != h || !strings.Contains(rep.Stack, at(line)) {
		t.Errorf("LeakReport %+v", rep)
	}
	r, err := pdsafe.ReadGuardReport()
	mustOK(t, "ReadGuardReport", err)
	found := false
	for _, in := range r.Incidents {
		if in.RootCause == "M15" && in.Object == h {
			found = true
			if in.Created == nil || !strings.Contains(in.Created.Origin, at(line)) ||
				in.Function != "predictor cleanup" {
				t.Errorf("leak incident: %+v", in)
			}
		}
	}
	if !found {
		t.Errorf("no M15 incident for predictor %#x in %d incidents", h, len(r.Incidents))
	}
	if r.RootCauses["M15"].Fix == "" {
		t.Error("no fix text for M15")
	}
}

// A pool is a binding object of its own: closed, then used.
func TestGuard_PoolClosed(t *testing.T) {
	m := load(t, "op_dropout", pdsafe.WithGuard(noLeaks))
	lMake := here() + 1
	pool, err := m.NewPool(1)
	mustOK(t, "NewPool", err)
	lClose := here() + 1
	mustOK(t, "Pool.Close", pool.Close())
	lRun := here() + 1
	_, err = pool.Run(bg)
	wantCode(t, "Run on a closed pool", err, pdsafe.ErrClosed, "(M1)]")
	in := incident(t, err)
	wantSites(t, in, "M1", lRun, lMake, lClose)
	if in.Kind != "pool" {
		t.Errorf("pool incident kind %q", in.Kind)
	}
}
