package serve

// The model repository in Triton's layout:
//
//	<repo>/<model>/config.pbtxt
//	<repo>/<model>/<version>/inference.pdmodel + inference.pdiparams   (legacy)
//	<repo>/<model>/<version>/inference.json + inference.pdiparams      (PIR)
//
// Loading a model loads the versions its version policy picks, checks the
// configuration against each, builds a pool of instance_group count
// predictors and starts its workers; only then does it replace what was
// served, so a reload never leaves a gap, and the versions it replaces are
// retired once the requests holding them have finished. A model that fails
// to load is UNAVAILABLE with the loader's message and keeps serving its
// previous versions, if any; the other models are not touched.

import (
	"fmt"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strconv"
	"sync"

	pdsafe "github.com/pdsafe/pdsafe/go"
	"google.golang.org/grpc/codes"
)

// Model states, as the repository index reports them.
const (
	stateReady       = "READY"
	stateUnavailable = "UNAVAILABLE"
	stateLoading     = "LOADING"
)

type modelEntry struct {
	name     string
	loadMu   sync.Mutex         // one load or unload of this model at a time
	versions map[int64]*version // served versions (guarded by repository.mu)
	state    string
	reason   string
	cfg      *ModelConfig // of the served versions
}

type repository struct {
	dir       string
	log       *slog.Logger
	queueSize int
	metrics   *metrics
	hooks     *testHooks

	mu     sync.Mutex
	models map[string]*modelEntry
}

func newRepository(dir string, o *Options, m *metrics) (*repository, error) {
	st, err := os.Stat(dir)
	if err != nil {
		return nil, fmt.Errorf("model repository: %w", err)
	}
	if !st.IsDir() {
		return nil, fmt.Errorf("model repository %s is not a directory", dir)
	}
	return &repository{dir: dir, log: o.Logger, queueSize: o.MaxQueueSize, metrics: m, hooks: o.hooks, models: map[string]*modelEntry{}}, nil
}

// names lists the model directories of the repository.
func (r *repository) names() ([]string, error) {
	ents, err := os.ReadDir(r.dir)
	if err != nil {
		return nil, err
	}
	var out []string
	for _, e := range ents {
		if e.IsDir() && e.Name()[0] != '.' {
			out = append(out, e.Name())
		}
	}
	return out, nil
}

func validName(name string) bool {
	return name != "" && name != "." && name != ".." && filepath.Base(name) == name && len(name) <= 255
}

func (r *repository) entry(name string) *modelEntry {
	r.mu.Lock()
	defer r.mu.Unlock()
	e := r.models[name]
	if e == nil {
		e = &modelEntry{name: name, versions: map[int64]*version{}, state: stateUnavailable}
		r.models[name] = e
	}
	return e
}

// load loads (or reloads) a model; on failure the model is UNAVAILABLE with
// the error as its reason and its previous versions, if any, keep serving.
func (r *repository) load(name string) error {
	if !validName(name) {
		return badRequest("'%s' is not a model name (a directory of the repository)", name)
	}
	dir := filepath.Join(r.dir, name)
	if st, err := os.Stat(dir); err != nil || !st.IsDir() {
		return notFound("failed to load '%s': no model directory %s in the repository", name, dir)
	}
	e := r.entry(name)
	e.loadMu.Lock()
	defer e.loadMu.Unlock()
	r.mu.Lock()
	prevState := e.state
	if len(e.versions) == 0 {
		e.state = stateLoading
	}
	r.mu.Unlock()

	vs, cfg, err := r.loadVersions(name, dir)
	r.mu.Lock()
	if err != nil {
		e.reason = err.Error()
		if len(e.versions) == 0 || prevState != stateReady {
			e.state = stateUnavailable
		}
		r.mu.Unlock()
		r.log.Error("model failed to load", "model", name, "error", err)
		return newAPIError(http.StatusBadRequest, codes.InvalidArgument, "OTHER", "failed to load '%s': %v", name, err)
	}
	old := e.versions
	e.versions, e.cfg, e.state, e.reason = vs, cfg, stateReady, ""
	r.mu.Unlock()
	for _, v := range old {
		v.retire()
	}
	vers := make([]int64, 0, len(vs))
	for k := range vs {
		vers = append(vers, k)
	}
	slices.Sort(vers)
	r.log.Info("model loaded", "model", name, "versions", vers, "instances", cfg.InstanceCount,
		"max_batch_size", cfg.MaxBatchSize, "dynamic_batching", cfg.Dynamic != nil)
	return nil
}

// loadVersions loads every version the policy picks; on any error it closes
// what it loaded and returns the error.
func (r *repository) loadVersions(name, dir string) (map[int64]*version, *ModelConfig, error) {
	cfg, err := LoadConfig(filepath.Join(dir, "config.pbtxt"))
	if err != nil {
		return nil, nil, err
	}
	ents, err := os.ReadDir(dir)
	if err != nil {
		return nil, nil, err
	}
	var avail []int64
	for _, e := range ents {
		if !e.IsDir() {
			continue
		}
		if v, err := strconv.ParseInt(e.Name(), 10, 64); err == nil && v >= 0 && strconv.FormatInt(v, 10) == e.Name() {
			avail = append(avail, v)
		}
	}
	sort.Slice(avail, func(i, j int) bool { return avail[i] > avail[j] })
	var pick []int64
	switch cfg.Versions.Kind {
	case "all":
		pick = avail
	case "specific":
		for _, v := range cfg.Versions.Specific {
			if !slices.Contains(avail, v) {
				return nil, nil, fmt.Errorf("version_policy names version %d but %s/%d does not exist", v, dir, v)
			}
			pick = append(pick, v)
		}
	default:
		pick = avail[:min(len(avail), cfg.Versions.Latest)]
	}
	if len(pick) == 0 {
		return nil, nil, fmt.Errorf("%s has no version directory (a number, such as %s/1)", dir, dir)
	}
	out := map[int64]*version{}
	fail := func(err error) (map[int64]*version, *ModelConfig, error) {
		for _, v := range out {
			v.retire()
		}
		return nil, nil, err
	}
	var final *ModelConfig
	for _, ver := range pick {
		c := *cfg
		c.Inputs, c.Outputs = slices.Clone(cfg.Inputs), slices.Clone(cfg.Outputs)
		v, err := r.loadVersion(name, ver, filepath.Join(dir, strconv.FormatInt(ver, 10)), &c)
		if err != nil {
			return fail(fmt.Errorf("version %d: %w", ver, err))
		}
		if final != nil && !sameSignature(final, v.cfg) {
			v.retire()
			return fail(fmt.Errorf("version %d has other inputs or outputs than version %d; versions of one model must agree", ver, pick[0]))
		}
		final = v.cfg
		out[ver] = v
	}
	return out, final, nil
}

func sameSignature(a, b *ModelConfig) bool {
	eq := func(x, y []TensorConfig) bool {
		return slices.EqualFunc(x, y, func(p, q TensorConfig) bool {
			return p.Name == q.Name && p.DataType == q.DataType && slices.Equal(p.Dims, q.Dims)
		})
	}
	return eq(a.Inputs, b.Inputs) && eq(a.Outputs, b.Outputs)
}

func (r *repository) loadVersion(name string, ver int64, dir string, cfg *ModelConfig) (*version, error) {
	m, err := pdsafe.LoadModel(dir, "")
	if err != nil {
		return nil, err
	}
	if err := cfg.Complete(name, m.Inputs(), m.Outputs()); err != nil {
		_ = m.Close()
		return nil, err
	}
	pool, err := m.NewPool(cfg.InstanceCount)
	if err != nil {
		_ = m.Close()
		return nil, err
	}
	q := r.queueSize
	if cfg.Dynamic != nil && cfg.Dynamic.MaxQueueSize > 0 {
		q = cfg.Dynamic.MaxQueueSize
	}
	v := &version{name: name, ver: ver, dir: dir, cfg: cfg, model: m, pool: pool,
		stats: r.metrics.model(name, strconv.FormatInt(ver, 10)), hooks: r.hooks}
	v.start(q)
	return v, nil
}

// unload stops serving a model: new requests fail at once, and unload
// returns once the requests in progress on it have finished.
func (r *repository) unload(name string) error {
	r.mu.Lock()
	e := r.models[name]
	r.mu.Unlock()
	if e == nil {
		return notFound("failed to unload '%s': the model is not loaded", name)
	}
	e.loadMu.Lock()
	defer e.loadMu.Unlock()
	r.mu.Lock()
	old := e.versions
	e.versions, e.state, e.reason = map[int64]*version{}, stateUnavailable, "unloaded"
	r.mu.Unlock()
	for _, v := range old {
		v.retire()
	}
	r.log.Info("model unloaded", "model", name)
	return nil
}

// acquire returns the version a request is for (the highest served one when
// ver is empty) and holds it until release is called.
func (r *repository) acquire(name, ver string) (*version, func(), error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	e := r.models[name]
	if e == nil {
		return nil, nil, notFound("unknown model: '%s' is not in the repository or not loaded", name)
	}
	var v *version
	if ver == "" {
		for _, c := range e.versions {
			if v == nil || c.ver > v.ver {
				v = c
			}
		}
	} else {
		n, err := strconv.ParseInt(ver, 10, 64)
		if err != nil {
			return nil, nil, badRequest("model '%s': version '%s' is not a number", name, ver)
		}
		v = e.versions[n]
	}
	if v == nil {
		why := e.reason
		if why == "" {
			why = e.state
		}
		if ver != "" && len(e.versions) > 0 {
			return nil, nil, notFound("model '%s' has no version %s being served", name, ver)
		}
		return nil, nil, unavailable("model '%s' is not ready: %s", name, why)
	}
	v.refs.Add(1)
	return v, v.refs.Done, nil
}

// indexEntry is one line of the repository index.
type indexEntry struct {
	Name    string `json:"name"`
	Version string `json:"version,omitempty"`
	State   string `json:"state,omitempty"`
	Reason  string `json:"reason,omitempty"`
}

func (r *repository) index(readyOnly bool) ([]indexEntry, error) {
	names, err := r.names()
	if err != nil {
		return nil, err
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	for n := range r.models {
		if !slices.Contains(names, n) {
			names = append(names, n)
		}
	}
	sort.Strings(names)
	var out []indexEntry
	for _, n := range names {
		e := r.models[n]
		if e == nil {
			if !readyOnly {
				out = append(out, indexEntry{Name: n})
			}
			continue
		}
		if len(e.versions) == 0 {
			if !readyOnly {
				out = append(out, indexEntry{Name: n, State: e.state, Reason: e.reason})
			}
			continue
		}
		vers := make([]int64, 0, len(e.versions))
		for k := range e.versions {
			vers = append(vers, k)
		}
		slices.Sort(vers)
		for _, k := range vers {
			out = append(out, indexEntry{Name: n, Version: strconv.FormatInt(k, 10), State: stateReady, Reason: e.reason})
		}
	}
	return out, nil
}

// allReady reports whether every model asked for is ready.
func (r *repository) allReady() bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, e := range r.models {
		if e.state != stateReady && e.reason != "unloaded" {
			return false
		}
	}
	return true
}

// status returns a model's state, reason and served versions.
func (r *repository) status(name string) (state, reason string, versions []string, cfg *ModelConfig, ok bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	e := r.models[name]
	if e == nil {
		return "", "", nil, nil, false
	}
	vers := make([]int64, 0, len(e.versions))
	for k := range e.versions {
		vers = append(vers, k)
	}
	slices.Sort(vers)
	for _, k := range vers {
		versions = append(versions, strconv.FormatInt(k, 10))
	}
	return e.state, e.reason, versions, e.cfg, true
}

// close retires every model.
func (r *repository) close() {
	r.mu.Lock()
	var all []*version
	for _, e := range r.models {
		for _, v := range e.versions {
			all = append(all, v)
		}
		e.versions, e.state = map[int64]*version{}, stateUnavailable
	}
	r.mu.Unlock()
	for _, v := range all {
		v.retire()
	}
}
