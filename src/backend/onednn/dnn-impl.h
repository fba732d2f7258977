/*
 * dnn-impl.h — what the oneDNN step files share: the step object, memory
 * descriptor helpers, the engine and the weight cache.
 *
 * A step is one primitive plus its argument list. Arguments are bound to the
 * step's input and output tensors by index and re-pointed only when a
 * tensor's data moves (a new arena), so a steady run makes no oneDNN calls
 * besides execute.
 */
#ifndef PDSI_BACKEND_ONEDNN_DNN_IMPL_H
#define PDSI_BACKEND_ONEDNN_DNN_IMPL_H

#include <oneapi/dnnl/dnnl.h>

#include "backend/onednn/dnn.h"

#define PDSI_DNN_MAX_ARGS 16
#define PDSI_DNN_MAX_PARTS 3

enum {
    PDSI_BIND_CONST = -1,   /* bound once at create (weights, bias) */
    PDSI_BIND_SCRATCH = -2, /* the predictor's scratch buffer, at the argument's offset */
    PDSI_BIND_TEMP = -3,    /* the step's intermediates in the arena, at the argument's offset */
    PDSI_BIND_OUT0 = -100,  /* output k is PDSI_BIND_OUT0 - k */
};

/* One primitive of a step and its arguments. */
typedef struct pdsi_dnn_part {
    dnnl_primitive_t prim;
    int n_args;
    dnnl_exec_arg_t args[PDSI_DNN_MAX_ARGS];
    int bind[PDSI_DNN_MAX_ARGS]; /* >= 0: input index */
    size_t off[PDSI_DNN_MAX_ARGS]; /* PDSI_BIND_SCRATCH / _TEMP: offset in that buffer */
    void *bound[PDSI_DNN_MAX_ARGS];
} pdsi_dnn_part;

/* A step: one to PDSI_DNN_MAX_PARTS primitives run in order (a transposed
 * convolution followed by its bias and activations, say). Their scratchpads
 * live in the predictor's scratch buffer (shared by all steps); tensors
 * passed between parts are planned in the arena like any tensor alive for
 * one step, so they reuse memory of tensors already dead. */
struct pdsi_dnn_step {
    pdsi_dnn_part parts[PDSI_DNN_MAX_PARTS];
    int n_parts;          /* parts finished */
    size_t scratch;       /* bytes of oneDNN scratchpads */
    size_t temp;          /* bytes of intermediates */
    int inplace;          /* input sharing output 0's storage, or -1 */
    void *owned;          /* constants the step made (an expanded bias), freed with it */
    bool int8;            /* runs an int8 product */
    char impl[48];
    /* A step pdsafe's own code runs instead of parts (gemv.c), with its
     * state in owned; NULL for a step of primitives. */
    pds_status (*native)(const struct pdsi_dnn_step *s, pdsi_tensor *const *in,
                         pdsi_tensor *const *out, pds_error *err);
};

/* The process's CPU engine, made on first use and kept (it is only a handle;
 * primitives in oneDNN's cache refer to it). NULL if it cannot be made. */
dnnl_engine_t pdsi_dnn_engine(void);

/* A descriptor for a float32 tensor of the given logical dims and layout
 * (NHWC for 4-D only; plain otherwise). */
dnnl_status_t pdsi_dnn_md(dnnl_memory_desc_t *md, const int64_t *dims, int rank, uint8_t layout);

/* Maps a oneDNN status to ours, with the operation in the message. */
pds_status pdsi_dnn_fail(pds_error *err, dnnl_status_t s, const char *what);

/* Creates (and drops) pd's primitive at load, so that its JIT-compiled code
 * waits in oneDNN's primitive cache for the first run (which then only looks
 * it up); load-time packing runs on every CPU, the first run on one. */
void pdsi_dnn_warm(const_dnnl_primitive_desc_t pd);

/* A new step with room for arguments; NULL when out of memory. */
pdsi_dnn_step *pdsi_dnn_step_new(void);

/* Creates the current part's primitive from pd (taking ownership of pd),
 * gives it a scratchpad and moves on to the next part. The first part names
 * the step's implementation. */
pds_status pdsi_dnn_step_finish(pdsi_dnn_step *s, dnnl_primitive_desc_t pd, pds_error *err);

/* Adds an argument to the current part: a memory object for md bound as
 * `bind`, with data for PDSI_BIND_CONST. */
pds_status pdsi_dnn_step_arg(pdsi_dnn_step *s, int arg, const dnnl_memory_desc_t *md, int bind,
                             const void *data, pds_error *err);

/* Reserves bytes of the step's intermediates; returns their offset. */
size_t pdsi_dnn_step_temp(pdsi_dnn_step *s, size_t bytes);

/* Adds an argument bound to an intermediate at an offset from
 * pdsi_dnn_step_temp. */
pds_status pdsi_dnn_step_arg_temp(pdsi_dnn_step *s, int arg, const dnnl_memory_desc_t *md,
                                  size_t offset, pds_error *err);

/* True unless pd's implementation is oneDNN's reference one (which is far
 * slower than our own reference kernels). */
bool pdsi_dnn_pd_is_fast(const_dnnl_primitive_desc_t pd);

/* ---- attributes and descriptors (attr.c) ---- */

/* The attribute every step uses (user-managed scratchpad) with post-ops po
 * and a common output scale (each NULL: none); NULL when oneDNN refuses one.
 * The caller destroys it. */
dnnl_primitive_attr_t pdsi_dnn_attr_make(const_dnnl_post_ops_t po, const float *scale);

/* A primitive descriptor for op descriptor desc (a dnnl_*_desc_t) with
 * pdsi_dnn_attr_make(po, scale), or NULL when oneDNN refuses it. */
dnnl_primitive_desc_t pdsi_dnn_pd(const void *desc, const_dnnl_post_ops_t po, const float *scale);

/* The same, but NULL also when oneDNN would run it with its slow reference
 * implementation. */
dnnl_primitive_desc_t pdsi_dnn_fast_pd(const void *desc, const_dnnl_post_ops_t po,
                                       const float *scale);

/* Parameter `value` in the layout `want`, packed once per model from its
 * plain data (described by plain_md, whose dims match want's) or from
 * another packed copy. *data lives as long as the model. */
pds_status pdsi_dnn_weights(pdsi_dnn_model *dm, const pdsi_graph *g, int32_t value,
                            const dnnl_memory_desc_t *plain_md, const dnnl_memory_desc_t *want,
                            const void **data, pds_error *err);

/* The model's layout mode (pdsi_dnn_model_configure). */
bool pdsi_dnn_model_blocked(const pdsi_dnn_model *dm);

/* ---- bf16 (PDS_PRECISION_BF16) ----
 * A bf16 convolution or matmul is a step of two parts: a reorder of the
 * float32 activation input into a bf16 copy among the step's intermediates
 * (in the arena), then the primitive with bf16 source and weights (packed
 * to bf16 once per model, like any packed weights), float32 accumulation,
 * bias, post-ops and float32 output. Every tensor the planner sees stays
 * float32, so no other operator, layout conversion or output changes. */

/* True if the model runs its convolutions and matmuls in bf16. */
bool pdsi_dnn_model_bf16(const pdsi_dnn_model *dm);

/* The same tensor description as f32md (dims, layout, strides) with bf16
 * elements. */
void pdsi_dnn_md_bf16(dnnl_memory_desc_t *out, const dnnl_memory_desc_t *f32md);

/* Adds a part to s that converts input `bind` (described by f32md) into a
 * new bf16 intermediate (described by bf16md); *offset is where it lives
 * among the step's intermediates (for pdsi_dnn_step_arg_temp). The step's
 * implementation is still named by the next part. */
pds_status pdsi_dnn_step_to_bf16(pdsi_dnn_step *s, const dnnl_memory_desc_t *f32md, int bind,
                                 const dnnl_memory_desc_t *bf16md, size_t *offset,
                                 pds_error *err);

/* ---- int8 (QDQ convolutions, ops/fused.h) ----
 * An int8 convolution is a step of two parts: a scaled conversion of the
 * float32 input into int8 (oneDNN rounds half to even and saturates to
 * [-128, 127]: quantize_linear with qmax 127), then the convolution with s8
 * source and weights (packed once per model), s32 accumulation, per-channel
 * output scales, post-ops and float32 output. Where int8 is off (no VNNI,
 * PDS_MODEL_NO_INT8) the same step runs the fake quantisation in float32:
 * to int8 and back, then the float32 convolution. */

/* True if oneDNN's int8 products are exact on this CPU (VNNI). */
bool pdsi_dnn_int8_native(void);

/* True if the model runs its QDQ convolutions in integers. */
bool pdsi_dnn_model_int8(const pdsi_dnn_model *dm);

/* Adds a part converting `from` (input `bind`, or PDSI_BIND_TEMP at from_off)
 * into a new intermediate described by `to`, times scale (oneDNN's reorder:
 * rounding half to even and saturation for integer types); *offset is where
 * it lives among the step's intermediates. */
pds_status pdsi_dnn_step_convert(pdsi_dnn_step *s, const dnnl_memory_desc_t *from, int bind,
                                 size_t from_off, const dnnl_memory_desc_t *to, float scale,
                                 size_t *offset, pds_error *err);

/* ---- products of a few rows by packed weights (gemv.c) ---- */

#define PDSI_GEMV_MAX_ROWS 4

/* True if a float32 product of M rows by weights packed as w_md, then
 * post-ops, runs faster in gemv.c than in oneDNN: 1 <= M <= 4, alpha 1,
 * weights 2-D in BA16a64b, no post-op or one ReLU, and a CPU with AVX-512. */
struct pdsi_post_op;
bool pdsi_dnn_gemv_fits(int64_t M, const dnnl_memory_desc_t *w_md,
                        const struct pdsi_post_op *post, int n_post, float alpha);

/* A step computing out[M][N] = in0[M][K] x packed + bias (NULL: none), then
 * ReLU if relu; packed and bias live as long as the model. */
pds_status pdsi_dnn_gemv_step(int64_t M, int64_t K, int64_t N, const void *packed,
                              const float *bias, bool relu, pdsi_dnn_step **step, pds_error *err);

/* A convolution Winograd F(2,3) can run: 3x3, stride 1, undilated,
 * ungrouped, explicit padding, forward, channels multiples of 16, at least 64. */
bool pdsi_dnn_wino_candidate(const void *fconv_params, const pdsi_tensor *filter);

/* Per op family (files conv.c, pool.c, matmul.c, eltwise.c, misc.c). Each
 * returns PDS_OK with *step NULL when it declines. */
pds_status pdsi_dnn_conv(pdsi_dnn_model *dm, const pdsi_graph *g, const pdsi_node *node,
                         pdsi_dnn_io *in, int n_in, pdsi_dnn_io *out, int n_out, bool pack_only,
                         pdsi_dnn_step **step, pds_error *err);
pds_status pdsi_dnn_pool(const pdsi_node *node, pdsi_dnn_io *in, int n_in, pdsi_dnn_io *out,
                         int n_out, pdsi_dnn_step **step, pds_error *err);
pds_status pdsi_dnn_matmul(pdsi_dnn_model *dm, const pdsi_graph *g, const pdsi_node *node,
                           pdsi_dnn_io *in, int n_in, pdsi_dnn_io *out, int n_out, bool pack_only,
                           pdsi_dnn_step **step, pds_error *err);
pds_status pdsi_dnn_unary(const pdsi_node *node, pdsi_dnn_io *in, int n_in, pdsi_dnn_io *out,
                          int n_out, pdsi_dnn_step **step, pds_error *err);
pds_status pdsi_dnn_binary(const pdsi_node *node, pdsi_dnn_io *in, int n_in, pdsi_dnn_io *out,
                           int n_out, pdsi_dnn_step **step, pds_error *err);
pds_status pdsi_dnn_misc(const pdsi_graph *g, const pdsi_node *node, pdsi_dnn_io *in, int n_in,
                         pdsi_dnn_io *out, int n_out, pdsi_dnn_step **step, pds_error *err);
/* batch_norm (misc.c); its statistics outputs may be empty (ReserveSpace). */
pds_status pdsi_dnn_batch_norm(const pdsi_graph *g, const pdsi_node *node, pdsi_dnn_io *in,
                               int n_in, pdsi_dnn_io *out, int n_out, pdsi_dnn_step **step,
                               pds_error *err);

/* Appends an activation to post-ops as oneDNN eltwise entries; false if it
 * has no exact oneDNN form. kind/a/b/c as in pdsi_unary_params. */
bool pdsi_dnn_post_unary(dnnl_post_ops_t po, int kind, float a, float b, float c);

/* The post-ops of a fused operator (kernels/fused.h): activations as eltwise
 * entries, a residual as a sum when allow_sum (*n_res counts them). NULL when
 * one has no exact oneDNN form, more than one residual, or out of memory. */
struct pdsi_post_op;
dnnl_post_ops_t pdsi_dnn_post_ops(const struct pdsi_post_op *post, int n_post, bool allow_sum,
                                  int *n_res);

/* One argument of a step, for pdsi_dnn_step_part and pdsi_dnn_make_step. */
typedef struct pdsi_dnn_arg {
    int arg;
    const dnnl_memory_desc_t *md;
    int bind;         /* an input index, or PDSI_BIND_* (not _TEMP) */
    const void *data; /* PDSI_BIND_CONST: the constant data */
} pdsi_dnn_arg;

/* Adds the next part to s: its arguments, then pd's primitive
 * (pdsi_dnn_step_finish). Takes pd on every path; on failure s keeps the
 * parts it had and the caller frees it. */
pds_status pdsi_dnn_step_part(pdsi_dnn_step *s, dnnl_primitive_desc_t pd, const pdsi_dnn_arg *args,
                              int n, pds_error *err);

/* Builds a step from pd (always taken: destroyed on every path that does not
 * keep it) and its arguments. If oneDNN would run pd with a slow reference
 * implementation, returns PDS_OK and leaves *step untouched, so the caller
 * falls back to pdsafe's reference kernel. */
pds_status pdsi_dnn_make_step(dnnl_primitive_desc_t pd, const pdsi_dnn_arg *args, int n,
                              pdsi_dnn_step **step, pds_error *err);

#endif
