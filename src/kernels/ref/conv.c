/*
 * conv.c — portable reference kernels of the conv family. The geometry they
 * share with shape inference is pdsi_conv_resolve (ops/conv.c).
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
 * op, and runs undilated. unfold is the im2col alone, whole rows at a time.
 */
#include "kernels/ref/ref.h"
#include "ops/conv.h"
#include "kernels/gemm.h"

#include <string.h>

/* Bytes of column buffer a tile may use. */
#define TILE_BYTES (256 * 1024)

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

/* ---- unfold --------------------------------------------------------------- */

/* [lo, hi): the output columns bx whose input column bx*s + off lies in
 * [0, w) (off = tap offset minus the left padding). */
static void valid_range(int64_t off, int64_t s, int64_t w, int64_t ow, int64_t *lo, int64_t *hi)
{
    int64_t a = off >= 0 ? 0 : (-off + s - 1) / s;
    int64_t b = w - off <= 0 ? 0 : (w - off - 1) / s + 1;
    *lo = a < ow ? a : ow;
    *hi = b < ow ? b : ow;
    if (*hi < *lo)
        *hi = *lo;
}

/* One output row (c, i, j) of one batch item, elements of es bytes: the rows
 * of the kernel tap's input band, zero where the tap falls in the padding. A
 * stride-1 row is one memcpy between two zero runs. */
static void unfold_row(const pdsi_unfold_params *p, const pdsi_unfold_geom *g,
                       const unsigned char *xc, unsigned char *row, int64_t i, int64_t j,
                       size_t es)
{
    const int64_t offx = j * p->d[1] - p->pad_l;
    int64_t lo, hi;
    valid_range(offx, p->s[1], g->w, g->ow, &lo, &hi);
    for (int64_t by = 0; by < g->oh; by++) {
        unsigned char *o = row + (size_t)(by * g->ow) * es;
        const int64_t iy = by * p->s[0] - p->pad_t + i * p->d[0];
        if (iy < 0 || iy >= g->h || lo == hi) {
            memset(o, 0, (size_t)g->ow * es);
            continue;
        }
        const unsigned char *xr = xc + (size_t)(iy * g->w) * es;
        memset(o, 0, (size_t)lo * es);
        if (p->s[1] == 1) {
            memcpy(o + (size_t)lo * es, xr + (size_t)(lo + offx) * es, (size_t)(hi - lo) * es);
        } else if (es == 4) {
            for (int64_t bx = lo; bx < hi; bx++)
                memcpy(o + 4 * bx, xr + 4 * (bx * p->s[1] + offx), 4);
        } else {
            for (int64_t bx = lo; bx < hi; bx++)
                memcpy(o + es * (size_t)bx, xr + es * (size_t)(bx * p->s[1] + offx), es);
        }
        memset(o + (size_t)hi * es, 0, (size_t)(g->ow - hi) * es);
    }
}

pds_status pdsi_unfold_ref(const void *params, const pdsi_slot *in, const pdsi_slot *out,
                           pdsi_exec *ex, pds_error *err)
{
    const pdsi_unfold_params *p = params;
    const pdsi_tensor *x = pdsi_slot_get(&in[0]);
    pdsi_tensor *y = pdsi_slot_get(&out[0]);
    pdsi_unfold_geom g;
    pds_status st;
    if (!x || !y)
        return pdsi_fail(err, PDS_ERR_INTERNAL, "unfold kernel: X or Y missing");
    if ((st = pdsi_unfold_resolve(p, x, &g, err)))
        return st;
    const int64_t rows = g.c * p->k[0] * p->k[1], cols = g.oh * g.ow;
    if (y->rank != 3 || y->dtype != x->dtype || y->dims[0] != g.n || y->dims[1] != rows ||
        y->dims[2] != cols)
        return pdsi_fail(err, PDS_ERR_INTERNAL, "unfold kernel: Y was not shaped by infer");
    const size_t es = pds_dtype_size(x->dtype);
    const unsigned char *xd = x->data;
    unsigned char *yd = y->data;
    for (int64_t b = 0; b < g.n; b++)
        for (int64_t c = 0; c < g.c; c++) {
            const unsigned char *xc = xd + (size_t)((b * g.c + c) * g.h * g.w) * es;
            for (int64_t i = 0; i < p->k[0]; i++)
                for (int64_t j = 0; j < p->k[1]; j++) {
                    int64_t r = (c * p->k[0] + i) * p->k[1] + j;
                    unfold_row(p, &g, xc, yd + (size_t)((b * rows + r) * cols) * es, i, j, es);
                }
        }
    return PDS_OK;
}

/* ---- kernels by operator (ops/op_list.h order) ------------------------- */

const pdsi_ref_binding pdsi_ref_conv_kernels[] = {
    {PDSI_OP_CONV2D, pdsi_conv2d_ref},
    {PDSI_OP_DEPTHWISE_CONV2D, pdsi_conv2d_ref},
    {PDSI_OP_CONV2D_TRANSPOSE, pdsi_conv2d_transpose_ref},
    {PDSI_OP_DEPTHWISE_CONV2D_TRANSPOSE, pdsi_conv2d_transpose_ref},
    {PDSI_OP_UNFOLD, pdsi_unfold_ref},
};
PDSI_REF_TABLE_CHECK(CONV, conv);
