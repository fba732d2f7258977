/*
 * interp.c — parse and shape inference for the interp operator family:
 * nearest_interp_v2, bilinear_interp_v2 and their v1 names nearest_interp,
 * bilinear_interp (NCHW), linear_interp_v2 (one axis, NCW or NWC), plus the
 * spatial padding ops pad3d (NCDHW) and the legacy pad2d (NCHW).
 *
 * Paddle 3.x runs the v1 names on the v2 kernel; the only difference is that
 * their 'scale' attribute is one float (applied to both axes, <= 0 meaning
 * unset) instead of a list. The kernel follows interp_method, not the op name,
 * as Paddle's does. Output sizes can come from input tensors' values, so those
 * slots are data-dependent and resolved by the functions the kernels share.
 */
#include <math.h>
#include <stdint.h>
#include <string.h>

#include "ops/opdef.h"
#include "ops/interp.h"

#define FAMILY "interp"

/* ---- shape rules (ops/interp.h), shared with the kernels ---------------- */

#define DIM_MAX INT32_MAX

static pds_status read_int_scalar(const pdsi_tensor *t, const char *what, int idx,
                                  int64_t *v, pds_error *err)
{
    char b[160];
    int64_t numel = 1;
    for (int i = 0; i < t->rank; i++)
        numel *= t->dims[i];
    if (!pdsi_dtype_is_int(t->dtype) || t->dtype == PDS_BOOL)
        return pdsi_fail(err, PDS_ERR_DTYPE, "input '%s' tensor %d is %s, expected int32 or int64",
                         what, idx, pds_dtype_name(t->dtype));
    if (numel != 1 || t->rank > 1)
        return pdsi_fail(err, PDS_ERR_SHAPE,
                         "input '%s' tensor %d has shape %s, expected [1] or []", what, idx,
                         pdsi_dims_str(t->dims, t->rank, b, sizeof b));
    *v = pdsi_tensor_get_i64(t, 0);
    return PDS_OK;
}

/* The Scale input: float32 (or float64), shaped `want` ("[1]", "[1] or
 * [2]"): at most rank 1 and not empty; *numel its element count. */
static pds_status check_scale_input(const pdsi_tensor *scale, const char *want, int64_t *numel,
                                    pds_error *err)
{
    char b[160];
    *numel = 1;
    for (int i = 0; i < scale->rank; i++)
        *numel *= scale->dims[i];
    if (scale->dtype != PDS_FLOAT32 && scale->dtype != PDS_FLOAT64)
        return pdsi_fail(err, PDS_ERR_DTYPE, "input 'Scale' is %s, expected float32",
                         pds_dtype_name(scale->dtype));
    if (*numel < 1 || scale->rank > 1)
        return pdsi_fail(err, PDS_ERR_SHAPE, "input 'Scale' has shape %s, expected %s",
                         pdsi_dims_str(scale->dims, scale->rank, b, sizeof b), want);
    return PDS_OK;
}

/* Paddle's AreaPixelComputeScale. Every ratio it yields for a consistent size
 * is at most `in`; only a scale that disagrees with an OutSize can exceed it
 * (Paddle then reads out of bounds), so capping there changes nothing else and
 * keeps every index computed from the ratio far inside int64 and float. */
static float area_ratio(int64_t in, int64_t out, bool align_corners, double scale)
{
    float r;
    if (out <= 1)
        return 0.0f;
    if (align_corners)
        r = (float)(in - 1) / (float)(out - 1);
    else if (scale > 0)
        r = 1.0 / scale < (double)in ? (float)(1.0 / scale) : (float)in;
    else
        r = (float)in / (float)out;
    return r < (float)in ? r : (float)in;
}

pds_status pdsi_interp_resolve(const pdsi_interp_params *p, const pdsi_tensor *x,
                               const pdsi_tensor *out_size, const pdsi_slot *size_list,
                               const pdsi_tensor *scale, pdsi_interp_geom *g, pds_error *err)
{
    char b[160];
    pds_status st;
    if (x->rank != 4)
        return pdsi_fail(err, PDS_ERR_SHAPE,
                         "input 'X' has rank %d %s, expected rank 4 [N, C, H, W]", x->rank,
                         pdsi_dims_str(x->dims, x->rank, b, sizeof b));
    for (int i = 0; i < 4; i++)
        if (x->dims[i] < (i < 2 ? 0 : 1) || x->dims[i] > DIM_MAX)
            return pdsi_fail(err, PDS_ERR_SHAPE,
                             "input 'X' has shape %s, expected height and width in [1, %d]",
                             pdsi_dims_str(x->dims, x->rank, b, sizeof b), DIM_MAX);
    memset(g, 0, sizeof *g);
    g->n = x->dims[0];
    g->c = x->dims[1];
    g->in_h = x->dims[2];
    g->in_w = x->dims[3];

    int64_t oh = p->out_h, ow = p->out_w;
    double sh = -1.0, sw = -1.0;
    const char *source = "attributes 'out_h'/'out_w'";
    if (size_list && size_list->n > 0) {
        if (size_list->n != 2)
            return pdsi_fail(err, PDS_ERR_SHAPE,
                             "input 'SizeTensor' holds %d tensors, expected 2 (height, width)",
                             size_list->n);
        if ((st = read_int_scalar(size_list->t[0], "SizeTensor", 0, &oh, err)) ||
            (st = read_int_scalar(size_list->t[1], "SizeTensor", 1, &ow, err)))
            return st;
        source = "input 'SizeTensor'";
    } else {
        if (scale) {
            int64_t numel;
            if ((st = check_scale_input(scale, "[1] or [2]", &numel, err)))
                return st;
            sh = pdsi_tensor_get_f64(scale, 0);
            sw = numel > 1 ? pdsi_tensor_get_f64(scale, 1) : sh;
            if (!(sh > 0 && sh < INFINITY && sw > 0 && sw < INFINITY))
                return pdsi_fail(err, PDS_ERR_SHAPE,
                                 "input 'Scale' holds %g x %g, expected positive scales", sh, sw);
            source = "input 'Scale'";
        } else if (p->scale_h > 0 && p->scale_w > 0) {
            sh = p->scale_h;
            sw = p->scale_w;
            source = "attribute 'scale'";
        }
        if (sh > 0) {
            double h = (double)g->in_h * sh, w = (double)g->in_w * sw;
            if (!(h < (double)DIM_MAX + 1.0 && w < (double)DIM_MAX + 1.0))
                return pdsi_fail(err, PDS_ERR_SHAPE, "%s %g x %g makes an output over %d wide",
                                 source, sh, sw, DIM_MAX);
            oh = (int64_t)h;
            ow = (int64_t)w;
        }
        if (out_size) {
            int64_t numel = 1;
            for (int i = 0; i < out_size->rank; i++)
                numel *= out_size->dims[i];
            if (!pdsi_dtype_is_int(out_size->dtype) || out_size->dtype == PDS_BOOL)
                return pdsi_fail(err, PDS_ERR_DTYPE, "input 'OutSize' is %s, expected int32",
                                 pds_dtype_name(out_size->dtype));
            if (out_size->rank != 1 || numel != 2)
                return pdsi_fail(err, PDS_ERR_SHAPE,
                                 "input 'OutSize' has shape %s, expected [2] (height, width)",
                                 pdsi_dims_str(out_size->dims, out_size->rank, b, sizeof b));
            oh = pdsi_tensor_get_i64(out_size, 0);
            ow = pdsi_tensor_get_i64(out_size, 1);
            source = "input 'OutSize'";
        }
    }
    if (oh < 1 || ow < 1 || oh > DIM_MAX || ow > DIM_MAX)
        return pdsi_fail(err, PDS_ERR_SHAPE,
                         "output size %lld x %lld (from %s, input %lld x %lld) is not in [1, %d]",
                         (long long)oh, (long long)ow, source, (long long)g->in_h,
                         (long long)g->in_w, DIM_MAX);
    g->out_h = oh;
    g->out_w = ow;
    g->copy = oh == g->in_h && ow == g->in_w;
    g->ratio_h = area_ratio(g->in_h, oh, p->align_corners, sh);
    g->ratio_w = area_ratio(g->in_w, ow, p->align_corners, sw);
    return PDS_OK;
}

/* Paddle's 1-D ratio: AreaPixelComputeScale in double, then float. Unlike
 * the 2-D kernel's, it is not zeroed for a single output column (Paddle 3.3
 * samples the middle of the row then, in half-pixel mode). Capped at `in` as
 * area_ratio is. */
static float linear_ratio(int64_t in, int64_t out, bool align_corners, double scale)
{
    double r;
    if (align_corners)
        r = out > 1 ? (double)(in - 1) / (double)(out - 1) : 0.0;
    else if (scale > 0)
        r = 1.0 / scale;
    else
        r = (double)in / (double)out;
    return r < (double)in ? (float)r : (float)in;
}

pds_status pdsi_interp1d_resolve(const pdsi_interp_params *p, const pdsi_tensor *x,
                                 const pdsi_tensor *out_size, const pdsi_slot *size_list,
                                 const pdsi_tensor *scale, pdsi_interp_geom *g, pds_error *err)
{
    char b[160];
    pds_status st;
    const char *layout = p->channel_last ? "[N, W, C]" : "[N, C, W]";
    const int wa = p->channel_last ? 1 : 2, ca = p->channel_last ? 2 : 1;
    if (x->rank != 3)
        return pdsi_fail(err, PDS_ERR_SHAPE, "input 'X' has rank %d %s, expected rank 3 %s",
                         x->rank, pdsi_dims_str(x->dims, x->rank, b, sizeof b), layout);
    for (int i = 0; i < 3; i++)
        if (x->dims[i] < (i == wa ? 1 : 0) || x->dims[i] > DIM_MAX)
            return pdsi_fail(err, PDS_ERR_SHAPE,
                             "input 'X' has shape %s %s, expected a width in [1, %d]",
                             pdsi_dims_str(x->dims, x->rank, b, sizeof b), layout, DIM_MAX);
    memset(g, 0, sizeof *g);
    g->n = x->dims[0];
    g->c = x->dims[ca];
    g->in_w = x->dims[wa];
    g->in_h = g->out_h = 1;

    int64_t ow = p->out_w;
    double sw = -1.0;
    const char *source = "attribute 'out_w'";
    if (size_list && size_list->n > 0) {
        if (size_list->n != 1)
            return pdsi_fail(err, PDS_ERR_SHAPE,
                             "input 'SizeTensor' holds %d tensors, expected 1 (the width)",
                             size_list->n);
        if ((st = read_int_scalar(size_list->t[0], "SizeTensor", 0, &ow, err)))
            return st;
        source = "input 'SizeTensor'";
    } else {
        if (scale) {
            int64_t numel;
            if ((st = check_scale_input(scale, "[1]", &numel, err)))
                return st;
            sw = (float)pdsi_tensor_get_f64(scale, 0); /* Paddle reads it as float */
            if (!(sw > 0 && sw < INFINITY))
                return pdsi_fail(err, PDS_ERR_SHAPE,
                                 "input 'Scale' holds %g, expected a positive scale", sw);
            source = "input 'Scale'";
        } else if (p->scale_w > 0) {
            sw = p->scale_w;
            source = "attribute 'scale'";
        }
        if (sw > 0) {
            /* Paddle: static_cast<int>(in_w * scale_w), in double */
            double w = (double)g->in_w * sw;
            if (!(w < (double)DIM_MAX + 1.0))
                return pdsi_fail(err, PDS_ERR_SHAPE, "%s %g makes an output over %d wide",
                                 source, sw, DIM_MAX);
            ow = (int64_t)w;
        }
        if (out_size) {
            if (!pdsi_dtype_is_int(out_size->dtype) || out_size->dtype == PDS_BOOL)
                return pdsi_fail(err, PDS_ERR_DTYPE, "input 'OutSize' is %s, expected int32",
                                 pds_dtype_name(out_size->dtype));
            if (out_size->rank != 1 || out_size->dims[0] != 1)
                return pdsi_fail(err, PDS_ERR_SHAPE,
                                 "input 'OutSize' has shape %s, expected [1] (the width)",
                                 pdsi_dims_str(out_size->dims, out_size->rank, b, sizeof b));
            ow = pdsi_tensor_get_i64(out_size, 0);
            source = "input 'OutSize'";
        }
    }
    if (ow < 1 || ow > DIM_MAX)
        return pdsi_fail(err, PDS_ERR_SHAPE,
                         "output width %lld (from %s, input width %lld) is not in [1, %d]",
                         (long long)ow, source, (long long)g->in_w, DIM_MAX);
    g->out_w = ow;
    g->copy = ow == g->in_w;
    g->ratio_w = linear_ratio(g->in_w, ow, p->align_corners, sw);
    return PDS_OK;
}

bool pdsi_pad_dtype_ok(pds_dtype dtype)
{
    return dtype == PDS_FLOAT32 || dtype == PDS_FLOAT64 || dtype == PDS_INT32 ||
           dtype == PDS_INT64;
}

static const char *const pad_side[6] = {"left", "right", "top", "bottom", "front", "back"};

pds_status pdsi_pad_resolve(const pdsi_pad_params *p, const pdsi_tensor *x,
                            const pdsi_tensor *paddings, int64_t pads[6], int64_t *out_dims,
                            pds_error *err)
{
    char b[160];
    const int rank = p->rank;
    const char *layout = rank == 5 ? "[N, C, D, H, W]" : "[N, C, H, W]";
    if (x->rank != rank)
        return pdsi_fail(err, PDS_ERR_SHAPE, "input 'X' has rank %d %s, expected rank %d %s",
                         x->rank, pdsi_dims_str(x->dims, x->rank, b, sizeof b), rank, layout);
    for (int i = 0; i < rank; i++)
        if (x->dims[i] < 0 || x->dims[i] > DIM_MAX)
            return pdsi_fail(err, PDS_ERR_SHAPE, "input 'X' has shape %s, expected dims in [0, %d]",
                             pdsi_dims_str(x->dims, x->rank, b, sizeof b), DIM_MAX);

    memcpy(pads, p->paddings, 6 * sizeof pads[0]);
    if (!paddings && !p->has_paddings)
        return pdsi_fail(err, PDS_ERR_MODEL_FORMAT,
                         "neither attribute 'paddings' nor input 'Paddings' gives the padding");
    if (paddings) {
        const int want = rank == 5 ? 6 : 4;
        int64_t numel = 1;
        for (int i = 0; i < paddings->rank; i++)
            numel *= paddings->dims[i];
        if (!pdsi_dtype_is_int(paddings->dtype) || paddings->dtype == PDS_BOOL)
            return pdsi_fail(err, PDS_ERR_DTYPE, "input 'Paddings' is %s, expected int32",
                             pds_dtype_name(paddings->dtype));
        if (paddings->rank != 1 || numel != want)
            return pdsi_fail(err, PDS_ERR_SHAPE, "input 'Paddings' has shape %s, expected [%d]",
                             pdsi_dims_str(paddings->dims, paddings->rank, b, sizeof b), want);
        int64_t v[6] = {0};
        for (int i = 0; i < want; i++) {
            v[i] = pdsi_tensor_get_i64(paddings, i);
            if (v[i] < 0 || v[i] > DIM_MAX)
                return pdsi_fail(err, PDS_ERR_SHAPE,
                                 "input 'Paddings' entry %d is %lld, expected 0 to %d", i,
                                 (long long)v[i], DIM_MAX);
        }
        if (rank == 5) {
            memcpy(pads, v, sizeof v);
        } else { /* pad2d: top, bottom, left, right */
            pads[0] = v[2];
            pads[1] = v[3];
            pads[2] = v[0];
            pads[3] = v[1];
            pads[4] = pads[5] = 0;
        }
    }

    /* Spatial axes, outermost first, and the pads entries that widen them. */
    const int64_t d = rank == 5 ? x->dims[2] : 1, h = x->dims[rank - 2], w = x->dims[rank - 1];
    const int64_t size[3] = {d, h, w};
    const int lead[3] = {4, 2, 0};
    if ((p->mode == PDSI_PAD_REPLICATE || p->mode == PDSI_PAD_CIRCULAR) &&
        (d == 0 || h == 0 || w == 0))
        return pdsi_fail(err, PDS_ERR_SHAPE,
                         "input 'X' has shape %s: %s padding needs a non-empty input",
                         pdsi_dims_str(x->dims, x->rank, b, sizeof b),
                         p->mode == PDSI_PAD_REPLICATE ? "replicate" : "circular");
    for (int a = 0; a < 3 && p->mode == PDSI_PAD_REFLECT; a++) {
        int64_t lo = pads[lead[a]], hi = pads[lead[a] + 1];
        if (lo >= size[a] || hi >= size[a])
            return pdsi_fail(err, PDS_ERR_SHAPE,
                             "reflect padding %lld (%s) and %lld (%s) must be less than the input "
                             "size %lld along that axis",
                             (long long)lo, pad_side[lead[a]], (long long)hi,
                             pad_side[lead[a] + 1], (long long)size[a]);
    }
    out_dims[0] = x->dims[0];
    out_dims[1] = x->dims[1];
    if (rank == 5)
        out_dims[2] = d + pads[4] + pads[5];
    out_dims[rank - 2] = h + pads[2] + pads[3];
    out_dims[rank - 1] = w + pads[0] + pads[1];
    return PDS_OK;
}


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

#define INTERP_OP(ID, name, parse_fn)                                                         \
    {                                                                                         \
        .id = PDSI_OP_##ID, .type = name, .family = FAMILY,                                   \
        .in = {{"X", PDSI_SLOT_REQUIRED},                                                     \
               {"OutSize", PDSI_SLOT_OPTIONAL},                                               \
               {"SizeTensor", PDSI_SLOT_LIST | PDSI_SLOT_OPTIONAL},                           \
               {"Scale", PDSI_SLOT_OPTIONAL}},                                                \
        .out = {{"Out", PDSI_SLOT_REQUIRED}}, .params_size = sizeof(pdsi_interp_params),      \
        .parse = parse_fn, .infer = infer_interp,                                             \
        .data_dependent_inputs = (1u << IN_OUT_SIZE) | (1u << IN_SIZE_TENSOR) | (1u << IN_SCALE), \
    }

static const pdsi_opdef nearest_interp_v2_def =
    INTERP_OP(NEAREST_INTERP_V2, "nearest_interp_v2", parse_nearest_v2);
static const pdsi_opdef bilinear_interp_v2_def =
    INTERP_OP(BILINEAR_INTERP_V2, "bilinear_interp_v2", parse_bilinear_v2);
static const pdsi_opdef nearest_interp_def =
    INTERP_OP(NEAREST_INTERP, "nearest_interp", parse_nearest_v1);
static const pdsi_opdef bilinear_interp_def =
    INTERP_OP(BILINEAR_INTERP, "bilinear_interp", parse_bilinear_v1);

/* ---- linear_interp_v2 ---------------------------------------------------- */

/* Paddle's 1-D kernel computes only "linear" (any other method leaves the
 * output unwritten). data_layout: NCHW means X is [N, C, W]; Paddle runs
 * every other layout channel-last ([N, W, C]): NHWC, which the Python API
 * writes for NWC, and AnyLayout alike. */
static pds_status parse_linear_v2(const pdsi_attrs *attrs, void *params, pds_error *err)
{
    pdsi_interp_params *p = params;
    const char *method, *layout;
    bool align_corners;
    int64_t align_mode;
    double v[PDSI_MAX_ATTR_LIST];
    int n;
    pds_status st;
    if ((st = pdsi_attr_string(attrs, "interp_method", "linear", &method, err)) ||
        (st = pdsi_attr_bool(attrs, "align_corners", true, &align_corners, err)) ||
        (st = pdsi_attr_int(attrs, "align_mode", 1, &align_mode, err)) ||
        (st = pdsi_attr_int(attrs, "out_w", -1, &p->out_w, err)) ||
        (st = pdsi_attr_string(attrs, "data_layout", "NCHW", &layout, err)) ||
        (st = pdsi_attr_floats(attrs, "scale", v, PDSI_MAX_ATTR_LIST, &n, err)))
        return st;
    if (strcmp(method, "linear") != 0)
        return pdsi_fail(err, PDS_ERR_UNSUPPORTED_OP,
                         "attribute 'interp_method' is \"%s\": linear_interp_v2 computes only "
                         "linear",
                         method);
    if (align_mode != 0 && align_mode != 1)
        return pdsi_fail(err, PDS_ERR_MODEL_FORMAT,
                         "attribute 'align_mode' is %lld, expected 0 or 1", (long long)align_mode);
    if (p->out_w > ATTR_MAX)
        return pdsi_fail(err, PDS_ERR_MODEL_FORMAT,
                         "attribute 'out_w' is %lld, expected at most %d", (long long)p->out_w,
                         ATTR_MAX);
    if (strcmp(layout, "NCHW") == 0)
        p->channel_last = 0;
    else if (strcmp(layout, "NHWC") == 0 || strcmp(layout, "AnyLayout") == 0)
        p->channel_last = 1;
    else
        return pdsi_fail(err, PDS_ERR_MODEL_FORMAT,
                         "attribute 'data_layout' is \"%s\", expected NCHW ([N, C, W]) or NHWC "
                         "([N, W, C])",
                         layout);
    p->method = PDSI_INTERP_LINEAR;
    p->align_corners = align_corners;
    p->align_mode = (int32_t)align_mode;
    p->out_h = -1;
    p->scale_h = p->scale_w = -1.0;
    /* Paddle reads the first entry of a non-empty list and wants it positive. */
    if (n > 0) {
        if (!(v[0] > 0 && isfinite(v[0])))
            return pdsi_fail(err, PDS_ERR_MODEL_FORMAT,
                             "attribute 'scale' starts with %g, expected a positive number", v[0]);
        p->scale_w = v[0];
    }
    return PDS_OK;
}

static pds_status infer_linear(const void *params, const pdsi_slot *in, const pdsi_slot *out,
                               pds_error *err)
{
    const pdsi_interp_params *p = params;
    const pdsi_tensor *x = pdsi_slot_get(&in[IN_X]);
    pdsi_interp_geom g;
    pds_status st;
    if (!x)
        return pdsi_fail(err, PDS_ERR_MODEL_FORMAT, "input 'X' is missing");
    if ((st = pdsi_check_f32(x, "input 'X'", err)) ||
        (st = pdsi_interp1d_resolve(p, x, pdsi_slot_get(&in[IN_OUT_SIZE]), &in[IN_SIZE_TENSOR],
                                    pdsi_slot_get(&in[IN_SCALE]), &g, err)))
        return st;
    const int64_t dims[3] = {g.n, p->channel_last ? g.out_w : g.c,
                             p->channel_last ? g.c : g.out_w};
    char b[160];
    int64_t numel;
    if (!pdsi_shape_numel(dims, 3, &numel))
        return pdsi_fail(err, PDS_ERR_SHAPE, "output shape %s has too many elements",
                         pdsi_dims_str(dims, 3, b, sizeof b));
    pdsi_out_set(out, 0, x->dtype, 3, dims);
    return PDS_OK;
}

static const pdsi_opdef linear_interp_v2_def = {
    .id = PDSI_OP_LINEAR_INTERP_V2,
    .type = "linear_interp_v2",
    .family = FAMILY,
    .in = {{"X", PDSI_SLOT_REQUIRED},
           {"OutSize", PDSI_SLOT_OPTIONAL},
           {"SizeTensor", PDSI_SLOT_LIST | PDSI_SLOT_OPTIONAL},
           {"Scale", PDSI_SLOT_OPTIONAL}},
    .out = {{"Out", PDSI_SLOT_REQUIRED}},
    .params_size = sizeof(pdsi_interp_params),
    .parse = parse_linear_v2,
    .infer = infer_linear,
    .data_dependent_inputs = (1u << IN_OUT_SIZE) | (1u << IN_SIZE_TENSOR) | (1u << IN_SCALE),
};

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

#define PAD_OP(ID, name, parse_fn)                                                            \
    {                                                                                         \
        .id = PDSI_OP_##ID, .type = name, .family = FAMILY,                                   \
        .in = {{"X", PDSI_SLOT_REQUIRED}, {"Paddings", PDSI_SLOT_OPTIONAL}},                  \
        .out = {{"Out", PDSI_SLOT_REQUIRED}}, .params_size = sizeof(pdsi_pad_params),         \
        .parse = parse_fn, .infer = infer_pad,                                                \
        .data_dependent_inputs = 1u << 1,                                                     \
    }

static const pdsi_opdef pad3d_def = PAD_OP(PAD3D, "pad3d", parse_pad3d);
static const pdsi_opdef pad2d_def = PAD_OP(PAD2D, "pad2d", parse_pad2d);

/* ---- pixel_shuffle ---------------------------------------------------------- */

static pds_status parse_pixel_shuffle(const pdsi_attrs *attrs, void *params, pds_error *err)
{
    pdsi_pixel_shuffle_params *p = params;
    const char *fmt;
    pds_status st;
    if ((st = pdsi_attr_int(attrs, "upscale_factor", 1, &p->r, err)) ||
        (st = pdsi_attr_string(attrs, "data_format", "NCHW", &fmt, err)))
        return st;
    if (p->r < 1 || p->r > 65536)
        return pdsi_fail(err, PDS_ERR_MODEL_FORMAT, "attribute 'upscale_factor' is %lld, "
                         "expected 1 to 65536", (long long)p->r);
    if (strcmp(fmt, "NCHW") != 0 && strcmp(fmt, "NHWC") != 0)
        return pdsi_fail(err, PDS_ERR_MODEL_FORMAT, "attribute 'data_format' is \"%s\", "
                         "expected \"NCHW\" or \"NHWC\"", fmt);
    p->nhwc = strcmp(fmt, "NHWC") == 0;
    return PDS_OK;
}

static pds_status infer_pixel_shuffle(const void *params, const pdsi_slot *in,
                                      const pdsi_slot *out, pds_error *err)
{
    const pdsi_pixel_shuffle_params *p = params;
    const pdsi_tensor *x = pdsi_slot_get(&in[0]);
    char b[160];
    if (!x)
        return pdsi_fail(err, PDS_ERR_INTERNAL, "pixel_shuffle: input 'X' is missing");
    if (x->rank != 4 || pds_dtype_size(x->dtype) == 0)
        return pdsi_fail(err, PDS_ERR_SHAPE, "pixel_shuffle: X is %s %s, expected a 4-D tensor",
                         pds_dtype_name(x->dtype), pdsi_dims_str(x->dims, x->rank, b, sizeof b));
    const int ca = p->nhwc ? 3 : 1, ha = p->nhwc ? 1 : 2, wa = p->nhwc ? 2 : 3;
    const int64_t rr = p->r * p->r;
    if (x->dims[ca] % rr != 0)
        return pdsi_fail(err, PDS_ERR_SHAPE, "pixel_shuffle: X %s has %lld channels, expected a "
                         "multiple of upscale_factor^2 = %lld",
                         pdsi_dims_str(x->dims, x->rank, b, sizeof b), (long long)x->dims[ca],
                         (long long)rr);
    int64_t d[4] = {x->dims[0], x->dims[1], x->dims[2], x->dims[3]};
    d[ca] /= rr;
    if (d[ha] > INT64_MAX / p->r || d[wa] > INT64_MAX / p->r)
        return pdsi_fail(err, PDS_ERR_SHAPE, "pixel_shuffle: output of X %s overflows",
                         pdsi_dims_str(x->dims, x->rank, b, sizeof b));
    d[ha] *= p->r;
    d[wa] *= p->r;
    pdsi_out_set(out, 0, x->dtype, 4, d);
    return PDS_OK;
}

static const pdsi_opdef pixel_shuffle_def = {
    .id = PDSI_OP_PIXEL_SHUFFLE,
    .type = "pixel_shuffle",
    .family = FAMILY,
    .in = {{"X", PDSI_SLOT_REQUIRED}},
    .out = {{"Out", PDSI_SLOT_REQUIRED}},
    .params_size = sizeof(pdsi_pixel_shuffle_params),
    .parse = parse_pixel_shuffle,
    .infer = infer_pixel_shuffle,
};

/* ---- grid_sampler ---------------------------------------------------------- */

static pds_status parse_grid_sample(const pdsi_attrs *attrs, void *params, pds_error *err)
{
    pdsi_grid_sample_params *p = params;
    const char *mode, *pad;
    pds_status st;
    if ((st = pdsi_attr_string(attrs, "mode", "bilinear", &mode, err)) ||
        (st = pdsi_attr_string(attrs, "padding_mode", "zeros", &pad, err)) ||
        (st = pdsi_attr_bool(attrs, "align_corners", true, &p->align_corners, err)))
        return st;
    if (strcmp(mode, "bilinear") != 0 && strcmp(mode, "nearest") != 0)
        return pdsi_fail(err, PDS_ERR_MODEL_FORMAT, "attribute 'mode' is \"%s\", expected "
                         "\"bilinear\" or \"nearest\"", mode);
    p->nearest = strcmp(mode, "nearest") == 0;
    if (strcmp(pad, "zeros") == 0)
        p->padding = PDSI_GS_ZEROS;
    else if (strcmp(pad, "border") == 0)
        p->padding = PDSI_GS_BORDER;
    else if (strcmp(pad, "reflection") == 0)
        p->padding = PDSI_GS_REFLECTION;
    else
        return pdsi_fail(err, PDS_ERR_MODEL_FORMAT, "attribute 'padding_mode' is \"%s\", "
                         "expected \"zeros\", \"border\" or \"reflection\"", pad);
    return PDS_OK;
}

static pds_status infer_grid_sample(const void *params, const pdsi_slot *in,
                                    const pdsi_slot *out, pds_error *err)
{
    const pdsi_tensor *x = pdsi_slot_get(&in[0]);
    const pdsi_tensor *g = pdsi_slot_get(&in[1]);
    char bx[160], bg[160];
    pds_status st;
    (void)params;
    if ((st = pdsi_check_f32(x, "input 'X'", err)) || (st = pdsi_check_f32(g, "input 'Grid'", err)))
        return st;
    pdsi_dims_str(x->dims, x->rank, bx, sizeof bx);
    pdsi_dims_str(g->dims, g->rank, bg, sizeof bg);
    if (x->rank != 4)
        return pdsi_fail(err, PDS_ERR_SHAPE, "grid_sampler: X %s is not 4-D [N, C, H, W] (the "
                         "5-D form is not supported)", bx);
    if (g->rank != 4 || g->dims[3] != 2 || g->dims[0] != x->dims[0])
        return pdsi_fail(err, PDS_ERR_SHAPE, "grid_sampler: Grid %s is not [N, Ho, Wo, 2] with "
                         "the N of X %s", bg, bx);
    const int64_t d[4] = {x->dims[0], x->dims[1], g->dims[1], g->dims[2]};
    int64_t numel;
    if (!pdsi_shape_numel(d, 4, &numel) || numel > INT64_MAX / 4)
        return pdsi_fail(err, PDS_ERR_SHAPE, "grid_sampler: output of X %s and Grid %s "
                         "overflows", bx, bg);
    pdsi_out_set(out, 0, PDS_FLOAT32, 4, d);
    return PDS_OK;
}

static const pdsi_opdef grid_sampler_def = {
    .id = PDSI_OP_GRID_SAMPLER,
    .type = "grid_sampler",
    .family = FAMILY,
    .in = {{"X", PDSI_SLOT_REQUIRED}, {"Grid", PDSI_SLOT_REQUIRED}},
    .out = {{"Output", PDSI_SLOT_REQUIRED}},
    .params_size = sizeof(pdsi_grid_sample_params),
    .parse = parse_grid_sample,
    .infer = infer_grid_sample,
};

const pdsi_opdef *const pdsi_ops_interp[] = {
    &nearest_interp_v2_def,
    &bilinear_interp_v2_def,
    &nearest_interp_def,
    &bilinear_interp_def,
    &pad3d_def,
    &pad2d_def,
    &pixel_shuffle_def,
    &grid_sampler_def,
    &linear_interp_v2_def,
};
PDSI_OPDEF_TABLE_CHECK(INTERP, interp);
