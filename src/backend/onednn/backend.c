/*
 * backend.c — the oneDNN backend's table (backend/backend.h) and its
 * load-time weight packing.
 *
 * Packing: pack_begin notes which parameters only the weights slots of
 * fused convolutions and matmuls read (their plain data can go once packed:
 * it can be remade from a blocked packed copy if another backend's step ever
 * needs it); pack_part(k, n) offers every n-th fused convolution and matmul
 * from the k-th to the step builders in pack-only mode, at nominal shapes,
 * so that their weights are packed once for the model; parts run at once on
 * executor threads. pack_end reports the first failure.
 */
#include "backend/onednn/dnn.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <oneapi/dnnl/dnnl.h>

#include "ops/op_list.h"

/* ---- model state ------------------------------------------------------------ */

static pds_status model_create(const pdsi_graph *g, const pdsi_backend_opts *opts, void **state,
                               pds_error *err)
{
    pdsi_dnn_model *dm;
    pds_status st = pdsi_dnn_model_create(&dm, opts->winograd,
                                          opts->precision == PDS_PRECISION_BF16, opts->int8, err);
    if (st)
        return st;
    pdsi_dnn_model_configure(dm, g);
    *state = dm;
    return PDS_OK;
}

static void model_free(void *state)
{
    pdsi_dnn_model_free(state);
}

static size_t packed_bytes(void *state)
{
    return pdsi_dnn_model_packed_bytes(state);
}

static const void *param_plain(void *state, const pdsi_graph *g, int32_t value)
{
    return pdsi_dnn_model_plain(state, g, value);
}

/* ---- packing ---------------------------------------------------------------- */

#define MAX_PARTS 16

static bool is_fused(const pdsi_node *node)
{
    return node->def->id == PDSI_OP_PDSAFE_CONV || node->def->id == PDSI_OP_PDSAFE_MATMUL;
}

/* The weights slot (1) of a fused convolution or matmul: what packing covers. */
static bool packed_slot(const pdsi_node *node, uint16_t a)
{
    return is_fused(node) &&
           a == node->in_off[1] && node->in_off[2] > node->in_off[1];
}

typedef struct pack_ctx {
    pdsi_graph *g;
    const pdsi_graph_info *info;
    pdsi_dnn_model *dm;
    const pdsi_tensor *nominal;
    uint8_t *droppable;
    pds_status status[MAX_PARTS];
    pds_error err[MAX_PARTS];
} pack_ctx;

static pds_status pack_begin(void *state, pdsi_graph *g, const pdsi_graph_info *info,
                             const pdsi_tensor *nominal, void **out, pds_error *err)
{
    *out = NULL;
    pack_ctx *c = calloc(1, sizeof *c);
    if (!c)
        return pdsi_fail(err, PDS_ERR_OUT_OF_MEMORY, "could not allocate packing tables");
    c->g = g;
    c->info = info;
    c->dm = state;
    c->nominal = nominal;
    /* Weights that only packed slots of phase-2 nodes read give their plain
     * memory back once packed (pack_part). */
    c->droppable = malloc((size_t)g->n_values + 1);
    if (!c->droppable) {
        free(c);
        return pdsi_fail(err, PDS_ERR_OUT_OF_MEMORY, "could not allocate packing tables");
    }
    memset(c->droppable, 1, (size_t)g->n_values + 1);
    for (int32_t i = 0; i < g->n_nodes; i++) {
        const pdsi_node *node = &g->nodes[i];
        for (uint16_t a = 0; a < node->in_off[node->n_in_slots]; a++)
            if (!packed_slot(node, a) || info->early_node[i])
                c->droppable[node->vals[a]] = 0;
    }
    *out = c;
    return PDS_OK;
}

/* Packs node i's weights (pack-only step creation at nominal shapes). */
static pds_status pack_node(pack_ctx *c, int32_t i, pds_error *err)
{
    pdsi_graph *g = c->g;
    const pdsi_node *node = &g->nodes[i];
    int n_in = node->in_off[node->n_in_slots];
    int n_out = node->out_off[node->n_out_slots] - node->out_off[0];
    pdsi_dnn_io in[8], out[2];
    if (n_in > 8 || n_out > 2)
        return PDS_OK;
    /* Copies: parts run at once and shape inference writes outputs. */
    pdsi_tensor tin[8], tout[2];
    for (int k = 0; k < n_in; k++) {
        int32_t v = node->vals[k];
        tin[k] = c->nominal[v];
        in[k] = (pdsi_dnn_io){&tin[k], v, g->values[v].kind == PDSI_VALUE_PARAM,
                              PDSI_LAYOUT_NHWC, PDSI_LAYOUT_NHWC};
    }
    for (int k = 0; k < n_out; k++) {
        int32_t v = node->vals[node->out_off[0] + k];
        tout[k] = c->nominal[v];
        out[k] = (pdsi_dnn_io){&tout[k], v, false, PDSI_LAYOUT_NHWC, PDSI_LAYOUT_NHWC};
    }
    pdsi_dnn_step *s = NULL;
    pds_status st = pdsi_dnn_step_create(c->dm, g, i, in, n_in, out, n_out, true, &s, err);
    pdsi_dnn_step_free(s);
    /* Give the plain weights back at once, so that plain and packed copies
     * of all the weights never coexist. */
    int32_t w = node->in_off[2] > node->in_off[1] ? node->vals[node->in_off[1]] : -1;
    if (!st && w >= 0 && c->droppable[w] && g->values[w].kind == PDSI_VALUE_PARAM &&
        !c->info->is_output[w])
        pdsi_dnn_model_drop_plain(c->dm, g, w);
    return st;
}

static void pack_part(void *ctx, int part, int n_parts)
{
    pack_ctx *c = ctx;
    pdsi_graph *g = c->g;
    pds_status st = PDS_OK;
    if (!c->nominal || part < 0 || part >= MAX_PARTS)
        return;
    for (int32_t i = part; i < g->n_nodes && !st; i += n_parts) {
        const pdsi_node *node = &g->nodes[i];
        if (is_fused(node) &&
            !c->info->early_node[i])
            st = pack_node(c, i, &c->err[part]);
    }
    c->status[part] = st;
}

static pds_status pack_end(void *ctx, pds_error *err)
{
    pack_ctx *c = ctx;
    if (!c)
        return PDS_OK;
    pds_status st = PDS_OK;
    for (int k = 0; k < MAX_PARTS && !st; k++)
        if (c->status[k]) {
            st = c->status[k];
            if (err)
                *err = c->err[k];
        }
    free(c->droppable);
    free(c);
    return st;
}

/* ---- steps -------------------------------------------------------------------- */

static pds_status step_create(void *state, const pdsi_graph *g, int32_t node, pdsi_backend_io *in,
                              int n_in, pdsi_backend_io *out, int n_out, pdsi_backend_step **step,
                              pds_error *err)
{
    pdsi_dnn_step *s = NULL;
    pds_status st = pdsi_dnn_step_create(state, g, node, in, n_in, out, n_out, false, &s, err);
    *step = (pdsi_backend_step *)s;
    return st;
}

static pds_status convert_create(const pdsi_tensor *t, uint8_t from, uint8_t to,
                                 pdsi_backend_step **step, pds_error *err)
{
    pdsi_dnn_step *s = NULL;
    pds_status st = pdsi_dnn_reorder_create(t, from, to, &s, err);
    *step = (pdsi_backend_step *)s;
    return st;
}

static pds_status step_run(pdsi_backend_step *s, pdsi_tensor *const *in, pdsi_tensor *const *out,
                           const pdsi_backend_run *run, pds_error *err)
{
    return pdsi_dnn_step_run((pdsi_dnn_step *)s, in, out, run->scratch, run->temp, run->stream,
                             err);
}

static void step_free(pdsi_backend_step *s)
{
    pdsi_dnn_step_free((pdsi_dnn_step *)s);
}

static size_t step_scratch(const pdsi_backend_step *s)
{
    return pdsi_dnn_step_scratch((const pdsi_dnn_step *)s);
}

static size_t step_temp_bytes(const pdsi_backend_step *s)
{
    return pdsi_dnn_step_temp_bytes((const pdsi_dnn_step *)s);
}

static int step_inplace_input(const pdsi_backend_step *s)
{
    return pdsi_dnn_step_inplace_input((const pdsi_dnn_step *)s);
}

static bool step_int8(const pdsi_backend_step *s)
{
    return pdsi_dnn_step_int8((const pdsi_dnn_step *)s);
}

static const char *step_impl(const pdsi_backend_step *s)
{
    return pdsi_dnn_step_impl((const pdsi_dnn_step *)s);
}

/* ---- per predictor -------------------------------------------------------------- */

static pds_status stream_create(void *state, void **stream, pds_error *err)
{
    (void)state;
    pdsi_dnn_stream *s = NULL;
    pds_status st = pdsi_dnn_stream_create(&s, err);
    *stream = s;
    return st;
}

static void stream_free(void *stream)
{
    pdsi_dnn_stream_free(stream);
}

static void describe(char *buf, size_t cap)
{
    const dnnl_version_t *v = dnnl_version();
    snprintf(buf, cap, "onednn %d.%d.%d", v->major, v->minor, v->patch);
}

const pdsi_backend pdsi_backend_onednn = {
    .name = "onednn",
    .describe = describe,
    .needs_executor = true,
    .plain_params = false,
    .bf16 = true,
    .model_create = model_create,
    .model_free = model_free,
    .packed_bytes = packed_bytes,
    .param_plain = param_plain,
    .pack_begin = pack_begin,
    .pack_part = pack_part,
    .pack_end = pack_end,
    .step_create = step_create,
    .convert_create = convert_create,
    .step_run = step_run,
    .step_free = step_free,
    .step_scratch = step_scratch,
    .step_temp_bytes = step_temp_bytes,
    .step_inplace_input = step_inplace_input,
    .step_impl = step_impl,
    .step_int8 = step_int8,
    .stream_create = stream_create,
    .stream_free = stream_free,
};
