/*
 * sort.c — parse and shape inference for the sort family: top_k_v2 and
 * argsort (ops/sort.h). Slots and attributes are those of Paddle's legacy
 * operators; PIR's pd_op.topk and pd_op.argsort map onto them
 * (model/pir_ops.c).
 */
#include <string.h>

#include "ops/opdef.h"
#include "ops/shape.h"
#include "ops/sort.h"

#define FAMILY "sort"

pds_status pdsi_sort_resolve(const pdsi_sort_params *p, const pdsi_slot *in, pdsi_sort_geom *g,
                             pds_error *err)
{
    const char *op = p->kind == PDSI_SORT_TOPK ? "top_k_v2" : "argsort";
    const pdsi_tensor *x = pdsi_slot_get(&in[0]);
    char b[160];
    if (!x)
        return pdsi_fail(err, PDS_ERR_INTERNAL, "%s: input 'X' is missing", op);
    if (x->dtype != PDS_FLOAT32 && x->dtype != PDS_FLOAT64 && x->dtype != PDS_INT32 &&
        x->dtype != PDS_INT64)
        return pdsi_fail(err, PDS_ERR_DTYPE, "%s: input 'X' is %s, expected float32, float64, "
                         "int32 or int64", op, pds_dtype_name(x->dtype));
    pdsi_dims_str(x->dims, x->rank, b, sizeof b);
    memset(g, 0, sizeof *g);
    const int rank = x->rank ? x->rank : 1;
    if (p->axis < -rank || p->axis >= rank)
        return pdsi_fail(err, PDS_ERR_SHAPE, "%s: axis %lld is out of range for X %s of rank %d",
                         op, (long long)p->axis, b, x->rank);
    g->axis = (int)(p->axis < 0 ? p->axis + rank : p->axis);
    g->outer = g->inner = 1;
    g->n = x->rank ? x->dims[g->axis] : 1;
    for (int d = 0; d < x->rank; d++) {
        if (d < g->axis)
            g->outer *= x->dims[d];
        else if (d > g->axis)
            g->inner *= x->dims[d];
        g->out_dims[d] = x->dims[d];
    }
    g->out_rank = x->rank;
    g->k = g->n;
    if (p->kind == PDSI_SORT_ARGSORT)
        return PDS_OK;
    int64_t k = p->k;
    if (in[1].n > 0) {
        int64_t buf[1];
        int n;
        pds_status st = pdsi_shape_read_ints(&in[1], "K", buf, 1, &n, err);
        if (st)
            return st;
        if (n != 1)
            return pdsi_fail(err, PDS_ERR_SHAPE, "top_k_v2: input 'K' has %d values, expected 1",
                             n);
        k = buf[0];
    }
    if (k < 0 || k > g->n || (k == 0 && g->n > 0))
        return pdsi_fail(err, PDS_ERR_SHAPE, "top_k_v2: k is %lld, expected 1 to %lld (the size "
                         "of axis %d of X %s)", (long long)k, (long long)g->n, g->axis, b);
    g->k = k;
    if (x->rank)
        g->out_dims[g->axis] = k;
    return PDS_OK;
}

static pds_status top_k_parse(const pdsi_attrs *attrs, void *params, pds_error *err)
{
    pdsi_sort_params *p = params;
    pds_status st;
    p->kind = PDSI_SORT_TOPK;
    if ((st = pdsi_attr_int(attrs, "k", 1, &p->k, err)) ||
        (st = pdsi_attr_int(attrs, "axis", -1, &p->axis, err)) ||
        (st = pdsi_attr_bool(attrs, "largest", true, &p->largest, err)) ||
        (st = pdsi_attr_bool(attrs, "sorted", true, &p->sorted, err)))
        return st;
    return PDS_OK;
}

static pds_status argsort_parse(const pdsi_attrs *attrs, void *params, pds_error *err)
{
    pdsi_sort_params *p = params;
    pds_status st;
    p->kind = PDSI_SORT_ARGSORT;
    p->sorted = true;
    if ((st = pdsi_attr_int(attrs, "axis", -1, &p->axis, err)) ||
        (st = pdsi_attr_bool(attrs, "descending", false, &p->largest, err)) ||
        (st = pdsi_attr_bool(attrs, "stable", false, &p->stable, err)))
        return st;
    return PDS_OK;
}

static pds_status sort_infer(const void *params, const pdsi_slot *in, const pdsi_slot *out,
                             pds_error *err)
{
    const pdsi_tensor *x = pdsi_slot_get(&in[0]);
    pdsi_sort_geom g;
    pds_status st = pdsi_sort_resolve(params, in, &g, err);
    if (st)
        return st;
    pdsi_out_set(out, 0, x->dtype, g.out_rank, g.out_dims);
    pdsi_out_set(out, 1, PDS_INT64, g.out_rank, g.out_dims);
    return PDS_OK;
}

static const pdsi_opdef op_top_k_v2 = {
    .id = PDSI_OP_TOP_K_V2,
    .type = "top_k_v2",
    .family = FAMILY,
    .in = {{"X", PDSI_SLOT_REQUIRED}, {"K", PDSI_SLOT_OPTIONAL}},
    .out = {{"Out", PDSI_SLOT_REQUIRED}, {"Indices", PDSI_SLOT_OPTIONAL}},
    .params_size = sizeof(pdsi_sort_params),
    .parse = top_k_parse,
    .infer = sort_infer,
    .data_dependent_inputs = 1u << 1,
};

static const pdsi_opdef op_argsort = {
    .id = PDSI_OP_ARGSORT,
    .type = "argsort",
    .family = FAMILY,
    .in = {{"X", PDSI_SLOT_REQUIRED}},
    .out = {{"Out", PDSI_SLOT_OPTIONAL}, {"Indices", PDSI_SLOT_REQUIRED}},
    .params_size = sizeof(pdsi_sort_params),
    .parse = argsort_parse,
    .infer = sort_infer,
};

const pdsi_opdef *const pdsi_ops_sort[] = {
    &op_top_k_v2,
    &op_argsort,
};
PDSI_OPDEF_TABLE_CHECK(SORT, sort);
