/*
 * handles.c — misuse reports, the table of encoded handles, and the pool of
 * public structs (see compat.h).
 */
#include <inttypes.h>
#include <stdbool.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "compat.h"

_Static_assert(sizeof(void *) == 8, "the PD_* compatibility library needs 64-bit pointers");

/* ---- misuse reports ---------------------------------------------------- */

static pthread_once_t g_mode_once = PTHREAD_ONCE_INIT;
static int g_abort_on_misuse;

static void read_mode(void)
{
    const char *v = getenv("PDSAFE_ON_MISUSE");
    if (!v || !*v || strcmp(v, "report") == 0)
        return;
    if (strcmp(v, "abort") == 0) {
        g_abort_on_misuse = 1;
        return;
    }
    char line[512];
    int n = snprintf(line, sizeof line,
                     "pdsafe-compat: PDSAFE_ON_MISUSE=\"%.200s\" is not a known value "
                     "(expected \"report\" or \"abort\"); using \"report\"\n",
                     v);
    if (n > 0)
        (void)!write(2, line, (size_t)n < sizeof line ? (size_t)n : sizeof line - 1);
}

/* The calling thread's last report (PD_GetLastError). */
static _Thread_local char t_last_error[1024];
static _Thread_local int t_last_code;

void cp_last_error_clear(void)
{
    t_last_error[0] = '\0';
    t_last_code = 0;
}

const char *PD_GetLastError(void)
{
    return t_last_error;
}

int PD_GetLastErrorCode(void)
{
    return t_last_code;
}

void cp_misuse(const char *call, const char *fmt, ...)
{
    pthread_once(&g_mode_once, read_mode);
    char line[1024];
    int n = snprintf(line, sizeof line, "pdsafe-compat: %s: ", call);
    if (n < 0)
        n = 0;
    va_list ap;
    va_start(ap, fmt);
    int m = vsnprintf(line + n, sizeof line - (size_t)n - 1, fmt, ap);
    va_end(ap);
    size_t len = (size_t)n + (m < 0 ? 0 : (size_t)m);
    if (len > sizeof line - 2)
        len = sizeof line - 2;
    const size_t pfx = sizeof "pdsafe-compat: " - 1;
    size_t keep = len > pfx ? len - pfx : 0;
    if (keep > sizeof t_last_error - 1)
        keep = sizeof t_last_error - 1;
    memcpy(t_last_error, line + (len > pfx ? pfx : len), keep);
    t_last_error[keep] = '\0';
    t_last_code = 1;
    line[len++] = '\n';
    /* One write, so that reports of concurrent threads do not interleave. */
    (void)!write(2, line, len);
    if (g_abort_on_misuse)
        abort();
}

/* ---- guard mode ------------------------------------------------------------
 * With PDSAFE_GUARD=1 (read once, at the first handle), every handle is a
 * guard record of pdsafe's: its creation and destruction sites (the caller's
 * C frames: this library's own are left out), and each misuse of it an
 * incident. */

static pthread_once_t g_guard_once = PTHREAD_ONCE_INIT;
static int g_guard;

static void read_guard(void)
{
    pds_error e;
    int on = 0;
    if (pds_guard_enabled(&on, &e) != PDS_OK) {
        cp_misuse("PDSAFE_GUARD", "%s; guard mode stays off", e.message);
        return;
    }
    g_guard = on;
}

static int guard_on(void)
{
    pthread_once(&g_guard_once, read_guard);
    return g_guard;
}

static void guard_note(pds_guard_event ev, cp_kind kind, uint64_t h, const char *call)
{
    if (!guard_on())
        return;
    pds_guard_note n;
    pds_guard_note_init(&n);
    n.event = ev;
    n.object = h;
    n.kind = cp_kind_name(kind);
    n.function = call;
    n.flags = PDS_GUARD_NOTE_SKIP_CALLER_OBJECT;
    (void)pds_guard_note_add(&n, NULL);
}

void cp_misuse_obj(cp_kind kind, uint64_t h, unsigned root, const char *call, const char *fmt,
                   ...)
{
    char msg[768];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    if (!guard_on()) {
        cp_misuse(call, "%s", msg);
        return;
    }
    pds_guard_note n;
    pds_guard_note_init(&n);
    n.event = PDS_GUARD_INCIDENT;
    n.object = h;
    n.kind = cp_kind_name(kind);
    n.function = call;
    n.message = msg;
    n.root_cause = root;
    n.flags = PDS_GUARD_NOTE_SKIP_CALLER_OBJECT;
    if (pds_guard_note_add(&n, NULL) != PDS_OK) {
        cp_misuse(call, "%s", msg);
        return;
    }
    char desc[512];
    if (pds_guard_describe(h, desc, sizeof desc, NULL, NULL) != PDS_OK)
        snprintf(desc, sizeof desc, "the object is not tracked");
    cp_misuse(call, "%s [guard incident %" PRIu64 " (M%u): %s]", msg, (uint64_t)n.incident, root,
              desc);
}

/* ---- the handle table ---------------------------------------------------- */

#define TAG_BASE 0xD0u
#define SLOT_BITS 24
#define MAX_SLOTS (1u << SLOT_BITS)

typedef struct slot {
    uint32_t gen;       /* generation of the live handle, or the next one if free */
    uint32_t quiet_gen; /* a destroyed generation whose one more destroy is silent */
    uint8_t kind;       /* kind of the live object (0 when free) */
    uint8_t dead;       /* destroyed while calls were inside: free at last release */
    uint8_t has_quiet;
    uint32_t refs;      /* calls inside the object */
    void *obj;
    void (*free_fn)(void *);
    uint32_t next_free;
} slot;

static pthread_mutex_t g_mu = PTHREAD_MUTEX_INITIALIZER;
static slot *g_slots;
static uint32_t g_n_slots, g_cap_slots;
/* Free slots, a FIFO reused only beyond SLOT_QUARANTINE entries: a destroyed
 * slot waits for that many other destroys before it is reused, so the quiet
 * generation of a config its predictor released survives that long. */
#define SLOT_QUARANTINE 1024
static uint32_t g_free_head = UINT32_MAX, g_free_tail = UINT32_MAX, g_n_free;

const char *cp_kind_name(cp_kind kind)
{
    switch (kind) {
    case CP_CONFIG: return "PD_Config";
    case CP_PREDICTOR: return "PD_Predictor";
    case CP_TENSOR: return "PD_Tensor";
    }
    return "unknown object";
}

static uint64_t encode(cp_kind kind, uint32_t gen, uint32_t index)
{
    return ((uint64_t)(TAG_BASE | (unsigned)kind) << 56) | ((uint64_t)gen << SLOT_BITS) |
           (uint64_t)index;
}

uint64_t cp_handle_new(cp_kind kind, void *obj, void (*free_fn)(void *), const char *call)
{
    pthread_mutex_lock(&g_mu);
    uint32_t i;
    if (g_n_free > SLOT_QUARANTINE || (g_n_free && g_n_slots == MAX_SLOTS)) {
        i = g_free_head;
        g_free_head = g_slots[i].next_free;
        if (g_free_head == UINT32_MAX)
            g_free_tail = UINT32_MAX;
        g_n_free--;
    } else {
        if (g_n_slots == g_cap_slots) {
            uint32_t cap = g_cap_slots ? g_cap_slots * 2 : 64;
            if (cap > MAX_SLOTS)
                cap = MAX_SLOTS;
            slot *s = cap > g_cap_slots ? realloc(g_slots, cap * sizeof *s) : NULL;
            if (!s) {
                pthread_mutex_unlock(&g_mu);
                cp_misuse(call, "cannot create a %s: %u objects are alive, the most this "
                          "library holds (or out of memory); destroy some first",
                          cp_kind_name(kind), g_n_slots);
                return 0;
            }
            g_slots = s;
            g_cap_slots = cap;
        }
        i = g_n_slots++;
        memset(&g_slots[i], 0, sizeof g_slots[i]);
        g_slots[i].gen = 1;
    }
    slot *s = &g_slots[i];
    s->kind = (uint8_t)kind;
    s->dead = 0;
    s->refs = 0;
    s->obj = obj;
    s->free_fn = free_fn;
    uint64_t h = encode(kind, s->gen, i);
    pthread_mutex_unlock(&g_mu);
    guard_note(PDS_GUARD_CREATED, kind, h, call);
    return h;
}

/* Under g_mu. 0: live, of that kind; 1: destroyed; 2: never issued; 3: other
 * kind (*other set). */
static int classify(cp_kind kind, uint64_t h, uint32_t *index, cp_kind *other)
{
    unsigned tag = (unsigned)(h >> 56);
    uint32_t gen = (uint32_t)(h >> SLOT_BITS);
    uint32_t i = (uint32_t)(h & (MAX_SLOTS - 1));
    if ((tag & 0xF0u) != TAG_BASE || (tag & 0x0Fu) < CP_CONFIG || (tag & 0x0Fu) > CP_TENSOR ||
        gen == 0 || i >= g_n_slots)
        return 2;
    slot *s = &g_slots[i];
    cp_kind hk = (cp_kind)(tag & 0x0Fu);
    *index = i;
    *other = hk;
    if (gen > s->gen || (gen == s->gen && (s->kind == 0 || s->dead)))
        return 2;
    if (gen == s->gen && s->kind != hk)
        return 2; /* tag changed on a live slot: forged */
    if (hk != kind)
        return 3;
    return gen < s->gen ? 1 : 0;
}

static void report(cp_kind kind, uint64_t h, const char *call, int why, cp_kind other)
{
    bool destroy = strstr(call, "Destroy") != NULL;
    switch (why) {
    case 1:
        cp_misuse_obj(kind, h, destroy ? 2 : 1, call,
                      "%s 0x%016" PRIx64 " was already destroyed; the call does nothing",
                      cp_kind_name(kind), h);
        break;
    case 2:
        cp_misuse_obj(kind, h, 4, call,
                      "%s 0x%016" PRIx64 " was never issued by this library (forged, "
                      "corrupted or from another library); the call does nothing",
                      cp_kind_name(kind), h);
        break;
    case 3:
        cp_misuse_obj(other, h, 5, call,
                      "0x%016" PRIx64 " is a %s, not a %s; the call does nothing", h,
                      cp_kind_name(other), cp_kind_name(kind));
        break;
    }
}

void *cp_handle_get(cp_kind kind, uint64_t h, const char *call, uint32_t *slot_out)
{
    if (h == 0) {
        cp_misuse(call, "NULL %s; the call does nothing", cp_kind_name(kind));
        return NULL;
    }
    void *obj = NULL;
    uint32_t i = 0;
    cp_kind other = kind;
    pthread_mutex_lock(&g_mu);
    int why = classify(kind, h, &i, &other);
    if (why == 0) {
        g_slots[i].refs++;
        obj = g_slots[i].obj;
    }
    pthread_mutex_unlock(&g_mu);
    if (why != 0) {
        report(kind, h, call, why, other);
        return NULL;
    }
    *slot_out = i;
    return obj;
}

int cp_handle_get_quiet(cp_kind kind, uint64_t h, void **obj, uint32_t *slot_out)
{
    uint32_t i = 0;
    cp_kind other = kind;
    pthread_mutex_lock(&g_mu);
    int why = classify(kind, h, &i, &other);
    if (why == 0) {
        g_slots[i].refs++;
        *obj = g_slots[i].obj;
        *slot_out = i;
    }
    pthread_mutex_unlock(&g_mu);
    return why == 0 ? 0 : why == 1 ? 1 : 2;
}

/* Under g_mu: the slot's object leaves the table; returns what to free. */
static void retire(uint32_t i, void **obj, void (**free_fn)(void *))
{
    slot *s = &g_slots[i];
    *obj = s->obj;
    *free_fn = s->free_fn;
    s->obj = NULL;
    s->free_fn = NULL;
    s->kind = 0;
    s->dead = 0;
    s->next_free = UINT32_MAX;
    if (g_free_tail == UINT32_MAX)
        g_free_head = i;
    else
        g_slots[g_free_tail].next_free = i;
    g_free_tail = i;
    g_n_free++;
}

void cp_handle_release(uint32_t i)
{
    void *obj = NULL;
    void (*free_fn)(void *) = NULL;
    pthread_mutex_lock(&g_mu);
    slot *s = &g_slots[i];
    if (s->refs > 0)
        s->refs--;
    if (s->dead && s->refs == 0)
        retire(i, &obj, &free_fn);
    pthread_mutex_unlock(&g_mu);
    if (free_fn)
        free_fn(obj);
}

void cp_handle_destroy(cp_kind kind, uint64_t h, const char *call, int quiet)
{
    if (h == 0)
        return; /* as Paddle: destroying NULL does nothing */
    void *obj = NULL;
    void (*free_fn)(void *) = NULL;
    uint32_t i = 0;
    cp_kind other = kind;
    pthread_mutex_lock(&g_mu);
    int why = classify(kind, h, &i, &other);
    if (why == 1 && g_slots[i].has_quiet &&
        g_slots[i].quiet_gen == (uint32_t)(h >> SLOT_BITS)) {
        g_slots[i].has_quiet = 0; /* the one destroy the owner was owed */
        pthread_mutex_unlock(&g_mu);
        return;
    }
    if (why == 0) {
        slot *s = &g_slots[i];
        if (quiet) { /* else keep an older quiet generation: it names another handle */
            s->has_quiet = 1;
            s->quiet_gen = s->gen;
        }
        s->gen++;
        if (s->gen == 0 || s->gen >= (1u << 31))
            s->gen = 1; /* 2^31 destroys on one slot: wrap (stale detection restarts) */
        if (s->refs == 0)
            retire(i, &obj, &free_fn);
        else
            s->dead = 1;
    }
    pthread_mutex_unlock(&g_mu);
    if (why == 0)
        guard_note(PDS_GUARD_DESTROYED, kind, h, call);
    if (why != 0 && !quiet)
        report(kind, h, call, why, other);
    if (free_fn)
        free_fn(obj);
}

/* ---- the pool of public structs ----------------------------------------- */

#define BLOCK_SIZE 32
#define CHUNK_BLOCKS 1024

typedef struct chunk {
    unsigned char *mem; /* CHUNK_BLOCKS * BLOCK_SIZE, never freed */
    uint8_t kind[CHUNK_BLOCKS];
} chunk;

static pthread_mutex_t g_pool_mu = PTHREAD_MUTEX_INITIALIZER;
static chunk **g_chunks;
static size_t g_n_chunks, g_used_in_last = CHUNK_BLOCKS;
/* Destroyed blocks, oldest first (a ring). */
static void **g_freed;
static size_t g_freed_cap, g_freed_head, g_freed_len;

_Static_assert(sizeof(PD_IOInfos) <= BLOCK_SIZE && sizeof(PD_OneDimArrayCstr) <= BLOCK_SIZE &&
                   sizeof(PD_Cstr) <= BLOCK_SIZE && sizeof(PD_TwoDimArraySize) <= BLOCK_SIZE,
               "a public struct does not fit a pool block");

/* Under g_pool_mu: the chunk and index of p, or -1 if p is not a block. */
static long find_block(const void *p, chunk **out)
{
    uintptr_t a = (uintptr_t)p;
    for (size_t c = 0; c < g_n_chunks; c++) {
        uintptr_t base = (uintptr_t)g_chunks[c]->mem;
        if (a >= base && a < base + CHUNK_BLOCKS * BLOCK_SIZE) {
            if ((a - base) % BLOCK_SIZE)
                return -1;
            *out = g_chunks[c];
            return (long)((a - base) / BLOCK_SIZE);
        }
    }
    return -1;
}

void *cp_block_new(cp_block_kind kind)
{
    void *p = NULL;
    chunk *c = NULL;
    pthread_mutex_lock(&g_pool_mu);
    if (g_freed_len > CP_QUARANTINE) {
        p = g_freed[g_freed_head];
        g_freed_head = (g_freed_head + 1) % g_freed_cap;
        g_freed_len--;
    } else {
        if (g_used_in_last == CHUNK_BLOCKS) {
            chunk **cs = realloc(g_chunks, (g_n_chunks + 1) * sizeof *cs);
            if (cs)
                g_chunks = cs;
            chunk *nc = cs ? calloc(1, sizeof *nc) : NULL;
            unsigned char *mem = nc ? aligned_alloc(BLOCK_SIZE, CHUNK_BLOCKS * BLOCK_SIZE) : NULL;
            if (!mem) {
                free(nc);
                pthread_mutex_unlock(&g_pool_mu);
                return NULL;
            }
            nc->mem = mem;
            g_chunks[g_n_chunks++] = nc;
            g_used_in_last = 0;
        }
        p = g_chunks[g_n_chunks - 1]->mem + g_used_in_last++ * BLOCK_SIZE;
    }
    long i = find_block(p, &c);
    c->kind[i] = (uint8_t)kind;
    memset(p, 0, BLOCK_SIZE);
    pthread_mutex_unlock(&g_pool_mu);
    return p;
}

static const char *block_name(cp_block_kind kind)
{
    switch (kind) {
    case CPB_INT32: return "PD_OneDimArrayInt32";
    case CPB_SIZE: return "PD_OneDimArraySize";
    case CPB_INT64: return "PD_OneDimArrayInt64";
    case CPB_CSTR_ARRAY: return "PD_OneDimArrayCstr";
    case CPB_CSTR: return "PD_Cstr";
    case CPB_TWO_DIM: return "PD_TwoDimArraySize";
    case CPB_IOINFOS: return "PD_IOInfos";
    }
    return "struct";
}

static void free_contents(cp_block_kind kind, void *p)
{
    switch (kind) {
    case CPB_INT32: free(((PD_OneDimArrayInt32 *)p)->data); break;
    case CPB_SIZE: free(((PD_OneDimArraySize *)p)->data); break;
    case CPB_INT64: free(((PD_OneDimArrayInt64 *)p)->data); break;
    case CPB_CSTR: free(((PD_Cstr *)p)->data); break;
    case CPB_CSTR_ARRAY: {
        PD_OneDimArrayCstr *a = p;
        for (size_t i = 0; i < a->size; i++)
            free(a->data[i]);
        free(a->data);
        break;
    }
    case CPB_TWO_DIM: {
        PD_TwoDimArraySize *a = p;
        for (size_t i = 0; i < a->size; i++) {
            if (a->data[i])
                free(a->data[i]->data);
            free(a->data[i]);
        }
        free(a->data);
        break;
    }
    case CPB_IOINFOS: {
        PD_IOInfos *a = p;
        for (size_t i = 0; i < a->size; i++) {
            PD_IOInfo *io = a->io_info[i];
            if (!io)
                continue;
            if (io->name)
                free(io->name->data);
            free(io->name);
            if (io->shape)
                free(io->shape->data);
            free(io->shape);
            free(io);
        }
        free(a->io_info);
        break;
    }
    }
}

void cp_block_destroy(cp_block_kind kind, void *p, const char *call)
{
    if (!p)
        return;
    chunk *c = NULL;
    pthread_mutex_lock(&g_pool_mu);
    long i = find_block(p, &c);
    if (i < 0) {
        pthread_mutex_unlock(&g_pool_mu);
        cp_misuse(call, "%s %p was never returned by this library (forged, or from another "
                  "library); the call does nothing", block_name(kind), p);
        return;
    }
    if (c->kind[i] != (uint8_t)kind) {
        int was = c->kind[i];
        pthread_mutex_unlock(&g_pool_mu);
        if (was == 0)
            cp_misuse(call, "%s %p was already destroyed; the call does nothing",
                      block_name(kind), p);
        else
            cp_misuse(call, "%p is a %s, not a %s; the call does nothing", p,
                      block_name((cp_block_kind)was), block_name(kind));
        return;
    }
    c->kind[i] = 0;
    if (g_freed_len == g_freed_cap) {
        size_t cap = g_freed_cap ? g_freed_cap * 2 : 1024;
        void **r = malloc(cap * sizeof *r);
        if (!r) {
            /* Keep the block out of circulation for good rather than fail. */
            pthread_mutex_unlock(&g_pool_mu);
            free_contents(kind, p);
            memset(p, 0, BLOCK_SIZE);
            return;
        }
        for (size_t k = 0; k < g_freed_len; k++)
            r[k] = g_freed[(g_freed_head + k) % g_freed_cap];
        free(g_freed);
        g_freed = r;
        g_freed_cap = cap;
        g_freed_head = 0;
    }
    g_freed[(g_freed_head + g_freed_len) % g_freed_cap] = p;
    g_freed_len++;
    pthread_mutex_unlock(&g_pool_mu);
    /* The block cannot be handed out again before CP_QUARANTINE more destroys,
     * so its contents are ours to free outside the lock. */
    free_contents(kind, p);
    memset(p, 0, BLOCK_SIZE);
}

/* ---- builders -------------------------------------------------------------- */

static char *dup_str(const char *s)
{
    size_t n = strlen(s) + 1;
    char *d = malloc(n);
    if (d)
        memcpy(d, s, n);
    return d;
}

PD_OneDimArrayCstr *cp_cstr_array(size_t n, const char *const *strings)
{
    PD_OneDimArrayCstr *a = cp_block_new(CPB_CSTR_ARRAY);
    if (!a)
        return NULL;
    if (n) {
        a->data = calloc(n, sizeof *a->data);
        if (!a->data) {
            cp_block_destroy(CPB_CSTR_ARRAY, a, "cp_cstr_array");
            return NULL;
        }
        for (size_t i = 0; i < n; i++) {
            a->data[i] = dup_str(strings[i]);
            a->size = i + 1;
            if (!a->data[i]) {
                cp_block_destroy(CPB_CSTR_ARRAY, a, "cp_cstr_array");
                return NULL;
            }
        }
    }
    return a;
}

PD_Cstr *cp_cstr(const char *s)
{
    PD_Cstr *c = cp_block_new(CPB_CSTR);
    if (!c)
        return NULL;
    if (s && *s) {
        c->data = dup_str(s);
        if (!c->data) {
            cp_block_destroy(CPB_CSTR, c, "cp_cstr");
            return NULL;
        }
        c->size = strlen(s) + 1;
    }
    return c;
}

/* ---- pd_utils.h ------------------------------------------------------------ */

void PD_OneDimArrayInt32Destroy(PD_OneDimArrayInt32 *array)
{
    cp_block_destroy(CPB_INT32, array, "PD_OneDimArrayInt32Destroy");
}
void PD_OneDimArrayCstrDestroy(PD_OneDimArrayCstr *array)
{
    cp_block_destroy(CPB_CSTR_ARRAY, array, "PD_OneDimArrayCstrDestroy");
}
void PD_OneDimArraySizeDestroy(PD_OneDimArraySize *array)
{
    cp_block_destroy(CPB_SIZE, array, "PD_OneDimArraySizeDestroy");
}
void PD_OneDimArrayInt64Destroy(PD_OneDimArrayInt64 *array)
{
    cp_block_destroy(CPB_INT64, array, "PD_OneDimArrayInt64Destroy");
}
void PD_TwoDimArraySizeDestroy(PD_TwoDimArraySize *array)
{
    cp_block_destroy(CPB_TWO_DIM, array, "PD_TwoDimArraySizeDestroy");
}
void PD_CstrDestroy(PD_Cstr *cstr)
{
    cp_block_destroy(CPB_CSTR, cstr, "PD_CstrDestroy");
}
void PD_IOInfosDestroy(PD_IOInfos *io_infos)
{
    cp_block_destroy(CPB_IOINFOS, io_infos, "PD_IOInfosDestroy");
}
void PD_IOInfoDestroy(PD_IOInfo *io_info)
{
    if (!io_info)
        return;
    cp_misuse("PD_IOInfoDestroy", "PD_IOInfo %p was never returned on its own by this "
              "library (each one belongs to its PD_IOInfos: destroy that with "
              "PD_IOInfosDestroy); the call does nothing", (void *)io_info);
}
