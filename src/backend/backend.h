/*
 * backend.h — what a backend is: one table of functions with a name.
 *
 * The planner (plan/plan.c) offers every node, with its tensors' shapes and
 * current layouts, to the model's backends in list order (backend/registry.c)
 * and takes the first that accepts it. A backend either declines (a NULL step
 * and PDS_OK: unsupported op, parameters, shapes or layouts) or compiles the
 * node into a step it will run for every run of that plan. The list always
 * ends with the reference backend (backend/ref/), which accepts every node,
 * so planning never runs out of backends.
 *
 * Layouts are backend-neutral ids. A tensor's dims are always its logical
 * (NCHW for 4-D) dims; its layout says how the bytes are ordered:
 *   - PLAIN: row-major, every rank;
 *   - NHWC: 4-D, channels innermost; no padding, so the byte size is the
 *     plain one;
 *   - NCHW16C: 4-D with channels a multiple of 16 only (so again without
 *     padding), blocks of 16 channels innermost;
 *   - NHWC_BF16, NCHW16C_BF16: the same orders with each element stored as
 *     bf16 (the upper half of its float32), 2 bytes. The tensor's dtype
 *     stays FLOAT32: only the storage is narrower, and only a backend with
 *     `bf16` set (below) ever sees such a layout or asks for one. The
 *     planner shows it to the others as its float32 twin, so that they ask
 *     for (and get, through a conversion) float32 data, and refuses a plan in
 *     which such a backend would read or write bf16 (PDS_ERR_INTERNAL).
 *     The planner sizes their storage at 2 bytes per element (and copies a
 *     kept residual in such a layout with a same-layout conversion).
 * A step says which layout it needs each input in and which layout it writes
 * each output in; the planner inserts a conversion where a tensor's layout
 * differs from what its reader needs (convert_create of the first backend
 * that offers one), and hands graph outputs out in PLAIN.
 *
 * State: a backend may keep per-model state (model_create: the oneDNN
 * backend's cache of packed weights), immutable once the model is loaded
 * and shared by all its predictors, and per-predictor state (stream_create:
 * the oneDNN stream), used by one run at a time.
 *
 * Weight packing happens at load, in parts that run at once on the
 * executor's threads (runtime/model.c): pack_begin gets the graph after the
 * load-time passes and its tensors at nominal shapes, pack_part(k, n) packs
 * every n-th candidate from the k-th, pack_end reports the first failure.
 * A backend that packs may drop a parameter's plain data once its packed copy
 * exists; param_plain then makes plain data again for a step that needs it
 * (a backend with plain_params set, such as ref).
 *
 * Threads: a backend with needs_executor creates and runs its steps only on
 * executor threads (core/executor.h), so a model with such a backend in its
 * list runs on them.
 */
#ifndef PDSI_BACKEND_BACKEND_H
#define PDSI_BACKEND_BACKEND_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "graph/graph.h"
#include "kernels/kernel.h"

enum {
    PDSI_LAYOUT_PLAIN = 0,
    PDSI_LAYOUT_NHWC = 1,
    PDSI_LAYOUT_NCHW16C = 2, /* 4-D with channels a multiple of 16 only: no padding */
    PDSI_LAYOUT_NHWC_BF16 = 3,    /* NHWC, bf16 storage of a FLOAT32 tensor */
    PDSI_LAYOUT_NCHW16C_BF16 = 4, /* NCHW16C, bf16 storage of a FLOAT32 tensor */
};

/* True for the layouts that store a FLOAT32 tensor as bf16. */
static inline bool pdsi_layout_is_bf16(uint8_t layout)
{
    return layout == PDSI_LAYOUT_NHWC_BF16 || layout == PDSI_LAYOUT_NCHW16C_BF16;
}

/* The float32 layout with the same element order as `layout`. */
static inline uint8_t pdsi_layout_fp32(uint8_t layout)
{
    return layout == PDSI_LAYOUT_NHWC_BF16      ? (uint8_t)PDSI_LAYOUT_NHWC
           : layout == PDSI_LAYOUT_NCHW16C_BF16 ? (uint8_t)PDSI_LAYOUT_NCHW16C
                                                 : layout;
}

/* The bf16 layout with the same element order as `layout` (NHWC or
 * NCHW16C), or `layout` itself when there is none (PLAIN). */
static inline uint8_t pdsi_layout_bf16(uint8_t layout)
{
    return layout == PDSI_LAYOUT_NHWC      ? (uint8_t)PDSI_LAYOUT_NHWC_BF16
           : layout == PDSI_LAYOUT_NCHW16C ? (uint8_t)PDSI_LAYOUT_NCHW16C_BF16
                                            : layout;
}

/* Static facts about a graph (plan/plan.h): which nodes run in phase 1,
 * which values are handed out. */

/* A step as its backend made it; each backend defines what it points at. */
typedef struct pdsi_backend_step pdsi_backend_step;

/* A step's tensors as the planner sees them, flattened over the node's slots
 * in slot order (node->vals order). */
typedef struct pdsi_backend_io {
    pdsi_tensor *t;  /* shape known; data not yet (parameters: their data, or NULL if dropped) */
    int32_t value;   /* graph value id, or -1 for a planner temporary */
    bool param;      /* an immutable model parameter */
    uint8_t layout;  /* inputs: the layout it is stored in now; outputs: set by step_create */
    uint8_t want;    /* inputs: the layout the step needs (set by step_create) */
} pdsi_backend_io;

/* What a step run gets besides its tensors. */
typedef struct pdsi_backend_run {
    void *stream;    /* the step's backend's per-predictor state (stream_create) */
    pdsi_exec *exec; /* the predictor's kernel context (threads, kernel scratch) */
    void *scratch;   /* at least the plan's largest step_scratch bytes, shared by all steps */
    void *temp;      /* step_temp_bytes bytes of this step's intermediates, 64-byte aligned */
} pdsi_backend_run;

/* Load-time settings from the environment (core/env.c) and the model's
 * options. */
typedef struct pdsi_backend_opts {
    bool winograd;      /* PDSAFE_WINOGRAD=1 */
    uint32_t precision; /* pds_model_options.precision (PDS_PRECISION_*) */
    bool int8;          /* QDQ products may run in integers (not PDS_MODEL_NO_INT8) */
} pdsi_backend_opts;

typedef struct pdsi_backend {
    const char *name;    /* "onednn", "ref": profile kernels read "<name>:<impl>" */
    bool needs_executor; /* steps are created and run on executor threads only */
    bool plain_params;   /* its steps read parameters' plain data (see param_plain) */
    /* It honours PDS_PRECISION_BF16: its model_create fails when the CPU
     * cannot run bf16 natively, and its steps then run the compute-heavy
     * operators in bf16. A set asked for bf16 must hold one such backend
     * (pdsi_backend_set_make). Backends without it run float32, and only
     * backends with it see or ask for the bf16 layouts. */
    bool bf16;
    /* What it runs on, for version reports (pds_build_info): writes e.g.
     * "onednn 3.0.0" into buf. NULL for a backend with nothing to name. */
    void (*describe)(char *buf, size_t cap);

    /* Per-model state, made after the load-time passes from the final graph;
     * NULL members mean "no state". */
    pds_status (*model_create)(const pdsi_graph *g, const pdsi_backend_opts *opts, void **state,
                               pds_error *err);
    void (*model_free)(void *state);
    /* Bytes of packed parameters held (statistics). */
    size_t (*packed_bytes)(void *state);
    /* Plain data of parameter `value` whose graph data was dropped after
     * packing; made once and kept with the model. NULL when this backend did
     * not pack it or out of memory. */
    const void *(*param_plain)(void *state, const pdsi_graph *g, int32_t value);

    /* Load-time weight packing (all NULL: nothing to pack). nominal holds one
     * tensor per value at nominal shapes, or is NULL when they could not be
     * inferred (then weights are packed at the first plan). pack_part runs
     * concurrently for k = 0..n-1 (n <= 16), on executor threads. */
    pds_status (*pack_begin)(void *state, pdsi_graph *g, const pdsi_graph_info *info,
                             const pdsi_tensor *nominal, void **ctx, pds_error *err);
    void (*pack_part)(void *ctx, int part, int n_parts);
    pds_status (*pack_end)(void *ctx, pds_error *err); /* frees ctx */

    /* Offers node `node` of g. On PDS_OK, *step is NULL when the backend
     * declines; otherwise every input's `want` and every output's `layout`
     * are set. Errors are real failures (out of memory, a library failing on
     * a configuration it accepted). */
    pds_status (*step_create)(void *state, const pdsi_graph *g, int32_t node, pdsi_backend_io *in,
                              int n_in, pdsi_backend_io *out, int n_out, pdsi_backend_step **step,
                              pds_error *err);
    /* A conversion of tensor t (shape set) from layout `from` to `to`, as a
     * step with one input and one output; NULL member, or a NULL step with
     * PDS_OK: this backend does not convert that. */
    pds_status (*convert_create)(const pdsi_tensor *t, uint8_t from, uint8_t to,
                                 pdsi_backend_step **step, pds_error *err);
    /* Runs a step; in/out are the tensors in the order given to create, with
     * their data bound. */
    pds_status (*step_run)(pdsi_backend_step *s, pdsi_tensor *const *in, pdsi_tensor *const *out,
                           const pdsi_backend_run *run, pds_error *err);
    void (*step_free)(pdsi_backend_step *s);
    size_t (*step_scratch)(const pdsi_backend_step *s);    /* shared scratch bytes */
    size_t (*step_temp_bytes)(const pdsi_backend_step *s); /* own intermediates, in the arena */
    /* The input whose storage output 0 must share (accumulated into in
     * place, like oneDNN's sum post-op), or -1. */
    int (*step_inplace_input)(const pdsi_backend_step *s);
    /* The implementation's name ("brgconv:avx512_core"; "" for none); static
     * or step storage. */
    const char *(*step_impl)(const pdsi_backend_step *s);
    /* True if the step runs an int8 product (statistics); NULL: never. */
    bool (*step_int8)(const pdsi_backend_step *s);

    /* Per-predictor state (NULL members: none), made on the thread that runs. */
    pds_status (*stream_create)(void *state, void **stream, pds_error *err);
    void (*stream_free)(void *stream);
} pdsi_backend;

/* ---- the list (backend/registry.c) ---------------------------------------- */

#define PDSI_MAX_BACKENDS 4

/* The backends of one model, in the order the planner offers them a node,
 * with their per-model states. The last is always ref. */
typedef struct pdsi_backend_set {
    const pdsi_backend *b[PDSI_MAX_BACKENDS];
    void *state[PDSI_MAX_BACKENDS];
    int n;
} pdsi_backend_set;

/* The reference backend (backend/ref/ref.c). */
extern const pdsi_backend pdsi_backend_ref;

/* The backends compiled in, in planning order; i from 0 to
 * pdsi_backends_compiled() - 1. */
int pdsi_backends_compiled(void);
const pdsi_backend *pdsi_backend_at(int i);
/* The compiled-in backend called name, or NULL. */
const pdsi_backend *pdsi_backend_find(const char *name);

/* Fills set with every compiled-in backend (fast) or with ref only, and makes
 * their model states from g. On failure set is freed; asking for
 * PDS_PRECISION_BF16 of a set without a bf16 backend is a failure
 * (PDS_ERR_INVALID_ARGUMENT saying why there is none). */
pds_status pdsi_backend_set_make(pdsi_backend_set *set, bool fast, const pdsi_graph *g,
                                 const pdsi_backend_opts *opts, pds_error *err);
void pdsi_backend_set_free(pdsi_backend_set *set);
/* The compiled-in backends that describe themselves, "; "-separated
 * ("onednn 3.0.0"), or "reference kernels only" when none does. */
void pdsi_backends_describe(char *buf, size_t cap);
/* True if a backend of the set needs the executor's threads. */
bool pdsi_backend_set_needs_executor(const pdsi_backend_set *set);
/* Bytes of packed parameters held by the set's backends. */
size_t pdsi_backend_set_packed_bytes(const pdsi_backend_set *set);
/* Plain data of a parameter some backend of the set dropped after packing,
 * or NULL (out of memory, or no backend holds it packed). */
const void *pdsi_backend_set_param_plain(const pdsi_backend_set *set, const pdsi_graph *g,
                                         int32_t value);

#endif
