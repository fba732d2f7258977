/*
 * detect.h — parameters and shape rules of the detect family: yolo_box and
 * prior_box, the box decoding of YOLOv3-style and SSD-style detection heads.
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

#endif
