/*
 * test_ops_pool.c — pool2d through the real parse -> infer -> kernel path:
 * small cases against values computed by Paddle 3.3.1 (each array says which
 * attributes produced it; inputs are uniform(-1, 1) rounded to 2 decimals),
 * larger random cases against a naive loop written from Paddle's documented
 * window rules, and every error path with its exact status.
 */
#include <float.h>

#include "harness.h"

/* ---- Paddle reference data ---------------------------------------------- */

/* maxb: paddle 3.3.1, legacy op pool2d (static Executor, CPU) with
   pooling_type=max, ksize=[3, 3], strides=[2, 2], paddings=[1, 1];
   X [1, 2, 5, 5] -> Out [1, 2, 3, 3] */
static const float maxb_x[50] = {
    -0.17f, 0.44f, -1.0f, -0.4f, -0.71f, -0.82f, -0.63f, -0.31f, -0.21f, 0.08f, -0.16f, 0.37f,
    -0.59f, 0.76f, -0.95f, 0.34f, -0.17f, 0.12f, -0.72f, -0.6f, 0.6f, 0.94f, -0.37f, 0.38f, 0.75f,
    0.79f, -0.83f, -0.92f, -0.66f, 0.76f, -0.8f, -0.16f, 0.92f, 0.07f, 0.38f, -0.37f, 0.37f,
    0.67f, -0.96f, 0.5f, 0.98f, 0.5f, -0.44f, 0.58f, -0.79f, -0.1f, 0.82f, -0.41f, -0.42f, -0.74f,
};
static const float maxb_y[18] = {
    0.44f, 0.44f, 0.08f, 0.37f, 0.76f, 0.76f, 0.94f, 0.94f, 0.75f, 0.79f, 0.92f, 0.76f, 0.98f,
    0.92f, 0.58f, 0.98f, 0.82f, 0.58f,
};
/* avgt: paddle 3.3.1, legacy op pool2d (static Executor, CPU) with
   pooling_type=avg, ksize=[3, 3], strides=[2, 2], paddings=[1, 1], exclusive=True;
   X [1, 2, 5, 5] (maxb_x) -> Out [1, 2, 3, 3] */
static const float avgt_y[18] = {
    -0.29500002f, -0.3516667f, -0.31f, -0.17833333f, -0.15333332f, -0.27333334f, 0.4275f,
    0.029999992f, -0.047500014f, -0.25f, -0.26333335f, 0.13749999f, 0.086666666f, 0.17222223f,
    -0.036666673f, 0.55f, 0.10500002f, -0.3425f,
};
/* avgf: paddle 3.3.1, legacy op pool2d (static Executor, CPU) with
   pooling_type=avg, ksize=[3, 3], strides=[2, 2], paddings=[1, 1], exclusive=False;
   X [1, 2, 5, 5] (maxb_x) -> Out [1, 2, 3, 3] */
static const float avgf_y[18] = {
    -0.13111112f, -0.23444445f, -0.13777778f, -0.118888885f, -0.15333332f, -0.18222222f, 0.19f,
    0.019999994f, -0.021111118f, -0.11111111f, -0.17555556f, 0.061111107f, 0.057777777f,
    0.17222223f, -0.024444448f, 0.24444444f, 0.070000015f, -0.15222222f,
};
/* ceilf: paddle 3.3.1, legacy op pool2d (static Executor, CPU) with
   pooling_type=avg, ksize=[3, 3], strides=[2, 2], paddings=[1, 1], ceil_mode=True,
   exclusive=False;
   X [1, 2, 6, 7] -> Out [1, 2, 4, 4] */
static const float ceilf_x[84] = {
    -0.13f, -0.95f, 0.1f, -0.13f, -0.16f, -0.34f, -0.59f, 0.24f, -0.4f, -0.47f, 0.24f, 0.06f,
    -0.73f, 0.03f, -0.63f, 0.57f, 0.71f, -0.01f, 0.69f, -0.84f, 0.01f, -0.87f, -0.14f, -0.81f,
    -0.75f, 0.19f, -0.55f, -0.79f, -0.56f, -0.3f, -0.06f, -0.6f, 0.28f, -0.03f, 0.01f, -0.23f,
    0.59f, 0.16f, -0.68f, 0.4f, 0.93f, 0.0f, 0.78f, -0.32f, 0.13f, -0.14f, -0.13f, 0.55f, 0.07f,
    0.91f, 0.09f, -0.84f, -0.27f, 0.7f, -0.19f, -0.95f, -0.51f, -0.87f, 0.99f, 0.94f, 0.6f, 0.2f,
    0.53f, -0.66f, -0.41f, 0.05f, -0.29f, -0.91f, 0.97f, -0.12f, 0.01f, -0.35f, -0.48f, -0.23f,
    0.66f, 0.47f, -0.24f, -0.97f, 0.59f, -0.46f, 0.17f, -0.95f, 0.32f, -0.22f,
};
static const float ceilf_y[32] = {
    -0.13777776f, -0.17888889f, -0.11777777f, -0.18111111f, -0.13666667f, -0.11777777f,
    -0.18888889f, -0.31888887f, -0.16777778f, -0.28777778f, -0.09000001f, -0.04777778f,
    0.05999999f, 0.011666666f, 0.10833333f, 0.155f, 0.16222222f, -0.14999999f, 0.05777778f,
    -0.057777777f, -0.1611111f, -0.067777775f, 0.19444445f, 0.04888889f, -0.19888891f,
    -0.1566667f, 0.023333332f, 0.13111112f, -0.06333334f, 0.049999993f, -0.07666666f,
    0.016666666f,
};
/* ceilt: paddle 3.3.1, legacy op pool2d (static Executor, CPU) with
   pooling_type=avg, ksize=[3, 3], strides=[2, 2], paddings=[1, 1], ceil_mode=True,
   exclusive=True;
   X [1, 2, 6, 7] (ceilf_x) -> Out [1, 2, 4, 4] */
static const float ceilt_y[32] = {
    -0.30999997f, -0.26833335f, -0.17666666f, -0.4075f, -0.205f, -0.11777777f, -0.18888889f,
    -0.47833332f, -0.25166667f, -0.28777778f, -0.09000001f, -0.071666665f, 0.17999998f,
    0.023333332f, 0.21666665f, 0.465f, 0.365f, -0.22499998f, 0.08666667f, -0.13f, -0.24166666f,
    -0.067777775f, 0.19444445f, 0.07333333f, -0.29833338f, -0.1566667f, 0.023333332f, 0.19666667f,
    -0.19000003f, 0.09999999f, -0.15333332f, 0.049999997f,
};
/* ceilm: paddle 3.3.1, legacy op pool2d (static Executor, CPU) with
   pooling_type=max, ksize=[3, 3], strides=[2, 2], paddings=[1, 1], ceil_mode=True;
   X [1, 2, 6, 7] (ceilf_x) -> Out [1, 2, 4, 4] */
static const float ceilm_y[32] = {
    0.24f, 0.24f, 0.24f, 0.03f, 0.57f, 0.71f, 0.69f, 0.03f, 0.59f, 0.59f, 0.93f, 0.93f, 0.59f,
    0.59f, 0.93f, 0.93f, 0.91f, 0.13f, 0.7f, 0.55f, 0.91f, 0.99f, 0.97f, 0.97f, 0.59f, 0.59f,
    0.97f, 0.97f, 0.59f, 0.59f, 0.32f, 0.32f,
};
/* asymf: paddle 3.3.1, legacy op pool2d (static Executor, CPU) with
   pooling_type=avg, ksize=[2, 2], strides=[2, 2], paddings=[0, 2, 1, 0], exclusive=False;
   X [1, 1, 5, 5] -> Out [1, 1, 3, 3] */
static const float asymf_x[25] = {
    0.1f, 0.42f, -0.42f, 0.02f, 0.79f, 0.79f, -0.75f, -0.59f, -0.9f, -0.12f, -0.94f, -0.09f, 0.3f,
    -0.44f, 0.35f, 0.18f, -0.95f, 0.12f, -0.48f, -0.17f, -0.43f, 0.39f, -0.12f, -0.69f, 0.09f,
};
static const float asymf_y[9] = {
    0.22250001f, -0.33499998f, -0.052499995f, -0.19f, -0.155f, -0.185f, -0.215f, 0.13499999f,
    -0.3f,
};
/* asymt: paddle 3.3.1, legacy op pool2d (static Executor, CPU) with
   pooling_type=avg, ksize=[2, 2], strides=[2, 2], paddings=[0, 2, 1, 0], exclusive=True;
   X [1, 1, 5, 5] (asymf_x) -> Out [1, 1, 3, 3] */
static const float asymt_y[9] = {
    0.44500002f, -0.33499998f, -0.052499995f, -0.38f, -0.155f, -0.185f, -0.43f, 0.13499999f,
    -0.3f,
};
/* asymm: paddle 3.3.1, legacy op pool2d (static Executor, CPU) with
   pooling_type=max, ksize=[2, 2], strides=[2, 2], paddings=[0, 2, 1, 0];
   X [1, 1, 5, 5] (asymf_x) -> Out [1, 1, 3, 3] */
static const float asymm_y[9] = {
    0.79f, 0.42f, 0.79f, 0.18f, 0.3f, 0.35f, -0.43f, 0.39f, 0.09f,
};
/* adpa: paddle 3.3.1, legacy op pool2d (static Executor, CPU) with
   pooling_type=avg, ksize=[3, 4], adaptive=True, exclusive=False;
   X [1, 2, 5, 7] -> Out [1, 2, 3, 4] */
static const float adpa_x[70] = {
    0.93f, 0.09f, 0.95f, 0.43f, 0.4f, -0.57f, 0.95f, -0.99f, -0.49f, -0.13f, 0.56f, -0.6f, 0.73f,
    0.97f, -0.67f, 0.19f, -0.98f, -0.23f, -0.91f, 0.91f, -0.13f, 0.9f, 0.57f, 0.73f, -0.65f,
    -0.85f, 0.2f, -0.66f, 0.47f, -0.18f, 0.06f, 0.88f, 0.04f, -0.78f, -0.68f, 0.09f, 0.05f, 0.28f,
    -0.2f, 0.3f, -0.21f, 0.25f, 0.53f, -0.64f, -0.25f, 0.01f, 0.37f, -0.49f, 0.11f, 0.25f, 0.79f,
    -0.27f, 0.28f, -0.62f, -0.0f, -0.64f, 0.84f, -0.14f, 0.66f, -0.17f, 0.81f, -0.19f, -0.34f,
    0.14f, 0.69f, 0.72f, 0.19f, -0.83f, 0.19f, -0.51f,
};
static const float adpa_y[24] = {
    -0.11500001f, 0.23500001f, 0.15833335f, 0.52f, -0.08166668f, -0.04777778f, -0.093333334f,
    0.33666667f, 0.44f, 0.235f, -0.19333333f, -0.48000002f, 0.007499993f, -0.125f, -0.036666665f,
    -0.08499999f, 0.27166668f, 0.030000005f, 0.0f, -0.25833336f, 0.3825f, 0.32500002f, 0.0f,
    -0.21249999f,
};
/* adpm: paddle 3.3.1, legacy op pool2d (static Executor, CPU) with
   pooling_type=max, ksize=[3, 4], adaptive=True;
   X [1, 2, 5, 7] (adpa_x) -> Out [1, 2, 3, 4] */
static const float adpm_y[24] = {
    0.95f, 0.95f, 0.95f, 0.97f, 0.9f, 0.73f, 0.91f, 0.97f, 0.9f, 0.88f, 0.91f, 0.91f, 0.79f,
    0.79f, 0.37f, 0.37f, 0.84f, 0.81f, 0.81f, 0.81f, 0.84f, 0.81f, 0.81f, 0.81f,
};
/* adpup: paddle 3.3.1, legacy op pool2d (static Executor, CPU) with
   pooling_type=avg, ksize=[5, 4], adaptive=True;
   X [1, 1, 2, 3] -> Out [1, 1, 5, 4] */
static const float adpup_x[6] = {
    -0.56f, 0.74f, -0.59f, 0.84f, -0.02f, 0.22f,
};
static const float adpup_y[20] = {
    -0.56f, 0.09f, 0.07500002f, -0.59f, -0.56f, 0.09f, 0.07500002f, -0.59f, 0.13999999f, 0.25f,
    0.087500006f, -0.18499999f, 0.84f, 0.41f, 0.1f, 0.22f, 0.84f, 0.41f, 0.1f, 0.22f,
};
/* glba: paddle 3.3.1, legacy op pool2d (static Executor, CPU) with
   pooling_type=avg, ksize=[1, 1], paddings=[1, 1], global_pooling=True, exclusive=False;
   X [2, 3, 4, 5] -> Out [2, 3, 1, 1] */
static const float glba_x[120] = {
    0.79f, -0.34f, 0.64f, -0.92f, -0.78f, 0.19f, 0.06f, -0.16f, -0.33f, 0.25f, -0.12f, 0.47f,
    0.04f, 0.16f, 0.29f, 0.98f, 0.64f, -0.17f, 0.75f, 0.65f, -0.89f, 0.44f, 0.6f, 0.47f, 0.42f,
    0.08f, -0.75f, 0.92f, -0.19f, -0.57f, 0.43f, 0.99f, -0.49f, 0.34f, 0.2f, 0.43f, 0.87f, -0.3f,
    -0.49f, -0.2f, 0.49f, 0.45f, -0.19f, 0.98f, -0.1f, -0.25f, 0.42f, -0.84f, -0.2f, 0.54f, 0.53f,
    -0.43f, -0.62f, -0.06f, -0.33f, 0.47f, -0.62f, -0.34f, 0.69f, 0.23f, 0.77f, 0.95f, 0.67f,
    -0.64f, 0.24f, -0.05f, -0.19f, 0.48f, 0.65f, 0.37f, -0.72f, 0.41f, -0.88f, -0.61f, 0.85f,
    -0.19f, -0.7f, 0.36f, -0.67f, 0.3f, -0.5f, -0.92f, 0.92f, -0.87f, 0.03f, -0.32f, 0.32f, 0.69f,
    0.21f, 0.17f, -0.77f, 0.42f, -0.59f, -0.02f, -0.93f, -0.37f, 0.73f, 0.12f, 0.09f, -0.26f,
    0.66f, -0.45f, -0.75f, 0.13f, -0.47f, 0.55f, -0.64f, 0.57f, 0.22f, -0.92f, 0.12f, 0.34f,
    0.88f, 0.57f, 0.5f, -0.01f, -0.91f, 0.63f, -0.97f, 0.1f,
};
static const float glba_y[6] = {
    0.15450001f, 0.11550001f, 0.04099999f, 0.06999999f, -0.09250001f, 0.0074999975f,
};
/* glbm: paddle 3.3.1, legacy op pool2d (static Executor, CPU) with
   pooling_type=max, ksize=[1, 1], paddings=[1, 1], global_pooling=True;
   X [2, 3, 4, 5] (glba_x) -> Out [2, 3, 1, 1] */
static const float glbm_y[6] = {
    0.98f, 0.99f, 0.98f, 0.95f, 0.92f, 0.88f,
};
/* samem: paddle 3.3.1, legacy op pool2d (static Executor, CPU) with
   pooling_type=max, ksize=[3, 3], strides=[2, 2], padding_algorithm=SAME;
   X [1, 1, 5, 6] -> Out [1, 1, 3, 3] */
static const float samem_x[30] = {
    -0.85f, 0.56f, -0.12f, 0.45f, 0.96f, 0.08f, 0.0f, -0.86f, -0.46f, -0.0f, 0.36f, 0.61f, -0.24f,
    -0.87f, -0.42f, 0.82f, -0.57f, -0.1f, 0.86f, -0.95f, 0.2f, 0.9f, -0.54f, 0.1f, 0.82f, -0.73f,
    0.05f, 0.5f, 0.34f, -0.06f,
};
static const float samem_y[9] = {
    0.56f, 0.96f, 0.96f, 0.86f, 0.9f, 0.61f, 0.86f, 0.9f, 0.34f,
};
/* samef: paddle 3.3.1, legacy op pool2d (static Executor, CPU) with
   pooling_type=avg, ksize=[2, 2], strides=[1, 1], padding_algorithm=SAME, exclusive=False;
   X [1, 1, 5, 6] (samem_x) -> Out [1, 1, 5, 6] */
static const float samef_y[30] = {
    -0.28750002f, -0.22f, -0.032500006f, 0.4425f, 0.5025f, 0.345f, -0.4925f, -0.65250003f,
    -0.015000001f, 0.15250002f, 0.07500001f, 0.255f, -0.3f, -0.51f, 0.375f, 0.15249999f, -0.2775f,
    0.0f, 0.0f, -0.35750002f, 0.4125f, 0.29999998f, -0.040000007f, 0.020000001f, 0.044999987f,
    -0.34f, 0.275f, 0.42000002f, 0.14f, -0.06f,
};
/* samet: paddle 3.3.1, legacy op pool2d (static Executor, CPU) with
   pooling_type=avg, ksize=[3, 3], strides=[2, 2], paddings=[4, 4], padding_algorithm=SAME,
   exclusive=True;
   X [1, 1, 5, 6] (samem_x) -> Out [1, 1, 3, 3] */
static const float samet_y[9] = {
    -0.28833333f, 0.19833332f, 0.5025f, -0.30444443f, 0.03222222f, -0.023333332f, 0.041666664f,
    0.24166667f, -0.040000007f,
};
/* valid: paddle 3.3.1, legacy op pool2d (static Executor, CPU) with
   pooling_type=avg, ksize=[2, 2], strides=[2, 2], paddings=[1, 1], padding_algorithm=VALID,
   exclusive=False;
   X [1, 1, 5, 6] -> Out [1, 1, 2, 3] */
static const float valid_x[30] = {
    0.75f, 0.94f, 0.74f, 0.06f, -0.53f, -0.98f, -0.14f, -0.2f, 0.05f, -0.04f, 0.11f, 0.09f, 0.52f,
    0.42f, 0.24f, -0.15f, -0.42f, 0.95f, -0.33f, -0.56f, -0.87f, 0.97f, -0.74f, -0.36f, -0.86f,
    -0.55f, -0.21f, 0.79f, -0.31f, 0.97f,
};
static const float valid_y[6] = {
    0.3375f, 0.2025f, -0.3275f, 0.012499973f, 0.0475f, -0.14250001f,
};
/* emptym: paddle 3.3.1, legacy op pool2d (static Executor, CPU) with
   pooling_type=max, ksize=[1, 1], strides=[3, 3], ceil_mode=True;
   X [1, 1, 5, 5] -> Out [1, 1, 3, 3] */
static const float emptym_x[25] = {
    -0.98f, 0.0f, -0.01f, -0.73f, -0.72f, -0.56f, -0.16f, -0.5f, -0.83f, -0.31f, -0.67f, 0.76f,
    0.9f, -0.92f, 0.4f, 0.15f, 0.8f, 0.33f, 0.1f, 0.4f, -0.23f, 0.39f, 0.65f, -0.07f, 0.88f,
};
static const float emptym_y[9] = {
    -0.98f, -0.73f, -FLT_MAX, 0.15f, 0.1f, -FLT_MAX, -FLT_MAX, -FLT_MAX, -FLT_MAX,
};
/* emptya: paddle 3.3.1, legacy op pool2d (static Executor, CPU) with
   pooling_type=avg, ksize=[1, 1], strides=[3, 3], ceil_mode=True, exclusive=False;
   X [1, 1, 5, 5] (emptym_x) -> Out [1, 1, 3, 3] */
static const float emptya_y[9] = {
    -0.98f, -0.73f, -0.0f, 0.15f, 0.1f, -0.0f, -0.0f, -0.0f, 0.0f,
};

/* ---- helpers ------------------------------------------------------------ */

typedef struct pool_case {
    const char *type; /* "max" / "avg" */
    const float *x, *want;
    int64_t xd[4], yd[4];
    int64_t ksize[2], strides[2], paddings[4];
    int npad;
    int ceil_mode, exclusive, global, adaptive;
    const char *algo;
} pool_case;

static int fill_attrs(const pool_case *c, pdsi_attr *at)
{
    int na = 0;
    at[na++] = pdst_attr_str("pooling_type", c->type);
    at[na++] = pdst_attr_ints("ksize", c->ksize, 2);
    at[na++] = pdst_attr_ints("strides", c->strides, 2);
    at[na++] = pdst_attr_ints("paddings", c->paddings, c->npad);
    at[na++] = pdst_attr_bool("ceil_mode", c->ceil_mode);
    at[na++] = pdst_attr_bool("exclusive", c->exclusive);
    at[na++] = pdst_attr_bool("global_pooling", c->global);
    at[na++] = pdst_attr_bool("adaptive", c->adaptive);
    at[na++] = pdst_attr_str("padding_algorithm", c->algo ? c->algo : "EXPLICIT");
    at[na++] = pdst_attr_str("data_format", "NCHW");
    return na;
}

static pds_status run_pool(const pdsi_attr *at, int na, pdsi_tensor *x, pdsi_tensor **y,
                           pds_error *err)
{
    pdsi_slot in[1] = {{&x, 1}};
    *y = pdst_tensor(PDS_FLOAT32, 0, NULL, NULL);
    pdsi_slot out[1] = {{y, 1}};
    return pdst_run_op("pool2d", at, na, in, out, err);
}

static void check_case(const pool_case *c)
{
    pdsi_attr at[16];
    int na = fill_attrs(c, at);
    pdsi_tensor *x = pdst_tensor(PDS_FLOAT32, 4, c->xd, c->x), *y;
    pds_error err = {0}, *ep = &err;
    CHECK_OK(run_pool(at, na, x, &y, &err), ep);
    CHECK_EQ_INT(y->rank, 4);
    for (int i = 0; i < 4; i++)
        CHECK_EQ_INT(y->dims[i], c->yd[i]);
    if (y->rank == 4 && !memcmp(y->dims, c->yd, sizeof c->yd))
        pdst_check_close(c->type, y->data, c->want, (long)pdsi_tensor_numel(y), PDST_ATOL,
                         PDST_RTOL);
    pdst_tensor_free(x);
    pdst_tensor_free(y);
}

/* Runs base with attribute overrides (replacing same-named ones) and X of the
 * given rank/dtype; expects status want and a message fragment. */
static void check_fails(const pool_case *c, const pdsi_attr *extra, int n_extra, int rank,
                        pds_dtype dtype, pds_status want, const char *msg)
{
    pdsi_attr at[24];
    int na = fill_attrs(c, at);
    na = pdst_attrs_set(at, na, (int)(sizeof at / sizeof at[0]), extra, n_extra);
    pdsi_tensor *x = pdst_tensor(dtype, rank, c->xd, NULL), *y;
    pds_error err = {0}, *ep = &err;
    CHECK_STATUS(run_pool(at, na, x, &y, &err), want, ep);
    if (msg)
        CHECK_MSG(err, msg);
    pdst_tensor_free(x);
    pdst_tensor_free(y);
}

static void fill_random(float *v, int64_t n, uint32_t seed)
{
    for (int64_t i = 0; i < n; i++) {
        seed = seed * 1664525u + 1013904223u;
        v[i] = (float)((seed >> 8) & 0xffff) / 32768.0f - 1.0f;
    }
}

/* Naive pool2d from Paddle's rules, one output at a time: window rows
 * [i*s - pad_top, i*s - pad_top + k) cut at H + pad_top (only the leading pads
 * reach Paddle's kernel), read where inside X; avg divides by the cells read
 * (exclusive) or by the cut window's area. Explicit padding only. */
static void naive_pool(const pool_case *c, const float *x, float *y, int64_t oh, int64_t ow)
{
    const int64_t H = c->xd[2], W = c->xd[3], pt = c->paddings[0], pl = c->paddings[2];
    for (int64_t pl_i = 0; pl_i < c->xd[0] * c->xd[1]; pl_i++)
        for (int64_t i = 0; i < oh; i++)
            for (int64_t j = 0; j < ow; j++) {
                double sum = 0, mx = -FLT_MAX;
                int64_t cells = 0, area = 0;
                for (int64_t h = i * c->strides[0] - pt; h < i * c->strides[0] - pt + c->ksize[0];
                     h++)
                    for (int64_t w = j * c->strides[1] - pl;
                         w < j * c->strides[1] - pl + c->ksize[1]; w++) {
                        if (h >= H + pt || w >= W + pl)
                            continue;
                        area++;
                        if (h < 0 || w < 0 || h >= H || w >= W)
                            continue;
                        double v = x[(pl_i * H + h) * W + w];
                        sum += v;
                        mx = v > mx ? v : mx;
                        cells++;
                    }
                double r;
                if (strcmp(c->type, "max") == 0)
                    r = mx;
                else
                    r = cells ? sum / (double)(c->exclusive ? cells : area) : 0.0;
                y[(pl_i * oh + i) * ow + j] = (float)r;
            }
}

static void random_case(pool_case c, uint32_t seed)
{
    int64_t pads = c.paddings[0] + c.paddings[1], padw = c.paddings[2] + c.paddings[3];
    int64_t ex_h = c.ceil_mode ? c.strides[0] - 1 : 0, ex_w = c.ceil_mode ? c.strides[1] - 1 : 0;
    int64_t oh = (c.xd[2] + pads - c.ksize[0] + ex_h) / c.strides[0] + 1;
    int64_t ow = (c.xd[3] + padw - c.ksize[1] + ex_w) / c.strides[1] + 1;
    int64_t nx = c.xd[0] * c.xd[1] * c.xd[2] * c.xd[3], ny = c.xd[0] * c.xd[1] * oh * ow;
    float *x = malloc((size_t)nx * 4), *want = malloc((size_t)ny * 4);
    fill_random(x, nx, seed);
    naive_pool(&c, x, want, oh, ow);
    c.x = x;
    c.want = want;
    c.yd[0] = c.xd[0];
    c.yd[1] = c.xd[1];
    c.yd[2] = oh;
    c.yd[3] = ow;
    check_case(&c);
    free(x);
    free(want);
}

#define K3S2P1 .ksize = {3, 3}, .strides = {2, 2}, .paddings = {1, 1}, .npad = 2

/* ---- Paddle-checked cases ----------------------------------------------- */

static void test_pool2d_max_and_avg(void)
{
    pool_case c = {.type = "max", .x = maxb_x, .want = maxb_y, .xd = {1, 2, 5, 5},
                   .yd = {1, 2, 3, 3}, K3S2P1};
    check_case(&c);
    c.type = "avg";
    c.exclusive = 1;
    c.want = avgt_y;
    check_case(&c);
    c.exclusive = 0;
    c.want = avgf_y;
    check_case(&c);
}

/* ceil_mode: the last window hangs past the padding; with exclusive=false
 * Paddle divides by the part inside input + padding only. */
static void test_pool2d_ceil_mode(void)
{
    pool_case c = {.type = "avg", .x = ceilf_x, .want = ceilf_y, .xd = {1, 2, 6, 7},
                   .yd = {1, 2, 4, 4}, K3S2P1, .ceil_mode = 1};
    check_case(&c);
    c.exclusive = 1;
    c.want = ceilt_y;
    check_case(&c);
    c.type = "max";
    c.want = ceilm_y;
    check_case(&c);
}

/* Asymmetric paddings [top 0, bottom 2, left 1, right 0]: the output size
 * counts all four, but the windows are cut at H + top, W + left. */
static void test_pool2d_asymmetric_padding(void)
{
    pool_case c = {.type = "avg", .x = asymf_x, .want = asymf_y, .xd = {1, 1, 5, 5},
                   .yd = {1, 1, 3, 3}, .ksize = {2, 2}, .strides = {2, 2},
                   .paddings = {0, 2, 1, 0}, .npad = 4};
    check_case(&c);
    c.exclusive = 1;
    c.want = asymt_y;
    check_case(&c);
    c.type = "max";
    c.want = asymm_y;
    check_case(&c);
}

static void test_pool2d_adaptive(void)
{
    /* 5x7 -> 3x4: bins of uneven, overlapping sizes; avg always divides by
     * the bin's own size, exclusive=false notwithstanding. */
    pool_case c = {.type = "avg", .x = adpa_x, .want = adpa_y, .xd = {1, 2, 5, 7},
                   .yd = {1, 2, 3, 4}, .ksize = {3, 4}, .strides = {1, 1}, .adaptive = 1};
    check_case(&c);
    /* Paddle's max kernel ignores adaptive: plain 3x4 windows at stride 1 from
     * the origin, only the output size is adaptive. */
    c.type = "max";
    c.exclusive = 1;
    c.want = adpm_y;
    check_case(&c);
    /* Output larger than the input. */
    pool_case u = {.type = "avg", .x = adpup_x, .want = adpup_y, .xd = {1, 1, 2, 3},
                   .yd = {1, 1, 5, 4}, .ksize = {5, 4}, .strides = {1, 1}, .adaptive = 1,
                   .exclusive = 1};
    check_case(&u);
}

static void test_pool2d_global(void)
{
    /* ksize and paddings are ignored. */
    pool_case c = {.type = "avg", .x = glba_x, .want = glba_y, .xd = {2, 3, 4, 5},
                   .yd = {2, 3, 1, 1}, .ksize = {1, 1}, .strides = {1, 1}, .paddings = {1, 1},
                   .npad = 2, .global = 1};
    check_case(&c);
    c.type = "max";
    c.want = glbm_y;
    check_case(&c);
}

static void test_pool2d_same_and_valid(void)
{
    /* SAME: out = ceil(in / stride), total pad (out-1)*s + k - in, first half before. */
    pool_case c = {.type = "max", .x = samem_x, .want = samem_y, .xd = {1, 1, 5, 6},
                   .yd = {1, 1, 3, 3}, .ksize = {3, 3}, .strides = {2, 2}, .algo = "SAME"};
    check_case(&c);
    pool_case f = {.type = "avg", .x = samem_x, .want = samef_y, .xd = {1, 1, 5, 6},
                   .yd = {1, 1, 5, 6}, .ksize = {2, 2}, .strides = {1, 1}, .algo = "SAME"};
    check_case(&f);
    pool_case t = {.type = "avg", .x = samem_x, .want = samet_y, .xd = {1, 1, 5, 6},
                   .yd = {1, 1, 3, 3}, .ksize = {3, 3}, .strides = {2, 2},
                   .paddings = {4, 4}, .npad = 2, .exclusive = 1, .algo = "SAME"};
    check_case(&t);
    pool_case v = {.type = "avg", .x = valid_x, .want = valid_y, .xd = {1, 1, 5, 6},
                   .yd = {1, 1, 2, 3}, .ksize = {2, 2}, .strides = {2, 2},
                   .paddings = {1, 1}, .npad = 2, .algo = "VALID"};
    check_case(&v);
}

/* Windows that start past the input (ceil_mode, stride > kernel) are empty:
 * max gives -FLT_MAX as in Paddle, avg gives 0 (Paddle: -0 here, NaN when the
 * count is 0). */
static void test_pool2d_empty_windows(void)
{
    pool_case c = {.type = "max", .x = emptym_x, .want = emptym_y, .xd = {1, 1, 5, 5},
                   .yd = {1, 1, 3, 3}, .ksize = {1, 1}, .strides = {3, 3}, .ceil_mode = 1};
    check_case(&c);
    c.type = "avg";
    c.want = emptya_y;
    check_case(&c);
    /* 6x6, k1, s3, ceil: the last window starts exactly at the edge (Paddle: 0/0). */
    static const float x6[36] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18,
                                 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31, 32, 33, 34,
                                 35, 36};
    static const float want6[9] = {1, 4, 0, 19, 22, 0, 0, 0, 0};
    pool_case e = {.type = "avg", .x = x6, .want = want6, .xd = {1, 1, 6, 6},
                   .yd = {1, 1, 3, 3}, .ksize = {1, 1}, .strides = {3, 3}, .ceil_mode = 1,
                   .exclusive = 1};
    check_case(&e);
}

static void test_pool2d_random_against_naive(void)
{
    random_case((pool_case){.type = "avg", .xd = {2, 5, 17, 13}, .ksize = {3, 4},
                            .strides = {2, 3}, .paddings = {1, 2, 2, 0}, .npad = 4,
                            .ceil_mode = 1},
                31);
    random_case((pool_case){.type = "avg", .xd = {2, 5, 17, 13}, .ksize = {3, 4},
                            .strides = {2, 3}, .paddings = {1, 2, 2, 0}, .npad = 4,
                            .ceil_mode = 1, .exclusive = 1},
                32);
    random_case((pool_case){.type = "max", .xd = {3, 4, 19, 23}, .ksize = {5, 3},
                            .strides = {2, 2}, .paddings = {2, 1, 1, 1}, .npad = 4},
                33);
    random_case((pool_case){.type = "avg", .xd = {1, 3, 32, 31}, .ksize = {2, 2},
                            .strides = {2, 2}, .npad = 0, .ceil_mode = 1},
                34);
}

/* ---- errors ------------------------------------------------------------- */

static const pool_case base = {.type = "max", .xd = {1, 2, 6, 6}, K3S2P1};

static void test_pool2d_errors(void)
{
    check_fails(&base, NULL, 0, 3, PDS_FLOAT32, PDS_ERR_SHAPE, "rank 3");
    check_fails(&base, NULL, 0, 4, PDS_INT32, PDS_ERR_DTYPE, "input 'X' is int32");

    pool_case c = base;
    c.ksize[0] = 9; /* 9 > 6 + 1 + 1 */
    check_fails(&c, NULL, 0, 4, PDS_FLOAT32, PDS_ERR_SHAPE, "larger than the padded input 8");

    int64_t zero[2] = {0, 1}, neg[2] = {2, -2}, three[3] = {2, 2, 2}, five[5] = {0};
    pdsi_attr a;
    a = pdst_attr_str("pooling_type", "lp");
    check_fails(&base, &a, 1, 4, PDS_FLOAT32, PDS_ERR_MODEL_FORMAT, "attribute 'pooling_type'");
    a = pdst_attr_ints("strides", zero, 2);
    check_fails(&base, &a, 1, 4, PDS_FLOAT32, PDS_ERR_MODEL_FORMAT, "attribute 'strides'");
    a = pdst_attr_ints("strides", neg, 2);
    check_fails(&base, &a, 1, 4, PDS_FLOAT32, PDS_ERR_MODEL_FORMAT, "attribute 'strides'");
    a = pdst_attr_ints("ksize", zero, 2);
    check_fails(&base, &a, 1, 4, PDS_FLOAT32, PDS_ERR_MODEL_FORMAT, "attribute 'ksize'");
    a = pdst_attr_ints("ksize", three, 3);
    check_fails(&base, &a, 1, 4, PDS_FLOAT32, PDS_ERR_MODEL_FORMAT, "attribute 'ksize' has 3");
    a = pdst_attr_ints("paddings", five, 5);
    check_fails(&base, &a, 1, 4, PDS_FLOAT32, PDS_ERR_MODEL_FORMAT,
                "attribute 'paddings' has 5 entries");
    a = pdst_attr_ints("paddings", neg, 2);
    check_fails(&base, &a, 1, 4, PDS_FLOAT32, PDS_ERR_MODEL_FORMAT, "attribute 'paddings'");
    a = pdst_attr_str("padding_algorithm", "CAUSAL");
    check_fails(&base, &a, 1, 4, PDS_FLOAT32, PDS_ERR_MODEL_FORMAT,
                "attribute 'padding_algorithm' is \"CAUSAL\"");
    a = pdst_attr_str("data_format", "NHWC");
    check_fails(&base, &a, 1, 4, PDS_FLOAT32, PDS_ERR_UNSUPPORTED_OP,
                "attribute 'data_format' is \"NHWC\"");
    a = pdst_attr_str("data_format", "NCDHW");
    check_fails(&base, &a, 1, 4, PDS_FLOAT32, PDS_ERR_MODEL_FORMAT, "attribute 'data_format'");
    a = pdst_attr_str("ceil_mode", "yes");
    check_fails(&base, &a, 1, 4, PDS_FLOAT32, PDS_ERR_MODEL_FORMAT, "attribute 'ceil_mode'");

    /* pooling_type and (without global pooling) ksize are required. */
    pdsi_attr only[2] = {pdst_attr_ints("ksize", (int64_t[]){2, 2}, 2),
                         pdst_attr_str("pooling_type", "avg")};
    pdsi_tensor *x = pdst_tensor(PDS_FLOAT32, 4, base.xd, NULL), *y;
    pds_error err = {0}, *ep = &err;
    CHECK_STATUS(run_pool(only, 1, x, &y, &err), PDS_ERR_MODEL_FORMAT, ep);
    CHECK_MSG(err, "attribute 'pooling_type' is missing");
    pdst_tensor_free(y);
    CHECK_STATUS(run_pool(only + 1, 1, x, &y, &err), PDS_ERR_MODEL_FORMAT, ep);
    CHECK_MSG(err, "attribute 'ksize' is missing");
    pdst_tensor_free(y);
    /* ... but global pooling needs no ksize, and AnyLayout is channel-first. */
    pdsi_attr glob[3] = {pdst_attr_str("pooling_type", "avg"), pdst_attr_bool("global_pooling", 1),
                         pdst_attr_str("data_format", "AnyLayout")};
    CHECK_OK(run_pool(glob, 3, x, &y, &err), ep);
    CHECK_EQ_INT(y->dims[2], 1);
    CHECK_EQ_INT(y->dims[3], 1);
    pdst_tensor_free(y);
    pdst_tensor_free(x);
}

int main(void)
{
    RUN_TEST(test_pool2d_max_and_avg);
    RUN_TEST(test_pool2d_ceil_mode);
    RUN_TEST(test_pool2d_asymmetric_padding);
    RUN_TEST(test_pool2d_adaptive);
    RUN_TEST(test_pool2d_global);
    RUN_TEST(test_pool2d_same_and_valid);
    RUN_TEST(test_pool2d_empty_windows);
    RUN_TEST(test_pool2d_random_against_naive);
    RUN_TEST(test_pool2d_errors);
    return pdst_summary();
}
