/*
 * ops_pool.c — parse and shape inference for the pool operator family.
 */
#include "graph/opdef.h"

const pdsi_opdef *const pdsi_ops_pool[] = {
    NULL,
};
