/*
 * model.c — the immutable, shareable model: a finished graph plus the
 * metadata the API hands out (input/output infos, statistics), and the
 * load-time work: graph rewrites (passes/passes.h), the model's backends
 * (backend/backend.h) and their states, the static facts every plan uses,
 * and the backends' weight packing at nominal shapes.
 */
#include "runtime/runtime.h"

#include <stdlib.h>
#include <string.h>
#ifdef __GLIBC__
#include <malloc.h>
#endif

#include "core/env.h"
#include "guard/guard.h"
#include "core/executor.h"
#include "passes/passes.h"

atomic_ullong pdsi_live_models, pdsi_live_predictors;

static pds_status fill_info(const pdsi_graph *g, int32_t id, pds_tensor_info *info,
                            pds_error *err)
{
    const pdsi_value *v = &g->values[id];
    size_t len = strlen(v->name);
    if (len >= PDS_NAME_SIZE)
        return pdsi_fail(err, PDS_ERR_MODEL_FORMAT,
                         "input/output name '%.40s...' is %zu bytes long, at most %d allowed",
                         v->name, len, PDS_NAME_SIZE - 1);
    memset(info, 0, sizeof *info);
    memcpy(info->name, v->name, len + 1);
    info->dtype = v->dtype;
    info->rank = v->rank;
    for (int i = 0; i < v->rank && i < PDS_MAX_RANK; i++)
        info->dims[i] = v->dims[i];
    return PDS_OK;
}

static void free_parts(pdsi_model *m)
{
    pdsi_backend_set_free(&m->backends);
    if (m->executor) {
        /* The workspaces may have grown for this model's runs. */
        pdsi_executor_trim();
        pdsi_executor_release();
    }
    pdsi_graph_info_free(&m->info);
    for (size_t i = 0; m->op_types && m->op_types[i]; i++)
        free(m->op_types[i]);
    free(m->op_types);
    pdsi_graph_free(&m->graph);
    free(m->inputs);
    free(m->outputs);
    free(m);
}

/* What the environment asks of a load (pdsafe.h lists the variables). */
typedef struct load_env {
    bool reference; /* PDSAFE_KERNELS=ref */
    bool winograd;  /* PDSAFE_WINOGRAD=1 */
    bool guard;     /* PDSAFE_GUARD=1 */
    bool adaptive;  /* PDSAFE_THREAD_POLICY=adaptive (or unset) */
} load_env;

static pds_status read_env(load_env *e, pds_error *err)
{
    static const char *const kernels[] = {"ref", "fast"};
    static const char *const onoff[] = {"0", "1"};
    static const char *const policies[] = {"fixed", "adaptive"};
    int k = -1, w = -1, t = -1;
    pds_status st = pdsi_env_choice("PDSAFE_KERNELS", kernels, 2, &k, err);
    if (!st)
        st = pdsi_env_choice("PDSAFE_WINOGRAD", onoff, 2, &w, err);
    if (!st)
        st = pdsi_env_choice("PDSAFE_THREAD_POLICY", policies, 2, &t, err);
    e->reference = k == 0;
    e->winograd = w == 1;
    e->adaptive = t != 0;
    e->guard = false;
    if (!st)
        st = pdsi_guard_env(&e->guard, err);
    return st;
}

typedef struct pack_job {
    const pdsi_backend *b;
    void *ctx;
    int part, n_parts;
} pack_job;

static void pack_main(void *arg)
{
    pack_job *j = arg;
    j->b->pack_part(j->ctx, j->part, j->n_parts);
}

/* Backend k's weights, packed by one executor per CPU (up to 4), one thread
 * each. */
static pds_status pack_backend(pdsi_model *m, int k, const pdsi_tensor *nominal, pds_error *err)
{
    const pdsi_backend *b = m->backends.b[k];
    void *ctx;
    pds_status st = b->pack_begin(m->backends.state[k], &m->graph, &m->info, nominal, &ctx, err);
    if (st)
        return pdsi_fail_wrap(err, st, "backend %s", b->name);
    int n = pdsi_executor_cpus() < 4 ? pdsi_executor_cpus() : 4;
    pack_job jobs[4];
    void *args[4];
    for (int i = 0; i < n; i++) {
        jobs[i] = (pack_job){b, ctx, i, n};
        args[i] = &jobs[i];
    }
    st = pdsi_executor_run_many(pack_main, args, n, 1, err);
    pds_status st2 = b->pack_end(ctx, err);
    if (st || (st = st2))
        return pdsi_fail_wrap(err, st, "backend %s", b->name);
    return PDS_OK;
}

/* The load-time work: rewrites, backends, graph facts, packed weights. */
static pds_status prepare(pdsi_model *m, pds_error *err)
{
    pdsi_graph *g = &m->graph;
    load_env env;
    pds_status st = read_env(&env, err);
    if (st)
        return st;
    /* PDSAFE_KERNELS=ref (or the flag): the ref backend only, graph as
     * loaded. Otherwise the whole list, when it has more than ref. */
    m->guard = env.guard || (g->limits.flags & PDS_MODEL_GUARD);
    m->adaptive = env.adaptive;
    m->fast = pdsi_backends_compiled() > 1 && !env.reference &&
              !(g->limits.flags & PDS_MODEL_REFERENCE_KERNELS);
    if (m->fast && (st = pdsi_passes_run(g, err)))
        return st;
    pdsi_backend_opts opts = {.winograd = env.winograd, .precision = g->limits.precision,
                              .int8 = !(g->limits.flags & PDS_MODEL_NO_INT8)};
    if ((st = pdsi_backend_set_make(&m->backends, m->fast, g, &opts, err)))
        return st;
    m->executor = pdsi_backend_set_needs_executor(&m->backends);
    if (m->executor)
        pdsi_executor_acquire();
    if ((st = pdsi_graph_info_make(g, &m->info, err)))
        return st;
    bool packs = false;
    for (int k = 0; k < m->backends.n; k++)
        packs |= m->backends.b[k]->pack_begin != NULL;
    if (packs) {
        pdsi_tensor *nominal = pdsi_passes_nominal(g, &m->info);
        for (int k = 0; k < m->backends.n && !st; k++)
            if (m->backends.b[k]->pack_begin)
                st = pack_backend(m, k, nominal, err);
        pdsi_passes_nominal_free(g, nominal);
        if (st)
            return st;
    }
    m->param_bytes = 0;
    for (int32_t i = 0; i < g->n_values; i++)
        if (g->values[i].kind == PDSI_VALUE_PARAM && g->values[i].data.data)
            m->param_bytes += pdsi_tensor_bytes(&g->values[i].data);
    return PDS_OK;
}

const char *pdsi_model_op_type(const pdsi_model *m, uint64_t index)
{
    return index < m->stats.op_count ? m->op_types[index] : NULL;
}

pds_status pdsi_model_create(pdsi_graph *graph, pdsi_model **out, pds_error *err)
{
    pds_status st = PDS_OK;
    *out = NULL;
    pdsi_model *m = calloc(1, sizeof *m);
    if (!m) {
        pdsi_graph_free(graph);
        return pdsi_fail(err, PDS_ERR_OUT_OF_MEMORY, "could not allocate the model");
    }
    m->graph = *graph;
    memset(graph, 0, sizeof *graph);
    pdsi_graph *g = &m->graph;
    m->inputs = calloc((size_t)g->n_inputs + 1, sizeof *m->inputs);
    m->outputs = calloc((size_t)g->n_outputs + 1, sizeof *m->outputs);
    if (!m->inputs || !m->outputs) {
        st = pdsi_fail(err, PDS_ERR_OUT_OF_MEMORY, "could not allocate model metadata");
        goto fail;
    }
    for (int32_t i = 0; i < g->n_inputs && !st; i++)
        st = fill_info(g, g->inputs[i], &m->inputs[i], err);
    for (int32_t i = 0; i < g->n_outputs && !st; i++)
        st = fill_info(g, g->outputs[i], &m->outputs[i], err);
    if (st)
        goto fail;
    m->op_types = calloc((size_t)g->n_nodes + 1, sizeof *m->op_types);
    if (!m->op_types) {
        st = pdsi_fail(err, PDS_ERR_OUT_OF_MEMORY, "could not allocate model metadata");
        goto fail;
    }
    for (int32_t i = 0; i < g->n_nodes; i++) {
        m->op_types[i] = strdup(g->nodes[i].type);
        if (!m->op_types[i]) {
            st = pdsi_fail(err, PDS_ERR_OUT_OF_MEMORY, "could not allocate model metadata");
            goto fail;
        }
    }
    m->stats.struct_size = sizeof m->stats;
    m->stats.format = g->format;
    m->stats.format_version = g->format_version;
    m->stats.op_count = (uint64_t)g->n_nodes;
    for (int32_t i = 0; i < g->n_values; i++)
        if (g->values[i].kind == PDSI_VALUE_PARAM) {
            m->stats.param_count++;
            m->stats.param_bytes += pdsi_tensor_bytes(&g->values[i].data);
        }
    if ((st = prepare(m, err)))
        goto fail;
    atomic_init(&m->refs, 1);
    atomic_fetch_add(&pdsi_live_models, 1);
    *out = m;
    return PDS_OK;
fail:
    free_parts(m);
    return st;
}

void pdsi_model_retain(pdsi_model *m)
{
    atomic_fetch_add(&m->refs, 1);
}

void pdsi_model_release(pdsi_model *m)
{
    if (!m || atomic_fetch_sub(&m->refs, 1) != 1)
        return;
    free_parts(m);
    atomic_fetch_sub(&pdsi_live_models, 1);
#ifdef __GLIBC__
    /* The model's large buffers were page mappings and are gone already
     * (core/tensor.c); its small ones and its predictors' (names, nodes,
     * small tensors, backends' primitives) went back to malloc, which keeps
     * freed pages in every arena, including those of threads that will
     * never allocate again. This gives them back to the system. It is not
     * a process-wide setting (DESIGN M21): it configures nothing and changes
     * no behaviour of malloc for anyone, it only releases pages no one
     * holds, as free() itself does at the top of the heap. Its cost, once
     * per model: a walk over malloc's free chunks, each arena locked in
     * turn (measured: 4 ms with 200,000 free chunks, 46 ms when they also
     * hold 190 MiB to give back; 1 ms on average destroying 100 models of
     * the test fixtures' size that were alive together), and the page
     * faults that bring released pages back when the next model is loaded.
     * Loading and closing the mobilenetv3 fixture (1.6 MiB of weights) from
     * Go, both came to about 2.5 ms of CPU per model, a quarter of the cycle;
     * for models of real size the load dwarfs it. */
    malloc_trim(0);
#endif
}
