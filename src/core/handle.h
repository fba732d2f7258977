/*
 * handle.h — the handle table: the only way a caller's handle becomes an
 * object pointer (DESIGN M1-M5).
 *
 * A handle is a 64-bit value: kind tag (8 bits) | generation (32 bits) | slot
 * index (24 bits). Nothing the caller holds is ever dereferenced: every call
 * looks the handle up here, under one mutex, and gets either the object or a
 * precise status — zero/forged/never-issued (INVALID_HANDLE), destroyed
 * (STALE_HANDLE), or another kind of object (WRONG_HANDLE_KIND). Freeing a
 * slot bumps its generation, so a handle is never valid twice.
 *
 * The caller of pdsi_handle_lookup holds the table lock (pdsi_handles_lock)
 * and takes whatever reference it needs on the object before unlocking; the
 * objects' destroy paths check those references under the same lock, which is
 * what makes "destroy while in use" a BUSY status instead of a use-after-free.
 */
#ifndef PDSI_CORE_HANDLE_H
#define PDSI_CORE_HANDLE_H

#include <stdint.h>

#include "core/error.h"

typedef enum pdsi_kind {
    PDSI_KIND_MODEL = 1,
    PDSI_KIND_PREDICTOR = 2,
    PDSI_KIND_COUNT_
} pdsi_kind;

/* "model", "predictor" */
const char *pdsi_kind_name(pdsi_kind kind);

void pdsi_handles_lock(void);
void pdsi_handles_unlock(void);

/* Registers obj and returns its handle. Takes the lock itself. */
pds_status pdsi_handle_alloc(pdsi_kind kind, void *obj, uint64_t *handle, pds_error *err);

/* With the lock held: finds the object of a handle of the given kind. `fn` is
 * the API function name, used in messages. */
pds_status pdsi_handle_lookup(uint64_t handle, pdsi_kind kind, void **obj, const char *fn,
                              pds_error *err);

/* Guard mode for a handle just allocated: records where it was created and,
 * from now on, its calls and its destruction (guard/guard.h). Takes the lock
 * itself. */
void pdsi_handle_guard(uint64_t handle);

/* With the lock held: invalidates a handle that pdsi_handle_lookup accepted. */
void pdsi_handle_free(uint64_t handle);

/* Number of valid handles. */
uint64_t pdsi_handle_count(void);

/* Calls fn on every live object of kind; the caller holds the handle lock. */
void pdsi_handles_each_locked(pdsi_kind kind, void (*fn)(void *obj));

#endif
