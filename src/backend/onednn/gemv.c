/*
 * gemv.c — products of a few rows by large constant weights, on the weights
 * oneDNN packed.
 *
 * A fully connected layer at batch 1 (VGG's and AlexNet's classifier heads,
 * an MLP serving single requests) reads every weight once per row: its time
 * is the time to stream the weights from memory. oneDNN 2.6 packs such
 * weights in BA16a64b — for each panel of 64 output columns, all K rows of
 * that panel one after the other, [K][64] — which is the ideal order for
 * that stream, but its brgemm matmul walks them in an order that reaches
 * 15 GB/s on one core of the development machine where a plain pass over
 * each panel reaches 24-27 GB/s (VGG11's 25088 x 4096 layer: 26.7 ms in
 * oneDNN, ~16 ms here). So for M <= PDSI_GEMV_MAX_ROWS rows, a float32
 * product whose weights oneDNN packed in that layout runs this kernel on the
 * same packed copy (nothing else is stored), with the bias and a ReLU or
 * nothing after it; every other product stays oneDNN's.
 *
 * Each panel of 64 columns keeps its M x 64 sums in registers while it
 * streams the panel once, so the weights are read once for all rows; panels
 * are shared out over the step's OpenMP team (the executor has set its size
 * for the job; a team of one runs the loop on the calling thread without a
 * parallel region). Summation is in k order per output, one float32 fma per
 * term, so results differ from oneDNN's only by float rounding (the fixture
 * tests compare both with Paddle's outputs).
 */
#include <omp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "backend/onednn/dnn-impl.h"
#include "core/error.h"
#include "ops/fused.h"

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#include <immintrin.h>
#define PDSI_GEMV_X86 1
#endif

typedef struct gemv {
    int64_t M, K, N;
    int64_t Kp;        /* K rounded up to 16 (the packed rows, zero past K) */
    const float *w;    /* BA16a64b, N rounded up to 64 */
    const float *bias; /* N values or NULL */
    bool relu;
} gemv;

#ifdef PDSI_GEMV_X86
/* One panel of 64 columns for M rows (1 <= M <= 4): y[m][n0..n0+cols). */
__attribute__((target("avx512f,fma"))) static void panel(const gemv *g, const float *x,
                                                         float *y, int64_t pb)
{
    const float *w = g->w + pb * g->Kp * 64;
    const int64_t n0 = pb * 64, K = g->K, M = g->M;
    __m512 acc[PDSI_GEMV_MAX_ROWS][4];
    for (int m = 0; m < PDSI_GEMV_MAX_ROWS; m++)
        for (int j = 0; j < 4; j++)
            acc[m][j] = _mm512_setzero_ps();
    for (int64_t k = 0; k < K; k++, w += 64) {
        __m512 w0 = _mm512_load_ps(w), w1 = _mm512_load_ps(w + 16);
        __m512 w2 = _mm512_load_ps(w + 32), w3 = _mm512_load_ps(w + 48);
        for (int m = 0; m < PDSI_GEMV_MAX_ROWS; m++) {
            if (m == M)
                break;
            __m512 a = _mm512_set1_ps(x[m * K + k]);
            acc[m][0] = _mm512_fmadd_ps(a, w0, acc[m][0]);
            acc[m][1] = _mm512_fmadd_ps(a, w1, acc[m][1]);
            acc[m][2] = _mm512_fmadd_ps(a, w2, acc[m][2]);
            acc[m][3] = _mm512_fmadd_ps(a, w3, acc[m][3]);
        }
    }
    const int64_t cols = g->N - n0 < 64 ? g->N - n0 : 64;
    for (int j = 0; j < 4; j++) {
        const int64_t c = j * 16;
        if (c >= cols)
            break;
        const __mmask16 mask =
            cols - c >= 16 ? (__mmask16)0xffff : (__mmask16)((1u << (cols - c)) - 1);
        __m512 b = g->bias ? _mm512_maskz_loadu_ps(mask, g->bias + n0 + c) : _mm512_setzero_ps();
        for (int64_t m = 0; m < M; m++) {
            __m512 v = _mm512_add_ps(acc[m][j], b);
            if (g->relu)
                v = _mm512_max_ps(v, _mm512_setzero_ps());
            _mm512_mask_storeu_ps(y + m * g->N + n0 + c, mask, v);
        }
    }
}

static bool cpu_ok(void)
{
    return __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("fma");
}
#else
static void panel(const gemv *g, const float *x, float *y, int64_t pb)
{
    (void)g, (void)x, (void)y, (void)pb;
}

static bool cpu_ok(void)
{
    return false;
}
#endif

static pds_status gemv_run(const pdsi_dnn_step *s, pdsi_tensor *const *in,
                           pdsi_tensor *const *out, pds_error *err)
{
    (void)err;
    const gemv *g = s->owned;
    const float *x = in[0]->data;
    float *y = out[0]->data;
    const int64_t panels = (g->N + 63) / 64;
    const int nt = omp_get_max_threads();
    if (nt <= 1 || panels == 1) {
        for (int64_t pb = 0; pb < panels; pb++)
            panel(g, x, y, pb);
        return PDS_OK;
    }
#pragma omp parallel for schedule(static) num_threads(nt)
    for (int64_t pb = 0; pb < panels; pb++)
        panel(g, x, y, pb);
    return PDS_OK;
}

bool pdsi_dnn_gemv_fits(int64_t M, const dnnl_memory_desc_t *w_md, const pdsi_post_op *post,
                        int n_post, float alpha)
{
    if (M < 1 || M > PDSI_GEMV_MAX_ROWS || alpha != 1.0f || n_post > 1 || !cpu_ok())
        return false;
    if (n_post == 1 && (post[0].residual || post[0].unary.kind != PDSI_UNARY_RELU))
        return false;
    if (w_md->ndims != 2 || w_md->data_type != dnnl_f32)
        return false;
    dnnl_memory_desc_t want;
    if (dnnl_memory_desc_init_by_tag(&want, 2, w_md->dims, dnnl_f32, dnnl_BA16a64b) !=
        dnnl_success)
        return false;
    return dnnl_memory_desc_equal(&want, w_md);
}

pds_status pdsi_dnn_gemv_step(int64_t M, int64_t K, int64_t N, const void *packed,
                              const float *bias, bool relu, pdsi_dnn_step **step, pds_error *err)
{
    *step = NULL;
    pdsi_dnn_step *s = pdsi_dnn_step_new();
    gemv *g = calloc(1, sizeof *g);
    if (!s || !g) {
        free(s);
        free(g);
        return pdsi_fail(err, PDS_ERR_OUT_OF_MEMORY, "could not allocate a gemv step");
    }
    *g = (gemv){.M = M, .K = K, .N = N, .Kp = (K + 15) / 16 * 16, .w = packed, .bias = bias,
                .relu = relu};
    s->owned = g;
    s->native = gemv_run;
    snprintf(s->impl, sizeof s->impl, "pdsafe_gemv:avx512");
    *step = s;
    return PDS_OK;
}
