/*
 * compat_test.c — see compat_test.h.
 */
#include "compat_test.h"

#include <math.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

int ct_failures;

const char *ct_fixtures(void)
{
    const char *e = getenv("PDSAFE_FIXTURES");
    return e && *e ? e : PDSAFE_FIXTURES_DEFAULT;
}

int ct_npy(const char *dir, const char *name, npy_array *a)
{
    char path[4096], msg[256];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    if (npy_read(path, a, msg, sizeof msg) != 0) {
        CT_FAIL("reading %s: %s", path, msg);
        return -1;
    }
    return 0;
}

int ct_compare_f32(const char *what, const char *dir, const float *got, const float *want,
                   size_t n)
{
    double atol = 1e-4, rtol = 1e-3;
    char path[4096];
    snprintf(path, sizeof path, "%s/tolerance", dir);
    FILE *f = fopen(path, "r");
    if (f) {
        if (fscanf(f, "%lf %lf", &atol, &rtol) != 2)
            CT_FAIL("%s: expected 'atol rtol'", path);
        fclose(f);
    }
    int bad = 0;
    for (size_t i = 0; i < n; i++) {
        double d = fabs((double)got[i] - (double)want[i]);
        if (!(d <= atol + rtol * fabs((double)want[i]))) {
            if (bad < 5)
                CT_FAIL("%s: element %zu is %.7g, Paddle has %.7g", what, i, got[i], want[i]);
            bad++;
        }
    }
    if (bad)
        CT_FAIL("%s: %d of %zu elements outside atol %g rtol %g", what, bad, n, atol, rtol);
    return bad;
}

void ct_copy_out_compare(PD_Tensor *y, size_t n, const char *what, const char *dir,
                         const float *want)
{
    float *got = malloc((n + 1) * sizeof *got);
    if (!got) {
        CT_FAIL("%s: out of memory", what);
        return;
    }
    got[n] = 12345.0f;
    PD_TensorCopyToCpuFloat(y, got);
    CT_CHECK(got[n] == 12345.0f);
    ct_compare_f32(what, dir, got, want, n);
    free(got);
}

PD_Config *ct_config(const char *dir, const char *prog_name)
{
    char prog[4096], params[4096];
    snprintf(prog, sizeof prog, "%s/%s", dir, prog_name);
    snprintf(params, sizeof params, "%s/inference.pdiparams", dir);
    PD_Config *c = PD_ConfigCreate();
    PD_ConfigSetModel(c, prog, params);
    return c;
}

void ct_feed_f32(PD_Tensor *x, const npy_array *in)
{
    int32_t shape[8];
    for (int d = 0; d < in->rank && d < 8; d++)
        shape[d] = (int32_t)in->dims[d];
    PD_TensorReshape(x, (size_t)in->rank, shape);
    PD_TensorCopyFromCpuFloat(x, in->data);
}

int ct_run_case(PD_Predictor *pred, const char *dir, int k)
{
    char name[64];
    npy_array in = {0}, want = {0};
    snprintf(name, sizeof name, "case%d.in0.npy", k);
    if (ct_npy(dir, name, &in) != 0)
        return -1;
    snprintf(name, sizeof name, "case%d.out0.npy", k);
    if (ct_npy(dir, name, &want) != 0) {
        npy_free(&in);
        return -1;
    }
    int before = ct_failures;
    PD_OneDimArrayCstr *in_names = PD_PredictorGetInputNames(pred);
    CT_CHECK(in_names && in_names->size == 1);
    PD_Tensor *x = PD_PredictorGetInputHandle(pred, in_names->data[0]);
    CT_CHECK(x != NULL);
    CT_CHECK_EQ(PD_TensorGetDataType(x), PD_DATA_FLOAT32);
    CT_CHECK(strcmp(PD_TensorGetName(x), in_names->data[0]) == 0);
    ct_feed_f32(x, &in);
    CT_CHECK_EQ(PD_PredictorRun(pred), TRUE);
    PD_OneDimArrayCstr *out_names = PD_PredictorGetOutputNames(pred);
    CT_CHECK(out_names && out_names->size == 1);
    PD_Tensor *y = PD_PredictorGetOutputHandle(pred, out_names->data[0]);
    PD_OneDimArrayInt32 *yshape = PD_TensorGetShape(y);
    CT_CHECK(yshape != NULL);
    size_t n = 1;
    if (yshape) {
        CT_CHECK_EQ(yshape->size, want.rank);
        for (size_t d = 0; d < yshape->size && (int)d < want.rank; d++) {
            CT_CHECK_EQ(yshape->data[d], want.dims[d]);
            n *= (size_t)yshape->data[d];
        }
    }
    if (ct_failures == before && want.dtype == PDS_FLOAT32) {
        CT_CHECK_EQ(n * sizeof(float), want.byte_length);
        /* One float more than the shape, as a canary: copy-out must not touch it. */
        char what[4200];
        snprintf(what, sizeof what, "%s case %d", dir, k);
        ct_copy_out_compare(y, n, what, dir, want.data);
    } else if (ct_failures == before) {
        CT_FAIL("%s case %d: Paddle's output is %s; expected float32", dir, k,
                pds_dtype_name(want.dtype));
    }
    PD_OneDimArrayInt32Destroy(yshape);
    PD_TensorDestroy(y);
    PD_TensorDestroy(x);
    PD_OneDimArrayCstrDestroy(out_names);
    PD_OneDimArrayCstrDestroy(in_names);
    npy_free(&in);
    npy_free(&want);
    return ct_failures == before ? 0 : -1;
}

static char *slurp(FILE *f)
{
    fflush(f);
    long n = ftell(f);
    if (n < 0)
        n = 0;
    char *s = calloc(1, (size_t)n + 1);
    rewind(f);
    if (n && fread(s, 1, (size_t)n, f) != (size_t)n)
        s[0] = 0;
    return s;
}

int ct_in_child(const char *name, int (*fn)(FILE *expected), const char *mode, int expect_signal)
{
    FILE *err = tmpfile(), *exp = tmpfile();
    if (!err || !exp) {
        CT_FAIL("%s: tmpfile failed", name);
        return -1;
    }
    fflush(NULL);
    pid_t pid = fork();
    if (pid == 0) {
        if (mode)
            setenv("PDSAFE_ON_MISUSE", mode, 1);
        dup2(fileno(err), 2);
        int failed = fn(exp);
        fflush(exp);
        /* exit, not _exit: LeakSanitizer checks the child at exit (ASan build). */
        exit(failed > 125 ? 125 : failed);
    }
    int status = 0;
    waitpid(pid, &status, 0);
    fseek(err, 0, SEEK_END);
    fseek(exp, 0, SEEK_END);
    char *got = slurp(err), *want = slurp(exp);
    int before = ct_failures;
    if (expect_signal) {
        if (!WIFSIGNALED(status) || WTERMSIG(status) != expect_signal)
            CT_FAIL("%s: the child should have been killed by signal %d; status 0x%x", name,
                    expect_signal, status);
    } else if (WIFSIGNALED(status)) {
        CT_FAIL("%s: the child CRASHED with signal %d (%s)", name, WTERMSIG(status),
                strsignal(WTERMSIG(status)));
    } else if (WEXITSTATUS(status) != 0) {
        CT_FAIL("%s: %d checks failed in the child", name, WEXITSTATUS(status));
    }
    /* The child's own check failures also went to stderr: compare only then. */
    if (ct_failures == before && strcmp(got, want) != 0)
        CT_FAIL("%s: stderr differs.\n--- expected ---\n%s--- got ---\n%s---", name, want, got);
    if (ct_failures != before && strcmp(got, want) != 0)
        fprintf(stderr, "%s: the child's stderr:\n%s\n", name, got);
    free(got);
    free(want);
    fclose(err);
    fclose(exp);
    return ct_failures == before ? 0 : -1;
}
