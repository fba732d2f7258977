/*
 * unsupported.h — the operator types of a program that pdsafe does not
 * support, gathered over the whole program before anything is built, so that
 * a load fails with one error naming them all (each with its count and its
 * first position) instead of stopping at the first.
 *
 * Both loaders scan their program's ops with it; the full list is kept on
 * the graph (pdsi_graph.unsupported) for pds_model_check_files, while the
 * error message holds as many entries as fit and says how many more there are.
 */
#ifndef PDSI_MODEL_UNSUPPORTED_H
#define PDSI_MODEL_UNSUPPORTED_H

#include <stddef.h>
#include <stdint.h>

#include "graph/graph.h"

typedef struct pdsi_unsupported_entry {
    char *type;
    int64_t count;
    int32_t first; /* op index of the first occurrence */
} pdsi_unsupported_entry;

typedef struct pdsi_unsupported {
    pdsi_unsupported_entry *e; /* in order of first occurrence */
    size_t n, cap;
} pdsi_unsupported;

/* Counts one op of type `type` at op index `index`. false when out of memory. */
bool pdsi_unsupported_add(pdsi_unsupported *u, const char *type, int32_t index);

void pdsi_unsupported_free(pdsi_unsupported *u);

/* The list as text, "N operator types are not supported: a (2, first at op
 * 17), b (1, op 40)", into buf (cap bytes, NUL-terminated). With bounded
 * set, entries that do not fit are left out and the text ends in ", and K
 * more"; otherwise the text is complete. Returns the length of the whole
 * text (as snprintf does). */
size_t pdsi_unsupported_format(const pdsi_unsupported *u, bool bounded, char *buf, size_t cap);

/* When u lists anything: stores the full list on g (g->unsupported) and fails
 * with PDS_ERR_UNSUPPORTED_OP, "<prog>: <the bounded list>". PDS_OK when u is
 * empty. */
pds_status pdsi_unsupported_fail(const pdsi_unsupported *u, const char *prog, pdsi_graph *g,
                                 pds_error *err);

#endif
