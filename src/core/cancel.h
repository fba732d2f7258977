/*
 * cancel.h — how long-running work asks whether it should stop.
 *
 * A run is cancelled from another thread (pds_predictor_cancel_run); the work
 * it does checks at bounded intervals — between operators, between planned
 * nodes, between chunks of an input copy — whether to stop. The modules that
 * do such work (runtime, plan) know nothing of predictors, so they get this
 * small callback instead. Each call of it is one "checkpoint" of the run.
 */
#ifndef PDSI_CORE_CANCEL_H
#define PDSI_CORE_CANCEL_H

#include <stdbool.h>

typedef struct pdsi_stop {
    bool (*should_stop)(void *arg); /* true: stop now and report PDS_ERR_CANCELLED */
    void *arg;
} pdsi_stop;

/* A checkpoint: true if the work must stop. A NULL stop never stops. */
static inline bool pdsi_stop_now(const pdsi_stop *s)
{
    return s && s->should_stop(s->arg);
}

#endif
