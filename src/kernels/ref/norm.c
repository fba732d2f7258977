/*
 * norm.c — reference kernels of the normalisation family.
 *
 * batch_norm folds the running statistics into one scale and shift per
 * channel (computed in double) and applies them in a single pass. layer_norm
 * accumulates mean and variance of each row in double with two passes, which
 * stays accurate for rows with a large mean. softmax subtracts the maximum
 * along the axis; when the axis is not the innermost dim the reductions run
 * over whole rows of the inner dims at a time, so memory is still read
 * contiguously.
 */
#include "kernels/ref/ref.h"
#include "ops/norm.h"

#include <math.h>
#include <stdint.h>
#include <string.h>

/* Product of dims [lo, hi). Shapes reaching a kernel were checked by infer. */
static int64_t span(const pdsi_tensor *t, int lo, int hi)
{
    int64_t n = 1;
    for (int i = lo; i < hi; i++)
        n *= t->dims[i];
    return n;
}

pds_status pdsi_ref_batch_norm(const void *params, const pdsi_slot *in, const pdsi_slot *out,
                               pdsi_exec *ex, pds_error *err)
{
    (void)ex;
    (void)err;
    const pdsi_batch_norm_params *p = params;
    const pdsi_tensor *tx = pdsi_slot_get(&in[0]);
    const float *x = tx->data;
    const float *scale = pdsi_slot_get(&in[1])->data;
    const float *bias = pdsi_slot_get(&in[2])->data;
    const float *mean = pdsi_slot_get(&in[3])->data;
    const float *var = pdsi_slot_get(&in[4])->data;
    float *y = pdsi_slot_get(&out[0])->data;
    int64_t n = tx->dims[0], c = tx->dims[1], inner = span(tx, 2, tx->rank);

    for (int64_t ni = 0; ni < n; ni++) {
        for (int64_t ci = 0; ci < c; ci++) {
            double inv = 1.0 / sqrt((double)var[ci] + (double)p->epsilon);
            float s = (float)((double)scale[ci] * inv);
            float b = (float)((double)bias[ci] - (double)mean[ci] * (double)scale[ci] * inv);
            int64_t off = (ni * c + ci) * inner;
            for (int64_t i = 0; i < inner; i++)
                y[off + i] = x[off + i] * s + b;
        }
    }

    /* The optional outputs only matter in training; give them well-defined
     * contents anyway. */
    pdsi_tensor *t;
    if ((t = pdsi_slot_get(&out[1])) != NULL)
        memmove(t->data, mean, (size_t)c * sizeof(float));
    if ((t = pdsi_slot_get(&out[2])) != NULL)
        memmove(t->data, var, (size_t)c * sizeof(float));
    if ((t = pdsi_slot_get(&out[3])) != NULL)
        memset(t->data, 0, (size_t)c * sizeof(float));
    if ((t = pdsi_slot_get(&out[4])) != NULL)
        memset(t->data, 0, (size_t)c * sizeof(float));
    return PDS_OK;
}

pds_status pdsi_ref_layer_norm(const void *params, const pdsi_slot *in, const pdsi_slot *out,
                               pdsi_exec *ex, pds_error *err)
{
    (void)ex;
    (void)err;
    const pdsi_layer_norm_params *p = params;
    const pdsi_tensor *tx = pdsi_slot_get(&in[0]);
    const pdsi_tensor *ts = pdsi_slot_get(&in[1]);
    const pdsi_tensor *tb = pdsi_slot_get(&in[2]);
    pdsi_tensor *tmean = pdsi_slot_get(&out[1]);
    pdsi_tensor *tvar = pdsi_slot_get(&out[2]);
    const float *scale = ts ? ts->data : NULL;
    const float *bias = tb ? tb->data : NULL;
    float *y = pdsi_slot_get(&out[0])->data;
    int64_t rows = span(tx, 0, p->begin_norm_axis);
    int64_t cols = span(tx, p->begin_norm_axis, tx->rank);

    for (int64_t r = 0; r < rows; r++) {
        const float *xr = (const float *)tx->data + r * cols;
        float *yr = y + r * cols;
        double mean = 0.0, var = 0.0;
        for (int64_t j = 0; j < cols; j++)
            mean += xr[j];
        mean = cols > 0 ? mean / (double)cols : 0.0;
        for (int64_t j = 0; j < cols; j++) {
            double d = xr[j] - mean;
            var += d * d;
        }
        var = cols > 0 ? var / (double)cols : 0.0;
        /* Written before Y: Y may share X's buffer, the statistics do not. */
        if (tmean)
            ((float *)tmean->data)[r] = (float)mean;
        if (tvar)
            ((float *)tvar->data)[r] = (float)var;
        double inv = 1.0 / sqrt(var + (double)p->epsilon);
        for (int64_t j = 0; j < cols; j++) {
            float v = (float)((xr[j] - mean) * inv);
            if (scale)
                v *= scale[j];
            if (bias)
                v += bias[j];
            yr[j] = v;
        }
    }
    return PDS_OK;
}

/* Paddle's CPU softmax and log_softmax clip the max-shifted logits at -64
 * before exp (so log_softmax never goes below about -64). */
static inline float clip_shift(float s)
{
    return s < -64.0f ? -64.0f : s;
}

static void softmax_rows(const float *x, float *o, int64_t rows, int64_t n, bool log_form)
{
    for (int64_t r = 0; r < rows; r++, x += n, o += n) {
        float mx = x[0];
        for (int64_t i = 1; i < n; i++)
            if (x[i] > mx)
                mx = x[i];
        double sum = 0.0;
        if (log_form) {
            for (int64_t i = 0; i < n; i++)
                sum += expf(clip_shift(x[i] - mx));
            float ls = (float)log(sum);
            for (int64_t i = 0; i < n; i++)
                o[i] = clip_shift(x[i] - mx) - ls;
        } else {
            for (int64_t i = 0; i < n; i++) {
                float e = expf(clip_shift(x[i] - mx));
                o[i] = e;
                sum += e;
            }
            float inv = (float)(1.0 / sum);
            for (int64_t i = 0; i < n; i++)
                o[i] *= inv;
        }
    }
}

/* Softmax over the middle dim of [outer, n, inner] with inner > 1, using
 * per-column accumulators mx[inner] and acc[inner]. */
static void softmax_strided(const float *x, float *o, int64_t outer, int64_t n, int64_t inner,
                            bool log_form, float *mx, double *acc)
{
    for (int64_t b = 0; b < outer; b++) {
        const float *xb = x + b * n * inner;
        float *ob = o + b * n * inner;
        for (int64_t j = 0; j < inner; j++) {
            mx[j] = xb[j];
            acc[j] = 0.0;
        }
        for (int64_t a = 1; a < n; a++)
            for (int64_t j = 0; j < inner; j++)
                if (xb[a * inner + j] > mx[j])
                    mx[j] = xb[a * inner + j];
        if (log_form) {
            for (int64_t a = 0; a < n; a++)
                for (int64_t j = 0; j < inner; j++)
                    acc[j] += expf(clip_shift(xb[a * inner + j] - mx[j]));
            for (int64_t j = 0; j < inner; j++)
                acc[j] = log(acc[j]);
            for (int64_t a = 0; a < n; a++)
                for (int64_t j = 0; j < inner; j++)
                    ob[a * inner + j] = clip_shift(xb[a * inner + j] - mx[j]) - (float)acc[j];
        } else {
            for (int64_t a = 0; a < n; a++)
                for (int64_t j = 0; j < inner; j++) {
                    float e = expf(clip_shift(xb[a * inner + j] - mx[j]));
                    ob[a * inner + j] = e;
                    acc[j] += e;
                }
            for (int64_t j = 0; j < inner; j++)
                mx[j] = (float)(1.0 / acc[j]);
            for (int64_t a = 0; a < n; a++)
                for (int64_t j = 0; j < inner; j++)
                    ob[a * inner + j] *= mx[j];
        }
    }
}

pds_status pdsi_ref_softmax(const void *params, const pdsi_slot *in, const pdsi_slot *out,
                            pdsi_exec *ex, pds_error *err)
{
    const pdsi_softmax_params *p = params;
    const pdsi_tensor *tx = pdsi_slot_get(&in[0]);
    float *o = pdsi_slot_get(&out[0])->data;
    const float *x = tx->data;
    if (tx->rank == 0) {
        /* One element along the axis: softmax 1, log_softmax 0. */
        o[0] = p->log ? 0.0f : 1.0f;
        return PDS_OK;
    }
    int axis = p->axis < 0 ? p->axis + tx->rank : p->axis;
    int64_t outer = span(tx, 0, axis), n = tx->dims[axis], inner = span(tx, axis + 1, tx->rank);
    if (outer == 0 || n == 0 || inner == 0)
        return PDS_OK;
    if (inner == 1) {
        softmax_rows(x, o, outer, n, p->log);
        return PDS_OK;
    }
    /* Both accumulators in one scratch block, the doubles first for
     * alignment. */
    size_t per = sizeof(double) + sizeof(float);
    size_t bytes = (size_t)inner * per;
    double *acc = (uint64_t)inner <= SIZE_MAX / per ? pdsi_exec_scratch(ex, bytes) : NULL;
    if (!acc)
        return pdsi_fail(err, PDS_ERR_OUT_OF_MEMORY,
                         "could not allocate %zu bytes of softmax scratch", bytes);
    softmax_strided(x, o, outer, n, inner, p->log, (float *)(acc + inner), acc);
    return PDS_OK;
}

/* ---- instance_norm, group_norm ------------------------------------------ */

/* Normalises `count` blocks of X, block b holding `len` runs of `run`
 * contiguous elements `stride` apart starting at first(b); channel of
 * element j of run r: chan(b, r, j). Two-pass statistics in double; writes
 * the mean and variance of each block to stats when given. */
typedef struct norm_walk {
    int64_t first, len, run, stride;
} norm_walk;

static void norm_block(const float *x, float *y, norm_walk w, const int64_t *chan_of_run,
                       int64_t chan_step, const float *scale, const float *bias, double eps,
                       double *mean_out, double *var_out)
{
    const int64_t n = w.len * w.run;
    double mean = 0.0, var = 0.0;
    for (int64_t r = 0; r < w.len; r++)
        for (int64_t j = 0; j < w.run; j++)
            mean += x[w.first + r * w.stride + j];
    mean = n > 0 ? mean / (double)n : 0.0;
    for (int64_t r = 0; r < w.len; r++)
        for (int64_t j = 0; j < w.run; j++) {
            double d = x[w.first + r * w.stride + j] - mean;
            var += d * d;
        }
    var = n > 0 ? var / (double)n : 0.0;
    *mean_out = mean;
    *var_out = var;
    const double inv = 1.0 / sqrt(var + eps);
    for (int64_t r = 0; r < w.len; r++)
        for (int64_t j = 0; j < w.run; j++) {
            int64_t e = w.first + r * w.stride + j;
            int64_t ch = chan_of_run[r] + j * chan_step;
            float v = (float)((x[e] - mean) * inv);
            if (scale)
                v *= scale[ch];
            if (bias)
                v += bias[ch];
            y[e] = v;
        }
}

pds_status pdsi_ref_instance_norm(const void *params, const pdsi_slot *in, const pdsi_slot *out,
                                  pdsi_exec *ex, pds_error *err)
{
    (void)ex;
    const pdsi_instance_norm_params *p = params;
    const pdsi_tensor *tx = pdsi_slot_get(&in[0]);
    const pdsi_tensor *ts = pdsi_slot_get(&in[1]);
    const pdsi_tensor *tb = pdsi_slot_get(&in[2]);
    pdsi_tensor *ty = pdsi_slot_get(&out[0]);
    pdsi_tensor *tmean = pdsi_slot_get(&out[1]);
    pdsi_tensor *tvar = pdsi_slot_get(&out[2]);
    if (!tx || !ty || tx->rank < 2 || pdsi_tensor_numel(ty) != pdsi_tensor_numel(tx))
        return pdsi_fail(err, PDS_ERR_INTERNAL, "instance_norm: X and Y do not match");
    const int64_t n = tx->dims[0], c = tx->dims[1], size = span(tx, 2, tx->rank);
    for (int64_t b = 0; b < n * c; b++) {
        /* one run of `size` elements; its channel is b % c */
        int64_t ch = b % c;
        norm_walk w = {b * size, 1, size, size};
        double mean, var;
        norm_block(tx->data, ty->data, w, &ch, 0, ts ? ts->data : NULL, tb ? tb->data : NULL,
                   (double)p->epsilon, &mean, &var);
        if (tmean)
            ((float *)tmean->data)[b] = (float)mean;
        if (tvar)
            ((float *)tvar->data)[b] = (float)(1.0 / sqrt(var + (double)p->epsilon));
    }
    return PDS_OK;
}

pds_status pdsi_ref_group_norm(const void *params, const pdsi_slot *in, const pdsi_slot *out,
                               pdsi_exec *ex, pds_error *err)
{
    const pdsi_group_norm_params *p = params;
    const pdsi_tensor *tx = pdsi_slot_get(&in[0]);
    const pdsi_tensor *ts = pdsi_slot_get(&in[1]);
    const pdsi_tensor *tb = pdsi_slot_get(&in[2]);
    pdsi_tensor *ty = pdsi_slot_get(&out[0]);
    pdsi_tensor *tmean = pdsi_slot_get(&out[1]);
    pdsi_tensor *tvar = pdsi_slot_get(&out[2]);
    if (!tx || !ty || tx->rank < 2 || pdsi_tensor_numel(ty) != pdsi_tensor_numel(tx))
        return pdsi_fail(err, PDS_ERR_INTERNAL, "group_norm: X and Y do not match");
    const int64_t n = tx->dims[0];
    const int64_t c = p->nhwc ? tx->dims[tx->rank - 1] : tx->dims[1];
    const int64_t size = p->nhwc ? span(tx, 1, tx->rank - 1) : span(tx, 2, tx->rank);
    const int64_t gsize = (c - 1) / p->groups + 1;
    /* NHWC: a group is `size` runs of its channels; NCHW: its channels' planes
     * are one run. The channel of each run: */
    const int64_t room = size > c ? size : (c > 0 ? c : 1);
    int64_t *chan = pdsi_exec_scratch(ex, sizeof(int64_t) * (size_t)room);
    if (!chan)
        return pdsi_fail(err, PDS_ERR_OUT_OF_MEMORY, "group_norm: could not allocate scratch");
    for (int64_t b = 0; b < n; b++) {
        for (int64_t g = 0; g < p->groups; g++) {
            const int64_t c0 = g * gsize, nch = c0 < c ? (c - c0 < gsize ? c - c0 : gsize) : 0;
            norm_walk w;
            double mean = 0.0, var = 0.0;
            if (nch > 0) {
                if (p->nhwc) {
                    w = (norm_walk){b * size * c + c0, size, nch, c};
                    for (int64_t r = 0; r < size; r++)
                        chan[r] = c0;
                    norm_block(tx->data, ty->data, w, chan, 1, ts ? ts->data : NULL,
                               tb ? tb->data : NULL, (double)p->epsilon, &mean, &var);
                } else {
                    /* channels c0.. are contiguous planes: one run per channel */
                    w = (norm_walk){(b * c + c0) * size, nch, size, size};
                    for (int64_t r = 0; r < nch; r++)
                        chan[r] = c0 + r;
                    norm_block(tx->data, ty->data, w, chan, 0, ts ? ts->data : NULL,
                               tb ? tb->data : NULL, (double)p->epsilon, &mean, &var);
                }
            }
            if (tmean)
                ((float *)tmean->data)[b * p->groups + g] = (float)mean;
            if (tvar)
                ((float *)tvar->data)[b * p->groups + g] = (float)var;
        }
    }
    return PDS_OK;
}

/* ---- kernels by operator (ops/op_list.h order) ------------------------- */

const pdsi_ref_binding pdsi_ref_norm_kernels[] = {
    {PDSI_OP_BATCH_NORM, pdsi_ref_batch_norm},
    {PDSI_OP_LAYER_NORM, pdsi_ref_layer_norm},
    {PDSI_OP_SOFTMAX, pdsi_ref_softmax},
    {PDSI_OP_LOG_SOFTMAX, pdsi_ref_softmax},
    {PDSI_OP_INSTANCE_NORM, pdsi_ref_instance_norm},
    {PDSI_OP_GROUP_NORM, pdsi_ref_group_norm},
};
PDSI_REF_TABLE_CHECK(NORM, norm);
