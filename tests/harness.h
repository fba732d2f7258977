/*
 * harness.h — the small test framework every C test uses: checks that record
 * failures with file and line, a summary line that ctest and CI read
 * ("N passed, N failed"), and helpers that build tensors and run a single
 * operator through its real parse -> infer -> kernel path.
 */
#ifndef PDST_HARNESS_H
#define PDST_HARNESS_H

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/tensor.h"
#include "graph/opdef.h"
#include "pdsafe.h"

extern int pdst_failures;       /* checks failed in the current test */
extern int pdst_passed, pdst_failed;

#define PDST_FAIL(...)                                              \
    do {                                                            \
        fprintf(stderr, "%s:%d: ", __FILE__, __LINE__);             \
        fprintf(stderr, __VA_ARGS__);                               \
        fprintf(stderr, "\n");                                      \
        pdst_failures++;                                            \
    } while (0)

#define CHECK(cond)                                     \
    do {                                                \
        if (!(cond))                                    \
            PDST_FAIL("check failed: %s", #cond);       \
    } while (0)

#define CHECK_EQ_INT(a, b)                                                                   \
    do {                                                                                     \
        long long a_ = (long long)(a), b_ = (long long)(b);                                  \
        if (a_ != b_)                                                                        \
            PDST_FAIL("%s == %lld, expected %s == %lld", #a, a_, #b, b_);                    \
    } while (0)

/* Asserts the exact status of an expression and prints the error on mismatch. */
#define CHECK_STATUS(expr, expected, errp)                                                   \
    do {                                                                                     \
        pds_status s_ = (expr);                                                              \
        if (s_ != (expected))                                                                \
            PDST_FAIL("%s returned %s, expected %s (message: %s)", #expr,                   \
                      pds_status_name(s_), pds_status_name(expected),                        \
                      pdst_errmsg((errp), s_));                                              \
    } while (0)

#define CHECK_OK(expr, errp) CHECK_STATUS(expr, PDS_OK, errp)

/* Message of err contains the substring. */
#define CHECK_MSG(err, substr)                                                               \
    do {                                                                                     \
        if (!strstr((err).message, (substr)))                                                \
            PDST_FAIL("error message \"%s\" does not contain \"%s\"", (err).message, substr);\
    } while (0)

/* The message of an error struct that may be NULL, or "" after success. */
static inline const char *pdst_errmsg(const void *err, pds_status st)
{
    return err && st ? ((const pds_error *)err)->message : "";
}

#define RUN_TEST(fn) pdst_run(#fn, fn)

void pdst_run(const char *name, void (*fn)(void));
/* Prints "N passed, N failed" and returns the process exit code. */
int pdst_summary(void);

/* Float comparison with DESIGN.md's tolerance: |a-b| <= atol + rtol*|b|.
 * Reports the first few mismatches; returns the number of bad elements. */
long pdst_check_close(const char *what, const float *got, const float *want, long n, double atol,
                      double rtol);
#define PDST_ATOL 1e-4
#define PDST_RTOL 1e-3

/* Builds an owning tensor; data (may be NULL: zeroed) is copied. */
pdsi_tensor *pdst_tensor(pds_dtype dtype, int rank, const int64_t *dims, const void *data);
void pdst_tensor_free(pdsi_tensor *t);

/* Runs one operator: def lookup, parse(attrs), infer, reserve, kernel.
 * in/out have one pdsi_slot per slot of the opdef (n == 0: absent). Output
 * tensors should be zeroed owning tensors (pdst_tensor(..., 0, NULL, NULL)). */
pds_status pdst_run_op(const char *type, const pdsi_attr *attrs, int n_attrs,
                       const pdsi_slot *in, const pdsi_slot *out, pds_error *err);

/* pdst_run_op for operators whose slots hold at most one tensor each: ins[k]
 * and outs[k] are slot k's tensor, NULL when the slot is absent. */
pds_status pdst_run_op1(const char *type, const pdsi_attr *attrs, int n_attrs,
                        pdsi_tensor *const *ins, int nin, pdsi_tensor *const *outs, int nout,
                        pds_error *err);

/* An empty owning tensor for an operator to shape (the caller frees it). */
pdsi_tensor *pdst_out(void);

/* Like pdst_tensor / pdst_out, but freed automatically when the current test
 * (RUN_TEST) ends. */
pdsi_tensor *pdst_mk(pds_dtype dtype, int rank, const int64_t *dims, const void *data);
pdsi_tensor *pdst_mk_out(void);
/* Frees the pdst_mk tensors now (for loops that make many). */
void pdst_release_kept(void);

/* Attribute builders for pdst_run_op. */
pdsi_attr pdst_attr_int(const char *name, int64_t v);
pdsi_attr pdst_attr_float(const char *name, double v);
pdsi_attr pdst_attr_bool(const char *name, int v);
pdsi_attr pdst_attr_str(const char *name, const char *v);
pdsi_attr pdst_attr_ints(const char *name, const int64_t *v, int64_t n);
pdsi_attr pdst_attr_floats(const char *name, const double *v, int64_t n);

/* Path of the fixtures directory (PDSAFE_FIXTURES env or the compiled default). */
const char *pdst_fixtures_dir(void);

#endif
