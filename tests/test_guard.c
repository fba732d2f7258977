/*
 * test_guard.c — guard mode (docs/GUARD.md): every misuse the library
 * detects, provoked for real, becomes an incident whose report names the
 * root cause (DESIGN.md M1-M11, M15) and three sites as file:line of this
 * file: where the object was created, where it was destroyed and where the
 * offending call was made. The sites come from the symbolised C backtrace of
 * this test binary (built with -g), so each call below that a check names
 * sits on one line with `const int L_x = __LINE__;`.
 *
 * Guard mode stays on once any object asks for it, so test_off runs first.
 * Runs that must be in progress on another thread are held at a checkpoint
 * (wait_at_checkpoint) until cancelled: nothing depends on machine speed.
 */
#include <jansson.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <sys/wait.h>
#include <unistd.h>

#include "harness.h"

/* ---- helpers ---------------------------------------------------------------- */

static char *report(uint32_t format)
{
    pds_error err;
    size_t need = 0;
    CHECK_STATUS(pds_guard_report(format, NULL, 0, &need, &err), PDS_ERR_BUFFER_SIZE, &err);
    CHECK(need > 1);
    size_t cap = need + 65536; /* the report may grow between the two calls */
    char *buf = malloc(cap);
    CHECK_OK(pds_guard_report(format, buf, cap, &need, &err), &err);
    CHECK(strlen(buf) + 1 == need);
    return buf;
}

static json_t *report_json(void)
{
    char *text = report(PDS_GUARD_REPORT_JSON);
    json_error_t je;
    json_t *j = json_loads(text, 0, &je);
    if (!j)
        PDST_FAIL("the JSON report does not parse: %s at line %d column %d", je.text, je.line,
                  je.column);
    free(text);
    return j;
}

/* The line of site `id`'s first frame when that frame is in this file, else -1
 * (and the frame is printed, to see what it was). */
static int site_line(json_t *rep, json_t *event)
{
    if (!json_is_object(event))
        return -2;
    char key[32];
    snprintf(key, sizeof key, "%lld", (long long)json_integer_value(json_object_get(event, "site")));
    json_t *frames = json_object_get(json_object_get(rep, "sites"), key);
    json_t *f0 = json_array_get(frames, 0);
    const char *file = json_string_value(json_object_get(f0, "file"));
    const char *fn = json_string_value(json_object_get(f0, "function"));
    int line = (int)json_integer_value(json_object_get(f0, "line"));
    static const char me[] = "tests/test_guard.c";
    size_t n = file ? strlen(file) : 0;
    if (n < sizeof me - 1 || strcmp(file + n - (sizeof me - 1), me) != 0) {
        fprintf(stderr, "  site %s: first frame %s (%s:%d)\n", key, fn ? fn : "?",
                file ? file : "?", line);
        return -1;
    }
    return line;
}

/* The newest incident of the report with that root cause and function. */
static json_t *find_incident(json_t *rep, const char *root, const char *fn)
{
    json_t *all = json_object_get(rep, "incidents"), *found = NULL;
    for (size_t i = 0; i < json_array_size(all); i++) {
        json_t *in = json_array_get(all, i);
        if (strcmp(json_string_value(json_object_get(in, "root_cause")), root) == 0 &&
            strcmp(json_string_value(json_object_get(in, "function")), fn) == 0)
            found = in;
    }
    if (!found)
        PDST_FAIL("no %s incident of %s in the report", root, fn);
    return found;
}

/* Asserts an incident's call, creation and destruction lines (-1: none). */
#define CHECK_SITES(rep, in, call, made, gone)                                                \
    do {                                                                                      \
        CHECK_EQ_INT(site_line(rep, json_object_get(in, "call")), call);                      \
        if ((made) > 0)                                                                       \
            CHECK_EQ_INT(site_line(rep, json_object_get(in, "created")), made);               \
        else                                                                                  \
            CHECK(json_is_null(json_object_get(in, "created")));                              \
        if ((gone) > 0)                                                                       \
            CHECK_EQ_INT(site_line(rep, json_object_get(in, "destroyed")), gone);             \
        else                                                                                  \
            CHECK(json_is_null(json_object_get(in, "destroyed")));                            \
    } while (0)

static void fixture_paths(const char *name, char *mp, char *pp, size_t cap)
{
    snprintf(mp, cap, "%s/%s/inference.pdmodel", pdst_fixtures_dir(), name);
    snprintf(pp, cap, "%s/%s/inference.pdiparams", pdst_fixtures_dir(), name);
}

static pds_model_options guard_options(void)
{
    pds_model_options o;
    pds_model_options_init(&o);
    o.flags = PDS_MODEL_GUARD;
    return o;
}

/* An input for pplcnet (1x3x64x64 float32) and an output buffer. */
static float g_in[3 * 64 * 64], g_out[4096];

static pds_tensor pplcnet_input(void)
{
    pds_tensor t = {.dtype = PDS_FLOAT32, .rank = 4, .dims = {1, 3, 64, 64}, .data = g_in,
                    .byte_length = sizeof g_in};
    return t;
}

static pds_tensor big_output(void)
{
    pds_tensor t = {.data = g_out, .byte_length = sizeof g_out};
    return t;
}

/* ---- guard mode off -------------------------------------------------------------- */

/* Before anything asks for guard mode: it is off, messages are unchanged and
 * nothing is recorded. */
static void test_off(void)
{
    pds_error err;
    int on = -1;
    CHECK_OK(pds_guard_enabled(&on, &err), &err);
    CHECK_EQ_INT(on, 0);
    char mp[4096], pp[4096];
    fixture_paths("pplcnet", mp, pp, sizeof mp);
    pds_model m = 0;
    pds_predictor p = 0;
    CHECK_OK(pds_model_load_files(mp, pp, NULL, &m, &err), &err);
    CHECK_OK(pds_predictor_create(m, NULL, &p, &err), &err);
    CHECK_OK(pds_predictor_destroy(p, &err), &err);
    CHECK_STATUS(pds_predictor_destroy(p, &err), PDS_ERR_STALE_HANDLE, &err);
    CHECK(strstr(err.message, "guard") == NULL);
    CHECK_OK(pds_model_destroy(m, &err), &err);
    CHECK_OK(pds_guard_enabled(&on, &err), &err);
    CHECK_EQ_INT(on, 0);
    char *text = report(PDS_GUARD_REPORT_TEXT);
    CHECK(strstr(text, "pdsafe guard report: 0 incidents (0 kept), 0 objects recorded, 0 alive"));
    free(text);
    /* A bad PDSAFE_GUARD fails the load that reads it, naming it. */
    setenv("PDSAFE_GUARD", "yes", 1);
    CHECK_STATUS(pds_model_load_files(mp, pp, NULL, &m, &err), PDS_ERR_INVALID_ARGUMENT, &err);
    CHECK_MSG(err, "PDSAFE_GUARD is 'yes', expected '0', '1'");
    CHECK_STATUS(pds_guard_enabled(&on, &err), PDS_ERR_INVALID_ARGUMENT, &err);
    CHECK_MSG(err, "PDSAFE_GUARD");
    setenv("PDSAFE_GUARD", "0", 1);
    CHECK_OK(pds_guard_enabled(&on, &err), &err);
    CHECK_EQ_INT(on, 0);
    unsetenv("PDSAFE_GUARD");
    CHECK_NO_LIVE_OBJECTS();
}

/* ---- handle misuse: M1, M2, M4, M5 ------------------------------------------------- */

/* M1 and M2: a call on a destroyed predictor and a second destroy name the
 * object, where it was made, where it was destroyed and where it was misused,
 * in the error message and in the report. */
static void test_m1_m2_stale_sites(void)
{
    pds_error err;
    char mp[4096], pp[4096];
    fixture_paths("pplcnet", mp, pp, sizeof mp);
    pds_model_options o = guard_options();
    pds_model m = 0;
    pds_predictor p = 0;
    pds_tensor in = pplcnet_input(), out = big_output();
    pds_status st = pds_model_load_files(mp, pp, &o, &m, &err); const int L_load = __LINE__;
    CHECK_OK(st, &err);
    st = pds_predictor_create(m, NULL, &p, &err); const int L_make = __LINE__;
    CHECK_OK(st, &err);
    CHECK_OK(pds_predictor_run(p, &in, 1, &out, 1, &err), &err);
    CHECK_OK(pds_predictor_run(p, &in, 1, &out, 1, &err), &err);
    st = pds_predictor_destroy(p, &err); const int L_gone = __LINE__;
    CHECK_OK(st, &err);
    st = pds_predictor_run(p, &in, 1, &out, 1, &err); const int L_m1 = __LINE__;
    CHECK_STATUS(st, PDS_ERR_STALE_HANDLE, &err);
    char want[128];
    snprintf(want, sizeof want, "(test_guard.c:%d), destroyed at ", L_make);
    CHECK_MSG(err, want);
    snprintf(want, sizeof want, "(test_guard.c:%d)]", L_gone);
    CHECK_MSG(err, want);
    CHECK_MSG(err, "(M1): created at ");
    st = pds_predictor_destroy(p, &err); const int L_m2 = __LINE__;
    CHECK_STATUS(st, PDS_ERR_STALE_HANDLE, &err);
    CHECK_MSG(err, "(M2): created at ");

    json_t *rep = report_json();
    json_t *i1 = find_incident(rep, "M1", "pds_predictor_run");
    CHECK_SITES(rep, i1, L_m1, L_make, L_gone);
    CHECK(strcmp(json_string_value(json_object_get(i1, "status")), "PDS_ERR_STALE_HANDLE") == 0);
    CHECK(strcmp(json_string_value(json_object_get(i1, "kind")), "predictor") == 0);
    CHECK(strcmp(json_string_value(json_object_get(i1, "destroyed_by")),
                 "pds_predictor_destroy") == 0);
    char hex[32];
    snprintf(hex, sizeof hex, "0x%016llx", (unsigned long long)p);
    CHECK(strcmp(json_string_value(json_object_get(i1, "object")), hex) == 0);
    CHECK(strstr(json_string_value(json_object_get(i1, "message")), "is stale"));
    json_t *i2 = find_incident(rep, "M2", "pds_predictor_destroy");
    CHECK_SITES(rep, i2, L_m2, L_make, L_gone);
    /* The call's thread is this one, and the fix text is there. */
    CHECK(json_integer_value(json_object_get(json_object_get(i1, "call"), "thread")) ==
          json_integer_value(json_object_get(json_object_get(i1, "created"), "thread")));
    CHECK(json_string_value(json_object_get(json_object_get(json_object_get(rep, "root_causes"),
                                                            "M1"), "fix")));
    /* The predictor's record: two runs, the destroy lookup, one thread. */
    json_t *objs = json_object_get(rep, "objects");
    json_t *rec = NULL;
    for (size_t i = 0; i < json_array_size(objs); i++)
        if (strcmp(json_string_value(json_object_get(json_array_get(objs, i), "id")), hex) == 0)
            rec = json_array_get(objs, i);
    CHECK(rec != NULL);
    CHECK_EQ_INT(json_integer_value(json_object_get(rec, "calls")), 3);
    CHECK_EQ_INT(json_array_size(json_object_get(rec, "threads")), 1);
    CHECK(json_is_false(json_object_get(rec, "live")));
    CHECK_EQ_INT(site_line(rep, json_object_get(rec, "created")), L_make);
    CHECK_EQ_INT(site_line(rep, json_object_get(rec, "destroyed")), L_gone);
    json_decref(rep);

    /* The model's own life: made here, destroyed below, then used. */
    st = pds_model_destroy(m, &err); const int L_mgone = __LINE__;
    CHECK_OK(st, &err);
    size_t n;
    st = pds_model_input_count(m, &n, &err); const int L_m1m = __LINE__;
    CHECK_STATUS(st, PDS_ERR_STALE_HANDLE, &err);
    rep = report_json();
    CHECK_SITES(rep, find_incident(rep, "M1", "pds_model_input_count"), L_m1m, L_load, L_mgone);
    json_decref(rep);
    CHECK_NO_LIVE_OBJECTS();
}

/* M4 and M5: a forged handle (no object to name) and a live model passed as a
 * predictor (the report names the model's creation site). */
static void test_m4_m5_forged_and_wrong_kind(void)
{
    pds_error err;
    char mp[4096], pp[4096];
    fixture_paths("pplcnet", mp, pp, sizeof mp);
    pds_model_options o = guard_options();
    pds_model m = 0;
    pds_tensor in = pplcnet_input(), out = big_output();
    pds_status st = pds_model_load_files(mp, pp, &o, &m, &err); const int L_load = __LINE__;
    CHECK_OK(st, &err);
    st = pds_predictor_run(0x0200000512345678ull, &in, 1, &out, 1, &err); const int L_m4 = __LINE__;
    CHECK_STATUS(st, PDS_ERR_INVALID_HANDLE, &err);
    CHECK_MSG(err, "(M4): the object is not tracked]");
    st = pds_predictor_run((pds_predictor)m, &in, 1, &out, 1, &err); const int L_m5 = __LINE__;
    CHECK_STATUS(st, PDS_ERR_WRONG_HANDLE_KIND, &err);
    char want[96];
    snprintf(want, sizeof want, "(M5): created at test_m4_m5_forged_and_wrong_kind (test_guard.c:%d)]",
             L_load);
    CHECK_MSG(err, want);
    json_t *rep = report_json();
    json_t *i4 = find_incident(rep, "M4", "pds_predictor_run");
    CHECK_SITES(rep, i4, L_m4, -1, -1);
    CHECK(json_is_false(json_object_get(i4, "tracked")));
    json_t *i5 = find_incident(rep, "M5", "pds_predictor_run");
    CHECK_SITES(rep, i5, L_m5, L_load, -1);
    CHECK(strcmp(json_string_value(json_object_get(i5, "kind")), "model") == 0);
    json_decref(rep);
    CHECK_OK(pds_model_destroy(m, &err), &err);
    CHECK_NO_LIVE_OBJECTS();
}

/* ---- concurrency: M6, M7 --------------------------------------------------------- */

typedef struct held {
    pds_predictor p;
    pds_tensor in, out;
    pds_run_id id;
    pds_status status;
    pds_error err;
} held;

static void *held_main(void *arg)
{
    held *h = arg;
    pds_run_options o;
    pds_run_options_init(&o);
    o.run_id = h->id;
    o.wait_at_checkpoint = 1;
    /* The test's thread polls the predictor until this run holds it; a poll
     * that holds it as this run starts makes the run BUSY: try again. */
    while ((h->status = pds_predictor_run_v2(h->p, &o, &h->in, 1, &h->out, 1, &h->err)) ==
           PDS_ERR_BUSY)
        sched_yield();
    return NULL;
}

/* M6 and M7: while a run is held on another thread, a second run is BUSY
 * (M6) and a destroy is BUSY (M7); both incidents name this file's lines and
 * the two threads. */
static void test_m6_m7_concurrent(void)
{
    pds_error err;
    char mp[4096], pp[4096];
    fixture_paths("db_det", mp, pp, sizeof mp);
    pds_model m = 0;
    pds_predictor p = 0;
    CHECK_OK(pds_model_load_files(mp, pp, NULL, &m, &err), &err);
    pds_predictor_options po;
    pds_predictor_options_init(&po);
    po.flags = PDS_PREDICTOR_GUARD; /* the model is not guarded: the predictor is */
    pds_status st = pds_predictor_create(m, &po, &p, &err); const int L_make = __LINE__;
    CHECK_OK(st, &err);
    static float in[3 * 64 * 64];
    held h = {.p = p, .id = pds_run_id_new(),
              .in = {.dtype = PDS_FLOAT32, .rank = 4, .dims = {1, 3, 64, 64}, .data = in,
                     .byte_length = sizeof in},
              .out = {.data = malloc(8u << 20), .byte_length = 8u << 20}};
    pthread_t th;
    pthread_create(&th, NULL, held_main, &h);
    /* Wait until the run holds the predictor: stats are BUSY then. */
    pds_predictor_stats ps = {.struct_size = sizeof ps};
    while ((st = pds_predictor_get_stats(p, &ps, &err)) == PDS_OK)
        sched_yield();
    CHECK_STATUS(st, PDS_ERR_BUSY, &err);
    st = pds_predictor_run(p, &h.in, 1, &h.out, 1, &err); const int L_m6 = __LINE__;
    CHECK_STATUS(st, PDS_ERR_BUSY, &err);
    CHECK_MSG(err, "(M6): created at ");
    st = pds_predictor_destroy(p, &err); const int L_m7 = __LINE__;
    CHECK_STATUS(st, PDS_ERR_BUSY, &err);
    CHECK_MSG(err, "(M7): created at ");
    CHECK_OK(pds_predictor_cancel_run(p, h.id, &err), &err);
    pthread_join(th, NULL);
    CHECK_STATUS(h.status, PDS_ERR_CANCELLED, &h.err);
    json_t *rep = report_json();
    json_t *i6 = find_incident(rep, "M6", "pds_predictor_run");
    CHECK_SITES(rep, i6, L_m6, L_make, -1);
    CHECK_SITES(rep, find_incident(rep, "M7", "pds_predictor_destroy"), L_m7, L_make, -1);
    /* Two threads called the predictor: this one and the held run's. */
    char hex[32];
    snprintf(hex, sizeof hex, "0x%016llx", (unsigned long long)p);
    json_t *objs = json_object_get(rep, "objects");
    for (size_t i = 0; i < json_array_size(objs); i++)
        if (strcmp(json_string_value(json_object_get(json_array_get(objs, i), "id")), hex) == 0)
            CHECK_EQ_INT(json_array_size(json_object_get(json_array_get(objs, i), "threads")), 2);
    json_decref(rep);
    CHECK_OK(pds_predictor_destroy(p, &err), &err);
    CHECK_OK(pds_model_destroy(m, &err), &err);
    free(h.out.data);
    CHECK_NO_LIVE_OBJECTS();
}

/* ---- data misuse: M8, M9, M10, M11 ------------------------------------------------- */

static void test_m8_to_m11_buffers_and_shapes(void)
{
    pds_error err;
    char mp[4096], pp[4096];
    fixture_paths("pplcnet", mp, pp, sizeof mp);
    pds_model_options o = guard_options();
    pds_model m = 0;
    pds_predictor p = 0;
    CHECK_OK(pds_model_load_files(mp, pp, &o, &m, &err), &err);
    pds_status st = pds_predictor_create(m, NULL, &p, &err); const int L_make = __LINE__;
    CHECK_OK(st, &err);
    pds_tensor in = pplcnet_input(), out = big_output();
    pds_tensor short_in = in;
    short_in.byte_length -= 4;
    st = pds_predictor_run(p, &short_in, 1, &out, 1, &err); const int L_m8 = __LINE__;
    CHECK_STATUS(st, PDS_ERR_BUFFER_SIZE, &err);
    CHECK_MSG(err, "(M8)");
    pds_tensor small_out = out;
    small_out.byte_length = 8;
    st = pds_predictor_run(p, &in, 1, &small_out, 1, &err); const int L_m9 = __LINE__;
    CHECK_STATUS(st, PDS_ERR_BUFFER_SIZE, &err);
    CHECK_MSG(err, "(M9)");
    st = pds_predictor_fetch(p, &small_out, 1, &err); const int L_m9f = __LINE__;
    CHECK_STATUS(st, PDS_ERR_BUFFER_SIZE, &err);
    pds_tensor wrong_type = in;
    wrong_type.dtype = PDS_INT32;
    st = pds_predictor_run(p, &wrong_type, 1, &out, 1, &err); const int L_m10 = __LINE__;
    CHECK_STATUS(st, PDS_ERR_DTYPE, &err);
    pds_tensor wrong_shape = in;
    wrong_shape.rank = 3;
    st = pds_predictor_run(p, &wrong_shape, 1, &out, 1, &err); const int L_m11 = __LINE__;
    CHECK_STATUS(st, PDS_ERR_SHAPE, &err);
    CHECK_MSG(err, "(M11): created at ");
    json_t *rep = report_json();
    CHECK_SITES(rep, find_incident(rep, "M8", "pds_predictor_run"), L_m8, L_make, -1);
    json_t *i9 = find_incident(rep, "M9", "pds_predictor_run");
    CHECK_SITES(rep, i9, L_m9, L_make, -1);
    CHECK(strncmp(json_string_value(json_object_get(i9, "message")), "output 0", 8) == 0);
    CHECK_SITES(rep, find_incident(rep, "M9", "pds_predictor_fetch"), L_m9f, L_make, -1);
    CHECK_SITES(rep, find_incident(rep, "M10", "pds_predictor_run"), L_m10, L_make, -1);
    CHECK_SITES(rep, find_incident(rep, "M11", "pds_predictor_run"), L_m11, L_make, -1);
    json_decref(rep);
    CHECK_OK(pds_predictor_destroy(p, &err), &err);
    CHECK_OK(pds_model_destroy(m, &err), &err);
    CHECK_NO_LIVE_OBJECTS();
}

/* ---- leaks: M15 ------------------------------------------------------------------------ */

static void test_m15_leak_report(void)
{
    pds_error err;
    char mp[4096], pp[4096];
    fixture_paths("op_dropout", mp, pp, sizeof mp);
    /* PDSAFE_GUARD=1 guards a model loaded without the flag. */
    setenv("PDSAFE_GUARD", "1", 1);
    pds_model m = 0;
    pds_status st = pds_model_load_files(mp, NULL, NULL, &m, &err); const int L_load = __LINE__;
    unsetenv("PDSAFE_GUARD");
    CHECK_OK(st, &err);
    pds_predictor p = 0;
    st = pds_predictor_create(m, NULL, &p, &err); const int L_make = __LINE__;
    CHECK_OK(st, &err);
    json_t *rep = report_json();
    char hm[32], hp[32];
    snprintf(hm, sizeof hm, "0x%016llx", (unsigned long long)m);
    snprintf(hp, sizeof hp, "0x%016llx", (unsigned long long)p);
    json_t *leaks = json_object_get(rep, "leaks");
    int found = 0;
    for (size_t i = 0; i < json_array_size(leaks); i++) {
        const char *id = json_string_value(json_array_get(leaks, i));
        found += strcmp(id, hm) == 0 || strcmp(id, hp) == 0;
    }
    CHECK_EQ_INT(found, 2);
    CHECK(json_object_get(json_object_get(rep, "root_causes"), "M15") != NULL);
    json_t *objs = json_object_get(rep, "objects");
    for (size_t i = 0; i < json_array_size(objs); i++) {
        json_t *o = json_array_get(objs, i);
        const char *id = json_string_value(json_object_get(o, "id"));
        if (strcmp(id, hm) == 0)
            CHECK_EQ_INT(site_line(rep, json_object_get(o, "created")), L_load);
        if (strcmp(id, hp) == 0)
            CHECK_EQ_INT(site_line(rep, json_object_get(o, "created")), L_make);
    }
    json_decref(rep);
    /* The text report lists them under "alive now" with their sites. */
    char *text = report(PDS_GUARD_REPORT_TEXT);
    char want[160];
    snprintf(want, sizeof want, "alive now (leaks, if the program is ending: M15):\n  model %s", hm);
    CHECK(strstr(text, want) != NULL);
    snprintf(want, sizeof want, "test_m15_leak_report (%s/../tests/test_guard.c:%d)",
             "", L_make);
    snprintf(want, sizeof want, "test_guard.c:%d)", L_make);
    CHECK(strstr(text, want) != NULL);
    CHECK(strstr(text, "fix: ") != NULL);
    free(text);
    /* pds_guard_describe says the same in one line. */
    char d[512];
    size_t need = 0;
    CHECK_OK(pds_guard_describe(p, d, sizeof d, &need, &err), &err);
    CHECK_EQ_INT(need, strlen(d) + 1);
    snprintf(want, sizeof want, "predictor %s created at test_m15_leak_report (test_guard.c:%d)",
             hp, L_make);
    CHECK(strncmp(d, want, strlen(want)) == 0);
    CHECK_STATUS(pds_guard_describe(p, d, 4, &need, &err), PDS_ERR_BUFFER_SIZE, &err);
    CHECK_STATUS(pds_guard_describe(0x42, d, sizeof d, &need, &err), PDS_ERR_INVALID_STATE, &err);
    CHECK_OK(pds_predictor_destroy(p, &err), &err);
    CHECK_OK(pds_model_destroy(m, &err), &err);
    CHECK_NO_LIVE_OBJECTS();
}

/* ---- notes of a binding ------------------------------------------------------------ */

/* A binding's own objects: created, misused (with an origin), destroyed,
 * and an origin attached afterwards to a native incident. */
static void test_binding_notes(void)
{
    pds_error err;
    pds_guard_note n;
    pds_guard_note_init(&n);
    n.event = PDS_GUARD_CREATED;
    n.object = 0xD200000100000007ull;
    n.kind = "PD_Predictor";
    n.function = "PD_PredictorCreate";
    n.origin = "goroutine 7:\nmain.main\n\t/app/main.go:12";
    n.origin_length = strlen(n.origin);
    pds_status st = pds_guard_note_add(&n, &err); const int L_make = __LINE__;
    CHECK_OK(st, &err);
    n.event = PDS_GUARD_DESTROYED;
    n.function = "PD_PredictorDestroy";
    n.origin = "goroutine 8:\nmain.stop\n\t/app/main.go:30";
    n.origin_length = strlen(n.origin);
    st = pds_guard_note_add(&n, &err); const int L_gone = __LINE__;
    CHECK_OK(st, &err);
    n.event = PDS_GUARD_INCIDENT;
    n.function = "PD_PredictorRun";
    n.root_cause = 1;
    n.message = "PD_Predictor 0xd200000100000007 was already destroyed";
    n.origin = "goroutine 9:\nmain.serve\n\t/app/main.go:44";
    n.origin_length = strlen(n.origin);
    st = pds_guard_note_add(&n, &err); const int L_use = __LINE__;
    CHECK_OK(st, &err);
    CHECK(n.incident > 0);
    json_t *rep = report_json();
    json_t *in = find_incident(rep, "M1", "PD_PredictorRun");
    CHECK_SITES(rep, in, L_use, L_make, L_gone);
    CHECK_EQ_INT(json_integer_value(json_object_get(in, "id")), n.incident);
    CHECK(json_is_true(json_object_get(in, "from_binding")));
    CHECK(strcmp(json_string_value(json_object_get(json_object_get(in, "created"), "origin")),
                 "goroutine 7:\nmain.main\n\t/app/main.go:12") == 0);
    CHECK(strcmp(json_string_value(json_object_get(json_object_get(in, "destroyed"), "origin")),
                 "goroutine 8:\nmain.stop\n\t/app/main.go:30") == 0);
    CHECK(strcmp(json_string_value(json_object_get(json_object_get(in, "call"), "origin")),
                 "goroutine 9:\nmain.serve\n\t/app/main.go:44") == 0);
    CHECK(strcmp(json_string_value(json_object_get(in, "kind")), "PD_Predictor") == 0);
    json_decref(rep);
    /* An origin for a native incident, after the call that made it. */
    pds_tensor in0 = pplcnet_input(), out = big_output();
    CHECK_STATUS(pds_predictor_run(0x0200000512345678ull, &in0, 1, &out, 1, &err),
                 PDS_ERR_INVALID_HANDLE, &err);
    const char *tag = strstr(err.message, "[guard incident ");
    CHECK(tag != NULL);
    pds_guard_note o;
    pds_guard_note_init(&o);
    o.event = PDS_GUARD_ORIGIN;
    o.of_event = PDS_GUARD_INCIDENT;
    o.incident = tag ? strtoull(tag + 16, NULL, 10) : 0;
    o.origin = "goroutine 10";
    o.origin_length = 12;
    CHECK_OK(pds_guard_note_add(&o, &err), &err);
    o.incident = 1u << 30;
    CHECK_STATUS(pds_guard_note_add(&o, &err), PDS_ERR_RESULT_GONE, &err);
    /* Malformed notes. */
    pds_guard_note bad;
    pds_guard_note_init(&bad);
    bad.event = PDS_GUARD_INCIDENT;
    bad.object = 1;
    bad.root_cause = 25;
    CHECK_STATUS(pds_guard_note_add(&bad, &err), PDS_ERR_INVALID_ARGUMENT, &err);
    CHECK_MSG(err, "root_cause is 25, expected 1..24");
    bad.root_cause = 1;
    bad.object = 0;
    CHECK_STATUS(pds_guard_note_add(&bad, &err), PDS_ERR_INVALID_ARGUMENT, &err);
    bad.object = 1;
    bad.struct_size = 8;
    CHECK_STATUS(pds_guard_note_add(&bad, &err), PDS_ERR_INVALID_ARGUMENT, &err);
    CHECK_MSG(err, "struct_size is 8");
    CHECK_STATUS(pds_guard_note_add(NULL, &err), PDS_ERR_INVALID_ARGUMENT, &err);
    CHECK_STATUS(pds_guard_report(7, NULL, 0, NULL, &err), PDS_ERR_INVALID_ARGUMENT, &err);
    CHECK_NO_LIVE_OBJECTS();
}

/* ---- bounds -------------------------------------------------------------------------- */

/* More incidents than the ring holds, and more objects than there are
 * records: the newest are kept, the rest counted, memory stays bounded. */
static void test_bounds(void)
{
    pds_error err;
    char mp[4096];
    snprintf(mp, sizeof mp, "%s/op_dropout/inference.pdmodel", pdst_fixtures_dir());
    pds_model_options o = guard_options();
    pds_model m = 0;
    CHECK_OK(pds_model_load_files(mp, NULL, &o, &m, &err), &err);
    for (int i = 0; i < PDS_GUARD_MAX_INCIDENTS + 10; i++) {
        size_t n;
        CHECK_STATUS(pds_model_input_count(0x0100000712345678ull, &n, &err),
                     PDS_ERR_INVALID_HANDLE, &err);
    }
    for (int i = 0; i < PDS_GUARD_MAX_OBJECTS + 10; i++) {
        pds_predictor p = 0;
        CHECK_OK(pds_predictor_create(m, NULL, &p, &err), &err);
        CHECK_OK(pds_predictor_destroy(p, &err), &err);
    }
    json_t *rep = report_json();
    json_t *counts = json_object_get(rep, "counts");
    CHECK_EQ_INT(json_array_size(json_object_get(rep, "incidents")), PDS_GUARD_MAX_INCIDENTS);
    CHECK(json_integer_value(json_object_get(counts, "incidents_dropped")) >= 10);
    CHECK(json_integer_value(json_object_get(counts, "records_reused")) >= 10);
    CHECK(json_array_size(json_object_get(rep, "objects")) <= PDS_GUARD_MAX_OBJECTS);
    /* The interned sites stay few: the same lines made every object. */
    CHECK(json_integer_value(json_object_get(counts, "sites")) < 100);
    json_decref(rep);
    CHECK_OK(pds_model_destroy(m, &err), &err);
    CHECK_NO_LIVE_OBJECTS();
}

/* fork (DESIGN 2.7) with guard mode on: the child uses the guarded objects,
 * records its own incidents with its own thread id, and makes a report. */
static void test_fork_child(void)
{
    pds_error err;
    char mp[4096], pp[4096];
    fixture_paths("pplcnet", mp, pp, sizeof mp);
    pds_model_options o = guard_options();
    pds_model m = 0;
    pds_predictor p = 0;
    CHECK_OK(pds_model_load_files(mp, pp, &o, &m, &err), &err);
    CHECK_OK(pds_predictor_create(m, NULL, &p, &err), &err);
    pds_tensor in = pplcnet_input(), out = big_output();
    CHECK_OK(pds_predictor_run(p, &in, 1, &out, 1, &err), &err);
    fflush(NULL);
    pid_t pid = fork();
    if (pid == 0) {
        int bad = 0;
        bad |= pds_predictor_run(p, &in, 1, &out, 1, NULL) != PDS_OK;
        pds_tensor shortin = in;
        shortin.byte_length = 4;
        bad |= pds_predictor_run(p, &shortin, 1, &out, 1, &err) != PDS_ERR_BUFFER_SIZE;
        char want[64];
        snprintf(want, sizeof want, "(M8): created at ");
        bad |= strstr(err.message, want) == NULL;
        size_t need = 0;
        pds_guard_report(PDS_GUARD_REPORT_TEXT, NULL, 0, &need, NULL);
        char *text = malloc(need + 65536);
        bad |= pds_guard_report(PDS_GUARD_REPORT_TEXT, text, need + 65536, NULL, NULL) != PDS_OK;
        char tid[64];
        snprintf(tid, sizeof tid, "thread %ld\n", (long)getpid());
        bad |= strstr(text, tid) == NULL; /* the child's main thread: tid == pid */
        free(text);
        bad |= pds_predictor_destroy(p, NULL) != PDS_OK || pds_model_destroy(m, NULL) != PDS_OK;
        _exit(bad);
    }
    int status = 0;
    CHECK(pid > 0 && waitpid(pid, &status, 0) == pid);
    CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    CHECK_OK(pds_predictor_destroy(p, &err), &err);
    CHECK_OK(pds_model_destroy(m, &err), &err);
    CHECK_NO_LIVE_OBJECTS();
}

int main(void)
{
    RUN_TEST(test_off);
    RUN_TEST(test_m1_m2_stale_sites);
    RUN_TEST(test_m4_m5_forged_and_wrong_kind);
    RUN_TEST(test_m6_m7_concurrent);
    RUN_TEST(test_m8_to_m11_buffers_and_shapes);
    RUN_TEST(test_m15_leak_report);
    RUN_TEST(test_binding_notes);
    RUN_TEST(test_bounds);
    RUN_TEST(test_fork_child);
    return pdst_summary();
}
