/*
 * plan.h — how a predictor runs a graph for one set of tensor shapes.
 *
 * The runtime infers every shape first (phase 1; see runtime/predictor.c),
 * then looks for a plan made for exactly those shapes. A plan is built once
 * per shape signature and cached by the predictor:
 *
 *   - steps: each remaining operator whose branch runs (graph.h,
 *     pdsi_guard: what a skipped node would write is absent, dtype unknown,
 *     so the signature tells the branches taken apart), run by the first
 *     backend of the model's list that accepts the node with these shapes
 *     and layouts (backend/backend.h; the list ends with ref, which accepts
 *     all), plus the layout conversions and residual copies those need;
 *   - memory: every tensor produced in phase 2 (and every conversion, and the
 *     intermediates inside a multi-primitive step) gets an offset in one
 *     arena from the liveness-based planner (plan/arena.h);
 *     tensors whose storage a step must share (it accumulates into its
 *     output in place) are placed together;
 *   - the graph outputs: which tensor holds each one in plain layout.
 *
 * Late nodes (graph.h: downstream of an operator whose output sizes are
 * known only after its kernel ran) are not planned: the runtime infers and
 * runs them after the steps, from what late_in lists.
 *
 * Values computed in phase 1 (graph inputs and the small shape computations
 * that later shapes depend on) and parameters stay outside the arena.
 */
#ifndef PDSI_PLAN_PLAN_H
#define PDSI_PLAN_PLAN_H

#include <stdint.h>

#include "core/cancel.h"
#include "backend/backend.h"
#include "graph/graph.h"

enum {
    PDSI_STEP_BACKEND = 0, /* a backend's step for the node */
    PDSI_STEP_CONVERT = 1, /* a layout conversion (a backend's step too) */
    PDSI_STEP_COPY = 2,    /* a byte copy (residual that must be kept) */
};

typedef struct pdsi_step {
    int32_t node; /* the node run (BACKEND) or served (CONVERT, COPY) */
    uint8_t kind;
    uint8_t bi;                 /* BACKEND, CONVERT: the backend's index in the model's set */
    const pdsi_backend *backend; /* BACKEND, CONVERT: the set's b[bi] */
    pdsi_backend_step *impl;    /* BACKEND, CONVERT */
    pdsi_tensor **in_t;         /* flat inputs, in node->vals order */
    pdsi_tensor **out_t;        /* flat outputs */
    int n_in_t, n_out_t;
    size_t temp_off;            /* the arena offset of the step's intermediates */
} pdsi_step;

typedef struct pdsi_plan {
    int64_t *key;      /* the shape signature this plan is for */
    size_t key_len;
    uint64_t hash;
    pdsi_step *steps;
    int32_t n_steps;
    int32_t n_values;  /* graph values; tensors [n_values, n_values + n_extra) are extra */
    pdsi_tensor *extra;
    int32_t n_extra;
    size_t *offset;    /* per tensor (value or extra): arena offset, SIZE_MAX = not in the arena */
    pdsi_tensor **out; /* per graph output: the plain tensor to hand out */
    /* What late nodes (graph.h) read from the steps: value late_in_value[k]
     * is in plain layout in late_in[k] (the value's own tensor, or a
     * conversion of it), alive after the last step. */
    pdsi_tensor **late_in;
    int32_t *late_in_value;
    int32_t n_late_in;
    size_t arena_bytes;   /* planned */
    size_t naive_bytes;   /* every arena tensor in its own buffer */
    size_t scratch_bytes; /* backend scratch, shared by all steps */
    int32_t n_fast;       /* BACKEND steps of a backend other than ref */
    int32_t n_int8;       /* of which int8 products (pdsi_backend.step_int8) */
    int32_t n_convert;
    uint64_t last_used;
    int team; /* the OpenMP team size its kernels were made for (0: any) */
} pdsi_plan;

/* Builds the shape signature of the current shapes of tensors (all values
 * that are neither parameters nor late, info's late_value). key must hold
 * pdsi_plan_key_len entries. */
size_t pdsi_plan_key_len(const pdsi_graph *g);
uint64_t pdsi_plan_key(const pdsi_graph *g, const pdsi_graph_info *info,
                       const pdsi_tensor *tensors, int64_t *key);

/* Builds a plan for the shapes now in tensors (phase 1 done), offering each
 * node to the backends of set in order. Parameters whose plain data a
 * backend dropped get it back (tensors[v].data) when a step of a backend with
 * plain_params reads them. Planning a node may compile kernels (milliseconds
 * each), so stop (may be NULL) is asked before every node:
 * PDS_ERR_CANCELLED, nothing kept. */
pds_status pdsi_plan_build(const pdsi_graph *g, const pdsi_graph_info *info,
                           const pdsi_backend_set *set, pdsi_tensor *tensors, const int64_t *key,
                           size_t key_len, uint64_t hash, const pdsi_stop *stop,
                           pdsi_plan **out, pds_error *err);
void pdsi_plan_free(pdsi_plan *plan);

/* The tensor with index i (a value or, from n_values on, an extra). */
static inline pdsi_tensor *pdsi_plan_tensor(pdsi_plan *pl, pdsi_tensor *tensors, int32_t i)
{
    return i < pl->n_values ? &tensors[i] : &pl->extra[i - pl->n_values];
}

#endif
