/*
 * eltwise.c — element-wise operators on oneDNN: activations (eltwise
 * primitive, chained as post-ops where Paddle's function needs two oneDNN
 * functions) and the binary elementwise_* operators (binary primitive, with
 * Paddle's legacy broadcasting mapped onto oneDNN's). Both run in whatever
 * layout their input is stored in, so NHWC chains stay NHWC, and bf16 ones
 * bf16 (PDS_PRECISION_BF16).
 */
#include "backend/onednn/dnn.h"

#include <string.h>

#include "ops/activation.h"
#include "ops/elementwise.h"
#include "backend/onednn/dnn-impl.h"

/* A layout a tensor can be described in: NHWC only for 4-D. */
static uint8_t usable(const pdsi_tensor *t, uint8_t layout)
{
    return t->rank == 4 ? layout : PDSI_LAYOUT_PLAIN;
}

/* Builds a single-primitive step; takes pd. */
static pds_status finish(pdsi_dnn_step *s, dnnl_primitive_desc_t pd, pdsi_dnn_step **step,
                         pds_error *err)
{
    pds_status st = pdsi_dnn_step_finish(s, pd, err);
    if (st) {
        pdsi_dnn_step_free(s);
        return st;
    }
    *step = s;
    return PDS_OK;
}

/* A QDQ pair with qmax 127 (PDSI_UNARY_FAKE_QUANT): two reorders, into s8
 * with quantize_linear's factor (oneDNN rounds half to even and saturates to
 * [-128, 127], Paddle's clamp) and back with the step s / 127. oneDNN 2.6's
 * eltwise primitive takes no post-ops fast, so the chain the convolutions
 * fuse (attr.c) would run slowly here. */
static pds_status fake_quant_step(const pdsi_unary_params *u, pdsi_dnn_io *in, pdsi_dnn_io *out,
                                  pdsi_dnn_step **step, pds_error *err)
{
    const pdsi_tensor *x = in[0].t;
    if (x->dtype != PDS_FLOAT32 || u->b != 127.0f || !(u->a > 1e-30f))
        return PDS_OK;
    uint8_t lay = usable(x, pdsi_layout_fp32(in[0].layout)); /* float32 only */
    dnnl_memory_desc_t md, md8;
    if (pdsi_dnn_md(&md, x->dims, x->rank, lay) != dnnl_success)
        return PDS_OK;
    md8 = md;
    md8.data_type = dnnl_s8; /* descriptors count elements: only the type changes */
    const float f = u->b * (1.0f / u->a), back = u->a / u->b;
    dnnl_primitive_attr_t attr = pdsi_dnn_attr_make(NULL, &back);
    dnnl_primitive_desc_t pd = NULL;
    if (!attr || dnnl_reorder_primitive_desc_create(&pd, &md8, pdsi_dnn_engine(), &md,
                                                    pdsi_dnn_engine(), attr) != dnnl_success)
        pd = NULL;
    if (attr)
        dnnl_primitive_attr_destroy(attr);
    if (!pd)
        return PDS_OK;
    pdsi_dnn_step *s = pdsi_dnn_step_new();
    size_t o8;
    pds_status st = s ? pdsi_dnn_step_convert(s, &md, 0, 0, &md8, f, &o8, err)
                      : pdsi_fail(err, PDS_ERR_OUT_OF_MEMORY, "could not allocate a step");
    if (!st)
        st = pdsi_dnn_step_arg_temp(s, DNNL_ARG_FROM, &md8, o8, err);
    if (!st)
        st = pdsi_dnn_step_arg(s, DNNL_ARG_TO, &md, PDSI_BIND_OUT0, NULL, err);
    if (st) {
        dnnl_primitive_desc_destroy(pd);
        pdsi_dnn_step_free(s);
        return st;
    }
    if ((st = pdsi_dnn_step_finish(s, pd, err))) {
        pdsi_dnn_step_free(s);
        return st;
    }
    in[0].want = lay;
    out[0].layout = lay;
    *step = s;
    return PDS_OK;
}

pds_status pdsi_dnn_unary(const pdsi_node *node, pdsi_dnn_io *in, int n_in, pdsi_dnn_io *out,
                          int n_out, pdsi_dnn_step **step, pds_error *err)
{
    *step = NULL;
    if ((node->def->flags & PDSI_OPF_POST_OP) && n_in == 1 && n_out == 1 &&
        ((const pdsi_unary_params *)node->params)->kind == PDSI_UNARY_FAKE_QUANT)
        return fake_quant_step(node->params, in, out, step, err);
    float alpha = 0.0f, beta = 0.0f;
    dnnl_alg_kind_t alg;
    if (node->def->flags & PDSI_OPF_POST_OP) {
        /* Tensor-valued attributes (clip's Min/Max, pow's FactorTensor) stay
         * with the reference kernel. */
        if (n_in != 1 || n_out != 1)
            return PDS_OK;
        const pdsi_unary_params *u = node->params;
        /* The first eltwise entry becomes the primitive, the rest post-ops. */
        dnnl_post_ops_t po;
        if (dnnl_post_ops_create(&po) != dnnl_success)
            return PDS_OK;
        bool ok = pdsi_dnn_post_unary(po, u->kind, u->a, u->b, u->c);
        int n = ok ? dnnl_post_ops_len(po) : 0;
        float sc;
        ok = ok && n >= 1 &&
             dnnl_post_ops_get_params_eltwise(po, 0, &sc, &alg, &alpha, &beta) == dnnl_success;
        dnnl_post_ops_t rest = NULL;
        if (ok && n > 1) {
            ok = dnnl_post_ops_create(&rest) == dnnl_success;
            for (int i = 1; ok && i < n; i++) {
                dnnl_alg_kind_t a2;
                float s2, al2, be2;
                ok = dnnl_post_ops_get_params_eltwise(po, i, &s2, &a2, &al2, &be2) ==
                         dnnl_success &&
                     dnnl_post_ops_append_eltwise(rest, s2, a2, al2, be2) == dnnl_success;
            }
        }
        dnnl_post_ops_destroy(po);
        if (!ok) {
            if (rest)
                dnnl_post_ops_destroy(rest);
            return PDS_OK;
        }
        const pdsi_tensor *x = in[0].t;
        if (x->dtype != PDS_FLOAT32) {
            if (rest)
                dnnl_post_ops_destroy(rest);
            return PDS_OK;
        }
        uint8_t lay = usable(x, in[0].layout);
        dnnl_memory_desc_t md;
        dnnl_primitive_desc_t pd = NULL;
        dnnl_eltwise_desc_t ed;
        if (pdsi_dnn_md(&md, x->dims, x->rank, lay) == dnnl_success &&
            dnnl_eltwise_forward_desc_init(&ed, dnnl_forward_inference, alg, &md, alpha, beta) ==
                dnnl_success)
            pd = pdsi_dnn_pd(&ed, rest, NULL);
        if (rest)
            dnnl_post_ops_destroy(rest);
        if (!pd)
            return PDS_OK;
        const pdsi_dnn_arg args[2] = {{DNNL_ARG_SRC, &md, 0, NULL},
                                      {DNNL_ARG_DST, &md, PDSI_BIND_OUT0, NULL}};
        pdsi_dnn_step *s = NULL;
        pds_status st = pdsi_dnn_make_step(pd, args, 2, &s, err);
        if (st || !s)
            return st;
        in[0].want = lay;
        out[0].layout = lay;
        *step = s;
        return PDS_OK;
    }
    if (node->def->id == PDSI_OP_SCALE && n_in == 1 && n_out == 1 &&
        in[0].t->dtype == PDS_FLOAT32) {
        const pdsi_scale_params *p = node->params;
        /* scale * x + bias, or scale * (x + bias). */
        alpha = (float)p->scale;
        beta = p->bias_after_scale ? (float)p->bias : (float)(p->scale * p->bias);
        const pdsi_tensor *x = in[0].t;
        uint8_t lay = usable(x, in[0].layout);
        dnnl_memory_desc_t md;
        dnnl_primitive_desc_t pd = NULL;
        dnnl_eltwise_desc_t ed;
        if (pdsi_dnn_md(&md, x->dims, x->rank, lay) == dnnl_success &&
            dnnl_eltwise_forward_desc_init(&ed, dnnl_forward_inference, dnnl_eltwise_linear, &md,
                                           alpha, beta) == dnnl_success)
            pd = pdsi_dnn_pd(&ed, NULL, NULL);
        if (!pd)
            return PDS_OK;
        pdsi_dnn_step *s = pdsi_dnn_step_new();
        pds_status st;
        if (!s) {
            dnnl_primitive_desc_destroy(pd);
            return pdsi_fail(err, PDS_ERR_OUT_OF_MEMORY, "could not allocate a step");
        }
        if ((st = pdsi_dnn_step_arg(s, DNNL_ARG_SRC, &md, 0, NULL, err)) ||
            (st = pdsi_dnn_step_arg(s, DNNL_ARG_DST, &md, PDSI_BIND_OUT0, NULL, err))) {
            dnnl_primitive_desc_destroy(pd);
            pdsi_dnn_step_free(s);
            return st;
        }
        in[0].want = lay;
        out[0].layout = lay;
        return finish(s, pd, step, err);
    }
    return PDS_OK;
}

pds_status pdsi_dnn_binary(const pdsi_node *node, pdsi_dnn_io *in, int n_in, pdsi_dnn_io *out,
                           int n_out, pdsi_dnn_step **step, pds_error *err)
{
    *step = NULL;
    if (!(node->def->flags & PDSI_OPF_BINARY) || n_in != 2 || n_out != 1)
        return PDS_OK;
    const pdsi_binary_params *p = node->params;
    dnnl_alg_kind_t alg;
    bool commutes = true;
    switch (p->kind) {
    case PDSI_BINARY_ADD: alg = dnnl_binary_add; break;
    case PDSI_BINARY_MUL: alg = dnnl_binary_mul; break;
    case PDSI_BINARY_MAX: alg = dnnl_binary_max; break;
    case PDSI_BINARY_MIN: alg = dnnl_binary_min; break;
    case PDSI_BINARY_SUB: alg = dnnl_binary_sub; commutes = false; break;
    case PDSI_BINARY_DIV: alg = dnnl_binary_div; commutes = false; break;
    default: return PDS_OK;
    }
    const pdsi_tensor *x = in[0].t, *y = in[1].t, *o = out[0].t;
    if (x->dtype != PDS_FLOAT32 || y->dtype != PDS_FLOAT32)
        return PDS_OK;
    pdsi_bcast bc;
    if (pdsi_bcast_plan(x->dims, x->rank, y->dims, y->rank, p->axis, &bc, NULL) != PDS_OK ||
        bc.rank < 1 || bc.rank > 6)
        return PDS_OK;
    /* oneDNN broadcasts src1 only: the full-size operand goes first. */
    int a = 0, b = 1;
    const int64_t *ad = bc.x, *bd = bc.y;
    if (memcmp(bc.x, bc.out, sizeof(int64_t) * (size_t)bc.rank) != 0) {
        if (!commutes || memcmp(bc.y, bc.out, sizeof(int64_t) * (size_t)bc.rank) != 0)
            return PDS_OK;
        a = 1;
        b = 0;
        ad = bc.y;
        bd = bc.x;
    }
    (void)ad;
    /* src0 and dst keep the full operand's layout when it is 4-D; the
     * broadcast one is described in its own stored layout (the aligned dims
     * keep its memory order when its rank is the output's). */
    uint8_t la = bc.rank == 4 && in[a].t->rank == 4 ? in[a].layout : PDSI_LAYOUT_PLAIN;
    bool full_b = memcmp(bd, bc.out, sizeof(int64_t) * (size_t)bc.rank) == 0;
    uint8_t lb;
    if (full_b)
        lb = la;
    else
        lb = bc.rank == 4 && in[b].t->rank == 4 ? in[b].layout : PDSI_LAYOUT_PLAIN;
    dnnl_memory_desc_t ma, mb, mo;
    if (pdsi_dnn_md(&ma, bc.out, bc.rank, la) || pdsi_dnn_md(&mb, bd, bc.rank, lb) ||
        pdsi_dnn_md(&mo, bc.out, bc.rank, la))
        return PDS_OK;
    (void)o;
    dnnl_binary_desc_t bdsc;
    dnnl_primitive_desc_t pd = NULL;
    if (dnnl_binary_desc_init(&bdsc, alg, &ma, &mb, &mo) == dnnl_success)
        pd = pdsi_dnn_fast_pd(&bdsc, NULL, NULL);
    if (!pd)
        return PDS_OK;
    pdsi_dnn_step *s = pdsi_dnn_step_new();
    pds_status st;
    if (!s) {
        dnnl_primitive_desc_destroy(pd);
        return pdsi_fail(err, PDS_ERR_OUT_OF_MEMORY, "could not allocate a step");
    }
    if ((st = pdsi_dnn_step_arg(s, DNNL_ARG_SRC_0, &ma, a, NULL, err)) ||
        (st = pdsi_dnn_step_arg(s, DNNL_ARG_SRC_1, &mb, b, NULL, err)) ||
        (st = pdsi_dnn_step_arg(s, DNNL_ARG_DST, &mo, PDSI_BIND_OUT0, NULL, err))) {
        dnnl_primitive_desc_destroy(pd);
        pdsi_dnn_step_free(s);
        return st;
    }
    in[a].want = la;
    in[b].want = lb;
    out[0].layout = la;
    return finish(s, pd, step, err);
}
