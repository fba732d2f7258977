/*
 * conv.c — portable reference kernels of the conv family, and the geometry
 * they share with shape inference.
 *
 * A convolution runs as im2col + GEMM, one tile of output pixels at a time so
 * that the column buffer stays small (a whole-image im2col of a detection
 * backbone layer would need hundreds of megabytes); a 1x1 stride-1 unpadded
 * one skips im2col, and a depthwise one (one input channel per group) adds
 * shifted input rows directly, taps in the GEMM's order. A transposed
 * convolution is the mirror image: GEMM with the transposed filter into a
 * column tile, then col2im scatters the tile into the output. Geometry follows
 * Paddle's UpdatePaddingAndDilation: SAME pads (out-1)*stride + k - in in total
 * (first half before), computed from the *input* size also for the transposed
 * op, and runs undilated.
 */
#include "kernels/conv.h"
#include "kernels/gemm.h"

#include <string.h>

/* Paddle keeps every size and attribute of these ops in a C int; a bound here
 * also keeps all the arithmetic below far from int64 overflow. */
#define DIM_MAX INT32_MAX

/* Bytes of column buffer a tile may use. */
#define TILE_BYTES (256 * 1024)

static const char *const axis_name[2] = {"height", "width"};

/* Rank 4 with dims in [1, DIM_MAX], except that dim 0 may be 0 when zero_lead
 * (an empty batch is a legal run). */
static pds_status check_input_dims(const pdsi_tensor *t, const char *what, const char *layout,
                                   bool zero_lead, pds_error *err)
{
    char b[160];
    if (t->rank != 4)
        return pdsi_fail(err, PDS_ERR_SHAPE, "input '%s' has rank %d %s, expected rank 4 %s", what,
                         t->rank, pdsi_dims_str(t->dims, t->rank, b, sizeof b), layout);
    for (int i = 0; i < 4; i++) {
        int64_t lo = (i == 0 && zero_lead) ? 0 : 1;
        if (t->dims[i] < lo || t->dims[i] > DIM_MAX)
            return pdsi_fail(err, PDS_ERR_SHAPE,
                             "input '%s' has shape %s, expected dim %d in [%lld, %d] %s", what,
                             pdsi_dims_str(t->dims, t->rank, b, sizeof b), i, (long long)lo,
                             DIM_MAX, layout);
    }
    return PDS_OK;
}

pds_status pdsi_conv_resolve(const pdsi_conv_params *p, const pdsi_tensor *input,
                             const pdsi_tensor *filter, pdsi_conv_geom *g, pds_error *err)
{
    pds_status st;
    const int64_t G = p->groups;
    if ((st = check_input_dims(input, "Input", "[N, C, H, W]", true, err)))
        return st;
    if ((st = check_input_dims(filter, "Filter",
                               p->transpose ? "[C, M/groups, kh, kw]" : "[M, C/groups, kh, kw]",
                               false, err)))
        return st;
    if (G < 1 || G > DIM_MAX)
        return pdsi_fail(err, PDS_ERR_SHAPE, "groups %lld is out of range", (long long)G);

    memset(g, 0, sizeof *g);
    g->n = input->dims[0];
    g->c = input->dims[1];
    g->h = input->dims[2];
    g->w = input->dims[3];
    g->kh = filter->dims[2];
    g->kw = filter->dims[3];
    g->groups = G;
    if (g->c % G != 0)
        return pdsi_fail(err, PDS_ERR_SHAPE,
                         "input 'Input' has %lld channels, which groups %lld does not divide",
                         (long long)g->c, (long long)G);
    if (!p->transpose) {
        if (filter->dims[1] != g->c / G)
            return pdsi_fail(err, PDS_ERR_SHAPE,
                             "input 'Filter' has %lld channels per group, expected %lld (Input has "
                             "%lld channels, groups %lld)",
                             (long long)filter->dims[1], (long long)(g->c / G), (long long)g->c,
                             (long long)G);
        if (filter->dims[0] % G != 0)
            return pdsi_fail(err, PDS_ERR_SHAPE,
                             "input 'Filter' has %lld output channels, which groups %lld does not "
                             "divide",
                             (long long)filter->dims[0], (long long)G);
        g->m = filter->dims[0];
    } else {
        if (filter->dims[0] != g->c)
            return pdsi_fail(err, PDS_ERR_SHAPE,
                             "input 'Filter' has %lld input channels (dim 0), expected %lld, the "
                             "channels of Input",
                             (long long)filter->dims[0], (long long)g->c);
        g->m = filter->dims[1] * G;
        if (g->m > DIM_MAX)
            return pdsi_fail(err, PDS_ERR_SHAPE,
                             "output channels %lld (Filter dim 1 %lld x groups %lld) exceed %d",
                             (long long)g->m, (long long)filter->dims[1], (long long)G, DIM_MAX);
    }

    const int64_t in[2] = {g->h, g->w}, k[2] = {g->kh, g->kw};
    int64_t out[2], dil[2], pad[4];
    for (int a = 0; a < 2; a++) {
        dil[a] = p->dilations[a];
        pad[2 * a] = p->paddings[2 * a];
        pad[2 * a + 1] = p->paddings[2 * a + 1];
        if (p->padding_algorithm == PDSI_CONV_PAD_SAME) {
            /* Paddle derives SAME padding from the input size for the transposed
             * op too, and drops the dilation. */
            int64_t o = (in[a] + p->strides[a] - 1) / p->strides[a];
            int64_t sum = (o - 1) * p->strides[a] + k[a] - in[a];
            if (sum < 0)
                sum = 0;
            pad[2 * a] = sum / 2;
            pad[2 * a + 1] = sum - sum / 2;
            dil[a] = 1;
        } else if (p->padding_algorithm == PDSI_CONV_PAD_VALID) {
            pad[2 * a] = pad[2 * a + 1] = 0;
        }
    }

    for (int a = 0; a < 2; a++) {
        const int64_t s = p->strides[a], extent = dil[a] * (k[a] - 1) + 1;
        if (!p->transpose) {
            int64_t padded = in[a] + pad[2 * a] + pad[2 * a + 1];
            if (padded < extent)
                return pdsi_fail(err, PDS_ERR_SHAPE,
                                 "kernel extent %lld (kernel %lld, dilation %lld) is larger than "
                                 "the padded input %lld (input %lld, padding %lld+%lld) along %s, "
                                 "so the output would be empty",
                                 (long long)extent, (long long)k[a], (long long)dil[a],
                                 (long long)padded, (long long)in[a], (long long)pad[2 * a],
                                 (long long)pad[2 * a + 1], axis_name[a]);
            out[a] = (padded - extent) / s + 1;
            continue;
        }
        int64_t infer = (in[a] - 1) * s - pad[2 * a] - pad[2 * a + 1] + extent;
        if (p->n_output_size == 2) {
            int64_t want = p->output_size[a];
            if (want < infer || want >= infer + s)
                return pdsi_fail(err, PDS_ERR_SHAPE,
                                 "attribute 'output_size' asks for %s %lld, expected %lld to %lld "
                                 "(the computed size up to stride - 1 more)",
                                 axis_name[a], (long long)want, (long long)infer,
                                 (long long)(infer + s - 1));
            out[a] = want;
        } else if (p->n_output_padding == 2) {
            int64_t op = p->output_padding[a], lim = s > dil[a] ? s : dil[a];
            if (op >= lim)
                return pdsi_fail(err, PDS_ERR_SHAPE,
                                 "attribute 'output_padding' is %lld along %s, expected less than "
                                 "max(stride %lld, dilation %lld)",
                                 (long long)op, axis_name[a], (long long)s, (long long)dil[a]);
            out[a] = infer + op;
        } else {
            out[a] = infer;
        }
        if (out[a] < 1)
            return pdsi_fail(err, PDS_ERR_SHAPE,
                             "output %s would be %lld: (input %lld - 1) x stride %lld - padding "
                             "%lld+%lld + kernel extent %lld",
                             axis_name[a], (long long)out[a], (long long)in[a], (long long)s,
                             (long long)pad[2 * a], (long long)pad[2 * a + 1], (long long)extent);
        if (out[a] > DIM_MAX)
            return pdsi_fail(err, PDS_ERR_SHAPE, "output %s %lld exceeds %d", axis_name[a],
                             (long long)out[a], DIM_MAX);
    }
    g->oh = out[0];
    g->ow = out[1];
    g->stride_h = p->strides[0];
    g->stride_w = p->strides[1];
    g->dil_h = dil[0];
    g->dil_w = dil[1];
    g->pad_t = pad[0];
    g->pad_b = pad[1];
    g->pad_l = pad[2];
    g->pad_r = pad[3];
    return PDS_OK;
}

/* Output pixels per tile so that a K-row column tile fits TILE_BYTES. */
static int64_t tile_pixels(int64_t rows, int64_t pixels)
{
    int64_t t = TILE_BYTES / (int64_t)sizeof(float) / (rows > 0 ? rows : 1);
    if (t < 16)
        t = 16;
    return t < pixels ? t : pixels;
}

/* Columns [p0, p0+tp) of the im2col matrix of one group's input channels:
 * row (ci, ky, kx), column = output pixel; zero where the tap hits padding. */
static void im2col_tile(const pdsi_conv_geom *g, const float *x, int64_t cg, int64_t p0,
                        int64_t tp, float *col)
{
    for (int64_t ci = 0; ci < cg; ci++) {
        const float *xc = x + ci * g->h * g->w;
        for (int64_t ky = 0; ky < g->kh; ky++) {
            for (int64_t kx = 0; kx < g->kw; kx++) {
                float *row = col + ((ci * g->kh + ky) * g->kw + kx) * tp;
                int64_t oy = p0 / g->ow, ox = p0 % g->ow;
                for (int64_t t = 0; t < tp; t++) {
                    int64_t iy = oy * g->stride_h - g->pad_t + ky * g->dil_h;
                    int64_t ix = ox * g->stride_w - g->pad_l + kx * g->dil_w;
                    row[t] = (iy >= 0 && iy < g->h && ix >= 0 && ix < g->w) ? xc[iy * g->w + ix]
                                                                          : 0.0f;
                    if (++ox == g->ow) {
                        ox = 0;
                        oy++;
                    }
                }
            }
        }
    }
}

/* First and one-past-last output index whose tap at offset `off` (= tap *
 * dilation - leading pad) lands inside an input of size n: o*s + off in [0, n). */
static void tap_range(int64_t off, int64_t s, int64_t n, int64_t out, int64_t *lo, int64_t *hi)
{
    int64_t a = off >= 0 ? 0 : (-off + s - 1) / s;
    int64_t b = n - off <= 0 ? 0 : (n - off - 1) / s + 1;
    *lo = a;
    *hi = b < out ? b : out;
}

/* One input channel per group (depthwise): each output plane is a sum of
 * shifted, scaled input rows, taps in (ky, kx) order like the GEMM, which
 * keeps the inner loop contiguous for stride 1. */
static void depthwise_plane(const pdsi_conv_geom *g, const float *x, const float *w, float *y)
{
    memset(y, 0, (size_t)(g->oh * g->ow) * sizeof(float));
    for (int64_t ky = 0; ky < g->kh; ky++) {
        int64_t ylo, yhi;
        tap_range(ky * g->dil_h - g->pad_t, g->stride_h, g->h, g->oh, &ylo, &yhi);
        for (int64_t kx = 0; kx < g->kw; kx++) {
            const float wv = w[ky * g->kw + kx];
            const int64_t offx = kx * g->dil_w - g->pad_l;
            int64_t xlo, xhi;
            tap_range(offx, g->stride_w, g->w, g->ow, &xlo, &xhi);
            for (int64_t oy = ylo; oy < yhi; oy++) {
                const float *xr = x + (oy * g->stride_h + ky * g->dil_h - g->pad_t) * g->w + offx;
                float *yr = y + oy * g->ow;
                if (g->stride_w == 1) {
                    for (int64_t ox = xlo; ox < xhi; ox++)
                        yr[ox] += wv * xr[ox];
                } else {
                    for (int64_t ox = xlo; ox < xhi; ox++)
                        yr[ox] += wv * xr[ox * g->stride_w];
                }
            }
        }
    }
}

static bool out_matches(const pdsi_tensor *y, const pdsi_conv_geom *g)
{
    return y->rank == 4 && y->dtype == PDS_FLOAT32 && y->dims[0] == g->n && y->dims[1] == g->m &&
           y->dims[2] == g->oh && y->dims[3] == g->ow;
}

/* y[n][m][..] += bias[m], then += residual (same shape as y) if given. */
static void add_bias_residual(const pdsi_conv_geom *g, float *y, const pdsi_tensor *bias,
                              const pdsi_tensor *res)
{
    const int64_t P = g->oh * g->ow;
    for (int64_t n = 0; n < g->n; n++)
        for (int64_t m = 0; m < g->m; m++) {
            float *row = y + (n * g->m + m) * P;
            if (bias) {
                const float b = ((const float *)bias->data)[m];
                for (int64_t i = 0; i < P; i++)
                    row[i] += b;
            }
            if (res) {
                const float *r = (const float *)res->data + (n * g->m + m) * P;
                for (int64_t i = 0; i < P; i++)
                    row[i] += r[i];
            }
        }
}

pds_status pdsi_conv2d_ref(const void *params, const pdsi_slot *in, const pdsi_slot *out,
                           pdsi_exec *ex, pds_error *err)
{
    const pdsi_conv_params *p = params;
    const pdsi_tensor *x = pdsi_slot_get(&in[0]), *wt = pdsi_slot_get(&in[1]);
    const pdsi_tensor *bias = pdsi_slot_get(&in[2]), *res = pdsi_slot_get(&in[3]);
    pdsi_tensor *y = pdsi_slot_get(&out[0]);
    pdsi_conv_geom g;
    pds_status st;
    if (!x || !wt || !y)
        return pdsi_fail(err, PDS_ERR_INTERNAL, "conv2d kernel: Input, Filter or Output missing");
    if ((st = pdsi_conv_resolve(p, x, wt, &g, err)))
        return st;
    if (!out_matches(y, &g))
        return pdsi_fail(err, PDS_ERR_INTERNAL, "conv2d kernel: Output was not shaped by infer");

    const int64_t G = g.groups, cg = g.c / G, mg = g.m / G;
    const int64_t K = cg * g.kh * g.kw, P = g.oh * g.ow, HW = g.h * g.w;
    /* A 1x1, stride-1, unpadded convolution reads its input as the column matrix. */
    const bool direct = g.kh == 1 && g.kw == 1 && g.stride_h == 1 && g.stride_w == 1 &&
                        g.pad_t == 0 && g.pad_b == 0 && g.pad_l == 0 && g.pad_r == 0;
    const float *xd = x->data, *wd = wt->data;
    float *yd = y->data;
    if (cg == 1 && !direct) {
        for (int64_t n = 0; n < g.n; n++)
            for (int64_t m = 0; m < g.m; m++)
                depthwise_plane(&g, xd + (n * g.c + m / mg) * HW, wd + m * K,
                                yd + (n * g.m + m) * P);
        add_bias_residual(&g, yd, bias, res);
        return PDS_OK;
    }
    const int64_t TP = tile_pixels(K, P);
    float *col = NULL;
    if (!direct) {
        col = pdsi_exec_scratch(ex, (size_t)(K * TP) * sizeof(float));
        if (!col)
            return pdsi_fail(err, PDS_ERR_OUT_OF_MEMORY,
                             "conv2d kernel: could not allocate %lld bytes of column buffer",
                             (long long)(K * TP * (int64_t)sizeof(float)));
    }
    for (int64_t n = 0; n < g.n; n++)
        for (int64_t gi = 0; gi < G; gi++) {
            const float *xg = xd + (n * g.c + gi * cg) * HW;
            const float *wg = wd + gi * mg * K;
            float *yg = yd + (n * g.m + gi * mg) * P;
            for (int64_t p0 = 0; p0 < P; p0 += TP) {
                int64_t tp = P - p0 < TP ? P - p0 : TP;
                /* Output tile [mg x tp] = filter [mg x K] x columns [K x tp]. */
                if (direct) {
                    pdsi_gemm_f32(mg, tp, K, wg, K, false, xg + p0, HW, false, yg + p0, P, 1.0f,
                                  0.0f);
                } else {
                    im2col_tile(&g, xg, cg, p0, tp, col);
                    pdsi_gemm_f32(mg, tp, K, wg, K, false, col, tp, false, yg + p0, P, 1.0f, 0.0f);
                }
            }
        }
    add_bias_residual(&g, yd, bias, res);
    return PDS_OK;
}

pds_status pdsi_conv2d_transpose_ref(const void *params, const pdsi_slot *in,
                                     const pdsi_slot *out, pdsi_exec *ex, pds_error *err)
{
    const pdsi_conv_params *p = params;
    const pdsi_tensor *x = pdsi_slot_get(&in[0]), *wt = pdsi_slot_get(&in[1]);
    const pdsi_tensor *bias = pdsi_slot_get(&in[2]);
    pdsi_tensor *y = pdsi_slot_get(&out[0]);
    pdsi_conv_geom g;
    pds_status st;
    if (!x || !wt || !y)
        return pdsi_fail(err, PDS_ERR_INTERNAL,
                         "conv2d_transpose kernel: Input, Filter or Output missing");
    if ((st = pdsi_conv_resolve(p, x, wt, &g, err)))
        return st;
    if (!out_matches(y, &g))
        return pdsi_fail(err, PDS_ERR_INTERNAL,
                         "conv2d_transpose kernel: Output was not shaped by infer");

    const int64_t G = g.groups, cg = g.c / G, mg = g.m / G;
    const int64_t J = mg * g.kh * g.kw, HW = g.h * g.w, OP = g.oh * g.ow;
    const int64_t TP = tile_pixels(J, HW);
    float *col = pdsi_exec_scratch(ex, (size_t)(J * TP) * sizeof(float));
    if (!col)
        return pdsi_fail(err, PDS_ERR_OUT_OF_MEMORY,
                         "conv2d_transpose kernel: could not allocate %lld bytes of column buffer",
                         (long long)(J * TP * (int64_t)sizeof(float)));
    const float *xd = x->data, *wd = wt->data;
    float *yd = y->data;
    memset(yd, 0, (size_t)(g.n * g.m * OP) * sizeof(float));
    for (int64_t n = 0; n < g.n; n++)
        for (int64_t gi = 0; gi < G; gi++) {
            const float *xg = xd + (n * g.c + gi * cg) * HW;
            const float *wg = wd + gi * cg * J; /* [cg][J]; used transposed */
            float *yg = yd + (n * g.m + gi * mg) * OP;
            for (int64_t p0 = 0; p0 < HW; p0 += TP) {
                int64_t tp = HW - p0 < TP ? HW - p0 : TP;
                /* Column tile [J x tp] = filter^T [J x cg] x input tile [cg x tp]. */
                pdsi_gemm_f32(J, tp, cg, wg, J, true, xg + p0, HW, false, col, tp, 1.0f, 0.0f);
                /* col2im: each (output channel, tap) row scatters onto the output. */
                for (int64_t mm = 0; mm < mg; mm++)
                    for (int64_t ky = 0; ky < g.kh; ky++)
                        for (int64_t kx = 0; kx < g.kw; kx++) {
                            const float *row = col + ((mm * g.kh + ky) * g.kw + kx) * tp;
                            float *ym = yg + mm * OP;
                            int64_t iy = p0 / g.w, ix = p0 % g.w;
                            for (int64_t t = 0; t < tp; t++) {
                                int64_t oy = iy * g.stride_h - g.pad_t + ky * g.dil_h;
                                int64_t ox = ix * g.stride_w - g.pad_l + kx * g.dil_w;
                                if (oy >= 0 && oy < g.oh && ox >= 0 && ox < g.ow)
                                    ym[oy * g.ow + ox] += row[t];
                                if (++ix == g.w) {
                                    ix = 0;
                                    iy++;
                                }
                            }
                        }
            }
        }
    add_bias_residual(&g, yd, bias, NULL);
    return PDS_OK;
}
