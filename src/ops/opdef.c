/*
 * opdef.c — the registry of operators (in id order, from the family tables)
 * and small helpers shared by the shape-inference functions of every family.
 */
#include "ops/opdef.h"

#include <stdint.h>
#include <string.h>

#include "core/tensor.h"

typedef struct family {
    const pdsi_opdef *const *defs;
    int first, count;
} family;

#define FAMILY_ROW_(FAM, fam)                                                                 \
    {pdsi_ops_##fam, PDSI_OPS_##FAM##_FIRST, PDSI_OPS_##FAM##_COUNT},
static const family families[] = {PDSI_OP_FAMILIES(FAMILY_ROW_)};
#undef FAMILY_ROW_

int pdsi_opdef_count(void)
{
    return PDSI_OP_COUNT;
}

const pdsi_opdef *pdsi_opdef_at(int i)
{
    for (size_t f = 0; f < sizeof families / sizeof families[0]; f++) {
        const family *fam = &families[f];
        if (i >= fam->first && i < fam->first + fam->count) {
            const pdsi_opdef *d = fam->defs[i - fam->first];
            /* A table out of the list's order gives NULL, which the registry
             * test reports, rather than the wrong operator. */
            return d && (int)d->id == i ? d : NULL;
        }
    }
    return NULL;
}

const pdsi_opdef *pdsi_opdef_find(const char *type)
{
    for (int i = 0; i < PDSI_OP_COUNT; i++) {
        const pdsi_opdef *d = pdsi_opdef_at(i);
        if (d && !(d->flags & PDSI_OPF_INTERNAL) && strcmp(d->type, type) == 0)
            return d;
    }
    return NULL;
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

pds_status pdsi_check_out_size(pds_dtype dt, int rank, const int64_t *dims, const char *what,
                               pds_error *err)
{
    char b[200];
    int64_t numel;
    size_t bytes;
    if (!pdsi_shape_numel(dims, rank, &numel) || !pdsi_bytes_of(dt, numel, &bytes) ||
        bytes > (size_t)PTRDIFF_MAX)
        return pdsi_fail(err, PDS_ERR_SHAPE, "%s %s (%s) has a size that overflows", what,
                         pdsi_dims_str(dims, rank, b, sizeof b), pds_dtype_name(dt));
    return PDS_OK;
}
