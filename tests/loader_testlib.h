/*
 * loader_testlib.h — what the model loader tests (test_model_legacy.c,
 * test_model_pir.c) share: a byte buffer to write files with, temporary
 * directories, loading from exact-size copies (so ASan sees any read past the
 * end), and the two hostile-input sweeps of DESIGN M19: a program or
 * parameter file cut at every offset, and random byte flips, which must only
 * ever end in a documented status with a message.
 */
#ifndef PDST_LOADER_TESTLIB_H
#define PDST_LOADER_TESTLIB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "graph/graph.h"
#include "pdsafe.h"

/* A growing byte buffer; {0} is empty, free(b.p) when done. */
typedef struct pdst_bytes {
    uint8_t *p;
    size_t n, cap;
} pdst_bytes;

void pdst_put(pdst_bytes *b, const void *d, size_t n);
void pdst_put_u32(pdst_bytes *b, uint32_t v); /* little-endian, as .pdiparams */
void pdst_put_u64(pdst_bytes *b, uint64_t v);

/* Makes /tmp/pdsafe_test_<tag>_XXXXXX into dir (aborts if it cannot: the
 * file tests cannot run without it). */
void pdst_make_tmpdir(char *dir, size_t cap, const char *tag);
/* Writes dir/name; a failure is a failed check. */
void pdst_write_file(const char *dir, const char *name, const void *data, size_t n);
/* Removes dir and everything below it, without following links. */
void pdst_rm_rf(const char *dir);
/* Reads a whole file into *data (malloc'ed; NULL on failure). */
bool pdst_read_whole(const char *path, uint8_t **data, size_t *len);

/* The statuses a loader may give a hostile file (and OK). */
bool pdst_load_documented(pds_status st);

/* Checks st == want and that the message holds s1 and s2 (each may be NULL). */
void pdst_check_load(pds_status st, const pds_error *err, pds_status want, const char *s1,
                     const char *s2);

/* A loader under test: model and parameter bytes (params NULL: no parameter
 * file) into g, which is initialised. */
typedef pds_status (*pdst_loader)(const uint8_t *model, size_t mlen, const uint8_t *params,
                                  size_t plen, pdsi_graph *g, pds_error *err);

/* Loads model[0..mlen) and params[0..plen) from exact-size copies into a
 * fresh graph with the default limits, frees it and returns the status. A
 * NULL model or params stays NULL. */
pds_status pdst_load_copy(pdst_loader load, const uint8_t *model, size_t mlen,
                          const uint8_t *params, size_t plen, pds_error *err);

/* Whether the load of an input cut at byte `at` ended as it should. */
typedef bool (*pdst_cut_ok)(size_t at, pds_status st, const pds_error *err, const void *ctx);

/* Loads the model cut at every stride-th offset below mlen (params whole),
 * or the params likewise (model whole), and fails a check for each cut that
 * ok refuses, naming what was cut; stops after 5. Returns the failures. */
int pdst_cut_model(const char *what, pdst_loader load, const uint8_t *model, size_t mlen,
                   const uint8_t *params, size_t plen, size_t stride, pdst_cut_ok ok,
                   const void *ctx);
int pdst_cut_params(const char *what, pdst_loader load, const uint8_t *model, size_t mlen,
                    const uint8_t *params, size_t plen, size_t stride, pdst_cut_ok ok,
                    const void *ctx);

/* xorshift64: the same flips on every run. */
uint64_t pdst_rng(uint64_t *state);

/* Changes the copies m and q (q NULL without params) for iteration it. */
typedef void (*pdst_mutate)(uint8_t *m, size_t mlen, uint8_t *q, size_t plen, int it, void *ctx);

/* Loads `iterations` mutated copies of model and params; each must end in a
 * documented status, with a message when it fails (a check fails otherwise,
 * naming what and the iteration; stops after 5). Returns how many loaded. */
int pdst_flip_each(const char *what, pdst_loader load, const uint8_t *model, size_t mlen,
                   const uint8_t *params, size_t plen, int iterations, pdst_mutate mutate,
                   void *ctx);

#endif
