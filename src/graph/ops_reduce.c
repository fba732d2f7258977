/*
 * ops_reduce.c — parse and shape inference for the reduce family:
 * reduce_sum, reduce_mean, reduce_max, reduce_min, arg_max, arg_min.
 *
 * Slots and attributes are those of Paddle's legacy op definitions (X -> Out;
 * dim, keep_dim, reduce_all, in_dtype, out_dtype; axis, keepdims, flatten,
 * dtype). Reducing every dim without keep_dim gives a 0-D tensor, as in
 * Paddle 3. The dims are resolved by pdsi_reduce_resolve / pdsi_arg_resolve,
 * which the kernels share.
 */
#include "graph/opdef.h"
#include "kernels/reduce.h"
#include "kernels/shape.h"

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

#define REDUCE_OP(var, name, parse_fn)                                                        \
    static const pdsi_opdef var = {                                                           \
        .type = name,                                                                         \
        .in = {{"X", PDSI_SLOT_REQUIRED}},                                                    \
        .out = {{"Out", PDSI_SLOT_REQUIRED}},                                                 \
        .params_size = sizeof(pdsi_reduce_params),                                            \
        .parse = parse_fn,                                                                    \
        .infer = reduce_infer,                                                                \
        .run = pdsi_reduce_ref,                                                               \
    };

REDUCE_OP(op_reduce_sum, "reduce_sum", reduce_sum_parse)
REDUCE_OP(op_reduce_mean, "reduce_mean", reduce_mean_parse)
REDUCE_OP(op_reduce_max, "reduce_max", reduce_max_parse)
REDUCE_OP(op_reduce_min, "reduce_min", reduce_min_parse)

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
    .type = "arg_max",
    .in = {{"X", PDSI_SLOT_REQUIRED}},
    .out = {{"Out", PDSI_SLOT_REQUIRED}},
    .params_size = sizeof(pdsi_arg_params),
    .parse = arg_max_parse,
    .infer = arg_infer,
    .run = pdsi_arg_ref,
};

static const pdsi_opdef op_arg_min = {
    .type = "arg_min",
    .in = {{"X", PDSI_SLOT_REQUIRED}},
    .out = {{"Out", PDSI_SLOT_REQUIRED}},
    .params_size = sizeof(pdsi_arg_params),
    .parse = arg_min_parse,
    .infer = arg_infer,
    .run = pdsi_arg_ref,
};

const pdsi_opdef *const pdsi_ops_reduce[] = {
    &op_reduce_sum, &op_reduce_mean, &op_reduce_max, &op_reduce_min,
    &op_arg_max,    &op_arg_min,     NULL,
};
