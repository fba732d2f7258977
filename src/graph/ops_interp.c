/*
 * ops_interp.c — parse and shape inference for the interp operator family.
 */
#include "graph/opdef.h"

const pdsi_opdef *const pdsi_ops_interp[] = {
    NULL,
};
