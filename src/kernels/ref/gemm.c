/*
 * gemm.c — the cache-blocked float32 GEMM shared by the reference kernels.
 *
 * The classic Goto/BLIS structure, kept small: K is cut into KC-deep slices
 * and M into MC-row blocks; each block of op(A) is packed into MR-row panels
 * (k-major) and each NR-column panel of op(B) into a KC x NR strip, so that
 * the micro-kernel reads both operands contiguously whatever the transposes
 * were. The micro-kernel keeps an MR x NR tile of C in local accumulators and
 * is written as plain loops over fixed sizes, which gcc -O2 turns into vector
 * code. Ragged edges are handled by zero-padding the packed panels and
 * storing only the valid part of the tile, so there is a single kernel.
 *
 * Packing buffers live on the stack (36 KB), so the routine never
 * allocates and cannot fail.
 */
#include "kernels/gemm.h"

#include <string.h>

/* 8x8 tiles measured best with SSE2-only -O2 code (about 20 GFLOPS on one
 * Xeon core for 512^3); KC x MC keeps the packed A block (32 KB) in L2 and
 * the B strip (4 KB) in L1. */
#define MR 8
#define NR 8
#define KC 128
#define MC 64
_Static_assert(MC % MR == 0, "A panels are addressed as ir * kc");

/* Packs rows [i0, i0+mr) and depth [k0, k0+kc) of op(A) into one MR-row
 * panel laid out k-major: dst[k * MR + i]. Missing rows are zero. */
static void pack_a(const float *A, int64_t lda, bool transA, int64_t i0, int64_t mr, int64_t k0,
                   int64_t kc, float *dst)
{
    if (!transA) {
        for (int64_t i = 0; i < mr; i++) {
            const float *src = A + (i0 + i) * lda + k0;
            for (int64_t k = 0; k < kc; k++)
                dst[k * MR + i] = src[k];
        }
    } else {
        for (int64_t k = 0; k < kc; k++) {
            const float *src = A + (k0 + k) * lda + i0;
            for (int64_t i = 0; i < mr; i++)
                dst[k * MR + i] = src[i];
        }
    }
    if (mr < MR)
        for (int64_t k = 0; k < kc; k++)
            for (int64_t i = mr; i < MR; i++)
                dst[k * MR + i] = 0.0f;
}

/* Packs columns [j0, j0+nr) and depth [k0, k0+kc) of op(B) into a strip
 * dst[k * NR + j]. Missing columns are zero. */
static void pack_b(const float *B, int64_t ldb, bool transB, int64_t j0, int64_t nr, int64_t k0,
                   int64_t kc, float *dst)
{
    if (!transB) {
        for (int64_t k = 0; k < kc; k++) {
            const float *src = B + (k0 + k) * ldb + j0;
            float *d = dst + k * NR;
            if (nr == NR) {
                memcpy(d, src, NR * sizeof(float));
            } else {
                for (int64_t j = 0; j < nr; j++)
                    d[j] = src[j];
                for (int64_t j = nr; j < NR; j++)
                    d[j] = 0.0f;
            }
        }
    } else {
        for (int64_t j = 0; j < nr; j++) {
            const float *src = B + (j0 + j) * ldb + k0;
            for (int64_t k = 0; k < kc; k++)
                dst[k * NR + j] = src[k];
        }
        if (nr < NR)
            for (int64_t k = 0; k < kc; k++)
                for (int64_t j = nr; j < NR; j++)
                    dst[k * NR + j] = 0.0f;
    }
}

/* One MR x NR tile: acc = a_panel * b_strip over kc, then merged into C.
 * `first` says whether this is the first K slice, the only one where beta
 * applies (and where C is not read at all when beta == 0). */
static void micro_kernel(int64_t kc, const float *restrict a, const float *restrict b,
                         float *restrict c, int64_t ldc, int64_t mr, int64_t nr, float alpha,
                         float beta, bool first)
{
    float acc[MR][NR];
    for (int i = 0; i < MR; i++)
        for (int j = 0; j < NR; j++)
            acc[i][j] = 0.0f;
    for (int64_t k = 0; k < kc; k++) {
        const float *bk = b + k * NR;
        const float *ak = a + k * MR;
        for (int i = 0; i < MR; i++) {
            float ai = ak[i];
            for (int j = 0; j < NR; j++)
                acc[i][j] += ai * bk[j];
        }
    }
    for (int64_t i = 0; i < mr; i++) {
        float *ci = c + i * ldc;
        if (first && beta == 0.0f) {
            for (int64_t j = 0; j < nr; j++)
                ci[j] = alpha * acc[i][j];
        } else if (first && beta != 1.0f) {
            for (int64_t j = 0; j < nr; j++)
                ci[j] = beta * ci[j] + alpha * acc[i][j];
        } else {
            for (int64_t j = 0; j < nr; j++)
                ci[j] += alpha * acc[i][j];
        }
    }
}

static void scale_c(int64_t M, int64_t N, float *C, int64_t ldc, float beta)
{
    for (int64_t i = 0; i < M; i++) {
        float *ci = C + i * ldc;
        if (beta == 0.0f)
            memset(ci, 0, (size_t)N * sizeof(float));
        else
            for (int64_t j = 0; j < N; j++)
                ci[j] *= beta;
    }
}

void pdsi_gemm_f32(int64_t M, int64_t N, int64_t K, const float *A, int64_t lda, bool transA,
                   const float *B, int64_t ldb, bool transB, float *C, int64_t ldc, float alpha,
                   float beta)
{
    if (M <= 0 || N <= 0)
        return;
    if (K <= 0) {
        if (beta != 1.0f)
            scale_c(M, N, C, ldc, beta);
        return;
    }
    /* 64-byte alignment keeps the packed panels on cache-line boundaries. */
    _Alignas(64) float apack[MC * KC];
    _Alignas(64) float bpack[KC * NR];

    for (int64_t k0 = 0; k0 < K; k0 += KC) {
        int64_t kc = K - k0 < KC ? K - k0 : KC;
        bool first = k0 == 0;
        for (int64_t i0 = 0; i0 < M; i0 += MC) {
            int64_t mc = M - i0 < MC ? M - i0 : MC;
            for (int64_t ir = 0; ir < mc; ir += MR) {
                int64_t mr = mc - ir < MR ? mc - ir : MR;
                pack_a(A, lda, transA, i0 + ir, mr, k0, kc, apack + ir * kc);
            }
            for (int64_t j0 = 0; j0 < N; j0 += NR) {
                int64_t nr = N - j0 < NR ? N - j0 : NR;
                pack_b(B, ldb, transB, j0, nr, k0, kc, bpack);
                for (int64_t ir = 0; ir < mc; ir += MR) {
                    int64_t mr = mc - ir < MR ? mc - ir : MR;
                    micro_kernel(kc, apack + ir * kc, bpack, C + (i0 + ir) * ldc + j0, ldc, mr,
                                 nr, alpha, beta, first);
                }
            }
        }
    }
}
