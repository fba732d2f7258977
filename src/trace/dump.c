/*
 * dump.c — the session's events as Chrome trace-event JSON (the "JSON Object
 * Format" that chrome://tracing and ui.perfetto.dev open): one track per OS
 * thread (pid = the process, tid = the OS thread id), a complete ("X") event
 * per call and per step, a flow arrow from each run call to its first step,
 * an instant event where a full buffer began dropping, and the session's
 * figures under "otherData". Timestamps are microseconds since
 * otherData.clock_base_ns on CLOCK_MONOTONIC, written with three decimals, so
 * no nanosecond is lost; docs/TRACING.md describes every field.
 */
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "trace/record.h"

/* Where the JSON goes: a file, or a caller's buffer (counting what it
 * needs). */
typedef struct sink {
    FILE *f;
    char *buf;
    size_t cap, len;
    bool failed;
} sink;

static void put_raw(sink *k, const char *s, size_t n)
{
    if (k->f) {
        if (!k->failed && fwrite(s, 1, n, k->f) != n)
            k->failed = true;
    } else if (k->len < k->cap) {
        size_t room = k->cap - k->len;
        memcpy(k->buf + k->len, s, n < room ? n : room);
    }
    k->len += n;
}

static void out(sink *k, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void out(sink *k, const char *fmt, ...)
{
    char tmp[512];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(tmp, sizeof tmp, fmt, ap);
    va_end(ap);
    if (n > 0)
        put_raw(k, tmp, (size_t)n < sizeof tmp ? (size_t)n : sizeof tmp - 1);
}

/* A JSON string. Bytes above 0x7f are written as \u00XX: a message cut in
 * the middle of a UTF-8 sequence must not make the file invalid. */
static void out_str(sink *k, const char *s)
{
    put_raw(k, "\"", 1);
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        if (c == '"' || c == '\\') {
            char e[2] = {'\\', (char)c};
            put_raw(k, e, 2);
        } else if (c < 0x20 || c > 0x7e) {
            out(k, "\\u%04x", c);
        } else {
            put_raw(k, s, 1);
        }
    }
    put_raw(k, "\"", 1);
}

/* Microseconds since base, exactly: "12.345". */
static void out_ts(sink *k, const char *key, uint64_t t, uint64_t base)
{
    uint64_t d = t > base ? t - base : 0;
    out(k, "\"%s\":%" PRIu64 ".%03u", key, d / 1000, (unsigned)(d % 1000));
}

static const char *const call_names[] = {
#define PDSI_TRACE_CALL_NAME_(id, name, makes, destroys) name,
    PDSI_TRACE_CALL_LIST(PDSI_TRACE_CALL_NAME_)
#undef PDSI_TRACE_CALL_NAME_
};
static const int call_makes[] = {
#define PDSI_TRACE_CALL_MAKES_(id, name, makes, destroys) makes,
    PDSI_TRACE_CALL_LIST(PDSI_TRACE_CALL_MAKES_)
#undef PDSI_TRACE_CALL_MAKES_
};
static const int call_destroys[] = {
#define PDSI_TRACE_CALL_DESTROYS_(id, name, makes, destroys) destroys,
    PDSI_TRACE_CALL_LIST(PDSI_TRACE_CALL_DESTROYS_)
#undef PDSI_TRACE_CALL_DESTROYS_
};
_Static_assert(sizeof call_names / sizeof call_names[0] == PDSI_TC_COUNT_,
               "one name per traced call");

static const char *const kind_names[] = {"", "model", "predictor"};

static void out_call(sink *k, int pid, int64_t tid, const pdsi_trace_event *e, uint64_t base)
{
    unsigned fn = e->fn < PDSI_TC_COUNT_ ? e->fn : 0;
    out(k, ",\n{\"ph\":\"X\",\"cat\":\"call\",\"name\":");
    out_str(k, call_names[fn]);
    out(k, ",\"pid\":%d,\"tid\":%" PRId64 ",", pid, tid);
    out_ts(k, "ts", e->t0, base);
    put_raw(k, ",", 1);
    out_ts(k, "dur", e->t1, e->t0);
    out(k, ",\"args\":{\"status\":\"%s\"", pds_status_name((pds_status)e->status));
    if (e->handle)
        out(k, ",\"handle\":\"0x%016" PRIx64 "\"", e->handle);
    if (e->run_id)
        out(k, ",\"run_id\":%" PRIu64, e->run_id);
    if (e->out)
        out(k, ",\"made\":\"0x%016" PRIx64 "\",\"made_kind\":\"%s\"", e->out,
            kind_names[call_makes[fn]]);
    if (call_destroys[fn] && e->status == PDS_OK && e->handle)
        out(k, ",\"destroyed_kind\":\"%s\"", kind_names[call_destroys[fn]]);
    if (e->text[0]) {
        out(k, ",\"message\":");
        out_str(k, e->text);
    }
    put_raw(k, "}}", 2);
    if (e->run_id && (e->fn == PDSI_TC_PREDICTOR_RUN || e->fn == PDSI_TC_PREDICTOR_RUN_V2)) {
        out(k, ",\n{\"ph\":\"s\",\"cat\":\"run\",\"name\":\"run\",\"id\":%" PRIu64
               ",\"pid\":%d,\"tid\":%" PRId64 ",",
            e->run_id, pid, tid);
        out_ts(k, "ts", e->t0, base);
        put_raw(k, "}", 1);
    }
}

static void out_step(sink *k, int pid, int64_t tid, const pdsi_trace_event *e, uint64_t base)
{
    char text[PDSI_TRACE_TEXT + 1];
    memcpy(text, e->text, PDSI_TRACE_TEXT);
    text[PDSI_TRACE_TEXT] = '\0';
    const char *op = text;
    size_t n = strlen(op);
    const char *kernel = n + 1 < PDSI_TRACE_TEXT ? text + n + 1 : "";
    out(k, ",\n{\"ph\":\"X\",\"cat\":\"op\",\"name\":");
    out_str(k, op);
    out(k, ",\"pid\":%d,\"tid\":%" PRId64 ",", pid, tid);
    out_ts(k, "ts", e->t0, base);
    put_raw(k, ",", 1);
    out_ts(k, "dur", e->t1, e->t0);
    out(k, ",\"args\":{\"op_index\":%d,\"step\":%d,\"run_id\":%" PRIu64 ",\"kernel\":",
        (int)e->status, (int)e->step, e->run_id);
    out_str(k, kernel);
    put_raw(k, "}}", 2);
    if (e->step == 0 && e->run_id) {
        out(k, ",\n{\"ph\":\"f\",\"bp\":\"e\",\"cat\":\"run\",\"name\":\"run\",\"id\":%" PRIu64
               ",\"pid\":%d,\"tid\":%" PRId64 ",",
            e->run_id, pid, tid);
        out_ts(k, "ts", e->t0, base);
        put_raw(k, "}", 1);
    }
}

/* The buffers of the current session, with the count each holds now. */
static bool current(const pdsi_trace_buf *b, unsigned e, uint32_t *n)
{
    if (atomic_load_explicit(&b->epoch, memory_order_acquire) != e)
        return false;
    uint32_t c = atomic_load_explicit(&b->count, memory_order_acquire);
    *n = c < b->cap ? c : b->cap;
    return *n > 0 || atomic_load(&b->dropped) > 0;
}

bool pdsi_trace_json(FILE *f, char *buf, size_t cap, size_t *needed)
{
    pdsi_trace_state *st = &pdsi_trace_st;
    sink k = {.f = f, .buf = buf, .cap = cap};
    unsigned e = atomic_load(&st->epoch);
    int pid = (int)getpid();
    uint64_t base = st->t_start;
    uint64_t events = 0, dropped = 0;
    uint32_t threads = 0;
    for (uint32_t i = 0; e && i < st->n_bufs; i++) {
        uint32_t n;
        if (current(st->bufs[i], e, &n)) {
            threads++;
            events += n;
            dropped += atomic_load(&st->bufs[i]->dropped);
        }
    }
    uint64_t lost = atomic_load(&st->no_buffer);
    out(&k, "{\"displayTimeUnit\":\"ns\",\n\"otherData\":{\"producer\":\"pdsafe %s\","
            "\"clock\":\"CLOCK_MONOTONIC\",\"clock_base_ns\":%" PRIu64 ","
            "\"ts_unit\":\"microseconds since clock_base_ns\",\"pid\":%d,"
            "\"recording\":%s,",
        pds_version(), base, pid, atomic_load(&pdsi_trace_active) ? "true" : "false");
    if (st->t_stop)
        out(&k, "\"stopped_ns\":%" PRIu64 ",", st->t_stop);
    out(&k, "\"buffer_events\":%u,\"max_threads\":%u,\"threads\":%u,\"events\":%" PRIu64 ","
            "\"dropped_events\":%" PRIu64 ",\"dropped_no_buffer\":%" PRIu64 "},\n"
            "\"traceEvents\":[\n"
            "{\"ph\":\"M\",\"name\":\"process_name\",\"pid\":%d,\"tid\":0,"
            "\"args\":{\"name\":\"pdsafe (C library)\"}}",
        st->buffer_events, st->max_threads, threads, events, dropped + lost, lost, pid);
    for (uint32_t i = 0; e && i < st->n_bufs; i++) {
        const pdsi_trace_buf *b = st->bufs[i];
        uint32_t n;
        if (!current(b, e, &n))
            continue;
        bool calls = false;
        for (uint32_t j = 0; j < n && !calls; j++)
            calls = b->events[j].kind == PDSI_TEV_CALL;
        out(&k, ",\n{\"ph\":\"M\",\"name\":\"thread_name\",\"pid\":%d,\"tid\":%" PRId64
                ",\"args\":{\"name\":\"thread %" PRId64 "%s\"}}",
            pid, b->tid, b->tid, calls ? "" : " (library thread)");
        for (uint32_t j = 0; j < n; j++) {
            const pdsi_trace_event *ev = &b->events[j];
            if (ev->kind == PDSI_TEV_CALL)
                out_call(&k, pid, b->tid, ev, base);
            else
                out_step(&k, pid, b->tid, ev, base);
        }
        uint64_t d = atomic_load(&b->dropped);
        if (d) {
            uint64_t t = n ? b->events[n - 1].t1 : base;
            out(&k, ",\n{\"ph\":\"i\",\"s\":\"t\",\"cat\":\"trace\",\"name\":\"events dropped "
                    "(buffer full)\",\"pid\":%d,\"tid\":%" PRId64 ",",
                pid, b->tid);
            out_ts(&k, "ts", t, base);
            out(&k, ",\"args\":{\"dropped\":%" PRIu64 ",\"buffer_events\":%u}}", d, b->cap);
        }
    }
    out(&k, "\n]}\n");
    if (!f)
        put_raw(&k, "", 1); /* the NUL, counted in what a buffer needs */
    if (needed)
        *needed = k.len;
    if (!f && cap && k.len > cap)
        buf[cap - 1] = '\0';
    return !k.failed;
}
