/*
 * interp.c — portable reference kernels of the interp family (nearest,
 * bilinear and linear resampling, pad3d/pad2d). The size resolution they share with
 * shape inference is in ops/interp.c.
 *
 * Resampling reproduces Paddle's CPU interpolate kernel bit for bit: the ratio
 * is a float ((in-1)/(out-1) with align_corners, else 1/scale when a scale was
 * given, else in/out; 0 when out is 1), nearest takes trunc(ratio*k) (or
 * lround with align_corners), and bilinear mixes its double-precision index
 * (align_mode 0) with float weights exactly as Paddle does. Where Paddle would
 * read outside the input (a scale that disagrees with an OutSize), source
 * indices are clamped to the last row or column instead.
 */
#include "kernels/ref/ref.h"
#include "ops/interp.h"

#include <float.h>
#include <math.h>
#include <stdint.h>
#include <string.h>

static int64_t clamp_index(int64_t i, int64_t n)
{
    return i < 0 ? 0 : (i >= n ? n - 1 : i);
}

/* Source index of each output index for nearest. */
static void nearest_map(int64_t in, int64_t out, float ratio, bool align_corners, int64_t *map)
{
    for (int64_t k = 0; k < out; k++) {
        float v = ratio * (float)k;
        int64_t i = align_corners ? (int64_t)llroundf(v) : (int64_t)v;
        map[k] = clamp_index(i, in);
    }
}

/* One axis of bilinear sampling: the two source indices and their weights
 * (lo_w for lo, hi_w for hi), computed in Paddle's mix of precisions: the
 * half-pixel source index is truncated from a double, while the weight comes
 * from a float that Paddle computes in double for rows and in float for
 * columns (src_double). */
typedef struct lerp {
    int64_t lo, hi;
    float lo_w, hi_w;
} lerp;

static void bilinear_map(int64_t in, int64_t out, float ratio, bool align_flag, bool src_double,
                         lerp *m)
{
    for (int64_t k = 0; k < out; k++) {
        int64_t lo = align_flag ? (int64_t)((double)ratio * ((double)k + 0.5) - 0.5)
                                : (int64_t)(ratio * (float)k);
        if (lo < 0)
            lo = 0;
        float src = src_double ? (float)((double)ratio * ((double)k + 0.5) - 0.5)
                               : ratio * ((float)k + 0.5f) - 0.5f;
        if (!(src > 0.0f))
            src = 0.0f;
        float d = align_flag ? src - (float)lo : ratio * (float)k - (float)lo;
        lo = clamp_index(lo, in);
        m[k].lo = lo;
        m[k].hi = lo + 1 < in - 1 ? lo + 1 : in - 1;
        m[k].hi_w = d;
        m[k].lo_w = 1.0f - d;
    }
}

pds_status pdsi_interp_ref(const void *params, const pdsi_slot *in, const pdsi_slot *out,
                           pdsi_exec *ex, pds_error *err)
{
    const pdsi_interp_params *p = params;
    const pdsi_tensor *x = pdsi_slot_get(&in[0]);
    pdsi_tensor *y = pdsi_slot_get(&out[0]);
    pdsi_interp_geom g;
    pds_status st;
    if (!x || !y)
        return pdsi_fail(err, PDS_ERR_INTERNAL, "interp kernel: X or Out missing");
    if ((st = pdsi_interp_resolve(p, x, pdsi_slot_get(&in[1]), &in[2], pdsi_slot_get(&in[3]), &g,
                                  err)))
        return st;
    if (y->rank != 4 || y->dtype != x->dtype || y->dims[0] != g.n || y->dims[1] != g.c ||
        y->dims[2] != g.out_h || y->dims[3] != g.out_w)
        return pdsi_fail(err, PDS_ERR_INTERNAL, "interp kernel: Out was not shaped by infer");
    if (p->method == PDSI_INTERP_BILINEAR && x->dtype != PDS_FLOAT32)
        return pdsi_fail(err, PDS_ERR_DTYPE, "bilinear interp kernel: X is %s, expected float32",
                         pds_dtype_name(x->dtype));

    const int64_t planes = g.n * g.c, ihw = g.in_h * g.in_w, ohw = g.out_h * g.out_w;
    const size_t es = pds_dtype_size(x->dtype);
    if (g.copy) {
        memcpy(y->data, x->data, (size_t)(planes * ihw) * es);
        return PDS_OK;
    }

    if (p->method == PDSI_INTERP_NEAREST) {
        int64_t *mh = pdsi_exec_scratch(ex, (size_t)(g.out_h + g.out_w) * sizeof(int64_t));
        if (!mh)
            return pdsi_fail(err, PDS_ERR_OUT_OF_MEMORY, "interp kernel: no memory for index maps");
        int64_t *mw = mh + g.out_h;
        nearest_map(g.in_h, g.out_h, g.ratio_h, p->align_corners, mh);
        nearest_map(g.in_w, g.out_w, g.ratio_w, p->align_corners, mw);
        const unsigned char *xd = x->data;
        unsigned char *yd = y->data;
        for (int64_t pl = 0; pl < planes; pl++) {
            const unsigned char *xp = xd + (size_t)(pl * ihw) * es;
            unsigned char *yp = yd + (size_t)(pl * ohw) * es;
            for (int64_t i = 0; i < g.out_h; i++) {
                const unsigned char *xr = xp + (size_t)(mh[i] * g.in_w) * es;
                unsigned char *yr = yp + (size_t)(i * g.out_w) * es;
                switch (es) {
                case 4:
                    for (int64_t j = 0; j < g.out_w; j++)
                        memcpy(yr + 4 * j, xr + 4 * mw[j], 4);
                    break;
                case 8:
                    for (int64_t j = 0; j < g.out_w; j++)
                        memcpy(yr + 8 * j, xr + 8 * mw[j], 8);
                    break;
                default:
                    for (int64_t j = 0; j < g.out_w; j++)
                        memcpy(yr + es * (size_t)j, xr + es * (size_t)mw[j], es);
                }
            }
        }
        return PDS_OK;
    }

    lerp *lh = pdsi_exec_scratch(ex, (size_t)(g.out_h + g.out_w) * sizeof(lerp));
    if (!lh)
        return pdsi_fail(err, PDS_ERR_OUT_OF_MEMORY, "interp kernel: no memory for weights");
    lerp *lw = lh + g.out_h;
    const bool align_flag = p->align_mode == 0 && !p->align_corners;
    bilinear_map(g.in_h, g.out_h, g.ratio_h, align_flag, true, lh);
    bilinear_map(g.in_w, g.out_w, g.ratio_w, align_flag, false, lw);
    const float *xd = x->data;
    float *yd = y->data;
    for (int64_t pl = 0; pl < planes; pl++) {
        const float *xp = xd + pl * ihw;
        float *yp = yd + pl * ohw;
        for (int64_t i = 0; i < g.out_h; i++) {
            const lerp *r = &lh[i];
            const float *top = xp + r->lo * g.in_w, *bot = xp + r->hi * g.in_w;
            for (int64_t j = 0; j < g.out_w; j++) {
                const lerp *c = &lw[j];
                /* Paddle's term order, so the float rounding matches. */
                yp[i * g.out_w + j] = top[c->lo] * r->lo_w * c->lo_w +
                                      bot[c->lo] * r->hi_w * c->lo_w +
                                      top[c->hi] * r->lo_w * c->hi_w +
                                      bot[c->hi] * r->hi_w * c->hi_w;
            }
        }
    }
    return PDS_OK;
}

/* ---- linear_interp_v2 ---------------------------------------------------- */

/* Paddle's LinearInterpolation: the source index and weight of each output
 * column as for bilinear's rows (the half-pixel index computed in double),
 * then out = x[lo] * lo_w + x[hi] * hi_w in float, in that order. */
pds_status pdsi_linear_interp_ref(const void *params, const pdsi_slot *in, const pdsi_slot *out,
                                  pdsi_exec *ex, pds_error *err)
{
    const pdsi_interp_params *p = params;
    const pdsi_tensor *x = pdsi_slot_get(&in[0]);
    pdsi_tensor *y = pdsi_slot_get(&out[0]);
    pdsi_interp_geom g;
    pds_status st;
    if (!x || !y)
        return pdsi_fail(err, PDS_ERR_INTERNAL, "linear_interp kernel: X or Out missing");
    if ((st = pdsi_interp1d_resolve(p, x, pdsi_slot_get(&in[1]), &in[2], pdsi_slot_get(&in[3]),
                                    &g, err)))
        return st;
    const int64_t d1 = p->channel_last ? g.out_w : g.c, d2 = p->channel_last ? g.c : g.out_w;
    if (y->rank != 3 || y->dtype != PDS_FLOAT32 || x->dtype != PDS_FLOAT32 || y->dims[0] != g.n ||
        y->dims[1] != d1 || y->dims[2] != d2)
        return pdsi_fail(err, PDS_ERR_INTERNAL, "linear_interp kernel: Out was not shaped by infer");
    if (g.copy) {
        memcpy(y->data, x->data, (size_t)(g.n * g.c * g.in_w) * sizeof(float));
        return PDS_OK;
    }
    lerp *lw = pdsi_exec_scratch(ex, (size_t)g.out_w * sizeof(lerp));
    if (!lw)
        return pdsi_fail(err, PDS_ERR_OUT_OF_MEMORY, "linear_interp kernel: no memory for weights");
    bilinear_map(g.in_w, g.out_w, g.ratio_w, p->align_mode == 0 && !p->align_corners, true, lw);
    const float *xd = x->data;
    float *yd = y->data;
    if (!p->channel_last) {
        for (int64_t r = 0; r < g.n * g.c; r++) {
            const float *xr = xd + r * g.in_w;
            float *yr = yd + r * g.out_w;
            for (int64_t l = 0; l < g.out_w; l++)
                yr[l] = xr[lw[l].lo] * lw[l].lo_w + xr[lw[l].hi] * lw[l].hi_w;
        }
        return PDS_OK;
    }
    for (int64_t b = 0; b < g.n; b++) {
        const float *xb = xd + b * g.in_w * g.c;
        float *yb = yd + b * g.out_w * g.c;
        for (int64_t l = 0; l < g.out_w; l++) {
            const float *lo = xb + lw[l].lo * g.c, *hi = xb + lw[l].hi * g.c;
            const float a = lw[l].lo_w, c = lw[l].hi_w;
            float *o = yb + l * g.c;
            for (int64_t ch = 0; ch < g.c; ch++)
                o[ch] = lo[ch] * a + hi[ch] * c;
        }
    }
    return PDS_OK;
}

/* ---- pad3d / pad2d ------------------------------------------------------ */

/* Source index of output index o along an axis of size n with leading padding
 * lo, or -1 for the constant value. */
static int64_t pad_source(int mode, int64_t o, int64_t lo, int64_t n)
{
    int64_t i = o - lo;
    switch (mode) {
    case PDSI_PAD_REFLECT:
        if (n == 1)
            return 0;
        if (i < 0)
            i = -i;
        if (i > n - 1)
            i = 2 * (n - 1) - i;
        return clamp_index(i, n); /* resolve bounds the pads, so this never bites */
    case PDSI_PAD_REPLICATE:
        return clamp_index(i, n);
    case PDSI_PAD_CIRCULAR:
        return ((i % n) + n) % n;
    default:
        return (i >= 0 && i < n) ? i : -1;
    }
}

/* The constant, converted to X's dtype as Paddle's static_cast<T>(float) would,
 * but saturating where C leaves the conversion undefined. */
static void pad_value_bytes(pds_dtype dtype, double value, unsigned char out[8])
{
    float f = value > FLT_MAX ? INFINITY : value < -FLT_MAX ? -INFINITY : (float)value;
    double v = (double)f;
    switch (dtype) {
    case PDS_FLOAT64:
        memcpy(out, &v, 8);
        break;
    case PDS_INT32: {
        int32_t i = !(v == v) ? 0 : v <= -2147483648.0 ? INT32_MIN
                                  : v >= 2147483647.0  ? INT32_MAX
                                                       : (int32_t)v;
        memcpy(out, &i, 4);
        break;
    }
    case PDS_INT64: {
        int64_t i = !(v == v) ? 0 : v <= -9223372036854775808.0 ? INT64_MIN
                                  : v >= 9223372036854775807.0  ? INT64_MAX
                                                                : (int64_t)v;
        memcpy(out, &i, 8);
        break;
    }
    default:
        memcpy(out, &f, 4);
    }
}

pds_status pdsi_pad_ref(const void *params, const pdsi_slot *in, const pdsi_slot *out,
                        pdsi_exec *ex, pds_error *err)
{
    const pdsi_pad_params *p = params;
    const pdsi_tensor *x = pdsi_slot_get(&in[0]);
    pdsi_tensor *y = pdsi_slot_get(&out[0]);
    int64_t pads[6], od[5];
    pds_status st;
    if (!x || !y)
        return pdsi_fail(err, PDS_ERR_INTERNAL, "pad kernel: X or Out missing");
    if ((st = pdsi_pad_resolve(p, x, pdsi_slot_get(&in[1]), pads, od, err)))
        return st;
    if (!pdsi_pad_dtype_ok(x->dtype) || y->dtype != x->dtype || y->rank != p->rank ||
        memcmp(y->dims, od, (size_t)p->rank * sizeof od[0]) != 0)
        return pdsi_fail(err, PDS_ERR_INTERNAL, "pad kernel: Out was not shaped by infer");

    const int r = p->rank;
    const int64_t planes = x->dims[0] * x->dims[1];
    const int64_t id = r == 5 ? x->dims[2] : 1, ih = x->dims[r - 2], iw = x->dims[r - 1];
    const int64_t odd = r == 5 ? od[2] : 1, oh = od[r - 2], ow = od[r - 1];
    const size_t es = pds_dtype_size(x->dtype);
    if (planes == 0 || odd * oh * ow == 0)
        return PDS_OK;

    int64_t *md = pdsi_exec_scratch(ex, (size_t)(odd + oh + ow) * sizeof(int64_t));
    if (!md)
        return pdsi_fail(err, PDS_ERR_OUT_OF_MEMORY, "pad kernel: no memory for index maps");
    int64_t *mh = md + odd, *mw = mh + oh;
    /* An empty input axis leaves only the constant (resolve refused other modes). */
    for (int64_t i = 0; i < odd; i++)
        md[i] = id ? pad_source(p->mode, i, pads[4], id) : -1;
    for (int64_t i = 0; i < oh; i++)
        mh[i] = ih ? pad_source(p->mode, i, pads[2], ih) : -1;
    for (int64_t i = 0; i < ow; i++)
        mw[i] = iw ? pad_source(p->mode, i, pads[0], iw) : -1;

    unsigned char value[8];
    pad_value_bytes(x->dtype, p->value, value);
    const unsigned char *xd = x->data;
    unsigned char *yd = y->data;
    for (int64_t pl = 0; pl < planes; pl++) {
        const unsigned char *xp = xd + (size_t)(pl * id * ih * iw) * es;
        unsigned char *yp = yd + (size_t)(pl * odd * oh * ow) * es;
        for (int64_t a = 0; a < odd; a++)
            for (int64_t b = 0; b < oh; b++) {
                unsigned char *yr = yp + (size_t)((a * oh + b) * ow) * es;
                if (md[a] < 0 || mh[b] < 0) {
                    for (int64_t c = 0; c < ow; c++)
                        memcpy(yr + (size_t)c * es, value, es);
                    continue;
                }
                const unsigned char *xr = xp + (size_t)((md[a] * ih + mh[b]) * iw) * es;
                for (int64_t c = 0; c < ow; c++)
                    memcpy(yr + (size_t)c * es, mw[c] < 0 ? value : xr + (size_t)mw[c] * es, es);
            }
    }
    return PDS_OK;
}

/* ---- pixel_shuffle ------------------------------------------------------ */

pds_status pdsi_pixel_shuffle_ref(const void *params, const pdsi_slot *in, const pdsi_slot *out,
                                  pdsi_exec *ex, pds_error *err)
{
    const pdsi_pixel_shuffle_params *p = params;
    const pdsi_tensor *x = pdsi_slot_get(&in[0]);
    pdsi_tensor *o = pdsi_slot_get(&out[0]);
    (void)ex;
    if (!x || !o || x->rank != 4 || o->rank != 4 || o->dtype != x->dtype ||
        pdsi_tensor_numel(o) != pdsi_tensor_numel(x))
        return pdsi_fail(err, PDS_ERR_INTERNAL, "pixel_shuffle: Out does not match X");
    const size_t es = pds_dtype_size(x->dtype);
    const int64_t r = p->r, n = x->dims[0];
    /* output dims as (c, oh, ow) whatever the layout */
    const int64_t c = p->nhwc ? o->dims[3] : o->dims[1];
    const int64_t oh = p->nhwc ? o->dims[1] : o->dims[2], ow = p->nhwc ? o->dims[2] : o->dims[3];
    const int64_t h = oh / r, w = ow / r, cin = c * r * r;
    const char *src = x->data;
    char *dst = o->data;
    for (int64_t b = 0; b < n; b++)
        for (int64_t ch = 0; ch < c; ch++)
            for (int64_t y = 0; y < oh; y++)
                for (int64_t z = 0; z < ow; z++) {
                    const int64_t ci = ch * r * r + (y % r) * r + (z % r), hy = y / r, wz = z / r;
                    const int64_t si = p->nhwc ? ((b * h + hy) * w + wz) * cin + ci
                                               : ((b * cin + ci) * h + hy) * w + wz;
                    const int64_t di = p->nhwc ? ((b * oh + y) * ow + z) * c + ch
                                               : ((b * c + ch) * oh + y) * ow + z;
                    memcpy(dst + (size_t)di * es, src + (size_t)si * es, es);
                }
    return PDS_OK;
}

/* ---- grid_sampler ---------------------------------------------------------- */

/* Paddle's CPU kernel, in float: unnormalise, then clip (border) or reflect
 * (reflection), then read the neighbours that lie inside X. */
static float gs_unnormalize(float g, int64_t size, bool align)
{
    const float max_val = (float)(size - 1);
    return align ? (g + 1.0f) * (max_val * 0.5f) : (g + 1.0f) * ((max_val + 1.0f) * 0.5f) - 0.5f;
}

static float gs_clip(float v, int64_t size, const pdsi_grid_sample_params *p)
{
    const float max_val = (float)(size - 1);
    if (p->padding == PDSI_GS_BORDER)
        return fminf(fmaxf(v, 0.0f), max_val);
    if (p->padding != PDSI_GS_REFLECTION)
        return v;
    if (p->align_corners) {
        if (size <= 1)
            return 0.0f;
        const float range = max_val * 2.0f, a = fabsf(v);
        const float extra = a - floorf(a / range) * range;
        return fminf(extra, range - extra);
    }
    const float range = (max_val + 1.0f) * 2.0f, a = fabsf(v + 0.5f);
    const float extra = a - floorf(a / range) * range;
    return fminf(fmaxf(fminf(extra, range - extra) - 0.5f, 0.0f), max_val);
}

/* The offset of X[y][x] in its plane if (x, y) lies inside it, else -1.
 * Coordinates are compared as floats first so that no out-of-range value is
 * converted. */
static int64_t gs_offset(float xf, float yf, int64_t h, int64_t w)
{
    if (!(xf >= 0.0f && xf <= (float)(w - 1) && yf >= 0.0f && yf <= (float)(h - 1)))
        return -1;
    return (int64_t)yf * w + (int64_t)xf;
}

/* Where each output point reads: up to four neighbours (offset -1: outside,
 * read as 0) and the bilinear weights; nearest uses the first only. */
typedef struct gs_point {
    int64_t off[4]; /* north-west, north-east, south-west, south-east */
    float de, dw, ds, dn;
} gs_point;

/* Every output point's neighbours and weights are worked out once, then each
 * channel plane is swept point by point: the reads stay in one plane and the
 * writes are contiguous. The arithmetic per element is the formula and
 * operand order of Paddle's kernel (out-of-range neighbours are zeros that
 * are still multiplied), so the result does not depend on the loop order. */
pds_status pdsi_grid_sample_ref(const void *params, const pdsi_slot *in, const pdsi_slot *out,
                                pdsi_exec *ex, pds_error *err)
{
    const pdsi_grid_sample_params *p = params;
    const pdsi_tensor *x = pdsi_slot_get(&in[0]);
    const pdsi_tensor *g = pdsi_slot_get(&in[1]);
    pdsi_tensor *o = pdsi_slot_get(&out[0]);
    if (!x || !g || !o || x->rank != 4 || g->rank != 4 || o->rank != 4 ||
        o->dims[2] != g->dims[1] || o->dims[3] != g->dims[2] || o->dims[1] != x->dims[1])
        return pdsi_fail(err, PDS_ERR_INTERNAL, "grid_sampler: Output does not match X and Grid");
    const int64_t n = x->dims[0], c = x->dims[1], h = x->dims[2], w = x->dims[3];
    const int64_t npts = g->dims[1] * g->dims[2];
    const float *xd = x->data, *gd = g->data;
    float *od = o->data;
    if (n == 0 || c == 0 || npts == 0)
        return PDS_OK;
    gs_point *pts = (uint64_t)npts <= SIZE_MAX / sizeof(gs_point)
                        ? pdsi_exec_scratch(ex, (size_t)npts * sizeof(gs_point))
                        : NULL;
    if (!pts)
        return pdsi_fail(err, PDS_ERR_OUT_OF_MEMORY,
                         "grid_sampler: no memory for the %lld points of a grid", (long long)npts);
    for (int64_t b = 0; b < n; b++) {
        for (int64_t i = 0; i < npts; i++) {
            const float *gp = gd + (b * npts + i) * 2;
            const float gx = gs_clip(gs_unnormalize(gp[0], w, p->align_corners), w, p);
            const float gy = gs_clip(gs_unnormalize(gp[1], h, p->align_corners), h, p);
            gs_point *q = &pts[i];
            if (p->nearest) {
                /* halves to even, as Paddle (6.5 -> 6, -0.5 -> -0) */
                q->off[0] = gs_offset(rintf(gx), rintf(gy), h, w);
                continue;
            }
            const float xw = floorf(gx), xe = xw + 1.0f, yn = floorf(gy), ys = yn + 1.0f;
            q->dw = gx - xw;
            q->de = xe - gx;
            q->dn = gy - yn;
            q->ds = ys - gy;
            q->off[0] = gs_offset(xw, yn, h, w);
            q->off[1] = gs_offset(xe, yn, h, w);
            q->off[2] = gs_offset(xw, ys, h, w);
            q->off[3] = gs_offset(xe, ys, h, w);
        }
        for (int64_t ch = 0; ch < c; ch++) {
            const float *plane = xd + (b * c + ch) * h * w;
            float *op = od + (b * c + ch) * npts;
            if (p->nearest) {
                for (int64_t i = 0; i < npts; i++)
                    op[i] = pts[i].off[0] >= 0 ? plane[pts[i].off[0]] : 0.0f;
                continue;
            }
            for (int64_t i = 0; i < npts; i++) {
                const gs_point *q = &pts[i];
                const float vnw = q->off[0] >= 0 ? plane[q->off[0]] : 0.0f;
                const float vne = q->off[1] >= 0 ? plane[q->off[1]] : 0.0f;
                const float vsw = q->off[2] >= 0 ? plane[q->off[2]] : 0.0f;
                const float vse = q->off[3] >= 0 ? plane[q->off[3]] : 0.0f;
                op[i] = vnw * q->de * q->ds + vne * q->dw * q->ds + vsw * q->de * q->dn +
                        vse * q->dw * q->dn;
            }
        }
    }
    return PDS_OK;
}

/* ---- kernels by operator (ops/op_list.h order) ------------------------- */

const pdsi_ref_binding pdsi_ref_interp_kernels[] = {
    {PDSI_OP_NEAREST_INTERP_V2, pdsi_interp_ref},
    {PDSI_OP_BILINEAR_INTERP_V2, pdsi_interp_ref},
    {PDSI_OP_NEAREST_INTERP, pdsi_interp_ref},
    {PDSI_OP_BILINEAR_INTERP, pdsi_interp_ref},
    {PDSI_OP_PAD3D, pdsi_pad_ref},
    {PDSI_OP_PAD2D, pdsi_pad_ref},
    {PDSI_OP_PIXEL_SHUFFLE, pdsi_pixel_shuffle_ref},
    {PDSI_OP_GRID_SAMPLER, pdsi_grid_sample_ref},
    {PDSI_OP_LINEAR_INTERP_V2, pdsi_linear_interp_ref},
};
PDSI_REF_TABLE_CHECK(INTERP, interp);
