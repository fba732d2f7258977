/*
 * conv.h — parameters and shape rules of the conv family: conv2d,
 * depthwise_conv2d, conv2d_transpose and depthwise_conv2d_transpose, all NCHW
 * float32, and unfold (the im2col of a convolution, as an operator).
 *
 * With padding_algorithm SAME the padding depends on the input's spatial size,
 * so parse keeps the attributes as written and pdsi_conv_resolve turns them,
 * together with the Input and Filter shapes, into the concrete geometry. Shape
 * inference and the kernels both call it, so they cannot disagree.
 */
#ifndef PDSI_OPS_CONV_H
#define PDSI_OPS_CONV_H

#include "core/error.h"
#include "core/slot.h"

enum {
    PDSI_CONV_PAD_EXPLICIT = 0,
    PDSI_CONV_PAD_SAME = 1,
    PDSI_CONV_PAD_VALID = 2,
};

typedef struct pdsi_conv_params {
    int64_t strides[2];   /* h, w; > 0 */
    int64_t dilations[2]; /* h, w; > 0 */
    int64_t paddings[4];  /* top, bottom, left, right (a 2-entry attribute is expanded) */
    int64_t groups;       /* > 0 */
    int32_t padding_algorithm;
    int32_t transpose;        /* conv2d_transpose family (set by the opdef, not an attribute) */
    int32_t n_output_size;    /* transpose: 0 (absent) or 2 */
    int32_t n_output_padding; /* transpose: 0 (absent) or 2 */
    int64_t output_size[2];
    int64_t output_padding[2];
} pdsi_conv_params;

/* The resolved geometry of one convolution (or transposed convolution). For a
 * transposed one, c/h/w still describe Input and oh/ow the Output. */
typedef struct pdsi_conv_geom {
    int64_t n, c, h, w;    /* Input */
    int64_t m, oh, ow;     /* Output channels and spatial size */
    int64_t kh, kw;        /* Filter spatial size */
    int64_t groups;
    int64_t stride_h, stride_w;
    int64_t dil_h, dil_w;  /* after SAME, which Paddle runs undilated */
    int64_t pad_t, pad_b, pad_l, pad_r;
} pdsi_conv_geom;

/* Checks Input and Filter against the parameters (ranks, channel counts,
 * groups, sizes) and computes the geometry. PDS_ERR_SHAPE with a message that
 * names the input and the numbers involved. Dtypes are not checked here. */
pds_status pdsi_conv_resolve(const pdsi_conv_params *p, const pdsi_tensor *input,
                             const pdsi_tensor *filter, pdsi_conv_geom *g, pds_error *err);

/* unfold: X [N, C, H, W] (float32 or float64) becomes Y [N, C*kh*kw, L],
 * L = oh*ow sliding blocks, Paddle's im2col layout: row (c*kh + i)*kw + j,
 * column by*ow + bx holds X[n, c, by*sh - top + i*dh, bx*sw - left + j*dw],
 * 0 where that falls in the padding. Paddle's attributes: kernel_sizes,
 * strides, dilations [h, w] (> 0) and paddings [top, left, bottom, right]. */
typedef struct pdsi_unfold_params {
    int64_t k[2], s[2], d[2];
    int64_t pad_t, pad_l, pad_b, pad_r;
} pdsi_unfold_params;

typedef struct pdsi_unfold_geom {
    int64_t n, c, h, w, oh, ow;
} pdsi_unfold_geom;

/* Checks X (rank 4, sizes) and computes the block counts, refusing a kernel
 * that does not fit the padded input (PDS_ERR_SHAPE, with the numbers). */
pds_status pdsi_unfold_resolve(const pdsi_unfold_params *p, const pdsi_tensor *x,
                               pdsi_unfold_geom *g, pds_error *err);

#endif
