/*
 * test_pir_mapping.c — a tripwire on the PIR mapping table (src/model/pir_ops.c).
 *
 * Every PIR mapping onto a legacy operator must name an operator the engine
 * knows (pdsi_opdef_find), and every attribute the mapping can set must be
 * one that operator's parse function actually reads: a misspelt legacy name
 * ("keepdim" for "keep_dim", "data_format" for "data_layout") would
 * otherwise be ignored silently and the operator would run with its default.
 * What a parser reads is recorded by the read mask of pdsi_attrs.
 *
 * The emits list of each spec (what map_generic may set; the loader refuses
 * anything else) is checked against the spec's own strings, so that it
 * cannot drift from what the mapping emits.
 */
#include <stdlib.h>
#include <string.h>

#include "ops/attr.h"
#include "ops/opdef.h"
#include "harness.h"
#include "model/pir_ops.h"

#define MAX_EMITS 24

typedef struct emitted {
    char name[48];
    char kind; /* i f b s I F */
} emitted;

/* name/K tokens of an emits list (or of a derived one); -1 on a bad token. */
static int parse_emits(const char *s, emitted *out, int cap)
{
    int n = 0;
    while (s && *s) {
        while (*s == ' ')
            s++;
        if (!*s)
            break;
        size_t len = strcspn(s, " ");
        const char *slash = memchr(s, '/', len);
        if (!slash || slash + 2 != s + len || n == cap || (size_t)(slash - s) >= 48 ||
            !strchr("ifbsIF", slash[1]))
            return -1;
        snprintf(out[n].name, sizeof out[n].name, "%.*s", (int)(slash - s), s);
        out[n].kind = slash[1];
        n++;
        s += len;
    }
    return n;
}

/* What the spec's strings say the mapping sets: "=attr:K..." operands and
 * "pir[:legacy]/K" / "+legacy=value/K" attributes (D becomes i). Attributes
 * a post hook adds are not in the strings. */
static int derive(const opspec *s, emitted *out, int cap)
{
    int n = 0;
    char tok[128];
    const char *lists[2] = {s->ins, s->attrs};
    for (int l = 0; l < 2; l++) {
        const char *p = lists[l] ? lists[l] : "";
        while (*p) {
            while (*p == ' ')
                p++;
            size_t len = strcspn(p, " ");
            if (!len)
                break;
            snprintf(tok, sizeof tok, "%.*s", (int)len, p);
            p += len;
            if (n == cap)
                return -1;
            if (l == 0) { /* operands: only mutable attributes emit */
                if (tok[0] != '=')
                    continue;
                char *colon = strchr(tok, ':');
                if (!colon)
                    return -1;
                snprintf(out[n].name, sizeof out[n].name, "%.*s", (int)(colon - tok - 1),
                         tok + 1);
                out[n++].kind = colon[1];
                continue;
            }
            char *slash = strrchr(tok, '/');
            if (!slash)
                return -1;
            char kind = slash[1] == 'D' ? 'i' : slash[1];
            *slash = '\0';
            const char *name = tok;
            if (tok[0] == '+') {
                name = tok + 1;
                *strchr(tok, '=') = '\0';
            } else if (strchr(tok, ':')) {
                name = strchr(tok, ':') + 1;
            }
            if (strcmp(name, "-") == 0)
                continue; /* checked and dropped by the mapping */
            snprintf(out[n].name, sizeof out[n].name, "%s", name);
            out[n++].kind = kind;
        }
    }
    return n;
}

static const emitted *find_emitted(const emitted *e, int n, const char *name)
{
    for (int i = 0; i < n; i++)
        if (strcmp(e[i].name, name) == 0)
            return &e[i];
    return NULL;
}

/* The read mask: a lookup that finds attribute i sets bit i, nothing else
 * does, and a NULL mask records nothing. */
static void test_read_mask(void)
{
    pdsi_attr a[3];
    memset(a, 0, sizeof a);
    a[0].name = "x";
    a[0].type = PDSI_ATTR_INT;
    a[0].i = 7;
    a[1].name = "y";
    a[1].type = PDSI_ATTR_FLOAT;
    a[1].f = 2.5;
    a[2].name = "z";
    a[2].type = PDSI_ATTR_STRING;
    a[2].s = "s";
    uint64_t mask = 0;
    pdsi_attrs as = {a, 3, &mask};
    pds_error err;
    int64_t i;
    double f;
    CHECK_OK(pdsi_attr_int(&as, "x", 0, &i, &err), &err);
    CHECK_EQ_INT(i, 7);
    CHECK_EQ_INT(mask, 1);
    CHECK_OK(pdsi_attr_float(&as, "absent", 1.0, &f, &err), &err);
    CHECK_EQ_INT(mask, 1);
    CHECK_OK(pdsi_attr_float(&as, "y", 0, &f, &err), &err);
    CHECK(f == 2.5);
    CHECK_EQ_INT(mask, 3);
    CHECK(pdsi_attr_find(&as, "z") == &a[2]);
    CHECK_EQ_INT(mask, 7);
    pdsi_attrs off = {a, 3, NULL};
    CHECK(pdsi_attr_find(&off, "z") == &a[2]);
    CHECK_EQ_INT(mask, 7);
}

/* A value of the right kind that the parser of `legacy` accepts, so that it
 * gets past every check and reads all it would read. */
static void attr_value(const char *pir, const char *legacy, const emitted *e, pdsi_attr *a,
                       int64_t *ints, double *floats)
{
    static const int64_t pair1[] = {1, 1}, zero2[] = {0, 0}, zero6[] = {0, 0, 0, 0, 0, 0};
    static const int64_t k2[] = {2, 2}, one[] = {1}, zero1[] = {0}, minus1[] = {-1};
    static const int64_t perm[] = {1, 0}, zero4[] = {0, 0, 0, 0}, two[] = {2};
    memset(a, 0, sizeof *a);
    a->name = e->name;
    const char *n = e->name;
    switch (e->kind) {
    case 'i':
        a->type = PDSI_ATTR_INT;
        if (strcmp(n, "groups") == 0 || strcmp(n, "begin_norm_axis") == 0 ||
            strcmp(n, "align_mode") == 0 || strcmp(n, "upscale_factor") == 0 ||
            strcmp(n, "class_num") == 0 || strcmp(n, "downsample_ratio") == 0)
            a->i = 1;
        else if (strcmp(n, "num") == 0)
            a->i = 2;
        else if (strcmp(n, "qmax") == 0)
            a->i = 127;
        else if (strcmp(n, "out_dtype") == 0 || strcmp(n, "in_dtype") == 0)
            a->i = 5; /* FP32 */
        else if (strcmp(n, "dtype") == 0)
            a->i = strncmp(legacy, "arg_", 4) == 0 ? 3 : 5; /* INT64 / FP32 */
        else if (strncmp(n, "out_", 4) == 0)
            a->i = -1;
        else
            a->i = 0;
        break;
    case 'f':
        a->type = PDSI_ATTR_FLOAT;
        a->f = strcmp(n, "max") == 0 ? 6.0 : strcmp(n, "threshold") == 0 ? 20.0 : 0.5;
        if (strcmp(n, "min") == 0 || strcmp(n, "value") == 0 || strcmp(n, "bias") == 0)
            a->f = 0.0;
        if (strcmp(n, "slope") == 0)
            a->f = 0.2;
        if (strcmp(n, "epsilon") == 0)
            a->f = 1e-5;
        break;
    case 'b':
        a->type = PDSI_ATTR_BOOL;
        a->i = strcmp(n, "is_test") == 0 || strcmp(n, "exclusive") == 0;
        break;
    case 's':
        a->type = PDSI_ATTR_STRING;
        if (strcmp(n, "data_format") == 0 && strcmp(legacy, "pad3d") == 0)
            a->s = "NCDHW";
        else if (strcmp(n, "data_format") == 0 || strcmp(n, "data_layout") == 0)
            a->s = "NCHW";
        else if (strcmp(n, "padding_algorithm") == 0)
            a->s = "EXPLICIT";
        else if (strcmp(n, "pooling_type") == 0)
            a->s = "max";
        else if (strcmp(n, "interp_method") == 0)
            a->s = strstr(pir, "bilinear") ? "bilinear"
                   : strstr(pir, "linear") ? "linear"
                                           : "nearest";
        else if (strcmp(n, "mode") == 0)
            a->s = strcmp(legacy, "grid_sampler") == 0 ? "bilinear" : "constant";
        else if (strcmp(n, "padding_mode") == 0)
            a->s = "zeros";
        else if (strcmp(n, "dropout_implementation") == 0)
            a->s = "upscale_in_train";
        else
            a->s = "";
        break;
    case 'I': {
        const int64_t *v = pair1;
        int cnt = 2;
        if (strcmp(n, "paddings") == 0 && strcmp(legacy, "pad3d") == 0)
            v = zero6, cnt = 6;
        else if (strcmp(n, "paddings") == 0 && strcmp(legacy, "unfold") == 0)
            v = zero4, cnt = 4; /* top, left, bottom, right */
        else if (strcmp(n, "paddings") == 0 || strcmp(n, "output_padding") == 0)
            v = zero2;
        else if (strcmp(n, "shape") == 0 && strcmp(legacy, "assign_value") == 0)
            v = two, cnt = 1; /* as many elements as the two values below */
        else if (strcmp(n, "ksize") == 0)
            v = k2;
        else if (strcmp(n, "shape") == 0)
            v = minus1, cnt = 1;
        else if (strcmp(n, "axis") == 0)
            v = perm;
        else if (strcmp(n, "output_size") == 0 || strcmp(n, "decrease_axis") == 0)
            cnt = 0;
        else if (strcmp(n, "axes") == 0 || strcmp(n, "starts") == 0 || strcmp(n, "dim") == 0)
            v = zero1, cnt = 1;
        else if (strcmp(n, "ends") == 0 || strcmp(n, "infer_flags") == 0 ||
                 (strcmp(n, "strides") == 0 && strcmp(legacy, "strided_slice") == 0))
            v = one, cnt = 1;
        memcpy(ints, v, sizeof *v * (size_t)cnt);
        a->type = PDSI_ATTR_INTS;
        a->ints = ints;
        a->n = cnt;
        break;
    }
    case 'F':
        floats[0] = floats[1] = floats[2] = floats[3] = 2.0;
        a->type = PDSI_ATTR_FLOATS;
        a->floats = floats;
        a->n = 2;
        if (strcmp(n, "variances") == 0)
            a->n = 4; /* prior_box: one per box coordinate */
        else if (strcmp(n, "max_sizes") == 0)
            floats[0] = floats[1] = 3.0; /* above min_sizes */
        break;
    }
}

/* Builds every attribute of the list, parses, and checks each was read. */
static void check_parser_reads(const char *what, const char *pir, const char *legacy,
                               const emitted *e, int n)
{
    const pdsi_opdef *def = pdsi_opdef_find(legacy);
    if (!def) {
        PDST_FAIL("%s maps onto '%s', which pdsi_opdef_find does not know", what, legacy);
        return;
    }
    if (n == 0)
        return;
    if (!def->parse) {
        PDST_FAIL("%s sets %d attributes of '%s', whose opdef has no parse function", what, n,
                  legacy);
        return;
    }
    pdsi_attr a[MAX_EMITS];
    int64_t ints[MAX_EMITS][8];
    double floats[MAX_EMITS][4];
    for (int k = 0; k < n; k++)
        attr_value(pir, legacy, &e[k], &a[k], ints[k], floats[k]);
    uint64_t mask = 0;
    pdsi_attrs as = {a, n, &mask};
    void *params = calloc(1, def->params_size ? def->params_size : 1);
    pds_error err;
    memset(&err, 0, sizeof err);
    pds_status st = def->parse(&as, params, &err);
    free(params);
    if (st != PDS_OK) {
        PDST_FAIL("%s: %s's parse refused the test's attribute values: %s: %s", what, legacy,
                  pds_status_name(st), err.message);
        return;
    }
    for (int k = 0; k < n; k++)
        if (!(mask & ((uint64_t)1 << k)))
            PDST_FAIL("%s sets attribute '%s' of '%s', which its parser never looks up "
                      "(a misspelt legacy name?)",
                      what, e[k].name, legacy);
}

/* Every pd_op mapping onto a legacy operator. */
static void test_specs(void)
{
    size_t n_specs;
    const opspec *specs = pdsi_pir_specs(&n_specs);
    CHECK(n_specs > 50);
    int checked = 0, attrs = 0;
    for (size_t i = 0; i < n_specs; i++) {
        const opspec *s = &specs[i];
        char what[96];
        snprintf(what, sizeof what, "pd_op.%s", s->pir);
        if (!s->legacy) {
            /* special mappers build their nodes themselves (test_special_nodes) */
            if (!s->fn)
                PDST_FAIL("%s has neither a legacy type nor a special mapper", what);
            continue;
        }
        emitted e[MAX_EMITS], d[MAX_EMITS];
        int n = parse_emits(s->emits, e, MAX_EMITS);
        int nd = derive(s, d, MAX_EMITS);
        if (n < 0 || nd < 0) {
            PDST_FAIL("%s: emits list \"%s\" or spec strings do not parse", what,
                      s->emits ? s->emits : "(null)");
            continue;
        }
        /* The emits list is exactly the strings' attributes, plus (only with a
         * post hook) what the hook adds; no name twice. */
        int extra = 0;
        for (int k = 0; k < n; k++) {
            const emitted *x = find_emitted(d, nd, e[k].name);
            if (find_emitted(e, k, e[k].name))
                PDST_FAIL("%s: emits list names '%s' twice", what, e[k].name);
            if (!x)
                extra++;
            else if (x->kind != e[k].kind)
                PDST_FAIL("%s: emits list gives '%s' kind %c, the spec sets kind %c", what,
                          e[k].name, e[k].kind, x->kind);
        }
        for (int k = 0; k < nd; k++)
            if (!find_emitted(e, n, d[k].name))
                PDST_FAIL("%s: the spec sets '%s', which its emits list does not name", what,
                          d[k].name);
        if (extra && !s->post)
            PDST_FAIL("%s: emits list names %d attributes the spec does not set (no post hook)",
                      what, extra);
        CHECK_EQ_INT(n, nd + extra);
        check_parser_reads(what, s->pir, s->legacy, e, n);
        checked++;
        attrs += n;
    }
    CHECK(checked > 50);
    printf("     %d mappings, %d attributes, each read by its parser\n", checked, attrs);
}

/* The nodes special mappers add (fill_constant for a materialised
 * pd_op.full, shape + cast for shape64), and the builtin ops (no node). */
static void test_special_nodes(void)
{
    int k = 0;
    for (; pdsi_pir_special_nodes[k].legacy; k++) {
        const pdsi_pir_node *nd = &pdsi_pir_special_nodes[k];
        emitted e[MAX_EMITS];
        int n = parse_emits(nd->emits, e, MAX_EMITS);
        CHECK(n >= 0);
        char what[96];
        snprintf(what, sizeof what, "special node %s", nd->legacy);
        check_parser_reads(what, "", nd->legacy, e, n < 0 ? 0 : n);
    }
    CHECK_EQ_INT(k, 3);
    size_t nb;
    const opspec *b = pdsi_pir_builtin_specs(&nb);
    CHECK_EQ_INT(nb, 3);
    for (size_t i = 0; i < nb; i++)
        CHECK(b[i].fn != NULL && b[i].legacy == NULL);
    /* Lookup: in-place forms map as the plain op, dialects are kept apart. */
    CHECK(pdsi_pir_find_spec("pd_op", "relu_") == pdsi_pir_find_spec("pd_op", "relu"));
    CHECK(pdsi_pir_find_spec("pd_op", "relu") != NULL);
    CHECK(pdsi_pir_find_spec("builtin", "relu") == NULL);
    CHECK(pdsi_pir_find_spec("pd_op", "combine") == NULL);
    CHECK(pdsi_pir_find_spec("builtin", "combine") != NULL);
}

int main(void)
{
    RUN_TEST(test_read_mask);
    RUN_TEST(test_specs);
    RUN_TEST(test_special_nodes);
    return pdst_summary();
}
