/*
 * compat_test.h — helpers of the PD_* compatibility tests: checks, fixtures,
 * the documented PD_* flow, and running a scenario in a child process with
 * its stderr captured. The tests use the PD_* API only (plus the project's
 * .npy reader).
 */
#ifndef PDSAFE_COMPAT_TEST_H
#define PDSAFE_COMPAT_TEST_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "npy.h"
#include "pd_inference_api.h"

extern int ct_failures;

#define CT_FAIL(...)                                            \
    do {                                                        \
        fprintf(stderr, "%s:%d: ", __FILE__, __LINE__);         \
        fprintf(stderr, __VA_ARGS__);                           \
        fprintf(stderr, "\n");                                  \
        ct_failures++;                                          \
    } while (0)
#define CT_CHECK(cond)                                          \
    do {                                                        \
        if (!(cond))                                            \
            CT_FAIL("check failed: %s", #cond);                 \
    } while (0)
#define CT_CHECK_EQ(a, b)                                                                  \
    do {                                                                                   \
        long long a_ = (long long)(a), b_ = (long long)(b);                                \
        if (a_ != b_)                                                                      \
            CT_FAIL("%s == %lld, expected %s == %lld", #a, a_, #b, b_);                    \
    } while (0)

/* The fixtures directory ($PDSAFE_FIXTURES, else the build's default). */
const char *ct_fixtures(void);

/* Reads dir/name into *a; a failure is a test failure (returns -1). */
int ct_npy(const char *dir, const char *name, npy_array *a);

/* Compares n float32 values with DESIGN 5's tolerance (or the fixture's
 * `tolerance` file); returns the number of mismatches (reported). */
int ct_compare_f32(const char *what, const char *dir, const float *got, const float *want,
                   size_t n);

/* Copies n float32 values out of y into a buffer one float longer, checks
 * that copy-out left that canary alone, and compares them with want (as
 * ct_compare_f32, reported as `what`). */
void ct_copy_out_compare(PD_Tensor *y, size_t n, const char *what, const char *dir,
                         const float *want);

/* Reshapes x to in's dims and copies in's float32 values into it. */
void ct_feed_f32(PD_Tensor *x, const npy_array *in);

/* A config for dir's program (prog_name: "inference.pdmodel" or
 * "inference.json") and inference.pdiparams. */
PD_Config *ct_config(const char *dir, const char *prog_name);

/* The documented flow on one case of a single-input float32 model: input
 * names, input handle, reshape, copy in, run, output names, output handle,
 * shape, copy out; checks the result against caseK.out0.npy. Returns 0 when
 * it matched. */
int ct_run_case(PD_Predictor *pred, const char *dir, int k);

/* Runs fn in a child process with stderr going to a file and, when mode is
 * not NULL, PDSAFE_ON_MISUSE=mode. fn writes to `expected` the exact stderr
 * it expects and returns its number of failed checks (the child's exit
 * code). The parent checks the child ended as expected (exit 0, or killed
 * by expect_signal) and that its stderr equals what it expected. Returns 0
 * when all held. */
int ct_in_child(const char *name, int (*fn)(FILE *expected), const char *mode, int expect_signal);

#endif
