/*
 * pir.h — the Paddle 3 PIR program loader (internal to src/model/).
 *
 * Paddle 3.x writes inference programs as PIR serialized to JSON
 * (inference.json) next to the same .pdiparams records as before. pir.c reads
 * that JSON with jansson and maps every PIR operator onto the legacy operator
 * definitions of src/graph/ (pd_op.add -> elementwise_add with axis -1,
 * pd_op.reshape -> reshape2, mutable attributes given as pd_op.full /
 * pd_op.full_int_array operands -> attributes or tensor slots ...), so the
 * rest of the engine does not know which format a model came from.
 * Format: docs/FORMATS.md §3.
 */
#ifndef PDSI_MODEL_PIR_H
#define PDSI_MODEL_PIR_H

#include <stddef.h>
#include <stdint.h>

#include "model/loader.h"

/* PIR serialization versions (base_code.version) this loader reads: 1 is
 * what Paddle 3.0 writes, 4 what Paddle 3.3 writes. The patches between them
 * (Paddle's serialize_deserialize/patch/2..4.yaml) only change the numeric
 * attribute types of some operators, and every number is read whatever its
 * attribute type. Version 0 is what unreleased development builds write. */
#define PDSI_PIR_VERSION_MIN 1
#define PDSI_PIR_VERSION_MAX 4

/* Deepest JSON nesting accepted (Paddle's files nest 15 deep), and JSON values
 * (scalars, arrays, objects) allowed per operator that max_ops allows; both
 * are checked by a scan of the raw bytes before the parser allocates anything.
 * Paddle's files have about 50 values per operator. */
#define PDSI_PIR_MAX_DEPTH 64
#define PDSI_PIR_VALUES_PER_OP 256

/* Loads a PIR JSON program (prog, prog_len bytes; prog_name names it in
 * messages) and its parameters into g. Failures: PDS_ERR_MODEL_FORMAT (with
 * the JSON parser's line and column, or the JSON path and op index),
 * PDS_ERR_UNSUPPORTED_OP (naming the op and its index), PDS_ERR_LIMIT,
 * PDS_ERR_INVALID_ARGUMENT (parameters but no parameter source),
 * PDS_ERR_IO, PDS_ERR_OUT_OF_MEMORY. */
pds_status pdsi_load_pir(const uint8_t *prog, size_t prog_len, const char *prog_name,
                         const pdsi_param_source *params, pdsi_graph *g, pds_error *err);

/* What a program buffer holds, decided from its bytes; name_hint (a file
 * name, may be NULL) only breaks ties: a file named *.json that is neither
 * JSON nor a protobuf program is reported as a broken PIR program. */
typedef enum pdsi_program_kind {
    PDSI_PROGRAM_LEGACY = 1,
    PDSI_PROGRAM_PIR_JSON = 2
} pdsi_program_kind;

pdsi_program_kind pdsi_program_sniff(const uint8_t *prog, size_t len, const char *name_hint);

#endif
