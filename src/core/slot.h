/*
 * slot.h — the tensors an operator reads or writes through one of its slots.
 *
 * Slot k of an operator holds 0..n tensors: n == 0 means an optional input or
 * output is absent; list slots (concat's X) hold several. Shape inference
 * (ops/) and kernels (kernels/) both take their tensors this way.
 */
#ifndef PDSI_CORE_SLOT_H
#define PDSI_CORE_SLOT_H

#include "core/tensor.h"

typedef struct pdsi_slot {
    pdsi_tensor **t;
    int n;
} pdsi_slot;

/* The tensor of a single-tensor slot, or NULL when the slot is empty. */
static inline pdsi_tensor *pdsi_slot_get(const pdsi_slot *s)
{
    return s->n > 0 ? s->t[0] : (pdsi_tensor *)0;
}

#endif
