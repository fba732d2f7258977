/*
 * ops_matmul.c — parse and shape inference for the matmul operator family.
 */
#include "graph/opdef.h"

const pdsi_opdef *const pdsi_ops_matmul[] = {
    NULL,
};
