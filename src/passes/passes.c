/*
 * passes.c — the load-time rewrites (see passes.h).
 *
 * Rewrites work on the graph's node array in place: a removed node is marked
 * dead and its readers are pointed at the value it forwarded; a fused node
 * takes over the first node of its chain (keeping its position and file
 * index, so messages still name an operator of the file) and the output of
 * the last one. Dead nodes are dropped at the end, and parameters nothing
 * reads any more give their memory back.
 *
 * Shape-dependent decisions (is an add a same-shape residual?) use the shapes
 * inferred at nominal input sizes; the fused operators' own shape inference
 * still checks every run.
 */
#include "passes/passes.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kernels/ref/ref.h"
#include "ops/control.h"
#include "ops/fused.h"
#include "ops/activation.h"
#include "ops/elementwise.h"
#include "ops/norm.h"
#include "ops/quant.h"

#define NOMINAL_SPATIAL 224
/* Largest output a constant fold may turn into a parameter. */
#define FOLD_MAX_BYTES (16u << 20)

/* ---- nominal shapes ------------------------------------------------------- */

/* Shapes of every value for nominal input sizes; the few values shapes depend
 * on are computed. Returns NULL when inference fails (not an error: callers
 * then skip what needs shapes). Free with nominal_free. */
static pdsi_tensor *nominal_shapes(const pdsi_graph *g, const pdsi_graph_info *info)
{
    pdsi_tensor *t = calloc((size_t)g->n_values + 1, sizeof *t);
    if (!t)
        return NULL;
    for (int32_t v = 0; v < g->n_values; v++)
        if (g->values[v].kind == PDSI_VALUE_PARAM) {
            t[v] = g->values[v].data;
            t[v].cap = 0;
        }
    bool ok = true;
    for (int32_t i = 0; i < g->n_inputs && ok; i++) {
        const pdsi_value *v = &g->values[g->inputs[i]];
        int64_t dims[PDSI_MAX_RANK];
        for (int d = 0; d < v->rank; d++)
            dims[d] = v->dims[d] >= 0 ? v->dims[d] : (d == 0 ? 1 : NOMINAL_SPATIAL);
        pdsi_tensor *x = &t[g->inputs[i]];
        pdsi_tensor_set_shape(x, v->dtype, v->rank, dims);
        /* Phase-1 operators may read an input's data: give small ones zeros. */
        if (info && pdsi_tensor_numel(x) <= (1 << 20)) {
            ok = pdsi_tensor_reserve(x);
            if (ok)
                memset(x->data, 0, pdsi_tensor_bytes(x));
        }
    }
    pdsi_exec ex = {.num_threads = 1};
    for (int32_t i = 0; i < g->n_nodes && ok; i++) {
        const pdsi_node *node = &g->nodes[i];
        pdsi_slot slots[2 * PDSI_MAX_SLOTS];
        pdsi_tensor *ptrs[512];
        int q = 0;
        if (node->out_off[node->n_out_slots] > 512) {
            ok = false;
            break;
        }
        for (int k = 0; k < node->n_in_slots; k++) {
            slots[k].t = &ptrs[q];
            slots[k].n = node->in_off[k + 1] - node->in_off[k];
            for (uint16_t a = node->in_off[k]; a < node->in_off[k + 1]; a++)
                ptrs[q++] = &t[node->vals[a]];
        }
        pdsi_slot *out = &slots[node->n_in_slots];
        for (int k = 0; k < node->n_out_slots; k++) {
            out[k].t = &ptrs[q];
            out[k].n = node->out_off[k + 1] - node->out_off[k];
            for (uint16_t a = node->out_off[k]; a < node->out_off[k + 1]; a++)
                ptrs[q++] = &t[node->vals[a]];
        }
        ok = node->def->infer(node->params, slots, out, NULL) == PDS_OK;
        if (ok && info && info->early_node[i]) {
            for (int k = 0; k < node->n_out_slots && ok; k++)
                for (int a = 0; a < out[k].n && ok; a++) {
                    int64_t numel;
                    ok = pdsi_shape_numel(out[k].t[a]->dims, out[k].t[a]->rank, &numel) &&
                         numel <= (1 << 20) && pdsi_tensor_reserve(out[k].t[a]);
                }
            pdsi_kernel_fn run = pdsi_ref_kernel(node->def->id);
            ok = ok && run(node->params, slots, out, &ex, NULL) == PDS_OK;
        }
    }
    pdsi_exec_release(&ex);
    if (!ok) {
        for (int32_t v = 0; v < g->n_values; v++)
            if (t[v].cap)
                pdsi_tensor_release(&t[v]);
        free(t);
        return NULL;
    }
    return t;
}

/* n: the graph's value count when the shapes were made. */
static void nominal_free(int32_t n, pdsi_tensor *t)
{
    if (!t)
        return;
    for (int32_t v = 0; v < n; v++)
        if (t[v].cap)
            pdsi_tensor_release(&t[v]);
    free(t);
}

/* ---- graph surgery ---------------------------------------------------------- */

typedef struct rewriter {
    pdsi_graph *g;
    uint8_t *dead;   /* per node */
    int32_t *users;  /* per value: reading nodes (live) + 1 if a graph output */
    int32_t users_cap;
    pdsi_tensor *nominal;
    int32_t n_nominal;
    pds_error *err;
} rewriter;

static pds_status count_users(rewriter *r)
{
    pdsi_graph *g = r->g;
    if (g->n_values > r->users_cap) {
        int32_t cap = g->n_values + 64;
        int32_t *u = realloc(r->users, sizeof *u * (size_t)cap);
        if (!u)
            return pdsi_fail(r->err, PDS_ERR_OUT_OF_MEMORY, "could not grow the rewriter's tables");
        r->users = u;
        r->users_cap = cap;
    }
    memset(r->users, 0, sizeof *r->users * (size_t)g->n_values);
    for (int32_t i = 0; i < g->n_nodes; i++) {
        if (r->dead[i])
            continue;
        const pdsi_node *node = &g->nodes[i];
        for (uint16_t a = 0; a < node->in_off[node->n_in_slots]; a++)
            r->users[node->vals[a]]++;
    }
    for (int32_t i = 0; i < g->n_outputs; i++)
        r->users[g->outputs[i]]++;
    return PDS_OK;
}

static bool is_output(const pdsi_graph *g, int32_t v)
{
    for (int32_t i = 0; i < g->n_outputs; i++)
        if (g->outputs[i] == v)
            return true;
    return false;
}

/* The only live node reading v (not a graph output), or -1. */
static int32_t sole_reader(const rewriter *r, int32_t v, int32_t after)
{
    if (r->users[v] != 1 || is_output(r->g, v))
        return -1;
    for (int32_t i = after + 1; i < r->g->n_nodes; i++) {
        if (r->dead[i])
            continue;
        const pdsi_node *node = &r->g->nodes[i];
        for (uint16_t a = 0; a < node->in_off[node->n_in_slots]; a++)
            if (node->vals[a] == v)
                return i;
    }
    return -1;
}

/* Points every reader of `from` (and the graph outputs) at `to`. */
static void forward_value(rewriter *r, int32_t from, int32_t to)
{
    pdsi_graph *g = r->g;
    for (int32_t i = 0; i < g->n_nodes; i++) {
        if (r->dead[i])
            continue;
        pdsi_node *node = &g->nodes[i];
        for (uint16_t a = 0; a < node->in_off[node->n_in_slots]; a++)
            if (node->vals[a] == from)
                node->vals[a] = to;
    }
    for (int32_t i = 0; i < g->n_outputs; i++)
        if (g->outputs[i] == from)
            g->outputs[i] = to;
}

/* The single tensor of input slot k (by name), or -1. */
static int32_t in_value(const pdsi_node *node, const char *slot)
{
    for (int k = 0; k < node->n_in_slots; k++)
        if (strcmp(node->def->in[k].name, slot) == 0)
            return node->in_off[k + 1] - node->in_off[k] == 1 ? node->vals[node->in_off[k]] : -1;
    return -1;
}

static int32_t out_value(const pdsi_node *node, const char *slot)
{
    for (int k = 0; k < node->n_out_slots; k++)
        if (strcmp(node->def->out[k].name, slot) == 0)
            return node->out_off[k + 1] - node->out_off[k] == 1 ? node->vals[node->out_off[k]]
                                                                : -1;
    return -1;
}

/* True if node writes any output besides `keep` that someone reads. */
static bool other_outputs_used(const rewriter *r, const pdsi_node *node, int32_t keep)
{
    for (uint16_t a = node->out_off[0]; a < node->out_off[node->n_out_slots]; a++)
        if (node->vals[a] != keep && r->users[node->vals[a]] > 0)
            return true;
    return false;
}

static bool is_param(const pdsi_graph *g, int32_t v)
{
    return v >= 0 && g->values[v].kind == PDSI_VALUE_PARAM;
}

/* Gives back a parameter's memory once the node being rewritten was its only
 * reader (its dims stay: shape inference still reads them), so that a folded
 * model never holds its weights twice. */
static void drop_if_unshared(rewriter *r, int32_t v)
{
    pdsi_value *val = &r->g->values[v];
    if (v < r->users_cap && r->users[v] <= 1 && val->kind == PDSI_VALUE_PARAM &&
        !is_output(r->g, v) && val->data.cap) {
        pdsi_buffer_free(val->data.data, val->data.cap);
        val->data.data = NULL;
        val->data.cap = 0;
    }
}

/* A new parameter value of dtype owning data (taken: a pdsi_buffer_alloc
 * buffer of cap bytes). */
static pds_status new_param_of(rewriter *r, const char *base, const char *what, pds_dtype dtype,
                               int rank, const int64_t *dims, void *data, size_t cap, int32_t *id)
{
    pdsi_graph *g = r->g;
    char name[512];
    int32_t n = 0;
    do
        snprintf(name, sizeof name, "%s@pdsafe_%s%d", base, what, n++);
    while (pdsi_graph_find(g, name) >= 0);
    pds_status st = pdsi_graph_declare(g, name, true, dtype, rank, dims, id, r->err);
    if (st) {
        pdsi_buffer_free(data, cap);
        return st;
    }
    pdsi_value *v = &g->values[*id];
    v->kind = PDSI_VALUE_PARAM;
    pdsi_tensor_set_shape(&v->data, dtype, rank, dims);
    v->data.data = data;
    v->data.cap = cap;
    return PDS_OK;
}

/* The same for float32. */
static pds_status new_param(rewriter *r, const char *base, const char *what, int rank,
                            const int64_t *dims, float *data, size_t cap, int32_t *id)
{
    return new_param_of(r, base, what, PDS_FLOAT32, rank, dims, data, cap, id);
}

/* Appends "+suffix" to a node's type. */
static pds_status extend_type(rewriter *r, pdsi_node *node, const char *suffix)
{
    size_t a = strlen(node->type), b = strlen(suffix);
    char *t = realloc(node->type, a + b + 2);
    if (!t)
        return pdsi_fail(r->err, PDS_ERR_OUT_OF_MEMORY, "could not rename a fused operator");
    t[a] = '+';
    memcpy(t + a + 1, suffix, b + 1);
    node->type = t;
    return PDS_OK;
}

/* Rebuilds a node's value list for a new opdef: in[k] / out[k] are the value
 * ids per slot of def (-1: empty). Single-tensor slots only. */
static pds_status reslot(rewriter *r, pdsi_node *node, const pdsi_opdef *def, const int32_t *in,
                         int n_in, const int32_t *out, int n_out, void *params)
{
    int total = 0;
    for (int k = 0; k < n_in; k++)
        total += in[k] >= 0;
    for (int k = 0; k < n_out; k++)
        total += out[k] >= 0;
    int32_t *vals = malloc(sizeof *vals * (size_t)(total + 1));
    if (!vals) {
        free(params);
        return pdsi_fail(r->err, PDS_ERR_OUT_OF_MEMORY, "could not rebuild a fused operator");
    }
    uint16_t q = 0;
    for (int k = 0; k < n_in; k++) {
        node->in_off[k] = q;
        if (in[k] >= 0)
            vals[q++] = in[k];
    }
    node->in_off[n_in] = q;
    for (int k = 0; k < n_out; k++) {
        node->out_off[k] = q;
        if (out[k] >= 0)
            vals[q++] = out[k];
    }
    node->out_off[n_out] = q;
    free(node->vals);
    node->vals = vals;
    node->n_in_slots = n_in;
    node->n_out_slots = n_out;
    node->def = def;
    free(node->params);
    node->params = params;
    return PDS_OK;
}

/* ---- no-ops and constants --------------------------------------------------------- */

static bool is_noop(const rewriter *r, const pdsi_node *node)
{
    if (!(node->def->flags & PDSI_OPF_IDENTITY))
        return false;
    /* The identity for some params only: check which. */
    switch (node->def->id) {
    case PDSI_OP_DROPOUT: {
        const pdsi_dropout_params *p = node->params;
        int32_t mask = out_value(node, "Mask");
        return p->factor == 1.0f && (mask < 0 || r->users[mask] == 0);
    }
    case PDSI_OP_SCALE: {
        const pdsi_scale_params *p = node->params;
        return p->scale == 1.0 && p->bias == 0.0 && in_value(node, "ScaleTensor") < 0;
    }
    default:
        return true;
    }
}

static pds_status remove_noops(rewriter *r)
{
    pdsi_graph *g = r->g;
    pds_status st = count_users(r);
    if (st)
        return st;
    for (int32_t i = 0; i < g->n_nodes; i++) {
        pdsi_node *node = &g->nodes[i];
        if (r->dead[i] || !is_noop(r, node))
            continue;
        int32_t x = in_value(node, "X"), out = out_value(node, "Out");
        if (x < 0 || out < 0)
            continue;
        /* A graph output that is also a graph input stays a copy: outputs
         * are handed out of library memory. */
        if (is_output(g, out) && g->values[x].kind == PDSI_VALUE_INPUT)
            continue;
        r->dead[i] = 1;
        forward_value(r, out, x);
        if ((st = count_users(r)))
            return st;
    }
    return PDS_OK;
}

/* Runs nodes whose inputs are all parameters once, at load. */
static pds_status fold_constants(rewriter *r)
{
    pdsi_graph *g = r->g;
    pdsi_exec ex = {.num_threads = 1};
    pds_status st = PDS_OK;
    for (int32_t i = 0; i < g->n_nodes && !st; i++) {
        pdsi_node *node = &g->nodes[i];
        if (r->dead[i])
            continue;
        bool all_param = true;
        for (uint16_t a = 0; a < node->in_off[node->n_in_slots]; a++)
            all_param &= is_param(g, node->vals[a]);
        int n_out = node->out_off[node->n_out_slots] - node->out_off[0];
        if (!all_param || n_out < 1 || n_out > 8)
            continue;
        pdsi_tensor outs[8];
        memset(outs, 0, sizeof outs);
        pdsi_tensor *ptrs[512];
        pdsi_slot slots[2 * PDSI_MAX_SLOTS];
        if (node->in_off[node->n_in_slots] > 500)
            continue;
        int q = 0;
        for (int k = 0; k < node->n_in_slots; k++) {
            slots[k].t = &ptrs[q];
            slots[k].n = node->in_off[k + 1] - node->in_off[k];
            for (uint16_t a = node->in_off[k]; a < node->in_off[k + 1]; a++)
                ptrs[q++] = &g->values[node->vals[a]].data;
        }
        pdsi_slot *out = &slots[node->n_in_slots];
        int o = 0;
        for (int k = 0; k < node->n_out_slots; k++) {
            out[k].t = &ptrs[q];
            out[k].n = node->out_off[k + 1] - node->out_off[k];
            for (uint16_t a = node->out_off[k]; a < node->out_off[k + 1]; a++)
                ptrs[q++] = &outs[o++];
        }
        bool ok = node->def->infer(node->params, slots, out, NULL) == PDS_OK;
        size_t total = 0;
        for (int k = 0; k < n_out && ok; k++) {
            int64_t numel;
            size_t bytes;
            ok = pdsi_shape_numel(outs[k].dims, outs[k].rank, &numel) &&
                 pdsi_bytes_of(outs[k].dtype, numel, &bytes) && bytes <= FOLD_MAX_BYTES &&
                 (total += bytes) <= FOLD_MAX_BYTES && pdsi_tensor_reserve(&outs[k]);
        }
        ok = ok && pdsi_ref_kernel(node->def->id)(node->params, slots, out, &ex, NULL) == PDS_OK;
        if (!ok) {
            for (int k = 0; k < n_out; k++)
                pdsi_tensor_release(&outs[k]);
            continue;
        }
        /* The outputs become parameters; the node goes. */
        for (int k = 0; k < n_out; k++) {
            pdsi_value *v = &g->values[node->vals[node->out_off[0] + k]];
            v->kind = PDSI_VALUE_PARAM;
            v->producer = -1;
            v->data = outs[k];
            v->dtype = outs[k].dtype;
            v->rank = outs[k].rank;
            memcpy(v->dims, outs[k].dims, sizeof v->dims);
        }
        r->dead[i] = 1;
    }
    pdsi_exec_release(&ex);
    return st;
}

/* Conditionals whose condition is known at load: a parameter, often only
 * after fold_constants (PP-YOLOE+'s CSPResNet `if self.alpha:` casts a
 * parameter to bool). The branch that cannot run goes, the other runs
 * unguarded, and each select_input choosing by such a condition becomes the
 * value it chooses. A condition known only at run time stays a guard
 * (graph/graph.h). */
static pds_status fold_branches(rewriter *r)
{
    pdsi_graph *g = r->g;
    if (!g->n_guards)
        return PDS_OK;
    /* per guard (1-based, 0 = none): 1 always runs, -1 never, 0 at run time;
     * a guard's parent is made before it */
    int8_t *state = calloc((size_t)g->n_guards + 1, 1);
    if (!state)
        return pdsi_fail(r->err, PDS_ERR_OUT_OF_MEMORY, "could not allocate the branch table");
    state[0] = 1;
    for (int32_t k = 1; k <= g->n_guards; k++) {
        const pdsi_guard *gd = &g->guards[k - 1];
        int8_t ps = gd->parent < k ? state[gd->parent] : 0;
        bool v;
        if (ps == -1)
            state[k] = -1;
        else if (is_param(g, gd->cond) &&
                 pdsi_guard_value(g, gd, &g->values[gd->cond].data, &v, NULL) == PDS_OK)
            state[k] = v != gd->want ? -1 : ps;
    }
    pds_status st = PDS_OK;
    for (int32_t i = 0; i < g->n_nodes; i++) {
        pdsi_node *node = &g->nodes[i];
        if (r->dead[i] || !node->guard)
            continue;
        if (state[node->guard] == -1)
            r->dead[i] = 1;
        else if (state[node->guard] == 1)
            node->guard = 0;
    }
    free(state);
    if ((st = count_users(r)))
        return st;
    for (int32_t i = 0; i < g->n_nodes; i++) {
        pdsi_node *node = &g->nodes[i];
        int k;
        if (r->dead[i] || node->def->id != PDSI_OP_SELECT_INPUT ||
            !is_param(g, node->vals[node->in_off[1]]) ||
            pdsi_select_index(&g->values[node->vals[node->in_off[1]]].data,
                              node->in_off[1] - node->in_off[0], &k, NULL) != PDS_OK)
            continue;
        int32_t x = node->vals[node->in_off[0] + k], out = node->vals[node->out_off[0]];
        /* outputs are handed out of library memory: a graph input stays copied */
        if (is_output(g, out) && g->values[x].kind == PDSI_VALUE_INPUT)
            continue;
        r->dead[i] = 1;
        forward_value(r, out, x);
        if ((st = count_users(r)))
            return st;
    }
    return PDS_OK;
}

/* True when every graph input has a fixed shape: then every shape in the
 * graph is what nominal inference computed. */
static bool inputs_static(const pdsi_graph *g)
{
    for (int32_t i = 0; i < g->n_inputs; i++) {
        const pdsi_value *v = &g->values[g->inputs[i]];
        if (v->rank < 0)
            return false;
        for (int d = 0; d < v->rank; d++)
            if (v->dims[d] < 0)
                return false;
    }
    return true;
}

/* With static shapes, operators that read only dims (`shape`) are constants: they become
 * parameters (and fold_constants then folds what computes on them). */
static pds_status fold_static_shapes(rewriter *r, bool *any)
{
    pdsi_graph *g = r->g;
    pdsi_exec ex = {.num_threads = 1};
    *any = false;
    for (int32_t i = 0; i < g->n_nodes; i++) {
        pdsi_node *node = &g->nodes[i];
        if (r->dead[i] || !(node->def->flags & PDSI_OPF_DIMS_ONLY) || node->in_off[1] != 1 ||
            node->out_off[node->n_out_slots] - node->out_off[0] != 1)
            continue;
        int32_t x = node->vals[0], y = node->vals[node->out_off[0]];
        if (x >= r->n_nominal || r->nominal[x].rank < 0)
            continue;
        pdsi_tensor xt = r->nominal[x], yt = {0};
        xt.data = NULL;
        xt.cap = 0;
        pdsi_tensor *xp[1] = {&xt}, *yp[1] = {&yt};
        pdsi_slot in = {xp, 1}, out = {yp, 1};
        if (node->def->infer(node->params, &in, &out, NULL) != PDS_OK || !pdsi_tensor_reserve(&yt))
            continue;
        if (pdsi_ref_kernel(node->def->id)(node->params, &in, &out, &ex, NULL) != PDS_OK) {
            pdsi_tensor_release(&yt);
            continue;
        }
        pdsi_value *v = &g->values[y];
        v->kind = PDSI_VALUE_PARAM;
        v->producer = -1;
        v->data = yt;
        v->dtype = yt.dtype;
        v->rank = yt.rank;
        memcpy(v->dims, yt.dims, sizeof v->dims);
        r->dead[i] = 1;
        *any = true;
    }
    pdsi_exec_release(&ex);
    return PDS_OK;
}

/* ---- what fusions fold: post-ops, batch norms, bias adds ------------------------- */

static bool fusable_unary(const pdsi_node *node, pdsi_unary_params *u)
{
    if (!(node->def->flags & PDSI_OPF_POST_OP))
        return false;
    /* Tensor-valued bounds or factors are per run; only attribute forms fuse. */
    for (int k = 1; k < node->n_in_slots; k++)
        if (node->in_off[k + 1] > node->in_off[k])
            return false;
    *u = *(const pdsi_unary_params *)node->params;
    return true;
}

/* dst[i] = src[i] * s; dst may be src. Written in blocks of 8 that are
 * loaded whole before they are stored, so that the compiler vectorises them
 * at -O2 without alias checks or a cost model (a plain loop stayed scalar
 * once inlined here): the BN folds of ResNet50's 25 M weights take a few ms. */
static void scale_floats(float *dst, const float *src, int64_t n, float s)
{
    int64_t i = 0;
    for (; i + 8 <= n; i += 8) {
        float v[8];
        for (int k = 0; k < 8; k++)
            v[k] = src[i + k] * s;
        for (int k = 0; k < 8; k++)
            dst[i + k] = v[k];
    }
    for (; i < n; i++)
        dst[i] = src[i] * s;
}

/* BN folded into filter w (layout per transpose) and bias b (M values). */
static pds_status fold_bn(rewriter *r, const pdsi_fconv_params *p, int32_t *filter,
                          int32_t *bias, const pdsi_node *bn)
{
    pdsi_graph *g = r->g;
    int32_t sc = in_value(bn, "Scale"), sh = in_value(bn, "Bias"), mu = in_value(bn, "Mean"),
            var = in_value(bn, "Variance");
    const pdsi_tensor *w = &g->values[*filter].data;
    if (!is_param(g, sc) || !is_param(g, sh) || !is_param(g, mu) || !is_param(g, var) ||
        w->rank != 4 || w->dtype != PDS_FLOAT32 || !w->data)
        return PDS_ERR_UNSUPPORTED_OP;
    const int64_t G = p->conv.groups;
    const int64_t M = p->conv.transpose ? w->dims[1] * G : w->dims[0];
    const pdsi_tensor *ts[4] = {&g->values[sc].data, &g->values[sh].data, &g->values[mu].data,
                                &g->values[var].data};
    for (int k = 0; k < 4; k++)
        if (ts[k]->dtype != PDS_FLOAT32 || ts[k]->rank != 1 || ts[k]->dims[0] != M ||
            !ts[k]->data)
            return PDS_ERR_UNSUPPORTED_OP;
    if (*bias >= 0) {
        const pdsi_tensor *b = &g->values[*bias].data;
        if (b->dtype != PDS_FLOAT32 || b->rank != 1 || b->dims[0] != M || !b->data)
            return PDS_ERR_UNSUPPORTED_OP;
    }
    const float eps = ((const pdsi_batch_norm_params *)bn->params)->epsilon;
    int64_t numel = pdsi_tensor_numel(w);
    /* A filter only this convolution reads is scaled where it lies (no
     * second copy of the weights, ever); a shared one is copied. */
    bool in_place = *filter < r->users_cap && r->users[*filter] == 1 &&
                    !is_output(g, *filter) && g->values[*filter].data.cap;
    size_t nw_cap = 0, nb_cap;
    float *nw = in_place ? w->data : pdsi_buffer_alloc(sizeof *nw * (size_t)numel, &nw_cap);
    float *nb = pdsi_buffer_alloc(sizeof *nb * (size_t)M, &nb_cap);
    double *s = malloc(sizeof *s * (size_t)M);
    if (!nw || !nb || !s) {
        if (!in_place)
            pdsi_buffer_free(nw, nw_cap);
        pdsi_buffer_free(nb, nb_cap);
        free(s);
        return pdsi_fail(r->err, PDS_ERR_OUT_OF_MEMORY, "could not fold a batch norm");
    }
    const float *gamma = ts[0]->data, *beta = ts[1]->data, *mean = ts[2]->data,
                *vr = ts[3]->data, *ow = w->data;
    const float *ob = *bias >= 0 ? g->values[*bias].data.data : NULL;
    for (int64_t m = 0; m < M; m++) {
        s[m] = (double)gamma[m] / sqrt((double)vr[m] + (double)eps);
        nb[m] = (float)(((ob ? (double)ob[m] : 0.0) - (double)mean[m]) * s[m] + (double)beta[m]);
    }
    const int64_t khw = w->dims[2] * w->dims[3];
    if (!p->conv.transpose) {
        /* One float multiply per weight (the scale itself is computed in
         * double): vectorised, the fold of a ResNet50 takes milliseconds. */
        int64_t per = numel / M;
        for (int64_t m = 0; m < M; m++)
            scale_floats(nw + m * per, ow + m * per, per, (float)s[m]);
    } else {
        /* [C][M/G][kh][kw]: channel c of group c / (C/G) feeds outputs
         * group * M/G + j. */
        const int64_t C = w->dims[0], mg = w->dims[1], cg = C / G;
        for (int64_t c = 0; c < C; c++)
            for (int64_t j = 0; j < mg; j++) {
                int64_t m = (c / cg) * mg + j;
                for (int64_t k = 0; k < khw; k++) {
                    int64_t at = (c * mg + j) * khw + k;
                    nw[at] = ow[at] * (float)s[m];
                }
            }
    }
    free(s);
    int32_t nf = *filter, nbias;
    int64_t wdims[4];
    memcpy(wdims, w->dims, sizeof wdims);
    const char *base = g->values[*filter].name; /* its own allocation: stable */
    pds_status st = in_place ? PDS_OK : new_param(r, base, "w", 4, wdims, nw, nw_cap, &nf);
    if (st) {
        pdsi_buffer_free(nb, nb_cap);
        return st;
    }
    const int64_t bd[1] = {M};
    if ((st = new_param(r, base, "b", 1, bd, nb, nb_cap, &nbias)))
        return st;
    if (!in_place)
        drop_if_unshared(r, *filter);
    if (*bias >= 0)
        drop_if_unshared(r, *bias);
    drop_if_unshared(r, sc);
    drop_if_unshared(r, sh);
    drop_if_unshared(r, mu);
    drop_if_unshared(r, var);
    *filter = nf;
    *bias = nbias;
    return PDS_OK;
}

/* A bias add (param [M], axis 1) merged into the bias. */
static pds_status fold_bias_add(rewriter *r, int32_t filter, int32_t *bias, int32_t addend,
                                int64_t M)
{
    pdsi_graph *g = r->g;
    const pdsi_tensor *a = &g->values[addend].data;
    if (a->dtype != PDS_FLOAT32 || pdsi_tensor_numel(a) != M || !a->data)
        return PDS_ERR_UNSUPPORTED_OP;
    size_t nb_cap;
    float *nb = pdsi_buffer_alloc(sizeof *nb * (size_t)M, &nb_cap);
    if (!nb)
        return pdsi_fail(r->err, PDS_ERR_OUT_OF_MEMORY, "could not fold a bias");
    const float *ob = *bias >= 0 ? g->values[*bias].data.data : NULL;
    const float *ad = a->data;
    for (int64_t m = 0; m < M; m++)
        nb[m] = (ob ? ob[m] : 0.0f) + ad[m];
    const int64_t bd[1] = {M};
    int32_t old = *bias;
    pds_status st = new_param(r, g->values[filter].name, "b", 1, bd, nb, nb_cap, bias);
    if (!st && old >= 0)
        drop_if_unshared(r, old);
    if (!st)
        drop_if_unshared(r, addend);
    return st;
}

/* An affine a * y + b of the output folded into filter w and bias: a * w and
 * a * bias + b (one scale for every channel, so the filter's layout does not
 * matter). */
static pds_status fold_affine(rewriter *r, int32_t *filter, int32_t *bias, int64_t M,
                              const pdsi_unary_params *u)
{
    pdsi_graph *g = r->g;
    const pdsi_tensor *w = &g->values[*filter].data;
    int64_t numel = pdsi_tensor_numel(w);
    if (w->dtype != PDS_FLOAT32 || !w->data || w->rank != 4)
        return PDS_ERR_UNSUPPORTED_OP;
    size_t nw_cap = 0, nb_cap;
    float *nw = u->a != 1.0f ? pdsi_buffer_alloc(sizeof *nw * (size_t)numel, &nw_cap) : NULL;
    float *nb = pdsi_buffer_alloc(sizeof *nb * (size_t)M, &nb_cap);
    if ((u->a != 1.0f && !nw) || !nb) {
        pdsi_buffer_free(nw, nw_cap);
        pdsi_buffer_free(nb, nb_cap);
        return pdsi_fail(r->err, PDS_ERR_OUT_OF_MEMORY, "could not fold an affine");
    }
    const float *ob = *bias >= 0 ? g->values[*bias].data.data : NULL;
    for (int64_t m = 0; m < M; m++)
        nb[m] = u->a * (ob ? ob[m] : 0.0f) + u->b;
    const char *base = g->values[*filter].name;
    int64_t wdims[4];
    memcpy(wdims, w->dims, sizeof wdims);
    int32_t nf = *filter, nbias;
    pds_status st = PDS_OK;
    if (nw) {
        scale_floats(nw, w->data, numel, u->a);
        if ((st = new_param(r, base, "w", 4, wdims, nw, nw_cap, &nf))) {
            pdsi_buffer_free(nb, nb_cap);
            return st;
        }
    }
    const int64_t bd[1] = {M};
    if ((st = new_param(r, base, "b", 1, bd, nb, nb_cap, &nbias)))
        return st;
    if (nf != *filter)
        drop_if_unshared(r, *filter);
    if (*bias >= 0)
        drop_if_unshared(r, *bias);
    *filter = nf;
    *bias = nbias;
    return PDS_OK;
}

static bool same_nominal(const rewriter *r, int32_t a, int32_t b)
{
    if (!r->nominal || a >= r->n_nominal || b >= r->n_nominal)
        return false;
    const pdsi_tensor *x = &r->nominal[a], *y = &r->nominal[b];
    return x->rank == y->rank && x->rank > 0 && x->dtype == y->dtype &&
           memcmp(x->dims, y->dims, sizeof(int64_t) * (size_t)x->rank) == 0;
}

/* ---- scheduling: residual chains run late ------------------------------------- */

static bool chain_link(const pdsi_node *node)
{
    pdsi_op_id id = node->def->id;
    pdsi_unary_params u;
    return id == PDSI_OP_BATCH_NORM || id == PDSI_OP_ELEMENTWISE_ADD || fusable_unary(node, &u);
}

static bool is_conv(const pdsi_node *node)
{
    return node->def->id == PDSI_OP_CONV2D || node->def->id == PDSI_OP_DEPTHWISE_CONV2D;
}

/* An int8 pdsafe_conv of the QDQ pass with nothing fused yet. */
static bool is_int8_conv_root(const pdsi_node *node)
{
    const pdsi_fconv_params *p = node->params;
    return node->def->id == PDSI_OP_PDSAFE_CONV && p->quant.on && p->n_post == 0;
}

/* The node producing v, or -1 (inputs, parameters). */
static int32_t producer_of(const pdsi_graph *g, int32_t v)
{
    for (int32_t i = 0; i < g->n_nodes; i++) {
        const pdsi_node *node = &g->nodes[i];
        for (uint16_t a = node->out_off[0]; a < node->out_off[node->n_out_slots]; a++)
            if (node->vals[a] == v)
                return i;
    }
    return -1;
}

/* The two activation operands of an add, neither a parameter and not the
 * same value: the candidates for a residual. */
static bool add_of_two_activations(const pdsi_graph *g, const pdsi_node *add, int32_t ops[2])
{
    if (add->def->id != PDSI_OP_ELEMENTWISE_ADD)
        return false;
    ops[0] = in_value(add, "X");
    ops[1] = in_value(add, "Y");
    return ops[0] >= 0 && ops[1] >= 0 && ops[0] != ops[1] && !is_param(g, ops[0]) &&
           !is_param(g, ops[1]);
}

/* Walks back from value a through its producers while each is the only
 * reader of the next (batch norm, adds, post-op activations, at most 16
 * nodes) and stops at a convolution. Fills chain[] last-to-first with the
 * nodes walked and returns the convolution's index, or -1 if the walk ends
 * elsewhere. */
static int32_t conv_chain_of(const rewriter *r, int32_t a, int32_t *chain, int32_t *n)
{
    const pdsi_graph *g = r->g;
    int32_t v = a;
    *n = 0;
    while (*n < 16) {
        int32_t pi = producer_of(g, v);
        if (pi < 0 || r->users[v] != 1 || is_output(g, v))
            return -1;
        const pdsi_node *pn = &g->nodes[pi];
        if (other_outputs_used(r, pn, v))
            return -1;
        chain[(*n)++] = pi;
        if (is_conv(pn) || is_int8_conv_root(pn))
            return pi;
        if (!chain_link(pn))
            return -1;
        int32_t x = in_value(pn, "X");
        if (x < 0)
            return -1;
        v = x;
    }
    return -1;
}

/* Reorders nodes [0, j): everything but the chain in its order, then the
 * chain (given last-to-first) first-to-last, so that it ends just before
 * node j. tmp has room for j nodes. */
static void move_chain_before(pdsi_graph *g, pdsi_node *tmp, int32_t j, const int32_t *chain,
                              int32_t n)
{
    int32_t q = 0;
    for (int32_t i = 0; i < j; i++) {
        bool in_chain = false;
        for (int32_t k = 0; k < n; k++)
            in_chain |= chain[k] == i;
        if (!in_chain)
            tmp[q++] = g->nodes[i];
    }
    for (int32_t k = n - 1; k >= 0; k--)
        tmp[q++] = g->nodes[chain[k]];
    memcpy(g->nodes, tmp, sizeof *tmp * (size_t)j);
}

/* Sets every written value's producer to the node that writes it now. */
static void renumber_producers(pdsi_graph *g)
{
    for (int32_t i = 0; i < g->n_nodes; i++) {
        const pdsi_node *node = &g->nodes[i];
        for (uint16_t a = node->out_off[0]; a < node->out_off[node->n_out_slots]; a++)
            g->values[node->vals[a]].producer = i;
    }
}

/* For an add of two activations a + b where a comes from a convolution chain
 * (conv, batch norm, bias, activations, each the only reader of the previous)
 * that runs before b exists, moves that chain to just before the add, so
 * that the add can become the convolution's residual post-op (FPN necks:
 * lateral 1x1 conv + upsampled coarser map). Moving a node later is always
 * safe here: its inputs exist earlier still, and only the chain reads what
 * it writes. */
static pds_status sink_residual_chains(rewriter *r)
{
    pdsi_graph *g = r->g;
    pds_status st;
    if ((st = count_users(r)))
        return st;
    int32_t *chain = malloc(sizeof *chain * ((size_t)g->n_nodes + 1));
    pdsi_node *tmp = malloc(sizeof *tmp * ((size_t)g->n_nodes + 1));
    if (!chain || !tmp) {
        free(chain);
        free(tmp);
        return pdsi_fail(r->err, PDS_ERR_OUT_OF_MEMORY, "could not reorder the graph");
    }
    for (int32_t j = 0; j < g->n_nodes; j++) {
        int32_t ops[2];
        if (!add_of_two_activations(g, &g->nodes[j], ops))
            continue;
        for (int side = 0; side < 2; side++) {
            int32_t pb = producer_of(g, ops[1 - side]), n;
            int32_t conv = conv_chain_of(r, ops[side], chain, &n);
            if (conv < 0 || pb <= conv)
                continue;
            move_chain_before(g, tmp, j, chain, n);
            break; /* one operand is enough: the add now follows its chain */
        }
    }
    free(chain);
    free(tmp);
    renumber_producers(g);
    return PDS_OK;
}

/* ---- int8: PaddleSlim's QDQ convolutions -------------------------------------- */

/* PaddleSlim (paddle.quantization) writes a quantised convolution as
 *   x -> quantize_linear(s) -> dequantize_linear(s) -> conv.Input
 *   W -> dequantize_linear(sw) -> conv.Filter
 * where W holds the filter's integers as float32 (or float32 weights that a
 * quantize_linear of their own turns into integers first). The rewrite makes
 * the convolution a pdsafe_conv in its int8 form (ops/fused.h): Input reads
 * x itself, Filter is the dequantised filter (what folding the weights'
 * dequantize_linear would make, bit for bit), FilterInt8 the integers and
 * FilterScale their per-channel step. The pass only says "this product is
 * int8"; whether it runs in integers is the backend's business (oneDNN does
 * where the CPU has VNNI), and the reference kernel computes exactly what the
 * QDQ graph computes. A quantize / dequantize pair that something else still
 * reads stays. It runs before constants are folded, while the weights'
 * dequantize_linear still says what the integers and scales are. */

/* Node i if it is live and of operator id, else NULL. */
static const pdsi_node *live_op(const rewriter *r, int32_t i, pdsi_op_id id)
{
    if (i < 0 || r->dead[i] || r->g->nodes[i].def->id != id)
        return NULL;
    return &r->g->nodes[i];
}

/* A float32 parameter with data: its values, else NULL. */
static const float *param_floats(const pdsi_graph *g, int32_t v, int64_t *n)
{
    if (!is_param(g, v))
        return NULL;
    const pdsi_tensor *t = &g->values[v].data;
    *n = pdsi_tensor_numel(t);
    return t->dtype == PDS_FLOAT32 && t->data && *n >= 1 ? t->data : NULL;
}

/* A quantize_linear or dequantize_linear the int8 form can stand for:
 * rounding half to even, zero points ignored (as Paddle does), not an
 * observer, at most 8 bits. */
static bool plain_qdq(const pdsi_node *node)
{
    const pdsi_quant_params *p = node->params;
    return p->round_type == 0 && !p->only_observer && p->qmax <= 127;
}

/* The activation side: v = dequantize_linear(quantize_linear(x, s), s), per
 * tensor, 8 bits (qmax 127: the int8 range is then Paddle's clamp). */
typedef struct qdq_act {
    int32_t x, q, dq; /* x; the two nodes */
    float s;
} qdq_act;

static bool qdq_activation(const rewriter *r, int32_t v, qdq_act *a)
{
    const pdsi_graph *g = r->g;
    a->dq = producer_of(g, v);
    const pdsi_node *dq = live_op(r, a->dq, PDSI_OP_DEQUANTIZE_LINEAR);
    int32_t qv = dq ? in_value(dq, "X") : -1;
    a->q = qv >= 0 ? producer_of(g, qv) : -1;
    const pdsi_node *q = live_op(r, a->q, PDSI_OP_QUANTIZE_LINEAR);
    if (!q || !plain_qdq(q) || !plain_qdq(dq))
        return false;
    const pdsi_quant_params *qp = q->params, *dp = dq->params;
    int64_t n1, n2;
    const float *s1 = param_floats(g, in_value(q, "Scale"), &n1),
                *s2 = param_floats(g, in_value(dq, "Scale"), &n2);
    a->x = in_value(q, "X");
    if (qp->quant_axis != -1 || dp->quant_axis != -1 || qp->qmax != 127 || dp->qmax != 127 ||
        !s1 || !s2 || s1[0] != s2[0] || !(s1[0] > 1e-30f) || !isfinite(s1[0]) || a->x < 0)
        return false;
    a->s = s1[0];
    return true;
}

/* The filter side: v = dequantize_linear(W, sw) with W a float32 parameter of
 * integers, or W = quantize_linear(w) of a float32 parameter; per tensor or
 * per output channel (quant_axis 0). Fills the int8 form's three filters. */
typedef struct qdq_filter {
    int32_t dq, q;    /* the dequantize_linear, the quantize_linear or -1 */
    int32_t w;        /* the integer (or float) parameter */
    int rank;
    int64_t dims[4], M, numel;
    float *deq;       /* the dequantised filter */
    int8_t *ints;
    float *step;      /* [M]: sw[m] / qmax */
    size_t deq_cap, ints_cap, step_cap;
} qdq_filter;

static void qdq_filter_free(qdq_filter *f)
{
    pdsi_buffer_free(f->deq, f->deq_cap);
    pdsi_buffer_free(f->ints, f->ints_cap);
    pdsi_buffer_free(f->step, f->step_cap);
    f->deq = f->step = NULL;
    f->ints = NULL;
}

/* Scale parameter of a quant node matching axis -1 or 0 over M channels: its
 * values and how many channels they cover (1 per tensor). */
static const float *qdq_scales(const pdsi_graph *g, const pdsi_node *node, int64_t M,
                               int64_t *ns)
{
    const pdsi_quant_params *p = node->params;
    const float *s = param_floats(g, in_value(node, "Scale"), ns);
    if (!s || (p->quant_axis == 0 && *ns != M) || (p->quant_axis != -1 && p->quant_axis != 0))
        return NULL;
    if (p->quant_axis == -1)
        *ns = 1;
    for (int64_t m = 0; m < *ns; m++)
        if (!(s[m] > 1e-30f) || !isfinite(s[m]))
            return NULL;
    return s;
}

/* The integers of the filter into f->deq (as floats, temporarily): W itself
 * when it holds integers in range, or quantize_linear(W) computed here. */
static bool qdq_integers(const rewriter *r, const pdsi_node *dq, qdq_filter *f)
{
    const pdsi_graph *g = r->g;
    const float qmax = (float)((const pdsi_quant_params *)dq->params)->qmax;
    int32_t wv = in_value(dq, "X");
    f->q = -1;
    const pdsi_node *q = NULL;
    if (wv >= 0 && !is_param(g, wv)) {
        f->q = producer_of(g, wv);
        q = live_op(r, f->q, PDSI_OP_QUANTIZE_LINEAR);
        if (!q || !plain_qdq(q) || ((const pdsi_quant_params *)q->params)->qmax != (int64_t)qmax)
            return false;
        wv = in_value(q, "X");
    }
    int64_t n;
    const float *w = param_floats(g, wv, &n);
    const pdsi_tensor *wt = w ? &g->values[wv].data : NULL;
    if (!w || wt->rank != 4 || wt->dims[0] < 1)
        return false;
    f->w = wv;
    f->rank = 4;
    memcpy(f->dims, wt->dims, sizeof f->dims);
    f->M = wt->dims[0];
    f->numel = n;
    f->deq = pdsi_buffer_alloc(sizeof *f->deq * (size_t)n, &f->deq_cap);
    if (!f->deq)
        return false;
    if (!q) {
        memcpy(f->deq, w, sizeof *f->deq * (size_t)n);
    } else {
        int64_t ns;
        const float *s = qdq_scales(g, q, f->M, &ns);
        if (!s)
            return false;
        const int64_t inner = n / ns;
        for (int64_t c = 0; c < ns; c++)
            pdsi_ref_quantize(w + c * inner, f->deq + c * inner, inner, s[c], qmax);
    }
    for (int64_t k = 0; k < n; k++) {
        float v = f->deq[k];
        if (!(v >= -qmax - 1.0f && v <= qmax) || v != (float)(int)v)
            return false;
    }
    return true;
}

static bool qdq_filter_make(const rewriter *r, int32_t v, qdq_filter *f)
{
    const pdsi_graph *g = r->g;
    memset(f, 0, sizeof *f);
    f->dq = producer_of(g, v);
    const pdsi_node *dq = live_op(r, f->dq, PDSI_OP_DEQUANTIZE_LINEAR);
    if (!dq || !plain_qdq(dq) || !qdq_integers(r, dq, f))
        return false;
    const float qmax = (float)((const pdsi_quant_params *)dq->params)->qmax;
    int64_t ns;
    const float *s = qdq_scales(g, dq, f->M, &ns);
    f->ints = pdsi_buffer_alloc((size_t)f->numel, &f->ints_cap);
    f->step = pdsi_buffer_alloc(sizeof *f->step * (size_t)f->M, &f->step_cap);
    if (!s || !f->ints || !f->step)
        return false;
    for (int64_t k = 0; k < f->numel; k++)
        f->ints[k] = (int8_t)f->deq[k];
    /* The dequantize_linear kernel's own arithmetic, channel by channel. */
    const int64_t inner = f->numel / ns;
    for (int64_t c = 0; c < ns; c++)
        pdsi_ref_dequantize(f->deq + c * inner, f->deq + c * inner, inner, s[c], qmax);
    for (int64_t m = 0; m < f->M; m++)
        f->step[m] = s[ns == 1 ? 0 : m] / qmax;
    return true;
}

/* Marks node i dead when nothing reads its output `out` any more. */
static pds_status drop_unread(rewriter *r, int32_t i, const char *out)
{
    if (i < 0 || r->dead[i])
        return PDS_OK;
    int32_t y = out_value(&r->g->nodes[i], out);
    if (y < 0 || r->users[y] != 0 || other_outputs_used(r, &r->g->nodes[i], y))
        return PDS_OK;
    r->dead[i] = 1;
    return count_users(r);
}

/* A conv2d / depthwise_conv2d between QDQ pairs becomes an int8 pdsafe_conv. */
/* Declares the int8 form's three filters as parameters named after the
 * filter (deq<name>, int8_<name>, step<name>): the dequantised filter and
 * its integers of the given rank, and the [M] steps. Takes f's buffers and
 * frees f, on success or not. */
static pds_status qdq_filter_params(rewriter *r, qdq_filter *f, int rank, int32_t *deq,
                                    int32_t *ints, int32_t *step)
{
    const char *base = r->g->values[f->w].name;
    const int64_t md[1] = {f->M};
    pds_status st = new_param(r, base, "deq", rank, f->dims, f->deq, f->deq_cap, deq);
    f->deq = NULL;
    if (!st) {
        st = new_param_of(r, base, "int8_", PDS_INT8, rank, f->dims, f->ints, f->ints_cap, ints);
        f->ints = NULL;
    }
    if (!st) {
        st = new_param(r, base, "step", 1, md, f->step, f->step_cap, step);
        f->step = NULL;
    }
    qdq_filter_free(f);
    return st;
}

static pds_status quant_conv(rewriter *r, int32_t i)
{
    pdsi_graph *g = r->g;
    pdsi_node *node = &g->nodes[i];
    if (r->dead[i] || !is_conv(node))
        return PDS_OK;
    int32_t xin = in_value(node, "Input"), fv = in_value(node, "Filter"),
            y = out_value(node, "Output");
    qdq_act a;
    qdq_filter f;
    if (xin < 0 || fv < 0 || y < 0 || node->in_off[node->n_in_slots] != 2 ||
        !qdq_activation(r, xin, &a))
        return PDS_OK;
    if (!qdq_filter_make(r, fv, &f)) {
        qdq_filter_free(&f);
        return PDS_OK;
    }
    pdsi_fconv_params *p = calloc(1, sizeof *p);
    if (!p) {
        qdq_filter_free(&f);
        return pdsi_fail(r->err, PDS_ERR_OUT_OF_MEMORY, "could not make an int8 convolution");
    }
    p->conv = *(const pdsi_conv_params *)node->params;
    p->quant = (pdsi_conv_quant){.on = 1, .in_qmax = 127, .in_scale = a.s};
    int32_t deq, ints, step;
    pds_status st = qdq_filter_params(r, &f, 4, &deq, &ints, &step);
    if (st) {
        free(p);
        return st;
    }
    node = &g->nodes[i]; /* declaring values does not move nodes, but be plain about it */
    const int32_t ins[6] = {a.x, deq, -1, -1, ints, step}, outs[1] = {y};
    if ((st = reslot(r, node, pdsi_opdef_at(PDSI_OP_PDSAFE_CONV), ins, 6, outs, 1, p)) ||
        (st = count_users(r)) || (st = drop_unread(r, f.dq, "Y")) ||
        (st = drop_unread(r, f.q, "Y")) || (st = drop_unread(r, a.dq, "Y")) ||
        (st = drop_unread(r, a.q, "Y")))
        return st;
    return PDS_OK;
}

/* The weight side of a product: v = dequantize_linear(W, sw) of a [K, N]
 * float32 parameter of integers (or of quantize_linear(W) of float
 * weights), per tensor or per output column (quant_axis 1). Fills f as
 * qdq_filter_make does, with M = N and dims {K, N}. */
static bool qdq_matrix_make(const rewriter *r, int32_t v, qdq_filter *f)
{
    const pdsi_graph *g = r->g;
    memset(f, 0, sizeof *f);
    f->q = -1;
    f->dq = producer_of(g, v);
    const pdsi_node *dq = live_op(r, f->dq, PDSI_OP_DEQUANTIZE_LINEAR);
    if (!dq || !plain_qdq(dq))
        return false;
    const pdsi_quant_params *dp = dq->params;
    const float qmax = (float)dp->qmax;
    int32_t wv = in_value(dq, "X");
    const pdsi_node *q = NULL;
    if (wv >= 0 && !is_param(g, wv)) {
        f->q = producer_of(g, wv);
        q = live_op(r, f->q, PDSI_OP_QUANTIZE_LINEAR);
        if (!q || !plain_qdq(q) || ((const pdsi_quant_params *)q->params)->qmax != dp->qmax ||
            ((const pdsi_quant_params *)q->params)->quant_axis != dp->quant_axis)
            return false;
        wv = in_value(q, "X");
    }
    int64_t n, nd, nq = 0;
    const float *w = param_floats(g, wv, &n);
    const pdsi_tensor *wt = w ? &g->values[wv].data : NULL;
    if (!w || wt->rank != 2 || (dp->quant_axis != -1 && dp->quant_axis != 1))
        return false;
    const int64_t N = wt->dims[1];
    const float *sd = param_floats(g, in_value(dq, "Scale"), &nd);
    const float *sq = q ? param_floats(g, in_value(q, "Scale"), &nq) : NULL;
    if (!sd || (q && !sq) || (dp->quant_axis == 1 && (nd != N || (q && nq != N))))
        return false;
    f->w = wv;
    f->rank = 2;
    f->dims[0] = wt->dims[0];
    f->dims[1] = N;
    f->M = N;
    f->numel = n;
    f->deq = pdsi_buffer_alloc(sizeof *f->deq * (size_t)n, &f->deq_cap);
    f->ints = pdsi_buffer_alloc((size_t)n, &f->ints_cap);
    f->step = pdsi_buffer_alloc(sizeof *f->step * (size_t)N, &f->step_cap);
    if (!f->deq || !f->ints || !f->step)
        return false;
    for (int64_t c = 0; c < N; c++) {
        const float s = sd[dp->quant_axis == 1 ? c : 0];
        if (!(s > 1e-30f) || !isfinite(s) ||
            (q && (!(sq[dp->quant_axis == 1 ? c : 0] > 1e-30f))))
            return false;
        f->step[c] = s / qmax;
    }
    for (int64_t k = 0; k < n; k++) {
        const int64_t c = dp->quant_axis == 1 ? k % N : 0;
        float v8 = w[k];
        if (q)
            pdsi_ref_quantize(&w[k], &v8, 1, sq[c], qmax);
        if (!(v8 >= -qmax - 1.0f && v8 <= qmax) || v8 != (float)(int)v8)
            return false;
        f->ints[k] = (int8_t)v8;
        /* the dequantize_linear kernel's own arithmetic */
        pdsi_ref_dequantize(&v8, &f->deq[k], 1, sd[c], qmax);
    }
    return true;
}

/* A matmul_v2 without transposes, X through a QDQ pair and Y a QDQ weight
 * matrix, becomes an int8 pdsafe_matmul (fuse_matmul then takes its bias
 * and activations). */
static pds_status quant_matmul(rewriter *r, int32_t i)
{
    pdsi_graph *g = r->g;
    pdsi_node *node = &g->nodes[i];
    if (r->dead[i] || node->def->id != PDSI_OP_MATMUL_V2)
        return PDS_OK;
    const pdsi_matmul_params *mm = node->params;
    int32_t xin = in_value(node, "X"), yv = in_value(node, "Y"), out = out_value(node, "Out");
    qdq_act a;
    qdq_filter f;
    if (mm->trans_x || mm->trans_y || xin < 0 || yv < 0 || out < 0 ||
        !qdq_activation(r, xin, &a))
        return PDS_OK;
    if (!qdq_matrix_make(r, yv, &f)) {
        qdq_filter_free(&f);
        return PDS_OK;
    }
    pdsi_fmatmul_params *p = calloc(1, sizeof *p);
    if (!p) {
        qdq_filter_free(&f);
        return pdsi_fail(r->err, PDS_ERR_OUT_OF_MEMORY, "could not make an int8 matmul");
    }
    p->form = PDSI_FMATMUL_V2;
    p->mm = *mm;
    p->quant = (pdsi_conv_quant){.on = 1, .in_qmax = 127, .in_scale = a.s};
    int32_t deq, ints, step;
    pds_status st = qdq_filter_params(r, &f, 2, &deq, &ints, &step);
    if (st) {
        free(p);
        return st;
    }
    node = &g->nodes[i];
    const int32_t ins[5] = {a.x, deq, -1, ints, step}, outs[1] = {out};
    if ((st = reslot(r, node, pdsi_opdef_at(PDSI_OP_PDSAFE_MATMUL), ins, 5, outs, 1, p)) ||
        (st = count_users(r)) || (st = drop_unread(r, f.dq, "Y")) ||
        (st = drop_unread(r, f.q, "Y")) || (st = drop_unread(r, a.dq, "Y")) ||
        (st = drop_unread(r, a.q, "Y")))
        return st;
    return PDS_OK;
}

/* A dequantize_linear of a quantize_linear that nothing else reads, both
 * per tensor with one scale: one fake-quantisation (pdsafe_affine of kind
 * PDSI_UNARY_FAKE_QUANT), which fuses into the operator before it as a
 * post-op or runs as one element-wise step instead of two. */
static pds_status quant_pair(rewriter *r, int32_t i)
{
    pdsi_graph *g = r->g;
    pdsi_node *node = &g->nodes[i];
    if (r->dead[i] || node->def->id != PDSI_OP_DEQUANTIZE_LINEAR)
        return PDS_OK;
    int32_t y = out_value(node, "Y"), qv = in_value(node, "X");
    qdq_act a;
    if (y < 0 || qv < 0 || r->users[qv] != 1 || is_output(g, qv) ||
        other_outputs_used(r, node, y) || !qdq_activation(r, y, &a) ||
        other_outputs_used(r, &g->nodes[a.q], qv))
        return PDS_OK;
    pdsi_unary_params *u = calloc(1, sizeof *u);
    char *type = malloc(sizeof "quantize_linear+dequantize_linear");
    if (!u || !type) {
        free(u);
        free(type);
        return pdsi_fail(r->err, PDS_ERR_OUT_OF_MEMORY, "could not fuse a QDQ pair");
    }
    *u = (pdsi_unary_params){.kind = PDSI_UNARY_FAKE_QUANT, .a = a.s, .b = 127.0f};
    memcpy(type, "quantize_linear+dequantize_linear", sizeof "quantize_linear+dequantize_linear");
    const int32_t ins[1] = {a.x}, outs[1] = {y};
    pds_status st = reslot(r, node, pdsi_opdef_at(PDSI_OP_PDSAFE_AFFINE), ins, 1, outs, 1, u);
    if (st) {
        free(type);
        return st;
    }
    free(node->type);
    node->type = type;
    r->dead[a.q] = 1;
    return count_users(r);
}

static pds_status quant_convs(rewriter *r)
{
    pds_status st = count_users(r);
    for (int32_t i = 0; i < r->g->n_nodes && !st; i++)
        if (!(st = quant_conv(r, i)))
            st = quant_matmul(r, i);
    for (int32_t i = 0; i < r->g->n_nodes && !st; i++)
        st = quant_pair(r, i);
    return st;
}

/* ---- fusion: a node with the chain of single readers after it ------------------ */

/* Offers node cn, the only reader of the fusion's current output, to the
 * fusion: sets *taken, and when taken *next, the value the fused node writes
 * from now on. */
typedef pds_status (*absorb_fn)(rewriter *r, void *fusion, const pdsi_node *cn, bool *taken,
                                int32_t *next);

/* Absorbs the chain of single readers that follows node i's output *y while
 * `absorb` takes them: each taken node is marked dead, its type appended to
 * node i's ("conv2d+batch_norm+relu") and *y moves to its output. */
static pds_status absorb_chain(rewriter *r, int32_t i, int32_t *y, absorb_fn absorb,
                               void *fusion)
{
    for (;;) {
        int32_t c = sole_reader(r, *y, i);
        /* a fused node runs where both ran: not across a branch's edge */
        if (c < 0 || r->g->nodes[c].guard != r->g->nodes[i].guard)
            return PDS_OK;
        const pdsi_node *cn = &r->g->nodes[c];
        bool taken = false;
        int32_t next = -1;
        pds_status st = absorb(r, fusion, cn, &taken, &next);
        if (st || !taken)
            return st;
        if (next < 0)
            return pdsi_fail(r->err, PDS_ERR_INTERNAL, "fused operator without an output");
        /* An internal operator (a rewritten one) is named by what it was. */
        const char *t = cn->def->flags & PDSI_OPF_INTERNAL ? cn->type : cn->def->type;
        if ((st = extend_type(r, &r->g->nodes[i], t)))
            return st;
        r->dead[c] = 1;
        *y = next;
        if ((st = count_users(r)))
            return st;
    }
}

/* Whether a unary post-op puts a linear entry into oneDNN's chain
 * (backend/onednn/attr.c): oneDNN 2.6's brgemm convolutions give every
 * linear entry of a chain the first one's factors. */
static bool emits_linear(int kind)
{
    return kind == PDSI_UNARY_LINEAR || kind == PDSI_UNARY_HARD_SIGMOID;
}

/* A unary post-op (attribute form) applied to the fusion's output y. */
static bool takes_unary(const pdsi_node *cn, int32_t y, const pdsi_post_op *post, int32_t n_post,
                        pdsi_unary_params *u)
{
    /* oneDNN 2.6 computed a convolution with the post-ops [linear, hardswish]
     * wrongly (PP-OCRv4's detector: 345 of 706560 pixels flipped between 0
     * and 1; [hardswish, linear] and each alone are right): a linear post-op
     * stays the last one. */
    if (n_post > 0 && !post[n_post - 1].residual &&
        post[n_post - 1].unary.kind == PDSI_UNARY_LINEAR)
        return false;
    if (!fusable_unary(cn, u) || in_value(cn, "X") != y || n_post >= PDSI_FUSED_MAX_POST)
        return false;
    /* A fake quantisation's chain (backend/onednn/attr.c) has a linear and a
     * pow entry; the same bug shares factors between entries of one kind, so
     * it fuses only after post-ops without either, and nothing after it. */
    for (int32_t k = 0; k < n_post; k++) {
        int kind = post[k].residual ? -1 : (int)post[k].unary.kind;
        if (kind == PDSI_UNARY_FAKE_QUANT ||
            (u->kind == PDSI_UNARY_FAKE_QUANT &&
             (kind == PDSI_UNARY_HARD_SIGMOID || kind == PDSI_UNARY_POW)))
            return false;
        /* Nor two linear entries in one chain: hard_sigmoid is a linear and a
         * clip, and [hard_sigmoid, linear], [hard_sigmoid, hard_sigmoid] got
         * the first one's factors for both (test_fastpath
         * test_fast_linear_chains). */
        if (emits_linear(kind) && emits_linear((int)u->kind))
            return false;
    }
    return true;
}

/* ---- scalar affines: x * s and x + t with 1-element parameters ------------------- */

/* PP-LCNetV3 (the PP-OCRv4 detector's backbone) follows every convolution
 * and activation with a "learnable affine block", s * x + t with s and t
 * parameters of one element: 124 binary operators on the detector, a quarter
 * of its time, each a broadcast binary primitive over the whole activation.
 * As pdsafe_affine (unary a * x + b) they merge pairwise and fuse into the
 * convolution before them as post-ops. */

/* v is a 1-element float32 parameter of rank 0 or 1: its value. */
static bool scalar_param(const pdsi_graph *g, int32_t v, float *value)
{
    if (!is_param(g, v))
        return false;
    const pdsi_tensor *t = &g->values[v].data;
    if (t->dtype != PDS_FLOAT32 || t->rank > 1 || pdsi_tensor_numel(t) != 1 || !t->data)
        return false;
    *value = *(const float *)t->data;
    return true;
}

/* elementwise_mul / elementwise_add of a float32 activation of rank >= 1
 * (at nominal shapes) and a scalar parameter becomes pdsafe_affine. */
static pds_status to_affine(rewriter *r, int32_t i)
{
    pdsi_graph *g = r->g;
    pdsi_node *node = &g->nodes[i];
    pdsi_op_id id = node->def->id;
    if (id != PDSI_OP_ELEMENTWISE_MUL && id != PDSI_OP_ELEMENTWISE_ADD)
        return PDS_OK;
    int32_t x = in_value(node, "X"), y = in_value(node, "Y"), out = out_value(node, "Out");
    float s;
    int32_t v = -1, param = -1;
    if (x >= 0 && y >= 0 && x != y && scalar_param(g, y, &s) && !is_param(g, x))
        v = x, param = y;
    else if (x >= 0 && y >= 0 && x != y && scalar_param(g, x, &s) && !is_param(g, y))
        v = y, param = x;
    if (v < 0 || out < 0 || v >= r->n_nominal || r->nominal[v].dtype != PDS_FLOAT32 ||
        r->nominal[v].rank < 1)
        return PDS_OK;
    pdsi_unary_params *u = calloc(1, sizeof *u);
    if (!u)
        return pdsi_fail(r->err, PDS_ERR_OUT_OF_MEMORY, "could not rewrite a scalar affine");
    u->kind = PDSI_UNARY_LINEAR;
    u->a = id == PDSI_OP_ELEMENTWISE_MUL ? s : 1.0f;
    u->b = id == PDSI_OP_ELEMENTWISE_MUL ? 0.0f : s;
    drop_if_unshared(r, param);
    const int32_t ins[1] = {v}, outs[1] = {out};
    return reslot(r, node, pdsi_opdef_at(PDSI_OP_PDSAFE_AFFINE), ins, 1, outs, 1, u);
}

/* absorb_fn of an affine: the affine that reads its output, composed. */
static pds_status affine_absorb(rewriter *r, void *fusion, const pdsi_node *cn, bool *taken,
                                int32_t *next)
{
    (void)r;
    pdsi_unary_params *u = fusion;
    if (cn->def->id != PDSI_OP_PDSAFE_AFFINE || u->kind != PDSI_UNARY_LINEAR ||
        ((const pdsi_unary_params *)cn->params)->kind != PDSI_UNARY_LINEAR)
        return PDS_OK;
    const pdsi_unary_params *c = cn->params;
    u->b = c->a * u->b + c->b;
    u->a = c->a * u->a;
    *taken = true;
    *next = out_value(cn, "Out");
    return PDS_OK;
}

static pds_status scalar_affines(rewriter *r)
{
    pdsi_graph *g = r->g;
    if (!r->nominal)
        return PDS_OK;
    pds_status st = PDS_OK;
    for (int32_t i = 0; i < g->n_nodes && !st; i++)
        if (!r->dead[i])
            st = to_affine(r, i);
    if (st || (st = count_users(r)))
        return st;
    for (int32_t i = 0; i < g->n_nodes && !st; i++) {
        pdsi_node *node = &g->nodes[i];
        if (r->dead[i] || node->def->id != PDSI_OP_PDSAFE_AFFINE ||
            ((const pdsi_unary_params *)node->params)->kind != PDSI_UNARY_LINEAR)
            continue;
        int32_t y = out_value(node, "Out");
        st = absorb_chain(r, i, &y, affine_absorb, node->params);
        if (!st && y != out_value(node, "Out")) {
            node->vals[node->out_off[0]] = y;
            g->values[y].producer = i;
        }
    }
    return st;
}

/* ---- fusing a convolution -------------------------------------------------------- */

/* A convolution being fused: the pdsafe_conv node's values so far. */
typedef struct conv_fusion {
    int32_t i;              /* the convolution's node */
    bool tr;                /* transposed */
    int32_t x, filter, bias, res, y;
    int32_t ints, step;     /* the int8 form's FilterInt8, FilterScale (else -1) */
    int64_t M;              /* output channels */
    pdsi_fconv_params *p;
} conv_fusion;

/* A convolution (plain or transposed) with one input, a parameter filter of
 * rank 4, a parameter bias or none, and no residual yet (or an int8
 * pdsafe_conv in the same state): fills f but p and M. */
static bool conv_fusion_root(const rewriter *r, int32_t i, conv_fusion *f)
{
    const pdsi_graph *g = r->g;
    const pdsi_node *node = &g->nodes[i];
    const bool q = is_int8_conv_root(node);
    f->i = i;
    f->tr = node->def->id == PDSI_OP_CONV2D_TRANSPOSE ||
            node->def->id == PDSI_OP_DEPTHWISE_CONV2D_TRANSPOSE;
    if (!f->tr && !is_conv(node) && !q)
        return false;
    f->x = in_value(node, "Input");
    f->filter = in_value(node, "Filter");
    f->bias = in_value(node, "Bias");
    f->y = out_value(node, "Output");
    f->res = f->tr ? -1 : in_value(node, "ResidualData");
    f->ints = q ? in_value(node, "FilterInt8") : -1;
    f->step = q ? in_value(node, "FilterScale") : -1;
    if (f->x < 0 || f->y < 0 || !is_param(g, f->filter) || f->res >= 0 ||
        (node->in_off[node->n_in_slots] != (f->bias >= 0 ? 3 : 2) + (q ? 2 : 0)) ||
        (f->bias >= 0 && !is_param(g, f->bias)) || (q && (f->ints < 0 || f->step < 0)))
        return false;
    return g->values[f->filter].data.rank == 4;
}

/* A batch norm of the output, with nothing fused yet and no other output
 * read. */
static bool conv_takes_bn(const rewriter *r, const conv_fusion *f, const pdsi_node *cn)
{
    /* Not into an int8 filter (its integers and steps would have to follow). */
    return cn->def->id == PDSI_OP_BATCH_NORM && f->p->n_post == 0 && f->res < 0 &&
           !f->p->quant.on &&
           in_value(cn, "X") == f->y && !other_outputs_used(r, cn, out_value(cn, "Y"));
}

/* A per-output-channel constant: [M] placed at axis 1, or [1, M, 1, 1]
 * (equal ranks: no placement). */
static bool per_channel_constant(const pdsi_tensor *a, int axis)
{
    return (a->rank == 1 && axis == 1) ||
           (a->rank == 4 && (axis == -1 || axis == 0) && a->dims[0] == 1 && a->dims[2] == 1 &&
            a->dims[3] == 1);
}

/* An activation `other` added to the output can become the residual: a plain
 * convolution without one and with room for a post-op, other the same shape
 * as the output (checked at nominal sizes here, and by shape inference on
 * every run) and existing where the fused node runs. */
static bool conv_takes_residual(const rewriter *r, const conv_fusion *f, int32_t other,
                                int axis)
{
    const pdsi_graph *g = r->g;
    int32_t prod = g->values[other].producer;
    return !f->tr && f->res < 0 && f->p->n_post < PDSI_FUSED_MAX_POST && prod < f->i &&
           (axis == -1 || axis == 0) && same_nominal(r, f->y, other) &&
           g->values[other].kind != PDSI_VALUE_UNBOUND;
}

/* An add of the output: a per-channel constant folds into the bias (before
 * any post-op), an activation becomes the residual. */
static pds_status conv_absorb_add(rewriter *r, conv_fusion *f, const pdsi_node *cn, bool *taken)
{
    const pdsi_graph *g = r->g;
    const pdsi_binary_params *bp = cn->params;
    int32_t ax = in_value(cn, "X"), ay = in_value(cn, "Y");
    int32_t other = ax == f->y ? ay : ax;
    if (ax == ay || other < 0)
        return PDS_OK;
    if (is_param(g, other)) {
        if (ax != f->y || !per_channel_constant(&g->values[other].data, bp->axis) ||
            f->p->n_post != 0 || f->res >= 0)
            return PDS_OK;
        pds_status st = fold_bias_add(r, f->filter, &f->bias, other, f->M);
        if (st == PDS_ERR_UNSUPPORTED_OP)
            return PDS_OK;
        *taken = st == PDS_OK;
        return st;
    }
    if (!conv_takes_residual(r, f, other, bp->axis))
        return PDS_OK;
    f->res = other;
    pdsi_post_op *post = &f->p->post[f->p->n_post++];
    post->residual = 1;
    post->add_axis = bp->axis;
    post->add_index = cn->index;
    post->conv_is_x = ax == f->y;
    *taken = true;
    return PDS_OK;
}

/* absorb_fn of a convolution: batch norm, add, unary post-op. */
static pds_status conv_absorb(rewriter *r, void *fusion, const pdsi_node *cn, bool *taken,
                              int32_t *next)
{
    conv_fusion *f = fusion;
    pdsi_unary_params u;
    pds_status st = PDS_OK;
    if (conv_takes_bn(r, f, cn)) {
        /* fold_bn hands both new buffers to new_param, which owns them even
         * when it fails: the analyzer's "potential leak" here is not one. */
        /* NOLINTNEXTLINE(clang-analyzer-unix.Malloc) */
        st = fold_bn(r, f->p, &f->filter, &f->bias, cn);
        if (st == PDS_ERR_UNSUPPORTED_OP)
            return PDS_OK;
        *taken = st == PDS_OK;
        *next = out_value(cn, "Y");
    } else if (cn->def->id == PDSI_OP_ELEMENTWISE_ADD) {
        st = conv_absorb_add(r, f, cn, taken);
        *next = out_value(cn, "Out");
    } else if (cn->def->id == PDSI_OP_PDSAFE_AFFINE && f->p->n_post == 0 && f->res < 0 &&
               !f->p->quant.on &&
               ((const pdsi_unary_params *)cn->params)->kind == PDSI_UNARY_LINEAR) {
        /* Before any post-op it folds into the weights: no work per run. */
        st = fold_affine(r, &f->filter, &f->bias, f->M, cn->params);
        if (st == PDS_ERR_UNSUPPORTED_OP)
            return PDS_OK;
        *taken = st == PDS_OK;
        *next = out_value(cn, "Out");
    } else if (takes_unary(cn, f->y, f->p->post, f->p->n_post, &u)) {
        f->p->post[f->p->n_post++].unary = u;
        *taken = true;
        *next = out_value(cn, "Out");
    }
    return st;
}

/* A convolution becomes pdsafe_conv with the batch norm, bias adds,
 * residual add and activations that follow it fused in. */
static pds_status fuse_conv(rewriter *r, int32_t i)
{
    conv_fusion f;
    if (!conv_fusion_root(r, i, &f))
        return PDS_OK;
    pdsi_graph *g = r->g;
    f.p = calloc(1, sizeof *f.p);
    if (!f.p)
        return pdsi_fail(r->err, PDS_ERR_OUT_OF_MEMORY, "could not fuse a convolution");
    if (is_int8_conv_root(&g->nodes[i]))
        *f.p = *(const pdsi_fconv_params *)g->nodes[i].params;
    else
        f.p->conv = *(const pdsi_conv_params *)g->nodes[i].params;
    const pdsi_tensor *w = &g->values[f.filter].data;
    f.M = f.tr ? w->dims[1] * f.p->conv.groups : w->dims[0];
    pds_status st = absorb_chain(r, i, &f.y, conv_absorb, &f);
    if (st) {
        free(f.p);
        return st;
    }
    const int32_t ins[6] = {f.x, f.filter, f.bias, f.res, f.ints, f.step}, outs[1] = {f.y};
    g->values[f.y].producer = i;
    st = reslot(r, &g->nodes[i], pdsi_opdef_at(PDSI_OP_PDSAFE_CONV), ins, 6, outs, 1, f.p);
    if (!st)
        st = count_users(r);
    return st;
}

/* ---- fusing a matrix product ------------------------------------------------------ */

/* The legacy axis of an add of a [N] bias to the product's [..., N] that
 * means "the last dim": -1 always; for mul and fc, whose output rank is
 * fixed by a parameter Y, also that rank - 1 (old Paddle's fc pattern,
 * mul + elementwise_add with axis = x_num_col_dims). */
static bool bias_axis_ok(const pdsi_graph *g, const pdsi_fmatmul_params *p, int32_t w, int axis)
{
    if (axis == -1)
        return true;
    if (p->form == PDSI_FMATMUL_V2 || !is_param(g, w))
        return false;
    const pdsi_tensor *wt = &g->values[w].data;
    /* A Y flattened at y_num_col_dims into one column dim: N is the last. */
    return wt->rank == p->flat.y_num_col_dims + 1 && axis == p->flat.x_num_col_dims;
}

/* A matrix product being fused. */
typedef struct matmul_fusion {
    int32_t x, w, bias, y;
    pdsi_fmatmul_params *p;
} matmul_fusion;

/* The pdsafe_matmul form of a product operator, or -1 for any other. */
static int matmul_form(pdsi_op_id id)
{
    switch (id) {
    case PDSI_OP_MATMUL_V2:
    case PDSI_OP_MATMUL: return PDSI_FMATMUL_V2;
    case PDSI_OP_MUL: return PDSI_FMATMUL_MUL;
    case PDSI_OP_FC: return PDSI_FMATMUL_FC;
    default: return -1;
    }
}

/* The params of the product node as a pdsafe_matmul of form `form` (fc's
 * relu becomes its first post-op). */
static void fmatmul_params_of(const pdsi_node *node, int form, pdsi_fmatmul_params *p)
{
    p->form = form;
    if (form == PDSI_FMATMUL_V2) {
        p->mm = *(const pdsi_matmul_params *)node->params;
        return;
    }
    p->mm = (pdsi_matmul_params){false, false, 1.0f};
    if (form == PDSI_FMATMUL_FC) {
        const pdsi_fc_params *fp = node->params;
        p->flat = (pdsi_mul_params){fp->in_num_col_dims, 1};
        if (fp->relu)
            p->post[p->n_post++].unary = (pdsi_unary_params){PDSI_UNARY_RELU, 0, 0, 0};
    } else {
        p->flat = *(const pdsi_mul_params *)node->params;
    }
}

/* An add of a parameter to the output that may become the bias: no bias and
 * nothing fused yet, and no alpha (with alpha, a bias would have to be added
 * after the scaling, which oneDNN's matmul does not promise: alpha products
 * keep their add apart). */
static bool matmul_takes_bias_add(const rewriter *r, const matmul_fusion *f,
                                  const pdsi_node *cn)
{
    const pdsi_graph *g = r->g;
    return cn->def->id == PDSI_OP_ELEMENTWISE_ADD && f->bias < 0 && f->p->n_post == 0 &&
           f->p->mm.alpha == 1.0f && in_value(cn, "X") == f->y &&
           is_param(g, in_value(cn, "Y")) &&
           bias_axis_ok(g, f->p, f->w, ((const pdsi_binary_params *)cn->params)->axis);
}

/* A bias as long as the output's last dim (no broadcast of a [1]). */
static bool bias_fits_last_dim(const rewriter *r, int32_t y, const pdsi_tensor *bt)
{
    const pdsi_tensor *ny = r->nominal && y < r->n_nominal ? &r->nominal[y] : NULL;
    return bt->rank == 1 && bt->dtype == PDS_FLOAT32 && ny && ny->rank >= 1 &&
           ny->dims[ny->rank - 1] == bt->dims[0];
}

/* absorb_fn of a matrix product: bias add, unary post-op. */
static pds_status matmul_absorb(rewriter *r, void *fusion, const pdsi_node *cn, bool *taken,
                                int32_t *next)
{
    matmul_fusion *f = fusion;
    pdsi_unary_params u;
    if (matmul_takes_bias_add(r, f, cn)) {
        int32_t b = in_value(cn, "Y");
        if (!bias_fits_last_dim(r, f->y, &r->g->values[b].data))
            return PDS_OK;
        f->bias = b;
    } else if (takes_unary(cn, f->y, f->p->post, f->p->n_post, &u)) {
        f->p->post[f->p->n_post++].unary = u;
    } else {
        return PDS_OK;
    }
    *taken = true;
    *next = out_value(cn, "Out");
    return PDS_OK;
}

/* matmul_v2, legacy matmul (matmul_v2's shapes, times alpha), mul and fc
 * become pdsafe_matmul with what follows fused in. */
static pds_status fuse_matmul(rewriter *r, int32_t i)
{
    pdsi_graph *g = r->g;
    const pdsi_node *node = &g->nodes[i];
    /* An int8 pdsafe_matmul of the QDQ pass, nothing fused yet. */
    const bool q = node->def->id == PDSI_OP_PDSAFE_MATMUL &&
                   ((const pdsi_fmatmul_params *)node->params)->quant.on &&
                   ((const pdsi_fmatmul_params *)node->params)->n_post == 0;
    int form = q ? PDSI_FMATMUL_V2 : matmul_form(node->def->id);
    if (form < 0)
        return PDS_OK;
    bool fc = form == PDSI_FMATMUL_FC;
    matmul_fusion f = {in_value(node, fc ? "Input" : "X"), in_value(node, fc ? "W" : "Y"),
                       fc ? in_value(node, "Bias") : -1, out_value(node, "Out"), NULL};
    const int32_t ints = q ? in_value(node, "YInt8") : -1, step = q ? in_value(node, "YScale") : -1;
    if (f.x < 0 || f.w < 0 || f.y < 0 ||
        node->in_off[node->n_in_slots] != (f.bias >= 0 ? 3 : 2) + (q ? 2 : 0) ||
        (q && (ints < 0 || step < 0)))
        return PDS_OK;
    f.p = calloc(1, sizeof *f.p);
    if (!f.p)
        return pdsi_fail(r->err, PDS_ERR_OUT_OF_MEMORY, "could not fuse a matmul");
    if (q)
        *f.p = *(const pdsi_fmatmul_params *)node->params;
    else
        fmatmul_params_of(node, form, f.p);
    pds_status st = absorb_chain(r, i, &f.y, matmul_absorb, &f);
    if (st) {
        free(f.p);
        return st;
    }
    const int32_t ins[5] = {f.x, f.w, f.bias, ints, step}, outs[1] = {f.y};
    g->values[f.y].producer = i;
    st = reslot(r, &g->nodes[i], pdsi_opdef_at(PDSI_OP_PDSAFE_MATMUL), ins, 5, outs, 1, f.p);
    if (!st)
        st = count_users(r);
    return st;
}

/* ---- cleanup ---------------------------------------------------------------------- */

static pds_status compact(rewriter *r)
{
    pdsi_graph *g = r->g;
    int32_t n = 0;
    for (int32_t i = 0; i < g->n_nodes; i++) {
        pdsi_node *node = &g->nodes[i];
        if (r->dead[i]) {
            free(node->type);
            free(node->vals);
            free(node->params);
            continue;
        }
        g->nodes[n++] = *node;
    }
    g->n_nodes = n;
    for (int32_t v = 0; v < g->n_values; v++)
        if (g->values[v].kind != PDSI_VALUE_PARAM)
            g->values[v].producer = -1;
    for (int32_t i = 0; i < n; i++) {
        const pdsi_node *node = &g->nodes[i];
        for (uint16_t a = node->out_off[0]; a < node->out_off[node->n_out_slots]; a++)
            g->values[node->vals[a]].producer = i;
    }
    /* Parameters nobody reads any more (folded batch norms, old filters). */
    memset(r->dead, 0, (size_t)n);
    pds_status st = count_users(r);
    if (st)
        return st;
    for (int32_t v = 0; v < g->n_values; v++)
        if (g->values[v].kind == PDSI_VALUE_PARAM && r->users[v] == 0 &&
            g->values[v].data.cap) {
            pdsi_buffer_free(g->values[v].data.data, g->values[v].data.cap);
            g->values[v].data.data = NULL;
            g->values[v].data.cap = 0;
        }
    return PDS_OK;
}

pds_status pdsi_passes_run(pdsi_graph *g, pds_error *err)
{
    rewriter r = {.g = g, .err = err};
    r.dead = calloc((size_t)g->n_nodes + 1, 1);
    r.users = calloc((size_t)g->n_values + 1, sizeof *r.users);
    r.users_cap = g->n_values + 1;
    pdsi_graph_info info;
    bool have_info = false;
    pds_status st;
    if (!r.dead || !r.users) {
        st = pdsi_fail(err, PDS_ERR_OUT_OF_MEMORY, "could not allocate the rewriter's tables");
        goto out;
    }
    if ((st = remove_noops(&r)) || (st = quant_convs(&r)) || (st = fold_constants(&r)) ||
        (st = fold_branches(&r)) ||
        (st = compact(&r)) ||
        (st = sink_residual_chains(&r)))
        goto out;
    if ((st = pdsi_graph_info_make(g, &info, err)))
        goto out;
    have_info = true;
    r.nominal = nominal_shapes(g, &info);
    r.n_nominal = g->n_values;
    if (r.nominal && inputs_static(g)) {
        bool any;
        if ((st = fold_static_shapes(&r, &any)))
            goto out;
        if (any) {
            if ((st = fold_constants(&r)) || (st = fold_branches(&r)) || (st = compact(&r)))
                goto out;
            pdsi_graph_info_free(&info);
            have_info = false;
            if ((st = pdsi_graph_info_make(g, &info, err)))
                goto out;
            have_info = true;
        }
    }
    if ((st = count_users(&r)) || (st = scalar_affines(&r)))
        goto out;
    for (int32_t i = 0; i < g->n_nodes; i++) {
        if (r.dead[i])
            continue;
        if ((st = fuse_conv(&r, i)) || (st = fuse_matmul(&r, i)))
            goto out;
    }
    if ((st = compact(&r)))
        goto out;
    st = PDS_OK;
out:
    nominal_free(r.n_nominal, r.nominal);
    if (have_info)
        pdsi_graph_info_free(&info);
    free(r.dead);
    free(r.users);
    return st;
}

/* ---- nominal shapes for the backends' weight packing ------------------------ */

pdsi_tensor *pdsi_passes_nominal(const pdsi_graph *g, const pdsi_graph_info *info)
{
    return nominal_shapes(g, info);
}

void pdsi_passes_nominal_free(const pdsi_graph *g, pdsi_tensor *t)
{
    nominal_free(g->n_values, t);
}
