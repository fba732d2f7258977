package serve

import (
	"bytes"
	"context"
	"encoding/binary"
	"encoding/json"
	"io"
	"log/slog"
	"math"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// fixtures is the directory of the committed fixture models.
func fixtures(t testing.TB) string {
	if d := os.Getenv("PDSAFE_FIXTURES"); d != "" {
		return d
	}
	d, err := filepath.Abs("../tests/fixtures")
	if err != nil {
		t.Fatal(err)
	}
	return d
}

// repoModel describes one model of a test repository: a fixture, the format
// of each version directory ("legacy" or "pir", or "bad" for a truncated
// program), and config.pbtxt ("" for none).
type repoModel struct {
	fixture  string
	versions map[int]string
	config   string
}

func copyFile(t testing.TB, src, dst string) {
	b, err := os.ReadFile(src)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(dst, b, 0o644); err != nil {
		t.Fatal(err)
	}
}

func writeVersion(t testing.TB, fix, dir, format string) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	params := filepath.Join(fix, "inference.pdiparams")
	if _, err := os.Stat(params); err == nil {
		copyFile(t, params, filepath.Join(dir, "inference.pdiparams"))
	}
	switch format {
	case "legacy":
		copyFile(t, filepath.Join(fix, "inference.pdmodel"), filepath.Join(dir, "inference.pdmodel"))
	case "pir":
		copyFile(t, filepath.Join(fix, "inference.json"), filepath.Join(dir, "inference.json"))
	case "bad":
		b, err := os.ReadFile(filepath.Join(fix, "inference.pdmodel"))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, "inference.pdmodel"), b[:len(b)/3], 0o644); err != nil {
			t.Fatal(err)
		}
	default:
		t.Fatalf("unknown format %q", format)
	}
}

func makeRepo(t testing.TB, models map[string]repoModel) string {
	root := t.TempDir()
	for name, m := range models {
		dir := filepath.Join(root, name)
		if err := os.MkdirAll(dir, 0o755); err != nil {
			t.Fatal(err)
		}
		for v, format := range m.versions {
			writeVersion(t, filepath.Join(fixtures(t), m.fixture), filepath.Join(dir, strconv.Itoa(v)), format)
		}
		if m.config != "" {
			if err := os.WriteFile(filepath.Join(dir, "config.pbtxt"), []byte(m.config), 0o644); err != nil {
				t.Fatal(err)
			}
		}
	}
	return root
}

// testServer is a server listening on 127.0.0.1 on free ports.
type testServer struct {
	s        *Server
	base     string // http://127.0.0.1:port
	grpcAddr string
	logs     *syncBuffer
	done     chan struct{}
}

type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.String()
}

func startServer(t testing.TB, o Options) *testServer {
	t.Helper()
	logs := &syncBuffer{}
	o.Logger = slog.New(slog.NewJSONHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	s, err := New(o)
	if err != nil {
		t.Fatal(err)
	}
	hl, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	gl, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ts := &testServer{s: s, base: "http://" + hl.Addr().String(), grpcAddr: gl.Addr().String(), logs: logs, done: make(chan struct{})}
	var wg sync.WaitGroup
	wg.Add(2)
	go func() { defer wg.Done(); _ = s.ServeHTTP(hl, s.Handler()) }()
	go func() { defer wg.Done(); _ = s.ServeGRPC(gl) }()
	go func() { wg.Wait(); close(ts.done) }()
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
		defer cancel()
		_ = s.Shutdown(ctx)
		<-ts.done
	})
	return ts
}

// do sends a request and returns the status, the headers and the body.
func (ts *testServer) do(t testing.TB, method, path string, body []byte, hdr map[string]string) (int, http.Header, []byte) {
	t.Helper()
	req, err := http.NewRequest(method, ts.base+path, bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range hdr {
		req.Header.Set(k, v)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, resp.Header, b
}

// npy is a float32 .npy array.
type npy struct {
	shape []int64
	data  []float32
}

// readNpy reads a little-endian C-order float32 .npy file.
func readNpy(t testing.TB, path string) npy {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if len(b) < 10 || string(b[1:6]) != "NUMPY" {
		t.Fatalf("%s: not a .npy file", path)
	}
	var hl, off int
	if b[6] == 1 {
		hl, off = int(binary.LittleEndian.Uint16(b[8:10])), 10
	} else {
		hl, off = int(binary.LittleEndian.Uint32(b[8:12])), 12
	}
	h := string(b[off : off+hl])
	if !strings.Contains(h, "'descr': '<f4'") || !strings.Contains(h, "'fortran_order': False") {
		t.Fatalf("%s: header %s: expected C-order <f4", path, h)
	}
	i := strings.Index(h, "'shape': (")
	j := strings.Index(h[i:], ")")
	var shape []int64
	for _, p := range strings.Split(h[i+len("'shape': ("):i+j], ",") {
		p = strings.TrimSpace(p)
		if p == "" {
			continue
		}
		n, err := strconv.ParseInt(p, 10, 64)
		if err != nil {
			t.Fatal(err)
		}
		shape = append(shape, n)
	}
	raw := b[off+hl:]
	data := make([]float32, len(raw)/4)
	for k := range data {
		data[k] = math.Float32frombits(binary.LittleEndian.Uint32(raw[4*k:]))
	}
	return npy{shape: shape, data: data}
}

func f32bytes(v []float32) []byte {
	b := make([]byte, 4*len(v))
	for i, f := range v {
		binary.LittleEndian.PutUint32(b[4*i:], math.Float32bits(f))
	}
	return b
}

func bytesF32(b []byte) []float32 {
	v := make([]float32, len(b)/4)
	for i := range v {
		v[i] = math.Float32frombits(binary.LittleEndian.Uint32(b[4*i:]))
	}
	return v
}

// closeTo compares against Paddle's output with the fixtures' tolerance.
func closeTo(t testing.TB, what string, got []float32, want npy) {
	t.Helper()
	if len(got) != len(want.data) {
		t.Fatalf("%s: %d values, want %d", what, len(got), len(want.data))
	}
	for i := range got {
		a, b := float64(got[i]), float64(want.data[i])
		if math.Abs(a-b) > 1e-4+1e-3*math.Abs(b) {
			t.Fatalf("%s[%d] = %v, Paddle gives %v", what, i, a, b)
		}
	}
}

// jsonInfer builds a JSON inference request for one FP32 input.
func jsonInfer(id, name string, in npy, outputs []string, binaryOut bool) []byte {
	req := map[string]any{"inputs": []any{map[string]any{"name": name, "shape": in.shape, "datatype": "FP32", "data": in.data}}}
	if id != "" {
		req["id"] = id
	}
	if len(outputs) > 0 {
		var outs []any
		for _, o := range outputs {
			outs = append(outs, map[string]any{"name": o, "parameters": map[string]any{"binary_data_output": binaryOut}})
		}
		req["outputs"] = outs
	}
	b, _ := json.Marshal(req)
	return b
}

// binaryInfer builds a binary-extension request for one FP32 input and
// returns the body and its JSON header length.
func binaryInfer(name string, in npy, binaryOut bool) ([]byte, string) {
	hdr, _ := json.Marshal(map[string]any{
		"inputs": []any{map[string]any{"name": name, "shape": in.shape, "datatype": "FP32",
			"parameters": map[string]any{"binary_data_size": 4 * len(in.data)}}},
		"parameters": map[string]any{"binary_data_output": binaryOut},
	})
	return append(hdr, f32bytes(in.data)...), strconv.Itoa(len(hdr))
}

type respOutput struct {
	Name       string          `json:"name"`
	Datatype   string          `json:"datatype"`
	Shape      []int64         `json:"shape"`
	Data       []float32       `json:"data"`
	Parameters map[string]int  `json:"parameters"`
	Raw        json.RawMessage `json:"-"`
}

type inferResp struct {
	ModelName    string       `json:"model_name"`
	ModelVersion string       `json:"model_version"`
	ID           string       `json:"id"`
	Outputs      []respOutput `json:"outputs"`
	Error        string       `json:"error"`
}

// parseInferResp splits a response into its JSON and, per binary output,
// its bytes.
func parseInferResp(t testing.TB, hdr http.Header, body []byte) (inferResp, map[string][]byte) {
	t.Helper()
	jsonPart, rest := body, []byte(nil)
	if h := hdr.Get("Inference-Header-Content-Length"); h != "" {
		n, err := strconv.Atoi(h)
		if err != nil || n > len(body) {
			t.Fatalf("bad Inference-Header-Content-Length %q for %d bytes", h, len(body))
		}
		jsonPart, rest = body[:n], body[n:]
	}
	var r inferResp
	if err := json.Unmarshal(jsonPart, &r); err != nil {
		t.Fatalf("response %q: %v", jsonPart, err)
	}
	bins := map[string][]byte{}
	for _, o := range r.Outputs {
		if n, ok := o.Parameters["binary_data_size"]; ok {
			if n > len(rest) {
				t.Fatalf("output %s: binary_data_size %d, %d bytes left", o.Name, n, len(rest))
			}
			bins[o.Name], rest = rest[:n], rest[n:]
		}
	}
	if len(rest) != 0 {
		t.Fatalf("%d bytes after the binary outputs", len(rest))
	}
	return r, bins
}

// gate holds model runs while armed, so that a test can keep a request in
// progress (or a worker busy) for exactly as long as it needs.
type gate struct {
	mu       sync.Mutex
	armed    bool
	entered  chan int // the number of requests of each held run
	release  chan struct{}
	queued   chan string
	retiring chan string
	released bool
}

// pass lets later runs through while the runs already held stay held.
func (g *gate) pass() {
	g.mu.Lock()
	g.armed = false
	g.mu.Unlock()
}

func newGate() *gate {
	return &gate{entered: make(chan int, 16), release: make(chan struct{}), queued: make(chan string, 64), retiring: make(chan string, 64)}
}

func (g *gate) hooks() *testHooks {
	return &testHooks{
		enqueued: func(model string) {
			select {
			case g.queued <- model:
			default:
			}
		},
		retiring: func(model string) { g.retiring <- model },
		beforeRun: func(model string, requests, rows int) {
			g.mu.Lock()
			armed, release := g.armed, g.release
			g.mu.Unlock()
			if armed {
				g.entered <- requests
				<-release
			}
		},
	}
}

func (g *gate) arm() {
	g.mu.Lock()
	if !g.armed {
		g.release = make(chan struct{})
		g.released = false
	}
	g.armed = true
	g.mu.Unlock()
}

// open disarms the gate and lets every held run go.
func (g *gate) open() {
	g.mu.Lock()
	g.armed = false
	if g.release != nil && !g.released {
		g.released = true
		close(g.release)
	}
	g.mu.Unlock()
}

func mustStatus(t testing.TB, what string, got, want int, body []byte) {
	t.Helper()
	if got != want {
		t.Fatalf("%s: status %d, want %d; body %s", what, got, want, body)
	}
}

// servePython returns the Python of the serve tests' venv
// (PDSAFE_SERVE_PYTHON, printed by scripts/setup-serve-python.sh), which
// has `needs` installed. Without it the test is skipped, or fails when
// PDSAFE_REQUIRE_TRITONCLIENT=1 (scripts/go-test.sh sets both).
func servePython(t *testing.T, needs string) string {
	t.Helper()
	py := os.Getenv("PDSAFE_SERVE_PYTHON")
	if py == "" {
		if os.Getenv("PDSAFE_REQUIRE_TRITONCLIENT") == "1" {
			t.Fatal("PDSAFE_SERVE_PYTHON is not set (run: export PDSAFE_SERVE_PYTHON=$(bash scripts/setup-serve-python.sh))")
		}
		t.Skipf("PDSAFE_SERVE_PYTHON is not set: no %s to test with", needs)
	}
	return py
}
