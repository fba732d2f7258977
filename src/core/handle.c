/*
 * handle.c — the process-wide handle table (see handle.h).
 *
 * The table is a growable array of slots guarded by one mutex; a statically
 * initialised mutex means there is no global init or teardown for callers to
 * order (DESIGN M20). Freed slots go on a free list and are reused with a
 * higher generation.
 */
#include "core/handle.h"

#include "guard/guard.h"

#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>

#define INDEX_BITS 24
#define GEN_BITS 32
#define MAX_SLOTS (1u << INDEX_BITS)

typedef struct slot {
    void *obj;
    uint32_t gen;      /* generation of the live object, or of the last one */
    uint8_t kind;      /* kind of the live object, or of the last one */
    bool live;
    uint32_t next_free;
    uint32_t guard; /* guard mode's record of the live object, 0 if unguarded */
} slot;

static pthread_mutex_t table_mu = PTHREAD_MUTEX_INITIALIZER;
static slot *slots;
static uint32_t n_slots, cap_slots;
static uint32_t free_head = UINT32_MAX;
static uint64_t n_live;

const char *pdsi_kind_name(pdsi_kind kind)
{
    switch (kind) {
    case PDSI_KIND_MODEL: return "model";
    case PDSI_KIND_PREDICTOR: return "predictor";
    case PDSI_KIND_COUNT_: break;
    }
    return "unknown";
}

void pdsi_handles_lock(void)
{
    pthread_mutex_lock(&table_mu);
}

void pdsi_handles_unlock(void)
{
    pthread_mutex_unlock(&table_mu);
}

static uint64_t make_handle(uint8_t kind, uint32_t gen, uint32_t index)
{
    return (uint64_t)kind << 56 | (uint64_t)gen << INDEX_BITS | index;
}

pds_status pdsi_handle_alloc(pdsi_kind kind, void *obj, uint64_t *handle, pds_error *err)
{
    pds_status st = PDS_OK;
    pthread_mutex_lock(&table_mu);
    uint32_t i;
    if (free_head != UINT32_MAX) {
        i = free_head;
        free_head = slots[i].next_free;
    } else {
        if (n_slots == MAX_SLOTS) {
            st = pdsi_fail(err, PDS_ERR_LIMIT, "could not create %s: all %u handles are in use",
                           pdsi_kind_name(kind), MAX_SLOTS);
            goto out;
        }
        if (n_slots == cap_slots) {
            uint32_t cap = cap_slots ? cap_slots * 2 : 64;
            slot *s = realloc(slots, sizeof *s * cap);
            if (!s) {
                st = pdsi_fail(err, PDS_ERR_OUT_OF_MEMORY,
                               "could not create %s: handle table could not grow to %u",
                               pdsi_kind_name(kind), cap);
                goto out;
            }
            slots = s;
            cap_slots = cap;
        }
        i = n_slots++;
        slots[i].gen = 0;
    }
    slots[i].gen++;
    if (slots[i].gen == 0) /* wrapped: generation 0 is never issued */
        slots[i].gen = 1;
    slots[i].obj = obj;
    slots[i].kind = (uint8_t)kind;
    slots[i].live = true;
    slots[i].guard = 0;
    n_live++;
    *handle = make_handle((uint8_t)kind, slots[i].gen, i);
out:
    pthread_mutex_unlock(&table_mu);
    return st;
}

static pds_status lookup(uint64_t handle, pdsi_kind kind, void **obj, const char *fn,
                         pds_error *err)
{
    uint8_t hkind = (uint8_t)(handle >> 56);
    uint32_t gen = (uint32_t)(handle >> INDEX_BITS);
    uint32_t index = (uint32_t)(handle & (MAX_SLOTS - 1));
    const char *want = pdsi_kind_name(kind);
    *obj = NULL;
    if (handle == 0)
        return pdsi_fail(err, PDS_ERR_INVALID_HANDLE, "%s: the %s handle is 0 (no object)", fn,
                         want);
    if (hkind == 0 || hkind >= PDSI_KIND_COUNT_ || gen == 0 || index >= n_slots ||
        gen > slots[index].gen)
        return pdsi_fail(err, PDS_ERR_INVALID_HANDLE,
                         "%s: 0x%016llx is not a handle this library issued (expected a %s "
                         "handle)",
                         fn, (unsigned long long)handle, want);
    slot *s = &slots[index];
    if (gen != s->gen || !s->live) {
        /* Compare kinds first only if the handle's kind was the slot's kind then:
         * a stale handle of the right kind is the common case. */
        if (hkind != kind)
            return pdsi_fail(err, PDS_ERR_WRONG_HANDLE_KIND,
                             "%s: handle 0x%016llx is a %s handle, expected a %s handle", fn,
                             (unsigned long long)handle, pdsi_kind_name((pdsi_kind)hkind), want);
        return pdsi_fail(err, PDS_ERR_STALE_HANDLE,
                         "%s: %s handle 0x%016llx is stale: the %s was destroyed (slot %u is now "
                         "at generation %u, the handle has %u)",
                         fn, want, (unsigned long long)handle, want, index, s->gen, gen);
    }
    if (hkind != s->kind) /* a valid slot, but the tag was altered: forged */
        return pdsi_fail(err, PDS_ERR_INVALID_HANDLE,
                         "%s: 0x%016llx is not a handle this library issued (kind tag altered)",
                         fn, (unsigned long long)handle);
    if (hkind != kind)
        return pdsi_fail(err, PDS_ERR_WRONG_HANDLE_KIND,
                         "%s: handle 0x%016llx is a %s handle, expected a %s handle", fn,
                         (unsigned long long)handle, pdsi_kind_name((pdsi_kind)hkind), want);
    *obj = s->obj;
    if (s->guard)
        pdsi_guard_used(s->guard);
    return PDS_OK;
}

pds_status pdsi_handle_lookup(uint64_t handle, pdsi_kind kind, void **obj, const char *fn,
                              pds_error *err)
{
    pds_status st = lookup(handle, kind, obj, fn, err);
    return pdsi_guard_check(handle, pdsi_kind_name(kind), fn, st, err);
}

void pdsi_handle_guard(uint64_t handle)
{
    uint32_t index = (uint32_t)(handle & (MAX_SLOTS - 1));
    pthread_mutex_lock(&table_mu);
    if (index < n_slots && slots[index].live)
        slots[index].guard =
            pdsi_guard_track(handle, pdsi_kind_name((pdsi_kind)slots[index].kind));
    pthread_mutex_unlock(&table_mu);
}

void pdsi_handle_free(uint64_t handle)
{
    uint32_t index = (uint32_t)(handle & (MAX_SLOTS - 1));
    slot *s = &slots[index];
    if (s->guard)
        pdsi_guard_destroyed(s->guard, s->kind == PDSI_KIND_MODEL ? "pds_model_destroy"
                                                                 : "pds_predictor_destroy");
    s->guard = 0;
    s->live = false;
    s->obj = NULL;
    s->next_free = free_head;
    free_head = index;
    n_live--;
}

uint64_t pdsi_handle_count(void)
{
    pthread_mutex_lock(&table_mu);
    uint64_t n = n_live;
    pthread_mutex_unlock(&table_mu);
    return n;
}

void pdsi_handles_each_locked(pdsi_kind kind, void (*fn)(void *obj))
{
    for (uint32_t i = 0; i < n_slots; i++)
        if (slots[i].live && slots[i].kind == (uint8_t)kind)
            fn(slots[i].obj);
}
