/*
 * test_ops_interp.c — the interp family (nearest_interp[_v2],
 * bilinear_interp[_v2], linear_interp_v2, pad3d, pad2d) through the real parse -> infer ->
 * kernel path: small cases against values computed by Paddle 3.3.1 (each
 * array says which legacy op, attributes and shape inputs produced it; inputs
 * are uniform(-1, 1) rounded to 2 decimals), checked bit for bit for the
 * resampling ops; a larger random case against a naive loop; and every error
 * path with its exact status.
 */
#include <float.h>

#include "harness.h"

/* ---- Paddle reference data ---------------------------------------------- */

/* n1: paddle 3.3.1, legacy op nearest_interp_v2 (static Executor, CPU) with
   out_h=-1, out_w=-1, scale=[2.0, 2.0], interp_method=nearest, align_corners=False,
   align_mode=1;
   X [1, 2, 3, 4] -> Out [1, 2, 6, 8] */
static const float n1_x[24] = {
    -0.17f, 0.44f, -1.0f, -0.4f, -0.71f, -0.82f, -0.63f, -0.31f, -0.21f, 0.08f, -0.16f, 0.37f,
    -0.59f, 0.76f, -0.95f, 0.34f, -0.17f, 0.12f, -0.72f, -0.6f, 0.6f, 0.94f, -0.37f, 0.38f,
};
static const float n1_y[96] = {
    -0.17f, -0.17f, 0.44f, 0.44f, -1.0f, -1.0f, -0.4f, -0.4f, -0.17f, -0.17f, 0.44f, 0.44f, -1.0f,
    -1.0f, -0.4f, -0.4f, -0.71f, -0.71f, -0.82f, -0.82f, -0.63f, -0.63f, -0.31f, -0.31f, -0.71f,
    -0.71f, -0.82f, -0.82f, -0.63f, -0.63f, -0.31f, -0.31f, -0.21f, -0.21f, 0.08f, 0.08f, -0.16f,
    -0.16f, 0.37f, 0.37f, -0.21f, -0.21f, 0.08f, 0.08f, -0.16f, -0.16f, 0.37f, 0.37f, -0.59f,
    -0.59f, 0.76f, 0.76f, -0.95f, -0.95f, 0.34f, 0.34f, -0.59f, -0.59f, 0.76f, 0.76f, -0.95f,
    -0.95f, 0.34f, 0.34f, -0.17f, -0.17f, 0.12f, 0.12f, -0.72f, -0.72f, -0.6f, -0.6f, -0.17f,
    -0.17f, 0.12f, 0.12f, -0.72f, -0.72f, -0.6f, -0.6f, 0.6f, 0.6f, 0.94f, 0.94f, -0.37f, -0.37f,
    0.38f, 0.38f, 0.6f, 0.6f, 0.94f, 0.94f, -0.37f, -0.37f, 0.38f, 0.38f,
};
/* n2: paddle 3.3.1, legacy op nearest_interp_v2 (static Executor, CPU) with
   out_h=5, out_w=7, scale=[], interp_method=nearest, align_corners=False, align_mode=1;
   X [1, 2, 3, 4] -> Out [1, 2, 5, 7] */
static const float n2_y[70] = {
    -0.17f, -0.17f, 0.44f, 0.44f, -1.0f, -1.0f, -0.4f, -0.17f, -0.17f, 0.44f, 0.44f, -1.0f, -1.0f,
    -0.4f, -0.71f, -0.71f, -0.82f, -0.82f, -0.63f, -0.63f, -0.31f, -0.71f, -0.71f, -0.82f, -0.82f,
    -0.63f, -0.63f, -0.31f, -0.21f, -0.21f, 0.08f, 0.08f, -0.16f, -0.16f, 0.37f, -0.59f, -0.59f,
    0.76f, 0.76f, -0.95f, -0.95f, 0.34f, -0.59f, -0.59f, 0.76f, 0.76f, -0.95f, -0.95f, 0.34f,
    -0.17f, -0.17f, 0.12f, 0.12f, -0.72f, -0.72f, -0.6f, -0.17f, -0.17f, 0.12f, 0.12f, -0.72f,
    -0.72f, -0.6f, 0.6f, 0.6f, 0.94f, 0.94f, -0.37f, -0.37f, 0.38f,
};
/* n3: paddle 3.3.1, legacy op nearest_interp_v2 (static Executor, CPU) with
   out_h=5, out_w=7, scale=[], interp_method=nearest, align_corners=True, align_mode=1;
   X [1, 2, 3, 4] -> Out [1, 2, 5, 7] */
static const float n3_y[70] = {
    -0.17f, 0.44f, 0.44f, -1.0f, -1.0f, -0.4f, -0.4f, -0.71f, -0.82f, -0.82f, -0.63f, -0.63f,
    -0.31f, -0.31f, -0.71f, -0.82f, -0.82f, -0.63f, -0.63f, -0.31f, -0.31f, -0.21f, 0.08f, 0.08f,
    -0.16f, -0.16f, 0.37f, 0.37f, -0.21f, 0.08f, 0.08f, -0.16f, -0.16f, 0.37f, 0.37f, -0.59f,
    0.76f, 0.76f, -0.95f, -0.95f, 0.34f, 0.34f, -0.17f, 0.12f, 0.12f, -0.72f, -0.72f, -0.6f,
    -0.6f, -0.17f, 0.12f, 0.12f, -0.72f, -0.72f, -0.6f, -0.6f, 0.6f, 0.94f, 0.94f, -0.37f, -0.37f,
    0.38f, 0.38f, 0.6f, 0.94f, 0.94f, -0.37f, -0.37f, 0.38f, 0.38f,
};
/* n4: paddle 3.3.1, legacy op nearest_interp_v2 (static Executor, CPU) with
   out_h=-1, out_w=-1, scale=[1.3, 1.3], interp_method=nearest, align_corners=False,
   align_mode=1;
   X [1, 1, 5, 5] -> Out [1, 1, 6, 6] */
static const float n4_x[25] = {
    -0.13f, -0.95f, 0.1f, -0.13f, -0.16f, -0.34f, -0.59f, 0.24f, -0.4f, -0.47f, 0.24f, 0.06f,
    -0.73f, 0.03f, -0.63f, 0.57f, 0.71f, -0.01f, 0.69f, -0.84f, 0.01f, -0.87f, -0.14f, -0.81f,
    -0.75f,
};
static const float n4_y[36] = {
    -0.13f, -0.13f, -0.95f, 0.1f, -0.13f, -0.13f, -0.13f, -0.13f, -0.95f, 0.1f, -0.13f, -0.13f,
    -0.34f, -0.34f, -0.59f, 0.24f, -0.4f, -0.4f, 0.24f, 0.24f, 0.06f, -0.73f, 0.03f, 0.03f, 0.57f,
    0.57f, 0.71f, -0.01f, 0.69f, 0.69f, 0.57f, 0.57f, 0.71f, -0.01f, 0.69f, 0.69f,
};
/* n5: paddle 3.3.1, legacy op nearest_interp_v2 (static Executor, CPU) with
   out_h=2, out_w=3, scale=[], interp_method=nearest, align_corners=False, align_mode=1;
   X [1, 2, 5, 7] -> Out [1, 2, 2, 3] */
static const float n5_x[70] = {
    0.1f, 0.42f, -0.42f, 0.02f, 0.79f, 0.79f, -0.75f, -0.59f, -0.9f, -0.12f, -0.94f, -0.09f, 0.3f,
    -0.44f, 0.35f, 0.18f, -0.95f, 0.12f, -0.48f, -0.17f, -0.43f, 0.39f, -0.12f, -0.69f, 0.09f,
    0.56f, -0.39f, -0.56f, -0.22f, 0.87f, 0.95f, 0.34f, 0.81f, 0.69f, -0.24f, -0.82f, 0.31f,
    0.12f, -0.28f, -0.55f, -0.19f, -0.06f, -0.46f, -0.42f, -0.08f, 0.72f, 0.17f, -0.43f, -0.44f,
    -0.09f, -0.59f, -0.6f, 0.03f, -0.83f, -0.03f, -0.28f, 0.42f, 0.49f, 0.38f, 0.38f, -0.25f,
    0.34f, -0.32f, 0.15f, -0.35f, -0.11f, -0.88f, -0.51f, 0.94f, -0.54f,
};
static const float n5_y[12] = {
    0.1f, -0.42f, 0.79f, 0.35f, -0.95f, -0.48f, -0.82f, 0.12f, -0.55f, -0.09f, -0.6f, -0.83f,
};
/* n6: paddle 3.3.1, legacy op nearest_interp_v2 (static Executor, CPU) with
   out_h=7, out_w=3, scale=[], interp_method=nearest, align_corners=True, align_mode=1;
   X [1, 1, 8, 8] -> Out [1, 1, 7, 3] */
static const float n6_x[64] = {
    0.93f, 0.09f, 0.95f, 0.43f, 0.4f, -0.57f, 0.95f, -0.99f, -0.49f, -0.13f, 0.56f, -0.6f, 0.73f,
    0.97f, -0.67f, 0.19f, -0.98f, -0.23f, -0.91f, 0.91f, -0.13f, 0.9f, 0.57f, 0.73f, -0.65f,
    -0.85f, 0.2f, -0.66f, 0.47f, -0.18f, 0.06f, 0.88f, 0.04f, -0.78f, -0.68f, 0.09f, 0.05f, 0.28f,
    -0.2f, 0.3f, -0.21f, 0.25f, 0.53f, -0.64f, -0.25f, 0.01f, 0.37f, -0.49f, 0.11f, 0.25f, 0.79f,
    -0.27f, 0.28f, -0.62f, -0.0f, -0.64f, 0.84f, -0.14f, 0.66f, -0.17f, 0.81f, -0.19f, -0.34f,
    0.14f,
};
static const float n6_y[21] = {
    0.93f, 0.4f, -0.99f, -0.49f, 0.73f, 0.19f, -0.98f, -0.13f, 0.73f, 0.04f, 0.05f, 0.3f, -0.21f,
    -0.25f, -0.49f, 0.11f, 0.28f, -0.64f, 0.84f, 0.81f, 0.14f,
};
/* b1: paddle 3.3.1, legacy op bilinear_interp_v2 (static Executor, CPU) with
   out_h=5, out_w=7, scale=[], interp_method=bilinear, align_corners=True, align_mode=1;
   X [1, 2, 3, 4] -> Out [1, 2, 5, 7] */
static const float b1_y[70] = {
    -0.17f, 0.13499999f, 0.44f, -0.28f, -1.0f, -0.7f, -0.4f, -0.44f, -0.315f, -0.19f, -0.5025f,
    -0.815f, -0.585f, -0.35500002f, -0.71f, -0.765f, -0.82f, -0.725f, -0.63f, -0.47f, -0.31f,
    -0.45999998f, -0.415f, -0.37f, -0.3825f, -0.39499998f, -0.18249997f, 0.030000001f, -0.21f,
    -0.065f, 0.08f, -0.04f, -0.16f, 0.105000004f, 0.37f, -0.59f, 0.08500001f, 0.76f, -0.095f,
    -0.95f, -0.305f, 0.34f, -0.38f, 0.03f, 0.44f, -0.1975f, -0.83500004f, -0.48250002f,
    -0.13000001f, -0.17f, -0.025000002f, 0.12f, -0.3f, -0.72f, -0.66f, -0.6f, 0.215f, 0.3725f,
    0.53f, -0.0075000226f, -0.545f, -0.32750002f, -0.110000014f, 0.6f, 0.77f, 0.94f, 0.285f,
    -0.37f, 0.004999995f, 0.38f,
};
/* b2: paddle 3.3.1, legacy op bilinear_interp_v2 (static Executor, CPU) with
   out_h=5, out_w=7, scale=[], interp_method=bilinear, align_corners=False, align_mode=0;
   X [1, 2, 3, 4] -> Out [1, 2, 5, 7] */
static const float b2_y[70] = {
    -0.17f, 0.047857188f, 0.3964286f, -0.28f, -0.9571427f, -0.6142856f, -0.4f, -0.386f, -0.271f,
    -0.08700006f, -0.45800003f, -0.8171427f, -0.5382856f, -0.36400002f, -0.71f, -0.7492857f,
    -0.81214285f, -0.725f, -0.6071428f, -0.42428565f, -0.31f, -0.4099999f, -0.36357132f,
    -0.2892856f, -0.31399992f, -0.31614268f, -0.06128554f, 0.09800012f, -0.21f, -0.10642854f,
    0.059285726f, -0.04f, -0.12214274f, 0.18071437f, 0.37f, -0.59f, -0.10785705f, 0.6635715f,
    -0.095f, -0.85785687f, -0.12071407f, 0.34f, -0.422f, -0.09128563f, 0.43785715f, -0.17700002f,
    -0.7992855f, -0.3295713f, -0.036000025f, -0.17f, -0.06642856f, 0.09928572f, -0.3f,
    -0.7114286f, -0.6428572f, -0.6f, 0.29200011f, 0.40628585f, 0.589143f, 0.051000074f,
    -0.47442842f, -0.18985696f, -0.011999875f, 0.6f, 0.72142863f, 0.91571426f, 0.28500003f,
    -0.3164284f, 0.112142995f, 0.38f,
};
/* b3: paddle 3.3.1, legacy op bilinear_interp_v2 (static Executor, CPU) with
   out_h=5, out_w=7, scale=[], interp_method=bilinear, align_corners=False, align_mode=1;
   X [1, 2, 3, 4] -> Out [1, 2, 5, 7] */
static const float b3_y[70] = {
    -0.17f, 0.17857143f, 0.23428565f, -0.5885716f, -0.8285714f, -0.48571426f, -0.4f, -0.494f,
    -0.39228573f, -0.38200006f, -0.6460001f, -0.6545715f, -0.40771425f, -0.346f, -0.60999995f,
    -0.6271428f, -0.6251428f, -0.56571424f, -0.43257135f, -0.22571424f, -0.17399997f,
    -0.30999994f, -0.18999995f, -0.12199995f, -0.20999998f, -0.11457135f, 0.1642858f, 0.23400006f,
    -0.20999998f, -0.044285703f, 0.04571427f, -0.09142861f, -0.008571368f, 0.29428577f, 0.37f,
    -0.59f, 0.18142861f, 0.51571417f, -0.46142876f, -0.58142847f, 0.15571438f, 0.34f,
    -0.33799997f, 0.07000004f, 0.20628563f, -0.47257158f, -0.64399993f, -0.30799997f,
    -0.22400004f, -0.015999958f, 0.15542862f, 0.15057142f, -0.38314295f, -0.5797142f,
    -0.43914282f, -0.40399995f, 0.44600007f, 0.6345715f, 0.60228574f, -0.09257156f, -0.26171422f,
    0.094857246f, 0.18400006f, 0.6f, 0.79428566f, 0.7528571f, 0.004285522f, -0.15571421f,
    0.2728572f, 0.38f,
};
/* b4: paddle 3.3.1, legacy op bilinear_interp_v2 (static Executor, CPU) with
   out_h=-1, out_w=-1, scale=[1.7, 0.6], interp_method=bilinear, align_corners=False,
   align_mode=0;
   X [1, 2, 5, 7] -> Out [1, 2, 8, 4] */
static const float b4_y[64] = {
    0.20666665f, -0.42f, 0.53333324f, 0.27666718f, -0.13745092f, -0.30529413f, 0.1866666f,
    0.19127493f, -0.6668626f, -0.12882355f, -0.34666675f, 0.059902236f, -0.14196093f, -0.5838234f,
    -0.32117647f, -0.11990175f, 0.28254905f, -0.91176474f, -0.17950977f, -0.28460777f,
    0.23941179f, -0.75882363f, 0.22245078f, -0.39637244f, 0.19519609f, -0.15941203f, 0.48421556f,
    -0.17921571f, 0.15009806f, 0.80529356f, 0.63127434f, 0.3070588f, -0.44333336f, 0.12f,
    -0.45999998f, -0.1466667f, -0.44460785f, 0.04352942f, -0.14901958f, -0.2562745f, -0.44656867f,
    -0.07411763f, 0.3294118f, -0.42490193f, -0.34049022f, -0.37058812f, -0.14774483f, -0.2545098f,
    -0.15372555f, -0.45588246f, -0.46931365f, -0.07901953f, 0.25803903f, 0.12058799f, -0.1732353f,
    0.0582354f, 0.29450986f, 0.22147067f, -0.23196064f, 0.22568654f, 0.023921736f, -0.06676455f,
    -0.58098024f, 0.41784346f,
};
/* b5: paddle 3.3.1, legacy op bilinear_interp_v2 (static Executor, CPU) with
   out_h=2, out_w=3, scale=[], interp_method=bilinear, align_corners=False, align_mode=0;
   X [1, 2, 5, 7] -> Out [1, 2, 2, 3] */
static const float b5_y[12] = {
    -0.5191666f, -0.7f, 0.10916699f, 0.16416667f, 0.1525f, -0.23999988f, -0.3416667f, 0.47000003f,
    -0.36166668f, 0.30416667f, 0.065f, 0.20166695f,
};
/* b6: paddle 3.3.1, legacy op bilinear_interp_v2 (static Executor, CPU) with
   out_h=1, out_w=1, scale=[], interp_method=bilinear, align_corners=False, align_mode=0;
   X [1, 2, 5, 7] -> Out [1, 2, 1, 1] */
static const float b6_y[2] = {
    0.1f, -0.82f,
};
/* b7: paddle 3.3.1, legacy op bilinear_interp_v2 (static Executor, CPU) with
   out_h=3, out_w=2, scale=[], interp_method=bilinear, align_corners=False, align_mode=1;
   X [1, 2, 5, 7] -> Out [1, 2, 3, 2] */
static const float b7_y[12] = {
    0.1f, 0.405f, 0.03666663f, -0.2916667f, 0.1866667f, 0.4083333f, -0.82f, -0.41500002f,
    -0.21333335f, -0.11833328f, 0.33f, -0.18833327f,
};
/* t1: paddle 3.3.1, legacy op nearest_interp_v2 (static Executor, CPU) with
   out_h=9, out_w=9, scale=[], interp_method=nearest, align_corners=False, align_mode=1;
   inputs OutSize=[4, 6];
   X [1, 2, 3, 4] -> Out [1, 2, 4, 6] */
static const float t1_y[48] = {
    -0.17f, -0.17f, 0.44f, -1.0f, -1.0f, -0.4f, -0.17f, -0.17f, 0.44f, -1.0f, -1.0f, -0.4f,
    -0.71f, -0.71f, -0.82f, -0.63f, -0.63f, -0.31f, -0.21f, -0.21f, 0.08f, -0.16f, -0.16f, 0.37f,
    -0.59f, -0.59f, 0.76f, -0.95f, -0.95f, 0.34f, -0.59f, -0.59f, 0.76f, -0.95f, -0.95f, 0.34f,
    -0.17f, -0.17f, 0.12f, -0.72f, -0.72f, -0.6f, 0.6f, 0.6f, 0.94f, -0.37f, -0.37f, 0.38f,
};
/* t2: paddle 3.3.1, legacy op bilinear_interp_v2 (static Executor, CPU) with
   out_h=-1, out_w=-1, scale=[3.0, 3.0], interp_method=bilinear, align_corners=False,
   align_mode=0; inputs OutSize=[4, 6], SizeTensor=[[5], [3]];
   X [1, 2, 3, 4] -> Out [1, 2, 5, 3] */
static const float t2_y[30] = {
    -0.06833332f, -0.28f, -0.4999999f, -0.33233333f, -0.45800003f, -0.44533324f, -0.72833335f,
    -0.725f, -0.36333328f, -0.38833326f, -0.31399992f, 0.023666844f, -0.16166665f, -0.04f,
    0.28166673f, -0.36499995f, -0.095f, 0.12500021f, -0.26766664f, -0.17700002f, -0.17299989f,
    -0.12166666f, -0.3f, -0.62f, 0.34533346f, 0.051000074f, -0.094999805f, 0.65666664f,
    0.28500003f, 0.2550001f,
};
/* t3: paddle 3.3.1, legacy op bilinear_interp_v2 (static Executor, CPU) with
   out_h=-1, out_w=-1, scale=[3.0, 3.0], interp_method=bilinear, align_corners=False,
   align_mode=1; inputs Scale=[2.0];
   X [1, 2, 3, 4] -> Out [1, 2, 6, 8] */
static const float t3_y[96] = {
    -0.17f, 0.13499999f, 0.44f, -0.28f, -1.0f, -0.7f, -0.4f, -0.4f, -0.44f, -0.315f, -0.19f,
    -0.5025f, -0.815f, -0.585f, -0.35500002f, -0.35500002f, -0.71f, -0.765f, -0.82f, -0.725f,
    -0.63f, -0.47f, -0.31f, -0.31f, -0.45999998f, -0.415f, -0.37f, -0.3825f, -0.39499998f,
    -0.18249997f, 0.030000001f, 0.030000001f, -0.21f, -0.065f, 0.08f, -0.04f, -0.16f,
    0.105000004f, 0.37f, 0.37f, -0.21f, -0.065f, 0.08f, -0.04f, -0.16f, 0.105000004f, 0.37f,
    0.37f, -0.59f, 0.08500001f, 0.76f, -0.095f, -0.95f, -0.305f, 0.34f, 0.34f, -0.38f, 0.03f,
    0.44f, -0.1975f, -0.83500004f, -0.48250002f, -0.13000001f, -0.13000001f, -0.17f,
    -0.025000002f, 0.12f, -0.3f, -0.72f, -0.66f, -0.6f, -0.6f, 0.215f, 0.3725f, 0.53f,
    -0.0075000226f, -0.545f, -0.32750002f, -0.110000014f, -0.110000014f, 0.6f, 0.77f, 0.94f,
    0.285f, -0.37f, 0.004999995f, 0.38f, 0.38f, 0.6f, 0.77000004f, 0.94f, 0.285f, -0.37f,
    0.004999995f, 0.38f, 0.38f,
};
/* t4n: paddle 3.3.1, legacy op nearest_interp_v2 (static Executor, CPU) with
   out_h=-1, out_w=-1, scale=[2.0, 2.0], interp_method=nearest, align_corners=False,
   align_mode=1; inputs OutSize=[8, 8];
   X [1, 1, 5, 5] -> Out [1, 1, 8, 8] */
static const float t4n_y[64] = {
    -0.13f, -0.13f, -0.95f, -0.95f, 0.1f, 0.1f, -0.13f, -0.13f, -0.13f, -0.13f, -0.95f, -0.95f,
    0.1f, 0.1f, -0.13f, -0.13f, -0.34f, -0.34f, -0.59f, -0.59f, 0.24f, 0.24f, -0.4f, -0.4f,
    -0.34f, -0.34f, -0.59f, -0.59f, 0.24f, 0.24f, -0.4f, -0.4f, 0.24f, 0.24f, 0.06f, 0.06f,
    -0.73f, -0.73f, 0.03f, 0.03f, 0.24f, 0.24f, 0.06f, 0.06f, -0.73f, -0.73f, 0.03f, 0.03f, 0.57f,
    0.57f, 0.71f, 0.71f, -0.01f, -0.01f, 0.69f, 0.69f, 0.57f, 0.57f, 0.71f, 0.71f, -0.01f, -0.01f,
    0.69f, 0.69f,
};
/* t4b: paddle 3.3.1, legacy op bilinear_interp_v2 (static Executor, CPU) with
   out_h=-1, out_w=-1, scale=[2.0, 2.0], interp_method=bilinear, align_corners=False,
   align_mode=0; inputs OutSize=[8, 8];
   X [1, 1, 5, 5] -> Out [1, 1, 8, 8] */
static const float t4b_y[64] = {
    -0.13f, -0.33499998f, -0.745f, -0.6875f, -0.1625f, 0.042500004f, -0.0725f, -0.13749999f,
    -0.1825f, -0.351875f, -0.69062495f, -0.61125f, -0.11374998f, 0.051875003f, -0.114374995f,
    -0.2075f, -0.2875f, -0.38562497f, -0.58187497f, -0.45874998f, -0.016250014f, 0.07062499f,
    -0.198125f, -0.3475f, -0.195f, -0.25312498f, -0.36937502f, -0.32125002f, -0.108750015f,
    -0.07500002f, -0.22000001f, -0.346875f, 0.09499999f, 0.045624994f, -0.053125f, -0.19875f,
    -0.39125f, -0.38500002f, -0.18f, -0.205625f, 0.3225f, 0.29749998f, 0.24749999f, 0.029374987f,
    -0.35687503f, -0.36375f, 0.008749992f, -0.024375003f, 0.4875f, 0.5025f, 0.53249997f,
    0.36312494f, -0.0056250147f, -0.011250004f, 0.34625f, 0.196875f, 0.43f, 0.40125f, 0.34374997f,
    0.22562495f, 0.04687499f, 0.046874996f, 0.225625f, 0.031875f,
};
/* t5: paddle 3.3.1, legacy op bilinear_interp_v2 (static Executor, CPU) with
   out_h=-1, out_w=-1, scale=[], interp_method=bilinear, align_corners=False, align_mode=0;
   inputs Scale=[1.5, 2.5];
   X [1, 2, 3, 4] -> Out [1, 2, 4, 10] */
static const float t5_y[80] = {
    -0.17f, -0.10899998f, 0.13499999f, 0.379f, 0.007999897f, -0.5680001f, -0.93999994f, -0.7f,
    -0.45999995f, -0.4f, -0.44f, -0.41499996f, -0.315f, -0.215f, -0.37750006f, -0.6275f,
    -0.76899993f, -0.585f, -0.40099996f, -0.35500002f, -0.6266666f, -0.63099986f, -0.6483333f,
    -0.6656666f, -0.6344999f, -0.5871666f, -0.51616657f, -0.3741666f, -0.23216659f, -0.19666663f,
    -0.2933333f, -0.27099997f, -0.18166663f, -0.09233329f, -0.12049997f, -0.18783331f,
    -0.18883325f, 0.009166688f, 0.20716673f, 0.2566667f, -0.59f, -0.45499992f, 0.08500001f,
    0.62499994f, 0.24699989f, -0.43700007f, -0.8209998f, -0.305f, 0.21100011f, 0.34f, -0.38f,
    -0.29799995f, 0.03f, 0.35799995f, 0.057499908f, -0.45250008f, -0.7644999f, -0.48250002f,
    -0.20049995f, -0.13000001f, -0.041666597f, -0.011833254f, 0.10750006f, 0.22683339f,
    -0.018833352f, -0.3861667f, -0.63916665f, -0.5491666f, -0.4591666f, -0.4366666f, 0.47166672f,
    0.5048334f, 0.63750005f, 0.77016664f, 0.43383324f, -0.058833376f, -0.36383322f, -0.10583331f,
    0.15216678f, 0.2166667f,
};
/* v1: paddle 3.3.1, legacy op nearest_interp (static Executor, CPU) with
   out_h=-1, out_w=-1, scale=1.3, interp_method=nearest, align_corners=False, align_mode=1;
   X [1, 1, 5, 5] -> Out [1, 1, 6, 6] */
static const float v1_y[36] = {
    -0.13f, -0.13f, -0.95f, 0.1f, -0.13f, -0.13f, -0.13f, -0.13f, -0.95f, 0.1f, -0.13f, -0.13f,
    -0.34f, -0.34f, -0.59f, 0.24f, -0.4f, -0.4f, 0.24f, 0.24f, 0.06f, -0.73f, 0.03f, 0.03f, 0.57f,
    0.57f, 0.71f, -0.01f, 0.69f, 0.69f, 0.57f, 0.57f, 0.71f, -0.01f, 0.69f, 0.69f,
};
/* v2: paddle 3.3.1, legacy op bilinear_interp (static Executor, CPU) with
   out_h=7, out_w=7, scale=0.0, interp_method=bilinear, align_corners=False, align_mode=0;
   X [1, 2, 3, 4] -> Out [1, 2, 7, 7] */
static const float v2_y[98] = {
    -0.17f, 0.047857188f, 0.3964286f, -0.28f, -0.9571427f, -0.6142856f, -0.4f, -0.24714285f,
    -0.06602038f, 0.2237755f, -0.34357142f, -0.9071428f, -0.58714277f, -0.38714287f, -0.47857144f,
    -0.40765306f, -0.2941837f, -0.5342857f, -0.7571428f, -0.5057142f, -0.34857142f, -0.71f,
    -0.7492857f, -0.81214285f, -0.725f, -0.6071428f, -0.42428565f, -0.31f, -0.49571425f,
    -0.47377545f, -0.4386734f, -0.43142855f, -0.3992856f, -0.1649999f, -0.018571407f,
    -0.28142852f, -0.19826524f, -0.06520402f, -0.1378571f, -0.19142844f, 0.09428583f, 0.2728572f,
    -0.21f, -0.10642856f, 0.059285723f, -0.04f, -0.12214273f, 0.1807144f, 0.36999997f, -0.59f,
    -0.10785705f, 0.6635715f, -0.095f, -0.85785687f, -0.12071407f, 0.34f, -0.53000003f,
    -0.10193869f, 0.58295923f, -0.12428571f, -0.83693856f, -0.19530594f, 0.20571426f,
    -0.34999996f, -0.08418362f, 0.34112245f, -0.21214287f, -0.77418363f, -0.4190815f,
    -0.19714293f, -0.17f, -0.06642856f, 0.09928572f, -0.3f, -0.7114286f, -0.6428572f, -0.6f,
    0.16000006f, 0.27122456f, 0.4491837f, -0.049285702f, -0.5421428f, -0.31928563f, -0.17999996f,
    0.4900001f, 0.60887766f, 0.7990817f, 0.2014286f, -0.37285697f, 0.004285887f, 0.24000007f,
    0.6f, 0.7214286f, 0.9157143f, 0.28500003f, -0.31642842f, 0.11214297f, 0.38f,
};
/* p1: paddle 3.3.1, legacy op pad3d (static Executor, CPU) with
   paddings=[1, 2, 0, 1, 1, 0], mode=constant, value=0.5, data_format=NCDHW;
   X [1, 2, 2, 3, 4] float32 -> Out [1, 2, 3, 4, 7] */
static const float p1_x[48] = {
    -0.56f, 0.74f, -0.59f, 0.84f, -0.02f, 0.22f, 0.53f, 0.04f, -0.41f, -0.62f, -0.84f, 0.48f,
    -0.12f, -0.68f, 0.76f, -0.45f, -0.17f, -0.41f, 0.26f, 0.16f, 0.2f, -0.47f, -0.43f, -0.49f,
    -0.34f, -0.71f, -0.67f, 0.93f, 0.92f, -0.62f, -0.95f, -0.59f, 0.4f, 0.56f, -0.95f, 0.16f,
    -1.0f, 0.03f, 0.28f, 0.97f, -0.48f, 0.6f, 0.74f, 0.85f, -1.0f, -0.06f, 0.96f, -0.2f,
};
static const float p1_y[168] = {
    0.5f, 0.5f, 0.5f, 0.5f, 0.5f, 0.5f, 0.5f, 0.5f, 0.5f, 0.5f, 0.5f, 0.5f, 0.5f, 0.5f, 0.5f,
    0.5f, 0.5f, 0.5f, 0.5f, 0.5f, 0.5f, 0.5f, 0.5f, 0.5f, 0.5f, 0.5f, 0.5f, 0.5f, 0.5f, -0.56f,
    0.74f, -0.59f, 0.84f, 0.5f, 0.5f, 0.5f, -0.02f, 0.22f, 0.53f, 0.04f, 0.5f, 0.5f, 0.5f, -0.41f,
    -0.62f, -0.84f, 0.48f, 0.5f, 0.5f, 0.5f, 0.5f, 0.5f, 0.5f, 0.5f, 0.5f, 0.5f, 0.5f, -0.12f,
    -0.68f, 0.76f, -0.45f, 0.5f, 0.5f, 0.5f, -0.17f, -0.41f, 0.26f, 0.16f, 0.5f, 0.5f, 0.5f, 0.2f,
    -0.47f, -0.43f, -0.49f, 0.5f, 0.5f, 0.5f, 0.5f, 0.5f, 0.5f, 0.5f, 0.5f, 0.5f, 0.5f, 0.5f,
    0.5f, 0.5f, 0.5f, 0.5f, 0.5f, 0.5f, 0.5f, 0.5f, 0.5f, 0.5f, 0.5f, 0.5f, 0.5f, 0.5f, 0.5f,
    0.5f, 0.5f, 0.5f, 0.5f, 0.5f, 0.5f, 0.5f, 0.5f, 0.5f, 0.5f, 0.5f, 0.5f, -0.34f, -0.71f,
    -0.67f, 0.93f, 0.5f, 0.5f, 0.5f, 0.92f, -0.62f, -0.95f, -0.59f, 0.5f, 0.5f, 0.5f, 0.4f, 0.56f,
    -0.95f, 0.16f, 0.5f, 0.5f, 0.5f, 0.5f, 0.5f, 0.5f, 0.5f, 0.5f, 0.5f, 0.5f, -1.0f, 0.03f,
    0.28f, 0.97f, 0.5f, 0.5f, 0.5f, -0.48f, 0.6f, 0.74f, 0.85f, 0.5f, 0.5f, 0.5f, -1.0f, -0.06f,
    0.96f, -0.2f, 0.5f, 0.5f, 0.5f, 0.5f, 0.5f, 0.5f, 0.5f, 0.5f, 0.5f,
};
/* p2: paddle 3.3.1, legacy op pad3d (static Executor, CPU) with
   paddings=[1, 2, 0, 1, 1, 0], mode=reflect, value=0.0, data_format=NCDHW;
   X [1, 2, 2, 3, 4] float32 -> Out [1, 2, 3, 4, 7] */
static const float p2_y[168] = {
    -0.68f, -0.12f, -0.68f, 0.76f, -0.45f, 0.76f, -0.68f, -0.41f, -0.17f, -0.41f, 0.26f, 0.16f,
    0.26f, -0.41f, -0.47f, 0.2f, -0.47f, -0.43f, -0.49f, -0.43f, -0.47f, -0.41f, -0.17f, -0.41f,
    0.26f, 0.16f, 0.26f, -0.41f, 0.74f, -0.56f, 0.74f, -0.59f, 0.84f, -0.59f, 0.74f, 0.22f,
    -0.02f, 0.22f, 0.53f, 0.04f, 0.53f, 0.22f, -0.62f, -0.41f, -0.62f, -0.84f, 0.48f, -0.84f,
    -0.62f, 0.22f, -0.02f, 0.22f, 0.53f, 0.04f, 0.53f, 0.22f, -0.68f, -0.12f, -0.68f, 0.76f,
    -0.45f, 0.76f, -0.68f, -0.41f, -0.17f, -0.41f, 0.26f, 0.16f, 0.26f, -0.41f, -0.47f, 0.2f,
    -0.47f, -0.43f, -0.49f, -0.43f, -0.47f, -0.41f, -0.17f, -0.41f, 0.26f, 0.16f, 0.26f, -0.41f,
    0.03f, -1.0f, 0.03f, 0.28f, 0.97f, 0.28f, 0.03f, 0.6f, -0.48f, 0.6f, 0.74f, 0.85f, 0.74f,
    0.6f, -0.06f, -1.0f, -0.06f, 0.96f, -0.2f, 0.96f, -0.06f, 0.6f, -0.48f, 0.6f, 0.74f, 0.85f,
    0.74f, 0.6f, -0.71f, -0.34f, -0.71f, -0.67f, 0.93f, -0.67f, -0.71f, -0.62f, 0.92f, -0.62f,
    -0.95f, -0.59f, -0.95f, -0.62f, 0.56f, 0.4f, 0.56f, -0.95f, 0.16f, -0.95f, 0.56f, -0.62f,
    0.92f, -0.62f, -0.95f, -0.59f, -0.95f, -0.62f, 0.03f, -1.0f, 0.03f, 0.28f, 0.97f, 0.28f,
    0.03f, 0.6f, -0.48f, 0.6f, 0.74f, 0.85f, 0.74f, 0.6f, -0.06f, -1.0f, -0.06f, 0.96f, -0.2f,
    0.96f, -0.06f, 0.6f, -0.48f, 0.6f, 0.74f, 0.85f, 0.74f, 0.6f,
};
/* p3: paddle 3.3.1, legacy op pad3d (static Executor, CPU) with
   paddings=[2, 0, 1, 2, 0, 3], mode=replicate, value=0.0, data_format=NCDHW;
   X [1, 2, 2, 3, 4] float32 -> Out [1, 2, 5, 6, 6] */
static const float p3_y[360] = {
    -0.56f, -0.56f, -0.56f, 0.74f, -0.59f, 0.84f, -0.56f, -0.56f, -0.56f, 0.74f, -0.59f, 0.84f,
    -0.02f, -0.02f, -0.02f, 0.22f, 0.53f, 0.04f, -0.41f, -0.41f, -0.41f, -0.62f, -0.84f, 0.48f,
    -0.41f, -0.41f, -0.41f, -0.62f, -0.84f, 0.48f, -0.41f, -0.41f, -0.41f, -0.62f, -0.84f, 0.48f,
    -0.12f, -0.12f, -0.12f, -0.68f, 0.76f, -0.45f, -0.12f, -0.12f, -0.12f, -0.68f, 0.76f, -0.45f,
    -0.17f, -0.17f, -0.17f, -0.41f, 0.26f, 0.16f, 0.2f, 0.2f, 0.2f, -0.47f, -0.43f, -0.49f, 0.2f,
    0.2f, 0.2f, -0.47f, -0.43f, -0.49f, 0.2f, 0.2f, 0.2f, -0.47f, -0.43f, -0.49f, -0.12f, -0.12f,
    -0.12f, -0.68f, 0.76f, -0.45f, -0.12f, -0.12f, -0.12f, -0.68f, 0.76f, -0.45f, -0.17f, -0.17f,
    -0.17f, -0.41f, 0.26f, 0.16f, 0.2f, 0.2f, 0.2f, -0.47f, -0.43f, -0.49f, 0.2f, 0.2f, 0.2f,
    -0.47f, -0.43f, -0.49f, 0.2f, 0.2f, 0.2f, -0.47f, -0.43f, -0.49f, -0.12f, -0.12f, -0.12f,
    -0.68f, 0.76f, -0.45f, -0.12f, -0.12f, -0.12f, -0.68f, 0.76f, -0.45f, -0.17f, -0.17f, -0.17f,
    -0.41f, 0.26f, 0.16f, 0.2f, 0.2f, 0.2f, -0.47f, -0.43f, -0.49f, 0.2f, 0.2f, 0.2f, -0.47f,
    -0.43f, -0.49f, 0.2f, 0.2f, 0.2f, -0.47f, -0.43f, -0.49f, -0.12f, -0.12f, -0.12f, -0.68f,
    0.76f, -0.45f, -0.12f, -0.12f, -0.12f, -0.68f, 0.76f, -0.45f, -0.17f, -0.17f, -0.17f, -0.41f,
    0.26f, 0.16f, 0.2f, 0.2f, 0.2f, -0.47f, -0.43f, -0.49f, 0.2f, 0.2f, 0.2f, -0.47f, -0.43f,
    -0.49f, 0.2f, 0.2f, 0.2f, -0.47f, -0.43f, -0.49f, -0.34f, -0.34f, -0.34f, -0.71f, -0.67f,
    0.93f, -0.34f, -0.34f, -0.34f, -0.71f, -0.67f, 0.93f, 0.92f, 0.92f, 0.92f, -0.62f, -0.95f,
    -0.59f, 0.4f, 0.4f, 0.4f, 0.56f, -0.95f, 0.16f, 0.4f, 0.4f, 0.4f, 0.56f, -0.95f, 0.16f, 0.4f,
    0.4f, 0.4f, 0.56f, -0.95f, 0.16f, -1.0f, -1.0f, -1.0f, 0.03f, 0.28f, 0.97f, -1.0f, -1.0f,
    -1.0f, 0.03f, 0.28f, 0.97f, -0.48f, -0.48f, -0.48f, 0.6f, 0.74f, 0.85f, -1.0f, -1.0f, -1.0f,
    -0.06f, 0.96f, -0.2f, -1.0f, -1.0f, -1.0f, -0.06f, 0.96f, -0.2f, -1.0f, -1.0f, -1.0f, -0.06f,
    0.96f, -0.2f, -1.0f, -1.0f, -1.0f, 0.03f, 0.28f, 0.97f, -1.0f, -1.0f, -1.0f, 0.03f, 0.28f,
    0.97f, -0.48f, -0.48f, -0.48f, 0.6f, 0.74f, 0.85f, -1.0f, -1.0f, -1.0f, -0.06f, 0.96f, -0.2f,
    -1.0f, -1.0f, -1.0f, -0.06f, 0.96f, -0.2f, -1.0f, -1.0f, -1.0f, -0.06f, 0.96f, -0.2f, -1.0f,
    -1.0f, -1.0f, 0.03f, 0.28f, 0.97f, -1.0f, -1.0f, -1.0f, 0.03f, 0.28f, 0.97f, -0.48f, -0.48f,
    -0.48f, 0.6f, 0.74f, 0.85f, -1.0f, -1.0f, -1.0f, -0.06f, 0.96f, -0.2f, -1.0f, -1.0f, -1.0f,
    -0.06f, 0.96f, -0.2f, -1.0f, -1.0f, -1.0f, -0.06f, 0.96f, -0.2f, -1.0f, -1.0f, -1.0f, 0.03f,
    0.28f, 0.97f, -1.0f, -1.0f, -1.0f, 0.03f, 0.28f, 0.97f, -0.48f, -0.48f, -0.48f, 0.6f, 0.74f,
    0.85f, -1.0f, -1.0f, -1.0f, -0.06f, 0.96f, -0.2f, -1.0f, -1.0f, -1.0f, -0.06f, 0.96f, -0.2f,
    -1.0f, -1.0f, -1.0f, -0.06f, 0.96f, -0.2f,
};
/* p4: paddle 3.3.1, legacy op pad3d (static Executor, CPU) with
   paddings=[1, 5, 2, 0, 0, 1], mode=circular, value=0.0, data_format=NCDHW;
   X [1, 2, 2, 3, 4] float32 -> Out [1, 2, 3, 5, 10] */
static const float p4_y[300] = {
    0.04f, -0.02f, 0.22f, 0.53f, 0.04f, -0.02f, 0.22f, 0.53f, 0.04f, -0.02f, 0.48f, -0.41f,
    -0.62f, -0.84f, 0.48f, -0.41f, -0.62f, -0.84f, 0.48f, -0.41f, 0.84f, -0.56f, 0.74f, -0.59f,
    0.84f, -0.56f, 0.74f, -0.59f, 0.84f, -0.56f, 0.04f, -0.02f, 0.22f, 0.53f, 0.04f, -0.02f,
    0.22f, 0.53f, 0.04f, -0.02f, 0.48f, -0.41f, -0.62f, -0.84f, 0.48f, -0.41f, -0.62f, -0.84f,
    0.48f, -0.41f, 0.16f, -0.17f, -0.41f, 0.26f, 0.16f, -0.17f, -0.41f, 0.26f, 0.16f, -0.17f,
    -0.49f, 0.2f, -0.47f, -0.43f, -0.49f, 0.2f, -0.47f, -0.43f, -0.49f, 0.2f, -0.45f, -0.12f,
    -0.68f, 0.76f, -0.45f, -0.12f, -0.68f, 0.76f, -0.45f, -0.12f, 0.16f, -0.17f, -0.41f, 0.26f,
    0.16f, -0.17f, -0.41f, 0.26f, 0.16f, -0.17f, -0.49f, 0.2f, -0.47f, -0.43f, -0.49f, 0.2f,
    -0.47f, -0.43f, -0.49f, 0.2f, 0.04f, -0.02f, 0.22f, 0.53f, 0.04f, -0.02f, 0.22f, 0.53f, 0.04f,
    -0.02f, 0.48f, -0.41f, -0.62f, -0.84f, 0.48f, -0.41f, -0.62f, -0.84f, 0.48f, -0.41f, 0.84f,
    -0.56f, 0.74f, -0.59f, 0.84f, -0.56f, 0.74f, -0.59f, 0.84f, -0.56f, 0.04f, -0.02f, 0.22f,
    0.53f, 0.04f, -0.02f, 0.22f, 0.53f, 0.04f, -0.02f, 0.48f, -0.41f, -0.62f, -0.84f, 0.48f,
    -0.41f, -0.62f, -0.84f, 0.48f, -0.41f, -0.59f, 0.92f, -0.62f, -0.95f, -0.59f, 0.92f, -0.62f,
    -0.95f, -0.59f, 0.92f, 0.16f, 0.4f, 0.56f, -0.95f, 0.16f, 0.4f, 0.56f, -0.95f, 0.16f, 0.4f,
    0.93f, -0.34f, -0.71f, -0.67f, 0.93f, -0.34f, -0.71f, -0.67f, 0.93f, -0.34f, -0.59f, 0.92f,
    -0.62f, -0.95f, -0.59f, 0.92f, -0.62f, -0.95f, -0.59f, 0.92f, 0.16f, 0.4f, 0.56f, -0.95f,
    0.16f, 0.4f, 0.56f, -0.95f, 0.16f, 0.4f, 0.85f, -0.48f, 0.6f, 0.74f, 0.85f, -0.48f, 0.6f,
    0.74f, 0.85f, -0.48f, -0.2f, -1.0f, -0.06f, 0.96f, -0.2f, -1.0f, -0.06f, 0.96f, -0.2f, -1.0f,
    0.97f, -1.0f, 0.03f, 0.28f, 0.97f, -1.0f, 0.03f, 0.28f, 0.97f, -1.0f, 0.85f, -0.48f, 0.6f,
    0.74f, 0.85f, -0.48f, 0.6f, 0.74f, 0.85f, -0.48f, -0.2f, -1.0f, -0.06f, 0.96f, -0.2f, -1.0f,
    -0.06f, 0.96f, -0.2f, -1.0f, -0.59f, 0.92f, -0.62f, -0.95f, -0.59f, 0.92f, -0.62f, -0.95f,
    -0.59f, 0.92f, 0.16f, 0.4f, 0.56f, -0.95f, 0.16f, 0.4f, 0.56f, -0.95f, 0.16f, 0.4f, 0.93f,
    -0.34f, -0.71f, -0.67f, 0.93f, -0.34f, -0.71f, -0.67f, 0.93f, -0.34f, -0.59f, 0.92f, -0.62f,
    -0.95f, -0.59f, 0.92f, -0.62f, -0.95f, -0.59f, 0.92f, 0.16f, 0.4f, 0.56f, -0.95f, 0.16f, 0.4f,
    0.56f, -0.95f, 0.16f, 0.4f,
};
/* p5: paddle 3.3.1, legacy op pad3d (static Executor, CPU) with
   paddings=[0, 0, 0, 0, 0, 0], mode=constant, value=-2.0, data_format=NCDHW; inputs
   Paddings=[0, 1, 1, 0, 1, 1];
   X [1, 2, 2, 3, 4] float32 -> Out [1, 2, 4, 4, 5] */
static const float p5_y[160] = {
    -2.0f, -2.0f, -2.0f, -2.0f, -2.0f, -2.0f, -2.0f, -2.0f, -2.0f, -2.0f, -2.0f, -2.0f, -2.0f,
    -2.0f, -2.0f, -2.0f, -2.0f, -2.0f, -2.0f, -2.0f, -2.0f, -2.0f, -2.0f, -2.0f, -2.0f, -0.56f,
    0.74f, -0.59f, 0.84f, -2.0f, -0.02f, 0.22f, 0.53f, 0.04f, -2.0f, -0.41f, -0.62f, -0.84f,
    0.48f, -2.0f, -2.0f, -2.0f, -2.0f, -2.0f, -2.0f, -0.12f, -0.68f, 0.76f, -0.45f, -2.0f, -0.17f,
    -0.41f, 0.26f, 0.16f, -2.0f, 0.2f, -0.47f, -0.43f, -0.49f, -2.0f, -2.0f, -2.0f, -2.0f, -2.0f,
    -2.0f, -2.0f, -2.0f, -2.0f, -2.0f, -2.0f, -2.0f, -2.0f, -2.0f, -2.0f, -2.0f, -2.0f, -2.0f,
    -2.0f, -2.0f, -2.0f, -2.0f, -2.0f, -2.0f, -2.0f, -2.0f, -2.0f, -2.0f, -2.0f, -2.0f, -2.0f,
    -2.0f, -2.0f, -2.0f, -2.0f, -2.0f, -2.0f, -2.0f, -2.0f, -2.0f, -2.0f, -2.0f, -2.0f, -2.0f,
    -2.0f, -2.0f, -0.34f, -0.71f, -0.67f, 0.93f, -2.0f, 0.92f, -0.62f, -0.95f, -0.59f, -2.0f,
    0.4f, 0.56f, -0.95f, 0.16f, -2.0f, -2.0f, -2.0f, -2.0f, -2.0f, -2.0f, -1.0f, 0.03f, 0.28f,
    0.97f, -2.0f, -0.48f, 0.6f, 0.74f, 0.85f, -2.0f, -1.0f, -0.06f, 0.96f, -0.2f, -2.0f, -2.0f,
    -2.0f, -2.0f, -2.0f, -2.0f, -2.0f, -2.0f, -2.0f, -2.0f, -2.0f, -2.0f, -2.0f, -2.0f, -2.0f,
    -2.0f, -2.0f, -2.0f, -2.0f, -2.0f, -2.0f,
};
/* p6: paddle 3.3.1, legacy op pad3d (static Executor, CPU) with
   paddings=[1, 1, 0, 1, 0, 0], mode=constant, value=7.0, data_format=NCDHW;
   X [2, 1, 1, 2, 3] int64 -> Out [2, 1, 1, 3, 5] */
static const int64_t p6_x[12] = {
    79, -34, 64, -92, -78, 19, 6, -16, -33, 25, -12, 47,
};
static const int64_t p6_y[30] = {
    7, 79, -34, 64, 7, 7, -92, -78, 19, 7, 7, 7, 7, 7, 7, 7, 6, -16, -33, 7, 7, 25, -12, 47, 7, 7,
    7, 7, 7, 7,
};
/* q1: pad2d(paddings=[1, 0, 2, 1], mode=constant, pad_value=-1.0)
   on X [1, 2, 3, 4] -> Out [1, 2, 4, 7];
   pad2d is gone from paddle 3.3.1, so this is its pad3d (mode constant,
   paddings [2, 1, 1, 0, 0, 0]) on X viewed as [N, C, 1, H, W] */
static const float q1_x[24] = {
    -0.85f, 0.56f, -0.12f, 0.45f, 0.96f, 0.08f, 0.0f, -0.86f, -0.46f, -0.0f, 0.36f, 0.61f, -0.24f,
    -0.87f, -0.42f, 0.82f, -0.57f, -0.1f, 0.86f, -0.95f, 0.2f, 0.9f, -0.54f, 0.1f,
};
static const float q1_y[56] = {
    -1.0f, -1.0f, -1.0f, -1.0f, -1.0f, -1.0f, -1.0f, -1.0f, -1.0f, -0.85f, 0.56f, -0.12f, 0.45f,
    -1.0f, -1.0f, -1.0f, 0.96f, 0.08f, 0.0f, -0.86f, -1.0f, -1.0f, -1.0f, -0.46f, -0.0f, 0.36f,
    0.61f, -1.0f, -1.0f, -1.0f, -1.0f, -1.0f, -1.0f, -1.0f, -1.0f, -1.0f, -1.0f, -0.24f, -0.87f,
    -0.42f, 0.82f, -1.0f, -1.0f, -1.0f, -0.57f, -0.1f, 0.86f, -0.95f, -1.0f, -1.0f, -1.0f, 0.2f,
    0.9f, -0.54f, 0.1f, -1.0f,
};
/* q2: pad2d(paddings=[1, 1, 2, 3], mode=reflect, pad_value=0.0)
   on X [1, 2, 3, 4] -> Out [1, 2, 5, 9];
   pad2d is gone from paddle 3.3.1, so this is its pad3d (mode reflect,
   paddings [2, 3, 1, 1, 0, 0]) on X viewed as [N, C, 1, H, W] */
static const float q2_y[90] = {
    0.0f, 0.08f, 0.96f, 0.08f, 0.0f, -0.86f, 0.0f, 0.08f, 0.96f, -0.12f, 0.56f, -0.85f, 0.56f,
    -0.12f, 0.45f, -0.12f, 0.56f, -0.85f, 0.0f, 0.08f, 0.96f, 0.08f, 0.0f, -0.86f, 0.0f, 0.08f,
    0.96f, 0.36f, -0.0f, -0.46f, -0.0f, 0.36f, 0.61f, 0.36f, -0.0f, -0.46f, 0.0f, 0.08f, 0.96f,
    0.08f, 0.0f, -0.86f, 0.0f, 0.08f, 0.96f, 0.86f, -0.1f, -0.57f, -0.1f, 0.86f, -0.95f, 0.86f,
    -0.1f, -0.57f, -0.42f, -0.87f, -0.24f, -0.87f, -0.42f, 0.82f, -0.42f, -0.87f, -0.24f, 0.86f,
    -0.1f, -0.57f, -0.1f, 0.86f, -0.95f, 0.86f, -0.1f, -0.57f, -0.54f, 0.9f, 0.2f, 0.9f, -0.54f,
    0.1f, -0.54f, 0.9f, 0.2f, 0.86f, -0.1f, -0.57f, -0.1f, 0.86f, -0.95f, 0.86f, -0.1f, -0.57f,
};
/* q3: pad2d(paddings=[2, 0, 0, 3], mode=edge, pad_value=0.0)
   on X [1, 2, 3, 4] -> Out [1, 2, 5, 7];
   pad2d is gone from paddle 3.3.1, so this is its pad3d (mode replicate,
   paddings [0, 3, 2, 0, 0, 0]) on X viewed as [N, C, 1, H, W] */
static const float q3_y[70] = {
    -0.85f, 0.56f, -0.12f, 0.45f, 0.45f, 0.45f, 0.45f, -0.85f, 0.56f, -0.12f, 0.45f, 0.45f, 0.45f,
    0.45f, -0.85f, 0.56f, -0.12f, 0.45f, 0.45f, 0.45f, 0.45f, 0.96f, 0.08f, 0.0f, -0.86f, -0.86f,
    -0.86f, -0.86f, -0.46f, -0.0f, 0.36f, 0.61f, 0.61f, 0.61f, 0.61f, -0.24f, -0.87f, -0.42f,
    0.82f, 0.82f, 0.82f, 0.82f, -0.24f, -0.87f, -0.42f, 0.82f, 0.82f, 0.82f, 0.82f, -0.24f,
    -0.87f, -0.42f, 0.82f, 0.82f, 0.82f, 0.82f, -0.57f, -0.1f, 0.86f, -0.95f, -0.95f, -0.95f,
    -0.95f, 0.2f, 0.9f, -0.54f, 0.1f, 0.1f, 0.1f, 0.1f,
};

/* ---- helpers ------------------------------------------------------------ */

/* Scales are written as float literals: Paddle stores the attribute as
 * float32, and 1/scale in double of that float is what sets the ratio. */
typedef struct interp_case {
    const char *op;
    const float *x, *want;
    int64_t xd[4], yd[4];
    int64_t out_h, out_w;
    double scale[2];
    int n_scale;          /* 0, 2; -1: the v1 scalar attribute scale[0] */
    int align_corners, align_mode;
    const int32_t *out_size;                 /* OutSize [2], or NULL */
    const pdsi_tensor *const *size_list;     /* SizeTensor, n_size entries */
    int n_size;
    const float *scale_t;                    /* Scale tensor, n_scale_t entries */
    int n_scale_t;
} interp_case;

static int fill_attrs(const interp_case *c, pdsi_attr *at)
{
    int na = 0;
    at[na++] = pdst_attr_int("out_d", -1);
    at[na++] = pdst_attr_int("out_h", c->out_h ? c->out_h : -1);
    at[na++] = pdst_attr_int("out_w", c->out_w ? c->out_w : -1);
    if (c->n_scale < 0)
        at[na++] = pdst_attr_float("scale", c->scale[0]);
    else
        at[na++] = pdst_attr_floats("scale", c->scale, c->n_scale);
    at[na++] = pdst_attr_str("interp_method", strstr(c->op, "nearest") ? "nearest" : "bilinear");
    at[na++] = pdst_attr_bool("align_corners", c->align_corners);
    at[na++] = pdst_attr_int("align_mode", c->align_mode);
    at[na++] = pdst_attr_str("data_layout", "NCHW");
    return na;
}

/* Runs the case (x of the given dtype; NULL data: zeros) with attribute
 * overrides; *y receives Out. */
static pds_status run_interp(const interp_case *c, pds_dtype dtype, const void *xdata,
                             const pdsi_attr *extra, int n_extra, pdsi_tensor **y, pds_error *err)
{
    pdsi_attr at[24];
    int na = fill_attrs(c, at);
    na = pdst_attrs_set(at, na, (int)(sizeof at / sizeof at[0]), extra, n_extra);
    int xr = c->xd[3] ? 4 : 3;
    pdsi_tensor *x = pdst_tensor(dtype, xr, c->xd, xdata), *os = NULL, *st = NULL;
    int64_t two = 2, ns = c->n_scale_t;
    if (c->out_size)
        os = pdst_tensor(PDS_INT32, 1, &two, c->out_size);
    if (c->scale_t)
        st = pdst_tensor(PDS_FLOAT32, 1, &ns, c->scale_t);
    pdsi_slot in[4] = {{&x, 1},
                       {&os, os ? 1 : 0},
                       {(pdsi_tensor **)c->size_list, c->n_size},
                       {&st, st ? 1 : 0}};
    *y = pdst_tensor(PDS_FLOAT32, 0, NULL, NULL);
    pdsi_slot out[1] = {{y, 1}};
    pds_status s = pdst_run_op(c->op, at, na, in, out, err);
    pdst_tensor_free(x);
    pdst_tensor_free(os);
    pdst_tensor_free(st);
    return s;
}

/* Status OK, shape, and every element equal to Paddle's, bit for bit. */
static void check_case(const interp_case *c)
{
    pdsi_tensor *y;
    pds_error err = {0}, *ep = &err;
    CHECK_OK(run_interp(c, PDS_FLOAT32, c->x, NULL, 0, &y, &err), ep);
    CHECK_EQ_INT(y->rank, 4);
    for (int i = 0; i < 4; i++)
        CHECK_EQ_INT(y->dims[i], c->yd[i]);
    if (y->rank == 4 && !memcmp(y->dims, c->yd, sizeof c->yd)) {
        long n = (long)pdsi_tensor_numel(y), bad = 0;
        const float *got = y->data;
        for (long i = 0; i < n; i++)
            if (memcmp(&got[i], &c->want[i], sizeof(float)) != 0 && bad++ < 3)
                fprintf(stderr, "  %s[%ld]: got %.9g, Paddle %.9g\n", c->op, i, got[i],
                        c->want[i]);
        if (bad)
            PDST_FAIL("%s: %ld of %ld elements differ from Paddle's bits", c->op, bad, n);
    }
    pdst_tensor_free(y);
}

static void check_fails(const interp_case *c, pds_dtype dtype, const pdsi_attr *extra,
                        int n_extra, pds_status want, const char *msg)
{
    pdsi_tensor *y;
    pds_error err = {0}, *ep = &err;
    CHECK_STATUS(run_interp(c, dtype, NULL, extra, n_extra, &y, &err), want, ep);
    if (msg)
        CHECK_MSG(err, msg);
    pdst_tensor_free(y);
}

#define X1 .x = n1_x, .xd = {1, 2, 3, 4}
#define X4 .x = n4_x, .xd = {1, 1, 5, 5}
#define X5 .x = n5_x, .xd = {1, 2, 5, 7}

/* ---- nearest ------------------------------------------------------------ */

static void test_nearest_scale_and_size(void)
{
    interp_case c = {.op = "nearest_interp_v2", X1, .want = n1_y, .yd = {1, 2, 6, 8},
                     .scale = {2, 2}, .n_scale = 2};
    check_case(&c);
    /* out 5x7 from 3x4: src = trunc(dst * in/out). */
    interp_case d = {.op = "nearest_interp_v2", X1, .want = n2_y, .yd = {1, 2, 5, 7},
                     .out_h = 5, .out_w = 7};
    check_case(&d);
    /* align_corners: src = round(dst * (in-1)/(out-1)). */
    d.align_corners = 1;
    d.want = n3_y;
    check_case(&d);
    /* 8 -> 7 rows with align_corners hits an exact .5 (7/6 * 3). */
    interp_case e = {.op = "nearest_interp_v2", .x = n6_x, .xd = {1, 1, 8, 8}, .want = n6_y,
                     .yd = {1, 1, 7, 3}, .out_h = 7, .out_w = 3, .align_corners = 1};
    check_case(&e);
    /* Downsampling. */
    interp_case f = {.op = "nearest_interp_v2", X5, .want = n5_y, .yd = {1, 2, 2, 3},
                     .out_h = 2, .out_w = 3};
    check_case(&f);
}

/* scale 1.3 on 5: out = trunc(6.5) = 6 and the ratio is 1/1.3, not 5/6, so the
 * last row samples row 3 (5/6 would give row 4). */
static void test_nearest_scale_ratio(void)
{
    interp_case c = {.op = "nearest_interp_v2", X4, .want = n4_y, .yd = {1, 1, 6, 6},
                     .scale = {1.3f, 1.3f}, .n_scale = 2};
    check_case(&c);
    /* The v1 name takes one float scale and runs the same kernel. */
    interp_case v = {.op = "nearest_interp", X4, .want = v1_y, .yd = {1, 1, 6, 6},
                     .scale = {1.3f}, .n_scale = -1};
    check_case(&v);
}

/* Nearest moves elements of any dtype. */
static void test_nearest_int_dtype(void)
{
    int32_t xi[24];
    for (int i = 0; i < 24; i++)
        xi[i] = (int32_t)lrintf(n1_x[i] * 100);
    interp_case c = {.op = "nearest_interp_v2", X1, .yd = {1, 2, 5, 7}, .out_h = 5, .out_w = 7};
    pdsi_tensor *y;
    pds_error err = {0}, *ep = &err;
    CHECK_OK(run_interp(&c, PDS_INT32, xi, NULL, 0, &y, &err), ep);
    CHECK_EQ_INT(y->dtype, PDS_INT32);
    CHECK_EQ_INT(pdsi_tensor_numel(y), 70);
    for (int i = 0; i < 70 && pdsi_tensor_numel(y) == 70; i++)
        CHECK_EQ_INT(((int32_t *)y->data)[i], lrintf(n2_y[i] * 100));
    pdst_tensor_free(y);
}

/* ---- bilinear ----------------------------------------------------------- */

static void test_bilinear_align_modes(void)
{
    interp_case c = {.op = "bilinear_interp_v2", X1, .want = b1_y, .yd = {1, 2, 5, 7},
                     .out_h = 5, .out_w = 7, .align_corners = 1};
    check_case(&c);
    c.align_corners = 0;
    c.align_mode = 0; /* half-pixel */
    c.want = b2_y;
    check_case(&c);
    c.align_mode = 1; /* src = dst * ratio */
    c.want = b3_y;
    check_case(&c);
    /* The v1 name, out 7x7, half-pixel. */
    interp_case v = {.op = "bilinear_interp", X1, .want = v2_y, .yd = {1, 2, 7, 7},
                     .out_h = 7, .out_w = 7, .scale = {0}, .n_scale = -1};
    check_case(&v);
}

static void test_bilinear_scale_and_downsample(void)
{
    /* Different scales per axis, one up, one down: out trunc(5*1.7) x trunc(7*0.6). */
    interp_case c = {.op = "bilinear_interp_v2", X5, .want = b4_y, .yd = {1, 2, 8, 4},
                     .scale = {1.7f, 0.6f}, .n_scale = 2};
    check_case(&c);
    interp_case d = {.op = "bilinear_interp_v2", X5, .want = b5_y, .yd = {1, 2, 2, 3},
                     .out_h = 2, .out_w = 3};
    check_case(&d);
    /* A single output pixel: ratio 0. */
    d.out_h = d.out_w = 1;
    d.yd[2] = d.yd[3] = 1;
    d.want = b6_y;
    check_case(&d);
    interp_case e = {.op = "bilinear_interp_v2", X5, .want = b7_y, .yd = {1, 2, 3, 2},
                     .out_h = 3, .out_w = 2, .align_mode = 1};
    check_case(&e);
}

/* Same size: Paddle copies X whatever the mode. */
static void test_interp_same_size_copies(void)
{
    interp_case c = {.op = "bilinear_interp_v2", X1, .want = n1_x, .yd = {1, 2, 3, 4},
                     .out_h = 3, .out_w = 4, .align_corners = 1};
    check_case(&c);
    c.op = "nearest_interp_v2";
    check_case(&c);
}

/* ---- size sources and their priority --------------------------------------- */

static void test_interp_size_sources(void)
{
    /* OutSize beats out_h/out_w. */
    static const int32_t os46[2] = {4, 6};
    interp_case c = {.op = "nearest_interp_v2", X1, .want = t1_y, .yd = {1, 2, 4, 6},
                     .out_h = 9, .out_w = 9, .out_size = os46};
    check_case(&c);

    /* SizeTensor (int32 and int64 entries) beats OutSize and the scale attribute. */
    int64_t one = 1;
    int32_t h5 = 5;
    int64_t w3 = 3;
    pdsi_tensor *sz[2] = {pdst_tensor(PDS_INT32, 1, &one, &h5),
                          pdst_tensor(PDS_INT64, 1, &one, &w3)};
    interp_case d = {.op = "bilinear_interp_v2", X1, .want = t2_y, .yd = {1, 2, 5, 3},
                     .scale = {3, 3}, .n_scale = 2, .out_size = os46,
                     .size_list = (const pdsi_tensor *const *)sz, .n_size = 2};
    check_case(&d);
    /* A rank-0 size tensor is accepted too. */
    pdsi_tensor *h0 = pdst_tensor(PDS_INT32, 0, NULL, &h5);
    pdsi_tensor *sz0[2] = {h0, sz[1]};
    d.size_list = (const pdsi_tensor *const *)sz0;
    check_case(&d);
    pdst_tensor_free(h0);
    pdst_tensor_free(sz[0]);
    pdst_tensor_free(sz[1]);

    /* The Scale tensor beats the scale attribute; one entry scales both axes. */
    static const float s2[1] = {2.0f}, s15_25[2] = {1.5f, 2.5f};
    interp_case e = {.op = "bilinear_interp_v2", X1, .want = t3_y, .yd = {1, 2, 6, 8},
                     .scale = {3, 3}, .n_scale = 2, .align_mode = 1, .scale_t = s2,
                     .n_scale_t = 1};
    check_case(&e);
    interp_case f = {.op = "bilinear_interp_v2", X1, .want = t5_y, .yd = {1, 2, 4, 10},
                     .scale_t = s15_25, .n_scale_t = 2};
    check_case(&f);

    /* OutSize sets the size but a scale still sets the ratio (1/2 here, not
     * 5/8): Paddle's rule. */
    static const int32_t os88[2] = {8, 8};
    interp_case g = {.op = "nearest_interp_v2", X4, .want = t4n_y, .yd = {1, 1, 8, 8},
                     .scale = {2, 2}, .n_scale = 2, .out_size = os88};
    check_case(&g);
    g.op = "bilinear_interp_v2";
    g.want = t4b_y;
    check_case(&g);
}

/* A scale that disagrees with OutSize can point past the input; Paddle reads
 * out of bounds there, pdsafe clamps to the last row/column. */
static void test_interp_scale_outsize_mismatch_stays_in_bounds(void)
{
    static const int32_t big[2] = {12, 12};
    interp_case c = {.op = "nearest_interp_v2", X4, .yd = {1, 1, 12, 12}, .scale = {1.1, 1.1},
                     .n_scale = 2, .out_size = big};
    pdsi_tensor *y;
    pds_error err = {0}, *ep = &err;
    CHECK_OK(run_interp(&c, PDS_FLOAT32, n4_x, NULL, 0, &y, &err), ep);
    const float *v = y->data;
    if (pdsi_tensor_numel(y) == 144) {
        CHECK(v[143] == n4_x[24]); /* last row/column clamp to X's last element */
        CHECK(v[0] == n4_x[0]);
    }
    pdst_tensor_free(y);
    c.op = "bilinear_interp_v2";
    CHECK_OK(run_interp(&c, PDS_FLOAT32, n4_x, NULL, 0, &y, &err), ep);
    if (pdsi_tensor_numel(y) == 144)
        CHECK(fabsf(((float *)y->data)[143] - n4_x[24]) < 1e-6f);
    pdst_tensor_free(y);
}

/* ---- a larger random bilinear case against a naive loop --------------------- */

static void test_bilinear_random_against_naive(void)
{
    const int64_t N = 2, C = 3, H = 13, W = 17, OH = 29, OW = 11;
    float *x = malloc(sizeof(float) * N * C * H * W);
    float *want = malloc(sizeof(float) * N * C * OH * OW);
    uint32_t seed = 5;
    for (int64_t i = 0; i < N * C * H * W; i++) {
        seed = seed * 1664525u + 1013904223u;
        x[i] = (float)((seed >> 8) & 0xffff) / 32768.0f - 1.0f;
    }
    /* Half-pixel bilinear written from the formula, in double. */
    for (int64_t p = 0; p < N * C; p++)
        for (int64_t i = 0; i < OH; i++)
            for (int64_t j = 0; j < OW; j++) {
                double sy = ((double)i + 0.5) * H / OH - 0.5, sx = ((double)j + 0.5) * W / OW - 0.5;
                sy = sy < 0 ? 0 : sy;
                sx = sx < 0 ? 0 : sx;
                int64_t y0 = (int64_t)sy, x0 = (int64_t)sx;
                int64_t y1 = y0 + 1 < H ? y0 + 1 : H - 1, x1 = x0 + 1 < W ? x0 + 1 : W - 1;
                double dy = sy - (double)y0, dx = sx - (double)x0;
                const float *xp = x + p * H * W;
                want[(p * OH + i) * OW + j] =
                    (float)(xp[y0 * W + x0] * (1 - dy) * (1 - dx) +
                            xp[y1 * W + x0] * dy * (1 - dx) + xp[y0 * W + x1] * (1 - dy) * dx +
                            xp[y1 * W + x1] * dy * dx);
            }
    interp_case c = {.op = "bilinear_interp_v2", .x = x, .xd = {N, C, H, W},
                     .yd = {N, C, OH, OW}, .out_h = OH, .out_w = OW};
    pdsi_tensor *y;
    pds_error err = {0}, *ep = &err;
    CHECK_OK(run_interp(&c, PDS_FLOAT32, x, NULL, 0, &y, &err), ep);
    if (pdsi_tensor_numel(y) == N * C * OH * OW)
        pdst_check_close("bilinear", y->data, want, (long)(N * C * OH * OW), PDST_ATOL, PDST_RTOL);
    pdst_tensor_free(y);
    free(x);
    free(want);
}

/* ---- interp errors ------------------------------------------------------- */

static void test_interp_errors(void)
{
    interp_case c = {.op = "nearest_interp_v2", .xd = {1, 2, 3, 4}, .out_h = 5, .out_w = 5};
    pdsi_attr a;

    interp_case r3 = c;
    r3.xd[3] = 0; /* rank 3 */
    check_fails(&r3, PDS_FLOAT32, NULL, 0, PDS_ERR_SHAPE, "rank 3");
    a = pdst_attr_str("data_layout", "NHWC");
    check_fails(&c, PDS_FLOAT32, &a, 1, PDS_ERR_UNSUPPORTED_OP,
                "attribute 'data_layout' is \"NHWC\"");
    a = pdst_attr_str("data_layout", "AnyLayout");
    check_fails(&c, PDS_FLOAT32, &a, 1, PDS_ERR_UNSUPPORTED_OP, "attribute 'data_layout'");
    a = pdst_attr_str("data_layout", "NCWH");
    check_fails(&c, PDS_FLOAT32, &a, 1, PDS_ERR_MODEL_FORMAT, "attribute 'data_layout'");
    a = pdst_attr_str("interp_method", "bicubic");
    check_fails(&c, PDS_FLOAT32, &a, 1, PDS_ERR_UNSUPPORTED_OP, "attribute 'interp_method'");
    a = pdst_attr_int("align_mode", 2);
    check_fails(&c, PDS_FLOAT32, &a, 1, PDS_ERR_MODEL_FORMAT, "attribute 'align_mode' is 2");
    double one[1] = {2.0}, neg[2] = {2.0, -1.0};
    a = pdst_attr_floats("scale", one, 1);
    check_fails(&c, PDS_FLOAT32, &a, 1, PDS_ERR_MODEL_FORMAT, "attribute 'scale' has 1 entries");
    a = pdst_attr_floats("scale", neg, 2);
    check_fails(&c, PDS_FLOAT32, &a, 1, PDS_ERR_MODEL_FORMAT, "attribute 'scale'");

    /* No size at all (out_h/out_w -1, no scale, no tensors). */
    interp_case none = {.op = "bilinear_interp_v2", .xd = {1, 2, 3, 4}};
    check_fails(&none, PDS_FLOAT32, NULL, 0, PDS_ERR_SHAPE, "output size -1 x -1");
    /* A scale that rounds the output to zero. */
    double tiny[2] = {0.1, 0.1};
    a = pdst_attr_floats("scale", tiny, 2);
    check_fails(&none, PDS_FLOAT32, &a, 1, PDS_ERR_SHAPE, "output size 0 x 0");
    /* Bilinear is float32 only. */
    interp_case b = {.op = "bilinear_interp_v2", .xd = {1, 2, 3, 4}, .out_h = 5, .out_w = 5};
    check_fails(&b, PDS_INT64, NULL, 0, PDS_ERR_DTYPE, "input 'X' is int64");

    /* Bad shape tensors. */
    static const int32_t zero_size[2] = {0, 4};
    interp_case d = c;
    d.out_size = zero_size;
    check_fails(&d, PDS_FLOAT32, NULL, 0, PDS_ERR_SHAPE, "from input 'OutSize'");
    static const float bad_scale[1] = {-2.0f};
    interp_case e = c;
    e.scale_t = bad_scale;
    e.n_scale_t = 1;
    check_fails(&e, PDS_FLOAT32, NULL, 0, PDS_ERR_SHAPE, "input 'Scale'");
    int64_t onedim = 1;
    int32_t v5 = 5;
    pdsi_tensor *lone[1] = {pdst_tensor(PDS_INT32, 1, &onedim, &v5)};
    interp_case f = c;
    f.size_list = (const pdsi_tensor *const *)lone;
    f.n_size = 1;
    check_fails(&f, PDS_FLOAT32, NULL, 0, PDS_ERR_SHAPE, "input 'SizeTensor' holds 1 tensors");
    pdsi_tensor *fl[2] = {pdst_tensor(PDS_FLOAT32, 1, &onedim, NULL), lone[0]};
    f.size_list = (const pdsi_tensor *const *)fl;
    f.n_size = 2;
    check_fails(&f, PDS_FLOAT32, NULL, 0, PDS_ERR_DTYPE, "input 'SizeTensor' tensor 0 is float32");
    int64_t twodim = 2;
    pdsi_tensor *wide[2] = {pdst_tensor(PDS_INT32, 1, &twodim, NULL), lone[0]};
    f.size_list = (const pdsi_tensor *const *)wide;
    check_fails(&f, PDS_FLOAT32, NULL, 0, PDS_ERR_SHAPE, "expected [1] or []");
    pdst_tensor_free(lone[0]);
    pdst_tensor_free(fl[0]);
    pdst_tensor_free(wide[0]);
}

/* OutSize with the wrong dtype or length. */
static void test_interp_outsize_errors(void)
{
    pdsi_attr at[8];
    interp_case c = {.op = "nearest_interp_v2", .xd = {1, 2, 3, 4}};
    int na = fill_attrs(&c, at);
    int64_t three = 3, two = 2;
    pdsi_tensor *x = pdst_tensor(PDS_FLOAT32, 4, c.xd, NULL);
    pdsi_tensor *os3 = pdst_tensor(PDS_INT32, 1, &three, NULL);
    pdsi_tensor *osf = pdst_tensor(PDS_FLOAT32, 1, &two, NULL);
    pdsi_tensor *y = pdst_tensor(PDS_FLOAT32, 0, NULL, NULL);
    pds_error err = {0}, *ep = &err;
    pdsi_slot in[4] = {{&x, 1}, {&os3, 1}, {NULL, 0}, {NULL, 0}};
    pdsi_slot out[1] = {{&y, 1}};
    CHECK_STATUS(pdst_run_op("nearest_interp_v2", at, na, in, out, &err), PDS_ERR_SHAPE, ep);
    CHECK_MSG(err, "input 'OutSize' has shape [3], expected [2]");
    in[1].t = &osf;
    CHECK_STATUS(pdst_run_op("nearest_interp_v2", at, na, in, out, &err), PDS_ERR_DTYPE, ep);
    CHECK_MSG(err, "input 'OutSize' is float32");
    pdst_tensor_free(x);
    pdst_tensor_free(os3);
    pdst_tensor_free(osf);
    pdst_tensor_free(y);
}

/* ---- pad3d / pad2d -------------------------------------------------------- */

typedef struct pad_case {
    const char *op;
    pds_dtype dtype;
    const void *x, *want;
    int64_t xd[5], yd[5];
    int rank;
    int64_t paddings[6];
    const char *mode;
    double value;
    const int32_t *pad_t; /* Paddings input, or NULL */
} pad_case;

static pds_status run_pad(const pad_case *c, const pdsi_attr *extra, int n_extra,
                          pdsi_tensor **y, pds_error *err)
{
    const bool is3d = strcmp(c->op, "pad3d") == 0;
    const int npads = is3d ? 6 : 4;
    pdsi_attr at[12];
    int na = 0;
    at[na++] = pdst_attr_ints("paddings", c->paddings, npads);
    at[na++] = pdst_attr_str("mode", c->mode);
    at[na++] = pdst_attr_float(is3d ? "value" : "pad_value", c->value);
    at[na++] = pdst_attr_str("data_format", is3d ? "NCDHW" : "NCHW");
    na = pdst_attrs_set(at, na, (int)(sizeof at / sizeof at[0]), extra, n_extra);
    int64_t np = npads;
    pdsi_tensor *x = pdst_tensor(c->dtype, c->rank, c->xd, c->x);
    pdsi_tensor *pt = c->pad_t ? pdst_tensor(PDS_INT32, 1, &np, c->pad_t) : NULL;
    pdsi_slot in[2] = {{&x, 1}, {&pt, pt ? 1 : 0}};
    *y = pdst_tensor(PDS_FLOAT32, 0, NULL, NULL);
    pdsi_slot out[1] = {{y, 1}};
    pds_status s = pdst_run_op(c->op, at, na, in, out, err);
    pdst_tensor_free(x);
    pdst_tensor_free(pt);
    return s;
}

static void check_pad(const pad_case *c)
{
    pdsi_tensor *y;
    pds_error err = {0}, *ep = &err;
    CHECK_OK(run_pad(c, NULL, 0, &y, &err), ep);
    CHECK_EQ_INT(y->rank, c->rank);
    CHECK_EQ_INT(y->dtype, c->dtype);
    for (int i = 0; i < c->rank; i++)
        CHECK_EQ_INT(y->dims[i], c->yd[i]);
    if (y->rank == c->rank && !memcmp(y->dims, c->yd, sizeof(int64_t) * (size_t)c->rank) &&
        y->dtype == c->dtype && memcmp(y->data, c->want, pdsi_tensor_bytes(y)) != 0)
        PDST_FAIL("%s mode %s: output differs from Paddle's", c->op, c->mode);
    pdst_tensor_free(y);
}

static void check_pad_fails(const pad_case *c, const pdsi_attr *extra, int n_extra,
                            pds_status want, const char *msg)
{
    pdsi_tensor *y;
    pds_error err = {0}, *ep = &err;
    CHECK_STATUS(run_pad(c, extra, n_extra, &y, &err), want, ep);
    if (msg)
        CHECK_MSG(err, msg);
    pdst_tensor_free(y);
}

#define P5 .op = "pad3d", .dtype = PDS_FLOAT32, .x = p1_x, .xd = {1, 2, 2, 3, 4}, .rank = 5

static void test_pad3d_modes(void)
{
    pad_case c = {P5, .want = p1_y, .yd = {1, 2, 3, 4, 7}, .paddings = {1, 2, 0, 1, 1, 0},
                  .mode = "constant", .value = 0.5};
    check_pad(&c);
    c.mode = "reflect";
    c.want = p2_y;
    check_pad(&c);
    pad_case r = {P5, .want = p3_y, .yd = {1, 2, 5, 6, 6}, .paddings = {2, 0, 1, 2, 0, 3},
                  .mode = "replicate"};
    check_pad(&r);
    /* Circular padding wider than the axis wraps more than once. */
    pad_case w = {P5, .want = p4_y, .yd = {1, 2, 3, 5, 10}, .paddings = {1, 5, 2, 0, 0, 1},
                  .mode = "circular"};
    check_pad(&w);
}

static void test_pad3d_paddings_tensor_and_int64(void)
{
    static const int32_t pt[6] = {0, 1, 1, 0, 1, 1};
    pad_case c = {P5, .want = p5_y, .yd = {1, 2, 4, 4, 5}, .mode = "constant", .value = -2.0,
                  .pad_t = pt};
    check_pad(&c);
    /* Exports that pass Paddings may leave the attribute empty. */
    pdsi_attr empty = pdst_attr_ints("paddings", NULL, 0);
    pdsi_tensor *y;
    pds_error err = {0}, *ep = &err;
    CHECK_OK(run_pad(&c, &empty, 1, &y, &err), ep);
    if (pdsi_tensor_numel(y) == 160)
        CHECK(memcmp(y->data, p5_y, sizeof p5_y) == 0);
    pdst_tensor_free(y);

    pad_case i = {.op = "pad3d", .dtype = PDS_INT64, .x = p6_x, .xd = {2, 1, 1, 2, 3},
                  .rank = 5, .want = p6_y, .yd = {2, 1, 1, 3, 5},
                  .paddings = {1, 1, 0, 1, 0, 0}, .mode = "constant", .value = 7.0};
    check_pad(&i);
}

static void test_pad2d_modes(void)
{
    pad_case c = {.op = "pad2d", .dtype = PDS_FLOAT32, .x = q1_x, .xd = {1, 2, 3, 4}, .rank = 4,
                  .want = q1_y, .yd = {1, 2, 4, 7}, .paddings = {1, 0, 2, 1},
                  .mode = "constant", .value = -1.0};
    check_pad(&c);
    pad_case r = {.op = "pad2d", .dtype = PDS_FLOAT32, .x = q1_x, .xd = {1, 2, 3, 4}, .rank = 4,
                  .want = q2_y, .yd = {1, 2, 5, 9}, .paddings = {1, 1, 2, 3}, .mode = "reflect"};
    check_pad(&r);
    pad_case e = {.op = "pad2d", .dtype = PDS_FLOAT32, .x = q1_x, .xd = {1, 2, 3, 4}, .rank = 4,
                  .want = q3_y, .yd = {1, 2, 5, 7}, .paddings = {2, 0, 0, 3}, .mode = "edge"};
    check_pad(&e);
    /* pad2d's Paddings tensor is [top, bottom, left, right] too. */
    static const int32_t pt[4] = {1, 1, 2, 3};
    r.paddings[0] = r.paddings[1] = r.paddings[2] = r.paddings[3] = 0;
    r.pad_t = pt;
    check_pad(&r);
}

static void test_pad_errors(void)
{
    pad_case c = {P5, .paddings = {1, 1, 1, 1, 1, 1}, .mode = "constant"};
    pad_case r4 = c;
    r4.rank = 4; /* pad3d needs NCDHW */
    check_pad_fails(&r4, NULL, 0, PDS_ERR_SHAPE, "expected rank 5");

    pad_case big = c;
    big.mode = "reflect";
    big.paddings[4] = 2; /* front 2 >= depth 2 */
    check_pad_fails(&big, NULL, 0, PDS_ERR_SHAPE, "reflect padding 2 (front)");

    pdsi_attr a = pdst_attr_str("mode", "wrap");
    check_pad_fails(&c, &a, 1, PDS_ERR_MODEL_FORMAT, "attribute 'mode' is \"wrap\"");
    a = pdst_attr_str("data_format", "NDHWC");
    check_pad_fails(&c, &a, 1, PDS_ERR_UNSUPPORTED_OP, "attribute 'data_format' is \"NDHWC\"");
    a = pdst_attr_str("data_format", "AnyLayout");
    check_pad_fails(&c, &a, 1, PDS_ERR_MODEL_FORMAT, "attribute 'data_format'");
    int64_t neg[6] = {0, 0, -1, 0, 0, 0}, five[5] = {0};
    a = pdst_attr_ints("paddings", neg, 6);
    check_pad_fails(&c, &a, 1, PDS_ERR_MODEL_FORMAT, "attribute 'paddings' entry 2 is -1");
    a = pdst_attr_ints("paddings", five, 5);
    check_pad_fails(&c, &a, 1, PDS_ERR_MODEL_FORMAT, "attribute 'paddings' has 5 entries");
    a = pdst_attr_ints("paddings", NULL, 0); /* and no Paddings tensor */
    check_pad_fails(&c, &a, 1, PDS_ERR_MODEL_FORMAT, "nor input 'Paddings'");

    static const int32_t negt[6] = {0, 0, 0, 0, 0, -3};
    pad_case t = c;
    t.pad_t = negt;
    check_pad_fails(&t, NULL, 0, PDS_ERR_SHAPE, "input 'Paddings' entry 5 is -3");

    pad_case b = c;
    b.dtype = PDS_BOOL;
    check_pad_fails(&b, NULL, 0, PDS_ERR_DTYPE, "input 'X' is bool");

    /* replicate/circular need a non-empty input; constant pads even an empty one. */
    pad_case e = c;
    e.xd[3] = 0;
    e.mode = "circular";
    check_pad_fails(&e, NULL, 0, PDS_ERR_SHAPE, "circular padding needs a non-empty input");
    e.mode = "constant";
    e.value = 3.0;
    {
        pdsi_tensor *y;
        pds_error err = {0}, *ep = &err;
        CHECK_OK(run_pad(&e, NULL, 0, &y, &err), ep);
        CHECK_EQ_INT(y->dims[3], 2);
        if (pdsi_tensor_numel(y) > 0)
            CHECK(((float *)y->data)[0] == 3.0f);
        pdst_tensor_free(y);
    }

    pad_case p2 = {.op = "pad2d", .dtype = PDS_FLOAT32, .xd = {1, 1, 3, 3}, .rank = 4,
                   .paddings = {0, 0, 0, 0}, .mode = "replicate"}; /* pad2d says "edge" */
    check_pad_fails(&p2, NULL, 0, PDS_ERR_MODEL_FORMAT, "expected constant, reflect or edge");
    p2.mode = "constant";
    a = pdst_attr_str("data_format", "NHWC");
    check_pad_fails(&p2, &a, 1, PDS_ERR_UNSUPPORTED_OP, "attribute 'data_format' is \"NHWC\"");
}


/* ---- pixel_shuffle (issue 12) ---------------------------------------------- */

static void test_pixel_shuffle(void)
{
    pds_error err = {0};
    /* X = arange(16) as [1,4,2,2], r = 2: Paddle's (and numpy's) result */
    static const int64_t xd[4] = {1, 4, 2, 2}, od[4] = {1, 1, 4, 4};
    static const float want[16] = {0, 4, 1, 5, 8, 12, 9, 13, 2, 6, 3, 7, 10, 14, 11, 15};
    float xv[16];
    for (int i = 0; i < 16; i++)
        xv[i] = (float)i;
    pdsi_attr r2 = pdst_attr_int("upscale_factor", 2);
    pdsi_tensor *o = pdst_mk_out();
    CHECK_OK(pdst_run_op1("pixel_shuffle", &r2, 1,
                          (pdsi_tensor *[]){pdst_mk(PDS_FLOAT32, 4, xd, xv)}, 1,
                          (pdsi_tensor *[]){o}, 1, &err),
             &err);
    CHECK_SHAPE(o, PDS_FLOAT32, 4, od);
    pdst_check_close("pixel_shuffle", o->data, want, 16, 0, 0);
    /* NHWC: the same data with channels last gives the same picture, channels last */
    float xh[16];
    for (int c = 0; c < 4; c++)
        for (int s = 0; s < 4; s++)
            xh[s * 4 + c] = xv[c * 4 + s];
    pdsi_attr at[2] = {r2, pdst_attr_str("data_format", "NHWC")};
    static const int64_t xhd[4] = {1, 2, 2, 4}, ohd[4] = {1, 4, 4, 1};
    o = pdst_mk_out();
    CHECK_OK(pdst_run_op1("pixel_shuffle", at, 2,
                          (pdsi_tensor *[]){pdst_mk(PDS_FLOAT32, 4, xhd, xh)}, 1,
                          (pdsi_tensor *[]){o}, 1, &err),
             &err);
    CHECK_SHAPE(o, PDS_FLOAT32, 4, ohd);
    pdst_check_close("pixel_shuffle NHWC", o->data, want, 16, 0, 0);
    static const int64_t bad[4] = {1, 6, 2, 2};
    CHECK_STATUS(pdst_run_op1("pixel_shuffle", &r2, 1,
                              (pdsi_tensor *[]){pdst_mk(PDS_FLOAT32, 4, bad, NULL)}, 1,
                              (pdsi_tensor *[]){pdst_mk_out()}, 1, &err),
                 PDS_ERR_SHAPE, &err);
    CHECK_MSG(err, "pixel_shuffle: X [1,6,2,2] has 6 channels, expected a multiple of "
                   "upscale_factor^2 = 4");
}


/* ---- linear_interp_v2 (issue 12) ------------------------------------------- */

/* X [1, 2, 5] (NCW); values from Paddle 3.3.1's F.interpolate(mode="linear",
 * data_format="NCW") on CPU with the attributes of each row, printed as
 * float32. */
static const float lin_x[10] = {0.5f, -1.25f, 2.0f, 0.75f, -0.5f, 1.0f, 3.0f, -2.0f, 0.25f, 1.5f};

static pds_status run_linear(const pdsi_attr *at, int na, pdsi_tensor *x, pdsi_tensor *out_size,
                             pdsi_tensor *o, pds_error *err)
{
    pdsi_tensor *ins[4] = {x, out_size, NULL, NULL};
    return pdst_run_op1("linear_interp_v2", at, na, ins, 4, (pdsi_tensor *[]){o}, 1, err);
}

static void test_linear_interp_values(void)
{
    static const struct {
        const char *what;
        int64_t out_w;
        double scale; /* > 0: the 'scale' attribute instead of out_w */
        int align_corners, align_mode;
        int64_t ow;
        float want[16];
    } rows[] = {
        {"size 8 align_mode 0", 8, 0, 0, 0, 8,
         {0.5f, -0.265625f, -1.046875f, 0.984375f, 1.609375f, 0.828125f, 0.046875f, -0.5f, 1.0f,
          1.875f, 2.6875f, -0.4375f, -1.296875f, 0.109375f, 0.953125f, 1.5f}},
        {"size 8 align_mode 1", 8, 0, 0, 1, 8,
         {0.5f, -0.59375f, -0.4375f, 1.59375f, 1.375f, 0.59375f, -0.1875f, -0.5f, 1.0f, 2.25f,
          1.75f, -1.375f, -0.875f, 0.40625f, 1.1875f, 1.5f}},
        {"size 8 align_corners", 8, 0, 1, 1, 8,
         {0.5f, -0.5f, -0.7857141494750977f, 1.0714290142059326f, 1.6428570747375488f,
          0.928571343421936f, 0.21428537368774414f, -0.5f, 1.0f, 2.142857313156128f,
          2.2857139110565186f, -0.5714292526245117f, -1.357142686843872f, -0.07142841815948486f,
          0.7857146263122559f, 1.5f}},
        /* one column: Paddle's 1-D ratio is W, not 0 (its 2-D kernel zeroes it) */
        {"size 1 align_mode 0", 1, 0, 0, 0, 1, {2.0f, -2.0f}},
        {"size 3 align_mode 0", 3, 0, 0, 0, 3,
         {-0.08333328366279602f, 2.0f, -0.08333313465118408f, 1.6666666269302368f, -2.0f,
          1.083333134651184f}},
        {"scale 1.7 align_mode 0", -1, 1.7, 0, 0, 8,
         {0.5f, -0.16911768913269043f, -1.1985294818878174f, 0.5661766529083252f,
          1.8161762952804565f, 1.0808820724487305f, 0.34558814764022827f, -0.3897060751914978f,
          1.0f, 1.764706015586853f, 2.9411768913269043f, 0.20588207244873047f,
          -1.6691173315048218f, -0.34558773040771484f, 0.6544118523597717f, 1.3897061347961426f}},
    };
    static const int64_t xd[3] = {1, 2, 5};
    pds_error err = {0};
    for (size_t k = 0; k < sizeof rows / sizeof rows[0]; k++) {
        double sc = rows[k].scale;
        pdsi_attr at[5] = {pdst_attr_int("out_w", rows[k].out_w),
                           pdst_attr_bool("align_corners", rows[k].align_corners),
                           pdst_attr_int("align_mode", rows[k].align_mode),
                           pdst_attr_str("interp_method", "linear"),
                           pdst_attr_floats("scale", &sc, sc > 0 ? 1 : 0)};
        pdsi_tensor *o = pdst_mk_out();
        CHECK_OK(run_linear(at, 5, pdst_mk(PDS_FLOAT32, 3, xd, lin_x), NULL, o, &err), &err);
        const int64_t od[3] = {1, 2, rows[k].ow};
        CHECK_SHAPE(o, PDS_FLOAT32, 3, od);
        /* the same index and weight arithmetic as Paddle's: bit for bit */
        pdst_check_close(rows[k].what, o->data, rows[k].want, 2 * rows[k].ow, 0.0, 0.0);
    }
}

static void test_linear_interp_nwc_and_outsize(void)
{
    /* NWC (data_layout NHWC): X [1, 5, 2] is lin_x transposed; Paddle's output
     * is the NCW one transposed */
    static const float want[16] = {0.5f,      1.0f,     -0.265625f, 1.875f,   -1.046875f, 2.6875f,
                                   0.984375f, -0.4375f, 1.609375f,  -1.296875f, 0.828125f,
                                   0.109375f, 0.046875f, 0.953125f, -0.5f,     1.5f};
    static const int64_t xd[3] = {1, 5, 2}, od[3] = {1, 8, 2}, sd[1] = {1};
    float xt[10];
    for (int w = 0; w < 5; w++)
        for (int c = 0; c < 2; c++)
            xt[w * 2 + c] = lin_x[c * 5 + w];
    pds_error err = {0};
    pdsi_attr at[4] = {pdst_attr_int("out_w", 8), pdst_attr_bool("align_corners", 0),
                       pdst_attr_int("align_mode", 0), pdst_attr_str("data_layout", "NHWC")};
    pdsi_tensor *o = pdst_mk_out();
    CHECK_OK(run_linear(at, 4, pdst_mk(PDS_FLOAT32, 3, xd, xt), NULL, o, &err), &err);
    CHECK_SHAPE(o, PDS_FLOAT32, 3, od);
    pdst_check_close("linear NWC", o->data, want, 16, 0.0, 0.0);

    /* OutSize [1] overrides out_w and the scale */
    static const int64_t xn[3] = {1, 2, 5}, on[3] = {1, 2, 8};
    static const int32_t eight = 8;
    double sc = 3.0;
    pdsi_attr at2[4] = {pdst_attr_int("out_w", 4), pdst_attr_bool("align_corners", 0),
                        pdst_attr_int("align_mode", 0), pdst_attr_floats("scale", &sc, 1)};
    o = pdst_mk_out();
    CHECK_OK(run_linear(at2, 4, pdst_mk(PDS_FLOAT32, 3, xn, lin_x),
                        pdst_mk(PDS_INT32, 1, sd, &eight), o, &err),
             &err);
    CHECK_SHAPE(o, PDS_FLOAT32, 3, on);
    /* the scale still sets the ratio, 1/3 (in/out would be 5/8): half-pixel
     * sources (k + 0.5) / 3 - 0.5 are exactly 0 and 1 for columns 1 and 4 */
    const float *y = o->data;
    CHECK(fabsf(y[1] - lin_x[0]) < 1e-6f);
    CHECK(fabsf(y[4] - lin_x[1]) < 1e-6f);
    CHECK(fabsf(y[8 + 4] - lin_x[5 + 1]) < 1e-6f);

    /* the same width: a copy */
    pdsi_attr at3[1] = {pdst_attr_int("out_w", 5)};
    o = pdst_mk_out();
    CHECK_OK(run_linear(at3, 1, pdst_mk(PDS_FLOAT32, 3, xn, lin_x), NULL, o, &err), &err);
    pdst_check_close("linear same width", o->data, lin_x, 10, 0.0, 0.0);
}

static void test_linear_interp_errors(void)
{
    static const int64_t xd[3] = {1, 2, 5}, x4[4] = {1, 2, 5, 1}, s2[1] = {2};
    static const int32_t two[2] = {4, 4};
    pds_error err = {0};
    pdsi_attr at[2] = {pdst_attr_int("out_w", 8), pdst_attr_str("interp_method", "nearest")};
    CHECK_STATUS(run_linear(at, 2, pdst_mk(PDS_FLOAT32, 3, xd, lin_x), NULL, pdst_mk_out(), &err),
                 PDS_ERR_UNSUPPORTED_OP, &err);
    CHECK_MSG(err, "attribute 'interp_method' is \"nearest\": linear_interp_v2 computes only "
                   "linear");
    CHECK_STATUS(run_linear(at, 1, pdst_mk(PDS_FLOAT32, 4, x4, NULL), NULL, pdst_mk_out(), &err),
                 PDS_ERR_SHAPE, &err);
    CHECK_MSG(err, "input 'X' has rank 4 [1,2,5,1], expected rank 3 [N, C, W]");
    CHECK_STATUS(run_linear(at, 1, pdst_mk(PDS_INT32, 3, xd, NULL), NULL, pdst_mk_out(), &err),
                 PDS_ERR_DTYPE, &err);
    CHECK_MSG(err, "input 'X'");
    pdsi_attr lay = pdst_attr_str("data_layout", "NCDHW");
    CHECK_STATUS(run_linear(&lay, 1, pdst_mk(PDS_FLOAT32, 3, xd, lin_x), NULL, pdst_mk_out(), &err),
                 PDS_ERR_MODEL_FORMAT, &err);
    CHECK_MSG(err, "attribute 'data_layout' is \"NCDHW\", expected NCHW ([N, C, W]) or NHWC "
                   "([N, W, C])");
    double neg = -1.0;
    pdsi_attr sc = pdst_attr_floats("scale", &neg, 1);
    CHECK_STATUS(run_linear(&sc, 1, pdst_mk(PDS_FLOAT32, 3, xd, lin_x), NULL, pdst_mk_out(), &err),
                 PDS_ERR_MODEL_FORMAT, &err);
    CHECK_MSG(err, "attribute 'scale' starts with -1, expected a positive number");
    CHECK_STATUS(run_linear(at, 1, pdst_mk(PDS_FLOAT32, 3, xd, lin_x),
                            pdst_mk(PDS_INT32, 1, s2, two), pdst_mk_out(), &err),
                 PDS_ERR_SHAPE, &err);
    CHECK_MSG(err, "input 'OutSize' has shape [2], expected [1] (the width)");
    pdsi_attr none = pdst_attr_int("out_w", -1);
    CHECK_STATUS(run_linear(&none, 1, pdst_mk(PDS_FLOAT32, 3, xd, lin_x), NULL, pdst_mk_out(), &err),
                 PDS_ERR_SHAPE, &err);
    CHECK_MSG(err, "output width -1 (from attribute 'out_w', input width 5) is not in [1, ");
    /* a SizeTensor list holds one tensor, the width */
    static const int32_t w1 = 4;
    static const int64_t one[1] = {1};
    pdsi_tensor *st[2] = {pdst_mk(PDS_INT32, 1, one, &w1), pdst_mk(PDS_INT32, 1, one, &w1)};
    pdsi_slot in[4] = {{.t = (pdsi_tensor *[]){pdst_mk(PDS_FLOAT32, 3, xd, lin_x)}, .n = 1},
                       {.n = 0},
                       {.t = st, .n = 2},
                       {.n = 0}};
    pdsi_slot out[1] = {{.t = (pdsi_tensor *[]){pdst_mk_out()}, .n = 1}};
    CHECK_STATUS(pdst_run_op("linear_interp_v2", at, 1, in, out, &err), PDS_ERR_SHAPE, &err);
    CHECK_MSG(err, "input 'SizeTensor' holds 2 tensors, expected 1 (the width)");
}

/* ---- grid_sampler (issue 12) ----------------------------------------------- */

static void test_grid_sample(void)
{
    /* x = arange(12) as [1,1,3,4]; grid points (x, y); values from Paddle
     * 3.3.1's F.grid_sample on CPU */
    static const float grid[12] = {-1, -1, 1, 1, 0, 0, 1.5f, 0.2f, -1.3f, 0.9f, 0.75f, -0.6f};
    static const struct {
        const char *mode, *pad;
        int align;
        float want[6];
    } rows[] = {
        {"bilinear", "zeros", 1,
         {0.0f, 11.0f, 5.5f, 1.9500000476837158f, 4.1800007820129395f, 4.224999904632568f}},
        {"bilinear", "zeros", 0,
         {0.0f, 2.75f, 5.5f, 0.0f, 0.0f, 3.3999998569488525f}},
        {"bilinear", "border", 0,
         {0.0f, 11.0f, 5.5f, 8.200000762939453f, 8.0f, 3.3999998569488525f}},
        {"bilinear", "reflection", 1,
         {0.0f, 11.0f, 5.5f, 7.0500006675720215f, 8.050000190734863f, 4.224999904632568f}},
        {"bilinear", "reflection", 0,
         {0.0f, 11.0f, 5.5f, 7.700000762939453f, 8.100000381469727f, 3.3999998569488525f}},
        /* nearest rounds halves to even: (1, 1) unnormalises to x 3.5 -> 4,
         * outside; (0, 0) to (1.5, 1) -> (2, 1) = 6 */
        {"nearest", "zeros", 0,
         {0.0f, 0.0f, 6.0f, 0.0f, 0.0f, 3.0f}},
        {"nearest", "reflection", 1,
         {0.0f, 11.0f, 6.0f, 6.0f, 8.0f, 3.0f}},
    };
    static const int64_t xd[4] = {1, 1, 3, 4}, gd[4] = {1, 1, 6, 2}, od[4] = {1, 1, 1, 6};
    float xv[12];
    for (int i = 0; i < 12; i++)
        xv[i] = (float)i;
    pds_error err = {0};
    for (size_t k = 0; k < sizeof rows / sizeof rows[0]; k++) {
        pdsi_attr at[3] = {pdst_attr_str("mode", rows[k].mode),
                           pdst_attr_str("padding_mode", rows[k].pad),
                           pdst_attr_bool("align_corners", rows[k].align)};
        pdsi_tensor *o = pdst_mk_out();
        CHECK_OK(pdst_run_op1("grid_sampler", at, 3,
                              (pdsi_tensor *[]){pdst_mk(PDS_FLOAT32, 4, xd, xv),
                                                pdst_mk(PDS_FLOAT32, 4, gd, grid)},
                              2, (pdsi_tensor *[]){o}, 1, &err),
                 &err);
        CHECK_SHAPE(o, PDS_FLOAT32, 4, od);
        char what[64];
        snprintf(what, sizeof what, "grid_sampler %s %s %d", rows[k].mode, rows[k].pad,
                 rows[k].align);
        pdst_check_close(what, o->data, rows[k].want, 6, PDST_ATOL, PDST_RTOL);
    }
    /* a NaN or huge coordinate reads zeros, never outside X */
    static const float odd[4] = {NAN, 0.0f, 1e30f, -1e30f};
    static const int64_t gd2[4] = {1, 1, 2, 2};
    pdsi_attr at[1] = {pdst_attr_str("padding_mode", "zeros")};
    pdsi_tensor *o = pdst_mk_out();
    CHECK_OK(pdst_run_op1("grid_sampler", at, 1,
                          (pdsi_tensor *[]){pdst_mk(PDS_FLOAT32, 4, xd, xv),
                                            pdst_mk(PDS_FLOAT32, 4, gd2, odd)},
                          2, (pdsi_tensor *[]){o}, 1, &err),
             &err);
    CHECK(((float *)o->data)[1] == 0.0f);
    static const int64_t bad[4] = {2, 1, 6, 2};
    CHECK_STATUS(pdst_run_op1("grid_sampler", NULL, 0,
                              (pdsi_tensor *[]){pdst_mk(PDS_FLOAT32, 4, xd, xv),
                                                pdst_mk(PDS_FLOAT32, 4, bad, NULL)},
                              2, (pdsi_tensor *[]){pdst_mk_out()}, 1, &err),
                 PDS_ERR_SHAPE, &err);
    CHECK_MSG(err, "grid_sampler: Grid [2,1,6,2] is not [N, Ho, Wo, 2] with the N of X [1,1,3,4]");
}

int main(void)
{
    RUN_TEST(test_nearest_scale_and_size);
    RUN_TEST(test_nearest_scale_ratio);
    RUN_TEST(test_nearest_int_dtype);
    RUN_TEST(test_bilinear_align_modes);
    RUN_TEST(test_bilinear_scale_and_downsample);
    RUN_TEST(test_interp_same_size_copies);
    RUN_TEST(test_interp_size_sources);
    RUN_TEST(test_interp_scale_outsize_mismatch_stays_in_bounds);
    RUN_TEST(test_bilinear_random_against_naive);
    RUN_TEST(test_interp_errors);
    RUN_TEST(test_interp_outsize_errors);
    RUN_TEST(test_pad3d_modes);
    RUN_TEST(test_pad3d_paddings_tensor_and_int64);
    RUN_TEST(test_pad2d_modes);
    RUN_TEST(test_pad_errors);
    RUN_TEST(test_pixel_shuffle);
    RUN_TEST(test_grid_sample);
    RUN_TEST(test_linear_interp_values);
    RUN_TEST(test_linear_interp_nwc_and_outsize);
    RUN_TEST(test_linear_interp_errors);
    return pdst_summary();
}
