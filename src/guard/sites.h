/*
 * sites.h — interned C call sites of guard mode (see sites.c). Every
 * function is called under the guard's lock.
 */
#ifndef PDSI_GUARD_SITES_H
#define PDSI_GUARD_SITES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "pdsafe.h"

/* Return addresses kept per site. */
#define SITE_FRAMES 16

/* One symbolised frame; strings are NULL when unknown. */
typedef struct pdsi_frame {
    char *function;
    char *file;
    int line;
    char *object;    /* the shared object or program holding the code */
    uint64_t offset; /* the address within it */
    uint64_t pc;
} pdsi_frame;

/* The caller's stack as an interned site number; 0 if the table is full (or
 * nothing outside the library is on the stack). With skip_caller_object the
 * frames of the object that called into this library are left out too. */
uint32_t pdsi_site_capture(bool skip_caller_object);

/* The frames of a site, the caller's first, symbolised on first use. */
const pdsi_frame *pdsi_site_frames(uint32_t id, int *n);

/* "function (file.c:42)" of the site's first frame into buf; snprintf's
 * return. */
int pdsi_site_format(uint32_t id, char *buf, size_t cap);

/* Sites interned, and sites that did not fit. */
uint32_t pdsi_site_count(void);
uint64_t pdsi_site_dropped(void);

#endif
