/*
 * fused.c — shape inference and opdefs of the fused operators
 * (ops/fused.h). Shapes come from the plain operators' own inference, so
 * a fused operator cannot disagree with what it replaces.
 */
#include "ops/fused.h"
#include "ops/opdef.h"

#include "ops/activation.h"
#include "ops/elementwise.h"

#include <string.h>

#define FAMILY "fused"

/* The int8 form's own inputs: FilterInt8 int8 with Filter's dims, FilterScale
 * [M] float32 (M: the filter's output channels). */
static pds_status infer_quant(const pdsi_fconv_params *p, const pdsi_slot *in, pds_error *err)
{
    const pdsi_tensor *w = pdsi_slot_get(&in[1]), *w8 = pdsi_slot_get(&in[4]),
                      *ws = pdsi_slot_get(&in[5]);
    if (p->conv.transpose || !w || !w8 || !ws || w8->dtype != PDS_INT8 ||
        ws->dtype != PDS_FLOAT32 || w8->rank != w->rank || w->rank < 1 ||
        memcmp(w8->dims, w->dims, sizeof w->dims[0] * (size_t)w->rank) != 0 ||
        ws->rank != 1 || ws->dims[0] != w->dims[0] || p->quant.in_qmax < 1 ||
        !(p->quant.in_scale > 0.0f))
        return pdsi_fail(err, PDS_ERR_INTERNAL, "int8 convolution: FilterInt8 / FilterScale do "
                         "not match Filter, or the input quantisation is not set");
    return PDS_OK;
}

static pds_status infer_fconv(const void *params, const pdsi_slot *in, const pdsi_slot *out,
                              pds_error *err)
{
    const pdsi_fconv_params *p = params;
    const pdsi_opdef *base =
        pdsi_opdef_at(p->conv.transpose ? PDSI_OP_CONV2D_TRANSPOSE : PDSI_OP_CONV2D);
    if (!base)
        return pdsi_fail(err, PDS_ERR_INTERNAL, "conv2d is not registered");
    /* The plain conv infers Output from Input, Filter and Bias. */
    pdsi_slot plain_in[4] = {in[0], in[1], in[2], {NULL, 0}};
    pds_status st = base->infer(&p->conv, plain_in, out, err);
    if (st)
        return st;
    if (p->quant.on && (st = infer_quant(p, in, err)))
        return st;
    const pdsi_tensor *res = pdsi_slot_get(&in[3]);
    pdsi_tensor *o = pdsi_slot_get(&out[0]);
    if (res) {
        const pdsi_post_op *add = NULL;
        for (int i = 0; i < p->n_post; i++)
            if (p->post[i].residual)
                add = &p->post[i];
        if (!add)
            return pdsi_fail(err, PDS_ERR_INTERNAL, "ResidualData without a residual post-op");
        if ((st = pdsi_check_f32(res, "input 'ResidualData'", err)))
            return st;
        /* The add's own broadcasting (usually the same shape). */
        pdsi_bcast plan;
        st = add->conv_is_x ? pdsi_bcast_plan(o->dims, o->rank, res->dims, res->rank,
                                              add->add_axis, &plan, err)
                            : pdsi_bcast_plan(res->dims, res->rank, o->dims, o->rank,
                                              add->add_axis, &plan, err);
        if (st)
            return pdsi_fail_wrap(err, st, "op #%d (elementwise_add)", add->add_index);
        int64_t numel;
        char b1[160];
        if (!pdsi_shape_numel(plan.out, plan.rank, &numel))
            return pdsi_fail(err, PDS_ERR_SHAPE, "op #%d (elementwise_add): output shape %s has "
                             "too many elements", add->add_index,
                             pdsi_dims_str(plan.out, plan.rank, b1, sizeof b1));
        pdsi_out_set(out, 0, PDS_FLOAT32, plan.rank, plan.out);
    }
    return PDS_OK;
}

static pds_status infer_fmatmul(const void *params, const pdsi_slot *in, const pdsi_slot *out,
                                pds_error *err)
{
    const pdsi_fmatmul_params *p = params;
    /* The operator the product came from infers it (and, for fc, checks the
     * bias its own way: [N] or [1, N]). */
    static const char *const base_type[] = {"matmul_v2", "mul", "fc"};
    static const pdsi_op_id base_op[] = {PDSI_OP_MATMUL_V2, PDSI_OP_MUL, PDSI_OP_FC};
    if (p->form < PDSI_FMATMUL_V2 || p->form > PDSI_FMATMUL_FC)
        return pdsi_fail(err, PDS_ERR_INTERNAL, "fused matmul of unknown form %d", p->form);
    const pdsi_opdef *base = pdsi_opdef_at(base_op[p->form]);
    if (!base)
        return pdsi_fail(err, PDS_ERR_INTERNAL, "%s is not registered", base_type[p->form]);
    const pdsi_fc_params fc = {p->flat.x_num_col_dims, false};
    const void *bp = p->form == PDSI_FMATMUL_V2 ? (const void *)&p->mm
                     : p->form == PDSI_FMATMUL_MUL ? (const void *)&p->flat
                                                   : (const void *)&fc;
    pds_status st = base->infer(bp, in, out, err);
    if (st)
        return st;
    if (p->quant.on) {
        const pdsi_tensor *y = pdsi_slot_get(&in[1]), *y8 = pdsi_slot_get(&in[3]),
                          *ys = pdsi_slot_get(&in[4]);
        if (p->form != PDSI_FMATMUL_V2 || p->mm.trans_x || p->mm.trans_y || !y || !y8 || !ys ||
            y->rank != 2 || y8->dtype != PDS_INT8 || y8->rank != 2 ||
            y8->dims[0] != y->dims[0] || y8->dims[1] != y->dims[1] ||
            ys->dtype != PDS_FLOAT32 || ys->rank != 1 || ys->dims[0] != y->dims[1] ||
            p->quant.in_qmax < 1 || !(p->quant.in_scale > 0.0f))
            return pdsi_fail(err, PDS_ERR_INTERNAL, "int8 matmul: YInt8 / YScale do not match Y, "
                             "or the input quantisation is not set");
    }
    const pdsi_tensor *b = pdsi_slot_get(&in[2]);
    const pdsi_tensor *o = pdsi_slot_get(&out[0]);
    if (b && p->form != PDSI_FMATMUL_FC) {
        char b1[160];
        if ((st = pdsi_check_f32(b, "input 'Bias'", err)))
            return st;
        int64_t n = o->rank ? o->dims[o->rank - 1] : 1;
        if (b->rank != 1 || b->dims[0] != n)
            return pdsi_fail(err, PDS_ERR_SHAPE,
                             "the bias added to the matmul has shape %s, expected [%lld]",
                             pdsi_dims_str(b->dims, b->rank, b1, sizeof b1), (long long)n);
    }
    return PDS_OK;
}

static const pdsi_opdef op_fused_conv = {
    .id = PDSI_OP_PDSAFE_CONV,
    .type = "pdsafe_conv",
    .family = FAMILY,
    .flags = PDSI_OPF_INTERNAL,
    .in = {{"Input", PDSI_SLOT_REQUIRED},
           {"Filter", PDSI_SLOT_REQUIRED},
           {"Bias", PDSI_SLOT_OPTIONAL},
           {"ResidualData", PDSI_SLOT_OPTIONAL},
           {"FilterInt8", PDSI_SLOT_OPTIONAL},
           {"FilterScale", PDSI_SLOT_OPTIONAL}},
    .out = {{"Output", PDSI_SLOT_REQUIRED}},
    .params_size = sizeof(pdsi_fconv_params),
    .infer = infer_fconv,
};

static const pdsi_opdef op_fused_matmul = {
    .id = PDSI_OP_PDSAFE_MATMUL,
    .type = "pdsafe_matmul",
    .family = FAMILY,
    .flags = PDSI_OPF_INTERNAL,
    .in = {{"X", PDSI_SLOT_REQUIRED},
           {"Y", PDSI_SLOT_REQUIRED},
           {"Bias", PDSI_SLOT_OPTIONAL},
           {"YInt8", PDSI_SLOT_OPTIONAL},
           {"YScale", PDSI_SLOT_OPTIONAL}},
    .out = {{"Out", PDSI_SLOT_REQUIRED}},
    .params_size = sizeof(pdsi_fmatmul_params),
    .infer = infer_fmatmul,
};

/* x * s + t from elementwise_mul / elementwise_add with 1-element float32
 * parameters (passes/passes.c): the shape is the activation's, as the
 * broadcast of a [1] against it gives (rank 0 broadcasts to [1]). */
static pds_status infer_faffine(const void *params, const pdsi_slot *in, const pdsi_slot *out,
                                pds_error *err)
{
    (void)params;
    const pdsi_tensor *x = pdsi_slot_get(&in[0]);
    pds_status st = pdsi_check_f32(x, "input 'X'", err);
    if (st)
        return st;
    pdsi_tensor *o = pdsi_slot_get(&out[0]);
    if (x->rank == 0) {
        const int64_t one[1] = {1};
        pdsi_tensor_set_shape(o, PDS_FLOAT32, 1, one);
    } else {
        pdsi_tensor_set_shape(o, PDS_FLOAT32, x->rank, x->dims);
    }
    return PDS_OK;
}

static const pdsi_opdef op_fused_affine = {
    .id = PDSI_OP_PDSAFE_AFFINE,
    .type = "pdsafe_affine",
    .family = FAMILY,
    .flags = PDSI_OPF_INTERNAL | PDSI_OPF_UNARY | PDSI_OPF_INPLACE | PDSI_OPF_POST_OP,
    .in = {{"X", PDSI_SLOT_REQUIRED}},
    .out = {{"Out", PDSI_SLOT_REQUIRED}},
    .params_size = sizeof(pdsi_unary_params),
    .infer = infer_faffine,
};

const pdsi_opdef *const pdsi_ops_fused[] = {
    &op_fused_conv,
    &op_fused_matmul,
    &op_fused_affine,
};
PDSI_OPDEF_TABLE_CHECK(FUSED, fused);
