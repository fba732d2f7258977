// Command httpserver serves a PaddlePaddle classifier over HTTP with a
// pdsafe.Pool: any number of concurrent requests, at most -pool inferences in
// C at once, each bounded by the request's context and -timeout.
//
//	httpserver -model m/inference.pdmodel -addr 127.0.0.1:8080 -pool 2
//	curl --data-binary @x.npy http://127.0.0.1:8080/predict
//	curl -H 'Content-Type: application/json' \
//	     -d '{"shape":[1,3,64,64],"data":[...]}' http://127.0.0.1:8080/predict
//
// The request body is the input tensor as a .npy file (float32), or JSON
// {"shape": [...], "data": [...]}. The response is JSON: for each batch item
// the top-k classes of output 0 with their scores.
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log"
	"net/http"
	"os"
	"os/signal"
	"sort"
	"strings"
	"syscall"
	"time"

	pdsafe "github.com/pdsafe/pdsafe/go"
	"github.com/pdsafe/pdsafe/go/internal/npy"
)

func main() {
	modelPath := flag.String("model", "", "model program (inference.pdmodel or inference.json) or a directory holding one")
	paramsPath := flag.String("params", "", "parameters (default: found by the library beside the program)")
	addr := flag.String("addr", "127.0.0.1:8080", "listen address")
	poolSize := flag.Int("pool", 2, "predictors in the pool (inferences in C at once)")
	k := flag.Int("k", 5, "classes per answer")
	timeout := flag.Duration("timeout", 10*time.Second, "longest a request may wait and run")
	flag.Parse()
	if *modelPath == "" {
		log.Fatal("httpserver: -model is required")
	}
	// An empty -params lets the library find the parameters (LoadModel).
	model, err := pdsafe.LoadModel(*modelPath, *paramsPath)
	if err != nil {
		log.Fatal(err)
	}
	srv, err := newServer(model, *poolSize, *k, *timeout)
	if err != nil {
		log.Fatal(err)
	}
	hs := &http.Server{Addr: *addr, Handler: srv, ReadHeaderTimeout: 10 * time.Second}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	go func() {
		<-ctx.Done()
		shut, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		_ = hs.Shutdown(shut)
	}()
	log.Printf("httpserver: serving %s on http://%s/predict with %d predictors", *modelPath, *addr, *poolSize)
	if err := hs.ListenAndServe(); err != nil && !errors.Is(err, http.ErrServerClosed) {
		log.Print(err)
	}
	// Shutdown has waited for the handlers; Close waits for any run still in C.
	_ = srv.Close()
	_ = model.Close()
}

// server is an http.Handler answering POST /predict.
type server struct {
	pool    *pdsafe.Pool
	input   pdsafe.TensorInfo
	k       int
	timeout time.Duration
}

func newServer(model *pdsafe.Model, poolSize, k int, timeout time.Duration) (*server, error) {
	pool, err := model.NewPool(poolSize)
	if err != nil {
		return nil, err
	}
	return &server{pool: pool, input: model.Inputs()[0], k: k, timeout: timeout}, nil
}

// Close closes the pool, waiting for runs in progress.
func (s *server) Close() error { return s.pool.Close() }

// maxBody bounds a request body.
const maxBody = 64 << 20

type class struct {
	Class int     `json:"class"`
	Score float32 `json:"score"`
}

type answer struct {
	Output string    `json:"output"`
	Shape  []int64   `json:"shape"`
	Top    [][]class `json:"top"`
}

type jsonInput struct {
	Shape []int64   `json:"shape"`
	Data  []float32 `json:"data"`
}

func (s *server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.URL.Path != "/predict" {
		httpError(w, http.StatusNotFound, "no such path %q (POST /predict)", r.URL.Path)
		return
	}
	if r.Method != http.MethodPost {
		w.Header().Set("Allow", http.MethodPost)
		httpError(w, http.StatusMethodNotAllowed, "%s /predict: use POST", r.Method)
		return
	}
	body := http.MaxBytesReader(w, r.Body, maxBody)
	x, err := decodeInput(r.Header.Get("Content-Type"), body)
	if err != nil {
		httpError(w, http.StatusBadRequest, "could not read the input: %v", err)
		return
	}
	ctx, cancel := context.WithTimeout(r.Context(), s.timeout)
	defer cancel()
	res, err := s.pool.Run(ctx, x)
	if err != nil {
		httpError(w, statusOf(err), "%v", err)
		return
	}
	out, err := pdsafe.OutputAt[float32](res, 0)
	if err != nil || len(out.Shape) != 2 {
		httpError(w, http.StatusInternalServerError, "output 0 is %v, expected float32 [batch, classes]", res.Info(0))
		return
	}
	a := answer{Output: res.Info(0).Name, Shape: out.Shape}
	n := int(out.Shape[1])
	for b := 0; b < int(out.Shape[0]); b++ {
		a.Top = append(a.Top, top(out.Data[b*n:(b+1)*n], s.k))
	}
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(a)
}

// statusOf maps pdsafe errors to HTTP statuses: the caller's mistakes are
// 400, a cancelled or timed-out request 503, anything else 500.
func statusOf(err error) int {
	switch {
	case errors.Is(err, pdsafe.ErrShape), errors.Is(err, pdsafe.ErrDType),
		errors.Is(err, pdsafe.ErrBufferSize), errors.Is(err, pdsafe.ErrInvalidArgument),
		errors.Is(err, pdsafe.ErrLimit):
		return http.StatusBadRequest
	case errors.Is(err, pdsafe.ErrCanceled), errors.Is(err, pdsafe.ErrClosed):
		return http.StatusServiceUnavailable
	}
	return http.StatusInternalServerError
}

func decodeInput(contentType string, body io.Reader) (*pdsafe.Tensor[float32], error) {
	if strings.HasPrefix(contentType, "application/json") {
		var in jsonInput
		dec := json.NewDecoder(body)
		dec.DisallowUnknownFields()
		if err := dec.Decode(&in); err != nil {
			return nil, err
		}
		return pdsafe.NewTensor(in.Shape, in.Data)
	}
	a, err := npy.Read(body)
	if err != nil {
		return nil, err
	}
	data, err := a.Float32()
	if err != nil {
		return nil, err
	}
	return pdsafe.NewTensor(a.Shape, data)
}

func top(row []float32, k int) []class {
	idx := make([]int, len(row))
	for i := range idx {
		idx[i] = i
	}
	sort.SliceStable(idx, func(a, b int) bool { return row[idx[a]] > row[idx[b]] })
	out := make([]class, 0, k)
	for _, i := range idx[:min(k, len(idx))] {
		out = append(out, class{Class: i, Score: row[i]})
	}
	return out
}

func httpError(w http.ResponseWriter, status int, format string, args ...any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(map[string]string{"error": fmt.Sprintf(format, args...)})
}
