package pdsafe

// Test hooks: they reach into the package so that tests in package
// pdsafe_test can provoke what no correct program can (forged handles) and
// observe what is otherwise invisible (cleanups).

// ForgePredictor returns a Predictor over m whose C handle is h, as if the
// handle had been corrupted (M4, M5). It has no cleanup: it owns nothing.
func ForgePredictor(m *Model, h uint64) *Predictor {
	return &Predictor{h: h, model: m, res: &predRes{h: h}}
}

// ForgeModel returns a Model with the metadata of m and the C handle h.
func ForgeModel(m *Model, h uint64) *Model {
	return &Model{h: h, inputs: m.inputs, outputs: m.outputs}
}

// PredictorHandle and ModelHandle return the C handles.
func PredictorHandle(p *Predictor) uint64 { return p.h }
func ModelHandle(m *Model) uint64         { return m.h }

// SetCleanupHook installs f to observe every cleanup that frees a
// never-closed object; it returns a function that removes it.
func SetCleanupHook(f func(kind string, h uint64, err error)) (restore func()) {
	cleanupHook.Store(&f)
	return func() { cleanupHook.Store(nil) }
}

// Library names, for the test that keeps the Go tables in step with C.
var (
	CStatusName = cStatusName
	CStatusText = cStatusText
	CDTypeName  = cDTypeName
	CDTypeSize  = cDTypeSize
)

const NumCodes = len(codeNames)

// ABIVersions: see cABIVersions.
var ABIVersions = cABIVersions

// CodeText is the Go description of a code.
func CodeText(c Code) string { return c.text() }

// SetWaitAtCheckpoint makes every later run of p hold at its checkpoint k
// (0: off) until its context ends: the wait_at_checkpoint testing hook of
// pds_run_options, so that a test can cancel a run "mid-run" on any machine.
func SetWaitAtCheckpoint(p *Predictor, k uint32) { p.res.waitAt.Store(k) }

// SetPoolWaitAtCheckpoint sets the hook of SetWaitAtCheckpoint on every
// predictor of the pool.
func SetPoolWaitAtCheckpoint(p *Pool, k uint32) {
	for _, pr := range p.preds {
		pr.res.waitAt.Store(k)
	}
}

// PoolFree returns the number of the pool's predictors that no call holds.
func PoolFree(p *Pool) int { return len(p.free) }

// LoadsInC returns how many loads the load gate has let into C.
func LoadsInC() int { return gate.loadsInC() }

// ABIMismatch is the error a load returns when the library's ABI version
// (lib) is not the package's (header).
var ABIMismatch = abiMismatch

// PoolPredictors returns the pool's predictors, for tests that probe which
// of them a run holds.
func PoolPredictors(p *Pool) []*Predictor { return append([]*Predictor(nil), p.preds...) }
