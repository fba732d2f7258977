/*
 * shape.c — portable reference kernels of the data-movement family. The
 * element conversions of cast and the geometry that shape inference shares
 * with the kernels are in ops/shape.c.
 *
 * Data movement is done on bytes: a kernel knows the element size and nothing
 * else about the dtype. Strided walks (transpose, slice) keep an odometer over
 * the outer dims and copy the innermost run with memcpy when it is contiguous.
 * The conversions reproduce what Paddle's CPU kernels do on x86-64, where a
 * static_cast from floating point to an integer is cvttss2si/cvttsd2si: NaN and
 * out-of-range values become the "integer indefinite" INT32_MIN/INT64_MIN, and
 * narrower integers take the low bits of the 32-bit result. Doing that
 * explicitly keeps the C free of undefined behaviour.
 */
#include "kernels/ref/ref.h"
#include "ops/shape.h"

#include <float.h>
#include <math.h>
#include <string.h>

/* As the element conversion of ops/shape.c: NaN and values outside int32 give
 * INT32_MIN (x86 cvttsd2si). */
static int32_t f64_to_i32(double v)
{
    if (!(v > -2147483649.0 && v < 2147483648.0))
        return INT32_MIN;
    return (int32_t)v;
}

/* ------------------------------------------------------------------------ */
/* kernels                                                                   */
/* ------------------------------------------------------------------------ */

/* Out holds exactly `numel` elements of `dtype`: a guard against a caller that
 * did not run shape inference first. */
static pds_status check_out(const pdsi_tensor *o, pds_dtype dtype, int64_t numel,
                            const char *what, pds_error *err)
{
    if (!o)
        return pdsi_fail(err, PDS_ERR_INTERNAL, "output '%s' is missing", what);
    if (o->dtype != dtype || pdsi_tensor_numel(o) != numel || (numel > 0 && !o->data))
        return pdsi_fail(err, PDS_ERR_INTERNAL,
                         "output '%s' (%s, %lld elements) does not match its inferred %s, %lld "
                         "elements",
                         what, pds_dtype_name(o->dtype), (long long)pdsi_tensor_numel(o),
                         pds_dtype_name(dtype), (long long)numel);
    return PDS_OK;
}

pds_status pdsi_copy_ref(const void *params, const pdsi_slot *in, const pdsi_slot *out,
                         pdsi_exec *ex, pds_error *err)
{
    const pdsi_tensor *x = pdsi_slot_get(&in[0]);
    pdsi_tensor *o = pdsi_slot_get(&out[0]);
    pds_status st;
    if (!x)
        return pdsi_fail(err, PDS_ERR_INTERNAL, "input 'X' is missing");
    if ((st = check_out(o, x->dtype, pdsi_tensor_numel(x), "Out", err)))
        return st;
    size_t bytes = pdsi_tensor_bytes(x);
    if (bytes && o->data != x->data)
        memmove(o->data, x->data, bytes);
    return PDS_OK;
}

/* Copies n elements of es bytes from a strided source to a dense target. */
static void gather_run(char *dst, const char *src, int64_t n, int64_t stride, size_t es)
{
    if (stride == 1) {
        memcpy(dst, src, (size_t)n * es);
        return;
    }
    const ptrdiff_t sb = (ptrdiff_t)stride * (ptrdiff_t)es;
    switch (es) {
    case 1:
        for (int64_t i = 0; i < n; i++)
            dst[i] = src[i * sb];
        break;
    case 2:
        for (int64_t i = 0; i < n; i++)
            memcpy(dst + i * 2, src + i * sb, 2);
        break;
    case 4:
        for (int64_t i = 0; i < n; i++)
            memcpy(dst + i * 4, src + i * sb, 4);
        break;
    case 8:
        for (int64_t i = 0; i < n; i++)
            memcpy(dst + i * 8, src + i * sb, 8);
        break;
    default:
        for (int64_t i = 0; i < n; i++)
            memcpy(dst + (size_t)i * es, src + i * sb, es);
        break;
    }
}

/* Writes the dense tensor of shape cnt[0..rank) whose element (i0, i1, ...)
 * is src[base + sum(i_d * str[d])] (strides in elements, may be negative or 0).
 * rank is at most 2 * PDSI_MAX_RANK: tile splits each dim in two. */
static void strided_gather(char *dst, const char *src, int rank, const int64_t *cnt,
                           const int64_t *str, int64_t base, size_t es)
{
    int64_t idx[2 * PDSI_MAX_RANK] = {0};
    int64_t numel = 1;
    for (int d = 0; d < rank; d++)
        numel *= cnt[d];
    if (numel == 0)
        return;
    if (rank == 0) {
        memcpy(dst, src + base * (int64_t)es, es);
        return;
    }
    const int last = rank - 1;
    int64_t off = base;
    for (;;) {
        gather_run(dst, src + off * (int64_t)es, cnt[last], str[last], es);
        dst += (size_t)cnt[last] * es;
        int d = last - 1;
        while (d >= 0) {
            off += str[d];
            if (++idx[d] < cnt[d])
                break;
            off -= str[d] * cnt[d];
            idx[d] = 0;
            d--;
        }
        if (d < 0)
            return;
    }
}

pds_status pdsi_transpose_ref(const void *params, const pdsi_slot *in, const pdsi_slot *out,
                              pdsi_exec *ex, pds_error *err)
{
    const pdsi_transpose_params *p = params;
    const pdsi_tensor *x = pdsi_slot_get(&in[0]);
    pdsi_tensor *o = pdsi_slot_get(&out[0]);
    int perm[PDSI_MAX_RANK];
    int64_t istr[PDSI_MAX_RANK], cnt[PDSI_MAX_RANK], str[PDSI_MAX_RANK];
    pds_status st;
    if (!x)
        return pdsi_fail(err, PDS_ERR_INTERNAL, "input 'X' is missing");
    if ((st = pdsi_transpose_perm(p, x->rank, perm, err)))
        return st;
    if ((st = check_out(o, x->dtype, pdsi_tensor_numel(x), "Out", err)))
        return st;
    const int rank = x->rank;
    int64_t s = 1;
    for (int d = rank - 1; d >= 0; d--) {
        istr[d] = s;
        s *= x->dims[d];
    }
    /* Output dim i walks input dim perm[i]. Drop size-1 dims and merge output
     * neighbours that are also neighbours in the input, so that the innermost
     * run is as long as possible. */
    int n = 0;
    for (int i = 0; i < rank; i++) {
        int64_t c = x->dims[perm[i]];
        if (c == 1)
            continue;
        if (n > 0 && str[n - 1] == istr[perm[i]] * c) {
            cnt[n - 1] *= c;
            str[n - 1] = istr[perm[i]];
            continue;
        }
        cnt[n] = c;
        str[n] = istr[perm[i]];
        n++;
    }
    strided_gather(o->data, x->data, n, cnt, str, 0, pds_dtype_size(x->dtype));
    return PDS_OK;
}

/* flip: X read with a negative stride (from its last index) along each
 * flipped dim. */
pds_status pdsi_flip_ref(const void *params, const pdsi_slot *in, const pdsi_slot *out,
                         pdsi_exec *ex, pds_error *err)
{
    (void)ex;
    const pdsi_tensor *x = pdsi_slot_get(&in[0]);
    pdsi_tensor *o = pdsi_slot_get(&out[0]);
    bool flipped[PDSI_MAX_RANK];
    int64_t str[PDSI_MAX_RANK];
    pds_status st;
    if (!x)
        return pdsi_fail(err, PDS_ERR_INTERNAL, "input 'X' is missing");
    if ((st = pdsi_flip_resolve(params, x, flipped, err)) ||
        (st = check_out(o, x->dtype, pdsi_tensor_numel(x), "Out", err)))
        return st;
    if (pdsi_tensor_numel(x) == 0)
        return PDS_OK;
    int64_t s = 1, base = 0;
    for (int d = x->rank - 1; d >= 0; d--) {
        str[d] = flipped[d] ? -s : s;
        if (flipped[d])
            base += s * (x->dims[d] - 1);
        s *= x->dims[d];
    }
    strided_gather(o->data, x->data, x->rank, x->dims, str, base, pds_dtype_size(x->dtype));
    return PDS_OK;
}

pds_status pdsi_slice_ref(const void *params, const pdsi_slot *in, const pdsi_slot *out,
                          pdsi_exec *ex, pds_error *err)
{
    const pdsi_slice_params *p = params;
    const pdsi_tensor *x = pdsi_slot_get(&in[0]);
    pdsi_tensor *o = pdsi_slot_get(&out[0]);
    pdsi_slice_geom g;
    int64_t istr[PDSI_MAX_RANK], str[PDSI_MAX_RANK];
    pds_status st;
    if ((st = pdsi_slice_resolve(p, in, &g, err)))
        return st;
    int64_t numel = 1;
    for (int d = 0; d < g.rank; d++)
        numel *= g.count[d];
    if ((st = check_out(o, x->dtype, numel, "Out", err)))
        return st;
    int64_t s = 1, base = 0;
    for (int d = g.rank - 1; d >= 0; d--) {
        istr[d] = s;
        s *= x->dims[d];
    }
    /* A step can be huge, but only with a count of 1, when the stride is never
     * applied; with a count above 1, |step| * istr stays within the input. */
    for (int d = 0; d < g.rank; d++) {
        base += g.first[d] * istr[d];
        str[d] = g.count[d] > 1 ? g.step[d] * istr[d] : 0;
    }
    strided_gather(o->data, x->data, g.rank, g.count, str, base, pds_dtype_size(x->dtype));
    return PDS_OK;
}

pds_status pdsi_concat_ref(const void *params, const pdsi_slot *in, const pdsi_slot *out,
                           pdsi_exec *ex, pds_error *err)
{
    int64_t dims[PDSI_MAX_RANK];
    int axis;
    pds_status st;
    pdsi_tensor *o = pdsi_slot_get(&out[0]);
    if ((st = pdsi_concat_resolve(params, in, &axis, dims, err)))
        return st;
    const pdsi_tensor *x0 = in[0].t[0];
    int64_t numel;
    if (!pdsi_shape_numel(dims, x0->rank, &numel))
        return pdsi_fail(err, PDS_ERR_SHAPE, "concat: output element count overflows");
    if ((st = check_out(o, x0->dtype, numel, "Out", err)))
        return st;
    if (numel == 0)
        return PDS_OK;
    const size_t es = pds_dtype_size(x0->dtype);
    int64_t outer = 1, inner = 1;
    for (int d = 0; d < axis; d++)
        outer *= dims[d];
    for (int d = axis + 1; d < x0->rank; d++)
        inner *= dims[d];
    const size_t row = (size_t)(dims[axis] * inner) * es;
    size_t off = 0;
    for (int k = 0; k < in[0].n; k++) {
        const pdsi_tensor *x = in[0].t[k];
        const size_t chunk = (size_t)(x->dims[axis] * inner) * es;
        if (chunk == 0)
            continue;
        char *dst = (char *)o->data + off;
        const char *src = x->data;
        for (int64_t i = 0; i < outer; i++)
            memcpy(dst + (size_t)i * row, src + (size_t)i * chunk, chunk);
        off += chunk;
    }
    return PDS_OK;
}

pds_status pdsi_split_ref(const void *params, const pdsi_slot *in, const pdsi_slot *out,
                          pdsi_exec *ex, pds_error *err)
{
    int64_t sizes[PDSI_SHAPE_MAX_LIST];
    int axis;
    pds_status st;
    const pdsi_tensor *x = pdsi_slot_get(&in[0]);
    if ((st = pdsi_split_resolve(params, in, out[0].n, &axis, sizes, err)))
        return st;
    const size_t es = pds_dtype_size(x->dtype);
    int64_t outer = 1, inner = 1;
    for (int d = 0; d < axis; d++)
        outer *= x->dims[d];
    for (int d = axis + 1; d < x->rank; d++)
        inner *= x->dims[d];
    for (int k = 0; k < out[0].n; k++) {
        int64_t numel = outer * sizes[k] * inner;
        if ((st = check_out(out[0].t[k], x->dtype, numel, "Out", err)))
            return st;
    }
    if (pdsi_tensor_numel(x) == 0)
        return PDS_OK;
    const size_t row = (size_t)(x->dims[axis] * inner) * es;
    size_t off = 0;
    for (int k = 0; k < out[0].n; k++) {
        const size_t chunk = (size_t)(sizes[k] * inner) * es;
        if (chunk == 0)
            continue;
        char *dst = out[0].t[k]->data;
        const char *src = (const char *)x->data + off;
        for (int64_t i = 0; i < outer; i++)
            memcpy(dst + (size_t)i * chunk, src + (size_t)i * row, chunk);
        off += chunk;
    }
    return PDS_OK;
}

pds_status pdsi_stack_ref(const void *params, const pdsi_slot *in, const pdsi_slot *out,
                          pdsi_exec *ex, pds_error *err)
{
    int axis;
    pds_status st;
    pdsi_tensor *o = pdsi_slot_get(&out[0]);
    if ((st = pdsi_stack_resolve(params, in, &axis, err)))
        return st;
    const pdsi_tensor *x0 = in[0].t[0];
    const int64_t each = pdsi_tensor_numel(x0);
    if (each > 0 && in[0].n > INT64_MAX / each)
        return pdsi_fail(err, PDS_ERR_SHAPE, "stack: output element count overflows");
    if ((st = check_out(o, x0->dtype, each * in[0].n, "Y", err)))
        return st;
    if (each == 0)
        return PDS_OK;
    const size_t es = pds_dtype_size(x0->dtype);
    int64_t outer = 1;
    for (int d = 0; d < axis; d++)
        outer *= x0->dims[d];
    const size_t chunk = (size_t)(each / outer) * es;
    const size_t row = chunk * (size_t)in[0].n;
    for (int k = 0; k < in[0].n; k++) {
        char *dst = (char *)o->data + (size_t)k * chunk;
        const char *src = in[0].t[k]->data;
        for (int64_t i = 0; i < outer; i++)
            memcpy(dst + (size_t)i * row, src + (size_t)i * chunk, chunk);
    }
    return PDS_OK;
}

pds_status pdsi_shape_ref(const void *params, const pdsi_slot *in, const pdsi_slot *out,
                          pdsi_exec *ex, pds_error *err)
{
    const pdsi_tensor *x = pdsi_slot_get(&in[0]);
    pdsi_tensor *o = pdsi_slot_get(&out[0]);
    pds_status st;
    if (!x)
        return pdsi_fail(err, PDS_ERR_INTERNAL, "input 'Input' is missing");
    if ((st = check_out(o, PDS_INT32, x->rank, "Out", err)))
        return st;
    for (int d = 0; d < x->rank; d++) {
        if (x->dims[d] > INT32_MAX)
            return pdsi_fail(err, PDS_ERR_SHAPE,
                             "dim %d of input 'Input' is %lld, which does not fit the int32 "
                             "output of shape",
                             d, (long long)x->dims[d]);
        ((int32_t *)o->data)[d] = (int32_t)x->dims[d];
    }
    return PDS_OK;
}

/* Fills every element of o with the value already stored in element 0,
 * doubling the filled prefix with each copy. */
static void replicate_first(pdsi_tensor *o)
{
    const size_t es = pds_dtype_size(o->dtype);
    const size_t total = pdsi_tensor_bytes(o);
    size_t done = es;
    while (done < total) {
        size_t n = done < total - done ? done : total - done;
        memcpy((char *)o->data + done, o->data, n);
        done += n;
    }
}

static void fill(pdsi_tensor *o, double fv, int64_t iv, bool is_int)
{
    if (pdsi_tensor_numel(o) == 0)
        return;
    if (is_int)
        pdsi_elem_set_i64(o->data, o->dtype, 0, iv);
    else
        pdsi_elem_set_f64(o->data, o->dtype, 0, fv);
    replicate_first(o);
}

pds_status pdsi_fill_constant_ref(const void *params, const pdsi_slot *in,
                                  const pdsi_slot *out, pdsi_exec *ex, pds_error *err)
{
    const pdsi_fill_constant_params *p = params;
    pdsi_tensor *o = pdsi_slot_get(&out[0]);
    double fv;
    int64_t iv;
    bool is_int;
    pds_status st;
    if ((st = pdsi_fill_constant_value(p, in, &fv, &iv, &is_int, err)))
        return st;
    if (!o)
        return pdsi_fail(err, PDS_ERR_INTERNAL, "output 'Out' is missing");
    if ((st = check_out(o, p->dtype, pdsi_tensor_numel(o), "Out", err)))
        return st;
    fill(o, fv, iv, is_int);
    return PDS_OK;
}

pds_status pdsi_fill_like_ref(const void *params, const pdsi_slot *in, const pdsi_slot *out,
                              pdsi_exec *ex, pds_error *err)
{
    const pdsi_fill_like_params *p = params;
    const pdsi_tensor *x = pdsi_slot_get(&in[0]);
    pdsi_tensor *o = pdsi_slot_get(&out[0]);
    pds_status st;
    if (!x)
        return pdsi_fail(err, PDS_ERR_INTERNAL, "input 'X' is missing");
    pds_dtype dt = p->dtype == PDS_DTYPE_UNKNOWN ? x->dtype : p->dtype;
    if ((st = check_out(o, dt, pdsi_tensor_numel(x), "Out", err)))
        return st;
    fill(o, p->value, 0, false);
    return PDS_OK;
}

pds_status pdsi_assign_value_ref(const void *params, const pdsi_slot *in,
                                 const pdsi_slot *out, pdsi_exec *ex, pds_error *err)
{
    const pdsi_assign_value_params *p = params;
    pdsi_tensor *o = pdsi_slot_get(&out[0]);
    pds_status st;
    if ((st = check_out(o, p->dtype, p->n, "Out", err)))
        return st;
    for (int64_t i = 0; i < p->n; i++) {
        if (p->values_are_ints)
            pdsi_elem_set_i64(o->data, o->dtype, i, p->v.i[i]);
        else
            pdsi_elem_set_f64(o->data, o->dtype, i, p->v.f[i]);
    }
    return PDS_OK;
}

pds_status pdsi_cast_ref(const void *params, const pdsi_slot *in, const pdsi_slot *out,
                         pdsi_exec *ex, pds_error *err)
{
    const pdsi_cast_params *p = params;
    const pdsi_tensor *x = pdsi_slot_get(&in[0]);
    pdsi_tensor *o = pdsi_slot_get(&out[0]);
    pds_status st;
    if (!x)
        return pdsi_fail(err, PDS_ERR_INTERNAL, "input 'X' is missing");
    const int64_t n = pdsi_tensor_numel(x);
    if ((st = check_out(o, p->out_dtype, n, "Out", err)))
        return st;
    if (n == 0)
        return PDS_OK;
    if (x->dtype == p->out_dtype) {
        if (o->data != x->data)
            memmove(o->data, x->data, pdsi_tensor_bytes(x));
        return PDS_OK;
    }
    if (x->dtype == PDS_FLOAT32 && p->out_dtype == PDS_INT32) {
        const float *src = x->data;
        int32_t *dst = o->data;
        for (int64_t i = 0; i < n; i++)
            dst[i] = f64_to_i32(src[i]);
    } else if (x->dtype == PDS_INT64 && p->out_dtype == PDS_FLOAT32) {
        const int64_t *src = x->data;
        float *dst = o->data;
        for (int64_t i = 0; i < n; i++)
            dst[i] = (float)src[i];
    } else if (pdsi_dtype_is_float(x->dtype)) {
        for (int64_t i = 0; i < n; i++)
            pdsi_elem_set_f64(o->data, o->dtype, i, pdsi_elem_get_f64(x->data, x->dtype, i));
    } else {
        for (int64_t i = 0; i < n; i++)
            pdsi_elem_set_i64(o->data, o->dtype, i, pdsi_elem_get_i64(x->data, x->dtype, i));
    }
    return PDS_OK;
}

pds_status pdsi_expand_ref(const void *params, const pdsi_slot *in, const pdsi_slot *out,
                           pdsi_exec *ex, pds_error *err)
{
    const pdsi_expand_params *p = params;
    const pdsi_tensor *x = pdsi_slot_get(&in[0]);
    pdsi_tensor *o = pdsi_slot_get(&out[0]);
    pdsi_expand_geom g;
    int64_t istr[PDSI_MAX_RANK], cnt[2 * PDSI_MAX_RANK], str[2 * PDSI_MAX_RANK];
    pds_status st;
    if ((st = pdsi_expand_resolve(p, in, &g, err)))
        return st;
    int64_t numel;
    if (!pdsi_shape_numel(g.out_dims, g.rank, &numel))
        return pdsi_fail(err, PDS_ERR_SHAPE, "expand: output element count overflows");
    if ((st = check_out(o, x->dtype, numel, "Out", err)))
        return st;
    if (numel == 0)
        return PDS_OK;
    int64_t s = 1;
    for (int d = g.rank - 1; d >= 0; d--) {
        istr[d] = s;
        s *= g.in_dims[d];
    }
    /* Each output dim is `reps` copies (stride 0) of `in_dims` elements (the
     * input stride); expand has one of the two equal to 1, tile both. Dims of
     * count 1 are dropped. */
    int n = 0;
    for (int d = 0; d < g.rank; d++) {
        if (g.reps[d] != 1) {
            cnt[n] = g.reps[d];
            str[n++] = 0;
        }
        if (g.in_dims[d] != 1) {
            cnt[n] = g.in_dims[d];
            str[n++] = istr[d];
        }
    }
    strided_gather(o->data, x->data, n, cnt, str, 0, pds_dtype_size(x->dtype));
    return PDS_OK;
}

/* Index k of `ix` checked against size: in [-size, size), negative from the end. */
static pds_status index_at(const pdsi_tensor *ix, int64_t k, int64_t size, const char *op,
                           int dim, int64_t *out, pds_error *err)
{
    int64_t v = pdsi_elem_get_i64(ix->data, ix->dtype, k);
    if (v < -size || v >= size)
        return pdsi_fail(err, PDS_ERR_SHAPE,
                         "%s: Index element %lld is %lld, out of range for dim %d of X "
                         "(size %lld): expected a value in [%lld, %lld)",
                         op, (long long)k, (long long)v, dim, (long long)size,
                         (long long)-size, (long long)size);
    *out = v < 0 ? v + size : v;
    return PDS_OK;
}

pds_status pdsi_gather_ref(const void *params, const pdsi_slot *in, const pdsi_slot *out,
                           pdsi_exec *ex, pds_error *err)
{
    static const char *const op_name[] = {"gather", "index_select", "gather_nd",
                                          "take_along_axis"};
    const pdsi_gather_params *p = params;
    const pdsi_tensor *x = pdsi_slot_get(&in[0]);
    const pdsi_tensor *ix = pdsi_slot_get(&in[1]);
    pdsi_tensor *o = pdsi_slot_get(&out[0]);
    pdsi_gather_geom g;
    pds_status st;
    if ((st = pdsi_gather_resolve(p, in, &g, err)))
        return st;
    int64_t numel;
    if (!pdsi_shape_numel(g.out_dims, g.out_rank, &numel))
        return pdsi_fail(err, PDS_ERR_SHAPE, "%s: output element count overflows",
                         op_name[p->kind]);
    if ((st = check_out(o, x->dtype, numel, "Out", err)))
        return st;
    if (g.n_index > 0 && g.depth > 0 && !ix->data)
        return pdsi_fail(err, PDS_ERR_INTERNAL, "%s: input 'Index' has no data",
                         op_name[p->kind]);
    const size_t es = pds_dtype_size(x->dtype);
    const size_t chunk = (size_t)g.inner * es;
    char *dst = o->data;
    const char *src = x->data;
    if (p->kind == PDSI_GATHER_ALONG_AXIS) {
        /* Index viewed as [outer, n_index, inner]; X as [outer', axis_size,
         * inner'] with its own dims: walk Index's coordinates with an odometer
         * and the matching offset into X (Index's dims are at most X's). */
        int64_t xstr[PDSI_MAX_RANK] = {0}, coord[PDSI_MAX_RANK] = {0}, off = 0;
        int64_t s = 1;
        for (int d = x->rank - 1; d >= 0; d--) {
            xstr[d] = s;
            s *= x->dims[d];
        }
        for (int64_t k = 0; k < numel; k++) {
            int64_t v = 0;
            if ((st = index_at(ix, k, g.axis_size, "take_along_axis", g.axis, &v, err)))
                return st;
            memcpy(dst + (size_t)k * es, src + (size_t)(off + v * xstr[g.axis]) * es, es);
            for (int d = ix->rank - 1; d >= 0; d--) {
                if (d != g.axis)
                    off += xstr[d];
                if (++coord[d] < ix->dims[d])
                    break;
                if (d != g.axis)
                    off -= xstr[d] * ix->dims[d];
                coord[d] = 0;
            }
        }
        return PDS_OK;
    }
    if (p->kind == PDSI_GATHER_ND) {
        /* Every index is checked even when the copied blocks are empty. */
        for (int64_t k = 0; k < g.n_index; k++) {
            int64_t off = 0;
            for (int j = 0; j < g.depth; j++) {
                int64_t v = 0;
                if ((st = index_at(ix, k * g.depth + j, x->dims[j], "gather_nd", j, &v, err)))
                    return st;
                off = off * x->dims[j] + v;
            }
            if (chunk)
                memcpy(dst + (size_t)k * chunk, src + (size_t)off * chunk, chunk);
        }
        return PDS_OK;
    }
    /* Check every index before copying anything. */
    for (int64_t k = 0; k < g.n_index; k++) {
        int64_t v;
        if ((st = index_at(ix, k, g.axis_size, op_name[p->kind], g.axis, &v, err)))
            return st;
    }
    if (chunk == 0)
        return PDS_OK;
    for (int64_t i = 0; i < g.outer; i++) {
        const char *row = src + (size_t)(i * g.axis_size) * chunk;
        for (int64_t k = 0; k < g.n_index; k++) {
            int64_t v = pdsi_elem_get_i64(ix->data, ix->dtype, k);
            if (v < 0)
                v += g.axis_size;
            memcpy(dst, row + (size_t)v * chunk, chunk);
            dst += chunk;
        }
    }
    return PDS_OK;
}

/* ---- kernels by operator (ops/op_list.h order) ------------------------- */

const pdsi_ref_binding pdsi_ref_shape_kernels[] = {
    {PDSI_OP_RESHAPE2, pdsi_copy_ref},
    {PDSI_OP_RESHAPE, pdsi_copy_ref},
    {PDSI_OP_TRANSPOSE2, pdsi_transpose_ref},
    {PDSI_OP_TRANSPOSE, pdsi_transpose_ref},
    {PDSI_OP_FLATTEN_CONTIGUOUS_RANGE, pdsi_copy_ref},
    {PDSI_OP_FLATTEN2, pdsi_copy_ref},
    {PDSI_OP_FLATTEN, pdsi_copy_ref},
    {PDSI_OP_SQUEEZE2, pdsi_copy_ref},
    {PDSI_OP_SQUEEZE, pdsi_copy_ref},
    {PDSI_OP_UNSQUEEZE2, pdsi_copy_ref},
    {PDSI_OP_UNSQUEEZE, pdsi_copy_ref},
    {PDSI_OP_CONCAT, pdsi_concat_ref},
    {PDSI_OP_SPLIT, pdsi_split_ref},
    {PDSI_OP_STACK, pdsi_stack_ref},
    {PDSI_OP_SLICE, pdsi_slice_ref},
    {PDSI_OP_STRIDED_SLICE, pdsi_slice_ref},
    {PDSI_OP_SHAPE, pdsi_shape_ref},
    {PDSI_OP_ASSIGN, pdsi_copy_ref},
    {PDSI_OP_CAST, pdsi_cast_ref},
    {PDSI_OP_FILL_CONSTANT, pdsi_fill_constant_ref},
    {PDSI_OP_FILL_ANY_LIKE, pdsi_fill_like_ref},
    {PDSI_OP_FILL_ZEROS_LIKE, pdsi_fill_like_ref},
    {PDSI_OP_ASSIGN_VALUE, pdsi_assign_value_ref},
    {PDSI_OP_EXPAND_V2, pdsi_expand_ref},
    {PDSI_OP_EXPAND_AS_V2, pdsi_expand_ref},
    {PDSI_OP_TILE, pdsi_expand_ref},
    {PDSI_OP_GATHER, pdsi_gather_ref},
    {PDSI_OP_INDEX_SELECT, pdsi_gather_ref},
    {PDSI_OP_GATHER_ND, pdsi_gather_ref},
    {PDSI_OP_TAKE_ALONG_AXIS, pdsi_gather_ref},
    {PDSI_OP_FLIP, pdsi_flip_ref},
    {PDSI_OP_SHARE_DATA, pdsi_copy_ref},
};
PDSI_REF_TABLE_CHECK(SHAPE, shape);
