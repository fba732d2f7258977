/*
 * elementwise.c — the reference kernel of the binary element-wise operators,
 * on the broadcasting plan of ops/elementwise.c.
 *
 * The kernel first simplifies the broadcast: dims of size 1 are dropped and
 * neighbouring dims that broadcast the same way in X and in Y are merged, so
 * that a per-channel bias add X[N,C,H,W] + Y[C] becomes [N, C, H*W] with Y
 * constant along the innermost run. It then walks the outer dims with an
 * odometer and hands each innermost run to a row function specialised for
 * "both operands advance", "Y is constant", "X is constant". Those rows are
 * plain loops the compiler vectorises.
 *
 * Integer arithmetic follows Paddle's CPU functors: add, sub and mul wrap,
 * div truncates, floordiv and mod round toward negative infinity (the
 * remainder takes the divisor's sign), pow goes through double. The cases
 * where C itself would trap or be undefined (INT_MIN / -1, out-of-range
 * double -> int) are given the value x86 hardware produces for Paddle.
 */
#include "kernels/ref/ref.h"
#include "ops/elementwise.h"

#include <math.h>
#include <stdint.h>
#include <string.h>

/* ---- the alignment rules ------------------------------------------------- */

/* ---- scalar operations --------------------------------------------------- */

static inline float f_max(float a, float b)
{
    if (isnan(a))
        return a;
    if (isnan(b))
        return b;
    return a > b ? a : b;
}

static inline float f_min(float a, float b)
{
    if (isnan(a))
        return a;
    if (isnan(b))
        return b;
    return a < b ? a : b;
}

/* Python's float floor division as Paddle computes it: from fmod, so that
 * q * b + mod == a holds as closely as rounding allows, and with the signed
 * zero of a / b. */
static inline float f_floordiv(float a, float b)
{
    if (b == 0.0f)
        return a / b;
    float mod = fmodf(a, b);
    float div = (a - mod) / b;
    if (mod != 0.0f && (b < 0.0f) != (mod < 0.0f))
        div -= 1.0f;
    if (div == 0.0f)
        return copysignf(0.0f, a / b);
    float fl = floorf(div);
    if (div - fl > 0.5f)
        fl += 1.0f;
    return fl;
}

static inline float f_mod(float a, float b)
{
    float r = fmodf(a, b);
    if (r != 0.0f && (r < 0.0f) != (b < 0.0f))
        r += b;
    return r;
}

/* Integer helpers, instantiated for int32_t and int64_t. Division by zero
 * never reaches them (the kernel checks Y first). */
#define INT_HELPERS(T, U, TMIN, TMAX, SUF)                                                    \
    static inline T add_##SUF(T a, T b) { return (T)((U)a + (U)b); }                        \
    static inline T sub_##SUF(T a, T b) { return (T)((U)a - (U)b); }                        \
    static inline T mul_##SUF(T a, T b) { return (T)((U)a * (U)b); }                        \
    static inline T div_##SUF(T a, T b) { return (a == TMIN && b == -1) ? TMIN : a / b; }   \
    static inline T rem_##SUF(T a, T b) { return b == -1 ? 0 : a % b; }                     \
    static inline T floordiv_##SUF(T a, T b)                                                 \
    {                                                                                        \
        T q = div_##SUF(a, b), r = rem_##SUF(a, b);                                          \
        return (r != 0 && (r < 0) != (b < 0)) ? (T)(q - 1) : q;                              \
    }                                                                                        \
    static inline T mod_##SUF(T a, T b)                                                      \
    {                                                                                        \
        T r = rem_##SUF(a, b);                                                               \
        return (r != 0 && (r < 0) != (b < 0)) ? (T)(r + b) : r;                              \
    }                                                                                        \
    static inline T max_##SUF(T a, T b) { return a > b ? a : b; }                           \
    static inline T min_##SUF(T a, T b) { return a < b ? a : b; }                           \
    static inline T pow_##SUF(T a, T b)                                                      \
    {                                                                                        \
        if (a == 0 && b < 0)                                                                 \
            return 0;                                                                        \
        double v = pow((double)a, (double)b);                                                \
        /* x86 truncation: out of range or NaN gives the minimum value */                    \
        if (!(v > (double)TMIN - 1.0 && v < -(double)TMIN))                                  \
            return TMIN;                                                                     \
        return (T)v;                                                                         \
    }

INT_HELPERS(int32_t, uint32_t, INT32_MIN, INT32_MAX, i32)
INT_HELPERS(int64_t, uint64_t, INT64_MIN, INT64_MAX, i64)

/* ---- row functions ------------------------------------------------------- */

/* o[i] = op(x[i*sx], y[i*sy]) for i < n, with sx and sy each 0 or 1. */
typedef void (*row_fn)(void *o, const void *x, int64_t sx, const void *y, int64_t sy, int64_t n);

#define DEF_ROW(name, T, expr)                                                                \
    static void name(void *o_, const void *x_, int64_t sx, const void *y_, int64_t sy,       \
                     int64_t n)                                                               \
    {                                                                                         \
        T *o = o_;                                                                            \
        const T *x = x_, *y = y_;                                                             \
        if (sx && sy) {                                                                       \
            for (int64_t i = 0; i < n; i++) {                                                 \
                T a = x[i], b = y[i];                                                         \
                o[i] = (expr);                                                                \
            }                                                                                 \
        } else if (sx) {                                                                      \
            const T b = y[0];                                                                 \
            for (int64_t i = 0; i < n; i++) {                                                 \
                T a = x[i];                                                                   \
                o[i] = (expr);                                                                \
            }                                                                                 \
        } else if (sy) {                                                                      \
            const T a = x[0];                                                                 \
            for (int64_t i = 0; i < n; i++) {                                                 \
                T b = y[i];                                                                   \
                o[i] = (expr);                                                                \
            }                                                                                 \
        } else {                                                                              \
            const T a = x[0], b = y[0];                                                       \
            const T v = (expr);                                                               \
            for (int64_t i = 0; i < n; i++)                                                   \
                o[i] = v;                                                                     \
        }                                                                                     \
    }

DEF_ROW(add_f32_row, float, a + b)
DEF_ROW(sub_f32_row, float, a - b)
DEF_ROW(mul_f32_row, float, a * b)
DEF_ROW(div_f32_row, float, a / b)
DEF_ROW(max_f32_row, float, f_max(a, b))
DEF_ROW(min_f32_row, float, f_min(a, b))
DEF_ROW(pow_f32_row, float, powf(a, b))
DEF_ROW(floordiv_f32_row, float, f_floordiv(a, b))
DEF_ROW(mod_f32_row, float, f_mod(a, b))

#define DEF_INT_ROWS(T, SUF)                                                                  \
    DEF_ROW(add_##SUF##_row, T, add_##SUF(a, b))                                              \
    DEF_ROW(sub_##SUF##_row, T, sub_##SUF(a, b))                                              \
    DEF_ROW(mul_##SUF##_row, T, mul_##SUF(a, b))                                              \
    DEF_ROW(div_##SUF##_row, T, div_##SUF(a, b))                                              \
    DEF_ROW(max_##SUF##_row, T, max_##SUF(a, b))                                              \
    DEF_ROW(min_##SUF##_row, T, min_##SUF(a, b))                                              \
    DEF_ROW(pow_##SUF##_row, T, pow_##SUF(a, b))                                              \
    DEF_ROW(floordiv_##SUF##_row, T, floordiv_##SUF(a, b))                                    \
    DEF_ROW(mod_##SUF##_row, T, mod_##SUF(a, b))

DEF_INT_ROWS(int32_t, i32)
DEF_INT_ROWS(int64_t, i64)

/* Indexed by pdsi_binary_kind, then float32 / int32 / int64. */
static const row_fn rows[PDSI_BINARY_COUNT_][3] = {
    [PDSI_BINARY_ADD] = {add_f32_row, add_i32_row, add_i64_row},
    [PDSI_BINARY_SUB] = {sub_f32_row, sub_i32_row, sub_i64_row},
    [PDSI_BINARY_MUL] = {mul_f32_row, mul_i32_row, mul_i64_row},
    [PDSI_BINARY_DIV] = {div_f32_row, div_i32_row, div_i64_row},
    [PDSI_BINARY_MAX] = {max_f32_row, max_i32_row, max_i64_row},
    [PDSI_BINARY_MIN] = {min_f32_row, min_i32_row, min_i64_row},
    [PDSI_BINARY_POW] = {pow_f32_row, pow_i32_row, pow_i64_row},
    [PDSI_BINARY_FLOORDIV] = {floordiv_f32_row, floordiv_i32_row, floordiv_i64_row},
    [PDSI_BINARY_MOD] = {mod_f32_row, mod_i32_row, mod_i64_row},
};

/* ---- the broadcast walk -------------------------------------------------- */

/* esz: bytes per element of X and Y; osz: of Out. */
static void walk(row_fn fn, size_t esz, size_t osz, const pdsi_bcast *plan, const char *x,
                 const char *y, char *o)
{
    /* Collapse: drop size-1 output dims, merge neighbours that broadcast the
     * same way in both operands. xf/yf: the operand spans this dim. */
    int64_t od[PDSI_MAX_RANK];
    bool xf[PDSI_MAX_RANK], yf[PDSI_MAX_RANK];
    int r = 0;
    for (int i = 0; i < plan->rank; i++) {
        if (plan->out[i] == 1)
            continue;
        bool xi = plan->x[i] != 1, yi = plan->y[i] != 1;
        if (r > 0 && xf[r - 1] == xi && yf[r - 1] == yi) {
            od[r - 1] *= plan->out[i];
        } else {
            od[r] = plan->out[i];
            xf[r] = xi;
            yf[r] = yi;
            r++;
        }
    }
    if (r == 0) {
        fn(o, x, 1, y, 1, 1);
        return;
    }

    /* Element strides of each collapsed dim in X and Y (0 where broadcast). */
    int64_t xs[PDSI_MAX_RANK], ys[PDSI_MAX_RANK];
    int64_t xacc = 1, yacc = 1;
    for (int i = r - 1; i >= 0; i--) {
        xs[i] = xf[i] ? xacc : 0;
        ys[i] = yf[i] ? yacc : 0;
        if (xf[i])
            xacc *= od[i];
        if (yf[i])
            yacc *= od[i];
    }

    int64_t inner = od[r - 1];
    int64_t sx = xf[r - 1] ? 1 : 0, sy = yf[r - 1] ? 1 : 0;
    int64_t idx[PDSI_MAX_RANK] = {0};
    int64_t xo = 0, yo = 0;
    for (;;) {
        fn(o, x + (size_t)xo * esz, sx, y + (size_t)yo * esz, sy, inner);
        o += (size_t)inner * osz;
        /* Advance the odometer over dims [0, r-1). */
        int d = r - 2;
        for (; d >= 0; d--) {
            xo += xs[d];
            yo += ys[d];
            if (++idx[d] < od[d])
                break;
            xo -= xs[d] * od[d];
            yo -= ys[d] * od[d];
            idx[d] = 0;
        }
        if (d < 0)
            return;
    }
}

static bool has_zero(const pdsi_tensor *t)
{
    int64_t n = pdsi_tensor_numel(t);
    if (t->dtype == PDS_INT32) {
        const int32_t *v = t->data;
        for (int64_t i = 0; i < n; i++)
            if (v[i] == 0)
                return true;
    } else if (t->dtype == PDS_INT64) {
        const int64_t *v = t->data;
        for (int64_t i = 0; i < n; i++)
            if (v[i] == 0)
                return true;
    }
    return false;
}

pds_status pdsi_ref_binary(const void *params, const pdsi_slot *in, const pdsi_slot *out,
                           pdsi_exec *ex, pds_error *err)
{
    (void)ex;
    const pdsi_binary_params *p = params;
    const pdsi_tensor *tx = pdsi_slot_get(&in[0]);
    const pdsi_tensor *ty = pdsi_slot_get(&in[1]);
    pdsi_tensor *to = pdsi_slot_get(&out[0]);
    pdsi_bcast plan;
    pds_status st = pdsi_bcast_plan(tx->dims, tx->rank, ty->dims, ty->rank, p->axis, &plan, err);
    if (st)
        return st;
    int di = tx->dtype == PDS_FLOAT32 ? 0
             : tx->dtype == PDS_INT32 ? 1
             : tx->dtype == PDS_INT64 ? 2
                                      : -1;
    if (di < 0 || ty->dtype != tx->dtype || (unsigned)p->kind >= PDSI_BINARY_COUNT_)
        return pdsi_fail(err, PDS_ERR_INTERNAL, "binary kernel: unexpected dtypes %s, %s",
                         pds_dtype_name(tx->dtype), pds_dtype_name(ty->dtype));
    if (pdsi_tensor_numel(to) == 0)
        return PDS_OK;
    if (di > 0 &&
        (p->kind == PDSI_BINARY_DIV || p->kind == PDSI_BINARY_FLOORDIV ||
         p->kind == PDSI_BINARY_MOD) &&
        has_zero(ty))
        return pdsi_fail(err, PDS_ERR_INVALID_ARGUMENT,
                         "integer division by zero: input 'Y' contains 0");
    size_t esz = pds_dtype_size(tx->dtype);
    walk(rows[p->kind][di], esz, esz, &plan, tx->data, ty->data, to->data);
    return PDS_OK;
}

/* ---- comparisons and logical operators ----------------------------------- */

/* Like DEF_ROW, with Out of another element type. */
#define DEF_ROW2(name, T, OT, expr)                                                           \
    static void name(void *o_, const void *x_, int64_t sx, const void *y_, int64_t sy,       \
                     int64_t n)                                                               \
    {                                                                                         \
        OT *o = o_;                                                                           \
        const T *x = x_, *y = y_;                                                             \
        for (int64_t i = 0; i < n; i++) {                                                     \
            T a = x[i * sx], b = y[i * sy];                                                   \
            o[i] = (OT)(expr);                                                                \
        }                                                                                     \
    }

#define DEF_CMP_ROWS(T, SUF)                                                                  \
    DEF_ROW2(eq_##SUF##_row, T, uint8_t, a == b)                                              \
    DEF_ROW2(ne_##SUF##_row, T, uint8_t, a != b)                                              \
    DEF_ROW2(lt_##SUF##_row, T, uint8_t, a < b)                                               \
    DEF_ROW2(le_##SUF##_row, T, uint8_t, a <= b)                                              \
    DEF_ROW2(gt_##SUF##_row, T, uint8_t, a > b)                                               \
    DEF_ROW2(ge_##SUF##_row, T, uint8_t, a >= b)                                              \
    DEF_ROW2(and_##SUF##_row, T, uint8_t, (a != 0) && (b != 0))                               \
    DEF_ROW2(or_##SUF##_row, T, uint8_t, (a != 0) || (b != 0))                                \
    DEF_ROW2(xor_##SUF##_row, T, uint8_t, (a != 0) != (b != 0))

DEF_CMP_ROWS(float, f32)
DEF_CMP_ROWS(int32_t, i32)
DEF_CMP_ROWS(int64_t, i64)
DEF_CMP_ROWS(uint8_t, b8)

#define CMP_ROWS(op) {op##_f32_row, op##_i32_row, op##_i64_row, op##_b8_row}
/* Indexed by pdsi_compare_kind (but NOT), then float32 / int32 / int64 / bool. */
static const row_fn cmp_rows[PDSI_LOGIC_NOT][4] = {
    [PDSI_CMP_EQ] = CMP_ROWS(eq),      [PDSI_CMP_NE] = CMP_ROWS(ne),
    [PDSI_CMP_LT] = CMP_ROWS(lt),      [PDSI_CMP_LE] = CMP_ROWS(le),
    [PDSI_CMP_GT] = CMP_ROWS(gt),      [PDSI_CMP_GE] = CMP_ROWS(ge),
    [PDSI_LOGIC_AND] = CMP_ROWS(and),  [PDSI_LOGIC_OR] = CMP_ROWS(or),
    [PDSI_LOGIC_XOR] = CMP_ROWS(xor),
};

static int cmp_dtype_index(pds_dtype d)
{
    return d == PDS_FLOAT32 ? 0 : d == PDS_INT32 ? 1 : d == PDS_INT64 ? 2 : d == PDS_BOOL ? 3 : -1;
}

/* Out = X is zero, for logical_not, in any dtype of the comparisons. */
static void logical_not(const pdsi_tensor *tx, uint8_t *o)
{
    int64_t n = pdsi_tensor_numel(tx);
    switch (tx->dtype) {
    case PDS_FLOAT32: {
        const float *x = tx->data;
        for (int64_t i = 0; i < n; i++)
            o[i] = x[i] == 0.0f;
        break;
    }
    case PDS_INT32: {
        const int32_t *x = tx->data;
        for (int64_t i = 0; i < n; i++)
            o[i] = x[i] == 0;
        break;
    }
    case PDS_INT64: {
        const int64_t *x = tx->data;
        for (int64_t i = 0; i < n; i++)
            o[i] = x[i] == 0;
        break;
    }
    default: {
        const uint8_t *x = tx->data;
        for (int64_t i = 0; i < n; i++)
            o[i] = x[i] == 0;
        break;
    }
    }
}

pds_status pdsi_ref_compare(const void *params, const pdsi_slot *in, const pdsi_slot *out,
                            pdsi_exec *ex, pds_error *err)
{
    (void)ex;
    const pdsi_compare_params *p = params;
    const pdsi_tensor *tx = pdsi_slot_get(&in[0]);
    pdsi_tensor *to = pdsi_slot_get(&out[0]);
    int di = cmp_dtype_index(tx->dtype);
    if (di < 0 || (unsigned)p->kind >= PDSI_COMPARE_COUNT_ || to->dtype != PDS_BOOL)
        return pdsi_fail(err, PDS_ERR_INTERNAL, "compare kernel: unexpected dtypes %s -> %s",
                         pds_dtype_name(tx->dtype), pds_dtype_name(to->dtype));
    if (pdsi_tensor_numel(to) == 0)
        return PDS_OK;
    if (p->kind == PDSI_LOGIC_NOT) {
        logical_not(tx, to->data);
        return PDS_OK;
    }
    const pdsi_tensor *ty = pdsi_slot_get(&in[1]);
    if (ty->dtype != tx->dtype)
        return pdsi_fail(err, PDS_ERR_INTERNAL, "compare kernel: X is %s, Y %s",
                         pds_dtype_name(tx->dtype), pds_dtype_name(ty->dtype));
    pdsi_bcast plan;
    pds_status st = pdsi_bcast_plan(tx->dims, tx->rank, ty->dims, ty->rank, p->axis, &plan, err);
    if (st)
        return st;
    walk(cmp_rows[p->kind][di], pds_dtype_size(tx->dtype), 1, &plan, tx->data, ty->data,
         to->data);
    return PDS_OK;
}

/* where: an odometer over the output with each input's element strides (0
 * along its broadcast dims); elements are copied as bytes, any dtype. */
pds_status pdsi_ref_where(const void *params, const pdsi_slot *in, const pdsi_slot *out,
                          pdsi_exec *ex, pds_error *err)
{
    (void)params;
    (void)ex;
    const pdsi_tensor *t[3] = {pdsi_slot_get(&in[0]), pdsi_slot_get(&in[1]),
                               pdsi_slot_get(&in[2])};
    pdsi_tensor *to = pdsi_slot_get(&out[0]);
    if (!t[0] || !t[1] || !t[2] || !to) /* required slots: shape inference saw them */
        return pdsi_fail(err, PDS_ERR_INTERNAL, "where: a required input or output is missing");
    int64_t dims[PDSI_MAX_RANK] = {0};
    int rank = 0;
    pds_status st = pdsi_where_shape(t[0], t[1], t[2], dims, &rank, err);
    if (st)
        return st;
    int64_t n = pdsi_tensor_numel(to);
    if (n == 0)
        return PDS_OK;
    /* strides[k][d]: elements of input k per step of output dim d */
    int64_t strides[3][PDSI_MAX_RANK];
    for (int k = 0; k < 3; k++) {
        int64_t acc = 1;
        for (int d = rank - 1; d >= 0; d--) {
            int kd = d - (rank - t[k]->rank);
            int64_t dim = kd >= 0 ? t[k]->dims[kd] : 1;
            strides[k][d] = dim == 1 ? 0 : acc;
            acc *= dim;
        }
    }
    size_t esz = pds_dtype_size(to->dtype);
    const uint8_t *c = t[0]->data;
    const char *x = t[1]->data, *y = t[2]->data;
    char *o = to->data;
    int64_t idx[PDSI_MAX_RANK] = {0};
    int64_t off[3] = {0, 0, 0};
    for (int64_t i = 0; i < n; i++) {
        const char *src = c[off[0]] ? x + (size_t)off[1] * esz : y + (size_t)off[2] * esz;
        memcpy(o + (size_t)i * esz, src, esz);
        for (int d = rank - 1; d >= 0; d--) {
            for (int k = 0; k < 3; k++)
                off[k] += strides[k][d];
            if (++idx[d] < dims[d])
                break;
            for (int k = 0; k < 3; k++)
                off[k] -= strides[k][d] * dims[d];
            idx[d] = 0;
        }
    }
    return PDS_OK;
}

/* ---- bitwise_and ---------------------------------------------------------- */

DEF_ROW2(bitand_i32_row, int32_t, int32_t, a & b)
DEF_ROW2(bitand_i64_row, int64_t, int64_t, a & b)

pds_status pdsi_ref_bitwise(const void *params, const pdsi_slot *in, const pdsi_slot *out,
                            pdsi_exec *ex, pds_error *err)
{
    (void)params;
    (void)ex;
    const pdsi_tensor *tx = pdsi_slot_get(&in[0]);
    const pdsi_tensor *ty = pdsi_slot_get(&in[1]);
    pdsi_tensor *to = pdsi_slot_get(&out[0]);
    /* bool: both true, as logical_and (a bool byte other than 0 or 1 is true) */
    row_fn fn = tx->dtype == PDS_BOOL    ? and_b8_row
                : tx->dtype == PDS_INT32 ? bitand_i32_row
                : tx->dtype == PDS_INT64 ? bitand_i64_row
                                         : NULL;
    if (!fn || ty->dtype != tx->dtype || to->dtype != tx->dtype)
        return pdsi_fail(err, PDS_ERR_INTERNAL, "bitwise_and kernel: unexpected dtypes %s, %s -> %s",
                         pds_dtype_name(tx->dtype), pds_dtype_name(ty->dtype),
                         pds_dtype_name(to->dtype));
    if (pdsi_tensor_numel(to) == 0)
        return PDS_OK;
    pdsi_bcast plan;
    pds_status st = pdsi_bcast_plan(tx->dims, tx->rank, ty->dims, ty->rank, -1, &plan, err);
    if (st)
        return st;
    size_t esz = pds_dtype_size(tx->dtype);
    walk(fn, esz, esz, &plan, tx->data, ty->data, to->data);
    return PDS_OK;
}

/* ---- kernels by operator (ops/op_list.h order) ------------------------- */

const pdsi_ref_binding pdsi_ref_elementwise_kernels[] = {
    {PDSI_OP_ELEMENTWISE_ADD, pdsi_ref_binary},
    {PDSI_OP_ELEMENTWISE_SUB, pdsi_ref_binary},
    {PDSI_OP_ELEMENTWISE_MUL, pdsi_ref_binary},
    {PDSI_OP_ELEMENTWISE_DIV, pdsi_ref_binary},
    {PDSI_OP_ELEMENTWISE_MAX, pdsi_ref_binary},
    {PDSI_OP_ELEMENTWISE_MIN, pdsi_ref_binary},
    {PDSI_OP_ELEMENTWISE_POW, pdsi_ref_binary},
    {PDSI_OP_ELEMENTWISE_FLOORDIV, pdsi_ref_binary},
    {PDSI_OP_ELEMENTWISE_MOD, pdsi_ref_binary},
    {PDSI_OP_EQUAL, pdsi_ref_compare},
    {PDSI_OP_NOT_EQUAL, pdsi_ref_compare},
    {PDSI_OP_LESS_THAN, pdsi_ref_compare},
    {PDSI_OP_LESS_EQUAL, pdsi_ref_compare},
    {PDSI_OP_GREATER_THAN, pdsi_ref_compare},
    {PDSI_OP_GREATER_EQUAL, pdsi_ref_compare},
    {PDSI_OP_LOGICAL_AND, pdsi_ref_compare},
    {PDSI_OP_LOGICAL_OR, pdsi_ref_compare},
    {PDSI_OP_LOGICAL_XOR, pdsi_ref_compare},
    {PDSI_OP_LOGICAL_NOT, pdsi_ref_compare},
    {PDSI_OP_WHERE, pdsi_ref_where},
    {PDSI_OP_BITWISE_AND, pdsi_ref_bitwise},
};
PDSI_REF_TABLE_CHECK(ELEMENTWISE, elementwise);
