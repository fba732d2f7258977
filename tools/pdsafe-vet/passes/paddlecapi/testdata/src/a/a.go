package a

/*
#include <stdint.h>
#include <stddef.h>
typedef struct PD_Predictor PD_Predictor;
typedef struct PD_Tensor PD_Tensor;
static void PD_TensorReshape(PD_Tensor *t, size_t n, int32_t *dims) {}
static void PD_TensorCopyFromCpuFloat(PD_Tensor *t, const float *d) {}
static void PD_TensorCopyToCpuFloat(PD_Tensor *t, float *d) {}
static void PD_TensorCopyFromCpuInt64(PD_Tensor *t, const int64_t *d) {}
static void PD_TensorDestroy(PD_Tensor *t) {}
static void PD_PredictorDestroy(PD_Predictor *p) {}
static int PD_PredictorRun(PD_Predictor *p) { return 1; }
*/
import "C"

import (
	"sync"
	"unsafe"
)

func reshape(t *C.PD_Tensor, dims []int32) {
	C.PD_TensorReshape(t, C.size_t(len(dims)), (*C.int32_t)(unsafe.Pointer(&dims[0])))
}

// --- true positives ---

func wrongLength(t *C.PD_Tensor, data []float32) {
	dims := []int32{1, 3, 224, 224}
	C.PD_TensorReshape(t, 4, (*C.int32_t)(unsafe.Pointer(&dims[0])))
	C.PD_TensorCopyFromCpuFloat(t, (*C.float)(unsafe.Pointer(&data[0]))) // want `C.PD_TensorCopyFromCpuFloat takes no length .* the length of data is not provably their product`
}

func wrongConstant(t *C.PD_Tensor) {
	dims := []int32{2, 3}
	out := make([]float32, 5)
	C.PD_TensorReshape(t, 2, (*C.int32_t)(unsafe.Pointer(&dims[0])))
	C.PD_TensorCopyToCpuFloat(t, (*C.float)(unsafe.Pointer(&out[0]))) // want `the length of out is not provably their product`
}

func partialProduct(t *C.PD_Tensor) {
	dims := []int32{2, 3, 4}
	out := make([]int64, dims[0]*dims[1])
	C.PD_TensorReshape(t, 3, (*C.int32_t)(unsafe.Pointer(&dims[0])))
	C.PD_TensorCopyFromCpuInt64(t, (*C.int64_t)(unsafe.Pointer(&out[0]))) // want `the length of out is not provably their product`
}

func useAfterDestroy(t *C.PD_Tensor) {
	C.PD_TensorDestroy(t)
	dims := []int32{1}
	C.PD_TensorReshape(t, 1, (*C.int32_t)(unsafe.Pointer(&dims[0]))) // want `t is used after C.PD_TensorDestroy destroyed it`
}

func useAfterDestroyOnOnePath(p *C.PD_Predictor, stop bool) {
	if stop {
		C.PD_PredictorDestroy(p)
	}
	C.PD_PredictorRun(p) // want `p is used after C.PD_PredictorDestroy destroyed it`
}

func sharedInLoop(p *C.PD_Predictor) {
	var wg sync.WaitGroup
	for i := 0; i < 4; i++ {
		wg.Add(1)
		go func() { // want `p \(a Paddle predictor\) is used by a go statement inside a loop`
			defer wg.Done()
			C.PD_PredictorRun(p)
		}()
	}
	wg.Wait()
}

type Wrapper struct{ c *C.PD_Predictor }

func (w *Wrapper) Run() { C.PD_PredictorRun(w.c) }

func sharedTwice(w *Wrapper) {
	go w.Run()
	go w.Run() // want `w \(a Paddle predictor\) is used by two go statements`
}

// --- false positives that must stay quiet ---

func rightLength(t *C.PD_Tensor) {
	dims := []int32{1, 3, 2, 2}
	data := make([]float32, dims[0]*dims[1]*dims[2]*dims[3])
	C.PD_TensorReshape(t, 4, (*C.int32_t)(unsafe.Pointer(&dims[0])))
	C.PD_TensorCopyFromCpuFloat(t, (*C.float)(unsafe.Pointer(&data[0])))
}

func loopProduct(t *C.PD_Tensor, dims []int32) []float32 {
	n := 1
	for _, d := range dims {
		n *= int(d)
	}
	out := make([]float32, n)
	C.PD_TensorReshape(t, C.size_t(len(dims)), (*C.int32_t)(unsafe.Pointer(&dims[0])))
	C.PD_TensorCopyToCpuFloat(t, (*C.float)(unsafe.Pointer(&out[0])))
	return out
}

func constantLength(t *C.PD_Tensor) {
	dims := []int32{2, 3}
	data := [6]float32{}
	x := data[:]
	y := []float32{1, 2, 3, 4, 5, 6}
	C.PD_TensorReshape(t, 2, (*C.int32_t)(unsafe.Pointer(&dims[0])))
	C.PD_TensorCopyFromCpuFloat(t, (*C.float)(unsafe.Pointer(&y[0])))
	_ = x
}

func checkedLength(t *C.PD_Tensor, dims []int32, data []float32, n int) {
	if len(data) != n {
		return
	}
	C.PD_TensorReshape(t, C.size_t(len(dims)), (*C.int32_t)(unsafe.Pointer(&dims[0])))
	C.PD_TensorCopyFromCpuFloat(t, (*C.float)(unsafe.Pointer(&data[0])))
}

func wrapperNoReshape(t *C.PD_Tensor, data []float32) {
	C.PD_TensorCopyFromCpuFloat(t, (*C.float)(unsafe.Pointer(unsafe.SliceData(data))))
}

func destroyLast(t *C.PD_Tensor, p *C.PD_Predictor) {
	C.PD_PredictorRun(p)
	defer C.PD_PredictorDestroy(p)
	C.PD_TensorDestroy(t)
	t = nil
	_ = t
}

func destroyThenReturn(p *C.PD_Predictor, stop bool) {
	if stop {
		C.PD_PredictorDestroy(p)
		return
	}
	C.PD_PredictorRun(p)
}

func onePerGoroutine(ps []*C.PD_Predictor) {
	for _, p := range ps {
		go func() { C.PD_PredictorRun(p) }()
	}
}
