/*
 * bench.c — `pdsafe bench`: how fast a model runs here, and what it costs.
 *
 * Loads the model (timed), creates one predictor per calling thread, runs the
 * warm-up (the first run, which also plans the input shape, is reported
 * separately as part of "load to first result"), then N runs per caller or
 * runs until a time budget is spent, and reports latency percentiles,
 * throughput, the process's CPU time and context switches per run, peak RSS,
 * the activation arena against the naive sum, and the peak number of OS
 * threads in the process. A progress line is shown when stderr is a terminal.
 * --json writes the same figures for scripts (bench/compare.py); when it
 * writes them to stdout, the human report goes to stderr.
 *
 * Throughput is measured over one window that every caller is in: callers
 * warm up, wait at a start gate until all have, and the clock starts when the
 * gate opens. Timing from thread start instead would count the warm-up runs'
 * time but not the runs, and with many callers and few runs each (64 callers,
 * 2 warm-up + 6 measured runs) that alone reads as a quarter less throughput.
 *
 * Also the setup shared with `pdsafe profile` (perf.h).
 */
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <dirent.h>
#include <errno.h>

#include "cli.h"
#include "perf.h"

/* ---- shared setup -------------------------------------------------------- */

double perf_now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec * 1e-6;
}

long perf_rss_kb(bool peak)
{
    FILE *f = fopen("/proc/self/status", "r");
    if (!f)
        return 0;
    char line[256];
    long kb = 0;
    const char *key = peak ? "VmHWM:" : "VmRSS:";
    while (fgets(line, sizeof line, f))
        if (strncmp(line, key, strlen(key)) == 0) {
            kb = strtol(line + strlen(key), NULL, 10);
            break;
        }
    fclose(f);
    return kb;
}

int perf_thread_count(void)
{
    DIR *d = opendir("/proc/self/task");
    if (!d)
        return 0;
    int n = 0;
    struct dirent *e;
    while ((e = readdir(d)))
        if (e->d_name[0] != '.')
            n++;
    closedir(d);
    return n;
}

/* ---- options (bench and profile) ---------------------------------------- */

static void bench_help(FILE *f);
static void profile_help(FILE *f);

const cli_command perf_bench_cmd = {"bench", "pdsafe bench MODEL [PARAMS] [options]",
                                    bench_help};
const cli_command perf_profile_cmd = {"profile", "pdsafe profile MODEL [PARAMS] [options]",
                                      profile_help};

static void common_help(FILE *f)
{
    fprintf(f,
            "  --input, -i NAME=FILE.npy  an input (NAME: the input's name or index); inputs\n"
            "                          not given are random, shaped by the model or --shape\n"
            "  --shape NAME=DxDxD      shape of a random input (for -1 dims; default batch 1)\n"
            "  --threads N             intra-op threads per predictor (default 1)\n"
            "  --iters N               measured runs per caller (default 50)\n"
            "  --time SECONDS          run for this long instead of --iters\n"
            "  --warmup N              unmeasured runs first (default 5)\n"
            "  --reference             the portable reference kernels (no oneDNN)\n"
            "  --precision fp32|bf16   convolutions and matmuls in float32 (default) or\n"
            "                          bfloat16 (needs a CPU with AVX512_BF16 or AMX)\n"
            "  --no-int8               quantised (QDQ) convolutions as float32 fake\n"
            "                          quantisation instead of int8\n"
            "  --quiet, -q             no progress line\n");
}

static void bench_help(FILE *f)
{
    fprintf(f,
            "usage: %s\n"
            "Measures latency percentiles, throughput, CPU time, peak RSS, load time and\n"
            "threads.\n",
            perf_bench_cmd.synopsis);
    common_help(f);
    fprintf(f,
            "  --callers N             concurrent calling threads, one predictor each\n"
            "  --extra-predictors N    after the timed runs, create N more predictors on\n"
            "                          the same model, run each once, and report the\n"
            "                          memory each one added\n"
            "  --json FILE             also write the results as JSON; with - the JSON\n"
            "                          goes to stdout and the report to stderr\n"
            "  --output-dir, -o DIR    write the last run's outputs as DIR/<index>_<name>.npy\n"
            "                          (<name> with '/' and '\\' as '_'); DIR and its\n"
            "                          missing parents are created\n");
    cli_model_help(f);
}

static void profile_help(FILE *f)
{
    fprintf(f,
            "usage: %s\n"
            "Runs the model with per-step timing and prints the time per operator and per\n"
            "kernel.\n",
            perf_profile_cmd.synopsis);
    common_help(f);
    fprintf(f, "  --trace FILE.json       write a Chrome trace event file (Perfetto); the file\n"
               "                          is created before the model is loaded\n");
    cli_model_help(f);
}

/* Parses the value of a numeric option into *out. */
static bool long_option(const cli_command *c, int argc, char **argv, int *a, long lo, long hi,
                        long *out)
{
    const char *opt = argv[*a], *v = cli_option_value(c, argc, argv, a);
    return v && cli_parse_long(c, opt, v, lo, hi, out);
}

/* The options only one of the two commands has; 1 taken, 0 not this
 * command's, -1 after a usage error. */
static int parse_own_option(const cli_command *c, int argc, char **argv, int *a, perf_opts *o)
{
    const char *s = argv[*a];
    long v;
    bool bench = c == &perf_bench_cmd;
    if (bench && strcmp(s, "--callers") == 0) {
        if (!long_option(c, argc, argv, a, 1, 4096, &v))
            return -1;
        o->callers = (int)v;
    } else if (bench && strcmp(s, "--extra-predictors") == 0) {
        if (!long_option(c, argc, argv, a, 0, 256, &v))
            return -1;
        o->extra = (int)v;
    } else if (bench && strcmp(s, "--json") == 0) {
        if (!(o->json = cli_option_value(c, argc, argv, a)))
            return -1;
    } else if (bench && (strcmp(s, "--output-dir") == 0 || strcmp(s, "-o") == 0)) {
        if (!(o->out_dir = cli_option_value(c, argc, argv, a)))
            return -1;
    } else if (!bench && strcmp(s, "--trace") == 0) {
        if (!(o->trace = cli_option_value(c, argc, argv, a)))
            return -1;
    } else {
        return 0;
    }
    return 1;
}

/* The options both commands have; 1 taken, 0 not one of them, -1 after a
 * usage error. */
static int parse_common_option(const cli_command *c, int argc, char **argv, int *a,
                               perf_opts *o)
{
    const char *s = argv[*a], *v;
    long n;
    if (strcmp(s, "--input") == 0 || strcmp(s, "-i") == 0) {
        if (!(v = cli_option_value(c, argc, argv, a)) ||
            !cli_check_spec(c, s, v, "NAME=FILE.npy"))
            return -1;
        if (o->n_in_spec == PERF_MAX_IO)
            return cli_usage_error(c, "more than %d --input options", PERF_MAX_IO), -1;
        o->in_spec[o->n_in_spec++] = v;
    } else if (strcmp(s, "--shape") == 0) {
        if (!(v = cli_option_value(c, argc, argv, a)) ||
            !cli_check_spec(c, s, v, "NAME=DxDx..."))
            return -1;
        if (o->n_shape_spec == PERF_MAX_IO)
            return cli_usage_error(c, "more than %d --shape options", PERF_MAX_IO), -1;
        o->shape_spec[o->n_shape_spec++] = v;
    } else if (strcmp(s, "--threads") == 0) {
        if (!long_option(c, argc, argv, a, 1, 1024, &n))
            return -1;
        o->threads = (int)n;
    } else if (strcmp(s, "--iters") == 0) {
        if (!long_option(c, argc, argv, a, 1, 100000000, &o->iters))
            return -1;
    } else if (strcmp(s, "--warmup") == 0) {
        if (!long_option(c, argc, argv, a, 0, 1000000, &o->warmup))
            return -1;
    } else if (strcmp(s, "--time") == 0) {
        if (!(v = cli_option_value(c, argc, argv, a)))
            return -1;
        char *end;
        o->time_s = strtod(v, &end);
        if (end == v || *end || !(o->time_s > 0 && o->time_s < 1e6))
            return cli_usage_error(c, "--time %s: expected seconds > 0", v), -1;
        o->iters = 0;
    } else if (strcmp(s, "--reference") == 0) {
        o->reference = true;
    } else if (strcmp(s, "--no-int8") == 0) {
        o->no_int8 = true;
    } else if (strcmp(s, "--precision") == 0) {
        if (!(v = cli_option_value(c, argc, argv, a)) || !cli_parse_precision(c, v, &o->precision))
            return -1;
    } else if (strcmp(s, "--quiet") == 0 || strcmp(s, "-q") == 0) {
        o->quiet = true;
    } else {
        return 0;
    }
    return 1;
}

int perf_parse(const cli_command *c, int argc, char **argv, perf_opts *o)
{
    memset(o, 0, sizeof *o);
    o->threads = 1;
    o->callers = 1;
    o->iters = 50;
    o->warmup = 5;
    for (int a = 0; a < argc; a++) {
        if (cli_is_help(argv[a]))
            return cli_help(c);
        int took = parse_common_option(c, argc, argv, &a, o);
        if (took == 0)
            took = parse_own_option(c, argc, argv, &a, o);
        if (took < 0)
            return CLI_USAGE;
        if (took)
            continue;
        if (cli_is_option(argv[a]))
            return cli_usage_error(c, "unknown option %s", argv[a]);
        if (!cli_positional(c, argv[a], &o->model, &o->params))
            return CLI_USAGE;
    }
    if (!o->model)
        return cli_usage_error(c, "missing MODEL");
    return -1; /* go on */
}

/* Reads "DxDx..." (or "D,D,...") into a->dims and a->rank. */
static int parse_shape(const cli_command *c, const char *spec, npy_array *a)
{
    int r = 0;
    const char *p = strchr(spec, '=') + 1;
    while (*p) {
        char *end;
        long v = strtol(p, &end, 10);
        if (end == p || v < 1 || r == PDS_MAX_RANK || (*end && *end != 'x' && *end != ','))
            return cli_usage_error(c, "--shape %s: expected NAME=DxDx... (each D at least 1, "
                                      "at most %d dims)",
                                   spec, PDS_MAX_RANK);
        a->dims[r++] = v;
        p = *end ? end + 1 : end;
    }
    a->rank = r;
    return CLI_OK;
}

/* Fills input i with random values in [0, 1) (integers: 0), shaped by the
 * model or by its --shape. */
static int random_input(const cli_command *c, const perf_opts *o, perf_ctx *ctx, size_t i,
                        uint32_t *seed)
{
    pds_tensor_info ti;
    pds_model_input_info(ctx->model, i, &ti, NULL);
    npy_array *a = &ctx->arrays[i];
    a->dtype = ti.dtype;
    a->rank = ti.rank;
    for (int d = 0; d < ti.rank; d++)
        a->dims[d] = ti.dims[d] >= 0 ? ti.dims[d] : (d == 0 ? 1 : -1);
    for (int s = 0; s < o->n_shape_spec; s++) {
        const char *eq = strchr(o->shape_spec[s], '=');
        char name[PDS_NAME_SIZE];
        snprintf(name, sizeof name, "%.*s", (int)(eq - o->shape_spec[s]), o->shape_spec[s]);
        int rc;
        if (cli_find_input(ctx->model, ctx->n_in, name) == i &&
            (rc = parse_shape(c, o->shape_spec[s], a)))
            return rc;
    }
    int64_t n = 1;
    for (int d = 0; d < a->rank; d++) {
        if (a->dims[d] < 0)
            return cli_usage_error(c, "input %zu ('%s') has a dynamic dim %d: give --shape "
                                      "%s=... or --input",
                                   i, ti.name, d, ti.name);
        n *= a->dims[d];
    }
    size_t es = pds_dtype_size(a->dtype);
    a->byte_length = (size_t)n * es;
    a->data = calloc(n ? (size_t)n : 1, es ? es : 1);
    if (!a->data) {
        fprintf(stderr, "pdsafe %s: out of memory for input %zu\n", c->name, i);
        return CLI_FAIL;
    }
    if (a->dtype == PDS_FLOAT32)
        for (int64_t k = 0; k < n; k++) {
            *seed = *seed * 1664525u + 1013904223u;
            ((float *)a->data)[k] = (float)(*seed >> 8) / 16777216.0f;
        }
    return CLI_OK;
}

int perf_load(const cli_command *cmd, const perf_opts *o, perf_ctx *c)
{
    memset(c, 0, sizeof *c);
    const char *pp = o->params; /* NULL: the library finds the parameters */
    pds_model_options mo;
    pds_model_options_init(&mo);
    if (o->reference)
        mo.flags |= PDS_MODEL_REFERENCE_KERNELS;
    if (o->no_int8)
        mo.flags |= PDS_MODEL_NO_INT8;
    mo.precision = o->precision;
    pds_error err;
    c->rss_before_kb = perf_rss_kb(false);
    double t0 = perf_now_ms();
    pds_status st = pds_model_load_files(o->model, pp, &mo, &c->model, &err);
    if (st) {
        fprintf(stderr, "pdsafe %s: could not load model %s: %s\n", cmd->name, o->model,
                err.message);
        return CLI_FAIL;
    }
    c->load_ms = perf_now_ms() - t0;
    if (pds_model_input_count(c->model, &c->n_in, &err) ||
        pds_model_output_count(c->model, &c->n_out, &err)) {
        fprintf(stderr, "pdsafe %s: %s\n", cmd->name, err.message);
        return CLI_FAIL;
    }
    if (c->n_in > PERF_MAX_IO || c->n_out > PERF_MAX_IO) {
        fprintf(stderr, "pdsafe %s: the model has more than %d inputs or outputs\n", cmd->name,
                PERF_MAX_IO);
        return CLI_FAIL;
    }
    for (size_t i = 0; i < c->n_out; i++)
        pds_model_output_info(c->model, i, &c->out_info[i], NULL);
    int rc = cli_read_inputs(cmd, c->model, c->n_in, o->in_spec, o->n_in_spec, c->arrays);
    uint32_t seed = 42;
    for (size_t i = 0; i < c->n_in && !rc; i++)
        if (!c->arrays[i].data)
            rc = random_input(cmd, o, c, i, &seed);
    for (size_t i = 0; i < c->n_in; i++)
        c->inputs[i] = cli_tensor_of(&c->arrays[i]);
    return rc;
}

void perf_free(perf_ctx *c)
{
    for (int i = 0; i < PERF_MAX_IO; i++)
        npy_free(&c->arrays[i]);
    pds_model_destroy(c->model, NULL);
    c->model = 0;
}

/* ---- bench --------------------------------------------------------------------- */

typedef struct worker {
    perf_ctx *c;
    const perf_opts *o;
    pds_predictor p;
    pds_tensor *out;
    double *lat;       /* ms per measured run */
    long n_lat, cap_lat;
    double first_ms;
    double end_ms; /* when its last measured run ended */
    int status;
    pds_error err;
} worker;

static atomic_long runs_done;
static atomic_int stop_flag;
static atomic_int peak_threads;

/* The start gate: callers that have warmed up wait here until all have. */
static struct {
    pthread_mutex_t mu;
    pthread_cond_t cv;
    int arrived;
    bool open;
    bool abort; /* a caller could not start: nobody measures */
    double t_start;
} gate = {.mu = PTHREAD_MUTEX_INITIALIZER, .cv = PTHREAD_COND_INITIALIZER};

/* Returns the window's start time, or a negative value if it was aborted. */
static double gate_pass(void)
{
    pthread_mutex_lock(&gate.mu);
    gate.arrived++;
    pthread_cond_broadcast(&gate.cv);
    while (!gate.open)
        pthread_cond_wait(&gate.cv, &gate.mu);
    double t = gate.abort ? -1 : gate.t_start;
    pthread_mutex_unlock(&gate.mu);
    return t;
}

static void gate_open(bool abort)
{
    pthread_mutex_lock(&gate.mu);
    gate.t_start = perf_now_ms();
    gate.abort = abort;
    gate.open = true;
    pthread_cond_broadcast(&gate.cv);
    pthread_mutex_unlock(&gate.mu);
}

static void note_threads(void)
{
    int n = perf_thread_count();
    int old = atomic_load(&peak_threads);
    while (n > old && !atomic_compare_exchange_weak(&peak_threads, &old, n))
        ;
}

/* Samples every 10 ms: the library's threads start with the first runs and
 * stay, so the peak is there long before the window ends. Sampling every
 * millisecond cost a few per cent of a CPU with 64 callers (listing
 * /proc/self/task is linear in the threads) and preempted the compute
 * threads 1000 times a second. */
static void *monitor_main(void *arg)
{
    (void)arg;
    while (!atomic_load(&stop_flag)) {
        note_threads();
        struct timespec ts = {0, 10000000};
        nanosleep(&ts, NULL);
    }
    return NULL;
}

static void *worker_main(void *arg)
{
    worker *w = arg;
    const perf_opts *o = w->o;
    for (long i = 0; i < o->warmup && !w->status; i++)
        if (pds_predictor_run(w->p, w->c->inputs, w->c->n_in, w->out, w->c->n_out, &w->err))
            w->status = 1;
    /* Even a failed caller passes the gate, or the others would wait forever. */
    double t_start = gate_pass();
    if (w->status || t_start < 0)
        return NULL;
    double deadline = t_start + o->time_s * 1e3;
    for (long i = 0; o->iters ? i < o->iters : perf_now_ms() < deadline; i++) {
        double t0 = perf_now_ms();
        if (pds_predictor_run(w->p, w->c->inputs, w->c->n_in, w->out, w->c->n_out, &w->err)) {
            w->status = 1;
            return NULL;
        }
        double dt = perf_now_ms() - t0;
        if (w->n_lat == w->cap_lat) {
            long cap = w->cap_lat ? w->cap_lat * 2 : 1024;
            double *l = realloc(w->lat, sizeof *l * (size_t)cap);
            if (!l) {
                w->status = 1;
                return NULL;
            }
            w->lat = l;
            w->cap_lat = cap;
        }
        w->lat[w->n_lat++] = dt;
        atomic_fetch_add(&runs_done, 1);
    }
    w->end_ms = perf_now_ms();
    return NULL;
}

static double cpu_ms(const struct rusage *r)
{
    return (double)(r->ru_utime.tv_sec + r->ru_stime.tv_sec) * 1e3 +
           (double)(r->ru_utime.tv_usec + r->ru_stime.tv_usec) * 1e-3;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static double pct(const double *v, long n, double q)
{
    if (n == 0)
        return 0;
    double pos = q * (double)(n - 1);
    long i = (long)pos;
    double f = pos - (double)i;
    return i + 1 < n ? v[i] * (1 - f) + v[i + 1] * f : v[i];
}

/* RSS added per predictor by n more predictors on c's model, each run once
 * (its plan, arena and oneDNN primitives made); they are destroyed after. */
static int extra_predictors(perf_ctx *c, const pds_predictor_options *po, int n, double *kb)
{
    pds_predictor *p = calloc((size_t)n, sizeof *p);
    if (!p)
        return 1;
    int rc = 0;
    long before = perf_rss_kb(false);
    for (int i = 0; i < n && !rc; i++) {
        pds_error err;
        if (pds_predictor_create(c->model, po, &p[i], &err)) {
            fprintf(stderr, "pdsafe bench: could not create extra predictor %d: %s\n", i + 1,
                    err.message);
            rc = 1;
            break;
        }
        pds_tensor *out = cli_outputs(&perf_bench_cmd, p[i], c->inputs, c->n_in, c->n_out);
        if (!out)
            rc = 1;
        cli_outputs_free(out, c->n_out);
    }
    if (!rc)
        *kb = (double)(perf_rss_kb(false) - before) / n;
    for (int i = 0; i < n; i++)
        pds_predictor_destroy(p[i], NULL);
    free(p);
    return rc;
}

/* ---- the bench ------------------------------------------------------------ */

typedef struct bench {
    perf_opts o;
    perf_ctx c;
    pds_predictor_options po;
    worker *w;
    pthread_t *th;
    FILE *json;   /* --json's stream (stdout for "-"), opened before loading */
    FILE *human;  /* the report: stdout, or stderr when the JSON goes there */
    int base_threads;
    long rss_load_kb;
    double wall_ms;
    struct rusage ru0, ru1; /* around the measured window */
} bench;

/* Every figure the report shows. */
typedef struct bench_stats {
    const char *model;
    uint32_t precision;     /* PDS_PRECISION_* the model was loaded with */
    pds_predictor_stats ps; /* of the first caller's predictor */
    int callers, extra, peak_threads, base_threads;
    long runs, warmup;
    double load_ms, first_ms, wall_ms;
    double p50, p90, p99, mean, min, max;
    double throughput, cpu_per_run, switches_per_run;
    long peak_rss_kb, rss_load_kb, rss_before_kb;
    double extra_kb; /* RSS per extra predictor; -1 without --extra-predictors */
} bench_stats;

/* The output directory and the JSON file are made before the model loads, so
 * that a bad path fails at once. */
static int bench_open_outputs(bench *b)
{
    b->human = stdout;
    if (b->o.out_dir && cli_make_output_dir(&perf_bench_cmd, b->o.out_dir))
        return CLI_FAIL;
    if (!b->o.json)
        return CLI_OK;
    if (strcmp(b->o.json, "-") == 0) {
        b->json = stdout;
        b->human = stderr;
        return CLI_OK;
    }
    b->json = fopen(b->o.json, "w");
    if (!b->json) {
        fprintf(stderr, "pdsafe bench: could not create the JSON file %s: %s\n", b->o.json,
                strerror(errno));
        return CLI_FAIL;
    }
    return CLI_OK;
}

/* One predictor per caller, each run once (planning included: the first run
 * the report shows), so every caller has its output buffers. */
static int bench_start(bench *b)
{
    b->w = calloc((size_t)b->o.callers, sizeof *b->w);
    b->th = calloc((size_t)b->o.callers, sizeof *b->th);
    if (!b->w || !b->th) {
        fprintf(stderr, "pdsafe bench: out of memory for %d callers\n", b->o.callers);
        return CLI_FAIL;
    }
    pds_predictor_options_init(&b->po);
    b->po.num_threads = b->o.threads;
    for (int i = 0; i < b->o.callers; i++) {
        worker *w = &b->w[i];
        w->c = &b->c;
        w->o = &b->o;
        if (pds_predictor_create(b->c.model, &b->po, &w->p, &w->err)) {
            fprintf(stderr, "pdsafe bench: could not create a predictor: %s\n", w->err.message);
            return CLI_FAIL;
        }
        double t0 = perf_now_ms();
        w->out = cli_outputs(&perf_bench_cmd, w->p, b->c.inputs, b->c.n_in, b->c.n_out);
        w->first_ms = perf_now_ms() - t0;
        if (!w->out)
            return CLI_FAIL;
    }
    return CLI_OK;
}

/* The progress line, until the callers are done (they finish on their own)
 * or one has failed. */
static void show_progress(const bench *b, double t_start)
{
    long total_target = b->o.iters ? b->o.iters * b->o.callers : 0;
    for (;;) {
        long n = atomic_load(&runs_done);
        double el = (perf_now_ms() - t_start) / 1e3;
        if (total_target)
            fprintf(stderr, "\r  %ld / %ld runs, %.1f s", n, total_target, el);
        else
            fprintf(stderr, "\r  %ld runs, %.1f / %.1f s", n, el, b->o.time_s);
        if ((total_target && n >= total_target) || (!total_target && el >= b->o.time_s + 0.05))
            break;
        struct timespec ts = {0, 100000000};
        nanosleep(&ts, NULL);
        bool any_failed = false;
        for (int i = 0; i < b->o.callers; i++)
            any_failed |= b->w[i].status != 0;
        if (any_failed)
            break;
    }
    fprintf(stderr, "\r\033[K");
}

/* Starts the callers, opens the gate once all have warmed up, and waits for
 * them; the window runs from the gate's opening to the last caller's end. */
static int bench_measure(bench *b)
{
    int started = 0, callers = b->o.callers;
    pthread_t mon;
    atomic_store(&runs_done, 0);
    atomic_store(&stop_flag, 0);
    atomic_store(&peak_threads, perf_thread_count());
    bool mon_started = pthread_create(&mon, NULL, monitor_main, NULL) == 0;
    while (started < callers && pthread_create(&b->th[started], NULL, worker_main,
                                               &b->w[started]) == 0)
        started++;
    if (started < callers) {
        fprintf(stderr, "pdsafe bench: could not start caller thread %d\n", started);
        gate_open(true);
    } else {
        pthread_mutex_lock(&gate.mu);
        while (gate.arrived < callers)
            pthread_cond_wait(&gate.cv, &gate.mu);
        pthread_mutex_unlock(&gate.mu);
        /* Every library thread has started by now (the warm-up ran on them). */
        note_threads();
        getrusage(RUSAGE_SELF, &b->ru0);
        gate_open(false);
        if (isatty(2) && !b->o.quiet)
            show_progress(b, gate.t_start);
    }
    double t_end = gate.t_start;
    for (int i = 0; i < started; i++) {
        pthread_join(b->th[i], NULL);
        if (b->w[i].end_ms > t_end)
            t_end = b->w[i].end_ms;
    }
    getrusage(RUSAGE_SELF, &b->ru1);
    b->wall_ms = t_end - gate.t_start;
    atomic_store(&stop_flag, 1);
    if (mon_started)
        pthread_join(mon, NULL);
    if (started < callers)
        return CLI_FAIL;
    for (int i = 0; i < callers; i++)
        if (b->w[i].status) {
            fprintf(stderr, "pdsafe bench: run failed: %s\n", b->w[i].err.message);
            return CLI_FAIL;
        }
    return CLI_OK;
}

/* Turns the callers' latencies and the window into the report's figures, and
 * measures the extra predictors when asked. */
static int bench_summarize(bench *b, bench_stats *s)
{
    const perf_opts *o = &b->o;
    long n = 0;
    for (int i = 0; i < o->callers; i++)
        n += b->w[i].n_lat;
    double *all = malloc(sizeof *all * (size_t)(n ? n : 1)), sum = 0;
    if (!all) {
        fprintf(stderr, "pdsafe bench: out of memory for %ld latencies\n", n);
        return CLI_FAIL;
    }
    long k = 0;
    for (int i = 0; i < o->callers; i++)
        for (long j = 0; j < b->w[i].n_lat; j++) {
            all[k++] = b->w[i].lat[j];
            sum += b->w[i].lat[j];
        }
    qsort(all, (size_t)n, sizeof *all, cmp_double);
    *s = (bench_stats){
        .model = o->model, .precision = o->precision, .callers = o->callers, .extra = o->extra, .runs = n,
        .warmup = o->warmup, .load_ms = b->c.load_ms, .first_ms = b->w[0].first_ms,
        .wall_ms = b->wall_ms, .p50 = pct(all, n, 0.5), .p90 = pct(all, n, 0.9),
        .p99 = pct(all, n, 0.99), .mean = n ? sum / (double)n : 0, .min = n ? all[0] : 0,
        .max = n ? all[n - 1] : 0, .rss_load_kb = b->rss_load_kb,
        .rss_before_kb = b->c.rss_before_kb, .base_threads = b->base_threads, .extra_kb = -1};
    free(all);
    s->ps.struct_size = sizeof s->ps;
    pds_predictor_get_stats(b->w[0].p, &s->ps, NULL);
    /* Runs with one thread (the adaptive policy), over every caller. */
    for (int i = 1; i < o->callers; i++) {
        pds_predictor_stats other = {.struct_size = sizeof other};
        if (pds_predictor_get_stats(b->w[i].p, &other, NULL) == PDS_OK)
            s->ps.runs_one_thread += other.runs_one_thread;
    }
    s->throughput = b->wall_ms > 0 ? (double)n / (b->wall_ms / 1e3) : 0;
    /* Process-wide (callers, library threads, the sampler), over the window. */
    const struct rusage *r0 = &b->ru0, *r1 = &b->ru1;
    s->cpu_per_run = n ? (cpu_ms(r1) - cpu_ms(r0)) / (double)n : 0;
    s->switches_per_run =
        n ? (double)(r1->ru_nvcsw - r0->ru_nvcsw + r1->ru_nivcsw - r0->ru_nivcsw) / (double)n
          : 0;
    s->peak_rss_kb = perf_rss_kb(true);
    s->peak_threads = atomic_load(&peak_threads);
    if (o->extra > 0 && extra_predictors(&b->c, &b->po, o->extra, &s->extra_kb))
        return CLI_FAIL;
    return CLI_OK;
}

/* ---- the report: every figure, for people (human) and scripts (json) ----- */

static void bench_report(const bench_stats *s, FILE *human, FILE *json)
{
    const pds_predictor_stats *ps = &s->ps;
    fprintf(human, "model:        %s\n", s->model);
    bool ref_only = strcmp(ps->backend, "ref") == 0;
    fprintf(human, "kernels:      %s backend%s, %d intra-op thread%s per run, %d caller%s%s\n",
            ps->backend, ref_only ? " (reference kernels)" : ", ref for the rest",
            ps->num_threads, ps->num_threads == 1 ? "" : "s", s->callers,
            s->callers == 1 ? "" : "s",
            s->precision == PDS_PRECISION_BF16 ? ", bf16 convolutions and matmuls" : "");
    if (ps->num_threads > 1)
        fprintf(human, "              %llu runs with 1 thread (the adaptive thread policy: "
                       "probes, and runs while 1 thread was faster)\n",
                (unsigned long long)ps->runs_one_thread);
    fprintf(human, "load:         %.1f ms; first run %.1f ms (load to first result %.1f ms)\n",
            s->load_ms, s->first_ms, s->load_ms + s->first_ms);
    fprintf(human, "runs:         %ld measured (%ld warm-up per caller) in %.2f s\n", s->runs,
            s->warmup, s->wall_ms / 1e3);
    fprintf(human,
            "latency ms:   p50 %.3f  p90 %.3f  p99 %.3f  mean %.3f  min %.3f  max %.3f\n",
            s->p50, s->p90, s->p99, s->mean, s->min, s->max);
    fprintf(human, "throughput:   %.1f runs/s\n", s->throughput);
    fprintf(human, "cpu:          %.3f ms per run, %.2f context switches per run (whole "
                   "process)\n",
            s->cpu_per_run, s->switches_per_run);
    fprintf(human, "memory:       peak RSS %.1f MiB (after load %.1f MiB, before %.1f MiB)\n",
            s->peak_rss_kb / 1024.0, s->rss_load_kb / 1024.0, s->rss_before_kb / 1024.0);
    fprintf(human,
            "              weights %.1f MiB; arena %.2f MiB per predictor (naive %.2f MiB, "
            "%.0f%% saved); scratch %.2f MiB\n",
            ps->weights_bytes / 1048576.0, ps->arena_bytes / 1048576.0,
            ps->naive_bytes / 1048576.0,
            ps->naive_bytes ? 100.0 * (1.0 - (double)ps->arena_bytes / (double)ps->naive_bytes)
                            : 0.0,
            ps->scratch_bytes / 1048576.0);
    if (s->extra_kb >= 0)
        fprintf(human,
                "              each extra predictor on the model: +%.2f MiB RSS (mean of %d; "
                "its arena %.2f MiB)\n",
                s->extra_kb / 1024.0, s->extra, ps->arena_bytes / 1048576.0);
    if (ref_only)
        fprintf(human, "plan:         %u steps, all on ref\n", ps->steps);
    else
        fprintf(human, "plan:         %u steps, %u on %s (%u int8), %u layout conversions\n",
                ps->steps, ps->fast_steps, ps->backend, ps->int8_steps, ps->conversions);
    fprintf(human, "threads:      %d in the process at peak (%d before loading, %d callers)\n",
            s->peak_threads, s->base_threads, s->callers);
    if (!json)
        return;
    fprintf(json, "{\"model\": \"");
    cli_json_str(json, s->model);
    fprintf(json, "\", \"backend\": \"");
    cli_json_str(json, ps->backend);
    fprintf(json, "\", \"precision\": \"%s", s->precision == PDS_PRECISION_BF16 ? "bf16" : "fp32");
    fprintf(json,
            "\", \"fast\": %u, \"threads\": %d, \"callers\": %d, "
            "\"runs\": %ld, \"load_ms\": %.3f, \"first_run_ms\": %.3f, \"p50_ms\": %.4f, "
            "\"p90_ms\": %.4f, \"p99_ms\": %.4f, \"mean_ms\": %.4f, \"min_ms\": %.4f, "
            "\"throughput\": %.3f, \"cpu_ms_per_run\": %.4f, "
            "\"switches_per_run\": %.3f, \"peak_rss_kb\": %ld, \"rss_after_load_kb\": %ld, "
            "\"rss_before_load_kb\": %ld, \"weights_bytes\": %llu, \"arena_bytes\": %llu, "
            "\"naive_bytes\": %llu, \"scratch_bytes\": %llu, \"steps\": %u, "
            "\"fast_steps\": %u, \"conversions\": %u, \"peak_threads\": %d, "
            "\"base_threads\": %d, \"extra_predictor_kb\": %.1f, \"runs_one_thread\": %llu, "
            "\"int8_steps\": %u}\n",
            ps->fast, ps->num_threads, s->callers, s->runs, s->load_ms, s->first_ms, s->p50,
            s->p90, s->p99, s->mean, s->min, s->throughput, s->cpu_per_run,
            s->switches_per_run, s->peak_rss_kb, s->rss_load_kb, s->rss_before_kb,
            (unsigned long long)ps->weights_bytes, (unsigned long long)ps->arena_bytes,
            (unsigned long long)ps->naive_bytes, (unsigned long long)ps->scratch_bytes,
            ps->steps, ps->fast_steps, ps->conversions, s->peak_threads, s->base_threads,
            s->extra_kb, (unsigned long long)ps->runs_one_thread, ps->int8_steps);
}

static int bench_close_json(bench *b)
{
    FILE *f = b->json;
    b->json = NULL;
    if (!f || f == stdout)
        return CLI_OK;
    if (fclose(f) != 0) {
        fprintf(stderr, "pdsafe bench: could not write the JSON file %s: %s\n", b->o.json,
                strerror(errno));
        return CLI_FAIL;
    }
    return CLI_OK;
}

static void bench_free(bench *b)
{
    bench_close_json(b);
    for (int i = 0; b->w && i < b->o.callers; i++) {
        pds_predictor_destroy(b->w[i].p, NULL);
        cli_outputs_free(b->w[i].out, b->c.n_out);
        free(b->w[i].lat);
    }
    free(b->w);
    free(b->th);
    perf_free(&b->c);
}

int pdsafe_bench_main(int argc, char **argv)
{
    bench *b = calloc(1, sizeof *b);
    if (!b) {
        fprintf(stderr, "pdsafe bench: out of memory\n");
        return CLI_FAIL;
    }
    bench_stats s = {0};
    int rc = perf_parse(&perf_bench_cmd, argc, argv, &b->o);
    if (rc < 0) {
        b->base_threads = perf_thread_count();
        rc = bench_open_outputs(b);
        if (!rc)
            rc = perf_load(&perf_bench_cmd, &b->o, &b->c);
        b->rss_load_kb = perf_rss_kb(false);
        if (!rc)
            rc = bench_start(b);
        if (!rc)
            rc = bench_measure(b);
        if (!rc)
            rc = bench_summarize(b, &s);
        if (!rc) {
            bench_report(&s, b->human, b->json);
            rc = bench_close_json(b);
        }
        if (!rc && b->o.out_dir)
            rc = cli_write_outputs(&perf_bench_cmd, b->o.out_dir, b->w[0].out, b->c.out_info,
                                   b->c.n_out, b->human);
    }
    bench_free(b);
    free(b);
    return rc;
}
