package pdsafe

/*
#include <pdsafe.h>
*/
import "C"

import (
	"context"
	"errors"
	"fmt"
	"runtime"
	"sync"
	"sync/atomic"
	"unsafe"
)

// predictorConfig is what the PredictorOptions set.
type predictorConfig struct {
	threads   int32
	serialize bool
}

// PredictorOption configures NewPredictor and NewPool; options are pure
// functions, safe for concurrent use and reuse, applied to a copy at creation
// (M18).
type PredictorOption func(*predictorConfig)

// WithThreads sets the number of intra-op threads of each run (0, the
// default, means 1; the library counts more than the CPUs it may use as that
// many, and the reference kernels always use one). The threads are the
// library's own, a small fixed set shared by all predictors (M23): more
// threads per run do not mean more threads in the process. Under the default
// (adaptive) thread policy a run may use one thread instead: now and then to
// measure, while that is faster on a busy machine, and whenever other runs
// already hold the library's threads (many goroutines calling at once, where
// narrow runs side by side do more per second).
func WithThreads(n int) PredictorOption {
	return func(c *predictorConfig) {
		// Out-of-range values stay out of range (the library refuses them)
		// instead of wrapping around in the conversion to int32.
		n = min(max(n, -1), 1<<20)
		c.threads = int32(n)
	}
}

// WithSerialize makes a Run on a busy predictor wait for the run in progress
// (or for its context to end) instead of failing with ErrBusy. The waiting is
// done in Go, so waiting goroutines hold no OS thread (the C library's own
// PDS_PREDICTOR_SERIALIZE would block one thread per waiter inside C).
func WithSerialize() PredictorOption {
	return func(c *predictorConfig) { c.serialize = true }
}

func newPredictorConfig(opts []PredictorOption) *predictorConfig {
	c := &predictorConfig{}
	for _, o := range opts {
		if o != nil {
			o(c)
		}
	}
	return c
}

// Predictor runs a model one call at a time, and is safe for concurrent use in
// the sense that no concurrent use can crash, race or mix results up: a Run
// that finds another call in progress on the same predictor fails at once with
// ErrBusy (or waits, with WithSerialize), and Close may be called at any time.
// For parallel runs use one predictor per goroutine, or a Pool.
//
// Every method after Close returns an error matching ErrClosed without
// reaching the C library. A Predictor that becomes unreachable without Close
// is freed by a runtime cleanup (and reported in guard mode).
type Predictor struct {
	mu      sync.RWMutex // read: every call into C; write: Close
	closed  bool
	h       uint64
	model   *Model   // keeps the Model reachable while the Predictor is
	res     *predRes // what the cleanup needs; it never points back here
	serial  chan struct{}
	cleanup runtime.Cleanup
}

// predRes is the part of a Predictor its cleanup uses. It must not reference
// the Predictor, or the Predictor would never be collected.
type predRes struct {
	h      uint64
	guard  *guard
	pooled bool // a Pool's predictor: the Pool reports the leak

	state  atomic.Pointer[runState] // reused by the next call
	waitAt atomic.Uint32            // testing hook: wait_at_checkpoint of every run

	shapes shapeMemo // input shapes of recent runs (cmem.go)
}

func newPredictor(m *Model, h uint64, c *predictorConfig, g *guard, pooled bool) *Predictor {
	p := &Predictor{h: h, model: m, res: &predRes{h: h, guard: g, pooled: pooled}}
	if c.serialize {
		p.serial = make(chan struct{}, 1)
	}
	p.cleanup = runtime.AddCleanup(p, predictorCleanup, p.res)
	return p
}

// predictorCleanup frees a predictor that was never closed. The predictor is
// unreachable, so no call of it is in progress (every method keeps its
// receiver alive until it has left C).
func predictorCleanup(r *predRes) {
	defer traceRegion("Predictor cleanup", r.h)()
	err := cPredictorDestroy("Predictor cleanup", r.h)
	if !r.pooled {
		r.guard.report("predictor", r.h)
	}
	testHookCleanup("predictor", r.h, err)
}

// Model returns the model the predictor runs.
func (p *Predictor) Model() *Model { return p.model }

// Inputs returns the model's inputs (see Model.Inputs).
func (p *Predictor) Inputs() []TensorInfo { return p.model.Inputs() }

// Outputs returns the model's outputs (see Model.Outputs).
func (p *Predictor) Outputs() []TensorInfo { return p.model.Outputs() }

// Close frees the predictor. It waits for a Run, RunInto or Fetch in progress
// on it to return (it never frees memory under a running call), and every
// later call returns ErrClosed. Results already returned stay valid: they are
// Go memory. Close is idempotent: a second Close returns nil.
func (p *Predictor) Close() error {
	defer traceRegion("Predictor.Close", p.h)()
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.closed {
		return nil
	}
	err := cPredictorDestroy("Predictor.Close", p.h)
	if e := (*Error)(nil); errors.As(err, &e) && e.Code == CodeBusy {
		// Only C code using the raw handle could be inside it; the predictor
		// stays open and Close may be retried.
		return err
	}
	p.closed = true
	p.cleanup.Stop()
	p.res.guard.markClosed()
	p.res.guard.noteClosed("Predictor.Close")
	p.res.state.Store(nil)
	runtime.KeepAlive(p)
	return err
}

// Run runs the model on inputs (one per model input, in Inputs order) and
// returns the outputs as Go memory, which stays valid after Close.
//
// The inputs' Data are read by the C library during the call only. Output
// buffers are sized from the previous run, so with steady shapes Run crosses
// into C once; when an output grows it fetches the kept result by its run id
// with a second, cheap crossing. The library hands a result only to the run
// that made it, so if another goroutine ran the predictor in between, Run
// runs again: a Result is never another call's.
//
// If ctx ends while the run is in progress the library stops it at its next
// checkpoint (between operators, while planning a new shape, or between
// chunks of an input copy); Run then returns an error matching ErrCanceled and
// ctx.Err(), and the predictor stays usable. A ctx already done when Run is
// called, or done by the time the run returns, gives the same error (a result
// computed just as ctx ended is dropped: a done context never gets a success).
//
// Other errors: ErrClosed, ErrBusy (a run in progress on this predictor),
// ErrInvalidArgument (wrong number of inputs, a nil input), ErrDType,
// ErrShape (bad input shape, or an operator whose shapes do not fit: the
// message names it), ErrBufferSize (len(Data) shorter than Shape),
// ErrLimit, ErrOutOfMemory.
func (p *Predictor) Run(ctx context.Context, inputs ...AnyTensor) (*Result, error) {
	return p.run(ctx, "Predictor.Run", inputs)
}

// RunInto runs the model on inputs and writes the outputs into the caller's
// tensors, one per model output in Outputs order: cap(Data) is the buffer. On
// success each output's Shape is set and Data resliced to the result. It
// allocates nothing once the outputs' Shape slices have room for the rank
// (NewBuffer gives them that).
//
// If a buffer is too small, nothing is written, every output's Shape is set
// to the shape it needs, and the error matches ErrBufferSize and names the
// output; the result is kept by the predictor, so the caller can grow the
// buffers and call Fetch instead of running again. An output whose element
// type is not the model's fails with ErrDType before anything runs.
//
// Cancellation and other errors are as for Run; when ctx ends just as the
// run finishes, the error matches ErrCanceled although the outputs may already
// hold the result.
func (p *Predictor) RunInto(ctx context.Context, inputs, outputs []AnyTensor) error {
	return p.runInto(ctx, "Predictor.RunInto", inputs, outputs)
}

// Fetch copies the outputs of the last successful run (including one that
// failed with ErrBufferSize) into the caller's tensors, with the rules of
// RunInto, without running again. ErrInvalidState if there is no result
// (no run yet, or the last run failed); ErrBusy during a run. The library
// keeps one result per predictor, whoever ran it: Fetch is for a predictor
// the caller does not share.
func (p *Predictor) Fetch(outputs []AnyTensor) error {
	const op = "Predictor.Fetch"
	p.mu.RLock()
	defer p.mu.RUnlock()
	if p.closed {
		return closedError(op, "the predictor", p.res.guard)
	}
	if err := p.enterSerial(context.Background(), op); err != nil {
		return err
	}
	defer p.leaveSerial()
	s := p.res.acquire(len(p.model.inputs), len(p.model.outputs))
	defer p.res.release(s)
	if err := s.bindOutputs(op, p.model.outputs, outputs); err != nil {
		s.unbind()
		return err
	}
	s.runID = 0 // the last result, whichever run made it
	st := p.cross(context.Background(), s, true)
	s.unbind()
	runtime.KeepAlive(outputs)
	return p.finishOutputs(context.Background(), op, st, s, outputs)
}

func (p *Predictor) enterSerial(ctx context.Context, op string) error {
	if p.serial == nil {
		return nil
	}
	select {
	case p.serial <- struct{}{}:
		return nil
	default:
	}
	select {
	case p.serial <- struct{}{}:
		return nil
	case <-ctx.Done():
		return canceledError(ctx, op, "while waiting for the predictor (WithSerialize)")
	}
}

func (p *Predictor) leaveSerial() {
	if p.serial != nil {
		<-p.serial
	}
}

func canceledError(ctx context.Context, op, when string) error {
	err := ctx.Err()
	return &Error{Code: CodeCanceled, Op: op, Message: "context done " + when + ": " + err.Error(),
		cause: err}
}

// runError converts a failed run status, attaching ctx.Err() to a
// cancellation.
func runError(ctx context.Context, op string, st C.pds_status, s *runState) error {
	e := statusError(op, st, &s.cerr)
	if e.Code == CodeCanceled {
		e.cause = ctx.Err()
	}
	return e
}

// run is Run with the name of the public method that called it.
func (p *Predictor) run(ctx context.Context, op string, inputs []AnyTensor) (*Result, error) {
	p.mu.RLock()
	defer p.mu.RUnlock()
	if p.closed {
		return nil, closedError(op, "the predictor", p.res.guard)
	}
	if err := p.enterSerial(ctx, op); err != nil {
		return nil, err
	}
	defer p.leaveSerial()
	if ctx.Err() != nil {
		return nil, canceledError(ctx, op, "before the run started")
	}
	m := p.model
	s := p.res.acquire(len(m.inputs), len(m.outputs))
	defer p.res.release(s)
	if err := s.bindInputs(op, m.inputs, inputs); err != nil {
		s.unbind()
		return nil, err
	}
	bufs := s.bindGuessedOutputs(m.outputs)
	st := p.cross(ctx, s, false)
	retyped := st == C.PDS_OK && !s.outputsMatch(bufs)
	if retyped || st == C.PDS_ERR_BUFFER_SIZE && s.outputsReported() {
		// First run, or an output grew (or came back with another dtype than
		// guessed): the library kept the result and set every output's dtype
		// and dims. Fetch it, by this run's id, into exact buffers. If
		// another call has used the predictor since, the library refuses
		// (RESULT_GONE, or BUSY while that call runs): run again.
		bufs = s.bindExactOutputs()
		if st = p.cross(ctx, s, true); st != C.PDS_OK {
			st = p.cross(ctx, s, false)
		}
	}
	s.unbind()
	runtime.KeepAlive(inputs)
	runtime.KeepAlive(bufs)
	if st != C.PDS_OK {
		return nil, runError(ctx, op, st, s)
	}
	if ctx.Err() != nil {
		return nil, canceledError(ctx, op, "before the result was returned")
	}
	return s.result(m.outputs, bufs), nil
}

// runInto is RunInto with the name of the public method that called it.
func (p *Predictor) runInto(ctx context.Context, op string, inputs, outputs []AnyTensor) error {
	p.mu.RLock()
	defer p.mu.RUnlock()
	if p.closed {
		return closedError(op, "the predictor", p.res.guard)
	}
	if err := p.enterSerial(ctx, op); err != nil {
		return err
	}
	defer p.leaveSerial()
	if ctx.Err() != nil {
		return canceledError(ctx, op, "before the run started")
	}
	m := p.model
	s := p.res.acquire(len(m.inputs), len(m.outputs))
	defer p.res.release(s)
	err := s.bindInputs(op, m.inputs, inputs)
	if err == nil {
		err = s.bindOutputs(op, m.outputs, outputs)
	}
	if err != nil {
		s.unbind()
		return err
	}
	st := p.cross(ctx, s, false)
	s.unbind()
	runtime.KeepAlive(inputs)
	runtime.KeepAlive(outputs)
	return p.finishOutputs(ctx, op, st, s, outputs)
}

// finishOutputs records what the library wrote into the caller's outputs.
func (p *Predictor) finishOutputs(ctx context.Context, op string, st C.pds_status, s *runState,
	outputs []AnyTensor) error {
	switch st {
	case C.PDS_OK:
		for i, t := range outputs {
			d := &s.out[i]
			dims, ok := descDims(d)
			v := t.view()
			if !ok || DType(d.dtype) != v.dtype {
				return newError(CodeDType, op, fmt.Sprintf(
					"output %d ('%s') is %s%v, the buffer holds %s", i, p.model.outputs[i].Name,
					DType(d.dtype), dims, v.dtype))
			}
			n := numel(dims)
			if n < 0 || n > v.cap {
				return newError(CodeInternal, op, fmt.Sprintf(
					"output %d ('%s'): the library reported %v, more than the buffer's %d elements",
					i, p.model.outputs[i].Name, dims, v.cap))
			}
			t.setOutput(dims, n)
		}
		if ctx.Err() != nil {
			return canceledError(ctx, op, "before the result was returned")
		}
		return nil
	case C.PDS_ERR_BUFFER_SIZE:
		if !s.outputsReported() {
			break // an input was short: the outputs were not looked at
		}
		for i, t := range outputs {
			if dims, ok := descDims(&s.out[i]); ok {
				t.setNeeded(dims)
			}
		}
	}
	return runError(ctx, op, st, s)
}

// descDims returns a view of a descriptor's dims (no copy), false if the rank
// is out of range.
func descDims(d *C.pds_tensor) ([]int64, bool) {
	r := int(d.rank)
	if r < 0 || r > MaxRank {
		return nil, false
	}
	return unsafe.Slice((*int64)(unsafe.Pointer(&d.dims[0])), r), true
}

func numel(dims []int64) int {
	n := 1
	for _, d := range dims {
		if d < 0 {
			return -1
		}
		n *= int(d)
	}
	return n
}

// cross makes the one cgo call of a run (or a fetch). A run gets a new run
// id, which is kept in s.runID: a fetch after it asks for that run's result
// (s.runID 0: the last result). While a run is in C, the end of ctx turns
// into pds_predictor_cancel_run for that id, which cannot stop any other
// call's run: context.AfterFunc registers the cancel for the call and no
// goroutine starts unless ctx ends. Before cross returns the registration is
// stopped, or, if the cancel has started, joined, so it never touches the
// predictor after the call.
func (p *Predictor) cross(ctx context.Context, s *runState, fetch bool) C.pds_status {
	var in, out *C.pds_tensor
	if len(s.in) > 0 {
		in = &s.in[0]
	}
	if len(s.out) > 0 {
		out = &s.out[0]
	}
	var st C.pds_status
	if fetch {
		if s.runID == 0 {
			st = C.pds_predictor_fetch(C.pds_predictor(p.h), out, C.size_t(len(s.out)), &s.cerr)
		} else {
			st = C.pds_predictor_fetch_v2(C.pds_predictor(p.h), C.pds_run_id(s.runID), out,
				C.size_t(len(s.out)), &s.cerr)
		}
		runtime.KeepAlive(p)
		return st
	}
	// The options live in s, like the descriptors and the error: a local
	// whose address goes to C would escape, one allocation per run.
	o := &s.opts
	*o = C.pds_run_options{struct_size: C.uint32_t(unsafe.Sizeof(*o))}
	var stop func() bool
	if ctx.Done() != nil {
		// The id is taken before the call so that the cancel can name the
		// run even before the library has admitted it.
		o.run_id = C.pds_run_id_new()
		s.cancelH, s.cancelID = p.res.h, uint64(o.run_id)
		stop = context.AfterFunc(ctx, s.cancelRun)
	}
	o.wait_at_checkpoint = C.uint32_t(p.res.waitAt.Load())
	// s.in and s.out are Go memory handed to C as arguments (pinned by cgo
	// for the call); the data pointers inside them were pinned by s.pin,
	// which is what cgocheck requires of Go pointers stored in Go memory
	// passed to C. o is a Go struct without pointers.
	st = C.pds_predictor_run_v2(C.pds_predictor(p.h), o, in, C.size_t(len(s.in)), out,
		C.size_t(len(s.out)), &s.cerr)
	s.runID = uint64(o.run_id)
	if stop != nil && !stop() {
		<-s.cancelDone // ctx ended during the call: join the cancel
	}
	runtime.KeepAlive(p) // the cleanup must not destroy the handle under the call
	return st
}

// runState is the memory one call hands to C: the descriptor arrays, the
// error report and the Pinner for the data pointers. Each predictor keeps one
// for reuse, so a steady RunInto allocates nothing; a concurrent call (which
// the library refuses with BUSY) gets its own.
type runState struct {
	in, out []C.pds_tensor
	cerr    C.pds_error
	pin     runtime.Pinner
	opts    C.pds_run_options
	runID   uint64 // the id of the last run crossed with this state
	// The cancel of the call in progress (see cross): cancelRun is bound
	// once, so that registering it allocates no closure per call.
	cancelH, cancelID uint64
	cancelRun         func()
	cancelDone        chan struct{} // cancelRun has returned
	// Run's record of the previous outputs, to size the next buffers.
	lastDType []DType
	lastBytes []int
	ran       bool // inputs were bound for a run: release checks C memory
}

func (r *predRes) acquire(nIn, nOut int) *runState {
	if s := r.state.Swap(nil); s != nil {
		return s
	}
	s := &runState{in: make([]C.pds_tensor, nIn), out: make([]C.pds_tensor, nOut),
		lastDType: make([]DType, nOut), lastBytes: make([]int, nOut),
		cancelDone: make(chan struct{}, 1)}
	s.cancelRun = s.fireCancel
	return s
}

// fireCancel runs in its own goroutine when a call's ctx ends while the call
// is in C (context.AfterFunc). One cancel suffices: the library stops the run
// with this id at its next checkpoint, or as it begins if it has not begun
// yet, and never any other run.
func (s *runState) fireCancel() {
	cPredictorCancelRun(s.cancelH, s.cancelID)
	s.cancelDone <- struct{}{}
}

func (r *predRes) release(s *runState) {
	// After the run: one on shapes new to the predictor may have grown its
	// C memory (a new plan's arena). The descriptors still hold the shapes.
	if s.ran {
		s.ran = false
		if !r.shapes.seen(s.in) {
			checkCMemory()
		}
	}
	r.state.CompareAndSwap(nil, s)
}

// pinData pins a data pointer for the duration of the call and stores it in
// the descriptor.
func (s *runState) pinData(d *C.pds_tensor, ptr unsafe.Pointer, bytes int) {
	if ptr == nil || bytes == 0 {
		d.data, d.byte_length = nil, C.size_t(bytes)
		return
	}
	s.pin.Pin(ptr)
	d.data, d.byte_length = ptr, C.size_t(bytes)
}

// unbind unpins every data pointer and clears them from the descriptors, so
// that neither C nor the cached runState holds a caller's buffer after the
// call.
func (s *runState) unbind() {
	for i := range s.in {
		s.in[i].data = nil
	}
	for i := range s.out {
		s.out[i].data = nil
	}
	s.pin.Unpin()
}

func clearDesc(d *C.pds_tensor) {
	d.dtype, d.rank, d.byte_length = 0, 0, 0
	for k := range d.dims {
		d.dims[k] = 0
	}
}

func (s *runState) bindInputs(op string, infos []TensorInfo, inputs []AnyTensor) error {
	if len(inputs) != len(infos) {
		return newError(CodeInvalidArgument, op, fmt.Sprintf(
			"got %d inputs, the model has %d (%s), in that order", len(inputs), len(infos),
			infoList(infos)))
	}
	for i, t := range inputs {
		var v tensorView
		if t != nil {
			v = t.view()
		}
		if t == nil || v.nilTensor {
			return newError(CodeInvalidArgument, op, fmt.Sprintf("input %d ('%s') is nil", i,
				infos[i].Name))
		}
		if len(v.shape) > MaxRank {
			return newError(CodeShape, op, fmt.Sprintf(
				"input %d ('%s') has rank %d %v, the most is %d (the model expects %v)", i,
				infos[i].Name, len(v.shape), v.shape, MaxRank, infos[i].Shape))
		}
		d := &s.in[i]
		clearDesc(d)
		d.dtype = C.pds_dtype(v.dtype)
		d.rank = C.int32_t(len(v.shape))
		for k, n := range v.shape {
			d.dims[k] = C.int64_t(n)
		}
		s.pinData(d, v.ptr, v.n*v.elem)
	}
	s.ran = true
	return nil
}

func (s *runState) bindOutputs(op string, infos []TensorInfo, outputs []AnyTensor) error {
	if len(outputs) != len(infos) {
		return newError(CodeInvalidArgument, op, fmt.Sprintf(
			"got %d outputs, the model has %d (%s), in that order", len(outputs), len(infos),
			infoList(infos)))
	}
	for i, t := range outputs {
		var v tensorView
		if t != nil {
			v = t.view()
		}
		if t == nil || v.nilTensor {
			return newError(CodeInvalidArgument, op, fmt.Sprintf("output %d ('%s') is nil", i,
				infos[i].Name))
		}
		if want := infos[i].DType; want != DTypeUnknown && want != v.dtype {
			return newError(CodeDType, op, fmt.Sprintf(
				"output %d ('%s') is %s, the buffer holds %s", i, infos[i].Name, want, v.dtype))
		}
		d := &s.out[i]
		clearDesc(d)
		s.pinData(d, v.ptr, v.cap*v.elem)
	}
	return nil
}

// bindGuessedOutputs allocates Run's output buffers with the sizes of the
// previous run (none on the first) and binds them.
func (s *runState) bindGuessedOutputs(infos []TensorInfo) []any {
	bufs := make([]any, len(s.out))
	for i := range s.out {
		dt := s.lastDType[i]
		if dt == DTypeUnknown {
			dt = infos[i].DType
		}
		d := &s.out[i]
		clearDesc(d)
		var ptr unsafe.Pointer
		bufs[i], ptr = makeBuffer(dt, s.lastBytes[i])
		s.pinData(d, ptr, s.lastBytes[i])
	}
	return bufs
}

// bindExactOutputs allocates buffers of the dtype and size the library
// reported in the descriptors and binds them.
func (s *runState) bindExactOutputs() []any {
	bufs := make([]any, len(s.out))
	for i := range s.out {
		d := &s.out[i]
		dims, ok := descDims(d)
		dt := DType(d.dtype)
		bytes := 0
		if n := numel(dims); ok && n > 0 && dt.Size() > 0 {
			bytes = n * dt.Size()
		}
		var ptr unsafe.Pointer
		bufs[i], ptr = makeBuffer(dt, bytes)
		s.pinData(d, ptr, bytes)
	}
	return bufs
}

// outputsReported tells an output PDS_ERR_BUFFER_SIZE from an input one: for
// outputs the library sets every output descriptor's dtype, rank and dims
// (the binding code zeroes them before the call); for a short input it
// returns before looking at the outputs.
func (s *runState) outputsReported() bool {
	for i := range s.out {
		if s.out[i].dtype == 0 {
			return false
		}
	}
	return len(s.out) > 0
}

// outputsMatch reports whether the guessed buffers have the types the library
// reported.
func (s *runState) outputsMatch(bufs []any) bool {
	for i := range s.out {
		if !bufferServes(bufs[i], DType(s.out[i].dtype)) {
			return false
		}
	}
	return true
}

// result builds a Result from the filled buffers and records the sizes for
// the next run.
func (s *runState) result(infos []TensorInfo, bufs []any) *Result {
	r := &Result{outs: make([]resultOutput, len(s.out))}
	for i := range s.out {
		d := &s.out[i]
		dims, _ := descDims(d)
		dt := DType(d.dtype)
		n := numel(dims)
		s.lastDType[i], s.lastBytes[i] = dt, n*dt.Size()
		r.outs[i] = resultOutput{
			info: TensorInfo{Name: infos[i].Name, DType: dt, Shape: append([]int64{}, dims...)},
			data: sliceBuffer(bufs[i], n, dt.Size()),
		}
	}
	return r
}

func infoList(infos []TensorInfo) string {
	s := ""
	for i, ti := range infos {
		if i > 0 {
			s += ", "
		}
		s += fmt.Sprintf("'%s' %s%v", ti.Name, ti.DType, ti.Shape)
	}
	return s
}

// makeBuffer allocates a Go slice for bytes of dtype dt: typed for the
// Element types, []byte for the others.
func makeBuffer(dt DType, bytes int) (any, unsafe.Pointer) {
	if dt.Size() == 0 {
		dt = Uint8
	}
	n := bytes / dt.Size()
	switch dt {
	case Float32:
		return typedBuffer[float32](n)
	case Int64:
		return typedBuffer[int64](n)
	case Int32:
		return typedBuffer[int32](n)
	case Bool:
		return typedBuffer[bool](n)
	default:
		return typedBuffer[uint8](n * dt.Size())
	}
}

func typedBuffer[T Element](n int) (any, unsafe.Pointer) {
	b := make([]T, n)
	if n == 0 {
		return b, nil
	}
	return b, unsafe.Pointer(unsafe.SliceData(b))
}

// bufferServes reports whether a buffer made by makeBuffer holds dtype dt:
// the typed slices their own type, []byte Uint8 and every non-Element type.
func bufferServes(b any, dt DType) bool {
	switch b.(type) {
	case []float32:
		return dt == Float32
	case []int64:
		return dt == Int64
	case []int32:
		return dt == Int32
	case []bool:
		return dt == Bool
	default:
		return dt != Float32 && dt != Int64 && dt != Int32 && dt != Bool
	}
}

// sliceBuffer cuts a buffer of makeBuffer to n elements (of elem bytes for
// []uint8). A buffer that already has exactly that length and capacity (the
// usual case: the previous run's size guessed right) is returned as it is,
// without boxing a new slice header.
func sliceBuffer(b any, n, elem int) any {
	switch v := b.(type) {
	case []float32:
		return cut(b, v, n)
	case []int64:
		return cut(b, v, n)
	case []int32:
		return cut(b, v, n)
	case []bool:
		return cut(b, v, n)
	case []uint8:
		return cut(b, v, n*elem)
	}
	return b
}

func cut[T any](b any, v []T, n int) any {
	if len(v) == n && cap(v) == n {
		return b
	}
	return v[:n:n]
}
