/*
 * misc.c — oneDNN steps for concat, resampling, softmax / log_softmax,
 * layer_norm and batch_norm, each only where oneDNN computes what Paddle
 * computes:
 *
 *   - concat along any axis with the axis as an attribute; 4-D inputs stay
 *     NHWC when they are (bf16 when one is: PDS_PRECISION_BF16);
 *   - nearest_interp(_v2) without align_corners and with whole upscaling
 *     factors: Paddle's floor(k * in / out) and oneDNN's
 *     floor((k + 0.5) * in / out) pick the same source pixel then;
 *   - bilinear_interp(_v2) with half-pixel centres (align_corners false,
 *     align_mode 0) and Paddle's ratio equal to in / out: then Paddle's
 *     source coordinate (k + 0.5) * in / out - 0.5, clamped at 0, with the
 *     upper neighbour clamped at the last row, is oneDNN's linear
 *     resampling's, edges included. Neither resampling takes a Scale
 *     tensor that is not a parameter: its value sets the ratio without
 *     always changing the output shape, and a plan is only rebuilt for new
 *     shapes;
 *   - softmax and log_softmax over a dim that is innermost in memory (the
 *     last dim, or the channels of an NHWC tensor); log_softmax clips the
 *     shifted logits at -64 as Paddle does (see dnn_softmax);
 *   - layer_norm over the trailing dims, writing Mean and Variance too;
 *   - batch_norm with parameter statistics as one per-channel multiply-add,
 *     in the input's layout.
 *
 * Concat and resampling also read and write the bf16 layouts (backend.h);
 * the others are shown float32 layouts only (dnn.c).
 */
#include "backend/onednn/dnn.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "ops/interp.h"
#include "ops/norm.h"
#include "backend/onednn/dnn-impl.h"
#include "ops/shape.h"

static pds_status dnn_concat(const pdsi_node *node, pdsi_dnn_io *in, int n_in, pdsi_dnn_io *out,
                             pdsi_dnn_step **step, pds_error *err)
{
    const pdsi_axis_params *p = node->params;
    int nx = node->in_off[1] - node->in_off[0];
    if (nx < 1 || nx != n_in || nx > PDSI_DNN_MAX_ARGS - 2) /* no AxisTensor */
        return PDS_OK;
    const pdsi_tensor *o = out[0].t;
    int rank = o->rank;
    int64_t axis = p->axis < 0 ? p->axis + rank : p->axis;
    if (rank < 1 || rank > 6 || axis < 0 || axis >= rank || o->dtype != PDS_FLOAT32)
        return PDS_OK;
    /* The 4-D inputs' common layout (NHWC or nChw16c; the output of a
     * channel concat of nChw16c inputs stays unpadded), plain otherwise;
     * its bf16 form when an input is bf16 (the others are converted). */
    uint8_t lay = rank == 4 ? pdsi_layout_fp32(in[0].layout) : PDSI_LAYOUT_PLAIN;
    bool bf16 = false;
    for (int k = 0; k < nx; k++) {
        if (in[k].t->dtype != PDS_FLOAT32 || in[k].t->rank != rank)
            return PDS_OK;
        if (pdsi_layout_fp32(in[k].layout) != lay)
            lay = PDSI_LAYOUT_PLAIN;
        bf16 |= pdsi_layout_is_bf16(in[k].layout);
    }
    if (bf16)
        lay = pdsi_layout_bf16(lay); /* plain stays float32 */
    dnnl_memory_desc_t mds[PDSI_DNN_MAX_ARGS], mo;
    for (int k = 0; k < nx; k++)
        if (pdsi_dnn_md(&mds[k], in[k].t->dims, rank, lay))
            return PDS_OK;
    if (pdsi_dnn_md(&mo, o->dims, rank, lay))
        return PDS_OK;
    dnnl_primitive_attr_t attr = pdsi_dnn_attr_make(NULL, NULL);
    if (!attr)
        return PDS_OK;
    dnnl_primitive_desc_t pd = NULL;
    if (dnnl_concat_primitive_desc_create(&pd, &mo, nx, (int)axis, mds, attr,
                                          pdsi_dnn_engine()) != dnnl_success)
        pd = NULL;
    dnnl_primitive_attr_destroy(attr);
    if (!pd)
        return PDS_OK;
    pdsi_dnn_arg args[PDSI_DNN_MAX_ARGS];
    for (int k = 0; k < nx; k++)
        args[k] = (pdsi_dnn_arg){DNNL_ARG_MULTIPLE_SRC + k, &mds[k], k, NULL};
    args[nx] = (pdsi_dnn_arg){DNNL_ARG_DST, &mo, PDSI_BIND_OUT0, NULL};
    pds_status st = pdsi_dnn_make_step(pd, args, nx + 1, step, err);
    if (!st && *step) {
        for (int k = 0; k < nx; k++)
            in[k].want = lay;
        out[0].layout = lay;
    }
    return st;
}

static pds_status dnn_interp(const pdsi_node *node, pdsi_dnn_io *in, int n_in, pdsi_dnn_io *out,
                             pdsi_dnn_step **step, pds_error *err)
{
    const pdsi_interp_params *p = node->params;
    const pdsi_tensor *x = in[0].t, *o = out[0].t;
    const bool linear = p->method == PDSI_INTERP_BILINEAR;
    if ((!linear && p->method != PDSI_INTERP_NEAREST) || p->align_corners ||
        (linear && p->align_mode != 0) || x->rank != 4 || x->dtype != PDS_FLOAT32 ||
        o->rank != 4)
        return PDS_OK;
    /* A Scale tensor only if it is a constant (see the file comment). */
    int isc = node->in_off[4] > node->in_off[3] ? node->in_off[3] : -1;
    if (isc >= 0 && (isc >= n_in || !in[isc].param || !in[isc].t->data))
        return PDS_OK;
    int64_t ih = x->dims[2], iw = x->dims[3], oh = o->dims[2], ow = o->dims[3];
    if (!linear && (oh % ih || ow % iw))
        return PDS_OK;
    /* The sampling ratio must be in / out: a scale attribute disagreeing
     * with an OutSize, or flooring in * scale, changes Paddle's ratio (and
     * our reference kernel follows it). Same size is a copy either way. */
    pdsi_tensor *list[16];
    int a = node->in_off[2], b = node->in_off[3];
    if (b - a > 16 || n_in < node->in_off[4])
        return PDS_OK;
    for (int k = a; k < b; k++)
        list[k - a] = in[k].t;
    pdsi_slot size_list = {list, b - a};
    const pdsi_tensor *out_size = node->in_off[2] > node->in_off[1] ? in[node->in_off[1]].t : NULL;
    pdsi_interp_geom g;
    if (pdsi_interp_resolve(p, x, out_size, &size_list, isc >= 0 ? in[isc].t : NULL, &g, NULL) !=
        PDS_OK)
        return PDS_OK;
    if (g.out_h != oh || g.out_w != ow ||
        (!g.copy && (g.ratio_h != (float)ih / (float)oh || g.ratio_w != (float)iw / (float)ow)))
        return PDS_OK;
    uint8_t lay = in[0].layout;
    dnnl_memory_desc_t mx, mo;
    if (pdsi_dnn_md(&mx, x->dims, 4, lay) || pdsi_dnn_md(&mo, o->dims, 4, lay))
        return PDS_OK;
    dnnl_resampling_desc_t rd;
    if (dnnl_resampling_forward_desc_init(&rd, dnnl_forward_inference,
                                          linear ? dnnl_resampling_linear
                                                 : dnnl_resampling_nearest,
                                          NULL, &mx, &mo) != dnnl_success)
        return PDS_OK;
    dnnl_primitive_desc_t pd = pdsi_dnn_fast_pd(&rd, NULL, NULL);
    if (!pd)
        return PDS_OK;
    const pdsi_dnn_arg args[2] = {{DNNL_ARG_SRC, &mx, 0, NULL},
                                  {DNNL_ARG_DST, &mo, PDSI_BIND_OUT0, NULL}};
    pds_status st = pdsi_dnn_make_step(pd, args, 2, step, err);
    if (!st && *step) {
        in[0].want = lay;
        for (int k = 1; k < n_in; k++)
            in[k].want = in[k].layout;
        out[0].layout = lay;
    }
    return st;
}

/* softmax and log_softmax over a dim that is contiguous in memory, seen as
 * a [rows, n] matrix. Paddle clips the max-shifted logits at -64 before
 * exp; only log_softmax shows it (softmax's terms there are below 1e-27),
 * so log_softmax is three primitives: the row maxima less 64 (a max
 * reduction with a linear post-op), X raised to them (binary max, into Out),
 * then log-softmax in place: exactly Paddle's clip(x - max) - log(sum). */
static pds_status dnn_softmax(const pdsi_node *node, pdsi_dnn_io *in, pdsi_dnn_io *out,
                              pdsi_dnn_step **step, pds_error *err)
{
    const pdsi_softmax_params *p = node->params;
    const pdsi_tensor *x = in[0].t;
    if (x->dtype != PDS_FLOAT32 || x->rank < 1)
        return PDS_OK;
    int axis = p->axis < 0 ? p->axis + x->rank : p->axis;
    if (axis < 0 || axis >= x->rank)
        return PDS_OK;
    int64_t n = x->dims[axis], inner = 1;
    for (int i = axis + 1; i < x->rank; i++)
        inner *= x->dims[i];
    /* oneDNN 2.6 runs softmax over a strided dim with its reference kernel. */
    uint8_t lay = PDSI_LAYOUT_PLAIN;
    if (x->rank == 4 && axis == 1 && in[0].layout == PDSI_LAYOUT_NHWC)
        lay = PDSI_LAYOUT_NHWC;
    else if (inner != 1)
        return PDS_OK;
    const int64_t rows = pdsi_tensor_numel(x) / n, d2[2] = {rows, n}, r2[2] = {rows, 1};
    dnnl_memory_desc_t mx, mrow;
    if (pdsi_dnn_md(&mx, d2, 2, PDSI_LAYOUT_PLAIN) || pdsi_dnn_md(&mrow, r2, 2, PDSI_LAYOUT_PLAIN))
        return PDS_OK;
    /* pd[0]: reduction, pd[1]: binary max (log only), pd[2]: softmax. */
    dnnl_primitive_desc_t pd[3] = {NULL, NULL, NULL};
    dnnl_softmax_v2_desc_t sd;
    if (dnnl_softmax_v2_forward_desc_init(&sd, dnnl_forward_inference,
                                          p->log ? dnnl_softmax_log : dnnl_softmax_accurate, &mx,
                                          &mx, 1) == dnnl_success)
        pd[2] = pdsi_dnn_fast_pd(&sd, NULL, NULL);
    bool ok = pd[2] != NULL;
    if (ok && p->log) {
        dnnl_post_ops_t po = NULL;
        dnnl_reduction_desc_t rd;
        dnnl_binary_desc_t bd;
        if (dnnl_post_ops_create(&po) == dnnl_success &&
            dnnl_post_ops_append_eltwise(po, 1.0f, dnnl_eltwise_linear, 1.0f, -64.0f) ==
                dnnl_success &&
            dnnl_reduction_desc_init(&rd, dnnl_reduction_max, &mx, &mrow, 0.0f, 0.0f) ==
                dnnl_success)
            pd[0] = pdsi_dnn_fast_pd(&rd, po, NULL);
        if (po)
            dnnl_post_ops_destroy(po);
        if (dnnl_binary_desc_init(&bd, dnnl_binary_max, &mx, &mrow, &mx) == dnnl_success)
            pd[1] = pdsi_dnn_fast_pd(&bd, NULL, NULL);
        ok = pd[0] && pd[1];
    }
    pdsi_dnn_step *s = ok ? pdsi_dnn_step_new() : NULL;
    if (!s) {
        for (int k = 0; k < 3; k++)
            if (pd[k])
                dnnl_primitive_desc_destroy(pd[k]);
        return ok ? pdsi_fail(err, PDS_ERR_OUT_OF_MEMORY, "could not allocate a step") : PDS_OK;
    }
    /* Each finish takes its descriptor; the ones not reached are freed below. */
    pds_status st = PDS_OK;
    if (p->log) {
        size_t tmp = pdsi_dnn_step_temp(s, (size_t)rows * sizeof(float));
        if (!(st = pdsi_dnn_step_arg(s, DNNL_ARG_SRC, &mx, 0, NULL, err)) &&
            !(st = pdsi_dnn_step_arg_temp(s, DNNL_ARG_DST, &mrow, tmp, err))) {
            st = pdsi_dnn_step_finish(s, pd[0], err);
            pd[0] = NULL;
        }
        if (!st && !(st = pdsi_dnn_step_arg(s, DNNL_ARG_SRC_0, &mx, 0, NULL, err)) &&
            !(st = pdsi_dnn_step_arg_temp(s, DNNL_ARG_SRC_1, &mrow, tmp, err)) &&
            !(st = pdsi_dnn_step_arg(s, DNNL_ARG_DST, &mx, PDSI_BIND_OUT0, NULL, err))) {
            st = pdsi_dnn_step_finish(s, pd[1], err);
            pd[1] = NULL;
        }
    }
    if (!st && !(st = pdsi_dnn_step_arg(s, DNNL_ARG_SRC, &mx, p->log ? PDSI_BIND_OUT0 : 0, NULL,
                                        err)) &&
        !(st = pdsi_dnn_step_arg(s, DNNL_ARG_DST, &mx, PDSI_BIND_OUT0, NULL, err))) {
        st = pdsi_dnn_step_finish(s, pd[2], err);
        pd[2] = NULL;
    }
    for (int k = 0; k < 3; k++)
        if (pd[k])
            dnnl_primitive_desc_destroy(pd[k]);
    if (st) {
        pdsi_dnn_step_free(s);
        return st;
    }
    in[0].want = lay;
    out[0].layout = lay;
    *step = s;
    return PDS_OK;
}

static pds_status dnn_layer_norm(const pdsi_node *node, pdsi_dnn_io *in, int n_in,
                                 pdsi_dnn_io *out, int n_out, pdsi_dnn_step **step,
                                 pds_error *err)
{
    const pdsi_layer_norm_params *p = node->params;
    const pdsi_tensor *x = in[0].t;
    int isc = node->in_off[2] > node->in_off[1] ? node->in_off[1] : -1;
    int ibi = node->in_off[3] > node->in_off[2] ? node->in_off[2] : -1;
    /* Mean / Variance (when written) follow Y in slot order. */
    int om = node->out_off[2] > node->out_off[1] ? node->out_off[1] - node->out_off[0] : -1;
    int ov = node->out_off[3] > node->out_off[2] ? node->out_off[2] - node->out_off[0] : -1;
    if (x->dtype != PDS_FLOAT32 || isc < 0 || ibi < 0 || !in[isc].param || !in[ibi].param ||
        !in[isc].t->data || !in[ibi].t->data || n_out < 1)
        return PDS_OK;
    (void)n_in;
    int64_t rows = 1, cols = 1;
    for (int i = 0; i < x->rank; i++) {
        if (i < p->begin_norm_axis)
            rows *= x->dims[i];
        else
            cols *= x->dims[i];
    }
    const int64_t d2[2] = {rows, cols};
    dnnl_memory_desc_t mx, ms, mstat;
    if (pdsi_dnn_md(&mx, d2, 2, PDSI_LAYOUT_PLAIN) || pdsi_dnn_md(&ms, &cols, 1, PDSI_LAYOUT_PLAIN) ||
        pdsi_dnn_md(&mstat, &rows, 1, PDSI_LAYOUT_PLAIN))
        return PDS_OK;
    bool stats = om >= 0 || ov >= 0;
    dnnl_layer_normalization_desc_t ld;
    dnnl_primitive_desc_t pd = NULL;
    if (dnnl_layer_normalization_forward_desc_init(
            &ld, stats ? dnnl_forward_training : dnnl_forward_inference, &mx, &mstat, p->epsilon,
            dnnl_use_scale | dnnl_use_shift) == dnnl_success)
        pd = pdsi_dnn_pd(&ld, NULL, NULL);
    if (!pd)
        return PDS_OK;
    pdsi_dnn_arg args[6];
    int n = 0;
    args[n++] = (pdsi_dnn_arg){DNNL_ARG_SRC, &mx, 0, NULL};
    args[n++] = (pdsi_dnn_arg){DNNL_ARG_SCALE, &ms, PDSI_BIND_CONST, in[isc].t->data};
    args[n++] = (pdsi_dnn_arg){DNNL_ARG_SHIFT, &ms, PDSI_BIND_CONST, in[ibi].t->data};
    args[n++] = (pdsi_dnn_arg){DNNL_ARG_DST, &mx, PDSI_BIND_OUT0, NULL};
    if (stats) {
        /* oneDNN writes both statistics in training mode: both must exist. */
        if (om < 0 || ov < 0) {
            dnnl_primitive_desc_destroy(pd);
            return PDS_OK;
        }
        args[n++] = (pdsi_dnn_arg){DNNL_ARG_MEAN, &mstat, PDSI_BIND_OUT0 - om, NULL};
        args[n++] = (pdsi_dnn_arg){DNNL_ARG_VARIANCE, &mstat, PDSI_BIND_OUT0 - ov, NULL};
    }
    pds_status st = pdsi_dnn_make_step(pd, args, n, step, err);
    if (!st && *step) {
        for (int k = 0; k < n_in; k++)
            in[k].want = PDSI_LAYOUT_PLAIN;
        for (int k = 0; k < n_out; k++)
            out[k].layout = PDSI_LAYOUT_PLAIN;
    }
    return st;
}

/* True if a node reads v or the graph hands it out. */
static bool value_read(const pdsi_graph *g, int32_t v)
{
    for (int32_t i = 0; i < g->n_outputs; i++)
        if (g->outputs[i] == v)
            return true;
    for (int32_t i = 0; i < g->n_nodes; i++) {
        const pdsi_node *node = &g->nodes[i];
        for (uint16_t a = 0; a < node->in_off[node->n_in_slots]; a++)
            if (node->vals[a] == v)
                return true;
    }
    return false;
}

pds_status pdsi_dnn_batch_norm(const pdsi_graph *g, const pdsi_node *node, pdsi_dnn_io *in,
                               int n_in, pdsi_dnn_io *out, int n_out, pdsi_dnn_step **step,
                               pds_error *err)
{
    *step = NULL;
    const pdsi_batch_norm_params *p = node->params;
    const pdsi_tensor *x = in[0].t;
    if (n_out < 1 || node->in_off[1] != 1 || node->out_off[1] - node->out_off[0] != 1 ||
        x->dtype != PDS_FLOAT32 || x->rank < 2 || x->rank > 5 ||
        pdsi_tensor_numel(out[0].t) == 0)
        return PDS_OK;
    /* Only Y is written: the statistics outputs (copies and zeros, for
     * training) must be unread. */
    for (int k = 1; k < n_out; k++)
        if (out[k].value < 0 || value_read(g, out[k].value))
            return PDS_OK;
    /* Scale, Bias, Mean, Variance: constants, one tensor each. */
    const int64_t c = x->dims[1];
    const float *v[4];
    for (int k = 0; k < 4; k++) {
        int a = node->in_off[k + 1];
        if (node->in_off[k + 2] - a != 1 || a >= n_in || !in[a].param || !in[a].t->data ||
            in[a].t->dtype != PDS_FLOAT32 || pdsi_tensor_numel(in[a].t) != c)
            return PDS_OK;
        v[k] = in[a].t->data;
    }
    /* Y = X * s + b per channel, s and b made in double exactly as the
     * reference kernel makes them. */
    float *sb = malloc(sizeof *sb * 2 * (size_t)c);
    if (!sb)
        return pdsi_fail(err, PDS_ERR_OUT_OF_MEMORY, "could not allocate a batch norm's scale");
    for (int64_t i = 0; i < c; i++) {
        double inv = 1.0 / sqrt((double)v[3][i] + (double)p->epsilon);
        sb[i] = (float)((double)v[0][i] * inv);
        sb[c + i] = (float)((double)v[1][i] - (double)v[2][i] * (double)v[0][i] * inv);
    }
    /* A 4-D input stays channels-last (oneDNN's per-channel binary has no
     * fast nChw16c form); other ranks are plain. */
    uint8_t lay = x->rank == 4 && in[0].layout != PDSI_LAYOUT_PLAIN ? PDSI_LAYOUT_NHWC
                                                                  : PDSI_LAYOUT_PLAIN;
    int64_t cd[5] = {1, c, 1, 1, 1};
    dnnl_memory_desc_t mx, mc;
    dnnl_post_ops_t po = NULL;
    dnnl_binary_desc_t bd;
    dnnl_primitive_desc_t pd = NULL;
    if (pdsi_dnn_md(&mx, x->dims, x->rank, lay) == dnnl_success &&
        pdsi_dnn_md(&mc, cd, x->rank, PDSI_LAYOUT_PLAIN) == dnnl_success &&
        dnnl_post_ops_create(&po) == dnnl_success &&
        dnnl_post_ops_append_binary(po, dnnl_binary_add, &mc) == dnnl_success &&
        dnnl_binary_desc_init(&bd, dnnl_binary_mul, &mx, &mc, &mx) == dnnl_success)
        pd = pdsi_dnn_fast_pd(&bd, po, NULL);
    if (po)
        dnnl_post_ops_destroy(po);
    if (!pd) {
        free(sb);
        return PDS_OK;
    }
    const pdsi_dnn_arg args[4] = {
        {DNNL_ARG_SRC_0, &mx, 0, NULL},
        {DNNL_ARG_SRC_1, &mc, PDSI_BIND_CONST, sb},
        {DNNL_ARG_ATTR_MULTIPLE_POST_OP(0) | DNNL_ARG_SRC_1, &mc, PDSI_BIND_CONST, sb + c},
        {DNNL_ARG_DST, &mx, PDSI_BIND_OUT0, NULL},
    };
    pds_status st = pdsi_dnn_make_step(pd, args, 4, step, err);
    if (st || !*step) {
        free(sb);
        return st;
    }
    (*step)->owned = sb;
    for (int k = 0; k < n_in; k++)
        in[k].want = in[k].layout;
    in[0].want = lay;
    for (int k = 0; k < n_out; k++)
        out[k].layout = PDSI_LAYOUT_PLAIN;
    out[0].layout = lay;
    return PDS_OK;
}

pds_status pdsi_dnn_misc(const pdsi_graph *g, const pdsi_node *node, pdsi_dnn_io *in, int n_in,
                         pdsi_dnn_io *out, int n_out, pdsi_dnn_step **step, pds_error *err)
{
    (void)g;
    *step = NULL;
    if (n_out < 1)
        return PDS_OK;
    switch (node->def->id) {
    case PDSI_OP_CONCAT:
        return n_out == 1 ? dnn_concat(node, in, n_in, out, step, err) : PDS_OK;
    case PDSI_OP_NEAREST_INTERP_V2:
    case PDSI_OP_NEAREST_INTERP:
    case PDSI_OP_BILINEAR_INTERP_V2:
    case PDSI_OP_BILINEAR_INTERP:
        return n_out == 1 ? dnn_interp(node, in, n_in, out, step, err) : PDS_OK;
    case PDSI_OP_SOFTMAX:
    case PDSI_OP_LOG_SOFTMAX:
        return n_in == 1 && n_out == 1 ? dnn_softmax(node, in, out, step, err) : PDS_OK;
    case PDSI_OP_LAYER_NORM:
        return dnn_layer_norm(node, in, n_in, out, n_out, step, err);
    default:
        return PDS_OK;
    }
}
