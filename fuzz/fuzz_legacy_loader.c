/*
 * fuzz_legacy_loader.c — libFuzzer target for the legacy program loader
 * (src/model/: wire walker, protobuf-c decode, graph building, .pdiparams
 * records), DESIGN M19.
 *
 * Input layout: a little-endian u32 n, then n bytes of ProgramDesc, then the
 * combined parameter bytes (absent when nothing follows). Inputs shorter than
 * 4 bytes, or whose n runs past the end, are used whole as the program. The
 * target aborts (so the fuzzer reports it) when the loader returns a status a
 * hostile file must never produce, an error without a message, or a graph
 * that breaks its own invariants.
 *
 * Build for real fuzzing (outside CMake, after a CMake build has generated
 * <build>/gen/proto/framework.pb-c.c):
 *   clang -g -O1 -fsanitize=fuzzer,address,undefined -std=c11 -D_POSIX_C_SOURCE=200809L \
 *     -Iinclude -Isrc -I<build>/gen fuzz/fuzz_legacy_loader.c $(find src -name '*.c') \
 *     <build>/gen/proto/framework.pb-c.c -lprotobuf-c -lm -lpthread -o fuzz_legacy_loader
 *   ./fuzz_legacy_loader -max_len=65536 corpus_copy/
 * Compiling protobuf-c.c (v1.4.1, as Debian 12 ships) in instead of
 * -lprotobuf-c puts the decoder under the sanitizers and coverage too.
 * CMake builds it with fuzz/replay_main.c as a replay test over
 * fuzz/corpus/fuzz_legacy_loader/.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "graph/graph.h"
#include "model/loader.h"

static void check(int ok, const char *what, const pds_error *err)
{
    if (!ok) {
        fprintf(stderr, "fuzz_legacy_loader: invariant broken: %s (%s)\n", what,
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
    pds_status st = pdsi_load_buffers(model_len ? model : NULL, model_len, params, params_len, &g,
                                      &err);

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
        /* pdsi_load_buffers hands JSON programs to the PIR loader */
        check(g.format == PDS_FORMAT_LEGACY || g.format == PDS_FORMAT_PIR_JSON, "format", NULL);
        check(g.n_outputs > 0, "no outputs", NULL);
        for (int32_t i = 0; i < g.n_inputs; i++)
            check(g.inputs[i] >= 0 && g.inputs[i] < g.n_values &&
                      g.values[g.inputs[i]].kind == PDSI_VALUE_INPUT,
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
                          bytes <= opt.max_tensor_bytes &&
                          (g.format != PDS_FORMAT_LEGACY || bytes <= params_len) &&
                          bytes <= v->data.cap,
                      "parameter size", NULL);
            }
        }
        check(g.n_nodes <= (int32_t)opt.max_ops, "max_ops", NULL);
    }
    pdsi_graph_free(&g);
    return 0;
}
