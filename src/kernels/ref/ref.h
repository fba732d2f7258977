/*
 * ref.h — the portable C reference kernels, and which operator each one runs.
 *
 * Every operator has a reference kernel: they are the oracle that every fast
 * kernel is tested against, and what a node runs on when the fast path
 * declines it (or is not built). The binding of kernels to operators lives
 * here, on the kernel side, not in the opdefs: each kernels/ref/<family>.c
 * ends with a table pdsi_ref_<family>_kernels that names the kernel of each
 * operator of its family, in the order of ops/op_list.h, and checks its
 * length against that list when it compiles (PDSI_REF_TABLE_CHECK).
 *
 * The kernels take their operator's params struct (declared with its shape
 * rules in ops/<family>.h) and the slots of kernels/kernel.h.
 */
#ifndef PDSI_KERNELS_REF_REF_H
#define PDSI_KERNELS_REF_REF_H

#include "kernels/kernel.h"
#include "ops/op_list.h"

/* The reference kernel of operator id, or NULL for an id out of range. */
pdsi_kernel_fn pdsi_ref_kernel(pdsi_op_id id);

/* One row of a family's table. */
typedef struct pdsi_ref_binding {
    pdsi_op_id op;
    pdsi_kernel_fn run;
} pdsi_ref_binding;

#define PDSI_REF_TABLE_DECL_(FAM, fam) extern const pdsi_ref_binding pdsi_ref_##fam##_kernels[];
PDSI_OP_FAMILIES(PDSI_REF_TABLE_DECL_)
#undef PDSI_REF_TABLE_DECL_

/* Placed after a family's table: fails the build unless it has one row per
 * operator of the family in ops/op_list.h. */
#define PDSI_REF_TABLE_CHECK(FAM, fam)                                                        \
    _Static_assert(sizeof pdsi_ref_##fam##_kernels / sizeof pdsi_ref_##fam##_kernels[0] ==    \
                       PDSI_OPS_##FAM##_COUNT,                                                \
                   "pdsi_ref_" #fam "_kernels must bind every " #fam                          \
                   " operator of ops/op_list.h")

/* The kernels, by family. Slots are those of the operator's opdef. */

/* ---- conv (ops/conv.h) ------------------------------------------------- */
/* conv2d / depthwise_conv2d. in: Input, Filter, Bias (optional, [M]),
 * ResidualData (optional, the shape of Output; added). out: Output. */
pds_status pdsi_conv2d_ref(const void *params, const pdsi_slot *in, const pdsi_slot *out,
                           pdsi_exec *ex, pds_error *err);
/* conv2d_transpose / depthwise_conv2d_transpose. in: Input, Filter, Bias
 * (optional, [M]). out: Output. */
pds_status pdsi_conv2d_transpose_ref(const void *params, const pdsi_slot *in,
                                     const pdsi_slot *out, pdsi_exec *ex, pds_error *err);
/* unfold (im2col). in: X [N, C, H, W] float32 or float64; out: Y [N, C*kh*kw, L]. */
pds_status pdsi_unfold_ref(const void *params, const pdsi_slot *in, const pdsi_slot *out,
                           pdsi_exec *ex, pds_error *err);

/* ---- pool (ops/pool.h) ------------------------------------------------- */
/* pool2d. in: X. out: Out. */
pds_status pdsi_pool2d_ref(const void *params, const pdsi_slot *in, const pdsi_slot *out,
                           pdsi_exec *ex, pds_error *err);

/* ---- interp (ops/interp.h) --------------------------------------------- */
/* nearest / bilinear interpolation. in: X, OutSize, SizeTensor (list), Scale.
 * out: Out. Nearest copies elements of any dtype; bilinear is float32. */
pds_status pdsi_interp_ref(const void *params, const pdsi_slot *in, const pdsi_slot *out,
                           pdsi_exec *ex, pds_error *err);
/* linear_interp_v2. in: X [N, C, W] or [N, W, C], OutSize, SizeTensor (list),
 * Scale. out: Out. */
pds_status pdsi_linear_interp_ref(const void *params, const pdsi_slot *in, const pdsi_slot *out,
                                  pdsi_exec *ex, pds_error *err);
/* pad3d / pad2d. in: X, Paddings (optional). out: Out. */
pds_status pdsi_pad_ref(const void *params, const pdsi_slot *in, const pdsi_slot *out,
                        pdsi_exec *ex, pds_error *err);
/* pixel_shuffle. in: X [N, C*r*r, H, W] (or NHWC); out: Out [N, C, H*r, W*r].
 * Moves elements of any dtype. */
pds_status pdsi_pixel_shuffle_ref(const void *params, const pdsi_slot *in, const pdsi_slot *out,
                                  pdsi_exec *ex, pds_error *err);
/* grid_sampler. in: X [N, C, H, W], Grid [N, Ho, Wo, 2]; out: Output
 * [N, C, Ho, Wo]. float32; a NaN grid coordinate reads zeros. */
pds_status pdsi_grid_sample_ref(const void *params, const pdsi_slot *in, const pdsi_slot *out,
                                pdsi_exec *ex, pds_error *err);

/* ---- activation (ops/activation.h) ------------------------------------- */
/* Slots: in X (and, for clip, Min and Max; for pow, FactorTensor); out Out. */
pds_status pdsi_ref_unary(const void *params, const pdsi_slot *in, const pdsi_slot *out,
                          pdsi_exec *ex, pds_error *err);
/* Slots: in X, ScaleTensor; out Out. float32, int32 or int64. */
pds_status pdsi_ref_scale(const void *params, const pdsi_slot *in, const pdsi_slot *out,
                          pdsi_exec *ex, pds_error *err);
/* Slots: in X, Seed; out Out, Mask (filled with 1: nothing is dropped). */
pds_status pdsi_ref_dropout(const void *params, const pdsi_slot *in, const pdsi_slot *out,
                            pdsi_exec *ex, pds_error *err);

/* ---- elementwise (ops/elementwise.h) ----------------------------------- */
/* Slots: in X, Y; out Out. X and Y share one dtype: float32, int32 or int64.
 * Integer division, floordiv and mod by zero return PDS_ERR_INVALID_ARGUMENT
 * (Paddle raises an error there too) before anything is written. */
pds_status pdsi_ref_binary(const void *params, const pdsi_slot *in, const pdsi_slot *out,
                           pdsi_exec *ex, pds_error *err);

/* Comparisons and logical operators. in: X, Y (not for logical_not); out:
 * Out, bool. */
pds_status pdsi_ref_compare(const void *params, const pdsi_slot *in, const pdsi_slot *out,
                            pdsi_exec *ex, pds_error *err);
/* where. in: Condition (bool), X, Y; out: Out. Any element type. */
pds_status pdsi_ref_where(const void *params, const pdsi_slot *in, const pdsi_slot *out,
                          pdsi_exec *ex, pds_error *err);
/* bitwise_and. in: X, Y (bool, int32 or int64, one dtype); out: Out, theirs. */
pds_status pdsi_ref_bitwise(const void *params, const pdsi_slot *in, const pdsi_slot *out,
                            pdsi_exec *ex, pds_error *err);

/* ---- norm (ops/norm.h) ------------------------------------------------- */
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

/* instance_norm. Slots: in X [N,C,...], Scale, Bias (optional, [C]); out Y,
 * SavedMean, SavedVariance (optional, [N*C]; the latter 1/sqrt(var + eps)). */
pds_status pdsi_ref_instance_norm(const void *params, const pdsi_slot *in, const pdsi_slot *out,
                                  pdsi_exec *ex, pds_error *err);
/* group_norm. Slots: in X, Scale, Bias (optional, [C]); out Y, Mean,
 * Variance (optional, [N, groups]). Statistics in double, two-pass. */
pds_status pdsi_ref_group_norm(const void *params, const pdsi_slot *in, const pdsi_slot *out,
                               pdsi_exec *ex, pds_error *err);

/* ---- matmul (ops/matmul.h) --------------------------------------------- */
/* Slots: in X, Y; out Out. */
pds_status pdsi_ref_matmul(const void *params, const pdsi_slot *in, const pdsi_slot *out,
                           pdsi_exec *ex, pds_error *err);
/* Slots: in X, Y; out Out. */
pds_status pdsi_ref_mul(const void *params, const pdsi_slot *in, const pdsi_slot *out,
                        pdsi_exec *ex, pds_error *err);
/* Slots: in Input, W, Bias (optional); out Out. */
pds_status pdsi_ref_fc(const void *params, const pdsi_slot *in, const pdsi_slot *out,
                       pdsi_exec *ex, pds_error *err);

/* ---- reduce (ops/reduce.h) --------------------------------------------- */
pds_status pdsi_reduce_ref(const void *params, const pdsi_slot *in, const pdsi_slot *out,
                           pdsi_exec *ex, pds_error *err);
pds_status pdsi_arg_ref(const void *params, const pdsi_slot *in, const pdsi_slot *out,
                        pdsi_exec *ex, pds_error *err);
/* cumsum (pdsi_cumsum_params). */
pds_status pdsi_cumsum_ref(const void *params, const pdsi_slot *in, const pdsi_slot *out,
                           pdsi_exec *ex, pds_error *err);
/* p_norm (pdsi_p_norm_params). in: X (float32); out: Out. */
pds_status pdsi_p_norm_ref(const void *params, const pdsi_slot *in, const pdsi_slot *out,
                           pdsi_exec *ex, pds_error *err);

/* ---- shape (ops/shape.h) ----------------------------------------------- */
/* Out = X as bytes (reshape, flatten, squeeze, unsqueeze, assign): same dtype
 * and element count. */
pds_status pdsi_copy_ref(const void *params, const pdsi_slot *in, const pdsi_slot *out,
                         pdsi_exec *ex, pds_error *err);
/* flip (pdsi_axes_params: the axis attribute). in: X (any dtype); out: Out. */
pds_status pdsi_flip_ref(const void *params, const pdsi_slot *in, const pdsi_slot *out,
                         pdsi_exec *ex, pds_error *err);
pds_status pdsi_transpose_ref(const void *params, const pdsi_slot *in, const pdsi_slot *out,
                              pdsi_exec *ex, pds_error *err);
pds_status pdsi_concat_ref(const void *params, const pdsi_slot *in, const pdsi_slot *out,
                           pdsi_exec *ex, pds_error *err);
pds_status pdsi_split_ref(const void *params, const pdsi_slot *in, const pdsi_slot *out,
                          pdsi_exec *ex, pds_error *err);
pds_status pdsi_stack_ref(const void *params, const pdsi_slot *in, const pdsi_slot *out,
                          pdsi_exec *ex, pds_error *err);
pds_status pdsi_slice_ref(const void *params, const pdsi_slot *in, const pdsi_slot *out,
                          pdsi_exec *ex, pds_error *err);
/* shape: Out (int32, [rank]) = dims of Input. */
pds_status pdsi_shape_ref(const void *params, const pdsi_slot *in, const pdsi_slot *out,
                          pdsi_exec *ex, pds_error *err);
pds_status pdsi_fill_constant_ref(const void *params, const pdsi_slot *in,
                                  const pdsi_slot *out, pdsi_exec *ex, pds_error *err);
pds_status pdsi_fill_like_ref(const void *params, const pdsi_slot *in, const pdsi_slot *out,
                              pdsi_exec *ex, pds_error *err);
pds_status pdsi_assign_value_ref(const void *params, const pdsi_slot *in,
                                 const pdsi_slot *out, pdsi_exec *ex, pds_error *err);
pds_status pdsi_cast_ref(const void *params, const pdsi_slot *in, const pdsi_slot *out,
                         pdsi_exec *ex, pds_error *err);
/* expand_v2, expand_as_v2, tile (pdsi_expand_params). */
pds_status pdsi_expand_ref(const void *params, const pdsi_slot *in, const pdsi_slot *out,
                           pdsi_exec *ex, pds_error *err);
/* gather, index_select, gather_nd, take_along_axis (pdsi_gather_params); an
 * Index value out of range is PDS_ERR_SHAPE naming it. */
pds_status pdsi_gather_ref(const void *params, const pdsi_slot *in, const pdsi_slot *out,
                           pdsi_exec *ex, pds_error *err);

/* ---- index (ops/index.h) ----------------------------------------------- */
/* lookup_table_v2. in: Ids, W; out: Out. An id out of range (other than
 * padding_idx) is PDS_ERR_SHAPE naming it, before anything is written. */
pds_status pdsi_embedding_ref(const void *params, const pdsi_slot *in, const pdsi_slot *out,
                              pdsi_exec *ex, pds_error *err);
/* one_hot_v2. in: X, depth_tensor; out: Out. */
pds_status pdsi_one_hot_ref(const void *params, const pdsi_slot *in, const pdsi_slot *out,
                            pdsi_exec *ex, pds_error *err);
/* range (in: Start, End, Step) and linspace (in: Start, Stop, Num); out: Out. */
pds_status pdsi_range_ref(const void *params, const pdsi_slot *in, const pdsi_slot *out,
                          pdsi_exec *ex, pds_error *err);
pds_status pdsi_linspace_ref(const void *params, const pdsi_slot *in, const pdsi_slot *out,
                             pdsi_exec *ex, pds_error *err);
/* fill_constant_batch_size_like. in: Input (dims only); out: Out. */
pds_status pdsi_fill_bsl_ref(const void *params, const pdsi_slot *in, const pdsi_slot *out,
                             pdsi_exec *ex, pds_error *err);
/* meshgrid. in: X (list); out: Out (list). */
pds_status pdsi_meshgrid_ref(const void *params, const pdsi_slot *in, const pdsi_slot *out,
                             pdsi_exec *ex, pds_error *err);
/* roll. in: X, ShiftsTensor; out: Out. */
pds_status pdsi_roll_ref(const void *params, const pdsi_slot *in, const pdsi_slot *out,
                         pdsi_exec *ex, pds_error *err);
/* set_value. in: Input, ValueTensor, StartsTensorList, EndsTensorList,
 * StepsTensorList; out: Out. */
pds_status pdsi_set_value_ref(const void *params, const pdsi_slot *in, const pdsi_slot *out,
                              pdsi_exec *ex, pds_error *err);

/* ---- sort (ops/sort.h) ------------------------------------------------- */
/* top_k_v2 (in X, K; out Out, Indices) and argsort (in X; out Out, Indices),
 * with Paddle's order for equal values. */
pds_status pdsi_sort_ref(const void *params, const pdsi_slot *in, const pdsi_slot *out,
                         pdsi_exec *ex, pds_error *err);

/* ---- detect (ops/detect.h) --------------------------------------------- */
/* yolo_box. in: X, ImgSize (int32 [N, 2]); out: Boxes, Scores. */
pds_status pdsi_yolo_box_ref(const void *params, const pdsi_slot *in, const pdsi_slot *out,
                             pdsi_exec *ex, pds_error *err);
/* prior_box. in: Input, Image (dims only); out: Boxes, Variances. */
pds_status pdsi_prior_box_ref(const void *params, const pdsi_slot *in, const pdsi_slot *out,
                              pdsi_exec *ex, pds_error *err);
/* multiclass_nms3. in: BBoxes, Scores, RoisNum (optional); out: Out, Index,
 * NmsRoisNum (both optional). */
pds_status pdsi_multiclass_nms3_ref(const void *params, const pdsi_slot *in,
                                    const pdsi_slot *out, pdsi_exec *ex, pds_error *err);
/* matrix_nms. in: BBoxes, Scores; out: Out, Index, RoisNum (both optional). */
pds_status pdsi_matrix_nms_ref(const void *params, const pdsi_slot *in, const pdsi_slot *out,
                               pdsi_exec *ex, pds_error *err);

/* ---- quant (ops/quant.h) ---------------------------------------------- */
/* quantize_linear and dequantize_linear. in: X, Scale (ZeroPoint, InAccum,
 * InState unread); out: Y. */
pds_status pdsi_quant_ref(const void *params, const pdsi_slot *in, const pdsi_slot *out,
                          pdsi_exec *ex, pds_error *err);
/* quantize_linear (round half to even, per tensor, scale s, qmax q) then
 * dequantize_linear of x into y, with their kernels' arithmetic; y may be x. */
void pdsi_ref_fake_quant(const float *x, float *y, int64_t n, float s, float q);
/* Each half alone: quantize_linear (round half to even) and dequantize_linear. */
void pdsi_ref_quantize(const float *x, float *y, int64_t n, float s, float q);
void pdsi_ref_dequantize(const float *x, float *y, int64_t n, float s, float q);

/* ---- control (ops/control.h) ------------------------------------------ */
/* select_input. in: X (list), Mask; out: Out, a copy of X[Mask]. */
pds_status pdsi_select_input_ref(const void *params, const pdsi_slot *in, const pdsi_slot *out,
                                 pdsi_exec *ex, pds_error *err);

/* ---- fused (ops/fused.h) ----------------------------------------------- */
pds_status pdsi_fused_conv_ref(const void *params, const pdsi_slot *in, const pdsi_slot *out,
                               pdsi_exec *ex, pds_error *err);
pds_status pdsi_fused_matmul_ref(const void *params, const pdsi_slot *in, const pdsi_slot *out,
                                 pdsi_exec *ex, pds_error *err);

#endif
