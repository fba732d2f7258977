/*
 * test_ops_shape.c — the data-movement family (reshape, transpose, flatten,
 * squeeze, unsqueeze, concat, split, stack, slice, strided_slice, shape,
 * fill_constant, fill_any_like, fill_zeros_like, assign, assign_value, cast,
 * expand_v2, expand_as_v2, tile, gather, index_select, gather_nd,
 * take_along_axis) through the real parse -> infer -> kernel path. The issue
 * 12 ops are checked against values from first principles (numpy semantics);
 * their fixtures op_expand and op_gather check them against Paddle.
 *
 * Expected values come from Paddle itself (the arrays below, generated once
 * with the paddlepaddle 3.3.1 wheel by running each legacy operator in a
 * static Program) or, for the larger randomised cases, from naive
 * implementations written here independently of the kernels. Error cases check
 * the exact status and part of the message. A hostile model must get a status,
 * never an out-of-bounds access: the ASan build runs these too.
 */
#include <float.h>
#include <math.h>
#include <stdint.h>

#include "harness.h"
#include "kernels/ref/ref.h"
#include "ops/shape.h"

/* ---- helpers -------------------------------------------------------------- */


static pdsi_tensor *arange(pds_dtype dt, int rank, const int64_t *dims)
{
    pdsi_tensor *t = pdst_mk(dt, rank, dims, NULL);
    for (int64_t i = 0; i < pdsi_tensor_numel(t); i++)
        pdsi_elem_set_i64(t->data, dt, i, i);
    return t;
}

#define DIMS(...) ((const int64_t[]){__VA_ARGS__})
#define NARGS(T, ...) ((int)(sizeof((T[]){__VA_ARGS__}) / sizeof(T)))
#define SL(...) ((pdsi_slot){(pdsi_tensor *[]){__VA_ARGS__}, NARGS(pdsi_tensor *, __VA_ARGS__)})
#define NOSLOT ((pdsi_slot){NULL, 0})
#define ATTRS(...) ((const pdsi_attr[]){__VA_ARGS__}), NARGS(pdsi_attr, __VA_ARGS__)
#define INTS(name, ...) pdst_attr_ints(name, (const int64_t[]){__VA_ARGS__}, NARGS(int64_t, __VA_ARGS__))
#define NOINTS(name) pdst_attr_ints(name, NULL, 0)

static pdsi_tensor *vec_i32(int n, const int32_t *v)
{
    return pdst_mk(PDS_INT32, 1, DIMS(n), v);
}
static pdsi_tensor *vec_i64(int n, const int64_t *v)
{
    return pdst_mk(PDS_INT64, 1, DIMS(n), v);
}
#define VI32(...) vec_i32(NARGS(int32_t, __VA_ARGS__), (const int32_t[]){__VA_ARGS__})
#define VI64(...) vec_i64(NARGS(int64_t, __VA_ARGS__), (const int64_t[]){__VA_ARGS__})

/* Exact comparison: floats by value (NaN equals NaN, the sign of zero
 * counts), everything else by bytes. */
static void check_data_(const char *file, int line, const pdsi_tensor *t, const void *want,
                        int64_t n)
{
    int bad = 0;
    for (int64_t i = 0; i < n && bad < 5; i++) {
        bool ok;
        if (t->dtype == PDS_FLOAT32 || t->dtype == PDS_FLOAT64) {
            double a = pdsi_elem_get_f64(t->data, t->dtype, i);
            double b = pdsi_elem_get_f64(want, t->dtype, i);
            ok = (isnan(a) && isnan(b)) || (a == b && signbit(a) == signbit(b));
            if (!ok)
                fprintf(stderr, "%s:%d: element %lld: got %.9g, want %.9g\n", file, line,
                        (long long)i, a, b);
        } else {
            size_t es = pds_dtype_size(t->dtype);
            ok = memcmp((const char *)t->data + i * es, (const char *)want + i * es, es) == 0;
            if (!ok)
                fprintf(stderr, "%s:%d: element %lld: got %lld, want %lld\n", file, line,
                        (long long)i, (long long)pdsi_elem_get_i64(t->data, t->dtype, i),
                        (long long)pdsi_elem_get_i64(want, t->dtype, i));
        }
        bad += !ok;
    }
    if (bad)
        pdst_failures++;
}
#define CHECK_DATA(t, want, n) check_data_(__FILE__, __LINE__, t, want, n)

static int64_t numel_of(int rank, const int64_t *dims)
{
    int64_t n = 1;
    for (int d = 0; d < rank; d++)
        n *= dims[d];
    return n;
}

/* Output t matches the Paddle-generated array `name` (with name_rank, name_dims). */
#define CHECK_EXPECT(t, dt, name)                                            \
    do {                                                                     \
        CHECK_SHAPE(t, dt, name##_rank, name##_dims);                        \
        if ((t)->rank == name##_rank)                                        \
            CHECK_DATA(t, name, numel_of(name##_rank, name##_dims));         \
    } while (0)

/* The data of a tensor is arange (data movement that only reshapes). */
static void check_arange_(const char *file, int line, const pdsi_tensor *t)
{
    for (int64_t i = 0; i < pdsi_tensor_numel(t); i++)
        if (pdsi_elem_get_i64(t->data, t->dtype, i) != i) {
            fprintf(stderr, "%s:%d: element %lld is %lld, expected %lld\n", file, line,
                    (long long)i, (long long)pdsi_elem_get_i64(t->data, t->dtype, i),
                    (long long)i);
            pdst_failures++;
            return;
        }
}
#define CHECK_ARANGE(t) check_arange_(__FILE__, __LINE__, t)

/* ---- Paddle-computed expectations ----------------------------------------- */

/* Generated with paddlepaddle 3.3.1 (FLAGS_enable_pir_api=0): each array is the output of
 * one legacy operator appended to a static Program and run by paddle.static.Executor on
 * CPU; X = arange(24).reshape(2,3,4) float32 unless noted. */
/* paddle legacy op reshape2(shape=[9, 9]; inputs ShapeTensor) */
static const int rs_svtr_rank = 4;
static const int64_t rs_svtr_dims[] = {2, 1, 2, 120};
/* paddle legacy op transpose2(axis=[2, 0, 1]) */
static const int tr_201_rank = 3;
static const int64_t tr_201_dims[] = {4, 2, 3};
static const float tr_201[] = {0.0f, 4.0f, 8.0f, 12.0f, 16.0f, 20.0f, 1.0f, 5.0f, 9.0f, 13.0f, 17.0f, 21.0f, 2.0f, 6.0f, 10.0f, 14.0f, 18.0f, 22.0f, 3.0f, 7.0f, 11.0f, 15.0f, 19.0f, 23.0f}; /* float32 */
/* paddle legacy op transpose2(axis=[-1, 0, 1]) */
static const int tr_neg_rank = 3;
static const int64_t tr_neg_dims[] = {4, 2, 3};
static const float tr_neg[] = {0.0f, 4.0f, 8.0f, 12.0f, 16.0f, 20.0f, 1.0f, 5.0f, 9.0f, 13.0f, 17.0f, 21.0f, 2.0f, 6.0f, 10.0f, 14.0f, 18.0f, 22.0f, 3.0f, 7.0f, 11.0f, 15.0f, 19.0f, 23.0f}; /* float32 */
/* paddle legacy op transpose2(axis=[0, 2, 3, 1]) */
static const int tr_4d_rank = 4;
static const int64_t tr_4d_dims[] = {2, 4, 5, 3};
static const float tr_4d[] = {0.0f, 20.0f, 40.0f, 1.0f, 21.0f, 41.0f, 2.0f, 22.0f, 42.0f, 3.0f, 23.0f, 43.0f, 4.0f, 24.0f, 44.0f, 5.0f, 25.0f, 45.0f, 6.0f, 26.0f, 46.0f, 7.0f, 27.0f, 47.0f, 8.0f, 28.0f, 48.0f, 9.0f, 29.0f, 49.0f, 10.0f, 30.0f, 50.0f, 11.0f, 31.0f, 51.0f, 12.0f, 32.0f, 52.0f, 13.0f, 33.0f, 53.0f, 14.0f, 34.0f, 54.0f, 15.0f, 35.0f, 55.0f, 16.0f, 36.0f, 56.0f, 17.0f, 37.0f, 57.0f, 18.0f, 38.0f, 58.0f, 19.0f, 39.0f, 59.0f, 60.0f, 80.0f, 100.0f, 61.0f, 81.0f, 101.0f, 62.0f, 82.0f, 102.0f, 63.0f, 83.0f, 103.0f, 64.0f, 84.0f, 104.0f, 65.0f, 85.0f, 105.0f, 66.0f, 86.0f, 106.0f, 67.0f, 87.0f, 107.0f, 68.0f, 88.0f, 108.0f, 69.0f, 89.0f, 109.0f, 70.0f, 90.0f, 110.0f, 71.0f, 91.0f, 111.0f, 72.0f, 92.0f, 112.0f, 73.0f, 93.0f, 113.0f, 74.0f, 94.0f, 114.0f, 75.0f, 95.0f, 115.0f, 76.0f, 96.0f, 116.0f, 77.0f, 97.0f, 117.0f, 78.0f, 98.0f, 118.0f, 79.0f, 99.0f, 119.0f}; /* float32 */
/* paddle legacy op concat(axis=1) */
static const int cc_ax1_rank = 2;
static const int64_t cc_ax1_dims[] = {2, 5};
static const float cc_ax1[] = {0.0f, 1.0f, 2.0f, 6.0f, 7.0f, 3.0f, 4.0f, 5.0f, 8.0f, 9.0f}; /* float32 */
/* paddle legacy op concat(axis=-1) */
static const int cc_neg_rank = 2;
static const int64_t cc_neg_dims[] = {2, 6};
static const float cc_neg[] = {0.0f, 1.0f, 2.0f, 6.0f, 7.0f, 8.0f, 3.0f, 4.0f, 5.0f, 9.0f, 10.0f, 11.0f}; /* float32 */
/* paddle legacy op concat(axis=1; inputs AxisTensor) */
static const int cc_at_rank = 2;
static const int64_t cc_at_dims[] = {4, 3};
static const float cc_at[] = {0.0f, 1.0f, 2.0f, 3.0f, 4.0f, 5.0f, 6.0f, 7.0f, 8.0f, 9.0f, 10.0f, 11.0f}; /* float32 */
/* paddle legacy op split(axis=2, num=0, sections=[1, -1, 2]) */
static const int sp_sec_0_rank = 3;
static const int64_t sp_sec_0_dims[] = {2, 3, 1};
static const float sp_sec_0[] = {0.0f, 4.0f, 8.0f, 12.0f, 16.0f, 20.0f}; /* float32 */
static const int sp_sec_1_rank = 3;
static const int64_t sp_sec_1_dims[] = {2, 3, 1};
static const float sp_sec_1[] = {1.0f, 5.0f, 9.0f, 13.0f, 17.0f, 21.0f}; /* float32 */
static const int sp_sec_2_rank = 3;
static const int64_t sp_sec_2_dims[] = {2, 3, 2};
static const float sp_sec_2[] = {2.0f, 3.0f, 6.0f, 7.0f, 10.0f, 11.0f, 14.0f, 15.0f, 18.0f, 19.0f, 22.0f, 23.0f}; /* float32 */
/* paddle legacy op split(axis=2, num=2, sections=[]) */
static const int sp_num_0_rank = 3;
static const int64_t sp_num_0_dims[] = {2, 3, 2};
static const float sp_num_0[] = {0.0f, 1.0f, 4.0f, 5.0f, 8.0f, 9.0f, 12.0f, 13.0f, 16.0f, 17.0f, 20.0f, 21.0f}; /* float32 */
static const int sp_num_1_rank = 3;
static const int64_t sp_num_1_dims[] = {2, 3, 2};
static const float sp_num_1[] = {2.0f, 3.0f, 6.0f, 7.0f, 10.0f, 11.0f, 14.0f, 15.0f, 18.0f, 19.0f, 22.0f, 23.0f}; /* float32 */
/* paddle legacy op split(axis=2, num=0, sections=[2, 2]; inputs SectionsTensorList, AxisTensor) */
static const int sp_stl_0_rank = 3;
static const int64_t sp_stl_0_dims[] = {2, 1, 4};
static const float sp_stl_0[] = {0.0f, 1.0f, 2.0f, 3.0f, 12.0f, 13.0f, 14.0f, 15.0f}; /* float32 */
static const int sp_stl_1_rank = 3;
static const int64_t sp_stl_1_dims[] = {2, 2, 4};
static const float sp_stl_1[] = {4.0f, 5.0f, 6.0f, 7.0f, 8.0f, 9.0f, 10.0f, 11.0f, 16.0f, 17.0f, 18.0f, 19.0f, 20.0f, 21.0f, 22.0f, 23.0f}; /* float32 */
/* paddle legacy op stack(axis=-1) */
static const int st_m1_rank = 3;
static const int64_t st_m1_dims[] = {2, 3, 2};
static const float st_m1[] = {0.0f, 6.0f, 1.0f, 7.0f, 2.0f, 8.0f, 3.0f, 9.0f, 4.0f, 10.0f, 5.0f, 11.0f}; /* float32 */
/* paddle legacy op stack(axis=-3) */
static const int st_m3_rank = 3;
static const int64_t st_m3_dims[] = {2, 2, 3};
static const float st_m3[] = {0.0f, 1.0f, 2.0f, 3.0f, 4.0f, 5.0f, 6.0f, 7.0f, 8.0f, 9.0f, 10.0f, 11.0f}; /* float32 */
/* paddle legacy op stack(axis=0) */
static const int st_0d_rank = 1;
static const int64_t st_0d_dims[] = {2};
static const float st_0d[] = {1.0f, 2.0f}; /* float32 */
/* paddle legacy op slice(axes=[1, 2], starts=[-100, 1], ends=[-1, -1], decrease_axis=[], infer_flags=[1, 1]) */
static const int sl_neg_rank = 3;
static const int64_t sl_neg_dims[] = {2, 2, 2};
static const float sl_neg[] = {1.0f, 2.0f, 5.0f, 6.0f, 13.0f, 14.0f, 17.0f, 18.0f}; /* float32 */
/* paddle legacy op slice(axes=[2], starts=[-3], ends=[10000], decrease_axis=[], infer_flags=[1]) */
static const int sl_big_rank = 3;
static const int64_t sl_big_dims[] = {2, 3, 3};
static const float sl_big[] = {1.0f, 2.0f, 3.0f, 5.0f, 6.0f, 7.0f, 9.0f, 10.0f, 11.0f, 13.0f, 14.0f, 15.0f, 17.0f, 18.0f, 19.0f, 21.0f, 22.0f, 23.0f}; /* float32 */
/* paddle legacy op slice(axes=[2], starts=[3], ends=[1], decrease_axis=[], infer_flags=[1]) */
static const int sl_empty_rank = 3;
static const int64_t sl_empty_dims[] = {2, 3, 0};
static const float sl_empty[] = {0}; /* float32 */
/* paddle legacy op slice(axes=[0, 1], starts=[0, 1], ends=[1, 2], decrease_axis=[0, 1], infer_flags=[1, 1]) */
static const int sl_dec_rank = 1;
static const int64_t sl_dec_dims[] = {4};
static const float sl_dec[] = {4.0f, 5.0f, 6.0f, 7.0f}; /* float32 */
/* paddle legacy op slice(axes=[0, 1, 2], starts=[1, 1, 1], ends=[2, 2, 2], decrease_axis=[0, 1, 2], infer_flags=[1, 1, 1]) */
static const int sl_dec_all_rank = 0;
static const int64_t sl_dec_all_dims[] = {0};
static const float sl_dec_all[] = {17.0f}; /* float32 */
/* paddle legacy op slice(axes=[1, 1], starts=[0, 1], ends=[3, 2], decrease_axis=[], infer_flags=[1, 1]) */
static const int sl_rep_rank = 3;
static const int64_t sl_rep_dims[] = {2, 1, 4};
static const float sl_rep[] = {4.0f, 5.0f, 6.0f, 7.0f, 16.0f, 17.0f, 18.0f, 19.0f}; /* float32 */
/* paddle legacy op slice(axes=[1, 2], starts=[0, 0], ends=[1, 1], decrease_axis=[], infer_flags=[-1, -1]; inputs StartsTensor, EndsTensor) */
static const int sl_t_rank = 3;
static const int64_t sl_t_dims[] = {2, 2, 3};
static const float sl_t[] = {5.0f, 6.0f, 7.0f, 9.0f, 10.0f, 11.0f, 17.0f, 18.0f, 19.0f, 21.0f, 22.0f, 23.0f}; /* float32 */
/* paddle legacy op slice(axes=[1, 2], starts=[0, 0], ends=[1, 1], decrease_axis=[], infer_flags=[-1, -1]; inputs StartsTensorList, EndsTensorList) */
static const int sl_tl_rank = 3;
static const int64_t sl_tl_dims[] = {2, 2, 1};
static const float sl_tl[] = {6.0f, 10.0f, 18.0f, 22.0f}; /* float32 */
/* paddle legacy op slice(axes=[1, 2], starts=[2, 2], ends=[3, 3], decrease_axis=[], infer_flags=[-1, -1]; inputs StartsTensor, StartsTensorList) */
static const int sl_prio_rank = 3;
static const int64_t sl_prio_dims[] = {2, 2, 2};
static const float sl_prio[] = {5.0f, 6.0f, 9.0f, 10.0f, 17.0f, 18.0f, 21.0f, 22.0f}; /* float32 */
/* paddle legacy op slice(axes=[1], starts=[-1], ends=[0], decrease_axis=[1], infer_flags=[-1]; inputs StartsTensor, EndsTensor) */
static const int sl_last_rank = 2;
static const int64_t sl_last_dims[] = {2, 4};
static const float sl_last[] = {8.0f, 9.0f, 10.0f, 11.0f, 20.0f, 21.0f, 22.0f, 23.0f}; /* float32 */
/* paddle legacy op strided_slice(axes=[1, 2], starts=[2, 3], ends=[-100, 0], strides=[-1, -2], infer_flags=[1, 1], decrease_axis=[]) */
static const int ss_neg_rank = 3;
static const int64_t ss_neg_dims[] = {2, 3, 2};
static const float ss_neg[] = {11.0f, 9.0f, 7.0f, 5.0f, 3.0f, 1.0f, 23.0f, 21.0f, 19.0f, 17.0f, 15.0f, 13.0f}; /* float32 */
/* paddle legacy op strided_slice(axes=[0, 1, 2], starts=[0, 0, 0], ends=[1, 1, 1], strides=[1, 1, 1], infer_flags=[1, 1, 1], decrease_axis=[0, 1, 2]) */
static const int ss_dec_all_rank = 1;
static const int64_t ss_dec_all_dims[] = {1};
static const float ss_dec_all[] = {0.0f}; /* float32 */
/* paddle legacy op strided_slice(axes=[1, 2], starts=[0, 0], ends=[1, 1], strides=[1, 1], infer_flags=[-1, -1], decrease_axis=[]; inputs StartsTensor, EndsTensor, StridesTensor) */
static const int ss_t_rank = 3;
static const int64_t ss_t_dims[] = {2, 3, 2};
static const float ss_t[] = {11.0f, 9.0f, 7.0f, 5.0f, 3.0f, 1.0f, 23.0f, 21.0f, 19.0f, 17.0f, 15.0f, 13.0f}; /* float32 */
/* paddle legacy op strided_slice(axes=[1], starts=[-1], ends=[0], strides=[1], infer_flags=[-1], decrease_axis=[1]) */
static const int ss_m1_rank = 2;
static const int64_t ss_m1_dims[] = {2, 4};
static const float ss_m1[] = {0.0f, 1.0f, 2.0f, 3.0f, 12.0f, 13.0f, 14.0f, 15.0f}; /* float32 */
/* paddle legacy op strided_slice(axes=[1], starts=[-1], ends=[0], strides=[-1], infer_flags=[-1], decrease_axis=[1]) */
static const int ss_m1n_rank = 2;
static const int64_t ss_m1n_dims[] = {2, 4};
static const float ss_m1n[] = {8.0f, 9.0f, 10.0f, 11.0f, 20.0f, 21.0f, 22.0f, 23.0f}; /* float32 */
/* paddle legacy op shape() */
static const int shape_3d_rank = 1;
static const int64_t shape_3d_dims[] = {3};
static const int32_t shape_3d[] = {2, 3, 4}; /* int32 */
/* paddle legacy op fill_constant(dtype=5, shape=[2, 3], value=1.5, str_value=) */
static const int fc_f32_rank = 2;
static const int64_t fc_f32_dims[] = {2, 3};
static const float fc_f32[] = {1.5f, 1.5f, 1.5f, 1.5f, 1.5f, 1.5f}; /* float32 */
/* paddle legacy op fill_constant(dtype=2, shape=[2], value=-2.7, str_value=) */
static const int fc_i32_rank = 1;
static const int64_t fc_i32_dims[] = {2};
static const int32_t fc_i32[] = {-2, -2}; /* int32 */
/* paddle legacy op fill_constant(dtype=3, shape=[2], value=0.0, str_value=9007199254740993) */
static const int fc_i64s_rank = 1;
static const int64_t fc_i64s_dims[] = {2};
static const int64_t fc_i64s[] = {9007199254740992LL, 9007199254740992LL}; /* int64 */
/* paddle legacy op fill_constant(dtype=5, shape=[3], value=0.0, str_value=-inf) */
static const int fc_inf_rank = 1;
static const int64_t fc_inf_dims[] = {3};
static const float fc_inf[] = {-INFINITY, -INFINITY, -INFINITY}; /* float32 */
/* paddle legacy op fill_constant(dtype=5, shape=[1], value=7.0, str_value=1e-3) */
static const int fc_exp_rank = 1;
static const int64_t fc_exp_dims[] = {1};
static const float fc_exp[] = {0.0010000000474974513f}; /* float32 */
/* paddle legacy op fill_constant(dtype=2, shape=[1], value=30000000000.0, str_value=) */
static const int fc_big_rank = 1;
static const int64_t fc_big_dims[] = {1};
static const int32_t fc_big[] = {INT32_MIN}; /* int32 */
/* paddle legacy op fill_constant(dtype=20, shape=[2], value=-1.0, str_value=) */
static const int fc_u8_rank = 1;
static const int64_t fc_u8_dims[] = {2};
static const uint8_t fc_u8[] = {255, 255}; /* uint8 */
/* paddle legacy op fill_constant(dtype=4, shape=[2], value=0.1, str_value=) */
static const int fc_f16_rank = 1;
static const int64_t fc_f16_dims[] = {2};
static const uint16_t fc_f16[] = {11878, 11878}; /* uint16 */
/* paddle legacy op fill_constant(dtype=22, shape=[2], value=0.1, str_value=) */
static const int fc_bf16_rank = 1;
static const int64_t fc_bf16_dims[] = {2};
static const uint16_t fc_bf16[] = {15821, 15821}; /* uint16 */
/* paddle legacy op fill_constant(dtype=0, shape=[2], value=0.5, str_value=) */
static const int fc_b_rank = 1;
static const int64_t fc_b_dims[] = {2};
static const uint8_t fc_b[] = {1, 1}; /* bool */
/* paddle legacy op fill_constant(dtype=5, shape=[], value=3.0, str_value=) */
static const int fc_0d_rank = 0;
static const int64_t fc_0d_dims[] = {0};
static const float fc_0d[] = {3.0f}; /* float32 */
/* paddle legacy op fill_constant(dtype=2, shape=[2], value=0.1, str_value=; inputs ValueTensor) */
static const int fc_vt_rank = 1;
static const int64_t fc_vt_dims[] = {2};
static const int32_t fc_vt[] = {2, 2}; /* int32 */
/* paddle legacy op fill_constant(dtype=5, shape=[2], value=0.1, str_value=; inputs ValueTensor) */
static const int fc_vti_rank = 1;
static const int64_t fc_vti_dims[] = {2};
static const float fc_vti[] = {7.0f, 7.0f}; /* float32 */
/* paddle legacy op fill_constant(dtype=5, shape=[2], value=0.5, str_value=; inputs ShapeTensor, ShapeTensorList) */
static const int fc_st_rank = 2;
static const int64_t fc_st_dims[] = {1, 3};
static const float fc_st[] = {0.5f, 0.5f, 0.5f}; /* float32 */
/* paddle legacy op fill_constant(dtype=5, shape=[2], value=0.5, str_value=; inputs ShapeTensorList) */
static const int fc_stl_rank = 2;
static const int64_t fc_stl_dims[] = {1, 2};
static const float fc_stl[] = {0.5f, 0.5f}; /* float32 */
/* input of the cast tests */
static const int cast_src_rank = 1;
static const int64_t cast_src_dims[] = {29};
static const float cast_src[] = {-2.700000047683716f, -2.5f, -1.5f, -0.5f, -0.0f, 0.0f, 0.30000001192092896f, 0.5f, 1.5f, 2.5f, 2.700000047683716f, 10000000000.0f, -10000000000.0f, INFINITY, -INFINITY, NAN, 300.70001220703125f, -129.5f, 255.89999389648438f, 65535.5f, 3000000000.0f, -3000000000.0f, 0.3333333432674408f, 70000.0f, 9.99999993922529e-09f, 2049.0f, 65520.0f, 9.99994610111476e-41f, -3.299999965482712e+38f}; /* float32 */
/* paddle legacy op cast(in_dtype=5, out_dtype=0) */
static const int cast_f_b_rank = 1;
static const int64_t cast_f_b_dims[] = {29};
static const uint8_t cast_f_b[] = {1, 1, 1, 1, 0, 0, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1}; /* bool */
/* paddle legacy op cast(in_dtype=5, out_dtype=1) */
static const int cast_f_i16_rank = 1;
static const int64_t cast_f_i16_dims[] = {29};
static const int16_t cast_f_i16[] = {-2, -2, -1, 0, 0, 0, 0, 0, 1, 2, 2, 0, 0, 0, 0, 0, 300, -129, 255, -1, 0, 0, 0, 4464, 0, 2049, -16, 0, 0}; /* int16 */
/* paddle legacy op cast(in_dtype=5, out_dtype=2) */
static const int cast_f_i32_rank = 1;
static const int64_t cast_f_i32_dims[] = {29};
static const int32_t cast_f_i32[] = {-2, -2, -1, 0, 0, 0, 0, 0, 1, 2, 2, INT32_MIN, INT32_MIN, INT32_MIN, INT32_MIN, INT32_MIN, 300, -129, 255, 65535, INT32_MIN, INT32_MIN, 0, 70000, 0, 2049, 65520, 0, INT32_MIN}; /* int32 */
/* paddle legacy op cast(in_dtype=5, out_dtype=3) */
static const int cast_f_i64_rank = 1;
static const int64_t cast_f_i64_dims[] = {29};
static const int64_t cast_f_i64[] = {-2LL, -2LL, -1LL, 0LL, 0LL, 0LL, 0LL, 0LL, 1LL, 2LL, 2LL, 10000000000LL, -10000000000LL, INT64_MIN, INT64_MIN, INT64_MIN, 300LL, -129LL, 255LL, 65535LL, 3000000000LL, -3000000000LL, 0LL, 70000LL, 0LL, 2049LL, 65520LL, 0LL, INT64_MIN}; /* int64 */
/* paddle legacy op cast(in_dtype=5, out_dtype=4) */
static const int cast_f_f16_rank = 1;
static const int64_t cast_f_f16_dims[] = {29};
static const uint16_t cast_f_f16[] = {49510, 49408, 48640, 47104, 32768, 0, 13517, 14336, 15872, 16640, 16742, 31744, 64512, 31744, 64512, 32256, 23731, 55308, 23551, 31744, 31744, 64512, 13653, 31744, 0, 26624, 31744, 0, 64512}; /* uint16 */
/* paddle legacy op cast(in_dtype=5, out_dtype=6) */
static const int cast_f_f64_rank = 1;
static const int64_t cast_f_f64_dims[] = {29};
static const double cast_f_f64[] = {-2.700000047683716, -2.5, -1.5, -0.5, -0.0, 0.0, 0.30000001192092896, 0.5, 1.5, 2.5, 2.700000047683716, 10000000000.0, -10000000000.0, INFINITY, -INFINITY, NAN, 300.70001220703125, -129.5, 255.89999389648438, 65535.5, 3000000000.0, -3000000000.0, 0.3333333432674408, 70000.0, 9.99999993922529e-09, 2049.0, 65520.0, 9.99994610111476e-41, -3.299999965482712e+38}; /* float64 */
/* paddle legacy op cast(in_dtype=5, out_dtype=20) */
static const int cast_f_u8_rank = 1;
static const int64_t cast_f_u8_dims[] = {29};
static const uint8_t cast_f_u8[] = {254, 254, 255, 0, 0, 0, 0, 0, 1, 2, 2, 0, 0, 0, 0, 0, 44, 127, 255, 255, 0, 0, 0, 112, 0, 1, 240, 0, 0}; /* uint8 */
/* paddle legacy op cast(in_dtype=5, out_dtype=21) */
static const int cast_f_i8_rank = 1;
static const int64_t cast_f_i8_dims[] = {29};
static const int8_t cast_f_i8[] = {-2, -2, -1, 0, 0, 0, 0, 0, 1, 2, 2, 0, 0, 0, 0, 0, 44, 127, -1, -1, 0, 0, 0, 112, 0, 1, -16, 0, 0}; /* int8 */
/* paddle legacy op cast(in_dtype=5, out_dtype=22), bits */
static const int cast_f_bf16_rank = 1;
static const int64_t cast_f_bf16_dims[] = {29};
static const uint16_t cast_f_bf16[] = {49197, 49184, 49088, 48896, 32768, 0, 16026, 16128, 16320, 16416, 16429, 20501, 53269, 32640, 65408, 32767, 17302, 49922, 17280, 18304, 20275, 53043, 16043, 18313, 12844, 17664, 18304, 1, 65400}; /* uint16 */
/* int32 input of the cast tests */
static const int cast_isrc_rank = 1;
static const int64_t cast_isrc_dims[] = {13};
static const int32_t cast_isrc[] = {-300, -129, -1, 0, 1, 2, 127, 128, 255, 256, 70000, 2147483647, INT32_MIN}; /* int32 */
/* paddle legacy op cast(in_dtype=2, out_dtype=0) */
static const int cast_i_b_rank = 1;
static const int64_t cast_i_b_dims[] = {13};
static const uint8_t cast_i_b[] = {1, 1, 1, 0, 1, 1, 1, 1, 1, 1, 1, 1, 1}; /* bool */
/* paddle legacy op cast(in_dtype=2, out_dtype=1) */
static const int cast_i_i16_rank = 1;
static const int64_t cast_i_i16_dims[] = {13};
static const int16_t cast_i_i16[] = {-300, -129, -1, 0, 1, 2, 127, 128, 255, 256, 4464, -1, 0}; /* int16 */
/* paddle legacy op cast(in_dtype=2, out_dtype=3) */
static const int cast_i_i64_rank = 1;
static const int64_t cast_i_i64_dims[] = {13};
static const int64_t cast_i_i64[] = {-300LL, -129LL, -1LL, 0LL, 1LL, 2LL, 127LL, 128LL, 255LL, 256LL, 70000LL, 2147483647LL, -2147483648LL}; /* int64 */
/* paddle legacy op cast(in_dtype=2, out_dtype=5) */
static const int cast_i_f32_rank = 1;
static const int64_t cast_i_f32_dims[] = {13};
static const float cast_i_f32[] = {-300.0f, -129.0f, -1.0f, 0.0f, 1.0f, 2.0f, 127.0f, 128.0f, 255.0f, 256.0f, 70000.0f, 2147483648.0f, -2147483648.0f}; /* float32 */
/* paddle legacy op cast(in_dtype=2, out_dtype=20) */
static const int cast_i_u8_rank = 1;
static const int64_t cast_i_u8_dims[] = {13};
static const uint8_t cast_i_u8[] = {212, 127, 255, 0, 1, 2, 127, 128, 255, 0, 112, 255, 0}; /* uint8 */
/* paddle legacy op cast(in_dtype=2, out_dtype=21) */
static const int cast_i_i8_rank = 1;
static const int64_t cast_i_i8_dims[] = {13};
static const int8_t cast_i_i8[] = {-44, 127, -1, 0, 1, 2, 127, -128, -1, 0, 112, -1, 0}; /* int8 */
/* paddle legacy op cast(in_dtype=2, out_dtype=4) */
static const int cast_i_f16_rank = 1;
static const int64_t cast_i_f16_dims[] = {13};
static const uint16_t cast_i_f16[] = {56496, 55304, 48128, 0, 15360, 16384, 22512, 22528, 23544, 23552, 31744, 31744, 64512}; /* uint16 */
/* int64 input of the cast tests */
static const int cast_lsrc_rank = 1;
static const int64_t cast_lsrc_dims[] = {5};
static const int64_t cast_lsrc[] = {1099511627777LL, -1099511627779LL, 4611686018427387904LL, -1LL, 9007199254740993LL}; /* int64 */
/* paddle legacy op cast(in_dtype=3, out_dtype=2) */
static const int cast_l_i32_rank = 1;
static const int64_t cast_l_i32_dims[] = {5};
static const int32_t cast_l_i32[] = {1, -3, 0, -1, 1}; /* int32 */
/* paddle legacy op cast(in_dtype=3, out_dtype=5) */
static const int cast_l_f32_rank = 1;
static const int64_t cast_l_f32_dims[] = {5};
static const float cast_l_f32[] = {1099511627776.0f, -1099511627776.0f, 4.611686018427388e+18f, -1.0f, 9007199254740992.0f}; /* float32 */
/* float64 input of the cast tests */
static const int cast_dsrc_rank = 1;
static const int64_t cast_dsrc_dims[] = {7};
static const double cast_dsrc[] = {1.5, 1e+300, -1e-300, 0.3333333333333333, -1e+39, 3.4028235e+38, 3.40282357e+38}; /* float64 */
/* paddle legacy op cast(in_dtype=6, out_dtype=5) */
static const int cast_d_f32_rank = 1;
static const int64_t cast_d_f32_dims[] = {7};
static const float cast_d_f32[] = {1.5f, INFINITY, -0.0f, 0.3333333432674408f, -INFINITY, 3.4028234663852886e+38f, INFINITY}; /* float32 */
/* float16 input (bits) of the cast tests */
static const int cast_hsrc_rank = 1;
static const int64_t cast_hsrc_dims[] = {5};
static const uint16_t cast_hsrc[] = {15872, 31743, 44646, 1, 31744}; /* uint16 */
/* paddle legacy op cast(in_dtype=4, out_dtype=5) */
static const int cast_h_f32_rank = 1;
static const int64_t cast_h_f32_dims[] = {5};
static const float cast_h_f32[] = {1.5f, 65504.0f, -0.0999755859375f, 5.960464477539063e-08f, INFINITY}; /* float32 */
/* paddle legacy op cast(in_dtype=0, out_dtype=5) */
static const int cast_b_f32_rank = 1;
static const int64_t cast_b_f32_dims[] = {3};
static const float cast_b_f32[] = {1.0f, 0.0f, 1.0f}; /* float32 */
/* paddle legacy op fill_any_like(value=2.5, dtype=-1) */
static const int fal_i32_rank = 3;
static const int64_t fal_i32_dims[] = {2, 3, 4};
static const int32_t fal_i32[] = {2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2}; /* int32 */
/* paddle legacy op fill_any_like(value=nan, dtype=2) */
static const int fal_nan_rank = 1;
static const int64_t fal_nan_dims[] = {2};
static const int32_t fal_nan[] = {INT32_MIN, INT32_MIN}; /* int32 */
/* paddle legacy op split(axis=2, num=2, sections=[1, 3]) */
static const int sp_num_sec_0_rank = 3;
static const int64_t sp_num_sec_0_dims[] = {2, 3, 1};
static const float sp_num_sec_0[] = {0.0f, 4.0f, 8.0f, 12.0f, 16.0f, 20.0f}; /* float32 */
static const int sp_num_sec_1_rank = 3;
static const int64_t sp_num_sec_1_dims[] = {2, 3, 3};
static const float sp_num_sec_1[] = {1.0f, 2.0f, 3.0f, 5.0f, 6.0f, 7.0f, 9.0f, 10.0f, 11.0f, 13.0f, 14.0f, 15.0f, 17.0f, 18.0f, 19.0f, 21.0f, 22.0f, 23.0f}; /* float32 */
/* paddle legacy op split(axis=2, num=2, sections=[]; inputs SectionsTensorList) */
static const int sp_num_stl_0_rank = 3;
static const int64_t sp_num_stl_0_dims[] = {2, 3, 2};
static const float sp_num_stl_0[] = {0.0f, 1.0f, 4.0f, 5.0f, 8.0f, 9.0f, 12.0f, 13.0f, 16.0f, 17.0f, 20.0f, 21.0f}; /* float32 */
static const int sp_num_stl_1_rank = 3;
static const int64_t sp_num_stl_1_dims[] = {2, 3, 2};
static const float sp_num_stl_1[] = {2.0f, 3.0f, 6.0f, 7.0f, 10.0f, 11.0f, 14.0f, 15.0f, 18.0f, 19.0f, 22.0f, 23.0f}; /* float32 */

/* ---- reshape -------------------------------------------------------------- */

static pdsi_tensor *x234(void)
{
    return arange(PDS_FLOAT32, 3, DIMS(2, 3, 4));
}

static void test_reshape_zero_and_minus_one(void)
{
    pds_error err = {0}, *ep = &err;
    pdsi_tensor *o = pdst_mk_out(), *xs = pdst_mk_out();
    /* paddle: reshape2(shape=[0,-1]) of [2,3,4] -> [2,12]; XShape [0,2,3,4] */
    CHECK_OK(pdst_run_op("reshape2", ATTRS(INTS("shape", 0, -1)),
                         (pdsi_slot[]){SL(x234()), NOSLOT, NOSLOT}, (pdsi_slot[]){SL(o), SL(xs)},
                         &err),
             ep);
    CHECK_SHAPE(o, PDS_FLOAT32, 2, DIMS(2, 12));
    CHECK_ARANGE(o);
    CHECK_SHAPE(xs, PDS_FLOAT32, 4, DIMS(0, 2, 3, 4));
    /* paddle: shape=[4,0,-1] -> [4,3,2] */
    o = pdst_mk_out();
    CHECK_OK(pdst_run_op("reshape2", ATTRS(INTS("shape", 4, 0, -1)),
                         (pdsi_slot[]){SL(x234()), NOSLOT, NOSLOT}, (pdsi_slot[]){SL(o), NOSLOT},
                         &err),
             ep);
    CHECK_SHAPE(o, PDS_FLOAT32, 3, DIMS(4, 3, 2));
    CHECK_ARANGE(o);
    /* v1 reshape, int64 data: dtype-generic */
    o = pdst_mk_out();
    CHECK_OK(pdst_run_op("reshape", ATTRS(INTS("shape", -1)),
                         (pdsi_slot[]){SL(arange(PDS_INT64, 3, DIMS(2, 3, 4))), NOSLOT, NOSLOT},
                         (pdsi_slot[]){SL(o)}, &err),
             ep);
    CHECK_SHAPE(o, PDS_INT64, 1, DIMS(24));
    CHECK_ARANGE(o);
    /* paddle: zero-size [0,4] with shape=[-1,2] -> [0,2]; [1] with shape=[] -> 0-D */
    o = pdst_mk_out();
    CHECK_OK(pdst_run_op("reshape2", ATTRS(INTS("shape", -1, 2)),
                         (pdsi_slot[]){SL(pdst_mk(PDS_FLOAT32, 2, DIMS(0, 4), NULL)), NOSLOT, NOSLOT},
                         (pdsi_slot[]){SL(o), NOSLOT}, &err),
             ep);
    CHECK_SHAPE(o, PDS_FLOAT32, 2, DIMS(0, 2));
    o = pdst_mk_out();
    CHECK_OK(pdst_run_op("reshape2", ATTRS(NOINTS("shape")),
                         (pdsi_slot[]){SL(pdst_mk(PDS_FLOAT32, 1, DIMS(1), (float[]){7})), NOSLOT,
                                       NOSLOT},
                         (pdsi_slot[]){SL(o), NOSLOT}, &err),
             ep);
    CHECK_SHAPE(o, PDS_FLOAT32, 0, NULL);
    CHECK(((float *)o->data)[0] == 7);
}

static void test_reshape_shape_inputs(void)
{
    pds_error err = {0}, *ep = &err;
    pdsi_tensor *o = pdst_mk_out();
    /* The SVTR neck pattern: shape [0,1,-1,120] built from a ShapeTensor list of
     * one-element tensors (int32 and int64 mixed); the attribute is ignored. */
    CHECK_OK(pdst_run_op("reshape2", ATTRS(INTS("shape", 9, 9)),
                         (pdsi_slot[]){SL(arange(PDS_FLOAT32, 3, DIMS(2, 6, 40))), NOSLOT,
                                       SL(VI32(0), VI32(1), VI32(-1), VI64(120))},
                         (pdsi_slot[]){SL(o), NOSLOT}, &err),
             ep);
    CHECK_SHAPE(o, PDS_FLOAT32, rs_svtr_rank, rs_svtr_dims);
    CHECK_ARANGE(o);
    /* Shape (a 1-D int64 tensor) with an empty attribute: 0 and -1 work there too. */
    o = pdst_mk_out();
    CHECK_OK(pdst_run_op("reshape2", ATTRS(NOINTS("shape")),
                         (pdsi_slot[]){SL(x234()), SL(VI64(4, 0, -1)), NOSLOT},
                         (pdsi_slot[]){SL(o), NOSLOT}, &err),
             ep);
    CHECK_SHAPE(o, PDS_FLOAT32, 3, DIMS(4, 3, 2));
    /* ShapeTensor wins over Shape; a single tensor contributes all its values. */
    o = pdst_mk_out();
    CHECK_OK(pdst_run_op("reshape2", ATTRS(NOINTS("shape")),
                         (pdsi_slot[]){SL(x234()), SL(VI64(4, 6)), SL(VI32(2, 12))},
                         (pdsi_slot[]){SL(o), NOSLOT}, &err),
             ep);
    CHECK_SHAPE(o, PDS_FLOAT32, 2, DIMS(2, 12));
}

/* M11: every bad shape is PDS_ERR_SHAPE (or PDS_ERR_DTYPE) from infer, before a
 * kernel runs; M19: shape values read from tensors of a hostile model are
 * checked like attributes. */
static void test_reshape_errors(void)
{
    pds_error err = {0}, *ep = &err;
#define RESHAPE_ERR(attr, shape_slot, st_slot, code, msg)                                      \
    do {                                                                                       \
        CHECK_STATUS(pdst_run_op("reshape2", ATTRS(attr),                                      \
                                 (pdsi_slot[]){SL(x234()), shape_slot, st_slot},               \
                                 (pdsi_slot[]){SL(pdst_mk_out()), NOSLOT}, &err),                     \
                     code, ep);                                                              \
        CHECK_MSG(err, msg);                                                                   \
    } while (0)
    RESHAPE_ERR(INTS("shape", -1, -1), NOSLOT, NOSLOT, PDS_ERR_SHAPE, "more than one -1");
    /* both shapes in the message */
    RESHAPE_ERR(INTS("shape", 5, 5), NOSLOT, NOSLOT, PDS_ERR_SHAPE, "[2,3,4]");
    RESHAPE_ERR(INTS("shape", 5, 5), NOSLOT, NOSLOT, PDS_ERR_SHAPE, "[5,5]");
    RESHAPE_ERR(INTS("shape", 5, -1), NOSLOT, NOSLOT, PDS_ERR_SHAPE, "does not divide");
    RESHAPE_ERR(INTS("shape", 0, 0, 0, 0), NOSLOT, NOSLOT, PDS_ERR_SHAPE, "entry 3");
    RESHAPE_ERR(INTS("shape", -2, -12), NOSLOT, NOSLOT, PDS_ERR_SHAPE, "-2");
    RESHAPE_ERR(INTS("shape", 1, 1, 1, 1, 1, 1, 1, 1, 24), NOSLOT, NOSLOT, PDS_ERR_SHAPE,
                "maximum rank");
    RESHAPE_ERR(INTS("shape", 1 << 20, 1 << 20, 1 << 20, 1 << 20), NOSLOT, NOSLOT,
                PDS_ERR_SHAPE, "overflows");
    /* ShapeTensor of dtype float32 */
    RESHAPE_ERR(NOINTS("shape"), NOSLOT, SL(pdst_mk(PDS_FLOAT32, 1, DIMS(1), (float[]){24})),
                PDS_ERR_DTYPE, "float32");
    RESHAPE_ERR(NOINTS("shape"), SL(pdst_mk(PDS_FLOAT32, 1, DIMS(2), (float[]){2, 12})), NOSLOT,
                PDS_ERR_DTYPE, "'Shape'");
    /* several tensors in the list: each must hold exactly one value */
    RESHAPE_ERR(NOINTS("shape"), NOSLOT, SL(VI32(2, 3), VI32(4)), PDS_ERR_SHAPE,
                "one element");
    RESHAPE_ERR(NOINTS("shape"), NOSLOT, SL(vec_i32(0, NULL), VI32(24)), PDS_ERR_SHAPE,
                "one element");
    /* more values than any rank */
    RESHAPE_ERR(NOINTS("shape"), SL(pdst_mk(PDS_INT64, 1, DIMS(100), NULL)), NOSLOT, PDS_ERR_SHAPE,
                "more than 64");
    /* a -1 next to a zero-size dim: nothing to infer it from */
    CHECK_STATUS(pdst_run_op("reshape2", ATTRS(INTS("shape", 0, -1)),
                             (pdsi_slot[]){SL(pdst_mk(PDS_FLOAT32, 2, DIMS(0, 4), NULL)), NOSLOT,
                                           NOSLOT},
                             (pdsi_slot[]){SL(pdst_mk_out()), NOSLOT}, &err),
                 PDS_ERR_SHAPE, ep);
#undef RESHAPE_ERR
}

/* ---- transpose ------------------------------------------------------------ */

static void test_transpose(void)
{
    pds_error err = {0}, *ep = &err;
    pdsi_tensor *o = pdst_mk_out(), *xs = pdst_mk_out();
    CHECK_OK(pdst_run_op("transpose2", ATTRS(INTS("axis", 2, 0, 1)), (pdsi_slot[]){SL(x234())},
                         (pdsi_slot[]){SL(o), SL(xs)}, &err),
             ep);
    CHECK_EXPECT(o, PDS_FLOAT32, tr_201);
    CHECK_SHAPE(xs, PDS_FLOAT32, 4, DIMS(0, 2, 3, 4));
    o = pdst_mk_out();
    CHECK_OK(pdst_run_op("transpose", ATTRS(INTS("axis", -1, 0, 1)), (pdsi_slot[]){SL(x234())},
                         (pdsi_slot[]){SL(o)}, &err),
             ep);
    CHECK_EXPECT(o, PDS_FLOAT32, tr_neg);
    o = pdst_mk_out();
    CHECK_OK(pdst_run_op("transpose2", ATTRS(INTS("axis", 0, 2, 3, 1)),
                         (pdsi_slot[]){SL(arange(PDS_FLOAT32, 4, DIMS(2, 3, 4, 5)))},
                         (pdsi_slot[]){SL(o), NOSLOT}, &err),
             ep);
    CHECK_EXPECT(o, PDS_FLOAT32, tr_4d);
    /* 0-D: the empty permutation */
    o = pdst_mk_out();
    CHECK_OK(pdst_run_op("transpose2", ATTRS(NOINTS("axis")),
                         (pdsi_slot[]){SL(pdst_mk(PDS_FLOAT32, 0, NULL, (float[]){5}))},
                         (pdsi_slot[]){SL(o), NOSLOT}, &err),
             ep);
    CHECK_SHAPE(o, PDS_FLOAT32, 0, NULL);
    CHECK(((float *)o->data)[0] == 5);

    CHECK_STATUS(pdst_run_op("transpose2", ATTRS(INTS("axis", 0, 0, 1)),
                             (pdsi_slot[]){SL(x234())}, (pdsi_slot[]){SL(pdst_mk_out()), NOSLOT}, &err),
                 PDS_ERR_SHAPE, ep);
    CHECK_MSG(err, "not a permutation");
    /* a short axis must permute the leading dims (transpose_short) */
    CHECK_STATUS(pdst_run_op("transpose2", ATTRS(INTS("axis", 0, 2)), (pdsi_slot[]){SL(x234())},
                             (pdsi_slot[]){SL(pdst_mk_out()), NOSLOT}, &err),
                 PDS_ERR_SHAPE, ep);
    CHECK_MSG(err, "not a permutation of the leading 2 dims of X: entry 1 is 2");
    CHECK_STATUS(pdst_run_op("transpose2", ATTRS(INTS("axis", 1, 0, 2, 3)), (pdsi_slot[]){SL(x234())},
                             (pdsi_slot[]){SL(pdst_mk_out()), NOSLOT}, &err),
                 PDS_ERR_SHAPE, ep);
    CHECK_MSG(err, "has 4 entries, expected 3");
    CHECK_STATUS(pdst_run_op("transpose2", ATTRS(INTS("axis", 0, 3, 1)),
                             (pdsi_slot[]){SL(x234())}, (pdsi_slot[]){SL(pdst_mk_out()), NOSLOT}, &err),
                 PDS_ERR_SHAPE, ep);
    CHECK_STATUS(pdst_run_op("transpose2", ATTRS(INTS("axis", 0, 1, 2, 3, 4, 5, 6, 7, 8)),
                             (pdsi_slot[]){SL(x234())}, (pdsi_slot[]){SL(pdst_mk_out()), NOSLOT}, &err),
                 PDS_ERR_MODEL_FORMAT, ep);
}

/* An axis shorter than the rank of X permutes its leading dims and keeps
 * the rest in place: Paddle's shape rule accepts it and its dynamic graph
 * computes it so (RT-DETR's x[:, :, :, i].transpose([0, 2, 1, 3]) of a
 * rank-5 x, exported to PIR as a transpose of 4 entries). Values: paddle
 * 3.3.1 dygraph, paddle.to_tensor(arange(24).reshape(...)).transpose(axis). */
static void test_transpose_short(void)
{
    pds_error err = {0}, *ep = &err;
    static const float want_10[] = {0,  1,  2,  3,  12, 13, 14, 15, 4,  5,  6,  7,
                                    16, 17, 18, 19, 8,  9,  10, 11, 20, 21, 22, 23};
    static const float want_021[] = {0,  1,  4,  5,  8,  9,  2,  3,  6,  7,  10, 11,
                                     12, 13, 16, 17, 20, 21, 14, 15, 18, 19, 22, 23};
    pdsi_tensor *o = pdst_mk_out();
    CHECK_OK(pdst_run_op("transpose2", ATTRS(INTS("axis", 1, 0)), (pdsi_slot[]){SL(x234())},
                         (pdsi_slot[]){SL(o), NOSLOT}, &err),
             ep);
    CHECK_SHAPE(o, PDS_FLOAT32, 3, DIMS(3, 2, 4));
    CHECK(memcmp(o->data, want_10, sizeof want_10) == 0);
    o = pdst_mk_out();
    CHECK_OK(pdst_run_op("transpose", ATTRS(INTS("axis", 0, 2, 1)),
                         (pdsi_slot[]){SL(arange(PDS_FLOAT32, 4, DIMS(2, 3, 2, 2)))},
                         (pdsi_slot[]){SL(o)}, &err),
             ep);
    CHECK_SHAPE(o, PDS_FLOAT32, 4, DIMS(2, 2, 3, 2));
    CHECK(memcmp(o->data, want_021, sizeof want_021) == 0);
    /* negative entries count from the rank of X, so -1 is a trailing dim */
    CHECK_STATUS(pdst_run_op("transpose2", ATTRS(INTS("axis", -1, 0)), (pdsi_slot[]){SL(x234())},
                             (pdsi_slot[]){SL(pdst_mk_out()), NOSLOT}, &err),
                 PDS_ERR_SHAPE, ep);
    CHECK_MSG(err, "entry 0 is -1");
}

/* ---- flip (issue 12: RT-DETR) ---------------------------------------------- */

/* Values: paddle 3.3.1, paddle.flip(arange(24).reshape(2, 3, 4), axis). */
static void test_flip(void)
{
    pds_error err = {0}, *ep = &err;
    static const float want_0m1[] = {15, 14, 13, 12, 19, 18, 17, 16, 23, 22, 21, 20,
                                     3,  2,  1,  0,  7,  6,  5,  4,  11, 10, 9,  8};
    static const float want_1[] = {8,  9,  10, 11, 4,  5,  6,  7,  0,  1,  2,  3,
                                   20, 21, 22, 23, 16, 17, 18, 19, 12, 13, 14, 15};
    pdsi_tensor *o = pdst_mk_out();
    CHECK_OK(pdst_run_op("flip", ATTRS(INTS("axis", 0, -1)), (pdsi_slot[]){SL(x234())},
                         (pdsi_slot[]){SL(o)}, &err),
             ep);
    CHECK_SHAPE(o, PDS_FLOAT32, 3, DIMS(2, 3, 4));
    CHECK(memcmp(o->data, want_0m1, sizeof want_0m1) == 0);
    o = pdst_mk_out();
    CHECK_OK(pdst_run_op("flip", ATTRS(INTS("axis", 1)), (pdsi_slot[]){SL(x234())},
                         (pdsi_slot[]){SL(o)}, &err),
             ep);
    CHECK(memcmp(o->data, want_1, sizeof want_1) == 0);
    /* any element size: int64 [1, 2] -> [2, 1] (RT-DETR's [h, w] -> [w, h]) */
    o = pdst_mk_out();
    CHECK_OK(pdst_run_op("flip", ATTRS(INTS("axis", 1)),
                         (pdsi_slot[]){SL(pdst_mk(PDS_INT64, 2, DIMS(1, 2), (int64_t[]){7, -9}))},
                         (pdsi_slot[]){SL(o)}, &err),
             ep);
    CHECK_SHAPE(o, PDS_INT64, 2, DIMS(1, 2));
    CHECK(((int64_t *)o->data)[0] == -9 && ((int64_t *)o->data)[1] == 7);
    /* no axes: a copy; an empty X */
    o = pdst_mk_out();
    CHECK_OK(pdst_run_op("flip", ATTRS(NOINTS("axis")), (pdsi_slot[]){SL(x234())},
                         (pdsi_slot[]){SL(o)}, &err),
             ep);
    CHECK_ARANGE(o);
    o = pdst_mk_out();
    CHECK_OK(pdst_run_op("flip", ATTRS(INTS("axis", 1)),
                         (pdsi_slot[]){SL(pdst_mk(PDS_FLOAT32, 2, DIMS(3, 0), NULL))},
                         (pdsi_slot[]){SL(o)}, &err),
             ep);
    CHECK_SHAPE(o, PDS_FLOAT32, 2, DIMS(3, 0));
    /* M11: Paddle refuses an axis out of range and one listed twice */
    CHECK_STATUS(pdst_run_op("flip", ATTRS(INTS("axis", 3)), (pdsi_slot[]){SL(x234())},
                             (pdsi_slot[]){SL(pdst_mk_out())}, &err),
                 PDS_ERR_SHAPE, ep);
    CHECK_MSG(err, "attribute 'axis' entry 0 is 3, out of range for X of rank 3 [2,3,4]");
    CHECK_STATUS(pdst_run_op("flip", ATTRS(INTS("axis", 2, -1)), (pdsi_slot[]){SL(x234())},
                             (pdsi_slot[]){SL(pdst_mk_out())}, &err),
                 PDS_ERR_SHAPE, ep);
    CHECK_MSG(err, "attribute 'axis' lists dim 2 twice");
}

static uint64_t rng_state = 88172645463325252ull;
static uint64_t rng(void)
{
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 7;
    rng_state ^= rng_state << 17;
    return rng_state;
}

/* Random shapes and permutations, every element size, against the
 * definition out[i0..] = x[i_perm^-1...]. */
static void test_transpose_random(void)
{
    static const pds_dtype dts[] = {PDS_UINT8, PDS_FLOAT16, PDS_FLOAT32, PDS_INT64};
    pds_error err = {0}, *ep = &err;
    for (int iter = 0; iter < 200; iter++) {
        int rank = 1 + (int)(rng() % 5);
        int64_t dims[PDSI_MAX_RANK], perm[PDSI_MAX_RANK], odims[PDSI_MAX_RANK];
        for (int d = 0; d < rank; d++) {
            dims[d] = 1 + (int64_t)(rng() % 4);
            perm[d] = d;
        }
        for (int d = rank - 1; d > 0; d--) {
            int j = (int)(rng() % (uint64_t)(d + 1));
            int64_t t = perm[d];
            perm[d] = perm[j];
            perm[j] = t;
        }
        pds_dtype dt = dts[iter % 4];
        pdsi_tensor *x = arange(dt, rank, dims), *o = pdst_mk_out();
        CHECK_OK(pdst_run_op("transpose2", ATTRS(pdst_attr_ints("axis", perm, rank)),
                             (pdsi_slot[]){SL(x)}, (pdsi_slot[]){SL(o), NOSLOT}, &err),
                 ep);
        for (int d = 0; d < rank; d++)
            odims[d] = dims[perm[d]];
        CHECK_SHAPE(o, dt, rank, odims);
        int64_t idx[PDSI_MAX_RANK] = {0}, n = pdsi_tensor_numel(x), bad = 0;
        for (int64_t i = 0; i < n; i++) {
            /* idx is the output index of element i; find the input offset */
            int64_t in_idx[PDSI_MAX_RANK], off = 0;
            for (int d = 0; d < rank; d++)
                in_idx[perm[d]] = idx[d];
            for (int e = 0; e < rank; e++)
                off = off * dims[e] + in_idx[e];
            /* arange of a narrow type wraps: compare in that type */
            int64_t want = pdsi_elem_get_i64(x->data, dt, off);
            if (dt == PDS_FLOAT16)
                want = (int64_t)pdsi_elem_get_f64(x->data, dt, off);
            int64_t got = dt == PDS_FLOAT16 ? (int64_t)pdsi_elem_get_f64(o->data, dt, i)
                                            : pdsi_elem_get_i64(o->data, dt, i);
            bad += got != want;
            for (int d = rank - 1; d >= 0; d--) {
                if (++idx[d] < odims[d])
                    break;
                idx[d] = 0;
            }
        }
        if (bad) {
            PDST_FAIL("transpose iteration %d: %lld wrong elements", iter, (long long)bad);
            return;
        }
        pdst_release_kept();
    }
}

/* ---- flatten -------------------------------------------------------------- */

static void test_flatten(void)
{
    pds_error err = {0}, *ep = &err;
    pdsi_tensor *o = pdst_mk_out(), *xs = pdst_mk_out();
    /* paddle: flatten_contiguous_range(start_axis=1, stop_axis=-1) [2,3,4] -> [2,12] */
    CHECK_OK(pdst_run_op("flatten_contiguous_range",
                         ATTRS(pdst_attr_int("start_axis", 1), pdst_attr_int("stop_axis", -1)),
                         (pdsi_slot[]){SL(x234())}, (pdsi_slot[]){SL(o), SL(xs)}, &err),
             ep);
    CHECK_SHAPE(o, PDS_FLOAT32, 2, DIMS(2, 12));
    CHECK_ARANGE(o);
    CHECK_SHAPE(xs, PDS_FLOAT32, 4, DIMS(0, 2, 3, 4));
    /* paddle: start_axis=-3, stop_axis=-2 -> [6,4]; start=stop -> unchanged */
    o = pdst_mk_out();
    CHECK_OK(pdst_run_op("flatten_contiguous_range",
                         ATTRS(pdst_attr_int("start_axis", -3), pdst_attr_int("stop_axis", -2)),
                         (pdsi_slot[]){SL(x234())}, (pdsi_slot[]){SL(o), NOSLOT}, &err),
             ep);
    CHECK_SHAPE(o, PDS_FLOAT32, 2, DIMS(6, 4));
    o = pdst_mk_out();
    CHECK_OK(pdst_run_op("flatten_contiguous_range",
                         ATTRS(pdst_attr_int("start_axis", 1), pdst_attr_int("stop_axis", 1)),
                         (pdsi_slot[]){SL(x234())}, (pdsi_slot[]){SL(o), NOSLOT}, &err),
             ep);
    CHECK_SHAPE(o, PDS_FLOAT32, 3, DIMS(2, 3, 4));
    /* paddle: a 0-D input gives [1] */
    o = pdst_mk_out();
    CHECK_OK(pdst_run_op("flatten_contiguous_range",
                         ATTRS(pdst_attr_int("start_axis", 0), pdst_attr_int("stop_axis", -1)),
                         (pdsi_slot[]){SL(pdst_mk(PDS_FLOAT32, 0, NULL, (float[]){5}))},
                         (pdsi_slot[]){SL(o), NOSLOT}, &err),
             ep);
    CHECK_SHAPE(o, PDS_FLOAT32, 1, DIMS(1));
    CHECK(((float *)o->data)[0] == 5);
    CHECK_STATUS(pdst_run_op("flatten_contiguous_range",
                             ATTRS(pdst_attr_int("start_axis", 2), pdst_attr_int("stop_axis", 1)),
                             (pdsi_slot[]){SL(x234())}, (pdsi_slot[]){SL(pdst_mk_out()), NOSLOT}, &err),
                 PDS_ERR_SHAPE, ep);
    /* Paddle 3.3 returns a bogus [0] for stop_axis beyond the rank; refused here */
    CHECK_STATUS(pdst_run_op("flatten_contiguous_range",
                             ATTRS(pdst_attr_int("start_axis", 0), pdst_attr_int("stop_axis", 3)),
                             (pdsi_slot[]){SL(x234())}, (pdsi_slot[]){SL(pdst_mk_out()), NOSLOT}, &err),
                 PDS_ERR_SHAPE, ep);
    CHECK_MSG(err, "stop_axis");

    /* paddle: flatten2(axis=0) -> [1,24], axis=2 -> [6,4], axis=3 -> [24,1] */
    static const int64_t want[4][2] = {{1, 24}, {2, 12}, {6, 4}, {24, 1}};
    for (int axis = 0; axis <= 3; axis++) {
        o = pdst_mk_out();
        CHECK_OK(pdst_run_op(axis % 2 ? "flatten" : "flatten2",
                             ATTRS(pdst_attr_int("axis", axis)), (pdsi_slot[]){SL(x234())},
                             (pdsi_slot[]){SL(o), NOSLOT}, &err),
                 ep);
        CHECK_SHAPE(o, PDS_FLOAT32, 2, want[axis]);
        CHECK_ARANGE(o);
    }
    o = pdst_mk_out();
    CHECK_OK(pdst_run_op("flatten2", ATTRS(pdst_attr_int("axis", 0)),
                         (pdsi_slot[]){SL(pdst_mk(PDS_FLOAT32, 0, NULL, NULL))},
                         (pdsi_slot[]){SL(o), NOSLOT}, &err),
             ep);
    CHECK_SHAPE(o, PDS_FLOAT32, 1, DIMS(1));
    /* paddle: flatten2 axis=-1 is an error ("axis should be >= 0") */
    CHECK_STATUS(pdst_run_op("flatten2", ATTRS(pdst_attr_int("axis", -1)),
                             (pdsi_slot[]){SL(x234())}, (pdsi_slot[]){SL(pdst_mk_out()), NOSLOT}, &err),
                 PDS_ERR_SHAPE, ep);
    CHECK_STATUS(pdst_run_op("flatten2", ATTRS(pdst_attr_int("axis", 4)),
                             (pdsi_slot[]){SL(x234())}, (pdsi_slot[]){SL(pdst_mk_out()), NOSLOT}, &err),
                 PDS_ERR_SHAPE, ep);
}

/* ---- squeeze / unsqueeze -------------------------------------------------- */

static void test_squeeze(void)
{
    pds_error err = {0}, *ep = &err;
    static const struct {
        int n;
        int64_t axes[3];
        int rank;
        int64_t dims[4];
    } cases[] = {
        /* paddle squeeze2 of [1,3,1,2]: axes=[1,2] -> [1,3,2] (the non-1 dim 1 stays) */
        {2, {1, 2}, 3, {1, 3, 2}},
        {0, {0}, 2, {3, 2}},                 /* axes=[] -> every 1 goes */
        {1, {-2}, 3, {1, 3, 2}},             /* negative axis */
        {3, {0, 0, -4}, 3, {3, 1, 2}},       /* repeats are harmless */
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        pdsi_tensor *o = pdst_mk_out(), *xs = pdst_mk_out();
        CHECK_OK(pdst_run_op("squeeze2", ATTRS(pdst_attr_ints("axes", cases[i].axes, cases[i].n)),
                             (pdsi_slot[]){SL(arange(PDS_FLOAT32, 4, DIMS(1, 3, 1, 2)))},
                             (pdsi_slot[]){SL(o), SL(xs)}, &err),
                 ep);
        CHECK_SHAPE(o, PDS_FLOAT32, cases[i].rank, cases[i].dims);
        CHECK_ARANGE(o);
        CHECK_SHAPE(xs, PDS_FLOAT32, 5, DIMS(0, 1, 3, 1, 2));
    }
    /* paddle: all-ones [1,1] -> 0-D; a 0-D input with axes [-1] stays 0-D */
    pdsi_tensor *o = pdst_mk_out();
    CHECK_OK(pdst_run_op("squeeze", ATTRS(NOINTS("axes")),
                         (pdsi_slot[]){SL(pdst_mk(PDS_INT32, 2, DIMS(1, 1), (int32_t[]){9}))},
                         (pdsi_slot[]){SL(o)}, &err),
             ep);
    CHECK_SHAPE(o, PDS_INT32, 0, NULL);
    CHECK(((int32_t *)o->data)[0] == 9);
    o = pdst_mk_out();
    CHECK_OK(pdst_run_op("squeeze2", ATTRS(INTS("axes", -1)),
                         (pdsi_slot[]){SL(pdst_mk(PDS_FLOAT32, 0, NULL, NULL))},
                         (pdsi_slot[]){SL(o), NOSLOT}, &err),
             ep);
    CHECK_SHAPE(o, PDS_FLOAT32, 0, NULL);
    /* paddle: axis 4 of a rank-4 input, axis 1 of a 0-D input are errors */
    CHECK_STATUS(pdst_run_op("squeeze2", ATTRS(INTS("axes", 4)),
                             (pdsi_slot[]){SL(arange(PDS_FLOAT32, 4, DIMS(1, 3, 1, 2)))},
                             (pdsi_slot[]){SL(pdst_mk_out()), NOSLOT}, &err),
                 PDS_ERR_SHAPE, ep);
    CHECK_STATUS(pdst_run_op("squeeze2", ATTRS(INTS("axes", 1)),
                             (pdsi_slot[]){SL(pdst_mk(PDS_FLOAT32, 0, NULL, NULL))},
                             (pdsi_slot[]){SL(pdst_mk_out()), NOSLOT}, &err),
                 PDS_ERR_SHAPE, ep);
}

static void test_unsqueeze(void)
{
    pds_error err = {0}, *ep = &err;
    static const struct {
        int n;
        int64_t axes[2];
        int64_t dims[4];
    } cases[] = {
        /* paddle unsqueeze2 of [2,3]; each axis counts against the rank so far */
        {2, {0, -1}, {1, 2, 3, 1}}, {2, {2, 0}, {1, 2, 3, 1}}, {2, {-1, -1}, {2, 3, 1, 1}},
        {2, {1, 1}, {2, 1, 1, 3}},  {2, {0, 3}, {1, 2, 3, 1}}, {2, {-3, -3}, {1, 1, 2, 3}},
        {2, {2, 2}, {2, 3, 1, 1}},  {2, {1, -1}, {2, 1, 3, 1}}, {2, {2, 1}, {2, 1, 3, 1}},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        pdsi_tensor *o = pdst_mk_out(), *xs = pdst_mk_out();
        CHECK_OK(pdst_run_op("unsqueeze2", ATTRS(pdst_attr_ints("axes", cases[i].axes, 2)),
                             (pdsi_slot[]){SL(arange(PDS_FLOAT32, 2, DIMS(2, 3))), NOSLOT, NOSLOT},
                             (pdsi_slot[]){SL(o), SL(xs)}, &err),
                 ep);
        CHECK_SHAPE(o, PDS_FLOAT32, 4, cases[i].dims);
        CHECK_ARANGE(o);
        CHECK_SHAPE(xs, PDS_FLOAT32, 3, DIMS(0, 2, 3));
    }
    /* paddle: AxesTensor [0,-1] -> [1,2,3,1]; AxesTensorList [[1],[0]] -> [1,2,1,3];
     * AxesTensor wins over the list; a 2-D AxesTensor gives all its values */
    pdsi_tensor *o = pdst_mk_out();
    CHECK_OK(pdst_run_op("unsqueeze2", ATTRS(INTS("axes", 5)),
                         (pdsi_slot[]){SL(arange(PDS_FLOAT32, 2, DIMS(2, 3))), SL(VI32(0, -1)),
                                       SL(VI64(1))},
                         (pdsi_slot[]){SL(o), NOSLOT}, &err),
             ep);
    CHECK_SHAPE(o, PDS_FLOAT32, 4, DIMS(1, 2, 3, 1));
    o = pdst_mk_out();
    CHECK_OK(pdst_run_op("unsqueeze", ATTRS(INTS("axes", 5)),
                         (pdsi_slot[]){SL(arange(PDS_FLOAT32, 2, DIMS(2, 3))), NOSLOT,
                                       SL(VI64(1), VI32(0))},
                         (pdsi_slot[]){SL(o)}, &err),
             ep);
    CHECK_SHAPE(o, PDS_FLOAT32, 4, DIMS(1, 2, 1, 3));
    o = pdst_mk_out();
    CHECK_OK(pdst_run_op("unsqueeze2", ATTRS(NOINTS("axes")),
                         (pdsi_slot[]){SL(arange(PDS_FLOAT32, 2, DIMS(2, 3))),
                                       SL(pdst_mk(PDS_INT32, 2, DIMS(2, 1), (int32_t[]){0, 1})),
                                       NOSLOT},
                         (pdsi_slot[]){SL(o), NOSLOT}, &err),
             ep);
    CHECK_SHAPE(o, PDS_FLOAT32, 4, DIMS(1, 1, 2, 3));
    /* 0-D: axes [-1,0] -> [1,1]; no axes -> 0-D */
    o = pdst_mk_out();
    CHECK_OK(pdst_run_op("unsqueeze2", ATTRS(INTS("axes", -1, 0)),
                         (pdsi_slot[]){SL(pdst_mk(PDS_FLOAT32, 0, NULL, NULL)), NOSLOT, NOSLOT},
                         (pdsi_slot[]){SL(o), NOSLOT}, &err),
             ep);
    CHECK_SHAPE(o, PDS_FLOAT32, 2, DIMS(1, 1));

    /* paddle: axes [3], [3,1] and [-4] on rank 2 are errors */
    static const int64_t bad[3][2] = {{3, 0}, {3, 1}, {-4, 0}};
    for (int i = 0; i < 3; i++) {
        CHECK_STATUS(pdst_run_op("unsqueeze2", ATTRS(pdst_attr_ints("axes", bad[i], i == 1 ? 2 : 1)),
                                 (pdsi_slot[]){SL(arange(PDS_FLOAT32, 2, DIMS(2, 3))), NOSLOT,
                                               NOSLOT},
                                 (pdsi_slot[]){SL(pdst_mk_out()), NOSLOT}, &err),
                     PDS_ERR_SHAPE, ep);
        CHECK_MSG(err, "out of range");
    }
    CHECK_STATUS(pdst_run_op("unsqueeze2", ATTRS(INTS("axes", 0, 0, 0, 0, 0, 0, 0)),
                             (pdsi_slot[]){SL(arange(PDS_FLOAT32, 2, DIMS(2, 3))), NOSLOT, NOSLOT},
                             (pdsi_slot[]){SL(pdst_mk_out()), NOSLOT}, &err),
                 PDS_ERR_SHAPE, ep);
    CHECK_MSG(err, "maximum rank");
    CHECK_STATUS(pdst_run_op("unsqueeze2", ATTRS(NOINTS("axes")),
                             (pdsi_slot[]){SL(arange(PDS_FLOAT32, 2, DIMS(2, 3))),
                                           SL(pdst_mk(PDS_FLOAT32, 1, DIMS(1), NULL)), NOSLOT},
                             (pdsi_slot[]){SL(pdst_mk_out()), NOSLOT}, &err),
                 PDS_ERR_DTYPE, ep);
}

/* ---- concat / split / stack ----------------------------------------------- */

static void test_concat(void)
{
    pds_error err = {0}, *ep = &err;
    pdsi_tensor *a = arange(PDS_FLOAT32, 2, DIMS(2, 3));
    pdsi_tensor *b = pdst_mk(PDS_FLOAT32, 2, DIMS(2, 2), (float[]){6, 7, 8, 9});
    pdsi_tensor *c = pdst_mk(PDS_FLOAT32, 2, DIMS(2, 3), (float[]){6, 7, 8, 9, 10, 11});
    pdsi_tensor *o = pdst_mk_out();
    CHECK_OK(pdst_run_op("concat", ATTRS(pdst_attr_int("axis", 1)), (pdsi_slot[]){SL(a, b), NOSLOT},
                         (pdsi_slot[]){SL(o)}, &err),
             ep);
    CHECK_EXPECT(o, PDS_FLOAT32, cc_ax1);
    o = pdst_mk_out();
    CHECK_OK(pdst_run_op("concat", ATTRS(pdst_attr_int("axis", -1)),
                         (pdsi_slot[]){SL(a, c), NOSLOT}, (pdsi_slot[]){SL(o)}, &err),
             ep);
    CHECK_EXPECT(o, PDS_FLOAT32, cc_neg);
    /* AxisTensor (int64 [0]) overrides axis=1 */
    o = pdst_mk_out();
    CHECK_OK(pdst_run_op("concat", ATTRS(pdst_attr_int("axis", 1)),
                         (pdsi_slot[]){SL(a, c), SL(VI64(0))}, (pdsi_slot[]){SL(o)}, &err),
             ep);
    CHECK_EXPECT(o, PDS_FLOAT32, cc_at);
    /* one input; a zero-size input adds nothing (paddle: [2,3] + [0,3] -> [2,3]) */
    o = pdst_mk_out();
    CHECK_OK(pdst_run_op("concat", ATTRS(pdst_attr_int("axis", 0)),
                         (pdsi_slot[]){SL(a, pdst_mk(PDS_FLOAT32, 2, DIMS(0, 3), NULL)), NOSLOT},
                         (pdsi_slot[]){SL(o)}, &err),
             ep);
    CHECK_SHAPE(o, PDS_FLOAT32, 2, DIMS(2, 3));
    CHECK_ARANGE(o);

    /* errors: dims differ off the axis, dtypes differ, 0-D, axis out of range */
    CHECK_STATUS(pdst_run_op("concat", ATTRS(pdst_attr_int("axis", 0)),
                             (pdsi_slot[]){SL(a, b), NOSLOT}, (pdsi_slot[]){SL(pdst_mk_out())}, &err),
                 PDS_ERR_SHAPE, ep);
    CHECK_MSG(err, "'X'[1] has shape [2,2], expected dim 1 to be 3");
    CHECK_STATUS(pdst_run_op("concat", ATTRS(pdst_attr_int("axis", 0)),
                             (pdsi_slot[]){SL(a, arange(PDS_INT32, 2, DIMS(2, 3))), NOSLOT},
                             (pdsi_slot[]){SL(pdst_mk_out())}, &err),
                 PDS_ERR_DTYPE, ep);
    CHECK_STATUS(pdst_run_op("concat", ATTRS(pdst_attr_int("axis", 0)),
                             (pdsi_slot[]){SL(pdst_mk(PDS_FLOAT32, 0, NULL, NULL),
                                              pdst_mk(PDS_FLOAT32, 0, NULL, NULL)),
                                           NOSLOT},
                             (pdsi_slot[]){SL(pdst_mk_out())}, &err),
                 PDS_ERR_SHAPE, ep);
    CHECK_STATUS(pdst_run_op("concat", ATTRS(pdst_attr_int("axis", 2)),
                             (pdsi_slot[]){SL(a, c), NOSLOT}, (pdsi_slot[]){SL(pdst_mk_out())}, &err),
                 PDS_ERR_SHAPE, ep);
    CHECK_STATUS(pdst_run_op("concat", ATTRS(pdst_attr_int("axis", 0)),
                             (pdsi_slot[]){SL(a, b, a, c), SL(VI64(1, 0))},
                             (pdsi_slot[]){SL(pdst_mk_out())}, &err),
                 PDS_ERR_SHAPE, ep);
    CHECK_MSG(err, "AxisTensor");
    CHECK_STATUS(pdst_run_op("concat", ATTRS(pdst_attr_int("axis", 0)),
                             (pdsi_slot[]){SL(a, c), SL(pdst_mk(PDS_FLOAT32, 1, DIMS(1), NULL))},
                             (pdsi_slot[]){SL(pdst_mk_out())}, &err),
                 PDS_ERR_DTYPE, ep);
}

static void test_split(void)
{
    pds_error err = {0}, *ep = &err;
    pdsi_tensor *o0 = pdst_mk_out(), *o1 = pdst_mk_out(), *o2 = pdst_mk_out();
    CHECK_OK(pdst_run_op("split",
                         ATTRS(pdst_attr_int("axis", 2), pdst_attr_int("num", 0),
                               INTS("sections", 1, -1, 2)),
                         (pdsi_slot[]){SL(x234()), NOSLOT, NOSLOT}, (pdsi_slot[]){SL(o0, o1, o2)},
                         &err),
             ep);
    CHECK_EXPECT(o0, PDS_FLOAT32, sp_sec_0);
    CHECK_EXPECT(o1, PDS_FLOAT32, sp_sec_1);
    CHECK_EXPECT(o2, PDS_FLOAT32, sp_sec_2);
    o0 = pdst_mk_out(), o1 = pdst_mk_out();
    CHECK_OK(pdst_run_op("split", ATTRS(pdst_attr_int("axis", 2), pdst_attr_int("num", 2)),
                         (pdsi_slot[]){SL(x234()), NOSLOT, NOSLOT}, (pdsi_slot[]){SL(o0, o1)},
                         &err),
             ep);
    CHECK_EXPECT(o0, PDS_FLOAT32, sp_num_0);
    CHECK_EXPECT(o1, PDS_FLOAT32, sp_num_1);
    /* AxisTensor [1] and SectionsTensorList [1],[-1] override the attributes */
    o0 = pdst_mk_out(), o1 = pdst_mk_out();
    CHECK_OK(pdst_run_op("split",
                         ATTRS(pdst_attr_int("axis", 2), pdst_attr_int("num", 0),
                               INTS("sections", 2, 2)),
                         (pdsi_slot[]){SL(x234()), SL(VI32(1)), SL(VI32(1), VI64(-1))},
                         (pdsi_slot[]){SL(o0, o1)}, &err),
             ep);
    CHECK_EXPECT(o0, PDS_FLOAT32, sp_stl_0);
    CHECK_EXPECT(o1, PDS_FLOAT32, sp_stl_1);
    /* num wins over SectionsTensorList, but sections win over num */
    o0 = pdst_mk_out(), o1 = pdst_mk_out();
    CHECK_OK(pdst_run_op("split",
                         ATTRS(pdst_attr_int("axis", 2), pdst_attr_int("num", 2),
                               INTS("sections", 1, 3)),
                         (pdsi_slot[]){SL(x234()), NOSLOT, NOSLOT}, (pdsi_slot[]){SL(o0, o1)},
                         &err),
             ep);
    CHECK_EXPECT(o0, PDS_FLOAT32, sp_num_sec_0);
    CHECK_EXPECT(o1, PDS_FLOAT32, sp_num_sec_1);
    o0 = pdst_mk_out(), o1 = pdst_mk_out();
    CHECK_OK(pdst_run_op("split", ATTRS(pdst_attr_int("axis", 2), pdst_attr_int("num", 2)),
                         (pdsi_slot[]){SL(x234()), NOSLOT, SL(VI32(1), VI64(3))},
                         (pdsi_slot[]){SL(o0, o1)}, &err),
             ep);
    CHECK_EXPECT(o0, PDS_FLOAT32, sp_num_stl_0);
    CHECK_EXPECT(o1, PDS_FLOAT32, sp_num_stl_1);
    /* a negative axis (Paddle's legacy kernel fails on it; pdsafe normalises) */
    o0 = pdst_mk_out(), o1 = pdst_mk_out();
    CHECK_OK(pdst_run_op("split", ATTRS(pdst_attr_int("axis", -1), pdst_attr_int("num", 2)),
                         (pdsi_slot[]){SL(x234()), NOSLOT, NOSLOT}, (pdsi_slot[]){SL(o0, o1)},
                         &err),
             ep);
    CHECK_EXPECT(o0, PDS_FLOAT32, sp_num_0);
    /* a zero section gives a zero-size part */
    o0 = pdst_mk_out(), o1 = pdst_mk_out();
    CHECK_OK(pdst_run_op("split", ATTRS(pdst_attr_int("axis", 1), INTS("sections", 0, -1)),
                         (pdsi_slot[]){SL(x234()), NOSLOT, NOSLOT}, (pdsi_slot[]){SL(o0, o1)},
                         &err),
             ep);
    CHECK_SHAPE(o0, PDS_FLOAT32, 3, DIMS(2, 0, 4));
    CHECK_SHAPE(o1, PDS_FLOAT32, 3, DIMS(2, 3, 4));
    CHECK_ARANGE(o1);

#define SPLIT_ERR(attrs, axis_slot, sec_slot, outs, code, msg)                                  \
    do {                                                                                        \
        CHECK_STATUS(pdst_run_op("split", attrs, (pdsi_slot[]){SL(x234()), axis_slot, sec_slot}, \
                                 (pdsi_slot[]){outs}, &err),                                    \
                     code, ep);                                                               \
        CHECK_MSG(err, msg);                                                                    \
    } while (0)
    SPLIT_ERR(ATTRS(pdst_attr_int("axis", 2), INTS("sections", 1, 2)), NOSLOT, NOSLOT,
              SL(pdst_mk_out(), pdst_mk_out()), PDS_ERR_SHAPE, "sums to 3, expected 4");
    SPLIT_ERR(ATTRS(pdst_attr_int("axis", 2), INTS("sections", -1, -1)), NOSLOT, NOSLOT,
              SL(pdst_mk_out(), pdst_mk_out()), PDS_ERR_SHAPE, "more than one -1");
    SPLIT_ERR(ATTRS(pdst_attr_int("axis", 2), INTS("sections", -2, 3, 3)), NOSLOT, NOSLOT,
              SL(pdst_mk_out(), pdst_mk_out(), pdst_mk_out()), PDS_ERR_SHAPE, "-2");
    SPLIT_ERR(ATTRS(pdst_attr_int("axis", 2), INTS("sections", 3, 3, -1)), NOSLOT, NOSLOT,
              SL(pdst_mk_out(), pdst_mk_out(), pdst_mk_out()), PDS_ERR_SHAPE, "is invalid");
    SPLIT_ERR(ATTRS(pdst_attr_int("axis", 2), pdst_attr_int("num", 3)), NOSLOT, NOSLOT,
              SL(pdst_mk_out(), pdst_mk_out(), pdst_mk_out()), PDS_ERR_SHAPE, "does not divide");
    SPLIT_ERR(ATTRS(pdst_attr_int("axis", 2), pdst_attr_int("num", 2)), NOSLOT, NOSLOT,
              SL(pdst_mk_out(), pdst_mk_out(), pdst_mk_out()), PDS_ERR_SHAPE, "'Out' has 3");
    SPLIT_ERR(ATTRS(pdst_attr_int("axis", 2), INTS("sections", 4)), NOSLOT, NOSLOT,
              SL(pdst_mk_out(), pdst_mk_out()), PDS_ERR_SHAPE, "'Out' has 2");
    SPLIT_ERR(ATTRS(pdst_attr_int("axis", 3), pdst_attr_int("num", 2)), NOSLOT, NOSLOT,
              SL(pdst_mk_out(), pdst_mk_out()), PDS_ERR_SHAPE, "out of range");
    SPLIT_ERR(ATTRS(pdst_attr_int("axis", 0), pdst_attr_int("num", 2)),
              SL(pdst_mk(PDS_FLOAT32, 1, DIMS(1), NULL)), NOSLOT, SL(pdst_mk_out(), pdst_mk_out()), PDS_ERR_DTYPE,
              "AxisTensor");
    SPLIT_ERR(ATTRS(pdst_attr_int("axis", 2), INTS("sections", 1, 3)), NOSLOT,
              SL(VI32(1), VI32(2, 1)), SL(pdst_mk_out(), pdst_mk_out()), PDS_ERR_SHAPE, "one element");
#undef SPLIT_ERR
    CHECK_STATUS(pdst_run_op("split", ATTRS(pdst_attr_int("num", -1)),
                             (pdsi_slot[]){SL(x234()), NOSLOT, NOSLOT},
                             (pdsi_slot[]){SL(pdst_mk_out())}, &err),
                 PDS_ERR_MODEL_FORMAT, ep);
}

static void test_stack(void)
{
    pds_error err = {0}, *ep = &err;
    pdsi_tensor *a = arange(PDS_FLOAT32, 2, DIMS(2, 3));
    pdsi_tensor *b = pdst_mk(PDS_FLOAT32, 2, DIMS(2, 3), (float[]){6, 7, 8, 9, 10, 11});
    pdsi_tensor *o = pdst_mk_out();
    CHECK_OK(pdst_run_op("stack", ATTRS(pdst_attr_int("axis", -1)), (pdsi_slot[]){SL(a, b)},
                         (pdsi_slot[]){SL(o)}, &err),
             ep);
    CHECK_EXPECT(o, PDS_FLOAT32, st_m1);
    o = pdst_mk_out();
    CHECK_OK(pdst_run_op("stack", ATTRS(pdst_attr_int("axis", -3)), (pdsi_slot[]){SL(a, b)},
                         (pdsi_slot[]){SL(o)}, &err),
             ep);
    CHECK_EXPECT(o, PDS_FLOAT32, st_m3);
    o = pdst_mk_out();
    CHECK_OK(pdst_run_op("stack", ATTRS(pdst_attr_int("axis", 0)),
                         (pdsi_slot[]){SL(pdst_mk(PDS_FLOAT32, 0, NULL, (float[]){1}),
                                          pdst_mk(PDS_FLOAT32, 0, NULL, (float[]){2}))},
                         (pdsi_slot[]){SL(o)}, &err),
             ep);
    CHECK_EXPECT(o, PDS_FLOAT32, st_0d);
    /* paddle: axis 3 and -4 for rank-2 inputs are out of [-(rank+1), rank] */
    CHECK_STATUS(pdst_run_op("stack", ATTRS(pdst_attr_int("axis", 3)), (pdsi_slot[]){SL(a, b)},
                             (pdsi_slot[]){SL(pdst_mk_out())}, &err),
                 PDS_ERR_SHAPE, ep);
    CHECK_STATUS(pdst_run_op("stack", ATTRS(pdst_attr_int("axis", -4)), (pdsi_slot[]){SL(a, b)},
                             (pdsi_slot[]){SL(pdst_mk_out())}, &err),
                 PDS_ERR_SHAPE, ep);
    CHECK_STATUS(pdst_run_op("stack", ATTRS(pdst_attr_int("axis", 0)),
                             (pdsi_slot[]){SL(a, arange(PDS_FLOAT32, 2, DIMS(3, 2)))},
                             (pdsi_slot[]){SL(pdst_mk_out())}, &err),
                 PDS_ERR_SHAPE, ep);
    CHECK_MSG(err, "expected [2,3]");
    CHECK_STATUS(pdst_run_op("stack", ATTRS(pdst_attr_int("axis", 0)),
                             (pdsi_slot[]){SL(a, arange(PDS_INT64, 2, DIMS(2, 3)))},
                             (pdsi_slot[]){SL(pdst_mk_out())}, &err),
                 PDS_ERR_DTYPE, ep);
    CHECK_STATUS(pdst_run_op("stack", ATTRS(pdst_attr_int("axis", 0)),
                             (pdsi_slot[]){SL(arange(PDS_FLOAT32, 8, DIMS(1, 1, 1, 1, 1, 1, 1, 2)))},
                             (pdsi_slot[]){SL(pdst_mk_out())}, &err),
                 PDS_ERR_SHAPE, ep);
}

/* concat then split gives the pieces back, for several dtypes and axes. */
static void test_concat_split_roundtrip(void)
{
    pds_error err = {0}, *ep = &err;
    static const pds_dtype dts[] = {PDS_BOOL, PDS_INT16, PDS_INT32, PDS_FLOAT64};
    for (int axis = 0; axis < 3; axis++) {
        pds_dtype dt = dts[axis];
        int64_t da[3] = {2, 3, 4}, db[3] = {2, 3, 4};
        db[axis] = 5;
        pdsi_tensor *a = pdst_mk(dt, 3, da, NULL), *b = pdst_mk(dt, 3, db, NULL), *c = pdst_mk_out();
        for (int64_t i = 0; i < 24; i++)
            pdsi_elem_set_i64(a->data, dt, i, (int64_t)(rng() % 2));
        for (int64_t i = 0; i < pdsi_tensor_numel(b); i++)
            pdsi_elem_set_i64(b->data, dt, i, (int64_t)(rng() % 2));
        CHECK_OK(pdst_run_op("concat", ATTRS(pdst_attr_int("axis", axis)),
                             (pdsi_slot[]){SL(a, b), NOSLOT}, (pdsi_slot[]){SL(c)}, &err),
                 ep);
        pdsi_tensor *p = pdst_mk_out(), *q = pdst_mk_out();
        CHECK_OK(pdst_run_op("split",
                             ATTRS(pdst_attr_int("axis", axis), pdst_attr_ints("sections",
                                                                               (int64_t[]){da[axis], -1}, 2)),
                             (pdsi_slot[]){SL(c), NOSLOT, NOSLOT}, (pdsi_slot[]){SL(p, q)}, &err),
                 ep);
        CHECK_SHAPE(p, dt, 3, da);
        CHECK_SHAPE(q, dt, 3, db);
        CHECK(memcmp(p->data, a->data, pdsi_tensor_bytes(a)) == 0);
        CHECK(memcmp(q->data, b->data, pdsi_tensor_bytes(b)) == 0);
    }
}

/* ---- slice / strided_slice ------------------------------------------------ */

static pds_status run_slice(const char *type, const int64_t *axes, const int64_t *starts,
                            const int64_t *ends, const int64_t *strides, int n,
                            const int64_t *dec, int n_dec, const int64_t *flags,
                            const pdsi_slot *tensors, pdsi_tensor *x, pdsi_tensor *o,
                            pds_error *err)
{
    pdsi_attr attrs[6] = {
        pdst_attr_ints("axes", axes, n),          pdst_attr_ints("starts", starts, n),
        pdst_attr_ints("ends", ends, n),          pdst_attr_ints("decrease_axis", dec, n_dec),
        pdst_attr_ints("infer_flags", flags, n),  pdst_attr_ints("strides", strides, n),
    };
    /* slice has 4 tensor slots after Input, strided_slice 6 */
    pdsi_slot in[7] = {SL(x)};
    for (int k = 1; k <= (strides ? 6 : 4); k++)
        in[k] = tensors ? tensors[k - 1] : NOSLOT;
    return pdst_run_op(type, attrs, strides ? 6 : 5, in, (pdsi_slot[]){SL(o)}, err);
}

static const int64_t ones[8] = {1, 1, 1, 1, 1, 1, 1, 1};
static const int64_t minus_ones[8] = {-1, -1, -1, -1, -1, -1, -1, -1};

static void test_slice(void)
{
    pds_error err = {0}, *ep = &err;
    pdsi_tensor *o;
    /* paddle slice of X [2,3,4] */
    o = pdst_mk_out(); /* axes [1,2] starts [-100,1] ends [-1,-1]: clamped like Python */
    CHECK_OK(run_slice("slice", DIMS(1, 2), DIMS(-100, 1), DIMS(-1, -1), NULL, 2, NULL, 0, ones,
                       NULL, x234(), o, &err),
             ep);
    CHECK_EXPECT(o, PDS_FLOAT32, sl_neg);
    o = pdst_mk_out(); /* starts [-3] ends [10000] */
    CHECK_OK(run_slice("slice", DIMS(2), DIMS(-3), DIMS(10000), NULL, 1, NULL, 0, ones, NULL,
                       x234(), o, &err),
             ep);
    CHECK_EXPECT(o, PDS_FLOAT32, sl_big);
    o = pdst_mk_out(); /* start after end: empty */
    CHECK_OK(run_slice("slice", DIMS(2), DIMS(3), DIMS(1), NULL, 1, NULL, 0, ones, NULL, x234(),
                       o, &err),
             ep);
    CHECK_SHAPE(o, PDS_FLOAT32, sl_empty_rank, sl_empty_dims);
    (void)sl_empty;
    o = pdst_mk_out(); /* decrease_axis [0,1] */
    CHECK_OK(run_slice("slice", DIMS(0, 1), DIMS(0, 1), DIMS(1, 2), NULL, 2, DIMS(0, 1), 2, ones,
                       NULL, x234(), o, &err),
             ep);
    CHECK_EXPECT(o, PDS_FLOAT32, sl_dec);
    o = pdst_mk_out(); /* every dim decreased: 0-D in Paddle 3.3 */
    CHECK_OK(run_slice("slice", DIMS(0, 1, 2), DIMS(1, 1, 1), DIMS(2, 2, 2), NULL, 3,
                       DIMS(0, 1, 2), 3, ones, NULL, x234(), o, &err),
             ep);
    CHECK_EXPECT(o, PDS_FLOAT32, sl_dec_all);
    o = pdst_mk_out(); /* a repeated axis: the last entry wins */
    CHECK_OK(run_slice("slice", DIMS(1, 1), DIMS(0, 1), DIMS(3, 2), NULL, 2, NULL, 0, ones, NULL,
                       x234(), o, &err),
             ep);
    CHECK_EXPECT(o, PDS_FLOAT32, sl_rep);
    o = pdst_mk_out(); /* a negative axis (Paddle 3.3 crashes on it; pdsafe normalises) */
    CHECK_OK(run_slice("slice", DIMS(-1), DIMS(-3), DIMS(10000), NULL, 1, NULL, 0, ones, NULL,
                       x234(), o, &err),
             ep);
    CHECK_EXPECT(o, PDS_FLOAT32, sl_big);
    o = pdst_mk_out(); /* int64 data: dtype-generic */
    CHECK_OK(run_slice("slice", DIMS(0), DIMS(1), DIMS(2), NULL, 1, NULL, 0, ones, NULL,
                       arange(PDS_INT64, 2, DIMS(3, 2)), o, &err),
             ep);
    CHECK_SHAPE(o, PDS_INT64, 2, DIMS(1, 2));
    CHECK(((int64_t *)o->data)[0] == 2 && ((int64_t *)o->data)[1] == 3);
    o = pdst_mk_out(); /* extreme starts and ends clamp without overflow */
    CHECK_OK(run_slice("slice", DIMS(2, 1), DIMS(INT64_MIN, INT64_MAX), DIMS(INT64_MAX, INT64_MIN),
                       NULL, 2, NULL, 0, ones, NULL, x234(), o, &err),
             ep);
    CHECK_SHAPE(o, PDS_FLOAT32, 3, DIMS(2, 0, 4));
}

static void test_slice_tensors(void)
{
    pds_error err = {0}, *ep = &err;
    pdsi_tensor *o;
    /* paddle slice with StartsTensor int64 [1,-3] and EndsTensor int32 [3,100] */
    o = pdst_mk_out();
    CHECK_OK(run_slice("slice", DIMS(1, 2), DIMS(0, 0), DIMS(1, 1), NULL, 2, NULL, 0, minus_ones,
                       (pdsi_slot[]){SL(VI64(1, -3)), SL(VI32(3, 100)), NOSLOT, NOSLOT}, x234(),
                       o, &err),
             ep);
    CHECK_EXPECT(o, PDS_FLOAT32, sl_t);
    /* tensor lists */
    o = pdst_mk_out();
    CHECK_OK(run_slice("slice", DIMS(1, 2), DIMS(0, 0), DIMS(1, 1), NULL, 2, NULL, 0, minus_ones,
                       (pdsi_slot[]){NOSLOT, NOSLOT, SL(VI64(1), VI32(2)), SL(VI64(3), VI32(3))},
                       x234(), o, &err),
             ep);
    CHECK_EXPECT(o, PDS_FLOAT32, sl_tl);
    /* StartsTensor wins over StartsTensorList */
    o = pdst_mk_out();
    CHECK_OK(run_slice("slice", DIMS(1, 2), DIMS(2, 2), DIMS(3, 3), NULL, 2, NULL, 0, minus_ones,
                       (pdsi_slot[]){SL(VI64(1, 1)), NOSLOT, SL(VI64(0), VI32(0)), NOSLOT},
                       x234(), o, &err),
             ep);
    CHECK_EXPECT(o, PDS_FLOAT32, sl_prio);
    /* x[t] with t = -1 from a tensor: start -1, end 0, infer_flags -1, decreased */
    o = pdst_mk_out();
    CHECK_OK(run_slice("slice", DIMS(1), DIMS(-1), DIMS(0), NULL, 1, DIMS(1), 1, minus_ones,
                       (pdsi_slot[]){SL(VI64(-1)), SL(VI64(0)), NOSLOT, NOSLOT}, x234(), o, &err),
             ep);
    CHECK_EXPECT(o, PDS_FLOAT32, sl_last);

    /* errors (M11, M19) */
    CHECK_STATUS(run_slice("slice", DIMS(3), DIMS(0), DIMS(1), NULL, 1, NULL, 0, ones, NULL,
                           x234(), pdst_mk_out(), &err),
                 PDS_ERR_SHAPE, ep);
    CHECK_MSG(err, "axes[0] = 3 is out of range");
    CHECK_STATUS(run_slice("slice", DIMS(-4), DIMS(0), DIMS(1), NULL, 1, NULL, 0, ones, NULL,
                           x234(), pdst_mk_out(), &err),
                 PDS_ERR_SHAPE, ep);
    /* paddle: "Decrease dim should be 1, but now received 2" */
    CHECK_STATUS(run_slice("slice", DIMS(0), DIMS(0), DIMS(2), NULL, 1, DIMS(0), 1, ones, NULL,
                           x234(), pdst_mk_out(), &err),
                 PDS_ERR_SHAPE, ep);
    CHECK_MSG(err, "expected 1");
    CHECK_STATUS(run_slice("slice", DIMS(1), DIMS(0), DIMS(1), NULL, 1, DIMS(2), 1, ones, NULL,
                           x234(), pdst_mk_out(), &err),
                 PDS_ERR_SHAPE, ep);
    CHECK_STATUS(run_slice("slice", DIMS(1), DIMS(0), DIMS(1), NULL, 1, DIMS(5), 1, ones, NULL,
                           x234(), pdst_mk_out(), &err),
                 PDS_ERR_SHAPE, ep);
    CHECK_STATUS(run_slice("slice", DIMS(1), DIMS(0), DIMS(3), NULL, 1, NULL, 0, minus_ones,
                           (pdsi_slot[]){SL(pdst_mk(PDS_FLOAT32, 1, DIMS(1), NULL)), NOSLOT, NOSLOT,
                                         NOSLOT},
                           x234(), pdst_mk_out(), &err),
                 PDS_ERR_DTYPE, ep);
    CHECK_MSG(err, "StartsTensor");
    /* Paddle 3.3 reads past a StartsTensor shorter than axes; refused here */
    CHECK_STATUS(run_slice("slice", DIMS(1, 2), DIMS(0, 0), DIMS(3, 3), NULL, 2, NULL, 0,
                           minus_ones, (pdsi_slot[]){SL(VI64(1)), NOSLOT, NOSLOT, NOSLOT}, x234(),
                           pdst_mk_out(), &err),
                 PDS_ERR_SHAPE, ep);
    CHECK_MSG(err, "StartsTensor' has 1 values, expected 2");
    /* starts attribute shorter than axes */
    CHECK_STATUS(pdst_run_op("slice",
                             ATTRS(INTS("axes", 1, 2), INTS("starts", 0), INTS("ends", 3, 3)),
                             (pdsi_slot[]){SL(x234()), NOSLOT, NOSLOT, NOSLOT, NOSLOT},
                             (pdsi_slot[]){SL(pdst_mk_out())}, &err),
                 PDS_ERR_SHAPE, ep);
    CHECK_MSG(err, "'starts' has 1 values, expected 2");
}

static pds_status run_ss(const int64_t *axes, const int64_t *starts, const int64_t *ends,
                         const int64_t *strides, int n, const int64_t *dec, int n_dec,
                         const int64_t *flags, const pdsi_slot *tensors, pdsi_tensor *x,
                         pdsi_tensor *o, pds_error *err)
{
    return run_slice("strided_slice", axes, starts, ends, strides, n, dec, n_dec, flags, tensors,
                     x, o, err);
}

static void test_strided_slice(void)
{
    pds_error err = {0}, *ep = &err;
    pdsi_tensor *o = pdst_mk_out();
    /* paddle strided_slice of X [2,3,4]: axes [1,2] starts [2,3] ends [-100,0] strides [-1,-2] */
    CHECK_OK(run_ss(DIMS(1, 2), DIMS(2, 3), DIMS(-100, 0), DIMS(-1, -2), 2, NULL, 0, ones, NULL,
                    x234(), o, &err),
             ep);
    CHECK_EXPECT(o, PDS_FLOAT32, ss_neg);
    /* every dim decreased gives [1] here (slice gives 0-D) */
    o = pdst_mk_out();
    CHECK_OK(run_ss(DIMS(0, 1, 2), DIMS(0, 0, 0), DIMS(1, 1, 1), DIMS(1, 1, 1), 3, DIMS(0, 1, 2), 3,
                    ones, NULL, x234(), o, &err),
             ep);
    CHECK_EXPECT(o, PDS_FLOAT32, ss_dec_all);
    /* the same from StartsTensor, EndsTensor, StridesTensor */
    o = pdst_mk_out();
    CHECK_OK(run_ss(DIMS(1, 2), DIMS(0, 0), DIMS(1, 1), DIMS(1, 1), 2, NULL, 0, minus_ones,
                    (pdsi_slot[]){SL(VI64(2, 3)), NOSLOT, SL(VI32(-100, 0)), NOSLOT,
                                  SL(VI32(-1, -2)), NOSLOT},
                    x234(), o, &err),
             ep);
    CHECK_EXPECT(o, PDS_FLOAT32, ss_t);
    /* x[t], t = -1: Paddle 3.3 takes the first element for a positive stride and
     * the last for a negative one */
    o = pdst_mk_out();
    CHECK_OK(run_ss(DIMS(1), DIMS(-1), DIMS(0), DIMS(1), 1, DIMS(1), 1, minus_ones, NULL, x234(),
                    o, &err),
             ep);
    CHECK_EXPECT(o, PDS_FLOAT32, ss_m1);
    o = pdst_mk_out();
    CHECK_OK(run_ss(DIMS(1), DIMS(-1), DIMS(0), DIMS(-1), 1, DIMS(1), 1, minus_ones, NULL, x234(),
                    o, &err),
             ep);
    CHECK_EXPECT(o, PDS_FLOAT32, ss_m1n);
    /* strides far beyond the dim, including INT64_MIN */
    o = pdst_mk_out();
    CHECK_OK(run_ss(DIMS(1, 2), DIMS(0, -1), DIMS(3, -5), DIMS(INT64_MAX, INT64_MIN), 2, NULL, 0,
                    ones, NULL, x234(), o, &err),
             ep);
    CHECK_SHAPE(o, PDS_FLOAT32, 3, DIMS(2, 1, 1));
    CHECK(((float *)o->data)[0] == 3 && ((float *)o->data)[1] == 15);

    /* paddle: stride 0 and a decreased dim of size 2 are errors */
    CHECK_STATUS(run_ss(DIMS(0), DIMS(0), DIMS(2), DIMS(0), 1, NULL, 0, ones, NULL, x234(), pdst_mk_out(),
                        &err),
                 PDS_ERR_SHAPE, ep);
    CHECK_MSG(err, "strides[0] is 0");
    CHECK_STATUS(run_ss(DIMS(1), DIMS(0), DIMS(3), DIMS(2), 1, DIMS(1), 1, ones, NULL, x234(),
                        pdst_mk_out(), &err),
                 PDS_ERR_SHAPE, ep);
    CHECK_STATUS(run_ss(DIMS(1), DIMS(0), DIMS(3), DIMS(1), 1, NULL, 0, minus_ones,
                        (pdsi_slot[]){NOSLOT, NOSLOT, NOSLOT, NOSLOT,
                                      SL(pdst_mk(PDS_FLOAT64, 1, DIMS(1), NULL)), NOSLOT},
                        x234(), pdst_mk_out(), &err),
                 PDS_ERR_DTYPE, ep);
}

/* Python's slice.indices (CPython's PySlice_AdjustIndices), written out
 * independently of the kernel. Paddle 3.3's strided_slice matched it on all
 * 5400 single-axis cases with sizes 0..5, starts/ends in [-7,7], strides
 * +-1..3 (checked when these tests were written). */
static int64_t py_slice(int64_t len, int64_t start, int64_t stop, int64_t step, int64_t *first)
{
    if (start < 0) {
        start += len;
        if (start < 0)
            start = step < 0 ? -1 : 0;
    } else if (start >= len) {
        start = step < 0 ? len - 1 : len;
    }
    if (stop < 0) {
        stop += len;
        if (stop < 0)
            stop = step < 0 ? -1 : 0;
    } else if (stop >= len) {
        stop = step < 0 ? len - 1 : len;
    }
    *first = start;
    if (step < 0)
        return stop < start ? (start - stop - 1) / (-step) + 1 : 0;
    return start < stop ? (stop - start - 1) / step + 1 : 0;
}

static void test_strided_slice_random(void)
{
    pds_error err = {0}, *ep = &err;
    for (int iter = 0; iter < 300; iter++) {
        int64_t dims[3], axes[3], st[3], en[3], sd[3], first[3], cnt[3];
        for (int d = 0; d < 3; d++) {
            dims[d] = (int64_t)(rng() % 6);
            first[d] = 0;
            cnt[d] = dims[d];
        }
        int n = 1 + (int)(rng() % 3);
        for (int i = 0; i < n; i++) {
            axes[i] = (int64_t)(rng() % 3);
            st[i] = (int64_t)(rng() % 15) - 7;
            en[i] = (int64_t)(rng() % 15) - 7;
            do
                sd[i] = (int64_t)(rng() % 7) - 3;
            while (sd[i] == 0);
            cnt[axes[i]] = py_slice(dims[axes[i]], st[i], en[i], sd[i], &first[axes[i]]);
        }
        int64_t step[3] = {1, 1, 1};
        for (int i = 0; i < n; i++)
            step[axes[i]] = sd[i];
        pdsi_tensor *x = arange(PDS_INT32, 3, dims), *o = pdst_mk_out();
        CHECK_OK(run_ss(axes, st, en, sd, n, NULL, 0, ones, NULL, x, o, &err), ep);
        CHECK_SHAPE(o, PDS_INT32, 3, cnt);
        int64_t bad = 0, k = 0;
        for (int64_t i = 0; i < cnt[0]; i++)
            for (int64_t j = 0; j < cnt[1]; j++)
                for (int64_t l = 0; l < cnt[2]; l++, k++) {
                    int64_t a = first[0] + i * step[0], b = first[1] + j * step[1],
                            c = first[2] + l * step[2];
                    bad += ((int32_t *)o->data)[k] != (a * dims[1] + b) * dims[2] + c;
                }
        if (bad) {
            PDST_FAIL("strided_slice iteration %d: %lld wrong elements", iter, (long long)bad);
            return;
        }
        pdst_release_kept();
    }
}

/* ---- shape, assign -------------------------------------------------------- */

static void test_shape_assign(void)
{
    pds_error err = {0}, *ep = &err;
    pdsi_tensor *o = pdst_mk_out();
    CHECK_OK(pdst_run_op("shape", NULL, 0, (pdsi_slot[]){SL(x234())}, (pdsi_slot[]){SL(o)}, &err),
             ep);
    CHECK_EXPECT(o, PDS_INT32, shape_3d); /* paddle: int32 for the legacy op */
    o = pdst_mk_out();
    CHECK_OK(pdst_run_op("shape", NULL, 0, (pdsi_slot[]){SL(pdst_mk(PDS_INT64, 0, NULL, NULL))},
                         (pdsi_slot[]){SL(o)}, &err),
             ep);
    CHECK_SHAPE(o, PDS_INT32, 1, DIMS(0)); /* paddle: a 0-D input gives int32 [0] */
    o = pdst_mk_out();
    CHECK_OK(pdst_run_op("shape", NULL, 0,
                         (pdsi_slot[]){SL(pdst_mk(PDS_UINT8, 3, DIMS(3, 0, 2), NULL))},
                         (pdsi_slot[]){SL(o)}, &err),
             ep);
    CHECK_SHAPE(o, PDS_INT32, 1, DIMS(3));
    CHECK(((int32_t *)o->data)[0] == 3 && ((int32_t *)o->data)[1] == 0 &&
          ((int32_t *)o->data)[2] == 2);

    o = pdst_mk_out();
    CHECK_OK(pdst_run_op("assign", NULL, 0, (pdsi_slot[]){SL(arange(PDS_INT64, 2, DIMS(3, 5)))},
                         (pdsi_slot[]){SL(o)}, &err),
             ep);
    CHECK_SHAPE(o, PDS_INT64, 2, DIMS(3, 5));
    CHECK_ARANGE(o);
    o = pdst_mk_out();
    CHECK_OK(pdst_run_op("assign", NULL, 0,
                         (pdsi_slot[]){SL(pdst_mk(PDS_BOOL, 0, NULL, (uint8_t[]){1}))},
                         (pdsi_slot[]){SL(o)}, &err),
             ep);
    CHECK_SHAPE(o, PDS_BOOL, 0, NULL);
    CHECK(((uint8_t *)o->data)[0] == 1);
    CHECK_STATUS(pdst_run_op("assign", NULL, 0,
                             (pdsi_slot[]){SL(pdst_mk(PDS_DTYPE_UNKNOWN, 1, DIMS(0), NULL))},
                             (pdsi_slot[]){SL(pdst_mk_out())}, &err),
                 PDS_ERR_DTYPE, ep);
}

/* ---- fill_constant -------------------------------------------------------- */

static pds_status run_fc(int64_t dtype, const int64_t *shape, int n, double value, const char *str,
                         pdsi_slot vt, pdsi_slot st, pdsi_slot stl, pdsi_tensor *o, pds_error *err)
{
    pdsi_attr attrs[5] = {pdst_attr_int("dtype", dtype), pdst_attr_ints("shape", shape, n),
                          pdst_attr_float("value", value), pdst_attr_str("str_value", str),
                          pdst_attr_bool("force_cpu", 0)};
    return pdst_run_op("fill_constant", attrs, 5, (pdsi_slot[]){vt, st, stl},
                       (pdsi_slot[]){SL(o)}, err);
}

#define FC(name, pdt, dtype, shape, n, value, str)                                              \
    do {                                                                                        \
        pdsi_tensor *o_ = pdst_mk_out();                                                               \
        CHECK_OK(run_fc(dtype, shape, n, value, str, NOSLOT, NOSLOT, NOSLOT, o_, &err), ep);  \
        CHECK_EXPECT(o_, pdt, name);                                                            \
    } while (0)

static void test_fill_constant(void)
{
    pds_error err = {0}, *ep = &err;
    /* paddle fill_constant(dtype, shape, value, str_value) */
    FC(fc_f32, PDS_FLOAT32, 5, DIMS(2, 3), 2, 1.5, "");
    FC(fc_i32, PDS_INT32, 2, DIMS(2), 1, -2.7, "");                  /* truncation */
    FC(fc_i64s, PDS_INT64, 3, DIMS(2), 1, 0.0, "9007199254740993");  /* via double, as Paddle */
    FC(fc_inf, PDS_FLOAT32, 5, DIMS(3), 1, 0.0, "-inf");
    FC(fc_exp, PDS_FLOAT32, 5, DIMS(1), 1, 7.0, "1e-3");             /* str_value wins */
    FC(fc_big, PDS_INT32, 2, DIMS(1), 1, 3e10, "");                  /* INT32_MIN, like x86 */
    FC(fc_u8, PDS_UINT8, 20, DIMS(2), 1, -1.0, "");
    FC(fc_f16, PDS_FLOAT16, 4, DIMS(2), 1, (double)0.1f, "");
    FC(fc_bf16, PDS_BFLOAT16, 22, DIMS(2), 1, (double)0.1f, "");
    FC(fc_b, PDS_BOOL, 0, DIMS(2), 1, 0.5, "");
    FC(fc_0d, PDS_FLOAT32, 5, NULL, 0, 3.0, "");
    pdsi_tensor *o = pdst_mk_out();
    CHECK_OK(run_fc(5, DIMS(2), 1, 0, "nan", NOSLOT, NOSLOT, NOSLOT, o, &err), ep);
    CHECK(isnan(((float *)o->data)[0]) && isnan(((float *)o->data)[1]));
    o = pdst_mk_out();
    CHECK_OK(run_fc(5, DIMS(2), 1, 0, "inf", NOSLOT, NOSLOT, NOSLOT, o, &err), ep);
    CHECK(isinf(((float *)o->data)[0]) && ((float *)o->data)[0] > 0);
    o = pdst_mk_out(); /* a large fill goes through the doubling copy */
    CHECK_OK(run_fc(3, DIMS(1000, 37), 2, 0, "-5", NOSLOT, NOSLOT, NOSLOT, o, &err), ep);
    int64_t bad = 0;
    for (int64_t i = 0; i < 37000; i++)
        bad += ((int64_t *)o->data)[i] != -5;
    CHECK(bad == 0);

    /* ValueTensor overrides value: float 2.5 -> int32 2; int64 7 -> float 7 */
    o = pdst_mk_out();
    CHECK_OK(run_fc(2, DIMS(2), 1, 0.1, "", SL(pdst_mk(PDS_FLOAT32, 1, DIMS(1), (float[]){2.5f})),
                    NOSLOT, NOSLOT, o, &err),
             ep);
    CHECK_EXPECT(o, PDS_INT32, fc_vt);
    o = pdst_mk_out();
    CHECK_OK(run_fc(5, DIMS(2), 1, 0.1, "", SL(pdst_mk(PDS_INT64, 0, NULL, (int64_t[]){7})), NOSLOT,
                    NOSLOT, o, &err),
             ep);
    CHECK_EXPECT(o, PDS_FLOAT32, fc_vti);
    /* ShapeTensor wins over ShapeTensorList, which wins over the attribute */
    o = pdst_mk_out();
    CHECK_OK(run_fc(5, DIMS(2), 1, 0.5, "", NOSLOT, SL(VI32(1, 3)), SL(VI32(1), VI64(2)), o, &err),
             ep);
    CHECK_EXPECT(o, PDS_FLOAT32, fc_st);
    o = pdst_mk_out();
    CHECK_OK(run_fc(5, DIMS(2), 1, 0.5, "", NOSLOT, NOSLOT, SL(VI32(1), VI64(2)), o, &err), ep);
    CHECK_EXPECT(o, PDS_FLOAT32, fc_stl);
    o = pdst_mk_out(); /* paddle: a zero dim is fine */
    CHECK_OK(run_fc(5, DIMS(2), 1, 0.5, "", NOSLOT, SL(VI32(0, 3)), NOSLOT, o, &err), ep);
    CHECK_SHAPE(o, PDS_FLOAT32, 2, DIMS(0, 3));

    /* errors (M11, M19: negative, overflowing or oversized shapes from attributes
     * or tensors) */
    CHECK_STATUS(run_fc(5, DIMS(2, -1), 2, 0, "", NOSLOT, NOSLOT, NOSLOT, pdst_mk_out(), &err),
                 PDS_ERR_SHAPE, ep);
    CHECK_STATUS(run_fc(5, DIMS(2), 1, 0, "", NOSLOT, SL(VI32(1, -3)), NOSLOT, pdst_mk_out(), &err),
                 PDS_ERR_SHAPE, ep);
    CHECK_STATUS(run_fc(5, DIMS(2), 1, 0, "", NOSLOT, SL(VI64(1ll << 40, 1ll << 40)), NOSLOT,
                        pdst_mk_out(), &err),
                 PDS_ERR_SHAPE, ep);
    /* the element count fits int64 but the bytes do not fit size_t */
    CHECK_STATUS(run_fc(3, DIMS(1ll << 31, 1ll << 31), 2, 0, "", NOSLOT, NOSLOT, NOSLOT, pdst_mk_out(),
                        &err),
                 PDS_ERR_SHAPE, ep);
    CHECK_MSG(err, "overflows");
    CHECK_STATUS(run_fc(5, DIMS(2), 1, 0, "", NOSLOT, SL(VI64(1, 1, 1, 1, 1, 1, 1, 1, 1)), NOSLOT,
                        pdst_mk_out(), &err),
                 PDS_ERR_SHAPE, ep);
    CHECK_STATUS(run_fc(5, DIMS(2), 1, 0, "", NOSLOT, SL(pdst_mk(PDS_FLOAT32, 1, DIMS(1), NULL)),
                        NOSLOT, pdst_mk_out(), &err),
                 PDS_ERR_DTYPE, ep);
    CHECK_STATUS(run_fc(5, DIMS(2), 1, 0, "", SL(VI64(7, 8)), NOSLOT, NOSLOT, pdst_mk_out(), &err),
                 PDS_ERR_SHAPE, ep);
    CHECK_MSG(err, "ValueTensor");
    CHECK_STATUS(run_fc(23, DIMS(2), 1, 0, "", NOSLOT, NOSLOT, NOSLOT, pdst_mk_out(), &err),
                 PDS_ERR_UNSUPPORTED_OP, ep);
    CHECK_MSG(err, "'dtype' is 23");
    static const char *const bad_str[] = {"abc", "12abc", "0x10", "Inf", "1e", "--1", "."};
    for (size_t i = 0; i < sizeof bad_str / sizeof bad_str[0]; i++) {
        CHECK_STATUS(run_fc(5, DIMS(1), 1, 0, bad_str[i], NOSLOT, NOSLOT, NOSLOT, pdst_mk_out(), &err),
                     PDS_ERR_MODEL_FORMAT, ep);
        CHECK_MSG(err, "str_value");
    }
    o = pdst_mk_out(); /* a stream read that overflows gives the largest double */
    CHECK_OK(run_fc(6, DIMS(1), 1, 0, " 1e400 ", NOSLOT, NOSLOT, NOSLOT, o, &err), ep);
    CHECK(((double *)o->data)[0] == DBL_MAX);
}

/* ---- cast ----------------------------------------------------------------- */

static void cast_case(const char *file, int line, pdsi_tensor *x, int64_t vartype,
                      pds_dtype want_dt, int want_rank, const int64_t *want_dims, const void *want)
{
    pds_error err;
    pdsi_tensor *o = pdst_mk_out();
    pds_status st = pdst_run_op("cast",
                                (pdsi_attr[]){pdst_attr_int("in_dtype", -1),
                                              pdst_attr_int("out_dtype", vartype)},
                                2, (pdsi_slot[]){SL(x)}, (pdsi_slot[]){SL(o)}, &err);
    if (st) {
        fprintf(stderr, "%s:%d: cast to %lld failed: %s\n", file, line, (long long)vartype,
                err.message);
        pdst_failures++;
        return;
    }
    pdst_check_shape_(file, line, o, want_dt, want_rank, want_dims);
    check_data_(file, line, o, want, numel_of(want_rank, want_dims));
}
#define CAST(x, vt, dt, name) cast_case(__FILE__, __LINE__, x, vt, dt, name##_rank, name##_dims, name)

static void test_cast(void)
{
    pds_error err = {0}, *ep = &err;
    pdsi_tensor *f = pdst_mk(PDS_FLOAT32, cast_src_rank, cast_src_dims, cast_src);
    /* paddle cast(in_dtype=5, out_dtype=...) of cast_src */
    CAST(f, 0, PDS_BOOL, cast_f_b);
    CAST(f, 1, PDS_INT16, cast_f_i16);
    CAST(f, 2, PDS_INT32, cast_f_i32);
    CAST(f, 3, PDS_INT64, cast_f_i64);
    CAST(f, 4, PDS_FLOAT16, cast_f_f16);
    CAST(f, 6, PDS_FLOAT64, cast_f_f64);
    CAST(f, 20, PDS_UINT8, cast_f_u8);
    CAST(f, 21, PDS_INT8, cast_f_i8);
    CAST(f, 22, PDS_BFLOAT16, cast_f_bf16);
    pdsi_tensor *i = pdst_mk(PDS_INT32, cast_isrc_rank, cast_isrc_dims, cast_isrc);
    CAST(i, 0, PDS_BOOL, cast_i_b);
    CAST(i, 1, PDS_INT16, cast_i_i16);
    CAST(i, 3, PDS_INT64, cast_i_i64);
    CAST(i, 5, PDS_FLOAT32, cast_i_f32);
    CAST(i, 20, PDS_UINT8, cast_i_u8);
    CAST(i, 21, PDS_INT8, cast_i_i8);
    CAST(i, 4, PDS_FLOAT16, cast_i_f16);
    pdsi_tensor *l = pdst_mk(PDS_INT64, cast_lsrc_rank, cast_lsrc_dims, cast_lsrc);
    CAST(l, 2, PDS_INT32, cast_l_i32);
    CAST(l, 5, PDS_FLOAT32, cast_l_f32);
    CAST(pdst_mk(PDS_FLOAT64, cast_dsrc_rank, cast_dsrc_dims, cast_dsrc), 5, PDS_FLOAT32, cast_d_f32);
    CAST(pdst_mk(PDS_FLOAT16, cast_hsrc_rank, cast_hsrc_dims, cast_hsrc), 5, PDS_FLOAT32, cast_h_f32);
    CAST(pdst_mk(PDS_BOOL, 1, DIMS(3), (uint8_t[]){1, 0, 1}), 5, PDS_FLOAT32, cast_b_f32);
    /* the same dtype is a copy; NaN payloads survive */
    CAST(f, 5, PDS_FLOAT32, cast_src);

    CHECK_STATUS(pdst_run_op("cast", ATTRS(pdst_attr_int("out_dtype", 23)), (pdsi_slot[]){SL(f)},
                             (pdsi_slot[]){SL(pdst_mk_out())}, &err),
                 PDS_ERR_UNSUPPORTED_OP, ep);
    CHECK_STATUS(pdst_run_op("cast", ATTRS(pdst_attr_int("in_dtype", 5)), (pdsi_slot[]){SL(f)},
                             (pdsi_slot[]){SL(pdst_mk_out())}, &err),
                 PDS_ERR_MODEL_FORMAT, ep);
    CHECK_STATUS(pdst_run_op("cast", ATTRS(pdst_attr_str("out_dtype", "float32")),
                             (pdsi_slot[]){SL(f)}, (pdsi_slot[]){SL(pdst_mk_out())}, &err),
                 PDS_ERR_MODEL_FORMAT, ep);
}

/* ---- fill_any_like, fill_zeros_like, assign_value ------------------------- */

static void test_fill_like(void)
{
    pds_error err = {0}, *ep = &err;
    pdsi_tensor *o = pdst_mk_out();
    /* paddle fill_any_like(value=2.5, dtype=-1) of int32 [2,3,4] -> 2 */
    CHECK_OK(pdst_run_op("fill_any_like",
                         ATTRS(pdst_attr_float("value", 2.5), pdst_attr_int("dtype", -1)),
                         (pdsi_slot[]){SL(arange(PDS_INT32, 3, DIMS(2, 3, 4)))},
                         (pdsi_slot[]){SL(o)}, &err),
             ep);
    CHECK_EXPECT(o, PDS_INT32, fal_i32);
    o = pdst_mk_out(); /* NaN passes Paddle's range check and converts to INT32_MIN */
    CHECK_OK(pdst_run_op("fill_any_like",
                         ATTRS(pdst_attr_float("value", NAN), pdst_attr_int("dtype", 2)),
                         (pdsi_slot[]){SL(pdst_mk(PDS_FLOAT32, 1, DIMS(2), NULL))}, (pdsi_slot[]){SL(o)},
                         &err),
             ep);
    CHECK_EXPECT(o, PDS_INT32, fal_nan);
    /* paddle: "The filled value is out of range for target type" */
    CHECK_STATUS(pdst_run_op("fill_any_like",
                             ATTRS(pdst_attr_float("value", 3e10), pdst_attr_int("dtype", 2)),
                             (pdsi_slot[]){SL(x234())}, (pdsi_slot[]){SL(pdst_mk_out())}, &err),
                 PDS_ERR_MODEL_FORMAT, ep);
    CHECK_STATUS(pdst_run_op("fill_any_like", ATTRS(pdst_attr_float("value", -1)),
                             (pdsi_slot[]){SL(pdst_mk(PDS_UINT8, 1, DIMS(2), NULL))},
                             (pdsi_slot[]){SL(pdst_mk_out())}, &err),
                 PDS_ERR_DTYPE, ep);
    o = pdst_mk_out();
    pdsi_tensor *x = arange(PDS_INT64, 2, DIMS(3, 3));
    CHECK_OK(pdst_run_op("fill_zeros_like", NULL, 0, (pdsi_slot[]){SL(x)}, (pdsi_slot[]){SL(o)},
                         &err),
             ep);
    CHECK_SHAPE(o, PDS_INT64, 2, DIMS(3, 3));
    int64_t nz = 0;
    for (int k = 0; k < 9; k++)
        nz += ((int64_t *)o->data)[k] != 0;
    CHECK(nz == 0);
}

static void test_assign_value(void)
{
    pds_error err = {0}, *ep = &err;
    pdsi_tensor *o = pdst_mk_out();
    const double fv[] = {1.5, 2, 3, 4};
    CHECK_OK(pdst_run_op("assign_value",
                         ATTRS(pdst_attr_int("dtype", 5), INTS("shape", 2, 2),
                               pdst_attr_floats("fp32_values", fv, 4)),
                         NULL, (pdsi_slot[]){SL(o)}, &err),
             ep);
    CHECK_SHAPE(o, PDS_FLOAT32, 2, DIMS(2, 2));
    CHECK_DATA(o, ((float[]){1.5f, 2, 3, 4}), 4);
    o = pdst_mk_out(); /* int64 values stay exact */
    CHECK_OK(pdst_run_op("assign_value",
                         ATTRS(pdst_attr_int("dtype", 3), INTS("shape", 2),
                               INTS("int64_values", 9007199254740993LL, -1)),
                         NULL, (pdsi_slot[]){SL(o)}, &err),
             ep);
    CHECK_DATA(o, ((int64_t[]){9007199254740993LL, -1}), 2);
    o = pdst_mk_out(); /* the newer 'values' attribute, when the loader gives numbers */
    CHECK_OK(pdst_run_op("assign_value",
                         ATTRS(pdst_attr_int("dtype", 0), INTS("shape", 3), INTS("values", 1, 0, 5)),
                         NULL, (pdsi_slot[]){SL(o)}, &err),
             ep);
    CHECK_SHAPE(o, PDS_BOOL, 1, DIMS(3));
    CHECK_DATA(o, ((uint8_t[]){1, 0, 1}), 3);
    o = pdst_mk_out(); /* 0-D */
    CHECK_OK(pdst_run_op("assign_value",
                         ATTRS(pdst_attr_int("dtype", 2), NOINTS("shape"), INTS("int32_values", 7)),
                         NULL, (pdsi_slot[]){SL(o)}, &err),
             ep);
    CHECK_SHAPE(o, PDS_INT32, 0, NULL);
    CHECK(((int32_t *)o->data)[0] == 7);

    pdsi_attr scalars = {0};
    scalars.name = "values";
    scalars.type = PDSI_ATTR_OTHER;
    CHECK_STATUS(pdst_run_op("assign_value",
                             ATTRS(pdst_attr_int("dtype", 5), INTS("shape", 2), scalars), NULL,
                             (pdsi_slot[]){SL(pdst_mk_out())}, &err),
                 PDS_ERR_UNSUPPORTED_OP, ep);
    CHECK_MSG(err, "Scalars");
    CHECK_STATUS(pdst_run_op("assign_value",
                             ATTRS(pdst_attr_int("dtype", 5), INTS("shape", 3),
                                   pdst_attr_floats("fp32_values", fv, 4)),
                             NULL, (pdsi_slot[]){SL(pdst_mk_out())}, &err),
                 PDS_ERR_MODEL_FORMAT, ep);
    CHECK_STATUS(pdst_run_op("assign_value", ATTRS(INTS("shape", 1), INTS("int32_values", 7)), NULL,
                             (pdsi_slot[]){SL(pdst_mk_out())}, &err),
                 PDS_ERR_MODEL_FORMAT, ep);
    static int64_t many[2000];
    CHECK_STATUS(pdst_run_op("assign_value",
                             ATTRS(pdst_attr_int("dtype", 3), INTS("shape", 2000),
                                   pdst_attr_ints("int64_values", many, 2000)),
                             NULL, (pdsi_slot[]){SL(pdst_mk_out())}, &err),
                 PDS_ERR_UNSUPPORTED_OP, ep);
}

/* ---- kernels called without shape inference ------------------------------- */

/* A kernel re-checks the geometry it relies on, so a runtime bug that skips or
 * mismatches infer gives PDS_ERR_INTERNAL instead of a wild write. */
/* ---- expand_v2, expand_as_v2, tile (issue 12) ------------------------------ */

/* Values from first principles (numpy's broadcast_to and tile); the fixture
 * op_expand checks the same ops against Paddle in both formats. */
static void test_expand_tile(void)
{
    pds_error err = {0}, *ep = &err;
    pdsi_tensor *o = pdst_mk_out();
    /* [2,1] int64 to [2,-1,3] would put -1 on a new dim: refused; [3,2,-1]
     * after a new leading dim keeps X's dim (what Paddle's plain kernel does). */
    pdsi_tensor *x = arange(PDS_INT64, 2, DIMS(2, 1));
    CHECK_OK(pdst_run_op("expand_v2", ATTRS(INTS("shape", 3, -1, 4)),
                         (pdsi_slot[]){SL(x), NOSLOT, NOSLOT}, (pdsi_slot[]){SL(o)}, &err),
             ep);
    CHECK_SHAPE(o, PDS_INT64, 3, DIMS(3, 2, 4));
    {
        int64_t want[24];
        for (int i = 0; i < 24; i++)
            want[i] = (i / 4) % 2;
        CHECK_DATA(o, want, 24);
    }
    /* Shape tensor wins over the attribute; zero-size result. */
    o = pdst_mk_out();
    CHECK_OK(pdst_run_op("expand_v2", ATTRS(INTS("shape", 9, 9)),
                         (pdsi_slot[]){SL(x), SL(VI32(2, 0)), NOSLOT}, (pdsi_slot[]){SL(o)},
                         &err),
             ep);
    CHECK_SHAPE(o, PDS_INT64, 2, DIMS(2, 0));
    /* expand_shapes_tensor list, float32 */
    o = pdst_mk_out();
    CHECK_OK(pdst_run_op("expand_v2", ATTRS(NOINTS("shape")),
                         (pdsi_slot[]){SL(arange(PDS_FLOAT32, 1, DIMS(3))), NOSLOT,
                                       SL(VI64(2), VI32(3))},
                         (pdsi_slot[]){SL(o)}, &err),
             ep);
    CHECK_SHAPE(o, PDS_FLOAT32, 2, DIMS(2, 3));
    CHECK_DATA(o, ((const float[]){0, 1, 2, 0, 1, 2}), 6);
#define EXPAND_ERR(op, attr, x, s1, s2, code, msg)                                            \
    do {                                                                                      \
        CHECK_STATUS(pdst_run_op(op, ATTRS(attr), (pdsi_slot[]){SL(x), s1, s2},                \
                                 (pdsi_slot[]){SL(pdst_mk_out())}, &err),                     \
                     code, ep);                                                               \
        CHECK_MSG(err, msg);                                                                  \
    } while (0)
    EXPAND_ERR("expand_v2", INTS("shape", -1, 2, 1), x, NOSLOT, NOSLOT, PDS_ERR_SHAPE,
               "new leading dim");
    EXPAND_ERR("expand_v2", INTS("shape", 3, 1), x, NOSLOT, NOSLOT, PDS_ERR_SHAPE,
               "dim 0 of X is 2, expected 1 or 3");
    EXPAND_ERR("expand_v2", INTS("shape", 2), x, NOSLOT, NOSLOT, PDS_ERR_SHAPE,
               "fewer than the rank 2");
    EXPAND_ERR("expand_v2", INTS("shape", 2, -2), x, NOSLOT, NOSLOT, PDS_ERR_SHAPE, "-2");
    EXPAND_ERR("expand_v2", NOINTS("shape"), x,
               SL(pdst_mk(PDS_FLOAT32, 1, DIMS(2), (float[]){2, 3})), NOSLOT, PDS_ERR_DTYPE,
               "'Shape'");
    EXPAND_ERR("expand_v2", INTS("shape", 1, 1, 1, 1, 1, 1, 1, 2, 3), x, NOSLOT, NOSLOT,
               PDS_ERR_SHAPE, "maximum rank 8");
    EXPAND_ERR("tile", INTS("repeat_times", 2, -1), x, NOSLOT, NOSLOT, PDS_ERR_SHAPE,
               "expected a repeat count >= 0");
    EXPAND_ERR("tile", INTS("repeat_times", 1 << 30, 1 << 30), x, NOSLOT, NOSLOT, PDS_ERR_SHAPE,
               "overflows");
#undef EXPAND_ERR

    /* expand_as_v2: Y's dims when target_shape holds -1, else target_shape. */
    o = pdst_mk_out();
    CHECK_OK(pdst_run_op("expand_as_v2", ATTRS(INTS("target_shape", -1, 2, 3)),
                         (pdsi_slot[]){SL(arange(PDS_INT32, 1, DIMS(3))),
                                       SL(pdst_mk(PDS_FLOAT32, 3, DIMS(4, 2, 3), NULL))},
                         (pdsi_slot[]){SL(o)}, &err),
             ep);
    CHECK_SHAPE(o, PDS_INT32, 3, DIMS(4, 2, 3));
    o = pdst_mk_out();
    CHECK_OK(pdst_run_op("expand_as_v2", ATTRS(INTS("target_shape", 2, 3)),
                         (pdsi_slot[]){SL(arange(PDS_INT32, 1, DIMS(3))), NOSLOT},
                         (pdsi_slot[]){SL(o)}, &err),
             ep);
    CHECK_SHAPE(o, PDS_INT32, 2, DIMS(2, 3));
    CHECK_DATA(o, ((const int32_t[]){0, 1, 2, 0, 1, 2}), 6);

    /* tile: [2,3] arange by [2,1,2] -> [2,2,6]; repeats shorter than the rank. */
    o = pdst_mk_out();
    CHECK_OK(pdst_run_op("tile", ATTRS(INTS("repeat_times", 2, 1, 2)),
                         (pdsi_slot[]){SL(arange(PDS_FLOAT32, 2, DIMS(2, 3))), NOSLOT, NOSLOT},
                         (pdsi_slot[]){SL(o)}, &err),
             ep);
    CHECK_SHAPE(o, PDS_FLOAT32, 3, DIMS(2, 2, 6));
    {
        float want[24];
        for (int i = 0; i < 24; i++)
            want[i] = (float)(((i / 6) % 2) * 3 + (i % 6) % 3);
        CHECK_DATA(o, want, 24);
    }
    o = pdst_mk_out();
    CHECK_OK(pdst_run_op("tile", ATTRS(NOINTS("repeat_times")),
                         (pdsi_slot[]){SL(arange(PDS_INT64, 2, DIMS(2, 3))), SL(VI64(2)), NOSLOT},
                         (pdsi_slot[]){SL(o)}, &err),
             ep);
    CHECK_SHAPE(o, PDS_INT64, 2, DIMS(2, 6));
    CHECK_DATA(o, ((const int64_t[]){0, 1, 2, 0, 1, 2, 3, 4, 5, 3, 4, 5}), 12);
    /* A rank-8 tile with every dim split in two: the walk's deepest case. */
    o = pdst_mk_out();
    CHECK_OK(pdst_run_op("tile", ATTRS(INTS("repeat_times", 2, 2, 2, 2, 2, 2, 2, 2)),
                         (pdsi_slot[]){SL(arange(PDS_INT32, 8, DIMS(2, 2, 2, 2, 2, 2, 2, 2))),
                                       NOSLOT, NOSLOT},
                         (pdsi_slot[]){SL(o)}, &err),
             ep);
    CHECK_SHAPE(o, PDS_INT32, 8, DIMS(4, 4, 4, 4, 4, 4, 4, 4));
    {
        /* element (i0..i7) is the arange value at (i0 % 2, ..., i7 % 2) */
        const int32_t *d = o->data;
        int bad = 0;
        for (int64_t k = 0; k < 65536; k++) {
            int64_t v = 0;
            for (int b = 7; b >= 0; b--)
                v = v * 2 + ((k >> (2 * b)) & 3) % 2;
            bad += d[k] != v;
        }
        CHECK_EQ_INT(bad, 0);
    }
}

/* ---- gather, index_select, gather_nd (issue 12) ---------------------------- */

static void test_gather_family(void)
{
    pds_error err = {0}, *ep = &err;
    pdsi_tensor *x = arange(PDS_FLOAT32, 3, DIMS(2, 3, 4));
    pdsi_tensor *o = pdst_mk_out();
    /* gather axis -2 with int32 indices, negative counting from the end */
    CHECK_OK(pdst_run_op1("gather", ATTRS(pdst_attr_int("axis", -2)),
                          (pdsi_tensor *[]){x, VI32(2, -3), NULL}, 3, (pdsi_tensor *[]){o}, 1,
                          &err),
             ep);
    CHECK_SHAPE(o, PDS_FLOAT32, 3, DIMS(2, 2, 4));
    CHECK_DATA(o, ((const float[]){8, 9, 10, 11, 0, 1, 2, 3, 20, 21, 22, 23, 12, 13, 14, 15}),
               16);
    /* Axis tensor wins over the attribute; a 0-D index drops the axis. */
    o = pdst_mk_out();
    CHECK_OK(pdst_run_op1("gather", ATTRS(pdst_attr_int("axis", 0)),
                          (pdsi_tensor *[]){x, pdst_mk(PDS_INT64, 0, DIMS(0), (int64_t[]){-1}),
                                            VI64(2)},
                          3, (pdsi_tensor *[]){o}, 1, &err),
             ep);
    CHECK_SHAPE(o, PDS_FLOAT32, 2, DIMS(2, 3));
    CHECK_DATA(o, ((const float[]){3, 7, 11, 15, 19, 23}), 6);
    /* index_select dim 0, int64 data, index [n,1] */
    o = pdst_mk_out();
    CHECK_OK(pdst_run_op1("index_select", ATTRS(pdst_attr_int("dim", 0)),
                          (pdsi_tensor *[]){arange(PDS_INT64, 2, DIMS(3, 2)),
                                            pdst_mk(PDS_INT64, 2, DIMS(3, 1),
                                                    (int64_t[]){2, 0, -1})},
                          2, (pdsi_tensor *[]){o}, 1, &err),
             ep);
    CHECK_SHAPE(o, PDS_INT64, 2, DIMS(3, 2));
    CHECK_DATA(o, ((const int64_t[]){4, 5, 0, 1, 4, 5}), 6);
    /* gather_nd: depth 2 on [2,3,4] -> slices of 4; depth 3 -> elements */
    o = pdst_mk_out();
    CHECK_OK(pdst_run_op1("gather_nd", NULL, 0,
                          (pdsi_tensor *[]){x, pdst_mk(PDS_INT32, 2, DIMS(2, 2),
                                                       (int32_t[]){1, -1, 0, 1})},
                          2, (pdsi_tensor *[]){o}, 1, &err),
             ep);
    CHECK_SHAPE(o, PDS_FLOAT32, 2, DIMS(2, 4));
    CHECK_DATA(o, ((const float[]){20, 21, 22, 23, 4, 5, 6, 7}), 8);
    o = pdst_mk_out();
    CHECK_OK(pdst_run_op1("gather_nd", NULL, 0,
                          (pdsi_tensor *[]){x, pdst_mk(PDS_INT64, 1, DIMS(3),
                                                       (int64_t[]){1, 2, -1})},
                          2, (pdsi_tensor *[]){o}, 1, &err),
             ep);
    CHECK_SHAPE(o, PDS_FLOAT32, 0, DIMS(0));
    CHECK_DATA(o, ((const float[]){23}), 1);
    /* depth 0 (Index [2,0], no values): each of the 2 results is all of X */
    o = pdst_mk_out();
    CHECK_OK(pdst_run_op1("gather_nd", NULL, 0,
                          (pdsi_tensor *[]){arange(PDS_INT32, 1, DIMS(3)),
                                            pdst_mk(PDS_INT64, 2, DIMS(2, 0), NULL)},
                          2, (pdsi_tensor *[]){o}, 1, &err),
             ep);
    CHECK_SHAPE(o, PDS_INT32, 2, DIMS(2, 3));
    CHECK_DATA(o, ((const int32_t[]){0, 1, 2, 0, 1, 2}), 6);

    /* Out-of-range index values: a clean PDS_ERR_SHAPE from the kernel, with
     * the exact message, and nothing read outside X. */
#define NOATTRS NULL, 0
#define GATHER_ERR(type, attrs, idx, axis_t, nin, msg)                                         \
    do {                                                                                       \
        CHECK_STATUS(pdst_run_op1(type, attrs, (pdsi_tensor *[]){x, idx, axis_t}, nin,          \
                                  (pdsi_tensor *[]){pdst_mk_out()}, 1, &err),                  \
                     PDS_ERR_SHAPE, ep);                                                       \
        if (strcmp(err.message, msg) != 0)                                                     \
            PDST_FAIL("message '%s', expected '%s'", err.message, msg);                        \
    } while (0)
    GATHER_ERR("gather", ATTRS(pdst_attr_int("axis", 1)), VI64(0, 3), NULL, 3,
               "gather: Index element 1 is 3, out of range for dim 1 of X (size 3): expected a "
               "value in [-3, 3)");
    GATHER_ERR("gather", ATTRS(pdst_attr_int("axis", 0)), VI32(-3), VI64(0), 3,
               "gather: Index element 0 is -3, out of range for dim 0 of X (size 2): expected a "
               "value in [-2, 2)");
    GATHER_ERR("index_select", ATTRS(pdst_attr_int("dim", -1)), VI64(1, 2, 3, 4), NULL, 2,
               "index_select: Index element 3 is 4, out of range for dim 2 of X (size 4): "
               "expected a value in [-4, 4)");
    GATHER_ERR("gather_nd", NOATTRS, pdst_mk(PDS_INT64, 2, DIMS(2, 2), (int64_t[]){0, 0, 1, -4}),
               NULL, 2,
               "gather_nd: Index element 3 is -4, out of range for dim 1 of X (size 3): expected "
               "a value in [-3, 3)");
    GATHER_ERR("gather", ATTRS(pdst_attr_int("axis", 0)), VI64(INT64_MIN), NULL, 3,
               "gather: Index element 0 is -9223372036854775808, out of range for dim 0 of X "
               "(size 2): expected a value in [-2, 2)");
    GATHER_ERR("gather", ATTRS(pdst_attr_int("axis", 3)), VI64(0), NULL, 3,
               "gather: axis 3 is out of range for X [2,3,4] of rank 3");
    GATHER_ERR("gather_nd", NOATTRS, pdst_mk(PDS_INT64, 2, DIMS(1, 4), NULL), NULL, 2,
               "gather_nd: input 'Index' [1,4] indexes 4 dims, but X [2,3,4] has rank 3");
    GATHER_ERR("index_select", ATTRS(pdst_attr_int("dim", 0)),
               pdst_mk(PDS_INT64, 2, DIMS(2, 2), NULL), NULL, 2,
               "index_select: input 'Index' has shape [2,2], expected [n] or [n, 1]");
    /* take_along_axis: Index [2,2,1] on Input [2,3,4] along -2 (an Index
     * smaller than Input off the axis reads Input's leading corner). */
    pdsi_tensor *o2 = pdst_mk_out();
    CHECK_OK(pdst_run_op1("take_along_axis", ATTRS(pdst_attr_int("Axis", -2)),
                          (pdsi_tensor *[]){x, pdst_mk(PDS_INT64, 3, DIMS(2, 2, 1),
                                                       (int64_t[]){2, -1, 0, 1})},
                          2, (pdsi_tensor *[]){o2}, 1, &err),
             ep);
    CHECK_SHAPE(o2, PDS_FLOAT32, 3, DIMS(2, 2, 1));
    CHECK_DATA(o2, ((const float[]){8, 8, 12, 16}), 4);
    GATHER_ERR("take_along_axis", ATTRS(pdst_attr_int("Axis", 2)),
               pdst_mk(PDS_INT32, 3, DIMS(1, 1, 2), (int32_t[]){3, 4}), NULL, 2,
               "take_along_axis: Index element 1 is 4, out of range for dim 2 of X (size 4): "
               "expected a value in [-4, 4)");
    GATHER_ERR("take_along_axis", ATTRS(pdst_attr_int("Axis", 2)),
               pdst_mk(PDS_INT32, 3, DIMS(1, 4, 2), NULL), NULL, 2,
               "take_along_axis: Index [1,4,2] is larger than Input [2,3,4] in dim 1 (only the "
               "Axis dim 2 may differ)");
    GATHER_ERR("take_along_axis", ATTRS(pdst_attr_int("Axis", 0)),
               pdst_mk(PDS_INT32, 2, DIMS(1, 1), NULL), NULL, 2,
               "take_along_axis: Index [1,1] has rank 2, expected the rank of Input [2,3,4] (at "
               "least 1)");
#undef GATHER_ERR
#undef NOATTRS
    CHECK_STATUS(pdst_run_op1("gather", ATTRS(pdst_attr_int("axis", 0)),
                              (pdsi_tensor *[]){x, pdst_mk(PDS_FLOAT32, 1, DIMS(1), NULL), NULL},
                              3, (pdsi_tensor *[]){pdst_mk_out()}, 1, &err),
                 PDS_ERR_DTYPE, ep);
    CHECK_MSG(err, "expected int32 or int64");
}

static void test_kernel_guards(void)
{
    pds_error err = {0}, *ep = &err;
    pdsi_exec ex = {1, NULL, 0};
    pdsi_tensor *x = x234();
    pdsi_tensor *small = pdst_mk(PDS_FLOAT32, 1, DIMS(3), NULL);
    CHECK_STATUS(pdsi_copy_ref(NULL, (pdsi_slot[]){SL(x)}, (pdsi_slot[]){SL(small)}, &ex, &err),
                 PDS_ERR_INTERNAL, ep);
    pdsi_transpose_params tp = {3, {2, 1, 0}};
    CHECK_STATUS(pdsi_transpose_ref(&tp, (pdsi_slot[]){SL(x)}, (pdsi_slot[]){SL(small)}, &ex, &err),
                 PDS_ERR_INTERNAL, ep);
    pdsi_axis_params ap = {0};
    CHECK_STATUS(pdsi_concat_ref(&ap, (pdsi_slot[]){SL(x, x), NOSLOT}, (pdsi_slot[]){SL(small)},
                                 &ex, &err),
                 PDS_ERR_INTERNAL, ep);
    CHECK_STATUS(pdsi_stack_ref(&ap, (pdsi_slot[]){SL(x, x)}, (pdsi_slot[]){SL(small)}, &ex, &err),
                 PDS_ERR_INTERNAL, ep);
    pdsi_cast_params cp = {PDS_INT64};
    CHECK_STATUS(pdsi_cast_ref(&cp, (pdsi_slot[]){SL(x)}, (pdsi_slot[]){SL(x)}, &ex, &err),
                 PDS_ERR_INTERNAL, ep);
    pdsi_exec_release(&ex);
}

int main(void)
{
    RUN_TEST(test_reshape_zero_and_minus_one);
    RUN_TEST(test_reshape_shape_inputs);
    RUN_TEST(test_reshape_errors);
    RUN_TEST(test_transpose);
    RUN_TEST(test_transpose_short);
    RUN_TEST(test_flip);
    RUN_TEST(test_transpose_random);
    RUN_TEST(test_flatten);
    RUN_TEST(test_squeeze);
    RUN_TEST(test_unsqueeze);
    RUN_TEST(test_concat);
    RUN_TEST(test_split);
    RUN_TEST(test_stack);
    RUN_TEST(test_concat_split_roundtrip);
    RUN_TEST(test_slice);
    RUN_TEST(test_slice_tensors);
    RUN_TEST(test_strided_slice);
    RUN_TEST(test_strided_slice_random);
    RUN_TEST(test_shape_assign);
    RUN_TEST(test_fill_constant);
    RUN_TEST(test_cast);
    RUN_TEST(test_fill_like);
    RUN_TEST(test_assign_value);
    RUN_TEST(test_expand_tile);
    RUN_TEST(test_gather_family);
    RUN_TEST(test_kernel_guards);
    return pdst_summary();
}
