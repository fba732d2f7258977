/*
 * reduce.c — portable reference kernels of the reduce family. The geometry
 * they share with shape inference is in ops/reduce.c.
 *
 * A reduction walks X once, in memory order, and folds each element into an
 * accumulator for its output element, so that reducing leading dims reads X
 * sequentially just like reducing trailing ones. Dims of size 1 are dropped
 * and neighbouring dims that are both reduced (or both kept) are merged first,
 * leaving at most a few runs to walk. Accumulators are double for floating
 * results (more accurate than Paddle's float sums, well within tolerance) and
 * 64-bit integers for integer ones, where sums wrap like Paddle's do.
 */
#include "kernels/ref/ref.h"
#include "ops/reduce.h"

#include <float.h>
#include <math.h>
#include <stdint.h>
#include <string.h>

#include "ops/shape.h"

/* Elements staged per step of the innermost run. */
#define CHUNK 1024

static const char *const kind_name[] = {"reduce_sum", "reduce_mean", "reduce_max", "reduce_min",
                                         "reduce_all", "reduce_any"};

/* ------------------------------------------------------------------------ */
/* reduce                                                                    */
/* ------------------------------------------------------------------------ */

static void load_f64(const void *x, pds_dtype dt, int64_t off, int64_t n, double *dst)
{
    switch (dt) {
    case PDS_FLOAT32: {
        const float *s = (const float *)x + off;
        for (int64_t j = 0; j < n; j++)
            dst[j] = s[j];
        break;
    }
    case PDS_FLOAT64:
        memcpy(dst, (const double *)x + off, sizeof *dst * (size_t)n);
        break;
    default:
        for (int64_t j = 0; j < n; j++)
            dst[j] = pdsi_elem_get_f64(x, dt, off + j);
        break;
    }
}

/* Integer values as the integer result type sees them: a floating input goes
 * through cast's conversion to that type first. */
static void load_i64(const void *x, pds_dtype dt, pds_dtype out_dt, int64_t off, int64_t n,
                     int64_t *dst)
{
    switch (dt) {
    case PDS_INT32: {
        const int32_t *s = (const int32_t *)x + off;
        for (int64_t j = 0; j < n; j++)
            dst[j] = s[j];
        break;
    }
    case PDS_INT64:
        memcpy(dst, (const int64_t *)x + off, sizeof *dst * (size_t)n);
        break;
    default:
        if (pdsi_dtype_is_float(dt)) {
            int64_t tmp = 0; /* big enough for any integer type */
            for (int64_t j = 0; j < n; j++) {
                pdsi_elem_set_f64(&tmp, out_dt, 0, pdsi_elem_get_f64(x, dt, off + j));
                dst[j] = pdsi_elem_get_i64(&tmp, out_dt, 0);
            }
        } else {
            for (int64_t j = 0; j < n; j++)
                dst[j] = pdsi_elem_get_i64(x, dt, off + j);
        }
        break;
    }
}

pds_status pdsi_reduce_ref(const void *params, const pdsi_slot *in, const pdsi_slot *out,
                           pdsi_exec *ex, pds_error *err)
{
    const pdsi_reduce_params *p = params;
    const pdsi_tensor *x = pdsi_slot_get(&in[0]);
    pdsi_tensor *o = pdsi_slot_get(&out[0]);
    pdsi_reduce_geom g;
    pds_status st;
    if (!x || !o)
        return pdsi_fail(err, PDS_ERR_INTERNAL, "%s: missing input or output", kind_name[p->kind]);
    if ((st = pdsi_reduce_resolve(p, x, &g, err)))
        return st;
    int64_t out_numel = 1;
    for (int d = 0; d < g.out_rank; d++)
        out_numel *= g.out_dims[d];
    if (o->dtype != g.out_dtype || pdsi_tensor_numel(o) != out_numel ||
        (out_numel > 0 && !o->data))
        return pdsi_fail(err, PDS_ERR_INTERNAL, "%s: output 'Out' does not match its inferred "
                         "shape", kind_name[p->kind]);
    if (out_numel == 0)
        return PDS_OK;

    /* Merge dims: drop size 1, join neighbours with the same role. */
    int m = 0;
    int64_t cnt[PDSI_MAX_RANK];
    bool red[PDSI_MAX_RANK];
    for (int d = 0; d < x->rank; d++) {
        if (x->dims[d] == 1)
            continue;
        if (m > 0 && red[m - 1] == g.reduced[d]) {
            cnt[m - 1] *= x->dims[d];
        } else {
            cnt[m] = x->dims[d];
            red[m] = g.reduced[d];
            m++;
        }
    }
    if (m == 0) {
        cnt[0] = 1;
        red[0] = false;
        m = 1;
    }
    int64_t ostr[PDSI_MAX_RANK];
    int64_t s = 1;
    for (int j = m - 1; j >= 0; j--) {
        ostr[j] = red[j] ? 0 : s;
        if (!red[j])
            s *= cnt[j];
    }

    /* all / any fold "is non-zero" (NaN is non-zero) into 0/1 integers */
    const bool logic = p->kind == PDSI_REDUCE_ALL || p->kind == PDSI_REDUCE_ANY;
    const bool float_domain = !logic && (p->kind == PDSI_REDUCE_MEAN ||
                              (p->kind == PDSI_REDUCE_SUM ? pdsi_dtype_is_float(g.out_dtype)
                                                          : pdsi_dtype_is_float(x->dtype)));
    const int64_t run = cnt[m - 1];
    const int64_t chunk = run < CHUNK ? run : CHUNK;
    char *scratch = (uint64_t)out_numel < SIZE_MAX / 8 - (uint64_t)chunk
                        ? pdsi_exec_scratch(ex, (size_t)(out_numel + chunk) * 8)
                        : NULL;
    if (!scratch)
        return pdsi_fail(err, PDS_ERR_OUT_OF_MEMORY, "%s: no memory for %lld accumulators",
                         kind_name[p->kind], (long long)out_numel);
    double *accf = (double *)scratch, *stf = accf + out_numel;
    int64_t *acci = (int64_t *)scratch, *sti = acci + out_numel;

    for (int64_t i = 0; i < out_numel; i++) {
        switch (p->kind) {
        case PDSI_REDUCE_MAX:
            if (float_domain)
                accf[i] = -INFINITY;
            else
                acci[i] = INT64_MIN;
            break;
        case PDSI_REDUCE_MIN:
            if (float_domain)
                accf[i] = INFINITY;
            else
                acci[i] = INT64_MAX;
            break;
        case PDSI_REDUCE_ALL:
            acci[i] = 1;
            break;
        default:
            if (float_domain)
                accf[i] = 0;
            else
                acci[i] = 0;
            break;
        }
    }

    const int64_t numel = pdsi_tensor_numel(x);
    const int64_t n_runs = numel > 0 ? numel / run : 0; /* run is 0 when X is empty */
    int64_t idx[PDSI_MAX_RANK] = {0};
    int64_t ooff = 0;
    for (int64_t r = 0; r < n_runs; r++) {
        for (int64_t c0 = 0; c0 < run; c0 += chunk) {
            const int64_t n = run - c0 < chunk ? run - c0 : chunk;
            const int64_t off = r * run + c0;
            const int64_t oo = red[m - 1] ? ooff : ooff + c0;
            const int64_t step = red[m - 1] ? 0 : 1;
            if (float_domain) {
                load_f64(x->data, x->dtype, off, n, stf);
                double *a = accf + oo;
                switch (p->kind) {
                case PDSI_REDUCE_MAX:
                    for (int64_t j = 0; j < n; j++, a += step)
                        if (stf[j] > *a || isnan(stf[j]))
                            *a = stf[j];
                    break;
                case PDSI_REDUCE_MIN:
                    for (int64_t j = 0; j < n; j++, a += step)
                        if (stf[j] < *a || isnan(stf[j]))
                            *a = stf[j];
                    break;
                default:
                    if (step == 0) {
                        double sum = 0;
                        for (int64_t j = 0; j < n; j++)
                            sum += stf[j];
                        *a += sum;
                    } else {
                        for (int64_t j = 0; j < n; j++)
                            a[j] += stf[j];
                    }
                    break;
                }
            } else {
                if (logic) {
                    for (int64_t j = 0; j < n; j++)
                        sti[j] = pdsi_elem_get_f64(x->data, x->dtype, off + j) != 0.0;
                } else {
                    load_i64(x->data, x->dtype, g.out_dtype, off, n, sti);
                }
                int64_t *a = acci + oo;
                switch (p->kind) {
                case PDSI_REDUCE_ALL:
                    for (int64_t j = 0; j < n; j++, a += step)
                        *a &= sti[j];
                    break;
                case PDSI_REDUCE_ANY:
                    for (int64_t j = 0; j < n; j++, a += step)
                        *a |= sti[j];
                    break;
                case PDSI_REDUCE_MAX:
                    for (int64_t j = 0; j < n; j++, a += step)
                        if (sti[j] > *a)
                            *a = sti[j];
                    break;
                case PDSI_REDUCE_MIN:
                    for (int64_t j = 0; j < n; j++, a += step)
                        if (sti[j] < *a)
                            *a = sti[j];
                    break;
                default: /* sums wrap, as Paddle's integer sums do */
                    for (int64_t j = 0; j < n; j++, a += step)
                        *a = (int64_t)((uint64_t)*a + (uint64_t)sti[j]);
                    break;
                }
            }
        }
        /* Next run: advance the odometer over the merged outer dims. */
        for (int j = m - 2; j >= 0; j--) {
            ooff += ostr[j];
            if (++idx[j] < cnt[j])
                break;
            ooff -= ostr[j] * cnt[j];
            idx[j] = 0;
        }
    }

    for (int64_t i = 0; i < out_numel; i++) {
        if (!float_domain) {
            pdsi_elem_set_i64(o->data, o->dtype, i, acci[i]);
        } else if (p->kind == PDSI_REDUCE_MEAN) {
            double v = g.n_reduced > 0 ? accf[i] / (double)g.n_reduced : NAN;
            pdsi_elem_set_f64(o->data, o->dtype, i, v);
        } else {
            pdsi_elem_set_f64(o->data, o->dtype, i, accf[i]);
        }
    }
    return PDS_OK;
}

/* ------------------------------------------------------------------------ */
/* arg_max / arg_min                                                         */
/* ------------------------------------------------------------------------ */

/* Paddle (Eigen's argmax) starts from index 0 holding the type's lowest
 * finite value and moves only on a strictly greater element: ties keep the
 * first index and a NaN never wins. */
#define DEFINE_ARG(NAME, T, LOWEST, HIGHEST)                                                   \
    static void NAME(const void *xv, const pdsi_arg_geom *g, bool is_min, T *best,            \
                     int64_t *idx)                                                             \
    {                                                                                          \
        const T *x = xv;                                                                       \
        for (int64_t o = 0; o < g->outer; o++) {                                               \
            int64_t *oi = idx + o * g->inner;                                                  \
            for (int64_t i = 0; i < g->inner; i++) {                                           \
                best[i] = is_min ? (HIGHEST) : (LOWEST);                                       \
                oi[i] = 0;                                                                     \
            }                                                                                  \
            for (int64_t k = 0; k < g->n; k++) {                                               \
                const T *row = x + (o * g->n + k) * g->inner;                                  \
                if (is_min) {                                                                  \
                    for (int64_t i = 0; i < g->inner; i++)                                     \
                        if (row[i] < best[i])                                                  \
                            best[i] = row[i], oi[i] = k;                                       \
                } else {                                                                       \
                    for (int64_t i = 0; i < g->inner; i++)                                     \
                        if (row[i] > best[i])                                                  \
                            best[i] = row[i], oi[i] = k;                                       \
                }                                                                              \
            }                                                                                  \
        }                                                                                      \
    }

DEFINE_ARG(arg_f32, float, -FLT_MAX, FLT_MAX)
DEFINE_ARG(arg_f64, double, -DBL_MAX, DBL_MAX)
DEFINE_ARG(arg_i32, int32_t, INT32_MIN, INT32_MAX)
DEFINE_ARG(arg_i64, int64_t, INT64_MIN, INT64_MAX)
DEFINE_ARG(arg_u8, uint8_t, 0, UINT8_MAX)

pds_status pdsi_arg_ref(const void *params, const pdsi_slot *in, const pdsi_slot *out,
                        pdsi_exec *ex, pds_error *err)
{
    const pdsi_arg_params *p = params;
    const pdsi_tensor *x = pdsi_slot_get(&in[0]);
    pdsi_tensor *o = pdsi_slot_get(&out[0]);
    pdsi_arg_geom g;
    pds_status st;
    if (!x || !o)
        return pdsi_fail(err, PDS_ERR_INTERNAL, "arg_max/arg_min: missing input or output");
    if ((st = pdsi_arg_resolve(p, x, &g, err)))
        return st;
    const int64_t out_numel = g.outer * g.inner;
    if (o->dtype != p->out_dtype || pdsi_tensor_numel(o) != out_numel ||
        (out_numel > 0 && !o->data))
        return pdsi_fail(err, PDS_ERR_INTERNAL,
                         "arg_max/arg_min: output 'Out' does not match its inferred shape");
    if (out_numel == 0)
        return PDS_OK;
    /* Indices go straight to an int64 output; an int32 one is narrowed after. */
    const bool direct = o->dtype == PDS_INT64;
    size_t best_bytes = ((size_t)g.inner * 8 + 63) & ~(size_t)63;
    char *scratch = pdsi_exec_scratch(ex, best_bytes + (direct ? 0 : (size_t)out_numel * 8));
    if (!scratch)
        return pdsi_fail(err, PDS_ERR_OUT_OF_MEMORY, "arg_max/arg_min: no scratch memory");
    int64_t *idx = direct ? (int64_t *)o->data : (int64_t *)(scratch + best_bytes);
    switch (x->dtype) {
    case PDS_FLOAT32: arg_f32(x->data, &g, p->is_min, (float *)scratch, idx); break;
    case PDS_FLOAT64: arg_f64(x->data, &g, p->is_min, (double *)scratch, idx); break;
    case PDS_INT32: arg_i32(x->data, &g, p->is_min, (int32_t *)scratch, idx); break;
    case PDS_INT64: arg_i64(x->data, &g, p->is_min, (int64_t *)scratch, idx); break;
    default: arg_u8(x->data, &g, p->is_min, (uint8_t *)scratch, idx); break;
    }
    if (!direct)
        for (int64_t i = 0; i < out_numel; i++)
            ((int32_t *)o->data)[i] = (int32_t)idx[i];
    return PDS_OK;
}

/* ---- kernels by operator (ops/op_list.h order) ------------------------- */

/* ------------------------------------------------------------------------ */
/* cumsum                                                                    */
/* ------------------------------------------------------------------------ */

/* One scan of n elements `step` apart, in the element type: Paddle's CPU
 * kernel (an Eigen scan) adds them one by one in that type, so float32 sums
 * round exactly as here. Integers wrap (done unsigned, free of undefined
 * behaviour). reverse scans from the end; exclusive stores the sum before
 * adding the element. */
#define CUMSUM_SCAN(T, ACC, x, o, n, step, excl, rev)                                        \
    do {                                                                                     \
        ACC acc_ = 0;                                                                        \
        for (int64_t k_ = 0; k_ < (n); k_++) {                                               \
            int64_t at_ = ((rev) ? (n)-1 - k_ : k_) * (step);                                \
            ACC v_ = (ACC)(x)[at_];                                                          \
            if (excl) {                                                                      \
                (o)[at_] = (T)acc_;                                                          \
                acc_ += v_;                                                                  \
            } else {                                                                         \
                acc_ += v_;                                                                  \
                (o)[at_] = (T)acc_;                                                          \
            }                                                                                \
        }                                                                                    \
    } while (0)

pds_status pdsi_cumsum_ref(const void *params, const pdsi_slot *in, const pdsi_slot *out,
                           pdsi_exec *ex, pds_error *err)
{
    const pdsi_cumsum_params *p = params;
    const pdsi_tensor *x = pdsi_slot_get(&in[0]);
    pdsi_tensor *o = pdsi_slot_get(&out[0]);
    pdsi_cumsum_geom g;
    pds_status st = pdsi_cumsum_resolve(p, x, &g, err);
    if (st)
        return st;
    const int64_t numel = g.outer * g.n * g.inner;
    if (!o || o->dtype != x->dtype || pdsi_tensor_numel(o) != numel || (numel > 0 && !o->data))
        return pdsi_fail(err, PDS_ERR_INTERNAL, "cumsum: output 'Out' does not match its "
                         "inferred %s, %lld elements", pds_dtype_name(x->dtype),
                         (long long)numel);
    if (numel == 0)
        return PDS_OK;
    const int excl = p->exclusive, rev = p->reverse;
    for (int64_t i = 0; i < g.outer; i++) {
        for (int64_t j = 0; j < g.inner; j++) {
            const int64_t base = i * g.n * g.inner + j;
            switch (x->dtype) {
            case PDS_FLOAT32:
                CUMSUM_SCAN(float, float, (const float *)x->data + base, (float *)o->data + base,
                            g.n, g.inner, excl, rev);
                break;
            case PDS_FLOAT64:
                CUMSUM_SCAN(double, double, (const double *)x->data + base,
                            (double *)o->data + base, g.n, g.inner, excl, rev);
                break;
            case PDS_INT32:
                CUMSUM_SCAN(int32_t, uint32_t, (const int32_t *)x->data + base,
                            (int32_t *)o->data + base, g.n, g.inner, excl, rev);
                break;
            default: /* int64 (checked by resolve) */
                CUMSUM_SCAN(int64_t, uint64_t, (const int64_t *)x->data + base,
                            (int64_t *)o->data + base, g.n, g.inner, excl, rev);
                break;
            }
        }
    }
    return PDS_OK;
}

/* p_norm: in double over each reduced run, stored as float. */
pds_status pdsi_p_norm_ref(const void *params, const pdsi_slot *in, const pdsi_slot *out,
                           pdsi_exec *ex, pds_error *err)
{
    const pdsi_p_norm_params *p = params;
    const pdsi_tensor *x = pdsi_slot_get(&in[0]);
    pdsi_tensor *o = pdsi_slot_get(&out[0]);
    pdsi_arg_geom g;
    pds_status st;
    (void)ex;
    if ((st = pdsi_p_norm_resolve(p, x, &g, err)))
        return st;
    if (!o || o->dtype != PDS_FLOAT32 || pdsi_tensor_numel(o) != g.outer * g.inner)
        return pdsi_fail(err, PDS_ERR_INTERNAL, "p_norm: output 'Out' does not match its "
                         "inferred shape");
    const float *xd = x->data;
    float *od = o->data;
    const double q = p->porder;
    for (int64_t a = 0; a < g.outer; a++) {
        for (int64_t c = 0; c < g.inner; c++) {
            const float *r = xd + a * g.n * g.inner + c;
            double acc = q == -INFINITY ? INFINITY : 0.0;
            for (int64_t j = 0; j < g.n; j++) {
                double v = fabs((double)r[j * g.inner]);
                if (q == 0.0)
                    acc += v != 0.0;
                else if (q == INFINITY)
                    acc = v > acc || isnan(v) ? v : acc;
                else if (q == -INFINITY)
                    acc = v < acc || isnan(v) ? v : acc;
                else
                    acc += pow(v, q);
            }
            if (q != 0.0 && !isinf(q))
                acc = pow(acc, 1.0 / q);
            od[a * g.inner + c] = (float)acc;
        }
    }
    return PDS_OK;
}

const pdsi_ref_binding pdsi_ref_reduce_kernels[] = {
    {PDSI_OP_REDUCE_SUM, pdsi_reduce_ref},
    {PDSI_OP_REDUCE_MEAN, pdsi_reduce_ref},
    {PDSI_OP_REDUCE_MAX, pdsi_reduce_ref},
    {PDSI_OP_REDUCE_MIN, pdsi_reduce_ref},
    {PDSI_OP_ARG_MAX, pdsi_arg_ref},
    {PDSI_OP_ARG_MIN, pdsi_arg_ref},
    {PDSI_OP_CUMSUM, pdsi_cumsum_ref},
    {PDSI_OP_P_NORM, pdsi_p_norm_ref},
    {PDSI_OP_REDUCE_ALL, pdsi_reduce_ref},
    {PDSI_OP_REDUCE_ANY, pdsi_reduce_ref},
};
PDSI_REF_TABLE_CHECK(REDUCE, reduce);
