/*
 * matmul.c — the fused matmul (pdsafe_matmul: matmul_v2, mul or fc + bias +
 * activations) on oneDNN's matmul primitive. Batch dims broadcast as numpy
 * does (oneDNN broadcasts size-1 batch dims of either operand); transposed
 * operands are described by swapped strides, so nothing is copied. mul and
 * fc flatten their plain operands into matrices, which is only a different
 * description of the same bytes. 1-D operands (vector products) stay with
 * the reference kernel.
 */
#include "backend/onednn/dnn.h"

#include <stdlib.h>
#include <string.h>

#include "ops/fused.h"
#include "backend/onednn/dnn-impl.h"

/* A row-major [batch..., r, c] matrix, or its transpose seen as [.., c, r]. */
static dnnl_status_t mat_md(dnnl_memory_desc_t *md, const int64_t *batch, int nb, int64_t r,
                            int64_t c, bool trans)
{
    dnnl_dims_t dims, strides;
    int n = nb + 2;
    for (int i = 0; i < nb; i++)
        dims[i] = batch[i];
    /* Stored [.., r, c]; logical dims swap when transposed. */
    dims[nb] = trans ? c : r;
    dims[nb + 1] = trans ? r : c;
    strides[nb] = trans ? 1 : c;
    strides[nb + 1] = trans ? c : 1;
    int64_t s = r * c;
    for (int i = nb - 1; i >= 0; i--) {
        strides[i] = s;
        s *= batch[i];
    }
    return dnnl_memory_desc_init_by_strides(md, n, dims, dnnl_f32, strides);
}

/* The product as [batch..] x [M, K] x [K, N]: numpy broadcasting for
 * matmul_v2; mul and fc flatten X at x_num_col_dims and Y at y_num_col_dims
 * (no transposes, alpha 1, a bias of N elements). False to decline. */
static bool mm_shape(const pdsi_fmatmul_params *p, const pdsi_tensor *x, const pdsi_tensor *y,
                     const pdsi_tensor *bias, pdsi_matmul_plan *mp, bool *tx, bool *ty)
{
    *tx = p->mm.trans_x;
    *ty = p->mm.trans_y;
    if (p->form == PDSI_FMATMUL_V2)
        return pdsi_matmul_plan_make(x, y, *tx, *ty, mp, NULL) == PDS_OK && mp->batch_rank <= 4;
    /* [M, K] x [K, N] over the flattened operands. */
    int xn = p->flat.x_num_col_dims, yn = p->flat.y_num_col_dims;
    if (xn < 1 || xn >= x->rank || yn < 1 || yn >= y->rank)
        return false;
    memset(mp, 0, sizeof *mp);
    mp->M = mp->K = mp->N = 1;
    int64_t ky = 1;
    for (int i = 0; i < x->rank; i++) {
        if (i < xn)
            mp->M *= x->dims[i];
        else
            mp->K *= x->dims[i];
    }
    for (int i = 0; i < y->rank; i++) {
        if (i < yn)
            ky *= y->dims[i];
        else
            mp->N *= y->dims[i];
    }
    *tx = *ty = false;
    /* The bias is added to every row of N outputs. */
    return ky == mp->K && (!bias || pdsi_tensor_numel(bias) == mp->N) && p->mm.alpha == 1.0f;
}

/* X, Y, the output and the bias ([1.., N]) as oneDNN memory descriptors. */
typedef struct mm_mds {
    dnnl_memory_desc_t x, y, out, bias;
    dnnl_memory_desc_t y_any; /* y, or y with the layout left to oneDNN (a parameter Y) */
    bool bf16;                /* bf16 X and Y (a parameter Y, PDS_PRECISION_BF16) */
    dnnl_memory_desc_t x16;   /* bf16: X's bf16 copy */
} mm_mds;

static bool mm_descs(const pdsi_matmul_plan *mp, bool tx, bool ty, bool has_bias, bool y_param,
                     mm_mds *d)
{
    const int nb = mp->batch_rank;
    /* The stored shapes of X and Y: trans flips which dim is M/N vs K. */
    int64_t xr = tx ? mp->K : mp->M, xc = tx ? mp->M : mp->K;
    int64_t yr = ty ? mp->N : mp->K, yc = ty ? mp->K : mp->N;
    if (mat_md(&d->x, mp->xb, nb, xr, xc, tx) || mat_md(&d->y, mp->yb, nb, yr, yc, ty) ||
        mat_md(&d->out, mp->batch, nb, mp->M, mp->N, false))
        return false;
    if (has_bias) {
        dnnl_dims_t bd;
        for (int i = 0; i < nb + 1; i++)
            bd[i] = 1;
        bd[nb + 1] = mp->N;
        if (dnnl_memory_desc_init_by_strides(&d->bias, nb + 2, bd, dnnl_f32, NULL) !=
            dnnl_success)
            return false;
    }
    /* A parameter Y is packed once per model in the layout oneDNN picks. */
    d->y_any = d->y;
    if (y_param) {
        dnnl_dims_t wd;
        for (int i = 0; i < d->y.ndims; i++)
            wd[i] = d->y.dims[i];
        if (dnnl_memory_desc_init_by_tag(&d->y_any, d->y.ndims, wd,
                                         d->bf16 ? dnnl_bf16 : dnnl_f32,
                                         dnnl_format_tag_any) != dnnl_success) {
            if (d->bf16)
                return false;
            d->y_any = d->y;
        }
    }
    if (d->bf16)
        pdsi_dnn_md_bf16(&d->x16, &d->x);
    return true;
}

/* The matmul primitive descriptor with alpha as output scale and the
 * activations as post-ops, or NULL (declined, or oneDNN's slow reference
 * implementation). */
static dnnl_primitive_desc_t mm_pd(const pdsi_fmatmul_params *p, const mm_mds *d, bool has_bias)
{
    int n_res;
    dnnl_post_ops_t po = pdsi_dnn_post_ops(p->post, p->n_post, false, &n_res);
    if (!po)
        return NULL;
    dnnl_primitive_desc_t pd = NULL;
    dnnl_matmul_desc_t md;
    if (dnnl_matmul_desc_init(&md, d->bf16 ? &d->x16 : &d->x, &d->y_any,
                              has_bias ? &d->bias : NULL, &d->out) == dnnl_success)
        pd = pdsi_dnn_fast_pd(&md, po, p->mm.alpha != 1.0f ? &p->mm.alpha : NULL);
    dnnl_post_ops_destroy(po);
    return pd;
}

/* A bf16 step (dnn-impl.h): X converted to bf16, then the product with
 * args (all but the source). Takes pd. */
static pds_status mm_step_bf16(dnnl_primitive_desc_t pd, const mm_mds *d, const pdsi_dnn_arg *args,
                               int n, pdsi_dnn_step **step, pds_error *err)
{
    pdsi_dnn_step *s = pdsi_dnn_step_new();
    if (!s) {
        dnnl_primitive_desc_destroy(pd);
        return pdsi_fail(err, PDS_ERR_OUT_OF_MEMORY, "could not allocate a step");
    }
    size_t off;
    pds_status st;
    if ((st = pdsi_dnn_step_to_bf16(s, &d->x, 0, &d->x16, &off, err)) ||
        (st = pdsi_dnn_step_arg_temp(s, DNNL_ARG_SRC, &d->x16, off, err)))
        dnnl_primitive_desc_destroy(pd);
    else
        st = pdsi_dnn_step_part(s, pd, args, n, err);
    if (st) {
        pdsi_dnn_step_free(s);
        return st;
    }
    *step = s;
    return PDS_OK;
}

/* ---- the int8 form (QDQ, ops/fused.h) ------------------------------------------- */

/* The product's post-ops for the int8 form: the bias as a binary add first
 * (oneDNN 2.6 adds an int8 product's own bias before the output scale),
 * then the activations. NULL when one has no oneDNN form. */
static dnnl_post_ops_t mmq_post_ops(const pdsi_fmatmul_params *p, const mm_mds *d, bool bias)
{
    dnnl_post_ops_t po;
    if (dnnl_post_ops_create(&po) != dnnl_success)
        return NULL;
    bool ok = !bias || dnnl_post_ops_append_binary(po, dnnl_binary_add, &d->bias) == dnnl_success;
    for (int i = 0; ok && i < p->n_post; i++) {
        const pdsi_unary_params *u = &p->post[i].unary;
        ok = !p->post[i].residual && pdsi_dnn_post_unary(po, u->kind, u->a, u->b, u->c);
    }
    if (!ok) {
        dnnl_post_ops_destroy(po);
        return NULL;
    }
    return po;
}

/* The s8 x s8 product with per-column output scales alpha; NULL when oneDNN
 * declines it or would run it slowly. */
static dnnl_primitive_desc_t mmq_pd(const pdsi_fmatmul_params *p, const mm_mds *d, bool bias,
                                    const dnnl_memory_desc_t *x8, const dnnl_memory_desc_t *y8,
                                    const float *alpha, int64_t n)
{
    dnnl_post_ops_t po = mmq_post_ops(p, d, bias);
    if (!po)
        return NULL;
    dnnl_primitive_attr_t attr = NULL;
    dnnl_primitive_desc_t pd = NULL;
    dnnl_matmul_desc_t md;
    if (dnnl_matmul_desc_init(&md, x8, y8, NULL, &d->out) == dnnl_success &&
        (attr = pdsi_dnn_attr_make(po, NULL)) &&
        dnnl_primitive_attr_set_output_scales(attr, n, 1 << (d->out.ndims - 1), alpha) ==
            dnnl_success &&
        dnnl_primitive_desc_create(&pd, &md, attr, pdsi_dnn_engine(), NULL) != dnnl_success)
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

/* An int8 pdsafe_matmul: X converted to s8 (quantize_linear's factor fq),
 * then the s8 product where the model runs int8, else back to float32
 * (deq) and the float32 product: the fake quantisation. */
static pds_status mm_quant(pdsi_dnn_model *dm, const pdsi_graph *g, const pdsi_node *node,
                           pdsi_dnn_io *in, pdsi_dnn_io *out, int n_out, bool pack_only,
                           pdsi_dnn_step **step, pds_error *err)
{
    const pdsi_fmatmul_params *p = node->params;
    int ib = node->in_off[3] > node->in_off[2] ? node->in_off[2] : -1;
    int i8 = node->in_off[4] > node->in_off[3] ? node->in_off[3] : -1;
    int is = node->in_off[5] > node->in_off[4] ? node->in_off[4] : -1;
    if (n_out != 1 || i8 < 0 || is < 0 || !in[1].param || !in[i8].param || !in[is].param ||
        !in[is].t->data || (ib >= 0 && !in[ib].param) || p->quant.in_qmax != 127)
        return PDS_OK;
    const pdsi_tensor *x = in[0].t, *y = in[1].t;
    if (x->dtype != PDS_FLOAT32 || x->rank < 2 || y->rank != 2)
        return PDS_OK;
    pdsi_matmul_plan mp;
    bool tx, ty;
    mm_mds d;
    memset(&d, 0, sizeof d);
    if (!mm_shape(p, x, y, ib >= 0 ? in[ib].t : NULL, &mp, &tx, &ty) || tx || ty ||
        !mm_descs(&mp, false, false, ib >= 0, true, &d))
        return PDS_OK;
    const float s = p->quant.in_scale, q = (float)p->quant.in_qmax;
    const float fq = q * (s <= 1e-30f ? 1.0f / (s + 1e-6f) : 1.0f / s), deq = s / q;
    dnnl_memory_desc_t x8 = d.x, y8 = d.y_any, y8_plain = d.y;
    x8.data_type = dnnl_s8; /* descriptors count elements: only the type changes */
    y8.data_type = dnnl_s8;
    y8_plain.data_type = dnnl_s8;
    bool int8 = pdsi_dnn_model_int8(dm);
    dnnl_primitive_desc_t pd = NULL;
    if (int8) {
        const float *ys = in[is].t->data;
        float *alpha = malloc(sizeof *alpha * (size_t)mp.N);
        if (!alpha)
            return pdsi_fail(err, PDS_ERR_OUT_OF_MEMORY, "could not allocate output scales");
        for (int64_t k = 0; k < mp.N; k++)
            alpha[k] = deq * ys[k] * p->mm.alpha;
        pd = mmq_pd(p, &d, ib >= 0, &x8, &y8, alpha, mp.N);
        free(alpha);
        int8 = pd != NULL;
    }
    if (!pd && !(pd = mm_pd(p, &d, ib >= 0)))
        return PDS_OK;
    const dnnl_memory_desc_t *w_md = dnnl_primitive_desc_query_md(pd, dnnl_query_weights_md, 0);
    const void *wdata;
    pds_status st = int8 ? pdsi_dnn_weights(dm, g, in[i8].value, &y8_plain, w_md, &wdata, err)
                         : pdsi_dnn_weights(dm, g, in[1].value, &d.y, w_md, &wdata, err);
    if (st || pack_only) {
        if (!st)
            pdsi_dnn_warm(pd);
        dnnl_primitive_desc_destroy(pd);
        return st;
    }
    pdsi_dnn_step *sp = pdsi_dnn_step_new();
    if (!sp) {
        dnnl_primitive_desc_destroy(pd);
        return pdsi_fail(err, PDS_ERR_OUT_OF_MEMORY, "could not allocate a step");
    }
    size_t o8, of = 0;
    st = pdsi_dnn_step_convert(sp, &d.x, 0, 0, &x8, fq, &o8, err);
    if (!st && !int8)
        st = pdsi_dnn_step_convert(sp, &x8, PDSI_BIND_TEMP, o8, &d.x, deq, &of, err);
    if (!st)
        st = int8 ? pdsi_dnn_step_arg_temp(sp, DNNL_ARG_SRC, &x8, o8, err)
                  : pdsi_dnn_step_arg_temp(sp, DNNL_ARG_SRC, &d.x, of, err);
    if (!st)
        st = pdsi_dnn_step_arg(sp, DNNL_ARG_WEIGHTS, w_md, PDSI_BIND_CONST, wdata, err);
    if (!st && ib >= 0)
        st = pdsi_dnn_step_arg(sp, int8 ? (DNNL_ARG_ATTR_MULTIPLE_POST_OP(0) | DNNL_ARG_SRC_1)
                                         : DNNL_ARG_BIAS,
                               &d.bias, PDSI_BIND_CONST, in[ib].t->data, err);
    if (!st)
        st = pdsi_dnn_step_arg(sp, DNNL_ARG_DST, &d.out, PDSI_BIND_OUT0, NULL, err);
    if (st) {
        dnnl_primitive_desc_destroy(pd);
        pdsi_dnn_step_free(sp);
        return st;
    }
    if ((st = pdsi_dnn_step_finish(sp, pd, err))) {
        pdsi_dnn_step_free(sp);
        return st;
    }
    sp->int8 = int8;
    for (int k = 0; k < node->in_off[node->n_in_slots]; k++)
        in[k].want = PDSI_LAYOUT_PLAIN;
    out[0].layout = PDSI_LAYOUT_PLAIN;
    *step = sp;
    return PDS_OK;
}

pds_status pdsi_dnn_matmul(pdsi_dnn_model *dm, const pdsi_graph *g, const pdsi_node *node,
                           pdsi_dnn_io *in, int n_in, pdsi_dnn_io *out, int n_out, bool pack_only,
                           pdsi_dnn_step **step, pds_error *err)
{
    *step = NULL;
    const pdsi_fmatmul_params *p = node->params;
    if (p->quant.on)
        return mm_quant(dm, g, node, in, out, n_out, pack_only, step, err);
    int ib = node->in_off[3] > node->in_off[2] ? node->in_off[2] : -1;
    if (n_out != 1 || n_in < 2 || (ib >= 0 && !in[ib].param) || (pack_only && !in[1].param))
        return PDS_OK;
    const pdsi_tensor *x = in[0].t, *y = in[1].t;
    if (x->dtype != PDS_FLOAT32 || y->dtype != PDS_FLOAT32 || x->rank < 2 || y->rank < 2)
        return PDS_OK;
    pdsi_matmul_plan mp;
    bool tx, ty;
    mm_mds d;
    memset(&d, 0, sizeof d);
    const bool wparam = in[1].param;
    /* bf16 for products with constant weights (fc, linear layers); a
     * product of two activations (attention scores) stays float32. */
    d.bf16 = wparam && pdsi_dnn_model_bf16(dm);
    if (!mm_shape(p, x, y, ib >= 0 ? in[ib].t : NULL, &mp, &tx, &ty) ||
        !mm_descs(&mp, tx, ty, ib >= 0, wparam, &d))
        return PDS_OK;
    dnnl_primitive_desc_t pd = mm_pd(p, &d, ib >= 0);
    if (!pd && d.bf16) {
        /* oneDNN cannot run this one fast in bf16: float32. */
        d.bf16 = false;
        if (!mm_descs(&mp, tx, ty, ib >= 0, wparam, &d))
            return PDS_OK;
        pd = mm_pd(p, &d, ib >= 0);
    }
    if (!pd)
        return PDS_OK;
    const void *wdata = NULL;
    const dnnl_memory_desc_t *w_md = &d.y;
    pds_status st;
    if (wparam) {
        w_md = dnnl_primitive_desc_query_md(pd, dnnl_query_weights_md, 0);
        if ((st = pdsi_dnn_weights(dm, g, in[1].value, &d.y, w_md, &wdata, err)) || pack_only) {
            if (!st)
                pdsi_dnn_warm(pd);
            dnnl_primitive_desc_destroy(pd);
            return st;
        }
    }
    if (wparam && !d.bf16 && !tx && mp.batch_rank == 0 &&
        pdsi_dnn_gemv_fits(mp.M, w_md, p->post, p->n_post, p->mm.alpha)) {
        /* A few rows by large weights: gemv.c streams the same packed copy. */
        dnnl_primitive_desc_destroy(pd);
        st = pdsi_dnn_gemv_step(mp.M, mp.K, mp.N, wdata, ib >= 0 ? in[ib].t->data : NULL,
                                p->n_post == 1, step, err);
        if (st)
            return st;
        for (int k = 0; k < n_in; k++)
            in[k].want = PDSI_LAYOUT_PLAIN;
        out[0].layout = PDSI_LAYOUT_PLAIN;
        return PDS_OK;
    }
    pdsi_dnn_arg args[4];
    int n = 0;
    if (!d.bf16)
        args[n++] = (pdsi_dnn_arg){DNNL_ARG_SRC, &d.x, 0, NULL};
    args[n++] = (pdsi_dnn_arg){DNNL_ARG_WEIGHTS, w_md, wparam ? PDSI_BIND_CONST : 1, wdata};
    if (ib >= 0)
        args[n++] = (pdsi_dnn_arg){DNNL_ARG_BIAS, &d.bias, PDSI_BIND_CONST, in[ib].t->data};
    args[n++] = (pdsi_dnn_arg){DNNL_ARG_DST, &d.out, PDSI_BIND_OUT0, NULL};
    if (d.bf16)
        st = mm_step_bf16(pd, &d, args, n, step, err);
    else
        st = pdsi_dnn_make_step(pd, args, n, step, err);
    if (st || !*step)
        return st;
    for (int k = 0; k < n_in; k++)
        in[k].want = PDSI_LAYOUT_PLAIN;
    out[0].layout = PDSI_LAYOUT_PLAIN;
    return PDS_OK;
}
