/*
 * pool.h — parameters and shape rules of pool2d (max and average, NCHW
 * float32), with Paddle's padding_algorithm, global, adaptive, ceil_mode and
 * exclusive variants.
 *
 * As for convolutions, the padding depends on the input size (SAME), so
 * pdsi_pool_resolve computes the geometry for shape inference and kernel alike.
 */
#ifndef PDSI_OPS_POOL_H
#define PDSI_OPS_POOL_H

#include "core/error.h"
#include "core/slot.h"

enum {
    PDSI_POOL_PAD_EXPLICIT = 0,
    PDSI_POOL_PAD_SAME = 1,
    PDSI_POOL_PAD_VALID = 2,
};

typedef struct pdsi_pool_params {
    int32_t is_max; /* pooling_type "max" (else "avg") */
    int32_t ceil_mode, exclusive, global_pooling, adaptive;
    int32_t padding_algorithm;
    int32_t has_ksize;   /* ksize may be absent only with global_pooling */
    int64_t ksize[2];    /* h, w; the output size when adaptive */
    int64_t strides[2];  /* h, w; > 0 */
    int64_t paddings[4]; /* top, bottom, left, right */
} pdsi_pool_params;

typedef struct pdsi_pool_geom {
    int64_t n, c, h, w; /* X */
    int64_t oh, ow;     /* Out */
    int64_t kh, kw;     /* window (the input size for global pooling) */
    int64_t stride_h, stride_w;
    int64_t pad_t, pad_b, pad_l, pad_r;
    bool adaptive;
} pdsi_pool_geom;

/* Checks X against the parameters and computes the geometry; PDS_ERR_SHAPE
 * with the numbers involved. Dtypes are not checked here. */
pds_status pdsi_pool_resolve(const pdsi_pool_params *p, const pdsi_tensor *x, pdsi_pool_geom *g,
                             pds_error *err);

#endif
