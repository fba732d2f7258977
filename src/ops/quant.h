/*
 * quant.h — parameters and shape rules of the quant family: quantize_linear
 * and dequantize_linear, the QDQ pairs PaddleSlim writes around quantized
 * weights and activations.
 *
 * Both are simulated quantization, in float, as Paddle 3.3's CPU kernels
 * compute them (no int8 arithmetic). With s the scale of the tensor
 * (quant_axis -1) or of the channel (quant_axis 0 or 1) and q = qmax:
 *
 *   quantize_linear, round_type 0:  y = clamp(rte(q * inv(s) * x), -q - 1, q)
 *   quantize_linear, round_type 1:  y = rhaz(q * inv(s) * clamp(x, -s, s))
 *   dequantize_linear:              y = x * s / q
 *
 * rte rounds half to even, rhaz half away from zero; inv(s) is 1 / s, or
 * 1 / (s + 1e-6) when s <= 1e-30. Paddle reads qmax (default 127) and
 * ignores bit_length, qmin (the lower bound is -qmax - 1) and ZeroPoint;
 * only_observer makes Y a copy of X. A per-tensor Scale contributes its first
 * value. quantize_linear with is_test false is Paddle's training observer
 * (it derives the scale from the data and needs InAccum / InState), which an
 * inference engine refuses.
 */
#ifndef PDSI_OPS_QUANT_H
#define PDSI_OPS_QUANT_H

#include <stdbool.h>
#include <stdint.h>

typedef struct pdsi_quant_params {
    bool dequant;       /* set by the opdef */
    int64_t quant_axis; /* -1: per tensor; 0 or 1: per channel */
    int64_t qmax;
    int64_t round_type; /* 0: half to even; 1: half away from zero */
    bool only_observer;
} pdsi_quant_params;

#endif
