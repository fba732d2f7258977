/*
 * shape.c — parse and shape inference for the data-movement family:
 * reshape/reshape2, transpose/transpose2, flatten_contiguous_range,
 * flatten/flatten2, squeeze/squeeze2, unsqueeze/unsqueeze2, concat, split,
 * stack, slice, strided_slice, shape, fill_constant, fill_any_like,
 * fill_zeros_like, assign, assign_value, cast, expand_v2, expand_as_v2, tile,
 * gather, index_select, gather_nd and take_along_axis.
 *
 * Slots and attributes are those of Paddle's legacy op definitions, and the
 * semantics those of Paddle 3.3's legacy executor, checked op by op against
 * the paddlepaddle wheel (see tests/test_ops_shape.c). Where a shape comes from
 * a tensor (ShapeTensor, StartsTensor, AxisTensor...), infer reads its values
 * and checks them like an attribute; where Paddle itself would read out of
 * bounds or crash on a bad value, pdsafe returns PDS_ERR_SHAPE instead.
 */
#include <float.h>
#include <math.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "ops/opdef.h"
#include "ops/shape.h"

#define FAMILY "shape"

/* ---- shape rules (ops/shape.h), shared with the kernels ---------------------- */

/* ------------------------------------------------------------------------ */
/* dtypes and element conversion                                             */
/* ------------------------------------------------------------------------ */

bool pdsi_shape_dtype_from_vartype(int64_t vartype, pds_dtype *out)
{
    switch (vartype) {
    case 0: *out = PDS_BOOL; return true;
    case 1: *out = PDS_INT16; return true;
    case 2: *out = PDS_INT32; return true;
    case 3: *out = PDS_INT64; return true;
    case 4: *out = PDS_FLOAT16; return true;
    case 5: *out = PDS_FLOAT32; return true;
    case 6: *out = PDS_FLOAT64; return true;
    case 20: *out = PDS_UINT8; return true;
    case 21: *out = PDS_INT8; return true;
    case 22: *out = PDS_BFLOAT16; return true;
    default: return false;
    }
}

bool pdsi_dtype_is_float(pds_dtype dtype)
{
    return dtype == PDS_FLOAT32 || dtype == PDS_FLOAT64 || dtype == PDS_FLOAT16 ||
           dtype == PDS_BFLOAT16;
}

static float bits_to_f32(uint32_t u)
{
    float f;
    memcpy(&f, &u, sizeof f);
    return f;
}

static uint32_t f32_to_bits(float f)
{
    uint32_t u;
    memcpy(&u, &f, sizeof u);
    return u;
}

static float f16_to_f32(uint16_t h)
{
    uint32_t sign = (uint32_t)(h & 0x8000) << 16;
    uint32_t exp = (h >> 10) & 0x1f;
    uint32_t man = h & 0x3ff;
    if (exp == 0x1f) /* inf / NaN, payload kept */
        return bits_to_f32(sign | 0x7f800000u | (man << 13));
    if (exp == 0) { /* zero or subnormal: man * 2^-24, exact in float */
        float v = (float)man * 5.9604644775390625e-8f;
        return sign ? -v : v;
    }
    return bits_to_f32(sign | ((exp + 112) << 23) | (man << 13));
}

/* Round to nearest even, as Paddle's float16(float). NaN keeps the top of its
 * payload (at least one bit, so it stays a NaN). */
static uint16_t f32_to_f16(float f)
{
    uint32_t x = f32_to_bits(f);
    uint32_t sign = (x >> 16) & 0x8000;
    uint32_t ax = x & 0x7fffffff;
    if (ax > 0x7f800000u) {
        uint32_t m = (ax & 0x7fffff) >> 13;
        return (uint16_t)(sign | 0x7c00 | (m ? m : 1));
    }
    if (ax >= 0x477ff000u) /* >= 65520 rounds to infinity */
        return (uint16_t)(sign | 0x7c00);
    if (ax < 0x38800000u) { /* below 2^-14: a half subnormal or zero */
        if (ax < 0x33000000u) /* below 2^-25: rounds to zero */
            return (uint16_t)sign;
        uint32_t e = ax >> 23;
        uint32_t m = (ax & 0x7fffff) | 0x800000;
        uint32_t shift = 126 - e; /* in [14, 24] */
        uint32_t q = m >> shift, rem = m & ((1u << shift) - 1), half = 1u << (shift - 1);
        if (rem > half || (rem == half && (q & 1)))
            q++;
        return (uint16_t)(sign | q);
    }
    uint32_t r = ax - 0x38000000u; /* rebias the exponent from 127 to 15 */
    uint32_t q = r >> 13, rem = r & 0x1fff;
    if (rem > 0x1000 || (rem == 0x1000 && (q & 1)))
        q++; /* a carry into the exponent is the correct rounding */
    return (uint16_t)(sign | q);
}

static float bf16_to_f32(uint16_t b)
{
    return bits_to_f32((uint32_t)b << 16);
}

/* Round to nearest even; every NaN becomes 0x7fff, as Paddle's bfloat16(float). */
static uint16_t f32_to_bf16(float f)
{
    uint32_t x = f32_to_bits(f);
    if ((x & 0x7fffffff) > 0x7f800000u)
        return 0x7fff;
    x += 0x7fff + ((x >> 16) & 1);
    return (uint16_t)(x >> 16);
}

/* double -> float, overflow to infinity done explicitly (C leaves it undefined). */
static float f64_to_f32(double v)
{
    if (v > FLT_MAX || v < -FLT_MAX) {
        /* Beyond FLT_MAX + half an ulp rounds to infinity (the tie goes to the
         * even 2^128); below it, to FLT_MAX. */
        const double lim = 0x1.ffffffp+127;
        if (v >= lim)
            return INFINITY;
        if (v <= -lim)
            return -INFINITY;
        return v > 0 ? FLT_MAX : -FLT_MAX;
    }
    return (float)v;
}

static int32_t f64_to_i32(double v)
{
    if (!(v > -2147483649.0 && v < 2147483648.0))
        return INT32_MIN;
    return (int32_t)v;
}

static int64_t f64_to_i64(double v)
{
    if (!(v >= -9223372036854775808.0 && v < 9223372036854775808.0))
        return INT64_MIN;
    return (int64_t)v;
}

double pdsi_elem_get_f64(const void *data, pds_dtype dtype, int64_t i)
{
    switch (dtype) {
    case PDS_FLOAT32: return ((const float *)data)[i];
    case PDS_FLOAT64: return ((const double *)data)[i];
    case PDS_FLOAT16: return f16_to_f32(((const uint16_t *)data)[i]);
    case PDS_BFLOAT16: return bf16_to_f32(((const uint16_t *)data)[i]);
    case PDS_INT64: return (double)((const int64_t *)data)[i];
    case PDS_INT32: return ((const int32_t *)data)[i];
    case PDS_INT16: return ((const int16_t *)data)[i];
    case PDS_INT8: return ((const int8_t *)data)[i];
    case PDS_UINT8: return ((const uint8_t *)data)[i];
    case PDS_BOOL: return ((const uint8_t *)data)[i] != 0;
    default: return 0;
    }
}

int64_t pdsi_elem_get_i64(const void *data, pds_dtype dtype, int64_t i)
{
    switch (dtype) {
    case PDS_INT64: return ((const int64_t *)data)[i];
    case PDS_INT32: return ((const int32_t *)data)[i];
    case PDS_INT16: return ((const int16_t *)data)[i];
    case PDS_INT8: return ((const int8_t *)data)[i];
    case PDS_UINT8: return ((const uint8_t *)data)[i];
    case PDS_BOOL: return ((const uint8_t *)data)[i] != 0;
    default: return f64_to_i64(pdsi_elem_get_f64(data, dtype, i));
    }
}

void pdsi_elem_set_f64(void *data, pds_dtype dtype, int64_t i, double v)
{
    switch (dtype) {
    case PDS_FLOAT32: ((float *)data)[i] = f64_to_f32(v); break;
    case PDS_FLOAT64: ((double *)data)[i] = v; break;
    case PDS_FLOAT16: ((uint16_t *)data)[i] = f32_to_f16(f64_to_f32(v)); break;
    case PDS_BFLOAT16: ((uint16_t *)data)[i] = f32_to_bf16(f64_to_f32(v)); break;
    case PDS_INT64: ((int64_t *)data)[i] = f64_to_i64(v); break;
    case PDS_INT32: ((int32_t *)data)[i] = f64_to_i32(v); break;
    case PDS_INT16: ((int16_t *)data)[i] = (int16_t)(uint16_t)(uint32_t)f64_to_i32(v); break;
    case PDS_INT8: ((int8_t *)data)[i] = (int8_t)(uint8_t)(uint32_t)f64_to_i32(v); break;
    case PDS_UINT8: ((uint8_t *)data)[i] = (uint8_t)(uint32_t)f64_to_i32(v); break;
    case PDS_BOOL: ((uint8_t *)data)[i] = v != 0; break; /* NaN != 0 */
    default: break;
    }
}

void pdsi_elem_set_i64(void *data, pds_dtype dtype, int64_t i, int64_t v)
{
    uint64_t u = (uint64_t)v;
    switch (dtype) {
    case PDS_FLOAT32: ((float *)data)[i] = (float)v; break;
    case PDS_FLOAT64: ((double *)data)[i] = (double)v; break;
    case PDS_FLOAT16: ((uint16_t *)data)[i] = f32_to_f16((float)v); break;
    case PDS_BFLOAT16: ((uint16_t *)data)[i] = f32_to_bf16((float)v); break;
    case PDS_INT64: ((int64_t *)data)[i] = v; break;
    case PDS_INT32: ((int32_t *)data)[i] = (int32_t)(uint32_t)u; break;
    case PDS_INT16: ((int16_t *)data)[i] = (int16_t)(uint16_t)u; break;
    case PDS_INT8: ((int8_t *)data)[i] = (int8_t)(uint8_t)u; break;
    case PDS_UINT8: ((uint8_t *)data)[i] = (uint8_t)u; break;
    case PDS_BOOL: ((uint8_t *)data)[i] = v != 0; break;
    default: break;
    }
}

/* ------------------------------------------------------------------------ */
/* integer lists from tensors                                                */
/* ------------------------------------------------------------------------ */

pds_status pdsi_shape_read_ints(const pdsi_slot *s, const char *what, int64_t *buf, int cap,
                                int *n, pds_error *err)
{
    char b[160];
    *n = 0;
    for (int k = 0; k < s->n; k++) {
        const pdsi_tensor *t = s->t[k];
        int64_t numel;
        if (t->dtype != PDS_INT32 && t->dtype != PDS_INT64)
            return pdsi_fail(err, PDS_ERR_DTYPE, "input '%s'[%d] is %s, expected int32 or int64",
                             what, k, pds_dtype_name(t->dtype));
        if (!pdsi_shape_numel(t->dims, t->rank, &numel))
            return pdsi_fail(err, PDS_ERR_SHAPE, "input '%s'[%d] has an invalid shape %s", what,
                             k, pdsi_dims_str(t->dims, t->rank, b, sizeof b));
        if (s->n > 1 && numel != 1)
            return pdsi_fail(err, PDS_ERR_SHAPE,
                             "input '%s'[%d] has shape %s, expected one element (a list of %d "
                             "tensors gives one value each)",
                             what, k, pdsi_dims_str(t->dims, t->rank, b, sizeof b), s->n);
        if (numel > cap - *n)
            return pdsi_fail(err, PDS_ERR_SHAPE, "input '%s' holds more than %d values", what,
                             cap);
        if (numel > 0 && !t->data)
            return pdsi_fail(err, PDS_ERR_INTERNAL, "input '%s'[%d] has no data", what, k);
        for (int64_t i = 0; i < numel; i++)
            buf[(*n)++] = pdsi_elem_get_i64(t->data, t->dtype, i);
    }
    return PDS_OK;
}

/* ------------------------------------------------------------------------ */
/* geometry                                                                  */
/* ------------------------------------------------------------------------ */

pds_status pdsi_transpose_perm(const pdsi_transpose_params *p, int rank, int *perm,
                               pds_error *err)
{
    bool seen[PDSI_MAX_RANK] = {false};
    /* A shorter axis permutes the leading dims and keeps the others in place:
     * Paddle's shape rule accepts it (its comment: squeeze2 + transpose2
     * fusion) and its dynamic graph computes it so, and dynamic-to-static
     * code writes it (x[:, :, :, i].transpose([0, 2, 1, 3]) of a rank-5 x).
     * Its entries must then permute exactly those leading dims. */
    const int n = p->n;
    if (n > rank || (n < rank && n < 1))
        return pdsi_fail(err, PDS_ERR_SHAPE,
                         "attribute 'axis' has %d entries, expected %d (the rank of X)%s", n, rank,
                         n < rank ? " or a permutation of its leading dims" : "");
    for (int i = 0; i < rank; i++)
        perm[i] = i; /* the dims past the axis stay in place */
    for (int i = 0; i < n; i++) {
        int64_t a = p->axis[i] < 0 ? p->axis[i] + rank : p->axis[i];
        if (a < 0 || a >= n || seen[a])
            return pdsi_fail(err, PDS_ERR_SHAPE,
                             "attribute 'axis' is not a permutation of the %s%d dims of X: entry "
                             "%d is %lld",
                             n < rank ? "leading " : "", n, i, (long long)p->axis[i]);
        seen[a] = true;
        perm[i] = (int)a;
    }
    return PDS_OK;
}

/* Where the starts/ends/strides of a slice come from: the single tensor, the
 * tensor list, or the attribute, in Paddle's order of priority. */
static pds_status slice_values(const pdsi_slot *in, int tensor_slot, int list_slot,
                               const char *tensor_name, const char *list_name,
                               const int64_t *attr, int n_attr, const char *attr_name,
                               int n_axes, int64_t *buf, pds_error *err)
{
    int n = 0;
    const char *src = attr_name;
    pds_status st;
    if (in[tensor_slot].n > 0) {
        src = tensor_name;
        st = pdsi_shape_read_ints(&in[tensor_slot], tensor_name, buf, PDSI_SHAPE_MAX_LIST, &n,
                                  err);
    } else if (in[list_slot].n > 0) {
        src = list_name;
        st = pdsi_shape_read_ints(&in[list_slot], list_name, buf, PDSI_SHAPE_MAX_LIST, &n, err);
    } else {
        st = PDS_OK;
        n = n_attr;
        memcpy(buf, attr, sizeof *buf * (size_t)n_attr);
    }
    if (st)
        return st;
    if (n != n_axes)
        return pdsi_fail(err, PDS_ERR_SHAPE, "'%s' has %d values, expected %d (one per axis)",
                         src, n, n_axes);
    return PDS_OK;
}

/* Python slicing of one dim: the indices first, first+step, ... (count of
 * them) that x[start:end:step] selects from a dim of `size`. */
static void python_slice(int64_t size, int64_t start, int64_t end, int64_t step, int64_t *first,
                         int64_t *count)
{
    int64_t span;
    uint64_t mag;
    if (step > 0) {
        start = start < 0 ? (start + size < 0 ? 0 : start + size) : (start > size ? size : start);
        end = end < 0 ? (end + size < 0 ? 0 : end + size) : (end > size ? size : end);
        span = end - start;
        mag = (uint64_t)step;
    } else {
        start = start < 0 ? (start + size < -1 ? -1 : start + size)
                          : (start > size - 1 ? size - 1 : start);
        end = end < 0 ? (end + size < -1 ? -1 : end + size) : (end > size - 1 ? size - 1 : end);
        span = start - end;
        mag = (uint64_t)(-(step + 1)) + 1; /* |step| without overflow at INT64_MIN */
    }
    *first = start;
    *count = span > 0 ? (int64_t)((uint64_t)(span - 1) / mag) + 1 : 0;
}

pds_status pdsi_slice_resolve(const pdsi_slice_params *p, const pdsi_slot *in,
                              pdsi_slice_geom *g, pds_error *err)
{
    int64_t starts[PDSI_SHAPE_MAX_LIST], ends[PDSI_SHAPE_MAX_LIST];
    int64_t strides[PDSI_SHAPE_MAX_LIST];
    bool dropped[PDSI_MAX_RANK] = {false};
    char b[160];
    pds_status st;
    const pdsi_tensor *x = pdsi_slot_get(&in[0]);
    if (!x)
        return pdsi_fail(err, PDS_ERR_INTERNAL, "input 'Input' is missing");
    const int rank = x->rank;

    /* Slot numbers: slice has Input, StartsTensor, EndsTensor, StartsTensorList,
     * EndsTensorList; strided_slice interleaves the lists and adds strides. */
    int s_t = 1, s_l = 3, e_t = 2, e_l = 4;
    if (p->strided) {
        s_t = 1, s_l = 2, e_t = 3, e_l = 4;
    }
    if ((st = slice_values(in, s_t, s_l, "StartsTensor", "StartsTensorList", p->starts,
                           p->n_starts, "starts", p->n_axes, starts, err)))
        return st;
    if ((st = slice_values(in, e_t, e_l, "EndsTensor", "EndsTensorList", p->ends, p->n_ends,
                           "ends", p->n_axes, ends, err)))
        return st;
    if (p->strided) {
        if ((st = slice_values(in, 5, 6, "StridesTensor", "StridesTensorList", p->strides,
                               p->n_strides, "strides", p->n_axes, strides, err)))
            return st;
    } else {
        for (int i = 0; i < p->n_axes; i++)
            strides[i] = 1;
    }

    g->rank = rank;
    for (int d = 0; d < rank; d++) {
        g->first[d] = 0;
        g->step[d] = 1;
        g->count[d] = x->dims[d];
    }
    for (int i = 0; i < p->n_axes; i++) {
        int64_t axis = p->axes[i] < 0 ? p->axes[i] + rank : p->axes[i];
        if (axis < 0 || axis >= rank)
            return pdsi_fail(err, PDS_ERR_SHAPE,
                             "axes[%d] = %lld is out of range for input 'Input' of rank %d %s", i,
                             (long long)p->axes[i], rank,
                             pdsi_dims_str(x->dims, rank, b, sizeof b));
        if (strides[i] == 0)
            return pdsi_fail(err, PDS_ERR_SHAPE, "strides[%d] is 0", i);
        int64_t size = x->dims[axis];
        bool decreased = false;
        for (int k = 0; k < p->n_decrease; k++)
            decreased |= p->decrease_axis[k] == axis;
        /* x[t] with a tensor index t = -1 arrives as start -1, end 0 from a
         * tensor (infer_flags -1); Paddle selects one element there instead of
         * the empty Python slice: the last for slice and for a negative
         * stride, the first for a positive stride of strided_slice. */
        if (starts[i] == -1 && ends[i] == 0 && decreased && i < p->n_infer_flags &&
            p->infer_flags[i] == -1 && size > 0) {
            g->first[axis] = (p->strided && strides[i] > 0) ? 0 : size - 1;
            g->step[axis] = 1;
            g->count[axis] = 1;
            continue;
        }
        python_slice(size, starts[i], ends[i], strides[i], &g->first[axis], &g->count[axis]);
        g->step[axis] = strides[i];
    }

    for (int k = 0; k < p->n_decrease; k++) {
        int64_t d = p->decrease_axis[k];
        if (d < 0 || d >= rank)
            return pdsi_fail(err, PDS_ERR_SHAPE,
                             "decrease_axis[%d] = %lld is out of range for input 'Input' of "
                             "rank %d",
                             k, (long long)d, rank);
        if (g->count[d] != 1)
            return pdsi_fail(err, PDS_ERR_SHAPE,
                             "decrease_axis %lld has size %lld after slicing, expected 1 "
                             "(Input %s)",
                             (long long)d, (long long)g->count[d],
                             pdsi_dims_str(x->dims, rank, b, sizeof b));
        dropped[d] = true;
    }
    g->out_rank = 0;
    for (int d = 0; d < rank; d++)
        if (!dropped[d])
            g->out_dims[g->out_rank++] = g->count[d];
    /* Removing every dim gives a 0-D tensor for slice but [1] for
     * strided_slice (Paddle 3.3). */
    if (g->out_rank == 0 && p->strided && p->n_decrease > 0)
        g->out_dims[g->out_rank++] = 1;
    return PDS_OK;
}

/* The axis of concat: AxisTensor (one int32/int64 element) or the attribute. */
static pds_status concat_axis_value(const pdsi_axis_params *p, const pdsi_slot *in,
                                    int64_t *axis, pds_error *err)
{
    int64_t buf[1];
    int n;
    pds_status st;
    *axis = p->axis;
    if (in[1].n == 0)
        return PDS_OK;
    if ((st = pdsi_shape_read_ints(&in[1], "AxisTensor", buf, 1, &n, err)))
        return st;
    if (n != 1)
        return pdsi_fail(err, PDS_ERR_SHAPE, "input 'AxisTensor' has %d values, expected 1", n);
    *axis = buf[0];
    return PDS_OK;
}

pds_status pdsi_concat_resolve(const pdsi_axis_params *p, const pdsi_slot *in, int *axis,
                               int64_t *out_dims, pds_error *err)
{
    char b0[160], b1[160];
    int64_t a;
    pds_status st;
    if (in[0].n < 1)
        return pdsi_fail(err, PDS_ERR_SHAPE, "input 'X' is empty, expected at least one tensor");
    const pdsi_tensor *x0 = in[0].t[0];
    const int rank = x0->rank;
    if ((st = concat_axis_value(p, in, &a, err)))
        return st;
    if (rank < 1)
        return pdsi_fail(err, PDS_ERR_SHAPE, "input 'X'[0] is 0-D; concat needs rank >= 1");
    if (a < -rank || a >= rank)
        return pdsi_fail(err, PDS_ERR_SHAPE, "axis %lld is out of range for inputs of rank %d",
                         (long long)a, rank);
    *axis = (int)(a < 0 ? a + rank : a);
    for (int d = 0; d < rank; d++)
        out_dims[d] = x0->dims[d];
    out_dims[*axis] = 0;
    for (int k = 0; k < in[0].n; k++) {
        const pdsi_tensor *x = in[0].t[k];
        if (x->dtype != x0->dtype)
            return pdsi_fail(err, PDS_ERR_DTYPE, "input 'X'[%d] is %s, expected %s like X[0]", k,
                             pds_dtype_name(x->dtype), pds_dtype_name(x0->dtype));
        if (x->rank != rank)
            return pdsi_fail(err, PDS_ERR_SHAPE,
                             "input 'X'[%d] has rank %d %s, expected rank %d like X[0] %s", k,
                             x->rank, pdsi_dims_str(x->dims, x->rank, b1, sizeof b1), rank,
                             pdsi_dims_str(x0->dims, rank, b0, sizeof b0));
        for (int d = 0; d < rank; d++)
            if (d != *axis && x->dims[d] != x0->dims[d])
                return pdsi_fail(err, PDS_ERR_SHAPE,
                                 "input 'X'[%d] has shape %s, expected dim %d to be %lld like "
                                 "X[0] %s (concat axis %d)",
                                 k, pdsi_dims_str(x->dims, rank, b1, sizeof b1), d,
                                 (long long)x0->dims[d],
                                 pdsi_dims_str(x0->dims, rank, b0, sizeof b0), *axis);
        if (x->dims[*axis] < 0 || x->dims[*axis] > INT64_MAX - out_dims[*axis])
            return pdsi_fail(err, PDS_ERR_SHAPE, "concat: the sum of dim %d overflows", *axis);
        out_dims[*axis] += x->dims[*axis];
    }
    return PDS_OK;
}

pds_status pdsi_split_resolve(const pdsi_split_params *p, const pdsi_slot *in, int n_out,
                              int *axis, int64_t *sizes, pds_error *err)
{
    char b[160];
    int64_t a = p->axis;
    pds_status st;
    const pdsi_tensor *x = pdsi_slot_get(&in[0]);
    if (!x)
        return pdsi_fail(err, PDS_ERR_INTERNAL, "input 'X' is missing");
    const int rank = x->rank;
    if (in[1].n > 0) {
        int64_t buf[1];
        int n;
        if ((st = pdsi_shape_read_ints(&in[1], "AxisTensor", buf, 1, &n, err)))
            return st;
        if (n != 1)
            return pdsi_fail(err, PDS_ERR_SHAPE, "input 'AxisTensor' has %d values, expected 1",
                             n);
        a = buf[0];
    }
    if (rank < 1 || a < -rank || a >= rank)
        return pdsi_fail(err, PDS_ERR_SHAPE, "axis %lld is out of range for input 'X' of rank %d",
                         (long long)a, rank);
    *axis = (int)(a < 0 ? a + rank : a);
    const int64_t dim = x->dims[*axis];
    if (n_out < 1 || n_out > PDSI_SHAPE_MAX_LIST)
        return pdsi_fail(err, PDS_ERR_SHAPE, "output 'Out' has %d tensors, expected 1 to %d",
                         n_out, PDSI_SHAPE_MAX_LIST);

    /* Paddle 3.3: num wins over SectionsTensorList, but a non-empty sections
     * attribute wins over num; SectionsTensorList wins over sections. */
    if (p->num > 0 && p->n_sections == 0) {
        if (p->num != n_out)
            return pdsi_fail(err, PDS_ERR_SHAPE, "attribute 'num' is %lld but 'Out' has %d tensors",
                             (long long)p->num, n_out);
        if (dim % p->num != 0)
            return pdsi_fail(err, PDS_ERR_SHAPE,
                             "input 'X' %s has size %lld along axis %d, which num %lld does not "
                             "divide",
                             pdsi_dims_str(x->dims, rank, b, sizeof b), (long long)dim, *axis,
                             (long long)p->num);
        for (int k = 0; k < n_out; k++)
            sizes[k] = dim / p->num;
        return PDS_OK;
    }

    int64_t sec[PDSI_SHAPE_MAX_LIST];
    int n = p->n_sections;
    const char *src = "sections";
    if (in[2].n > 0) {
        src = "SectionsTensorList";
        if ((st = pdsi_shape_read_ints(&in[2], src, sec, PDSI_SHAPE_MAX_LIST, &n, err)))
            return st;
    } else {
        memcpy(sec, p->sections, sizeof *sec * (size_t)n);
    }
    if (n != n_out)
        return pdsi_fail(err, PDS_ERR_SHAPE, "'%s' has %d entries but 'Out' has %d tensors", src,
                         n, n_out);
    int unknown = -1;
    int64_t known = 0;
    for (int k = 0; k < n; k++) {
        if (sec[k] == -1) {
            if (unknown >= 0)
                return pdsi_fail(err, PDS_ERR_SHAPE,
                                 "'%s' has more than one -1 (entries %d and %d)", src, unknown, k);
            unknown = k;
            continue;
        }
        if (sec[k] < 0 || sec[k] > dim - known)
            return pdsi_fail(err, PDS_ERR_SHAPE,
                             "'%s'[%d] = %lld is invalid for size %lld along axis %d of input "
                             "'X' %s",
                             src, k, (long long)sec[k], (long long)dim, *axis,
                             pdsi_dims_str(x->dims, rank, b, sizeof b));
        known += sec[k];
        sizes[k] = sec[k];
    }
    if (unknown >= 0)
        sizes[unknown] = dim - known;
    else if (known != dim)
        return pdsi_fail(err, PDS_ERR_SHAPE,
                         "'%s' sums to %lld, expected %lld (size of input 'X' %s along axis %d)",
                         src, (long long)known, (long long)dim,
                         pdsi_dims_str(x->dims, rank, b, sizeof b), *axis);
    return PDS_OK;
}

pds_status pdsi_stack_resolve(const pdsi_axis_params *p, const pdsi_slot *in, int *axis,
                              pds_error *err)
{
    char b0[160], b1[160];
    if (in[0].n < 1)
        return pdsi_fail(err, PDS_ERR_SHAPE, "input 'X' is empty, expected at least one tensor");
    const pdsi_tensor *x0 = in[0].t[0];
    const int rank = x0->rank;
    if (rank + 1 > PDSI_MAX_RANK)
        return pdsi_fail(err, PDS_ERR_SHAPE, "stacking rank-%d inputs gives rank %d, above the "
                         "maximum %d", rank, rank + 1, PDSI_MAX_RANK);
    if (p->axis < -(rank + 1) || p->axis > rank)
        return pdsi_fail(err, PDS_ERR_SHAPE,
                         "axis %lld is out of range [%d, %d] for inputs of rank %d",
                         (long long)p->axis, -(rank + 1), rank, rank);
    *axis = (int)(p->axis < 0 ? p->axis + rank + 1 : p->axis);
    for (int k = 1; k < in[0].n; k++) {
        const pdsi_tensor *x = in[0].t[k];
        if (x->dtype != x0->dtype)
            return pdsi_fail(err, PDS_ERR_DTYPE, "input 'X'[%d] is %s, expected %s like X[0]", k,
                             pds_dtype_name(x->dtype), pds_dtype_name(x0->dtype));
        bool same = x->rank == rank;
        for (int d = 0; same && d < rank; d++)
            same = x->dims[d] == x0->dims[d];
        if (!same)
            return pdsi_fail(err, PDS_ERR_SHAPE, "input 'X'[%d] has shape %s, expected %s like X[0]",
                             k, pdsi_dims_str(x->dims, x->rank, b1, sizeof b1),
                             pdsi_dims_str(x0->dims, rank, b0, sizeof b0));
    }
    return PDS_OK;
}

pds_status pdsi_fill_constant_value(const pdsi_fill_constant_params *p, const pdsi_slot *in,
                                    double *fv, int64_t *iv, bool *is_int, pds_error *err)
{
    char b[160];
    const pdsi_tensor *v = pdsi_slot_get(&in[0]);
    *fv = p->value;
    *iv = 0;
    *is_int = false;
    if (!v)
        return PDS_OK;
    int64_t numel;
    if (!pdsi_shape_numel(v->dims, v->rank, &numel) || numel != 1)
        return pdsi_fail(err, PDS_ERR_SHAPE, "input 'ValueTensor' has shape %s, expected one "
                         "element", pdsi_dims_str(v->dims, v->rank, b, sizeof b));
    if (pds_dtype_size(v->dtype) == 0)
        return pdsi_fail(err, PDS_ERR_DTYPE, "input 'ValueTensor' has unknown dtype %s",
                         pds_dtype_name(v->dtype));
    if (!v->data)
        return pdsi_fail(err, PDS_ERR_INTERNAL, "input 'ValueTensor' has no data");
    if (pdsi_dtype_is_float(v->dtype)) {
        *fv = pdsi_elem_get_f64(v->data, v->dtype, 0);
    } else {
        *is_int = true;
        *iv = pdsi_elem_get_i64(v->data, v->dtype, 0);
    }
    return PDS_OK;
}


/* ---- expand_v2, expand_as_v2, tile --------------------------------------- */

pds_status pdsi_expand_resolve(const pdsi_expand_params *p, const pdsi_slot *in,
                               pdsi_expand_geom *g, pds_error *err)
{
    static const char *const op_name[] = {"expand_v2", "expand_as_v2", "tile"};
    const char *op = op_name[p->kind];
    const pdsi_tensor *x = pdsi_slot_get(&in[0]);
    int64_t v[PDSI_SHAPE_MAX_LIST];
    char bx[160], bv[200];
    const char *src = "attribute 'shape'";
    int n = p->n;
    pds_status st = PDS_OK;
    if (!x)
        return pdsi_fail(err, PDS_ERR_INTERNAL, "%s: input 'X' is missing", op);
    memcpy(v, p->v, sizeof *v * (size_t)p->n);
    if (p->kind == PDSI_EXPAND_SHAPE) {
        if (in[1].n > 0) {
            src = "input 'Shape'";
            st = pdsi_shape_read_ints(&in[1], "Shape", v, PDSI_SHAPE_MAX_LIST, &n, err);
        } else if (in[2].n > 0) {
            src = "input 'expand_shapes_tensor'";
            st = pdsi_shape_read_ints(&in[2], "expand_shapes_tensor", v, PDSI_SHAPE_MAX_LIST, &n,
                                      err);
        }
    } else if (p->kind == PDSI_EXPAND_AS) {
        const pdsi_tensor *y = pdsi_slot_get(&in[1]);
        src = "attribute 'target_shape'";
        bool minus = false;
        for (int i = 0; i < n; i++)
            minus = minus || v[i] == -1;
        if (y && (minus || n == 0)) {
            src = "the dims of input 'Y'";
            n = y->rank;
            memcpy(v, y->dims, sizeof *v * (size_t)n);
        }
    } else {
        src = "attribute 'repeat_times'";
        if (in[1].n > 0) {
            src = "input 'RepeatTimes'";
            st = pdsi_shape_read_ints(&in[1], "RepeatTimes", v, PDSI_SHAPE_MAX_LIST, &n, err);
        } else if (in[2].n > 0) {
            src = "input 'repeat_times_tensor'";
            st = pdsi_shape_read_ints(&in[2], "repeat_times_tensor", v, PDSI_SHAPE_MAX_LIST, &n,
                                      err);
        }
    }
    if (st)
        return st;
    pdsi_dims_str(x->dims, x->rank, bx, sizeof bx);
    pdsi_dims_str(v, n, bv, sizeof bv);
    if (n > PDSI_MAX_RANK)
        return pdsi_fail(err, PDS_ERR_SHAPE, "%s: %s %s has %d entries, more than the maximum "
                         "rank %d", op, src, bv, n, PDSI_MAX_RANK);
    if (p->kind == PDSI_EXPAND_TILE) {
        const int rank = n > x->rank ? n : x->rank;
        g->rank = rank;
        for (int d = 0; d < rank; d++) {
            int xi = d - (rank - x->rank), vi = d - (rank - n);
            g->in_dims[d] = xi >= 0 ? x->dims[xi] : 1;
            g->reps[d] = vi >= 0 ? v[vi] : 1;
            if (g->reps[d] < 0)
                return pdsi_fail(err, PDS_ERR_SHAPE, "tile: %s %s has %lld at entry %d, "
                                 "expected a repeat count >= 0", src, bv,
                                 (long long)g->reps[d], vi);
            if (g->reps[d] != 0 && g->in_dims[d] > INT64_MAX / g->reps[d])
                return pdsi_fail(err, PDS_ERR_SHAPE, "tile: X %s repeated %s overflows dim %d",
                                 bx, bv, d);
            g->out_dims[d] = g->in_dims[d] * g->reps[d];
        }
        return PDS_OK;
    }
    if (n < x->rank)
        return pdsi_fail(err, PDS_ERR_SHAPE, "%s: %s %s has %d entries, fewer than the rank %d "
                         "of X %s", op, src, bv, n, x->rank, bx);
    const int diff = n - x->rank;
    g->rank = n;
    for (int d = 0; d < n; d++) {
        const int64_t xd = d >= diff ? x->dims[d - diff] : 1;
        int64_t o = v[d];
        g->in_dims[d] = xd;
        if (o < -1 || (o == -1 && d < diff))
            return pdsi_fail(err, PDS_ERR_SHAPE, "%s: %s %s has %lld at entry %d, expected %s",
                             op, src, bv, (long long)o, d,
                             d < diff ? "a size >= 0 for a new leading dim"
                                      : "-1 (keep the dim of X) or a size >= 0");
        if (o == -1)
            o = xd;
        if (xd != 1 && o != xd)
            return pdsi_fail(err, PDS_ERR_SHAPE, "%s: cannot expand X %s to %s %s: dim %d of X "
                             "is %lld, expected 1 or %lld", op, bx, src, bv, d - diff,
                             (long long)xd, (long long)o);
        g->out_dims[d] = o;
        g->reps[d] = xd == 1 ? o : 1;
    }
    return PDS_OK;
}

/* ---- gather, index_select, gather_nd ------------------------------------- */

pds_status pdsi_gather_resolve(const pdsi_gather_params *p, const pdsi_slot *in,
                               pdsi_gather_geom *g, pds_error *err)
{
    static const char *const op_name[] = {"gather", "index_select", "gather_nd",
                                          "take_along_axis"};
    const char *op = op_name[p->kind];
    const pdsi_tensor *x = pdsi_slot_get(&in[0]);
    const pdsi_tensor *ix = pdsi_slot_get(&in[1]);
    char bx[160], bi[160];
    pds_status st;
    if (!x || !ix)
        return pdsi_fail(err, PDS_ERR_INTERNAL, "%s: input '%s' is missing", op,
                         x ? "Index" : "X");
    if (ix->dtype != PDS_INT32 && ix->dtype != PDS_INT64)
        return pdsi_fail(err, PDS_ERR_DTYPE, "%s: input 'Index' is %s, expected int32 or int64",
                         op, pds_dtype_name(ix->dtype));
    pdsi_dims_str(x->dims, x->rank, bx, sizeof bx);
    pdsi_dims_str(ix->dims, ix->rank, bi, sizeof bi);
    if (p->kind == PDSI_GATHER_ND) {
        if (ix->rank < 1)
            return pdsi_fail(err, PDS_ERR_SHAPE, "gather_nd: input 'Index' is 0-D, expected "
                             "rank >= 1 (its last dim is the depth of each index)");
        const int64_t depth = ix->dims[ix->rank - 1];
        if (depth > x->rank)
            return pdsi_fail(err, PDS_ERR_SHAPE, "gather_nd: input 'Index' %s indexes %lld "
                             "dims, but X %s has rank %d", bi, (long long)depth, bx, x->rank);
        g->depth = (int)depth;
        g->out_rank = ix->rank - 1 + x->rank - g->depth;
        if (g->out_rank > PDSI_MAX_RANK)
            return pdsi_fail(err, PDS_ERR_SHAPE, "gather_nd: Index %s on X %s gives rank %d, "
                             "more than %d", bi, bx, g->out_rank, PDSI_MAX_RANK);
        g->n_index = 1;
        for (int d = 0; d < ix->rank - 1; d++) {
            g->n_index *= ix->dims[d];
            g->out_dims[d] = ix->dims[d];
        }
        g->inner = 1;
        for (int d = g->depth; d < x->rank; d++) {
            g->inner *= x->dims[d];
            g->out_dims[ix->rank - 1 + d - g->depth] = x->dims[d];
        }
        g->axis = 0;
        g->outer = 1;
        g->axis_size = 0;
        return PDS_OK;
    }
    if (p->kind == PDSI_GATHER_ALONG_AXIS) {
        if (x->rank < 1 || ix->rank != x->rank)
            return pdsi_fail(err, PDS_ERR_SHAPE, "take_along_axis: Index %s has rank %d, "
                             "expected the rank of Input %s (at least 1)", bi, ix->rank, bx);
        if (p->axis < -x->rank || p->axis >= x->rank)
            return pdsi_fail(err, PDS_ERR_SHAPE, "take_along_axis: Axis %lld is out of range "
                             "for Input %s of rank %d", (long long)p->axis, bx, x->rank);
        g->axis = (int)(p->axis < 0 ? p->axis + x->rank : p->axis);
        g->outer = g->inner = 1;
        for (int d = 0; d < x->rank; d++) {
            if (d != g->axis && ix->dims[d] > x->dims[d])
                return pdsi_fail(err, PDS_ERR_SHAPE, "take_along_axis: Index %s is larger than "
                                 "Input %s in dim %d (only the Axis dim %d may differ)", bi, bx,
                                 d, g->axis);
            if (d < g->axis)
                g->outer *= ix->dims[d];
            else if (d > g->axis)
                g->inner *= ix->dims[d];
            g->out_dims[d] = ix->dims[d];
        }
        g->out_rank = ix->rank;
        g->n_index = ix->dims[g->axis];
        g->axis_size = x->dims[g->axis];
        g->depth = 1;
        return PDS_OK;
    }
    int64_t a = p->axis;
    const char *what = p->kind == PDSI_GATHER ? "axis" : "dim";
    if (p->kind == PDSI_GATHER && in[2].n > 0) {
        int64_t buf[1];
        int n;
        if ((st = pdsi_shape_read_ints(&in[2], "Axis", buf, 1, &n, err)))
            return st;
        if (n != 1)
            return pdsi_fail(err, PDS_ERR_SHAPE, "gather: input 'Axis' has %d values, "
                             "expected 1", n);
        a = buf[0];
        what = "input 'Axis'";
    }
    if (x->rank < 1)
        return pdsi_fail(err, PDS_ERR_SHAPE, "%s: X is 0-D, expected rank >= 1", op);
    if (a < -x->rank || a >= x->rank)
        return pdsi_fail(err, PDS_ERR_SHAPE, "%s: %s %lld is out of range for X %s of rank %d",
                         op, what, (long long)a, bx, x->rank);
    g->axis = (int)(a < 0 ? a + x->rank : a);
    /* Index: 1-D, or [n, 1]; gather also takes a 0-D index, which drops the axis. */
    bool zero_d = false;
    if (ix->rank == 1 || (ix->rank == 2 && ix->dims[1] == 1)) {
        g->n_index = ix->dims[0];
    } else if (ix->rank == 0 && p->kind == PDSI_GATHER) {
        g->n_index = 1;
        zero_d = true;
    } else {
        return pdsi_fail(err, PDS_ERR_SHAPE, "%s: input 'Index' has shape %s, expected [n] or "
                         "[n, 1]%s", op, bi, p->kind == PDSI_GATHER ? " or 0-D" : "");
    }
    g->depth = 1;
    g->outer = 1;
    g->inner = 1;
    g->axis_size = x->dims[g->axis];
    g->out_rank = 0;
    for (int d = 0; d < x->rank; d++) {
        if (d < g->axis)
            g->outer *= x->dims[d];
        else if (d > g->axis)
            g->inner *= x->dims[d];
        if (d != g->axis)
            g->out_dims[g->out_rank++] = x->dims[d];
        else if (!zero_d)
            g->out_dims[g->out_rank++] = g->n_index;
    }
    return PDS_OK;
}

/* ------------------------------------------------------------------------ */
/* helpers                                                                   */
/* ------------------------------------------------------------------------ */

static pds_status check_sized(const pdsi_tensor *t, const char *what, pds_error *err)
{
    if (pds_dtype_size(t->dtype) == 0)
        return pdsi_fail(err, PDS_ERR_DTYPE, "input '%s' has unknown dtype %s", what,
                         pds_dtype_name(t->dtype));
    return PDS_OK;
}

/* XShape (legacy bookkeeping for gradients) is [0, dims of X...]: no elements.
 * When that rank does not fit, [0] says the same. */
static void set_xshape(const pdsi_slot *out, int k, const pdsi_tensor *x)
{
    int64_t d[PDSI_MAX_RANK] = {0};
    if (x->rank + 1 <= PDSI_MAX_RANK) {
        memcpy(d + 1, x->dims, sizeof *d * (size_t)x->rank);
        pdsi_out_set(out, k, x->dtype, x->rank + 1, d);
    } else {
        pdsi_out_set(out, k, x->dtype, 1, d);
    }
}

/* A dtype attribute holding a VarType.Type; -1 (when allowed) gives
 * PDS_DTYPE_UNKNOWN. */
static pds_status parse_vartype(const pdsi_attrs *attrs, const char *name, int64_t dflt,
                                bool allow_unset, pds_dtype *out, pds_error *err)
{
    int64_t v;
    pds_status st = pdsi_attr_int(attrs, name, dflt, &v, err);
    if (st)
        return st;
    if (allow_unset && v == -1) {
        *out = PDS_DTYPE_UNKNOWN;
        return PDS_OK;
    }
    if (!pdsi_shape_dtype_from_vartype(v, out))
        return pdsi_fail(err, PDS_ERR_UNSUPPORTED_OP,
                         "attribute '%s' is %lld, expected a VarType of BOOL (0), INT16 (1), "
                         "INT32 (2), INT64 (3), FP16 (4), FP32 (5), FP64 (6), UINT8 (20), INT8 "
                         "(21) or BF16 (22)%s",
                         name, (long long)v, allow_unset ? " or -1" : "");
    return PDS_OK;
}

/* Normalises an axis into [0, rank); a 0-D tensor takes 0 or -1 (Paddle
 * treats it as rank 1 there). */
static pds_status norm_axis(int64_t axis, int rank, int *out, const char *what, pds_error *err)
{
    const int r = rank > 0 ? rank : 1;
    int64_t a = axis < 0 ? axis + r : axis;
    if (a < 0 || a >= r)
        return pdsi_fail(err, PDS_ERR_SHAPE, "%s %lld is out of range for X of rank %d", what,
                         (long long)axis, rank);
    *out = (int)a;
    return PDS_OK;
}

static pds_status parse_list(const pdsi_attrs *attrs, const char *name, int64_t *buf, int *n,
                             pds_error *err)
{
    return pdsi_attr_ints(attrs, name, buf, PDSI_SHAPE_MAX_LIST, n, err);
}

/* ------------------------------------------------------------------------ */
/* reshape / reshape2                                                        */
/* ------------------------------------------------------------------------ */

static pds_status reshape_parse(const pdsi_attrs *attrs, void *params, pds_error *err)
{
    pdsi_reshape_params *p = params;
    return parse_list(attrs, "shape", p->shape, &p->n, err);
}

static pds_status reshape_infer(const void *params, const pdsi_slot *in, const pdsi_slot *out,
                                pds_error *err)
{
    const pdsi_reshape_params *p = params;
    const pdsi_tensor *x = pdsi_slot_get(&in[0]);
    int64_t req[PDSI_SHAPE_MAX_LIST], dims[PDSI_MAX_RANK];
    char bx[160], bs[200];
    const char *src = "attribute 'shape'";
    int n;
    pds_status st;
    if ((st = check_sized(x, "X", err)))
        return st;
    /* Priority as in Paddle's kernel: ShapeTensor, then Shape, then the attribute. */
    if (in[2].n > 0) {
        src = "input 'ShapeTensor'";
        st = pdsi_shape_read_ints(&in[2], "ShapeTensor", req, PDSI_SHAPE_MAX_LIST, &n, err);
    } else if (in[1].n > 0) {
        src = "input 'Shape'";
        st = pdsi_shape_read_ints(&in[1], "Shape", req, PDSI_SHAPE_MAX_LIST, &n, err);
    } else {
        n = p->n;
        memcpy(req, p->shape, sizeof *req * (size_t)n);
    }
    if (st)
        return st;
    if (n > PDSI_MAX_RANK)
        return pdsi_fail(err, PDS_ERR_SHAPE, "%s has %d entries, more than the maximum rank %d",
                         src, n, PDSI_MAX_RANK);
    pdsi_dims_str(req, n, bs, sizeof bs);
    pdsi_dims_str(x->dims, x->rank, bx, sizeof bx);

    const int64_t in_numel = pdsi_tensor_numel(x);
    int unknown = -1;
    int64_t known = 1;
    for (int i = 0; i < n; i++) {
        int64_t v = req[i];
        if (v == -1) {
            if (unknown >= 0)
                return pdsi_fail(err, PDS_ERR_SHAPE,
                                 "%s %s has more than one -1 (entries %d and %d); X is %s", src,
                                 bs, unknown, i, bx);
            unknown = i;
            continue;
        }
        if (v == 0) {
            if (i >= x->rank)
                return pdsi_fail(err, PDS_ERR_SHAPE,
                                 "%s %s has 0 (copy the dim of X) at entry %d, but X %s has "
                                 "rank %d",
                                 src, bs, i, bx, x->rank);
            v = x->dims[i];
        } else if (v < 0) {
            return pdsi_fail(err, PDS_ERR_SHAPE,
                             "%s %s has %lld at entry %d, expected -1, 0 or a positive size", src,
                             bs, (long long)v, i);
        }
        dims[i] = v;
        if (v != 0 && known > INT64_MAX / v)
            return pdsi_fail(err, PDS_ERR_SHAPE, "%s %s: the element count overflows", src, bs);
        known *= v;
    }
    if (unknown >= 0) {
        /* Paddle refuses a -1 next to a zero-size dim: nothing to infer it from. */
        if (known == 0 || in_numel % known != 0)
            return pdsi_fail(err, PDS_ERR_SHAPE,
                             "cannot reshape X %s (%lld elements) to %s %s: the other dims hold "
                             "%lld elements, which does not divide the input for the -1",
                             bx, (long long)in_numel, src, bs, (long long)known);
        dims[unknown] = in_numel / known;
    } else if (known != in_numel) {
        return pdsi_fail(err, PDS_ERR_SHAPE,
                         "cannot reshape X %s (%lld elements) to %s %s (%lld elements)", bx,
                         (long long)in_numel, src, bs, (long long)known);
    }
    pdsi_out_set(out, 0, x->dtype, n, dims);
    return PDS_OK;
}

/* The "2" variants add the XShape output (slot 1). */
#define WITH_XSHAPE(name, base)                                                             \
    static pds_status name(const void *params, const pdsi_slot *in, const pdsi_slot *out,  \
                           pds_error *err)                                                  \
    {                                                                                       \
        pds_status st_ = base(params, in, out, err);                                        \
        if (!st_)                                                                           \
            set_xshape(out, 1, pdsi_slot_get(&in[0]));                                      \
        return st_;                                                                         \
    }

WITH_XSHAPE(reshape2_infer, reshape_infer)

static const pdsi_opdef op_reshape2 = {
    .id = PDSI_OP_RESHAPE2,
    .type = "reshape2",
    .family = FAMILY,
    .in = {{"X", PDSI_SLOT_REQUIRED},
           {"Shape", PDSI_SLOT_OPTIONAL},
           {"ShapeTensor", PDSI_SLOT_LIST | PDSI_SLOT_OPTIONAL}},
    .out = {{"Out", PDSI_SLOT_REQUIRED}, {"XShape", PDSI_SLOT_OPTIONAL}},
    .params_size = sizeof(pdsi_reshape_params),
    .parse = reshape_parse,
    .infer = reshape2_infer,
    .data_dependent_inputs = (1u << 1) | (1u << 2),
};

static const pdsi_opdef op_reshape = {
    .id = PDSI_OP_RESHAPE,
    .type = "reshape",
    .family = FAMILY,
    .in = {{"X", PDSI_SLOT_REQUIRED},
           {"Shape", PDSI_SLOT_OPTIONAL},
           {"ShapeTensor", PDSI_SLOT_LIST | PDSI_SLOT_OPTIONAL}},
    .out = {{"Out", PDSI_SLOT_REQUIRED}},
    .params_size = sizeof(pdsi_reshape_params),
    .parse = reshape_parse,
    .infer = reshape_infer,
    .data_dependent_inputs = (1u << 1) | (1u << 2),
};

/* ------------------------------------------------------------------------ */
/* transpose / transpose2                                                    */
/* ------------------------------------------------------------------------ */

static pds_status transpose_parse(const pdsi_attrs *attrs, void *params, pds_error *err)
{
    pdsi_transpose_params *p = params;
    return pdsi_attr_ints(attrs, "axis", p->axis, PDSI_MAX_RANK, &p->n, err);
}

static pds_status transpose_infer(const void *params, const pdsi_slot *in, const pdsi_slot *out,
                                  pds_error *err)
{
    const pdsi_tensor *x = pdsi_slot_get(&in[0]);
    int perm[PDSI_MAX_RANK];
    int64_t dims[PDSI_MAX_RANK];
    pds_status st;
    if ((st = check_sized(x, "X", err)) || (st = pdsi_transpose_perm(params, x->rank, perm, err)))
        return st;
    for (int i = 0; i < x->rank; i++)
        dims[i] = x->dims[perm[i]];
    pdsi_out_set(out, 0, x->dtype, x->rank, dims);
    return PDS_OK;
}

WITH_XSHAPE(transpose2_infer, transpose_infer)

static const pdsi_opdef op_transpose2 = {
    .id = PDSI_OP_TRANSPOSE2,
    .type = "transpose2",
    .family = FAMILY,
    .in = {{"X", PDSI_SLOT_REQUIRED}},
    .out = {{"Out", PDSI_SLOT_REQUIRED}, {"XShape", PDSI_SLOT_OPTIONAL}},
    .params_size = sizeof(pdsi_transpose_params),
    .parse = transpose_parse,
    .infer = transpose2_infer,
};

static const pdsi_opdef op_transpose = {
    .id = PDSI_OP_TRANSPOSE,
    .type = "transpose",
    .family = FAMILY,
    .in = {{"X", PDSI_SLOT_REQUIRED}},
    .out = {{"Out", PDSI_SLOT_REQUIRED}},
    .params_size = sizeof(pdsi_transpose_params),
    .parse = transpose_parse,
    .infer = transpose_infer,
};

/* ------------------------------------------------------------------------ */
/* flatten_contiguous_range, flatten / flatten2                              */
/* ------------------------------------------------------------------------ */

static pds_status flatten_range_parse(const pdsi_attrs *attrs, void *params, pds_error *err)
{
    pdsi_flatten_params *p = params;
    pds_status st;
    p->contiguous_range = 1;
    if ((st = pdsi_attr_int(attrs, "start_axis", 1, &p->start_axis, err)) ||
        (st = pdsi_attr_int(attrs, "stop_axis", 1, &p->stop_axis, err)))
        return st;
    return PDS_OK;
}

static pds_status flatten_range_infer(const void *params, const pdsi_slot *in,
                                      const pdsi_slot *out, pds_error *err)
{
    const pdsi_flatten_params *p = params;
    const pdsi_tensor *x = pdsi_slot_get(&in[0]);
    int64_t dims[PDSI_MAX_RANK];
    int start = 0, stop = 0, n = 0;
    pds_status st;
    if ((st = check_sized(x, "X", err)))
        return st;
    /* A 0-D input flattens to [1]; its axes may only be 0 or -1. */
    if ((st = norm_axis(p->start_axis, x->rank, &start, "attribute 'start_axis'", err)) ||
        (st = norm_axis(p->stop_axis, x->rank, &stop, "attribute 'stop_axis'", err)))
        return st;
    if (x->rank == 0) {
        dims[0] = 1;
        pdsi_out_set(out, 0, x->dtype, 1, dims);
        return PDS_OK;
    }
    if (start > stop)
        return pdsi_fail(err, PDS_ERR_SHAPE,
                         "attribute 'start_axis' (%lld) comes after 'stop_axis' (%lld) for X of "
                         "rank %d",
                         (long long)p->start_axis, (long long)p->stop_axis, x->rank);
    for (int d = 0; d < start; d++)
        dims[n++] = x->dims[d];
    dims[n] = 1;
    for (int d = start; d <= stop; d++)
        dims[n] *= x->dims[d]; /* at most numel(X), which is valid */
    n++;
    for (int d = stop + 1; d < x->rank; d++)
        dims[n++] = x->dims[d];
    pdsi_out_set(out, 0, x->dtype, n, dims);
    return PDS_OK;
}

WITH_XSHAPE(flatten_range2_infer, flatten_range_infer)

static pds_status flatten_parse(const pdsi_attrs *attrs, void *params, pds_error *err)
{
    pdsi_flatten_params *p = params;
    return pdsi_attr_int(attrs, "axis", 1, &p->axis, err);
}

static pds_status flatten_infer(const void *params, const pdsi_slot *in, const pdsi_slot *out,
                                pds_error *err)
{
    const pdsi_flatten_params *p = params;
    const pdsi_tensor *x = pdsi_slot_get(&in[0]);
    int64_t dims[2] = {1, 1};
    pds_status st;
    if ((st = check_sized(x, "X", err)))
        return st;
    if (p->axis < 0 || p->axis > x->rank)
        return pdsi_fail(err, PDS_ERR_SHAPE,
                         "attribute 'axis' is %lld, expected 0 to %d (the rank of X)",
                         (long long)p->axis, x->rank);
    if (x->rank == 0) { /* Paddle: a 0-D input gives [1] */
        pdsi_out_set(out, 0, x->dtype, 1, dims);
        return PDS_OK;
    }
    for (int d = 0; d < x->rank; d++)
        dims[d < p->axis ? 0 : 1] *= x->dims[d];
    pdsi_out_set(out, 0, x->dtype, 2, dims);
    return PDS_OK;
}

WITH_XSHAPE(flatten2_infer, flatten_infer)

static const pdsi_opdef op_flatten_contiguous_range = {
    .id = PDSI_OP_FLATTEN_CONTIGUOUS_RANGE,
    .type = "flatten_contiguous_range",
    .family = FAMILY,
    .in = {{"X", PDSI_SLOT_REQUIRED}},
    .out = {{"Out", PDSI_SLOT_REQUIRED}, {"XShape", PDSI_SLOT_OPTIONAL}},
    .params_size = sizeof(pdsi_flatten_params),
    .parse = flatten_range_parse,
    .infer = flatten_range2_infer,
};

static const pdsi_opdef op_flatten2 = {
    .id = PDSI_OP_FLATTEN2,
    .type = "flatten2",
    .family = FAMILY,
    .in = {{"X", PDSI_SLOT_REQUIRED}},
    .out = {{"Out", PDSI_SLOT_REQUIRED}, {"XShape", PDSI_SLOT_OPTIONAL}},
    .params_size = sizeof(pdsi_flatten_params),
    .parse = flatten_parse,
    .infer = flatten2_infer,
};

static const pdsi_opdef op_flatten = {
    .id = PDSI_OP_FLATTEN,
    .type = "flatten",
    .family = FAMILY,
    .in = {{"X", PDSI_SLOT_REQUIRED}},
    .out = {{"Out", PDSI_SLOT_REQUIRED}},
    .params_size = sizeof(pdsi_flatten_params),
    .parse = flatten_parse,
    .infer = flatten_infer,
};

/* ------------------------------------------------------------------------ */
/* squeeze / squeeze2, unsqueeze / unsqueeze2                                */
/* ------------------------------------------------------------------------ */

static pds_status axes_parse(const pdsi_attrs *attrs, void *params, pds_error *err)
{
    pdsi_axes_params *p = params;
    return parse_list(attrs, "axes", p->axes, &p->n, err);
}

/* ---- flip ------------------------------------------------------------------ */

static pds_status flip_parse(const pdsi_attrs *attrs, void *params, pds_error *err)
{
    pdsi_axes_params *p = params;
    return parse_list(attrs, "axis", p->axes, &p->n, err);
}

pds_status pdsi_flip_resolve(const pdsi_axes_params *p, const pdsi_tensor *x,
                             bool flipped[PDSI_MAX_RANK], pds_error *err)
{
    char b[160];
    for (int d = 0; d < PDSI_MAX_RANK; d++)
        flipped[d] = false;
    for (int i = 0; i < p->n; i++) {
        int64_t a = p->axes[i] < 0 ? p->axes[i] + x->rank : p->axes[i];
        if (a < 0 || a >= x->rank)
            return pdsi_fail(err, PDS_ERR_SHAPE,
                             "attribute 'axis' entry %d is %lld, out of range for X of rank %d %s", i,
                             (long long)p->axes[i], x->rank,
                             pdsi_dims_str(x->dims, x->rank, b, sizeof b));
        if (flipped[a])
            return pdsi_fail(err, PDS_ERR_SHAPE, "attribute 'axis' lists dim %lld twice",
                             (long long)a);
        flipped[a] = true;
    }
    return PDS_OK;
}

static pds_status flip_infer(const void *params, const pdsi_slot *in, const pdsi_slot *out,
                             pds_error *err)
{
    const pdsi_tensor *x = pdsi_slot_get(&in[0]);
    bool flipped[PDSI_MAX_RANK];
    pds_status st;
    if ((st = check_sized(x, "X", err)) || (st = pdsi_flip_resolve(params, x, flipped, err)))
        return st;
    pdsi_out_set(out, 0, x->dtype, x->rank, x->dims);
    return PDS_OK;
}

static const pdsi_opdef op_flip = {
    .id = PDSI_OP_FLIP,
    .type = "flip",
    .family = FAMILY,
    .in = {{"X", PDSI_SLOT_REQUIRED}},
    .out = {{"Out", PDSI_SLOT_REQUIRED}},
    .params_size = sizeof(pdsi_axes_params),
    .parse = flip_parse,
    .infer = flip_infer,
};

/* No axes: drop every size-1 dim. Listed axes (negative allowed, repeats
 * harmless) are dropped only where the dim is 1; Paddle leaves others as is. */
static pds_status squeeze_infer(const void *params, const pdsi_slot *in, const pdsi_slot *out,
                                pds_error *err)
{
    const pdsi_axes_params *p = params;
    const pdsi_tensor *x = pdsi_slot_get(&in[0]);
    bool drop[PDSI_MAX_RANK] = {false};
    int64_t dims[PDSI_MAX_RANK];
    int n = 0;
    pds_status st;
    if ((st = check_sized(x, "X", err)))
        return st;
    for (int i = 0; i < p->n; i++) {
        int a = 0;
        if ((st = norm_axis(p->axes[i], x->rank, &a, "attribute 'axes' entry", err)))
            return st;
        if (a < x->rank && x->dims[a] == 1)
            drop[a] = true;
    }
    for (int d = 0; d < x->rank; d++)
        if (!(p->n == 0 ? x->dims[d] == 1 : drop[d]))
            dims[n++] = x->dims[d];
    pdsi_out_set(out, 0, x->dtype, n, dims);
    return PDS_OK;
}

WITH_XSHAPE(squeeze2_infer, squeeze_infer)

/* Each axis is read against the rank reached so far (negative: counted from
 * the end of that, +1) and inserts a 1 there, as Paddle's GetUnsqueezeShape.
 * AxesTensor, then AxesTensorList, then the attribute. */
static pds_status unsqueeze_infer(const void *params, const pdsi_slot *in, const pdsi_slot *out,
                                  pds_error *err)
{
    const pdsi_axes_params *p = params;
    const pdsi_tensor *x = pdsi_slot_get(&in[0]);
    int64_t axes[PDSI_SHAPE_MAX_LIST], dims[PDSI_MAX_RANK];
    bool inserted[PDSI_MAX_RANK] = {false};
    const char *src = "attribute 'axes'";
    int n;
    pds_status st = PDS_OK;
    if ((st = check_sized(x, "X", err)))
        return st;
    if (in[1].n > 0) {
        src = "input 'AxesTensor'";
        st = pdsi_shape_read_ints(&in[1], "AxesTensor", axes, PDSI_SHAPE_MAX_LIST, &n, err);
    } else if (in[2].n > 0) {
        src = "input 'AxesTensorList'";
        st = pdsi_shape_read_ints(&in[2], "AxesTensorList", axes, PDSI_SHAPE_MAX_LIST, &n, err);
    } else {
        n = p->n;
        memcpy(axes, p->axes, sizeof *axes * (size_t)n);
    }
    if (st)
        return st;
    if (x->rank + n > PDSI_MAX_RANK)
        return pdsi_fail(err, PDS_ERR_SHAPE,
                         "%s inserts %d dims into X of rank %d, more than the maximum rank %d",
                         src, n, x->rank, PDSI_MAX_RANK);
    int cur = x->rank;
    for (int i = 0; i < n; i++) {
        int64_t a = axes[i] < 0 ? axes[i] + cur + 1 : axes[i];
        if (a < 0 || a > cur)
            return pdsi_fail(err, PDS_ERR_SHAPE,
                             "%s entry %d is %lld, out of range [%d, %d] for the rank %d reached "
                             "so far",
                             src, i, (long long)axes[i], -cur - 1, cur, cur);
        memmove(inserted + a + 1, inserted + a, sizeof *inserted * (size_t)(cur - a));
        inserted[a] = true;
        cur++;
    }
    for (int d = 0, k = 0; d < cur; d++)
        dims[d] = inserted[d] ? 1 : x->dims[k++];
    pdsi_out_set(out, 0, x->dtype, cur, dims);
    return PDS_OK;
}

WITH_XSHAPE(unsqueeze2_infer, unsqueeze_infer)

static const pdsi_opdef op_squeeze2 = {
    .id = PDSI_OP_SQUEEZE2,
    .type = "squeeze2",
    .family = FAMILY,
    .in = {{"X", PDSI_SLOT_REQUIRED}},
    .out = {{"Out", PDSI_SLOT_REQUIRED}, {"XShape", PDSI_SLOT_OPTIONAL}},
    .params_size = sizeof(pdsi_axes_params),
    .parse = axes_parse,
    .infer = squeeze2_infer,
};

static const pdsi_opdef op_squeeze = {
    .id = PDSI_OP_SQUEEZE,
    .type = "squeeze",
    .family = FAMILY,
    .in = {{"X", PDSI_SLOT_REQUIRED}},
    .out = {{"Out", PDSI_SLOT_REQUIRED}},
    .params_size = sizeof(pdsi_axes_params),
    .parse = axes_parse,
    .infer = squeeze_infer,
};

static const pdsi_opdef op_unsqueeze2 = {
    .id = PDSI_OP_UNSQUEEZE2,
    .type = "unsqueeze2",
    .family = FAMILY,
    .in = {{"X", PDSI_SLOT_REQUIRED},
           {"AxesTensor", PDSI_SLOT_OPTIONAL},
           {"AxesTensorList", PDSI_SLOT_LIST | PDSI_SLOT_OPTIONAL}},
    .out = {{"Out", PDSI_SLOT_REQUIRED}, {"XShape", PDSI_SLOT_OPTIONAL}},
    .params_size = sizeof(pdsi_axes_params),
    .parse = axes_parse,
    .infer = unsqueeze2_infer,
    .data_dependent_inputs = (1u << 1) | (1u << 2),
};

static const pdsi_opdef op_unsqueeze = {
    .id = PDSI_OP_UNSQUEEZE,
    .type = "unsqueeze",
    .family = FAMILY,
    .in = {{"X", PDSI_SLOT_REQUIRED},
           {"AxesTensor", PDSI_SLOT_OPTIONAL},
           {"AxesTensorList", PDSI_SLOT_LIST | PDSI_SLOT_OPTIONAL}},
    .out = {{"Out", PDSI_SLOT_REQUIRED}},
    .params_size = sizeof(pdsi_axes_params),
    .parse = axes_parse,
    .infer = unsqueeze_infer,
    .data_dependent_inputs = (1u << 1) | (1u << 2),
};

/* ------------------------------------------------------------------------ */
/* concat, split, stack                                                      */
/* ------------------------------------------------------------------------ */

static pds_status axis_parse(const pdsi_attrs *attrs, void *params, pds_error *err)
{
    pdsi_axis_params *p = params;
    return pdsi_attr_int(attrs, "axis", 0, &p->axis, err);
}

static pds_status concat_infer(const void *params, const pdsi_slot *in, const pdsi_slot *out,
                               pds_error *err)
{
    int64_t dims[PDSI_MAX_RANK];
    int axis;
    pds_status st;
    if (in[0].n > 0 && (st = check_sized(in[0].t[0], "X", err)))
        return st;
    if ((st = pdsi_concat_resolve(params, in, &axis, dims, err)))
        return st;
    const pdsi_tensor *x0 = in[0].t[0];
    if ((st = pdsi_check_out_size(x0->dtype, x0->rank, dims, "the concatenation", err)))
        return st;
    pdsi_out_set(out, 0, x0->dtype, x0->rank, dims);
    return PDS_OK;
}

static const pdsi_opdef op_concat = {
    .id = PDSI_OP_CONCAT,
    .type = "concat",
    .family = FAMILY,
    .in = {{"X", PDSI_SLOT_LIST}, {"AxisTensor", PDSI_SLOT_OPTIONAL}},
    .out = {{"Out", PDSI_SLOT_REQUIRED}},
    .params_size = sizeof(pdsi_axis_params),
    .parse = axis_parse,
    .infer = concat_infer,
    .data_dependent_inputs = 1u << 1,
};

static pds_status split_parse(const pdsi_attrs *attrs, void *params, pds_error *err)
{
    pdsi_split_params *p = params;
    pds_status st;
    if ((st = pdsi_attr_int(attrs, "axis", 0, &p->axis, err)) ||
        (st = pdsi_attr_int(attrs, "num", 0, &p->num, err)) ||
        (st = parse_list(attrs, "sections", p->sections, &p->n_sections, err)))
        return st;
    if (p->num < 0)
        return pdsi_fail(err, PDS_ERR_MODEL_FORMAT, "attribute 'num' is %lld, expected >= 0",
                         (long long)p->num);
    return PDS_OK;
}

static pds_status split_infer(const void *params, const pdsi_slot *in, const pdsi_slot *out,
                              pds_error *err)
{
    const pdsi_tensor *x = pdsi_slot_get(&in[0]);
    int64_t sizes[PDSI_SHAPE_MAX_LIST], dims[PDSI_MAX_RANK];
    int axis;
    pds_status st;
    if ((st = check_sized(x, "X", err)) ||
        (st = pdsi_split_resolve(params, in, out[0].n, &axis, sizes, err)))
        return st;
    memcpy(dims, x->dims, sizeof *dims * (size_t)x->rank);
    for (int k = 0; k < out[0].n; k++) {
        dims[axis] = sizes[k];
        pdsi_tensor_set_shape(out[0].t[k], x->dtype, x->rank, dims);
    }
    return PDS_OK;
}

static const pdsi_opdef op_split = {
    .id = PDSI_OP_SPLIT,
    .type = "split",
    .family = FAMILY,
    .in = {{"X", PDSI_SLOT_REQUIRED},
           {"AxisTensor", PDSI_SLOT_OPTIONAL},
           {"SectionsTensorList", PDSI_SLOT_LIST | PDSI_SLOT_OPTIONAL}},
    .out = {{"Out", PDSI_SLOT_LIST}},
    .params_size = sizeof(pdsi_split_params),
    .parse = split_parse,
    .infer = split_infer,
    .data_dependent_inputs = (1u << 1) | (1u << 2),
};

static pds_status stack_infer(const void *params, const pdsi_slot *in, const pdsi_slot *out,
                              pds_error *err)
{
    int64_t dims[PDSI_MAX_RANK];
    int axis;
    pds_status st;
    if (in[0].n > 0 && (st = check_sized(in[0].t[0], "X", err)))
        return st;
    if ((st = pdsi_stack_resolve(params, in, &axis, err)))
        return st;
    const pdsi_tensor *x0 = in[0].t[0];
    for (int d = 0, k = 0; d <= x0->rank; d++)
        dims[d] = d == axis ? in[0].n : x0->dims[k++];
    if ((st = pdsi_check_out_size(x0->dtype, x0->rank + 1, dims, "the stack", err)))
        return st;
    pdsi_out_set(out, 0, x0->dtype, x0->rank + 1, dims);
    return PDS_OK;
}

static const pdsi_opdef op_stack = {
    .id = PDSI_OP_STACK,
    .type = "stack",
    .family = FAMILY,
    .in = {{"X", PDSI_SLOT_LIST}},
    .out = {{"Y", PDSI_SLOT_REQUIRED}},
    .params_size = sizeof(pdsi_axis_params),
    .parse = axis_parse,
    .infer = stack_infer,
};

/* ------------------------------------------------------------------------ */
/* slice, strided_slice                                                      */
/* ------------------------------------------------------------------------ */

static pds_status slice_parse_common(const pdsi_attrs *attrs, pdsi_slice_params *p,
                                     pds_error *err)
{
    pds_status st;
    if ((st = parse_list(attrs, "axes", p->axes, &p->n_axes, err)) ||
        (st = parse_list(attrs, "starts", p->starts, &p->n_starts, err)) ||
        (st = parse_list(attrs, "ends", p->ends, &p->n_ends, err)) ||
        (st = parse_list(attrs, "decrease_axis", p->decrease_axis, &p->n_decrease, err)) ||
        (st = parse_list(attrs, "infer_flags", p->infer_flags, &p->n_infer_flags, err)))
        return st;
    return PDS_OK;
}

static pds_status slice_parse(const pdsi_attrs *attrs, void *params, pds_error *err)
{
    return slice_parse_common(attrs, params, err);
}

static pds_status strided_slice_parse(const pdsi_attrs *attrs, void *params, pds_error *err)
{
    pdsi_slice_params *p = params;
    pds_status st;
    p->strided = 1;
    if ((st = slice_parse_common(attrs, p, err)) ||
        (st = parse_list(attrs, "strides", p->strides, &p->n_strides, err)))
        return st;
    return PDS_OK;
}

static pds_status slice_infer(const void *params, const pdsi_slot *in, const pdsi_slot *out,
                              pds_error *err)
{
    const pdsi_tensor *x = pdsi_slot_get(&in[0]);
    pdsi_slice_geom g;
    pds_status st;
    if ((st = check_sized(x, "Input", err)) || (st = pdsi_slice_resolve(params, in, &g, err)))
        return st;
    pdsi_out_set(out, 0, x->dtype, g.out_rank, g.out_dims);
    return PDS_OK;
}

static const pdsi_opdef op_slice = {
    .id = PDSI_OP_SLICE,
    .type = "slice",
    .family = FAMILY,
    .in = {{"Input", PDSI_SLOT_REQUIRED},
           {"StartsTensor", PDSI_SLOT_OPTIONAL},
           {"EndsTensor", PDSI_SLOT_OPTIONAL},
           {"StartsTensorList", PDSI_SLOT_LIST | PDSI_SLOT_OPTIONAL},
           {"EndsTensorList", PDSI_SLOT_LIST | PDSI_SLOT_OPTIONAL}},
    .out = {{"Out", PDSI_SLOT_REQUIRED}},
    .params_size = sizeof(pdsi_slice_params),
    .parse = slice_parse,
    .infer = slice_infer,
    .data_dependent_inputs = 0x1eu,
};

static const pdsi_opdef op_strided_slice = {
    .id = PDSI_OP_STRIDED_SLICE,
    .type = "strided_slice",
    .family = FAMILY,
    .in = {{"Input", PDSI_SLOT_REQUIRED},
           {"StartsTensor", PDSI_SLOT_OPTIONAL},
           {"StartsTensorList", PDSI_SLOT_LIST | PDSI_SLOT_OPTIONAL},
           {"EndsTensor", PDSI_SLOT_OPTIONAL},
           {"EndsTensorList", PDSI_SLOT_LIST | PDSI_SLOT_OPTIONAL},
           {"StridesTensor", PDSI_SLOT_OPTIONAL},
           {"StridesTensorList", PDSI_SLOT_LIST | PDSI_SLOT_OPTIONAL}},
    .out = {{"Out", PDSI_SLOT_REQUIRED}},
    .params_size = sizeof(pdsi_slice_params),
    .parse = strided_slice_parse,
    .infer = slice_infer,
    .data_dependent_inputs = 0x7eu,
};

/* ------------------------------------------------------------------------ */
/* shape, assign, cast                                                       */
/* ------------------------------------------------------------------------ */

static pds_status shape_infer(const void *params, const pdsi_slot *in, const pdsi_slot *out,
                              pds_error *err)
{
    const pdsi_tensor *x = pdsi_slot_get(&in[0]);
    int64_t dims[1] = {x->rank};
    for (int d = 0; d < x->rank; d++)
        if (x->dims[d] > INT32_MAX)
            return pdsi_fail(err, PDS_ERR_SHAPE,
                             "dim %d of input 'Input' is %lld, which does not fit the int32 "
                             "output of the legacy shape op",
                             d, (long long)x->dims[d]);
    /* The legacy op returns int32 (PIR's shape64 is the int64 one). */
    pdsi_out_set(out, 0, PDS_INT32, 1, dims);
    return PDS_OK;
}

static const pdsi_opdef op_shape = {
    .id = PDSI_OP_SHAPE,
    .type = "shape",
    .family = FAMILY,
    .flags = PDSI_OPF_DIMS_ONLY,
    .in = {{"Input", PDSI_SLOT_REQUIRED}},
    .out = {{"Out", PDSI_SLOT_REQUIRED}},
    .infer = shape_infer,
};

static pds_status same_infer(const void *params, const pdsi_slot *in, const pdsi_slot *out,
                             pds_error *err)
{
    const pdsi_tensor *x = pdsi_slot_get(&in[0]);
    pds_status st;
    if ((st = check_sized(x, "X", err)))
        return st;
    pdsi_out_set(out, 0, x->dtype, x->rank, x->dims);
    return PDS_OK;
}

static const pdsi_opdef op_assign = {
    .id = PDSI_OP_ASSIGN,
    .type = "assign",
    .family = FAMILY,
    .flags = PDSI_OPF_IDENTITY,
    .in = {{"X", PDSI_SLOT_REQUIRED}},
    .out = {{"Out", PDSI_SLOT_REQUIRED}},
    .infer = same_infer,
};

/* share_data: what Tensor.detach() becomes (share_data_ in PIR); at
 * inference Out = X, like assign. */
static const pdsi_opdef op_share_data = {
    .id = PDSI_OP_SHARE_DATA,
    .type = "share_data",
    .family = FAMILY,
    .flags = PDSI_OPF_IDENTITY,
    .in = {{"X", PDSI_SLOT_REQUIRED}},
    .out = {{"Out", PDSI_SLOT_REQUIRED}},
    .infer = same_infer,
};

static pds_status cast_parse(const pdsi_attrs *attrs, void *params, pds_error *err)
{
    pdsi_cast_params *p = params;
    if (!pdsi_attr_find(attrs, "out_dtype"))
        return pdsi_fail(err, PDS_ERR_MODEL_FORMAT, "attribute 'out_dtype' is missing");
    return parse_vartype(attrs, "out_dtype", 5, false, &p->out_dtype, err);
}

static pds_status cast_infer(const void *params, const pdsi_slot *in, const pdsi_slot *out,
                             pds_error *err)
{
    const pdsi_cast_params *p = params;
    const pdsi_tensor *x = pdsi_slot_get(&in[0]);
    pds_status st;
    if ((st = check_sized(x, "X", err)))
        return st;
    pdsi_out_set(out, 0, p->out_dtype, x->rank, x->dims);
    return PDS_OK;
}

static const pdsi_opdef op_cast = {
    .id = PDSI_OP_CAST,
    .type = "cast",
    .family = FAMILY,
    .in = {{"X", PDSI_SLOT_REQUIRED}},
    .out = {{"Out", PDSI_SLOT_REQUIRED}},
    .params_size = sizeof(pdsi_cast_params),
    .parse = cast_parse,
    .infer = cast_infer,
};

/* ------------------------------------------------------------------------ */
/* fill_constant, fill_any_like, fill_zeros_like, assign_value               */
/* ------------------------------------------------------------------------ */

/* str_value as Paddle reads it: exactly "inf", "-inf" or "nan", or a decimal
 * number. Paddle's stream parse would also take a numeric prefix of anything
 * ("12abc" -> 12, "abc" -> 0); such strings never come from Paddle's writers
 * and are refused here. */
static pds_status parse_str_value(const char *s, double *out, pds_error *err)
{
    if (strcmp(s, "inf") == 0) {
        *out = INFINITY;
        return PDS_OK;
    }
    if (strcmp(s, "-inf") == 0) {
        *out = -INFINITY;
        return PDS_OK;
    }
    if (strcmp(s, "nan") == 0) {
        *out = NAN;
        return PDS_OK;
    }
    /* Only decimal syntax, so that strtod's hex floats and inf/nan spellings
     * are not accepted by accident. */
    const char *c = s;
    while (*c == ' ' || *c == '\t')
        c++;
    const char *num = c;
    int digits = 0;
    if (*c == '+' || *c == '-')
        c++;
    while (*c >= '0' && *c <= '9')
        c++, digits++;
    if (*c == '.')
        for (c++; *c >= '0' && *c <= '9'; c++)
            digits++;
    if (digits && (*c == 'e' || *c == 'E')) {
        const char *e = c + 1;
        if (*e == '+' || *e == '-')
            e++;
        if (*e >= '0' && *e <= '9') {
            while (*e >= '0' && *e <= '9')
                e++;
            c = e;
        }
    }
    const char *end = c;
    while (*c == ' ' || *c == '\t' || *c == '\n')
        c++;
    if (!digits || *c != '\0' || end - num > 400)
        return pdsi_fail(err, PDS_ERR_MODEL_FORMAT,
                         "attribute 'str_value' is \"%.64s\", expected a decimal number, inf, "
                         "-inf or nan",
                         s);
    char buf[401];
    memcpy(buf, num, (size_t)(end - num));
    buf[end - num] = '\0';
    double v = strtod(buf, NULL);
    /* A C++ stream read that overflows yields the largest finite value. */
    if (isinf(v))
        v = v > 0 ? 1.7976931348623157e308 : -1.7976931348623157e308;
    *out = v;
    return PDS_OK;
}

pds_status pdsi_shape_parse_str_value(const char *s, double *out, pds_error *err)
{
    return parse_str_value(s, out, err);
}

static pds_status fill_constant_parse(const pdsi_attrs *attrs, void *params, pds_error *err)
{
    pdsi_fill_constant_params *p = params;
    const char *str;
    pds_status st;
    if ((st = parse_vartype(attrs, "dtype", 5, false, &p->dtype, err)) ||
        (st = parse_list(attrs, "shape", p->shape, &p->n_shape, err)) ||
        (st = pdsi_attr_float(attrs, "value", 0.0, &p->value, err)) ||
        (st = pdsi_attr_string(attrs, "str_value", "", &str, err)))
        return st;
    if (str[0] != '\0' && (st = parse_str_value(str, &p->value, err)))
        return st;
    return PDS_OK;
}

static pds_status fill_constant_infer(const void *params, const pdsi_slot *in,
                                      const pdsi_slot *out, pds_error *err)
{
    const pdsi_fill_constant_params *p = params;
    int64_t shape[PDSI_SHAPE_MAX_LIST], numel, iv;
    double fv;
    bool is_int;
    const char *src = "attribute 'shape'";
    char b[200];
    int n;
    pds_status st = PDS_OK;
    /* ShapeTensor, then ShapeTensorList, then the attribute. */
    if (in[1].n > 0) {
        src = "input 'ShapeTensor'";
        st = pdsi_shape_read_ints(&in[1], "ShapeTensor", shape, PDSI_SHAPE_MAX_LIST, &n, err);
    } else if (in[2].n > 0) {
        src = "input 'ShapeTensorList'";
        st = pdsi_shape_read_ints(&in[2], "ShapeTensorList", shape, PDSI_SHAPE_MAX_LIST, &n, err);
    } else {
        n = p->n_shape;
        memcpy(shape, p->shape, sizeof *shape * (size_t)n);
    }
    if (st)
        return st;
    if (n > PDSI_MAX_RANK)
        return pdsi_fail(err, PDS_ERR_SHAPE, "%s has %d entries, more than the maximum rank %d",
                         src, n, PDSI_MAX_RANK);
    if (!pdsi_shape_numel(shape, n, &numel))
        return pdsi_fail(err, PDS_ERR_SHAPE,
                         "%s is %s, expected sizes >= 0 with an element count that fits int64",
                         src, pdsi_dims_str(shape, n, b, sizeof b));
    if ((st = pdsi_check_out_size(p->dtype, n, shape, "output 'Out'", err)) ||
        (st = pdsi_fill_constant_value(p, in, &fv, &iv, &is_int, err)))
        return st;
    pdsi_out_set(out, 0, p->dtype, n, shape);
    return PDS_OK;
}

static const pdsi_opdef op_fill_constant = {
    .id = PDSI_OP_FILL_CONSTANT,
    .type = "fill_constant",
    .family = FAMILY,
    .in = {{"ValueTensor", PDSI_SLOT_OPTIONAL},
           {"ShapeTensor", PDSI_SLOT_OPTIONAL},
           {"ShapeTensorList", PDSI_SLOT_LIST | PDSI_SLOT_OPTIONAL}},
    .out = {{"Out", PDSI_SLOT_REQUIRED}},
    .params_size = sizeof(pdsi_fill_constant_params),
    .parse = fill_constant_parse,
    .infer = fill_constant_infer,
    .data_dependent_inputs = 0x7u,
};

/* Paddle's full_like refuses a finite value outside the target type's range,
 * comparing in float (double for float64). */
static bool fill_value_fits(double v, pds_dtype dt)
{
    double lo, hi;
    if (isnan(v) || isinf(v))
        return true;
    switch (dt) {
    case PDS_BOOL: lo = 0, hi = 1; break;
    case PDS_UINT8: lo = 0, hi = 255; break;
    case PDS_INT8: lo = -128, hi = 127; break;
    case PDS_INT16: lo = -32768, hi = 32767; break;
    case PDS_INT32: lo = -2147483648.0, hi = 2147483647.0; break;
    case PDS_INT64: lo = -9223372036854775808.0, hi = 9223372036854775807.0; break;
    case PDS_FLOAT16: lo = -65504, hi = 65504; break;
    case PDS_BFLOAT16: lo = -0x1.fep127, hi = 0x1.fep127; break;
    case PDS_FLOAT32: lo = -FLT_MAX, hi = FLT_MAX; break;
    default: return true;
    }
    if (v > FLT_MAX || v < -FLT_MAX) /* becomes infinity as a float: out of range */
        return false;
    float f = (float)v;
    return f >= (float)lo && f <= (float)hi;
}

static pds_status fill_any_like_parse(const pdsi_attrs *attrs, void *params, pds_error *err)
{
    pdsi_fill_like_params *p = params;
    pds_status st;
    if ((st = pdsi_attr_float(attrs, "value", 0.0, &p->value, err)) ||
        (st = parse_vartype(attrs, "dtype", -1, true, &p->dtype, err)))
        return st;
    if (p->dtype != PDS_DTYPE_UNKNOWN && !fill_value_fits(p->value, p->dtype))
        return pdsi_fail(err, PDS_ERR_MODEL_FORMAT,
                         "attribute 'value' %g is out of range for the %s output", p->value,
                         pds_dtype_name(p->dtype));
    return PDS_OK;
}

static pds_status fill_like_infer(const void *params, const pdsi_slot *in, const pdsi_slot *out,
                                  pds_error *err)
{
    const pdsi_fill_like_params *p = params;
    const pdsi_tensor *x = pdsi_slot_get(&in[0]);
    pds_status st;
    if ((st = check_sized(x, "X", err)))
        return st;
    pds_dtype dt = p->dtype == PDS_DTYPE_UNKNOWN ? x->dtype : p->dtype;
    if (!fill_value_fits(p->value, dt))
        return pdsi_fail(err, PDS_ERR_DTYPE,
                         "attribute 'value' %g is out of range for the %s output (dtype of X)",
                         p->value, pds_dtype_name(dt));
    pdsi_out_set(out, 0, dt, x->rank, x->dims);
    return PDS_OK;
}

static const pdsi_opdef op_fill_any_like = {
    .id = PDSI_OP_FILL_ANY_LIKE,
    .type = "fill_any_like",
    .family = FAMILY,
    .in = {{"X", PDSI_SLOT_REQUIRED}},
    .out = {{"Out", PDSI_SLOT_REQUIRED}},
    .params_size = sizeof(pdsi_fill_like_params),
    .parse = fill_any_like_parse,
    .infer = fill_like_infer,
};

static const pdsi_opdef op_fill_zeros_like = {
    .id = PDSI_OP_FILL_ZEROS_LIKE,
    .type = "fill_zeros_like",
    .family = FAMILY,
    .in = {{"X", PDSI_SLOT_REQUIRED}},
    .out = {{"Out", PDSI_SLOT_REQUIRED}},
    .params_size = sizeof(pdsi_fill_like_params), /* zeroed: dtype of X, value 0 */
    .infer = fill_like_infer,
};

/* The values come from 'values' when the loader gives it as a number list
 * (Paddle >= 2.6 writes Scalars there), otherwise from the typed list of
 * older files (fp32_values, int32_values, ...). */
static pds_status assign_value_parse(const pdsi_attrs *attrs, void *params, pds_error *err)
{
    pdsi_assign_value_params *p = params;
    int64_t shape[PDSI_MAX_ATTR_LIST];
    int n;
    pds_status st;
    if (!pdsi_attr_find(attrs, "dtype"))
        return pdsi_fail(err, PDS_ERR_MODEL_FORMAT, "attribute 'dtype' is missing");
    if ((st = parse_vartype(attrs, "dtype", 5, false, &p->dtype, err)) ||
        (st = pdsi_attr_ints(attrs, "shape", shape, PDSI_MAX_ATTR_LIST, &n, err)))
        return st;
    int64_t numel;
    if (n > PDSI_MAX_RANK || !pdsi_shape_numel(shape, n, &numel))
        return pdsi_fail(err, PDS_ERR_MODEL_FORMAT,
                         "attribute 'shape' has %d entries, expected at most %d sizes >= 0", n,
                         PDSI_MAX_RANK);
    p->rank = n;
    memcpy(p->dims, shape, sizeof *shape * (size_t)n);

    const char *typed = NULL;
    switch (p->dtype) {
    case PDS_BOOL: typed = "bool_values"; break;
    case PDS_INT32: typed = "int32_values"; break;
    case PDS_INT64: typed = "int64_values"; break;
    case PDS_FLOAT32: typed = "fp32_values"; break;
    case PDS_FLOAT64: typed = "fp64_values"; break;
    default: break;
    }
    const pdsi_attr *va = pdsi_attr_find(attrs, "values");
    const pdsi_attr *a = NULL;
    if (va && (va->type == PDSI_ATTR_INTS || va->type == PDSI_ATTR_FLOATS) && va->n > 0)
        a = va;
    else if (typed)
        a = pdsi_attr_find(attrs, typed);
    int64_t count = a ? a->n : 0;
    if (a && a->type != PDSI_ATTR_INTS && a->type != PDSI_ATTR_FLOATS)
        return pdsi_fail(err, PDS_ERR_MODEL_FORMAT, "attribute '%s' is not a number list",
                         a->name);
    if (count != numel) {
        if (count == 0 && va && va->type == PDSI_ATTR_OTHER)
            return pdsi_fail(err, PDS_ERR_UNSUPPORTED_OP,
                             "attribute 'values' holds Scalars, which the loader did not "
                             "decode into numbers");
        return pdsi_fail(err, PDS_ERR_MODEL_FORMAT,
                         "assign_value has %lld values for shape of %lld elements",
                         (long long)count, (long long)numel);
    }
    if (count > PDSI_ASSIGN_VALUE_MAX)
        return pdsi_fail(err, PDS_ERR_UNSUPPORTED_OP,
                         "assign_value has %lld values; pdsafe keeps at most %d in an operator",
                         (long long)count, PDSI_ASSIGN_VALUE_MAX);
    p->n = count;
    p->values_are_ints = a && a->type == PDSI_ATTR_INTS;
    for (int64_t i = 0; i < count; i++) {
        if (p->values_are_ints)
            p->v.i[i] = a->ints[i];
        else
            p->v.f[i] = a->floats[i];
    }
    return PDS_OK;
}

static pds_status assign_value_infer(const void *params, const pdsi_slot *in,
                                     const pdsi_slot *out, pds_error *err)
{
    const pdsi_assign_value_params *p = params;
    pdsi_out_set(out, 0, p->dtype, p->rank, p->dims);
    return PDS_OK;
}

static const pdsi_opdef op_assign_value = {
    .id = PDSI_OP_ASSIGN_VALUE,
    .type = "assign_value",
    .family = FAMILY,
    .in = {{NULL, 0}},
    .out = {{"Out", PDSI_SLOT_REQUIRED}},
    .params_size = sizeof(pdsi_assign_value_params),
    .parse = assign_value_parse,
    .infer = assign_value_infer,
};

/* ------------------------------------------------------------------------ */
/* expand_v2, expand_as_v2, tile                                             */
/* ------------------------------------------------------------------------ */

static pds_status expand_parse_as(const pdsi_attrs *attrs, pdsi_expand_kind kind,
                                  const char *name, void *params, pds_error *err)
{
    pdsi_expand_params *p = params;
    p->kind = kind;
    return parse_list(attrs, name, p->v, &p->n, err);
}

static pds_status expand_v2_parse(const pdsi_attrs *attrs, void *params, pds_error *err)
{
    return expand_parse_as(attrs, PDSI_EXPAND_SHAPE, "shape", params, err);
}

static pds_status expand_as_v2_parse(const pdsi_attrs *attrs, void *params, pds_error *err)
{
    return expand_parse_as(attrs, PDSI_EXPAND_AS, "target_shape", params, err);
}

static pds_status tile_parse(const pdsi_attrs *attrs, void *params, pds_error *err)
{
    return expand_parse_as(attrs, PDSI_EXPAND_TILE, "repeat_times", params, err);
}

static pds_status expand_infer(const void *params, const pdsi_slot *in, const pdsi_slot *out,
                               pds_error *err)
{
    const pdsi_tensor *x = pdsi_slot_get(&in[0]);
    pdsi_expand_geom g = {0};
    pds_status st;
    if ((st = check_sized(x, "X", err)))
        return st;
    if ((st = pdsi_expand_resolve(params, in, &g, err)))
        return st;
    if ((st = pdsi_check_out_size(x->dtype, g.rank, g.out_dims, "the expanded shape", err)))
        return st;
    pdsi_out_set(out, 0, x->dtype, g.rank, g.out_dims);
    return PDS_OK;
}

static const pdsi_opdef op_expand_v2 = {
    .id = PDSI_OP_EXPAND_V2,
    .type = "expand_v2",
    .family = FAMILY,
    .in = {{"X", PDSI_SLOT_REQUIRED},
           {"Shape", PDSI_SLOT_OPTIONAL},
           {"expand_shapes_tensor", PDSI_SLOT_LIST | PDSI_SLOT_OPTIONAL}},
    .out = {{"Out", PDSI_SLOT_REQUIRED}},
    .params_size = sizeof(pdsi_expand_params),
    .parse = expand_v2_parse,
    .infer = expand_infer,
    .data_dependent_inputs = (1u << 1) | (1u << 2),
};

/* Y gives only its dims (its values are never read). */
static const pdsi_opdef op_expand_as_v2 = {
    .id = PDSI_OP_EXPAND_AS_V2,
    .type = "expand_as_v2",
    .family = FAMILY,
    .in = {{"X", PDSI_SLOT_REQUIRED}, {"Y", PDSI_SLOT_OPTIONAL}},
    .out = {{"Out", PDSI_SLOT_REQUIRED}},
    .params_size = sizeof(pdsi_expand_params),
    .parse = expand_as_v2_parse,
    .infer = expand_infer,
};

static const pdsi_opdef op_tile = {
    .id = PDSI_OP_TILE,
    .type = "tile",
    .family = FAMILY,
    .in = {{"X", PDSI_SLOT_REQUIRED},
           {"RepeatTimes", PDSI_SLOT_OPTIONAL},
           {"repeat_times_tensor", PDSI_SLOT_LIST | PDSI_SLOT_OPTIONAL}},
    .out = {{"Out", PDSI_SLOT_REQUIRED}},
    .params_size = sizeof(pdsi_expand_params),
    .parse = tile_parse,
    .infer = expand_infer,
    .data_dependent_inputs = (1u << 1) | (1u << 2),
};

/* ------------------------------------------------------------------------ */
/* gather, index_select, gather_nd                                           */
/* ------------------------------------------------------------------------ */

static pds_status gather_parse(const pdsi_attrs *attrs, void *params, pds_error *err)
{
    pdsi_gather_params *p = params;
    p->kind = PDSI_GATHER;
    return pdsi_attr_int(attrs, "axis", 0, &p->axis, err);
}

static pds_status index_select_parse(const pdsi_attrs *attrs, void *params, pds_error *err)
{
    pdsi_gather_params *p = params;
    p->kind = PDSI_GATHER_INDEX_SELECT;
    return pdsi_attr_int(attrs, "dim", 0, &p->axis, err);
}

static pds_status gather_nd_parse(const pdsi_attrs *attrs, void *params, pds_error *err)
{
    pdsi_gather_params *p = params;
    (void)attrs;
    (void)err;
    p->kind = PDSI_GATHER_ND;
    p->axis = 0;
    return PDS_OK;
}

static pds_status take_along_axis_parse(const pdsi_attrs *attrs, void *params, pds_error *err)
{
    pdsi_gather_params *p = params;
    p->kind = PDSI_GATHER_ALONG_AXIS;
    return pdsi_attr_int(attrs, "Axis", 0, &p->axis, err);
}

static pds_status gather_infer(const void *params, const pdsi_slot *in, const pdsi_slot *out,
                               pds_error *err)
{
    const pdsi_tensor *x = pdsi_slot_get(&in[0]);
    pdsi_gather_geom g = {0};
    pds_status st;
    if ((st = check_sized(x, "X", err)))
        return st;
    if ((st = pdsi_gather_resolve(params, in, &g, err)))
        return st;
    if ((st = pdsi_check_out_size(x->dtype, g.out_rank, g.out_dims, "the gathered shape", err)))
        return st;
    pdsi_out_set(out, 0, x->dtype, g.out_rank, g.out_dims);
    return PDS_OK;
}

static const pdsi_opdef op_gather = {
    .id = PDSI_OP_GATHER,
    .type = "gather",
    .family = FAMILY,
    .in = {{"X", PDSI_SLOT_REQUIRED}, {"Index", PDSI_SLOT_REQUIRED}, {"Axis", PDSI_SLOT_OPTIONAL}},
    .out = {{"Out", PDSI_SLOT_REQUIRED}},
    .params_size = sizeof(pdsi_gather_params),
    .parse = gather_parse,
    .infer = gather_infer,
    .data_dependent_inputs = 1u << 2,
};

static const pdsi_opdef op_index_select = {
    .id = PDSI_OP_INDEX_SELECT,
    .type = "index_select",
    .family = FAMILY,
    .in = {{"X", PDSI_SLOT_REQUIRED}, {"Index", PDSI_SLOT_REQUIRED}},
    .out = {{"Out", PDSI_SLOT_REQUIRED}},
    .params_size = sizeof(pdsi_gather_params),
    .parse = index_select_parse,
    .infer = gather_infer,
};

static const pdsi_opdef op_gather_nd = {
    .id = PDSI_OP_GATHER_ND,
    .type = "gather_nd",
    .family = FAMILY,
    .in = {{"X", PDSI_SLOT_REQUIRED}, {"Index", PDSI_SLOT_REQUIRED}},
    .out = {{"Out", PDSI_SLOT_REQUIRED}},
    .params_size = sizeof(pdsi_gather_params),
    .parse = gather_nd_parse,
    .infer = gather_infer,
};

static const pdsi_opdef op_take_along_axis = {
    .id = PDSI_OP_TAKE_ALONG_AXIS,
    .type = "take_along_axis",
    .family = FAMILY,
    .in = {{"Input", PDSI_SLOT_REQUIRED}, {"Index", PDSI_SLOT_REQUIRED}},
    .out = {{"Result", PDSI_SLOT_REQUIRED}},
    .params_size = sizeof(pdsi_gather_params),
    .parse = take_along_axis_parse,
    .infer = gather_infer,
};

const pdsi_opdef *const pdsi_ops_shape[] = {
    &op_reshape2,
    &op_reshape,
    &op_transpose2,
    &op_transpose,
    &op_flatten_contiguous_range,
    &op_flatten2,
    &op_flatten,
    &op_squeeze2,
    &op_squeeze,
    &op_unsqueeze2,
    &op_unsqueeze,
    &op_concat,
    &op_split,
    &op_stack,
    &op_slice,
    &op_strided_slice,
    &op_shape,
    &op_assign,
    &op_cast,
    &op_fill_constant,
    &op_fill_any_like,
    &op_fill_zeros_like,
    &op_assign_value,
    &op_expand_v2,
    &op_expand_as_v2,
    &op_tile,
    &op_gather,
    &op_index_select,
    &op_gather_nd,
    &op_take_along_axis,
    &op_flip,
    &op_share_data,
};
PDSI_OPDEF_TABLE_CHECK(SHAPE, shape);
