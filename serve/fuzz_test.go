package serve

import (
	"bytes"
	"encoding/json"
	"testing"
)

// fuzzVersion is a version without a model: bindInputs, pickOutputs and
// encodeInferResponse read only its name and configuration.
func fuzzVersion() *version {
	return &version{name: "m", ver: 1, cfg: &ModelConfig{Name: "m", MaxBatchSize: 8,
		Inputs:  []TensorConfig{{Name: "x", DataType: "FP32", Dims: []int64{4, -1}}, {Name: "b", DataType: "BOOL", Dims: []int64{2}}},
		Outputs: []TensorConfig{{Name: "y", DataType: "FP32", Dims: []int64{4, -1}}}}}
}

var fuzzLimits = Limits{MaxBodyBytes: 1 << 20, MaxTensorBytes: 1 << 16, MaxTensors: 8}

// checkDecoded checks what a decoder accepted: byte sizes agree with shapes,
// and binding, picking outputs and encoding a response (the inputs echoed
// as outputs) neither panic nor produce invalid JSON.
func checkDecoded(t *testing.T, req *inferRequest) {
	for _, in := range req.Inputs {
		n, err := tensorBytes(in.Name, in.DataType, in.Shape, fuzzLimits.MaxTensorBytes)
		if err != nil || int64(len(in.Data)) != n {
			t.Fatalf("input %s %s%v accepted with %d bytes (expected %d, %v)", in.Name, in.DataType, in.Shape, len(in.Data), n, err)
		}
	}
	v := fuzzVersion()
	if _, err := bindInputs(v, req); err != nil {
		if asAPIError(err).status >= 500 {
			t.Fatalf("bindInputs: server error for bad input: %v", err)
		}
	}
	_, _ = pickOutputs(v, req)
	body, jsonLen, err := encodeInferResponse(v, req, req.Inputs)
	if err != nil {
		return
	}
	head := body
	if jsonLen >= 0 {
		head = body[:jsonLen]
	}
	if !json.Valid(head) {
		t.Fatalf("invalid JSON response %q", head)
	}
}

func FuzzDecodeJSON(f *testing.F) {
	f.Add([]byte(`{"id":"a","inputs":[{"name":"x","shape":[1,4,2],"datatype":"FP32","data":[1,2,3,4,5,6,7,8]},{"name":"b","shape":[1,2],"datatype":"BOOL","data":[true,false]}]}`))
	f.Add([]byte(`{"inputs":[{"name":"x","shape":[1,4,1],"datatype":"FP32","data":[[[1]],[[2]],[[3e38]],[[-0.5]]]}],"outputs":[{"name":"y","parameters":{"binary_data_output":true}}]}`))
	f.Add([]byte(`{"inputs":[{"name":"i","shape":[3],"datatype":"INT64","data":[9223372036854775807,-9223372036854775808,0]}],"parameters":{"timeout":100}}`))
	f.Add([]byte(`{"inputs":[{"name":"u","shape":[2],"datatype":"UINT8","data":[255,0]},{"name":"h","shape":[2],"datatype":"INT16","data":[-32768,32767]}]}`))
	f.Add([]byte(`{"inputs":[{"name":"x","shape":[4611686018427387904,4],"datatype":"FP32","data":[]}]}`))
	f.Add([]byte(`{"inputs":[{"name":"x","shape":[2],"datatype":"FP32","data":[1,[2]]}]}`))
	f.Add([]byte(`{"inputs":[{"name":"x","shape":[1],"datatype":"FP32","data":[1e999]}]}`))
	f.Add([]byte(`{"inputs":[{"name":"x","shape":[1],"datatype":"FP32","data":{"a":1}}]}`))
	f.Add([]byte(`{"inputs": [`))
	f.Fuzz(func(t *testing.T, body []byte) {
		req, err := decodeInferRequest(body, -1, fuzzLimits)
		if err != nil {
			if ae := asAPIError(err); ae.status != 400 && ae.status != 413 {
				t.Fatalf("status %d for a bad body: %v", ae.status, err)
			}
			return
		}
		checkDecoded(t, req)
	})
}

func FuzzDecodeBinary(f *testing.F) {
	hdr := []byte(`{"inputs":[{"name":"x","shape":[1,4,1],"datatype":"FP32","parameters":{"binary_data_size":16}},{"name":"b","shape":[1,2],"datatype":"BOOL","parameters":{"binary_data_size":2}}],"parameters":{"binary_data_output":true}}`)
	f.Add(hdr, append(bytes.Repeat([]byte{0, 0, 128, 63}, 4), 1, 0))
	f.Add(hdr, []byte{1, 2, 3})
	f.Add([]byte(`{"inputs":[{"name":"x","shape":[2],"datatype":"INT64","parameters":{"binary_data_size":16}}]}`), make([]byte, 16))
	f.Add([]byte(`{"inputs":[{"name":"x","shape":[1],"datatype":"BOOL","parameters":{"binary_data_size":1}}]}`), []byte{7})
	f.Add([]byte(`{"inputs":[{"name":"x","shape":[1],"datatype":"FP16","parameters":{"binary_data_size":2}}],"outputs":[{"name":"x"}]}`), []byte{0, 60})
	f.Add([]byte(`{"inputs":[{"name":"x","shape":[2],"datatype":"FP32","data":[1,2],"parameters":{"binary_data_size":8}}]}`), make([]byte, 8))
	f.Fuzz(func(t *testing.T, header, binary []byte) {
		body := append(append([]byte(nil), header...), binary...)
		req, err := decodeInferRequest(body, int64(len(header)), fuzzLimits)
		if err != nil {
			if ae := asAPIError(err); ae.status != 400 && ae.status != 413 {
				t.Fatalf("status %d for a bad body: %v", ae.status, err)
			}
			return
		}
		for _, in := range req.Inputs {
			if in.DataType == "BOOL" {
				for _, c := range in.Data {
					if c > 1 {
						t.Fatalf("BOOL input %s accepted the byte %d", in.Name, c)
					}
				}
			}
		}
		checkDecoded(t, req)
	})
}

func FuzzParseConfig(f *testing.F) {
	f.Add(mathConfig + `dynamic_batching { preferred_batch_size: [ 4 ] max_queue_delay_microseconds: 100 default_queue_policy { max_queue_size: 3 } }`)
	f.Add(`name: "m" version_policy: { specific: { versions: [1, 3] } } output [ { name: "y" data_type: TYPE_INT64 dims: [ -1 ] } ]`)
	f.Add(`input < name: 'x' data_type: TYPE_BOOL dims: 1 > # comment`)
	f.Add(`max_batch_size: 99999999999999999999`)
	f.Add(`input [ { name: "x\"y" } `)
	f.Fuzz(func(t *testing.T, text string) {
		c, err := ParseConfig(text)
		if err != nil {
			return
		}
		for _, in := range c.Inputs {
			if in.Name == "" || elemSize(in.DataType) == 0 {
				t.Fatalf("accepted input %+v", in)
			}
		}
	})
}
