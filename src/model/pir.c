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
 * Operators map onto the legacy definitions in src/graph/ through the table
 * of pir_ops.c; the JSON and value layer (ids, types, attribute getters,
 * load-time constants) is pir_json.c. This file is the loader proper: the
 * program walk, the values it puts in the graph, parameters, feeds and
 * fetches. Constants that feed real tensor inputs are materialised on first
 * use (a fill_constant node for pd_op.full, a parameter-like value with data
 * for full_int_array). builtin.combine / slice / split build and take apart
 * vectors of values at load time and produce no node. Parameters ("p" ops)
 * are read from the .pdiparams records sorted by name (records.c).
 */
#include "model/pir.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "model/pir_ops.h"
#include "model/records.h"
#include "model/unsupported.h"
#include "model/wire.h"
#include "proto/framework.pb-c.h"

/* ------------------------------------------------------------------------ */
/* Graph values                                                              */
/* ------------------------------------------------------------------------ */

/* A graph name nobody uses yet: base, or base~k. */
pds_status unique_name(ld *L, const char *base, char *buf, size_t cap)
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
pds_status declare_result(ld *L, int32_t vi, int64_t id, const char *suffix)
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
pds_status tensor_arg(ld *L, int32_t vi, const char *where, const char **name)
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
        if (p->inner_of >= 0)
            return lfail(L, PDS_ERR_MODEL_FORMAT, where, "operand is %s, defined inside a "
                         "region of op #%d (pd_op.if): only that region's ops see it",
                         describe_def(L, vi, b, sizeof b), p->inner_of);
        return lfail(L, PDS_ERR_UNSUPPORTED_OP, where, "operand is %s, which pdsafe does not "
                     "compute (an output it drops, or of a type it does not hold)",
                     describe_def(L, vi, b, sizeof b));
    }
    *name = L->g->values[p->gv].name;
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
    /* pd_op.full -> fill_constant(dtype, shape, value) at the full op's index
     * (attributes listed in pdsi_pir_special_nodes, pir_ops.c) */
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
                       .attrs = {at, 3, NULL}};
    /* A constant may be used first inside a branch and later outside it:
     * its node runs unconditionally (it is cheap). */
    int32_t guard = L->g->cur_guard;
    L->g->cur_guard = 0;
    st = pdsi_graph_add_op(L->g, &raw, L->err);
    L->g->cur_guard = guard;
    if (st) {
        return lfail(L, st, where, "the constant (pd_op.full, op #%d) as a tensor: %s", p->op,
                     L->err->message);
    }
    p->gv = gv;
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
pds_status map_input(ld *L, const opspec *s, const opctx *c, obuild *unused)
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
pds_status map_fetch(ld *L, const opspec *s, const opctx *c, obuild *unused)
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

static bool is_if(const char *dialect, const char *base)
{
    return dialect && base && strcmp(dialect, "pd_op") == 0 && strcmp(base, "if") == 0;
}

/* The op's name "#" ("1.conv2d"): sets L->opname, *dialect and *base (the
 * name without its dialect id), or gives a "p" (parameter) op as *param. */
static pds_status op_name(ld *L, const json_t *op, const char **dialect, const char **base,
                          bool *param)
{
    if (!json_is_object(op))
        return lfail(L, PDS_ERR_MODEL_FORMAT, "", "op is %s, expected an object", jtype(op));
    const json_t *idj = json_object_get(op, "#");
    if (!json_is_string(idj))
        return lfail(L, PDS_ERR_MODEL_FORMAT, ".#", "op name is %s, expected a string like "
                     "\"1.conv2d\"", idj ? jtype(idj) : "missing");
    const char *raw = json_string_value(idj);
    *param = strcmp(raw, "p") == 0;
    if (*param)
        return PDS_OK;
    const char *dot = strchr(raw, '.');
    *dialect = dot ? dialect_name(raw, (size_t)(dot - raw)) : NULL;
    if (!*dialect) {
        snprintf(L->opname, sizeof L->opname, "%.60s", raw);
        return lfail(L, PDS_ERR_MODEL_FORMAT, ".#", "op name \"%.60s\" has no known dialect id "
                     "(expected \"0.<name>\" builtin, \"1.<name>\" pd_op, \"2.\" cf, \"3.\" "
                     "custom_op or \"4.\" dist_op)",
                     raw);
    }
    *base = dot + 1;
    snprintf(L->opname, sizeof L->opname, "%s.%.60s", *dialect, *base);
    if (json_object_get(op, "regions") && !is_if(*dialect, *base))
        return lfail(L, PDS_ERR_UNSUPPORTED_OP, ".regions", "operator '%s' has regions (control "
                     "flow with sub-blocks); pdsafe runs pd_op.if only",
                     L->opname);
    return PDS_OK;
}

/* The op's operands "I", results "O" and attributes "A" are arrays, each
 * attribute {"N": name, "AT": {"#": type, ...}}. */
static pds_status op_arrays(ld *L, const json_t *I, const json_t *O, const json_t *A)
{
    char where[48];
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
    return PDS_OK;
}

/* Operand k's value index into in[k] (-1 for the absent operand %0). Operands
 * are bound before results: an op cannot read its own results. */
static pds_status bind_operands(ld *L, const json_t *I, int32_t *in)
{
    char where[48];
    for (size_t k = 0; k < json_array_size(I); k++) {
        int64_t id;
        snprintf(where, sizeof where, ".I[%zu]", k);
        pds_status st = get_id(L, json_array_get(I, k), where, true, &id, NULL);
        if (st)
            return st;
        if (id == 0) {
            in[k] = -1;
            continue;
        }
        in[k] = idmap_get(&L->ids, id);
        if (in[k] < 0)
            return lfail(L, PDS_ERR_MODEL_FORMAT, where, "operand refers to value %lld, which "
                         "no earlier op defines", (long long)id);
    }
    return PDS_OK;
}

/* A value entry per result (out[k], its id out_ids[k], 0 if it has none),
 * each id defined once. */
static pds_status bind_results(ld *L, const json_t *O, int32_t *out, int64_t *out_ids)
{
    char where[48];
    pds_status st = PDS_OK;
    for (size_t k = 0; k < json_array_size(O) && !st; k++) {
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
    return st;
}

/* ------------------------------------------------------------------------ */
/* pd_op.if                                                                  */
/* ------------------------------------------------------------------------ */

static pds_status do_op(ld *L, const json_t *op);

/* Is op cf.yield? */
static bool is_yield(const json_t *op)
{
    const json_t *idj = json_is_object(op) ? json_object_get(op, "#") : NULL;
    return json_is_string(idj) && strcmp(json_string_value(idj), "2.yield") == 0;
}

/* Region r of a pd_op.if: its one block's ops, checked. */
static pds_status region_ops(ld *L, const json_t *regions, int r, const json_t **ops)
{
    char where[64];
    const json_t *reg = json_array_get(regions, (size_t)r);
    const json_t *blocks = json_is_object(reg) ? json_object_get(reg, "blocks") : NULL;
    snprintf(where, sizeof where, ".regions[%d].blocks", r);
    if (!json_is_array(blocks) || json_array_size(blocks) != 1)
        return lfail(L, PDS_ERR_MODEL_FORMAT, where, "is %s%s, expected an array of one block",
                     !json_is_object(reg) ? "not in an object" : jtype(blocks),
                     json_is_array(blocks) ? " of another size" : "");
    const json_t *b = json_array_get(blocks, 0);
    const json_t *args = json_is_object(b) ? json_object_get(b, "args") : NULL;
    snprintf(where, sizeof where, ".regions[%d].blocks[0]", r);
    if (args && (!json_is_array(args) || json_array_size(args) != 0))
        return lfail(L, PDS_ERR_MODEL_FORMAT, where, "has block arguments, expected none "
                     "(the branches of pd_op.if take none)");
    *ops = json_is_object(b) ? json_object_get(b, "ops") : NULL;
    if (!json_is_array(*ops) || json_array_size(*ops) == 0 || !is_yield(json_array_get(*ops,
                                                              json_array_size(*ops) - 1)))
        return lfail(L, PDS_ERR_MODEL_FORMAT, where, "ops are %s, expected ops ending in "
                     "cf.yield (\"2.yield\")",
                     !json_is_array(*ops) ? jtype(*ops)
                     : json_array_size(*ops) ? "not ending in cf.yield" : "empty");
    return PDS_OK;
}

/* Walks region r's ops under guard, then reads what its cf.yield hands out:
 * n graph value ids into vals. Values defined inside go out of scope. */
static pds_status walk_region(ld *L, const json_t *regions, int r, int32_t guard, int n,
                              int32_t *vals)
{
    const json_t *ops = NULL;
    pds_status st = region_ops(L, regions, r, &ops);
    if (st)
        return st;
    size_t sub_len = strlen(L->sub);
    char opname[sizeof L->opname];
    memcpy(opname, L->opname, sizeof opname);
    int32_t first_val = L->nv, outer = L->g->cur_guard;
    size_t n_ops = json_array_size(ops);
    L->g->cur_guard = guard;
    for (size_t j = 0; j + 1 < n_ops && !st; j++) {
        snprintf(L->sub + sub_len, sizeof L->sub - sub_len, ".regions[%d].blocks[0].ops[%zu]", r,
                 j);
        const json_t *op = json_array_get(ops, j);
        st = is_yield(op) ? lfail(L, PDS_ERR_MODEL_FORMAT, "", "cf.yield before the end of the "
                                  "region, expected it last") : do_op(L, op);
    }
    L->g->cur_guard = outer;
    if (!st) {
        snprintf(L->sub + sub_len, sizeof L->sub - sub_len, ".regions[%d].blocks[0].ops[%zu]", r,
                 n_ops - 1);
        snprintf(L->opname, sizeof L->opname, "cf.yield");
        const json_t *y = json_array_get(ops, n_ops - 1);
        const json_t *I = json_object_get(y, "I");
        if (!json_is_array(I) || json_array_size(I) != (size_t)n)
            st = lfail(L, PDS_ERR_MODEL_FORMAT, ".I", "yields %s%zu values, expected %d (one "
                       "per result of the pd_op.if)", json_is_array(I) ? "" : "no array: ",
                       json_is_array(I) ? json_array_size(I) : 0, n);
        int32_t *in = st ? NULL : calloc((size_t)(n ? n : 1), sizeof *in);
        if (!st && !in) {
            L->g->cur_guard = outer;
            L->sub[sub_len] = '\0';
            return oom(L);
        }
        if (!st)
            st = bind_operands(L, I, in);
        for (int k = 0; in && k < n && !st; k++) {
            char where[32];
            const char *name;
            snprintf(where, sizeof where, ".I[%d]", k);
            if (in[k] < 0)
                st = lfail(L, PDS_ERR_MODEL_FORMAT, where, "yields the absent value %%0, "
                           "expected a tensor");
            else if (!(st = tensor_arg(L, in[k], where, &name)))
                /* tensor_arg sets name whenever it returns PDS_OK */
                /* NOLINTNEXTLINE(clang-analyzer-core.CallAndMessage) */
                vals[k] = pdsi_graph_find(L->g, name);
        }
        free(in);
    }
    /* what the region defined is not visible after it */
    for (int32_t v = first_val; v < L->nv; v++)
        if (L->v[v].kind == V_TENSOR) {
            L->v[v].kind = V_DEAD;
            L->v[v].inner_of = L->op;
        }
    L->sub[sub_len] = '\0';
    memcpy(L->opname, opname, sizeof opname);
    return st;
}

/* pd_op.if(cond) with regions [true branch, false branch], each one block
 * ending in cf.yield: the nodes of each region are added under a guard on
 * cond, and each result becomes select_input(X = {false value, true value},
 * Mask = cond) (graph/graph.h, ops/control.h). */
static pds_status do_if(ld *L, const json_t *op, const json_t *I, const json_t *O)
{
    const json_t *regions = json_object_get(op, "regions");
    if (!json_is_array(regions) || json_array_size(regions) != 2)
        return lfail(L, PDS_ERR_MODEL_FORMAT, ".regions", "is %s%s, expected an array of two "
                     "regions (the true and the false branch)", jtype(regions),
                     json_is_array(regions) ? " of another size" : "");
    if (json_array_size(I) != 1)
        return lfail(L, PDS_ERR_MODEL_FORMAT, ".I", "has %zu operands, expected 1 (the "
                     "condition)", json_array_size(I));
    size_t n_out = json_array_size(O);
    if (n_out > 4096)
        return lfail(L, PDS_ERR_LIMIT, ".O", "%zu results, at most 4096 supported", n_out);
    int n = (int)n_out;
    int32_t cin = -1, *out = NULL, *vals = NULL, guards[2];
    int64_t *out_ids = NULL;
    const char *cname;
    pds_status st = bind_operands(L, I, &cin);
    if (st)
        return st;
    if (cin < 0)
        return lfail(L, PDS_ERR_MODEL_FORMAT, ".I[0]", "the condition is the absent value %%0");
    if ((st = tensor_arg(L, cin, ".I[0]", &cname)))
        return st;
    /* tensor_arg sets cname whenever it returns PDS_OK */
    /* NOLINTNEXTLINE(clang-analyzer-core.CallAndMessage) */
    int32_t cond = pdsi_graph_find(L->g, cname);
    pds_dtype cdt = L->g->values[cond].dtype;
    if (cdt != PDS_DTYPE_UNKNOWN && cdt != PDS_BOOL)
        return lfail(L, PDS_ERR_MODEL_FORMAT, ".I[0]", "the condition is %s, expected bool",
                     pds_dtype_name(cdt));
    int32_t outer = L->g->cur_guard;
    for (int r = 0; r < 2 && !st; r++)
        st = pdsi_graph_add_guard(L->g, cond, r == 0, outer, L->op, &guards[r], L->err);
    if (st)
        return lfail(L, st, "", "%s", L->err->message);
    out = calloc(n_out + 1, sizeof *out);
    out_ids = calloc(n_out + 1, sizeof *out_ids);
    vals = calloc(2 * n_out + 1, sizeof *vals);
    if (!out || !out_ids || !vals) {
        free(out);
        free(out_ids);
        free(vals);
        return oom(L);
    }
    /* vals[k]: the true branch's result k; vals[n + k]: the false one's */
    for (int r = 0; r < 2 && !st; r++)
        st = walk_region(L, regions, r, guards[r], n, vals + r * n);
    if (!st)
        st = bind_results(L, O, out, out_ids);
    for (int k = 0; k < n && !st; k++) {
        char where[32];
        snprintf(where, sizeof where, ".O[%d]", k);
        pval *p = &L->v[out[k]];
        if (!out_ids[k])
            continue; /* nothing can read it */
        if (p->kind != V_DEAD || p->dtype == PDS_DTYPE_UNKNOWN) {
            st = lfail(L, PDS_ERR_UNSUPPORTED_OP, where, "result is not a dense tensor of a "
                       "dtype pdsafe holds");
            break;
        }
        for (int r = 0; r < 2 && !st; r++) {
            const pdsi_value *y = &L->g->values[vals[r * n + k]];
            if (y->dtype != PDS_DTYPE_UNKNOWN && y->dtype != p->dtype)
                st = lfail(L, PDS_ERR_MODEL_FORMAT, where, "result is %s, but the %s branch "
                           "yields '%s' of %s", pds_dtype_name(p->dtype),
                           r == 0 ? "true" : "false", y->name, pds_dtype_name(y->dtype));
        }
        if (st || (st = declare_result(L, out[k], out_ids[k], NULL)))
            break;
        const char *xs[2] = {L->g->values[vals[n + k]].name, L->g->values[vals[k]].name};
        const char *res = L->g->values[L->v[out[k]].gv].name;
        pdsi_raw_slot in[2] = {{"X", 2, xs}, {"Mask", 1, &cname}};
        pdsi_raw_slot os = {"Out", 1, &res};
        pdsi_raw_op raw = {.type = "select_input", .index = L->op, .in = in, .n_in = 2,
                           .out = &os, .n_out = 1};
        if ((st = pdsi_graph_add_op(L->g, &raw, L->err)))
            st = lfail(L, st, where, "as select_input: %s", L->err->message);
    }
    free(out);
    free(out_ids);
    free(vals);
    return st;
}

static pds_status do_op(ld *L, const json_t *op)
{
    const char *dialect = NULL, *base = NULL;
    bool param;
    pds_status st = op_name(L, op, &dialect, &base, &param);
    if (st)
        return st;
    if (param)
        return L->sub[0] ? lfail(L, PDS_ERR_MODEL_FORMAT, "", "a parameter op inside a region "
                                 "of a pd_op.if, expected parameters at the top level")
                         : do_param(L, op);
    const opspec *s = pdsi_pir_find_spec(dialect, base);
    const json_t *I = json_object_get(op, "I"), *O = json_object_get(op, "O");
    const json_t *A = json_object_get(op, "A");
    if ((st = op_arrays(L, I, O, A)))
        return st;
    if (is_if(dialect, base))
        return do_if(L, op, I, O);
    if (L->sub[0] && s && (s->fn == map_input || s->fn == map_fetch))
        return lfail(L, PDS_ERR_MODEL_FORMAT, "", "'%s' inside a region of a pd_op.if, expected "
                     "feeds and fetches at the top level", L->opname);
    if (!s)
        return lfail(L, PDS_ERR_UNSUPPORTED_OP, "", "operator '%s' is not supported by pdsafe",
                     L->opname);

    size_t n_in = json_array_size(I), n_out = json_array_size(O);
    if (n_in > INT_MAX / 2 || n_out > INT_MAX / 2)
        return lfail(L, PDS_ERR_LIMIT, "", "too many operands or results");
    int32_t *in = malloc(sizeof *in * (n_in ? n_in : 1));
    int32_t *out = malloc(sizeof *out * (n_out ? n_out : 1));
    int64_t *out_ids = malloc(sizeof *out_ids * (n_out ? n_out : 1));
    if (!in || !out || !out_ids)
        st = oom(L);
    if (!st && !(st = bind_operands(L, I, in)) && !(st = bind_results(L, O, out, out_ids))) {
        opctx c = {.op = op, .A = A, .in = in, .n_in = (int)n_in, .out = out,
                   .out_ids = out_ids, .n_out = (int)n_out};
        st = pdsi_pir_map(L, s, &c);
    }
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

/* Every op whose name has no mapping, under its PIR name ("pd_op.roll"),
 * all reported at once, with the ops inside the regions of pd_op.if (at the
 * index of their top-level op; the cf.yield that ends a region is part of
 * the if); ops whose names are malformed are left to the walk to report.
 * Recursion is bounded by the JSON depth limit (prescan). */
static bool scan_supported(ld *L, const json_t *ops, int32_t top, pdsi_unsupported *un)
{
    size_t i;
    const json_t *op;
    json_array_foreach(ops, i, op) {
        const json_t *idj = json_is_object(op) ? json_object_get(op, "#") : NULL;
        const char *raw = json_is_string(idj) ? json_string_value(idj) : NULL;
        const char *dot = raw ? strchr(raw, '.') : NULL;
        const char *dialect = dot ? dialect_name(raw, (size_t)(dot - raw)) : NULL;
        int32_t at = top >= 0 ? top : (int32_t)i;
        if (!dialect || (top >= 0 && is_yield(op)))
            continue;
        if (is_if(dialect, dot + 1)) {
            const json_t *regions = json_object_get(op, "regions"), *reg, *blk;
            size_t r, b;
            json_array_foreach(regions, r, reg) {
                const json_t *blocks = json_is_object(reg) ? json_object_get(reg, "blocks") : NULL;
                json_array_foreach(blocks, b, blk) {
                    const json_t *inner = json_is_object(blk) ? json_object_get(blk, "ops") : NULL;
                    if (json_is_array(inner) && !scan_supported(L, inner, at, un))
                        return false;
                }
            }
            continue;
        }
        if (pdsi_pir_find_spec(dialect, dot + 1))
            continue;
        char name[PDS_NAME_SIZE];
        snprintf(name, sizeof name, "%s.%.100s", dialect, dot + 1);
        if (!pdsi_unsupported_add(un, name, at))
            return false;
    }
    return true;
}

static pds_status check_supported(ld *L, const json_t *ops)
{
    pdsi_unsupported un = {0};
    pds_status st = scan_supported(L, ops, -1, &un) ? PDS_OK : oom(L);
    if (!st)
        st = pdsi_unsupported_fail(&un, L->file, L->g, L->err);
    pdsi_unsupported_free(&un);
    return st;
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
        st = check_supported(&L, ops);
    if (!st)
        st = collect_fetch_names(&L, ops);
    for (size_t i = 0; !st && !g->check_only && i < json_array_size(ops); i++) {
        L.op = (int32_t)i;
        snprintf(L.opname, sizeof L.opname, "?");
        st = do_op(&L, json_array_get(ops, i));
    }
    L.op = -1;
    if (!st && !g->check_only)
        st = pdsi_params_read(L.params, L.np, prog_name, params, g, err);
    if (!st && !g->check_only && (st = pdsi_graph_finish(g, err)) != PDS_OK)
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
