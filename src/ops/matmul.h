/*
 * matmul.h — parameters and shape rules of the matrix product family:
 * matmul_v2, legacy matmul, mul and fc (whose reference kernels all end in
 * one GEMM).
 */
#ifndef PDSI_OPS_MATMUL_H
#define PDSI_OPS_MATMUL_H

#include <stdbool.h>

#include "core/error.h"
#include "core/slot.h"

/* matmul_v2 (trans_x, trans_y; alpha 1) and legacy matmul (transpose_X,
 * transpose_Y, alpha). */
typedef struct pdsi_matmul_params {
    bool trans_x, trans_y;
    float alpha;
} pdsi_matmul_params;

/* mul: X flattened to 2-D at x_num_col_dims, Y at y_num_col_dims. */
typedef struct pdsi_mul_params {
    int x_num_col_dims, y_num_col_dims;
} pdsi_mul_params;

/* fc: Input flattened at in_num_col_dims times W [K, N], plus Bias, then an
 * optional relu. */
typedef struct pdsi_fc_params {
    int in_num_col_dims;
    bool relu;
} pdsi_fc_params;

/* How a batched matmul decomposes, with numpy semantics: a 1-D X is a row
 * vector [1, K] and a 1-D Y a column vector [K, 1] (their transpose flags are
 * ignored, as Paddle's kernel does) and the added dim is removed from the
 * output; the leading batch dims broadcast right-aligned. */
typedef struct pdsi_matmul_plan {
    int64_t M, N, K;
    int batch_rank;
    int64_t batch[PDSI_MAX_RANK]; /* output batch dims */
    int64_t xb[PDSI_MAX_RANK];    /* X's batch dims aligned to batch (1: broadcast) */
    int64_t yb[PDSI_MAX_RANK];
    bool trans_x, trans_y;        /* effective flags (false for 1-D operands) */
    int out_rank;
    int64_t out[PDSI_MAX_RANK];
} pdsi_matmul_plan;

/* PDS_ERR_SHAPE, naming both shapes, for a rank-0 operand, a K mismatch or
 * batch dims that do not broadcast. Does not check the output's size. */
pds_status pdsi_matmul_plan_make(const pdsi_tensor *x, const pdsi_tensor *y, bool trans_x,
                                 bool trans_y, pdsi_matmul_plan *plan, pds_error *err);

#endif
