package pdsafe

import (
	"context"
	"fmt"
	"runtime"
	"sync"
)

// Pool is a fixed set of predictors over one model and is safe for concurrent
// use: Run and RunInto take a free predictor, waiting (without holding an OS
// thread) until one is free or the context ends, so at most Size runs are in
// C at once however many goroutines call in (M23).
type Pool struct {
	model   *Model
	preds   []*Predictor
	free    chan *Predictor
	mu      sync.Mutex // guards closed and the start of inflight waits
	closed  bool
	closing chan struct{}  // closed by Close: waiters give up
	done    chan struct{}  // closed when Close has finished
	working sync.WaitGroup // calls between their start and their return
	guard   *guard
	cleanup runtime.Cleanup
}

// NewPool creates a pool of n predictors over the model, each with opts
// (WithSerialize has no use in a pool). Errors: ErrInvalidArgument if n < 1,
// and those of NewPredictor.
func (m *Model) NewPool(n int, opts ...PredictorOption) (*Pool, error) {
	const op = "Model.NewPool"
	if n < 1 {
		return nil, newError(CodeInvalidArgument, op, fmt.Sprintf(
			"the pool size is %d, expected at least 1", n))
	}
	c := newPredictorConfig(opts)
	c.serialize = false
	p := &Pool{model: m, free: make(chan *Predictor, n), closing: make(chan struct{}),
		done: make(chan struct{})}
	for i := 0; i < n; i++ {
		pr, err := m.newPredictor(op, c, true, 2)
		if err != nil {
			for _, q := range p.preds {
				_ = q.Close()
			}
			return nil, err
		}
		p.preds = append(p.preds, pr)
		p.free <- pr
	}
	if m.guard != nil {
		// A leaked pool's predictors are freed by their own cleanups; the
		// pool's reports the leak once, with the stack that created it.
		p.guard = m.guard.child(1)
		p.guard.attachPool()
		p.cleanup = runtime.AddCleanup(p, poolCleanup, p.guard)
	}
	return p, nil
}

func poolCleanup(g *guard) {
	defer traceRegion("Pool cleanup", 0)()
	g.report("pool", 0)
	testHookCleanup("pool", 0, nil)
}

// Size returns the number of predictors.
func (p *Pool) Size() int { return len(p.preds) }

// Model returns the pool's model.
func (p *Pool) Model() *Model { return p.model }

// acquire takes a free predictor. On success the caller must call release.
func (p *Pool) acquire(ctx context.Context, op string) (*Predictor, error) {
	p.mu.Lock()
	if p.closed {
		p.mu.Unlock()
		return nil, closedError(op, "the pool", p.guard)
	}
	p.working.Add(1)
	p.mu.Unlock()
	if ctx.Err() != nil {
		p.working.Done()
		return nil, canceledError(ctx, op, "before the run started")
	}
	select {
	case pr := <-p.free:
		return pr, nil
	case <-ctx.Done():
		p.working.Done()
		return nil, canceledError(ctx, op, "while waiting for a free predictor")
	case <-p.closing:
		p.working.Done()
		return nil, closedError(op, "the pool", p.guard)
	}
}

func (p *Pool) release(pr *Predictor) {
	p.free <- pr
	p.working.Done()
}

// Run runs the model on a free predictor (see Predictor.Run). It waits for a
// free predictor until ctx ends; then it returns an error matching both
// ErrCanceled and ctx.Err(). After Close it returns ErrClosed, also to calls
// still waiting for a predictor.
func (p *Pool) Run(ctx context.Context, inputs ...AnyTensor) (*Result, error) {
	const op = "Pool.Run"
	pr, err := p.acquire(ctx, op)
	if err != nil {
		return nil, err
	}
	defer p.release(pr)
	return pr.run(ctx, op, inputs)
}

// RunInto runs the model on a free predictor, writing into the caller's
// outputs (see Predictor.RunInto), and waits for a predictor as Run does. On
// ErrBufferSize the outputs' Shape fields say what is needed; since the
// predictor goes back to the pool, the caller retries with bigger buffers
// (there is no Fetch on a pool).
func (p *Pool) RunInto(ctx context.Context, inputs, outputs []AnyTensor) error {
	const op = "Pool.RunInto"
	pr, err := p.acquire(ctx, op)
	if err != nil {
		return err
	}
	defer p.release(pr)
	return pr.runInto(ctx, op, inputs, outputs)
}

// Close stops the pool: calls waiting for a predictor return ErrClosed, Close
// waits for the runs in progress to return, then closes every predictor.
// Results already returned stay valid. Close is idempotent and safe to call
// concurrently; every call returns once the pool is closed.
func (p *Pool) Close() error {
	defer traceRegion("Pool.Close", 0)()
	p.mu.Lock()
	if p.closed {
		p.mu.Unlock()
		<-p.done
		return nil
	}
	p.closed = true
	close(p.closing)
	p.guard.markClosed()
	p.guard.noteClosed("Pool.Close")
	p.mu.Unlock()
	p.working.Wait()
	var first error
	for _, pr := range p.preds {
		if err := pr.Close(); err != nil && first == nil {
			first = err
		}
	}
	p.cleanup.Stop()
	close(p.done)
	return first
}
