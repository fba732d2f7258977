/*
 * unsupported.c — the list of operator types a program uses and pdsafe does
 * not support (unsupported.h).
 */
#include "model/unsupported.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

bool pdsi_unsupported_add(pdsi_unsupported *u, const char *type, int32_t index)
{
    for (size_t i = 0; i < u->n; i++)
        if (strcmp(u->e[i].type, type) == 0) {
            u->e[i].count++;
            return true;
        }
    if (u->n == u->cap) {
        size_t cap = u->cap ? u->cap * 2 : 8;
        pdsi_unsupported_entry *e = realloc(u->e, sizeof *e * cap);
        if (!e)
            return false;
        u->e = e;
        u->cap = cap;
    }
    char *t = strdup(type);
    if (!t)
        return false;
    u->e[u->n++] = (pdsi_unsupported_entry){.type = t, .count = 1, .first = index};
    return true;
}

void pdsi_unsupported_free(pdsi_unsupported *u)
{
    for (size_t i = 0; i < u->n; i++)
        free(u->e[i].type);
    free(u->e);
    memset(u, 0, sizeof *u);
}

/* Entry i as it appears in the list, with its leading ", " after the first. */
static int entry_text(const pdsi_unsupported *u, size_t i, char *buf, size_t cap)
{
    const pdsi_unsupported_entry *e = &u->e[i];
    return snprintf(buf, cap, "%s%.80s (%lld, %sop %d)", i ? ", " : "", e->type,
                    (long long)e->count, i ? "" : "first at ", (int)e->first);
}

static int header_text(const pdsi_unsupported *u, char *buf, size_t cap)
{
    return snprintf(buf, cap, "%zu operator type%s not supported: ", u->n,
                    u->n == 1 ? " is" : "s are");
}

/* The tail after k of the n entries. */
static int tail_text(const pdsi_unsupported *u, size_t k, char *buf, size_t cap)
{
    if (k == u->n)
        return snprintf(buf, cap, "%s", "");
    if (k == 0)
        return snprintf(buf, cap, "(the list does not fit here)");
    return snprintf(buf, cap, ", and %zu more", u->n - k);
}

size_t pdsi_unsupported_format(const pdsi_unsupported *u, bool bounded, char *buf, size_t cap)
{
    /* How many entries fit: all when not bounded. */
    size_t k = u->n;
    if (bounded) {
        size_t used = (size_t)header_text(u, NULL, 0);
        k = 0;
        while (k < u->n) {
            size_t next = used + (size_t)entry_text(u, k, NULL, 0);
            size_t tail = (size_t)tail_text(u, k + 1, NULL, 0);
            if (next + tail >= cap)
                break;
            used = next;
            k++;
        }
    }
    size_t len = 0;
    char *p = buf;
    size_t left = cap;
#define PUT(call)                                                                             \
    do {                                                                                      \
        int n_ = (call);                                                                      \
        len += (size_t)n_;                                                                    \
        size_t adv_ = left ? ((size_t)n_ < left ? (size_t)n_ : left - 1) : 0;                 \
        if (adv_ != 0) { /* p may be NULL (measuring only): NULL + 0 is undefined in C */    \
            p += adv_;                                                                        \
            left -= adv_;                                                                     \
        }                                                                                     \
    } while (0)
    PUT(header_text(u, p, left));
    for (size_t i = 0; i < k; i++)
        PUT(entry_text(u, i, p, left));
    PUT(tail_text(u, k, p, left));
#undef PUT
    return len;
}

pds_status pdsi_unsupported_fail(const pdsi_unsupported *u, const char *prog, pdsi_graph *g,
                                 pds_error *err)
{
    if (u->n == 0)
        return PDS_OK;
    size_t full = pdsi_unsupported_format(u, false, NULL, 0);
    free(g->unsupported);
    g->unsupported = malloc(full + 1);
    if (g->unsupported)
        pdsi_unsupported_format(u, false, g->unsupported, full + 1);
    /* The program's name leads the message as in every load error; a very
     * long path is shortened so that the list keeps most of the room. */
    char msg[PDS_ERROR_MESSAGE_SIZE];
    size_t plen = strlen(prog);
    if (plen > 200)
        plen = 200;
    pdsi_unsupported_format(u, true, msg, sizeof msg - plen - 2);
    return pdsi_fail(err, PDS_ERR_UNSUPPORTED_OP, "%.*s: %s", (int)plen, prog, msg);
}
