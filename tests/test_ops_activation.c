/*
 * test_ops_activation.c — the activation family (unary functions, clip,
 * scale, dropout) through the real parse -> infer -> kernel path, against
 * values computed by Paddle 3.3.1 itself, plus the error paths.
 *
 * The expected arrays were produced by running each legacy operator in a
 * static Program on paddle.static.Executor (CPU, FLAGS_enable_pir_api=0) with
 * the attributes named above each array.
 */
#include "harness.h"

#include <float.h>
#include <stdint.h>


static const int64_t dims_2x8[2] = {2, 8};

/* ---- Paddle-computed data --------------------------------------------------- */

/* Inputs: x (shape [2,8]) and xp = |x| + 0.1 for the functions that need x > 0. */
static const float act_x[16] = {
    -5.0f, -3.5f, -2.0f, -1.20000005f, -0.699999988f, -0.300000012f, -0.0500000007f, 0.0f,
    0.0500000007f, 0.300000012f, 0.699999988f, 1.20000005f, 2.0f, 3.5f, 5.0f, 25.0f,
};
static const float act_xp[16] = {
    5.0999999f, 3.5999999f, 2.0999999f, 1.30000007f, 0.800000012f, 0.400000006f, 0.150000006f,
    0.100000001f, 0.150000006f, 0.400000006f, 0.800000012f, 1.30000007f, 2.0999999f, 3.5999999f,
    5.0999999f, 25.1000004f,
};
/* paddle 3.3.1 legacy op relu {} on act_x */
static const float want_relu[16] = {
    0.0f, 0.0f, 0.0f, 0.0f, 0.0f, 0.0f, 0.0f, 0.0f, 0.0500000007f, 0.300000012f, 0.699999988f,
    1.20000005f, 2.0f, 3.5f, 5.0f, 25.0f,
};
/* paddle 3.3.1 legacy op relu6 {'threshold': 6.0} on act_x */
static const float want_relu6[16] = {
    0.0f, 0.0f, 0.0f, 0.0f, 0.0f, 0.0f, 0.0f, 0.0f, 0.0500000007f, 0.300000012f, 0.699999988f,
    1.20000005f, 2.0f, 3.5f, 5.0f, 6.0f,
};
/* paddle 3.3.1 legacy op sigmoid {} on act_x */
static const float want_sigmoid[16] = {
    0.00669285096f, 0.0293122306f, 0.119202919f, 0.231475219f, 0.331812233f, 0.425557494f,
    0.487502635f, 0.5f, 0.512497425f, 0.574442506f, 0.668187737f, 0.768524826f, 0.880797029f,
    0.970687747f, 0.993307173f, 1.0f,
};
/* paddle 3.3.1 legacy op tanh {} on act_x */
static const float want_tanh[16] = {
    -0.999909163f, -0.998177886f, -0.964027584f, -0.833654702f, -0.604367793f, -0.291312605f,
    -0.0499583669f, 0.0f, 0.0499583669f, 0.291312605f, 0.604367793f, 0.833654702f, 0.964027584f,
    0.998177886f, 0.999909163f, 1.0f,
};
/* paddle 3.3.1 legacy op swish {'beta': 1.0} on act_x */
static const float want_swish[16] = {
    -0.0334642529f, -0.102592811f, -0.238405839f, -0.277770281f, -0.232268557f, -0.127667248f,
    -0.0243751314f, 0.0f, 0.0256248713f, 0.172332764f, 0.467731416f, 0.922229767f, 1.76159406f,
    3.39740729f, 4.96653557f, 25.0f,
};
/* paddle 3.3.1 legacy op silu {} on act_x */
static const float want_silu[16] = {
    -0.0334642529f, -0.102592811f, -0.238405839f, -0.277770281f, -0.232268557f, -0.127667248f,
    -0.0243751314f, 0.0f, 0.0256248713f, 0.172332764f, 0.467731416f, 0.922229826f, 1.76159406f,
    3.39740705f, 4.96653605f, 25.0f,
};
/* paddle 3.3.1 legacy op hard_swish {'threshold': 6.0, 'scale': 6.0, 'offset': 3.0} on act_x */
static const float want_hard_swish[16] = {
    -0.0f, -0.0f, -0.333333343f, -0.360000014f, -0.268333316f, -0.135000005f, -0.0245833341f,
    0.0f, 0.0254166666f, 0.165000007f, 0.431666642f, 0.839999974f, 1.66666663f, 3.5f, 5.0f, 25.0f,
};
/* paddle 3.3.1 legacy op hard_sigmoid {'slope': 0.2, 'offset': 0.5} on act_x */
static const float want_hard_sigmoid[16] = {
    0.0f, 0.0f, 0.099999994f, 0.25999999f, 0.360000014f, 0.439999998f, 0.49000001f, 0.5f,
    0.50999999f, 0.560000002f, 0.639999986f, 0.74000001f, 0.899999976f, 1.0f, 1.0f, 1.0f,
};
/* paddle 3.3.1 legacy op hard_sigmoid {'slope': 0.1666666716337204, 'offset': 0.5} on act_x */
static const float want_hard_sigmoid_s6[16] = {
    0.0f, 0.0f, 0.166666657f, 0.299999982f, 0.383333325f, 0.449999988f, 0.491666675f, 0.5f,
    0.508333325f, 0.550000012f, 0.616666675f, 0.700000048f, 0.833333373f, 1.0f, 1.0f, 1.0f,
};
/* paddle 3.3.1 legacy op gelu {'approximate': False} on act_x */
static const float want_gelu[16] = {
    -1.1920929e-06f, -0.000814124942f, -0.0455002785f, -0.138083637f, -0.169374555f,
    -0.114626579f, -0.0240030605f, 0.0f, 0.0259969421f, 0.185373425f, 0.530625463f, 1.06191647f,
    1.95449972f, 3.49918604f, 4.99999905f, 25.0f,
};
/* paddle 3.3.1 legacy op gelu {'approximate': True} on act_x */
static const float want_gelu_tanh[16] = {
    -0.0f, -0.000616148114f, -0.0454022288f, -0.1382972f, -0.169429839f, -0.114629082f,
    -0.0240030624f, 0.0f, 0.0259969383f, 0.185370922f, 0.530570149f, 1.06170285f, 1.95459771f,
    3.49938369f, 5.0f, 25.0f,
};
/* paddle 3.3.1 legacy op leaky_relu {'alpha': 0.02} on act_x */
static const float want_leaky_relu[16] = {
    -0.099999994f, -0.0700000003f, -0.0399999991f, -0.0240000002f, -0.0139999995f,
    -0.00600000005f, -0.00100000005f, 0.0f, 0.0500000007f, 0.300000012f, 0.699999988f,
    1.20000005f, 2.0f, 3.5f, 5.0f, 25.0f,
};
/* paddle 3.3.1 legacy op leaky_relu {'alpha': 2.0} on act_x */
static const float want_leaky_relu_a2[16] = {
    -10.0f, -7.0f, -4.0f, -2.4000001f, -1.39999998f, -0.600000024f, -0.100000001f, 0.0f,
    0.0500000007f, 0.300000012f, 0.699999988f, 1.20000005f, 2.0f, 3.5f, 5.0f, 25.0f,
};
/* paddle 3.3.1 legacy op clip {'min': -1.0, 'max': 2.5} on act_x */
static const float want_clip[16] = {
    -1.0f, -1.0f, -1.0f, -1.0f, -0.699999988f, -0.300000012f, -0.0500000007f, 0.0f, 0.0500000007f,
    0.300000012f, 0.699999988f, 1.20000005f, 2.0f, 2.5f, 2.5f, 2.5f,
};
/* paddle 3.3.1 legacy op exp {} on act_x */
static const float want_exp[16] = {
    0.006737947f, 0.0301973838f, 0.135335281f, 0.301194191f, 0.49658531f, 0.740818202f,
    0.951229393f, 1.0f, 1.05127108f, 1.34985876f, 2.0137527f, 3.320117f, 7.38905621f, 33.1154518f,
    148.413162f, 7.20049029e+10f,
};
/* paddle 3.3.1 legacy op sqrt {} on act_xp */
static const float want_sqrt[16] = {
    2.25831795f, 1.89736652f, 1.44913745f, 1.14017546f, 0.89442724f, 0.632455528f, 0.387298346f,
    0.316227764f, 0.387298346f, 0.632455528f, 0.89442724f, 1.14017546f, 1.44913745f, 1.89736652f,
    2.25831795f, 5.00998974f,
};
/* paddle 3.3.1 legacy op rsqrt {} on act_xp */
static const float want_rsqrt[16] = {
    0.442807436f, 0.527046263f, 0.690065622f, 0.87705797f, 1.11803401f, 1.58113873f, 2.58198857f,
    3.16227746f, 2.58198857f, 1.58113873f, 1.11803401f, 0.87705797f, 0.690065622f, 0.527046263f,
    0.442807436f, 0.199601188f,
};
/* paddle 3.3.1 legacy op abs {} on act_x */
static const float want_abs[16] = {
    5.0f, 3.5f, 2.0f, 1.20000005f, 0.699999988f, 0.300000012f, 0.0500000007f, 0.0f, 0.0500000007f,
    0.300000012f, 0.699999988f, 1.20000005f, 2.0f, 3.5f, 5.0f, 25.0f,
};
/* paddle 3.3.1 legacy op log {} on act_xp */
static const float want_log[16] = {
    1.62924051f, 1.28093386f, 0.74193728f, 0.262364328f, -0.223143533f, -0.9162907f, -1.89712f,
    -2.30258512f, -1.89712f, -0.9162907f, -0.223143533f, 0.262364328f, 0.74193728f, 1.28093386f,
    1.62924051f, 3.22286797f,
};
/* paddle 3.3.1 legacy op square {} on act_x */
static const float want_square[16] = {
    25.0f, 12.25f, 4.0f, 1.44000006f, 0.48999998f, 0.0900000036f, 0.00250000018f, 0.0f,
    0.00250000018f, 0.0900000036f, 0.48999998f, 1.44000006f, 4.0f, 12.25f, 25.0f, 625.0f,
};
/* paddle 3.3.1 legacy op softplus {'beta': 1.0, 'threshold': 20.0} on act_x */
static const float want_softplus[16] = {
    0.00671534892f, 0.0297504161f, 0.126928046f, 0.263282448f, 0.403186083f, 0.554355264f,
    0.668459594f, 0.693147182f, 0.718459606f, 0.854355216f, 1.10318601f, 1.46328247f, 2.12692809f,
    3.52975035f, 5.0067153f, 25.0f,
};
/* paddle 3.3.1 legacy op softplus {'beta': 2.0, 'threshold': 3.0} on act_x */
static const float want_softplus_b2[16] = {
    2.27088531e-05f, 0.000455708185f, 0.00907498039f, 0.0434180573f, 0.11020869f, 0.218743995f,
    0.322198331f, 0.346573591f, 0.372198343f, 0.518743992f, 0.810208678f, 1.2434181f, 2.0f, 3.5f,
    5.0f, 25.0f,
};
/* paddle 3.3.1 legacy op mish {'threshold': 20.0} on act_x */
static const float want_mish[16] = {
    -0.0335762352f, -0.104095727f, -0.252501518f, -0.308835775f, -0.267870247f, -0.15113318f,
    -0.0291982871f, 0.0f, 0.0307977144f, 0.20800139f, 0.561148405f, 1.07794607f, 1.943959f,
    3.49399042f, 4.99955177f, 25.0f,
};
/* paddle 3.3.1 legacy op elu {'alpha': 1.0} on act_x */
static const float want_elu[16] = {
    -0.993262053f, -0.969802618f, -0.864664733f, -0.698805809f, -0.50341469f, -0.259181798f,
    -0.0487706065f, 0.0f, 0.0500000007f, 0.300000012f, 0.699999988f, 1.20000005f, 2.0f, 3.5f,
    5.0f, 25.0f,
};
/* paddle 3.3.1 legacy op elu {'alpha': 0.5} on act_x */
static const float want_elu_a05[16] = {
    -0.496631026f, -0.484901309f, -0.432332367f, -0.349402905f, -0.251707345f, -0.129590899f,
    -0.0243853033f, 0.0f, 0.0500000007f, 0.300000012f, 0.699999988f, 1.20000005f, 2.0f, 3.5f,
    5.0f, 25.0f,
};
/* paddle 3.3.1 legacy op pow {'factor': 1.5} on act_xp */
static const float want_pow[16] = {
    11.5174217f, 6.83051968f, 3.04318905f, 1.48222816f, 0.71554178f, 0.252982229f, 0.0580947548f,
    0.0316227786f, 0.0580947548f, 0.252982229f, 0.71554178f, 1.48222816f, 3.04318905f,
    6.83051968f, 11.5174217f, 125.750755f,
};
/* paddle clip with Min=[-0.5], Max=[1.5] overriding min=-1, max=2.5 */
static const float want_clip_tensors[16] = {
    -0.5f, -0.5f, -0.5f, -0.5f, -0.5f, -0.300000012f, -0.0500000007f, 0.0f, 0.0500000007f,
    0.300000012f, 0.699999988f, 1.20000005f, 1.5f, 1.5f, 1.5f, 1.5f,
};
/* paddle pow with FactorTensor=[2.5] overriding factor=1.5, on act_xp */
static const float want_pow_tensor[16] = {
    58.7388458f, 24.5898685f, 6.39069653f, 1.92689669f, 0.572433412f, 0.101192892f,
    0.00871421304f, 0.00316227786f, 0.00871421304f, 0.101192892f, 0.572433412f, 1.92689669f,
    6.39069653f, 24.5898685f, 58.7388458f, 3156.34399f,
};
/* paddle scale {'scale': 2.5, 'bias': -1.25, 'bias_after_scale': True}  */
static const float want_scale_after[16] = {
    -13.75f, -10.0f, -6.25f, -4.25f, -3.0f, -2.0f, -1.375f, -1.25f, -1.125f, -0.5f, 0.5f, 1.75f,
    3.75f, 7.5f, 11.25f, 61.25f,
};
/* paddle scale {'scale': 2.5, 'bias': -1.25, 'bias_after_scale': False}  */
static const float want_scale_before[16] = {
    -15.625f, -11.875f, -8.125f, -6.125f, -4.875f, -3.875f, -3.25f, -3.125f, -3.0f, -2.375f,
    -1.375f, -0.124999881f, 1.875f, 5.625f, 9.375f, 59.375f,
};
/* paddle scale {'scale': 2.5, 'bias': 0.5, 'bias_after_scale': True} ScaleTensor=[-3] */
static const float want_scale_tensor[16] = {
    15.5f, 11.0f, 6.5f, 4.10000038f, 2.5999999f, 1.4000001f, 0.649999976f, 0.5f, 0.349999994f,
    -0.400000036f, -1.5999999f, -3.10000014f, -5.5f, -10.0f, -14.5f, -74.5f,
};
static const int64_t scale_xi64[6] = {
    1LL, -3LL, 5LL, 100LL, 0LL, -7LL,
};
/* paddle scale on int64 scale_xi64, {'scale': 2.5, 'bias': 1.7, 'bias_after_scale': True} (scale
 * and bias truncate to int) */
static const int64_t want_scale_i64_after[6] = {
    3LL, -5LL, 11LL, 201LL, 1LL, -13LL,
};
/* same on int32 */
static const int32_t want_scale_i32_after[6] = {
    3, -5, 11, 201, 1, -13,
};
/* paddle scale on int64 scale_xi64, {'scale': 2.5, 'bias': 1.7, 'bias_after_scale': False} (scale
 * and bias truncate to int) */
static const int64_t want_scale_i64_before[6] = {
    4LL, -4LL, 12LL, 202LL, 2LL, -12LL,
};
/* same on int32 */
static const int32_t want_scale_i32_before[6] = {
    4, -4, 12, 202, 2, -12,
};
/* paddle scale on int64 scale_xi64, {'scale': -3.9, 'bias': -0.5, 'bias_after_scale': True}
 * (scale and bias truncate to int) */
static const int64_t want_scale_i64_neg[6] = {
    -3LL, 9LL, -15LL, -300LL, 0LL, 21LL,
};
/* same on int32 */
static const int32_t want_scale_i32_neg[6] = {
    -3, 9, -15, -300, 0, 21,
};
/* paddle dropout p=0.3 downgrade_in_infer, is_test */
static const float want_dropout_downgrade[16] = {
    -3.5f, -2.45000005f, -1.39999998f, -0.840000033f, -0.48999998f, -0.210000008f, -0.0350000001f,
    0.0f, 0.0350000001f, 0.210000008f, 0.48999998f, 0.840000033f, 1.39999998f, 2.45000005f, 3.5f,
    17.5f,
};
/* paddle dropout p=0.3 upscale_in_train, is_test */
static const float want_dropout_upscale[16] = {
    -5.0f, -3.5f, -2.0f, -1.20000005f, -0.699999988f, -0.300000012f, -0.0500000007f, 0.0f,
    0.0500000007f, 0.300000012f, 0.699999988f, 1.20000005f, 2.0f, 3.5f, 5.0f, 25.0f,
};

/* erf is checked against the error function itself, not against Paddle: each
 * value is Python's math.erf (double precision) of the float32 input,
 * rounded to float32:
 *   python3 -c "import math, struct; f = lambda v: struct.unpack('f',
 *     struct.pack('f', v))[0]; print([f(math.erf(f(x))) for x in XS])"
 * with XS the act_x values above; erf(-x) = -erf(x), erf(0) = 0, and erf
 * rounds to +-1 in float32 from |x| of about 3.9 on. */
static const float want_erf[16] = {
    -1.0f, -0.999999285f, -0.995322287f, -0.910313964f, -0.677801192f, -0.328626782f,
    -0.0563719794f, 0.0f, 0.0563719794f, 0.328626782f, 0.677801192f, 0.910313964f,
    0.995322287f, 0.999999285f, 1.0f, 1.0f,
};

/* ---- unary functions against Paddle --------------------------------------- */

typedef struct unary_case {
    const char *type;
    const float *x;
    const float *want;
    int n_attrs;
    pdsi_attr attrs[3];
} unary_case;

static void check_unary(const unary_case *c)
{
    pds_error err, *ep = &err;
    pdsi_tensor *x = pdst_tensor(PDS_FLOAT32, 2, dims_2x8, c->x);
    pdsi_tensor *o = pdst_out();
    CHECK_OK(pdst_run_op1(c->type, c->attrs, c->n_attrs, &x, 1, &o, 1, &err), ep);
    CHECK_EQ_INT(o->rank, 2);
    CHECK_EQ_INT(o->dims[0], 2);
    CHECK_EQ_INT(o->dims[1], 8);
    CHECK_EQ_INT(o->dtype, PDS_FLOAT32);
    pdst_check_close(c->type, o->data, c->want, 16, PDST_ATOL, PDST_RTOL);
    pdst_tensor_free(x);
    pdst_tensor_free(o);
}

static void test_unary_vs_paddle(void)
{
    const unary_case cases[] = {
        {"relu", act_x, want_relu, 0, {{0}}},
        {"relu6", act_x, want_relu6, 1, {pdst_attr_float("threshold", 6.0)}},
        {"relu6", act_x, want_relu6, 0, {{0}}},
        {"sigmoid", act_x, want_sigmoid, 0, {{0}}},
        {"tanh", act_x, want_tanh, 0, {{0}}},
        {"swish", act_x, want_swish, 1, {pdst_attr_float("beta", 1.0)}},
        {"silu", act_x, want_silu, 0, {{0}}},
        {"hard_swish", act_x, want_hard_swish, 3,
         {pdst_attr_float("threshold", 6.0), pdst_attr_float("scale", 6.0),
          pdst_attr_float("offset", 3.0)}},
        {"hard_swish", act_x, want_hard_swish, 0, {{0}}},
        {"hard_sigmoid", act_x, want_hard_sigmoid, 2,
         {pdst_attr_float("slope", 0.2), pdst_attr_float("offset", 0.5)}},
        {"hard_sigmoid", act_x, want_hard_sigmoid, 0, {{0}}},
        /* nn.Hardsigmoid's slope, as stored in a float attribute */
        {"hard_sigmoid", act_x, want_hard_sigmoid_s6, 2,
         {pdst_attr_float("slope", 0.1666666716337204), pdst_attr_float("offset", 0.5)}},
        {"gelu", act_x, want_gelu, 1, {pdst_attr_bool("approximate", 0)}},
        {"gelu", act_x, want_gelu, 0, {{0}}},
        {"gelu", act_x, want_gelu_tanh, 1, {pdst_attr_bool("approximate", 1)}},
        {"leaky_relu", act_x, want_leaky_relu, 1, {pdst_attr_float("alpha", 0.02)}},
        {"leaky_relu", act_x, want_leaky_relu, 0, {{0}}},
        {"leaky_relu", act_x, want_leaky_relu_a2, 1, {pdst_attr_float("alpha", 2.0)}},
        {"clip", act_x, want_clip, 2, {pdst_attr_float("min", -1.0), pdst_attr_float("max", 2.5)}},
        {"exp", act_x, want_exp, 0, {{0}}},
        {"sqrt", act_xp, want_sqrt, 0, {{0}}},
        {"rsqrt", act_xp, want_rsqrt, 0, {{0}}},
        {"abs", act_x, want_abs, 0, {{0}}},
        {"log", act_xp, want_log, 0, {{0}}},
        {"square", act_x, want_square, 0, {{0}}},
        {"softplus", act_x, want_softplus, 2,
         {pdst_attr_float("beta", 1.0), pdst_attr_float("threshold", 20.0)}},
        {"softplus", act_x, want_softplus, 0, {{0}}},
        {"softplus", act_x, want_softplus_b2, 2,
         {pdst_attr_float("beta", 2.0), pdst_attr_float("threshold", 3.0)}},
        {"mish", act_x, want_mish, 1, {pdst_attr_float("threshold", 20.0)}},
        {"elu", act_x, want_elu, 0, {{0}}},
        {"elu", act_x, want_elu_a05, 1, {pdst_attr_float("alpha", 0.5)}},
        {"pow", act_xp, want_pow, 1, {pdst_attr_float("factor", 1.5)}},
        {"erf", act_x, want_erf, 0, {{0}}},
        /* an integer-typed attribute where a float is expected is accepted */
        {"relu6", act_x, want_relu6, 1, {pdst_attr_int("threshold", 6)}},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
        check_unary(&cases[i]);
}

/* Issue 12's math functions on the values where conventions differ: Paddle
 * 3.3 rounds halves to even (paddle.round([-2.5, -1.5, -0.5, 0.5, 1.5, 2.5])
 * is [-2, -2, -0, 0, 2, 2]), and sign is 0 at 0. */
static void test_math_ops(void)
{
    pds_error err, *ep = &err;
    const int64_t d[1] = {8};
    const float xv[8] = {-2.5f, -1.5f, -0.5f, 0.5f, 1.5f, 2.5f, -0.7f, 0.0f};
    static const struct {
        const char *type;
        float want[8];
    } cases[] = {
        {"round", {-2, -2, -0.0f, 0, 2, 2, -1, 0}},
        {"floor", {-3, -2, -1, 0, 1, 2, -1, 0}},
        {"ceil", {-2, -1, -0.0f, 1, 2, 3, -0.0f, 0}},
        {"sign", {-1, -1, -1, 1, 1, 1, -1, 0}},
        {"reciprocal", {-0.4f, -1.0f / 1.5f, -2, 2, 1.0f / 1.5f, 0.4f, -1.0f / 0.7f, INFINITY}},
        {"sin", {-0.59847214f, -0.99749499f, -0.47942554f, 0.47942554f, 0.99749499f,
                 0.59847214f, -0.64421769f, 0}},
        {"cos", {-0.80114362f, 0.0707372f, 0.87758256f, 0.87758256f, 0.0707372f, -0.80114362f,
                 0.76484219f, 1}},
    };
    pdsi_tensor *x = pdst_mk(PDS_FLOAT32, 1, d, xv), *o = pdst_mk_out();
    for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++) {
        pdsi_tensor *ins[1] = {x}, *outs[1] = {o};
        CHECK_OK(pdst_run_op1(cases[k].type, NULL, 0, ins, 1, outs, 1, &err), ep);
        const float *v = o->data;
        for (int i = 0; i < 8; i++) {
            float w = cases[k].want[i];
            bool same = isinf(w) ? v[i] == w : fabsf(v[i] - w) <= 1e-6f * (1 + fabsf(w));
            if (!same || signbit(v[i]) != signbit(w))
                PDST_FAIL("%s(%g) = %g, expected %g", cases[k].type, (double)xv[i], (double)v[i],
                          (double)w);
        }
    }
    /* round to a power of ten is not implemented: refused at load */
    pdsi_attr dec = pdst_attr_int("decimals", 2);
    pdsi_tensor *ins[1] = {x}, *outs[1] = {o};
    CHECK_STATUS(pdst_run_op1("round", &dec, 1, ins, 1, outs, 1, &err), PDS_ERR_UNSUPPORTED_OP,
                 ep);
    CHECK_MSG(err, "'decimals' is 2");
    dec = pdst_attr_int("decimals", 0);
    CHECK_OK(pdst_run_op1("round", &dec, 1, ins, 1, outs, 1, &err), ep);
}

/* gelu's two forms differ by up to ~1e-3 around |x| = 2; make sure each
 * form is matched much closer than that, so a swap would be caught. */
static void test_gelu_forms_distinct(void)
{
    double worst = 0;
    for (int i = 0; i < 16; i++) {
        double d = fabs((double)want_gelu[i] - want_gelu_tanh[i]);
        if (d > worst)
            worst = d;
    }
    CHECK(worst > 5e-5);
    pds_error err, *ep = &err;
    pdsi_attr a = pdst_attr_bool("approximate", 1);
    pdsi_tensor *x = pdst_tensor(PDS_FLOAT32, 2, dims_2x8, act_x);
    pdsi_tensor *o = pdst_out();
    CHECK_OK(pdst_run_op1("gelu", &a, 1, &x, 1, &o, 1, &err), ep);
    pdst_check_close("gelu tanh tight", o->data, want_gelu_tanh, 16, 1e-6, 1e-5);
    a = pdst_attr_bool("approximate", 0);
    CHECK_OK(pdst_run_op1("gelu", &a, 1, &x, 1, &o, 1, &err), ep);
    pdst_check_close("gelu erf tight", o->data, want_gelu, 16, 1e-6, 1e-5);
    pdst_tensor_free(x);
    pdst_tensor_free(o);
}

/* erf tighter than the table's tolerance (float32 erff is within an ulp or
 * two of the double result), and at the points whose values are well known:
 * math.erf(0.5) = 0.5204998778130465, math.erf(1.0) = 0.8427007929497149. */
static void test_erf_values(void)
{
    pds_error err, *ep = &err;
    pdsi_tensor *x = pdst_tensor(PDS_FLOAT32, 2, dims_2x8, act_x);
    pdsi_tensor *o = pdst_out();
    CHECK_OK(pdst_run_op1("erf", NULL, 0, &x, 1, &o, 1, &err), ep);
    pdst_check_close("erf tight", o->data, want_erf, 16, 1e-7, 1e-6);
    pdst_tensor_free(x);
    static const int64_t dims4[1] = {4};
    static const float xs[4] = {0.5f, 1.0f, -1.0f, -0.5f};
    static const float want[4] = {0.520499878f, 0.842700793f, -0.842700793f, -0.520499878f};
    x = pdst_tensor(PDS_FLOAT32, 1, dims4, xs);
    CHECK_OK(pdst_run_op1("erf", NULL, 0, &x, 1, &o, 1, &err), ep);
    CHECK_EQ_INT(o->rank, 1);
    CHECK_EQ_INT(o->dims[0], 4);
    pdst_check_close("erf at +-0.5, +-1", o->data, want, 4, 1e-7, 1e-6);
    pdst_tensor_free(x);
    pdst_tensor_free(o);
}

static void test_clip_and_pow_tensors(void)
{
    pds_error err, *ep = &err;
    const float lo = -0.5f, hi = 1.5f, factor = 2.5f;
    const int64_t one[1] = {1};
    pdsi_attr attrs[2] = {pdst_attr_float("min", -1.0), pdst_attr_float("max", 2.5)};
    pdsi_tensor *x = pdst_tensor(PDS_FLOAT32, 2, dims_2x8, act_x);
    pdsi_tensor *tmin = pdst_tensor(PDS_FLOAT32, 1, one, &lo);
    pdsi_tensor *tmax = pdst_tensor(PDS_FLOAT32, 1, one, &hi);
    pdsi_tensor *o = pdst_out();
    pdsi_tensor *ins[3] = {x, tmin, tmax};
    CHECK_OK(pdst_run_op1("clip", attrs, 2, ins, 3, &o, 1, &err), ep);
    pdst_check_close("clip Min/Max", o->data, want_clip_tensors, 16, PDST_ATOL, PDST_RTOL);

    /* Only Min given: max comes from the attribute. */
    pdsi_tensor *ins_min[3] = {x, tmin, NULL};
    float want_min_only[16];
    for (int i = 0; i < 16; i++)
        want_min_only[i] = act_x[i] < lo ? lo : act_x[i] > 2.5f ? 2.5f : act_x[i];
    CHECK_OK(pdst_run_op1("clip", attrs, 2, ins_min, 3, &o, 1, &err), ep);
    pdst_check_close("clip Min only", o->data, want_min_only, 16, 0, 0);

    /* A 0-D int64 bound is a number too. */
    const int64_t ilo = 0;
    pdsi_tensor *tilo = pdst_tensor(PDS_INT64, 0, NULL, &ilo);
    pdsi_tensor *ins_i[3] = {x, tilo, NULL};
    CHECK_OK(pdst_run_op1("clip", attrs, 2, ins_i, 3, &o, 1, &err), ep);
    CHECK(((float *)o->data)[0] == 0.0f && ((float *)o->data)[15] == 2.5f);

    pdsi_tensor *xp = pdst_tensor(PDS_FLOAT32, 2, dims_2x8, act_xp);
    pdsi_tensor *tf = pdst_tensor(PDS_FLOAT32, 1, one, &factor);
    pdsi_tensor *pins[2] = {xp, tf};
    pdsi_attr pa = pdst_attr_float("factor", 1.5);
    CHECK_OK(pdst_run_op1("pow", &pa, 1, pins, 2, &o, 1, &err), ep);
    pdst_check_close("pow FactorTensor", o->data, want_pow_tensor, 16, PDST_ATOL, PDST_RTOL);

    pdst_tensor_free(x);
    pdst_tensor_free(xp);
    pdst_tensor_free(tmin);
    pdst_tensor_free(tmax);
    pdst_tensor_free(tilo);
    pdst_tensor_free(tf);
    pdst_tensor_free(o);
}

static void test_scale_float(void)
{
    pds_error err, *ep = &err;
    pdsi_tensor *x = pdst_tensor(PDS_FLOAT32, 2, dims_2x8, act_x);
    pdsi_tensor *o = pdst_out();
    pdsi_attr a[3] = {pdst_attr_float("scale", 2.5), pdst_attr_float("bias", -1.25),
                      pdst_attr_bool("bias_after_scale", 1)};
    CHECK_OK(pdst_run_op1("scale", a, 3, &x, 1, &o, 1, &err), ep);
    pdst_check_close("scale after", o->data, want_scale_after, 16, PDST_ATOL, PDST_RTOL);
    a[2] = pdst_attr_bool("bias_after_scale", 0);
    CHECK_OK(pdst_run_op1("scale", a, 3, &x, 1, &o, 1, &err), ep);
    pdst_check_close("scale before", o->data, want_scale_before, 16, PDST_ATOL, PDST_RTOL);

    const float s = -3.0f;
    const int64_t one[1] = {1};
    pdsi_tensor *ts = pdst_tensor(PDS_FLOAT32, 1, one, &s);
    pdsi_tensor *ins[2] = {x, ts};
    a[1] = pdst_attr_float("bias", 0.5);
    a[2] = pdst_attr_bool("bias_after_scale", 1);
    CHECK_OK(pdst_run_op1("scale", a, 3, ins, 2, &o, 1, &err), ep);
    pdst_check_close("scale ScaleTensor", o->data, want_scale_tensor, 16, PDST_ATOL, PDST_RTOL);

    /* Defaults: scale 1, bias 0 — the identity. */
    CHECK_OK(pdst_run_op1("scale", NULL, 0, &x, 1, &o, 1, &err), ep);
    pdst_check_close("scale default", o->data, act_x, 16, 0, 0);
    pdst_tensor_free(x);
    pdst_tensor_free(ts);
    pdst_tensor_free(o);
}

static void test_scale_int(void)
{
    pds_error err, *ep = &err;
    const int64_t d6[1] = {6};
    int32_t xi32[6];
    for (int i = 0; i < 6; i++)
        xi32[i] = (int32_t)scale_xi64[i];
    struct {
        double scale, bias;
        int after;
        const int64_t *w64;
        const int32_t *w32;
    } cases[] = {
        {2.5, 1.7, 1, want_scale_i64_after, want_scale_i32_after},
        {2.5, 1.7, 0, want_scale_i64_before, want_scale_i32_before},
        {-3.9, -0.5, 1, want_scale_i64_neg, want_scale_i32_neg},
    };
    for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
        pdsi_attr a[3] = {pdst_attr_float("scale", cases[c].scale),
                          pdst_attr_float("bias", cases[c].bias),
                          pdst_attr_bool("bias_after_scale", cases[c].after)};
        pdsi_tensor *x = pdst_tensor(PDS_INT64, 1, d6, scale_xi64);
        pdsi_tensor *o = pdst_out();
        CHECK_OK(pdst_run_op1("scale", a, 3, &x, 1, &o, 1, &err), ep);
        CHECK_EQ_INT(o->dtype, PDS_INT64);
        for (int i = 0; i < 6; i++)
            CHECK_EQ_INT(((int64_t *)o->data)[i], cases[c].w64[i]);
        pdst_tensor_free(x);
        x = pdst_tensor(PDS_INT32, 1, d6, xi32);
        CHECK_OK(pdst_run_op1("scale", a, 3, &x, 1, &o, 1, &err), ep);
        CHECK_EQ_INT(o->dtype, PDS_INT32);
        for (int i = 0; i < 6; i++)
            CHECK_EQ_INT(((int32_t *)o->data)[i], cases[c].w32[i]);
        pdst_tensor_free(x);
        pdst_tensor_free(o);
    }

    /* Shape arithmetic: int64 -1 * dim wraps like Paddle instead of trapping. */
    const int64_t big[2] = {INT64_MAX, INT64_MIN};
    const int64_t d2[1] = {2};
    pdsi_attr a[2] = {pdst_attr_float("scale", 2.0), pdst_attr_float("bias", 1.0)};
    pdsi_tensor *x = pdst_tensor(PDS_INT64, 1, d2, big);
    pdsi_tensor *o = pdst_out();
    CHECK_OK(pdst_run_op1("scale", a, 2, &x, 1, &o, 1, &err), ep);
    CHECK_EQ_INT(((int64_t *)o->data)[0], -1);
    CHECK_EQ_INT(((int64_t *)o->data)[1], 1);
    /* A scale too large for the integer type converts like x86 (INT_MIN). */
    a[0] = pdst_attr_float("scale", 1e30);
    a[1] = pdst_attr_float("bias", 0.0);
    CHECK_OK(pdst_run_op1("scale", a, 2, &x, 1, &o, 1, &err), ep);
    CHECK_EQ_INT(((int64_t *)o->data)[0], INT64_MIN);
    CHECK_EQ_INT(((int64_t *)o->data)[1], 0);
    pdst_tensor_free(x);
    pdst_tensor_free(o);
}

static void test_dropout_modes(void)
{
    pds_error err, *ep = &err;
    pdsi_tensor *x = pdst_tensor(PDS_FLOAT32, 2, dims_2x8, act_x);
    pdsi_tensor *o = pdst_out();
    pdsi_tensor *mask = pdst_tensor(PDS_UINT8, 0, NULL, NULL);
    pdsi_tensor *outs[2] = {o, mask};
    pdsi_attr a[3] = {pdst_attr_float("dropout_prob", 0.3),
                      pdst_attr_str("dropout_implementation", "downgrade_in_infer"),
                      pdst_attr_bool("is_test", 1)};
    CHECK_OK(pdst_run_op1("dropout", a, 3, &x, 1, outs, 2, &err), ep);
    pdst_check_close("dropout downgrade", o->data, want_dropout_downgrade, 16, PDST_ATOL,
                     PDST_RTOL);
    CHECK_EQ_INT(mask->dtype, PDS_UINT8);
    CHECK_EQ_INT(mask->rank, 2);
    CHECK_EQ_INT(mask->dims[1], 8);
    for (int i = 0; i < 16; i++)
        CHECK_EQ_INT(((uint8_t *)mask->data)[i], 1);

    a[1] = pdst_attr_str("dropout_implementation", "upscale_in_train");
    CHECK_OK(pdst_run_op1("dropout", a, 3, &x, 1, outs, 2, &err), ep);
    pdst_check_close("dropout upscale", o->data, want_dropout_upscale, 16, 0, 0);

    /* is_test = false changes nothing: this is an inference engine. */
    a[1] = pdst_attr_str("dropout_implementation", "downgrade_in_infer");
    a[2] = pdst_attr_bool("is_test", 0);
    CHECK_OK(pdst_run_op1("dropout", a, 3, &x, 1, &o, 1, &err), ep);
    pdst_check_close("dropout is_test=0", o->data, want_dropout_downgrade, 16, PDST_ATOL,
                     PDST_RTOL);

    /* The default implementation is downgrade_in_infer. */
    CHECK_OK(pdst_run_op1("dropout", a, 1, &x, 1, &o, 1, &err), ep);
    pdst_check_close("dropout default", o->data, want_dropout_downgrade, 16, PDST_ATOL,
                     PDST_RTOL);
    pdst_tensor_free(x);
    pdst_tensor_free(o);
    pdst_tensor_free(mask);
}

/* Out may share X's buffer (the planner may run these ops in place). */
static void test_in_place(void)
{
    pds_error err, *ep = &err;
    pdsi_tensor *x = pdst_tensor(PDS_FLOAT32, 2, dims_2x8, act_x);
    CHECK_OK(pdst_run_op1("hard_swish", NULL, 0, &x, 1, &x, 1, &err), ep);
    pdst_check_close("hard_swish in place", x->data, want_hard_swish, 16, PDST_ATOL, PDST_RTOL);
    pdst_tensor_free(x);
    x = pdst_tensor(PDS_FLOAT32, 2, dims_2x8, act_x);
    pdsi_attr a = pdst_attr_float("dropout_prob", 0.3);
    CHECK_OK(pdst_run_op1("dropout", &a, 1, &x, 1, &x, 1, &err), ep);
    pdst_check_close("dropout in place", x->data, want_dropout_downgrade, 16, PDST_ATOL,
                     PDST_RTOL);
    pdst_tensor_free(x);
}

static void test_shapes(void)
{
    pds_error err, *ep = &err;
    /* 0-D input */
    const float v = 0.0f;
    pdsi_tensor *x = pdst_tensor(PDS_FLOAT32, 0, NULL, &v);
    pdsi_tensor *o = pdst_out();
    CHECK_OK(pdst_run_op1("sigmoid", NULL, 0, &x, 1, &o, 1, &err), ep);
    CHECK_EQ_INT(o->rank, 0);
    CHECK(((float *)o->data)[0] == 0.5f);
    pdst_tensor_free(x);
    /* empty input */
    const int64_t d0[3] = {2, 0, 3};
    x = pdst_tensor(PDS_FLOAT32, 3, d0, NULL);
    CHECK_OK(pdst_run_op1("gelu", NULL, 0, &x, 1, &o, 1, &err), ep);
    CHECK_EQ_INT(o->rank, 3);
    CHECK_EQ_INT(o->dims[1], 0);
    CHECK_EQ_INT(o->dims[2], 3);
    pdst_tensor_free(x);
    /* extremes stay finite where they should */
    const float ext[4] = {-1000.0f, 1000.0f, -FLT_MAX, FLT_MAX};
    const int64_t d4[1] = {4};
    x = pdst_tensor(PDS_FLOAT32, 1, d4, ext);
    CHECK_OK(pdst_run_op1("sigmoid", NULL, 0, &x, 1, &o, 1, &err), ep);
    const float *s = o->data;
    CHECK(s[0] == 0.0f && s[1] == 1.0f && s[2] == 0.0f && s[3] == 1.0f);
    CHECK_OK(pdst_run_op1("softplus", NULL, 0, &x, 1, &o, 1, &err), ep);
    s = o->data;
    CHECK(s[0] == 0.0f && s[1] == 1000.0f && s[3] == FLT_MAX);
    pdst_tensor_free(x);
    pdst_tensor_free(o);
}

static void test_errors(void)
{
    pds_error err, *ep = &err;
    pdsi_tensor *x = pdst_tensor(PDS_FLOAT32, 2, dims_2x8, act_x);
    pdsi_tensor *h = pdst_tensor(PDS_FLOAT16, 2, dims_2x8, NULL);
    pdsi_tensor *i32 = pdst_tensor(PDS_INT32, 2, dims_2x8, NULL);
    pdsi_tensor *f64 = pdst_tensor(PDS_FLOAT64, 2, dims_2x8, NULL);
    pdsi_tensor *o = pdst_out();

    /* M10: dtypes */
    CHECK_STATUS(pdst_run_op1("relu", NULL, 0, &h, 1, &o, 1, &err), PDS_ERR_DTYPE, ep);
    CHECK_MSG(err, "float16");
    CHECK_STATUS(pdst_run_op1("gelu", NULL, 0, &h, 1, &o, 1, &err), PDS_ERR_DTYPE, ep);
    CHECK_STATUS(pdst_run_op1("sigmoid", NULL, 0, &i32, 1, &o, 1, &err), PDS_ERR_DTYPE, ep);
    CHECK_STATUS(pdst_run_op1("scale", NULL, 0, &f64, 1, &o, 1, &err), PDS_ERR_DTYPE, ep);
    CHECK_STATUS(pdst_run_op1("scale", NULL, 0, &h, 1, &o, 1, &err), PDS_ERR_DTYPE, ep);
    CHECK_STATUS(pdst_run_op1("dropout", NULL, 0, &h, 1, &o, 1, &err), PDS_ERR_DTYPE, ep);

    /* dropout attributes */
    pdsi_attr a[2] = {pdst_attr_str("dropout_implementation", "drop_everything"),
                      pdst_attr_float("dropout_prob", 0.5)};
    CHECK_STATUS(pdst_run_op1("dropout", a, 2, &x, 1, &o, 1, &err), PDS_ERR_MODEL_FORMAT, ep);
    CHECK_MSG(err, "drop_everything");
    CHECK_MSG(err, "dropout_implementation");
    a[0] = pdst_attr_str("dropout_implementation", "upscale_in_train");
    a[1] = pdst_attr_float("dropout_prob", 1.5);
    CHECK_STATUS(pdst_run_op1("dropout", a, 2, &x, 1, &o, 1, &err), PDS_ERR_MODEL_FORMAT, ep);
    CHECK_MSG(err, "dropout_prob");
    a[1] = pdst_attr_float("dropout_prob", NAN);
    CHECK_STATUS(pdst_run_op1("dropout", a, 2, &x, 1, &o, 1, &err), PDS_ERR_MODEL_FORMAT, ep);
    a[0] = pdst_attr_int("dropout_implementation", 1);
    CHECK_STATUS(pdst_run_op1("dropout", a, 1, &x, 1, &o, 1, &err), PDS_ERR_MODEL_FORMAT, ep);

    /* Attributes Paddle 3 ignores: only their default value is accepted. */
    a[0] = pdst_attr_float("threshold", 2.0);
    CHECK_STATUS(pdst_run_op1("relu6", a, 1, &x, 1, &o, 1, &err), PDS_ERR_UNSUPPORTED_OP, ep);
    CHECK_MSG(err, "threshold");
    a[0] = pdst_attr_float("scale", 5.0);
    CHECK_STATUS(pdst_run_op1("hard_swish", a, 1, &x, 1, &o, 1, &err), PDS_ERR_UNSUPPORTED_OP, ep);
    a[0] = pdst_attr_float("offset", 2.0);
    CHECK_STATUS(pdst_run_op1("hard_swish", a, 1, &x, 1, &o, 1, &err), PDS_ERR_UNSUPPORTED_OP, ep);
    a[0] = pdst_attr_float("beta", 2.0);
    CHECK_STATUS(pdst_run_op1("swish", a, 1, &x, 1, &o, 1, &err), PDS_ERR_UNSUPPORTED_OP, ep);

    /* wrong attribute types and values */
    a[0] = pdst_attr_str("approximate", "yes");
    CHECK_STATUS(pdst_run_op1("gelu", a, 1, &x, 1, &o, 1, &err), PDS_ERR_MODEL_FORMAT, ep);
    CHECK_MSG(err, "approximate");
    a[0] = pdst_attr_float("beta", 0.0);
    CHECK_STATUS(pdst_run_op1("softplus", a, 1, &x, 1, &o, 1, &err), PDS_ERR_MODEL_FORMAT, ep);
    a[0] = pdst_attr_float("min", 3.0);
    a[1] = pdst_attr_float("max", 1.0);
    CHECK_STATUS(pdst_run_op1("clip", a, 2, &x, 1, &o, 1, &err), PDS_ERR_MODEL_FORMAT, ep);
    CHECK_MSG(err, "min");

    /* clip / pow / scale bound tensors */
    const float two[2] = {1.0f, 2.0f};
    const int64_t d2[1] = {2}, d1[1] = {1};
    pdsi_tensor *t2 = pdst_tensor(PDS_FLOAT32, 1, d2, two);
    pdsi_tensor *th = pdst_tensor(PDS_FLOAT16, 1, d1, NULL);
    pdsi_tensor *tlo = pdst_tensor(PDS_FLOAT32, 1, d1, &two[1]);
    pdsi_tensor *thi = pdst_tensor(PDS_FLOAT32, 1, d1, &two[0]);
    pdsi_tensor *c1[3] = {x, t2, NULL};
    CHECK_STATUS(pdst_run_op1("clip", NULL, 0, c1, 3, &o, 1, &err), PDS_ERR_SHAPE, ep);
    CHECK_MSG(err, "Min");
    pdsi_tensor *c2[3] = {x, NULL, th};
    CHECK_STATUS(pdst_run_op1("clip", NULL, 0, c2, 3, &o, 1, &err), PDS_ERR_DTYPE, ep);
    CHECK_MSG(err, "Max");
    pdsi_tensor *c3[3] = {x, tlo, thi};
    CHECK_STATUS(pdst_run_op1("clip", NULL, 0, c3, 3, &o, 1, &err), PDS_ERR_INVALID_ARGUMENT, ep);
    pdsi_tensor *p1[2] = {x, t2};
    CHECK_STATUS(pdst_run_op1("pow", NULL, 0, p1, 2, &o, 1, &err), PDS_ERR_SHAPE, ep);
    CHECK_MSG(err, "FactorTensor");
    CHECK_STATUS(pdst_run_op1("scale", NULL, 0, p1, 2, &o, 1, &err), PDS_ERR_SHAPE, ep);
    CHECK_MSG(err, "ScaleTensor");

    pdst_tensor_free(x);
    pdst_tensor_free(h);
    pdst_tensor_free(i32);
    pdst_tensor_free(f64);
    pdst_tensor_free(t2);
    pdst_tensor_free(th);
    pdst_tensor_free(tlo);
    pdst_tensor_free(thi);
    pdst_tensor_free(o);
}

int main(void)
{
    RUN_TEST(test_unary_vs_paddle);
    RUN_TEST(test_gelu_forms_distinct);
    RUN_TEST(test_erf_values);
    RUN_TEST(test_clip_and_pow_tensors);
    RUN_TEST(test_scale_float);
    RUN_TEST(test_scale_int);
    RUN_TEST(test_dropout_modes);
    RUN_TEST(test_in_place);
    RUN_TEST(test_shapes);
    RUN_TEST(test_errors);
    RUN_TEST(test_math_ops);
    return pdst_summary();
}
