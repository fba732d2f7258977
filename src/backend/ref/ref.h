/*
 * ref.h — the reference backend: every node on its portable C kernel
 * (src/kernels/ref/), the oracle the other backends are tested against.
 * Its table is pdsi_backend_ref (backend/backend.h).
 */
#ifndef PDSI_BACKEND_REF_REF_H
#define PDSI_BACKEND_REF_REF_H

#include "backend/backend.h"

/* Runs node's reference kernel on its slots. The one place a node's kernel
 * is called: plan steps of the ref backend and phase 1's early nodes
 * (runtime/predictor.c) both come here. */
pds_status pdsi_ref_run_node(const pdsi_node *node, const pdsi_slot *in, const pdsi_slot *out,
                             pdsi_exec *ex, pds_error *err);

#endif
