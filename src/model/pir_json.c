/*
 * pir_json.c — the PIR loader's JSON and value layer (see pir_json.h): the
 * map from value ids to values, messages with the JSON path of the current
 * op, PIR types, attribute getters (which accept every numeric attribute type
 * the serialization versions use) and load-time constants.
 */
#include "model/pir_json.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "model/records.h"

static uint32_t id_hash(int64_t k)
{
    uint64_t x = (uint64_t)k + 0x9e3779b97f4a7c15ull;
    x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
    x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
    return (uint32_t)(x ^ (x >> 31));
}

int32_t idmap_get(const idmap *m, int64_t key)
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

bool idmap_put(idmap *m, int64_t key, int32_t val)
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

void idmap_free(idmap *m)
{
    free(m->keys);
    free(m->vals);
    memset(m, 0, sizeof *m);
}

/* "<file>: $.program...ops[12].A[0] (op #12, pd_op.conv2d): what". where is
 * the JSON path below the current op (or the whole path outside ops). */
pds_status lfail(ld *L, pds_status code, const char *where, const char *fmt, ...)
{
    char what[PDS_ERROR_MESSAGE_SIZE];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(what, sizeof what, fmt, ap);
    va_end(ap);
    if (L->op < 0)
        return pdsi_fail(L->err, code, "%s: %s: %s", L->file, where, what);
    return pdsi_fail(L->err, code, "%s: " OPS_PATH "[%d]%s%s (op #%d, %s): %s", L->file, L->op,
                     L->sub, where, L->op, L->opname, what);
}

pds_status oom(ld *L)
{
    return lfail(L, PDS_ERR_OUT_OF_MEMORY, "", "out of memory");
}

const char *jtype(const json_t *j)
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

pds_status new_val(ld *L, int32_t *idx)
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
    p->inner_of = -1;
    *idx = L->nv++;
    return PDS_OK;
}

/* ------------------------------------------------------------------------ */
/* JSON helpers                                                              */
/* ------------------------------------------------------------------------ */

/* Value ids ("%") are JSON integers. */
pds_status get_id(ld *L, const json_t *obj, const char *where, bool required, int64_t *id,
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

/* Reads a type object ({"#": id, "D": data}). Nested vector types are
 * checked one level deep; deeper ones (vectors of vectors) are T_OTHER. */
pds_status read_type(ld *L, const json_t *t, const char *where, vtype *out)
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
        if (!json_is_integer(e))
            return lfail(L, PDS_ERR_MODEL_FORMAT, w,
                         "dim %zu is %s, expected an integer >= 0 (or negative for unknown)", i,
                         jtype(e));
        /* Any negative dim is unknown: Paddle's shape inference multiplies
         * unknown dims through (flatten of [-1, 6, 5] is declared [-30]). */
        int64_t v = (int64_t)json_integer_value(e);
        out->dims[i] = v < 0 ? -1 : v;
    }
    out->rank = (int)n;
    return PDS_OK;
}

/* ------------------------------------------------------------------------ */
/* Attributes                                                                */
/* ------------------------------------------------------------------------ */

/* The op's attribute list "A": [{"N": name, "AT": {"#": id, "D": data}}]. */
const json_t *attr_find(const json_t *A, const char *name, size_t *index)
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

const char *attr_id(const json_t *at)
{
    const json_t *id = json_object_get(at, "#");
    return json_is_string(id) ? json_string_value(id) : "?";
}

bool id_is(const char *id, const char *a, const char *b, const char *c)
{
    return strcmp(id, a) == 0 || (b && strcmp(id, b) == 0) || (c && strcmp(id, c) == 0);
}

/* A number from any numeric attribute (version patches turned Int32 into
 * Int64 and Float into Double for some attributes): 0.a_i32 / a_i64 / a_index
 * (JSON integers), 0.a_f32 / a_f64 (JSON numbers or "VD": "NaN" / "INF" /
 * "-INF"), 1.a_scalar ([dtype, number]). is_int tells whether it was an
 * integer attribute; *i is exact then. */
bool attr_number(const json_t *at, double *f, int64_t *i, bool *is_int)
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
bool exact_int(double f, int64_t *out)
{
    if (!(f >= -9223372036854775808.0 && f < 9223372036854775808.0) || f != floor(f))
        return false;
    *out = (int64_t)f;
    return true;
}

/* Attribute readers: a missing attribute leaves *present false; one of the
 * wrong kind is PDS_ERR_MODEL_FORMAT naming it, its path and what it is. */
pds_status bad_attr(ld *L, const json_t *A, const char *name, const json_t *at,
                           const char *expected)
{
    char w[64];
    size_t k = 0;
    attr_find(A, name, &k);
    snprintf(w, sizeof w, ".A[%zu].AT", k);
    return lfail(L, PDS_ERR_MODEL_FORMAT, w, "attribute '%s' is %s%s, expected %s", name,
                 attr_id(at), json_object_get(at, "D") ? "" : " without data \"D\"", expected);
}

pds_status get_number(ld *L, const json_t *A, const char *name, bool *present, double *f,
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

pds_status get_int(ld *L, const json_t *A, const char *name, bool *present, int64_t *v)
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

pds_status get_bool(ld *L, const json_t *A, const char *name, bool *present, bool *v)
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

pds_status get_str(ld *L, const json_t *A, const char *name, bool *present,
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
pds_status get_list(ld *L, const json_t *A, const char *name, bool *present, int cap,
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
    if (cnt > (size_t)cap) {
        char want[48];
        snprintf(want, sizeof want, "a list of at most %d entries", cap);
        return bad_attr(L, A, name, at, want);
    }
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
pds_status get_dtype(ld *L, const json_t *A, const char *name, bool *present,
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
pds_status const_ints(ld *L, int32_t vi, const char *where, int64_t *buf, int cap,
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
pds_status const_scalar(ld *L, int32_t vi, const char *where, double *f, int64_t *i,
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
