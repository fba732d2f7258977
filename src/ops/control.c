/*
 * control.c — opdefs of the control family (ops/control.h): select_input.
 */
#include <string.h>

#include "ops/control.h"
#include "ops/opdef.h"

#define FAMILY "control"

pds_status pdsi_select_index(const pdsi_tensor *mask, int n, int *index, pds_error *err)
{
    int64_t v, numel = pdsi_tensor_numel(mask);
    if (numel != 1 || !mask->data)
        return pdsi_fail(err, PDS_ERR_SHAPE, "select_input: input 'Mask' has %lld elements, "
                         "expected 1", (long long)numel);
    switch (mask->dtype) {
    case PDS_BOOL:
    case PDS_UINT8: v = *(const uint8_t *)mask->data; break;
    case PDS_INT32: v = *(const int32_t *)mask->data; break;
    case PDS_INT64: v = *(const int64_t *)mask->data; break;
    default:
        return pdsi_fail(err, PDS_ERR_DTYPE, "select_input: input 'Mask' is %s, expected bool, "
                         "int32 or int64", pds_dtype_name(mask->dtype));
    }
    if (v < 0 || v >= n)
        return pdsi_fail(err, PDS_ERR_SHAPE, "select_input: 'Mask' is %lld, expected an index "
                         "in [0, %d) into 'X'", (long long)v, n);
    *index = (int)v;
    return PDS_OK;
}

static pds_status select_input_infer(const void *params, const pdsi_slot *in,
                                     const pdsi_slot *out, pds_error *err)
{
    (void)params;
    int k;
    pds_status st = pdsi_select_index(pdsi_slot_get(&in[1]), in[0].n, &k, err);
    if (st)
        return st;
    const pdsi_tensor *x = in[0].t[k];
    /* The branch Mask names is the one whose guard held: its value is there. */
    if (x->dtype == PDS_DTYPE_UNKNOWN)
        return pdsi_fail(err, PDS_ERR_INTERNAL, "select_input: input 'X' #%d was not computed "
                         "in this run (its branch did not run)", k);
    pdsi_out_set(out, 0, x->dtype, x->rank, x->dims);
    return PDS_OK;
}

static const pdsi_opdef op_select_input = {
    .id = PDSI_OP_SELECT_INPUT,
    .type = "select_input",
    .family = FAMILY,
    .in = {{"X", PDSI_SLOT_REQUIRED | PDSI_SLOT_LIST}, {"Mask", PDSI_SLOT_REQUIRED}},
    .out = {{"Out", PDSI_SLOT_REQUIRED}},
    .infer = select_input_infer,
    .data_dependent_inputs = 1u << 1,
};

const pdsi_opdef *const pdsi_ops_control[] = {
    &op_select_input,
};
PDSI_OPDEF_TABLE_CHECK(CONTROL, control);
