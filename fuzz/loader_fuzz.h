/*
 * loader_fuzz.h — what the loader fuzz targets share (DESIGN M19): the input
 * layout, the limits a program is loaded under, and the checks that make the
 * target abort (so the fuzzer reports it) when a loader returns a status a
 * hostile file must never produce, an error without a message, or a graph
 * that breaks its own invariants. A target supplies only the call into its
 * loader and the formats that call may produce.
 *
 * Input layout: a little-endian u32 n, then n bytes of program, then the
 * combined parameter bytes (absent when nothing follows). Inputs shorter than
 * 4 bytes, or whose n runs past the end, are used whole as the program.
 *
 * Static functions in a header rather than a .c file, so that each target
 * still builds for libFuzzer from the single clang command in its comment,
 * and CMake's fuzz/fuzz_*.c glob finds only targets. Define PDSF_TARGET (the
 * target's name, for the abort message) before including.
 */
#ifndef PDSF_LOADER_FUZZ_H
#define PDSF_LOADER_FUZZ_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "graph/graph.h"
#include "model/loader.h"
#include "model/pir.h"

#ifndef PDSF_TARGET
#error "define PDSF_TARGET to the fuzz target's name before including loader_fuzz.h"
#endif

/* One fuzz input split into program and parameter bytes. */
typedef struct pdsf_input {
    const uint8_t *model, *params; /* params: NULL when no parameter bytes follow */
    size_t model_len, params_len;
} pdsf_input;

/* Loads in into g (initialised) and returns the loader's status. */
typedef pds_status (*pdsf_load_fn)(const pdsf_input *in, pdsi_graph *g, pds_error *err);

static void pdsf_check(int ok, const char *what, const pds_error *err)
{
    if (!ok) {
        fprintf(stderr, PDSF_TARGET ": invariant broken: %s (%s)\n", what,
                err ? err->message : "");
        abort();
    }
}

static pdsf_input pdsf_split(const uint8_t *data, size_t size)
{
    pdsf_input in = {.model = data, .model_len = size};
    if (size >= 4) {
        uint32_t n = (uint32_t)data[0] | (uint32_t)data[1] << 8 | (uint32_t)data[2] << 16 |
                     (uint32_t)data[3] << 24;
        if (n <= size - 4) {
            in.model = data + 4;
            in.model_len = n;
            if (size - 4 - n > 0) {
                in.params = data + 4 + n;
                in.params_len = size - 4 - n;
            }
        }
    }
    return in;
}

static void pdsf_check_failure(pds_status st, const pds_error *err, const pdsf_input *in)
{
    pdsf_check(st == PDS_ERR_MODEL_FORMAT || st == PDS_ERR_UNSUPPORTED_OP ||
                   st == PDS_ERR_LIMIT || st == PDS_ERR_SHAPE || st == PDS_ERR_INVALID_ARGUMENT,
               "unexpected status", err);
    pdsf_check(err->code == st && err->message[0] != '\0', "error without a message", err);
    pdsf_check(memchr(err->message, '\0', sizeof err->message) != NULL, "unterminated message",
               err);
    /* INVALID_ARGUMENT only for "parameters but no parameter file". */
    pdsf_check(st != PDS_ERR_INVALID_ARGUMENT || in->params == NULL, "invalid argument", err);
}

/* The invariants of a loaded graph, whichever loader built it. */
static void pdsf_check_graph(const pdsi_graph *g, const pds_model_options *opt,
                             const pdsf_input *in)
{
    bool pir = g->format == PDS_FORMAT_PIR_JSON;
    pdsf_check(!pir || (g->format_version >= PDSI_PIR_VERSION_MIN &&
                        g->format_version <= PDSI_PIR_VERSION_MAX),
               "version", NULL);
    pdsf_check(g->n_outputs > 0, "no outputs", NULL);
    for (int32_t i = 0; i < g->n_inputs; i++)
        pdsf_check(g->inputs[i] >= 0 && g->inputs[i] < g->n_values &&
                       g->values[g->inputs[i]].kind == PDSI_VALUE_INPUT &&
                       (!pir || g->values[g->inputs[i]].dtype != PDS_DTYPE_UNKNOWN),
                   "input id", NULL);
    for (int32_t i = 0; i < g->n_outputs; i++)
        pdsf_check(g->outputs[i] >= 0 && g->outputs[i] < g->n_values, "output id", NULL);
    for (int32_t i = 0; i < g->n_values; i++) {
        const pdsi_value *v = &g->values[i];
        pdsf_check(v->rank <= PDSI_MAX_RANK, "rank", NULL);
        if (v->kind == PDSI_VALUE_PARAM) {
            int64_t numel;
            size_t bytes;
            pdsf_check(v->data.data != NULL, "parameter without data", NULL);
            /* A legacy parameter is all read from the parameter bytes; a PIR
             * program also makes parameters of its constants. */
            pdsf_check(pdsi_shape_numel(v->data.dims, v->data.rank, &numel) &&
                           pdsi_bytes_of(v->data.dtype, numel, &bytes) &&
                           bytes <= opt->max_tensor_bytes &&
                           (g->format != PDS_FORMAT_LEGACY || bytes <= in->params_len) &&
                           bytes <= v->data.cap,
                       "parameter size", NULL);
        }
    }
    for (int32_t n = 0; n < g->n_nodes; n++) {
        const pdsi_node *node = &g->nodes[n];
        for (uint16_t a = 0; a < node->out_off[node->n_out_slots]; a++)
            pdsf_check(node->vals[a] >= 0 && node->vals[a] < g->n_values, "node value id",
                       NULL);
    }
    pdsf_check(g->n_nodes <= (int32_t)opt->max_ops, "max_ops", NULL);
    pdsf_check(g->n_values <= (int32_t)opt->max_values, "max_values", NULL);
}

/* The body of LLVMFuzzerTestOneInput: load, then check the status or the
 * graph. legacy_ok: a legacy graph is a right answer (else only PIR is). */
static int pdsf_run_one(const uint8_t *data, size_t size, pdsf_load_fn load, bool legacy_ok)
{
    pdsf_input in = pdsf_split(data, size);
    pds_model_options opt;
    memset(&opt, 0, sizeof opt);
    opt.struct_size = sizeof opt;
    opt.max_tensor_bytes = 1u << 24;
    opt.max_ops = 10000;
    opt.max_values = 100000;
    pdsi_graph g;
    pdsi_graph_init(&g, &opt);
    pds_error err;
    memset(&err, 0, sizeof err);
    pds_status st = load(&in, &g, &err);
    if (st != PDS_OK) {
        pdsf_check_failure(st, &err, &in);
    } else {
        pdsf_check(g.format == PDS_FORMAT_PIR_JSON ||
                       (legacy_ok && g.format == PDS_FORMAT_LEGACY),
                   "format", NULL);
        pdsf_check_graph(&g, &opt, &in);
    }
    pdsi_graph_free(&g);
    return 0;
}

#endif
