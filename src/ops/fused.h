/*
 * fused.h — the parameters of the operators the load-time passes make
 * (passes/passes.h). They never come from a model file.
 *
 *   pdsafe_conv: conv2d / depthwise_conv2d / conv2d_transpose with a bias
 *     (batch norm folded in), then post-operations in order: activations and
 *     at most one residual add of ResidualData with the add's own legacy
 *     broadcasting (the passes fuse it only where the shapes match at
 *     nominal sizes; other sizes still get the add's result or error).
 *     Slots: in Input, Filter, Bias (optional), ResidualData (optional),
 *     FilterInt8 and FilterScale (optional, int8 form below); out Output.
 *     Int8 form (quant.on, made by the QDQ pass from PaddleSlim's
 *     quantize_linear -> dequantize_linear around Input and
 *     dequantize_linear of the Filter): Input is the activation before
 *     its quantisation, fake-quantised per tensor by the operator itself
 *     (y = rte(qmax / s * x) clamped to [-qmax - 1, qmax], then y * s /
 *     qmax: the ref kernels' arithmetic); Filter is the dequantised float
 *     filter; FilterInt8 the same filter's integers (int8, Filter's dims)
 *     and FilterScale its per-output-channel step ([M] float32, Filter =
 *     FilterInt8 * FilterScale up to float rounding), so that a backend can
 *     run the product in integers.
 *   pdsafe_matmul: a matrix product then a bias add along the last dim and
 *     activations. The product is matmul_v2's (numpy batching) or, for
 *     legacy mul and fc, X and Y flattened to matrices at their
 *     num_col_dims (form). Slots: in X, Y, Bias (optional, N values: [N],
 *     or fc's [1, N]), YInt8 and YScale (optional, int8 form); out Out.
 *     Int8 form (quant.on, matmul_v2 without transposes made by the QDQ
 *     pass): X fake-quantised per tensor as for pdsafe_conv, Y [K, N] the
 *     dequantised weights, YInt8 their integers, YScale [N] the step of
 *     each output column.
 *
 * The reference kernels compute exactly what the unfused operators compute,
 * one after the other, so the reference path of a rewritten graph is the
 * oracle for the fast kernels of the same graph.
 */
#ifndef PDSI_OPS_FUSED_H
#define PDSI_OPS_FUSED_H

#include "ops/activation.h"
#include "ops/conv.h"
#include "ops/matmul.h"

#define PDSI_FUSED_MAX_POST 6

typedef struct pdsi_post_op {
    int32_t residual;         /* 1: add ResidualData here; 0: apply unary */
    pdsi_unary_params unary;  /* no tensor inputs (clip bounds, pow factor are attributes) */
    /* The absorbed elementwise_add, for its exact semantics and messages:
     * its legacy axis, its position in the file, and whether the
     * convolution's result was its X (else its Y). */
    int32_t add_axis, add_index, conv_is_x;
} pdsi_post_op;

/* The activation quantisation of an int8 pdsafe_conv (round half to even,
 * zero point 0). */
typedef struct pdsi_conv_quant {
    int32_t on;      /* 1: the int8 form (Input fake-quantised, FilterInt8, FilterScale) */
    int32_t in_qmax; /* quantize_linear's qmax (127 for 8 bits) */
    float in_scale;  /* its per-tensor Scale */
} pdsi_conv_quant;

typedef struct pdsi_fconv_params {
    pdsi_conv_params conv;
    int32_t n_post;
    pdsi_post_op post[PDSI_FUSED_MAX_POST];
    pdsi_conv_quant quant;
} pdsi_fconv_params;

/* What the product of a pdsafe_matmul is. */
enum {
    PDSI_FMATMUL_V2 = 0,  /* matmul_v2: mm's transposes, numpy batch broadcast */
    PDSI_FMATMUL_MUL = 1, /* mul: X at flat.x_num_col_dims, Y at flat.y_num_col_dims */
    PDSI_FMATMUL_FC = 2,  /* fc: Input at flat.x_num_col_dims, W [K, N] (y_num_col_dims 1) */
};

typedef struct pdsi_fmatmul_params {
    pdsi_matmul_params mm; /* PDSI_FMATMUL_V2; the flattened forms have no transposes, alpha 1 */
    int32_t form;
    pdsi_mul_params flat;  /* the flattened forms */
    int32_t n_post;
    pdsi_post_op post[PDSI_FUSED_MAX_POST];
    pdsi_conv_quant quant; /* the int8 form: X's quantisation */
} pdsi_fmatmul_params;

#endif
