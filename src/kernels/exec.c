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
    pdsi_buffer_free(ex->scratch, ex->scratch_cap);
    ex->scratch = pdsi_buffer_alloc(bytes, &ex->scratch_cap);
    return ex->scratch;
}

void pdsi_exec_release(pdsi_exec *ex)
{
    pdsi_buffer_free(ex->scratch, ex->scratch_cap);
    ex->scratch = NULL;
    ex->scratch_cap = 0;
}
