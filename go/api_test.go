package pdsafe_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"strings"
	"testing"

	pdsafe "github.com/pdsafe/pdsafe/go"
)

// Every committed fixture, in both formats when present, every case, every
// output, on one predictor per fixture (cases change shapes between runs),
// against Paddle Inference.
func TestFixturesMatchPaddle(t *testing.T) {
	dirs, err := os.ReadDir(fixturesDir())
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, d := range dirs {
		if !d.IsDir() {
			continue
		}
		name := d.Name()
		var formats []string
		if _, err := os.Stat(filepath.Join(fixturesDir(), name, "inference.pdmodel")); err == nil {
			formats = append(formats, "inference.pdmodel")
		}
		if _, err := os.Stat(filepath.Join(fixturesDir(), name, "inference.json")); err == nil {
			// the same network as a Paddle 3 PIR program, or the only form (op_cond:
			// Paddle 3.3 writes conditionals in PIR only)
			formats = append(formats, "inference.json")
		}
		for _, program := range formats {
			t.Run(name+"/"+program, func(t *testing.T) {
				d := filepath.Join(fixturesDir(), name)
				params := filepath.Join(d, "inference.pdiparams")
				// a PIR export whose parameters differ from the legacy file's has its own
				if own := filepath.Join(d, "inference.json.pdiparams"); program == "inference.json" {
					if _, err := os.Stat(own); err == nil {
						params = own
					}
				}
				m, err := pdsafe.LoadModel(filepath.Join(d, program), params)
				if err != nil {
					t.Fatal(err)
				}
				defer m.Close()
				runFixtureCases(t, m, name, &n)
			})
		}
	}
	if n < 15 {
		t.Errorf("ran %d fixture cases, expected at least 15", n)
	}
}

// LoadModel(program, "") lets the library find the parameters, by the rule
// the CLI uses too: a PIR inference.json finds inference.pdiparams beside it
// and computes what Paddle computes. A fixture directory holds both formats,
// so the directory itself is refused with a message saying what to pass.
func TestLoadModelFindsParameters(t *testing.T) {
	const name = "pplcnet"
	d := filepath.Join(fixturesDir(), name)
	for _, program := range []string{"inference.json", "inference.pdmodel"} {
		m, err := pdsafe.LoadModel(filepath.Join(d, program), "")
		if err != nil {
			t.Fatalf("%s with no params path: %v", program, err)
		}
		want := pdsafe.FormatLegacy
		if program == "inference.json" {
			want = pdsafe.FormatPIRJSON
		}
		if st := m.Stats(); st.Format != want || st.ParamCount == 0 {
			t.Errorf("%s: format %v with %d parameters, want %v with parameters", program,
				st.Format, st.ParamCount, want)
		}
		n := 0
		runFixtureCases(t, m, name, &n)
		if n == 0 {
			t.Errorf("%s: no fixture case ran", program)
		}
		if err := m.Close(); err != nil {
			t.Fatal(err)
		}
	}
	_, err := pdsafe.LoadModel(d, "")
	if !errors.Is(err, pdsafe.ErrInvalidArgument) ||
		!strings.Contains(err.Error(), "pass the program file you mean") {
		t.Fatalf("LoadModel(directory with both formats, \"\") = %v, want ErrInvalidArgument "+
			"saying to pass the program file", err)
	}
}

// runFixtureCases runs every case of a fixture on one predictor, in order,
// and compares every output with Paddle's.
func runFixtureCases(t *testing.T, m *pdsafe.Model, name string, n *int) {
	p := newPredictor(t, m)
	for k := 0; ; k++ {
		if _, err := os.Stat(filepath.Join(fixturesDir(), name, fmt.Sprintf("case%d.in0.npy", k))); err != nil {
			break
		}
		res, err := p.Run(context.Background(), caseInputs(t, m, name, k)...)
		if err != nil {
			t.Fatalf("case %d: %v", k, err)
		}
		if res.Len() != len(m.Outputs()) {
			t.Fatalf("case %d: %d outputs, the model has %d", k, res.Len(), len(m.Outputs()))
		}
		checkCase(t, name, k, res)
		*n++
	}
}

func TestModelMetadata(t *testing.T) {
	m := load(t, "op_cast_reduce")
	in := m.Inputs()
	if len(in) != 2 {
		t.Fatalf("op_cast_reduce has %d inputs, want 2", len(in))
	}
	want0 := pdsafe.TensorInfo{Name: "x", DType: pdsafe.Float32, Shape: []int64{-1, 6, -1, 8}}
	want1 := pdsafe.TensorInfo{Name: "ids", DType: pdsafe.Int64, Shape: []int64{-1, 5}}
	if !reflect.DeepEqual(in[0], want0) || !reflect.DeepEqual(in[1], want1) {
		t.Errorf("inputs %v, want [%v %v]", in, want0, want1)
	}
	if got := len(m.Outputs()); got != 13 {
		t.Errorf("%d outputs, want 13", got)
	}
	st := m.Stats()
	if st.Format != pdsafe.FormatLegacy || st.OpCount == 0 {
		t.Errorf("stats %+v: want the legacy format and some ops", st)
	}
	ops := m.OpTypes()
	if uint64(len(ops)) != st.OpCount {
		t.Errorf("%d op types for %d ops", len(ops), st.OpCount)
	}
	if !strings.Contains(strings.Join(ops, " "), "arg_max") {
		t.Errorf("op types %v lack arg_max", ops)
	}
	if v := pdsafe.Version(); v != "0.1.0" && !strings.Contains(v, ".") {
		t.Errorf("Version() = %q", v)
	}
	if b := pdsafe.BuildInfo(); b != "reference kernels only" &&
		!regexp.MustCompile(`^onednn [0-9]+\.[0-9]+\.[0-9]+$`).MatchString(b) {
		t.Errorf("BuildInfo() = %q, want \"onednn X.Y.Z\" or \"reference kernels only\"", b)
	}
}

// The int64 input and the int32 and int64 outputs of op_cast_reduce go
// through RunInto with typed buffers.
func TestMixedDTypesRunInto(t *testing.T) {
	m := load(t, "op_cast_reduce")
	p := newPredictor(t, m)
	in := caseInputs(t, m, "op_cast_reduce", 1)
	outs := make([]pdsafe.AnyTensor, len(m.Outputs()))
	for i, o := range m.Outputs() {
		switch o.DType {
		case pdsafe.Float32:
			outs[i] = pdsafe.NewBuffer[float32](4096)
		case pdsafe.Int64:
			outs[i] = pdsafe.NewBuffer[int64](4096)
		case pdsafe.Int32:
			outs[i] = pdsafe.NewBuffer[int32](4096)
		default:
			t.Fatalf("output %v: unexpected dtype", o)
		}
	}
	mustOK(t, "RunInto", p.RunInto(context.Background(), in, outs))
	atol, rtol := tolerance("op_cast_reduce")
	for j, o := range outs {
		compare(t, fmt.Sprintf("output %d", j), o, readNPY(t, "op_cast_reduce",
			fmt.Sprintf("case1.out%d.npy", j)), atol, rtol)
	}
	// A float32 buffer for the int32 'shape' output is refused before running.
	bad := append([]pdsafe.AnyTensor(nil), outs...)
	bad[0] = pdsafe.NewBuffer[float32](16)
	err := p.RunInto(context.Background(), in, bad)
	wantCode(t, "RunInto with a float32 buffer for an int32 output", err, pdsafe.ErrDType,
		"output 0", "is int32, the buffer holds float32")
}

func TestRunIntoMatchesRunAndFetch(t *testing.T) {
	m := load(t, "pplcnet")
	p := newPredictor(t, m)
	x := readF32(t, "pplcnet", "case1.in0.npy")
	res, err := p.Run(context.Background(), x)
	mustOK(t, "Run", err)
	checkCase(t, "pplcnet", 1, res)
	y := pdsafe.NewBuffer[float32](20)
	mustOK(t, "RunInto", p.RunInto(context.Background(), []pdsafe.AnyTensor{x}, []pdsafe.AnyTensor{y}))
	want, _ := pdsafe.OutputAt[float32](res, 0)
	if !reflect.DeepEqual(y.Shape, []int64{2, 10}) || !reflect.DeepEqual(y.Data, want.Data) {
		t.Errorf("RunInto gave %v %v, Run gave %v %v", y.Shape, y.Data, want.Shape, want.Data)
	}
	z := pdsafe.NewBuffer[float32](20)
	mustOK(t, "Fetch", p.Fetch([]pdsafe.AnyTensor{z}))
	if !reflect.DeepEqual(z.Data, want.Data) {
		t.Errorf("Fetch gave %v, want %v", z.Data, want.Data)
	}
	// Output by name and by index agree; a wrong name or type is an error.
	name := m.Outputs()[0].Name
	byName, err := pdsafe.Output[float32](res, name)
	mustOK(t, "Output", err)
	if !reflect.DeepEqual(byName, want) || res.Index(name) != 0 || res.Names()[0] != name {
		t.Errorf("Output(%q) = %v, OutputAt(0) = %v", name, byName, want)
	}
	_, err = pdsafe.Output[float32](res, "nope")
	wantCode(t, "Output of a missing name", err, pdsafe.ErrInvalidArgument, "no output named 'nope'", name)
	_, err = pdsafe.OutputAt[int64](res, 0)
	wantCode(t, "OutputAt with the wrong type", err, pdsafe.ErrDType, "is float32[2 10], asked for int64")
	_, err = pdsafe.OutputAt[float32](res, 3)
	wantCode(t, "OutputAt out of range", err, pdsafe.ErrInvalidArgument, "index 3 is out of range")
}

// RunInto allocates nothing once its buffers exist with a plain context;
// with a cancellable one, only context.AfterFunc's registration (two small
// objects the context package allocates; no goroutine starts).
func TestRunIntoAllocatesNothing(t *testing.T) {
	m := load(t, "op_dropout")
	p := newPredictor(t, m)
	x := readF32(t, "op_dropout", "case0.in0.npy")
	in := []pdsafe.AnyTensor{x}
	outs := []pdsafe.AnyTensor{pdsafe.NewBuffer[float32](256), pdsafe.NewBuffer[float32](256),
		pdsafe.NewBuffer[float32](256)}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	for _, c := range []struct {
		name string
		ctx  context.Context
	}{{"Background", context.Background()}, {"WithCancel", ctx}} {
		mustOK(t, "warm-up RunInto", p.RunInto(c.ctx, in, outs))
		if asanEnabled && c.name == "WithCancel" {
			// Under -asan, context.(*cancelCtx).Done and Err themselves
			// allocate (the instrumented build moves their locals to the heap).
			continue
		}
		var runErr error
		allocs := testing.AllocsPerRun(200, func() {
			if err := p.RunInto(c.ctx, in, outs); err != nil {
				runErr = err
			}
		})
		mustOK(t, "RunInto", runErr)
		want := 0.0
		if c.name == "WithCancel" {
			want = 2
		}
		if allocs > want {
			t.Errorf("RunInto with a %s context: %v allocations per run, want at most %v",
				c.name, allocs, want)
		}
	}
	atol, rtol := tolerance("op_dropout")
	for j, o := range outs {
		compare(t, fmt.Sprintf("output %d", j), o, readNPY(t, "op_dropout", fmt.Sprintf("case0.out%d.npy", j)), atol, rtol)
	}
}

func TestTensorConstructors(t *testing.T) {
	x, err := pdsafe.NewTensor([]int64{2, 3}, make([]float32, 6))
	mustOK(t, "NewTensor", err)
	if x.DType() != pdsafe.Float32 || !reflect.DeepEqual(x.Dims(), []int64{2, 3}) {
		t.Errorf("tensor %v", x)
	}
	shape := []int64{2, 3}
	y, _ := pdsafe.NewTensor(shape, make([]int64, 6))
	shape[0] = 99
	if y.Shape[0] != 2 {
		t.Error("NewTensor kept the caller's shape slice")
	}
	_, err = pdsafe.NewTensor([]int64{2, 3}, make([]float32, 5))
	wantCode(t, "NewTensor short", err, pdsafe.ErrBufferSize, "data has 5 elements", "needs 6")
	_, err = pdsafe.NewTensor([]int64{2, -3}, make([]float32, 6))
	wantCode(t, "NewTensor negative", err, pdsafe.ErrShape, "dim 1 = -3")
	_, err = pdsafe.NewTensor([]int64{1 << 40, 1 << 40}, []uint8{})
	wantCode(t, "NewTensor overflow", err, pdsafe.ErrShape, "overflows")
	_, err = pdsafe.NewTensor(make([]int64, 9), []int32{})
	wantCode(t, "NewTensor rank 9", err, pdsafe.ErrShape, "rank 9, the most is 8")
	// Sizes are checked before anything is allocated: no fatal
	// out-of-memory, no makeslice panic.
	_, err = pdsafe.NewZeroTensor[float32](1<<20, 1<<20)
	wantCode(t, "NewZeroTensor 4 TiB", err, pdsafe.ErrLimit, "needs 4398046511104 bytes",
		"over the limit of 2147483648")
	_, err = pdsafe.NewZeroTensor[float32](1<<31, 1<<31)
	wantCode(t, "NewZeroTensor 2^62 elements", err, pdsafe.ErrShape, "byte size overflows")
	prev := pdsafe.SetMaxTensorBytes(100)
	_, err = pdsafe.NewTensor([]int64{26}, make([]float32, 26))
	wantCode(t, "NewTensor over a lowered limit", err, pdsafe.ErrLimit, "needs 104 bytes",
		"over the limit of 100")
	_, err = pdsafe.NewTensor([]int64{25}, make([]float32, 25))
	mustOK(t, "NewTensor at the limit", err)
	if pdsafe.SetMaxTensorBytes(0) != 100 || prev != pdsafe.DefaultMaxTensorBytes {
		t.Errorf("SetMaxTensorBytes did not report the previous limits")
	}
	z, err := pdsafe.NewZeroTensor[uint8](4, 5)
	mustOK(t, "NewZeroTensor", err)
	if len(z.Data) != 20 || z.DType() != pdsafe.Uint8 {
		t.Errorf("NewZeroTensor(4, 5) = %v", z)
	}
	if b := pdsafe.NewBuffer[int32](7); len(b.Data) != 0 || cap(b.Data) != 7 {
		t.Errorf("NewBuffer(7): len %d cap %d", len(b.Data), cap(b.Data))
	}
	for _, c := range []struct {
		d    pdsafe.DType
		name string
		size int
	}{{pdsafe.Float32, "float32", 4}, {pdsafe.Int64, "int64", 8}, {pdsafe.Int32, "int32", 4},
		{pdsafe.Uint8, "uint8", 1}, {pdsafe.Bool, "bool", 1}, {pdsafe.Float16, "float16", 2}} {
		if c.d.String() != c.name || c.d.Size() != c.size {
			t.Errorf("%d: %s/%d, want %s/%d", c.d, c.d, c.d.Size(), c.name, c.size)
		}
	}
}

// The Go tables of names agree with the C library's.
func TestNamesMatchLibrary(t *testing.T) {
	for c := pdsafe.Code(0); int(c) < pdsafe.NumCodes; c++ {
		if c.String() != pdsafe.CStatusName(c) || pdsafe.CodeText(c) != pdsafe.CStatusText(c) {
			t.Errorf("code %d: Go %s %q, C %s %q", c, c, pdsafe.CodeText(c), pdsafe.CStatusName(c), pdsafe.CStatusText(c))
		}
	}
	if got := pdsafe.CStatusName(pdsafe.Code(pdsafe.NumCodes)); got != "PDS_UNKNOWN_STATUS" {
		t.Errorf("the library knows status %d (%s): add it to codeNames and the sentinels", pdsafe.NumCodes, got)
	}
	for d := pdsafe.DType(0); d <= pdsafe.BFloat16+1; d++ {
		if d.String() != pdsafe.CDTypeName(d) && d <= pdsafe.BFloat16 || d.Size() != pdsafe.CDTypeSize(d) {
			t.Errorf("dtype %d: Go %s/%d, C %s/%d", d, d, d.Size(), pdsafe.CDTypeName(d), pdsafe.CDTypeSize(d))
		}
	}
}

// The package was compiled against the pdsafe.h of the library it runs with.
// (cmd/go caches cgo packages without hashing headers outside the package; a
// stale build against an older header once let an _init function zero 8
// bytes of an unrelated Go object. scripts/go-test.sh keys the cache on the
// header's hash; this test catches a stale build anywhere else.)
func TestHeaderMatchesLibrary(t *testing.T) {
	lib, header := pdsafe.ABIVersions()
	if lib != header {
		t.Fatalf("libpdsafe has ABI version %d, this package was compiled with pdsafe.h's %d: "+
			"rebuild it against the library's pdsafe.h (go clean -cache, or scripts/go-test.sh)",
			lib, header)
	}
}

// A library of another ABI version is refused at the first load, with a
// message that says what to do (the check itself: abiMismatch).
func TestABIMismatchMessage(t *testing.T) {
	if err := pdsafe.ABIMismatch(2, 2); err != nil {
		t.Fatalf("equal versions: %v", err)
	}
	err := pdsafe.ABIMismatch(3, 2)
	wantCode(t, "ABI 3 vs 2", err, pdsafe.ErrInvalidState, "has ABI version 3",
		"compiled against pdsafe.h with ABI version 2", "go clean -cache")
}

// errors.Is and errors.As work on every error, and sentinels match only
// their own code.
func TestErrorsIsAs(t *testing.T) {
	m := load(t, "pplcnet")
	p := newPredictor(t, m)
	_, err := p.Run(context.Background(), &pdsafe.Tensor[int64]{Shape: []int64{1, 3, 64, 64}, Data: make([]int64, 3*64*64)})
	e := wantCode(t, "Run with int64", err, pdsafe.ErrDType, "Predictor.Run", "int64", "float32", "PDS_ERR_DTYPE")
	if e.Code != pdsafe.CodeDType || e.Op != "Predictor.Run" || e.Message == "" {
		t.Errorf("Error fields %+v", e)
	}
	for _, s := range []error{pdsafe.ErrShape, pdsafe.ErrBusy, pdsafe.ErrClosed, pdsafe.ErrCanceled} {
		if errors.Is(err, s) {
			t.Errorf("a dtype error matches %v", s)
		}
	}
	if !strings.HasPrefix(pdsafe.ErrBusy.Error(), "pdsafe: ") {
		t.Errorf("sentinel text %q", pdsafe.ErrBusy)
	}
	if e.Unwrap() != nil {
		t.Errorf("a dtype error wraps %v", e.Unwrap())
	}
}

func TestPoolRunsAndCloses(t *testing.T) {
	m := load(t, "pplcnet")
	pool, err := m.NewPool(2)
	mustOK(t, "NewPool", err)
	if pool.Size() != 2 || pool.Model() != m {
		t.Errorf("pool size %d", pool.Size())
	}
	x := readF32(t, "pplcnet", "case0.in0.npy")
	res, err := pool.Run(context.Background(), x)
	mustOK(t, "Pool.Run", err)
	checkCase(t, "pplcnet", 0, res)
	y := pdsafe.NewBuffer[float32](10)
	mustOK(t, "Pool.RunInto", pool.RunInto(context.Background(), []pdsafe.AnyTensor{x}, []pdsafe.AnyTensor{y}))
	small := pdsafe.NewBuffer[float32](3)
	err = pool.RunInto(context.Background(), []pdsafe.AnyTensor{x}, []pdsafe.AnyTensor{small})
	wantCode(t, "Pool.RunInto small", err, pdsafe.ErrBufferSize, "Pool.RunInto", "needs 40 bytes")
	if !reflect.DeepEqual(small.Shape, []int64{1, 10}) {
		t.Errorf("needed shape %v, want [1 10]", small.Shape)
	}
	_, err = m.NewPool(0)
	wantCode(t, "NewPool(0)", err, pdsafe.ErrInvalidArgument, "pool size is 0")
	mustOK(t, "Close", pool.Close())
	mustOK(t, "second Close", pool.Close())
	_, err = pool.Run(context.Background(), x)
	wantCode(t, "Run after Close", err, pdsafe.ErrClosed, "Pool.Run", "the pool is closed")
}

// WithSerialize: a second run waits instead of failing with ErrBusy.
func TestSerializeWaits(t *testing.T) {
	b := newBigRun(t)
	p := newPredictor(t, b.model, pdsafe.WithSerialize())
	errs := make(chan error, 2)
	for i := 0; i < 2; i++ {
		go func() {
			_, err := p.Run(context.Background(), b.input)
			errs <- err
		}()
	}
	for i := 0; i < 2; i++ {
		mustOK(t, "serialized Run", <-errs)
	}
}

// Result.Data hands out each output's own elements (the slice Tensor wraps,
// same type and first element), for every element type in a fixture with
// float32, int64 and bool outputs, without allocating.
func TestResultData(t *testing.T) {
	m := load(t, "op_compare")
	p := newPredictor(t, m)
	in := make([]pdsafe.AnyTensor, 0, len(m.Inputs()))
	for k := range m.Inputs() {
		in = append(in, readNPY(t, "op_compare", fmt.Sprintf("case0.in%d.npy", k)))
	}
	res, err := p.Run(context.Background(), in...)
	if err != nil {
		t.Fatal(err)
	}
	seen := map[pdsafe.DType]bool{}
	for i := 0; i < res.Len(); i++ {
		d := res.Data(i)
		var same bool
		switch tt := res.Tensor(i).(type) {
		case *pdsafe.Tensor[float32]:
			v, ok := d.([]float32)
			same = ok && len(v) == len(tt.Data) && &v[0] == &tt.Data[0]
		case *pdsafe.Tensor[int64]:
			v, ok := d.([]int64)
			same = ok && len(v) == len(tt.Data) && &v[0] == &tt.Data[0]
		case *pdsafe.Tensor[bool]:
			v, ok := d.([]bool)
			same = ok && len(v) == len(tt.Data) && &v[0] == &tt.Data[0]
		default:
			t.Fatalf("output %d: unexpected type %T", i, tt)
		}
		if !same {
			t.Errorf("output %d (%s): Data is %T of %d elements, not the tensor's own slice", i, res.Info(i).DType, d, reflect.ValueOf(d).Len())
		}
		seen[res.Info(i).DType] = true
	}
	if !seen[pdsafe.Float32] || !seen[pdsafe.Bool] {
		t.Errorf("op_compare's outputs covered %v, expected float32 and bool among them", seen)
	}
	if a := testing.AllocsPerRun(100, func() { _ = res.Data(0) }); a != 0 {
		t.Errorf("Data allocated %v times per call, expected 0", a)
	}
}
