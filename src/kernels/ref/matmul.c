/*
 * matmul.c — the reference kernels of matmul_v2, legacy matmul, mul and fc,
 * all reduced to calls of pdsi_gemm_f32 (the shape rules: ops/matmul.c).
 *
 * A batched matmul whose Y has no batch of its own (the Linear-layer case,
 * X[B, T, K] x W[K, N]) is folded into one tall GEMM over B*T rows; other
 * batches walk the broadcast batch index with an odometer and run one GEMM
 * per output matrix.
 */
#include "kernels/ref/ref.h"
#include "ops/matmul.h"

#include <string.h>

#include "kernels/gemm.h"

static int64_t prod(const int64_t *d, int n)
{
    int64_t p = 1;
    for (int i = 0; i < n; i++)
        p *= d[i];
    return p;
}

pds_status pdsi_ref_matmul(const void *params, const pdsi_slot *in, const pdsi_slot *out,
                           pdsi_exec *ex, pds_error *err)
{
    (void)ex;
    const pdsi_matmul_params *p = params;
    const pdsi_tensor *tx = pdsi_slot_get(&in[0]);
    const pdsi_tensor *ty = pdsi_slot_get(&in[1]);
    float *o = pdsi_slot_get(&out[0])->data;
    pdsi_matmul_plan pl;
    pds_status st = pdsi_matmul_plan_make(tx, ty, p->trans_x, p->trans_y, &pl, err);
    if (st)
        return st;
    const float *x = tx->data, *y = ty->data;
    int64_t M = pl.M, N = pl.N, K = pl.K;
    int64_t lda = pl.trans_x ? M : K, ldb = pl.trans_y ? K : N;
    int64_t xmat = M * K, ymat = K * N, omat = M * N;
    int64_t nbatch = prod(pl.batch, pl.batch_rank);
    if (nbatch == 0 || omat == 0)
        return PDS_OK;

    bool y_single = prod(pl.yb, pl.batch_rank) == 1;
    bool x_full = prod(pl.xb, pl.batch_rank) == nbatch;
    if (y_single && x_full && !pl.trans_x) {
        /* Consecutive X matrices stacked are one [nbatch*M, K] matrix. */
        pdsi_gemm_f32(nbatch * M, N, K, x, K, false, y, ldb, pl.trans_y, o, N, p->alpha, 0.0f);
        return PDS_OK;
    }

    /* Element strides of each batch dim in X and Y (0 where broadcast). */
    int br = pl.batch_rank;
    int64_t xs[PDSI_MAX_RANK], ys[PDSI_MAX_RANK], idx[PDSI_MAX_RANK] = {0};
    int64_t xacc = xmat, yacc = ymat;
    for (int i = br - 1; i >= 0; i--) {
        xs[i] = pl.xb[i] == 1 ? 0 : xacc;
        ys[i] = pl.yb[i] == 1 ? 0 : yacc;
        xacc *= pl.xb[i];
        yacc *= pl.yb[i];
    }
    int64_t xo = 0, yo = 0;
    for (int64_t b = 0; b < nbatch; b++) {
        pdsi_gemm_f32(M, N, K, x + xo, lda, pl.trans_x, y + yo, ldb, pl.trans_y, o + b * omat, N,
                      p->alpha, 0.0f);
        for (int d = br - 1; d >= 0; d--) {
            xo += xs[d];
            yo += ys[d];
            if (++idx[d] < pl.batch[d])
                break;
            xo -= xs[d] * pl.batch[d];
            yo -= ys[d] * pl.batch[d];
            idx[d] = 0;
        }
    }
    return PDS_OK;
}

pds_status pdsi_ref_mul(const void *params, const pdsi_slot *in, const pdsi_slot *out,
                        pdsi_exec *ex, pds_error *err)
{
    (void)ex;
    (void)err;
    const pdsi_mul_params *p = params;
    const pdsi_tensor *tx = pdsi_slot_get(&in[0]);
    const pdsi_tensor *ty = pdsi_slot_get(&in[1]);
    float *o = pdsi_slot_get(&out[0])->data;
    int64_t M = prod(tx->dims, p->x_num_col_dims);
    int64_t K = prod(tx->dims + p->x_num_col_dims, tx->rank - p->x_num_col_dims);
    int64_t N = prod(ty->dims + p->y_num_col_dims, ty->rank - p->y_num_col_dims);
    pdsi_gemm_f32(M, N, K, tx->data, K, false, ty->data, N, false, o, N, 1.0f, 0.0f);
    return PDS_OK;
}

pds_status pdsi_ref_fc(const void *params, const pdsi_slot *in, const pdsi_slot *out,
                       pdsi_exec *ex, pds_error *err)
{
    (void)ex;
    (void)err;
    const pdsi_fc_params *p = params;
    const pdsi_tensor *tin = pdsi_slot_get(&in[0]);
    const pdsi_tensor *tw = pdsi_slot_get(&in[1]);
    const pdsi_tensor *tb = pdsi_slot_get(&in[2]);
    float *o = pdsi_slot_get(&out[0])->data;
    int64_t M = prod(tin->dims, p->in_num_col_dims);
    int64_t K = tw->dims[0], N = tw->dims[1];
    float beta = 0.0f;
    if (tb) {
        /* Start every row from the bias and let the GEMM accumulate onto it. */
        const float *bias = tb->data;
        for (int64_t i = 0; i < M; i++)
            memcpy(o + i * N, bias, (size_t)N * sizeof(float));
        beta = 1.0f;
    }
    pdsi_gemm_f32(M, N, K, tin->data, K, false, tw->data, N, false, o, N, 1.0f, beta);
    if (p->relu) {
        int64_t n = M * N;
        for (int64_t i = 0; i < n; i++)
            o[i] = o[i] < 0.0f ? 0.0f : o[i];
    }
    return PDS_OK;
}

/* ---- kernels by operator (ops/op_list.h order) ------------------------- */

const pdsi_ref_binding pdsi_ref_matmul_kernels[] = {
    {PDSI_OP_MATMUL_V2, pdsi_ref_matmul},
    {PDSI_OP_MATMUL, pdsi_ref_matmul},
    {PDSI_OP_MUL, pdsi_ref_mul},
    {PDSI_OP_FC, pdsi_ref_fc},
};
PDSI_REF_TABLE_CHECK(MATMUL, matmul);
