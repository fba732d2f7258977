/*
 * ops_norm.c — parse and shape inference for the norm operator family.
 */
#include "graph/opdef.h"

const pdsi_opdef *const pdsi_ops_norm[] = {
    NULL,
};
