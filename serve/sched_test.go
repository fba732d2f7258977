package serve

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/pdsafe/pdsafe/serve/inferencepb"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
)

// TestDynamicBatching: two requests of 1 and 3 rows become one run of 4
// (the preferred size), and each gets its own rows of Paddle's outputs.
func TestDynamicBatching(t *testing.T) {
	g := newGate()
	// The delay is long so that only the preferred size closes the batch:
	// the test never depends on how fast the second request arrives.
	cfg := mathConfig + `dynamic_batching { preferred_batch_size: [ 4 ] max_queue_delay_microseconds: 60000000 }`
	ts := mathServer(t, cfg, Options{hooks: g.hooks()})
	var wg sync.WaitGroup
	for k := 0; k < 2; k++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			in, want := mathCase(t, k)
			st, hdr, body := ts.do(t, "POST", "/v2/models/math/infer", jsonInfer(fmt.Sprint(k), "x", in, nil, k == 1), nil)
			if st != 200 {
				t.Errorf("case %d: status %d %s", k, st, body)
				return
			}
			r, bins := parseInferResp(t, hdr, body)
			if r.ID != fmt.Sprint(k) {
				t.Errorf("case %d: id %q", k, r.ID)
			}
			checkMathOutputs(t, fmt.Sprintf("batched case %d", k), r, bins, want)
		}()
	}
	wg.Wait()
	_, _, body := ts.do(t, "GET", "/metrics", nil, nil)
	for _, want := range []string{
		`nv_inference_exec_count{model="math",version="2"} 1`,
		`nv_inference_count{model="math",version="2"} 4`,
		`nv_inference_request_success{model="math",version="2"} 2`,
		`nv_inference_pending_request_count{model="math",version="2"} 0`,
	} {
		if !strings.Contains(string(body), want) {
			t.Fatalf("metrics lack %q:\n%s", want, body)
		}
	}
}

// TestQueueFullAndDeadlines: with the only worker held and the queue (size
// 1) full, a request is refused at once with 503 / UNAVAILABLE; a queued
// request whose deadline passes gets 504 / DEADLINE_EXCEEDED.
func TestQueueFullAndDeadlines(t *testing.T) {
	g := newGate()
	ts := mathServer(t, mathConfig, Options{MaxQueueSize: 1, hooks: g.hooks()})
	in, want := mathCase(t, 0)
	req := jsonInfer("", "x", in, nil, false)
	g.arm()
	held := make(chan int, 1)
	go func() {
		st, _, _ := ts.do(t, "POST", "/v2/models/math/infer", req, nil)
		held <- st
	}()
	<-g.entered
	<-g.queued // the held request went through the queue
	// A queued request with a deadline: it waits behind the held one until
	// its deadline passes.
	st, _, body := ts.do(t, "POST", "/v2/models/math/infer", req, map[string]string{HeaderTimeout: "20ms"})
	mustStatus(t, "deadline in the queue", st, http.StatusGatewayTimeout, body)
	if !strings.Contains(string(body), "deadline exceeded") {
		t.Fatalf("deadline: %s", body)
	}
	<-g.queued
	// The request that timed out left the queue when it ended; fill the
	// queue for certain with a request that waits.
	waitPending(t, ts, "math", "2", 0)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	c := grpcClient(t, ts)
	rpc := &inferencepb.ModelInferRequest{ModelName: "math",
		Inputs:           []*inferencepb.ModelInferRequest_InferInputTensor{{Name: "x", Datatype: "FP32", Shape: in.shape}},
		RawInputContents: [][]byte{f32bytes(in.data)}}
	fctx, fcancel := context.WithCancel(ctx)
	filler := make(chan error, 1)
	go func() {
		_, err := c.ModelInfer(fctx, rpc)
		filler <- err
	}()
	<-g.queued
	waitPending(t, ts, "math", "2", 1)
	// The queue is full: the next request is refused at once.
	st, _, body = ts.do(t, "POST", "/v2/models/math/infer", req, nil)
	mustStatus(t, "full queue", st, http.StatusServiceUnavailable, body)
	if !strings.Contains(string(body), "the queue is full (1 requests waiting)") {
		t.Fatalf("full queue: %s", body)
	}
	_, err := c.ModelInfer(ctx, rpc)
	if status.Code(err) != codes.Unavailable {
		t.Fatalf("gRPC on a full queue: %v", err)
	}
	// A queued request whose client gives up leaves the queue at once.
	fcancel()
	if err := <-filler; status.Code(err) != codes.Canceled {
		t.Fatalf("cancelled queued request: %v", err)
	}
	waitPending(t, ts, "math", "2", 0)
	g.open()
	if st := <-held; st != 200 {
		t.Fatalf("held request: %d", st)
	}
	// A gRPC deadline while the run is held and the queue has room:
	// DEADLINE_EXCEEDED.
	g.arm()
	go func() {
		st, _, _ := ts.do(t, "POST", "/v2/models/math/infer", req, nil)
		held <- st
	}()
	<-g.entered
	dctx, dcancel := context.WithTimeout(ctx, 20*time.Millisecond)
	defer dcancel()
	_, err = c.ModelInfer(dctx, rpc)
	if status.Code(err) != codes.DeadlineExceeded {
		t.Fatalf("gRPC deadline: %v", err)
	}
	g.open()
	if st := <-held; st != 200 {
		t.Fatalf("held request: %d", st)
	}
	st, hdr, body := ts.do(t, "POST", "/v2/models/math/infer", req, nil)
	mustStatus(t, "after", st, 200, body)
	r, bins := parseInferResp(t, hdr, body)
	checkMathOutputs(t, "after a full queue", r, bins, want)
	// A client sees its cancel or deadline before the server has counted
	// it: wait (bounded) for the server's count.
	waitFailures(t, ts, "math", "2", 1, 3)
	_, _, body = ts.do(t, "GET", "/metrics", nil, nil)
	for _, want := range []string{
		`nv_inference_request_failure{model="math",reason="REJECTED",version="2"} 2`,
		`nv_inference_request_failure{model="math",reason="CANCELED",version="2"} 3`,
	} {
		if !strings.Contains(string(body), want) {
			t.Fatalf("metrics lack %q:\n%s", want, body)
		}
	}
}

// TestGracefulShutdown: Shutdown turns readiness off at once, refuses new
// work, lets the request in progress finish with its answer, then returns.
func TestGracefulShutdown(t *testing.T) {
	g := newGate()
	ts := mathServer(t, mathConfig, Options{hooks: g.hooks()})
	in, want := mathCase(t, 0)
	req := jsonInfer("", "x", in, nil, false)
	g.arm()
	type res struct {
		st   int
		hdr  http.Header
		body []byte
	}
	inflight := make(chan res, 1)
	go func() {
		st, hdr, body := ts.do(t, "POST", "/v2/models/math/infer", req, nil)
		inflight <- res{st, hdr, body}
	}()
	<-g.entered
	shut := make(chan error, 1)
	go func() { shut <- ts.s.Shutdown(context.Background()) }()
	for i := 0; ts.s.Ready(); i++ {
		if i > 10000 {
			t.Fatal("still ready after Shutdown started")
		}
		time.Sleep(time.Millisecond)
	}
	c := grpcClient(t, ts)
	if r, err := c.ServerReady(context.Background(), &inferencepb.ServerReadyRequest{}); err == nil && r.Ready {
		t.Fatal("gRPC says ready during shutdown")
	}
	select {
	case err := <-shut:
		t.Fatalf("Shutdown returned (%v) with a request in progress", err)
	default:
	}
	g.open()
	r := <-inflight
	mustStatus(t, "in flight across shutdown", r.st, 200, r.body)
	pr, bins := parseInferResp(t, r.hdr, r.body)
	checkMathOutputs(t, "in flight across shutdown", pr, bins, want)
	if err := <-shut; err != nil {
		t.Fatal(err)
	}
}

// waitPending waits (bounded) until a version's queue holds n requests.
func waitPending(t *testing.T, ts *testServer, model, ver string, n int64) {
	t.Helper()
	st := ts.s.metrics.model(model, ver)
	for i := 0; st.pending.Load() != n; i++ {
		if i > 10000 {
			t.Fatalf("model %s version %s: %d requests queued, waited for %d", model, ver, st.pending.Load(), n)
		}
		time.Sleep(time.Millisecond)
	}
}

// waitFailures waits (bounded) until a version has counted n failures of
// failureReasons[reason].
func waitFailures(t *testing.T, ts *testServer, model, ver string, reason int, n uint64) {
	t.Helper()
	st := ts.s.metrics.model(model, ver)
	for i := 0; st.failure[reason].Load() < n; i++ {
		if i > 10000 {
			t.Fatalf("model %s version %s: %d %s failures, waited for %d", model, ver, st.failure[reason].Load(), failureReasons[reason], n)
		}
		time.Sleep(time.Millisecond)
	}
}

// lateTimerCtx is a context whose deadline has passed but whose timer has
// not fired: what a worker can see on a busy machine.
type lateTimerCtx struct {
	context.Context
	deadline time.Time
}

func (c lateTimerCtx) Deadline() (time.Time, bool) { return c.deadline, true }

// TestEndedDeadlinePassed: a request whose deadline has passed is not started
// even when its context does not say so yet; one with time left is.
func TestEndedDeadlinePassed(t *testing.T) {
	past := lateTimerCtx{context.Background(), time.Now().Add(-time.Microsecond)}
	if err := ended(past); err != context.DeadlineExceeded {
		t.Errorf("deadline passed, timer not fired: ended = %v, want context.DeadlineExceeded", err)
	}
	if err := asAPIError(fmt.Errorf("model 'm': %w", ended(past))); err.status != http.StatusGatewayTimeout {
		t.Errorf("deadline passed: status %d, want 504", err.status)
	}
	future := lateTimerCtx{context.Background(), time.Now().Add(time.Hour)}
	if err := ended(future); err != nil {
		t.Errorf("deadline an hour away: ended = %v, want nil", err)
	}
	cancelled, cancel := context.WithCancelCause(context.Background())
	cause := fmt.Errorf("the client went away")
	cancel(cause)
	// Its cause, still matching context.Canceled: a request cancelled with
	// a cause of its own (gRPC's) is counted and answered as cancelled.
	err := ended(cancelled)
	if !errors.Is(err, cause) || !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled: ended = %v, want its cause wrapping context.Canceled", err)
	}
	if ae := asAPIError(err); ae.reason != "CANCELED" || ae.status != statusClientClosed {
		t.Errorf("cancelled with a cause: reason %s status %d, want CANCELED %d", ae.reason, ae.status, statusClientClosed)
	}
}
