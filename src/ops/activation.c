/*
 * activation.c — parse and shape inference for the activation operator
 * family: the element-wise unary functions, scale and dropout.
 *
 * Every operator here keeps X's shape. The arithmetic ones take float32 only;
 * scale also takes int32 and int64 because models use it on shape values.
 * Attribute names and defaults are those of Paddle's legacy op makers.
 */
#include "ops/opdef.h"
#include "ops/activation.h"

#include <float.h>
#include <math.h>
#include <string.h>

#define FAMILY "activation"

/* double attribute -> float, saturating to +-inf as an IEEE conversion would
 * (an out-of-range conversion is undefined in C). NaN passes through. */
static float attr_f32(double v)
{
    if (v > FLT_MAX)
        return INFINITY;
    if (v < -FLT_MAX)
        return -INFINITY;
    return (float)v;
}

static pds_status get_f32(const pdsi_attrs *attrs, const char *name, double dflt, float *out,
                          pds_error *err)
{
    double v;
    pds_status st = pdsi_attr_float(attrs, name, dflt, &v, err);
    if (st == PDS_OK)
        *out = attr_f32(v);
    return st;
}

/* Output of X's dtype and shape, after checking the element count. */
static pds_status same_shape_out(const pdsi_tensor *x, const pdsi_slot *out, int k, pds_dtype dtype,
                                 pds_error *err)
{
    int64_t numel;
    size_t bytes;
    if (!pdsi_shape_numel(x->dims, x->rank, &numel) || !pdsi_bytes_of(dtype, numel, &bytes)) {
        char b[160];
        return pdsi_fail(err, PDS_ERR_SHAPE, "input 'X' %s has an invalid or overflowing size",
                         pdsi_dims_str(x->dims, x->rank, b, sizeof b));
    }
    pdsi_out_set(out, k, dtype, x->rank, x->dims);
    return PDS_OK;
}

/* A tensor that stands for one number (clip's Min/Max, pow's FactorTensor,
 * scale's ScaleTensor): exactly one element of a numeric dtype. */
static pds_status check_scalar_input(const pdsi_slot *s, const char *what, pds_error *err)
{
    const pdsi_tensor *t = pdsi_slot_get(s);
    if (!t)
        return PDS_OK;
    if (t->dtype != PDS_FLOAT32 && t->dtype != PDS_FLOAT64 && t->dtype != PDS_INT32 &&
        t->dtype != PDS_INT64)
        return pdsi_fail(err, PDS_ERR_DTYPE,
                         "input '%s' is %s, expected float32, float64, int32 or int64", what,
                         pds_dtype_name(t->dtype));
    int64_t numel;
    if (!pdsi_shape_numel(t->dims, t->rank, &numel) || numel != 1) {
        char b[160];
        return pdsi_fail(err, PDS_ERR_SHAPE, "input '%s' has shape %s, expected one element",
                         what, pdsi_dims_str(t->dims, t->rank, b, sizeof b));
    }
    return PDS_OK;
}

static pds_status infer_unary(const void *params, const pdsi_slot *in, const pdsi_slot *out,
                              pds_error *err)
{
    const pdsi_unary_params *p = params;
    const pdsi_tensor *x = pdsi_slot_get(&in[0]);
    pds_status st = pdsi_check_f32(x, "input 'X'", err);
    if (st)
        return st;
    if (p->kind == PDSI_UNARY_CLIP) {
        if ((st = check_scalar_input(&in[1], "Min", err)) ||
            (st = check_scalar_input(&in[2], "Max", err)))
            return st;
        const pdsi_tensor *tmin = pdsi_slot_get(&in[1]), *tmax = pdsi_slot_get(&in[2]);
        double lo = tmin ? pdsi_tensor_get_f64(tmin, 0) : p->a;
        double hi = tmax ? pdsi_tensor_get_f64(tmax, 0) : p->b;
        if (lo > hi)
            return pdsi_fail(err, PDS_ERR_INVALID_ARGUMENT,
                             "clip bounds are inverted: min %g is greater than max %g", lo, hi);
    } else if (p->kind == PDSI_UNARY_POW) {
        if ((st = check_scalar_input(&in[1], "FactorTensor", err)))
            return st;
    }
    return same_shape_out(x, out, 0, PDS_FLOAT32, err);
}

/* ---- parse functions ---------------------------------------------------- */

#define PARSE_PLAIN(fn, KIND)                                                       \
    static pds_status fn(const pdsi_attrs *attrs, void *params, pds_error *err)     \
    {                                                                               \
        (void)attrs;                                                                \
        (void)err;                                                                  \
        ((pdsi_unary_params *)params)->kind = KIND;                                 \
        return PDS_OK;                                                              \
    }

PARSE_PLAIN(parse_relu, PDSI_UNARY_RELU)
PARSE_PLAIN(parse_sigmoid, PDSI_UNARY_SIGMOID)
PARSE_PLAIN(parse_tanh, PDSI_UNARY_TANH)
PARSE_PLAIN(parse_silu, PDSI_UNARY_SILU)
PARSE_PLAIN(parse_exp, PDSI_UNARY_EXP)
PARSE_PLAIN(parse_sqrt, PDSI_UNARY_SQRT)
PARSE_PLAIN(parse_rsqrt, PDSI_UNARY_RSQRT)
PARSE_PLAIN(parse_abs, PDSI_UNARY_ABS)
PARSE_PLAIN(parse_log, PDSI_UNARY_LOG)
PARSE_PLAIN(parse_square, PDSI_UNARY_SQUARE)
PARSE_PLAIN(parse_erf, PDSI_UNARY_ERF)
PARSE_PLAIN(parse_sin, PDSI_UNARY_SIN)
PARSE_PLAIN(parse_cos, PDSI_UNARY_COS)
PARSE_PLAIN(parse_floor, PDSI_UNARY_FLOOR)
PARSE_PLAIN(parse_ceil, PDSI_UNARY_CEIL)
PARSE_PLAIN(parse_sign, PDSI_UNARY_SIGN)
PARSE_PLAIN(parse_reciprocal, PDSI_UNARY_RECIPROCAL)

/* round: Paddle 3.3 writes decimals (0: to an integer); other values round
 * to a power of ten, which pdsafe does not implement. */
static pds_status parse_round(const pdsi_attrs *attrs, void *params, pds_error *err)
{
    int64_t decimals;
    pds_status st = pdsi_attr_int(attrs, "decimals", 0, &decimals, err);
    if (st)
        return st;
    if (decimals != 0)
        return pdsi_fail(err, PDS_ERR_UNSUPPORTED_OP,
                         "attribute 'decimals' is %lld; pdsafe rounds to integers only "
                         "(decimals 0)",
                         (long long)decimals);
    ((pdsi_unary_params *)params)->kind = PDSI_UNARY_ROUND;
    return PDS_OK;
}

/* Operators with up to three float attributes a, b, c. */
typedef struct unary_attr_spec {
    const char *name;
    double dflt;
} unary_attr_spec;

static pds_status parse_with(const pdsi_attrs *attrs, pdsi_unary_params *p, pdsi_unary_kind kind,
                             const unary_attr_spec *spec, int n, pds_error *err)
{
    float *dst[3] = {&p->a, &p->b, &p->c};
    p->kind = kind;
    for (int i = 0; i < n; i++) {
        pds_status st = get_f32(attrs, spec[i].name, spec[i].dflt, dst[i], err);
        if (st)
            return st;
    }
    return PDS_OK;
}

/* Paddle 3.x ignores some legacy attributes and uses fixed values (relu6's
 * threshold, hard_swish's offset/threshold/scale, swish's beta) where Paddle
 * 2.x honoured them. With the default value both agree; any other value has
 * no single right answer, so it is refused instead of guessed. */
static pds_status parse_fixed(const pdsi_attrs *attrs, pdsi_unary_params *p, pdsi_unary_kind kind,
                              const unary_attr_spec *spec, int n, pds_error *err)
{
    pds_status st = parse_with(attrs, p, kind, spec, n, err);
    const float *got[3] = {&p->a, &p->b, &p->c};
    for (int i = 0; st == PDS_OK && i < n; i++)
        if (*got[i] != (float)spec[i].dflt)
            return pdsi_fail(err, PDS_ERR_UNSUPPORTED_OP,
                             "attribute '%s' is %g; only %g is supported (Paddle 3 ignores this "
                             "attribute and uses %g, Paddle 2 honoured it)",
                             spec[i].name, *got[i], spec[i].dflt, spec[i].dflt);
    return st;
}

static pds_status parse_relu6(const pdsi_attrs *attrs, void *params, pds_error *err)
{
    static const unary_attr_spec s[] = {{"threshold", 6.0}};
    return parse_fixed(attrs, params, PDSI_UNARY_RELU6, s, 1, err);
}

static pds_status parse_swish(const pdsi_attrs *attrs, void *params, pds_error *err)
{
    static const unary_attr_spec s[] = {{"beta", 1.0}};
    return parse_fixed(attrs, params, PDSI_UNARY_SWISH, s, 1, err);
}

static pds_status parse_hard_swish(const pdsi_attrs *attrs, void *params, pds_error *err)
{
    static const unary_attr_spec s[] = {{"offset", 3.0}, {"threshold", 6.0}, {"scale", 6.0}};
    return parse_fixed(attrs, params, PDSI_UNARY_HARD_SWISH, s, 3, err);
}

static pds_status parse_hard_sigmoid(const pdsi_attrs *attrs, void *params, pds_error *err)
{
    static const unary_attr_spec s[] = {{"slope", 0.2}, {"offset", 0.5}};
    return parse_with(attrs, params, PDSI_UNARY_HARD_SIGMOID, s, 2, err);
}

static pds_status parse_gelu(const pdsi_attrs *attrs, void *params, pds_error *err)
{
    bool approximate;
    pds_status st = pdsi_attr_bool(attrs, "approximate", false, &approximate, err);
    ((pdsi_unary_params *)params)->kind = approximate ? PDSI_UNARY_GELU_TANH : PDSI_UNARY_GELU;
    return st;
}

static pds_status parse_leaky_relu(const pdsi_attrs *attrs, void *params, pds_error *err)
{
    static const unary_attr_spec s[] = {{"alpha", 0.02}};
    return parse_with(attrs, params, PDSI_UNARY_LEAKY_RELU, s, 1, err);
}

static pds_status parse_clip(const pdsi_attrs *attrs, void *params, pds_error *err)
{
    /* Paddle's op maker has no defaults; an absent bound clips nothing. */
    static const unary_attr_spec s[] = {{"min", -FLT_MAX}, {"max", FLT_MAX}};
    pdsi_unary_params *p = params;
    pds_status st = parse_with(attrs, p, PDSI_UNARY_CLIP, s, 2, err);
    if (st == PDS_OK && p->a > p->b)
        return pdsi_fail(err, PDS_ERR_MODEL_FORMAT,
                         "attribute 'min' (%g) is greater than attribute 'max' (%g)", p->a, p->b);
    return st;
}

static pds_status parse_softplus(const pdsi_attrs *attrs, void *params, pds_error *err)
{
    static const unary_attr_spec s[] = {{"beta", 1.0}, {"threshold", 20.0}};
    pdsi_unary_params *p = params;
    pds_status st = parse_with(attrs, p, PDSI_UNARY_SOFTPLUS, s, 2, err);
    if (st == PDS_OK && p->a == 0.0f)
        return pdsi_fail(err, PDS_ERR_MODEL_FORMAT,
                         "attribute 'beta' is 0, expected a non-zero divisor");
    return st;
}

static pds_status parse_mish(const pdsi_attrs *attrs, void *params, pds_error *err)
{
    static const unary_attr_spec s[] = {{"threshold", 20.0}};
    return parse_with(attrs, params, PDSI_UNARY_MISH, s, 1, err);
}

static pds_status parse_elu(const pdsi_attrs *attrs, void *params, pds_error *err)
{
    static const unary_attr_spec s[] = {{"alpha", 1.0}};
    return parse_with(attrs, params, PDSI_UNARY_ELU, s, 1, err);
}

static pds_status parse_pow(const pdsi_attrs *attrs, void *params, pds_error *err)
{
    static const unary_attr_spec s[] = {{"factor", 1.0}};
    return parse_with(attrs, params, PDSI_UNARY_POW, s, 1, err);
}

/* ---- scale --------------------------------------------------------------- */

static pds_status parse_scale(const pdsi_attrs *attrs, void *params, pds_error *err)
{
    pdsi_scale_params *p = params;
    pds_status st;
    if ((st = pdsi_attr_float(attrs, "scale", 1.0, &p->scale, err)) ||
        (st = pdsi_attr_float(attrs, "bias", 0.0, &p->bias, err)) ||
        (st = pdsi_attr_bool(attrs, "bias_after_scale", true, &p->bias_after_scale, err)))
        return st;
    return PDS_OK;
}

static pds_status infer_scale(const void *params, const pdsi_slot *in, const pdsi_slot *out,
                              pds_error *err)
{
    (void)params;
    const pdsi_tensor *x = pdsi_slot_get(&in[0]);
    if (x->dtype != PDS_FLOAT32 && x->dtype != PDS_INT32 && x->dtype != PDS_INT64)
        return pdsi_fail(err, PDS_ERR_DTYPE, "input 'X' is %s, expected float32, int32 or int64",
                         pds_dtype_name(x->dtype));
    pds_status st = check_scalar_input(&in[1], "ScaleTensor", err);
    if (st)
        return st;
    return same_shape_out(x, out, 0, x->dtype, err);
}

/* ---- dropout ------------------------------------------------------------- */

static pds_status parse_dropout(const pdsi_attrs *attrs, void *params, pds_error *err)
{
    pdsi_dropout_params *p = params;
    double prob;
    const char *impl;
    pds_status st;
    if ((st = pdsi_attr_float(attrs, "dropout_prob", 0.5, &prob, err)) ||
        (st = pdsi_attr_string(attrs, "dropout_implementation", "downgrade_in_infer", &impl,
                               err)))
        return st;
    if (!(prob >= 0.0 && prob <= 1.0))
        return pdsi_fail(err, PDS_ERR_MODEL_FORMAT,
                         "attribute 'dropout_prob' is %g, expected a value in [0, 1]", prob);
    /* is_test is not consulted: pdsafe only does inference. */
    if (strcmp(impl, "downgrade_in_infer") == 0)
        p->factor = (float)(1.0f - (float)prob);
    else if (strcmp(impl, "upscale_in_train") == 0)
        p->factor = 1.0f;
    else
        return pdsi_fail(err, PDS_ERR_MODEL_FORMAT,
                         "attribute 'dropout_implementation' is \"%s\", expected "
                         "\"downgrade_in_infer\" or \"upscale_in_train\"",
                         impl);
    return PDS_OK;
}

static pds_status infer_dropout(const void *params, const pdsi_slot *in, const pdsi_slot *out,
                                pds_error *err)
{
    (void)params;
    const pdsi_tensor *x = pdsi_slot_get(&in[0]);
    pds_status st = pdsi_check_f32(x, "input 'X'", err);
    if (st || (st = same_shape_out(x, out, 0, PDS_FLOAT32, err)))
        return st;
    pdsi_out_set(out, 1, PDS_UINT8, x->rank, x->dims);
    return PDS_OK;
}

/* ---- opdefs -------------------------------------------------------------- */

/* The functions of pdsi_unary_params: element-wise, in place, fusable as a
 * post-op (in their attribute form). */
#define UNARY_FLAGS (PDSI_OPF_UNARY | PDSI_OPF_INPLACE | PDSI_OPF_POST_OP)
/* scale and dropout: element-wise, in place, and the identity for some
 * params (passes/passes.c checks which). */
#define IDENTITY_FLAGS (PDSI_OPF_UNARY | PDSI_OPF_INPLACE | PDSI_OPF_IDENTITY)

#define UNARY_OPDEF(var, ID, name, parsefn)                                               \
    static const pdsi_opdef var = {                                                       \
        .id = PDSI_OP_##ID,                                                               \
        .type = name,                                                                     \
        .family = FAMILY,                                                                 \
        .flags = UNARY_FLAGS,                                                             \
        .in = {{"X", PDSI_SLOT_REQUIRED}},                                                \
        .out = {{"Out", PDSI_SLOT_REQUIRED}},                                             \
        .params_size = sizeof(pdsi_unary_params),                                         \
        .parse = parsefn,                                                                 \
        .infer = infer_unary,                                                             \
    }

UNARY_OPDEF(op_relu, RELU, "relu", parse_relu);
UNARY_OPDEF(op_relu6, RELU6, "relu6", parse_relu6);
UNARY_OPDEF(op_sigmoid, SIGMOID, "sigmoid", parse_sigmoid);
UNARY_OPDEF(op_tanh, TANH, "tanh", parse_tanh);
UNARY_OPDEF(op_swish, SWISH, "swish", parse_swish);
UNARY_OPDEF(op_silu, SILU, "silu", parse_silu);
UNARY_OPDEF(op_hard_swish, HARD_SWISH, "hard_swish", parse_hard_swish);
UNARY_OPDEF(op_hard_sigmoid, HARD_SIGMOID, "hard_sigmoid", parse_hard_sigmoid);
UNARY_OPDEF(op_gelu, GELU, "gelu", parse_gelu);
UNARY_OPDEF(op_leaky_relu, LEAKY_RELU, "leaky_relu", parse_leaky_relu);
UNARY_OPDEF(op_exp, EXP, "exp", parse_exp);
UNARY_OPDEF(op_sqrt, SQRT, "sqrt", parse_sqrt);
UNARY_OPDEF(op_rsqrt, RSQRT, "rsqrt", parse_rsqrt);
UNARY_OPDEF(op_abs, ABS, "abs", parse_abs);
UNARY_OPDEF(op_log, LOG, "log", parse_log);
UNARY_OPDEF(op_square, SQUARE, "square", parse_square);
UNARY_OPDEF(op_softplus, SOFTPLUS, "softplus", parse_softplus);
UNARY_OPDEF(op_mish, MISH, "mish", parse_mish);
UNARY_OPDEF(op_elu, ELU, "elu", parse_elu);

/* erf: element-wise and in place like the others, but not a post-op: oneDNN
 * has no erf eltwise, so a convolution with erf fused in would leave the
 * oneDNN backend and run whole on ref. Kept apart, erf runs on ref alone. */
static const pdsi_opdef op_erf = {
    .id = PDSI_OP_ERF,
    .type = "erf",
    .family = FAMILY,
    .flags = PDSI_OPF_UNARY | PDSI_OPF_INPLACE,
    .in = {{"X", PDSI_SLOT_REQUIRED}},
    .out = {{"Out", PDSI_SLOT_REQUIRED}},
    .params_size = sizeof(pdsi_unary_params),
    .parse = parse_erf,
    .infer = infer_unary,
};
/* Element-wise and in place like the others, but not offered as post-ops:
 * the fast path has no fused form of them. */
#define MATH_OPDEF(var, ID, name, parsefn)                                                \
    static const pdsi_opdef var = {                                                       \
        .id = PDSI_OP_##ID,                                                               \
        .type = name,                                                                     \
        .family = FAMILY,                                                                 \
        .flags = PDSI_OPF_UNARY | PDSI_OPF_INPLACE,                                       \
        .in = {{"X", PDSI_SLOT_REQUIRED}},                                                \
        .out = {{"Out", PDSI_SLOT_REQUIRED}},                                             \
        .params_size = sizeof(pdsi_unary_params),                                         \
        .parse = parsefn,                                                                 \
        .infer = infer_unary,                                                             \
    }

MATH_OPDEF(op_sin, SIN, "sin", parse_sin);
MATH_OPDEF(op_cos, COS, "cos", parse_cos);
MATH_OPDEF(op_floor, FLOOR, "floor", parse_floor);
MATH_OPDEF(op_ceil, CEIL, "ceil", parse_ceil);
MATH_OPDEF(op_round, ROUND, "round", parse_round);
MATH_OPDEF(op_sign, SIGN, "sign", parse_sign);
MATH_OPDEF(op_reciprocal, RECIPROCAL, "reciprocal", parse_reciprocal);

static const pdsi_opdef op_clip = {
    .id = PDSI_OP_CLIP,
    .type = "clip",
    .family = FAMILY,
    .flags = UNARY_FLAGS,
    .in = {{"X", PDSI_SLOT_REQUIRED}, {"Min", PDSI_SLOT_OPTIONAL}, {"Max", PDSI_SLOT_OPTIONAL}},
    .out = {{"Out", PDSI_SLOT_REQUIRED}},
    .params_size = sizeof(pdsi_unary_params),
    .parse = parse_clip,
    .infer = infer_unary,
    .data_dependent_inputs = (1u << 1) | (1u << 2),
};

static const pdsi_opdef op_pow = {
    .id = PDSI_OP_POW,
    .type = "pow",
    .family = FAMILY,
    .flags = UNARY_FLAGS,
    .in = {{"X", PDSI_SLOT_REQUIRED}, {"FactorTensor", PDSI_SLOT_OPTIONAL}},
    .out = {{"Out", PDSI_SLOT_REQUIRED}},
    .params_size = sizeof(pdsi_unary_params),
    .parse = parse_pow,
    .infer = infer_unary,
};

static const pdsi_opdef op_scale = {
    .id = PDSI_OP_SCALE,
    .type = "scale",
    .family = FAMILY,
    .flags = IDENTITY_FLAGS,
    .in = {{"X", PDSI_SLOT_REQUIRED}, {"ScaleTensor", PDSI_SLOT_OPTIONAL}},
    .out = {{"Out", PDSI_SLOT_REQUIRED}},
    .params_size = sizeof(pdsi_scale_params),
    .parse = parse_scale,
    .infer = infer_scale,
};

static const pdsi_opdef op_dropout = {
    .id = PDSI_OP_DROPOUT,
    .type = "dropout",
    .family = FAMILY,
    .flags = IDENTITY_FLAGS,
    .in = {{"X", PDSI_SLOT_REQUIRED}, {"Seed", PDSI_SLOT_OPTIONAL}},
    .out = {{"Out", PDSI_SLOT_REQUIRED}, {"Mask", PDSI_SLOT_OPTIONAL}},
    .params_size = sizeof(pdsi_dropout_params),
    .parse = parse_dropout,
    .infer = infer_dropout,
};

const pdsi_opdef *const pdsi_ops_activation[] = {
    &op_relu,      &op_relu6,     &op_sigmoid,    &op_tanh,      &op_swish, &op_silu,
    &op_hard_swish, &op_hard_sigmoid, &op_gelu,   &op_leaky_relu, &op_clip, &op_scale,
    &op_dropout,   &op_exp,       &op_sqrt,       &op_rsqrt,     &op_abs,   &op_log,
    &op_square,    &op_softplus,  &op_mish,       &op_elu,       &op_pow,   &op_erf,
    &op_sin,       &op_cos,       &op_floor,      &op_ceil,      &op_round, &op_sign,
    &op_reciprocal,
};
PDSI_OPDEF_TABLE_CHECK(ACTIVATION, activation);
