/*
 * pd_common.h — pdsafe's implementation of Paddle Inference's C API (the
 * "PD_*" functions): common definitions.
 *
 * The names, types, enum values and signatures in compat/include follow Paddle
 * 3.x's C API, so that code written against it compiles and links unchanged
 * against libpaddle_inference_c.so built from this repository. What the calls
 * do is pdsafe's: see docs/MIGRATING_FROM_PADDLE.md for the differences.
 *
 * Opaque objects (PD_Config*, PD_Predictor*, PD_Tensor*) are encoded handles,
 * never addresses: a destroyed, forged or wrong-kind value is detected and
 * reported on stderr, and the call does nothing and returns a zero value
 * (PDSAFE_ON_MISUSE=abort aborts after the report). The public structs
 * (PD_OneDimArray*, PD_Cstr, PD_IOInfos, ...) are real memory that callers
 * read; they come from a pool that is never unmapped, and their destroy
 * functions accept only what this library returned, once.
 */
#ifndef PDSAFE_COMPAT_PD_COMMON_H
#define PDSAFE_COMPAT_PD_COMMON_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#if defined(_WIN32)
#ifdef PADDLE_DLL_INFERENCE
#define PADDLE_CAPI_EXPORT __declspec(dllexport)
#else
#define PADDLE_CAPI_EXPORT __declspec(dllimport)
#endif
#else
#define PADDLE_CAPI_EXPORT __attribute__((visibility("default")))
#endif

/* Ownership annotations, as in Paddle's headers (they expand to nothing):
 * __pd_give: the call returns a new object the caller destroys once;
 * __pd_take: the call takes the object over; __pd_keep: the call only uses it. */
#ifndef __pd_give
#define __pd_give
#endif
#ifndef __pd_take
#define __pd_take
#endif
#ifndef __pd_keep
#define __pd_keep
#endif

typedef int8_t PD_Bool;
#ifndef TRUE
#define TRUE 1
#endif
#ifndef FALSE
#define FALSE 0
#endif

typedef int32_t PD_PrecisionType;
enum { PD_PRECISION_FLOAT32 = 0, PD_PRECISION_INT8 = 1, PD_PRECISION_HALF = 2 };

typedef int32_t PD_PlaceType;
enum { PD_PLACE_UNK = -1, PD_PLACE_CPU = 0, PD_PLACE_GPU = 1, PD_PLACE_XPU = 2,
       PD_PLACE_CUSTOM = 3 };

typedef int32_t PD_DataType;
enum { PD_DATA_UNK = -1, PD_DATA_FLOAT32 = 0, PD_DATA_INT32 = 1, PD_DATA_INT64 = 2,
       PD_DATA_UINT8 = 3, PD_DATA_INT8 = 4 };

#endif
