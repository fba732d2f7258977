/*
 * matmul.c — the fused matmul (pdsafe_matmul: matmul_v2, mul or fc + bias +
 * activations) on oneDNN's matmul primitive. Batch dims broadcast as numpy
 * does (oneDNN broadcasts size-1 batch dims of either operand); transposed
 * operands are described by swapped strides, so nothing is copied. mul and
 * fc flatten their plain operands into matrices, which is only a different
 * description of the same bytes. 1-D operands (vector products) stay with
 * the reference kernel.
 */
#include "kernels/onednn/dnn.h"

#ifdef PDSAFE_HAVE_ONEDNN

#include <string.h>

#include "ops/fused.h"
#include "kernels/onednn/dnn-impl.h"

/* A row-major [batch..., r, c] matrix, or its transpose seen as [.., c, r]. */
static dnnl_status_t mat_md(dnnl_memory_desc_t *md, const int64_t *batch, int nb, int64_t r,
                            int64_t c, bool trans)
{
    dnnl_dims_t dims, strides;
    int n = nb + 2;
    for (int i = 0; i < nb; i++)
        dims[i] = batch[i];
    /* Stored [.., r, c]; logical dims swap when transposed. */
    dims[nb] = trans ? c : r;
    dims[nb + 1] = trans ? r : c;
    strides[nb] = trans ? 1 : c;
    strides[nb + 1] = trans ? c : 1;
    int64_t s = r * c;
    for (int i = nb - 1; i >= 0; i--) {
        strides[i] = s;
        s *= batch[i];
    }
    return dnnl_memory_desc_init_by_strides(md, n, dims, dnnl_f32, strides);
}

pds_status pdsi_dnn_matmul(pdsi_dnn_model *dm, const pdsi_graph *g, const pdsi_node *node,
                           pdsi_dnn_io *in, int n_in, pdsi_dnn_io *out, int n_out, bool pack_only,
                           pdsi_dnn_step **step, pds_error *err)
{
    *step = NULL;
    const pdsi_fmatmul_params *p = node->params;
    int ib = node->in_off[3] > node->in_off[2] ? node->in_off[2] : -1;
    if (n_out != 1 || n_in < 2 || (ib >= 0 && !in[ib].param) || (pack_only && !in[1].param))
        return PDS_OK;
    const pdsi_tensor *x = in[0].t, *y = in[1].t;
    if (x->dtype != PDS_FLOAT32 || y->dtype != PDS_FLOAT32 || x->rank < 2 || y->rank < 2)
        return PDS_OK;
    pdsi_matmul_plan mp;
    bool tx = p->mm.trans_x, ty = p->mm.trans_y;
    if (p->form == PDSI_FMATMUL_V2) {
        if (pdsi_matmul_plan_make(x, y, tx, ty, &mp, NULL) != PDS_OK || mp.batch_rank > 4)
            return PDS_OK;
    } else {
        /* [M, K] x [K, N] over the flattened operands. */
        int xn = p->flat.x_num_col_dims, yn = p->flat.y_num_col_dims;
        if (xn < 1 || xn >= x->rank || yn < 1 || yn >= y->rank)
            return PDS_OK;
        memset(&mp, 0, sizeof mp);
        mp.M = mp.K = mp.N = 1;
        int64_t ky = 1;
        for (int i = 0; i < x->rank; i++) {
            if (i < xn)
                mp.M *= x->dims[i];
            else
                mp.K *= x->dims[i];
        }
        for (int i = 0; i < y->rank; i++) {
            if (i < yn)
                ky *= y->dims[i];
            else
                mp.N *= y->dims[i];
        }
        tx = ty = false;
        /* The bias is added to every row of N outputs. */
        if (ky != mp.K || (ib >= 0 && pdsi_tensor_numel(in[ib].t) != mp.N) ||
            p->mm.alpha != 1.0f)
            return PDS_OK;
    }
    const int nb = mp.batch_rank;
    dnnl_memory_desc_t mx, my, mo, mbias;
    /* The stored shapes of X and Y: trans flips which dim is M/N vs K. */
    int64_t xr = tx ? mp.K : mp.M, xc = tx ? mp.M : mp.K;
    int64_t yr = ty ? mp.N : mp.K, yc = ty ? mp.K : mp.N;
    if (mat_md(&mx, mp.xb, nb, xr, xc, tx) || mat_md(&my, mp.yb, nb, yr, yc, ty) ||
        mat_md(&mo, mp.batch, nb, mp.M, mp.N, false))
        return PDS_OK;
    if (ib >= 0) {
        dnnl_dims_t bd;
        for (int i = 0; i < nb + 1; i++)
            bd[i] = 1;
        bd[nb + 1] = mp.N;
        if (dnnl_memory_desc_init_by_strides(&mbias, nb + 2, bd, dnnl_f32, NULL) != dnnl_success)
            return PDS_OK;
    }
    dnnl_primitive_attr_t attr;
    dnnl_post_ops_t po;
    if (pdsi_dnn_attr(&attr) != dnnl_success)
        return PDS_OK;
    if (dnnl_post_ops_create(&po) != dnnl_success) {
        dnnl_primitive_attr_destroy(attr);
        return PDS_OK;
    }
    bool ok = true;
    if (p->mm.alpha != 1.0f)
        ok = dnnl_primitive_attr_set_output_scales(attr, 1, 0, &p->mm.alpha) == dnnl_success;
    for (int i = 0; i < p->n_post && ok; i++)
        ok = !p->post[i].residual && pdsi_dnn_post_unary(po, p->post[i].unary.kind,
                                                         p->post[i].unary.a, p->post[i].unary.b,
                                                         p->post[i].unary.c);
    ok = ok && dnnl_primitive_attr_set_post_ops(attr, po) == dnnl_success;
    dnnl_post_ops_destroy(po);
    /* A parameter Y is packed once per model in the layout oneDNN picks. */
    bool wparam = in[1].param;
    dnnl_memory_desc_t my_any = my;
    if (wparam) {
        dnnl_dims_t wd;
        for (int i = 0; i < my.ndims; i++)
            wd[i] = my.dims[i];
        if (dnnl_memory_desc_init_by_tag(&my_any, my.ndims, wd, dnnl_f32, dnnl_format_tag_any) !=
            dnnl_success)
            my_any = my;
    }
    dnnl_primitive_desc_t pd = NULL;
    dnnl_matmul_desc_t md;
    if (ok &&
        dnnl_matmul_desc_init(&md, &mx, &my_any, ib >= 0 ? &mbias : NULL, &mo) == dnnl_success &&
        dnnl_primitive_desc_create(&pd, &md, attr, pdsi_dnn_engine(), NULL) != dnnl_success)
        pd = NULL;
    dnnl_primitive_attr_destroy(attr);
    if (!pd)
        return PDS_OK;
    if (!pdsi_dnn_pd_is_fast(pd)) {
        dnnl_primitive_desc_destroy(pd);
        return PDS_OK;
    }
    const void *wdata = NULL;
    const dnnl_memory_desc_t *w_md = &my;
    pds_status st;
    if (wparam) {
        w_md = dnnl_primitive_desc_query_md(pd, dnnl_query_weights_md, 0);
        if ((st = pdsi_dnn_weights(dm, g, in[1].value, &my, w_md, &wdata, err)) || pack_only) {
            if (!st)
                pdsi_dnn_warm(pd);
            dnnl_primitive_desc_destroy(pd);
            return st;
        }
    }
    pdsi_dnn_step *s = pdsi_dnn_step_new();
    if (!s) {
        dnnl_primitive_desc_destroy(pd);
        return pdsi_fail(err, PDS_ERR_OUT_OF_MEMORY, "could not allocate a step");
    }
    if ((st = pdsi_dnn_step_arg(s, DNNL_ARG_SRC, &mx, 0, NULL, err)) ||
        (st = pdsi_dnn_step_arg(s, DNNL_ARG_WEIGHTS, w_md, wparam ? PDSI_BIND_CONST : 1, wdata,
                                err)) ||
        (ib >= 0 && (st = pdsi_dnn_step_arg(s, DNNL_ARG_BIAS, &mbias, PDSI_BIND_CONST,
                                            in[ib].t->data, err))) ||
        (st = pdsi_dnn_step_arg(s, DNNL_ARG_DST, &mo, PDSI_BIND_OUT0, NULL, err))) {
        dnnl_primitive_desc_destroy(pd);
        pdsi_dnn_step_free(s);
        return st;
    }
    if ((st = pdsi_dnn_step_finish(s, pd, err))) {
        pdsi_dnn_step_free(s);
        return st;
    }
    for (int k = 0; k < n_in; k++)
        in[k].want = PDSI_LAYOUT_PLAIN;
    out[0].layout = PDSI_LAYOUT_PLAIN;
    *step = s;
    return PDS_OK;
}

#endif
