/*
 * reduce.c — parse and shape inference for the reduce family:
 * reduce_sum, reduce_mean, reduce_max, reduce_min, arg_max, arg_min, cumsum,
 * p_norm.
 *
 * Slots and attributes are those of Paddle's legacy op definitions (X -> Out;
 * dim, keep_dim, reduce_all, in_dtype, out_dtype; axis, keepdims, flatten,
 * dtype). Reducing every dim without keep_dim gives a 0-D tensor, as in
 * Paddle 3. The dims are resolved by pdsi_reduce_resolve / pdsi_arg_resolve,
 * which the kernels share.
 */
#include <math.h>
#include <string.h>

#include "ops/opdef.h"
#include "ops/reduce.h"
#include "ops/shape.h"

#define FAMILY "reduce"

static const char *const kind_name[] = {"reduce_sum", "reduce_mean", "reduce_max", "reduce_min",
                                         "reduce_all", "reduce_any"};


pds_status pdsi_cumsum_resolve(const pdsi_cumsum_params *p, const pdsi_tensor *x,
                               pdsi_cumsum_geom *g, pds_error *err)
{
    char b[160];
    if (!x)
        return pdsi_fail(err, PDS_ERR_INTERNAL, "cumsum: input 'X' is missing");
    if (x->dtype != PDS_FLOAT32 && x->dtype != PDS_FLOAT64 && x->dtype != PDS_INT32 &&
        x->dtype != PDS_INT64)
        return pdsi_fail(err, PDS_ERR_DTYPE, "cumsum: X is %s, expected float32, float64, int32 "
                         "or int64", pds_dtype_name(x->dtype));
    int64_t numel = pdsi_tensor_numel(x);
    /* Paddle checks axis against the 1-D result when it flattens. */
    if (p->flatten && (p->axis < -1 || p->axis > 0))
        return pdsi_fail(err, PDS_ERR_SHAPE, "cumsum: axis %lld with flatten is out of range, "
                         "expected 0 or -1 (the axis of the flattened result)",
                         (long long)p->axis);
    if (p->flatten) {
        g->outer = g->inner = 1;
        g->n = numel;
        g->out_rank = 1;
        g->out_dims[0] = numel;
        return PDS_OK;
    }
    /* A 0-D X takes axis 0 or -1, as a one-element vector would. */
    const int r = x->rank > 0 ? x->rank : 1;
    if (p->axis < -r || p->axis >= r)
        return pdsi_fail(err, PDS_ERR_SHAPE, "cumsum: axis %lld is out of range for X %s of "
                         "rank %d", (long long)p->axis,
                         pdsi_dims_str(x->dims, x->rank, b, sizeof b), x->rank);
    const int axis = (int)(p->axis < 0 ? p->axis + r : p->axis);
    g->outer = g->inner = 1;
    g->n = x->rank > 0 ? x->dims[axis] : 1;
    for (int d = 0; d < x->rank; d++) {
        if (d < axis)
            g->outer *= x->dims[d];
        else if (d > axis)
            g->inner *= x->dims[d];
        g->out_dims[d] = x->dims[d];
    }
    g->out_rank = x->rank;
    return PDS_OK;
}

/* ---- shape rules (ops/reduce.h), shared with the kernels ---------------- */

pds_status pdsi_reduce_resolve(const pdsi_reduce_params *p, const pdsi_tensor *x,
                               pdsi_reduce_geom *g, pds_error *err)
{
    const int rank = x->rank;
    const pds_dtype dt = x->dtype;
    char b[160];
    bool ok;
    switch (p->kind) {
    case PDSI_REDUCE_SUM:
        ok = dt == PDS_FLOAT32 || dt == PDS_FLOAT64 || dt == PDS_INT32 || dt == PDS_INT64 ||
             dt == PDS_BOOL;
        if (p->out_dtype != PDS_DTYPE_UNKNOWN)
            g->out_dtype = p->out_dtype;
        else /* Paddle widens bool and int32 sums to int64 */
            g->out_dtype = (dt == PDS_BOOL || dt == PDS_INT32) ? PDS_INT64 : dt;
        break;
    case PDSI_REDUCE_MEAN:
        ok = dt == PDS_FLOAT32 || dt == PDS_FLOAT64;
        g->out_dtype = dt;
        break;
    case PDSI_REDUCE_ALL:
    case PDSI_REDUCE_ANY:
        ok = dt == PDS_FLOAT32 || dt == PDS_FLOAT64 || dt == PDS_INT32 || dt == PDS_INT64 ||
             dt == PDS_BOOL;
        g->out_dtype = PDS_BOOL;
        break;
    default:
        ok = dt == PDS_FLOAT32 || dt == PDS_FLOAT64 || dt == PDS_INT32 || dt == PDS_INT64;
        g->out_dtype = dt;
        break;
    }
    if (!ok)
        return pdsi_fail(err, PDS_ERR_DTYPE, "%s: input 'X' is %s, expected %s", kind_name[p->kind],
                         pds_dtype_name(dt),
                         p->kind == PDSI_REDUCE_SUM || p->kind == PDSI_REDUCE_ALL ||
                                 p->kind == PDSI_REDUCE_ANY
                             ? "float32, float64, int32, int64 or bool"
                         : p->kind == PDSI_REDUCE_MEAN ? "float32 or float64"
                                                       : "float32, float64, int32 or int64");

    for (int d = 0; d < rank; d++)
        g->reduced[d] = p->reduce_all || p->n_dims == 0;
    bool seen[PDSI_MAX_RANK] = {false};
    for (int i = 0; i < p->n_dims; i++) {
        int64_t a = p->dims[i] < 0 ? p->dims[i] + rank : p->dims[i];
        /* A 0-D input accepts dim 0 or -1, as Paddle does. */
        if (a < 0 || a >= (rank > 0 ? rank : 1))
            return pdsi_fail(err, PDS_ERR_SHAPE,
                             "attribute 'dim' entry %d is %lld, out of range for X of rank %d %s",
                             i, (long long)p->dims[i], rank,
                             pdsi_dims_str(x->dims, rank, b, sizeof b));
        if (rank == 0)
            continue;
        if (seen[a])
            return pdsi_fail(err, PDS_ERR_SHAPE, "attribute 'dim' lists dim %lld twice",
                             (long long)a);
        seen[a] = true;
        g->reduced[a] = true;
    }
    g->n_reduced = 1;
    g->out_rank = 0;
    for (int d = 0; d < rank; d++) {
        if (g->reduced[d]) {
            g->n_reduced *= x->dims[d];
            if (p->keep_dim)
                g->out_dims[g->out_rank++] = 1;
        } else {
            g->out_dims[g->out_rank++] = x->dims[d];
        }
    }
    if (g->n_reduced == 0 && (p->kind == PDSI_REDUCE_MAX || p->kind == PDSI_REDUCE_MIN))
        return pdsi_fail(err, PDS_ERR_SHAPE,
                         "%s over zero elements has no value (X is %s)", kind_name[p->kind],
                         pdsi_dims_str(x->dims, rank, b, sizeof b));
    return PDS_OK;
}

pds_status pdsi_arg_resolve(const pdsi_arg_params *p, const pdsi_tensor *x, pdsi_arg_geom *g,
                            pds_error *err)
{
    const int rank = x->rank;
    const pds_dtype dt = x->dtype;
    const char *name = p->is_min ? "arg_min" : "arg_max";
    char b[160];
    int a;
    if (dt != PDS_FLOAT32 && dt != PDS_FLOAT64 && dt != PDS_INT32 && dt != PDS_INT64 &&
        dt != PDS_UINT8)
        return pdsi_fail(err, PDS_ERR_DTYPE,
                         "%s: input 'X' is %s, expected float32, float64, int32, int64 or uint8",
                         name, pds_dtype_name(dt));
    /* A 0-D input accepts axis 0 or -1, as Paddle does. */
    if (p->axis < -(rank > 0 ? rank : 1) || p->axis >= (rank > 0 ? rank : 1))
        return pdsi_fail(err, PDS_ERR_SHAPE, "%s: attribute 'axis' %lld is out of range for X of "
                         "rank %d %s", name, (long long)p->axis, rank,
                         pdsi_dims_str(x->dims, rank, b, sizeof b));
    a = (int)(p->axis < 0 ? p->axis + rank : p->axis);
    g->outer = 1;
    g->inner = 1;
    g->out_rank = 0;
    if (p->flatten) {
        g->n = pdsi_tensor_numel(x);
        if (p->keepdims)
            for (int d = 0; d < rank; d++)
                g->out_dims[g->out_rank++] = 1;
    } else if (rank == 0) {
        g->n = 1;
        if (p->keepdims) /* Paddle gives [1] here */
            g->out_dims[g->out_rank++] = 1;
    } else {
        g->n = x->dims[a];
        for (int d = 0; d < rank; d++) {
            if (d < a)
                g->outer *= x->dims[d];
            else if (d > a)
                g->inner *= x->dims[d];
            if (d != a)
                g->out_dims[g->out_rank++] = x->dims[d];
            else if (p->keepdims)
                g->out_dims[g->out_rank++] = 1;
        }
    }
    if (g->n == 0 && g->outer * g->inner > 0)
        return pdsi_fail(err, PDS_ERR_SHAPE, "%s over zero elements has no index (X is %s)", name,
                         pdsi_dims_str(x->dims, rank, b, sizeof b));
    if (p->out_dtype == PDS_INT32 && g->n > INT32_MAX)
        return pdsi_fail(err, PDS_ERR_SHAPE,
                         "%s: %lld candidates do not fit the int32 index (dtype 2); use int64",
                         name, (long long)g->n);
    return PDS_OK;
}


static pds_status reduce_parse(const pdsi_attrs *attrs, pdsi_reduce_params *p, pds_error *err)
{
    int64_t v;
    bool keep, all;
    pds_status st;
    if ((st = pdsi_attr_ints(attrs, "dim", p->dims, PDSI_REDUCE_MAX_DIMS, &p->n_dims, err)) ||
        (st = pdsi_attr_bool(attrs, "keep_dim", false, &keep, err)) ||
        (st = pdsi_attr_bool(attrs, "reduce_all", false, &all, err)))
        return st;
    p->keep_dim = keep;
    p->reduce_all = all;
    /* in_dtype is ignored by Paddle's kernels; out_dtype only matters for
     * reduce_sum (Paddle ignores it for mean, max and min too). */
    if ((st = pdsi_attr_int(attrs, "out_dtype", -1, &v, err)))
        return st;
    p->out_dtype = PDS_DTYPE_UNKNOWN;
    if (p->kind == PDSI_REDUCE_SUM && v != -1) {
        if (!pdsi_shape_dtype_from_vartype(v, &p->out_dtype) ||
            (p->out_dtype != PDS_INT32 && p->out_dtype != PDS_INT64 &&
             p->out_dtype != PDS_FLOAT32 && p->out_dtype != PDS_FLOAT64))
            return pdsi_fail(err, PDS_ERR_UNSUPPORTED_OP,
                             "attribute 'out_dtype' is %lld, expected -1, INT32 (2), INT64 (3), "
                             "FP32 (5) or FP64 (6)",
                             (long long)v);
    }
    return PDS_OK;
}

#define REDUCE_PARSE(name, k)                                                                 \
    static pds_status name(const pdsi_attrs *attrs, void *params, pds_error *err)            \
    {                                                                                         \
        pdsi_reduce_params *p = params;                                                       \
        p->kind = k;                                                                          \
        return reduce_parse(attrs, p, err);                                                   \
    }

REDUCE_PARSE(reduce_sum_parse, PDSI_REDUCE_SUM)
REDUCE_PARSE(reduce_mean_parse, PDSI_REDUCE_MEAN)
REDUCE_PARSE(reduce_max_parse, PDSI_REDUCE_MAX)
REDUCE_PARSE(reduce_min_parse, PDSI_REDUCE_MIN)
REDUCE_PARSE(reduce_all_parse, PDSI_REDUCE_ALL)
REDUCE_PARSE(reduce_any_parse, PDSI_REDUCE_ANY)

static pds_status reduce_infer(const void *params, const pdsi_slot *in, const pdsi_slot *out,
                               pds_error *err)
{
    const pdsi_tensor *x = pdsi_slot_get(&in[0]);
    pdsi_reduce_geom g;
    pds_status st = pdsi_reduce_resolve(params, x, &g, err);
    if (st)
        return st;
    pdsi_out_set(out, 0, g.out_dtype, g.out_rank, g.out_dims);
    return PDS_OK;
}

#define REDUCE_OP(var, ID, name, parse_fn)                                                    \
    static const pdsi_opdef var = {                                                           \
        .id = PDSI_OP_##ID,                                                                   \
        .type = name,                                                                         \
        .family = FAMILY,                                                                     \
        .in = {{"X", PDSI_SLOT_REQUIRED}},                                                    \
        .out = {{"Out", PDSI_SLOT_REQUIRED}},                                                 \
        .params_size = sizeof(pdsi_reduce_params),                                            \
        .parse = parse_fn,                                                                    \
        .infer = reduce_infer,                                                                \
    };

REDUCE_OP(op_reduce_sum, REDUCE_SUM, "reduce_sum", reduce_sum_parse)
REDUCE_OP(op_reduce_mean, REDUCE_MEAN, "reduce_mean", reduce_mean_parse)
REDUCE_OP(op_reduce_max, REDUCE_MAX, "reduce_max", reduce_max_parse)
REDUCE_OP(op_reduce_min, REDUCE_MIN, "reduce_min", reduce_min_parse)
REDUCE_OP(op_reduce_all, REDUCE_ALL, "reduce_all", reduce_all_parse)
REDUCE_OP(op_reduce_any, REDUCE_ANY, "reduce_any", reduce_any_parse)

static pds_status arg_parse(const pdsi_attrs *attrs, pdsi_arg_params *p, pds_error *err)
{
    int64_t dtype;
    bool keep, flat;
    pds_status st;
    if ((st = pdsi_attr_int(attrs, "axis", 0, &p->axis, err)) ||
        (st = pdsi_attr_bool(attrs, "keepdims", false, &keep, err)) ||
        (st = pdsi_attr_bool(attrs, "flatten", false, &flat, err)) ||
        (st = pdsi_attr_int(attrs, "dtype", -1, &dtype, err)))
        return st;
    p->keepdims = keep;
    p->flatten = flat;
    if (dtype == 2)
        p->out_dtype = PDS_INT32;
    else if (dtype == 3 || dtype == -1)
        p->out_dtype = PDS_INT64;
    else
        return pdsi_fail(err, PDS_ERR_MODEL_FORMAT,
                         "attribute 'dtype' is %lld, expected INT32 (2), INT64 (3) or -1",
                         (long long)dtype);
    return PDS_OK;
}

static pds_status arg_max_parse(const pdsi_attrs *attrs, void *params, pds_error *err)
{
    pdsi_arg_params *p = params;
    p->is_min = 0;
    return arg_parse(attrs, p, err);
}

static pds_status arg_min_parse(const pdsi_attrs *attrs, void *params, pds_error *err)
{
    pdsi_arg_params *p = params;
    p->is_min = 1;
    return arg_parse(attrs, p, err);
}

static pds_status arg_infer(const void *params, const pdsi_slot *in, const pdsi_slot *out,
                            pds_error *err)
{
    const pdsi_arg_params *p = params;
    pdsi_arg_geom g;
    pds_status st = pdsi_arg_resolve(p, pdsi_slot_get(&in[0]), &g, err);
    if (st)
        return st;
    pdsi_out_set(out, 0, p->out_dtype, g.out_rank, g.out_dims);
    return PDS_OK;
}

static const pdsi_opdef op_arg_max = {
    .id = PDSI_OP_ARG_MAX,
    .type = "arg_max",
    .family = FAMILY,
    .in = {{"X", PDSI_SLOT_REQUIRED}},
    .out = {{"Out", PDSI_SLOT_REQUIRED}},
    .params_size = sizeof(pdsi_arg_params),
    .parse = arg_max_parse,
    .infer = arg_infer,
};

static const pdsi_opdef op_arg_min = {
    .id = PDSI_OP_ARG_MIN,
    .type = "arg_min",
    .family = FAMILY,
    .in = {{"X", PDSI_SLOT_REQUIRED}},
    .out = {{"Out", PDSI_SLOT_REQUIRED}},
    .params_size = sizeof(pdsi_arg_params),
    .parse = arg_min_parse,
    .infer = arg_infer,
};

static pds_status cumsum_parse(const pdsi_attrs *attrs, void *params, pds_error *err)
{
    pdsi_cumsum_params *p = params;
    bool flatten, exclusive, reverse;
    pds_status st;
    if ((st = pdsi_attr_int(attrs, "axis", -1, &p->axis, err)) ||
        (st = pdsi_attr_bool(attrs, "flatten", false, &flatten, err)) ||
        (st = pdsi_attr_bool(attrs, "exclusive", false, &exclusive, err)) ||
        (st = pdsi_attr_bool(attrs, "reverse", false, &reverse, err)))
        return st;
    p->flatten = flatten;
    p->exclusive = exclusive;
    p->reverse = reverse;
    return PDS_OK;
}

static pds_status cumsum_infer(const void *params, const pdsi_slot *in, const pdsi_slot *out,
                               pds_error *err)
{
    const pdsi_tensor *x = pdsi_slot_get(&in[0]);
    pdsi_cumsum_geom g;
    pds_status st = pdsi_cumsum_resolve(params, x, &g, err);
    if (st)
        return st;
    pdsi_out_set(out, 0, x->dtype, g.out_rank, g.out_dims);
    return PDS_OK;
}

static const pdsi_opdef op_cumsum = {
    .id = PDSI_OP_CUMSUM,
    .type = "cumsum",
    .family = FAMILY,
    .in = {{"X", PDSI_SLOT_REQUIRED}},
    .out = {{"Out", PDSI_SLOT_REQUIRED}},
    .params_size = sizeof(pdsi_cumsum_params),
    .parse = cumsum_parse,
    .infer = cumsum_infer,
};

pds_status pdsi_p_norm_resolve(const pdsi_p_norm_params *p, const pdsi_tensor *x,
                               pdsi_arg_geom *g, pds_error *err)
{
    char b[160];
    if (!x)
        return pdsi_fail(err, PDS_ERR_INTERNAL, "p_norm: input 'X' is missing");
    if (x->dtype != PDS_FLOAT32)
        return pdsi_fail(err, PDS_ERR_DTYPE, "p_norm: X is %s, expected float32",
                         pds_dtype_name(x->dtype));
    memset(g, 0, sizeof *g);
    if (p->asvector) {
        g->outer = g->inner = 1;
        g->n = pdsi_tensor_numel(x);
        g->out_rank = p->keepdim ? x->rank : 0;
        for (int d = 0; d < g->out_rank; d++)
            g->out_dims[d] = 1;
        return PDS_OK;
    }
    const int rank = x->rank ? x->rank : 1;
    if (p->axis < -rank || p->axis >= rank)
        return pdsi_fail(err, PDS_ERR_SHAPE, "p_norm: axis %lld is out of range for X %s of "
                         "rank %d", (long long)p->axis,
                         pdsi_dims_str(x->dims, x->rank, b, sizeof b), x->rank);
    const int axis = (int)(p->axis < 0 ? p->axis + rank : p->axis);
    g->outer = g->inner = 1;
    g->n = x->rank ? x->dims[axis] : 1;
    for (int d = 0; d < x->rank; d++) {
        if (d < axis)
            g->outer *= x->dims[d];
        else if (d > axis)
            g->inner *= x->dims[d];
        if (d != axis)
            g->out_dims[g->out_rank++] = x->dims[d];
        else if (p->keepdim)
            g->out_dims[g->out_rank++] = 1;
    }
    return PDS_OK;
}

static pds_status p_norm_parse(const pdsi_attrs *attrs, void *params, pds_error *err)
{
    pdsi_p_norm_params *p = params;
    bool keepdim, asvector;
    double eps;
    pds_status st;
    if ((st = pdsi_attr_float(attrs, "porder", 2.0, &p->porder, err)) ||
        (st = pdsi_attr_int(attrs, "axis", -1, &p->axis, err)) ||
        (st = pdsi_attr_float(attrs, "epsilon", 1e-12, &eps, err)) ||
        (st = pdsi_attr_bool(attrs, "keepdim", false, &keepdim, err)) ||
        (st = pdsi_attr_bool(attrs, "asvector", false, &asvector, err)))
        return st;
    if (isnan(p->porder))
        return pdsi_fail(err, PDS_ERR_MODEL_FORMAT, "attribute 'porder' is NaN");
    p->keepdim = keepdim;
    p->asvector = asvector;
    return PDS_OK;
}

static pds_status p_norm_infer(const void *params, const pdsi_slot *in, const pdsi_slot *out,
                               pds_error *err)
{
    pdsi_arg_geom g;
    pds_status st = pdsi_p_norm_resolve(params, pdsi_slot_get(&in[0]), &g, err);
    if (st)
        return st;
    pdsi_out_set(out, 0, PDS_FLOAT32, g.out_rank, g.out_dims);
    return PDS_OK;
}

static const pdsi_opdef op_p_norm = {
    .id = PDSI_OP_P_NORM,
    .type = "p_norm",
    .family = FAMILY,
    .in = {{"X", PDSI_SLOT_REQUIRED}},
    .out = {{"Out", PDSI_SLOT_REQUIRED}},
    .params_size = sizeof(pdsi_p_norm_params),
    .parse = p_norm_parse,
    .infer = p_norm_infer,
};

const pdsi_opdef *const pdsi_ops_reduce[] = {
    &op_reduce_sum, &op_reduce_mean, &op_reduce_max, &op_reduce_min,
    &op_arg_max,    &op_arg_min,    &op_cumsum,     &op_p_norm,
    &op_reduce_all, &op_reduce_any,
};
PDSI_OPDEF_TABLE_CHECK(REDUCE, reduce);
