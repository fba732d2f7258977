/*
 * compat_flow_test.c — the PD_* flow as Paddle documents it (config, model
 * files, predictor, input names, input handle, reshape, copy in, run, output
 * names, output handle, shape, copy out, destroy) on every network fixture,
 * from both program formats, against Paddle Inference's own outputs. All
 * cases run on one predictor (changing input shapes), then again on a clone;
 * the config is also loaded from memory (PD_ConfigSetModelBuffer) and with the
 * reference kernels (PD_ConfigSwitchIrOptim(FALSE)). PD_ConfigEnableMkldnnBfloat16
 * runs pplcnet in bf16 where the CPU has bf16 arithmetic, and in float32 where
 * it has not (or with the argument "capped", which ctest runs with oneDNN's
 * instruction set capped below bf16), as Paddle falls back.
 */
#include "compat_test.h"

#include <math.h>
#include <sys/stat.h>

#if defined(__x86_64__) || defined(__i386__)
#include <cpuid.h>
#endif

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
        size_t n = (size_t)ys->data[0] * 6; /* the real rows: a canary past them */
        char what[4200];
        snprintf(what, sizeof what, "%s case %d Out", dir, k);
        ct_copy_out_compare(y, n, what, dir, want.data);
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

/* The CPU's own answer: AVX512_BF16 (CPUID leaf 7 subleaf 1, EAX bit 5) or
 * AMX-BF16 (leaf 7 subleaf 0, EDX bit 22). */
static int cpu_has_bf16(void)
{
#if defined(__x86_64__) || defined(__i386__)
    unsigned a, b, c, d;
    if (__get_cpuid_max(0, NULL) < 7)
        return 0;
    __cpuid_count(7, 0, a, b, c, d);
    int amx = (d >> 22) & 1u;
    __cpuid_count(7, 1, a, b, c, d);
    return amx || ((a >> 5) & 1u);
#else
    return 0;
#endif
}

/* Runs dir's case 0 through the PD_* flow with or without
 * PD_ConfigEnableMkldnnBfloat16 and returns its output 0 (*n floats; free
 * it), or NULL after a failure. */
static float *run_precision(const char *dir, int bf16, size_t *n)
{
    int before = ct_failures;
    npy_array in = {0};
    if (ct_npy(dir, "case0.in0.npy", &in) != 0)
        return NULL;
    PD_Config *cfg = ct_config(dir, "inference.pdmodel");
    CT_CHECK_EQ(PD_ConfigMkldnnBfloat16Enabled(cfg), FALSE);
    if (bf16)
        PD_ConfigEnableMkldnnBfloat16(cfg);
    CT_CHECK_EQ(PD_ConfigMkldnnBfloat16Enabled(cfg), bf16);
    PD_Cstr *sum = PD_ConfigSummary(cfg);
    const char *want = bf16 ? "precision: bfloat16 convolutions and matrix products where the CPU "
                              "has bf16 arithmetic, else float32\n"
                            : "precision: float32\n";
    CT_CHECK(sum && strstr(sum->data, want));
    PD_CstrDestroy(sum);
    PD_Predictor *pred = PD_PredictorCreate(cfg);
    CT_CHECK(pred != NULL);
    float *out = NULL;
    if (pred) {
        PD_OneDimArrayCstr *names = PD_PredictorGetInputNames(pred);
        PD_Tensor *x = PD_PredictorGetInputHandle(pred, names->data[0]);
        ct_feed_f32(x, &in);
        CT_CHECK_EQ(PD_PredictorRun(pred), TRUE);
        PD_OneDimArrayCstr *onames = PD_PredictorGetOutputNames(pred);
        PD_Tensor *y = PD_PredictorGetOutputHandle(pred, onames->data[0]);
        PD_OneDimArrayInt32 *ys = PD_TensorGetShape(y);
        *n = 1;
        for (size_t d = 0; ys && d < ys->size; d++)
            *n *= (size_t)ys->data[d];
        out = malloc(*n * sizeof *out);
        if (out && ct_failures == before)
            PD_TensorCopyToCpuFloat(y, out);
        PD_OneDimArrayInt32Destroy(ys);
        PD_TensorDestroy(y);
        PD_TensorDestroy(x);
        PD_OneDimArrayCstrDestroy(onames);
        PD_OneDimArrayCstrDestroy(names);
        PD_PredictorDestroy(pred);
    }
    npy_free(&in);
    if (ct_failures != before) {
        free(out);
        return NULL;
    }
    return out;
}

/* PD_ConfigEnableMkldnnBfloat16 on pplcnet: with bf16 arithmetic (oneDNN built
 * in and not capped below it) the output differs from float32's and stays within
 * test_bf16's bound for this network (max |bf16 - fp32| / max |fp32| at most
 * 0.01); without, the load falls back and the output is float32's, bit for
 * bit. */
static int bf16_flow(int capped)
{
    int before = ct_failures;
    char dir[4096];
    snprintf(dir, sizeof dir, "%s/pplcnet", ct_fixtures());
    size_t n32 = 0, n16 = 0;
    float *f32 = run_precision(dir, 0, &n32), *b16 = run_precision(dir, 1, &n16);
    int native = cpu_has_bf16() && !capped && strncmp(pds_build_info(), "onednn", 6) == 0;
    if (f32 && b16) {
        CT_CHECK_EQ(n16, n32);
        double maxd = 0, maxr = 0;
        size_t differ = 0;
        for (size_t k = 0; k < n32 && n16 == n32; k++) {
            double d = fabs((double)b16[k] - f32[k]), r = fabs((double)f32[k]);
            maxd = d > maxd ? d : maxd;
            maxr = r > maxr ? r : maxr;
            differ += b16[k] != f32[k];
        }
        if (native) {
            if (!differ)
                CT_FAIL("pplcnet with PD_ConfigEnableMkldnnBfloat16 on a CPU with bf16: the "
                        "output is float32's bit for bit; expected bf16 rounding");
            if (maxd > 0.01 * maxr)
                CT_FAIL("pplcnet in bf16: max |bf16 - fp32| %.3g, %.3g of max |fp32|; expected "
                        "at most 0.01", maxd, maxr > 0 ? maxd / maxr : 0);
        } else if (differ) {
            CT_FAIL("pplcnet with PD_ConfigEnableMkldnnBfloat16 on a CPU without bf16: %zu of "
                    "%zu values differ from float32's; expected the float32 fallback", differ,
                    n32);
        }
        printf("%-12s %-28s %s (%zu of %zu values differ, max %.2e of max |fp32|)\n", "pplcnet",
               native ? "bf16 (CPU has bf16)" : "bf16 asked, float32 fallback",
               ct_failures == before ? "as expected" : "UNEXPECTED", differ, n32,
               maxr > 0 ? maxd / maxr : 0);
    }
    free(f32);
    free(b16);
    return ct_failures == before;
}

int main(int argc, char **argv)
{
    int passed = 0, failed = 0;
    int capped = argc > 1 && strcmp(argv[1], "capped") == 0;
    if (bf16_flow(capped))
        passed++;
    else
        failed++;
    if (capped) {
        printf("%d passed, %d failed\n", passed, failed);
        return failed ? 1 : 0;
    }
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
