/*
 * npy.h — reading and writing NumPy .npy files (format versions 1.0-3.0,
 * little-endian, C order) for the CLI and the tests. Not part of the library.
 */
#ifndef PDSAFE_NPY_H
#define PDSAFE_NPY_H

#include <stddef.h>
#include <stdint.h>

#include "pdsafe.h"

typedef struct npy_array {
    pds_dtype dtype;
    int rank;
    int64_t dims[PDS_MAX_RANK];
    void *data;        /* malloc'ed; free with npy_free */
    size_t byte_length;
} npy_array;

/* Reads path into *out. Returns 0, or -1 with a message in msg. Accepts
 * float32, float64, int64, int32, int16, int8, uint8 and bool. */
int npy_read(const char *path, npy_array *out, char *msg, size_t msg_cap);

/* Writes data as an .npy file. Returns 0, or -1 with a message in msg. */
int npy_write(const char *path, pds_dtype dtype, int rank, const int64_t *dims,
              const void *data, char *msg, size_t msg_cap);

void npy_free(npy_array *a);

#endif
