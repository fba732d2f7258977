/*
 * ops_conv.c — parse and shape inference for the conv operator family:
 * conv2d, depthwise_conv2d, conv2d_transpose, depthwise_conv2d_transpose.
 *
 * Slots and attributes are those of Paddle's legacy op definitions. Only NCHW
 * float32 is supported; Bias and ResidualData (legacy inputs that only Paddle's
 * oneDNN kernels read) are honoured, fused activations are refused. Output
 * sizes come from pdsi_conv_resolve, which the kernels share.
 */
#include <string.h>

#include "graph/opdef.h"
#include "kernels/conv.h"

#define ATTR_MAX INT32_MAX

/* An (h, w) pair in [lo, ATTR_MAX]; absent: dflt in both. */
static pds_status parse_pair(const pdsi_attrs *attrs, const char *name, int64_t dflt, int64_t lo,
                             int64_t out[2], pds_error *err)
{
    bool present;
    pds_status st = pdsi_attr_int_pair(attrs, name, lo, ATTR_MAX, out, &present, err);
    if (!st && !present)
        out[0] = out[1] = dflt;
    return st;
}

static pds_status parse_padding_algorithm(const pdsi_attrs *attrs, int32_t *out, pds_error *err)
{
    const char *s;
    pds_status st = pdsi_attr_string(attrs, "padding_algorithm", "EXPLICIT", &s, err);
    if (st)
        return st;
    if (strcmp(s, "EXPLICIT") == 0)
        *out = PDSI_CONV_PAD_EXPLICIT;
    else if (strcmp(s, "SAME") == 0)
        *out = PDSI_CONV_PAD_SAME;
    else if (strcmp(s, "VALID") == 0)
        *out = PDSI_CONV_PAD_VALID;
    else
        return pdsi_fail(err, PDS_ERR_MODEL_FORMAT,
                         "attribute 'padding_algorithm' is \"%s\", expected EXPLICIT, SAME or "
                         "VALID",
                         s);
    return PDS_OK;
}

/* data_format: NCHW, or AnyLayout (which Paddle's conv kernels read as NCHW). */
static pds_status parse_data_format(const pdsi_attrs *attrs, pds_error *err)
{
    const char *s;
    pds_status st = pdsi_attr_string(attrs, "data_format", "NCHW", &s, err);
    if (st)
        return st;
    if (strcmp(s, "NCHW") == 0 || strcmp(s, "AnyLayout") == 0)
        return PDS_OK;
    if (strcmp(s, "NHWC") == 0)
        return pdsi_fail(err, PDS_ERR_UNSUPPORTED_OP,
                         "attribute 'data_format' is \"NHWC\": only NCHW (or AnyLayout) is "
                         "supported");
    return pdsi_fail(err, PDS_ERR_MODEL_FORMAT,
                     "attribute 'data_format' is \"%s\", expected NCHW or AnyLayout", s);
}

/* Attributes common to both directions. */
static pds_status parse_common(const pdsi_attrs *attrs, pdsi_conv_params *p, pds_error *err)
{
    pds_status st;
    if ((st = parse_pair(attrs, "strides", 1, 1, p->strides, err)) ||
        (st = parse_pair(attrs, "dilations", 1, 1, p->dilations, err)) ||
        (st = pdsi_attr_pads2d(attrs, "paddings", ATTR_MAX, p->paddings, err)) ||
        (st = parse_padding_algorithm(attrs, &p->padding_algorithm, err)) ||
        (st = parse_data_format(attrs, err)) ||
        (st = pdsi_attr_int(attrs, "groups", 1, &p->groups, err)))
        return st;
    if (p->groups < 1 || p->groups > ATTR_MAX)
        return pdsi_fail(err, PDS_ERR_MODEL_FORMAT, "attribute 'groups' is %lld, expected 1 to %d",
                         (long long)p->groups, ATTR_MAX);
    return PDS_OK;
}

static pds_status parse_conv2d(const pdsi_attrs *attrs, void *params, pds_error *err)
{
    pdsi_conv_params *p = params;
    bool relu;
    const char *act;
    pds_status st;
    if ((st = parse_common(attrs, p, err)) ||
        (st = pdsi_attr_bool(attrs, "fuse_relu", false, &relu, err)) ||
        (st = pdsi_attr_string(attrs, "fuse_activation", "", &act, err)))
        return st;
    /* Fused forms written by Paddle's oneDNN passes; only the plain one is run. */
    if (relu)
        return pdsi_fail(err, PDS_ERR_UNSUPPORTED_OP,
                         "attribute 'fuse_relu' is true: fused activations are not supported");
    if (act[0] != '\0')
        return pdsi_fail(err, PDS_ERR_UNSUPPORTED_OP,
                         "attribute 'fuse_activation' is \"%s\": fused activations are not "
                         "supported",
                         act);
    p->transpose = 0;
    return PDS_OK;
}

static pds_status parse_conv2d_transpose(const pdsi_attrs *attrs, void *params, pds_error *err)
{
    pdsi_conv_params *p = params;
    int64_t v[PDSI_MAX_ATTR_LIST];
    int n;
    pds_status st;
    if ((st = parse_common(attrs, p, err)))
        return st;
    p->transpose = 1;

    if ((st = pdsi_attr_ints(attrs, "output_size", v, PDSI_MAX_ATTR_LIST, &n, err)))
        return st;
    if (n != 0 && (n != 2 || v[0] < 1 || v[0] > ATTR_MAX || v[1] < 1 || v[1] > ATTR_MAX))
        return pdsi_fail(err, PDS_ERR_MODEL_FORMAT,
                         "attribute 'output_size' has %d entries, expected none or 2 integers in "
                         "[1, %d]",
                         n, ATTR_MAX);
    p->n_output_size = n;
    for (int i = 0; i < n; i++)
        p->output_size[i] = v[i];

    if ((st = pdsi_attr_ints(attrs, "output_padding", v, PDSI_MAX_ATTR_LIST, &n, err)))
        return st;
    if (n != 0 && (n != 2 || v[0] < 0 || v[0] > ATTR_MAX || v[1] < 0 || v[1] > ATTR_MAX))
        return pdsi_fail(err, PDS_ERR_MODEL_FORMAT,
                         "attribute 'output_padding' has %d entries, expected none or 2 integers "
                         "in [0, %d]",
                         n, ATTR_MAX);
    p->n_output_padding = n;
    for (int i = 0; i < n; i++)
        p->output_padding[i] = v[i];
    return PDS_OK;
}

static pds_status infer_conv(const void *params, const pdsi_slot *in, const pdsi_slot *out,
                             pds_error *err)
{
    const pdsi_conv_params *p = params;
    const pdsi_tensor *x = pdsi_slot_get(&in[0]), *w = pdsi_slot_get(&in[1]);
    const pdsi_tensor *bias = pdsi_slot_get(&in[2]);
    const pdsi_tensor *res = p->transpose ? NULL : pdsi_slot_get(&in[3]);
    pdsi_conv_geom g;
    char b1[160], b2[160];
    pds_status st;
    if (!x || !w)
        return pdsi_fail(err, PDS_ERR_MODEL_FORMAT, "input 'Input' or 'Filter' is missing");
    if ((st = pdsi_check_f32(x, "input 'Input'", err)) ||
        (st = pdsi_check_f32(w, "input 'Filter'", err)) ||
        (bias && (st = pdsi_check_f32(bias, "input 'Bias'", err))) ||
        (res && (st = pdsi_check_f32(res, "input 'ResidualData'", err))))
        return st;
    if ((st = pdsi_conv_resolve(p, x, w, &g, err)))
        return st;

    const int64_t dims[4] = {g.n, g.m, g.oh, g.ow};
    if (bias && (bias->rank != 1 || bias->dims[0] != g.m))
        return pdsi_fail(err, PDS_ERR_SHAPE,
                         "input 'Bias' has shape %s, expected [%lld] (one value per output "
                         "channel)",
                         pdsi_dims_str(bias->dims, bias->rank, b1, sizeof b1), (long long)g.m);
    if (res && (res->rank != 4 || memcmp(res->dims, dims, sizeof dims) != 0))
        return pdsi_fail(err, PDS_ERR_SHAPE,
                         "input 'ResidualData' has shape %s, expected the output shape %s",
                         pdsi_dims_str(res->dims, res->rank, b1, sizeof b1),
                         pdsi_dims_str(dims, 4, b2, sizeof b2));
    int64_t numel;
    if (!pdsi_shape_numel(dims, 4, &numel))
        return pdsi_fail(err, PDS_ERR_SHAPE, "output shape %s has too many elements",
                         pdsi_dims_str(dims, 4, b1, sizeof b1));
    pdsi_out_set(out, 0, PDS_FLOAT32, 4, dims);
    return PDS_OK;
}

#define CONV_FORWARD(name)                                                                    \
    {                                                                                         \
        .type = name,                                                                         \
        .in = {{"Input", PDSI_SLOT_REQUIRED},                                                 \
               {"Filter", PDSI_SLOT_REQUIRED},                                                \
               {"Bias", PDSI_SLOT_OPTIONAL},                                                  \
               {"ResidualData", PDSI_SLOT_OPTIONAL}},                                         \
        .out = {{"Output", PDSI_SLOT_REQUIRED}}, .params_size = sizeof(pdsi_conv_params),     \
        .parse = parse_conv2d, .infer = infer_conv, .run = pdsi_conv2d_ref,                   \
    }

#define CONV_TRANSPOSE(name)                                                                  \
    {                                                                                         \
        .type = name,                                                                         \
        .in = {{"Input", PDSI_SLOT_REQUIRED},                                                 \
               {"Filter", PDSI_SLOT_REQUIRED},                                                \
               {"Bias", PDSI_SLOT_OPTIONAL}},                                                 \
        .out = {{"Output", PDSI_SLOT_REQUIRED}}, .params_size = sizeof(pdsi_conv_params),     \
        .parse = parse_conv2d_transpose, .infer = infer_conv,                                 \
        .run = pdsi_conv2d_transpose_ref,                                                     \
    }

static const pdsi_opdef conv2d_def = CONV_FORWARD("conv2d");
static const pdsi_opdef depthwise_conv2d_def = CONV_FORWARD("depthwise_conv2d");
static const pdsi_opdef conv2d_transpose_def = CONV_TRANSPOSE("conv2d_transpose");
static const pdsi_opdef depthwise_conv2d_transpose_def =
    CONV_TRANSPOSE("depthwise_conv2d_transpose");

const pdsi_opdef *const pdsi_ops_conv[] = {
    &conv2d_def,
    &depthwise_conv2d_def,
    &conv2d_transpose_def,
    &depthwise_conv2d_transpose_def,
    NULL,
};
