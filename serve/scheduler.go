package serve

// One served model version: its pdsafe model and pool and a bounded queue.
//
// Without dynamic batching a request runs on its own goroutine: it takes a
// queue slot (none free: 503 at once), waits for a run token (one per
// predictor; the wait is the queue time) and calls the pool, so no request
// crosses to another goroutine and back. With dynamic batching the queue is
// a channel served by one worker per predictor, which gathers queued
// requests whose non-batch dims agree into one run along dim 0 (up to
// max_batch_size, waiting at most max_queue_delay_microseconds for more, and
// no longer once a preferred size is reached) and hands each request its
// rows of the outputs.

import (
	"context"
	"errors"
	"fmt"
	"runtime"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	pdsafe "github.com/pdsafe/pdsafe/go"
)

type job struct {
	ctx    context.Context
	inputs []wireTensor // in the order of cfg.Inputs
	batch  int          // rows along dim 0 (1 without batching)
	enq    time.Time
	done   chan jobResult // buffered: a worker never waits for the caller
}

type jobResult struct {
	outs    []wireTensor // every output of cfg.Outputs, in that order
	err     error
	queue   time.Duration
	compute phases
	batched int // requests in the run that served this one
}

// phases splits a model run as Triton's statistics do: building the input
// tensors (for a batch, concatenating the requests' rows), the library's run
// itself, and taking the outputs apart again per request.
type phases struct {
	input, infer, output time.Duration
}

type version struct {
	name   string
	ver    int64
	dir    string
	cfg    *ModelConfig
	model  *pdsafe.Model
	pool   *pdsafe.Pool
	queue  chan *job     // dynamic batching: the queue the workers serve
	slots  chan struct{} // without: one per request queued or running
	tokens chan struct{} // without: one per request running (pool size)
	queueN int           // the queue's size, in requests
	stats  *modelStats
	hooks  *testHooks
	refs   sync.WaitGroup // requests that hold the version
	stop   chan struct{}
	wg     sync.WaitGroup // workers
	closed atomic.Bool
}

func (v *version) verString() string { return strconv.FormatInt(v.ver, 10) }

// start sets up the queue: the run tokens without dynamic batching, else one
// worker per predictor.
func (v *version) start(queueSize int) {
	v.stop = make(chan struct{})
	v.queueN = queueSize
	if v.cfg.Dynamic == nil {
		v.slots = make(chan struct{}, queueSize+v.pool.Size())
		v.tokens = make(chan struct{}, v.pool.Size())
		return
	}
	v.queue = make(chan *job, queueSize)
	for i := 0; i < v.pool.Size(); i++ {
		v.wg.Add(1)
		go v.worker()
	}
}

// retire waits for the requests that hold the version, stops its workers
// and closes its pool and model. The caller has already made the version
// unreachable for new requests.
func (v *version) retire() {
	if v.closed.Swap(true) {
		return
	}
	if h := v.hooks; h != nil && h.retiring != nil {
		h.retiring(v.name)
	}
	v.refs.Wait()
	close(v.stop)
	v.wg.Wait()
	_ = v.pool.Close()
	_ = v.model.Close()
}

// submit queues a job and waits for its result or for ctx. A full queue
// fails at once with 503: the queue never grows past its size.
func (v *version) submit(j *job) jobResult {
	j.enq = time.Now()
	j.done = make(chan jobResult, 1)
	if v.cfg.Dynamic == nil {
		return v.submitDirect(j)
	}
	v.stats.pending.Add(1) // before the send: the worker subtracts once it has the job
	select {
	case v.queue <- j:
	default:
		v.stats.pending.Add(-1)
		return jobResult{err: v.queueFull()}
	}
	if h := v.hooks; h != nil && h.enqueued != nil {
		h.enqueued(v.name)
	}
	select {
	case r := <-j.done:
		return r
	case <-j.ctx.Done():
		// The worker drops the job when it reaches it, or stops its run.
		return jobResult{err: v.canceled(j.ctx)}
	}
}

func (v *version) queueFull() error {
	return unavailable("model '%s' version %d: the queue is full (%d requests waiting); try again later", v.name, v.ver, v.queueN)
}

func (v *version) canceled(ctx context.Context) error {
	return fmt.Errorf("model '%s': the request ended while it was queued or running: %w", v.name, ctxError(ctx))
}

// ctxError is why a context ended: its cause, which still matches ctx.Err()
// when the cause is some other error (gRPC ends a stream's context with a
// cause of its own; the request is cancelled all the same).
func ctxError(ctx context.Context) error {
	err, cause := ctx.Err(), context.Cause(ctx)
	if cause == nil || errors.Is(cause, err) {
		return cause
	}
	return fmt.Errorf("%w (%w)", cause, err)
}

// submitDirect runs a job on the caller's goroutine once a run token is free
// (versions without dynamic batching).
func (v *version) submitDirect(j *job) jobResult {
	select {
	case v.slots <- struct{}{}:
	default:
		return jobResult{err: v.queueFull()}
	}
	defer func() { <-v.slots }()
	v.stats.pending.Add(1)
	if h := v.hooks; h != nil && h.enqueued != nil {
		h.enqueued(v.name)
	}
	select {
	case v.tokens <- struct{}{}:
	case <-j.ctx.Done():
		v.stats.pending.Add(-1)
		return jobResult{err: v.canceled(j.ctx)}
	}
	v.stats.pending.Add(-1)
	defer func() { <-v.tokens }()
	if err := ended(j.ctx); err != nil {
		return jobResult{err: fmt.Errorf("model '%s': the request ended while it was queued: %w", v.name, err)}
	}
	v.run([]*job{j}) // answers on j.done, which is buffered
	return <-j.done
}

func (v *version) worker() {
	defer v.wg.Done()
	var held *job
	for {
		first := held
		held = nil
		if first == nil {
			select {
			case first = <-v.queue:
				v.stats.pending.Add(-1)
			case <-v.stop:
				return
			}
		}
		if err := ended(first.ctx); err != nil {
			first.done <- jobResult{err: err}
			continue
		}
		batch := []*job{first}
		if d := v.cfg.Dynamic; d != nil {
			// Let the goroutines that are ready to queue a request (HTTP
			// and gRPC handlers woken while the last run held the CPUs)
			// run first: on a machine whose cores the runs keep busy,
			// gathering at once found 1.1 requests per batch at
			// concurrency 16, after yielding 4.7 (serve/BENCHMARKS.md).
			runtime.Gosched()
			batch, held = v.gather(batch, d)
		}
		v.run(batch)
	}
}

// gather adds queued jobs to batch while they fit; a job that does not fit
// is returned to start the next batch.
func (v *version) gather(batch []*job, d *DynamicBatching) ([]*job, *job) {
	rows := batch[0].batch
	full := func() bool {
		return rows >= v.cfg.MaxBatchSize || slices.Contains(d.PreferredBatchSizes, rows)
	}
	var timer <-chan time.Time
	if d.MaxQueueDelayMicros > 0 {
		t := time.NewTimer(time.Duration(d.MaxQueueDelayMicros) * time.Microsecond)
		defer t.Stop()
		timer = t.C
	}
	for !full() {
		var j *job
		if timer == nil {
			select {
			case j = <-v.queue:
			default:
				return batch, nil
			}
		} else {
			select {
			case j = <-v.queue:
			case <-timer:
				return batch, nil
			case <-v.stop:
				return batch, nil
			}
		}
		v.stats.pending.Add(-1)
		if err := ended(j.ctx); err != nil {
			j.done <- jobResult{err: err}
			continue
		}
		if rows+j.batch > v.cfg.MaxBatchSize || !sameRows(batch[0], j) {
			return batch, j
		}
		batch = append(batch, j)
		rows += j.batch
	}
	return batch, nil
}

// sameRows reports whether two jobs' inputs agree in every dim but the first.
func sameRows(a, b *job) bool {
	for i := range a.inputs {
		if !slices.Equal(a.inputs[i].Shape[1:], b.inputs[i].Shape[1:]) {
			return false
		}
	}
	return true
}

// ended reports why a request may no longer start: its context is done, or
// its deadline has passed although the context's timer has not fired yet (on
// a busy machine the timer's goroutine can run late, and a fast model would
// then answer a request whose deadline had passed before it was taken).
func ended(ctx context.Context) error {
	if ctx.Err() != nil {
		return ctxError(ctx)
	}
	if d, ok := ctx.Deadline(); ok && !time.Now().Before(d) {
		return context.DeadlineExceeded
	}
	return nil
}

// run runs a batch of jobs as one model run and answers each.
func (v *version) run(batch []*job) {
	start := time.Now()
	ctx := batch[0].ctx
	if len(batch) > 1 {
		// The run stops only when every request in it has ended.
		var cancel context.CancelFunc
		ctx, cancel = context.WithCancel(context.Background())
		defer cancel()
		var left atomic.Int32
		left.Store(int32(len(batch)))
		for _, j := range batch {
			stop := context.AfterFunc(j.ctx, func() {
				if left.Add(-1) == 0 {
					cancel()
				}
			})
			defer stop()
		}
	}
	rows := 0
	for _, j := range batch {
		rows += j.batch
	}
	if h := v.hooks; h != nil && h.beforeRun != nil {
		h.beforeRun(v.name, len(batch), rows)
	}
	outs, compute, err := v.compute(ctx, batch, rows)
	v.stats.execCount.Add(1)
	for i, j := range batch {
		r := jobResult{err: err, queue: start.Sub(j.enq), compute: compute, batched: len(batch)}
		if err == nil {
			r.outs = outs[i]
		}
		j.done <- r
	}
}

// compute builds the inputs (concatenated along dim 0 for a batch), runs
// them and splits the outputs back per job, timing each phase.
func (v *version) compute(ctx context.Context, batch []*job, rows int) ([][]wireTensor, phases, error) {
	var ph phases
	t0 := time.Now()
	ins := make([]pdsafe.AnyTensor, len(v.cfg.Inputs))
	for i, ic := range v.cfg.Inputs {
		shape := slices.Clone(batch[0].inputs[i].Shape)
		parts := make([][]byte, len(batch))
		for k, j := range batch {
			parts[k] = j.inputs[i].Data
		}
		if len(batch) > 1 {
			shape[0] = int64(rows)
		}
		t, err := newInput(ic.DataType, shape, parts)
		if err != nil {
			return nil, ph, err
		}
		ins[i] = t
	}
	t1 := time.Now()
	ph.input = t1.Sub(t0)
	res, err := v.pool.Run(ctx, ins...)
	t2 := time.Now()
	ph.infer = t2.Sub(t1)
	if err != nil {
		return nil, ph, err
	}
	out := make([][]wireTensor, len(batch))
	for _, oc := range v.cfg.Outputs {
		idx := res.Index(oc.Name)
		if idx < 0 {
			return nil, ph, fmt.Errorf("model '%s': the run returned no output '%s'", v.name, oc.Name)
		}
		info := res.Info(idx)
		dt, data := outputBytes(res, idx, info)
		shape := info.Shape
		if len(batch) == 1 {
			out[0] = append(out[0], wireTensor{Name: oc.Name, DataType: dt, Shape: shape, Data: data})
			continue
		}
		if len(shape) == 0 || shape[0] != int64(rows) {
			return nil, ph, fmt.Errorf("model '%s': output '%s' has shape %v for a batch of %d rows; it cannot be split per request (turn dynamic_batching off for this model)", v.name, oc.Name, shape, rows)
		}
		rowBytes := len(data) / rows
		off := 0
		for k, j := range batch {
			s := slices.Clone(shape)
			s[0] = int64(j.batch)
			n := rowBytes * j.batch
			out[k] = append(out[k], wireTensor{Name: oc.Name, DataType: dt, Shape: s, Data: data[off : off+n : off+n]})
			off += n
		}
	}
	ph.output = time.Since(t2)
	return out, ph, nil
}

// testHooks let tests hold a run or learn that a request was queued, so that
// they synchronise explicitly instead of sleeping.
type testHooks struct {
	enqueued  func(model string)
	retiring  func(model string)
	beforeRun func(model string, requests, rows int)
}
