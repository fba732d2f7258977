/*
 * pd_predictor.h — PD_Predictor: runs a model.
 *
 * A predictor serves one thread at a time (as in Paddle). pdsafe detects the
 * overlap instead of racing: a call that finds another thread inside a call
 * on the same predictor (PD_PredictorRun, or a tensor call on one of its
 * handles) is reported and does nothing (PD_PredictorRun returns FALSE).
 * What no C API without a caller identity can detect: two threads whose calls
 * interleave without overlapping (A copies in and runs, B copies in and runs,
 * A copies out B's result); see docs/MIGRATING_FROM_PADDLE.md.
 */
#ifndef PDSAFE_COMPAT_PD_PREDICTOR_H
#define PDSAFE_COMPAT_PD_PREDICTOR_H

#include "pd_common.h"

typedef struct PD_Predictor PD_Predictor;
typedef struct PD_Config PD_Config;
typedef struct PD_Tensor PD_Tensor;
typedef struct PD_OneDimArrayCstr PD_OneDimArrayCstr;
typedef struct PD_IOInfos PD_IOInfos;

#ifdef __cplusplus
extern "C" {
#endif

/* Loads the model the config names and creates a predictor; NULL (with a
 * report naming the file and what was wrong) if it cannot. Takes the config:
 * see pd_config.h for what that means here. */
PADDLE_CAPI_EXPORT extern __pd_give PD_Predictor *PD_PredictorCreate(
    __pd_take PD_Config *pd_config);
/* A new predictor on the same loaded model: the weights are shared, not
 * copied; its inputs and outputs are its own. */
PADDLE_CAPI_EXPORT extern __pd_give PD_Predictor *PD_PredictorClone(
    __pd_keep PD_Predictor *pd_predictor);
/* Destroy with PD_OneDimArrayCstrDestroy. */
PADDLE_CAPI_EXPORT extern __pd_give PD_OneDimArrayCstr *PD_PredictorGetInputNames(
    __pd_keep PD_Predictor *pd_predictor);
/* Destroy with PD_IOInfosDestroy. Dims the model leaves open are -1. */
PADDLE_CAPI_EXPORT extern __pd_give PD_IOInfos *PD_PredictorGetInputInfos(
    __pd_keep PD_Predictor *pd_predictor);
PADDLE_CAPI_EXPORT extern __pd_give PD_OneDimArrayCstr *PD_PredictorGetOutputNames(
    __pd_keep PD_Predictor *pd_predictor);
PADDLE_CAPI_EXPORT extern __pd_give PD_IOInfos *PD_PredictorGetOutputInfos(
    __pd_keep PD_Predictor *pd_predictor);
PADDLE_CAPI_EXPORT extern size_t PD_PredictorGetInputNum(__pd_keep PD_Predictor *pd_predictor);
PADDLE_CAPI_EXPORT extern size_t PD_PredictorGetOutputNum(__pd_keep PD_Predictor *pd_predictor);
/* A new tensor handle on the named input / output (NULL and a report for an
 * unknown name). Destroy it with PD_TensorDestroy, before or after the
 * predictor: once the predictor is destroyed, calls on the handle are
 * reported and do nothing. */
PADDLE_CAPI_EXPORT extern __pd_give PD_Tensor *PD_PredictorGetInputHandle(
    __pd_keep PD_Predictor *pd_predictor, const char *name);
PADDLE_CAPI_EXPORT extern __pd_give PD_Tensor *PD_PredictorGetOutputHandle(
    __pd_keep PD_Predictor *pd_predictor, const char *name);
/* Runs the model on the inputs set through the input handles. FALSE, with a
 * report saying why, for an input never set, a shape or dtype the model
 * refuses, another thread inside a call on this predictor, or a handle that is
 * not a live predictor. Nothing aborts. */
PADDLE_CAPI_EXPORT extern PD_Bool PD_PredictorRun(__pd_keep PD_Predictor *pd_predictor);
/* The status-returning forms (the newer C API): 0 on success, else non-zero
 * (this library returns 1 for every failure) with the reason in this OS
 * thread's last error (PD_GetLastError, pd_utils.h). Create2 stores the new
 * predictor in *out_predictor (NULL on failure); Run2 stores PD_PredictorRun's
 * answer in *out_result. A NULL out pointer is a failure, reported. */
PADDLE_CAPI_EXPORT extern int PD_PredictorCreate2(__pd_take PD_Config *pd_config,
                                                  PD_Predictor **out_predictor);
PADDLE_CAPI_EXPORT extern int PD_PredictorRun2(__pd_keep PD_Predictor *pd_predictor,
                                               PD_Bool *out_result);
/* Accepted; pdsafe keeps no intermediate tensors between runs. */
PADDLE_CAPI_EXPORT extern void PD_PredictorClearIntermediateTensor(
    __pd_keep PD_Predictor *pd_predictor);
/* Returns 0: a pdsafe predictor holds no activation memory between runs (the
 * library lends each run an arena, and frees what a model's runs grew when
 * the model goes). */
PADDLE_CAPI_EXPORT extern uint64_t PD_PredictorTryShrinkMemory(
    __pd_keep PD_Predictor *pd_predictor);
/* The handle is stale at once. If another thread is inside a call on the
 * predictor, the object is freed when that call returns. */
PADDLE_CAPI_EXPORT extern void PD_PredictorDestroy(__pd_take PD_Predictor *pd_predictor);
/* "pdsafe <version> (Paddle Inference C API compatibility)"; static. */
PADDLE_CAPI_EXPORT extern const char *PD_GetVersion(void);

#ifdef __cplusplus
}
#endif
#endif
