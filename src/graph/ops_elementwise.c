/*
 * ops_elementwise.c — parse and shape inference for the elementwise operator family.
 */
#include "graph/opdef.h"

const pdsi_opdef *const pdsi_ops_elementwise[] = {
    NULL,
};
