/*
 * test_trace.c — the timeline recorder (src/trace/, docs/TRACING.md): a
 * traced run on a fixture, read back from the JSON the library writes.
 *
 * What is asserted: every call is there with its thread, handle, run id and
 * status; calls of one thread come in the order they were made; the events
 * of each thread nest properly (any two either do not overlap or one lies
 * inside the other); every step of a run lies inside that run's call and
 * there is one per step of the plan; a full buffer keeps its first events and
 * the output counts exactly the rest; the caller's pds_error behaves as
 * without tracing. Nothing depends on how fast the machine is: only the order
 * of timestamps is compared, never their size.
 */
#define _GNU_SOURCE
#include <jansson.h>
#include <stdbool.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "harness.h"
#include "npy.h"

/* One "X" event as the test reads it. */
typedef struct ev {
    const char *name, *cat, *status, *kernel, *message, *made;
    long long tid;
    double ts, end; /* microseconds, exact to the nanosecond (integral ns below) */
    long long ts_ns, end_ns;
    long long run_id, op_index, step;
} ev;

typedef struct trace {
    json_t *root;
    ev *e;
    size_t n;
} trace;

static const char *str_or(json_t *o, const char *key)
{
    json_t *v = json_object_get(o, key);
    return json_is_string(v) ? json_string_value(v) : NULL;
}

static long long int_or(json_t *o, const char *key, long long dflt)
{
    json_t *v = json_object_get(o, key);
    return json_is_integer(v) ? (long long)json_integer_value(v) : dflt;
}

/* Dumps the session into a buffer sized by a first call, and parses it. */
static trace read_trace(void)
{
    trace t = {0};
    pds_error err;
    size_t need = 0;
    CHECK_STATUS(pds_trace_dump(NULL, 0, &need, &err), PDS_ERR_BUFFER_SIZE, &err);
    CHECK(need > 2);
    char *buf = malloc(need);
    size_t need2 = 0;
    CHECK_OK(pds_trace_dump(buf, need, &need2, &err), &err);
    CHECK_EQ_INT(need2, need);
    CHECK_EQ_INT(strlen(buf) + 1, need);
    json_error_t je;
    t.root = json_loads(buf, 0, &je);
    if (!t.root) {
        PDST_FAIL("the trace is not JSON: %s at line %d column %d", je.text, je.line, je.column);
        free(buf);
        return t;
    }
    free(buf);
    json_t *events = json_object_get(t.root, "traceEvents");
    CHECK(json_is_array(events));
    t.e = calloc(json_array_size(events) + 1, sizeof *t.e);
    size_t i;
    json_t *x;
    json_array_foreach(events, i, x) {
        const char *ph = str_or(x, "ph");
        if (!ph || strcmp(ph, "X") != 0)
            continue;
        json_t *args = json_object_get(x, "args");
        ev *e = &t.e[t.n++];
        e->name = str_or(x, "name");
        e->cat = str_or(x, "cat");
        e->tid = int_or(x, "tid", -1);
        /* ts and dur are written with three decimals: whole nanoseconds. */
        e->ts_ns = llround(json_number_value(json_object_get(x, "ts")) * 1000);
        e->end_ns = e->ts_ns + llround(json_number_value(json_object_get(x, "dur")) * 1000);
        e->ts = (double)e->ts_ns / 1000;
        e->end = (double)e->end_ns / 1000;
        e->status = str_or(args, "status");
        e->kernel = str_or(args, "kernel");
        e->message = str_or(args, "message");
        e->made = str_or(args, "made");
        e->run_id = int_or(args, "run_id", 0);
        e->op_index = int_or(args, "op_index", -1);
        e->step = int_or(args, "step", -1);
    }
    return t;
}

static void trace_free(trace *t)
{
    json_decref(t->root);
    free(t->e);
}

static long long other_int(const trace *t, const char *key)
{
    return int_or(json_object_get(t->root, "otherData"), key, -1);
}

static bool is_call(const ev *e, const char *name)
{
    return e->cat && strcmp(e->cat, "call") == 0 && e->name && strcmp(e->name, name) == 0;
}

static int by_start(const void *a, const void *b)
{
    const ev *x = *(ev *const *)a, *y = *(ev *const *)b;
    if (x->tid != y->tid)
        return x->tid < y->tid ? -1 : 1;
    if (x->ts_ns != y->ts_ns)
        return x->ts_ns < y->ts_ns ? -1 : 1;
    return (x->end_ns < y->end_ns) - (x->end_ns > y->end_ns); /* the outer one first */
}

/* Per thread: any two events either do not overlap or one contains the
 * other (a stack walk over the events sorted by start). */
static void check_nesting(const trace *t)
{
    ev **v = malloc(sizeof *v * (t->n + 1));
    for (size_t i = 0; i < t->n; i++)
        v[i] = &t->e[i];
    qsort(v, t->n, sizeof *v, by_start);
    ev *stack[64];
    int depth = 0;
    long long tid = -2;
    for (size_t i = 0; i < t->n; i++) {
        if (v[i]->tid != tid) {
            depth = 0;
            tid = v[i]->tid;
        }
        CHECK(v[i]->end_ns >= v[i]->ts_ns);
        while (depth && v[i]->ts_ns >= stack[depth - 1]->end_ns)
            depth--;
        if (depth && v[i]->end_ns > stack[depth - 1]->end_ns)
            PDST_FAIL("thread %lld: %s [%.3f, %.3f] overlaps %s [%.3f, %.3f] without nesting",
                      tid, v[i]->name, v[i]->ts, v[i]->end, stack[depth - 1]->name,
                      stack[depth - 1]->ts, stack[depth - 1]->end);
        if (depth < 64)
            stack[depth++] = v[i];
    }
    free(v);
}

static char fixture_path[4096];

static const char *fixture(const char *name, const char *file)
{
    snprintf(fixture_path, sizeof fixture_path, "%s/%s/%s", pdst_fixtures_dir(), name, file);
    return fixture_path;
}

/* A traced session on mobilenetv3: load, create, two runs (one by id), a
 * failing run, destroy; on the fast path (runs on the library's threads)
 * and on the reference kernels (runs on the caller's thread). */
static void traced_session(uint32_t model_flags)
{
    pds_error err;
    npy_array in = {0};
    char msg[256];
    if (npy_read(fixture("mobilenetv3", "case0.in0.npy"), &in, msg, sizeof msg)) {
        PDST_FAIL("%s", msg);
        return;
    }
    long long me = (long long)syscall(SYS_gettid);
    uint64_t before = pds_trace_clock_ns();
    CHECK_OK(pds_trace_start(NULL, &err), &err);
    pds_model m = pdst_load_fixture("mobilenetv3", model_flags);
    pds_predictor p = 0;
    CHECK_OK(pds_predictor_create(m, NULL, &p, &err), &err);
    pds_tensor x = {.dtype = in.dtype, .rank = in.rank, .data = in.data,
                    .byte_length = in.byte_length};
    memcpy(x.dims, in.dims, sizeof x.dims);
    float out[1000];
    pds_tensor y = {.data = out, .byte_length = sizeof out};
    CHECK_OK(pds_predictor_run(p, &x, 1, &y, 1, &err), &err);
    pds_run_options ro;
    pds_run_options_init(&ro);
    CHECK_OK(pds_predictor_run_v2(p, &ro, &x, 1, &y, 1, &err), &err);
    /* A failure with no report asked for: the trace still has its status. */
    CHECK_STATUS(pds_predictor_run(p, &x, 2, &y, 1, NULL), PDS_ERR_INVALID_ARGUMENT, NULL);
    pds_predictor_stats stats = {.struct_size = sizeof stats};
    CHECK_OK(pds_predictor_get_stats(p, &stats, &err), &err);
    CHECK_OK(pds_predictor_destroy(p, &err), &err);
    CHECK_OK(pds_model_destroy(m, &err), &err);
    CHECK_OK(pds_trace_stop(&err), &err);
    uint64_t after = pds_trace_clock_ns();

    trace t = read_trace();
    json_t *other = json_object_get(t.root, "otherData");
    CHECK(str_or(other, "clock") && strcmp(str_or(other, "clock"), "CLOCK_MONOTONIC") == 0);
    uint64_t base = (uint64_t)other_int(&t, "clock_base_ns");
    CHECK(base >= before && base <= after);
    CHECK_EQ_INT(other_int(&t, "dropped_events"), 0);
    CHECK_EQ_INT(other_int(&t, "pid"), getpid());

    /* The calls, in order, on this thread. */
    const char *want[] = {"pds_model_load_files", "pds_predictor_create", "pds_predictor_run",
                          "pds_predictor_run_v2", "pds_predictor_run", "pds_predictor_get_stats",
                          "pds_predictor_destroy", "pds_model_destroy"};
    const ev *calls[8] = {0};
    size_t nc = 0;
    for (size_t i = 0; i < t.n; i++)
        if (t.e[i].cat && strcmp(t.e[i].cat, "call") == 0) {
            CHECK_EQ_INT(t.e[i].tid, me);
            if (nc < 8)
                calls[nc] = &t.e[i];
            nc++;
        }
    CHECK_EQ_INT(nc, 8);
    for (size_t i = 0; i < 8 && i < nc; i++) {
        if (!is_call(calls[i], want[i]))
            PDST_FAIL("call %zu is %s, expected %s", i, calls[i]->name, want[i]);
        if (i)
            CHECK(calls[i]->ts_ns >= calls[i - 1]->end_ns);
        CHECK(calls[i]->ts_ns >= 0 && (uint64_t)calls[i]->end_ns <= after - base);
    }
    if (nc == 8) {
        char h[32];
        snprintf(h, sizeof h, "0x%016llx", (unsigned long long)m);
        CHECK(calls[0]->made && strcmp(calls[0]->made, h) == 0);
        snprintf(h, sizeof h, "0x%016llx", (unsigned long long)p);
        CHECK(calls[1]->made && strcmp(calls[1]->made, h) == 0);
        CHECK(strcmp(calls[2]->status, "PDS_OK") == 0 && calls[2]->run_id > 0);
        CHECK_EQ_INT(calls[3]->run_id, (long long)ro.run_id);
        CHECK(calls[3]->run_id > calls[2]->run_id);
        CHECK(strcmp(calls[4]->status, "PDS_ERR_INVALID_ARGUMENT") == 0);
        CHECK(calls[4]->message && strstr(calls[4]->message, "got 2 inputs, the model has 1"));
        /* It held the predictor before its inputs were checked: a run of its own. */
        CHECK(calls[4]->run_id > calls[3]->run_id);

        /* Every step of each good run: inside its call, one per plan step. */
        for (int r = 2; r <= 3; r++) {
            long long steps = 0, last = -1;
            for (size_t i = 0; i < t.n; i++) {
                const ev *e = &t.e[i];
                if (!e->cat || strcmp(e->cat, "op") != 0 || e->run_id != calls[r]->run_id)
                    continue;
                steps++;
                CHECK(e->ts_ns >= calls[r]->ts_ns && e->end_ns <= calls[r]->end_ns);
                CHECK(e->kernel && e->kernel[0]);
                CHECK(e->op_index >= 0 || strcmp(e->name, "reorder") == 0);
                CHECK_EQ_INT(e->step, last + 1); /* in plan order in the file */
                last = e->step;
                if (model_flags & PDS_MODEL_REFERENCE_KERNELS) {
                    CHECK_EQ_INT(e->tid, me);
                    CHECK(strcmp(e->kernel, "ref") == 0);
                }
            }
            CHECK_EQ_INT(steps, stats.steps);
        }
    }
    check_nesting(&t);
    trace_free(&t);
    npy_free(&in);
    CHECK_NO_LIVE_OBJECTS();
}

static void test_trace_run_fast(void)
{
    traced_session(0);
}

static void test_trace_run_reference(void)
{
    traced_session(PDS_MODEL_REFERENCE_KERNELS);
}

/* The detector fixture: the operators after its NMS, run once the NMS has
 * set their sizes (after the plan's steps, on the reference kernels), are
 * traced as steps numbered on from the plan's, each after the one before. */
static void test_trace_late_nodes(void)
{
    pds_error err;
    npy_array in[3] = {{0}};
    pds_tensor x[3];
    char msg[256], file[32];
    for (int i = 0; i < 3; i++) {
        snprintf(file, sizeof file, "case0.in%d.npy", i);
        if (npy_read(fixture("detector", file), &in[i], msg, sizeof msg)) {
            PDST_FAIL("%s", msg);
            return;
        }
        x[i] = (pds_tensor){.dtype = in[i].dtype, .rank = in[i].rank, .data = in[i].data,
                            .byte_length = in[i].byte_length};
        memcpy(x[i].dims, in[i].dims, sizeof x[i].dims);
    }
    pds_model m = pdst_load_fixture("detector", 0);
    pds_predictor p = 0;
    CHECK_OK(pds_predictor_create(m, NULL, &p, &err), &err);
    CHECK_OK(pds_trace_start(NULL, &err), &err);
    CHECK_OK(pds_predictor_run(p, x, 3, NULL, 0, &err), &err);
    CHECK_OK(pds_trace_stop(&err), &err);
    pds_predictor_stats stats = {.struct_size = sizeof stats};
    CHECK_OK(pds_predictor_get_stats(p, &stats, &err), &err);

    trace t = read_trace();
    long long steps = 0, last = -1, late = 0, prev_end = -1;
    for (size_t i = 0; i < t.n; i++) {
        const ev *e = &t.e[i];
        if (!e->cat || strcmp(e->cat, "op") != 0)
            continue;
        CHECK_EQ_INT(e->step, last + 1);
        last = e->step;
        CHECK(e->ts_ns >= prev_end);
        prev_end = e->end_ns;
        if (e->step >= (long long)stats.steps) {
            late++;
            CHECK(e->kernel && strcmp(e->kernel, "ref") == 0);
            CHECK(strcmp(e->name, "scale") == 0 || strcmp(e->name, "shape") == 0);
        }
        steps++;
    }
    CHECK_EQ_INT(late, 2);
    CHECK_EQ_INT(steps, (long long)stats.steps + 2);
    trace_free(&t);
    CHECK_OK(pds_predictor_destroy(p, &err), &err);
    CHECK_OK(pds_model_destroy(m, &err), &err);
    for (int i = 0; i < 3; i++)
        npy_free(&in[i]);
    CHECK_NO_LIVE_OBJECTS();
}

/* A buffer of 4 events keeps the first 4 and counts the other 6, in the
 * figures and as an instant event on the thread's track. */
static void test_trace_drops_when_full(void)
{
    pds_error err;
    pds_model m = pdst_load_fixture("mobilenetv3", PDS_MODEL_REFERENCE_KERNELS);
    pds_trace_options o;
    pds_trace_options_init(&o);
    o.buffer_events = 4;
    CHECK_OK(pds_trace_start(&o, &err), &err);
    size_t n;
    for (int i = 0; i < 10; i++)
        CHECK_OK(pds_model_input_count(m, &n, NULL), NULL);
    CHECK_OK(pds_trace_stop(&err), &err);
    trace t = read_trace();
    CHECK_EQ_INT(t.n, 4);
    CHECK_EQ_INT(other_int(&t, "dropped_events"), 6);
    CHECK_EQ_INT(other_int(&t, "buffer_events"), 4);
    json_t *events = json_object_get(t.root, "traceEvents");
    size_t i;
    json_t *x;
    int instants = 0;
    json_array_foreach(events, i, x) {
        const char *ph = str_or(x, "ph");
        if (ph && strcmp(ph, "i") == 0) {
            instants++;
            CHECK(strstr(str_or(x, "name"), "dropped"));
            CHECK_EQ_INT(int_or(json_object_get(x, "args"), "dropped", -1), 6);
            CHECK_EQ_INT(int_or(x, "tid", -1), (long long)syscall(SYS_gettid));
        }
    }
    CHECK_EQ_INT(instants, 1);
    trace_free(&t);
    CHECK_OK(pds_model_destroy(m, &err), &err);
}

/* Off means off; a session cannot start twice; bad options are refused. */
static void test_trace_session_rules(void)
{
    pds_error err;
    pds_model m = pdst_load_fixture("mobilenetv3", PDS_MODEL_REFERENCE_KERNELS);
    CHECK_OK(pds_trace_start(NULL, &err), &err);
    CHECK_STATUS(pds_trace_start(NULL, &err), PDS_ERR_INVALID_STATE, &err);
    CHECK_MSG(err, "already recording");
    size_t n;
    CHECK_OK(pds_model_input_count(m, &n, NULL), NULL);
    CHECK_OK(pds_trace_stop(&err), &err);
    CHECK_OK(pds_model_input_count(m, &n, NULL), NULL); /* not recorded */
    trace t = read_trace();
    CHECK_EQ_INT(t.n, 1);
    CHECK(t.n == 1 && is_call(&t.e[0], "pds_model_input_count"));
    trace_free(&t);
    char small[16];
    size_t need = 0;
    CHECK_STATUS(pds_trace_dump(small, sizeof small, &need, &err), PDS_ERR_BUFFER_SIZE, &err);
    CHECK(need > sizeof small);
    CHECK_EQ_INT(strlen(small), sizeof small - 1);

    pds_trace_options o;
    pds_trace_options_init(&o);
    o.buffer_events = (1u << 22) + 1;
    CHECK_STATUS(pds_trace_start(&o, &err), PDS_ERR_INVALID_ARGUMENT, &err);
    CHECK_MSG(err, "buffer_events is 4194305");
    o.buffer_events = 0;
    o.struct_size = 8;
    CHECK_STATUS(pds_trace_start(&o, &err), PDS_ERR_INVALID_ARGUMENT, &err);
    CHECK_MSG(err, "struct_size is 8");
    CHECK_STATUS(pds_trace_write("/nonexistent-dir/t.json", &err), PDS_ERR_IO, &err);
    CHECK_MSG(err, "/nonexistent-dir/t.json");
    CHECK_OK(pds_model_destroy(m, &err), &err);
}

/* The caller's report is filled on failure and untouched on success, as
 * without tracing, although the call wrote into the thread's own report. */
static void test_trace_keeps_error_contract(void)
{
    pds_error err;
    CHECK_OK(pds_trace_start(NULL, &err), &err);
    pds_model m = pdst_load_fixture("mobilenetv3", PDS_MODEL_REFERENCE_KERNELS);
    memset(&err, 0x5a, sizeof err);
    size_t n = 0;
    CHECK_OK(pds_model_input_count(m, &n, &err), &err);
    CHECK_EQ_INT(n, 1);
    CHECK_EQ_INT((unsigned char)err.message[100], 0x5a);
    CHECK_EQ_INT(err.code, 0x5a5a5a5a);
    CHECK_STATUS(pds_model_input_count(m + 1, &n, &err), PDS_ERR_INVALID_HANDLE, &err);
    CHECK_EQ_INT(err.code, PDS_ERR_INVALID_HANDLE);
    CHECK_MSG(err, "pds_model_input_count");
    CHECK_OK(pds_model_destroy(m, &err), &err);
    CHECK_STATUS(pds_model_destroy(m, &err), PDS_ERR_STALE_HANDLE, &err);
    CHECK_OK(pds_trace_stop(&err), &err);
    trace t = read_trace();
    CHECK_EQ_INT(t.n, 5);
    if (t.n == 5) {
        CHECK(strcmp(t.e[2].status, "PDS_ERR_INVALID_HANDLE") == 0);
        CHECK(strcmp(t.e[4].status, "PDS_ERR_STALE_HANDLE") == 0);
        CHECK(t.e[4].message && strstr(t.e[4].message, "pds_model_destroy"));
    }
    trace_free(&t);
}

int main(void)
{
    RUN_TEST(test_trace_run_fast);
    RUN_TEST(test_trace_run_reference);
    RUN_TEST(test_trace_late_nodes);
    RUN_TEST(test_trace_drops_when_full);
    RUN_TEST(test_trace_session_rules);
    RUN_TEST(test_trace_keeps_error_contract);
    return pdst_summary();
}
