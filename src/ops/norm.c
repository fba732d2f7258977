/*
 * norm.c — parse and shape inference for the normalisation operators:
 * batch_norm (inference with running statistics), layer_norm, softmax,
 * log_softmax, instance_norm and group_norm.
 *
 * Attribute ranges follow Paddle's own checks (epsilon in [0, 0.001] for both
 * norms, begin_norm_axis >= 1), so a model Paddle refuses is refused here too.
 * batch_norm's training attributes (is_test, momentum, use_global_stats,
 * trainable_statistics) are not consulted: inference always normalises with
 * the running Mean and Variance, which is what Paddle Inference does.
 */
#include "ops/opdef.h"
#include "ops/norm.h"

#include <stdint.h>
#include <stdio.h>
#include <string.h>

#define FAMILY "norm"

static pds_status parse_epsilon(const pdsi_attrs *attrs, float *out, pds_error *err)
{
    double eps;
    pds_status st = pdsi_attr_float(attrs, "epsilon", 1e-5, &eps, err);
    if (st)
        return st;
    /* Compared in float like Paddle: a FLOAT attribute of 0.001 is slightly
     * above the double 0.001. */
    if (!(eps >= 0.0 && eps <= 1.0 && (float)eps <= 0.001f))
        return pdsi_fail(err, PDS_ERR_MODEL_FORMAT,
                         "attribute 'epsilon' is %g, expected a value in [0, 0.001]", eps);
    *out = (float)eps;
    return PDS_OK;
}

static pds_status check_numel(const pdsi_tensor *t, const char *what, pds_dtype dtype,
                              pds_error *err)
{
    int64_t numel;
    size_t bytes;
    if (!pdsi_shape_numel(t->dims, t->rank, &numel) || !pdsi_bytes_of(dtype, numel, &bytes)) {
        char b[160];
        return pdsi_fail(err, PDS_ERR_SHAPE, "%s %s has an invalid or overflowing size", what,
                         pdsi_dims_str(t->dims, t->rank, b, sizeof b));
    }
    return PDS_OK;
}

/* ---- batch_norm ---------------------------------------------------------- */

static pds_status parse_batch_norm(const pdsi_attrs *attrs, void *params, pds_error *err)
{
    pdsi_batch_norm_params *p = params;
    const char *layout;
    pds_status st;
    if ((st = parse_epsilon(attrs, &p->epsilon, err)) ||
        (st = pdsi_attr_string(attrs, "data_layout", "NCHW", &layout, err)))
        return st;
    if (strcmp(layout, "NHWC") == 0 || strcmp(layout, "NDHWC") == 0)
        return pdsi_fail(err, PDS_ERR_UNSUPPORTED_OP,
                         "attribute 'data_layout' is \"%s\": only channel-first layouts "
                         "(NCHW, NCDHW, AnyLayout) are supported",
                         layout);
    if (strcmp(layout, "NCHW") != 0 && strcmp(layout, "NCDHW") != 0 &&
        strcmp(layout, "AnyLayout") != 0)
        return pdsi_fail(err, PDS_ERR_MODEL_FORMAT,
                         "attribute 'data_layout' is \"%s\", expected \"NCHW\", \"NCDHW\" or "
                         "\"AnyLayout\"",
                         layout);
    return PDS_OK;
}

static pds_status infer_batch_norm(const void *params, const pdsi_slot *in, const pdsi_slot *out,
                                   pds_error *err)
{
    (void)params;
    static const char *const names[] = {"Scale", "Bias", "Mean", "Variance"};
    const pdsi_tensor *x = pdsi_slot_get(&in[0]);
    pds_status st;
    if ((st = pdsi_check_f32(x, "input 'X'", err)) ||
        (st = pdsi_check_rank(x, 2, 5, "input 'X'", err)) ||
        (st = check_numel(x, "input 'X'", PDS_FLOAT32, err)))
        return st;
    int64_t c = x->dims[1];
    for (int k = 0; k < 4; k++) {
        const pdsi_tensor *t = pdsi_slot_get(&in[1 + k]);
        char what[32], b[160], bx[160];
        snprintf(what, sizeof what, "input '%s'", names[k]);
        if ((st = pdsi_check_f32(t, what, err)))
            return st;
        if (t->rank != 1 || t->dims[0] != c)
            return pdsi_fail(err, PDS_ERR_SHAPE,
                             "%s has shape %s, expected [%lld] (X %s has %lld channels)", what,
                             pdsi_dims_str(t->dims, t->rank, b, sizeof b), (long long)c,
                             pdsi_dims_str(x->dims, x->rank, bx, sizeof bx), (long long)c);
    }
    int64_t cdims[1] = {c}, empty[1] = {0};
    pdsi_out_set(out, 0, PDS_FLOAT32, x->rank, x->dims);
    for (int k = 1; k <= 4; k++)
        pdsi_out_set(out, k, PDS_FLOAT32, 1, cdims);
    pdsi_out_set(out, 5, PDS_FLOAT32, 1, empty);
    return PDS_OK;
}

/* ---- layer_norm ---------------------------------------------------------- */

static pds_status parse_layer_norm(const pdsi_attrs *attrs, void *params, pds_error *err)
{
    pdsi_layer_norm_params *p = params;
    int64_t axis;
    pds_status st;
    if ((st = parse_epsilon(attrs, &p->epsilon, err)) ||
        (st = pdsi_attr_int(attrs, "begin_norm_axis", 1, &axis, err)))
        return st;
    if (axis < 1 || axis >= PDSI_MAX_RANK)
        return pdsi_fail(err, PDS_ERR_MODEL_FORMAT,
                         "attribute 'begin_norm_axis' is %lld, expected a dim index from 1 to %d",
                         (long long)axis, PDSI_MAX_RANK - 1);
    p->begin_norm_axis = (int)axis;
    return PDS_OK;
}

static pds_status infer_layer_norm(const void *params, const pdsi_slot *in, const pdsi_slot *out,
                                   pds_error *err)
{
    const pdsi_layer_norm_params *p = params;
    const pdsi_tensor *x = pdsi_slot_get(&in[0]);
    char bx[160], b[160];
    pds_status st;
    if ((st = pdsi_check_f32(x, "input 'X'", err)) ||
        (st = check_numel(x, "input 'X'", PDS_FLOAT32, err)))
        return st;
    if (p->begin_norm_axis >= x->rank)
        return pdsi_fail(err, PDS_ERR_SHAPE,
                         "attribute 'begin_norm_axis' is %d, out of range for input 'X' %s of "
                         "rank %d (expected 1 to %d)",
                         p->begin_norm_axis, pdsi_dims_str(x->dims, x->rank, bx, sizeof bx),
                         x->rank, x->rank - 1);
    int64_t cols = 1;
    for (int i = p->begin_norm_axis; i < x->rank; i++)
        cols *= x->dims[i];
    for (int k = 1; k <= 2; k++) {
        const pdsi_tensor *t = pdsi_slot_get(&in[k]);
        const char *what = k == 1 ? "input 'Scale'" : "input 'Bias'";
        int64_t numel;
        if (!t)
            continue;
        if ((st = pdsi_check_f32(t, what, err)))
            return st;
        if (!pdsi_shape_numel(t->dims, t->rank, &numel) || numel != cols)
            return pdsi_fail(err, PDS_ERR_SHAPE,
                             "%s has shape %s, expected %lld elements (the dims of X %s from "
                             "begin_norm_axis %d)",
                             what, pdsi_dims_str(t->dims, t->rank, b, sizeof b), (long long)cols,
                             pdsi_dims_str(x->dims, x->rank, bx, sizeof bx), p->begin_norm_axis);
    }
    pdsi_out_set(out, 0, PDS_FLOAT32, x->rank, x->dims);
    pdsi_out_set(out, 1, PDS_FLOAT32, p->begin_norm_axis, x->dims);
    pdsi_out_set(out, 2, PDS_FLOAT32, p->begin_norm_axis, x->dims);
    return PDS_OK;
}

/* ---- softmax / log_softmax ----------------------------------------------- */

static pds_status parse_softmax_common(const pdsi_attrs *attrs, pdsi_softmax_params *p, bool log,
                                       pds_error *err)
{
    int64_t axis;
    pds_status st = pdsi_attr_int(attrs, "axis", -1, &axis, err);
    if (st)
        return st;
    if (axis < -PDSI_MAX_RANK || axis >= PDSI_MAX_RANK)
        return pdsi_fail(err, PDS_ERR_MODEL_FORMAT,
                         "attribute 'axis' is %lld, expected a dim index in [-%d, %d)",
                         (long long)axis, PDSI_MAX_RANK, PDSI_MAX_RANK);
    p->axis = (int)axis;
    p->log = log;
    return PDS_OK;
}

static pds_status parse_softmax(const pdsi_attrs *attrs, void *params, pds_error *err)
{
    return parse_softmax_common(attrs, params, false, err);
}

static pds_status parse_log_softmax(const pdsi_attrs *attrs, void *params, pds_error *err)
{
    return parse_softmax_common(attrs, params, true, err);
}

static pds_status infer_softmax(const void *params, const pdsi_slot *in, const pdsi_slot *out,
                                pds_error *err)
{
    const pdsi_softmax_params *p = params;
    const pdsi_tensor *x = pdsi_slot_get(&in[0]);
    pds_status st;
    if ((st = pdsi_check_f32(x, "input 'X'", err)) ||
        (st = check_numel(x, "input 'X'", PDS_FLOAT32, err)))
        return st;
    /* A 0-D tensor accepts axis -1 and 0, like Paddle. */
    int r = x->rank > 0 ? x->rank : 1;
    if (p->axis < -r || p->axis >= r) {
        char b[160];
        return pdsi_fail(err, PDS_ERR_SHAPE,
                         "attribute 'axis' is %d, out of range for input 'X' %s of rank %d",
                         p->axis, pdsi_dims_str(x->dims, x->rank, b, sizeof b), x->rank);
    }
    pdsi_out_set(out, 0, PDS_FLOAT32, x->rank, x->dims);
    return PDS_OK;
}

/* ---- instance_norm, group_norm -------------------------------------------- */

static pds_status parse_instance_norm(const pdsi_attrs *attrs, void *params, pds_error *err)
{
    pdsi_instance_norm_params *p = params;
    return parse_epsilon(attrs, &p->epsilon, err);
}

static pds_status parse_group_norm(const pdsi_attrs *attrs, void *params, pds_error *err)
{
    pdsi_group_norm_params *p = params;
    const char *layout;
    int64_t groups;
    double eps;
    pds_status st;
    if ((st = pdsi_attr_float(attrs, "epsilon", 1e-5, &eps, err)) ||
        (st = pdsi_attr_int(attrs, "groups", 1, &groups, err)) ||
        (st = pdsi_attr_string(attrs, "data_layout", "NCHW", &layout, err)))
        return st;
    if (!(eps >= 0.0 && eps <= 1.0))
        return pdsi_fail(err, PDS_ERR_MODEL_FORMAT,
                         "attribute 'epsilon' is %g, expected a value in [0, 1]", eps);
    if (groups < 1 || groups > INT32_MAX)
        return pdsi_fail(err, PDS_ERR_MODEL_FORMAT, "attribute 'groups' is %lld, expected at "
                         "least 1", (long long)groups);
    if (strcmp(layout, "NCHW") != 0 && strcmp(layout, "NHWC") != 0 &&
        strcmp(layout, "AnyLayout") != 0)
        return pdsi_fail(err, PDS_ERR_MODEL_FORMAT, "attribute 'data_layout' is \"%s\", expected "
                         "\"NCHW\", \"NHWC\" or \"AnyLayout\"", layout);
    p->epsilon = (float)eps;
    p->groups = (int)groups;
    p->nhwc = strcmp(layout, "NHWC") == 0;
    return PDS_OK;
}

/* X is float32 [N, C, ...] (rank 2..5) and Scale and Bias, when given, [C]. */
static pds_status check_channels(const pdsi_slot *in, int c_axis, int64_t *c, pds_error *err)
{
    const pdsi_tensor *x = pdsi_slot_get(&in[0]);
    char b[160], bx[160];
    pds_status st;
    if ((st = pdsi_check_f32(x, "input 'X'", err)) ||
        (st = pdsi_check_rank(x, 2, 5, "input 'X'", err)) ||
        (st = check_numel(x, "input 'X'", PDS_FLOAT32, err)))
        return st;
    *c = x->dims[c_axis < 0 ? x->rank - 1 : c_axis];
    for (int k = 1; k <= 2; k++) {
        const pdsi_tensor *t = pdsi_slot_get(&in[k]);
        const char *what = k == 1 ? "input 'Scale'" : "input 'Bias'";
        if (!t)
            continue;
        if ((st = pdsi_check_f32(t, what, err)))
            return st;
        if (t->rank != 1 || t->dims[0] != *c)
            return pdsi_fail(err, PDS_ERR_SHAPE,
                             "%s has shape %s, expected [%lld] (X %s has %lld channels)", what,
                             pdsi_dims_str(t->dims, t->rank, b, sizeof b), (long long)*c,
                             pdsi_dims_str(x->dims, x->rank, bx, sizeof bx), (long long)*c);
    }
    return PDS_OK;
}

static pds_status infer_instance_norm(const void *params, const pdsi_slot *in,
                                      const pdsi_slot *out, pds_error *err)
{
    const pdsi_tensor *x = pdsi_slot_get(&in[0]);
    int64_t c;
    pds_status st = check_channels(in, 1, &c, err);
    if (st)
        return st;
    int64_t nc[1] = {x->dims[0] * c};
    pdsi_out_set(out, 0, PDS_FLOAT32, x->rank, x->dims);
    pdsi_out_set(out, 1, PDS_FLOAT32, 1, nc);
    pdsi_out_set(out, 2, PDS_FLOAT32, 1, nc);
    return PDS_OK;
}

static pds_status infer_group_norm(const void *params, const pdsi_slot *in, const pdsi_slot *out,
                                   pds_error *err)
{
    const pdsi_group_norm_params *p = params;
    const pdsi_tensor *x = pdsi_slot_get(&in[0]);
    int64_t c;
    char bx[160];
    pds_status st = check_channels(in, p->nhwc ? -1 : 1, &c, err);
    if (st)
        return st;
    if (c % p->groups != 0)
        return pdsi_fail(err, PDS_ERR_SHAPE, "attribute 'groups' is %d, which does not divide "
                         "the %lld channels of X %s (Paddle requires it)", p->groups,
                         (long long)c, pdsi_dims_str(x->dims, x->rank, bx, sizeof bx));
    int64_t ng[2] = {x->dims[0], p->groups};
    pdsi_out_set(out, 0, PDS_FLOAT32, x->rank, x->dims);
    pdsi_out_set(out, 1, PDS_FLOAT32, 2, ng);
    pdsi_out_set(out, 2, PDS_FLOAT32, 2, ng);
    return PDS_OK;
}

/* ---- opdefs -------------------------------------------------------------- */

static const pdsi_opdef op_batch_norm = {
    .id = PDSI_OP_BATCH_NORM,
    .type = "batch_norm",
    .family = FAMILY,
    .in = {{"X", PDSI_SLOT_REQUIRED},
           {"Scale", PDSI_SLOT_REQUIRED},
           {"Bias", PDSI_SLOT_REQUIRED},
           {"Mean", PDSI_SLOT_REQUIRED},
           {"Variance", PDSI_SLOT_REQUIRED},
           {"MomentumTensor", PDSI_SLOT_OPTIONAL}},
    .out = {{"Y", PDSI_SLOT_REQUIRED},
            {"MeanOut", PDSI_SLOT_OPTIONAL},
            {"VarianceOut", PDSI_SLOT_OPTIONAL},
            {"SavedMean", PDSI_SLOT_OPTIONAL},
            {"SavedVariance", PDSI_SLOT_OPTIONAL},
            {"ReserveSpace", PDSI_SLOT_OPTIONAL}},
    .params_size = sizeof(pdsi_batch_norm_params),
    .parse = parse_batch_norm,
    .infer = infer_batch_norm,
};

static const pdsi_opdef op_layer_norm = {
    .id = PDSI_OP_LAYER_NORM,
    .type = "layer_norm",
    .family = FAMILY,
    .in = {{"X", PDSI_SLOT_REQUIRED}, {"Scale", PDSI_SLOT_OPTIONAL}, {"Bias", PDSI_SLOT_OPTIONAL}},
    .out = {{"Y", PDSI_SLOT_REQUIRED},
            {"Mean", PDSI_SLOT_OPTIONAL},
            {"Variance", PDSI_SLOT_OPTIONAL}},
    .params_size = sizeof(pdsi_layer_norm_params),
    .parse = parse_layer_norm,
    .infer = infer_layer_norm,
};

static const pdsi_opdef op_softmax = {
    .id = PDSI_OP_SOFTMAX,
    .type = "softmax",
    .family = FAMILY,
    .in = {{"X", PDSI_SLOT_REQUIRED}},
    .out = {{"Out", PDSI_SLOT_REQUIRED}},
    .params_size = sizeof(pdsi_softmax_params),
    .parse = parse_softmax,
    .infer = infer_softmax,
};

static const pdsi_opdef op_log_softmax = {
    .id = PDSI_OP_LOG_SOFTMAX,
    .type = "log_softmax",
    .family = FAMILY,
    .in = {{"X", PDSI_SLOT_REQUIRED}},
    .out = {{"Out", PDSI_SLOT_REQUIRED}},
    .params_size = sizeof(pdsi_softmax_params),
    .parse = parse_log_softmax,
    .infer = infer_softmax,
};

static const pdsi_opdef op_instance_norm = {
    .id = PDSI_OP_INSTANCE_NORM,
    .type = "instance_norm",
    .family = FAMILY,
    .in = {{"X", PDSI_SLOT_REQUIRED}, {"Scale", PDSI_SLOT_OPTIONAL}, {"Bias", PDSI_SLOT_OPTIONAL}},
    .out = {{"Y", PDSI_SLOT_REQUIRED},
            {"SavedMean", PDSI_SLOT_OPTIONAL},
            {"SavedVariance", PDSI_SLOT_OPTIONAL}},
    .params_size = sizeof(pdsi_instance_norm_params),
    .parse = parse_instance_norm,
    .infer = infer_instance_norm,
};

static const pdsi_opdef op_group_norm = {
    .id = PDSI_OP_GROUP_NORM,
    .type = "group_norm",
    .family = FAMILY,
    .in = {{"X", PDSI_SLOT_REQUIRED}, {"Scale", PDSI_SLOT_OPTIONAL}, {"Bias", PDSI_SLOT_OPTIONAL}},
    .out = {{"Y", PDSI_SLOT_REQUIRED},
            {"Mean", PDSI_SLOT_OPTIONAL},
            {"Variance", PDSI_SLOT_OPTIONAL}},
    .params_size = sizeof(pdsi_group_norm_params),
    .parse = parse_group_norm,
    .infer = infer_group_norm,
};

const pdsi_opdef *const pdsi_ops_norm[] = {
    &op_batch_norm,
    &op_layer_norm,
    &op_softmax,
    &op_log_softmax,
    &op_instance_norm,
    &op_group_norm,
};
PDSI_OPDEF_TABLE_CHECK(NORM, norm);
