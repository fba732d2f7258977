/*
 * index.h — parameters and shape rules of the index family: lookup_table_v2
 * (embedding), one_hot_v2, range (arange), linspace,
 * fill_constant_batch_size_like, meshgrid, roll and set_value.
 *
 * These are the operators NLP and transformer models add around their matrix
 * products: token ids to vectors, positions and grids, and the in-place slice
 * assignment that `x[...] = v` becomes in a saved program. Several take their
 * sizes from small tensors (range's Start/End/Step, linspace's Num,
 * one_hot's depth_tensor, set_value's StartsTensorList...): a resolve
 * function that shape inference and the kernel both call reads and checks
 * them, so the two cannot disagree and a kernel never trusts a value it has
 * not checked itself. Values that are data (token ids, one-hot classes) are
 * checked by the kernels, element by element, before any is used.
 */
#ifndef PDSI_OPS_INDEX_H
#define PDSI_OPS_INDEX_H

#include <stdbool.h>

#include "core/error.h"
#include "core/slot.h"

/* Most entries a list attribute of this family may have. */
#define PDSI_INDEX_MAX_LIST 64

/* lookup_table_v2: in Ids (int32/int64, any shape), W ([rows, width]); out
 * Out = Ids dims + [width]. padding_idx -1 means none (Paddle's kNoPadding);
 * an id equal to padding_idx gives a row of zeros; any other id must lie in
 * [0, rows). */
typedef struct pdsi_embedding_params {
    int64_t padding_idx;
} pdsi_embedding_params;

/* one_hot_v2: in X (int32/int64), depth_tensor (optional, overrides depth);
 * out Out = X dims + [depth] of dtype. A class outside [0, depth) is an error
 * unless allow_out_of_range, which gives a row of zeros. */
typedef struct pdsi_one_hot_params {
    int64_t depth;
    pds_dtype dtype;
    bool allow_out_of_range;
} pdsi_one_hot_params;

/* range: in Start, End, Step (one element each); linspace: in Start, Stop,
 * Num. dtype is the output's (range: PDS_DTYPE_UNKNOWN = Start's dtype, as
 * legacy programs have no attribute; PIR's arange names it). */
typedef struct pdsi_seq_params {
    pds_dtype dtype;
} pdsi_seq_params;

/* fill_constant_batch_size_like: in Input; out Out of `shape` with
 * shape[output_dim_idx] = Input.dims[input_dim_idx], filled with value. */
typedef struct pdsi_fill_bsl_params {
    pds_dtype dtype;
    int n_shape;
    int64_t shape[PDSI_INDEX_MAX_LIST];
    double value;
    int64_t input_dim_idx, output_dim_idx;
} pdsi_fill_bsl_params;

/* roll: in X, ShiftsTensor (optional, overrides shifts); out Out. With no
 * axis the tensor is rolled as if flat (one shift). */
typedef struct pdsi_roll_params {
    int n_shifts, n_axis;
    int64_t shifts[PDSI_INDEX_MAX_LIST];
    int64_t axis[PDSI_INDEX_MAX_LIST];
} pdsi_roll_params;

/* set_value: in Input, ValueTensor (optional), StartsTensorList,
 * EndsTensorList, StepsTensorList (optional lists, each overriding its
 * attribute); out Out = Input with the strided slice (axes, starts, ends,
 * steps) assigned ValueTensor, or else the attribute values of `shape`,
 * broadcast to the slice's dims after decrease_axes are dropped and
 * none_axes inserted. Attribute values are kept in the params struct, which
 * must stay flat, so their number is bounded. */
#define PDSI_SET_VALUE_MAX 1024
typedef struct pdsi_set_value_params {
    pds_dtype dtype;
    int n_axes, n_starts, n_ends, n_steps, n_decrease, n_none, n_shape;
    int64_t axes[PDSI_INDEX_MAX_LIST];
    int64_t starts[PDSI_INDEX_MAX_LIST];
    int64_t ends[PDSI_INDEX_MAX_LIST];
    int64_t steps[PDSI_INDEX_MAX_LIST];
    int64_t decrease_axes[PDSI_INDEX_MAX_LIST];
    int64_t none_axes[PDSI_INDEX_MAX_LIST];
    int64_t shape[PDSI_INDEX_MAX_LIST];
    int64_t n_values;
    int values_are_ints; /* 1: v.i holds the values, 0: v.f */
    union {
        double f[PDSI_SET_VALUE_MAX];
        int64_t i[PDSI_SET_VALUE_MAX];
    } v;
} pdsi_set_value_params;

/* ---- geometry shared by shape inference and the kernels ------------------- */

/* range and linspace: the number of elements and the first value and step as
 * the output dtype holds them (integers in i0/di, floating in f0/df; i1 and
 * stop are linspace's last value). As Paddle 3.3: range's values are converted to the
 * output dtype first (floating to integer truncates); its size is
 * ceil(|end - start| / |step|), 0 when step points away from end, and step 0
 * or a non-finite start or end is refused. linspace's Num must be >= 0 (0: an
 * empty output). */
typedef struct pdsi_seq_geom {
    pds_dtype dtype;
    int64_t n;
    int64_t i0, i1, di;
    double f0, df, stop;
} pdsi_seq_geom;

/* kind: 0 range, 1 linspace. */
pds_status pdsi_seq_resolve(const pdsi_seq_params *p, int kind, const pdsi_slot *in,
                            pdsi_seq_geom *g, pds_error *err);

/* one_hot_v2: the depth (depth_tensor, which must hold one integer, or the
 * attribute), > 0. */
pds_status pdsi_one_hot_depth(const pdsi_one_hot_params *p, const pdsi_slot *in,
                              int64_t *depth, pds_error *err);

/* roll: the total shift of each dim of X (shifts of a repeated axis add up),
 * reduced to [0, dim); flat is true when no axis is given, and shift[0] is
 * then the shift of the flattened tensor. */
typedef struct pdsi_roll_geom {
    bool flat;
    int64_t shift[PDSI_MAX_RANK];
} pdsi_roll_geom;

pds_status pdsi_roll_resolve(const pdsi_roll_params *p, const pdsi_slot *in, pdsi_roll_geom *g,
                             pds_error *err);

/* set_value: per dim of Input the first index, step and count of the
 * assigned slice (an untouched dim: 0, 1, dims[d]); the value's dims aligned
 * to the slice's dims (leading 1s, PDSI_MAX_RANK at most) and whether it
 * comes from ValueTensor. The value must broadcast to the slice's dims with
 * decrease_axes dropped and none_axes inserted (both have size 1, so the
 * slice's elements in row-major order are those of that shape). */
typedef struct pdsi_set_value_geom {
    int rank;
    int64_t first[PDSI_MAX_RANK];
    int64_t step[PDSI_MAX_RANK];
    int64_t count[PDSI_MAX_RANK];
    int vrank;                      /* rank of the decreased slice shape */
    int64_t vdims[PDSI_MAX_RANK];   /* the decreased slice shape */
    int64_t vstride[PDSI_MAX_RANK]; /* value element stride per vdims entry (0: broadcast) */
    bool from_tensor;
} pdsi_set_value_geom;

pds_status pdsi_set_value_resolve(const pdsi_set_value_params *p, const pdsi_slot *in,
                                  pdsi_set_value_geom *g, pds_error *err);

#endif
