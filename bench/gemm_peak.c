/*
 * gemm_peak.c — the machine's practical fp32 peak, measured with oneDNN's
 * sgemm (bench/compare.py compiles and runs it; not part of the library).
 *
 *   gemm_peak [N] [REPEATS]   prints GFLOP/s of an N x N x N sgemm (best of
 *                             REPEATS), with the OpenMP threads the
 *                             environment gives (OMP_NUM_THREADS).
 */
#include <oneapi/dnnl/dnnl.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

int main(int argc, char **argv)
{
    long n = argc > 1 ? atol(argv[1]) : 2048;
    int reps = argc > 2 ? atoi(argv[2]) : 10;
    if (n < 64 || n > 16384 || reps < 1)
        return 2;
    float *a = malloc(sizeof(float) * (size_t)(n * n));
    float *b = malloc(sizeof(float) * (size_t)(n * n));
    float *c = malloc(sizeof(float) * (size_t)(n * n));
    if (!a || !b || !c)
        return 1;
    for (long i = 0; i < n * n; i++) {
        a[i] = (float)(i % 7) * 0.1f;
        b[i] = (float)(i % 5) * 0.1f;
        c[i] = 0.0f;
    }
    double best = 1e30;
    for (int r = 0; r < reps + 1; r++) {
        double t0 = now();
        if (dnnl_sgemm('N', 'N', n, n, n, 1.0f, a, n, b, n, 0.0f, c, n) != dnnl_success)
            return 1;
        double t = now() - t0;
        if (r > 0 && t < best) /* the first call JIT-compiles */
            best = t;
    }
    printf("%.1f\n", 2.0 * (double)n * (double)n * (double)n / best * 1e-9);
    free(a);
    free(b);
    free(c);
    return 0;
}
