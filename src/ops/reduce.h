/*
 * reduce.h — parameters and shape rules of the reduce family:
 * reduce_sum, reduce_mean, reduce_max, reduce_min, arg_max, arg_min, cumsum,
 * p_norm, reduce_all and reduce_any.
 *
 * The reduced dims are resolved (negative dims, reduce_all, empty dim list,
 * keep_dim) by pdsi_reduce_resolve, which shape inference and the kernel both
 * call. Semantics follow Paddle 3.3's CPU kernels: reduce_sum of bool or int32
 * gives int64 unless out_dtype says otherwise, and with an out_dtype it casts
 * each element before summing; reduce_max/min propagate NaN; arg_max/arg_min
 * return the first index of the extreme value and never pick a NaN;
 * reduce_all/any take bool, int32, int64, float32 or float64 (non-zero and
 * NaN are true) and give bool, true over zero elements for all, false for any.
 */
#ifndef PDSI_OPS_REDUCE_H
#define PDSI_OPS_REDUCE_H

#include <stdbool.h>

#include "core/error.h"
#include "core/slot.h"

typedef enum pdsi_reduce_kind {
    PDSI_REDUCE_SUM,
    PDSI_REDUCE_MEAN,
    PDSI_REDUCE_MAX,
    PDSI_REDUCE_MIN,
    PDSI_REDUCE_ALL,
    PDSI_REDUCE_ANY,
} pdsi_reduce_kind;

#define PDSI_REDUCE_MAX_DIMS 64

/* reduce_*: in X; out Out. */
typedef struct pdsi_reduce_params {
    pdsi_reduce_kind kind; /* set by the opdef */
    int n_dims;
    int64_t dims[PDSI_REDUCE_MAX_DIMS];
    int keep_dim;
    int reduce_all;
    pds_dtype out_dtype; /* reduce_sum only; PDS_DTYPE_UNKNOWN: the default */
} pdsi_reduce_params;

typedef struct pdsi_reduce_geom {
    bool reduced[PDSI_MAX_RANK]; /* per dim of X */
    int64_t n_reduced;           /* elements folded into each output element */
    pds_dtype out_dtype;
    int out_rank;
    int64_t out_dims[PDSI_MAX_RANK];
} pdsi_reduce_geom;

/* Checks X's dtype against the kind and resolves the reduced dims and the
 * output. PDS_ERR_DTYPE / PDS_ERR_SHAPE with the values involved. */
pds_status pdsi_reduce_resolve(const pdsi_reduce_params *p, const pdsi_tensor *x,
                               pdsi_reduce_geom *g, pds_error *err);

/* arg_max / arg_min: in X; out Out (int64, or int32 with dtype 2). */
typedef struct pdsi_arg_params {
    int is_min; /* set by the opdef */
    int64_t axis;
    int keepdims;
    int flatten;
    pds_dtype out_dtype;
} pdsi_arg_params;

/* X viewed as [outer, n, inner] with the search along n. */
typedef struct pdsi_arg_geom {
    int64_t outer, n, inner;
    int out_rank;
    int64_t out_dims[PDSI_MAX_RANK];
} pdsi_arg_geom;

pds_status pdsi_arg_resolve(const pdsi_arg_params *p, const pdsi_tensor *x, pdsi_arg_geom *g,
                            pds_error *err);

/* cumsum: in X; out Out (X's dtype; 1-D with flatten). */
typedef struct pdsi_cumsum_params {
    int64_t axis;
    int flatten, exclusive, reverse;
} pdsi_cumsum_params;

/* X viewed as [outer, n, inner] with the scan along n (flatten: [1, numel, 1],
 * and axis must be 0 or -1, as Paddle checks it against the flattened result).
 * X must be float32, float64, int32 or int64. */
typedef struct pdsi_cumsum_geom {
    int64_t outer, n, inner;
    int out_rank;
    int64_t out_dims[PDSI_MAX_RANK];
} pdsi_cumsum_geom;

pds_status pdsi_cumsum_resolve(const pdsi_cumsum_params *p, const pdsi_tensor *x,
                               pdsi_cumsum_geom *g, pds_error *err);

/* p_norm: in X (float32); out Out. porder 0 counts non-zeros, +-inf is the
 * max / min of |x|, anything else (sum |x|^p)^(1/p); asvector reduces all of
 * X (to 0-D, or all 1s with keepdim). epsilon is parsed and unused, as in
 * Paddle's forward kernel. */
typedef struct pdsi_p_norm_params {
    double porder;
    int64_t axis;
    int keepdim, asvector;
} pdsi_p_norm_params;

/* X viewed as [outer, n, inner], reduced along n. */
pds_status pdsi_p_norm_resolve(const pdsi_p_norm_params *p, const pdsi_tensor *x,
                               pdsi_arg_geom *g, pds_error *err);

#endif
