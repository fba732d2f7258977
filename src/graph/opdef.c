/*
 * opdef.c — the registry of operator families and small helpers shared by the
 * shape-inference functions of every family.
 */
#include "graph/opdef.h"

#include <string.h>

static const pdsi_opdef *const *const families[] = {
    pdsi_ops_conv,  pdsi_ops_pool,   pdsi_ops_interp, pdsi_ops_activation, pdsi_ops_elementwise,
    pdsi_ops_norm,  pdsi_ops_matmul, pdsi_ops_reduce, pdsi_ops_shape,
};

const pdsi_opdef *pdsi_opdef_find(const char *type)
{
    for (size_t f = 0; f < sizeof families / sizeof families[0]; f++)
        for (const pdsi_opdef *const *d = families[f]; *d; d++)
            if (strcmp((*d)->type, type) == 0)
                return *d;
    return NULL;
}

void pdsi_opdef_each(void (*fn)(const pdsi_opdef *def, void *ctx), void *ctx)
{
    for (size_t f = 0; f < sizeof families / sizeof families[0]; f++)
        for (const pdsi_opdef *const *d = families[f]; *d; d++)
            fn(*d, ctx);
}

int pdsi_opdef_slot_count(const pdsi_slotdef *slots)
{
    int n = 0;
    while (n < PDSI_MAX_SLOTS && slots[n].name)
        n++;
    return n;
}

void pdsi_out_set(const pdsi_slot *out, int k, pds_dtype dtype, int rank, const int64_t *dims)
{
    if (out[k].n > 0)
        pdsi_tensor_set_shape(out[k].t[0], dtype, rank, dims);
}

pds_status pdsi_check_rank(const pdsi_tensor *t, int lo, int hi, const char *what,
                           pds_error *err)
{
    if (t->rank < lo || t->rank > hi) {
        char b[160];
        if (lo == hi)
            return pdsi_fail(err, PDS_ERR_SHAPE, "%s has rank %d %s, expected rank %d", what,
                             t->rank, pdsi_dims_str(t->dims, t->rank, b, sizeof b), lo);
        return pdsi_fail(err, PDS_ERR_SHAPE, "%s has rank %d %s, expected rank %d to %d", what,
                         t->rank, pdsi_dims_str(t->dims, t->rank, b, sizeof b), lo, hi);
    }
    return PDS_OK;
}

pds_status pdsi_check_f32(const pdsi_tensor *t, const char *what, pds_error *err)
{
    if (t->dtype != PDS_FLOAT32)
        return pdsi_fail(err, PDS_ERR_DTYPE, "%s is %s, expected float32", what,
                         pds_dtype_name(t->dtype));
    return PDS_OK;
}

pds_status pdsi_norm_axis(int64_t axis, int rank, int *out, const char *what, pds_error *err)
{
    int64_t a = axis < 0 ? axis + rank : axis;
    if (a < 0 || a >= (rank > 0 ? rank : 1))
        return pdsi_fail(err, PDS_ERR_SHAPE, "%s %lld is out of range for rank %d", what,
                         (long long)axis, rank);
    *out = (int)a;
    return PDS_OK;
}
