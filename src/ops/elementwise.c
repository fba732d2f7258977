/*
 * elementwise.c — parse and shape inference for the binary element-wise
 * operators (legacy elementwise_* with their `axis` attribute).
 *
 * The broadcasting rules live in ops/elementwise.h (pdsi_bcast_plan) so
 * that shape inference and every kernel agree on them. X and Y must share a
 * dtype (Paddle refuses mixed ones too); float32, int32 and int64 are
 * supported because models do shape arithmetic with these operators.
 */
#include "ops/opdef.h"
#include "ops/elementwise.h"

#include <string.h>

#define FAMILY "elementwise"

/* ---- shape rules (ops/elementwise.h), shared with the kernels ----------- */

pds_status pdsi_bcast_plan(const int64_t *xdims, int xrank, const int64_t *ydims, int yrank,
                           int axis, pdsi_bcast *plan, pds_error *err)
{
    char bx[160], by[160];
    bool same = xrank == yrank;
    for (int i = 0; same && i < xrank; i++)
        same = xdims[i] == ydims[i];
    memset(plan, 0, sizeof *plan);
    if (same) {
        plan->rank = xrank;
        for (int i = 0; i < xrank; i++)
            plan->out[i] = plan->x[i] = plan->y[i] = xdims[i];
        return PDS_OK;
    }

    int rmax = xrank > yrank ? xrank : yrank;
    int diff = xrank > yrank ? xrank - yrank : yrank - xrank;
    if (xrank == yrank && axis != -1 && axis != 0)
        return pdsi_fail(err, PDS_ERR_SHAPE,
                         "axis %d is invalid for X %s and Y %s of equal rank: expected -1 or 0",
                         axis, pdsi_dims_str(xdims, xrank, bx, sizeof bx),
                         pdsi_dims_str(ydims, yrank, by, sizeof by));
    /* Paddle's shape inference would map other negative axes to
     * |rank X - rank Y| + axis + 1, but its kernels then refuse them. */
    if (axis < -1 || axis >= rmax)
        return pdsi_fail(err, PDS_ERR_SHAPE,
                         "axis %d is invalid for X %s and Y %s: expected -1 or 0 to %d", axis,
                         pdsi_dims_str(xdims, xrank, bx, sizeof bx),
                         pdsi_dims_str(ydims, yrank, by, sizeof by), rmax - 1);
    int at = axis == -1 ? diff : axis;

    /* The lower-rank operand is placed at `at` inside the other (X when the
     * ranks are equal, where at is 0 and the choice does not matter). */
    bool x_small = xrank <= yrank;
    const int64_t *sd = x_small ? xdims : ydims;
    const int64_t *bd = x_small ? ydims : xdims;
    int srank = x_small ? xrank : yrank;
    int64_t *sa = x_small ? plan->x : plan->y;
    int64_t *ba = x_small ? plan->y : plan->x;

    /* Trailing 1s of the small operand broadcast anyway; Paddle drops them
     * before aligning, which is what lets Y[5,1] sit at axis 3 of a rank-4
     * X. */
    int strim = srank;
    while (strim > 0 && sd[strim - 1] == 1)
        strim--;
    if (at + strim > rmax)
        return pdsi_fail(err, PDS_ERR_SHAPE,
                         "X %s and Y %s do not broadcast: with axis %d the %s operand "
                         "would extend past dim %d",
                         pdsi_dims_str(xdims, xrank, bx, sizeof bx),
                         pdsi_dims_str(ydims, yrank, by, sizeof by), axis,
                         x_small ? "X" : "Y", rmax - 1);
    for (int i = 0; i < rmax; i++) {
        ba[i] = bd[i];
        sa[i] = 1;
    }
    for (int i = 0; i < strim; i++)
        sa[at + i] = sd[i];

    plan->rank = rmax;
    for (int i = 0; i < rmax; i++) {
        int64_t a = plan->x[i], b = plan->y[i];
        if (a != b && a != 1 && b != 1)
            return pdsi_fail(err, PDS_ERR_SHAPE,
                             "X %s and Y %s do not broadcast (axis %d): aligned dim %d is %lld "
                             "in X and %lld in Y",
                             pdsi_dims_str(xdims, xrank, bx, sizeof bx),
                             pdsi_dims_str(ydims, yrank, by, sizeof by), axis, i, (long long)a,
                             (long long)b);
        plan->out[i] = a == 1 ? b : a;
    }
    return PDS_OK;
}


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

/* ---- comparisons, logical operators, where ------------------------------ */

pds_status pdsi_where_shape(const pdsi_tensor *c, const pdsi_tensor *x, const pdsi_tensor *y,
                            int64_t *dims, int *rank, pds_error *err)
{
    pdsi_bcast a, b;
    pds_status st = pdsi_bcast_plan(c->dims, c->rank, x->dims, x->rank, -1, &a, err);
    if (st)
        return pdsi_fail_wrap(err, st, "input 'Condition' against input 'X'");
    st = pdsi_bcast_plan(a.out, a.rank, y->dims, y->rank, -1, &b, err);
    if (st)
        return pdsi_fail_wrap(err, st, "inputs 'Condition' and 'X' against input 'Y'");
    *rank = b.rank;
    memcpy(dims, b.out, sizeof(int64_t) * (size_t)b.rank);
    return PDS_OK;
}

static pds_status parse_compare(const pdsi_attrs *attrs, pdsi_compare_params *p,
                                pdsi_compare_kind kind, pds_error *err)
{
    pdsi_binary_params b = {PDSI_BINARY_ADD, -1};
    pds_status st = parse_binary(attrs, &b, PDSI_BINARY_ADD, err);
    if (st)
        return st;
    p->kind = kind;
    p->axis = b.axis;
    return PDS_OK;
}

#define PARSE_COMPARE(fn, KIND)                                                    \
    static pds_status fn(const pdsi_attrs *attrs, void *params, pds_error *err)    \
    {                                                                              \
        return parse_compare(attrs, params, KIND, err);                            \
    }

PARSE_COMPARE(parse_equal, PDSI_CMP_EQ)
PARSE_COMPARE(parse_not_equal, PDSI_CMP_NE)
PARSE_COMPARE(parse_less_than, PDSI_CMP_LT)
PARSE_COMPARE(parse_less_equal, PDSI_CMP_LE)
PARSE_COMPARE(parse_greater_than, PDSI_CMP_GT)
PARSE_COMPARE(parse_greater_equal, PDSI_CMP_GE)
PARSE_COMPARE(parse_logical_and, PDSI_LOGIC_AND)
PARSE_COMPARE(parse_logical_or, PDSI_LOGIC_OR)
PARSE_COMPARE(parse_logical_xor, PDSI_LOGIC_XOR)
PARSE_COMPARE(parse_logical_not, PDSI_LOGIC_NOT)

static bool compare_dtype(pds_dtype d)
{
    return d == PDS_FLOAT32 || d == PDS_INT32 || d == PDS_INT64 || d == PDS_BOOL;
}

static pds_status out_bool(const pdsi_slot *out, const int64_t *dims, int rank, pds_error *err)
{
    int64_t numel;
    if (!pdsi_shape_numel(dims, rank, &numel)) {
        char b[160];
        return pdsi_fail(err, PDS_ERR_SHAPE, "output shape %s has too many elements",
                         pdsi_dims_str(dims, rank, b, sizeof b));
    }
    pdsi_out_set(out, 0, PDS_BOOL, rank, dims);
    return PDS_OK;
}

static pds_status infer_compare(const void *params, const pdsi_slot *in, const pdsi_slot *out,
                                pds_error *err)
{
    const pdsi_compare_params *p = params;
    const pdsi_tensor *x = pdsi_slot_get(&in[0]);
    if (!compare_dtype(x->dtype))
        return pdsi_fail(err, PDS_ERR_DTYPE,
                         "input 'X' is %s, expected float32, int32, int64 or bool",
                         pds_dtype_name(x->dtype));
    if (p->kind == PDSI_LOGIC_NOT)
        return out_bool(out, x->dims, x->rank, err);
    const pdsi_tensor *y = pdsi_slot_get(&in[1]);
    if (y->dtype != x->dtype)
        return pdsi_fail(err, PDS_ERR_DTYPE, "input 'Y' is %s, expected %s like input 'X'",
                         pds_dtype_name(y->dtype), pds_dtype_name(x->dtype));
    pdsi_bcast plan;
    pds_status st = pdsi_bcast_plan(x->dims, x->rank, y->dims, y->rank, p->axis, &plan, err);
    if (st)
        return st;
    return out_bool(out, plan.out, plan.rank, err);
}

static pds_status infer_where(const void *params, const pdsi_slot *in, const pdsi_slot *out,
                              pds_error *err)
{
    (void)params;
    const pdsi_tensor *c = pdsi_slot_get(&in[0]);
    const pdsi_tensor *x = pdsi_slot_get(&in[1]);
    const pdsi_tensor *y = pdsi_slot_get(&in[2]);
    if (c->dtype != PDS_BOOL)
        return pdsi_fail(err, PDS_ERR_DTYPE, "input 'Condition' is %s, expected bool",
                         pds_dtype_name(c->dtype));
    if (pds_dtype_size(x->dtype) == 0)
        return pdsi_fail(err, PDS_ERR_DTYPE, "input 'X' has no known dtype (%s)",
                         pds_dtype_name(x->dtype));
    if (y->dtype != x->dtype)
        return pdsi_fail(err, PDS_ERR_DTYPE, "input 'Y' is %s, expected %s like input 'X'",
                         pds_dtype_name(y->dtype), pds_dtype_name(x->dtype));
    int64_t dims[PDSI_MAX_RANK] = {0};
    int rank = 0;
    pds_status st = pdsi_where_shape(c, x, y, dims, &rank, err);
    if (st)
        return st;
    int64_t numel;
    size_t bytes;
    if (!pdsi_shape_numel(dims, rank, &numel) || !pdsi_bytes_of(x->dtype, numel, &bytes)) {
        char b[160];
        return pdsi_fail(err, PDS_ERR_SHAPE, "output shape %s has too many elements",
                         pdsi_dims_str(dims, rank, b, sizeof b));
    }
    pdsi_out_set(out, 0, x->dtype, rank, dims);
    return PDS_OK;
}

/* Comparisons and logical operators are not PDSI_OPF_BINARY: their params
 * and output dtype are not those of the arithmetic operators. */
#define COMPARE_OPDEF(var, ID, name, parsefn)                                             \
    static const pdsi_opdef var = {                                                       \
        .id = PDSI_OP_##ID,                                                               \
        .type = name,                                                                     \
        .family = FAMILY,                                                                 \
        .in = {{"X", PDSI_SLOT_REQUIRED}, {"Y", PDSI_SLOT_REQUIRED}},                     \
        .out = {{"Out", PDSI_SLOT_REQUIRED}},                                             \
        .params_size = sizeof(pdsi_compare_params),                                       \
        .parse = parsefn,                                                                 \
        .infer = infer_compare,                                                           \
    }

COMPARE_OPDEF(op_equal, EQUAL, "equal", parse_equal);
COMPARE_OPDEF(op_not_equal, NOT_EQUAL, "not_equal", parse_not_equal);
COMPARE_OPDEF(op_less_than, LESS_THAN, "less_than", parse_less_than);
COMPARE_OPDEF(op_less_equal, LESS_EQUAL, "less_equal", parse_less_equal);
COMPARE_OPDEF(op_greater_than, GREATER_THAN, "greater_than", parse_greater_than);
COMPARE_OPDEF(op_greater_equal, GREATER_EQUAL, "greater_equal", parse_greater_equal);
COMPARE_OPDEF(op_logical_and, LOGICAL_AND, "logical_and", parse_logical_and);
COMPARE_OPDEF(op_logical_or, LOGICAL_OR, "logical_or", parse_logical_or);
COMPARE_OPDEF(op_logical_xor, LOGICAL_XOR, "logical_xor", parse_logical_xor);

static const pdsi_opdef op_logical_not = {
    .id = PDSI_OP_LOGICAL_NOT,
    .type = "logical_not",
    .family = FAMILY,
    .in = {{"X", PDSI_SLOT_REQUIRED}},
    .out = {{"Out", PDSI_SLOT_REQUIRED}},
    .params_size = sizeof(pdsi_compare_params),
    .parse = parse_logical_not,
    .infer = infer_compare,
};

/* bitwise_and keeps the dtype of its operands (Paddle's bitwise kernels
 * take bool and the integer types; bool, int32 and int64 are pdsafe's). */
static pds_status parse_bitwise_and(const pdsi_attrs *attrs, void *params, pds_error *err)
{
    (void)attrs;
    (void)err;
    pdsi_compare_params *p = params;
    p->kind = PDSI_LOGIC_AND;
    p->axis = -1;
    return PDS_OK;
}

static pds_status infer_bitwise(const void *params, const pdsi_slot *in, const pdsi_slot *out,
                                pds_error *err)
{
    (void)params;
    const pdsi_tensor *x = pdsi_slot_get(&in[0]);
    const pdsi_tensor *y = pdsi_slot_get(&in[1]);
    if (x->dtype != PDS_BOOL && x->dtype != PDS_INT32 && x->dtype != PDS_INT64)
        return pdsi_fail(err, PDS_ERR_DTYPE, "input 'X' is %s, expected bool, int32 or int64",
                         pds_dtype_name(x->dtype));
    if (y->dtype != x->dtype)
        return pdsi_fail(err, PDS_ERR_DTYPE, "input 'Y' is %s, expected %s like input 'X'",
                         pds_dtype_name(y->dtype), pds_dtype_name(x->dtype));
    pdsi_bcast plan;
    pds_status st = pdsi_bcast_plan(x->dims, x->rank, y->dims, y->rank, -1, &plan, err);
    if (st)
        return st;
    int64_t numel;
    if (!pdsi_shape_numel(plan.out, plan.rank, &numel)) {
        char b[160];
        return pdsi_fail(err, PDS_ERR_SHAPE, "output shape %s has too many elements",
                         pdsi_dims_str(plan.out, plan.rank, b, sizeof b));
    }
    pdsi_out_set(out, 0, x->dtype, plan.rank, plan.out);
    return PDS_OK;
}

static const pdsi_opdef op_where = {
    .id = PDSI_OP_WHERE,
    .type = "where",
    .family = FAMILY,
    .in = {{"Condition", PDSI_SLOT_REQUIRED}, {"X", PDSI_SLOT_REQUIRED},
           {"Y", PDSI_SLOT_REQUIRED}},
    .out = {{"Out", PDSI_SLOT_REQUIRED}},
    .infer = infer_where,
};

static const pdsi_opdef op_bitwise_and = {
    .id = PDSI_OP_BITWISE_AND,
    .type = "bitwise_and",
    .family = FAMILY,
    .in = {{"X", PDSI_SLOT_REQUIRED}, {"Y", PDSI_SLOT_REQUIRED}},
    .out = {{"Out", PDSI_SLOT_REQUIRED}},
    .params_size = sizeof(pdsi_compare_params),
    .parse = parse_bitwise_and,
    .infer = infer_bitwise,
};

#define BINARY_OPDEF(var, ID, name, parsefn)                                              \
    static const pdsi_opdef var = {                                                       \
        .id = PDSI_OP_##ID,                                                               \
        .type = name,                                                                     \
        .family = FAMILY,                                                                 \
        .flags = PDSI_OPF_BINARY,                                                         \
        .in = {{"X", PDSI_SLOT_REQUIRED}, {"Y", PDSI_SLOT_REQUIRED}},                     \
        .out = {{"Out", PDSI_SLOT_REQUIRED}},                                             \
        .params_size = sizeof(pdsi_binary_params),                                        \
        .parse = parsefn,                                                                 \
        .infer = infer_binary,                                                            \
    }

BINARY_OPDEF(op_add, ELEMENTWISE_ADD, "elementwise_add", parse_add);
BINARY_OPDEF(op_sub, ELEMENTWISE_SUB, "elementwise_sub", parse_sub);
BINARY_OPDEF(op_mul, ELEMENTWISE_MUL, "elementwise_mul", parse_mul);
BINARY_OPDEF(op_div, ELEMENTWISE_DIV, "elementwise_div", parse_div);
BINARY_OPDEF(op_max, ELEMENTWISE_MAX, "elementwise_max", parse_max);
BINARY_OPDEF(op_min, ELEMENTWISE_MIN, "elementwise_min", parse_min);
BINARY_OPDEF(op_pow, ELEMENTWISE_POW, "elementwise_pow", parse_pow);
BINARY_OPDEF(op_floordiv, ELEMENTWISE_FLOORDIV, "elementwise_floordiv", parse_floordiv);
BINARY_OPDEF(op_mod, ELEMENTWISE_MOD, "elementwise_mod", parse_mod);

const pdsi_opdef *const pdsi_ops_elementwise[] = {
    &op_add,         &op_sub,           &op_mul,       &op_div,         &op_max,
    &op_min,         &op_pow,           &op_floordiv,  &op_mod,         &op_equal,
    &op_not_equal,   &op_less_than,     &op_less_equal, &op_greater_than, &op_greater_equal,
    &op_logical_and, &op_logical_or,    &op_logical_xor, &op_logical_not, &op_where,
    &op_bitwise_and,
};
PDSI_OPDEF_TABLE_CHECK(ELEMENTWISE, elementwise);
