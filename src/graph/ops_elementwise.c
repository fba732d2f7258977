/*
 * ops_elementwise.c — parse and shape inference for the binary element-wise
 * operators (legacy elementwise_* with their `axis` attribute).
 *
 * The broadcasting rules live in kernels/elementwise.h (pdsi_bcast_plan) so
 * that shape inference and every kernel agree on them. X and Y must share a
 * dtype (Paddle refuses mixed ones too); float32, int32 and int64 are
 * supported because models do shape arithmetic with these operators.
 */
#include "graph/opdef.h"
#include "kernels/elementwise.h"

static pds_status parse_binary(const pdsi_attrs *attrs, pdsi_binary_params *p,
                               pdsi_binary_kind kind, pds_error *err)
{
    int64_t axis;
    pds_status st = pdsi_attr_int(attrs, "axis", -1, &axis, err);
    if (st)
        return st;
    /* Which values fit depends on the input ranks and is checked in infer;
     * this only rejects what no rank allows. */
    if (axis < -PDSI_MAX_RANK || axis >= PDSI_MAX_RANK)
        return pdsi_fail(err, PDS_ERR_MODEL_FORMAT,
                         "attribute 'axis' is %lld, expected a value from %d to %d",
                         (long long)axis, -PDSI_MAX_RANK, PDSI_MAX_RANK - 1);
    p->kind = kind;
    p->axis = (int)axis;
    return PDS_OK;
}

#define PARSE_BINARY(fn, KIND)                                                     \
    static pds_status fn(const pdsi_attrs *attrs, void *params, pds_error *err)    \
    {                                                                              \
        return parse_binary(attrs, params, KIND, err);                             \
    }

PARSE_BINARY(parse_add, PDSI_BINARY_ADD)
PARSE_BINARY(parse_sub, PDSI_BINARY_SUB)
PARSE_BINARY(parse_mul, PDSI_BINARY_MUL)
PARSE_BINARY(parse_div, PDSI_BINARY_DIV)
PARSE_BINARY(parse_max, PDSI_BINARY_MAX)
PARSE_BINARY(parse_min, PDSI_BINARY_MIN)
PARSE_BINARY(parse_pow, PDSI_BINARY_POW)
PARSE_BINARY(parse_floordiv, PDSI_BINARY_FLOORDIV)
PARSE_BINARY(parse_mod, PDSI_BINARY_MOD)

static pds_status infer_binary(const void *params, const pdsi_slot *in, const pdsi_slot *out,
                               pds_error *err)
{
    const pdsi_binary_params *p = params;
    const pdsi_tensor *x = pdsi_slot_get(&in[0]);
    const pdsi_tensor *y = pdsi_slot_get(&in[1]);
    if (x->dtype != PDS_FLOAT32 && x->dtype != PDS_INT32 && x->dtype != PDS_INT64)
        return pdsi_fail(err, PDS_ERR_DTYPE, "input 'X' is %s, expected float32, int32 or int64",
                         pds_dtype_name(x->dtype));
    if (y->dtype != x->dtype)
        return pdsi_fail(err, PDS_ERR_DTYPE, "input 'Y' is %s, expected %s like input 'X'",
                         pds_dtype_name(y->dtype), pds_dtype_name(x->dtype));
    pdsi_bcast plan;
    pds_status st = pdsi_bcast_plan(x->dims, x->rank, y->dims, y->rank, p->axis, &plan, err);
    if (st)
        return st;
    int64_t numel;
    size_t bytes;
    if (!pdsi_shape_numel(plan.out, plan.rank, &numel) ||
        !pdsi_bytes_of(x->dtype, numel, &bytes)) {
        char b[160];
        return pdsi_fail(err, PDS_ERR_SHAPE, "output shape %s has too many elements",
                         pdsi_dims_str(plan.out, plan.rank, b, sizeof b));
    }
    pdsi_out_set(out, 0, x->dtype, plan.rank, plan.out);
    return PDS_OK;
}

#define BINARY_OPDEF(var, name, parsefn)                                                  \
    static const pdsi_opdef var = {                                                       \
        .type = name,                                                                     \
        .in = {{"X", PDSI_SLOT_REQUIRED}, {"Y", PDSI_SLOT_REQUIRED}},                     \
        .out = {{"Out", PDSI_SLOT_REQUIRED}},                                             \
        .params_size = sizeof(pdsi_binary_params),                                        \
        .parse = parsefn,                                                                 \
        .infer = infer_binary,                                                            \
        .run = pdsi_ref_binary,                                                           \
    }

BINARY_OPDEF(op_add, "elementwise_add", parse_add);
BINARY_OPDEF(op_sub, "elementwise_sub", parse_sub);
BINARY_OPDEF(op_mul, "elementwise_mul", parse_mul);
BINARY_OPDEF(op_div, "elementwise_div", parse_div);
BINARY_OPDEF(op_max, "elementwise_max", parse_max);
BINARY_OPDEF(op_min, "elementwise_min", parse_min);
BINARY_OPDEF(op_pow, "elementwise_pow", parse_pow);
BINARY_OPDEF(op_floordiv, "elementwise_floordiv", parse_floordiv);
BINARY_OPDEF(op_mod, "elementwise_mod", parse_mod);

const pdsi_opdef *const pdsi_ops_elementwise[] = {
    &op_add, &op_sub, &op_mul, &op_div, &op_max, &op_min, &op_pow, &op_floordiv, &op_mod, NULL,
};
