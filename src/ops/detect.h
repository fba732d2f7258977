/*
 * detect.h — parameters and shape rules of the detect family: yolo_box and
 * prior_box, the box decoding of YOLOv3-style and SSD-style detection heads,
 * and multiclass_nms3 and matrix_nms, the suppressions detectors end with.
 *
 * Semantics are those of Paddle 3.3's CPU kernels, in float as they compute:
 * yolo_box decodes each anchor of each cell into a box in image pixels and
 * class scores (zeros where the objectness is below conf_thresh); prior_box
 * lays out the default boxes of an SSD feature map, normalised to [0, 1] of
 * the image, with their variances.
 */
#ifndef PDSI_OPS_DETECT_H
#define PDSI_OPS_DETECT_H

#include <stdbool.h>

#include "core/error.h"
#include "core/slot.h"

#define PDSI_DETECT_MAX_LIST 64

/* yolo_box: in X [N, A*(5+classes), H, W], ImgSize [N, 2] int32 (height,
 * width); out Boxes [N, A*H*W, 4] (x0, y0, x1, y1), Scores [N, A*H*W,
 * classes]. iou_aware is refused (no deployed model found needs it). */
typedef struct pdsi_yolo_box_params {
    int n_anchors; /* entries of anchors: 2 per anchor */
    int64_t anchors[PDSI_DETECT_MAX_LIST];
    int64_t class_num;
    float conf_thresh;
    int64_t downsample_ratio;
    bool clip_bbox;
    float scale_x_y;
} pdsi_yolo_box_params;

/* prior_box: in Input [N, C, H, W], Image [N, C, IH, IW]; out Boxes and
 * Variances [H, W, priors, 4]. The aspect ratios are expanded once at parse
 * (1 first, then each new ratio and, with flip, its inverse). */
typedef struct pdsi_prior_box_params {
    int n_min, n_max, n_ar, n_var;
    float min_sizes[PDSI_DETECT_MAX_LIST];
    float max_sizes[PDSI_DETECT_MAX_LIST];
    float ars[2 * PDSI_DETECT_MAX_LIST + 1]; /* expanded */
    float variances[4];
    bool clip, mm_order;
    float step_w, step_h, offset;
} pdsi_prior_box_params;

/* Number of priors per cell. */
int pdsi_prior_box_count(const pdsi_prior_box_params *p);

/* multiclass_nms3: in BBoxes, Scores, RoisNum (optional, int32 or int64);
 * out Out [K, 6] float32 rows (label, score, x1, y1, x2, y2), Index [K, 1]
 * int32 (the box's row in BBoxes flattened), NmsRoisNum [n] int32 (rows per
 * image). Two layouts, as Paddle's: BBoxes [N, M, 4] with Scores [N, C, M]
 * (RoisNum then ignored, n = N), or BBoxes [M, C, 4] with Scores [M, C] split
 * into images by RoisNum (required then, n = its length). Only 4-value boxes:
 * Paddle's polygon boxes (8 to 32 values) are refused. K is known only from
 * the data (PDSI_OPF_SIZE_AFTER_RUN): shape inference sets Out and Index to
 * the most rows Paddle's semantics allow, and the kernel sets the rows it
 * kept. */
typedef struct pdsi_nms_params {
    float score_threshold, nms_threshold, nms_eta;
    int64_t nms_top_k, keep_top_k, background_label;
    bool normalized;
} pdsi_nms_params;

/* Runs multiclass_nms3 on checked inputs (in: BBoxes, Scores, RoisNum slots)
 * with Paddle's order: per image, classes in ascending order; per class,
 * candidates with score > score_threshold by descending score, equal scores
 * in ascending box order (Paddle's stable sort), cut at nms_top_k, then
 * greedy suppression (IoU > the adaptive threshold); over keep_top_k, the
 * kept boxes of the image sorted by descending score (equal scores: lower
 * label, then earlier kept first), cut, and grouped by label again; with 2-D
 * scores each label's boxes in ascending box order. Writes the per-image
 * counts to per_image (n entries) and their sum to *total; when out is not
 * NULL also the rows (at most cap: more is PDS_ERR_INTERNAL), and when index
 * is not NULL the indices. Allocates its working memory
 * (PDS_ERR_OUT_OF_MEMORY). */
pds_status pdsi_nms_compute(const pdsi_nms_params *p, const pdsi_slot *in, float *out,
                            int32_t *index, int64_t cap, int32_t *per_image, int64_t *total,
                            pds_error *err);

/* matrix_nms (SOLOv2's Matrix NMS, PP-YOLOE's exports): in BBoxes [N, M, 4],
 * Scores [N, C, M]; out Out [K, 6] float32 (label, decayed score, x1, y1, x2,
 * y2), Index [K, 1] int32 (i * M + box), RoisNum [N] int32. Scores are
 * decayed, not suppressed: linear (1 - iou) / (1 - max_iou), or gaussian
 * exp((max_iou^2 - iou^2) * gaussian_sigma). */
typedef struct pdsi_matrix_nms_params {
    float score_threshold, post_threshold, gaussian_sigma;
    int64_t nms_top_k, keep_top_k, background_label;
    bool use_gaussian, normalized;
} pdsi_matrix_nms_params;

/* Runs matrix_nms on checked inputs (in: BBoxes, Scores) in Paddle's order:
 * per image and class (ascending, background skipped), the boxes with score
 * > score_threshold ordered by libstdc++'s std::partial_sort (a heap: equal
 * scores come out in the order the heap leaves them, as in Paddle) up to
 * nms_top_k, each decayed by its overlaps with the higher ones and kept when
 * its decayed score is > post_threshold; then the image's kept boxes by the
 * same partial_sort on the decayed scores, up to keep_top_k. Outputs as
 * pdsi_nms_compute. */
pds_status pdsi_matrix_nms_compute(const pdsi_matrix_nms_params *p, const pdsi_slot *in,
                                   float *out, int32_t *index, int64_t cap, int32_t *per_image,
                                   int64_t *total, pds_error *err);

#endif
