/*
 * predictor.c — PD_Predictor and PD_Tensor (pd_predictor.h, pd_tensor.h) over
 * pdsafe's model and predictor.
 *
 * A compat predictor stages each input (shape from PD_TensorReshape, data
 * from PD_TensorCopyFromCpu*) in its own buffer, hands all of them to one
 * pds_predictor_run, and keeps the outputs in buffers it owns for
 * PD_TensorCopyToCpu*. Every call that touches that state takes the
 * predictor's mutex with trylock: a second thread inside is reported, never
 * raced.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "compat.h"

#define MAX_INPUT_BYTES (2ull << 30) /* pdsafe's default max_tensor_bytes */

PD_DataType cp_pd_dtype(pds_dtype dt)
{
    switch (dt) {
    case PDS_FLOAT32: return PD_DATA_FLOAT32;
    case PDS_INT32: return PD_DATA_INT32;
    case PDS_INT64: return PD_DATA_INT64;
    case PDS_UINT8: return PD_DATA_UINT8;
    case PDS_INT8: return PD_DATA_INT8;
    default: return PD_DATA_UNK;
    }
}

/* ---- the shared model --------------------------------------------------- */

void cp_model_release(cp_model *m)
{
    if (!m || __atomic_sub_fetch(&m->refs, 1, __ATOMIC_ACQ_REL) != 0)
        return;
    pds_model_destroy(m->model, NULL);
    free(m->in);
    free(m->out);
    free(m);
}

static pds_status load_with(const cp_load_spec *spec, uint32_t precision, pds_model *model,
                            pds_error *err)
{
    pds_model_options mo;
    pds_model_options_init(&mo);
    if (spec->reference)
        mo.flags |= PDS_MODEL_REFERENCE_KERNELS;
    mo.precision = precision;
    if (spec->from_memory)
        return pds_model_load_buffers(spec->prog_buf, spec->prog_len, spec->params_buf,
                                      spec->params_len, &mo, model, err);
    const char *path = spec->prog ? spec->prog : spec->dir;
    return pds_model_load_files(path, spec->prog ? spec->params : NULL, &mo, model, err);
}

static cp_model *model_load(const cp_load_spec *spec, const char *call)
{
    if (!spec->from_memory && !spec->prog && !spec->dir) {
        cp_misuse(call, "the PD_Config names no model (expected PD_ConfigSetModel, "
                  "PD_ConfigSetProgFile, PD_ConfigSetModelDir or PD_ConfigSetModelBuffer "
                  "before); returning NULL");
        return NULL;
    }
    pds_error err;
    pds_model model = 0;
    pds_status st = load_with(spec, spec->bf16 ? PDS_PRECISION_BF16 : PDS_PRECISION_FP32, &model,
                              &err);
    /* Only the precision can make a bf16 load invalid where a float32 one is
     * not (a CPU without bf16 arithmetic, a build without oneDNN): like
     * Paddle, fall back to float32. A model that is bad fails again. */
    if (st == PDS_ERR_INVALID_ARGUMENT && spec->bf16)
        st = load_with(spec, PDS_PRECISION_FP32, &model, &err);
    if (st != PDS_OK) {
        cp_misuse(call, "loading the model failed (%s): %s; returning NULL",
                  pds_status_name(st), err.message);
        return NULL;
    }
    cp_model *m = calloc(1, sizeof *m);
    size_t n_in = 0, n_out = 0;
    pds_model_input_count(model, &n_in, NULL);
    pds_model_output_count(model, &n_out, NULL);
    if (m) {
        m->in = calloc(n_in ? n_in : 1, sizeof *m->in);
        m->out = calloc(n_out ? n_out : 1, sizeof *m->out);
    }
    if (!m || !m->in || !m->out) {
        if (m) {
            free(m->in);
            free(m->out);
        }
        free(m);
        pds_model_destroy(model, NULL);
        cp_misuse(call, "out of memory describing the model's inputs and outputs; "
                  "returning NULL");
        return NULL;
    }
    m->model = model;
    m->refs = 1;
    m->n_in = n_in;
    m->n_out = n_out;
    for (size_t i = 0; i < n_in; i++)
        pds_model_input_info(model, i, &m->in[i], NULL);
    for (size_t i = 0; i < n_out; i++)
        pds_model_output_info(model, i, &m->out[i], NULL);
    return m;
}

/* ---- predictors ----------------------------------------------------------- */

static void pred_free(void *obj)
{
    cp_predictor *p = obj;
    pds_predictor_destroy(p->pred, NULL);
    for (size_t i = 0; i < p->m->n_in; i++)
        free(p->in[i].buf);
    for (size_t j = 0; j < p->m->n_out; j++)
        free(p->out[j].data);
    free(p->in);
    free(p->out);
    free(p->out_cap);
    pthread_mutex_destroy(&p->mu);
    if (p->taken_config)
        cp_config_release_taken(p->taken_config);
    cp_model_release(p->m);
    free(p);
}

/* Takes over one reference of m. Returns the handle, 0 after a report. */
static uint64_t pred_new(cp_model *m, const pds_predictor_options *po, const char *call)
{
    cp_predictor *p = calloc(1, sizeof *p);
    if (p) {
        p->in = calloc(m->n_in ? m->n_in : 1, sizeof *p->in);
        p->out = calloc(m->n_out ? m->n_out : 1, sizeof *p->out);
        p->out_cap = calloc(m->n_out ? m->n_out : 1, sizeof *p->out_cap);
    }
    pds_error err;
    pds_status st = PDS_ERR_OUT_OF_MEMORY;
    if (p && p->in && p->out && p->out_cap)
        st = pds_predictor_create(m->model, po, &p->pred, &err);
    if (st != PDS_OK) {
        if (p) {
            free(p->in);
            free(p->out);
            free(p->out_cap);
        }
        free(p);
        cp_model_release(m);
        cp_misuse(call, "creating the predictor failed (%s): %s; returning NULL",
                  pds_status_name(st), st == PDS_ERR_OUT_OF_MEMORY ? "out of memory"
                                                                   : err.message);
        return 0;
    }
    p->m = m;
    p->popts = *po;
    pthread_mutex_init(&p->mu, NULL);
    uint64_t h = cp_handle_new(CP_PREDICTOR, p, pred_free, call);
    if (!h)
        pred_free(p);
    return h;
}

PD_Predictor *PD_PredictorCreate(PD_Config *pd_config)
{
    cp_load_spec spec;
    if (cp_config_spec(cp_h(pd_config), __func__, &spec) != 0)
        return NULL;
    cp_model *m = model_load(&spec, __func__);
    pds_predictor_options po;
    pds_predictor_options_init(&po);
    po.num_threads = spec.threads;
    cp_load_spec_free(&spec);
    if (!m)
        return NULL;
    uint64_t h = pred_new(m, &po, __func__);
    if (!h)
        return NULL;
    /* The predictor takes the config: its contents go now, its handle with the
     * predictor (or earlier, if the caller destroys it as older code does). */
    cp_config_mark_taken(cp_h(pd_config));
    uint32_t s;
    cp_predictor *p = cp_handle_get(CP_PREDICTOR, h, __func__, &s);
    if (p) {
        p->taken_config = cp_h(pd_config);
        cp_handle_release(s);
    }
    return cp_p(h);
}

PD_Predictor *PD_PredictorClone(PD_Predictor *pd_predictor)
{
    uint32_t s;
    cp_predictor *p = cp_handle_get(CP_PREDICTOR, cp_h(pd_predictor), __func__, &s);
    if (!p)
        return NULL;
    cp_model *m = p->m;
    __atomic_add_fetch(&m->refs, 1, __ATOMIC_ACQ_REL); /* the clone's reference */
    pds_predictor_options po = p->popts;
    cp_handle_release(s);
    return cp_p(pred_new(m, &po, __func__));
}

void PD_PredictorDestroy(PD_Predictor *pd_predictor)
{
    cp_handle_destroy(CP_PREDICTOR, cp_h(pd_predictor), __func__, 0);
}

static char g_version[96];

static void init_version(void)
{
    snprintf(g_version, sizeof g_version, "pdsafe %s (Paddle Inference C API compatibility)",
             pds_version());
}

const char *PD_GetVersion(void)
{
    static pthread_once_t once = PTHREAD_ONCE_INIT;
    pthread_once(&once, init_version);
    return g_version;
}

static PD_OneDimArrayCstr *names(PD_Predictor *h, int inputs, const char *call)
{
    uint32_t s;
    cp_predictor *p = cp_handle_get(CP_PREDICTOR, cp_h(h), call, &s);
    if (!p)
        return NULL;
    size_t n = inputs ? p->m->n_in : p->m->n_out;
    const pds_tensor_info *info = inputs ? p->m->in : p->m->out;
    const char **v = calloc(n ? n : 1, sizeof *v);
    PD_OneDimArrayCstr *a = NULL;
    if (v) {
        for (size_t i = 0; i < n; i++)
            v[i] = info[i].name;
        a = cp_cstr_array(n, v);
        free(v);
    }
    cp_handle_release(s);
    if (!a)
        cp_misuse(call, "out of memory; returning NULL");
    return a;
}

PD_OneDimArrayCstr *PD_PredictorGetInputNames(PD_Predictor *pd_predictor)
{
    return names(pd_predictor, 1, __func__);
}

PD_OneDimArrayCstr *PD_PredictorGetOutputNames(PD_Predictor *pd_predictor)
{
    return names(pd_predictor, 0, __func__);
}

static PD_IOInfos *infos(PD_Predictor *h, int inputs, const char *call)
{
    uint32_t s;
    cp_predictor *p = cp_handle_get(CP_PREDICTOR, cp_h(h), call, &s);
    if (!p)
        return NULL;
    size_t n = inputs ? p->m->n_in : p->m->n_out;
    const pds_tensor_info *info = inputs ? p->m->in : p->m->out;
    PD_IOInfos *r = cp_block_new(CPB_IOINFOS);
    int ok = r != NULL;
    if (ok && n) {
        r->io_info = calloc(n, sizeof *r->io_info);
        ok = r->io_info != NULL;
    }
    for (size_t i = 0; ok && i < n; i++) {
        PD_IOInfo *io = calloc(1, sizeof *io);
        r->io_info[i] = io;
        r->size = i + 1;
        if (!io) {
            ok = 0;
            break;
        }
        io->dtype = cp_pd_dtype(info[i].dtype);
        io->name = calloc(1, sizeof *io->name);
        io->shape = calloc(1, sizeof *io->shape);
        size_t len = strlen(info[i].name) + 1;
        int32_t rank = info[i].rank < 0 ? 0 : info[i].rank;
        if (io->name)
            io->name->data = malloc(len);
        if (io->shape && rank)
            io->shape->data = malloc((size_t)rank * sizeof(int64_t));
        if (!io->name || !io->name->data || !io->shape || (rank && !io->shape->data)) {
            ok = 0;
            break;
        }
        memcpy(io->name->data, info[i].name, len);
        io->name->size = len;
        io->shape->size = (size_t)rank;
        for (int32_t d = 0; d < rank; d++)
            io->shape->data[d] = info[i].dims[d];
    }
    cp_handle_release(s);
    if (!ok) {
        if (r)
            cp_block_destroy(CPB_IOINFOS, r, call);
        cp_misuse(call, "out of memory; returning NULL");
        return NULL;
    }
    return r;
}

PD_IOInfos *PD_PredictorGetInputInfos(PD_Predictor *pd_predictor)
{
    return infos(pd_predictor, 1, __func__);
}

PD_IOInfos *PD_PredictorGetOutputInfos(PD_Predictor *pd_predictor)
{
    return infos(pd_predictor, 0, __func__);
}

static size_t count(PD_Predictor *h, int inputs, const char *call)
{
    uint32_t s;
    cp_predictor *p = cp_handle_get(CP_PREDICTOR, cp_h(h), call, &s);
    if (!p)
        return 0;
    size_t n = inputs ? p->m->n_in : p->m->n_out;
    cp_handle_release(s);
    return n;
}

size_t PD_PredictorGetInputNum(PD_Predictor *pd_predictor)
{
    return count(pd_predictor, 1, __func__);
}

size_t PD_PredictorGetOutputNum(PD_Predictor *pd_predictor)
{
    return count(pd_predictor, 0, __func__);
}

static void tensor_free(void *obj)
{
    free(obj);
}

static PD_Tensor *get_handle(PD_Predictor *h, const char *name, int inputs, const char *call)
{
    uint32_t s;
    cp_predictor *p = cp_handle_get(CP_PREDICTOR, cp_h(h), call, &s);
    if (!p)
        return NULL;
    if (!name) {
        cp_handle_release(s);
        cp_misuse(call, "NULL name; returning NULL");
        return NULL;
    }
    size_t n = inputs ? p->m->n_in : p->m->n_out;
    const pds_tensor_info *info = inputs ? p->m->in : p->m->out;
    size_t i = 0;
    while (i < n && strcmp(info[i].name, name) != 0)
        i++;
    if (i == n) {
        char list[512] = "";
        size_t used = 0;
        for (size_t k = 0; k < n && used < sizeof list; k++)
            used += (size_t)snprintf(list + used, sizeof list - used, "%s\"%s\"",
                                     k ? ", " : "", info[k].name);
        cp_handle_release(s);
        cp_misuse(call, "PD_Predictor 0x%016" PRIx64 " has no %s named \"%.255s\" (it has: %s); "
                  "returning NULL", cp_h(h), inputs ? "input" : "output", name, list);
        return NULL;
    }
    cp_tensor *t = calloc(1, sizeof *t);
    if (t) {
        t->predictor = cp_h(h);
        t->is_input = inputs;
        t->index = i;
        t->dtype = info[i].dtype;
        memcpy(t->name, info[i].name, sizeof t->name);
    }
    cp_handle_release(s);
    if (!t) {
        cp_misuse(call, "out of memory; returning NULL");
        return NULL;
    }
    uint64_t th = cp_handle_new(CP_TENSOR, t, tensor_free, call);
    if (!th)
        free(t);
    return cp_p(th);
}

PD_Tensor *PD_PredictorGetInputHandle(PD_Predictor *pd_predictor, const char *name)
{
    return get_handle(pd_predictor, name, 1, __func__);
}

PD_Tensor *PD_PredictorGetOutputHandle(PD_Predictor *pd_predictor, const char *name)
{
    return get_handle(pd_predictor, name, 0, __func__);
}

static int pred_lock(cp_predictor *p, uint64_t h, const char *call)
{
    if (pthread_mutex_trylock(&p->mu) == 0)
        return 0;
    cp_misuse_obj(CP_PREDICTOR, h, 6, call,
                  "PD_Predictor 0x%016" PRIx64 " is in use by another thread (a predictor "
                  "serves one thread at a time; give each thread its own, e.g. with "
                  "PD_PredictorClone); the call does nothing", h);
    return -1;
}

static size_t elements(int32_t rank, const int64_t *dims)
{
    size_t n = 1;
    for (int32_t d = 0; d < rank; d++)
        n *= (size_t)dims[d];
    return n;
}

PD_Bool PD_PredictorRun(PD_Predictor *pd_predictor)
{
    const char *call = __func__;
    uint64_t h = cp_h(pd_predictor);
    uint32_t s;
    cp_predictor *p = cp_handle_get(CP_PREDICTOR, h, call, &s);
    if (!p)
        return FALSE;
    if (pred_lock(p, h, call) != 0) {
        cp_handle_release(s);
        return FALSE;
    }
    PD_Bool ok = FALSE;
    size_t n_in = p->m->n_in, n_out = p->m->n_out;
    pds_tensor *ins = calloc(n_in ? n_in : 1, sizeof *ins);
    if (!ins) {
        cp_misuse(call, "out of memory; returning FALSE");
        goto out;
    }
    for (size_t i = 0; i < n_in; i++) {
        const cp_input *in = &p->in[i];
        if (!in->filled) {
            cp_misuse(call, "input \"%s\" of PD_Predictor 0x%016" PRIx64 " has no data "
                      "(expected PD_TensorReshape and PD_TensorCopyFromCpu* on its handle "
                      "first); returning FALSE", p->m->in[i].name, h);
            goto out;
        }
        ins[i].dtype = p->m->in[i].dtype;
        ins[i].rank = in->rank;
        memcpy(ins[i].dims, in->dims, sizeof ins[i].dims);
        ins[i].data = in->buf;
        ins[i].byte_length = in->bytes;
    }
    p->have_result = 0;
    for (size_t j = 0; j < n_out; j++) {
        p->out[j].rank = -1; /* set by pdsafe only when the outputs are at fault */
        p->out[j].byte_length = p->out_cap[j];
    }
    pds_error err;
    pds_status st = pds_predictor_run(p->pred, ins, n_in, p->out, n_out, &err);
    if (st == PDS_ERR_BUFFER_SIZE && n_out && p->out[0].rank >= 0) {
        /* A new output shape: grow the buffers to what pdsafe asked for and
         * copy the kept result out, without running again. */
        for (size_t j = 0; j < n_out; j++) {
            size_t need = elements(p->out[j].rank, p->out[j].dims) *
                          pds_dtype_size(p->out[j].dtype);
            if (need > p->out_cap[j]) {
                void *nb = realloc(p->out[j].data, need);
                if (!nb) {
                    cp_misuse(call, "out of memory for output \"%s\" (%zu bytes); returning "
                              "FALSE", p->m->out[j].name, need);
                    goto out;
                }
                p->out[j].data = nb;
                p->out_cap[j] = need;
            }
            p->out[j].byte_length = p->out_cap[j];
        }
        st = pds_predictor_fetch(p->pred, p->out, n_out, &err);
    }
    if (st != PDS_OK) {
        cp_misuse(call, "PD_Predictor 0x%016" PRIx64 ": the run failed (%s): %s; returning "
                  "FALSE", h, pds_status_name(st), err.message);
        goto out;
    }
    p->have_result = 1;
    ok = TRUE;
out:
    free(ins);
    pthread_mutex_unlock(&p->mu);
    cp_handle_release(s);
    return ok;
}

int PD_PredictorCreate2(PD_Config *pd_config, PD_Predictor **out_predictor)
{
    cp_last_error_clear();
    if (!out_predictor) {
        cp_misuse(__func__, "out_predictor is NULL (expected where to store the new "
                  "predictor); returning 1");
        return 1;
    }
    *out_predictor = PD_PredictorCreate(pd_config);
    return *out_predictor ? 0 : 1;
}

int PD_PredictorRun2(PD_Predictor *pd_predictor, PD_Bool *out_result)
{
    cp_last_error_clear();
    if (!out_result) {
        cp_misuse(__func__, "out_result is NULL (expected where to store the run's "
                  "answer); returning 1");
        return 1;
    }
    *out_result = PD_PredictorRun(pd_predictor);
    return *out_result ? 0 : 1;
}

void PD_PredictorClearIntermediateTensor(PD_Predictor *pd_predictor)
{
    uint32_t s;
    if (cp_handle_get(CP_PREDICTOR, cp_h(pd_predictor), __func__, &s))
        cp_handle_release(s);
}

uint64_t PD_PredictorTryShrinkMemory(PD_Predictor *pd_predictor)
{
    uint32_t s;
    if (cp_handle_get(CP_PREDICTOR, cp_h(pd_predictor), __func__, &s))
        cp_handle_release(s);
    return 0;
}

/* ---- tensors ------------------------------------------------------------------ */

typedef struct tctx {
    cp_tensor *t;
    cp_predictor *p;
    uint32_t ts, ps;
} tctx;

/* The tensor, its live predictor, locked. -1 after a report. */
static int tensor_enter(PD_Tensor *h, const char *call, tctx *x)
{
    x->t = cp_handle_get(CP_TENSOR, cp_h(h), call, &x->ts);
    if (!x->t)
        return -1;
    void *obj = NULL;
    int why = cp_handle_get_quiet(CP_PREDICTOR, x->t->predictor, &obj, &x->ps);
    if (why != 0) {
        cp_misuse_obj(CP_PREDICTOR, x->t->predictor, 3, call,
                      "PD_Tensor 0x%016" PRIx64 " (\"%s\") belongs to PD_Predictor 0x%016"
                      PRIx64 ", which was already destroyed; the call does nothing", cp_h(h),
                      x->t->name, x->t->predictor);
        cp_handle_release(x->ts);
        return -1;
    }
    x->p = obj;
    if (pred_lock(x->p, x->t->predictor, call) != 0) {
        cp_handle_release(x->ps);
        cp_handle_release(x->ts);
        return -1;
    }
    return 0;
}

static void tensor_leave(tctx *x)
{
    pthread_mutex_unlock(&x->p->mu);
    cp_handle_release(x->ps);
    cp_handle_release(x->ts);
}

void PD_TensorDestroy(PD_Tensor *pd_tensor)
{
    cp_handle_destroy(CP_TENSOR, cp_h(pd_tensor), __func__, 0);
}

void PD_TensorReshape(PD_Tensor *pd_tensor, size_t shape_size, int32_t *shape)
{
    const char *call = __func__;
    tctx x;
    if (tensor_enter(pd_tensor, call, &x) != 0)
        return;
    cp_tensor *t = x.t;
    if (!t->is_input) {
        cp_misuse(call, "PD_Tensor 0x%016" PRIx64 " is output \"%s\": outputs take their shape "
                  "from the run; the call does nothing", cp_h(pd_tensor), t->name);
        goto out;
    }
    if (shape_size > PDS_MAX_RANK || (shape_size && !shape)) {
        cp_misuse(call, "input \"%s\": shape of %zu dims at %p (expected at most %d dims and a "
                  "non-NULL array); the call does nothing", t->name, shape_size, (void *)shape,
                  PDS_MAX_RANK);
        goto out;
    }
    int64_t dims[PDS_MAX_RANK] = {0};
    uint64_t bytes = pds_dtype_size(t->dtype);
    for (size_t d = 0; d < shape_size; d++) {
        if (shape[d] <= 0) {
            cp_misuse(call, "input \"%s\": dim %zu is %d (expected > 0); the call does nothing",
                      t->name, d, (int)shape[d]);
            goto out;
        }
        dims[d] = shape[d];
        bytes *= (uint64_t)shape[d]; /* at most 2^31 per factor: checked below each step */
        if (bytes > MAX_INPUT_BYTES) {
            cp_misuse(call, "input \"%s\": the shape needs more than %llu bytes (the largest "
                      "tensor pdsafe accepts); the call does nothing", t->name,
                      (unsigned long long)MAX_INPUT_BYTES);
            goto out;
        }
    }
    cp_input *in = &x.p->in[t->index];
    int same = in->has_shape && in->rank == (int32_t)shape_size &&
               memcmp(in->dims, dims, sizeof dims) == 0;
    if (!same) {
        if (bytes != in->bytes || !in->buf) {
            void *nb = malloc(bytes ? (size_t)bytes : 1);
            if (!nb) {
                cp_misuse(call, "input \"%s\": out of memory for %llu bytes; the call does "
                          "nothing", t->name, (unsigned long long)bytes);
                goto out;
            }
            free(in->buf);
            in->buf = nb;
        }
        in->bytes = (size_t)bytes;
        in->rank = (int32_t)shape_size;
        memcpy(in->dims, dims, sizeof dims);
        in->has_shape = 1;
        in->filled = 0;
    }
out:
    tensor_leave(&x);
}

/* Checks for a copy or data access of element type want on tensor x.t.
 * Returns the tensor's bytes and buffer, or NULL after a report. */
static void *tensor_buffer(tctx *x, pds_dtype want, int writing, const char *call,
                           size_t *bytes, uint64_t th)
{
    cp_tensor *t = x->t;
    if (t->is_input) {
        cp_input *in = &x->p->in[t->index];
        if (t->dtype != want) {
            cp_misuse(call, "input \"%s\" holds %s, not %s; the call does nothing", t->name,
                      pds_dtype_name(t->dtype), pds_dtype_name(want));
            return NULL;
        }
        if (!in->has_shape) {
            cp_misuse(call, "input \"%s\" has no shape yet (expected PD_TensorReshape first); "
                      "the call does nothing", t->name);
            return NULL;
        }
        if (!writing && !in->filled) {
            cp_misuse(call, "input \"%s\" has no data yet (expected PD_TensorCopyFromCpu* "
                      "first); the call does nothing", t->name);
            return NULL;
        }
        *bytes = in->bytes;
        return in->buf;
    }
    if (writing) {
        cp_misuse(call, "PD_Tensor 0x%016" PRIx64 " is output \"%s\": outputs are written by "
                  "the run; the call does nothing", th, t->name);
        return NULL;
    }
    if (!x->p->have_result) {
        cp_misuse(call, "output \"%s\" has no data: PD_PredictorRun has not succeeded on "
                  "PD_Predictor 0x%016" PRIx64 " since its last input change; the call does "
                  "nothing", t->name, t->predictor);
        return NULL;
    }
    const pds_tensor *o = &x->p->out[t->index];
    if (o->dtype != want) {
        cp_misuse(call, "output \"%s\" holds %s, not %s; the call does nothing", t->name,
                  pds_dtype_name(o->dtype), pds_dtype_name(want));
        return NULL;
    }
    if (t->shown && (t->shown_rank != o->rank ||
                     memcmp(t->shown_dims, o->dims, sizeof(int64_t) * (size_t)o->rank) != 0)) {
        /* The caller sized its buffer by the shape this handle last told it;
         * a run since then (another thread's) changed it: copying now would
         * write past that buffer. */
        cp_misuse(call, "output \"%s\" changed shape since PD_TensorGetShape on PD_Tensor "
                  "0x%016" PRIx64 " (a run in between; call PD_TensorGetShape again); the "
                  "call does nothing", t->name, th);
        return NULL;
    }
    *bytes = elements(o->rank, o->dims) * pds_dtype_size(o->dtype);
    return o->data;
}

static void copy_from(PD_Tensor *h, const void *data, pds_dtype want, const char *call)
{
    tctx x;
    if (tensor_enter(h, call, &x) != 0)
        return;
    size_t bytes = 0;
    void *buf = tensor_buffer(&x, want, 1, call, &bytes, cp_h(h));
    if (buf && !data)
        cp_misuse(call, "NULL data for input \"%s\"; the call does nothing", x.t->name);
    else if (buf) {
        /* Exactly the shape's bytes: a shorter caller buffer is the caller's
         * over-read, which no length-less API can see (pd_tensor.h). */
        memcpy(buf, data, bytes);
        x.p->in[x.t->index].filled = 1;
        x.p->have_result = 0;
    }
    tensor_leave(&x);
}

static void copy_to(PD_Tensor *h, void *data, pds_dtype want, const char *call)
{
    tctx x;
    if (tensor_enter(h, call, &x) != 0)
        return;
    size_t bytes = 0;
    void *buf = tensor_buffer(&x, want, 0, call, &bytes, cp_h(h));
    if (buf && !data)
        cp_misuse(call, "NULL destination for \"%s\"; the call does nothing", x.t->name);
    else if (buf)
        memcpy(data, buf, bytes);
    tensor_leave(&x);
}

static void *mutable_data(PD_Tensor *h, pds_dtype want, const char *call)
{
    tctx x;
    if (tensor_enter(h, call, &x) != 0)
        return NULL;
    size_t bytes = 0;
    void *buf = tensor_buffer(&x, want, 1, call, &bytes, cp_h(h));
    if (buf) {
        x.p->in[x.t->index].filled = 1; /* the caller writes through the pointer */
        x.p->have_result = 0;
    }
    tensor_leave(&x);
    return buf;
}

static void *data_of(PD_Tensor *h, pds_dtype want, PD_PlaceType *place, int32_t *size,
                     const char *call)
{
    tctx x;
    if (tensor_enter(h, call, &x) != 0)
        return NULL;
    size_t bytes = 0;
    void *buf = tensor_buffer(&x, want, 0, call, &bytes, cp_h(h));
    size_t n = buf ? bytes / pds_dtype_size(want) : 0;
    if (buf && n > INT32_MAX) {
        cp_misuse(call, "\"%s\" has %zu elements, more than an int32_t size can say; "
                  "returning NULL", x.t->name, n);
        buf = NULL;
    }
    if (place)
        *place = buf ? PD_PLACE_CPU : PD_PLACE_UNK;
    if (size)
        *size = buf ? (int32_t)n : 0;
    tensor_leave(&x);
    return buf;
}

#define TYPED(Name, ctype, pdtype)                                                            \
    ctype *PD_TensorMutableData##Name(PD_Tensor *pd_tensor, PD_PlaceType place)             \
    {                                                                                       \
        return mutable_data(pd_tensor, pdtype, __func__);                                   \
    }                                                                                       \
    ctype *PD_TensorData##Name(PD_Tensor *pd_tensor, PD_PlaceType *place, int32_t *size)    \
    {                                                                                       \
        return data_of(pd_tensor, pdtype, place, size, __func__);                           \
    }                                                                                       \
    void PD_TensorCopyFromCpu##Name(PD_Tensor *pd_tensor, const ctype *data)                \
    {                                                                                       \
        copy_from(pd_tensor, data, pdtype, __func__);                                       \
    }                                                                                       \
    void PD_TensorCopyToCpu##Name(PD_Tensor *pd_tensor, ctype *data)                        \
    {                                                                                       \
        copy_to(pd_tensor, data, pdtype, __func__);                                         \
    }
TYPED(Float, float, PDS_FLOAT32)
TYPED(Int64, int64_t, PDS_INT64)
TYPED(Int32, int32_t, PDS_INT32)
TYPED(Uint8, uint8_t, PDS_UINT8)
TYPED(Int8, int8_t, PDS_INT8)

PD_OneDimArrayInt32 *PD_TensorGetShape(PD_Tensor *pd_tensor)
{
    const char *call = __func__;
    tctx x;
    if (tensor_enter(pd_tensor, call, &x) != 0)
        return NULL;
    cp_tensor *t = x.t;
    int32_t rank;
    int64_t dims[PDS_MAX_RANK];
    const pds_tensor_info *info = t->is_input ? &x.p->m->in[t->index] : &x.p->m->out[t->index];
    if (t->is_input && x.p->in[t->index].has_shape) {
        rank = x.p->in[t->index].rank;
        memcpy(dims, x.p->in[t->index].dims, sizeof dims);
    } else if (!t->is_input && x.p->have_result) {
        rank = x.p->out[t->index].rank;
        memcpy(dims, x.p->out[t->index].dims, sizeof dims);
    } else if (!t->is_input) {
        /* The model's declared dims may be -1: a buffer sized by them would
         * be wrong (or of negative size), so no shape rather than a guess. */
        cp_misuse(call, "output \"%s\" has no shape yet: PD_PredictorRun has not succeeded on "
                  "PD_Predictor 0x%016" PRIx64 " since its last input change; returning NULL",
                  t->name, t->predictor);
        tensor_leave(&x);
        return NULL;
    } else {
        rank = info->rank < 0 ? 0 : info->rank;
        memcpy(dims, info->dims, sizeof dims);
    }
    for (int32_t d = 0; d < rank; d++)
        if (dims[d] > INT32_MAX) {
            cp_misuse(call, "\"%s\": dim %d is %lld, more than an int32_t holds; returning "
                      "NULL", t->name, (int)d, (long long)dims[d]);
            tensor_leave(&x);
            return NULL;
        }
    if (!t->is_input) {
        t->shown = 1;
        t->shown_rank = rank;
        memcpy(t->shown_dims, dims, sizeof dims);
    }
    tensor_leave(&x);
    PD_OneDimArrayInt32 *a = cp_block_new(CPB_INT32);
    if (a && rank) {
        a->data = malloc((size_t)rank * sizeof *a->data);
        if (!a->data) {
            cp_block_destroy(CPB_INT32, a, call);
            a = NULL;
        } else {
            for (int32_t d = 0; d < rank; d++)
                a->data[d] = (int32_t)dims[d];
            a->size = (size_t)rank;
        }
    }
    if (!a)
        cp_misuse(call, "out of memory; returning NULL");
    return a;
}

void PD_TensorSetLod(PD_Tensor *pd_tensor, PD_TwoDimArraySize *lod)
{
    tctx x;
    if (tensor_enter(pd_tensor, __func__, &x) != 0)
        return;
    tensor_leave(&x); /* dense tensors only: the LoD is not used */
}

PD_TwoDimArraySize *PD_TensorGetLod(PD_Tensor *pd_tensor)
{
    tctx x;
    if (tensor_enter(pd_tensor, __func__, &x) != 0)
        return NULL;
    tensor_leave(&x);
    PD_TwoDimArraySize *a = cp_block_new(CPB_TWO_DIM);
    if (!a)
        cp_misuse(__func__, "out of memory; returning NULL");
    return a;
}

const char *PD_TensorGetName(PD_Tensor *pd_tensor)
{
    tctx x;
    if (tensor_enter(pd_tensor, __func__, &x) != 0)
        return NULL;
    const char *name = x.t->name; /* lives with the tensor handle */
    tensor_leave(&x);
    return name;
}

PD_DataType PD_TensorGetDataType(PD_Tensor *pd_tensor)
{
    tctx x;
    if (tensor_enter(pd_tensor, __func__, &x) != 0)
        return PD_DATA_UNK;
    PD_DataType d = cp_pd_dtype(x.t->dtype);
    tensor_leave(&x);
    return d;
}
