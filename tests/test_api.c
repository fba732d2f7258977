/*
 * test_api.c — the root-cause table (DESIGN.md M1-M24) provoked for real
 * through the public C API, each test asserting the exact status.
 *
 * Models come from the committed fixtures: `pplcnet` (small, fast) for most
 * tests and `db_det` (dynamic H and W) for tests that need a run to be in
 * progress on another thread; such a run is held at a checkpoint with the
 * wait_at_checkpoint testing hook until the test cancels it, so no test here
 * depends on how fast the machine is.
 */
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stdatomic.h>
#include <time.h>
#include <sched.h>

#include "core/executor.h"
#include "harness.h"


/* An input tensor for input 0 of m with every -1 dim replaced by dyn. */
typedef struct {
    pds_tensor t;
    float *buf;
} input;

static input make_input(pds_model m, int64_t dyn)
{
    input in = {0};
    pds_tensor_info info;
    pds_error err;
    CHECK_OK(pds_model_input_info(m, 0, &info, &err), &err);
    in.t.dtype = info.dtype;
    in.t.rank = info.rank;
    int64_t n = 1;
    for (int d = 0; d < info.rank; d++) {
        in.t.dims[d] = info.dims[d] < 0 ? (d == 0 ? 1 : dyn) : info.dims[d];
        n *= in.t.dims[d];
    }
    in.buf = malloc((size_t)n * sizeof(float));
    for (int64_t i = 0; i < n; i++)
        in.buf[i] = (float)((i * 7919) % 2001) / 1000.0f - 1.0f;
    in.t.data = in.buf;
    in.t.byte_length = (size_t)n * sizeof(float);
    return in;
}

/* Output buffer big enough for anything these tests produce. */
#define OUT_BYTES (64u << 20)

static pds_tensor make_output(void)
{
    pds_tensor o = {0};
    o.data = malloc(OUT_BYTES);
    o.byte_length = OUT_BYTES;
    return o;
}


/* A fixture model, a predictor on it, input 0 from make_input(m, dyn) and an
 * output buffer: what most tests start from. */
typedef struct {
    pds_model m;
    pds_predictor p;
    input in;
    pds_tensor out;
} session;

static session open_session(const char *fixture, int64_t dyn)
{
    session s = {0};
    pds_error err;
    s.m = pdst_load_fixture(fixture, 0);
    CHECK_OK(pds_predictor_create(s.m, NULL, &s.p, &err), &err);
    s.in = make_input(s.m, dyn);
    s.out = make_output();
    return s;
}

/* Destroys the predictor, then the model (both must succeed), and frees the
 * buffers. */
static void close_session(session *s)
{
    pds_error err;
    CHECK_OK(pds_predictor_destroy(s->p, &err), &err);
    CHECK_OK(pds_model_destroy(s->m, &err), &err);
    free(s->in.buf);
    free(s->out.data);
}

/* M1: calls on a destroyed predictor and a destroyed model. */
static void test_m1_use_after_destroy(void)
{
    pds_error err;
    session s = open_session("pplcnet", 64);
    CHECK_OK(pds_predictor_destroy(s.p, &err), &err);
    CHECK_STATUS(pds_predictor_run(s.p, &s.in.t, 1, &s.out, 1, &err), PDS_ERR_STALE_HANDLE, &err);
    CHECK_MSG(err, "stale");
    CHECK_MSG(err, "pds_predictor_run");
    CHECK_OK(pds_model_destroy(s.m, &err), &err);
    size_t n;
    CHECK_STATUS(pds_model_input_count(s.m, &n, &err), PDS_ERR_STALE_HANDLE, &err);
    CHECK_STATUS(pds_predictor_create(s.m, NULL, &s.p, &err), PDS_ERR_STALE_HANDLE, &err);
    CHECK_EQ_INT(s.p, 0); /* constructors leave the out-parameter zero on failure */
    free(s.in.buf);
    free(s.out.data);
    CHECK_NO_LIVE_OBJECTS();
}

/* M2: destroying twice is reported and has no effect. */
static void test_m2_double_destroy(void)
{
    pds_error err;
    pds_model m = pdst_load_fixture("pplcnet", 0);
    pds_predictor p = 0;
    CHECK_OK(pds_predictor_create(m, NULL, &p, &err), &err);
    CHECK_OK(pds_predictor_destroy(p, &err), &err);
    CHECK_STATUS(pds_predictor_destroy(p, &err), PDS_ERR_STALE_HANDLE, &err);
    CHECK_OK(pds_model_destroy(m, &err), &err);
    CHECK_STATUS(pds_model_destroy(m, &err), PDS_ERR_STALE_HANDLE, &err);
    /* Destroying the zero handle is a harmless no-op. */
    CHECK_OK(pds_model_destroy(0, &err), &err);
    CHECK_OK(pds_predictor_destroy(0, &err), &err);
    /* A new object reusing the slot does not revive the old handle. */
    pds_model m2 = pdst_load_fixture("pplcnet", 0);
    CHECK(m2 != m);
    CHECK_STATUS(pds_model_destroy(m, &err), PDS_ERR_STALE_HANDLE, &err);
    CHECK_OK(pds_model_destroy(m2, &err), &err);
    CHECK_NO_LIVE_OBJECTS();
}

/* M3: results are copies in caller memory: they survive the predictor, and the
 * predictor's own results cannot be reached through a stale handle. */
static void test_m3_results_after_predictor_destroyed(void)
{
    pds_error err;
    session s = open_session("pplcnet", 64);
    CHECK_OK(pds_predictor_run(s.p, &s.in.t, 1, &s.out, 1, &err), &err);
    size_t bytes = (size_t)s.out.dims[0] * (size_t)s.out.dims[1] * 4;
    float *copy = malloc(bytes);
    memcpy(copy, s.out.data, bytes);
    CHECK_OK(pds_predictor_destroy(s.p, &err), &err);
    CHECK(memcmp(copy, s.out.data, bytes) == 0);
    pds_tensor again = make_output();
    CHECK_STATUS(pds_predictor_fetch(s.p, &again, 1, &err), PDS_ERR_STALE_HANDLE, &err);
    CHECK_OK(pds_model_destroy(s.m, &err), &err);
    free(copy);
    free(s.in.buf);
    free(s.out.data);
    free(again.data);
    CHECK_NO_LIVE_OBJECTS();
}

/* M4: zero, garbage and forged handles. */
static void test_m4_invalid_handles(void)
{
    pds_error err;
    size_t n;
    pds_tensor_info info;
    CHECK_STATUS(pds_model_input_count(0, &n, &err), PDS_ERR_INVALID_HANDLE, &err);
    CHECK_MSG(err, "is 0");
    CHECK_STATUS(pds_predictor_run(0, NULL, 0, NULL, 0, &err), PDS_ERR_INVALID_HANDLE, &err);
    CHECK_STATUS(pds_predictor_run(0xdeadbeefcafebabeull, NULL, 0, NULL, 0, &err),
                 PDS_ERR_INVALID_HANDLE, &err);
    CHECK_MSG(err, "not a handle this library issued");
    pds_model m = pdst_load_fixture("pplcnet", 0);
    /* A generation that was never issued for the slot. */
    pds_model forged_gen = m + (1ull << 24);
    CHECK_STATUS(pds_model_input_info(forged_gen, 0, &info, &err), PDS_ERR_INVALID_HANDLE, &err);
    /* The kind tag altered on a live slot. */
    pds_model forged_kind = (m & ~(0xffull << 56)) | (0x7full << 56);
    CHECK_STATUS(pds_model_input_info(forged_kind, 0, &info, &err), PDS_ERR_INVALID_HANDLE,
                 &err);
    /* Thousands of random values: never a crash, always a handle error. */
    uint64_t x = 0x9e3779b97f4a7c15ull;
    for (int i = 0; i < 20000; i++) {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        if (x == m)
            continue;
        pds_status st = pds_model_input_count(x, &n, NULL);
        if (st != PDS_ERR_INVALID_HANDLE && st != PDS_ERR_STALE_HANDLE &&
            st != PDS_ERR_WRONG_HANDLE_KIND) {
            PDST_FAIL("random handle 0x%016llx gave %s", (unsigned long long)x,
                      pds_status_name(st));
            break;
        }
    }
    CHECK_OK(pds_model_destroy(m, &err), &err);
    CHECK_NO_LIVE_OBJECTS();
}

/* M5: a handle of the wrong kind. */
static void test_m5_wrong_kind(void)
{
    pds_error err;
    pds_model m = pdst_load_fixture("pplcnet", 0);
    pds_predictor p = 0;
    CHECK_OK(pds_predictor_create(m, NULL, &p, &err), &err);
    size_t n;
    CHECK_STATUS(pds_model_input_count(p, &n, &err), PDS_ERR_WRONG_HANDLE_KIND, &err);
    CHECK_MSG(err, "is a predictor handle, expected a model handle");
    CHECK_STATUS(pds_predictor_run(m, NULL, 0, NULL, 0, &err), PDS_ERR_WRONG_HANDLE_KIND, &err);
    CHECK_STATUS(pds_predictor_destroy(m, &err), PDS_ERR_WRONG_HANDLE_KIND, &err);
    CHECK_STATUS(pds_model_destroy(p, &err), PDS_ERR_WRONG_HANDLE_KIND, &err);
    /* Neither object was harmed by the confusion. */
    CHECK_OK(pds_model_input_count(m, &n, &err), &err);
    CHECK_OK(pds_predictor_destroy(p, &err), &err);
    CHECK_OK(pds_model_destroy(m, &err), &err);
    CHECK_NO_LIVE_OBJECTS();
}

/* A run on another thread. With hold set it waits at its first checkpoint
 * (the wait_at_checkpoint testing hook) until it is cancelled, so the main
 * thread can observe it in progress however fast the machine is; id lets the
 * main thread cancel exactly this run. */
typedef struct {
    pds_predictor p;
    pds_tensor in, out;
    bool hold;
    pds_run_id id;
    atomic_int started, finished;
    pds_status status;
    pds_error err;
} bg_run;

static void *bg_main(void *arg)
{
    bg_run *r = arg;
    atomic_store(&r->started, 1);
    /* A probe from the main thread may hold the predictor for a moment before
     * this run starts; BUSY means nothing was done, so try again. */
    do {
        pds_run_options o;
        pds_run_options_init(&o);
        o.run_id = r->id;
        o.wait_at_checkpoint = r->hold ? 1 : 0;
        r->status = pds_predictor_run_v2(r->p, &o, &r->in, 1, &r->out, 1, &r->err);
    } while (r->status == PDS_ERR_BUSY);
    atomic_store(&r->finished, 1);
    return NULL;
}

/* Starts a held run of r on its own thread. */
static void start_held(bg_run *r, pthread_t *th)
{
    r->hold = true;
    r->id = pds_run_id_new();
    pthread_create(th, NULL, bg_main, r);
}

/* True when a run is observably in progress on r->p: a second run is refused
 * with BUSY. The probe's input has the wrong dtype, so if the probe gets the
 * predictor first it fails validation at once and does no work. */
static int run_in_progress(bg_run *r)
{
    pds_error err;
    pds_tensor probe = r->in;
    probe.dtype = PDS_UINT8;
    return pds_predictor_run(r->p, &probe, 1, NULL, 0, &err) == PDS_ERR_BUSY;
}

/* Waits until the held background run is in progress; false if it ended
 * (it cannot end by itself: it waits for a cancel). */
static int wait_in_progress(bg_run *r)
{
    while (!atomic_load(&r->finished)) {
        if (run_in_progress(r))
            return 1;
        sched_yield();
    }
    return 0;
}

/* Releases a held run: cancels it and joins its thread. */
static void release_held(bg_run *r, pthread_t th)
{
    pds_error err;
    CHECK_OK(pds_predictor_cancel_run(r->p, r->id, &err), &err);
    pthread_join(th, NULL);
    CHECK_STATUS(r->status, PDS_ERR_CANCELLED, &r->err);
    CHECK_MSG(r->err, "checkpoint 1");
}

/* M6: a second concurrent run on one predictor is refused, not raced. */
static void test_m6_concurrent_run_busy(void)
{
    pds_error err;
    session s = open_session("db_det", 64);
    bg_run r = {.p = s.p, .in = s.in.t, .out = s.out};
    pthread_t th;
    start_held(&r, &th);
    CHECK(wait_in_progress(&r)); /* a second run saw PDS_ERR_BUSY while the first ran */
    release_held(&r, th);
    CHECK_OK(pds_predictor_run(s.p, &s.in.t, 1, &s.out, 1, &err), &err);
    /* With PDS_PREDICTOR_SERIALIZE the second caller waits instead. */
    pds_predictor_options opt;
    pds_predictor_options_init(&opt);
    opt.flags = PDS_PREDICTOR_SERIALIZE;
    pds_predictor q = 0;
    CHECK_OK(pds_predictor_create(s.m, &opt, &q, &err), &err);
    bg_run r2 = {.p = q, .in = s.in.t, .out = make_output()};
    pthread_create(&th, NULL, bg_main, &r2);
    while (!atomic_load(&r2.started))
        sched_yield();
    pds_tensor out = make_output();
    CHECK_OK(pds_predictor_run(q, &s.in.t, 1, &out, 1, &err), &err);
    pthread_join(th, NULL);
    CHECK_OK(r2.status, &r2.err);
    CHECK(memcmp(out.data, r2.out.data, 1024) == 0);
    CHECK_OK(pds_predictor_destroy(q, &err), &err);
    close_session(&s); /* r's predictor and output */
    free(r2.out.data);
    free(out.data);
    CHECK_NO_LIVE_OBJECTS();
}

/* M7: destroy while another thread is inside run: refused, never freed under it. */
static void test_m7_destroy_while_running(void)
{
    pds_error err;
    session s = open_session("db_det", 64);
    bg_run r = {.p = s.p, .in = s.in.t, .out = s.out};
    /* The model can go away under the running predictor too (M14). */
    CHECK_OK(pds_model_destroy(s.m, &err), &err);
    pthread_t th;
    start_held(&r, &th);
    CHECK(wait_in_progress(&r));
    CHECK_STATUS(pds_predictor_destroy(r.p, &err), PDS_ERR_BUSY, &err);
    CHECK_MSG(err, "in use");
    release_held(&r, th);
    CHECK_OK(pds_predictor_run(r.p, &r.in, 1, &r.out, 1, &err), &err);
    CHECK_OK(pds_predictor_destroy(r.p, &err), &err);
    free(s.in.buf);
    free(s.out.data);
    CHECK_NO_LIVE_OBJECTS();
}

/* M8: input buffer shorter than shape x dtype. */
static void test_m8_short_input(void)
{
    pds_error err;
    session s = open_session("pplcnet", 64);
    s.in.t.byte_length -= 1;
    CHECK_STATUS(pds_predictor_run(s.p, &s.in.t, 1, &s.out, 1, &err), PDS_ERR_BUFFER_SIZE,
                 &err);
    CHECK_MSG(err, "needs");
    s.in.t.byte_length += 1;
    s.in.t.data = NULL;
    CHECK_STATUS(pds_predictor_run(s.p, &s.in.t, 1, &s.out, 1, &err), PDS_ERR_INVALID_ARGUMENT,
                 &err);
    s.in.t.data = s.in.buf;
    /* Wrong number of inputs, NULL input array. */
    CHECK_STATUS(pds_predictor_run(s.p, &s.in.t, 2, &s.out, 1, &err), PDS_ERR_INVALID_ARGUMENT,
                 &err);
    CHECK_STATUS(pds_predictor_run(s.p, NULL, 1, &s.out, 1, &err), PDS_ERR_INVALID_ARGUMENT,
                 &err);
    CHECK_OK(pds_predictor_run(s.p, &s.in.t, 1, &s.out, 1, &err), &err);
    close_session(&s);
}

/* M9: output buffer too small: the needed shape is reported, nothing is
 * written, and the kept result can be fetched without running again. */
static void test_m9_small_output(void)
{
    pds_error err;
    session s = open_session("pplcnet", 64); /* s.out: the reference result */
    CHECK_OK(pds_predictor_run(s.p, &s.in.t, 1, &s.out, 1, &err), &err);
    size_t need = 4;
    for (int d = 0; d < s.out.rank; d++)
        need *= (size_t)s.out.dims[d];
    unsigned char canary[64];
    memset(canary, 0xab, sizeof canary);
    pds_tensor small = {0};
    unsigned char *buf = malloc(need + sizeof canary);
    memset(buf, 0xab, need + sizeof canary);
    small.data = buf;
    small.byte_length = need - 4;
    CHECK_STATUS(pds_predictor_run(s.p, &s.in.t, 1, &small, 1, &err), PDS_ERR_BUFFER_SIZE, &err);
    CHECK_MSG(err, "pds_predictor_fetch");
    CHECK_EQ_INT(small.rank, s.out.rank);
    CHECK_EQ_INT(small.dims[0], s.out.dims[0]);
    CHECK_EQ_INT(small.dims[1], s.out.dims[1]);
    CHECK_EQ_INT(small.dtype, PDS_FLOAT32);
    CHECK(memcmp(buf, canary, sizeof canary) == 0); /* nothing written */
    small.byte_length = need;
    CHECK_OK(pds_predictor_fetch(s.p, &small, 1, &err), &err);
    CHECK(memcmp(buf, s.out.data, need) == 0);
    CHECK(memcmp(buf + need, canary, sizeof canary) == 0); /* not a byte past the end */
    /* A NULL output buffer is a size query. */
    pds_tensor q = {0};
    CHECK_STATUS(pds_predictor_run(s.p, &s.in.t, 1, &q, 1, &err), PDS_ERR_BUFFER_SIZE, &err);
    CHECK_EQ_INT(q.dims[1], s.out.dims[1]);
    /* Fetch on a fresh predictor has nothing to return. */
    pds_predictor p2 = 0;
    CHECK_OK(pds_predictor_create(s.m, NULL, &p2, &err), &err);
    CHECK_STATUS(pds_predictor_fetch(p2, &small, 1, &err), PDS_ERR_INVALID_STATE, &err);
    CHECK_OK(pds_predictor_destroy(p2, &err), &err);
    close_session(&s);
    free(buf);
}

/* M10: wrong dtype. */
static void test_m10_wrong_dtype(void)
{
    pds_error err;
    session s = open_session("pplcnet", 64);
    s.in.t.dtype = PDS_INT32; /* same element size: only the dtype check can catch it */
    CHECK_STATUS(pds_predictor_run(s.p, &s.in.t, 1, &s.out, 1, &err), PDS_ERR_DTYPE, &err);
    CHECK_MSG(err, "int32");
    CHECK_MSG(err, "float32");
    s.in.t.dtype = (pds_dtype)99;
    CHECK_STATUS(pds_predictor_run(s.p, &s.in.t, 1, &s.out, 1, &err), PDS_ERR_DTYPE, &err);
    close_session(&s);
}

/* M11: bad shapes never reach a kernel. */
static void test_m11_bad_shapes(void)
{
    pds_error err;
    session s = open_session("db_det", 64);
    pds_tensor bad = s.in.t;
    bad.rank = 3;
    CHECK_STATUS(pds_predictor_run(s.p, &bad, 1, &s.out, 1, &err), PDS_ERR_SHAPE, &err);
    CHECK_MSG(err, "rank 3");
    bad = s.in.t;
    bad.dims[2] = 0;
    CHECK_STATUS(pds_predictor_run(s.p, &bad, 1, &s.out, 1, &err), PDS_ERR_SHAPE, &err);
    bad.dims[2] = -5;
    CHECK_STATUS(pds_predictor_run(s.p, &bad, 1, &s.out, 1, &err), PDS_ERR_SHAPE, &err);
    bad = s.in.t;
    bad.dims[1] = 4; /* the model fixes 3 channels */
    CHECK_STATUS(pds_predictor_run(s.p, &bad, 1, &s.out, 1, &err), PDS_ERR_SHAPE, &err);
    bad = s.in.t;
    bad.dims[2] = INT64_MAX / 2;
    bad.dims[3] = INT64_MAX / 2; /* element count overflows */
    CHECK_STATUS(pds_predictor_run(s.p, &bad, 1, &s.out, 1, &err), PDS_ERR_SHAPE, &err);
    bad.rank = 100;
    CHECK_STATUS(pds_predictor_run(s.p, &bad, 1, &s.out, 1, &err), PDS_ERR_SHAPE, &err);
    CHECK_OK(pds_predictor_run(s.p, &s.in.t, 1, &s.out, 1, &err), &err);
    close_session(&s);
}

/* M12: nothing the caller passes is kept: after the call the caller's buffers
 * can be freed (ASan would catch a later read) and the results stay right. */
static void test_m12_no_caller_pointer_kept(void)
{
    pds_error err;
    session s = open_session("pplcnet", 64);
    CHECK_OK(pds_predictor_run(s.p, &s.in.t, 1, &s.out, 1, &err), &err);
    size_t bytes = 4 * (size_t)s.out.dims[0] * (size_t)s.out.dims[1];
    float *want = malloc(bytes);
    memcpy(want, s.out.data, bytes);
    free(s.in.buf);
    free(s.out.data);
    s.in.buf = NULL;
    s.out = make_output(); /* fetch into fresh memory */
    CHECK_OK(pds_predictor_fetch(s.p, &s.out, 1, &err), &err);
    CHECK(memcmp(s.out.data, want, bytes) == 0);
    close_session(&s);
    free(want);
}

/* M14: destroy the model before its predictors: they keep it alive. */
static void test_m14_any_destroy_order(void)
{
    pds_error err;
    pds_model m = pdst_load_fixture("pplcnet", 0);
    pds_predictor a = 0, b = 0;
    CHECK_OK(pds_predictor_create(m, NULL, &a, &err), &err);
    CHECK_OK(pds_predictor_create(m, NULL, &b, &err), &err);
    input in = make_input(m, 64);
    pds_tensor out = make_output();
    CHECK_OK(pds_model_destroy(m, &err), &err);
    pds_live_objects live;
    pds_get_live_objects(&live);
    CHECK_EQ_INT(live.models, 1); /* kept by the predictors */
    CHECK_OK(pds_predictor_run(a, &in.t, 1, &out, 1, &err), &err);
    CHECK_OK(pds_predictor_destroy(a, &err), &err);
    CHECK_OK(pds_predictor_run(b, &in.t, 1, &out, 1, &err), &err);
    CHECK_OK(pds_predictor_destroy(b, &err), &err);
    free(in.buf);
    free(out.data);
    CHECK_NO_LIVE_OBJECTS(); /* M15: nothing leaked */
}

typedef struct {
    pds_predictor p;
    pds_tensor in;
    pds_status st;
    pds_error err;
} thread_err;

static void *run_wrong_dtype(void *arg)
{
    thread_err *t = arg;
    pds_tensor out = {0};
    t->st = pds_predictor_run(t->p, &t->in, 1, &out, 0, &t->err);
    return NULL;
}

/* M16: errors come back in the same call, in caller memory: a call on another
 * thread fills its own struct, and a success leaves the struct untouched. */
static void test_m16_no_thread_local_state(void)
{
    pds_error err;
    pds_model m = pdst_load_fixture("pplcnet", 0);
    pds_predictor p = 0;
    CHECK_OK(pds_predictor_create(m, NULL, &p, &err), &err);
    input in = make_input(m, 64);
    thread_err t = {0};
    t.p = p;
    t.in = in.t;
    t.in.dtype = PDS_INT64;
    pthread_t th;
    pthread_create(&th, NULL, run_wrong_dtype, &t);
    pthread_join(th, NULL);
    CHECK_EQ_INT(t.st, PDS_ERR_DTYPE);
    CHECK_EQ_INT(t.err.code, PDS_ERR_DTYPE);
    CHECK_MSG(t.err, "int64");
    memset(&err, 0x5a, sizeof err);
    pds_tensor out = make_output();
    CHECK_OK(pds_predictor_run(p, &in.t, 1, &out, 1, &err), NULL);
    CHECK_EQ_INT((unsigned)err.code, 0x5a5a5a5au);
    CHECK_OK(pds_predictor_destroy(p, NULL), NULL);
    CHECK_OK(pds_model_destroy(m, NULL), NULL);
    free(in.buf);
    free(out.data);
}

/* M17: an input that passes the input checks but breaks the graph deep inside
 * (db_det at 7x5: the FPN's upsampled maps no longer line up). Paddle
 * Inference throws a C++ exception here (its C API aborts the process);
 * pdsafe returns a status naming the operator, and the predictor stays usable. */
static void test_m17_failure_inside_graph_is_a_status(void)
{
    pds_error err;
    session s = open_session("db_det", 7); /* 1x3x7x7, then narrowed to 1x3x7x5 */
    s.in.t.dims[3] = 5;
    s.in.t.byte_length = 3 * 7 * 5 * sizeof(float);
    CHECK_STATUS(pds_predictor_run(s.p, &s.in.t, 1, &s.out, 1, &err), PDS_ERR_SHAPE, &err);
    CHECK_MSG(err, "(elementwise_add)");
    CHECK_MSG(err, "do not broadcast");
    CHECK_STATUS(pds_predictor_fetch(s.p, &s.out, 1, &err), PDS_ERR_INVALID_STATE, &err);
    input ok = make_input(s.m, 64);
    CHECK_OK(pds_predictor_run(s.p, &ok.t, 1, &s.out, 1, &err), &err);
    CHECK_EQ_INT(s.out.dims[2], 64);
    close_session(&s);
    free(ok.buf);
}

/* M18: options are plain values copied at create time. */
static void test_m18_options_copied(void)
{
    pds_error err;
    pds_model_options *mo = malloc(sizeof *mo);
    pds_model_options_init(mo);
    char mp[4096], pp[4096];
    snprintf(mp, sizeof mp, "%s/pplcnet/inference.pdmodel", pdst_fixtures_dir());
    snprintf(pp, sizeof pp, "%s/pplcnet/inference.pdiparams", pdst_fixtures_dir());
    pds_model m = 0;
    CHECK_OK(pds_model_load_files(mp, pp, mo, &m, &err), &err);
    memset(mo, 0xff, sizeof *mo); /* the caller reuses or frees its struct */
    free(mo);
    pds_predictor_options *po = malloc(sizeof *po);
    pds_predictor_options_init(po);
    pds_predictor p = 0;
    CHECK_OK(pds_predictor_create(m, po, &p, &err), &err);
    free(po);
    input in = make_input(m, 64);
    pds_tensor out = make_output();
    CHECK_OK(pds_predictor_run(p, &in.t, 1, &out, 1, &err), &err);
    /* An uninitialised struct is caught, not misread. */
    pds_predictor_options bad = {0};
    pds_predictor q = 0;
    CHECK_STATUS(pds_predictor_create(m, &bad, &q, &err), PDS_ERR_INVALID_ARGUMENT, &err);
    CHECK_MSG(err, "struct_size");
    pds_predictor_options_init(&bad);
    bad.flags = 0x80;
    CHECK_STATUS(pds_predictor_create(m, &bad, &q, &err), PDS_ERR_INVALID_ARGUMENT, &err);
    /* A tiny max_tensor_bytes limit is honoured at load. */
    pds_model_options lim;
    pds_model_options_init(&lim);
    lim.max_tensor_bytes = 64;
    pds_model m2 = 0;
    CHECK_STATUS(pds_model_load_files(mp, pp, &lim, &m2, &err), PDS_ERR_LIMIT, &err);
    CHECK_OK(pds_predictor_destroy(p, &err), &err);
    CHECK_OK(pds_model_destroy(m, &err), &err);
    free(in.buf);
    free(out.data);
    CHECK_NO_LIVE_OBJECTS();
}

/* M19 from the API side (the loader tests cover hostile files in depth). */
static void test_m19_bad_model_arguments(void)
{
    pds_error err;
    pds_model m = 0;
    CHECK_STATUS(pds_model_load_files(NULL, NULL, NULL, &m, &err), PDS_ERR_INVALID_ARGUMENT,
                 &err);
    CHECK_STATUS(pds_model_load_files("/nonexistent/x.pdmodel", NULL, NULL, &m, &err),
                 PDS_ERR_IO, &err);
    CHECK_MSG(err, "/nonexistent/x.pdmodel");
    CHECK_STATUS(pds_model_load_buffers(NULL, 0, NULL, 0, NULL, &m, &err),
                 PDS_ERR_INVALID_ARGUMENT, &err);
    CHECK_STATUS(pds_model_load_buffers("x", 1, NULL, 5, NULL, &m, &err),
                 PDS_ERR_INVALID_ARGUMENT, &err);
    static const unsigned char junk[] = {0xff, 0xff, 0xff, 0xff, 0x0f, 0x01, 0x02};
    CHECK_STATUS(pds_model_load_buffers(junk, sizeof junk, NULL, 0, NULL, &m, &err),
                 PDS_ERR_MODEL_FORMAT, &err);
    CHECK_MSG(err, "offset");
    CHECK_EQ_INT(m, 0);
    CHECK_NO_LIVE_OBJECTS();
}

/* M21: the library installs no signal handlers. */
static void test_m21_no_signal_handlers(void)
{
    static const int sigs[] = {SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGABRT, SIGPIPE, SIGINT,
                               SIGTERM, SIGCHLD, SIGUSR1, SIGUSR2};
    struct sigaction before[sizeof sigs / sizeof sigs[0]];
    for (size_t i = 0; i < sizeof sigs / sizeof sigs[0]; i++)
        sigaction(sigs[i], NULL, &before[i]);
    pds_error err;
    session s = open_session("pplcnet", 64);
    CHECK_OK(pds_predictor_run(s.p, &s.in.t, 1, &s.out, 1, &err), &err);
    for (size_t i = 0; i < sizeof sigs / sizeof sigs[0]; i++) {
        struct sigaction now;
        sigaction(sigs[i], NULL, &now);
        if (now.sa_handler != before[i].sa_handler || now.sa_flags != before[i].sa_flags)
            PDST_FAIL("signal %d disposition changed by the library", sigs[i]);
    }
    close_session(&s);
}

/* M22: strings are copied into caller memory and outlive the model. */
static void test_m22_strings_are_copies(void)
{
    pds_error err;
    pds_model m = pdst_load_fixture("pplcnet", 0);
    pds_tensor_info info;
    CHECK_OK(pds_model_input_info(m, 0, &info, &err), &err);
    CHECK_STATUS(pds_model_input_info(m, 5, &info, &err), PDS_ERR_INVALID_ARGUMENT, &err);
    char small[2];
    size_t needed = 0;
    CHECK_STATUS(pds_model_op_type(m, 0, small, sizeof small, &needed, &err),
                 PDS_ERR_BUFFER_SIZE, &err);
    CHECK(needed > sizeof small);
    char *type = malloc(needed);
    CHECK_OK(pds_model_op_type(m, 0, type, needed, NULL, &err), &err);
    CHECK_EQ_INT(strlen(type) + 1, needed);
    CHECK_OK(pds_model_destroy(m, &err), &err);
    CHECK(strlen(info.name) > 0); /* still readable: it is the caller's copy */
    CHECK(strlen(type) > 0);
    free(type);
    CHECK(strcmp(pds_status_name(PDS_ERR_BUSY), "PDS_ERR_BUSY") == 0);
    CHECK(strcmp(pds_status_name((pds_status)12345), "PDS_UNKNOWN_STATUS") == 0);
    CHECK(strcmp(pds_dtype_name(PDS_INT64), "int64") == 0);
    CHECK_NO_LIVE_OBJECTS();
}


/* The operator listing: every operator has an entry whose lists fit (no
 * PDS_ERR_INTERNAL), the entries are the registry's in order, strings are
 * copies in the caller's struct (M22), and a bad struct_size, a NULL info or
 * an index out of range are PDS_ERR_INVALID_ARGUMENT naming the problem. */
static void test_op_listing(void)
{
    pds_error err;
    size_t n = pds_op_count();
    CHECK(n >= 83);
    size_t n_internal = 0, n_pir = 0;
    for (size_t i = 0; i < n; i++) {
        pds_op_info o = {.struct_size = sizeof o};
        CHECK_OK(pds_op_get_info(i, &o, &err), &err);
        CHECK_EQ_INT(o.id, (int)i);
        CHECK(o.name[0] != '\0' && o.family[0] != '\0');
        CHECK_EQ_INT(o.struct_size, sizeof o);
        n_internal += o.internal;
        n_pir += o.pir_ops[0] != '\0';
        if (o.internal && o.pir_ops[0])
            PDST_FAIL("internal op '%s' has PIR names '%s'", o.name, o.pir_ops);
    }
    CHECK_EQ_INT(n_internal, 3); /* pdsafe_conv, pdsafe_matmul, pdsafe_affine */
    CHECK(n_pir > 50);
    /* Known entries, found by name. */
    bool seen_erf = false, seen_shape = false, seen_conv = false;
    for (size_t i = 0; i < n; i++) {
        pds_op_info o = {.struct_size = sizeof o};
        CHECK_OK(pds_op_get_info(i, &o, &err), &err);
        if (strcmp(o.name, "erf") == 0) {
            seen_erf = true;
            CHECK(strcmp(o.family, "activation") == 0);
            CHECK(strcmp(o.flags, "unary inplace") == 0);
            CHECK(strcmp(o.inputs, "X") == 0 && strcmp(o.outputs, "Out") == 0);
            CHECK(strcmp(o.pir_ops, "pd_op.erf") == 0);
        } else if (strcmp(o.name, "shape") == 0) {
            seen_shape = true;
            CHECK(strcmp(o.flags, "dims_only") == 0);
            CHECK(strcmp(o.pir_ops, "pd_op.shape pd_op.shape64") == 0);
        } else if (strcmp(o.name, "pdsafe_conv") == 0) {
            seen_conv = true;
            CHECK(o.internal == 1 && strcmp(o.flags, "internal") == 0);
            CHECK(strcmp(o.inputs, "Input Filter Bias? ResidualData? FilterInt8? FilterScale?") == 0);
        } else if (strcmp(o.name, "concat") == 0) {
            CHECK(strcmp(o.inputs, "X+ AxisTensor?") == 0);
            CHECK(strcmp(o.data_inputs, "AxisTensor") == 0);
        } else if (strcmp(o.name, "hard_swish") == 0) {
            CHECK(strcmp(o.pir_ops, "pd_op.hardswish") == 0);
        } else if (strcmp(o.name, "flatten2") == 0) {
            CHECK(strcmp(o.pir_ops, "") == 0);
        }
    }
    CHECK(seen_erf && seen_shape && seen_conv);
    /* Errors, with the struct untouched. */
    pds_op_info o;
    memset(&o, 0x5a, sizeof o);
    o.struct_size = sizeof o;
    CHECK_EQ_INT(pds_op_get_info(n, &o, &err), PDS_ERR_INVALID_ARGUMENT);
    CHECK(strstr(err.message, "out of range") != NULL);
    CHECK_EQ_INT((unsigned char)o.name[0], 0x5a);
    CHECK_EQ_INT(pds_op_get_info(0, NULL, &err), PDS_ERR_INVALID_ARGUMENT);
    CHECK(strstr(err.message, "info is NULL") != NULL);
    o.struct_size = 8;
    CHECK_EQ_INT(pds_op_get_info(0, &o, &err), PDS_ERR_INVALID_ARGUMENT);
    CHECK(strstr(err.message, "struct_size is 8") != NULL);
    CHECK_EQ_INT(pds_op_get_info(0, NULL, NULL), PDS_ERR_INVALID_ARGUMENT);
}

/* pds_build_info names the backend the build has, and it is the one a model
 * loaded with default options runs on: "onednn X.Y.Z" with the fast path,
 * "reference kernels only" without it. Static: the same pointer each call. */
static void test_build_info(void)
{
    const char *info = pds_build_info();
    CHECK(info != NULL && info == pds_build_info());
    int major = -1, minor = -1, patch = -1;
    bool onednn = sscanf(info, "onednn %d.%d.%d", &major, &minor, &patch) == 3;
    CHECK(onednn ? major >= 1 && minor >= 0 && patch >= 0
                 : strcmp(info, "reference kernels only") == 0);
    pds_error err;
    pds_model m = pdst_load_fixture("pplcnet", 0);
    pds_predictor p = 0;
    CHECK_OK(pds_predictor_create(m, NULL, &p, &err), &err);
    pds_predictor_stats st = {.struct_size = sizeof st};
    CHECK_OK(pds_predictor_get_stats(p, &st, &err), &err);
    const char *kernels = getenv("PDSAFE_KERNELS");
    const char *want = onednn && (!kernels || strcmp(kernels, "ref") != 0) ? "onednn" : "ref";
    if (strcmp(st.backend, want) != 0)
        PDST_FAIL("stats name backend \"%s\", expected \"%s\"", st.backend, want);
    CHECK_OK(pds_predictor_destroy(p, &err), &err);
    CHECK_OK(pds_model_destroy(m, &err), &err);
    CHECK_NO_LIVE_OBJECTS();
}


typedef struct {
    pds_model m;
    pds_tensor in;
    int runs;
    pds_status st;
    atomic_int *peak;
    int threads;
} caller;

static void *caller_main(void *arg)
{
    caller *c = arg;
    pds_predictor p = 0;
    pds_error err;
    pds_predictor_options o;
    pds_predictor_options_init(&o);
    o.num_threads = c->threads;
    c->st = pds_predictor_create(c->m, &o, &p, &err);
    pds_tensor out = make_output();
    for (int i = 0; i < c->runs && !c->st; i++) {
        c->st = pds_predictor_run(p, &c->in, 1, &out, 1, &err);
        int n = pdst_count_threads();
        int old = atomic_load(c->peak);
        while (n > old && !atomic_compare_exchange_weak(c->peak, &old, n))
            ;
    }
    pds_predictor_destroy(p, NULL);
    free(out.data);
    return NULL;
}

/* Threads the library started end after the last model is gone (OpenMP's
 * workers leave shortly after their executor thread): wait for it. */
static int settle_threads(int want)
{
    int n = pdst_count_threads();
    for (int i = 0; i < 200 && n != want; i++) {
        struct timespec ts = {0, 10 * 1000 * 1000};
        nanosleep(&ts, NULL);
        n = pdst_count_threads();
    }
    return n;
}

/* M23: many calling threads do not make the library create threads in
 * proportion: whatever the number of callers and their intra-op threads,
 * the library adds at most pdsi_executor_thread_bound() threads (executors
 * and the OpenMP teams they lead; 3 on 2 CPUs), and none once every model is
 * destroyed. */
static void test_m23_no_thread_explosion(void)
{
    int base = settle_threads(pdst_count_threads());
    int bound = pdsi_executor_thread_bound();
    pds_model m = pdst_load_fixture("pplcnet", 0);
    input in = make_input(m, 64);
    enum { N = 16 };
    pthread_t th[N];
    caller c[N];
    atomic_int peak = 0;
    for (int i = 0; i < N; i++) {
        /* Half the callers ask for 2 intra-op threads, one for 64 (clamped). */
        c[i] = (caller){m, in.t, 3, PDS_OK, &peak, i == 0 ? 64 : 1 + (i & 1)};
        pthread_create(&th[i], NULL, caller_main, &c[i]);
    }
    for (int i = 0; i < N; i++) {
        pthread_join(th[i], NULL);
        CHECK_OK(c[i].st, NULL);
    }
    /* The process had base threads plus at most N callers, plus the bound. */
    int pk = atomic_load(&peak);
    CHECK(pk <= base + N + bound);
    if (pdsi_executor_cpus() == 2)
        CHECK_EQ_INT(bound, 3);
    /* While the model lives its threads may idle; after it, none are left. */
    CHECK(pdst_count_threads() <= base + bound);
    pds_model_destroy(m, NULL);
    CHECK_EQ_INT(settle_threads(base), base);
    free(in.buf);
    CHECK_NO_LIVE_OBJECTS();
}

/* M24: cancellation stops a run in progress and leaves the predictor usable;
 * pds_predictor_cancel hits the run in progress, never a later one. (Every
 * checkpoint, and cancellation by run id, in test_run_ids.c.) */
static void test_m24_cancel(void)
{
    pds_error err;
    session s = open_session("db_det", 64);
    /* A cancel with no run in progress does not cancel a later run. */
    CHECK_OK(pds_predictor_cancel(s.p, &err), &err);
    CHECK_OK(pds_predictor_run(s.p, &s.in.t, 1, &s.out, 1, &err), &err);
    float first = ((float *)s.out.data)[0];
    bg_run r = {.p = s.p, .in = s.in.t, .out = make_output()};
    pthread_t th;
    start_held(&r, &th);
    CHECK(wait_in_progress(&r));
    /* The run is in progress (held at its first checkpoint), so the cancel
     * reaches it; nothing else can end it. */
    CHECK_OK(pds_predictor_cancel(s.p, &err), &err);
    pthread_join(th, NULL);
    CHECK_STATUS(r.status, PDS_ERR_CANCELLED, &r.err);
    CHECK_MSG(r.err, "cancelled while copying input 0");
    /* Still usable, same answer as before. */
    CHECK_OK(pds_predictor_run(s.p, &s.in.t, 1, &s.out, 1, &err), &err);
    CHECK(((float *)s.out.data)[0] == first);
    close_session(&s);
    free(r.out.data);
    CHECK_NO_LIVE_OBJECTS();
}

/* The environment variables of pdsafe.h: a value the library does not know
 * fails the load, naming the variable, instead of being ignored. */
static void test_env_values(void)
{
    pds_error err;
    char mp[4096];
    snprintf(mp, sizeof mp, "%s/op_dropout/inference.pdmodel", pdst_fixtures_dir());
    const struct {
        const char *name, *value, *want;
    } bad[] = {{"PDSAFE_KERNELS", "refs", "PDSAFE_KERNELS is 'refs', expected 'ref', 'fast'"},
               {"PDSAFE_WINOGRAD", "yes", "PDSAFE_WINOGRAD is 'yes', expected '0', '1'"},
               {"PDSAFE_GUARD", "on", "PDSAFE_GUARD is 'on', expected '0', '1'"},
               {"PDSAFE_THREAD_POLICY", "auto",
                "PDSAFE_THREAD_POLICY is 'auto', expected 'fixed', 'adaptive'"}};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        setenv(bad[i].name, bad[i].value, 1);
        pds_model m = 0;
        CHECK_STATUS(pds_model_load_files(mp, NULL, NULL, &m, &err), PDS_ERR_INVALID_ARGUMENT,
                     &err);
        CHECK_MSG(err, bad[i].want);
        CHECK_EQ_INT(m, 0);
        unsetenv(bad[i].name);
    }
    /* Known values and empty ones load; "ref" runs the reference kernels. */
    const char *good[][2] = {{"PDSAFE_KERNELS", "ref"}, {"PDSAFE_KERNELS", "fast"},
                             {"PDSAFE_KERNELS", ""},    {"PDSAFE_WINOGRAD", "0"},
                             {"PDSAFE_WINOGRAD", "1"},  {"PDSAFE_THREAD_POLICY", "fixed"},
                             {"PDSAFE_THREAD_POLICY", "adaptive"}};
    for (size_t i = 0; i < sizeof good / sizeof good[0]; i++) {
        setenv(good[i][0], good[i][1], 1);
        pds_model m = 0;
        pds_predictor p = 0;
        CHECK_OK(pds_model_load_files(mp, NULL, NULL, &m, &err), &err);
        CHECK_OK(pds_predictor_create(m, NULL, &p, &err), &err);
        pds_predictor_stats st = {.struct_size = sizeof st};
        CHECK_OK(pds_predictor_get_stats(p, &st, &err), &err);
        bool ref = strcmp(good[i][1], "ref") == 0;
        if (ref)
            CHECK_EQ_INT(st.fast, 0);
        CHECK_OK(pds_predictor_destroy(p, &err), &err);
        CHECK_OK(pds_model_destroy(m, &err), &err);
        unsetenv(good[i][0]);
    }
    CHECK_NO_LIVE_OBJECTS();
}

int main(void)
{
    RUN_TEST(test_m1_use_after_destroy);
    RUN_TEST(test_m2_double_destroy);
    RUN_TEST(test_m3_results_after_predictor_destroyed);
    RUN_TEST(test_m4_invalid_handles);
    RUN_TEST(test_m5_wrong_kind);
    RUN_TEST(test_m6_concurrent_run_busy);
    RUN_TEST(test_m7_destroy_while_running);
    RUN_TEST(test_m8_short_input);
    RUN_TEST(test_m9_small_output);
    RUN_TEST(test_m10_wrong_dtype);
    RUN_TEST(test_m11_bad_shapes);
    RUN_TEST(test_m12_no_caller_pointer_kept);
    RUN_TEST(test_m14_any_destroy_order);
    RUN_TEST(test_m16_no_thread_local_state);
    RUN_TEST(test_m17_failure_inside_graph_is_a_status);
    RUN_TEST(test_m18_options_copied);
    RUN_TEST(test_m19_bad_model_arguments);
    RUN_TEST(test_m21_no_signal_handlers);
    RUN_TEST(test_m22_strings_are_copies);
    RUN_TEST(test_build_info);
    RUN_TEST(test_op_listing);
    RUN_TEST(test_m23_no_thread_explosion);
    RUN_TEST(test_m24_cancel);
    RUN_TEST(test_env_values);
    return pdst_summary();
}
