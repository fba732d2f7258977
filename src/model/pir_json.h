/*
 * pir_json.h — the PIR loader's JSON and value layer (private to pir*.c):
 * the loader state, value ids and the values they name, PIR types,
 * attribute getters and load-time constants. See pir.c for the whole walk.
 *
 * The functions are external (three files share them) under pdsi_pir_
 * names; the macros below let the PIR loader's files call them by the short
 * names they have always had.
 */
#ifndef PDSI_MODEL_PIR_JSON_H
#define PDSI_MODEL_PIR_JSON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "model/pir.h"
#include "model/records.h"

#define OPS_PATH "$.program.regions[0].blocks[0].ops"

/* ------------------------------------------------------------------------ */
/* Values                                                                    */
/* ------------------------------------------------------------------------ */

typedef enum vkind {
    V_DEAD = 0,   /* a result pdsafe does not compute (or of NULL type) */
    V_TENSOR = 1, /* a graph value (gv) */
    V_CONST = 2,  /* pd_op.full / full_int_array: known at load time */
    V_VEC = 3     /* builtin.combine or a vector result (split): members */
} vkind;

typedef struct pval {
    vkind kind;
    int64_t id;    /* its value id in the file (a vector's for its members) */
    int32_t op;    /* index of the defining op, -1 for none */
    int32_t res;   /* its result position */
    pds_dtype dtype; /* from the value's type; PDS_DTYPE_UNKNOWN if none */
    int rank;        /* -1 if unknown */
    int64_t dims[PDSI_MAX_RANK];
    int32_t gv;      /* V_TENSOR, and V_CONST once materialised: graph value */
    /* V_CONST */
    int is_int_array;  /* full_int_array (values in ci) rather than full (cf) */
    double cf;         /* pd_op.full: the fill value */
    int64_t *ci;       /* full_int_array values */
    int64_t cn;
    /* V_VEC */
    int32_t *members;
    int32_t n_members;
    /* defined inside a region of op #inner_of (pd_op.if), which ended: out of
     * scope for later ops; -1 otherwise */
    int32_t inner_of;
} pval;

/* Open-addressing map from value ids (any int64 a file may hold) to indices. */
typedef struct idmap {
    int64_t *keys;
    int32_t *vals;
    uint32_t cap, n;
} idmap;

/* ------------------------------------------------------------------------ */
/* Loader state and messages                                                 */
/* ------------------------------------------------------------------------ */

typedef struct ld {
    const char *file;
    pdsi_graph *g;
    pds_error *err;
    pval *v;
    int32_t nv, capv;
    idmap ids;         /* value id -> index into v */
    idmap fetch_names; /* value id -> index into fnames (names wanted by fetch ops) */
    const char **fnames;
    size_t n_fnames, cap_fnames;
    pdsi_param_ref *params;
    size_t np, capp;
    int32_t op;        /* current op index, -1 outside ops */
    char opname[80];   /* its decompressed name, for messages */
    char sub[256];     /* inside a pd_op.if: the path from op #op to the current
                        * op (".regions[1].blocks[0].ops[3]"), "" at the top */
    int32_t n_feeds;   /* data / feed ops seen */
    int32_t n_fetches;
} ld;

/* What a value's type says. */
typedef struct vtype {
    enum { T_NULL, T_DTENSOR, T_VEC, T_OTHER } kind;
    pds_dtype dtype;
    int rank;
    int64_t dims[PDSI_MAX_RANK];
    const json_t *elems; /* T_VEC: the element types */
    const char *id;      /* the type id, for messages */
} vtype;

#define idmap_get pdsi_pir_idmap_get
#define idmap_put pdsi_pir_idmap_put
#define idmap_free pdsi_pir_idmap_free
#define lfail pdsi_pir_lfail
#define oom pdsi_pir_oom
#define jtype pdsi_pir_jtype
#define new_val pdsi_pir_new_val
#define get_id pdsi_pir_get_id
#define read_type pdsi_pir_read_type
#define attr_find pdsi_pir_attr_find
#define attr_id pdsi_pir_attr_id
#define id_is pdsi_pir_id_is
#define attr_number pdsi_pir_attr_number
#define exact_int pdsi_pir_exact_int
#define bad_attr pdsi_pir_bad_attr
#define get_number pdsi_pir_get_number
#define get_int pdsi_pir_get_int
#define get_bool pdsi_pir_get_bool
#define get_str pdsi_pir_get_str
#define get_list pdsi_pir_get_list
#define get_dtype pdsi_pir_get_dtype
#define const_ints pdsi_pir_const_ints
#define const_scalar pdsi_pir_const_scalar

/* Value ids to value indices: -1 when absent; put is false when out of memory. */
int32_t idmap_get(const idmap *m, int64_t key);
bool idmap_put(idmap *m, int64_t key, int32_t val);
void idmap_free(idmap *m);

/* "<file>: $.program...ops[12].A[0] (op #12, pd_op.conv2d): what". where is
 * the JSON path below the current op (or the whole path outside ops). */
pds_status lfail(ld *L, pds_status code, const char *where, const char *fmt, ...)
    PDSI_PRINTF(4, 5);
pds_status oom(ld *L);
/* "an object", "an array", ... "missing" for NULL: for messages. */
const char *jtype(const json_t *j);
/* A new value entry (kind V_DEAD, defined by the current op), or PDS_ERR_LIMIT. */
pds_status new_val(ld *L, int32_t *idx);

/* A value id "%" of obj (where names obj in messages). */
pds_status get_id(ld *L, const json_t *obj, const char *where, bool required, int64_t *id,
                  bool *present);
pds_status read_type(ld *L, const json_t *t, const char *where, vtype *out);

/* The AT object of attribute name in the op's list A (and its index), or NULL. */
const json_t *attr_find(const json_t *A, const char *name, size_t *index);
/* An attribute's type id ("0.a_i32"), "?" if it has none. */
const char *attr_id(const json_t *at);
/* id is a, b or c (b and c may be NULL). */
bool id_is(const char *id, const char *a, const char *b, const char *c);
/* A number from any numeric attribute; is_int tells whether it was an integer. */
bool attr_number(const json_t *at, double *f, int64_t *i, bool *is_int);
/* A double as an exact int64: finite and integral, within range. */
bool exact_int(double f, int64_t *out);
/* PDS_ERR_MODEL_FORMAT for attribute name of the wrong kind. */
pds_status bad_attr(ld *L, const json_t *A, const char *name, const json_t *at,
                    const char *expected);

/* Attribute readers: a missing attribute leaves *present false; one of the
 * wrong kind is PDS_ERR_MODEL_FORMAT naming it, its path and what it is. */
pds_status get_number(ld *L, const json_t *A, const char *name, bool *present, double *f,
                      int64_t *i, bool *is_int);
pds_status get_int(ld *L, const json_t *A, const char *name, bool *present, int64_t *v);
pds_status get_bool(ld *L, const json_t *A, const char *name, bool *present, bool *v);
pds_status get_str(ld *L, const json_t *A, const char *name, bool *present, const char **v);
pds_status get_list(ld *L, const json_t *A, const char *name, bool *present, int cap,
                    int64_t *iv, double *fv, bool want_int, int *n);
pds_status get_dtype(ld *L, const json_t *A, const char *name, bool *present, pds_dtype *dt,
                     int *vartype);

/* Load-time constants (pd_op.full, full_int_array, combine of them): an
 * integer list or a scalar from operand vi; *is_const false if it is not one. */
pds_status const_ints(ld *L, int32_t vi, const char *where, int64_t *buf, int cap, int *n,
                      bool *is_const);
pds_status const_scalar(ld *L, int32_t vi, const char *where, double *f, int64_t *i,
                        bool *is_int, bool *is_const);

#endif
