/*
 * trace.c — the recorder: sessions, per-thread buffers, the hooks' slow paths
 * and the public pds_trace_* calls (trace.h, record.h, docs/TRACING.md).
 *
 * The recording path (a traced call's end, a step's end) touches only the
 * calling thread's own buffer: a thread-local pointer, a check of the
 * session's epoch, one event copied in and a release store of the count. The
 * registry lock is taken once per thread per session, to find its buffer,
 * and by start and dump. Buffers are never freed (a thread may still be
 * writing when a session stops); a thread that exits leaves its buffer to the
 * dump and, after the next start, to a new thread.
 */
#define _GNU_SOURCE
#include "trace/record.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "core/env.h"
#include "core/error.h"

atomic_int pdsi_trace_active;

pdsi_trace_state pdsi_trace_st = {.mu = PTHREAD_MUTEX_INITIALIZER};

#define DEFAULT_BUFFER_EVENTS 65536u
#define MAX_BUFFER_EVENTS (1u << 22)
#define DEFAULT_MAX_THREADS 256u
#define MAX_MAX_THREADS 4096u

/* initial-exec: a plain offset from the thread pointer, not a call to
 * __tls_get_addr on every event (16 bytes of the static TLS surplus, which
 * a dlopen of the library can always have). */
#if defined(__GNUC__)
#define TLS_FAST __attribute__((tls_model("initial-exec")))
#else
#define TLS_FAST
#endif
static _Thread_local pdsi_trace_buf *tls_buf TLS_FAST;
static _Thread_local pdsi_trace_scope *tls_scope TLS_FAST;

static pthread_key_t exit_key;
static pthread_once_t exit_key_once = PTHREAD_ONCE_INIT;

/* The file PDSAFE_TRACE named, written at exit. */
static char exit_path[4096];
static atomic_bool exit_registered;
static pid_t exit_pid; /* the process that read the variable: only it writes the file */

uint64_t pdsi_trace_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static void thread_exited(void *arg)
{
    pdsi_trace_buf *b = arg;
    atomic_store(&b->orphan, 1);
}

static void exit_key_make(void)
{
    (void)pthread_key_create(&exit_key, thread_exited);
}

/* Empties b for session epoch e (its owner, or the registry under mu for a
 * buffer nobody owns yet). False when the events cannot be allocated. */
static bool buf_reset(pdsi_trace_buf *b, unsigned e, uint32_t cap)
{
    if (cap == 0)
        return false; /* sessions always have a capacity; never reached */
    if (b->cap != cap || !b->events) {
        pdsi_trace_event *ev = calloc(cap, sizeof *ev);
        if (!ev)
            return false;
        free(b->events);
        b->events = ev;
        b->cap = cap;
    }
    atomic_store_explicit(&b->count, 0, memory_order_relaxed);
    atomic_store_explicit(&b->dropped, 0, memory_order_relaxed);
    atomic_store_explicit(&b->epoch, e, memory_order_release);
    return true;
}

/* The calling thread's buffer for session e: a fresh one, or an orphan of an
 * earlier session. NULL (and the event is counted as lost) when max_threads
 * buffers are in use or memory is short. */
static pdsi_trace_buf *buf_attach(unsigned e)
{
    pdsi_trace_state *st = &pdsi_trace_st;
    pthread_once(&exit_key_once, exit_key_make);
    pthread_mutex_lock(&st->mu);
    pdsi_trace_buf *b = NULL;
    for (uint32_t i = 0; i < st->n_bufs && !b; i++)
        if (atomic_load(&st->bufs[i]->orphan) && atomic_load(&st->bufs[i]->epoch) != e)
            b = st->bufs[i];
    if (!b && st->n_bufs < st->max_threads) {
        if (st->n_bufs == st->cap_bufs) {
            uint32_t n = st->cap_bufs ? st->cap_bufs * 2 : 16;
            pdsi_trace_buf **v = realloc(st->bufs, sizeof(pdsi_trace_buf *) * n);
            if (v) {
                st->bufs = v;
                st->cap_bufs = n;
            }
        }
        if (st->n_bufs < st->cap_bufs && (b = calloc(1, sizeof *b)))
            st->bufs[st->n_bufs++] = b;
    }
    if (b) {
        b->tid = (int64_t)syscall(SYS_gettid);
        if (!buf_reset(b, e, st->buffer_events)) {
            atomic_store(&b->orphan, 1); /* left for another thread to try */
            b = NULL;
        } else {
            atomic_store(&b->orphan, 0);
            (void)pthread_setspecific(exit_key, b);
        }
    }
    pthread_mutex_unlock(&st->mu);
    tls_buf = b;
    return b;
}

/* The calling thread's buffer in the current session, or NULL (counted). */
static pdsi_trace_buf *buf_get(void)
{
    unsigned e = atomic_load_explicit(&pdsi_trace_st.epoch, memory_order_acquire);
    pdsi_trace_buf *b = tls_buf;
    if (b && atomic_load_explicit(&b->epoch, memory_order_relaxed) == e)
        return b;
    if (b && buf_reset(b, e, pdsi_trace_st.buffer_events))
        return b;
    if (!b)
        b = buf_attach(e);
    if (!b)
        atomic_fetch_add_explicit(&pdsi_trace_st.no_buffer, 1, memory_order_relaxed);
    return b;
}

static void put(pdsi_trace_buf *b, const pdsi_trace_event *ev)
{
    unsigned n = atomic_load_explicit(&b->count, memory_order_relaxed);
    if (n >= b->cap) {
        atomic_fetch_add_explicit(&b->dropped, 1, memory_order_relaxed);
        return;
    }
    b->events[n] = *ev;
    atomic_store_explicit(&b->count, n + 1, memory_order_release);
}

pds_error *pdsi_trace_call_begin(pdsi_trace_scope *s, unsigned fn, uint64_t handle,
                                 uint64_t run_id, const uint64_t *out, pds_error *err)
{
    pdsi_trace_buf *b = buf_get();
    s->fn = (uint16_t)fn;
    s->user_err = err;
    s->out = out;
    s->handle = handle;
    s->run_id = run_id;
    s->redirected = false;
    s->prev = tls_scope;
    tls_scope = s;
    if (b) {
        b->err.code = PDS_OK;
        b->err.message[0] = '\0';
        err = &b->err;
        s->redirected = true;
    }
    s->t0 = pdsi_trace_now();
    return err;
}

void pdsi_trace_call_end(pdsi_trace_scope *s)
{
    uint64_t t1 = pdsi_trace_now();
    tls_scope = s->prev;
    pdsi_trace_buf *b = tls_buf;
    pds_status code = PDS_OK;
    pdsi_trace_event ev = {.t0 = s->t0, .t1 = t1, .handle = s->handle, .run_id = s->run_id,
                           .kind = PDSI_TEV_CALL, .fn = s->fn};
    /* The report is the buffer's only when begin redirected it there. */
    if (s->redirected && b && b->err.code != PDS_OK) {
        code = b->err.code;
        if (s->user_err)
            *s->user_err = b->err;
        size_t n = strnlen(b->err.message, sizeof ev.text - 1);
        memcpy(ev.text, b->err.message, n);
        ev.text[n] = '\0';
    }
    ev.status = (int32_t)code;
    if (code == PDS_OK && s->out)
        ev.out = *s->out;
    b = buf_get();
    if (b)
        put(b, &ev);
}

void pdsi_trace_set_run_id(uint64_t run_id)
{
    if (tls_scope)
        tls_scope->run_id = run_id;
}

/* Appends src to dst[*len..cap), NUL-terminated and cut to fit; the step
 * path formats nothing (snprintf alone would double its cost). */
static void append(char *dst, size_t cap, size_t *len, const char *src)
{
    size_t room = cap - 1 - *len;
    size_t n = src ? strnlen(src, room) : 0;
    if (n)
        memcpy(dst + *len, src, n);
    *len += n;
    dst[*len] = '\0';
}

uint64_t pdsi_trace_step(uint64_t t0, uint64_t run_id, int32_t step, int32_t op_index,
                         const char *op_type, const char *backend, const char *impl)
{
    uint64_t t1 = pdsi_trace_now();
    pdsi_trace_buf *b = buf_get();
    if (!b)
        return t1;
    /* Written in place: the slot is the owner's until count covers it. */
    unsigned n = atomic_load_explicit(&b->count, memory_order_relaxed);
    if (n >= b->cap) {
        atomic_fetch_add_explicit(&b->dropped, 1, memory_order_relaxed);
        return t1;
    }
    pdsi_trace_event *ev = &b->events[n];
    ev->t0 = t0;
    ev->t1 = t1;
    ev->handle = 0;
    ev->run_id = run_id;
    ev->out = 0;
    ev->kind = PDSI_TEV_STEP;
    ev->fn = 0;
    ev->status = op_index;
    ev->step = step;
    size_t len = 0;
    append(ev->text, 64, &len, op_type);
    len++; /* the kernel follows the type's NUL */
    append(ev->text, sizeof ev->text, &len, backend);
    if (impl && impl[0]) {
        append(ev->text, sizeof ev->text, &len, ":");
        append(ev->text, sizeof ev->text, &len, impl);
    }
    atomic_store_explicit(&b->count, n + 1, memory_order_release);
    return t1;
}

/* ---- sessions ------------------------------------------------------------ */

/* fork: the registry lock is held across it, so that a child never finds it
 * taken by a thread that does not exist there. Nothing else is taken under
 * it, so this cannot deadlock with the library's other fork handlers. */
static void fork_lock(void)
{
    pthread_mutex_lock(&pdsi_trace_st.mu);
}

static void fork_unlock(void)
{
    pthread_mutex_unlock(&pdsi_trace_st.mu);
}

static void fork_register(void)
{
    (void)pthread_atfork(fork_lock, fork_unlock, fork_unlock);
}

static pthread_once_t fork_once = PTHREAD_ONCE_INIT;

static pds_status start_locked(uint32_t events, uint32_t threads, pds_error *err)
{
    pdsi_trace_state *st = &pdsi_trace_st;
    if (atomic_load(&pdsi_trace_active))
        return pdsi_fail(err, PDS_ERR_INVALID_STATE,
                         "pds_trace_start: a trace session is already recording (stop it with "
                         "pds_trace_stop first)");
    st->buffer_events = events;
    st->max_threads = threads > st->n_bufs ? threads : st->n_bufs;
    st->t_start = pdsi_trace_now();
    st->t_stop = 0;
    atomic_store(&st->no_buffer, 0);
    /* Every buffer now holds an older session's events: the dump skips it
     * until its owner records again (or a new thread adopts it). */
    atomic_fetch_add(&st->epoch, 1);
    atomic_store(&pdsi_trace_active, 1);
    return PDS_OK;
}

pds_status pds_trace_start(const pds_trace_options *options, pds_error *err)
{
    uint32_t events = DEFAULT_BUFFER_EVENTS, threads = DEFAULT_MAX_THREADS;
    if (options) {
        if (options->struct_size < offsetof(pds_trace_options, max_threads) + sizeof(uint32_t))
            return pdsi_fail(err, PDS_ERR_INVALID_ARGUMENT,
                             "pds_trace_options.struct_size is %u, expected at least %zu "
                             "(initialise it with pds_trace_options_init)",
                             options->struct_size,
                             offsetof(pds_trace_options, max_threads) + sizeof(uint32_t));
        if (options->flags)
            return pdsi_fail(err, PDS_ERR_INVALID_ARGUMENT,
                             "pds_trace_start: unknown flags 0x%x (none defined)", options->flags);
        if (options->buffer_events > MAX_BUFFER_EVENTS)
            return pdsi_fail(err, PDS_ERR_INVALID_ARGUMENT,
                             "pds_trace_start: buffer_events is %u, expected 0 (the default, "
                             "%u) to %u", options->buffer_events, DEFAULT_BUFFER_EVENTS,
                             MAX_BUFFER_EVENTS);
        if (options->max_threads > MAX_MAX_THREADS)
            return pdsi_fail(err, PDS_ERR_INVALID_ARGUMENT,
                             "pds_trace_start: max_threads is %u, expected 0 (the default, %u) "
                             "to %u", options->max_threads, DEFAULT_MAX_THREADS, MAX_MAX_THREADS);
        if (options->buffer_events)
            events = options->buffer_events;
        if (options->max_threads)
            threads = options->max_threads;
    }
    pthread_once(&fork_once, fork_register);
    pthread_mutex_lock(&pdsi_trace_st.mu);
    pds_status st = start_locked(events, threads, err);
    pthread_mutex_unlock(&pdsi_trace_st.mu);
    return st;
}

pds_status pds_trace_stop(pds_error *err)
{
    (void)err;
    pthread_mutex_lock(&pdsi_trace_st.mu);
    if (atomic_exchange(&pdsi_trace_active, 0))
        pdsi_trace_st.t_stop = pdsi_trace_now();
    pthread_mutex_unlock(&pdsi_trace_st.mu);
    return PDS_OK;
}

uint64_t pds_trace_clock_ns(void)
{
    return pdsi_trace_now();
}

pds_status pds_trace_dump(char *buf, size_t cap, size_t *needed, pds_error *err)
{
    if (!buf && cap)
        return pdsi_fail(err, PDS_ERR_INVALID_ARGUMENT, "pds_trace_dump: buf is NULL, cap %zu",
                         cap);
    pthread_mutex_lock(&pdsi_trace_st.mu);
    size_t n = 0;
    (void)pdsi_trace_json(NULL, buf, cap, &n);
    pthread_mutex_unlock(&pdsi_trace_st.mu);
    if (needed)
        *needed = n;
    if (n > cap)
        return pdsi_fail(err, PDS_ERR_BUFFER_SIZE,
                         "pds_trace_dump: the trace needs %zu bytes, cap is %zu (it grows while "
                         "a session records: allow some room)", n, cap);
    return PDS_OK;
}

static pds_status write_file(const char *path, const char *fn, pds_error *err)
{
    FILE *f = fopen(path, "w");
    if (!f)
        return pdsi_fail(err, PDS_ERR_IO, "%s: could not create the trace file '%s': %s", fn,
                         path, strerror(errno));
    pthread_mutex_lock(&pdsi_trace_st.mu);
    bool ok = pdsi_trace_json(f, NULL, 0, NULL);
    pthread_mutex_unlock(&pdsi_trace_st.mu);
    int e = errno;
    if (fclose(f) != 0 && ok) {
        ok = false;
        e = errno;
    }
    if (!ok)
        return pdsi_fail(err, PDS_ERR_IO, "%s: could not write the trace file '%s': %s", fn, path,
                         strerror(e));
    return PDS_OK;
}

pds_status pds_trace_write(const char *path, pds_error *err)
{
    if (!path || !*path)
        return pdsi_fail(err, PDS_ERR_INVALID_ARGUMENT, "pds_trace_write: path is %s",
                         path ? "empty" : "NULL");
    return write_file(path, "pds_trace_write", err);
}

/* PDSAFE_TRACE=FILE: the trace of the whole process, written when it exits
 * through exit() or a return from main. */
static void write_at_exit(void)
{
    if (getpid() != exit_pid)
        return; /* a forked child: the file is its parent's */
    pds_error e;
    (void)pds_trace_stop(NULL);
    if (write_file(exit_path, "PDSAFE_TRACE", &e) != PDS_OK)
        fprintf(stderr, "pdsafe: %s\n", e.message);
}

static pds_status trace_from_env(pds_error *err)
{
    const char *path = pdsi_env_path("PDSAFE_TRACE");
    if (!path || exit_registered)
        return PDS_OK;
    pdsi_trace_state *st = &pdsi_trace_st;
    pthread_once(&fork_once, fork_register);
    pthread_mutex_lock(&st->mu);
    pds_status s = PDS_OK;
    if (!exit_registered) {
        size_t n = strlen(path);
        FILE *f = n < sizeof exit_path ? fopen(path, "w") : NULL;
        if (!f) {
            s = pdsi_fail(err, PDS_ERR_IO,
                          "the environment variable PDSAFE_TRACE names '%.256s', which could not "
                          "be created for the trace: %s", path,
                          n < sizeof exit_path ? strerror(errno) : "the path is too long");
        } else {
            fclose(f);
            memcpy(exit_path, path, n + 1);
            exit_pid = getpid();
            if (atexit(write_at_exit) != 0)
                s = pdsi_fail(err, PDS_ERR_INTERNAL,
                              "PDSAFE_TRACE: could not register the trace writer at exit");
            else
                exit_registered = true;
        }
        if (!s && !atomic_load(&pdsi_trace_active))
            s = start_locked(DEFAULT_BUFFER_EVENTS, DEFAULT_MAX_THREADS, err);
    }
    pthread_mutex_unlock(&st->mu);
    return s;
}

pds_status pdsi_trace_load_begin(pdsi_trace_scope *s, pdsi_trace_scope **sp, unsigned fn,
                                 const uint64_t *out, pds_error **err)
{
    pds_status st = trace_from_env(*err);
    if (st)
        return st;
    if (PDSI_TRACE_ON()) {
        *sp = s;
        *err = pdsi_trace_call_begin(s, fn, 0, 0, out, *err);
    }
    return PDS_OK;
}
