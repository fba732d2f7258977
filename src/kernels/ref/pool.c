/*
 * pool.c — portable reference kernel of pool2d. Its geometry, shared with
 * shape inference, is pdsi_pool_resolve (ops/pool.c).
 *
 * The window arithmetic copies Paddle's plain CPU Pool2dFunctor, quirks
 * included (Paddle Inference with oneDNN differs in one place: avg with
 * exclusive=false there always divides by the full kernel area):
 *   - only the leading paddings (top, left) reach the kernel; a window's end is
 *     clipped at input + leading padding, whatever the trailing padding is;
 *   - with exclusive=false the divisor is the window area after that clip but
 *     before clipping to the input, so padding cells count and cells beyond it
 *     (ceil_mode's overhang) do not;
 *   - adaptive bins run from floor(i*in/out) to ceil((i+1)*in/out) and always
 *     divide by the bin's own size; but max pooling ignores `adaptive` in the
 *     kernel (only the output size follows it), so adaptive max pools plain
 *     ksize windows at the given strides. Paddle Inference does the same with
 *     and without oneDNN; real adaptive max is max_pool2d_with_index.
 * A window can be empty (ceil_mode with stride > kernel): max pooling then
 * yields -FLT_MAX like Paddle, average pooling 0 (Paddle divides 0 by a zero or
 * negative count there, giving NaN or -0).
 */
#include "kernels/ref/ref.h"
#include "ops/pool.h"

#include <float.h>
#include <string.h>

/* One axis of every window: [start, end) clipped to the input, and the extent
 * Paddle divides by when padding counts (exclusive=false). */
typedef struct window {
    int64_t start, end, span;
} window;

static void axis_windows(bool adaptive, int64_t in, int64_t out, int64_t k, int64_t s,
                         int64_t pad, window *win)
{
    for (int64_t i = 0; i < out; i++) {
        int64_t st, en, span;
        if (adaptive) {
            st = i * in / out;
            en = ((i + 1) * in + out - 1) / out;
            span = en - st;
        } else {
            st = i * s - pad;
            en = st + k < in + pad ? st + k : in + pad;
            span = en - st;
            if (st < 0)
                st = 0;
            if (en > in)
                en = in;
        }
        win[i].start = st;
        win[i].end = en;
        win[i].span = span;
    }
}

pds_status pdsi_pool2d_ref(const void *params, const pdsi_slot *in, const pdsi_slot *out,
                           pdsi_exec *ex, pds_error *err)
{
    const pdsi_pool_params *p = params;
    const pdsi_tensor *x = pdsi_slot_get(&in[0]);
    pdsi_tensor *y = pdsi_slot_get(&out[0]);
    pdsi_pool_geom g;
    pds_status st;
    if (!x || !y)
        return pdsi_fail(err, PDS_ERR_INTERNAL, "pool2d kernel: X or Out missing");
    if ((st = pdsi_pool_resolve(p, x, &g, err)))
        return st;
    if (y->rank != 4 || y->dtype != PDS_FLOAT32 || y->dims[0] != g.n || y->dims[1] != g.c ||
        y->dims[2] != g.oh || y->dims[3] != g.ow)
        return pdsi_fail(err, PDS_ERR_INTERNAL, "pool2d kernel: Out was not shaped by infer");

    window *wh = pdsi_exec_scratch(ex, (size_t)(g.oh + g.ow) * sizeof(window));
    if (!wh)
        return pdsi_fail(err, PDS_ERR_OUT_OF_MEMORY, "pool2d kernel: no memory for %lld windows",
                         (long long)(g.oh + g.ow));
    window *ww = wh + g.oh;
    /* Paddle's max pooling never takes the adaptive path: with adaptive=true
     * it pools plain ksize windows at the given strides (padding zeroed) and
     * only the output size is the adaptive one. */
    const bool bins = g.adaptive && !p->is_max;
    axis_windows(bins, g.h, g.oh, g.kh, g.stride_h, g.pad_t, wh);
    axis_windows(bins, g.w, g.ow, g.kw, g.stride_w, g.pad_l, ww);

    const bool count_pad = !p->exclusive && !g.adaptive;
    const float *xd = x->data;
    float *yd = y->data;
    for (int64_t plane = 0; plane < g.n * g.c; plane++) {
        const float *xp = xd + plane * g.h * g.w;
        float *yp = yd + plane * g.oh * g.ow;
        for (int64_t i = 0; i < g.oh; i++) {
            const window *r = &wh[i];
            for (int64_t j = 0; j < g.ow; j++) {
                const window *c = &ww[j];
                float v;
                if (p->is_max) {
                    v = -FLT_MAX;
                    for (int64_t h = r->start; h < r->end; h++)
                        for (int64_t w = c->start; w < c->end; w++) {
                            /* Paddle's comparison, so that a NaN input lands as it does there. */
                            float e = xp[h * g.w + w];
                            v = v > e ? v : e;
                        }
                } else {
                    float sum = 0.0f;
                    for (int64_t h = r->start; h < r->end; h++)
                        for (int64_t w = c->start; w < c->end; w++)
                            sum += xp[h * g.w + w];
                    int64_t rows = r->end - r->start, cols = c->end - c->start;
                    int64_t count = count_pad ? r->span * c->span : rows * cols;
                    v = (rows > 0 && cols > 0 && count > 0) ? sum / (float)count : 0.0f;
                }
                yp[i * g.ow + j] = v;
            }
        }
    }
    return PDS_OK;
}

/* ---- kernels by operator (ops/op_list.h order) ------------------------- */

const pdsi_ref_binding pdsi_ref_pool_kernels[] = {
    {PDSI_OP_POOL2D, pdsi_pool2d_ref},
};
PDSI_REF_TABLE_CHECK(POOL, pool);
