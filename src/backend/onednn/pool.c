/*
 * pool.c — pool2d on oneDNN (NHWC), for the configurations whose windows
 * oneDNN computes exactly as Paddle's kernel does (kernels/ref/pool.c):
 *
 *   - max, and average excluding padding: the divisor and the maximum only
 *     see input cells, so the trailing padding oneDNN needs for ceil_mode is
 *     harmless; windows must not be empty (Paddle yields -FLT_MAX or 0 there);
 *   - average including padding divides by the full kernel area in oneDNN,
 *     as in Paddle while every window ends within the input plus the leading
 *     padding (Paddle's clip point); otherwise it declines;
 *   - adaptive average with bins that divide the input evenly is a plain
 *     pooling with kernel = stride = input / output; other adaptive forms
 *     decline.
 */
#include "backend/onednn/dnn.h"

#include "backend/onednn/dnn-impl.h"
#include "ops/pool.h"

pds_status pdsi_dnn_pool(const pdsi_node *node, pdsi_dnn_io *in, int n_in, pdsi_dnn_io *out,
                         int n_out, pdsi_dnn_step **step, pds_error *err)
{
    *step = NULL;
    const pdsi_pool_params *p = node->params;
    if (n_in != 1 || n_out != 1 || in[0].t->dtype != PDS_FLOAT32)
        return PDS_OK;
    pdsi_pool_geom g;
    if (pdsi_pool_resolve(p, in[0].t, &g, NULL) != PDS_OK)
        return PDS_OK;
    int64_t kh = g.kh, kw = g.kw, sh = g.stride_h, sw = g.stride_w, pt = g.pad_t, pl = g.pad_l;
    dnnl_alg_kind_t alg;
    if (g.adaptive) {
        if (p->is_max || g.h % g.oh || g.w % g.ow)
            return PDS_OK;
        kh = sh = g.h / g.oh;
        kw = sw = g.w / g.ow;
        pt = pl = 0;
        alg = dnnl_pooling_avg_exclude_padding;
    } else if (p->is_max) {
        alg = dnnl_pooling_max;
    } else {
        alg = p->exclusive ? dnnl_pooling_avg_exclude_padding : dnnl_pooling_avg_include_padding;
    }
    /* Every window starts inside the input (none is empty). */
    if (pt >= kh || pl >= kw || (g.oh - 1) * sh - pt >= g.h || (g.ow - 1) * sw - pl >= g.w)
        return PDS_OK;
    if (alg == dnnl_pooling_avg_include_padding &&
        ((g.oh - 1) * sh - pt + kh > g.h + pt || (g.ow - 1) * sw - pl + kw > g.w + pl))
        return PDS_OK;
    /* The trailing padding that makes oneDNN's floor arithmetic give oh. */
    int64_t pb = (g.oh - 1) * sh + kh - g.h - pt, pr = (g.ow - 1) * sw + kw - g.w - pl;
    if (pb < 0)
        pb = 0;
    if (pr < 0)
        pr = 0;
    if ((g.h + pt + pb - kh) / sh + 1 != g.oh || (g.w + pl + pr - kw) / sw + 1 != g.ow)
        return PDS_OK;
    const int64_t od[4] = {g.n, g.c, g.oh, g.ow};
    /* nChw16c when the input already is, NHWC otherwise; bf16 when the
     * input is. */
    uint8_t lay = pdsi_layout_fp32(in[0].layout) == PDSI_LAYOUT_NCHW16C ? PDSI_LAYOUT_NCHW16C
                                                                         : PDSI_LAYOUT_NHWC;
    if (pdsi_layout_is_bf16(in[0].layout))
        lay = pdsi_layout_bf16(lay);
    dnnl_memory_desc_t src, dst;
    if (pdsi_dnn_md(&src, in[0].t->dims, 4, lay) || pdsi_dnn_md(&dst, od, 4, lay))
        return PDS_OK;
    dnnl_dims_t strides = {sh, sw}, kernel = {kh, kw}, dil = {0, 0}, padl = {pt, pl},
                padr = {pb, pr};
    dnnl_pooling_v2_desc_t pdsc;
    dnnl_primitive_desc_t pd = NULL;
    if (dnnl_pooling_v2_forward_desc_init(&pdsc, dnnl_forward_inference, alg, &src, &dst, strides,
                                          kernel, dil, padl, padr) == dnnl_success)
        pd = pdsi_dnn_pd(&pdsc, NULL, NULL);
    if (!pd)
        return PDS_OK;
    const pdsi_dnn_arg args[2] = {{DNNL_ARG_SRC, &src, 0, NULL},
                                  {DNNL_ARG_DST, &dst, PDSI_BIND_OUT0, NULL}};
    pdsi_dnn_step *s = NULL;
    pds_status st = pdsi_dnn_make_step(pd, args, 2, &s, err);
    if (st || !s)
        return st;
    in[0].want = lay;
    out[0].layout = lay;
    *step = s;
    return PDS_OK;
}
