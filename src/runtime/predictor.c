/*
 * predictor.c — executing a model: input validation, per-operator shape
 * inference and kernels, output hand-back.
 *
 * Shapes are inferred at run time, operator by operator, from the real inputs
 * (DESIGN: dynamic -1 dims, shape tensors computed inside the graph), so a
 * new input shape simply re-plans the run. Activation buffers belong to the
 * predictor and only grow, so a steady shape allocates nothing per run.
 * Nothing the caller passes is kept after the call (M12): inputs are copied
 * in, outputs copied out.
 */
#include "runtime/runtime.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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
    if (p->options.flags & ~PDS_PREDICTOR_SERIALIZE) {
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
    if (!pdsi_shape_numel(t->dims, t->rank, &numel) || !pdsi_bytes_of(t->dtype, numel, &bytes) ||
        bytes > m->graph.limits.max_tensor_bytes)
        return pdsi_fail(err, PDS_ERR_SHAPE,
                         "input %zu ('%s') shape %s is too large (over max_tensor_bytes %llu)", i,
                         info->name, got, (unsigned long long)m->graph.limits.max_tensor_bytes);
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
    const pdsi_graph *g = &m->graph;
    if (n_outputs == 0)
        return PDS_OK;
    size_t bad = SIZE_MAX, bad_need = 0;
    for (size_t i = 0; i < n_outputs; i++) {
        const pdsi_tensor *t = &p->tensors[g->outputs[i]];
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
        const pdsi_tensor *t = &p->tensors[g->outputs[i]];
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

static pds_status run_nodes(pdsi_predictor *p, pds_error *err)
{
    const pdsi_graph *g = &p->model->graph;
    for (int32_t i = 0; i < g->n_nodes; i++) {
        const pdsi_node *node = &g->nodes[i];
        if (atomic_load(&p->cancel))
            return pdsi_fail(err, PDS_ERR_CANCELLED,
                             "run cancelled before op #%d (%s), %d of %d operators done",
                             node->index, node->type, i, g->n_nodes);
        const pdsi_slot *in = &p->slots[p->slot_base[i]];
        const pdsi_slot *out = in + node->n_in_slots;
        pds_status st = node->def->infer(node->params, in, out, err);
        if (st)
            return pdsi_fail_wrap(err, st, "op #%d (%s)", node->index, node->type);
        for (int k = 0; k < node->n_out_slots; k++)
            for (int a = 0; a < out[k].n; a++) {
                pdsi_tensor *t = out[k].t[a];
                int64_t numel;
                size_t bytes;
                if (t->rank < 0 || t->rank > PDSI_MAX_RANK ||
                    !pdsi_shape_numel(t->dims, t->rank, &numel) ||
                    !pdsi_bytes_of(t->dtype, numel, &bytes))
                    return pdsi_fail(err, PDS_ERR_SHAPE,
                                     "op #%d (%s): output '%s' has an invalid shape or dtype",
                                     node->index, node->type, node->def->out[k].name);
                if (bytes > g->limits.max_tensor_bytes)
                    return pdsi_fail(err, PDS_ERR_LIMIT,
                                     "op #%d (%s): output '%s' needs %zu bytes, over "
                                     "max_tensor_bytes %llu",
                                     node->index, node->type, node->def->out[k].name, bytes,
                                     (unsigned long long)g->limits.max_tensor_bytes);
                if (!pdsi_tensor_reserve(t))
                    return pdsi_fail(err, PDS_ERR_OUT_OF_MEMORY,
                                     "op #%d (%s): could not allocate %zu bytes for output '%s'",
                                     node->index, node->type, bytes, node->def->out[k].name);
            }
        st = node->def->run(node->params, in, out, &p->exec, err);
        if (st)
            return pdsi_fail_wrap(err, st, "op #%d (%s)", node->index, node->type);
    }
    return PDS_OK;
}

pds_status pdsi_predictor_run(pdsi_predictor *p, const pds_tensor *inputs, size_t n_inputs,
                              pds_tensor *outputs, size_t n_outputs, pds_error *err)
{
    const pdsi_model *m = p->model;
    const pdsi_graph *g = &m->graph;
    pds_status st = check_counts(m, inputs, n_inputs, outputs, n_outputs, err);
    for (size_t i = 0; !st && i < n_inputs; i++)
        st = check_input(m, i, &inputs[i], err);
    if (st)
        return st;
    p->have_result = false;
    for (size_t i = 0; i < n_inputs; i++) {
        pdsi_tensor *t = &p->tensors[g->inputs[i]];
        pdsi_tensor_set_shape(t, inputs[i].dtype, inputs[i].rank, inputs[i].dims);
        if (!pdsi_tensor_reserve(t))
            return pdsi_fail(err, PDS_ERR_OUT_OF_MEMORY, "could not allocate input %zu ('%s')",
                             i, m->inputs[i].name);
        size_t bytes = pdsi_tensor_bytes(t);
        if (bytes)
            memcpy(t->data, inputs[i].data, bytes);
    }
    st = run_nodes(p, err);
    if (st)
        return st;
    p->have_result = true;
    return hand_out(p, outputs, n_outputs, err);
}

void pdsi_predictor_begin(pdsi_predictor *p)
{
    atomic_store(&p->cancel, 0);
    atomic_store(&p->running, 1);
}

void pdsi_predictor_end(pdsi_predictor *p)
{
    atomic_store(&p->running, 0);
    atomic_store(&p->cancel, 0);
}

pds_status pdsi_predictor_fetch(pdsi_predictor *p, pds_tensor *outputs, size_t n_outputs,
                                pds_error *err)
{
    const pdsi_graph *g = &p->model->graph;
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
