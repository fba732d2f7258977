/*
 * error.c — status names and messages (from the one X-macro list in pdsafe.h)
 * and the filling of caller-owned error reports.
 */
#include "core/error.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

const char *pds_status_name(pds_status status)
{
    switch (status) {
#define PDSI_NAME_(name, value, text) \
    case name: return #name;
        PDS_STATUS_LIST(PDSI_NAME_)
#undef PDSI_NAME_
    }
    return "PDS_UNKNOWN_STATUS";
}

const char *pds_status_text(pds_status status)
{
    switch (status) {
#define PDSI_TEXT_(name, value, text) \
    case name: return text;
        PDS_STATUS_LIST(PDSI_TEXT_)
#undef PDSI_TEXT_
    }
    return "unknown status";
}

const char *pds_version(void)
{
#define PDSI_STR2_(x) #x
#define PDSI_STR_(x) PDSI_STR2_(x)
    return PDSI_STR_(PDS_VERSION_MAJOR) "." PDSI_STR_(PDS_VERSION_MINOR) "." PDSI_STR_(
        PDS_VERSION_PATCH);
}

/* The name in parentheses: under __clang_analyzer__ it is also a macro (error.h). */
pds_status (pdsi_fail)(pds_error *err, pds_status code, const char *fmt, ...)
{
    if (err) {
        va_list ap;
        err->code = code;
        va_start(ap, fmt);
        vsnprintf(err->message, sizeof err->message, fmt, ap);
        va_end(ap);
    }
    return code;
}

pds_status pdsi_fail_wrap(pds_error *err, pds_status code, const char *fmt, ...)
{
    if (!err)
        return code;
    char prefix[PDS_ERROR_MESSAGE_SIZE];
    char old[PDS_ERROR_MESSAGE_SIZE];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(prefix, sizeof prefix, fmt, ap);
    va_end(ap);
    memcpy(old, err->message, sizeof old);
    old[sizeof old - 1] = '\0';
    /* Truncation is fine: the context comes first, the tail may be cut. */
    size_t n = strlen(prefix);
    if (n > sizeof err->message - 3)
        n = sizeof err->message - 3;
    memcpy(err->message, prefix, n);
    err->message[n++] = ':';
    err->message[n++] = ' ';
    size_t rest = strlen(old);
    if (rest > sizeof err->message - 1 - n)
        rest = sizeof err->message - 1 - n;
    memcpy(err->message + n, old, rest);
    err->message[n + rest] = '\0';
    return err->code;
}
