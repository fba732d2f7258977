/*
 * fuzz_pir_loader.c — libFuzzer target for the PIR JSON program loader
 * (src/model/pir.c: byte pre-scan, jansson parse, JSON walk, op mapping,
 * graph building, .pdiparams records), DESIGN M19.
 *
 * Input layout: a little-endian u32 n, then n bytes of JSON program, then the
 * combined parameter bytes (absent when nothing follows). Inputs shorter than
 * 4 bytes, or whose n runs past the end, are used whole as the program. The
 * target aborts (so the fuzzer reports it) when the loader returns a status a
 * hostile file must never produce, an error without a message, or a graph
 * that breaks its own invariants.
 *
 * Build for real fuzzing (outside CMake, after a CMake build has generated
 * <build>/gen/proto/framework.pb-c.c):
 *   clang -g -O1 -fsanitize=fuzzer,address,undefined -std=c11 -D_POSIX_C_SOURCE=200809L \
 *     -Iinclude -Isrc -I<build>/gen fuzz/fuzz_pir_loader.c $(find src -name '*.c') \
 *     <build>/gen/proto/framework.pb-c.c -lprotobuf-c -ljansson -lm -lpthread \
 *     -o fuzz_pir_loader
 *   ./fuzz_pir_loader -max_len=65536 -dict=fuzz/fuzz_pir_loader.dict corpus_copy/
 * (add the oneDNN flags if the build uses that backend). CMake builds it with
 * fuzz/replay_main.c as a replay test over fuzz/corpus/fuzz_pir_loader/.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "graph/graph.h"
#include "model/loader.h"
#include "model/pir.h"

static void check(int ok, const char *what, const pds_error *err)
{
    if (!ok) {
        fprintf(stderr, "fuzz_pir_loader: invariant broken: %s (%s)\n", what,
                err ? err->message : "");
        abort();
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const uint8_t *model = data, *params = NULL;
    size_t model_len = size, params_len = 0;
    if (size >= 4) {
        uint32_t n = (uint32_t)data[0] | (uint32_t)data[1] << 8 | (uint32_t)data[2] << 16 |
                     (uint32_t)data[3] << 24;
        if (n <= size - 4) {
            model = data + 4;
            model_len = n;
            if (size - 4 - n > 0) {
                params = data + 4 + n;
                params_len = size - 4 - n;
            }
        }
    }

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
    pdsi_param_source src = {.combined = params, .combined_len = params_len,
                             .combined_name = "<params buffer>"};
    pds_status st = pdsi_load_pir(model_len ? model : NULL, model_len, "<model buffer>", &src,
                                  &g, &err);

    if (st != PDS_OK) {
        check(st == PDS_ERR_MODEL_FORMAT || st == PDS_ERR_UNSUPPORTED_OP || st == PDS_ERR_LIMIT ||
                  st == PDS_ERR_SHAPE || st == PDS_ERR_INVALID_ARGUMENT,
              "unexpected status", &err);
        check(err.code == st && err.message[0] != '\0', "error without a message", &err);
        check(memchr(err.message, '\0', sizeof err.message) != NULL, "unterminated message",
              &err);
        /* INVALID_ARGUMENT only for "parameters but no parameter file". */
        check(st != PDS_ERR_INVALID_ARGUMENT || params == NULL, "invalid argument", &err);
    } else {
        check(g.format == PDS_FORMAT_PIR_JSON, "format", NULL);
        check(g.format_version >= PDSI_PIR_VERSION_MIN &&
                  g.format_version <= PDSI_PIR_VERSION_MAX,
              "version", NULL);
        check(g.n_outputs > 0, "no outputs", NULL);
        for (int32_t i = 0; i < g.n_inputs; i++)
            check(g.inputs[i] >= 0 && g.inputs[i] < g.n_values &&
                      g.values[g.inputs[i]].kind == PDSI_VALUE_INPUT &&
                      g.values[g.inputs[i]].dtype != PDS_DTYPE_UNKNOWN,
                  "input id", NULL);
        for (int32_t i = 0; i < g.n_outputs; i++)
            check(g.outputs[i] >= 0 && g.outputs[i] < g.n_values, "output id", NULL);
        for (int32_t i = 0; i < g.n_values; i++) {
            const pdsi_value *v = &g.values[i];
            check(v->rank <= PDSI_MAX_RANK, "rank", NULL);
            if (v->kind == PDSI_VALUE_PARAM) {
                int64_t numel;
                size_t bytes;
                check(v->data.data != NULL, "parameter without data", NULL);
                check(pdsi_shape_numel(v->data.dims, v->data.rank, &numel) &&
                          pdsi_bytes_of(v->data.dtype, numel, &bytes) &&
                          bytes <= opt.max_tensor_bytes && bytes <= v->data.cap,
                      "parameter size", NULL);
            }
        }
        for (int32_t n = 0; n < g.n_nodes; n++) {
            const pdsi_node *node = &g.nodes[n];
            for (uint16_t a = 0; a < node->out_off[node->n_out_slots]; a++)
                check(node->vals[a] >= 0 && node->vals[a] < g.n_values, "node value id", NULL);
        }
        check(g.n_nodes <= (int32_t)opt.max_ops, "max_ops", NULL);
        check(g.n_values <= (int32_t)opt.max_values, "max_values", NULL);
    }
    pdsi_graph_free(&g);
    return 0;
}
