/*
 * compat_misuse_test.c — each everyday misuse of Paddle's C API, done for
 * real through the PD_* functions. Run as `compat_misuse_test SCENARIO`
 * (one ctest per scenario); the scenario runs in a child process, so a crash
 * fails the test, and its stderr must be exactly the reports it expects.
 */
#define _GNU_SOURCE /* syscall(SYS_gettid): the thread ids guard mode reports */
#include "compat_test.h"

#include <inttypes.h>
#include <pthread.h>
#include <signal.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "pdsafe.h"

#define PFX "pdsafe-compat: "

static uint64_t hv(const void *p)
{
    return (uint64_t)(uintptr_t)p;
}

static char g_dir[4096];

static PD_Predictor *make_pred(const char *model, PD_Config **cfg_out)
{
    snprintf(g_dir, sizeof g_dir, "%s/%s", ct_fixtures(), model);
    PD_Config *cfg = ct_config(g_dir, "inference.pdmodel");
    PD_Predictor *p = PD_PredictorCreate(cfg);
    CT_CHECK(p != NULL);
    if (cfg_out)
        *cfg_out = cfg;
    return p;
}

static void stale(FILE *e, const char *call, const char *kind, const void *h)
{
    fprintf(e, PFX "%s: %s 0x%016" PRIx64 " was already destroyed; the call does nothing\n", call,
            kind, hv(h));
}

static void forged(FILE *e, const char *call, const char *kind, uint64_t h)
{
    fprintf(e, PFX "%s: %s 0x%016" PRIx64 " was never issued by this library (forged, corrupted "
            "or from another library); the call does nothing\n", call, kind, h);
}

/* ---- scenarios -------------------------------------------------------------- */

static int destroyed_then_used(FILE *e)
{
    PD_Predictor *p = make_pred("pplcnet", NULL);
    CT_CHECK(ct_run_case(p, g_dir, 0) == 0);
    PD_PredictorDestroy(p);
    CT_CHECK_EQ(PD_PredictorRun(p), FALSE); /* Paddle: SIGSEGV */
    stale(e, "PD_PredictorRun", "PD_Predictor", p);
    CT_CHECK_EQ(PD_PredictorGetInputNum(p), 0);
    stale(e, "PD_PredictorGetInputNum", "PD_Predictor", p);
    CT_CHECK(PD_PredictorGetInputHandle(p, "x") == NULL);
    stale(e, "PD_PredictorGetInputHandle", "PD_Predictor", p);
    CT_CHECK(PD_PredictorClone(p) == NULL);
    stale(e, "PD_PredictorClone", "PD_Predictor", p);
    /* A new predictor may reuse the slot: the old handle stays stale. */
    PD_Predictor *q = make_pred("pplcnet", NULL);
    CT_CHECK(q != p);
    CT_CHECK_EQ(PD_PredictorGetOutputNum(p), 0);
    stale(e, "PD_PredictorGetOutputNum", "PD_Predictor", p);
    CT_CHECK(ct_run_case(q, g_dir, 1) == 0);
    PD_PredictorDestroy(q);
    return ct_failures;
}

static int destroyed_twice(FILE *e)
{
    PD_Config *cfg = NULL;
    PD_Predictor *p = make_pred("pplcnet", &cfg);
    PD_Tensor *t = PD_PredictorGetInputHandle(p, "x");
    CT_CHECK(t != NULL);
    PD_TensorDestroy(t);
    PD_TensorDestroy(t); /* Paddle: double free */
    stale(e, "PD_TensorDestroy", "PD_Tensor", t);
    PD_PredictorDestroy(p);
    PD_PredictorDestroy(p);
    stale(e, "PD_PredictorDestroy", "PD_Predictor", p);
    PD_ConfigDestroy(cfg); /* the once a taken config may be destroyed: silent */
    PD_ConfigDestroy(cfg);
    stale(e, "PD_ConfigDestroy", "PD_Config", cfg);
    PD_Config *c2 = PD_ConfigCreate();
    PD_ConfigDestroy(c2);
    PD_ConfigDestroy(c2);
    stale(e, "PD_ConfigDestroy", "PD_Config", c2);
    PD_PredictorDestroy(NULL); /* as Paddle: a no-op */
    PD_ConfigDestroy(NULL);
    PD_TensorDestroy(NULL);
    return ct_failures;
}

static int forged_handles(FILE *e)
{
    PD_Predictor *p = make_pred("pplcnet", NULL);
    int on_stack = 0;
    uint64_t fakes[] = {0x1234, hv(&on_stack), hv(p) + (1ull << 24), hv(p) ^ (1ull << 60),
                        UINT64_MAX};
    for (size_t i = 0; i < sizeof fakes / sizeof fakes[0]; i++) {
        CT_CHECK_EQ(PD_PredictorRun((PD_Predictor *)(uintptr_t)fakes[i]), FALSE);
        forged(e, "PD_PredictorRun", "PD_Predictor", fakes[i]);
    }
    PD_TensorReshape((PD_Tensor *)(uintptr_t)0xdeadbeef, 0, NULL);
    forged(e, "PD_TensorReshape", "PD_Tensor", 0xdeadbeef);
    CT_CHECK_EQ(PD_PredictorRun(NULL), FALSE);
    fprintf(e, PFX "PD_PredictorRun: NULL PD_Predictor; the call does nothing\n");
    CT_CHECK(ct_run_case(p, g_dir, 0) == 0); /* the real one is untouched */
    PD_PredictorDestroy(p);
    return ct_failures;
}

static int wrong_kind(FILE *e)
{
    PD_Config *cfg = PD_ConfigCreate();
    CT_CHECK_EQ(PD_PredictorRun((PD_Predictor *)cfg), FALSE);
    fprintf(e, PFX "PD_PredictorRun: 0x%016" PRIx64 " is a PD_Config, not a PD_Predictor; the "
            "call does nothing\n", hv(cfg));
    PD_TensorDestroy((PD_Tensor *)cfg);
    fprintf(e, PFX "PD_TensorDestroy: 0x%016" PRIx64 " is a PD_Config, not a PD_Tensor; the "
            "call does nothing\n", hv(cfg));
    CT_CHECK_EQ(PD_ConfigIrOptim(cfg), TRUE); /* unaffected */
    PD_ConfigDestroy(cfg);
    return ct_failures;
}

static int config_destroyed_after_create(FILE *e)
{
    PD_Config *cfg = NULL;
    PD_Predictor *p = make_pred("pplcnet", &cfg);
    /* Older code: destroy the config right after creating the predictor. */
    PD_ConfigDestroy(cfg);
    CT_CHECK(ct_run_case(p, g_dir, 0) == 0);
    CT_CHECK(ct_run_case(p, g_dir, 1) == 0);
    PD_PredictorDestroy(p);
    /* Using a taken config (Paddle: use-after-free, or a config that silently
     * configures nothing). */
    PD_Config *c2 = NULL;
    PD_Predictor *p2 = make_pred("pplcnet", &c2);
    PD_ConfigSetCpuMathLibraryNumThreads(c2, 4);
    fprintf(e, PFX "PD_ConfigSetCpuMathLibraryNumThreads: PD_Config 0x%016" PRIx64 " was taken by "
            "PD_PredictorCreate (one config builds one predictor: create a new config); the call "
            "does nothing\n", hv(c2));
    CT_CHECK(PD_PredictorCreate(c2) == NULL);
    fprintf(e, PFX "PD_PredictorCreate: PD_Config 0x%016" PRIx64 " was taken by "
            "PD_PredictorCreate (one config builds one predictor: create a new config); the call "
            "does nothing\n", hv(c2));
    PD_ConfigDestroy(c2);
    CT_CHECK(ct_run_case(p2, g_dir, 0) == 0);
    PD_PredictorDestroy(p2);
    return ct_failures;
}

static int config_taken_not_destroyed(FILE *e)
{
    /* Paddle's docs: the predictor takes the config; never destroyed here. The
     * ASan build checks nothing leaks. */
    for (int i = 0; i < 3; i++) {
        PD_Predictor *p = make_pred("pplcnet", NULL);
        CT_CHECK(ct_run_case(p, g_dir, i % 2) == 0);
        PD_PredictorDestroy(p);
    }
    /* A late destroy of a config whose predictor is gone is still accepted once. */
    PD_Config *cfg = NULL;
    PD_Predictor *p = make_pred("pplcnet", &cfg);
    PD_PredictorDestroy(p);
    /* Other handles come and go meanwhile (and may reuse the config's slot). */
    PD_Predictor *q = make_pred("pplcnet", NULL);
    CT_CHECK(ct_run_case(q, g_dir, 0) == 0);
    PD_PredictorDestroy(q);
    PD_ConfigDestroy(cfg);
    PD_ConfigDestroy(cfg);
    stale(e, "PD_ConfigDestroy", "PD_Config", cfg);
    return ct_failures;
}

static int tensor_after_predictor_destroyed(FILE *e)
{
    PD_Predictor *p = make_pred("pplcnet", NULL);
    CT_CHECK(ct_run_case(p, g_dir, 0) == 0);
    PD_Tensor *x = PD_PredictorGetInputHandle(p, "x");
    PD_OneDimArrayCstr *outs = PD_PredictorGetOutputNames(p);
    PD_Tensor *y = PD_PredictorGetOutputHandle(p, outs->data[0]);
    char yname[256];
    snprintf(yname, sizeof yname, "%s", outs->data[0]);
    PD_OneDimArrayCstrDestroy(outs);
    PD_PredictorDestroy(p);
#define GONE(call, t, name)                                                                   \
    fprintf(e, PFX "%s: PD_Tensor 0x%016" PRIx64 " (\"%s\") belongs to PD_Predictor 0x%016"   \
            PRIx64 ", which was already destroyed; the call does nothing\n", call, hv(t), name, \
            hv(p))
    int32_t shape[4] = {1, 3, 64, 64};
    PD_TensorReshape(x, 4, shape);
    GONE("PD_TensorReshape", x, "x");
    float in[4] = {1, 2, 3, 4};
    PD_TensorCopyFromCpuFloat(x, in);
    GONE("PD_TensorCopyFromCpuFloat", x, "x");
    float out[4] = {7, 7, 7, 7};
    PD_TensorCopyToCpuFloat(y, out); /* Paddle: reads freed predictor memory */
    GONE("PD_TensorCopyToCpuFloat", y, yname);
    CT_CHECK(out[0] == 7 && out[3] == 7);
    CT_CHECK(PD_TensorGetShape(y) == NULL);
    GONE("PD_TensorGetShape", y, yname);
    CT_CHECK(PD_TensorGetName(x) == NULL);
    GONE("PD_TensorGetName", x, "x");
    CT_CHECK(PD_TensorMutableDataFloat(x, PD_PLACE_CPU) == NULL);
    GONE("PD_TensorMutableDataFloat", x, "x");
    PD_TensorDestroy(x); /* handles are still destroyed normally */
    PD_TensorDestroy(y);
    return ct_failures;
}

/* Two threads, one predictor. */
typedef struct runner {
    PD_Predictor *p;
    volatile int *go, *done;
    int trues, falses;
} runner;

static void *run_loop(void *arg)
{
    runner *r = arg;
    while (!__atomic_load_n(r->go, __ATOMIC_ACQUIRE))
        ;
    while (!__atomic_load_n(r->done, __ATOMIC_ACQUIRE)) {
        if (PD_PredictorRun(r->p))
            r->trues++;
        else
            r->falses++;
    }
    return NULL;
}

static int two_threads_one_predictor(FILE *e)
{
    snprintf(g_dir, sizeof g_dir, "%s/%s", ct_fixtures(), "db_det");
    PD_Config *cfg = ct_config(g_dir, "inference.pdmodel");
    PD_ConfigSwitchIrOptim(cfg, FALSE); /* the reference kernels: slow runs, wide windows */
    PD_Predictor *p = PD_PredictorCreate(cfg);
    CT_CHECK(p != NULL);
    if (!p)
        return ct_failures;
    CT_CHECK(ct_run_case(p, g_dir, 1) == 0); /* inputs set; one run each from now on */
    int total_false = 0;
    for (int attempt = 0; attempt < 50 && total_false == 0; attempt++) {
        volatile int go = 0, done = 0;
        runner a = {p, &go, &done, 0, 0}, b = {p, &go, &done, 0, 0};
        pthread_t ta, tb;
        pthread_create(&ta, NULL, run_loop, &a);
        pthread_create(&tb, NULL, run_loop, &b);
        __atomic_store_n(&go, 1, __ATOMIC_RELEASE);
        while (a.trues + b.trues < 3)
            nanosleep(&(struct timespec){0, 1000000}, NULL);
        __atomic_store_n(&done, 1, __ATOMIC_RELEASE);
        pthread_join(ta, NULL);
        pthread_join(tb, NULL);
        total_false += a.falses + b.falses;
    }
    CT_CHECK(total_false > 0); /* the overlap happened, and was detected */
    for (int i = 0; i < total_false; i++)
        fprintf(e, PFX "PD_PredictorRun: PD_Predictor 0x%016" PRIx64 " is in use by another "
                "thread (a predictor serves one thread at a time; give each thread its own, e.g. "
                "with PD_PredictorClone); the call does nothing\n", hv(p));
    /* Not raced: the result is still exactly Paddle's. */
    CT_CHECK(ct_run_case(p, g_dir, 1) == 0);
    PD_PredictorDestroy(p);
    return ct_failures;
}

static int copy_out_before_run(FILE *e)
{
    PD_Predictor *p = make_pred("pplcnet", NULL);
    PD_OneDimArrayCstr *outs = PD_PredictorGetOutputNames(p);
    PD_Tensor *y = PD_PredictorGetOutputHandle(p, outs->data[0]);
    float buf[16];
    for (int i = 0; i < 16; i++)
        buf[i] = -1;
    PD_TensorCopyToCpuFloat(y, buf);
    fprintf(e, PFX "PD_TensorCopyToCpuFloat: output \"%s\" has no data: PD_PredictorRun has not "
            "succeeded on PD_Predictor 0x%016" PRIx64 " since its last input change; the call "
            "does nothing\n", outs->data[0], hv(p));
    CT_CHECK(buf[0] == -1 && buf[15] == -1);
    /* Run without inputs: FALSE, not garbage. */
    CT_CHECK_EQ(PD_PredictorRun(p), FALSE);
    fprintf(e, PFX "PD_PredictorRun: input \"x\" of PD_Predictor 0x%016" PRIx64 " has no data "
            "(expected PD_TensorReshape and PD_TensorCopyFromCpu* on its handle first); "
            "returning FALSE\n", hv(p));
    PD_Tensor *x = PD_PredictorGetInputHandle(p, "x");
    float one = 1;
    PD_TensorCopyFromCpuFloat(x, &one);
    fprintf(e, PFX "PD_TensorCopyFromCpuFloat: input \"x\" has no shape yet (expected "
            "PD_TensorReshape first); the call does nothing\n");
    CT_CHECK(ct_run_case(p, g_dir, 0) == 0);
    PD_TensorDestroy(x);
    PD_TensorDestroy(y);
    PD_OneDimArrayCstrDestroy(outs);
    PD_PredictorDestroy(p);
    return ct_failures;
}

/* pdsafe's own message for running pplcnet on this shape, for the report. */
static void native_message(const int64_t *dims, int rank, char *msg, size_t cap)
{
    char prog[4200], params[4200];
    snprintf(prog, sizeof prog, "%s/inference.pdmodel", g_dir);
    snprintf(params, sizeof params, "%s/inference.pdiparams", g_dir);
    pds_model m = 0;
    pds_predictor pr = 0;
    pds_error err;
    pds_model_load_files(prog, params, NULL, &m, &err);
    pds_predictor_create(m, NULL, &pr, &err);
    size_t n = 1;
    for (int d = 0; d < rank; d++)
        n *= (size_t)dims[d];
    float *data = calloc(n, sizeof *data);
    pds_tensor in = {.dtype = PDS_FLOAT32, .rank = rank, .data = data,
                     .byte_length = n * sizeof *data};
    memcpy(in.dims, dims, (size_t)rank * sizeof *dims);
    pds_tensor out = {0};
    pds_status st = pds_predictor_run(pr, &in, 1, &out, 1, &err);
    snprintf(msg, cap, "(%s): %s", pds_status_name(st), st ? err.message : "");
    free(data);
    pds_predictor_destroy(pr, NULL);
    pds_model_destroy(m, NULL);
}

static int wrong_input_shape(FILE *e)
{
    PD_Predictor *p = make_pred("pplcnet", NULL);
    PD_Tensor *x = PD_PredictorGetInputHandle(p, "x");
    /* Rank 3 where the model takes NCHW: Paddle throws a C++ exception through
     * the C ABI (abort). */
    int32_t bad[3] = {3, 64, 64};
    PD_TensorReshape(x, 3, bad);
    float *data = calloc(3 * 64 * 64, sizeof *data);
    PD_TensorCopyFromCpuFloat(x, data);
    CT_CHECK_EQ(PD_PredictorRun(p), FALSE);
    char msg[700];
    int64_t dims[3] = {3, 64, 64};
    native_message(dims, 3, msg, sizeof msg);
    CT_CHECK(strncmp(msg, "(PDS_ERR_SHAPE)", 15) == 0);
    fprintf(e, PFX "PD_PredictorRun: PD_Predictor 0x%016" PRIx64 ": the run failed %s; "
            "returning FALSE\n", hv(p), msg);
    /* A dim the model fixes (3 channels) given as 5. */
    int32_t bad_c[4] = {1, 5, 64, 64};
    PD_TensorReshape(x, 4, bad_c);
    float *d5 = calloc(5 * 64 * 64, sizeof *d5);
    PD_TensorCopyFromCpuFloat(x, d5);
    CT_CHECK_EQ(PD_PredictorRun(p), FALSE);
    int64_t dims_c[4] = {1, 5, 64, 64};
    native_message(dims_c, 4, msg, sizeof msg);
    CT_CHECK(strncmp(msg, "(PDS_ERR_SHAPE)", 15) == 0);
    fprintf(e, PFX "PD_PredictorRun: PD_Predictor 0x%016" PRIx64 ": the run failed %s; "
            "returning FALSE\n", hv(p), msg);
    /* Zero and negative dims never reach the engine. */
    int32_t zero[4] = {1, 3, 0, 64};
    PD_TensorReshape(x, 4, zero);
    fprintf(e, PFX "PD_TensorReshape: input \"x\": dim 2 is 0 (expected > 0); the call does "
            "nothing\n");
    int32_t huge[4] = {65536, 65536, 3, 3};
    PD_TensorReshape(x, 4, huge);
    fprintf(e, PFX "PD_TensorReshape: input \"x\": the shape needs more than 2147483648 bytes "
            "(the largest tensor pdsafe accepts); the call does nothing\n");
    /* The predictor is still usable. */
    CT_CHECK(ct_run_case(p, g_dir, 1) == 0);
    free(data);
    free(d5);
    PD_TensorDestroy(x);
    PD_PredictorDestroy(p);
    return ct_failures;
}

static int wrong_dtype(FILE *e)
{
    PD_Predictor *p = make_pred("pplcnet", NULL);
    PD_Tensor *x = PD_PredictorGetInputHandle(p, "x");
    int32_t shape[4] = {1, 3, 64, 64};
    PD_TensorReshape(x, 4, shape);
    int64_t *wrong = calloc(3 * 64 * 64, sizeof *wrong);
    PD_TensorCopyFromCpuInt64(x, wrong);
    fprintf(e, PFX "PD_TensorCopyFromCpuInt64: input \"x\" holds float32, not int64; the call "
            "does nothing\n");
    CT_CHECK(PD_TensorMutableDataInt32(x, PD_PLACE_CPU) == NULL);
    fprintf(e, PFX "PD_TensorMutableDataInt32: input \"x\" holds float32, not int32; the call "
            "does nothing\n");
    CT_CHECK(ct_run_case(p, g_dir, 0) == 0);
    PD_OneDimArrayCstr *outs = PD_PredictorGetOutputNames(p);
    PD_Tensor *y = PD_PredictorGetOutputHandle(p, outs->data[0]);
    PD_TensorCopyToCpuInt64(y, wrong);
    fprintf(e, PFX "PD_TensorCopyToCpuInt64: output \"%s\" holds float32, not int64; the call "
            "does nothing\n", outs->data[0]);
    CT_CHECK(wrong[0] == 0);
    /* Zero-copy output access, checked against the copy. */
    PD_PlaceType place = PD_PLACE_UNK;
    int32_t size = 0;
    float *direct = PD_TensorDataFloat(y, &place, &size);
    CT_CHECK(direct != NULL && place == PD_PLACE_CPU && size == 10);
    float copy[10];
    PD_TensorCopyToCpuFloat(y, copy);
    CT_CHECK(direct && memcmp(direct, copy, sizeof copy) == 0);
    free(wrong);
    PD_TensorDestroy(x);
    PD_TensorDestroy(y);
    PD_OneDimArrayCstrDestroy(outs);
    PD_PredictorDestroy(p);
    return ct_failures;
}

static int arrays_destroyed_twice(FILE *e)
{
    PD_Predictor *p = make_pred("pplcnet", NULL);
    PD_OneDimArrayCstr *names = PD_PredictorGetInputNames(p);
    CT_CHECK(names && names->size == 1 && strcmp(names->data[0], "x") == 0);
    PD_OneDimArrayCstrDestroy(names);
    CT_CHECK_EQ(names->size, 0); /* a loop over a stale array reads nothing */
    PD_OneDimArrayCstrDestroy(names);
    fprintf(e, PFX "PD_OneDimArrayCstrDestroy: PD_OneDimArrayCstr %p was already destroyed; the "
            "call does nothing\n", (void *)names);
    PD_OneDimArrayCstr fake = {0};
    PD_OneDimArrayCstrDestroy(&fake);
    fprintf(e, PFX "PD_OneDimArrayCstrDestroy: PD_OneDimArrayCstr %p was never returned by this "
            "library (forged, or from another library); the call does nothing\n", (void *)&fake);
    PD_Tensor *x = PD_PredictorGetInputHandle(p, "x");
    PD_OneDimArrayInt32 *shape = PD_TensorGetShape(x);
    CT_CHECK(shape && shape->size == 4 && shape->data[1] == 3);
    PD_OneDimArrayCstrDestroy((PD_OneDimArrayCstr *)shape);
    fprintf(e, PFX "PD_OneDimArrayCstrDestroy: %p is a PD_OneDimArrayInt32, not a "
            "PD_OneDimArrayCstr; the call does nothing\n", (void *)shape);
    PD_OneDimArrayInt32Destroy(shape);
    PD_IOInfos *infos = PD_PredictorGetInputInfos(p);
    CT_CHECK(infos && infos->size == 1 && strcmp(infos->io_info[0]->name->data, "x") == 0);
    CT_CHECK(infos && infos->io_info[0]->dtype == PD_DATA_FLOAT32);
    CT_CHECK(infos && infos->io_info[0]->shape->size == 4);
    PD_IOInfosDestroy(infos);
    PD_IOInfosDestroy(infos);
    fprintf(e, PFX "PD_IOInfosDestroy: PD_IOInfos %p was already destroyed; the call does "
            "nothing\n", (void *)infos);
    PD_Cstr *summary = NULL;
    PD_Config *c = PD_ConfigCreate();
    PD_ConfigEnableUseGpu(c, 100, 0, PD_PRECISION_FLOAT32);
    PD_ConfigEnableTensorRtEngine(c, 1 << 20, 1, 3, PD_PRECISION_HALF, FALSE, FALSE);
    summary = PD_ConfigSummary(c);
    CT_CHECK(summary && strstr(summary->data,
                               "ignored: PD_ConfigEnableUseGpu (pdsafe runs on the CPU only)\n"));
    CT_CHECK(summary && strstr(summary->data,
                               "ignored: PD_ConfigEnableTensorRtEngine (pdsafe has no TensorRT)\n"));
    CT_CHECK_EQ(PD_ConfigUseGpu(c), FALSE);
    PD_CstrDestroy(summary);
    PD_ConfigDestroy(c);
    PD_TensorDestroy(x);
    PD_PredictorDestroy(p);
    return ct_failures;
}

typedef struct clone_job {
    PD_Predictor *p;
    int k, rounds, bad;
} clone_job;

static void *clone_runner(void *arg)
{
    clone_job *j = arg;
    for (int i = 0; i < j->rounds; i++)
        j->bad += ct_run_case(j->p, g_dir, j->k) != 0;
    return NULL;
}

static int clone_shares_weights(FILE *e)
{
    (void)e; /* nothing is reported */
    PD_Predictor *p = make_pred("resnet", NULL);
    CT_CHECK(ct_run_case(p, g_dir, 0) == 0);
    uint64_t before = pds_memory_held();
    PD_Predictor *c = PD_PredictorClone(p);
    CT_CHECK(c != NULL);
    uint64_t after = pds_memory_held();
    /* resnet's parameters are 700 KB: a clone copies none of them. */
    CT_CHECK(after - before < 100 * 1024);
    /* One thread per predictor: no reports, right answers. */
    clone_job a = {p, 0, 3, 0}, b = {c, 1, 3, 0};
    pthread_t ta, tb;
    pthread_create(&ta, NULL, clone_runner, &a);
    pthread_create(&tb, NULL, clone_runner, &b);
    pthread_join(ta, NULL);
    pthread_join(tb, NULL);
    CT_CHECK_EQ(a.bad + b.bad, 0);
    PD_PredictorDestroy(p);
    CT_CHECK(ct_run_case(c, g_dir, 1) == 0);
    PD_PredictorDestroy(c);
    return ct_failures;
}

static int abort_mode(FILE *e)
{
    PD_Predictor *p = make_pred("pplcnet", NULL);
    PD_PredictorDestroy(p);
    stale(e, "PD_PredictorRun", "PD_Predictor", p);
    fflush(e);
    PD_PredictorRun(p); /* PDSAFE_ON_MISUSE=abort: the report, then abort() */
    CT_FAIL("PD_PredictorRun returned under PDSAFE_ON_MISUSE=abort");
    return ct_failures;
}

static int unknown_mode(FILE *e)
{
    PD_Predictor *p = make_pred("pplcnet", NULL);
    PD_PredictorDestroy(p);
    CT_CHECK_EQ(PD_PredictorRun(p), FALSE);
    fprintf(e, PFX "PDSAFE_ON_MISUSE=\"sometimes\" is not a known value (expected \"report\" or "
            "\"abort\"); using \"report\"\n");
    stale(e, "PD_PredictorRun", "PD_Predictor", p);
    CT_CHECK_EQ(PD_PredictorRun(p), FALSE); /* said once */
    stale(e, "PD_PredictorRun", "PD_Predictor", p);
    return ct_failures;
}

/* The shape a caller sizes its buffer by is the one PD_TensorGetShape told it
 * through that handle: an output's shape before any run is refused (its
 * declared dims may be -1), and a copy after a run changed the shape (another
 * thread's, in real code) is refused instead of writing past the buffer. */
static int stale_output_shape(FILE *e)
{
    PD_Predictor *p = make_pred("pplcnet", NULL);
    PD_OneDimArrayCstr *outs = PD_PredictorGetOutputNames(p);
    PD_Tensor *y = PD_PredictorGetOutputHandle(p, outs->data[0]);
    CT_CHECK(PD_TensorGetShape(y) == NULL);
    fprintf(e, PFX "PD_TensorGetShape: output \"%s\" has no shape yet: PD_PredictorRun has not "
            "succeeded on PD_Predictor 0x%016" PRIx64 " since its last input change; returning "
            "NULL\n", outs->data[0], hv(p));
    CT_CHECK(ct_run_case(p, g_dir, 0) == 0); /* batch 1: [1, 10] */
    PD_OneDimArrayInt32 *shape = PD_TensorGetShape(y);
    CT_CHECK(shape != NULL && shape->size == 2 && shape->data[0] == 1);
    float buf[10 + 1];
    for (int i = 0; i < 11; i++)
        buf[i] = -1;
    CT_CHECK(ct_run_case(p, g_dir, 1) == 0); /* batch 2: [2, 10], after the caller sized buf */
    PD_TensorCopyToCpuFloat(y, buf);
    fprintf(e, PFX "PD_TensorCopyToCpuFloat: output \"%s\" changed shape since "
            "PD_TensorGetShape on PD_Tensor 0x%016" PRIx64 " (a run in between; call "
            "PD_TensorGetShape again); the call does nothing\n", outs->data[0], hv(y));
    CT_CHECK(buf[0] == -1 && buf[10] == -1); /* nothing written */
    PD_OneDimArrayInt32Destroy(shape);
    shape = PD_TensorGetShape(y); /* asked again: the copy goes through */
    CT_CHECK(shape != NULL && shape->size == 2 && shape->data[0] == 2);
    float big[20];
    big[0] = -1;
    PD_TensorCopyToCpuFloat(y, big);
    CT_CHECK(big[0] != -1);
    PD_OneDimArrayInt32Destroy(shape);
    PD_TensorDestroy(y);
    PD_OneDimArrayCstrDestroy(outs);
    PD_PredictorDestroy(p);
    return ct_failures;
}

/* The status-returning calls and the per-thread last error. */
static void *other_thread_error(void *arg)
{
    (void)arg;
    return (void *)(intptr_t)PD_GetLastErrorCode(); /* this thread has had no report */
}

static int status_calls(FILE *e)
{
    snprintf(g_dir, sizeof g_dir, "%s/%s", ct_fixtures(), "pplcnet");
    PD_Predictor *p = NULL;
    CT_CHECK_EQ(PD_PredictorCreate2(ct_config(g_dir, "inference.pdmodel"), &p), 0);
    CT_CHECK(p != NULL);
    CT_CHECK_EQ(PD_GetLastErrorCode(), 0);
    CT_CHECK(strcmp(PD_GetLastError(), "") == 0);
    CT_CHECK(ct_run_case(p, g_dir, 0) == 0);
    PD_Bool ok = FALSE;
    CT_CHECK_EQ(PD_PredictorRun2(p, &ok), 0);
    CT_CHECK_EQ(ok, TRUE);

    PD_PredictorDestroy(p);
    ok = TRUE;
    CT_CHECK_EQ(PD_PredictorRun2(p, &ok), 1);
    CT_CHECK_EQ(ok, FALSE);
    stale(e, "PD_PredictorRun", "PD_Predictor", p);
    char want[512];
    snprintf(want, sizeof want, "PD_PredictorRun: PD_Predictor 0x%016" PRIx64
             " was already destroyed; the call does nothing", hv(p));
    CT_CHECK_EQ(PD_GetLastErrorCode(), 1);
    CT_CHECK(strcmp(PD_GetLastError(), want) == 0);
    /* Per OS thread: another thread sees none of it. */
    pthread_t t;
    void *other = (void *)(intptr_t)-1;
    pthread_create(&t, NULL, other_thread_error, NULL);
    pthread_join(t, &other);
    CT_CHECK_EQ((int)(intptr_t)other, 0);

    CT_CHECK_EQ(PD_PredictorRun2(p, NULL), 1);
    fprintf(e, PFX "PD_PredictorRun2: out_result is NULL (expected where to store the run's "
            "answer); returning 1\n");
    CT_CHECK(strncmp(PD_GetLastError(), "PD_PredictorRun2: out_result is NULL", 36) == 0);
    PD_Config *cfg = PD_ConfigCreate();
    CT_CHECK_EQ(PD_PredictorCreate2(cfg, NULL), 1);
    fprintf(e, PFX "PD_PredictorCreate2: out_predictor is NULL (expected where to store the "
            "new predictor); returning 1\n");
    PD_ConfigDestroy(cfg); /* not taken: the call did nothing */
    return ct_failures;
}

/* Guard mode (PDSAFE_GUARD=1): the reports name where the object was created
 * and destroyed, as file:line of this file, and each is an incident of
 * pdsafe's guard report (M1, M2, M3, M4). */
static int guard_sites(FILE *e)
{
    setenv("PDSAFE_GUARD", "1", 1);
    unsigned long tid = (unsigned long)syscall(SYS_gettid);
    snprintf(g_dir, sizeof g_dir, "%s/pplcnet", ct_fixtures());
    PD_Config *cfg = ct_config(g_dir, "inference.pdmodel");
    PD_Predictor *p = PD_PredictorCreate(cfg); const int L_make = __LINE__;
    CT_CHECK(p != NULL);
    PD_Tensor *t = PD_PredictorGetInputHandle(p, "x");
    CT_CHECK(t != NULL);
    PD_PredictorDestroy(p); const int L_gone = __LINE__;
    char sites[512];
    snprintf(sites, sizeof sites, "PD_Predictor 0x%016" PRIx64 " created at guard_sites "
             "(compat_misuse_test.c:%d) on thread %lu, destroyed by PD_PredictorDestroy at "
             "guard_sites (compat_misuse_test.c:%d) on thread %lu]\n", hv(p), L_make, tid,
             L_gone, tid);
    CT_CHECK_EQ(PD_PredictorRun(p), FALSE);
    fprintf(e, PFX "PD_PredictorRun: PD_Predictor 0x%016" PRIx64 " was already destroyed; the "
            "call does nothing [guard incident 1 (M1): %s", hv(p), sites);
    PD_PredictorDestroy(p);
    fprintf(e, PFX "PD_PredictorDestroy: PD_Predictor 0x%016" PRIx64 " was already destroyed; "
            "the call does nothing [guard incident 2 (M2): %s", hv(p), sites);
    int32_t shape[4] = {1, 3, 64, 64};
    PD_TensorReshape(t, 4, shape);
    fprintf(e, PFX "PD_TensorReshape: PD_Tensor 0x%016" PRIx64 " (\"x\") belongs to "
            "PD_Predictor 0x%016" PRIx64 ", which was already destroyed; the call does nothing "
            "[guard incident 3 (M3): %s", hv(t), hv(p), sites);
    PD_TensorDestroy(t);
    uint64_t fake = 0xD2000000FF000001ull;
    CT_CHECK_EQ(PD_PredictorGetInputNum((PD_Predictor *)(uintptr_t)fake), 0);
    fprintf(e, PFX "PD_PredictorGetInputNum: PD_Predictor 0x%016" PRIx64 " was never issued by "
            "this library (forged, corrupted or from another library); the call does nothing "
            "[guard incident 4 (M4): the object is not tracked]\n", fake);
    /* The same incidents, with the sites, are in pdsafe's report. */
    size_t need = 0;
    pds_guard_report(PDS_GUARD_REPORT_JSON, NULL, 0, &need, NULL);
    char *rep = malloc(need + 65536);
    CT_CHECK(pds_guard_report(PDS_GUARD_REPORT_JSON, rep, need + 65536, NULL, NULL) == PDS_OK);
    char want[96];
    snprintf(want, sizeof want, "\"file\":\"%s\",\"line\":%d", __FILE__, L_gone);
    CT_CHECK(strstr(rep, want) != NULL);
    CT_CHECK(strstr(rep, "\"root_cause\":\"M3\",\"status\":\"\",\"object\""));
    CT_CHECK(strstr(rep, "\"kind\":\"PD_Predictor\",\"function\":\"PD_TensorReshape\""));
    free(rep);
    return ct_failures;
}

static const struct {
    const char *name;
    int (*fn)(FILE *);
    const char *mode;
    int signal;
} g_scenarios[] = {
    {"destroyed_then_used", destroyed_then_used, NULL, 0},
    {"destroyed_twice", destroyed_twice, NULL, 0},
    {"forged", forged_handles, NULL, 0},
    {"wrong_kind", wrong_kind, NULL, 0},
    {"config_destroyed_after_create", config_destroyed_after_create, NULL, 0},
    {"config_taken_not_destroyed", config_taken_not_destroyed, NULL, 0},
    {"tensor_after_predictor_destroyed", tensor_after_predictor_destroyed, NULL, 0},
    {"two_threads_one_predictor", two_threads_one_predictor, NULL, 0},
    {"copy_out_before_run", copy_out_before_run, NULL, 0},
    {"wrong_input_shape", wrong_input_shape, NULL, 0},
    {"wrong_dtype", wrong_dtype, NULL, 0},
    {"arrays_destroyed_twice", arrays_destroyed_twice, NULL, 0},
    {"clone_shares_weights", clone_shares_weights, NULL, 0},
    {"stale_output_shape", stale_output_shape, NULL, 0},
    {"status_calls", status_calls, NULL, 0},
    {"abort_mode", abort_mode, "abort", SIGABRT},
    {"unknown_mode", unknown_mode, "sometimes", 0},
    {"guard_sites", guard_sites, NULL, 0},
};

int main(int argc, char **argv)
{
    int passed = 0, failed = 0;
    for (size_t i = 0; i < sizeof g_scenarios / sizeof g_scenarios[0]; i++) {
        if (argc > 1 && strcmp(argv[1], g_scenarios[i].name) != 0)
            continue;
        int r = ct_in_child(g_scenarios[i].name, g_scenarios[i].fn, g_scenarios[i].mode,
                            g_scenarios[i].signal);
        printf("%-34s %s\n", g_scenarios[i].name, r == 0 ? "ok" : "FAILED");
        if (r == 0)
            passed++;
        else
            failed++;
    }
    if (passed + failed == 0) {
        fprintf(stderr, "compat_misuse_test: no scenario named \"%s\"\n", argc > 1 ? argv[1] : "");
        return 2;
    }
    printf("%d passed, %d failed\n", passed, failed);
    return failed ? 1 : 0;
}
