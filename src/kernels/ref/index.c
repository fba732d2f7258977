/*
 * index.c — portable reference kernels of the index family (ops/index.h):
 * lookup_table_v2, one_hot_v2, range, linspace,
 * fill_constant_batch_size_like, meshgrid, roll and set_value.
 *
 * The arithmetic follows Paddle 3.3's CPU kernels where it decides bits:
 * range accumulates start + step + step ... in the output type (not start +
 * i * step), and linspace computes in the output type for floating types and
 * in double, truncated, for integers, from both ends towards the middle.
 * Token ids and one-hot classes are data: every one is checked before it is
 * used, and one out of range is an error naming it (Paddle's embedding reads
 * outside its table for a negative id).
 */
#include "kernels/ref/ref.h"
#include "ops/index.h"
#include "ops/shape.h"

#include <math.h>
#include <string.h>

/* Out holds exactly `numel` elements of `dtype`: a guard against a caller that
 * did not run shape inference first. */
static pds_status check_out(const pdsi_tensor *o, pds_dtype dtype, int64_t numel,
                            const char *op, pds_error *err)
{
    if (!o)
        return pdsi_fail(err, PDS_ERR_INTERNAL, "%s: output 'Out' is missing", op);
    if (o->dtype != dtype || pdsi_tensor_numel(o) != numel || (numel > 0 && !o->data))
        return pdsi_fail(err, PDS_ERR_INTERNAL,
                         "%s: output 'Out' (%s, %lld elements) does not match its inferred %s, "
                         "%lld elements",
                         op, pds_dtype_name(o->dtype), (long long)pdsi_tensor_numel(o),
                         pds_dtype_name(dtype), (long long)numel);
    return PDS_OK;
}

/* ---- lookup_table_v2 ------------------------------------------------------ */

pds_status pdsi_embedding_ref(const void *params, const pdsi_slot *in, const pdsi_slot *out,
                              pdsi_exec *ex, pds_error *err)
{
    const pdsi_embedding_params *p = params;
    const pdsi_tensor *ids = pdsi_slot_get(&in[0]);
    const pdsi_tensor *w = pdsi_slot_get(&in[1]);
    pdsi_tensor *o = pdsi_slot_get(&out[0]);
    pds_status st;
    (void)ex;
    if (!ids || !w || w->rank != 2)
        return pdsi_fail(err, PDS_ERR_INTERNAL, "lookup_table_v2: inputs 'Ids' and 'W' [rows, "
                         "width] are required");
    const int64_t n = pdsi_tensor_numel(ids), rows = w->dims[0];
    if ((st = check_out(o, w->dtype, n * w->dims[1], "lookup_table_v2", err)))
        return st;
    if (n > 0 && !ids->data)
        return pdsi_fail(err, PDS_ERR_INTERNAL, "lookup_table_v2: input 'Ids' has no data");
    /* Every id first: nothing is written when one is out of range. */
    for (int64_t k = 0; k < n; k++) {
        int64_t id = pdsi_elem_get_i64(ids->data, ids->dtype, k);
        if (id == p->padding_idx && p->padding_idx != -1)
            continue;
        if (id < 0 || id >= rows)
            return pdsi_fail(err, PDS_ERR_SHAPE, "lookup_table_v2: Ids element %lld is %lld, out "
                             "of range for W with %lld rows: expected a value in [0, %lld)%s",
                             (long long)k, (long long)id, (long long)rows, (long long)rows,
                             p->padding_idx != -1 ? " or padding_idx" : "");
    }
    const size_t row = (size_t)w->dims[1] * pds_dtype_size(w->dtype);
    if (row == 0)
        return PDS_OK;
    char *dst = o->data;
    const char *src = w->data;
    for (int64_t k = 0; k < n; k++) {
        int64_t id = pdsi_elem_get_i64(ids->data, ids->dtype, k);
        if (id == p->padding_idx && p->padding_idx != -1)
            memset(dst + (size_t)k * row, 0, row);
        else
            memcpy(dst + (size_t)k * row, src + (size_t)id * row, row);
    }
    return PDS_OK;
}

/* ---- one_hot_v2 ----------------------------------------------------------- */

pds_status pdsi_one_hot_ref(const void *params, const pdsi_slot *in, const pdsi_slot *out,
                            pdsi_exec *ex, pds_error *err)
{
    const pdsi_one_hot_params *p = params;
    const pdsi_tensor *x = pdsi_slot_get(&in[0]);
    pdsi_tensor *o = pdsi_slot_get(&out[0]);
    int64_t depth;
    pds_status st;
    (void)ex;
    if (!x)
        return pdsi_fail(err, PDS_ERR_INTERNAL, "one_hot_v2: input 'X' is missing");
    if ((st = pdsi_one_hot_depth(p, in, &depth, err)))
        return st;
    const int64_t n = pdsi_tensor_numel(x);
    if ((st = check_out(o, p->dtype, n * depth, "one_hot_v2", err)))
        return st;
    if (n > 0 && !x->data)
        return pdsi_fail(err, PDS_ERR_INTERNAL, "one_hot_v2: input 'X' has no data");
    for (int64_t k = 0; k < n && !p->allow_out_of_range; k++) {
        int64_t c = pdsi_elem_get_i64(x->data, x->dtype, k);
        if (c < 0 || c >= depth)
            return pdsi_fail(err, PDS_ERR_SHAPE, "one_hot_v2: X element %lld is %lld, out of "
                             "range for depth %lld: expected a value in [0, %lld)",
                             (long long)k, (long long)c, (long long)depth, (long long)depth);
    }
    if (n * depth > 0)
        memset(o->data, 0, pdsi_tensor_bytes(o));
    for (int64_t k = 0; k < n; k++) {
        int64_t c = pdsi_elem_get_i64(x->data, x->dtype, k);
        if (c >= 0 && c < depth)
            pdsi_elem_set_i64(o->data, p->dtype, k * depth + c, 1);
    }
    return PDS_OK;
}

/* ---- range, linspace ------------------------------------------------------ */

static pds_status seq_run(int kind, const void *params, const pdsi_slot *in,
                          const pdsi_slot *out, pds_error *err)
{
    const char *op = kind ? "linspace" : "range";
    pdsi_tensor *o = pdsi_slot_get(&out[0]);
    pdsi_seq_geom g;
    pds_status st;
    if ((st = pdsi_seq_resolve(params, kind, in, &g, err)) ||
        (st = check_out(o, g.dtype, g.n, op, err)))
        return st;
    void *d = o->data;
    const int64_t n = g.n;
    if (kind == 0) {
        /* start, start + step, (start + step) + step, ... in the output type */
        if (g.dtype == PDS_FLOAT32) {
            float v = (float)g.f0;
            const float s = (float)g.df;
            for (int64_t i = 0; i < n; i++) {
                ((float *)d)[i] = v;
                v += s;
            }
        } else if (g.dtype == PDS_FLOAT64) {
            double v = g.f0;
            for (int64_t i = 0; i < n; i++) {
                ((double *)d)[i] = v;
                v += g.df;
            }
        } else {
            /* n steps stay within [start, end]: no overflow before the last */
            int64_t v = g.i0;
            for (int64_t i = 0; i < n; i++) {
                pdsi_elem_set_i64(d, g.dtype, i, v);
                if (i + 1 < n)
                    v += g.di;
            }
        }
        return PDS_OK;
    }
    if (n == 0)
        return PDS_OK;
    if (n == 1) {
        if (pdsi_dtype_is_float(g.dtype))
            pdsi_elem_set_f64(d, g.dtype, 0, g.f0);
        else
            pdsi_elem_set_i64(d, g.dtype, 0, g.i0);
        return PDS_OK;
    }
    const int64_t half = n / 2;
    if (g.dtype == PDS_FLOAT32) {
        const float s = (float)g.f0, e = (float)g.stop, step = (e - s) / (float)(n - 1);
        for (int64_t i = 0; i < n; i++)
            ((float *)d)[i] = i < half ? s + step * (float)i : e - step * (float)(n - i - 1);
    } else if (g.dtype == PDS_FLOAT64) {
        const double s = g.f0, e = g.stop, step = (e - s) / (double)(n - 1);
        for (int64_t i = 0; i < n; i++)
            ((double *)d)[i] = i < half ? s + step * (double)i : e - step * (double)(n - i - 1);
    } else {
        const double s = (double)g.i0, e = (double)g.i1, step = (e - s) / (double)(n - 1);
        for (int64_t i = 0; i < n; i++)
            pdsi_elem_set_f64(d, g.dtype, i, i < half ? s + step * (double)i
                                                      : e - step * (double)(n - i - 1));
    }
    return PDS_OK;
}

pds_status pdsi_range_ref(const void *params, const pdsi_slot *in, const pdsi_slot *out,
                          pdsi_exec *ex, pds_error *err)
{
    (void)ex;
    return seq_run(0, params, in, out, err);
}

pds_status pdsi_linspace_ref(const void *params, const pdsi_slot *in, const pdsi_slot *out,
                             pdsi_exec *ex, pds_error *err)
{
    (void)ex;
    return seq_run(1, params, in, out, err);
}

/* ---- fill_constant_batch_size_like ---------------------------------------- */

pds_status pdsi_fill_bsl_ref(const void *params, const pdsi_slot *in, const pdsi_slot *out,
                             pdsi_exec *ex, pds_error *err)
{
    const pdsi_fill_bsl_params *p = params;
    pdsi_tensor *o = pdsi_slot_get(&out[0]);
    pds_status st;
    (void)in;
    (void)ex;
    if (!o)
        return pdsi_fail(err, PDS_ERR_INTERNAL, "fill_constant_batch_size_like: output 'Out' is "
                         "missing");
    const int64_t n = pdsi_tensor_numel(o);
    if ((st = check_out(o, p->dtype, n, "fill_constant_batch_size_like", err)))
        return st;
    if (n == 0)
        return PDS_OK;
    const size_t es = pds_dtype_size(p->dtype);
    pdsi_elem_set_f64(o->data, p->dtype, 0, p->value);
    for (int64_t i = 1; i < n; i++)
        memcpy((char *)o->data + (size_t)i * es, o->data, es);
    return PDS_OK;
}

/* ---- meshgrid ------------------------------------------------------------- */

pds_status pdsi_meshgrid_ref(const void *params, const pdsi_slot *in, const pdsi_slot *out,
                             pdsi_exec *ex, pds_error *err)
{
    (void)params;
    (void)ex;
    const int n = in[0].n;
    if (n < 1 || out[0].n != n)
        return pdsi_fail(err, PDS_ERR_INTERNAL, "meshgrid: %d inputs and %d outputs", n,
                         out[0].n);
    const size_t es = pds_dtype_size(in[0].t[0]->dtype);
    for (int k = 0; k < n; k++) {
        const pdsi_tensor *x = in[0].t[k];
        pdsi_tensor *o = out[0].t[k];
        pds_status st;
        if ((st = check_out(o, x->dtype, pdsi_tensor_numel(o), "meshgrid", err)))
            return st;
        if (o->rank != n || o->dims[k] != (x->rank ? x->dims[0] : 1))
            return pdsi_fail(err, PDS_ERR_INTERNAL, "meshgrid: output %d does not match its "
                             "input", k);
        /* Out[k] viewed as [outer, dims[k], inner]: element j of X repeated
         * inner times, the whole run repeated outer times. */
        int64_t outer = 1, inner = 1;
        for (int d = 0; d < k; d++)
            outer *= o->dims[d];
        for (int d = k + 1; d < n; d++)
            inner *= o->dims[d];
        char *dst = o->data;
        const char *src = x->data;
        for (int64_t a = 0; a < outer; a++)
            for (int64_t j = 0; j < o->dims[k]; j++)
                for (int64_t b = 0; b < inner; b++, dst += es)
                    memcpy(dst, src + (size_t)j * es, es);
    }
    return PDS_OK;
}

/* ---- roll ----------------------------------------------------------------- */

pds_status pdsi_roll_ref(const void *params, const pdsi_slot *in, const pdsi_slot *out,
                         pdsi_exec *ex, pds_error *err)
{
    const pdsi_tensor *x = pdsi_slot_get(&in[0]);
    pdsi_tensor *o = pdsi_slot_get(&out[0]);
    pdsi_roll_geom g;
    pds_status st;
    (void)ex;
    if ((st = pdsi_roll_resolve(params, in, &g, err)))
        return st;
    const int64_t numel = pdsi_tensor_numel(x);
    if ((st = check_out(o, x->dtype, numel, "roll", err)))
        return st;
    if (numel == 0)
        return PDS_OK;
    const size_t es = pds_dtype_size(x->dtype);
    char *dst = o->data;
    const char *src = x->data;
    if (g.flat || x->rank == 0) {
        /* Out[(i + s) mod n] = X[i]: two runs. */
        const int64_t s = g.flat ? g.shift[0] : 0;
        memcpy(dst + (size_t)s * es, src, (size_t)(numel - s) * es);
        memcpy(dst, src + (size_t)(numel - s) * es, (size_t)s * es);
        return PDS_OK;
    }
    /* Out[c] = X[c - shift (mod dims)], walked with an odometer over the outer
     * dims; the last dim is two runs. */
    const int r = x->rank;
    const int64_t last = x->dims[r - 1], s = g.shift[r - 1];
    int64_t stride[PDSI_MAX_RANK], coord[PDSI_MAX_RANK] = {0};
    int64_t acc = 1;
    for (int d = r - 1; d >= 0; d--) {
        stride[d] = acc;
        acc *= x->dims[d];
    }
    const int64_t rows = numel / last;
    for (int64_t row = 0; row < rows; row++) {
        int64_t off = 0;
        for (int d = 0; d < r - 1; d++) {
            int64_t c = coord[d] - g.shift[d];
            if (c < 0)
                c += x->dims[d];
            off += c * stride[d];
        }
        char *drow = dst + (size_t)(row * last) * es;
        const char *srow = src + (size_t)off * es;
        memcpy(drow + (size_t)s * es, srow, (size_t)(last - s) * es);
        memcpy(drow, srow + (size_t)(last - s) * es, (size_t)s * es);
        for (int d = r - 2; d >= 0; d--) {
            if (++coord[d] < x->dims[d])
                break;
            coord[d] = 0;
        }
    }
    return PDS_OK;
}

/* ---- set_value ------------------------------------------------------------ */

pds_status pdsi_set_value_ref(const void *params, const pdsi_slot *in, const pdsi_slot *out,
                              pdsi_exec *ex, pds_error *err)
{
    const pdsi_set_value_params *p = params;
    const pdsi_tensor *x = pdsi_slot_get(&in[0]);
    const pdsi_tensor *v = pdsi_slot_get(&in[1]);
    pdsi_tensor *o = pdsi_slot_get(&out[0]);
    pdsi_set_value_geom g;
    pds_status st;
    (void)ex;
    if ((st = pdsi_set_value_resolve(p, in, &g, err)))
        return st;
    const int64_t numel = pdsi_tensor_numel(x);
    if ((st = check_out(o, x->dtype, numel, "set_value", err)))
        return st;
    if (numel > 0 && o->data != x->data)
        memmove(o->data, x->data, pdsi_tensor_bytes(x));
    int64_t count;
    if (!pdsi_shape_numel(g.count, g.rank, &count) || count == 0)
        return PDS_OK;
    if (g.from_tensor && pdsi_tensor_numel(v) > 0 && !v->data)
        return pdsi_fail(err, PDS_ERR_INTERNAL, "set_value: input 'ValueTensor' has no data");
    const size_t es = pds_dtype_size(x->dtype);
    int64_t stride[PDSI_MAX_RANK], coord[PDSI_MAX_RANK] = {0}, vcoord[PDSI_MAX_RANK] = {0};
    int64_t acc = 1;
    for (int d = g.rank - 1; d >= 0; d--) {
        stride[d] = acc;
        acc *= x->dims[d];
    }
    int64_t off = 0, voff = 0;
    for (int d = 0; d < g.rank; d++)
        off += g.first[d] * stride[d];
    char *dst = o->data;
    for (int64_t k = 0; k < count; k++) {
        if (g.from_tensor)
            memcpy(dst + (size_t)off * es, (const char *)v->data + (size_t)voff * es, es);
        else if (p->values_are_ints)
            pdsi_elem_set_i64(dst, x->dtype, off, p->v.i[voff]);
        else
            pdsi_elem_set_f64(dst, x->dtype, off, p->v.f[voff]);
        /* Next slice element: the odometer over the sliced dims, and the
         * value's position over the decreased dims (same element order). */
        for (int d = g.rank - 1; d >= 0; d--) {
            off += g.step[d] * stride[d];
            if (++coord[d] < g.count[d])
                break;
            off -= g.step[d] * stride[d] * g.count[d];
            coord[d] = 0;
        }
        for (int d = g.vrank - 1; d >= 0; d--) {
            voff += g.vstride[d];
            if (++vcoord[d] < g.vdims[d])
                break;
            voff -= g.vstride[d] * g.vdims[d];
            vcoord[d] = 0;
        }
    }
    return PDS_OK;
}

const pdsi_ref_binding pdsi_ref_index_kernels[] = {
    {PDSI_OP_LOOKUP_TABLE_V2, pdsi_embedding_ref},
    {PDSI_OP_ONE_HOT_V2, pdsi_one_hot_ref},
    {PDSI_OP_RANGE, pdsi_range_ref},
    {PDSI_OP_LINSPACE, pdsi_linspace_ref},
    {PDSI_OP_FILL_CONSTANT_BATCH_SIZE_LIKE, pdsi_fill_bsl_ref},
    {PDSI_OP_MESHGRID, pdsi_meshgrid_ref},
    {PDSI_OP_ROLL, pdsi_roll_ref},
    {PDSI_OP_SET_VALUE, pdsi_set_value_ref},
};
PDSI_REF_TABLE_CHECK(INDEX, index);
