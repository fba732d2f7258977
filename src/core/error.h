/*
 * error.h — filling caller-owned error reports.
 *
 * Every failure in the library ends in pdsi_fail: it stores the code and a
 * formatted message in the caller's pds_error (if one was given) and returns
 * the code, so that `return pdsi_fail(err, PDS_ERR_SHAPE, "...", ...)` is the
 * one way to report. Nothing here is thread-local (DESIGN M16).
 */
#ifndef PDSI_CORE_ERROR_H
#define PDSI_CORE_ERROR_H

#include "pdsafe.h"

#if defined(__GNUC__)
#define PDSI_PRINTF(f, a) __attribute__((format(printf, f, a)))
#else
#define PDSI_PRINTF(f, a)
#endif

/* Stores code and message in err (if not NULL) and returns code. */
pds_status pdsi_fail(pds_error *err, pds_status code, const char *fmt, ...) PDSI_PRINTF(3, 4);

/* For the static analyzer (clang-tidy defines __clang_analyzer__): the
 * call's value is its code, so that `if ((st = f(..., &out, err))) return st;`
 * is known to return on every failure path and `out` to be set on the
 * others. Without this, every out-parameter read after such a check is an
 * "uninitialized value" finding. The compiled code is unchanged. */
#ifdef __clang_analyzer__
#define pdsi_fail(err, code, ...) (pdsi_fail((err), (code), __VA_ARGS__), (code))
#endif

/* Prefixes the message already in err with "<prefix>: " (for adding context
 * such as the op or file while an error travels up). Returns err->code, or
 * code when err is NULL. */
pds_status pdsi_fail_wrap(pds_error *err, pds_status code, const char *fmt, ...)
    PDSI_PRINTF(3, 4);

#endif
