/*
 * pool.c — parse and shape inference for the pool operator family
 * (pool2d: max and average, NCHW float32).
 *
 * The output size follows Paddle's PoolInferMeta: SAME/VALID padding, then
 * global pooling (window = input) or adaptive pooling (ksize = output size),
 * else (in + pads - k [+ stride - 1 with ceil_mode]) / stride + 1. It is
 * computed by pdsi_pool_resolve, which the kernel shares.
 */
#include <string.h>

#include "ops/opdef.h"
#include "ops/pool.h"

#define FAMILY "pool"

#define DIM_MAX INT32_MAX

/* ---- shape rules (ops/pool.h), shared with the kernels ------------------ */

static const char *const axis_name[2] = {"height", "width"};

pds_status pdsi_pool_resolve(const pdsi_pool_params *p, const pdsi_tensor *x, pdsi_pool_geom *g,
                             pds_error *err)
{
    char b[160];
    if (x->rank != 4)
        return pdsi_fail(err, PDS_ERR_SHAPE,
                         "input 'X' has rank %d %s, expected rank 4 [N, C, H, W]", x->rank,
                         pdsi_dims_str(x->dims, x->rank, b, sizeof b));
    for (int i = 0; i < 4; i++)
        if (x->dims[i] < (i == 0 ? 0 : 1) || x->dims[i] > DIM_MAX)
            return pdsi_fail(err, PDS_ERR_SHAPE,
                             "input 'X' has shape %s, expected channels, height and width in [1, "
                             "%d]",
                             pdsi_dims_str(x->dims, x->rank, b, sizeof b), DIM_MAX);
    memset(g, 0, sizeof *g);
    g->n = x->dims[0];
    g->c = x->dims[1];
    g->h = x->dims[2];
    g->w = x->dims[3];
    g->adaptive = p->adaptive != 0;
    g->stride_h = p->strides[0];
    g->stride_w = p->strides[1];
    if (!p->has_ksize && !p->global_pooling)
        return pdsi_fail(err, PDS_ERR_MODEL_FORMAT, "attribute 'ksize' is missing");

    const int64_t in[2] = {g->h, g->w};
    int64_t k[2], pad[4], out[2];
    for (int a = 0; a < 2; a++) {
        k[a] = p->ksize[a];
        pad[2 * a] = p->paddings[2 * a];
        pad[2 * a + 1] = p->paddings[2 * a + 1];
        if (p->padding_algorithm == PDSI_POOL_PAD_SAME && p->has_ksize) {
            int64_t o = (in[a] + p->strides[a] - 1) / p->strides[a];
            int64_t sum = (o - 1) * p->strides[a] + k[a] - in[a];
            if (sum < 0)
                sum = 0;
            pad[2 * a] = sum / 2;
            pad[2 * a + 1] = sum - sum / 2;
        } else if (p->padding_algorithm == PDSI_POOL_PAD_VALID) {
            pad[2 * a] = pad[2 * a + 1] = 0;
        }
        if (p->global_pooling || p->adaptive)
            pad[2 * a] = pad[2 * a + 1] = 0;
        if (p->global_pooling)
            k[a] = in[a];
    }
    for (int a = 0; a < 2; a++) {
        if (p->adaptive) {
            out[a] = k[a];
            continue;
        }
        const int64_t s = p->strides[a], padded = in[a] + pad[2 * a] + pad[2 * a + 1];
        if (k[a] > padded)
            return pdsi_fail(err, PDS_ERR_SHAPE,
                             "pooling window %lld is larger than the padded input %lld (input "
                             "%lld, padding %lld+%lld) along %s",
                             (long long)k[a], (long long)padded, (long long)in[a],
                             (long long)pad[2 * a], (long long)pad[2 * a + 1], axis_name[a]);
        out[a] = (padded - k[a] + (p->ceil_mode ? s - 1 : 0)) / s + 1;
    }
    g->kh = k[0];
    g->kw = k[1];
    g->oh = out[0];
    g->ow = out[1];
    g->pad_t = pad[0];
    g->pad_b = pad[1];
    g->pad_l = pad[2];
    g->pad_r = pad[3];
    return PDS_OK;
}


#define ATTR_MAX INT32_MAX


static pds_status parse_pool2d(const pdsi_attrs *attrs, void *params, pds_error *err)
{
    pdsi_pool_params *p = params;
    const char *type, *algo, *fmt;
    bool ceil_mode, exclusive, global, adaptive, has_ksize, has_strides;
    pds_status st;
    if ((st = pdsi_attr_string(attrs, "pooling_type", NULL, &type, err)) ||
        (st = pdsi_attr_int_pair(attrs, "ksize", 1, ATTR_MAX, p->ksize, &has_ksize, err)) ||
        (st = pdsi_attr_int_pair(attrs, "strides", 1, ATTR_MAX, p->strides, &has_strides, err)) ||
        (st = pdsi_attr_pads2d(attrs, "paddings", ATTR_MAX, p->paddings, err)) ||
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
    .id = PDSI_OP_POOL2D,
    .type = "pool2d",
    .family = FAMILY,
    .in = {{"X", PDSI_SLOT_REQUIRED}},
    .out = {{"Out", PDSI_SLOT_REQUIRED}},
    .params_size = sizeof(pdsi_pool_params),
    .parse = parse_pool2d,
    .infer = infer_pool2d,
};

const pdsi_opdef *const pdsi_ops_pool[] = {
    &pool2d_def,
};
PDSI_OPDEF_TABLE_CHECK(POOL, pool);
