/*
 * env.c — reading the library's environment variables (see env.h).
 */
#include "core/env.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

pds_status pdsi_env_choice(const char *name, const char *const *values, int n, int *choice,
                           pds_error *err)
{
    *choice = -1;
    const char *v = getenv(name);
    if (!v || !*v)
        return PDS_OK;
    char accepted[256] = "";
    size_t len = 0;
    for (int i = 0; i < n; i++) {
        if (strcmp(v, values[i]) == 0) {
            *choice = i;
            return PDS_OK;
        }
        int k = snprintf(accepted + len, sizeof accepted - len, "%s'%s'", i ? ", " : "",
                         values[i]);
        if (k > 0 && (size_t)k < sizeof accepted - len)
            len += (size_t)k;
    }
    return pdsi_fail(err, PDS_ERR_INVALID_ARGUMENT,
                     "the environment variable %s is '%.64s', expected %s or unset", name, v,
                     accepted);
}

const char *pdsi_env_path(const char *name)
{
    const char *v = getenv(name);
    return v && *v ? v : NULL;
}
