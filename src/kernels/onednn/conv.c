/*
 * conv.c — the fused convolution (pdsafe_conv) on oneDNN: forward, depthwise
 * and grouped convolutions and transposed ones (deconvolution), NHWC
 * activations, filters packed once per model in the layout the primitive
 * asks for, bias, and the post-operations (activations as eltwise post-ops,
 * the residual as a sum post-op accumulating into an output that shares the
 * residual's storage).
 */
#include "kernels/onednn/dnn.h"

#ifdef PDSAFE_HAVE_ONEDNN

#include <stdlib.h>
#include <string.h>

#include "ops/activation.h"
#include "ops/fused.h"
#include "kernels/onednn/dnn-impl.h"

bool pdsi_dnn_post_unary(dnnl_post_ops_t po, int kind, float a, float b, float c)
{
    dnnl_alg_kind_t alg;
    float alpha = 0.0f, beta = 0.0f;
    switch (kind) {
    case PDSI_UNARY_RELU: alg = dnnl_eltwise_relu; break;
    case PDSI_UNARY_RELU6: alg = dnnl_eltwise_clip_v2; alpha = 0.0f; beta = a; break;
    case PDSI_UNARY_SIGMOID: alg = dnnl_eltwise_logistic; break;
    case PDSI_UNARY_TANH: alg = dnnl_eltwise_tanh; break;
    case PDSI_UNARY_SWISH: alg = dnnl_eltwise_swish; alpha = a; break;
    case PDSI_UNARY_SILU: alg = dnnl_eltwise_swish; alpha = 1.0f; break;
    case PDSI_UNARY_HARD_SWISH:
        /* oneDNN 2.6's hardswish is Paddle's with the default attributes. */
        if (a != 3.0f || b != 6.0f || c != 6.0f)
            return false;
        alg = dnnl_eltwise_hardswish;
        break;
    case PDSI_UNARY_HARD_SIGMOID:
        return dnnl_post_ops_append_eltwise(po, 1.0f, dnnl_eltwise_linear, a, b) ==
                   dnnl_success &&
               dnnl_post_ops_append_eltwise(po, 1.0f, dnnl_eltwise_clip_v2, 0.0f, 1.0f) ==
                   dnnl_success;
    case PDSI_UNARY_GELU: alg = dnnl_eltwise_gelu_erf; break;
    case PDSI_UNARY_GELU_TANH: alg = dnnl_eltwise_gelu_tanh; break;
    case PDSI_UNARY_LEAKY_RELU:
        /* max(x, a x) is relu with slope a only for a < 1. */
        if (!(a < 1.0f))
            return false;
        alg = dnnl_eltwise_relu;
        alpha = a;
        break;
    case PDSI_UNARY_CLIP: alg = dnnl_eltwise_clip_v2; alpha = a; beta = b; break;
    case PDSI_UNARY_EXP: alg = dnnl_eltwise_exp; break;
    case PDSI_UNARY_SQRT: alg = dnnl_eltwise_sqrt; break;
    case PDSI_UNARY_ABS: alg = dnnl_eltwise_abs; break;
    case PDSI_UNARY_LOG: alg = dnnl_eltwise_log; break;
    case PDSI_UNARY_SQUARE: alg = dnnl_eltwise_square; break;
    case PDSI_UNARY_ELU: alg = dnnl_eltwise_elu; alpha = a; break;
    case PDSI_UNARY_POW: alg = dnnl_eltwise_pow; alpha = 1.0f; beta = a; break;
    default: return false;
    }
    return dnnl_post_ops_append_eltwise(po, 1.0f, alg, alpha, beta) == dnnl_success;
}


/* Builds the post-operations of p into po (activations; the residual as a sum
 * when allow_sum). False if one has no exact oneDNN form. */
static bool build_post(const pdsi_fconv_params *p, bool allow_sum, dnnl_post_ops_t po,
                       int *n_res)
{
    *n_res = 0;
    for (int i = 0; i < p->n_post; i++) {
        if (p->post[i].residual) {
            if (!allow_sum || ++*n_res != 1 || dnnl_post_ops_append_sum(po, 1.0f) != dnnl_success)
                return false;
        } else {
            const pdsi_unary_params *u = &p->post[i].unary;
            if (!pdsi_dnn_post_unary(po, u->kind, u->a, u->b, u->c))
                return false;
        }
    }
    return true;
}

static dnnl_primitive_attr_t attr_with_post(const pdsi_fconv_params *p)
{
    dnnl_primitive_attr_t attr;
    dnnl_post_ops_t po;
    int n_res;
    if (pdsi_dnn_attr(&attr) != dnnl_success)
        return NULL;
    if (dnnl_post_ops_create(&po) != dnnl_success) {
        dnnl_primitive_attr_destroy(attr);
        return NULL;
    }
    bool ok = build_post(p, false, po, &n_res) &&
              dnnl_primitive_attr_set_post_ops(attr, po) == dnnl_success;
    dnnl_post_ops_destroy(po);
    if (!ok) {
        dnnl_primitive_attr_destroy(attr);
        return NULL;
    }
    return attr;
}

/* A transposed convolution whose kernel equals its stride, unpadded and
 * ungrouped: every input pixel writes its own kh x kw output block, so it is
 * one matrix product [N*H*W, C] x [C, M*kh*kw] (Paddle's filter layout
 * already), with bias and activations fused, followed by a reorder that
 * scatters the blocks into the NHWC output. oneDNN 2.6's deconvolution runs
 * bias and post-ops in a slow separate pass; this form has none. */
static pds_status deconv_as_matmul(const pdsi_fconv_params *p, const pdsi_conv_geom *g,
                                   pdsi_dnn_io *in, int ix, int iw, int ib, pdsi_dnn_io *out,
                                   pdsi_dnn_step **step, pds_error *err)
{
    const int64_t rows = g->n * g->h * g->w, cols = g->m * g->kh * g->kw;
    const float *wdata = in[iw].t->data, *bias = ib >= 0 ? in[ib].t->data : NULL;
    if (!wdata || (ib >= 0 && !bias))
        return PDS_OK;
    dnnl_memory_desc_t mx, mw, mb, mo, from, to;
    dnnl_dims_t d2x = {rows, g->c}, d2w = {g->c, cols}, d2o = {rows, cols}, d2b = {1, cols};
    if (dnnl_memory_desc_init_by_tag(&mx, 2, d2x, dnnl_f32, dnnl_ab) ||
        dnnl_memory_desc_init_by_tag(&mw, 2, d2w, dnnl_f32, dnnl_ab) ||
        dnnl_memory_desc_init_by_tag(&mo, 2, d2o, dnnl_f32, dnnl_ab) ||
        dnnl_memory_desc_init_by_tag(&mb, 2, d2b, dnnl_f32, dnnl_ab))
        return PDS_OK;
    /* The scatter, as a reorder between two 6-D views of the same logical
     * index (n, h, w, m, i, j): the product is stored row-major in that
     * order, the NHWC output at ((n*H + h)*kh + i)*W*kw + w*kw + j, m last. */
    const int64_t H = g->h, W = g->w, M = g->m, KH = g->kh, KW = g->kw;
    dnnl_dims_t d6 = {g->n, H, W, M, KH, KW};
    dnnl_dims_t s_from = {H * W * M * KH * KW, W * M * KH * KW, M * KH * KW, KH * KW, KW, 1};
    dnnl_dims_t s_to = {H * KH * W * KW * M, KH * W * KW * M, KW * M, 1, W * KW * M, M};
    if (dnnl_memory_desc_init_by_strides(&from, 6, d6, dnnl_f32, s_from) ||
        dnnl_memory_desc_init_by_strides(&to, 6, d6, dnnl_f32, s_to))
        return PDS_OK;
    dnnl_primitive_attr_t attr = attr_with_post(p);
    if (!attr)
        return PDS_OK;
    dnnl_matmul_desc_t md;
    dnnl_primitive_desc_t mpd = NULL, rpd = NULL;
    if (dnnl_matmul_desc_init(&md, &mx, &mw, &mb, &mo) != dnnl_success ||
        dnnl_primitive_desc_create(&mpd, &md, attr, pdsi_dnn_engine(), NULL) != dnnl_success)
        mpd = NULL;
    dnnl_primitive_attr_destroy(attr);
    if (mpd && pdsi_dnn_attr(&attr) == dnnl_success) {
        if (dnnl_reorder_primitive_desc_create(&rpd, &from, pdsi_dnn_engine(), &to,
                                               pdsi_dnn_engine(), attr) != dnnl_success)
            rpd = NULL;
        dnnl_primitive_attr_destroy(attr);
    }
    if (!mpd || !rpd || !pdsi_dnn_pd_is_fast(mpd)) {
        if (mpd)
            dnnl_primitive_desc_destroy(mpd);
        if (rpd)
            dnnl_primitive_desc_destroy(rpd);
        return PDS_OK;
    }
    pdsi_dnn_step *s = pdsi_dnn_step_new();
    float *eb = malloc(sizeof *eb * (size_t)cols);
    pds_status st;
    if (!s || !eb) {
        free(eb);
        pdsi_dnn_step_free(s);
        dnnl_primitive_desc_destroy(mpd);
        dnnl_primitive_desc_destroy(rpd);
        return pdsi_fail(err, PDS_ERR_OUT_OF_MEMORY, "could not allocate a step");
    }
    /* Output column m*kh*kw + i*kw + j gets bias[m]. */
    for (int64_t c = 0; c < cols; c++)
        eb[c] = bias ? bias[c / (KH * KW)] : 0.0f;
    s->owned = eb;
    size_t tmp = pdsi_dnn_step_temp(s, (size_t)(rows * cols) * sizeof(float));
    if ((st = pdsi_dnn_step_arg(s, DNNL_ARG_SRC, &mx, ix, NULL, err)) ||
        (st = pdsi_dnn_step_arg(s, DNNL_ARG_WEIGHTS, &mw, PDSI_BIND_CONST, wdata, err)) ||
        (st = pdsi_dnn_step_arg(s, DNNL_ARG_BIAS, &mb, PDSI_BIND_CONST, eb, err)) ||
        (st = pdsi_dnn_step_arg_temp(s, DNNL_ARG_DST, &mo, tmp, err))) {
        dnnl_primitive_desc_destroy(mpd);
        dnnl_primitive_desc_destroy(rpd);
        pdsi_dnn_step_free(s);
        return st;
    }
    if ((st = pdsi_dnn_step_finish(s, mpd, err))) {
        dnnl_primitive_desc_destroy(rpd);
        pdsi_dnn_step_free(s);
        return st;
    }
    if ((st = pdsi_dnn_step_arg_temp(s, DNNL_ARG_FROM, &from, tmp, err)) ||
        (st = pdsi_dnn_step_arg(s, DNNL_ARG_TO, &to, PDSI_BIND_OUT0, NULL, err))) {
        dnnl_primitive_desc_destroy(rpd);
        pdsi_dnn_step_free(s);
        return st;
    }
    if ((st = pdsi_dnn_step_finish(s, rpd, err))) {
        pdsi_dnn_step_free(s);
        return st;
    }
    in[ix].want = PDSI_LAYOUT_NHWC;
    out[0].layout = PDSI_LAYOUT_NHWC;
    *step = s;
    return PDS_OK;
}

/* Appends dst = act(dst + bias) as a binary primitive with post-ops, in
 * place on the step's output. Leaves the step unchanged (one part) when an
 * activation has no oneDNN form. */
static pds_status bias_and_post(pdsi_dnn_step *s, const pdsi_fconv_params *p, const float *bias,
                                const dnnl_memory_desc_t *dst, int64_t m, pds_error *err)
{
    float *zeros = NULL;
    if (!bias) {
        zeros = calloc((size_t)m, sizeof *zeros);
        if (!zeros)
            return pdsi_fail(err, PDS_ERR_OUT_OF_MEMORY, "could not allocate a bias");
        s->owned = zeros;
        bias = zeros;
    }
    dnnl_memory_desc_t mb;
    dnnl_dims_t bd = {1, m, 1, 1};
    dnnl_primitive_attr_t attr = attr_with_post(p);
    if (!attr)
        return PDS_OK;
    dnnl_binary_desc_t bdsc;
    dnnl_primitive_desc_t pd = NULL;
    if (dnnl_memory_desc_init_by_tag(&mb, 4, bd, dnnl_f32, dnnl_abcd) != dnnl_success ||
        dnnl_binary_desc_init(&bdsc, dnnl_binary_add, dst, &mb, dst) != dnnl_success ||
        dnnl_primitive_desc_create(&pd, &bdsc, attr, pdsi_dnn_engine(), NULL) != dnnl_success)
        pd = NULL;
    dnnl_primitive_attr_destroy(attr);
    if (!pd)
        return PDS_OK;
    pds_status st;
    if ((st = pdsi_dnn_step_arg(s, DNNL_ARG_SRC_0, dst, PDSI_BIND_OUT0, NULL, err)) ||
        (st = pdsi_dnn_step_arg(s, DNNL_ARG_SRC_1, &mb, PDSI_BIND_CONST, bias, err)) ||
        (st = pdsi_dnn_step_arg(s, DNNL_ARG_DST, dst, PDSI_BIND_OUT0, NULL, err))) {
        dnnl_primitive_desc_destroy(pd);
        return st;
    }
    return pdsi_dnn_step_finish(s, pd, err);
}

bool pdsi_dnn_wino_candidate(const void *fconv_params, const pdsi_tensor *w)
{
    const pdsi_fconv_params *p = fconv_params;
    const pdsi_conv_params *c = &p->conv;
    return !c->transpose && c->groups == 1 && w->rank == 4 && w->dims[2] == 3 &&
           w->dims[3] == 3 && c->strides[0] == 1 && c->strides[1] == 1 && c->dilations[0] == 1 &&
           c->dilations[1] == 1 && c->padding_algorithm == PDSI_CONV_PAD_EXPLICIT &&
           w->dims[0] % 16 == 0 && w->dims[1] % 16 == 0 && w->dims[0] >= 64 && w->dims[1] >= 64;
}

/* The flat io index of slot k's tensor, or -1 when the slot is empty. */
static int slot_io(const pdsi_node *node, int k)
{
    return node->in_off[k + 1] > node->in_off[k] ? node->in_off[k] : -1;
}

pds_status pdsi_dnn_conv(pdsi_dnn_model *dm, const pdsi_graph *g, const pdsi_node *node,
                         pdsi_dnn_io *in, int n_in, pdsi_dnn_io *out, int n_out, bool pack_only,
                         pdsi_dnn_step **step, pds_error *err)
{
    (void)n_in;
    const pdsi_fconv_params *p = node->params;
    int ix = slot_io(node, 0), iw = slot_io(node, 1), ib = slot_io(node, 2),
        ir = slot_io(node, 3);
    if (ix < 0 || iw < 0 || n_out != 1 || !in[iw].param || (ib >= 0 && !in[ib].param))
        return PDS_OK;
    const pdsi_tensor *x = in[ix].t, *w = in[iw].t, *y = out[0].t;
    if (x->dtype != PDS_FLOAT32 || w->dtype != PDS_FLOAT32)
        return PDS_OK;
    /* A residual that broadcasts is the reference kernel's business. */
    if (ir >= 0 && (in[ir].t->rank != 4 || y->rank != 4 ||
                    memcmp(in[ir].t->dims, y->dims, sizeof y->dims[0] * 4) != 0))
        return PDS_OK;
    pdsi_conv_geom geo;
    if (pdsi_conv_resolve(&p->conv, x, w, &geo, NULL) != PDS_OK)
        return PDS_OK;
    const int64_t G = geo.groups;
    const bool tr = p->conv.transpose != 0;

    /* Geometry in oneDNN's terms: dilation counts the skipped pixels. */
    dnnl_dims_t strides = {geo.stride_h, geo.stride_w};
    dnnl_dims_t dil = {geo.dil_h - 1, geo.dil_w - 1};
    dnnl_dims_t pad_l = {geo.pad_t, geo.pad_l}, pad_r = {geo.pad_b, geo.pad_r};
    if (tr) {
        /* output_size / output_padding grow the output at the end. */
        int64_t ext_h = geo.dil_h * (geo.kh - 1) + 1, ext_w = geo.dil_w * (geo.kw - 1) + 1;
        pad_r[0] = (geo.h - 1) * geo.stride_h + ext_h - geo.pad_t - geo.oh;
        pad_r[1] = (geo.w - 1) * geo.stride_w + ext_w - geo.pad_l - geo.ow;
        if (pad_r[0] < 0 || pad_r[1] < 0)
            return PDS_OK;
        /* Transposed filters stay plain (nothing to pack at load). */
        if (pack_only)
            return PDS_OK;
        if (G == 1 && geo.kh == geo.stride_h && geo.kw == geo.stride_w && geo.dil_h == 1 &&
            geo.dil_w == 1 && geo.pad_t == 0 && geo.pad_l == 0 && pad_r[0] == 0 &&
            pad_r[1] == 0 && geo.oh == geo.h * geo.kh && geo.ow == geo.w * geo.kw)
            return deconv_as_matmul(p, &geo, in, ix, iw, ib, out, step, err);
    }

    dnnl_memory_desc_t src_md, dst_md, w_any, w_plain, b_md;
    int64_t wd[5];
    int wrank;
    if (G == 1) {
        wrank = 4;
        wd[0] = geo.m;
        wd[1] = geo.c;
        wd[2] = geo.kh;
        wd[3] = geo.kw;
    } else {
        wrank = 5;
        wd[0] = G;
        wd[1] = geo.m / G;
        wd[2] = geo.c / G;
        wd[3] = geo.kh;
        wd[4] = geo.kw;
    }
    /* Paddle's filters: [M, C/G, kh, kw] (oihw per group) for a forward
     * convolution, [C, M/G, kh, kw] (iohw per group) for a transposed one. */
    dnnl_format_tag_t wtag = tr ? (G == 1 ? dnnl_iohw : dnnl_giohw) : (G == 1 ? dnnl_oihw
                                                                              : dnnl_goihw);
    dnnl_dims_t wdims;
    for (int i = 0; i < wrank; i++)
        wdims[i] = wd[i];
    const int64_t ydims[4] = {geo.n, geo.m, geo.oh, geo.ow};
    /* nChw16c in the model's blocked mode where the channels allow it (plain
     * and depthwise convolutions), NHWC otherwise. */
    uint8_t lay = PDSI_LAYOUT_NHWC;
    if (pdsi_dnn_model_blocked(dm) && !tr && geo.c % 16 == 0 && geo.m % 16 == 0 &&
        (G == 1 || (G == geo.c && G == geo.m)))
        lay = PDSI_LAYOUT_NCHW16C;
    bool wino = lay == PDSI_LAYOUT_NCHW16C && pdsi_dnn_wino_candidate(p, w);
    if (pdsi_dnn_md(&src_md, x->dims, 4, lay) || pdsi_dnn_md(&dst_md, ydims, 4, lay) ||
        dnnl_memory_desc_init_by_tag(&w_any, wrank, wdims, dnnl_f32, dnnl_format_tag_any) ||
        dnnl_memory_desc_init_by_tag(&w_plain, wrank, wdims, dnnl_f32, wtag))
        return PDS_OK;
    if (ib >= 0 && pdsi_dnn_md(&b_md, &geo.m, 1, PDSI_LAYOUT_PLAIN))
        return PDS_OK;
    if (y->rank != 4 || memcmp(y->dims, ydims, sizeof ydims) != 0)
        return PDS_OK;

    dnnl_primitive_attr_t attr;
    dnnl_post_ops_t po;
    if (pdsi_dnn_attr(&attr) != dnnl_success)
        return PDS_OK;
    if (dnnl_post_ops_create(&po) != dnnl_success) {
        dnnl_primitive_attr_destroy(attr);
        return PDS_OK;
    }
    /* A transposed convolution runs bias and activations as a second
     * primitive (see deconv_as_matmul for why). */
    int n_res = 0;
    bool ok = tr || build_post(p, true, po, &n_res);
    if (ok && ir >= 0 && n_res != 1)
        ok = false;
    ok = ok && dnnl_primitive_attr_set_post_ops(attr, po) == dnnl_success;
    dnnl_post_ops_destroy(po);

    dnnl_primitive_desc_t pd = NULL;
    if (ok) {
        dnnl_status_t ds;
        if (tr) {
            dnnl_deconvolution_desc_t cd;
            ds = dnnl_dilated_deconvolution_forward_desc_init(
                &cd, dnnl_forward_inference, dnnl_deconvolution_direct, &src_md, &w_any, NULL,
                &dst_md, strides, dil, pad_l, pad_r);
            if (ds == dnnl_success)
                ds = dnnl_primitive_desc_create(&pd, &cd, attr, pdsi_dnn_engine(), NULL);
        } else {
            dnnl_convolution_desc_t cd;
            ds = dnnl_unimplemented;
            if (wino) {
                ds = dnnl_dilated_convolution_forward_desc_init(
                    &cd, dnnl_forward_inference, dnnl_convolution_winograd, &src_md, &w_any,
                    ib >= 0 ? &b_md : NULL, &dst_md, strides, dil, pad_l, pad_r);
                if (ds == dnnl_success)
                    ds = dnnl_primitive_desc_create(&pd, &cd, attr, pdsi_dnn_engine(), NULL);
            }
            if (ds != dnnl_success) {
                ds = dnnl_dilated_convolution_forward_desc_init(
                    &cd, dnnl_forward_inference, dnnl_convolution_direct, &src_md, &w_any,
                    ib >= 0 ? &b_md : NULL, &dst_md, strides, dil, pad_l, pad_r);
                if (ds == dnnl_success)
                    ds = dnnl_primitive_desc_create(&pd, &cd, attr, pdsi_dnn_engine(), NULL);
            }
        }
        if (ds != dnnl_success)
            pd = NULL;
    }
    dnnl_primitive_attr_destroy(attr);
    if (!pd)
        return PDS_OK;
    if (!pdsi_dnn_pd_is_fast(pd)) {
        dnnl_primitive_desc_destroy(pd);
        return PDS_OK;
    }
    const dnnl_memory_desc_t *w_md = dnnl_primitive_desc_query_md(pd, dnnl_query_weights_md, 0);
    const void *wdata;
    pds_status st = pdsi_dnn_weights(dm, g, in[iw].value, &w_plain, w_md, &wdata, err);
    if (st || pack_only) {
        if (!st)
            pdsi_dnn_warm(pd);
        dnnl_primitive_desc_destroy(pd);
        return st;
    }
    pdsi_dnn_step *s = pdsi_dnn_step_new();
    if (!s) {
        dnnl_primitive_desc_destroy(pd);
        return pdsi_fail(err, PDS_ERR_OUT_OF_MEMORY, "could not allocate a step");
    }
    if ((st = pdsi_dnn_step_arg(s, DNNL_ARG_SRC, &src_md, ix, NULL, err)) ||
        (st = pdsi_dnn_step_arg(s, DNNL_ARG_WEIGHTS, w_md, PDSI_BIND_CONST, wdata, err)) ||
        (!tr && ib >= 0 && (st = pdsi_dnn_step_arg(s, DNNL_ARG_BIAS, &b_md, PDSI_BIND_CONST,
                                                   in[ib].t->data, err))) ||
        (st = pdsi_dnn_step_arg(s, DNNL_ARG_DST, &dst_md, PDSI_BIND_OUT0, NULL, err))) {
        dnnl_primitive_desc_destroy(pd);
        pdsi_dnn_step_free(s);
        return st;
    }
    if ((st = pdsi_dnn_step_finish(s, pd, err)) ||
        (tr && (ib >= 0 || p->n_post > 0) &&
         (st = bias_and_post(s, p, ib >= 0 ? in[ib].t->data : NULL, &dst_md, geo.m, err)))) {
        pdsi_dnn_step_free(s);
        return st;
    }
    if (tr && s->n_parts == 1 && (ib >= 0 || p->n_post > 0)) {
        pdsi_dnn_step_free(s); /* no exact oneDNN form for an activation */
        return PDS_OK;
    }
    in[ix].want = lay;
    if (ir >= 0) {
        in[ir].want = lay;
        s->inplace = ir;
    }
    out[0].layout = lay;
    *step = s;
    return PDS_OK;
}

#endif
