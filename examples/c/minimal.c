/*
 * minimal.c — the smallest complete pdsafe program: load a model, run it once
 * on a constant image, print the top class. Built against the installed
 * library with `cc minimal.c $(pkg-config --cflags --libs pdsafe)`; the
 * install test (tests/install_test.sh) does exactly that.
 *
 *   minimal MODEL.pdmodel PARAMS.pdiparams
 */
#include <stdio.h>
#include <stdlib.h>

#include <pdsafe.h>

int main(int argc, char **argv)
{
    if (argc != 3) {
        fprintf(stderr, "usage: %s MODEL PARAMS\n", argv[0]);
        return 2;
    }
    pds_error err;
    pds_model model = 0;
    pds_predictor pred = 0;
    int rc = 1;
    if (pds_model_load_files(argv[1], argv[2], NULL, &model, &err) != PDS_OK) {
        fprintf(stderr, "load: %s: %s\n", pds_status_name(err.code), err.message);
        return 1;
    }
    if (pds_predictor_create(model, NULL, &pred, &err) != PDS_OK) {
        fprintf(stderr, "create: %s\n", err.message);
        goto done;
    }
    static float in[1 * 3 * 64 * 64];
    for (size_t i = 0; i < sizeof in / sizeof in[0]; i++)
        in[i] = 0.5f;
    float out[1000];
    pds_tensor x = {.dtype = PDS_FLOAT32, .rank = 4, .dims = {1, 3, 64, 64}, .data = in,
                    .byte_length = sizeof in};
    pds_tensor y = {.data = out, .byte_length = sizeof out};
    if (pds_predictor_run(pred, &x, 1, &y, 1, &err) != PDS_OK) {
        fprintf(stderr, "run: %s: %s\n", pds_status_name(err.code), err.message);
        goto done;
    }
    int64_t n = y.dims[y.rank - 1], best = 0;
    for (int64_t i = 1; i < n; i++)
        if (out[i] > out[best])
            best = i;
    printf("output [%lld, %lld], top class %lld (%.4f)\n", (long long)y.dims[0], (long long)n,
           (long long)best, out[best]);
    rc = 0;
done:
    pds_predictor_destroy(pred, NULL);
    pds_model_destroy(model, NULL);
    return rc;
}
