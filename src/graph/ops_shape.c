/*
 * ops_shape.c — parse and shape inference for the shape operator family.
 */
#include "graph/opdef.h"

const pdsi_opdef *const pdsi_ops_shape[] = {
    NULL,
};
