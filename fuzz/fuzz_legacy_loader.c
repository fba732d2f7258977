/*
 * fuzz_legacy_loader.c — libFuzzer target for the legacy program loader
 * (src/model/: wire walker, protobuf-c decode, graph building, .pdiparams
 * records), DESIGN M19.
 *
 * The input layout and the checks are fuzz/loader_fuzz.h's.
 *
 * Build for real fuzzing (outside CMake, after a CMake build has generated
 * <build>/gen/proto/framework.pb-c.c):
 *   clang -g -O1 -fsanitize=fuzzer,address,undefined -std=c11 -D_POSIX_C_SOURCE=200809L \
 *     -Iinclude -Isrc -I<build>/gen fuzz/fuzz_legacy_loader.c $(find src -name '*.c') \
 *     <build>/gen/proto/framework.pb-c.c -lprotobuf-c -ljansson -lm -lpthread \
 *     -o fuzz_legacy_loader
 *   ./fuzz_legacy_loader -max_len=65536 corpus_copy/
 * Compiling protobuf-c.c (v1.4.1, as Debian 12 ships) in instead of
 * -lprotobuf-c puts the decoder under the sanitizers and coverage too.
 * CMake builds it with fuzz/replay_main.c as a replay test over
 * fuzz/corpus/fuzz_legacy_loader/.
 */
#include <stdint.h>

#define PDSF_TARGET "fuzz_legacy_loader"
#include "loader_fuzz.h"

/* pdsi_load_buffers hands JSON programs to the PIR loader, so a PIR graph is
 * a right answer too. */
static pds_status load(const pdsf_input *in, pdsi_graph *g, pds_error *err)
{
    return pdsi_load_buffers(in->model_len ? in->model : NULL, in->model_len, in->params,
                             in->params_len, g, err);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    return pdsf_run_one(data, size, load, true);
}
