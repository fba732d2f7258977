/*
 * attr.c — what the oneDNN step builders share to describe a primitive's
 * attributes: the step attribute (user-managed scratchpad, so that every
 * step's scratchpad lives in the predictor's one scratch buffer), post-ops
 * (fused activations, a residual as a sum) and a common output scale, and
 * the primitive descriptors made with them.
 */
#include "backend/onednn/dnn-impl.h"

#include "ops/activation.h"
#include "ops/fused.h"

/* The attribute every step uses: user-managed scratchpad. */
static dnnl_status_t step_attr(dnnl_primitive_attr_t *attr)
{
    dnnl_status_t s = dnnl_primitive_attr_create(attr);
    if (s != dnnl_success)
        return s;
    s = dnnl_primitive_attr_set_scratchpad_mode(*attr, dnnl_scratchpad_mode_user);
    if (s != dnnl_success)
        dnnl_primitive_attr_destroy(*attr);
    return s;
}

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
    case PDSI_UNARY_LINEAR: alg = dnnl_eltwise_linear; alpha = a; beta = b; break;
    case PDSI_UNARY_FAKE_QUANT: {
        /* quantize_linear's q * inv(s) * x, rounded half to even (oneDNN's
         * round), clamped to [-q - 1, q]; then dequantize_linear's step as
         * one factor s / q (Paddle multiplies by s, then divides by q: at
         * most one rounding apart), as pow(x, 1) times s / q: oneDNN 2.6's
         * brgemm convolutions apply the first linear post-op's factors to
         * every later linear one ([linear 0.5, linear 2] scales by 0.25). */
        const float inv = a <= 1e-30f ? 1.0f / (a + 1e-6f) : 1.0f / a;
        return b < 4194304.0f &&
               dnnl_post_ops_append_eltwise(po, 1.0f, dnnl_eltwise_linear, b * inv, 0.0f) ==
                   dnnl_success &&
               dnnl_post_ops_append_eltwise(po, 1.0f, dnnl_eltwise_round, 0.0f, 0.0f) ==
                   dnnl_success &&
               dnnl_post_ops_append_eltwise(po, 1.0f, dnnl_eltwise_clip_v2, -b - 1.0f, b) ==
                   dnnl_success &&
               dnnl_post_ops_append_eltwise(po, 1.0f, dnnl_eltwise_pow, a / b, 1.0f) ==
                   dnnl_success;
    }
    default: return false;
    }
    return dnnl_post_ops_append_eltwise(po, 1.0f, alg, alpha, beta) == dnnl_success;
}

dnnl_post_ops_t pdsi_dnn_post_ops(const pdsi_post_op *post, int n_post, bool allow_sum,
                                  int *n_res)
{
    dnnl_post_ops_t po;
    *n_res = 0;
    if (dnnl_post_ops_create(&po) != dnnl_success)
        return NULL;
    for (int i = 0; i < n_post; i++) {
        bool ok;
        if (post[i].residual) {
            ok = allow_sum && ++*n_res == 1 &&
                 dnnl_post_ops_append_sum(po, 1.0f) == dnnl_success;
        } else {
            const pdsi_unary_params *u = &post[i].unary;
            ok = pdsi_dnn_post_unary(po, u->kind, u->a, u->b, u->c);
        }
        if (!ok) {
            dnnl_post_ops_destroy(po);
            return NULL;
        }
    }
    return po;
}

dnnl_primitive_attr_t pdsi_dnn_attr_make(const_dnnl_post_ops_t po, const float *scale)
{
    dnnl_primitive_attr_t attr;
    if (step_attr(&attr) != dnnl_success)
        return NULL;
    if ((scale && dnnl_primitive_attr_set_output_scales(attr, 1, 0, scale) != dnnl_success) ||
        (po && dnnl_primitive_attr_set_post_ops(attr, po) != dnnl_success)) {
        dnnl_primitive_attr_destroy(attr);
        return NULL;
    }
    return attr;
}

dnnl_primitive_desc_t pdsi_dnn_pd(const void *desc, const_dnnl_post_ops_t po, const float *scale)
{
    dnnl_primitive_attr_t attr = pdsi_dnn_attr_make(po, scale);
    dnnl_primitive_desc_t pd = NULL;
    if (!attr)
        return NULL;
    if (dnnl_primitive_desc_create(&pd, desc, attr, pdsi_dnn_engine(), NULL) != dnnl_success)
        pd = NULL;
    dnnl_primitive_attr_destroy(attr);
    return pd;
}

dnnl_primitive_desc_t pdsi_dnn_fast_pd(const void *desc, const_dnnl_post_ops_t po,
                                       const float *scale)
{
    dnnl_primitive_desc_t pd = pdsi_dnn_pd(desc, po, scale);
    if (pd && !pdsi_dnn_pd_is_fast(pd)) {
        dnnl_primitive_desc_destroy(pd);
        pd = NULL;
    }
    return pd;
}
