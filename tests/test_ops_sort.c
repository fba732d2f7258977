/*
 * test_ops_sort.c — the sort family (top_k_v2, argsort) through the real
 * parse -> infer -> kernel path, against the indices Paddle 3.3.1 gives
 * (paddle.topk / paddle.argsort on CPU, which run the legacy operators'
 * phi kernels; printed once with the paddlepaddle wheel and copied here).
 *
 * The rows are full of equal values: Paddle orders them with libstdc++'s
 * unstable algorithms (introsort, introselect, heap select), and so must
 * pdsafe for the indices to match. The fixture op_sort checks more rows, in
 * both formats, against Paddle Inference.
 */
#include <math.h>
#include <stdint.h>

#include "harness.h"
#include "ops/shape.h"

#define DIMS(...) ((const int64_t[]){__VA_ARGS__})
#define NARGS(T, ...) ((int)(sizeof((T[]){__VA_ARGS__}) / sizeof(T)))
#define ATTRS(...) ((const pdsi_attr[]){__VA_ARGS__}), NARGS(pdsi_attr, __VA_ARGS__)
#define NOATTRS NULL, 0
#define VF32(...) pdst_mk(PDS_FLOAT32, 1, DIMS(NARGS(float, __VA_ARGS__)), (const float[]){__VA_ARGS__})

static void check_idx_(const char *file, int line, const pdsi_tensor *t, const int64_t *want,
                       int64_t n)
{
    if (t->dtype != PDS_INT64 || pdsi_tensor_numel(t) != n) {
        fprintf(stderr, "%s:%d: indices are %s with %lld elements, want int64 with %lld\n", file,
                line, pds_dtype_name(t->dtype), (long long)pdsi_tensor_numel(t), (long long)n);
        pdst_failures++;
        return;
    }
    for (int64_t i = 0; i < n; i++) {
        if (((const int64_t *)t->data)[i] != want[i]) {
            fprintf(stderr, "%s:%d: index %lld is %lld, want %lld\n", file, line, (long long)i,
                    (long long)((const int64_t *)t->data)[i], (long long)want[i]);
            pdst_failures++;
            return;
        }
    }
}
#define CHECK_IDX(t, ...)                                                                     \
    check_idx_(__FILE__, __LINE__, t, (const int64_t[]){__VA_ARGS__},                          \
               NARGS(int64_t, __VA_ARGS__))

/* Runs top_k_v2 or argsort on x; returns the Indices output. */
static pdsi_tensor *run(const char *type, const pdsi_attr *at, int n_at, pdsi_tensor *x,
                        pdsi_tensor *k, pdsi_tensor **values)
{
    pds_error err = {0}, *ep = &err;
    pdsi_tensor *o = pdst_mk_out(), *ix = pdst_mk_out();
    int nin = strcmp(type, "top_k_v2") == 0 ? 2 : 1;
    CHECK_OK(pdst_run_op1(type, at, n_at, (pdsi_tensor *[]){x, k}, nin,
                          (pdsi_tensor *[]){o, ix}, 2, &err),
             ep);
    if (values)
        *values = o;
    return ix;
}

static pdsi_tensor *row20(void)
{
    return VF32(2, 0, 1, 2, 1, 0, 2, 1, 0, 1, 2, 2, 0, 1, 1, 0, 2, 0, 1, 2);
}

static void test_argsort_ties(void)
{
    /* 20 > 16 elements: introsort, then insertion sort; not stable */
    CHECK_IDX(run("argsort", NOATTRS, row20(), NULL, NULL), 1, 5, 8, 17, 12, 15, 2, 4, 18, 7, 9,
              13, 14, 19, 0, 16, 11, 10, 6, 3);
    CHECK_IDX(run("argsort", ATTRS(pdst_attr_bool("descending", 1)), row20(), NULL, NULL), 10,
              19, 16, 11, 0, 6, 3, 7, 9, 4, 13, 14, 2, 18, 5, 8, 12, 15, 17, 1);
    /* stable: equal values keep their order */
    CHECK_IDX(run("argsort", ATTRS(pdst_attr_bool("stable", 1)), row20(), NULL, NULL), 1, 5, 8,
              12, 15, 17, 2, 4, 7, 9, 13, 14, 18, 0, 3, 6, 10, 11, 16, 19);
    /* NaN sorts last ascending, first descending */
    pdsi_tensor *xn = VF32(1, NAN, -1, NAN, 3), *v = NULL;
    CHECK_IDX(run("argsort", NOATTRS, xn, NULL, &v), 2, 0, 4, 1, 3);
    CHECK(((float *)v->data)[0] == -1.0f && isnan(((float *)v->data)[4]));
    CHECK_IDX(run("argsort", ATTRS(pdst_attr_bool("descending", 1)), xn, NULL, NULL), 1, 3, 4,
              0, 2);
}

static void test_topk_ties(void)
{
    pdsi_tensor *v = NULL;
    /* paddle.topk([1,0,1,0,1,2], 3): [5, 4, 0], not [5, 0, 2] */
    CHECK_IDX(run("top_k_v2", ATTRS(pdst_attr_int("k", 3)), VF32(1, 0, 1, 0, 1, 2), NULL, &v),
              5, 4, 0);
    CHECK(((float *)v->data)[0] == 2.0f && ((float *)v->data)[2] == 1.0f);
    CHECK_IDX(run("top_k_v2", ATTRS(pdst_attr_int("k", 4)), row20(), NULL, NULL), 11, 6, 0, 10);
    CHECK_IDX(run("top_k_v2",
                  ATTRS(pdst_attr_int("k", 4), pdst_attr_bool("largest", 0),
                        pdst_attr_bool("sorted", 0)),
                  row20(), NULL, NULL),
              12, 5, 17, 8);
    CHECK_IDX(run("top_k_v2", ATTRS(pdst_attr_int("k", 2)), VF32(1, NAN, -1, NAN, 3), NULL, NULL),
              1, 3);
    /* axis 0 of int64 [[3,1,2],[1,3,3]] with K = 1 from a tensor */
    pdsi_tensor *m = pdst_mk(PDS_INT64, 2, DIMS(2, 3), (const int64_t[]){3, 1, 2, 1, 3, 3});
    pdsi_tensor *ix = run("top_k_v2", ATTRS(pdst_attr_int("k", 2), pdst_attr_int("axis", 0)), m,
                          pdst_mk(PDS_INT32, 1, DIMS(1), (const int32_t[]){1}), &v);
    CHECK_SHAPE(ix, PDS_INT64, 2, DIMS(1, 3));
    CHECK_IDX(ix, 0, 1, 1);
    CHECK(v->dtype == PDS_INT64 && ((int64_t *)v->data)[0] == 3 && ((int64_t *)v->data)[2] == 3);
}

static void test_errors(void)
{
    pds_error err = {0}, *ep = &err;
    pdsi_tensor *m = pdst_mk(PDS_INT64, 2, DIMS(2, 3), NULL);
    /* Paddle: "The rank (4) of the input 'k' for topk op must be less than or
     * equal to 3" */
    CHECK_STATUS(pdst_run_op1("top_k_v2", ATTRS(pdst_attr_int("k", 4)),
                              (pdsi_tensor *[]){m, NULL}, 2,
                              (pdsi_tensor *[]){pdst_mk_out(), pdst_mk_out()}, 2, &err),
                 PDS_ERR_SHAPE, ep);
    CHECK_MSG(err, "top_k_v2: k is 4, expected 1 to 3 (the size of axis 1 of X [2,3])");
    CHECK_STATUS(pdst_run_op1("argsort", ATTRS(pdst_attr_int("axis", 2)), (pdsi_tensor *[]){m},
                              1, (pdsi_tensor *[]){pdst_mk_out(), pdst_mk_out()}, 2, &err),
                 PDS_ERR_SHAPE, ep);
    CHECK_MSG(err, "argsort: axis 2 is out of range for X [2,3] of rank 2");
    CHECK_STATUS(pdst_run_op1("argsort", NOATTRS,
                              (pdsi_tensor *[]){pdst_mk(PDS_BOOL, 1, DIMS(2), NULL)}, 1,
                              (pdsi_tensor *[]){pdst_mk_out(), pdst_mk_out()}, 2, &err),
                 PDS_ERR_DTYPE, ep);
    CHECK_MSG(err, "argsort: input 'X' is bool, expected float32, float64, int32 or int64");
}

int main(void)
{
    RUN_TEST(test_argsort_ties);
    RUN_TEST(test_topk_ties);
    RUN_TEST(test_errors);
    return pdst_summary();
}
