/*
 * harness.c — implementation of the test framework in harness.h.
 */
#include "harness.h"

#include "kernels/ref/ref.h"

#include <dirent.h>

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

pds_predictor_stats pdst_stats(pds_predictor p)
{
    pds_predictor_stats st;
    memset(&st, 0, sizeof st);
    st.struct_size = sizeof st;
    pds_error err;
    CHECK_OK(pds_predictor_get_stats(p, &st, &err), &err);
    return st;
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
    pdsi_attrs a = {attrs, n_attrs, NULL};
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
        st = pdsi_ref_kernel(def->id)(params, in, out, &ex, err);
    pdsi_exec_release(&ex);
    free(params);
    return st;
}

/* Slots that hold at most one tensor each: slot k of in holds ins[k] alone,
 * or nothing when ins[k] is NULL; likewise out. */
typedef struct single_slots {
    pdsi_tensor *ts_in[PDSI_MAX_SLOTS], *ts_out[PDSI_MAX_SLOTS];
    pdsi_slot in[PDSI_MAX_SLOTS], out[PDSI_MAX_SLOTS];
} single_slots;

static void fill_slots(pdsi_tensor *const *ts, int n, pdsi_tensor **store, pdsi_slot *slots)
{
    for (int k = 0; k < n; k++) {
        store[k] = ts[k];
        slots[k].t = &store[k];
        slots[k].n = ts[k] ? 1 : 0;
    }
}

static pds_status single_slots_fill(single_slots *s, pdsi_tensor *const *ins, int nin,
                                    pdsi_tensor *const *outs, int nout, pds_error *err)
{
    memset(s, 0, sizeof *s);
    if (nin > PDSI_MAX_SLOTS || nout > PDSI_MAX_SLOTS)
        return pdsi_fail(err, PDS_ERR_INVALID_ARGUMENT, "test: too many slots");
    fill_slots(ins, nin, s->ts_in, s->in);
    fill_slots(outs, nout, s->ts_out, s->out);
    return PDS_OK;
}

pds_status pdst_run_op1(const char *type, const pdsi_attr *attrs, int n_attrs,
                        pdsi_tensor *const *ins, int nin, pdsi_tensor *const *outs, int nout,
                        pds_error *err)
{
    single_slots s;
    pds_status st = single_slots_fill(&s, ins, nin, outs, nout, err);
    return st ? st : pdst_run_op(type, attrs, n_attrs, s.in, s.out, err);
}

pds_status pdst_infer_op1(const char *type, const void *params, size_t params_size,
                          pdsi_tensor *const *ins, int nin, pdsi_tensor *const *outs, int nout,
                          pds_error *err)
{
    const pdsi_opdef *def = pdsi_opdef_find(type);
    if (!def)
        return pdsi_fail(err, PDS_ERR_UNSUPPORTED_OP, "no opdef for '%s'", type);
    if (def->params_size > params_size)
        return pdsi_fail(err, PDS_ERR_INVALID_ARGUMENT,
                         "test: '%s' params are %zu bytes, the test gave %zu", type,
                         def->params_size, params_size);
    single_slots s;
    pds_status st = single_slots_fill(&s, ins, nin, outs, nout, err);
    return st ? st : def->infer(params, s.in, s.out, err);
}

pdsi_attr pdst_attr_int(const char *name, int64_t v)
{
    return (pdsi_attr){.name = name, .type = PDSI_ATTR_INT, .i = v};
}

pdsi_attr pdst_attr_float(const char *name, double v)
{
    return (pdsi_attr){.name = name, .type = PDSI_ATTR_FLOAT, .f = v};
}

pdsi_attr pdst_attr_bool(const char *name, int v)
{
    return (pdsi_attr){.name = name, .type = PDSI_ATTR_BOOL, .i = v != 0};
}

pdsi_attr pdst_attr_str(const char *name, const char *v)
{
    return (pdsi_attr){.name = name, .type = PDSI_ATTR_STRING, .s = v};
}

pdsi_attr pdst_attr_ints(const char *name, const int64_t *v, int64_t n)
{
    return (pdsi_attr){.name = name, .type = PDSI_ATTR_INTS, .ints = v, .n = n};
}

pdsi_attr pdst_attr_floats(const char *name, const double *v, int64_t n)
{
    return (pdsi_attr){.name = name, .type = PDSI_ATTR_FLOATS, .floats = v, .n = n};
}

int pdst_attrs_set(pdsi_attr *at, int n, int cap, const pdsi_attr *extra, int n_extra)
{
    for (int i = 0; i < n_extra; i++) {
        int j = 0;
        while (j < n && strcmp(at[j].name, extra[i].name) != 0)
            j++;
        if (j == cap) {
            fprintf(stderr, "pdst_attrs_set: more than %d attributes\n", cap);
            abort();
        }
        at[j] = extra[i];
        if (j == n)
            n++;
    }
    return n;
}

bool pdst_same_dims(const pdsi_tensor *t, int rank, const int64_t *dims)
{
    if (t->rank != rank)
        return false;
    for (int i = 0; i < rank; i++)
        if (t->dims[i] != dims[i])
            return false;
    return true;
}

bool pdst_check_shape_(const char *file, int line, const pdsi_tensor *t, pds_dtype dt, int rank,
                       const int64_t *dims)
{
    char b1[160], b2[160];
    bool ok = t->dtype == dt && pdst_same_dims(t, rank, dims);
    if (!ok) {
        fprintf(stderr, "%s:%d: got %s %s, expected %s %s\n", file, line,
                pds_dtype_name(t->dtype), pdsi_dims_str(t->dims, t->rank, b1, sizeof b1),
                pds_dtype_name(dt), pdsi_dims_str(dims, rank, b2, sizeof b2));
        pdst_failures++;
    }
    return ok;
}

const char *pdst_fixtures_dir(void)
{
    const char *e = getenv("PDSAFE_FIXTURES");
    return e && *e ? e : PDSAFE_FIXTURES_DEFAULT;
}

pds_status pdst_load_fixture_with(const char *name, const pds_model_options *o, pds_model *m,
                                  pds_error *err)
{
    char mp[4096], pp[4096];
    snprintf(mp, sizeof mp, "%s/%s/inference.pdmodel", pdst_fixtures_dir(), name);
    snprintf(pp, sizeof pp, "%s/%s/inference.pdiparams", pdst_fixtures_dir(), name);
    *m = 0;
    return pds_model_load_files(mp, pp, o, m, err);
}

pds_model pdst_load_fixture(const char *name, uint32_t flags)
{
    pds_model_options o;
    pds_model_options_init(&o);
    o.flags = flags;
    pds_model m = 0;
    pds_error err;
    pds_status st = pdst_load_fixture_with(name, &o, &m, &err);
    if (st)
        PDST_FAIL("loading fixture %s: %s: %s", name, pds_status_name(st), err.message);
    return m;
}

void pdst_check_no_live_objects_(const char *file, int line)
{
    pds_live_objects live;
    pds_get_live_objects(&live);
    if (live.models || live.predictors || live.handles) {
        fprintf(stderr, "%s:%d: live objects: %llu models, %llu predictors, %llu handles, "
                "expected none\n", file, line, (unsigned long long)live.models,
                (unsigned long long)live.predictors, (unsigned long long)live.handles);
        pdst_failures++;
    }
}

int pdst_count_threads(void)
{
    DIR *d = opendir("/proc/self/task");
    if (!d)
        return -1;
    int n = 0;
    struct dirent *e;
    while ((e = readdir(d)))
        if (e->d_name[0] != '.')
            n++;
    closedir(d);
    return n;
}
