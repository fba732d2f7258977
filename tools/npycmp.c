/*
 * npycmp.c — compares two .npy files element by element with DESIGN.md's
 * tolerance (|a-b| <= 1e-4 + 1e-3*|b|, b = the reference) and prints the
 * largest difference and, for a classifier's output, both top-5 lists.
 * Exit code 0 when they agree, 1 otherwise. Used by scripts/demo.sh.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "npy.h"

static void top5(const float *v, long n, long *idx)
{
    for (int k = 0; k < 5; k++) {
        idx[k] = -1;
        for (long i = 0; i < n; i++) {
            int taken = 0;
            for (int j = 0; j < k; j++)
                taken |= idx[j] == i;
            if (!taken && (idx[k] < 0 || v[i] > v[idx[k]]))
                idx[k] = i;
        }
    }
}

int main(int argc, char **argv)
{
    if (argc != 3) {
        fprintf(stderr, "usage: pdsafe_npycmp GOT.npy REFERENCE.npy\n");
        return 2;
    }
    npy_array a, b;
    char msg[512];
    if (npy_read(argv[1], &a, msg, sizeof msg) || npy_read(argv[2], &b, msg, sizeof msg)) {
        fprintf(stderr, "pdsafe_npycmp: %s\n", msg);
        return 2;
    }
    int same_shape = a.rank == b.rank && a.dtype == b.dtype;
    for (int d = 0; same_shape && d < a.rank; d++)
        same_shape = a.dims[d] == b.dims[d];
    if (!same_shape || a.dtype != PDS_FLOAT32) {
        fprintf(stderr, "pdsafe_npycmp: shapes or dtypes differ, or not float32\n");
        return 1;
    }
    long n = (long)(a.byte_length / 4), bad = 0;
    const float *x = a.data, *y = b.data;
    double worst = 0;
    for (long i = 0; i < n; i++) {
        double d = fabs((double)x[i] - (double)y[i]);
        if (!(d <= 1e-4 + 1e-3 * fabs((double)y[i])))
            bad++;
        if (d > worst || d != d)
            worst = d;
    }
    printf("elements: %ld, max |pdsafe - paddle| = %.3g, outside tolerance: %ld\n", n, worst,
           bad);
    if (n >= 5 && a.rank == 2 && a.dims[0] == 1) {
        long ia[5], ib[5];
        top5(x, n, ia);
        top5(y, n, ib);
        printf("top-5 pdsafe: ");
        for (int k = 0; k < 5; k++)
            printf(" %ld (%.4f)", ia[k], x[ia[k]]);
        printf("\ntop-5 paddle: ");
        for (int k = 0; k < 5; k++)
            printf(" %ld (%.4f)", ib[k], y[ib[k]]);
        printf("\n");
    }
    printf("%s\n", bad ? "MISMATCH" : "MATCH: pdsafe agrees with Paddle Inference");
    npy_free(&a);
    npy_free(&b);
    return bad ? 1 : 0;
}
