/*
 * activation.h — parameters of the activation family:
 * element-wise unary functions (relu, sigmoid, gelu, hard_swish, clip, pow, erf...)
 * plus scale and inference-time dropout.
 *
 * All of them map element i of X to element i of Out and read X[i] before
 * writing Out[i], so they are safe when the planner lets Out share X's buffer.
 */
#ifndef PDSI_OPS_ACTIVATION_H
#define PDSI_OPS_ACTIVATION_H

#include <stdbool.h>

#include "core/error.h"
#include "core/slot.h"

typedef enum pdsi_unary_kind {
    PDSI_UNARY_RELU,
    PDSI_UNARY_RELU6,        /* a = threshold */
    PDSI_UNARY_SIGMOID,
    PDSI_UNARY_TANH,
    PDSI_UNARY_SWISH,        /* a = beta */
    PDSI_UNARY_SILU,
    PDSI_UNARY_HARD_SWISH,   /* a = offset, b = threshold, c = scale */
    PDSI_UNARY_HARD_SIGMOID, /* a = slope, b = offset */
    PDSI_UNARY_GELU,         /* erf form */
    PDSI_UNARY_GELU_TANH,    /* tanh approximation (approximate = true) */
    PDSI_UNARY_LEAKY_RELU,   /* a = alpha */
    PDSI_UNARY_CLIP,         /* a = min, b = max (Min / Max inputs override) */
    PDSI_UNARY_EXP,
    PDSI_UNARY_SQRT,
    PDSI_UNARY_RSQRT,
    PDSI_UNARY_ABS,
    PDSI_UNARY_LOG,
    PDSI_UNARY_SQUARE,
    PDSI_UNARY_SOFTPLUS,     /* a = beta, b = threshold */
    PDSI_UNARY_MISH,         /* a = threshold */
    PDSI_UNARY_ELU,          /* a = alpha */
    PDSI_UNARY_POW,          /* a = factor (FactorTensor input overrides) */
    PDSI_UNARY_ERF,          /* the error function, erff */
    PDSI_UNARY_SIN,
    PDSI_UNARY_COS,
    PDSI_UNARY_FLOOR,
    PDSI_UNARY_CEIL,
    PDSI_UNARY_ROUND,        /* halves to even, as Paddle 3.3's CPU kernel (rint) */
    PDSI_UNARY_SIGN,         /* -1, 0 or 1; 0 for NaN */
    PDSI_UNARY_RECIPROCAL,
    PDSI_UNARY_LINEAR,       /* a * x + b: pdsafe_affine, made by the passes */
    /* quantize_linear then dequantize_linear, per tensor, round half to
     * even (a = scale, b = qmax): pdsafe_affine, made by the QDQ pass */
    PDSI_UNARY_FAKE_QUANT,
} pdsi_unary_kind;

/* One float32 unary function; a, b, c are its attributes as listed above. */
typedef struct pdsi_unary_params {
    pdsi_unary_kind kind;
    float a, b, c;
} pdsi_unary_params;

/* scale: Out = scale * X + bias (bias_after_scale) or scale * (X + bias).
 * For integer X, scale and bias are first truncated to the integer type, as
 * Paddle does. */
typedef struct pdsi_scale_params {
    double scale, bias;
    bool bias_after_scale;
} pdsi_scale_params;

/* dropout at inference: Out = X * factor (1 - dropout_prob for
 * downgrade_in_infer, 1 for upscale_in_train). */
typedef struct pdsi_dropout_params {
    float factor;
} pdsi_dropout_params;

#endif
