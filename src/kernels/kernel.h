/*
 * kernel.h — the interface between the runtime and a kernel.
 *
 * A kernel gets its operator's parsed parameters (a flat struct filled once at
 * load, declared in ops/<family>.h), its input and output tensors grouped by
 * slot (core/slot.h), and an execution context. Slot k of an operator holds
 * 0..n tensors: n == 0 means an optional input or output is absent; list
 * slots (concat's X) hold several. Output tensors arrive with dtype and shape
 * already set by the operator's shape inference and their buffers reserved,
 * so a kernel only computes.
 *
 * Kernels never see files, graphs or handles, keep no state between calls, and
 * must not write their inputs (parameters are shared by every predictor). They
 * may use ops/ (params, shape rules) and core/, never graph/ (checked by
 * tests/layers_test.sh). Which kernel runs an operator is decided by operator
 * id on the kernel side: kernels/ref/ref.h binds a reference kernel to every
 * id.
 */
#ifndef PDSI_KERNELS_KERNEL_H
#define PDSI_KERNELS_KERNEL_H

#include "core/error.h"
#include "core/slot.h"
#include "core/tensor.h"

/* Per-run execution context, owned by the predictor. */
typedef struct pdsi_exec {
    int num_threads;
    void *scratch;       /* grown by pdsi_exec_scratch, freed with the predictor */
    size_t scratch_cap;
} pdsi_exec;

/* Returns a scratch buffer of at least bytes (64-byte aligned) that lives until
 * the next call of this function on the same context, or NULL when out of
 * memory. */
void *pdsi_exec_scratch(pdsi_exec *ex, size_t bytes);

/* Releases the scratch buffer. */
void pdsi_exec_release(pdsi_exec *ex);

typedef pds_status (*pdsi_kernel_fn)(const void *params, const pdsi_slot *in,
                                     const pdsi_slot *out, pdsi_exec *ex, pds_error *err);

#endif
