/*
 * norm.h — parameters of the normalisation family:
 * batch_norm (inference form, running statistics), layer_norm, softmax and
 * log_softmax.
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

#endif
