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
#include "kernels/kernel.h"
#include "ops/opdef.h"
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

/* Only the infer step of an operator, slots as for pdst_run_op1, with params
 * (params_size bytes, at least the operator's) already filled: for inputs
 * that are descriptors only, shaped as no buffer could be. */
pds_status pdst_infer_op1(const char *type, const void *params, size_t params_size,
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

/* p's statistics (pds_predictor_get_stats at this build's struct size); a
 * failure is a failed check, and the struct is then all zeros. */
pds_predictor_stats pdst_stats(pds_predictor p);

/* Attribute builders for pdst_run_op. */
pdsi_attr pdst_attr_int(const char *name, int64_t v);
pdsi_attr pdst_attr_float(const char *name, double v);
pdsi_attr pdst_attr_bool(const char *name, int v);
pdsi_attr pdst_attr_str(const char *name, const char *v);
pdsi_attr pdst_attr_ints(const char *name, const int64_t *v, int64_t n);
pdsi_attr pdst_attr_floats(const char *name, const double *v, int64_t n);

/* Sets each of extra[0..n_extra) in at[0..n): it replaces the attribute of the
 * same name, or is appended. at has room for cap. Returns the new count. */
int pdst_attrs_set(pdsi_attr *at, int n, int cap, const pdsi_attr *extra, int n_extra);

/* t has exactly this rank and these dims. */
bool pdst_same_dims(const pdsi_tensor *t, int rank, const int64_t *dims);

/* Checks t's dtype, rank and dims, reporting file and line on a mismatch;
 * returns whether they matched. */
bool pdst_check_shape_(const char *file, int line, const pdsi_tensor *t, pds_dtype dt, int rank,
                       const int64_t *dims);
#define CHECK_SHAPE(t, dt, rank, dims) pdst_check_shape_(__FILE__, __LINE__, t, dt, rank, dims)

/* Path of the fixtures directory (PDSAFE_FIXTURES env or the compiled default). */
const char *pdst_fixtures_dir(void);

/* Loads fixture `name` (its inference.pdmodel and .pdiparams) with the load
 * flags given (PDS_MODEL_*); records a failure and returns 0 if it fails. */
pds_model pdst_load_fixture(const char *name, uint32_t flags);
/* Loads fixture `name` (inference.pdmodel + inference.pdiparams) with options
 * o (NULL: the defaults) and returns the status, for tests of load errors. */
pds_status pdst_load_fixture_with(const char *name, const pds_model_options *o, pds_model *m,
                                  pds_error *err);

/* Threads of this process now (/proc/self/task), -1 if it cannot be read. */
int pdst_count_threads(void);

/* Checks that no model, predictor or handle is alive (M15: nothing leaked). */
#define CHECK_NO_LIVE_OBJECTS() pdst_check_no_live_objects_(__FILE__, __LINE__)
void pdst_check_no_live_objects_(const char *file, int line);

#endif
