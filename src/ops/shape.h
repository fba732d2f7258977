/*
 * shape.h — parameters and shape rules of the data-movement family:
 * reshape, transpose, flatten, squeeze, unsqueeze, concat, split, stack,
 * slice, strided_slice, shape, fill_constant, fill_any_like, fill_zeros_like,
 * assign, assign_value, cast, expand_v2, expand_as_v2, tile, gather,
 * index_select, gather_nd and take_along_axis.
 *
 * Except for cast and the fills, these ops move element bytes and never look
 * at values, so they work for every dtype with a known size. Several of them
 * take their geometry from small integer tensors (slice's StartsTensor,
 * split's SectionsTensorList...). Those are read by a resolve function that
 * shape inference and the kernel both call, so the two cannot disagree and a
 * kernel never trusts a value it has not checked itself.
 *
 * The element conversions of cast (Paddle's static_cast on x86-64, including
 * what it does with NaN and out-of-range values) are exported for the reduce
 * family, whose reduce_sum casts elements to out_dtype first.
 */
#ifndef PDSI_OPS_SHAPE_H
#define PDSI_OPS_SHAPE_H

#include <stdbool.h>

#include "core/error.h"
#include "core/slot.h"

/* ---- dtypes and element conversion ---------------------------------------- */

/* pds_dtype of a Paddle VarType.Type value as used in dtype attributes (BOOL 0,
 * INT16 1, INT32 2, INT64 3, FP16 4, FP32 5, FP64 6, UINT8 20, INT8 21,
 * BF16 22); false for anything else. */
bool pdsi_shape_dtype_from_vartype(int64_t vartype, pds_dtype *out);

/* Element i of a tensor buffer as a double (floating dtypes exactly, integers
 * rounded to nearest) or as an int64 (integers exactly; floating dtypes by the
 * cast rule for int64 below). dtype must have a known size. */
double pdsi_elem_get_f64(const void *data, pds_dtype dtype, int64_t i);
int64_t pdsi_elem_get_i64(const void *data, pds_dtype dtype, int64_t i);

/* Stores v into element i with Paddle's conversion of a floating value:
 * bool: v != 0 (NaN is true); int32/int16/int8/uint8: truncation toward zero
 * to int32, where NaN and values outside int32 give INT32_MIN (x86 cvttsd2si),
 * then the low bits; int64: the same with INT64_MIN; float16/bfloat16: round
 * to nearest even; float32: round to nearest, overflow to infinity. */
void pdsi_elem_set_f64(void *data, pds_dtype dtype, int64_t i, double v);

/* Stores an integer value into element i: bool: v != 0; integers: the low
 * bits (two's complement wrap); floating: round to nearest. */
void pdsi_elem_set_i64(void *data, pds_dtype dtype, int64_t i, int64_t v);

/* True for float16, bfloat16, float32 and float64. */
bool pdsi_dtype_is_float(pds_dtype dtype);

/* A str_value attribute (fill_constant and its relatives) as Paddle reads it:
 * "inf", "-inf", "nan" or a decimal number; anything else is
 * PDS_ERR_MODEL_FORMAT. */
pds_status pdsi_shape_parse_str_value(const char *s, double *out, pds_error *err);

/* ---- integer lists from tensors ------------------------------------------- */

/* Reads the integers of a shape-like input slot, as Paddle's legacy executor
 * does: a slot with one tensor contributes all its elements (a 1-D Shape
 * tensor, a StartsTensor); a slot with several tensors contributes one element
 * each, and each must hold exactly one element. Every tensor must be int32 or
 * int64 (PDS_ERR_DTYPE otherwise); more than cap values is PDS_ERR_SHAPE.
 * `what` names the slot in messages. */
pds_status pdsi_shape_read_ints(const pdsi_slot *s, const char *what, int64_t *buf, int cap,
                                int *n, pds_error *err);

/* ---- parameters ----------------------------------------------------------- */

/* Most entries a list attribute may have (as PDSI_MAX_ATTR_LIST in graph/attr.h). */
#define PDSI_SHAPE_MAX_LIST 64

/* reshape / reshape2: in X, Shape (optional), ShapeTensor (list, optional);
 * out Out, XShape (optional, reshape2). */
typedef struct pdsi_reshape_params {
    int n;                               /* entries of the shape attribute */
    int64_t shape[PDSI_SHAPE_MAX_LIST];
} pdsi_reshape_params;

/* transpose / transpose2: axis, a permutation (negative entries allowed). */
typedef struct pdsi_transpose_params {
    int n;
    int64_t axis[PDSI_MAX_RANK];
} pdsi_transpose_params;

/* flatten_contiguous_range (start_axis..stop_axis -> one dim) and
 * flatten / flatten2 (axis: [prod(dims[:axis]), prod(dims[axis:])]). */
typedef struct pdsi_flatten_params {
    int contiguous_range; /* set by the opdef */
    int64_t start_axis, stop_axis;
    int64_t axis;
} pdsi_flatten_params;

/* squeeze / squeeze2 and unsqueeze / unsqueeze2: axes. */
typedef struct pdsi_axes_params {
    int n;
    int64_t axes[PDSI_SHAPE_MAX_LIST];
} pdsi_axes_params;

/* flip: in X (any dtype); out Out, X with the order of each dim listed in
 * axis reversed. Params: pdsi_axes_params (the `axis` attribute).
 * pdsi_flip_resolve marks the flipped dims of X (negative axes count from
 * the end; an axis out of range or listed twice is refused, as Paddle does). */
pds_status pdsi_flip_resolve(const pdsi_axes_params *p, const pdsi_tensor *x,
                             bool flipped[PDSI_MAX_RANK], pds_error *err);

/* concat (in X list, AxisTensor optional) and stack (in X list): axis. */
typedef struct pdsi_axis_params {
    int64_t axis;
} pdsi_axis_params;

/* split: in X, AxisTensor (optional), SectionsTensorList (optional); out Out
 * (list). As Paddle 3.3 decides: num > 0 with no sections attribute splits
 * evenly (SectionsTensorList is then ignored); otherwise SectionsTensorList,
 * or else the sections attribute, gives the sizes (one -1 allowed). */
typedef struct pdsi_split_params {
    int64_t axis;
    int64_t num;
    int n_sections;
    int64_t sections[PDSI_SHAPE_MAX_LIST];
} pdsi_split_params;

/* slice and strided_slice. For slice, strides are all 1 (set by parse). */
typedef struct pdsi_slice_params {
    int strided;      /* set by the opdef: strided_slice */
    int n_axes;
    int n_starts, n_ends, n_strides, n_decrease;
    int64_t axes[PDSI_SHAPE_MAX_LIST];
    int64_t starts[PDSI_SHAPE_MAX_LIST];
    int64_t ends[PDSI_SHAPE_MAX_LIST];
    int64_t strides[PDSI_SHAPE_MAX_LIST];
    int64_t decrease_axis[PDSI_SHAPE_MAX_LIST];
    int n_infer_flags;
    int64_t infer_flags[PDSI_SHAPE_MAX_LIST];
} pdsi_slice_params;

/* fill_constant: in ValueTensor, ShapeTensor, ShapeTensorList (all optional);
 * out Out. value is the attribute, or str_value when that is not empty. */
typedef struct pdsi_fill_constant_params {
    pds_dtype dtype;
    int n_shape;
    int64_t shape[PDSI_SHAPE_MAX_LIST];
    double value;
} pdsi_fill_constant_params;

/* fill_any_like (value, dtype; PDS_DTYPE_UNKNOWN = the dtype of X) and
 * fill_zeros_like (value 0, dtype of X). */
typedef struct pdsi_fill_like_params {
    pds_dtype dtype;
    double value;
} pdsi_fill_like_params;

/* cast: out_dtype (in_dtype is not needed: X carries its dtype, and Paddle
 * ignores the attribute too). */
typedef struct pdsi_cast_params {
    pds_dtype out_dtype;
} pdsi_cast_params;

/* assign_value: the values are kept in the params struct, which must stay
 * flat, so their number is bounded. */
#define PDSI_ASSIGN_VALUE_MAX 1024
typedef struct pdsi_assign_value_params {
    pds_dtype dtype;
    int rank;
    int64_t dims[PDSI_MAX_RANK];
    int64_t n;
    int values_are_ints; /* 1: i[] holds the values, 0: f[] */
    union {
        double f[PDSI_ASSIGN_VALUE_MAX];
        int64_t i[PDSI_ASSIGN_VALUE_MAX];
    } v;
} pdsi_assign_value_params;

/* expand_v2 (shape; in X, Shape, expand_shapes_tensor), expand_as_v2
 * (target_shape; in X, Y) and tile (repeat_times; in X, RepeatTimes,
 * repeat_times_tensor). kind is set by the opdef. */
typedef enum pdsi_expand_kind {
    PDSI_EXPAND_SHAPE,
    PDSI_EXPAND_AS,
    PDSI_EXPAND_TILE
} pdsi_expand_kind;
typedef struct pdsi_expand_params {
    pdsi_expand_kind kind;
    int n;
    int64_t v[PDSI_SHAPE_MAX_LIST];
} pdsi_expand_params;

/* gather (axis; in X, Index, Axis), index_select (dim; in X, Index),
 * gather_nd (in X, Index) and take_along_axis (Axis; in Input, Index; out
 * Result). kind is set by the opdef. */
typedef enum pdsi_gather_kind {
    PDSI_GATHER,
    PDSI_GATHER_INDEX_SELECT,
    PDSI_GATHER_ND,
    PDSI_GATHER_ALONG_AXIS
} pdsi_gather_kind;
typedef struct pdsi_gather_params {
    pdsi_gather_kind kind;
    int64_t axis;
} pdsi_gather_params;

/* ---- geometry shared by shape inference and the kernels ------------------- */

/* Normalised permutation of transpose for an input of rank `rank`. */
pds_status pdsi_transpose_perm(const pdsi_transpose_params *p, int rank, int *perm,
                               pds_error *err);

/* Per input dim of a slice: first index, step and count (an untouched dim has
 * first 0, step 1, count dims[d]). out_rank/out_dims give the final shape after
 * decrease_axis. Input slots in the order of the opdef:
 * slice:          Input, StartsTensor, EndsTensor, StartsTensorList, EndsTensorList
 * strided_slice:  Input, StartsTensor, StartsTensorList, EndsTensor, EndsTensorList,
 *                 StridesTensor, StridesTensorList */
typedef struct pdsi_slice_geom {
    int rank;
    int64_t first[PDSI_MAX_RANK];
    int64_t step[PDSI_MAX_RANK];
    int64_t count[PDSI_MAX_RANK];
    int out_rank;
    int64_t out_dims[PDSI_MAX_RANK];
} pdsi_slice_geom;

pds_status pdsi_slice_resolve(const pdsi_slice_params *p, const pdsi_slot *in,
                              pdsi_slice_geom *g, pds_error *err);

/* concat: the normalised axis (AxisTensor overrides the attribute) and the
 * output shape, after checking that every input has X[0]'s dtype and rank and
 * the same dims except along axis. */
pds_status pdsi_concat_resolve(const pdsi_axis_params *p, const pdsi_slot *in, int *axis,
                               int64_t *out_dims, pds_error *err);

/* split: the normalised axis and the size of each of the n_out parts (n_out
 * at most PDSI_SHAPE_MAX_LIST, the room sizes must have). */
pds_status pdsi_split_resolve(const pdsi_split_params *p, const pdsi_slot *in, int n_out,
                              int *axis, int64_t *sizes, pds_error *err);

/* stack: the normalised insertion axis (in [0, rank]) after checking that every
 * input has X[0]'s dtype and shape. */
pds_status pdsi_stack_resolve(const pdsi_axis_params *p, const pdsi_slot *in, int *axis,
                              pds_error *err);

/* fill_constant: the fill value (ValueTensor, which must hold one element,
 * overrides the attribute). *is_int tells whether it is to be stored with the
 * integer conversion (an integer ValueTensor) or the floating one. */
pds_status pdsi_fill_constant_value(const pdsi_fill_constant_params *p, const pdsi_slot *in,
                                    double *fv, int64_t *iv, bool *is_int, pds_error *err);

/* expand_v2, expand_as_v2 and tile: X's dims aligned to the output rank
 * (leading 1s), the repeats (tile) and the output dims. As Paddle 3.3:
 * expand takes Shape, else expand_shapes_tensor, else the attribute; an entry
 * -1 keeps X's dim and is refused for a new leading dim; a dim of X other
 * than 1 must equal its entry. expand_as_v2 expands to Y's dims when
 * target_shape holds a -1 and Y is given, else to target_shape. tile takes
 * RepeatTimes, else repeat_times_tensor, else the attribute, each >= 0; the
 * shorter of X's dims and the repeats is padded with leading 1s. */
typedef struct pdsi_expand_geom {
    int rank;
    int64_t in_dims[PDSI_MAX_RANK];
    int64_t reps[PDSI_MAX_RANK];
    int64_t out_dims[PDSI_MAX_RANK];
} pdsi_expand_geom;

pds_status pdsi_expand_resolve(const pdsi_expand_params *p, const pdsi_slot *in,
                               pdsi_expand_geom *g, pds_error *err);

/* gather, index_select, gather_nd: the output shape and the walk. gather and
 * index_select pick n_index slices of X along axis: Out is
 * [outer, n_index, inner] with X [outer, axis_size, inner]. gather_nd reads
 * n_index tuples of depth coordinates and copies X's trailing block of
 * `inner` elements at each. Index values are checked by the kernels (they are
 * data): each must lie in [-size, size) of its dim, a negative one counting
 * from the end. take_along_axis: Index has X's rank and, off the axis, dims
 * no larger than X's; Out has Index's dims, element (..., k, ...) being X at
 * the same coordinates with Index's value on the axis. */
typedef struct pdsi_gather_geom {
    int axis;
    int64_t outer, axis_size, inner;
    int64_t n_index;
    int depth; /* gather_nd: the last dim of Index */
    int out_rank;
    int64_t out_dims[PDSI_MAX_RANK];
} pdsi_gather_geom;

pds_status pdsi_gather_resolve(const pdsi_gather_params *p, const pdsi_slot *in,
                               pdsi_gather_geom *g, pds_error *err);

#endif
