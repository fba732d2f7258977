package pdsafe

import (
	"fmt"
	"math"
	"strconv"
	"sync/atomic"
	"unsafe"
)

// DType is a tensor element type, a plain value safe for concurrent use; the
// values are the C library's pds_dtype.
type DType int32

// The element types the C library knows. Only Float32, Int64, Int32, Uint8
// and Bool have a Go Element type; outputs of the others are available as raw
// bytes (Result.Bytes).
const (
	DTypeUnknown DType = 0
	Float32      DType = 1
	Int64        DType = 2
	Int32        DType = 3
	Uint8        DType = 4
	Int8         DType = 5
	Bool         DType = 6
	Float64      DType = 7
	Float16      DType = 8
	Int16        DType = 9
	BFloat16     DType = 10
)

var dtypeNames = [...]string{"unknown", "float32", "int64", "int32", "uint8", "int8", "bool",
	"float64", "float16", "int16", "bfloat16"}
var dtypeSizes = [...]int{0, 4, 8, 4, 1, 1, 1, 8, 2, 2, 2}

// String returns the lower-case name of the type ("float32"), as the C
// library's pds_dtype_name does.
func (d DType) String() string {
	if d >= 0 && int(d) < len(dtypeNames) {
		return dtypeNames[d]
	}
	return "dtype(" + strconv.Itoa(int(d)) + ")"
}

// Size returns the bytes per element, 0 for DTypeUnknown and unknown values.
func (d DType) Size() int {
	if d >= 0 && int(d) < len(dtypeSizes) {
		return dtypeSizes[d]
	}
	return 0
}

// Element is the set of Go element types a Tensor can hold (a type
// constraint, not a run-time type).
// A Go bool is one byte holding 0 or 1, the C library's PDS_BOOL.
type Element interface {
	float32 | int64 | int32 | uint8 | bool
}

// DTypeOf returns the DType of the element type T.
func DTypeOf[T Element]() DType {
	var z T
	switch any(z).(type) {
	case float32:
		return Float32
	case int64:
		return Int64
	case int32:
		return Int32
	case bool:
		return Bool
	default:
		return Uint8
	}
}

// MaxRank is the largest tensor rank the library handles.
const MaxRank = 8

// Tensor is a dense row-major tensor in Go memory and is not safe for
// concurrent use while a RunInto or Fetch writes into it (reading it from
// several runs at once as an input is fine). Shape lists the dims, Data the
// elements; it holds no C resources and needs no Close.
//
// As a run input, Data is handed to the C library for the duration of the call
// only (pinned, never copied, never kept); len(Data) must cover Shape. As a
// RunInto output, cap(Data) is the buffer: on success Shape is set to the
// output's shape and Data resliced to its element count.
type Tensor[T Element] struct {
	Shape []int64
	Data  []T
}

// DefaultMaxTensorBytes is the largest tensor NewTensor and NewZeroTensor
// accept unless SetMaxTensorBytes says otherwise: the C library's default
// max_tensor_bytes.
const DefaultMaxTensorBytes = 2 << 30

var maxTensorBytes atomic.Int64

func init() { maxTensorBytes.Store(DefaultMaxTensorBytes) }

// SetMaxTensorBytes sets the largest tensor, in bytes, that NewTensor and
// NewZeroTensor accept (n <= 0 restores DefaultMaxTensorBytes) and returns
// the previous limit. It is safe for concurrent use. Raise it together with
// WithMaxTensorBytes for models whose inputs are larger than 2 GiB.
func SetMaxTensorBytes(n int64) (previous int64) {
	if n <= 0 {
		n = DefaultMaxTensorBytes
	}
	return maxTensorBytes.Swap(n)
}

// NewTensor returns a tensor over data (not copied) with a copy of shape.
// It fails with ErrShape if a dim is negative, the rank is over MaxRank or
// the element count or byte size overflows, with ErrLimit if the tensor would
// be larger than the limit of SetMaxTensorBytes (2 GiB by default), and with
// ErrBufferSize if len(data) is not the product of the dims.
func NewTensor[T Element](shape []int64, data []T) (*Tensor[T], error) {
	n, err := checkedElements[T]("NewTensor", shape)
	if err != nil {
		return nil, err
	}
	if int64(len(data)) != n {
		return nil, newError(CodeBufferSize, "NewTensor", fmt.Sprintf(
			"data has %d elements, shape %v of %s needs %d", len(data), shape, DTypeOf[T](), n))
	}
	return &Tensor[T]{Shape: append([]int64(nil), shape...), Data: data}, nil
}

// NewZeroTensor returns a tensor of the given shape with zeroed Data, with the
// same checks as NewTensor, all made before anything is allocated: an
// impossible or huge shape is an error, never a run-time panic or a fatal
// out-of-memory.
func NewZeroTensor[T Element](shape ...int64) (*Tensor[T], error) {
	n, err := checkedElements[T]("NewZeroTensor", shape)
	if err != nil {
		return nil, err
	}
	return &Tensor[T]{Shape: append([]int64(nil), shape...), Data: make([]T, n)}, nil
}

// checkedElements checks a shape for a tensor of T and returns its element
// count: ErrShape for a bad shape or a byte size that overflows, ErrLimit
// over the SetMaxTensorBytes limit.
func checkedElements[T Element](op string, shape []int64) (int64, error) {
	n, err := numElements(op, shape)
	if err != nil {
		return 0, err
	}
	var z T
	elem := int64(unsafe.Sizeof(z))
	if n > math.MaxInt64/elem {
		return 0, newError(CodeShape, op, fmt.Sprintf(
			"shape %v of %s: the byte size overflows int64", shape, DTypeOf[T]()))
	}
	if limit := maxTensorBytes.Load(); n*elem > limit {
		return 0, newError(CodeLimit, op, fmt.Sprintf(
			"shape %v of %s needs %d bytes, over the limit of %d (SetMaxTensorBytes)", shape,
			DTypeOf[T](), n*elem, limit))
	}
	return n, nil
}

// NewBuffer returns an output tensor for RunInto with room for capacity
// elements: empty Shape, len(Data) 0, cap(Data) capacity. Like make, it
// panics if capacity is negative or too large to allocate.
func NewBuffer[T Element](capacity int) *Tensor[T] {
	return &Tensor[T]{Shape: make([]int64, 0, MaxRank), Data: make([]T, 0, capacity)}
}

// numElements checks a shape and returns its element count.
func numElements(op string, shape []int64) (int64, error) {
	if len(shape) > MaxRank {
		return 0, newError(CodeShape, op, fmt.Sprintf("shape %v has rank %d, the most is %d",
			shape, len(shape), MaxRank))
	}
	n := int64(1)
	for i, d := range shape {
		if d < 0 {
			return 0, newError(CodeShape, op, fmt.Sprintf(
				"shape %v has dim %d = %d, expected a size >= 0", shape, i, d))
		}
		if d != 0 && n > math.MaxInt64/d {
			return 0, newError(CodeShape, op, fmt.Sprintf(
				"shape %v: element count overflows int64", shape))
		}
		n *= d
	}
	return n, nil
}

// DType returns the tensor's element type.
func (t *Tensor[T]) DType() DType { return DTypeOf[T]() }

// Dims returns the tensor's shape (not a copy).
func (t *Tensor[T]) Dims() []int64 {
	if t == nil {
		return nil
	}
	return t.Shape
}

// String describes the tensor ("float32[1 3 64 64] (12288 elements)").
func (t *Tensor[T]) String() string {
	if t == nil {
		return "<nil tensor>"
	}
	return fmt.Sprintf("%s%v (%d elements)", DTypeOf[T](), t.Shape, len(t.Data))
}

// view describes the tensor's memory for binding into a pds_tensor. It
// allocates nothing.
func (t *Tensor[T]) view() tensorView {
	if t == nil {
		return tensorView{nilTensor: true}
	}
	var z T
	v := tensorView{dtype: DTypeOf[T](), shape: t.Shape, elem: int(unsafe.Sizeof(z)),
		n: len(t.Data), cap: cap(t.Data)}
	if cap(t.Data) > 0 {
		v.ptr = unsafe.Pointer(unsafe.SliceData(t.Data))
	}
	return v
}

// setOutput records a written output: its shape and element count.
func (t *Tensor[T]) setOutput(dims []int64, n int) {
	t.Shape = append(t.Shape[:0], dims...)
	t.Data = t.Data[:n]
}

// setNeeded records the shape a too-small output buffer needed.
func (t *Tensor[T]) setNeeded(dims []int64) {
	t.Shape = append(t.Shape[:0], dims...)
}

// AnyTensor is implemented by *Tensor[T] for every Element T, and only by it
// (concurrency as for Tensor): it lets one call take inputs and outputs of
// different element types.
type AnyTensor interface {
	// DType returns the element type.
	DType() DType
	// Dims returns the shape.
	Dims() []int64
	view() tensorView
	setOutput(dims []int64, n int)
	setNeeded(dims []int64)
}

// tensorView is a tensor's memory as the binding code needs it.
type tensorView struct {
	nilTensor bool
	dtype     DType
	shape     []int64
	ptr       unsafe.Pointer // first element of Data[:cap], nil if cap is 0
	elem      int            // bytes per element
	n, cap    int            // len and cap of Data
}
