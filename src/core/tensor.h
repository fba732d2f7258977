/*
 * tensor.h — the library's dense tensor and the arithmetic on shapes.
 *
 * A pdsi_tensor is a row-major buffer with a dtype and a shape. It either owns
 * its buffer (cap > 0, grown with pdsi_tensor_reserve) or borrows an immutable
 * one (a model parameter shared by all predictors; cap == 0). Kernels see only
 * tensors; they know nothing of files, graphs or handles.
 *
 * All element-count and byte-size arithmetic goes through the checked helpers
 * here, so that a hostile shape cannot overflow (DESIGN M11, M19).
 */
#ifndef PDSI_CORE_TENSOR_H
#define PDSI_CORE_TENSOR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "pdsafe.h"

#define PDSI_MAX_RANK PDS_MAX_RANK

typedef struct pdsi_tensor {
    pds_dtype dtype;
    int rank;
    int64_t dims[PDSI_MAX_RANK];
    void *data;
    size_t cap; /* bytes owned at data; 0 if data is borrowed or NULL */
} pdsi_tensor;

/* Element count of dims[0..rank); false on negative dims or overflow. A rank-0
 * tensor has one element. */
bool pdsi_shape_numel(const int64_t *dims, int rank, int64_t *numel);

/* Element count of a tensor whose shape is already validated (>= 0 dims). */
int64_t pdsi_tensor_numel(const pdsi_tensor *t);

/* Bytes of a tensor whose shape is already validated. */
size_t pdsi_tensor_bytes(const pdsi_tensor *t);

/* numel * dtype size, false on overflow or unknown dtype. */
bool pdsi_bytes_of(pds_dtype dtype, int64_t numel, size_t *bytes);

/* Sets dtype and shape (rank <= PDSI_MAX_RANK, caller-checked). */
void pdsi_tensor_set_shape(pdsi_tensor *t, pds_dtype dtype, int rank, const int64_t *dims);

/* The allocator of numeric buffers (tensor data, packed weights, arenas,
 * kernel scratch): 64-byte aligned, size rounded up to 64 (*cap receives
 * it; 0 bytes get 64). NULL on failure. Free with pdsi_buffer_free and that
 * cap, never with free(): buffers of PDSI_BUFFER_MAP_MIN bytes or more are
 * page mappings of their own, so that freeing one gives its memory back to
 * the system at once (see tensor.c). Transparent huge pages (madvise) were
 * measured here on ResNet50: for every buffer, load -20 ms and runs -2 % most
 * of the time, but the kernel's compaction stalled two loads in seven by
 * ~100 ms; for arenas only, no measurable gain. Not used. */
void *pdsi_buffer_alloc(size_t bytes, size_t *cap);

/* Frees a buffer of pdsi_buffer_alloc; cap is what it stored in *cap. NULL
 * is a no-op. In AddressSanitizer builds a wrong cap, a pointer from
 * anywhere else, or free() on one of these buffers stops the process with a
 * report (a library bug, never the caller's). */
void pdsi_buffer_free(void *p, size_t cap);

/* Buffers of this many bytes or more are page mappings (tensor.c says why
 * this size). */
#define PDSI_BUFFER_MAP_MIN ((size_t)128 << 10)

/* Bytes (caps) of the buffers of pdsi_buffer_alloc not yet freed, library
 * wide (pds_memory_held). */
uint64_t pdsi_buffer_held(void);

/* Makes sure an owning tensor has room for its current shape. Returns false on
 * allocation failure or an invalid or overflowing shape. Never shrinks;
 * contents are not preserved. */
bool pdsi_tensor_reserve(pdsi_tensor *t);

/* Lowers dim 0 of a tensor of rank >= 1 to rows, keeping its data (the
 * first rows rows of a row-major buffer stay where they are): how a kernel
 * whose output size is known only once it ran (PDSI_OPF_SIZE_AFTER_RUN)
 * reports it. False, and nothing changed, if rows is negative, above dim 0,
 * or the tensor has rank 0. */
bool pdsi_tensor_shrink_rows(pdsi_tensor *t, int64_t rows);

/* Frees an owned buffer and zeroes the tensor. */
void pdsi_tensor_release(pdsi_tensor *t);

/* Formats "[1,3,-1,224]" into buf; returns buf. */
const char *pdsi_dims_str(const int64_t *dims, int rank, char *buf, size_t cap);

/* Reads element i of an integer or float tensor as int64 / double (for small
 * shape tensors, attribute tensors and tests). */
int64_t pdsi_tensor_get_i64(const pdsi_tensor *t, int64_t i);
double pdsi_tensor_get_f64(const pdsi_tensor *t, int64_t i);

/* True for dtypes whose values are integers (incl. bool). */
bool pdsi_dtype_is_int(pds_dtype dtype);

#endif
