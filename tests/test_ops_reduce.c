/*
 * test_ops_reduce.c — the reduce family (reduce_sum, reduce_mean, reduce_max,
 * reduce_min, arg_max, arg_min, cumsum) through the real parse -> infer ->
 * kernel path.
 *
 * Expected values come from Paddle itself (the arrays below, generated once
 * with the paddlepaddle 3.3.1 wheel by running each legacy operator in a
 * static Program), and for every combination of reduced dims of a random
 * 4-D tensor from a naive double-precision implementation written here.
 */
#include <float.h>
#include <math.h>
#include <stdint.h>

#include "harness.h"
#include "ops/shape.h"

/* ---- helpers -------------------------------------------------------------- */


#define DIMS(...) ((const int64_t[]){__VA_ARGS__})
#define NARGS(T, ...) ((int)(sizeof((T[]){__VA_ARGS__}) / sizeof(T)))
#define SL(...) ((pdsi_slot){(pdsi_tensor *[]){__VA_ARGS__}, NARGS(pdsi_tensor *, __VA_ARGS__)})
#define ATTRS(...) ((const pdsi_attr[]){__VA_ARGS__}), NARGS(pdsi_attr, __VA_ARGS__)
#define INTS(name, ...) pdst_attr_ints(name, (const int64_t[]){__VA_ARGS__}, NARGS(int64_t, __VA_ARGS__))
#define NOINTS(name) pdst_attr_ints(name, NULL, 0)

static int64_t numel_of(int rank, const int64_t *dims)
{
    int64_t n = 1;
    for (int d = 0; d < rank; d++)
        n *= dims[d];
    return n;
}

/* Values: integers exactly; floats within DESIGN.md's tolerance (exactly when
 * exact), NaN matching NaN. */
static void check_values_(const char *file, int line, const pdsi_tensor *t, const void *want,
                          int64_t n, bool exact)
{
    int bad = 0;
    for (int64_t i = 0; i < n && bad < 5; i++) {
        bool ok;
        if (t->dtype == PDS_FLOAT32 || t->dtype == PDS_FLOAT64) {
            double a = pdsi_elem_get_f64(t->data, t->dtype, i);
            double b = pdsi_elem_get_f64(want, t->dtype, i);
            ok = (isnan(a) && isnan(b)) || a == b ||
                 (!exact && fabs(a - b) <= PDST_ATOL + PDST_RTOL * fabs(b));
            if (!ok)
                fprintf(stderr, "%s:%d: element %lld: got %.9g, want %.9g\n", file, line,
                        (long long)i, a, b);
        } else {
            int64_t a = pdsi_elem_get_i64(t->data, t->dtype, i);
            int64_t b = pdsi_elem_get_i64(want, t->dtype, i);
            ok = a == b;
            if (!ok)
                fprintf(stderr, "%s:%d: element %lld: got %lld, want %lld\n", file, line,
                        (long long)i, (long long)a, (long long)b);
        }
        bad += !ok;
    }
    if (bad)
        pdst_failures++;
}

#define CHECK_EXPECT_(t, dt, name, exact)                                                      \
    do {                                                                                       \
        if (pdst_check_shape_(__FILE__, __LINE__, t, dt, name##_rank, name##_dims))                 \
            check_values_(__FILE__, __LINE__, t, name, numel_of(name##_rank, name##_dims),     \
                          exact);                                                              \
    } while (0)
/* Sums and means: Paddle accumulates in float, pdsafe in double. */
#define CHECK_CLOSE_EXPECT(t, dt, name) CHECK_EXPECT_(t, dt, name, false)
#define CHECK_EXACT_EXPECT(t, dt, name) CHECK_EXPECT_(t, dt, name, true)

/* ---- Paddle-computed expectations ----------------------------------------- */

/* Generated with paddlepaddle 3.3.1 (FLAGS_enable_pir_api=0): each array is the output of
 * one legacy operator appended to a static Program and run by paddle.static.Executor on
 * CPU. X is rx below (float32 [2,3,4], uniform(-4,4) with seed 7, rounded to 3 decimals). */
/* input */
static const int rx_rank = 3;
static const int64_t rx_dims[] = {2, 3, 4};
static const float rx[] = {-3.390000104904175f, 2.239000082015991f, -0.49300000071525574f, 1.7879999876022339f, 3.8239998817443848f, 0.30799999833106995f, 0.008999999612569809f, -3.4240000247955322f, -1.8519999980926514f, -0.0010000000474974513f, 1.434000015258789f, 2.430000066757202f, -0.9520000219345093f, -3.4730000495910645f, -1.6950000524520874f, 3.2769999504089355f, -2.2929999828338623f, -0.382999986410141f, 3.450000047683716f, -3.8010001182556152f, 0.8040000200271606f, 3.6010000705718994f, -2.1579999923706055f, 0.3880000114440918f}; /* float32 */
/* paddle legacy op reduce_sum(dim=[0, 2], keep_dim=False, reduce_all=False) */
static const int sum_02_rank = 1;
static const int64_t sum_02_dims[] = {3};
static const float sum_02[] = {-2.699000358581543f, -2.31000018119812f, 4.646000385284424f}; /* float32 */
/* paddle legacy op reduce_sum(dim=[0, 2], keep_dim=True, reduce_all=False) */
static const int sum_02k_rank = 3;
static const int64_t sum_02k_dims[] = {1, 3, 1};
static const float sum_02k[] = {-2.699000358581543f, -2.31000018119812f, 4.646000385284424f}; /* float32 */
/* paddle legacy op reduce_sum(dim=[1], keep_dim=False, reduce_all=True) */
static const int sum_all_rank = 0;
static const int64_t sum_all_dims[] = {0};
static const float sum_all[] = {-0.36300015449523926f}; /* float32 */
/* paddle legacy op reduce_sum(dim=[], keep_dim=True, reduce_all=False) */
static const int sum_allk_rank = 3;
static const int64_t sum_allk_dims[] = {1, 1, 1};
static const float sum_allk[] = {-0.36300015449523926f}; /* float32 */
/* paddle legacy op reduce_sum(dim=[-1], keep_dim=False, reduce_all=False) */
static const int sum_neg_rank = 2;
static const int64_t sum_neg_dims[] = {2, 3};
static const float sum_neg[] = {0.14399993419647217f, 0.7169997692108154f, 2.011000156402588f, -2.8430004119873047f, -3.0269999504089355f, 2.635000228881836f}; /* float32 */
/* paddle legacy op reduce_mean(dim=[1, 2], keep_dim=False, reduce_all=False) */
static const int mean_12_rank = 1;
static const int64_t mean_12_dims[] = {2};
static const float mean_12[] = {0.23933331668376923f, -0.2695833146572113f}; /* float32 */
/* paddle legacy op reduce_mean(dim=[0], keep_dim=True, reduce_all=False) */
static const int mean_0k_rank = 3;
static const int64_t mean_0k_dims[] = {1, 3, 4};
static const float mean_0k[] = {-2.1710000038146973f, -0.6169999837875366f, -1.093999981880188f, 2.5325000286102295f, 0.7654999494552612f, -0.03749999403953552f, 1.7295000553131104f, -3.6125001907348633f, -0.5239999890327454f, 1.8000000715255737f, -0.3619999885559082f, 1.409000039100647f}; /* float32 */
/* paddle legacy op reduce_mean(dim=[], keep_dim=False, reduce_all=False) */
static const int mean_all_rank = 0;
static const int64_t mean_all_dims[] = {0};
static const float mean_all[] = {-0.015125016681849957f}; /* float32 */
/* paddle legacy op reduce_max(dim=[1], keep_dim=False, reduce_all=False) */
static const int max_1_rank = 2;
static const int64_t max_1_dims[] = {2, 4};
static const float max_1[] = {3.8239998817443848f, 2.239000082015991f, 1.434000015258789f, 2.430000066757202f, 0.8040000200271606f, 3.6010000705718994f, 3.450000047683716f, 3.2769999504089355f}; /* float32 */
/* paddle legacy op reduce_min(dim=[0, -1], keep_dim=True, reduce_all=False) */
static const int min_02k_rank = 3;
static const int64_t min_02k_dims[] = {1, 3, 1};
static const float min_02k[] = {-3.4730000495910645f, -3.8010001182556152f, -2.1579999923706055f}; /* float32 */
/* input with NaN */
static const int rxn_rank = 2;
static const int64_t rxn_dims[] = {4, 3};
static const float rxn[] = {1.0f, NAN, 3.0f, NAN, 5.0f, 6.0f, 2.0f, 2.0f, 1.0f, -INFINITY, -3.0f, INFINITY}; /* float32 */
/* paddle legacy op reduce_max(dim=[1], keep_dim=False, reduce_all=False) */
static const int max_nan_rank = 1;
static const int64_t max_nan_dims[] = {4};
static const float max_nan[] = {NAN, NAN, 2.0f, INFINITY}; /* float32 */
/* paddle legacy op reduce_min(dim=[1], keep_dim=False, reduce_all=False) */
static const int min_nan_rank = 1;
static const int64_t min_nan_dims[] = {4};
static const float min_nan[] = {NAN, NAN, 1.0f, -INFINITY}; /* float32 */
/* paddle legacy op reduce_sum(dim=[1], keep_dim=False, reduce_all=False) */
static const int sum_i32_rank = 1;
static const int64_t sum_i32_dims[] = {2};
static const int64_t sum_i32[] = {6LL, 15LL}; /* int64 */
/* paddle legacy op reduce_sum(dim=[], keep_dim=False, reduce_all=False) */
static const int sum_i32_all_rank = 0;
static const int64_t sum_i32_all_dims[] = {0};
static const int64_t sum_i32_all[] = {21LL}; /* int64 */
/* paddle legacy op reduce_max(dim=[0], keep_dim=False, reduce_all=False) */
static const int max_i32_rank = 1;
static const int64_t max_i32_dims[] = {3};
static const int32_t max_i32[] = {4, 5, 6}; /* int32 */
/* paddle legacy op reduce_sum(dim=[0], keep_dim=False, reduce_all=False, out_dtype=2) */
static const int sum_wrap_rank = 0;
static const int64_t sum_wrap_dims[] = {0};
static const int32_t sum_wrap[] = {-2147483647}; /* int32 */
/* paddle legacy op reduce_sum(dim=[0], keep_dim=False, reduce_all=False, out_dtype=3) */
static const int sum_f2i_rank = 0;
static const int64_t sum_f2i_dims[] = {0};
static const int64_t sum_f2i[] = {3000000011LL}; /* int64 */
/* paddle legacy op reduce_sum(dim=[1], keep_dim=True, reduce_all=False, out_dtype=6) */
static const int sum_f64_rank = 3;
static const int64_t sum_f64_dims[] = {2, 1, 4};
static const double sum_f64[] = {-1.4180002212524414, 2.5460000802995637, 0.9500000141561031, 0.7940000295639038, -2.440999984741211, -0.25499996542930603, -0.40299999713897705, -0.1360001564025879}; /* float64 */
/* paddle legacy op reduce_sum(dim=[0], keep_dim=False, reduce_all=False) */
static const int sum_bool_rank = 0;
static const int64_t sum_bool_dims[] = {0};
static const int64_t sum_bool[] = {2LL}; /* int64 */
/* paddle legacy op reduce_mean(dim=[1], keep_dim=False, reduce_all=False) */
static const int mean_empty_rank = 1;
static const int64_t mean_empty_dims[] = {2};
static const float mean_empty[] = {NAN, NAN}; /* float32 */
/* paddle legacy op reduce_sum(dim=[1], keep_dim=False, reduce_all=False) */
static const int sum_empty_rank = 1;
static const int64_t sum_empty_dims[] = {2};
static const float sum_empty[] = {0.0f, 0.0f}; /* float32 */
/* paddle legacy op reduce_sum(dim=[0], keep_dim=False, reduce_all=False) */
static const int sum_0d_rank = 0;
static const int64_t sum_0d_dims[] = {0};
static const float sum_0d[] = {3.0f}; /* float32 */
/* paddle legacy op arg_max(axis=1, keepdims=False, flatten=False, dtype=3) */
static const int am_1_rank = 2;
static const int64_t am_1_dims[] = {2, 4};
static const int64_t am_1[] = {1LL, 0LL, 2LL, 2LL, 2LL, 2LL, 1LL, 0LL}; /* int64 */
/* paddle legacy op arg_max(axis=1, keepdims=True, flatten=False, dtype=3) */
static const int am_1k_rank = 3;
static const int64_t am_1k_dims[] = {2, 1, 4};
static const int64_t am_1k[] = {1LL, 0LL, 2LL, 2LL, 2LL, 2LL, 1LL, 0LL}; /* int64 */
/* paddle legacy op arg_max(axis=-1, keepdims=False, flatten=False, dtype=2) */
static const int am_neg_rank = 2;
static const int64_t am_neg_dims[] = {2, 3};
static const int32_t am_neg[] = {1, 0, 3, 3, 2, 1}; /* int32 */
/* paddle legacy op arg_max(axis=0, keepdims=False, flatten=True, dtype=3) */
static const int am_flat_rank = 0;
static const int64_t am_flat_dims[] = {0};
static const int64_t am_flat[] = {4LL}; /* int64 */
/* paddle legacy op arg_max(axis=0, keepdims=True, flatten=True, dtype=3) */
static const int am_flatk_rank = 3;
static const int64_t am_flatk_dims[] = {1, 1, 1};
static const int64_t am_flatk[] = {4LL}; /* int64 */
/* paddle legacy op arg_min(axis=0, keepdims=False, flatten=False, dtype=3) */
static const int amin_0_rank = 2;
static const int64_t amin_0_dims[] = {3, 4};
static const int64_t amin_0[] = {0LL, 1LL, 1LL, 0LL, 1LL, 1LL, 0LL, 1LL, 0LL, 0LL, 1LL, 1LL}; /* int64 */
/* arg input with NaN, infinities and -FLT_MAX */
static const int rxa_rank = 2;
static const int64_t rxa_dims[] = {9, 3};
static const float rxa[] = {NAN, NAN, NAN, NAN, 1.0f, NAN, -INFINITY, -INFINITY, -INFINITY, NAN, -INFINITY, -INFINITY, -3.4028234663852886e+38f, -INFINITY, -3.4028234663852886e+38f, 1.0f, NAN, 1.0f, 3.0f, 3.0f, 3.0f, -INFINITY, NAN, -3.4028234663852886e+38f, -INFINITY, -INFINITY, -3.4028234663852886e+38f}; /* float32 */
/* paddle legacy op arg_max(axis=1, keepdims=False, flatten=False, dtype=3) */
static const int am_nan_rank = 1;
static const int64_t am_nan_dims[] = {9};
static const int64_t am_nan[] = {0LL, 1LL, 0LL, 0LL, 0LL, 0LL, 0LL, 0LL, 0LL}; /* int64 */
/* paddle legacy op arg_min(axis=1, keepdims=False, flatten=False, dtype=3) */
static const int amin_nan_rank = 1;
static const int64_t amin_nan_dims[] = {9};
static const int64_t amin_nan[] = {0LL, 1LL, 0LL, 1LL, 1LL, 0LL, 0LL, 0LL, 0LL}; /* int64 */
/* paddle legacy op arg_max(axis=1, keepdims=False, flatten=False, dtype=3) */
static const int am_i64_rank = 1;
static const int64_t am_i64_dims[] = {2};
static const int64_t am_i64[] = {1LL, 0LL}; /* int64 */
/* paddle legacy op arg_max(axis=0, keepdims=True, flatten=False, dtype=3) */
static const int am_0d_rank = 1;
static const int64_t am_0d_dims[] = {1};
static const int64_t am_0d[] = {0LL}; /* int64 */

/* ---- reduce_* ------------------------------------------------------------- */

static pdsi_tensor *rxt(void)
{
    return pdst_mk(PDS_FLOAT32, rx_rank, rx_dims, rx);
}

static pds_status run_reduce(const char *type, pdsi_tensor *x, const int64_t *dims, int n,
                             int keep, int all, int64_t out_dtype, pdsi_tensor *o,
                             pds_error *err)
{
    pdsi_attr attrs[5] = {pdst_attr_ints("dim", dims, n), pdst_attr_bool("keep_dim", keep),
                          pdst_attr_bool("reduce_all", all), pdst_attr_int("in_dtype", -1),
                          pdst_attr_int("out_dtype", out_dtype)};
    return pdst_run_op(type, attrs, 5, (pdsi_slot[]){SL(x)}, (pdsi_slot[]){SL(o)}, err);
}

#define REDUCE(name, type, x, dims, n, keep, all, odt, pdt, exact)                             \
    do {                                                                                       \
        pdsi_tensor *o_ = pdst_mk_out();                                                              \
        CHECK_OK(run_reduce(type, x, dims, n, keep, all, odt, o_, &err), ep);                  \
        CHECK_EXPECT_(o_, pdt, name, exact);                                                   \
    } while (0)

static void test_reduce_paddle(void)
{
    pds_error err = {0}, *ep = &err;
    /* paddle reduce_*(dim, keep_dim, reduce_all) of rx [2,3,4] */
    REDUCE(sum_02, "reduce_sum", rxt(), DIMS(0, 2), 2, 0, 0, -1, PDS_FLOAT32, false);
    REDUCE(sum_02k, "reduce_sum", rxt(), DIMS(0, 2), 2, 1, 0, -1, PDS_FLOAT32, false);
    REDUCE(sum_all, "reduce_sum", rxt(), DIMS(1), 1, 0, 1, -1, PDS_FLOAT32, false); /* 0-D */
    REDUCE(sum_allk, "reduce_sum", rxt(), NULL, 0, 1, 0, -1, PDS_FLOAT32, false);
    REDUCE(sum_neg, "reduce_sum", rxt(), DIMS(-1), 1, 0, 0, -1, PDS_FLOAT32, false);
    REDUCE(mean_12, "reduce_mean", rxt(), DIMS(1, 2), 2, 0, 0, -1, PDS_FLOAT32, false);
    REDUCE(mean_0k, "reduce_mean", rxt(), DIMS(0), 1, 1, 0, -1, PDS_FLOAT32, false);
    REDUCE(mean_all, "reduce_mean", rxt(), NULL, 0, 0, 0, -1, PDS_FLOAT32, false);
    REDUCE(max_1, "reduce_max", rxt(), DIMS(1), 1, 0, 0, -1, PDS_FLOAT32, true);
    REDUCE(min_02k, "reduce_min", rxt(), DIMS(0, -1), 2, 1, 0, -1, PDS_FLOAT32, true);
    /* NaN propagates through max and min */
    pdsi_tensor *xn = pdst_mk(PDS_FLOAT32, rxn_rank, rxn_dims, rxn);
    REDUCE(max_nan, "reduce_max", xn, DIMS(1), 1, 0, 0, -1, PDS_FLOAT32, true);
    REDUCE(min_nan, "reduce_min", xn, DIMS(1), 1, 0, 0, -1, PDS_FLOAT32, true);
    /* int32 sums widen to int64; out_dtype int32 wraps; float -> int64 casts first */
    pdsi_tensor *xi = pdst_mk(PDS_INT32, 2, DIMS(2, 3), (int32_t[]){1, 2, 3, 4, 5, 6});
    REDUCE(sum_i32, "reduce_sum", xi, DIMS(1), 1, 0, 0, -1, PDS_INT64, true);
    REDUCE(sum_i32_all, "reduce_sum", xi, NULL, 0, 0, 0, -1, PDS_INT64, true);
    REDUCE(max_i32, "reduce_max", xi, DIMS(0), 1, 0, 0, -1, PDS_INT32, true);
    REDUCE(sum_wrap, "reduce_sum", pdst_mk(PDS_INT32, 1, DIMS(2), (int32_t[]){INT32_MAX, 2}), DIMS(0),
           1, 0, 0, 2, PDS_INT32, true);
    REDUCE(sum_f2i, "reduce_sum",
           pdst_mk(PDS_FLOAT32, 1, DIMS(4), (float[]){0.5f, 12.5f, -1.7f, 3e9f}), DIMS(0), 1, 0, 0, 3,
           PDS_INT64, true);
    REDUCE(sum_f64, "reduce_sum", rxt(), DIMS(1), 1, 1, 0, 6, PDS_FLOAT64, false);
    REDUCE(sum_bool, "reduce_sum", pdst_mk(PDS_BOOL, 1, DIMS(3), (uint8_t[]){1, 0, 1}), DIMS(0), 1, 0,
           0, -1, PDS_INT64, true);
    /* empty reductions: sum 0, mean NaN; a 0-D input */
    REDUCE(mean_empty, "reduce_mean", pdst_mk(PDS_FLOAT32, 2, DIMS(2, 0), NULL), DIMS(1), 1, 0, 0, -1,
           PDS_FLOAT32, true);
    REDUCE(sum_empty, "reduce_sum", pdst_mk(PDS_FLOAT32, 2, DIMS(2, 0), NULL), DIMS(1), 1, 0, 0, -1,
           PDS_FLOAT32, true);
    REDUCE(sum_0d, "reduce_sum", pdst_mk(PDS_FLOAT32, 0, NULL, (float[]){3}), DIMS(0), 1, 0, 0, -1,
           PDS_FLOAT32, true);
    /* Paddle ignores out_dtype for mean, max and min */
    pdsi_tensor *o = pdst_mk_out();
    CHECK_OK(run_reduce("reduce_max", rxt(), DIMS(1), 1, 0, 0, 6, o, &err), ep);
    CHECK_EXACT_EXPECT(o, PDS_FLOAT32, max_1);
    /* the output of an empty kept dim is empty */
    o = pdst_mk_out();
    CHECK_OK(run_reduce("reduce_max", pdst_mk(PDS_FLOAT32, 2, DIMS(0, 3), NULL), DIMS(1), 1, 0, 0, -1,
                        o, &err),
             ep);
    CHECK_SHAPE(o, PDS_FLOAT32, 1, DIMS(0));
}

/* M11: bad dims and dtypes are refused by infer, before a kernel runs. */
static void test_reduce_errors(void)
{
    pds_error err = {0}, *ep = &err;
    /* paddle: max of an empty dim, a repeated dim and dim out of range are errors */
    CHECK_STATUS(run_reduce("reduce_max", pdst_mk(PDS_FLOAT32, 2, DIMS(2, 0), NULL), DIMS(1), 1, 0, 0,
                            -1, pdst_mk_out(), &err),
                 PDS_ERR_SHAPE, ep);
    CHECK_MSG(err, "zero elements");
    CHECK_STATUS(run_reduce("reduce_min", rxt(), DIMS(1, -2), 2, 0, 0, -1, pdst_mk_out(), &err),
                 PDS_ERR_SHAPE, ep);
    CHECK_MSG(err, "twice");
    CHECK_STATUS(run_reduce("reduce_sum", rxt(), DIMS(3), 1, 0, 0, -1, pdst_mk_out(), &err),
                 PDS_ERR_SHAPE, ep);
    CHECK_MSG(err, "out of range");
    CHECK_STATUS(run_reduce("reduce_sum", rxt(), DIMS(-4), 1, 0, 1, -1, pdst_mk_out(), &err),
                 PDS_ERR_SHAPE, ep);
    CHECK_STATUS(run_reduce("reduce_mean", pdst_mk(PDS_INT32, 1, DIMS(2), NULL), DIMS(0), 1, 0, 0, -1,
                            pdst_mk_out(), &err),
                 PDS_ERR_DTYPE, ep);
    CHECK_STATUS(run_reduce("reduce_max", pdst_mk(PDS_UINT8, 1, DIMS(2), NULL), DIMS(0), 1, 0, 0, -1,
                            pdst_mk_out(), &err),
                 PDS_ERR_DTYPE, ep);
    CHECK_STATUS(run_reduce("reduce_sum", rxt(), DIMS(0), 1, 0, 0, 0, pdst_mk_out(), &err),
                 PDS_ERR_UNSUPPORTED_OP, ep);
    CHECK_STATUS(run_reduce("reduce_sum", rxt(), DIMS(0), 1, 0, 0, 17, pdst_mk_out(), &err),
                 PDS_ERR_UNSUPPORTED_OP, ep);
    CHECK_STATUS(pdst_run_op("reduce_sum", ATTRS(pdst_attr_str("dim", "0")), (pdsi_slot[]){SL(rxt())},
                             (pdsi_slot[]){SL(pdst_mk_out())}, &err),
                 PDS_ERR_MODEL_FORMAT, ep);
}

/* reduce_all / reduce_any (PIR all / any; RT-DETR's anchor mask). Values:
 * paddle 3.3.1, paddle.all / paddle.any on the same inputs: non-zero and NaN
 * are true, the result is bool, over zero elements all is true, any false. */
static void check_bool_values(const pdsi_tensor *o, int rank, const int64_t *dims,
                              const char *want)
{
    if (!CHECK_SHAPE(o, PDS_BOOL, rank, dims))
        return;
    for (int64_t i = 0; i < pdsi_tensor_numel(o); i++)
        if (((const uint8_t *)o->data)[i] != (uint8_t)(want[i] - '0')) {
            PDST_FAIL("element %lld is %d, expected %c", (long long)i,
                      ((const uint8_t *)o->data)[i], want[i]);
            return;
        }
}

static void test_reduce_all_any(void)
{
    pds_error err = {0}, *ep = &err;
    pdsi_tensor *fx = pdst_mk(PDS_FLOAT32, 2, DIMS(3, 3),
                              (float[]){0, NAN, 0, 0, 0, 0, 1, -2, 0.5f});
    pdsi_tensor *o = pdst_mk_out();
    CHECK_OK(run_reduce("reduce_all", fx, DIMS(1), 1, 0, 0, -1, o, &err), ep);
    check_bool_values(o, 1, DIMS(3), "001");
    o = pdst_mk_out();
    CHECK_OK(run_reduce("reduce_any", fx, DIMS(1), 1, 0, 0, -1, o, &err), ep);
    check_bool_values(o, 1, DIMS(3), "101");
    o = pdst_mk_out();
    CHECK_OK(run_reduce("reduce_all", fx, DIMS(0), 1, 1, 0, -1, o, &err), ep);
    check_bool_values(o, 2, DIMS(1, 3), "000");
    /* bool, the last dim kept (RT-DETR's form), and every dim */
    pdsi_tensor *b = pdst_mk(PDS_BOOL, 3, DIMS(2, 2, 3), (uint8_t[]){1, 1, 1, 1, 0, 1, 0, 0, 0, 1, 1, 1});
    o = pdst_mk_out();
    CHECK_OK(run_reduce("reduce_all", b, DIMS(-1), 1, 1, 0, -1, o, &err), ep);
    check_bool_values(o, 3, DIMS(2, 2, 1), "1001");
    o = pdst_mk_out();
    CHECK_OK(run_reduce("reduce_any", b, DIMS(-1), 1, 0, 0, -1, o, &err), ep);
    check_bool_values(o, 2, DIMS(2, 2), "1101");
    o = pdst_mk_out();
    CHECK_OK(run_reduce("reduce_all", b, NULL, 0, 0, 1, -1, o, &err), ep);
    check_bool_values(o, 0, NULL, "0");
    o = pdst_mk_out();
    CHECK_OK(run_reduce("reduce_any", b, DIMS(0, 1, 2), 3, 0, 0, -1, o, &err), ep);
    check_bool_values(o, 0, NULL, "1");
    /* int64: every bit counts (1 << 40 is true) */
    o = pdst_mk_out();
    CHECK_OK(run_reduce("reduce_all",
                        pdst_mk(PDS_INT64, 2, DIMS(2, 2), (int64_t[]){1LL << 40, -1, 0, 3}),
                        DIMS(1), 1, 0, 0, -1, o, &err),
             ep);
    check_bool_values(o, 1, DIMS(2), "10");
    /* zero elements: all true, any false */
    o = pdst_mk_out();
    CHECK_OK(run_reduce("reduce_all", pdst_mk(PDS_FLOAT32, 2, DIMS(2, 0), NULL), DIMS(1), 1, 0, 0,
                        -1, o, &err),
             ep);
    check_bool_values(o, 1, DIMS(2), "11");
    o = pdst_mk_out();
    CHECK_OK(run_reduce("reduce_any", pdst_mk(PDS_FLOAT32, 2, DIMS(2, 0), NULL), DIMS(1), 1, 0, 0,
                        -1, o, &err),
             ep);
    check_bool_values(o, 1, DIMS(2), "00");
    /* M10, M11 */
    CHECK_STATUS(run_reduce("reduce_all", pdst_mk(PDS_UINT8, 1, DIMS(2), NULL), DIMS(0), 1, 0, 0,
                            -1, pdst_mk_out(), &err),
                 PDS_ERR_DTYPE, ep);
    CHECK_MSG(err, "reduce_all: input 'X' is uint8, expected float32, float64, int32, int64 or bool");
    CHECK_STATUS(run_reduce("reduce_any", b, DIMS(3), 1, 0, 0, -1, pdst_mk_out(), &err),
                 PDS_ERR_SHAPE, ep);
    CHECK_MSG(err, "attribute 'dim' entry 0 is 3, out of range for X of rank 3");
}

static uint64_t rng_state = 0x9E3779B97F4A7C15ull;
static double rnd(void)
{
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 7;
    rng_state ^= rng_state << 17;
    return (double)(rng_state >> 11) / 9007199254740992.0 * 2 - 1;
}

/* Every subset of dims of a [3,4,5,6] tensor, every kind, keep_dim both ways,
 * against a naive double implementation. */
static void test_reduce_all_subsets(void)
{
    pds_error err = {0}, *ep = &err;
    static const int64_t dims[4] = {3, 4, 5, 6};
    static const char *const types[4] = {"reduce_sum", "reduce_mean", "reduce_max", "reduce_min"};
    pdsi_tensor *x = pdst_mk(PDS_FLOAT32, 4, dims, NULL);
    float *xv = x->data;
    for (int i = 0; i < 360; i++)
        xv[i] = (float)rnd() * 10;
    float want[360];
    for (int mask = 0; mask < 16; mask++) {
        int64_t red[4];
        int n = 0;
        for (int d = 0; d < 4; d++)
            if (mask >> d & 1)
                red[n++] = d;
        for (int kind = 0; kind < 4; kind++) {
            int keep = (mask + kind) % 2;
            /* naive: output index from the kept coordinates */
            int64_t out_numel = 1, odims[4], rank = 0, count = 1;
            for (int d = 0; d < 4; d++) {
                if (!(mask >> d & 1))
                    out_numel *= dims[d];
                else
                    count *= dims[d];
                if (!(mask >> d & 1) || keep)
                    odims[rank++] = (mask >> d & 1) ? 1 : dims[d];
            }
            if (mask == 0) { /* an empty dim list reduces everything */
                out_numel = 1;
                count = 360;
                rank = keep ? 4 : 0;
                for (int d = 0; d < 4; d++)
                    odims[d] = 1;
            }
            double acc[360];
            for (int64_t o = 0; o < out_numel; o++)
                acc[o] = kind == 2 ? -INFINITY : kind == 3 ? INFINITY : 0;
            for (int a = 0; a < 3; a++)
                for (int b = 0; b < 4; b++)
                    for (int c = 0; c < 5; c++)
                        for (int e = 0; e < 6; e++) {
                            int64_t co[4] = {a, b, c, e}, o = 0;
                            for (int d = 0; d < 4; d++)
                                if (mask != 0 && !(mask >> d & 1))
                                    o = o * dims[d] + co[d];
                            double v = xv[((a * 4 + b) * 5 + c) * 6 + e];
                            if (kind <= 1)
                                acc[o] += v;
                            else if (kind == 2 ? v > acc[o] : v < acc[o])
                                acc[o] = v;
                        }
            for (int64_t o = 0; o < out_numel; o++)
                want[o] = (float)(kind == 1 ? acc[o] / (double)count : acc[o]);
            pdsi_tensor *o = pdst_mk_out();
            CHECK_OK(run_reduce(types[kind], x, red, n, keep, 0, -1, o, &err), ep);
            if (CHECK_SHAPE(o, PDS_FLOAT32, (int)rank, odims))
                check_values_(__FILE__, __LINE__, o, want, out_numel, kind >= 2);
        }
    }
}

/* A long float sum stays within tolerance of the exact value. */
static void test_reduce_long_sum(void)
{
    pds_error err = {0}, *ep = &err;
    const int64_t n = 1 << 20;
    pdsi_tensor *x = pdst_mk(PDS_FLOAT32, 2, DIMS(2, n / 2), NULL);
    double exact = 0;
    for (int64_t i = 0; i < n; i++) {
        ((float *)x->data)[i] = (float)(0.1 + 1e-7 * (double)(i % 1000));
        exact += ((float *)x->data)[i];
    }
    pdsi_tensor *o = pdst_mk_out();
    CHECK_OK(run_reduce("reduce_sum", x, NULL, 0, 0, 1, -1, o, &err), ep);
    CHECK_SHAPE(o, PDS_FLOAT32, 0, NULL);
    float want = (float)exact;
    pdst_check_close("long sum", o->data, &want, 1, PDST_ATOL, PDST_RTOL);
    o = pdst_mk_out();
    CHECK_OK(run_reduce("reduce_mean", x, DIMS(0), 1, 1, 0, -1, o, &err), ep);
    CHECK_SHAPE(o, PDS_FLOAT32, 2, DIMS(1, n / 2));
    float m0 = (((float *)x->data)[7] + ((float *)x->data)[n / 2 + 7]) / 2;
    pdst_check_close("mean", (float *)o->data + 7, &m0, 1, PDST_ATOL, PDST_RTOL);
}

/* ---- arg_max / arg_min ---------------------------------------------------- */

static pds_status run_arg(const char *type, pdsi_tensor *x, int64_t axis, int keep, int flat,
                          int64_t dtype, pdsi_tensor *o, pds_error *err)
{
    pdsi_attr attrs[4] = {pdst_attr_int("axis", axis), pdst_attr_bool("keepdims", keep),
                          pdst_attr_bool("flatten", flat), pdst_attr_int("dtype", dtype)};
    return pdst_run_op(type, attrs, 4, (pdsi_slot[]){SL(x)}, (pdsi_slot[]){SL(o)}, err);
}

#define ARG(name, type, x, axis, keep, flat, dtype, pdt)                                       \
    do {                                                                                       \
        pdsi_tensor *o_ = pdst_mk_out();                                                              \
        CHECK_OK(run_arg(type, x, axis, keep, flat, dtype, o_, &err), ep);                     \
        CHECK_EXACT_EXPECT(o_, pdt, name);                                                     \
    } while (0)

static void test_arg(void)
{
    pds_error err = {0}, *ep = &err;
    /* paddle arg_max/arg_min(axis, keepdims, flatten, dtype) of rx [2,3,4] */
    ARG(am_1, "arg_max", rxt(), 1, 0, 0, 3, PDS_INT64);
    ARG(am_1k, "arg_max", rxt(), 1, 1, 0, 3, PDS_INT64);
    ARG(am_neg, "arg_max", rxt(), -1, 0, 0, 2, PDS_INT32);
    ARG(am_flat, "arg_max", rxt(), 0, 0, 1, 3, PDS_INT64);  /* 0-D */
    ARG(am_flatk, "arg_max", rxt(), 0, 1, 1, 3, PDS_INT64); /* [1,1,1] */
    ARG(amin_0, "arg_min", rxt(), 0, 0, 0, 3, PDS_INT64);
    /* NaN never wins; ties keep the first index; the search starts from index 0
     * holding -FLT_MAX, so a row of -inf and -FLT_MAX answers 0 (Paddle/Eigen) */
    pdsi_tensor *xa = pdst_mk(PDS_FLOAT32, rxa_rank, rxa_dims, rxa);
    ARG(am_nan, "arg_max", xa, 1, 0, 0, 3, PDS_INT64);
    ARG(amin_nan, "arg_min", xa, 1, 0, 0, 3, PDS_INT64);
    ARG(am_i64, "arg_max", pdst_mk(PDS_INT64, 2, DIMS(2, 3), (int64_t[]){1, 5, 5, 7, 2, 7}), 1, 0, 0,
        -1, PDS_INT64);
    ARG(am_0d, "arg_max", pdst_mk(PDS_FLOAT32, 0, NULL, (float[]){3}), 0, 1, 0, 3, PDS_INT64);
    /* int32 input, uint8 input, int32 output */
    pdsi_tensor *o = pdst_mk_out();
    CHECK_OK(run_arg("arg_min", pdst_mk(PDS_INT32, 2, DIMS(2, 2), (int32_t[]){3, -7, INT32_MIN, 0}), 0,
                     0, 0, 2, o, &err),
             ep);
    CHECK_SHAPE(o, PDS_INT32, 1, DIMS(2));
    CHECK(((int32_t *)o->data)[0] == 1 && ((int32_t *)o->data)[1] == 0);
    o = pdst_mk_out();
    CHECK_OK(run_arg("arg_max", pdst_mk(PDS_UINT8, 1, DIMS(4), (uint8_t[]){0, 0, 200, 200}), -1, 0, 0,
                     3, o, &err),
             ep);
    CHECK(((int64_t *)o->data)[0] == 2);

    /* errors */
    CHECK_STATUS(run_arg("arg_max", rxt(), 3, 0, 0, 3, pdst_mk_out(), &err), PDS_ERR_SHAPE, ep);
    CHECK_MSG(err, "out of range");
    CHECK_STATUS(run_arg("arg_max", rxt(), 3, 0, 1, 3, pdst_mk_out(), &err), PDS_ERR_SHAPE, ep);
    CHECK_STATUS(run_arg("arg_max", rxt(), 0, 0, 0, 5, pdst_mk_out(), &err), PDS_ERR_MODEL_FORMAT, ep);
    CHECK_MSG(err, "'dtype' is 5");
    CHECK_STATUS(run_arg("arg_max", pdst_mk(PDS_FLOAT32, 2, DIMS(2, 0), NULL), 1, 0, 0, 3, pdst_mk_out(),
                         &err),
                 PDS_ERR_SHAPE, ep);
    CHECK_MSG(err, "zero elements");
    CHECK_STATUS(run_arg("arg_min", pdst_mk(PDS_BOOL, 1, DIMS(2), NULL), 0, 0, 0, 3, pdst_mk_out(), &err),
                 PDS_ERR_DTYPE, ep);
    o = pdst_mk_out(); /* an empty output needs no candidates */
    CHECK_OK(run_arg("arg_max", pdst_mk(PDS_FLOAT32, 2, DIMS(0, 0), NULL), 1, 0, 0, 3, o, &err), ep);
    CHECK_SHAPE(o, PDS_INT64, 1, DIMS(0));
}

/* Random [a, n, b] searches against a naive first-index scan. */
static void test_arg_random(void)
{
    pds_error err = {0}, *ep = &err;
    for (int iter = 0; iter < 50; iter++) {
        int64_t d[3] = {1 + (int64_t)((rnd() + 1) * 3), 1 + (int64_t)((rnd() + 1) * 5),
                        1 + (int64_t)((rnd() + 1) * 4)};
        pdsi_tensor *x = pdst_mk(PDS_FLOAT32, 3, d, NULL);
        float *xv = x->data;
        for (int64_t i = 0; i < d[0] * d[1] * d[2]; i++)
            xv[i] = (float)(int)(rnd() * 4); /* many ties */
        int is_min = iter % 2;
        pdsi_tensor *o = pdst_mk_out();
        CHECK_OK(run_arg(is_min ? "arg_min" : "arg_max", x, 1, 0, 0, 3, o, &err), ep);
        int64_t bad = 0;
        for (int64_t a = 0; a < d[0]; a++)
            for (int64_t b = 0; b < d[2]; b++) {
                int64_t best = 0;
                for (int64_t k = 1; k < d[1]; k++) {
                    float v = xv[(a * d[1] + k) * d[2] + b], w = xv[(a * d[1] + best) * d[2] + b];
                    if (is_min ? v < w : v > w)
                        best = k;
                }
                bad += ((int64_t *)o->data)[a * d[2] + b] != best;
            }
        CHECK(bad == 0);
        pdst_release_kept();
    }
}

/* ---- cumsum (issue 12) ------------------------------------------------------ */

/* Paddle's CPU cumsum adds in the element type, one element after the other
 * (the fixture op_cumsum matches a sequential float32 scan bit for bit); the
 * values here make every other order round differently. */
static void test_cumsum(void)
{
    pds_error err = {0}, *ep = &err;
    const float xv[6] = {1e8f, 1.0f, -1e8f, 1.0f, 0.5f, 3.0f};
    pdsi_tensor *x = pdst_mk(PDS_FLOAT32, 2, DIMS(1, 6), xv);
    struct {
        int exclusive, reverse;
        float want[6];
    } rows[] = {
        /* 1e8 + 1 rounds to 1e8 in float32 */
        {0, 0, {1e8f, 1e8f, 0.0f, 1.0f, 1.5f, 4.5f}},
        {1, 0, {0.0f, 1e8f, 1e8f, 0.0f, 1.0f, 1.5f}},
        /* 4.5 - 1e8 rounds to -99999992, and so does that + 1 */
        {0, 1, {8.0f, -99999992.0f, -99999992.0f, 4.5f, 3.5f, 3.0f}},
        {1, 1, {-99999992.0f, -99999992.0f, 4.5f, 3.5f, 3.0f, 0.0f}},
    };
    for (size_t r = 0; r < sizeof rows / sizeof rows[0]; r++) {
        pdsi_tensor *o = pdst_mk_out();
        CHECK_OK(pdst_run_op1("cumsum",
                              ATTRS(pdst_attr_int("axis", -1), pdst_attr_bool("flatten", 0),
                                    pdst_attr_bool("exclusive", rows[r].exclusive),
                                    pdst_attr_bool("reverse", rows[r].reverse)),
                              (pdsi_tensor *[]){x}, 1, (pdsi_tensor *[]){o}, 1, &err),
                 ep);
        CHECK_SHAPE(o, PDS_FLOAT32, 2, DIMS(1, 6));
        if (memcmp(o->data, rows[r].want, sizeof rows[r].want) != 0)
            PDST_FAIL("cumsum exclusive=%d reverse=%d: got %.9g %.9g %.9g %.9g %.9g %.9g",
                      rows[r].exclusive, rows[r].reverse, ((float *)o->data)[0],
                      ((float *)o->data)[1], ((float *)o->data)[2], ((float *)o->data)[3],
                      ((float *)o->data)[4], ((float *)o->data)[5]);
    }
    /* int64 along axis 0 of [3,2], flatten of int32 [2,2], int64 wrapping */
    pdsi_tensor *o = pdst_mk_out();
    CHECK_OK(pdst_run_op1("cumsum", ATTRS(pdst_attr_int("axis", -2)),
                          (pdsi_tensor *[]){pdst_mk(PDS_INT64, 2, DIMS(3, 2),
                                                    (int64_t[]){1, 2, 3, 4, INT64_MAX, 6})},
                          1, (pdsi_tensor *[]){o}, 1, &err),
             ep);
    CHECK_SHAPE(o, PDS_INT64, 2, DIMS(3, 2));
    {
        const int64_t *d = o->data;
        CHECK(d[0] == 1 && d[1] == 2 && d[2] == 4 && d[3] == 6 && d[4] == INT64_MIN + 3 &&
              d[5] == 12);
    }
    o = pdst_mk_out();
    CHECK_OK(pdst_run_op1("cumsum", ATTRS(pdst_attr_int("axis", 0), pdst_attr_bool("flatten", 1)),
                          (pdsi_tensor *[]){pdst_mk(PDS_INT32, 2, DIMS(2, 2),
                                                    (int32_t[]){1, 2, 3, 4})},
                          1, (pdsi_tensor *[]){o}, 1, &err),
             ep);
    CHECK_SHAPE(o, PDS_INT32, 1, DIMS(4));
    CHECK(memcmp(o->data, (int32_t[]){1, 3, 6, 10}, 16) == 0);
    /* errors: axis out of range, axis with flatten beyond the 1-D result, dtype */
    CHECK_STATUS(pdst_run_op1("cumsum", ATTRS(pdst_attr_int("axis", 2)), (pdsi_tensor *[]){x}, 1,
                              (pdsi_tensor *[]){pdst_mk_out()}, 1, &err),
                 PDS_ERR_SHAPE, ep);
    CHECK_MSG(err, "cumsum: axis 2 is out of range for X [1,6] of rank 2");
    CHECK_STATUS(pdst_run_op1("cumsum",
                              ATTRS(pdst_attr_int("axis", 1), pdst_attr_bool("flatten", 1)),
                              (pdsi_tensor *[]){x}, 1, (pdsi_tensor *[]){pdst_mk_out()}, 1, &err),
                 PDS_ERR_SHAPE, ep);
    CHECK_MSG(err, "expected 0 or -1");
    CHECK_STATUS(pdst_run_op1("cumsum", ATTRS(pdst_attr_int("axis", 0)),
                              (pdsi_tensor *[]){pdst_mk(PDS_BOOL, 1, DIMS(2), NULL)}, 1,
                              (pdsi_tensor *[]){pdst_mk_out()}, 1, &err),
                 PDS_ERR_DTYPE, ep);
    CHECK_MSG(err, "expected float32, float64, int32 or int64");
}


/* ---- p_norm (issue 12) ----------------------------------------------------- */

static void test_p_norm(void)
{
    pds_error err = {0};
    /* x[2,3,4] = arange(24) - 10; values from Paddle 3.3.1's p_norm on CPU */
    float xv[24];
    for (int i = 0; i < 24; i++)
        xv[i] = (float)(i - 10);
    pdsi_tensor *x = pdst_mk(PDS_FLOAT32, 3, DIMS(2, 3, 4), xv);
    pdsi_tensor *o = pdst_mk_out();
    CHECK_OK(pdst_run_op1("p_norm", ATTRS(pdst_attr_float("porder", 0.0), pdst_attr_int("axis", 1)),
                          (pdsi_tensor *[]){x}, 1, (pdsi_tensor *[]){o}, 1, &err),
             &err);
    CHECK_SHAPE(o, PDS_FLOAT32, 2, DIMS(2, 4));
    pdst_check_close("p_norm 0", o->data, (const float[]){3, 3, 2, 3, 3, 3, 3, 3}, 8, 0, 0);
    o = pdst_mk_out();
    CHECK_OK(pdst_run_op1("p_norm",
                          ATTRS(pdst_attr_float("porder", INFINITY), pdst_attr_int("axis", 1)),
                          (pdsi_tensor *[]){x}, 1, (pdsi_tensor *[]){o}, 1, &err),
             &err);
    pdst_check_close("p_norm inf", o->data, (const float[]){10, 9, 8, 7, 10, 11, 12, 13}, 8, 0, 0);
    o = pdst_mk_out();
    CHECK_OK(pdst_run_op1("p_norm",
                          ATTRS(pdst_attr_float("porder", -INFINITY), pdst_attr_int("axis", 2),
                                pdst_attr_bool("keepdim", 1)),
                          (pdsi_tensor *[]){x}, 1, (pdsi_tensor *[]){o}, 1, &err),
             &err);
    CHECK_SHAPE(o, PDS_FLOAT32, 3, DIMS(2, 3, 1));
    pdst_check_close("p_norm -inf", o->data, (const float[]){7, 3, 0, 2, 6, 10}, 6, 0, 0);
    o = pdst_mk_out();
    CHECK_OK(pdst_run_op1("p_norm", ATTRS(pdst_attr_float("porder", 3.0), pdst_attr_int("axis", 0)),
                          (pdsi_tensor *[]){x}, 1, (pdsi_tensor *[]){o}, 1, &err),
             &err);
    pdst_check_close("p_norm 3", o->data,
                     (const float[]){10.026596069335938f, 9.10976791381836f, 8.320335388183594f,
                                     7.763936519622803f, 7.5595269203186035f, 7.763936519622803f,
                                     8.320335388183594f, 9.10976791381836f, 10.026597023010254f,
                                     11.002755165100098f, 12.000000953674316f, 13.001973152160645f},
                     12, PDST_ATOL, PDST_RTOL);
    /* asvector: 0-D, or all 1s with keepdim */
    o = pdst_mk_out();
    CHECK_OK(pdst_run_op1("p_norm", ATTRS(pdst_attr_bool("asvector", 1)), (pdsi_tensor *[]){x},
                          1, (pdsi_tensor *[]){o}, 1, &err),
             &err);
    CHECK_SHAPE(o, PDS_FLOAT32, 0, DIMS(0));
    pdst_check_close("p_norm asvector", o->data, (const float[]){(float)sqrt(1204.0)}, 1,
                     PDST_ATOL, PDST_RTOL);
    o = pdst_mk_out();
    CHECK_OK(pdst_run_op1("p_norm", ATTRS(pdst_attr_bool("asvector", 1), pdst_attr_bool("keepdim", 1)),
                          (pdsi_tensor *[]){x}, 1, (pdsi_tensor *[]){o}, 1, &err),
             &err);
    CHECK_SHAPE(o, PDS_FLOAT32, 3, DIMS(1, 1, 1));
    CHECK_STATUS(pdst_run_op1("p_norm", ATTRS(pdst_attr_int("axis", 3)), (pdsi_tensor *[]){x}, 1,
                              (pdsi_tensor *[]){pdst_mk_out()}, 1, &err),
                 PDS_ERR_SHAPE, &err);
    CHECK_MSG(err, "p_norm: axis 3 is out of range for X [2,3,4] of rank 3");
}

int main(void)
{
    RUN_TEST(test_reduce_paddle);
    RUN_TEST(test_reduce_errors);
    RUN_TEST(test_reduce_all_any);
    RUN_TEST(test_reduce_all_subsets);
    RUN_TEST(test_reduce_long_sum);
    RUN_TEST(test_arg);
    RUN_TEST(test_arg_random);
    RUN_TEST(test_cumsum);
    RUN_TEST(test_p_norm);
    return pdst_summary();
}
