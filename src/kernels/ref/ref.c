/*
 * ref.c — the lookup of an operator's reference kernel in the family tables
 * (see ref.h).
 */
#include "kernels/ref/ref.h"

#include <stddef.h>

typedef struct family {
    const pdsi_ref_binding *rows;
    int first, count;
} family;

#define FAMILY_ROW_(FAM, fam)                                                                 \
    {pdsi_ref_##fam##_kernels, PDSI_OPS_##FAM##_FIRST, PDSI_OPS_##FAM##_COUNT},
static const family families[] = {PDSI_OP_FAMILIES(FAMILY_ROW_)};
#undef FAMILY_ROW_

pdsi_kernel_fn pdsi_ref_kernel(pdsi_op_id id)
{
    for (size_t f = 0; f < sizeof families / sizeof families[0]; f++) {
        const family *fam = &families[f];
        if ((int)id >= fam->first && (int)id < fam->first + fam->count) {
            const pdsi_ref_binding *b = &fam->rows[(int)id - fam->first];
            /* A row out of the list's order gives NULL, which the registry test
             * reports, rather than another operator's kernel. */
            return b->op == id ? b->run : NULL;
        }
    }
    return NULL;
}
