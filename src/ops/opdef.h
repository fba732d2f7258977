/*
 * opdef.h — what the engine knows about one operator type.
 *
 * An opdef gives the operator its identity (an id from ops/op_list.h, the
 * type as model files name it, its family), lists its input and output slots,
 * says what kind of operator it is (capability flags, for the passes, the
 * planner and the fast path), and supplies two functions used in this order,
 * after the XNNPACK pattern:
 *
 *   parse  (once, at load)       attributes -> flat params struct; rejects bad
 *                                 or unsupported attribute values
 *   infer  (per run, per op)     input tensors (dtype, shape and, for shape-like
 *                                 inputs, data) -> output dtype and shape
 *
 * The kernels that compute an operator are not part of its opdef: they are
 * bound to its id on the kernel side (kernels/ref/ref.h for the reference
 * kernels, which every operator has).
 *
 * Each operator family lives in src/ops/<family>.c (parse, infer, the opdef
 * table, and the shape rules its kernels share: resolve functions, broadcast
 * and matmul plans) with its params structs and those rules declared in
 * src/ops/<family>.h; its reference kernels are in src/kernels/ref/<family>.c.
 * ops/ includes only core/ and ops/.
 */
#ifndef PDSI_OPS_OPDEF_H
#define PDSI_OPS_OPDEF_H

#include <stddef.h>

#include "core/error.h"
#include "core/slot.h"
#include "ops/attr.h"
#include "ops/op_list.h"

#define PDSI_MAX_SLOTS 8

enum {
    PDSI_SLOT_REQUIRED = 0, /* exactly one tensor */
    PDSI_SLOT_OPTIONAL = 1, /* zero or one */
    PDSI_SLOT_LIST = 2,     /* zero or more (with REQUIRED: at least one) */
};

/* Capability flags (pdsi_opdef.flags). Where a property also depends on the
 * parsed params or on which slots are bound, the flag says the operator may
 * have it and the user checks the rest (noted per flag). */
enum {
    /* Reads only the dims of its inputs, never their data (shape). */
    PDSI_OPF_DIMS_ONLY = 1u << 0,
    /* Element-wise unary arithmetic of the activation family: Out[i] =
     * f(X[i]) with Out of X's shape and dtype; any other input is a scalar
     * operand. Runs on data in any layout. */
    PDSI_OPF_UNARY = 1u << 1,
    /* Element-wise binary: params are pdsi_binary_params, X and Y broadcast
     * under the rules of ops/elementwise.h. Runs on data in any layout when
     * X and Y have the same shape. */
    PDSI_OPF_BINARY = 1u << 2,
    /* Out may share X's buffer: the kernel reads X[i] before it writes
     * Out[i] and reads nothing else of X. */
    PDSI_OPF_INPLACE = 1u << 3,
    /* Out = X at inference: always (assign), or when the params say so
     * (dropout with factor 1, scale 1 with bias 0 and no ScaleTensor), which
     * the passes check by id. */
    PDSI_OPF_IDENTITY = 1u << 4,
    /* Fusable as a post-operation of a convolution or matrix product: params
     * are pdsi_unary_params. Only the attribute form fuses: the user checks
     * that the tensor-valued inputs (clip's Min/Max, pow's FactorTensor) are
     * absent. */
    PDSI_OPF_POST_OP = 1u << 5,
    /* Made by the load-time passes; a model file cannot name it
     * (pdsi_opdef_find does not find it). */
    PDSI_OPF_INTERNAL = 1u << 6,
    /* Output sizes known after the kernel (multiclass_nms3, matrix_nms):
     * infer reads no data and sets an upper bound on dim 0 of each output;
     * the kernel writes at most that many rows and then sets each output's
     * real dim 0 (pdsi_tensor_shrink_rows), never more than the bound and
     * never any other dim. Every operator reading such an output, and all
     * that depends on it, is "late" (graph/graph.h): re-inferred from the
     * real shapes and run after the plan's steps. A backend that takes such
     * an operator must write its outputs in plain layout (as ref does): the
     * planner's conversions are sized at plan time, from the bound. */
    PDSI_OPF_SIZE_AFTER_RUN = 1u << 7,
    /* Out[i] = f(X[i]) whenever every input but X holds one element
     * (quantize_linear / dequantize_linear with a per-tensor scale): then it
     * runs on data in any layout, like a unary operator. */
    PDSI_OPF_ELEMENTWISE_SCALARS = 1u << 8,
};

typedef struct pdsi_slotdef {
    const char *name;
    unsigned flags;
} pdsi_slotdef;

typedef struct pdsi_opdef {
    pdsi_op_id id;
    const char *type;                  /* as model files name it (ops/op_list.h) */
    const char *family;                /* its family's name: the file ops/<family>.c */
    unsigned flags;                    /* PDSI_OPF_* */
    pdsi_slotdef in[PDSI_MAX_SLOTS];   /* terminated by a NULL name */
    pdsi_slotdef out[PDSI_MAX_SLOTS];  /* terminated by a NULL name */
    size_t params_size;                /* bytes of the flat params struct (may be 0) */
    /* Fills params (zeroed, params_size bytes) from attributes. Messages name
     * the attribute; the caller adds the operator. May be NULL. */
    pds_status (*parse)(const pdsi_attrs *attrs, void *params, pds_error *err);
    /* Sets dtype and shape of every present output from the inputs. Must check
     * everything the kernel relies on (ranks, matching dims, dtypes) and return
     * PDS_ERR_SHAPE / PDS_ERR_DTYPE otherwise; must reject shapes whose
     * element count overflows. */
    pds_status (*infer)(const void *params, const pdsi_slot *in, const pdsi_slot *out,
                        pds_error *err);
    /* Input slots whose tensor data (not just shape) infer reads, as a bit
     * mask (bit k = input slot k). Informational for planners. */
    unsigned data_dependent_inputs;
} pdsi_opdef;

/* Finds the opdef of an operator type a model file may name, or NULL
 * (operators with PDSI_OPF_INTERNAL are not found). */
const pdsi_opdef *pdsi_opdef_find(const char *type);

/* The number of operators (PDSI_OP_COUNT), and the opdef of id i in
 * [0, count) (NULL outside): listing in id order, internal operators too. */
int pdsi_opdef_count(void);
const pdsi_opdef *pdsi_opdef_at(int i);

/* Number of slots in a slot list. */
int pdsi_opdef_slot_count(const pdsi_slotdef *slots);

/* Per-family tables, in the order of ops/op_list.h; each family's .c checks
 * its length against PDSI_OPS_<FAMILY>_COUNT. */
#define PDSI_OPDEF_TABLE_DECL_(FAM, fam) extern const pdsi_opdef *const pdsi_ops_##fam[];
PDSI_OP_FAMILIES(PDSI_OPDEF_TABLE_DECL_)
#undef PDSI_OPDEF_TABLE_DECL_

/* Placed after a family table: fails the build unless it has one entry per
 * operator of the family in ops/op_list.h. */
#define PDSI_OPDEF_TABLE_CHECK(FAM, fam)                                                      \
    _Static_assert(sizeof pdsi_ops_##fam / sizeof pdsi_ops_##fam[0] == PDSI_OPS_##FAM##_COUNT, \
                   "pdsi_ops_" #fam " must list every " #fam " operator of ops/op_list.h")

/* Helpers for infer functions. */

/* Sets the shape of output slot k, tensor 0, if present. */
void pdsi_out_set(const pdsi_slot *out, int k, pds_dtype dtype, int rank, const int64_t *dims);

/* PDS_ERR_SHAPE unless rank(t) is in [lo, hi]. `what` names the input. */
pds_status pdsi_check_rank(const pdsi_tensor *t, int lo, int hi, const char *what,
                           pds_error *err);

/* PDS_ERR_DTYPE unless t->dtype == PDS_FLOAT32. */
pds_status pdsi_check_f32(const pdsi_tensor *t, const char *what, pds_error *err);

/* PDS_ERR_SHAPE if an output of these dims and dtype has a byte size that
 * wraps size_t or exceeds PTRDIFF_MAX: an element count that fits int64 may
 * still, and a shape can come straight from the model (fill_constant) or
 * from data. `what` starts the message ("the concatenation", "range: output"). */
pds_status pdsi_check_out_size(pds_dtype dt, int rank, const int64_t *dims, const char *what,
                               pds_error *err);

#endif
