/*
 * fuzz_api_sequence.c — libFuzzer target for the public C API as a whole
 * (include/pdsafe.h): the input bytes are a program of API calls, run against
 * small real fixture models from up to three threads at once, and every
 * answer is checked against the contract in the header. A crash, a sanitizer
 * report, a leak, a hang or an abort() from one of the checks below is a find.
 *
 * What an input drives: loading models (files and buffers, good and bad),
 * creating and destroying models and predictors, run, run_v2 (with run ids
 * chosen by the library, fresh, reused, never issued, or borrowed from
 * another predictor, and the wait_at_checkpoint hook), fetch, fetch_v2,
 * cancel, cancel_run, pds_run_id_new, statistics, profiles and model
 * metadata; on live handles, destroyed ones, handles of the other kind,
 * forged ones (random values and bit flips of real ones) and zero; with
 * exact, short, NULL and oversized buffers and wrong dtypes, ranks and shapes.
 *
 * Input layout: byte 0 picks the number of threads (1 + b % 3); then op
 * codes, each followed by the argument bytes it reads (missing bytes read as
 * 0). Op code bits 0-3 pick the call, the high bits the thread that makes it.
 * Ops are grouped into blocks, ended by the barrier op code (15), by 32 ops or
 * by the end of the input; the ops of a block start together on their
 * threads against the handles that existed when the block began, and the
 * block is over when all of them have returned. Because the handles a block
 * touches are known before it runs, the checks can say for each call which
 * statuses the races of that block allow, and everything else is a find.
 *
 * The oracle, beyond "no crash, no sanitizer report, no leak":
 *   - every status is one the header lists, and one this call may return
 *     given its arguments and the races in its block (PDS_ERR_BUSY only when
 *     another thread used the same predictor, PDS_ERR_CANCELLED only for a
 *     run that someone cancelled, handle errors exactly as below);
 *   - handles: a destroyed one gives PDS_ERR_STALE_HANDLE (the other kind's
 *     PDS_ERR_WRONG_HANDLE_KIND), a live one of the other kind
 *     PDS_ERR_WRONG_HANDLE_KIND, zero PDS_ERR_INVALID_HANDLE. A forged value
 *     is looked up by src/core/handle.c as kind | generation | slot: if it
 *     happens to equal a live handle it IS that handle (so it is checked as
 *     one), otherwise it may only give INVALID (never issued, or kind tag
 *     altered on a live slot), STALE or WRONG_KIND (an older generation of a
 *     slot, by the kind in its tag);
 *   - a failure fills pds_error with the same code and a non-empty,
 *     NUL-terminated message; a success leaves pds_error untouched;
 *   - outputs: a run or fetch that succeeds wrote what the fixture computes
 *     for that input (expected outputs are computed once at start-up, for
 *     four inputs per fixture that give different results); output
 *     descriptors change only on PDS_OK or an output-side PDS_ERR_BUFFER_SIZE;
 *   - run ids: never 0, increasing per thread, unique; fetch_v2 never hands
 *     out a result that is not that run's on that predictor (it must come
 *     from a run of that id that succeeded there, with that run's data);
 *   - a run held with wait_at_checkpoint is released by one cancel_run of
 *     its id (unless more than PDS_PENDING_CANCELS other ids were cancelled
 *     on the predictor meanwhile, which the header allows to be forgotten);
 *   - after each input everything it created is destroyed (each destroy must
 *     succeed) and pds_get_live_objects is back at the start-up baseline.
 *
 * Threads: three worker threads are started once and reused for every block
 * (starting threads per input would cost more than the calls). The main
 * thread makes thread 0's calls itself, except in a block with held runs,
 * where it only cancels them (FUZZ_API_EARLY_RELEASE=1: before they start)
 * and waits. FUZZ_API_TRACE=1 prints every op with its status. Fixture
 * models are loaded once at start-up from
 * $PDSAFE_FIXTURES, else PDSAFE_FIXTURES_DEFAULT (set by CMake), else
 * tests/fixtures under the current directory.
 *
 * Build for real fuzzing: see fuzz/README.md. CMake builds it with
 * fuzz/replay_main.c as a replay test over fuzz/corpus/fuzz_api_sequence/.
 */
#include <errno.h>
#include <math.h>
#include <pthread.h>
#include <semaphore.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "pdsafe.h"

#ifndef PDSAFE_FIXTURES_DEFAULT
#define PDSAFE_FIXTURES_DEFAULT "tests/fixtures"
#endif

#define N_FIX 4
#define N_VAR 4
#define MAX_IN 4
#define MAX_OUT 16
#define MAX_THREADS 3
#define MAX_BLOCK_OPS 32
#define MAX_OPS 96   /* per input: bounds the time one input can take */
#define MAX_OBJS (N_FIX + MAX_OPS + 8)
#define MAX_RECS 256
#define UNKNOWN_VAR (1u << 31) /* in a variant mask: a result whose data we cannot predict */

#define BIT(s) (1u << (unsigned)(s))
/* Statuses the header lists (values 0..N_STATUS-1, only ever appended). */
#define PDSF_ONE_(name, value, text) +1
enum { N_STATUS = 0 PDS_STATUS_LIST(PDSF_ONE_) };
#define HANDLE_ERRS (BIT(PDS_ERR_INVALID_HANDLE) | BIT(PDS_ERR_STALE_HANDLE) | \
                     BIT(PDS_ERR_WRONG_HANDLE_KIND))
#define ANY_STATUS ((1u << N_STATUS) - 1)

/* ------------------------------------------------------------------------ */
/* Fixtures and their expected outputs                                       */
/* ------------------------------------------------------------------------ */

typedef struct expected {
    pds_tensor in[MAX_IN];   /* data: shared, read-only */
    void *big[MAX_IN];       /* the same data in a buffer 64 bytes longer */
    pds_tensor out[MAX_OUT]; /* dtype, rank, dims, data, byte_length */
} expected;

typedef struct fixture {
    const char *dir;
    bool json;          /* load inference.json (else inference.pdmodel) */
    uint32_t flags;     /* load flags of the start-up model */
    pds_model model;    /* loaded once, never destroyed */
    size_t n_in, n_out;
    uint64_t op_count;
    pds_tensor_info in_info[MAX_IN], out_info[MAX_OUT];
    char model_path[1024], json_path[1024], params_path[1024], dir_path[960];
    void *pdmodel, *json_bytes, *params;
    size_t pdmodel_len, json_len, params_len;
    size_t max_out_bytes[MAX_OUT]; /* over the variants */
    expected var[N_VAR];
} fixture;

/* Small models of different kinds: fast path and reference kernels, legacy
 * and PIR programs, one and four inputs, with and without parameters. Only
 * one is on the fast path: a new predictor's first run there builds oneDNN
 * primitives, which costs a millisecond per predictor and would make this
 * fuzzer ten times slower; one is enough for the executor and its
 * checkpoints. */
static fixture fix[N_FIX] = {
    {.dir = "op_act", .json = false, .flags = PDS_MODEL_REFERENCE_KERNELS},
    {.dir = "op_dropout", .json = true, .flags = PDS_MODEL_REFERENCE_KERNELS},
    {.dir = "op_elementwise", .json = false, .flags = PDS_MODEL_REFERENCE_KERNELS},
    {.dir = "op_norm", .json = true, .flags = 0},
};
static const int64_t var_batch[N_VAR] = {1, 2, 1, 3};
static pds_live_objects baseline;

static void die(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));
static void die(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fprintf(stderr, "fuzz_api_sequence: ");
    vfprintf(stderr, fmt, ap);
    fprintf(stderr, "\n");
    va_end(ap);
    abort();
}

static void *read_file(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        die("cannot open fixture file %s: %s", path, strerror(errno));
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    rewind(f);
    void *buf = malloc(n > 0 ? (size_t)n : 1);
    if (!buf || fread(buf, 1, (size_t)n, f) != (size_t)n)
        die("cannot read %s", path);
    fclose(f);
    *len = (size_t)n;
    return buf;
}

/* Input data in (0.5, 2.5): every op of the fixtures (pow, div, log-free
 * norms) is finite there, and each variant gives different outputs. */
static float pattern(size_t i, int v, size_t k)
{
    double x = sin((double)(i + 1) * 12.9898 + v * 78.233 + (double)k * 37.719) * 43758.5453;
    return (float)(0.5 + 2.0 * (x - floor(x)));
}

static size_t tensor_bytes(const pds_tensor *t)
{
    size_t n = pds_dtype_size(t->dtype);
    for (int d = 0; d < t->rank; d++)
        n *= (size_t)t->dims[d];
    return n;
}

/* Same result, within a tolerance loose enough for fast path vs reference
 * kernels and legacy vs PIR program (the variants differ by far more). */
static bool same_output(const pds_tensor *got, const pds_tensor *want)
{
    if (got->dtype != want->dtype || got->rank != want->rank)
        return false;
    for (int d = 0; d < want->rank; d++)
        if (got->dims[d] != want->dims[d])
            return false;
    size_t bytes = tensor_bytes(want);
    if (got->byte_length < bytes || (bytes && !got->data))
        return false;
    if (want->dtype != PDS_FLOAT32)
        return memcmp(got->data, want->data, bytes) == 0;
    const float *a = got->data, *b = want->data;
    for (size_t i = 0; i < bytes / 4; i++) {
        if (isnan(a[i]) && isnan(b[i]))
            continue;
        if (!(fabs((double)a[i] - b[i]) <= 2e-3 + 2e-2 * fabs((double)b[i])))
            return false;
    }
    return true;
}

static bool outputs_match(const fixture *f, int v, const pds_tensor *out)
{
    for (size_t i = 0; i < f->n_out; i++)
        if (!same_output(&out[i], &f->var[v].out[i]))
            return false;
    return true;
}

static void compute_expected(fixture *f)
{
    pds_error err;
    pds_predictor p = 0;
    if (pds_predictor_create(f->model, NULL, &p, &err) != PDS_OK)
        die("%s: predictor_create: %s", f->dir, err.message);
    for (int v = 0; v < N_VAR; v++) {
        expected *e = &f->var[v];
        for (size_t k = 0; k < f->n_in; k++) {
            pds_tensor *t = &e->in[k];
            const pds_tensor_info *ii = &f->in_info[k];
            if (ii->dtype != PDS_FLOAT32)
                die("%s: input %zu is not float32", f->dir, k);
            t->dtype = ii->dtype;
            t->rank = ii->rank;
            for (int d = 0; d < ii->rank; d++)
                t->dims[d] = ii->dims[d] >= 0 ? ii->dims[d] : d == 0 ? var_batch[v] : 4;
            t->byte_length = tensor_bytes(t);
            float *x = malloc(t->byte_length + 64);
            if (!x)
                die("out of memory");
            for (size_t i = 0; i < t->byte_length / 4 + 16; i++)
                x[i] = pattern(i, v, k);
            t->data = x;
            e->big[k] = x; /* the same buffer, with the 64 spare bytes counted */
        }
        /* Sizes first (NULL buffers give PDS_ERR_BUFFER_SIZE with every
         * descriptor set), then the data with a fetch. */
        pds_tensor out[MAX_OUT];
        memset(out, 0, sizeof out);
        pds_status st = pds_predictor_run(p, e->in, f->n_in, out, f->n_out, &err);
        if (st != PDS_ERR_BUFFER_SIZE)
            die("%s variant %d: sizing run gave %s: %s", f->dir, v, pds_status_name(st),
                st ? err.message : "");
        for (size_t i = 0; i < f->n_out; i++) {
            e->out[i] = out[i];
            e->out[i].byte_length = tensor_bytes(&out[i]);
            e->out[i].data = malloc(e->out[i].byte_length + 1);
            if (e->out[i].byte_length > f->max_out_bytes[i])
                f->max_out_bytes[i] = e->out[i].byte_length;
        }
        if ((st = pds_predictor_fetch(p, e->out, f->n_out, &err)) != PDS_OK)
            die("%s variant %d: fetch gave %s: %s", f->dir, v, pds_status_name(st), err.message);
    }
    /* The data checks can tell runs apart only if the variants differ. */
    for (int v = 0; v < N_VAR; v++)
        for (int w = v + 1; w < N_VAR; w++)
            if (outputs_match(f, v, f->var[w].out))
                die("%s: variants %d and %d give the same outputs", f->dir, v, w);
    if (pds_predictor_destroy(p, &err) != PDS_OK)
        die("%s: predictor_destroy: %s", f->dir, err.message);
}

static void load_fixture(fixture *f, const char *root)
{
    snprintf(f->dir_path, sizeof f->dir_path, "%s/%s", root, f->dir);
    snprintf(f->model_path, sizeof f->model_path, "%s/inference.pdmodel", f->dir_path);
    snprintf(f->json_path, sizeof f->json_path, "%s/inference.json", f->dir_path);
    snprintf(f->params_path, sizeof f->params_path, "%s/inference.pdiparams", f->dir_path);
    f->pdmodel = read_file(f->model_path, &f->pdmodel_len);
    f->json_bytes = read_file(f->json_path, &f->json_len);
    f->params = read_file(f->params_path, &f->params_len);
    pds_model_options o;
    pds_model_options_init(&o);
    o.flags = f->flags;
    pds_error err;
    if (pds_model_load_files(f->json ? f->json_path : f->model_path, f->params_path, &o,
                             &f->model, &err) != PDS_OK)
        die("cannot load fixture %s: %s", f->dir, err.message);
    if (pds_model_input_count(f->model, &f->n_in, &err) ||
        pds_model_output_count(f->model, &f->n_out, &err))
        die("%s: counts: %s", f->dir, err.message);
    if (f->n_in == 0 || f->n_in > MAX_IN || f->n_out == 0 || f->n_out > MAX_OUT)
        die("%s: %zu inputs, %zu outputs: over this fuzzer's limits", f->dir, f->n_in, f->n_out);
    for (size_t i = 0; i < f->n_in; i++)
        if (pds_model_input_info(f->model, i, &f->in_info[i], &err))
            die("%s: input_info: %s", f->dir, err.message);
    for (size_t i = 0; i < f->n_out; i++)
        if (pds_model_output_info(f->model, i, &f->out_info[i], &err))
            die("%s: output_info: %s", f->dir, err.message);
    pds_model_stats s = {.struct_size = sizeof s};
    if (pds_model_get_stats(f->model, &s, &err))
        die("%s: get_stats: %s", f->dir, err.message);
    f->op_count = s.op_count;
    compute_expected(f);
}

/* ------------------------------------------------------------------------ */
/* Per-input state                                                           */
/* ------------------------------------------------------------------------ */

enum { KIND_MODEL = 1, KIND_PRED = 2 };

typedef struct obj {
    uint64_t h;
    int kind;
    int fix;         /* fixture whose inputs and outputs it has */
    bool fixed;      /* a start-up model: never destroyed by an input */
    bool live;
    int born;        /* block that created it (-1: before the input) */
    uint32_t pflags; /* predictor options flags */
    uint32_t mask;   /* variants its kept result may be (UNKNOWN_VAR: any) */
    bool ever_ok;    /* some run on it succeeded */
} obj;

/* A run that succeeded (its result was kept), or a cancel_run made. */
typedef struct rec {
    int obj;
    uint64_t id;
    int var; /* -1: unknown data */
} rec;

enum {
    OP_LOAD, OP_MODEL_DESTROY, OP_PRED_CREATE, OP_PRED_DESTROY, OP_RUN, OP_RUN_V2, OP_RUN_V2B,
    OP_FETCH, OP_FETCH_V2, OP_CANCEL, OP_CANCEL_RUN, OP_RUN_ID_NEW, OP_PRED_INFO, OP_MODEL_INFO,
    OP_RUN_B, OP_BARRIER
};

/* Ops that enter a predictor (take its in-call count and run lock), and runs. */
#define ENTERS (BIT(OP_RUN) | BIT(OP_RUN_B) | BIT(OP_RUN_V2) | BIT(OP_RUN_V2B) | \
                BIT(OP_FETCH) | BIT(OP_FETCH_V2) | BIT(OP_PRED_INFO))
#define RUNS (BIT(OP_RUN) | BIT(OP_RUN_B) | BIT(OP_RUN_V2) | BIT(OP_RUN_V2B))

static const char *const op_names[] = {
    "load", "model_destroy", "predictor_create", "predictor_destroy", "run", "run_v2",
    "run_v2", "fetch", "fetch_v2", "cancel", "cancel_run", "run_id_new", "predictor_info",
    "model_info", "run", "barrier"};

typedef struct op {
    int code, thread, pos;
    bool use_err;
    uint64_t h;      /* the handle passed */
    int dobj;        /* the object h named when the block was decoded, or -1 */
    int fix;         /* fixture of the tensors built for it */
    int var;         /* variant of valid inputs, -1 if the inputs may compute anything */
    uint8_t a, b, c; /* argument bytes */
    /* load */
    int load_mode;
    bool load_good;  /* must succeed */
    uint32_t load_bad; /* statuses a bad load may give */
    bool load_dropped; /* a cut program that loaded, destroyed at once */
    pds_status drop_st;
    pds_error drop_err;
    /* tensors */
    pds_tensor in[MAX_IN + 1];
    const pds_tensor *in_ptr;
    size_t n_in;
    bool in_valid;   /* inputs pass every check of pds_predictor_run */
    bool in_bad;     /* inputs fail a check (they are invalid for sure) */
    pds_tensor out[MAX_OUT + 1];
    pds_tensor out_before[MAX_OUT + 1];
    void *out_buf[MAX_OUT + 1];
    pds_tensor *out_ptr;
    size_t n_out;
    bool out_args_bad; /* n_outputs or the outputs pointer is wrong */
    bool out_fit;      /* every buffer is large enough (for known data) */
    /* run_v2 / ids */
    pds_run_options ro;
    bool ro_null, ro_bad;
    uint64_t id_in;   /* the id passed (run_v2 in, fetch_v2, cancel_run) */
    int id_kind;      /* how id_in was chosen */
    uint32_t wait_at;
    /* predictor_create */
    pds_predictor_options po;
    bool po_null, po_bad, out_null;
    /* info calls */
    size_t index, cap, count;
    pds_tensor_info info;
    pds_model_stats mstats;
    pds_predictor_stats pstats;
    pds_step_profile steps[4];
    char typebuf[64];
    size_t needed;
    const char *names[3];
    /* results */
    pds_status st;
    pds_error err;
    uint64_t out_h;   /* handle created */
    uint64_t ids[2];  /* run_id_new result, for the uniqueness check */
    volatile int done;
} op;

typedef struct block {
    int n, threads, no;
    uint64_t max_id_before;       /* the largest run id issued before the block */
    pds_status release_st[MAX_BLOCK_OPS];
    pds_error release_err[MAX_BLOCK_OPS];
    op ops[MAX_BLOCK_OPS];        /* last: only the first n are cleared */
} block;

typedef struct state {
    obj objs[MAX_OBJS];
    int n_objs;
    rec runs[MAX_RECS];   /* successful runs with an id */
    int n_runs;
    rec cancels[MAX_RECS];  /* cancel_run calls: (object, id) */
    int n_cancels;
    uint64_t fresh[8];    /* recent ids from pds_run_id_new */
    int n_fresh;
    int n_ops, n_loads;
} state;

/* ------------------------------------------------------------------------ */
/* Decoding                                                                  */
/* ------------------------------------------------------------------------ */

typedef struct rd {
    const uint8_t *p;
    size_t n, i;
} rd;

static uint8_t u8(rd *r)
{
    return r->i < r->n ? r->p[r->i++] : 0;
}

static uint64_t u64(rd *r)
{
    uint64_t v = 0;
    for (int k = 0; k < 8; k++)
        v |= (uint64_t)u8(r) << (8 * k);
    return v;
}

static int obj_of(const state *s, uint64_t h)
{
    if (h == 0)
        return -1;
    for (int i = 0; i < s->n_objs; i++)
        if (s->objs[i].h == h)
            return i;
    return -1;
}

/* The n-th object matching (kind, live); -1 if none. kind 0: any. */
static int nth_obj(const state *s, int kind, bool live, unsigned n)
{
    int count = 0;
    for (int i = 0; i < s->n_objs; i++)
        if ((!kind || s->objs[i].kind == kind) && s->objs[i].live == live)
            count++;
    if (!count)
        return -1;
    n %= (unsigned)count;
    for (int i = 0; i < s->n_objs; i++)
        if ((!kind || s->objs[i].kind == kind) && s->objs[i].live == live && n-- == 0)
            return i;
    return -1;
}

/* A handle for a call that wants `kind`: live, stale, other kind, forged, 0. */
static uint64_t pick_handle(const state *s, rd *r, int kind)
{
    uint8_t sel = u8(r);
    int other = kind == KIND_MODEL ? KIND_PRED : KIND_MODEL, o;
    switch (sel % 8) {
    case 4: /* destroyed */
        o = nth_obj(s, 0, false, u8(r));
        return o >= 0 ? s->objs[o].h : 0;
    case 5: /* live, of the other kind */
        o = nth_obj(s, other, true, u8(r));
        return o >= 0 ? s->objs[o].h : 0;
    case 6: { /* one bit flipped: kind tag, generation or slot */
        o = nth_obj(s, 0, sel & 8, u8(r));
        uint8_t bit = u8(r) % 64;
        return o >= 0 ? s->objs[o].h ^ (1ull << bit) : 1ull << bit;
    }
    case 7:
        return (sel & 8) ? 0 : u64(r);
    default:
        o = nth_obj(s, kind, true, u8(r));
        if (o < 0)
            o = nth_obj(s, other, true, 0);
        return o >= 0 ? s->objs[o].h : 0;
    }
}

/* A run id for fetch_v2 / cancel_run / run_v2's reuse: one of a run that
 * succeeded on this predictor or another, of a run of this block, fresh from
 * pds_run_id_new, never issued, or 0. */
static uint64_t pick_id(const state *s, const block *bk, rd *r, int dobj, int *kind)
{
    uint8_t sel = u8(r), n = u8(r);
    *kind = sel % 8;
    switch (sel % 8) {
    case 0:
        return 0;
    case 1:
    case 2: /* a run of this predictor, the latest first */
        for (int i = s->n_runs - 1, skip = n % 4; i >= 0; i--)
            if (s->runs[i].obj == dobj && skip-- == 0)
                return s->runs[i].id;
        /* fall through */
    case 3: /* any run that succeeded */
        if (s->n_runs)
            return s->runs[n % s->n_runs].id;
        /* fall through */
    case 4: /* a fresh id of a run of this block (decoded before this op) */
        for (int i = bk->n - 1; i >= 0; i--)
            if (bk->ops[i].id_kind == 10 && (bk->ops[i].code == OP_RUN_V2 ||
                                             bk->ops[i].code == OP_RUN_V2B))
                return bk->ops[i].id_in;
        /* fall through */
    case 5:
        if (s->n_fresh)
            return s->fresh[n % (s->n_fresh < 8 ? s->n_fresh : 8)];
        /* fall through */
    case 6:
        return pds_run_id_new();
    default:
        return (n & 1) ? UINT64_MAX - n : ((uint64_t)1 << 62) + n;
    }
}

/* Inputs for fixture f: valid (one of the variants, maybe in a longer
 * buffer), or broken in one way. */
static void build_inputs(op *x, rd *r)
{
    const fixture *f = &fix[x->fix];
    uint8_t m = u8(r), k = u8(r), d = u8(r);
    int v = m % N_VAR;
    const expected *e = &f->var[v];
    x->n_in = f->n_in;
    memcpy(x->in, e->in, sizeof e->in);
    x->in_ptr = x->in;
    x->var = v;
    x->in_valid = true;
    x->in_bad = false;
    size_t ki = k % f->n_in;
    pds_tensor *t = &x->in[ki];
    switch ((m / N_VAR) % 16) {
    case 8: /* dtype */
        t->dtype = (pds_dtype)(d % 3 == 0 ? 99 : 1 + d % 10);
        if (t->dtype != PDS_FLOAT32) {
            x->in_valid = false;
            x->in_bad = true;
        }
        break;
    case 9: { /* rank */
        static const int32_t ranks[] = {-1, 0, 1, 9, 100, -100000};
        int32_t nr = d % 8 < 6 ? ranks[d % 8] : t->rank + (d % 8 == 6 ? 1 : -1);
        if (nr != t->rank) {
            if (nr > t->rank && nr <= PDS_MAX_RANK)
                t->dims[nr - 1] = 1;
            t->rank = nr;
            x->in_valid = false;
            x->in_bad = true;
        }
        break;
    }
    case 10: { /* a dim */
        int dd = t->rank ? d % t->rank : 0;
        static const int64_t vals[] = {0, -1, -5, INT64_MAX, INT64_MIN, (int64_t)1 << 40,
                                       (int64_t)1 << 31};
        int64_t nv;
        if ((d >> 4) < 7)
            nv = vals[d >> 4];
        else
            nv = f->in_info[ki].dims[dd] >= 0 ? t->dims[dd] + 1 : var_batch[(d >> 2) % N_VAR];
        if (nv != t->dims[dd]) {
            t->dims[dd] = nv;
            x->in_valid = false;
            x->var = -1;
            /* Another batch that fits in the buffer is a valid input that
             * computes something no variant covers. */
            if (nv > 0 && f->in_info[ki].dims[dd] < 0 && nv <= 8 && tensor_bytes(t) <= t->byte_length)
                x->in_valid = true;
            else
                x->in_bad = true;
        }
        break;
    }
    case 11: /* short buffer */
        t->byte_length = d % 4 == 0 ? 0 : t->byte_length - 1 - d % 7;
        x->in_valid = false;
        x->in_bad = true;
        break;
    case 12: /* NULL data */
        t->data = NULL;
        if (d & 1)
            t->byte_length = 0;
        x->in_valid = false;
        x->in_bad = true;
        break;
    case 13: /* counts */
        x->in_valid = false;
        x->in_bad = true;
        if (d % 3 == 0)
            x->in_ptr = NULL;
        else
            x->n_in = d % 3 == 1 ? f->n_in - 1 : f->n_in + 1;
        if (x->n_in == 0 && d % 3 != 1 && x->in_ptr == NULL)
            x->n_in = f->n_in; /* NULL with the right count */
        break;
    case 14: /* a longer buffer: still valid */
        t->data = e->big[ki];
        t->byte_length += 1 + d % 64;
        break;
    default:
        break;
    }
    x->in_bad = !x->in_valid;
}

/* Output buffers: exact, short, NULL, oversized, or wrong counts. Each
 * buffer is its own allocation of exactly byte_length bytes, so that a
 * write past it is an ASan report. */
static void build_outputs(op *x, rd *r)
{
    const fixture *f = &fix[x->fix];
    uint8_t m = u8(r), k = u8(r);
    x->n_out = f->n_out;
    x->out_ptr = x->out;
    x->out_args_bad = false;
    x->out_fit = true;
    memset(x->out, 0, sizeof x->out);
    size_t extra = (m & 8) ? 1 + k % 64 : 0;
    for (size_t i = 0; i < f->n_out + 1; i++) {
        size_t need = i < f->n_out ? (x->var >= 0 ? f->var[x->var].out[i].byte_length
                                                  : f->max_out_bytes[i])
                                   : 64;
        x->out[i].byte_length = need + extra;
        x->out_buf[i] = malloc(need + extra ? need + extra : 1);
        x->out[i].data = x->out_buf[i];
    }
    size_t ki = k % f->n_out;
    switch (m % 8) {
    case 4:
        x->n_out = 0;
        x->out_ptr = (m & 16) ? NULL : x->out;
        break;
    case 5: {
        size_t need = x->out[ki].byte_length - extra;
        if (need) {
            x->out[ki].byte_length = need - 1 - k % need;
            x->out_fit = false;
        }
        break;
    }
    case 6:
        x->out[ki].data = NULL;
        if (m & 16)
            x->out[ki].byte_length = 0;
        x->out_fit = false;
        break;
    case 7:
        x->out_args_bad = true;
        if (m & 16)
            x->out_ptr = NULL;
        else
            x->n_out = (m & 32) ? f->n_out - 1 : f->n_out + 1;
        if (x->n_out == 0 && x->out_ptr)
            x->out_args_bad = false; /* n_outputs 0 is allowed for run */
        break;
    default:
        break;
    }
    /* Sentinel descriptors: changed only when the contract says so. */
    for (size_t i = 0; i < MAX_OUT + 1; i++) {
        x->out[i].dtype = (pds_dtype)0x5a5a;
        x->out[i].rank = -77;
        for (int d = 0; d < PDS_MAX_RANK; d++)
            x->out[i].dims[d] = -7;
    }
    memcpy(x->out_before, x->out, sizeof x->out);
}

static void decode_op(state *s, block *bk, rd *r, op *x, uint8_t code)
{
    x->code = code % 16;
    x->thread = (code >> 4) % bk->threads;
    x->use_err = (code & 0xc0) != 0xc0;
    x->dobj = -1;
    x->fix = 0;
    x->var = -1;
    switch (x->code) {
    case OP_LOAD:
        x->a = u8(r);
        x->b = u8(r);
        x->fix = x->a % N_FIX;
        x->load_mode = (x->a / N_FIX) % 12;
        /* Loading a program costs a millisecond or more: two per input keep
         * the fuzzer fast; later loads take the paths that fail at once. */
        if (x->load_mode < 5 || x->load_mode >= 9) {
            if (s->n_loads >= 2)
                x->load_mode = 5 + x->load_mode % 4;
            else
                s->n_loads++;
        }
        break;
    case OP_MODEL_DESTROY:
    case OP_MODEL_INFO:
        x->h = pick_handle(s, r, KIND_MODEL);
        x->a = u8(r);
        x->b = u8(r);
        x->c = u8(r);
        break;
    case OP_PRED_CREATE:
        x->h = pick_handle(s, r, KIND_MODEL);
        x->a = u8(r);
        x->b = u8(r);
        pds_predictor_options_init(&x->po);
        switch (x->a % 10) {
        case 0: x->po_null = true; break;
        case 1: x->out_null = x->po_bad = (x->b & 1); break;
        case 2: x->po.flags = PDS_PREDICTOR_SERIALIZE; break;
        case 3: x->po.flags = PDS_PREDICTOR_PROFILE; break;
        case 4: x->po.flags = PDS_PREDICTOR_SERIALIZE | PDS_PREDICTOR_PROFILE; break;
        case 5: x->po.num_threads = 1 + x->b % 4; break;
        case 6: x->po.num_threads = 64; break;
        case 7: x->po.struct_size = x->b % 8; x->po_bad = true; break;
        case 8: x->po.flags = 8u << (x->b % 28); x->po_bad = true; break; /* 4: GUARD */
        default: x->po.num_threads = (x->b & 1) ? -1 - x->b : 1025 + x->b; x->po_bad = true; break;
        }
        break;
    case OP_PRED_DESTROY:
    case OP_CANCEL:
    case OP_PRED_INFO:
        x->h = pick_handle(s, r, KIND_PRED);
        x->a = u8(r);
        x->b = u8(r);
        break;
    case OP_RUN:
    case OP_RUN_B:
    case OP_RUN_V2:
    case OP_RUN_V2B:
    case OP_FETCH:
    case OP_FETCH_V2:
    case OP_CANCEL_RUN:
        x->h = pick_handle(s, r, KIND_PRED);
        break;
    case OP_RUN_ID_NEW:
        x->a = u8(r);
        break;
    default:
        break;
    }
    x->dobj = obj_of(s, x->h);
    if (BIT(x->code) & (RUNS | BIT(OP_FETCH) | BIT(OP_FETCH_V2) | BIT(OP_CANCEL_RUN))) {
        bool is_pred = x->dobj >= 0 && s->objs[x->dobj].kind == KIND_PRED;
        x->fix = is_pred ? s->objs[x->dobj].fix : u8(r) % N_FIX;
    }
    if (BIT(x->code) & RUNS) {
        build_inputs(x, r);
        build_outputs(x, r);
    } else if (x->code == OP_FETCH || x->code == OP_FETCH_V2) {
        x->var = -1;
        build_outputs(x, r);
    }
    if (x->code == OP_RUN_V2 || x->code == OP_RUN_V2B) {
        uint8_t m = u8(r);
        pds_run_options_init(&x->ro);
        switch (m % 16) {
        case 0: x->ro_null = true; x->ro_bad = true; break;
        case 1: x->ro.struct_size = m % 3 ? 8 : 0; x->ro_bad = true; break;
        case 2: x->ro.flags = 1u << (m >> 4); x->ro_bad = true; break;
        case 3:
        case 4:
        case 5: x->id_in = pds_run_id_new(); x->id_kind = 10; break;
        case 6: /* held at a checkpoint until the main thread cancels it */
        case 7:
            x->id_in = pds_run_id_new();
            x->id_kind = 10;
            x->wait_at = 1 + (m >> 4) % 12;
            break;
        case 8:
            x->id_in = pick_id(s, bk, r, x->dobj, &x->id_kind);
            x->ro_bad = x->id_kind == 7; /* never issued */
            break;
        case 9: /* never issued */
            x->id_in = (m & 16) ? UINT64_MAX : ((uint64_t)1 << 60) + m;
            x->id_kind = 7;
            x->ro_bad = true;
            break;
        default: break; /* 0: the library takes an id */
        }
        x->ro.run_id = x->id_in;
        x->ro.wait_at_checkpoint = x->wait_at;
    } else if (x->code == OP_FETCH_V2 || x->code == OP_CANCEL_RUN) {
        x->id_in = pick_id(s, bk, r, x->dobj, &x->id_kind);
    }
}

/* ------------------------------------------------------------------------ */
/* Executing                                                                 */
/* ------------------------------------------------------------------------ */

static pds_status load_op(op *x)
{
    const fixture *f = &fix[x->fix];
    pds_error *e = x->use_err ? &x->err : NULL;
    pds_model_options o;
    pds_model_options_init(&o);
    /* Each fixture keeps its kernels (options NULL is the fast path). */
    o.flags = f->flags;
    const pds_model_options *opt = f->flags || (x->b & 1) ? &o : NULL;
    x->load_good = true;
    switch (x->load_mode) {
    case 0: /* the library finds the parameters (the fixture directories hold both formats,
             * so the directory path itself is ambiguous) */
        return pds_model_load_files(f->json_path, NULL, opt, &x->out_h, e);
    case 1:
        return pds_model_load_files(f->json_path, f->params_path, opt, &x->out_h, e);
    case 2:
        return pds_model_load_files(f->model_path, f->params_path, opt, &x->out_h, e);
    case 3:
        return pds_model_load_buffers(f->json_bytes, f->json_len, f->params, f->params_len, opt,
                                      &x->out_h, e);
    case 4:
        return pds_model_load_buffers(f->pdmodel, f->pdmodel_len, f->params, f->params_len, opt,
                                      &x->out_h, e);
    default:
        break;
    }
    x->load_good = false;
    switch (x->load_mode) {
    case 5:
        x->load_bad = BIT(PDS_ERR_IO);
        return pds_model_load_files("/nonexistent/pdsafe/fuzz.pdmodel", NULL, NULL, &x->out_h,
                                    e);
    case 6:
        o.struct_size = x->b % 16;
        x->load_bad = BIT(PDS_ERR_INVALID_ARGUMENT);
        return pds_model_load_files(f->model_path, f->params_path, &o, &x->out_h, e);
    case 7:
        o.max_ops = 1;
        x->load_bad = BIT(PDS_ERR_LIMIT);
        return pds_model_load_buffers(f->pdmodel, f->pdmodel_len, f->params, f->params_len, &o,
                                      &x->out_h, e);
    case 8:
        x->load_bad = BIT(PDS_ERR_INVALID_ARGUMENT);
        if (x->b & 1)
            return pds_model_load_buffers(NULL, 10, NULL, 0, NULL, &x->out_h, e);
        x->out_null = (x->b & 2) != 0;
        return pds_model_load_buffers(f->pdmodel, f->pdmodel_len, NULL, 7, NULL,
                                      x->out_null ? NULL : &x->out_h, e);
    default: { /* a cut program: may even load, as a smaller valid program */
        bool json = x->load_mode == 10;
        const void *m = json ? f->json_bytes : f->pdmodel;
        size_t len = json ? f->json_len : f->pdmodel_len;
        size_t cut = 1 + (size_t)x->b * (len - 1) / 256;
        x->load_bad = BIT(PDS_OK) | BIT(PDS_ERR_MODEL_FORMAT) | BIT(PDS_ERR_UNSUPPORTED_OP) |
                      BIT(PDS_ERR_LIMIT) | BIT(PDS_ERR_SHAPE) | BIT(PDS_ERR_INVALID_ARGUMENT);
        return pds_model_load_buffers(m, cut, f->params, f->params_len, NULL, &x->out_h, e);
    }
    }
}

static void exec_op(op *x)
{
    pds_error *e = x->use_err ? &x->err : NULL;
    memset(&x->err, 0xa5, sizeof x->err);
    switch (x->code) {
    case OP_LOAD:
        x->out_h = 0xdeadbeef;
        x->st = load_op(x);
        if (x->st == PDS_OK && x->load_mode >= 9) {
            /* A cut program that still loaded is some other, smaller program:
             * this fuzzer knows nothing of its inputs, so it goes at once. */
            x->load_dropped = true;
            memset(&x->drop_err, 0xa5, sizeof x->drop_err);
            x->drop_st = pds_model_destroy(x->out_h, &x->drop_err);
        }
        break;
    case OP_MODEL_DESTROY:
        x->st = pds_model_destroy(x->h, e);
        break;
    case OP_PRED_CREATE:
        x->out_h = 0xdeadbeef;
        x->st = pds_predictor_create(x->h, x->po_null ? NULL : &x->po,
                                     x->out_null ? NULL : &x->out_h, e);
        break;
    case OP_PRED_DESTROY:
        x->st = pds_predictor_destroy(x->h, e);
        break;
    case OP_RUN:
    case OP_RUN_B:
        x->st = pds_predictor_run(x->h, x->in_ptr, x->n_in, x->out_ptr, x->n_out, e);
        break;
    case OP_RUN_V2:
    case OP_RUN_V2B:
        x->st = pds_predictor_run_v2(x->h, x->ro_null ? NULL : &x->ro, x->in_ptr, x->n_in,
                                     x->out_ptr, x->n_out, e);
        break;
    case OP_FETCH:
        x->st = pds_predictor_fetch(x->h, x->out_ptr, x->n_out, e);
        break;
    case OP_FETCH_V2:
        x->st = pds_predictor_fetch_v2(x->h, x->id_in, x->out_ptr, x->n_out, e);
        break;
    case OP_CANCEL:
        x->st = pds_predictor_cancel(x->h, e);
        break;
    case OP_CANCEL_RUN:
        x->st = pds_predictor_cancel_run(x->h, x->id_in, e);
        break;
    case OP_RUN_ID_NEW:
        x->ids[0] = pds_run_id_new();
        x->ids[1] = pds_run_id_new();
        x->st = PDS_OK;
        /* The static lookups ride along: any value, any thread. */
        x->names[0] = pds_status_name((pds_status)x->a);
        x->names[1] = pds_status_text((pds_status)x->a);
        x->names[2] = pds_dtype_name((pds_dtype)x->a);
        x->count = pds_dtype_size((pds_dtype)x->a);
        x->cap = pds_abi_version();
        break;
    case OP_PRED_INFO:
        switch (x->a % 6) {
        case 0:
            x->pstats.struct_size = sizeof x->pstats;
            x->st = pds_predictor_get_stats(x->h, &x->pstats, e);
            break;
        case 1:
            x->pstats.struct_size = x->b % sizeof x->pstats;
            x->st = pds_predictor_get_stats(x->h, (x->b & 1) ? NULL : &x->pstats, e);
            break;
        case 2:
        case 3:
            x->cap = x->b % 5;
            x->st = pds_predictor_get_profile(x->h, x->steps, x->cap, &x->count, e);
            break;
        case 4:
            x->cap = 1 + x->b % 4;
            x->st = pds_predictor_get_profile(x->h, NULL, x->cap, &x->count, e);
            break;
        default:
            x->st = pds_predictor_get_profile(x->h, x->steps, 4, NULL, e);
            break;
        }
        break;
    case OP_MODEL_INFO:
        x->index = x->b % 20;
        switch (x->a % 8) {
        case 0: x->st = pds_model_input_count(x->h, &x->count, e); break;
        case 1: x->st = pds_model_output_count(x->h, &x->count, e); break;
        case 2: x->st = pds_model_input_info(x->h, x->index % 6, &x->info, e); break;
        case 3: x->st = pds_model_output_info(x->h, x->index, &x->info, e); break;
        case 4:
            x->mstats.struct_size = (x->c & 1) ? x->c % sizeof x->mstats : sizeof x->mstats;
            x->st = pds_model_get_stats(x->h, &x->mstats, e);
            break;
        case 5:
            x->cap = x->c % 2 ? x->c % sizeof x->typebuf : sizeof x->typebuf;
            x->needed = 0;
            x->st = pds_model_op_type(x->h, x->index, (x->c & 2) && !x->cap ? NULL : x->typebuf,
                                      x->cap, (x->c & 4) ? NULL : &x->needed, e);
            break;
        case 6:
            x->st = (x->c & 1) ? pds_model_input_count(x->h, NULL, e)
                               : pds_model_input_info(x->h, 0, NULL, e);
            break;
        default:
            x->st = pds_model_get_stats(x->h, NULL, e);
            break;
        }
        break;
    default:
        x->st = PDS_OK;
        break;
    }
}

/* How long a held run may take to go after its cancel_run
 * (FUZZ_API_RELEASE_TIMEOUT seconds, default 20), and whether the cancels
 * that release held runs are made before the block starts
 * (FUZZ_API_EARLY_RELEASE=1) rather than while its runs are under way. */
static int release_timeout_s = 20;
static bool early_release;

/* The worker pool: persistent threads, one block at a time. Worker i runs
 * the ops of thread i; only the workers a block needs are woken. */
static sem_t pool_go[MAX_THREADS], pool_done;
static block *pool_block;

static void exec_slice(block *bk, int thread)
{
    for (int i = 0; i < bk->n; i++)
        if (bk->ops[i].thread == thread) {
            exec_op(&bk->ops[i]);
            __atomic_store_n(&bk->ops[i].done, 1, __ATOMIC_RELEASE);
        }
}

static void *worker_main(void *arg)
{
    int me = (int)(intptr_t)arg;
    for (;;) {
        while (sem_wait(&pool_go[me]) != 0)
            continue;
        exec_slice(pool_block, me);
        sem_post(&pool_done);
    }
    return NULL;
}

/* Runs a block. Without held runs the main thread takes thread 0's ops and
 * the workers the others. With held runs (wait_at_checkpoint) the main
 * thread only releases them: it cancels each once by its id, the release
 * the header promises, then waits; a run still held RELEASE_TIMEOUT_S later
 * lost that cancel. */
static void release_held(block *bk)
{
    for (int i = 0; i < bk->n; i++) {
        op *x = &bk->ops[i];
        if (x->wait_at && x->id_in) {
            memset(&bk->release_err[i], 0xa5, sizeof bk->release_err[i]);
            bk->release_st[i] = pds_predictor_cancel_run(x->h, x->id_in, &bk->release_err[i]);
        }
    }
}

static void run_block(block *bk)
{
    bool held = false;
    for (int i = 0; i < bk->n; i++)
        held |= bk->ops[i].wait_at != 0;
    int first = held ? 0 : 1, workers = bk->threads - first;
    /* Early release: the cancels go before the runs start, so each held run
     * finds its id among the pending cancels as it begins. */
    if (held && early_release)
        release_held(bk);
    pool_block = bk;
    for (int t = first; t < bk->threads; t++)
        sem_post(&pool_go[t]);
    if (!held) {
        exec_slice(bk, 0);
        for (int k = 0; k < workers; k++)
            while (sem_wait(&pool_done) != 0)
                continue;
        return;
    }
    if (!early_release) {
        /* Let the held runs get under way first: cancelling a run in the
         * middle is the case wait_at_checkpoint exists for. */
        struct timespec ts = {0, 2000000};
        nanosleep(&ts, NULL);
        release_held(bk);
    }
    /* With PDS_PENDING_CANCELS or more other cancel_run calls in the block a
     * held run may have been forgotten before it began (the header allows
     * it): then it is cancelled again soon, and only in the other case is a
     * held run that stays a find. */
    int others = 0;
    for (int i = 0; i < bk->n; i++)
        if (bk->ops[i].code == OP_CANCEL_RUN)
            others++;
    bool may_forget = others >= PDS_PENDING_CANCELS - 1;
    struct timespec deadline;
    clock_gettime(CLOCK_REALTIME, &deadline);
    if (may_forget)
        deadline.tv_nsec += 50000000;
    else
        deadline.tv_sec += release_timeout_s;
    if (deadline.tv_nsec >= 1000000000) {
        deadline.tv_sec++;
        deadline.tv_nsec -= 1000000000;
    }
    int finished = 0;
    while (finished < workers) {
        if (sem_timedwait(&pool_done, &deadline) == 0) {
            finished++;
            continue;
        }
        if (errno != ETIMEDOUT)
            continue;
        if (!may_forget) {
            for (int i = 0; i < bk->n; i++) {
                op *x = &bk->ops[i];
                if (!__atomic_load_n(&x->done, __ATOMIC_ACQUIRE))
                    fprintf(stderr, "fuzz_api_sequence: block %d op %d (%s, thread %d, run id "
                            "%llu, wait_at %u) still running %d s after its cancel_run\n",
                            bk->no, i, op_names[x->code], x->thread,
                            (unsigned long long)x->id_in, x->wait_at, release_timeout_s);
            }
            die("a run held at a checkpoint was not released by cancel_run of its id (%d "
                "other cancel_run calls in the block)", others);
        }
        /* Forgotten as the header allows: cancel again until it goes. */
        for (int i = 0; i < bk->n; i++)
            if (bk->ops[i].wait_at && !__atomic_load_n(&bk->ops[i].done, __ATOMIC_ACQUIRE))
                pds_predictor_cancel_run(bk->ops[i].h, bk->ops[i].id_in, NULL);
        clock_gettime(CLOCK_REALTIME, &deadline);
        deadline.tv_nsec += 1000000;
        if (deadline.tv_nsec >= 1000000000) {
            deadline.tv_sec++;
            deadline.tv_nsec -= 1000000000;
        }
    }
}

/* ------------------------------------------------------------------------ */
/* Checking                                                                  */
/* ------------------------------------------------------------------------ */

static void fail(const block *bk, const op *x, const char *what)
{
    fprintf(stderr,
            "fuzz_api_sequence: invariant broken: %s\n  block %d (%d threads), op %d: %s on "
            "thread %d, handle 0x%016llx, args %u %u %u, run id %llu (kind %d), wait_at %u\n"
            "  status %d %s, message: %s\n",
            what, bk->no, bk->threads, x->pos, op_names[x->code], x->thread,
            (unsigned long long)x->h, x->a, x->b, x->c, (unsigned long long)x->id_in,
            x->id_kind, x->wait_at, (int)x->st, pds_status_name(x->st),
            x->use_err && x->st != PDS_OK && memchr(x->err.message, 0, sizeof x->err.message)
                ? x->err.message
                : "(none)");
    abort();
}

static void check_err(const block *bk, const op *x, pds_status st, const pds_error *e,
                      bool used)
{
    if ((unsigned)st >= N_STATUS)
        fail(bk, x, "status outside the header's list");
    if (!used)
        return;
    if (st == PDS_OK) {
        pds_error sentinel;
        memset(&sentinel, 0xa5, sizeof sentinel);
        if (memcmp(e, &sentinel, sizeof sentinel) != 0)
            fail(bk, x, "pds_error changed by a call that succeeded");
        return;
    }
    if (e->code != st)
        fail(bk, x, "pds_error.code differs from the status returned");
    if (!memchr(e->message, 0, sizeof e->message))
        fail(bk, x, "error message not NUL-terminated");
    if (e->message[0] == '\0')
        fail(bk, x, "empty error message");
}

/* Is object o touched by another op of the block, on another thread, with
 * one of the codes in mask? */
static bool raced(const state *s, const block *bk, const op *x, int o, uint32_t codes)
{
    for (int i = 0; i < bk->n; i++) {
        const op *y = &bk->ops[i];
        if (y != x && y->thread != x->thread && (codes & BIT(y->code)) && obj_of(s, y->h) == o)
            return true;
    }
    return false;
}

/* Any other op of the block (any thread) with a code in mask on o? */
static bool touched(const state *s, const block *bk, const op *x, int o, uint32_t codes)
{
    for (int i = 0; i < bk->n; i++) {
        const op *y = &bk->ops[i];
        if (y != x && (codes & BIT(y->code)) && obj_of(s, y->h) == o)
            return true;
    }
    return false;
}


/* What the handle of x allows, for a call that wants `kind`:
 * returns the handle errors allowed; *go: the call may get past the lookup;
 * *o: the object (or -1); *lenient: h is an object created in this very
 * block, which the decoder could not know, so anything goes. */
static uint32_t handle_outcome(const state *s, const block *bk, const op *x, int kind, bool *go,
                               int *o, bool *lenient)
{
    *o = obj_of(s, x->h);
    *go = false;
    *lenient = false;
    if (x->h == 0)
        return BIT(PDS_ERR_INVALID_HANDLE);
    if (*o < 0) /* forged, never equal to a handle of this input */
        return HANDLE_ERRS;
    const obj *ob = &s->objs[*o];
    if (ob->born == bk->no) {
        *lenient = true;
        *go = true;
        return ANY_STATUS;
    }
    if (ob->kind != kind)
        return BIT(PDS_ERR_WRONG_HANDLE_KIND);
    if (!ob->live)
        return BIT(PDS_ERR_STALE_HANDLE);
    *go = true;
    uint32_t destroyers = kind == KIND_MODEL ? BIT(OP_MODEL_DESTROY) : BIT(OP_PRED_DESTROY);
    return touched(s, bk, x, *o, destroyers) ? BIT(PDS_ERR_STALE_HANDLE) : 0;
}

static bool cancel_recorded(const state *s, int o, uint64_t id)
{
    for (int i = 0; i < s->n_cancels; i++)
        if (s->cancels[i].obj == o && s->cancels[i].id == id)
            return true;
    return false;
}

static bool descriptors_untouched(const op *x)
{
    return memcmp(x->out, x->out_before, sizeof x->out) == 0;
}

/* Did run x keep a result (success, or a BUFFER_SIZE about the outputs)? */
static bool run_succeeded(const op *x)
{
    return x->st == PDS_OK || (x->st == PDS_ERR_BUFFER_SIZE && x->in_valid);
}

/* The id run x ran under: the one passed, else the one the library took. */
static uint64_t run_id_of(const op *x)
{
    if (x->code != OP_RUN_V2 && x->code != OP_RUN_V2B)
        return 0;
    return x->id_in ? x->id_in : x->ro.run_id;
}

/* The variants a predictor's kept result may be after this block, for a
 * fetch in it: what it had, plus every run of the block that succeeded. */
static uint32_t fetch_mask(const state *s, const block *bk, int o)
{
    uint32_t m = s->objs[o].mask;
    for (int i = 0; i < bk->n; i++) {
        const op *y = &bk->ops[i];
        if ((BIT(y->code) & RUNS) && obj_of(s, y->h) == o &&
            run_succeeded(y))
            m |= y->var >= 0 ? BIT(y->var) : UNKNOWN_VAR;
    }
    return m;
}

static void check_outputs_written(const block *bk, const op *x, const fixture *f, uint32_t mask)
{
    if (x->n_out == 0)
        return;
    if (x->st == PDS_ERR_BUFFER_SIZE) {
        /* Every descriptor says what is needed. */
        for (size_t i = 0; i < f->n_out; i++)
            if (x->out[i].rank < 0 || x->out[i].rank > PDS_MAX_RANK ||
                pds_dtype_size(x->out[i].dtype) == 0)
                fail(bk, x, "BUFFER_SIZE left an output descriptor unset");
        bool some_short = false;
        for (size_t i = 0; i < f->n_out; i++)
            if (!x->out[i].data || x->out[i].byte_length < tensor_bytes(&x->out[i]))
                some_short = true;
        if (!some_short)
            fail(bk, x, "BUFFER_SIZE though every output buffer is large enough");
        return;
    }
    if (mask & UNKNOWN_VAR)
        return;
    for (int v = 0; v < N_VAR; v++)
        if ((mask & BIT(v)) && outputs_match(f, v, x->out))
            return;
    fail(bk, x, "outputs are not what the run that produced them computes");
}

/* Was run id `id` on object o asked to stop: by a cancel_run before this
 * block or in it, or (for x) by a pds_predictor_cancel on another thread? */
static bool may_be_cancelled(const state *s, const block *bk, const op *x, int o, uint64_t id)
{
    if (x->wait_at || raced(s, bk, x, o, BIT(OP_CANCEL)))
        return true;
    if (!id)
        return false;
    if (cancel_recorded(s, o, id))
        return true;
    for (int i = 0; i < bk->n; i++) {
        const op *y = &bk->ops[i];
        if (y->code == OP_CANCEL_RUN && y->id_in == id && obj_of(s, y->h) == o)
            return true;
    }
    return false;
}

/* May run_v2 x be refused for reusing an id: one picked from earlier runs,
 * or one another run_v2 of the block passes to the same predictor. */
static bool id_may_be_reused(const state *s, const block *bk, const op *x, int o)
{
    if (x->id_kind >= 1 && x->id_kind <= 5)
        return true;
    for (int i = 0; i < bk->n; i++) {
        const op *y = &bk->ops[i];
        if (y != x && (y->code == OP_RUN_V2 || y->code == OP_RUN_V2B) && y->id_in == x->id_in &&
            obj_of(s, y->h) == o)
            return true;
    }
    return false;
}

static void check_run(const state *s, const block *bk, op *x)
{
    const fixture *f = &fix[x->fix];
    bool go, lenient;
    int o;
    uint32_t allowed = handle_outcome(s, bk, x, KIND_PRED, &go, &o, &lenient);
    bool v2 = x->code == OP_RUN_V2 || x->code == OP_RUN_V2B;
    if (lenient) {
        if (!(ANY_STATUS & BIT(x->st)))
            fail(bk, x, "status outside the header's list");
        return;
    }
    /* The options are checked whatever the handle. */
    if (v2 && x->ro_bad)
        allowed |= BIT(PDS_ERR_INVALID_ARGUMENT);
    if (go && !(v2 && x->ro_bad)) {
        const obj *ob = &s->objs[o];
        if (x->in_bad)
            allowed |= BIT(PDS_ERR_DTYPE) | BIT(PDS_ERR_SHAPE) | BIT(PDS_ERR_BUFFER_SIZE) |
                       BIT(PDS_ERR_LIMIT) | BIT(PDS_ERR_INVALID_ARGUMENT);
        if (x->out_args_bad)
            allowed |= BIT(PDS_ERR_INVALID_ARGUMENT);
        if (!x->in_bad && !x->out_args_bad) {
            if (x->n_out == 0 || (x->out_fit && x->var >= 0))
                allowed |= BIT(PDS_OK);
            else if (!x->out_fit && x->var >= 0)
                allowed |= BIT(PDS_ERR_BUFFER_SIZE);
            else
                allowed |= BIT(PDS_OK) | BIT(PDS_ERR_BUFFER_SIZE);
        }
        /* A reused id is refused if it was this predictor's previous run;
         * if not, it is the caller's error, and a cancel of the earlier run
         * by that id may hit this one. */
        if (v2 && x->id_in && id_may_be_reused(s, bk, x, o))
            allowed |= BIT(PDS_ERR_INVALID_ARGUMENT) | BIT(PDS_ERR_CANCELLED);
        if (!(ob->pflags & PDS_PREDICTOR_SERIALIZE) && raced(s, bk, x, o, ENTERS))
            allowed |= BIT(PDS_ERR_BUSY);
        if (may_be_cancelled(s, bk, x, o, run_id_of(x)))
            allowed |= BIT(PDS_ERR_CANCELLED);
    }
    if (!(allowed & BIT(x->st)))
        fail(bk, x, "status not allowed here");
    /* Descriptors: written only on success or an output-side BUFFER_SIZE. */
    if (!run_succeeded(x) && !descriptors_untouched(x))
        fail(bk, x, x->st == PDS_ERR_BUFFER_SIZE
                        ? "an input-side BUFFER_SIZE changed the output descriptors"
                        : "a failed run changed the output descriptors");
    if (run_succeeded(x))
        check_outputs_written(bk, x, f, x->var >= 0 ? BIT(x->var) : UNKNOWN_VAR);
    if (!v2 || x->ro_null)
        return;
    if (x->id_in && x->ro.run_id != x->id_in)
        fail(bk, x, "run_v2 changed a run id the caller chose");
    if (x->id_in == 0 && (BIT(x->st) & HANDLE_ERRS) && x->ro.run_id != 0)
        fail(bk, x, "run_v2 failed on its handle but returned a run id");
    if (x->id_in == 0 && x->st == PDS_OK && x->ro.run_id <= bk->max_id_before)
        fail(bk, x, "run_v2 returned a run id issued before it started");
}

static void check_fetch(const state *s, const block *bk, op *x)
{
    const fixture *f = &fix[x->fix];
    bool go, lenient;
    int o;
    uint32_t allowed = handle_outcome(s, bk, x, KIND_PRED, &go, &o, &lenient);
    bool v2 = x->code == OP_FETCH_V2;
    if (v2 && x->id_in == 0)
        allowed |= BIT(PDS_ERR_INVALID_ARGUMENT);
    if (go && !lenient && !(v2 && x->id_in == 0)) {
        const obj *ob = &s->objs[o];
        bool ran = ob->ever_ok || touched(s, bk, x, o, RUNS);
        allowed |= BIT(PDS_ERR_INVALID_STATE) | (v2 ? BIT(PDS_ERR_RESULT_GONE) : 0);
        if (x->out_args_bad || x->n_out == 0)
            allowed |= BIT(PDS_ERR_INVALID_ARGUMENT);
        else if (ran)
            allowed |= BIT(PDS_OK) | BIT(PDS_ERR_BUFFER_SIZE);
        if (!(ob->pflags & PDS_PREDICTOR_SERIALIZE) && raced(s, bk, x, o, ENTERS))
            allowed |= BIT(PDS_ERR_BUSY);
    }
    if (lenient)
        allowed = ANY_STATUS;
    if (!(allowed & BIT(x->st)))
        fail(bk, x, "status not allowed here");
    bool wrote = x->st == PDS_OK || x->st == PDS_ERR_BUFFER_SIZE;
    if (!wrote && !descriptors_untouched(x))
        fail(bk, x, "a failed fetch changed the output descriptors");
    if (!wrote || lenient)
        return;
    uint32_t mask = fetch_mask(s, bk, o);
    if (v2) {
        /* The result handed out must be run id_in's, on this predictor. */
        mask = 0;
        for (int i = 0; i < s->n_runs; i++)
            if (s->runs[i].obj == o && s->runs[i].id == x->id_in)
                mask |= s->runs[i].var >= 0 ? BIT(s->runs[i].var) : UNKNOWN_VAR;
        for (int i = 0; i < bk->n; i++) {
            const op *y = &bk->ops[i];
            if (run_id_of(y) == x->id_in && obj_of(s, y->h) == o && run_succeeded(y))
                mask |= y->var >= 0 ? BIT(y->var) : UNKNOWN_VAR;
        }
        if (!mask)
            fail(bk, x, "fetch_v2 handed out a result for a run id that did not succeed on "
                        "this predictor");
    }
    check_outputs_written(bk, x, f, mask);
}

/* A constructor sets *out to the handle on success and to 0 on failure. */
static void check_out_handle(const block *bk, const op *x)
{
    if (x->out_null) {
        if (x->st == PDS_OK)
            fail(bk, x, "a constructor with out NULL succeeded");
        return;
    }
    if (x->st == PDS_OK && (x->out_h == 0 || x->out_h == 0xdeadbeef))
        fail(bk, x, "a constructor succeeded without setting *out");
    if (x->st != PDS_OK && x->out_h != 0)
        fail(bk, x, "a constructor failed without setting *out to 0");
}

static void check_op(const state *s, const block *bk, op *x)
{
    const fixture *f = &fix[x->fix];
    bool go = false, lenient = false;
    int o = -1;
    uint32_t allowed = 0;
    check_err(bk, x, x->st, &x->err, x->use_err);
    switch (x->code) {
    case OP_LOAD:
        allowed = x->load_good ? BIT(PDS_OK) : x->load_bad;
        if (!(allowed & BIT(x->st)))
            fail(bk, x, "load status not allowed here");
        check_out_handle(bk, x);
        if (x->load_dropped) {
            check_err(bk, x, x->drop_st, &x->drop_err, true);
            if (x->drop_st != PDS_OK)
                fail(bk, x, "destroying a model just loaded failed");
        }
        return;
    case OP_MODEL_DESTROY:
        allowed = handle_outcome(s, bk, x, KIND_MODEL, &go, &o, &lenient);
        if (x->h == 0)
            allowed = BIT(PDS_OK);
        else if (go)
            allowed |= BIT(PDS_OK);
        if (go && !lenient && s->objs[o].fixed)
            fail(bk, x, "the fuzzer destroyed a start-up model"); /* cannot happen: see decode */
        break;
    case OP_PRED_DESTROY:
        allowed = handle_outcome(s, bk, x, KIND_PRED, &go, &o, &lenient);
        if (x->h == 0)
            allowed = BIT(PDS_OK);
        else if (go) {
            allowed |= BIT(PDS_OK);
            if (raced(s, bk, x, o, ENTERS))
                allowed |= BIT(PDS_ERR_BUSY);
        }
        break;
    case OP_PRED_CREATE:
        allowed = handle_outcome(s, bk, x, KIND_MODEL, &go, &o, &lenient);
        if (x->po_bad)
            allowed |= BIT(PDS_ERR_INVALID_ARGUMENT);
        else if (go)
            allowed |= BIT(PDS_OK);
        check_out_handle(bk, x);
        break;
    case OP_RUN:
    case OP_RUN_B:
    case OP_RUN_V2:
    case OP_RUN_V2B:
        check_run(s, bk, x);
        return;
    case OP_FETCH:
    case OP_FETCH_V2:
        check_fetch(s, bk, x);
        return;
    case OP_CANCEL:
        allowed = handle_outcome(s, bk, x, KIND_PRED, &go, &o, &lenient);
        if (go)
            allowed |= BIT(PDS_OK);
        break;
    case OP_CANCEL_RUN:
        allowed = handle_outcome(s, bk, x, KIND_PRED, &go, &o, &lenient);
        if (x->id_in == 0)
            allowed |= BIT(PDS_ERR_INVALID_ARGUMENT);
        else if (go)
            allowed |= BIT(PDS_OK);
        break;
    case OP_RUN_ID_NEW: {
        if (x->ids[0] == 0 || x->ids[1] <= x->ids[0] || x->ids[0] <= bk->max_id_before)
            fail(bk, x, "pds_run_id_new: 0, not increasing, or issued twice");
        bool known = x->a < N_STATUS;
        if (!x->names[0] || !x->names[1] || !x->names[2] ||
            (strcmp(x->names[0], "PDS_UNKNOWN_STATUS") == 0) == known ||
            (known && strncmp(x->names[0], "PDS_", 4) != 0))
            fail(bk, x, "pds_status_name / pds_status_text / pds_dtype_name");
        if ((x->count != 0) != (x->a >= PDS_FLOAT32 && x->a <= PDS_BFLOAT16) ||
            x->cap != PDS_ABI_VERSION)
            fail(bk, x, "pds_dtype_size or pds_abi_version");
        return;
    }
    case OP_PRED_INFO: {
        allowed = handle_outcome(s, bk, x, KIND_PRED, &go, &o, &lenient);
        int which = x->a % 6;
        /* Case 1 is refused for NULL stats or a struct_size (b % sizeof)
         * that ends before `backend`; one that reaches into `backend`
         * (appended later) is an older caller's, and accepted. */
        bool short_stats = (x->b & 1) || x->b % sizeof x->pstats < offsetof(pds_predictor_stats,
                                                                             backend);
        bool bad = (which == 1 && short_stats) || which == 4 || which == 5;
        if (bad)
            allowed |= BIT(PDS_ERR_INVALID_ARGUMENT);
        else if (go) {
            allowed |= BIT(PDS_OK);
            if (!lenient && !(s->objs[o].pflags & PDS_PREDICTOR_SERIALIZE) &&
                raced(s, bk, x, o, ENTERS))
                allowed |= BIT(PDS_ERR_BUSY);
        }
        if (x->st == PDS_OK && which == 0 &&
            (x->pstats.fast > 1 || x->pstats.num_threads < 1 ||
             x->pstats.fast_steps > x->pstats.steps))
            fail(bk, x, "predictor stats out of range");
        if (x->st == PDS_OK && (which == 2 || which == 3)) {
            if (x->count && !lenient && go && !(s->objs[o].pflags & PDS_PREDICTOR_PROFILE))
                fail(bk, x, "a profile from a predictor made without PDS_PREDICTOR_PROFILE");
            for (size_t i = 0; i < x->count && i < x->cap; i++)
                if (!memchr(x->steps[i].op_type, 0, sizeof x->steps[i].op_type) ||
                    !memchr(x->steps[i].kernel, 0, sizeof x->steps[i].kernel))
                    fail(bk, x, "profile strings not NUL-terminated");
        }
        break;
    }
    case OP_MODEL_INFO: {
        allowed = handle_outcome(s, bk, x, KIND_MODEL, &go, &o, &lenient);
        int which = x->a % 8;
        /* A model loaded by the input may be the fixture's other format,
         * whose op count and names differ: exact answers only for the
         * start-up models. */
        bool exact = go && !lenient && s->objs[o].fixed;
        const fixture *mf = o >= 0 ? &fix[s->objs[o].fix] : f;
        bool arg_bad = which >= 6 || (which == 4 && (x->c & 1));
        if (arg_bad)
            allowed |= BIT(PDS_ERR_INVALID_ARGUMENT);
        else if (go && !lenient) {
            switch (which) {
            case 2:
                allowed |= x->index % 6 < mf->n_in ? BIT(PDS_OK) : BIT(PDS_ERR_INVALID_ARGUMENT);
                break;
            case 3:
                allowed |= x->index < mf->n_out ? BIT(PDS_OK) : BIT(PDS_ERR_INVALID_ARGUMENT);
                break;
            case 5:
                allowed |= !exact ? BIT(PDS_OK) | BIT(PDS_ERR_BUFFER_SIZE) |
                                        BIT(PDS_ERR_INVALID_ARGUMENT)
                           : x->index < mf->op_count ? BIT(PDS_OK) | BIT(PDS_ERR_BUFFER_SIZE)
                                                     : BIT(PDS_ERR_INVALID_ARGUMENT);
                break;
            default:
                allowed |= BIT(PDS_OK);
            }
        }
        if (x->st == PDS_OK && go && !lenient) {
            if ((which == 0 && x->count != mf->n_in) || (which == 1 && x->count != mf->n_out))
                fail(bk, x, "wrong input/output count");
            if ((which == 2 || which == 3) &&
                (!memchr(x->info.name, 0, sizeof x->info.name) || x->info.rank < -1 ||
                 x->info.rank > PDS_MAX_RANK))
                fail(bk, x, "tensor info: name not NUL-terminated or rank out of range");
            if (exact && which == 2 &&
                memcmp(&x->info, &mf->in_info[x->index % 6], sizeof x->info))
                fail(bk, x, "wrong input info");
            if (exact && which == 3 && memcmp(&x->info, &mf->out_info[x->index], sizeof x->info))
                fail(bk, x, "wrong output info");
            if (exact && which == 4 && x->mstats.op_count != mf->op_count)
                fail(bk, x, "wrong model stats");
            if (which == 5 && (!memchr(x->typebuf, 0, x->cap) ||
                               ((x->c & 4) == 0 && strlen(x->typebuf) + 1 != x->needed)))
                fail(bk, x, "op_type string");
        }
        if (x->st == PDS_ERR_BUFFER_SIZE && which == 5 && !(x->c & 4) && x->needed <= x->cap)
            fail(bk, x, "op_type: BUFFER_SIZE with needed <= cap");
        break;
    }
    default:
        return;
    }
    if (lenient)
        allowed = ANY_STATUS;
    if (!(allowed & BIT(x->st)))
        fail(bk, x, "status not allowed here");
}

/* ------------------------------------------------------------------------ */
/* The input                                                                 */
/* ------------------------------------------------------------------------ */

static pthread_once_t init_once = PTHREAD_ONCE_INIT;
/* FUZZ_API_TRACE=1 in the environment prints every op of every block, so
 * that a replay of one input shows what its bytes mean. */
static bool trace;

static void global_init(void)
{
    const char *root = getenv("PDSAFE_FIXTURES");
    if (!root || !*root)
        root = PDSAFE_FIXTURES_DEFAULT;
    for (int i = 0; i < N_FIX; i++)
        load_fixture(&fix[i], root);
    if (sem_init(&pool_done, 0, 0) != 0)
        die("sem_init failed");
    for (int i = 0; i < MAX_THREADS; i++) {
        pthread_t t;
        if (sem_init(&pool_go[i], 0, 0) != 0)
            die("sem_init failed");
        if (pthread_create(&t, NULL, worker_main, (void *)(intptr_t)i) != 0)
            die("cannot start worker threads");
        pthread_detach(t);
    }
    pds_get_live_objects(&baseline);
    trace = getenv("FUZZ_API_TRACE") != NULL;
    early_release = getenv("FUZZ_API_EARLY_RELEASE") != NULL;
    const char *t = getenv("FUZZ_API_RELEASE_TIMEOUT");
    if (t && atoi(t) > 0)
        release_timeout_s = atoi(t);
}

/* Objects made by a block, added before its checks so that a forged handle
 * that happens to equal one of them is recognised (and judged leniently: the
 * decoder could not know it). A cut program that loaded was destroyed at
 * once by its op; it is kept as a dead object for the same reason. */
static void add_new_objects(state *s, const block *bk)
{
    for (int i = 0; i < bk->n; i++) {
        const op *x = &bk->ops[i];
        if (x->st != PDS_OK || !x->out_h || (x->code != OP_LOAD && x->code != OP_PRED_CREATE))
            continue;
        obj *ob = &s->objs[s->n_objs++];
        memset(ob, 0, sizeof *ob);
        ob->h = x->out_h;
        ob->live = !x->load_dropped;
        ob->born = bk->no;
        if (x->code == OP_LOAD) {
            ob->kind = KIND_MODEL;
            ob->fix = x->fix;
        } else {
            int m = obj_of(s, x->h);
            ob->kind = KIND_PRED;
            ob->fix = m >= 0 ? s->objs[m].fix : 0;
            ob->pflags = x->po_null ? 0 : x->po.flags;
        }
    }
}

/* The rest of a finished block's effects: destroyed objects, cancels, kept
 * results, fresh ids. */
static void apply_block(state *s, const block *bk)
{
    for (int i = 0; i < bk->n; i++) {
        const op *x = &bk->ops[i];
        if (x->code == OP_RUN_ID_NEW)
            s->fresh[s->n_fresh++ % 8] = x->ids[1];
        int o = obj_of(s, x->h);
        if (o < 0)
            continue;
        if ((x->code == OP_MODEL_DESTROY || x->code == OP_PRED_DESTROY) && x->st == PDS_OK)
            s->objs[o].live = false;
        if (((x->code == OP_CANCEL_RUN && x->st == PDS_OK) || (x->wait_at && x->id_in)) &&
            s->n_cancels < MAX_RECS)
            s->cancels[s->n_cancels++] = (rec){o, x->id_in, -1};
    }
    /* Kept results: with one thread running a predictor, its last success
     * is the one kept; with several, any of them may be. */
    for (int o = 0; o < s->n_objs; o++) {
        obj *ob = &s->objs[o];
        int last = -1;
        unsigned threads = 0;
        uint32_t all = 0;
        for (int i = 0; i < bk->n; i++) {
            const op *x = &bk->ops[i];
            if (!(BIT(x->code) & RUNS) || obj_of(s, x->h) != o)
                continue;
            threads |= BIT(x->thread);
            if (!run_succeeded(x))
                continue;
            int var = ob->born == bk->no ? -1 : x->var;
            all |= var >= 0 ? BIT(var) : UNKNOWN_VAR;
            last = var;
            ob->ever_ok = true;
            uint64_t id = run_id_of(x);
            if (id && s->n_runs < MAX_RECS)
                s->runs[s->n_runs++] = (rec){o, id, var};
        }
        if (!all)
            continue;
        if (threads & (threads - 1))
            ob->mask |= all;
        else
            ob->mask = last >= 0 ? BIT(last) : UNKNOWN_VAR;
    }
}

static void free_block(block *bk)
{
    for (int i = 0; i < bk->n; i++)
        for (int k = 0; k < MAX_OUT + 1; k++)
            free(bk->ops[i].out_buf[k]);
}

/* Run ids seen in a block (issued before it, or during it by pds_run_id_new
 * and by run_v2) are all different. */
static void check_ids_unique(const block *bk)
{
    uint64_t ids[3 * MAX_BLOCK_OPS];
    const op *from[3 * MAX_BLOCK_OPS];
    int n = 0;
    for (int i = 0; i < bk->n; i++) {
        const op *x = &bk->ops[i];
        if (x->code == OP_RUN_ID_NEW) {
            ids[n] = x->ids[0], from[n++] = x;
            ids[n] = x->ids[1], from[n++] = x;
        } else if ((x->code == OP_RUN_V2 || x->code == OP_RUN_V2B) && x->id_kind == 10) {
            ids[n] = x->id_in, from[n++] = x;
        } else if ((x->code == OP_RUN_V2 || x->code == OP_RUN_V2B) && !x->ro_null &&
                   x->id_in == 0 && x->ro.run_id) {
            ids[n] = x->ro.run_id, from[n++] = x;
        }
    }
    for (int i = 0; i < n; i++)
        for (int j = i + 1; j < n; j++)
            if (ids[i] == ids[j])
                fail(bk, from[j], "one run id issued twice");
}


static void trace_op(const block *bk, const op *x, const char *when)
{
    fprintf(stderr, "%s block %d op %2d thread %d %-17s h=0x%016llx fix=%d var=%d in_valid=%d "
            "n_out=%zu fit=%d id=%llu (kind %d) wait_at=%u -> %s\n",
            when, bk->no, x->pos, x->thread, op_names[x->code], (unsigned long long)x->h,
            x->fix, x->var, x->in_valid, x->n_out, x->out_fit, (unsigned long long)x->id_in,
            x->id_kind, x->wait_at, x->done ? pds_status_name(x->st) : "-");
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    pthread_once(&init_once, global_init);
    static state s;
    static block bk;
    memset(&s, 0, sizeof s);
    for (int i = 0; i < N_FIX; i++)
        s.objs[s.n_objs++] = (obj){.h = fix[i].model, .kind = KIND_MODEL, .fix = i,
                                   .fixed = true, .live = true, .born = -1};
    rd r = {data, size, 0};
    int threads = 1 + u8(&r) % MAX_THREADS;
    for (int no = 0; r.i < r.n && s.n_ops < MAX_OPS; no++) {
        /* Only the header: ops are cleared as they are decoded (a whole
         * block is 180 KB, which would cost more than most of its calls). */
        memset(&bk, 0, offsetof(block, ops));
        bk.threads = threads;
        bk.no = no;
        bk.max_id_before = pds_run_id_new();
        while (r.i < r.n && bk.n < MAX_BLOCK_OPS && s.n_ops < MAX_OPS) {
            uint8_t code = u8(&r);
            if (code % 16 == OP_BARRIER)
                break;
            op *x = &bk.ops[bk.n];
            memset(x, 0, sizeof *x);
            x->pos = bk.n++;
            s.n_ops++;
            decode_op(&s, &bk, &r, x, code);
            /* Start-up models stay: an input destroys only what it made. */
            if (x->code == OP_MODEL_DESTROY && x->dobj >= 0 && s.objs[x->dobj].fixed)
                x->h = 0;
        }
        if (trace)
            for (int i = 0; i < bk.n; i++)
                trace_op(&bk, &bk.ops[i], "start");
        run_block(&bk);
        if (trace)
            for (int i = 0; i < bk.n; i++)
                trace_op(&bk, &bk.ops[i], "done ");
        add_new_objects(&s, &bk);
        for (int i = 0; i < bk.n; i++)
            check_op(&s, &bk, &bk.ops[i]);
        check_ids_unique(&bk);
        for (int i = 0; i < bk.n; i++)
            if (bk.ops[i].wait_at && bk.ops[i].id_in) {
                check_err(&bk, &bk.ops[i], bk.release_st[i], &bk.release_err[i], true);
                if (!(BIT(bk.release_st[i]) & (BIT(PDS_OK) | HANDLE_ERRS)))
                    fail(&bk, &bk.ops[i], "the main thread's cancel_run of a held run failed");
            }
        apply_block(&s, &bk);
        free_block(&bk);
    }
    /* Destroy everything the input made; every destroy must work now that no
     * other thread is inside. */
    pds_error err;
    for (int i = 0; i < s.n_objs; i++)
        if (s.objs[i].live && s.objs[i].kind == KIND_PRED &&
            pds_predictor_destroy(s.objs[i].h, &err) != PDS_OK)
            die("end of input: predictor_destroy(0x%016llx): %s",
                (unsigned long long)s.objs[i].h, err.message);
    for (int i = 0; i < s.n_objs; i++)
        if (s.objs[i].live && s.objs[i].kind == KIND_MODEL && !s.objs[i].fixed &&
            pds_model_destroy(s.objs[i].h, &err) != PDS_OK)
            die("end of input: model_destroy(0x%016llx): %s", (unsigned long long)s.objs[i].h,
                err.message);
    pds_live_objects now;
    pds_get_live_objects(&now);
    if (now.models != baseline.models || now.predictors != baseline.predictors ||
        now.handles != baseline.handles)
        die("end of input: live objects %llu models, %llu predictors, %llu handles; at "
            "start-up %llu, %llu, %llu",
            (unsigned long long)now.models, (unsigned long long)now.predictors,
            (unsigned long long)now.handles, (unsigned long long)baseline.models,
            (unsigned long long)baseline.predictors, (unsigned long long)baseline.handles);
    return 0;
}
