/*
 * ops_fused.h — the opdefs of the operators made by the load-time passes
 * (kernels/fused.h). They are not in the loader's table: a model file cannot
 * name them.
 */
#ifndef PDSI_GRAPH_OPS_FUSED_H
#define PDSI_GRAPH_OPS_FUSED_H

#include "graph/opdef.h"
#include "kernels/fused.h"

extern const pdsi_opdef pdsi_op_fused_conv;
extern const pdsi_opdef pdsi_op_fused_matmul;

#endif
