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

#include "backend/backend.h"
#include "graph/graph.h"
#include "plan/plan.h"
#include "runtime/adapt.h"

typedef struct pdsi_model {
    atomic_int refs;
    pdsi_graph graph;         /* after the load-time passes (passes/passes.h) */
    pds_tensor_info *inputs;  /* graph.n_inputs */
    pds_tensor_info *outputs; /* graph.n_outputs */
    pds_model_stats stats;    /* of the program as loaded */
    char **op_types;          /* stats.op_count types, as loaded (before rewrites) */
    pdsi_graph_info info;
    bool fast;                /* the whole backend list (else ref only): passes and packing */
    bool executor;            /* a backend needs the executor: runs go to its threads */
    pdsi_backend_set backends; /* the planner's list and each backend's model state */
    uint64_t param_bytes;     /* plain parameter bytes still held after the passes */
    bool guard;               /* guard mode: PDS_MODEL_GUARD or PDSAFE_GUARD=1 */
    bool adaptive;            /* PDSAFE_THREAD_POLICY=adaptive (the default): adapt.h */
} pdsi_model;

/* Takes ownership of a finished graph (even on failure, where it is freed).
 * Runs the load-time passes and weight packing unless the reference kernels
 * were asked for (PDS_MODEL_REFERENCE_KERNELS, or PDSAFE_KERNELS=ref in the
 * environment). */
pds_status pdsi_model_create(pdsi_graph *graph, pdsi_model **out, pds_error *err);
void pdsi_model_retain(pdsi_model *m);
/* The type of operator `index` as loaded (feed and fetch not counted), or NULL. */
const char *pdsi_model_op_type(const pdsi_model *m, uint64_t index);
void pdsi_model_release(pdsi_model *m);

#define PDSI_PLAN_CACHE 32

/* The cancel bit of pdsi_predictor.active (run ids stay below it). */
#define PDSI_RUN_CANCELLED (1ull << 63)

/* One step's timing in the last run (PDS_PREDICTOR_PROFILE). */
typedef struct pdsi_prof {
    uint64_t start_ns, duration_ns;
} pdsi_prof;

typedef struct pdsi_predictor {
    pdsi_model *model;
    pds_predictor_options options;
    atomic_int refs;        /* API calls inside this predictor (guarded by the handle lock) */
    uint64_t handle;        /* its handle, for guard mode's incidents */
    pthread_mutex_t run_mu; /* one run or fetch at a time */
    /* Cancellation by run id. `active` holds the id of the run in progress
     * (0: none) and PDSI_RUN_CANCELLED once that run is asked to stop; a
     * canceller sets the bit only by compare-and-swap from the exact id, so
     * it can never hit another run, and no cancel can overwrite another.
     * Ids cancelled before their run began wait in `pending`; ids are unique
     * and never reused, so a stale entry never matches. */
    atomic_ullong active;
    atomic_ullong pending[PDS_PENDING_CANCELS];
    atomic_uint pending_next;
    uint64_t run_id;          /* the run holding run_mu (or the last one) */
    uint64_t result_id;       /* the run whose result is kept (have_result) */
    uint32_t checkpoints;     /* checkpoints passed by the current run */
    uint32_t wait_at;         /* pds_run_options.wait_at_checkpoint of the current run */
    /* In a forked child: another thread of the parent was inside a call on
     * this predictor when the process forked, so its state is unknown. */
    bool lost_in_fork;
    bool have_result;
    pdsi_tensor *tensors;   /* one per graph value; parameters are borrowed */
    pdsi_slot *slots;       /* per node: its input slots then output slots (phase 1) */
    int32_t *slot_base;     /* node -> first entry in slots */
    pdsi_tensor **ptrs;     /* storage the slots point into */
    pdsi_exec exec;
    /* The team size of the run in progress (0: the reference path, where it
     * does not matter), the adaptive policy choosing it, and how long the
     * last run's steps took. */
    int run_team;
    pdsi_adapt adapt;
    uint64_t steps_ns;
    /* Plans, one per shape signature and team size, least recently used
     * evicted. */
    pdsi_plan *plans[PDSI_PLAN_CACHE];
    int n_plans;
    uint64_t clock;
    pdsi_plan *cur;         /* the plan of the last run */
    int64_t *key;           /* the signature of the shapes being run */
    void *arena;            /* activations of the current plan (runs without a
                             * workspace: the reference path) */
    size_t arena_cap;
    void *scratch;          /* backend scratch shared by the steps (same) */
    size_t scratch_cap;
    /* What the run in progress uses: the two above, or the workspace of the
     * executor thread it runs on (core/executor.h), lent for that run only. */
    void *run_arena, *run_scratch;
    size_t run_arena_cap;
    pdsi_tensor *kept;      /* per output: its copy, when it was in a lent arena */
    void *streams[PDSI_MAX_BACKENDS]; /* per backend of the model's set (stream_create) */
    bool streams_made;
    pdsi_tensor **result;   /* per output: the tensor handed out (have_result) */
    uint64_t runs, plans_built;
    pdsi_prof *prof;        /* per step of cur, then per late node, when profiling */
    int32_t cap_prof;
    uint64_t prof_t0;       /* when the last run's steps began (profiling) */
} pdsi_predictor;

pds_status pdsi_predictor_create(pdsi_model *m, const pds_predictor_options *options,
                                 pdsi_predictor **out, pds_error *err);
void pdsi_predictor_free(pdsi_predictor *p);

/* The caller holds run_mu and has marked the run as in progress
 * (pdsi_predictor_begin). */
pds_status pdsi_predictor_run(pdsi_predictor *p, const pds_tensor *inputs, size_t n_inputs,
                              pds_tensor *outputs, size_t n_outputs, pds_error *err);
/* Marks run `id` as in progress / finished, so that cancellation applies to
 * it from the moment it holds the predictor (and a cancel that came before is
 * found). wait_at is the run's wait_at_checkpoint testing hook (0: off). The
 * caller holds run_mu. */
void pdsi_predictor_begin(pdsi_predictor *p, uint64_t id, uint32_t wait_at);
void pdsi_predictor_end(pdsi_predictor *p);

/* Cancels run `id` (in progress or still to come); any thread, any time the
 * predictor cannot be freed. pdsi_predictor_cancel_active cancels whatever
 * run is in progress. */
void pdsi_predictor_cancel_run(pdsi_predictor *p, uint64_t id);
void pdsi_predictor_cancel_active(pdsi_predictor *p);

/* Run ids: pdsi_run_id_new takes the next one; pdsi_run_id_issued tells
 * whether an id was ever handed out. */
uint64_t pdsi_run_id_new(void);
bool pdsi_run_id_issued(uint64_t id);

/* Copies the kept result out. id 0: whichever run it came from
 * (pds_predictor_fetch); else only if it is run id's (PDS_ERR_RESULT_GONE). */
pds_status pdsi_predictor_fetch(pdsi_predictor *p, uint64_t id, pds_tensor *outputs,
                                size_t n_outputs, pds_error *err);

/* Statistics and last-run profile (the caller holds run_mu). */
void pdsi_predictor_stats(pdsi_predictor *p, pds_predictor_stats *stats);
size_t pdsi_predictor_profile(pdsi_predictor *p, pds_step_profile *steps, size_t cap);

/* Live-object counters. */
extern atomic_ullong pdsi_live_models, pdsi_live_predictors;

#endif
