/*
 * trace.h — the timeline recorder: public calls and run steps into bounded
 * per-thread buffers, written out as Chrome trace-event JSON (docs/TRACING.md).
 *
 * A session is process-wide (pds_trace_start, or PDSAFE_TRACE=FILE at a
 * load). While it is on, every traced public call records one event (begin
 * and end on CLOCK_MONOTONIC, handle, run id, status, the handle it made),
 * and every step of a run records one (op index, type, backend and
 * implementation, run id). Each OS thread writes only into its own buffer, so
 * recording takes no lock and touches no shared cache line; a full buffer
 * counts what it drops. The buffers are kept for the life of the process once
 * a session has used them and reused by later sessions, so a thread never
 * writes into freed memory.
 *
 * The hooks below are what the rest of the library sees. With no session they
 * cost one predictable branch on a relaxed atomic load (PDSI_TRACE_ON) and, in
 * the entry points, a small zeroed struct on the stack. Call tracing needs the
 * GNU `cleanup` attribute (gcc, clang); elsewhere the call hooks are empty.
 *
 * This module includes only core/ and is included by api/ and runtime/.
 */
#ifndef PDSI_TRACE_TRACE_H
#define PDSI_TRACE_TRACE_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include "pdsafe.h"

/* The traced entry points: X(id, name, what it makes: 0 none, 1 model,
 * 2 predictor; what it destroys: same codes). */
#define PDSI_TRACE_CALL_LIST(X)                                  \
    X(MODEL_LOAD_FILES, "pds_model_load_files", 1, 0)            \
    X(MODEL_LOAD_BUFFERS, "pds_model_load_buffers", 1, 0)        \
    X(MODEL_CHECK_FILES, "pds_model_check_files", 0, 0)          \
    X(MODEL_DESTROY, "pds_model_destroy", 0, 1)                  \
    X(MODEL_INPUT_COUNT, "pds_model_input_count", 0, 0)          \
    X(MODEL_OUTPUT_COUNT, "pds_model_output_count", 0, 0)        \
    X(MODEL_INPUT_INFO, "pds_model_input_info", 0, 0)            \
    X(MODEL_OUTPUT_INFO, "pds_model_output_info", 0, 0)          \
    X(MODEL_GET_STATS, "pds_model_get_stats", 0, 0)              \
    X(MODEL_OP_TYPE, "pds_model_op_type", 0, 0)                  \
    X(PREDICTOR_CREATE, "pds_predictor_create", 2, 0)            \
    X(PREDICTOR_DESTROY, "pds_predictor_destroy", 0, 2)          \
    X(PREDICTOR_RUN, "pds_predictor_run", 0, 0)                  \
    X(PREDICTOR_RUN_V2, "pds_predictor_run_v2", 0, 0)            \
    X(PREDICTOR_FETCH, "pds_predictor_fetch", 0, 0)              \
    X(PREDICTOR_FETCH_V2, "pds_predictor_fetch_v2", 0, 0)        \
    X(PREDICTOR_GET_STATS, "pds_predictor_get_stats", 0, 0)      \
    X(PREDICTOR_GET_PROFILE, "pds_predictor_get_profile", 0, 0)  \
    X(PREDICTOR_CANCEL, "pds_predictor_cancel", 0, 0)            \
    X(PREDICTOR_CANCEL_RUN, "pds_predictor_cancel_run", 0, 0)

typedef enum pdsi_trace_call {
#define PDSI_TRACE_CALL_ENUM_(id, name, makes, destroys) PDSI_TC_##id,
    PDSI_TRACE_CALL_LIST(PDSI_TRACE_CALL_ENUM_)
#undef PDSI_TRACE_CALL_ENUM_
    PDSI_TC_COUNT_
} pdsi_trace_call;

/* Non-zero while a session records. Read by the hooks only through
 * PDSI_TRACE_ON. Hidden, so that the hooks load it directly rather than
 * through the GOT. */
#if defined(__GNUC__)
extern atomic_int pdsi_trace_active __attribute__((visibility("hidden")));
#else
extern atomic_int pdsi_trace_active;
#endif

#if defined(__GNUC__)
#define PDSI_TRACE_UNLIKELY(x) __builtin_expect(!!(x), 0)
#else
#define PDSI_TRACE_UNLIKELY(x) (x)
#endif
#define PDSI_TRACE_ON() \
    PDSI_TRACE_UNLIKELY(atomic_load_explicit(&pdsi_trace_active, memory_order_relaxed))

/* The state of one traced call, on the entry point's stack. It is left
 * uninitialised unless the call is traced: the hook's fast path is one store
 * of a NULL pointer (the cleanup's argument) and one branch. */
typedef struct pdsi_trace_scope {
    bool redirected;      /* err points to the buffer's report */
    uint16_t fn;
    pds_error *user_err;  /* the caller's report (may be NULL) */
    const uint64_t *out;  /* the handle the call makes, when it makes one */
    uint64_t t0, handle, run_id;
    struct pdsi_trace_scope *prev;
} pdsi_trace_scope;

/* Starts recording call fn and returns the report the call must fill: one of
 * the calling thread's buffer, so that the status is known at the end even
 * when the caller passed NULL; the end copies it to the caller's report when
 * the call failed (the caller's struct is untouched on success, as always). */
pds_error *pdsi_trace_call_begin(pdsi_trace_scope *s, unsigned fn, uint64_t handle,
                                 uint64_t run_id, const uint64_t *out, pds_error *err);
void pdsi_trace_call_end(pdsi_trace_scope *s);
/* The load entry points: reads PDSAFE_TRACE (which may start a session)
 * before beginning the call; when the call is traced, sets *sp to s and
 * redirects *err. Non-zero when the variable asks for a file that cannot be
 * created; the load then fails with that status. */
pds_status pdsi_trace_load_begin(pdsi_trace_scope *s, pdsi_trace_scope **sp, unsigned fn,
                                 const uint64_t *out, pds_error **err);
/* Tells the innermost call of this thread the id of the run it holds. */
void pdsi_trace_set_run_id(uint64_t run_id);

static inline void pdsi_trace_scope_end_(pdsi_trace_scope **sp)
{
    if (PDSI_TRACE_UNLIKELY(*sp != NULL))
        pdsi_trace_call_end(*sp);
}

#if defined(__GNUC__)
#define PDSI_TRACE_SCOPE_                                              \
    pdsi_trace_scope pdsi_trace_scope_;                                \
    pdsi_trace_scope *pdsi_trace_sp_                                   \
        __attribute__((cleanup(pdsi_trace_scope_end_))) = NULL

/* At the top of an entry point: records the call from here to its return.
 * err must be the function's `pds_error *err` parameter (it is redirected
 * while tracing, see pdsi_trace_call_begin). */
#define PDSI_TRACE_CALL(fn, handle, run_id, err)                                            \
    PDSI_TRACE_SCOPE_;                                                                      \
    if (PDSI_TRACE_ON())                                                                    \
    (err) = pdsi_trace_call_begin(pdsi_trace_sp_ = &pdsi_trace_scope_, PDSI_TC_##fn,       \
                                  (handle), (run_id), NULL, (err))

/* The same for a constructor; out is its `uint64_t *out` (read at the end). */
#define PDSI_TRACE_CALL_OUT(fn, handle, out, err)                                           \
    PDSI_TRACE_SCOPE_;                                                                      \
    if (PDSI_TRACE_ON())                                                                    \
    (err) = pdsi_trace_call_begin(pdsi_trace_sp_ = &pdsi_trace_scope_, PDSI_TC_##fn,       \
                                  (handle), 0, (out), (err))

/* The load entry points (see pdsi_trace_load_begin): may return. */
#define PDSI_TRACE_LOAD(fn, out, err)                                                       \
    PDSI_TRACE_SCOPE_;                                                                      \
    do {                                                                                    \
        pds_status pdsi_trace_st_ = pdsi_trace_load_begin(                                  \
            &pdsi_trace_scope_, &pdsi_trace_sp_, PDSI_TC_##fn, (out), &(err));              \
        if (pdsi_trace_st_)                                                                 \
            return pdsi_trace_st_;                                                          \
    } while (0)
#else
#define PDSI_TRACE_CALL(fn, handle, run_id, err) ((void)0)
#define PDSI_TRACE_CALL_OUT(fn, handle, out, err) ((void)0)
#define PDSI_TRACE_LOAD(fn, out, err) ((void)0)
#endif

/* Inside a call that holds a run: its id. */
#define PDSI_TRACE_RUN_ID(id)            \
    do {                                 \
        if (PDSI_TRACE_ON())             \
            pdsi_trace_set_run_id((id)); \
    } while (0)

/* CLOCK_MONOTONIC in nanoseconds, the one clock of every event. */
uint64_t pdsi_trace_now(void);

/* Around the steps of a run. t is a local, 0 unless tracing was on when the
 * steps began: PDSI_TRACE_STEP_BEGIN(t) before the first step, then after
 * each step "if (PDSI_TRACE_STEP_ACTIVE(t)) t = (record it from t)". One
 * clock read per step: a step's event starts where the previous one ended,
 * so the checkpoint between two steps (a cancel check; the wait of the
 * wait_at_checkpoint testing hook) is counted in the step after it. */
#define PDSI_TRACE_STEP_BEGIN(t) uint64_t t = PDSI_TRACE_ON() ? pdsi_trace_now() : 0
#define PDSI_TRACE_STEP_ACTIVE(t) PDSI_TRACE_UNLIKELY((t) != 0)

/* Records one step that began at t0 and ends now, and returns now. kernel
 * is "backend" or "backend:implementation" ("reorder", "copy" for the
 * planner's own steps). The strings are copied. */
uint64_t pdsi_trace_step(uint64_t t0, uint64_t run_id, int32_t step, int32_t op_index,
                         const char *op_type, const char *backend, const char *impl);

#endif
