/*
 * ops_reduce.c — parse and shape inference for the reduce operator family.
 */
#include "graph/opdef.h"

const pdsi_opdef *const pdsi_ops_reduce[] = {
    NULL,
};
