/*
 * matmul.c — matmul shape rules and the reference kernels of matmul_v2,
 * legacy matmul, mul and fc, all reduced to calls of pdsi_gemm_f32.
 *
 * A batched matmul whose Y has no batch of its own (the Linear-layer case,
 * X[B, T, K] x W[K, N]) is folded into one tall GEMM over B*T rows; other
 * batches walk the broadcast batch index with an odometer and run one GEMM
 * per output matrix.
 */
#include "kernels/matmul.h"

#include <string.h>

#include "kernels/gemm.h"

pds_status pdsi_matmul_plan_make(const pdsi_tensor *x, const pdsi_tensor *y, bool trans_x,
                                 bool trans_y, pdsi_matmul_plan *plan, pds_error *err)
{
    char bx[160], by[160];
    memset(plan, 0, sizeof *plan);
    if (x->rank < 1 || y->rank < 1)
        return pdsi_fail(err, PDS_ERR_SHAPE,
                         "matmul needs operands of rank >= 1, got X %s and Y %s",
                         pdsi_dims_str(x->dims, x->rank, bx, sizeof bx),
                         pdsi_dims_str(y->dims, y->rank, by, sizeof by));
    bool xvec = x->rank == 1, yvec = y->rank == 1;
    int64_t kx, ky;
    if (xvec) {
        plan->M = 1;
        kx = x->dims[0];
        trans_x = false;
    } else {
        int64_t r = x->dims[x->rank - 2], c = x->dims[x->rank - 1];
        plan->M = trans_x ? c : r;
        kx = trans_x ? r : c;
    }
    if (yvec) {
        plan->N = 1;
        ky = y->dims[0];
        trans_y = false;
    } else {
        int64_t r = y->dims[y->rank - 2], c = y->dims[y->rank - 1];
        plan->N = trans_y ? r : c;
        ky = trans_y ? c : r;
    }
    if (kx != ky)
        return pdsi_fail(err, PDS_ERR_SHAPE,
                         "X %s%s and Y %s%s do not multiply: X gives K = %lld, Y gives K = %lld",
                         pdsi_dims_str(x->dims, x->rank, bx, sizeof bx),
                         trans_x ? " (transposed)" : "",
                         pdsi_dims_str(y->dims, y->rank, by, sizeof by),
                         trans_y ? " (transposed)" : "", (long long)kx, (long long)ky);
    plan->K = kx;
    plan->trans_x = trans_x;
    plan->trans_y = trans_y;

    int xbr = xvec ? 0 : x->rank - 2, ybr = yvec ? 0 : y->rank - 2;
    int br = xbr > ybr ? xbr : ybr;
    plan->batch_rank = br;
    for (int i = 0; i < br; i++) {
        int xi = i - (br - xbr), yi = i - (br - ybr);
        int64_t a = xi >= 0 ? x->dims[xi] : 1, b = yi >= 0 ? y->dims[yi] : 1;
        if (a != b && a != 1 && b != 1)
            return pdsi_fail(err, PDS_ERR_SHAPE,
                             "X %s and Y %s have batch dims that do not broadcast: %lld against "
                             "%lld at batch dim %d",
                             pdsi_dims_str(x->dims, x->rank, bx, sizeof bx),
                             pdsi_dims_str(y->dims, y->rank, by, sizeof by), (long long)a,
                             (long long)b, i);
        plan->xb[i] = a;
        plan->yb[i] = b;
        plan->batch[i] = a == 1 ? b : a;
    }
    int r = 0;
    for (int i = 0; i < br; i++)
        plan->out[r++] = plan->batch[i];
    if (!xvec)
        plan->out[r++] = plan->M;
    if (!yvec)
        plan->out[r++] = plan->N;
    plan->out_rank = r;
    return PDS_OK;
}

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
