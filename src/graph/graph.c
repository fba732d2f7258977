/*
 * graph.c — building and checking the IR (see graph.h).
 */
#include "graph/graph.h"

#include <stdlib.h>
#include <string.h>

#define DEFAULT_MAX_TENSOR_BYTES (2ull << 30)
#define DEFAULT_MAX_FILE_BYTES (4ull << 30)
#define DEFAULT_MAX_OPS 100000u
#define DEFAULT_MAX_VALUES 1000000u

void pdsi_model_options_resolve(const pds_model_options *o, pds_model_options *out)
{
    pds_model_options r;
    memset(&r, 0, sizeof r);
    if (o) {
        /* Copy only the part of the struct the caller's version knows. */
        size_t n = o->struct_size < sizeof r ? o->struct_size : sizeof r;
        memcpy(&r, o, n);
    }
    r.struct_size = sizeof r;
    if (!r.max_tensor_bytes)
        r.max_tensor_bytes = DEFAULT_MAX_TENSOR_BYTES;
    if (!r.max_file_bytes)
        r.max_file_bytes = DEFAULT_MAX_FILE_BYTES;
    if (!r.max_ops)
        r.max_ops = DEFAULT_MAX_OPS;
    if (!r.max_values)
        r.max_values = DEFAULT_MAX_VALUES;
    *out = r;
}

void pdsi_graph_init(pdsi_graph *g, const pds_model_options *limits)
{
    memset(g, 0, sizeof *g);
    pdsi_model_options_resolve(limits, &g->limits);
}

void pdsi_graph_free(pdsi_graph *g)
{
    for (int32_t i = 0; i < g->n_values; i++) {
        free(g->values[i].name);
        pdsi_tensor_release(&g->values[i].data);
    }
    for (int32_t i = 0; i < g->n_nodes; i++) {
        free(g->nodes[i].type);
        free(g->nodes[i].vals);
        free(g->nodes[i].params);
    }
    free(g->values);
    free(g->nodes);
    free(g->inputs);
    free(g->outputs);
    free(g->map);
    free(g->unsupported);
    free(g->guards);
    memset(g, 0, sizeof *g);
}

/* FNV-1a */
static uint32_t hash_str(const char *s)
{
    uint32_t h = 2166136261u;
    for (; *s; s++)
        h = (h ^ (uint8_t)*s) * 16777619u;
    return h;
}

static uint32_t map_slot(const pdsi_graph *g, const char *name)
{
    uint32_t mask = g->map_cap - 1;
    uint32_t i = hash_str(name) & mask;
    while (g->map[i] >= 0 && strcmp(g->values[g->map[i]].name, name) != 0)
        i = (i + 1) & mask;
    return i;
}

int32_t pdsi_graph_find(const pdsi_graph *g, const char *name)
{
    if (!g->map_cap)
        return -1;
    return g->map[map_slot(g, name)];
}

static bool map_grow(pdsi_graph *g)
{
    uint32_t cap = g->map_cap ? g->map_cap * 2 : 256;
    int32_t *m = malloc(sizeof *m * cap);
    if (!m)
        return false;
    for (uint32_t i = 0; i < cap; i++)
        m[i] = -1;
    int32_t *old = g->map;
    uint32_t old_cap = g->map_cap;
    g->map = m;
    g->map_cap = cap;
    for (uint32_t i = 0; i < old_cap; i++)
        if (old[i] >= 0)
            g->map[map_slot(g, g->values[old[i]].name)] = old[i];
    free(old);
    return true;
}

/* Binds name -> id (replacing an earlier binding). */
static bool map_bind(pdsi_graph *g, int32_t id)
{
    /* Keep the load factor under 1/2. Bindings never exceed values. */
    if ((uint32_t)g->n_values * 2 >= g->map_cap && !map_grow(g))
        return false;
    g->map[map_slot(g, g->values[id].name)] = id;
    return true;
}

static pds_status new_value(pdsi_graph *g, const char *name, int32_t *id, pds_error *err)
{
    if ((uint32_t)g->n_values >= g->limits.max_values)
        return pdsi_fail(err, PDS_ERR_LIMIT, "more than %u values in the program (max_values)",
                         g->limits.max_values);
    if (g->n_values == g->cap_values) {
        int32_t cap = g->cap_values ? g->cap_values * 2 : 64;
        pdsi_value *v = realloc(g->values, sizeof *v * (size_t)cap);
        if (!v)
            return pdsi_fail(err, PDS_ERR_OUT_OF_MEMORY, "could not grow the value table to %d",
                             cap);
        g->values = v;
        g->cap_values = cap;
    }
    pdsi_value *v = &g->values[g->n_values];
    memset(v, 0, sizeof *v);
    v->name = strdup(name);
    if (!v->name)
        return pdsi_fail(err, PDS_ERR_OUT_OF_MEMORY, "could not copy value name");
    v->rank = -1;
    v->producer = -1;
    v->kind = PDSI_VALUE_UNBOUND;
    g->n_values++;
    if (!map_bind(g, g->n_values - 1))
        return pdsi_fail(err, PDS_ERR_OUT_OF_MEMORY, "could not grow the name map");
    *id = g->n_values - 1;
    return PDS_OK;
}

pds_status pdsi_graph_declare(pdsi_graph *g, const char *name, bool persistable,
                              pds_dtype dtype, int rank, const int64_t *dims, int32_t *id,
                              pds_error *err)
{
    int32_t found = pdsi_graph_find(g, name);
    if (found >= 0) {
        *id = found;
        return PDS_OK;
    }
    if (rank > PDSI_MAX_RANK)
        return pdsi_fail(err, PDS_ERR_MODEL_FORMAT,
                         "variable '%s' has rank %d, pdsafe supports at most %d", name, rank,
                         PDSI_MAX_RANK);
    pds_status st = new_value(g, name, id, err);
    if (st)
        return st;
    pdsi_value *v = &g->values[*id];
    v->persistable = persistable;
    v->dtype = dtype;
    v->rank = rank;
    for (int i = 0; i < rank && i < PDSI_MAX_RANK; i++)
        v->dims[i] = dims[i];
    return PDS_OK;
}

static int find_slot(const pdsi_slotdef *defs, const char *name)
{
    for (int k = 0; k < PDSI_MAX_SLOTS && defs[k].name; k++)
        if (strcmp(defs[k].name, name) == 0)
            return k;
    return -1;
}

/* Checks slot names and counts and returns, per def slot, which raw slot binds it. */
static pds_status match_slots(const pdsi_raw_op *op, const pdsi_slotdef *defs,
                              const pdsi_raw_slot *raw, int n_raw, int *bind, const char *dir,
                              pds_error *err)
{
    int n_defs = pdsi_opdef_slot_count(defs);
    for (int k = 0; k < n_defs; k++)
        bind[k] = -1;
    for (int r = 0; r < n_raw; r++) {
        int k = find_slot(defs, raw[r].name);
        if (k < 0) {
            if (raw[r].n == 0)
                continue; /* an empty slot pdsafe does not know is harmless */
            return pdsi_fail(err, PDS_ERR_UNSUPPORTED_OP,
                             "op #%d (%s): %s slot '%s' is not supported by pdsafe", op->index,
                             op->type, dir, raw[r].name);
        }
        if (bind[k] >= 0)
            return pdsi_fail(err, PDS_ERR_MODEL_FORMAT, "op #%d (%s): %s slot '%s' appears twice",
                             op->index, op->type, dir, raw[r].name);
        bind[k] = r;
    }
    for (int k = 0; k < n_defs; k++) {
        int n = bind[k] >= 0 ? raw[bind[k]].n : 0;
        unsigned f = defs[k].flags;
        if (!(f & PDSI_SLOT_LIST) && n > 1)
            return pdsi_fail(err, PDS_ERR_MODEL_FORMAT,
                             "op #%d (%s): %s slot '%s' has %d arguments, expected 1", op->index,
                             op->type, dir, defs[k].name, n);
        if (!(f & PDSI_SLOT_OPTIONAL) && n == 0)
            return pdsi_fail(err, PDS_ERR_MODEL_FORMAT,
                             "op #%d (%s): required %s slot '%s' is missing", op->index,
                             op->type, dir, defs[k].name);
    }
    return PDS_OK;
}

pds_status pdsi_graph_add_op(pdsi_graph *g, const pdsi_raw_op *op, pds_error *err)
{
    const pdsi_opdef *def = pdsi_opdef_find(op->type);
    if (!def)
        return pdsi_fail(err, PDS_ERR_UNSUPPORTED_OP,
                         "op #%d: operator type '%s' is not supported by pdsafe", op->index,
                         op->type);
    if ((uint32_t)g->n_nodes >= g->limits.max_ops)
        return pdsi_fail(err, PDS_ERR_LIMIT, "op #%d: more than %u operators (max_ops)",
                         op->index, g->limits.max_ops);
    int bind_in[PDSI_MAX_SLOTS], bind_out[PDSI_MAX_SLOTS];
    pds_status st = match_slots(op, def->in, op->in, op->n_in, bind_in, "input", err);
    if (!st)
        st = match_slots(op, def->out, op->out, op->n_out, bind_out, "output", err);
    if (st)
        return st;

    if (g->n_nodes == g->cap_nodes) {
        int32_t cap = g->cap_nodes ? g->cap_nodes * 2 : 64;
        pdsi_node *nn = realloc(g->nodes, sizeof *nn * (size_t)cap);
        if (!nn)
            return pdsi_fail(err, PDS_ERR_OUT_OF_MEMORY, "could not grow the node table");
        g->nodes = nn;
        g->cap_nodes = cap;
    }
    pdsi_node *node = &g->nodes[g->n_nodes];
    memset(node, 0, sizeof *node);
    node->def = def;
    node->index = op->index;
    node->guard = g->cur_guard;
    node->n_in_slots = pdsi_opdef_slot_count(def->in);
    node->n_out_slots = pdsi_opdef_slot_count(def->out);

    size_t total = 0;
    for (int k = 0; k < node->n_in_slots; k++)
        total += bind_in[k] >= 0 ? (size_t)op->in[bind_in[k]].n : 0;
    for (int k = 0; k < node->n_out_slots; k++)
        total += bind_out[k] >= 0 ? (size_t)op->out[bind_out[k]].n : 0;
    if (total > UINT16_MAX)
        return pdsi_fail(err, PDS_ERR_LIMIT, "op #%d (%s): %zu arguments, at most %u supported",
                         op->index, op->type, total, UINT16_MAX);
    node->type = strdup(op->type);
    node->vals = malloc(sizeof *node->vals * (total ? total : 1));
    node->params = def->params_size ? calloc(1, def->params_size) : NULL;
    if (!node->type || !node->vals || (def->params_size && !node->params)) {
        st = pdsi_fail(err, PDS_ERR_OUT_OF_MEMORY, "op #%d (%s): out of memory", op->index,
                       op->type);
        goto fail;
    }

    /* Inputs: bind to current values; every one must be defined already. */
    uint16_t pos = 0;
    for (int k = 0; k < node->n_in_slots; k++) {
        node->in_off[k] = pos;
        if (bind_in[k] < 0)
            continue;
        const pdsi_raw_slot *rs = &op->in[bind_in[k]];
        for (int a = 0; a < rs->n; a++) {
            int32_t id = pdsi_graph_find(g, rs->args[a]);
            if (id < 0 || (g->values[id].kind == PDSI_VALUE_UNBOUND &&
                           !g->values[id].persistable)) {
                st = pdsi_fail(err, PDS_ERR_MODEL_FORMAT,
                               "op #%d (%s): input '%s' reads variable '%s', which nothing "
                               "before it writes",
                               op->index, op->type, rs->name, rs->args[a]);
                goto fail;
            }
            node->vals[pos++] = id;
        }
    }
    node->in_off[node->n_in_slots] = pos;

    /* Outputs: SSA, a fresh value whenever the name already holds one. */
    for (int k = 0; k < node->n_out_slots; k++) {
        node->out_off[k] = pos;
        if (bind_out[k] < 0)
            continue;
        const pdsi_raw_slot *rs = &op->out[bind_out[k]];
        for (int a = 0; a < rs->n; a++) {
            int32_t id = pdsi_graph_find(g, rs->args[a]);
            if (id >= 0 && g->values[id].persistable) {
                if (def->out[k].flags & PDSI_SLOT_OPTIONAL)
                    continue; /* e.g. batch_norm MeanOut aliasing Mean: not written */
                st = pdsi_fail(err, PDS_ERR_MODEL_FORMAT,
                               "op #%d (%s): output '%s' writes parameter '%s'", op->index,
                               op->type, rs->name, rs->args[a]);
                goto fail;
            }
            if (id < 0 || g->values[id].kind != PDSI_VALUE_UNBOUND) {
                pdsi_value old;
                bool had = id >= 0;
                if (had)
                    old = g->values[id];
                st = new_value(g, rs->args[a], &id, err);
                if (st)
                    goto fail;
                if (had) { /* keep what the file declared */
                    g->values[id].dtype = old.dtype;
                    g->values[id].rank = old.rank;
                    memcpy(g->values[id].dims, old.dims, sizeof old.dims);
                }
            }
            g->values[id].kind = PDSI_VALUE_TEMP;
            g->values[id].producer = g->n_nodes;
            node->vals[pos++] = id;
        }
        if (!(def->out[k].flags & PDSI_SLOT_OPTIONAL) && pos == node->out_off[k]) {
            st = pdsi_fail(err, PDS_ERR_MODEL_FORMAT, "op #%d (%s): required output '%s' is empty",
                           op->index, op->type, def->out[k].name);
            goto fail;
        }
    }
    node->out_off[node->n_out_slots] = pos;

    if (def->parse) {
        st = def->parse(&op->attrs, node->params, err);
        if (st) {
            pdsi_fail_wrap(err, st, "op #%d (%s)", op->index, op->type);
            goto fail;
        }
    }
    g->n_nodes++;
    return PDS_OK;
fail:
    free(node->type);
    free(node->vals);
    free(node->params);
    return st;
}

static pds_status set_io(pdsi_graph *g, int32_t **arr, int32_t *n, int32_t col, int32_t id,
                         const char *what, const char *name, pds_error *err)
{
    if (col < 0 || col > 65535)
        return pdsi_fail(err, PDS_ERR_MODEL_FORMAT, "%s '%s' has col %d, expected 0..65535",
                         what, name, col);
    if (col >= *n) {
        int32_t *a = realloc(*arr, sizeof *a * (size_t)(col + 1));
        if (!a)
            return pdsi_fail(err, PDS_ERR_OUT_OF_MEMORY, "could not grow the %s list", what);
        for (int32_t i = *n; i <= col; i++)
            a[i] = -1;
        *arr = a;
        *n = col + 1;
    }
    if ((*arr)[col] >= 0)
        return pdsi_fail(err, PDS_ERR_MODEL_FORMAT, "two %ss have col %d ('%s' and '%s')", what,
                         col, g->values[(*arr)[col]].name, name);
    (*arr)[col] = id;
    return PDS_OK;
}

pds_status pdsi_graph_set_input(pdsi_graph *g, int32_t col, const char *name, pds_error *err)
{
    int32_t id = pdsi_graph_find(g, name);
    if (id < 0)
        return pdsi_fail(err, PDS_ERR_MODEL_FORMAT, "feed target '%s' is not a declared variable",
                         name);
    pdsi_value *v = &g->values[id];
    if (v->kind != PDSI_VALUE_UNBOUND || v->persistable)
        return pdsi_fail(err, PDS_ERR_MODEL_FORMAT,
                         "feed target '%s' is already written by something else", name);
    if (v->rank < 0 || v->dtype == PDS_DTYPE_UNKNOWN)
        return pdsi_fail(err, PDS_ERR_MODEL_FORMAT,
                         "feed target '%s' has no declared dtype and shape", name);
    v->kind = PDSI_VALUE_INPUT;
    return set_io(g, &g->inputs, &g->n_inputs, col, id, "input", name, err);
}

pds_status pdsi_graph_set_output(pdsi_graph *g, int32_t col, const char *name, pds_error *err)
{
    int32_t id = pdsi_graph_find(g, name);
    if (id < 0 || (g->values[id].kind == PDSI_VALUE_UNBOUND && !g->values[id].persistable))
        return pdsi_fail(err, PDS_ERR_MODEL_FORMAT,
                         "fetch target '%s' is not written by any operator", name);
    return set_io(g, &g->outputs, &g->n_outputs, col, id, "output", name, err);
}

pds_status pdsi_graph_finish(pdsi_graph *g, pds_error *err)
{
    for (int32_t i = 0; i < g->n_inputs; i++)
        if (g->inputs[i] < 0)
            return pdsi_fail(err, PDS_ERR_MODEL_FORMAT, "no feed has col %d (of %d inputs)", i,
                             g->n_inputs);
    for (int32_t i = 0; i < g->n_outputs; i++)
        if (g->outputs[i] < 0)
            return pdsi_fail(err, PDS_ERR_MODEL_FORMAT, "no fetch has col %d (of %d outputs)", i,
                             g->n_outputs);
    if (g->n_outputs == 0)
        return pdsi_fail(err, PDS_ERR_MODEL_FORMAT, "the program has no fetch (output)");
    for (int32_t i = 0; i < g->n_values; i++) {
        pdsi_value *v = &g->values[i];
        if (v->persistable && v->kind != PDSI_VALUE_PARAM) {
            /* Only an error if something reads it. */
            for (int32_t n = 0; n < g->n_nodes; n++) {
                const pdsi_node *node = &g->nodes[n];
                for (uint16_t a = 0; a < node->in_off[node->n_in_slots]; a++)
                    if (node->vals[a] == i)
                        return pdsi_fail(err, PDS_ERR_MODEL_FORMAT,
                                         "op #%d (%s) reads parameter '%s', which has no data in "
                                         "the parameter file",
                                         node->index, node->type, v->name);
            }
        }
    }
    return PDS_OK;
}

pds_status pdsi_graph_add_guard(pdsi_graph *g, int32_t cond, bool want, int32_t parent,
                                int32_t index, int32_t *guard, pds_error *err)
{
    if (cond < 0 || cond >= g->n_values || parent < 0 || parent > g->n_guards)
        return pdsi_fail(err, PDS_ERR_INTERNAL, "op #%d: branch on value %d under guard %d",
                         index, cond, parent);
    if (g->n_guards == g->cap_guards) {
        int32_t cap = g->cap_guards ? g->cap_guards * 2 : 8;
        pdsi_guard *ng = realloc(g->guards, sizeof *ng * (size_t)cap);
        if (!ng)
            return pdsi_fail(err, PDS_ERR_OUT_OF_MEMORY, "could not grow the branch table");
        g->guards = ng;
        g->cap_guards = cap;
    }
    g->guards[g->n_guards] = (pdsi_guard){cond, want, parent, index};
    *guard = ++g->n_guards;
    return PDS_OK;
}

pds_status pdsi_guard_value(const pdsi_graph *g, const pdsi_guard *gd, const pdsi_tensor *t,
                            bool *v, pds_error *err)
{
    int64_t n = pdsi_tensor_numel(t);
    if (n != 1 || !t->data)
        return pdsi_fail(err, PDS_ERR_SHAPE, "op #%d: the condition '%s' has %lld elements, "
                         "expected 1", gd->index, g->values[gd->cond].name, (long long)n);
    switch (t->dtype) {
    case PDS_BOOL:
    case PDS_UINT8:
    case PDS_INT8: *v = *(const uint8_t *)t->data != 0; break;
    case PDS_INT32: *v = *(const int32_t *)t->data != 0; break;
    case PDS_INT64: *v = *(const int64_t *)t->data != 0; break;
    case PDS_FLOAT32: *v = *(const float *)t->data != 0.0f; break;
    case PDS_FLOAT64: *v = *(const double *)t->data != 0.0; break;
    default:
        return pdsi_fail(err, PDS_ERR_DTYPE, "op #%d: the condition '%s' is %s, expected bool "
                         "or a number", gd->index, g->values[gd->cond].name,
                         pds_dtype_name(t->dtype));
    }
    return PDS_OK;
}

pds_status pdsi_graph_node_runs(const pdsi_graph *g, int32_t i, const pdsi_tensor *tensors,
                                bool *runs, pds_error *err)
{
    *runs = true;
    /* Guards are made before their nodes and nest at most as deep as there
     * are guards, so the walk ends. */
    for (int32_t k = g->nodes[i].guard, depth = 0; k > 0 && depth <= g->n_guards; depth++) {
        const pdsi_guard *gd = &g->guards[k - 1];
        bool v;
        /* a condition computed in an enclosing branch that did not run */
        if (pdsi_absent(&tensors[gd->cond])) {
            *runs = false;
            return PDS_OK;
        }
        pds_status st = pdsi_guard_value(g, gd, &tensors[gd->cond], &v, err);
        if (st)
            return st;
        if (v != gd->want) {
            *runs = false;
            return PDS_OK;
        }
        k = gd->parent;
    }
    return PDS_OK;
}
