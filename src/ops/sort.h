/*
 * sort.h — parameters and shape rules of the sort family: top_k_v2 and
 * argsort.
 *
 * Paddle 3.3's CPU kernels sort each row with the C++ standard library
 * (std::partial_sort, std::nth_element, std::sort: not stable), so which of
 * several equal values comes first is decided by those algorithms. The
 * reference kernels (kernels/ref/sort.c) run the same algorithms step by
 * step, so that indices of equal values match Paddle's, and NaN counts as
 * larger than every number, as Paddle's comparators make it.
 */
#ifndef PDSI_OPS_SORT_H
#define PDSI_OPS_SORT_H

#include <stdbool.h>

#include "core/error.h"
#include "core/slot.h"

/* top_k_v2: in X, K (optional, one integer; overrides k); out Out, Indices
 * (int64). argsort: in X; out Out, Indices (int64); descending as
 * `largest`, stable asks for a stable sort. kind is set by the opdef. */
typedef enum pdsi_sort_kind { PDSI_SORT_TOPK, PDSI_SORT_ARGSORT } pdsi_sort_kind;
typedef struct pdsi_sort_params {
    pdsi_sort_kind kind;
    int64_t k;
    int64_t axis;
    bool largest;
    bool sorted;
    bool stable;
} pdsi_sort_params;

/* The normalised axis, X viewed as [outer, n, inner] along it, and k (argsort:
 * n). k must lie in [0, n] (Paddle: k >= 1 unless the dim is empty). A 0-D X
 * is one row of one element. */
typedef struct pdsi_sort_geom {
    int axis;
    int64_t outer, n, inner, k;
    int out_rank;
    int64_t out_dims[PDSI_MAX_RANK];
} pdsi_sort_geom;

pds_status pdsi_sort_resolve(const pdsi_sort_params *p, const pdsi_slot *in, pdsi_sort_geom *g,
                             pds_error *err);

#endif
