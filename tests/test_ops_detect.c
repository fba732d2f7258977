/*
 * test_ops_detect.c — the detect family (yolo_box, prior_box,
 * multiclass_nms3, matrix_nms) through the real parse -> infer -> kernel
 * path, against values Paddle 3.3.1 computed on CPU (paddle.vision.ops.yolo_box /
 * prior_box, which run the legacy operators' phi kernels, and
 * paddle._C_ops.multiclass_nms3 / matrix_nms for the suppressions; printed
 * once with the paddlepaddle wheel and copied here). The fixtures op_detect,
 * op_nms and op_matrix_nms run them as programs in both formats.
 */
#include <math.h>
#include <stdint.h>
#include <string.h>

#include "harness.h"
#include "ops/detect.h"

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

/* Five boxes, two classes, every kept score 0.75: which boxes survive and
 * their order is decided by Paddle's tie-breaking alone. b1 overlaps b0 with
 * IoU 81/119 = 0.681 normalized and 100/142 = 0.704 in pixels (+1), b4 b2
 * likewise, b3 is b0. Expected rows, indices and counts are Paddle's
 * (paddle._C_ops.multiclass_nms3 on these inputs). */
static const float nms_boxes[20] = {0, 0, 10, 10, 1, 1, 11, 11, 20, 20, 30, 30,
                                    0, 0, 10, 10, 21, 21, 31, 31};
static const float nms_scores[10] = {0.75f, 0.75f, 0.75f, 0.25f, 0.75f,
                                     0.75f, 0.25f, 0.75f, 0.75f, 0.125f};

typedef struct nms_case {
    const char *what;
    double score_threshold, nms_threshold, nms_eta;
    int nms_top_k, keep_top_k, background_label, normalized;
    int rows;
    int32_t index[8]; /* the label of each row is its class; box = nms_boxes[index] */
    int32_t label[8];
    float score[8];
} nms_case;

static void run_nms_case(const nms_case *c)
{
    pds_error err = {0};
    pdsi_attr at[7] = {pdst_attr_float("score_threshold", c->score_threshold),
                       pdst_attr_int("nms_top_k", c->nms_top_k),
                       pdst_attr_int("keep_top_k", c->keep_top_k),
                       pdst_attr_float("nms_threshold", c->nms_threshold),
                       pdst_attr_bool("normalized", c->normalized),
                       pdst_attr_float("nms_eta", c->nms_eta),
                       pdst_attr_int("background_label", c->background_label)};
    pdsi_tensor *b = pdst_mk(PDS_FLOAT32, 3, DIMS(1, 5, 4), nms_boxes);
    pdsi_tensor *s = pdst_mk(PDS_FLOAT32, 3, DIMS(1, 2, 5), nms_scores);
    pdsi_tensor *o = pdst_mk_out(), *ix = pdst_mk_out(), *nr = pdst_mk_out();
    CHECK_OK(pdst_run_op1("multiclass_nms3", at, 7, (pdsi_tensor *[]){b, s, NULL}, 3,
                          (pdsi_tensor *[]){o, ix, nr}, 3, &err),
             &err);
    CHECK_SHAPE(o, PDS_FLOAT32, 2, DIMS(c->rows, 6));
    CHECK_SHAPE(ix, PDS_INT32, 2, DIMS(c->rows, 1));
    CHECK_SHAPE(nr, PDS_INT32, 1, DIMS(1));
    if (o->rank != 2 || o->dims[0] != c->rows || ix->dims[0] != c->rows)
        return;
    CHECK_EQ_INT(((const int32_t *)nr->data)[0], c->rows);
    const float *od = o->data;
    const int32_t *id = ix->data;
    for (int r = 0; r < c->rows; r++) {
        float want[6] = {(float)c->label[r], c->score[r]};
        memcpy(want + 2, nms_boxes + 4 * c->index[r], 4 * sizeof(float));
        if (id[r] != c->index[r] || memcmp(od + 6 * r, want, sizeof want) != 0)
            PDST_FAIL("%s: row %d is (%g, %g, box %g %g %g %g) index %d, Paddle has (%g, %g, "
                      "box %g %g %g %g) index %d", c->what, r, (double)od[6 * r],
                      (double)od[6 * r + 1], (double)od[6 * r + 2], (double)od[6 * r + 3],
                      (double)od[6 * r + 4], (double)od[6 * r + 5], id[r], (double)want[0],
                      (double)want[1], (double)want[2], (double)want[3], (double)want[4],
                      (double)want[5], c->index[r]);
    }
}

static void test_multiclass_nms3_vs_paddle(void)
{
    static const nms_case cases[] = {
        {"keep_top_k 3 among equal scores", 0.2, 0.5, 1.0, -1, 3, -1, 1, 3,
         {0, 2, 0}, {0, 0, 1}, {0.75f, 0.75f, 0.75f}},
        {"no limits", 0.2, 0.5, 1.0, -1, -1, -1, 1, 4,
         {0, 2, 0, 2}, {0, 0, 1, 1}, {0.75f, 0.75f, 0.75f, 0.75f}},
        {"threshold 0.69 normalized (IoU 0.681 kept)", 0.2, 0.69, 1.0, -1, -1, -1, 1, 7,
         {0, 1, 2, 4, 0, 2, 1}, {0, 0, 0, 0, 1, 1, 1},
         {0.75f, 0.75f, 0.75f, 0.75f, 0.75f, 0.75f, 0.25f}},
        {"threshold 0.69 in pixels (IoU 0.704 suppressed)", 0.2, 0.69, 1.0, -1, -1, -1, 0, 4,
         {0, 2, 0, 2}, {0, 0, 1, 1}, {0.75f, 0.75f, 0.75f, 0.75f}},
        {"threshold 0.69, nms_eta 0.7 (0.483 after the first box)", 0.2, 0.69, 0.7, -1, -1, -1,
         1, 4, {0, 2, 0, 2}, {0, 0, 1, 1}, {0.75f, 0.75f, 0.75f, 0.75f}},
        {"threshold 0.69, keep_top_k 5 cuts among six 0.75s", 0.2, 0.69, 1.0, -1, 5, -1, 1, 5,
         {0, 1, 2, 4, 0}, {0, 0, 0, 0, 1}, {0.75f, 0.75f, 0.75f, 0.75f, 0.75f}},
        {"nms_top_k 2 (b0, b1 by box order), background 1", 0.2, 0.5, 1.0, 2, -1, 1, 1, 1,
         {0}, {0}, {0.75f}},
        {"nothing above score_threshold 0.8: Out [0, 6]", 0.8, 0.5, 1.0, -1, -1, -1, 1, 0,
         {0}, {0}, {0}},
    };
    for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++)
        run_nms_case(&cases[k]);
}

/* Compares multiclass_nms3's three outputs with Paddle's, exactly. */
static void check_nms(const char *what, const pdsi_tensor *o, const pdsi_tensor *ix,
                      const pdsi_tensor *nr, int rows, const float *want_out,
                      const int32_t *want_idx, int n_img, const int32_t *want_num)
{
    CHECK_SHAPE(o, PDS_FLOAT32, 2, DIMS(rows, 6));
    CHECK_SHAPE(ix, PDS_INT32, 2, DIMS(rows, 1));
    CHECK_SHAPE(nr, PDS_INT32, 1, DIMS(n_img));
    if (o->dims[0] != rows || ix->dims[0] != rows || nr->dims[0] != n_img)
        return;
    if (rows && memcmp(o->data, want_out, sizeof(float) * 6 * (size_t)rows) != 0)
        PDST_FAIL("%s: Out differs from Paddle's", what);
    for (int r = 0; r < rows; r++)
        if (((const int32_t *)ix->data)[r] != want_idx[r])
            PDST_FAIL("%s: Index[%d] is %d, Paddle has %d", what, r,
                      ((const int32_t *)ix->data)[r], want_idx[r]);
    for (int i = 0; i < n_img; i++)
        CHECK_EQ_INT(((const int32_t *)nr->data)[i], want_num[i]);
}

/* 2-D scores [M, C] with boxes [M, C, 4], split into images by RoisNum
 * (int64 here): an image without boxes, Index = row * C + label, each
 * label's rows in row order (image 0, label 0: row 0 at 0.25 before row 1
 * at 0.5), and keep_top_k per image. Values are Paddle's. */
static void test_multiclass_nms3_rois_num(void)
{
    static const float boxes[40] = {0, 0, 4, 4, 0, 0, 4, 4, 5, 5, 9, 9, 0, 0, 4, 4,
                                    0, 0, 4, 4, 0, 0, 4, 4, 0, 0, 4, 4, 8, 8, 9, 9,
                                    0, 0, 4, 4, 1, 1, 4, 4};
    static const float scores[10] = {0.25f, 0.25f, 0.5f, 0.75f, 0.5f, 0.5f,
                                     0.75f, 0.5f, 0.0f, 0.5f};
    static const float want_all[36] = {0, 0.25f, 0, 0, 4, 4, 0, 0.5f, 5, 5, 9, 9,
                                       1, 0.75f, 0, 0, 4, 4, 0, 0.75f, 0, 0, 4, 4,
                                       1, 0.5f, 0, 0, 4, 4, 1, 0.5f, 8, 8, 9, 9};
    static const float want_top2[24] = {0, 0.5f, 5, 5, 9, 9, 1, 0.75f, 0, 0, 4, 4,
                                        0, 0.75f, 0, 0, 4, 4, 1, 0.5f, 0, 0, 4, 4};
    pds_error err = {0};
    pdsi_tensor *b = pdst_mk(PDS_FLOAT32, 3, DIMS(5, 2, 4), boxes);
    pdsi_tensor *s = pdst_mk(PDS_FLOAT32, 2, DIMS(5, 2), scores);
    pdsi_tensor *rn = pdst_mk(PDS_INT64, 1, DIMS(3), (const int64_t[]){2, 0, 3});
    for (int top = 0; top < 2; top++) {
        pdsi_attr at[4] = {pdst_attr_float("score_threshold", 0.1),
                           pdst_attr_int("keep_top_k", top ? 2 : -1),
                           pdst_attr_float("nms_threshold", 0.5),
                           pdst_attr_int("background_label", -1)};
        pdsi_tensor *o = pdst_mk_out(), *ix = pdst_mk_out(), *nr = pdst_mk_out();
        CHECK_OK(pdst_run_op1("multiclass_nms3", at, 4, (pdsi_tensor *[]){b, s, rn}, 3,
                              (pdsi_tensor *[]){o, ix, nr}, 3, &err),
                 &err);
        if (top)
            check_nms("2-D, keep_top_k 2", o, ix, nr, 4, want_top2,
                      (const int32_t[]){2, 3, 6, 5}, 3, (const int32_t[]){2, 0, 2});
        else
            check_nms("2-D", o, ix, nr, 6, want_all, (const int32_t[]){0, 2, 3, 6, 5, 7}, 3,
                      (const int32_t[]){3, 0, 3});
    }
}

/* What multiclass_nms3 refuses, and its optional outputs. */
static void test_multiclass_nms3_errors(void)
{
    pds_error err = {0};
    pdsi_attr at[1] = {pdst_attr_float("score_threshold", 0.2)};
    pdsi_tensor *b = pdst_mk(PDS_FLOAT32, 3, DIMS(1, 5, 4), nms_boxes);
    pdsi_tensor *s = pdst_mk(PDS_FLOAT32, 3, DIMS(1, 2, 5), nms_scores);
#define NMS(want, msg, ...)                                                                    \
    do {                                                                                      \
        CHECK_STATUS(pdst_run_op1("multiclass_nms3", at, 1, (pdsi_tensor *[]){__VA_ARGS__}, 3,\
                                  (pdsi_tensor *[]){pdst_mk_out(), pdst_mk_out(),             \
                                                    pdst_mk_out()},                           \
                                  3, &err),                                                   \
                     want, &err);                                                             \
        CHECK_MSG(err, msg);                                                                  \
    } while (0)
    NMS(PDS_ERR_UNSUPPORTED_OP,
        "multiclass_nms3: BBoxes [1,5,8] holds 8-value polygon boxes: pdsafe supports 4-value "
        "boxes (x1, y1, x2, y2) only",
        pdst_mk(PDS_FLOAT32, 3, DIMS(1, 5, 8), NULL), s, NULL);
    NMS(PDS_ERR_SHAPE,
        "multiclass_nms3: BBoxes [1,6,4] is not [N, M, 4] with the N and M of Scores [1,2,5]",
        pdst_mk(PDS_FLOAT32, 3, DIMS(1, 6, 4), NULL), s, NULL);
    NMS(PDS_ERR_SHAPE, "multiclass_nms3: Scores [5,2] is 2-D, which needs input 'RoisNum'",
        pdst_mk(PDS_FLOAT32, 3, DIMS(5, 2, 4), NULL), pdst_mk(PDS_FLOAT32, 2, DIMS(5, 2), NULL),
          NULL);
    NMS(PDS_ERR_SHAPE, "multiclass_nms3: RoisNum[1] is 3: the counts must be >= 0 and add up to "
        "at most the 5 rows of Scores [5,2]",
        pdst_mk(PDS_FLOAT32, 3, DIMS(5, 2, 4), NULL), pdst_mk(PDS_FLOAT32, 2, DIMS(5, 2), NULL),
          pdst_mk(PDS_INT32, 1, DIMS(2), (const int32_t[]){3, 3}));
    NMS(PDS_ERR_DTYPE, "multiclass_nms3: input 'RoisNum' is float32, expected int32 or int64",
        pdst_mk(PDS_FLOAT32, 3, DIMS(5, 2, 4), NULL), pdst_mk(PDS_FLOAT32, 2, DIMS(5, 2), NULL),
          pdst_mk(PDS_FLOAT32, 1, DIMS(1), NULL));
    NMS(PDS_ERR_DTYPE, "input 'Scores' is int64, expected float32",
        b, pdst_mk(PDS_INT64, 3, DIMS(1, 2, 5), NULL), NULL);
#undef NMS
    pdsi_attr bad[1] = {pdst_attr_int("keep_top_k", -2)};
    CHECK_STATUS(pdst_run_op1("multiclass_nms3", bad, 1, (pdsi_tensor *[]){b, s, NULL}, 3,
                              (pdsi_tensor *[]){pdst_mk_out(), NULL, NULL}, 3, &err),
                 PDS_ERR_MODEL_FORMAT, &err);
    CHECK_MSG(err, "'keep_top_k' (-2) must be -1 (no limit) or >= 0");
    /* Out alone (Index and NmsRoisNum absent), then all three; batch 2 of
     * the same image, with the defaults background_label 0 (class 0 is
     * skipped) and nms_threshold 0.3: Paddle's rows, the second image's
     * indices after the first's boxes */
    float b2[40], s2[20];
    memcpy(b2, nms_boxes, sizeof nms_boxes);
    memcpy(b2 + 20, nms_boxes, sizeof nms_boxes);
    memcpy(s2, nms_scores, sizeof nms_scores);
    memcpy(s2 + 10, nms_scores, sizeof nms_scores);
    pdsi_attr k3[2] = {pdst_attr_float("score_threshold", 0.2), pdst_attr_int("keep_top_k", 3)};
    pdsi_tensor *o = pdst_mk_out(), *ix = pdst_mk_out(), *nr = pdst_mk_out();
    CHECK_OK(pdst_run_op1("multiclass_nms3", k3, 2,
                          (pdsi_tensor *[]){pdst_mk(PDS_FLOAT32, 3, DIMS(2, 5, 4), b2),
                                            pdst_mk(PDS_FLOAT32, 3, DIMS(2, 2, 5), s2), NULL},
                          3, (pdsi_tensor *[]){o, NULL, NULL}, 3, &err),
             &err);
    CHECK_SHAPE(o, PDS_FLOAT32, 2, DIMS(4, 6));
    CHECK_OK(pdst_run_op1("multiclass_nms3", k3, 2,
                          (pdsi_tensor *[]){pdst_mk(PDS_FLOAT32, 3, DIMS(2, 5, 4), b2),
                                            pdst_mk(PDS_FLOAT32, 3, DIMS(2, 2, 5), s2), NULL},
                          3, (pdsi_tensor *[]){pdst_mk_out(), ix, nr}, 3, &err),
             &err);
    check_nms("batch 2, defaults", o, ix, nr, 4,
              (const float[]){1, 0.75f, 0, 0, 10, 10, 1, 0.75f, 20, 20, 30, 30,
                              1, 0.75f, 0, 0, 10, 10, 1, 0.75f, 20, 20, 30, 30},
              (const int32_t[]){0, 2, 5, 7}, 2, (const int32_t[]){2, 2});
}

/* matrix_nms on seven boxes (0-4 disjoint, 5 overlaps 0, 6 overlaps 2) and
 * two classes of equal scores: the order of equal scores is the one
 * libstdc++'s std::partial_sort (a heap) leaves, as in Paddle. Rows, indices
 * and counts are Paddle's (paddle._C_ops.matrix_nms on these inputs). */
static const float mnms_boxes[28] = {0, 0, 4, 4, 10, 0, 14, 4, 20, 0, 24, 4, 30, 0, 34, 4,
                                     40, 0, 44, 4, 1, 1, 5, 5, 20, 1, 24, 5};
static const float mnms_scores[14] = {0.5f, 0.5f, 0.5f, 0.5f, 0.5f, 0.5f, 0.5f,
                                      0.25f, 0.75f, 0.25f, 0.75f, 0.25f, 0.75f, 0.5f};

typedef struct mnms_case {
    const char *what;
    double score_threshold, post_threshold;
    int nms_top_k, keep_top_k, use_gaussian, normalized;
    int rows;
    int32_t label[14], index[14];
    float score[14];
} mnms_case;

static void run_mnms_case(const mnms_case *c)
{
    pds_error err = {0};
    pdsi_attr at[7] = {pdst_attr_float("score_threshold", c->score_threshold),
                       pdst_attr_float("post_threshold", c->post_threshold),
                       pdst_attr_int("nms_top_k", c->nms_top_k),
                       pdst_attr_int("keep_top_k", c->keep_top_k),
                       pdst_attr_bool("use_gaussian", c->use_gaussian),
                       pdst_attr_bool("normalized", c->normalized),
                       pdst_attr_int("background_label", -1)};
    pdsi_tensor *o = pdst_mk_out(), *ix = pdst_mk_out(), *nr = pdst_mk_out();
    CHECK_OK(pdst_run_op1("matrix_nms", at, 7,
                          (pdsi_tensor *[]){pdst_mk(PDS_FLOAT32, 3, DIMS(1, 7, 4), mnms_boxes),
                                            pdst_mk(PDS_FLOAT32, 3, DIMS(1, 2, 7), mnms_scores)},
                          2, (pdsi_tensor *[]){o, ix, nr}, 3, &err),
             &err);
    CHECK_SHAPE(o, PDS_FLOAT32, 2, DIMS(c->rows, 6));
    CHECK_SHAPE(ix, PDS_INT32, 2, DIMS(c->rows, 1));
    CHECK_SHAPE(nr, PDS_INT32, 1, DIMS(1));
    if (o->dims[0] != c->rows || ix->dims[0] != c->rows)
        return;
    CHECK_EQ_INT(((const int32_t *)nr->data)[0], c->rows);
    const float *od = o->data;
    const int32_t *id = ix->data;
    for (int r = 0; r < c->rows; r++) {
        if (id[r] != c->index[r] || od[6 * r] != (float)c->label[r])
            PDST_FAIL("%s: row %d is label %g box %d, Paddle has label %d box %d", c->what, r,
                      (double)od[6 * r], id[r], c->label[r], c->index[r]);
        pdst_check_close(c->what, od + 6 * r + 1, &c->score[r], 1, PDST_ATOL, PDST_RTOL);
        if (memcmp(od + 6 * r + 2, mnms_boxes + 4 * c->index[r], 4 * sizeof(float)) != 0)
            PDST_FAIL("%s: row %d's box is not box %d", c->what, r, c->index[r]);
    }
}

static void test_matrix_nms_vs_paddle(void)
{
    static const mnms_case cases[] = {
        {"linear decay, no limits", 0.1, 0.0, -1, -1, 0, 1, 14,
         {1, 1, 1, 0, 0, 1, 0, 0, 0, 0, 1, 0, 1, 1},
         {3, 1, 5, 0, 4, 6, 3, 2, 1, 5, 4, 6, 0, 2},
         {0.75f, 0.75f, 0.75f, 0.5f, 0.5f, 0.5f, 0.5f, 0.5f, 0.5f, 0.30434781312942505f, 0.25f,
          0.19999998807907104f, 0.15217390656471252f, 0.09999999403953552f}},
        {"keep_top_k 5 among equal scores", 0.1, 0.0, -1, 5, 0, 1, 5,
         {1, 1, 1, 0, 0}, {1, 5, 3, 0, 3}, {0.75f, 0.75f, 0.75f, 0.5f, 0.5f}},
        {"nms_top_k 4 among equal scores, post_threshold 0.3", 0.1, 0.3, 4, -1, 0, 1, 8,
         {1, 1, 1, 0, 1, 0, 0, 0}, {1, 5, 3, 2, 6, 3, 1, 0},
         {0.75f, 0.75f, 0.75f, 0.5f, 0.5f, 0.5f, 0.5f, 0.5f}},
        {"gaussian decay in pixels, post_threshold 0.2", 0.1, 0.2, -1, -1, 1, 0, 12,
         {1, 1, 1, 0, 0, 1, 0, 0, 0, 0, 1, 0}, {3, 1, 5, 0, 4, 6, 2, 3, 1, 5, 4, 6},
         {0.75f, 0.75f, 0.75f, 0.5f, 0.5f, 0.5f, 0.5f, 0.5f, 0.5f, 0.32108360528945923f, 0.25f,
          0.20555612444877625f}},
        {"nothing above score_threshold 0.9: Out [0, 6]", 0.9, 0.0, -1, -1, 0, 1, 0, {0}, {0},
         {0}},
    };
    for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++)
        run_mnms_case(&cases[k]);
    pds_error err = {0};
    CHECK_STATUS(pdst_run_op1("matrix_nms", NULL, 0,
                              (pdsi_tensor *[]){pdst_mk(PDS_FLOAT32, 3, DIMS(1, 7, 4), NULL),
                                                pdst_mk(PDS_FLOAT32, 3, DIMS(1, 2, 6), NULL)},
                              2, (pdsi_tensor *[]){pdst_mk_out(), NULL, NULL}, 3, &err),
                 PDS_ERR_SHAPE, &err);
    CHECK_MSG(err, "matrix_nms: BBoxes [1,7,4] and Scores [1,2,6] are not [N, M, 4] and "
                   "[N, C, M]");
}

/* The rows the suppressions are planned at (size_after_run): shape
 * inference from descriptors alone (no data: it must read none), the most
 * rows Paddle's semantics allow. Per image: classes other than the
 * background, each at most min(nms_top_k, boxes) candidates, at most
 * keep_top_k in all; 2-D layout: images share the M rows (RoisNum's values
 * unread). RoisNum's own shape is exact. */
static void test_nms_row_bounds(void)
{
    static const struct {
        int two_d;               /* Scores [M=7, C=3] + RoisNum [3], else [N=2, C=3, M=10] */
        int matrix;              /* matrix_nms */
        int64_t top, keep, bg;   /* nms_top_k, keep_top_k, background_label */
        int64_t rows;
    } cases[] = {
        {0, 0, -1, -1, -1, 2 * 3 * 10}, {0, 0, -1, -1, 0, 2 * 2 * 10},
        {0, 0, -1, -1, 5, 2 * 3 * 10} /* a background outside the classes */,
        {0, 0, 4, -1, -1, 2 * 3 * 4},   {0, 0, 40, -1, -1, 2 * 3 * 10},
        {0, 0, -1, 5, -1, 2 * 5},       {0, 0, 4, 100, 2, 2 * 2 * 4},
        {0, 0, 0, -1, -1, 0},           {0, 0, -1, 0, -1, 0},
        {1, 0, -1, -1, -1, 3 * 7},      {1, 0, -1, -1, 1, 2 * 7},
        {1, 0, 1, -1, -1, 3 * 3} /* 3 images x 1 candidate per class */,
        {1, 0, -1, 2, -1, 3 * 2},       {1, 0, 5, 4, -1, 3 * 4},
        {0, 1, -1, -1, 0, 2 * 2 * 10},  {0, 1, 3, -1, -1, 2 * 3 * 3},
        {0, 1, -1, 7, -1, 2 * 7},       {0, 1, 3, 100, -1, 2 * 3 * 3},
    };
    pds_error err = {0};
    for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++) {
        /* descriptors without data */
        pdsi_tensor bt = {0}, st_ = {0}, rt = {0};
        if (cases[k].two_d) {
            pdsi_tensor_set_shape(&bt, PDS_FLOAT32, 3, DIMS(7, 3, 4));
            pdsi_tensor_set_shape(&st_, PDS_FLOAT32, 2, DIMS(7, 3));
            pdsi_tensor_set_shape(&rt, PDS_INT32, 1, DIMS(3));
        } else {
            pdsi_tensor_set_shape(&bt, PDS_FLOAT32, 3, DIMS(2, 10, 4));
            pdsi_tensor_set_shape(&st_, PDS_FLOAT32, 3, DIMS(2, 3, 10));
        }
        pdsi_tensor *b = &bt, *s = &st_, *r = cases[k].two_d ? &rt : NULL;
        pdsi_tensor *o = pdst_mk_out(), *ix = pdst_mk_out(), *nr = pdst_mk_out();
        pds_status st;
        if (cases[k].matrix) {
            pdsi_matrix_nms_params p = {.score_threshold = 0.1f, .nms_top_k = cases[k].top,
                                        .keep_top_k = cases[k].keep,
                                        .background_label = cases[k].bg};
            st = pdst_infer_op1("matrix_nms", &p, sizeof p, (pdsi_tensor *[]){b, s}, 2,
                                (pdsi_tensor *[]){o, ix, nr}, 3, &err);
        } else {
            pdsi_nms_params p = {.score_threshold = 0.1f, .nms_threshold = 0.5f,
                                 .nms_eta = 1.0f, .nms_top_k = cases[k].top,
                                 .keep_top_k = cases[k].keep, .background_label = cases[k].bg};
            st = pdst_infer_op1("multiclass_nms3", &p, sizeof p, (pdsi_tensor *[]){b, s, r}, 3,
                                (pdsi_tensor *[]){o, ix, nr}, 3, &err);
        }
        CHECK_OK(st, &err);
        if (st)
            continue;
        if (!CHECK_SHAPE(o, PDS_FLOAT32, 2, DIMS(cases[k].rows, 6)))
            PDST_FAIL("case %zu: Out planned at %lld rows, expected %lld", k,
                      (long long)o->dims[0], (long long)cases[k].rows);
        CHECK_SHAPE(ix, PDS_INT32, 2, DIMS(cases[k].rows, 1));
        CHECK_SHAPE(nr, PDS_INT32, 1, DIMS(cases[k].two_d ? 3 : 2));
    }
}

int main(void)
{
    RUN_TEST(test_yolo_box);
    RUN_TEST(test_prior_box);
    RUN_TEST(test_multiclass_nms3_vs_paddle);
    RUN_TEST(test_multiclass_nms3_rois_num);
    RUN_TEST(test_multiclass_nms3_errors);
    RUN_TEST(test_matrix_nms_vs_paddle);
    RUN_TEST(test_nms_row_bounds);
    return pdst_summary();
}
