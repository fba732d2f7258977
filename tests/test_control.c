/*
 * test_control.c — PIR control flow (pd_op.if): branches as guarded nodes
 * joined by select_input (graph/graph.h, ops/control.h).
 *
 * The numbers are checked against Paddle by tests/test_models.c on the
 * fixtures op_cond (conditions computed from the input, every branch taken
 * by some case, an if nested in a branch), op_cond_const (a parameter
 * condition) and op_cond_shape (a condition on the batch size, branches of
 * different result shapes), written by tools/fixtures/make_cond_fixtures.py.
 * Here:
 *   - one predictor alternating between branches reuses one plan per
 *     (shapes, branches taken), and gives the same numbers as a fresh one;
 *   - a condition known at load (a parameter; a shape, when the input's is
 *     fixed) is folded by the passes (no select_input step left), and kept
 *     as a run-time choice on the reference kernels;
 *   - malformed regions (no cf.yield, wrong arity, mismatched dtype, a
 *     condition that is not bool, a region count other than two, a value
 *     used outside its region) fail the load with PDS_ERR_MODEL_FORMAT
 *     naming what and where (DESIGN M19), never a crash;
 *   - a condition of more than one element fails that run with
 *     PDS_ERR_SHAPE, and the predictor runs the next one.
 */
#include <sys/stat.h>

#include "backend/backend.h"
#include "harness.h"
#include "npy.h"

static char *read_all(const char *path, size_t *n)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    fseek(f, 0, SEEK_END);
    long len = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *p = malloc((size_t)len + 1);
    if (p && fread(p, 1, (size_t)len, f) != (size_t)len) {
        free(p);
        p = NULL;
    }
    fclose(f);
    if (p)
        p[len] = '\0';
    *n = (size_t)len;
    return p;
}

/* The fixture's file `file`, read whole. */
static char *fixture_file(const char *name, const char *file, size_t *n)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/%s/%s", pdst_fixtures_dir(), name, file);
    char *p = read_all(path, n);
    if (!p)
        PDST_FAIL("cannot read %s", path);
    return p;
}

/* text with the first occurrence of from replaced by to (malloc'ed). */
static char *replace1(const char *text, const char *from, const char *to)
{
    const char *at = strstr(text, from);
    if (!at) {
        PDST_FAIL("'%s' is not in the program", from);
        return NULL;
    }
    size_t a = (size_t)(at - text), nf = strlen(from), nt = strlen(to), n = strlen(text);
    char *s = malloc(n - nf + nt + 1);
    memcpy(s, text, a);
    memcpy(s + a, to, nt);
    memcpy(s + a + nt, at + nf, n - a - nf + 1);
    return s;
}

static pds_status load_text(const char *json, const char *params, size_t np, uint32_t flags,
                            pds_model *m, pds_error *err)
{
    pds_model_options o;
    pds_model_options_init(&o);
    o.flags = flags;
    return pds_model_load_buffers(json, strlen(json), params, np, &o, m, err);
}

/* Runs case k of op_cond on p; checks both outputs against Paddle's. */
static void run_case(pds_predictor p, int k)
{
    char path[4096], msg[256];
    npy_array x, want[2];
    snprintf(path, sizeof path, "%s/op_cond/case%d.in0.npy", pdst_fixtures_dir(), k);
    if (npy_read(path, &x, msg, sizeof msg)) {
        PDST_FAIL("%s", msg);
        return;
    }
    for (int j = 0; j < 2; j++) {
        snprintf(path, sizeof path, "%s/op_cond/case%d.out%d.npy", pdst_fixtures_dir(), k, j);
        if (npy_read(path, &want[j], msg, sizeof msg))
            PDST_FAIL("%s", msg);
    }
    pds_tensor in = {.dtype = x.dtype, .rank = x.rank, .data = x.data,
                     .byte_length = x.byte_length};
    memcpy(in.dims, x.dims, sizeof in.dims);
    pds_tensor out[2];
    memset(out, 0, sizeof out);
    for (int j = 0; j < 2; j++) {
        out[j].byte_length = want[j].byte_length;
        out[j].data = malloc(want[j].byte_length);
    }
    pds_error err;
    CHECK_OK(pds_predictor_run(p, &in, 1, out, 2, &err), &err);
    for (int j = 0; j < 2; j++) {
        char what[64];
        snprintf(what, sizeof what, "op_cond case%d out%d", k, j);
        CHECK_EQ_INT(out[j].rank, want[j].rank);
        for (int d = 0; d < want[j].rank; d++)
            CHECK_EQ_INT(out[j].dims[d], want[j].dims[d]);
        pdst_check_close(what, out[j].data, want[j].data,
                         (long)(want[j].byte_length / sizeof(float)), PDST_ATOL, PDST_RTOL);
        free(out[j].data);
        npy_free(&want[j]);
    }
    npy_free(&x);
}

static uint64_t plans_built(pds_predictor p)
{
    return pdst_stats(p).plans_built;
}

/* Cases 0 and 2 have the same shape [1, 3, 8, 8] and take different
 * branches of both conditionals: two plans. Going back to either reuses its
 * plan. */
static void test_branches_one_predictor(void)
{
    for (int ref = 0; ref < 2; ref++) {
        char mp[4096], pp[4096];
        snprintf(mp, sizeof mp, "%s/op_cond/inference.json", pdst_fixtures_dir());
        snprintf(pp, sizeof pp, "%s/op_cond/inference.pdiparams", pdst_fixtures_dir());
        pds_model_options o;
        pds_model_options_init(&o);
        o.flags = ref ? PDS_MODEL_REFERENCE_KERNELS : 0;
        pds_model m = 0;
        pds_predictor p = 0;
        pds_error err;
        CHECK_OK(pds_model_load_files(mp, pp, &o, &m, &err), &err);
        CHECK_OK(pds_predictor_create(m, NULL, &p, &err), &err);
        run_case(p, 0);
        CHECK_EQ_INT(plans_built(p), 1);
        run_case(p, 2);
        CHECK_EQ_INT(plans_built(p), 2);
        run_case(p, 0);
        run_case(p, 2);
        CHECK_EQ_INT(plans_built(p), 2);
        run_case(p, 3);
        run_case(p, 1);
        run_case(p, 0);
        CHECK_EQ_INT(plans_built(p), 4);
        pds_predictor_destroy(p, NULL);
        pds_model_destroy(m, NULL);
    }
}

/* Steps of one run of op_cond_const whose op type names select_input. */
static int select_steps(uint32_t flags)
{
    char mp[4096], pp[4096], path[4096], msg[256];
    snprintf(mp, sizeof mp, "%s/op_cond_const/inference.json", pdst_fixtures_dir());
    snprintf(pp, sizeof pp, "%s/op_cond_const/inference.pdiparams", pdst_fixtures_dir());
    snprintf(path, sizeof path, "%s/op_cond_const/case0.in0.npy", pdst_fixtures_dir());
    pds_model_options o;
    pds_model_options_init(&o);
    o.flags = flags;
    pds_predictor_options po;
    pds_predictor_options_init(&po);
    po.flags = PDS_PREDICTOR_PROFILE;
    pds_model m = 0;
    pds_predictor p = 0;
    pds_error err;
    npy_array x;
    int n = -1;
    if (npy_read(path, &x, msg, sizeof msg)) {
        PDST_FAIL("%s", msg);
        return -1;
    }
    CHECK_OK(pds_model_load_files(mp, pp, &o, &m, &err), &err);
    CHECK_OK(pds_predictor_create(m, &po, &p, &err), &err);
    pds_tensor in = {.dtype = x.dtype, .rank = x.rank, .data = x.data,
                     .byte_length = x.byte_length};
    memcpy(in.dims, x.dims, sizeof in.dims);
    pds_step_profile steps[256];
    size_t count = 0;
    if (pds_predictor_run(p, &in, 1, NULL, 0, &err) == PDS_OK &&
        pds_predictor_get_profile(p, steps, 256, &count, &err) == PDS_OK && count <= 256) {
        n = 0;
        for (size_t s = 0; s < count; s++)
            n += strstr(steps[s].op_type, "select_input") != NULL;
    } else {
        PDST_FAIL("run or profile failed: %s", err.message);
    }
    pds_predictor_destroy(p, NULL);
    pds_model_destroy(m, NULL);
    npy_free(&x);
    return n;
}

/* A parameter condition (RepVGG's `if self.alpha:`): the fast path's passes
 * drop the other branch and the select; the reference kernels keep the
 * choice at run time (the numbers of both: test_models.c). A build without
 * a fast backend runs no passes (runtime/model.c). */
static void test_constant_condition_folded(void)
{
    CHECK_EQ_INT(select_steps(0), pdsi_backends_compiled() > 1 ? 0 : 1);
    CHECK_EQ_INT(select_steps(PDS_MODEL_REFERENCE_KERNELS), 1);
}

typedef struct bad_region {
    const char *from, *to;
    const char *msg[3];
} bad_region;

static void test_malformed_regions(void)
{
    size_t nj, np;
    char *json = fixture_file("op_cond", "inference.json", &nj);
    char *params = fixture_file("op_cond", "inference.pdiparams", &np);
    if (!json || !params)
        return;
    /* The first pd_op.if (op #9) reads %9 and yields %15 then %21. */
    static const bad_region cases[] = {
        {"{\"#\":\"2.yield\",\"A\":[],\"I\":[{\"%\":15}]",
         "{\"#\":\"1.relu\",\"A\":[],\"I\":[{\"%\":15}]",
         {"regions[0].blocks[0]", "expected ops ending in cf.yield", "pd_op.if"}},
        {"\"I\":[{\"%\":15}],\"O\":[]", "\"I\":[{\"%\":15},{\"%\":15}],\"O\":[]",
         {"regions[0].blocks[0].ops[", "yields 2 values, expected 1", "cf.yield"}},
        {"\"I\":[{\"%\":21}],\"O\":[]", "\"I\":[{\"%\":9}],\"O\":[]",
         {".O[0]", "result is float32, but the false branch yields '%9' of bool", "pd_op.if"}},
        {"\"1.if\",\"A\":[],\"I\":[{\"%\":9}]", "\"1.if\",\"A\":[],\"I\":[{\"%\":5}]",
         {".I[0]", "the condition is float32, expected bool", "op #9"}},
        {"\"regions\":[{\"#\":\"region_1\"", "\"regionz\":[{\"#\":\"region_1\"",
         {".regions", "expected an array of two regions", "pd_op.if"}},
        /* the op after the if reads %15, defined inside its true branch */
        {"\"I\":[{\"%\":10}]", "\"I\":[{\"%\":15}]",
         {"defined inside a region of op #9", "only that region's ops see it", ""}},
    };
    for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
        char *bad = replace1(json, cases[c].from, cases[c].to);
        if (!bad)
            continue;
        pds_model m = 0;
        pds_error err;
        CHECK_STATUS(load_text(bad, params, np, 0, &m, &err), PDS_ERR_MODEL_FORMAT, &err);
        CHECK_EQ_INT(m, 0);
        for (int k = 0; k < 3; k++)
            if (cases[c].msg[k][0])
                CHECK_MSG(err, cases[c].msg[k]);
        free(bad);
    }
    /* every truncation of the program: a status, never a crash */
    for (size_t cut = 0; cut < nj; cut += 97) {
        char *t = malloc(cut + 1);
        memcpy(t, json, cut);
        t[cut] = '\0';
        pds_model m = 0;
        pds_error err;
        CHECK(load_text(t, params, np, 0, &m, &err) != PDS_OK);
        free(t);
    }
    free(json);
    free(params);
}

/* Loads op_cond with its first condition made from mean(x) over dims 1..3
 * (one value per image) instead of over everything: one image gives one
 * element and runs; two give two, and the run fails with PDS_ERR_SHAPE
 * naming the if, and the predictor stays usable. */
static void test_condition_of_many_elements(void)
{
    size_t nj, np;
    char *json = fixture_file("op_cond", "inference.json", &nj);
    char *params = fixture_file("op_cond", "inference.pdiparams", &np);
    if (!json || !params)
        return;
    char *bad = replace1(json,
                         "\"D\":[]},\"N\":\"value\"},{\"AT\":{\"#\":\"1.a_dtype\",\"D\":\"int64\"},"
                         "\"N\":\"dtype\"},{\"AT\":{\"#\":\"1.a_place\",\"D\":[1,0,\"\"]},\"N\":"
                         "\"place\"}],\"I\":[],\"O\":[{\"%\":6,\"TT\":{\"#\":\"0.t_dtensor\",\"D\":"
                         "[{\"#\":\"0.t_i64\"},[0]",
                         "\"D\":[{\"#\":\"0.a_i64\",\"D\":1},{\"#\":\"0.a_i64\",\"D\":2},{\"#\":"
                         "\"0.a_i64\",\"D\":3}]},\"N\":\"value\"},{\"AT\":{\"#\":\"1.a_dtype\",\"D\":"
                         "\"int64\"},\"N\":\"dtype\"},{\"AT\":{\"#\":\"1.a_place\",\"D\":[1,0,\"\"]},"
                         "\"N\":\"place\"}],\"I\":[],\"O\":[{\"%\":6,\"TT\":{\"#\":\"0.t_dtensor\","
                         "\"D\":[{\"#\":\"0.t_i64\"},[3]");
    pds_model m = 0;
    pds_predictor p = 0;
    pds_error err;
    if (bad) {
        CHECK_OK(load_text(bad, params, np, 0, &m, &err), &err);
        CHECK_OK(pds_predictor_create(m, NULL, &p, &err), &err);
    }
    for (int k = 0; p && k < 3; k++) {
        /* cases 0 (one image), 1 (two), 0 again */
        float x[2 * 3 * 8 * 8];
        for (int i = 0; i < 2 * 3 * 8 * 8; i++)
            x[i] = (float)((i % 7) - 3);
        int64_t nb = k == 1 ? 2 : 1;
        pds_tensor in = {.dtype = PDS_FLOAT32, .rank = 4, .dims = {nb, 3, 8, 8}, .data = x,
                         .byte_length = sizeof(float) * (size_t)nb * 3 * 8 * 8};
        if (k == 1) {
            CHECK_STATUS(pds_predictor_run(p, &in, 1, NULL, 0, &err), PDS_ERR_SHAPE, &err);
            CHECK_MSG(err, "has 2 elements, expected 1");
            CHECK_MSG(err, "op #9");
        } else {
            CHECK_OK(pds_predictor_run(p, &in, 1, NULL, 0, &err), &err);
        }
    }
    pds_predictor_destroy(p, NULL);
    pds_model_destroy(m, NULL);
    free(bad);
    free(json);
    free(params);
}

/* op_cond_shape branches on the batch size. Declared [-1, 3, 8, 8], the
 * condition is computed each run from the input's shape (both branches are
 * test_models.c's); declared [2, 3, 8, 8], the passes fold the shape, then
 * the comparison, then the conditional: no select_input step is left, and
 * the result is the true branch's [2, 2, 8, 8]. */
static void test_shape_condition_folded_when_static(void)
{
    size_t nj, np;
    char *json = fixture_file("op_cond_shape", "inference.json", &nj);
    char *params = fixture_file("op_cond_shape", "inference.pdiparams", &np);
    if (!json || !params)
        return;
    /* the data op's shape attribute, then its result's type */
    char *half = replace1(json, "\"D\":[-1,3,8,8]},\"N\":\"shape\"",
                          "\"D\":[2,3,8,8]},\"N\":\"shape\"");
    char *fixed = half ? replace1(half, "[{\"#\":\"0.t_f32\"},[-1,3,8,8]",
                                  "[{\"#\":\"0.t_f32\"},[2,3,8,8]")
                       : NULL;
    free(half);
    pds_predictor_options po;
    pds_predictor_options_init(&po);
    po.flags = PDS_PREDICTOR_PROFILE;
    pds_model m = 0;
    pds_predictor p = 0;
    pds_error err;
    if (fixed) {
        CHECK_OK(load_text(fixed, params, np, 0, &m, &err), &err);
        CHECK_OK(pds_predictor_create(m, &po, &p, &err), &err);
    }
    if (p) {
        float x[2 * 3 * 8 * 8], y[2 * 2 * 8 * 8];
        for (int i = 0; i < 2 * 3 * 8 * 8; i++)
            x[i] = (float)((i % 5) - 2) * 0.25f;
        pds_tensor in = {.dtype = PDS_FLOAT32, .rank = 4, .dims = {2, 3, 8, 8}, .data = x,
                         .byte_length = sizeof x};
        pds_tensor out = {.data = y, .byte_length = sizeof y};
        CHECK_OK(pds_predictor_run(p, &in, 1, &out, 1, &err), &err);
        CHECK_EQ_INT(out.rank, 4);
        CHECK_EQ_INT(out.dims[1], 2);
        pds_step_profile steps[64];
        size_t count = 0, selects = 0;
        CHECK_OK(pds_predictor_get_profile(p, steps, 64, &count, &err), &err);
        for (size_t k = 0; k < count && k < 64; k++)
            selects += strstr(steps[k].op_type, "select_input") != NULL;
        CHECK_EQ_INT(selects, pdsi_backends_compiled() > 1 ? 0 : 1);
    }
    pds_predictor_destroy(p, NULL);
    pds_model_destroy(m, NULL);
    free(fixed);
    free(json);
    free(params);
}

int main(void)
{
    RUN_TEST(test_branches_one_predictor);
    RUN_TEST(test_constant_condition_folded);
    RUN_TEST(test_malformed_regions);
    RUN_TEST(test_condition_of_many_elements);
    RUN_TEST(test_shape_condition_folded_when_static);
    return pdst_summary();
}
