/*
 * conv.c — the fused convolution (pdsafe_conv) on oneDNN: forward, depthwise
 * and grouped convolutions and transposed ones (deconvolution), NHWC
 * activations, filters packed once per model in the layout the primitive
 * asks for, bias, and the post-operations (activations as eltwise post-ops,
 * the residual as a sum post-op accumulating into an output that shares the
 * residual's storage).
 */
#include "backend/onednn/dnn.h"

#include <stdlib.h>
#include <string.h>

#include "backend/onednn/dnn-impl.h"
#include "ops/fused.h"

/* A convolution node as oneDNN sees it, filled step by step by the helpers
 * below (each returns false when oneDNN cannot take the node). */
typedef struct conv_cfg {
    const pdsi_fconv_params *p;
    int ix, iw, ib, ir;       /* flat io indices of X, Filter, Bias, ResidualData (-1: none) */
    const pdsi_tensor *x, *w, *y;
    pdsi_conv_geom geo;
    bool tr;                  /* transposed (deconvolution) */
    /* Geometry in oneDNN's terms: dilation counts the skipped pixels. */
    dnnl_dims_t strides, dil, pad_l, pad_r;
    uint8_t lay;              /* the activations' layout (a bf16 one with bf16) */
    bool wino;                /* try Winograd first */
    bool bf16;                /* bf16 source, filter and output (PDS_PRECISION_BF16) */
    dnnl_memory_desc_t src, dst, w_any, w_plain, bias;
} conv_cfg;

/* The flat io index of slot k's tensor, or -1 when the slot is empty. */
static int slot_io(const pdsi_node *node, int k)
{
    return node->in_off[k + 1] > node->in_off[k] ? node->in_off[k] : -1;
}

/* The node's tensors: float32 input and filter, constant filter and bias, a
 * residual of the output's shape; then the resolved geometry. */
static bool conv_tensors(const pdsi_node *node, const pdsi_dnn_io *in, const pdsi_dnn_io *out,
                         int n_out, conv_cfg *c)
{
    c->p = node->params;
    c->ix = slot_io(node, 0);
    c->iw = slot_io(node, 1);
    c->ib = slot_io(node, 2);
    c->ir = slot_io(node, 3);
    if (c->ix < 0 || c->iw < 0 || n_out != 1 || !in[c->iw].param ||
        (c->ib >= 0 && !in[c->ib].param))
        return false;
    c->x = in[c->ix].t;
    c->w = in[c->iw].t;
    c->y = out[0].t;
    if (c->x->dtype != PDS_FLOAT32 || c->w->dtype != PDS_FLOAT32)
        return false;
    /* A residual that broadcasts is the reference kernel's business. */
    const pdsi_tensor *r = c->ir >= 0 ? in[c->ir].t : NULL;
    if (r && (r->rank != 4 || c->y->rank != 4 ||
              memcmp(r->dims, c->y->dims, sizeof c->y->dims[0] * 4) != 0))
        return false;
    c->tr = c->p->conv.transpose != 0;
    return pdsi_conv_resolve(&c->p->conv, c->x, c->w, &c->geo, NULL) == PDS_OK;
}

/* Strides, dilations and padding; a transposed convolution's trailing
 * padding is what output_size / output_padding leave (false if negative). */
static bool conv_padding(conv_cfg *c)
{
    const pdsi_conv_geom *g = &c->geo;
    c->strides[0] = g->stride_h;
    c->strides[1] = g->stride_w;
    c->dil[0] = g->dil_h - 1;
    c->dil[1] = g->dil_w - 1;
    c->pad_l[0] = g->pad_t;
    c->pad_l[1] = g->pad_l;
    c->pad_r[0] = g->pad_b;
    c->pad_r[1] = g->pad_r;
    if (!c->tr)
        return true;
    /* output_size / output_padding grow the output at the end. */
    int64_t ext_h = g->dil_h * (g->kh - 1) + 1, ext_w = g->dil_w * (g->kw - 1) + 1;
    c->pad_r[0] = (g->h - 1) * g->stride_h + ext_h - g->pad_t - g->oh;
    c->pad_r[1] = (g->w - 1) * g->stride_w + ext_w - g->pad_l - g->ow;
    return c->pad_r[0] >= 0 && c->pad_r[1] >= 0;
}

/* A transposed convolution that is one matrix product (deconv_as_matmul). */
static bool deconv_is_matmul(const conv_cfg *c)
{
    const pdsi_conv_geom *g = &c->geo;
    return g->groups == 1 && g->kh == g->stride_h && g->kw == g->stride_w && g->dil_h == 1 &&
           g->dil_w == 1 && g->pad_t == 0 && g->pad_l == 0 && c->pad_r[0] == 0 &&
           c->pad_r[1] == 0 && g->oh == g->h * g->kh && g->ow == g->w * g->kw;
}

/* nChw16c in the model's blocked mode where the channels allow it (plain
 * and depthwise convolutions), NHWC otherwise; NHWC_BF16 with c->bf16 (the
 * blocked mode is there for Winograd, which has no bf16 form, and oneDNN
 * 2.6 runs nChw16c bf16 on its older jit_bf16 kernels, NHWC on brgemm). */
static void conv_layout(const pdsi_dnn_model *dm, conv_cfg *c)
{
    const pdsi_conv_geom *g = &c->geo;
    const int64_t G = g->groups;
    c->lay = PDSI_LAYOUT_NHWC;
    if (!c->bf16 && pdsi_dnn_model_blocked(dm) && !c->tr && g->c % 16 == 0 && g->m % 16 == 0 &&
        (G == 1 || (G == g->c && G == g->m)))
        c->lay = PDSI_LAYOUT_NCHW16C;
    c->wino = !c->bf16 && c->lay == PDSI_LAYOUT_NCHW16C && pdsi_dnn_wino_candidate(c->p, c->w);
    if (c->bf16)
        c->lay = pdsi_layout_bf16(c->lay);
}

/* The memory descriptors: activations in c->lay, the filter as Paddle stores
 * it (w_plain) and in the layout oneDNN will pick (w_any), the bias. */
static bool conv_mds(conv_cfg *c)
{
    const pdsi_conv_geom *g = &c->geo;
    const int64_t G = g->groups;
    dnnl_dims_t wdims;
    int wrank;
    if (G == 1) {
        wrank = 4;
        wdims[0] = g->m;
        wdims[1] = g->c;
        wdims[2] = g->kh;
        wdims[3] = g->kw;
    } else {
        wrank = 5;
        wdims[0] = G;
        wdims[1] = g->m / G;
        wdims[2] = g->c / G;
        wdims[3] = g->kh;
        wdims[4] = g->kw;
    }
    /* Paddle's filters: [M, C/G, kh, kw] (oihw per group) for a forward
     * convolution, [C, M/G, kh, kw] (iohw per group) for a transposed one. */
    dnnl_format_tag_t wtag = c->tr ? (G == 1 ? dnnl_iohw : dnnl_giohw)
                                   : (G == 1 ? dnnl_oihw : dnnl_goihw);
    const int64_t ydims[4] = {g->n, g->m, g->oh, g->ow};
    if (pdsi_dnn_md(&c->src, c->x->dims, 4, c->lay) || pdsi_dnn_md(&c->dst, ydims, 4, c->lay) ||
        dnnl_memory_desc_init_by_tag(&c->w_any, wrank, wdims, c->bf16 ? dnnl_bf16 : dnnl_f32,
                                     dnnl_format_tag_any) ||
        dnnl_memory_desc_init_by_tag(&c->w_plain, wrank, wdims, dnnl_f32, wtag))
        return false;
    if (c->ib >= 0 && pdsi_dnn_md(&c->bias, &g->m, 1, PDSI_LAYOUT_PLAIN))
        return false;
    return c->y->rank == 4 && memcmp(c->y->dims, ydims, sizeof ydims) == 0;
}

/* One convolution descriptor with algorithm alg and post-ops po. */
static dnnl_primitive_desc_t conv_pd_alg(const conv_cfg *c, dnnl_alg_kind_t alg,
                                         const_dnnl_post_ops_t po)
{
    dnnl_convolution_desc_t cd;
    if (dnnl_dilated_convolution_forward_desc_init(
            &cd, dnnl_forward_inference, alg, &c->src, &c->w_any,
            c->ib >= 0 ? &c->bias : NULL,
            &c->dst, c->strides, c->dil, c->pad_l, c->pad_r) != dnnl_success)
        return NULL;
    return pdsi_dnn_pd(&cd, po, NULL);
}

/* The primitive descriptor: a deconvolution (bias and activations follow as
 * a second primitive, see deconv_as_matmul for why), or a convolution with
 * its post-ops, Winograd first where chosen. NULL when oneDNN declines or
 * would run its slow reference implementation. */
static dnnl_primitive_desc_t conv_pd(const conv_cfg *c)
{
    int n_res = 0;
    dnnl_post_ops_t po = pdsi_dnn_post_ops(c->p->post, c->tr ? 0 : c->p->n_post, true, &n_res);
    if (!po)
        return NULL;
    dnnl_primitive_desc_t pd = NULL;
    if (c->ir >= 0 && n_res != 1) {
        pd = NULL; /* the residual must be the sum post-op (never with a deconvolution) */
    } else if (c->tr) {
        dnnl_deconvolution_desc_t dd;
        if (dnnl_dilated_deconvolution_forward_desc_init(
                &dd, dnnl_forward_inference, dnnl_deconvolution_direct, &c->src, &c->w_any, NULL,
                &c->dst, c->strides, c->dil, c->pad_l, c->pad_r) == dnnl_success)
            pd = pdsi_dnn_pd(&dd, po, NULL);
    } else {
        if (c->wino)
            pd = conv_pd_alg(c, dnnl_convolution_winograd, po);
        if (!pd)
            pd = conv_pd_alg(c, dnnl_convolution_direct, po);
    }
    dnnl_post_ops_destroy(po);
    if (pd && !pdsi_dnn_pd_is_fast(pd)) {
        dnnl_primitive_desc_destroy(pd);
        pd = NULL;
    }
    return pd;
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
    int n_res;
    dnnl_post_ops_t po = pdsi_dnn_post_ops(p->post, p->n_post, false, &n_res);
    if (!po)
        return PDS_OK;
    dnnl_binary_desc_t bdsc;
    dnnl_primitive_desc_t pd = NULL;
    if (dnnl_memory_desc_init_by_tag(&mb, 4, bd, dnnl_f32, dnnl_abcd) == dnnl_success &&
        dnnl_binary_desc_init(&bdsc, dnnl_binary_add, dst, &mb, dst) == dnnl_success)
        pd = pdsi_dnn_pd(&bdsc, po, NULL);
    dnnl_post_ops_destroy(po);
    if (!pd)
        return PDS_OK;
    const pdsi_dnn_arg args[3] = {{DNNL_ARG_SRC_0, dst, PDSI_BIND_OUT0, NULL},
                                  {DNNL_ARG_SRC_1, &mb, PDSI_BIND_CONST, bias},
                                  {DNNL_ARG_DST, dst, PDSI_BIND_OUT0, NULL}};
    return pdsi_dnn_step_part(s, pd, args, 3, err);
}

/* The layouts a convolution step reads and writes: its source (and a
 * residual it adds in place) in the primitive's layout, its output too. */
static void set_layouts(const conv_cfg *c, pdsi_dnn_io *in, pdsi_dnn_io *out,
                        pdsi_dnn_step *step)
{
    in[c->ix].want = c->lay;
    if (c->ir >= 0) {
        in[c->ir].want = c->lay;
        step->inplace = c->ir;
    }
    out[0].layout = c->lay;
}

/* The step: the convolution (filter from the model's cache, w_md/wdata),
 * then for a transposed one its bias and activations. Takes pd. *step
 * stays NULL when an activation has no exact oneDNN form. */
static pds_status conv_step(const conv_cfg *c, dnnl_primitive_desc_t pd,
                            const dnnl_memory_desc_t *w_md, const void *wdata,
                            const pdsi_dnn_io *in, pdsi_dnn_step **step, pds_error *err)
{
    const void *bias = c->ib >= 0 ? in[c->ib].t->data : NULL;
    pdsi_dnn_step *s = pdsi_dnn_step_new();
    if (!s) {
        dnnl_primitive_desc_destroy(pd);
        return pdsi_fail(err, PDS_ERR_OUT_OF_MEMORY, "could not allocate a step");
    }
    pdsi_dnn_arg args[4];
    int n = 0;
    pds_status st = PDS_OK;
    args[n++] = (pdsi_dnn_arg){DNNL_ARG_SRC, &c->src, c->ix, NULL};
    args[n++] = (pdsi_dnn_arg){DNNL_ARG_WEIGHTS, w_md, PDSI_BIND_CONST, wdata};
    if (!c->tr && c->ib >= 0)
        args[n++] = (pdsi_dnn_arg){DNNL_ARG_BIAS, &c->bias, PDSI_BIND_CONST, bias};
    args[n++] = (pdsi_dnn_arg){DNNL_ARG_DST, &c->dst, PDSI_BIND_OUT0, NULL};
    st = pdsi_dnn_step_part(s, pd, args, n, err);
    bool post = c->tr && (c->ib >= 0 || c->p->n_post > 0);
    if (!st && post)
        st = bias_and_post(s, c->p, bias, &c->dst, c->geo.m, err);
    if (st || (post && s->n_parts == 1)) {
        pdsi_dnn_step_free(s); /* or no exact oneDNN form for an activation */
        return st;
    }
    *step = s;
    return PDS_OK;
}

/* A transposed convolution whose kernel equals its stride, unpadded and
 * ungrouped: every input pixel writes its own kh x kw output block, so it is
 * one matrix product [N*H*W, C] x [C, M*kh*kw] (Paddle's filter layout
 * already), with bias and activations fused, followed by a reorder that
 * scatters the blocks into the NHWC output. oneDNN 2.6's deconvolution runs
 * bias and post-ops in a slow separate pass; this form has none. */
typedef struct deconv_mm {
    dnnl_memory_desc_t mx, mw, mb, mo; /* the product [rows, C] x [C, cols] + bias */
    dnnl_memory_desc_t mw_plain;       /* Paddle's float32 filter, as [C, cols] */
    dnnl_memory_desc_t from, to;       /* the scatter */
    int64_t rows, cols;
} deconv_mm;

/* With bf16: source, filter and the scattered output in bf16, the product
 * and its bias and activations in float32. */
static bool deconv_mm_mds(const pdsi_conv_geom *g, bool bf16, deconv_mm *d)
{
    d->rows = g->n * g->h * g->w;
    d->cols = g->m * g->kh * g->kw;
    const dnnl_data_type_t t16 = bf16 ? dnnl_bf16 : dnnl_f32;
    dnnl_dims_t d2x = {d->rows, g->c}, d2w = {g->c, d->cols}, d2o = {d->rows, d->cols},
                d2b = {1, d->cols};
    if (dnnl_memory_desc_init_by_tag(&d->mx, 2, d2x, t16, dnnl_ab) ||
        dnnl_memory_desc_init_by_tag(&d->mw, 2, d2w, t16, dnnl_ab) ||
        dnnl_memory_desc_init_by_tag(&d->mw_plain, 2, d2w, dnnl_f32, dnnl_ab) ||
        dnnl_memory_desc_init_by_tag(&d->mo, 2, d2o, dnnl_f32, dnnl_ab) ||
        dnnl_memory_desc_init_by_tag(&d->mb, 2, d2b, dnnl_f32, dnnl_ab))
        return false;
    /* The scatter, as a reorder between two 6-D views of the same logical
     * index (n, h, w, m, i, j): the product is stored row-major in that
     * order, the NHWC output at ((n*H + h)*kh + i)*W*kw + w*kw + j, m last. */
    const int64_t H = g->h, W = g->w, M = g->m, KH = g->kh, KW = g->kw;
    dnnl_dims_t d6 = {g->n, H, W, M, KH, KW};
    dnnl_dims_t s_from = {H * W * M * KH * KW, W * M * KH * KW, M * KH * KW, KH * KW, KW, 1};
    dnnl_dims_t s_to = {H * KH * W * KW * M, KH * W * KW * M, KW * M, 1, W * KW * M, M};
    return dnnl_memory_desc_init_by_strides(&d->from, 6, d6, dnnl_f32, s_from) == dnnl_success &&
           dnnl_memory_desc_init_by_strides(&d->to, 6, d6, t16, s_to) == dnnl_success;
}

/* The product's and the scatter's descriptors; false (none kept) when
 * oneDNN declines either or would run the product slowly. */
static bool deconv_mm_pds(const pdsi_fconv_params *p, const deconv_mm *d,
                          dnnl_primitive_desc_t *mpd, dnnl_primitive_desc_t *rpd)
{
    *mpd = *rpd = NULL;
    int n_res;
    dnnl_post_ops_t po = pdsi_dnn_post_ops(p->post, p->n_post, false, &n_res);
    if (!po)
        return false;
    dnnl_matmul_desc_t md;
    if (dnnl_matmul_desc_init(&md, &d->mx, &d->mw, &d->mb, &d->mo) == dnnl_success)
        *mpd = pdsi_dnn_pd(&md, po, NULL);
    dnnl_post_ops_destroy(po);
    dnnl_primitive_attr_t attr = *mpd ? pdsi_dnn_attr_make(NULL, NULL) : NULL;
    if (attr) {
        if (dnnl_reorder_primitive_desc_create(rpd, &d->from, pdsi_dnn_engine(), &d->to,
                                               pdsi_dnn_engine(), attr) != dnnl_success)
            *rpd = NULL;
        dnnl_primitive_attr_destroy(attr);
    }
    if (*mpd && *rpd && pdsi_dnn_pd_is_fast(*mpd))
        return true;
    if (*mpd)
        dnnl_primitive_desc_destroy(*mpd);
    if (*rpd)
        dnnl_primitive_desc_destroy(*rpd);
    *mpd = *rpd = NULL;
    return false;
}

/* bf16 (a bf16 model): the source and output in NHWC_BF16 and the filter
 * as a bf16 copy in the model's weight cache, made at the first plan. */
static pds_status deconv_as_matmul(pdsi_dnn_model *dm, const pdsi_graph *g_, const conv_cfg *c,
                                   pdsi_dnn_io *in, pdsi_dnn_io *out, pdsi_dnn_step **step,
                                   pds_error *err)
{
    const pdsi_conv_geom *g = &c->geo;
    const void *wdata = in[c->iw].t->data;
    const float *bias = c->ib >= 0 ? in[c->ib].t->data : NULL;
    deconv_mm d;
    dnnl_primitive_desc_t mpd, rpd;
    bool bf16 = pdsi_dnn_model_bf16(dm);
    if (!wdata || (c->ib >= 0 && !bias))
        return PDS_OK;
    if (bf16 && (!deconv_mm_mds(g, true, &d) || !deconv_mm_pds(c->p, &d, &mpd, &rpd)))
        bf16 = false;
    if (!bf16 && (!deconv_mm_mds(g, false, &d) || !deconv_mm_pds(c->p, &d, &mpd, &rpd)))
        return PDS_OK;
    if (bf16) {
        pds_status st = pdsi_dnn_weights(dm, g_, in[c->iw].value, &d.mw_plain, &d.mw, &wdata,
                                         err);
        if (st) {
            dnnl_primitive_desc_destroy(mpd);
            dnnl_primitive_desc_destroy(rpd);
            return st;
        }
    }
    pdsi_dnn_step *s = pdsi_dnn_step_new();
    float *eb = malloc(sizeof *eb * (size_t)d.cols);
    if (!s || !eb) {
        free(eb);
        pdsi_dnn_step_free(s);
        dnnl_primitive_desc_destroy(mpd);
        dnnl_primitive_desc_destroy(rpd);
        return pdsi_fail(err, PDS_ERR_OUT_OF_MEMORY, "could not allocate a step");
    }
    /* Output column m*kh*kw + i*kw + j gets bias[m]. */
    for (int64_t k = 0; k < d.cols; k++)
        eb[k] = bias ? bias[k / (g->kh * g->kw)] : 0.0f;
    s->owned = eb;
    /* The product goes to an intermediate in the arena, the scatter reads it. */
    size_t tmp = pdsi_dnn_step_temp(s, (size_t)(d.rows * d.cols) * sizeof(float));
    pds_status st;
    if ((st = pdsi_dnn_step_arg(s, DNNL_ARG_SRC, &d.mx, c->ix, NULL, err)) ||
        (st = pdsi_dnn_step_arg(s, DNNL_ARG_WEIGHTS, &d.mw, PDSI_BIND_CONST, wdata, err)) ||
        (st = pdsi_dnn_step_arg(s, DNNL_ARG_BIAS, &d.mb, PDSI_BIND_CONST, eb, err)) ||
        (st = pdsi_dnn_step_arg_temp(s, DNNL_ARG_DST, &d.mo, tmp, err)))
        dnnl_primitive_desc_destroy(mpd);
    else
        st = pdsi_dnn_step_finish(s, mpd, err);
    if (st ||
        (st = pdsi_dnn_step_arg_temp(s, DNNL_ARG_FROM, &d.from, tmp, err)) ||
        (st = pdsi_dnn_step_arg(s, DNNL_ARG_TO, &d.to, PDSI_BIND_OUT0, NULL, err)))
        dnnl_primitive_desc_destroy(rpd);
    else
        st = pdsi_dnn_step_finish(s, rpd, err);
    if (st) {
        pdsi_dnn_step_free(s);
        return st;
    }
    in[c->ix].want = bf16 ? PDSI_LAYOUT_NHWC_BF16 : PDSI_LAYOUT_NHWC;
    out[0].layout = bf16 ? PDSI_LAYOUT_NHWC_BF16 : PDSI_LAYOUT_NHWC;
    *step = s;
    return PDS_OK;
}

/* ---- int8 (QDQ) convolutions (dnn-impl.h, ops/fused.h) ------------------------- */

/* quantize_linear's multiplier qmax * inv(s), inv as Paddle's inverse(). */
static float quant_factor(float s, float qmax)
{
    return qmax * (s <= 1e-30f ? 1.0f / (s + 1e-6f) : 1.0f / s);
}

/* The int8 convolution's primitive: s8 source and weights, per-channel
 * output scales alpha (M values), the fused post-ops; NULL when oneDNN
 * declines it or would run it slowly. */
static dnnl_primitive_desc_t qconv_pd(const conv_cfg *c, const dnnl_memory_desc_t *src8,
                                      const dnnl_memory_desc_t *w8, const float *alpha)
{
    int n_res = 0;
    dnnl_post_ops_t po = pdsi_dnn_post_ops(c->p->post, c->p->n_post, true, &n_res);
    if (!po)
        return NULL;
    dnnl_primitive_attr_t attr = NULL;
    dnnl_primitive_desc_t pd = NULL;
    dnnl_convolution_desc_t cd;
    if ((c->ir < 0 || n_res == 1) &&
        dnnl_dilated_convolution_forward_desc_init(&cd, dnnl_forward_inference,
                                                   dnnl_convolution_direct, src8, w8, NULL,
                                                   &c->dst, c->strides, c->dil, c->pad_l,
                                                   c->pad_r) == dnnl_success &&
        (attr = pdsi_dnn_attr_make(po, NULL)) &&
        dnnl_primitive_attr_set_output_scales(attr, c->geo.m, 1 << 1, alpha) == dnnl_success &&
        dnnl_primitive_desc_create(&pd, &cd, attr, pdsi_dnn_engine(), NULL) != dnnl_success)
        pd = NULL;
    if (attr)
        dnnl_primitive_attr_destroy(attr);
    dnnl_post_ops_destroy(po);
    if (pd && !pdsi_dnn_pd_is_fast(pd)) {
        dnnl_primitive_desc_destroy(pd);
        pd = NULL;
    }
    return pd;
}

/* The step: the input converted to int8 (scale fq), then either the int8
 * convolution, or (fake quantisation) back to float32 (scale deq) and the
 * float32 convolution. Takes pd. */
static pds_status qconv_step(const conv_cfg *c, bool int8, dnnl_primitive_desc_t pd,
                             const dnnl_memory_desc_t *src8, float fq, float deq,
                             const dnnl_memory_desc_t *w_md, const void *wdata,
                             const pdsi_dnn_io *in, pdsi_dnn_step **step, pds_error *err)
{
    pdsi_dnn_step *s = pdsi_dnn_step_new();
    if (!s) {
        dnnl_primitive_desc_destroy(pd);
        return pdsi_fail(err, PDS_ERR_OUT_OF_MEMORY, "could not allocate a step");
    }
    size_t o8, of = 0;
    pds_status st = pdsi_dnn_step_convert(s, &c->src, c->ix, 0, src8, fq, &o8, err);
    if (!st && !int8)
        st = pdsi_dnn_step_convert(s, src8, PDSI_BIND_TEMP, o8, &c->src, deq, &of, err);
    if (!st) {
        if (int8)
            st = pdsi_dnn_step_arg_temp(s, DNNL_ARG_SRC, src8, o8, err);
        else
            st = pdsi_dnn_step_arg_temp(s, DNNL_ARG_SRC, &c->src, of, err);
    }
    if (!st)
        st = pdsi_dnn_step_arg(s, DNNL_ARG_WEIGHTS, w_md, PDSI_BIND_CONST, wdata, err);
    if (!st && !int8 && c->ib >= 0)
        st = pdsi_dnn_step_arg(s, DNNL_ARG_BIAS, &c->bias, PDSI_BIND_CONST, in[c->ib].t->data,
                               err);
    if (!st)
        st = pdsi_dnn_step_arg(s, DNNL_ARG_DST, &c->dst, PDSI_BIND_OUT0, NULL, err);
    if (st) {
        dnnl_primitive_desc_destroy(pd);
        pdsi_dnn_step_free(s);
        return st;
    }
    if ((st = pdsi_dnn_step_finish(s, pd, err))) {
        pdsi_dnn_step_free(s);
        return st;
    }
    s->int8 = int8;
    *step = s;
    return PDS_OK;
}

/* An int8 pdsafe_conv: NHWC, integers where the model runs int8 and there
 * is no bias (oneDNN 2.6 adds an int8 convolution's bias before the output
 * scale, which would round differently), float32 fake quantisation
 * otherwise. Declines (ref then runs it) for transposed forms, qmax other
 * than 127, or shapes oneDNN cannot run fast. */
static pds_status conv_quant(pdsi_dnn_model *dm, const pdsi_graph *g, const pdsi_node *node,
                             pdsi_dnn_io *in, pdsi_dnn_io *out, int n_out, bool pack_only,
                             pdsi_dnn_step **step, pds_error *err)
{
    conv_cfg c;
    memset(&c, 0, sizeof c);
    const pdsi_fconv_params *p = node->params;
    int i8 = slot_io(node, 4), is = slot_io(node, 5);
    if (!conv_tensors(node, in, out, n_out, &c) || !conv_padding(&c) || c.tr || i8 < 0 ||
        is < 0 || !in[i8].param || !in[is].param || !in[is].t->data ||
        p->quant.in_qmax != 127)
        return PDS_OK;
    c.lay = PDSI_LAYOUT_NHWC;
    if (!conv_mds(&c))
        return PDS_OK;
    const float s = p->quant.in_scale, q = (float)p->quant.in_qmax;
    const float fq = quant_factor(s, q), deq = s / q;
    dnnl_memory_desc_t src8 = c.src, w8 = c.w_any, w8_plain = c.w_plain;
    src8.data_type = dnnl_s8; /* descriptors count elements: only the type changes */
    w8.data_type = dnnl_s8;
    w8_plain.data_type = dnnl_s8;
    bool int8 = pdsi_dnn_model_int8(dm) && c.ib < 0;
    dnnl_primitive_desc_t pd = NULL;
    if (int8) {
        const float *st8 = in[is].t->data;
        float *alpha = malloc(sizeof *alpha * (size_t)c.geo.m);
        if (!alpha)
            return pdsi_fail(err, PDS_ERR_OUT_OF_MEMORY, "could not allocate output scales");
        for (int64_t m = 0; m < c.geo.m; m++)
            alpha[m] = deq * st8[m];
        pd = qconv_pd(&c, &src8, &w8, alpha);
        free(alpha);
        int8 = pd != NULL;
    }
    if (!pd && !(pd = conv_pd(&c)))
        return PDS_OK;
    const dnnl_memory_desc_t *w_md = dnnl_primitive_desc_query_md(pd, dnnl_query_weights_md, 0);
    const void *wdata;
    pds_status st = int8 ? pdsi_dnn_weights(dm, g, in[i8].value, &w8_plain, w_md, &wdata, err)
                         : pdsi_dnn_weights(dm, g, in[c.iw].value, &c.w_plain, w_md, &wdata, err);
    if (st || pack_only) {
        if (!st)
            pdsi_dnn_warm(pd);
        dnnl_primitive_desc_destroy(pd);
        return st;
    }
    if ((st = qconv_step(&c, int8, pd, &src8, fq, deq, w_md, wdata, in, step, err)) || !*step)
        return st;
    set_layouts(&c, in, out, *step);
    return PDS_OK;
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

pds_status pdsi_dnn_conv(pdsi_dnn_model *dm, const pdsi_graph *g, const pdsi_node *node,
                         pdsi_dnn_io *in, int n_in, pdsi_dnn_io *out, int n_out, bool pack_only,
                         pdsi_dnn_step **step, pds_error *err)
{
    (void)n_in;
    conv_cfg c;
    memset(&c, 0, sizeof c);
    if (((const pdsi_fconv_params *)node->params)->quant.on)
        return conv_quant(dm, g, node, in, out, n_out, pack_only, step, err);
    if (!conv_tensors(node, in, out, n_out, &c) || !conv_padding(&c))
        return PDS_OK;
    if (c.tr) {
        /* Transposed filters stay plain (nothing to pack at load). */
        if (pack_only)
            return PDS_OK;
        if (deconv_is_matmul(&c))
            return deconv_as_matmul(dm, g, &c, in, out, step, err);
    }
    /* bf16: forward convolutions, depthwise ones too, read and write the
     * bf16 layouts (activations stay bf16 from one to the next, the
     * residual a sum post-op adds in place too), and not Winograd (no bf16
     * form in oneDNN 2.6). One that oneDNN cannot run fast in bf16 runs in
     * float32. */
    c.bf16 = pdsi_dnn_model_bf16(dm) && !c.tr;
    conv_layout(dm, &c);
    if (!conv_mds(&c))
        return PDS_OK;
    dnnl_primitive_desc_t pd = conv_pd(&c);
    if (!pd && c.bf16) {
        c.bf16 = false;
        conv_layout(dm, &c);
        if (!conv_mds(&c))
            return PDS_OK;
        pd = conv_pd(&c);
    }
    if (!pd)
        return PDS_OK;
    const dnnl_memory_desc_t *w_md = dnnl_primitive_desc_query_md(pd, dnnl_query_weights_md, 0);
    const void *wdata;
    pds_status st = pdsi_dnn_weights(dm, g, in[c.iw].value, &c.w_plain, w_md, &wdata, err);
    if (st || pack_only) {
        if (!st)
            pdsi_dnn_warm(pd);
        dnnl_primitive_desc_destroy(pd);
        return st;
    }
    if ((st = conv_step(&c, pd, w_md, wdata, in, step, err)) || !*step)
        return st;
    set_layouts(&c, in, out, *step);
    return PDS_OK;
}
