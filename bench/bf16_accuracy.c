/*
 * bf16_accuracy.c — how far a model's bf16 outputs are from its float32 ones
 * (bench/bf16.sh compiles and runs it; not part of the library).
 *
 *   bf16_accuracy MODEL N SEED [SHAPE]
 *
 * Loads MODEL (a .pdmodel or .json; parameters found by the library) twice,
 * with PDS_PRECISION_FP32 and PDS_PRECISION_BF16, and runs both on N inputs
 * of the shape of the model's first input (dynamic dims: those of
 * SHAPE, "DxDx...", when given; else those of input.npy beside the model;
 * without one, a dynamic batch dim is 1), float32 values drawn from a standard normal
 * distribution (seeded with SEED: the same inputs every time). Per input
 * and output it takes
 *   max relative error  = max |bf16 - fp32| / max |fp32|
 *   mean relative error = mean |bf16 - fp32| / mean |fp32|
 * and prints one JSON line: the largest max relative error over the inputs,
 * the mean of the mean relative errors, and, for a model whose first output
 * is [batch, classes], how many inputs' top-1 class agree. Asserts nothing.
 */
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "npy.h"
#include "pdsafe.h"

#define MAX_OUT 8

static uint64_t rng;

static double uniform(void)
{
    rng = rng * 6364136223846793005ull + 1442695040888963407ull;
    return ((double)(rng >> 11) + 0.5) / 9007199254740992.0;
}

static float normal(void)
{
    return (float)(sqrt(-2.0 * log(uniform())) * cos(6.283185307179586 * uniform()));
}

static void die(const char *what, const pds_error *err)
{
    fprintf(stderr, "bf16_accuracy: %s: %s\n", what, err ? err->message : "");
    exit(1);
}

static pds_model load(const char *path, uint32_t precision)
{
    pds_model_options o;
    pds_model_options_init(&o);
    o.precision = precision;
    pds_model m;
    pds_error err;
    if (pds_model_load_files(path, NULL, &o, &m, &err))
        die(path, &err);
    return m;
}

int main(int argc, char **argv)
{
    if (argc != 4 && argc != 5) {
        fprintf(stderr, "usage: bf16_accuracy MODEL N SEED [SHAPE]\n");
        return 2;
    }
    const char *path = argv[1];
    long n_inputs = atol(argv[2]);
    rng = strtoull(argv[3], NULL, 10);
    pds_error err;
    pds_model m32 = load(path, PDS_PRECISION_FP32), m16 = load(path, PDS_PRECISION_BF16);
    pds_predictor p32, p16;
    if (pds_predictor_create(m32, NULL, &p32, &err) || pds_predictor_create(m16, NULL, &p16, &err))
        die("create a predictor", &err);
    size_t n_in, n_out;
    pds_tensor_info ti;
    if (pds_model_input_count(m32, &n_in, &err) || pds_model_output_count(m32, &n_out, &err) ||
        pds_model_input_info(m32, 0, &ti, &err))
        die("model info", &err);
    if (n_in != 1 || n_out > MAX_OUT || ti.dtype != PDS_FLOAT32)
        die("expected one float32 input and at most 8 outputs", NULL);
    /* Dynamic dims from input.npy beside the model. */
    pds_tensor in = {.dtype = PDS_FLOAT32, .rank = ti.rank};
    memcpy(in.dims, ti.dims, sizeof in.dims);
    bool dynamic = false;
    for (int d = 0; d < ti.rank; d++)
        dynamic |= ti.dims[d] < 0;
    if (argc == 5) {
        in.rank = 0;
        for (const char *s = argv[4]; *s && in.rank < PDS_MAX_RANK;) {
            char *end;
            in.dims[in.rank++] = strtoll(s, &end, 10);
            s = *end ? end + 1 : end;
        }
    } else if (dynamic) {
        char npy[4096], msg[256];
        const char *slash = strrchr(path, '/');
        snprintf(npy, sizeof npy, "%.*s/input.npy", slash ? (int)(slash - path) : 1,
                 slash ? path : ".");
        npy_array a;
        if (npy_read(npy, &a, msg, sizeof msg) == 0) {
            in.rank = a.rank;
            memcpy(in.dims, a.dims, sizeof in.dims);
            npy_free(&a);
        } else if (ti.dims[0] < 0) {
            in.dims[0] = 1; /* no input.npy: batch 1, the other dims must be fixed */
            for (int d = 1; d < ti.rank; d++)
                if (ti.dims[d] < 0)
                    die(msg, NULL);
        } else {
            die(msg, NULL);
        }
    }
    size_t numel = 1;
    for (int d = 0; d < in.rank; d++)
        numel *= (size_t)in.dims[d];
    float *x = malloc(numel * sizeof *x);
    in.data = x;
    in.byte_length = numel * sizeof *x;
    /* Outputs: sized by a first run. */
    pds_tensor o32[MAX_OUT] = {0}, o16[MAX_OUT] = {0};
    for (size_t k = 0; k < numel; k++)
        x[k] = normal();
    if (pds_predictor_run(p32, &in, 1, o32, n_out, &err) != PDS_ERR_BUFFER_SIZE)
        die("sizing run", &err);
    for (size_t j = 0; j < n_out; j++) {
        size_t bytes = pds_dtype_size(o32[j].dtype);
        for (int d = 0; d < o32[j].rank; d++)
            bytes *= (size_t)o32[j].dims[d];
        o32[j].data = malloc(bytes ? bytes : 1);
        o16[j].data = malloc(bytes ? bytes : 1);
        o32[j].byte_length = o16[j].byte_length = bytes;
    }
    double worst_max = 0, sum_mean = 0;
    long n_mean = 0, top1_same = 0, top1_n = 0;
    for (long i = 0; i < n_inputs; i++) {
        for (size_t k = 0; k < numel; k++)
            x[k] = normal();
        if (pds_predictor_run(p32, &in, 1, o32, n_out, &err) ||
            pds_predictor_run(p16, &in, 1, o16, n_out, &err))
            die("run", &err);
        for (size_t j = 0; j < n_out; j++) {
            if (o32[j].dtype != PDS_FLOAT32 || o16[j].dtype != PDS_FLOAT32)
                die("an output is not float32", NULL);
            const float *a = o16[j].data, *b = o32[j].data;
            size_t n = o32[j].byte_length / sizeof(float);
            double maxd = 0, maxr = 0, sumd = 0, sumr = 0;
            for (size_t k = 0; k < n; k++) {
                double d = fabs((double)a[k] - b[k]), r = fabs((double)b[k]);
                maxd = d > maxd ? d : maxd;
                maxr = r > maxr ? r : maxr;
                sumd += d;
                sumr += r;
            }
            double mx = maxr > 0 ? maxd / maxr : maxd;
            worst_max = mx > worst_max ? mx : worst_max;
            sum_mean += sumr > 0 ? sumd / sumr : sumd;
            n_mean++;
            if (j == 0 && o32[0].rank == 2) {
                long classes = (long)o32[0].dims[1];
                for (long row = 0; row < (long)o32[0].dims[0]; row++) {
                    long ba = 0, bb = 0;
                    for (long c = 1; c < classes; c++) {
                        if (a[row * classes + c] > a[row * classes + ba])
                            ba = c;
                        if (b[row * classes + c] > b[row * classes + bb])
                            bb = c;
                    }
                    top1_same += ba == bb;
                    top1_n++;
                }
            }
        }
    }
    printf("{\"model\": \"%s\", \"inputs\": %ld, \"max_rel\": %.3e, \"mean_rel\": %.3e", path,
           n_inputs, worst_max, n_mean ? sum_mean / (double)n_mean : 0.0);
    if (top1_n)
        printf(", \"top1_agree\": %ld, \"top1_n\": %ld", top1_same, top1_n);
    printf("}\n");
    for (size_t j = 0; j < n_out; j++) {
        free(o32[j].data);
        free(o16[j].data);
    }
    free(x);
    pds_predictor_destroy(p32, NULL);
    pds_predictor_destroy(p16, NULL);
    pds_model_destroy(m32, NULL);
    pds_model_destroy(m16, NULL);
    return 0;
}
