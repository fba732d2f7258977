/*
 * opdef.h — what the engine knows about one operator type.
 *
 * An opdef names the operator (by its legacy Paddle type; the PIR loader maps
 * onto the same names), lists its input and output slots, and supplies three
 * functions used in this order, after the XNNPACK pattern:
 *
 *   parse  (once, at load)       attributes -> flat params struct; rejects bad
 *                                 or unsupported attribute values
 *   infer  (per run, per op)     input tensors (dtype, shape and, for shape-like
 *                                 inputs, data) -> output dtype and shape
 *   run    (per run, per op)     the kernel: computes outputs
 *
 * Each operator family lives in src/graph/ops_<family>.c (parse, infer, the
 * opdef table) with its params struct in src/kernels/<family>.h and its
 * reference kernels in src/kernels/ref/<family>.c.
 */
#ifndef PDSI_GRAPH_OPDEF_H
#define PDSI_GRAPH_OPDEF_H

#include <stddef.h>

#include "graph/attr.h"
#include "kernels/kernel.h"

#define PDSI_MAX_SLOTS 8

enum {
    PDSI_SLOT_REQUIRED = 0, /* exactly one tensor */
    PDSI_SLOT_OPTIONAL = 1, /* zero or one */
    PDSI_SLOT_LIST = 2,     /* zero or more (with REQUIRED: at least one) */
};

typedef struct pdsi_slotdef {
    const char *name;
    unsigned flags;
} pdsi_slotdef;

typedef struct pdsi_opdef {
    const char *type;
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
    pdsi_kernel_fn run;
    /* Input slots whose tensor data (not just shape) infer reads, as a bit
     * mask (bit k = input slot k). Informational for planners. */
    unsigned data_dependent_inputs;
} pdsi_opdef;

/* Finds the opdef of an operator type, or NULL. */
const pdsi_opdef *pdsi_opdef_find(const char *type);

/* Number of slots in a slot list. */
int pdsi_opdef_slot_count(const pdsi_slotdef *slots);

/* Every known opdef, for listing: NULL-terminated. Calls fn for each. */
void pdsi_opdef_each(void (*fn)(const pdsi_opdef *def, void *ctx), void *ctx);

/* Per-family tables, NULL-terminated (see opdef.c). */
extern const pdsi_opdef *const pdsi_ops_conv[];
extern const pdsi_opdef *const pdsi_ops_pool[];
extern const pdsi_opdef *const pdsi_ops_interp[];
extern const pdsi_opdef *const pdsi_ops_activation[];
extern const pdsi_opdef *const pdsi_ops_elementwise[];
extern const pdsi_opdef *const pdsi_ops_norm[];
extern const pdsi_opdef *const pdsi_ops_matmul[];
extern const pdsi_opdef *const pdsi_ops_reduce[];
extern const pdsi_opdef *const pdsi_ops_shape[];

/* Helpers for infer functions. */

/* Sets the shape of output slot k, tensor 0, if present. */
void pdsi_out_set(const pdsi_slot *out, int k, pds_dtype dtype, int rank, const int64_t *dims);

/* PDS_ERR_SHAPE unless rank(t) is in [lo, hi]. `what` names the input. */
pds_status pdsi_check_rank(const pdsi_tensor *t, int lo, int hi, const char *what,
                           pds_error *err);

/* PDS_ERR_DTYPE unless t->dtype == PDS_FLOAT32. */
pds_status pdsi_check_f32(const pdsi_tensor *t, const char *what, pds_error *err);

/* Normalises a possibly negative axis into [0, rank); PDS_ERR_SHAPE if out of range. */
pds_status pdsi_norm_axis(int64_t axis, int rank, int *out, const char *what, pds_error *err);

#endif
