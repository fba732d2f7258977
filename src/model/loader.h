/*
 * loader.h — turning model files into a pdsi_graph.
 *
 * The loaders know file formats and nothing about kernels: they declare
 * values, add operators by their Paddle type and slot names, attach parameter
 * data and name inputs and outputs (graph.h). Every length and count read from
 * a file is checked against the bytes that remain before anything is
 * allocated, and every failure names the file, the byte offset (where the
 * format has one) and what was expected (DESIGN M19).
 */
#ifndef PDSI_MODEL_LOADER_H
#define PDSI_MODEL_LOADER_H

#include <stddef.h>
#include <stdint.h>

#include "graph/graph.h"

/* Where parameter data comes from. */
typedef struct pdsi_param_source {
    /* A combined .pdiparams: its bytes in memory (combined), or an open file
     * (combined_fd >= 0) read record by record straight into the tensors, so
     * that the weights are never held twice. */
    const uint8_t *combined;
    bool combined_file; /* the combined records are in file combined_fd */
    int combined_fd;
    size_t combined_len;
    const char *combined_name; /* for messages, e.g. the path or "<params buffer>" */
    const char *dir;           /* non-NULL: one file per parameter in this directory */
    /* No parameter file was given and none was found: the paths looked for,
     * quoted, for the message of a program that needs parameters (or NULL). */
    const char *looked_for;
} pdsi_param_source;

/* Loads a model from files (see pds_model_load_files for the path rules) into
 * g, which the caller has initialised with pdsi_graph_init. On failure g may
 * hold a partial graph; the caller frees it. */
pds_status pdsi_load_files(const char *model_path, const char *params_path, pdsi_graph *g,
                           pds_error *err);

/* Loads a model from memory into g (see pds_model_load_buffers). */
pds_status pdsi_load_buffers(const uint8_t *model, size_t model_len, const uint8_t *params,
                             size_t params_len, pdsi_graph *g, pds_error *err);

/* The legacy ProgramDesc loader proper. prog_name names the program in
 * messages. */
pds_status pdsi_load_legacy(const uint8_t *prog, size_t prog_len, const char *prog_name,
                            const pdsi_param_source *params, pdsi_graph *g, pds_error *err);

/* Reads a whole regular file, refusing files larger than max_bytes
 * (PDS_ERR_LIMIT). *data is malloc'ed; the caller frees it. */
pds_status pdsi_read_file(const char *path, uint64_t max_bytes, uint8_t **data, size_t *len,
                          pds_error *err);

/* Opens a regular file for reading (close(*fd) when done) and gives its size,
 * refusing directories, devices, FIFOs (without blocking on them) and files
 * larger than max_bytes (PDS_ERR_LIMIT). */
pds_status pdsi_open_file(const char *path, uint64_t max_bytes, int *fd, size_t *len,
                          pds_error *err);

/* Reads exactly n bytes at offset of fd (path names it in messages); a file
 * that ends early (it shrank since it was opened) is PDS_ERR_IO. */
pds_status pdsi_read_at(int fd, const char *path, size_t offset, void *dst, size_t n,
                        pds_error *err);

#endif
