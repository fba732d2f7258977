/*
 * arena.c — greedy-by-size, best-fit placement of tensor lifetimes (see
 * arena.h).
 */
#include "plan/arena.h"

#include <stdbool.h>
#include <stdlib.h>

typedef struct order {
    size_t size;
    int32_t first;
    size_t index;
} order;

static int by_size_desc(const void *a, const void *b)
{
    const order *x = a, *y = b;
    if (x->size != y->size)
        return x->size > y->size ? -1 : 1;
    if (x->first != y->first)
        return x->first < y->first ? -1 : 1;
    return x->index < y->index ? -1 : (x->index > y->index);
}

/* Above this many tensors the quadratic best-fit search is skipped and every
 * tensor gets its own place (correct, only less compact): a bound on load
 * time for hostile or gigantic graphs. */
#define BEST_FIT_MAX 20000

pds_status pdsi_arena_plan(pdsi_usage *u, size_t n, size_t *total, pds_error *err)
{
    *total = 0;
    if (n == 0)
        return PDS_OK;
    order *ord = malloc(sizeof *ord * n);
    size_t *idx = malloc(sizeof *idx * n);
    size_t *placed = malloc(sizeof *placed * n); /* placed records, by offset */
    if (!ord || !idx || !placed) {
        free(ord);
        free(idx);
        free(placed);
        return pdsi_fail(err, PDS_ERR_OUT_OF_MEMORY, "could not plan memory: %zu tensors", n);
    }
    for (size_t i = 0; i < n; i++) {
        idx[i] = i;
        if (u[i].size > SIZE_MAX - PDSI_ARENA_ALIGN) {
            free(ord);
            free(idx);
            free(placed);
            return pdsi_fail(err, PDS_ERR_LIMIT, "could not plan memory: a tensor of %zu bytes",
                             u[i].size);
        }
        u[i].size = (u[i].size + PDSI_ARENA_ALIGN - 1) & ~(size_t)(PDSI_ARENA_ALIGN - 1);
        u[i].offset = 0;
    }
    for (size_t i = 0; i < n; i++)
        ord[i] = (order){u[i].size, u[i].first, i};
    qsort(ord, n, sizeof *ord, by_size_desc);
    for (size_t i = 0; i < n; i++)
        idx[i] = ord[i].index;
    free(ord);
    bool best_fit = n <= BEST_FIT_MAX;
    size_t n_placed = 0, end = 0;
    for (size_t k = 0; k < n; k++) {
        pdsi_usage *r = &u[idx[k]];
        if (r->size == 0)
            continue;
        if (!best_fit) {
            if (end > SIZE_MAX - r->size) {
                free(idx);
                free(placed);
                return pdsi_fail(err, PDS_ERR_LIMIT, "could not plan memory: the arena overflows");
            }
            r->offset = end;
            end += r->size;
            continue;
        }
        /* Walk the placed records in offset order; those alive at the same
         * time as r delimit the gaps. */
        size_t best = SIZE_MAX, best_gap = SIZE_MAX, prev_end = 0;
        for (size_t q = 0; q < n_placed; q++) {
            const pdsi_usage *o = &u[placed[q]];
            if (o->last < r->first || o->first > r->last)
                continue;
            if (o->offset > prev_end) {
                size_t gap = o->offset - prev_end;
                if (gap >= r->size && gap < best_gap) {
                    best = prev_end;
                    best_gap = gap;
                }
            }
            if (o->offset + o->size > prev_end)
                prev_end = o->offset + o->size;
        }
        r->offset = best != SIZE_MAX ? best : prev_end;
        if (r->offset > SIZE_MAX - r->size) {
            free(idx);
            free(placed);
            return pdsi_fail(err, PDS_ERR_LIMIT, "could not plan memory: the arena overflows");
        }
        if (r->offset + r->size > end)
            end = r->offset + r->size;
        /* Keep placed sorted by offset. */
        size_t pos = n_placed;
        while (pos > 0 && u[placed[pos - 1]].offset > r->offset) {
            placed[pos] = placed[pos - 1];
            pos--;
        }
        placed[pos] = idx[k];
        n_placed++;
    }
    free(idx);
    free(placed);
    *total = end;
    return PDS_OK;
}
