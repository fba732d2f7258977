/*
 * passes.h — load-time graph rewrites for the fast path, and weight packing.
 *
 * pdsi_passes_run rewrites a finished graph in place, before any predictor
 * exists, so that every run does less work; each rewrite keeps the results
 * within the fp32 tolerance of the graph as loaded (DESIGN §5):
 *
 *   - no-ops removed: inference-time dropout with factor 1, scale by 1 plus 0,
 *     assign; their readers read the input instead;
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
 * Packing: pdsi_passes_pack_begin (any thread) infers shapes at nominal
 * input sizes (-1 dims taken as 1 for the batch and 224 elsewhere);
 * pdsi_passes_pack_part(ctx, k, n) then offers every n-th fused convolution
 * and matmul from the k-th to the fast path so that their weights are packed
 * once for the model; parts run concurrently on executor threads (oneDNN
 * work); pdsi_passes_pack_end drops the plain weights nothing else needs and
 * reports the first failure. Failing to infer is not an error: weights are
 * then packed at the first run.
 */
#ifndef PDSI_PASSES_PASSES_H
#define PDSI_PASSES_PASSES_H

#include "graph/graph.h"
#include "kernels/onednn/dnn.h"
#include "plan/plan.h"

pds_status pdsi_passes_run(pdsi_graph *g, pds_error *err);

typedef struct pdsi_pack_ctx pdsi_pack_ctx;

pds_status pdsi_passes_pack_begin(pdsi_graph *g, const pdsi_graph_info *info, pdsi_dnn_model *dm,
                                  pdsi_pack_ctx **ctx, pds_error *err);
void pdsi_passes_pack_part(pdsi_pack_ctx *ctx, int part, int n_parts);
/* Frees ctx. */
pds_status pdsi_passes_pack_end(pdsi_pack_ctx *ctx, pds_error *err);

#endif
