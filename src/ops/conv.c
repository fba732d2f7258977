/*
 * conv.c — parse and shape inference for the conv operator family:
 * conv2d, depthwise_conv2d, conv2d_transpose, depthwise_conv2d_transpose, and
 * unfold (im2col: the sliding blocks of a convolution's input as columns).
 *
 * Slots and attributes are those of Paddle's legacy op definitions. Only NCHW
 * float32 is supported; Bias and ResidualData (legacy inputs that only Paddle's
 * oneDNN kernels read) are honoured, fused activations are refused. Output
 * sizes come from pdsi_conv_resolve, which the kernels share.
 */
#include <string.h>

#include "ops/opdef.h"
#include "ops/conv.h"

#define FAMILY "conv"

/* ---- shape rules (ops/conv.h), shared with the kernels ------------------ */

/* Paddle keeps every size and attribute of these ops in a C int; a bound here
 * also keeps all the arithmetic below far from int64 overflow. */
#define DIM_MAX INT32_MAX

static const char *const axis_name[2] = {"height", "width"};

/* Rank 4 with dims in [1, DIM_MAX], except that dim 0 may be 0 when zero_lead
 * (an empty batch is a legal run). */
static pds_status check_input_dims(const pdsi_tensor *t, const char *what, const char *layout,
                                   bool zero_lead, pds_error *err)
{
    char b[160];
    if (t->rank != 4)
        return pdsi_fail(err, PDS_ERR_SHAPE, "input '%s' has rank %d %s, expected rank 4 %s", what,
                         t->rank, pdsi_dims_str(t->dims, t->rank, b, sizeof b), layout);
    for (int i = 0; i < 4; i++) {
        int64_t lo = (i == 0 && zero_lead) ? 0 : 1;
        if (t->dims[i] < lo || t->dims[i] > DIM_MAX)
            return pdsi_fail(err, PDS_ERR_SHAPE,
                             "input '%s' has shape %s, expected dim %d in [%lld, %d] %s", what,
                             pdsi_dims_str(t->dims, t->rank, b, sizeof b), i, (long long)lo,
                             DIM_MAX, layout);
    }
    return PDS_OK;
}

pds_status pdsi_conv_resolve(const pdsi_conv_params *p, const pdsi_tensor *input,
                             const pdsi_tensor *filter, pdsi_conv_geom *g, pds_error *err)
{
    pds_status st;
    const int64_t G = p->groups;
    if ((st = check_input_dims(input, "Input", "[N, C, H, W]", true, err)))
        return st;
    if ((st = check_input_dims(filter, "Filter",
                               p->transpose ? "[C, M/groups, kh, kw]" : "[M, C/groups, kh, kw]",
                               false, err)))
        return st;
    if (G < 1 || G > DIM_MAX)
        return pdsi_fail(err, PDS_ERR_SHAPE, "groups %lld is out of range", (long long)G);

    memset(g, 0, sizeof *g);
    g->n = input->dims[0];
    g->c = input->dims[1];
    g->h = input->dims[2];
    g->w = input->dims[3];
    g->kh = filter->dims[2];
    g->kw = filter->dims[3];
    g->groups = G;
    if (g->c % G != 0)
        return pdsi_fail(err, PDS_ERR_SHAPE,
                         "input 'Input' has %lld channels, which groups %lld does not divide",
                         (long long)g->c, (long long)G);
    if (!p->transpose) {
        if (filter->dims[1] != g->c / G)
            return pdsi_fail(err, PDS_ERR_SHAPE,
                             "input 'Filter' has %lld channels per group, expected %lld (Input has "
                             "%lld channels, groups %lld)",
                             (long long)filter->dims[1], (long long)(g->c / G), (long long)g->c,
                             (long long)G);
        if (filter->dims[0] % G != 0)
            return pdsi_fail(err, PDS_ERR_SHAPE,
                             "input 'Filter' has %lld output channels, which groups %lld does not "
                             "divide",
                             (long long)filter->dims[0], (long long)G);
        g->m = filter->dims[0];
    } else {
        if (filter->dims[0] != g->c)
            return pdsi_fail(err, PDS_ERR_SHAPE,
                             "input 'Filter' has %lld input channels (dim 0), expected %lld, the "
                             "channels of Input",
                             (long long)filter->dims[0], (long long)g->c);
        g->m = filter->dims[1] * G;
        if (g->m > DIM_MAX)
            return pdsi_fail(err, PDS_ERR_SHAPE,
                             "output channels %lld (Filter dim 1 %lld x groups %lld) exceed %d",
                             (long long)g->m, (long long)filter->dims[1], (long long)G, DIM_MAX);
    }

    const int64_t in[2] = {g->h, g->w}, k[2] = {g->kh, g->kw};
    int64_t out[2], dil[2], pad[4];
    for (int a = 0; a < 2; a++) {
        dil[a] = p->dilations[a];
        pad[2 * a] = p->paddings[2 * a];
        pad[2 * a + 1] = p->paddings[2 * a + 1];
        if (p->padding_algorithm == PDSI_CONV_PAD_SAME) {
            /* Paddle derives SAME padding from the input size for the transposed
             * op too, and drops the dilation. */
            int64_t o = (in[a] + p->strides[a] - 1) / p->strides[a];
            int64_t sum = (o - 1) * p->strides[a] + k[a] - in[a];
            if (sum < 0)
                sum = 0;
            pad[2 * a] = sum / 2;
            pad[2 * a + 1] = sum - sum / 2;
            dil[a] = 1;
        } else if (p->padding_algorithm == PDSI_CONV_PAD_VALID) {
            pad[2 * a] = pad[2 * a + 1] = 0;
        }
    }

    for (int a = 0; a < 2; a++) {
        const int64_t s = p->strides[a], extent = dil[a] * (k[a] - 1) + 1;
        if (!p->transpose) {
            int64_t padded = in[a] + pad[2 * a] + pad[2 * a + 1];
            if (padded < extent)
                return pdsi_fail(err, PDS_ERR_SHAPE,
                                 "kernel extent %lld (kernel %lld, dilation %lld) is larger than "
                                 "the padded input %lld (input %lld, padding %lld+%lld) along %s, "
                                 "so the output would be empty",
                                 (long long)extent, (long long)k[a], (long long)dil[a],
                                 (long long)padded, (long long)in[a], (long long)pad[2 * a],
                                 (long long)pad[2 * a + 1], axis_name[a]);
            out[a] = (padded - extent) / s + 1;
            continue;
        }
        int64_t infer = (in[a] - 1) * s - pad[2 * a] - pad[2 * a + 1] + extent;
        if (p->n_output_size == 2) {
            int64_t want = p->output_size[a];
            if (want < infer || want >= infer + s)
                return pdsi_fail(err, PDS_ERR_SHAPE,
                                 "attribute 'output_size' asks for %s %lld, expected %lld to %lld "
                                 "(the computed size up to stride - 1 more)",
                                 axis_name[a], (long long)want, (long long)infer,
                                 (long long)(infer + s - 1));
            out[a] = want;
        } else if (p->n_output_padding == 2) {
            int64_t op = p->output_padding[a], lim = s > dil[a] ? s : dil[a];
            if (op >= lim)
                return pdsi_fail(err, PDS_ERR_SHAPE,
                                 "attribute 'output_padding' is %lld along %s, expected less than "
                                 "max(stride %lld, dilation %lld)",
                                 (long long)op, axis_name[a], (long long)s, (long long)dil[a]);
            out[a] = infer + op;
        } else {
            out[a] = infer;
        }
        if (out[a] < 1)
            return pdsi_fail(err, PDS_ERR_SHAPE,
                             "output %s would be %lld: (input %lld - 1) x stride %lld - padding "
                             "%lld+%lld + kernel extent %lld",
                             axis_name[a], (long long)out[a], (long long)in[a], (long long)s,
                             (long long)pad[2 * a], (long long)pad[2 * a + 1], (long long)extent);
        if (out[a] > DIM_MAX)
            return pdsi_fail(err, PDS_ERR_SHAPE, "output %s %lld exceeds %d", axis_name[a],
                             (long long)out[a], DIM_MAX);
    }
    g->oh = out[0];
    g->ow = out[1];
    g->stride_h = p->strides[0];
    g->stride_w = p->strides[1];
    g->dil_h = dil[0];
    g->dil_w = dil[1];
    g->pad_t = pad[0];
    g->pad_b = pad[1];
    g->pad_l = pad[2];
    g->pad_r = pad[3];
    return PDS_OK;
}


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

#define CONV_FORWARD(ID, name)                                                                \
    {                                                                                         \
        .id = PDSI_OP_##ID, .type = name, .family = FAMILY,                                   \
        .in = {{"Input", PDSI_SLOT_REQUIRED},                                                 \
               {"Filter", PDSI_SLOT_REQUIRED},                                                \
               {"Bias", PDSI_SLOT_OPTIONAL},                                                  \
               {"ResidualData", PDSI_SLOT_OPTIONAL}},                                         \
        .out = {{"Output", PDSI_SLOT_REQUIRED}}, .params_size = sizeof(pdsi_conv_params),     \
        .parse = parse_conv2d, .infer = infer_conv,                                           \
    }

#define CONV_TRANSPOSE(ID, name)                                                              \
    {                                                                                         \
        .id = PDSI_OP_##ID, .type = name, .family = FAMILY,                                   \
        .in = {{"Input", PDSI_SLOT_REQUIRED},                                                 \
               {"Filter", PDSI_SLOT_REQUIRED},                                                \
               {"Bias", PDSI_SLOT_OPTIONAL}},                                                 \
        .out = {{"Output", PDSI_SLOT_REQUIRED}}, .params_size = sizeof(pdsi_conv_params),     \
        .parse = parse_conv2d_transpose, .infer = infer_conv,                                 \
    }

static const pdsi_opdef conv2d_def = CONV_FORWARD(CONV2D, "conv2d");
static const pdsi_opdef depthwise_conv2d_def =
    CONV_FORWARD(DEPTHWISE_CONV2D, "depthwise_conv2d");
static const pdsi_opdef conv2d_transpose_def =
    CONV_TRANSPOSE(CONV2D_TRANSPOSE, "conv2d_transpose");
static const pdsi_opdef depthwise_conv2d_transpose_def =
    CONV_TRANSPOSE(DEPTHWISE_CONV2D_TRANSPOSE, "depthwise_conv2d_transpose");

/* ---- unfold ------------------------------------------------------------- */

pds_status pdsi_unfold_resolve(const pdsi_unfold_params *p, const pdsi_tensor *x,
                               pdsi_unfold_geom *g, pds_error *err)
{
    pds_status st;
    if ((st = check_input_dims(x, "X", "[N, C, H, W]", true, err)))
        return st;
    g->n = x->dims[0];
    g->c = x->dims[1];
    g->h = x->dims[2];
    g->w = x->dims[3];
    /* Paddle's CalcOutputSize; every term is at most a few times DIM_MAX. */
    const int64_t size[2] = {g->h, g->w};
    const int64_t lo[2] = {p->pad_t, p->pad_l}, hi[2] = {p->pad_b, p->pad_r};
    int64_t o[2];
    for (int a = 0; a < 2; a++) {
        int64_t span = p->d[a] * (p->k[a] - 1) + 1;
        int64_t padded = size[a] + lo[a] + hi[a];
        o[a] = padded >= span ? (padded - span) / p->s[a] + 1 : 0;
        if (o[a] < 1)
            return pdsi_fail(err, PDS_ERR_SHAPE,
                             "input 'X' %s %lld with paddings %lld+%lld is smaller than the "
                             "kernel span %lld (kernel_sizes %lld, dilations %lld): no sliding "
                             "block fits",
                             axis_name[a], (long long)size[a], (long long)lo[a],
                             (long long)hi[a], (long long)span, (long long)p->k[a],
                             (long long)p->d[a]);
    }
    g->oh = o[0];
    g->ow = o[1];
    return PDS_OK;
}

static pds_status parse_unfold(const pdsi_attrs *attrs, void *params, pds_error *err)
{
    pdsi_unfold_params *p = params;
    int64_t v[PDSI_MAX_ATTR_LIST];
    int n;
    bool present;
    pds_status st;
    if ((st = pdsi_attr_int_pair(attrs, "kernel_sizes", 1, ATTR_MAX, p->k, &present, err)))
        return st;
    if (!present)
        return pdsi_fail(err, PDS_ERR_MODEL_FORMAT, "attribute 'kernel_sizes' is missing");
    if ((st = parse_pair(attrs, "strides", 1, 1, p->s, err)) ||
        (st = parse_pair(attrs, "dilations", 1, 1, p->d, err)) ||
        (st = pdsi_attr_ints(attrs, "paddings", v, PDSI_MAX_ATTR_LIST, &n, err)))
        return st;
    if (n == 0) {
        p->pad_t = p->pad_l = p->pad_b = p->pad_r = 0;
        return PDS_OK;
    }
    /* Paddle's shape rule wants exactly twice as many paddings as strides. */
    if (n != 4)
        return pdsi_fail(err, PDS_ERR_MODEL_FORMAT,
                         "attribute 'paddings' has %d entries, expected 4 (top, left, bottom, "
                         "right)",
                         n);
    for (int i = 0; i < 4; i++)
        if (v[i] < 0 || v[i] > ATTR_MAX)
            return pdsi_fail(err, PDS_ERR_MODEL_FORMAT,
                             "attribute 'paddings' entry %d is %lld, expected 0 to %d", i,
                             (long long)v[i], ATTR_MAX);
    p->pad_t = v[0];
    p->pad_l = v[1];
    p->pad_b = v[2];
    p->pad_r = v[3];
    return PDS_OK;
}

static pds_status infer_unfold(const void *params, const pdsi_slot *in, const pdsi_slot *out,
                               pds_error *err)
{
    const pdsi_unfold_params *p = params;
    const pdsi_tensor *x = pdsi_slot_get(&in[0]);
    pdsi_unfold_geom g;
    char b[160];
    pds_status st;
    if (!x)
        return pdsi_fail(err, PDS_ERR_MODEL_FORMAT, "input 'X' is missing");
    if (x->dtype != PDS_FLOAT32 && x->dtype != PDS_FLOAT64)
        return pdsi_fail(err, PDS_ERR_DTYPE, "input 'X' is %s, expected float32 or float64",
                         pds_dtype_name(x->dtype));
    if ((st = pdsi_unfold_resolve(p, x, &g, err)))
        return st;
    /* C*kh*kw and oh*ow are each below 2^93 in the worst case: check in
     * steps that cannot overflow. */
    int64_t rows, cols;
    const int64_t dims3[3] = {g.c, p->k[0], p->k[1]}, dims2[2] = {g.oh, g.ow};
    if (!pdsi_shape_numel(dims3, 3, &rows) || !pdsi_shape_numel(dims2, 2, &cols))
        return pdsi_fail(err, PDS_ERR_SHAPE, "output 'Y' of input %s has too many elements",
                         pdsi_dims_str(x->dims, x->rank, b, sizeof b));
    const int64_t dims[3] = {g.n, rows, cols};
    int64_t numel;
    if (!pdsi_shape_numel(dims, 3, &numel))
        return pdsi_fail(err, PDS_ERR_SHAPE, "output shape %s has too many elements",
                         pdsi_dims_str(dims, 3, b, sizeof b));
    pdsi_out_set(out, 0, x->dtype, 3, dims);
    return PDS_OK;
}

static const pdsi_opdef unfold_def = {
    .id = PDSI_OP_UNFOLD,
    .type = "unfold",
    .family = FAMILY,
    .in = {{"X", PDSI_SLOT_REQUIRED}},
    .out = {{"Y", PDSI_SLOT_REQUIRED}},
    .params_size = sizeof(pdsi_unfold_params),
    .parse = parse_unfold,
    .infer = infer_unfold,
};

const pdsi_opdef *const pdsi_ops_conv[] = {
    &conv2d_def,
    &depthwise_conv2d_def,
    &conv2d_transpose_def,
    &depthwise_conv2d_transpose_def,
    &unfold_def,
};
PDSI_OPDEF_TABLE_CHECK(CONV, conv);
