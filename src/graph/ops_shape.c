/*
 * ops_shape.c — parse and shape inference for the data-movement family:
 * reshape/reshape2, transpose/transpose2, flatten_contiguous_range,
 * flatten/flatten2, squeeze/squeeze2, unsqueeze/unsqueeze2, concat, split,
 * stack, slice, strided_slice, shape, fill_constant, fill_any_like,
 * fill_zeros_like, assign, assign_value and cast.
 *
 * Slots and attributes are those of Paddle's legacy op definitions, and the
 * semantics those of Paddle 3.3's legacy executor, checked op by op against
 * the paddlepaddle wheel (see tests/test_ops_shape.c). Where a shape comes from
 * a tensor (ShapeTensor, StartsTensor, AxisTensor...), infer reads its values
 * and checks them like an attribute; where Paddle itself would read out of
 * bounds or crash on a bad value, pdsafe returns PDS_ERR_SHAPE instead.
 */
#include <float.h>
#include <math.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "graph/opdef.h"
#include "kernels/shape.h"

/* ------------------------------------------------------------------------ */
/* helpers                                                                   */
/* ------------------------------------------------------------------------ */

static pds_status check_sized(const pdsi_tensor *t, const char *what, pds_error *err)
{
    if (pds_dtype_size(t->dtype) == 0)
        return pdsi_fail(err, PDS_ERR_DTYPE, "input '%s' has unknown dtype %s", what,
                         pds_dtype_name(t->dtype));
    return PDS_OK;
}

/* An output whose element count fits int64 may still have a byte size that
 * wraps size_t (fill_constant's shape comes straight from the model). No
 * object can be larger than PTRDIFF_MAX, which also keeps the allocator's
 * rounding from wrapping. */
static pds_status check_out_size(pds_dtype dt, int rank, const int64_t *dims, const char *what,
                                 pds_error *err)
{
    char b[200];
    int64_t numel;
    size_t bytes;
    if (!pdsi_shape_numel(dims, rank, &numel) || !pdsi_bytes_of(dt, numel, &bytes) ||
        bytes > (size_t)PTRDIFF_MAX)
        return pdsi_fail(err, PDS_ERR_SHAPE, "%s %s (%s) has a size that overflows", what,
                         pdsi_dims_str(dims, rank, b, sizeof b), pds_dtype_name(dt));
    return PDS_OK;
}

/* XShape (legacy bookkeeping for gradients) is [0, dims of X...]: no elements.
 * When that rank does not fit, [0] says the same. */
static void set_xshape(const pdsi_slot *out, int k, const pdsi_tensor *x)
{
    int64_t d[PDSI_MAX_RANK] = {0};
    if (x->rank + 1 <= PDSI_MAX_RANK) {
        memcpy(d + 1, x->dims, sizeof *d * (size_t)x->rank);
        pdsi_out_set(out, k, x->dtype, x->rank + 1, d);
    } else {
        pdsi_out_set(out, k, x->dtype, 1, d);
    }
}

/* A dtype attribute holding a VarType.Type; -1 (when allowed) gives
 * PDS_DTYPE_UNKNOWN. */
static pds_status parse_vartype(const pdsi_attrs *attrs, const char *name, int64_t dflt,
                                bool allow_unset, pds_dtype *out, pds_error *err)
{
    int64_t v;
    pds_status st = pdsi_attr_int(attrs, name, dflt, &v, err);
    if (st)
        return st;
    if (allow_unset && v == -1) {
        *out = PDS_DTYPE_UNKNOWN;
        return PDS_OK;
    }
    if (!pdsi_shape_dtype_from_vartype(v, out))
        return pdsi_fail(err, PDS_ERR_UNSUPPORTED_OP,
                         "attribute '%s' is %lld, expected a VarType of BOOL (0), INT16 (1), "
                         "INT32 (2), INT64 (3), FP16 (4), FP32 (5), FP64 (6), UINT8 (20), INT8 "
                         "(21) or BF16 (22)%s",
                         name, (long long)v, allow_unset ? " or -1" : "");
    return PDS_OK;
}

/* Normalises an axis into [0, rank); a 0-D tensor takes 0 or -1 (Paddle
 * treats it as rank 1 there). */
static pds_status norm_axis(int64_t axis, int rank, int *out, const char *what, pds_error *err)
{
    const int r = rank > 0 ? rank : 1;
    int64_t a = axis < 0 ? axis + r : axis;
    if (a < 0 || a >= r)
        return pdsi_fail(err, PDS_ERR_SHAPE, "%s %lld is out of range for X of rank %d", what,
                         (long long)axis, rank);
    *out = (int)a;
    return PDS_OK;
}

static pds_status parse_list(const pdsi_attrs *attrs, const char *name, int64_t *buf, int *n,
                             pds_error *err)
{
    return pdsi_attr_ints(attrs, name, buf, PDSI_SHAPE_MAX_LIST, n, err);
}

/* ------------------------------------------------------------------------ */
/* reshape / reshape2                                                        */
/* ------------------------------------------------------------------------ */

static pds_status reshape_parse(const pdsi_attrs *attrs, void *params, pds_error *err)
{
    pdsi_reshape_params *p = params;
    return parse_list(attrs, "shape", p->shape, &p->n, err);
}

static pds_status reshape_infer(const void *params, const pdsi_slot *in, const pdsi_slot *out,
                                pds_error *err)
{
    const pdsi_reshape_params *p = params;
    const pdsi_tensor *x = pdsi_slot_get(&in[0]);
    int64_t req[PDSI_SHAPE_MAX_LIST], dims[PDSI_MAX_RANK];
    char bx[160], bs[200];
    const char *src = "attribute 'shape'";
    int n;
    pds_status st;
    if ((st = check_sized(x, "X", err)))
        return st;
    /* Priority as in Paddle's kernel: ShapeTensor, then Shape, then the attribute. */
    if (in[2].n > 0) {
        src = "input 'ShapeTensor'";
        st = pdsi_shape_read_ints(&in[2], "ShapeTensor", req, PDSI_SHAPE_MAX_LIST, &n, err);
    } else if (in[1].n > 0) {
        src = "input 'Shape'";
        st = pdsi_shape_read_ints(&in[1], "Shape", req, PDSI_SHAPE_MAX_LIST, &n, err);
    } else {
        n = p->n;
        memcpy(req, p->shape, sizeof *req * (size_t)n);
    }
    if (st)
        return st;
    if (n > PDSI_MAX_RANK)
        return pdsi_fail(err, PDS_ERR_SHAPE, "%s has %d entries, more than the maximum rank %d",
                         src, n, PDSI_MAX_RANK);
    pdsi_dims_str(req, n, bs, sizeof bs);
    pdsi_dims_str(x->dims, x->rank, bx, sizeof bx);

    const int64_t in_numel = pdsi_tensor_numel(x);
    int unknown = -1;
    int64_t known = 1;
    for (int i = 0; i < n; i++) {
        int64_t v = req[i];
        if (v == -1) {
            if (unknown >= 0)
                return pdsi_fail(err, PDS_ERR_SHAPE,
                                 "%s %s has more than one -1 (entries %d and %d); X is %s", src,
                                 bs, unknown, i, bx);
            unknown = i;
            continue;
        }
        if (v == 0) {
            if (i >= x->rank)
                return pdsi_fail(err, PDS_ERR_SHAPE,
                                 "%s %s has 0 (copy the dim of X) at entry %d, but X %s has "
                                 "rank %d",
                                 src, bs, i, bx, x->rank);
            v = x->dims[i];
        } else if (v < 0) {
            return pdsi_fail(err, PDS_ERR_SHAPE,
                             "%s %s has %lld at entry %d, expected -1, 0 or a positive size", src,
                             bs, (long long)v, i);
        }
        dims[i] = v;
        if (v != 0 && known > INT64_MAX / v)
            return pdsi_fail(err, PDS_ERR_SHAPE, "%s %s: the element count overflows", src, bs);
        known *= v;
    }
    if (unknown >= 0) {
        /* Paddle refuses a -1 next to a zero-size dim: nothing to infer it from. */
        if (known == 0 || in_numel % known != 0)
            return pdsi_fail(err, PDS_ERR_SHAPE,
                             "cannot reshape X %s (%lld elements) to %s %s: the other dims hold "
                             "%lld elements, which does not divide the input for the -1",
                             bx, (long long)in_numel, src, bs, (long long)known);
        dims[unknown] = in_numel / known;
    } else if (known != in_numel) {
        return pdsi_fail(err, PDS_ERR_SHAPE,
                         "cannot reshape X %s (%lld elements) to %s %s (%lld elements)", bx,
                         (long long)in_numel, src, bs, (long long)known);
    }
    pdsi_out_set(out, 0, x->dtype, n, dims);
    return PDS_OK;
}

/* The "2" variants add the XShape output (slot 1). */
#define WITH_XSHAPE(name, base)                                                             \
    static pds_status name(const void *params, const pdsi_slot *in, const pdsi_slot *out,  \
                           pds_error *err)                                                  \
    {                                                                                       \
        pds_status st_ = base(params, in, out, err);                                        \
        if (!st_)                                                                           \
            set_xshape(out, 1, pdsi_slot_get(&in[0]));                                      \
        return st_;                                                                         \
    }

WITH_XSHAPE(reshape2_infer, reshape_infer)

static const pdsi_opdef op_reshape2 = {
    .type = "reshape2",
    .in = {{"X", PDSI_SLOT_REQUIRED},
           {"Shape", PDSI_SLOT_OPTIONAL},
           {"ShapeTensor", PDSI_SLOT_LIST | PDSI_SLOT_OPTIONAL}},
    .out = {{"Out", PDSI_SLOT_REQUIRED}, {"XShape", PDSI_SLOT_OPTIONAL}},
    .params_size = sizeof(pdsi_reshape_params),
    .parse = reshape_parse,
    .infer = reshape2_infer,
    .run = pdsi_copy_ref,
    .data_dependent_inputs = (1u << 1) | (1u << 2),
};

static const pdsi_opdef op_reshape = {
    .type = "reshape",
    .in = {{"X", PDSI_SLOT_REQUIRED},
           {"Shape", PDSI_SLOT_OPTIONAL},
           {"ShapeTensor", PDSI_SLOT_LIST | PDSI_SLOT_OPTIONAL}},
    .out = {{"Out", PDSI_SLOT_REQUIRED}},
    .params_size = sizeof(pdsi_reshape_params),
    .parse = reshape_parse,
    .infer = reshape_infer,
    .run = pdsi_copy_ref,
    .data_dependent_inputs = (1u << 1) | (1u << 2),
};

/* ------------------------------------------------------------------------ */
/* transpose / transpose2                                                    */
/* ------------------------------------------------------------------------ */

static pds_status transpose_parse(const pdsi_attrs *attrs, void *params, pds_error *err)
{
    pdsi_transpose_params *p = params;
    return pdsi_attr_ints(attrs, "axis", p->axis, PDSI_MAX_RANK, &p->n, err);
}

static pds_status transpose_infer(const void *params, const pdsi_slot *in, const pdsi_slot *out,
                                  pds_error *err)
{
    const pdsi_tensor *x = pdsi_slot_get(&in[0]);
    int perm[PDSI_MAX_RANK];
    int64_t dims[PDSI_MAX_RANK];
    pds_status st;
    if ((st = check_sized(x, "X", err)) || (st = pdsi_transpose_perm(params, x->rank, perm, err)))
        return st;
    for (int i = 0; i < x->rank; i++)
        dims[i] = x->dims[perm[i]];
    pdsi_out_set(out, 0, x->dtype, x->rank, dims);
    return PDS_OK;
}

WITH_XSHAPE(transpose2_infer, transpose_infer)

static const pdsi_opdef op_transpose2 = {
    .type = "transpose2",
    .in = {{"X", PDSI_SLOT_REQUIRED}},
    .out = {{"Out", PDSI_SLOT_REQUIRED}, {"XShape", PDSI_SLOT_OPTIONAL}},
    .params_size = sizeof(pdsi_transpose_params),
    .parse = transpose_parse,
    .infer = transpose2_infer,
    .run = pdsi_transpose_ref,
};

static const pdsi_opdef op_transpose = {
    .type = "transpose",
    .in = {{"X", PDSI_SLOT_REQUIRED}},
    .out = {{"Out", PDSI_SLOT_REQUIRED}},
    .params_size = sizeof(pdsi_transpose_params),
    .parse = transpose_parse,
    .infer = transpose_infer,
    .run = pdsi_transpose_ref,
};

/* ------------------------------------------------------------------------ */
/* flatten_contiguous_range, flatten / flatten2                              */
/* ------------------------------------------------------------------------ */

static pds_status flatten_range_parse(const pdsi_attrs *attrs, void *params, pds_error *err)
{
    pdsi_flatten_params *p = params;
    pds_status st;
    p->contiguous_range = 1;
    if ((st = pdsi_attr_int(attrs, "start_axis", 1, &p->start_axis, err)) ||
        (st = pdsi_attr_int(attrs, "stop_axis", 1, &p->stop_axis, err)))
        return st;
    return PDS_OK;
}

static pds_status flatten_range_infer(const void *params, const pdsi_slot *in,
                                      const pdsi_slot *out, pds_error *err)
{
    const pdsi_flatten_params *p = params;
    const pdsi_tensor *x = pdsi_slot_get(&in[0]);
    int64_t dims[PDSI_MAX_RANK];
    int start = 0, stop = 0, n = 0;
    pds_status st;
    if ((st = check_sized(x, "X", err)))
        return st;
    /* A 0-D input flattens to [1]; its axes may only be 0 or -1. */
    if ((st = norm_axis(p->start_axis, x->rank, &start, "attribute 'start_axis'", err)) ||
        (st = norm_axis(p->stop_axis, x->rank, &stop, "attribute 'stop_axis'", err)))
        return st;
    if (x->rank == 0) {
        dims[0] = 1;
        pdsi_out_set(out, 0, x->dtype, 1, dims);
        return PDS_OK;
    }
    if (start > stop)
        return pdsi_fail(err, PDS_ERR_SHAPE,
                         "attribute 'start_axis' (%lld) comes after 'stop_axis' (%lld) for X of "
                         "rank %d",
                         (long long)p->start_axis, (long long)p->stop_axis, x->rank);
    for (int d = 0; d < start; d++)
        dims[n++] = x->dims[d];
    dims[n] = 1;
    for (int d = start; d <= stop; d++)
        dims[n] *= x->dims[d]; /* at most numel(X), which is valid */
    n++;
    for (int d = stop + 1; d < x->rank; d++)
        dims[n++] = x->dims[d];
    pdsi_out_set(out, 0, x->dtype, n, dims);
    return PDS_OK;
}

WITH_XSHAPE(flatten_range2_infer, flatten_range_infer)

static pds_status flatten_parse(const pdsi_attrs *attrs, void *params, pds_error *err)
{
    pdsi_flatten_params *p = params;
    return pdsi_attr_int(attrs, "axis", 1, &p->axis, err);
}

static pds_status flatten_infer(const void *params, const pdsi_slot *in, const pdsi_slot *out,
                                pds_error *err)
{
    const pdsi_flatten_params *p = params;
    const pdsi_tensor *x = pdsi_slot_get(&in[0]);
    int64_t dims[2] = {1, 1};
    pds_status st;
    if ((st = check_sized(x, "X", err)))
        return st;
    if (p->axis < 0 || p->axis > x->rank)
        return pdsi_fail(err, PDS_ERR_SHAPE,
                         "attribute 'axis' is %lld, expected 0 to %d (the rank of X)",
                         (long long)p->axis, x->rank);
    if (x->rank == 0) { /* Paddle: a 0-D input gives [1] */
        pdsi_out_set(out, 0, x->dtype, 1, dims);
        return PDS_OK;
    }
    for (int d = 0; d < x->rank; d++)
        dims[d < p->axis ? 0 : 1] *= x->dims[d];
    pdsi_out_set(out, 0, x->dtype, 2, dims);
    return PDS_OK;
}

WITH_XSHAPE(flatten2_infer, flatten_infer)

static const pdsi_opdef op_flatten_contiguous_range = {
    .type = "flatten_contiguous_range",
    .in = {{"X", PDSI_SLOT_REQUIRED}},
    .out = {{"Out", PDSI_SLOT_REQUIRED}, {"XShape", PDSI_SLOT_OPTIONAL}},
    .params_size = sizeof(pdsi_flatten_params),
    .parse = flatten_range_parse,
    .infer = flatten_range2_infer,
    .run = pdsi_copy_ref,
};

static const pdsi_opdef op_flatten2 = {
    .type = "flatten2",
    .in = {{"X", PDSI_SLOT_REQUIRED}},
    .out = {{"Out", PDSI_SLOT_REQUIRED}, {"XShape", PDSI_SLOT_OPTIONAL}},
    .params_size = sizeof(pdsi_flatten_params),
    .parse = flatten_parse,
    .infer = flatten2_infer,
    .run = pdsi_copy_ref,
};

static const pdsi_opdef op_flatten = {
    .type = "flatten",
    .in = {{"X", PDSI_SLOT_REQUIRED}},
    .out = {{"Out", PDSI_SLOT_REQUIRED}},
    .params_size = sizeof(pdsi_flatten_params),
    .parse = flatten_parse,
    .infer = flatten_infer,
    .run = pdsi_copy_ref,
};

/* ------------------------------------------------------------------------ */
/* squeeze / squeeze2, unsqueeze / unsqueeze2                                */
/* ------------------------------------------------------------------------ */

static pds_status axes_parse(const pdsi_attrs *attrs, void *params, pds_error *err)
{
    pdsi_axes_params *p = params;
    return parse_list(attrs, "axes", p->axes, &p->n, err);
}

/* No axes: drop every size-1 dim. Listed axes (negative allowed, repeats
 * harmless) are dropped only where the dim is 1; Paddle leaves others as is. */
static pds_status squeeze_infer(const void *params, const pdsi_slot *in, const pdsi_slot *out,
                                pds_error *err)
{
    const pdsi_axes_params *p = params;
    const pdsi_tensor *x = pdsi_slot_get(&in[0]);
    bool drop[PDSI_MAX_RANK] = {false};
    int64_t dims[PDSI_MAX_RANK];
    int n = 0;
    pds_status st;
    if ((st = check_sized(x, "X", err)))
        return st;
    for (int i = 0; i < p->n; i++) {
        int a = 0;
        if ((st = norm_axis(p->axes[i], x->rank, &a, "attribute 'axes' entry", err)))
            return st;
        if (a < x->rank && x->dims[a] == 1)
            drop[a] = true;
    }
    for (int d = 0; d < x->rank; d++)
        if (!(p->n == 0 ? x->dims[d] == 1 : drop[d]))
            dims[n++] = x->dims[d];
    pdsi_out_set(out, 0, x->dtype, n, dims);
    return PDS_OK;
}

WITH_XSHAPE(squeeze2_infer, squeeze_infer)

/* Each axis is read against the rank reached so far (negative: counted from
 * the end of that, +1) and inserts a 1 there, as Paddle's GetUnsqueezeShape.
 * AxesTensor, then AxesTensorList, then the attribute. */
static pds_status unsqueeze_infer(const void *params, const pdsi_slot *in, const pdsi_slot *out,
                                  pds_error *err)
{
    const pdsi_axes_params *p = params;
    const pdsi_tensor *x = pdsi_slot_get(&in[0]);
    int64_t axes[PDSI_SHAPE_MAX_LIST], dims[PDSI_MAX_RANK];
    bool inserted[PDSI_MAX_RANK] = {false};
    const char *src = "attribute 'axes'";
    int n;
    pds_status st = PDS_OK;
    if ((st = check_sized(x, "X", err)))
        return st;
    if (in[1].n > 0) {
        src = "input 'AxesTensor'";
        st = pdsi_shape_read_ints(&in[1], "AxesTensor", axes, PDSI_SHAPE_MAX_LIST, &n, err);
    } else if (in[2].n > 0) {
        src = "input 'AxesTensorList'";
        st = pdsi_shape_read_ints(&in[2], "AxesTensorList", axes, PDSI_SHAPE_MAX_LIST, &n, err);
    } else {
        n = p->n;
        memcpy(axes, p->axes, sizeof *axes * (size_t)n);
    }
    if (st)
        return st;
    if (x->rank + n > PDSI_MAX_RANK)
        return pdsi_fail(err, PDS_ERR_SHAPE,
                         "%s inserts %d dims into X of rank %d, more than the maximum rank %d",
                         src, n, x->rank, PDSI_MAX_RANK);
    int cur = x->rank;
    for (int i = 0; i < n; i++) {
        int64_t a = axes[i] < 0 ? axes[i] + cur + 1 : axes[i];
        if (a < 0 || a > cur)
            return pdsi_fail(err, PDS_ERR_SHAPE,
                             "%s entry %d is %lld, out of range [%d, %d] for the rank %d reached "
                             "so far",
                             src, i, (long long)axes[i], -cur - 1, cur, cur);
        memmove(inserted + a + 1, inserted + a, sizeof *inserted * (size_t)(cur - a));
        inserted[a] = true;
        cur++;
    }
    for (int d = 0, k = 0; d < cur; d++)
        dims[d] = inserted[d] ? 1 : x->dims[k++];
    pdsi_out_set(out, 0, x->dtype, cur, dims);
    return PDS_OK;
}

WITH_XSHAPE(unsqueeze2_infer, unsqueeze_infer)

static const pdsi_opdef op_squeeze2 = {
    .type = "squeeze2",
    .in = {{"X", PDSI_SLOT_REQUIRED}},
    .out = {{"Out", PDSI_SLOT_REQUIRED}, {"XShape", PDSI_SLOT_OPTIONAL}},
    .params_size = sizeof(pdsi_axes_params),
    .parse = axes_parse,
    .infer = squeeze2_infer,
    .run = pdsi_copy_ref,
};

static const pdsi_opdef op_squeeze = {
    .type = "squeeze",
    .in = {{"X", PDSI_SLOT_REQUIRED}},
    .out = {{"Out", PDSI_SLOT_REQUIRED}},
    .params_size = sizeof(pdsi_axes_params),
    .parse = axes_parse,
    .infer = squeeze_infer,
    .run = pdsi_copy_ref,
};

static const pdsi_opdef op_unsqueeze2 = {
    .type = "unsqueeze2",
    .in = {{"X", PDSI_SLOT_REQUIRED},
           {"AxesTensor", PDSI_SLOT_OPTIONAL},
           {"AxesTensorList", PDSI_SLOT_LIST | PDSI_SLOT_OPTIONAL}},
    .out = {{"Out", PDSI_SLOT_REQUIRED}, {"XShape", PDSI_SLOT_OPTIONAL}},
    .params_size = sizeof(pdsi_axes_params),
    .parse = axes_parse,
    .infer = unsqueeze2_infer,
    .run = pdsi_copy_ref,
    .data_dependent_inputs = (1u << 1) | (1u << 2),
};

static const pdsi_opdef op_unsqueeze = {
    .type = "unsqueeze",
    .in = {{"X", PDSI_SLOT_REQUIRED},
           {"AxesTensor", PDSI_SLOT_OPTIONAL},
           {"AxesTensorList", PDSI_SLOT_LIST | PDSI_SLOT_OPTIONAL}},
    .out = {{"Out", PDSI_SLOT_REQUIRED}},
    .params_size = sizeof(pdsi_axes_params),
    .parse = axes_parse,
    .infer = unsqueeze_infer,
    .run = pdsi_copy_ref,
    .data_dependent_inputs = (1u << 1) | (1u << 2),
};

/* ------------------------------------------------------------------------ */
/* concat, split, stack                                                      */
/* ------------------------------------------------------------------------ */

static pds_status axis_parse(const pdsi_attrs *attrs, void *params, pds_error *err)
{
    pdsi_axis_params *p = params;
    return pdsi_attr_int(attrs, "axis", 0, &p->axis, err);
}

static pds_status concat_infer(const void *params, const pdsi_slot *in, const pdsi_slot *out,
                               pds_error *err)
{
    int64_t dims[PDSI_MAX_RANK];
    int axis;
    pds_status st;
    if (in[0].n > 0 && (st = check_sized(in[0].t[0], "X", err)))
        return st;
    if ((st = pdsi_concat_resolve(params, in, &axis, dims, err)))
        return st;
    const pdsi_tensor *x0 = in[0].t[0];
    if ((st = check_out_size(x0->dtype, x0->rank, dims, "the concatenation", err)))
        return st;
    pdsi_out_set(out, 0, x0->dtype, x0->rank, dims);
    return PDS_OK;
}

static const pdsi_opdef op_concat = {
    .type = "concat",
    .in = {{"X", PDSI_SLOT_LIST}, {"AxisTensor", PDSI_SLOT_OPTIONAL}},
    .out = {{"Out", PDSI_SLOT_REQUIRED}},
    .params_size = sizeof(pdsi_axis_params),
    .parse = axis_parse,
    .infer = concat_infer,
    .run = pdsi_concat_ref,
    .data_dependent_inputs = 1u << 1,
};

static pds_status split_parse(const pdsi_attrs *attrs, void *params, pds_error *err)
{
    pdsi_split_params *p = params;
    pds_status st;
    if ((st = pdsi_attr_int(attrs, "axis", 0, &p->axis, err)) ||
        (st = pdsi_attr_int(attrs, "num", 0, &p->num, err)) ||
        (st = parse_list(attrs, "sections", p->sections, &p->n_sections, err)))
        return st;
    if (p->num < 0)
        return pdsi_fail(err, PDS_ERR_MODEL_FORMAT, "attribute 'num' is %lld, expected >= 0",
                         (long long)p->num);
    return PDS_OK;
}

static pds_status split_infer(const void *params, const pdsi_slot *in, const pdsi_slot *out,
                              pds_error *err)
{
    const pdsi_tensor *x = pdsi_slot_get(&in[0]);
    int64_t sizes[PDSI_SHAPE_MAX_LIST], dims[PDSI_MAX_RANK];
    int axis;
    pds_status st;
    if ((st = check_sized(x, "X", err)) ||
        (st = pdsi_split_resolve(params, in, out[0].n, &axis, sizes, err)))
        return st;
    memcpy(dims, x->dims, sizeof *dims * (size_t)x->rank);
    for (int k = 0; k < out[0].n; k++) {
        dims[axis] = sizes[k];
        pdsi_tensor_set_shape(out[0].t[k], x->dtype, x->rank, dims);
    }
    return PDS_OK;
}

static const pdsi_opdef op_split = {
    .type = "split",
    .in = {{"X", PDSI_SLOT_REQUIRED},
           {"AxisTensor", PDSI_SLOT_OPTIONAL},
           {"SectionsTensorList", PDSI_SLOT_LIST | PDSI_SLOT_OPTIONAL}},
    .out = {{"Out", PDSI_SLOT_LIST}},
    .params_size = sizeof(pdsi_split_params),
    .parse = split_parse,
    .infer = split_infer,
    .run = pdsi_split_ref,
    .data_dependent_inputs = (1u << 1) | (1u << 2),
};

static pds_status stack_infer(const void *params, const pdsi_slot *in, const pdsi_slot *out,
                              pds_error *err)
{
    int64_t dims[PDSI_MAX_RANK];
    int axis;
    pds_status st;
    if (in[0].n > 0 && (st = check_sized(in[0].t[0], "X", err)))
        return st;
    if ((st = pdsi_stack_resolve(params, in, &axis, err)))
        return st;
    const pdsi_tensor *x0 = in[0].t[0];
    for (int d = 0, k = 0; d <= x0->rank; d++)
        dims[d] = d == axis ? in[0].n : x0->dims[k++];
    if ((st = check_out_size(x0->dtype, x0->rank + 1, dims, "the stack", err)))
        return st;
    pdsi_out_set(out, 0, x0->dtype, x0->rank + 1, dims);
    return PDS_OK;
}

static const pdsi_opdef op_stack = {
    .type = "stack",
    .in = {{"X", PDSI_SLOT_LIST}},
    .out = {{"Y", PDSI_SLOT_REQUIRED}},
    .params_size = sizeof(pdsi_axis_params),
    .parse = axis_parse,
    .infer = stack_infer,
    .run = pdsi_stack_ref,
};

/* ------------------------------------------------------------------------ */
/* slice, strided_slice                                                      */
/* ------------------------------------------------------------------------ */

static pds_status slice_parse_common(const pdsi_attrs *attrs, pdsi_slice_params *p,
                                     pds_error *err)
{
    pds_status st;
    if ((st = parse_list(attrs, "axes", p->axes, &p->n_axes, err)) ||
        (st = parse_list(attrs, "starts", p->starts, &p->n_starts, err)) ||
        (st = parse_list(attrs, "ends", p->ends, &p->n_ends, err)) ||
        (st = parse_list(attrs, "decrease_axis", p->decrease_axis, &p->n_decrease, err)) ||
        (st = parse_list(attrs, "infer_flags", p->infer_flags, &p->n_infer_flags, err)))
        return st;
    return PDS_OK;
}

static pds_status slice_parse(const pdsi_attrs *attrs, void *params, pds_error *err)
{
    return slice_parse_common(attrs, params, err);
}

static pds_status strided_slice_parse(const pdsi_attrs *attrs, void *params, pds_error *err)
{
    pdsi_slice_params *p = params;
    pds_status st;
    p->strided = 1;
    if ((st = slice_parse_common(attrs, p, err)) ||
        (st = parse_list(attrs, "strides", p->strides, &p->n_strides, err)))
        return st;
    return PDS_OK;
}

static pds_status slice_infer(const void *params, const pdsi_slot *in, const pdsi_slot *out,
                              pds_error *err)
{
    const pdsi_tensor *x = pdsi_slot_get(&in[0]);
    pdsi_slice_geom g;
    pds_status st;
    if ((st = check_sized(x, "Input", err)) || (st = pdsi_slice_resolve(params, in, &g, err)))
        return st;
    pdsi_out_set(out, 0, x->dtype, g.out_rank, g.out_dims);
    return PDS_OK;
}

static const pdsi_opdef op_slice = {
    .type = "slice",
    .in = {{"Input", PDSI_SLOT_REQUIRED},
           {"StartsTensor", PDSI_SLOT_OPTIONAL},
           {"EndsTensor", PDSI_SLOT_OPTIONAL},
           {"StartsTensorList", PDSI_SLOT_LIST | PDSI_SLOT_OPTIONAL},
           {"EndsTensorList", PDSI_SLOT_LIST | PDSI_SLOT_OPTIONAL}},
    .out = {{"Out", PDSI_SLOT_REQUIRED}},
    .params_size = sizeof(pdsi_slice_params),
    .parse = slice_parse,
    .infer = slice_infer,
    .run = pdsi_slice_ref,
    .data_dependent_inputs = 0x1eu,
};

static const pdsi_opdef op_strided_slice = {
    .type = "strided_slice",
    .in = {{"Input", PDSI_SLOT_REQUIRED},
           {"StartsTensor", PDSI_SLOT_OPTIONAL},
           {"StartsTensorList", PDSI_SLOT_LIST | PDSI_SLOT_OPTIONAL},
           {"EndsTensor", PDSI_SLOT_OPTIONAL},
           {"EndsTensorList", PDSI_SLOT_LIST | PDSI_SLOT_OPTIONAL},
           {"StridesTensor", PDSI_SLOT_OPTIONAL},
           {"StridesTensorList", PDSI_SLOT_LIST | PDSI_SLOT_OPTIONAL}},
    .out = {{"Out", PDSI_SLOT_REQUIRED}},
    .params_size = sizeof(pdsi_slice_params),
    .parse = strided_slice_parse,
    .infer = slice_infer,
    .run = pdsi_slice_ref,
    .data_dependent_inputs = 0x7eu,
};

/* ------------------------------------------------------------------------ */
/* shape, assign, cast                                                       */
/* ------------------------------------------------------------------------ */

static pds_status shape_infer(const void *params, const pdsi_slot *in, const pdsi_slot *out,
                              pds_error *err)
{
    const pdsi_tensor *x = pdsi_slot_get(&in[0]);
    int64_t dims[1] = {x->rank};
    for (int d = 0; d < x->rank; d++)
        if (x->dims[d] > INT32_MAX)
            return pdsi_fail(err, PDS_ERR_SHAPE,
                             "dim %d of input 'Input' is %lld, which does not fit the int32 "
                             "output of the legacy shape op",
                             d, (long long)x->dims[d]);
    /* The legacy op returns int32 (PIR's shape64 is the int64 one). */
    pdsi_out_set(out, 0, PDS_INT32, 1, dims);
    return PDS_OK;
}

static const pdsi_opdef op_shape = {
    .type = "shape",
    .in = {{"Input", PDSI_SLOT_REQUIRED}},
    .out = {{"Out", PDSI_SLOT_REQUIRED}},
    .infer = shape_infer,
    .run = pdsi_shape_ref,
};

static pds_status same_infer(const void *params, const pdsi_slot *in, const pdsi_slot *out,
                             pds_error *err)
{
    const pdsi_tensor *x = pdsi_slot_get(&in[0]);
    pds_status st;
    if ((st = check_sized(x, "X", err)))
        return st;
    pdsi_out_set(out, 0, x->dtype, x->rank, x->dims);
    return PDS_OK;
}

static const pdsi_opdef op_assign = {
    .type = "assign",
    .in = {{"X", PDSI_SLOT_REQUIRED}},
    .out = {{"Out", PDSI_SLOT_REQUIRED}},
    .infer = same_infer,
    .run = pdsi_copy_ref,
};

static pds_status cast_parse(const pdsi_attrs *attrs, void *params, pds_error *err)
{
    pdsi_cast_params *p = params;
    if (!pdsi_attr_find(attrs, "out_dtype"))
        return pdsi_fail(err, PDS_ERR_MODEL_FORMAT, "attribute 'out_dtype' is missing");
    return parse_vartype(attrs, "out_dtype", 5, false, &p->out_dtype, err);
}

static pds_status cast_infer(const void *params, const pdsi_slot *in, const pdsi_slot *out,
                             pds_error *err)
{
    const pdsi_cast_params *p = params;
    const pdsi_tensor *x = pdsi_slot_get(&in[0]);
    pds_status st;
    if ((st = check_sized(x, "X", err)))
        return st;
    pdsi_out_set(out, 0, p->out_dtype, x->rank, x->dims);
    return PDS_OK;
}

static const pdsi_opdef op_cast = {
    .type = "cast",
    .in = {{"X", PDSI_SLOT_REQUIRED}},
    .out = {{"Out", PDSI_SLOT_REQUIRED}},
    .params_size = sizeof(pdsi_cast_params),
    .parse = cast_parse,
    .infer = cast_infer,
    .run = pdsi_cast_ref,
};

/* ------------------------------------------------------------------------ */
/* fill_constant, fill_any_like, fill_zeros_like, assign_value               */
/* ------------------------------------------------------------------------ */

/* str_value as Paddle reads it: exactly "inf", "-inf" or "nan", or a decimal
 * number. Paddle's stream parse would also take a numeric prefix of anything
 * ("12abc" -> 12, "abc" -> 0); such strings never come from Paddle's writers
 * and are refused here. */
static pds_status parse_str_value(const char *s, double *out, pds_error *err)
{
    if (strcmp(s, "inf") == 0) {
        *out = INFINITY;
        return PDS_OK;
    }
    if (strcmp(s, "-inf") == 0) {
        *out = -INFINITY;
        return PDS_OK;
    }
    if (strcmp(s, "nan") == 0) {
        *out = NAN;
        return PDS_OK;
    }
    /* Only decimal syntax, so that strtod's hex floats and inf/nan spellings
     * are not accepted by accident. */
    const char *c = s;
    while (*c == ' ' || *c == '\t')
        c++;
    const char *num = c;
    int digits = 0;
    if (*c == '+' || *c == '-')
        c++;
    while (*c >= '0' && *c <= '9')
        c++, digits++;
    if (*c == '.')
        for (c++; *c >= '0' && *c <= '9'; c++)
            digits++;
    if (digits && (*c == 'e' || *c == 'E')) {
        const char *e = c + 1;
        if (*e == '+' || *e == '-')
            e++;
        if (*e >= '0' && *e <= '9') {
            while (*e >= '0' && *e <= '9')
                e++;
            c = e;
        }
    }
    const char *end = c;
    while (*c == ' ' || *c == '\t' || *c == '\n')
        c++;
    if (!digits || *c != '\0' || end - num > 400)
        return pdsi_fail(err, PDS_ERR_MODEL_FORMAT,
                         "attribute 'str_value' is \"%.64s\", expected a decimal number, inf, "
                         "-inf or nan",
                         s);
    char buf[401];
    memcpy(buf, num, (size_t)(end - num));
    buf[end - num] = '\0';
    double v = strtod(buf, NULL);
    /* A C++ stream read that overflows yields the largest finite value. */
    if (isinf(v))
        v = v > 0 ? 1.7976931348623157e308 : -1.7976931348623157e308;
    *out = v;
    return PDS_OK;
}

static pds_status fill_constant_parse(const pdsi_attrs *attrs, void *params, pds_error *err)
{
    pdsi_fill_constant_params *p = params;
    const char *str;
    pds_status st;
    if ((st = parse_vartype(attrs, "dtype", 5, false, &p->dtype, err)) ||
        (st = parse_list(attrs, "shape", p->shape, &p->n_shape, err)) ||
        (st = pdsi_attr_float(attrs, "value", 0.0, &p->value, err)) ||
        (st = pdsi_attr_string(attrs, "str_value", "", &str, err)))
        return st;
    if (str[0] != '\0' && (st = parse_str_value(str, &p->value, err)))
        return st;
    return PDS_OK;
}

static pds_status fill_constant_infer(const void *params, const pdsi_slot *in,
                                      const pdsi_slot *out, pds_error *err)
{
    const pdsi_fill_constant_params *p = params;
    int64_t shape[PDSI_SHAPE_MAX_LIST], numel, iv;
    double fv;
    bool is_int;
    const char *src = "attribute 'shape'";
    char b[200];
    int n;
    pds_status st = PDS_OK;
    /* ShapeTensor, then ShapeTensorList, then the attribute. */
    if (in[1].n > 0) {
        src = "input 'ShapeTensor'";
        st = pdsi_shape_read_ints(&in[1], "ShapeTensor", shape, PDSI_SHAPE_MAX_LIST, &n, err);
    } else if (in[2].n > 0) {
        src = "input 'ShapeTensorList'";
        st = pdsi_shape_read_ints(&in[2], "ShapeTensorList", shape, PDSI_SHAPE_MAX_LIST, &n, err);
    } else {
        n = p->n_shape;
        memcpy(shape, p->shape, sizeof *shape * (size_t)n);
    }
    if (st)
        return st;
    if (n > PDSI_MAX_RANK)
        return pdsi_fail(err, PDS_ERR_SHAPE, "%s has %d entries, more than the maximum rank %d",
                         src, n, PDSI_MAX_RANK);
    if (!pdsi_shape_numel(shape, n, &numel))
        return pdsi_fail(err, PDS_ERR_SHAPE,
                         "%s is %s, expected sizes >= 0 with an element count that fits int64",
                         src, pdsi_dims_str(shape, n, b, sizeof b));
    if ((st = check_out_size(p->dtype, n, shape, "output 'Out'", err)) ||
        (st = pdsi_fill_constant_value(p, in, &fv, &iv, &is_int, err)))
        return st;
    pdsi_out_set(out, 0, p->dtype, n, shape);
    return PDS_OK;
}

static const pdsi_opdef op_fill_constant = {
    .type = "fill_constant",
    .in = {{"ValueTensor", PDSI_SLOT_OPTIONAL},
           {"ShapeTensor", PDSI_SLOT_OPTIONAL},
           {"ShapeTensorList", PDSI_SLOT_LIST | PDSI_SLOT_OPTIONAL}},
    .out = {{"Out", PDSI_SLOT_REQUIRED}},
    .params_size = sizeof(pdsi_fill_constant_params),
    .parse = fill_constant_parse,
    .infer = fill_constant_infer,
    .run = pdsi_fill_constant_ref,
    .data_dependent_inputs = 0x7u,
};

/* Paddle's full_like refuses a finite value outside the target type's range,
 * comparing in float (double for float64). */
static bool fill_value_fits(double v, pds_dtype dt)
{
    double lo, hi;
    if (isnan(v) || isinf(v))
        return true;
    switch (dt) {
    case PDS_BOOL: lo = 0, hi = 1; break;
    case PDS_UINT8: lo = 0, hi = 255; break;
    case PDS_INT8: lo = -128, hi = 127; break;
    case PDS_INT16: lo = -32768, hi = 32767; break;
    case PDS_INT32: lo = -2147483648.0, hi = 2147483647.0; break;
    case PDS_INT64: lo = -9223372036854775808.0, hi = 9223372036854775807.0; break;
    case PDS_FLOAT16: lo = -65504, hi = 65504; break;
    case PDS_BFLOAT16: lo = -0x1.fep127, hi = 0x1.fep127; break;
    case PDS_FLOAT32: lo = -FLT_MAX, hi = FLT_MAX; break;
    default: return true;
    }
    if (v > FLT_MAX || v < -FLT_MAX) /* becomes infinity as a float: out of range */
        return false;
    float f = (float)v;
    return f >= (float)lo && f <= (float)hi;
}

static pds_status fill_any_like_parse(const pdsi_attrs *attrs, void *params, pds_error *err)
{
    pdsi_fill_like_params *p = params;
    pds_status st;
    if ((st = pdsi_attr_float(attrs, "value", 0.0, &p->value, err)) ||
        (st = parse_vartype(attrs, "dtype", -1, true, &p->dtype, err)))
        return st;
    if (p->dtype != PDS_DTYPE_UNKNOWN && !fill_value_fits(p->value, p->dtype))
        return pdsi_fail(err, PDS_ERR_MODEL_FORMAT,
                         "attribute 'value' %g is out of range for the %s output", p->value,
                         pds_dtype_name(p->dtype));
    return PDS_OK;
}

static pds_status fill_like_infer(const void *params, const pdsi_slot *in, const pdsi_slot *out,
                                  pds_error *err)
{
    const pdsi_fill_like_params *p = params;
    const pdsi_tensor *x = pdsi_slot_get(&in[0]);
    pds_status st;
    if ((st = check_sized(x, "X", err)))
        return st;
    pds_dtype dt = p->dtype == PDS_DTYPE_UNKNOWN ? x->dtype : p->dtype;
    if (!fill_value_fits(p->value, dt))
        return pdsi_fail(err, PDS_ERR_DTYPE,
                         "attribute 'value' %g is out of range for the %s output (dtype of X)",
                         p->value, pds_dtype_name(dt));
    pdsi_out_set(out, 0, dt, x->rank, x->dims);
    return PDS_OK;
}

static const pdsi_opdef op_fill_any_like = {
    .type = "fill_any_like",
    .in = {{"X", PDSI_SLOT_REQUIRED}},
    .out = {{"Out", PDSI_SLOT_REQUIRED}},
    .params_size = sizeof(pdsi_fill_like_params),
    .parse = fill_any_like_parse,
    .infer = fill_like_infer,
    .run = pdsi_fill_like_ref,
};

static const pdsi_opdef op_fill_zeros_like = {
    .type = "fill_zeros_like",
    .in = {{"X", PDSI_SLOT_REQUIRED}},
    .out = {{"Out", PDSI_SLOT_REQUIRED}},
    .params_size = sizeof(pdsi_fill_like_params), /* zeroed: dtype of X, value 0 */
    .infer = fill_like_infer,
    .run = pdsi_fill_like_ref,
};

/* The values come from 'values' when the loader gives it as a number list
 * (Paddle >= 2.6 writes Scalars there), otherwise from the typed list of
 * older files (fp32_values, int32_values, ...). */
static pds_status assign_value_parse(const pdsi_attrs *attrs, void *params, pds_error *err)
{
    pdsi_assign_value_params *p = params;
    int64_t shape[PDSI_MAX_ATTR_LIST];
    int n;
    pds_status st;
    if (!pdsi_attr_find(attrs, "dtype"))
        return pdsi_fail(err, PDS_ERR_MODEL_FORMAT, "attribute 'dtype' is missing");
    if ((st = parse_vartype(attrs, "dtype", 5, false, &p->dtype, err)) ||
        (st = pdsi_attr_ints(attrs, "shape", shape, PDSI_MAX_ATTR_LIST, &n, err)))
        return st;
    int64_t numel;
    if (n > PDSI_MAX_RANK || !pdsi_shape_numel(shape, n, &numel))
        return pdsi_fail(err, PDS_ERR_MODEL_FORMAT,
                         "attribute 'shape' has %d entries, expected at most %d sizes >= 0", n,
                         PDSI_MAX_RANK);
    p->rank = n;
    memcpy(p->dims, shape, sizeof *shape * (size_t)n);

    const char *typed = NULL;
    switch (p->dtype) {
    case PDS_BOOL: typed = "bool_values"; break;
    case PDS_INT32: typed = "int32_values"; break;
    case PDS_INT64: typed = "int64_values"; break;
    case PDS_FLOAT32: typed = "fp32_values"; break;
    case PDS_FLOAT64: typed = "fp64_values"; break;
    default: break;
    }
    const pdsi_attr *va = pdsi_attr_find(attrs, "values");
    const pdsi_attr *a = NULL;
    if (va && (va->type == PDSI_ATTR_INTS || va->type == PDSI_ATTR_FLOATS) && va->n > 0)
        a = va;
    else if (typed)
        a = pdsi_attr_find(attrs, typed);
    int64_t count = a ? a->n : 0;
    if (a && a->type != PDSI_ATTR_INTS && a->type != PDSI_ATTR_FLOATS)
        return pdsi_fail(err, PDS_ERR_MODEL_FORMAT, "attribute '%s' is not a number list",
                         a->name);
    if (count != numel) {
        if (count == 0 && va && va->type == PDSI_ATTR_OTHER)
            return pdsi_fail(err, PDS_ERR_UNSUPPORTED_OP,
                             "attribute 'values' holds Scalars, which the loader did not "
                             "decode into numbers");
        return pdsi_fail(err, PDS_ERR_MODEL_FORMAT,
                         "assign_value has %lld values for shape of %lld elements",
                         (long long)count, (long long)numel);
    }
    if (count > PDSI_ASSIGN_VALUE_MAX)
        return pdsi_fail(err, PDS_ERR_UNSUPPORTED_OP,
                         "assign_value has %lld values; pdsafe keeps at most %d in an operator",
                         (long long)count, PDSI_ASSIGN_VALUE_MAX);
    p->n = count;
    p->values_are_ints = a && a->type == PDSI_ATTR_INTS;
    for (int64_t i = 0; i < count; i++) {
        if (p->values_are_ints)
            p->v.i[i] = a->ints[i];
        else
            p->v.f[i] = a->floats[i];
    }
    return PDS_OK;
}

static pds_status assign_value_infer(const void *params, const pdsi_slot *in,
                                     const pdsi_slot *out, pds_error *err)
{
    const pdsi_assign_value_params *p = params;
    pdsi_out_set(out, 0, p->dtype, p->rank, p->dims);
    return PDS_OK;
}

static const pdsi_opdef op_assign_value = {
    .type = "assign_value",
    .in = {{NULL, 0}},
    .out = {{"Out", PDSI_SLOT_REQUIRED}},
    .params_size = sizeof(pdsi_assign_value_params),
    .parse = assign_value_parse,
    .infer = assign_value_infer,
    .run = pdsi_assign_value_ref,
};

const pdsi_opdef *const pdsi_ops_shape[] = {
    &op_reshape2,
    &op_reshape,
    &op_transpose2,
    &op_transpose,
    &op_flatten_contiguous_range,
    &op_flatten2,
    &op_flatten,
    &op_squeeze2,
    &op_squeeze,
    &op_unsqueeze2,
    &op_unsqueeze,
    &op_concat,
    &op_split,
    &op_stack,
    &op_slice,
    &op_strided_slice,
    &op_shape,
    &op_assign,
    &op_cast,
    &op_fill_constant,
    &op_fill_any_like,
    &op_fill_zeros_like,
    &op_assign_value,
    NULL,
};
