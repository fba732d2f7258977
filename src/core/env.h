/*
 * env.h — the environment variables the library reads, read in one way.
 *
 * The library reads a few variables at load time (they are listed, with their
 * values, in pdsafe.h). A value it does not know is an error of the load that
 * read it, never silently ignored: PDSAFE_KERNELS=refs must not quietly run
 * the fast path that the user meant to switch off.
 */
#ifndef PDSI_CORE_ENV_H
#define PDSI_CORE_ENV_H

#include "core/error.h"

/* Reads variable `name`, which must be unset, empty, or one of values[0..n).
 * *choice is -1 when it is unset or empty, else the index of its value.
 * PDS_ERR_INVALID_ARGUMENT, naming the variable, its value and the values
 * accepted, otherwise. */
pds_status pdsi_env_choice(const char *name, const char *const *values, int n, int *choice,
                           pds_error *err);

/* The value of variable `name` when it is set and not empty, else NULL: for
 * the variables whose value is a path (PDSAFE_TRACE=FILE). */
const char *pdsi_env_path(const char *name);

#endif
