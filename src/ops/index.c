/*
 * index.c — parse and shape inference for the index family: lookup_table_v2,
 * one_hot_v2, range, linspace, fill_constant_batch_size_like, meshgrid, roll
 * and set_value.
 *
 * Slots and attributes are those of Paddle's legacy op definitions, and the
 * semantics those of Paddle 3.3's CPU kernels, checked op by op against the
 * paddlepaddle wheel (tests/test_ops_index.c, fixture op_index). Where an
 * output's size comes from a tensor (range's Start/End/Step, linspace's Num,
 * one_hot's depth_tensor, set_value's StartsTensorList...), infer reads its
 * values through the resolve functions of ops/index.h, which the kernels
 * call again.
 */
#include <float.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "ops/index.h"
#include "ops/opdef.h"
#include "ops/shape.h"

#define FAMILY "index"

/* ------------------------------------------------------------------------ */
/* helpers                                                                   */
/* ------------------------------------------------------------------------ */

/* A dtype attribute holding a Paddle VarType number; absent: dflt. */
static pds_status parse_vartype(const pdsi_attrs *attrs, const char *name, pds_dtype dflt,
                                pds_dtype *out, pds_error *err)
{
    int64_t vt;
    pds_status st;
    *out = dflt;
    if (!pdsi_attr_find(attrs, name))
        return PDS_OK;
    if ((st = pdsi_attr_int(attrs, name, -1, &vt, err)))
        return st;
    if (!pdsi_shape_dtype_from_vartype(vt, out))
        return pdsi_fail(err, PDS_ERR_MODEL_FORMAT, "attribute '%s' is %lld, not a Paddle "
                         "dtype pdsafe knows (VarType BOOL 0 ... BF16 22)", name, (long long)vt);
    return PDS_OK;
}

static bool is_numeric(pds_dtype dt)
{
    return dt == PDS_INT32 || dt == PDS_INT64 || dt == PDS_FLOAT32 || dt == PDS_FLOAT64;
}

/* The single element of a one-element numeric input slot. */
static pds_status one_value(const pdsi_slot *s, const char *op, const char *what,
                            const pdsi_tensor **out, pds_error *err)
{
    const pdsi_tensor *t = pdsi_slot_get(s);
    char b[160];
    int64_t numel;
    if (!t)
        return pdsi_fail(err, PDS_ERR_INTERNAL, "%s: input '%s' is missing", op, what);
    if (!is_numeric(t->dtype))
        return pdsi_fail(err, PDS_ERR_DTYPE, "%s: input '%s' is %s, expected int32, int64, "
                         "float32 or float64", op, what, pds_dtype_name(t->dtype));
    if (!pdsi_shape_numel(t->dims, t->rank, &numel) || numel != 1)
        return pdsi_fail(err, PDS_ERR_SHAPE, "%s: input '%s' has shape %s, expected one element",
                         op, what, pdsi_dims_str(t->dims, t->rank, b, sizeof b));
    if (!t->data)
        return pdsi_fail(err, PDS_ERR_INTERNAL, "%s: input '%s' has no data", op, what);
    *out = t;
    return PDS_OK;
}

/* Element 0 of t converted to dtype dt as Paddle's cast does, returned both
 * as an integer and as a double (the one that fits dt is exact). */
static void cast_scalar(const pdsi_tensor *t, pds_dtype dt, int64_t *iv, double *fv)
{
    unsigned char buf[8] = {0};
    if (pdsi_dtype_is_float(t->dtype))
        pdsi_elem_set_f64(buf, dt, 0, pdsi_elem_get_f64(t->data, t->dtype, 0));
    else
        pdsi_elem_set_i64(buf, dt, 0, pdsi_elem_get_i64(t->data, t->dtype, 0));
    *iv = pdsi_elem_get_i64(buf, dt, 0);
    *fv = pdsi_elem_get_f64(buf, dt, 0);
}

/* ------------------------------------------------------------------------ */
/* shape rules (ops/index.h), shared with the kernels                        */
/* ------------------------------------------------------------------------ */

/* Largest sequence length accepted before the byte-size check: keeps the
 * float -> int64 conversion of range's size defined. */
#define SEQ_MAX_N 4611686018427387904.0 /* 2^62 */

static pds_status range_resolve(pds_dtype dt, const pdsi_slot *in, pdsi_seq_geom *g,
                                pds_error *err)
{
    const pdsi_tensor *ts[3];
    static const char *const names[] = {"Start", "End", "Step"};
    int64_t iv[3];
    double fv[3];
    pds_status st;
    for (int k = 0; k < 3; k++) {
        if ((st = one_value(&in[k], "range", names[k], &ts[k], err)))
            return st;
        cast_scalar(ts[k], dt, &iv[k], &fv[k]);
    }
    g->dtype = dt;
    if (!pdsi_dtype_is_float(dt)) {
        int64_t s = iv[0], e = iv[1], d = iv[2];
        if (d == 0)
            return pdsi_fail(err, PDS_ERR_SHAPE, "range: input 'Step' is 0, expected a non-zero "
                             "step");
        g->i0 = s;
        g->di = d;
        if ((s < e && d < 0) || (s > e && d > 0)) {
            g->n = 0;
            return PDS_OK;
        }
        uint64_t diff = s < e ? (uint64_t)e - (uint64_t)s : (uint64_t)s - (uint64_t)e;
        uint64_t ad = d < 0 ? 0 - (uint64_t)d : (uint64_t)d;
        uint64_t n = diff / ad + (diff % ad != 0);
        if (n > (uint64_t)INT64_MAX)
            return pdsi_fail(err, PDS_ERR_SHAPE, "range: %lld to %lld by %lld has too many "
                             "elements", (long long)s, (long long)e, (long long)d);
        g->n = (int64_t)n;
        return PDS_OK;
    }
    double n;
    if (dt == PDS_FLOAT32) {
        float s = (float)fv[0], e = (float)fv[1], d = (float)fv[2];
        if (!isfinite(s) || !isfinite(e))
            return pdsi_fail(err, PDS_ERR_SHAPE, "range: start %g and end %g must be finite",
                             (double)s, (double)e);
        if (d == 0.0f)
            return pdsi_fail(err, PDS_ERR_SHAPE, "range: input 'Step' is 0, expected a non-zero "
                             "step");
        float q = (e - s) / d;
        n = ((s < e && d < 0) || (s > e && d > 0)) ? 0.0 : (double)ceilf(fabsf(q));
    } else {
        double s = fv[0], e = fv[1], d = fv[2];
        if (!isfinite(s) || !isfinite(e))
            return pdsi_fail(err, PDS_ERR_SHAPE, "range: start %g and end %g must be finite", s,
                             e);
        if (d == 0.0)
            return pdsi_fail(err, PDS_ERR_SHAPE, "range: input 'Step' is 0, expected a non-zero "
                             "step");
        n = ((s < e && d < 0) || (s > e && d > 0)) ? 0.0 : ceil(fabs((e - s) / d));
    }
    if (!(n < SEQ_MAX_N))
        return pdsi_fail(err, PDS_ERR_SHAPE, "range: %g to %g by %g has too many elements",
                         fv[0], fv[1], fv[2]);
    g->n = (int64_t)n;
    g->f0 = fv[0];
    g->df = fv[2];
    return PDS_OK;
}

static pds_status linspace_resolve(pds_dtype dt, const pdsi_slot *in, pdsi_seq_geom *g,
                                   pds_error *err)
{
    const pdsi_tensor *ts, *te, *tn;
    pds_status st;
    if ((st = one_value(&in[0], "linspace", "Start", &ts, err)) ||
        (st = one_value(&in[1], "linspace", "Stop", &te, err)) ||
        (st = one_value(&in[2], "linspace", "Num", &tn, err)))
        return st;
    if (pdsi_dtype_is_float(tn->dtype))
        return pdsi_fail(err, PDS_ERR_DTYPE, "linspace: input 'Num' is %s, expected int32 or "
                         "int64", pds_dtype_name(tn->dtype));
    int64_t num = pdsi_elem_get_i64(tn->data, tn->dtype, 0);
    if (num < 0)
        return pdsi_fail(err, PDS_ERR_SHAPE, "linspace: input 'Num' is %lld, expected a count "
                         ">= 0", (long long)num);
    g->dtype = dt;
    g->n = num;
    cast_scalar(ts, dt, &g->i0, &g->f0);
    cast_scalar(te, dt, &g->i1, &g->stop);
    return PDS_OK;
}

pds_status pdsi_seq_resolve(const pdsi_seq_params *p, int kind, const pdsi_slot *in,
                            pdsi_seq_geom *g, pds_error *err)
{
    const char *op = kind ? "linspace" : "range";
    pds_dtype dt = p->dtype;
    if (dt == PDS_DTYPE_UNKNOWN) {
        const pdsi_tensor *s = pdsi_slot_get(&in[0]);
        if (!s)
            return pdsi_fail(err, PDS_ERR_INTERNAL, "%s: input 'Start' is missing", op);
        dt = s->dtype;
    }
    if (!is_numeric(dt))
        return pdsi_fail(err, PDS_ERR_DTYPE, "%s: output dtype %s is not supported (int32, "
                         "int64, float32 or float64)", op, pds_dtype_name(dt));
    memset(g, 0, sizeof *g);
    return kind ? linspace_resolve(dt, in, g, err) : range_resolve(dt, in, g, err);
}

pds_status pdsi_one_hot_depth(const pdsi_one_hot_params *p, const pdsi_slot *in,
                              int64_t *depth, pds_error *err)
{
    *depth = p->depth;
    if (in[1].n > 0) {
        const pdsi_tensor *t;
        pds_status st;
        if ((st = one_value(&in[1], "one_hot_v2", "depth_tensor", &t, err)))
            return st;
        if (pdsi_dtype_is_float(t->dtype))
            return pdsi_fail(err, PDS_ERR_DTYPE, "one_hot_v2: input 'depth_tensor' is %s, "
                             "expected int32 or int64", pds_dtype_name(t->dtype));
        *depth = pdsi_elem_get_i64(t->data, t->dtype, 0);
    }
    if (*depth < 1)
        return pdsi_fail(err, PDS_ERR_SHAPE, "one_hot_v2: depth is %lld, expected at least 1",
                         (long long)*depth);
    return PDS_OK;
}

pds_status pdsi_roll_resolve(const pdsi_roll_params *p, const pdsi_slot *in, pdsi_roll_geom *g,
                             pds_error *err)
{
    const pdsi_tensor *x = pdsi_slot_get(&in[0]);
    int64_t shifts[PDSI_INDEX_MAX_LIST];
    int n = p->n_shifts;
    char b[160];
    pds_status st;
    if (!x)
        return pdsi_fail(err, PDS_ERR_INTERNAL, "roll: input 'X' is missing");
    memset(g, 0, sizeof *g);
    if (in[1].n > 0) {
        if ((st = pdsi_shape_read_ints(&in[1], "ShiftsTensor", shifts, PDSI_INDEX_MAX_LIST, &n,
                                       err)))
            return st;
    } else {
        memcpy(shifts, p->shifts, sizeof *shifts * (size_t)n);
    }
    pdsi_dims_str(x->dims, x->rank, b, sizeof b);
    if (p->n_axis == 0) {
        if (n != 1)
            return pdsi_fail(err, PDS_ERR_SHAPE, "roll: %d shifts without an axis, expected one "
                             "(the tensor is rolled as if flat)", n);
        int64_t numel = pdsi_tensor_numel(x);
        g->flat = true;
        g->shift[0] = numel ? ((shifts[0] % numel) + numel) % numel : 0;
        return PDS_OK;
    }
    if (n != p->n_axis)
        return pdsi_fail(err, PDS_ERR_SHAPE, "roll: %d shifts for %d axes, expected one per axis",
                         n, p->n_axis);
    for (int k = 0; k < n; k++) {
        int64_t a = p->axis[k];
        if (a < -x->rank || a >= x->rank)
            return pdsi_fail(err, PDS_ERR_SHAPE, "roll: axis %lld is out of range for X %s of "
                             "rank %d", (long long)a, b, x->rank);
        if (a < 0)
            a += x->rank;
        int64_t size = x->dims[a];
        if (size > 0)
            g->shift[a] = (g->shift[a] + (shifts[k] % size) + size) % size;
    }
    return PDS_OK;
}

/* Paddle's normalisation of one slice interval (phi's normalize_interval, as
 * set_value's CheckAndUpdateSliceAttrs uses it): the first index and count
 * of start:end:step on a dim of size d. */
static void slice_interval(int64_t st, int64_t ed, int64_t step, int64_t d, int64_t *first,
                           int64_t *count)
{
    *first = 0;
    *count = 0;
    if (d <= 0)
        return;
    if (step > 0) {
        if (st >= d || ed <= -d)
            return;
        if (st >= -d && st < 0)
            st += d;
        if (st < 0)
            st = 0;
        if (ed >= -d && ed < 0)
            ed += d;
        if (ed > d)
            ed = d;
        if (st >= ed)
            return;
        *first = st;
        *count = (ed - st + step - 1) / step;
        return;
    }
    if (st <= -d - 1 || ed >= d - 1)
        return;
    if (st >= -d && st < 0)
        st += d;
    if (st > d - 1)
        st = d - 1;
    if (ed >= -d && ed < 0)
        ed += d;
    if (ed < -d - 1)
        ed = -d - 1;
    if (ed == -d - 1) {
        ed = -1;
    } else if (ed >= st) {
        return;
    }
    *first = st;
    *count = (ed - st + step + 1) / step;
}

/* set_value's starts, ends or steps: the list input when given (one tensor
 * of n values, or n one-element tensors), else the attribute. */
static pds_status sv_list(const pdsi_slot *s, const char *what, const int64_t *attr, int n_attr,
                          int64_t *buf, int *n, pds_error *err)
{
    if (s->n > 0)
        return pdsi_shape_read_ints(s, what, buf, PDSI_INDEX_MAX_LIST, n, err);
    memcpy(buf, attr, sizeof *buf * (size_t)n_attr);
    *n = n_attr;
    return PDS_OK;
}

static pds_status sv_value_dims(const pdsi_set_value_params *p, const pdsi_tensor *x,
                                const pdsi_slot *in, pdsi_set_value_geom *g, int *rank,
                                int64_t *dims, pds_error *err)
{
    const pdsi_tensor *v = pdsi_slot_get(&in[1]);
    char b[160];
    g->from_tensor = v != NULL;
    if (v) {
        if (v->dtype != x->dtype)
            return pdsi_fail(err, PDS_ERR_DTYPE, "set_value: input 'ValueTensor' is %s, "
                             "expected Input's dtype %s", pds_dtype_name(v->dtype),
                             pds_dtype_name(x->dtype));
        *rank = v->rank;
        memcpy(dims, v->dims, sizeof *dims * (size_t)v->rank);
        return PDS_OK;
    }
    int64_t numel;
    if (p->n_shape > PDSI_MAX_RANK || !pdsi_shape_numel(p->shape, p->n_shape, &numel) ||
        numel != p->n_values)
        return pdsi_fail(err, PDS_ERR_MODEL_FORMAT, "set_value: attribute 'shape' %s does not "
                         "hold the %lld values given", pdsi_dims_str(p->shape,
                         p->n_shape > PDSI_MAX_RANK ? PDSI_MAX_RANK : p->n_shape, b, sizeof b),
                         (long long)p->n_values);
    *rank = p->n_shape;
    memcpy(dims, p->shape, sizeof *dims * (size_t)p->n_shape);
    return PDS_OK;
}

pds_status pdsi_set_value_resolve(const pdsi_set_value_params *p, const pdsi_slot *in,
                                  pdsi_set_value_geom *g, pds_error *err)
{
    const pdsi_tensor *x = pdsi_slot_get(&in[0]);
    int64_t starts[PDSI_INDEX_MAX_LIST], ends[PDSI_INDEX_MAX_LIST], steps[PDSI_INDEX_MAX_LIST];
    int ns, ne, nt;
    char bx[160], bv[160], bs[160];
    pds_status st;
    if (!x)
        return pdsi_fail(err, PDS_ERR_INTERNAL, "set_value: input 'Input' is missing");
    memset(g, 0, sizeof *g);
    pdsi_dims_str(x->dims, x->rank, bx, sizeof bx);
    if ((st = sv_list(&in[2], "StartsTensorList", p->starts, p->n_starts, starts, &ns, err)) ||
        (st = sv_list(&in[3], "EndsTensorList", p->ends, p->n_ends, ends, &ne, err)) ||
        (st = sv_list(&in[4], "StepsTensorList", p->steps, p->n_steps, steps, &nt, err)))
        return st;
    if (nt == 0)
        for (nt = 0; nt < p->n_axes; nt++)
            steps[nt] = 1;
    if (ns != p->n_axes || ne != p->n_axes || nt != p->n_axes)
        return pdsi_fail(err, PDS_ERR_SHAPE, "set_value: %d axes with %d starts, %d ends and %d "
                         "steps, expected one of each per axis", p->n_axes, ns, ne, nt);
    g->rank = x->rank;
    for (int d = 0; d < x->rank; d++) {
        g->first[d] = 0;
        g->step[d] = 1;
        g->count[d] = x->dims[d];
    }
    bool seen[PDSI_MAX_RANK] = {false};
    for (int k = 0; k < p->n_axes; k++) {
        int64_t a = p->axes[k];
        if (a < -x->rank || a >= x->rank)
            return pdsi_fail(err, PDS_ERR_SHAPE, "set_value: axis %lld is out of range for "
                             "Input %s of rank %d", (long long)a, bx, x->rank);
        if (a < 0)
            a += x->rank;
        if (seen[a])
            return pdsi_fail(err, PDS_ERR_SHAPE, "set_value: axis %lld is given twice",
                             (long long)a);
        seen[a] = true;
        if (steps[k] == 0)
            return pdsi_fail(err, PDS_ERR_SHAPE, "set_value: step of axis %lld is 0, expected a "
                             "non-zero step", (long long)a);
        slice_interval(starts[k], ends[k], steps[k], x->dims[a], &g->first[a], &g->count[a]);
        g->step[a] = steps[k];
    }
    /* The slice's dims with decrease_axes dropped, then none_axes inserted. */
    bool drop[PDSI_MAX_RANK] = {false};
    for (int k = 0; k < p->n_decrease; k++) {
        int64_t a = p->decrease_axes[k];
        if (a < 0 || a >= x->rank || g->count[a] != 1)
            return pdsi_fail(err, PDS_ERR_SHAPE, "set_value: decrease axis %lld is not a dim of "
                             "size 1 in the slice of Input %s", (long long)a, bx);
        drop[a] = true;
    }
    int64_t dec[PDSI_MAX_RANK];
    int nd = 0;
    for (int d = 0; d < x->rank; d++)
        if (!drop[d])
            dec[nd++] = g->count[d];
    if (nd + p->n_none > PDSI_MAX_RANK)
        return pdsi_fail(err, PDS_ERR_SHAPE, "set_value: the slice has rank %d with %d none "
                         "axes, more than %d", nd, p->n_none, PDSI_MAX_RANK);
    int vr = 0, di = 0;
    bool none[PDSI_MAX_RANK] = {false};
    for (int k = 0; k < p->n_none; k++) {
        int64_t a = p->none_axes[k];
        if (a < 0 || a >= nd + p->n_none || none[a])
            return pdsi_fail(err, PDS_ERR_SHAPE, "set_value: none axis %lld is out of range for "
                             "a slice of rank %d", (long long)a, nd + p->n_none);
        none[a] = true;
    }
    for (int d = 0; d < nd + p->n_none; d++)
        g->vdims[vr++] = none[d] ? 1 : dec[di++];
    g->vrank = vr;
    /* The value broadcasts to vdims (numpy rules; extra leading 1s of the value
     * are dropped: a scalar written as [1] into a 0-D slice). */
    int64_t vd[PDSI_INDEX_MAX_LIST] = {0};
    int vrank = 0;
    if ((st = sv_value_dims(p, x, in, g, &vrank, vd, err)))
        return st;
    int lead = 0;
    while (vrank - lead > vr && vd[lead] == 1)
        lead++;
    pdsi_dims_str(vd, vrank, bv, sizeof bv);
    pdsi_dims_str(g->vdims, vr, bs, sizeof bs);
    if (vrank - lead > vr)
        return pdsi_fail(err, PDS_ERR_SHAPE, "set_value: value %s does not broadcast to the "
                         "slice %s of Input %s", bv, bs, bx);
    int64_t stride = 1;
    for (int d = vr - 1, e = vrank - 1; d >= 0; d--, e--) {
        if (e < lead) {
            g->vstride[d] = 0;
            continue;
        }
        if (vd[e] == g->vdims[d] && vd[e] != 1) {
            g->vstride[d] = stride;
        } else if (vd[e] == 1) {
            g->vstride[d] = 0;
        } else {
            return pdsi_fail(err, PDS_ERR_SHAPE, "set_value: value %s does not broadcast to the "
                             "slice %s of Input %s", bv, bs, bx);
        }
        stride *= vd[e];
    }
    return PDS_OK;
}

/* ------------------------------------------------------------------------ */
/* lookup_table_v2                                                           */
/* ------------------------------------------------------------------------ */

static pds_status embedding_parse(const pdsi_attrs *attrs, void *params, pds_error *err)
{
    pdsi_embedding_params *p = params;
    return pdsi_attr_int(attrs, "padding_idx", -1, &p->padding_idx, err);
}

static pds_status embedding_infer(const void *params, const pdsi_slot *in, const pdsi_slot *out,
                                  pds_error *err)
{
    const pdsi_tensor *ids = pdsi_slot_get(&in[0]);
    const pdsi_tensor *w = pdsi_slot_get(&in[1]);
    char b[160];
    (void)params;
    if (!ids || !w)
        return pdsi_fail(err, PDS_ERR_INTERNAL, "lookup_table_v2: input '%s' is missing",
                         ids ? "W" : "Ids");
    if (ids->dtype != PDS_INT32 && ids->dtype != PDS_INT64)
        return pdsi_fail(err, PDS_ERR_DTYPE, "lookup_table_v2: input 'Ids' is %s, expected int32 "
                         "or int64", pds_dtype_name(ids->dtype));
    if (w->rank != 2)
        return pdsi_fail(err, PDS_ERR_SHAPE, "lookup_table_v2: input 'W' has shape %s, expected "
                         "[rows, width]", pdsi_dims_str(w->dims, w->rank, b, sizeof b));
    if (pds_dtype_size(w->dtype) == 0)
        return pdsi_fail(err, PDS_ERR_DTYPE, "lookup_table_v2: input 'W' has unknown dtype %s",
                         pds_dtype_name(w->dtype));
    if (ids->rank + 1 > PDSI_MAX_RANK)
        return pdsi_fail(err, PDS_ERR_SHAPE, "lookup_table_v2: Ids of rank %d give an output of "
                         "rank %d, more than %d", ids->rank, ids->rank + 1, PDSI_MAX_RANK);
    int64_t dims[PDSI_MAX_RANK];
    memcpy(dims, ids->dims, sizeof *dims * (size_t)ids->rank);
    dims[ids->rank] = w->dims[1];
    pds_status st =
        pdsi_check_out_size(w->dtype, ids->rank + 1, dims, "lookup_table_v2: output", err);
    if (st)
        return st;
    pdsi_out_set(out, 0, w->dtype, ids->rank + 1, dims);
    return PDS_OK;
}

static const pdsi_opdef op_lookup_table_v2 = {
    .id = PDSI_OP_LOOKUP_TABLE_V2,
    .type = "lookup_table_v2",
    .family = FAMILY,
    .in = {{"Ids", PDSI_SLOT_REQUIRED}, {"W", PDSI_SLOT_REQUIRED}},
    .out = {{"Out", PDSI_SLOT_REQUIRED}},
    .params_size = sizeof(pdsi_embedding_params),
    .parse = embedding_parse,
    .infer = embedding_infer,
};

/* ------------------------------------------------------------------------ */
/* one_hot_v2                                                                */
/* ------------------------------------------------------------------------ */

static pds_status one_hot_parse(const pdsi_attrs *attrs, void *params, pds_error *err)
{
    pdsi_one_hot_params *p = params;
    pds_status st;
    if ((st = pdsi_attr_int(attrs, "depth", -1, &p->depth, err)) ||
        (st = parse_vartype(attrs, "dtype", PDS_FLOAT32, &p->dtype, err)) ||
        (st = pdsi_attr_bool(attrs, "allow_out_of_range", false, &p->allow_out_of_range, err)))
        return st;
    if (!is_numeric(p->dtype))
        return pdsi_fail(err, PDS_ERR_MODEL_FORMAT, "attribute 'dtype' is %s, expected int32, "
                         "int64, float32 or float64", pds_dtype_name(p->dtype));
    return PDS_OK;
}

static pds_status one_hot_infer(const void *params, const pdsi_slot *in, const pdsi_slot *out,
                                pds_error *err)
{
    const pdsi_one_hot_params *p = params;
    const pdsi_tensor *x = pdsi_slot_get(&in[0]);
    int64_t depth;
    pds_status st;
    if (!x)
        return pdsi_fail(err, PDS_ERR_INTERNAL, "one_hot_v2: input 'X' is missing");
    if (x->dtype != PDS_INT32 && x->dtype != PDS_INT64)
        return pdsi_fail(err, PDS_ERR_DTYPE, "one_hot_v2: input 'X' is %s, expected int32 or "
                         "int64", pds_dtype_name(x->dtype));
    if (x->rank + 1 > PDSI_MAX_RANK)
        return pdsi_fail(err, PDS_ERR_SHAPE, "one_hot_v2: X of rank %d gives an output of rank "
                         "%d, more than %d", x->rank, x->rank + 1, PDSI_MAX_RANK);
    if ((st = pdsi_one_hot_depth(p, in, &depth, err)))
        return st;
    int64_t dims[PDSI_MAX_RANK];
    memcpy(dims, x->dims, sizeof *dims * (size_t)x->rank);
    dims[x->rank] = depth;
    if ((st = pdsi_check_out_size(p->dtype, x->rank + 1, dims, "one_hot_v2: output", err)))
        return st;
    pdsi_out_set(out, 0, p->dtype, x->rank + 1, dims);
    return PDS_OK;
}

static const pdsi_opdef op_one_hot_v2 = {
    .id = PDSI_OP_ONE_HOT_V2,
    .type = "one_hot_v2",
    .family = FAMILY,
    .in = {{"X", PDSI_SLOT_REQUIRED}, {"depth_tensor", PDSI_SLOT_OPTIONAL}},
    .out = {{"Out", PDSI_SLOT_REQUIRED}},
    .params_size = sizeof(pdsi_one_hot_params),
    .parse = one_hot_parse,
    .infer = one_hot_infer,
    .data_dependent_inputs = 1u << 1,
};

/* ------------------------------------------------------------------------ */
/* range, linspace                                                           */
/* ------------------------------------------------------------------------ */

static pds_status range_parse(const pdsi_attrs *attrs, void *params, pds_error *err)
{
    pdsi_seq_params *p = params;
    return parse_vartype(attrs, "dtype", PDS_DTYPE_UNKNOWN, &p->dtype, err);
}

static pds_status linspace_parse(const pdsi_attrs *attrs, void *params, pds_error *err)
{
    pdsi_seq_params *p = params;
    return parse_vartype(attrs, "dtype", PDS_FLOAT32, &p->dtype, err);
}

static pds_status seq_infer(int kind, const void *params, const pdsi_slot *in,
                            const pdsi_slot *out, pds_error *err)
{
    pdsi_seq_geom g;
    pds_status st;
    if ((st = pdsi_seq_resolve(params, kind, in, &g, err)) ||
        (st = pdsi_check_out_size(g.dtype, 1, &g.n, kind ? "linspace: output" : "range: output",
                                  err)))
        return st;
    pdsi_out_set(out, 0, g.dtype, 1, &g.n);
    return PDS_OK;
}

static pds_status range_infer(const void *params, const pdsi_slot *in, const pdsi_slot *out,
                              pds_error *err)
{
    return seq_infer(0, params, in, out, err);
}

static pds_status linspace_infer(const void *params, const pdsi_slot *in, const pdsi_slot *out,
                                 pds_error *err)
{
    return seq_infer(1, params, in, out, err);
}

static const pdsi_opdef op_range = {
    .id = PDSI_OP_RANGE,
    .type = "range",
    .family = FAMILY,
    .in = {{"Start", PDSI_SLOT_REQUIRED},
           {"End", PDSI_SLOT_REQUIRED},
           {"Step", PDSI_SLOT_REQUIRED}},
    .out = {{"Out", PDSI_SLOT_REQUIRED}},
    .params_size = sizeof(pdsi_seq_params),
    .parse = range_parse,
    .infer = range_infer,
    .data_dependent_inputs = 0x7u,
};

static const pdsi_opdef op_linspace = {
    .id = PDSI_OP_LINSPACE,
    .type = "linspace",
    .family = FAMILY,
    .in = {{"Start", PDSI_SLOT_REQUIRED},
           {"Stop", PDSI_SLOT_REQUIRED},
           {"Num", PDSI_SLOT_REQUIRED}},
    .out = {{"Out", PDSI_SLOT_REQUIRED}},
    .params_size = sizeof(pdsi_seq_params),
    .parse = linspace_parse,
    .infer = linspace_infer,
    .data_dependent_inputs = 0x7u,
};

/* ------------------------------------------------------------------------ */
/* fill_constant_batch_size_like                                             */
/* ------------------------------------------------------------------------ */

static pds_status fill_bsl_parse(const pdsi_attrs *attrs, void *params, pds_error *err)
{
    pdsi_fill_bsl_params *p = params;
    const char *str;
    bool force_cpu;
    pds_status st;
    if ((st = parse_vartype(attrs, "dtype", PDS_FLOAT32, &p->dtype, err)) ||
        (st = pdsi_attr_ints(attrs, "shape", p->shape, PDSI_INDEX_MAX_LIST, &p->n_shape, err)) ||
        (st = pdsi_attr_float(attrs, "value", 0.0, &p->value, err)) ||
        (st = pdsi_attr_string(attrs, "str_value", "", &str, err)) ||
        (st = pdsi_attr_int(attrs, "input_dim_idx", 0, &p->input_dim_idx, err)) ||
        (st = pdsi_attr_int(attrs, "output_dim_idx", 0, &p->output_dim_idx, err)) ||
        (st = pdsi_attr_bool(attrs, "force_cpu", false, &force_cpu, err)))
        return st;
    if (str[0] != '\0' && (st = pdsi_shape_parse_str_value(str, &p->value, err)))
        return st;
    if (pds_dtype_size(p->dtype) == 0)
        return pdsi_fail(err, PDS_ERR_MODEL_FORMAT, "attribute 'dtype' is %s, which has no "
                         "element size", pds_dtype_name(p->dtype));
    if (p->n_shape < 1 || p->n_shape > PDSI_MAX_RANK)
        return pdsi_fail(err, PDS_ERR_MODEL_FORMAT, "attribute 'shape' has %d entries, expected 1 "
                         "to %d", p->n_shape, PDSI_MAX_RANK);
    if (p->output_dim_idx < 0 || p->output_dim_idx >= p->n_shape)
        return pdsi_fail(err, PDS_ERR_MODEL_FORMAT, "attribute 'output_dim_idx' is %lld, expected "
                         "a dim of 'shape' (0 to %d)", (long long)p->output_dim_idx,
                         p->n_shape - 1);
    for (int k = 0; k < p->n_shape; k++)
        if (k != p->output_dim_idx && p->shape[k] < 0)
            return pdsi_fail(err, PDS_ERR_MODEL_FORMAT, "attribute 'shape' entry %d is %lld, "
                             "expected a size >= 0 (only output_dim_idx %lld comes from Input)",
                             k, (long long)p->shape[k], (long long)p->output_dim_idx);
    return PDS_OK;
}

static pds_status fill_bsl_infer(const void *params, const pdsi_slot *in, const pdsi_slot *out,
                                 pds_error *err)
{
    const pdsi_fill_bsl_params *p = params;
    const pdsi_tensor *x = pdsi_slot_get(&in[0]);
    char b[160];
    if (!x)
        return pdsi_fail(err, PDS_ERR_INTERNAL, "fill_constant_batch_size_like: input 'Input' is "
                         "missing");
    if (p->input_dim_idx < 0 || p->input_dim_idx >= x->rank)
        return pdsi_fail(err, PDS_ERR_SHAPE, "fill_constant_batch_size_like: input_dim_idx %lld "
                         "is not a dim of Input %s", (long long)p->input_dim_idx,
                         pdsi_dims_str(x->dims, x->rank, b, sizeof b));
    int64_t dims[PDSI_MAX_RANK];
    memcpy(dims, p->shape, sizeof *dims * (size_t)p->n_shape);
    dims[p->output_dim_idx] = x->dims[p->input_dim_idx];
    pds_status st = pdsi_check_out_size(p->dtype, p->n_shape, dims,
                                        "fill_constant_batch_size_like: output", err);
    if (st)
        return st;
    pdsi_out_set(out, 0, p->dtype, p->n_shape, dims);
    return PDS_OK;
}

static const pdsi_opdef op_fill_constant_batch_size_like = {
    .id = PDSI_OP_FILL_CONSTANT_BATCH_SIZE_LIKE,
    .type = "fill_constant_batch_size_like",
    .family = FAMILY,
    .flags = PDSI_OPF_DIMS_ONLY,
    .in = {{"Input", PDSI_SLOT_REQUIRED}},
    .out = {{"Out", PDSI_SLOT_REQUIRED}},
    .params_size = sizeof(pdsi_fill_bsl_params),
    .parse = fill_bsl_parse,
    .infer = fill_bsl_infer,
};

/* ------------------------------------------------------------------------ */
/* meshgrid                                                                  */
/* ------------------------------------------------------------------------ */

static pds_status meshgrid_infer(const void *params, const pdsi_slot *in, const pdsi_slot *out,
                                 pds_error *err)
{
    int64_t dims[PDSI_MAX_RANK];
    char b[160];
    (void)params;
    int n = in[0].n;
    if (n < 1 || n > PDSI_MAX_RANK)
        return pdsi_fail(err, PDS_ERR_SHAPE, "meshgrid: %d inputs, expected 1 to %d", n,
                         PDSI_MAX_RANK);
    if (out[0].n != n)
        return pdsi_fail(err, PDS_ERR_SHAPE, "meshgrid: %d outputs for %d inputs, expected one "
                         "per input", out[0].n, n);
    const pdsi_tensor *x0 = in[0].t[0];
    for (int k = 0; k < n; k++) {
        const pdsi_tensor *x = in[0].t[k];
        if (x->rank > 1)
            return pdsi_fail(err, PDS_ERR_SHAPE, "meshgrid: input X[%d] has shape %s, expected "
                             "1-D (or 0-D)", k, pdsi_dims_str(x->dims, x->rank, b, sizeof b));
        if (x->dtype != x0->dtype || pds_dtype_size(x->dtype) == 0)
            return pdsi_fail(err, PDS_ERR_DTYPE, "meshgrid: input X[%d] is %s, expected X[0]'s "
                             "dtype %s", k, pds_dtype_name(x->dtype), pds_dtype_name(x0->dtype));
        dims[k] = x->rank ? x->dims[0] : 1;
    }
    pds_status st = pdsi_check_out_size(x0->dtype, n, dims, "meshgrid: output", err);
    if (st)
        return st;
    for (int k = 0; k < n; k++)
        pdsi_tensor_set_shape(out[0].t[k], x0->dtype, n, dims);
    return PDS_OK;
}

static const pdsi_opdef op_meshgrid = {
    .id = PDSI_OP_MESHGRID,
    .type = "meshgrid",
    .family = FAMILY,
    .in = {{"X", PDSI_SLOT_REQUIRED | PDSI_SLOT_LIST}},
    .out = {{"Out", PDSI_SLOT_REQUIRED | PDSI_SLOT_LIST}},
    .infer = meshgrid_infer,
};

/* ------------------------------------------------------------------------ */
/* roll                                                                      */
/* ------------------------------------------------------------------------ */

static pds_status roll_parse(const pdsi_attrs *attrs, void *params, pds_error *err)
{
    pdsi_roll_params *p = params;
    pds_status st;
    if ((st = pdsi_attr_ints(attrs, "shifts", p->shifts, PDSI_INDEX_MAX_LIST, &p->n_shifts,
                             err)) ||
        (st = pdsi_attr_ints(attrs, "axis", p->axis, PDSI_INDEX_MAX_LIST, &p->n_axis, err)))
        return st;
    return PDS_OK;
}

static pds_status roll_infer(const void *params, const pdsi_slot *in, const pdsi_slot *out,
                             pds_error *err)
{
    const pdsi_tensor *x = pdsi_slot_get(&in[0]);
    pdsi_roll_geom g;
    pds_status st;
    if (!x)
        return pdsi_fail(err, PDS_ERR_INTERNAL, "roll: input 'X' is missing");
    if (pds_dtype_size(x->dtype) == 0)
        return pdsi_fail(err, PDS_ERR_DTYPE, "roll: input 'X' has unknown dtype %s",
                         pds_dtype_name(x->dtype));
    if ((st = pdsi_roll_resolve(params, in, &g, err)))
        return st;
    pdsi_out_set(out, 0, x->dtype, x->rank, x->dims);
    return PDS_OK;
}

static const pdsi_opdef op_roll = {
    .id = PDSI_OP_ROLL,
    .type = "roll",
    .family = FAMILY,
    .in = {{"X", PDSI_SLOT_REQUIRED}, {"ShiftsTensor", PDSI_SLOT_OPTIONAL}},
    .out = {{"Out", PDSI_SLOT_REQUIRED}},
    .params_size = sizeof(pdsi_roll_params),
    .parse = roll_parse,
    .infer = roll_infer,
    .data_dependent_inputs = 1u << 1,
};

/* ------------------------------------------------------------------------ */
/* set_value                                                                 */
/* ------------------------------------------------------------------------ */

/* The values of a set_value: `values` (Paddle 2.6 and later writes Scalars,
 * which the loaders hand over as ints or floats), or one of the typed lists
 * older versions wrote. */
static pds_status sv_parse_values(const pdsi_attrs *attrs, pdsi_set_value_params *p,
                                  pds_error *err)
{
    static const char *const names[] = {"values", "fp32_values", "fp64_values", "int32_values",
                                        "int64_values", "bool_values", "fp16_values"};
    for (size_t k = 0; k < sizeof names / sizeof names[0]; k++) {
        const pdsi_attr *a = pdsi_attr_find(attrs, names[k]);
        if (!a || a->n == 0 || (a->type != PDSI_ATTR_INTS && a->type != PDSI_ATTR_FLOATS))
            continue;
        if (a->n > PDSI_SET_VALUE_MAX)
            return pdsi_fail(err, PDS_ERR_LIMIT, "attribute '%s' has %lld values, more than "
                             "pdsafe keeps in a set_value (%d)", names[k], (long long)a->n,
                             PDSI_SET_VALUE_MAX);
        p->n_values = a->n;
        p->values_are_ints = a->type == PDSI_ATTR_INTS;
        for (int64_t j = 0; j < a->n; j++) {
            if (p->values_are_ints)
                p->v.i[j] = a->ints[j];
            else
                p->v.f[j] = a->floats[j];
        }
        return PDS_OK;
    }
    return PDS_OK;
}

static pds_status set_value_parse(const pdsi_attrs *attrs, void *params, pds_error *err)
{
    pdsi_set_value_params *p = params;
    pds_status st;
    if ((st = pdsi_attr_ints(attrs, "axes", p->axes, PDSI_INDEX_MAX_LIST, &p->n_axes, err)) ||
        (st = pdsi_attr_ints(attrs, "starts", p->starts, PDSI_INDEX_MAX_LIST, &p->n_starts,
                             err)) ||
        (st = pdsi_attr_ints(attrs, "ends", p->ends, PDSI_INDEX_MAX_LIST, &p->n_ends, err)) ||
        (st = pdsi_attr_ints(attrs, "steps", p->steps, PDSI_INDEX_MAX_LIST, &p->n_steps, err)) ||
        (st = pdsi_attr_ints(attrs, "decrease_axes", p->decrease_axes, PDSI_INDEX_MAX_LIST,
                             &p->n_decrease, err)) ||
        (st = pdsi_attr_ints(attrs, "none_axes", p->none_axes, PDSI_INDEX_MAX_LIST, &p->n_none,
                             err)) ||
        (st = pdsi_attr_ints(attrs, "shape", p->shape, PDSI_INDEX_MAX_LIST, &p->n_shape, err)) ||
        (st = parse_vartype(attrs, "dtype", PDS_FLOAT32, &p->dtype, err)) ||
        (st = sv_parse_values(attrs, p, err)))
        return st;
    if (p->n_axes > PDSI_MAX_RANK)
        return pdsi_fail(err, PDS_ERR_MODEL_FORMAT, "attribute 'axes' has %d entries, more than "
                         "the maximum rank %d", p->n_axes, PDSI_MAX_RANK);
    return PDS_OK;
}

static pds_status set_value_infer(const void *params, const pdsi_slot *in, const pdsi_slot *out,
                                  pds_error *err)
{
    const pdsi_tensor *x = pdsi_slot_get(&in[0]);
    pdsi_set_value_geom g;
    pds_status st;
    if (!x)
        return pdsi_fail(err, PDS_ERR_INTERNAL, "set_value: input 'Input' is missing");
    if (pds_dtype_size(x->dtype) == 0)
        return pdsi_fail(err, PDS_ERR_DTYPE, "set_value: input 'Input' has unknown dtype %s",
                         pds_dtype_name(x->dtype));
    if ((st = pdsi_set_value_resolve(params, in, &g, err)))
        return st;
    pdsi_out_set(out, 0, x->dtype, x->rank, x->dims);
    return PDS_OK;
}

static const pdsi_opdef op_set_value = {
    .id = PDSI_OP_SET_VALUE,
    .type = "set_value",
    .family = FAMILY,
    .in = {{"Input", PDSI_SLOT_REQUIRED},
           {"ValueTensor", PDSI_SLOT_OPTIONAL},
           {"StartsTensorList", PDSI_SLOT_OPTIONAL | PDSI_SLOT_LIST},
           {"EndsTensorList", PDSI_SLOT_OPTIONAL | PDSI_SLOT_LIST},
           {"StepsTensorList", PDSI_SLOT_OPTIONAL | PDSI_SLOT_LIST}},
    .out = {{"Out", PDSI_SLOT_REQUIRED}},
    .params_size = sizeof(pdsi_set_value_params),
    .parse = set_value_parse,
    .infer = set_value_infer,
    .data_dependent_inputs = (1u << 2) | (1u << 3) | (1u << 4),
};

const pdsi_opdef *const pdsi_ops_index[] = {
    &op_lookup_table_v2,
    &op_one_hot_v2,
    &op_range,
    &op_linspace,
    &op_fill_constant_batch_size_like,
    &op_meshgrid,
    &op_roll,
    &op_set_value,
};
PDSI_OPDEF_TABLE_CHECK(INDEX, index);
