/*
 * guard.h — guard mode: who made, used, destroyed and misused each object
 * (docs/GUARD.md).
 *
 * Guard mode is off until an object is created with PDS_MODEL_GUARD or
 * PDS_PREDICTOR_GUARD, a model is loaded with PDSAFE_GUARD=1, or a binding
 * adds a note (pds_guard_note_add). Once on, it stays on for the process:
 * every misuse the library detects becomes an incident (kind = the
 * root-cause id of docs/DESIGN.md section 6), and every guarded object has a
 * record: its creation and destruction sites (a C backtrace, symbolised when
 * a report is made), the origins a binding attached, the threads that called
 * it and how often.
 *
 * Cost: when off, the handle table pays one branch per lookup (the slot's
 * record index is 0) and a failing call one more (pdsi_guard_active). Every
 * structure is bounded (GUARD.md lists the bounds); what does not fit is
 * counted, never grown.
 *
 * This module sits beside src/core: the handle table calls its hooks, and it
 * uses nothing above core.
 */
#ifndef PDSI_GUARD_GUARD_H
#define PDSI_GUARD_GUARD_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include "pdsafe.h"

/* Non-zero once guard mode is on (it never goes off again). */
extern atomic_int pdsi_guard_on;

static inline bool pdsi_guard_active(void)
{
    return atomic_load_explicit(&pdsi_guard_on, memory_order_relaxed) != 0;
}

/* Reads PDSAFE_GUARD ("0", "1", unset or empty). *on is true for "1"; any
 * other value is PDS_ERR_INVALID_ARGUMENT naming the variable. Turning it on
 * also registers the report at exit (GUARD.md). */
pds_status pdsi_guard_env(bool *on, pds_error *err);

/* Starts a record for a native object just registered in the handle table;
 * returns its record number (never 0), or 0 if the record table is full
 * (counted). Called with the handle table lock held. */
uint32_t pdsi_guard_track(uint64_t handle, const char *kind);

/* Per-call bookkeeping of a guarded object (handle table lock held): counts
 * the call and remembers the calling thread. */
void pdsi_guard_used(uint32_t rec);

/* The object behind rec was destroyed by the calling thread, here. */
void pdsi_guard_destroyed(uint32_t rec, const char *fn);

/* A call failed with st. If guard mode is on and st is a misuse, records an
 * incident against `handle` (of expected kind `kind`) and appends the
 * object's sites and the incident number to err's message. Returns st. */
pds_status pdsi_guard_failed(uint64_t handle, const char *kind, const char *fn, pds_status st,
                             pds_error *err);

/* fork (DESIGN 2.7): the API's fork handlers take the guard's lock after
 * the handle table's (the order every other path takes them in) and release
 * it on both sides; the child's thread forgets its cached thread id. */
void pdsi_guard_fork_prepare(void);
void pdsi_guard_fork_parent(void);
void pdsi_guard_fork_child(void);

/* pdsi_guard_failed when guard mode is on, st otherwise: the one call the
 * API makes on a failure path. */
static inline pds_status pdsi_guard_check(uint64_t handle, const char *kind, const char *fn,
                                          pds_status st, pds_error *err)
{
    if (st == PDS_OK || !pdsi_guard_active())
        return st;
    return pdsi_guard_failed(handle, kind, fn, st, err);
}

#endif
