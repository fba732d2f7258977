/*
 * detect.c — portable reference kernels of the detect family (ops/detect.h):
 * yolo_box, prior_box, multiclass_nms3 and matrix_nms, in float with the
 * operand order of Paddle 3.3's CPU kernels (the suppressions themselves are
 * pdsi_nms_compute and pdsi_matrix_nms_compute). The two suppressions are
 * PDSI_OPF_SIZE_AFTER_RUN: their Out and Index come in at the bound shape
 * inference set, and leave with the rows kept.
 */
#include "kernels/ref/ref.h"
#include "ops/detect.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

static float sigmoidf_(float x)
{
    return 1.0f / (1.0f + expf(-x));
}

pds_status pdsi_yolo_box_ref(const void *params, const pdsi_slot *in, const pdsi_slot *out,
                             pdsi_exec *ex, pds_error *err)
{
    const pdsi_yolo_box_params *p = params;
    const pdsi_tensor *x = pdsi_slot_get(&in[0]);
    const pdsi_tensor *sz = pdsi_slot_get(&in[1]);
    pdsi_tensor *tb = pdsi_slot_get(&out[0]);
    pdsi_tensor *ts = pdsi_slot_get(&out[1]);
    (void)ex;
    const int64_t an = p->n_anchors / 2, cls = p->class_num;
    if (!x || !sz || !tb || !ts || x->rank != 4 || tb->rank != 3 || ts->rank != 3 ||
        tb->dims[1] != an * x->dims[2] * x->dims[3] || ts->dims[2] != cls)
        return pdsi_fail(err, PDS_ERR_INTERNAL, "yolo_box: outputs do not match X");
    const int64_t n = x->dims[0], h = x->dims[2], w = x->dims[3], stride = h * w;
    const int64_t an_stride = (5 + cls) * stride, box_num = an * stride;
    const int64_t in_h = p->downsample_ratio * h, in_w = p->downsample_ratio * w;
    const float scale = p->scale_x_y, bias = (float)(-0.5 * (p->scale_x_y - 1.0));
    const float *xd = x->data;
    const int32_t *szd = sz->data;
    float *boxes = tb->data, *scores = ts->data;
    if (pdsi_tensor_numel(tb) > 0)
        memset(boxes, 0, pdsi_tensor_bytes(tb));
    if (pdsi_tensor_numel(ts) > 0)
        memset(scores, 0, pdsi_tensor_bytes(ts));
    for (int64_t b = 0; b < n; b++) {
        const int img_h = szd[2 * b], img_w = szd[2 * b + 1];
        for (int64_t j = 0; j < an; j++) {
            for (int64_t k = 0; k < h; k++) {
                for (int64_t l = 0; l < w; l++) {
                    const int64_t base = (b * an + j) * an_stride + k * w + l;
                    const float conf = sigmoidf_(xd[base + 4 * stride]);
                    if (conf < p->conf_thresh)
                        continue;
                    float box[4];
                    box[0] = ((float)l + sigmoidf_(xd[base]) * scale + bias) * (float)img_w /
                             (float)w;
                    box[1] = ((float)k + sigmoidf_(xd[base + stride]) * scale + bias) *
                             (float)img_h / (float)h;
                    box[2] = expf(xd[base + 2 * stride]) * (float)p->anchors[2 * j] *
                             (float)img_w / (float)in_w;
                    box[3] = expf(xd[base + 3 * stride]) * (float)p->anchors[2 * j + 1] *
                             (float)img_h / (float)in_h;
                    const int64_t o = b * box_num + j * stride + k * w + l;
                    float *ob = boxes + o * 4;
                    ob[0] = box[0] - box[2] / 2.0f;
                    ob[1] = box[1] - box[3] / 2.0f;
                    ob[2] = box[0] + box[2] / 2.0f;
                    ob[3] = box[1] + box[3] / 2.0f;
                    if (p->clip_bbox) {
                        ob[0] = ob[0] > 0.0f ? ob[0] : 0.0f;
                        ob[1] = ob[1] > 0.0f ? ob[1] : 0.0f;
                        ob[2] = ob[2] < (float)(img_w - 1) ? ob[2] : (float)(img_w - 1);
                        ob[3] = ob[3] < (float)(img_h - 1) ? ob[3] : (float)(img_h - 1);
                    }
                    for (int64_t c = 0; c < cls; c++)
                        scores[o * cls + c] = conf * sigmoidf_(xd[base + (5 + c) * stride]);
                }
            }
        }
    }
    return PDS_OK;
}

pds_status pdsi_prior_box_ref(const void *params, const pdsi_slot *in, const pdsi_slot *out,
                              pdsi_exec *ex, pds_error *err)
{
    const pdsi_prior_box_params *p = params;
    const pdsi_tensor *x = pdsi_slot_get(&in[0]);
    const pdsi_tensor *img = pdsi_slot_get(&in[1]);
    pdsi_tensor *tb = pdsi_slot_get(&out[0]);
    pdsi_tensor *tv = pdsi_slot_get(&out[1]);
    (void)ex;
    const int np = pdsi_prior_box_count(p);
    if (!x || !img || !tb || tb->rank != 4 || tb->dims[2] != np)
        return pdsi_fail(err, PDS_ERR_INTERNAL, "prior_box: outputs do not match Input");
    const int64_t fh = x->dims[2], fw = x->dims[3];
    const float img_h = (float)img->dims[2], img_w = (float)img->dims[3];
    float step_w = p->step_w, step_h = p->step_h;
    if (step_w == 0.0f || step_h == 0.0f) {
        step_w = img_w / (float)fw;
        step_h = img_h / (float)fh;
    }
    float *o = tb->data;
    for (int64_t hh = 0; hh < fh; hh++) {
        for (int64_t ww = 0; ww < fw; ww++) {
            const float cx = ((float)ww + p->offset) * step_w;
            const float cy = ((float)hh + p->offset) * step_h;
            float *e = o + (hh * fw + ww) * np * 4;
#define PUT(bw, bh)                                                                           \
    do {                                                                                      \
        e[0] = (cx - (bw)) / img_w;                                                           \
        e[1] = (cy - (bh)) / img_h;                                                           \
        e[2] = (cx + (bw)) / img_w;                                                           \
        e[3] = (cy + (bh)) / img_h;                                                           \
        e += 4;                                                                               \
    } while (0)
            for (int s = 0; s < p->n_min; s++) {
                const float mn = p->min_sizes[s];
                if (p->mm_order) {
                    float half = (float)(mn / 2.0);
                    PUT(half, half);
                    if (p->n_max) {
                        half = (float)(sqrt((double)mn * p->max_sizes[s]) / 2.0);
                        PUT(half, half);
                    }
                    for (int r = 0; r < p->n_ar; r++) {
                        const float ar = p->ars[r];
                        if (fabs(ar - 1.0) < 1e-6)
                            continue;
                        PUT((float)(mn * sqrt((double)ar) / 2.0), (float)(mn / sqrt((double)ar) / 2.0));
                    }
                } else {
                    for (int r = 0; r < p->n_ar; r++) {
                        const float ar = p->ars[r];
                        PUT((float)(mn * sqrt((double)ar) / 2.0), (float)(mn / sqrt((double)ar) / 2.0));
                    }
                    if (p->n_max) {
                        const float half = (float)(sqrt((double)mn * p->max_sizes[s]) / 2.0);
                        PUT(half, half);
                    }
                }
            }
#undef PUT
        }
    }
    const int64_t total = fh * fw * np;
    if (p->clip)
        for (int64_t i = 0; i < total * 4; i++)
            o[i] = fminf(fmaxf(o[i], 0.0f), 1.0f);
    if (tv) {
        float *v = tv->data;
        for (int64_t i = 0; i < total; i++)
            memcpy(v + i * 4, p->variances, sizeof p->variances);
    }
    return PDS_OK;
}

pds_status pdsi_multiclass_nms3_ref(const void *params, const pdsi_slot *in,
                                    const pdsi_slot *out, pdsi_exec *ex, pds_error *err)
{
    pdsi_tensor *to = pdsi_slot_get(&out[0]);
    pdsi_tensor *ti = out[1].n > 0 ? pdsi_slot_get(&out[1]) : NULL;
    pdsi_tensor *tn = out[2].n > 0 ? pdsi_slot_get(&out[2]) : NULL;
    const pdsi_tensor *s = pdsi_slot_get(&in[1]);
    (void)ex;
    /* images: N of 3-D Scores, else the length of RoisNum (checked by infer) */
    const int64_t n_img = s->rank == 3 ? s->dims[0] : pdsi_slot_get(&in[2])->dims[0];
    int32_t one, *per_image = tn ? tn->data : &one;
    int32_t *heap = NULL;
    if (!tn && n_img > 1) {
        heap = malloc(sizeof *heap * (size_t)n_img);
        if (!heap)
            return pdsi_fail(err, PDS_ERR_OUT_OF_MEMORY, "multiclass_nms3: could not allocate "
                             "the counts of %lld images", (long long)n_img);
        per_image = heap;
    }
    int64_t total;
    if (to->rank != 2 || to->dims[1] != 6 || (ti && ti->dims[0] != to->dims[0]) ||
        (tn && tn->dims[0] != n_img)) {
        free(heap);
        return pdsi_fail(err, PDS_ERR_INTERNAL, "multiclass_nms3: outputs do not match the "
                         "inferred shapes");
    }
    pds_status st = pdsi_nms_compute(params, in, to->data, ti ? ti->data : NULL, to->dims[0],
                                     per_image, &total, err);
    free(heap);
    /* the rows kept, at most the bound Out was inferred with (compute checks) */
    if (!st && (!pdsi_tensor_shrink_rows(to, total) || (ti && !pdsi_tensor_shrink_rows(ti, total))))
        return pdsi_fail(err, PDS_ERR_INTERNAL, "multiclass_nms3: %lld rows kept, Out was "
                         "inferred with at most %lld", (long long)total, (long long)to->dims[0]);
    return st;
}

pds_status pdsi_matrix_nms_ref(const void *params, const pdsi_slot *in, const pdsi_slot *out,
                               pdsi_exec *ex, pds_error *err)
{
    pdsi_tensor *to = pdsi_slot_get(&out[0]);
    pdsi_tensor *ti = out[1].n > 0 ? pdsi_slot_get(&out[1]) : NULL;
    pdsi_tensor *tn = out[2].n > 0 ? pdsi_slot_get(&out[2]) : NULL;
    const int64_t n_img = pdsi_slot_get(&in[1])->dims[0];
    (void)ex;
    if (to->rank != 2 || to->dims[1] != 6 || (ti && ti->dims[0] != to->dims[0]) ||
        (tn && tn->dims[0] != n_img))
        return pdsi_fail(err, PDS_ERR_INTERNAL, "matrix_nms: outputs do not match the inferred "
                         "shapes");
    int32_t one, *per_image = tn ? tn->data : &one;
    int32_t *heap = NULL;
    if (!tn && n_img > 1) {
        heap = malloc(sizeof *heap * (size_t)n_img);
        if (!heap)
            return pdsi_fail(err, PDS_ERR_OUT_OF_MEMORY, "matrix_nms: could not allocate the "
                             "counts of %lld images", (long long)n_img);
        per_image = heap;
    }
    int64_t total;
    pds_status st = pdsi_matrix_nms_compute(params, in, to->data, ti ? ti->data : NULL,
                                            to->dims[0], per_image, &total, err);
    free(heap);
    if (!st && (!pdsi_tensor_shrink_rows(to, total) || (ti && !pdsi_tensor_shrink_rows(ti, total))))
        return pdsi_fail(err, PDS_ERR_INTERNAL, "matrix_nms: %lld rows kept, Out was inferred "
                         "with at most %lld", (long long)total, (long long)to->dims[0]);
    return st;
}

const pdsi_ref_binding pdsi_ref_detect_kernels[] = {
    {PDSI_OP_YOLO_BOX, pdsi_yolo_box_ref},
    {PDSI_OP_PRIOR_BOX, pdsi_prior_box_ref},
    {PDSI_OP_MULTICLASS_NMS3, pdsi_multiclass_nms3_ref},
    {PDSI_OP_MATRIX_NMS, pdsi_matrix_nms_ref},
};
PDSI_REF_TABLE_CHECK(DETECT, detect);
