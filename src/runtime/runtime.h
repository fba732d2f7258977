/*
 * runtime.h — models (immutable, shared) and predictors (mutable, one run at
 * a time), the objects behind the API's handles.
 *
 * A model owns its graph and parameters and is reference-counted: one
 * reference for its handle, one per predictor, one per API call that is
 * using it, so it can be destroyed in any order (DESIGN M14). A predictor
 * owns the activations of one run; `refs` counts the API calls inside it,
 * and destroy refuses (PDS_ERR_BUSY) while that is non-zero (M7).
 */
#ifndef PDSI_RUNTIME_RUNTIME_H
#define PDSI_RUNTIME_RUNTIME_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>

#include "graph/graph.h"

typedef struct pdsi_model {
    atomic_int refs;
    pdsi_graph graph;
    pds_tensor_info *inputs;  /* graph.n_inputs */
    pds_tensor_info *outputs; /* graph.n_outputs */
    pds_model_stats stats;
} pdsi_model;

/* Takes ownership of a finished graph (even on failure, where it is freed). */
pds_status pdsi_model_create(pdsi_graph *graph, pdsi_model **out, pds_error *err);
void pdsi_model_retain(pdsi_model *m);
void pdsi_model_release(pdsi_model *m);

typedef struct pdsi_predictor {
    pdsi_model *model;
    pds_predictor_options options;
    atomic_int refs;        /* API calls inside this predictor (guarded by the handle lock) */
    atomic_int running;     /* a run is between its first and last operator */
    atomic_int cancel;      /* set by pds_predictor_cancel during a run */
    pthread_mutex_t run_mu; /* one run or fetch at a time */
    bool have_result;
    pdsi_tensor *tensors;   /* one per graph value; parameters are borrowed */
    pdsi_slot *slots;       /* per node: its input slots then output slots */
    int32_t *slot_base;     /* node -> first entry in slots */
    pdsi_tensor **ptrs;     /* storage the slots point into */
    pdsi_exec exec;
} pdsi_predictor;

pds_status pdsi_predictor_create(pdsi_model *m, const pds_predictor_options *options,
                                 pdsi_predictor **out, pds_error *err);
void pdsi_predictor_free(pdsi_predictor *p);

/* The caller holds run_mu and has marked the run as in progress
 * (pdsi_predictor_begin). */
pds_status pdsi_predictor_run(pdsi_predictor *p, const pds_tensor *inputs, size_t n_inputs,
                              pds_tensor *outputs, size_t n_outputs, pds_error *err);
/* Marks a run as in progress / finished, so that pds_predictor_cancel applies
 * to it from the moment it holds the predictor. The caller holds run_mu. */
void pdsi_predictor_begin(pdsi_predictor *p);
void pdsi_predictor_end(pdsi_predictor *p);

pds_status pdsi_predictor_fetch(pdsi_predictor *p, pds_tensor *outputs, size_t n_outputs,
                                pds_error *err);

/* Live-object counters. */
extern atomic_ullong pdsi_live_models, pdsi_live_predictors;

#endif
