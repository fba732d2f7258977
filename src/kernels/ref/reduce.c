/*
 * reduce.c — portable reference kernels of the reduce family and the
 * geometry they share with shape inference.
 *
 * A reduction walks X once, in memory order, and folds each element into an
 * accumulator for its output element, so that reducing leading dims reads X
 * sequentially just like reducing trailing ones. Dims of size 1 are dropped
 * and neighbouring dims that are both reduced (or both kept) are merged first,
 * leaving at most a few runs to walk. Accumulators are double for floating
 * results (more accurate than Paddle's float sums, well within tolerance) and
 * 64-bit integers for integer ones, where sums wrap like Paddle's do.
 */
#include "kernels/reduce.h"

#include <float.h>
#include <math.h>
#include <stdint.h>
#include <string.h>

#include "kernels/shape.h"

/* Elements staged per step of the innermost run. */
#define CHUNK 1024

static const char *const kind_name[] = {"reduce_sum", "reduce_mean", "reduce_max", "reduce_min"};

pds_status pdsi_reduce_resolve(const pdsi_reduce_params *p, const pdsi_tensor *x,
                               pdsi_reduce_geom *g, pds_error *err)
{
    const int rank = x->rank;
    const pds_dtype dt = x->dtype;
    char b[160];
    bool ok;
    switch (p->kind) {
    case PDSI_REDUCE_SUM:
        ok = dt == PDS_FLOAT32 || dt == PDS_FLOAT64 || dt == PDS_INT32 || dt == PDS_INT64 ||
             dt == PDS_BOOL;
        if (p->out_dtype != PDS_DTYPE_UNKNOWN)
            g->out_dtype = p->out_dtype;
        else /* Paddle widens bool and int32 sums to int64 */
            g->out_dtype = (dt == PDS_BOOL || dt == PDS_INT32) ? PDS_INT64 : dt;
        break;
    case PDSI_REDUCE_MEAN:
        ok = dt == PDS_FLOAT32 || dt == PDS_FLOAT64;
        g->out_dtype = dt;
        break;
    default:
        ok = dt == PDS_FLOAT32 || dt == PDS_FLOAT64 || dt == PDS_INT32 || dt == PDS_INT64;
        g->out_dtype = dt;
        break;
    }
    if (!ok)
        return pdsi_fail(err, PDS_ERR_DTYPE, "%s: input 'X' is %s, expected %s", kind_name[p->kind],
                         pds_dtype_name(dt),
                         p->kind == PDSI_REDUCE_SUM    ? "float32, float64, int32, int64 or bool"
                         : p->kind == PDSI_REDUCE_MEAN ? "float32 or float64"
                                                       : "float32, float64, int32 or int64");

    for (int d = 0; d < rank; d++)
        g->reduced[d] = p->reduce_all || p->n_dims == 0;
    bool seen[PDSI_MAX_RANK] = {false};
    for (int i = 0; i < p->n_dims; i++) {
        int64_t a = p->dims[i] < 0 ? p->dims[i] + rank : p->dims[i];
        /* A 0-D input accepts dim 0 or -1, as Paddle does. */
        if (a < 0 || a >= (rank > 0 ? rank : 1))
            return pdsi_fail(err, PDS_ERR_SHAPE,
                             "attribute 'dim' entry %d is %lld, out of range for X of rank %d %s",
                             i, (long long)p->dims[i], rank,
                             pdsi_dims_str(x->dims, rank, b, sizeof b));
        if (rank == 0)
            continue;
        if (seen[a])
            return pdsi_fail(err, PDS_ERR_SHAPE, "attribute 'dim' lists dim %lld twice",
                             (long long)a);
        seen[a] = true;
        g->reduced[a] = true;
    }
    g->n_reduced = 1;
    g->out_rank = 0;
    for (int d = 0; d < rank; d++) {
        if (g->reduced[d]) {
            g->n_reduced *= x->dims[d];
            if (p->keep_dim)
                g->out_dims[g->out_rank++] = 1;
        } else {
            g->out_dims[g->out_rank++] = x->dims[d];
        }
    }
    if (g->n_reduced == 0 && (p->kind == PDSI_REDUCE_MAX || p->kind == PDSI_REDUCE_MIN))
        return pdsi_fail(err, PDS_ERR_SHAPE,
                         "%s over zero elements has no value (X is %s)", kind_name[p->kind],
                         pdsi_dims_str(x->dims, rank, b, sizeof b));
    return PDS_OK;
}

pds_status pdsi_arg_resolve(const pdsi_arg_params *p, const pdsi_tensor *x, pdsi_arg_geom *g,
                            pds_error *err)
{
    const int rank = x->rank;
    const pds_dtype dt = x->dtype;
    const char *name = p->is_min ? "arg_min" : "arg_max";
    char b[160];
    int a;
    if (dt != PDS_FLOAT32 && dt != PDS_FLOAT64 && dt != PDS_INT32 && dt != PDS_INT64 &&
        dt != PDS_UINT8)
        return pdsi_fail(err, PDS_ERR_DTYPE,
                         "%s: input 'X' is %s, expected float32, float64, int32, int64 or uint8",
                         name, pds_dtype_name(dt));
    /* A 0-D input accepts axis 0 or -1, as Paddle does. */
    if (p->axis < -(rank > 0 ? rank : 1) || p->axis >= (rank > 0 ? rank : 1))
        return pdsi_fail(err, PDS_ERR_SHAPE, "%s: attribute 'axis' %lld is out of range for X of "
                         "rank %d %s", name, (long long)p->axis, rank,
                         pdsi_dims_str(x->dims, rank, b, sizeof b));
    a = (int)(p->axis < 0 ? p->axis + rank : p->axis);
    g->outer = 1;
    g->inner = 1;
    g->out_rank = 0;
    if (p->flatten) {
        g->n = pdsi_tensor_numel(x);
        if (p->keepdims)
            for (int d = 0; d < rank; d++)
                g->out_dims[g->out_rank++] = 1;
    } else if (rank == 0) {
        g->n = 1;
        if (p->keepdims) /* Paddle gives [1] here */
            g->out_dims[g->out_rank++] = 1;
    } else {
        g->n = x->dims[a];
        for (int d = 0; d < rank; d++) {
            if (d < a)
                g->outer *= x->dims[d];
            else if (d > a)
                g->inner *= x->dims[d];
            if (d != a)
                g->out_dims[g->out_rank++] = x->dims[d];
            else if (p->keepdims)
                g->out_dims[g->out_rank++] = 1;
        }
    }
    if (g->n == 0 && g->outer * g->inner > 0)
        return pdsi_fail(err, PDS_ERR_SHAPE, "%s over zero elements has no index (X is %s)", name,
                         pdsi_dims_str(x->dims, rank, b, sizeof b));
    if (p->out_dtype == PDS_INT32 && g->n > INT32_MAX)
        return pdsi_fail(err, PDS_ERR_SHAPE,
                         "%s: %lld candidates do not fit the int32 index (dtype 2); use int64",
                         name, (long long)g->n);
    return PDS_OK;
}

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

    const bool float_domain = p->kind == PDSI_REDUCE_MEAN ||
                              (p->kind == PDSI_REDUCE_SUM ? pdsi_dtype_is_float(g.out_dtype)
                                                          : pdsi_dtype_is_float(x->dtype));
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
                load_i64(x->data, x->dtype, g.out_dtype, off, n, sti);
                int64_t *a = acci + oo;
                switch (p->kind) {
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
