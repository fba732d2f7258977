/*
 * pd_tensor.h — PD_Tensor: a handle on one input or output of a predictor.
 *
 * Lengths: the copy functions take no buffer length, so they never read or
 * write more than the tensor's own shape (an input's shape is the one set by
 * PD_TensorReshape; an output's is the one the last run produced) times the
 * element size. A caller buffer SHORTER than that shape cannot be detected by
 * any function of this API (there is no length to check against): it is an
 * over-read or overflow in the caller's memory, which AddressSanitizer
 * catches, and which the native API (pdsafe.h, the Go package) rules out by
 * taking the buffer's length with every buffer.
 *
 * A copy whose element type is not the tensor's (PD_TensorCopyFromCpuInt64 on
 * a float32 input), a copy-in before PD_TensorReshape, a copy-out before a
 * successful run, and any call after the predictor was destroyed are reported
 * and do nothing; the caller's buffer is left untouched.
 */
#ifndef PDSAFE_COMPAT_PD_TENSOR_H
#define PDSAFE_COMPAT_PD_TENSOR_H

#include "pd_common.h"

typedef struct PD_Tensor PD_Tensor;
typedef struct PD_OneDimArrayInt32 PD_OneDimArrayInt32;
typedef struct PD_TwoDimArraySize PD_TwoDimArraySize;

#ifdef __cplusplus
extern "C" {
#endif

PADDLE_CAPI_EXPORT extern void PD_TensorDestroy(__pd_take PD_Tensor *pd_tensor);
/* Sets an input's shape (shape_size dims, each > 0, at most 8, the element
 * count and byte size overflow-checked and at most 2 GiB). Outputs take their
 * shape from the run: reshaping one is reported and ignored. */
PADDLE_CAPI_EXPORT extern void PD_TensorReshape(__pd_keep PD_Tensor *pd_tensor, size_t shape_size,
                                                int32_t *shape);

/* Zero-copy access. MutableData: an input's buffer, sized by its shape (call
 * PD_TensorReshape first), valid until the next Reshape of that input or the
 * predictor's destruction. Data: an output's buffer and its element count,
 * valid until the next run or the predictor's destruction. These are the only
 * calls that hand out library memory; using it after those points is a
 * use-after-free no API can detect. Wrong element type: NULL and a report. */
PADDLE_CAPI_EXPORT extern float *PD_TensorMutableDataFloat(__pd_keep PD_Tensor *pd_tensor,
                                                           PD_PlaceType place);
PADDLE_CAPI_EXPORT extern int64_t *PD_TensorMutableDataInt64(__pd_keep PD_Tensor *pd_tensor,
                                                             PD_PlaceType place);
PADDLE_CAPI_EXPORT extern int32_t *PD_TensorMutableDataInt32(__pd_keep PD_Tensor *pd_tensor,
                                                             PD_PlaceType place);
PADDLE_CAPI_EXPORT extern uint8_t *PD_TensorMutableDataUint8(__pd_keep PD_Tensor *pd_tensor,
                                                             PD_PlaceType place);
PADDLE_CAPI_EXPORT extern int8_t *PD_TensorMutableDataInt8(__pd_keep PD_Tensor *pd_tensor,
                                                           PD_PlaceType place);
PADDLE_CAPI_EXPORT extern float *PD_TensorDataFloat(__pd_keep PD_Tensor *pd_tensor,
                                                    PD_PlaceType *place, int32_t *size);
PADDLE_CAPI_EXPORT extern int64_t *PD_TensorDataInt64(__pd_keep PD_Tensor *pd_tensor,
                                                      PD_PlaceType *place, int32_t *size);
PADDLE_CAPI_EXPORT extern int32_t *PD_TensorDataInt32(__pd_keep PD_Tensor *pd_tensor,
                                                      PD_PlaceType *place, int32_t *size);
PADDLE_CAPI_EXPORT extern uint8_t *PD_TensorDataUint8(__pd_keep PD_Tensor *pd_tensor,
                                                      PD_PlaceType *place, int32_t *size);
PADDLE_CAPI_EXPORT extern int8_t *PD_TensorDataInt8(__pd_keep PD_Tensor *pd_tensor,
                                                    PD_PlaceType *place, int32_t *size);

/* Copy in: reads exactly shape x element size bytes from data. */
PADDLE_CAPI_EXPORT extern void PD_TensorCopyFromCpuFloat(__pd_keep PD_Tensor *pd_tensor,
                                                         const float *data);
PADDLE_CAPI_EXPORT extern void PD_TensorCopyFromCpuInt64(__pd_keep PD_Tensor *pd_tensor,
                                                         const int64_t *data);
PADDLE_CAPI_EXPORT extern void PD_TensorCopyFromCpuInt32(__pd_keep PD_Tensor *pd_tensor,
                                                         const int32_t *data);
PADDLE_CAPI_EXPORT extern void PD_TensorCopyFromCpuUint8(__pd_keep PD_Tensor *pd_tensor,
                                                         const uint8_t *data);
PADDLE_CAPI_EXPORT extern void PD_TensorCopyFromCpuInt8(__pd_keep PD_Tensor *pd_tensor,
                                                        const int8_t *data);
/* Copy out: writes exactly shape x element size bytes to data. */
PADDLE_CAPI_EXPORT extern void PD_TensorCopyToCpuFloat(__pd_keep PD_Tensor *pd_tensor,
                                                       float *data);
PADDLE_CAPI_EXPORT extern void PD_TensorCopyToCpuInt64(__pd_keep PD_Tensor *pd_tensor,
                                                       int64_t *data);
PADDLE_CAPI_EXPORT extern void PD_TensorCopyToCpuInt32(__pd_keep PD_Tensor *pd_tensor,
                                                       int32_t *data);
PADDLE_CAPI_EXPORT extern void PD_TensorCopyToCpuUint8(__pd_keep PD_Tensor *pd_tensor,
                                                       uint8_t *data);
PADDLE_CAPI_EXPORT extern void PD_TensorCopyToCpuInt8(__pd_keep PD_Tensor *pd_tensor,
                                                      int8_t *data);
/* The input's shape as set by Reshape (before that, the model's declared dims,
 * -1 where open); the output's shape of the last run (before it, the declared
 * dims). Destroy with PD_OneDimArrayInt32Destroy. */
PADDLE_CAPI_EXPORT extern __pd_give PD_OneDimArrayInt32 *PD_TensorGetShape(
    __pd_keep PD_Tensor *pd_tensor);
/* pdsafe runs dense tensors: SetLod is accepted and ignored, GetLod returns an
 * empty array (destroy with PD_TwoDimArraySizeDestroy). */
PADDLE_CAPI_EXPORT extern void PD_TensorSetLod(__pd_keep PD_Tensor *pd_tensor,
                                               __pd_keep PD_TwoDimArraySize *lod);
PADDLE_CAPI_EXPORT extern __pd_give PD_TwoDimArraySize *PD_TensorGetLod(
    __pd_keep PD_Tensor *pd_tensor);
/* The tensor's name; it belongs to the handle and lives until PD_TensorDestroy. */
PADDLE_CAPI_EXPORT extern const char *PD_TensorGetName(__pd_keep PD_Tensor *pd_tensor);
PADDLE_CAPI_EXPORT extern PD_DataType PD_TensorGetDataType(__pd_keep PD_Tensor *pd_tensor);

#ifdef __cplusplus
}
#endif
#endif
