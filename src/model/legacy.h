/*
 * legacy.h — pieces of the legacy ProgramDesc loader that are internal to
 * src/model/ but worth testing on their own: the dtype mapping and the
 * conversion of an OpDesc's attributes into pdsi_attr records.
 */
#ifndef PDSI_MODEL_LEGACY_H
#define PDSI_MODEL_LEGACY_H

#include <stdint.h>

#include "ops/attr.h"
#include "proto/framework.pb-c.h"

/* pds_dtype of a VarType.Type data type; PDS_DTYPE_UNKNOWN for anything
 * pdsafe does not hold (complex, fp8, uint32/64, non-tensor types). */
pds_dtype pdsi_legacy_dtype(int vartype);

/* Name of a VarType.Type value ("FP32", "LOD_TENSOR"), or "unknown". */
const char *pdsi_legacy_vartype_name(int vartype);

/* An OpDesc's attributes as pdsi_attr records. Strings point into the
 * OpDesc; the list arrays are owned here. */
typedef struct pdsi_legacy_attrs {
    pdsi_attr *a;
    int n;
    int64_t *ints;
    double *floats;
} pdsi_legacy_attrs;

/* Converts op's attributes: INT, LONG -> INT; FLOAT, FLOAT64 -> FLOAT;
 * BOOLEAN -> BOOL; STRING; INTS, LONGS, BOOLEANS -> INTS; FLOATS, FLOAT64S ->
 * FLOATS; STRINGS; anything else (blocks, vars, scalars) -> OTHER. A missing
 * attribute name or type is PDS_ERR_MODEL_FORMAT naming prog_name and the op
 * index. On success the caller frees out with pdsi_legacy_attrs_free. */
pds_status pdsi_legacy_convert_attrs(const Pdsafe__Paddle__OpDesc *op, int32_t index,
                                     const char *prog_name, pdsi_legacy_attrs *out,
                                     pds_error *err);
void pdsi_legacy_attrs_free(pdsi_legacy_attrs *a);

#endif
