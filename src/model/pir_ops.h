/*
 * pir_ops.h — the PIR loader's operator mapping table (private to pir*.c and
 * the tests): which PIR op becomes which legacy operator of src/graph/, with
 * which slots and attributes (pir_ops.c).
 */
#ifndef PDSI_MODEL_PIR_OPS_H
#define PDSI_MODEL_PIR_OPS_H

#include "model/pir_json.h"

/* ------------------------------------------------------------------------ */
/* Operator specs                                                            */
/* ------------------------------------------------------------------------ */

/* What the current op hands to its mapper. */
typedef struct opctx {
    const json_t *op;
    const json_t *A;
    const int32_t *in;  /* operand value indices, -1 for %0 (absent) */
    int n_in;
    const int32_t *out; /* result value indices */
    const int64_t *out_ids;
    int n_out;
} opctx;

typedef struct obuild obuild; /* what map_generic builds (pir_ops.c) */
struct opspec;
typedef pds_status (*op_fn)(ld *L, const struct opspec *s, const opctx *c, obuild *b);

/* An operator mapping. ins has one token per PIR operand, in order:
 *   Slot        tensor operand -> legacy slot (absent operand: no argument)
 *   Slot*       vector or tensor operand -> list slot
 *   -           ignored      !  must be absent
 *   =attr:K[|Slot[|ListSlot]]  a mutable attribute: constant -> legacy
 *               attribute attr of kind K (I int list, i int, f float);
 *               otherwise a tensor -> Slot, a vector -> ListSlot
 * outs has one token per result: Slot, Slot* (vector result -> list slot) or
 * - (not computed). attrs: pir[:legacy]/K with K i f b s I F, or D (a
 * 1.a_dtype -> VarType number), and +legacy=value/K for fixed attributes.
 * A legacy name "-" (is_test:-/b) checks the PIR attribute and drops it, for
 * attributes of training that the legacy operator does not read.
 * A spec with fn set has no legacy type: fn builds what it needs itself. */
typedef struct opspec {
    const char *pir;
    const char *legacy;
    const char *ins, *outs, *attrs;
    /* Every legacy attribute the mapping can set, as name/K (K: i int, f
     * float, b bool, s string, I int list, F float list), whether from attrs,
     * from a mutable operand or from the post hook. map_generic refuses to add
     * an attribute this list does not name (PDS_ERR_INTERNAL), and
     * tests/test_pir_mapping.c checks that the list is what the strings
     * above give and that the legacy op's parser reads every name on it. */
    const char *emits;
    op_fn post; /* more attributes after the generic mapping, or NULL */
    op_fn fn;   /* a special mapper instead of the generic one, or NULL */
} opspec;

/* The mapping of op `base` of dialect "pd_op" or "builtin", or NULL. pd_op
 * names with a trailing '_' (the in-place forms: relu_, batch_norm_) map as
 * the plain op, which computes the same. */
const opspec *pdsi_pir_find_spec(const char *dialect, const char *base);

/* Maps the current op by spec s: its special mapper, or the generic one. */
pds_status pdsi_pir_map(ld *L, const opspec *s, const opctx *c);

/* For tests: the pd_op table (n entries) and the builtin one. */
const opspec *pdsi_pir_specs(size_t *n);
const opspec *pdsi_pir_builtin_specs(size_t *n);

/* Legacy operators the special mappers (fn) add besides those of the table,
 * with the attributes they set (as opspec.emits) and the pd_op op whose
 * mapping adds them, for tests and for pdsi_pir_names_of. NULL-terminated. */
typedef struct pdsi_pir_node {
    const char *legacy;
    const char *emits;
    const char *pir; /* the pd_op op (without "pd_op.") that becomes it */
} pdsi_pir_node;
extern const pdsi_pir_node pdsi_pir_special_nodes[];

/* The PIR ops that the loader maps onto legacy operator `legacy`, as
 * "pd_op.<name>" separated by single spaces, in table order, each once, into
 * buf (cap bytes, NUL-terminated; "" when none does). The in-place forms
 * ("pd_op.relu_") map as the plain op and are not listed. Returns the length
 * the whole list needs (without the NUL), as snprintf does: a value >= cap
 * means buf holds a cut list. */
size_t pdsi_pir_names_of(const char *legacy, char *buf, size_t cap);

/* PDS_ERR_MODEL_FORMAT unless the op has n_in operands and n_out results. */
#define check_counts pdsi_pir_check_counts
pds_status check_counts(ld *L, const opctx *c, int n_in, int n_out);

/* What the loader proper (pir.c) gives the mappers: values in the graph. */
#define unique_name pdsi_pir_unique_name
#define declare_result pdsi_pir_declare_result
#define tensor_arg pdsi_pir_tensor_arg
#define map_input pdsi_pir_map_input
#define map_fetch pdsi_pir_map_fetch
/* A graph name nobody uses yet: base, or base~k. */
pds_status unique_name(ld *L, const char *base, char *buf, size_t cap);
/* Declares a graph value for entry vi (a result about to be written by a
 * node): the name a fetch op wants for it, or "%<id>". */
pds_status declare_result(ld *L, int32_t vi, int64_t id, const char *suffix);
/* The graph name of operand value vi as a tensor input (a constant is
 * materialised on first use). */
pds_status tensor_arg(ld *L, int32_t vi, const char *where, const char **name);
/* pd_op.data / pd_op.feed: an input; pd_op.fetch: an output. */
pds_status map_input(ld *L, const opspec *s, const opctx *c, obuild *unused);
pds_status map_fetch(ld *L, const opspec *s, const opctx *c, obuild *unused);

#endif
