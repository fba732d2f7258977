/*
 * test_ops_index.c — the index family (lookup_table_v2, one_hot_v2, range,
 * linspace, fill_constant_batch_size_like, meshgrid, roll, set_value) through
 * the real parse -> infer -> kernel path.
 *
 * Expected values are Paddle's: printed by the paddlepaddle 3.3.1 wheel on
 * CPU (paddle.nn.functional.embedding / one_hot, paddle.arange, linspace,
 * meshgrid, roll, and `y[...] = v` on a tensor, which runs the same phi
 * kernels as the legacy operators), copied here as literals. Float values
 * are compared exactly: range accumulates in the output type and linspace
 * computes from both ends, and the bits show it. The fixture op_index runs
 * the same operators as whole programs, in both formats, against Paddle
 * Inference. Error cases check the exact status and message: a token id or
 * class out of range is an error naming it, never a read outside the table.
 */
#include <float.h>
#include <math.h>
#include <stdint.h>

#include "harness.h"
#include "ops/index.h"
#include "ops/shape.h"

#define DIMS(...) ((const int64_t[]){__VA_ARGS__})
#define NARGS(T, ...) ((int)(sizeof((T[]){__VA_ARGS__}) / sizeof(T)))
#define ATTRS(...) ((const pdsi_attr[]){__VA_ARGS__}), NARGS(pdsi_attr, __VA_ARGS__)
#define NOATTRS NULL, 0
#define INTS(name, ...) pdst_attr_ints(name, (const int64_t[]){__VA_ARGS__}, NARGS(int64_t, __VA_ARGS__))
#define NOINTS(name) pdst_attr_ints(name, NULL, 0)
#define FLOATS(name, ...)                                                                     \
    pdst_attr_floats(name, (const double[]){__VA_ARGS__}, NARGS(double, __VA_ARGS__))
#define VI32(...) pdst_mk(PDS_INT32, 1, DIMS(NARGS(int32_t, __VA_ARGS__)), (const int32_t[]){__VA_ARGS__})
#define VI64(...) pdst_mk(PDS_INT64, 1, DIMS(NARGS(int64_t, __VA_ARGS__)), (const int64_t[]){__VA_ARGS__})
#define VF32(...) pdst_mk(PDS_FLOAT32, 1, DIMS(NARGS(float, __VA_ARGS__)), (const float[]){__VA_ARGS__})
#define SF32(v) pdst_mk(PDS_FLOAT32, 1, DIMS(1), (const float[]){v})
#define SF64(v) pdst_mk(PDS_FLOAT64, 1, DIMS(1), (const double[]){v})
#define SI32(v) pdst_mk(PDS_INT32, 1, DIMS(1), (const int32_t[]){v})
#define SI64(v) pdst_mk(PDS_INT64, 1, DIMS(1), (const int64_t[]){v})

/* Exact comparison: floats by value and sign of zero, integers by bytes. */
static void check_data_(const char *file, int line, const pdsi_tensor *t, const void *want,
                        int64_t n)
{
    if (pdsi_tensor_numel(t) != n) {
        fprintf(stderr, "%s:%d: %lld elements, want %lld\n", file, line,
                (long long)pdsi_tensor_numel(t), (long long)n);
        pdst_failures++;
        return;
    }
    int bad = 0;
    for (int64_t i = 0; i < n && bad < 5; i++) {
        bool ok;
        if (pdsi_dtype_is_float(t->dtype)) {
            double a = pdsi_elem_get_f64(t->data, t->dtype, i);
            double b = pdsi_elem_get_f64(want, t->dtype, i);
            ok = a == b && signbit(a) == signbit(b);
            if (!ok)
                fprintf(stderr, "%s:%d: element %lld: got %.9g, want %.9g\n", file, line,
                        (long long)i, a, b);
        } else {
            ok = pdsi_elem_get_i64(t->data, t->dtype, i) == pdsi_elem_get_i64(want, t->dtype, i);
            if (!ok)
                fprintf(stderr, "%s:%d: element %lld: got %lld, want %lld\n", file, line,
                        (long long)i, (long long)pdsi_elem_get_i64(t->data, t->dtype, i),
                        (long long)pdsi_elem_get_i64(want, t->dtype, i));
        }
        bad += !ok;
    }
    pdst_failures += bad;
}
#define CHECK_DATA(t, want, n) check_data_(__FILE__, __LINE__, t, want, n)

/* The exact status and message of a failing run. */
#define CHECK_FAILS(expr, status, msg)                                                        \
    do {                                                                                      \
        pds_error e_ = {0};                                                                   \
        pds_error *fe = &e_;                                                                  \
        CHECK_STATUS((expr), status, fe);                                                     \
        if (strcmp(e_.message, msg) != 0)                                                     \
            PDST_FAIL("message '%s', expected '%s'", e_.message, msg);                       \
    } while (0)

static pdsi_tensor *arange_f32(int rank, const int64_t *dims)
{
    pdsi_tensor *t = pdst_mk(PDS_FLOAT32, rank, dims, NULL);
    for (int64_t i = 0; i < pdsi_tensor_numel(t); i++)
        ((float *)t->data)[i] = (float)i;
    return t;
}

static pdsi_tensor *arange_i64(int rank, const int64_t *dims)
{
    pdsi_tensor *t = pdst_mk(PDS_INT64, rank, dims, NULL);
    for (int64_t i = 0; i < pdsi_tensor_numel(t); i++)
        ((int64_t *)t->data)[i] = i;
    return t;
}

/* ---- lookup_table_v2 ------------------------------------------------------- */

static void test_embedding(void)
{
    pds_error err = {0}, *ep = &err;
    pdsi_tensor *w = arange_f32(2, DIMS(4, 2));
    pdsi_tensor *o = pdst_mk_out();
    /* F.embedding(int32 [[0,3],[1,3]], arange(8).reshape(4,2), padding_idx=3) */
    CHECK_OK(pdst_run_op1("lookup_table_v2", ATTRS(pdst_attr_int("padding_idx", 3)),
                          (pdsi_tensor *[]){pdst_mk(PDS_INT32, 2, DIMS(2, 2),
                                                    (const int32_t[]){0, 3, 1, 3}), w},
                          2, (pdsi_tensor *[]){o}, 1, &err),
             ep);
    CHECK_SHAPE(o, PDS_FLOAT32, 3, DIMS(2, 2, 2));
    CHECK_DATA(o, ((const float[]){0, 1, 0, 0, 2, 3, 0, 0}), 8);
    /* int64 ids, no padding (-1): every id is a row; 0-D ids give [width] */
    o = pdst_mk_out();
    CHECK_OK(pdst_run_op1("lookup_table_v2", ATTRS(pdst_attr_int("padding_idx", -1)),
                          (pdsi_tensor *[]){VI64(3, 3, 0), w}, 2, (pdsi_tensor *[]){o}, 1, &err),
             ep);
    CHECK_SHAPE(o, PDS_FLOAT32, 2, DIMS(3, 2));
    CHECK_DATA(o, ((const float[]){6, 7, 6, 7, 0, 1}), 6);
    o = pdst_mk_out();
    CHECK_OK(pdst_run_op1("lookup_table_v2", NOATTRS,
                          (pdsi_tensor *[]){pdst_mk(PDS_INT64, 0, DIMS(0), (const int64_t[]){2}),
                                            w},
                          2, (pdsi_tensor *[]){o}, 1, &err),
             ep);
    CHECK_SHAPE(o, PDS_FLOAT32, 1, DIMS(2));
    CHECK_DATA(o, ((const float[]){4, 5}), 2);
    /* empty ids: an empty output */
    o = pdst_mk_out();
    CHECK_OK(pdst_run_op1("lookup_table_v2", NOATTRS,
                          (pdsi_tensor *[]){pdst_mk(PDS_INT64, 2, DIMS(0, 3), NULL), w}, 2,
                          (pdsi_tensor *[]){o}, 1, &err),
             ep);
    CHECK_SHAPE(o, PDS_FLOAT32, 3, DIMS(0, 3, 2));
    /* Out of range: Paddle's CPU kernel reads outside W for a negative id
     * (garbage in the output); pdsafe refuses it, and a too-large one, by
     * element. */
    CHECK_FAILS(pdst_run_op1("lookup_table_v2", ATTRS(pdst_attr_int("padding_idx", -1)),
                             (pdsi_tensor *[]){VI64(0, -1), w}, 2,
                             (pdsi_tensor *[]){pdst_mk_out()}, 1, fe),
                PDS_ERR_SHAPE,
                "lookup_table_v2: Ids element 1 is -1, out of range for W with 4 rows: expected "
                "a value in [0, 4)");
    CHECK_FAILS(pdst_run_op1("lookup_table_v2", ATTRS(pdst_attr_int("padding_idx", 0)),
                             (pdsi_tensor *[]){VI32(1, 2, 4), w}, 2,
                             (pdsi_tensor *[]){pdst_mk_out()}, 1, fe),
                PDS_ERR_SHAPE,
                "lookup_table_v2: Ids element 2 is 4, out of range for W with 4 rows: expected "
                "a value in [0, 4) or padding_idx");
    CHECK_FAILS(pdst_run_op1("lookup_table_v2", NOATTRS,
                             (pdsi_tensor *[]){VF32(1), w}, 2, (pdsi_tensor *[]){pdst_mk_out()},
                             1, fe),
                PDS_ERR_DTYPE, "lookup_table_v2: input 'Ids' is float32, expected int32 or int64");
    CHECK_FAILS(pdst_run_op1("lookup_table_v2", NOATTRS,
                             (pdsi_tensor *[]){VI64(0), arange_f32(1, DIMS(4))}, 2,
                             (pdsi_tensor *[]){pdst_mk_out()}, 1, fe),
                PDS_ERR_SHAPE, "lookup_table_v2: input 'W' has shape [4], expected [rows, width]");
}

/* ---- one_hot_v2 ------------------------------------------------------------ */

static void test_one_hot(void)
{
    pds_error err = {0}, *ep = &err;
    pdsi_tensor *o = pdst_mk_out();
    /* F.one_hot(int32 [0,2,1], 3) */
    CHECK_OK(pdst_run_op1("one_hot_v2", ATTRS(pdst_attr_int("depth", 3)),
                          (pdsi_tensor *[]){VI32(0, 2, 1), NULL}, 2, (pdsi_tensor *[]){o}, 1,
                          &err),
             ep);
    CHECK_SHAPE(o, PDS_FLOAT32, 2, DIMS(3, 3));
    CHECK_DATA(o, ((const float[]){1, 0, 0, 0, 0, 1, 0, 1, 0}), 9);
    /* depth_tensor wins over the attribute; dtype int64 (VarType 3) */
    o = pdst_mk_out();
    CHECK_OK(pdst_run_op1("one_hot_v2", ATTRS(pdst_attr_int("depth", 9), pdst_attr_int("dtype", 3)),
                          (pdsi_tensor *[]){pdst_mk(PDS_INT64, 2, DIMS(2, 1),
                                                    (const int64_t[]){1, 0}),
                                            SI32(2)},
                          2, (pdsi_tensor *[]){o}, 1, &err),
             ep);
    CHECK_SHAPE(o, PDS_INT64, 3, DIMS(2, 1, 2));
    CHECK_DATA(o, ((const int64_t[]){0, 1, 1, 0}), 4);
    /* allow_out_of_range: a row of zeros (the legacy attribute) */
    o = pdst_mk_out();
    CHECK_OK(pdst_run_op1("one_hot_v2",
                          ATTRS(pdst_attr_int("depth", 2), pdst_attr_bool("allow_out_of_range", 1)),
                          (pdsi_tensor *[]){VI64(5, 1), NULL}, 2, (pdsi_tensor *[]){o}, 1, &err),
             ep);
    CHECK_DATA(o, ((const float[]){0, 0, 0, 1}), 4);
    /* Paddle: "Input(input) value should be less than Input(depth)" */
    CHECK_FAILS(pdst_run_op1("one_hot_v2", ATTRS(pdst_attr_int("depth", 3)),
                             (pdsi_tensor *[]){VI64(0, 5), NULL}, 2,
                             (pdsi_tensor *[]){pdst_mk_out()}, 1, fe),
                PDS_ERR_SHAPE,
                "one_hot_v2: X element 1 is 5, out of range for depth 3: expected a value in "
                "[0, 3)");
    CHECK_FAILS(pdst_run_op1("one_hot_v2", ATTRS(pdst_attr_int("depth", 3)),
                             (pdsi_tensor *[]){VI64(-1), NULL}, 2,
                             (pdsi_tensor *[]){pdst_mk_out()}, 1, fe),
                PDS_ERR_SHAPE,
                "one_hot_v2: X element 0 is -1, out of range for depth 3: expected a value in "
                "[0, 3)");
    CHECK_FAILS(pdst_run_op1("one_hot_v2", ATTRS(pdst_attr_int("depth", 0)),
                             (pdsi_tensor *[]){VI64(0), NULL}, 2,
                             (pdsi_tensor *[]){pdst_mk_out()}, 1, fe),
                PDS_ERR_SHAPE, "one_hot_v2: depth is 0, expected at least 1");
}

/* ---- range, linspace ------------------------------------------------------- */

static void run_seq(const char *type, const pdsi_attr *attrs, int n_attrs, pdsi_tensor *a,
                    pdsi_tensor *b, pdsi_tensor *c, pdsi_tensor *o)
{
    pds_error err = {0}, *ep = &err;
    CHECK_OK(pdst_run_op1(type, attrs, n_attrs, (pdsi_tensor *[]){a, b, c}, 3,
                          (pdsi_tensor *[]){o}, 1, &err),
             ep);
}

static void test_range(void)
{
    pdsi_tensor *o = pdst_mk_out();
    /* paddle.arange(5, -3, -2, dtype int32): legacy range takes Start's dtype */
    run_seq("range", NOATTRS, SI32(5), SI32(-3), SI32(-2), o);
    CHECK_SHAPE(o, PDS_INT32, 1, DIMS(4));
    CHECK_DATA(o, ((const int32_t[]){5, 3, 1, -1}), 4);
    /* arange(0.1, 2.0, 0.3, float32): accumulated, 0.7000000477 and 1.8999999 */
    o = pdst_mk_out();
    run_seq("range", NOATTRS, SF32(0.1f), SF32(2.0f), SF32(0.3f), o);
    CHECK_SHAPE(o, PDS_FLOAT32, 1, DIMS(7));
    CHECK_DATA(o, ((const float[]){0.10000000149011612f, 0.4000000059604645f,
                                   0.7000000476837158f, 1.0f, 1.2999999523162842f,
                                   1.5999999046325684f, 1.8999998569488525f}),
               7);
    o = pdst_mk_out();
    run_seq("range", NOATTRS, SF64(1.0), SF64(0.0), SF64(-0.25), o);
    CHECK_DATA(o, ((const double[]){1.0, 0.75, 0.5, 0.25}), 4);
    /* PIR's arange names the dtype: float64 operands, int64 out (truncated) */
    o = pdst_mk_out();
    run_seq("range", ATTRS(pdst_attr_int("dtype", 3)), SF64(0.5), SF64(7.9), SF64(2.5), o);
    CHECK_SHAPE(o, PDS_INT64, 1, DIMS(4));
    CHECK_DATA(o, ((const int64_t[]){0, 2, 4, 6}), 4);
    /* a step pointing away from End: empty, as Paddle's GetSize */
    o = pdst_mk_out();
    run_seq("range", NOATTRS, SI64(0), SI64(5), SI64(-1), o);
    CHECK_SHAPE(o, PDS_INT64, 1, DIMS(0));
    CHECK_FAILS(pdst_run_op1("range", NOATTRS, (pdsi_tensor *[]){SI64(0), SI64(5), SI64(0)}, 3,
                             (pdsi_tensor *[]){pdst_mk_out()}, 1, fe),
                PDS_ERR_SHAPE, "range: input 'Step' is 0, expected a non-zero step");
    CHECK_FAILS(pdst_run_op1("range", NOATTRS,
                             (pdsi_tensor *[]){SF32(0), SF32(INFINITY), SF32(1)}, 3,
                             (pdsi_tensor *[]){pdst_mk_out()}, 1, fe),
                PDS_ERR_SHAPE, "range: start 0 and end inf must be finite");
    CHECK_FAILS(pdst_run_op1("range", NOATTRS,
                             (pdsi_tensor *[]){SI64(0), VI64(1, 2), SI64(1)}, 3,
                             (pdsi_tensor *[]){pdst_mk_out()}, 1, fe),
                PDS_ERR_SHAPE, "range: input 'End' has shape [2], expected one element");
    /* an int64 range whose size would wrap */
    CHECK_FAILS(pdst_run_op1("range", NOATTRS,
                             (pdsi_tensor *[]){SI64(INT64_MIN), SI64(INT64_MAX), SI64(1)}, 3,
                             (pdsi_tensor *[]){pdst_mk_out()}, 1, fe),
                PDS_ERR_SHAPE,
                "range: -9223372036854775808 to 9223372036854775807 by 1 has too many elements");
}

static void test_linspace(void)
{
    pdsi_tensor *o = pdst_mk_out();
    /* paddle.linspace(-1.3, 2.9, 11): float32 from both ends */
    run_seq("linspace", ATTRS(pdst_attr_int("dtype", 5)), SF32(-1.3f), SF32(2.9f), SI32(11), o);
    CHECK_SHAPE(o, PDS_FLOAT32, 1, DIMS(11));
    CHECK_DATA(o, ((const float[]){-1.2999999523162842f, -0.8799999952316284f,
                                   -0.4599999785423279f, -0.039999961853027344f,
                                   0.3799999952316284f, 0.8000001907348633f, 1.220000147819519f,
                                   1.6400001049041748f, 2.06000018119812f, 2.4800000190734863f,
                                   2.9000000953674316f}),
               11);
    /* integers: in double, truncated: [0,3,6,10] and [7,3,0,-3] */
    o = pdst_mk_out();
    run_seq("linspace", ATTRS(pdst_attr_int("dtype", 3)), SI64(0), SI64(10), SI32(4), o);
    CHECK_DATA(o, ((const int64_t[]){0, 3, 6, 10}), 4);
    o = pdst_mk_out();
    run_seq("linspace", ATTRS(pdst_attr_int("dtype", 3)), SF32(7), SF32(-3), SI64(4), o);
    CHECK_DATA(o, ((const int64_t[]){7, 3, 0, -3}), 4);
    /* one point is Start; zero points an empty tensor (Paddle 3.3 allows it) */
    o = pdst_mk_out();
    run_seq("linspace", NOATTRS, SF32(2.5f), SF32(9), SI32(1), o);
    CHECK_DATA(o, ((const float[]){2.5f}), 1);
    o = pdst_mk_out();
    run_seq("linspace", NOATTRS, SF32(0), SF32(1), SI32(0), o);
    CHECK_SHAPE(o, PDS_FLOAT32, 1, DIMS(0));
    CHECK_FAILS(pdst_run_op1("linspace", NOATTRS, (pdsi_tensor *[]){SF32(0), SF32(1), SI32(-2)},
                             3, (pdsi_tensor *[]){pdst_mk_out()}, 1, fe),
                PDS_ERR_SHAPE, "linspace: input 'Num' is -2, expected a count >= 0");
    CHECK_FAILS(pdst_run_op1("linspace", NOATTRS, (pdsi_tensor *[]){SF32(0), SF32(1), SF32(3)},
                             3, (pdsi_tensor *[]){pdst_mk_out()}, 1, fe),
                PDS_ERR_DTYPE, "linspace: input 'Num' is float32, expected int32 or int64");
}

/* ---- fill_constant_batch_size_like, meshgrid -------------------------------- */

static void test_fill_bsl_meshgrid(void)
{
    pds_error err = {0}, *ep = &err;
    /* Input's data is never read (dims only) */
    pdsi_tensor *in = pdst_mk(PDS_FLOAT32, 2, DIMS(5, 2), NULL);
    pdsi_tensor *o = pdst_mk_out();
    CHECK_OK(pdst_run_op1("fill_constant_batch_size_like",
                          ATTRS(INTS("shape", 2, 3, -1), pdst_attr_int("dtype", 2),
                                pdst_attr_float("value", 2.75), pdst_attr_int("input_dim_idx", 1),
                                pdst_attr_int("output_dim_idx", 2)),
                          (pdsi_tensor *[]){in}, 1, (pdsi_tensor *[]){o}, 1, &err),
             ep);
    CHECK_SHAPE(o, PDS_INT32, 3, DIMS(2, 3, 2));
    CHECK_DATA(o, ((const int32_t[]){2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2}), 12);
    o = pdst_mk_out();
    CHECK_OK(pdst_run_op1("fill_constant_batch_size_like",
                          ATTRS(INTS("shape", -1, 1), pdst_attr_str("str_value", "-inf")),
                          (pdsi_tensor *[]){in}, 1, (pdsi_tensor *[]){o}, 1, &err),
             ep);
    CHECK_SHAPE(o, PDS_FLOAT32, 2, DIMS(5, 1));
    CHECK_DATA(o, ((const float[]){-INFINITY, -INFINITY, -INFINITY, -INFINITY, -INFINITY}), 5);
    CHECK_FAILS(pdst_run_op1("fill_constant_batch_size_like",
                             ATTRS(INTS("shape", -1, 3), pdst_attr_int("input_dim_idx", 2)),
                             (pdsi_tensor *[]){in}, 1, (pdsi_tensor *[]){pdst_mk_out()}, 1, fe),
                PDS_ERR_SHAPE,
                "fill_constant_batch_size_like: input_dim_idx 2 is not a dim of Input [5,2]");
    CHECK_FAILS(pdst_run_op1("fill_constant_batch_size_like",
                             ATTRS(INTS("shape", -1, -1)),
                             (pdsi_tensor *[]){in}, 1, (pdsi_tensor *[]){pdst_mk_out()}, 1, fe),
                PDS_ERR_MODEL_FORMAT,
                "attribute 'shape' entry 1 is -1, expected a size >= 0 (only output_dim_idx 0 "
                "comes from Input)");

    /* paddle.meshgrid(int32 [1,2], [3,4,5], 0-D 9): three [2,3,1] grids */
    pdsi_tensor *a = VI32(1, 2), *b = VI32(3, 4, 5);
    pdsi_tensor *c = pdst_mk(PDS_INT32, 0, DIMS(0), (const int32_t[]){9});
    pdsi_tensor *o0 = pdst_mk_out(), *o1 = pdst_mk_out(), *o2 = pdst_mk_out();
    pdsi_slot ins[1] = {{(pdsi_tensor *[]){a, b, c}, 3}};
    pdsi_slot outs[1] = {{(pdsi_tensor *[]){o0, o1, o2}, 3}};
    CHECK_OK(pdst_run_op("meshgrid", NOATTRS, ins, outs, &err), ep);
    CHECK_SHAPE(o0, PDS_INT32, 3, DIMS(2, 3, 1));
    CHECK_DATA(o0, ((const int32_t[]){1, 1, 1, 2, 2, 2}), 6);
    CHECK_DATA(o1, ((const int32_t[]){3, 4, 5, 3, 4, 5}), 6);
    CHECK_DATA(o2, ((const int32_t[]){9, 9, 9, 9, 9, 9}), 6);
    pdsi_slot bad_in[1] = {{(pdsi_tensor *[]){a, VI64(1)}, 2}};
    pdsi_slot bad_out[1] = {{(pdsi_tensor *[]){pdst_mk_out(), pdst_mk_out()}, 2}};
    CHECK_FAILS(pdst_run_op("meshgrid", NOATTRS, bad_in, bad_out, fe), PDS_ERR_DTYPE,
                "meshgrid: input X[1] is int64, expected X[0]'s dtype int32");
}

/* ---- roll ------------------------------------------------------------------ */

static void test_roll(void)
{
    pds_error err = {0}, *ep = &err;
    pdsi_tensor *x = arange_i64(2, DIMS(2, 3));
    pdsi_tensor *o = pdst_mk_out();
    /* paddle.roll(arange(6).reshape(2,3), 7, 1): 7 mod 3 = 1 */
    CHECK_OK(pdst_run_op1("roll", ATTRS(INTS("shifts", 7), INTS("axis", 1)),
                          (pdsi_tensor *[]){x, NULL}, 2, (pdsi_tensor *[]){o}, 1, &err),
             ep);
    CHECK_DATA(o, ((const int64_t[]){2, 0, 1, 5, 3, 4}), 6);
    /* no axis: flat, by -1 */
    o = pdst_mk_out();
    CHECK_OK(pdst_run_op1("roll", ATTRS(INTS("shifts", -1), NOINTS("axis")),
                          (pdsi_tensor *[]){x, NULL}, 2, (pdsi_tensor *[]){o}, 1, &err),
             ep);
    CHECK_DATA(o, ((const int64_t[]){1, 2, 3, 4, 5, 0}), 6);
    /* ShiftsTensor [1, -1] wins over the attribute, axes [0, -1] */
    o = pdst_mk_out();
    CHECK_OK(pdst_run_op1("roll", ATTRS(INTS("shifts", 0, 0), INTS("axis", 0, -1)),
                          (pdsi_tensor *[]){x, VI64(1, -1)}, 2, (pdsi_tensor *[]){o}, 1, &err),
             ep);
    CHECK_DATA(o, ((const int64_t[]){4, 5, 3, 1, 2, 0}), 6);
    /* an empty dim rolls nothing */
    o = pdst_mk_out();
    CHECK_OK(pdst_run_op1("roll", ATTRS(INTS("shifts", 3), INTS("axis", 0)),
                          (pdsi_tensor *[]){pdst_mk(PDS_FLOAT32, 2, DIMS(0, 3), NULL), NULL}, 2,
                          (pdsi_tensor *[]){o}, 1, &err),
             ep);
    CHECK_SHAPE(o, PDS_FLOAT32, 2, DIMS(0, 3));
    CHECK_FAILS(pdst_run_op1("roll", ATTRS(INTS("shifts", 1), INTS("axis", 2)),
                             (pdsi_tensor *[]){x, NULL}, 2, (pdsi_tensor *[]){pdst_mk_out()}, 1,
                             fe),
                PDS_ERR_SHAPE, "roll: axis 2 is out of range for X [2,3] of rank 2");
    CHECK_FAILS(pdst_run_op1("roll", ATTRS(INTS("shifts", 1, 2), NOINTS("axis")),
                             (pdsi_tensor *[]){x, NULL}, 2, (pdsi_tensor *[]){pdst_mk_out()}, 1,
                             fe),
                PDS_ERR_SHAPE,
                "roll: 2 shifts without an axis, expected one (the tensor is rolled as if flat)");
    CHECK_FAILS(pdst_run_op1("roll", ATTRS(INTS("shifts", 1), INTS("axis", 0, 1)),
                             (pdsi_tensor *[]){x, NULL}, 2, (pdsi_tensor *[]){pdst_mk_out()}, 1,
                             fe),
                PDS_ERR_SHAPE, "roll: 1 shifts for 2 axes, expected one per axis");
}

/* ---- set_value ------------------------------------------------------------- */

/* Runs set_value on x with a ValueTensor (or none) and attributes; no lists. */
static pds_status sv(pdsi_tensor *x, pdsi_tensor *v, const pdsi_attr *at, int n_at,
                     pdsi_tensor *o, pds_error *fe)
{
    return pdst_run_op1("set_value", at, n_at, (pdsi_tensor *[]){x, v, NULL, NULL, NULL}, 5,
                        (pdsi_tensor *[]){o}, 1, fe);
}

static void test_set_value(void)
{
    pds_error err = {0}, *ep = &err;
    pdsi_tensor *x = arange_f32(2, DIMS(3, 4));
    /* y[:, -1:-5:-1] = [10, 20, 30, 40]: a negative step over the whole dim */
    pdsi_tensor *o = pdst_mk_out();
    CHECK_OK(sv(x, VF32(10, 20, 30, 40),
                ATTRS(INTS("axes", 1), INTS("starts", -1), INTS("ends", -5), INTS("steps", -1)),
                o, &err),
             ep);
    CHECK_DATA(o, ((const float[]){40, 30, 20, 10, 40, 30, 20, 10, 40, 30, 20, 10}), 12);
    /* y[:, 5::2] = 1.0: an empty slice changes nothing */
    o = pdst_mk_out();
    CHECK_OK(sv(x, NULL,
                ATTRS(INTS("axes", 1), INTS("starts", 5), INTS("ends", 2147483647),
                      INTS("steps", 2), INTS("shape", 1), FLOATS("values", 1.0)),
                o, &err),
             ep);
    CHECK_DATA(o, ((const float[]){0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11}), 12);
    /* y[1:, 1::2] = [[7], [8]]: a value broadcast along the last dim */
    o = pdst_mk_out();
    CHECK_OK(sv(x, pdst_mk(PDS_FLOAT32, 2, DIMS(2, 1), (const float[]){7, 8}),
                ATTRS(INTS("axes", 0, 1), INTS("starts", 1, 1), INTS("ends", 3, 4),
                      INTS("steps", 1, 2)),
                o, &err),
             ep);
    CHECK_DATA(o, ((const float[]){0, 1, 2, 3, 4, 7, 6, 7, 8, 8, 10, 8}), 12);
    /* y[::-2, 0] = [-1, -2]: negative step and a decrease axis */
    o = pdst_mk_out();
    CHECK_OK(sv(x, VF32(-1, -2),
                ATTRS(INTS("axes", 0, 1), INTS("starts", -1, 0), INTS("ends", -2147483648LL, 1),
                      INTS("steps", -2, 1), INTS("decrease_axes", 1)),
                o, &err),
             ep);
    CHECK_DATA(o, ((const float[]){-2, 1, 2, 3, 4, 5, 6, 7, -1, 9, 10, 11}), 12);
    /* int64 values into an int64 tensor through the lists: xi[:, -2:] = 7 */
    o = pdst_mk_out();
    CHECK_OK(pdst_run_op1("set_value",
                          ATTRS(INTS("axes", 1), INTS("shape", 1), INTS("values", 7)),
                          (pdsi_tensor *[]){arange_i64(2, DIMS(2, 3)), NULL, VI64(-2),
                                            VI32(2147483647), NULL},
                          5, (pdsi_tensor *[]){o}, 1, &err),
             ep);
    CHECK_SHAPE(o, PDS_INT64, 2, DIMS(2, 3));
    CHECK_DATA(o, ((const int64_t[]){0, 7, 7, 3, 7, 7}), 6);
    /* none_axes: x[None, 1] = v with v [1, 4] (value rank = slice rank + 1) */
    o = pdst_mk_out();
    CHECK_OK(sv(x, pdst_mk(PDS_FLOAT32, 2, DIMS(1, 4), (const float[]){-1, -2, -3, -4}),
                ATTRS(INTS("axes", 0), INTS("starts", 1), INTS("ends", 2), INTS("steps", 1),
                      INTS("decrease_axes", 0), INTS("none_axes", 0)),
                o, &err),
             ep);
    CHECK_DATA(o, ((const float[]){0, 1, 2, 3, -1, -2, -3, -4, 8, 9, 10, 11}), 12);

    CHECK_FAILS(sv(x, VF32(1, 2, 3),
                   ATTRS(INTS("axes", 1), INTS("starts", 0), INTS("ends", 4), INTS("steps", 1)),
                   pdst_mk_out(), fe),
                PDS_ERR_SHAPE,
                "set_value: value [3] does not broadcast to the slice [3,4] of Input [3,4]");
    CHECK_FAILS(sv(x, VF32(1),
                   ATTRS(INTS("axes", 1), INTS("starts", 0), INTS("ends", 2), INTS("steps", 1),
                         INTS("decrease_axes", 1)),
                   pdst_mk_out(), fe),
                PDS_ERR_SHAPE,
                "set_value: decrease axis 1 is not a dim of size 1 in the slice of Input [3,4]");
    CHECK_FAILS(sv(x, VF32(1),
                   ATTRS(INTS("axes", 1), INTS("starts", 0), INTS("ends", 2), INTS("steps", 0)),
                   pdst_mk_out(), fe),
                PDS_ERR_SHAPE, "set_value: step of axis 1 is 0, expected a non-zero step");
    CHECK_FAILS(sv(x, VI64(1),
                   ATTRS(INTS("axes", 1), INTS("starts", 0), INTS("ends", 2), INTS("steps", 1)),
                   pdst_mk_out(), fe),
                PDS_ERR_DTYPE, "set_value: input 'ValueTensor' is int64, expected Input's dtype "
                "float32");
    CHECK_FAILS(sv(x, NULL,
                   ATTRS(INTS("axes", 2), INTS("starts", 0), INTS("ends", 2), INTS("steps", 1),
                         INTS("shape", 1), FLOATS("values", 1.0)),
                   pdst_mk_out(), fe),
                PDS_ERR_SHAPE, "set_value: axis 2 is out of range for Input [3,4] of rank 2");
    CHECK_FAILS(sv(x, NULL,
                   ATTRS(INTS("axes", 1), INTS("starts", 0), INTS("ends", 2), INTS("steps", 1),
                         INTS("shape", 2), FLOATS("values", 1.0)),
                   pdst_mk_out(), fe),
                PDS_ERR_MODEL_FORMAT,
                "set_value: attribute 'shape' [2] does not hold the 1 values given");
}

int main(void)
{
    RUN_TEST(test_embedding);
    RUN_TEST(test_one_hot);
    RUN_TEST(test_range);
    RUN_TEST(test_linspace);
    RUN_TEST(test_fill_bsl_meshgrid);
    RUN_TEST(test_roll);
    RUN_TEST(test_set_value);
    return pdst_summary();
}
