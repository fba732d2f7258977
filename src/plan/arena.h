/*
 * arena.h — the memory planner: places tensors with known lifetimes in one
 * buffer so that tensors alive at the same time never overlap.
 *
 * Each usage record says which steps a tensor is alive for (first and last,
 * inclusive) and how many bytes it needs. Records are placed largest first;
 * each goes into the smallest gap left between the records already placed
 * whose lifetimes overlap its own (best fit), or after the last of them. This
 * is the greedy-by-size scheme of XNNPACK's and TFLite's planners. Offsets are
 * multiples of PDSI_ARENA_ALIGN.
 */
#ifndef PDSI_PLAN_ARENA_H
#define PDSI_PLAN_ARENA_H

#include <stddef.h>
#include <stdint.h>

#include "core/error.h"

#define PDSI_ARENA_ALIGN 64

typedef struct pdsi_usage {
    int32_t first, last; /* steps, inclusive; first <= last */
    size_t size;         /* bytes; 0 takes no space */
    size_t offset;       /* set by pdsi_arena_plan */
} pdsi_usage;

/* Fills every record's offset and *total (the arena size). PDS_ERR_LIMIT if
 * the sizes overflow, PDS_ERR_OUT_OF_MEMORY if the planner's own tables
 * cannot be allocated. */
pds_status pdsi_arena_plan(pdsi_usage *u, size_t n, size_t *total, pds_error *err);

#endif
