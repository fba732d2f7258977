/*
 * plan.c — building a predictor's plan for one shape signature: kernel choice
 * per node, layout conversions, residual copies, arena placement (see plan.h).
 */
#include "plan/plan.h"

#include <stdlib.h>
#include <string.h>

#include "plan/arena.h"

/* ---- static graph facts ------------------------------------------------- */

/* Operators that read only the shape of their inputs. */
static bool reads_dims_only(const pdsi_node *node)
{
    return (node->def->flags & PDSI_OPF_DIMS_ONLY) != 0;
}

pds_status pdsi_graph_info_make(const pdsi_graph *g, pdsi_graph_info *info, pds_error *err)
{
    memset(info, 0, sizeof *info);
    size_t nv = (size_t)g->n_values + 1, nn = (size_t)g->n_nodes + 1;
    uint8_t *need = calloc(nv, 1);
    info->early_node = calloc(nn, 1);
    info->early_value = calloc(nv, 1);
    info->last_use = malloc(sizeof *info->last_use * nv);
    info->is_output = calloc(nv, 1);
    if (!need || !info->early_node || !info->early_value || !info->last_use ||
        !info->is_output) {
        free(need);
        pdsi_graph_info_free(info);
        return pdsi_fail(err, PDS_ERR_OUT_OF_MEMORY, "could not allocate graph tables");
    }
    for (int32_t v = 0; v < g->n_values; v++)
        info->last_use[v] = -1;
    for (int32_t i = 0; i < g->n_outputs; i++)
        info->is_output[g->outputs[i]] = 1;
    /* Values are defined before they are read, so walking backwards sees
     * every reader of a value before its producer. */
    for (int32_t i = g->n_nodes - 1; i >= 0; i--) {
        const pdsi_node *node = &g->nodes[i];
        bool early = false;
        for (uint16_t a = node->out_off[0]; a < node->out_off[node->n_out_slots]; a++)
            early |= need[node->vals[a]] != 0;
        info->early_node[i] = early;
        for (int k = 0; k < node->n_in_slots; k++)
            for (uint16_t a = node->in_off[k]; a < node->in_off[k + 1]; a++) {
                int32_t v = node->vals[a];
                if (info->last_use[v] < i)
                    info->last_use[v] = i;
                if ((node->def->data_dependent_inputs >> k) & 1u)
                    need[v] = 1;
                else if (early && !reads_dims_only(node))
                    need[v] = 1;
            }
    }
    for (int32_t i = 0; i < g->n_nodes; i++)
        if (info->early_node[i]) {
            const pdsi_node *node = &g->nodes[i];
            for (uint16_t a = node->out_off[0]; a < node->out_off[node->n_out_slots]; a++)
                info->early_value[node->vals[a]] = 1;
        }
    for (int32_t i = 0; i < g->n_inputs; i++)
        info->early_value[g->inputs[i]] = 1;
    free(need);
    return PDS_OK;
}

void pdsi_graph_info_free(pdsi_graph_info *info)
{
    free(info->early_node);
    free(info->early_value);
    free(info->last_use);
    free(info->is_output);
    memset(info, 0, sizeof *info);
}

/* ---- shape signature ----------------------------------------------------- */

#define KEY_STRIDE (2 + PDSI_MAX_RANK)

size_t pdsi_plan_key_len(const pdsi_graph *g)
{
    return (size_t)g->n_values * KEY_STRIDE;
}

uint64_t pdsi_plan_key(const pdsi_graph *g, const pdsi_tensor *tensors, int64_t *key)
{
    uint64_t h = 1469598103934665603ull;
    for (int32_t v = 0; v < g->n_values; v++) {
        int64_t *k = &key[(size_t)v * KEY_STRIDE];
        memset(k, 0, sizeof *k * KEY_STRIDE);
        if (g->values[v].kind != PDSI_VALUE_PARAM) {
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
    pdsi_dnn_step *dnn;
    int32_t *in, *out; /* tensor indices */
    int n_in, n_out;
} bstep;

typedef struct builder {
    const pdsi_graph *g;
    const pdsi_graph_info *info;
    pdsi_dnn_model *dm;
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
    size_t *temp_off;      /* per step: arena offset of its intermediates */
    pds_error *err;
} builder;

static pds_status oom(builder *b, const char *what)
{
    return pdsi_fail(b->err, PDS_ERR_OUT_OF_MEMORY, "could not build the run plan: %s", what);
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

static pds_status add_step(builder *b, int32_t node, uint8_t kind, pdsi_dnn_step *dnn,
                           const int32_t *in, int n_in, const int32_t *out, int n_out)
{
    if (b->n_steps == b->cap_steps) {
        int32_t cap = b->cap_steps ? b->cap_steps * 2 : 64;
        bstep *s = realloc(b->steps, sizeof *s * (size_t)cap);
        if (!s) {
            pdsi_dnn_step_free(dnn);
            return oom(b, "step table");
        }
        b->steps = s;
        b->cap_steps = cap;
    }
    bstep *s = &b->steps[b->n_steps];
    memset(s, 0, sizeof *s);
    s->node = node;
    s->kind = kind;
    s->dnn = dnn;
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

/* The index of a tensor holding value-or-extra `src` in layout `want`,
 * converting once per value. */
/* A 4-D tensor with one pixel or one channel has the same bytes in every
 * layout. */
static bool layout_free(const pdsi_tensor *t)
{
    return t->rank != 4 || t->dims[2] * t->dims[3] == 1 || t->dims[1] == 1;
}

static pds_status converted(builder *b, int32_t node, int32_t src, uint8_t want, int32_t *out)
{
    if (b->layout[src] == want || layout_free(tensor_at(b, src))) {
        *out = src;
        return PDS_OK;
    }
    if (src < b->nv && b->conv_of[src] >= 0 && b->layout[b->conv_of[src]] == want) {
        *out = b->conv_of[src];
        return PDS_OK;
    }
    pdsi_tensor *t = tensor_at(b, src);
    pdsi_dnn_step *ds = NULL;
    pds_status st = pdsi_dnn_reorder_create(t, b->layout[src], want, &ds, b->err);
    if (st)
        return st;
    int32_t e;
    if ((st = new_extra(b, tensor_at(b, src), want, &e))) {
        pdsi_dnn_step_free(ds);
        return st;
    }
    if ((st = add_step(b, node, PDSI_STEP_CONVERT, ds, &src, 1, &e, 1)))
        return st;
    if (src < b->nv)
        b->conv_of[src] = e;
    *out = e;
    return PDS_OK;
}

/* Reference kernels that map element i to element i and so run on data in
 * any layout (all their tensors in the same one). */
static bool any_layout_ref(const builder *b, const pdsi_node *node)
{
    if (node->def->flags & PDSI_OPF_UNARY)
        return true;
    if (!(node->def->flags & PDSI_OPF_BINARY))
        return false;
    int n_in = node->in_off[node->n_in_slots];
    if (n_in != 2)
        return false;
    const pdsi_tensor *x = &b->tensors[node->vals[0]], *y = &b->tensors[node->vals[1]];
    return x->rank == y->rank &&
           memcmp(x->dims, y->dims, sizeof(int64_t) * (size_t)x->rank) == 0;
}

static bool in_arena(const builder *b, int32_t i)
{
    if (i >= b->nv)
        return true;
    return b->g->values[i].kind != PDSI_VALUE_PARAM && !b->info->early_value[i];
}

/* Does anything after step `node` (in node order) still read tensor i, or is
 * it handed out? Extras made for one node die with it. */
static bool dies_at(const builder *b, int32_t i, int32_t node)
{
    if (i >= b->nv) {
        /* An extra conversion may be shared by later readers of its value. */
        for (int32_t v = 0; v < b->nv; v++)
            if (b->conv_of[v] == i)
                return b->info->last_use[v] <= node && !b->info->is_output[v];
        return true;
    }
    return b->info->last_use[i] <= node && !b->info->is_output[i];
}

static pds_status plan_node(builder *b, int32_t i)
{
    const pdsi_graph *g = b->g;
    const pdsi_node *node = &g->nodes[i];
    int n_in = node->in_off[node->n_in_slots];
    int n_out = node->out_off[node->n_out_slots] - node->out_off[0];
    const int32_t *vin = node->vals, *vout = node->vals + node->out_off[0];
    int32_t in_idx[256], out_idx[256];
    pdsi_dnn_io in_io[256], out_io[256];
    pds_status st;
    if (n_in > 256 || n_out > 256)
        return pdsi_fail(b->err, PDS_ERR_LIMIT, "op #%d (%s) has more than 256 tensors",
                         node->index, node->type);
    pdsi_dnn_step *ds = NULL;
    if (b->dm) {
        for (int k = 0; k < n_in; k++) {
            int32_t v = vin[k];
            in_io[k] = (pdsi_dnn_io){&b->tensors[v], v, g->values[v].kind == PDSI_VALUE_PARAM,
                                     b->layout[v], b->layout[v]};
        }
        for (int k = 0; k < n_out; k++)
            out_io[k] = (pdsi_dnn_io){&b->tensors[vout[k]], vout[k], false, PDSI_LAYOUT_PLAIN,
                                      PDSI_LAYOUT_PLAIN};
        st = pdsi_dnn_step_create(b->dm, g, i, in_io, n_in, out_io, n_out, false, &ds, b->err);
        if (st)
            return pdsi_fail_wrap(b->err, st, "op #%d (%s)", node->index, node->type);
    }
    /* A reference step that does not care about layout keeps its first
     * input's (so an NHWC chain is not converted around an activation). */
    uint8_t ref_layout = PDSI_LAYOUT_PLAIN;
    if (!ds && n_in >= 1 && b->dm && any_layout_ref(b, node) &&
        g->values[vin[0]].kind != PDSI_VALUE_PARAM) {
        ref_layout = b->layout[vin[0]];
        for (int k = 0; k < n_in && ref_layout != PDSI_LAYOUT_PLAIN; k++)
            if (b->tensors[vin[k]].rank != 4 && !layout_free(&b->tensors[vin[k]]))
                ref_layout = PDSI_LAYOUT_PLAIN;
        for (int k = 0; k < n_out && ref_layout != PDSI_LAYOUT_PLAIN; k++)
            if (b->tensors[vout[k]].rank != 4)
                ref_layout = PDSI_LAYOUT_PLAIN;
    }
    for (int k = 0; k < n_in; k++) {
        uint8_t want = ds ? in_io[k].want : ref_layout;
        if (g->values[vin[k]].kind == PDSI_VALUE_PARAM) {
            in_idx[k] = vin[k];
            if (!ds && !b->tensors[vin[k]].data && pdsi_tensor_numel(&b->tensors[vin[k]]) > 0) {
                const void *plain = pdsi_dnn_model_plain(b->dm, g, vin[k]);
                if (!plain) {
                    pdsi_dnn_step_free(ds);
                    return oom(b, "plain copy of a packed parameter");
                }
                b->tensors[vin[k]].data = (void *)plain;
            }
            continue;
        }
        if ((st = converted(b, i, vin[k], want, &in_idx[k]))) {
            pdsi_dnn_step_free(ds);
            return st;
        }
    }
    for (int k = 0; k < n_out; k++) {
        out_idx[k] = vout[k];
        b->layout[vout[k]] = ds ? out_io[k].layout : ref_layout;
    }
    if (ds) {
        int r = pdsi_dnn_step_inplace_input(ds);
        if (r >= 0 && n_out >= 1) {
            int32_t src = in_idx[r];
            /* Chains are fine (block after block updating one buffer in
             * place): each member dies where the next is born. */
            /* The step must not read what it overwrites (conv(x) + x). */
            bool read_too = false;
            for (int k = 0; k < n_in; k++)
                read_too |= k != r && in_idx[k] == src;
            if (!in_arena(b, src) || !dies_at(b, src, i) || read_too) {
                /* Keep the residual: accumulate into a copy of it. */
                int32_t c;
                if ((st = new_extra(b, tensor_at(b, src), b->layout[src], &c)) ||
                    (st = add_step(b, i, PDSI_STEP_COPY, NULL, &src, 1, &c, 1))) {
                    pdsi_dnn_step_free(ds);
                    return st;
                }
                src = c;
            }
            b->alias[out_idx[0]] = src;
        }
    }
    return add_step(b, i, ds ? PDSI_STEP_DNN : PDSI_STEP_REF, ds, in_idx, n_in, out_idx, n_out);
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
        st->dnn = bs->dnn;
        st->temp_off = b->temp_off ? b->temp_off[s] : 0;
        bs->dnn = NULL;
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
        if (st->kind == PDSI_STEP_DNN)
            pl->n_fast++;
        if (st->kind == PDSI_STEP_CONVERT)
            pl->n_convert++;
        if (st->kind != PDSI_STEP_REF)
            continue;
        const pdsi_node *node = &b->g->nodes[bs->node];
        int ns = node->n_in_slots + node->n_out_slots;
        st->in = calloc((size_t)ns + 1, sizeof *st->in);
        if (!st->in)
            return oom(b, "step slots");
        st->out = st->in + node->n_in_slots;
        for (int k = 0; k < node->n_in_slots; k++) {
            st->in[k].t = st->in_t + node->in_off[k];
            st->in[k].n = node->in_off[k + 1] - node->in_off[k];
        }
        for (int k = 0; k < node->n_out_slots; k++) {
            st->out[k].t = st->out_t + (node->out_off[k] - node->out_off[0]);
            st->out[k].n = node->out_off[k + 1] - node->out_off[k];
        }
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
    /* One usage record per storage group (a tensor and those aliasing it),
     * then one per step with intermediates (alive for that step only). */
    size_t n_rec = 0;
    for (int32_t i = 0; i < nt; i++) {
        if (!in_arena(b, i) || first[i] < 0)
            continue;
        size_t bytes = pdsi_tensor_bytes(tensor_at(b, i));
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
        size_t bytes = pdsi_dnn_step_temp_bytes(b->steps[s].dnn);
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
        if (pdsi_dnn_step_temp_bytes(b->steps[s].dnn))
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
        pdsi_dnn_step_free(b->steps[s].dnn);
        free(b->steps[s].in);
        free(b->steps[s].out);
    }
    free(b->steps);
    free(b->extra);
    free(b->layout);
    free(b->conv_of);
    free(b->alias);
    free(b->outs);
    free(b->temp_off);
}

pds_status pdsi_plan_build(const pdsi_graph *g, const pdsi_graph_info *info,
                           pdsi_dnn_model *dm, pdsi_tensor *tensors, const int64_t *key,
                           size_t key_len, uint64_t hash, const pdsi_stop *stop,
                           pdsi_plan **out, pds_error *err)
{
    *out = NULL;
    builder b = {.g = g, .info = info, .dm = dm, .tensors = tensors, .nv = g->n_values,
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
        if (!info->early_node[i] && (st = plan_node(&b, i)))
            goto fail;
    }
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
    if ((st = finish_steps(&b, pl)))
        goto fail;
    for (int32_t s = 0; s < pl->n_steps; s++)
        if (pl->steps[s].dnn) {
            size_t sc = pdsi_dnn_step_scratch(pl->steps[s].dnn);
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
        pdsi_dnn_step_free(pl->steps[s].dnn);
        free(pl->steps[s].in);
        free(pl->steps[s].in_t);
        free(pl->steps[s].out_t);
    }
    free(pl->steps);
    free(pl->extra);
    free(pl->offset);
    free(pl->out);
    free(pl->key);
    free(pl);
}
