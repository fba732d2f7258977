/*
 * passes.h — load-time graph rewrites for the fast path, and nominal shapes.
 *
 * pdsi_passes_run rewrites a finished graph in place, before any predictor
 * exists, so that every run does less work; each rewrite keeps the results
 * within the fp32 tolerance of the graph as loaded (DESIGN §5):
 *
 *   - no-ops removed: inference-time dropout with factor 1, scale by 1 plus 0,
 *     assign; their readers read the input instead;
 *   - QDQ convolutions and matmul_v2 (PaddleSlim's quantize_linear ->
 *     dequantize_linear on the input, dequantize_linear of integer
 *     weights) become pdsafe_conv / pdsafe_matmul in their int8 form
 *     (ops/fused.h), and the remaining QDQ pairs one fake quantisation
 *     each, before constants are folded; the backend decides whether a
 *     product runs in integers;
 *   - constants folded: operators whose inputs are all parameters
 *     (fill_constant, shape of a fully static tensor, arithmetic on
 *     parameters) are run once and become parameters;
 *   - convolutions fused (ops/fused.h): a following batch_norm is folded
 *     into the filter and bias, a bias add becomes the bias, then activations
 *     and one residual add become post-operations;
 *   - matmul_v2, mul and fc (their flattened product, fc's own bias and relu
 *     included) with a bias add and activations likewise.
 *
 * Removed operators keep their values (they are simply no longer produced);
 * the model's reported operator list is the one loaded (runtime/model.c).
 *
 * Nominal shapes: pdsi_passes_nominal infers every value's shape at nominal
 * input sizes (-1 dims taken as 1 for the batch and 224 elsewhere), computing
 * the phase-1 values shapes depend on; the rewrites use them, and so does the
 * backends' load-time weight packing (backend/backend.h, runtime/model.c).
 * NULL when inference fails, which is not an error: weights are then packed
 * at the first run.
 */
#ifndef PDSI_PASSES_PASSES_H
#define PDSI_PASSES_PASSES_H

#include "graph/graph.h"

pds_status pdsi_passes_run(pdsi_graph *g, pds_error *err);

/* One tensor per value at nominal shapes (parameters: borrowed views), or
 * NULL; free with pdsi_passes_nominal_free. */
pdsi_tensor *pdsi_passes_nominal(const pdsi_graph *g, const pdsi_graph_info *info);
void pdsi_passes_nominal_free(const pdsi_graph *g, pdsi_tensor *t);

#endif
