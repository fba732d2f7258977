/*
 * compat.h — internals of the PD_* compatibility library, shared by its
 * source files. The library is written against include/pdsafe.h only.
 */
#ifndef PDSAFE_COMPAT_INTERNAL_H
#define PDSAFE_COMPAT_INTERNAL_H

#include <pthread.h>
#include <stdint.h>

#include "pd_inference_api.h"
#include "pdsafe.h"

/* ---- misuse reports ---------------------------------------------------- */

/* Writes "pdsafe-compat: CALL: MESSAGE\n" to stderr in one write, keeps
 * "CALL: MESSAGE" as the thread's last error; then aborts
 * if PDSAFE_ON_MISUSE=abort. */
void cp_misuse(const char *call, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* Clears the calling thread's last error (PD_GetLastError): every report
 * sets it. */
void cp_last_error_clear(void);


/* ---- encoded handles ----------------------------------------------------
 * A handle is a 64-bit value: bits 63..56 a tag (0xD0 | kind), 55..24 the
 * slot's generation, 23..0 the slot index. The tag makes every handle a
 * non-canonical address on x86-64, so code that dereferences one faults at
 * once instead of reading someone's memory. Destroying bumps the slot's
 * generation: a handle is never valid twice. */
typedef enum cp_kind { CP_CONFIG = 1, CP_PREDICTOR = 2, CP_TENSOR = 3 } cp_kind;

const char *cp_kind_name(cp_kind kind); /* "PD_Config", ... */

/* A misuse of object h (of that kind), root cause `root` (the M-number of
 * docs/DESIGN.md): cp_misuse's report, and with guard mode on
 * (PDSAFE_GUARD=1) also an incident of pdsafe's guard report, the report
 * then ending with the object's creation and destruction sites:
 *   "... [guard incident N (M1): PD_Predictor 0x... created at f (file.c:12)
 *    on thread T, destroyed by PD_PredictorDestroy at g (file.c:20) on thread
 *    T; 0 calls]". */
void cp_misuse_obj(cp_kind kind, uint64_t h, unsigned root, const char *call, const char *fmt,
                   ...) __attribute__((format(printf, 5, 6)));

/* Registers obj; returns its handle, or 0 if the table is full (reported). */
uint64_t cp_handle_new(cp_kind kind, void *obj, void (*free_fn)(void *), const char *call);

/* Looks the handle up, takes a reference on the object for the call and
 * returns it; NULL after reporting what was wrong (null, destroyed, never
 * issued, other kind). *slot receives what cp_handle_release needs. */
void *cp_handle_get(cp_kind kind, uint64_t h, const char *call, uint32_t *slot);
/* As cp_handle_get, without a report; for looking up a predictor behind a
 * tensor. Returns 0 ok, 1 destroyed, 2 never issued. */
int cp_handle_get_quiet(cp_kind kind, uint64_t h, void **obj, uint32_t *slot);
void cp_handle_release(uint32_t slot);

/* Destroys: the handle is stale from now on; the object is freed now, or when
 * the last call inside it returns. NULL is a no-op. Reports otherwise. When
 * quiet is set, nothing is reported, and a later cp_handle_destroy of this
 * same handle is accepted once without a report (for a config its predictor
 * released: the caller may still destroy it, as older Paddle code does). */
void cp_handle_destroy(cp_kind kind, uint64_t h, const char *call, int quiet);

/* ---- public structs ------------------------------------------------------
 * The structs of pd_types.h are read by callers, so they are real memory: a
 * block of a pool that is never unmapped. A destroyed block is zeroed and
 * reused only after CP_QUARANTINE other destroys, so destroying it again in
 * between is detected. */
#define CP_QUARANTINE 4096
typedef enum cp_block_kind {
    CPB_INT32 = 1, CPB_SIZE, CPB_INT64, CPB_CSTR_ARRAY, CPB_CSTR, CPB_TWO_DIM, CPB_IOINFOS
} cp_block_kind;
void *cp_block_new(cp_block_kind kind); /* zeroed, NULL if out of memory */
/* Checks p is a live block of that kind and frees its contents; reports and
 * returns without touching anything otherwise. */
void cp_block_destroy(cp_block_kind kind, void *p, const char *call);

PD_OneDimArrayCstr *cp_cstr_array(size_t n, const char *const *strings);
PD_Cstr *cp_cstr(const char *s);

/* ---- objects behind the handles ----------------------------------------- */

typedef struct cp_model {
    pds_model model;
    int refs; /* predictors using it; atomic */
    size_t n_in, n_out;
    pds_tensor_info *in, *out;
} cp_model;

void cp_model_release(cp_model *m);

typedef struct cp_input {
    int has_shape;
    int32_t rank;
    int64_t dims[PDS_MAX_RANK];
    size_t bytes;
    void *buf;
    int filled;
} cp_input;

typedef struct cp_predictor {
    cp_model *m;
    pds_predictor pred;
    pds_predictor_options popts;
    pthread_mutex_t mu; /* taken with trylock: a busy predictor is a report */
    cp_input *in;
    pds_tensor *out;
    size_t *out_cap;
    int have_result;
    uint64_t taken_config; /* the config PD_PredictorCreate took, released with us */
} cp_predictor;

typedef struct cp_tensor {
    uint64_t predictor;
    int is_input;
    size_t index;
    pds_dtype dtype;
    char name[PDS_NAME_SIZE];
    /* Outputs: the shape PD_TensorGetShape last told the caller through this
     * handle, which is what the caller sized its buffer by. CopyToCpu copies
     * only while the output still has that shape (another thread's run may
     * have changed it in between). */
    int shown;
    int32_t shown_rank;
    int64_t shown_dims[PDS_MAX_RANK];
} cp_tensor;

/* What a config says about loading, copied out of it by cp_config_spec. */
typedef struct cp_load_spec {
    char *prog, *params, *dir;
    void *prog_buf, *params_buf;
    size_t prog_len, params_len;
    int from_memory;
    int reference; /* SwitchIrOptim(FALSE): reference kernels */
    int bf16;      /* PD_ConfigEnableMkldnnBfloat16 (and not reference) */
    int threads;
} cp_load_spec;

/* Copies the config's load settings into *spec (the caller frees it with
 * cp_load_spec_free). Returns 0, or -1 after a report (bad handle, config
 * already taken, out of memory). */
int cp_config_spec(uint64_t config, const char *call, cp_load_spec *spec);
void cp_load_spec_free(cp_load_spec *spec);
/* PD_PredictorCreate succeeded: the config is taken (its contents freed). */
void cp_config_mark_taken(uint64_t config);

/* Releases the config a predictor took (quietly: see cp_handle_destroy). */
void cp_config_release_taken(uint64_t config);

/* PD_DataType of a pdsafe dtype (PD_DATA_UNK if Paddle's C API has none). */
PD_DataType cp_pd_dtype(pds_dtype dt);

/* Handle <-> pointer. */
static inline uint64_t cp_h(const void *p)
{
    return (uint64_t)(uintptr_t)p;
}
static inline void *cp_p(uint64_t h)
{
    return (void *)(uintptr_t)h;
}

#endif
