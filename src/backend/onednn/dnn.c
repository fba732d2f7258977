/*
 * dnn.c — the oneDNN backend's common parts: engine, streams, the model's
 * weight cache, steps (bind, run, free), layout reorders, and the dispatch of
 * a node to its op family (see dnn.h). Built only with oneDNN
 * (cmake/onednn.cmake).
 */
#include "backend/onednn/dnn-impl.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

/* ---- engine, streams, errors --------------------------------------------- */

static pthread_once_t engine_once = PTHREAD_ONCE_INIT;
static dnnl_engine_t engine;

static void engine_make(void)
{
    if (dnnl_engine_create(&engine, dnnl_cpu, 0) != dnnl_success)
        engine = NULL;
}

dnnl_engine_t pdsi_dnn_engine(void)
{
    pthread_once(&engine_once, engine_make);
    return engine;
}

struct pdsi_dnn_stream {
    dnnl_stream_t s;
};

pds_status pdsi_dnn_fail(pds_error *err, dnnl_status_t s, const char *what)
{
    if (s == dnnl_out_of_memory)
        return pdsi_fail(err, PDS_ERR_OUT_OF_MEMORY, "oneDNN could not %s: out of memory", what);
    return pdsi_fail(err, PDS_ERR_INTERNAL, "oneDNN could not %s (status %d)", what, (int)s);
}

void pdsi_dnn_warm(const_dnnl_primitive_desc_t pd)
{
    dnnl_primitive_t prim = NULL;
    if (dnnl_primitive_create(&prim, pd) == dnnl_success)
        dnnl_primitive_destroy(prim);
}

pds_status pdsi_dnn_stream_create(pdsi_dnn_stream **out, pds_error *err)
{
    *out = NULL;
    dnnl_engine_t e = pdsi_dnn_engine();
    if (!e)
        return pdsi_fail(err, PDS_ERR_INTERNAL, "oneDNN could not create its CPU engine");
    pdsi_dnn_stream *s = calloc(1, sizeof *s);
    if (!s)
        return pdsi_fail(err, PDS_ERR_OUT_OF_MEMORY, "could not allocate a oneDNN stream");
    dnnl_status_t ds = dnnl_stream_create(&s->s, e, dnnl_stream_default_flags);
    if (ds != dnnl_success) {
        free(s);
        return pdsi_dnn_fail(err, ds, "create a stream");
    }
    *out = s;
    return PDS_OK;
}

void pdsi_dnn_stream_free(pdsi_dnn_stream *s)
{
    if (!s)
        return;
    dnnl_stream_destroy(s->s);
    free(s);
}

/* ---- descriptors ------------------------------------------------------------ */

dnnl_status_t pdsi_dnn_md(dnnl_memory_desc_t *md, const int64_t *dims, int rank, uint8_t layout)
{
    static const dnnl_format_tag_t plain[] = {dnnl_a, dnnl_a, dnnl_ab, dnnl_abc, dnnl_abcd,
                                              dnnl_abcde, dnnl_abcdef};
    dnnl_dims_t d;
    if (rank < 1 || rank > 6)
        return dnnl_unimplemented;
    for (int i = 0; i < rank; i++)
        d[i] = dims[i];
    dnnl_format_tag_t tag = plain[rank];
    uint8_t order = pdsi_layout_fp32(layout);
    if (order == PDSI_LAYOUT_NHWC) {
        if (rank != 4)
            return dnnl_invalid_arguments;
        tag = dnnl_nhwc;
    } else if (order == PDSI_LAYOUT_NCHW16C) {
        if (rank != 4 || dims[1] % 16 != 0)
            return dnnl_invalid_arguments;
        tag = dnnl_nChw16c;
    } else if (order != PDSI_LAYOUT_PLAIN) {
        return dnnl_invalid_arguments;
    }
    return dnnl_memory_desc_init_by_tag(md, rank, d,
                                        pdsi_layout_is_bf16(layout) ? dnnl_bf16 : dnnl_f32, tag);
}

bool pdsi_dnn_pd_is_fast(const_dnnl_primitive_desc_t pd)
{
    const char *impl = NULL;
    if (dnnl_primitive_desc_query(pd, dnnl_query_impl_info_str, 0, &impl) != dnnl_success ||
        !impl)
        return false;
    return strncmp(impl, "ref", 3) != 0;
}

/* ---- steps ------------------------------------------------------------------ */

pdsi_dnn_step *pdsi_dnn_step_new(void)
{
    pdsi_dnn_step *s = calloc(1, sizeof *s);
    if (s)
        s->inplace = -1;
    return s;
}

static pds_status add_arg(pdsi_dnn_step *s, int arg, const dnnl_memory_desc_t *md, int bind,
                          const void *data, size_t off, pds_error *err)
{
    if (s->n_parts == PDSI_DNN_MAX_PARTS)
        return pdsi_fail(err, PDS_ERR_INTERNAL, "too many oneDNN primitives in one step");
    pdsi_dnn_part *p = &s->parts[s->n_parts];
    if (p->n_args == PDSI_DNN_MAX_ARGS)
        return pdsi_fail(err, PDS_ERR_INTERNAL, "too many oneDNN arguments");
    dnnl_memory_t mem;
    dnnl_status_t ds = dnnl_memory_create(&mem, md, pdsi_dnn_engine(),
                                          bind == PDSI_BIND_CONST ? (void *)data
                                                                  : DNNL_MEMORY_NONE);
    if (ds != dnnl_success)
        return pdsi_dnn_fail(err, ds, "create a memory object");
    p->args[p->n_args].arg = arg;
    p->args[p->n_args].memory = mem;
    p->bind[p->n_args] = bind;
    p->off[p->n_args] = off;
    p->bound[p->n_args] = bind == PDSI_BIND_CONST ? (void *)data : NULL;
    p->n_args++;
    return PDS_OK;
}

pds_status pdsi_dnn_step_arg(pdsi_dnn_step *s, int arg, const dnnl_memory_desc_t *md, int bind,
                             const void *data, pds_error *err)
{
    return add_arg(s, arg, md, bind, data, 0, err);
}

size_t pdsi_dnn_step_temp(pdsi_dnn_step *s, size_t bytes)
{
    size_t off = s->temp;
    s->temp += (bytes + 63) & ~(size_t)63;
    return off;
}

pds_status pdsi_dnn_step_arg_temp(pdsi_dnn_step *s, int arg, const dnnl_memory_desc_t *md,
                                  size_t offset, pds_error *err)
{
    return add_arg(s, arg, md, PDSI_BIND_TEMP, NULL, offset, err);
}

pds_status pdsi_dnn_step_finish(pdsi_dnn_step *s, dnnl_primitive_desc_t pd, pds_error *err)
{
    if (!s->impl[0]) {
        const char *impl = NULL;
        if (dnnl_primitive_desc_query(pd, dnnl_query_impl_info_str, 0, &impl) == dnnl_success &&
            impl) {
            size_t n = strlen(impl);
            if (n >= sizeof s->impl)
                n = sizeof s->impl - 1;
            memcpy(s->impl, impl, n);
            s->impl[n] = '\0';
        }
    }
    const dnnl_memory_desc_t *smd = dnnl_primitive_desc_query_md(pd, dnnl_query_scratchpad_md, 0);
    size_t bytes = smd ? dnnl_memory_desc_get_size(smd) : 0;
    pds_status st = PDS_OK;
    if (bytes) {
        /* Parts run one after the other: their scratchpads may overlap. */
        st = add_arg(s, DNNL_ARG_SCRATCHPAD, smd, PDSI_BIND_SCRATCH, NULL, 0, err);
        bytes = (bytes + 63) & ~(size_t)63;
        if (bytes > s->scratch)
            s->scratch = bytes;
    }
    pdsi_dnn_part *p = &s->parts[s->n_parts];
    dnnl_status_t ds = st ? dnnl_success : dnnl_primitive_create(&p->prim, pd);
    dnnl_primitive_desc_destroy(pd);
    if (st)
        return st;
    if (ds != dnnl_success) {
        p->prim = NULL;
        return pdsi_dnn_fail(err, ds, "create a primitive");
    }
    s->n_parts++;
    return PDS_OK;
}

pds_status pdsi_dnn_step_run(pdsi_dnn_step *s, pdsi_tensor *const *in, pdsi_tensor *const *out,
                             void *scratch, void *temp, pdsi_dnn_stream *stream, pds_error *err)
{
    if (s->native)
        return s->native(s, in, out, err);
    for (int k = 0; k < s->n_parts; k++) {
        pdsi_dnn_part *p = &s->parts[k];
        for (int i = 0; i < p->n_args; i++) {
            int b = p->bind[i];
            void *ptr;
            if (b >= 0)
                ptr = in[b]->data;
            else if (b <= PDSI_BIND_OUT0)
                ptr = out[PDSI_BIND_OUT0 - b]->data;
            else if (b == PDSI_BIND_SCRATCH)
                ptr = (char *)scratch + p->off[i];
            else if (b == PDSI_BIND_TEMP)
                ptr = (char *)temp + p->off[i];
            else
                continue;
            if (ptr != p->bound[i]) {
                dnnl_status_t ds = dnnl_memory_set_data_handle(p->args[i].memory, ptr);
                if (ds != dnnl_success)
                    return pdsi_dnn_fail(err, ds, "bind a tensor");
                p->bound[i] = ptr;
            }
        }
        dnnl_status_t ds = dnnl_primitive_execute(p->prim, stream->s, p->n_args, p->args);
        if (ds != dnnl_success)
            return pdsi_dnn_fail(err, ds, "execute a primitive");
    }
    return PDS_OK;
}

size_t pdsi_dnn_step_scratch(const pdsi_dnn_step *s)
{
    return s ? s->scratch : 0;
}

size_t pdsi_dnn_step_temp_bytes(const pdsi_dnn_step *s)
{
    return s ? s->temp : 0;
}

int pdsi_dnn_step_inplace_input(const pdsi_dnn_step *s)
{
    return s ? s->inplace : -1;
}

bool pdsi_dnn_step_int8(const pdsi_dnn_step *s)
{
    return s->int8;
}

const char *pdsi_dnn_step_impl(const pdsi_dnn_step *s)
{
    return s ? s->impl : "";
}

void pdsi_dnn_step_free(pdsi_dnn_step *s)
{
    if (!s)
        return;
    for (int k = 0; k < PDSI_DNN_MAX_PARTS; k++) {
        pdsi_dnn_part *p = &s->parts[k];
        for (int i = 0; i < p->n_args; i++)
            dnnl_memory_destroy(p->args[i].memory);
        if (p->prim)
            dnnl_primitive_destroy(p->prim);
    }
    free(s->owned);
    free(s);
}

pds_status pdsi_dnn_reorder_create(const pdsi_tensor *t, uint8_t from, uint8_t to,
                                   pdsi_dnn_step **step, pds_error *err)
{
    *step = NULL;
    dnnl_memory_desc_t a, b;
    if (t->dtype != PDS_FLOAT32 || pdsi_dnn_md(&a, t->dims, t->rank, from) != dnnl_success ||
        pdsi_dnn_md(&b, t->dims, t->rank, to) != dnnl_success)
        return pdsi_fail(err, PDS_ERR_INTERNAL, "cannot convert a %s rank-%d tensor's layout",
                         pds_dtype_name(t->dtype), t->rank);
    pdsi_dnn_step *s = pdsi_dnn_step_new();
    if (!s)
        return pdsi_fail(err, PDS_ERR_OUT_OF_MEMORY, "could not allocate a step");
    dnnl_primitive_attr_t attr = pdsi_dnn_attr_make(NULL, NULL);
    dnnl_primitive_desc_t pd;
    dnnl_status_t ds = attr ? dnnl_success : dnnl_out_of_memory;
    if (attr) {
        ds = dnnl_reorder_primitive_desc_create(&pd, &a, pdsi_dnn_engine(), &b, pdsi_dnn_engine(),
                                                attr);
        dnnl_primitive_attr_destroy(attr);
    }
    pds_status st;
    if (ds != dnnl_success) {
        st = pdsi_dnn_fail(err, ds, "create a layout conversion");
    } else if (!(st = pdsi_dnn_step_arg(s, DNNL_ARG_FROM, &a, 0, NULL, err)) &&
               !(st = pdsi_dnn_step_arg(s, DNNL_ARG_TO, &b, PDSI_BIND_OUT0, NULL, err))) {
        st = pdsi_dnn_step_finish(s, pd, err);
    } else {
        dnnl_primitive_desc_destroy(pd);
    }
    if (st) {
        pdsi_dnn_step_free(s);
        return st;
    }
    *step = s;
    return PDS_OK;
}

/* ---- bf16 -------------------------------------------------------------------- */

void pdsi_dnn_md_bf16(dnnl_memory_desc_t *out, const dnnl_memory_desc_t *f32md)
{
    /* oneDNN 2.x descriptors are plain structs whose strides and blocks
     * count elements, so only the element type changes. */
    *out = *f32md;
    out->data_type = dnnl_bf16;
}

pds_status pdsi_dnn_step_to_bf16(pdsi_dnn_step *s, const dnnl_memory_desc_t *f32md, int bind,
                                 const dnnl_memory_desc_t *bf16md, size_t *offset,
                                 pds_error *err)
{
    *offset = pdsi_dnn_step_temp(s, dnnl_memory_desc_get_size(bf16md));
    dnnl_primitive_attr_t attr = pdsi_dnn_attr_make(NULL, NULL);
    if (!attr)
        return pdsi_fail(err, PDS_ERR_OUT_OF_MEMORY, "could not make a oneDNN attribute");
    dnnl_primitive_desc_t pd;
    dnnl_status_t ds = dnnl_reorder_primitive_desc_create(&pd, f32md, pdsi_dnn_engine(), bf16md,
                                                          pdsi_dnn_engine(), attr);
    dnnl_primitive_attr_destroy(attr);
    if (ds != dnnl_success)
        return pdsi_dnn_fail(err, ds, "create a float32-to-bf16 conversion");
    pds_status st;
    if ((st = add_arg(s, DNNL_ARG_FROM, f32md, bind, NULL, 0, err)) ||
        (st = add_arg(s, DNNL_ARG_TO, bf16md, PDSI_BIND_TEMP, NULL, *offset, err))) {
        dnnl_primitive_desc_destroy(pd);
        return st;
    }
    st = pdsi_dnn_step_finish(s, pd, err);
    s->impl[0] = '\0'; /* named by the convolution or matmul that follows */
    return st;
}

pds_status pdsi_dnn_step_convert(pdsi_dnn_step *s, const dnnl_memory_desc_t *from, int bind,
                                 size_t from_off, const dnnl_memory_desc_t *to, float scale,
                                 size_t *offset, pds_error *err)
{
    *offset = pdsi_dnn_step_temp(s, dnnl_memory_desc_get_size(to));
    dnnl_primitive_attr_t attr = pdsi_dnn_attr_make(NULL, &scale);
    if (!attr)
        return pdsi_fail(err, PDS_ERR_OUT_OF_MEMORY, "could not make a oneDNN attribute");
    dnnl_primitive_desc_t pd;
    dnnl_status_t ds = dnnl_reorder_primitive_desc_create(&pd, from, pdsi_dnn_engine(), to,
                                                          pdsi_dnn_engine(), attr);
    dnnl_primitive_attr_destroy(attr);
    if (ds != dnnl_success)
        return pdsi_dnn_fail(err, ds, "create a scaled conversion");
    pds_status st;
    if ((st = add_arg(s, DNNL_ARG_FROM, from, bind, NULL, from_off, err)) ||
        (st = add_arg(s, DNNL_ARG_TO, to, PDSI_BIND_TEMP, NULL, *offset, err))) {
        dnnl_primitive_desc_destroy(pd);
        return st;
    }
    st = pdsi_dnn_step_finish(s, pd, err);
    s->impl[0] = '\0'; /* named by the convolution that follows */
    return st;
}

/* ---- int8 ------------------------------------------------------------------- */

bool pdsi_dnn_int8_native(void)
{
    /* VNNI multiplies u8 by s8 into s32 exactly; without it oneDNN's int8
     * kernels add pairs of products in 16 bits, which can saturate. */
    unsigned isa = (unsigned)dnnl_get_effective_cpu_isa();
    return (isa & (unsigned)dnnl_cpu_isa_avx512_core_vnni) ==
               (unsigned)dnnl_cpu_isa_avx512_core_vnni ||
           (isa & (unsigned)dnnl_cpu_isa_avx2_vnni) == (unsigned)dnnl_cpu_isa_avx2_vnni;
}

/* The CPU's instruction set as oneDNN uses it, for messages. */
static const char *isa_name(dnnl_cpu_isa_t isa)
{
    switch (isa) {
    case dnnl_cpu_isa_sse41: return "SSE4.1";
    case dnnl_cpu_isa_avx: return "AVX";
    case dnnl_cpu_isa_avx2: return "AVX2";
    case dnnl_cpu_isa_avx2_vnni: return "AVX2 with VNNI";
    case dnnl_cpu_isa_avx512_mic: return "AVX-512 (Xeon Phi)";
    case dnnl_cpu_isa_avx512_mic_4ops: return "AVX-512 (Xeon Phi 4ops)";
    case dnnl_cpu_isa_avx512_core: return "AVX-512";
    case dnnl_cpu_isa_avx512_core_vnni: return "AVX-512 with VNNI";
    case dnnl_cpu_isa_avx512_core_bf16: return "AVX-512 with BF16";
    case dnnl_cpu_isa_avx512_core_amx: return "AVX-512 with AMX";
    default: return "no vector extension oneDNN uses";
    }
}

/* Fails unless oneDNN runs bf16 arithmetic natively on this CPU. oneDNN's
 * effective ISA is what it will use: the CPU's, capped by DNNL_MAX_CPU_ISA
 * when that is set. */
static pds_status check_bf16(pds_error *err)
{
    dnnl_cpu_isa_t isa = dnnl_get_effective_cpu_isa();
    if (((unsigned)isa & (unsigned)dnnl_cpu_isa_avx512_core_bf16) ==
        (unsigned)dnnl_cpu_isa_avx512_core_bf16)
        return PDS_OK;
    return pdsi_fail(err, PDS_ERR_INVALID_ARGUMENT,
                     "precision bf16: this CPU has no native bf16 arithmetic (oneDNN runs %s "
                     "here; bf16 needs AVX512_BF16 or AMX-BF16, and DNNL_MAX_CPU_ISA, when set, "
                     "caps what oneDNN uses); load with PDS_PRECISION_FP32",
                     isa_name(isa));
}

/* ---- the weight cache -------------------------------------------------------- */

typedef struct wentry {
    int32_t value;
    dnnl_memory_desc_t md;       /* layout of data */
    dnnl_memory_desc_t plain_md; /* the plain view it was packed from */
    void *data;
    size_t bytes;
    size_t cap;                  /* of data, for pdsi_buffer_free */
    bool plain;                  /* a plain copy remade from a packed one */
    struct wentry *next;
} wentry;

enum { MAX_READING = 32 };

struct pdsi_dnn_model {
    pthread_mutex_t mu;
    wentry *head;
    size_t bytes;
    bool winograd; /* Winograd allowed (PDSAFE_WINOGRAD=1) */
    bool bf16;     /* PDS_PRECISION_BF16 */
    bool int8;     /* QDQ convolutions run in integers (VNNI, not PDS_MODEL_NO_INT8) */
    bool blocked;  /* nChw16c + Winograd mode (pdsi_dnn_model_configure) */
    /* Load-time packing runs on every CPU, each reorder outside mu (ResNet50's
     * load: 135 -> 110 ms on 2 CPUs). A parameter whose plain data a reorder
     * is reading is not dropped until that reorder ends (drop_later). */
    int32_t reading[MAX_READING];
    bool drop_later[MAX_READING];
    int n_reading;
};

bool pdsi_dnn_model_blocked(const pdsi_dnn_model *dm)
{
    return dm && dm->blocked;
}

bool pdsi_dnn_model_int8(const pdsi_dnn_model *dm)
{
    return dm && dm->int8;
}

bool pdsi_dnn_model_bf16(const pdsi_dnn_model *dm)
{
    return dm && dm->bf16;
}

void pdsi_dnn_model_configure(pdsi_dnn_model *dm, const pdsi_graph *g)
{
    /* Winograd pays off in nets with many dense 3x3 stride-1 convolutions
     * of wide layers (ResNet's bottlenecks); elsewhere NHWC's brgemm kernels
     * need no reorders around depthwise and odd-width layers. */
    int wino = 0, dense = 0;
    for (int32_t i = 0; i < g->n_nodes; i++) {
        const pdsi_node *node = &g->nodes[i];
        if (node->def->id != PDSI_OP_PDSAFE_CONV)
            continue;
        const pdsi_tensor *w = &g->values[node->vals[node->in_off[1]]].data;
        if (w->rank != 4)
            continue;
        dense++;
        if (pdsi_dnn_wino_candidate(node->params, w))
            wino++;
    }
    /* Off unless PDSAFE_WINOGRAD=1: measured on ResNet50 it saves about 5 %
     * of the time but keeps the plain 3x3 filters too (oneDNN cannot
     * reorder out of its Winograd weight format, and that format depends
     * on the thread count), so the weights take 60 % more memory. */
    dm->blocked = dm->winograd && wino >= 4 && wino * 8 >= dense;
}

pds_status pdsi_dnn_model_create(pdsi_dnn_model **out, bool winograd, bool bf16, bool int8,
                                 pds_error *err)
{
    *out = NULL;
    pds_status st = bf16 ? check_bf16(err) : PDS_OK;
    if (st)
        return st;
    *out = calloc(1, sizeof **out);
    if (!*out)
        return pdsi_fail(err, PDS_ERR_OUT_OF_MEMORY, "could not allocate the weight cache");
    if (pthread_mutex_init(&(*out)->mu, NULL) != 0) {
        free(*out);
        *out = NULL;
        return pdsi_fail(err, PDS_ERR_INTERNAL, "could not create the weight cache's mutex");
    }
    (*out)->winograd = winograd;
    (*out)->bf16 = bf16;
    (*out)->int8 = int8 && pdsi_dnn_int8_native();
    return PDS_OK;
}

void pdsi_dnn_model_free(pdsi_dnn_model *dm)
{
    if (!dm)
        return;
    for (wentry *e = dm->head, *n; e; e = n) {
        n = e->next;
        pdsi_buffer_free(e->data, e->cap);
        free(e);
    }
    pthread_mutex_destroy(&dm->mu);
    free(dm);
}

size_t pdsi_dnn_model_packed_bytes(pdsi_dnn_model *dm)
{
    pthread_mutex_lock(&dm->mu);
    size_t n = dm->bytes;
    pthread_mutex_unlock(&dm->mu);
    return n;
}

/* True if value has a packed copy in a blocked layout. Only such a copy can
 * be reordered into any other layout (oneDNN cannot reorder out of its
 * Winograd weight format). Caller holds dm->mu. */
static bool has_blocked_locked(const pdsi_dnn_model *dm, int32_t value)
{
    for (const wentry *e = dm->head; e; e = e->next)
        if (e->value == value && !e->plain && e->md.format_kind == dnnl_blocked)
            return true;
    return false;
}

/* Frees t's plain data (its dims stay). Caller holds dm->mu. */
static void drop_locked(pdsi_tensor *t)
{
    pdsi_buffer_free(t->data, t->cap);
    t->data = NULL;
    t->cap = 0;
}

void pdsi_dnn_model_drop_plain(pdsi_dnn_model *dm, pdsi_graph *g, int32_t value)
{
    pthread_mutex_lock(&dm->mu);
    bool packed = has_blocked_locked(dm, value);
    pdsi_tensor *t = &g->values[value].data;
    bool busy = false;
    for (int k = 0; k < dm->n_reading; k++)
        if (dm->reading[k] == value) {
            busy = true;
            dm->drop_later[k] |= packed;
        }
    if (packed && t->cap && !busy)
        drop_locked(t);
    pthread_mutex_unlock(&dm->mu);
}

/* Reorders src (md a) into a new buffer laid out as b (*cap: its
 * pdsi_buffer_alloc cap). */
static pds_status reorder_buffer(const dnnl_memory_desc_t *a, const void *src,
                                 const dnnl_memory_desc_t *b, void **dst, size_t *bytes,
                                 size_t *cap, pds_error *err)
{
    *bytes = dnnl_memory_desc_get_size(b);
    *dst = pdsi_buffer_alloc(*bytes, cap);
    if (!*dst)
        return pdsi_fail(err, PDS_ERR_OUT_OF_MEMORY, "could not allocate %zu bytes of packed "
                         "weights", *bytes);
    dnnl_engine_t e = pdsi_dnn_engine();
    dnnl_primitive_desc_t pd = NULL;
    dnnl_primitive_t prim = NULL;
    dnnl_memory_t ma = NULL, mb = NULL;
    dnnl_stream_t stream = NULL;
    dnnl_status_t ds = dnnl_reorder_primitive_desc_create(&pd, a, e, b, e, NULL);
    if (ds == dnnl_success)
        ds = dnnl_primitive_create(&prim, pd);
    if (ds == dnnl_success)
        ds = dnnl_memory_create(&ma, a, e, (void *)src);
    if (ds == dnnl_success)
        ds = dnnl_memory_create(&mb, b, e, *dst);
    if (ds == dnnl_success)
        ds = dnnl_stream_create(&stream, e, dnnl_stream_default_flags);
    if (ds == dnnl_success) {
        dnnl_exec_arg_t args[2] = {{DNNL_ARG_FROM, ma}, {DNNL_ARG_TO, mb}};
        ds = dnnl_primitive_execute(prim, stream, 2, args);
        if (ds == dnnl_success)
            ds = dnnl_stream_wait(stream);
    }
    if (stream)
        dnnl_stream_destroy(stream);
    if (ma)
        dnnl_memory_destroy(ma);
    if (mb)
        dnnl_memory_destroy(mb);
    if (prim)
        dnnl_primitive_destroy(prim);
    if (pd)
        dnnl_primitive_desc_destroy(pd);
    if (ds != dnnl_success) {
        pdsi_buffer_free(*dst, *cap);
        *dst = NULL;
        return pdsi_dnn_fail(err, ds, "pack weights");
    }
    return PDS_OK;
}

pds_status pdsi_dnn_weights(pdsi_dnn_model *dm, const pdsi_graph *g, int32_t value,
                            const dnnl_memory_desc_t *plain_md, const dnnl_memory_desc_t *want,
                            const void **data, pds_error *err)
{
    *data = NULL;
    pds_status st = PDS_OK;
    pthread_mutex_lock(&dm->mu);
    wentry *any = NULL;
    for (wentry *e = dm->head; e; e = e->next)
        if (e->value == value && !e->plain) {
            if (dnnl_memory_desc_equal(&e->md, want)) {
                *data = e->data;
                goto out;
            }
            if (e->md.format_kind == dnnl_blocked)
                any = e;
        }
    wentry *n = calloc(1, sizeof *n);
    if (!n) {
        st = pdsi_fail(err, PDS_ERR_OUT_OF_MEMORY, "could not allocate a weight cache entry");
        goto out;
    }
    const void *plain = g->values[value].data.data;
    if (!plain && !any) {
        free(n);
        st = pdsi_fail(err, PDS_ERR_INTERNAL, "parameter '%s' has neither plain nor packed data",
                       g->values[value].name);
        goto out;
    }
    /* The reorder runs without the lock, so that every packing thread
     * reorders at once: the plain data is marked as being read (it cannot
     * be dropped meanwhile), and entries are never freed before the model. */
    int slot = -1;
    if (plain && dm->n_reading < MAX_READING) {
        slot = dm->n_reading++;
        dm->reading[slot] = value;
        dm->drop_later[slot] = false;
    }
    if (slot >= 0 || !plain)
        pthread_mutex_unlock(&dm->mu);
    st = plain ? reorder_buffer(plain_md, plain, want, &n->data, &n->bytes, &n->cap, err)
               : reorder_buffer(&any->md, any->data, want, &n->data, &n->bytes, &n->cap, err);
    if (slot >= 0 || !plain)
        pthread_mutex_lock(&dm->mu);
    if (slot >= 0) {
        /* Slots may have moved: find ours. A drop asked for while the data
         * was being read happens now, unless another reorder still reads it
         * (then that one inherits the request). */
        bool drop = false;
        for (int k = 0; k < dm->n_reading; k++)
            if (dm->reading[k] == value) {
                drop = dm->drop_later[k];
                dm->reading[k] = dm->reading[--dm->n_reading];
                dm->drop_later[k] = dm->drop_later[dm->n_reading];
                break;
            }
        for (int k = 0; drop && k < dm->n_reading; k++)
            if (dm->reading[k] == value) {
                dm->drop_later[k] = true;
                drop = false;
            }
        /* The graph is const to steps; this is the load-time drop that
         * pdsi_dnn_model_drop_plain (which has it writable) deferred. */
        if (drop && g->values[value].data.cap)
            drop_locked(&((pdsi_graph *)g)->values[value].data);
    }
    if (st) {
        free(n);
        goto out;
    }
    /* Another thread may have packed the same while the lock was free. */
    for (wentry *e = dm->head; e; e = e->next)
        if (e->value == value && !e->plain && dnnl_memory_desc_equal(&e->md, want)) {
            pdsi_buffer_free(n->data, n->cap);
            free(n);
            *data = e->data;
            goto out;
        }
    n->value = value;
    n->md = *want;
    n->plain_md = *plain_md;
    n->next = dm->head;
    dm->head = n;
    dm->bytes += n->bytes;
    *data = n->data;
out:
    pthread_mutex_unlock(&dm->mu);
    return st;
}

const void *pdsi_dnn_model_plain(pdsi_dnn_model *dm, const pdsi_graph *g, int32_t value)
{
    const void *plain = g->values[value].data.data;
    if (plain || !dm)
        return plain;
    void *out = NULL;
    pthread_mutex_lock(&dm->mu);
    wentry *src = NULL;
    for (wentry *e = dm->head; e; e = e->next) {
        if (e->value == value && e->plain) {
            out = e->data;
            goto done;
        }
        if (e->value == value && e->md.format_kind == dnnl_blocked)
            src = e;
    }
    if (!src)
        goto done;
    wentry *n = calloc(1, sizeof *n);
    if (!n)
        goto done;
    if (reorder_buffer(&src->md, src->data, &src->plain_md, &n->data, &n->bytes, &n->cap,
                       NULL)) {
        free(n);
        goto done;
    }
    n->value = value;
    n->md = src->plain_md;
    n->plain_md = src->plain_md;
    n->plain = true;
    n->next = dm->head;
    dm->head = n;
    dm->bytes += n->bytes;
    out = n->data;
done:
    pthread_mutex_unlock(&dm->mu);
    return out;
}

/* ---- dispatch ---------------------------------------------------------------- */

pds_status pdsi_dnn_step_create(pdsi_dnn_model *dm, const pdsi_graph *g, int32_t node_index,
                                pdsi_dnn_io *in, int n_in, pdsi_dnn_io *out, int n_out,
                                bool pack_only, pdsi_dnn_step **step, pds_error *err)
{
    *step = NULL;
    if (!pdsi_dnn_engine())
        return PDS_OK;
    const pdsi_node *node = &g->nodes[node_index];
    /* Empty tensors are the reference kernels' business. */
    for (int k = 0; k < n_in; k++)
        if (in[k].t->dtype == PDS_FLOAT32 && pdsi_tensor_numel(in[k].t) == 0)
            return PDS_OK;
    pdsi_op_id id = node->def->id;
    /* Only some families read bf16 (below); the others see float32. */
    bool reads_bf16 = id == PDSI_OP_PDSAFE_CONV || id == PDSI_OP_POOL2D ||
                      id == PDSI_OP_SCALE || id == PDSI_OP_CONCAT ||
                      id == PDSI_OP_NEAREST_INTERP_V2 || id == PDSI_OP_NEAREST_INTERP ||
                      id == PDSI_OP_BILINEAR_INTERP_V2 || id == PDSI_OP_BILINEAR_INTERP ||
                      (node->def->flags & (PDSI_OPF_POST_OP | PDSI_OPF_BINARY));
    if (!reads_bf16)
        for (int k = 0; k < n_in; k++)
            in[k].layout = in[k].want = pdsi_layout_fp32(in[k].layout);
    if (id == PDSI_OP_BATCH_NORM)
        return pack_only ? PDS_OK : pdsi_dnn_batch_norm(g, node, in, n_in, out, n_out, step, err);
    for (int k = 0; k < n_out; k++)
        if (pdsi_tensor_numel(out[k].t) == 0)
            return PDS_OK;
    if (id == PDSI_OP_PDSAFE_CONV)
        return pdsi_dnn_conv(dm, g, node, in, n_in, out, n_out, pack_only, step, err);
    if (id == PDSI_OP_PDSAFE_MATMUL)
        return pdsi_dnn_matmul(dm, g, node, in, n_in, out, n_out, pack_only, step, err);
    if (pack_only)
        return PDS_OK;
    /* Pooling, activations, binary operators, concat and resampling read
     * and write the bf16 layouts (a step fed bf16 writes bf16); one that
     * declines a bf16 input is offered the node again with its inputs shown
     * in float32, as the rest always are (backend.h): those build float32
     * descriptors. */
    pds_status st = PDS_OK;
    bool bf16_in = false;
    for (int k = 0; k < n_in; k++)
        bf16_in |= pdsi_layout_is_bf16(in[k].layout);
    for (int pass = 0; pass < 2; pass++) {
        if (id == PDSI_OP_POOL2D) {
            st = pdsi_dnn_pool(node, in, n_in, out, n_out, step, err);
        } else {
            st = pdsi_dnn_unary(node, in, n_in, out, n_out, step, err);
            if (!st && !*step)
                st = pdsi_dnn_binary(node, in, n_in, out, n_out, step, err);
            if (!st && !*step)
                st = pdsi_dnn_misc(g, node, in, n_in, out, n_out, step, err);
        }
        if (st || *step || !bf16_in)
            break;
        for (int k = 0; k < n_in; k++)
            in[k].layout = in[k].want = pdsi_layout_fp32(in[k].layout);
        bf16_in = false;
    }
    return st;
}

pds_status pdsi_dnn_step_part(pdsi_dnn_step *s, dnnl_primitive_desc_t pd, const pdsi_dnn_arg *args,
                              int n, pds_error *err)
{
    pds_status st = PDS_OK;
    for (int i = 0; i < n && !st; i++)
        st = add_arg(s, args[i].arg, args[i].md, args[i].bind, args[i].data, 0, err);
    if (st) {
        dnnl_primitive_desc_destroy(pd);
        return st;
    }
    return pdsi_dnn_step_finish(s, pd, err);
}

pds_status pdsi_dnn_make_step(dnnl_primitive_desc_t pd, const pdsi_dnn_arg *args, int n,
                              pdsi_dnn_step **step, pds_error *err)
{
    if (!pdsi_dnn_pd_is_fast(pd)) {
        dnnl_primitive_desc_destroy(pd);
        return PDS_OK;
    }
    pdsi_dnn_step *s = pdsi_dnn_step_new();
    if (!s) {
        dnnl_primitive_desc_destroy(pd);
        return pdsi_fail(err, PDS_ERR_OUT_OF_MEMORY, "could not allocate a step");
    }
    pds_status st = pdsi_dnn_step_part(s, pd, args, n, err);
    if (st) {
        pdsi_dnn_step_free(s);
        return st;
    }
    *step = s;
    return PDS_OK;
}
