/*
 * test_models.c — every fixture model against Paddle Inference's own outputs.
 *
 * Each directory under tests/fixtures holds a model exported by
 * tools/fixtures/make_fixtures.py, its inputs (case<k>.in<i>.npy) and what
 * Paddle Inference computed for them (case<k>.out<j>.npy). All cases of a model
 * run on ONE predictor, in order and then the first again, so that changing
 * input shapes between runs (re-planning) is exercised. Tolerance is DESIGN
 * §5's (atol 1e-4, rtol 1e-3) unless the fixture has a `tolerance` file.
 */
#include <dirent.h>
#include <sys/stat.h>

#include "harness.h"
#include "npy.h"

#define MAX_IO 16
#define MAX_CASES 8

static int exists(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0;
}

static void read_tolerance(const char *dir, double *atol, double *rtol)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/tolerance", dir);
    *atol = PDST_ATOL;
    *rtol = PDST_RTOL;
    FILE *f = fopen(path, "r");
    if (!f)
        return;
    if (fscanf(f, "%lf %lf", atol, rtol) != 2)
        PDST_FAIL("%s: expected 'atol rtol'", path);
    fclose(f);
}

static void compare(const char *what, const pds_tensor *got, const npy_array *want, double atol,
                    double rtol)
{
    if (got->rank != want->rank) {
        PDST_FAIL("%s: rank %d, Paddle has %d", what, got->rank, want->rank);
        return;
    }
    for (int d = 0; d < got->rank; d++)
        if (got->dims[d] != want->dims[d]) {
            PDST_FAIL("%s: dim %d is %lld, Paddle has %lld", what, d, (long long)got->dims[d],
                      (long long)want->dims[d]);
            return;
        }
    if (got->dtype != want->dtype) {
        PDST_FAIL("%s: dtype %s, Paddle has %s", what, pds_dtype_name(got->dtype),
                  pds_dtype_name(want->dtype));
        return;
    }
    long n = (long)(want->byte_length / pds_dtype_size(want->dtype));
    if (got->dtype == PDS_FLOAT32) {
        pdst_check_close(what, got->data, want->data, n, atol, rtol);
    } else if (memcmp(got->data, want->data, want->byte_length) != 0) {
        PDST_FAIL("%s: %s values differ from Paddle's", what, pds_dtype_name(got->dtype));
    }
}

/* Runs case k of a fixture on predictor p; returns 0 if the case does not exist. */
static int run_case(const char *dir, const char *name, pds_predictor p, size_t n_in,
                    size_t n_out, int k, double atol, double rtol)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/case%d.in0.npy", dir, k);
    if (n_in > 0 && !exists(path))
        return 0;
    snprintf(path, sizeof path, "%s/case%d.out0.npy", dir, k);
    if (!exists(path))
        return 0;
    npy_array ins[MAX_IO] = {0}, outs[MAX_IO] = {0};
    pds_tensor in_t[MAX_IO] = {0}, out_t[MAX_IO] = {0};
    char msg[512];
    int ok = 1;
    for (size_t i = 0; i < n_in && ok; i++) {
        snprintf(path, sizeof path, "%s/case%d.in%zu.npy", dir, k, i);
        if (npy_read(path, &ins[i], msg, sizeof msg)) {
            PDST_FAIL("%s", msg);
            ok = 0;
            break;
        }
        in_t[i].dtype = ins[i].dtype;
        in_t[i].rank = ins[i].rank;
        memcpy(in_t[i].dims, ins[i].dims, sizeof in_t[i].dims);
        in_t[i].data = ins[i].data;
        in_t[i].byte_length = ins[i].byte_length;
    }
    for (size_t j = 0; j < n_out && ok; j++) {
        snprintf(path, sizeof path, "%s/case%d.out%zu.npy", dir, k, j);
        if (npy_read(path, &outs[j], msg, sizeof msg)) {
            PDST_FAIL("%s", msg);
            ok = 0;
            break;
        }
        out_t[j].byte_length = outs[j].byte_length;
        out_t[j].data = malloc(outs[j].byte_length ? outs[j].byte_length : 1);
    }
    if (ok) {
        pds_error err;
        pds_status st = pds_predictor_run(p, in_t, n_in, out_t, n_out, &err);
        if (st) {
            PDST_FAIL("%s case %d: run returned %s: %s", name, k, pds_status_name(st),
                      err.message);
        } else {
            for (size_t j = 0; j < n_out; j++) {
                char what[256];
                snprintf(what, sizeof what, "%s case%d out%zu", name, k, j);
                compare(what, &out_t[j], &outs[j], atol, rtol);
            }
        }
    }
    for (size_t i = 0; i < MAX_IO; i++) {
        npy_free(&ins[i]);
        npy_free(&outs[i]);
        free(out_t[i].data);
    }
    return 1;
}

static int n_models;

static void test_fixture(const char *dir, const char *name)
{
    char model_path[4096], params_path[4096];
    snprintf(model_path, sizeof model_path, "%s/inference.pdmodel", dir);
    snprintf(params_path, sizeof params_path, "%s/inference.pdiparams", dir);
    if (!exists(model_path))
        return;
    pds_error err;
    pds_model m = 0;
    pds_predictor p = 0;
    pds_status st = pds_model_load_files(model_path, params_path, NULL, &m, &err);
    if (st) {
        PDST_FAIL("%s: load returned %s: %s", name, pds_status_name(st), err.message);
        return;
    }
    n_models++;
    size_t n_in = 0, n_out = 0;
    CHECK_OK(pds_model_input_count(m, &n_in, &err), &err);
    CHECK_OK(pds_model_output_count(m, &n_out, &err), &err);
    CHECK(n_in <= MAX_IO && n_out <= MAX_IO);
    CHECK_OK(pds_predictor_create(m, NULL, &p, &err), &err);
    double atol, rtol;
    read_tolerance(dir, &atol, &rtol);
    int cases = 0;
    while (cases < MAX_CASES && run_case(dir, name, p, n_in, n_out, cases, atol, rtol))
        cases++;
    if (cases == 0)
        PDST_FAIL("%s: no case files (case0.in0.npy, case0.out0.npy)", name);
    if (cases > 1) /* back to the first shape after the others */
        run_case(dir, name, p, n_in, n_out, 0, atol, rtol);
    CHECK_OK(pds_predictor_destroy(p, &err), &err);
    CHECK_OK(pds_model_destroy(m, &err), &err);
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static char cur_dir[4096], cur_name[256];

static void test_one_fixture(void)
{
    test_fixture(cur_dir, cur_name);
}

static void test_no_leaks(void)
{
    if (n_models < 5)
        PDST_FAIL("only %d fixture models found under %s, expected the whole set", n_models,
                  pdst_fixtures_dir());
    pds_live_objects live;
    pds_get_live_objects(&live);
    CHECK_EQ_INT(live.models, 0);
    CHECK_EQ_INT(live.predictors, 0);
    CHECK_EQ_INT(live.handles, 0);
}

int main(void)
{
    const char *root = pdst_fixtures_dir();
    DIR *d = opendir(root);
    if (!d) {
        fprintf(stderr, "cannot open fixtures directory %s\n", root);
        return 1;
    }
    char *names[256];
    int n = 0;
    struct dirent *e;
    while ((e = readdir(d)) && n < 256)
        if (e->d_name[0] != '.')
            names[n++] = strdup(e->d_name);
    closedir(d);
    qsort(names, (size_t)n, sizeof names[0], cmp_str);
    for (int i = 0; i < n; i++) {
        snprintf(cur_dir, sizeof cur_dir, "%s/%s", root, names[i]);
        snprintf(cur_name, sizeof cur_name, "%s", names[i]);
        struct stat st;
        if (stat(cur_dir, &st) == 0 && S_ISDIR(st.st_mode))
            pdst_run(names[i], test_one_fixture);
        free(names[i]);
    }
    RUN_TEST(test_no_leaks);
    return pdst_summary();
}
