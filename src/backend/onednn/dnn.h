/*
 * dnn.h — the oneDNN backend's entry points, behind its table in backend.c
 * (backend/backend.h). Nothing outside src/backend/onednn/ includes this.
 *
 * A step is one operator (often a fused one, see ops/fused.h) run by
 * oneDNN primitives that are created once per input-shape plan and reused by
 * every run with that plan. The planner offers a node with its tensors'
 * shapes and current layouts; this backend either declines (the next backend
 * of the list then gets the node) or returns a step, the layout it needs for
 * each input and the layout it writes each output in.
 *
 * Layouts (backend.h): 4-D activations may live as NHWC (oneDNN's brgemm
 * convolutions, pooling and depthwise kernels are fastest there on AVX-512)
 * or, in networks dominated by 3x3 convolutions, as nChw16c (the layout of
 * oneDNN's Winograd convolution; used only where the channels are a multiple
 * of 16); everything else is plain row-major ("NCHW").
 *
 * Weights: a model owns a cache of its parameters reordered into the layouts
 * oneDNN asked for (pdsi_dnn_model). Entries are made once, at load where the
 * shapes allow it, are immutable and shared by every predictor of the model,
 * and die with the model. A parameter whose plain copy was dropped after
 * packing can be turned back into plain data on demand.
 *
 * Everything here that creates or runs a primitive must run on an executor
 * thread (core/executor.h).
 */
#ifndef PDSI_BACKEND_ONEDNN_DNN_H
#define PDSI_BACKEND_ONEDNN_DNN_H

#include <stdbool.h>
#include <stdint.h>

#include "backend/backend.h"
#include "graph/graph.h"

typedef struct pdsi_dnn_model pdsi_dnn_model;
typedef struct pdsi_dnn_step pdsi_dnn_step;
typedef struct pdsi_dnn_stream pdsi_dnn_stream;

/* Per-model state (the weight cache). winograd: Winograd 3x3 convolutions
 * may be chosen (PDSAFE_WINOGRAD=1). bf16: convolutions and matmuls with
 * constant weights run in bf16 (PDS_PRECISION_BF16); fails with
 * PDS_ERR_INVALID_ARGUMENT, saying what the CPU lacks, unless oneDNN runs
 * bf16 natively here (AVX512_BF16 or AMX: never its emulation on plain
 * AVX-512, which is slower than float32). */
pds_status pdsi_dnn_model_create(pdsi_dnn_model **out, bool winograd, bool bf16, bool int8,
                                 pds_error *err);
void pdsi_dnn_model_free(pdsi_dnn_model *dm);
/* Bytes held by packed weights (for statistics). */
size_t pdsi_dnn_model_packed_bytes(pdsi_dnn_model *dm);
/* Plain (row-major) data of parameter `value` whose own data was dropped after
 * packing; made once and kept with the model. NULL when out of memory. */
const void *pdsi_dnn_model_plain(pdsi_dnn_model *dm, const pdsi_graph *g, int32_t value);
/* Frees parameter `value`'s plain data (its dims stay) if it has a packed
 * copy from which plain data can be made again; under the cache's lock, so
 * that packing running on other threads never reads it half-freed. Load time
 * only. */
void pdsi_dnn_model_drop_plain(pdsi_dnn_model *dm, pdsi_graph *g, int32_t value);

/* Chooses the model's convolution layouts from its graph (before packing):
 * nChw16c with Winograd 3x3 convolutions when the graph has enough of them,
 * NHWC otherwise. */
void pdsi_dnn_model_configure(pdsi_dnn_model *dm, const pdsi_graph *g);

/* Per-predictor stream. */
pds_status pdsi_dnn_stream_create(pdsi_dnn_stream **out, pds_error *err);
void pdsi_dnn_stream_free(pdsi_dnn_stream *s);

/* A step's tensors as the planner sees them (the oneDNN files' name for
 * pdsi_backend_io). */
typedef pdsi_backend_io pdsi_dnn_io;

/* Offers node to this backend. On PDS_OK, *step is NULL when it
 * declines (unsupported op, parameters or shapes); otherwise every input's
 * `want` and every output's `layout` are set. Errors are real failures (out
 * of memory, a oneDNN failure on a configuration it accepted).
 * With pack_only, only the weights are packed into the model cache (load
 * time, nominal shapes) and *step stays NULL. */
pds_status pdsi_dnn_step_create(pdsi_dnn_model *dm, const pdsi_graph *g, int32_t node_index,
                                pdsi_dnn_io *in, int n_in, pdsi_dnn_io *out, int n_out,
                                bool pack_only, pdsi_dnn_step **step, pds_error *err);

/* A layout conversion of one 4-D float32 tensor (reorder). */
pds_status pdsi_dnn_reorder_create(const pdsi_tensor *t, uint8_t from, uint8_t to,
                                   pdsi_dnn_step **step, pds_error *err);

/* Runs a step. in/out are the tensors in the order given to create, with their
 * data bound; scratch holds at least pdsi_dnn_step_scratch bytes (shared by
 * every step), temp at least pdsi_dnn_step_temp_bytes (this step's
 * intermediates, 64-byte aligned). */
pds_status pdsi_dnn_step_run(pdsi_dnn_step *s, pdsi_tensor *const *in, pdsi_tensor *const *out,
                             void *scratch, void *temp, pdsi_dnn_stream *stream, pds_error *err);

size_t pdsi_dnn_step_scratch(const pdsi_dnn_step *s);
size_t pdsi_dnn_step_temp_bytes(const pdsi_dnn_step *s);
/* The input index whose storage the output must share (a residual added by
 * oneDNN's sum post-op, which accumulates into the destination), or -1. */
int pdsi_dnn_step_inplace_input(const pdsi_dnn_step *s);
/* oneDNN's implementation name ("brgconv:avx512_core"); static storage. */
const char *pdsi_dnn_step_impl(const pdsi_dnn_step *s);
/* True if the step runs an int8 product. */
bool pdsi_dnn_step_int8(const pdsi_dnn_step *s);
void pdsi_dnn_step_free(pdsi_dnn_step *s);

#endif
