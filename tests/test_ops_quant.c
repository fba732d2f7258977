/*
 * test_ops_quant.c — the quant family (quantize_linear, dequantize_linear)
 * through the real parse -> infer -> kernel path, against the values Paddle
 * 3.3.1 computed: each array was printed once by a static program of the one
 * legacy operator run by paddle.static.Executor on CPU (the paddlepaddle
 * wheel of tools/fixtures/requirements.txt), with the inputs and attributes
 * written next to it, and copied here.
 *
 * The scales make q * (1 / s) exact in float32 (3.96875 -> 32, 7.9375 -> 16)
 * and the inputs are multiples of 1/64, so many products fall exactly on .5:
 * round_type 0 must round them to even, round_type 1 away from zero. Inputs
 * beyond the scale show the clipping: -128 / 127 for round_type 0 (Paddle
 * clamps to [-qmax - 1, qmax]) and -127 / 127 for round_type 1 (it clips X to
 * [-s, s] first). Results are exact, so the comparisons are exact too. The
 * fixture op_quant runs QDQ pairs in both formats against Paddle Inference.
 */
#include <stdint.h>

#include "harness.h"

#define DIMS(...) ((const int64_t[]){__VA_ARGS__})
#define NARGS(T, ...) ((int)(sizeof((T[]){__VA_ARGS__}) / sizeof(T)))
#define ATTRS(...) ((const pdsi_attr[]){__VA_ARGS__}), NARGS(pdsi_attr, __VA_ARGS__)
#define F32(rank, dims, ...) pdst_mk(PDS_FLOAT32, rank, dims, (const float[]){__VA_ARGS__})

/* Runs op on x with Scale s (ZeroPoint zeros of s's shape) and checks Y
 * exactly against want (n values). */
static void check_op_(const char *file, int line, const char *op, const pdsi_attr *at, int n_at,
                      pdsi_tensor *x, pdsi_tensor *s, const float *want, long n)
{
    pds_error err = {0}, *ep = &err;
    pdsi_tensor *zp = pdst_mk(PDS_FLOAT32, s->rank, s->dims, NULL);
    pdsi_tensor *y = pdst_mk_out();
    CHECK_OK(pdst_run_op1(op, at, n_at, (pdsi_tensor *[]){x, s, zp}, 3, (pdsi_tensor *[]){y}, 1,
                          &err),
             ep);
    if (err.code)
        return;
    if (y->dtype != PDS_FLOAT32 || y->rank != x->rank || pdsi_tensor_numel(y) != n) {
        fprintf(stderr, "%s:%d: %s: Y is %s with %lld values, want float32 with %ld\n", file, line,
                op, pds_dtype_name(y->dtype), (long long)pdsi_tensor_numel(y), n);
        pdst_failures++;
        return;
    }
    if (pdst_check_close(op, y->data, want, n, 0.0, 0.0))
        fprintf(stderr, "%s:%d: %s differs from Paddle\n", file, line, op);
}
#define CHECK_OP(op, at, x, s, ...)                                                            \
    check_op_(__FILE__, __LINE__, op, at, x, s, (const float[]){__VA_ARGS__},                 \
              NARGS(float, __VA_ARGS__))

/* x = [-300, -257, -256, -255, -5, -3, -1, 1, 3, 5, 7, 253, 254, 255, 300, 0] / 64 */
static pdsi_tensor *x_tensor(void)
{
    return F32(2, DIMS(1, 16), -4.6875f, -4.015625f, -4.0f, -3.984375f, -0.078125f, -0.046875f,
               -0.015625f, 0.015625f, 0.046875f, 0.078125f, 0.109375f, 3.953125f, 3.96875f,
               3.984375f, 4.6875f, 0.0f);
}

static void test_per_tensor(void)
{
    pdsi_tensor *s = F32(1, DIMS(1), 3.96875f);
    /* quant_axis -1, round_type 0: x * 32 rounded half to even, [-128, 127] */
    CHECK_OP("quantize_linear",
             ATTRS(pdst_attr_int("quant_axis", -1), pdst_attr_int("round_type", 0),
                   pdst_attr_bool("is_test", 1)),
             x_tensor(), s, -128, -128, -128, -128, -2, -2, -0.0f, 0, 2, 2, 4, 126, 127, 127, 127,
             0);
    /* round_type 1: clip to [-s, s], x * 32 rounded half away from zero */
    CHECK_OP("quantize_linear",
             ATTRS(pdst_attr_int("quant_axis", -1), pdst_attr_int("round_type", 1),
                   pdst_attr_bool("is_test", 1)),
             x_tensor(), s, -127, -127, -127, -127, -3, -2, -1, 1, 2, 3, 4, 127, 127, 127, 127,
             0);
    /* dequantize_linear of the round_type 0 values: y = x * s / 127 */
    CHECK_OP("dequantize_linear", ATTRS(pdst_attr_int("quant_axis", -1)),
             F32(2, DIMS(1, 16), -128, -128, -128, -128, -2, -2, -0.0f, 0, 2, 2, 4, 126, 127, 127,
                 127, 0),
             s, -4.0f, -4.0f, -4.0f, -4.0f, -0.0625f, -0.0625f, -0.0f, 0.0f, 0.0625f, 0.0625f,
             0.125f, 3.9375f, 3.96875f, 3.96875f, 3.96875f, 0.0f);
    /* qmax 7 (bit_length is ignored by Paddle): q = 7, bounds [-8, 7] */
    CHECK_OP("quantize_linear",
             ATTRS(pdst_attr_int("quant_axis", -1), pdst_attr_int("qmax", 7),
                   pdst_attr_int("bit_length", 8), pdst_attr_bool("is_test", 1)),
             F32(2, DIMS(1, 6), 0.5f, -0.5f, 0.3f, 1.0f, -1.0f, 2.0f), F32(1, DIMS(1), 1.0f), 4,
             -4, 2, 7, -7, 7);
    CHECK_OP("dequantize_linear", ATTRS(pdst_attr_int("quant_axis", -1), pdst_attr_int("qmax", 7)),
             F32(2, DIMS(1, 3), 7, -8, 3), F32(1, DIMS(1), 1.0f), 1.0f, -1.14285719f,
             0.428571433f);
    /* scale 0: Paddle divides by 0 + 1e-6 */
    CHECK_OP("quantize_linear", ATTRS(pdst_attr_int("quant_axis", -1), pdst_attr_bool("is_test", 1)),
             F32(2, DIMS(1, 3), 1e-6f, -2e-6f, 1.5e-8f), F32(1, DIMS(1), 0.0f), 127, -128, 2);
    /* only_observer: Y is X */
    CHECK_OP("quantize_linear",
             ATTRS(pdst_attr_int("quant_axis", -1), pdst_attr_bool("only_observer", 1),
                   pdst_attr_bool("is_test", 1)),
             F32(2, DIMS(1, 3), 0.5f, -9.5f, 200.0f), F32(1, DIMS(1), 127.0f), 0.5f, -9.5f,
             200.0f);
    CHECK_OP("dequantize_linear",
             ATTRS(pdst_attr_int("quant_axis", -1), pdst_attr_bool("only_observer", 1)),
             F32(2, DIMS(1, 3), 0.5f, -9.5f, 200.0f), F32(1, DIMS(1), 127.0f), 0.5f, -9.5f,
             200.0f);
}

/* xc = [-5, -3, 3, 5, 7, 9, -300, 300, 1, -1, 13, 260] / 64, shape [2, 3, 2] */
static pdsi_tensor *xc_tensor(void)
{
    return F32(3, DIMS(2, 3, 2), -0.078125f, -0.046875f, 0.046875f, 0.078125f, 0.109375f,
               0.140625f, -4.6875f, 4.6875f, 0.015625f, -0.015625f, 0.203125f, 4.0625f);
}

static pdsi_tensor *xq_tensor(void)
{
    return F32(3, DIMS(2, 3, 2), -128, -127, -58, -1, 0, 1, 58, 127, 3, -3, 100, 50);
}

static void test_per_channel(void)
{
    pdsi_tensor *s1 = F32(1, DIMS(3), 3.96875f, 7.9375f, 0.8f);
    pdsi_tensor *s0 = F32(1, DIMS(2), 7.9375f, 0.8f);
    CHECK_OP("quantize_linear",
             ATTRS(pdst_attr_int("quant_axis", 1), pdst_attr_int("round_type", 0),
                   pdst_attr_bool("is_test", 1)),
             xc_tensor(), s1, -2, -2, 1, 1, 17, 22, -128, 127, 0, -0.0f, 32, 127);
    CHECK_OP("quantize_linear",
             ATTRS(pdst_attr_int("quant_axis", 1), pdst_attr_int("round_type", 1),
                   pdst_attr_bool("is_test", 1)),
             xc_tensor(), s1, -3, -2, 1, 1, 17, 22, -127, 127, 0, -0.0f, 32, 127);
    CHECK_OP("quantize_linear",
             ATTRS(pdst_attr_int("quant_axis", 0), pdst_attr_int("round_type", 0),
                   pdst_attr_bool("is_test", 1)),
             xc_tensor(), s0, -1, -1, 1, 1, 2, 2, -128, 127, 2, -2, 32, 127);
    CHECK_OP("quantize_linear",
             ATTRS(pdst_attr_int("quant_axis", 0), pdst_attr_int("round_type", 1),
                   pdst_attr_bool("is_test", 1)),
             xc_tensor(), s0, -1, -1, 1, 1, 2, 2, -127, 127, 2, -2, 32, 127);
    CHECK_OP("dequantize_linear", ATTRS(pdst_attr_int("quant_axis", 1)), xq_tensor(), s1, -4.0f,
             -3.96875f, -3.625f, -0.0625f, 0.0f, 0.006299212574958801f, 1.8125f, 3.96875f,
             0.1875f, -0.1875f, 0.6299212574958801f, 0.31496062874794006f);
    CHECK_OP("dequantize_linear", ATTRS(pdst_attr_int("quant_axis", 0)), xq_tensor(), s0, -8.0f,
             -7.9375f, -3.625f, -0.0625f, 0.0f, 0.0625f, 0.3653543293476105f, 0.800000011920929f,
             0.018897637724876404f, -0.018897637724876404f, 0.6299212574958801f,
             0.31496062874794006f);
}

static void test_errors(void)
{
    pds_error err = {0}, *ep = &err;
    pdsi_tensor *x = xc_tensor(), *s1 = F32(1, DIMS(3), 1, 2, 3), *z1 = F32(1, DIMS(3), 0, 0, 0);
#define RUN(op, ...)                                                                           \
    pdst_run_op1(op, ATTRS(__VA_ARGS__), (pdsi_tensor *[]){x, s1, z1}, 3,                      \
                 (pdsi_tensor *[]){pdst_mk_out()}, 1, &err)
    CHECK_STATUS(RUN("quantize_linear", pdst_attr_int("quant_axis", 1)), PDS_ERR_UNSUPPORTED_OP,
                 ep);
    CHECK_MSG(err, "quantize_linear: attribute 'is_test' is false (Paddle's training observer");
    CHECK_STATUS(RUN("dequantize_linear", pdst_attr_int("quant_axis", 2)),
                 PDS_ERR_UNSUPPORTED_OP, ep);
    CHECK_MSG(err, "dequantize_linear: attribute 'quant_axis' is 2, expected -1 (per tensor), 0 "
                   "or 1 (per channel)");
    CHECK_STATUS(RUN("dequantize_linear", pdst_attr_int("round_type", 2)),
                 PDS_ERR_UNSUPPORTED_OP, ep);
    CHECK_MSG(err, "dequantize_linear: attribute 'round_type' is 2, expected 0 (half to even) "
                   "or 1 (half away from zero)");
    CHECK_STATUS(RUN("dequantize_linear", pdst_attr_int("quant_axis", 0)), PDS_ERR_SHAPE, ep);
    CHECK_MSG(err, "dequantize_linear: input 'Scale' has 3 values, expected 2 (dim 0 of X "
                   "[2,3,2], one per channel)");
    CHECK_STATUS(pdst_run_op1("dequantize_linear", ATTRS(pdst_attr_int("quant_axis", -1)),
                              (pdsi_tensor *[]){x, pdst_mk(PDS_FLOAT32, 1, DIMS(0), NULL), z1},
                              3, (pdsi_tensor *[]){pdst_mk_out()}, 1, &err),
                 PDS_ERR_SHAPE, ep);
    CHECK_MSG(err, "dequantize_linear: input 'Scale' is empty, expected at least one value");
    CHECK_STATUS(pdst_run_op1("dequantize_linear", ATTRS(pdst_attr_int("quant_axis", 1)),
                              (pdsi_tensor *[]){pdst_mk(PDS_INT8, 3, DIMS(2, 3, 2), NULL), s1, z1},
                              3, (pdsi_tensor *[]){pdst_mk_out()}, 1, &err),
                 PDS_ERR_DTYPE, ep);
    CHECK_MSG(err, "dequantize_linear: input 'X' is int8, expected float32");
    /* a training output connected */
    CHECK_STATUS(pdst_run_op1("quantize_linear",
                              ATTRS(pdst_attr_int("quant_axis", 1), pdst_attr_bool("is_test", 1)),
                              (pdsi_tensor *[]){x, s1, z1}, 3,
                              (pdsi_tensor *[]){pdst_mk_out(), NULL, NULL, pdst_mk_out()}, 4,
                              &err),
                 PDS_ERR_UNSUPPORTED_OP, ep);
    CHECK_MSG(err, "quantize_linear: output 'OutScale' is connected");
#undef RUN
}

int main(void)
{
    RUN_TEST(test_per_tensor);
    RUN_TEST(test_per_channel);
    RUN_TEST(test_errors);
    return pdst_summary();
}
