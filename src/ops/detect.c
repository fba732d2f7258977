/*
 * detect.c — parse and shape inference for the detect family: yolo_box and
 * prior_box (ops/detect.h). Slots and attributes are those of Paddle's
 * legacy operators; PIR's pd_op.yolo_box and pd_op.prior_box map onto them.
 */
#include <math.h>
#include <string.h>

#include "ops/detect.h"
#include "ops/opdef.h"

#define FAMILY "detect"

/* ---- yolo_box ---------------------------------------------------------------- */

static pds_status yolo_box_parse(const pdsi_attrs *attrs, void *params, pds_error *err)
{
    pdsi_yolo_box_params *p = params;
    double conf, scale, iou_factor;
    bool iou_aware;
    pds_status st;
    if ((st = pdsi_attr_ints(attrs, "anchors", p->anchors, PDSI_DETECT_MAX_LIST, &p->n_anchors,
                             err)) ||
        (st = pdsi_attr_int(attrs, "class_num", 1, &p->class_num, err)) ||
        (st = pdsi_attr_float(attrs, "conf_thresh", 0.01, &conf, err)) ||
        (st = pdsi_attr_int(attrs, "downsample_ratio", 32, &p->downsample_ratio, err)) ||
        (st = pdsi_attr_bool(attrs, "clip_bbox", true, &p->clip_bbox, err)) ||
        (st = pdsi_attr_float(attrs, "scale_x_y", 1.0, &scale, err)) ||
        (st = pdsi_attr_bool(attrs, "iou_aware", false, &iou_aware, err)) ||
        (st = pdsi_attr_float(attrs, "iou_aware_factor", 0.5, &iou_factor, err)))
        return st;
    if (p->n_anchors < 2 || p->n_anchors % 2 != 0)
        return pdsi_fail(err, PDS_ERR_MODEL_FORMAT, "attribute 'anchors' has %d entries, expected "
                         "a (width, height) pair per anchor", p->n_anchors);
    if (p->class_num < 1 || p->class_num > 1000000)
        return pdsi_fail(err, PDS_ERR_MODEL_FORMAT, "attribute 'class_num' is %lld, expected at "
                         "least 1", (long long)p->class_num);
    if (p->downsample_ratio < 1 || p->downsample_ratio > 65536)
        return pdsi_fail(err, PDS_ERR_MODEL_FORMAT, "attribute 'downsample_ratio' is %lld, "
                         "expected 1 to 65536", (long long)p->downsample_ratio);
    if (iou_aware)
        return pdsi_fail(err, PDS_ERR_UNSUPPORTED_OP, "attribute 'iou_aware' is true: pdsafe's "
                         "yolo_box supports the plain form only");
    if (!(scale > 0.0))
        return pdsi_fail(err, PDS_ERR_MODEL_FORMAT, "attribute 'scale_x_y' is %g, expected a "
                         "value > 0", scale);
    p->conf_thresh = (float)conf;
    p->scale_x_y = (float)scale;
    return PDS_OK;
}

static pds_status yolo_box_infer(const void *params, const pdsi_slot *in, const pdsi_slot *out,
                                 pds_error *err)
{
    const pdsi_yolo_box_params *p = params;
    const pdsi_tensor *x = pdsi_slot_get(&in[0]);
    const pdsi_tensor *sz = pdsi_slot_get(&in[1]);
    char bx[160], bs[160];
    pds_status st;
    if ((st = pdsi_check_f32(x, "input 'X'", err)))
        return st;
    if (!sz)
        return pdsi_fail(err, PDS_ERR_INTERNAL, "yolo_box: input 'ImgSize' is missing");
    pdsi_dims_str(x->dims, x->rank, bx, sizeof bx);
    pdsi_dims_str(sz->dims, sz->rank, bs, sizeof bs);
    const int64_t an = p->n_anchors / 2;
    if (x->rank != 4 || x->dims[1] != an * (5 + p->class_num))
        return pdsi_fail(err, PDS_ERR_SHAPE, "yolo_box: X %s is not [N, %lld, H, W] (%lld anchors "
                         "x (5 + %lld classes))", bx, (long long)(an * (5 + p->class_num)),
                         (long long)an, (long long)p->class_num);
    if (sz->dtype != PDS_INT32)
        return pdsi_fail(err, PDS_ERR_DTYPE, "yolo_box: input 'ImgSize' is %s, expected int32",
                         pds_dtype_name(sz->dtype));
    if (sz->rank != 2 || sz->dims[0] != x->dims[0] || sz->dims[1] != 2)
        return pdsi_fail(err, PDS_ERR_SHAPE, "yolo_box: ImgSize %s is not [N, 2] with the N of X "
                         "%s", bs, bx);
    const int64_t boxes = an * x->dims[2] * x->dims[3];
    const int64_t bd[3] = {x->dims[0], boxes, 4}, sd[3] = {x->dims[0], boxes, p->class_num};
    int64_t numel;
    if (!pdsi_shape_numel(sd, 3, &numel) || numel > INT64_MAX / 8)
        return pdsi_fail(err, PDS_ERR_SHAPE, "yolo_box: Scores of X %s overflow", bx);
    pdsi_out_set(out, 0, PDS_FLOAT32, 3, bd);
    pdsi_out_set(out, 1, PDS_FLOAT32, 3, sd);
    return PDS_OK;
}

static const pdsi_opdef op_yolo_box = {
    .id = PDSI_OP_YOLO_BOX,
    .type = "yolo_box",
    .family = FAMILY,
    .in = {{"X", PDSI_SLOT_REQUIRED}, {"ImgSize", PDSI_SLOT_REQUIRED}},
    .out = {{"Boxes", PDSI_SLOT_REQUIRED}, {"Scores", PDSI_SLOT_REQUIRED}},
    .params_size = sizeof(pdsi_yolo_box_params),
    .parse = yolo_box_parse,
    .infer = yolo_box_infer,
};

/* ---- prior_box --------------------------------------------------------------- */

int pdsi_prior_box_count(const pdsi_prior_box_params *p)
{
    return p->n_ar * p->n_min + p->n_max;
}

static pds_status float_list(const pdsi_attrs *attrs, const char *name, float *out, int cap,
                             int *n, pds_error *err)
{
    double buf[PDSI_DETECT_MAX_LIST];
    pds_status st = pdsi_attr_floats(attrs, name, buf, cap, n, err);
    for (int k = 0; !st && k < *n; k++)
        out[k] = (float)buf[k];
    return st;
}

static pds_status prior_box_parse(const pdsi_attrs *attrs, void *params, pds_error *err)
{
    pdsi_prior_box_params *p = params;
    float ars[PDSI_DETECT_MAX_LIST];
    int n_in_ar;
    double step_w, step_h, offset;
    bool flip;
    pds_status st;
    if ((st = float_list(attrs, "min_sizes", p->min_sizes, PDSI_DETECT_MAX_LIST, &p->n_min,
                         err)) ||
        (st = float_list(attrs, "max_sizes", p->max_sizes, PDSI_DETECT_MAX_LIST, &p->n_max,
                         err)) ||
        (st = float_list(attrs, "aspect_ratios", ars, PDSI_DETECT_MAX_LIST, &n_in_ar, err)) ||
        (st = float_list(attrs, "variances", p->variances, 4, &p->n_var, err)) ||
        (st = pdsi_attr_bool(attrs, "flip", false, &flip, err)) ||
        (st = pdsi_attr_bool(attrs, "clip", false, &p->clip, err)) ||
        (st = pdsi_attr_float(attrs, "step_w", 0.0, &step_w, err)) ||
        (st = pdsi_attr_float(attrs, "step_h", 0.0, &step_h, err)) ||
        (st = pdsi_attr_float(attrs, "offset", 0.5, &offset, err)) ||
        (st = pdsi_attr_bool(attrs, "min_max_aspect_ratios_order", false, &p->mm_order, err)))
        return st;
    if (p->n_min < 1)
        return pdsi_fail(err, PDS_ERR_MODEL_FORMAT, "attribute 'min_sizes' is empty, expected "
                         "at least one size");
    if (p->n_max != 0 && p->n_max != p->n_min)
        return pdsi_fail(err, PDS_ERR_MODEL_FORMAT, "attribute 'max_sizes' has %d entries, "
                         "expected none or one per min size (%d)", p->n_max, p->n_min);
    for (int k = 0; k < p->n_min; k++)
        if (!(p->min_sizes[k] > 0.0f) || (p->n_max && !(p->max_sizes[k] > p->min_sizes[k])))
            return pdsi_fail(err, PDS_ERR_MODEL_FORMAT, "min size %d (%g) must be > 0 and below "
                             "its max size", k, (double)p->min_sizes[k]);
    if (p->n_var != 4)
        return pdsi_fail(err, PDS_ERR_MODEL_FORMAT, "attribute 'variances' has %d entries, "
                         "expected 4", p->n_var);
    /* Paddle's ExpandAspectRatios: 1 first; a ratio within 1e-6 of one kept
     * is skipped; flip adds the inverse after each new ratio. */
    p->n_ar = 0;
    p->ars[p->n_ar++] = 1.0f;
    for (int k = 0; k < n_in_ar; k++) {
        float ar = ars[k];
        bool seen = false;
        for (int j = 0; j < p->n_ar && !seen; j++)
            seen = fabsf(ar - p->ars[j]) < 1e-6f;
        if (seen)
            continue;
        if (!(ar > 0.0f))
            return pdsi_fail(err, PDS_ERR_MODEL_FORMAT, "aspect ratio %g is not > 0", (double)ar);
        p->ars[p->n_ar++] = ar;
        if (flip)
            p->ars[p->n_ar++] = 1.0f / ar;
    }
    p->step_w = (float)step_w;
    p->step_h = (float)step_h;
    p->offset = (float)offset;
    return PDS_OK;
}

static pds_status prior_box_infer(const void *params, const pdsi_slot *in, const pdsi_slot *out,
                                  pds_error *err)
{
    const pdsi_prior_box_params *p = params;
    const pdsi_tensor *x = pdsi_slot_get(&in[0]);
    const pdsi_tensor *img = pdsi_slot_get(&in[1]);
    char bx[160], bi[160];
    if (!x || !img)
        return pdsi_fail(err, PDS_ERR_INTERNAL, "prior_box: input '%s' is missing",
                         x ? "Image" : "Input");
    pdsi_dims_str(x->dims, x->rank, bx, sizeof bx);
    pdsi_dims_str(img->dims, img->rank, bi, sizeof bi);
    if (x->rank != 4 || img->rank != 4)
        return pdsi_fail(err, PDS_ERR_SHAPE, "prior_box: Input %s and Image %s must be 4-D "
                         "(NCHW)", bx, bi);
    if (img->dims[2] < 1 || img->dims[3] < 1)
        return pdsi_fail(err, PDS_ERR_SHAPE, "prior_box: Image %s has an empty side", bi);
    const int64_t d[4] = {x->dims[2], x->dims[3], pdsi_prior_box_count(p), 4};
    int64_t numel;
    if (!pdsi_shape_numel(d, 4, &numel) || numel > INT64_MAX / 8)
        return pdsi_fail(err, PDS_ERR_SHAPE, "prior_box: the boxes of Input %s overflow", bx);
    pdsi_out_set(out, 0, PDS_FLOAT32, 4, d);
    pdsi_out_set(out, 1, PDS_FLOAT32, 4, d);
    return PDS_OK;
}

static const pdsi_opdef op_prior_box = {
    .id = PDSI_OP_PRIOR_BOX,
    .type = "prior_box",
    .family = FAMILY,
    .in = {{"Input", PDSI_SLOT_REQUIRED}, {"Image", PDSI_SLOT_REQUIRED}},
    .out = {{"Boxes", PDSI_SLOT_REQUIRED}, {"Variances", PDSI_SLOT_OPTIONAL}},
    .params_size = sizeof(pdsi_prior_box_params),
    .parse = prior_box_parse,
    .infer = prior_box_infer,
};

const pdsi_opdef *const pdsi_ops_detect[] = {
    &op_yolo_box,
    &op_prior_box,
};
PDSI_OPDEF_TABLE_CHECK(DETECT, detect);
