/*
 * fuzz_pir_loader.c — libFuzzer target for the PIR JSON program loader
 * (src/model/pir.c: byte pre-scan, jansson parse, JSON walk, op mapping,
 * graph building, .pdiparams records), DESIGN M19.
 *
 * The input layout and the checks are fuzz/loader_fuzz.h's.
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

#define PDSF_TARGET "fuzz_pir_loader"
#include "loader_fuzz.h"

static pds_status load(const pdsf_input *in, pdsi_graph *g, pds_error *err)
{
    pdsi_param_source src = {.combined = in->params, .combined_len = in->params_len,
                             .combined_name = "<params buffer>"};
    return pdsi_load_pir(in->model_len ? in->model : NULL, in->model_len, "<model buffer>", &src,
                         g, err);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    return pdsf_run_one(data, size, load, false);
}
