/*
 * config.c — PD_Config (pd_config.h) over pdsafe's load and predictor options.
 */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "compat.h"

/* Setters of hardware and engines pdsafe does not have: accepted, listed by
 * PD_ConfigSummary. */
#define IGNORED_LIST(X)                                                                      \
    X(IG_GPU, "PD_ConfigEnableUseGpu", "pdsafe runs on the CPU only")                        \
    X(IG_GPU_OFF, "PD_ConfigDisableGpu", "pdsafe runs on the CPU only")                      \
    X(IG_CUDNN, "PD_ConfigEnableCudnn", "pdsafe has no GPU")                                 \
    X(IG_GPU_STREAM, "PD_ConfigEnableGpuMultiStream", "pdsafe has no GPU")                   \
    X(IG_EXEC_STREAM, "PD_ConfigSetExecStream", "pdsafe has no GPU")                         \
    X(IG_ORT, "PD_ConfigEnableONNXRuntime", "pdsafe runs Paddle programs itself")            \
    X(IG_ORT_OFF, "PD_ConfigDisableONNXRuntime", "pdsafe runs Paddle programs itself")       \
    X(IG_ORT_OPT, "PD_ConfigEnableORTOptimization", "pdsafe runs Paddle programs itself")    \
    X(IG_XPU, "PD_ConfigEnableXpu", "pdsafe runs on the CPU only")                           \
    X(IG_CUSTOM, "PD_ConfigEnableCustomDevice", "pdsafe runs on the CPU only")               \
    X(IG_TRT, "PD_ConfigEnableTensorRtEngine", "pdsafe has no TensorRT")                     \
    X(IG_TRT_SHAPE, "PD_ConfigSetTrtDynamicShapeInfo", "pdsafe has no TensorRT")             \
    X(IG_TRT_TUNED, "PD_ConfigEnableTunedTensorRtDynamicShape", "pdsafe has no TensorRT")    \
    X(IG_TRT_COLLECT, "PD_ConfigCollectShapeRangeInfo", "pdsafe has no TensorRT")            \
    X(IG_TRT_OPS, "PD_ConfigDisableTensorRtOPs", "pdsafe has no TensorRT")                   \
    X(IG_TRT_VARSEQ, "PD_ConfigEnableVarseqlen", "pdsafe has no TensorRT")                   \
    X(IG_TRT_DLA, "PD_ConfigEnableTensorRtDla", "pdsafe has no TensorRT")                    \
    X(IG_LITE, "PD_ConfigEnableLiteEngine", "pdsafe has no Paddle Lite")                     \
    X(IG_FC_PAD, "PD_ConfigDisableFCPadding", "pdsafe does not pad fully connected layers")  \
    X(IG_IR_DEBUG, "PD_ConfigSwitchIrDebug", "pdsafe writes no graph dumps")                 \
    X(IG_MKLDNN_CACHE, "PD_ConfigSetMkldnnCacheCapacity",                                   \
      "pdsafe keeps the 8 most recent input shapes' plans")                                  \
    X(IG_MKLDNN_OP, "PD_ConfigSetMkldnnOp", "pdsafe offers every operator to oneDNN")        \
    X(IG_QUANT, "PD_ConfigEnableMkldnnQuantizer", "pdsafe computes in float32")              \
    X(IG_BF16_OP, "PD_ConfigSetBfloat16Op",                                                  \
      "with PD_ConfigEnableMkldnnBfloat16 every operator pdsafe can run in bf16 does")       \
    X(IG_INT8, "PD_ConfigEnableMkldnnInt8", "pdsafe computes in float32")                    \
    X(IG_PROFILE, "PD_ConfigEnableProfile", "use the pdsafe CLI's profile command")          \
    X(IG_OPT_CACHE, "PD_ConfigSetOptimCacheDir", "pdsafe writes no optimisation cache")      \
    X(IG_PASS_DEL, "PD_ConfigDeletePass", "pdsafe's load-time rewrites are fixed")           \
    X(IG_PASS_INS, "PD_ConfigInsertPass", "pdsafe's load-time rewrites are fixed")           \
    X(IG_PASS_APP, "PD_ConfigAppendPass", "pdsafe's load-time rewrites are fixed")           \
    X(IG_PARTIAL, "PD_ConfigPartiallyRelease", "nothing to release before a predictor")

enum {
#define IG_ENUM_(id, name, why) id,
    IGNORED_LIST(IG_ENUM_)
#undef IG_ENUM_
    IG_COUNT
};
static const char *const g_ig_name[] = {
#define IG_NAME_(id, name, why) name,
    IGNORED_LIST(IG_NAME_)
#undef IG_NAME_
};
static const char *const g_ig_why[] = {
#define IG_WHY_(id, name, why) why,
    IGNORED_LIST(IG_WHY_)
#undef IG_WHY_
};
_Static_assert(IG_COUNT <= 64, "ignored setters must fit the mask");

typedef struct cp_config {
    char *prog, *params, *dir, *opt_cache_dir;
    void *prog_buf, *params_buf;
    size_t prog_len, params_len;
    int from_memory;
    int ir_optim, threads, memory_optim, glog_disabled, valid, taken;
    int bf16; /* PD_ConfigEnableMkldnnBfloat16 */
    uint64_t ignored;
} cp_config;

/* One lock for every config's fields: configs are small and rarely shared. */
static pthread_mutex_t g_cfg_mu = PTHREAD_MUTEX_INITIALIZER;

static void config_free(void *p)
{
    cp_config *c = p;
    free(c->prog);
    free(c->params);
    free(c->dir);
    free(c->opt_cache_dir);
    free(c->prog_buf);
    free(c->params_buf);
    free(c);
}

/* The live, not taken config behind h, locked; NULL after a report. */
static cp_config *cfg_get(PD_Config *h, const char *call, uint32_t *slot)
{
    cp_config *c = cp_handle_get(CP_CONFIG, cp_h(h), call, slot);
    if (!c)
        return NULL;
    pthread_mutex_lock(&g_cfg_mu);
    if (c->taken) {
        pthread_mutex_unlock(&g_cfg_mu);
        cp_handle_release(*slot);
        cp_misuse(call, "PD_Config 0x%016" PRIx64 " was taken by PD_PredictorCreate (one config "
                  "builds one predictor: create a new config); the call does nothing", cp_h(h));
        return NULL;
    }
    return c;
}

static void cfg_put(uint32_t slot)
{
    pthread_mutex_unlock(&g_cfg_mu);
    cp_handle_release(slot);
}

static int set_str(char **dst, const char *src, const char *call, const char *what)
{
    if (!src) {
        cp_misuse(call, "NULL %s; the call does nothing", what);
        return -1;
    }
    size_t n = strlen(src) + 1;
    char *d = malloc(n);
    if (!d) {
        cp_misuse(call, "out of memory copying the %s (%zu bytes); the call does nothing", what,
                  n);
        return -1;
    }
    memcpy(d, src, n);
    free(*dst);
    *dst = d;
    return 0;
}

static void clear_memory_model(cp_config *c)
{
    free(c->prog_buf);
    free(c->params_buf);
    c->prog_buf = c->params_buf = NULL;
    c->prog_len = c->params_len = 0;
    c->from_memory = 0;
}

PD_Config *PD_ConfigCreate(void)
{
    cp_config *c = calloc(1, sizeof *c);
    if (!c) {
        cp_misuse(__func__, "out of memory (%zu bytes); returning NULL", sizeof *c);
        return NULL;
    }
    c->ir_optim = 1;
    c->threads = 1;
    c->valid = 1;
    uint64_t h = cp_handle_new(CP_CONFIG, c, config_free, __func__);
    if (!h)
        config_free(c);
    return cp_p(h);
}

void PD_ConfigDestroy(PD_Config *pd_config)
{
    cp_handle_destroy(CP_CONFIG, cp_h(pd_config), __func__, 0);
}

void cp_config_release_taken(uint64_t config)
{
    cp_handle_destroy(CP_CONFIG, config, "PD_PredictorDestroy", 1);
}

/* ---- model location ------------------------------------------------------ */

void PD_ConfigSetModel(PD_Config *pd_config, const char *prog_file_path,
                       const char *params_file_path)
{
    uint32_t s;
    cp_config *c = cfg_get(pd_config, __func__, &s);
    if (!c)
        return;
    if (set_str(&c->prog, prog_file_path, __func__, "program file path") == 0 &&
        set_str(&c->params, params_file_path, __func__, "parameter file path") == 0)
        clear_memory_model(c);
    cfg_put(s);
}

void PD_ConfigSetProgFile(PD_Config *pd_config, const char *prog_file_path)
{
    uint32_t s;
    cp_config *c = cfg_get(pd_config, __func__, &s);
    if (!c)
        return;
    if (set_str(&c->prog, prog_file_path, __func__, "program file path") == 0)
        clear_memory_model(c);
    cfg_put(s);
}

void PD_ConfigSetParamsFile(PD_Config *pd_config, const char *params_file_path)
{
    uint32_t s;
    cp_config *c = cfg_get(pd_config, __func__, &s);
    if (!c)
        return;
    if (set_str(&c->params, params_file_path, __func__, "parameter file path") == 0)
        clear_memory_model(c);
    cfg_put(s);
}

void PD_ConfigSetOptimCacheDir(PD_Config *pd_config, const char *opt_cache_dir)
{
    uint32_t s;
    cp_config *c = cfg_get(pd_config, __func__, &s);
    if (!c)
        return;
    if (set_str(&c->opt_cache_dir, opt_cache_dir, __func__, "cache directory") == 0)
        c->ignored |= 1ull << IG_OPT_CACHE;
    cfg_put(s);
}

void PD_ConfigSetModelDir(PD_Config *pd_config, const char *model_dir)
{
    uint32_t s;
    cp_config *c = cfg_get(pd_config, __func__, &s);
    if (!c)
        return;
    if (set_str(&c->dir, model_dir, __func__, "model directory") == 0) {
        free(c->prog);
        free(c->params);
        c->prog = c->params = NULL;
        clear_memory_model(c);
    }
    cfg_put(s);
}

#define STR_GETTER(fn, field)                                  \
    const char *fn(PD_Config *pd_config)                       \
    {                                                          \
        uint32_t s;                                            \
        cp_config *c = cfg_get(pd_config, __func__, &s);       \
        if (!c)                                                \
            return NULL;                                       \
        const char *v = c->field ? c->field : "";              \
        cfg_put(s);                                            \
        return v;                                              \
    }
STR_GETTER(PD_ConfigGetModelDir, dir)
STR_GETTER(PD_ConfigGetProgFile, prog)
STR_GETTER(PD_ConfigGetParamsFile, params)

void PD_ConfigSetModelBuffer(PD_Config *pd_config, const char *prog_buffer,
                             size_t prog_buffer_size, const char *params_buffer,
                             size_t params_buffer_size)
{
    uint32_t s;
    cp_config *c = cfg_get(pd_config, __func__, &s);
    if (!c)
        return;
    if (!prog_buffer || prog_buffer_size == 0 || (!params_buffer && params_buffer_size)) {
        cfg_put(s);
        cp_misuse(__func__, "program buffer %p of %zu bytes, parameter buffer %p of %zu bytes: "
                  "expected a non-empty program buffer and a parameter buffer that is not NULL "
                  "when its size is not 0; the call does nothing",
                  (const void *)prog_buffer, prog_buffer_size, (const void *)params_buffer,
                  params_buffer_size);
        return;
    }
    void *pb = malloc(prog_buffer_size);
    void *qb = params_buffer_size ? malloc(params_buffer_size) : NULL;
    if (!pb || (params_buffer_size && !qb)) {
        free(pb);
        free(qb);
        cfg_put(s);
        cp_misuse(__func__, "out of memory copying %zu + %zu bytes of model; the call does "
                  "nothing", prog_buffer_size, params_buffer_size);
        return;
    }
    /* Copied now: Paddle's config may read the caller's buffers later, pdsafe
     * keeps no caller pointer. */
    memcpy(pb, prog_buffer, prog_buffer_size);
    if (params_buffer_size)
        memcpy(qb, params_buffer, params_buffer_size);
    clear_memory_model(c);
    c->prog_buf = pb;
    c->params_buf = qb;
    c->prog_len = prog_buffer_size;
    c->params_len = params_buffer_size;
    c->from_memory = 1;
    cfg_put(s);
}

#define BOOL_GETTER(fn, expr)                                  \
    PD_Bool fn(PD_Config *pd_config)                           \
    {                                                          \
        uint32_t s;                                            \
        cp_config *c = cfg_get(pd_config, __func__, &s);       \
        if (!c)                                                \
            return FALSE;                                      \
        PD_Bool v = (PD_Bool)((expr) ? TRUE : FALSE);          \
        cfg_put(s);                                            \
        return v;                                              \
    }

#define INT_GETTER(type, fn, expr)                             \
    type fn(PD_Config *pd_config)                              \
    {                                                          \
        uint32_t s;                                            \
        cp_config *c = cfg_get(pd_config, __func__, &s);       \
        if (!c)                                                \
            return 0;                                          \
        type v = (type)(expr);                                 \
        cfg_put(s);                                            \
        return v;                                              \
    }

/* A setter that pdsafe ignores: records that it was called. */
#define IGNORED_SETTER(fn, id, params)                         \
    void fn params                                             \
    {                                                          \
        uint32_t s;                                            \
        cp_config *c = cfg_get(pd_config, __func__, &s);       \
        if (!c)                                                \
            return;                                            \
        c->ignored |= 1ull << id;                              \
        cfg_put(s);                                            \
    }

BOOL_GETTER(PD_ConfigModelFromMemory, c->from_memory)

IGNORED_SETTER(PD_ConfigDisableFCPadding, IG_FC_PAD, (PD_Config *pd_config))
BOOL_GETTER(PD_ConfigUseFcPadding, 0)

IGNORED_SETTER(PD_ConfigEnableUseGpu, IG_GPU,
               (PD_Config *pd_config, uint64_t memory_pool_init_size_mb, int32_t device_id,
                PD_PrecisionType precision_mode))
IGNORED_SETTER(PD_ConfigDisableGpu, IG_GPU_OFF, (PD_Config *pd_config))
BOOL_GETTER(PD_ConfigUseGpu, 0)
INT_GETTER(int32_t, PD_ConfigGpuDeviceId, 0)
INT_GETTER(int32_t, PD_ConfigMemoryPoolInitSizeMb, 0)
INT_GETTER(float, PD_ConfigFractionOfGpuMemoryForPool, 0)
IGNORED_SETTER(PD_ConfigEnableCudnn, IG_CUDNN, (PD_Config *pd_config))
BOOL_GETTER(PD_ConfigCudnnEnabled, 0)
IGNORED_SETTER(PD_ConfigEnableGpuMultiStream, IG_GPU_STREAM, (PD_Config *pd_config))
BOOL_GETTER(PD_ConfigThreadLocalStreamEnabled, 0)
IGNORED_SETTER(PD_ConfigSetExecStream, IG_EXEC_STREAM, (PD_Config *pd_config, void *stream))

IGNORED_SETTER(PD_ConfigEnableONNXRuntime, IG_ORT, (PD_Config *pd_config))
IGNORED_SETTER(PD_ConfigDisableONNXRuntime, IG_ORT_OFF, (PD_Config *pd_config))
BOOL_GETTER(PD_ConfigONNXRuntimeEnabled, 0)
IGNORED_SETTER(PD_ConfigEnableORTOptimization, IG_ORT_OPT, (PD_Config *pd_config))

IGNORED_SETTER(PD_ConfigEnableXpu, IG_XPU,
               (PD_Config *pd_config, int32_t l3_workspace_size, PD_Bool locked,
                PD_Bool autotune, const char *autotune_file, const char *precision,
                PD_Bool adaptive_seqlen, PD_Bool enable_multi_stream))
BOOL_GETTER(PD_ConfigUseXpu, 0)
INT_GETTER(int32_t, PD_ConfigXpuDeviceId, 0)
IGNORED_SETTER(PD_ConfigEnableCustomDevice, IG_CUSTOM,
               (PD_Config *pd_config, char *device_type, int32_t device_id,
                PD_PrecisionType precision))
BOOL_GETTER(PD_ConfigUseCustomDevice, 0)
INT_GETTER(int32_t, PD_ConfigCustomDeviceId, 0)

char *PD_ConfigCustomDeviceType(PD_Config *pd_config)
{
    static char empty[1];
    uint32_t s;
    cp_config *c = cfg_get(pd_config, __func__, &s);
    if (!c)
        return NULL;
    cfg_put(s);
    return empty;
}

void PD_ConfigSwitchIrOptim(PD_Config *pd_config, PD_Bool x)
{
    uint32_t s;
    cp_config *c = cfg_get(pd_config, __func__, &s);
    if (!c)
        return;
    c->ir_optim = x != 0;
    cfg_put(s);
}
BOOL_GETTER(PD_ConfigIrOptim, c->ir_optim)
IGNORED_SETTER(PD_ConfigSwitchIrDebug, IG_IR_DEBUG, (PD_Config *pd_config, PD_Bool x))

IGNORED_SETTER(PD_ConfigEnableTensorRtEngine, IG_TRT,
               (PD_Config *pd_config, int64_t workspace_size, int32_t max_batch_size,
                int32_t min_subgraph_size, PD_PrecisionType precision, PD_Bool use_static,
                PD_Bool use_calib_mode))
BOOL_GETTER(PD_ConfigTensorRtEngineEnabled, 0)
IGNORED_SETTER(PD_ConfigSetTrtDynamicShapeInfo, IG_TRT_SHAPE,
               (PD_Config *pd_config, size_t tensor_num, const char **tensor_name,
                size_t *shapes_num, int32_t **min_shape, int32_t **max_shape,
                int32_t **optim_shape, PD_Bool disable_trt_plugin_fp16))
BOOL_GETTER(PD_ConfigTensorRtDynamicShapeEnabled, 0)
IGNORED_SETTER(PD_ConfigEnableTunedTensorRtDynamicShape, IG_TRT_TUNED,
               (PD_Config *pd_config, const char *shape_range_info_path,
                PD_Bool allow_build_at_runtime))
BOOL_GETTER(PD_ConfigTunedTensorRtDynamicShape, 0)
BOOL_GETTER(PD_ConfigTrtAllowBuildAtRuntime, 0)
IGNORED_SETTER(PD_ConfigCollectShapeRangeInfo, IG_TRT_COLLECT,
               (PD_Config *pd_config, const char *shape_range_info_path))

const char *PD_ConfigShapeRangeInfoPath(PD_Config *pd_config)
{
    uint32_t s;
    cp_config *c = cfg_get(pd_config, __func__, &s);
    if (!c)
        return NULL;
    cfg_put(s);
    return "";
}

BOOL_GETTER(PD_ConfigShapeRangeInfoCollected, 0)
IGNORED_SETTER(PD_ConfigDisableTensorRtOPs, IG_TRT_OPS,
               (PD_Config *pd_config, size_t ops_num, const char **ops_name))
IGNORED_SETTER(PD_ConfigEnableVarseqlen, IG_TRT_VARSEQ, (PD_Config *pd_config))
BOOL_GETTER(PD_ConfigTensorRtOssEnabled, 0)
IGNORED_SETTER(PD_ConfigEnableTensorRtDla, IG_TRT_DLA, (PD_Config *pd_config, int32_t dla_core))
BOOL_GETTER(PD_ConfigTensorRtDlaEnabled, 0)
IGNORED_SETTER(PD_ConfigEnableLiteEngine, IG_LITE,
               (PD_Config *pd_config, PD_PrecisionType precision, PD_Bool zero_copy,
                size_t passes_filter_num, const char **passes_filter, size_t ops_filter_num,
                const char **ops_filter))
BOOL_GETTER(PD_ConfigLiteEngineEnabled, 0)

/* ---- oneDNN and threads ------------------------------------------------ */

void PD_ConfigEnableMKLDNN(PD_Config *pd_config)
{
    uint32_t s;
    cp_config *c = cfg_get(pd_config, __func__, &s);
    if (!c)
        return;
    /* The fast path is oneDNN, and is already the default; nothing to change. */
    cfg_put(s);
}
IGNORED_SETTER(PD_ConfigSetMkldnnCacheCapacity, IG_MKLDNN_CACHE,
               (PD_Config *pd_config, int32_t capacity))
/* oneDNN runs unless SwitchIrOptim(FALSE) asked for the reference kernels (in a
 * build without oneDNN the fast path is the reference kernels too). */
BOOL_GETTER(PD_ConfigMkldnnEnabled, c->ir_optim)

void PD_ConfigSetCpuMathLibraryNumThreads(PD_Config *pd_config,
                                          int32_t cpu_math_library_num_threads)
{
    uint32_t s;
    cp_config *c = cfg_get(pd_config, __func__, &s);
    if (!c)
        return;
    int32_t n = cpu_math_library_num_threads;
    if (n < 1 || n > 1024) {
        cfg_put(s);
        cp_misuse(__func__, "%d threads: expected 1 to 1024; the call does nothing", (int)n);
        return;
    }
    c->threads = n;
    cfg_put(s);
}
INT_GETTER(int32_t, PD_ConfigGetCpuMathLibraryNumThreads, c->threads)
IGNORED_SETTER(PD_ConfigSetMkldnnOp, IG_MKLDNN_OP,
               (PD_Config *pd_config, size_t ops_num, const char **op_list))
IGNORED_SETTER(PD_ConfigEnableMkldnnQuantizer, IG_QUANT, (PD_Config *pd_config))
BOOL_GETTER(PD_ConfigMkldnnQuantizerEnabled, 0)
/* bf16 as pdsafe's PDS_PRECISION_BF16 (convolutions and matrix products in
 * bfloat16). Paddle falls back to float32 on a CPU without bf16 arithmetic,
 * and so does PD_PredictorCreate here; the reference kernels
 * (SwitchIrOptim off) compute in float32 too, as Paddle without its passes. */
void PD_ConfigEnableMkldnnBfloat16(PD_Config *pd_config)
{
    uint32_t s;
    cp_config *c = cfg_get(pd_config, __func__, &s);
    if (!c)
        return;
    c->bf16 = 1;
    cfg_put(s);
}
BOOL_GETTER(PD_ConfigMkldnnBfloat16Enabled, c->bf16)
IGNORED_SETTER(PD_ConfigSetBfloat16Op, IG_BF16_OP,
               (PD_Config *pd_config, size_t ops_num, const char **op_list))
IGNORED_SETTER(PD_ConfigEnableMkldnnInt8, IG_INT8, (PD_Config *pd_config))
BOOL_GETTER(PD_ConfigMkldnnInt8Enabled, 0)

/* ---- memory, profile, logs, validity ------------------------------------ */

void PD_ConfigEnableMemoryOptim(PD_Config *pd_config, PD_Bool x)
{
    uint32_t s;
    cp_config *c = cfg_get(pd_config, __func__, &s);
    if (!c)
        return;
    c->memory_optim = x != 0; /* recorded; the arena planning is always on */
    cfg_put(s);
}
/* pdsafe always shares activation memory by liveness. */
BOOL_GETTER(PD_ConfigMemoryOptimEnabled, 1)
IGNORED_SETTER(PD_ConfigEnableProfile, IG_PROFILE, (PD_Config *pd_config))
BOOL_GETTER(PD_ConfigProfileEnabled, 0)

void PD_ConfigDisableGlogInfo(PD_Config *pd_config)
{
    uint32_t s;
    cp_config *c = cfg_get(pd_config, __func__, &s);
    if (!c)
        return;
    c->glog_disabled = 1; /* pdsafe logs nothing but misuse reports anyway */
    cfg_put(s);
}
BOOL_GETTER(PD_ConfigGlogInfoDisabled, c->glog_disabled)

void PD_ConfigSetInvalid(PD_Config *pd_config)
{
    uint32_t s;
    cp_config *c = cfg_get(pd_config, __func__, &s);
    if (!c)
        return;
    c->valid = 0;
    cfg_put(s);
}
BOOL_GETTER(PD_ConfigIsValid, c->valid)
IGNORED_SETTER(PD_ConfigPartiallyRelease, IG_PARTIAL, (PD_Config *pd_config))
IGNORED_SETTER(PD_ConfigDeletePass, IG_PASS_DEL, (PD_Config *pd_config, const char *pass))
IGNORED_SETTER(PD_ConfigInsertPass, IG_PASS_INS,
               (PD_Config *pd_config, size_t idx, const char *pass))
IGNORED_SETTER(PD_ConfigAppendPass, IG_PASS_APP, (PD_Config *pd_config, const char *pass))

PD_OneDimArrayCstr *PD_ConfigAllPasses(PD_Config *pd_config)
{
    static const char *const passes[] = {
        "remove_noop_ops", "constant_folding", "fold_batch_norm_into_conv",
        "fuse_conv_activation", "fuse_residual_add", "pack_weights"};
    uint32_t s;
    cp_config *c = cfg_get(pd_config, __func__, &s);
    if (!c)
        return NULL;
    size_t n = c->ir_optim ? sizeof passes / sizeof passes[0] : 0;
    cfg_put(s);
    PD_OneDimArrayCstr *a = cp_cstr_array(n, passes);
    if (!a)
        cp_misuse(__func__, "out of memory; returning NULL");
    return a;
}

PD_Cstr *PD_ConfigSummary(PD_Config *pd_config)
{
    uint32_t s;
    cp_config *c = cfg_get(pd_config, __func__, &s);
    if (!c)
        return NULL;
    size_t cap = 1024 + (c->prog ? strlen(c->prog) : 0) + (c->params ? strlen(c->params) : 0) +
                 (c->dir ? strlen(c->dir) : 0) + (size_t)IG_COUNT * 128;
    char *buf = malloc(cap);
    if (!buf) {
        cfg_put(s);
        cp_misuse(__func__, "out of memory (%zu bytes); returning NULL", cap);
        return NULL;
    }
    size_t n = 0;
#define ADD(...) n += (size_t)snprintf(buf + n, n < cap ? cap - n : 0, __VA_ARGS__)
    ADD("engine: pdsafe %s (CPU)\n", pds_version());
    if (c->from_memory)
        ADD("model: from memory (%zu program bytes, %zu parameter bytes)\n", c->prog_len,
            c->params_len);
    else if (c->prog)
        ADD("model: program %s, parameters %s\n", c->prog, c->params ? c->params : "(none)");
    else if (c->dir)
        ADD("model: directory %s\n", c->dir);
    else
        ADD("model: not set\n");
    ADD("kernels: %s\n", c->ir_optim ? "fast path (load-time rewrites, oneDNN where built in)"
                                     : "reference kernels, as loaded (SwitchIrOptim off)");
    ADD("threads per run: %d\n", c->threads);
    ADD("precision: %s\n", !c->bf16 ? "float32"
                           : c->ir_optim ? "bfloat16 convolutions and matrix products where the "
                                           "CPU has bf16 arithmetic, else float32"
                                         : "float32 (bf16 asked for, but the reference kernels "
                                           "compute in float32)");
    ADD("memory optimisation: always on (activations share one arena by liveness)\n");
    for (int i = 0; i < IG_COUNT; i++)
        if (c->ignored & (1ull << i))
            ADD("ignored: %s (%s)\n", g_ig_name[i], g_ig_why[i]);
#undef ADD
    cfg_put(s);
    PD_Cstr *r = cp_cstr(buf);
    free(buf);
    if (!r)
        cp_misuse(__func__, "out of memory; returning NULL");
    return r;
}

/* ---- for PD_PredictorCreate --------------------------------------------- */

static int dup_opt(char **dst, const char *src)
{
    if (!src)
        return 0;
    *dst = strdup(src);
    return *dst ? 0 : -1;
}

int cp_config_spec(uint64_t config, const char *call, cp_load_spec *spec)
{
    memset(spec, 0, sizeof *spec);
    uint32_t s;
    cp_config *c = cfg_get(cp_p(config), call, &s);
    if (!c)
        return -1;
    int bad = dup_opt(&spec->prog, c->prog) | dup_opt(&spec->params, c->params) |
              dup_opt(&spec->dir, c->dir);
    if (c->from_memory) {
        spec->from_memory = 1;
        spec->prog_buf = malloc(c->prog_len);
        spec->params_buf = c->params_len ? malloc(c->params_len) : NULL;
        if (!spec->prog_buf || (c->params_len && !spec->params_buf)) {
            bad = 1;
        } else {
            memcpy(spec->prog_buf, c->prog_buf, c->prog_len);
            if (c->params_len)
                memcpy(spec->params_buf, c->params_buf, c->params_len);
            spec->prog_len = c->prog_len;
            spec->params_len = c->params_len;
        }
    }
    spec->reference = !c->ir_optim;
    spec->bf16 = c->bf16 && c->ir_optim;
    spec->threads = c->threads;
    cfg_put(s);
    if (bad) {
        cp_load_spec_free(spec);
        cp_misuse(call, "out of memory copying the settings of PD_Config 0x%016" PRIx64
                  "; returning NULL", config);
        return -1;
    }
    return 0;
}

void cp_load_spec_free(cp_load_spec *spec)
{
    free(spec->prog);
    free(spec->params);
    free(spec->dir);
    free(spec->prog_buf);
    free(spec->params_buf);
    memset(spec, 0, sizeof *spec);
}

void cp_config_mark_taken(uint64_t config)
{
    uint32_t s;
    cp_config *c = cp_handle_get(CP_CONFIG, config, "PD_PredictorCreate", &s);
    if (!c)
        return;
    pthread_mutex_lock(&g_cfg_mu);
    c->taken = 1;
    free(c->prog);
    free(c->params);
    free(c->dir);
    free(c->opt_cache_dir);
    c->prog = c->params = c->dir = c->opt_cache_dir = NULL;
    clear_memory_model(c);
    pthread_mutex_unlock(&g_cfg_mu);
    cp_handle_release(s);
}
