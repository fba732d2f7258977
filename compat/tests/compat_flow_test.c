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

int main(void)
{
    int passed = 0, failed = 0;
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
