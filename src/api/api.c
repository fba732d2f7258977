/*
 * api.c — the entry points of include/pdsafe.h.
 *
 * This is the only place where handles become objects. Every function checks
 * its pointer arguments, looks its handle up under the table lock, takes the
 * reference it needs before unlocking (a model refcount, or a predictor's
 * in-call count), does its work, and drops the reference. No maths here.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "backend/backend.h"
#include "core/executor.h"
#include "core/handle.h"
#include "guard/guard.h"
#include "model/loader.h"
#include "runtime/runtime.h"
#include "trace/trace.h"


uint32_t pds_abi_version(void)
{
    return PDS_ABI_VERSION;
}

static char build_info[64];
static pthread_once_t build_info_once = PTHREAD_ONCE_INIT;

static void build_info_make(void)
{
    pdsi_backends_describe(build_info, sizeof build_info);
}

const char *pds_build_info(void)
{
    pthread_once(&build_info_once, build_info_make);
    return build_info;
}

void pds_get_live_objects(pds_live_objects *out)
{
    if (!out)
        return;
    out->models = atomic_load(&pdsi_live_models);
    out->predictors = atomic_load(&pdsi_live_predictors);
    out->handles = pdsi_handle_count();
}

uint64_t pds_memory_held(void)
{
    return pdsi_buffer_held();
}

static pds_status check_options_size(uint32_t size, size_t min, const char *what, pds_error *err)
{
    if (size < min)
        return pdsi_fail(err, PDS_ERR_INVALID_ARGUMENT,
                         "%s.struct_size is %u, expected at least %zu (initialise it with its "
                         "_init function)",
                         what, size, min);
    return PDS_OK;
}

static pds_status check_model_options(const pds_model_options *options, pds_error *err)
{
    if (!options)
        return PDS_OK;
    pds_status st = check_options_size(options->struct_size, offsetof(pds_model_options, max_ops),
                                       "pds_model_options", err);
    /* precision exists only for callers whose struct reaches it. */
    if (!st && options->struct_size >= offsetof(pds_model_options, reserved3) &&
        options->precision != PDS_PRECISION_FP32 && options->precision != PDS_PRECISION_BF16)
        st = pdsi_fail(err, PDS_ERR_INVALID_ARGUMENT,
                       "pds_model_options.precision is %u, expected PDS_PRECISION_FP32 (0) or "
                       "PDS_PRECISION_BF16 (1)",
                       options->precision);
    return st;
}

/* Registers a freshly loaded graph as a model and hands out its handle. */
static pds_status publish_model(pdsi_graph *g, pds_model *out, pds_error *err)
{
    pdsi_model *m;
    pds_status st = pdsi_model_create(g, &m, err);
    if (st)
        return st;
    uint64_t h;
    st = pdsi_handle_alloc(PDSI_KIND_MODEL, m, &h, err);
    if (st) {
        pdsi_model_release(m);
        return st;
    }
    if (m->guard)
        pdsi_handle_guard(h);
    *out = h;
    return PDS_OK;
}

/* fork() (the rule in pdsafe.h): with the handle table locked
 * and the executor idle across the fork, the child finds every lock of the
 * library free, and starts executor threads anew. A predictor another thread
 * was using at that moment is left in an unknown state: in the child it
 * answers PDS_ERR_BUSY until destroyed (its lock is freed so that destroy,
 * and nothing else, works). Registered once, before the first model. */
static void fork_prepare(void)
{
    pdsi_handles_lock();
    pdsi_guard_fork_prepare();
    pdsi_executor_fork_prepare();
}

static void fork_parent(void)
{
    pdsi_executor_fork_parent();
    pdsi_guard_fork_parent();
    pdsi_handles_unlock();
}

static void predictor_after_fork(void *obj)
{
    pdsi_predictor *p = obj;
    if (atomic_load(&p->refs) != 0) {
        atomic_store(&p->refs, 0);
        pthread_mutex_init(&p->run_mu, NULL);
        p->lost_in_fork = true;
    }
}

static void fork_child(void)
{
    pdsi_executor_fork_child();
    pdsi_handles_each_locked(PDSI_KIND_PREDICTOR, predictor_after_fork);
    pdsi_guard_fork_child();
    pdsi_handles_unlock();
}

static void fork_register(void)
{
    (void)pthread_atfork(fork_prepare, fork_parent, fork_child);
}

static pthread_once_t fork_once = PTHREAD_ONCE_INIT;

pds_status pds_model_load_files(const char *model_path, const char *params_path,
                                const pds_model_options *options, pds_model *out, pds_error *err)
{
    if (!out)
        return pdsi_fail(err, PDS_ERR_INVALID_ARGUMENT, "pds_model_load_files: out is NULL");
    *out = 0;
    PDSI_TRACE_LOAD(MODEL_LOAD_FILES, out, err);
    if (!model_path)
        return pdsi_fail(err, PDS_ERR_INVALID_ARGUMENT,
                         "pds_model_load_files: model_path is NULL");
    pds_status st = check_model_options(options, err);
    if (st)
        return st;
    pthread_once(&fork_once, fork_register);
    pdsi_graph g;
    pdsi_graph_init(&g, options);
    st = pdsi_load_files(model_path, params_path, &g, err);
    if (st) {
        pdsi_graph_free(&g);
        return st;
    }
    return publish_model(&g, out, err);
}

pds_status pds_model_check_files(const char *model_path, const char *params_path, char *buf,
                                 size_t cap, size_t *needed, pds_error *err)
{
    PDSI_TRACE_CALL(MODEL_CHECK_FILES, 0, 0, err);
    if (!buf && cap)
        return pdsi_fail(err, PDS_ERR_INVALID_ARGUMENT,
                         "pds_model_check_files: buf is NULL, cap %zu", cap);
    if (!model_path)
        return pdsi_fail(err, PDS_ERR_INVALID_ARGUMENT,
                         "pds_model_check_files: model_path is NULL");
    pdsi_graph g;
    pdsi_graph_init(&g, NULL);
    g.check_only = true;
    pds_status st = pdsi_load_files(model_path, params_path, &g, err);
    if (st == PDS_ERR_UNSUPPORTED_OP && g.unsupported)
        st = PDS_OK;
    if (!st) {
        const char *t = g.unsupported ? g.unsupported : "";
        size_t n = strlen(t) + 1;
        if (needed)
            *needed = n;
        if (cap < n)
            st = pdsi_fail(err, PDS_ERR_BUFFER_SIZE,
                           "pds_model_check_files: the list needs %zu bytes, cap is %zu", n,
                           cap);
        else
            memcpy(buf, t, n);
    }
    pdsi_graph_free(&g);
    return st;
}

pds_status pds_model_load_buffers(const void *model, size_t model_length, const void *params,
                                  size_t params_length, const pds_model_options *options,
                                  pds_model *out, pds_error *err)
{
    if (!out)
        return pdsi_fail(err, PDS_ERR_INVALID_ARGUMENT, "pds_model_load_buffers: out is NULL");
    *out = 0;
    PDSI_TRACE_LOAD(MODEL_LOAD_BUFFERS, out, err);
    if (!model || model_length == 0)
        return pdsi_fail(err, PDS_ERR_INVALID_ARGUMENT,
                         "pds_model_load_buffers: the model buffer is %s",
                         model ? "empty (length 0)" : "NULL");
    if (!params && params_length)
        return pdsi_fail(err, PDS_ERR_INVALID_ARGUMENT,
                         "pds_model_load_buffers: params is NULL but params_length is %zu",
                         params_length);
    pds_status st = check_model_options(options, err);
    if (st)
        return st;
    pthread_once(&fork_once, fork_register);
    pdsi_graph g;
    pdsi_graph_init(&g, options);
    st = pdsi_load_buffers(model, model_length, params, params_length, &g, err);
    if (st) {
        pdsi_graph_free(&g);
        return st;
    }
    return publish_model(&g, out, err);
}

/* Looks up a model and takes a reference for the duration of a call. */
static pds_status model_acquire(pds_model h, pdsi_model **m, const char *fn, pds_error *err)
{
    void *obj;
    pdsi_handles_lock();
    pds_status st = pdsi_handle_lookup(h, PDSI_KIND_MODEL, &obj, fn, err);
    if (!st) {
        *m = obj;
        pdsi_model_retain(*m);
    }
    pdsi_handles_unlock();
    return st;
}

pds_status pds_model_destroy(pds_model model, pds_error *err)
{
    PDSI_TRACE_CALL(MODEL_DESTROY, model, 0, err);
    if (model == 0)
        return PDS_OK;
    void *obj;
    pdsi_handles_lock();
    pds_status st = pdsi_handle_lookup(model, PDSI_KIND_MODEL, &obj, "pds_model_destroy", err);
    if (!st)
        pdsi_handle_free(model);
    pdsi_handles_unlock();
    if (!st)
        pdsi_model_release(obj); /* the handle's reference; predictors keep theirs */
    return st;
}

static pds_status io_count(pds_model model, size_t *count, bool inputs, const char *fn,
                           pds_error *err)
{
    if (!count)
        return pdsi_fail(err, PDS_ERR_INVALID_ARGUMENT, "%s: count is NULL", fn);
    pdsi_model *m;
    pds_status st = model_acquire(model, &m, fn, err);
    if (st)
        return st;
    *count = (size_t)(inputs ? m->graph.n_inputs : m->graph.n_outputs);
    pdsi_model_release(m);
    return PDS_OK;
}

pds_status pds_model_input_count(pds_model model, size_t *count, pds_error *err)
{
    PDSI_TRACE_CALL(MODEL_INPUT_COUNT, model, 0, err);
    return io_count(model, count, true, "pds_model_input_count", err);
}

pds_status pds_model_output_count(pds_model model, size_t *count, pds_error *err)
{
    PDSI_TRACE_CALL(MODEL_OUTPUT_COUNT, model, 0, err);
    return io_count(model, count, false, "pds_model_output_count", err);
}

static pds_status io_info(pds_model model, size_t index, pds_tensor_info *info, bool inputs,
                          const char *fn, pds_error *err)
{
    if (!info)
        return pdsi_fail(err, PDS_ERR_INVALID_ARGUMENT, "%s: info is NULL", fn);
    pdsi_model *m;
    pds_status st = model_acquire(model, &m, fn, err);
    if (st)
        return st;
    size_t n = (size_t)(inputs ? m->graph.n_inputs : m->graph.n_outputs);
    if (index >= n)
        st = pdsi_fail(err, PDS_ERR_INVALID_ARGUMENT, "%s: index %zu is out of range (the model "
                       "has %zu %s)", fn, index, n, inputs ? "inputs" : "outputs");
    else
        *info = inputs ? m->inputs[index] : m->outputs[index];
    pdsi_model_release(m);
    return st;
}

pds_status pds_model_input_info(pds_model model, size_t index, pds_tensor_info *info,
                                pds_error *err)
{
    PDSI_TRACE_CALL(MODEL_INPUT_INFO, model, 0, err);
    return io_info(model, index, info, true, "pds_model_input_info", err);
}

pds_status pds_model_output_info(pds_model model, size_t index, pds_tensor_info *info,
                                 pds_error *err)
{
    PDSI_TRACE_CALL(MODEL_OUTPUT_INFO, model, 0, err);
    return io_info(model, index, info, false, "pds_model_output_info", err);
}

pds_status pds_model_get_stats(pds_model model, pds_model_stats *stats, pds_error *err)
{
    PDSI_TRACE_CALL(MODEL_GET_STATS, model, 0, err);
    if (!stats)
        return pdsi_fail(err, PDS_ERR_INVALID_ARGUMENT, "pds_model_get_stats: stats is NULL");
    pds_status st = check_options_size(stats->struct_size, sizeof(pds_model_stats),
                                       "pds_model_stats", err);
    if (st)
        return st;
    pdsi_model *m;
    st = model_acquire(model, &m, "pds_model_get_stats", err);
    if (st)
        return st;
    *stats = m->stats;
    pdsi_model_release(m);
    return PDS_OK;
}

pds_status pds_model_op_type(pds_model model, size_t index, char *buf, size_t cap,
                             size_t *needed, pds_error *err)
{
    PDSI_TRACE_CALL(MODEL_OP_TYPE, model, 0, err);
    if (!buf && cap)
        return pdsi_fail(err, PDS_ERR_INVALID_ARGUMENT, "pds_model_op_type: buf is NULL, cap %zu",
                         cap);
    pdsi_model *m;
    pds_status st = model_acquire(model, &m, "pds_model_op_type", err);
    if (st)
        return st;
    if (index >= m->stats.op_count) {
        st = pdsi_fail(err, PDS_ERR_INVALID_ARGUMENT,
                       "pds_model_op_type: index %zu is out of range (the model has %llu ops)",
                       index, (unsigned long long)m->stats.op_count);
    } else {
        const char *t = pdsi_model_op_type(m, index);
        size_t n = strlen(t) + 1;
        if (needed)
            *needed = n;
        if (cap < n)
            st = pdsi_fail(err, PDS_ERR_BUFFER_SIZE,
                           "pds_model_op_type: op type '%s' needs %zu bytes, cap is %zu", t, n,
                           cap);
        else
            memcpy(buf, t, n);
    }
    pdsi_model_release(m);
    return st;
}

pds_status pds_predictor_create(pds_model model, const pds_predictor_options *options,
                                pds_predictor *out, pds_error *err)
{
    PDSI_TRACE_CALL_OUT(PREDICTOR_CREATE, model, out, err);
    if (!out)
        return pdsi_fail(err, PDS_ERR_INVALID_ARGUMENT, "pds_predictor_create: out is NULL");
    *out = 0;
    if (options) {
        pds_status st = check_options_size(options->struct_size,
                                           offsetof(pds_predictor_options, reserved),
                                           "pds_predictor_options", err);
        if (st)
            return st;
    }
    pdsi_model *m;
    pds_status st = model_acquire(model, &m, "pds_predictor_create", err);
    if (st)
        return st;
    pdsi_predictor *p;
    st = pdsi_predictor_create(m, options, &p, err);
    pdsi_model_release(m); /* the predictor holds its own reference */
    if (st)
        return st;
    uint64_t h;
    st = pdsi_handle_alloc(PDSI_KIND_PREDICTOR, p, &h, err);
    if (st) {
        pdsi_predictor_free(p);
        return st;
    }
    p->handle = h;
    if (p->model->guard || (p->options.flags & PDS_PREDICTOR_GUARD))
        pdsi_handle_guard(h);
    *out = h;
    return PDS_OK;
}

/* Looks up a predictor and counts this call as inside it. */
static pds_status pred_enter(pds_predictor h, pdsi_predictor **p, const char *fn, pds_error *err)
{
    void *obj;
    pdsi_handles_lock();
    pds_status st = pdsi_handle_lookup(h, PDSI_KIND_PREDICTOR, &obj, fn, err);
    if (!st && ((pdsi_predictor *)obj)->lost_in_fork) {
        st = pdsi_fail(err, PDS_ERR_BUSY,
                       "%s: predictor 0x%llx was in use by another thread when this process "
                       "was forked from its parent, so its state is unknown here (destroy it "
                       "and create a new predictor in this process)",
                       fn, (unsigned long long)h);
    } else if (!st) {
        *p = obj;
        atomic_fetch_add(&(*p)->refs, 1);
    }
    pdsi_handles_unlock();
    return st;
}

static void pred_leave(pdsi_predictor *p)
{
    atomic_fetch_sub(&p->refs, 1);
}

pds_status pds_predictor_destroy(pds_predictor predictor, pds_error *err)
{
    PDSI_TRACE_CALL(PREDICTOR_DESTROY, predictor, 0, err);
    if (predictor == 0)
        return PDS_OK;
    void *obj;
    pdsi_handles_lock();
    pds_status st =
        pdsi_handle_lookup(predictor, PDSI_KIND_PREDICTOR, &obj, "pds_predictor_destroy", err);
    if (!st) {
        pdsi_predictor *p = obj;
        /* refs only grows under this lock, so 0 here means nobody can enter any more. */
        if (atomic_load(&p->refs) != 0)
            st = pdsi_fail(err, PDS_ERR_BUSY,
                           "pds_predictor_destroy: predictor 0x%016llx is in use by another "
                           "thread (a run or fetch is in progress); it was not destroyed",
                           (unsigned long long)predictor);
        else
            pdsi_handle_free(predictor);
    }
    pdsi_handles_unlock();
    if (!st)
        pdsi_predictor_free(obj);
    if (st != PDS_ERR_BUSY) /* handle errors were recorded by the lookup */
        return st;
    return pdsi_guard_check(predictor, "predictor", "pds_predictor_destroy", st, err);
}

/* Takes the predictor's run lock, or reports BUSY unless it serialises. */
static pds_status pred_lock_run(pdsi_predictor *p, pds_predictor h, const char *fn,
                                pds_error *err)
{
    if (p->options.flags & PDS_PREDICTOR_SERIALIZE) {
        pthread_mutex_lock(&p->run_mu);
        return PDS_OK;
    }
    if (pthread_mutex_trylock(&p->run_mu) != 0) {
        pds_status st = pdsi_fail(err, PDS_ERR_BUSY,
                                  "%s: predictor 0x%016llx is already running on another thread "
                                  "(one run per predictor at a time; use one predictor per "
                                  "thread, a pool, or PDS_PREDICTOR_SERIALIZE)",
                                  fn, (unsigned long long)h);
        return pdsi_guard_check(h, "predictor", fn, st, err);
    }
    return PDS_OK;
}

/* Enters the predictor and takes its run lock, as every call that reads or
 * changes its state does; pred_end_call undoes both. */
static pds_status pred_begin_call(pds_predictor h, pdsi_predictor **p, const char *fn,
                                  pds_error *err)
{
    pds_status st = pred_enter(h, p, fn, err);
    if (st)
        return st;
    st = pred_lock_run(*p, h, fn, err);
    if (st)
        pred_leave(*p);
    return st;
}

static void pred_end_call(pdsi_predictor *p)
{
    pthread_mutex_unlock(&p->run_mu);
    pred_leave(p);
}

/* The run of pds_predictor_run and _v2 once the predictor is held: id is
 * the run's id, already checked. */
static pds_status run_held(pdsi_predictor *p, const char *fn, uint64_t id, uint32_t wait_at,
                           const pds_tensor *inputs, size_t n_inputs, pds_tensor *outputs,
                           size_t n_outputs, pds_error *err)
{
    pds_error own; /* guard mode files the failure by its message: make one */
    if (!err && pdsi_guard_active()) {
        own.code = PDS_OK;
        own.message[0] = '\0';
        err = &own;
    }
    PDSI_TRACE_RUN_ID(id);
    pdsi_predictor_begin(p, id, wait_at);
    pds_status st = pdsi_predictor_run(p, inputs, n_inputs, outputs, n_outputs, err);
    pdsi_predictor_end(p);
    pred_end_call(p);
    return pdsi_guard_check(p->handle, "predictor", fn, st, err);
}

pds_status pds_predictor_run(pds_predictor predictor, const pds_tensor *inputs, size_t n_inputs,
                             pds_tensor *outputs, size_t n_outputs, pds_error *err)
{
    PDSI_TRACE_CALL(PREDICTOR_RUN, predictor, 0, err);
    pdsi_predictor *p;
    pds_status st = pred_begin_call(predictor, &p, "pds_predictor_run", err);
    if (st)
        return st;
    return run_held(p, "pds_predictor_run", pdsi_run_id_new(), 0, inputs, n_inputs, outputs, n_outputs, err);
}

pds_run_id pds_run_id_new(void)
{
    return pdsi_run_id_new();
}

pds_status pds_predictor_run_v2(pds_predictor predictor, pds_run_options *options,
                                const pds_tensor *inputs, size_t n_inputs, pds_tensor *outputs,
                                size_t n_outputs, pds_error *err)
{
    PDSI_TRACE_CALL(PREDICTOR_RUN_V2, predictor, 0, err);
    const char *fn = "pds_predictor_run_v2";
    if (!options)
        return pdsi_fail(err, PDS_ERR_INVALID_ARGUMENT, "%s: options is NULL (it carries the "
                         "run id in and out; initialise it with pds_run_options_init)", fn);
    pds_status st = check_options_size(options->struct_size, offsetof(pds_run_options, reserved),
                                       "pds_run_options", err);
    if (st)
        return st;
    if (options->flags)
        return pdsi_fail(err, PDS_ERR_INVALID_ARGUMENT, "%s: unknown flags 0x%x (none defined)",
                         fn, options->flags);
    uint64_t id = options->run_id;
    if (id && !pdsi_run_id_issued(id))
        return pdsi_fail(err, PDS_ERR_INVALID_ARGUMENT,
                         "%s: run id %llu was never returned by pds_run_id_new (pass 0 to let "
                         "the library take one)", fn, (unsigned long long)id);
    pdsi_predictor *p;
    if ((st = pred_begin_call(predictor, &p, fn, err)))
        return st;
    if (id && id == p->run_id) {
        pred_end_call(p);
        return pdsi_fail(err, PDS_ERR_INVALID_ARGUMENT,
                         "%s: run id %llu was already used by this predictor's previous run "
                         "(take a new one from pds_run_id_new for every run)",
                         fn, (unsigned long long)id);
    }
    if (!id)
        options->run_id = id = pdsi_run_id_new();
    return run_held(p, fn, id, options->wait_at_checkpoint, inputs, n_inputs, outputs, n_outputs,
                    err);
}

static pds_status fetch_common(pds_predictor predictor, uint64_t id, pds_tensor *outputs,
                               size_t n_outputs, const char *fn, pds_error *err)
{
    pdsi_predictor *p;
    pds_status st = pred_begin_call(predictor, &p, fn, err);
    if (st)
        return st;
    st = pdsi_predictor_fetch(p, id, outputs, n_outputs, err);
    pred_end_call(p);
    return pdsi_guard_check(predictor, "predictor", fn, st, err);
}

pds_status pds_predictor_fetch(pds_predictor predictor, pds_tensor *outputs, size_t n_outputs,
                               pds_error *err)
{
    PDSI_TRACE_CALL(PREDICTOR_FETCH, predictor, 0, err);
    return fetch_common(predictor, 0, outputs, n_outputs, "pds_predictor_fetch", err);
}

pds_status pds_predictor_fetch_v2(pds_predictor predictor, pds_run_id run_id,
                                  pds_tensor *outputs, size_t n_outputs, pds_error *err)
{
    PDSI_TRACE_CALL(PREDICTOR_FETCH_V2, predictor, run_id, err);
    if (run_id == 0)
        return pdsi_fail(err, PDS_ERR_INVALID_ARGUMENT,
                         "pds_predictor_fetch_v2: run id 0 names no run (use the id "
                         "pds_predictor_run_v2 returned in its options)");
    return fetch_common(predictor, run_id, outputs, n_outputs, "pds_predictor_fetch_v2", err);
}

pds_status pds_predictor_get_stats(pds_predictor predictor, pds_predictor_stats *stats,
                                   pds_error *err)
{
    PDSI_TRACE_CALL(PREDICTOR_GET_STATS, predictor, 0, err);
    if (!stats)
        return pdsi_fail(err, PDS_ERR_INVALID_ARGUMENT, "pds_predictor_get_stats: stats is NULL");
    /* `backend` was appended: a caller's struct may end before it. */
    pds_status st = check_options_size(stats->struct_size, offsetof(pds_predictor_stats, backend),
                                       "pds_predictor_stats", err);
    if (st)
        return st;
    pdsi_predictor *p;
    if ((st = pred_begin_call(predictor, &p, "pds_predictor_get_stats", err)))
        return st;
    pds_predictor_stats full;
    pdsi_predictor_stats(p, &full);
    pred_end_call(p);
    uint32_t size = stats->struct_size;
    memcpy(stats, &full, size < sizeof full ? size : sizeof full);
    stats->struct_size = size;
    return PDS_OK;
}

pds_status pds_predictor_get_profile(pds_predictor predictor, pds_step_profile *steps, size_t cap,
                                     size_t *count, pds_error *err)
{
    PDSI_TRACE_CALL(PREDICTOR_GET_PROFILE, predictor, 0, err);
    if (!count)
        return pdsi_fail(err, PDS_ERR_INVALID_ARGUMENT, "pds_predictor_get_profile: count is NULL");
    if (!steps && cap)
        return pdsi_fail(err, PDS_ERR_INVALID_ARGUMENT,
                         "pds_predictor_get_profile: steps is NULL, cap %zu", cap);
    *count = 0;
    pdsi_predictor *p;
    pds_status st = pred_begin_call(predictor, &p, "pds_predictor_get_profile", err);
    if (st)
        return st;
    *count = pdsi_predictor_profile(p, steps, cap);
    pred_end_call(p);
    return PDS_OK;
}

/* Looks the predictor up and applies a cancel under the table lock, so that
 * the predictor cannot be freed meanwhile; cancelling takes no other lock and
 * never waits for the run. */
static pds_status cancel_common(pds_predictor predictor, uint64_t id, const char *fn,
                                pds_error *err)
{
    void *obj;
    pdsi_handles_lock();
    pds_status st = pdsi_handle_lookup(predictor, PDSI_KIND_PREDICTOR, &obj, fn, err);
    if (!st) {
        if (id)
            pdsi_predictor_cancel_run(obj, id);
        else
            pdsi_predictor_cancel_active(obj);
    }
    pdsi_handles_unlock();
    return st;
}

pds_status pds_predictor_cancel(pds_predictor predictor, pds_error *err)
{
    PDSI_TRACE_CALL(PREDICTOR_CANCEL, predictor, 0, err);
    return cancel_common(predictor, 0, "pds_predictor_cancel", err);
}

pds_status pds_predictor_cancel_run(pds_predictor predictor, pds_run_id run_id, pds_error *err)
{
    PDSI_TRACE_CALL(PREDICTOR_CANCEL_RUN, predictor, run_id, err);
    if (run_id == 0)
        return pdsi_fail(err, PDS_ERR_INVALID_ARGUMENT,
                         "pds_predictor_cancel_run: run id 0 names no run");
    return cancel_common(predictor, run_id, "pds_predictor_cancel_run", err);
}
