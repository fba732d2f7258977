/*
 * pir_ops.c — how PIR operators become the legacy operators of src/graph/:
 * a table of small specs (SPECS: which operand feeds which legacy slot,
 * which attribute becomes which, see opspec in pir_ops.h), the generic mapper
 * that follows a spec (map_generic), and special mappers for what no spec
 * can say: constants (pd_op.full, full_int_array), vectors (builtin.combine,
 * slice, split) and shape64. PIR's "mutable attributes" (reshape's shape,
 * pool2d's kernel size, scale's factor...) are operands: when they are
 * load-time constants they become the legacy attribute, otherwise the legacy
 * tensor or tensor-list slot.
 */
#include "model/pir_ops.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "model/records.h"

/* What an operator hands to pdsi_graph_add_op, being built. Argument names are
 * collected in one array and the slots index into it (it may grow). */
typedef struct slotref {
    const char *name;
    int start, n;
} slotref;

struct obuild {
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
    double *long_floats; /* a list longer than the pools hold (assign_value's values) */
};

static void ob_free(obuild *b)
{
    free(b->args);
    b->args = NULL;
    free(b->long_floats);
    b->long_floats = NULL;
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
        /* legacy "-": the attribute is read and checked but not handed over
         * (the legacy operator has no use for it) */
        bool drop = strcmp(legacy, "-") == 0;
        legacy = intern(nm, legacy);
        bool present = false;
        switch (kind) {
        case 'i': {
            int64_t v = 0;
            if (!(st = get_int(L, c->A, pir, &present, &v)) && present && !drop)
                st = ob_int(L, b, legacy, v);
            break;
        }
        case 'f': {
            double f = 0;
            int64_t i = 0;
            bool is_int = false;
            if (!(st = get_number(L, c->A, pir, &present, &f, &i, &is_int)) && present && !drop)
                st = ob_float(L, b, legacy, is_int ? (double)i : f);
            break;
        }
        case 'b': {
            bool v = false;
            if (!(st = get_bool(L, c->A, pir, &present, &v)) && present && !drop)
                st = ob_bool(L, b, legacy, v);
            break;
        }
        case 's': {
            const char *v = "";
            if (!(st = get_str(L, c->A, pir, &present, &v)) && present && !drop)
                st = ob_str(L, b, legacy, v);
            break;
        }
        case 'I': {
            int64_t v[PDSI_MAX_ATTR_LIST];
            int n;
            if (!(st = get_list(L, c->A, pir, &present, PDSI_MAX_ATTR_LIST, v, NULL, true, &n)) &&
                present && !drop)
                st = ob_ints(L, b, legacy, v, n);
            break;
        }
        case 'F': {
            double v[PDSI_MAX_ATTR_LIST];
            int n;
            if (!(st = get_list(L, c->A, pir, &present, PDSI_MAX_ATTR_LIST, NULL, v, false, &n)) &&
                present && !drop)
                st = ob_floats(L, b, legacy, v, n);
            break;
        }
        case 'D': {
            pds_dtype dt;
            int vt;
            if (!(st = get_dtype(L, c->A, pir, &present, &dt, &vt)) && present && !drop)
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
                       .n_out = b->n_out, .attrs = {b->attrs, b->n_attrs, NULL}};
    pds_status st = pdsi_graph_add_op(L->g, &raw, L->err);
    if (st)
        return lfail(L, st, "", "as legacy %s: %s", b->type, L->err->message);
    return PDS_OK;
}

/* The kind letter of attribute name in an emits list, 0 if it is not there. */
static char emits_kind(const char *emits, const char *name)
{
    char tok[96];
    const char *p = emits ? emits : "";
    while (next_tok(&p, tok, sizeof tok)) {
        char *slash = strrchr(tok, '/');
        if (slash && slash[1] && !slash[2]) {
            *slash = '\0';
            if (strcmp(tok, name) == 0)
                return slash[1];
        }
    }
    return 0;
}

/* Every attribute built is on the spec's emits list, with its kind: the list
 * is what tests/test_pir_mapping.c holds against the opdef's parser. */
static pds_status check_emitted(ld *L, const opspec *s, const obuild *b)
{
    static const char kinds[] = "ifbsIF";
    static const pdsi_attr_type types[] = {PDSI_ATTR_INT,    PDSI_ATTR_FLOAT, PDSI_ATTR_BOOL,
                                           PDSI_ATTR_STRING, PDSI_ATTR_INTS,  PDSI_ATTR_FLOATS};
    for (int k = 0; k < b->n_attrs; k++) {
        char kind = emits_kind(s->emits, b->attrs[k].name);
        const char *at = kind ? strchr(kinds, kind) : NULL;
        if (!at || types[at - kinds] != b->attrs[k].type)
            return lfail(L, PDS_ERR_INTERNAL, "", "the mapping onto %s set attribute '%s', "
                         "which the emits list of its spec (pir_ops.c) %s", b->type,
                         b->attrs[k].name, kind ? "gives another kind" : "does not name");
    }
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
        st = check_emitted(L, s, &b);
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

/* assign_value(_): 'values' may hold more entries than a spec's list
 * (PDSI_MAX_ATTR_LIST): all of them are read here, and assign_value's parser
 * refuses more than it keeps, saying so. */
static pds_status post_assign_value(ld *L, const opspec *s, const opctx *c, obuild *b)
{
    const json_t *at = attr_find(c->A, "values", NULL);
    const json_t *d = at ? json_object_get(at, "D") : NULL;
    if (!at)
        return PDS_OK; /* the parser reports the missing values */
    size_t cnt = json_is_array(d) ? json_array_size(d) : 0;
    if (cnt > (size_t)1 << 24)
        return bad_attr(L, c->A, "values", at, "a list of at most 16777216 entries");
    double *v = malloc(sizeof *v * (cnt ? cnt : 1));
    if (!v)
        return oom(L);
    free(b->long_floats);
    b->long_floats = v;
    bool present;
    int n;
    pds_status st = get_list(L, c->A, "values", &present, (int)cnt, NULL, v, false, &n);
    if (st)
        return st;
    pdsi_attr *a = ob_attr(L, b, "values");
    if (!a)
        return L->err->code;
    a->type = PDSI_ATTR_FLOATS;
    a->floats = v;
    a->n = n;
    return PDS_OK;
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
    /* (cast takes its input type from the tensor: in_dtype is not set) */
    pdsi_attr at[1];
    memset(at, 0, sizeof at);
    at[0].name = "out_dtype";
    at[0].type = PDSI_ATTR_INT;
    at[0].i = pdsi_vartype_of(PDS_INT64);
    pdsi_raw_slot in2 = {"X", 1, &tname}, out2 = {"Out", 1, &oname};
    pdsi_raw_op cast = {.type = "cast", .index = L->op, .in = &in2, .n_in = 1, .out = &out2,
                        .n_out = 1, .attrs = {at, 1, NULL}};
    if ((st = pdsi_graph_add_op(L->g, &cast, L->err)))
        return lfail(L, st, "", "as legacy cast: %s", L->err->message);
    return PDS_OK;
}

pds_status check_counts(ld *L, const opctx *c, int n_in, int n_out)
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

static const opspec SPECS[] = {
    /* graph entry and exit, constants, vectors */
    {"data", NULL, "", "-", NULL, NULL, NULL, map_input},
    {"feed", NULL, "", "-", NULL, NULL, NULL, map_input},
    {"fetch", NULL, "", "", NULL, NULL, NULL, map_fetch},
    {"full", NULL, "", "-", NULL, NULL, NULL, map_full},
    {"full_int_array", NULL, "", "-", NULL, NULL, NULL, map_full_int_array},
    {"shape64", NULL, "", "", NULL, NULL, NULL, map_shape64},
    /* activations */
    {"relu", "relu", "X", "Out", "", "", NULL, NULL},
    {"relu6", "relu6", "X", "Out", "", "", NULL, NULL},
    {"sigmoid", "sigmoid", "X", "Out", "", "", NULL, NULL},
    {"tanh", "tanh", "X", "Out", "", "", NULL, NULL},
    {"swish", "swish", "X", "Out", "", "", NULL, NULL},
    {"silu", "silu", "X", "Out", "", "", NULL, NULL},
    {"hardswish", "hard_swish", "X", "Out", "", "", NULL, NULL},
    {"hardsigmoid", "hard_sigmoid", "X", "Out", "slope/f offset/f", "slope/f offset/f", NULL, NULL},
    {"gelu", "gelu", "X", "Out", "approximate/b", "approximate/b", NULL, NULL},
    {"leaky_relu", "leaky_relu", "X", "Out", "negative_slope:alpha/f", "alpha/f", NULL, NULL},
    {"exp", "exp", "X", "Out", "", "", NULL, NULL},
    {"sin", "sin", "X", "Out", "", "", NULL, NULL},
    {"cos", "cos", "X", "Out", "", "", NULL, NULL},
    {"floor", "floor", "X", "Out", "", "", NULL, NULL},
    {"ceil", "ceil", "X", "Out", "", "", NULL, NULL},
    {"round", "round", "X", "Out", "decimals/i", "decimals/i", NULL, NULL},
    {"sign", "sign", "X", "Out", "", "", NULL, NULL},
    {"reciprocal", "reciprocal", "X", "Out", "", "", NULL, NULL},
    {"sqrt", "sqrt", "X", "Out", "", "", NULL, NULL},
    {"rsqrt", "rsqrt", "X", "Out", "", "", NULL, NULL},
    {"abs", "abs", "X", "Out", "", "", NULL, NULL},
    {"log", "log", "X", "Out", "", "", NULL, NULL},
    {"square", "square", "X", "Out", "", "", NULL, NULL},
    {"softplus", "softplus", "X", "Out", "beta/f threshold/f", "beta/f threshold/f", NULL, NULL},
    {"mish", "mish", "X", "Out", "lambda:threshold/f", "threshold/f", NULL, NULL},
    {"elu", "elu", "X", "Out", "alpha/f", "alpha/f", NULL, NULL},
    {"pow", "pow", "X", "Out", "y:factor/f", "factor/f", NULL, NULL},
    {"erf", "erf", "X", "Out", "", "", NULL, NULL},
    {"clip", "clip", "X =min:f|Min =max:f|Max", "Out", "", "min/f max/f", NULL, NULL},
    {"scale", "scale", "X =scale:f|ScaleTensor", "Out", "bias/f bias_after_scale/b",
     "scale/f bias/f bias_after_scale/b", NULL, NULL},
    {"dropout", "dropout", "X - =dropout_prob:f", "Out -",
     "is_test:-/b mode:dropout_implementation/s", "dropout_prob/f dropout_implementation/s",
     NULL, NULL},
    {"assign", "assign", "X", "Out", "", "", NULL, NULL},
    {"share_data", "share_data", "X", "Out", "", "", NULL, NULL},
    {"softmax", "softmax", "X", "Out", "axis/i", "axis/i", NULL, NULL},
    {"log_softmax", "log_softmax", "X", "Out", "axis/i", "axis/i", NULL, NULL},
    /* elementwise: PIR broadcasts numpy-style, the legacy axis -1 */
    {"add", "elementwise_add", "X Y", "Out", "+axis=-1/i", "axis/i", NULL, NULL},
    {"subtract", "elementwise_sub", "X Y", "Out", "+axis=-1/i", "axis/i", NULL, NULL},
    {"multiply", "elementwise_mul", "X Y", "Out", "+axis=-1/i", "axis/i", NULL, NULL},
    {"divide", "elementwise_div", "X Y", "Out", "+axis=-1/i", "axis/i", NULL, NULL},
    {"maximum", "elementwise_max", "X Y", "Out", "+axis=-1/i", "axis/i", NULL, NULL},
    {"minimum", "elementwise_min", "X Y", "Out", "+axis=-1/i", "axis/i", NULL, NULL},
    {"elementwise_pow", "elementwise_pow", "X Y", "Out", "+axis=-1/i", "axis/i", NULL, NULL},
    {"floor_divide", "elementwise_floordiv", "X Y", "Out", "+axis=-1/i", "axis/i", NULL, NULL},
    {"remainder", "elementwise_mod", "X Y", "Out", "+axis=-1/i", "axis/i", NULL, NULL},
    /* comparisons and logical operators (bool results), where */
    {"equal", "equal", "X Y", "Out", "+axis=-1/i", "axis/i", NULL, NULL},
    {"not_equal", "not_equal", "X Y", "Out", "+axis=-1/i", "axis/i", NULL, NULL},
    {"less_than", "less_than", "X Y", "Out", "+axis=-1/i", "axis/i", NULL, NULL},
    {"less_equal", "less_equal", "X Y", "Out", "+axis=-1/i", "axis/i", NULL, NULL},
    {"greater_than", "greater_than", "X Y", "Out", "+axis=-1/i", "axis/i", NULL, NULL},
    {"greater_equal", "greater_equal", "X Y", "Out", "+axis=-1/i", "axis/i", NULL, NULL},
    {"logical_and", "logical_and", "X Y", "Out", "", "", NULL, NULL},
    {"logical_or", "logical_or", "X Y", "Out", "", "", NULL, NULL},
    {"logical_xor", "logical_xor", "X Y", "Out", "", "", NULL, NULL},
    {"logical_not", "logical_not", "X", "Out", "", "", NULL, NULL},
    {"where", "where", "Condition X Y", "Out", "", "", NULL, NULL},
    {"bitwise_and", "bitwise_and", "X Y", "Out", "", "", NULL, NULL},
    {"matmul", "matmul_v2", "X Y", "Out", "transpose_x:trans_x/b transpose_y:trans_y/b",
     "trans_x/b trans_y/b", NULL, NULL},
    /* convolution, pooling, normalisation, interpolation */
    {"conv2d", "conv2d", "Input Filter", "Output",
     "strides/I paddings/I padding_algorithm/s dilations/I groups/i data_format/s",
     "strides/I paddings/I padding_algorithm/s dilations/I groups/i data_format/s", NULL, NULL},
    {"depthwise_conv2d", "depthwise_conv2d", "Input Filter", "Output",
     "strides/I paddings/I padding_algorithm/s dilations/I groups/i data_format/s",
     "strides/I paddings/I padding_algorithm/s dilations/I groups/i data_format/s", NULL, NULL},
    {"conv2d_transpose", "conv2d_transpose", "Input Filter =output_size:I", "Output",
     "strides/I paddings/I output_padding/I padding_algorithm/s groups/i dilations/I "
     "data_format/s",
     "output_size/I strides/I paddings/I output_padding/I padding_algorithm/s groups/i "
     "dilations/I data_format/s", NULL, NULL},
    {"depthwise_conv2d_transpose", "depthwise_conv2d_transpose", "Input Filter =output_size:I",
     "Output",
     "strides/I paddings/I output_padding/I padding_algorithm/s groups/i dilations/I "
     "data_format/s",
     "output_size/I strides/I paddings/I output_padding/I padding_algorithm/s groups/i "
     "dilations/I data_format/s", NULL, NULL},
    {"pool2d", "pool2d", "X =ksize:I", "Out",
     "strides/I paddings/I ceil_mode/b exclusive/b data_format/s pooling_type/s "
     "global_pooling/b adaptive/b padding_algorithm/s",
     "ksize/I strides/I paddings/I ceil_mode/b exclusive/b data_format/s pooling_type/s "
     "global_pooling/b adaptive/b padding_algorithm/s", NULL, NULL},
    /* inference only, with the running statistics: the training attributes are checked
     * and dropped */
    {"batch_norm", "batch_norm", "X Mean Variance Scale Bias", "Y - - - - -",
     "is_test:-/b momentum:-/f epsilon/f data_format:data_layout/s use_global_stats:-/b "
     "trainable_statistics:-/b",
     "epsilon/f data_layout/s", NULL, NULL},
    {"layer_norm", "layer_norm", "X Scale Bias", "Y - -", "epsilon/f begin_norm_axis/i",
     "epsilon/f begin_norm_axis/i", NULL, NULL},
    {"nearest_interp", "nearest_interp_v2", "X OutSize SizeTensor* Scale", "Out",
     "data_format:data_layout/s out_d:-/i out_h/i out_w/i scale/F interp_method/s "
     "align_corners/b align_mode/i",
     "data_layout/s out_h/i out_w/i scale/F interp_method/s align_corners/b "
     "align_mode/i", NULL, NULL},
    {"bilinear_interp", "bilinear_interp_v2", "X OutSize SizeTensor* Scale", "Out",
     "data_format:data_layout/s out_d:-/i out_h/i out_w/i scale/F interp_method/s "
     "align_corners/b align_mode/i",
     "data_layout/s out_h/i out_w/i scale/F interp_method/s align_corners/b "
     "align_mode/i", NULL, NULL},
    {"linear_interp", "linear_interp_v2", "X OutSize SizeTensor* Scale", "Out",
     "data_format:data_layout/s out_d:-/i out_h:-/i out_w/i scale/F interp_method/s "
     "align_corners/b align_mode/i",
     "data_layout/s out_w/i scale/F interp_method/s align_corners/b align_mode/i", NULL, NULL},
    {"unfold", "unfold", "X", "Y", "kernel_sizes/I strides/I paddings/I dilations/I",
     "kernel_sizes/I strides/I paddings/I dilations/I", NULL, NULL},
    {"pad3d", "pad3d", "X =paddings:I|Paddings", "Out", "mode/s pad_value:value/f data_format/s",
     "paddings/I mode/s value/f data_format/s", NULL, NULL},
    /* data movement */
    {"reshape", "reshape2", "X =shape:I|Shape|ShapeTensor", "Out -", "", "shape/I", NULL, NULL},
    {"transpose", "transpose2", "X", "Out -", "perm:axis/I", "axis/I", NULL, NULL},
    {"flatten", "flatten_contiguous_range", "X", "Out -", "start_axis/i stop_axis/i",
     "start_axis/i stop_axis/i", NULL, NULL},
    {"squeeze", "squeeze2", "X =axes:I", "Out -", "", "axes/I", NULL, NULL},
    {"unsqueeze", "unsqueeze2", "X =axes:I|AxesTensor|AxesTensorList", "Out -", "",
     "axes/I", NULL, NULL},
    {"concat", "concat", "X* =axis:i|AxisTensor", "Out", "", "axis/i", NULL, NULL},
    {"split", "split", "X =sections:I||SectionsTensorList =axis:i|AxisTensor", "Out*", "",
     "sections/I axis/i", NULL, NULL},
    {"split_with_num", "split", "X =axis:i|AxisTensor", "Out*", "num/i",
     "axis/i num/i", NULL, NULL},
    {"stack", "stack", "X*", "Y", "axis/i", "axis/i", NULL, NULL},
    {"slice", "slice",
     "Input =starts:I|StartsTensor|StartsTensorList =ends:I|EndsTensor|EndsTensorList", "Out",
     "axes/I infer_flags/I decrease_axis/I",
     "starts/I ends/I axes/I infer_flags/I decrease_axis/I", NULL, NULL},
    {"strided_slice", "strided_slice",
     "Input =starts:I|StartsTensor|StartsTensorList =ends:I|EndsTensor|EndsTensorList "
     "=strides:I|StridesTensor|StridesTensorList",
     "Out", "axes/I", "starts/I ends/I strides/I axes/I", NULL, NULL},
    {"shape", "shape", "Input", "Out", "", "", NULL, NULL},
    {"expand", "expand_v2", "X =shape:I|Shape|expand_shapes_tensor", "Out", "", "shape/I", NULL,
     NULL},
    {"expand_as", "expand_as_v2", "X Y", "Out", "target_shape/I", "target_shape/I", NULL, NULL},
    {"tile", "tile", "X =repeat_times:I|RepeatTimes|repeat_times_tensor", "Out", "",
     "repeat_times/I", NULL, NULL},
    {"gather", "gather", "X Index =axis:i|Axis", "Out", "", "axis/i", NULL, NULL},
    {"index_select", "index_select", "X Index", "Out", "axis:dim/i", "dim/i", NULL, NULL},
    {"gather_nd", "gather_nd", "X Index", "Out", "", "", NULL, NULL},
    {"flip", "flip", "X", "Out", "axis/I", "axis/I", NULL, NULL},
    {"take_along_axis", "take_along_axis", "Input Index", "Result", "axis:Axis/i", "Axis/i", NULL,
     NULL},
    {"cast", "cast", "X", "Out", "dtype:out_dtype/D", "out_dtype/i", NULL, NULL},
    {"full_like", "fill_any_like", "X =value:f", "Out", "dtype/D", "value/f dtype/i", NULL, NULL},
    /* full_with_tensor(value, shape): fill_constant with ValueTensor / ShapeTensor */
    {"full_with_tensor", "fill_constant",
     "=value:f|ValueTensor =shape:I|ShapeTensor|ShapeTensorList", "Out", "dtype/D",
     "value/f shape/I dtype/i", NULL, NULL},
    /* assign_value_(output): the operand is only the tensor it overwrites; the
     * values are the op's own (read by the hook: there may be many) */
    {"assign_value", "assign_value", "-", "Out", "shape/I dtype/D",
     "shape/I dtype/i values/F", post_assign_value, NULL},
    /* index family: embedding, one-hot, sequences, roll, slice assignment */
    {"embedding", "lookup_table_v2", "Ids W", "Out", "padding_idx/i sparse:-/b", "padding_idx/i",
     NULL, NULL},
    {"one_hot", "one_hot_v2", "X =depth:i|depth_tensor", "Out", "", "depth/i", NULL, NULL},
    {"arange", "range", "Start End Step", "Out", "dtype/D", "dtype/i", NULL, NULL},
    {"linspace", "linspace", "Start Stop Num", "Out", "dtype/D", "dtype/i", NULL, NULL},
    {"full_batch_size_like", "fill_constant_batch_size_like", "Input", "Out",
     "shape/I dtype/D value/f input_dim_idx/i output_dim_idx/i",
     "shape/I dtype/i value/f input_dim_idx/i output_dim_idx/i", NULL, NULL},
    {"meshgrid", "meshgrid", "X*", "Out*", "", "", NULL, NULL},
    {"roll", "roll", "X =shifts:I|ShiftsTensor", "Out", "axis/I", "shifts/I axis/I", NULL, NULL},
    {"set_value", "set_value",
     "Input =starts:I|StartsTensorList|StartsTensorList =ends:I|EndsTensorList|EndsTensorList "
     "=steps:I|StepsTensorList|StepsTensorList",
     "Out", "axes/I decrease_axes/I none_axes/I shape/I values/F",
     "starts/I ends/I steps/I axes/I decrease_axes/I none_axes/I shape/I values/F", NULL, NULL},
    {"set_value_with_tensor", "set_value",
     "Input ValueTensor =starts:I|StartsTensorList|StartsTensorList "
     "=ends:I|EndsTensorList|EndsTensorList =steps:I|StepsTensorList|StepsTensorList",
     "Out", "axes/I decrease_axes/I none_axes/I",
     "starts/I ends/I steps/I axes/I decrease_axes/I none_axes/I", NULL, NULL},
    {"pixel_shuffle", "pixel_shuffle", "X", "Out", "upscale_factor/i data_format/s",
     "upscale_factor/i data_format/s", NULL, NULL},
    {"instance_norm", "instance_norm", "X Scale Bias", "Y - -", "epsilon/f", "epsilon/f", NULL,
     NULL},
    {"group_norm", "group_norm", "X Scale Bias", "Y - -",
     "epsilon/f groups/i data_format:data_layout/s", "epsilon/f groups/i data_layout/s", NULL,
     NULL},
    {"p_norm", "p_norm", "X", "Out", "porder/f axis/i epsilon/f keepdim/b asvector/b",
     "porder/f axis/i epsilon/f keepdim/b asvector/b", NULL, NULL},
    {"grid_sample", "grid_sampler", "X Grid", "Output", "mode/s padding_mode/s align_corners/b",
     "mode/s padding_mode/s align_corners/b", NULL, NULL},
    /* detect family */
    {"yolo_box", "yolo_box", "X ImgSize", "Boxes Scores",
     "anchors/I class_num/i conf_thresh/f downsample_ratio/i clip_bbox/b scale_x_y/f "
     "iou_aware/b iou_aware_factor/f",
     "anchors/I class_num/i conf_thresh/f downsample_ratio/i clip_bbox/b scale_x_y/f "
     "iou_aware/b iou_aware_factor/f",
     NULL, NULL},
    {"prior_box", "prior_box", "Input Image", "Boxes Variances",
     "min_sizes/F max_sizes/F aspect_ratios/F variances/F flip/b clip/b step_w/f step_h/f "
     "offset/f min_max_aspect_ratios_order/b",
     "min_sizes/F max_sizes/F aspect_ratios/F variances/F flip/b clip/b step_w/f step_h/f "
     "offset/f min_max_aspect_ratios_order/b",
     NULL, NULL},
    {"multiclass_nms3", "multiclass_nms3", "BBoxes Scores RoisNum", "Out Index NmsRoisNum",
     "score_threshold/f nms_top_k/i keep_top_k/i nms_threshold/f normalized/b nms_eta/f "
     "background_label/i",
     "score_threshold/f nms_top_k/i keep_top_k/i nms_threshold/f normalized/b nms_eta/f "
     "background_label/i",
     NULL, NULL},
    {"matrix_nms", "matrix_nms", "BBoxes Scores", "Out Index RoisNum",
     "score_threshold/f nms_top_k/i keep_top_k/i post_threshold/f use_gaussian/b "
     "gaussian_sigma/f background_label/i normalized/b",
     "score_threshold/f nms_top_k/i keep_top_k/i post_threshold/f use_gaussian/b "
     "gaussian_sigma/f background_label/i normalized/b",
     NULL, NULL},
    /* quant family: the training-only operands (InAccum, InState) and results
     * (OutState, OutAccum, OutScale) stay unconnected at inference */
    {"quantize_linear", "quantize_linear", "X Scale ZeroPoint InAccum InState", "Y - - -",
     "quant_axis/i bit_length:-/i qmin:-/i qmax/i round_type/i is_test/b only_observer/b",
     "quant_axis/i qmax/i round_type/i is_test/b only_observer/b", NULL, NULL},
    {"dequantize_linear", "dequantize_linear", "X Scale ZeroPoint InAccum InState", "Y - - -",
     "quant_axis/i bit_length:-/i qmin:-/i qmax/i round_type/i is_test:-/b only_observer/b",
     "quant_axis/i qmax/i round_type/i only_observer/b", NULL, NULL},
    /* sort family */
    {"topk", "top_k_v2", "X =k:i|K", "Out Indices", "axis/i largest/b sorted/b",
     "k/i axis/i largest/b sorted/b", NULL, NULL},
    {"argsort", "argsort", "X", "Out Indices", "axis/i descending/b stable/b",
     "axis/i descending/b stable/b", NULL, NULL},
    /* reductions */
    {"cumsum", "cumsum", "X =axis:i", "Out", "flatten/b exclusive/b reverse/b",
     "axis/i flatten/b exclusive/b reverse/b", NULL, NULL},
    {"argmax", "arg_max", "X =axis:i", "Out", "keepdims/b flatten/b dtype/D",
     "axis/i keepdims/b flatten/b dtype/i", NULL, NULL},
    {"argmin", "arg_min", "X =axis:i", "Out", "keepdims/b flatten/b dtype/D",
     "axis/i keepdims/b flatten/b dtype/i", NULL, NULL},
    {"mean", "reduce_mean", "X =dim:I", "Out", "keepdim:keep_dim/b",
     "dim/I keep_dim/b reduce_all/b", post_reduce, NULL},
    {"sum", "reduce_sum", "X =dim:I", "Out", "keepdim:keep_dim/b dtype:out_dtype/D",
     "dim/I keep_dim/b out_dtype/i reduce_all/b", post_reduce, NULL},
    {"max", "reduce_max", "X =dim:I", "Out", "keepdim:keep_dim/b",
     "dim/I keep_dim/b reduce_all/b", post_reduce, NULL},
    {"min", "reduce_min", "X =dim:I", "Out", "keepdim:keep_dim/b",
     "dim/I keep_dim/b reduce_all/b", post_reduce, NULL},
    {"all", "reduce_all", "X", "Out", "axis:dim/I keepdim:keep_dim/b",
     "dim/I keep_dim/b reduce_all/b", post_reduce, NULL},
    {"any", "reduce_any", "X", "Out", "axis:dim/I keepdim:keep_dim/b",
     "dim/I keep_dim/b reduce_all/b", post_reduce, NULL},
};

static const opspec BUILTIN_SPECS[] = {
    {"combine", NULL, "", "", NULL, NULL, NULL, map_combine},
    {"slice", NULL, "", "", NULL, NULL, NULL, map_bslice},
    {"split", NULL, "", "", NULL, NULL, NULL, map_bsplit},
};

static const opspec *find_spec(const opspec *tab, size_t n, const char *name)
{
    for (size_t i = 0; i < n; i++)
        if (strcmp(tab[i].pir, name) == 0)
            return &tab[i];
    return NULL;
}

const opspec *pdsi_pir_find_spec(const char *dialect, const char *base)
{
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
    return s;
}

pds_status pdsi_pir_map(ld *L, const opspec *s, const opctx *c)
{
    return s->fn ? s->fn(L, s, c, NULL) : map_generic(L, s, c);
}

const opspec *pdsi_pir_specs(size_t *n)
{
    *n = sizeof SPECS / sizeof SPECS[0];
    return SPECS;
}

const opspec *pdsi_pir_builtin_specs(size_t *n)
{
    *n = sizeof BUILTIN_SPECS / sizeof BUILTIN_SPECS[0];
    return BUILTIN_SPECS;
}

/* materialise (pir.c: pd_op.full as a tensor) and map_shape64. */
const pdsi_pir_node pdsi_pir_special_nodes[] = {
    {"fill_constant", "dtype/i shape/I value/f", "full"},
    {"shape", "", "shape64"},
    {"cast", "out_dtype/i", "shape64"},
    {NULL, NULL, NULL},
};

/* Adds pir to names[*n] unless it is there (several rows may map one PIR op
 * onto one legacy op: shape64's two nodes are not, but could be). */
static void names_add(const char **names, int *n, int cap, const char *pir)
{
    for (int k = 0; k < *n; k++)
        if (strcmp(names[k], pir) == 0)
            return;
    if (*n < cap)
        names[(*n)++] = pir;
}

size_t pdsi_pir_names_of(const char *legacy, char *buf, size_t cap)
{
    const char *names[sizeof SPECS / sizeof SPECS[0] + 8];
    int n = 0, max = (int)(sizeof names / sizeof names[0]);
    for (size_t i = 0; i < sizeof SPECS / sizeof SPECS[0]; i++)
        if (SPECS[i].legacy && strcmp(SPECS[i].legacy, legacy) == 0)
            names_add(names, &n, max, SPECS[i].pir);
    for (int k = 0; pdsi_pir_special_nodes[k].legacy; k++)
        if (strcmp(pdsi_pir_special_nodes[k].legacy, legacy) == 0)
            names_add(names, &n, max, pdsi_pir_special_nodes[k].pir);
    size_t len = 0;
    if (cap)
        buf[0] = '\0';
    for (int k = 0; k < n; k++) {
        int w = snprintf(len < cap ? buf + len : NULL, len < cap ? cap - len : 0,
                         "%spd_op.%s", k ? " " : "", names[k]);
        len += (size_t)(w > 0 ? w : 0);
    }
    return len;
}
