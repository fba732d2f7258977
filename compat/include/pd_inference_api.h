/*
 * pd_inference_api.h — the whole PD_* C API in one include.
 */
#ifndef PDSAFE_COMPAT_PD_INFERENCE_API_H
#define PDSAFE_COMPAT_PD_INFERENCE_API_H

#include "pd_common.h"
#include "pd_config.h"
#include "pd_predictor.h"
#include "pd_tensor.h"
#include "pd_types.h"
#include "pd_utils.h"

#endif
