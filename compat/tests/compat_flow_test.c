/*
 * compat_flow_test.c — the PD_* flow as Paddle documents it (config, model
 * files, predictor, input names, input handle, reshape, copy in, run, output
 * names, output handle, shape, copy out, destroy) on every network fixture,
 * from both program formats, against Paddle Inference's own outputs. All
 * cases run on one predictor (changing input shapes), then again on a clone;
 * the config is also loaded from memory (PD_ConfigSetModelBuffer) and with the
 * reference kernels (PD_ConfigSwitchIrOptim(FALSE)).
 */
#include "compat_test.h"

#include <sys/stat.h>

static const char *const g_models[] = {"pplcnet", "mobilenetv3", "resnet", "db_det", "svtr_rec"};

static int n_cases(const char *dir)
{
    int k = 0;
    char path[4200];
    struct stat st;
    for (;; k++) {
        snprintf(path, sizeof path, "%s/case%d.in0.npy", dir, k);
        if (stat(path, &st) != 0)
            return k;
    }
}

static void *read_file(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    rewind(f);
    void *b = malloc(n > 0 ? (size_t)n : 1);
    if (b && fread(b, 1, (size_t)n, f) != (size_t)n) {
        free(b);
        b = NULL;
    }
    fclose(f);
    *len = (size_t)n;
    return b;
}

static int run_all_cases(PD_Predictor *pred, const char *dir, const char *label)
{
    int cases = n_cases(dir), bad = 0;
    CT_CHECK(cases > 0);
    for (int k = 0; k < cases; k++)
        bad += ct_run_case(pred, dir, k) != 0;
    bad += ct_run_case(pred, dir, 0) != 0; /* back to the first shape */
    printf("%-12s %-28s %d cases: %s\n", strrchr(dir, '/') + 1, label, cases,
           bad ? "MISMATCH" : "match Paddle");
    return bad;
}

/* The detector fixture's multiclass_nms3 Out (output 0) through the PD_*
 * flow: its shape is the rows the NMS kept (none in case 1, the most it can
 * keep in case 2), not the bound pdsafe planned, and copy-out writes exactly
 * that many values. Inputs: image (float32), im_size (int32), shift. */
static int detector_case(PD_Predictor *pred, const char *dir, int k)
{
    int before = ct_failures;
    npy_array in[3] = {{0}}, want = {0};
    char name[64];
    for (int i = 0; i < 3; i++) {
        snprintf(name, sizeof name, "case%d.in%d.npy", k, i);
        ct_npy(dir, name, &in[i]);
    }
    snprintf(name, sizeof name, "case%d.out0.npy", k);
    ct_npy(dir, name, &want);
    PD_OneDimArrayCstr *in_names = PD_PredictorGetInputNames(pred);
    CT_CHECK(in_names && in_names->size == 3);
    for (size_t i = 0; ct_failures == before && i < 3; i++) {
        PD_Tensor *x = PD_PredictorGetInputHandle(pred, in_names->data[i]);
        int32_t shape[8];
        for (int d = 0; d < in[i].rank; d++)
            shape[d] = (int32_t)in[i].dims[d];
        PD_TensorReshape(x, (size_t)in[i].rank, shape);
        if (in[i].dtype == PDS_INT32)
            PD_TensorCopyFromCpuInt32(x, in[i].data);
        else
            PD_TensorCopyFromCpuFloat(x, in[i].data);
        PD_TensorDestroy(x);
    }
    CT_CHECK_EQ(PD_PredictorRun(pred), TRUE);
    PD_OneDimArrayCstr *out_names = PD_PredictorGetOutputNames(pred);
    CT_CHECK(out_names && out_names->size == 7);
    PD_Tensor *y = out_names ? PD_PredictorGetOutputHandle(pred, out_names->data[0]) : NULL;
    PD_OneDimArrayInt32 *ys = y ? PD_TensorGetShape(y) : NULL;
    CT_CHECK(ys && ys->size == 2);
    if (ct_failures == before) {
        CT_CHECK_EQ(ys->data[0], want.dims[0]);
        CT_CHECK_EQ(ys->data[1], 6);
        if (k == 1)
            CT_CHECK_EQ(ys->data[0], 0);
        if (k == 2)
            CT_CHECK_EQ(ys->data[0], 20);
    }
    if (ct_failures == before) {
        size_t n = (size_t)ys->data[0] * 6;
        float *got = malloc((n + 1) * sizeof *got);
        got[n] = 12345.0f; /* a canary past the real rows */
        PD_TensorCopyToCpuFloat(y, got);
        CT_CHECK(got[n] == 12345.0f);
        char what[4200];
        snprintf(what, sizeof what, "%s case %d Out", dir, k);
        ct_compare_f32(what, dir, got, want.data, n);
        free(got);
    }
    PD_OneDimArrayInt32Destroy(ys);
    PD_TensorDestroy(y);
    PD_OneDimArrayCstrDestroy(out_names);
    PD_OneDimArrayCstrDestroy(in_names);
    for (int i = 0; i < 3; i++)
        npy_free(&in[i]);
    npy_free(&want);
    return ct_failures == before ? 0 : -1;
}

static int detector_rows(void)
{
    int before = ct_failures;
    char dir[4096];
    snprintf(dir, sizeof dir, "%s/detector", ct_fixtures());
    for (int ref = 0; ref < 2; ref++) {
        PD_Config *cfg = ct_config(dir, "inference.pdmodel");
        if (ref)
            PD_ConfigSwitchIrOptim(cfg, FALSE);
        else
            PD_ConfigEnableMKLDNN(cfg);
        PD_Predictor *pred = PD_PredictorCreate(cfg);
        CT_CHECK(pred != NULL);
        /* full after empty and empty after full on one predictor */
        static const int order[] = {0, 1, 2, 1, 3};
        for (size_t r = 0; pred && r < sizeof order / sizeof order[0]; r++)
            detector_case(pred, dir, order[r]);
        PD_PredictorDestroy(pred);
    }
    printf("%-12s %-28s %s\n", "detector", "NMS rows, fast and reference",
           ct_failures == before ? "match Paddle" : "MISMATCH");
    return ct_failures == before;
}

int main(void)
{
    int passed = 0, failed = 0;
    if (detector_rows())
        passed++;
    else
        failed++;
    for (size_t m = 0; m < sizeof g_models / sizeof g_models[0]; m++) {
        char dir[4096];
        snprintf(dir, sizeof dir, "%s/%s", ct_fixtures(), g_models[m]);
        const char *progs[] = {"inference.pdmodel", "inference.json"};
        for (int f = 0; f < 2; f++) {
            int before = ct_failures;
            PD_Config *cfg = ct_config(dir, progs[f]);
            PD_ConfigSetCpuMathLibraryNumThreads(cfg, 2);
            PD_ConfigEnableMKLDNN(cfg);
            PD_ConfigEnableMemoryOptim(cfg, TRUE);
            PD_Predictor *pred = PD_PredictorCreate(cfg);
            CT_CHECK(pred != NULL);
            if (pred) {
                CT_CHECK_EQ(PD_PredictorGetInputNum(pred), 1);
                CT_CHECK_EQ(PD_PredictorGetOutputNum(pred), 1);
                run_all_cases(pred, dir, progs[f]);
                PD_Predictor *clone = PD_PredictorClone(pred);
                CT_CHECK(clone != NULL);
                PD_PredictorDestroy(pred); /* the clone keeps the shared weights */
                if (clone)
                    run_all_cases(clone, dir, "clone after original gone");
                PD_PredictorDestroy(clone);
            }
            /* Paddle's docs: the predictor takes the config; older code
             * destroys it anyway. Here the old way (the other tests do not). */
            PD_ConfigDestroy(cfg);
            if (ct_failures == before)
                passed++;
            else
                failed++;
        }
        /* From memory, reference kernels. */
        int before = ct_failures;
        char path[4200];
        size_t plen = 0, qlen = 0;
        snprintf(path, sizeof path, "%s/inference.json", dir);
        void *prog = read_file(path, &plen);
        snprintf(path, sizeof path, "%s/inference.pdiparams", dir);
        void *params = read_file(path, &qlen);
        CT_CHECK(prog && params);
        PD_Config *cfg = PD_ConfigCreate();
        PD_ConfigSetModelBuffer(cfg, prog, plen, params, qlen);
        free(prog); /* copied by the call */
        free(params);
        PD_ConfigSwitchIrOptim(cfg, FALSE);
        CT_CHECK_EQ(PD_ConfigModelFromMemory(cfg), TRUE);
        CT_CHECK_EQ(PD_ConfigMkldnnEnabled(cfg), FALSE);
        PD_Predictor *pred = PD_PredictorCreate(cfg); /* takes cfg: never destroyed here */
        CT_CHECK(pred != NULL);
        if (pred)
            run_all_cases(pred, dir, "buffers, reference kernels");
        PD_PredictorDestroy(pred);
        if (ct_failures == before)
            passed++;
        else
            failed++;
    }
    printf("%d passed, %d failed\n", passed, failed);
    return failed ? 1 : 0;
}
