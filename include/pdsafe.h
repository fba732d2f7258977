/*
 * pdsafe.h — the native C API of pdsafe, a PaddlePaddle inference engine whose
 * API cannot be misused into a crash.
 *
 * This header is the whole contract. Every function documents who owns each
 * pointer, how long anything returned lives, which threads may call it and which
 * status codes it returns. The rules that hold everywhere:
 *
 *   - Handles are 64-bit values (slot index, generation, kind tag), never
 *     addresses. A destroyed, forged or wrong-kind handle is detected and
 *     reported; it is never dereferenced. The zero handle is "no object".
 *   - Every function returns a pds_status. When the caller passes a pds_error,
 *     it is filled with the code and a message saying what failed, where, and
 *     what was expected. There is no thread-local "last error".
 *   - Buffers are always (pointer, byte length). The library reads inputs and
 *     writes outputs during the call that received them and keeps no caller
 *     pointer after that call returns.
 *   - The library never frees caller memory and the caller never frees library
 *     memory. Strings are copied into caller-owned structs.
 *   - Options are plain structs, copied when an object is created; the caller
 *     keeps what it passed.
 *   - No global init or teardown, no signal handlers, no process-wide settings.
 *   - fork() is safe at any time (load models, then fork workers that share
 *     the weights copy-on-write): fork waits until the runs computing at that
 *     moment have finished (none starts meanwhile), and the child starts
 *     compute threads of its own.
 *     In the child, a predictor that another thread of the parent was inside
 *     a call on at the moment of the fork answers PDS_ERR_BUSY (saying so)
 *     until it is destroyed; every other object works as in the parent.
 *
 * The smallest complete program:
 *
 *     pds_error err;
 *     pds_model model = 0;
 *     if (pds_model_load_files("m/inference.pdmodel", "m/inference.pdiparams",
 *                              NULL, &model, &err) != PDS_OK) {
 *         fprintf(stderr, "%s\n", err.message);
 *         return 1;
 *     }
 *     pds_predictor pred = 0;
 *     pds_predictor_create(model, NULL, &pred, &err);
 *     float in[1 * 3 * 64 * 64] = {0}, out[1000];
 *     pds_tensor x = { .dtype = PDS_FLOAT32, .rank = 4, .dims = {1, 3, 64, 64},
 *                      .data = in, .byte_length = sizeof in };
 *     pds_tensor y = { .data = out, .byte_length = sizeof out };
 *     if (pds_predictor_run(pred, &x, 1, &y, 1, &err) == PDS_OK) {
 *         // y.dtype, y.rank and y.dims now describe what was written to out
 *     }
 *     pds_predictor_destroy(pred, NULL);
 *     pds_model_destroy(model, NULL);
 */
#ifndef PDSAFE_H
#define PDSAFE_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#if defined(_WIN32) && defined(PDS_BUILDING_DLL)
#define PDS_API __declspec(dllexport)
#elif defined(__GNUC__)
#define PDS_API __attribute__((visibility("default")))
#else
#define PDS_API
#endif

#define PDS_VERSION_MAJOR 0
#define PDS_VERSION_MINOR 1
#define PDS_VERSION_PATCH 0
/* Bumped whenever the layout of a public struct or the meaning of a call
 * changes. A binding compiled against this header checks
 * pds_abi_version() == PDS_ABI_VERSION before anything else. */
#define PDS_ABI_VERSION 2

/* Largest tensor rank the library handles. */
#define PDS_MAX_RANK 8
/* Size of the message buffer in pds_error, including the terminating NUL. */
#define PDS_ERROR_MESSAGE_SIZE 512
/* Size of a tensor name buffer in pds_tensor_info, including the NUL. Models
 * with longer input or output names are rejected at load. */
#define PDS_NAME_SIZE 256

/* ------------------------------------------------------------------------ */
/* Status codes                                                              */
/* ------------------------------------------------------------------------ */

/* X(name, value, short description). Values are only ever appended. */
#define PDS_STATUS_LIST(X)                                                         \
    X(PDS_OK, 0, "success")                                                        \
    X(PDS_ERR_INVALID_ARGUMENT, 1, "invalid argument")                             \
    X(PDS_ERR_INVALID_HANDLE, 2, "invalid handle (zero, forged or never issued)")  \
    X(PDS_ERR_STALE_HANDLE, 3, "stale handle (object already destroyed)")          \
    X(PDS_ERR_WRONG_HANDLE_KIND, 4, "handle of the wrong kind")                    \
    X(PDS_ERR_BUSY, 5, "object busy (a run is in progress)")                       \
    X(PDS_ERR_BUFFER_SIZE, 6, "buffer size does not match")                        \
    X(PDS_ERR_DTYPE, 7, "wrong data type")                                         \
    X(PDS_ERR_SHAPE, 8, "invalid shape")                                           \
    X(PDS_ERR_MODEL_FORMAT, 9, "malformed model file")                             \
    X(PDS_ERR_UNSUPPORTED_OP, 10, "unsupported operator")                          \
    X(PDS_ERR_IO, 11, "I/O error")                                                 \
    X(PDS_ERR_OUT_OF_MEMORY, 12, "out of memory")                                  \
    X(PDS_ERR_LIMIT, 13, "limit exceeded")                                         \
    X(PDS_ERR_CANCELLED, 14, "run cancelled")                                      \
    X(PDS_ERR_INVALID_STATE, 15, "call not valid in the object's state")           \
    X(PDS_ERR_INTERNAL, 16, "internal error")                                      \
    X(PDS_ERR_RESULT_GONE, 17, "the result of that run is no longer kept")

typedef enum pds_status {
#define PDS_STATUS_ENUM_(name, value, text) name = value,
    PDS_STATUS_LIST(PDS_STATUS_ENUM_)
#undef PDS_STATUS_ENUM_
} pds_status;

/* Caller-owned error report. Pass NULL wherever an error is accepted if the
 * status code is enough. On success the struct is left untouched. */
typedef struct pds_error {
    pds_status code;
    char message[PDS_ERROR_MESSAGE_SIZE];
} pds_error;

/* The enum name of a status ("PDS_ERR_BUSY"); "PDS_UNKNOWN_STATUS" for values
 * this version does not know. The string is static: never free it. */
PDS_API const char *pds_status_name(pds_status status);

/* One-line description of a status; static, never free it. */
PDS_API const char *pds_status_text(pds_status status);

/* Library version as "MAJOR.MINOR.PATCH"; static, never free it. */
PDS_API const char *pds_version(void);

/* The PDS_ABI_VERSION the library was built with. */
PDS_API uint32_t pds_abi_version(void);

/* ------------------------------------------------------------------------ */
/* Data types and tensors                                                    */
/* ------------------------------------------------------------------------ */

/* Values are only ever appended. */
typedef enum pds_dtype {
    PDS_DTYPE_UNKNOWN = 0,
    PDS_FLOAT32 = 1,
    PDS_INT64 = 2,
    PDS_INT32 = 3,
    PDS_UINT8 = 4,
    PDS_INT8 = 5,
    PDS_BOOL = 6, /* one byte per element, 0 or 1 */
    PDS_FLOAT64 = 7,
    PDS_FLOAT16 = 8,
    PDS_INT16 = 9,
    PDS_BFLOAT16 = 10
} pds_dtype;

/* Bytes per element of a dtype; 0 for PDS_DTYPE_UNKNOWN and unknown values. */
PDS_API size_t pds_dtype_size(pds_dtype dtype);

/* Lower-case name ("float32"); static, never free it. "unknown" otherwise. */
PDS_API const char *pds_dtype_name(pds_dtype dtype);

/* A tensor as the caller sees it: a dense row-major buffer it owns, with its
 * element type and shape. Used for run inputs (all fields set by the caller)
 * and run outputs (the caller sets data and byte_length; the library sets
 * dtype, rank and dims). There is no pointer in it besides data, so an array of
 * these can be built in any language with one pinned pointer per tensor. */
typedef struct pds_tensor {
    pds_dtype dtype;
    int32_t rank;
    int64_t dims[PDS_MAX_RANK];
    void *data;         /* caller-owned; used only during the call */
    size_t byte_length; /* size of the buffer at data, in bytes */
} pds_tensor;

/* Metadata of one model input or output. */
typedef struct pds_tensor_info {
    char name[PDS_NAME_SIZE]; /* NUL-terminated copy */
    pds_dtype dtype;
    int32_t rank;               /* -1 if the model does not declare it */
    int64_t dims[PDS_MAX_RANK]; /* -1 for dims fixed only at run time */
} pds_tensor_info;

/* ------------------------------------------------------------------------ */
/* Handles                                                                   */
/* ------------------------------------------------------------------------ */

typedef uint64_t pds_model;     /* 0 = none */
typedef uint64_t pds_predictor; /* 0 = none */

/* ------------------------------------------------------------------------ */
/* Models                                                                    */
/* ------------------------------------------------------------------------ */

/* Load-time options. Always initialise with pds_model_options_init so that
 * struct_size is right; a zero field means "the default". */
/* Run every operator with the portable reference kernels (the "ref" backend
 * alone), as loaded: no graph rewrites, no other backend, and runs on the
 * caller's thread (loading a parameter
 * file of 1 MiB or more still reads it on the library's threads, which are
 * gone once the last model is). The same happens for every model
 * when the environment variable PDSAFE_KERNELS is "ref" at load time. The
 * default is the fast path: load-time rewrites (batch norm folded into
 * convolutions, activations and residual adds fused, no-ops removed,
 * constants folded), then every operator runs on the first backend of the
 * library's list that takes it ("onednn" first when the library is built
 * with oneDNN, then "ref", which takes every operator), with weights
 * pre-packed for the backends that want them. Results agree with the
 * reference kernels within the fp32 tolerance. */
#define PDS_MODEL_REFERENCE_KERNELS 1u
/* Guard mode for this model and every predictor created from it: each
 * records where it was created and destroyed, which threads called it and
 * how often, and every misuse of it is an incident with those sites (see
 * "Guard mode" below and docs/GUARD.md). The same as PDSAFE_GUARD=1 for one
 * model. */
#define PDS_MODEL_GUARD 2u
/* Quantised models (PaddleSlim's quantize_linear / dequantize_linear around
 * convolutions and matmul_v2) run those products in int8 by default where
 * the CPU has VNNI (oneDNN backend): int8 activations and weights, exact
 * int32 accumulation, float32 output. With this flag they run as float32
 * fake quantisation instead, as Paddle's own CPU kernels compute them (for
 * debugging an int8 difference; pds_predictor_stats.int8_steps says which
 * ran). */
#define PDS_MODEL_NO_INT8 4u

/* Arithmetic precision of the compute-heavy operators (pds_model_options
 * .precision), chosen per model at load. Inputs and outputs keep the dtypes
 * the model declares whatever the precision.
 *   PDS_PRECISION_FP32  the default: float32 everywhere.
 *   PDS_PRECISION_BF16  convolutions and matrix products (conv2d,
 *                       depthwise and grouped convolutions, matmul, mul, fc
 *                       with constant weights) run on oneDNN with bfloat16
 *                       activations and weights (the weights are packed to
 *                       bf16 once, at load) and float32 accumulation, bias
 *                       and fused activations. Between convolutions the
 *                       activations stay bf16 internally, through pooling,
 *                       activations, elementwise add and multiply, concat
 *                       and resampling; softmax, normalisations, reductions,
 *                       matrix products' outputs and everything run by the
 *                       reference kernels stay float32, and so do the
 *                       outputs handed to the caller. About 2-3 significant
 *                       decimal digits: expect relative differences around
 *                       1e-2 from the float32 results. It needs a CPU with
 *                       native bf16 arithmetic (AVX512_BF16 or AMX-BF16) and
 *                       the oneDNN backend: on another CPU, with
 *                       PDS_MODEL_REFERENCE_KERNELS or PDSAFE_KERNELS=ref,
 *                       or in a build without oneDNN, the load fails with
 *                       PDS_ERR_INVALID_ARGUMENT saying what is missing; it
 *                       is never emulated. Transposed convolutions (but
 *                       those whose kernel equals their stride: one matrix
 *                       product) and products of two activations run in
 *                       float32.
 * Any other value fails the load with PDS_ERR_INVALID_ARGUMENT. */
#define PDS_PRECISION_FP32 0u
#define PDS_PRECISION_BF16 1u

/* Environment variables, read when a model is loaded (each load reads them
 * again; the library reads no others):
 *   PDSAFE_GUARD     "1": guard mode for every model (as PDS_MODEL_GUARD) and
 *                    a report of incidents and leaked objects on standard
 *                    error at exit; "0": the default, guard mode only where
 *                    a flag asks for it.
 *   PDSAFE_KERNELS   "ref": as PDS_MODEL_REFERENCE_KERNELS for every model
 *                    (the ref backend only);
 *                    "fast": the default, the whole backend list built in
 *                    (ref alone in a build without oneDNN).
 *   PDSAFE_WINOGRAD  "1": let convolution-heavy models use oneDNN's Winograd
 *                    3x3 convolutions (about 5 % faster on ResNet50, 60 % more
 *                    weight memory); "0": the default, never.
 *   PDSAFE_THREAD_POLICY
 *                    "adaptive": the default; a predictor with more than one
 *                    thread now and then runs with one, and keeps running
 *                    with one while that is faster (on a busy machine, where
 *                    OpenMP teams stall); "fixed": always num_threads.
 *   PDSAFE_TRACE     FILE: record a trace of the whole process into FILE,
 *                    written at exit (see "Tracing" below).
 * Unset or empty means the default. Any other value fails the load with
 * PDS_ERR_INVALID_ARGUMENT naming the variable, so that a typo cannot quietly
 * run another configuration than the one asked for. */

typedef struct pds_model_options {
    uint32_t struct_size;      /* sizeof(pds_model_options) */
    uint32_t reserved;
    uint64_t max_tensor_bytes; /* largest tensor, parameter or activation; default 2 GiB */
    uint64_t max_file_bytes;   /* largest model or parameter file; default 4 GiB */
    uint32_t max_ops;          /* most operators in a program; default 100000 */
    uint32_t max_values;       /* most values (variables) in a program; default 1000000 */
    uint32_t flags;            /* PDS_MODEL_* */
    uint32_t reserved2;
    /* Appended after reserved2: a caller built with a header without it
     * passes a smaller struct_size and gets the default. */
    uint32_t precision;        /* PDS_PRECISION_*; default (0) PDS_PRECISION_FP32 */
    uint32_t reserved3;
} pds_model_options;

/* Zeroes *options and sets struct_size to the size the CALLER was compiled
 * with. It is inline on purpose: a library function would write the library's
 * (possibly larger) struct into an older caller's smaller one. */
static inline void pds_model_options_init(pds_model_options *options)
{
    if (options) {
        pds_model_options zero = {0};
        *options = zero;
        options->struct_size = (uint32_t)sizeof *options;
    }
}

typedef enum pds_model_format {
    PDS_FORMAT_UNKNOWN = 0,
    PDS_FORMAT_LEGACY = 1,     /* ProgramDesc protobuf (.pdmodel / __model__) */
    PDS_FORMAT_PIR_JSON = 2    /* Paddle 3 PIR program (inference.json), serialization
                                * versions 1 (Paddle 3.0) to 4 (Paddle 3.3) */
} pds_model_format;

/* Statistics of a loaded model. */
typedef struct pds_model_stats {
    uint32_t struct_size;  /* set by the caller: sizeof(pds_model_stats) */
    pds_model_format format;
    int64_t format_version; /* ProgramDesc version (e.g. 3000000) or PIR serialization
                             * version (base_code.version, e.g. 4) */
    uint64_t op_count;      /* operators, not counting feed and fetch */
    uint64_t param_count;
    uint64_t param_bytes;
} pds_model_stats;

/* Constructor. Loads a model from files.
 *
 * model_path: a program file: a legacy ProgramDesc (inference.pdmodel,
 *   __model__) or a Paddle 3 PIR JSON program (inference.json). Which one it
 *   is is read from the file's bytes, not from its name. Or a directory
 *   holding exactly one of `__model__`, `inference.pdmodel`,
 *   `inference.json` or `__model__.json`; a directory holding two (a Paddle 3
 *   export in both formats) is PDS_ERR_INVALID_ARGUMENT naming them: pass the
 *   program file you mean. A path that is neither a regular file nor a
 *   directory (a FIFO, a device) is PDS_ERR_IO, without blocking on it.
 * params_path: the combined parameter file (inference.pdiparams, the same
 *   format for both programs); or a directory of per-parameter files; or
 *   NULL: the library then finds the parameters of the program (given as a
 *   file or found in the directory) by one rule:
 *     X.pdmodel                 X.pdiparams
 *     X.json                    X.json.pdiparams, else X.pdiparams
 *     __model__, __model__.json one file per parameter in their directory
 *   If none of those files exists the program loads without a parameter
 *   file: a program without parameters loads, one with parameters fails with
 *   PDS_ERR_INVALID_ARGUMENT naming the paths looked for.
 * options: NULL for defaults; copied, never kept.
 * out: receives the handle; set to 0 on failure.
 *
 * The files are read completely during the call and not kept open.
 * Returns PDS_OK, PDS_ERR_INVALID_ARGUMENT, PDS_ERR_IO, PDS_ERR_MODEL_FORMAT
 * (with the file and the byte offset, or for JSON the line and column or the
 * JSON path of the op; an unknown PIR version names the versions read),
 * PDS_ERR_UNSUPPORTED_OP (with op type and position), PDS_ERR_LIMIT,
 * PDS_ERR_OUT_OF_MEMORY, PDS_ERR_INTERNAL (no library thread could be
 * started).
 * Thread-safe. */
PDS_API pds_status pds_model_load_files(const char *model_path, const char *params_path,
                                        const pds_model_options *options, pds_model *out,
                                        pds_error *err);

/* Constructor. Loads a model from memory: model holds a legacy ProgramDesc or a
 * PIR JSON program (told apart by its bytes), params the combined parameters.
 * Both buffers are read during the call only; the caller may free them as soon
 * as it returns. params may be NULL with params_length 0 for a model without
 * parameters. Codes as pds_model_load_files. */
PDS_API pds_status pds_model_load_buffers(const void *model, size_t model_length,
                                          const void *params, size_t params_length,
                                          const pds_model_options *options, pds_model *out,
                                          pds_error *err);

/* Destructor. Releases the caller's reference: the handle is stale from now on.
 * Predictors created from the model keep it alive until they are destroyed, so
 * models and predictors may be destroyed in any order. Destroying 0 is a no-op
 * (PDS_OK). A second destroy returns PDS_ERR_STALE_HANDLE and does nothing.
 * Thread-safe. */
PDS_API pds_status pds_model_destroy(pds_model model, pds_error *err);

/* Number of inputs / outputs of the model. Thread-safe. */
PDS_API pds_status pds_model_input_count(pds_model model, size_t *count, pds_error *err);
PDS_API pds_status pds_model_output_count(pds_model model, size_t *count, pds_error *err);

/* Metadata of input / output `index` (feed / fetch order), copied into *info.
 * PDS_ERR_INVALID_ARGUMENT if index is out of range. Thread-safe. */
PDS_API pds_status pds_model_input_info(pds_model model, size_t index, pds_tensor_info *info,
                                        pds_error *err);
PDS_API pds_status pds_model_output_info(pds_model model, size_t index, pds_tensor_info *info,
                                         pds_error *err);

/* Fills *stats (the caller sets stats->struct_size first). Thread-safe. */
PDS_API pds_status pds_model_get_stats(pds_model model, pds_model_stats *stats, pds_error *err);

/* Copies the type of operator `index` (execution order, feed and fetch not
 * counted) into buf as a NUL-terminated string. If cap is too small, returns
 * PDS_ERR_BUFFER_SIZE and, when needed is not NULL, stores the size needed.
 * Thread-safe. */
PDS_API pds_status pds_model_op_type(pds_model model, size_t index, char *buf, size_t cap,
                                     size_t *needed, pds_error *err);

/* Lists the operator types of a model's program that this version of pdsafe
 * does not support, without loading the model: the program is read (paths as
 * for pds_model_load_files; params_path may be NULL and no parameter is read)
 * and its operator types are checked, nothing more. On PDS_OK, buf receives
 * "" when every type is supported, else the whole list, which a load would
 * report as PDS_ERR_UNSUPPORTED_OP cut to fit pds_error.message:
 *   "2 operator types are not supported: roll (2, first at op 17), where (1, op 40)"
 * in order of first appearance, with the count and the first op index of
 * each (legacy programs: the index in block 0 counting feed and fetch; PIR
 * programs: the index in the top-level ops, under the PIR name, "pd_op.roll").
 * If cap is too small, returns PDS_ERR_BUFFER_SIZE; when needed is not NULL
 * it receives the size needed, NUL included (also on success). Other codes as
 * pds_model_load_files for a program that cannot be read. Thread-safe. */
PDS_API pds_status pds_model_check_files(const char *model_path, const char *params_path,
                                         char *buf, size_t cap, size_t *needed,
                                         pds_error *err);

/* ------------------------------------------------------------------------ */
/* Predictors                                                                */
/* ------------------------------------------------------------------------ */

/* A second run on a busy predictor waits for the first instead of returning
 * PDS_ERR_BUSY. */
#define PDS_PREDICTOR_SERIALIZE 1u
/* Record the duration of every step of each run (pds_predictor_get_profile). */
#define PDS_PREDICTOR_PROFILE 2u
/* Guard mode for this predictor (as PDS_MODEL_GUARD; a predictor of a
 * guarded model is guarded without it). */
#define PDS_PREDICTOR_GUARD 4u

/* Threads. With the fast path, runs execute on a small set of threads owned
 * by the library, never on the calling thread, so that any number of calling
 * threads (goroutines in cgo calls) cannot multiply threads or oversubscribe
 * the cores (DESIGN M23). With E the number of CPUs the process may use, the
 * library adds at most sum over i = 1..E of max(1, E / i) threads to the
 * process (E = 2: 3, E = 4: 8, E = 8: 22), however many callers there are;
 * at most E of them compute at the same time and further runs wait their turn
 * in arrival order. The threads start when first needed and end when the last
 * model is destroyed. No process-wide setting (OpenMP or other) is changed. */
typedef struct pds_predictor_options {
    uint32_t struct_size; /* sizeof(pds_predictor_options) */
    uint32_t flags;       /* PDS_PREDICTOR_* */
    int32_t num_threads;  /* intra-op threads of a run; 0 = 1; more than E counts as E.
                           * The reference kernels use 1. */
    int32_t reserved;
} pds_predictor_options;

/* As pds_model_options_init: inline, sized by the caller's header. */
static inline void pds_predictor_options_init(pds_predictor_options *options)
{
    if (options) {
        pds_predictor_options zero = {0};
        *options = zero;
        options->struct_size = (uint32_t)sizeof *options;
    }
}

/* Constructor. Creates a predictor (activations and scratch for one run at a
 * time) over a model, taking a reference to the model. options may be NULL;
 * it is copied. out is set to 0 on failure.
 * Returns PDS_OK, PDS_ERR_INVALID_HANDLE, PDS_ERR_STALE_HANDLE,
 * PDS_ERR_WRONG_HANDLE_KIND, PDS_ERR_INVALID_ARGUMENT, PDS_ERR_OUT_OF_MEMORY,
 * PDS_ERR_LIMIT (the handle table is full), PDS_ERR_INTERNAL.
 * Thread-safe. */
PDS_API pds_status pds_predictor_create(pds_model model, const pds_predictor_options *options,
                                        pds_predictor *out, pds_error *err);

/* Destructor. Never frees under a running call: if a run is in progress on
 * another thread it returns PDS_ERR_BUSY and the predictor stays valid.
 * Destroying 0 is a no-op; a second destroy returns PDS_ERR_STALE_HANDLE.
 * Thread-safe. */
PDS_API pds_status pds_predictor_destroy(pds_predictor predictor, pds_error *err);

/* Method. Runs the model once.
 *
 * inputs: n_inputs tensors, exactly one per model input, in input order. dtype
 *   must equal the input's dtype (else PDS_ERR_DTYPE); rank and every fixed dim
 *   must match and every dim must be > 0 (else PDS_ERR_SHAPE); byte_length must
 *   be at least the element count times the dtype size (else
 *   PDS_ERR_BUFFER_SIZE). The data is copied during the call.
 * outputs: n_outputs tensors, one per model output, in output order. The caller
 *   sets data and byte_length; on PDS_OK the library has written the result and
 *   set dtype, rank and dims. If any buffer is too small (or NULL), nothing is
 *   written, every output's dtype, rank and dims are set to what is needed and
 *   PDS_ERR_BUFFER_SIZE is returned; the results are kept, and
 *   pds_predictor_fetch returns them without running again. An error about
 *   an input (including a short input buffer, also PDS_ERR_BUFFER_SIZE)
 *   leaves every output descriptor untouched, so a caller can tell the two
 *   apart.
 *
 * n_outputs may be 0 (outputs may then be NULL): the run computes and keeps
 *   its result without copying it anywhere, for a later fetch.
 *
 * One run per predictor at a time: a concurrent call returns PDS_ERR_BUSY
 * (or waits, with PDS_PREDICTOR_SERIALIZE). pds_predictor_cancel from another
 * thread stops the run at its next checkpoint with PDS_ERR_CANCELLED; the
 * predictor stays usable. Checkpoints are: between operators, before
 * planning a new input shape, and every few MiB while inputs are copied in.
 * No pointer in inputs or outputs is kept after the call.
 * Other codes: the handle errors, PDS_ERR_INVALID_ARGUMENT, PDS_ERR_LIMIT (an
 * input or an intermediate over max_tensor_bytes), PDS_ERR_OUT_OF_MEMORY, and
 * PDS_ERR_SHAPE naming the operator whose shapes do not fit.
 *
 * A predictor shared by several callers keeps one result, the last one:
 * such callers use pds_predictor_run_v2 and pds_predictor_fetch_v2, which
 * name the run, instead of this call and pds_predictor_fetch. */
PDS_API pds_status pds_predictor_run(pds_predictor predictor, const pds_tensor *inputs,
                                     size_t n_inputs, pds_tensor *outputs, size_t n_outputs,
                                     pds_error *err);

/* Method. Copies the outputs of the last successful run (including one that
 * ended with PDS_ERR_BUFFER_SIZE) into caller buffers, with the same rules as
 * pds_predictor_run's outputs. PDS_ERR_INVALID_STATE if there is no result.
 * Busy rules as for run. */
PDS_API pds_status pds_predictor_fetch(pds_predictor predictor, pds_tensor *outputs,
                                       size_t n_outputs, pds_error *err);

/* A run id names one run: unique in the process, never 0, never reused. */
typedef uint64_t pds_run_id;

/* Returns a new run id (the next value of a process-wide counter). A caller
 * that must be able to cancel a run before it starts takes an id here and
 * passes it in pds_run_options.run_id. Thread-safe, lock-free, cannot fail. */
PDS_API pds_run_id pds_run_id_new(void);

/* Options of one run (pds_predictor_run_v2). Initialise with
 * pds_run_options_init; a zero field means "the default". */
typedef struct pds_run_options {
    uint32_t struct_size; /* sizeof(pds_run_options) */
    uint32_t flags;       /* none defined yet: 0 */
    /* The id of this run: one from pds_run_id_new() not used by this
     * predictor's previous run (the caller keeps it), or 0: the library then
     * takes a new one and stores it here as soon as the run holds the
     * predictor, also if the run then fails (it stays 0 if the call fails
     * before, e.g. on a bad handle or PDS_ERR_BUSY). */
    pds_run_id run_id;
    /* Testing hook, 0 = off. When N > 0 the run ignores cancellation until
     * its N-th checkpoint (see pds_predictor_run), then waits there until it
     * is cancelled and returns PDS_ERR_CANCELLED naming that checkpoint; a run
     * with fewer checkpoints finishes normally. It lets a test cancel a run
     * "in the middle" without depending on how fast the machine is. Never
     * set it in production code: nothing but a cancel releases the run. */
    uint32_t wait_at_checkpoint;
    uint32_t reserved;
} pds_run_options;

/* As pds_model_options_init: inline, sized by the caller's header. */
static inline void pds_run_options_init(pds_run_options *options)
{
    if (options) {
        pds_run_options zero = {0};
        *options = zero;
        options->struct_size = (uint32_t)sizeof *options;
    }
}

/* Method. pds_predictor_run with a run id: options (required) carries the id
 * in and out, so that the result can be fetched and the run cancelled by
 * name. Everything else is as pds_predictor_run. Additional code:
 * PDS_ERR_INVALID_ARGUMENT for an options->run_id that pds_run_id_new never
 * returned or that this predictor's previous run used. */
PDS_API pds_status pds_predictor_run_v2(pds_predictor predictor, pds_run_options *options,
                                        const pds_tensor *inputs, size_t n_inputs,
                                        pds_tensor *outputs, size_t n_outputs, pds_error *err);

/* Method. Copies the outputs of run `run_id` (which succeeded, or ended with
 * PDS_ERR_BUFFER_SIZE) into caller buffers, with the rules of
 * pds_predictor_run's outputs. If the result the predictor keeps is not that
 * run's (a later run replaced it, or that run failed or never took place on
 * this predictor), returns PDS_ERR_RESULT_GONE and writes nothing: a result
 * is never another run's. PDS_ERR_INVALID_ARGUMENT for run_id 0. Busy rules
 * as for run. */
PDS_API pds_status pds_predictor_fetch_v2(pds_predictor predictor, pds_run_id run_id,
                                          pds_tensor *outputs, size_t n_outputs, pds_error *err);

/* What a predictor did in its last run and what it holds. */
typedef struct pds_predictor_stats {
    uint32_t struct_size;    /* set by the caller: sizeof(pds_predictor_stats) */
    int32_t num_threads;     /* intra-op threads per run, after clamping */
    uint32_t fast;           /* 1 if a backend other than ref ran any step of the last
                              * run's plan; 0 otherwise (and before the first run) */
    uint32_t plans_cached;   /* shape signatures with a plan kept */
    uint64_t runs;           /* successful or not, since creation */
    uint64_t plans_built;    /* times a new input shape signature was planned */
    uint32_t steps;          /* steps of the last run's plan */
    uint32_t fast_steps;     /* of which not run by ref (by "onednn", say) */
    uint32_t conversions;    /* of which layout conversions */
    uint32_t reserved;
    uint64_t arena_bytes;    /* activation arena planned for the last run's shapes */
    uint64_t naive_bytes;    /* the same activations with one buffer each */
    uint64_t scratch_bytes;  /* kernel scratch held by the predictor */
    uint64_t weights_bytes;  /* parameters held by the model, incl. packed copies (shared) */
    /* Appended in 0.1 (older callers' structs end before it and still work): */
    char backend[32];        /* the model's primary backend, the first of its list:
                              * "onednn", or "ref" (reference kernels only) */
    /* Appended in 0.2: */
    uint64_t runs_one_thread; /* runs made with 1 thread although num_threads > 1: the
                               * adaptive thread policy's choice on a busy machine, its
                               * probes, and runs that found the library's threads busy
                               * with other runs (PDSAFE_THREAD_POLICY, docs/DESIGN.md) */
    uint32_t int8_steps;      /* of fast_steps, those running an int8 product (the
                               * quantised convolutions of a QDQ model on a CPU with
                               * VNNI; 0 with PDS_MODEL_NO_INT8) */
    uint32_t reserved2;
} pds_predictor_stats;

/* Fills *stats (the caller sets stats->struct_size first). A struct_size that
 * ends before `backend` (a caller built against an older header) is
 * accepted: only the fields it has are written, and struct_size is left as
 * the caller set it. Busy rules as for run. */
PDS_API pds_status pds_predictor_get_stats(pds_predictor predictor, pds_predictor_stats *stats,
                                           pds_error *err);

/* One step of a run, as recorded with PDS_PREDICTOR_PROFILE. */
typedef struct pds_step_profile {
    char op_type[64];     /* the operator, fused ones joined by '+' ("conv2d+batch_norm+relu");
                           * "reorder" or "copy" for the planner's own steps */
    char kernel[64];      /* the backend that ran it: "onednn:<implementation>", "ref";
                           * or "reorder", "copy" for the planner's own steps */
    int32_t op_index;     /* the operator's position in the model file */
    int32_t reserved;
    uint64_t start_ns;    /* since the start of the run's first step */
    uint64_t duration_ns;
} pds_step_profile;

/* Copies the steps of the last run into steps[0..cap) and stores their number
 * in *count (which may exceed cap: call again with a larger array). The plan's
 * steps come first; then, for a model whose later shapes depend on values an
 * operator computed (a detector's NMS and what follows it), the operators run
 * after them on the reference kernels, one step each ("ref"). *count is
 * 0 when the predictor was not created with PDS_PREDICTOR_PROFILE or has not
 * run. Busy rules as for run. */
PDS_API pds_status pds_predictor_get_profile(pds_predictor predictor, pds_step_profile *steps,
                                             size_t cap, size_t *count, pds_error *err);

/* Asks the run in progress on the predictor, whichever it is, to stop at its
 * next checkpoint; the run returns PDS_ERR_CANCELLED. Has no effect if no run
 * is in progress (a later run is not cancelled). Safe from any thread at any
 * time. A caller sharing the predictor with others uses
 * pds_predictor_cancel_run, which cannot hit someone else's run. */
PDS_API pds_status pds_predictor_cancel(pds_predictor predictor, pds_error *err);

/* Cancels run `run_id` on the predictor and no other: if it is in progress it
 * stops at its next checkpoint; if it has not started yet (its caller is
 * still on the way in, or waiting with PDS_PREDICTOR_SERIALIZE) it returns
 * PDS_ERR_CANCELLED as soon as it starts, without computing; if it has
 * finished, nothing happens. The predictor remembers the last
 * PDS_PENDING_CANCELS ids cancelled before their run started. PDS_OK in all
 * these cases; PDS_ERR_INVALID_ARGUMENT for run_id 0; the handle errors.
 * Safe from any thread at any time. */
#define PDS_PENDING_CANCELS 16
PDS_API pds_status pds_predictor_cancel_run(pds_predictor predictor, pds_run_id run_id,
                                            pds_error *err);

/* ------------------------------------------------------------------------ */
/* Library state                                                             */
/* ------------------------------------------------------------------------ */

typedef struct pds_live_objects {
    uint64_t models;     /* model objects alive (including those kept by predictors) */
    uint64_t predictors; /* predictors alive */
    uint64_t handles;    /* valid handles of any kind */
} pds_live_objects;

/* Counts of live library objects, for leak tests. Thread-safe. */
PDS_API void pds_get_live_objects(pds_live_objects *out);

/* Bytes the library holds now in its numeric buffers, over all models and
 * predictors of the process: parameters and their packed copies, activation
 * arenas, copied inputs, kernel scratch. This is the memory that grows with
 * each model and predictor (bookkeeping and what oneDNN allocates for itself
 * are not counted). Buffers are freed when their object is destroyed and
 * returned to the system at once when large, so the value goes back to what
 * it was once the objects created since are destroyed. For accounting: a
 * binding whose garbage collector does not see C memory (Go) uses it to
 * decide when to collect. Nothing is returned to free. Thread-safe,
 * lock-free; cannot fail. */
PDS_API uint64_t pds_memory_held(void);

/* What the library was built with, for version reports: "onednn X.Y.Z" (the
 * version of the oneDNN library in use) when the oneDNN fast path is compiled
 * in, "reference kernels only" otherwise. Static, never free it; the same
 * pointer on every call. Thread-safe; cannot fail. */
PDS_API const char *pds_build_info(void);

/* ------------------------------------------------------------------------ */
/* Tracing                                                                   */
/* ------------------------------------------------------------------------ */

/* A trace is a timeline of what the library did, for Perfetto
 * (https://ui.perfetto.dev) or chrome://tracing: every call below that takes
 * or makes a handle (loads, model queries, predictor create, run, fetch,
 * stats, profile, cancel, destroy: begin and end, OS thread, handle, run id,
 * status, the handle made, the start of the error message) and every step of
 * every run (op index, operator type, backend and implementation, run id),
 * all on CLOCK_MONOTONIC in nanoseconds. The calls that read only static
 * data (pds_status_name, pds_version, pds_op_get_info, ...) and the
 * pds_trace_* calls themselves are not recorded. docs/TRACING.md describes
 * the file and `pdsafe trace summarize` reads it.
 *
 * Recording is process-wide and bounded: each OS thread writes into its own
 * buffer of buffer_events events (160 bytes each), without locks; a full
 * buffer keeps its first events and counts the rest, and the output says how
 * many were dropped and where. At most max_threads threads get a buffer
 * (events of further threads are counted as dropped). Buffers are allocated
 * when a thread first records and kept until the process ends, reused by
 * later sessions, so memory stays below max_threads x buffer_events x 160
 * bytes. While no session records, each traced call costs one predictable
 * branch.
 *
 * A session starts with pds_trace_start, or when a model is loaded while the
 * environment variable PDSAFE_TRACE names a file: that load creates (empties)
 * the file and starts a session with the default bounds, and the trace is
 * written to it when the process ends through exit() or a return from main
 * (not when it dies of a signal or _exit; a Go program uses the Go package's
 * StartTrace instead, since Go exits without exit()). A process forked from
 * it keeps recording but does not write the file (its parent does). A file
 * that cannot be created fails that load with PDS_ERR_IO naming the
 * variable. Only the first load that sees the variable acts on it. */

typedef struct pds_trace_options {
    uint32_t struct_size;   /* sizeof(pds_trace_options) */
    uint32_t flags;         /* none defined yet: 0 */
    uint32_t buffer_events; /* events per thread buffer; 0 = 65536, at most 4194304 */
    uint32_t max_threads;   /* threads that get a buffer; 0 = 256, at most 4096 */
} pds_trace_options;

/* As pds_model_options_init: inline, sized by the caller's header. */
static inline void pds_trace_options_init(pds_trace_options *options)
{
    if (options) {
        pds_trace_options zero = {0};
        *options = zero;
        options->struct_size = (uint32_t)sizeof *options;
    }
}

/* Starts a trace session (options may be NULL for the defaults; copied). The
 * events of the previous session are discarded. PDS_ERR_INVALID_STATE if a
 * session is recording; PDS_ERR_INVALID_ARGUMENT for options out of range.
 * Thread-safe. */
PDS_API pds_status pds_trace_start(const pds_trace_options *options, pds_error *err);

/* Stops recording; the events stay for pds_trace_dump and pds_trace_write
 * until the next start. A call in progress when recording stops is still
 * recorded when it ends. No session: no-op. Returns PDS_OK. Thread-safe. */
PDS_API pds_status pds_trace_stop(pds_error *err);

/* Writes the trace of the current (or last) session as Chrome trace-event
 * JSON into buf[0..cap), NUL-terminated. The caller owns buf. If cap is too
 * small, returns PDS_ERR_BUFFER_SIZE (buf then holds a cut prefix); when
 * needed is not NULL it receives the size needed, NUL included, in both
 * cases. While a session records, the trace grows between two calls: allow
 * some room, or stop first. buf may be NULL with cap 0 to ask the size.
 * Thread-safe: other threads keep recording meanwhile. */
PDS_API pds_status pds_trace_dump(char *buf, size_t cap, size_t *needed, pds_error *err);

/* The same JSON, written to the file at path (created or truncated).
 * PDS_ERR_IO naming the file and the reason if it cannot be written. */
PDS_API pds_status pds_trace_write(const char *path, pds_error *err);

/* The trace's clock, CLOCK_MONOTONIC in nanoseconds, for a binding that adds
 * events of its own to the timeline (the Go package checks its runtime's
 * clock against it). Thread-safe; cannot fail. */
PDS_API uint64_t pds_trace_clock_ns(void);

/* ------------------------------------------------------------------------ */
/* Operators                                                                 */
/* ------------------------------------------------------------------------ */

/* What the library knows about one operator type, for listings (`pdsafe ops`,
 * docs/OPERATORS.md). Strings are copied into the struct (M22), NUL-terminated
 * and never cut: a list that would not fit is PDS_ERR_INTERNAL. Lists are
 * separated by single spaces and empty when there is nothing to list.
 * Fields are only ever appended; a caller built against an older header
 * passes a smaller struct_size and gets the fields it has. */
typedef struct pds_op_info {
    uint32_t struct_size;  /* set by the caller: sizeof(pds_op_info) */
    int32_t id;            /* its position in the list, 0 .. pds_op_count() - 1 (ids
                            * may change between versions: use the name) */
    uint32_t internal;     /* 1: made by the load-time passes; no model file names it */
    uint32_t reserved;
    char name[64];         /* the type as legacy programs name it: "relu", "conv2d" */
    char family[32];       /* its family: "activation", "conv", ... */
    /* Capability flags: dims_only (reads only its input's dims), unary
     * (element-wise, Out[i] = f(X[i])), binary (element-wise with
     * broadcasting), inplace (Out may share X's buffer), identity (Out = X
     * at inference, always or for some attributes), post_op (fusable into a
     * convolution or matrix product), internal, size_after_run (its outputs'
     * leading dim is known only once it ran: the outputs handed back have
     * the real size). */
    char flags[128];
    /* Slots in order: "Name" exactly one tensor, "Name?" zero or one,
     * "Name+" one or more, "Name*" zero or more. */
    char inputs[256];
    char outputs[256];
    /* Input slots whose data, not only shape, shape inference reads. */
    char data_inputs[128];
    /* The PIR ops (Paddle 3 inference.json) the loader maps onto it:
     * "pd_op.hardswish"; their in-place forms ("pd_op.relu_") too, not
     * listed. Empty: only legacy programs name it (or, internal, none). */
    char pir_ops[256];
} pds_op_info;

/* The number of operator types the library knows, internal ones included.
 * Thread-safe; cannot fail. */
PDS_API size_t pds_op_count(void);

/* Fills *info (the caller sets info->struct_size first) for operator index
 * (0 .. pds_op_count() - 1, the order of the list: by family). Returns
 * PDS_OK; PDS_ERR_INVALID_ARGUMENT for a NULL info, a struct_size smaller
 * than the first version of the struct, or an index out of range.
 * Thread-safe. */
PDS_API pds_status pds_op_get_info(size_t index, pds_op_info *info, pds_error *err);

/* ------------------------------------------------------------------------ */
/* Guard mode                                                                */
/* ------------------------------------------------------------------------ */

/* Guard mode explains misuse (docs/GUARD.md). It is off until a model or
 * predictor is created with PDS_MODEL_GUARD / PDS_PREDICTOR_GUARD, a model is
 * loaded with PDSAFE_GUARD=1, or a binding adds a note; then it stays on for
 * the process. A guarded object records its creation and destruction sites
 * (the C call stack, symbolised to function and file:line when a report is
 * made; the library's own frames left out), an origin string for each that a
 * binding may attach (the Go package attaches the goroutine's id and stack),
 * the threads that called it and its call count. Every misuse the library
 * detects while guard mode is on is an incident: its root cause (the id of
 * the table in docs/DESIGN.md, "M1".."M24"), the object, the call (function,
 * site, OS thread) and the object's creation and destruction sites; the
 * pds_error message of the failing call then ends with those sites and
 * "[guard incident N]". Memory is bounded: PDS_GUARD_MAX_INCIDENTS incidents
 * (a ring, the newest kept), PDS_GUARD_MAX_OBJECTS records (the oldest
 * destroyed ones are dropped first; objects created while every record is
 * live are not tracked), PDS_GUARD_MAX_SITES distinct call stacks and
 * PDS_GUARD_ORIGIN_BYTES of origin text; what does not fit is counted in the
 * report. */
#define PDS_GUARD_MAX_INCIDENTS 256
#define PDS_GUARD_MAX_OBJECTS 4096
#define PDS_GUARD_MAX_SITES 4096
#define PDS_GUARD_ORIGIN_BYTES (1u << 20)

/* What a pds_guard_note tells. Values are only ever appended. */
typedef enum pds_guard_event {
    PDS_GUARD_CREATED = 1,   /* the binding created object `object` */
    PDS_GUARD_DESTROYED = 2, /* the binding destroyed it */
    PDS_GUARD_INCIDENT = 3,  /* the binding detected a misuse of it */
    PDS_GUARD_ORIGIN = 4     /* attach `origin` to an event already recorded:
                              * of_event CREATED or DESTROYED of `object`, or
                              * INCIDENT number `incident` */
} pds_guard_event;

/* Leave out of the recorded C site every frame of the library (shared object)
 * that called pds_guard_note_add: a binding library (libpaddle_inference_c)
 * reports the site of its own caller. */
#define PDS_GUARD_NOTE_SKIP_CALLER_OBJECT 1u
/* Record no C call stack for this note (the origin says it all: a Go call). */
#define PDS_GUARD_NOTE_NO_BACKTRACE 2u

/* A binding's note to guard mode. Initialise with pds_guard_note_init. Every
 * string is copied during pds_guard_note_add; nothing is kept. */
typedef struct pds_guard_note {
    uint32_t struct_size;  /* sizeof(pds_guard_note) */
    uint32_t event;        /* pds_guard_event */
    uint64_t object;       /* a pds_model / pds_predictor handle, or the
                            * binding's own non-zero 64-bit id for its object */
    const char *kind;      /* the binding object's type name ("PD_Predictor",
                            * at most 31 bytes kept); NULL for a pds handle */
    const char *function;  /* the call the note is about ("PD_PredictorRun",
                            * "Predictor.Run"; at most 63 bytes kept) */
    const char *origin;    /* optional text (origin_length bytes, at most
                            * 16 KiB kept): who made the call, e.g. a Go stack */
    size_t origin_length;
    const char *message;   /* PDS_GUARD_INCIDENT: what was wrong (NUL-terminated,
                            * at most 511 bytes kept) */
    uint32_t root_cause;   /* PDS_GUARD_INCIDENT: 1..24, the M-number */
    uint32_t of_event;     /* PDS_GUARD_ORIGIN: CREATED, DESTROYED or INCIDENT */
    uint64_t incident;     /* PDS_GUARD_INCIDENT: receives the incident number;
                            * PDS_GUARD_ORIGIN of an INCIDENT: its number */
    uint32_t flags;        /* PDS_GUARD_NOTE_* */
    uint32_t reserved;
} pds_guard_note;

/* As pds_model_options_init: inline, sized by the caller's header. */
static inline void pds_guard_note_init(pds_guard_note *note)
{
    if (note) {
        pds_guard_note zero = {0};
        *note = zero;
        note->struct_size = (uint32_t)sizeof *note;
    }
}

/* Reports whether guard mode is on (*on = 1) or off (0), reading
 * PDSAFE_GUARD first: "1" turns it on as a load would. PDS_ERR_INVALID_ARGUMENT
 * for another value of PDSAFE_GUARD (naming it) or a NULL on. Thread-safe. */
PDS_API pds_status pds_guard_enabled(int *on, pds_error *err);

/* Adds a binding's note (turning guard mode on). PDS_OK;
 * PDS_ERR_INVALID_ARGUMENT for a NULL note, a struct_size too small, an
 * unknown event, object 0, a root_cause outside 1..24, or an ORIGIN naming an
 * incident no longer kept (PDS_ERR_RESULT_GONE) or an object not tracked.
 * Thread-safe. */
PDS_API pds_status pds_guard_note_add(pds_guard_note *note, pds_error *err);

/* Copies into buf the one-paragraph description guard mode has of object
 * (a handle or a binding's id): its kind, creation site and origin,
 * destruction site and origin, calls and threads; NUL-terminated. With
 * needed, the size needed (NUL included). PDS_ERR_BUFFER_SIZE if cap is too
 * small; PDS_ERR_INVALID_STATE if the object is not tracked. Thread-safe. */
PDS_API pds_status pds_guard_describe(uint64_t object, char *buf, size_t cap, size_t *needed,
                                      pds_error *err);

/* Report formats. */
#define PDS_GUARD_REPORT_TEXT 1u
#define PDS_GUARD_REPORT_JSON 2u

/* Copies guard mode's report into buf, NUL-terminated: the incidents kept
 * (oldest first), every tracked object with its sites, the objects alive now
 * (leaks, if the program is about to exit), the interned sites and what the
 * bounds dropped. JSON's schema is in docs/GUARD.md (`pdsafe report` renders
 * it as a web page). With needed, the size needed, NUL included (also on
 * success). PDS_ERR_BUFFER_SIZE if cap is too small (the report may grow
 * between two calls: retry with room to spare); PDS_ERR_INVALID_ARGUMENT for
 * an unknown format or a NULL buf with cap > 0. The report is made under the
 * guard's lock, symbolising new sites (the first report of a process reads
 * debug information and may take a while). Thread-safe. */
PDS_API pds_status pds_guard_report(uint32_t format, char *buf, size_t cap, size_t *needed,
                                    pds_error *err);

#ifdef __cplusplus
}
#endif
#endif /* PDSAFE_H */
