/*
 * shape.c — portable reference kernels of the data-movement family, the
 * element conversions of cast, and the geometry that shape inference shares
 * with the kernels.
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
#include "kernels/shape.h"

#include <float.h>
#include <math.h>
#include <string.h>

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
    if (p->n != rank)
        return pdsi_fail(err, PDS_ERR_SHAPE,
                         "attribute 'axis' has %d entries, expected %d (the rank of X)", p->n,
                         rank);
    for (int i = 0; i < rank; i++) {
        int64_t a = p->axis[i] < 0 ? p->axis[i] + rank : p->axis[i];
        if (a < 0 || a >= rank || seen[a])
            return pdsi_fail(err, PDS_ERR_SHAPE,
                             "attribute 'axis' is not a permutation of the %d dims of X: entry "
                             "%d is %lld",
                             rank, i, (long long)p->axis[i]);
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
 * is src[base + sum(i_d * str[d])] (strides in elements, may be negative). */
static void strided_gather(char *dst, const char *src, int rank, const int64_t *cnt,
                           const int64_t *str, int64_t base, size_t es)
{
    int64_t idx[PDSI_MAX_RANK] = {0};
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
