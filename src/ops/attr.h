/*
 * attr.h — operator attributes as the loaders hand them over, and typed
 * accessors for parsing them into an operator's parameter struct.
 *
 * Attributes are borrowed: they live only while pdsi_graph_add_op runs, so a
 * parse function copies what it needs into its flat params struct. Accessors
 * return PDS_ERR_MODEL_FORMAT with the attribute's name and what was expected
 * when a present attribute has the wrong type or too many entries; absent
 * attributes take the given default.
 *
 * Loaders fill them; opdefs (ops/) parse with them; both sit above this file.
 */
#ifndef PDSI_OPS_ATTR_H
#define PDSI_OPS_ATTR_H

#include <stdbool.h>
#include <stdint.h>

#include "core/error.h"

typedef enum pdsi_attr_type {
    PDSI_ATTR_INT,     /* i (legacy INT, LONG) */
    PDSI_ATTR_FLOAT,   /* f (legacy FLOAT, FLOAT64) */
    PDSI_ATTR_BOOL,    /* i = 0/1 */
    PDSI_ATTR_STRING,  /* s */
    PDSI_ATTR_INTS,    /* n, ints (INTS, LONGS, BOOLEANS) */
    PDSI_ATTR_FLOATS,  /* n, floats (FLOATS, FLOAT64S) */
    PDSI_ATTR_STRINGS, /* n, strs */
    PDSI_ATTR_OTHER    /* blocks, vars, scalars: not interpreted */
} pdsi_attr_type;

typedef struct pdsi_attr {
    const char *name;
    pdsi_attr_type type;
    int64_t i;
    double f;
    const char *s;
    int64_t n;
    const int64_t *ints;
    const double *floats;
    const char *const *strs;
} pdsi_attr;

typedef struct pdsi_attrs {
    const pdsi_attr *a;
    int n;
    /* NULL (the loaders), or a mask that records which attributes a parse
     * function looked up: every lookup that finds a[i], i < 64, sets bit i.
     * tests/test_pir_mapping.c uses it to hold the PIR mapping table to what
     * each opdef's parser reads. */
    uint64_t *read;
} pdsi_attrs;

/* Most entries any list attribute may have when parsed into a params struct. */
#define PDSI_MAX_ATTR_LIST 64

const pdsi_attr *pdsi_attr_find(const pdsi_attrs *attrs, const char *name);

pds_status pdsi_attr_int(const pdsi_attrs *attrs, const char *name, int64_t dflt, int64_t *out,
                         pds_error *err);
pds_status pdsi_attr_float(const pdsi_attrs *attrs, const char *name, double dflt, double *out,
                           pds_error *err);
pds_status pdsi_attr_bool(const pdsi_attrs *attrs, const char *name, bool dflt, bool *out,
                          pds_error *err);
/* *out points into the attribute (valid during parse only) or is dflt. */
pds_status pdsi_attr_string(const pdsi_attrs *attrs, const char *name, const char *dflt,
                            const char **out, pds_error *err);
/* Copies up to cap entries; a longer list is PDS_ERR_MODEL_FORMAT. Absent: *n = 0.
 * A scalar INT attribute is accepted as a one-entry list. */
pds_status pdsi_attr_ints(const pdsi_attrs *attrs, const char *name, int64_t *buf, int cap,
                          int *n, pds_error *err);
pds_status pdsi_attr_floats(const pdsi_attrs *attrs, const char *name, double *buf, int cap,
                            int *n, pds_error *err);

/* A list attribute of exactly two integers, each in [lo, hi] (an (h, w) pair
 * such as strides). Absent: *present = false and out is untouched. */
pds_status pdsi_attr_int_pair(const pdsi_attrs *attrs, const char *name, int64_t lo, int64_t hi,
                              int64_t out[2], bool *present, pds_error *err);

/* 2-D paddings as Paddle writes them: absent (all 0), [pad_h, pad_w] or
 * [top, bottom, left, right], each in [0, hi]; out is [top, bottom, left, right]. */
pds_status pdsi_attr_pads2d(const pdsi_attrs *attrs, const char *name, int64_t hi,
                            int64_t out[4], pds_error *err);

#endif
