/*
 * norm.h — parameters and reference kernels of the normalisation family:
 * batch_norm (inference form, running statistics), layer_norm, softmax and
 * log_softmax.
 */
#ifndef PDSI_KERNELS_NORM_H
#define PDSI_KERNELS_NORM_H

#include <stdbool.h>

#include "kernels/kernel.h"

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

/* Slots: in X [N,C,...] (rank 2..5), Scale, Bias, Mean, Variance (each [C]),
 * MomentumTensor (ignored); out Y, then the optional MeanOut and VarianceOut
 * (copies of Mean and Variance), SavedMean and SavedVariance (zeros: they are
 * only meaningful in training) and ReserveSpace (empty).
 * Y = (X - Mean) / sqrt(Variance + epsilon) * Scale + Bias per channel. */
pds_status pdsi_ref_batch_norm(const void *params, const pdsi_slot *in, const pdsi_slot *out,
                               pdsi_exec *ex, pds_error *err);

/* Slots: in X, Scale, Bias (optional, numel = product of the normalised
 * dims); out Y, Mean, Variance (optional, shape X dims[:begin_norm_axis]).
 * Statistics are accumulated in double, two-pass. */
pds_status pdsi_ref_layer_norm(const void *params, const pdsi_slot *in, const pdsi_slot *out,
                               pdsi_exec *ex, pds_error *err);

/* Slots: in X; out Out. Max-subtracted; the shifted logits are clipped at
 * -64 before exp, as Paddle's CPU kernels do (log_softmax therefore bottoms
 * out near -64). Needs scratch when the axis is not the last dim. */
pds_status pdsi_ref_softmax(const void *params, const pdsi_slot *in, const pdsi_slot *out,
                            pdsi_exec *ex, pds_error *err);

#endif
