/*
 * guard-impl.h — guard mode's records, shared by guard.c (recording) and
 * report.c (reports). Everything here is read and written under
 * pdsi_guard_mu.
 */
#ifndef PDSI_GUARD_IMPL_H
#define PDSI_GUARD_IMPL_H

#include <pthread.h>

#include "guard/guard.h"
#include "guard/sites.h"

/* The exit report's format: text, leaks in full, incidents only counted. */
#define PDSI_GUARD_REPORT_COMPACT 0x100u

#define PDSI_GUARD_THREADS 4             /* distinct threads remembered per object */
#define PDSI_GUARD_ORIGIN_MAX (16u << 10) /* bytes kept of one origin */

/* One end of an object's life. */
typedef struct pdsi_gevent {
    uint64_t ns;     /* CLOCK_MONOTONIC */
    uint64_t thread; /* OS thread id */
    uint32_t site;   /* interned C site, 0 none */
    uint64_t origin; /* the binding's origin, 0 none */
} pdsi_gevent;

typedef struct pdsi_grec {
    bool in_use, live, native, more_threads;
    uint64_t id;  /* handle, or the binding's id */
    uint64_t seq; /* order of creation */
    char kind[32];
    pdsi_gevent created, destroyed;
    char destroyed_by[64];
    uint64_t calls, first_use_ns, last_use_ns;
    uint64_t threads[PDSI_GUARD_THREADS];
    int n_threads;
    uint32_t n_incidents;
} pdsi_grec;

typedef struct pdsi_gincident {
    uint64_t n;  /* incident number, from 1; 0: empty */
    uint64_t ns;
    uint64_t thread;
    uint64_t object;
    uint64_t obj_seq; /* the record's seq, when tracked */
    uint32_t root;    /* 1..24 */
    pds_status status; /* PDS_OK for a binding's note */
    uint32_t site;
    uint64_t origin;
    bool tracked, was_destroyed, from_binding;
    char kind[32];
    char function[64];
    char message[PDS_ERROR_MESSAGE_SIZE];
    pdsi_gevent created, destroyed; /* the object's, copied when it happened */
    char destroyed_by[64];
} pdsi_gincident;

typedef struct pdsi_gstats {
    uint64_t objects_tracked, untracked, records_reused, origins_dropped;
} pdsi_gstats;

extern pthread_mutex_t pdsi_guard_mu;
extern pdsi_grec *pdsi_grecs;           /* [PDS_GUARD_MAX_OBJECTS + 1], 0 unused */
extern pdsi_gincident *pdsi_gincidents; /* ring of PDS_GUARD_MAX_INCIDENTS */
extern uint64_t pdsi_g_n_incidents;     /* incidents ever recorded */
extern pdsi_gstats pdsi_gstat;

uint64_t pdsi_guard_now_ns(void);
uint64_t pdsi_guard_thread(void);
/* The newest record of an object id, 0 if none. */
uint32_t pdsi_guard_find(uint64_t id);
/* An origin's bytes (not NUL-terminated) or NULL if dropped or 0. */
const char *pdsi_guard_origin(uint64_t id, size_t *len);
/* "M7" */
const char *pdsi_guard_root_name(uint32_t root);
bool pdsi_guard_any_live(void);

#endif
