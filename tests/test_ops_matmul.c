/*
 * test_ops_matmul.c — the shared GEMM against a naive triple loop, and
 * matmul_v2, legacy matmul, mul and fc through the real parse -> infer ->
 * kernel path against values computed by Paddle 3.3.1, with their error
 * paths.
 *
 * The expected arrays were produced by running each legacy operator in a
 * static Program on paddle.static.Executor (CPU, FLAGS_enable_pir_api=0).
 */
#include "harness.h"

#include <stdint.h>

#include "kernels/gemm.h"


/* The inputs of the Paddle cases: exact multiples of 1/8, so that every
 * product and sum here is exact in float32. */
static pdsi_tensor *fill(int rank, const int64_t *dims, int seed)
{
    pdsi_tensor *t = pdst_tensor(PDS_FLOAT32, rank, dims, NULL);
    float *v = t->data;
    for (int64_t i = 0; i < pdsi_tensor_numel(t); i++)
        v[i] = (float)((i * 37 + seed * 11) % 19 - 9) / 8.0f;
    return t;
}

/* ---- Paddle-computed data --------------------------------------------------- */

/* Inputs are fill(shape, seed)[i] = (((i * 37 + seed * 11) % 19) - 9) / 8 (see fill() below). */
/* paddle matmul_v2 X=fill([2, 3],1) Y=fill([3, 4],2) trans_x=0 trans_y=0 -> [2, 4] */
static const float want_mm_t00[8] = {
    -0.046875f, -0.09375f, -0.140625f, -0.1875f, -0.421875f, -0.328125f, -0.234375f, -0.140625f,
};
/* paddle matmul_v2 X=fill([2, 3],1) Y=fill([4, 3],2) trans_x=0 trans_y=1 -> [2, 4] */
static const float want_mm_t01[8] = {
    -0.296875f, -0.140625f, 0.3125f, 0.171875f, 0.6875f, -0.515625f, -0.53125f, -0.25f,
};
/* paddle matmul_v2 X=fill([3, 2],1) Y=fill([3, 4],2) trans_x=1 trans_y=0 -> [2, 4] */
static const float want_mm_t10[8] = {
    -0.34375f, -0.34375f, -0.34375f, -0.34375f, -0.46875f, -0.421875f, -0.375f, -0.328125f,
};
/* paddle matmul_v2 X=fill([3, 2],1) Y=fill([4, 3],2) trans_x=1 trans_y=1 -> [2, 4] */
static const float want_mm_t11[8] = {
    0.0625f, -0.53125f, 0.0625f, 0.0625f, 0.390625f, -0.65625f, -0.21875f, -0.078125f,
};
/* paddle matmul_v2 X=fill([4],3) Y=fill([4, 3],4) trans_x=0 trans_y=0 -> [3] */
static const float want_mm_vec_mat[3] = {
    -0.8125f, -0.140625f, -0.359375f,
};
/* paddle matmul_v2 X=fill([2, 4],3) Y=fill([4],4) trans_x=0 trans_y=0 -> [2] */
static const float want_mm_mat_vec[2] = {
    -0.90625f, 0.21875f,
};
/* paddle matmul_v2 X=fill([4],3) Y=fill([4],4) trans_x=0 trans_y=0 -> [] */
static const float want_mm_vec_vec[1] = {
    -0.90625f,
};
/* paddle matmul_v2 X=fill([4],3) Y=fill([2, 4, 3],4) trans_x=0 trans_y=0 -> [2, 3] */
static const float want_mm_vec_bmat[6] = {
    -0.8125f, -0.140625f, -0.359375f, 0.125f, -0.09375f, -0.3125f,
};
/* paddle matmul_v2 X=fill([2, 3, 4],3) Y=fill([4],4) trans_x=0 trans_y=0 -> [2, 3] */
static const float want_mm_bmat_vec[6] = {
    -0.90625f, 0.21875f, 1.34375f, 0.6875f, -1.75f, -0.625f,
};
/* paddle matmul_v2 X=fill([4],3) Y=fill([3, 4],4) trans_x=1 trans_y=1 -> [3] */
static const float want_mm_vec_mat_tt[3] = {
    -0.90625f, -1.1875f, 1.5f,
};
/* paddle matmul_v2 X=fill([2,1,3,4],3) Y=fill([5,4,6],4) trans_x=0 trans_y=0 -> [2,5,3,6] */
static const float want_mm_bcast[180] = {
    -0.671875f, 0.296875f, 0.078125f, -0.140625f, -0.359375f, -0.578125f, -0.046875f, -0.015625f,
    0.015625f, 0.046875f, 0.078125f, 0.109375f, 0.578125f, -0.328125f, -0.046875f, 0.234375f,
    0.515625f, 0.796875f, -0.578125f, -0.796875f, 0.46875f, 0.84375f, 0.625f, 0.40625f, 0.109375f,
    0.140625f, 0.46875f, -0.09375f, -0.0625f, -0.03125f, 0.796875f, 1.078125f, 0.46875f,
    -1.03125f, -0.75f, -0.46875f, 0.40625f, 0.1875f, -0.03125f, -0.25f, 0.421875f, 0.203125f,
    -0.03125f, 0.0f, 0.03125f, 0.0625f, -0.203125f, -0.171875f, -0.46875f, -0.1875f, 0.09375f,
    0.375f, -0.828125f, -0.546875f, 0.203125f, -0.015625f, -0.234375f, -0.453125f, -0.671875f,
    0.296875f, -0.171875f, -0.140625f, -0.109375f, -0.078125f, -0.046875f, -0.015625f, -0.546875f,
    -0.265625f, 0.015625f, 0.296875f, 0.578125f, -0.328125f, 0.296875f, 0.078125f, -0.140625f,
    -0.359375f, -0.578125f, -0.796875f, -0.015625f, 0.015625f, 0.046875f, 0.078125f, 0.109375f,
    0.140625f, -0.328125f, -0.046875f, 0.234375f, 0.515625f, 0.796875f, 1.078125f, 0.609375f,
    -1.53125f, -1.296875f, -1.0625f, -0.828125f, -0.59375f, -1.140625f, 0.53125f, 0.125f,
    -0.28125f, -0.6875f, -1.09375f, -0.515625f, 0.21875f, 0.0625f, -0.09375f, -0.25f, -0.40625f,
    -0.59375f, -0.359375f, -2.203125f, 0.703125f, 0.9375f, 1.171875f, -1.09375f, -1.5f, 0.46875f,
    1.546875f, 1.140625f, 0.734375f, -0.40625f, -0.5625f, 0.46875f, 0.609375f, 0.453125f,
    0.296875f, 1.171875f, 1.40625f, 1.640625f, 1.875f, -0.5625f, -0.328125f, 0.734375f, 0.328125f,
    -0.078125f, -0.484375f, 0.890625f, 0.484375f, 0.296875f, 0.140625f, -0.015625f, -0.171875f,
    0.265625f, 0.109375f, -0.328125f, -0.09375f, 0.140625f, 0.375f, 0.609375f, -1.53125f,
    0.484375f, 0.078125f, -0.328125f, -0.734375f, -1.140625f, 0.53125f, 0.109375f, -0.046875f,
    -0.203125f, -0.359375f, -0.515625f, 0.21875f, -1.53125f, -1.296875f, -1.0625f, -0.828125f,
    -0.59375f, -0.359375f, 0.53125f, 0.125f, -0.28125f, -0.6875f, -1.09375f, -1.5f, 0.21875f,
    0.0625f, -0.09375f, -0.25f, -0.40625f, -0.5625f,
};
/* paddle matmul_v2 X=fill([2, 3, 4],3) Y=fill([4, 5],4) trans_x=0 trans_y=0 -> [2, 3, 5] */
static const float want_mm_linear[30] = {
    -0.421875f, -0.640625f, 0.328125f, 0.109375f, -0.109375f, -0.171875f, -0.140625f, -0.109375f,
    -0.078125f, -0.046875f, 0.078125f, 0.359375f, -0.546875f, -0.265625f, 0.015625f, 0.625f,
    0.859375f, -1.28125f, -1.046875f, -0.8125f, -0.609375f, -1.015625f, 0.65625f, 0.25f,
    -0.15625f, -0.359375f, -0.515625f, 0.21875f, 0.0625f, -0.09375f,
};
/* paddle matmul_v2 X=fill([2, 3, 4],3) Y=fill([5, 4],4) trans_x=0 trans_y=1 -> [2, 3, 5] */
static const float want_mm_linear_ty[30] = {
    -0.90625f, -1.1875f, 1.5f, 0.625f, -0.25f, 0.21875f, -0.25f, -0.125f, 0.0f, 0.125f, 1.34375f,
    0.6875f, -1.75f, -0.625f, 0.5f, 0.6875f, 4.296875f, -1.890625f, -0.953125f, -0.015625f,
    -1.75f, -1.890625f, 2.71875f, 1.09375f, -0.53125f, -0.625f, -0.953125f, 1.09375f, 0.46875f,
    -0.15625f,
};
/* paddle matmul_v2 X=fill([3, 4],3) Y=fill([2, 4, 5],4) trans_x=0 trans_y=0 -> [2, 3, 5] */
static const float want_mm_xbcast[30] = {
    -0.421875f, -0.640625f, 0.328125f, 0.109375f, -0.109375f, -0.171875f, -0.140625f, -0.109375f,
    -0.078125f, -0.046875f, 0.078125f, 0.359375f, -0.546875f, -0.265625f, 0.015625f, -0.640625f,
    0.328125f, 0.109375f, -0.109375f, -0.328125f, -0.140625f, -0.109375f, -0.078125f, -0.046875f,
    -0.015625f, 0.359375f, -0.546875f, -0.265625f, 0.015625f, 0.296875f,
};
/* paddle matmul_v2 X=fill([2, 4, 3],3) Y=fill([2, 4, 5],4) trans_x=1 trans_y=0 -> [2, 3, 5] */
static const float want_mm_batch_tx[30] = {
    -0.640625f, -0.671875f, -0.109375f, -0.140625f, -0.171875f, -0.578125f, -0.546875f, -0.21875f,
    -0.1875f, -0.15625f, -0.515625f, -0.421875f, -0.328125f, -0.234375f, -0.140625f, -0.359375f,
    2.140625f, 1.96875f, 1.796875f, 1.625f, -0.234375f, 2.03125f, 1.921875f, 1.8125f, 1.703125f,
    -0.109375f, 1.921875f, 1.875f, 1.828125f, 1.78125f,
};
/* paddle matmul_v2 X=fill([1, 2, 4, 3],3) Y=fill([3, 1, 5, 4],4) trans_x=1 trans_y=1 -> [3, 2, 3,
 * 5] */
static const float want_mm_bcast_txy[90] = {
    0.09375f, -1.21875f, 0.4375f, 0.3125f, 0.1875f, 0.375f, -0.984375f, 0.03125f, 0.15625f,
    0.28125f, 0.65625f, -0.75f, -0.375f, 0.0f, 0.375f, -0.984375f, -0.78125f, 0.90625f, 0.21875f,
    -0.46875f, -0.703125f, -0.546875f, 0.5f, 0.0625f, -0.375f, -0.421875f, -0.3125f, 0.09375f,
    -0.09375f, -0.28125f, 0.0625f, -1.546875f, 0.40625f, 0.28125f, 0.15625f, 0.40625f, -1.546875f,
    0.0625f, 0.1875f, 0.3125f, 0.75f, -1.546875f, -0.28125f, 0.09375f, 0.46875f, -1.15625f,
    0.828125f, 0.734375f, 0.046875f, -0.640625f, -0.8125f, 0.828125f, 0.390625f, -0.046875f,
    -0.484375f, -0.46875f, 0.828125f, 0.046875f, -0.140625f, -0.328125f, 0.03125f, -0.984375f,
    0.375f, 0.25f, 0.125f, 0.4375f, -1.21875f, 0.09375f, 0.21875f, 0.34375f, 0.84375f, -1.453125f,
    -0.1875f, 0.1875f, 0.5625f, -1.328125f, 3.328125f, 0.5625f, -0.125f, -0.8125f, -0.921875f,
    3.09375f, 0.28125f, -0.15625f, -0.59375f, -0.515625f, 2.859375f, 0.0f, -0.1875f, -0.375f,
};
/* paddle matmul (legacy) X=fill([2, 3, 4],5) Y=fill([2, 5, 4],6) transpose_X=0 transpose_Y=1
 * alpha=2 -> [2, 3, 5] */
static const float want_matmul_legacy[30] = {
    -1.0625f, -4.3125f, -1.03125f, 4.625f, 1.375f, -0.3125f, -1.5625f, -1.03125f, 1.875f, 0.625f,
    0.4375f, 1.1875f, -1.03125f, -0.875f, -0.125f, 1.875f, 4.625f, -3.3125f, -2.9375f, -0.1875f,
    -1.03125f, -1.03125f, 3.71875f, -1.03125f, -1.03125f, -1.5625f, -4.3125f, 1.84375f, 3.25f,
    0.5f,
};
/* paddle matmul (legacy) X=fill([4, 3],5) Y=fill([4, 5],6) transpose_X=1 transpose_Y=0 alpha=-0.5
 * -> [3, 5] */
static const float want_matmul_legacy_2d[15] = {
    0.0859375f, 0.1953125f, 0.3046875f, 0.4140625f, 0.5234375f, 0.1484375f, 0.2265625f,
    0.3046875f, 0.3828125f, 0.4609375f, 0.2109375f, 0.2578125f, 0.3046875f, 0.3515625f,
    0.3984375f,
};
/* paddle matmul (legacy) X=fill([4],5) Y=fill([2, 4, 3],6) transpose_X=0 transpose_Y=0 alpha=1.5
 * -> [2, 3] */
static const float want_matmul_legacy_vec[6] = {
    -2.390625f, -0.7734375f, -1.3828125f, 1.875f, 1.265625f, 0.65625f,
};
/* paddle mul X=fill([2,3,4,5],7) Y=fill([20,6],8) x_num_col_dims=2 -> [2, 3, 6] */
static const float want_mul_x2[36] = {
    -3.046875f, -0.25f, 1.65625f, 2.671875f, 2.796875f, 2.03125f, -3.984375f, -1.46875f, 0.15625f,
    0.890625f, 0.734375f, -0.3125f, -2.25f, -0.3125f, 0.734375f, 0.890625f, 0.15625f, -1.46875f,
    0.375f, 2.03125f, 2.796875f, 2.671875f, 1.65625f, -0.25f, -0.859375f, 0.515625f, 1.0f,
    0.59375f, -0.703125f, -2.890625f, -0.3125f, 0.78125f, 0.984375f, 0.296875f, -1.28125f, -3.75f,
};
/* paddle mul X=fill([2,3,4,5],7) Y=fill([4,5,3,2],8) x_num_col_dims=2 y_num_col_dims=2 -> [2, 3,
 * 3, 2] */
static const float want_mul_x2y2[36] = {
    -3.046875f, -0.25f, 1.65625f, 2.671875f, 2.796875f, 2.03125f, -3.984375f, -1.46875f, 0.15625f,
    0.890625f, 0.734375f, -0.3125f, -2.25f, -0.3125f, 0.734375f, 0.890625f, 0.15625f, -1.46875f,
    0.375f, 2.03125f, 2.796875f, 2.671875f, 1.65625f, -0.25f, -0.859375f, 0.515625f, 1.0f,
    0.59375f, -0.703125f, -2.890625f, -0.3125f, 0.78125f, 0.984375f, 0.296875f, -1.28125f, -3.75f,
};
/* paddle mul X=fill([3,4],7) Y=fill([4,2],8) defaults -> [3, 2] */
static const float want_mul_2d[6] = {
    -1.03125f, -1.03125f, 0.15625f, -0.1875f, 0.15625f, 0.0625f,
};
/* paddle fc Input=fill([2,3,4],9) W=fill([4,5],10) Bias=fill([5],11) in_num_col_dims=2 -> [2, 3,
 * 5] */
static const float want_fc_bias[30] = {
    0.75f, -1.34375f, -1.0625f, -0.78125f, -0.5f, -2.4375f, -0.71875f, -1.078125f, -1.4375f,
    -1.796875f, -0.28125f, 0.203125f, -0.203125f, -0.609375f, -1.015625f, 0.09375f, -0.359375f,
    -0.515625f, -0.671875f, -0.828125f, 0.46875f, -0.921875f, -0.828125f, -0.734375f, -0.640625f,
    0.84375f, -1.484375f, -1.140625f, -0.796875f, -0.453125f,
};
/* paddle fc same with Bias [1,5] and activation_type relu -> [2, 3, 5] */
static const float want_fc_relu[30] = {
    0.75f, 0.0f, 0.0f, 0.0f, 0.0f, 0.0f, 0.0f, 0.0f, 0.0f, 0.0f, 0.0f, 0.203125f, 0.0f, 0.0f,
    0.0f, 0.09375f, 0.0f, 0.0f, 0.0f, 0.0f, 0.46875f, 0.0f, 0.0f, 0.0f, 0.0f, 0.84375f, 0.0f,
    0.0f, 0.0f, 0.0f,
};
/* paddle fc Input=fill([2,3,4],9) W=fill([12,5],10) no Bias, in_num_col_dims=1 -> [2, 5] */
static const float want_fc_nobias[10] = {
    0.953125f, -1.53125f, -1.640625f, -1.75f, -0.671875f, -0.84375f, -0.484375f, 0.171875f,
    0.828125f, -0.890625f,
};

/* ---- the GEMM ---------------------------------------------------------------- */

static uint32_t rng_state = 2024;
static float rndf(void)
{
    rng_state = rng_state * 1664525u + 1013904223u;
    return (float)((rng_state >> 8) % 2001) / 1000.0f - 1.0f;
}

/* C = alpha * op(A) * op(B) + beta * C in double, the plain definition. */
static void naive_gemm(int64_t M, int64_t N, int64_t K, const float *A, int64_t lda, bool ta,
                       const float *B, int64_t ldb, bool tb, float *C, int64_t ldc, float alpha,
                       float beta)
{
    for (int64_t i = 0; i < M; i++)
        for (int64_t j = 0; j < N; j++) {
            double s = 0;
            for (int64_t k = 0; k < K; k++)
                s += (double)(ta ? A[k * lda + i] : A[i * lda + k]) *
                     (double)(tb ? B[j * ldb + k] : B[k * ldb + j]);
            double c = beta == 0.0f ? 0.0 : (double)beta * C[i * ldc + j];
            C[i * ldc + j] = (float)(alpha * s + c);
        }
}

static void check_gemm(int64_t M, int64_t N, int64_t K, bool ta, bool tb, float alpha, float beta,
                       int pad)
{
    /* Leading dims `pad` wider than needed, to exercise the strides. */
    int64_t lda = (ta ? M : K) + pad, ldb = (tb ? K : N) + pad, ldc = N + pad;
    int64_t arows = ta ? K : M, brows = tb ? N : K;
    size_t an = (size_t)(arows * lda) + 1, bn = (size_t)(brows * ldb) + 1;
    size_t cn = (size_t)(M * ldc) + 1;
    float *A = malloc(an * sizeof(float)), *B = malloc(bn * sizeof(float));
    float *C = malloc(cn * sizeof(float)), *W = malloc(cn * sizeof(float));
    for (size_t i = 0; i < an; i++)
        A[i] = rndf();
    for (size_t i = 0; i < bn; i++)
        B[i] = rndf();
    for (size_t i = 0; i < cn; i++)
        C[i] = W[i] = beta == 0.0f ? NAN : rndf(); /* beta 0: C must not be read */
    pdsi_gemm_f32(M, N, K, A, lda, ta, B, ldb, tb, C, ldc, alpha, beta);
    naive_gemm(M, N, K, A, lda, ta, B, ldb, tb, W, ldc, alpha, beta);
    /* compare the M x N window, then check the padding was left alone */
    long bad = 0;
    for (int64_t i = 0; i < M; i++)
        bad += pdst_check_close("gemm row", C + i * ldc, W + i * ldc, (long)N, PDST_ATOL,
                                PDST_RTOL);
    for (int64_t i = 0; i < M; i++)
        for (int64_t j = N; j < ldc && i * ldc + j < (int64_t)cn; j++) {
            float c = C[i * ldc + j], w = W[i * ldc + j];
            if (!(c == w || (isnan(c) && isnan(w))))
                bad++;
        }
    if (bad)
        PDST_FAIL("gemm M=%lld N=%lld K=%lld transA=%d transB=%d alpha=%g beta=%g pad=%d",
                  (long long)M, (long long)N, (long long)K, ta, tb, alpha, beta, pad);
    free(A);
    free(B);
    free(C);
    free(W);
}

static void test_gemm_vs_naive(void)
{
    const int64_t sizes[][3] = {{1, 1, 1},   {7, 13, 5},   {65, 33, 129}, {3, 200, 260},
                                {130, 9, 2}, {64, 16, 128}, {1, 37, 300}, {40, 1, 17}};
    const float ab[][2] = {{1.0f, 0.0f}, {1.5f, 0.0f}, {1.0f, 1.0f}, {-0.5f, 2.0f}};
    for (size_t s = 0; s < sizeof sizes / sizeof sizes[0]; s++)
        for (int t = 0; t < 4; t++)
            for (size_t k = 0; k < sizeof ab / sizeof ab[0]; k++)
                check_gemm(sizes[s][0], sizes[s][1], sizes[s][2], t & 1, (t >> 1) & 1, ab[k][0],
                           ab[k][1], (int)(s % 3) * 3);
}

static void test_gemm_edges(void)
{
    float C[6] = {1, 2, 3, 4, 5, 6};
    const float A[1] = {7}, B[1] = {9};
    /* K == 0: C = beta * C */
    pdsi_gemm_f32(2, 3, 0, A, 1, false, B, 3, false, C, 3, 1.0f, 2.0f);
    CHECK(C[0] == 2 && C[5] == 12);
    pdsi_gemm_f32(2, 3, 0, A, 1, false, B, 3, false, C, 3, 1.0f, 0.0f);
    CHECK(C[0] == 0 && C[5] == 0);
    /* M or N == 0: nothing is touched */
    C[0] = 42;
    pdsi_gemm_f32(0, 3, 4, A, 4, false, B, 3, false, C, 3, 1.0f, 0.0f);
    pdsi_gemm_f32(2, 0, 4, A, 4, false, B, 3, false, C, 3, 1.0f, 0.0f);
    CHECK(C[0] == 42);
}

/* ---- matmul_v2 / matmul ------------------------------------------------------ */

typedef struct mm_case {
    const char *op;
    int xrank;
    int64_t xd[4];
    int xseed;
    int yrank;
    int64_t yd[4];
    int yseed;
    int tx, ty;
    double alpha; /* legacy matmul only; 0: attribute absent */
    int orank;
    int64_t od[4];
    const float *want;
} mm_case;

static void test_matmul_vs_paddle(void)
{
    pds_error err, *ep = &err;
    const mm_case cases[] = {
        {"matmul_v2", 2, {2, 3}, 1, 2, {3, 4}, 2, 0, 0, 0, 2, {2, 4}, want_mm_t00},
        {"matmul_v2", 2, {2, 3}, 1, 2, {4, 3}, 2, 0, 1, 0, 2, {2, 4}, want_mm_t01},
        {"matmul_v2", 2, {3, 2}, 1, 2, {3, 4}, 2, 1, 0, 0, 2, {2, 4}, want_mm_t10},
        {"matmul_v2", 2, {3, 2}, 1, 2, {4, 3}, 2, 1, 1, 0, 2, {2, 4}, want_mm_t11},
        /* 1-D operands: promoted, and the added dim removed */
        {"matmul_v2", 1, {4}, 3, 2, {4, 3}, 4, 0, 0, 0, 1, {3}, want_mm_vec_mat},
        {"matmul_v2", 2, {2, 4}, 3, 1, {4}, 4, 0, 0, 0, 1, {2}, want_mm_mat_vec},
        {"matmul_v2", 1, {4}, 3, 1, {4}, 4, 0, 0, 0, 0, {0}, want_mm_vec_vec},
        {"matmul_v2", 1, {4}, 3, 3, {2, 4, 3}, 4, 0, 0, 0, 2, {2, 3}, want_mm_vec_bmat},
        {"matmul_v2", 3, {2, 3, 4}, 3, 1, {4}, 4, 0, 0, 0, 2, {2, 3}, want_mm_bmat_vec},
        /* a 1-D operand's transpose flag is ignored */
        {"matmul_v2", 1, {4}, 3, 2, {3, 4}, 4, 1, 1, 0, 1, {3}, want_mm_vec_mat_tt},
        /* batch broadcasting */
        {"matmul_v2", 4, {2, 1, 3, 4}, 3, 3, {5, 4, 6}, 4, 0, 0, 0, 4, {2, 5, 3, 6}, want_mm_bcast},
        {"matmul_v2", 3, {2, 3, 4}, 3, 2, {4, 5}, 4, 0, 0, 0, 3, {2, 3, 5}, want_mm_linear},
        {"matmul_v2", 3, {2, 3, 4}, 3, 2, {5, 4}, 4, 0, 1, 0, 3, {2, 3, 5}, want_mm_linear_ty},
        {"matmul_v2", 2, {3, 4}, 3, 3, {2, 4, 5}, 4, 0, 0, 0, 3, {2, 3, 5}, want_mm_xbcast},
        {"matmul_v2", 3, {2, 4, 3}, 3, 3, {2, 4, 5}, 4, 1, 0, 0, 3, {2, 3, 5}, want_mm_batch_tx},
        {"matmul_v2", 4, {1, 2, 4, 3}, 3, 4, {3, 1, 5, 4}, 4, 1, 1, 0, 4, {3, 2, 3, 5},
         want_mm_bcast_txy},
        /* legacy matmul: transpose_X / transpose_Y / alpha */
        {"matmul", 3, {2, 3, 4}, 5, 3, {2, 5, 4}, 6, 0, 1, 2.0, 3, {2, 3, 5}, want_matmul_legacy},
        {"matmul", 2, {4, 3}, 5, 2, {4, 5}, 6, 1, 0, -0.5, 2, {3, 5}, want_matmul_legacy_2d},
        {"matmul", 1, {4}, 5, 3, {2, 4, 3}, 6, 0, 0, 1.5, 2, {2, 3}, want_matmul_legacy_vec},
    };
    for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
        const mm_case *k = &cases[c];
        bool legacy = strcmp(k->op, "matmul") == 0;
        pdsi_attr a[3] = {pdst_attr_bool(legacy ? "transpose_X" : "trans_x", k->tx),
                          pdst_attr_bool(legacy ? "transpose_Y" : "trans_y", k->ty),
                          pdst_attr_float("alpha", k->alpha)};
        pdsi_tensor *ins[2] = {fill(k->xrank, k->xd, k->xseed), fill(k->yrank, k->yd, k->yseed)};
        pdsi_tensor *o = pdst_out();
        CHECK_OK(pdst_run_op1(k->op, a, k->alpha != 0 ? 3 : 2, ins, 2, &o, 1, &err), ep);
        if (!pdst_same_dims(o, k->orank, k->od))
            PDST_FAIL("case %zu (%s): output rank %d dims[0] %lld", c, k->op, o->rank,
                      (long long)o->dims[0]);
        else if (pdst_check_close(k->op, o->data, k->want, (long)pdsi_tensor_numel(o), PDST_ATOL,
                                  PDST_RTOL))
            fprintf(stderr, "  (case %zu)\n", c);
        pdst_tensor_free(ins[0]);
        pdst_tensor_free(ins[1]);
        pdst_tensor_free(o);
    }
}

static void test_matmul_empty(void)
{
    pds_error err, *ep = &err;
    struct {
        int xr;
        int64_t xd[3];
        int yr;
        int64_t yd[3];
        int orank;
        int64_t od[3];
    } cases[] = {
        {2, {2, 0}, 2, {0, 3}, 2, {2, 3}},       /* K = 0: zeros */
        {2, {0, 4}, 2, {4, 3}, 2, {0, 3}},       /* M = 0 */
        {3, {0, 2, 3}, 2, {3, 4}, 3, {0, 2, 4}}, /* no batch */
    };
    for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
        pdsi_tensor *ins[2] = {fill(cases[c].xr, cases[c].xd, 1),
                               fill(cases[c].yr, cases[c].yd, 2)};
        pdsi_tensor *o = pdst_out();
        CHECK_OK(pdst_run_op1("matmul_v2", NULL, 0, ins, 2, &o, 1, &err), ep);
        CHECK(pdst_same_dims(o, cases[c].orank, cases[c].od));
        for (int64_t i = 0; i < pdsi_tensor_numel(o); i++)
            CHECK(((float *)o->data)[i] == 0.0f);
        pdst_tensor_free(ins[0]);
        pdst_tensor_free(ins[1]);
        pdst_tensor_free(o);
    }
}

static void test_matmul_errors(void)
{
    pds_error err, *ep = &err;
    const int64_t d23[2] = {2, 3}, d43[2] = {4, 3}, b234[3] = {2, 3, 4}, b345[3] = {3, 4, 5};
    pdsi_tensor *x = fill(2, d23, 1), *y = fill(2, d43, 2), *o = pdst_out();
    pdsi_tensor *ins[2] = {x, y};
    /* K mismatch names both shapes */
    CHECK_STATUS(pdst_run_op1("matmul_v2", NULL, 0, ins, 2, &o, 1, &err), PDS_ERR_SHAPE, ep);
    CHECK_MSG(err, "[2,3]");
    CHECK_MSG(err, "[4,3]");
    pdsi_attr a = pdst_attr_bool("trans_y", 1); /* [2,3] x [4,3]^T is fine */
    CHECK_OK(pdst_run_op1("matmul_v2", &a, 1, ins, 2, &o, 1, &err), ep);
    a = pdst_attr_bool("trans_x", 1);
    CHECK_STATUS(pdst_run_op1("matmul_v2", &a, 1, ins, 2, &o, 1, &err), PDS_ERR_SHAPE, ep);
    CHECK_MSG(err, "transposed");
    a = pdst_attr_bool("transpose_X", 1);
    CHECK_STATUS(pdst_run_op1("matmul", &a, 1, ins, 2, &o, 1, &err), PDS_ERR_SHAPE, ep);
    /* batch dims that do not broadcast */
    pdsi_tensor *bx = fill(3, b234, 1), *by = fill(3, b345, 2);
    pdsi_tensor *bins[2] = {bx, by};
    CHECK_STATUS(pdst_run_op1("matmul_v2", NULL, 0, bins, 2, &o, 1, &err), PDS_ERR_SHAPE, ep);
    CHECK_MSG(err, "batch");
    /* rank 0 */
    pdsi_tensor *s = fill(0, NULL, 1);
    pdsi_tensor *sins[2] = {s, y};
    CHECK_STATUS(pdst_run_op1("matmul_v2", NULL, 0, sins, 2, &o, 1, &err), PDS_ERR_SHAPE, ep);
    /* dtypes */
    pdsi_tensor *h = pdst_tensor(PDS_FLOAT16, 2, d23, NULL);
    pdsi_tensor *i = pdst_tensor(PDS_INT64, 2, d43, NULL);
    pdsi_tensor *hins[2] = {h, y}, *iins[2] = {x, i};
    CHECK_STATUS(pdst_run_op1("matmul_v2", NULL, 0, hins, 2, &o, 1, &err), PDS_ERR_DTYPE, ep);
    CHECK_MSG(err, "float16");
    CHECK_STATUS(pdst_run_op1("matmul", NULL, 0, iins, 2, &o, 1, &err), PDS_ERR_DTYPE, ep);
    /* attributes */
    a = pdst_attr_int("head_number", 2);
    CHECK_STATUS(pdst_run_op1("matmul", &a, 1, ins, 2, &o, 1, &err), PDS_ERR_UNSUPPORTED_OP, ep);
    const int64_t shape[2] = {0, 3};
    a = pdst_attr_ints("fused_reshape_X", shape, 2);
    CHECK_STATUS(pdst_run_op1("matmul_v2", &a, 1, ins, 2, &o, 1, &err), PDS_ERR_UNSUPPORTED_OP, ep);
    CHECK_MSG(err, "fused_reshape_X");
    pdsi_attr ok[2] = {pdst_attr_ints("fused_reshape_X", shape, 0), pdst_attr_bool("trans_y", 1)};
    CHECK_OK(pdst_run_op1("matmul_v2", ok, 2, ins, 2, &o, 1, &err), ep); /* an empty list is harmless */
    a = pdst_attr_float("alpha", INFINITY);
    CHECK_STATUS(pdst_run_op1("matmul", &a, 1, ins, 2, &o, 1, &err), PDS_ERR_MODEL_FORMAT, ep);
    a = pdst_attr_str("trans_x", "true");
    CHECK_STATUS(pdst_run_op1("matmul_v2", &a, 1, ins, 2, &o, 1, &err), PDS_ERR_MODEL_FORMAT, ep);

    pdst_tensor_free(x);
    pdst_tensor_free(y);
    pdst_tensor_free(bx);
    pdst_tensor_free(by);
    pdst_tensor_free(s);
    pdst_tensor_free(h);
    pdst_tensor_free(i);
    pdst_tensor_free(o);
}

/* M11: the output's element count is checked before anything is allocated;
 * infer does not read these descriptor-only inputs. */
static void test_matmul_overflow(void)
{
    pds_error err, *ep = &err;
    pdsi_tensor x = {0}, y = {0}, o = {0};
    pdsi_tensor *ins[2] = {&x, &y}, *outs[1] = {&o};
    unsigned char params[64] = {0}; /* trans_x = trans_y = false */
    pdsi_tensor_set_shape(&x, PDS_FLOAT32, 2, (const int64_t[2]){INT64_C(1) << 32, 1});
    pdsi_tensor_set_shape(&y, PDS_FLOAT32, 2, (const int64_t[2]){1, INT64_C(1) << 32});
    CHECK_STATUS(pdst_infer_op1("matmul_v2", params, sizeof params, ins, 2, outs, 1, &err),
                 PDS_ERR_SHAPE, ep);
    /* broadcast batch [2^40, 2^30] */
    pdsi_tensor_set_shape(&x, PDS_FLOAT32, 4, (const int64_t[4]){INT64_C(1) << 40, 1, 1, 2});
    pdsi_tensor_set_shape(&y, PDS_FLOAT32, 4, (const int64_t[4]){1, INT64_C(1) << 30, 2, 1});
    CHECK_STATUS(pdst_infer_op1("matmul_v2", params, sizeof params, ins, 2, outs, 1, &err),
                 PDS_ERR_SHAPE, ep);
    CHECK_MSG(err, "too many");
}

/* ---- mul / fc ---------------------------------------------------------------- */

static void test_mul(void)
{
    pds_error err, *ep = &err;
    const int64_t x4[4] = {2, 3, 4, 5}, y2[2] = {20, 6}, y4[4] = {4, 5, 3, 2}, x2[2] = {3, 4},
                  y42[2] = {4, 2};
    pdsi_tensor *x = fill(4, x4, 7), *o = pdst_out();
    pdsi_tensor *ins[2] = {x, fill(2, y2, 8)};
    pdsi_attr a[2] = {pdst_attr_int("x_num_col_dims", 2), pdst_attr_int("y_num_col_dims", 1)};
    CHECK_OK(pdst_run_op1("mul", a, 2, ins, 2, &o, 1, &err), ep);
    CHECK(pdst_same_dims(o, 3, (const int64_t[3]){2, 3, 6}));
    pdst_check_close("mul x2", o->data, want_mul_x2, 36, PDST_ATOL, PDST_RTOL);
    pdst_tensor_free(ins[1]);
    ins[1] = fill(4, y4, 8);
    a[1] = pdst_attr_int("y_num_col_dims", 2);
    CHECK_OK(pdst_run_op1("mul", a, 2, ins, 2, &o, 1, &err), ep);
    CHECK(pdst_same_dims(o, 4, (const int64_t[4]){2, 3, 3, 2}));
    pdst_check_close("mul x2 y2", o->data, want_mul_x2y2, 36, PDST_ATOL, PDST_RTOL);
    pdsi_tensor *ins2[2] = {fill(2, x2, 7), fill(2, y42, 8)};
    CHECK_OK(pdst_run_op1("mul", NULL, 0, ins2, 2, &o, 1, &err), ep);
    pdst_check_close("mul 2-D", o->data, want_mul_2d, 6, PDST_ATOL, PDST_RTOL);

    /* errors: X rank not above x_num_col_dims, K mismatch, bad attribute,
     * an output rank over the limit */
    a[0] = pdst_attr_int("x_num_col_dims", 4);
    CHECK_STATUS(pdst_run_op1("mul", a, 1, ins, 2, &o, 1, &err), PDS_ERR_SHAPE, ep);
    CHECK_MSG(err, "x_num_col_dims");
    a[0] = pdst_attr_int("x_num_col_dims", 3);
    CHECK_STATUS(pdst_run_op1("mul", a, 2, ins, 2, &o, 1, &err), PDS_ERR_SHAPE, ep);
    CHECK_MSG(err, "[2,3,4,5]");
    CHECK_MSG(err, "[4,5,3,2]");
    a[0] = pdst_attr_int("x_num_col_dims", 0);
    CHECK_STATUS(pdst_run_op1("mul", a, 1, ins, 2, &o, 1, &err), PDS_ERR_MODEL_FORMAT, ep);
    const int64_t ones8[8] = {1, 1, 1, 1, 1, 1, 1, 1};
    pdsi_tensor *big[2] = {fill(8, ones8, 1), fill(8, ones8, 2)};
    a[0] = pdst_attr_int("x_num_col_dims", 7);
    a[1] = pdst_attr_int("y_num_col_dims", 1);
    CHECK_STATUS(pdst_run_op1("mul", a, 2, big, 2, &o, 1, &err), PDS_ERR_SHAPE, ep);
    CHECK_MSG(err, "rank");
    pdsi_tensor *hx = pdst_tensor(PDS_FLOAT16, 4, x4, NULL);
    pdsi_tensor *hins[2] = {hx, ins[1]};
    CHECK_STATUS(pdst_run_op1("mul", NULL, 0, hins, 2, &o, 1, &err), PDS_ERR_DTYPE, ep);

    pdst_tensor_free(x);
    pdst_tensor_free(ins[1]);
    pdst_tensor_free(ins2[0]);
    pdst_tensor_free(ins2[1]);
    pdst_tensor_free(big[0]);
    pdst_tensor_free(big[1]);
    pdst_tensor_free(hx);
    pdst_tensor_free(o);
}

static void test_fc(void)
{
    pds_error err, *ep = &err;
    const int64_t xd[3] = {2, 3, 4}, wd[2] = {4, 5}, bd[1] = {5}, b2d[2] = {1, 5}, w12[2] = {12, 5};
    pdsi_tensor *x = fill(3, xd, 9), *w = fill(2, wd, 10), *b = fill(1, bd, 11),
                *b2 = fill(2, b2d, 11), *w2 = fill(2, w12, 10), *o = pdst_out();
    pdsi_attr a[3] = {pdst_attr_int("in_num_col_dims", 2), pdst_attr_str("activation_type", ""),
                      pdst_attr_bool("padding_weights", 0)};
    CHECK_OK(pdst_run_op1("fc", a, 3, (pdsi_tensor *[3]){x, w, b}, 3, &o, 1, &err), ep);
    CHECK(pdst_same_dims(o, 3, (const int64_t[3]){2, 3, 5}));
    pdst_check_close("fc bias", o->data, want_fc_bias, 30, PDST_ATOL, PDST_RTOL);
    a[1] = pdst_attr_str("activation_type", "relu");
    CHECK_OK(pdst_run_op1("fc", a, 3, (pdsi_tensor *[3]){x, w, b2}, 3, &o, 1, &err), ep);
    pdst_check_close("fc relu", o->data, want_fc_relu, 30, PDST_ATOL, PDST_RTOL);
    CHECK_OK(pdst_run_op1("fc", NULL, 0, (pdsi_tensor *[3]){x, w2, NULL}, 3, &o, 1, &err), ep);
    CHECK(pdst_same_dims(o, 2, (const int64_t[2]){2, 5}));
    pdst_check_close("fc no bias", o->data, want_fc_nobias, 10, PDST_ATOL, PDST_RTOL);

    /* errors */
    pdsi_tensor *ok3[3] = {x, w, b};
    a[1] = pdst_attr_str("activation_type", "sigmoid");
    CHECK_STATUS(pdst_run_op1("fc", a, 2, ok3, 3, &o, 1, &err), PDS_ERR_MODEL_FORMAT, ep);
    CHECK_MSG(err, "sigmoid");
    a[1] = pdst_attr_str("activation_type", "gelu");
    CHECK_STATUS(pdst_run_op1("fc", a, 2, ok3, 3, &o, 1, &err), PDS_ERR_UNSUPPORTED_OP, ep);
    a[1] = pdst_attr_str("activation_type", "");
    a[2] = pdst_attr_bool("padding_weights", 1);
    CHECK_STATUS(pdst_run_op1("fc", a, 3, ok3, 3, &o, 1, &err), PDS_ERR_UNSUPPORTED_OP, ep);
    CHECK_MSG(err, "padding_weights");
    a[0] = pdst_attr_int("in_num_col_dims", 0);
    CHECK_STATUS(pdst_run_op1("fc", a, 1, ok3, 3, &o, 1, &err), PDS_ERR_MODEL_FORMAT, ep);
    a[0] = pdst_attr_int("in_num_col_dims", 3);
    CHECK_STATUS(pdst_run_op1("fc", a, 1, ok3, 3, &o, 1, &err), PDS_ERR_SHAPE, ep);
    /* W of the wrong rank or height; Bias of the wrong shape */
    a[0] = pdst_attr_int("in_num_col_dims", 2);
    pdsi_tensor *w3 = fill(3, (const int64_t[3]){1, 4, 5}, 1);
    CHECK_STATUS(pdst_run_op1("fc", a, 1, (pdsi_tensor *[3]){x, w3, NULL}, 3, &o, 1, &err), PDS_ERR_SHAPE,
                 ep);
    CHECK_MSG(err, "'W'");
    CHECK_STATUS(pdst_run_op1("fc", a, 1, (pdsi_tensor *[3]){x, w2, NULL}, 3, &o, 1, &err), PDS_ERR_SHAPE,
                 ep);
    CHECK_MSG(err, "[12,5]");
    pdsi_tensor *b4 = fill(1, (const int64_t[1]){4}, 1);
    pdsi_tensor *b25 = fill(2, (const int64_t[2]){2, 5}, 1);
    CHECK_STATUS(pdst_run_op1("fc", a, 1, (pdsi_tensor *[3]){x, w, b4}, 3, &o, 1, &err), PDS_ERR_SHAPE, ep);
    CHECK_MSG(err, "Bias");
    CHECK_STATUS(pdst_run_op1("fc", a, 1, (pdsi_tensor *[3]){x, w, b25}, 3, &o, 1, &err), PDS_ERR_SHAPE, ep);
    pdsi_tensor *bi = pdst_tensor(PDS_INT64, 1, bd, NULL);
    CHECK_STATUS(pdst_run_op1("fc", a, 1, (pdsi_tensor *[3]){x, w, bi}, 3, &o, 1, &err), PDS_ERR_DTYPE, ep);

    pdst_tensor_free(x);
    pdst_tensor_free(w);
    pdst_tensor_free(b);
    pdst_tensor_free(b2);
    pdst_tensor_free(w2);
    pdst_tensor_free(w3);
    pdst_tensor_free(b4);
    pdst_tensor_free(b25);
    pdst_tensor_free(bi);
    pdst_tensor_free(o);
}

int main(void)
{
    RUN_TEST(test_gemm_vs_naive);
    RUN_TEST(test_gemm_edges);
    RUN_TEST(test_matmul_vs_paddle);
    RUN_TEST(test_matmul_empty);
    RUN_TEST(test_matmul_errors);
    RUN_TEST(test_matmul_overflow);
    RUN_TEST(test_mul);
    RUN_TEST(test_fc);
    return pdst_summary();
}
