/*
 * plan.c — building a predictor's plan for one shape signature: the backend
 * of each node, layout conversions, residual copies, arena placement (see
 * plan.h).
 */
#include "plan/plan.h"

#include <stdlib.h>
#include <string.h>

#include "plan/arena.h"

/* ---- shape signature ----------------------------------------------------- */

#define KEY_STRIDE (2 + PDSI_MAX_RANK)

size_t pdsi_plan_key_len(const pdsi_graph *g)
{
    return (size_t)g->n_values * KEY_STRIDE;
}

uint64_t pdsi_plan_key(const pdsi_graph *g, const pdsi_graph_info *info,
                       const pdsi_tensor *tensors, int64_t *key)
{
    uint64_t h = 1469598103934665603ull;
    for (int32_t v = 0; v < g->n_values; v++) {
        int64_t *k = &key[(size_t)v * KEY_STRIDE];
        memset(k, 0, sizeof *k * KEY_STRIDE);
        /* late values are not planned: their shapes are the last run's */
        if (g->values[v].kind != PDSI_VALUE_PARAM && !info->late_value[v]) {
            const pdsi_tensor *t = &tensors[v];
            k[0] = t->dtype;
            k[1] = t->rank;
            for (int d = 0; d < t->rank && d < PDSI_MAX_RANK; d++)
                k[2 + d] = t->dims[d];
        }
        for (int j = 0; j < KEY_STRIDE; j++)
            h = (h ^ (uint64_t)k[j]) * 1099511628211ull;
    }
    return h;
}

/* ---- plan building -------------------------------------------------------- */

typedef struct bstep {
    int32_t node;
    uint8_t kind;
    uint8_t bi;              /* the backend's index in the set */
    pdsi_backend_step *impl; /* NULL for COPY */
    int32_t *in, *out;       /* tensor indices */
    int n_in, n_out;
} bstep;

typedef struct builder {
    const pdsi_graph *g;
    const pdsi_graph_info *info;
    const pdsi_backend_set *set;
    pdsi_tensor *tensors;
    int32_t nv;
    bstep *steps;
    int32_t n_steps, cap_steps;
    pdsi_tensor *extra;
    int32_t n_extra, cap_extra;
    uint8_t *layout;       /* per tensor index */
    int32_t *conv_of;      /* per value: extra holding its other layout (-1) */
    int32_t *last;         /* per tensor index: last step reading it */
    int32_t *alias;        /* per tensor index: shares storage with (-1) */
    int32_t n_tensors_cap;
    int32_t *outs;         /* per graph output: the plain tensor handed out */
    int32_t *late_in, *late_in_value; /* plain tensors late nodes read, and their values */
    int32_t n_late_in;
    size_t *temp_off;      /* per step: arena offset of its intermediates */
    pds_error *err;
} builder;

static pds_status oom(builder *b, const char *what)
{
    return pdsi_fail(b->err, PDS_ERR_OUT_OF_MEMORY, "could not build the run plan: %s", what);
}

/* Frees a step made by backend bi of set (impl may be NULL). */
static void impl_free(const pdsi_backend_set *set, uint8_t bi, pdsi_backend_step *impl)
{
    if (impl)
        set->b[bi]->step_free(impl);
}

static size_t impl_temp_bytes(const pdsi_backend_set *set, const bstep *s)
{
    return s->impl ? set->b[s->bi]->step_temp_bytes(s->impl) : 0;
}

static pdsi_tensor *tensor_at(builder *b, int32_t i)
{
    return i < b->nv ? &b->tensors[i] : &b->extra[i - b->nv];
}

/* Grows the per-tensor tables to hold index i. */
static pds_status ensure_tensor_tables(builder *b, int32_t need)
{
    if (need <= b->n_tensors_cap)
        return PDS_OK;
    int32_t cap = b->n_tensors_cap * 2;
    if (cap < need)
        cap = need;
    uint8_t *l = realloc(b->layout, (size_t)cap);
    if (!l)
        return oom(b, "layout table");
    b->layout = l;
    int32_t *a = realloc(b->alias, sizeof *a * (size_t)cap);
    if (!a)
        return oom(b, "alias table");
    b->alias = a;
    for (int32_t i = b->n_tensors_cap; i < cap; i++) {
        b->layout[i] = PDSI_LAYOUT_PLAIN;
        b->alias[i] = -1;
    }
    b->n_tensors_cap = cap;
    return PDS_OK;
}

static pds_status new_extra(builder *b, const pdsi_tensor *like, uint8_t layout, int32_t *idx)
{
    if (b->n_extra == b->cap_extra) {
        int32_t cap = b->cap_extra ? b->cap_extra * 2 : 16;
        pdsi_tensor *e = realloc(b->extra, sizeof *e * (size_t)cap);
        if (!e)
            return oom(b, "conversion tensors");
        b->extra = e;
        b->cap_extra = cap;
    }
    pdsi_tensor *t = &b->extra[b->n_extra];
    memset(t, 0, sizeof *t);
    pdsi_tensor_set_shape(t, like->dtype, like->rank, like->dims);
    *idx = b->nv + b->n_extra++;
    pds_status st = ensure_tensor_tables(b, *idx + 1);
    if (st)
        return st;
    b->layout[*idx] = layout;
    return PDS_OK;
}

static pds_status add_step(builder *b, int32_t node, uint8_t kind, uint8_t bi,
                           pdsi_backend_step *impl, const int32_t *in, int n_in,
                           const int32_t *out, int n_out)
{
    if (b->n_steps == b->cap_steps) {
        int32_t cap = b->cap_steps ? b->cap_steps * 2 : 64;
        bstep *s = realloc(b->steps, sizeof *s * (size_t)cap);
        if (!s) {
            impl_free(b->set, bi, impl);
            return oom(b, "step table");
        }
        b->steps = s;
        b->cap_steps = cap;
    }
    bstep *s = &b->steps[b->n_steps];
    memset(s, 0, sizeof *s);
    s->node = node;
    s->kind = kind;
    s->bi = bi;
    s->impl = impl;
    s->in = malloc(sizeof *s->in * (size_t)(n_in + 1));
    s->out = malloc(sizeof *s->out * (size_t)(n_out + 1));
    b->n_steps++; /* owned from now on, freed with the builder on failure */
    if (!s->in || !s->out)
        return oom(b, "step tensors");
    memcpy(s->in, in, sizeof *in * (size_t)n_in);
    memcpy(s->out, out, sizeof *out * (size_t)n_out);
    s->n_in = n_in;
    s->n_out = n_out;
    return PDS_OK;
}

/* A 4-D tensor with one pixel or one channel has the same bytes in every
 * layout of one storage type (float32 or bf16). */
static bool layout_free(const pdsi_tensor *t, uint8_t from, uint8_t to)
{
    return pdsi_layout_is_bf16(from) == pdsi_layout_is_bf16(to) &&
           (t->rank != 4 || t->dims[2] * t->dims[3] == 1 || t->dims[1] == 1);
}

/* A conversion step from the first backend of the set that offers one. */
static pds_status convert_step(builder *b, const pdsi_tensor *t, uint8_t from, uint8_t to,
                               uint8_t *bi, pdsi_backend_step **impl)
{
    *impl = NULL;
    for (int k = 0; k < b->set->n; k++) {
        const pdsi_backend *be = b->set->b[k];
        if (!be->convert_create)
            continue;
        pds_status st = be->convert_create(t, from, to, impl, b->err);
        if (st || *impl) {
            *bi = (uint8_t)k;
            return st;
        }
    }
    return pdsi_fail(b->err, PDS_ERR_INTERNAL,
                     "no backend converts a %s rank-%d tensor from layout %d to layout %d",
                     pds_dtype_name(t->dtype), t->rank, from, to);
}

/* The index of a tensor holding value-or-extra `src` in layout `want`,
 * converting once per value. */
static pds_status converted(builder *b, int32_t node, int32_t src, uint8_t want, int32_t *out)
{
    if (b->layout[src] == want || layout_free(tensor_at(b, src), b->layout[src], want)) {
        *out = src;
        return PDS_OK;
    }
    if (src < b->nv && b->conv_of[src] >= 0 && b->layout[b->conv_of[src]] == want) {
        *out = b->conv_of[src];
        return PDS_OK;
    }
    pdsi_tensor *t = tensor_at(b, src);
    pdsi_backend_step *cs = NULL;
    uint8_t bi = 0;
    pds_status st = convert_step(b, t, b->layout[src], want, &bi, &cs);
    if (st)
        return st;
    int32_t e;
    if ((st = new_extra(b, tensor_at(b, src), want, &e))) {
        impl_free(b->set, bi, cs);
        return st;
    }
    if ((st = add_step(b, node, PDSI_STEP_CONVERT, bi, cs, &src, 1, &e, 1)))
        return st;
    if (src < b->nv)
        b->conv_of[src] = e;
    *out = e;
    return PDS_OK;
}

/* The bytes tensor i's storage takes: its dtype's, or 2 per element in a
 * bf16 layout (backend.h). */
static size_t storage_bytes(builder *b, int32_t i)
{
    const pdsi_tensor *t = tensor_at(b, i);
    if (pdsi_layout_is_bf16(b->layout[i]))
        return (size_t)pdsi_tensor_numel(t) * 2;
    return pdsi_tensor_bytes(t);
}

static bool in_arena(const builder *b, int32_t i)
{
    if (i >= b->nv)
        return true;
    return b->g->values[i].kind != PDSI_VALUE_PARAM && !b->info->early_value[i];
}

/* Is value v read after the plan's steps (handed out, or read by a late
 * node)? */
static bool kept_to_end(const builder *b, int32_t v)
{
    return b->info->is_output[v] || b->info->late_read[v];
}

/* Does anything after step `node` (in node order) still read tensor i, or is
 * it handed out? Extras made for one node die with it. */
static bool dies_at(const builder *b, int32_t i, int32_t node)
{
    if (i >= b->nv) {
        /* An extra conversion may be shared by later readers of its value. */
        for (int32_t v = 0; v < b->nv; v++)
            if (b->conv_of[v] == i)
                return b->info->last_use[v] <= node && !kept_to_end(b, v);
        return true;
    }
    return b->info->last_use[i] <= node && !kept_to_end(b, i);
}

/* Refuses a step that would read or write a bf16 layout when its backend
 * does not run bf16 (backend.h): such a step would take 2-byte elements for
 * float32 ones. choose_backend shows these backends float32 layouts only, so
 * this is a backend asking for a layout it was never shown. */
static pds_status check_bf16_layouts(builder *b, int32_t i, const pdsi_backend *be,
                                     const pdsi_backend_io *in, int n_in,
                                     const pdsi_backend_io *out, int n_out)
{
    const pdsi_node *node = &b->g->nodes[i];
    if (be->bf16)
        return PDS_OK;
    for (int k = 0; k < n_in; k++)
        if (!in[k].param && pdsi_layout_is_bf16(in[k].want))
            return pdsi_fail(b->err, PDS_ERR_INTERNAL,
                             "op #%d (%s): backend %s asks for input %d in bf16 layout %d, but "
                             "it does not run bf16 (expected a float32 layout)",
                             node->index, node->type, be->name, k, in[k].want);
    for (int k = 0; k < n_out; k++)
        if (pdsi_layout_is_bf16(out[k].layout))
            return pdsi_fail(b->err, PDS_ERR_INTERNAL,
                             "op #%d (%s): backend %s writes output %d in bf16 layout %d, but "
                             "it does not run bf16 (expected a float32 layout)",
                             node->index, node->type, be->name, k, out[k].layout);
    return PDS_OK;
}

/* Offers node i to the set's backends in order; the first that accepts it
 * makes the step (*bi, *impl). A backend without bf16 sees an input stored
 * in a bf16 layout as stored in its float32 twin, so whatever it asks for is
 * float32 (converted() then makes it so). */
static pds_status choose_backend(builder *b, int32_t i, pdsi_backend_io *in, int n_in,
                                 pdsi_backend_io *out, int n_out, uint8_t *bi,
                                 pdsi_backend_step **impl)
{
    const pdsi_node *node = &b->g->nodes[i];
    *impl = NULL;
    for (int k = 0; k < b->set->n; k++) {
        const pdsi_backend *be = b->set->b[k];
        for (int j = 0; j < n_in; j++) {
            uint8_t l = b->layout[node->vals[j]];
            in[j].layout = in[j].want = be->bf16 ? l : pdsi_layout_fp32(l);
        }
        pds_status st = be->step_create(b->set->state[k], b->g, i, in, n_in, out, n_out, impl,
                                        b->err);
        if (!st && *impl && (st = check_bf16_layouts(b, i, be, in, n_in, out, n_out))) {
            be->step_free(*impl);
            *impl = NULL;
            return st;
        }
        if (st)
            return pdsi_fail_wrap(b->err, st, "op #%d (%s), backend %s", node->index,
                                  node->type, be->name);
        if (*impl) {
            *bi = (uint8_t)k;
            return PDS_OK;
        }
    }
    return pdsi_fail(b->err, PDS_ERR_INTERNAL, "op #%d (%s): no backend accepted it",
                     node->index, node->type);
}

/* Parameter v's plain data for a step that reads it (a backend may have
 * dropped it after packing). */
static pds_status restore_plain(builder *b, int32_t v)
{
    pdsi_tensor *t = &b->tensors[v];
    if (t->data || pdsi_tensor_numel(t) == 0)
        return PDS_OK;
    const void *plain = pdsi_backend_set_param_plain(b->set, b->g, v);
    if (!plain)
        return oom(b, "plain copy of a packed parameter");
    t->data = (void *)plain;
    return PDS_OK;
}

/* A step whose output 0 shares input r's storage (it accumulates in
 * place): aliases them, or first copies the input when it must be kept. */
static pds_status share_inplace(builder *b, int32_t i, int r, const int32_t *in_idx, int n_in,
                                int32_t out0)
{
    int32_t src = in_idx[r];
    /* Chains are fine (block after block updating one buffer in place):
     * each member dies where the next is born. */
    /* The step must not read what it overwrites (conv(x) + x). */
    bool read_too = false;
    for (int k = 0; k < n_in; k++)
        read_too |= k != r && in_idx[k] == src;
    if (!in_arena(b, src) || !dies_at(b, src, i) || read_too) {
        /* Keep the residual: accumulate into a copy of it. A COPY step
         * copies float32 bytes; bf16 storage is half that (storage_bytes),
         * so it is copied by a same-layout conversion. */
        int32_t c;
        pds_status st;
        uint8_t l = b->layout[src];
        if ((st = new_extra(b, tensor_at(b, src), l, &c)))
            return st;
        if (pdsi_layout_is_bf16(l)) {
            pdsi_backend_step *cs = NULL;
            uint8_t bi = 0;
            if ((st = convert_step(b, tensor_at(b, src), l, l, &bi, &cs)) ||
                (st = add_step(b, i, PDSI_STEP_CONVERT, bi, cs, &src, 1, &c, 1)))
                return st;
        } else if ((st = add_step(b, i, PDSI_STEP_COPY, 0, NULL, &src, 1, &c, 1))) {
            return st;
        }
        src = c;
    }
    b->alias[out0] = src;
    return PDS_OK;
}

static pds_status plan_node(builder *b, int32_t i)
{
    const pdsi_graph *g = b->g;
    const pdsi_node *node = &g->nodes[i];
    int n_in = node->in_off[node->n_in_slots];
    int n_out = node->out_off[node->n_out_slots] - node->out_off[0];
    const int32_t *vin = node->vals, *vout = node->vals + node->out_off[0];
    int32_t in_idx[256], out_idx[256];
    pdsi_backend_io in_io[256], out_io[256];
    pds_status st;
    if (n_in > 256 || n_out > 256)
        return pdsi_fail(b->err, PDS_ERR_LIMIT, "op #%d (%s) has more than 256 tensors",
                         node->index, node->type);
    for (int k = 0; k < n_in; k++) {
        int32_t v = vin[k];
        in_io[k] = (pdsi_backend_io){&b->tensors[v], v, g->values[v].kind == PDSI_VALUE_PARAM,
                                     b->layout[v], b->layout[v]};
    }
    for (int k = 0; k < n_out; k++)
        out_io[k] = (pdsi_backend_io){&b->tensors[vout[k]], vout[k], false, PDSI_LAYOUT_PLAIN,
                                      PDSI_LAYOUT_PLAIN};
    uint8_t bi = 0;
    pdsi_backend_step *impl = NULL;
    if ((st = choose_backend(b, i, in_io, n_in, out_io, n_out, &bi, &impl)))
        return st;
    const pdsi_backend *be = b->set->b[bi];
    for (int k = 0; k < n_in && !st; k++) {
        if (g->values[vin[k]].kind == PDSI_VALUE_PARAM) {
            in_idx[k] = vin[k];
            if (be->plain_params)
                st = restore_plain(b, vin[k]);
            continue;
        }
        st = converted(b, i, vin[k], in_io[k].want, &in_idx[k]);
    }
    for (int k = 0; k < n_out; k++) {
        out_idx[k] = vout[k];
        b->layout[vout[k]] = out_io[k].layout;
    }
    int r = st ? -1 : be->step_inplace_input(impl);
    if (r >= 0 && n_out >= 1)
        st = share_inplace(b, i, r, in_idx, n_in, out_idx[0]);
    if (st) {
        impl_free(b->set, bi, impl);
        return st;
    }
    return add_step(b, i, PDSI_STEP_BACKEND, bi, impl, in_idx, n_in, out_idx, n_out);
}

static int32_t root_of(const builder *b, int32_t i)
{
    while (b->alias[i] >= 0)
        i = b->alias[i];
    return i;
}

/* Turns the builder's index-based steps into the plan's pointer-based ones. */
static pds_status finish_steps(builder *b, pdsi_plan *pl)
{
    pl->steps = calloc((size_t)b->n_steps + 1, sizeof *pl->steps);
    if (!pl->steps)
        return oom(b, "steps");
    pl->n_steps = b->n_steps;
    for (int32_t s = 0; s < b->n_steps; s++) {
        bstep *bs = &b->steps[s];
        pdsi_step *st = &pl->steps[s];
        st->node = bs->node;
        st->kind = bs->kind;
        st->bi = bs->bi;
        st->backend = bs->impl ? b->set->b[bs->bi] : NULL;
        st->impl = bs->impl;
        st->temp_off = b->temp_off ? b->temp_off[s] : 0;
        bs->impl = NULL;
        st->in_t = calloc((size_t)bs->n_in + 1, sizeof *st->in_t);
        st->out_t = calloc((size_t)bs->n_out + 1, sizeof *st->out_t);
        if (!st->in_t || !st->out_t)
            return oom(b, "step tensors");
        for (int k = 0; k < bs->n_in; k++)
            st->in_t[k] = pdsi_plan_tensor(pl, b->tensors, bs->in[k]);
        for (int k = 0; k < bs->n_out; k++)
            st->out_t[k] = pdsi_plan_tensor(pl, b->tensors, bs->out[k]);
        st->n_in_t = bs->n_in;
        st->n_out_t = bs->n_out;
        if (st->kind == PDSI_STEP_BACKEND && st->backend != &pdsi_backend_ref)
            pl->n_fast++;
        if (st->kind == PDSI_STEP_BACKEND && st->backend && st->backend->step_int8 &&
            st->backend->step_int8(st->impl))
            pl->n_int8++;
        if (st->kind == PDSI_STEP_CONVERT)
            pl->n_convert++;
    }
    return PDS_OK;
}

static pds_status place(builder *b, pdsi_plan *pl)
{
    int32_t nt = b->nv + b->n_extra;
    pds_status st;
    pl->offset = malloc(sizeof *pl->offset * ((size_t)nt + 1));
    int32_t *first = malloc(sizeof *first * ((size_t)nt + 1));
    int32_t *lastu = malloc(sizeof *lastu * ((size_t)nt + 1));
    int32_t *rec = malloc(sizeof *rec * ((size_t)nt + 1));
    pdsi_usage *u = calloc((size_t)nt + (size_t)b->n_steps + 1, sizeof *u);
    if (!pl->offset || !first || !lastu || !rec || !u) {
        st = oom(b, "memory plan");
        goto out;
    }
    for (int32_t i = 0; i < nt; i++) {
        first[i] = -1;
        lastu[i] = -1;
        rec[i] = -1;
        pl->offset[i] = SIZE_MAX;
    }
    for (int32_t s = 0; s < b->n_steps; s++) {
        const bstep *bs = &b->steps[s];
        for (int k = 0; k < bs->n_out; k++)
            if (first[bs->out[k]] < 0)
                first[bs->out[k]] = s;
        for (int k = 0; k < bs->n_in; k++)
            lastu[bs->in[k]] = s;
    }
    for (int32_t i = 0; i < b->g->n_outputs; i++)
        lastu[b->outs[i]] = b->n_steps;
    for (int32_t k = 0; k < b->n_late_in; k++)
        lastu[b->late_in[k]] = b->n_steps;
    /* One usage record per storage group (a tensor and those aliasing it),
     * then one per step with intermediates (alive for that step only). */
    size_t n_rec = 0;
    for (int32_t i = 0; i < nt; i++) {
        if (!in_arena(b, i) || first[i] < 0)
            continue;
        size_t bytes = storage_bytes(b, i);
        pl->naive_bytes += (bytes + PDSI_ARENA_ALIGN - 1) & ~(size_t)(PDSI_ARENA_ALIGN - 1);
        int32_t r = root_of(b, i);
        if (rec[r] < 0) {
            rec[r] = (int32_t)n_rec;
            u[n_rec].first = first[i];
            u[n_rec].last = first[i];
            n_rec++;
        }
        pdsi_usage *ur = &u[rec[r]];
        int32_t f = first[i], l = lastu[i] > f ? lastu[i] : f;
        if (f < ur->first)
            ur->first = f;
        if (l > ur->last)
            ur->last = l;
        if (bytes > ur->size)
            ur->size = bytes;
    }
    size_t first_temp = n_rec;
    for (int32_t s = 0; s < b->n_steps; s++) {
        size_t bytes = impl_temp_bytes(b->set, &b->steps[s]);
        if (!bytes)
            continue;
        u[n_rec].first = u[n_rec].last = s;
        u[n_rec].size = bytes;
        pl->naive_bytes += bytes;
        n_rec++;
    }
    if ((st = pdsi_arena_plan(u, n_rec, &pl->arena_bytes, b->err)))
        goto out;
    b->temp_off = malloc(sizeof *b->temp_off * ((size_t)b->n_steps + 1));
    if (!b->temp_off) {
        st = oom(b, "memory plan");
        goto out;
    }
    for (int32_t s = 0, k = (int32_t)first_temp; s < b->n_steps; s++) {
        b->temp_off[s] = 0;
        if (impl_temp_bytes(b->set, &b->steps[s]))
            b->temp_off[s] = u[k++].offset;
    }
    for (int32_t i = 0; i < nt; i++)
        if (in_arena(b, i) && first[i] >= 0)
            pl->offset[i] = u[rec[root_of(b, i)]].offset;
    st = PDS_OK;
out:
    free(first);
    free(lastu);
    free(rec);
    free(u);
    return st;
}

static void builder_free(builder *b)
{
    for (int32_t s = 0; s < b->n_steps; s++) {
        impl_free(b->set, b->steps[s].bi, b->steps[s].impl);
        free(b->steps[s].in);
        free(b->steps[s].out);
    }
    free(b->steps);
    free(b->extra);
    free(b->layout);
    free(b->conv_of);
    free(b->alias);
    free(b->outs);
    free(b->late_in);
    free(b->late_in_value);
    free(b->temp_off);
}

/* The values late nodes read from the steps (graph.h, late_read): in plain
 * layout, alive to the end (kept_to_end), listed with the tensor that holds
 * them plain; parameters a backend packed get their plain data back. */
static pds_status keep_late_inputs(builder *b)
{
    const pdsi_graph *g = b->g;
    int32_t n = 0;
    for (int32_t v = 0; v < g->n_values; v++)
        n += b->info->late_read[v] && in_arena(b, v);
    if (!b->info->n_late)
        return PDS_OK;
    b->late_in = malloc(sizeof *b->late_in * ((size_t)n + 1));
    b->late_in_value = malloc(sizeof *b->late_in_value * ((size_t)n + 1));
    if (!b->late_in || !b->late_in_value)
        return oom(b, "late inputs");
    pds_status st = PDS_OK;
    for (int32_t v = 0; v < g->n_values && !st; v++) {
        if (!b->info->late_read[v])
            continue;
        if (g->values[v].kind == PDSI_VALUE_PARAM) {
            st = restore_plain(b, v);
        } else if (in_arena(b, v)) {
            b->late_in_value[b->n_late_in] = v;
            st = converted(b, g->n_nodes ? g->n_nodes - 1 : 0, v, PDSI_LAYOUT_PLAIN,
                           &b->late_in[b->n_late_in]);
            b->n_late_in += !st;
        }
    }
    return st;
}

pds_status pdsi_plan_build(const pdsi_graph *g, const pdsi_graph_info *info,
                           const pdsi_backend_set *set, pdsi_tensor *tensors, const int64_t *key,
                           size_t key_len, uint64_t hash, const pdsi_stop *stop,
                           pdsi_plan **out, pds_error *err)
{
    *out = NULL;
    builder b = {.g = g, .info = info, .set = set, .tensors = tensors, .nv = g->n_values,
                 .err = err};
    pdsi_plan *pl = calloc(1, sizeof *pl);
    b.conv_of = malloc(sizeof *b.conv_of * ((size_t)g->n_values + 1));
    pds_status st;
    if (!pl || !b.conv_of) {
        st = oom(&b, "plan");
        goto fail;
    }
    if ((st = ensure_tensor_tables(&b, g->n_values + 16)))
        goto fail;
    for (int32_t v = 0; v < g->n_values; v++)
        b.conv_of[v] = -1;
    for (int32_t i = 0; i < g->n_nodes; i++) {
        if (pdsi_stop_now(stop)) {
            st = pdsi_fail(err, PDS_ERR_CANCELLED,
                           "while planning the new input shapes, before op #%d (%s), %d of %d "
                           "operators planned",
                           g->nodes[i].index, g->nodes[i].type, i, g->n_nodes);
            goto fail;
        }
        bool runs = true;
        if (!info->early_node[i] && !info->late_node[i] &&
            ((st = pdsi_graph_node_runs(g, i, tensors, &runs, err)) ||
             (runs && (st = plan_node(&b, i)))))
            goto fail;
    }
    if ((st = keep_late_inputs(&b)))
        goto fail;
    /* Graph outputs are handed out in plain layout. */
    b.outs = malloc(sizeof *b.outs * ((size_t)g->n_outputs + 1));
    if (!b.outs) {
        st = oom(&b, "outputs");
        goto fail;
    }
    for (int32_t i = 0; i < g->n_outputs && !st; i++)
        st = converted(&b, g->n_nodes ? g->n_nodes - 1 : 0, g->outputs[i], PDSI_LAYOUT_PLAIN,
                       &b.outs[i]);
    if (st)
        goto fail;
    pl->n_values = g->n_values;
    pl->out = calloc((size_t)g->n_outputs + 1, sizeof *pl->out);
    if (!pl->out) {
        st = oom(&b, "outputs");
        goto fail;
    }
    if ((st = place(&b, pl)))
        goto fail;
    /* The plan takes the extra tensors; pointers into them are final now. */
    pl->extra = b.extra;
    pl->n_extra = b.n_extra;
    b.extra = NULL;
    for (int32_t i = 0; i < g->n_outputs; i++)
        pl->out[i] = pdsi_plan_tensor(pl, tensors, b.outs[i]);
    if (b.n_late_in) {
        pl->late_in = calloc((size_t)b.n_late_in, sizeof *pl->late_in);
        pl->late_in_value = malloc(sizeof *pl->late_in_value * (size_t)b.n_late_in);
        if (!pl->late_in || !pl->late_in_value) {
            st = oom(&b, "late inputs");
            goto fail;
        }
        for (int32_t k = 0; k < b.n_late_in; k++) {
            pl->late_in[k] = pdsi_plan_tensor(pl, tensors, b.late_in[k]);
            pl->late_in_value[k] = b.late_in_value[k];
        }
        pl->n_late_in = b.n_late_in;
    }
    if ((st = finish_steps(&b, pl)))
        goto fail;
    for (int32_t s = 0; s < pl->n_steps; s++)
        if (pl->steps[s].impl) {
            size_t sc = pl->steps[s].backend->step_scratch(pl->steps[s].impl);
            if (sc > pl->scratch_bytes)
                pl->scratch_bytes = sc;
        }
    pl->key = malloc(sizeof *pl->key * (key_len + 1));
    if (!pl->key) {
        st = oom(&b, "key");
        goto fail;
    }
    memcpy(pl->key, key, sizeof *key * key_len);
    pl->key_len = key_len;
    pl->hash = hash;
    builder_free(&b);
    *out = pl;
    return PDS_OK;
fail:
    builder_free(&b);
    pdsi_plan_free(pl);
    return st;
}

void pdsi_plan_free(pdsi_plan *pl)
{
    if (!pl)
        return;
    for (int32_t s = 0; s < pl->n_steps; s++) {
        if (pl->steps[s].impl)
            pl->steps[s].backend->step_free(pl->steps[s].impl);
        free(pl->steps[s].in_t);
        free(pl->steps[s].out_t);
    }
    free(pl->steps);
    free(pl->extra);
    free(pl->offset);
    free(pl->out);
    free(pl->late_in);
    free(pl->late_in_value);
    free(pl->key);
    free(pl);
}
