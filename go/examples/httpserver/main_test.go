package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	pdsafe "github.com/pdsafe/pdsafe/go"
	"github.com/pdsafe/pdsafe/go/internal/npy"
)

func fixture(name string) string {
	d := os.Getenv("PDSAFE_FIXTURES")
	if d == "" {
		d = filepath.Join("..", "..", "..", "tests", "fixtures")
	}
	return filepath.Join(d, name)
}

// startServer serves pplcnet on loopback; the returned function (also run
// when the test ends) shuts everything down.
func startServer(t *testing.T, poolSize int, timeout time.Duration) (*httptest.Server, *server, func()) {
	t.Helper()
	model, err := pdsafe.LoadModel(fixture("pplcnet/inference.pdmodel"), fixture("pplcnet/inference.pdiparams"))
	if err != nil {
		t.Fatal(err)
	}
	srv, err := newServer(model, poolSize, 3, timeout)
	if err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewServer(srv) // listens on 127.0.0.1
	var once sync.Once
	stop := func() {
		once.Do(func() {
			ts.Close()
			if err := srv.Close(); err != nil {
				t.Error(err)
			}
			if err := model.Close(); err != nil {
				t.Error(err)
			}
		})
	}
	t.Cleanup(stop)
	return ts, srv, stop
}

func post(t *testing.T, url, contentType string, body []byte) (int, []byte) {
	t.Helper()
	resp, err := http.Post(url, contentType, bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, b
}

// 8 clients send 40 requests on loopback, as .npy and as JSON, with inputs of
// batch 1 and 2; every answer is Paddle's top-3.
func TestServeConcurrentRequests(t *testing.T) {
	base := pdsafe.LiveObjects()
	func() {
		ts, _, stop := startServer(t, 2, 10*time.Second)
		defer stop()
		type req struct {
			body        []byte
			contentType string
			want        []float32
		}
		var reqs []req
		for k := 0; k < 2; k++ {
			raw, err := os.ReadFile(fixture(fmt.Sprintf("pplcnet/case%d.in0.npy", k)))
			if err != nil {
				t.Fatal(err)
			}
			in, _ := npy.ReadFile(fixture(fmt.Sprintf("pplcnet/case%d.in0.npy", k)))
			ref, _ := npy.ReadFile(fixture(fmt.Sprintf("pplcnet/case%d.out0.npy", k)))
			js, _ := json.Marshal(jsonInput{Shape: in.Shape, Data: in.Data.([]float32)})
			reqs = append(reqs, req{raw, "application/octet-stream", ref.Data.([]float32)},
				req{js, "application/json", ref.Data.([]float32)})
		}
		var wg sync.WaitGroup
		for c := 0; c < 8; c++ {
			wg.Add(1)
			go func(c int) {
				defer wg.Done()
				for i := 0; i < 5; i++ {
					r := reqs[(c+i)%len(reqs)]
					status, body := post(t, ts.URL+"/predict", r.contentType, r.body)
					if status != http.StatusOK {
						t.Errorf("status %d: %s", status, body)
						return
					}
					var a answer
					if err := json.Unmarshal(body, &a); err != nil {
						t.Errorf("%v: %s", err, body)
						return
					}
					checkAnswer(t, a, r.want)
				}
			}(c)
		}
		wg.Wait()
	}()
	if got := pdsafe.LiveObjects(); got != base {
		t.Errorf("live objects %+v after the server closed, want %+v", got, base)
	}
}

func checkAnswer(t *testing.T, a answer, want []float32) {
	t.Helper()
	n := len(want) / 10
	if len(a.Top) != n || len(a.Shape) != 2 || a.Shape[0] != int64(n) || a.Shape[1] != 10 {
		t.Errorf("answer %+v, want %d rows of 10 classes", a, n)
		return
	}
	for b := 0; b < n; b++ {
		row := want[b*10 : (b+1)*10]
		best := 0
		for i, v := range row {
			if v > row[best] {
				best = i
			}
		}
		got := a.Top[b][0]
		if got.Class != best || math.Abs(float64(got.Score-row[best])) > 1e-4+1e-3*float64(row[best]) {
			t.Errorf("batch %d: top class %d %.6f, Paddle's is %d %.6f", b, got.Class, got.Score, best, row[best])
		}
		if len(a.Top[b]) != 3 || a.Top[b][1].Score > got.Score {
			t.Errorf("batch %d: top %+v", b, a.Top[b])
		}
	}
}

func TestServeErrors(t *testing.T) {
	ts, _, _ := startServer(t, 1, 10*time.Second)
	cases := []struct {
		method, path, contentType, body string
		status                          int
		want                            string
	}{
		{"GET", "/predict", "", "", http.StatusMethodNotAllowed, "use POST"},
		{"POST", "/other", "", "", http.StatusNotFound, "no such path"},
		{"POST", "/predict", "application/octet-stream", "this is not a .npy file", http.StatusBadRequest, "bad magic"},
		{"POST", "/predict", "application/json", `{"shape":[1,3,64,64],"data":[1,2]}`, http.StatusBadRequest, "data has 2 elements"},
		{"POST", "/predict", "application/json", `{"shape":[1,3,8,8],"data":[` + strings.Repeat("0,", 191) + `0]}`, http.StatusBadRequest, "PDS_ERR_SHAPE"},
		{"POST", "/predict", "application/json", `{"shape":[1],"data":[1],"x":1}`, http.StatusBadRequest, "unknown field"},
	}
	for _, c := range cases {
		req, _ := http.NewRequest(c.method, ts.URL+c.path, strings.NewReader(c.body))
		if c.contentType != "" {
			req.Header.Set("Content-Type", c.contentType)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != c.status || !strings.Contains(string(b), c.want) {
			t.Errorf("%s %s %q: %d %s, want %d with %q", c.method, c.path, c.body, resp.StatusCode, b, c.status, c.want)
		}
	}
}

// A request whose deadline passes while it waits for the pool gets 503.
func TestServeTimeout(t *testing.T) {
	ts, srv, _ := startServer(t, 1, 1*time.Nanosecond)
	raw, err := os.ReadFile(fixture("pplcnet/case0.in0.npy"))
	if err != nil {
		t.Fatal(err)
	}
	status, body := post(t, ts.URL+"/predict", "application/octet-stream", raw)
	if status != http.StatusServiceUnavailable || !strings.Contains(string(body), "context deadline exceeded") {
		t.Errorf("status %d %s, want 503 with the deadline", status, body)
	}
	// The pool is still fine.
	x, _ := npy.ReadFile(fixture("pplcnet/case0.in0.npy"))
	in, _ := pdsafe.NewTensor(x.Shape, x.Data.([]float32))
	if _, err := srv.pool.Run(context.Background(), in); err != nil {
		t.Error(err)
	}
}
