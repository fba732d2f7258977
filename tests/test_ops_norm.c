/*
 * test_ops_norm.c — batch_norm, layer_norm, softmax and log_softmax through
 * the real parse -> infer -> kernel path against values computed by Paddle
 * 3.3.1, an accuracy check of layer_norm on rows with a large mean, and the
 * error paths.
 *
 * The expected arrays were produced by running each legacy operator in a
 * static Program on paddle.static.Executor (CPU, FLAGS_enable_pir_api=0).
 */
#include "harness.h"

#include <stdint.h>


/* ---- Paddle-computed data --------------------------------------------------- */

/* batch_norm inputs: X [2,3,2,2], Scale, Bias, Mean, Variance [3] */
static const float bn_x[24] = {
    -1.66666663f, 0.666666687f, -0.666666687f, 1.66666663f, 0.333333343f, -1.0f, 1.33333337f,
    0.0f, -1.33333337f, 1.0f, -0.333333343f, -1.66666663f, 0.666666687f, -0.666666687f,
    1.66666663f, 0.333333343f, -1.0f, 1.33333337f, 0.0f, -1.33333337f, 1.0f, -0.333333343f,
    -1.66666663f, 0.666666687f,
};
static const float bn_scale[3] = {
    1.5f, -0.5f, 2.0f,
};
static const float bn_bias[3] = {
    0.100000001f, 0.200000003f, -0.300000012f,
};
static const float bn_mean[3] = {
    0.200000003f, -0.400000006f, 0.5f,
};
static const float bn_var[3] = {
    0.800000012f, 0.300000012f, 2.5f,
};
/* paddle batch_norm(bn_x..., epsilon=1e-5, is_test=True, NCHW) */
static const float want_bn[24] = {
    -3.03047538f, 0.882618904f, -1.35343504f, 2.55965924f, -0.469427526f, 0.747713387f,
    -1.38228321f, -0.165142283f, -2.618999f, 0.332454264f, -1.35409045f, -3.04063511f,
    0.882618904f, -1.35343504f, 2.55965924f, 0.323605388f, 0.747713387f, -1.38228321f,
    -0.165142283f, 1.05199862f, 0.332454264f, -1.35409045f, -3.04063511f, -0.0891819f,
};
/* paddle batch_norm on bn_x viewed as [8,3], epsilon=1e-3 */
static const float want_bn_2d[24] = {
    -3.02854061f, -0.772110164f, -1.77543461f, 2.55813885f, -0.468325734f, -2.19698739f,
    1.99947131f, -0.164541319f, -2.61854005f, 1.44080317f, 0.139243111f, -3.04009271f,
    0.882135272f, 0.443027556f, 1.17543435f, 0.323467225f, 0.746811986f, 0.753881872f,
    -0.235200793f, 1.05059636f, 0.332329094f, -0.79386878f, 1.35438073f, -0.0892236233f,
};
/* paddle batch_norm on bn_x viewed as [1,3,2,2,2], epsilon=1e-5 */
static const float want_bn_5d[24] = {
    -3.03047538f, 0.882618904f, -1.35343504f, 2.55965924f, 0.323605388f, -1.91244853f,
    2.00064588f, -0.235408098f, 1.05199862f, -1.07799792f, 0.139142945f, 1.35628378f,
    -0.773712754f, 0.443428159f, -1.68656838f, -0.469427526f, -2.1973629f, 0.754090488f,
    -0.932454288f, -2.618999f, 0.332454264f, -1.35409045f, -3.04063511f, -0.0891819f,
};
/* layer_norm input [2,3,4], Scale and Bias [12] (the first 4 entries for begin_norm_axis 2) */
static const float ln_x[24] = {
    -1.5f, -0.25f, 1.0f, -1.0f, 0.25f, 1.5f, -0.5f, 0.75f, -1.25f, 0.0f, 1.25f, -0.75f, 0.5f,
    -1.5f, -0.25f, 1.0f, -1.0f, 0.25f, 1.5f, -0.5f, 0.75f, -1.25f, 0.0f, 1.25f,
};
static const float ln_scale[12] = {
    -1.0f, -0.833333313f, -0.666666627f, -0.5f, -0.333333313f, -0.166666687f, 0.0f, 0.166666627f,
    0.333333373f, 0.5f, 0.666666627f, 0.833333373f,
};
static const float ln_bias[12] = {
    0.0f, 0.100000001f, 0.200000003f, 0.300000012f, 0.400000006f, 0.0f, 0.100000001f,
    0.200000003f, 0.300000012f, 0.400000006f, 0.0f, 0.100000001f,
};
/* paddle layer_norm(ln_x, ln_scale, ln_bias, begin_norm_axis=1, epsilon=1e-5): Y, Mean, Variance */
static const float want_ln1[24] = {
    1.51601017f, 0.280477375f, -0.521909475f, 0.798117638f, 0.298932672f, -0.267106563f,
    0.100000001f, 0.337162793f, -0.118707597f, 0.421657294f, 0.895167768f, -0.513623118f,
    -0.461898565f, 1.47469807f, 0.419951677f, -0.194891304f, 0.773917913f, -0.0329927579f,
    0.100000001f, 0.101021767f, 0.541946888f, -0.292847842f, -0.0439903364f, 1.14477062f,
};
static const float want_ln1_mean[2] = {
    -0.0416666679f, 0.0625f,
};
static const float want_ln1_var[2] = {
    0.925347209f, 0.897135437f,
};
/* paddle layer_norm(ln_x, ln_scale[:4], ln_bias[:4], begin_norm_axis=2, epsilon=1e-6) */
static const float want_ln2[24] = {
    1.12832904f, -0.0659307316f, -0.817708433f, 0.59867537f, 0.342996836f, -1.04332268f,
    1.11465824f, 0.128501594f, 1.12832904f, -0.0659307316f, -0.817708433f, 0.59867537f,
    -0.597350657f, 1.37213564f, 0.332744598f, -0.264164507f, 1.12832904f, -0.0659307316f,
    -0.817708433f, 0.59867537f, -0.597350657f, 1.37213564f, 0.332744598f, -0.264164507f,
};
static const float want_ln2_mean[6] = {
    -0.4375f, 0.5f, -0.1875f, -0.0625f, 0.0625f, 0.1875f,
};
static const float want_ln2_var[6] = {
    0.88671875f, 0.53125f, 0.88671875f, 0.88671875f, 0.88671875f, 0.88671875f,
};
/* paddle layer_norm(ln_x) without Scale and Bias, begin_norm_axis=2 */
static const float want_ln_plain[24] = {
    -1.1283232f, 0.199115857f, 1.52655494f, -0.597347617f, -0.342993915f, 1.37197566f,
    -1.37197566f, 0.342993915f, -1.1283232f, 0.199115857f, 1.52655494f, -0.597347617f,
    0.597347617f, -1.52655494f, -0.199115857f, 1.1283232f, -1.1283232f, 0.199115857f, 1.52655494f,
    -0.597347617f, 0.597347617f, -1.52655494f, -0.199115857f, 1.1283232f,
};
/* softmax input [2,3,4] with large entries (100, -100, 1000) */
static const float sm_x[24] = {
    100.0f, -0.75f, 3.0f, -3.0f, 0.75f, 4.5f, -1.5f, 2.25f, -3.75f, 0.0f, 3.75f, -2.25f, 1.5f,
    1000.0f, -0.75f, 3.0f, -3.0f, 0.75f, 4.5f, -1.5f, 2.25f, -3.75f, 0.0f, -100.0f,
};
/* paddle softmax(sm_x, axis=-1) */
static const float want_sm_last[24] = {
    1.0f, 1.60381094e-28f, 1.60381094e-28f, 1.60381094e-28f, 0.0207864903f, 0.883864045f,
    0.00219088001f, 0.0931585804f, 0.000538780005f, 0.022909509f, 0.974137068f, 0.00241464446f,
    1.60381094e-28f, 1.0f, 1.60381094e-28f, 1.60381094e-28f, 0.000538780005f, 0.022909509f,
    0.974137068f, 0.00241464446f, 0.902626514f, 0.00223738747f, 0.0951361284f, 1.44764234e-28f,
};
/* paddle softmax(sm_x, axis=1) */
static const float want_sm_axis1[24] = {
    1.0f, 0.00516306888f, 0.319681942f, 0.00516306888f, 1.60381094e-28f, 0.983906746f,
    0.00355134578f, 0.983906746f, 1.60381094e-28f, 0.0109302169f, 0.676766694f, 0.0109302169f,
    0.319681942f, 1.0f, 0.00516306888f, 0.989013076f, 0.00355134578f, 1.60381094e-28f,
    0.983906746f, 0.0109869428f, 0.676766694f, 1.60381094e-28f, 0.0109302169f, 1.58619e-28f,
};
/* paddle softmax(sm_x, axis=0) */
static const float want_sm_axis0[24] = {
    1.0f, 1.60381094e-28f, 0.977022648f, 0.00247262348f, 0.977022648f, 0.977022648f,
    0.00247262348f, 0.977022648f, 0.00247262348f, 0.977022648f, 0.977022648f, 1.0f,
    1.60381094e-28f, 1.0f, 0.0229773708f, 0.997527421f, 0.0229773708f, 0.0229773708f,
    0.997527421f, 0.0229773708f, 0.997527421f, 0.0229773708f, 0.0229773708f, 1.60381094e-28f,
};
/* paddle log_softmax(sm_x, axis=-1) */
static const float want_lsm_last[24] = {
    0.0f, -64.0f, -64.0f, -64.0f, -3.87345195f, -0.123452f, -6.12345219f, -2.37345195f,
    -7.52620316f, -3.77620316f, -0.0262032542f, -6.02620316f, -64.0f, 0.0f, -64.0f, -64.0f,
    -7.52620316f, -3.77620316f, -0.0262032542f, -6.02620316f, -0.102446444f, -6.10244656f,
    -2.35244656f, -64.1024475f,
};
/* paddle log_softmax(sm_x, axis=1) */
static const float want_lsm_axis1[24] = {
    0.0f, -5.26622391f, -1.14042866f, -5.26622391f, -64.0f, -0.0162241422f, -5.64042854f,
    -0.0162241422f, -64.0f, -4.51622391f, -0.390428662f, -4.51622391f, -1.14042866f, 0.0f,
    -5.26622391f, -0.0110477433f, -5.64042854f, -64.0f, -0.0162241422f, -4.51104784f,
    -0.390428662f, -64.0f, -4.51622391f, -64.0110474f,
};

/* ---- batch_norm ------------------------------------------------------------ */

static void test_batch_norm(void)
{
    pds_error err, *ep = &err;
    const int64_t xd[4] = {2, 3, 2, 2}, cd[1] = {3};
    pdsi_tensor *x = pdst_tensor(PDS_FLOAT32, 4, xd, bn_x);
    pdsi_tensor *ins[5] = {x, pdst_tensor(PDS_FLOAT32, 1, cd, bn_scale),
                           pdst_tensor(PDS_FLOAT32, 1, cd, bn_bias),
                           pdst_tensor(PDS_FLOAT32, 1, cd, bn_mean),
                           pdst_tensor(PDS_FLOAT32, 1, cd, bn_var)};
    pdsi_tensor *outs[6];
    for (int k = 0; k < 6; k++)
        outs[k] = pdst_out();
    pdsi_attr a[5] = {pdst_attr_float("epsilon", 1e-5), pdst_attr_str("data_layout", "NCHW"),
                      pdst_attr_bool("is_test", 1), pdst_attr_float("momentum", 0.9),
                      pdst_attr_bool("use_global_stats", 0)};
    CHECK_OK(pdst_run_op1("batch_norm", a, 5, ins, 5, outs, 6, &err), ep);
    CHECK_EQ_INT(outs[0]->rank, 4);
    pdst_check_close("batch_norm", outs[0]->data, want_bn, 24, PDST_ATOL, PDST_RTOL);
    /* optional outputs: MeanOut/VarianceOut copy the running statistics,
     * SavedMean/SavedVariance are zeros of shape [C], ReserveSpace is empty */
    pdst_check_close("MeanOut", outs[1]->data, bn_mean, 3, 0, 0);
    pdst_check_close("VarianceOut", outs[2]->data, bn_var, 3, 0, 0);
    for (int k = 1; k <= 4; k++) {
        CHECK_EQ_INT(outs[k]->rank, 1);
        CHECK_EQ_INT(outs[k]->dims[0], 3);
    }
    CHECK(((float *)outs[3]->data)[2] == 0.0f && ((float *)outs[4]->data)[0] == 0.0f);
    CHECK_EQ_INT(outs[5]->rank, 1);
    CHECK_EQ_INT(outs[5]->dims[0], 0);

    /* Only Y requested; AnyLayout means channel-first. */
    a[1] = pdst_attr_str("data_layout", "AnyLayout");
    CHECK_OK(pdst_run_op1("batch_norm", a, 2, ins, 5, outs, 1, &err), ep);
    pdst_check_close("batch_norm AnyLayout", outs[0]->data, want_bn, 24, PDST_ATOL, PDST_RTOL);

    /* rank 2 [N, C] and rank 5, default layout */
    const int64_t d2[2] = {8, 3}, d5[5] = {1, 3, 2, 2, 2};
    pdsi_tensor *x2 = pdst_tensor(PDS_FLOAT32, 2, d2, bn_x);
    ins[0] = x2;
    a[0] = pdst_attr_float("epsilon", 1e-3);
    CHECK_OK(pdst_run_op1("batch_norm", a, 1, ins, 5, outs, 1, &err), ep);
    pdst_check_close("batch_norm 2-D", outs[0]->data, want_bn_2d, 24, PDST_ATOL, PDST_RTOL);
    pdsi_tensor *x5 = pdst_tensor(PDS_FLOAT32, 5, d5, bn_x);
    ins[0] = x5;
    CHECK_OK(pdst_run_op1("batch_norm", NULL, 0, ins, 5, outs, 1, &err), ep);
    pdst_check_close("batch_norm 5-D", outs[0]->data, want_bn_5d, 24, PDST_ATOL, PDST_RTOL);

    /* in place: Y shares X */
    ins[0] = x;
    pdsi_tensor *inplace[1] = {x};
    CHECK_OK(pdst_run_op1("batch_norm", NULL, 0, ins, 5, inplace, 1, &err), ep);
    pdst_check_close("batch_norm in place", x->data, want_bn, 24, PDST_ATOL, PDST_RTOL);

    pdst_tensor_free(x2);
    pdst_tensor_free(x5);
    for (int k = 0; k < 5; k++)
        pdst_tensor_free(ins[k]);
    for (int k = 0; k < 6; k++)
        pdst_tensor_free(outs[k]);
}

static void test_batch_norm_errors(void)
{
    pds_error err, *ep = &err;
    const int64_t xd[4] = {2, 3, 2, 2}, cd[1] = {3}, c4[1] = {4}, c13[2] = {1, 3}, x1[1] = {3};
    pdsi_tensor *x = pdst_tensor(PDS_FLOAT32, 4, xd, bn_x);
    pdsi_tensor *c = pdst_tensor(PDS_FLOAT32, 1, cd, bn_var);
    pdsi_tensor *o = pdst_out();
    pdsi_tensor *ins[5] = {x, c, c, c, c};

    pdsi_attr a = pdst_attr_str("data_layout", "NHWC");
    CHECK_STATUS(pdst_run_op1("batch_norm", &a, 1, ins, 5, &o, 1, &err), PDS_ERR_UNSUPPORTED_OP, ep);
    CHECK_MSG(err, "NHWC");
    a = pdst_attr_str("data_layout", "CHWN");
    CHECK_STATUS(pdst_run_op1("batch_norm", &a, 1, ins, 5, &o, 1, &err), PDS_ERR_MODEL_FORMAT, ep);
    a = pdst_attr_float("epsilon", 0.01);
    CHECK_STATUS(pdst_run_op1("batch_norm", &a, 1, ins, 5, &o, 1, &err), PDS_ERR_MODEL_FORMAT, ep);
    CHECK_MSG(err, "epsilon");
    a = pdst_attr_float("epsilon", -1e-5);
    CHECK_STATUS(pdst_run_op1("batch_norm", &a, 1, ins, 5, &o, 1, &err), PDS_ERR_MODEL_FORMAT, ep);
    /* 0.001 stored in a float attribute is a little above the double 0.001;
     * Paddle compares in float and accepts it */
    a = pdst_attr_float("epsilon", (double)0.001f);
    CHECK_OK(pdst_run_op1("batch_norm", &a, 1, ins, 5, &o, 1, &err), ep);
    CHECK_OK(pdst_run_op1("layer_norm", &a, 1, ins, 1, &o, 1, &err), ep);

    /* per-channel inputs of the wrong size or rank */
    pdsi_tensor *c4t = pdst_tensor(PDS_FLOAT32, 1, c4, NULL);
    pdsi_tensor *c13t = pdst_tensor(PDS_FLOAT32, 2, c13, NULL);
    ins[3] = c4t;
    CHECK_STATUS(pdst_run_op1("batch_norm", NULL, 0, ins, 5, &o, 1, &err), PDS_ERR_SHAPE, ep);
    CHECK_MSG(err, "Mean");
    CHECK_MSG(err, "[4]");
    ins[3] = c;
    ins[1] = c13t;
    CHECK_STATUS(pdst_run_op1("batch_norm", NULL, 0, ins, 5, &o, 1, &err), PDS_ERR_SHAPE, ep);
    CHECK_MSG(err, "Scale");
    ins[1] = c;
    /* X rank outside 2..5 */
    pdsi_tensor *xr1 = pdst_tensor(PDS_FLOAT32, 1, x1, NULL);
    ins[0] = xr1;
    CHECK_STATUS(pdst_run_op1("batch_norm", NULL, 0, ins, 5, &o, 1, &err), PDS_ERR_SHAPE, ep);
    /* dtypes */
    pdsi_tensor *xh = pdst_tensor(PDS_FLOAT16, 4, xd, NULL);
    ins[0] = xh;
    CHECK_STATUS(pdst_run_op1("batch_norm", NULL, 0, ins, 5, &o, 1, &err), PDS_ERR_DTYPE, ep);
    pdsi_tensor *ci = pdst_tensor(PDS_INT64, 1, cd, NULL);
    ins[0] = x;
    ins[4] = ci;
    CHECK_STATUS(pdst_run_op1("batch_norm", NULL, 0, ins, 5, &o, 1, &err), PDS_ERR_DTYPE, ep);
    CHECK_MSG(err, "Variance");

    pdst_tensor_free(x);
    pdst_tensor_free(c);
    pdst_tensor_free(c4t);
    pdst_tensor_free(c13t);
    pdst_tensor_free(xr1);
    pdst_tensor_free(xh);
    pdst_tensor_free(ci);
    pdst_tensor_free(o);
}

/* ---- layer_norm ------------------------------------------------------------ */

static void test_layer_norm(void)
{
    pds_error err, *ep = &err;
    const int64_t xd[3] = {2, 3, 4}, d12[1] = {12}, d4[1] = {4};
    pdsi_tensor *x = pdst_tensor(PDS_FLOAT32, 3, xd, ln_x);
    pdsi_tensor *s12 = pdst_tensor(PDS_FLOAT32, 1, d12, ln_scale);
    pdsi_tensor *b12 = pdst_tensor(PDS_FLOAT32, 1, d12, ln_bias);
    pdsi_tensor *s4 = pdst_tensor(PDS_FLOAT32, 1, d4, ln_scale);
    pdsi_tensor *b4 = pdst_tensor(PDS_FLOAT32, 1, d4, ln_bias);
    pdsi_tensor *outs[3] = {pdst_out(), pdst_out(), pdst_out()};

    pdsi_attr a[2] = {pdst_attr_int("begin_norm_axis", 1), pdst_attr_float("epsilon", 1e-5)};
    pdsi_tensor *ins1[3] = {x, s12, b12};
    CHECK_OK(pdst_run_op1("layer_norm", a, 2, ins1, 3, outs, 3, &err), ep);
    pdst_check_close("layer_norm axis 1", outs[0]->data, want_ln1, 24, PDST_ATOL, PDST_RTOL);
    CHECK_EQ_INT(outs[1]->rank, 1);
    CHECK_EQ_INT(outs[1]->dims[0], 2);
    pdst_check_close("layer_norm Mean", outs[1]->data, want_ln1_mean, 2, PDST_ATOL, PDST_RTOL);
    pdst_check_close("layer_norm Variance", outs[2]->data, want_ln1_var, 2, PDST_ATOL, PDST_RTOL);

    a[0] = pdst_attr_int("begin_norm_axis", 2);
    a[1] = pdst_attr_float("epsilon", 1e-6);
    pdsi_tensor *ins2[3] = {x, s4, b4};
    CHECK_OK(pdst_run_op1("layer_norm", a, 2, ins2, 3, outs, 3, &err), ep);
    pdst_check_close("layer_norm axis 2", outs[0]->data, want_ln2, 24, PDST_ATOL, PDST_RTOL);
    CHECK_EQ_INT(outs[1]->rank, 2);
    CHECK_EQ_INT(outs[1]->dims[1], 3);
    pdst_check_close("layer_norm Mean 2", outs[1]->data, want_ln2_mean, 6, PDST_ATOL, PDST_RTOL);
    pdst_check_close("layer_norm Variance 2", outs[2]->data, want_ln2_var, 6, PDST_ATOL,
                     PDST_RTOL);

    /* no Scale, no Bias, no optional outputs */
    pdsi_tensor *ins3[3] = {x, NULL, NULL};
    CHECK_OK(pdst_run_op1("layer_norm", a, 1, ins3, 3, outs, 1, &err), ep);
    pdst_check_close("layer_norm plain", outs[0]->data, want_ln_plain, 24, PDST_ATOL, PDST_RTOL);
    /* in place */
    pdsi_tensor *xc = pdst_tensor(PDS_FLOAT32, 3, xd, ln_x);
    CHECK_OK(pdst_run_op1("layer_norm", a, 2, (pdsi_tensor *[3]){xc, s4, b4}, 3, &xc, 1, &err), ep);
    pdst_check_close("layer_norm in place", xc->data, want_ln2, 24, PDST_ATOL, PDST_RTOL);

    pdst_tensor_free(x);
    pdst_tensor_free(xc);
    pdst_tensor_free(s12);
    pdst_tensor_free(b12);
    pdst_tensor_free(s4);
    pdst_tensor_free(b4);
    for (int k = 0; k < 3; k++)
        pdst_tensor_free(outs[k]);
}

/* Rows with a mean of 1e4 and a spread of 1e-2: a one-pass E[x^2] - E[x]^2 in
 * float would lose the variance entirely. Compared with a double-precision
 * evaluation of the definition. */
static void test_layer_norm_accuracy(void)
{
    pds_error err, *ep = &err;
    enum { ROWS = 3, COLS = 256 };
    const int64_t xd[2] = {ROWS, COLS};
    static float xv[ROWS * COLS], want[ROWS * COLS];
    for (int r = 0; r < ROWS; r++)
        for (int j = 0; j < COLS; j++)
            xv[r * COLS + j] = 10000.0f * (float)(r + 1) + 0.01f * (float)((j * 37) % 17 - 8);
    for (int r = 0; r < ROWS; r++) {
        double m = 0, v = 0;
        for (int j = 0; j < COLS; j++)
            m += xv[r * COLS + j];
        m /= COLS;
        for (int j = 0; j < COLS; j++)
            v += (xv[r * COLS + j] - m) * (xv[r * COLS + j] - m);
        v /= COLS;
        for (int j = 0; j < COLS; j++)
            want[r * COLS + j] = (float)((xv[r * COLS + j] - m) / sqrt(v + 1e-5));
    }
    pdsi_tensor *x = pdst_tensor(PDS_FLOAT32, 2, xd, xv), *o = pdst_out();
    CHECK_OK(pdst_run_op1("layer_norm", NULL, 0, &x, 1, &o, 1, &err), ep);
    pdst_check_close("layer_norm large mean", o->data, want, ROWS * COLS, PDST_ATOL, PDST_RTOL);
    pdst_tensor_free(x);
    pdst_tensor_free(o);
}

static void test_layer_norm_errors(void)
{
    pds_error err, *ep = &err;
    const int64_t xd[3] = {2, 3, 4}, d5[1] = {5}, d14[2] = {1, 4};
    pdsi_tensor *x = pdst_tensor(PDS_FLOAT32, 3, xd, ln_x), *o = pdst_out();
    pdsi_attr a = pdst_attr_int("begin_norm_axis", 3);
    CHECK_STATUS(pdst_run_op1("layer_norm", &a, 1, &x, 1, &o, 1, &err), PDS_ERR_SHAPE, ep);
    CHECK_MSG(err, "begin_norm_axis");
    CHECK_MSG(err, "[2,3,4]");
    a = pdst_attr_int("begin_norm_axis", 0);
    CHECK_STATUS(pdst_run_op1("layer_norm", &a, 1, &x, 1, &o, 1, &err), PDS_ERR_MODEL_FORMAT, ep);
    a = pdst_attr_int("begin_norm_axis", -1);
    CHECK_STATUS(pdst_run_op1("layer_norm", &a, 1, &x, 1, &o, 1, &err), PDS_ERR_MODEL_FORMAT, ep);
    a = pdst_attr_float("epsilon", 0.5);
    CHECK_STATUS(pdst_run_op1("layer_norm", &a, 1, &x, 1, &o, 1, &err), PDS_ERR_MODEL_FORMAT, ep);
    /* a 1-D X has no dim to normalise from 1 */
    const int64_t d1[1] = {4};
    pdsi_tensor *x1 = pdst_tensor(PDS_FLOAT32, 1, d1, NULL);
    CHECK_STATUS(pdst_run_op1("layer_norm", NULL, 0, &x1, 1, &o, 1, &err), PDS_ERR_SHAPE, ep);
    /* Scale with the wrong element count; a [1,4] Scale for axis 2 is fine */
    pdsi_tensor *s5 = pdst_tensor(PDS_FLOAT32, 1, d5, NULL);
    pdsi_tensor *s14 = pdst_tensor(PDS_FLOAT32, 2, d14, NULL);
    a = pdst_attr_int("begin_norm_axis", 2);
    CHECK_STATUS(pdst_run_op1("layer_norm", &a, 1, (pdsi_tensor *[3]){x, s5, NULL}, 3, &o, 1, &err),
                 PDS_ERR_SHAPE, ep);
    CHECK_MSG(err, "Scale");
    CHECK_STATUS(pdst_run_op1("layer_norm", &a, 1, (pdsi_tensor *[3]){x, NULL, s5}, 3, &o, 1, &err),
                 PDS_ERR_SHAPE, ep);
    CHECK_MSG(err, "Bias");
    CHECK_OK(pdst_run_op1("layer_norm", &a, 1, (pdsi_tensor *[3]){x, s14, NULL}, 3, &o, 1, &err), ep);
    pdsi_tensor *xh = pdst_tensor(PDS_FLOAT16, 3, xd, NULL);
    CHECK_STATUS(pdst_run_op1("layer_norm", NULL, 0, &xh, 1, &o, 1, &err), PDS_ERR_DTYPE, ep);
    pdst_tensor_free(x);
    pdst_tensor_free(x1);
    pdst_tensor_free(s5);
    pdst_tensor_free(s14);
    pdst_tensor_free(xh);
    pdst_tensor_free(o);
}

/* ---- softmax --------------------------------------------------------------- */

static void test_softmax(void)
{
    pds_error err, *ep = &err;
    const int64_t xd[3] = {2, 3, 4};
    pdsi_tensor *x = pdst_tensor(PDS_FLOAT32, 3, xd, sm_x), *o = pdst_out();
    struct {
        const char *op;
        int axis;
        const float *want;
    } cases[] = {
        {"softmax", -1, want_sm_last},     {"softmax", 2, want_sm_last},
        {"softmax", 1, want_sm_axis1},     {"softmax", -2, want_sm_axis1},
        {"softmax", 0, want_sm_axis0},     {"log_softmax", -1, want_lsm_last},
        {"log_softmax", 1, want_lsm_axis1},
    };
    for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
        pdsi_attr a = pdst_attr_int("axis", cases[c].axis);
        CHECK_OK(pdst_run_op1(cases[c].op, &a, 1, &x, 1, &o, 1, &err), ep);
        if (pdst_check_close(cases[c].op, o->data, cases[c].want, 24, PDST_ATOL, PDST_RTOL))
            fprintf(stderr, "  (axis %d)\n", cases[c].axis);
    }
    /* default axis is -1 */
    CHECK_OK(pdst_run_op1("softmax", NULL, 0, &x, 1, &o, 1, &err), ep);
    pdst_check_close("softmax default", o->data, want_sm_last, 24, PDST_ATOL, PDST_RTOL);
    /* in place, both paths */
    pdsi_tensor *xc = pdst_tensor(PDS_FLOAT32, 3, xd, sm_x);
    pdsi_attr a = pdst_attr_int("axis", 1);
    CHECK_OK(pdst_run_op1("softmax", &a, 1, &xc, 1, &xc, 1, &err), ep);
    pdst_check_close("softmax in place", xc->data, want_sm_axis1, 24, PDST_ATOL, PDST_RTOL);
    pdst_tensor_free(xc);
    xc = pdst_tensor(PDS_FLOAT32, 3, xd, sm_x);
    CHECK_OK(pdst_run_op1("log_softmax", NULL, 0, &xc, 1, &xc, 1, &err), ep);
    pdst_check_close("log_softmax in place", xc->data, want_lsm_last, 24, PDST_ATOL, PDST_RTOL);
    pdst_tensor_free(xc);

    /* 0-D: softmax 1, log_softmax 0, for axis -1 and 0 */
    const float v = 42.0f;
    pdsi_tensor *s = pdst_tensor(PDS_FLOAT32, 0, NULL, &v);
    a = pdst_attr_int("axis", 0);
    CHECK_OK(pdst_run_op1("softmax", &a, 1, &s, 1, &o, 1, &err), ep);
    CHECK_EQ_INT(o->rank, 0);
    CHECK(((float *)o->data)[0] == 1.0f);
    CHECK_OK(pdst_run_op1("log_softmax", NULL, 0, &s, 1, &o, 1, &err), ep);
    CHECK(((float *)o->data)[0] == 0.0f);
    /* empty along the axis or elsewhere */
    const int64_t ed[3] = {2, 0, 4};
    pdsi_tensor *e = pdst_tensor(PDS_FLOAT32, 3, ed, NULL);
    CHECK_OK(pdst_run_op1("softmax", &a, 1, &e, 1, &o, 1, &err), ep);
    CHECK_EQ_INT(o->dims[1], 0);
    a = pdst_attr_int("axis", 1);
    CHECK_OK(pdst_run_op1("softmax", &a, 1, &e, 1, &o, 1, &err), ep);

    /* errors */
    a = pdst_attr_int("axis", 3);
    CHECK_STATUS(pdst_run_op1("softmax", &a, 1, &x, 1, &o, 1, &err), PDS_ERR_SHAPE, ep);
    CHECK_MSG(err, "axis");
    a = pdst_attr_int("axis", -4);
    CHECK_STATUS(pdst_run_op1("log_softmax", &a, 1, &x, 1, &o, 1, &err), PDS_ERR_SHAPE, ep);
    a = pdst_attr_int("axis", 1);
    CHECK_STATUS(pdst_run_op1("softmax", &a, 1, &s, 1, &o, 1, &err), PDS_ERR_SHAPE, ep);
    a = pdst_attr_int("axis", 1000);
    CHECK_STATUS(pdst_run_op1("softmax", &a, 1, &x, 1, &o, 1, &err), PDS_ERR_MODEL_FORMAT, ep);
    pdsi_tensor *xi = pdst_tensor(PDS_INT64, 3, xd, NULL);
    CHECK_STATUS(pdst_run_op1("softmax", NULL, 0, &xi, 1, &o, 1, &err), PDS_ERR_DTYPE, ep);

    pdst_tensor_free(x);
    pdst_tensor_free(s);
    pdst_tensor_free(e);
    pdst_tensor_free(xi);
    pdst_tensor_free(o);
}

/* A long softmax row and a strided one, against a double evaluation. */
static void test_softmax_large(void)
{
    pds_error err, *ep = &err;
    enum { A = 3, N = 1000, B = 7 };
    const int64_t xd[3] = {A, N, B};
    static float xv[A * N * B], want[A * N * B];
    for (int i = 0; i < A * N * B; i++)
        xv[i] = (float)((i * 7919) % 2003) / 100.0f - 10.0f;
    for (int a = 0; a < A; a++)
        for (int b = 0; b < B; b++) {
            double mx = -1e300, sum = 0;
            for (int n = 0; n < N; n++)
                mx = fmax(mx, xv[(a * N + n) * B + b]);
            for (int n = 0; n < N; n++)
                sum += exp(xv[(a * N + n) * B + b] - mx);
            for (int n = 0; n < N; n++)
                want[(a * N + n) * B + b] = (float)(exp(xv[(a * N + n) * B + b] - mx) / sum);
        }
    pdsi_tensor *x = pdst_tensor(PDS_FLOAT32, 3, xd, xv), *o = pdst_out();
    pdsi_attr at = pdst_attr_int("axis", 1);
    CHECK_OK(pdst_run_op1("softmax", &at, 1, &x, 1, &o, 1, &err), ep);
    pdst_check_close("softmax strided", o->data, want, A * N * B, 1e-6, PDST_RTOL);
    pdst_tensor_free(x);
    pdst_tensor_free(o);
}


/* ---- instance_norm, group_norm (issue 12) ---------------------------------- */

/* x[1,4,2,3] = (arange(24) % 7) - 2.5; the wanted values are Paddle 3.3.1's
 * (F.instance_norm(x), F.group_norm(x, 2, weight, bias)) on CPU. */
static const float in_x[24] = {-2.5f, -1.5f, -0.5f, 0.5f, 1.5f, 2.5f, 3.5f, -2.5f,
                               -1.5f, -0.5f, 0.5f, 1.5f, 2.5f, 3.5f, -2.5f, -1.5f,
                               -0.5f, 0.5f, 1.5f, 2.5f, 3.5f, -2.5f, -1.5f, -0.5f};

static void test_instance_group_norm(void)
{
    static const float want_in[24] = {
        -1.4638476371765137f, -0.8783085346221924f, -0.29276952147483826f,
        0.29276952147483826f, 0.8783085346221924f,  1.4638476371765137f,
        1.6903061866760254f,  -1.3522450923919678f, -0.8451530933380127f,
        -0.33806127309799194f, 0.16903062164783478f, 0.6761225461959839f,
        1.0245423316955566f,  1.4974080324172974f,  -1.339786171913147f,
        -0.8669204711914062f, -0.3940547704696655f, 0.07881094515323639f,
        0.4629095494747162f,  0.9258190989494324f,  1.3887286186218262f,
        -1.3887286186218262f, -0.9258190989494324f, -0.4629095494747162f};
    static const float want_gn[24] = {
        -1.3990082740783691f, -0.8574566841125488f, -0.3159050941467285f,
        0.2256464958190918f,  0.7671980857849121f,  1.3087496757507324f,
        4.7006025314331055f,  -1.7980165481567383f, -0.7149133682250977f,
        0.36818981170654297f, 1.4512929916381836f,  2.534396171569824f,
        0.48693031072616577f, 0.7206568717956543f,  -0.6817024946212769f,
        -0.44797590374946594f, -0.21424934267997742f, 0.01947721652686596f,
        -0.5064075589179993f, -0.9738606214523315f, -1.4413137435913086f,
        1.3634049892425537f,  0.8959518074989319f,  0.42849868535995483f};
    const int64_t xd[4] = {1, 4, 2, 3}, cd[1] = {4};
    pds_error err = {0};
    pdsi_tensor *x = pdst_mk(PDS_FLOAT32, 4, xd, in_x);
    pdsi_tensor *y = pdst_mk_out(), *m = pdst_mk_out(), *v = pdst_mk_out();
    pdsi_attr eps = pdst_attr_float("epsilon", 1e-5);
    CHECK_OK(pdst_run_op1("instance_norm", &eps, 1, (pdsi_tensor *[]){x, NULL, NULL}, 3,
                          (pdsi_tensor *[]){y, m, v}, 3, &err),
             &err);
    CHECK_SHAPE(y, PDS_FLOAT32, 4, xd);
    CHECK_SHAPE(m, PDS_FLOAT32, 1, cd);
    pdst_check_close("instance_norm", y->data, want_in, 24, PDST_ATOL, PDST_RTOL);
    /* SavedMean of channel 0 is the mean of its 6 values; SavedVariance is
     * 1/sqrt(var + eps), as Paddle stores it */
    pdst_check_close("SavedMean", m->data, (const float[]){0.0f}, 1, 1e-6, 0);
    pdst_check_close("SavedVariance", v->data, (const float[]){(float)(1.0 / sqrt(35.0 / 12.0 + 1e-5))},
                     1, 1e-6, 1e-6);

    pdsi_attr gat[2] = {pdst_attr_float("epsilon", 1e-5), pdst_attr_int("groups", 2)};
    y = pdst_mk_out();
    CHECK_OK(pdst_run_op1("group_norm", gat, 2,
                          (pdsi_tensor *[]){x, pdst_mk(PDS_FLOAT32, 1, cd,
                                                       (const float[]){1, 2, 0.5f, -1}),
                                            pdst_mk(PDS_FLOAT32, 1, cd,
                                                    (const float[]){0, 1, 0, 0})},
                          3, (pdsi_tensor *[]){y, NULL, NULL}, 3, &err),
             &err);
    pdst_check_close("group_norm", y->data, want_gn, 24, PDST_ATOL, PDST_RTOL);
    /* Paddle: "Expected number of channels in input to be divisible by
     * num_groups" */
    gat[1] = pdst_attr_int("groups", 3);
    CHECK_STATUS(pdst_run_op1("group_norm", gat, 2, (pdsi_tensor *[]){x, NULL, NULL}, 3,
                              (pdsi_tensor *[]){pdst_mk_out(), NULL, NULL}, 3, &err),
                 PDS_ERR_SHAPE, &err);
    CHECK_MSG(err, "attribute 'groups' is 3, which does not divide the 4 channels of X [1,4,2,3]");
    CHECK_STATUS(pdst_run_op1("instance_norm", &eps, 1,
                              (pdsi_tensor *[]){x, pdst_mk(PDS_FLOAT32, 1, (const int64_t[]){3}, NULL), NULL}, 3,
                              (pdsi_tensor *[]){pdst_mk_out(), NULL, NULL}, 3, &err),
                 PDS_ERR_SHAPE, &err);
    CHECK_MSG(err, "input 'Scale' has shape [3], expected [4] (X [1,4,2,3] has 4 channels)");
}

int main(void)
{
    RUN_TEST(test_batch_norm);
    RUN_TEST(test_batch_norm_errors);
    RUN_TEST(test_layer_norm);
    RUN_TEST(test_layer_norm_accuracy);
    RUN_TEST(test_layer_norm_errors);
    RUN_TEST(test_softmax);
    RUN_TEST(test_softmax_large);
    RUN_TEST(test_instance_group_norm);
    return pdst_summary();
}
