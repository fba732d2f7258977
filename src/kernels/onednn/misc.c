/*
 * misc.c — oneDNN steps for concat, nearest upsampling, softmax and
 * layer_norm, each only where oneDNN computes what Paddle computes:
 *
 *   - concat along any axis with the axis as an attribute; 4-D inputs stay
 *     NHWC when they are;
 *   - nearest_interp(_v2) without align_corners and with whole upscaling
 *     factors: Paddle's floor(k * in / out) and oneDNN's
 *     floor((k + 0.5) * in / out) pick the same source pixel then;
 *   - softmax (not log_softmax: Paddle clips shifted logits at -64 first,
 *     which only log_softmax can tell);
 *   - layer_norm over the trailing dims, writing Mean and Variance too.
 */
#include "kernels/onednn/dnn.h"

#ifdef PDSAFE_HAVE_ONEDNN

#include <string.h>

#include "kernels/interp.h"
#include "kernels/norm.h"
#include "kernels/onednn/dnn-impl.h"
#include "kernels/shape.h"

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
     * channel concat of nChw16c inputs stays unpadded), plain otherwise. */
    uint8_t lay = rank == 4 ? in[0].layout : PDSI_LAYOUT_PLAIN;
    for (int k = 0; k < nx; k++) {
        if (in[k].t->dtype != PDS_FLOAT32 || in[k].t->rank != rank)
            return PDS_OK;
        if (in[k].layout != lay)
            lay = PDSI_LAYOUT_PLAIN;
    }
    dnnl_memory_desc_t mds[PDSI_DNN_MAX_ARGS], mo;
    for (int k = 0; k < nx; k++)
        if (pdsi_dnn_md(&mds[k], in[k].t->dims, rank, lay))
            return PDS_OK;
    if (pdsi_dnn_md(&mo, o->dims, rank, lay))
        return PDS_OK;
    dnnl_primitive_attr_t attr;
    if (pdsi_dnn_attr(&attr) != dnnl_success)
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

static pds_status dnn_nearest(const pdsi_node *node, pdsi_dnn_io *in, int n_in, pdsi_dnn_io *out,
                              pdsi_dnn_step **step, pds_error *err)
{
    const pdsi_interp_params *p = node->params;
    const pdsi_tensor *x = in[0].t, *o = out[0].t;
    if (p->method != PDSI_INTERP_NEAREST || p->align_corners || x->rank != 4 ||
        x->dtype != PDS_FLOAT32 || o->rank != 4)
        return PDS_OK;
    int64_t ih = x->dims[2], iw = x->dims[3], oh = o->dims[2], ow = o->dims[3];
    if (oh % ih || ow % iw)
        return PDS_OK;
    /* The sampling ratio must be in / out: a scale disagreeing with an
     * OutSize changes Paddle's ratio (and our reference kernel follows it). */
    pdsi_tensor *list[16];
    int a = node->in_off[2], b = node->in_off[3];
    if (b - a > 16 || n_in < node->in_off[4])
        return PDS_OK;
    for (int k = a; k < b; k++)
        list[k - a] = in[k].t;
    pdsi_slot size_list = {list, b - a};
    const pdsi_tensor *out_size = node->in_off[2] > node->in_off[1] ? in[node->in_off[1]].t : NULL;
    const pdsi_tensor *scale = node->in_off[4] > node->in_off[3] ? in[node->in_off[3]].t : NULL;
    pdsi_interp_geom g;
    if (pdsi_interp_resolve(p, x, out_size, &size_list, scale, &g, NULL) != PDS_OK)
        return PDS_OK;
    if (g.out_h != oh || g.out_w != ow || g.ratio_h != (float)ih / (float)oh ||
        g.ratio_w != (float)iw / (float)ow)
        return PDS_OK;
    uint8_t lay = in[0].layout;
    dnnl_memory_desc_t mx, mo;
    if (pdsi_dnn_md(&mx, x->dims, 4, lay) || pdsi_dnn_md(&mo, o->dims, 4, lay))
        return PDS_OK;
    dnnl_primitive_attr_t attr;
    if (pdsi_dnn_attr(&attr) != dnnl_success)
        return PDS_OK;
    dnnl_resampling_desc_t rd;
    dnnl_primitive_desc_t pd = NULL;
    if (dnnl_resampling_forward_desc_init(&rd, dnnl_forward_inference, dnnl_resampling_nearest,
                                          NULL, &mx, &mo) == dnnl_success &&
        dnnl_primitive_desc_create(&pd, &rd, attr, pdsi_dnn_engine(), NULL) != dnnl_success)
        pd = NULL;
    dnnl_primitive_attr_destroy(attr);
    if (!pd)
        return PDS_OK;
    const pdsi_dnn_arg args[2] = {{DNNL_ARG_SRC, &mx, 0, NULL}, {DNNL_ARG_DST, &mo, PDSI_BIND_OUT0, NULL}};
    pds_status st = pdsi_dnn_make_step(pd, args, 2, step, err);
    if (!st && *step) {
        in[0].want = lay;
        for (int k = 1; k < n_in; k++)
            in[k].want = in[k].layout;
        out[0].layout = lay;
    }
    return st;
}

static pds_status dnn_softmax(const pdsi_node *node, pdsi_dnn_io *in, pdsi_dnn_io *out,
                              pdsi_dnn_step **step, pds_error *err)
{
    const pdsi_softmax_params *p = node->params;
    const pdsi_tensor *x = in[0].t;
    if (p->log || x->dtype != PDS_FLOAT32 || x->rank < 1 || x->rank > 6)
        return PDS_OK;
    int axis = p->axis < 0 ? p->axis + x->rank : p->axis;
    if (axis < 0 || axis >= x->rank)
        return PDS_OK;
    dnnl_memory_desc_t md;
    if (pdsi_dnn_md(&md, x->dims, x->rank, PDSI_LAYOUT_PLAIN))
        return PDS_OK;
    dnnl_primitive_attr_t attr;
    if (pdsi_dnn_attr(&attr) != dnnl_success)
        return PDS_OK;
    dnnl_softmax_v2_desc_t sd;
    dnnl_primitive_desc_t pd = NULL;
    if (dnnl_softmax_v2_forward_desc_init(&sd, dnnl_forward_inference, dnnl_softmax_accurate, &md,
                                          &md, axis) == dnnl_success &&
        dnnl_primitive_desc_create(&pd, &sd, attr, pdsi_dnn_engine(), NULL) != dnnl_success)
        pd = NULL;
    dnnl_primitive_attr_destroy(attr);
    if (!pd)
        return PDS_OK;
    const pdsi_dnn_arg args[2] = {{DNNL_ARG_SRC, &md, 0, NULL}, {DNNL_ARG_DST, &md, PDSI_BIND_OUT0, NULL}};
    pds_status st = pdsi_dnn_make_step(pd, args, 2, step, err);
    if (!st && *step) {
        in[0].want = PDSI_LAYOUT_PLAIN;
        out[0].layout = PDSI_LAYOUT_PLAIN;
    }
    return st;
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
    dnnl_primitive_attr_t attr;
    if (pdsi_dnn_attr(&attr) != dnnl_success)
        return PDS_OK;
    dnnl_layer_normalization_desc_t ld;
    dnnl_primitive_desc_t pd = NULL;
    if (dnnl_layer_normalization_forward_desc_init(
            &ld, stats ? dnnl_forward_training : dnnl_forward_inference, &mx, &mstat, p->epsilon,
            dnnl_use_scale | dnnl_use_shift) == dnnl_success &&
        dnnl_primitive_desc_create(&pd, &ld, attr, pdsi_dnn_engine(), NULL) != dnnl_success)
        pd = NULL;
    dnnl_primitive_attr_destroy(attr);
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

pds_status pdsi_dnn_misc(const pdsi_graph *g, const pdsi_node *node, pdsi_dnn_io *in, int n_in,
                         pdsi_dnn_io *out, int n_out, pdsi_dnn_step **step, pds_error *err)
{
    (void)g;
    *step = NULL;
    const char *t = node->def->type;
    if (n_out < 1)
        return PDS_OK;
    if (strcmp(t, "concat") == 0 && n_out == 1)
        return dnn_concat(node, in, n_in, out, step, err);
    if ((strcmp(t, "nearest_interp_v2") == 0 || strcmp(t, "nearest_interp") == 0) && n_out == 1)
        return dnn_nearest(node, in, n_in, out, step, err);
    if (strcmp(t, "softmax") == 0 && n_in == 1 && n_out == 1)
        return dnn_softmax(node, in, out, step, err);
    if (strcmp(t, "layer_norm") == 0)
        return dnn_layer_norm(node, in, n_in, out, n_out, step, err);
    return PDS_OK;
}

#endif
