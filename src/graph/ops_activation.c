/*
 * ops_activation.c — parse and shape inference for the activation operator family.
 */
#include "graph/opdef.h"

const pdsi_opdef *const pdsi_ops_activation[] = {
    NULL,
};
