/*
 * matmul.c — parse and shape inference for the matrix product operators:
 * matmul_v2, legacy matmul, mul and fc.
 *
 * matmul_v2 and matmul share numpy semantics (pdsi_matmul_plan_make). Legacy
 * matmul in Paddle only accepts batch dims of equal size (or a 2-D operand);
 * pdsafe accepts their numpy broadcast, a superset with the same results on
 * everything Paddle runs. Fused-layout attributes that only Paddle's oneDNN
 * passes produce are refused rather than ignored.
 */
#include "ops/opdef.h"
#include "ops/matmul.h"

#include <string.h>

#define FAMILY "matmul"

/* ---- shape rules (ops/matmul.h), shared with the kernels ---------------- */

pds_status pdsi_matmul_plan_make(const pdsi_tensor *x, const pdsi_tensor *y, bool trans_x,
                                 bool trans_y, pdsi_matmul_plan *plan, pds_error *err)
{
    char bx[160], by[160];
    memset(plan, 0, sizeof *plan);
    if (x->rank < 1 || y->rank < 1)
        return pdsi_fail(err, PDS_ERR_SHAPE,
                         "matmul needs operands of rank >= 1, got X %s and Y %s",
                         pdsi_dims_str(x->dims, x->rank, bx, sizeof bx),
                         pdsi_dims_str(y->dims, y->rank, by, sizeof by));
    bool xvec = x->rank == 1, yvec = y->rank == 1;
    int64_t kx, ky;
    if (xvec) {
        plan->M = 1;
        kx = x->dims[0];
        trans_x = false;
    } else {
        int64_t r = x->dims[x->rank - 2], c = x->dims[x->rank - 1];
        plan->M = trans_x ? c : r;
        kx = trans_x ? r : c;
    }
    if (yvec) {
        plan->N = 1;
        ky = y->dims[0];
        trans_y = false;
    } else {
        int64_t r = y->dims[y->rank - 2], c = y->dims[y->rank - 1];
        plan->N = trans_y ? r : c;
        ky = trans_y ? c : r;
    }
    if (kx != ky)
        return pdsi_fail(err, PDS_ERR_SHAPE,
                         "X %s%s and Y %s%s do not multiply: X gives K = %lld, Y gives K = %lld",
                         pdsi_dims_str(x->dims, x->rank, bx, sizeof bx),
                         trans_x ? " (transposed)" : "",
                         pdsi_dims_str(y->dims, y->rank, by, sizeof by),
                         trans_y ? " (transposed)" : "", (long long)kx, (long long)ky);
    plan->K = kx;
    plan->trans_x = trans_x;
    plan->trans_y = trans_y;

    int xbr = xvec ? 0 : x->rank - 2, ybr = yvec ? 0 : y->rank - 2;
    int br = xbr > ybr ? xbr : ybr;
    plan->batch_rank = br;
    for (int i = 0; i < br; i++) {
        int xi = i - (br - xbr), yi = i - (br - ybr);
        int64_t a = xi >= 0 ? x->dims[xi] : 1, b = yi >= 0 ? y->dims[yi] : 1;
        if (a != b && a != 1 && b != 1)
            return pdsi_fail(err, PDS_ERR_SHAPE,
                             "X %s and Y %s have batch dims that do not broadcast: %lld against "
                             "%lld at batch dim %d",
                             pdsi_dims_str(x->dims, x->rank, bx, sizeof bx),
                             pdsi_dims_str(y->dims, y->rank, by, sizeof by), (long long)a,
                             (long long)b, i);
        plan->xb[i] = a;
        plan->yb[i] = b;
        plan->batch[i] = a == 1 ? b : a;
    }
    int r = 0;
    for (int i = 0; i < br; i++)
        plan->out[r++] = plan->batch[i];
    if (!xvec)
        plan->out[r++] = plan->M;
    if (!yvec)
        plan->out[r++] = plan->N;
    plan->out_rank = r;
    return PDS_OK;
}


static pds_status check_out_size(const int64_t *dims, int rank, pds_error *err)
{
    int64_t numel;
    size_t bytes;
    if (!pdsi_shape_numel(dims, rank, &numel) || !pdsi_bytes_of(PDS_FLOAT32, numel, &bytes)) {
        char b[160];
        return pdsi_fail(err, PDS_ERR_SHAPE, "output shape %s has too many elements",
                         pdsi_dims_str(dims, rank, b, sizeof b));
    }
    return PDS_OK;
}

/* Attributes of oneDNN fusion passes that change the operands' layout; a
 * model that sets them cannot be run correctly by ignoring them. */
static pds_status refuse_fused(const pdsi_attrs *attrs, pds_error *err)
{
    static const char *const names[] = {"fused_reshape_X",   "fused_reshape_Y",
                                        "fused_reshape_Out", "fused_transpose_X",
                                        "fused_transpose_Y", "fused_transpose_Out"};
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        const pdsi_attr *a = pdsi_attr_find(attrs, names[i]);
        if (a && a->type == PDSI_ATTR_INTS && a->n > 0)
            return pdsi_fail(err, PDS_ERR_UNSUPPORTED_OP,
                             "attribute '%s' is set (%lld entries); fused reshape/transpose is "
                             "not supported",
                             names[i], (long long)a->n);
    }
    return PDS_OK;
}

static pds_status get_alpha(const pdsi_attrs *attrs, float *alpha, pds_error *err)
{
    double a;
    pds_status st = pdsi_attr_float(attrs, "alpha", 1.0, &a, err);
    if (st)
        return st;
    if (!(a >= -3.4e38 && a <= 3.4e38))
        return pdsi_fail(err, PDS_ERR_MODEL_FORMAT,
                         "attribute 'alpha' is %g, expected a finite float32 value", a);
    *alpha = (float)a;
    return PDS_OK;
}

/* ---- matmul_v2 / matmul --------------------------------------------------- */

static pds_status parse_matmul_v2(const pdsi_attrs *attrs, void *params, pds_error *err)
{
    pdsi_matmul_params *p = params;
    pds_status st;
    if ((st = pdsi_attr_bool(attrs, "trans_x", false, &p->trans_x, err)) ||
        (st = pdsi_attr_bool(attrs, "trans_y", false, &p->trans_y, err)) ||
        (st = refuse_fused(attrs, err)))
        return st;
    p->alpha = 1.0f;
    return PDS_OK;
}

static pds_status parse_matmul(const pdsi_attrs *attrs, void *params, pds_error *err)
{
    pdsi_matmul_params *p = params;
    int64_t heads;
    pds_status st;
    if ((st = pdsi_attr_bool(attrs, "transpose_X", false, &p->trans_x, err)) ||
        (st = pdsi_attr_bool(attrs, "transpose_Y", false, &p->trans_y, err)) ||
        (st = get_alpha(attrs, &p->alpha, err)) ||
        (st = pdsi_attr_int(attrs, "head_number", 1, &heads, err)) ||
        (st = refuse_fused(attrs, err)))
        return st;
    if (heads != 1)
        return pdsi_fail(err, PDS_ERR_UNSUPPORTED_OP,
                         "attribute 'head_number' is %lld; only 1 is supported", (long long)heads);
    return PDS_OK;
}

static pds_status infer_matmul(const void *params, const pdsi_slot *in, const pdsi_slot *out,
                               pds_error *err)
{
    const pdsi_matmul_params *p = params;
    const pdsi_tensor *x = pdsi_slot_get(&in[0]);
    const pdsi_tensor *y = pdsi_slot_get(&in[1]);
    pdsi_matmul_plan pl;
    pds_status st;
    if ((st = pdsi_check_f32(x, "input 'X'", err)) || (st = pdsi_check_f32(y, "input 'Y'", err)) ||
        (st = pdsi_matmul_plan_make(x, y, p->trans_x, p->trans_y, &pl, err)) ||
        (st = check_out_size(pl.out, pl.out_rank, err)))
        return st;
    pdsi_out_set(out, 0, PDS_FLOAT32, pl.out_rank, pl.out);
    return PDS_OK;
}

/* ---- mul ----------------------------------------------------------------- */

static pds_status parse_num_col_dims(const pdsi_attrs *attrs, const char *name, int *out,
                                     pds_error *err)
{
    int64_t v;
    pds_status st = pdsi_attr_int(attrs, name, 1, &v, err);
    if (st)
        return st;
    if (v < 1 || v >= PDSI_MAX_RANK)
        return pdsi_fail(err, PDS_ERR_MODEL_FORMAT,
                         "attribute '%s' is %lld, expected 1 to %d", name, (long long)v,
                         PDSI_MAX_RANK - 1);
    *out = (int)v;
    return PDS_OK;
}

static pds_status parse_mul(const pdsi_attrs *attrs, void *params, pds_error *err)
{
    pdsi_mul_params *p = params;
    pds_status st;
    if ((st = parse_num_col_dims(attrs, "x_num_col_dims", &p->x_num_col_dims, err)) ||
        (st = parse_num_col_dims(attrs, "y_num_col_dims", &p->y_num_col_dims, err)))
        return st;
    return PDS_OK;
}

static int64_t prod(const int64_t *d, int n)
{
    int64_t p = 1;
    for (int i = 0; i < n; i++)
        p *= d[i];
    return p;
}

/* Checks that t has more dims than ncd and that its element count is sane. */
static pds_status check_flatten(const pdsi_tensor *t, int ncd, const char *what,
                                const char *attr, pds_error *err)
{
    char b[160];
    int64_t numel;
    if (t->rank <= ncd)
        return pdsi_fail(err, PDS_ERR_SHAPE,
                         "%s %s has rank %d, expected more than %s = %d", what,
                         pdsi_dims_str(t->dims, t->rank, b, sizeof b), t->rank, attr, ncd);
    if (!pdsi_shape_numel(t->dims, t->rank, &numel))
        return pdsi_fail(err, PDS_ERR_SHAPE, "%s %s has an invalid size", what,
                         pdsi_dims_str(t->dims, t->rank, b, sizeof b));
    return PDS_OK;
}

static pds_status infer_mul(const void *params, const pdsi_slot *in, const pdsi_slot *out,
                            pds_error *err)
{
    const pdsi_mul_params *p = params;
    const pdsi_tensor *x = pdsi_slot_get(&in[0]);
    const pdsi_tensor *y = pdsi_slot_get(&in[1]);
    char bx[160], by[160];
    pds_status st;
    if ((st = pdsi_check_f32(x, "input 'X'", err)) || (st = pdsi_check_f32(y, "input 'Y'", err)) ||
        (st = check_flatten(x, p->x_num_col_dims, "input 'X'", "x_num_col_dims", err)) ||
        (st = check_flatten(y, p->y_num_col_dims, "input 'Y'", "y_num_col_dims", err)))
        return st;
    int64_t kx = prod(x->dims + p->x_num_col_dims, x->rank - p->x_num_col_dims);
    int64_t ky = prod(y->dims, p->y_num_col_dims);
    if (kx != ky)
        return pdsi_fail(err, PDS_ERR_SHAPE,
                         "X %s flattened at x_num_col_dims %d has %lld columns but Y %s "
                         "flattened at y_num_col_dims %d has %lld rows",
                         pdsi_dims_str(x->dims, x->rank, bx, sizeof bx), p->x_num_col_dims,
                         (long long)kx, pdsi_dims_str(y->dims, y->rank, by, sizeof by),
                         p->y_num_col_dims, (long long)ky);
    int rank = p->x_num_col_dims + (y->rank - p->y_num_col_dims);
    if (rank > PDSI_MAX_RANK)
        return pdsi_fail(err, PDS_ERR_SHAPE,
                         "output of X %s and Y %s would have rank %d, more than %d",
                         pdsi_dims_str(x->dims, x->rank, bx, sizeof bx),
                         pdsi_dims_str(y->dims, y->rank, by, sizeof by), rank, PDSI_MAX_RANK);
    int64_t dims[PDSI_MAX_RANK];
    int r = 0;
    for (int i = 0; i < p->x_num_col_dims; i++)
        dims[r++] = x->dims[i];
    for (int i = p->y_num_col_dims; i < y->rank; i++)
        dims[r++] = y->dims[i];
    if ((st = check_out_size(dims, r, err)))
        return st;
    pdsi_out_set(out, 0, PDS_FLOAT32, r, dims);
    return PDS_OK;
}

/* ---- fc ------------------------------------------------------------------ */

static pds_status parse_fc(const pdsi_attrs *attrs, void *params, pds_error *err)
{
    pdsi_fc_params *p = params;
    const char *act;
    bool padding;
    pds_status st;
    if ((st = parse_num_col_dims(attrs, "in_num_col_dims", &p->in_num_col_dims, err)) ||
        (st = pdsi_attr_string(attrs, "activation_type", "", &act, err)) ||
        (st = pdsi_attr_bool(attrs, "padding_weights", false, &padding, err)))
        return st;
    if (padding)
        return pdsi_fail(err, PDS_ERR_UNSUPPORTED_OP,
                         "attribute 'padding_weights' is true; only unpadded weights are "
                         "supported");
    if (strcmp(act, "") == 0)
        p->relu = false;
    else if (strcmp(act, "relu") == 0)
        p->relu = true;
    else if (strcmp(act, "gelu") == 0)
        /* Paddle's CPU kernel skips it while its oneDNN kernel applies it:
         * there is no one answer to match. */
        return pdsi_fail(err, PDS_ERR_UNSUPPORTED_OP,
                         "attribute 'activation_type' is \"gelu\"; only \"\" and \"relu\" are "
                         "supported");
    else
        return pdsi_fail(err, PDS_ERR_MODEL_FORMAT,
                         "attribute 'activation_type' is \"%s\", expected \"\" or \"relu\"", act);
    return PDS_OK;
}

static pds_status infer_fc(const void *params, const pdsi_slot *in, const pdsi_slot *out,
                           pds_error *err)
{
    const pdsi_fc_params *p = params;
    const pdsi_tensor *x = pdsi_slot_get(&in[0]);
    const pdsi_tensor *w = pdsi_slot_get(&in[1]);
    const pdsi_tensor *b = pdsi_slot_get(&in[2]);
    char bx[160], bw[160], bb[160];
    pds_status st;
    if ((st = pdsi_check_f32(x, "input 'Input'", err)) ||
        (st = pdsi_check_f32(w, "input 'W'", err)) ||
        (b && (st = pdsi_check_f32(b, "input 'Bias'", err))) ||
        (st = check_flatten(x, p->in_num_col_dims, "input 'Input'", "in_num_col_dims", err)) ||
        (st = pdsi_check_rank(w, 2, 2, "input 'W'", err)))
        return st;
    int64_t k = prod(x->dims + p->in_num_col_dims, x->rank - p->in_num_col_dims);
    int64_t n = w->dims[1];
    if (w->dims[0] != k)
        return pdsi_fail(err, PDS_ERR_SHAPE,
                         "input 'W' %s has %lld rows, expected %lld (Input %s flattened at "
                         "in_num_col_dims %d)",
                         pdsi_dims_str(w->dims, w->rank, bw, sizeof bw), (long long)w->dims[0],
                         (long long)k, pdsi_dims_str(x->dims, x->rank, bx, sizeof bx),
                         p->in_num_col_dims);
    if (b && !((b->rank == 1 && b->dims[0] == n) ||
               (b->rank == 2 && b->dims[0] == 1 && b->dims[1] == n)))
        return pdsi_fail(err, PDS_ERR_SHAPE,
                         "input 'Bias' has shape %s, expected [%lld] or [1,%lld] (W is %s)",
                         pdsi_dims_str(b->dims, b->rank, bb, sizeof bb), (long long)n,
                         (long long)n, pdsi_dims_str(w->dims, w->rank, bw, sizeof bw));
    int64_t dims[PDSI_MAX_RANK];
    int r = 0;
    for (int i = 0; i < p->in_num_col_dims; i++)
        dims[r++] = x->dims[i];
    dims[r++] = n;
    if ((st = check_out_size(dims, r, err)))
        return st;
    pdsi_out_set(out, 0, PDS_FLOAT32, r, dims);
    return PDS_OK;
}

/* ---- opdefs -------------------------------------------------------------- */

static const pdsi_opdef op_matmul_v2 = {
    .id = PDSI_OP_MATMUL_V2,
    .type = "matmul_v2",
    .family = FAMILY,
    .in = {{"X", PDSI_SLOT_REQUIRED}, {"Y", PDSI_SLOT_REQUIRED}},
    .out = {{"Out", PDSI_SLOT_REQUIRED}},
    .params_size = sizeof(pdsi_matmul_params),
    .parse = parse_matmul_v2,
    .infer = infer_matmul,
};

static const pdsi_opdef op_matmul = {
    .id = PDSI_OP_MATMUL,
    .type = "matmul",
    .family = FAMILY,
    .in = {{"X", PDSI_SLOT_REQUIRED}, {"Y", PDSI_SLOT_REQUIRED}},
    .out = {{"Out", PDSI_SLOT_REQUIRED}},
    .params_size = sizeof(pdsi_matmul_params),
    .parse = parse_matmul,
    .infer = infer_matmul,
};

static const pdsi_opdef op_mul = {
    .id = PDSI_OP_MUL,
    .type = "mul",
    .family = FAMILY,
    .in = {{"X", PDSI_SLOT_REQUIRED}, {"Y", PDSI_SLOT_REQUIRED}},
    .out = {{"Out", PDSI_SLOT_REQUIRED}},
    .params_size = sizeof(pdsi_mul_params),
    .parse = parse_mul,
    .infer = infer_mul,
};

static const pdsi_opdef op_fc = {
    .id = PDSI_OP_FC,
    .type = "fc",
    .family = FAMILY,
    .in = {{"Input", PDSI_SLOT_REQUIRED}, {"W", PDSI_SLOT_REQUIRED}, {"Bias", PDSI_SLOT_OPTIONAL}},
    .out = {{"Out", PDSI_SLOT_REQUIRED}},
    .params_size = sizeof(pdsi_fc_params),
    .parse = parse_fc,
    .infer = infer_fc,
};

const pdsi_opdef *const pdsi_ops_matmul[] = {
    &op_matmul_v2,
    &op_matmul,
    &op_mul,
    &op_fc,
};
PDSI_OPDEF_TABLE_CHECK(MATMUL, matmul);
