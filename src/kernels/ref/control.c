/*
 * control.c — the reference kernel of the control family (ops/control.h):
 * select_input copies the input Mask names.
 */
#include "kernels/ref/ref.h"
#include "ops/control.h"

#include <string.h>

pds_status pdsi_select_input_ref(const void *params, const pdsi_slot *in, const pdsi_slot *out,
                                 pdsi_exec *ex, pds_error *err)
{
    (void)params;
    (void)ex;
    int k;
    pds_status st = pdsi_select_index(pdsi_slot_get(&in[1]), in[0].n, &k, err);
    if (st)
        return st;
    const pdsi_tensor *x = in[0].t[k];
    pdsi_tensor *y = out[0].t[0];
    size_t n = pdsi_tensor_bytes(x);
    if (x->dtype != y->dtype || n != pdsi_tensor_bytes(y))
        return pdsi_fail(err, PDS_ERR_INTERNAL, "select_input: input 'X' #%d (%s, %zu bytes) "
                         "does not fit output 'Out' (%s, %zu bytes)", k,
                         pds_dtype_name(x->dtype), n, pds_dtype_name(y->dtype),
                         pdsi_tensor_bytes(y));
    if (n && x->data != y->data)
        memcpy(y->data, x->data, n);
    return PDS_OK;
}

const pdsi_ref_binding pdsi_ref_control_kernels[] = {
    {PDSI_OP_SELECT_INPUT, pdsi_select_input_ref},
};
PDSI_REF_TABLE_CHECK(CONTROL, control);
