/*
 * test_run_ids.c — run ids: a result is fetched only by the run that made it,
 * and a cancel stops only the run it names, at any checkpoint (DESIGN M6,
 * M24).
 *
 * The cancellation tests use the wait_at_checkpoint testing hook: a run that
 * was cancelled before it began, with the hook at K, is deaf to the cancel
 * until its K-th checkpoint and stops exactly there. Scanning K from 1 until a
 * run completes therefore stops a run at every checkpoint it has, in order,
 * with no thread and no timing involved.
 */
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <time.h>

#include "backend/backend.h"
#include "core/executor.h"
#include "harness.h"


/* db_det's input (1, 3, hw, hw), filled with a pattern that depends on seed. */
typedef struct {
    pds_tensor t;
    float *buf;
} input;

static input make_input(int64_t hw, int seed)
{
    input in = {.t = {.dtype = PDS_FLOAT32, .rank = 4, .dims = {1, 3, hw, hw}}};
    size_t n = (size_t)(3 * hw * hw);
    in.buf = malloc(n * sizeof(float));
    for (size_t i = 0; i < n; i++)
        in.buf[i] = (float)((i * 7919 + (size_t)seed * 104729) % 2001) / 1000.0f - 1.0f;
    in.t.data = in.buf;
    in.t.byte_length = n * sizeof(float);
    return in;
}

#define OUT_BYTES (8u << 20)

static pds_tensor make_output(void)
{
    pds_tensor o = {.data = calloc(1, OUT_BYTES), .byte_length = OUT_BYTES};
    return o;
}

static size_t out_bytes(const pds_tensor *o)
{
    size_t n = pds_dtype_size(o->dtype);
    for (int d = 0; d < o->rank; d++)
        n *= (size_t)o->dims[d];
    return n;
}

static bool same_output(const pds_tensor *a, const pds_tensor *b)
{
    return a->dtype == b->dtype && a->rank == b->rank &&
           memcmp(a->dims, b->dims, sizeof a->dims) == 0 &&
           memcmp(a->data, b->data, out_bytes(a)) == 0;
}


static pds_status run_v2(pds_predictor p, pds_run_id *id, uint32_t wait_at, const input *in,
                         pds_tensor *out, pds_error *err)
{
    pds_run_options o;
    pds_run_options_init(&o);
    o.run_id = *id;
    o.wait_at_checkpoint = wait_at;
    pds_status st = pds_predictor_run_v2(p, &o, &in->t, 1, out, out ? 1 : 0, err);
    *id = o.run_id;
    return st;
}

/* M6: fetch_v2 hands out a result only to the run that made it. */
static void test_fetch_by_run_id(void)
{
    pds_error err;
    pds_model m = pdst_load_fixture("db_det", 0);
    pds_predictor p = 0;
    CHECK_OK(pds_predictor_create(m, NULL, &p, &err), &err);
    input a = make_input(64, 1), b = make_input(96, 2);
    pds_tensor want_a = make_output(), want_b = make_output(), got = make_output();
    CHECK_OK(pds_predictor_run(p, &a.t, 1, &want_a, 1, &err), &err);
    CHECK_OK(pds_predictor_run(p, &b.t, 1, &want_b, 1, &err), &err);

    /* A run with no outputs keeps its result for fetch_v2 under its id. */
    pds_run_id ida = 0;
    CHECK_OK(run_v2(p, &ida, 0, &a, NULL, &err), &err);
    CHECK(ida != 0);
    CHECK_OK(pds_predictor_fetch_v2(p, ida, &got, 1, &err), &err);
    CHECK(same_output(&got, &want_a));
    /* Another run replaces it: the old id is refused, nothing is written. */
    pds_run_id idb = 0;
    CHECK_OK(run_v2(p, &idb, 0, &b, NULL, &err), &err);
    CHECK(idb > ida);
    memset(got.data, 0, OUT_BYTES);
    got.rank = 0;
    CHECK_STATUS(pds_predictor_fetch_v2(p, ida, &got, 1, &err), PDS_ERR_RESULT_GONE, &err);
    CHECK_MSG(err, "is no longer kept: a later run");
    CHECK_EQ_INT(got.rank, 0);
    CHECK_OK(pds_predictor_fetch_v2(p, idb, &got, 1, &err), &err);
    CHECK(same_output(&got, &want_b));
    /* pds_predictor_fetch still returns the last result, whoever made it. */
    CHECK_OK(pds_predictor_fetch(p, &got, 1, &err), &err);
    CHECK(same_output(&got, &want_b));

    /* A caller-chosen id is used as given and left unchanged. */
    pds_run_id mine = pds_run_id_new();
    pds_run_id idc = mine;
    CHECK_OK(run_v2(p, &idc, 0, &a, &got, &err), &err);
    CHECK_EQ_INT(idc, mine);
    CHECK(same_output(&got, &want_a));
    /* ... but not twice in a row, and only ids the library handed out. */
    CHECK_STATUS(run_v2(p, &idc, 0, &a, &got, &err), PDS_ERR_INVALID_ARGUMENT, &err);
    CHECK_MSG(err, "already used by this predictor's previous run");
    pds_run_id forged = pds_run_id_new() + 1000000;
    CHECK_STATUS(run_v2(p, &forged, 0, &a, &got, &err), PDS_ERR_INVALID_ARGUMENT, &err);
    CHECK_MSG(err, "never returned by pds_run_id_new");

    /* A failed run keeps no result: its id is refused, so is the previous one. */
    input bad = make_input(64, 3);
    bad.t.byte_length = 4;
    pds_run_id idf = pds_run_id_new();
    CHECK_STATUS(run_v2(p, &idf, 0, &bad, NULL, &err), PDS_ERR_BUFFER_SIZE, &err);
    CHECK_STATUS(pds_predictor_fetch_v2(p, idf, &got, 1, &err), PDS_ERR_RESULT_GONE, &err);
    CHECK_MSG(err, "keeps no result of run");
    /* An input error leaves the kept result alone: still the previous run's. */
    CHECK_OK(pds_predictor_fetch_v2(p, idc, &got, 1, &err), &err);
    CHECK(same_output(&got, &want_a));

    /* Argument errors. */
    CHECK_STATUS(pds_predictor_fetch_v2(p, 0, &got, 1, &err), PDS_ERR_INVALID_ARGUMENT, &err);
    CHECK_MSG(err, "run id 0");
    CHECK_STATUS(pds_predictor_run_v2(p, NULL, &a.t, 1, NULL, 0, &err), PDS_ERR_INVALID_ARGUMENT,
                 &err);
    CHECK_MSG(err, "options is NULL");
    pds_run_options o;
    pds_run_options_init(&o);
    o.struct_size = 8;
    CHECK_STATUS(pds_predictor_run_v2(p, &o, &a.t, 1, NULL, 0, &err), PDS_ERR_INVALID_ARGUMENT,
                 &err);
    CHECK_MSG(err, "pds_run_options.struct_size is 8");
    pds_run_options_init(&o);
    o.flags = 4;
    CHECK_STATUS(pds_predictor_run_v2(p, &o, &a.t, 1, NULL, 0, &err), PDS_ERR_INVALID_ARGUMENT,
                 &err);
    CHECK_MSG(err, "unknown flags 0x4");
    CHECK_STATUS(pds_predictor_cancel_run(p, 0, &err), PDS_ERR_INVALID_ARGUMENT, &err);

    /* Handles are checked as everywhere (M1, M4, M5). */
    CHECK_STATUS(pds_predictor_fetch_v2(m, idb, &got, 1, &err), PDS_ERR_WRONG_HANDLE_KIND, &err);
    CHECK_STATUS(pds_predictor_cancel_run(12345, idb, &err), PDS_ERR_INVALID_HANDLE, &err);
    CHECK_OK(pds_predictor_destroy(p, &err), &err);
    CHECK_STATUS(pds_predictor_cancel_run(p, idb, &err), PDS_ERR_STALE_HANDLE, &err);
    pds_run_options_init(&o);
    CHECK_STATUS(pds_predictor_run_v2(p, &o, &a.t, 1, NULL, 0, &err), PDS_ERR_STALE_HANDLE, &err);
    CHECK_EQ_INT(o.run_id, 0); /* never admitted: no id taken */
    CHECK_OK(pds_model_destroy(m, &err), &err);
    free(a.buf);
    free(b.buf);
    free(bad.buf);
    free(want_a.data);
    free(want_b.data);
    free(got.data);
    CHECK_NO_LIVE_OBJECTS();
}

/* A run handed to an executor thread borrows that thread's workspace (DESIGN
 * 2.4); the result it keeps for a fetch is copied out first, so that another
 * predictor's run in the same workspace cannot change it. Runs of 2 threads
 * (fixed policy: no 1-thread probes on the caller's thread) all go to
 * executor 0, the only one that takes 2. Then a model's runs grow the
 * workspace, and freeing that model gives it back while another model keeps
 * the executor alive: pds_memory_held returns to its value before. */
static void test_kept_result_outlives_workspace(void)
{
    pds_error err;
    setenv("PDSAFE_THREAD_POLICY", "fixed", 1);
    pds_model keep = pdst_load_fixture("pplcnet", 0); /* holds the executor */
    uint64_t held0 = pds_memory_held();
    pds_model m = pdst_load_fixture("db_det", 0);
    unsetenv("PDSAFE_THREAD_POLICY");
    pds_predictor_options po;
    pds_predictor_options_init(&po);
    po.num_threads = 2;
    pds_predictor p1 = 0, p2 = 0;
    CHECK_OK(pds_predictor_create(m, &po, &p1, &err), &err);
    CHECK_OK(pds_predictor_create(m, &po, &p2, &err), &err);
    input a = make_input(64, 1), b = make_input(96, 2);
    pds_tensor want_a = make_output(), want_b = make_output(), got = make_output();
    CHECK_OK(pds_predictor_run(p1, &a.t, 1, &want_a, 1, &err), &err);
    CHECK_OK(pds_predictor_run(p2, &b.t, 1, &want_b, 1, &err), &err);
    CHECK(!same_output(&want_a, &want_b));
    for (int i = 0; i < 3; i++) {
        pds_run_id ida = 0;
        CHECK_OK(run_v2(p1, &ida, 0, &a, NULL, &err), &err);
        CHECK_OK(pds_predictor_run(p2, &b.t, 1, &got, 1, &err), &err);
        CHECK(same_output(&got, &want_b));
        memset(got.data, 0, OUT_BYTES);
        CHECK_OK(pds_predictor_fetch_v2(p1, ida, &got, 1, &err), &err);
        CHECK(same_output(&got, &want_a));
    }
    CHECK_OK(pds_predictor_destroy(p1, &err), &err);
    CHECK_OK(pds_predictor_destroy(p2, &err), &err);
    CHECK(pds_memory_held() > held0);
    CHECK_OK(pds_model_destroy(m, &err), &err);
    if (pds_memory_held() != held0)
        PDST_FAIL("%llu bytes held after db_det's model was freed, %llu before it was loaded: "
                  "the executor's workspace kept what its runs grew it to",
                  (unsigned long long)pds_memory_held(), (unsigned long long)held0);
    CHECK_OK(pds_model_destroy(keep, &err), &err);
    free(a.buf);
    free(b.buf);
    free(want_a.data);
    free(want_b.data);
    free(got.data);
    CHECK_NO_LIVE_OBJECTS();
}

/* Runs of 1-thread predictors on their callers' threads borrow one of the
 * library's caller workspaces too: more predictors add their input copies
 * and kept outputs, not an arena each (DESIGN 2.4). (Before, each of the 3
 * allocated an arena too: 417792 bytes instead of 196608.) */
static void test_predictors_share_workspaces(void)
{
    if (!pdsi_backend_find("onednn")) {
        printf("  (no oneDNN: runs use their predictor's arena)\n");
        return;
    }
    enum { N = 4 };
    pds_error err;
    pds_model m = pdst_load_fixture("db_det", 0);
    pds_predictor p[N] = {0};
    input in = make_input(64, 1);
    pds_tensor want = make_output(), got = make_output();
    uint64_t held1 = 0;
    for (int i = 0; i < N; i++) {
        CHECK_OK(pds_predictor_create(m, NULL, &p[i], &err), &err);
        CHECK_OK(pds_predictor_run(p[i], &in.t, 1, i ? &got : &want, 1, &err), &err);
        if (i)
            CHECK(same_output(&got, &want));
        else
            held1 = pds_memory_held();
    }
    /* Each holds its input copy and its kept output (sizes multiples of 64,
     * as the allocator rounds): nothing more. */
    uint64_t added = pds_memory_held() - held1;
    uint64_t own = (uint64_t)(N - 1) * (in.t.byte_length + out_bytes(&want));
    uint64_t arena = pdst_stats(p[0]).arena_bytes;
    CHECK(arena > 0);
    if (added > own)
        PDST_FAIL("%d more predictors' first runs added %llu bytes of buffers, %llu more than "
                  "their input copies and kept outputs (one arena is %llu): they allocated "
                  "arenas of their own", N - 1, (unsigned long long)added,
                  (unsigned long long)(added - own), (unsigned long long)arena);
    for (int i = 0; i < N; i++)
        CHECK_OK(pds_predictor_destroy(p[i], &err), &err);
    CHECK_OK(pds_model_destroy(m, &err), &err);
    free(in.buf);
    free(want.data);
    free(got.data);
    CHECK_NO_LIVE_OBJECTS();
}

/* A job that holds one compute token until the gate opens. */
static pthread_mutex_t hold_mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t hold_cv = PTHREAD_COND_INITIALIZER;
static bool hold_open;
static atomic_bool hold_running;

static void hold_main(void *arg)
{
    (void)arg;
    atomic_store(&hold_running, true);
    pthread_mutex_lock(&hold_mu);
    while (!hold_open)
        pthread_cond_wait(&hold_cv, &hold_mu);
    pthread_mutex_unlock(&hold_mu);
}

/* Waits (yielding) until flag is set, for at most about a minute: a bound
 * that only a hang reaches, never a slow machine. */
static bool wait_flag(atomic_bool *flag)
{
    for (long i = 0; i < 60000 && !atomic_load(flag); i++)
        nanosleep(&(struct timespec){0, 1000000}, NULL);
    return atomic_load(flag);
}

static void *hold_caller(void *arg)
{
    pds_error err;
    *(pds_status *)arg = pdsi_executor_run(hold_main, NULL, 1, &err);
    return NULL;
}

static void hold_release(void)
{
    pthread_mutex_lock(&hold_mu);
    hold_open = true;
    pthread_cond_broadcast(&hold_cv);
    pthread_mutex_unlock(&hold_mu);
}

typedef struct narrow_run {
    pds_predictor p;
    const input *in;
    pds_tensor out;
    pds_status st;
    atomic_bool done;
} narrow_run;

static void *narrow_main(void *arg)
{
    narrow_run *r = arg;
    pds_error err;
    r->st = pds_predictor_run(r->p, &r->in->t, 1, &r->out, 1, &err);
    atomic_store(&r->done, true);
    return NULL;
}

/* A run of a 2-thread predictor (adaptive policy) that finds a compute token
 * held by another job runs at once with one thread beside it, instead of
 * queueing until both tokens are free: more runs per second with many
 * callers (DESIGN 2.4). Each run either finishes or is queued, so the test
 * waits for one of the two, with no clock. */
static void test_contended_run_narrows(void)
{
    if (pdsi_executor_cpus() < 2 || !pdsi_backend_find("onednn")) {
        printf("  (one CPU, or no oneDNN: no team of 2 to narrow)\n");
        return;
    }
    pds_error err;
    pds_model m = pdst_load_fixture("db_det", 0);
    pds_predictor_options po;
    pds_predictor_options_init(&po);
    po.num_threads = 2;
    pds_predictor p = 0;
    CHECK_OK(pds_predictor_create(m, &po, &p, &err), &err);
    input in = make_input(64, 1);
    pds_tensor want = make_output();
    CHECK_OK(pds_predictor_run(p, &in.t, 1, &want, 1, &err), &err);
    CHECK(!pdsi_executor_contended(2));
    uint64_t one0 = pdst_stats(p).runs_one_thread;

    pds_status hold_st = PDS_OK;
    pthread_t ht;
    hold_open = false;
    atomic_store(&hold_running, false);
    CHECK(pthread_create(&ht, NULL, hold_caller, &hold_st) == 0);
    if (!wait_flag(&hold_running)) {
        PDST_FAIL("the job holding a token never started (%d jobs queued)",
                  pdsi_executor_queued());
        hold_release();
    }
    CHECK(pdsi_executor_contended(2));
    CHECK(!pdsi_executor_contended(1));
    enum { RUNS = 5 };
    int narrowed = 0;
    for (int k = 0; k < RUNS; k++) {
        narrow_run r = {.p = p, .in = &in, .out = make_output()};
        pthread_t rt;
        CHECK(pthread_create(&rt, NULL, narrow_main, &r) == 0);
        while (!atomic_load(&r.done) && pdsi_executor_queued() == 0)
            sched_yield();
        if (!atomic_load(&r.done)) {
            PDST_FAIL("run %d of a 2-thread predictor was queued behind the job holding a "
                      "token; expected it to run at once with one thread", k);
            hold_release();
        }
        pthread_join(rt, NULL);
        CHECK_OK(r.st, NULL);
        if (r.st == PDS_OK) {
            CHECK_EQ_INT(r.out.rank, want.rank);
            CHECK(pdst_check_close("narrowed run", r.out.data, want.data,
                                   (long)(out_bytes(&want) / sizeof(float)), PDST_ATOL,
                                   PDST_RTOL) == 0);
        }
        free(r.out.data);
        narrowed += atomic_load(&r.done) && r.st == PDS_OK;
        if (pdst_failures)
            break;
    }
    hold_release();
    pthread_join(ht, NULL);
    CHECK_OK(hold_st, NULL);
    CHECK_EQ_INT(pdst_stats(p).runs_one_thread, one0 + (uint64_t)narrowed);
    CHECK(!pdsi_executor_contended(2));
    CHECK_OK(pds_predictor_destroy(p, &err), &err);
    CHECK_OK(pds_model_destroy(m, &err), &err);
    free(in.buf);
    free(want.data);
    CHECK_NO_LIVE_OBJECTS();
}

/* M24: a cancel that comes before its run stops that run as it begins, and
 * no other run; the predictor remembers the last PDS_PENDING_CANCELS. */
static void test_cancel_before_start(void)
{
    pds_error err;
    pds_model m = pdst_load_fixture("db_det", 0);
    pds_predictor p = 0;
    CHECK_OK(pds_predictor_create(m, NULL, &p, &err), &err);
    input a = make_input(64, 1);
    pds_tensor out = make_output();

    pds_run_id id = pds_run_id_new(), other = pds_run_id_new();
    CHECK_OK(pds_predictor_cancel_run(p, id, &err), &err);
    CHECK_OK(run_v2(p, &other, 0, &a, &out, &err), &err); /* not the one cancelled */
    pds_run_id got = id;
    CHECK_STATUS(run_v2(p, &got, 0, &a, &out, &err), PDS_ERR_CANCELLED, &err);
    CHECK_MSG(err, "checkpoint 1");
    CHECK_MSG(err, "while copying input 0");
    /* Not remembered against later runs: a fresh id runs. */
    pds_run_id next = 0;
    CHECK_OK(run_v2(p, &next, 0, &a, &out, &err), &err);

    /* Ring of pending cancels: the last PDS_PENDING_CANCELS are kept. */
    pds_run_id ids[PDS_PENDING_CANCELS + 1];
    for (int i = 0; i <= PDS_PENDING_CANCELS; i++) {
        ids[i] = pds_run_id_new();
        CHECK_OK(pds_predictor_cancel_run(p, ids[i], &err), &err);
    }
    CHECK_OK(run_v2(p, &ids[0], 0, &a, &out, &err), &err); /* the oldest was forgotten */
    for (int i = 1; i <= PDS_PENDING_CANCELS; i++)
        CHECK_STATUS(run_v2(p, &ids[i], 0, &a, &out, &err), PDS_ERR_CANCELLED, &err);

    /* pds_predictor_cancel with no run in progress does not touch a later run. */
    CHECK_OK(pds_predictor_cancel(p, &err), &err);
    next = 0;
    CHECK_OK(run_v2(p, &next, 0, &a, &out, &err), &err);
    CHECK_OK(pds_predictor_destroy(p, &err), &err);
    CHECK_OK(pds_model_destroy(m, &err), &err);
    free(a.buf);
    free(out.data);
    CHECK_NO_LIVE_OBJECTS();
}

enum phase { COPY, INFER, PLAN, STEP, N_PHASES };
static const char *const phase_text[N_PHASES] = {
    "while copying input", "before inferring the shapes of op", "while planning the new input",
    "before op #"};

static int phase_of(const char *msg)
{
    for (int k = 0; k < N_PHASES; k++)
        if (strstr(msg, phase_text[k]))
            return k;
    return -1;
}

/* M24: a run stopped at each of its checkpoints in turn, on a fresh
 * predictor each time (so that every run plans): each stop names its
 * checkpoint and phase, phases come in run order, and the predictor then
 * runs normally with the right result. */
static void scan_checkpoints(uint32_t model_flags)
{
    pds_error err;
    pds_model m = pdst_load_fixture("db_det", model_flags);
    input a = make_input(64, 1);
    pds_tensor want = make_output(), got = make_output();
    pds_predictor p = 0;
    CHECK_OK(pds_predictor_create(m, NULL, &p, &err), &err);
    CHECK_OK(pds_predictor_run(p, &a.t, 1, &want, 1, &err), &err);
    CHECK_OK(pds_predictor_destroy(p, &err), &err);

    int seen[N_PHASES] = {0}, last = -1;
    uint32_t k;
    for (k = 1; k < 100000; k++) {
        CHECK_OK(pds_predictor_create(m, NULL, &p, &err), &err);
        pds_run_id id = pds_run_id_new();
        CHECK_OK(pds_predictor_cancel_run(p, id, &err), &err);
        pds_status st = run_v2(p, &id, k, &a, &got, &err);
        bool done = st == PDS_OK;
        if (!done) {
            char want_ck[32];
            snprintf(want_ck, sizeof want_ck, "(checkpoint %u)", k);
            CHECK_STATUS(st, PDS_ERR_CANCELLED, &err);
            CHECK_MSG(err, want_ck);
            int ph = phase_of(err.message);
            if (ph < 0 || ph < last) {
                PDST_FAIL("checkpoint %u: phase out of order (after '%s'): %s", k,
                          last >= 0 ? phase_text[last] : "-", err.message);
                done = true;
            } else {
                seen[ph]++;
                last = ph;
            }
            /* The same predictor then runs to the right result. */
            pds_run_id again = 0;
            CHECK_OK(run_v2(p, &again, 0, &a, &got, &err), &err);
            CHECK(same_output(&got, &want));
        } else {
            CHECK(same_output(&got, &want));
        }
        CHECK_OK(pds_predictor_destroy(p, &err), &err);
        if (done || pdst_failures)
            break;
    }
    /* One input chunk, then every op inferred, planned and run. */
    CHECK_EQ_INT(seen[COPY], 1);
    CHECK(seen[INFER] > 10);
    CHECK(seen[PLAN] >= seen[INFER]);
    CHECK(seen[STEP] > 10);
    CHECK_EQ_INT(k, 1 + seen[COPY] + seen[INFER] + seen[PLAN] + seen[STEP]);
    CHECK_OK(pds_model_destroy(m, &err), &err);
    free(a.buf);
    free(want.data);
    free(got.data);
    CHECK_NO_LIVE_OBJECTS();
}

static void test_cancel_at_every_checkpoint(void)
{
    scan_checkpoints(0);
}

static void test_cancel_at_every_checkpoint_reference(void)
{
    scan_checkpoints(PDS_MODEL_REFERENCE_KERNELS);
}

/* M24: a large input is copied in chunks, each a checkpoint. */
static void test_cancel_during_input_copy(void)
{
    pds_error err;
    pds_model m = pdst_load_fixture("db_det", 0);
    pds_predictor p = 0;
    CHECK_OK(pds_predictor_create(m, NULL, &p, &err), &err);
    input big = make_input(1024, 1); /* 12 MiB: three chunks */
    for (uint32_t k = 1; k <= 3; k++) {
        pds_run_id id = pds_run_id_new();
        CHECK_OK(pds_predictor_cancel_run(p, id, &err), &err);
        CHECK_STATUS(run_v2(p, &id, k, &big, NULL, &err), PDS_ERR_CANCELLED, &err);
        char want[96];
        snprintf(want, sizeof want, "while copying input 0 ('x'), %u of %zu bytes copied",
                 (k - 1) * (4u << 20), big.t.byte_length);
        CHECK_MSG(err, want);
    }
    CHECK_OK(pds_predictor_destroy(p, &err), &err);
    CHECK_OK(pds_model_destroy(m, &err), &err);
    free(big.buf);
    CHECK_NO_LIVE_OBJECTS();
}

/* A run on its own thread. */
typedef struct {
    pds_predictor p;
    const input *in;
    pds_tensor out;
    pds_run_id id;
    uint32_t wait_at;
    atomic_int finished;
    pds_status status;
    pds_error err;
} bg_run;

static void *bg_main(void *arg)
{
    bg_run *r = arg;
    /* A probe from the main thread may hold the predictor for a moment:
     * BUSY did nothing, so try again. */
    do
        r->status = run_v2(r->p, &r->id, r->wait_at, r->in, &r->out, &r->err);
    while (r->status == PDS_ERR_BUSY);
    atomic_store(&r->finished, 1);
    return NULL;
}

/* M6, M24: callers sharing a serialising predictor cancel only their own
 * runs. B is cancelled before it starts; A, B and then A again run on two
 * threads in whatever order the scheduler picks: B stops as it begins (its
 * first checkpoint), A is untouched and computes the right result. Then A2,
 * held mid-run at checkpoint 5 (inferring shapes), stops there when its own
 * cancel comes, whenever that is. */
static void test_cancel_run_spares_others(void)
{
    pds_error err;
    pds_model m = pdst_load_fixture("db_det", 0);
    pds_predictor_options po;
    pds_predictor_options_init(&po);
    po.flags = PDS_PREDICTOR_SERIALIZE;
    pds_predictor p = 0;
    CHECK_OK(pds_predictor_create(m, &po, &p, &err), &err);
    input in = make_input(64, 1);
    pds_tensor want = make_output();
    CHECK_OK(pds_predictor_run(p, &in.t, 1, &want, 1, &err), &err);

    bg_run a = {.p = p, .in = &in, .out = make_output(), .id = pds_run_id_new()};
    bg_run b = {.p = p, .in = &in, .out = make_output(), .id = pds_run_id_new()};
    CHECK_OK(pds_predictor_cancel_run(p, b.id, &err), &err);
    pthread_t ta, tb;
    pthread_create(&ta, NULL, bg_main, &a);
    pthread_create(&tb, NULL, bg_main, &b);
    pthread_join(ta, NULL);
    pthread_join(tb, NULL);
    CHECK_OK(a.status, &a.err);
    CHECK(same_output(&a.out, &want));
    CHECK_STATUS(b.status, PDS_ERR_CANCELLED, &b.err);
    CHECK_MSG(b.err, "(checkpoint 1)");

    bg_run a2 = {.p = p, .in = &in, .out = make_output(), .id = pds_run_id_new(), .wait_at = 5};
    pthread_create(&ta, NULL, bg_main, &a2);
    CHECK_OK(pds_predictor_cancel_run(p, b.id, &err), &err); /* an old id: no effect on a2 */
    CHECK_OK(pds_predictor_cancel_run(p, a2.id, &err), &err);
    pthread_join(ta, NULL);
    CHECK_STATUS(a2.status, PDS_ERR_CANCELLED, &a2.err);
    CHECK_MSG(a2.err, "before inferring the shapes of op");
    CHECK_MSG(a2.err, "(checkpoint 5)");
    pds_run_id c = 0;
    pds_tensor got = make_output();
    CHECK_OK(run_v2(p, &c, 0, &in, &got, &err), &err);
    CHECK(same_output(&got, &want));
    CHECK_OK(pds_predictor_destroy(p, &err), &err);
    CHECK_OK(pds_model_destroy(m, &err), &err);
    free(in.buf);
    free(want.data);
    free(a.out.data);
    free(b.out.data);
    free(a2.out.data);
    free(got.data);
    CHECK_NO_LIVE_OBJECTS();
}

/* M24: a cancel is never undone by a cancel of another run. A is held in
 * progress; a predictor-wide cancel and its own are followed at once by
 * cancels of other ids (one not yet begun, one long finished): A stops. (A
 * single "id to cancel" slot would have been overwritten, and A held for
 * ever.) */
static void test_cancel_not_overwritten(void)
{
    pds_error err;
    pds_model m = pdst_load_fixture("db_det", 0);
    pds_predictor p = 0;
    CHECK_OK(pds_predictor_create(m, NULL, &p, &err), &err);
    input in = make_input(64, 1);
    bg_run a = {.p = p, .in = &in, .out = make_output(), .id = pds_run_id_new(), .wait_at = 2};
    pthread_t ta;
    pthread_create(&ta, NULL, bg_main, &a);
    /* In progress once a wrong-dtype probe is refused as busy. */
    pds_tensor probe = in.t;
    probe.dtype = PDS_UINT8;
    while (pds_predictor_run(p, &probe, 1, NULL, 0, &err) != PDS_ERR_BUSY)
        if (atomic_load(&a.finished)) {
            PDST_FAIL("the held run ended by itself: %s", a.err.message);
            break;
        }
    pds_run_id old = pds_run_id_new(), later = pds_run_id_new();
    CHECK_OK(pds_predictor_cancel(p, &err), &err);
    CHECK_OK(pds_predictor_cancel_run(p, a.id, &err), &err);
    CHECK_OK(pds_predictor_cancel_run(p, later, &err), &err);
    CHECK_OK(pds_predictor_cancel_run(p, old, &err), &err);
    pthread_join(ta, NULL);
    CHECK_STATUS(a.status, PDS_ERR_CANCELLED, &a.err);
    CHECK_MSG(a.err, "(checkpoint 2)");
    /* `later` is still pending: its run stops as it begins. */
    CHECK_STATUS(run_v2(p, &later, 0, &in, NULL, &err), PDS_ERR_CANCELLED, &err);
    CHECK_OK(pds_predictor_destroy(p, &err), &err);
    CHECK_OK(pds_model_destroy(m, &err), &err);
    free(in.buf);
    free(a.out.data);
    CHECK_NO_LIVE_OBJECTS();
}

/* M6: threads share one predictor (no serialisation: BUSY is retried), each
 * with its own input shape and values; a run keeps its result (no outputs)
 * and the thread fetches it by id. A result is never another thread's:
 * fetch_v2 refuses a replaced one, and the thread runs again. */
#define HAMMER_THREADS 4
#define HAMMER_RUNS 150

typedef struct {
    pds_predictor p;
    input in;
    pds_tensor want, got;
    long ok, gone, busy, wrong;
} hammer;

static void *hammer_main(void *arg)
{
    hammer *h = arg;
    pds_error err;
    while (h->ok < HAMMER_RUNS) {
        pds_run_id id = 0;
        pds_status st = run_v2(h->p, &id, 0, &h->in, NULL, &err);
        if (st == PDS_ERR_BUSY) {
            h->busy++;
            continue;
        }
        if (st) {
            h->wrong++;
            break;
        }
        h->got.rank = 0;
        st = pds_predictor_fetch_v2(h->p, id, &h->got, 1, &err);
        if (st == PDS_ERR_RESULT_GONE || st == PDS_ERR_BUSY) {
            h->gone += st == PDS_ERR_RESULT_GONE;
            h->busy += st == PDS_ERR_BUSY;
            continue;
        }
        if (st || !same_output(&h->got, &h->want))
            h->wrong++;
        h->ok++;
    }
    return NULL;
}

static void test_shared_predictor_never_mixes_results(void)
{
    pds_error err;
    pds_model m = pdst_load_fixture("db_det", 0);
    pds_predictor p = 0;
    CHECK_OK(pds_predictor_create(m, NULL, &p, &err), &err);
    hammer h[HAMMER_THREADS];
    for (int i = 0; i < HAMMER_THREADS; i++) {
        h[i] = (hammer){.p = p, .in = make_input(32 + 32 * (i % 2), i), .want = make_output(),
                        .got = make_output()};
        CHECK_OK(pds_predictor_run(p, &h[i].in.t, 1, &h[i].want, 1, &err), &err);
    }
    pthread_t th[HAMMER_THREADS];
    for (int i = 0; i < HAMMER_THREADS; i++)
        pthread_create(&th[i], NULL, hammer_main, &h[i]);
    long gone = 0;
    for (int i = 0; i < HAMMER_THREADS; i++) {
        pthread_join(th[i], NULL);
        CHECK_EQ_INT(h[i].wrong, 0);
        CHECK_EQ_INT(h[i].ok, HAMMER_RUNS);
        gone += h[i].gone;
        free(h[i].in.buf);
        free(h[i].want.data);
        free(h[i].got.data);
    }
    printf("  %d threads x %d runs: %ld fetches found their result replaced\n", HAMMER_THREADS,
           HAMMER_RUNS, gone);
    CHECK_OK(pds_predictor_destroy(p, &err), &err);
    CHECK_OK(pds_model_destroy(m, &err), &err);
    CHECK_NO_LIVE_OBJECTS();
}

int main(void)
{
    RUN_TEST(test_fetch_by_run_id);
    RUN_TEST(test_cancel_before_start);
    RUN_TEST(test_kept_result_outlives_workspace);
    RUN_TEST(test_contended_run_narrows);
    RUN_TEST(test_predictors_share_workspaces);
    RUN_TEST(test_cancel_at_every_checkpoint);
    RUN_TEST(test_cancel_at_every_checkpoint_reference);
    RUN_TEST(test_cancel_during_input_copy);
    RUN_TEST(test_cancel_run_spares_others);
    RUN_TEST(test_cancel_not_overwritten);
    RUN_TEST(test_shared_predictor_never_mixes_results);
    return pdst_summary();
}
