// Package pdsafe runs PaddlePaddle inference models from Go through the
// pdsafe C library (libpdsafe, linked with cgo and pkg-config), whose C API
// turns every misuse into a returned error instead of a crash. This package
// keeps that promise on the Go side of the boundary.
//
// # Using it
//
//	model, err := pdsafe.LoadModel("m/inference.pdmodel", "m/inference.pdiparams")
//	if err != nil { ... }
//	defer model.Close()
//	pool, err := model.NewPool(runtime.NumCPU())
//	if err != nil { ... }
//	defer pool.Close()
//	x, _ := pdsafe.NewTensor([]int64{1, 3, 64, 64}, pixels)
//	res, err := pool.Run(ctx, x)
//	if err != nil { ... }
//	probs, err := pdsafe.OutputAt[float32](res, 0)
//
// # Objects and lifetimes
//
// A Model is the loaded graph and weights; it is immutable and shared. A
// Predictor holds the memory of one run at a time. A Pool is N predictors with
// a queue in front. Each has a Close method that is idempotent (a second
// Close returns nil), may be called concurrently with anything, and waits for
// the calls in progress on that object to return: nothing is ever freed under
// a running call (Run holds a read lock on the object, Close takes the write
// lock). After Close every method returns an error matching ErrClosed without
// reaching the C library.
//
// Close order does not matter. Predictors and pools keep their model's weights
// alive (the library counts references, and a Predictor keeps its *Model
// reachable), so a model may be closed while its predictors still run.
//
// Close is the way to free an object. As a backstop, an object that becomes
// unreachable without Close is freed by a runtime cleanup (runtime.AddCleanup,
// given the C handle, never the Go object). Cleanups run late or not at all,
// so do not rely on them. The Go GC does not see C memory: the package counts
// it (CMemoryHeld) and starts a collection when it has grown past a budget
// since the last one (SetCMemoryBudget), so that dropped objects cannot pile
// up C memory while the Go heap stays small. With WithGuard each object
// records the stack that created it and such a leak is reported with that
// stack.
//
// WithGuard (or PDSAFE_GUARD=1) also turns on the C library's guard mode
// (docs/GUARD.md): every misuse, whether the library or this package finds
// it, becomes an incident filed under its root cause (M1..M24 of
// docs/DESIGN.md) with the goroutine ids and stacks that created, closed and
// misused the object; errors of such calls end with "[guard incident N
// (Mk)...]". ReadGuardReport returns the incidents, objects and leaks as a
// struct, GuardReportJSON as JSON for `pdsafe report FILE.json` (a web page).
//
// The library has no global initialisation or teardown, installs no signal
// handlers and changes no process-wide state; libpdsafe is linked with
// -z nodelete, so its code is never unmapped under live objects.
//
// # Threads and concurrency
//
// Model and Pool are safe for concurrent use. A Predictor runs one call at a
// time: a second Run on a busy predictor fails at once with ErrBusy (detected
// by the C library, not raced), or waits with WithSerialize. Use one predictor
// per goroutine or a Pool; a Pool bounds how many runs are in C at once, so
// many calling goroutines do not become many busy OS threads. The library
// keeps no per-thread state: errors come back from the call that failed, so
// goroutines may move between OS threads freely (no runtime.LockOSThread is
// needed).
//
// Every blocking call takes a context. If it ends while a run is in C, a
// cancel registered with context.AfterFunc (no goroutine, no thread hand-off
// unless the context ends) asks the library to stop that run — named by its run id,
// so that no other caller's run on the same predictor can be hit — at its next
// checkpoint (between operators, between nodes while a new input shape is
// planned, every few MiB of an input copy), and is joined before Run returns;
// the run fails with an error matching both ErrCanceled and ctx.Err(), and the
// predictor stays usable. A context that is already done, or ends while a Pool
// call waits for a predictor, gives the same error without running.
//
// A Predictor shared by goroutines never hands one caller another's result:
// when Run has to fetch a result in a second crossing (its output buffers
// were too small), it asks the library for its own run's result by id, and
// runs again if another call has replaced it.
//
// Loads are gated: at most SetLoadConcurrency's width of LoadModel and
// LoadModelBytes calls (the number of CPUs by default) are in C at once, and
// the others wait in Go without holding an OS thread, so a burst of loads
// cannot become a burst of threads.
//
// # Memory
//
// Input and output slices are handed to C for the duration of one call and
// never kept: RunInto crosses into C once per inference, with one descriptor
// array for all inputs and outputs, and so does Run once its output sizes are
// known (its first run, and a run whose outputs grew, fetch the result the
// library kept in a second crossing). That array is Go memory
// passed as a cgo argument, and each Data pointer stored in it is pinned with
// runtime.Pinner for the call and unpinned after it, as the cgo pointer rules
// require (and as GOEXPERIMENT=cgocheck2 checks). Nothing is copied on the Go
// side: the library reads inputs and writes outputs directly.
//
// Run returns a Result whose data is Go memory, valid after every object is
// closed. RunInto writes into caller buffers (cap(Data) is the buffer) and
// allocates nothing in steady state; if a buffer is too small the error
// matches ErrBufferSize, the outputs' Shape fields say what is needed, and
// Fetch copies the kept result into bigger buffers without running again.
// Names and shapes (Model.Inputs, Model.Outputs) are queried once at load and
// returned as Go copies.
//
// # Errors
//
// Every error is an *Error with the C status Code, the Go method (Op) and the
// library's message (what failed, where, what was expected). Each code has a
// sentinel for errors.Is (ErrBusy, ErrShape, ...); errors.As gives the
// *Error. Messages start with "pdsafe: ".
//
// # Tracing
//
// StartTrace and StopTrace record one timeline of the whole process, on
// CLOCK_MONOTONIC: every call into the C library (with the goroutine that
// made it and its Go stack), every step of every run, Go's GC mark phases
// and stop-the-world pauses, Close calls and cleanups. C calls that
// overlapped the GC are flagged. The file opens in Perfetto and is read by
// `pdsafe trace summarize`; docs/TRACING.md in the repository describes it.
// Tracing uses Go's execution tracer (runtime/trace) while it records.
package pdsafe
