/*
 * graph.h — the intermediate representation every loader produces and the
 * runtime executes: values (named tensors: inputs, parameters, temporaries)
 * and nodes (operators in execution order, with slots bound to values).
 *
 * The graph does not know which file format it came from. Loaders declare
 * values (with what the file says of their dtype and shape), add operators in
 * program order with pdsi_graph_add_op, attach parameter data and name the
 * inputs and outputs, then call pdsi_graph_finish, which checks that every
 * operator reads only values that exist by then.
 *
 * Values are in SSA form: when an operator writes a name that already has a
 * value, a new value is made and later readers of the name see it. Writing a
 * parameter is refused for required outputs and dropped for optional ones
 * (legacy batch_norm names its running mean as both input and MeanOut).
 */
#ifndef PDSI_GRAPH_GRAPH_H
#define PDSI_GRAPH_GRAPH_H

#include <stdbool.h>
#include <stdint.h>

#include "ops/opdef.h"

typedef enum pdsi_value_kind {
    PDSI_VALUE_TEMP = 0,  /* produced by a node */
    PDSI_VALUE_INPUT = 1, /* fed by the caller */
    PDSI_VALUE_PARAM = 2, /* immutable data owned by the graph */
    PDSI_VALUE_UNBOUND = 3 /* declared, not yet written by anything */
} pdsi_value_kind;

typedef struct pdsi_value {
    char *name;
    pdsi_value_kind kind;
    bool persistable;     /* the file marks it as a parameter */
    pds_dtype dtype;      /* declared; PDS_DTYPE_UNKNOWN if not */
    int rank;             /* declared; -1 if not */
    int64_t dims[PDSI_MAX_RANK];
    int32_t producer;     /* node index, -1 if none */
    pdsi_tensor data;     /* PARAM only: owned buffer */
} pdsi_value;

typedef struct pdsi_node {
    const pdsi_opdef *def;
    char *type;           /* operator type as written in the file */
    int32_t index;        /* position in the file's op list (for messages) */
    int32_t *vals;        /* value ids: inputs (slot order) then outputs */
    uint16_t in_off[PDSI_MAX_SLOTS + 1];  /* slot k: vals[in_off[k] .. in_off[k+1]) */
    uint16_t out_off[PDSI_MAX_SLOTS + 1]; /* slot k: vals[out_off[k] .. out_off[k+1]) */
    int n_in_slots, n_out_slots;
    void *params;         /* def->params_size bytes, filled by def->parse */
    int32_t guard;        /* 0: always runs; k > 0: runs when guards[k - 1] holds */
} pdsi_node;

/* A branch of a conditional (PIR pd_op.if): the nodes of one region run
 * only when value cond, a one-element tensor, is nonzero (want true) or zero
 * (want false), and the enclosing branch (parent, same numbering as
 * pdsi_node.guard) holds. The branch outputs leave through select_input
 * nodes (ops/control.h). A node that does not run leaves its outputs
 * absent for that run: dtype PDS_DTYPE_UNKNOWN, no elements (pdsi_absent),
 * which the plan signature tells apart from any computed tensor. */
typedef struct pdsi_guard {
    int32_t cond;
    bool want;
    int32_t parent;
    int32_t index; /* the conditional's op index, for messages */
} pdsi_guard;

typedef struct pdsi_graph {
    pdsi_value *values;
    int32_t n_values, cap_values;
    pdsi_node *nodes;
    int32_t n_nodes, cap_nodes;
    int32_t *inputs, n_inputs;
    int32_t *outputs, n_outputs;
    pds_model_format format;
    int64_t format_version;
    pds_model_options limits;
    /* name -> current value id, open addressing */
    int32_t *map;
    uint32_t map_cap;
    /* Set by the caller before loading: the loader only lists the operator
     * types the program uses that pdsafe does not support, and stops there
     * (pds_model_check_files). */
    bool check_only;
    /* Set by a loader that found such types: the whole list as text
     * (model/unsupported.h), malloc'ed; NULL otherwise. */
    char *unsupported;
    /* Branches of conditionals (see pdsi_guard), and the guard a loader's
     * pdsi_graph_add_op stamps on the nodes it adds (0: none). */
    pdsi_guard *guards;
    int32_t n_guards, cap_guards;
    int32_t cur_guard;
} pdsi_graph;

/* Fills limits with defaults for any zero field of options (may be NULL). */
void pdsi_model_options_resolve(const pds_model_options *options, pds_model_options *out);

void pdsi_graph_init(pdsi_graph *g, const pds_model_options *limits);
void pdsi_graph_free(pdsi_graph *g);

/* The current value of a name, or -1. */
int32_t pdsi_graph_find(const pdsi_graph *g, const char *name);

/* Declares a value with what the file says of it (dtype may be UNKNOWN, rank
 * -1). If the name exists, updates nothing and returns its id. */
pds_status pdsi_graph_declare(pdsi_graph *g, const char *name, bool persistable,
                              pds_dtype dtype, int rank, const int64_t *dims, int32_t *id,
                              pds_error *err);

/* An operator as a loader sees it: slots by name, arguments by value name. */
typedef struct pdsi_raw_slot {
    const char *name;
    int n;
    const char *const *args;
} pdsi_raw_slot;

typedef struct pdsi_raw_op {
    const char *type;
    int32_t index;
    const pdsi_raw_slot *in;
    int n_in;
    const pdsi_raw_slot *out;
    int n_out;
    pdsi_attrs attrs;
} pdsi_raw_op;

/* Appends an operator. PDS_ERR_UNSUPPORTED_OP if the type is unknown or a
 * non-empty slot is one pdsafe does not implement; PDS_ERR_MODEL_FORMAT for a
 * missing required slot, a read of an undefined value, or bad attributes.
 * Messages name the operator type and its index. */
pds_status pdsi_graph_add_op(pdsi_graph *g, const pdsi_raw_op *op, pds_error *err);

/* An absent tensor (a value whose producer did not run), and the test. */
static inline void pdsi_absent_set(pdsi_tensor *t)
{
    t->dtype = PDS_DTYPE_UNKNOWN;
    t->rank = 1;
    t->dims[0] = 0;
}
static inline bool pdsi_absent(const pdsi_tensor *t)
{
    return t->dtype == PDS_DTYPE_UNKNOWN;
}

/* Opens a branch: a new guard (returned in *guard, numbered as
 * pdsi_node.guard) on value cond, under parent. */
pds_status pdsi_graph_add_guard(pdsi_graph *g, int32_t cond, bool want, int32_t parent,
                                int32_t index, int32_t *guard, pds_error *err);

/* The truth of guard gd's condition, held in t: one element, nonzero.
 * PDS_ERR_SHAPE / PDS_ERR_DTYPE otherwise. */
pds_status pdsi_guard_value(const pdsi_graph *g, const pdsi_guard *gd, const pdsi_tensor *t,
                            bool *v, pds_error *err);

/* Does node i run, given the current tensors of the values its guards read
 * (their conditions are computed in phase 1)? PDS_ERR_SHAPE / PDS_ERR_DTYPE
 * for a condition that is not one number. */
pds_status pdsi_graph_node_runs(const pdsi_graph *g, int32_t i, const pdsi_tensor *tensors,
                                bool *runs, pds_error *err);

/* Marks a declared value as a caller-fed input at position col. */
pds_status pdsi_graph_set_input(pdsi_graph *g, int32_t col, const char *name, pds_error *err);
/* Marks the current value of name as output col. */
pds_status pdsi_graph_set_output(pdsi_graph *g, int32_t col, const char *name, pds_error *err);

/* Final checks: inputs and outputs are dense in col order, each node reads
 * only values defined before it, parameters have data. */
pds_status pdsi_graph_finish(pdsi_graph *g, pds_error *err);

/* Static facts about a graph that every plan of it uses (made at load). */
typedef struct pdsi_graph_info {
    uint8_t *early_node;  /* per node: runs in phase 1 */
    uint8_t *early_value; /* per value: computed in phase 1 (or a graph input) */
    int32_t *last_use;    /* per value: the last node reading it (-1: none) */
    uint8_t *is_output;   /* per value: a graph output */
    /* Sizes known after a kernel (PDSI_OPF_SIZE_AFTER_RUN): a value is late
     * when such an operator, or a late node, produces it; a node is late
     * when it reads a late value. Late nodes are neither early nor planned:
     * they run after the plan's steps, on the reference kernels, with their
     * shapes inferred from the real ones (runtime/predictor.c). late_read
     * marks the values that are not late but that a late node reads: the
     * plan keeps them alive to its end and in plain layout. */
    uint8_t *late_node;
    uint8_t *late_value;
    uint8_t *late_read;
    int32_t n_late;       /* late nodes */
} pdsi_graph_info;

pds_status pdsi_graph_info_make(const pdsi_graph *g, pdsi_graph_info *info, pds_error *err);
void pdsi_graph_info_free(pdsi_graph_info *info);

#endif
