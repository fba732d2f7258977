/*
 * test_models.c — every fixture model against Paddle Inference's own outputs.
 *
 * Each directory under tests/fixtures holds a model exported by
 * tools/fixtures/make_fixtures.py, its inputs (case<k>.in<i>.npy) and what
 * Paddle Inference computed for them (case<k>.out<j>.npy). All cases of a model
 * run on ONE predictor, in order and then the first again, so that changing
 * input shapes between runs (re-planning) is exercised. Tolerance is DESIGN
 * §5's (atol 1e-4, rtol 1e-3) unless the fixture has a `tolerance` file.
 *
 * A fixture with an inference.json (the same network exported by Paddle in
 * the PIR format, from the same weights) is loaded from it too and run on the
 * same cases against the same expected outputs; its outputs must also agree
 * with the legacy program's (same tolerance, integers exactly), and the two
 * models must show the same inputs and outputs.
 */
#include <dirent.h>
#include <sys/stat.h>

#include "harness.h"
#include "npy.h"

#define MAX_IO 16
#define MAX_CASES 8

/* Outputs of the legacy program per case, for the PIR program to match. */
typedef struct saved_outputs {
    pds_tensor t[MAX_CASES][MAX_IO];
    int have[MAX_CASES];
    int compare; /* 0: keep the outputs of each case's first run; 1: compare with them */
} saved_outputs;

static void saved_free(saved_outputs *s)
{
    for (int k = 0; k < MAX_CASES; k++)
        for (int j = 0; j < MAX_IO; j++)
            free(s->t[k][j].data);
    memset(s, 0, sizeof *s);
}

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

/* Runs case k of a fixture on predictor p; returns 0 if the case does not
 * exist. With save, the outputs are kept there (first run of a case) or
 * compared with what is there (when the legacy program already ran it). */
static int run_case(const char *dir, const char *name, pds_predictor p, size_t n_in,
                    size_t n_out, int k, double atol, double rtol, saved_outputs *save)
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
            if (save && !save->compare && !save->have[k]) {
                for (size_t j = 0; j < n_out; j++) {
                    save->t[k][j] = out_t[j];
                    out_t[j].data = NULL; /* kept */
                }
                save->have[k] = 1;
            } else if (save && save->compare && save->have[k]) {
                for (size_t j = 0; j < n_out; j++) {
                    char what[256];
                    npy_array legacy = {0};
                    const pds_tensor *l = &save->t[k][j];
                    snprintf(what, sizeof what, "%s case%d out%zu: PIR .json vs legacy .pdmodel",
                             name, k, j);
                    legacy.dtype = l->dtype;
                    legacy.rank = l->rank;
                    memcpy(legacy.dims, l->dims, sizeof legacy.dims);
                    legacy.data = l->data;
                    legacy.byte_length = outs[j].byte_length;
                    compare(what, &out_t[j], &legacy, atol, rtol);
                }
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

static int n_models, n_json_models;

/* Inputs and outputs of the model as the API shows them, to compare formats. */
typedef struct io_infos {
    size_t n_in, n_out;
    pds_tensor_info in[MAX_IO], out[MAX_IO];
} io_infos;

static void get_infos(pds_model m, io_infos *io)
{
    pds_error err;
    memset(io, 0, sizeof *io);
    CHECK_OK(pds_model_input_count(m, &io->n_in, &err), &err);
    CHECK_OK(pds_model_output_count(m, &io->n_out, &err), &err);
    for (size_t i = 0; i < io->n_in && i < MAX_IO; i++)
        CHECK_OK(pds_model_input_info(m, i, &io->in[i], &err), &err);
    for (size_t j = 0; j < io->n_out && j < MAX_IO; j++)
        CHECK_OK(pds_model_output_info(m, j, &io->out[j], &err), &err);
}

/* Loads one program of a fixture and runs all its cases. */
static void run_program(const char *dir, const char *name, const char *model_path,
                        const char *params_path, pds_model_format want_format,
                        saved_outputs *save, io_infos *io)
{
    pds_error err;
    pds_model m = 0;
    pds_predictor p = 0;
    pds_status st = pds_model_load_files(model_path, params_path, NULL, &m, &err);
    if (st) {
        PDST_FAIL("%s: loading %s returned %s: %s", name, model_path, pds_status_name(st),
                  err.message);
        return;
    }
    pds_model_stats stats = {.struct_size = sizeof stats};
    CHECK_OK(pds_model_get_stats(m, &stats, &err), &err);
    CHECK_EQ_INT(stats.format, want_format);
    get_infos(m, io);
    size_t n_in = io->n_in, n_out = io->n_out;
    CHECK(n_in <= MAX_IO && n_out <= MAX_IO);
    CHECK_OK(pds_predictor_create(m, NULL, &p, &err), &err);
    double atol, rtol;
    read_tolerance(dir, &atol, &rtol);
    int cases = 0;
    while (cases < MAX_CASES && run_case(dir, name, p, n_in, n_out, cases, atol, rtol, save))
        cases++;
    if (cases == 0)
        PDST_FAIL("%s: no case files (case0.in0.npy, case0.out0.npy)", name);
    if (cases > 1) /* back to the first shape after the others */
        run_case(dir, name, p, n_in, n_out, 0, atol, rtol, save);
    CHECK_OK(pds_predictor_destroy(p, &err), &err);
    CHECK_OK(pds_model_destroy(m, &err), &err);
}

static void test_fixture(const char *dir, const char *name)
{
    char model_path[4096], params_path[4096], json_path[4096], json_params[4096];
    snprintf(model_path, sizeof model_path, "%s/inference.pdmodel", dir);
    snprintf(params_path, sizeof params_path, "%s/inference.pdiparams", dir);
    snprintf(json_path, sizeof json_path, "%s/inference.json", dir);
    /* a PIR export whose parameter file differs from the legacy one keeps it here */
    snprintf(json_params, sizeof json_params, "%s/inference.json.pdiparams", dir);
    if (!exists(json_params))
        snprintf(json_params, sizeof json_params, "%s", params_path);
    saved_outputs *save = calloc(1, sizeof *save);
    io_infos legacy_io, json_io;
    if (!save)
        return;
    if (exists(model_path)) {
        n_models++;
        run_program(dir, name, model_path, params_path, PDS_FORMAT_LEGACY, save, &legacy_io);
    }
    if (exists(json_path)) {
        char tag[300];
        snprintf(tag, sizeof tag, "%s (inference.json)", name);
        n_json_models++;
        save->compare = 1;
        run_program(dir, tag, json_path, json_params, PDS_FORMAT_PIR_JSON, save, &json_io);
        if (exists(model_path)) {
            /* the same inputs and outputs, whichever format */
            CHECK_EQ_INT(json_io.n_in, legacy_io.n_in);
            CHECK_EQ_INT(json_io.n_out, legacy_io.n_out);
            for (size_t i = 0; i < json_io.n_in && i < legacy_io.n_in && i < MAX_IO; i++) {
                const pds_tensor_info *a = &json_io.in[i], *b = &legacy_io.in[i];
                if (strcmp(a->name, b->name) != 0 || a->dtype != b->dtype ||
                    a->rank != b->rank || memcmp(a->dims, b->dims, sizeof a->dims) != 0)
                    PDST_FAIL("%s: input %zu is '%s' %s rank %d from the .json but '%s' %s "
                              "rank %d from the .pdmodel",
                              name, i, a->name, pds_dtype_name(a->dtype), a->rank, b->name,
                              pds_dtype_name(b->dtype), b->rank);
            }
            for (size_t j = 0; j < json_io.n_out && j < legacy_io.n_out && j < MAX_IO; j++)
                CHECK_EQ_INT(json_io.out[j].dtype, legacy_io.out[j].dtype);
        }
    }
    saved_free(save);
    free(save);
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
    if (n_json_models < n_models)
        PDST_FAIL("%d fixtures have an inference.pdmodel but only %d an inference.json",
                  n_models, n_json_models);
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
