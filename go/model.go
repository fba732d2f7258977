package pdsafe

import (
	"fmt"
	"runtime"
	"sync"
)

// TensorInfo describes a model input or output, or an output of a Result; a
// plain value, safe for concurrent use (the package hands out copies).
type TensorInfo struct {
	// Name is the variable name in the model (a Go copy).
	Name string
	// DType is the element type.
	DType DType
	// Shape lists the dims; -1 marks a dim fixed only at run time. It is nil
	// when the model does not declare the rank.
	Shape []int64
}

func (ti TensorInfo) clone() TensorInfo {
	if ti.Shape != nil {
		ti.Shape = append([]int64(nil), ti.Shape...)
	}
	return ti
}

// String formats the info as "name float32[-1 3 64 64]".
func (ti TensorInfo) String() string { return fmt.Sprintf("%s %s%v", ti.Name, ti.DType, ti.Shape) }

// ModelFormat is the file format a model was loaded from (a plain value).
type ModelFormat int32

// Model formats.
const (
	FormatUnknown ModelFormat = 0
	// FormatLegacy is a ProgramDesc protobuf (.pdmodel, __model__).
	FormatLegacy ModelFormat = 1
	// FormatPIRJSON is a Paddle 3 PIR program (.json).
	FormatPIRJSON ModelFormat = 2
)

// ModelStats are statistics of a loaded model; a plain value, safe for
// concurrent use.
type ModelStats struct {
	// Format is the file format the model was loaded from.
	Format ModelFormat
	// FormatVersion is the ProgramDesc version (e.g. 3000000) or PIR version.
	FormatVersion int64
	// OpCount counts operators, not counting feed and fetch.
	OpCount uint64
	// ParamCount counts parameters (weights) and ParamBytes their size.
	ParamCount uint64
	ParamBytes uint64
}

// modelConfig is what the ModelOptions set. Zero fields mean "the library's
// default".
type modelConfig struct {
	maxTensorBytes, maxFileBytes uint64
	maxOps, maxValues            uint32
	guard                        bool
	leakHandler                  LeakHandler
	precision                    Precision
	noInt8                       bool
}

// Precision is the arithmetic precision of a model's convolutions and matrix
// products (WithPrecision). Inputs and outputs keep the dtypes the model
// declares whatever the precision.
type Precision uint32

const (
	// FP32 is the default: float32 everywhere.
	FP32 Precision = 0
	// BF16 runs convolutions and matrix products with constant weights in
	// bfloat16 with float32 accumulation (oneDNN), and keeps the activations
	// between them in bfloat16 internally; inputs, outputs, normalisations,
	// softmax and reductions stay float32. Expect relative differences
	// around 1e-2 from FP32. It needs a
	// CPU with native bf16 (AVX512_BF16 or AMX-BF16) and the oneDNN backend:
	// elsewhere the load fails with ErrInvalidArgument saying what is
	// missing, it is never emulated.
	BF16 Precision = 1
)

// String returns "fp32", "bf16", or "Precision(N)" for another value.
func (p Precision) String() string {
	switch p {
	case FP32:
		return "fp32"
	case BF16:
		return "bf16"
	}
	return fmt.Sprintf("Precision(%d)", uint32(p))
}

// ModelOption configures LoadModel and LoadModelBytes; options are pure
// functions, safe for concurrent use and reuse. They are applied to a private
// copy at load; the C library copies the result
// in turn (M18), so nothing the caller holds is kept.
type ModelOption func(*modelConfig)

// WithMaxTensorBytes limits the size of any one tensor (parameter or
// activation); the library's default is 2 GiB. A model or a run needing more
// fails with ErrLimit.
func WithMaxTensorBytes(n uint64) ModelOption {
	return func(c *modelConfig) { c.maxTensorBytes = n }
}

// WithMaxFileBytes limits the size of the model and parameter files; the
// default is 4 GiB.
func WithMaxFileBytes(n uint64) ModelOption {
	return func(c *modelConfig) { c.maxFileBytes = n }
}

// WithMaxOps limits the number of operators in a program; the default is
// 100000.
func WithMaxOps(n uint32) ModelOption {
	return func(c *modelConfig) { c.maxOps = n }
}

// WithMaxValues limits the number of values (variables) in a program; the
// default is 1000000.
func WithMaxValues(n uint32) ModelOption {
	return func(c *modelConfig) { c.maxValues = n }
}

// WithGuard turns on guard mode for the model and everything created from it
// (predictors, pools): each object records the stack of the goroutine that
// created it, an object found unreachable without Close is reported to h (nil:
// a report on standard error) with that stack, and ErrClosed errors say where
// the object was closed. It costs one stack capture per object.
func WithGuard(h LeakHandler) ModelOption {
	return func(c *modelConfig) { c.guard, c.leakHandler = true, h }
}

// WithPrecision chooses the precision of the model's convolutions and matrix
// products (see Precision); the default is FP32. A value other than FP32 and
// BF16 fails the load with ErrInvalidArgument.
func WithPrecision(p Precision) ModelOption {
	return func(c *modelConfig) { c.precision = p }
}

// WithoutInt8 runs a quantised model's QDQ convolutions (PaddleSlim's
// quantize_linear / dequantize_linear around them) as float32 fake
// quantisation, as Paddle's own CPU kernels compute them, instead of in int8
// (the default where the CPU has VNNI): for debugging an int8 difference.
// Other models are unaffected.
func WithoutInt8() ModelOption {
	return func(c *modelConfig) { c.noInt8 = true }
}

// Model is a loaded model (its graph and weights, immutable once loaded) and
// is safe for concurrent use: any number of goroutines may create predictors
// and pools from it, query it and close it at once.
//
// Predictors and pools keep the model's weights alive, so the model may be
// closed before them (or collected; the C library counts references). Close
// only stops new predictors from being created.
type Model struct {
	mu      sync.RWMutex // read: calls that use h; write: Close
	closed  bool
	h       uint64
	inputs  []TensorInfo
	outputs []TensorInfo
	stats   ModelStats
	ops     []string
	guard   *guard
	cleanup runtime.Cleanup
}

// modelCleanup is the backstop for a model that was never closed. It gets the
// handle, not the Model, so that it does not keep the Model reachable.
func modelCleanup(r modelRes) {
	defer traceRegion("Model cleanup", r.h)()
	err := cModelDestroy("Model cleanup", r.h)
	r.guard.report("model", r.h)
	testHookCleanup("model", r.h, err)
}

type modelRes struct {
	h     uint64
	guard *guard
}

func newConfig(opts []ModelOption) *modelConfig {
	c := &modelConfig{}
	for _, o := range opts {
		if o != nil {
			o(c)
		}
	}
	return c
}

// LoadModel loads a model from a program file, legacy (inference.pdmodel,
// __model__) or Paddle 3 PIR (inference.json), and its combined parameter
// file (inference.pdiparams) or a directory of per-parameter files. modelPath
// may also be a directory holding exactly one program. With paramsPath empty
// (passed to C as NULL) the library finds the parameters, by one rule for a
// file and a directory: X.pdiparams for X.pdmodel, X.json.pdiparams or else
// X.pdiparams for X.json, one file per parameter beside __model__; a program
// that needs parameters and has none there fails naming the paths looked for.
// A directory holding both inference.pdmodel and inference.json is refused
// (ErrInvalidArgument): pass the file you mean. The files are read during the
// call and not kept open.
//
// Errors: ErrIO (the message names the file), ErrModelFormat (file and byte
// offset), ErrUnsupportedOp, ErrLimit, ErrOutOfMemory, ErrInvalidArgument.
func LoadModel(modelPath, paramsPath string, opts ...ModelOption) (*Model, error) {
	const op = "LoadModel"
	c := newConfig(opts)
	h, err := cLoadFiles(op, modelPath, paramsPath, c)
	if err != nil {
		return nil, err
	}
	return newModel(op, h, c)
}

// LoadModelBytes loads a model from memory: model holds the program, params
// the combined parameters (empty for a model without parameters). Both are
// read during the call only; the caller may reuse them at once. Errors as for
// LoadModel.
func LoadModelBytes(model, params []byte, opts ...ModelOption) (*Model, error) {
	const op = "LoadModelBytes"
	c := newConfig(opts)
	h, err := cLoadBuffers(op, model, params, c)
	if err != nil {
		return nil, err
	}
	return newModel(op, h, c)
}

func newModel(op string, h uint64, c *modelConfig) (*Model, error) {
	ins, outs, stats, err := cModelInfo(op, h)
	var ops []string
	if err == nil {
		ops, err = cOpTypes(op, h, stats.OpCount)
	}
	if err != nil {
		_ = cModelDestroy(op, h)
		return nil, err
	}
	m := &Model{h: h, inputs: ins, outputs: outs, stats: stats, ops: ops}
	if c.guard {
		m.guard = newGuard(c.leakHandler, 2)
		m.guard.attach(h, "model")
	}
	m.cleanup = runtime.AddCleanup(m, modelCleanup, modelRes{h: h, guard: m.guard})
	checkCMemory()
	return m, nil
}

// Inputs returns the model's inputs in feed order, the order Run takes them.
// The slice is a copy: changing it changes nothing in the model. It remains
// valid after Close.
func (m *Model) Inputs() []TensorInfo { return cloneInfos(m.inputs) }

// Outputs returns the model's outputs in fetch order (a copy, valid after
// Close).
func (m *Model) Outputs() []TensorInfo { return cloneInfos(m.outputs) }

// Stats returns the model's statistics (queried at load).
func (m *Model) Stats() ModelStats { return m.stats }

// OpTypes returns the type of every operator in execution order, feed and
// fetch not counted (a copy, queried at load).
func (m *Model) OpTypes() []string { return append([]string(nil), m.ops...) }

func cloneInfos(in []TensorInfo) []TensorInfo {
	out := make([]TensorInfo, len(in))
	for i, ti := range in {
		out[i] = ti.clone()
	}
	return out
}

// closedError is the ErrClosed error for op on an object with guard g.
func closedError(op, what string, g *guard) error {
	msg := what + " is closed" + g.closedNote()
	if n := g.noteMisuse(op, 1, what+" is closed"); n != 0 {
		msg += fmt.Sprintf(" [guard incident %d (M1)]", n)
	}
	return newError(CodeClosed, op, msg)
}

// NewPredictor creates a predictor over the model: the activations and
// scratch memory for one run at a time. The predictor keeps the model's
// weights alive until it is closed.
//
// Errors: ErrClosed after Close, ErrInvalidArgument for bad options,
// ErrOutOfMemory.
func (m *Model) NewPredictor(opts ...PredictorOption) (*Predictor, error) {
	c := newPredictorConfig(opts)
	return m.newPredictor("Model.NewPredictor", c, false, 1)
}

// newPredictor creates a predictor; skip is the number of pdsafe frames
// between the user's code and this function, for the guard's stack.
func (m *Model) newPredictor(op string, c *predictorConfig, pooled bool, skip int) (*Predictor, error) {
	m.mu.RLock()
	defer m.mu.RUnlock()
	if m.closed {
		return nil, closedError(op, "the model", m.guard)
	}
	h, err := cPredictorCreate(op, m.h, c)
	runtime.KeepAlive(m)
	if err != nil {
		return nil, err
	}
	g := m.guard.child(skip + 1)
	g.attach(h, "predictor")
	p := newPredictor(m, h, c, g, pooled)
	checkCMemory()
	return p, nil
}

// Close releases the caller's reference to the model: no predictor or pool
// can be created from it any more. Predictors and pools already created keep
// working; the weights are freed when the last of them is closed. Close waits
// for calls in progress on the model (NewPredictor, NewPool) to return. It is
// idempotent: a second Close returns nil and does nothing.
func (m *Model) Close() error {
	defer traceRegion("Model.Close", m.h)()
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.closed {
		return nil
	}
	m.closed = true
	m.cleanup.Stop()
	m.guard.markClosed()
	err := cModelDestroy("Model.Close", m.h)
	m.guard.noteClosed("Model.Close")
	runtime.KeepAlive(m)
	return err
}
