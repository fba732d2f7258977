/*
 * guard.c — guard mode's records: objects, origins and incidents (see
 * guard.h), and the notes bindings add (pds_guard_note_add).
 *
 * One mutex guards everything here. It is taken after the handle table's
 * lock when both are held (the table calls pdsi_guard_track, _used and
 * _destroyed with its lock held), never before it. All storage is allocated
 * the first time guard mode records something and has fixed bounds
 * (pdsafe.h, PDS_GUARD_MAX_*): records for PDS_GUARD_MAX_OBJECTS objects
 * (when all are taken the oldest destroyed object's record is reused;
 * with every record live, new objects go untracked and are counted), a ring
 * of PDS_GUARD_MAX_INCIDENTS incidents, and a ring of PDS_GUARD_ORIGIN_BYTES
 * holding the origins bindings attach (an origin overwritten by newer ones
 * reads as dropped). Reports are made in report.c.
 */
#define _GNU_SOURCE
#include "guard/guard-impl.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "core/env.h"
#include "core/error.h"

atomic_int pdsi_guard_on;

pthread_mutex_t pdsi_guard_mu = PTHREAD_MUTEX_INITIALIZER;
pdsi_grec *pdsi_grecs;
pdsi_gincident *pdsi_gincidents;
uint64_t pdsi_g_n_incidents;
pdsi_gstats pdsi_gstat;

static uint32_t *g_free;      /* record numbers never used or freed: a stack */
static uint32_t g_n_free;
static uint32_t *g_dead;      /* destroyed records, oldest first: a ring */
static uint32_t g_dead_head, g_dead_len;

/* Origins: a byte ring and a table of the last ORIGIN_SLOTS origins. */
#define ORIGIN_SLOTS 8192
typedef struct origin_slot {
    uint64_t id;
    uint64_t pos; /* where its bytes start, counting every byte ever written */
    uint32_t len;
} origin_slot;
static char *g_origin_ring;
static origin_slot *g_origins;
static uint64_t g_origin_written, g_origin_next = 1;

uint64_t pdsi_guard_now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* The OS thread id, asked of the kernel once per thread: gettid is a system
 * call, and guard mode asks on every call of a guarded object. The cache is
 * an identity, not state a caller could read (M16); a forked child's thread
 * forgets the parent's id (pdsi_guard_fork_child). */
static _Thread_local uint64_t t_tid;

uint64_t pdsi_guard_thread(void)
{
    if (!t_tid)
        t_tid = (uint64_t)syscall(SYS_gettid);
    return t_tid;
}

void pdsi_guard_fork_prepare(void)
{
    pthread_mutex_lock(&pdsi_guard_mu);
}

void pdsi_guard_fork_parent(void)
{
    pthread_mutex_unlock(&pdsi_guard_mu);
}

void pdsi_guard_fork_child(void)
{
    t_tid = 0;
    pthread_mutex_unlock(&pdsi_guard_mu);
}

/* Under the lock: allocates every table on first use. */
static bool ensure_tables(void)
{
    if (pdsi_grecs)
        return true;
    pdsi_grec *r = calloc(PDS_GUARD_MAX_OBJECTS + 1, sizeof *r);
    pdsi_gincident *in = calloc(PDS_GUARD_MAX_INCIDENTS, sizeof *in);
    uint32_t *fr = calloc(PDS_GUARD_MAX_OBJECTS, sizeof *fr);
    uint32_t *dd = calloc(PDS_GUARD_MAX_OBJECTS, sizeof *dd);
    char *ring = malloc(PDS_GUARD_ORIGIN_BYTES);
    origin_slot *os = calloc(ORIGIN_SLOTS, sizeof *os);
    if (!r || !in || !fr || !dd || !ring || !os) {
        free(r);
        free(in);
        free(fr);
        free(dd);
        free(ring);
        free(os);
        return false;
    }
    for (uint32_t i = 0; i < PDS_GUARD_MAX_OBJECTS; i++)
        fr[i] = PDS_GUARD_MAX_OBJECTS - i; /* record 1 is popped first */
    g_n_free = PDS_GUARD_MAX_OBJECTS;
    pdsi_grecs = r;
    pdsi_gincidents = in;
    g_free = fr;
    g_dead = dd;
    g_origin_ring = ring;
    g_origins = os;
    return true;
}

/* ---- origins --------------------------------------------------------------- */

static uint64_t origin_add(const char *text, size_t len)
{
    if (!text || len == 0 || !ensure_tables())
        return 0;
    if (len > PDSI_GUARD_ORIGIN_MAX)
        len = PDSI_GUARD_ORIGIN_MAX;
    uint64_t pos = g_origin_written;
    uint64_t at = pos % PDS_GUARD_ORIGIN_BYTES;
    if (at + len > PDS_GUARD_ORIGIN_BYTES) /* keep each origin in one piece */
        pos += PDS_GUARD_ORIGIN_BYTES - at;
    memcpy(g_origin_ring + pos % PDS_GUARD_ORIGIN_BYTES, text, len);
    g_origin_written = pos + len;
    uint64_t id = g_origin_next++;
    origin_slot *s = &g_origins[id % ORIGIN_SLOTS];
    if (s->id)
        pdsi_gstat.origins_dropped++;
    *s = (origin_slot){id, pos, (uint32_t)len};
    return id;
}

const char *pdsi_guard_origin(uint64_t id, size_t *len)
{
    *len = 0;
    if (id == 0 || !g_origins)
        return NULL;
    const origin_slot *s = &g_origins[id % ORIGIN_SLOTS];
    if (s->id != id || g_origin_written - s->pos > PDS_GUARD_ORIGIN_BYTES)
        return NULL;
    *len = s->len;
    return g_origin_ring + s->pos % PDS_GUARD_ORIGIN_BYTES;
}

/* ---- records ----------------------------------------------------------- */

/* Under the lock: a free record, reusing the oldest destroyed one if none. */
static uint32_t rec_alloc(void)
{
    if (!ensure_tables())
        return 0;
    uint32_t r = 0;
    if (g_n_free)
        r = g_free[--g_n_free];
    else if (g_dead_len) {
        r = g_dead[g_dead_head];
        g_dead_head = (g_dead_head + 1) % PDS_GUARD_MAX_OBJECTS;
        g_dead_len--;
        pdsi_gstat.records_reused++;
    }
    if (r == 0) {
        pdsi_gstat.untracked++;
        return 0;
    }
    memset(&pdsi_grecs[r], 0, sizeof pdsi_grecs[r]);
    pdsi_grecs[r].in_use = true;
    return r;
}

static void copy_str(char *dst, size_t cap, const char *src)
{
    if (!src)
        src = "";
    size_t n = strnlen(src, cap - 1);
    memcpy(dst, src, n);
    dst[n] = '\0';
}

static uint32_t rec_start(uint64_t id, const char *kind, bool native, uint32_t site)
{
    uint32_t r = rec_alloc();
    if (!r)
        return 0;
    pdsi_grec *g = &pdsi_grecs[r];
    g->id = id;
    g->native = native;
    g->live = true;
    copy_str(g->kind, sizeof g->kind, kind);
    g->created.ns = pdsi_guard_now_ns();
    g->created.thread = pdsi_guard_thread();
    g->created.site = site;
    g->seq = ++pdsi_gstat.objects_tracked;
    return r;
}

uint32_t pdsi_guard_find(uint64_t id)
{
    if (!pdsi_grecs)
        return 0;
    /* The newest record of that id: a binding may reuse ids; handles never. */
    uint32_t best = 0;
    for (uint32_t r = 1; r <= PDS_GUARD_MAX_OBJECTS; r++)
        if (pdsi_grecs[r].in_use && pdsi_grecs[r].id == id &&
            (!best || pdsi_grecs[r].seq > pdsi_grecs[best].seq))
            best = r;
    return best;
}

static void rec_used(pdsi_grec *g)
{
    uint64_t now = pdsi_guard_now_ns(), tid = pdsi_guard_thread();
    if (g->calls++ == 0)
        g->first_use_ns = now;
    g->last_use_ns = now;
    for (int i = 0; i < g->n_threads; i++)
        if (g->threads[i] == tid)
            return;
    if (g->n_threads < PDSI_GUARD_THREADS)
        g->threads[g->n_threads++] = tid;
    else
        g->more_threads = true;
}

static void rec_destroyed(uint32_t r, const char *fn, uint32_t site)
{
    pdsi_grec *g = &pdsi_grecs[r];
    g->live = false;
    g->destroyed.ns = pdsi_guard_now_ns();
    g->destroyed.thread = pdsi_guard_thread();
    g->destroyed.site = site;
    copy_str(g->destroyed_by, sizeof g->destroyed_by, fn);
    g_dead[(g_dead_head + g_dead_len) % PDS_GUARD_MAX_OBJECTS] = r;
    g_dead_len++;
}

uint32_t pdsi_guard_track(uint64_t handle, const char *kind)
{
    atomic_store(&pdsi_guard_on, 1);
    pthread_mutex_lock(&pdsi_guard_mu);
    uint32_t r = rec_start(handle, kind, true, pdsi_site_capture(false));
    pthread_mutex_unlock(&pdsi_guard_mu);
    return r;
}

void pdsi_guard_used(uint32_t rec)
{
    pthread_mutex_lock(&pdsi_guard_mu);
    rec_used(&pdsi_grecs[rec]);
    pthread_mutex_unlock(&pdsi_guard_mu);
}

void pdsi_guard_destroyed(uint32_t rec, const char *fn)
{
    pthread_mutex_lock(&pdsi_guard_mu);
    rec_destroyed(rec, fn, pdsi_site_capture(false));
    pthread_mutex_unlock(&pdsi_guard_mu);
}

/* ---- incidents ----------------------------------------------------------- */

const char *pdsi_guard_root_name(uint32_t root)
{
    static const char *const names[] = {
        "",    "M1",  "M2",  "M3",  "M4",  "M5",  "M6",  "M7",  "M8",  "M9",  "M10", "M11", "M12",
        "M13", "M14", "M15", "M16", "M17", "M18", "M19", "M20", "M21", "M22", "M23", "M24"};
    return root >= 1 && root <= 24 ? names[root] : "M?";
}

/* The root cause of a failed native call, 0 when the status is no misuse. */
static uint32_t classify(const char *fn, pds_status st, const char *msg)
{
    bool destroy = strstr(fn, "destroy") != NULL;
    bool runs = strstr(fn, "_run") || strstr(fn, "_fetch");
    switch (st) {
    case PDS_ERR_INVALID_HANDLE: return 4;
    case PDS_ERR_WRONG_HANDLE_KIND: return 5;
    case PDS_ERR_STALE_HANDLE: return destroy ? 2 : 1;
    case PDS_ERR_BUSY: return destroy ? 7 : 6;
    case PDS_ERR_RESULT_GONE: return 6;
    case PDS_ERR_BUFFER_SIZE:
        return strstr(fn, "_fetch") || (msg && strncmp(msg, "output", 6) == 0) ? 9 : 8;
    case PDS_ERR_DTYPE: return 10;
    case PDS_ERR_SHAPE: return 11;
    case PDS_ERR_LIMIT: return runs ? 11 : 0;
    case PDS_ERR_INVALID_ARGUMENT:
        if (msg && strstr(msg, "struct_size"))
            return 18;
        if (runs && msg && (strncmp(msg, "input", 5) == 0 || strncmp(msg, "output", 6) == 0))
            return 8;
        return 0;
    default: return 0;
    }
}

/* Under the lock: a new incident against the newest record of object id. */
static pdsi_gincident *incident_new(uint64_t id, const char *kind, const char *fn, uint32_t root,
                                    pds_status st, const char *msg, uint32_t site)
{
    if (!ensure_tables())
        return NULL;
    uint64_t n = ++pdsi_g_n_incidents;
    pdsi_gincident *in = &pdsi_gincidents[(n - 1) % PDS_GUARD_MAX_INCIDENTS];
    memset(in, 0, sizeof *in);
    in->n = n;
    in->ns = pdsi_guard_now_ns();
    in->thread = pdsi_guard_thread();
    in->object = id;
    in->root = root;
    in->status = st;
    in->site = site;
    copy_str(in->function, sizeof in->function, fn);
    copy_str(in->message, sizeof in->message, msg);
    uint32_t r = pdsi_guard_find(id);
    if (r) {
        pdsi_grec *g = &pdsi_grecs[r];
        in->tracked = true;
        in->obj_seq = g->seq;
        in->created = g->created;
        in->destroyed = g->destroyed;
        in->was_destroyed = !g->live;
        copy_str(in->destroyed_by, sizeof in->destroyed_by, g->destroyed_by);
        kind = g->kind; /* what the object is, not what the call expected (M5) */
        g->n_incidents++;
    }
    copy_str(in->kind, sizeof in->kind, kind);
    return in;
}

/* Appends " [guard incident ...]" to err's message: the incident and the
 * object's sites. Not for an object created while guard mode was off (an
 * unguarded object in a process where another one turned guard mode on):
 * its incident is in the report, its caller's message stays as it was. A
 * handle that names no object at all (M4) is annotated. */
static void annotate(pds_error *err, const pdsi_gincident *in)
{
    if (!err || (!in->tracked && in->root != 4))
        return;
    char made[160], gone[160];
    size_t len = strnlen(err->message, sizeof err->message - 1);
    char *p = err->message + len;
    size_t cap = sizeof err->message - len;
    if (!in->tracked) {
        snprintf(p, cap, " [guard incident %" PRIu64 " (%s): the object is not tracked]", in->n,
                 pdsi_guard_root_name(in->root));
        return;
    }
    pdsi_site_format(in->created.site, made, sizeof made);
    if (in->was_destroyed) {
        pdsi_site_format(in->destroyed.site, gone, sizeof gone);
        snprintf(p, cap, " [guard incident %" PRIu64 " (%s): created at %s, destroyed at %s]",
                 in->n, pdsi_guard_root_name(in->root), made, gone);
    } else {
        snprintf(p, cap, " [guard incident %" PRIu64 " (%s): created at %s]", in->n,
                 pdsi_guard_root_name(in->root), made);
    }
}

pds_status pdsi_guard_failed(uint64_t handle, const char *kind, const char *fn, pds_status st,
                             pds_error *err)
{
    /* Without an error struct of the caller's, the message is still made. */
    pds_error local;
    const char *msg = "";
    if (err && err->code == st)
        msg = err->message;
    uint32_t root = classify(fn, st, msg);
    if (!root)
        return st;
    if (!err) {
        local.code = st;
        snprintf(local.message, sizeof local.message, "%s: %s", fn, pds_status_text(st));
        msg = local.message;
    }
    /* Strip the "fn: " prefix the message starts with: the function is a
     * field of its own. */
    size_t fl = strlen(fn);
    if (strncmp(msg, fn, fl) == 0 && msg[fl] == ':' && msg[fl + 1] == ' ')
        msg += fl + 2;
    pthread_mutex_lock(&pdsi_guard_mu);
    pdsi_gincident *in = incident_new(handle, kind, fn, root, st, msg, pdsi_site_capture(false));
    if (in)
        annotate(err, in);
    pthread_mutex_unlock(&pdsi_guard_mu);
    return st;
}

/* ---- environment and exit report ------------------------------------------ */

static pthread_once_t g_exit_once = PTHREAD_ONCE_INIT;

static void exit_report(void)
{
    if (!pdsi_guard_any_live())
        return;
    size_t need = 0;
    (void)pds_guard_report(PDSI_GUARD_REPORT_COMPACT, NULL, 0, &need, NULL);
    char *buf = need ? malloc(need + 4096) : NULL;
    if (buf && pds_guard_report(PDSI_GUARD_REPORT_COMPACT, buf, need + 4096, NULL, NULL) == PDS_OK)
        fputs(buf, stderr);
    free(buf);
}

static void exit_register(void)
{
    atexit(exit_report);
}

pds_status pdsi_guard_env(bool *on, pds_error *err)
{
    static const char *const onoff[] = {"0", "1"};
    int v;
    pds_status st = pdsi_env_choice("PDSAFE_GUARD", onoff, 2, &v, err);
    *on = !st && v == 1;
    if (*on) {
        atomic_store(&pdsi_guard_on, 1);
        pthread_once(&g_exit_once, exit_register);
    }
    return st;
}

/* ---- the public calls ------------------------------------------------------ */

pds_status pds_guard_enabled(int *on, pds_error *err)
{
    if (!on)
        return pdsi_fail(err, PDS_ERR_INVALID_ARGUMENT, "pds_guard_enabled: on is NULL");
    bool env;
    pds_status st = pdsi_guard_env(&env, err);
    if (st) {
        *on = 0;
        return pdsi_fail_wrap(err, st, "pds_guard_enabled");
    }
    *on = pdsi_guard_active();
    return PDS_OK;
}

static pds_status note_origin(const pds_guard_note *n, uint64_t origin, pds_error *err)
{
    const char *fn = "pds_guard_note_add";
    if (n->of_event == PDS_GUARD_INCIDENT) {
        uint64_t k = n->incident;
        pdsi_gincident *in =
            k && pdsi_gincidents ? &pdsi_gincidents[(k - 1) % PDS_GUARD_MAX_INCIDENTS] : NULL;
        if (!in || in->n != k)
            return pdsi_fail(err, PDS_ERR_RESULT_GONE,
                             "%s: incident %" PRIu64 " is not kept (the last %d are)", fn, k,
                             PDS_GUARD_MAX_INCIDENTS);
        in->origin = origin;
        return PDS_OK;
    }
    if (n->of_event != PDS_GUARD_CREATED && n->of_event != PDS_GUARD_DESTROYED)
        return pdsi_fail(err, PDS_ERR_INVALID_ARGUMENT,
                         "%s: of_event is %u, expected PDS_GUARD_CREATED, _DESTROYED or "
                         "_INCIDENT", fn, n->of_event);
    uint32_t r = pdsi_guard_find(n->object);
    if (!r)
        return pdsi_fail(err, PDS_ERR_INVALID_ARGUMENT,
                         "%s: object 0x%016" PRIx64 " is not tracked by guard mode", fn,
                         n->object);
    if (n->of_event == PDS_GUARD_CREATED)
        pdsi_grecs[r].created.origin = origin;
    else
        pdsi_grecs[r].destroyed.origin = origin;
    return PDS_OK;
}

static pds_status note_locked(pds_guard_note *n, pds_error *err)
{
    const char *fn = "pds_guard_note_add";
    bool skip = (n->flags & PDS_GUARD_NOTE_SKIP_CALLER_OBJECT) != 0;
    bool trace = (n->flags & PDS_GUARD_NOTE_NO_BACKTRACE) == 0;
    if (!ensure_tables())
        return pdsi_fail(err, PDS_ERR_OUT_OF_MEMORY, "%s: no memory for guard mode's tables", fn);
    uint64_t origin = origin_add(n->origin, n->origin_length);
    switch (n->event) {
    case PDS_GUARD_CREATED: {
        uint32_t r = rec_start(n->object, n->kind ? n->kind : "object", false,
                               trace ? pdsi_site_capture(skip) : 0);
        if (r)
            pdsi_grecs[r].created.origin = origin;
        return PDS_OK;
    }
    case PDS_GUARD_DESTROYED: {
        uint32_t r = pdsi_guard_find(n->object);
        if (r && !pdsi_grecs[r].live) {
            /* The destroy of a native handle already recorded its site: keep
             * it, add the binding's origin. */
            if (origin)
                pdsi_grecs[r].destroyed.origin = origin;
            return PDS_OK;
        }
        if (r && pdsi_grecs[r].native)
            return pdsi_fail(err, PDS_ERR_INVALID_ARGUMENT,
                             "%s: object 0x%016" PRIx64 " is a live library handle: its destroy "
                             "function records its destruction (attach an origin after it with "
                             "PDS_GUARD_ORIGIN)", fn, n->object);
        if (r) {
            rec_destroyed(r, n->function, trace ? pdsi_site_capture(skip) : 0);
            pdsi_grecs[r].destroyed.origin = origin;
        }
        return PDS_OK;
    }
    case PDS_GUARD_INCIDENT: {
        if (n->root_cause < 1 || n->root_cause > 24)
            return pdsi_fail(err, PDS_ERR_INVALID_ARGUMENT,
                             "%s: root_cause is %u, expected 1..24 (M1..M24)", fn, n->root_cause);
        pdsi_gincident *in =
            incident_new(n->object, n->kind, n->function, n->root_cause, PDS_OK, n->message,
                         trace ? pdsi_site_capture(skip) : 0);
        if (!in)
            return pdsi_fail(err, PDS_ERR_OUT_OF_MEMORY, "%s: no memory for the incident", fn);
        in->origin = origin;
        in->from_binding = true;
        n->incident = in->n;
        return PDS_OK;
    }
    case PDS_GUARD_ORIGIN:
        return note_origin(n, origin, err);
    }
    return pdsi_fail(err, PDS_ERR_INVALID_ARGUMENT,
                     "%s: event is %u, expected a pds_guard_event (1..4)", fn, n->event);
}

pds_status pds_guard_note_add(pds_guard_note *note, pds_error *err)
{
    const char *fn = "pds_guard_note_add";
    if (!note)
        return pdsi_fail(err, PDS_ERR_INVALID_ARGUMENT, "%s: note is NULL", fn);
    if (note->struct_size < offsetof(pds_guard_note, reserved))
        return pdsi_fail(err, PDS_ERR_INVALID_ARGUMENT,
                         "%s: note->struct_size is %u, expected at least %zu (initialise it with "
                         "pds_guard_note_init)", fn, note->struct_size,
                         offsetof(pds_guard_note, reserved));
    if (note->object == 0 && note->event != PDS_GUARD_ORIGIN)
        return pdsi_fail(err, PDS_ERR_INVALID_ARGUMENT, "%s: object is 0 (expected the "
                         "object's handle or the binding's non-zero id)", fn);
    if (!note->origin && note->origin_length)
        return pdsi_fail(err, PDS_ERR_INVALID_ARGUMENT,
                         "%s: origin is NULL but origin_length is %zu", fn, note->origin_length);
    atomic_store(&pdsi_guard_on, 1);
    pthread_mutex_lock(&pdsi_guard_mu);
    pds_status st = note_locked(note, err);
    pthread_mutex_unlock(&pdsi_guard_mu);
    return st;
}

bool pdsi_guard_any_live(void)
{
    if (!pdsi_grecs)
        return false;
    for (uint32_t r = 1; r <= PDS_GUARD_MAX_OBJECTS; r++)
        if (pdsi_grecs[r].in_use && pdsi_grecs[r].live)
            return true;
    return false;
}
