/*
 * ops_pool.c — parse and shape inference for the pool operator family
 * (pool2d: max and average, NCHW float32).
 *
 * The output size follows Paddle's PoolInferMeta: SAME/VALID padding, then
 * global pooling (window = input) or adaptive pooling (ksize = output size),
 * else (in + pads - k [+ stride - 1 with ceil_mode]) / stride + 1. It is
 * computed by pdsi_pool_resolve, which the kernel shares.
 */
#include <string.h>

#include "graph/opdef.h"
#include "kernels/pool.h"

#define ATTR_MAX INT32_MAX

/* Two integers in [1, ATTR_MAX]; *present says whether the attribute exists. */
static pds_status parse_pair(const pdsi_attrs *attrs, const char *name, int64_t out[2],
                             bool *present, pds_error *err)
{
    int64_t v[PDSI_MAX_ATTR_LIST];
    int n;
    pds_status st = pdsi_attr_ints(attrs, name, v, PDSI_MAX_ATTR_LIST, &n, err);
    if (st)
        return st;
    *present = n > 0;
    if (n == 0)
        return PDS_OK;
    if (n != 2 || v[0] < 1 || v[0] > ATTR_MAX || v[1] < 1 || v[1] > ATTR_MAX)
        return pdsi_fail(err, PDS_ERR_MODEL_FORMAT,
                         "attribute '%s' has %d entries (first %lld), expected 2 integers in [1, "
                         "%d]",
                         name, n, (long long)v[0], ATTR_MAX);
    out[0] = v[0];
    out[1] = v[1];
    return PDS_OK;
}

static pds_status parse_paddings(const pdsi_attrs *attrs, int64_t out[4], pds_error *err)
{
    int64_t v[PDSI_MAX_ATTR_LIST];
    int n;
    pds_status st = pdsi_attr_ints(attrs, "paddings", v, PDSI_MAX_ATTR_LIST, &n, err);
    if (st)
        return st;
    if (n != 0 && n != 2 && n != 4)
        return pdsi_fail(err, PDS_ERR_MODEL_FORMAT,
                         "attribute 'paddings' has %d entries, expected 2 ([pad_h, pad_w]) or 4 "
                         "([top, bottom, left, right])",
                         n);
    for (int i = 0; i < n; i++)
        if (v[i] < 0 || v[i] > ATTR_MAX)
            return pdsi_fail(err, PDS_ERR_MODEL_FORMAT,
                             "attribute 'paddings' entry %d is %lld, expected 0 to %d", i,
                             (long long)v[i], ATTR_MAX);
    if (n == 0) {
        memset(out, 0, 4 * sizeof out[0]);
    } else if (n == 2) {
        out[0] = out[1] = v[0];
        out[2] = out[3] = v[1];
    } else {
        memcpy(out, v, 4 * sizeof out[0]);
    }
    return PDS_OK;
}

static pds_status parse_pool2d(const pdsi_attrs *attrs, void *params, pds_error *err)
{
    pdsi_pool_params *p = params;
    const char *type, *algo, *fmt;
    bool ceil_mode, exclusive, global, adaptive, has_ksize, has_strides;
    pds_status st;
    if ((st = pdsi_attr_string(attrs, "pooling_type", NULL, &type, err)) ||
        (st = parse_pair(attrs, "ksize", p->ksize, &has_ksize, err)) ||
        (st = parse_pair(attrs, "strides", p->strides, &has_strides, err)) ||
        (st = parse_paddings(attrs, p->paddings, err)) ||
        (st = pdsi_attr_bool(attrs, "ceil_mode", false, &ceil_mode, err)) ||
        (st = pdsi_attr_bool(attrs, "exclusive", true, &exclusive, err)) ||
        (st = pdsi_attr_bool(attrs, "global_pooling", false, &global, err)) ||
        (st = pdsi_attr_bool(attrs, "adaptive", false, &adaptive, err)) ||
        (st = pdsi_attr_string(attrs, "padding_algorithm", "EXPLICIT", &algo, err)) ||
        (st = pdsi_attr_string(attrs, "data_format", "NCHW", &fmt, err)))
        return st;

    if (!type)
        return pdsi_fail(err, PDS_ERR_MODEL_FORMAT,
                         "attribute 'pooling_type' is missing, expected \"max\" or \"avg\"");
    if (strcmp(type, "max") == 0)
        p->is_max = 1;
    else if (strcmp(type, "avg") != 0)
        return pdsi_fail(err, PDS_ERR_MODEL_FORMAT,
                         "attribute 'pooling_type' is \"%s\", expected \"max\" or \"avg\"", type);
    if (!has_ksize && !global)
        return pdsi_fail(err, PDS_ERR_MODEL_FORMAT,
                         "attribute 'ksize' is missing (needed unless global_pooling is set)");
    if (!has_strides)
        p->strides[0] = p->strides[1] = 1;

    if (strcmp(algo, "EXPLICIT") == 0)
        p->padding_algorithm = PDSI_POOL_PAD_EXPLICIT;
    else if (strcmp(algo, "SAME") == 0)
        p->padding_algorithm = PDSI_POOL_PAD_SAME;
    else if (strcmp(algo, "VALID") == 0)
        p->padding_algorithm = PDSI_POOL_PAD_VALID;
    else
        return pdsi_fail(err, PDS_ERR_MODEL_FORMAT,
                         "attribute 'padding_algorithm' is \"%s\", expected EXPLICIT, SAME or "
                         "VALID",
                         algo);

    /* AnyLayout is channel-first for Paddle's pool kernel. */
    if (strcmp(fmt, "NHWC") == 0)
        return pdsi_fail(err, PDS_ERR_UNSUPPORTED_OP,
                         "attribute 'data_format' is \"NHWC\": only NCHW (or AnyLayout) is "
                         "supported");
    if (strcmp(fmt, "NCHW") != 0 && strcmp(fmt, "AnyLayout") != 0)
        return pdsi_fail(err, PDS_ERR_MODEL_FORMAT,
                         "attribute 'data_format' is \"%s\", expected NCHW or AnyLayout", fmt);

    p->has_ksize = has_ksize;
    p->ceil_mode = ceil_mode;
    p->exclusive = exclusive;
    p->global_pooling = global;
    p->adaptive = adaptive;
    return PDS_OK;
}

static pds_status infer_pool2d(const void *params, const pdsi_slot *in, const pdsi_slot *out,
                               pds_error *err)
{
    const pdsi_pool_params *p = params;
    const pdsi_tensor *x = pdsi_slot_get(&in[0]);
    pdsi_pool_geom g;
    char b[160];
    pds_status st;
    if (!x)
        return pdsi_fail(err, PDS_ERR_MODEL_FORMAT, "input 'X' is missing");
    if ((st = pdsi_check_f32(x, "input 'X'", err)) || (st = pdsi_pool_resolve(p, x, &g, err)))
        return st;
    const int64_t dims[4] = {g.n, g.c, g.oh, g.ow};
    int64_t numel;
    if (!pdsi_shape_numel(dims, 4, &numel))
        return pdsi_fail(err, PDS_ERR_SHAPE, "output shape %s has too many elements",
                         pdsi_dims_str(dims, 4, b, sizeof b));
    pdsi_out_set(out, 0, PDS_FLOAT32, 4, dims);
    return PDS_OK;
}

static const pdsi_opdef pool2d_def = {
    .type = "pool2d",
    .in = {{"X", PDSI_SLOT_REQUIRED}},
    .out = {{"Out", PDSI_SLOT_REQUIRED}},
    .params_size = sizeof(pdsi_pool_params),
    .parse = parse_pool2d,
    .infer = infer_pool2d,
    .run = pdsi_pool2d_ref,
};

const pdsi_opdef *const pdsi_ops_pool[] = {
    &pool2d_def,
    NULL,
};
