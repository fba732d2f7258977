/*
 * predictor.c — executing a model: input validation, shape inference, the
 * plan cache, the steps, output hand-back.
 *
 * A run has two phases. Phase 1 infers the shape of every value from the real
 * inputs, operator by operator (dynamic -1 dims, shapes computed inside the
 * graph), and runs the few operators whose results later shapes depend on
 * (graph_info's "early" nodes, e.g. shape -> slice -> reshape's ShapeTensor).
 * The shapes of all values form the run's signature; phase 2 runs the plan
 * made for that signature (plan/plan.h), building it on first sight and
 * keeping the PDSI_PLAN_CACHE most recent ones, so a steady shape allocates
 * nothing per run and a new one re-plans once.
 *
 * When a backend of the model needs the executor (needs_executor), the whole
 * run executes on an executor thread (core/executor.h) while the caller
 * waits; with the ref backend alone it runs on the caller's thread. Phase 1
 * runs its early nodes on the reference kernels (backend/ref/ref.h). Nodes
 * downstream of an operator whose output sizes are known only after its
 * kernel ran (graph_info's "late" nodes) are inferred and run, on the
 * reference kernels too, after phase 2. Nothing the caller passes is kept
 * after the call (M12):
 * inputs are copied in, outputs copied out.
 *
 * Every run has an id (pds_run_id). Cancellation names the id, and the kept
 * result carries it, so a caller sharing the predictor can neither stop nor
 * fetch another caller's run (M6, M24). A run asks whether to stop at its
 * checkpoints: before each chunk of an input copy, before inferring each
 * operator's shapes, before planning each node of a new shape, before each
 * step.
 */
#include "runtime/runtime.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "backend/ref/ref.h"
#include "core/cancel.h"
#include "core/executor.h"
#include "kernels/ref/ref.h"
#include "trace/trace.h"

pds_status pdsi_predictor_create(pdsi_model *m, const pds_predictor_options *options,
                                 pdsi_predictor **out, pds_error *err)
{
    const pdsi_graph *g = &m->graph;
    *out = NULL;
    pdsi_predictor *p = calloc(1, sizeof *p);
    if (!p)
        return pdsi_fail(err, PDS_ERR_OUT_OF_MEMORY, "could not allocate a predictor");
    pds_predictor_options_init(&p->options);
    if (options) {
        size_t n = options->struct_size < sizeof p->options ? options->struct_size
                                                              : sizeof p->options;
        memcpy(&p->options, options, n);
        p->options.struct_size = sizeof p->options;
    }
    if (p->options.num_threads < 0 || p->options.num_threads > 1024) {
        free(p);
        return pdsi_fail(err, PDS_ERR_INVALID_ARGUMENT,
                         "could not create predictor: num_threads is %d, expected 0..1024",
                         options ? options->num_threads : 0);
    }
    if (p->options.flags &
        ~(PDS_PREDICTOR_SERIALIZE | PDS_PREDICTOR_PROFILE | PDS_PREDICTOR_GUARD)) {
        unsigned f = p->options.flags;
        free(p);
        return pdsi_fail(err, PDS_ERR_INVALID_ARGUMENT,
                         "could not create predictor: unknown flags 0x%x", f);
    }

    size_t n_slots = 0, n_ptrs = 0;
    for (int32_t i = 0; i < g->n_nodes; i++) {
        const pdsi_node *node = &g->nodes[i];
        n_slots += (size_t)(node->n_in_slots + node->n_out_slots);
        n_ptrs += node->out_off[node->n_out_slots];
    }
    p->tensors = calloc((size_t)g->n_values + 1, sizeof *p->tensors);
    p->slots = calloc(n_slots + 1, sizeof *p->slots);
    p->slot_base = calloc((size_t)g->n_nodes + 1, sizeof *p->slot_base);
    p->ptrs = calloc(n_ptrs + 1, sizeof *p->ptrs);
    if (pthread_mutex_init(&p->run_mu, NULL) != 0) {
        free(p->tensors);
        free(p->slots);
        free(p->slot_base);
        free(p->ptrs);
        free(p);
        return pdsi_fail(err, PDS_ERR_INTERNAL, "could not create predictor: mutex init failed");
    }
    p->model = m;
    pdsi_model_retain(m);
    atomic_fetch_add(&pdsi_live_predictors, 1);
    if (!p->tensors || !p->slots || !p->slot_base || !p->ptrs) {
        pdsi_predictor_free(p);
        return pdsi_fail(err, PDS_ERR_OUT_OF_MEMORY, "could not allocate predictor tables");
    }
    /* Parameters are borrowed views of the model's immutable data. */
    for (int32_t v = 0; v < g->n_values; v++)
        if (g->values[v].kind == PDSI_VALUE_PARAM) {
            p->tensors[v] = g->values[v].data;
            p->tensors[v].cap = 0;
        }
    size_t s = 0, q = 0;
    for (int32_t i = 0; i < g->n_nodes; i++) {
        const pdsi_node *node = &g->nodes[i];
        p->slot_base[i] = (int32_t)s;
        for (int k = 0; k < node->n_in_slots; k++, s++) {
            p->slots[s].t = &p->ptrs[q];
            p->slots[s].n = node->in_off[k + 1] - node->in_off[k];
            for (uint16_t a = node->in_off[k]; a < node->in_off[k + 1]; a++)
                p->ptrs[q++] = &p->tensors[node->vals[a]];
        }
        for (int k = 0; k < node->n_out_slots; k++, s++) {
            p->slots[s].t = &p->ptrs[q];
            p->slots[s].n = node->out_off[k + 1] - node->out_off[k];
            for (uint16_t a = node->out_off[k]; a < node->out_off[k + 1]; a++)
                p->ptrs[q++] = &p->tensors[node->vals[a]];
        }
    }
    p->exec.num_threads = p->options.num_threads ? p->options.num_threads : 1;
    pdsi_adapt_init(&p->adapt);
    if (m->executor && p->exec.num_threads > pdsi_executor_cpus())
        p->exec.num_threads = pdsi_executor_cpus();
    p->key = malloc(sizeof *p->key * (pdsi_plan_key_len(g) + 1));
    p->result = calloc((size_t)g->n_outputs + 1, sizeof *p->result);
    p->kept = calloc((size_t)g->n_outputs + 1, sizeof *p->kept);
    if (!p->key || !p->result || !p->kept) {
        pdsi_predictor_free(p);
        return pdsi_fail(err, PDS_ERR_OUT_OF_MEMORY, "could not allocate predictor tables");
    }
    *out = p;
    return PDS_OK;
}

void pdsi_predictor_free(pdsi_predictor *p)
{
    if (!p)
        return;
    const pdsi_graph *g = &p->model->graph;
    if (p->tensors)
        for (int32_t v = 0; v < g->n_values; v++)
            if (p->tensors[v].cap)
                pdsi_tensor_release(&p->tensors[v]);
    pdsi_exec_release(&p->exec);
    for (int i = 0; i < p->n_plans; i++)
        pdsi_plan_free(p->plans[i]);
    const pdsi_backend_set *set = &p->model->backends;
    for (int k = 0; k < set->n; k++)
        if (p->streams[k] && set->b[k]->stream_free)
            set->b[k]->stream_free(p->streams[k]);
    pdsi_buffer_free(p->arena, p->arena_cap);
    pdsi_buffer_free(p->scratch, p->scratch_cap);
    free(p->key);
    free(p->result);
    if (p->kept)
        for (int32_t i = 0; i < g->n_outputs; i++)
            pdsi_tensor_release(&p->kept[i]);
    free(p->kept);
    free(p->prof);
    pthread_mutex_destroy(&p->run_mu);
    free(p->tensors);
    free(p->slots);
    free(p->slot_base);
    free(p->ptrs);
    pdsi_model_release(p->model);
    free(p);
    atomic_fetch_sub(&pdsi_live_predictors, 1);
}

static pds_status check_input(const pdsi_model *m, size_t i, const pds_tensor *t,
                              pds_error *err)
{
    const pds_tensor_info *info = &m->inputs[i];
    char want[160], got[160];
    if (t->dtype != info->dtype)
        return pdsi_fail(err, PDS_ERR_DTYPE, "input %zu ('%s') is %s, the model expects %s", i,
                         info->name, pds_dtype_name(t->dtype), pds_dtype_name(info->dtype));
    if (t->rank < 0 || t->rank > PDS_MAX_RANK)
        return pdsi_fail(err, PDS_ERR_SHAPE, "input %zu ('%s') has rank %d, expected %d", i,
                         info->name, t->rank, info->rank);
    pdsi_dims_str(info->dims, info->rank, want, sizeof want);
    pdsi_dims_str(t->dims, t->rank, got, sizeof got);
    if (t->rank != info->rank)
        return pdsi_fail(err, PDS_ERR_SHAPE, "input %zu ('%s') has rank %d %s, expected rank %d %s",
                         i, info->name, t->rank, got, info->rank, want);
    for (int d = 0; d < t->rank; d++) {
        if (t->dims[d] <= 0)
            return pdsi_fail(err, PDS_ERR_SHAPE,
                             "input %zu ('%s') has dim %d = %lld in %s, expected a positive size",
                             i, info->name, d, (long long)t->dims[d], got);
        if (info->dims[d] >= 0 && t->dims[d] != info->dims[d])
            return pdsi_fail(err, PDS_ERR_SHAPE,
                             "input %zu ('%s') has shape %s, the model expects %s (-1 = any)", i,
                             info->name, got, want);
    }
    int64_t numel;
    size_t bytes;
    if (!pdsi_shape_numel(t->dims, t->rank, &numel) || !pdsi_bytes_of(t->dtype, numel, &bytes))
        return pdsi_fail(err, PDS_ERR_SHAPE,
                         "input %zu ('%s') shape %s: the element count or byte size overflows",
                         i, info->name, got);
    if (bytes > m->graph.limits.max_tensor_bytes)
        return pdsi_fail(err, PDS_ERR_LIMIT,
                         "input %zu ('%s') shape %s of %s needs %zu bytes, over max_tensor_bytes "
                         "%llu", i, info->name, got, pds_dtype_name(t->dtype), bytes,
                         (unsigned long long)m->graph.limits.max_tensor_bytes);
    if (t->byte_length < bytes)
        return pdsi_fail(err, PDS_ERR_BUFFER_SIZE,
                         "input %zu ('%s'): buffer has %zu bytes, shape %s of %s needs %zu", i,
                         info->name, t->byte_length, got, pds_dtype_name(t->dtype), bytes);
    if (!t->data && bytes)
        return pdsi_fail(err, PDS_ERR_INVALID_ARGUMENT, "input %zu ('%s'): data is NULL", i,
                         info->name);
    return PDS_OK;
}

/* Copies the kept results into the caller's buffers, or reports the sizes. */
static pds_status hand_out(pdsi_predictor *p, pds_tensor *outputs, size_t n_outputs,
                           pds_error *err)
{
    const pdsi_model *m = p->model;
    if (n_outputs == 0)
        return PDS_OK;
    size_t bad = SIZE_MAX, bad_need = 0;
    for (size_t i = 0; i < n_outputs; i++) {
        const pdsi_tensor *t = p->result[i];
        size_t need = pdsi_tensor_bytes(t);
        outputs[i].dtype = t->dtype;
        outputs[i].rank = t->rank;
        memset(outputs[i].dims, 0, sizeof outputs[i].dims);
        for (int d = 0; d < t->rank; d++)
            outputs[i].dims[d] = t->dims[d];
        if (bad == SIZE_MAX && (outputs[i].byte_length < need || (!outputs[i].data && need))) {
            bad = i;
            bad_need = need;
        }
    }
    if (bad != SIZE_MAX) {
        char dims[160];
        pdsi_dims_str(outputs[bad].dims, outputs[bad].rank, dims, sizeof dims);
        return pdsi_fail(err, PDS_ERR_BUFFER_SIZE,
                         "output %zu ('%s') needs %zu bytes (%s %s), the buffer has %zu%s; the "
                         "result is kept: fetch it with pds_predictor_fetch",
                         bad, m->outputs[bad].name, bad_need,
                         pds_dtype_name(outputs[bad].dtype), dims, outputs[bad].byte_length,
                         outputs[bad].data ? "" : " (data is NULL)");
    }
    for (size_t i = 0; i < n_outputs; i++) {
        const pdsi_tensor *t = p->result[i];
        size_t need = pdsi_tensor_bytes(t);
        if (need)
            memcpy(outputs[i].data, t->data, need);
    }
    return PDS_OK;
}

static pds_status check_counts(const pdsi_model *m, const pds_tensor *inputs, size_t n_inputs,
                               const pds_tensor *outputs, size_t n_outputs, pds_error *err)
{
    const pdsi_graph *g = &m->graph;
    if (n_inputs != (size_t)g->n_inputs)
        return pdsi_fail(err, PDS_ERR_INVALID_ARGUMENT,
                         "got %zu inputs, the model has %d (in input order%s%s)", n_inputs,
                         g->n_inputs, g->n_inputs ? ", first '" : "",
                         g->n_inputs ? m->inputs[0].name : "");
    if (n_inputs && !inputs)
        return pdsi_fail(err, PDS_ERR_INVALID_ARGUMENT, "inputs is NULL with n_inputs %zu",
                         n_inputs);
    if (n_outputs != 0 && n_outputs != (size_t)g->n_outputs)
        return pdsi_fail(err, PDS_ERR_INVALID_ARGUMENT,
                         "got %zu outputs, the model has %d (or pass 0 to fetch later)",
                         n_outputs, g->n_outputs);
    if (n_outputs && !outputs)
        return pdsi_fail(err, PDS_ERR_INVALID_ARGUMENT, "outputs is NULL with n_outputs %zu",
                         n_outputs);
    return PDS_OK;
}

/* The run's checkpoint (see cancel.h): true if it must stop. The testing
 * hook wait_at makes the run deaf to cancellation until checkpoint wait_at,
 * then hold there until it is cancelled. The wait polls: it exists for tests
 * only, and a condition variable would cost every cancel a broadcast. */
static bool run_should_stop(void *arg)
{
    pdsi_predictor *p = arg;
    uint32_t k = ++p->checkpoints;
    if (p->wait_at && k < p->wait_at)
        return false;
    bool stop = atomic_load_explicit(&p->active, memory_order_relaxed) & PDSI_RUN_CANCELLED;
    if (p->wait_at && k == p->wait_at)
        while (!stop) {
            struct timespec ts = {0, 100000};
            nanosleep(&ts, NULL);
            stop = atomic_load(&p->active) & PDSI_RUN_CANCELLED;
        }
    return stop;
}

/* Fills err for a run stopped at its checkpoint; where says where. */
static pds_status cancelled(pdsi_predictor *p, pds_error *err, const char *where)
{
    return pdsi_fail(err, PDS_ERR_CANCELLED, "run %llu cancelled %s (checkpoint %u)",
                     (unsigned long long)p->run_id, where, p->checkpoints);
}

/* Checks an inferred output against the limits. */
static pds_status check_output(const pdsi_graph *g, const pdsi_node *node, int k,
                               const pdsi_tensor *t, pds_error *err)
{
    int64_t numel;
    size_t bytes;
    if (t->rank < 0 || t->rank > PDSI_MAX_RANK || !pdsi_shape_numel(t->dims, t->rank, &numel) ||
        !pdsi_bytes_of(t->dtype, numel, &bytes))
        return pdsi_fail(err, PDS_ERR_SHAPE, "op #%d (%s): output '%s' has an invalid shape or dtype",
                         node->index, node->type, node->def->out[k].name);
    if (bytes > g->limits.max_tensor_bytes)
        return pdsi_fail(err, PDS_ERR_LIMIT,
                         "op #%d (%s): output '%s' needs %zu bytes, over max_tensor_bytes %llu",
                         node->index, node->type, node->def->out[k].name, bytes,
                         (unsigned long long)g->limits.max_tensor_bytes);
    return PDS_OK;
}

/* Infers node i's shapes and, with run, gives its outputs buffers and runs
 * it on the reference kernels (an early node in phase 1, a late one after
 * phase 2). A node in a branch that does not run makes its outputs absent. */
static pds_status infer_node(pdsi_predictor *p, int32_t i, bool run, pds_error *err)
{
    const pdsi_graph *g = &p->model->graph;
    const pdsi_node *node = &g->nodes[i];
    const pdsi_slot *in = &p->slots[p->slot_base[i]];
    const pdsi_slot *out = in + node->n_in_slots;
    if (run_should_stop(p)) {
        char where[192];
        snprintf(where, sizeof where, "before inferring the shapes of op #%d (%s)",
                 node->index, node->type);
        return cancelled(p, err, where);
    }
    bool runs;
    pds_status st = pdsi_graph_node_runs(g, i, p->tensors, &runs, err);
    if (st)
        return pdsi_fail_wrap(err, st, "op #%d (%s)", node->index, node->type);
    if (!runs) {
        /* a branch not taken this run: its values are absent (graph.h) */
        for (int k = 0; k < node->n_out_slots; k++)
            for (int a = 0; a < out[k].n; a++)
                pdsi_absent_set(out[k].t[a]);
        return PDS_OK;
    }
    st = node->def->infer(node->params, in, out, err);
    if (st)
        return pdsi_fail_wrap(err, st, "op #%d (%s)", node->index, node->type);
    for (int k = 0; k < node->n_out_slots; k++)
        for (int a = 0; a < out[k].n; a++) {
            pdsi_tensor *t = out[k].t[a];
            if ((st = check_output(g, node, k, t, err)))
                return st;
            if (run && !pdsi_tensor_reserve(t))
                return pdsi_fail(err, PDS_ERR_OUT_OF_MEMORY,
                                 "op #%d (%s): could not allocate %zu bytes for output '%s'",
                                 node->index, node->type, pdsi_tensor_bytes(t),
                                 node->def->out[k].name);
        }
    if (run && (st = pdsi_ref_run_node(node, in, out, &p->exec, err)))
        return pdsi_fail_wrap(err, st, "op #%d (%s)", node->index, node->type);
    return PDS_OK;
}

/* Phase 1: every shape, and the values later shapes are computed from. Late
 * nodes wait for run_late. */
static pds_status infer_all(pdsi_predictor *p, pds_error *err)
{
    const pdsi_graph_info *info = &p->model->info;
    for (int32_t i = 0; i < p->model->graph.n_nodes; i++) {
        pds_status st = info->late_node[i] ? PDS_OK : infer_node(p, i, info->early_node[i], err);
        if (st)
            return st;
    }
    return PDS_OK;
}

static uint64_t now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* After phase 2: the late nodes (graph/graph.h), whose shapes follow from
 * the real sizes a PDSI_OPF_SIZE_AFTER_RUN kernel set, inferred and run in
 * graph order on the reference kernels, from the plain tensors the plan
 * kept for them. Profiled and traced as steps after the plan's, each one
 * covering its node's shape inference and kernel. */
static pds_status run_late(pdsi_predictor *p, pds_error *err)
{
    const pdsi_graph_info *info = &p->model->info;
    const pdsi_graph *g = &p->model->graph;
    const pdsi_plan *pl = p->cur;
    if (!info->n_late)
        return PDS_OK;
    for (int32_t k = 0; k < pl->n_late_in; k++) {
        pdsi_tensor *t = &p->tensors[pl->late_in_value[k]];
        /* the arena is bound again before the next run (find_plan) */
        if (pl->late_in[k] != t)
            t->data = pl->late_in[k]->data;
    }
    bool prof = (p->options.flags & PDS_PREDICTOR_PROFILE) != 0;
    pdsi_prof *lp = prof ? p->prof + pl->n_steps : NULL;
    int32_t step = pl->n_steps;
    PDSI_TRACE_STEP_BEGIN(tt);
    for (int32_t i = 0; i < g->n_nodes; i++) {
        if (!info->late_node[i])
            continue;
        uint64_t a = prof ? now_ns() : 0;
        pds_status st = infer_node(p, i, true, err);
        if (PDSI_TRACE_STEP_ACTIVE(tt))
            tt = pdsi_trace_step(tt, p->run_id, step, g->nodes[i].index, g->nodes[i].type,
                                 "ref", NULL);
        if (st)
            return st;
        if (prof) {
            lp->start_ns = a - p->prof_t0;
            lp->duration_ns = now_ns() - a;
            lp++;
        }
        step++;
    }
    return PDS_OK;
}

static pds_status find_plan(pdsi_predictor *p, pds_error *err)
{
    pdsi_model *m = p->model;
    const pdsi_graph *g = &m->graph;
    size_t len = pdsi_plan_key_len(g);
    uint64_t h = pdsi_plan_key(g, &m->info, p->tensors, p->key);
    pdsi_plan *pl = NULL;
    for (int i = 0; i < p->n_plans && !pl; i++)
        if (p->plans[i]->hash == h && p->plans[i]->key_len == len &&
            p->plans[i]->team == p->run_team &&
            memcmp(p->plans[i]->key, p->key, sizeof *p->key * len) == 0)
            pl = p->plans[i];
    if (!pl) {
        pdsi_stop stop = {run_should_stop, p};
        pds_status st = pdsi_plan_build(g, &m->info, &m->backends, p->tensors, p->key, len, h,
                                        &stop, &pl, err);
        if (st == PDS_ERR_CANCELLED && err) {
            char where[PDS_ERROR_MESSAGE_SIZE];
            memcpy(where, err->message, sizeof where);
            return cancelled(p, err, where);
        }
        if (st)
            return st;
        pl->team = p->run_team;
        p->plans_built++;
        if (p->n_plans == PDSI_PLAN_CACHE) {
            int lru = 0;
            for (int i = 1; i < p->n_plans; i++)
                if (p->plans[i]->last_used < p->plans[lru]->last_used)
                    lru = i;
            if (p->cur == p->plans[lru])
                p->cur = NULL;
            pdsi_plan_free(p->plans[lru]);
            p->plans[lru] = p->plans[--p->n_plans];
        }
        p->plans[p->n_plans++] = pl;
    }
    pl->last_used = ++p->clock;
    /* On the fast path the run borrows the workspace lent to its job (its
     * executor thread's, or a caller workspace: core/executor.h); without
     * one (the reference path) it uses the predictor's own arena. */
    pdsi_workspace *ws = pdsi_executor_workspace();
    void **arena = ws ? &ws->arena : &p->arena, **scratch = ws ? &ws->scratch : &p->scratch;
    size_t *arena_cap = ws ? &ws->arena_cap : &p->arena_cap;
    size_t *scratch_cap = ws ? &ws->scratch_cap : &p->scratch_cap;
    if (pl->arena_bytes > *arena_cap) {
        pdsi_buffer_free(*arena, *arena_cap);
        *arena_cap = 0;
        if (!(*arena = pdsi_buffer_alloc(pl->arena_bytes, arena_cap)))
            return pdsi_fail(err, PDS_ERR_OUT_OF_MEMORY,
                             "could not allocate the %zu-byte activation arena", pl->arena_bytes);
    }
    if (pl->scratch_bytes > *scratch_cap) {
        pdsi_buffer_free(*scratch, *scratch_cap);
        *scratch_cap = 0;
        if (!(*scratch = pdsi_buffer_alloc(pl->scratch_bytes, scratch_cap)))
            return pdsi_fail(err, PDS_ERR_OUT_OF_MEMORY,
                             "could not allocate %zu bytes of kernel scratch", pl->scratch_bytes);
    }
    p->run_arena = *arena;
    p->run_arena_cap = *arena_cap;
    p->run_scratch = *scratch;
    int32_t n_prof = pl->n_steps + m->info.n_late;
    if ((p->options.flags & PDS_PREDICTOR_PROFILE) && n_prof > p->cap_prof) {
        pdsi_prof *pr = realloc(p->prof, sizeof *pr * (size_t)n_prof);
        if (!pr)
            return pdsi_fail(err, PDS_ERR_OUT_OF_MEMORY, "could not allocate the profile");
        p->prof = pr;
        p->cap_prof = n_prof;
    }
    /* Bind the arena: every arena tensor's data at its planned offset. */
    int32_t nt = pl->n_values + pl->n_extra;
    for (int32_t i = 0; i < nt; i++)
        if (pl->offset[i] != SIZE_MAX) {
            pdsi_tensor *t = pdsi_plan_tensor(pl, p->tensors, i);
            t->data = (char *)p->run_arena + pl->offset[i];
            t->cap = 0;
        }
    p->cur = pl;
    return PDS_OK;
}

static pds_status run_step(pdsi_predictor *p, const pdsi_step *s, pds_error *err)
{
    if (s->kind == PDSI_STEP_COPY) {
        size_t n = pdsi_tensor_bytes(s->in_t[0]);
        if (n)
            memcpy(s->out_t[0]->data, s->in_t[0]->data, n);
        return PDS_OK;
    }
    const pdsi_backend_run run = {
        .stream = p->streams[s->bi],
        .exec = &p->exec,
        .scratch = p->run_scratch,
        .temp = p->run_arena ? (char *)p->run_arena + s->temp_off : NULL,
    };
    return s->backend->step_run(s->impl, s->in_t, s->out_t, &run, err);
}

/* A step for the trace (trace/trace.h), named as pds_step_profile names it;
 * returns its end, the next step's start. */
static uint64_t trace_step(const pdsi_predictor *p, const pdsi_step *s, const pdsi_node *node,
                           int32_t i, uint64_t t0)
{
    if (s->kind == PDSI_STEP_BACKEND)
        return pdsi_trace_step(t0, p->run_id, i, node->index, node->type, s->backend->name,
                               s->backend->step_impl(s->impl));
    const char *k = s->kind == PDSI_STEP_CONVERT ? "reorder" : "copy";
    return pdsi_trace_step(t0, p->run_id, i, node->index, k, k, NULL);
}

/* Each backend's per-predictor state, made on the thread that runs. */
static pds_status make_streams(pdsi_predictor *p, pds_error *err)
{
    const pdsi_backend_set *set = &p->model->backends;
    for (int k = 0; k < set->n; k++)
        if (!p->streams[k] && set->b[k]->stream_create) {
            pds_status st = set->b[k]->stream_create(set->state[k], &p->streams[k], err);
            if (st)
                return pdsi_fail_wrap(err, st, "backend %s", set->b[k]->name);
        }
    p->streams_made = true;
    return PDS_OK;
}

/* Phase 2: the plan's steps. */
static pds_status run_steps(pdsi_predictor *p, pds_error *err)
{
    const pdsi_graph *g = &p->model->graph;
    const pdsi_plan *pl = p->cur;
    bool prof = (p->options.flags & PDS_PREDICTOR_PROFILE) != 0;
    uint64_t t0 = prof ? now_ns() : 0;
    p->prof_t0 = t0;
    PDSI_TRACE_STEP_BEGIN(tt);
    for (int32_t i = 0; i < pl->n_steps; i++) {
        const pdsi_step *s = &pl->steps[i];
        const pdsi_node *node = &g->nodes[s->node];
        if (run_should_stop(p)) {
            char where[192];
            snprintf(where, sizeof where, "before op #%d (%s), %d of %d steps done",
                     node->index, node->type, i, pl->n_steps);
            return cancelled(p, err, where);
        }
        uint64_t a = prof ? now_ns() : 0;
        pds_status st = run_step(p, s, err);
        if (PDSI_TRACE_STEP_ACTIVE(tt))
            tt = trace_step(p, s, node, i, tt);
        if (st)
            return pdsi_fail_wrap(err, st, "op #%d (%s)", node->index, node->type);
        if (prof) {
            uint64_t b = now_ns();
            p->prof[i].start_ns = a - t0;
            p->prof[i].duration_ns = b - a;
        }
    }
    return PDS_OK;
}

/* Copies the outputs that live in the lent arena p->run_arena into p->kept,
 * and points the results at the copies. */
static pds_status keep_outputs(pdsi_predictor *p, pds_error *err)
{
    const pdsi_graph *g = &p->model->graph;
    const char *lo = p->run_arena, *hi = lo + p->run_arena_cap;
    for (int32_t i = 0; i < g->n_outputs; i++) {
        const pdsi_tensor *t = p->result[i];
        const char *d = t->data;
        if (!d || d < lo || d >= hi)
            continue;
        pdsi_tensor *k = &p->kept[i];
        pdsi_tensor_set_shape(k, t->dtype, t->rank, t->dims);
        if (!pdsi_tensor_reserve(k))
            return pdsi_fail(err, PDS_ERR_OUT_OF_MEMORY, "could not allocate %zu bytes to keep "
                             "output %d ('%s')", pdsi_tensor_bytes(t), i, p->model->outputs[i].name);
        memcpy(k->data, t->data, pdsi_tensor_bytes(t));
        p->result[i] = k;
    }
    return PDS_OK;
}

/* Inputs are copied in chunks of this size, with a checkpoint before each, so
 * that a cancel is seen within a few milliseconds even for huge inputs. */
#define COPY_CHUNK ((size_t)4 << 20)

static pds_status run_body(pdsi_predictor *p, const pds_tensor *inputs, size_t n_inputs,
                           pds_tensor *outputs, size_t n_outputs, pds_error *err)
{
    pdsi_model *m = p->model;
    const pdsi_graph *g = &m->graph;
    p->have_result = false;
    p->runs++;
    for (size_t i = 0; i < n_inputs; i++) {
        pdsi_tensor *t = &p->tensors[g->inputs[i]];
        pdsi_tensor_set_shape(t, inputs[i].dtype, inputs[i].rank, inputs[i].dims);
        if (!pdsi_tensor_reserve(t))
            return pdsi_fail(err, PDS_ERR_OUT_OF_MEMORY, "could not allocate input %zu ('%s')",
                             i, m->inputs[i].name);
        size_t bytes = pdsi_tensor_bytes(t);
        for (size_t done = 0; done < bytes; done += COPY_CHUNK) {
            if (run_should_stop(p)) {
                char where[PDS_NAME_SIZE + 96];
                snprintf(where, sizeof where, "while copying input %zu ('%s'), %zu of %zu bytes "
                         "copied", i, m->inputs[i].name, done, bytes);
                return cancelled(p, err, where);
            }
            size_t n = bytes - done < COPY_CHUNK ? bytes - done : COPY_CHUNK;
            memcpy((char *)t->data + done, (const char *)inputs[i].data + done, n);
        }
    }
    pds_status st;
    if (!p->streams_made && (st = make_streams(p, err)))
        return st;
    if ((st = infer_all(p, err)) || (st = find_plan(p, err)))
        return st;
    /* Only the adaptive thread policy reads the time: a predictor it does
     * not apply to pays no clock reads per run. */
    bool timed = m->executor && m->adaptive && p->exec.num_threads > 1;
    uint64_t t0 = timed ? now_ns() : 0;
    if ((st = run_steps(p, err)))
        return st;
    if (timed)
        p->steps_ns = now_ns() - t0;
    if ((st = run_late(p, err)))
        return st;
    for (int32_t i = 0; i < g->n_outputs; i++)
        p->result[i] = p->cur->out[i];
    /* A lent arena goes to other predictors' runs once this job returns: the
     * outputs in it are copied out first. */
    if (p->run_arena && p->run_arena != p->arena && (st = keep_outputs(p, err)))
        return st;
    p->have_result = true;
    p->result_id = p->run_id;
    return hand_out(p, outputs, n_outputs, err);
}

typedef struct run_job {
    pdsi_predictor *p;
    const pds_tensor *inputs;
    size_t n_inputs;
    pds_tensor *outputs;
    size_t n_outputs;
    pds_error *err;
    pds_status status;
} run_job;

static void run_job_main(void *arg)
{
    run_job *j = arg;
    j->status = run_body(j->p, j->inputs, j->n_inputs, j->outputs, j->n_outputs, j->err);
}

pds_status pdsi_predictor_run(pdsi_predictor *p, const pds_tensor *inputs, size_t n_inputs,
                              pds_tensor *outputs, size_t n_outputs, pds_error *err)
{
    const pdsi_model *m = p->model;
    pds_status st = check_counts(m, inputs, n_inputs, outputs, n_outputs, err);
    for (size_t i = 0; !st && i < n_inputs; i++)
        st = check_input(m, i, &inputs[i], err);
    if (st)
        return st;
    if (!m->executor) {
        p->run_team = 0;
        return run_body(p, inputs, n_inputs, outputs, n_outputs, err);
    }
    int full = p->exec.num_threads;
    bool adapt = m->adaptive && full > 1;
    p->run_team = adapt ? pdsi_adapt_team(&p->adapt, full) : full;
    /* Throughput: when other runs hold the library's threads or wait for
     * them, a wide run would wait until its T tokens are free together,
     * while a 1-thread run starts on the first free one, and T narrow runs
     * side by side do more per second than T-thread runs one after another
     * (mobilenet_v3_small, 8 callers of 2 threads: 766 runs/s, 1004 with
     * 1-thread callers). So a run that finds the executor contended runs
     * with one thread; alone, it keeps its team. */
    bool narrowed = adapt && p->run_team > 1 && pdsi_executor_contended(p->run_team);
    if (narrowed)
        p->run_team = 1;
    uint64_t built = p->plans_built;
    run_job j = {p, inputs, n_inputs, outputs, n_outputs, err, PDS_OK};
    st = pdsi_executor_run(run_job_main, &j, p->run_team, err);
    if (!st)
        st = j.status;
    if (narrowed) {
        pdsi_adapt_narrowed(&p->adapt);
    } else if (adapt) {
        /* A run that planned (oneDNN compiles kernels then) says nothing of
         * the team's speed. */
        if (!st && p->plans_built == built && p->cur)
            pdsi_adapt_record(&p->adapt, p->cur->hash, p->run_team == 1, p->steps_ns);
        else
            pdsi_adapt_skip(&p->adapt);
    }
    return st;
}

static atomic_ullong run_ids;

uint64_t pdsi_run_id_new(void)
{
    return atomic_fetch_add(&run_ids, 1) + 1;
}

bool pdsi_run_id_issued(uint64_t id)
{
    return id != 0 && id <= atomic_load(&run_ids);
}

/* The protocol with pdsi_predictor_cancel_run, which may run on another
 * thread at the same moment: it stores the id into pending, then tries to
 * set the cancel bit on `active` if it holds that id; begin stores the id
 * into `active`, then reads pending. With sequentially consistent atomics
 * either begin sees the pending id, or the canceller's compare-and-swap,
 * which comes later, finds the id in `active`. */
void pdsi_predictor_begin(pdsi_predictor *p, uint64_t id, uint32_t wait_at)
{
    p->run_id = id;
    p->checkpoints = 0;
    p->wait_at = wait_at;
    atomic_store(&p->active, id);
    for (int i = 0; i < PDS_PENDING_CANCELS; i++)
        if (atomic_load(&p->pending[i]) == id)
            atomic_fetch_or(&p->active, PDSI_RUN_CANCELLED);
}

void pdsi_predictor_end(pdsi_predictor *p)
{
    atomic_store(&p->active, 0);
    p->wait_at = 0;
}

void pdsi_predictor_cancel_run(pdsi_predictor *p, uint64_t id)
{
    unsigned k = atomic_fetch_add(&p->pending_next, 1) % PDS_PENDING_CANCELS;
    atomic_store(&p->pending[k], id);
    unsigned long long expect = id;
    atomic_compare_exchange_strong(&p->active, &expect, id | PDSI_RUN_CANCELLED);
}

void pdsi_predictor_cancel_active(pdsi_predictor *p)
{
    unsigned long long a = atomic_load(&p->active);
    while (a && !(a & PDSI_RUN_CANCELLED) &&
           !atomic_compare_exchange_weak(&p->active, &a, a | PDSI_RUN_CANCELLED))
        ;
}

pds_status pdsi_predictor_fetch(pdsi_predictor *p, uint64_t id, pds_tensor *outputs,
                                size_t n_outputs, pds_error *err)
{
    const pdsi_graph *g = &p->model->graph;
    if (id && (!p->have_result || p->result_id != id)) {
        if (p->have_result && p->result_id > id)
            return pdsi_fail(err, PDS_ERR_RESULT_GONE,
                             "the result of run %llu is no longer kept: a later run (%llu) "
                             "replaced it", (unsigned long long)id,
                             (unsigned long long)p->result_id);
        return pdsi_fail(err, PDS_ERR_RESULT_GONE,
                         "the predictor keeps no result of run %llu (the run failed, or did not "
                         "take place on this predictor)", (unsigned long long)id);
    }
    if (!p->have_result)
        return pdsi_fail(err, PDS_ERR_INVALID_STATE,
                         "the predictor has no result to fetch (no successful run since it was "
                         "created or since the last failed run)");
    if (n_outputs != (size_t)g->n_outputs || !outputs)
        return pdsi_fail(err, PDS_ERR_INVALID_ARGUMENT,
                         "got %zu outputs%s, the model has %d", n_outputs,
                         outputs ? "" : " (NULL)", g->n_outputs);
    return hand_out(p, outputs, n_outputs, err);
}

static void copy_str(char *dst, size_t cap, const char *src)
{
    size_t n = strlen(src);
    if (n >= cap)
        n = cap - 1;
    memcpy(dst, src, n);
    dst[n] = '\0';
}

void pdsi_predictor_stats(pdsi_predictor *p, pds_predictor_stats *s)
{
    const pdsi_model *m = p->model;
    memset(s, 0, sizeof *s);
    s->struct_size = sizeof *s;
    s->num_threads = m->executor ? p->exec.num_threads : 1;
    s->plans_cached = (uint32_t)p->n_plans;
    s->runs = p->runs;
    s->plans_built = p->plans_built;
    if (p->cur) {
        s->steps = (uint32_t)p->cur->n_steps;
        s->fast_steps = (uint32_t)p->cur->n_fast;
        s->fast = p->cur->n_fast > 0;
        s->conversions = (uint32_t)p->cur->n_convert;
        s->int8_steps = (uint32_t)p->cur->n_int8;
        s->arena_bytes = p->cur->arena_bytes;
        s->naive_bytes = p->cur->naive_bytes;
    }
    s->scratch_bytes = p->scratch_cap + p->exec.scratch_cap;
    s->weights_bytes = m->param_bytes + pdsi_backend_set_packed_bytes(&m->backends);
    copy_str(s->backend, sizeof s->backend, m->backends.b[0]->name);
    s->runs_one_thread = p->adapt.runs_one;
}

size_t pdsi_predictor_profile(pdsi_predictor *p, pds_step_profile *out, size_t cap)
{
    const pdsi_plan *pl = p->cur;
    if (!(p->options.flags & PDS_PREDICTOR_PROFILE) || !pl || !p->prof || !p->runs)
        return 0;
    const pdsi_graph *g = &p->model->graph;
    for (int32_t i = 0; i < pl->n_steps && (size_t)i < cap; i++) {
        const pdsi_step *s = &pl->steps[i];
        const pdsi_node *node = &g->nodes[s->node];
        pds_step_profile *r = &out[i];
        memset(r, 0, sizeof *r);
        r->op_index = node->index;
        r->start_ns = p->prof[i].start_ns;
        r->duration_ns = p->prof[i].duration_ns;
        switch (s->kind) {
        case PDSI_STEP_BACKEND: {
            /* "<backend>:<implementation>", or the backend's name alone. */
            char k[80];
            const char *impl = s->backend->step_impl(s->impl);
            snprintf(k, sizeof k, "%s%s%s", s->backend->name, impl[0] ? ":" : "", impl);
            copy_str(r->op_type, sizeof r->op_type, node->type);
            copy_str(r->kernel, sizeof r->kernel, k);
            break;
        }
        case PDSI_STEP_CONVERT:
            copy_str(r->op_type, sizeof r->op_type, "reorder");
            copy_str(r->kernel, sizeof r->kernel, "reorder");
            break;
        default:
            copy_str(r->op_type, sizeof r->op_type, "copy");
            copy_str(r->kernel, sizeof r->kernel, "copy");
            break;
        }
    }
    /* Then the late nodes, run on the reference kernels after the steps. */
    const pdsi_graph_info *info = &p->model->info;
    int32_t i = pl->n_steps;
    for (int32_t n = 0; n < g->n_nodes && info->n_late; n++) {
        if (!info->late_node[n])
            continue;
        if ((size_t)i < cap) {
            pds_step_profile *r = &out[i];
            memset(r, 0, sizeof *r);
            r->op_index = g->nodes[n].index;
            r->start_ns = p->prof[i].start_ns;
            r->duration_ns = p->prof[i].duration_ns;
            copy_str(r->op_type, sizeof r->op_type, g->nodes[n].type);
            copy_str(r->kernel, sizeof r->kernel, "ref");
        }
        i++;
    }
    return (size_t)i;
}
