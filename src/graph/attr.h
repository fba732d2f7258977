/*
 * attr.h — forwards to ops/attr.h, where the attribute types and accessors
 * are declared now that the opdefs (ops/) parse with them. Kept for the
 * loaders and graph/attr.c, which include it by this name.
 */
#ifndef PDSI_GRAPH_ATTR_H
#define PDSI_GRAPH_ATTR_H

#include "ops/attr.h"

#endif
