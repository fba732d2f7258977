/*
 * records.h — the parameter reader shared by the legacy and the PIR loader
 * (internal to src/model/).
 *
 * Both program formats keep their weights in the same place: a .pdiparams
 * file that concatenates one dense-tensor record per persistable parameter,
 * sorted by name (byte-wise), or one such record per file in a directory
 * (docs/FORMATS.md §2). A loader lists its parameters with what the program
 * declares of each; this reader sorts the list, walks the records, checks each
 * against its declaration and the limits, and attaches the data to the graph
 * values. Every length is checked against the bytes that remain before it is
 * used, and every failure names the file, the byte offset and the parameter
 * (DESIGN M19).
 */
#ifndef PDSI_MODEL_RECORDS_H
#define PDSI_MODEL_RECORDS_H

#include <stddef.h>
#include <stdint.h>

#include "model/loader.h"

/* One parameter as the program declares it. */
typedef struct pdsi_param_ref {
    const char *name;   /* the sort key and, per file, the file name; not copied */
    int32_t value;      /* graph value that receives the data */
    int vartype;        /* declared VarType.Type data type, -1 if undeclared */
    int rank;           /* declared rank, -1 if undeclared */
    int64_t dims[PDSI_MAX_RANK]; /* declared dims, -1 = any */
    /* Non-NULL when the program declares something other than a dense tensor:
     * the name of what it declares (e.g. "SELECTED_ROWS"); reading that
     * parameter fails with this name in the message. */
    const char *not_dense;
} pdsi_param_ref;

/* Reads the n parameters of list (which is sorted here, by name) from src
 * into g. prog names the program in messages. With n == 0, a combined buffer
 * must be empty. A missing source with n > 0 is PDS_ERR_INVALID_ARGUMENT;
 * anything wrong in the records is PDS_ERR_MODEL_FORMAT or PDS_ERR_LIMIT, and
 * a parameter file that cannot be read is PDS_ERR_IO. */
pds_status pdsi_params_read(pdsi_param_ref *list, size_t n, const char *prog,
                            const pdsi_param_source *src, pdsi_graph *g, pds_error *err);

/* VarType.Type number of a dtype (FP32 = 5 ...), -1 for PDS_DTYPE_UNKNOWN. */
int pdsi_vartype_of(pds_dtype dtype);

#endif
