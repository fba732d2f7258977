/*
 * pir.c — the Paddle 3 PIR program loader: inference.json plus its
 * .pdiparams, into the same pdsi_graph the legacy loader builds (see pir.h).
 *
 * Order of work: scan the raw bytes for nesting depth and value count (so the
 * parser never allocates for a hostile file beyond what the limits allow),
 * parse with jansson, check base_code (magic "pir", a known version), then
 * walk program.regions[0].blocks[0].ops in order. Every value id is looked
 * up in a table of the values defined so far: an operand that names a value
 * no earlier op defined, a result id used twice or a JSON node of the wrong
 * type is PDS_ERR_MODEL_FORMAT naming the file, the JSON path and the op.
 *
 * Operators map onto the legacy definitions in src/graph/ through a table of
 * small specs (which operand feeds which legacy slot, which attribute becomes
 * which). PIR's "mutable attributes" (reshape's shape, pool2d's kernel size,
 * scale's factor...) are operands produced by pd_op.full / full_int_array /
 * builtin.combine: when they are constants they become the legacy attribute,
 * otherwise the legacy tensor or tensor-list slot. Constants that feed real
 * tensor inputs are materialised on first use (a fill_constant node for
 * pd_op.full, a parameter-like value with data for full_int_array).
 * builtin.combine / slice / split build and take apart vectors of values at
 * load time and produce no node. Parameters ("p" ops) are read from the
 * .pdiparams records sorted by name (records.c).
 */
#include "model/pir.h"

#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "model/records.h"
#include "model/wire.h"
#include "proto/framework.pb-c.h"

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
} pval;

/* Open-addressing map from value ids (any int64 a file may hold) to indices. */
typedef struct idmap {
    int64_t *keys;
    int32_t *vals;
    uint32_t cap, n;
} idmap;

static uint32_t id_hash(int64_t k)
{
    uint64_t x = (uint64_t)k + 0x9e3779b97f4a7c15ull;
    x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
    x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
    return (uint32_t)(x ^ (x >> 31));
}

static int32_t idmap_get(const idmap *m, int64_t key)
{
    if (!m->cap)
        return -1;
    for (uint32_t i = id_hash(key) & (m->cap - 1);; i = (i + 1) & (m->cap - 1)) {
        if (m->vals[i] < 0)
            return -1;
        if (m->keys[i] == key)
            return m->vals[i];
    }
}

static bool idmap_put(idmap *m, int64_t key, int32_t val)
{
    if ((m->n + 1) * 2 > m->cap) {
        uint32_t cap = m->cap ? m->cap * 2 : 256;
        if (cap < m->cap)
            return false;
        int64_t *k = malloc(sizeof *k * cap);
        int32_t *v = malloc(sizeof *v * cap);
        if (!k || !v) {
            free(k);
            free(v);
            return false;
        }
        for (uint32_t i = 0; i < cap; i++)
            v[i] = -1;
        for (uint32_t j = 0; j < m->cap; j++) {
            if (m->vals[j] < 0)
                continue;
            uint32_t i = id_hash(m->keys[j]) & (cap - 1);
            while (v[i] >= 0)
                i = (i + 1) & (cap - 1);
            k[i] = m->keys[j];
            v[i] = m->vals[j];
        }
        free(m->keys);
        free(m->vals);
        m->keys = k;
        m->vals = v;
        m->cap = cap;
    }
    uint32_t i = id_hash(key) & (m->cap - 1);
    while (m->vals[i] >= 0 && m->keys[i] != key)
        i = (i + 1) & (m->cap - 1);
    if (m->vals[i] < 0)
        m->n++;
    m->keys[i] = key;
    m->vals[i] = val;
    return true;
}

static void idmap_free(idmap *m)
{
    free(m->keys);
    free(m->vals);
    memset(m, 0, sizeof *m);
}

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
    int32_t n_feeds;   /* data / feed ops seen */
    int32_t n_fetches;
} ld;

static pds_status lfail(ld *L, pds_status code, const char *where, const char *fmt, ...)
    PDSI_PRINTF(4, 5);

/* "<file>: $.program...ops[12].A[0] (op #12, pd_op.conv2d): what". where is
 * the JSON path below the current op (or the whole path outside ops). */
static pds_status lfail(ld *L, pds_status code, const char *where, const char *fmt, ...)
{
    char what[PDS_ERROR_MESSAGE_SIZE];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(what, sizeof what, fmt, ap);
    va_end(ap);
    if (L->op < 0)
        return pdsi_fail(L->err, code, "%s: %s: %s", L->file, where, what);
    return pdsi_fail(L->err, code, "%s: " OPS_PATH "[%d]%s (op #%d, %s): %s", L->file, L->op,
                     where, L->op, L->opname, what);
}

static pds_status oom(ld *L)
{
    return lfail(L, PDS_ERR_OUT_OF_MEMORY, "", "out of memory");
}

static const char *jtype(const json_t *j)
{
    if (!j)
        return "missing";
    switch (json_typeof(j)) {
    case JSON_OBJECT: return "an object";
    case JSON_ARRAY: return "an array";
    case JSON_STRING: return "a string";
    case JSON_INTEGER: return "an integer";
    case JSON_REAL: return "a real number";
    case JSON_TRUE:
    case JSON_FALSE: return "a boolean";
    default: return "null";
    }
}

static pds_status new_val(ld *L, int32_t *idx)
{
    if ((uint32_t)L->nv >= L->g->limits.max_values)
        return lfail(L, PDS_ERR_LIMIT, "", "more than %u values in the program (max_values)",
                     L->g->limits.max_values);
    if (L->nv == L->capv) {
        int32_t cap = L->capv ? L->capv * 2 : 256;
        pval *p = realloc(L->v, sizeof *p * (size_t)cap);
        if (!p)
            return oom(L);
        L->v = p;
        L->capv = cap;
    }
    pval *p = &L->v[L->nv];
    memset(p, 0, sizeof *p);
    p->op = L->op;
    p->rank = -1;
    p->gv = -1;
    *idx = L->nv++;
    return PDS_OK;
}

/* ------------------------------------------------------------------------ */
/* JSON helpers                                                              */
/* ------------------------------------------------------------------------ */

/* Value ids ("%") are JSON integers. */
static pds_status get_id(ld *L, const json_t *obj, const char *where, bool required, int64_t *id,
                         bool *present)
{
    const json_t *j = json_is_object(obj) ? json_object_get(obj, "%") : NULL;
    if (!json_is_object(obj))
        return lfail(L, PDS_ERR_MODEL_FORMAT, where, "is %s, expected an object with a value id "
                     "\"%%\"", jtype(obj));
    if (present)
        *present = j != NULL;
    if (!j) {
        if (required)
            return lfail(L, PDS_ERR_MODEL_FORMAT, where, "has no value id \"%%\"");
        return PDS_OK;
    }
    if (!json_is_integer(j))
        return lfail(L, PDS_ERR_MODEL_FORMAT, where, "value id \"%%\" is %s, expected an integer",
                     jtype(j));
    *id = (int64_t)json_integer_value(j);
    return PDS_OK;
}

/* phi DataType names, as 1.a_dtype attributes hold them. */
static bool dtype_from_phi_name(const char *s, pds_dtype *dt, int *vartype, bool *undefined)
{
    static const struct {
        const char *name;
        pds_dtype dt;
    } names[] = {
        {"bool", PDS_BOOL},       {"int8", PDS_INT8},         {"uint8", PDS_UINT8},
        {"int16", PDS_INT16},     {"int32", PDS_INT32},       {"int64", PDS_INT64},
        {"float16", PDS_FLOAT16}, {"bfloat16", PDS_BFLOAT16}, {"float32", PDS_FLOAT32},
        {"float64", PDS_FLOAT64},
    };
    *undefined = false;
    if (strncmp(s, "Undefined", 9) == 0 || strcmp(s, "undefined") == 0) {
        *undefined = true;
        *dt = PDS_DTYPE_UNKNOWN;
        *vartype = -1;
        return true;
    }
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
        if (strcmp(s, names[i].name) == 0) {
            *dt = names[i].dt;
            *vartype = pdsi_vartype_of(names[i].dt);
            return true;
        }
    return false;
}

/* Element types of PIR types ("0.t_f32"). */
static bool dtype_from_type_id(const char *s, pds_dtype *dt)
{
    static const struct {
        const char *name;
        pds_dtype dt;
    } names[] = {
        {"0.t_bool", PDS_BOOL}, {"0.t_i8", PDS_INT8},     {"0.t_ui8", PDS_UINT8},
        {"0.t_i16", PDS_INT16}, {"0.t_i32", PDS_INT32},   {"0.t_i64", PDS_INT64},
        {"0.t_f16", PDS_FLOAT16}, {"0.t_bf16", PDS_BFLOAT16}, {"0.t_f32", PDS_FLOAT32},
        {"0.t_f64", PDS_FLOAT64},
    };
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
        if (strcmp(s, names[i].name) == 0) {
            *dt = names[i].dt;
            return true;
        }
    return false;
}

/* What a value's type says. */
typedef struct vtype {
    enum { T_NULL, T_DTENSOR, T_VEC, T_OTHER } kind;
    pds_dtype dtype;
    int rank;
    int64_t dims[PDSI_MAX_RANK];
    const json_t *elems; /* T_VEC: the element types */
    const char *id;      /* the type id, for messages */
} vtype;

/* Reads a type object ({"#": id, "D": data}). Nested vector types are
 * checked one level deep; deeper ones (vectors of vectors) are T_OTHER. */
static pds_status read_type(ld *L, const json_t *t, const char *where, vtype *out)
{
    char w[160];
    memset(out, 0, sizeof *out);
    out->rank = -1;
    if (!json_is_object(t))
        return lfail(L, PDS_ERR_MODEL_FORMAT, where, "type is %s, expected an object", jtype(t));
    const json_t *id = json_object_get(t, "#");
    if (!json_is_string(id))
        return lfail(L, PDS_ERR_MODEL_FORMAT, where, "type has no string id \"#\"");
    const char *s = json_string_value(id);
    out->id = s;
    if (strcmp(s, "NULL") == 0) {
        out->kind = T_NULL;
        return PDS_OK;
    }
    const json_t *d = json_object_get(t, "D");
    if (strcmp(s, "0.t_vec") == 0) {
        if (!json_is_array(d))
            return lfail(L, PDS_ERR_MODEL_FORMAT, where, "0.t_vec data \"D\" is %s, expected an "
                         "array of types", d ? jtype(d) : "missing");
        out->kind = T_VEC;
        out->elems = d;
        return PDS_OK;
    }
    if (strcmp(s, "0.t_dtensor") != 0) {
        out->kind = T_OTHER;
        return PDS_OK;
    }
    out->kind = T_DTENSOR;
    if (!json_is_array(d) || json_array_size(d) < 2)
        return lfail(L, PDS_ERR_MODEL_FORMAT, where, "0.t_dtensor data \"D\" is %s, expected "
                     "[element type, dims, layout, lod, offset]",
                     d ? jtype(d) : "missing");
    const json_t *et = json_array_get(d, 0), *dims = json_array_get(d, 1);
    const json_t *eid = json_is_object(et) ? json_object_get(et, "#") : NULL;
    if (!json_is_string(eid)) {
        snprintf(w, sizeof w, "%s.D[0]", where);
        return lfail(L, PDS_ERR_MODEL_FORMAT, w, "element type is %s, expected an object like "
                     "{\"#\": \"0.t_f32\"}", jtype(et));
    }
    if (!dtype_from_type_id(json_string_value(eid), &out->dtype))
        out->dtype = PDS_DTYPE_UNKNOWN; /* complex, fp8, index: refused where used */
    snprintf(w, sizeof w, "%s.D[1]", where);
    if (!json_is_array(dims))
        return lfail(L, PDS_ERR_MODEL_FORMAT, w, "dims are %s, expected an array of integers",
                     jtype(dims));
    size_t n = json_array_size(dims);
    if (n > PDSI_MAX_RANK)
        return lfail(L, PDS_ERR_MODEL_FORMAT, w, "has rank %zu, pdsafe supports at most %d", n,
                     PDSI_MAX_RANK);
    for (size_t i = 0; i < n; i++) {
        const json_t *e = json_array_get(dims, i);
        if (!json_is_integer(e) || json_integer_value(e) < -1)
            return lfail(L, PDS_ERR_MODEL_FORMAT, w,
                         "dim %zu is %s%s, expected an integer >= 0 (or -1 for unknown)", i,
                         jtype(e), json_is_integer(e) ? " < -1" : "");
        out->dims[i] = (int64_t)json_integer_value(e);
    }
    out->rank = (int)n;
    return PDS_OK;
}

/* ------------------------------------------------------------------------ */
/* Attributes                                                                */
/* ------------------------------------------------------------------------ */

/* The op's attribute list "A": [{"N": name, "AT": {"#": id, "D": data}}]. */
static const json_t *attr_find(const json_t *A, const char *name, size_t *index)
{
    size_t i;
    const json_t *a;
    json_array_foreach(A, i, a) {
        const json_t *n = json_object_get(a, "N");
        if (json_is_string(n) && strcmp(json_string_value(n), name) == 0) {
            if (index)
                *index = i;
            return json_object_get(a, "AT");
        }
    }
    return NULL;
}

static const char *attr_id(const json_t *at)
{
    const json_t *id = json_object_get(at, "#");
    return json_is_string(id) ? json_string_value(id) : "?";
}

static bool id_is(const char *id, const char *a, const char *b, const char *c)
{
    return strcmp(id, a) == 0 || (b && strcmp(id, b) == 0) || (c && strcmp(id, c) == 0);
}

/* A number from any numeric attribute (version patches turned Int32 into
 * Int64 and Float into Double for some attributes): 0.a_i32 / a_i64 / a_index
 * (JSON integers), 0.a_f32 / a_f64 (JSON numbers or "VD": "NaN" / "INF" /
 * "-INF"), 1.a_scalar ([dtype, number]). is_int tells whether it was an
 * integer attribute; *i is exact then. */
static bool attr_number(const json_t *at, double *f, int64_t *i, bool *is_int)
{
    const char *id = attr_id(at);
    const json_t *d = json_object_get(at, "D");
    if (id_is(id, "1.a_scalar", NULL, NULL)) {
        if (!json_is_array(d) || json_array_size(d) < 2)
            return false;
        d = json_array_get(d, 1);
    } else if (id_is(id, "0.a_f32", "0.a_f64", NULL)) {
        const json_t *vd = json_object_get(at, "VD");
        if (!d && json_is_string(vd)) {
            const char *s = json_string_value(vd);
            if (strcmp(s, "NaN") == 0 || strcmp(s, "NAN") == 0 || strcmp(s, "nan") == 0)
                *f = NAN;
            else if (strcmp(s, "INF") == 0 || strcmp(s, "inf") == 0)
                *f = INFINITY;
            else if (strcmp(s, "-INF") == 0 || strcmp(s, "-inf") == 0)
                *f = -INFINITY;
            else
                return false;
            *is_int = false;
            *i = 0;
            return true;
        }
    } else if (!id_is(id, "0.a_i32", "0.a_i64", "0.a_index")) {
        return false;
    }
    if (json_is_integer(d)) {
        *i = (int64_t)json_integer_value(d);
        *f = (double)*i;
        *is_int = true;
        return true;
    }
    if (json_is_real(d) && !id_is(id, "0.a_i32", "0.a_i64", "0.a_index")) {
        *f = json_real_value(d);
        *is_int = false;
        *i = 0;
        return true;
    }
    return false;
}

/* A double as an exact int64: finite and integral, within range. */
static bool exact_int(double f, int64_t *out)
{
    if (!(f >= -9223372036854775808.0 && f < 9223372036854775808.0) || f != floor(f))
        return false;
    *out = (int64_t)f;
    return true;
}

/* What an operator hands to pdsi_graph_add_op, being built. Argument names are
 * collected in one array and the slots index into it (it may grow). */
typedef struct slotref {
    const char *name;
    int start, n;
} slotref;

typedef struct obuild {
    const char *type;
    slotref in[PDSI_MAX_SLOTS * 2], out[PDSI_MAX_SLOTS * 2];
    int n_in, n_out;
    const char **args;
    int n_args, cap_args;
    pdsi_attr attrs[40];
    int n_attrs;
    int64_t ints[8 * PDSI_MAX_ATTR_LIST];
    double floats[4 * PDSI_MAX_ATTR_LIST];
    int n_ints, n_floats;
} obuild;

static void ob_free(obuild *b)
{
    free(b->args);
    b->args = NULL;
}

static pds_status ob_arg(ld *L, obuild *b, const char *name)
{
    if (b->n_args == b->cap_args) {
        int cap = b->cap_args ? b->cap_args * 2 : 16;
        const char **a = realloc(b->args, sizeof *a * (size_t)cap);
        if (!a)
            return oom(L);
        b->args = a;
        b->cap_args = cap;
    }
    b->args[b->n_args++] = name;
    return PDS_OK;
}

static pds_status ob_slot(ld *L, obuild *b, bool input, const char *slot)
{
    int *n = input ? &b->n_in : &b->n_out;
    slotref *s = input ? b->in : b->out;
    if (*n >= PDSI_MAX_SLOTS * 2)
        return lfail(L, PDS_ERR_INTERNAL, "", "too many slots for %s", b->type);
    s[*n].name = slot;
    s[*n].start = b->n_args;
    s[*n].n = 0;
    (*n)++;
    return PDS_OK;
}

static pdsi_attr *ob_attr(ld *L, obuild *b, const char *name)
{
    for (int k = 0; k < b->n_attrs; k++)
        if (strcmp(b->attrs[k].name, name) == 0)
            return &b->attrs[k]; /* a later setting wins (e.g. reduce_all) */
    if (b->n_attrs >= (int)(sizeof b->attrs / sizeof b->attrs[0])) {
        lfail(L, PDS_ERR_INTERNAL, "", "too many attributes for %s", b->type);
        return NULL;
    }
    pdsi_attr *a = &b->attrs[b->n_attrs++];
    memset(a, 0, sizeof *a);
    a->name = name;
    return a;
}

static pds_status ob_int(ld *L, obuild *b, const char *name, int64_t v)
{
    pdsi_attr *a = ob_attr(L, b, name);
    if (!a)
        return L->err->code;
    a->type = PDSI_ATTR_INT;
    a->i = v;
    return PDS_OK;
}

static pds_status ob_bool(ld *L, obuild *b, const char *name, bool v)
{
    pdsi_attr *a = ob_attr(L, b, name);
    if (!a)
        return L->err->code;
    a->type = PDSI_ATTR_BOOL;
    a->i = v;
    return PDS_OK;
}

static pds_status ob_float(ld *L, obuild *b, const char *name, double v)
{
    pdsi_attr *a = ob_attr(L, b, name);
    if (!a)
        return L->err->code;
    a->type = PDSI_ATTR_FLOAT;
    a->f = v;
    return PDS_OK;
}

static pds_status ob_str(ld *L, obuild *b, const char *name, const char *v)
{
    pdsi_attr *a = ob_attr(L, b, name);
    if (!a)
        return L->err->code;
    a->type = PDSI_ATTR_STRING;
    a->s = v;
    return PDS_OK;
}

static pds_status ob_ints(ld *L, obuild *b, const char *name, const int64_t *v, int n)
{
    if (n > PDSI_MAX_ATTR_LIST || b->n_ints + n > (int)(sizeof b->ints / sizeof b->ints[0]))
        return lfail(L, PDS_ERR_MODEL_FORMAT, "", "attribute '%s' has %d entries, at most %d "
                     "supported", name, n, PDSI_MAX_ATTR_LIST);
    pdsi_attr *a = ob_attr(L, b, name);
    if (!a)
        return L->err->code;
    int64_t *dst = b->ints + b->n_ints;
    if (n)
        memcpy(dst, v, sizeof *v * (size_t)n);
    b->n_ints += n;
    a->type = PDSI_ATTR_INTS;
    a->ints = dst;
    a->n = n;
    return PDS_OK;
}

static pds_status ob_floats(ld *L, obuild *b, const char *name, const double *v, int n)
{
    if (n > PDSI_MAX_ATTR_LIST ||
        b->n_floats + n > (int)(sizeof b->floats / sizeof b->floats[0]))
        return lfail(L, PDS_ERR_MODEL_FORMAT, "", "attribute '%s' has %d entries, at most %d "
                     "supported", name, n, PDSI_MAX_ATTR_LIST);
    pdsi_attr *a = ob_attr(L, b, name);
    if (!a)
        return L->err->code;
    double *dst = b->floats + b->n_floats;
    if (n)
        memcpy(dst, v, sizeof *v * (size_t)n);
    b->n_floats += n;
    a->type = PDSI_ATTR_FLOATS;
    a->floats = dst;
    a->n = n;
    return PDS_OK;
}

/* Attribute readers: a missing attribute leaves *present false; one of the
 * wrong kind is PDS_ERR_MODEL_FORMAT naming it, its path and what it is. */
static pds_status bad_attr(ld *L, const json_t *A, const char *name, const json_t *at,
                           const char *expected)
{
    char w[64];
    size_t k = 0;
    attr_find(A, name, &k);
    snprintf(w, sizeof w, ".A[%zu].AT", k);
    return lfail(L, PDS_ERR_MODEL_FORMAT, w, "attribute '%s' is %s%s, expected %s", name,
                 attr_id(at), json_object_get(at, "D") ? "" : " without data \"D\"", expected);
}

static pds_status get_number(ld *L, const json_t *A, const char *name, bool *present, double *f,
                             int64_t *i, bool *is_int)
{
    const json_t *at = attr_find(A, name, NULL);
    *present = at != NULL;
    if (!at)
        return PDS_OK;
    if (!attr_number(at, f, i, is_int))
        return bad_attr(L, A, name, at, "a number (0.a_i32, a_i64, a_f32 or a_f64)");
    return PDS_OK;
}

static pds_status get_int(ld *L, const json_t *A, const char *name, bool *present, int64_t *v)
{
    double f;
    bool is_int;
    pds_status st = get_number(L, A, name, present, &f, v, &is_int);
    if (st || !*present || is_int)
        return st;
    if (!exact_int(f, v))
        return bad_attr(L, A, name, attr_find(A, name, NULL), "an integer");
    return PDS_OK;
}

static pds_status get_bool(ld *L, const json_t *A, const char *name, bool *present, bool *v)
{
    const json_t *at = attr_find(A, name, NULL);
    *present = at != NULL;
    if (!at)
        return PDS_OK;
    const json_t *d = json_object_get(at, "D");
    if (!id_is(attr_id(at), "0.a_bool", NULL, NULL) || !json_is_boolean(d))
        return bad_attr(L, A, name, at, "a boolean (0.a_bool)");
    *v = json_is_true(d);
    return PDS_OK;
}

static pds_status get_str(ld *L, const json_t *A, const char *name, bool *present,
                          const char **v)
{
    const json_t *at = attr_find(A, name, NULL);
    *present = at != NULL;
    if (!at)
        return PDS_OK;
    const json_t *d = json_object_get(at, "D");
    if (!id_is(attr_id(at), "0.a_str", "1.a_layout", NULL) || !json_is_string(d))
        return bad_attr(L, A, name, at, "a string (0.a_str)");
    *v = json_string_value(d);
    return PDS_OK;
}

/* A list of numbers: 0.a_array of numeric attributes, or 1.a_intarray. */
static pds_status get_list(ld *L, const json_t *A, const char *name, bool *present, int cap,
                           int64_t *iv, double *fv, bool want_int, int *n)
{
    const json_t *at = attr_find(A, name, NULL);
    *present = at != NULL;
    *n = 0;
    if (!at)
        return PDS_OK;
    const char *id = attr_id(at);
    const json_t *d = json_object_get(at, "D");
    bool intarray = id_is(id, "1.a_intarray", NULL, NULL);
    if ((!intarray && !id_is(id, "0.a_array", NULL, NULL)) || !json_is_array(d))
        return bad_attr(L, A, name, at, "a list (0.a_array or 1.a_intarray)");
    size_t cnt = json_array_size(d);
    if (cnt > (size_t)cap)
        return bad_attr(L, A, name, at, "a list of at most 64 entries");
    for (size_t k = 0; k < cnt; k++) {
        const json_t *e = json_array_get(d, k);
        double f;
        int64_t i;
        bool is_int;
        if (intarray) {
            if (!json_is_integer(e))
                return bad_attr(L, A, name, at, "1.a_intarray data of integers");
            i = (int64_t)json_integer_value(e);
            f = (double)i;
            is_int = true;
        } else if (!json_is_object(e) || !attr_number(e, &f, &i, &is_int)) {
            return bad_attr(L, A, name, at, "a list of numeric attributes");
        }
        if (want_int) {
            if (!is_int && !exact_int(f, &i))
                return bad_attr(L, A, name, at, "a list of integers");
            iv[k] = i;
        } else {
            fv[k] = is_int ? (double)i : f;
        }
    }
    *n = (int)cnt;
    return PDS_OK;
}

/* 1.a_dtype: a phi DataType name; *vartype -1 for "Undefined". */
static pds_status get_dtype(ld *L, const json_t *A, const char *name, bool *present,
                           pds_dtype *dt, int *vartype)
{
    const json_t *at = attr_find(A, name, NULL);
    *present = at != NULL;
    if (!at)
        return PDS_OK;
    const json_t *d = json_object_get(at, "D");
    bool undefined;
    if (!id_is(attr_id(at), "1.a_dtype", NULL, NULL) || !json_is_string(d))
        return bad_attr(L, A, name, at, "a data type (1.a_dtype)");
    if (!dtype_from_phi_name(json_string_value(d), dt, vartype, &undefined))
        return lfail(L, PDS_ERR_UNSUPPORTED_OP, "", "attribute '%s' is data type \"%.40s\", which "
                     "pdsafe does not support (bool, int8, uint8, int16, int32, int64, float16, "
                     "bfloat16, float32, float64)",
                     name, json_string_value(d));
    return PDS_OK;
}

/* ------------------------------------------------------------------------ */
/* Graph values                                                              */
/* ------------------------------------------------------------------------ */

/* A graph name nobody uses yet: base, or base~k. */
static pds_status unique_name(ld *L, const char *base, char *buf, size_t cap)
{
    snprintf(buf, cap, "%s", base);
    for (int k = 1; pdsi_graph_find(L->g, buf) >= 0; k++) {
        if (k > 1000)
            return lfail(L, PDS_ERR_MODEL_FORMAT, "", "cannot find a free name for value '%s'",
                         base);
        snprintf(buf, cap, "%s~%d", base, k);
    }
    return PDS_OK;
}

/* Declares a graph value for entry vi (a result about to be written by a
 * node): the name a fetch op wants for it, or "%<id>". */
static pds_status declare_result(ld *L, int32_t vi, int64_t id, const char *suffix)
{
    char base[96], name[128];
    const char *want = NULL;
    if (!suffix) {
        int32_t f = idmap_get(&L->fetch_names, id);
        if (f >= 0)
            want = L->fnames[f];
    }
    if (want) {
        if (pdsi_graph_find(L->g, want) >= 0)
            return lfail(L, PDS_ERR_MODEL_FORMAT, "", "value %lld is fetched as '%.80s', a name "
                         "another value already has", (long long)id, want);
        snprintf(name, sizeof name, "%s", want);
    } else {
        snprintf(base, sizeof base, "%%%lld%s", (long long)id, suffix ? suffix : "");
        pds_status st = unique_name(L, base, name, sizeof name);
        if (st)
            return st;
    }
    pval *p = &L->v[vi];
    int32_t gv;
    pds_status st = pdsi_graph_declare(L->g, want ? want : name, false, p->dtype, p->rank,
                                       p->dims, &gv, L->err);
    if (st)
        return lfail(L, st, "", "%s", L->err->message);
    p->kind = V_TENSOR;
    p->gv = gv;
    return PDS_OK;
}

static const char *describe_def(ld *L, int32_t vi, char *buf, size_t cap)
{
    const pval *p = &L->v[vi];
    if (p->op < 0)
        snprintf(buf, cap, "value %lld, defined outside the ops", (long long)p->id);
    else
        snprintf(buf, cap, "value %lld, result #%d of op #%d", (long long)p->id, p->res, p->op);
    return buf;
}

static pds_status materialise(ld *L, int32_t vi, const char *where);

/* The graph name of operand value vi as a tensor input. */
static pds_status tensor_arg(ld *L, int32_t vi, const char *where, const char **name)
{
    char b[96];
    pval *p = &L->v[vi];
    switch (p->kind) {
    case V_TENSOR: break;
    case V_CONST: {
        /* once per constant; it stays a constant for attribute uses */
        pds_status st = p->gv >= 0 ? PDS_OK : materialise(L, vi, where);
        if (st)
            return st;
        p = &L->v[vi];
        break;
    }
    case V_VEC:
        return lfail(L, PDS_ERR_MODEL_FORMAT, where, "operand is a vector of %d values (%s), "
                     "expected a tensor", p->n_members, describe_def(L, vi, b, sizeof b));
    default:
        return lfail(L, PDS_ERR_UNSUPPORTED_OP, where, "operand is %s, which pdsafe does not "
                     "compute (an output it drops, or of a type it does not hold)",
                     describe_def(L, vi, b, sizeof b));
    }
    *name = L->g->values[p->gv].name;
    return PDS_OK;
}

static int64_t const_numel(const pval *p)
{
    if (p->is_int_array)
        return p->cn;
    int64_t n;
    return pdsi_shape_numel(p->dims, p->rank, &n) ? n : -1;
}

/* Element k of a constant, as a double and (when it is one) an exact int. */
static void const_elem(const pval *p, int64_t k, double *f, int64_t *i, bool *is_int)
{
    if (p->is_int_array) {
        *i = p->ci[k];
        *f = (double)*i;
        *is_int = true;
    } else {
        *f = p->cf;
        *is_int = exact_int(p->cf, i);
    }
}

/* A constant integer list from operand vi: a full_int_array, a full (its
 * value repeated), or a vector of one-element constants. 1 if constant. */
static pds_status const_ints(ld *L, int32_t vi, const char *where, int64_t *buf, int cap,
                             int *n, bool *is_const)
{
    const pval *p = &L->v[vi];
    *is_const = false;
    *n = 0;
    if (p->kind == V_VEC) {
        for (int32_t m = 0; m < p->n_members; m++) {
            const pval *e = &L->v[p->members[m]];
            if (e->kind != V_CONST || const_numel(e) != 1)
                return PDS_OK;
        }
        if (p->n_members > cap)
            return lfail(L, PDS_ERR_MODEL_FORMAT, where, "list of %d constants, at most %d "
                         "supported", p->n_members, cap);
        for (int32_t m = 0; m < p->n_members; m++) {
            double f;
            bool is_int;
            const_elem(&L->v[p->members[m]], 0, &f, &buf[m], &is_int);
            if (!is_int)
                return lfail(L, PDS_ERR_MODEL_FORMAT, where, "list entry %d is %g, expected an "
                             "integer", m, f);
        }
        *n = p->n_members;
        *is_const = true;
        return PDS_OK;
    }
    if (p->kind != V_CONST)
        return PDS_OK;
    int64_t cnt = const_numel(p);
    if (cnt < 0 || cnt > cap)
        return lfail(L, PDS_ERR_MODEL_FORMAT, where, "constant of %lld elements used as a list, "
                     "at most %d supported", (long long)cnt, cap);
    for (int64_t k = 0; k < cnt; k++) {
        double f;
        bool is_int;
        const_elem(p, k, &f, &buf[k], &is_int);
        if (!is_int)
            return lfail(L, PDS_ERR_MODEL_FORMAT, where, "constant entry %lld is %g, expected "
                         "an integer", (long long)k, f);
    }
    *n = (int)cnt;
    *is_const = true;
    return PDS_OK;
}

/* A constant scalar (one element) from operand vi. */
static pds_status const_scalar(ld *L, int32_t vi, const char *where, double *f, int64_t *i,
                               bool *is_int, bool *is_const)
{
    const pval *p = &L->v[vi];
    *is_const = false;
    if (p->kind == V_VEC && p->n_members == 1)
        p = &L->v[p->members[0]];
    if (p->kind != V_CONST)
        return PDS_OK;
    if (const_numel(p) != 1)
        return lfail(L, PDS_ERR_MODEL_FORMAT, where, "constant of %lld elements used as a "
                     "scalar, expected one element", (long long)const_numel(p));
    const_elem(p, 0, f, i, is_int);
    *is_const = true;
    return PDS_OK;
}

/* Makes a constant available as a graph value: pd_op.full becomes a
 * fill_constant node (nothing is allocated before run time, as with the
 * legacy op), full_int_array a value with data. */
static pds_status materialise(ld *L, int32_t vi, const char *where)
{
    char name[128], base[96];
    pval *p = &L->v[vi];
    pds_status st;
    snprintf(base, sizeof base, "%%%lld", (long long)p->id);
    if ((st = unique_name(L, base, name, sizeof name)))
        return st;
    int32_t gv;
    if (p->is_int_array) {
        size_t bytes;
        if ((p->dtype != PDS_INT64 && p->dtype != PDS_INT32 && p->dtype != PDS_FLOAT32 &&
             p->dtype != PDS_FLOAT64) ||
            !pdsi_bytes_of(p->dtype, p->cn, &bytes))
            return lfail(L, PDS_ERR_UNSUPPORTED_OP, where, "full_int_array of dtype %s cannot be "
                         "used as a tensor (int32, int64, float32 or float64 expected)",
                         pds_dtype_name(p->dtype));
        if (bytes > L->g->limits.max_tensor_bytes)
            return lfail(L, PDS_ERR_LIMIT, where, "full_int_array of %lld values (op #%d) is %zu "
                         "bytes, more than max_tensor_bytes (%llu)",
                         (long long)p->cn, p->op, bytes,
                         (unsigned long long)L->g->limits.max_tensor_bytes);
        int64_t dims[1] = {p->cn};
        if ((st = pdsi_graph_declare(L->g, name, true, p->dtype, 1, dims, &gv, L->err)))
            return lfail(L, st, where, "%s", L->err->message);
        pdsi_value *v = &L->g->values[gv];
        pdsi_tensor_set_shape(&v->data, p->dtype, 1, dims);
        if (!pdsi_tensor_reserve(&v->data))
            return oom(L);
        for (int64_t k = 0; k < p->cn; k++) {
            int64_t x = p->ci[k];
            switch (p->dtype) {
            case PDS_INT64: ((int64_t *)v->data.data)[k] = x; break;
            case PDS_INT32: ((int32_t *)v->data.data)[k] = (int32_t)x; break;
            case PDS_FLOAT32: ((float *)v->data.data)[k] = (float)x; break;
            default: ((double *)v->data.data)[k] = (double)x; break;
            }
        }
        v->kind = PDSI_VALUE_PARAM;
        p->gv = gv;
        return PDS_OK;
    }
    /* pd_op.full -> fill_constant(dtype, shape, value) at the full op's index */
    if ((st = pdsi_graph_declare(L->g, name, false, p->dtype, p->rank, p->dims, &gv, L->err)))
        return lfail(L, st, where, "%s", L->err->message);
    pdsi_attr at[3];
    memset(at, 0, sizeof at);
    at[0].name = "dtype";
    at[0].type = PDSI_ATTR_INT;
    at[0].i = pdsi_vartype_of(p->dtype);
    at[1].name = "shape";
    at[1].type = PDSI_ATTR_INTS;
    at[1].ints = p->dims;
    at[1].n = p->rank;
    at[2].name = "value";
    at[2].type = PDSI_ATTR_FLOAT;
    at[2].f = p->cf;
    const char *out_args[1] = {L->g->values[gv].name};
    pdsi_raw_slot out = {"Out", 1, out_args};
    pdsi_raw_op raw = {.type = "fill_constant", .index = p->op, .out = &out, .n_out = 1,
                       .attrs = {at, 3}};
    st = pdsi_graph_add_op(L->g, &raw, L->err);
    if (st) {
        return lfail(L, st, where, "the constant (pd_op.full, op #%d) as a tensor: %s", p->op,
                     L->err->message);
    }
    p->gv = gv;
    return PDS_OK;
}

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
 * 1.a_dtype -> VarType number), and +legacy=value/K for fixed attributes. */
typedef struct opspec {
    const char *pir;
    const char *legacy;
    const char *ins, *outs, *attrs;
    op_fn post; /* more attributes after the generic mapping, or NULL */
    op_fn fn;   /* a special mapper instead of the generic one, or NULL */
} opspec;

/* Next space-separated token of *s into buf; false at the end. */
static bool next_tok(const char **s, char *buf, size_t cap)
{
    while (**s == ' ')
        (*s)++;
    if (!**s)
        return false;
    size_t n = 0;
    while ((*s)[n] && (*s)[n] != ' ')
        n++;
    snprintf(buf, cap, "%.*s", (int)n, *s);
    *s += n;
    return true;
}

static int count_toks(const char *s)
{
    char t[64];
    int n = 0;
    while (next_tok(&s, t, sizeof t))
        n++;
    return n;
}

/* Interned copies of slot and attribute names taken from the spec strings
 * (the builder keeps pointers until the op is added). */
typedef struct namebuf {
    char buf[1024];
    size_t used;
} namebuf;

static const char *intern(namebuf *nm, const char *s)
{
    size_t n = strlen(s) + 1;
    if (nm->used + n > sizeof nm->buf)
        return "?";
    char *p = nm->buf + nm->used;
    memcpy(p, s, n);
    nm->used += n;
    return p;
}

static pds_status add_tensor(ld *L, obuild *b, const char *slot, int32_t vi, const char *where)
{
    const char *nm;
    pds_status st;
    if ((st = tensor_arg(L, vi, where, &nm)) || (st = ob_slot(L, b, true, slot)) ||
        (st = ob_arg(L, b, nm)))
        return st;
    b->in[b->n_in - 1].n = 1;
    return PDS_OK;
}

static pds_status add_list(ld *L, obuild *b, const char *slot, int32_t vi, const char *where)
{
    pds_status st;
    const pval *p = &L->v[vi];
    if (p->kind != V_VEC)
        return add_tensor(L, b, slot, vi, where);
    if ((st = ob_slot(L, b, true, slot)))
        return st;
    int n = p->n_members;
    for (int m = 0; m < n; m++) {
        const char *nm;
        int32_t mi = L->v[vi].members[m];
        if ((st = tensor_arg(L, mi, where, &nm)) || (st = ob_arg(L, b, nm)))
            return st;
    }
    b->in[b->n_in - 1].n = n;
    return PDS_OK;
}

/* "=attr:K|Slot|ListSlot" for operand vi. */
static pds_status add_mutable(ld *L, obuild *b, namebuf *nm, const char *tok, int32_t vi,
                              const char *where)
{
    char attr[48] = "", slot[48] = "", list[48] = "";
    char kind = 0;
    const char *colon = strchr(tok, ':');
    if (!colon || !colon[1])
        return lfail(L, PDS_ERR_INTERNAL, "", "bad spec token '%s'", tok);
    snprintf(attr, sizeof attr, "%.*s", (int)(colon - tok - 1), tok + 1);
    kind = colon[1];
    const char *bar = strchr(colon, '|');
    if (bar) {
        const char *bar2 = strchr(bar + 1, '|');
        if (bar2) {
            snprintf(slot, sizeof slot, "%.*s", (int)(bar2 - bar - 1), bar + 1);
            snprintf(list, sizeof list, "%s", bar2 + 1);
        } else {
            snprintf(slot, sizeof slot, "%s", bar + 1);
        }
    }
    pds_status st;
    bool is_const;
    if (kind == 'I') {
        int64_t v[PDSI_MAX_ATTR_LIST];
        int n;
        if ((st = const_ints(L, vi, where, v, PDSI_MAX_ATTR_LIST, &n, &is_const)))
            return st;
        if (is_const)
            return ob_ints(L, b, intern(nm, attr), v, n);
    } else {
        double f;
        int64_t i;
        bool is_int;
        if ((st = const_scalar(L, vi, where, &f, &i, &is_int, &is_const)))
            return st;
        if (is_const && kind == 'i') {
            if (!is_int)
                return lfail(L, PDS_ERR_MODEL_FORMAT, where, "operand for '%s' is %g, expected "
                             "an integer", attr, f);
            return ob_int(L, b, intern(nm, attr), i);
        }
        if (is_const)
            return ob_float(L, b, intern(nm, attr), is_int ? (double)i : f);
    }
    if (L->v[vi].kind == V_VEC && list[0])
        return add_list(L, b, intern(nm, list), vi, where);
    if (L->v[vi].kind != V_VEC && slot[0])
        return add_tensor(L, b, intern(nm, slot), vi, where);
    return lfail(L, PDS_ERR_UNSUPPORTED_OP, where, "operand for '%s' is computed at run time; "
                 "pdsafe's %s takes it only as a constant (pd_op.full / full_int_array)",
                 attr, b->type);
}

/* Binds result k (value index ri) to an output slot; a vector result gets one
 * graph value per element. */
static pds_status add_result(ld *L, obuild *b, const char *slot, bool list, const opctx *c,
                             int k)
{
    char where[32];
    int32_t ri = c->out[k];
    pds_status st;
    snprintf(where, sizeof where, ".O[%d]", k);
    if ((st = ob_slot(L, b, false, slot)))
        return st;
    pval *p = &L->v[ri];
    if (list) {
        if (p->kind != V_VEC)
            return lfail(L, PDS_ERR_MODEL_FORMAT, where, "result type is not a vector (0.t_vec), "
                         "which %s needs", L->opname);
        for (int32_t m = 0; m < L->v[ri].n_members; m++) {
            char suffix[24];
            int32_t mi = L->v[ri].members[m];
            snprintf(suffix, sizeof suffix, ".%d", m);
            if ((st = declare_result(L, mi, c->out_ids[k], suffix)) ||
                (st = ob_arg(L, b, L->g->values[L->v[mi].gv].name)))
                return st;
        }
        b->out[b->n_out - 1].n = L->v[ri].n_members;
        return PDS_OK;
    }
    if (p->kind == V_VEC)
        return lfail(L, PDS_ERR_MODEL_FORMAT, where, "result is a vector (0.t_vec), expected a "
                     "tensor");
    if ((st = declare_result(L, ri, c->out_ids[k], NULL)) ||
        (st = ob_arg(L, b, L->g->values[L->v[ri].gv].name)))
        return st;
    b->out[b->n_out - 1].n = 1;
    return PDS_OK;
}

static pds_status map_attrs(ld *L, const opspec *s, const opctx *c, obuild *b,
                            namebuf *nm)
{
    const char *p = s->attrs ? s->attrs : "";
    char tok[96];
    pds_status st = PDS_OK;
    while (!st && next_tok(&p, tok, sizeof tok)) {
        char *slash = strrchr(tok, '/');
        if (!slash)
            return lfail(L, PDS_ERR_INTERNAL, "", "bad spec token '%s'", tok);
        char kind = slash[1];
        *slash = '\0';
        if (tok[0] == '+') { /* fixed */
            char *eq = strchr(tok, '=');
            if (!eq)
                return lfail(L, PDS_ERR_INTERNAL, "", "bad spec token '%s'", tok);
            *eq = '\0';
            const char *name = intern(nm, tok + 1), *val = eq + 1;
            if (kind == 'i')
                st = ob_int(L, b, name, strtoll(val, NULL, 10));
            else if (kind == 'b')
                st = ob_bool(L, b, name, strcmp(val, "1") == 0);
            else if (kind == 'f')
                st = ob_float(L, b, name, strtod(val, NULL));
            else
                st = ob_str(L, b, name, intern(nm, val));
            continue;
        }
        char *colon = strchr(tok, ':');
        const char *legacy = tok;
        if (colon) {
            *colon = '\0';
            legacy = colon + 1;
        }
        const char *pir = tok;
        legacy = intern(nm, legacy);
        bool present = false;
        switch (kind) {
        case 'i': {
            int64_t v = 0;
            if (!(st = get_int(L, c->A, pir, &present, &v)) && present)
                st = ob_int(L, b, legacy, v);
            break;
        }
        case 'f': {
            double f = 0;
            int64_t i = 0;
            bool is_int = false;
            if (!(st = get_number(L, c->A, pir, &present, &f, &i, &is_int)) && present)
                st = ob_float(L, b, legacy, is_int ? (double)i : f);
            break;
        }
        case 'b': {
            bool v = false;
            if (!(st = get_bool(L, c->A, pir, &present, &v)) && present)
                st = ob_bool(L, b, legacy, v);
            break;
        }
        case 's': {
            const char *v = "";
            if (!(st = get_str(L, c->A, pir, &present, &v)) && present)
                st = ob_str(L, b, legacy, v);
            break;
        }
        case 'I': {
            int64_t v[PDSI_MAX_ATTR_LIST];
            int n;
            if (!(st = get_list(L, c->A, pir, &present, PDSI_MAX_ATTR_LIST, v, NULL, true, &n)) &&
                present)
                st = ob_ints(L, b, legacy, v, n);
            break;
        }
        case 'F': {
            double v[PDSI_MAX_ATTR_LIST];
            int n;
            if (!(st = get_list(L, c->A, pir, &present, PDSI_MAX_ATTR_LIST, NULL, v, false, &n)) &&
                present)
                st = ob_floats(L, b, legacy, v, n);
            break;
        }
        case 'D': {
            pds_dtype dt;
            int vt;
            if (!(st = get_dtype(L, c->A, pir, &present, &dt, &vt)) && present)
                st = ob_int(L, b, legacy, vt);
            break;
        }
        default: return lfail(L, PDS_ERR_INTERNAL, "", "bad spec token '%s'", tok);
        }
    }
    return st;
}

static pds_status add_built(ld *L, obuild *b)
{
    pdsi_raw_slot in[PDSI_MAX_SLOTS * 2], out[PDSI_MAX_SLOTS * 2];
    for (int k = 0; k < b->n_in; k++) {
        in[k].name = b->in[k].name;
        in[k].n = b->in[k].n;
        in[k].args = b->args + b->in[k].start;
    }
    for (int k = 0; k < b->n_out; k++) {
        out[k].name = b->out[k].name;
        out[k].n = b->out[k].n;
        out[k].args = b->args + b->out[k].start;
    }
    pdsi_raw_op raw = {.type = b->type, .index = L->op, .in = in, .n_in = b->n_in, .out = out,
                       .n_out = b->n_out, .attrs = {b->attrs, b->n_attrs}};
    pds_status st = pdsi_graph_add_op(L->g, &raw, L->err);
    if (st)
        return lfail(L, st, "", "as legacy %s: %s", b->type, L->err->message);
    return PDS_OK;
}

static pds_status map_generic(ld *L, const opspec *s, const opctx *c)
{
    obuild b;
    namebuf nm;
    memset(&b, 0, sizeof b);
    nm.used = 0;
    b.type = s->legacy;
    char tok[96], where[32];
    pds_status st = PDS_OK;

    int want_in = count_toks(s->ins), want_out = count_toks(s->outs);
    if (c->n_in > want_in)
        return lfail(L, PDS_ERR_MODEL_FORMAT, ".I", "has %d operands, %s takes %d", c->n_in,
                     L->opname, want_in);
    if (c->n_out > want_out)
        return lfail(L, PDS_ERR_MODEL_FORMAT, ".O", "has %d results, %s has %d", c->n_out,
                     L->opname, want_out);

    const char *p = s->ins;
    for (int k = 0; !st && next_tok(&p, tok, sizeof tok); k++) {
        int32_t vi = k < c->n_in ? c->in[k] : -1;
        snprintf(where, sizeof where, ".I[%d]", k);
        if (strcmp(tok, "-") == 0)
            continue;
        if (strcmp(tok, "!") == 0) {
            if (vi >= 0)
                st = lfail(L, PDS_ERR_UNSUPPORTED_OP, where, "this optional operand of %s is not "
                           "supported by pdsafe", L->opname);
            continue;
        }
        if (vi < 0)
            continue; /* absent optional operand (%0) */
        size_t len = strlen(tok);
        if (tok[0] == '=')
            st = add_mutable(L, &b, &nm, tok, vi, where);
        else if (tok[len - 1] == '*') {
            tok[len - 1] = '\0';
            st = add_list(L, &b, intern(&nm, tok), vi, where);
        } else {
            st = add_tensor(L, &b, intern(&nm, tok), vi, where);
        }
    }
    p = s->outs;
    for (int k = 0; !st && next_tok(&p, tok, sizeof tok) && k < c->n_out; k++) {
        if (strcmp(tok, "-") == 0)
            continue;
        size_t len = strlen(tok);
        bool list = tok[len - 1] == '*';
        if (list)
            tok[len - 1] = '\0';
        st = add_result(L, &b, intern(&nm, tok), list, c, k);
    }
    if (!st)
        st = map_attrs(L, s, c, &b, &nm);
    if (!st && s->post)
        st = s->post(L, s, c, &b);
    if (!st)
        st = add_built(L, &b);
    ob_free(&b);
    return st;
}

/* ---- post hooks and special mappers ------------------------------------- */

/* reduce_*: an empty (or absent) axis list reduces everything. */
static pds_status post_reduce(ld *L, const opspec *s, const opctx *c, obuild *b)
{
    for (int k = 0; k < b->n_attrs; k++)
        if (strcmp(b->attrs[k].name, "dim") == 0 && b->attrs[k].n > 0)
            return ob_bool(L, b, "reduce_all", false);
    return ob_bool(L, b, "reduce_all", true);
}

/* pd_op.shape64: the legacy shape op gives int32; a cast makes it int64. */
static pds_status map_shape64(ld *L, const opspec *s, const opctx *c, obuild *unused)
{
    char tmp[128], base[96];
    if (c->n_in != 1 || c->in[0] < 0 || c->n_out != 1)
        return lfail(L, PDS_ERR_MODEL_FORMAT, "", "expected 1 operand and 1 result, got %d and %d",
                     c->n_in, c->n_out);
    const char *x;
    pds_status st = tensor_arg(L, c->in[0], ".I[0]", &x);
    if (st)
        return st;
    snprintf(base, sizeof base, "%%%lld.int32", (long long)c->out_ids[0]);
    if ((st = unique_name(L, base, tmp, sizeof tmp)))
        return st;
    int64_t dims[1] = {-1};
    int32_t tv;
    if ((st = pdsi_graph_declare(L->g, tmp, false, PDS_INT32, 1, dims, &tv, L->err)))
        return lfail(L, st, "", "%s", L->err->message);
    const char *tname = L->g->values[tv].name;
    pdsi_raw_slot in1 = {"Input", 1, &x}, out1 = {"Out", 1, &tname};
    pdsi_raw_op shape = {.type = "shape", .index = L->op, .in = &in1, .n_in = 1, .out = &out1,
                         .n_out = 1};
    if ((st = pdsi_graph_add_op(L->g, &shape, L->err)))
        return lfail(L, st, "", "as legacy shape: %s", L->err->message);
    if ((st = declare_result(L, c->out[0], c->out_ids[0], NULL)))
        return st;
    const char *oname = L->g->values[L->v[c->out[0]].gv].name;
    pdsi_attr at[2];
    memset(at, 0, sizeof at);
    at[0].name = "in_dtype";
    at[0].type = PDSI_ATTR_INT;
    at[0].i = pdsi_vartype_of(PDS_INT32);
    at[1].name = "out_dtype";
    at[1].type = PDSI_ATTR_INT;
    at[1].i = pdsi_vartype_of(PDS_INT64);
    pdsi_raw_slot in2 = {"X", 1, &tname}, out2 = {"Out", 1, &oname};
    pdsi_raw_op cast = {.type = "cast", .index = L->op, .in = &in2, .n_in = 1, .out = &out2,
                        .n_out = 1, .attrs = {at, 2}};
    if ((st = pdsi_graph_add_op(L->g, &cast, L->err)))
        return lfail(L, st, "", "as legacy cast: %s", L->err->message);
    return PDS_OK;
}

static pds_status check_counts(ld *L, const opctx *c, int n_in, int n_out)
{
    if (c->n_in != n_in || c->n_out != n_out)
        return lfail(L, PDS_ERR_MODEL_FORMAT, "", "has %d operands and %d results, %s has %d "
                     "and %d", c->n_in, c->n_out, L->opname, n_in, n_out);
    return PDS_OK;
}

/* pd_op.full(shape, value, dtype): a constant. */
static pds_status map_full(ld *L, const opspec *s, const opctx *c, obuild *unused)
{
    pds_status st = check_counts(L, c, 0, 1);
    if (st)
        return st;
    int64_t shape[PDSI_MAX_ATTR_LIST];
    int n;
    bool has_shape, has_value, has_dtype, is_int;
    double f;
    int64_t i;
    pds_dtype dt = PDS_FLOAT32;
    int vt;
    if ((st = get_list(L, c->A, "shape", &has_shape, PDSI_MAX_ATTR_LIST, shape, NULL, true, &n)) ||
        (st = get_number(L, c->A, "value", &has_value, &f, &i, &is_int)) ||
        (st = get_dtype(L, c->A, "dtype", &has_dtype, &dt, &vt)))
        return st;
    if (!has_shape || !has_value || !has_dtype)
        return lfail(L, PDS_ERR_MODEL_FORMAT, ".A", "attribute '%s' is missing",
                     !has_shape ? "shape" : !has_value ? "value" : "dtype");
    if (dt == PDS_DTYPE_UNKNOWN)
        return lfail(L, PDS_ERR_MODEL_FORMAT, ".A", "attribute 'dtype' is undefined");
    if (n > PDSI_MAX_RANK)
        return lfail(L, PDS_ERR_MODEL_FORMAT, ".A", "attribute 'shape' has %d entries, more than "
                     "the maximum rank %d", n, PDSI_MAX_RANK);
    int64_t numel;
    size_t bytes;
    char db[200];
    if (!pdsi_shape_numel(shape, n, &numel) || !pdsi_bytes_of(dt, numel, &bytes))
        return lfail(L, PDS_ERR_MODEL_FORMAT, ".A", "attribute 'shape' %s is not a valid %s "
                     "shape (sizes >= 0 whose byte count fits)",
                     pdsi_dims_str(shape, n, db, sizeof db), pds_dtype_name(dt));
    if (bytes > L->g->limits.max_tensor_bytes)
        return lfail(L, PDS_ERR_LIMIT, ".A", "constant %s %s is %zu bytes, more than "
                     "max_tensor_bytes (%llu)", pds_dtype_name(dt),
                     pdsi_dims_str(shape, n, db, sizeof db), bytes,
                     (unsigned long long)L->g->limits.max_tensor_bytes);
    pval *p = &L->v[c->out[0]];
    p->kind = V_CONST;
    p->dtype = dt;
    p->rank = n;
    memcpy(p->dims, shape, sizeof *shape * (size_t)n);
    p->cf = is_int ? (double)i : f;
    return PDS_OK;
}

/* pd_op.full_int_array(value, dtype): a constant list. */
static pds_status map_full_int_array(ld *L, const opspec *s, const opctx *c, obuild *unused)
{
    pds_status st = check_counts(L, c, 0, 1);
    if (st)
        return st;
    const json_t *at = attr_find(c->A, "value", NULL);
    const json_t *d = at ? json_object_get(at, "D") : NULL;
    bool intarray = at && id_is(attr_id(at), "1.a_intarray", NULL, NULL);
    if (!at || (!intarray && !id_is(attr_id(at), "0.a_array", NULL, NULL)) || !json_is_array(d))
        return at ? bad_attr(L, c->A, "value", at, "a list of integers")
                  : lfail(L, PDS_ERR_MODEL_FORMAT, ".A", "attribute 'value' is missing");
    size_t cnt = json_array_size(d);
    pds_dtype dt = PDS_INT64;
    int vt;
    bool has_dtype;
    if ((st = get_dtype(L, c->A, "dtype", &has_dtype, &dt, &vt)))
        return st;
    if (dt == PDS_DTYPE_UNKNOWN)
        dt = PDS_INT64;
    pval *p = &L->v[c->out[0]];
    p->ci = malloc(sizeof *p->ci * (cnt ? cnt : 1));
    if (!p->ci)
        return oom(L);
    for (size_t k = 0; k < cnt; k++) {
        const json_t *e = json_array_get(d, k);
        double f;
        int64_t i;
        bool is_int;
        if (intarray ? !json_is_integer(e)
                     : (!json_is_object(e) || !attr_number(e, &f, &i, &is_int) ||
                        (!is_int && !exact_int(f, &i)))) {
            free(p->ci);
            p->ci = NULL;
            return bad_attr(L, c->A, "value", at, "a list of integers");
        }
        p->ci[k] = intarray ? (int64_t)json_integer_value(e) : i;
    }
    p->kind = V_CONST;
    p->is_int_array = 1;
    p->cn = (int64_t)cnt;
    p->dtype = dt;
    p->rank = 1;
    p->dims[0] = (int64_t)cnt;
    return PDS_OK;
}

/* builtin.combine: a vector of its operands. */
static pds_status map_combine(ld *L, const opspec *s, const opctx *c, obuild *unused)
{
    char where[32];
    if (c->n_out != 1)
        return lfail(L, PDS_ERR_MODEL_FORMAT, ".O", "has %d results, builtin.combine has 1",
                     c->n_out);
    pval *p = &L->v[c->out[0]];
    free(p->members);
    p->members = malloc(sizeof *p->members * (size_t)(c->n_in ? c->n_in : 1));
    if (!p->members)
        return oom(L);
    for (int k = 0; k < c->n_in; k++) {
        snprintf(where, sizeof where, ".I[%d]", k);
        if (c->in[k] < 0)
            return lfail(L, PDS_ERR_MODEL_FORMAT, where, "builtin.combine operand is absent (%%0)");
        if (L->v[c->in[k]].kind == V_VEC)
            return lfail(L, PDS_ERR_UNSUPPORTED_OP, where, "vectors of vectors are not "
                         "supported");
        p->members[k] = c->in[k];
    }
    p->kind = V_VEC;
    p->n_members = c->n_in;
    return PDS_OK;
}

/* builtin.slice(vector){index}: element index of the vector. */
static pds_status map_bslice(ld *L, const opspec *s, const opctx *c, obuild *unused)
{
    pds_status st = check_counts(L, c, 1, 1);
    if (st)
        return st;
    if (c->in[0] < 0 || L->v[c->in[0]].kind != V_VEC)
        return lfail(L, PDS_ERR_MODEL_FORMAT, ".I[0]", "operand is not a vector");
    int64_t idx;
    bool present;
    if ((st = get_int(L, c->A, "index", &present, &idx)))
        return st;
    const pval *v = &L->v[c->in[0]];
    if (!present || idx < 0 || idx >= v->n_members)
        return lfail(L, PDS_ERR_MODEL_FORMAT, ".A", "attribute 'index' is %s%lld, expected 0 to "
                     "%d", present ? "" : "missing: ", (long long)(present ? idx : 0),
                     v->n_members - 1);
    if (!idmap_put(&L->ids, c->out_ids[0], v->members[idx]))
        return oom(L);
    return PDS_OK;
}

/* builtin.split(vector): its elements. */
static pds_status map_bsplit(ld *L, const opspec *s, const opctx *c, obuild *unused)
{
    if (c->n_in != 1 || c->in[0] < 0 || L->v[c->in[0]].kind != V_VEC)
        return lfail(L, PDS_ERR_MODEL_FORMAT, ".I", "expected one vector operand");
    const pval *v = &L->v[c->in[0]];
    if (c->n_out != v->n_members)
        return lfail(L, PDS_ERR_MODEL_FORMAT, ".O", "has %d results for a vector of %d", c->n_out,
                     v->n_members);
    for (int k = 0; k < c->n_out; k++)
        if (!idmap_put(&L->ids, c->out_ids[k], L->v[c->in[0]].members[k]))
            return oom(L);
    return PDS_OK;
}

static pds_status check_io_name(ld *L, const char *what, const char *name)
{
    if (!name[0] || strlen(name) >= PDS_NAME_SIZE)
        return lfail(L, PDS_ERR_MODEL_FORMAT, ".A", "%s name of %zu bytes, expected 1 to %d",
                     what, strlen(name), PDS_NAME_SIZE - 1);
    return PDS_OK;
}

/* pd_op.data (program order) and pd_op.feed (attribute col): an input. */
static pds_status map_input(ld *L, const opspec *s, const opctx *c, obuild *unused)
{
    pds_status st = check_counts(L, c, 0, 1);
    if (st)
        return st;
    bool present;
    const char *name = "";
    int64_t col = L->n_feeds;
    if ((st = get_str(L, c->A, "name", &present, &name)))
        return st;
    if (!present)
        return lfail(L, PDS_ERR_MODEL_FORMAT, ".A", "attribute 'name' is missing");
    if ((st = check_io_name(L, "input", name)))
        return st;
    if (strcmp(s->pir, "feed") == 0) {
        if ((st = get_int(L, c->A, "col", &present, &col)))
            return st;
        if (!present)
            return lfail(L, PDS_ERR_MODEL_FORMAT, ".A", "attribute 'col' is missing");
    }
    L->n_feeds++;
    if (col < 0 || col > 65535)
        return lfail(L, PDS_ERR_MODEL_FORMAT, ".A", "input col %lld, expected 0 to 65535",
                     (long long)col);
    pval *p = &L->v[c->out[0]];
    if (p->kind == V_VEC || p->rank < 0 || p->dtype == PDS_DTYPE_UNKNOWN) {
        /* data ops also carry shape and dtype attributes */
        int64_t shape[PDSI_MAX_ATTR_LIST];
        int n;
        bool has_shape, has_dtype;
        int vt;
        pds_dtype dt = PDS_DTYPE_UNKNOWN;
        if ((st = get_list(L, c->A, "shape", &has_shape, PDSI_MAX_ATTR_LIST, shape, NULL, true,
                           &n)) ||
            (st = get_dtype(L, c->A, "dtype", &has_dtype, &dt, &vt)))
            return st;
        if (!has_shape || !has_dtype || dt == PDS_DTYPE_UNKNOWN || n > PDSI_MAX_RANK ||
            p->kind == V_VEC)
            return lfail(L, PDS_ERR_MODEL_FORMAT, ".O[0]", "input '%.64s' has no dense tensor "
                         "type with a known dtype and rank <= %d", name, PDSI_MAX_RANK);
        p->dtype = dt;
        p->rank = n;
        memcpy(p->dims, shape, sizeof *shape * (size_t)n);
    }
    if (pdsi_graph_find(L->g, name) >= 0)
        return lfail(L, PDS_ERR_MODEL_FORMAT, ".A", "input name '%.64s' is already used", name);
    int32_t gv;
    if ((st = pdsi_graph_declare(L->g, name, false, p->dtype, p->rank, p->dims, &gv, L->err)) ||
        (st = pdsi_graph_set_input(L->g, (int32_t)col, name, L->err)))
        return lfail(L, st, "", "%s", L->err->message);
    p->kind = V_TENSOR;
    p->gv = gv;
    return PDS_OK;
}

/* pd_op.fetch(x){name, col}: output col is the current value of x. */
static pds_status map_fetch(ld *L, const opspec *s, const opctx *c, obuild *unused)
{
    if (c->n_in != 1 || c->in[0] < 0 || c->n_out > 1)
        return lfail(L, PDS_ERR_MODEL_FORMAT, "", "expected one operand and at most one result, "
                     "got %d and %d", c->n_in, c->n_out);
    bool present;
    int64_t col = L->n_fetches++;
    pds_status st = get_int(L, c->A, "col", &present, &col);
    if (st)
        return st;
    if (col < 0 || col > 65535)
        return lfail(L, PDS_ERR_MODEL_FORMAT, ".A", "output col %lld, expected 0 to 65535",
                     (long long)col);
    const char *name;
    if ((st = tensor_arg(L, c->in[0], ".I[0]", &name)))
        return st;
    if ((st = check_io_name(L, "output", name)))
        return st;
    if ((st = pdsi_graph_set_output(L->g, (int32_t)col, name, L->err)))
        return lfail(L, st, "", "%s", L->err->message);
    return PDS_OK;
}

static const opspec SPECS[] = {
    /* graph entry and exit, constants, vectors */
    {"data", NULL, "", "-", NULL, NULL, map_input},
    {"feed", NULL, "", "-", NULL, NULL, map_input},
    {"fetch", NULL, "", "", NULL, NULL, map_fetch},
    {"full", NULL, "", "-", NULL, NULL, map_full},
    {"full_int_array", NULL, "", "-", NULL, NULL, map_full_int_array},
    {"shape64", NULL, "", "", NULL, NULL, map_shape64},
    /* activations */
    {"relu", "relu", "X", "Out", "", NULL, NULL},
    {"relu6", "relu6", "X", "Out", "", NULL, NULL},
    {"sigmoid", "sigmoid", "X", "Out", "", NULL, NULL},
    {"tanh", "tanh", "X", "Out", "", NULL, NULL},
    {"swish", "swish", "X", "Out", "", NULL, NULL},
    {"silu", "silu", "X", "Out", "", NULL, NULL},
    {"hardswish", "hard_swish", "X", "Out", "", NULL, NULL},
    {"hardsigmoid", "hard_sigmoid", "X", "Out", "slope/f offset/f", NULL, NULL},
    {"gelu", "gelu", "X", "Out", "approximate/b", NULL, NULL},
    {"leaky_relu", "leaky_relu", "X", "Out", "negative_slope:alpha/f", NULL, NULL},
    {"exp", "exp", "X", "Out", "", NULL, NULL},
    {"sqrt", "sqrt", "X", "Out", "", NULL, NULL},
    {"rsqrt", "rsqrt", "X", "Out", "", NULL, NULL},
    {"abs", "abs", "X", "Out", "", NULL, NULL},
    {"log", "log", "X", "Out", "", NULL, NULL},
    {"square", "square", "X", "Out", "", NULL, NULL},
    {"softplus", "softplus", "X", "Out", "beta/f threshold/f", NULL, NULL},
    {"mish", "mish", "X", "Out", "lambda:threshold/f", NULL, NULL},
    {"elu", "elu", "X", "Out", "alpha/f", NULL, NULL},
    {"pow", "pow", "X", "Out", "y:factor/f", NULL, NULL},
    {"clip", "clip", "X =min:f|Min =max:f|Max", "Out", "", NULL, NULL},
    {"scale", "scale", "X =scale:f|ScaleTensor", "Out", "bias/f bias_after_scale/b", NULL, NULL},
    {"dropout", "dropout", "X - =dropout_prob:f", "Out -",
     "is_test/b mode:dropout_implementation/s", NULL, NULL},
    {"assign", "assign", "X", "Out", "", NULL, NULL},
    {"softmax", "softmax", "X", "Out", "axis/i", NULL, NULL},
    {"log_softmax", "log_softmax", "X", "Out", "axis/i", NULL, NULL},
    /* elementwise: PIR broadcasts numpy-style, the legacy axis -1 */
    {"add", "elementwise_add", "X Y", "Out", "+axis=-1/i", NULL, NULL},
    {"subtract", "elementwise_sub", "X Y", "Out", "+axis=-1/i", NULL, NULL},
    {"multiply", "elementwise_mul", "X Y", "Out", "+axis=-1/i", NULL, NULL},
    {"divide", "elementwise_div", "X Y", "Out", "+axis=-1/i", NULL, NULL},
    {"maximum", "elementwise_max", "X Y", "Out", "+axis=-1/i", NULL, NULL},
    {"minimum", "elementwise_min", "X Y", "Out", "+axis=-1/i", NULL, NULL},
    {"elementwise_pow", "elementwise_pow", "X Y", "Out", "+axis=-1/i", NULL, NULL},
    {"floor_divide", "elementwise_floordiv", "X Y", "Out", "+axis=-1/i", NULL, NULL},
    {"remainder", "elementwise_mod", "X Y", "Out", "+axis=-1/i", NULL, NULL},
    {"matmul", "matmul_v2", "X Y", "Out", "transpose_x:trans_x/b transpose_y:trans_y/b", NULL,
     NULL},
    /* convolution, pooling, normalisation, interpolation */
    {"conv2d", "conv2d", "Input Filter", "Output",
     "strides/I paddings/I padding_algorithm/s dilations/I groups/i data_format/s", NULL, NULL},
    {"depthwise_conv2d", "depthwise_conv2d", "Input Filter", "Output",
     "strides/I paddings/I padding_algorithm/s dilations/I groups/i data_format/s", NULL, NULL},
    {"conv2d_transpose", "conv2d_transpose", "Input Filter =output_size:I", "Output",
     "strides/I paddings/I output_padding/I padding_algorithm/s groups/i dilations/I "
     "data_format/s",
     NULL, NULL},
    {"depthwise_conv2d_transpose", "depthwise_conv2d_transpose", "Input Filter =output_size:I",
     "Output",
     "strides/I paddings/I output_padding/I padding_algorithm/s groups/i dilations/I "
     "data_format/s",
     NULL, NULL},
    {"pool2d", "pool2d", "X =ksize:I", "Out",
     "strides/I paddings/I ceil_mode/b exclusive/b data_format/s pooling_type/s "
     "global_pooling/b adaptive/b padding_algorithm/s",
     NULL, NULL},
    {"batch_norm", "batch_norm", "X Mean Variance Scale Bias", "Y - - - - -",
     "is_test/b momentum/f epsilon/f data_format:data_layout/s use_global_stats/b "
     "trainable_statistics/b",
     NULL, NULL},
    {"layer_norm", "layer_norm", "X Scale Bias", "Y - -", "epsilon/f begin_norm_axis/i", NULL,
     NULL},
    {"nearest_interp", "nearest_interp_v2", "X OutSize SizeTensor* Scale", "Out",
     "data_format:data_layout/s out_d/i out_h/i out_w/i scale/F interp_method/s "
     "align_corners/b align_mode/i",
     NULL, NULL},
    {"bilinear_interp", "bilinear_interp_v2", "X OutSize SizeTensor* Scale", "Out",
     "data_format:data_layout/s out_d/i out_h/i out_w/i scale/F interp_method/s "
     "align_corners/b align_mode/i",
     NULL, NULL},
    {"pad3d", "pad3d", "X =paddings:I|Paddings", "Out", "mode/s pad_value:value/f data_format/s",
     NULL, NULL},
    /* data movement */
    {"reshape", "reshape2", "X =shape:I|Shape|ShapeTensor", "Out -", "", NULL, NULL},
    {"transpose", "transpose2", "X", "Out -", "perm:axis/I", NULL, NULL},
    {"flatten", "flatten_contiguous_range", "X", "Out -", "start_axis/i stop_axis/i", NULL, NULL},
    {"squeeze", "squeeze2", "X =axes:I", "Out -", "", NULL, NULL},
    {"unsqueeze", "unsqueeze2", "X =axes:I|AxesTensor|AxesTensorList", "Out -", "", NULL, NULL},
    {"concat", "concat", "X* =axis:i|AxisTensor", "Out", "", NULL, NULL},
    {"split", "split", "X =sections:I||SectionsTensorList =axis:i|AxisTensor", "Out*", "", NULL,
     NULL},
    {"split_with_num", "split", "X =axis:i|AxisTensor", "Out*", "num/i", NULL, NULL},
    {"stack", "stack", "X*", "Y", "axis/i", NULL, NULL},
    {"slice", "slice",
     "Input =starts:I|StartsTensor|StartsTensorList =ends:I|EndsTensor|EndsTensorList", "Out",
     "axes/I infer_flags/I decrease_axis/I", NULL, NULL},
    {"strided_slice", "strided_slice",
     "Input =starts:I|StartsTensor|StartsTensorList =ends:I|EndsTensor|EndsTensorList "
     "=strides:I|StridesTensor|StridesTensorList",
     "Out", "axes/I", NULL, NULL},
    {"shape", "shape", "Input", "Out", "", NULL, NULL},
    {"cast", "cast", "X", "Out", "dtype:out_dtype/D", NULL, NULL},
    {"full_like", "fill_any_like", "X =value:f", "Out", "dtype/D", NULL, NULL},
    /* reductions */
    {"argmax", "arg_max", "X =axis:i", "Out", "keepdims/b flatten/b dtype/D", NULL, NULL},
    {"argmin", "arg_min", "X =axis:i", "Out", "keepdims/b flatten/b dtype/D", NULL, NULL},
    {"mean", "reduce_mean", "X =dim:I", "Out", "keepdim:keep_dim/b", post_reduce, NULL},
    {"sum", "reduce_sum", "X =dim:I", "Out", "keepdim:keep_dim/b dtype:out_dtype/D", post_reduce,
     NULL},
    {"max", "reduce_max", "X =dim:I", "Out", "keepdim:keep_dim/b", post_reduce, NULL},
    {"min", "reduce_min", "X =dim:I", "Out", "keepdim:keep_dim/b", post_reduce, NULL},
};

static const opspec BUILTIN_SPECS[] = {
    {"combine", NULL, "", "", NULL, NULL, map_combine},
    {"slice", NULL, "", "", NULL, NULL, map_bslice},
    {"split", NULL, "", "", NULL, NULL, map_bsplit},
};

static const opspec *find_spec(const opspec *tab, size_t n, const char *name)
{
    for (size_t i = 0; i < n; i++)
        if (strcmp(tab[i].pir, name) == 0)
            return &tab[i];
    return NULL;
}

/* ------------------------------------------------------------------------ */
/* Ops                                                                       */
/* ------------------------------------------------------------------------ */

/* Creates value entries for a result's type. */
static pds_status result_entry(ld *L, const json_t *tt, const char *where, int k, int64_t id,
                               int32_t *idx)
{
    vtype t;
    pds_status st = read_type(L, tt, where, &t);
    if (st || (st = new_val(L, idx)))
        return st;
    pval *p = &L->v[*idx];
    p->res = k;
    p->id = id;
    if (t.kind == T_DTENSOR) {
        p->kind = V_DEAD; /* until the mapper binds it */
        p->dtype = t.dtype;
        p->rank = t.rank;
        memcpy(p->dims, t.dims, sizeof t.dims);
    } else if (t.kind == T_VEC) {
        /* a vector result: one member per element (split's outputs) */
        size_t n = json_array_size(t.elems);
        if (n > (size_t)L->g->limits.max_values)
            return lfail(L, PDS_ERR_LIMIT, where, "vector of %zu values (max_values %u)", n,
                         L->g->limits.max_values);
        int32_t *m = malloc(sizeof *m * (n ? n : 1));
        if (!m)
            return oom(L);
        L->v[*idx].members = m;
        L->v[*idx].n_members = (int32_t)n;
        L->v[*idx].kind = V_VEC;
        for (size_t e = 0; e < n; e++) {
            char w[200];
            vtype et;
            int32_t mi;
            snprintf(w, sizeof w, "%s.D[%zu]", where, e);
            if ((st = read_type(L, json_array_get(t.elems, e), w, &et)) || (st = new_val(L, &mi)))
                return st;
            pval *q = &L->v[mi];
            q->kind = V_DEAD;
            q->res = k;
            q->id = id;
            if (et.kind == T_DTENSOR) {
                q->dtype = et.dtype;
                q->rank = et.rank;
                memcpy(q->dims, et.dims, sizeof et.dims);
            }
            L->v[*idx].members[e] = mi;
        }
    } else {
        p->kind = V_DEAD;
    }
    return PDS_OK;
}

static pds_status do_param(ld *L, const json_t *op)
{
    char where[64];
    snprintf(L->opname, sizeof L->opname, "builtin.parameter");
    const json_t *A = json_object_get(op, "A"), *O = json_object_get(op, "O");
    const json_t *OA = json_object_get(op, "OA");
    if (!json_is_array(A) || json_array_size(A) != 4)
        return lfail(L, PDS_ERR_MODEL_FORMAT, ".A", "parameter attributes are %s%s, expected "
                     "[is_distributed, is_parameter, need_clip, name]",
                     A ? jtype(A) : "missing", json_is_array(A) ? " of another length" : "");
    for (int k = 0; k < 3; k++) {
        const json_t *e = json_array_get(A, (size_t)k);
        if (!json_is_integer(e) && !json_is_boolean(e)) {
            snprintf(where, sizeof where, ".A[%d]", k);
            return lfail(L, PDS_ERR_MODEL_FORMAT, where, "is %s, expected 0 or 1", jtype(e));
        }
    }
    const json_t *nm = json_array_get(A, 3);
    if (!json_is_string(nm) || !json_string_value(nm)[0])
        return lfail(L, PDS_ERR_MODEL_FORMAT, ".A[3]", "parameter name is %s, expected a "
                     "non-empty string", json_is_string(nm) ? "empty" : jtype(nm));
    const char *name = json_string_value(nm);
    bool persistable = true;
    if (OA) {
        const json_t *e = json_is_array(OA) ? json_array_get(OA, 0) : NULL;
        if (!json_is_integer(e) && !json_is_boolean(e))
            return lfail(L, PDS_ERR_MODEL_FORMAT, ".OA", "is %s, expected [persistable, "
                         "stop_gradient, trainable] (0 or 1 each)",
                         jtype(json_is_array(OA) && e ? e : OA));
        persistable = json_is_integer(e) ? json_integer_value(e) != 0 : json_is_true(e);
    }
    int64_t id;
    pds_status st = get_id(L, O, ".O", true, &id, NULL);
    if (st)
        return st;
    if (id <= 0)
        return lfail(L, PDS_ERR_MODEL_FORMAT, ".O", "value id %lld, expected a positive id",
                     (long long)id);
    if (idmap_get(&L->ids, id) >= 0)
        return lfail(L, PDS_ERR_MODEL_FORMAT, ".O", "value id %lld is defined twice",
                     (long long)id);
    vtype t;
    if ((st = read_type(L, json_object_get(O, "TT"), ".O.TT", &t)))
        return st;
    if (pdsi_graph_find(L->g, name) >= 0)
        return lfail(L, PDS_ERR_MODEL_FORMAT, ".A[3]", "parameter name '%.80s' is already used",
                     name);
    int32_t vi, gv;
    if ((st = new_val(L, &vi)))
        return st;
    if (t.kind == T_DTENSOR &&
        (st = pdsi_graph_declare(L->g, name, persistable, t.dtype, t.rank, t.dims, &gv, L->err)))
        return lfail(L, st, "", "%s", L->err->message);
    if (t.kind != T_DTENSOR &&
        (st = pdsi_graph_declare(L->g, name, persistable, PDS_DTYPE_UNKNOWN, -1, NULL, &gv,
                                 L->err)))
        return lfail(L, st, "", "%s", L->err->message);
    pval *p = &L->v[vi];
    p->kind = V_TENSOR;
    p->id = id;
    p->gv = gv;
    p->dtype = t.dtype;
    p->rank = t.rank;
    memcpy(p->dims, t.dims, sizeof t.dims);
    if (!idmap_put(&L->ids, id, vi))
        return oom(L);
    if (!persistable)
        return PDS_OK;
    if (L->np == L->capp) {
        size_t cap = L->capp ? L->capp * 2 : 64;
        pdsi_param_ref *r = realloc(L->params, sizeof *r * cap);
        if (!r)
            return oom(L);
        L->params = r;
        L->capp = cap;
    }
    pdsi_param_ref *r = &L->params[L->np++];
    memset(r, 0, sizeof *r);
    r->name = L->g->values[gv].name;
    r->value = gv;
    r->vartype = -1;
    r->rank = -1;
    if (t.kind != T_DTENSOR) {
        r->not_dense = t.id;
    } else {
        r->vartype = pdsi_vartype_of(t.dtype);
        if (r->vartype < 0)
            r->not_dense = "dense tensor of an element type pdsafe does not hold";
        r->rank = t.rank;
        memcpy(r->dims, t.dims, sizeof t.dims);
    }
    return PDS_OK;
}

static const char *dialect_name(const char *id, size_t n)
{
    static const char *const names[] = {"builtin", "pd_op", "cf", "custom_op", "dist_op"};
    if (n == 1 && id[0] >= '0' && id[0] <= '4')
        return names[id[0] - '0'];
    return NULL;
}

static pds_status do_op(ld *L, const json_t *op)
{
    char where[48];
    if (!json_is_object(op))
        return lfail(L, PDS_ERR_MODEL_FORMAT, "", "op is %s, expected an object", jtype(op));
    const json_t *idj = json_object_get(op, "#");
    if (!json_is_string(idj))
        return lfail(L, PDS_ERR_MODEL_FORMAT, ".#", "op name is %s, expected a string like "
                     "\"1.conv2d\"", idj ? jtype(idj) : "missing");
    const char *raw = json_string_value(idj);
    if (strcmp(raw, "p") == 0)
        return do_param(L, op);
    const char *dot = strchr(raw, '.');
    const char *dialect = dot ? dialect_name(raw, (size_t)(dot - raw)) : NULL;
    if (!dialect) {
        snprintf(L->opname, sizeof L->opname, "%.60s", raw);
        return lfail(L, PDS_ERR_MODEL_FORMAT, ".#", "op name \"%.60s\" has no known dialect id "
                     "(expected \"0.<name>\" builtin, \"1.<name>\" pd_op, \"2.\" cf, \"3.\" "
                     "custom_op or \"4.\" dist_op)",
                     raw);
    }
    const char *base = dot + 1;
    snprintf(L->opname, sizeof L->opname, "%s.%.60s", dialect, base);
    if (json_object_get(op, "regions"))
        return lfail(L, PDS_ERR_UNSUPPORTED_OP, ".regions", "operator '%s' has regions (control "
                     "flow with sub-blocks); pdsafe runs single-block programs only",
                     L->opname);

    /* Find the mapping: pd_op names with a trailing '_' are the in-place
     * forms (batch_norm_, relu_), which compute the same as the plain op. */
    const opspec *s = NULL;
    if (strcmp(dialect, "pd_op") == 0) {
        s = find_spec(SPECS, sizeof SPECS / sizeof SPECS[0], base);
        size_t n = strlen(base);
        if (!s && n > 1 && n < 64 && base[n - 1] == '_') {
            char plain[64];
            snprintf(plain, sizeof plain, "%.*s", (int)(n - 1), base);
            s = find_spec(SPECS, sizeof SPECS / sizeof SPECS[0], plain);
        }
    } else if (strcmp(dialect, "builtin") == 0) {
        s = find_spec(BUILTIN_SPECS, sizeof BUILTIN_SPECS / sizeof BUILTIN_SPECS[0], base);
    }

    const json_t *I = json_object_get(op, "I"), *O = json_object_get(op, "O");
    const json_t *A = json_object_get(op, "A");
    if (!json_is_array(I))
        return lfail(L, PDS_ERR_MODEL_FORMAT, ".I", "operands are %s, expected an array",
                     I ? jtype(I) : "missing");
    if (!json_is_array(O))
        return lfail(L, PDS_ERR_MODEL_FORMAT, ".O", "results are %s, expected an array",
                     O ? jtype(O) : "missing");
    if (!json_is_array(A))
        return lfail(L, PDS_ERR_MODEL_FORMAT, ".A", "attributes are %s, expected an array",
                     A ? jtype(A) : "missing");
    size_t k;
    const json_t *a;
    json_array_foreach(A, k, a) {
        snprintf(where, sizeof where, ".A[%zu]", k);
        const json_t *n = json_is_object(a) ? json_object_get(a, "N") : NULL;
        const json_t *at = json_is_object(a) ? json_object_get(a, "AT") : NULL;
        if (!json_is_string(n) || !json_is_object(at) ||
            !json_is_string(json_object_get(at, "#")))
            return lfail(L, PDS_ERR_MODEL_FORMAT, where, "attribute is not {\"N\": name, "
                         "\"AT\": {\"#\": type, \"D\": data}}");
    }
    if (!s)
        return lfail(L, PDS_ERR_UNSUPPORTED_OP, "", "operator '%s' is not supported by pdsafe",
                     L->opname);

    size_t n_in = json_array_size(I), n_out = json_array_size(O);
    if (n_in > INT_MAX / 2 || n_out > INT_MAX / 2)
        return lfail(L, PDS_ERR_LIMIT, "", "too many operands or results");
    int32_t *in = malloc(sizeof *in * (n_in ? n_in : 1));
    int32_t *out = malloc(sizeof *out * (n_out ? n_out : 1));
    int64_t *out_ids = malloc(sizeof *out_ids * (n_out ? n_out : 1));
    pds_status st = PDS_OK;
    if (!in || !out || !out_ids) {
        st = oom(L);
        goto done;
    }
    /* Operands first: an op cannot read its own results. */
    for (k = 0; k < n_in && !st; k++) {
        int64_t id;
        snprintf(where, sizeof where, ".I[%zu]", k);
        if ((st = get_id(L, json_array_get(I, k), where, true, &id, NULL)))
            break;
        if (id == 0) {
            in[k] = -1;
            continue;
        }
        in[k] = idmap_get(&L->ids, id);
        if (in[k] < 0)
            st = lfail(L, PDS_ERR_MODEL_FORMAT, where, "operand refers to value %lld, which no "
                       "earlier op defines", (long long)id);
    }
    for (k = 0; k < n_out && !st; k++) {
        const json_t *r = json_array_get(O, k);
        bool has_id;
        int64_t id = 0;
        snprintf(where, sizeof where, ".O[%zu]", k);
        if ((st = get_id(L, r, where, false, &id, &has_id)))
            break;
        snprintf(where, sizeof where, ".O[%zu].TT", k);
        if ((st = result_entry(L, json_object_get(r, "TT"), where, (int)k, has_id ? id : 0,
                               &out[k])))
            break;
        out_ids[k] = has_id ? id : 0;
        if (!has_id)
            continue; /* a result nothing can refer to */
        snprintf(where, sizeof where, ".O[%zu]", k);
        if (id <= 0)
            st = lfail(L, PDS_ERR_MODEL_FORMAT, where, "value id %lld, expected a positive id",
                       (long long)id);
        else if (idmap_get(&L->ids, id) >= 0)
            st = lfail(L, PDS_ERR_MODEL_FORMAT, where, "value id %lld is defined twice",
                       (long long)id);
        else if (!idmap_put(&L->ids, id, out[k]))
            st = oom(L);
    }
    if (!st) {
        opctx c = {.op = op, .A = A, .in = in, .n_in = (int)n_in, .out = out,
                   .out_ids = out_ids, .n_out = (int)n_out};
        st = s->fn ? s->fn(L, s, &c, NULL) : map_generic(L, s, &c);
    }
done:
    free(in);
    free(out);
    free(out_ids);
    return st;
}

/* ------------------------------------------------------------------------ */
/* The whole file                                                            */
/* ------------------------------------------------------------------------ */

/* Depth and value count of the raw JSON, without parsing: strings are
 * skipped (with escapes), brackets counted. Values are bounded by the
 * separators and openers seen. On a limit, *at is the byte offset. */
static int prescan(const uint8_t *p, size_t n, int max_depth, uint64_t max_values, size_t *at,
                   uint64_t *values)
{
    int depth = 0;
    uint64_t count = 1;
    bool in_str = false;
    for (size_t i = 0; i < n; i++) {
        uint8_t c = p[i];
        if (in_str) {
            if (c == '\\')
                i++;
            else if (c == '"')
                in_str = false;
            continue;
        }
        if (c == '"') {
            in_str = true;
        } else if (c == '[' || c == '{') {
            count++;
            if (++depth > max_depth) {
                *at = i;
                return 1;
            }
        } else if (c == ']' || c == '}') {
            if (depth > 0)
                depth--;
        } else if (c == ',') {
            count++;
        }
        if (count > max_values) {
            *at = i;
            *values = count;
            return 2;
        }
    }
    *values = count;
    return 0;
}

static void line_col(const uint8_t *p, size_t at, size_t *line, size_t *col)
{
    *line = 1;
    *col = 1;
    for (size_t i = 0; i < at; i++) {
        if (p[i] == '\n') {
            (*line)++;
            *col = 1;
        } else {
            (*col)++;
        }
    }
}

static pds_status check_base(ld *L, const json_t *root)
{
    if (!json_is_object(root))
        return lfail(L, PDS_ERR_MODEL_FORMAT, "$", "the document is %s, expected a PIR program "
                     "object {\"base_code\": ..., \"program\": ...}", jtype(root));
    const json_t *bc = json_object_get(root, "base_code");
    const json_t *magic = json_is_object(bc) ? json_object_get(bc, "magic") : NULL;
    if (!json_is_string(magic) || strcmp(json_string_value(magic), "pir") != 0)
        return lfail(L, PDS_ERR_MODEL_FORMAT, "$.base_code.magic", "is %s%s%.40s%s: a JSON file "
                     "but not a Paddle PIR program (expected \"pir\")",
                     !bc ? "missing (no base_code)" : !magic ? "missing" : jtype(magic),
                     json_is_string(magic) ? " \"" : "",
                     json_is_string(magic) ? json_string_value(magic) : "",
                     json_is_string(magic) ? "\"" : "");
    const json_t *ver = json_object_get(bc, "version");
    if (!json_is_integer(ver))
        return lfail(L, PDS_ERR_MODEL_FORMAT, "$.base_code.version", "is %s, expected an "
                     "integer (the PIR serialization version)", ver ? jtype(ver) : "missing");
    json_int_t v = json_integer_value(ver);
    if (v == 0)
        return lfail(L, PDS_ERR_MODEL_FORMAT, "$.base_code.version",
                     "is 0, which development builds of Paddle write; pdsafe reads the released "
                     "PIR versions %d to %d (Paddle 3.0 to 3.3; re-export with a released "
                     "Paddle)",
                     PDSI_PIR_VERSION_MIN, PDSI_PIR_VERSION_MAX);
    if (v < PDSI_PIR_VERSION_MIN || v > PDSI_PIR_VERSION_MAX)
        return lfail(L, PDS_ERR_MODEL_FORMAT, "$.base_code.version",
                     "is %lld: %s; pdsafe reads PIR versions %d to %d (Paddle 3.0 to 3.3)",
                     (long long)v,
                     v > PDSI_PIR_VERSION_MAX ? "the file was written by a newer Paddle than "
                                                "this pdsafe knows"
                                              : "not a PIR serialization version",
                     PDSI_PIR_VERSION_MIN, PDSI_PIR_VERSION_MAX);
    const json_t *tr = json_object_get(bc, "trainable");
    if (tr && !json_is_boolean(tr))
        return lfail(L, PDS_ERR_MODEL_FORMAT, "$.base_code.trainable", "is %s, expected a "
                     "boolean", jtype(tr));
    L->g->format_version = (int64_t)v;
    return PDS_OK;
}

/* program.regions[0].blocks[0].ops, with every level checked. */
static pds_status find_ops(ld *L, const json_t *root, const json_t **ops)
{
    const json_t *prog = json_object_get(root, "program");
    if (!json_is_object(prog))
        return lfail(L, PDS_ERR_MODEL_FORMAT, "$.program", "is %s, expected an object",
                     prog ? jtype(prog) : "missing");
    const json_t *regions = json_object_get(prog, "regions");
    if (!json_is_array(regions) || json_array_size(regions) != 1)
        return lfail(L, PDS_ERR_MODEL_FORMAT, "$.program.regions", "is %s%s, expected an array "
                     "of exactly one region",
                     regions ? jtype(regions) : "missing",
                     json_is_array(regions) && json_array_size(regions) != 1 ? " of another size"
                                                                              : "");
    const json_t *r0 = json_array_get(regions, 0);
    const json_t *blocks = json_is_object(r0) ? json_object_get(r0, "blocks") : NULL;
    if (!json_is_array(blocks) || json_array_size(blocks) != 1)
        return lfail(L, PDS_ERR_MODEL_FORMAT, "$.program.regions[0].blocks",
                     "is %s, expected an array of exactly one block (the top level)",
                     !json_is_object(r0) ? "not in an object" : blocks ? jtype(blocks) : "missing");
    const json_t *b0 = json_array_get(blocks, 0);
    if (!json_is_object(b0))
        return lfail(L, PDS_ERR_MODEL_FORMAT, "$.program.regions[0].blocks[0]", "is %s, "
                     "expected an object", jtype(b0));
    const json_t *args = json_object_get(b0, "args"), *kwargs = json_object_get(b0, "kwargs");
    if ((args && (!json_is_array(args) || json_array_size(args))) ||
        (kwargs && (!json_is_array(kwargs) || json_array_size(kwargs))))
        return lfail(L, PDS_ERR_UNSUPPORTED_OP, "$.program.regions[0].blocks[0].args",
                     "the top-level block has arguments; pdsafe expects none");
    *ops = json_object_get(b0, "ops");
    if (!json_is_array(*ops))
        return lfail(L, PDS_ERR_MODEL_FORMAT, OPS_PATH, "is %s, expected an array",
                     *ops ? jtype(*ops) : "missing");
    if (json_array_size(*ops) > L->g->limits.max_ops)
        return lfail(L, PDS_ERR_LIMIT, OPS_PATH, "has %zu ops, more than max_ops (%u)",
                     json_array_size(*ops), L->g->limits.max_ops);
    return PDS_OK;
}

/* Names that fetch ops give their values (so outputs carry them), collected
 * before the walk; malformed fetch ops are left to the walk to report. */
static pds_status collect_fetch_names(ld *L, const json_t *ops)
{
    size_t i;
    const json_t *op;
    json_array_foreach(ops, i, op) {
        const json_t *id = json_object_get(op, "#");
        if (!json_is_string(id) || strcmp(json_string_value(id), "1.fetch") != 0)
            continue;
        const json_t *I = json_object_get(op, "I"), *A = json_object_get(op, "A");
        const json_t *i0 = json_is_array(I) ? json_array_get(I, 0) : NULL;
        const json_t *vid = json_is_object(i0) ? json_object_get(i0, "%") : NULL;
        if (!json_is_integer(vid) || !json_is_array(A))
            continue;
        const json_t *at = attr_find(A, "name", NULL);
        const json_t *d = json_is_object(at) ? json_object_get(at, "D") : NULL;
        if (!json_is_string(d) || !json_string_value(d)[0] ||
            strlen(json_string_value(d)) >= PDS_NAME_SIZE)
            continue;
        int64_t key = (int64_t)json_integer_value(vid);
        if (idmap_get(&L->fetch_names, key) >= 0)
            continue;
        if (L->n_fnames == L->cap_fnames) {
            size_t cap = L->cap_fnames ? L->cap_fnames * 2 : 16;
            const char **f = realloc(L->fnames, sizeof *f * cap);
            if (!f)
                return oom(L);
            L->fnames = f;
            L->cap_fnames = cap;
        }
        L->fnames[L->n_fnames] = json_string_value(d);
        if (!idmap_put(&L->fetch_names, key, (int32_t)L->n_fnames))
            return oom(L);
        L->n_fnames++;
    }
    return PDS_OK;
}

static void ld_free(ld *L)
{
    for (int32_t i = 0; i < L->nv; i++) {
        free(L->v[i].ci);
        free(L->v[i].members);
    }
    free(L->v);
    free(L->params);
    free(L->fnames);
    idmap_free(&L->ids);
    idmap_free(&L->fetch_names);
}

pds_status pdsi_load_pir(const uint8_t *prog, size_t prog_len, const char *prog_name,
                         const pdsi_param_source *params, pdsi_graph *g, pds_error *err)
{
    pds_error local;
    if (!err) /* messages are built from err->message below */
        err = &local;
    if (!prog_name)
        prog_name = "<model buffer>";
    if (!g || (!prog && prog_len))
        return pdsi_fail(err, PDS_ERR_INVALID_ARGUMENT, "%s: no program buffer or graph",
                         prog_name);
    g->format = PDS_FORMAT_PIR_JSON;
    ld L;
    memset(&L, 0, sizeof L);
    L.file = prog_name;
    L.g = g;
    L.err = err;
    L.op = -1;
    if (prog_len == 0)
        return pdsi_fail(err, PDS_ERR_MODEL_FORMAT,
                         "%s is empty (expected a Paddle 3 PIR JSON program, inference.json)",
                         prog_name);

    size_t at = 0, line, col;
    uint64_t values = 0;
    uint64_t max_values = (uint64_t)g->limits.max_ops * PDSI_PIR_VALUES_PER_OP + 1024;
    int scan = prescan(prog, prog_len, PDSI_PIR_MAX_DEPTH, max_values, &at, &values);
    if (scan) {
        line_col(prog, at, &line, &col);
        if (scan == 1)
            return pdsi_fail(err, PDS_ERR_LIMIT,
                             "%s: line %zu, column %zu (byte offset %zu): JSON nested more than "
                             "%d deep (Paddle's PIR programs nest about 15 deep)",
                             prog_name, line, col, at, PDSI_PIR_MAX_DEPTH);
        return pdsi_fail(err, PDS_ERR_LIMIT,
                         "%s: line %zu, column %zu (byte offset %zu): more than %llu JSON values "
                         "(%d per op that max_ops %u allows)",
                         prog_name, line, col, at, (unsigned long long)max_values,
                         PDSI_PIR_VALUES_PER_OP, g->limits.max_ops);
    }

    json_error_t je;
    memset(&je, 0, sizeof je);
    json_t *root = json_loadb((const char *)prog, prog_len, JSON_REJECT_DUPLICATES, &je);
    if (!root)
        return pdsi_fail(err, PDS_ERR_MODEL_FORMAT,
                         "%s: line %d, column %d (byte offset %d): not valid JSON: %s", prog_name,
                         je.line, je.column, je.position, je.text);

    pds_status st = check_base(&L, root);
    const json_t *ops = NULL;
    if (!st)
        st = find_ops(&L, root, &ops);
    if (!st)
        st = collect_fetch_names(&L, ops);
    for (size_t i = 0; !st && i < json_array_size(ops); i++) {
        L.op = (int32_t)i;
        snprintf(L.opname, sizeof L.opname, "?");
        st = do_op(&L, json_array_get(ops, i));
    }
    L.op = -1;
    if (!st)
        st = pdsi_params_read(L.params, L.np, prog_name, params, g, err);
    if (!st && (st = pdsi_graph_finish(g, err)) != PDS_OK)
        pdsi_fail_wrap(err, st, "%s", prog_name);
    ld_free(&L);
    json_decref(root);
    return st;
}

/* ------------------------------------------------------------------------ */
/* Sniffing                                                                  */
/* ------------------------------------------------------------------------ */

static bool ends_with(const char *s, const char *suffix)
{
    size_t n = strlen(s), m = strlen(suffix);
    return n >= m && strcmp(s + n - m, suffix) == 0;
}

static bool wire_ok(const uint8_t *p, size_t n)
{
    return pdsi_wire_check(&pdsafe__paddle__program_desc__descriptor, p, n, "", 0, NULL, NULL,
                           NULL) == PDS_OK;
}

pdsi_program_kind pdsi_program_sniff(const uint8_t *p, size_t n, const char *name_hint)
{
    bool json_name = name_hint && ends_with(name_hint, ".json");
    size_t i = 0;
    if (n >= 3 && p[0] == 0xef && p[1] == 0xbb && p[2] == 0xbf)
        i = 3; /* a UTF-8 byte order mark */
    while (i < n && (p[i] == ' ' || p[i] == '\t' || p[i] == '\r' || p[i] == '\n'))
        i++;
    if (i < n && (p[i] == '{' || p[i] == '[')) {
        /* A protobuf program starts with 0x0a (the 'blocks' tag), which is
         * also a newline: only a program whose first block is 123 (or 91)
         * bytes long shows a '{' (or '[') next. The wire check tells. */
        if (p[0] == 0x0a && wire_ok(p, n))
            return PDSI_PROGRAM_LEGACY;
        return PDSI_PROGRAM_PIR_JSON;
    }
    /* Neither starts like JSON: a file named .json is still reported as a
     * broken PIR program (with the parser's position), unless it is a
     * well-formed legacy program after all. */
    if (json_name && n > 0 && !wire_ok(p, n))
        return PDSI_PROGRAM_PIR_JSON;
    return json_name && n == 0 ? PDSI_PROGRAM_PIR_JSON : PDSI_PROGRAM_LEGACY;
}
