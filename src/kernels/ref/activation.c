/*
 * activation.c — reference kernels of the activation family.
 *
 * Each function is one tight loop chosen by a switch outside it, written with
 * the same formula (and the same operand order, where it changes rounding or
 * NaN handling) as Paddle's CPU functors, in float32 like Paddle. Shapes and
 * dtypes were checked by the operator's infer function; the kernels only
 * compute. Out[i] depends on X[i] alone and is written after X[i] is read, so
 * Out may share X's buffer.
 */
#include "kernels/ref/ref.h"
#include "ops/activation.h"

#include <float.h>
#include <math.h>
#include <stdint.h>
#include <string.h>

#define SQRT1_2_F 0.70710678118654752440f
#define SQRT_2_OVER_PI_F 0.79788456080286535588f

static float clampf(float v, float lo, float hi)
{
    /* Comparisons rather than fminf/fmaxf so that NaN passes through. */
    return v < lo ? lo : (v > hi ? hi : v);
}

/* double -> float saturating to +-inf, as IEEE conversion does; C leaves an
 * out-of-range conversion undefined. NaN passes through. */
static float to_f32(double v)
{
    if (v > FLT_MAX)
        return INFINITY;
    if (v < -FLT_MAX)
        return -INFINITY;
    return (float)v;
}

/* A scalar override tensor (Min, Max, FactorTensor); infer checked that it
 * holds exactly one number. */
static float scalar_input(const pdsi_slot *s, float dflt)
{
    const pdsi_tensor *t = pdsi_slot_get(s);
    return t ? to_f32(pdsi_tensor_get_f64(t, 0)) : dflt;
}

pds_status pdsi_ref_unary(const void *params, const pdsi_slot *in, const pdsi_slot *out,
                          pdsi_exec *ex, pds_error *err)
{
    (void)ex;
    (void)err;
    const pdsi_unary_params *p = params;
    const pdsi_tensor *tx = pdsi_slot_get(&in[0]);
    pdsi_tensor *to = pdsi_slot_get(&out[0]);
    const float *x = tx->data;
    float *o = to->data;
    int64_t n = pdsi_tensor_numel(tx);
    float a = p->a, b = p->b, c = p->c;

    switch (p->kind) {
    case PDSI_UNARY_RELU:
        for (int64_t i = 0; i < n; i++)
            o[i] = x[i] < 0.0f ? 0.0f : x[i];
        break;
    case PDSI_UNARY_RELU6:
        for (int64_t i = 0; i < n; i++)
            o[i] = clampf(x[i], 0.0f, a);
        break;
    case PDSI_UNARY_SIGMOID:
        for (int64_t i = 0; i < n; i++)
            o[i] = 1.0f / (1.0f + expf(-x[i]));
        break;
    case PDSI_UNARY_TANH:
        for (int64_t i = 0; i < n; i++)
            o[i] = tanhf(x[i]);
        break;
    case PDSI_UNARY_SWISH:
        for (int64_t i = 0; i < n; i++)
            o[i] = x[i] / (1.0f + expf(-a * x[i]));
        break;
    case PDSI_UNARY_SILU:
        for (int64_t i = 0; i < n; i++)
            o[i] = x[i] / (1.0f + expf(-x[i]));
        break;
    case PDSI_UNARY_HARD_SWISH:
        /* Paddle: min(max(x + offset, 0), threshold) * x / scale. */
        for (int64_t i = 0; i < n; i++) {
            float v = x[i];
            o[i] = clampf(v + a, 0.0f, b) * v / c;
        }
        break;
    case PDSI_UNARY_HARD_SIGMOID:
        for (int64_t i = 0; i < n; i++)
            o[i] = clampf(x[i] * a + b, 0.0f, 1.0f);
        break;
    case PDSI_UNARY_GELU:
        for (int64_t i = 0; i < n; i++) {
            float v = x[i];
            o[i] = v * 0.5f * (1.0f + erff(v * SQRT1_2_F));
        }
        break;
    case PDSI_UNARY_GELU_TANH:
        for (int64_t i = 0; i < n; i++) {
            float v = x[i];
            o[i] = v * 0.5f * (1.0f + tanhf(SQRT_2_OVER_PI_F * v * (1.0f + 0.044715f * v * v)));
        }
        break;
    case PDSI_UNARY_LEAKY_RELU:
        /* Paddle picks max(x, alpha x) for alpha < 1 and min otherwise, so
         * alpha > 1 keeps the smaller of the two rather than the branch. */
        if (a < 1.0f) {
            for (int64_t i = 0; i < n; i++) {
                float v = x[i], s = a * v;
                o[i] = v < s ? s : v;
            }
        } else {
            for (int64_t i = 0; i < n; i++) {
                float v = x[i], s = a * v;
                o[i] = v > s ? s : v;
            }
        }
        break;
    case PDSI_UNARY_CLIP: {
        float lo = scalar_input(&in[1], a), hi = scalar_input(&in[2], b);
        for (int64_t i = 0; i < n; i++)
            o[i] = clampf(x[i], lo, hi);
        break;
    }
    case PDSI_UNARY_EXP:
        for (int64_t i = 0; i < n; i++)
            o[i] = expf(x[i]);
        break;
    case PDSI_UNARY_SQRT:
        for (int64_t i = 0; i < n; i++)
            o[i] = sqrtf(x[i]);
        break;
    case PDSI_UNARY_RSQRT:
        for (int64_t i = 0; i < n; i++)
            o[i] = 1.0f / sqrtf(x[i]);
        break;
    case PDSI_UNARY_ABS:
        for (int64_t i = 0; i < n; i++)
            o[i] = fabsf(x[i]);
        break;
    case PDSI_UNARY_LOG:
        for (int64_t i = 0; i < n; i++)
            o[i] = logf(x[i]);
        break;
    case PDSI_UNARY_SQUARE:
        for (int64_t i = 0; i < n; i++)
            o[i] = x[i] * x[i];
        break;
    case PDSI_UNARY_SOFTPLUS:
        for (int64_t i = 0; i < n; i++) {
            float v = x[i], vb = a * v;
            o[i] = vb > b ? v : log1pf(expf(vb)) / a;
        }
        break;
    case PDSI_UNARY_MISH:
        for (int64_t i = 0; i < n; i++) {
            float v = x[i];
            float sp = v > a ? v : log1pf(expf(v));
            o[i] = v * tanhf(sp);
        }
        break;
    case PDSI_UNARY_ELU:
        for (int64_t i = 0; i < n; i++) {
            float v = x[i];
            o[i] = v < 0.0f ? a * (expf(v) - 1.0f) : v;
        }
        break;
    case PDSI_UNARY_POW: {
        float f = scalar_input(&in[1], a);
        for (int64_t i = 0; i < n; i++)
            o[i] = powf(x[i], f);
        break;
    }
    case PDSI_UNARY_ERF:
        for (int64_t i = 0; i < n; i++)
            o[i] = erff(x[i]);
        break;
    case PDSI_UNARY_SIN:
        for (int64_t i = 0; i < n; i++)
            o[i] = sinf(x[i]);
        break;
    case PDSI_UNARY_COS:
        for (int64_t i = 0; i < n; i++)
            o[i] = cosf(x[i]);
        break;
    case PDSI_UNARY_FLOOR:
        for (int64_t i = 0; i < n; i++)
            o[i] = floorf(x[i]);
        break;
    case PDSI_UNARY_CEIL:
        for (int64_t i = 0; i < n; i++)
            o[i] = ceilf(x[i]);
        break;
    case PDSI_UNARY_ROUND:
        /* the default rounding mode: halves to even, as Paddle (-2.5 -> -2) */
        for (int64_t i = 0; i < n; i++)
            o[i] = nearbyintf(x[i]);
        break;
    case PDSI_UNARY_SIGN:
        for (int64_t i = 0; i < n; i++)
            o[i] = (float)((x[i] > 0.0f) - (x[i] < 0.0f));
        break;
    case PDSI_UNARY_RECIPROCAL:
        for (int64_t i = 0; i < n; i++)
            o[i] = 1.0f / x[i];
        break;
    case PDSI_UNARY_LINEAR:
        for (int64_t i = 0; i < n; i++)
            o[i] = a * x[i] + b;
        break;
    case PDSI_UNARY_FAKE_QUANT:
        pdsi_ref_fake_quant(x, o, n, a, b);
        break;
    default:
        return pdsi_fail(err, PDS_ERR_INTERNAL, "unary kernel: unknown kind %d", (int)p->kind);
    }
    return PDS_OK;
}

/* double -> integer the way x86's truncating conversion (what Paddle's
 * static_cast compiles to) behaves: truncate toward zero, and the "integer
 * indefinite" value INT_MIN for NaN or anything out of range. Doing it by hand
 * keeps C's undefined behaviour out. */
static int64_t f64_to_i64(double v)
{
    if (!(v >= -9223372036854775808.0 && v < 9223372036854775808.0))
        return INT64_MIN;
    return (int64_t)v;
}

static int32_t f64_to_i32(double v)
{
    if (!(v > -2147483649.0 && v < 2147483648.0))
        return INT32_MIN;
    return (int32_t)v;
}

pds_status pdsi_ref_scale(const void *params, const pdsi_slot *in, const pdsi_slot *out,
                          pdsi_exec *ex, pds_error *err)
{
    (void)ex;
    const pdsi_scale_params *p = params;
    const pdsi_tensor *tx = pdsi_slot_get(&in[0]);
    const pdsi_tensor *ts = pdsi_slot_get(&in[1]);
    pdsi_tensor *to = pdsi_slot_get(&out[0]);
    int64_t n = pdsi_tensor_numel(tx);
    double scale = ts ? pdsi_tensor_get_f64(ts, 0) : p->scale;

    switch (tx->dtype) {
    case PDS_FLOAT32: {
        const float *x = tx->data;
        float *o = to->data;
        float s = to_f32(scale), b = to_f32(p->bias);
        if (p->bias_after_scale)
            for (int64_t i = 0; i < n; i++)
                o[i] = x[i] * s + b;
        else
            for (int64_t i = 0; i < n; i++)
                o[i] = (x[i] + b) * s;
        break;
    }
    case PDS_INT64: {
        /* Wrapping arithmetic in uint64_t: Paddle's int64 scale overflows
         * silently, and signed overflow would be undefined here. */
        const int64_t *x = tx->data;
        int64_t *o = to->data;
        uint64_t s = (uint64_t)f64_to_i64(scale), b = (uint64_t)f64_to_i64(p->bias);
        if (p->bias_after_scale)
            for (int64_t i = 0; i < n; i++)
                o[i] = (int64_t)((uint64_t)x[i] * s + b);
        else
            for (int64_t i = 0; i < n; i++)
                o[i] = (int64_t)(((uint64_t)x[i] + b) * s);
        break;
    }
    case PDS_INT32: {
        const int32_t *x = tx->data;
        int32_t *o = to->data;
        uint32_t s = (uint32_t)f64_to_i32(scale), b = (uint32_t)f64_to_i32(p->bias);
        if (p->bias_after_scale)
            for (int64_t i = 0; i < n; i++)
                o[i] = (int32_t)((uint32_t)x[i] * s + b);
        else
            for (int64_t i = 0; i < n; i++)
                o[i] = (int32_t)(((uint32_t)x[i] + b) * s);
        break;
    }
    default:
        return pdsi_fail(err, PDS_ERR_INTERNAL, "scale kernel: dtype %s",
                         pds_dtype_name(tx->dtype));
    }
    return PDS_OK;
}

pds_status pdsi_ref_dropout(const void *params, const pdsi_slot *in, const pdsi_slot *out,
                            pdsi_exec *ex, pds_error *err)
{
    (void)ex;
    (void)err;
    const pdsi_dropout_params *p = params;
    const pdsi_tensor *tx = pdsi_slot_get(&in[0]);
    pdsi_tensor *to = pdsi_slot_get(&out[0]);
    pdsi_tensor *tm = pdsi_slot_get(&out[1]);
    int64_t n = pdsi_tensor_numel(tx);
    const float *x = tx->data;
    float *o = to->data;
    float f = p->factor;
    if (f == 1.0f) {
        if (o != x)
            memmove(o, x, (size_t)n * sizeof(float));
    } else {
        for (int64_t i = 0; i < n; i++)
            o[i] = x[i] * f;
    }
    /* Paddle leaves the mask unwritten at inference; 1 ("kept") is the one
     * value that describes what happened. */
    if (tm)
        memset(tm->data, 1, (size_t)n);
    return PDS_OK;
}

/* ---- kernels by operator (ops/op_list.h order) ------------------------- */

const pdsi_ref_binding pdsi_ref_activation_kernels[] = {
    {PDSI_OP_RELU, pdsi_ref_unary},
    {PDSI_OP_RELU6, pdsi_ref_unary},
    {PDSI_OP_SIGMOID, pdsi_ref_unary},
    {PDSI_OP_TANH, pdsi_ref_unary},
    {PDSI_OP_SWISH, pdsi_ref_unary},
    {PDSI_OP_SILU, pdsi_ref_unary},
    {PDSI_OP_HARD_SWISH, pdsi_ref_unary},
    {PDSI_OP_HARD_SIGMOID, pdsi_ref_unary},
    {PDSI_OP_GELU, pdsi_ref_unary},
    {PDSI_OP_LEAKY_RELU, pdsi_ref_unary},
    {PDSI_OP_CLIP, pdsi_ref_unary},
    {PDSI_OP_SCALE, pdsi_ref_scale},
    {PDSI_OP_DROPOUT, pdsi_ref_dropout},
    {PDSI_OP_EXP, pdsi_ref_unary},
    {PDSI_OP_SQRT, pdsi_ref_unary},
    {PDSI_OP_RSQRT, pdsi_ref_unary},
    {PDSI_OP_ABS, pdsi_ref_unary},
    {PDSI_OP_LOG, pdsi_ref_unary},
    {PDSI_OP_SQUARE, pdsi_ref_unary},
    {PDSI_OP_SOFTPLUS, pdsi_ref_unary},
    {PDSI_OP_MISH, pdsi_ref_unary},
    {PDSI_OP_ELU, pdsi_ref_unary},
    {PDSI_OP_POW, pdsi_ref_unary},
    {PDSI_OP_ERF, pdsi_ref_unary},
    {PDSI_OP_SIN, pdsi_ref_unary},
    {PDSI_OP_COS, pdsi_ref_unary},
    {PDSI_OP_FLOOR, pdsi_ref_unary},
    {PDSI_OP_CEIL, pdsi_ref_unary},
    {PDSI_OP_ROUND, pdsi_ref_unary},
    {PDSI_OP_SIGN, pdsi_ref_unary},
    {PDSI_OP_RECIPROCAL, pdsi_ref_unary},
};
PDSI_REF_TABLE_CHECK(ACTIVATION, activation);
