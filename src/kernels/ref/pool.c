/*
 * pool.c — portable reference kernel of pool2d, and the geometry it shares
 * with shape inference.
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
#include "kernels/pool.h"

#include <float.h>
#include <string.h>

#define DIM_MAX INT32_MAX

static const char *const axis_name[2] = {"height", "width"};

pds_status pdsi_pool_resolve(const pdsi_pool_params *p, const pdsi_tensor *x, pdsi_pool_geom *g,
                             pds_error *err)
{
    char b[160];
    if (x->rank != 4)
        return pdsi_fail(err, PDS_ERR_SHAPE,
                         "input 'X' has rank %d %s, expected rank 4 [N, C, H, W]", x->rank,
                         pdsi_dims_str(x->dims, x->rank, b, sizeof b));
    for (int i = 0; i < 4; i++)
        if (x->dims[i] < (i == 0 ? 0 : 1) || x->dims[i] > DIM_MAX)
            return pdsi_fail(err, PDS_ERR_SHAPE,
                             "input 'X' has shape %s, expected channels, height and width in [1, "
                             "%d]",
                             pdsi_dims_str(x->dims, x->rank, b, sizeof b), DIM_MAX);
    memset(g, 0, sizeof *g);
    g->n = x->dims[0];
    g->c = x->dims[1];
    g->h = x->dims[2];
    g->w = x->dims[3];
    g->adaptive = p->adaptive != 0;
    g->stride_h = p->strides[0];
    g->stride_w = p->strides[1];
    if (!p->has_ksize && !p->global_pooling)
        return pdsi_fail(err, PDS_ERR_MODEL_FORMAT, "attribute 'ksize' is missing");

    const int64_t in[2] = {g->h, g->w};
    int64_t k[2], pad[4], out[2];
    for (int a = 0; a < 2; a++) {
        k[a] = p->ksize[a];
        pad[2 * a] = p->paddings[2 * a];
        pad[2 * a + 1] = p->paddings[2 * a + 1];
        if (p->padding_algorithm == PDSI_POOL_PAD_SAME && p->has_ksize) {
            int64_t o = (in[a] + p->strides[a] - 1) / p->strides[a];
            int64_t sum = (o - 1) * p->strides[a] + k[a] - in[a];
            if (sum < 0)
                sum = 0;
            pad[2 * a] = sum / 2;
            pad[2 * a + 1] = sum - sum / 2;
        } else if (p->padding_algorithm == PDSI_POOL_PAD_VALID) {
            pad[2 * a] = pad[2 * a + 1] = 0;
        }
        if (p->global_pooling || p->adaptive)
            pad[2 * a] = pad[2 * a + 1] = 0;
        if (p->global_pooling)
            k[a] = in[a];
    }
    for (int a = 0; a < 2; a++) {
        if (p->adaptive) {
            out[a] = k[a];
            continue;
        }
        const int64_t s = p->strides[a], padded = in[a] + pad[2 * a] + pad[2 * a + 1];
        if (k[a] > padded)
            return pdsi_fail(err, PDS_ERR_SHAPE,
                             "pooling window %lld is larger than the padded input %lld (input "
                             "%lld, padding %lld+%lld) along %s",
                             (long long)k[a], (long long)padded, (long long)in[a],
                             (long long)pad[2 * a], (long long)pad[2 * a + 1], axis_name[a]);
        out[a] = (padded - k[a] + (p->ceil_mode ? s - 1 : 0)) / s + 1;
    }
    g->kh = k[0];
    g->kw = k[1];
    g->oh = out[0];
    g->ow = out[1];
    g->pad_t = pad[0];
    g->pad_b = pad[1];
    g->pad_l = pad[2];
    g->pad_r = pad[3];
    return PDS_OK;
}

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
