/*
 * model.c — the immutable, shareable model: a finished graph plus the
 * metadata the API hands out (input/output infos, statistics).
 */
#include "runtime/runtime.h"

#include <stdlib.h>
#include <string.h>

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
    m->stats.struct_size = sizeof m->stats;
    m->stats.format = g->format;
    m->stats.format_version = g->format_version;
    m->stats.op_count = (uint64_t)g->n_nodes;
    for (int32_t i = 0; i < g->n_values; i++)
        if (g->values[i].kind == PDSI_VALUE_PARAM) {
            m->stats.param_count++;
            m->stats.param_bytes += pdsi_tensor_bytes(&g->values[i].data);
        }
    atomic_init(&m->refs, 1);
    atomic_fetch_add(&pdsi_live_models, 1);
    *out = m;
    return PDS_OK;
fail:
    pdsi_graph_free(&m->graph);
    free(m->inputs);
    free(m->outputs);
    free(m);
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
    pdsi_graph_free(&m->graph);
    free(m->inputs);
    free(m->outputs);
    free(m);
    atomic_fetch_sub(&pdsi_live_models, 1);
}
