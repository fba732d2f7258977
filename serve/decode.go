package serve

// The REST decoders: the JSON inference request and the binary tensor
// extension (a JSON header of Inference-Header-Content-Length bytes followed
// by the raw bytes of the inputs that give parameters.binary_data_size, in
// the order of the inputs). Everything a client sends is checked before
// memory is sized from it: counts, shapes and byte sizes against Limits.

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"math"
	"strconv"
	"strings"
)

// Limits bound what one request may make the server hold.
type Limits struct {
	MaxBodyBytes   int64 // a request body (REST) or message (gRPC)
	MaxTensorBytes int64 // one input tensor
	MaxTensors     int   // inputs, and requested outputs, of one request
}

// DefaultLimits are the limits when Options leaves them zero.
var DefaultLimits = Limits{MaxBodyBytes: 64 << 20, MaxTensorBytes: 64 << 20, MaxTensors: 256}

// inferRequest is a decoded inference request, before it is checked against
// a model.
type inferRequest struct {
	ID      string
	Inputs  []wireTensor
	Outputs []outputRequest // empty: every output
	// BinaryOutputs is the request-wide binary_data_output; each output may
	// override it.
	BinaryOutputs bool
	TimeoutUs     int64 // parameters.timeout, microseconds; 0 = none
}

type outputRequest struct {
	Name   string
	Binary *bool
}

type jsonTensor struct {
	Name       string                     `json:"name"`
	Shape      []int64                    `json:"shape"`
	Datatype   string                     `json:"datatype"`
	Parameters map[string]json.RawMessage `json:"parameters"`
	Data       json.RawMessage            `json:"data"`
}

type jsonOutput struct {
	Name       string                     `json:"name"`
	Parameters map[string]json.RawMessage `json:"parameters"`
}

type jsonRequest struct {
	ID         string                     `json:"id"`
	Parameters map[string]json.RawMessage `json:"parameters"`
	Inputs     []jsonTensor               `json:"inputs"`
	Outputs    []jsonOutput               `json:"outputs"`
}

// decodeInferRequest decodes a REST inference request body. headerLen is
// the Inference-Header-Content-Length (-1 when absent: the whole body is
// JSON).
func decodeInferRequest(body []byte, headerLen int64, lim Limits) (*inferRequest, error) {
	header, binary := body, []byte(nil)
	if headerLen >= 0 {
		if headerLen > int64(len(body)) {
			return nil, badRequest("Inference-Header-Content-Length is %d but the body has only %d bytes", headerLen, len(body))
		}
		header, binary = body[:headerLen], body[headerLen:]
	}
	var jr jsonRequest
	if err := json.Unmarshal(header, &jr); err != nil {
		// Unmarshal also refuses data after the object; say which it was
		// (the slow path, only for bad requests).
		dec := json.NewDecoder(bytes.NewReader(header))
		if derr := dec.Decode(&jsonRequest{}); derr != nil {
			return nil, badRequest("the request is not valid JSON for an inference request: %v", jsonError(derr))
		}
		if _, terr := dec.Token(); terr != io.EOF {
			return nil, badRequest("the request has data after its JSON object (a binary body needs the Inference-Header-Content-Length header)")
		}
		return nil, badRequest("the request is not valid JSON for an inference request: %v", jsonError(err))
	}
	if len(jr.Inputs) == 0 {
		return nil, badRequest("the request has no inputs")
	}
	if len(jr.Inputs) > lim.MaxTensors || len(jr.Outputs) > lim.MaxTensors {
		return nil, badRequest("the request has %d inputs and %d outputs, more than the limit of %d", len(jr.Inputs), len(jr.Outputs), lim.MaxTensors)
	}
	r := &inferRequest{ID: jr.ID}
	var err error
	if r.BinaryOutputs, err = boolParam(jr.Parameters, "binary_data_output", "the request"); err != nil {
		return nil, err
	}
	if r.TimeoutUs, err = intParam(jr.Parameters, "timeout", "the request"); err != nil {
		return nil, err
	}
	if r.TimeoutUs < 0 {
		return nil, badRequest("the request's parameters.timeout is %d, expected microseconds >= 0", r.TimeoutUs)
	}
	for i := range jr.Inputs {
		in := &jr.Inputs[i]
		if in.Name == "" {
			return nil, badRequest("input %d has no name", i)
		}
		n, err := tensorBytes(in.Name, in.Datatype, in.Shape, lim.MaxTensorBytes)
		if err != nil {
			return nil, err
		}
		size, err := intParam(in.Parameters, "binary_data_size", "input '"+in.Name+"'")
		if err != nil {
			return nil, err
		}
		_, hasSize := in.Parameters["binary_data_size"]
		t := wireTensor{Name: in.Name, DataType: in.Datatype, Shape: in.Shape}
		switch {
		case hasSize:
			if len(in.Data) > 0 {
				return nil, badRequest("input '%s' has both data and parameters.binary_data_size", in.Name)
			}
			if size != n {
				return nil, badRequest("input '%s': binary_data_size is %d, but %s%v takes %d bytes", in.Name, size, in.Datatype, in.Shape, n)
			}
			if int64(len(binary)) < size {
				return nil, badRequest("input '%s': binary_data_size is %d but only %d bytes of binary data are left in the body", in.Name, size, len(binary))
			}
			t.Data, binary = binary[:size], binary[size:]
			if in.Datatype == "BOOL" {
				if err := checkBools(in.Name, t.Data); err != nil {
					return nil, err
				}
			}
		case len(in.Data) == 0:
			return nil, badRequest("input '%s' has no data (neither data nor parameters.binary_data_size)", in.Name)
		default:
			if t.Data, err = decodeJSONData(in.Name, in.Datatype, in.Data, n); err != nil {
				return nil, err
			}
		}
		r.Inputs = append(r.Inputs, t)
	}
	if len(binary) > 0 {
		return nil, badRequest("the body has %d bytes of binary data that no input claims (binary_data_size)", len(binary))
	}
	for _, o := range jr.Outputs {
		if o.Name == "" {
			return nil, badRequest("a requested output has no name")
		}
		or := outputRequest{Name: o.Name}
		if _, ok := o.Parameters["binary_data_output"]; ok {
			b, err := boolParam(o.Parameters, "binary_data_output", "output '"+o.Name+"'")
			if err != nil {
				return nil, err
			}
			or.Binary = &b
		}
		if _, ok := o.Parameters["classification"]; ok {
			return nil, badRequest("output '%s': the classification extension is not supported", o.Name)
		}
		r.Outputs = append(r.Outputs, or)
	}
	return r, nil
}

func jsonError(err error) string {
	var se *json.SyntaxError
	if errors.As(err, &se) {
		return se.Error() + " at byte " + strconv.FormatInt(se.Offset, 10)
	}
	return err.Error()
}

func boolParam(p map[string]json.RawMessage, key, where string) (bool, error) {
	raw, ok := p[key]
	if !ok {
		return false, nil
	}
	var b bool
	if err := json.Unmarshal(raw, &b); err != nil {
		return false, badRequest("%s: parameters.%s is %s, expected true or false", where, key, clip(raw))
	}
	return b, nil
}

func intParam(p map[string]json.RawMessage, key, where string) (int64, error) {
	raw, ok := p[key]
	if !ok {
		return 0, nil
	}
	var v int64
	if err := json.Unmarshal(raw, &v); err != nil {
		return 0, badRequest("%s: parameters.%s is %s, expected an integer", where, key, clip(raw))
	}
	return v, nil
}

func clip(b []byte) string {
	if len(b) > 40 {
		return string(b[:40]) + "..."
	}
	return string(b)
}

// decodeJSONData reads the "data" of a JSON input: an array of numbers (or
// booleans), flat or nested to any depth up to MaxRank, in row-major order,
// with exactly nbytes/size elements; it writes them little-endian into a
// buffer of nbytes, and never holds more than that.
func decodeJSONData(name, dt string, raw json.RawMessage, nbytes int64) ([]byte, error) {
	size := int64(elemSize(dt))
	want := nbytes / size
	out := make([]byte, 0, nbytes)
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	depth, count := 0, int64(0)
	for {
		tok, err := dec.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, badRequest("input '%s': data is not a valid JSON array: %v", name, jsonError(err))
		}
		switch v := tok.(type) {
		case json.Delim:
			switch v {
			case '[':
				depth++
				if depth > 32 {
					return nil, badRequest("input '%s': data is nested deeper than 32 arrays", name)
				}
			case ']':
				depth--
			default:
				return nil, badRequest("input '%s': data holds an object, expected numbers", name)
			}
			continue
		case json.Number, bool:
			if depth == 0 {
				return nil, badRequest("input '%s': data must be an array", name)
			}
			if count == want {
				return nil, badRequest("input '%s': data has more than the %d elements of shape", name, want)
			}
			count++
			out, err = appendElement(out, dt, v)
			if err != nil {
				return nil, badRequest("input '%s': element %d: %v", name, count-1, err)
			}
		default:
			return nil, badRequest("input '%s': element %d is %v, expected a number for %s", name, count, tok, dt)
		}
	}
	if count != want {
		return nil, badRequest("input '%s': data has %d elements, the shape needs %d", name, count, want)
	}
	return out, nil
}

func appendElement(out []byte, dt string, v any) ([]byte, error) {
	if b, ok := v.(bool); ok {
		if dt != "BOOL" {
			return nil, errors.New("a boolean where " + dt + " was expected")
		}
		if b {
			return append(out, 1), nil
		}
		return append(out, 0), nil
	}
	s := string(v.(json.Number))
	switch dt {
	case "BOOL":
		return nil, errors.New("the number " + s + " where a boolean was expected")
	case "FP32", "FP64":
		f, err := strconv.ParseFloat(s, 64)
		if err != nil {
			return nil, errors.New(s + " is not a number")
		}
		if dt == "FP32" {
			if math.Abs(f) > math.MaxFloat32 {
				return nil, errors.New(s + " is out of the range of FP32")
			}
			return le32Append(out, math.Float32bits(float32(f))), nil
		}
		return le64Append(out, math.Float64bits(f)), nil
	}
	bits := map[string]int{"INT8": 8, "INT16": 16, "INT32": 32, "INT64": 64, "UINT8": 8}[dt]
	if bits == 0 {
		return nil, errors.New("datatype " + dt + " cannot be given as JSON (use binary data)")
	}
	if strings.HasPrefix(dt, "U") {
		u, err := strconv.ParseUint(s, 10, bits)
		if err != nil {
			return nil, errors.New(s + " is not a " + dt)
		}
		return append(out, byte(u)), nil
	}
	i, err := strconv.ParseInt(s, 10, bits)
	if err != nil {
		return nil, errors.New(s + " is not a " + dt)
	}
	switch bits {
	case 8:
		return append(out, byte(i)), nil
	case 16:
		return append(out, byte(i), byte(i>>8)), nil
	case 32:
		return le32Append(out, uint32(i)), nil
	}
	return le64Append(out, uint64(i)), nil
}

func le32Append(b []byte, v uint32) []byte {
	return append(b, byte(v), byte(v>>8), byte(v>>16), byte(v>>24))
}

func le64Append(b []byte, v uint64) []byte {
	return le32Append(le32Append(b, uint32(v)), uint32(v>>32))
}

func appendFloat(b []byte, f float64, bits int) []byte {
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return append(b, "null"...)
	}
	return strconv.AppendFloat(b, f, 'g', -1, bits)
}

func appendInt(b []byte, i int64) []byte { return strconv.AppendInt(b, i, 10) }
