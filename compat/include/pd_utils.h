/*
 * pd_utils.h — destroy functions for the structs of pd_types.h.
 *
 * Each accepts exactly what this library returned, once. NULL is a no-op. A
 * pointer that this library never returned, or already destroyed, is
 * reported on stderr and left alone (nothing is freed). A destroyed struct's
 * memory stays mapped with size 0 and data NULL, so a loop over a stale
 * array reads nothing; its strings and elements are freed.
 */
#ifndef PDSAFE_COMPAT_PD_UTILS_H
#define PDSAFE_COMPAT_PD_UTILS_H

#include <stdint.h>
#include <stdio.h>

#include "pd_types.h"

#ifdef __cplusplus
extern "C" {
#endif

PADDLE_CAPI_EXPORT extern void PD_OneDimArrayInt32Destroy(__pd_take PD_OneDimArrayInt32 *array);
PADDLE_CAPI_EXPORT extern void PD_OneDimArrayCstrDestroy(__pd_take PD_OneDimArrayCstr *array);
PADDLE_CAPI_EXPORT extern void PD_OneDimArraySizeDestroy(__pd_take PD_OneDimArraySize *array);
PADDLE_CAPI_EXPORT extern void PD_OneDimArrayInt64Destroy(__pd_take PD_OneDimArrayInt64 *array);
PADDLE_CAPI_EXPORT extern void PD_TwoDimArraySizeDestroy(__pd_take PD_TwoDimArraySize *array);
PADDLE_CAPI_EXPORT extern void PD_CstrDestroy(__pd_take PD_Cstr *cstr);
/* Only for PD_IOInfo values this library returned on their own (it returns
 * none: the ones inside a PD_IOInfos belong to it; destroy the PD_IOInfos). */
PADDLE_CAPI_EXPORT extern void PD_IOInfoDestroy(__pd_take PD_IOInfo *io_info);
PADDLE_CAPI_EXPORT extern void PD_IOInfosDestroy(__pd_take PD_IOInfos *io_infos);

/* The last failure reported on the calling OS thread: its message (the report
 * without the "pdsafe-compat: " prefix and newline; "" when there is none) and
 * its code (0 when there is none, 1 otherwise). Every report sets it; the
 * status-returning calls (PD_PredictorCreate2, PD_PredictorRun2) clear it when
 * they start. The string is the thread's own and lives until that thread's next
 * call into this library.
 *
 * Per OS thread, as in Paddle: Go code must not rely on it. A goroutine can
 * move to another OS thread between the call that failed and the call that asks
 * why (unless it holds runtime.LockOSThread across both), and then reads
 * another call's error or none. The native API returns the error from the
 * failing call itself (pds_error). */
PADDLE_CAPI_EXPORT extern const char *PD_GetLastError(void);
PADDLE_CAPI_EXPORT extern int PD_GetLastErrorCode(void);

#ifdef __cplusplus
}
#endif
#endif
