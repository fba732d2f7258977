/*
 * fused.c — reference kernels of the fused operators: the plain kernels one
 * after the other, in place on the output (ops/fused.h).
 */
#include "kernels/ref/ref.h"
#include "ops/fused.h"

#include "ops/elementwise.h"

/* Activations post[from, to) in place on o. */
static pds_status apply_unary(const pdsi_post_op *post, int from, int to, pdsi_tensor *o,
                              pdsi_exec *ex, pds_error *err)
{
    pdsi_tensor *one[1] = {o};
    pdsi_slot io = {one, 1};
    for (int i = from; i < to; i++) {
        /* Unary kernels read X[i] before writing Out[i]: in place is safe. */
        pdsi_slot in[3] = {io, {NULL, 0}, {NULL, 0}};
        pds_status st = pdsi_ref_unary(&post[i].unary, in, &io, ex, err);
        if (st)
            return st;
    }
    return PDS_OK;
}

static pds_status fused_conv(const pdsi_fconv_params *p, const pdsi_slot *in,
                             const pdsi_slot *out, pdsi_exec *ex, pds_error *err);

/* The int8 form (ops/fused.h): Input fake-quantised into a copy, then the
 * float convolution with the dequantised Filter, as the quantize_linear,
 * dequantize_linear and conv2d kernels compute them one after the other. */
pds_status pdsi_fused_conv_ref(const void *params, const pdsi_slot *in, const pdsi_slot *out,
                               pdsi_exec *ex, pds_error *err)
{
    const pdsi_fconv_params *p = params;
    const pdsi_tensor *x = pdsi_slot_get(&in[0]);
    if (!p->quant.on)
        return fused_conv(p, in, out, ex, err);
    if (!x || x->dtype != PDS_FLOAT32)
        return pdsi_fail(err, PDS_ERR_INTERNAL, "int8 convolution: Input is not float32");
    pdsi_tensor xq = {0};
    pdsi_tensor_set_shape(&xq, PDS_FLOAT32, x->rank, x->dims);
    if (!pdsi_tensor_reserve(&xq))
        return pdsi_fail(err, PDS_ERR_OUT_OF_MEMORY, "int8 convolution: could not allocate %zu "
                         "bytes for the quantised input", pdsi_tensor_bytes(&xq));
    pdsi_ref_fake_quant(x->data, xq.data, pdsi_tensor_numel(x), p->quant.in_scale,
                        (float)p->quant.in_qmax);
    pdsi_tensor *xp[1] = {&xq};
    pdsi_slot qin[4] = {{xp, 1}, in[1], in[2], in[3]};
    pds_status st = fused_conv(p, qin, out, ex, err);
    pdsi_tensor_release(&xq);
    return st;
}

static pds_status fused_conv(const pdsi_fconv_params *p, const pdsi_slot *in,
                             const pdsi_slot *out, pdsi_exec *ex, pds_error *err)
{
    pdsi_slot plain_in[4] = {in[0], in[1], in[2], {NULL, 0}};
    pdsi_tensor *o = pdsi_slot_get(&out[0]);
    const pdsi_tensor *res = pdsi_slot_get(&in[3]);
    int r = -1;
    for (int i = 0; i < p->n_post; i++)
        if (p->post[i].residual)
            r = i;
    if (!res || r < 0) {
        pds_status st = p->conv.transpose
                            ? pdsi_conv2d_transpose_ref(&p->conv, plain_in, out, ex, err)
                            : pdsi_conv2d_ref(&p->conv, plain_in, out, ex, err);
        return st ? st : apply_unary(p->post, 0, p->n_post, o, ex, err);
    }
    /* The convolution into its own buffer, then the add exactly as the
     * elementwise_add kernel does it (broadcasting included), then the rest. */
    pdsi_tensor conv = {0};
    pdsi_conv_geom geo;
    pds_status st = pdsi_conv_resolve(&p->conv, pdsi_slot_get(&in[0]), pdsi_slot_get(&in[1]),
                                      &geo, err);
    if (st)
        return st;
    const int64_t cd[4] = {geo.n, geo.m, geo.oh, geo.ow};
    pdsi_tensor_set_shape(&conv, PDS_FLOAT32, 4, cd);
    if (!pdsi_tensor_reserve(&conv))
        return pdsi_fail(err, PDS_ERR_OUT_OF_MEMORY,
                         "fused convolution: could not allocate %zu bytes", pdsi_tensor_bytes(&conv));
    pdsi_tensor *cp[1] = {&conv};
    pdsi_slot cs = {cp, 1};
    st = p->conv.transpose ? pdsi_conv2d_transpose_ref(&p->conv, plain_in, &cs, ex, err)
                           : pdsi_conv2d_ref(&p->conv, plain_in, &cs, ex, err);
    if (!st)
        st = apply_unary(p->post, 0, r, &conv, ex, err);
    if (!st) {
        pdsi_binary_params add = {PDSI_BINARY_ADD, p->post[r].add_axis};
        pdsi_tensor *rp[1] = {(pdsi_tensor *)res};
        pdsi_slot rs = {rp, 1};
        pdsi_slot xy[2] = {p->post[r].conv_is_x ? cs : rs, p->post[r].conv_is_x ? rs : cs};
        st = pdsi_ref_binary(&add, xy, out, ex, err);
    }
    pdsi_tensor_release(&conv);
    return st ? st : apply_unary(p->post, r + 1, p->n_post, o, ex, err);
}

static pds_status fused_matmul(const pdsi_fmatmul_params *p, const pdsi_slot *in,
                               const pdsi_slot *out, pdsi_exec *ex, pds_error *err);

/* The int8 form: X fake-quantised into a copy, then the float product. */
pds_status pdsi_fused_matmul_ref(const void *params, const pdsi_slot *in, const pdsi_slot *out,
                                 pdsi_exec *ex, pds_error *err)
{
    const pdsi_fmatmul_params *p = params;
    const pdsi_tensor *x = pdsi_slot_get(&in[0]);
    if (!p->quant.on)
        return fused_matmul(p, in, out, ex, err);
    if (!x || x->dtype != PDS_FLOAT32)
        return pdsi_fail(err, PDS_ERR_INTERNAL, "int8 matmul: X is not float32");
    pdsi_tensor xq = {0};
    pdsi_tensor_set_shape(&xq, PDS_FLOAT32, x->rank, x->dims);
    if (!pdsi_tensor_reserve(&xq))
        return pdsi_fail(err, PDS_ERR_OUT_OF_MEMORY, "int8 matmul: could not allocate %zu "
                         "bytes for the quantised input", pdsi_tensor_bytes(&xq));
    pdsi_ref_fake_quant(x->data, xq.data, pdsi_tensor_numel(x), p->quant.in_scale,
                        (float)p->quant.in_qmax);
    pdsi_tensor *xp[1] = {&xq};
    pdsi_slot qin[3] = {{xp, 1}, in[1], in[2]};
    pds_status st = fused_matmul(p, qin, out, ex, err);
    pdsi_tensor_release(&xq);
    return st;
}

static pds_status fused_matmul(const pdsi_fmatmul_params *p, const pdsi_slot *in,
                               const pdsi_slot *out, pdsi_exec *ex, pds_error *err)
{
    /* fc's W is [K, N]: its flattening at 1 is mul's. */
    pds_status st = p->form == PDSI_FMATMUL_V2 ? pdsi_ref_matmul(&p->mm, in, out, ex, err)
                                               : pdsi_ref_mul(&p->flat, in, out, ex, err);
    if (st)
        return st;
    pdsi_tensor *o = pdsi_slot_get(&out[0]);
    const pdsi_tensor *b = pdsi_slot_get(&in[2]);
    if (b) {
        /* [N] or fc's [1, N]: shape inference checked that N is the row length. */
        int64_t n = pdsi_tensor_numel(b), rows = n ? pdsi_tensor_numel(o) / n : 0;
        float *y = o->data;
        const float *bias = b->data;
        for (int64_t r = 0; r < rows; r++)
            for (int64_t k = 0; k < n; k++)
                y[r * n + k] += bias[k];
    }
    return apply_unary(p->post, 0, p->n_post, o, ex, err);
}

/* ---- kernels by operator (ops/op_list.h order) ------------------------- */

const pdsi_ref_binding pdsi_ref_fused_kernels[] = {
    {PDSI_OP_PDSAFE_CONV, pdsi_fused_conv_ref},
    {PDSI_OP_PDSAFE_MATMUL, pdsi_fused_matmul_ref},
    {PDSI_OP_PDSAFE_AFFINE, pdsi_ref_unary},
};
PDSI_REF_TABLE_CHECK(FUSED, fused);
