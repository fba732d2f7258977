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

#ifdef __cplusplus
}
#endif
#endif
