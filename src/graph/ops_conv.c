/*
 * ops_conv.c — parse and shape inference for the conv operator family.
 */
#include "graph/opdef.h"

const pdsi_opdef *const pdsi_ops_conv[] = {
    NULL,
};
