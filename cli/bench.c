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
 * --json writes the same figures for scripts (bench/compare.py).
 *
 * Throughput is measured over one window that every caller is in: callers
 * warm up, wait at a start gate until all have, and the clock starts when the
 * gate opens. Timing from thread start instead would count the warm-up runs'
 * time but not the runs, and with many callers and few runs each (64 callers,
 * 2 warm-up + 6 measured runs) that alone reads as a quarter less throughput.
 *
 * Also the setup shared with `pdsafe profile` (perf.h).
 */
#include <errno.h>
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

void perf_json_str(FILE *f, const char *s)
{
    for (; *s; s++) {
        unsigned char ch = (unsigned char)*s;
        if (ch == '"' || ch == '\\')
            fprintf(f, "\\%c", ch);
        else if (ch < 0x20)
            fprintf(f, "\\u%04x", ch);
        else
            fputc(ch, f);
    }
}

static void usage(const char *cmd, FILE *f)
{
    fprintf(f,
            "usage: pdsafe %s MODEL [PARAMS] [options]\n"
            "  --input NAME=FILE.npy   an input (NAME: the input's name or index); inputs not\n"
            "                          given are random, shaped by the model or by --shape\n"
            "  --shape NAME=DxDxD      shape of a random input (for -1 dims; default batch 1)\n"
            "  --threads N             intra-op threads per predictor (default 1)\n"
            "  --iters N               measured runs per caller (default 50)\n"
            "  --time SECONDS          run for this long instead of --iters\n"
            "  --warmup N              unmeasured runs first (default 5)\n"
            "  --reference             the portable reference kernels (no oneDNN)\n"
            "  --quiet                 no progress line\n",
            cmd);
    if (strcmp(cmd, "bench") == 0)
        fprintf(f,
                "  --callers N             concurrent calling threads, one predictor each\n"
                "  --extra-predictors N    after the timed runs, create N more predictors on\n"
                "                          the same model, run each once, and report the\n"
                "                          memory each one added\n"
                "  --json FILE             also write the results as JSON (- for stdout)\n"
                "  --output-dir DIR        write the last run's outputs as DIR/<i>.npy\n");
    else
        fprintf(f, "  --trace FILE.json       write a Chrome trace event file (Perfetto)\n");
}

static int need_arg(const char *cmd, int a, int argc, const char *opt)
{
    if (a + 1 >= argc) {
        fprintf(stderr, "pdsafe %s: %s needs a value\n", cmd, opt);
        return 0;
    }
    return 1;
}

static int parse_long(const char *cmd, const char *opt, const char *s, long lo, long hi,
                      long *out)
{
    char *end;
    errno = 0;
    long v = strtol(s, &end, 10);
    if (errno || *end || v < lo || v > hi) {
        fprintf(stderr, "pdsafe %s: %s %s: expected an integer from %ld to %ld\n", cmd, opt, s,
                lo, hi);
        return 0;
    }
    *out = v;
    return 1;
}

int perf_parse(const char *cmd, int argc, char **argv, perf_opts *o)
{
    memset(o, 0, sizeof *o);
    o->threads = 1;
    o->callers = 1;
    o->iters = 50;
    o->warmup = 5;
    bool is_bench = strcmp(cmd, "bench") == 0;
    for (int a = 0; a < argc; a++) {
        const char *s = argv[a];
        long v;
        if (strcmp(s, "--help") == 0 || strcmp(s, "-h") == 0) {
            usage(cmd, stdout);
            return 0;
        } else if (strcmp(s, "--input") == 0 || strcmp(s, "-i") == 0) {
            if (!need_arg(cmd, a, argc, s) || o->n_in_spec == PERF_MAX_IO)
                return 2;
            o->in_spec[o->n_in_spec++] = argv[++a];
        } else if (strcmp(s, "--shape") == 0) {
            if (!need_arg(cmd, a, argc, s) || o->n_shape_spec == PERF_MAX_IO)
                return 2;
            o->shape_spec[o->n_shape_spec++] = argv[++a];
        } else if (strcmp(s, "--threads") == 0) {
            if (!need_arg(cmd, a, argc, s) || !parse_long(cmd, s, argv[++a], 1, 1024, &v))
                return 2;
            o->threads = (int)v;
        } else if (strcmp(s, "--iters") == 0) {
            if (!need_arg(cmd, a, argc, s) || !parse_long(cmd, s, argv[++a], 1, 100000000, &v))
                return 2;
            o->iters = v;
        } else if (strcmp(s, "--warmup") == 0) {
            if (!need_arg(cmd, a, argc, s) || !parse_long(cmd, s, argv[++a], 0, 1000000, &v))
                return 2;
            o->warmup = v;
        } else if (strcmp(s, "--time") == 0) {
            if (!need_arg(cmd, a, argc, s))
                return 2;
            char *end;
            o->time_s = strtod(argv[++a], &end);
            if (*end || !(o->time_s > 0 && o->time_s < 1e6)) {
                fprintf(stderr, "pdsafe %s: --time %s: expected seconds > 0\n", cmd, argv[a]);
                return 2;
            }
            o->iters = 0;
        } else if (strcmp(s, "--reference") == 0) {
            o->reference = true;
        } else if (strcmp(s, "--quiet") == 0 || strcmp(s, "-q") == 0) {
            o->quiet = true;
        } else if (is_bench && strcmp(s, "--callers") == 0) {
            if (!need_arg(cmd, a, argc, s) || !parse_long(cmd, s, argv[++a], 1, 4096, &v))
                return 2;
            o->callers = (int)v;
        } else if (is_bench && strcmp(s, "--extra-predictors") == 0) {
            if (!need_arg(cmd, a, argc, s) || !parse_long(cmd, s, argv[++a], 0, 256, &v))
                return 2;
            o->extra = (int)v;
        } else if (is_bench && strcmp(s, "--json") == 0) {
            if (!need_arg(cmd, a, argc, s))
                return 2;
            o->json = argv[++a];
        } else if (is_bench && (strcmp(s, "--output-dir") == 0 || strcmp(s, "-o") == 0)) {
            if (!need_arg(cmd, a, argc, s))
                return 2;
            o->out_dir = argv[++a];
        } else if (!is_bench && strcmp(s, "--trace") == 0) {
            if (!need_arg(cmd, a, argc, s))
                return 2;
            o->trace = argv[++a];
        } else if (s[0] == '-') {
            fprintf(stderr, "pdsafe %s: unknown option %s\n", cmd, s);
            usage(cmd, stderr);
            return 2;
        } else if (!o->model) {
            o->model = s;
        } else if (!o->params) {
            o->params = s;
        } else {
            fprintf(stderr, "pdsafe %s: unexpected argument %s\n", cmd, s);
            return 2;
        }
    }
    if (!o->model) {
        fprintf(stderr, "pdsafe %s: missing MODEL\n", cmd);
        usage(cmd, stderr);
        return 2;
    }
    return -1; /* go on */
}

bool cli_is_dir(const char *p)
{
    struct stat st;
    return stat(p, &st) == 0 && S_ISDIR(st.st_mode);
}

static size_t find_input(perf_ctx *c, const char *name)
{
    for (size_t i = 0; i < c->n_in; i++) {
        pds_tensor_info ti;
        if (pds_model_input_info(c->model, i, &ti, NULL) == PDS_OK && strcmp(ti.name, name) == 0)
            return i;
    }
    char *end;
    unsigned long v = strtoul(name, &end, 10);
    return (*end == '\0' && v < c->n_in) ? v : c->n_in;
}

int perf_load(const char *cmd, const perf_opts *o, perf_ctx *c)
{
    memset(c, 0, sizeof *c);
    const char *pp = o->params; /* NULL: the library finds the parameters */
    pds_model_options mo;
    pds_model_options_init(&mo);
    if (o->reference)
        mo.flags |= PDS_MODEL_REFERENCE_KERNELS;
    pds_error err;
    c->rss_before_kb = perf_rss_kb(false);
    double t0 = perf_now_ms();
    pds_status st = pds_model_load_files(o->model, pp, &mo, &c->model, &err);
    if (st) {
        fprintf(stderr, "pdsafe %s: could not load model %s: %s\n", cmd, o->model, err.message);
        return 1;
    }
    c->load_ms = perf_now_ms() - t0;
    if (pds_model_input_count(c->model, &c->n_in, &err) ||
        pds_model_output_count(c->model, &c->n_out, &err)) {
        fprintf(stderr, "pdsafe %s: %s\n", cmd, err.message);
        return 1;
    }
    if (c->n_in > PERF_MAX_IO || c->n_out > PERF_MAX_IO) {
        fprintf(stderr, "pdsafe %s: the model has more than %d inputs or outputs\n", cmd,
                PERF_MAX_IO);
        return 1;
    }
    for (size_t i = 0; i < c->n_out; i++)
        pds_model_output_info(c->model, i, &c->out_info[i], NULL);
    char msg[512];
    for (int s = 0; s < o->n_in_spec; s++) {
        const char *eq = strchr(o->in_spec[s], '=');
        if (!eq || eq == o->in_spec[s]) {
            fprintf(stderr, "pdsafe %s: --input %s: expected NAME=FILE.npy\n", cmd, o->in_spec[s]);
            return 2;
        }
        char name[PDS_NAME_SIZE];
        snprintf(name, sizeof name, "%.*s", (int)(eq - o->in_spec[s]), o->in_spec[s]);
        size_t idx = find_input(c, name);
        if (idx == c->n_in) {
            fprintf(stderr, "pdsafe %s: the model has no input named '%s'\n", cmd, name);
            return 2;
        }
        npy_free(&c->arrays[idx]);
        if (npy_read(eq + 1, &c->arrays[idx], msg, sizeof msg)) {
            fprintf(stderr, "pdsafe %s: %s\n", cmd, msg);
            return 1;
        }
    }
    /* Random inputs for the rest, in [0, 1) (integers: 0). */
    uint32_t seed = 42;
    for (size_t i = 0; i < c->n_in; i++) {
        if (c->arrays[i].data)
            continue;
        pds_tensor_info ti;
        pds_model_input_info(c->model, i, &ti, NULL);
        npy_array *a = &c->arrays[i];
        a->dtype = ti.dtype;
        a->rank = ti.rank;
        for (int d = 0; d < ti.rank; d++)
            a->dims[d] = ti.dims[d] >= 0 ? ti.dims[d] : (d == 0 ? 1 : -1);
        for (int s = 0; s < o->n_shape_spec; s++) {
            const char *eq = strchr(o->shape_spec[s], '=');
            if (!eq)
                continue;
            char name[PDS_NAME_SIZE];
            snprintf(name, sizeof name, "%.*s", (int)(eq - o->shape_spec[s]), o->shape_spec[s]);
            if (find_input(c, name) != i)
                continue;
            int r = 0;
            const char *p = eq + 1;
            while (*p) {
                char *end;
                long v = strtol(p, &end, 10);
                if (end == p || v < 1 || r == PDS_MAX_RANK ||
                    (*end && *end != 'x' && *end != ',')) {
                    fprintf(stderr, "pdsafe %s: --shape %s: expected NAME=DxDx...\n", cmd,
                            o->shape_spec[s]);
                    return 2;
                }
                a->dims[r++] = v;
                p = *end ? end + 1 : end;
            }
            a->rank = r;
        }
        int64_t n = 1;
        for (int d = 0; d < a->rank; d++) {
            if (a->dims[d] < 0) {
                fprintf(stderr, "pdsafe %s: input %zu ('%s') has a dynamic dim %d: give "
                                "--shape %s=... or --input\n",
                        cmd, i, ti.name, d, ti.name);
                return 2;
            }
            n *= a->dims[d];
        }
        size_t es = pds_dtype_size(a->dtype);
        a->byte_length = (size_t)n * es;
        a->data = calloc(n ? (size_t)n : 1, es ? es : 1);
        if (!a->data) {
            fprintf(stderr, "pdsafe %s: out of memory for input %zu\n", cmd, i);
            return 1;
        }
        if (a->dtype == PDS_FLOAT32)
            for (int64_t k = 0; k < n; k++) {
                seed = seed * 1664525u + 1013904223u;
                ((float *)a->data)[k] = (float)(seed >> 8) / 16777216.0f;
            }
    }
    for (size_t i = 0; i < c->n_in; i++) {
        pds_tensor *t = &c->inputs[i];
        t->dtype = c->arrays[i].dtype;
        t->rank = c->arrays[i].rank;
        memcpy(t->dims, c->arrays[i].dims, sizeof t->dims);
        t->data = c->arrays[i].data;
        t->byte_length = c->arrays[i].byte_length;
    }
    return 0;
}

void perf_free(perf_ctx *c)
{
    for (int i = 0; i < PERF_MAX_IO; i++)
        npy_free(&c->arrays[i]);
    pds_model_destroy(c->model, NULL);
    c->model = 0;
}

pds_tensor *perf_outputs(const char *cmd, perf_ctx *c, pds_predictor p)
{
    pds_tensor *t = calloc(c->n_out + 1, sizeof *t);
    pds_error err;
    if (!t)
        return NULL;
    /* A run with empty buffers reports the sizes needed (and keeps the result). */
    pds_status st = pds_predictor_run(p, c->inputs, c->n_in, t, c->n_out, &err);
    if (st && st != PDS_ERR_BUFFER_SIZE) {
        fprintf(stderr, "pdsafe %s: run failed: %s\n", cmd, err.message);
        free(t);
        return NULL;
    }
    for (size_t i = 0; i < c->n_out; i++) {
        int64_t n = 1;
        for (int d = 0; d < t[i].rank; d++)
            n *= t[i].dims[d];
        t[i].byte_length = (size_t)n * pds_dtype_size(t[i].dtype);
        t[i].data = malloc(t[i].byte_length ? t[i].byte_length : 1);
        if (!t[i].data) {
            perf_outputs_free(t, c->n_out);
            return NULL;
        }
    }
    return t;
}

void perf_outputs_free(pds_tensor *t, size_t n)
{
    if (!t)
        return;
    for (size_t i = 0; i < n; i++)
        free(t[i].data);
    free(t);
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

static int write_outputs(const perf_ctx *c, const pds_tensor *out, const char *dir)
{
    if (!cli_is_dir(dir) && mkdir(dir, 0777) != 0) {
        fprintf(stderr, "pdsafe bench: could not create %s: %s\n", dir, strerror(errno));
        return 1;
    }
    for (size_t i = 0; i < c->n_out; i++) {
        char path[4096], msg[256];
        snprintf(path, sizeof path, "%s/%zu.npy", dir, i);
        if (npy_write(path, out[i].dtype, out[i].rank, out[i].dims, out[i].data, msg,
                      sizeof msg)) {
            fprintf(stderr, "pdsafe bench: %s\n", msg);
            return 1;
        }
    }
    return 0;
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
        pds_tensor *out = perf_outputs("bench", c, p[i]);
        if (!out)
            rc = 1;
        perf_outputs_free(out, c->n_out);
    }
    if (!rc)
        *kb = (double)(perf_rss_kb(false) - before) / n;
    for (int i = 0; i < n; i++)
        pds_predictor_destroy(p[i], NULL);
    free(p);
    return rc;
}

int pdsafe_bench_main(int argc, char **argv)
{
    perf_opts o;
    int rc = perf_parse("bench", argc, argv, &o);
    if (rc >= 0)
        return rc;
    int base_threads = perf_thread_count();
    perf_ctx c;
    rc = perf_load("bench", &o, &c);
    if (rc) {
        perf_free(&c);
        return rc;
    }
    long rss_load = perf_rss_kb(false);
    worker *w = calloc((size_t)o.callers, sizeof *w);
    pthread_t *th = calloc((size_t)o.callers, sizeof *th);
    pthread_t mon;
    bool mon_started = false;
    rc = 1;
    if (!w || !th)
        goto done;
    pds_predictor_options po;
    pds_predictor_options_init(&po);
    po.num_threads = o.threads;
    pds_error err;
    for (int i = 0; i < o.callers; i++) {
        w[i].c = &c;
        w[i].o = &o;
        if (pds_predictor_create(c.model, &po, &w[i].p, &err)) {
            fprintf(stderr, "pdsafe bench: could not create a predictor: %s\n", err.message);
            goto done;
        }
        double t0 = perf_now_ms();
        w[i].out = perf_outputs("bench", &c, w[i].p); /* the first run, planning included */
        w[i].first_ms = perf_now_ms() - t0;
        if (!w[i].out)
            goto done;
    }
    atomic_store(&runs_done, 0);
    atomic_store(&stop_flag, 0);
    atomic_store(&peak_threads, perf_thread_count());
    mon_started = pthread_create(&mon, NULL, monitor_main, NULL) == 0;
    bool tty = isatty(2) && !o.quiet;
    long total_target = o.iters ? o.iters * o.callers : 0;
    for (int i = 0; i < o.callers; i++)
        if (pthread_create(&th[i], NULL, worker_main, &w[i]) != 0) {
            fprintf(stderr, "pdsafe bench: could not start caller thread %d\n", i);
            gate_open(true);
            for (int k = 0; k < i; k++)
                pthread_join(th[k], NULL);
            goto done;
        }
    pthread_mutex_lock(&gate.mu);
    while (gate.arrived < o.callers)
        pthread_cond_wait(&gate.cv, &gate.mu);
    pthread_mutex_unlock(&gate.mu);
    /* Every library thread has started by now (the warm-up ran on them). */
    note_threads();
    struct rusage ru0, ru1;
    getrusage(RUSAGE_SELF, &ru0);
    gate_open(false);
    double t_start = gate.t_start;
    if (tty) {
        /* Progress until the workers are done (they finish on their own). */
        for (;;) {
            long n = atomic_load(&runs_done);
            double el = (perf_now_ms() - t_start) / 1e3;
            if (total_target)
                fprintf(stderr, "\r  %ld / %ld runs, %.1f s", n, total_target, el);
            else
                fprintf(stderr, "\r  %ld runs, %.1f / %.1f s", n, el, o.time_s);
            if ((total_target && n >= total_target) || (!total_target && el >= o.time_s + 0.05))
                break;
            struct timespec ts = {0, 100000000};
            nanosleep(&ts, NULL);
            bool any_failed = false;
            for (int i = 0; i < o.callers; i++)
                any_failed |= w[i].status != 0;
            if (any_failed)
                break;
        }
        fprintf(stderr, "\r\033[K");
    }
    double t_end = t_start;
    for (int i = 0; i < o.callers; i++) {
        pthread_join(th[i], NULL);
        if (w[i].end_ms > t_end)
            t_end = w[i].end_ms;
    }
    getrusage(RUSAGE_SELF, &ru1);
    double wall = t_end - t_start;
    atomic_store(&stop_flag, 1);
    if (mon_started)
        pthread_join(mon, NULL);
    mon_started = false;
    long n = 0;
    for (int i = 0; i < o.callers; i++) {
        if (w[i].status) {
            fprintf(stderr, "pdsafe bench: run failed: %s\n", w[i].err.message);
            goto done;
        }
        n += w[i].n_lat;
    }
    double *all = malloc(sizeof *all * (size_t)(n ? n : 1));
    if (!all)
        goto done;
    long k = 0;
    double sum = 0;
    for (int i = 0; i < o.callers; i++)
        for (long j = 0; j < w[i].n_lat; j++) {
            all[k++] = w[i].lat[j];
            sum += w[i].lat[j];
        }
    qsort(all, (size_t)n, sizeof *all, cmp_double);
    pds_predictor_stats ps = {.struct_size = sizeof ps};
    pds_predictor_get_stats(w[0].p, &ps, NULL);
    double p50 = pct(all, n, 0.5), p90 = pct(all, n, 0.9), p99 = pct(all, n, 0.99);
    double thr = wall > 0 ? (double)n / (wall / 1e3) : 0;
    /* Process-wide (callers, library threads, the sampler), over the window. */
    double cpu_run = n ? (cpu_ms(&ru1) - cpu_ms(&ru0)) / (double)n : 0;
    double csw_run = n ? (double)(ru1.ru_nvcsw - ru0.ru_nvcsw + ru1.ru_nivcsw - ru0.ru_nivcsw) /
                             (double)n
                       : 0;
    long peak_kb = perf_rss_kb(true);
    int peak_th = atomic_load(&peak_threads);
    double extra_kb = -1;
    if (o.extra > 0 && extra_predictors(&c, &po, o.extra, &extra_kb)) {
        free(all);
        goto done;
    }
    printf("model:        %s\n", o.model);
    printf("kernels:      %s, %d intra-op thread%s per run, %d caller%s\n",
           ps.fast ? "oneDNN fast path" : "reference", ps.num_threads,
           ps.num_threads == 1 ? "" : "s", o.callers, o.callers == 1 ? "" : "s");
    printf("load:         %.1f ms; first run %.1f ms (load to first result %.1f ms)\n",
           c.load_ms, w[0].first_ms, c.load_ms + w[0].first_ms);
    printf("runs:         %ld measured (%ld warm-up per caller) in %.2f s\n", n, o.warmup,
           wall / 1e3);
    printf("latency ms:   p50 %.3f  p90 %.3f  p99 %.3f  mean %.3f  min %.3f  max %.3f\n", p50,
           p90, p99, n ? sum / (double)n : 0, n ? all[0] : 0, n ? all[n - 1] : 0);
    printf("throughput:   %.1f runs/s\n", thr);
    printf("cpu:          %.3f ms per run, %.2f context switches per run (whole process)\n",
           cpu_run, csw_run);
    printf("memory:       peak RSS %.1f MiB (after load %.1f MiB, before %.1f MiB)\n",
           peak_kb / 1024.0, rss_load / 1024.0, c.rss_before_kb / 1024.0);
    printf("              weights %.1f MiB; arena %.2f MiB per predictor (naive %.2f MiB, "
           "%.0f%% saved); scratch %.2f MiB\n",
           ps.weights_bytes / 1048576.0, ps.arena_bytes / 1048576.0, ps.naive_bytes / 1048576.0,
           ps.naive_bytes ? 100.0 * (1.0 - (double)ps.arena_bytes / (double)ps.naive_bytes) : 0.0,
           ps.scratch_bytes / 1048576.0);
    if (extra_kb >= 0)
        printf("              each extra predictor on the model: +%.2f MiB RSS (mean of %d; "
               "its arena %.2f MiB)\n",
               extra_kb / 1024.0, o.extra, ps.arena_bytes / 1048576.0);
    printf("plan:         %u steps, %u on oneDNN, %u layout conversions\n", ps.steps,
           ps.fast_steps, ps.conversions);
    printf("threads:      %d in the process at peak (%d before loading, %d callers)\n", peak_th,
           base_threads, o.callers);
    if (o.json) {
        FILE *f = strcmp(o.json, "-") == 0 ? stdout : fopen(o.json, "w");
        if (!f) {
            fprintf(stderr, "pdsafe bench: could not write %s: %s\n", o.json, strerror(errno));
            free(all);
            goto done;
        }
        fprintf(f, "{\"model\": \"");
        perf_json_str(f, o.model);
        fprintf(f,
                "\", \"fast\": %u, \"threads\": %d, \"callers\": %d, "
                "\"runs\": %ld, \"load_ms\": %.3f, \"first_run_ms\": %.3f, \"p50_ms\": %.4f, "
                "\"p90_ms\": %.4f, \"p99_ms\": %.4f, \"mean_ms\": %.4f, \"min_ms\": %.4f, "
                "\"throughput\": %.3f, \"cpu_ms_per_run\": %.4f, "
                "\"switches_per_run\": %.3f, \"peak_rss_kb\": %ld, \"rss_after_load_kb\": %ld, "
                "\"rss_before_load_kb\": %ld, \"weights_bytes\": %llu, \"arena_bytes\": %llu, "
                "\"naive_bytes\": %llu, \"scratch_bytes\": %llu, \"steps\": %u, "
                "\"fast_steps\": %u, \"conversions\": %u, \"peak_threads\": %d, "
                "\"base_threads\": %d, \"extra_predictor_kb\": %.1f}\n",
                ps.fast, ps.num_threads, o.callers, n, c.load_ms, w[0].first_ms, p50,
                p90, p99, n ? sum / (double)n : 0, n ? all[0] : 0, thr, cpu_run, csw_run,
                peak_kb, rss_load,
                c.rss_before_kb, (unsigned long long)ps.weights_bytes,
                (unsigned long long)ps.arena_bytes, (unsigned long long)ps.naive_bytes,
                (unsigned long long)ps.scratch_bytes, ps.steps, ps.fast_steps, ps.conversions,
                peak_th, base_threads, extra_kb);
        if (f != stdout)
            fclose(f);
    }
    free(all);
    rc = o.out_dir ? write_outputs(&c, w[0].out, o.out_dir) : 0;
done:
    if (mon_started) {
        atomic_store(&stop_flag, 1);
        pthread_join(mon, NULL);
    }
    for (int i = 0; w && i < o.callers; i++) {
        pds_predictor_destroy(w[i].p, NULL);
        perf_outputs_free(w[i].out, c.n_out);
        free(w[i].lat);
    }
    free(w);
    free(th);
    perf_free(&c);
    return rc;
}
