/*
 * ops_interp.c — parse and shape inference for the interp operator family:
 * nearest_interp_v2, bilinear_interp_v2 and their v1 names nearest_interp,
 * bilinear_interp (NCHW), plus the spatial padding ops pad3d (NCDHW) and the
 * legacy pad2d (NCHW).
 *
 * Paddle 3.x runs the v1 names on the v2 kernel; the only difference is that
 * their 'scale' attribute is one float (applied to both axes, <= 0 meaning
 * unset) instead of a list. The kernel follows interp_method, not the op name,
 * as Paddle's does. Output sizes can come from input tensors' values, so those
 * slots are data-dependent and resolved by the functions the kernels share.
 */
#include <math.h>
#include <string.h>

#include "graph/opdef.h"
#include "kernels/interp.h"

#define ATTR_MAX INT32_MAX

/* Slots of the interp ops. */
enum { IN_X = 0, IN_OUT_SIZE = 1, IN_SIZE_TENSOR = 2, IN_SCALE = 3 };

static pds_status parse_interp(const pdsi_attrs *attrs, pdsi_interp_params *p,
                               const char *dflt_method, bool scalar_scale, pds_error *err)
{
    const char *method, *layout;
    bool align_corners;
    int64_t align_mode;
    pds_status st;
    if ((st = pdsi_attr_string(attrs, "interp_method", dflt_method, &method, err)) ||
        (st = pdsi_attr_bool(attrs, "align_corners", true, &align_corners, err)) ||
        (st = pdsi_attr_int(attrs, "align_mode", 1, &align_mode, err)) ||
        (st = pdsi_attr_int(attrs, "out_h", -1, &p->out_h, err)) ||
        (st = pdsi_attr_int(attrs, "out_w", -1, &p->out_w, err)) ||
        (st = pdsi_attr_string(attrs, "data_layout", "NCHW", &layout, err)))
        return st;

    if (strcmp(method, "nearest") == 0)
        p->method = PDSI_INTERP_NEAREST;
    else if (strcmp(method, "bilinear") == 0)
        p->method = PDSI_INTERP_BILINEAR;
    else
        return pdsi_fail(err, PDS_ERR_UNSUPPORTED_OP,
                         "attribute 'interp_method' is \"%s\": only nearest and bilinear are "
                         "supported",
                         method);
    if (align_mode != 0 && align_mode != 1)
        return pdsi_fail(err, PDS_ERR_MODEL_FORMAT,
                         "attribute 'align_mode' is %lld, expected 0 or 1", (long long)align_mode);
    p->align_corners = align_corners;
    p->align_mode = (int32_t)align_mode;
    if (p->out_h > ATTR_MAX || p->out_w > ATTR_MAX)
        return pdsi_fail(err, PDS_ERR_MODEL_FORMAT,
                         "attributes 'out_h'/'out_w' are %lld/%lld, expected at most %d",
                         (long long)p->out_h, (long long)p->out_w, ATTR_MAX);

    /* Paddle reads data_layout with StringToDataLayout and treats anything but
     * NCHW as channel-last, AnyLayout included. */
    if (strcmp(layout, "NHWC") == 0 || strcmp(layout, "AnyLayout") == 0)
        return pdsi_fail(err, PDS_ERR_UNSUPPORTED_OP,
                         "attribute 'data_layout' is \"%s\", which Paddle runs channel-last: only "
                         "NCHW is supported",
                         layout);
    if (strcmp(layout, "NCHW") != 0)
        return pdsi_fail(err, PDS_ERR_MODEL_FORMAT,
                         "attribute 'data_layout' is \"%s\", expected NCHW", layout);

    p->scale_h = p->scale_w = -1.0;
    if (scalar_scale) {
        double s;
        if ((st = pdsi_attr_float(attrs, "scale", 0.0, &s, err)))
            return st;
        if (!isfinite(s))
            return pdsi_fail(err, PDS_ERR_MODEL_FORMAT,
                             "attribute 'scale' is %g, expected a finite number", s);
        if (s > 0)
            p->scale_h = p->scale_w = s;
        return PDS_OK;
    }
    double v[PDSI_MAX_ATTR_LIST];
    int n;
    if ((st = pdsi_attr_floats(attrs, "scale", v, PDSI_MAX_ATTR_LIST, &n, err)))
        return st;
    if (n == 0)
        return PDS_OK;
    /* Paddle refuses a one-entry list for 2-D input and reads the first two
     * entries of a longer one. */
    if (n < 2 || !(v[0] > 0 && v[1] > 0 && isfinite(v[0]) && isfinite(v[1])))
        return pdsi_fail(err, PDS_ERR_MODEL_FORMAT,
                         "attribute 'scale' has %d entries (first %g), expected none or 2 positive "
                         "numbers",
                         n, v[0]);
    p->scale_h = v[0];
    p->scale_w = v[1];
    return PDS_OK;
}

static pds_status parse_nearest_v2(const pdsi_attrs *attrs, void *params, pds_error *err)
{
    return parse_interp(attrs, params, "nearest", false, err);
}

static pds_status parse_bilinear_v2(const pdsi_attrs *attrs, void *params, pds_error *err)
{
    return parse_interp(attrs, params, "bilinear", false, err);
}

static pds_status parse_nearest_v1(const pdsi_attrs *attrs, void *params, pds_error *err)
{
    return parse_interp(attrs, params, "nearest", true, err);
}

static pds_status parse_bilinear_v1(const pdsi_attrs *attrs, void *params, pds_error *err)
{
    return parse_interp(attrs, params, "bilinear", true, err);
}

static pds_status infer_interp(const void *params, const pdsi_slot *in, const pdsi_slot *out,
                               pds_error *err)
{
    const pdsi_interp_params *p = params;
    const pdsi_tensor *x = pdsi_slot_get(&in[IN_X]);
    pdsi_interp_geom g;
    char b[160];
    pds_status st;
    if (!x)
        return pdsi_fail(err, PDS_ERR_MODEL_FORMAT, "input 'X' is missing");
    if (p->method == PDSI_INTERP_BILINEAR) {
        if ((st = pdsi_check_f32(x, "input 'X'", err)))
            return st;
    } else if (pds_dtype_size(x->dtype) == 0) {
        return pdsi_fail(err, PDS_ERR_DTYPE, "input 'X' has unknown dtype %d", (int)x->dtype);
    }
    if ((st = pdsi_interp_resolve(p, x, pdsi_slot_get(&in[IN_OUT_SIZE]), &in[IN_SIZE_TENSOR],
                                  pdsi_slot_get(&in[IN_SCALE]), &g, err)))
        return st;
    const int64_t dims[4] = {g.n, g.c, g.out_h, g.out_w};
    int64_t numel;
    if (!pdsi_shape_numel(dims, 4, &numel))
        return pdsi_fail(err, PDS_ERR_SHAPE, "output shape %s has too many elements",
                         pdsi_dims_str(dims, 4, b, sizeof b));
    pdsi_out_set(out, 0, x->dtype, 4, dims);
    return PDS_OK;
}

#define INTERP_OP(name, parse_fn)                                                             \
    {                                                                                         \
        .type = name,                                                                         \
        .in = {{"X", PDSI_SLOT_REQUIRED},                                                     \
               {"OutSize", PDSI_SLOT_OPTIONAL},                                               \
               {"SizeTensor", PDSI_SLOT_LIST | PDSI_SLOT_OPTIONAL},                           \
               {"Scale", PDSI_SLOT_OPTIONAL}},                                                \
        .out = {{"Out", PDSI_SLOT_REQUIRED}}, .params_size = sizeof(pdsi_interp_params),      \
        .parse = parse_fn, .infer = infer_interp, .run = pdsi_interp_ref,                     \
        .data_dependent_inputs = (1u << IN_OUT_SIZE) | (1u << IN_SIZE_TENSOR) | (1u << IN_SCALE), \
    }

static const pdsi_opdef nearest_interp_v2_def = INTERP_OP("nearest_interp_v2", parse_nearest_v2);
static const pdsi_opdef bilinear_interp_v2_def =
    INTERP_OP("bilinear_interp_v2", parse_bilinear_v2);
static const pdsi_opdef nearest_interp_def = INTERP_OP("nearest_interp", parse_nearest_v1);
static const pdsi_opdef bilinear_interp_def = INTERP_OP("bilinear_interp", parse_bilinear_v1);

/* ---- pad3d / pad2d ------------------------------------------------------ */

/* mode names: pad3d says replicate, pad2d says edge; only pad3d has circular. */
static pds_status parse_pad(const pdsi_attrs *attrs, pdsi_pad_params *p, int rank,
                            pds_error *err)
{
    const bool is3d = rank == 5;
    const int npads = is3d ? 6 : 4;
    const char *mode, *fmt;
    int64_t v[PDSI_MAX_ATTR_LIST];
    int n;
    pds_status st;
    if ((st = pdsi_attr_ints(attrs, "paddings", v, PDSI_MAX_ATTR_LIST, &n, err)) ||
        (st = pdsi_attr_string(attrs, "mode", "constant", &mode, err)) ||
        (st = pdsi_attr_float(attrs, is3d ? "value" : "pad_value", 0.0, &p->value, err)) ||
        (st = pdsi_attr_string(attrs, "data_format", is3d ? "NCDHW" : "NCHW", &fmt, err)))
        return st;
    p->rank = rank;

    if (strcmp(mode, "constant") == 0)
        p->mode = PDSI_PAD_CONSTANT;
    else if (strcmp(mode, "reflect") == 0)
        p->mode = PDSI_PAD_REFLECT;
    else if (strcmp(mode, is3d ? "replicate" : "edge") == 0)
        p->mode = PDSI_PAD_REPLICATE;
    else if (is3d && strcmp(mode, "circular") == 0)
        p->mode = PDSI_PAD_CIRCULAR;
    else
        return pdsi_fail(err, PDS_ERR_MODEL_FORMAT, "attribute 'mode' is \"%s\", expected %s", mode,
                         is3d ? "constant, reflect, replicate or circular"
                              : "constant, reflect or edge");

    /* Paddle's pad kernels run every format but the exact channel-first name
     * as channel-last. */
    const char *want = is3d ? "NCDHW" : "NCHW";
    if (strcmp(fmt, want) != 0)
        return pdsi_fail(err,
                         strcmp(fmt, is3d ? "NDHWC" : "NHWC") == 0 ? PDS_ERR_UNSUPPORTED_OP
                                                                    : PDS_ERR_MODEL_FORMAT,
                         "attribute 'data_format' is \"%s\": only %s is supported", fmt, want);

    /* Exports that pass a Paddings tensor may leave the attribute empty. */
    p->has_paddings = n > 0;
    if (n != 0 && n != npads)
        return pdsi_fail(err, PDS_ERR_MODEL_FORMAT,
                         "attribute 'paddings' has %d entries, expected %d %s", n, npads,
                         is3d ? "([left, right, top, bottom, front, back])"
                              : "([top, bottom, left, right])");
    for (int i = 0; i < n; i++)
        if (v[i] < 0 || v[i] > ATTR_MAX)
            return pdsi_fail(err, PDS_ERR_MODEL_FORMAT,
                             "attribute 'paddings' entry %d is %lld, expected 0 to %d (negative "
                             "padding is not supported)",
                             i, (long long)v[i], ATTR_MAX);
    if (n == 0) {
        /* left zero: resolve then requires the Paddings input */
    } else if (is3d) {
        memcpy(p->paddings, v, 6 * sizeof v[0]);
    } else {
        p->paddings[0] = v[2];
        p->paddings[1] = v[3];
        p->paddings[2] = v[0];
        p->paddings[3] = v[1];
        p->paddings[4] = p->paddings[5] = 0;
    }
    return PDS_OK;
}

static pds_status parse_pad3d(const pdsi_attrs *attrs, void *params, pds_error *err)
{
    return parse_pad(attrs, params, 5, err);
}

static pds_status parse_pad2d(const pdsi_attrs *attrs, void *params, pds_error *err)
{
    return parse_pad(attrs, params, 4, err);
}

static pds_status infer_pad(const void *params, const pdsi_slot *in, const pdsi_slot *out,
                            pds_error *err)
{
    const pdsi_pad_params *p = params;
    const pdsi_tensor *x = pdsi_slot_get(&in[0]);
    int64_t pads[6], dims[5];
    char b[160];
    pds_status st;
    if (!x)
        return pdsi_fail(err, PDS_ERR_MODEL_FORMAT, "input 'X' is missing");
    if (!pdsi_pad_dtype_ok(x->dtype))
        return pdsi_fail(err, PDS_ERR_DTYPE,
                         "input 'X' is %s, expected float32, float64, int32 or int64",
                         pds_dtype_name(x->dtype));
    if ((st = pdsi_pad_resolve(p, x, pdsi_slot_get(&in[1]), pads, dims, err)))
        return st;
    int64_t numel;
    if (!pdsi_shape_numel(dims, p->rank, &numel))
        return pdsi_fail(err, PDS_ERR_SHAPE, "output shape %s has too many elements",
                         pdsi_dims_str(dims, p->rank, b, sizeof b));
    pdsi_out_set(out, 0, x->dtype, p->rank, dims);
    return PDS_OK;
}

#define PAD_OP(name, parse_fn)                                                                \
    {                                                                                         \
        .type = name, .in = {{"X", PDSI_SLOT_REQUIRED}, {"Paddings", PDSI_SLOT_OPTIONAL}},    \
        .out = {{"Out", PDSI_SLOT_REQUIRED}}, .params_size = sizeof(pdsi_pad_params),         \
        .parse = parse_fn, .infer = infer_pad, .run = pdsi_pad_ref,                           \
        .data_dependent_inputs = 1u << 1,                                                     \
    }

static const pdsi_opdef pad3d_def = PAD_OP("pad3d", parse_pad3d);
static const pdsi_opdef pad2d_def = PAD_OP("pad2d", parse_pad2d);

const pdsi_opdef *const pdsi_ops_interp[] = {
    &nearest_interp_v2_def,
    &bilinear_interp_v2_def,
    &nearest_interp_def,
    &bilinear_interp_def,
    &pad3d_def,
    &pad2d_def,
    NULL,
};
