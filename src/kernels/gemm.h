/*
 * gemm.h — the one float32 matrix multiply every reference kernel builds on
 * (matmul, mul, fc here; conv as im2col + GEMM).
 *
 * Matrices are row-major with explicit leading dimensions, so a kernel can
 * multiply a sub-block or a batch slice of a larger tensor without copying.
 * The routine needs no heap memory and cannot fail: its packing buffers are
 * small fixed blocks on the stack.
 */
#ifndef PDSI_KERNELS_GEMM_H
#define PDSI_KERNELS_GEMM_H

#include <stdbool.h>
#include <stdint.h>

/* C = alpha * op(A) * op(B) + beta * C, where op(A) is M x K and op(B) is
 * K x N.
 *
 *   op(A)[i][k] = transA ? A[k * lda + i] : A[i * lda + k]
 *   op(B)[k][j] = transB ? B[j * ldb + k] : B[k * ldb + j]
 *   C[i][j]     = C[i * ldc + j]
 *
 * As in BLAS, when beta == 0 C is not read (it may hold NaN or garbage), and
 * when K == 0 the result is beta * C. Nothing is done when M or N is <= 0.
 * The caller guarantees that the leading dimensions cover the rows
 * (lda >= K or M, ldb >= N or K, ldc >= N) and that C does not overlap A or B. */
void pdsi_gemm_f32(int64_t M, int64_t N, int64_t K, const float *A, int64_t lda, bool transA,
                   const float *B, int64_t ldb, bool transB, float *C, int64_t ldc, float alpha,
                   float beta);

#endif
