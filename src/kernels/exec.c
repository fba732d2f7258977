/*
 * exec.c — the per-predictor execution context shared by all kernels.
 */
#include "kernels/kernel.h"

#include <stdlib.h>

void *pdsi_exec_scratch(pdsi_exec *ex, size_t bytes)
{
    if (bytes == 0)
        bytes = 1;
    if (ex->scratch_cap >= bytes)
        return ex->scratch;
    size_t sz = (bytes + 63) & ~(size_t)63;
    if (sz < bytes)
        return NULL;
    free(ex->scratch);
    ex->scratch = aligned_alloc(64, sz);
    ex->scratch_cap = ex->scratch ? sz : 0;
    return ex->scratch;
}

void pdsi_exec_release(pdsi_exec *ex)
{
    free(ex->scratch);
    ex->scratch = NULL;
    ex->scratch_cap = 0;
}
