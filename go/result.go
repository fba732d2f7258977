package pdsafe

import (
	"fmt"
	"strings"
)

// Result holds the outputs of one Run and is safe for concurrent reads (not
// for writes through the tensors it hands out). Its data is Go memory owned by
// the Result: it stays valid after the predictor, pool or model is closed; the tensors returned by Output and OutputAt share the
// Result's data, so writing to them is visible through the Result.
type Result struct {
	outs []resultOutput
}

type resultOutput struct {
	info TensorInfo
	data any // []float32, []int64, []int32, []bool or []uint8 (raw bytes for other dtypes)
}

// Len returns the number of outputs.
func (r *Result) Len() int { return len(r.outs) }

// Names returns the output names in fetch order.
func (r *Result) Names() []string {
	names := make([]string, len(r.outs))
	for i, o := range r.outs {
		names[i] = o.info.Name
	}
	return names
}

// Info returns the name, element type and actual shape of output i. It
// panics if i is out of range, like a slice index.
func (r *Result) Info(i int) TensorInfo { return r.outs[i].info.clone() }

// Index returns the position of the output called name, or -1.
func (r *Result) Index(name string) int {
	for i, o := range r.outs {
		if o.info.Name == name {
			return i
		}
	}
	return -1
}

// Tensor returns output i as a tensor (a *Tensor[T] of its element type), or
// nil if its element type is not an Element type (see Bytes). It panics if i
// is out of range.
func (r *Result) Tensor(i int) AnyTensor {
	o := r.outs[i]
	shape := append([]int64(nil), o.info.Shape...)
	switch o.info.DType {
	case Float32:
		return &Tensor[float32]{Shape: shape, Data: o.data.([]float32)}
	case Int64:
		return &Tensor[int64]{Shape: shape, Data: o.data.([]int64)}
	case Int32:
		return &Tensor[int32]{Shape: shape, Data: o.data.([]int32)}
	case Uint8:
		return &Tensor[uint8]{Shape: shape, Data: o.data.([]uint8)}
	case Bool:
		return &Tensor[bool]{Shape: shape, Data: o.data.([]bool)}
	}
	return nil
}

// Data returns output i's elements without copying them or its shape: a
// []float32, []int64, []int32, []uint8 or []bool for those element types,
// the raw little-endian []byte for the others (as Bytes). Like the tensors
// of Tensor and Output it shares the Result's data. It panics if i is out
// of range. It allocates nothing, for callers that move many outputs (a
// server encoding responses).
func (r *Result) Data(i int) any { return r.outs[i].data }

// Bytes returns the raw little-endian bytes of output i if its element type
// has no Go Element type (int8, float16, ...), nil otherwise. It panics
// if i is out of range.
func (r *Result) Bytes(i int) []byte {
	o := r.outs[i]
	switch o.info.DType {
	case Float32, Int64, Int32, Uint8, Bool:
		return nil
	}
	b, _ := o.data.([]byte)
	return b
}

// Output returns the output called name as a *Tensor[T]. It fails with
// ErrInvalidArgument if there is no such output and with ErrDType if the
// output's element type is not T.
func Output[T Element](r *Result, name string) (*Tensor[T], error) {
	i := r.Index(name)
	if i < 0 {
		return nil, newError(CodeInvalidArgument, "Output", fmt.Sprintf(
			"no output named '%s' (the outputs are: %s)", name, strings.Join(r.Names(), ", ")))
	}
	return outputAt[T]("Output", r, i)
}

// OutputAt returns output i (fetch order) as a *Tensor[T]. It fails with
// ErrInvalidArgument if i is out of range and with ErrDType if the output's
// element type is not T.
func OutputAt[T Element](r *Result, i int) (*Tensor[T], error) {
	if i < 0 || i >= len(r.outs) {
		return nil, newError(CodeInvalidArgument, "OutputAt", fmt.Sprintf(
			"index %d is out of range (the result has %d outputs)", i, len(r.outs)))
	}
	return outputAt[T]("OutputAt", r, i)
}

func outputAt[T Element](op string, r *Result, i int) (*Tensor[T], error) {
	o := r.outs[i]
	data, ok := o.data.([]T)
	if !ok || o.info.DType != DTypeOf[T]() {
		return nil, newError(CodeDType, op, fmt.Sprintf("output %d ('%s') is %s%v, asked for %s",
			i, o.info.Name, o.info.DType, o.info.Shape, DTypeOf[T]()))
	}
	return &Tensor[T]{Shape: append([]int64(nil), o.info.Shape...), Data: data}, nil
}
