/*
 * tensor.c — checked shape arithmetic, tensor buffers and dtype tables.
 */
#define _DEFAULT_SOURCE /* MAP_ANONYMOUS */
#include "core/tensor.h"

#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#if defined(__SANITIZE_ADDRESS__)
#define PDSI_BUFFER_CHECKED 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define PDSI_BUFFER_CHECKED 1
#endif
#endif
#ifdef PDSI_BUFFER_CHECKED
#include <malloc.h>
#include <sanitizer/asan_interface.h>
#endif

size_t pds_dtype_size(pds_dtype dtype)
{
    switch (dtype) {
    case PDS_FLOAT32: return 4;
    case PDS_INT64: return 8;
    case PDS_INT32: return 4;
    case PDS_UINT8: return 1;
    case PDS_INT8: return 1;
    case PDS_BOOL: return 1;
    case PDS_FLOAT64: return 8;
    case PDS_FLOAT16: return 2;
    case PDS_INT16: return 2;
    case PDS_BFLOAT16: return 2;
    case PDS_DTYPE_UNKNOWN: return 0;
    }
    return 0;
}

const char *pds_dtype_name(pds_dtype dtype)
{
    switch (dtype) {
    case PDS_FLOAT32: return "float32";
    case PDS_INT64: return "int64";
    case PDS_INT32: return "int32";
    case PDS_UINT8: return "uint8";
    case PDS_INT8: return "int8";
    case PDS_BOOL: return "bool";
    case PDS_FLOAT64: return "float64";
    case PDS_FLOAT16: return "float16";
    case PDS_INT16: return "int16";
    case PDS_BFLOAT16: return "bfloat16";
    case PDS_DTYPE_UNKNOWN: return "unknown";
    }
    return "unknown";
}

bool pdsi_dtype_is_int(pds_dtype dtype)
{
    return dtype == PDS_INT64 || dtype == PDS_INT32 || dtype == PDS_UINT8 || dtype == PDS_INT8 ||
           dtype == PDS_BOOL || dtype == PDS_INT16;
}

bool pdsi_shape_numel(const int64_t *dims, int rank, int64_t *numel)
{
    int64_t n = 1;
    if (rank < 0 || rank > PDSI_MAX_RANK)
        return false;
    for (int i = 0; i < rank; i++) {
        if (dims[i] < 0)
            return false;
        if (dims[i] != 0 && n > INT64_MAX / dims[i])
            return false;
        n *= dims[i];
    }
    *numel = n;
    return true;
}

int64_t pdsi_tensor_numel(const pdsi_tensor *t)
{
    int64_t n = 1;
    for (int i = 0; i < t->rank; i++)
        n *= t->dims[i];
    return n;
}

bool pdsi_bytes_of(pds_dtype dtype, int64_t numel, size_t *bytes)
{
    size_t es = pds_dtype_size(dtype);
    if (es == 0 || numel < 0 || (uint64_t)numel > SIZE_MAX / es)
        return false;
    *bytes = (size_t)numel * es;
    return true;
}

size_t pdsi_tensor_bytes(const pdsi_tensor *t)
{
    return (size_t)pdsi_tensor_numel(t) * pds_dtype_size(t->dtype);
}

void pdsi_tensor_set_shape(pdsi_tensor *t, pds_dtype dtype, int rank, const int64_t *dims)
{
    t->dtype = dtype;
    t->rank = rank;
    for (int i = 0; i < rank; i++)
        t->dims[i] = dims[i];
    for (int i = rank; i < PDSI_MAX_RANK; i++)
        t->dims[i] = 0;
}

bool pdsi_tensor_reserve(pdsi_tensor *t)
{
    int64_t numel;
    size_t need;
    /* Callers check shapes first; this guard makes a missed check an
     * allocation failure instead of a short buffer. */
    if (!pdsi_shape_numel(t->dims, t->rank, &numel))
        return false;
    if (numel == 0)
        need = 0; /* an empty tensor of any (even unset) dtype */
    else if (!pdsi_bytes_of(t->dtype, numel, &need) || need > SIZE_MAX - 64)
        return false;
    if (need == 0)
        need = 1; /* keep data non-NULL so kernels never see NULL */
    if (t->cap >= need && t->data)
        return true;
    if (t->cap) /* cap 0: the data, if any, is borrowed */
        pdsi_buffer_free(t->data, t->cap);
    t->data = pdsi_buffer_alloc(need, &t->cap);
    return t->data != NULL;
}

/* ---- numeric buffers ---------------------------------------------------------
 *
 * Why large buffers are mappings of their own: glibc keeps freed memory. Its
 * threshold for mapping an allocation starts at 128 KiB but rises to the size
 * of every mapped block freed (up to 32 MiB), so once the first model has
 * been freed, weights come from the heap or from per-thread arenas (the
 * loader and the packers run on several threads), where a freed model's
 * pages stay with the process for as long as anything above them lives.
 * Measured from Go: after 1000 models dropped without Close had all been
 * freed, the process stayed 660 to 890 MiB above its start. A mapping goes
 * back to the system (munmap) the moment it is freed, whatever else is
 * alive.
 *
 * The threshold is glibc's own starting one, 128 KiB, made fixed: below it
 * the page rounding of a mapping would waste a noticeable share (at 128 KiB
 * at most 4 KiB, 3 %; a 1 KiB bias would take a whole page) and tensors that
 * small are many (biases, batch norm vectors, shape tensors); above it the
 * cost of the system call and of the zeroed pages is small next to the work
 * that fills the buffer, and these buffers are allocated at load and when a
 * predictor meets a new shape, not per run. The small ones are what
 * malloc_trim gives back when a model is released (runtime/model.c).
 *
 * In AddressSanitizer builds every buffer comes from malloc instead, so that
 * overflows, use after free and leaks stay visible; it is handed out 64
 * bytes (poisoned) past the start of its block, so that free() on it is
 * reported as a free of a pointer malloc never returned, and
 * pdsi_buffer_free checks the cap against the block's size. */

static atomic_ullong held_bytes;

uint64_t pdsi_buffer_held(void)
{
    return atomic_load_explicit(&held_bytes, memory_order_relaxed);
}

#ifndef PDSI_BUFFER_CHECKED
static size_t page_round(size_t n)
{
    size_t page = (size_t)sysconf(_SC_PAGESIZE);
    return (n + page - 1) / page * page;
}
#endif

void *pdsi_buffer_alloc(size_t bytes, size_t *cap)
{
    *cap = 0;
    if (bytes > SIZE_MAX / 2) /* leaves room for every rounding below */
        return NULL;
    /* 64-byte alignment for vector kernels; C11 wants the size a multiple. */
    size_t sz = bytes ? (bytes + 63) & ~(size_t)63 : 64;
    void *p;
#ifdef PDSI_BUFFER_CHECKED
    char *block = aligned_alloc(64, sz + 64);
    p = block ? block + 64 : NULL;
    if (block)
        __asan_poison_memory_region(block, 64);
#else
    if (sz >= PDSI_BUFFER_MAP_MIN) {
        p = mmap(NULL, page_round(sz), PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1,
                 0);
        if (p == MAP_FAILED)
            p = NULL;
    } else {
        p = aligned_alloc(64, sz);
    }
#endif
    if (!p)
        return NULL;
    atomic_fetch_add_explicit(&held_bytes, sz, memory_order_relaxed);
    *cap = sz;
    return p;
}

void pdsi_buffer_free(void *p, size_t cap)
{
    if (!p)
        return;
    atomic_fetch_sub_explicit(&held_bytes, cap, memory_order_relaxed);
#ifdef PDSI_BUFFER_CHECKED
    char *block = (char *)p - 64;
    size_t have = malloc_usable_size(block); /* ASan reports a block it did not hand out */
    __asan_unpoison_memory_region(block, 64);
    if (have != cap + 64) {
        fprintf(stderr, "pdsafe: internal error: pdsi_buffer_free(%p, cap %zu): the buffer's "
                        "cap is %zu (expected the cap pdsi_buffer_alloc returned)\n",
                p, cap, have - 64);
        abort();
    }
    free(block);
#else
    if (cap >= PDSI_BUFFER_MAP_MIN)
        munmap(p, page_round(cap));
    else
        free(p);
#endif
}

bool pdsi_tensor_shrink_rows(pdsi_tensor *t, int64_t rows)
{
    if (t->rank < 1 || rows < 0 || rows > t->dims[0])
        return false;
    t->dims[0] = rows;
    return true;
}

void pdsi_tensor_release(pdsi_tensor *t)
{
    if (t->cap)
        pdsi_buffer_free(t->data, t->cap);
    memset(t, 0, sizeof *t);
}

const char *pdsi_dims_str(const int64_t *dims, int rank, char *buf, size_t cap)
{
    size_t n = 0;
    if (cap == 0)
        return buf;
    buf[0] = '\0';
    n += (size_t)snprintf(buf + n, cap - n, "[");
    for (int i = 0; i < rank && n < cap; i++)
        n += (size_t)snprintf(buf + n, cap - n, i ? ",%lld" : "%lld", (long long)dims[i]);
    if (n < cap)
        snprintf(buf + n, cap - n, "]");
    return buf;
}

int64_t pdsi_tensor_get_i64(const pdsi_tensor *t, int64_t i)
{
    switch (t->dtype) {
    case PDS_INT64: return ((const int64_t *)t->data)[i];
    case PDS_INT32: return ((const int32_t *)t->data)[i];
    case PDS_INT16: return ((const int16_t *)t->data)[i];
    case PDS_INT8: return ((const int8_t *)t->data)[i];
    case PDS_UINT8:
    case PDS_BOOL: return ((const uint8_t *)t->data)[i];
    case PDS_FLOAT32: return (int64_t)((const float *)t->data)[i];
    case PDS_FLOAT64: return (int64_t)((const double *)t->data)[i];
    default: return 0;
    }
}

double pdsi_tensor_get_f64(const pdsi_tensor *t, int64_t i)
{
    switch (t->dtype) {
    case PDS_FLOAT32: return ((const float *)t->data)[i];
    case PDS_FLOAT64: return ((const double *)t->data)[i];
    default: return (double)pdsi_tensor_get_i64(t, i);
    }
}
