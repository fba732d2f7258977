package serve

// Tensors as the protocol carries them (name, datatype, shape, raw
// little-endian bytes) and their conversion to and from the pdsafe
// package's typed tensors.

import (
	"fmt"
	"math"
	"unsafe"

	pdsafe "github.com/pdsafe/pdsafe/go"
)

// wireTensor is one input or output as the protocol carries it: row-major,
// little-endian bytes (the byte order of every machine this runs on).
type wireTensor struct {
	Name     string
	DataType string
	Shape    []int64
	Data     []byte
}

// elemSize is the size in bytes of an element of a protocol datatype, 0 for
// a datatype this server does not know (BYTES included).
func elemSize(dt string) int {
	d, ok := protoDTypes[dt]
	if !ok {
		return 0
	}
	return d.Size()
}

// tensorBytes checks a shape and returns its byte size for datatype dt,
// refusing negative dims, a rank over MaxRank and anything over max bytes
// (without overflowing on the way).
func tensorBytes(name, dt string, shape []int64, max int64) (int64, error) {
	size := int64(elemSize(dt))
	if size == 0 {
		return 0, badRequest("input '%s': datatype '%s' is not supported (BOOL, UINT8, INT8, INT16, INT32, INT64, FP16, FP32, FP64, BF16)", name, dt)
	}
	if len(shape) > pdsafe.MaxRank {
		return 0, badRequest("input '%s': shape %v has rank %d, more than %d", name, shape, len(shape), pdsafe.MaxRank)
	}
	n := size
	for _, d := range shape {
		if d < 0 {
			return 0, badRequest("input '%s': shape %v has a negative dimension", name, shape)
		}
		if d != 0 && n > max/d {
			return 0, tooLarge("input '%s': shape %v of %s is more than the limit of %d bytes", name, shape, dt, max)
		}
		n *= d
	}
	if n > max {
		return 0, tooLarge("input '%s': shape %v of %s is %d bytes, more than the limit of %d", name, shape, dt, n, max)
	}
	return n, nil
}

// bytesOf views a typed slice as its bytes (no copy).
func bytesOf[T any](s []T) []byte {
	if len(s) == 0 {
		return nil
	}
	return unsafe.Slice((*byte)(unsafe.Pointer(unsafe.SliceData(s))), len(s)*int(unsafe.Sizeof(s[0])))
}

// newInput copies the raw bytes of one or more wire tensors (a batch is
// their concatenation) into a pdsafe tensor of the datatype dt. The copy
// gives an aligned buffer that the request's body does not alias.
func newInput(dt string, shape []int64, parts [][]byte) (pdsafe.AnyTensor, error) {
	total := 0
	for _, p := range parts {
		total += len(p)
	}
	switch dt {
	case "FP32":
		return fill[float32](shape, parts, total/4)
	case "INT64":
		return fill[int64](shape, parts, total/8)
	case "INT32":
		return fill[int32](shape, parts, total/4)
	case "UINT8":
		return fill[uint8](shape, parts, total)
	case "BOOL":
		return fill[bool](shape, parts, total)
	}
	return nil, badRequest("datatype %s cannot be a model input here (FP32, INT64, INT32, UINT8, BOOL)", dt)
}

func fill[T pdsafe.Element](shape []int64, parts [][]byte, n int) (pdsafe.AnyTensor, error) {
	data := make([]T, n)
	b := bytesOf(data)
	off := 0
	for _, p := range parts {
		off += copy(b[off:], p)
	}
	return pdsafe.NewTensor(shape, data)
}

// outputBytes returns output i of a result as raw bytes (a view of the
// result's memory, no copy) with its protocol datatype.
func outputBytes(r *pdsafe.Result, i int, info pdsafe.TensorInfo) (string, []byte) {
	dt := protoName(info.DType)
	switch d := r.Data(i).(type) {
	case []float32:
		return dt, bytesOf(d)
	case []int64:
		return dt, bytesOf(d)
	case []int32:
		return dt, bytesOf(d)
	case []uint8:
		return dt, d
	case []bool:
		return dt, bytesOf(d)
	}
	return dt, nil
}

// checkBools refuses bytes other than 0 and 1 in a BOOL tensor: Go's bool
// (and the library's) is exactly one of those two bytes.
func checkBools(name string, b []byte) error {
	for i, c := range b {
		if c > 1 {
			return badRequest("input '%s': BOOL element %d is the byte %d, expected 0 or 1", name, i, c)
		}
	}
	return nil
}

// appendJSONValues appends the elements of raw little-endian data of
// datatype dt as a JSON array. Non-finite floats, which JSON cannot
// represent, are written as null (ask for binary_data_output to get them).
func appendJSONValues(buf []byte, dt string, data []byte) ([]byte, error) {
	buf = append(buf, '[')
	size := elemSize(dt)
	if size == 0 || len(data)%size != 0 {
		return nil, fmt.Errorf("output of datatype %s with %d bytes cannot be written as JSON", dt, len(data))
	}
	for i := 0; i < len(data); i += size {
		if i > 0 {
			buf = append(buf, ',')
		}
		e := data[i : i+size]
		switch dt {
		case "FP32":
			buf = appendFloat(buf, float64(math.Float32frombits(le32(e))), 32)
		case "FP64":
			buf = appendFloat(buf, math.Float64frombits(le64(e)), 64)
		case "INT64":
			buf = appendInt(buf, int64(le64(e)))
		case "INT32":
			buf = appendInt(buf, int64(int32(le32(e))))
		case "INT16":
			buf = appendInt(buf, int64(int16(uint16(e[0])|uint16(e[1])<<8)))
		case "INT8":
			buf = appendInt(buf, int64(int8(e[0])))
		case "UINT8":
			buf = appendInt(buf, int64(e[0]))
		case "BOOL":
			if e[0] != 0 {
				buf = append(buf, "true"...)
			} else {
				buf = append(buf, "false"...)
			}
		default:
			return nil, fmt.Errorf("output of datatype %s can only be sent as binary data (ask for binary_data_output)", dt)
		}
	}
	return append(buf, ']'), nil
}

func le32(b []byte) uint32 {
	return uint32(b[0]) | uint32(b[1])<<8 | uint32(b[2])<<16 | uint32(b[3])<<24
}
func le64(b []byte) uint64 { return uint64(le32(b)) | uint64(le32(b[4:]))<<32 }
