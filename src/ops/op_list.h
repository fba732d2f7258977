/*
 * op_list.h — the one list of operator ids.
 *
 * Every operator the engine knows has an id, PDSI_OP_<ID>, dense from 0 to
 * PDSI_OP_COUNT - 1 in the order of this list. The list is grouped by family
 * (one family = one ops/<family>.c with its opdef table and one
 * kernels/ref/<family>.c with its reference-kernel table); the ids of a family
 * are contiguous, from PDSI_OPS_<FAMILY>_FIRST, PDSI_OPS_<FAMILY>_COUNT of
 * them. Both tables list their family's ops in this order, and both check
 * their length against this list when they compile.
 *
 * An entry is X(ID, name): name is the operator type as model files spell it
 * (the legacy Paddle type; the PIR loader maps onto the same names).
 *
 * Adding an operator to a family (docs/ADDING_AN_OPERATOR.md): one line here,
 * its opdef row in ops/<family>.c, its kernel row in kernels/ref/<family>.c,
 * a test, and a row in model/pir_ops.c when PIR programs name it.
 */
#ifndef PDSI_OPS_OP_LIST_H
#define PDSI_OPS_OP_LIST_H

#define PDSI_OPS_CONV(X)                                                                      \
    X(CONV2D, conv2d)                                                                         \
    X(DEPTHWISE_CONV2D, depthwise_conv2d)                                                     \
    X(CONV2D_TRANSPOSE, conv2d_transpose)                                                     \
    X(DEPTHWISE_CONV2D_TRANSPOSE, depthwise_conv2d_transpose)                                 \
    X(UNFOLD, unfold)

#define PDSI_OPS_POOL(X) X(POOL2D, pool2d)

#define PDSI_OPS_INTERP(X)                                                                    \
    X(NEAREST_INTERP_V2, nearest_interp_v2)                                                   \
    X(BILINEAR_INTERP_V2, bilinear_interp_v2)                                                 \
    X(NEAREST_INTERP, nearest_interp)                                                         \
    X(BILINEAR_INTERP, bilinear_interp)                                                       \
    X(PAD3D, pad3d)                                                                           \
    X(PAD2D, pad2d)                                                                           \
    X(PIXEL_SHUFFLE, pixel_shuffle)                                                           \
    X(GRID_SAMPLER, grid_sampler)                                                             \
    X(LINEAR_INTERP_V2, linear_interp_v2)

#define PDSI_OPS_ACTIVATION(X)                                                                \
    X(RELU, relu)                                                                             \
    X(RELU6, relu6)                                                                           \
    X(SIGMOID, sigmoid)                                                                       \
    X(TANH, tanh)                                                                             \
    X(SWISH, swish)                                                                           \
    X(SILU, silu)                                                                             \
    X(HARD_SWISH, hard_swish)                                                                 \
    X(HARD_SIGMOID, hard_sigmoid)                                                             \
    X(GELU, gelu)                                                                             \
    X(LEAKY_RELU, leaky_relu)                                                                 \
    X(CLIP, clip)                                                                             \
    X(SCALE, scale)                                                                           \
    X(DROPOUT, dropout)                                                                       \
    X(EXP, exp)                                                                               \
    X(SQRT, sqrt)                                                                             \
    X(RSQRT, rsqrt)                                                                           \
    X(ABS, abs)                                                                               \
    X(LOG, log)                                                                               \
    X(SQUARE, square)                                                                         \
    X(SOFTPLUS, softplus)                                                                     \
    X(MISH, mish)                                                                             \
    X(ELU, elu)                                                                               \
    X(POW, pow)                                                                               \
    X(ERF, erf)                                                                               \
    X(SIN, sin)                                                                               \
    X(COS, cos)                                                                               \
    X(FLOOR, floor)                                                                           \
    X(CEIL, ceil)                                                                             \
    X(ROUND, round)                                                                           \
    X(SIGN, sign)                                                                             \
    X(RECIPROCAL, reciprocal)

#define PDSI_OPS_ELEMENTWISE(X)                                                               \
    X(ELEMENTWISE_ADD, elementwise_add)                                                       \
    X(ELEMENTWISE_SUB, elementwise_sub)                                                       \
    X(ELEMENTWISE_MUL, elementwise_mul)                                                       \
    X(ELEMENTWISE_DIV, elementwise_div)                                                       \
    X(ELEMENTWISE_MAX, elementwise_max)                                                       \
    X(ELEMENTWISE_MIN, elementwise_min)                                                       \
    X(ELEMENTWISE_POW, elementwise_pow)                                                       \
    X(ELEMENTWISE_FLOORDIV, elementwise_floordiv)                                             \
    X(ELEMENTWISE_MOD, elementwise_mod)                                                       \
    X(EQUAL, equal)                                                                           \
    X(NOT_EQUAL, not_equal)                                                                   \
    X(LESS_THAN, less_than)                                                                   \
    X(LESS_EQUAL, less_equal)                                                                 \
    X(GREATER_THAN, greater_than)                                                             \
    X(GREATER_EQUAL, greater_equal)                                                           \
    X(LOGICAL_AND, logical_and)                                                               \
    X(LOGICAL_OR, logical_or)                                                                 \
    X(LOGICAL_XOR, logical_xor)                                                               \
    X(LOGICAL_NOT, logical_not)                                                               \
    X(WHERE, where)                                                                           \
    X(BITWISE_AND, bitwise_and)

#define PDSI_OPS_NORM(X)                                                                      \
    X(BATCH_NORM, batch_norm)                                                                 \
    X(LAYER_NORM, layer_norm)                                                                 \
    X(SOFTMAX, softmax)                                                                       \
    X(LOG_SOFTMAX, log_softmax)                                                               \
    X(INSTANCE_NORM, instance_norm)                                                           \
    X(GROUP_NORM, group_norm)

#define PDSI_OPS_MATMUL(X)                                                                    \
    X(MATMUL_V2, matmul_v2)                                                                   \
    X(MATMUL, matmul)                                                                         \
    X(MUL, mul)                                                                               \
    X(FC, fc)

#define PDSI_OPS_REDUCE(X)                                                                    \
    X(REDUCE_SUM, reduce_sum)                                                                 \
    X(REDUCE_MEAN, reduce_mean)                                                               \
    X(REDUCE_MAX, reduce_max)                                                                 \
    X(REDUCE_MIN, reduce_min)                                                                 \
    X(ARG_MAX, arg_max)                                                                       \
    X(ARG_MIN, arg_min)                                                                       \
    X(CUMSUM, cumsum)                                                                         \
    X(P_NORM, p_norm)                                                                         \
    X(REDUCE_ALL, reduce_all)                                                                 \
    X(REDUCE_ANY, reduce_any)

#define PDSI_OPS_SHAPE(X)                                                                     \
    X(RESHAPE2, reshape2)                                                                     \
    X(RESHAPE, reshape)                                                                       \
    X(TRANSPOSE2, transpose2)                                                                 \
    X(TRANSPOSE, transpose)                                                                   \
    X(FLATTEN_CONTIGUOUS_RANGE, flatten_contiguous_range)                                     \
    X(FLATTEN2, flatten2)                                                                     \
    X(FLATTEN, flatten)                                                                       \
    X(SQUEEZE2, squeeze2)                                                                     \
    X(SQUEEZE, squeeze)                                                                       \
    X(UNSQUEEZE2, unsqueeze2)                                                                 \
    X(UNSQUEEZE, unsqueeze)                                                                   \
    X(CONCAT, concat)                                                                         \
    X(SPLIT, split)                                                                           \
    X(STACK, stack)                                                                           \
    X(SLICE, slice)                                                                           \
    X(STRIDED_SLICE, strided_slice)                                                           \
    X(SHAPE, shape)                                                                           \
    X(ASSIGN, assign)                                                                         \
    X(CAST, cast)                                                                             \
    X(FILL_CONSTANT, fill_constant)                                                           \
    X(FILL_ANY_LIKE, fill_any_like)                                                           \
    X(FILL_ZEROS_LIKE, fill_zeros_like)                                                       \
    X(ASSIGN_VALUE, assign_value)                                                             \
    X(EXPAND_V2, expand_v2)                                                                   \
    X(EXPAND_AS_V2, expand_as_v2)                                                             \
    X(TILE, tile)                                                                             \
    X(GATHER, gather)                                                                         \
    X(INDEX_SELECT, index_select)                                                             \
    X(GATHER_ND, gather_nd)                                                                   \
    X(TAKE_ALONG_AXIS, take_along_axis)                                                       \
    X(FLIP, flip)                                                                             \
    X(SHARE_DATA, share_data)

/* Index and sequence operators of NLP and transformer models: embedding
 * lookup, one-hot, ranges and grids, batch-sized fills, roll, and the
 * assignment into a slice that `x[...] = v` becomes. */
#define PDSI_OPS_INDEX(X)                                                                     \
    X(LOOKUP_TABLE_V2, lookup_table_v2)                                                       \
    X(ONE_HOT_V2, one_hot_v2)                                                                 \
    X(RANGE, range)                                                                           \
    X(LINSPACE, linspace)                                                                     \
    X(FILL_CONSTANT_BATCH_SIZE_LIKE, fill_constant_batch_size_like)                           \
    X(MESHGRID, meshgrid)                                                                     \
    X(ROLL, roll)                                                                             \
    X(SET_VALUE, set_value)

/* Sorting: the k largest or smallest along an axis, and the sorting
 * permutation, in Paddle's order for equal values. */
#define PDSI_OPS_SORT(X)                                                                      \
    X(TOP_K_V2, top_k_v2)                                                                     \
    X(ARGSORT, argsort)

/* Detection heads: decoding YOLO outputs, SSD prior boxes, multi-class NMS. */
#define PDSI_OPS_DETECT(X)                                                                    \
    X(YOLO_BOX, yolo_box)                                                                     \
    X(PRIOR_BOX, prior_box)                                                                   \
    X(MULTICLASS_NMS3, multiclass_nms3)                                                       \
    X(MATRIX_NMS, matrix_nms)

/* PaddleSlim's QDQ pairs, simulated in float as Paddle's CPU kernels do. */
#define PDSI_OPS_QUANT(X)                                                                     \
    X(QUANTIZE_LINEAR, quantize_linear)                                                       \
    X(DEQUANTIZE_LINEAR, dequantize_linear)

/* Control flow: what joins the branches of a conditional (ops/control.h). */
#define PDSI_OPS_CONTROL(X) X(SELECT_INPUT, select_input)

/* Made by the load-time passes (passes/passes.h), never named by a model file
 * (PDSI_OPF_INTERNAL). */
#define PDSI_OPS_FUSED(X)                                                                     \
    X(PDSAFE_CONV, pdsafe_conv)                                                               \
    X(PDSAFE_MATMUL, pdsafe_matmul)                                                           \
    X(PDSAFE_AFFINE, pdsafe_affine)

/* The families in id order: F(FAMILY, name); name is the family's file name
 * in ops/ and kernels/ref/ and the opdef's `family`. */
#define PDSI_OP_FAMILIES(F)                                                                   \
    F(CONV, conv)                                                                             \
    F(POOL, pool)                                                                             \
    F(INTERP, interp)                                                                         \
    F(ACTIVATION, activation)                                                                 \
    F(ELEMENTWISE, elementwise)                                                               \
    F(NORM, norm)                                                                             \
    F(MATMUL, matmul)                                                                         \
    F(REDUCE, reduce)                                                                         \
    F(SHAPE, shape)                                                                           \
    F(INDEX, index)                                                                           \
    F(SORT, sort)                                                                             \
    F(DETECT, detect)                                                                         \
    F(QUANT, quant)                                                                           \
    F(CONTROL, control)                                                                       \
    F(FUSED, fused)

/* The ids. Each family opens with PDSI_OPS_<FAMILY>_FIRST, the id of its first
 * operator (a helper enumerator steps back by one so that the first operator
 * gets the same value). */
#define PDSI_OP_ENUM_(ID, name) PDSI_OP_##ID,
#define PDSI_OP_FAMILY_ENUM_(FAM, fam)                                                        \
    PDSI_OPS_##FAM##_FIRST, PDSI_OPS_##FAM##_BACK_ = PDSI_OPS_##FAM##_FIRST - 1,               \
    PDSI_OPS_##FAM(PDSI_OP_ENUM_)
typedef enum pdsi_op_id {
    PDSI_OP_FAMILIES(PDSI_OP_FAMILY_ENUM_)
    PDSI_OP_COUNT
} pdsi_op_id;
#undef PDSI_OP_FAMILY_ENUM_
#undef PDSI_OP_ENUM_

/* PDSI_OPS_<FAMILY>_COUNT: the number of operators of each family. */
#define PDSI_OP_ONE_(ID, name) +1
#define PDSI_OP_FAMILY_COUNT_(FAM, fam) PDSI_OPS_##FAM##_COUNT = 0 PDSI_OPS_##FAM(PDSI_OP_ONE_),
enum { PDSI_OP_FAMILIES(PDSI_OP_FAMILY_COUNT_) };
#undef PDSI_OP_FAMILY_COUNT_
#undef PDSI_OP_ONE_

#endif
