/*
 * interp.h — parameters and shape rules of the interp family: spatial
 * resampling (nearest_interp[_v2], bilinear_interp[_v2]; NCHW;
 * linear_interp_v2 along one axis, NCW or NWC) and spatial
 * padding (pad3d on NCDHW, legacy pad2d on NCHW), pixel_shuffle (upsampling
 * by moving channels into space) and grid_sampler (sampling at given points).
 *
 * The output size of both depends on input tensors' values (OutSize,
 * SizeTensor, Scale; Paddings), so each has a resolve function that shape
 * inference and the kernel call alike.
 */
#ifndef PDSI_OPS_INTERP_H
#define PDSI_OPS_INTERP_H

#include <stdbool.h>

#include "core/error.h"
#include "core/slot.h"

enum {
    PDSI_INTERP_NEAREST = 0,
    PDSI_INTERP_BILINEAR = 1,
    PDSI_INTERP_LINEAR = 2,
};

typedef struct pdsi_interp_params {
    int32_t method;        /* from interp_method */
    int32_t align_corners;
    int32_t align_mode;    /* 0 or 1 */
    int64_t out_h, out_w;  /* attributes; <= 0 means unset */
    double scale_h, scale_w; /* the 'scale' attribute; <= 0 means unset */
    int32_t channel_last;    /* linear: data_layout NHWC, X is [N, W, C] */
} pdsi_interp_params;

typedef struct pdsi_interp_geom {
    int64_t n, c, in_h, in_w, out_h, out_w;
    float ratio_h, ratio_w; /* source step per output step, as Paddle computes it */
    bool copy;              /* same size: Paddle copies X unchanged */
} pdsi_interp_geom;

/* Computes the output size with Paddle's priority SizeTensor > OutSize >
 * Scale tensor > scale attribute > out_h/out_w, where a scale (tensor or
 * attribute) also sets the sampling ratio 1/scale even when OutSize overrides
 * the size. out_size, size_list and scale may be NULL / empty. PDS_ERR_SHAPE or
 * PDS_ERR_DTYPE on bad shape tensors or sizes. */
pds_status pdsi_interp_resolve(const pdsi_interp_params *p, const pdsi_tensor *x,
                               const pdsi_tensor *out_size, const pdsi_slot *size_list,
                               const pdsi_tensor *scale, pdsi_interp_geom *g, pds_error *err);

/* linear_interp_v2: X [N, C, W] (or [N, W, C] when channel_last) resampled
 * along W. The same rules with one axis: SizeTensor (one tensor) > OutSize
 * ([1]) > Scale tensor (its first value) > scale attribute (its first entry)
 * > out_w; a scale sets the ratio 1/scale and out_w = int(W * scale) (in
 * double, as Paddle). The ratio is computed in double then rounded to float,
 * and is not zeroed for a single output column (Paddle's 1-D kernel, unlike
 * its 2-D one). g gets n, c, in_w, out_w, ratio_w, copy; in_h = out_h = 1. */
pds_status pdsi_interp1d_resolve(const pdsi_interp_params *p, const pdsi_tensor *x,
                                 const pdsi_tensor *out_size, const pdsi_slot *size_list,
                                 const pdsi_tensor *scale, pdsi_interp_geom *g, pds_error *err);

enum {
    PDSI_PAD_CONSTANT = 0,
    PDSI_PAD_REFLECT = 1,
    PDSI_PAD_REPLICATE = 2, /* pad2d calls it "edge" */
    PDSI_PAD_CIRCULAR = 3,
};

typedef struct pdsi_pad_params {
    int32_t mode;
    int32_t rank;        /* 5: pad3d (NCDHW), 4: pad2d (NCHW) */
    int32_t has_paddings; /* the attribute was given (else the Paddings input must be) */
    int64_t paddings[6]; /* left, right, top, bottom, front, back (>= 0) */
    double value;        /* constant mode */
} pdsi_pad_params;

/* The paddings in effect (the Paddings tensor, if given, overrides the
 * attribute; pad2d's order is top, bottom, left, right) and the output dims
 * (p->rank of them). Checks X's rank and sizes, and that reflect padding is
 * smaller than the padded axis. */
pds_status pdsi_pad_resolve(const pdsi_pad_params *p, const pdsi_tensor *x,
                            const pdsi_tensor *paddings, int64_t pads[6], int64_t *out_dims,
                            pds_error *err);

/* True for the dtypes pad3d handles (Paddle's: float32, float64, int32, int64). */
bool pdsi_pad_dtype_ok(pds_dtype dtype);

/* pixel_shuffle: upscale_factor r; X [N, C*r*r, H, W] (NCHW) or
 * [N, H, W, C*r*r] (NHWC) becomes [N, C, H*r, W*r] (or [N, H*r, W*r, C]):
 * Out[n, c, h*r + i, w*r + j] = X[n, c*r*r + i*r + j, h, w]. */
typedef struct pdsi_pixel_shuffle_params {
    int64_t r;
    bool nhwc;
} pdsi_pixel_shuffle_params;

/* grid_sampler (PIR grid_sample): in X [N, C, H, W], Grid [N, Ho, Wo, 2]
 * (x, y in [-1, 1]); out Output [N, C, Ho, Wo]. mode bilinear or nearest;
 * padding zeros, border or reflection; align_corners maps -1 and 1 to the
 * centres of the corner pixels (else to their outer edges). */
enum { PDSI_GS_ZEROS = 0, PDSI_GS_BORDER = 1, PDSI_GS_REFLECTION = 2 };
typedef struct pdsi_grid_sample_params {
    bool nearest;
    int padding;
    bool align_corners;
} pdsi_grid_sample_params;

#endif
