/*
 * guard_bench.c — what guard mode and handle validation cost (docs/GUARD.md,
 * BENCHMARKS.md). Not a test: it reports figures and asserts nothing.
 *
 *   guard_bench LIBPDSAFE.so FIXTURES [--models a,b,...] [--runs N] [--batches N]
 *
 * The library is opened with dlopen, so the same binary measures any build
 * of it (bench/guard_overhead.sh runs it on this checkout's library and on a
 * build without guard mode, alternately). Two measurements:
 *
 *  validate  the cost of one call whose work is only the handle check:
 *            pds_predictor_cancel on an idle predictor (table lock, lookup,
 *            one atomic load). Batches of 10000 calls, the per-call time of
 *            each batch; p50 / p90 / p99 over the batches. For a plain
 *            predictor ("off") and, when the library has guard mode, a
 *            guarded one ("guard": the lookup also counts the call and its
 *            thread).
 *  run       pds_predictor_run on each fixture network's case0 input, a
 *            plain predictor and a guarded one run alternately (ABAB, so that
 *            drift on a shared machine hits both alike), after 3 warm-up runs
 *            each; p50 / p90 of each and the ratio of the p50s.
 *
 * Output: one line per figure, "validate off p50=... p90=... p99=... ns" and
 * "run MODEL off p50=... p90=... ms", "run MODEL guard ... ratio=...".
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "npy.h"
#include "pdsafe.h"

static struct {
    pds_status (*load)(const char *, const char *, const pds_model_options *, pds_model *,
                       pds_error *);
    pds_status (*create)(pds_model, const pds_predictor_options *, pds_predictor *, pds_error *);
    pds_status (*run)(pds_predictor, const pds_tensor *, size_t, pds_tensor *, size_t,
                      pds_error *);
    pds_status (*cancel)(pds_predictor, pds_error *);
    pds_status (*pdestroy)(pds_predictor, pds_error *);
    pds_status (*mdestroy)(pds_model, pds_error *);
    pds_status (*output_count)(pds_model, size_t *, pds_error *);
    pds_status (*guard_enabled)(int *, pds_error *); /* NULL: a library without guard mode */
} L;

static void *sym(void *lib, const char *name, int required)
{
    void *p = dlsym(lib, name);
    if (!p && required) {
        fprintf(stderr, "guard_bench: %s: %s\n", name, dlerror());
        exit(1);
    }
    return p;
}

/* --control: the "guarded" predictor is a plain one too (an A/A run: the
 * ratio it prints is the noise floor of the A/B one). */
static int g_control;

static double now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static double pct(double *v, int n, double p)
{
    qsort(v, (size_t)n, sizeof *v, cmp_double);
    int i = (int)(p * (n - 1) + 0.5);
    return v[i];
}

static pds_model load(const char *fixtures, const char *name, int guard)
{
    char mp[4096];
    snprintf(mp, sizeof mp, "%s/%s/inference.pdmodel", fixtures, name);
    pds_model_options o;
    pds_model_options_init(&o);
    o.flags = guard ? PDS_MODEL_GUARD : 0;
    pds_model m = 0;
    pds_error err;
    if (L.load(mp, NULL, &o, &m, &err) != PDS_OK) {
        fprintf(stderr, "guard_bench: loading %s: %s\n", name, err.message);
        exit(1);
    }
    return m;
}

static pds_predictor make(pds_model m)
{
    pds_predictor p = 0;
    pds_error err;
    if (L.create(m, NULL, &p, &err) != PDS_OK) {
        fprintf(stderr, "guard_bench: predictor: %s\n", err.message);
        exit(1);
    }
    return p;
}

static void validate(const char *what, pds_predictor p, int batches)
{
    enum { CALLS = 10000 };
    double *v = malloc(sizeof *v * (size_t)batches);
    for (int b = 0; b < batches; b++) {
        double t = now_ns();
        for (int i = 0; i < CALLS; i++)
            L.cancel(p, NULL);
        v[b] = (now_ns() - t) / CALLS;
    }
    printf("validate %s p50=%.1f p90=%.1f p99=%.1f ns\n", what, pct(v, batches, .5),
           pct(v, batches, .9), pct(v, batches, .99));
    free(v);
}

static void run_model(const char *fixtures, const char *name, int runs, int guard_ok)
{
    char path[4096], msg[256];
    snprintf(path, sizeof path, "%s/%s/case0.in0.npy", fixtures, name);
    npy_array a;
    if (npy_read(path, &a, msg, sizeof msg) != 0) {
        fprintf(stderr, "guard_bench: %s: %s\n", path, msg);
        exit(1);
    }
    pds_tensor in = {.dtype = a.dtype, .rank = a.rank, .data = a.data,
                     .byte_length = a.byte_length};
    memcpy(in.dims, a.dims, sizeof in.dims);
    pds_model m[2] = {load(fixtures, name, 0), guard_ok ? load(fixtures, name, !g_control) : 0};
    pds_predictor p[2] = {make(m[0]), guard_ok ? make(m[1]) : 0};
    size_t n_out = 0;
    L.output_count(m[0], &n_out, NULL);
    pds_tensor *out = calloc(n_out, sizeof *out);
    for (size_t i = 0; i < n_out; i++) {
        out[i].byte_length = 64u << 20;
        out[i].data = malloc(out[i].byte_length);
    }
    int kinds = guard_ok ? 2 : 1;
    double *t[2] = {malloc(sizeof(double) * (size_t)runs), malloc(sizeof(double) * (size_t)runs)};
    pds_error err;
    for (int r = -3; r < runs; r++)
        for (int k = 0; k < kinds; k++) {
            double s = now_ns();
            if (L.run(p[k], &in, 1, out, n_out, &err) != PDS_OK) {
                fprintf(stderr, "guard_bench: run %s: %s\n", name, err.message);
                exit(1);
            }
            if (r >= 0)
                t[k][r] = (now_ns() - s) / 1e6;
        }
    double p50[2];
    for (int k = 0; k < kinds; k++) {
        p50[k] = pct(t[k], runs, .5);
        printf("run %s %s p50=%.3f p90=%.3f ms", name, k ? "guard" : "off", p50[k],
               pct(t[k], runs, .9));
        if (k)
            printf(" ratio=%.3f", p50[1] / p50[0]);
        printf("\n");
    }
    for (int k = 0; k < kinds; k++) {
        L.pdestroy(p[k], NULL);
        L.mdestroy(m[k], NULL);
        free(t[k]);
    }
    for (size_t i = 0; i < n_out; i++)
        free(out[i].data);
    free(out);
    npy_free(&a);
}

int main(int argc, char **argv)
{
    if (argc < 3) {
        fprintf(stderr, "usage: guard_bench LIBPDSAFE.so FIXTURES [--models a,b] [--runs N] "
                        "[--batches N]\n");
        return 2;
    }
    const char *models = "pplcnet,mobilenetv3,resnet,db_det,svtr_rec";
    int runs = 40, batches = 300;
    for (int a = 3; a + 1 < argc; a += 2) {
        if (strcmp(argv[a], "--models") == 0)
            models = argv[a + 1];
        else if (strcmp(argv[a], "--runs") == 0)
            runs = atoi(argv[a + 1]);
        else if (strcmp(argv[a], "--batches") == 0)
            batches = atoi(argv[a + 1]);
        else if (strcmp(argv[a], "--control") == 0 && strcmp(argv[a + 1], "1") == 0)
            g_control = 1;
    }
    if (runs < 1 || batches < 1) {
        fprintf(stderr, "guard_bench: --runs and --batches must be at least 1\n");
        return 2;
    }
    void *lib = dlopen(argv[1], RTLD_NOW | RTLD_LOCAL);
    if (!lib) {
        fprintf(stderr, "guard_bench: %s\n", dlerror());
        return 1;
    }
    L.load = sym(lib, "pds_model_load_files", 1);
    L.create = sym(lib, "pds_predictor_create", 1);
    L.run = sym(lib, "pds_predictor_run", 1);
    L.cancel = sym(lib, "pds_predictor_cancel", 1);
    L.pdestroy = sym(lib, "pds_predictor_destroy", 1);
    L.mdestroy = sym(lib, "pds_model_destroy", 1);
    L.output_count = sym(lib, "pds_model_output_count", 1);
    L.guard_enabled = sym(lib, "pds_guard_enabled", 0);
    int guard_ok = L.guard_enabled != NULL;
    printf("library %s (%s)\n", argv[1], guard_ok ? "with guard mode" : "without guard mode");

    pds_model m = load(argv[2], "op_dropout", 0);
    pds_predictor p = make(m);
    validate("off", p, batches);
    if (guard_ok) {
        pds_model g = load(argv[2], "op_dropout", 1);
        pds_predictor q = make(g);
        validate("guard", q, batches);
        /* Once guard mode is on, unguarded objects still take the off path. */
        validate("off-after-guard-on", p, batches);
        L.pdestroy(q, NULL);
        L.mdestroy(g, NULL);
    }
    L.pdestroy(p, NULL);
    L.mdestroy(m, NULL);

    char list[1024];
    snprintf(list, sizeof list, "%s", models);
    for (char *s = strtok(list, ","); s; s = strtok(NULL, ","))
        run_model(argv[2], s, runs, guard_ok);
    return 0;
}
