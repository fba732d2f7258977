/*
 * elementwise.h — parameters and broadcasting rules of the
 * binary element-wise family (elementwise_add, _sub, _mul, _div, _max, _min,
 * _pow, _floordiv, _mod).
 *
 * Broadcasting follows Paddle's legacy `axis` attribute exactly (DESIGN §5):
 *
 *   - X and Y of identical shape: no broadcasting, whatever axis says.
 *   - axis == -1: numpy rules, dims aligned from the right; either operand
 *     may broadcast.
 *   - otherwise the lower-rank operand (X when the ranks are equal) is placed
 *     with its first dim at dim `axis` of the other one, after dropping its
 *     trailing size-1 dims (Y[3,1,1] with axis 1 against X[2,3,4,5] acts as
 *     [1,3,1,1]). Other negative axes are refused (Paddle's kernels refuse
 *     them too), and with equal ranks only 0 and -1 are accepted.
 *
 * After alignment every dim pair must be equal or contain a 1; the output dim
 * is the larger one (0 when a size-0 dim meets a 1).
 */
#ifndef PDSI_OPS_ELEMENTWISE_H
#define PDSI_OPS_ELEMENTWISE_H

#include "core/error.h"
#include "core/slot.h"

typedef enum pdsi_binary_kind {
    PDSI_BINARY_ADD,
    PDSI_BINARY_SUB,
    PDSI_BINARY_MUL,
    PDSI_BINARY_DIV,
    PDSI_BINARY_MAX,
    PDSI_BINARY_MIN,
    PDSI_BINARY_POW,
    PDSI_BINARY_FLOORDIV,
    PDSI_BINARY_MOD,
    PDSI_BINARY_COUNT_
} pdsi_binary_kind;

typedef struct pdsi_binary_params {
    pdsi_binary_kind kind;
    int axis; /* Paddle's attribute as written (-1: numpy broadcasting) */
} pdsi_binary_params;

/* Comparisons (equal ... greater_equal: X and Y of one dtype, float32,
 * int32, int64 or bool) and the binary logical operators (logical_and, _or,
 * _xor: X and Y of one dtype, non-zero is true): Out is BOOL (one byte, 0 or
 * 1), X and Y broadcast as above (the logical operators have no axis
 * attribute: -1). logical_not has the same params (kind PDSI_LOGIC_NOT) and
 * one input. */
typedef enum pdsi_compare_kind {
    PDSI_CMP_EQ,
    PDSI_CMP_NE,
    PDSI_CMP_LT,
    PDSI_CMP_LE,
    PDSI_CMP_GT,
    PDSI_CMP_GE,
    PDSI_LOGIC_AND,
    PDSI_LOGIC_OR,
    PDSI_LOGIC_XOR,
    PDSI_LOGIC_NOT,
    PDSI_COMPARE_COUNT_
} pdsi_compare_kind;

typedef struct pdsi_compare_params {
    pdsi_compare_kind kind;
    int axis;
} pdsi_compare_params;

/* bitwise_and: X and Y of one dtype (bool, int32 or int64), broadcast
 * numpy-style; Out has their dtype: the bits of X AND those of Y (for bool:
 * both true). Params: pdsi_compare_params with kind PDSI_LOGIC_AND. */

/* where: Out[i] = Condition[i] ? X[i] : Y[i], Condition BOOL, X and Y of one
 * dtype (any), all three broadcast numpy-style (dims aligned from the right);
 * no params. */

/* X and Y aligned to the output's rank: x[i] and y[i] are each either out[i]
 * or 1 (broadcast). */
typedef struct pdsi_bcast {
    int rank;
    int64_t out[PDSI_MAX_RANK];
    int64_t x[PDSI_MAX_RANK];
    int64_t y[PDSI_MAX_RANK];
} pdsi_bcast;

/* Aligns X and Y under the rules above. PDS_ERR_SHAPE, with both shapes and
 * the axis in the message, when they do not broadcast. Does not check the
 * output's element count. */
pds_status pdsi_bcast_plan(const int64_t *xdims, int xrank, const int64_t *ydims, int yrank,
                           int axis, pdsi_bcast *plan, pds_error *err);

/* where's output shape: Condition, X and Y broadcast together numpy-style.
 * PDS_ERR_SHAPE naming the inputs when they do not. */
pds_status pdsi_where_shape(const pdsi_tensor *c, const pdsi_tensor *x, const pdsi_tensor *y,
                            int64_t *dims, int *rank, pds_error *err);

#endif
