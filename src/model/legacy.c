/*
 * legacy.c — the legacy Paddle program loader: a ProgramDesc protobuf
 * (inference.pdmodel / __model__) plus its parameters, either one combined
 * .pdiparams buffer or one file per parameter, into a pdsi_graph.
 *
 * Order of work: sniff the first bytes (empty file, JSON, not a protobuf),
 * walk the wire format strictly (wire.c), let protobuf-c decode, then read
 * block 0: declare its variables, mark feed targets as inputs, add every other
 * operator in file order, mark fetch sources as outputs, read the parameters
 * (records.c, shared with the PIR loader) and let the graph check the whole.
 * Formats: docs/FORMATS.md §1 (the program) and §2 (its parameters).
 */
#include "model/legacy.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "model/loader.h"
#include "model/records.h"
#include "model/unsupported.h"
#include "model/wire.h"

#define VT(x) PDSAFE__PADDLE__VAR_TYPE__TYPE__##x
#define AT(x) PDSAFE__PADDLE__ATTR_TYPE__##x

typedef Pdsafe__Paddle__ProgramDesc ProgramDesc;
typedef Pdsafe__Paddle__BlockDesc BlockDesc;
typedef Pdsafe__Paddle__VarDesc VarDesc;
typedef Pdsafe__Paddle__OpDesc OpDesc;
typedef Pdsafe__Paddle__OpDesc__Var OpVar;
typedef Pdsafe__Paddle__OpDesc__Attr OpAttr;
typedef Pdsafe__Paddle__VarType__TensorDesc TensorDesc;

pds_dtype pdsi_legacy_dtype(int vartype)
{
    switch (vartype) {
    case VT(BOOL): return PDS_BOOL;
    case VT(INT16): return PDS_INT16;
    case VT(INT32): return PDS_INT32;
    case VT(INT64): return PDS_INT64;
    case VT(FP16): return PDS_FLOAT16;
    case VT(FP32): return PDS_FLOAT32;
    case VT(FP64): return PDS_FLOAT64;
    case VT(UINT8): return PDS_UINT8;
    case VT(INT8): return PDS_INT8;
    case VT(BF16): return PDS_BFLOAT16;
    default: return PDS_DTYPE_UNKNOWN;
    }
}

const char *pdsi_legacy_vartype_name(int vartype)
{
    const ProtobufCEnumValue *v =
        protobuf_c_enum_descriptor_get_value(&pdsafe__paddle__var_type__type__descriptor, vartype);
    return v ? v->name : "unknown";
}

/* ------------------------------------------------------------------------ */
/* Attributes                                                                */
/* ------------------------------------------------------------------------ */

void pdsi_legacy_attrs_free(pdsi_legacy_attrs *a)
{
    free(a->a);
    free(a->ints);
    free(a->floats);
    memset(a, 0, sizeof *a);
}

/* Entries an attribute contributes to the int64 / double pools. */
#define SCALAR_TYPE(x) PDSAFE__PADDLE__SCALAR__TYPE__##x

/* Newer Paddle writes some values (assign_value's `values`) as Scalar
 * messages. Integral ones (bool, int64) read as integers, float64 as floats;
 * complex values are not interpreted. Returns 0 int, 1 float, -1 other. */
static int scalar_kind(const Pdsafe__Paddle__Scalar *sc)
{
    if (!sc || !sc->has_type)
        return -1;
    switch ((int)sc->type) {
    case SCALAR_TYPE(BOOLEAN):
    case SCALAR_TYPE(LONG): return 0;
    case SCALAR_TYPE(FLOAT64): return 1;
    default: return -1;
    }
}

static double scalar_value(const Pdsafe__Paddle__Scalar *sc)
{
    return sc->type == SCALAR_TYPE(BOOLEAN) ? (sc->b ? 1.0 : 0.0)
           : sc->type == SCALAR_TYPE(LONG)  ? (double)sc->i
                                            : sc->r;
}

static int64_t scalar_int(const Pdsafe__Paddle__Scalar *sc)
{
    return sc->type == SCALAR_TYPE(BOOLEAN) ? (sc->b ? 1 : 0) : sc->i;
}

/* The kind of a SCALARS list: 0 all integral, 1 some float, -1 not readable. */
static int scalars_kind(const OpAttr *at)
{
    int kind = 0;
    for (size_t j = 0; j < at->n_scalars; j++) {
        int k = scalar_kind(at->scalars[j]);
        if (k < 0)
            return -1;
        if (k == 1)
            kind = 1;
    }
    return kind;
}

static void list_sizes(const OpAttr *at, size_t *ni, size_t *nf)
{
    *ni = *nf = 0;
    switch ((int)at->type) {
    case AT(INTS): *ni = at->n_ints; break;
    case AT(LONGS): *ni = at->n_longs; break;
    case AT(BOOLEANS): *ni = at->n_bools; break;
    case AT(FLOATS): *nf = at->n_floats; break;
    case AT(FLOAT64S): *nf = at->n_float64s; break;
    case AT(SCALARS):
        if (scalars_kind(at) == 0)
            *ni = at->n_scalars;
        else if (scalars_kind(at) == 1)
            *nf = at->n_scalars;
        break;
    default: break;
    }
}

pds_status pdsi_legacy_convert_attrs(const OpDesc *op, int32_t index, const char *prog_name,
                                     pdsi_legacy_attrs *out, pds_error *err)
{
    const char *type = op->type ? op->type : "?";
    memset(out, 0, sizeof *out);
    if (op->n_attrs > INT_MAX)
        return pdsi_fail(err, PDS_ERR_LIMIT, "%s: op #%d (%s): %zu attributes", prog_name, index,
                         type, op->n_attrs);
    size_t total_i = 0, total_f = 0;
    for (size_t k = 0; k < op->n_attrs; k++) {
        const OpAttr *at = op->attrs[k];
        if (!at->name || !at->name[0])
            return pdsi_fail(err, PDS_ERR_MODEL_FORMAT,
                             "%s: op #%d (%s): attribute #%zu has no name", prog_name, index,
                             type, k);
        if (!at->has_type)
            return pdsi_fail(err, PDS_ERR_MODEL_FORMAT,
                             "%s: op #%d (%s): attribute '%s' has no type", prog_name, index,
                             type, at->name);
        size_t ni, nf;
        list_sizes(at, &ni, &nf);
        total_i += ni;
        total_f += nf;
    }
    out->a = calloc(op->n_attrs ? op->n_attrs : 1, sizeof *out->a);
    out->ints = malloc(sizeof *out->ints * (total_i ? total_i : 1));
    out->floats = malloc(sizeof *out->floats * (total_f ? total_f : 1));
    if (!out->a || !out->ints || !out->floats) {
        pdsi_legacy_attrs_free(out);
        return pdsi_fail(err, PDS_ERR_OUT_OF_MEMORY, "%s: op #%d (%s): out of memory for %zu "
                         "attributes", prog_name, index, type, op->n_attrs);
    }
    int64_t *ip = out->ints;
    double *fp = out->floats;
    for (size_t k = 0; k < op->n_attrs; k++) {
        const OpAttr *at = op->attrs[k];
        pdsi_attr *d = &out->a[k];
        d->name = at->name;
        switch ((int)at->type) {
        case AT(INT):
            d->type = PDSI_ATTR_INT;
            d->i = at->i;
            break;
        case AT(LONG):
            d->type = PDSI_ATTR_INT;
            d->i = at->l;
            break;
        case AT(FLOAT):
            d->type = PDSI_ATTR_FLOAT;
            d->f = at->f;
            break;
        case AT(FLOAT64):
            d->type = PDSI_ATTR_FLOAT;
            d->f = at->float64;
            break;
        case AT(BOOLEAN):
            d->type = PDSI_ATTR_BOOL;
            d->i = at->b ? 1 : 0;
            break;
        case AT(STRING):
            d->type = PDSI_ATTR_STRING;
            d->s = at->s ? at->s : "";
            break;
        case AT(INTS):
            d->type = PDSI_ATTR_INTS;
            d->ints = ip;
            d->n = (int64_t)at->n_ints;
            for (size_t j = 0; j < at->n_ints; j++)
                *ip++ = at->ints[j];
            break;
        case AT(LONGS):
            d->type = PDSI_ATTR_INTS;
            d->ints = ip;
            d->n = (int64_t)at->n_longs;
            for (size_t j = 0; j < at->n_longs; j++)
                *ip++ = at->longs[j];
            break;
        case AT(BOOLEANS):
            d->type = PDSI_ATTR_INTS;
            d->ints = ip;
            d->n = (int64_t)at->n_bools;
            for (size_t j = 0; j < at->n_bools; j++)
                *ip++ = at->bools[j] ? 1 : 0;
            break;
        case AT(FLOATS):
            d->type = PDSI_ATTR_FLOATS;
            d->floats = fp;
            d->n = (int64_t)at->n_floats;
            for (size_t j = 0; j < at->n_floats; j++)
                *fp++ = at->floats[j];
            break;
        case AT(FLOAT64S):
            d->type = PDSI_ATTR_FLOATS;
            d->floats = fp;
            d->n = (int64_t)at->n_float64s;
            for (size_t j = 0; j < at->n_float64s; j++)
                *fp++ = at->float64s[j];
            break;
        case AT(STRINGS):
            d->type = PDSI_ATTR_STRINGS;
            d->strs = (const char *const *)at->strings;
            d->n = (int64_t)at->n_strings;
            break;
        case AT(SCALAR):
            if (scalar_kind(at->scalar) == 0) {
                d->type = PDSI_ATTR_INT;
                d->i = scalar_int(at->scalar);
            } else if (scalar_kind(at->scalar) == 1) {
                d->type = PDSI_ATTR_FLOAT;
                d->f = at->scalar->r;
            } else {
                d->type = PDSI_ATTR_OTHER;
            }
            break;
        case AT(SCALARS):
            if (scalars_kind(at) == 0) {
                d->type = PDSI_ATTR_INTS;
                d->ints = ip;
                for (size_t j = 0; j < at->n_scalars; j++)
                    *ip++ = scalar_int(at->scalars[j]);
            } else if (scalars_kind(at) == 1) {
                d->type = PDSI_ATTR_FLOATS;
                d->floats = fp;
                for (size_t j = 0; j < at->n_scalars; j++)
                    *fp++ = scalar_value(at->scalars[j]);
            } else {
                d->type = PDSI_ATTR_OTHER;
                break;
            }
            d->n = (int64_t)at->n_scalars;
            break;
        default: /* BLOCK(S), VAR(S), complex scalars and values newer than this schema */
            d->type = PDSI_ATTR_OTHER;
            break;
        }
    }
    out->n = (int)op->n_attrs;
    return PDS_OK;
}

/* ------------------------------------------------------------------------ */
/* Sniffing                                                                  */
/* ------------------------------------------------------------------------ */

static bool is_json_space(uint8_t c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

static pds_status sniff(const uint8_t *p, size_t n, const char *name, pds_error *err)
{
    if (n == 0)
        return pdsi_fail(err, PDS_ERR_MODEL_FORMAT,
                         "%s is empty (expected a Paddle ProgramDesc protobuf such as "
                         "inference.pdmodel or __model__)",
                         name);
    size_t i = 0;
    while (i < n && is_json_space(p[i]))
        i++;
    if (i < n && p[i] == '{') {
        /* A protobuf program starts with 0x0a (the 'blocks' tag), which is also
         * a newline; only a program whose first block happens to be 123 bytes
         * long then shows a '{'. The wire check tells the two apart. */
        if (p[0] != 0x0a || pdsi_wire_check(&pdsafe__paddle__program_desc__descriptor, p, n,
                                            name, 0, NULL, NULL, NULL) != PDS_OK)
            return pdsi_fail(err, PDS_ERR_MODEL_FORMAT,
                             "%s is a JSON document, not a legacy ProgramDesc protobuf (Paddle 3 "
                             "PIR .json programs are read by the PIR loader)",
                             name);
    }
    /* Paddle writes ProgramDesc fields in order: blocks (1), the old
     * compatibility map (3), version (4), op_version_map (5); all of them are
     * length-delimited. */
    uint8_t b = p[0];
    if (b == 0x0a || b == 0x12 || b == 0x1a || b == 0x22 || b == 0x2a)
        return PDS_OK;
    const char *hint = "";
    if (n >= 4 && p[0] == 0 && p[1] == 0 && p[2] == 0 && p[3] == 0)
        hint = "; it looks like a parameter file (.pdiparams), which goes in the params "
               "argument";
    else if (b == 0x08)
        hint = "; an ONNX model starts like this, pdsafe reads Paddle programs";
    return pdsi_fail(err, PDS_ERR_MODEL_FORMAT,
                     "%s: byte offset 0: first byte 0x%02x is not a ProgramDesc field tag "
                     "(expected 0x0a, the 'blocks' field, or 0x22, 'version'): not a legacy "
                     "Paddle program (.pdmodel / __model__)%s",
                     name, b, hint);
}

/* ------------------------------------------------------------------------ */
/* Variables and operators                                                   */
/* ------------------------------------------------------------------------ */

static int var_type(const VarDesc *vd)
{
    return vd->type && vd->type->has_type ? (int)vd->type->type : -1;
}

/* The declared TensorDesc of a dense tensor variable, or NULL. */
static const TensorDesc *declared_tensor(const VarDesc *vd)
{
    if (var_type(vd) != VT(LOD_TENSOR) || !vd->type->lod_tensor)
        return NULL;
    return vd->type->lod_tensor->tensor;
}

static bool skipped_type(int t)
{
    return t == VT(FEED_MINIBATCH) || t == VT(FETCH_LIST);
}

static pds_status declare_vars(const BlockDesc *b, const char *prog, pdsi_graph *g,
                               pds_error *err)
{
    for (size_t i = 0; i < b->n_vars; i++) {
        const VarDesc *vd = b->vars[i];
        if (!vd->name || !vd->name[0])
            return pdsi_fail(err, PDS_ERR_MODEL_FORMAT, "%s: blocks[0].vars[%zu] has no name",
                             prog, i);
        int t = var_type(vd);
        if (t < 0)
            return pdsi_fail(err, PDS_ERR_MODEL_FORMAT, "%s: variable '%s' has no type", prog,
                             vd->name);
        if (skipped_type(t))
            continue;
        if (pdsi_graph_find(g, vd->name) >= 0)
            return pdsi_fail(err, PDS_ERR_MODEL_FORMAT,
                             "%s: variable '%s' is declared twice in block 0", prog, vd->name);
        pds_dtype dtype = PDS_DTYPE_UNKNOWN;
        int rank = -1;
        int64_t dims[PDSI_MAX_RANK] = {0};
        const TensorDesc *td = declared_tensor(vd);
        if (td) {
            if (td->has_data_type)
                dtype = pdsi_legacy_dtype((int)td->data_type);
            if (td->n_dims > PDSI_MAX_RANK)
                return pdsi_fail(err, PDS_ERR_MODEL_FORMAT,
                                 "%s: variable '%s' has rank %zu, pdsafe supports at most %d",
                                 prog, vd->name, td->n_dims, PDSI_MAX_RANK);
            /* Any negative dim is unknown: Paddle's static shape inference
             * multiplies unknown dims through (flatten of [-1, 6, 5] is
             * declared [-30]). */
            for (size_t d = 0; d < td->n_dims; d++)
                dims[d] = td->dims[d] < 0 ? -1 : td->dims[d];
            rank = (int)td->n_dims;
        }
        int32_t id;
        pds_status st = pdsi_graph_declare(g, vd->name, vd->has_persistable && vd->persistable,
                                           dtype, rank, dims, &id, err);
        if (st)
            return pdsi_fail_wrap(err, st, "%s", prog);
    }
    return PDS_OK;
}

static const OpVar *find_slot(OpVar *const *vars, size_t n, const char *name)
{
    for (size_t k = 0; k < n; k++)
        if (vars[k]->parameter && strcmp(vars[k]->parameter, name) == 0)
            return vars[k];
    return NULL;
}

/* feed (Out = target) and fetch (X = source): the one variable name and col. */
static pds_status feed_fetch_args(const OpDesc *op, int32_t index, const char *prog, bool feed,
                                  const char **var, int32_t *col, pds_error *err)
{
    const char *slot = feed ? "Out" : "X";
    const OpVar *v = feed ? find_slot(op->outputs, op->n_outputs, slot)
                          : find_slot(op->inputs, op->n_inputs, slot);
    if (!v || v->n_arguments != 1)
        return pdsi_fail(err, PDS_ERR_MODEL_FORMAT,
                         "%s: op #%d (%s): %s '%s' has %zu arguments, expected 1", prog, index,
                         op->type, feed ? "output" : "input", slot, v ? v->n_arguments : 0);
    *var = v->arguments[0];
    if (strlen(*var) >= PDS_NAME_SIZE)
        return pdsi_fail(err, PDS_ERR_MODEL_FORMAT,
                         "%s: op #%d (%s): variable name of %zu bytes, at most %d supported for "
                         "inputs and outputs",
                         prog, index, op->type, strlen(*var), PDS_NAME_SIZE - 1);
    pdsi_legacy_attrs at;
    pds_status st = pdsi_legacy_convert_attrs(op, index, prog, &at, err);
    if (st)
        return st;
    pdsi_attrs attrs = {at.a, at.n, NULL};
    int64_t c = -1;
    const pdsi_attr *a = pdsi_attr_find(&attrs, "col");
    if (!a)
        st = pdsi_fail(err, PDS_ERR_MODEL_FORMAT, "%s: op #%d (%s): attribute 'col' is missing",
                       prog, index, op->type);
    else if ((st = pdsi_attr_int(&attrs, "col", -1, &c, err)) != PDS_OK)
        pdsi_fail_wrap(err, st, "%s: op #%d (%s)", prog, index, op->type);
    else if (c < 0 || c > INT32_MAX)
        st = pdsi_fail(err, PDS_ERR_MODEL_FORMAT,
                       "%s: op #%d (%s): attribute 'col' is %lld, expected 0..65535", prog,
                       index, op->type, (long long)c);
    pdsi_legacy_attrs_free(&at);
    *col = (int32_t)c;
    return st;
}

static pds_status fill_slots(OpVar *const *vars, size_t n, pdsi_raw_slot *out, const char *prog,
                             int32_t index, const char *type, const char *dir, pds_error *err)
{
    for (size_t k = 0; k < n; k++) {
        const OpVar *v = vars[k];
        if (!v->parameter)
            return pdsi_fail(err, PDS_ERR_MODEL_FORMAT,
                             "%s: op #%d (%s): %s #%zu has no slot name", prog, index, type, dir,
                             k);
        if (v->n_arguments > INT_MAX)
            return pdsi_fail(err, PDS_ERR_LIMIT, "%s: op #%d (%s): %s '%s' has %zu arguments",
                             prog, index, type, dir, v->parameter, v->n_arguments);
        out[k].name = v->parameter;
        out[k].n = (int)v->n_arguments;
        out[k].args = (const char *const *)v->arguments;
    }
    return PDS_OK;
}

static pds_status add_op(pdsi_graph *g, const OpDesc *op, int32_t index, const char *prog,
                         pds_error *err)
{
    pdsi_legacy_attrs at;
    pds_status st = pdsi_legacy_convert_attrs(op, index, prog, &at, err);
    if (st)
        return st;
    pdsi_raw_slot *in = calloc(op->n_inputs ? op->n_inputs : 1, sizeof *in);
    pdsi_raw_slot *out = calloc(op->n_outputs ? op->n_outputs : 1, sizeof *out);
    if (!in || !out) {
        st = pdsi_fail(err, PDS_ERR_OUT_OF_MEMORY, "%s: op #%d (%s): out of memory", prog, index,
                       op->type);
        goto done;
    }
    if (op->n_inputs > INT_MAX || op->n_outputs > INT_MAX) {
        st = pdsi_fail(err, PDS_ERR_LIMIT, "%s: op #%d (%s): too many slots", prog, index,
                       op->type);
        goto done;
    }
    st = fill_slots(op->inputs, op->n_inputs, in, prog, index, op->type, "input", err);
    if (!st)
        st = fill_slots(op->outputs, op->n_outputs, out, prog, index, op->type, "output", err);
    if (st)
        goto done;
    pdsi_raw_op raw = {
        .type = op->type,
        .index = index,
        .in = in,
        .n_in = (int)op->n_inputs,
        .out = out,
        .n_out = (int)op->n_outputs,
        .attrs = {at.a, at.n, NULL},
    };
    st = pdsi_graph_add_op(g, &raw, err);
    if (st)
        pdsi_fail_wrap(err, st, "%s", prog);
done:
    free(in);
    free(out);
    pdsi_legacy_attrs_free(&at);
    return st;
}

static pds_status add_ops(const BlockDesc *b, const char *prog, pdsi_graph *g, pds_error *err)
{
    if (b->n_ops > INT32_MAX)
        return pdsi_fail(err, PDS_ERR_LIMIT, "%s: %zu operators in block 0", prog, b->n_ops);
    int32_t n = (int32_t)b->n_ops;
    pds_status st;
    for (int32_t i = 0; i < n; i++)
        if (!b->ops[i]->type || !b->ops[i]->type[0])
            return pdsi_fail(err, PDS_ERR_MODEL_FORMAT, "%s: op #%d has no type", prog, i);

    /* Every operator type pdsafe does not know, all reported at once. */
    pdsi_unsupported un = {0};
    for (int32_t i = 0; i < n; i++) {
        const char *t = b->ops[i]->type;
        if (strcmp(t, "feed") == 0 || strcmp(t, "fetch") == 0 || pdsi_opdef_find(t))
            continue;
        if (!pdsi_unsupported_add(&un, t, i)) {
            pdsi_unsupported_free(&un);
            return pdsi_fail(err, PDS_ERR_OUT_OF_MEMORY, "%s: out of memory", prog);
        }
    }
    st = pdsi_unsupported_fail(&un, prog, g, err);
    pdsi_unsupported_free(&un);
    if (st || g->check_only)
        return st;

    /* Feeds first: prepended by Paddle, so they lead the list in reverse col order. */
    for (int32_t i = 0; i < n; i++) {
        const OpDesc *op = b->ops[i];
        if (strcmp(op->type, "feed") != 0)
            continue;
        const char *var;
        int32_t col;
        if ((st = feed_fetch_args(op, i, prog, true, &var, &col, err)) != PDS_OK)
            return st;
        if ((st = pdsi_graph_set_input(g, col, var, err)) != PDS_OK)
            return pdsi_fail_wrap(err, st, "%s: op #%d (feed)", prog, i);
    }
    for (int32_t i = 0; i < n; i++) {
        const OpDesc *op = b->ops[i];
        if (strcmp(op->type, "feed") == 0 || strcmp(op->type, "fetch") == 0)
            continue;
        if ((st = add_op(g, op, i, prog, err)) != PDS_OK)
            return st;
    }
    /* Fetches last: they name the final value of each output variable. */
    for (int32_t i = 0; i < n; i++) {
        const OpDesc *op = b->ops[i];
        if (strcmp(op->type, "fetch") != 0)
            continue;
        const char *var;
        int32_t col;
        if ((st = feed_fetch_args(op, i, prog, false, &var, &col, err)) != PDS_OK)
            return st;
        if ((st = pdsi_graph_set_output(g, col, var, err)) != PDS_OK)
            return pdsi_fail_wrap(err, st, "%s: op #%d (fetch)", prog, i);
    }
    return PDS_OK;
}

/* ------------------------------------------------------------------------ */
/* Parameters                                                                */
/* ------------------------------------------------------------------------ */

static bool is_param(const VarDesc *vd)
{
    int t = var_type(vd);
    return vd->has_persistable && vd->persistable && !skipped_type(t) && t != VT(RAW);
}

/* Lists the persistable variables of block 0 with their declarations and
 * hands them to the shared record reader (records.c). */
static pds_status read_params(const BlockDesc *b, const char *prog, const pdsi_param_source *src,
                              pdsi_graph *g, pds_error *err)
{
    size_t n = 0;
    for (size_t i = 0; i < b->n_vars; i++)
        n += is_param(b->vars[i]);
    pdsi_param_ref *list = calloc(n ? n : 1, sizeof *list);
    if (!list)
        return pdsi_fail(err, PDS_ERR_OUT_OF_MEMORY, "%s: out of memory for %zu parameters",
                         prog, n);
    n = 0;
    for (size_t i = 0; i < b->n_vars; i++) {
        const VarDesc *vd = b->vars[i];
        if (!is_param(vd))
            continue;
        pdsi_param_ref *r = &list[n++];
        r->name = vd->name;
        /* declare_vars declared every variable but feed and fetch */
        r->value = pdsi_graph_find(g, vd->name);
        r->vartype = -1;
        r->rank = -1;
        if (var_type(vd) != VT(LOD_TENSOR)) {
            r->not_dense = pdsi_legacy_vartype_name(var_type(vd));
            continue;
        }
        const TensorDesc *decl = declared_tensor(vd);
        if (decl) {
            if (decl->has_data_type)
                r->vartype = (int)decl->data_type;
            /* declare_vars refused ranks above PDSI_MAX_RANK */
            r->rank = (int)decl->n_dims;
            for (size_t d = 0; d < decl->n_dims && d < PDSI_MAX_RANK; d++)
                r->dims[d] = decl->dims[d];
        }
    }
    pds_status st = pdsi_params_read(list, n, prog, src, g, err);
    free(list);
    return st;
}

/* ------------------------------------------------------------------------ */
/* Entry                                                                     */
/* ------------------------------------------------------------------------ */

static pds_status build(const ProgramDesc *pd, const char *prog, const pdsi_param_source *src,
                        pdsi_graph *g, pds_error *err)
{
    g->format = PDS_FORMAT_LEGACY;
    g->format_version = pd->version && pd->version->has_version ? pd->version->version : 0;
    if (pd->n_blocks == 0)
        return pdsi_fail(err, PDS_ERR_MODEL_FORMAT,
                         "%s: the program has no blocks (expected at least the global block 0)",
                         prog);
    const BlockDesc *b = pd->blocks[0];
    pds_status st = declare_vars(b, prog, g, err);
    if (!st)
        st = add_ops(b, prog, g, err);
    if (!st && !g->check_only)
        st = read_params(b, prog, src, g, err);
    if (!st && !g->check_only && (st = pdsi_graph_finish(g, err)) != PDS_OK)
        pdsi_fail_wrap(err, st, "%s", prog);
    return st;
}

pds_status pdsi_load_legacy(const uint8_t *prog, size_t prog_len, const char *prog_name,
                            const pdsi_param_source *params, pdsi_graph *g, pds_error *err)
{
    if (!prog_name)
        prog_name = "<model buffer>";
    if (!g || (!prog && prog_len))
        return pdsi_fail(err, PDS_ERR_INVALID_ARGUMENT, "%s: no program buffer or graph",
                         prog_name);
    pds_status st = sniff(prog, prog_len, prog_name, err);
    if (st)
        return st;
    pdsi_wire_stats ws = {.max_ops = g->limits.max_ops, .max_vars = g->limits.max_values};
    st = pdsi_wire_check(&pdsafe__paddle__program_desc__descriptor, prog, prog_len, prog_name, 0,
                         NULL, &ws, err);
    if (st)
        return st;
    ProgramDesc *pd = pdsafe__paddle__program_desc__unpack(NULL, prog_len, prog);
    if (!pd)
        return pdsi_fail(err, PDS_ERR_MODEL_FORMAT,
                         "%s (%zu bytes): protobuf-c could not decode the ProgramDesc although "
                         "its wire format checked out (out of memory?)",
                         prog_name, prog_len);
    st = build(pd, prog_name, params, g, err);
    pdsafe__paddle__program_desc__free_unpacked(pd, NULL);
    return st;
}
