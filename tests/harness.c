/*
 * harness.c — implementation of the test framework in harness.h.
 */
#include "harness.h"

int pdst_failures, pdst_passed, pdst_failed;

/* Tensors made with pdst_mk, freed when the test that made them ends. */
#define MAX_KEPT 1024
static pdsi_tensor *kept[MAX_KEPT];
static int n_kept;

pdsi_tensor *pdst_mk(pds_dtype dtype, int rank, const int64_t *dims, const void *data)
{
    pdsi_tensor *t = pdst_tensor(dtype, rank, dims, data);
    if (n_kept == MAX_KEPT) {
        fprintf(stderr, "pdst_mk: more than %d tensors in one test\n", MAX_KEPT);
        abort();
    }
    kept[n_kept++] = t;
    return t;
}

pdsi_tensor *pdst_mk_out(void)
{
    return pdst_mk(PDS_FLOAT32, 0, NULL, NULL);
}

void pdst_release_kept(void)
{
    for (int i = 0; i < n_kept; i++)
        pdst_tensor_free(kept[i]);
    n_kept = 0;
}

pdsi_tensor *pdst_out(void)
{
    return pdst_tensor(PDS_FLOAT32, 0, NULL, NULL);
}

void pdst_run(const char *name, void (*fn)(void))
{
    pdst_failures = 0;
    fn();
    pdst_release_kept();
    if (pdst_failures) {
        pdst_failed++;
        fprintf(stderr, "FAIL %s (%d failed checks)\n", name, pdst_failures);
    } else {
        pdst_passed++;
        printf("ok   %s\n", name);
    }
    fflush(stdout);
}

int pdst_summary(void)
{
    printf("%d passed, %d failed\n", pdst_passed, pdst_failed);
    return pdst_failed ? 1 : 0;
}

long pdst_check_close(const char *what, const float *got, const float *want, long n, double atol,
                      double rtol)
{
    long bad = 0;
    double worst = 0;
    long worst_i = -1;
    for (long i = 0; i < n; i++) {
        double d = fabs((double)got[i] - (double)want[i]);
        double lim = atol + rtol * fabs((double)want[i]);
        if (!(d <= lim)) { /* also catches NaN */
            if (bad < 5)
                fprintf(stderr, "  %s[%ld]: got %.8g, want %.8g (|diff| %.3g > %.3g)\n", what, i,
                        got[i], want[i], d, lim);
            bad++;
        }
        if (d > worst || d != d) {
            worst = d;
            worst_i = i;
        }
    }
    if (bad) {
        fprintf(stderr, "  %s: %ld of %ld elements outside tolerance (worst at %ld: %.3g)\n",
                what, bad, n, worst_i, worst);
        pdst_failures++;
    }
    return bad;
}

pdsi_tensor *pdst_tensor(pds_dtype dtype, int rank, const int64_t *dims, const void *data)
{
    pdsi_tensor *t = calloc(1, sizeof *t);
    if (!t)
        abort();
    pdsi_tensor_set_shape(t, dtype, rank, dims);
    if (!pdsi_tensor_reserve(t))
        abort();
    if (data)
        memcpy(t->data, data, pdsi_tensor_bytes(t));
    else
        memset(t->data, 0, t->cap);
    return t;
}

void pdst_tensor_free(pdsi_tensor *t)
{
    if (t) {
        pdsi_tensor_release(t);
        free(t);
    }
}

pds_status pdst_run_op(const char *type, const pdsi_attr *attrs, int n_attrs,
                       const pdsi_slot *in, const pdsi_slot *out, pds_error *err)
{
    const pdsi_opdef *def = pdsi_opdef_find(type);
    if (!def)
        return pdsi_fail(err, PDS_ERR_UNSUPPORTED_OP, "no opdef for '%s'", type);
    void *params = def->params_size ? calloc(1, def->params_size) : NULL;
    pdsi_attrs a = {attrs, n_attrs};
    pds_status st = PDS_OK;
    if (def->parse)
        st = def->parse(&a, params, err);
    if (!st)
        st = def->infer(params, in, out, err);
    for (int k = 0; !st && k < PDSI_MAX_SLOTS && def->out[k].name; k++)
        for (int i = 0; i < out[k].n; i++)
            if (!pdsi_tensor_reserve(out[k].t[i]))
                st = pdsi_fail(err, PDS_ERR_OUT_OF_MEMORY, "test: reserve failed");
    pdsi_exec ex = {1, NULL, 0};
    if (!st)
        st = def->run(params, in, out, &ex, err);
    pdsi_exec_release(&ex);
    free(params);
    return st;
}

pds_status pdst_run_op1(const char *type, const pdsi_attr *attrs, int n_attrs,
                        pdsi_tensor *const *ins, int nin, pdsi_tensor *const *outs, int nout,
                        pds_error *err)
{
    pdsi_tensor *slots_in[PDSI_MAX_SLOTS], *slots_out[PDSI_MAX_SLOTS];
    pdsi_slot in[PDSI_MAX_SLOTS] = {{0}}, out[PDSI_MAX_SLOTS] = {{0}};
    if (nin > PDSI_MAX_SLOTS || nout > PDSI_MAX_SLOTS)
        return pdsi_fail(err, PDS_ERR_INVALID_ARGUMENT, "test: too many slots");
    for (int k = 0; k < nin; k++) {
        slots_in[k] = ins[k];
        in[k].t = &slots_in[k];
        in[k].n = ins[k] ? 1 : 0;
    }
    for (int k = 0; k < nout; k++) {
        slots_out[k] = outs[k];
        out[k].t = &slots_out[k];
        out[k].n = outs[k] ? 1 : 0;
    }
    return pdst_run_op(type, attrs, n_attrs, in, out, err);
}

pdsi_attr pdst_attr_int(const char *name, int64_t v)
{
    pdsi_attr a = {0};
    a.name = name;
    a.type = PDSI_ATTR_INT;
    a.i = v;
    return a;
}

pdsi_attr pdst_attr_float(const char *name, double v)
{
    pdsi_attr a = {0};
    a.name = name;
    a.type = PDSI_ATTR_FLOAT;
    a.f = v;
    return a;
}

pdsi_attr pdst_attr_bool(const char *name, int v)
{
    pdsi_attr a = {0};
    a.name = name;
    a.type = PDSI_ATTR_BOOL;
    a.i = v != 0;
    return a;
}

pdsi_attr pdst_attr_str(const char *name, const char *v)
{
    pdsi_attr a = {0};
    a.name = name;
    a.type = PDSI_ATTR_STRING;
    a.s = v;
    return a;
}

pdsi_attr pdst_attr_ints(const char *name, const int64_t *v, int64_t n)
{
    pdsi_attr a = {0};
    a.name = name;
    a.type = PDSI_ATTR_INTS;
    a.ints = v;
    a.n = n;
    return a;
}

pdsi_attr pdst_attr_floats(const char *name, const double *v, int64_t n)
{
    pdsi_attr a = {0};
    a.name = name;
    a.type = PDSI_ATTR_FLOATS;
    a.floats = v;
    a.n = n;
    return a;
}

const char *pdst_fixtures_dir(void)
{
    const char *e = getenv("PDSAFE_FIXTURES");
    return e && *e ? e : PDSAFE_FIXTURES_DEFAULT;
}
