/*
 * norm.h — parameters of the normalisation family:
 * batch_norm (inference form, running statistics), layer_norm, softmax,
 * log_softmax, instance_norm and group_norm.
 */
#ifndef PDSI_OPS_NORM_H
#define PDSI_OPS_NORM_H

#include <stdbool.h>

#include "core/error.h"
#include "core/slot.h"

typedef struct pdsi_batch_norm_params {
    float epsilon;
} pdsi_batch_norm_params;

typedef struct pdsi_layer_norm_params {
    int begin_norm_axis; /* normalise over dims [begin_norm_axis, rank) */
    float epsilon;
} pdsi_layer_norm_params;

typedef struct pdsi_softmax_params {
    int axis; /* as written; negative counts from the end */
    bool log; /* log_softmax */
} pdsi_softmax_params;

/* instance_norm: in X [N, C, ...], Scale, Bias (optional, [C]); out Y,
 * SavedMean and SavedVariance (optional, [N*C]: the mean and 1/sqrt(var +
 * epsilon) of each instance, as Paddle writes them). */
typedef struct pdsi_instance_norm_params {
    float epsilon;
} pdsi_instance_norm_params;

/* group_norm: in X [N, C, ...] (or [N, ..., C] with nhwc), Scale, Bias
 * (optional, [C]); out Y, Mean and Variance (optional, [N, groups]). groups
 * must divide C, as Paddle checks. */
typedef struct pdsi_group_norm_params {
    float epsilon;
    int groups;
    bool nhwc;
} pdsi_group_norm_params;

#endif
