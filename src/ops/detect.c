/*
 * detect.c — parse and shape inference for the detect family: yolo_box,
 * prior_box, multiclass_nms3 and matrix_nms (ops/detect.h), and the
 * suppressions themselves, which each one's shape inference and kernel
 * share. Slots and
 * attributes are those of Paddle's legacy operators; PIR's pd_op.yolo_box,
 * pd_op.prior_box, pd_op.multiclass_nms3 and pd_op.matrix_nms map onto them.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/heap.h"
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
                         "x (5 + %lld classes))", bx, (long long)an * (5 + (long long)p->class_num),
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

/* ---- multiclass_nms3 --------------------------------------------------------- */

static pds_status nms_parse(const pdsi_attrs *attrs, void *params, pds_error *err)
{
    pdsi_nms_params *p = params;
    double score, nms, eta;
    pds_status st;
    if ((st = pdsi_attr_float(attrs, "score_threshold", 0.0, &score, err)) ||
        (st = pdsi_attr_int(attrs, "nms_top_k", -1, &p->nms_top_k, err)) ||
        (st = pdsi_attr_int(attrs, "keep_top_k", -1, &p->keep_top_k, err)) ||
        (st = pdsi_attr_float(attrs, "nms_threshold", 0.3, &nms, err)) ||
        (st = pdsi_attr_float(attrs, "nms_eta", 1.0, &eta, err)) ||
        (st = pdsi_attr_bool(attrs, "normalized", true, &p->normalized, err)) ||
        (st = pdsi_attr_int(attrs, "background_label", 0, &p->background_label, err)))
        return st;
    if (p->nms_top_k < -1 || p->keep_top_k < -1)
        return pdsi_fail(err, PDS_ERR_MODEL_FORMAT, "attributes 'nms_top_k' (%lld) and "
                         "'keep_top_k' (%lld) must be -1 (no limit) or >= 0",
                         (long long)p->nms_top_k, (long long)p->keep_top_k);
    p->score_threshold = (float)score;
    p->nms_threshold = (float)nms;
    p->nms_eta = (float)eta;
    return PDS_OK;
}

/* The checked layout of multiclass_nms3's inputs. */
typedef struct nms_geom {
    bool two_d;          /* Scores [M, C], BBoxes [M, C, 4], images by RoisNum */
    int64_t n_img;       /* images: N, or the length of RoisNum */
    int64_t m, c;        /* boxes per image (3-D) or rows in all (2-D); classes */
    const float *boxes, *scores;
    const pdsi_tensor *rois;
} nms_geom;

static int64_t rois_at(const pdsi_tensor *r, int64_t i)
{
    return r->dtype == PDS_INT32 ? (int64_t)((const int32_t *)r->data)[i]
                                 : ((const int64_t *)r->data)[i];
}

/* Checks the inputs' dtypes and shapes; with_data (the kernel), also that
 * their values are there and RoisNum's counts fit the rows. */
static pds_status nms_check(const pdsi_slot *in, bool with_data, nms_geom *g, pds_error *err)
{
    const pdsi_tensor *b = pdsi_slot_get(&in[0]);
    const pdsi_tensor *s = pdsi_slot_get(&in[1]);
    const pdsi_tensor *r = in[2].n > 0 ? pdsi_slot_get(&in[2]) : NULL;
    char bb[160], bs[160];
    pds_status st;
    if ((st = pdsi_check_f32(b, "input 'BBoxes'", err)) ||
        (st = pdsi_check_f32(s, "input 'Scores'", err)))
        return st;
    pdsi_dims_str(b->dims, b->rank, bb, sizeof bb);
    pdsi_dims_str(s->dims, s->rank, bs, sizeof bs);
    memset(g, 0, sizeof *g);
    g->two_d = s->rank == 2;
    if (b->rank != 3 || (s->rank != 2 && s->rank != 3))
        return pdsi_fail(err, PDS_ERR_SHAPE, "multiclass_nms3: BBoxes %s and Scores %s are neither "
                         "[N, M, 4] and [N, C, M] nor [M, C, 4] and [M, C]", bb, bs);
    const int64_t box = b->dims[2];
    if (box == 8 || box == 16 || box == 24 || box == 32)
        return pdsi_fail(err, PDS_ERR_UNSUPPORTED_OP, "multiclass_nms3: BBoxes %s holds %lld-value "
                         "polygon boxes: pdsafe supports 4-value boxes (x1, y1, x2, y2) only",
                         bb, (long long)box);
    if (g->two_d) {
        g->m = s->dims[0];
        g->c = s->dims[1];
        if (b->dims[0] != g->m || b->dims[1] != g->c || box != 4)
            return pdsi_fail(err, PDS_ERR_SHAPE, "multiclass_nms3: BBoxes %s is not [M, C, 4] "
                             "with the M and C of Scores %s", bb, bs);
        if (!r)
            return pdsi_fail(err, PDS_ERR_SHAPE, "multiclass_nms3: Scores %s is 2-D, which needs "
                             "input 'RoisNum' (boxes per image)", bs);
    } else {
        g->n_img = s->dims[0];
        g->c = s->dims[1];
        g->m = s->dims[2];
        if (b->dims[0] != g->n_img || b->dims[1] != g->m || box != 4)
            return pdsi_fail(err, PDS_ERR_SHAPE, "multiclass_nms3: BBoxes %s is not [N, M, 4] "
                             "with the N and M of Scores %s", bb, bs);
    }
    if (g->m > 0 && g->c > INT32_MAX / g->m / (g->two_d ? 1 : (g->n_img ? g->n_img : 1)))
        return pdsi_fail(err, PDS_ERR_SHAPE, "multiclass_nms3: Scores %s has more entries than "
                         "the int32 Index can number", bs);
    if (g->two_d) {
        if (r->dtype != PDS_INT32 && r->dtype != PDS_INT64)
            return pdsi_fail(err, PDS_ERR_DTYPE, "multiclass_nms3: input 'RoisNum' is %s, "
                             "expected int32 or int64", pds_dtype_name(r->dtype));
        if (r->rank != 1)
            return pdsi_fail(err, PDS_ERR_SHAPE, "multiclass_nms3: RoisNum has rank %d, "
                             "expected 1", r->rank);
        g->n_img = r->dims[0];
        if (!with_data)
            return PDS_OK;
        if (g->n_img > 0 && !r->data)
            return pdsi_fail(err, PDS_ERR_SHAPE, "multiclass_nms3: the values of RoisNum are "
                             "not known yet");
        int64_t sum = 0;
        for (int64_t i = 0; i < g->n_img; i++) {
            int64_t v = rois_at(r, i);
            if (v < 0 || v > g->m - sum)
                return pdsi_fail(err, PDS_ERR_SHAPE, "multiclass_nms3: RoisNum[%lld] is %lld: "
                                 "the counts must be >= 0 and add up to at most the %lld rows "
                                 "of Scores %s", (long long)i, (long long)v, (long long)g->m, bs);
            sum += v;
        }
        g->rois = r;
    }
    if (!with_data)
        return PDS_OK;
    if ((pdsi_tensor_numel(b) > 0 && !b->data) || (pdsi_tensor_numel(s) > 0 && !s->data))
        return pdsi_fail(err, PDS_ERR_INTERNAL, "multiclass_nms3: the values of BBoxes and Scores "
                         "are missing");
    g->boxes = b->data;
    g->scores = s->data;
    return PDS_OK;
}

/* A candidate of one class, and a kept box of one image. */
typedef struct nms_cand {
    float score;
    int32_t idx;
} nms_cand;

typedef struct nms_kept {
    float score;
    int32_t label, idx, ord;
} nms_kept;

/* Descending score, equal scores in ascending box order: the order of
 * Paddle's stable_sort over candidates collected in box order. */
static int cand_cmp(const void *a, const void *b)
{
    const nms_cand *x = a, *y = b;
    if (x->score != y->score)
        return x->score > y->score ? -1 : 1;
    return (x->idx > y->idx) - (x->idx < y->idx);
}

/* Descending score, then the earlier kept (labels ascending, then kept order). */
static int kept_score_cmp(const void *a, const void *b)
{
    const nms_kept *x = a, *y = b;
    if (x->score != y->score)
        return x->score > y->score ? -1 : 1;
    return (x->ord > y->ord) - (x->ord < y->ord);
}

/* Ascending label, then ord (set by the caller: score order or box order). */
static int kept_label_cmp(const void *a, const void *b)
{
    const nms_kept *x = a, *y = b;
    if (x->label != y->label)
        return x->label < y->label ? -1 : 1;
    return (x->ord > y->ord) - (x->ord < y->ord);
}

/* Paddle's BBoxArea and JaccardOverlap, in float and in their operand order
 * (std::max(a, b) is a < b ? b : a, std::min(a, b) is b < a ? b : a). */
static float nms_area(const float *b, bool normalized)
{
    if (b[2] < b[0] || b[3] < b[1])
        return 0.0f;
    const float w = b[2] - b[0], h = b[3] - b[1];
    return normalized ? w * h : (w + 1.0f) * (h + 1.0f);
}

static float nms_iou(const float *b1, const float *b2, bool normalized)
{
    if (b2[0] > b1[2] || b2[2] < b1[0] || b2[1] > b1[3] || b2[3] < b1[1])
        return 0.0f;
    const float xmin = b1[0] < b2[0] ? b2[0] : b1[0];
    const float ymin = b1[1] < b2[1] ? b2[1] : b1[1];
    const float xmax = b2[2] < b1[2] ? b2[2] : b1[2];
    const float ymax = b2[3] < b1[3] ? b2[3] : b1[3];
    const float norm = normalized ? 0.0f : 1.0f;
    const float iw = xmax - xmin + norm, ih = ymax - ymin + norm;
    const float inter = iw * ih;
    return inter / (nms_area(b1, normalized) + nms_area(b2, normalized) - inter);
}

/* One image: rows [row0, row0 + m) of the 2-D layout, or image i of the 3-D
 * one. Box of (class, idx) and its score. */
typedef struct nms_image {
    const nms_geom *g;
    int64_t i, row0, m;
} nms_image;

static const float *img_box(const nms_image *im, int64_t c, int64_t idx)
{
    const nms_geom *g = im->g;
    return g->two_d ? g->boxes + ((im->row0 + idx) * g->c + c) * 4
                    : g->boxes + (im->i * g->m + idx) * 4;
}

static float img_score(const nms_image *im, int64_t c, int64_t idx)
{
    const nms_geom *g = im->g;
    return g->two_d ? g->scores[(im->row0 + idx) * g->c + c]
                    : g->scores[(im->i * g->c + c) * g->m + idx];
}

/* NMSFast for class c of one image: appends the kept boxes to kept. */
static int64_t nms_class(const pdsi_nms_params *p, const nms_image *im, int64_t c,
                         nms_cand *cand, nms_kept *kept, int64_t nk)
{
    int64_t nc = 0;
    for (int64_t k = 0; k < im->m; k++) {
        const float s = img_score(im, c, k);
        if (s > p->score_threshold)
            cand[nc++] = (nms_cand){s, (int32_t)k};
    }
    if (nc > 1)
        qsort(cand, (size_t)nc, sizeof *cand, cand_cmp);
    if (p->nms_top_k > -1 && p->nms_top_k < nc)
        nc = p->nms_top_k;
    const int64_t first = nk;
    float adaptive = p->nms_threshold;
    for (int64_t k = 0; k < nc; k++) {
        const float *box = img_box(im, c, cand[k].idx);
        bool keep = true;
        for (int64_t j = first; j < nk && keep; j++)
            keep = nms_iou(box, img_box(im, c, kept[j].idx), p->normalized) <= adaptive;
        if (!keep)
            continue;
        kept[nk] = (nms_kept){cand[k].score, (int32_t)c, cand[k].idx, (int32_t)(nk - first)};
        nk++;
        if (p->nms_eta < 1.0f && adaptive > 0.5f)
            adaptive *= p->nms_eta;
    }
    if (im->g->two_d) {
        for (int64_t j = first; j < nk; j++)
            kept[j].ord = kept[j].idx;
        qsort(kept + first, (size_t)(nk - first), sizeof *kept, kept_label_cmp);
    }
    return nk;
}

/* MultiClassNMS for one image: the kept boxes, in output order. */
static int64_t nms_image_run(const pdsi_nms_params *p, const nms_image *im, nms_cand *cand,
                             nms_kept *kept)
{
    int64_t nk = 0;
    for (int64_t c = 0; c < im->g->c; c++)
        if (c != p->background_label)
            nk = nms_class(p, im, c, cand, kept, nk);
    if (p->keep_top_k > -1 && nk > p->keep_top_k) {
        for (int64_t j = 0; j < nk; j++)
            kept[j].ord = (int32_t)j;
        qsort(kept, (size_t)nk, sizeof *kept, kept_score_cmp);
        nk = p->keep_top_k;
        for (int64_t j = 0; j < nk; j++)
            kept[j].ord = im->g->two_d ? kept[j].idx : (int32_t)j;
        qsort(kept, (size_t)nk, sizeof *kept, kept_label_cmp);
    }
    return nk;
}

pds_status pdsi_nms_compute(const pdsi_nms_params *p, const pdsi_slot *in, float *out,
                            int32_t *index, int64_t cap, int32_t *per_image, int64_t *total,
                            pds_error *err)
{
    nms_geom g;
    pds_status st = nms_check(in, true, &g, err);
    if (st)
        return st;
    *total = 0;
    if (!g.boxes || !g.scores) { /* no boxes or no classes: nothing is kept */
        for (int64_t i = 0; i < g.n_img; i++)
            per_image[i] = 0;
        return PDS_OK;
    }
    const int64_t cap_m = g.m > 0 ? g.m : 1, cap_c = g.c > 0 ? g.c : 1;
    nms_cand *cand = malloc(sizeof *cand * (size_t)cap_m);
    nms_kept *kept = malloc(sizeof *kept * (size_t)cap_m * (size_t)cap_c);
    if (!cand || !kept) {
        free(cand);
        free(kept);
        return pdsi_fail(err, PDS_ERR_OUT_OF_MEMORY, "multiclass_nms3: could not allocate the "
                         "working memory for %lld boxes of %lld classes", (long long)g.m,
                         (long long)g.c);
    }
    int64_t row0 = 0;
    for (int64_t i = 0; i < g.n_img; i++) {
        nms_image im = {&g, i, row0, g.two_d ? rois_at(g.rois, i) : g.m};
        row0 += g.two_d ? im.m : 0;
        const int64_t nk = im.m > 0 ? nms_image_run(p, &im, cand, kept) : 0;
        per_image[i] = (int32_t)nk;
        if (out && nk > cap - *total) {
            st = pdsi_fail(err, PDS_ERR_INTERNAL, "multiclass_nms3: more rows kept than the %lld "
                           "Out was inferred with", (long long)cap);
            break;
        }
        for (int64_t j = 0; j < nk && out; j++) {
            const nms_kept *k = &kept[j];
            float *o = out + (*total + j) * 6;
            o[0] = (float)k->label;
            o[1] = k->score;
            memcpy(o + 2, img_box(&im, k->label, k->idx), 4 * sizeof(float));
            if (index)
                index[*total + j] = g.two_d ? (int32_t)((im.row0 + k->idx) * g.c + k->label)
                                            : (int32_t)(i * g.m + k->idx);
        }
        *total += nk;
    }
    free(cand);
    free(kept);
    return st;
}

/* The most rows an NMS keeps (PDSI_OPF_SIZE_AFTER_RUN: the kernel sets the
 * real count), from Paddle's semantics: per image, each class but the
 * background (when it is one of the c classes) keeps at most its
 * candidates, at most min(nms_top_k, boxes) of them, and the image keeps at
 * most keep_top_k of all its classes'. n_img images share m boxes: each has
 * m (3-D layout), or their counts add up to at most m (2-D, split by
 * RoisNum, whose values are read only by the kernel), which bounds the sum
 * over images of min(keep_top_k, classes * min(nms_top_k, boxes of the
 * image)) by min(n_img * keep_top_k, classes * min(m, n_img * nms_top_k)).
 * nms_check bounds c * m * n_img by INT32_MAX, so nothing here overflows. */
static int64_t nms_rows_bound(bool two_d, int64_t n_img, int64_t m, int64_t c,
                              int64_t background, int64_t nms_top_k, int64_t keep_top_k)
{
    const int64_t classes = c - (background >= 0 && background < c ? 1 : 0);
    if (two_d) {
        int64_t cand = nms_top_k > -1 && n_img * nms_top_k < m ? n_img * nms_top_k : m;
        int64_t rows = classes * cand;
        return keep_top_k > -1 && n_img * keep_top_k < rows ? n_img * keep_top_k : rows;
    }
    int64_t cand = nms_top_k > -1 && nms_top_k < m ? nms_top_k : m;
    int64_t per = classes * cand;
    if (keep_top_k > -1 && keep_top_k < per)
        per = keep_top_k;
    return n_img * per;
}

/* The shapes of an NMS at their bound: Out [rows, 6], Index [rows, 1],
 * RoisNum [n_img] (exact). */
static void nms_set_shapes(const pdsi_slot *out, int64_t rows, int64_t n_img)
{
    const int64_t od[2] = {rows, 6}, id[2] = {rows, 1}, nd[1] = {n_img};
    pdsi_out_set(out, 0, PDS_FLOAT32, 2, od);
    pdsi_out_set(out, 1, PDS_INT32, 2, id);
    pdsi_out_set(out, 2, PDS_INT32, 1, nd);
}

static pds_status nms_infer(const void *params, const pdsi_slot *in, const pdsi_slot *out,
                            pds_error *err)
{
    const pdsi_nms_params *p = params;
    nms_geom g;
    pds_status st = nms_check(in, false, &g, err);
    if (st)
        return st;
    nms_set_shapes(out, nms_rows_bound(g.two_d, g.n_img, g.m, g.c, p->background_label,
                                       p->nms_top_k, p->keep_top_k),
                   g.n_img);
    return PDS_OK;
}

static const pdsi_opdef op_multiclass_nms3 = {
    .id = PDSI_OP_MULTICLASS_NMS3,
    .type = "multiclass_nms3",
    .family = FAMILY,
    /* the rows kept are known from the boxes and scores, after the kernel */
    .flags = PDSI_OPF_SIZE_AFTER_RUN,
    .in = {{"BBoxes", PDSI_SLOT_REQUIRED},
           {"Scores", PDSI_SLOT_REQUIRED},
           {"RoisNum", PDSI_SLOT_OPTIONAL}},
    .out = {{"Out", PDSI_SLOT_REQUIRED},
            {"Index", PDSI_SLOT_OPTIONAL},
            {"NmsRoisNum", PDSI_SLOT_OPTIONAL}},
    .params_size = sizeof(pdsi_nms_params),
    .parse = nms_parse,
    .infer = nms_infer,
};

/* ---- matrix_nms -------------------------------------------------------------- */

static pds_status matrix_nms_parse(const pdsi_attrs *attrs, void *params, pds_error *err)
{
    pdsi_matrix_nms_params *p = params;
    double score, post, sigma;
    pds_status st;
    if ((st = pdsi_attr_float(attrs, "score_threshold", 0.0, &score, err)) ||
        (st = pdsi_attr_float(attrs, "post_threshold", 0.0, &post, err)) ||
        (st = pdsi_attr_int(attrs, "nms_top_k", -1, &p->nms_top_k, err)) ||
        (st = pdsi_attr_int(attrs, "keep_top_k", -1, &p->keep_top_k, err)) ||
        (st = pdsi_attr_bool(attrs, "use_gaussian", false, &p->use_gaussian, err)) ||
        (st = pdsi_attr_float(attrs, "gaussian_sigma", 2.0, &sigma, err)) ||
        (st = pdsi_attr_int(attrs, "background_label", 0, &p->background_label, err)) ||
        (st = pdsi_attr_bool(attrs, "normalized", true, &p->normalized, err)))
        return st;
    if (p->nms_top_k < -1 || p->keep_top_k < -1)
        return pdsi_fail(err, PDS_ERR_MODEL_FORMAT, "attributes 'nms_top_k' (%lld) and "
                         "'keep_top_k' (%lld) must be -1 (no limit) or >= 0",
                         (long long)p->nms_top_k, (long long)p->keep_top_k);
    p->score_threshold = (float)score;
    p->post_threshold = (float)post;
    p->gaussian_sigma = (float)sigma;
    return PDS_OK;
}

/* BBoxes [N, M, 4] and Scores [N, C, M], float32; with_data (the kernel),
 * also their values. */
static pds_status matrix_nms_check(const pdsi_slot *in, bool with_data, nms_geom *g,
                                   pds_error *err)
{
    const pdsi_tensor *b = pdsi_slot_get(&in[0]);
    const pdsi_tensor *s = pdsi_slot_get(&in[1]);
    char bb[160], bs[160];
    pds_status st;
    if ((st = pdsi_check_f32(b, "input 'BBoxes'", err)) ||
        (st = pdsi_check_f32(s, "input 'Scores'", err)))
        return st;
    pdsi_dims_str(b->dims, b->rank, bb, sizeof bb);
    pdsi_dims_str(s->dims, s->rank, bs, sizeof bs);
    memset(g, 0, sizeof *g);
    if (b->rank != 3 || s->rank != 3 || b->dims[0] != s->dims[0] || b->dims[1] != s->dims[2] ||
        b->dims[2] != 4)
        return pdsi_fail(err, PDS_ERR_SHAPE, "matrix_nms: BBoxes %s and Scores %s are not "
                         "[N, M, 4] and [N, C, M]", bb, bs);
    g->n_img = s->dims[0];
    g->c = s->dims[1];
    g->m = s->dims[2];
    if (g->m > 0 && g->c > INT32_MAX / g->m / (g->n_img ? g->n_img : 1))
        return pdsi_fail(err, PDS_ERR_SHAPE, "matrix_nms: Scores %s has more entries than the "
                         "int32 Index can number", bs);
    if (!with_data)
        return PDS_OK;
    if ((pdsi_tensor_numel(b) > 0 && !b->data) || (pdsi_tensor_numel(s) > 0 && !s->data))
        return pdsi_fail(err, PDS_ERR_INTERNAL, "matrix_nms: the values of BBoxes and Scores are "
                         "missing");
    g->boxes = b->data;
    g->scores = s->data;
    return PDS_OK;
}

/* Indices ordered by descending key with libstdc++'s std::partial_sort
 * (core/heap.h), so that equal keys come out in the same order as in
 * Paddle. */
static bool key_before(const float *key, const int32_t *x, const int32_t *y)
{
    return key[*x] > key[*y];
}

PDSI_HEAP_DEFINE(kh, int32_t, float, key_before)

/* Working memory of one image. */
typedef struct mnms_work {
    int32_t *perm;       /* m: candidates of a class */
    float *iou, *iou_max; /* the candidates' lower triangle, and each one's max */
    int64_t iou_cap;     /* entries of iou */
    int32_t *idx, *cls;  /* c * m: kept boxes of the image */
    float *score;        /* their decayed scores */
    int32_t *order;      /* c * m: their output order */
} mnms_work;

/* NMSMatrix for class c of image i: appends to the kept lists from nk. */
static pds_status mnms_class(const pdsi_matrix_nms_params *p, const nms_geom *g, int64_t i,
                             int64_t c, mnms_work *w, int64_t *nk, pds_error *err)
{
    const float *sc = g->scores + (i * g->c + c) * g->m;
    const float *bx = g->boxes + i * g->m * 4;
    int64_t n = 0;
    for (int64_t k = 0; k < g->m; k++)
        if (!(sc[k] <= p->score_threshold))
            w->perm[n++] = (int32_t)k;
    if (n == 0)
        return PDS_OK;
    int64_t pre = p->nms_top_k > -1 && n > p->nms_top_k ? p->nms_top_k : n;
    if (pre == 0)
        return PDS_OK;
    kh_partial_sort(sc, w->perm, 0, pre, n);
    const int64_t tri = pre * (pre - 1) / 2;
    if (tri > w->iou_cap) {
        if (tri > (int64_t)1 << 28)
            return pdsi_fail(err, PDS_ERR_LIMIT, "matrix_nms: %lld candidates of class %lld "
                             "need a %lld-entry IoU matrix, over 2^28: lower nms_top_k",
                             (long long)pre, (long long)c, (long long)tri);
        float *t = realloc(w->iou, sizeof *t * (size_t)tri);
        if (!t)
            return pdsi_fail(err, PDS_ERR_OUT_OF_MEMORY, "matrix_nms: could not allocate the "
                             "%lld-entry IoU matrix", (long long)tri);
        w->iou = t;
        w->iou_cap = tri;
    }
    w->iou_max[0] = 0.0f;
    for (int64_t a = 1; a < pre; a++) {
        float mx = 0.0f;
        for (int64_t b = 0; b < a; b++) {
            const float v = nms_iou(bx + (int64_t)w->perm[a] * 4, bx + (int64_t)w->perm[b] * 4,
                                    p->normalized);
            mx = mx < v ? v : mx;
            w->iou[a * (a - 1) / 2 + b] = v;
        }
        w->iou_max[a] = mx;
    }
    if (sc[w->perm[0]] > p->post_threshold) {
        w->idx[*nk] = w->perm[0];
        w->cls[*nk] = (int32_t)c;
        w->score[(*nk)++] = sc[w->perm[0]];
    }
    for (int64_t a = 1; a < pre; a++) {
        float min_decay = 1.0f;
        for (int64_t b = 0; b < a; b++) {
            const float mx = w->iou_max[b], v = w->iou[a * (a - 1) / 2 + b];
            /* Paddle's linear decay divides in double (1. - iou) */
            const float d = p->use_gaussian
                                ? expf((mx * mx - v * v) * p->gaussian_sigma)
                                : (float)((1. - (double)v) / (1. - (double)mx));
            min_decay = d < min_decay ? d : min_decay;
        }
        const float ds = min_decay * sc[w->perm[a]];
        if (ds <= p->post_threshold)
            continue;
        w->idx[*nk] = w->perm[a];
        w->cls[*nk] = (int32_t)c;
        w->score[(*nk)++] = ds;
    }
    return PDS_OK;
}

pds_status pdsi_matrix_nms_compute(const pdsi_matrix_nms_params *p, const pdsi_slot *in,
                                   float *out, int32_t *index, int64_t cap, int32_t *per_image,
                                   int64_t *total, pds_error *err)
{
    nms_geom g;
    pds_status st = matrix_nms_check(in, true, &g, err);
    if (st)
        return st;
    *total = 0;
    if (!g.boxes || !g.scores) { /* no boxes or no classes: nothing is kept */
        for (int64_t i = 0; i < g.n_img; i++)
            per_image[i] = 0;
        return PDS_OK;
    }
    const size_t m = (size_t)g.m, cm = (size_t)g.c * m;
    mnms_work w = {0};
    w.perm = malloc(sizeof *w.perm * m);
    w.iou_max = malloc(sizeof *w.iou_max * m);
    w.idx = malloc(sizeof *w.idx * cm);
    w.cls = malloc(sizeof *w.cls * cm);
    w.score = malloc(sizeof *w.score * cm);
    w.order = malloc(sizeof *w.order * cm);
    if (!w.perm || !w.iou_max || !w.idx || !w.cls || !w.score || !w.order)
        st = pdsi_fail(err, PDS_ERR_OUT_OF_MEMORY, "matrix_nms: could not allocate the working "
                       "memory for %lld boxes of %lld classes", (long long)g.m, (long long)g.c);
    for (int64_t i = 0; !st && i < g.n_img; i++) {
        int64_t nk = 0;
        for (int64_t c = 0; !st && c < g.c; c++)
            if (c != p->background_label)
                st = mnms_class(p, &g, i, c, &w, &nk, err);
        if (st)
            break;
        int64_t keep = p->keep_top_k > -1 && nk > p->keep_top_k ? p->keep_top_k : nk;
        for (int64_t k = 0; k < nk; k++)
            w.order[k] = (int32_t)k;
        if (keep > 0)
            kh_partial_sort(w.score, w.order, 0, keep, nk);
        per_image[i] = (int32_t)keep;
        if (out && keep > cap - *total) {
            st = pdsi_fail(err, PDS_ERR_INTERNAL, "matrix_nms: more rows kept than the %lld Out "
                           "was inferred with", (long long)cap);
            break;
        }
        for (int64_t k = 0; k < keep && out; k++) {
            const int32_t q = w.order[k];
            float *o = out + (*total + k) * 6;
            o[0] = (float)w.cls[q];
            o[1] = w.score[q];
            memcpy(o + 2, g.boxes + (i * g.m + w.idx[q]) * 4, 4 * sizeof(float));
            if (index)
                index[*total + k] = (int32_t)(i * g.m + w.idx[q]);
        }
        *total += keep;
    }
    free(w.perm);
    free(w.iou);
    free(w.iou_max);
    free(w.idx);
    free(w.cls);
    free(w.score);
    free(w.order);
    return st;
}

static pds_status matrix_nms_infer(const void *params, const pdsi_slot *in,
                                   const pdsi_slot *out, pds_error *err)
{
    const pdsi_matrix_nms_params *p = params;
    nms_geom g;
    pds_status st = matrix_nms_check(in, false, &g, err);
    if (st)
        return st;
    nms_set_shapes(out, nms_rows_bound(false, g.n_img, g.m, g.c, p->background_label,
                                       p->nms_top_k, p->keep_top_k),
                   g.n_img);
    return PDS_OK;
}

static const pdsi_opdef op_matrix_nms = {
    .id = PDSI_OP_MATRIX_NMS,
    .type = "matrix_nms",
    .family = FAMILY,
    /* the rows kept are known from the boxes and scores, after the kernel */
    .flags = PDSI_OPF_SIZE_AFTER_RUN,
    .in = {{"BBoxes", PDSI_SLOT_REQUIRED}, {"Scores", PDSI_SLOT_REQUIRED}},
    .out = {{"Out", PDSI_SLOT_REQUIRED},
            {"Index", PDSI_SLOT_OPTIONAL},
            {"RoisNum", PDSI_SLOT_OPTIONAL}},
    .params_size = sizeof(pdsi_matrix_nms_params),
    .parse = matrix_nms_parse,
    .infer = matrix_nms_infer,
};

const pdsi_opdef *const pdsi_ops_detect[] = {
    &op_yolo_box,
    &op_prior_box,
    &op_multiclass_nms3,
    &op_matrix_nms,
};
PDSI_OPDEF_TABLE_CHECK(DETECT, detect);
