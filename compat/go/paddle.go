// Package paddle drives pdsafe's libpaddle_inference_c (Paddle Inference's C
// API, PD_*) through cgo the way Paddle's own Go API does: thin wrappers that
// hold a C pointer, free it from a runtime.SetFinalizer, and pass Go slices to
// the length-less copy functions. It exists to test that such code, relinked
// against pdsafe, never crashes; it is not a binding to use. New Go code uses
// the native package (github.com/pdsafe/pdsafe/go), which adds what the PD_*
// API cannot give (lengths, errors per call, Close, contexts).
package paddle

/*
#cgo pkg-config: paddle_inference_c
#include <stdlib.h>
#include "pd_inference_api.h"
*/
import "C"

import (
	"runtime"
	"sync/atomic"
	"unsafe"
)

// FinalizedPredictors counts predictors destroyed by their finalizer.
var FinalizedPredictors atomic.Int64

// Config wraps PD_Config.
type Config struct{ c *C.PD_Config }

// NewConfig creates a config; like Paddle's Go API, nothing ever destroys it:
// PD_PredictorCreate takes it.
func NewConfig() *Config { return &Config{c: C.PD_ConfigCreate()} }

// SetModel sets the program and parameter files.
func (c *Config) SetModel(model, params string) {
	cm, cp := C.CString(model), C.CString(params)
	defer C.free(unsafe.Pointer(cm))
	defer C.free(unsafe.Pointer(cp))
	C.PD_ConfigSetModel(c.c, cm, cp)
}

// SwitchIrOptim turns graph optimisation on or off.
func (c *Config) SwitchIrOptim(on bool) { C.PD_ConfigSwitchIrOptim(c.c, cBool(on)) }

// Predictor wraps PD_Predictor.
//
// A struct holding only a pointer to an incomplete C type is, for the Go
// runtime, 8 bytes without pointers: it comes from the tiny allocator, which
// shares 16-byte blocks, and its finalizer may never run (a leak in code
// shaped like Paddle's Go API). The name field makes it an ordinary object,
// so that the test can have the GC finalize it while a tensor is in use.
type Predictor struct {
	c    *C.PD_Predictor
	name string
}

// NewPredictor creates a predictor from the config (which it takes).
func NewPredictor(cfg *Config) *Predictor {
	p := &Predictor{c: C.PD_PredictorCreate(cfg.c), name: "predictor"}
	if p.c == nil {
		return nil
	}
	runtime.SetFinalizer(p, func(p *Predictor) {
		C.PD_PredictorDestroy(p.c)
		FinalizedPredictors.Add(1)
	})
	return p
}

// Handle is the value of the C pointer (for matching reports).
func (p *Predictor) Handle() uintptr { return uintptr(unsafe.Pointer(p.c)) }

// Clone wraps PD_PredictorClone.
func (p *Predictor) Clone() *Predictor {
	q := &Predictor{c: C.PD_PredictorClone(p.c), name: "clone"}
	runtime.SetFinalizer(q, func(q *Predictor) { C.PD_PredictorDestroy(q.c) })
	return q
}

// Destroy destroys the predictor now (Paddle's Go API leaves it to the GC).
func (p *Predictor) Destroy() { C.PD_PredictorDestroy(p.c) }

// GetInputNames wraps PD_PredictorGetInputNames.
func (p *Predictor) GetInputNames() []string { return cstrs(C.PD_PredictorGetInputNames(p.c)) }

// GetOutputNames wraps PD_PredictorGetOutputNames.
func (p *Predictor) GetOutputNames() []string { return cstrs(C.PD_PredictorGetOutputNames(p.c)) }

// GetInputHandle wraps PD_PredictorGetInputHandle.
func (p *Predictor) GetInputHandle(name string) *Tensor { return p.handle(name, true) }

// GetOutputHandle wraps PD_PredictorGetOutputHandle.
func (p *Predictor) GetOutputHandle(name string) *Tensor { return p.handle(name, false) }

func (p *Predictor) handle(name string, input bool) *Tensor {
	cn := C.CString(name)
	defer C.free(unsafe.Pointer(cn))
	t := &Tensor{}
	if input {
		t.c = C.PD_PredictorGetInputHandle(p.c, cn)
	} else {
		t.c = C.PD_PredictorGetOutputHandle(p.c, cn)
	}
	// As Paddle's Go API: the tensor does not keep its predictor alive.
	runtime.SetFinalizer(t, func(t *Tensor) { C.PD_TensorDestroy(t.c) })
	return t
}

// Run wraps PD_PredictorRun.
func (p *Predictor) Run() bool { return C.PD_PredictorRun(p.c) != 0 }

// Tensor wraps PD_Tensor.
type Tensor struct{ c *C.PD_Tensor }

// Handle is the value of the C pointer (for matching reports).
func (t *Tensor) Handle() uintptr { return uintptr(unsafe.Pointer(t.c)) }

// Reshape wraps PD_TensorReshape.
func (t *Tensor) Reshape(shape []int32) {
	if len(shape) == 0 {
		C.PD_TensorReshape(t.c, 0, nil)
		return
	}
	C.PD_TensorReshape(t.c, C.size_t(len(shape)), (*C.int32_t)(unsafe.Pointer(&shape[0])))
}

// Shape wraps PD_TensorGetShape; nil when the call was refused.
func (t *Tensor) Shape() []int32 {
	a := C.PD_TensorGetShape(t.c)
	if a == nil {
		return nil
	}
	defer C.PD_OneDimArrayInt32Destroy(a)
	out := make([]int32, int(a.size))
	if a.size > 0 {
		copy(out, unsafe.Slice((*int32)(unsafe.Pointer(a.data)), int(a.size)))
	}
	return out
}

// CopyFromCpu wraps PD_TensorCopyFromCpuFloat: like Paddle's, it passes no length.
func (t *Tensor) CopyFromCpu(data []float32) {
	C.PD_TensorCopyFromCpuFloat(t.c, (*C.float)(unsafe.Pointer(unsafe.SliceData(data))))
}

// CopyToCpu wraps PD_TensorCopyToCpuFloat: like Paddle's, it passes no length.
func (t *Tensor) CopyToCpu(data []float32) {
	C.PD_TensorCopyToCpuFloat(t.c, (*C.float)(unsafe.Pointer(unsafe.SliceData(data))))
}

func cBool(b bool) C.PD_Bool {
	if b {
		return 1
	}
	return 0
}

func cstrs(a *C.PD_OneDimArrayCstr) []string {
	if a == nil {
		return nil
	}
	defer C.PD_OneDimArrayCstrDestroy(a)
	ptrs := unsafe.Slice(a.data, int(a.size))
	out := make([]string, len(ptrs))
	for i, p := range ptrs {
		out[i] = C.GoString(p)
	}
	return out
}
