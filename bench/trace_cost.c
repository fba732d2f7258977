/*
 * trace_cost.c — what tracing costs, measured inside one process
 * (bench/trace_overhead.sh compiles and runs it; not part of the library).
 *
 *   trace_cost LIB calls ROUNDS
 *       ns per public call (pds_model_input_count, the cheapest call that
 *       takes a handle): tracing off, and on when LIB has tracing; the
 *       median of ROUNDS rounds of 200000 calls each.
 *   trace_cost LIB runs ROUNDS RUNS FIXTURES_DIR NAME...
 *       per fixture, ROUNDS rounds of RUNS runs with tracing off and RUNS
 *       with tracing on, taken in turn run by run (a session started
 *       before each traced run and stopped after it, outside the timing);
 *       per round the p50 and p90 latency of each, one JSON line each.
 *   trace_cost LIB runs-off ROUNDS RUNS FIXTURES_DIR NAME...
 *       the same with tracing off only (for a library without tracing).
 *   trace_cost ab-calls LIB_A LIB_B ROUNDS
 *       ns per pds_model_input_count on both libraries in one process,
 *       tracing off, blocks of 20000 calls in turn: median and p90 of the
 *       ROUNDS blocks of each.
 *   trace_cost ab LIB_A LIB_B ROUNDS RUNS FIXTURES_DIR NAME...
 *       the same runs on two libraries in one process (B in its own
 *       link-map namespace, dlmopen), tracing off, run by run in turn.
 *
 * LIB is the path of a libpdsafe.so, opened with dlopen, so that the same
 * program measures libraries built from different commits. Runs use each
 * fixture's case0 input (NAME) or a float32 input of the shape given as
 * NAME@DxDxD, the default (fast) path and 1 intra-op thread.
 * Timestamps: CLOCK_MONOTONIC around each call. Prints figures; asserts
 * nothing about them.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "npy.h"
#include "pdsafe.h"

typedef struct lib_api {
    pds_status (*load)(const char *, const char *, const pds_model_options *, pds_model *,
                       pds_error *);
    pds_status (*destroy)(pds_model, pds_error *);
    pds_status (*input_count)(pds_model, size_t *, pds_error *);
    pds_status (*create)(pds_model, const pds_predictor_options *, pds_predictor *, pds_error *);
    pds_status (*pdestroy)(pds_predictor, pds_error *);
    pds_status (*run)(pds_predictor, const pds_tensor *, size_t, pds_tensor *, size_t,
                      pds_error *);
    pds_status (*trace_start)(const pds_trace_options *, pds_error *);
    pds_status (*trace_stop)(pds_error *);
} lib_api;

static lib_api api, api_b; /* api_b: the second library of `ab` */

static double now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

static int cmp_d(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static double pct(double *v, int n, double p)
{
    qsort(v, (size_t)n, sizeof *v, cmp_d);
    int i = (int)(p * (n - 1) + 0.5);
    return v[i];
}

static void *sym(void *lib, const char *name, int required)
{
    void *f = dlsym(lib, name);
    if (!f && required) {
        fprintf(stderr, "trace_cost: the library has no %s\n", name);
        exit(1);
    }
    return f;
}

static void trace_on(int on)
{
    pds_error e;
    if (on) {
        pds_trace_options o;
        pds_trace_options_init(&o);
        o.buffer_events = 1u << 22; /* no drop in a block */
        if (api.trace_start(&o, &e)) {
            fprintf(stderr, "trace_cost: pds_trace_start: %s\n", e.message);
            exit(1);
        }
    } else if (api.trace_stop) {
        api.trace_stop(NULL);
    }
}

static void calls(int rounds)
{
    char path[4096];
    const char *fx = getenv("PDSAFE_FIXTURES");
    snprintf(path, sizeof path, "%s/pplcnet/inference.pdmodel", fx ? fx : "tests/fixtures");
    pds_model m;
    pds_error e;
    if (api.load(path, NULL, NULL, &m, &e)) {
        fprintf(stderr, "trace_cost: %s: %s\n", path, e.message);
        exit(1);
    }
    enum { N = 200000 };
    double *off = calloc((size_t)rounds, sizeof *off), *on = calloc((size_t)rounds, sizeof *on);
    for (int r = 0; r < rounds; r++)
        for (int k = 0; k < (api.trace_start ? 2 : 1); k++) {
            int traced = (r + k) % 2 == 1 && api.trace_start;
            if (!api.trace_start)
                traced = 0;
            trace_on(traced);
            size_t n = 0;
            double t0 = now_ns();
            for (int i = 0; i < N; i++)
                api.input_count(m, &n, NULL);
            double ns = (now_ns() - t0) / N;
            trace_on(0);
            (traced ? on : off)[r] = ns;
        }
    printf("{\"mode\":\"calls\",\"off_ns\":%.2f", pct(off, rounds, 0.5));
    if (api.trace_start)
        printf(",\"on_ns\":%.2f", pct(on, rounds, 0.5));
    printf("}\n");
    api.destroy(m, NULL);
}

/* The input of fixture spec "NAME" (its case0 input) or "NAME@DxDxD" (a
 * float32 input of that shape, filled with a fixed pattern), and the model
 * path; the spec's name part is written to name. */
static void fixture_input(const char *fx, const char *spec, char *name, size_t cap, char *mp,
                          size_t mcap, npy_array *in)
{
    char ip[4096], msg[256];
    const char *at = strchr(spec, '@');
    size_t n = at ? (size_t)(at - spec) : strlen(spec);
    snprintf(name, cap, "%.*s", (int)n, spec);
    snprintf(mp, mcap, "%s/%s/inference.pdmodel", fx, name);
    if (!at) {
        snprintf(ip, sizeof ip, "%s/%s/case0.in0.npy", fx, name);
        if (npy_read(ip, in, msg, sizeof msg)) {
            fprintf(stderr, "trace_cost: %s\n", msg);
            exit(1);
        }
        return;
    }
    memset(in, 0, sizeof *in);
    in->dtype = PDS_FLOAT32;
    size_t count = 1;
    for (const char *q = at + 1; *q && in->rank < PDS_MAX_RANK;) {
        char *end;
        long d = strtol(q, &end, 10);
        if (end == q || d <= 0) {
            fprintf(stderr, "trace_cost: bad shape in %s\n", spec);
            exit(2);
        }
        in->dims[in->rank++] = d;
        count *= (size_t)d;
        q = *end == 'x' ? end + 1 : end;
        if (!*end)
            break;
    }
    float *v = malloc(count * sizeof *v);
    for (size_t i = 0; i < count; i++)
        v[i] = (float)((i * 7919) % 2001) / 1000.0f - 1.0f;
    in->data = v;
    in->byte_length = count * sizeof *v;
}

static void runs(int rounds, int n_runs, const char *fx, const char *spec, int with_on)
{
    char mp[4096], name[256];
    npy_array in;
    fixture_input(fx, spec, name, sizeof name, mp, sizeof mp, &in);
    pds_model m;
    pds_predictor p;
    pds_error e;
    if (api.load(mp, NULL, NULL, &m, &e) || api.create(m, NULL, &p, &e)) {
        fprintf(stderr, "trace_cost: %s: %s\n", mp, e.message);
        exit(1);
    }
    pds_tensor x = {.dtype = in.dtype, .rank = in.rank, .data = in.data,
                    .byte_length = in.byte_length};
    memcpy(x.dims, in.dims, sizeof x.dims);
    static char out[64 << 20];
    pds_tensor y = {.data = out, .byte_length = sizeof out};
    double *lat[2] = {calloc((size_t)n_runs, sizeof(double)),
                      calloc((size_t)n_runs, sizeof(double))};
    for (int i = 0; i < 10; i++)
        api.run(p, &x, 1, &y, 1, NULL);
    /* Run by run, off and on in turn (which comes first alternates), so
     * that a change of the machine's load falls on both alike. */
    for (int r = 0; r < rounds; r++) {
        for (int i = 0; i < n_runs; i++)
            for (int k = 0; k < (with_on ? 2 : 1); k++) {
                int traced = with_on && (i + k) % 2 == 1;
                trace_on(traced);
                double t0 = now_ns();
                if (api.run(p, &x, 1, &y, 1, &e)) {
                    fprintf(stderr, "trace_cost: %s: %s\n", name, e.message);
                    exit(1);
                }
                lat[traced][i] = now_ns() - t0;
                trace_on(0);
            }
        for (int traced = 0; traced < (with_on ? 2 : 1); traced++)
            printf("{\"mode\":\"runs\",\"fixture\":\"%s\",\"round\":%d,\"trace\":%d,"
                   "\"p50_ms\":%.5f,\"p90_ms\":%.5f}\n",
                   spec, r, traced, pct(lat[traced], n_runs, 0.5) / 1e6,
                   pct(lat[traced], n_runs, 0.9) / 1e6);
    }
    free(lat[1]);
    free(lat[0]);
    api.pdestroy(p, NULL);
    api.destroy(m, NULL);
    npy_free(&in);
}

/* Loads the library at path into its own link-map namespace (dlmopen), so
 * that two builds of libpdsafe.so (same SONAME) live in one process. */
static void open_lib(const char *path, lib_api *a, int own_namespace)
{
    void *lib = own_namespace ? dlmopen(LM_ID_NEWLM, path, RTLD_NOW | RTLD_LOCAL)
                              : dlopen(path, RTLD_NOW | RTLD_LOCAL);
    if (!lib) {
        fprintf(stderr, "trace_cost: %s\n", dlerror());
        exit(1);
    }
    *(void **)&a->load = sym(lib, "pds_model_load_files", 1);
    *(void **)&a->destroy = sym(lib, "pds_model_destroy", 1);
    *(void **)&a->input_count = sym(lib, "pds_model_input_count", 1);
    *(void **)&a->create = sym(lib, "pds_predictor_create", 1);
    *(void **)&a->pdestroy = sym(lib, "pds_predictor_destroy", 1);
    *(void **)&a->run = sym(lib, "pds_predictor_run", 1);
    *(void **)&a->trace_start = sym(lib, "pds_trace_start", 0);
    *(void **)&a->trace_stop = sym(lib, "pds_trace_stop", 0);
}

/* `ab`: the same runs on library A and library B (tracing off in both),
 * run by run in turn, in one process. */
static void ab(int rounds, int n_runs, const char *fx, const char *spec)
{
    char mp[4096], name[256];
    npy_array in;
    fixture_input(fx, spec, name, sizeof name, mp, sizeof mp, &in);
    const lib_api *l[2] = {&api, &api_b};
    pds_model m[2];
    pds_predictor p[2];
    pds_error e;
    for (int k = 0; k < 2; k++)
        if (l[k]->load(mp, NULL, NULL, &m[k], &e) || l[k]->create(m[k], NULL, &p[k], &e)) {
            fprintf(stderr, "trace_cost: %s: %s\n", mp, e.message);
            exit(1);
        }
    pds_tensor x = {.dtype = in.dtype, .rank = in.rank, .data = in.data,
                    .byte_length = in.byte_length};
    memcpy(x.dims, in.dims, sizeof x.dims);
    static char out[64 << 20];
    pds_tensor y = {.data = out, .byte_length = sizeof out};
    double *lat[2] = {calloc((size_t)n_runs, sizeof(double)),
                      calloc((size_t)n_runs, sizeof(double))};
    for (int i = 0; i < 10; i++)
        for (int k = 0; k < 2; k++)
            l[k]->run(p[k], &x, 1, &y, 1, NULL);
    for (int r = 0; r < rounds; r++) {
        for (int i = 0; i < n_runs; i++)
            for (int j = 0; j < 2; j++) {
                int k = (i + j) % 2;
                double t0 = now_ns();
                if (l[k]->run(p[k], &x, 1, &y, 1, &e)) {
                    fprintf(stderr, "trace_cost: %s: %s\n", name, e.message);
                    exit(1);
                }
                lat[k][i] = now_ns() - t0;
            }
        for (int k = 0; k < 2; k++)
            printf("{\"mode\":\"ab\",\"fixture\":\"%s\",\"round\":%d,\"lib\":\"%s\","
                   "\"p50_ms\":%.5f,\"p90_ms\":%.5f}\n",
                   spec, r, k ? "b" : "a", pct(lat[k], n_runs, 0.5) / 1e6,
                   pct(lat[k], n_runs, 0.9) / 1e6);
    }
    for (int k = 0; k < 2; k++) {
        l[k]->pdestroy(p[k], NULL);
        l[k]->destroy(m[k], NULL);
        free(lat[k]);
    }
    npy_free(&in);
}

/* `ab-calls`: ns per pds_model_input_count on library A and library B
 * (tracing off), blocks of 20000 calls in turn, ROUNDS blocks each. */
static void ab_calls(int rounds)
{
    char path[4096];
    const char *fx = getenv("PDSAFE_FIXTURES");
    snprintf(path, sizeof path, "%s/pplcnet/inference.pdmodel", fx ? fx : "tests/fixtures");
    const lib_api *l[2] = {&api, &api_b};
    pds_model m[2];
    pds_error e;
    for (int k = 0; k < 2; k++)
        if (l[k]->load(path, NULL, NULL, &m[k], &e)) {
            fprintf(stderr, "trace_cost: %s: %s\n", path, e.message);
            exit(1);
        }
    enum { N = 20000 };
    double *ns[2] = {calloc((size_t)rounds, sizeof(double)), calloc((size_t)rounds, sizeof(double))};
    for (int r = 0; r < rounds; r++)
        for (int j = 0; j < 2; j++) {
            int k = (r + j) % 2;
            size_t n = 0;
            double t0 = now_ns();
            for (int i = 0; i < N; i++)
                l[k]->input_count(m[k], &n, NULL);
            ns[k][r] = (now_ns() - t0) / N;
        }
    printf("{\"mode\":\"ab-calls\",\"a_ns\":%.2f,\"b_ns\":%.2f,\"a_p90_ns\":%.2f,"
           "\"b_p90_ns\":%.2f}\n",
           pct(ns[0], rounds, 0.5), pct(ns[1], rounds, 0.5), pct(ns[0], rounds, 0.9),
           pct(ns[1], rounds, 0.9));
    for (int k = 0; k < 2; k++) {
        l[k]->destroy(m[k], NULL);
        free(ns[k]);
    }
}

int main(int argc, char **argv)
{
    if (argc < 4) {
        fprintf(stderr, "usage: trace_cost LIB calls ROUNDS | LIB runs[-off] ROUNDS RUNS "
                        "FIXTURES NAME...\n");
        return 2;
    }
    if (strcmp(argv[1], "ab-calls") == 0) {
        open_lib(argv[2], &api, 0);
        open_lib(argv[3], &api_b, 1);
        ab_calls(atoi(argv[4]));
        return 0;
    }
    if (strcmp(argv[1], "ab") == 0) {
        if (argc < 8) {
            fprintf(stderr, "usage: trace_cost ab LIB_A LIB_B ROUNDS RUNS FIXTURES NAME...\n");
            return 2;
        }
        open_lib(argv[2], &api, 0);
        open_lib(argv[3], &api_b, 1);
        for (int i = 7; i < argc; i++)
            ab(atoi(argv[4]), atoi(argv[5]), argv[6], argv[i]);
        return 0;
    }
    open_lib(argv[1], &api, 0);
    int rounds = atoi(argv[3]);
    if (strcmp(argv[2], "calls") == 0) {
        calls(rounds);
        return 0;
    }
    int with_on = strcmp(argv[2], "runs") == 0;
    if (argc < 7 || (with_on && !api.trace_start)) {
        fprintf(stderr, "trace_cost: runs needs ROUNDS RUNS FIXTURES NAME... and a library "
                        "with tracing\n");
        return 2;
    }
    for (int i = 6; i < argc; i++)
        runs(rounds, atoi(argv[4]), argv[5], argv[i], with_on);
    return 0;
}
