/*
 * quant.c — opdefs of the quant family (ops/quant.h): quantize_linear and
 * dequantize_linear, with Paddle 3.3's slots (X, Scale, ZeroPoint and the
 * training-only InAccum, InState; Y and the training-only OutState, OutAccum,
 * OutScale) and attributes.
 */
#include <string.h>

#include "ops/opdef.h"
#include "ops/quant.h"

#define FAMILY "quant"

static pds_status quant_parse_common(const pdsi_attrs *attrs, pdsi_quant_params *p,
                                     const char *op, pds_error *err)
{
    pds_status st;
    if ((st = pdsi_attr_int(attrs, "quant_axis", 0, &p->quant_axis, err)) ||
        (st = pdsi_attr_int(attrs, "qmax", 127, &p->qmax, err)) ||
        (st = pdsi_attr_int(attrs, "round_type", 0, &p->round_type, err)) ||
        (st = pdsi_attr_bool(attrs, "only_observer", false, &p->only_observer, err)))
        return st;
    /* Paddle's channel kernels accept axis 0 or 1 only (its dequantize
     * kernel reads uninitialised memory for other axes). */
    if (p->quant_axis < -1 || p->quant_axis > 1)
        return pdsi_fail(err, PDS_ERR_UNSUPPORTED_OP, "%s: attribute 'quant_axis' is %lld, "
                         "expected -1 (per tensor), 0 or 1 (per channel)", op,
                         (long long)p->quant_axis);
    if (p->qmax < 1 || p->qmax > (1 << 24))
        return pdsi_fail(err, PDS_ERR_UNSUPPORTED_OP, "%s: attribute 'qmax' is %lld, expected "
                         "1 to 16777216", op, (long long)p->qmax);
    if (p->round_type != 0 && p->round_type != 1)
        return pdsi_fail(err, PDS_ERR_UNSUPPORTED_OP, "%s: attribute 'round_type' is %lld, "
                         "expected 0 (half to even) or 1 (half away from zero)", op,
                         (long long)p->round_type);
    return PDS_OK;
}

static pds_status quantize_parse(const pdsi_attrs *attrs, void *params, pds_error *err)
{
    pdsi_quant_params *p = params;
    bool is_test;
    pds_status st;
    p->dequant = false;
    if ((st = quant_parse_common(attrs, p, "quantize_linear", err)) ||
        (st = pdsi_attr_bool(attrs, "is_test", false, &is_test, err)))
        return st;
    if (!is_test)
        return pdsi_fail(err, PDS_ERR_UNSUPPORTED_OP, "quantize_linear: attribute 'is_test' is "
                         "false (Paddle's training observer, which derives the scale from the "
                         "data), expected true (an inference program)");
    return PDS_OK;
}

static pds_status dequantize_parse(const pdsi_attrs *attrs, void *params, pds_error *err)
{
    pdsi_quant_params *p = params;
    p->dequant = true;
    /* Paddle's dequantize kernel ignores is_test. */
    return quant_parse_common(attrs, p, "dequantize_linear", err);
}

static pds_status quant_infer(const void *params, const pdsi_slot *in, const pdsi_slot *out,
                              pds_error *err)
{
    const pdsi_quant_params *p = params;
    const char *op = p->dequant ? "dequantize_linear" : "quantize_linear";
    const pdsi_tensor *x = pdsi_slot_get(&in[0]);
    const pdsi_tensor *s = pdsi_slot_get(&in[1]);
    static const char *const train_out[] = {"OutState", "OutAccum", "OutScale"};
    char b[160];
    if (!x || !s)
        return pdsi_fail(err, PDS_ERR_INTERNAL, "%s: input 'X' or 'Scale' is missing", op);
    for (int k = 1; k <= 3; k++)
        if (out[k].n > 0)
            return pdsi_fail(err, PDS_ERR_UNSUPPORTED_OP, "%s: output '%s' is connected: it is "
                             "written only by Paddle's training observer, expected only 'Y'",
                             op, train_out[k - 1]);
    if (x->dtype != PDS_FLOAT32)
        return pdsi_fail(err, PDS_ERR_DTYPE, "%s: input 'X' is %s, expected float32", op,
                         pds_dtype_name(x->dtype));
    if (s->dtype != PDS_FLOAT32)
        return pdsi_fail(err, PDS_ERR_DTYPE, "%s: input 'Scale' is %s, expected float32", op,
                         pds_dtype_name(s->dtype));
    pdsi_dims_str(x->dims, x->rank, b, sizeof b);
    const int64_t ns = pdsi_tensor_numel(s);
    if (p->quant_axis < 0) {
        if (ns < 1)
            return pdsi_fail(err, PDS_ERR_SHAPE, "%s: input 'Scale' is empty, expected at "
                             "least one value (per tensor)", op);
    } else {
        if (x->rank <= p->quant_axis)
            return pdsi_fail(err, PDS_ERR_SHAPE, "%s: quant_axis %lld is out of range for X %s "
                             "of rank %d", op, (long long)p->quant_axis, b, x->rank);
        if (ns != x->dims[p->quant_axis])
            return pdsi_fail(err, PDS_ERR_SHAPE, "%s: input 'Scale' has %lld values, expected "
                             "%lld (dim %lld of X %s, one per channel)", op, (long long)ns,
                             (long long)x->dims[p->quant_axis], (long long)p->quant_axis, b);
    }
    pdsi_out_set(out, 0, PDS_FLOAT32, x->rank, x->dims);
    return PDS_OK;
}

#define QUANT_OPDEF(var, ID, name, parser)                                                    \
    static const pdsi_opdef var = {                                                           \
        .id = PDSI_OP_##ID,                                                                   \
        .type = name,                                                                         \
        .family = FAMILY,                                                                     \
        .in = {{"X", PDSI_SLOT_REQUIRED},                                                     \
               {"Scale", PDSI_SLOT_REQUIRED},                                                 \
               {"ZeroPoint", PDSI_SLOT_REQUIRED},                                             \
               {"InAccum", PDSI_SLOT_OPTIONAL},                                               \
               {"InState", PDSI_SLOT_OPTIONAL}},                                              \
        .out = {{"Y", PDSI_SLOT_REQUIRED},                                                    \
                {"OutState", PDSI_SLOT_OPTIONAL},                                             \
                {"OutAccum", PDSI_SLOT_OPTIONAL},                                             \
                {"OutScale", PDSI_SLOT_OPTIONAL}},                                            \
        .flags = PDSI_OPF_ELEMENTWISE_SCALARS,                                                \
        .params_size = sizeof(pdsi_quant_params),                                             \
        .parse = parser,                                                                      \
        .infer = quant_infer,                                                                 \
    }

QUANT_OPDEF(op_quantize_linear, QUANTIZE_LINEAR, "quantize_linear", quantize_parse);
QUANT_OPDEF(op_dequantize_linear, DEQUANTIZE_LINEAR, "dequantize_linear", dequantize_parse);

const pdsi_opdef *const pdsi_ops_quant[] = {
    &op_quantize_linear,
    &op_dequantize_linear,
};
PDSI_OPDEF_TABLE_CHECK(QUANT, quant);
