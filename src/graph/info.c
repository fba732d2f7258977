/*
 * info.c — static facts about a graph that every plan of it uses, and that
 * backends read when they pack weights at load (see graph.h).
 */
#include <stdlib.h>
#include <string.h>

#include "graph/graph.h"

/* Marks the late nodes and values (graph.h) in one forward walk: values are
 * defined before they are read. by_late (per value, zeroed) is scratch. */
static void mark_late(const pdsi_graph *g, pdsi_graph_info *info, uint8_t *by_late)
{
    for (int32_t i = 0; i < g->n_nodes; i++) {
        const pdsi_node *node = &g->nodes[i];
        const uint16_t n_in = node->in_off[node->n_in_slots];
        bool late = false;
        for (uint16_t a = 0; a < n_in; a++)
            late |= info->late_value[node->vals[a]] != 0;
        info->late_node[i] = late;
        info->n_late += late;
        /* what a late node reads from a plan step, or from before it */
        for (uint16_t a = 0; a < n_in && late; a++)
            if (!by_late[node->vals[a]])
                info->late_read[node->vals[a]] = 1;
        if (late || (node->def->flags & PDSI_OPF_SIZE_AFTER_RUN))
            for (uint16_t a = node->out_off[0]; a < node->out_off[node->n_out_slots]; a++) {
                info->late_value[node->vals[a]] = 1;
                by_late[node->vals[a]] = late;
            }
    }
}

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
    info->late_node = calloc(nn, 1);
    info->late_value = calloc(nv, 1);
    info->late_read = calloc(nv, 1);
    if (!need || !info->early_node || !info->early_value || !info->last_use ||
        !info->is_output || !info->late_node || !info->late_value || !info->late_read) {
        free(need);
        pdsi_graph_info_free(info);
        return pdsi_fail(err, PDS_ERR_OUT_OF_MEMORY, "could not allocate graph tables");
    }
    for (int32_t v = 0; v < g->n_values; v++)
        info->last_use[v] = -1;
    for (int32_t i = 0; i < g->n_outputs; i++)
        info->is_output[g->outputs[i]] = 1;
    mark_late(g, info, need);
    memset(need, 0, nv);
    /* Phase 1 decides which branches run: the conditions of the guards
     * that nodes carry (and of the guards around them) are early. */
    for (int32_t i = 0; i < g->n_nodes; i++)
        for (int32_t k = g->nodes[i].guard, d = 0; k > 0 && d <= g->n_guards; d++) {
            need[g->guards[k - 1].cond] = 1;
            k = g->guards[k - 1].parent;
        }
    /* Values are defined before they are read, so walking backwards sees
     * every reader of a value before its producer. */
    for (int32_t i = g->n_nodes - 1; i >= 0; i--) {
        const pdsi_node *node = &g->nodes[i];
        bool early = false;
        for (uint16_t a = node->out_off[0]; a < node->out_off[node->n_out_slots]; a++)
            early |= need[node->vals[a]] != 0;
        /* A late node runs after every plan step, when all it reads is
         * there: it asks nothing of phase 1 (and, reading a late value, no
         * early node can need its outputs). */
        if (info->late_node[i])
            continue;
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
    free(info->late_node);
    free(info->late_value);
    free(info->late_read);
    memset(info, 0, sizeof *info);
}
