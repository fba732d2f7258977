package serve

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"path/filepath"
	"strings"
	"testing"

	"github.com/pdsafe/pdsafe/serve/inferencepb"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/status"
)

// op_math: one input x float32[-1,4,6] and seven elementwise outputs, so
// that its rows are independent and it batches along dim 0.
var mathOutputs = []string{"sin_0.tmp_0", "cos_0.tmp_0", "floor_0.tmp_0", "ceil_0.tmp_0", "round_0.tmp_0", "sign_0.tmp_0", "reciprocal_0.tmp_0"}

const mathConfig = `
name: "math"
backend: "paddle"
max_batch_size: 8
input [ { name: "x" data_type: TYPE_FP32 dims: [ 4, 6 ] } ]
instance_group [ { count: 1 kind: KIND_CPU } ]
version_policy: { all: { } }
`

func mathCase(t testing.TB, k int) (npy, []npy) {
	dir := filepath.Join(fixtures(t), "op_math")
	in := readNpy(t, filepath.Join(dir, fmt.Sprintf("case%d.in0.npy", k)))
	var outs []npy
	for j := range mathOutputs {
		outs = append(outs, readNpy(t, filepath.Join(dir, fmt.Sprintf("case%d.out%d.npy", k, j))))
	}
	return in, outs
}

func mathServer(t testing.TB, config string, o Options) *testServer {
	o.ModelRepository = makeRepo(t, map[string]repoModel{
		"math": {fixture: "op_math", versions: map[int]string{1: "legacy", 2: "pir"}, config: config},
	})
	return startServer(t, o)
}

func checkMathOutputs(t testing.TB, what string, r inferResp, bins map[string][]byte, want []npy) {
	t.Helper()
	if len(r.Outputs) != len(mathOutputs) {
		t.Fatalf("%s: %d outputs, want %d", what, len(r.Outputs), len(mathOutputs))
	}
	for j, o := range r.Outputs {
		if o.Name != mathOutputs[j] || o.Datatype != "FP32" || fmt.Sprint(o.Shape) != fmt.Sprint(want[j].shape) {
			t.Fatalf("%s: output %d is %s %s%v, want %s FP32%v", what, j, o.Name, o.Datatype, o.Shape, mathOutputs[j], want[j].shape)
		}
		got := o.Data
		if b, ok := bins[o.Name]; ok {
			got = bytesF32(b)
		}
		closeTo(t, what+" "+o.Name, got, want[j])
	}
}

func TestRESTInferJSONAndBinary(t *testing.T) {
	ts := mathServer(t, mathConfig, Options{})
	for k := 0; k < 2; k++ {
		in, want := mathCase(t, k)
		// JSON in, JSON out, on the latest version (2, the PIR program).
		st, hdr, body := ts.do(t, "POST", "/v2/models/math/infer", jsonInfer("req-7", "x", in, nil, false), nil)
		mustStatus(t, "json infer", st, 200, body)
		r, bins := parseInferResp(t, hdr, body)
		if r.ID != "req-7" || r.ModelName != "math" || r.ModelVersion != "2" {
			t.Fatalf("id/model/version = %q/%q/%q, want req-7/math/2", r.ID, r.ModelName, r.ModelVersion)
		}
		checkMathOutputs(t, fmt.Sprintf("case %d json", k), r, bins, want)
		// Binary in, binary out, on version 1 (the legacy program).
		b, hl := binaryInfer("x", in, true)
		st, hdr, body = ts.do(t, "POST", "/v2/models/math/versions/1/infer", b, map[string]string{"Inference-Header-Content-Length": hl})
		mustStatus(t, "binary infer", st, 200, body)
		r, bins = parseInferResp(t, hdr, body)
		if r.ModelVersion != "1" || len(bins) != len(mathOutputs) {
			t.Fatalf("version %q, %d binary outputs; want 1 and %d", r.ModelVersion, len(bins), len(mathOutputs))
		}
		checkMathOutputs(t, fmt.Sprintf("case %d binary", k), r, bins, want)
	}
	// A subset of outputs, one binary and one JSON.
	in, want := mathCase(t, 0)
	req := map[string]any{
		"inputs": []any{map[string]any{"name": "x", "shape": in.shape, "datatype": "FP32", "data": in.data}},
		"outputs": []any{
			map[string]any{"name": "ceil_0.tmp_0", "parameters": map[string]any{"binary_data_output": true}},
			map[string]any{"name": "sin_0.tmp_0"},
		},
	}
	rb, _ := json.Marshal(req)
	st, hdr, body := ts.do(t, "POST", "/v2/models/math/infer", rb, nil)
	mustStatus(t, "subset", st, 200, body)
	r, bins := parseInferResp(t, hdr, body)
	if len(r.Outputs) != 2 || r.Outputs[0].Name != "ceil_0.tmp_0" || r.Outputs[1].Name != "sin_0.tmp_0" || len(bins) != 1 {
		t.Fatalf("subset: %+v (%d binary)", r.Outputs, len(bins))
	}
	closeTo(t, "ceil", bytesF32(bins["ceil_0.tmp_0"]), want[3])
	closeTo(t, "sin", r.Outputs[1].Data, want[0])
}

func grpcClient(t testing.TB, ts *testServer) inferencepb.GRPCInferenceServiceClient {
	conn, err := grpc.NewClient(ts.grpcAddr, grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	return inferencepb.NewGRPCInferenceServiceClient(conn)
}

func TestGRPCInfer(t *testing.T) {
	ts := mathServer(t, mathConfig, Options{})
	c := grpcClient(t, ts)
	ctx := context.Background()
	for k := 0; k < 2; k++ {
		in, want := mathCase(t, k)
		for _, raw := range []bool{true, false} {
			req := &inferencepb.ModelInferRequest{ModelName: "math", Id: "g1",
				Inputs: []*inferencepb.ModelInferRequest_InferInputTensor{{Name: "x", Datatype: "FP32", Shape: in.shape}}}
			if raw {
				req.RawInputContents = [][]byte{f32bytes(in.data)}
			} else {
				req.Inputs[0].Contents = &inferencepb.InferTensorContents{Fp32Contents: in.data}
			}
			resp, err := c.ModelInfer(ctx, req)
			if err != nil {
				t.Fatal(err)
			}
			if resp.Id != "g1" || resp.ModelVersion != "2" || len(resp.RawOutputContents) != len(mathOutputs) {
				t.Fatalf("id %q version %q, %d raw outputs", resp.Id, resp.ModelVersion, len(resp.RawOutputContents))
			}
			for j, o := range resp.Outputs {
				if o.Name != mathOutputs[j] || fmt.Sprint(o.Shape) != fmt.Sprint(want[j].shape) {
					t.Fatalf("output %d: %s %v", j, o.Name, o.Shape)
				}
				closeTo(t, o.Name, bytesF32(resp.RawOutputContents[j]), want[j])
			}
		}
	}
	// Metadata, readiness and configuration over gRPC.
	if r, err := c.ServerLive(ctx, &inferencepb.ServerLiveRequest{}); err != nil || !r.Live {
		t.Fatalf("live: %v %v", r, err)
	}
	if r, err := c.ServerReady(ctx, &inferencepb.ServerReadyRequest{}); err != nil || !r.Ready {
		t.Fatalf("ready: %v %v", r, err)
	}
	md, err := c.ModelMetadata(ctx, &inferencepb.ModelMetadataRequest{Name: "math"})
	if err != nil {
		t.Fatal(err)
	}
	if fmt.Sprint(md.Versions) != "[1 2]" || md.Inputs[0].Name != "x" || fmt.Sprint(md.Inputs[0].Shape) != "[-1 4 6]" || len(md.Outputs) != 7 {
		t.Fatalf("metadata: %v", md)
	}
	cfg, err := c.ModelConfig(ctx, &inferencepb.ModelConfigRequest{Name: "math"})
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Config.MaxBatchSize != 8 || cfg.Config.Input[0].DataType != inferencepb.DataType_TYPE_FP32 || len(cfg.Config.Output) != 7 {
		t.Fatalf("config: %v", cfg.Config)
	}
	_, err = c.ModelReady(ctx, &inferencepb.ModelReadyRequest{Name: "nope"})
	if status.Code(err) != codes.NotFound {
		t.Fatalf("ready of an unknown model: %v, want NotFound", err)
	}
	// Errors carry their codes.
	_, err = c.ModelInfer(ctx, &inferencepb.ModelInferRequest{ModelName: "math",
		Inputs:           []*inferencepb.ModelInferRequest_InferInputTensor{{Name: "x", Datatype: "FP32", Shape: []int64{1, 4, 6}}},
		RawInputContents: [][]byte{make([]byte, 95)}})
	if status.Code(err) != codes.InvalidArgument || !strings.Contains(err.Error(), "raw_input_contents has 95 bytes, but FP32[1 4 6] takes 96") {
		t.Fatalf("short raw input: %v", err)
	}
	_, err = c.ModelInfer(ctx, &inferencepb.ModelInferRequest{ModelName: "nope",
		Inputs:           []*inferencepb.ModelInferRequest_InferInputTensor{{Name: "x", Datatype: "FP32", Shape: []int64{1, 4, 6}}},
		RawInputContents: [][]byte{make([]byte, 96)}})
	if status.Code(err) != codes.NotFound {
		t.Fatalf("unknown model: %v", err)
	}
}

func TestMetadataConfigAndIndex(t *testing.T) {
	ts := mathServer(t, mathConfig, Options{})
	st, _, body := ts.do(t, "GET", "/v2/health/live", nil, nil)
	mustStatus(t, "live", st, 200, body)
	st, _, body = ts.do(t, "GET", "/v2/health/ready", nil, nil)
	mustStatus(t, "ready", st, 200, body)
	st, _, body = ts.do(t, "GET", "/v2", nil, nil)
	mustStatus(t, "server metadata", st, 200, body)
	if !strings.Contains(string(body), `"name":"pdsafe-serve"`) || !strings.Contains(string(body), `"binary_tensor_data"`) {
		t.Fatalf("server metadata: %s", body)
	}
	st, _, body = ts.do(t, "GET", "/v2/models/math", nil, nil)
	mustStatus(t, "model metadata", st, 200, body)
	want := `{"name":"math","versions":["1","2"],"platform":"paddle","inputs":[{"name":"x","datatype":"FP32","shape":[-1,4,6]}]`
	if !strings.HasPrefix(string(body), want) {
		t.Fatalf("model metadata:\n%s\nwant prefix\n%s", body, want)
	}
	st, _, body = ts.do(t, "GET", "/v2/models/math/versions/1/ready", nil, nil)
	mustStatus(t, "model ready", st, 200, body)
	st, _, body = ts.do(t, "GET", "/v2/models/math/versions/3/ready", nil, nil)
	mustStatus(t, "missing version ready", st, 404, body)
	st, _, body = ts.do(t, "GET", "/v2/models/math/config", nil, nil)
	mustStatus(t, "config", st, 200, body)
	var cfg struct {
		Name         string `json:"name"`
		MaxBatchSize int    `json:"max_batch_size"`
		Input        []struct {
			Name     string   `json:"name"`
			DataType string   `json:"data_type"`
			Dims     []string `json:"dims"`
		} `json:"input"`
		Output        []json.RawMessage `json:"output"`
		InstanceGroup []struct {
			Count int `json:"count"`
		} `json:"instance_group"`
	}
	if err := json.Unmarshal(body, &cfg); err != nil {
		t.Fatal(err)
	}
	if cfg.Name != "math" || cfg.MaxBatchSize != 8 || cfg.Input[0].DataType != "TYPE_FP32" || fmt.Sprint(cfg.Input[0].Dims) != "[4 6]" ||
		len(cfg.Output) != 7 || cfg.InstanceGroup[0].Count != 1 {
		t.Fatalf("config: %s", body)
	}
	st, _, body = ts.do(t, "POST", "/v2/repository/index", nil, nil)
	mustStatus(t, "index", st, 200, body)
	if string(body) != `[{"name":"math","version":"1","state":"READY"},{"name":"math","version":"2","state":"READY"}]` {
		t.Fatalf("index: %s", body)
	}
	// Load and unload are refused unless the control mode is explicit.
	st, _, body = ts.do(t, "POST", "/v2/repository/models/math/unload", nil, nil)
	mustStatus(t, "unload in mode none", st, 400, body)
	st, _, body = ts.do(t, "GET", "/v2/nothing", nil, nil)
	mustStatus(t, "unknown path", st, 404, body)
}

// TestBadInput: every malformed request is answered with the right status
// and a message saying what is wrong, and the server keeps serving.
func TestBadInput(t *testing.T) {
	ts := mathServer(t, mathConfig, Options{Limits: Limits{MaxBodyBytes: 1 << 20, MaxTensorBytes: 64 << 10}})
	in, want := mathCase(t, 0)
	good := string(jsonInfer("", "x", in, nil, false))
	bin, hl := binaryInfer("x", in, false)
	cases := []struct {
		name, path, body string
		hdr              map[string]string
		status           int
		msg              string
	}{
		{"malformed JSON", "/v2/models/math/infer", `{"inputs": [`, nil, 400, "not valid JSON"},
		{"not an object", "/v2/models/math/infer", `[1,2]`, nil, 400, "not valid JSON"},
		{"no inputs", "/v2/models/math/infer", `{"inputs": []}`, nil, 400, "has no inputs"},
		{"unknown model", "/v2/models/nope/infer", good, nil, 404, "unknown model: 'nope'"},
		{"unknown version", "/v2/models/math/versions/9/infer", good, nil, 404, "has no version 9"},
		{"unknown input", "/v2/models/math/infer", `{"inputs":[{"name":"y","shape":[1,4,6],"datatype":"FP32","data":[` + zeros(24) + `]}]}`, nil, 400, "has no input 'y'"},
		{"wrong dtype", "/v2/models/math/infer", `{"inputs":[{"name":"x","shape":[1,4,6],"datatype":"INT64","data":[` + zeros(24) + `]}]}`, nil, 400, "input 'x' is INT64, the model expects FP32"},
		{"unknown dtype", "/v2/models/math/infer", `{"inputs":[{"name":"x","shape":[1],"datatype":"BYTES","data":["a"]}]}`, nil, 400, "datatype 'BYTES' is not supported"},
		{"wrong rank", "/v2/models/math/infer", `{"inputs":[{"name":"x","shape":[24],"datatype":"FP32","data":[` + zeros(24) + `]}]}`, nil, 400, "the model expects [batch]+[4 6]"},
		{"wrong dim", "/v2/models/math/infer", `{"inputs":[{"name":"x","shape":[1,6,4],"datatype":"FP32","data":[` + zeros(24) + `]}]}`, nil, 400, "has shape [1 6 4], the model expects [batch]+[4 6]"},
		{"batch too big", "/v2/models/math/infer", `{"inputs":[{"name":"x","shape":[9,4,6],"datatype":"FP32","data":[` + zeros(216) + `]}]}`, nil, 400, "batch size 9, expected 1 to max_batch_size 8"},
		{"too few values", "/v2/models/math/infer", `{"inputs":[{"name":"x","shape":[1,4,6],"datatype":"FP32","data":[` + zeros(23) + `]}]}`, nil, 400, "data has 23 elements, the shape needs 24"},
		{"too many values", "/v2/models/math/infer", `{"inputs":[{"name":"x","shape":[1,4,6],"datatype":"FP32","data":[` + zeros(25) + `]}]}`, nil, 400, "more than the 24 elements"},
		{"string value", "/v2/models/math/infer", `{"inputs":[{"name":"x","shape":[1,1,1],"datatype":"FP32","data":["a"]}]}`, nil, 400, "expected a number"},
		{"negative dim", "/v2/models/math/infer", `{"inputs":[{"name":"x","shape":[-1,4,6],"datatype":"FP32","data":[]}]}`, nil, 400, "negative dimension"},
		{"huge shape", "/v2/models/math/infer", `{"inputs":[{"name":"x","shape":[4611686018427387904,4,6],"datatype":"FP32","data":[]}]}`, nil, 413, "more than the limit of 65536 bytes"},
		{"duplicate input", "/v2/models/math/infer", `{"inputs":[{"name":"x","shape":[1,4,6],"datatype":"FP32","data":[` + zeros(24) + `]},{"name":"x","shape":[1,4,6],"datatype":"FP32","data":[` + zeros(24) + `]}]}`, nil, 400, "input 'x' is given twice"},
		{"unknown output", "/v2/models/math/infer", `{"inputs":[{"name":"x","shape":[1,4,6],"datatype":"FP32","data":[` + zeros(24) + `]}],"outputs":[{"name":"zz"}]}`, nil, 400, "has no output 'zz'"},
		{"bad parameter", "/v2/models/math/infer", `{"parameters":{"binary_data_output":"yes"},"inputs":[{"name":"x","shape":[1,4,6],"datatype":"FP32","data":[` + zeros(24) + `]}]}`, nil, 400, "expected true or false"},
		{"truncated binary", "/v2/models/math/infer", string(bin[:len(bin)-5]), map[string]string{"Inference-Header-Content-Length": hl}, 400, "binary_data_size is 96 but only 91 bytes"},
		{"extra binary", "/v2/models/math/infer", string(bin) + "xyz", map[string]string{"Inference-Header-Content-Length": hl}, 400, "3 bytes of binary data that no input claims"},
		{"header length past the body", "/v2/models/math/infer", good, map[string]string{"Inference-Header-Content-Length": "999999"}, 400, "but the body has only"},
		{"header length not a number", "/v2/models/math/infer", good, map[string]string{"Inference-Header-Content-Length": "x"}, 400, "expected a byte count"},
		{"binary without header", "/v2/models/math/infer", string(bin), nil, 400, "data after its JSON object"},
		{"body too big", "/v2/models/math/infer", `{"inputs":[{"name":"x","shape":[1],"datatype":"FP32","data":[` + strings.Repeat(" ", 2<<20) + `0]}]}`, nil, 413, "more than the limit of 1048576"},
		{"bad timeout header", "/v2/models/math/infer", good, map[string]string{HeaderTimeout: "soon"}, 400, "expected a positive duration"},
		{"compressed", "/v2/models/math/infer", good, map[string]string{"Content-Encoding": "gzip"}, 415, "not supported"},
		{"wrong method", "/v2/models/math/infer", "", nil, 404, "no such endpoint: PUT /v2/models/math/infer"},
	}
	for _, c := range cases {
		method := "POST"
		if c.name == "wrong method" {
			method = "PUT"
		}
		st, _, body := ts.do(t, method, c.path, []byte(c.body), c.hdr)
		if st != c.status {
			t.Errorf("%s: status %d, want %d (%s)", c.name, st, c.status, body)
			continue
		}
		if c.msg != "" {
			var e struct {
				Error string `json:"error"`
			}
			if err := json.Unmarshal(body, &e); err != nil || !strings.Contains(e.Error, c.msg) {
				t.Errorf("%s: body %s, want an error containing %q", c.name, body, c.msg)
			}
		}
	}
	// Huge headers are refused by the HTTP layer.
	st, _, _ := ts.do(t, "POST", "/v2/models/math/infer", []byte(good), map[string]string{"X-Big": strings.Repeat("a", 100<<10)})
	if st != http.StatusRequestHeaderFieldsTooLarge {
		t.Errorf("huge header: status %d, want 431", st)
	}
	// And the server still answers correctly.
	st, hdr, body := ts.do(t, "POST", "/v2/models/math/infer", []byte(good), nil)
	mustStatus(t, "good after bad", st, 200, body)
	r, bins := parseInferResp(t, hdr, body)
	checkMathOutputs(t, "good after bad", r, bins, want)
	// Failures are counted by reason.
	st, _, body = ts.do(t, "GET", "/metrics", nil, nil)
	mustStatus(t, "metrics", st, 200, body)
	if !strings.Contains(string(body), `nv_inference_request_success{model="math",version="2"} 1`) {
		t.Fatalf("metrics:\n%s", body)
	} // A body shorter than its Content-Length: the server reads to the end it
	// was promised and answers 400, naming the read that failed.
	conn, err := net.Dial("tcp", strings.TrimPrefix(ts.base, "http://"))
	if err != nil {
		t.Fatal(err)
	}
	fmt.Fprintf(conn, "POST /v2/models/math/infer HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n%s", good[:10])
	_ = conn.(*net.TCPConn).CloseWrite()
	raw, _ := io.ReadAll(conn)
	conn.Close()
	if !strings.HasPrefix(string(raw), "HTTP/1.1 400") || !strings.Contains(string(raw), "could not read the request body: unexpected EOF") {
		t.Errorf("short body: got %q, want 400 naming the unexpected EOF", raw)
	}
	// A body without a Content-Length (chunked) is read whole.
	req, err := http.NewRequest("POST", ts.base+"/v2/models/math/infer", io.MultiReader(strings.NewReader(good)))
	if err != nil {
		t.Fatal(err)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	chunked, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Errorf("chunked body: status %d (%s), want 200", resp.StatusCode, chunked)
	}
	if req.ContentLength != 0 {
		t.Errorf("chunked body: the request had a Content-Length (%d); the test needs none", req.ContentLength)
	}
}

func zeros(n int) string { return strings.TrimSuffix(strings.Repeat("0,", n), ",") }

// TestBadModelNotReady: a model whose program is truncated is UNAVAILABLE
// with the loader's message; the good one serves.
func TestBadModelNotReady(t *testing.T) {
	repo := makeRepo(t, map[string]repoModel{
		"math":   {fixture: "op_math", versions: map[int]string{1: "legacy"}, config: mathConfig},
		"broken": {fixture: "op_matmul", versions: map[int]string{1: "bad"}},
		"wrong": {fixture: "op_math", versions: map[int]string{1: "legacy"},
			config: `input [ { name: "x" data_type: TYPE_INT64 dims: [ -1, 4, 6 ] } ]`},
	})
	for _, strict := range []bool{true, false} {
		ts := startServer(t, Options{ModelRepository: repo, StrictReadiness: strict})
		st, _, body := ts.do(t, "GET", "/v2/health/ready", nil, nil)
		if (st == 200) == strict {
			t.Fatalf("strict=%v: ready status %d", strict, st)
		}
		st, _, body = ts.do(t, "GET", "/v2/models/broken/ready", nil, nil)
		mustStatus(t, "broken ready", st, 503, body)
		in, want := mathCase(t, 0)
		st, _, body = ts.do(t, "POST", "/v2/models/broken/infer", jsonInfer("", "x", in, nil, false), nil)
		mustStatus(t, "broken infer", st, 503, body)
		if !strings.Contains(string(body), "model 'broken' is not ready: version 1: pdsafe: ") {
			t.Fatalf("broken infer: %s", body)
		}
		st, _, body = ts.do(t, "POST", "/v2/repository/index", nil, nil)
		mustStatus(t, "index", st, 200, body)
		var idx []indexEntry
		if err := json.Unmarshal(body, &idx); err != nil {
			t.Fatal(err)
		}
		if len(idx) != 3 || idx[0].Name != "broken" || idx[0].State != "UNAVAILABLE" || !strings.Contains(idx[0].Reason, "PDS_ERR_MODEL_FORMAT") && !strings.Contains(idx[0].Reason, "inference.pdmodel") {
			t.Fatalf("index: %s", body)
		}
		if idx[2].Name != "wrong" || !strings.Contains(idx[2].Reason, `input "x" is declared TYPE_INT64 but the model's is float32`) {
			t.Fatalf("index entry of 'wrong': %+v", idx[2])
		}
		st, hdr, body := ts.do(t, "POST", "/v2/models/math/infer", jsonInfer("", "x", in, nil, false), nil)
		mustStatus(t, "math infer", st, 200, body)
		r, bins := parseInferResp(t, hdr, body)
		checkMathOutputs(t, "math beside a broken model", r, bins, want)
	}
}

// TestLoadUnloadReload: with explicit control, load; reload while a request
// is in progress (new requests go to the new load at once, the one in
// progress finishes on the old); unload while a request is in progress (new
// requests are refused, the one in progress finishes, then unload returns).
func TestLoadUnloadReload(t *testing.T) {
	g := newGate()
	ts := mathServer(t, mathConfig, Options{ControlMode: "explicit", hooks: g.hooks()})
	in, want := mathCase(t, 1)
	req := jsonInfer("", "x", in, nil, false)
	st, _, body := ts.do(t, "POST", "/v2/models/math/infer", req, nil)
	mustStatus(t, "before load", st, 404, body)
	st, _, body = ts.do(t, "POST", "/v2/repository/models/math/load", nil, nil)
	mustStatus(t, "load", st, 200, body)

	type res struct {
		st   int
		hdr  http.Header
		body []byte
	}
	async := func(method, path string, b []byte) chan res {
		ch := make(chan res, 1)
		go func() {
			st, hdr, body := ts.do(t, method, path, b, nil)
			ch <- res{st, hdr, body}
		}()
		return ch
	}
	for _, op := range []string{"load", "unload"} {
		g.arm()
		inflight := async("POST", "/v2/models/math/infer", req)
		<-g.entered // the request is running on the current pool
		g.pass()
		ctl := async("POST", "/v2/repository/models/math/"+op, nil)
		<-g.retiring // the old versions are out of reach, waiting for the held request
		st, hdr, body := ts.do(t, "POST", "/v2/models/math/infer", req, nil)
		if op == "load" {
			mustStatus(t, "during reload", st, 200, body)
			r, bins := parseInferResp(t, hdr, body)
			checkMathOutputs(t, "during reload", r, bins, want)
		} else {
			mustStatus(t, "during unload", st, 503, body)
			if !strings.Contains(string(body), "model 'math' is not ready: unloaded") {
				t.Fatalf("during unload: %s", body)
			}
		}
		select {
		case r := <-ctl:
			t.Fatalf("%s returned (%d %s) while a request held the old version", op, r.st, r.body)
		default:
		}
		g.open()
		r := <-inflight
		mustStatus(t, "in flight across "+op, r.st, 200, r.body)
		pr, bins := parseInferResp(t, r.hdr, r.body)
		checkMathOutputs(t, "in flight across "+op, pr, bins, want)
		c := <-ctl
		mustStatus(t, op, c.st, 200, c.body)
		for len(g.retiring) > 0 {
			<-g.retiring
		}
	}
	st, _, body = ts.do(t, "GET", "/v2/models/math/ready", nil, nil)
	mustStatus(t, "ready after unload", st, 503, body)
	st, _, body = ts.do(t, "POST", "/v2/repository/models/math/load", nil, nil)
	mustStatus(t, "load again", st, 200, body)
	st, _, body = ts.do(t, "POST", "/v2/models/math/infer", req, nil)
	mustStatus(t, "after load again", st, 200, body)
	st, _, body = ts.do(t, "POST", "/v2/repository/models/nothere/load", nil, nil)
	mustStatus(t, "load of a missing model", st, 404, body)
	st, _, body = ts.do(t, "POST", "/v2/repository/models/..%2f..%2fetc/load", nil, nil)
	if st != 400 && st != 404 {
		t.Fatalf("load of a path: %d %s", st, body)
	}
}
