// Package serve is pdsafe-serve: an inference server for PaddlePaddle
// models that speaks the Open Inference Protocol (KServe v2) over REST and
// gRPC with Triton's extensions (binary tensor data, model configuration,
// repository index, load and unload), over a Triton-layout model
// repository, with dynamic batching, bounded queues, deadlines, graceful
// shutdown and Triton-named Prometheus metrics. The command is
// cmd/pdsafe-serve; see README.md for the flags, endpoints and limits.
//
// A Server is safe for concurrent use. Every model version runs on a
// pdsafe.Pool of instance_group count predictors; a request never runs on a
// model that is being closed (versions are reference-counted by the requests
// that hold them), and bad input of any kind is answered with a 4xx and a
// message, never with a crash.
package serve

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	"github.com/pdsafe/pdsafe/serve/inferencepb"
	"google.golang.org/grpc"
)

// Version is the server version reported by server metadata.
const Version = "0.1.0"

// Options configure a Server. Zero values take the defaults noted.
type Options struct {
	ModelRepository string
	// ControlMode is "none" (load every model at start; the repository API
	// refuses load and unload) or "explicit" (load LoadModels at start, "*"
	// meaning all, and allow load and unload).
	ControlMode string
	LoadModels  []string
	// StrictReadiness: the server is ready only when every model asked for
	// is ready (Triton's default, and ours).
	StrictReadiness bool
	Limits          Limits
	// MaxQueueSize bounds each model version's queue (default 64); a full
	// queue answers 503 / UNAVAILABLE at once. A model's
	// dynamic_batching.default_queue_policy.max_queue_size overrides it.
	MaxQueueSize int
	// RequestTimeout bounds every inference request that sets no shorter
	// timeout of its own (0: none).
	RequestTimeout time.Duration
	Logger         *slog.Logger

	hooks *testHooks
}

// Server is a running pdsafe-serve.
type Server struct {
	opts     Options
	repo     *repository
	metrics  *metrics
	log      *slog.Logger
	handler  http.Handler
	grpc     *grpc.Server
	stopping atomic.Bool

	mu    sync.Mutex
	https []*http.Server
}

// New checks the options, loads the models the control mode asks for (a
// model that fails to load is reported and left UNAVAILABLE) and returns
// the server, not yet listening.
func New(o Options) (*Server, error) {
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
	if o.Limits.MaxBodyBytes <= 0 {
		o.Limits.MaxBodyBytes = DefaultLimits.MaxBodyBytes
	}
	if o.Limits.MaxTensorBytes <= 0 {
		o.Limits.MaxTensorBytes = DefaultLimits.MaxTensorBytes
	}
	if o.Limits.MaxTensors <= 0 {
		o.Limits.MaxTensors = DefaultLimits.MaxTensors
	}
	if o.MaxQueueSize <= 0 {
		o.MaxQueueSize = 64
	}
	switch o.ControlMode {
	case "":
		o.ControlMode = "none"
	case "none", "explicit":
	default:
		return nil, fmt.Errorf("model control mode %q: expected none or explicit", o.ControlMode)
	}
	m := newMetrics()
	repo, err := newRepository(o.ModelRepository, &o, m)
	if err != nil {
		return nil, err
	}
	s := &Server{opts: o, repo: repo, metrics: m, log: o.Logger}
	names := o.LoadModels
	if o.ControlMode == "none" || (len(names) == 1 && names[0] == "*") {
		if names, err = repo.names(); err != nil {
			return nil, err
		}
	}
	for _, n := range names {
		_ = repo.load(n) // logged; the model is UNAVAILABLE with the reason
	}
	s.handler = s.routes()
	s.grpc = grpc.NewServer(grpc.MaxRecvMsgSize(int(min(o.Limits.MaxBodyBytes, 1<<31-1))),
		grpc.MaxSendMsgSize(1<<31-1))
	inferencepb.RegisterGRPCInferenceServiceServer(s.grpc, &grpcService{s: s})
	return s, nil
}

// Handler returns the REST handler (the v2 API and /metrics).
func (s *Server) Handler() http.Handler { return s.handler }

// MetricsHandler returns the /metrics handler alone.
func (s *Server) MetricsHandler() http.Handler {
	mux := http.NewServeMux()
	mux.Handle("GET /metrics", s.metrics)
	return mux
}

// ServeHTTP serves REST on l until Shutdown.
func (s *Server) ServeHTTP(l net.Listener, h http.Handler) error {
	hs := &http.Server{Handler: h, ReadHeaderTimeout: 30 * time.Second, MaxHeaderBytes: 64 << 10,
		IdleTimeout: 5 * time.Minute}
	s.mu.Lock()
	if s.stopping.Load() {
		s.mu.Unlock()
		return http.ErrServerClosed
	}
	s.https = append(s.https, hs)
	s.mu.Unlock()
	err := hs.Serve(l)
	if errors.Is(err, http.ErrServerClosed) {
		return nil
	}
	return err
}

// ServeGRPC serves gRPC on l until Shutdown.
func (s *Server) ServeGRPC(l net.Listener) error { return s.grpc.Serve(l) }

// Ready reports whether the server takes inference requests: not shutting
// down and, with StrictReadiness, every model asked for is ready.
func (s *Server) Ready() bool {
	if s.stopping.Load() {
		return false
	}
	return !s.opts.StrictReadiness || s.repo.allReady()
}

// Shutdown stops taking new connections and requests (readiness turns
// false at once), waits for the requests in progress until ctx ends, then
// closes every model. Requests still running when ctx ends are cut off.
func (s *Server) Shutdown(ctx context.Context) error {
	s.mu.Lock()
	s.stopping.Store(true)
	hs := s.https
	s.mu.Unlock()
	s.log.Info("shutting down: finishing requests in progress")
	var wg sync.WaitGroup
	var firstErr error
	var errMu sync.Mutex
	for _, h := range hs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := h.Shutdown(ctx); err != nil {
				errMu.Lock()
				firstErr = err
				errMu.Unlock()
				_ = h.Close()
			}
		}()
	}
	done := make(chan struct{})
	go func() { s.grpc.GracefulStop(); close(done) }()
	select {
	case <-done:
	case <-ctx.Done():
		s.grpc.Stop()
		<-done
	}
	wg.Wait()
	s.repo.close()
	s.log.Info("shut down")
	return firstErr
}

// infer runs one decoded request on a model and returns the outputs asked
// for, with the version that ran it.
func (s *Server) infer(ctx context.Context, model, ver string, req *inferRequest) (*version, []wireTensor, error) {
	if s.stopping.Load() {
		return nil, nil, unavailable("the server is shutting down")
	}
	v, release, err := s.repo.acquire(model, ver)
	if err != nil {
		return nil, nil, err
	}
	defer release()
	start := time.Now()
	outs, res, err := s.inferOn(ctx, v, req)
	if err != nil {
		ae := asAPIError(err)
		v.stats.fail(ae.reason)
		v.stats.failNs.Add(uint64(time.Since(start).Nanoseconds()))
		return v, nil, ae
	}
	d := time.Since(start)
	v.stats.success.Add(1)
	v.stats.requestUs.Add(uint64(d.Microseconds()))
	v.stats.queueUs.Add(uint64(res.queue.Microseconds()))
	v.stats.computeInputUs.Add(uint64(res.compute.input.Microseconds()))
	v.stats.computeInferUs.Add(uint64(res.compute.infer.Microseconds()))
	v.stats.computeOutputUs.Add(uint64(res.compute.output.Microseconds()))
	v.stats.successNs.Add(uint64(d.Nanoseconds()))
	v.stats.queueNs.Add(uint64(res.queue.Nanoseconds()))
	v.stats.computeInputNs.Add(uint64(res.compute.input.Nanoseconds()))
	v.stats.computeNs.Add(uint64(res.compute.infer.Nanoseconds()))
	v.stats.computeOutputNs.Add(uint64(res.compute.output.Nanoseconds()))
	v.stats.lastInferenceMs.Store(uint64(time.Now().UnixMilli()))
	return v, outs, nil
}

func (s *Server) inferOn(ctx context.Context, v *version, req *inferRequest) ([]wireTensor, jobResult, error) {
	j, err := bindInputs(v, req)
	if err != nil {
		return nil, jobResult{}, err
	}
	want, err := pickOutputs(v, req)
	if err != nil {
		return nil, jobResult{}, err
	}
	timeout := time.Duration(req.TimeoutUs) * time.Microsecond
	if timeout == 0 && v.cfg.Dynamic != nil && v.cfg.Dynamic.DefaultTimeoutUs > 0 {
		timeout = time.Duration(v.cfg.Dynamic.DefaultTimeoutUs) * time.Microsecond
	}
	if d := s.opts.RequestTimeout; d > 0 && (timeout == 0 || d < timeout) {
		timeout = d
	}
	if timeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, timeout)
		defer cancel()
	}
	j.ctx = ctx
	res := v.submit(j)
	if res.err != nil {
		return nil, res, res.err
	}
	v.stats.inferCount.Add(uint64(j.batch))
	outs := make([]wireTensor, 0, len(want))
	for _, i := range want {
		outs = append(outs, res.outs[i])
	}
	return outs, res, nil
}

// bindInputs checks a request's inputs against the model's configuration
// and orders them as the model takes them.
func bindInputs(v *version, req *inferRequest) (*job, error) {
	cfg := v.cfg
	j := &job{inputs: make([]wireTensor, len(cfg.Inputs)), batch: 1}
	got := make([]bool, len(cfg.Inputs))
	batchDim := int64(-1)
	for _, in := range req.Inputs {
		k := -1
		for i, c := range cfg.Inputs {
			if c.Name == in.Name {
				k = i
			}
		}
		if k < 0 {
			return nil, badRequest("model '%s' has no input '%s' (its inputs: %s)", v.name, in.Name, tensorList(cfg.Inputs, cfg.MaxBatchSize))
		}
		if got[k] {
			return nil, badRequest("input '%s' is given twice", in.Name)
		}
		got[k] = true
		c := cfg.Inputs[k]
		if in.DataType != c.DataType {
			return nil, badRequest("input '%s' is %s, the model expects %s", in.Name, in.DataType, c.DataType)
		}
		dims := in.Shape
		if cfg.MaxBatchSize > 0 {
			if len(in.Shape) != len(c.Dims)+1 {
				return nil, badRequest("input '%s' has shape %v, the model expects [batch]+%v (max_batch_size %d)", in.Name, in.Shape, c.Dims, cfg.MaxBatchSize)
			}
			b := in.Shape[0]
			if b < 1 || b > int64(cfg.MaxBatchSize) {
				return nil, badRequest("input '%s' has batch size %d, expected 1 to max_batch_size %d", in.Name, b, cfg.MaxBatchSize)
			}
			if batchDim >= 0 && b != batchDim {
				return nil, badRequest("input '%s' has batch size %d, another input has %d", in.Name, b, batchDim)
			}
			batchDim = b
			dims = in.Shape[1:]
		}
		if len(dims) != len(c.Dims) {
			return nil, badRequest("input '%s' has shape %v, the model expects %v", in.Name, in.Shape, c.Dims)
		}
		for i := range dims {
			if c.Dims[i] != -1 && dims[i] != c.Dims[i] {
				return nil, badRequest("input '%s' has shape %v, the model expects %s", in.Name, in.Shape, shapeText(c.Dims, cfg.MaxBatchSize))
			}
		}
		j.inputs[k] = in
	}
	for i, ok := range got {
		if !ok {
			return nil, badRequest("input '%s' is missing (model '%s' takes: %s)", cfg.Inputs[i].Name, v.name, tensorList(cfg.Inputs, cfg.MaxBatchSize))
		}
	}
	if batchDim > 0 {
		j.batch = int(batchDim)
	}
	return j, nil
}

// pickOutputs returns the indexes into cfg.Outputs of the outputs asked for.
func pickOutputs(v *version, req *inferRequest) ([]int, error) {
	if len(req.Outputs) == 0 {
		idx := make([]int, len(v.cfg.Outputs))
		for i := range idx {
			idx[i] = i
		}
		return idx, nil
	}
	var idx []int
	for _, o := range req.Outputs {
		k := -1
		for i, c := range v.cfg.Outputs {
			if c.Name == o.Name {
				k = i
			}
		}
		if k < 0 {
			return nil, badRequest("model '%s' has no output '%s' (its outputs: %s)", v.name, o.Name, tensorList(v.cfg.Outputs, v.cfg.MaxBatchSize))
		}
		idx = append(idx, k)
	}
	return idx, nil
}

func shapeText(dims []int64, mbs int) string {
	if mbs > 0 {
		return fmt.Sprintf("[batch]+%v", dims)
	}
	return fmt.Sprint(dims)
}

func tensorList(ts []TensorConfig, mbs int) string {
	s := ""
	for i, t := range ts {
		if i > 0 {
			s += ", "
		}
		s += fmt.Sprintf("%s %s%s", t.Name, t.DataType, shapeText(t.Dims, mbs))
	}
	return s
}
