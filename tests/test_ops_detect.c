/*
 * test_ops_detect.c — the detect family (yolo_box, prior_box) through the
 * real parse -> infer -> kernel path, against values Paddle 3.3.1 computed
 * on CPU (paddle.vision.ops.yolo_box / prior_box, which run the legacy
 * operators' phi kernels; printed once with the paddlepaddle wheel and
 * copied here). The fixture op_detect runs both as programs in both formats.
 */
#include <math.h>
#include <stdint.h>

#include "harness.h"

#define DIMS(...) ((const int64_t[]){__VA_ARGS__})
#define NARGS(T, ...) ((int)(sizeof((T[]){__VA_ARGS__}) / sizeof(T)))
#define INTS(name, ...) pdst_attr_ints(name, (const int64_t[]){__VA_ARGS__}, NARGS(int64_t, __VA_ARGS__))
#define FLOATS(name, ...)                                                                     \
    pdst_attr_floats(name, (const double[]){__VA_ARGS__}, NARGS(double, __VA_ARGS__))

static void test_yolo_box(void)
{
    /* one anchor (4, 6), one class, a 1x2 grid, downsample 16, image 20x30
     * (h, w): the second cell's objectness sigmoid(-3) < 0.1 gives zeros */
    static const float xv[12] = {0.5f, -1.0f, 0.2f, -0.3f, 0.1f, 0.4f,
                                 -0.2f, 0.3f, 2.0f, -3.0f, 1.0f, -1.0f};
    static const float want_b[8] = {7.264694690704346f, 7.926440238952637f, 11.409086227416992f,
                                    14.066920280456543f, 0, 0, 0, 0};
    static const float want_s[2] = {0.6439142823219299f, 0};
    pds_error err = {0};
    pdsi_attr at[5] = {INTS("anchors", 4, 6), pdst_attr_int("class_num", 1),
                       pdst_attr_float("conf_thresh", 0.1), pdst_attr_int("downsample_ratio", 16),
                       pdst_attr_bool("clip_bbox", 1)};
    pdsi_tensor *b = pdst_mk_out(), *s = pdst_mk_out();
    pdsi_tensor *x = pdst_mk(PDS_FLOAT32, 4, DIMS(1, 6, 1, 2), xv);
    pdsi_tensor *img = pdst_mk(PDS_INT32, 2, DIMS(1, 2), (const int32_t[]){20, 30});
    CHECK_OK(pdst_run_op1("yolo_box", at, 5, (pdsi_tensor *[]){x, img}, 2,
                          (pdsi_tensor *[]){b, s}, 2, &err),
             &err);
    CHECK_SHAPE(b, PDS_FLOAT32, 3, DIMS(1, 2, 4));
    CHECK_SHAPE(s, PDS_FLOAT32, 3, DIMS(1, 2, 1));
    pdst_check_close("yolo_box boxes", b->data, want_b, 8, PDST_ATOL, PDST_RTOL);
    pdst_check_close("yolo_box scores", s->data, want_s, 2, PDST_ATOL, PDST_RTOL);
    /* X must have anchors x (5 + classes) channels; ImgSize int32 [N, 2] */
    CHECK_STATUS(pdst_run_op1("yolo_box", at, 5,
                              (pdsi_tensor *[]){pdst_mk(PDS_FLOAT32, 4, DIMS(1, 7, 1, 2), NULL),
                                                img},
                              2, (pdsi_tensor *[]){pdst_mk_out(), pdst_mk_out()}, 2, &err),
                 PDS_ERR_SHAPE, &err);
    CHECK_MSG(err, "yolo_box: X [1,7,1,2] is not [N, 6, H, W] (1 anchors x (5 + 1 classes))");
    CHECK_STATUS(pdst_run_op1("yolo_box", at, 5,
                              (pdsi_tensor *[]){x, pdst_mk(PDS_INT64, 2, DIMS(1, 2), NULL)}, 2,
                              (pdsi_tensor *[]){pdst_mk_out(), pdst_mk_out()}, 2, &err),
                 PDS_ERR_DTYPE, &err);
    CHECK_MSG(err, "yolo_box: input 'ImgSize' is int64, expected int32");
    pdsi_attr iou[2] = {INTS("anchors", 4, 6), pdst_attr_bool("iou_aware", 1)};
    CHECK_STATUS(pdst_run_op1("yolo_box", iou, 2, (pdsi_tensor *[]){x, img}, 2,
                              (pdsi_tensor *[]){pdst_mk_out(), pdst_mk_out()}, 2, &err),
                 PDS_ERR_UNSUPPORTED_OP, &err);
}

static void test_prior_box(void)
{
    /* feature map 1x2, image 10x20, min 4, max 9, ratio 2 with flip, clip:
     * priors in the order ratio 1, 2, 1/2, then the max square */
    static const float want[32] = {
        0.15000000596046448f, 0.30000001192092896f, 0.3499999940395355f, 0.699999988079071f,
        0.1085786446928978f,  0.358578622341156f,   0.391421377658844f,  0.641421377658844f,
        0.179289311170578f,   0.2171572893857956f,  0.320710688829422f,  0.782842755317688f,
        0.10000000149011612f, 0.20000000298023224f, 0.4000000059604645f, 0.800000011920929f,
        0.6499999761581421f,  0.30000001192092896f, 0.8500000238418579f, 0.699999988079071f,
        0.608578622341156f,   0.358578622341156f,   0.8914213180541992f, 0.641421377658844f,
        0.6792893409729004f,  0.2171572893857956f,  0.8207106590270996f, 0.782842755317688f,
        0.6000000238418579f,  0.20000000298023224f, 0.8999999761581421f, 0.800000011920929f};
    pds_error err = {0};
    pdsi_attr at[6] = {FLOATS("min_sizes", 4.0), FLOATS("max_sizes", 9.0),
                       FLOATS("aspect_ratios", 2.0), FLOATS("variances", 0.1, 0.1, 0.2, 0.2),
                       pdst_attr_bool("flip", 1), pdst_attr_bool("clip", 1)};
    pdsi_tensor *b = pdst_mk_out(), *v = pdst_mk_out();
    pdsi_tensor *f = pdst_mk(PDS_FLOAT32, 4, DIMS(1, 2, 1, 2), NULL);
    pdsi_tensor *im = pdst_mk(PDS_FLOAT32, 4, DIMS(1, 3, 10, 20), NULL);
    CHECK_OK(pdst_run_op1("prior_box", at, 6, (pdsi_tensor *[]){f, im}, 2,
                          (pdsi_tensor *[]){b, v}, 2, &err),
             &err);
    CHECK_SHAPE(b, PDS_FLOAT32, 4, DIMS(1, 2, 4, 4));
    pdst_check_close("prior_box", b->data, want, 32, PDST_ATOL, PDST_RTOL);
    CHECK(((float *)v->data)[30] == 0.2f && ((float *)v->data)[29] == 0.1f);
    pdsi_attr bad[2] = {FLOATS("min_sizes", 4.0), FLOATS("variances", 0.1)};
    CHECK_STATUS(pdst_run_op1("prior_box", bad, 2, (pdsi_tensor *[]){f, im}, 2,
                              (pdsi_tensor *[]){pdst_mk_out(), pdst_mk_out()}, 2, &err),
                 PDS_ERR_MODEL_FORMAT, &err);
}

int main(void)
{
    RUN_TEST(test_yolo_box);
    RUN_TEST(test_prior_box);
    return pdst_summary();
}
