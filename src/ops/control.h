/*
 * control.h — the control family: what is left of a conditional in the
 * graph once its branches are flattened into guarded nodes (graph/graph.h,
 * pdsi_guard).
 *
 * select_input (Paddle's legacy operator of that name) hands on one of its
 * inputs: Out = X[Mask], with Mask a one-element bool or integer tensor.
 * The PIR loader makes one per result of a pd_op.if, with X = {the false
 * branch's value, the true branch's value} and Mask the condition, so that
 * Out is the value of the branch that ran. Mask is read in phase 1 (a
 * data-dependent input), which also makes the condition an early value that
 * the guards of the branch nodes can read.
 */
#ifndef PDSI_OPS_CONTROL_H
#define PDSI_OPS_CONTROL_H

#include "core/error.h"
#include "core/tensor.h"

/* The index Mask selects among n inputs: PDS_ERR_SHAPE / PDS_ERR_DTYPE for a
 * Mask that is not one number, one out of [0, n). */
pds_status pdsi_select_index(const pdsi_tensor *mask, int n, int *index, pds_error *err);

#endif
