/*
 * registry.c — the ordered list of backends compiled in, and the per-model
 * set made from it (see backend.h). The planner offers each node to the
 * backends in this order; ref, which accepts every node, comes last.
 * Adding a backend is one line here plus its folder and CMake option
 * (docs/ADDING_A_BACKEND.md).
 */
#include "backend/backend.h"

#include <stdio.h>
#include <string.h>

#ifdef PDSAFE_HAVE_ONEDNN
extern const pdsi_backend pdsi_backend_onednn; /* backend/onednn/backend.c */
#endif

static const pdsi_backend *const compiled[] = {
#ifdef PDSAFE_HAVE_ONEDNN
    &pdsi_backend_onednn,
#endif
    &pdsi_backend_ref,
};

#define N_COMPILED ((int)(sizeof compiled / sizeof compiled[0]))

_Static_assert(N_COMPILED <= PDSI_MAX_BACKENDS, "raise PDSI_MAX_BACKENDS");

int pdsi_backends_compiled(void)
{
    return N_COMPILED;
}

const pdsi_backend *pdsi_backend_at(int i)
{
    return i >= 0 && i < N_COMPILED ? compiled[i] : NULL;
}

const pdsi_backend *pdsi_backend_find(const char *name)
{
    for (int i = 0; i < N_COMPILED; i++)
        if (strcmp(compiled[i]->name, name) == 0)
            return compiled[i];
    return NULL;
}

void pdsi_backends_describe(char *buf, size_t cap)
{
    size_t used = 0;
    buf[0] = '\0';
    for (int i = 0; i < N_COMPILED && used + 3 < cap; i++) {
        if (!compiled[i]->describe)
            continue;
        if (used) {
            memcpy(buf + used, "; ", 3);
            used += 2;
        }
        compiled[i]->describe(buf + used, cap - used);
        used += strlen(buf + used);
    }
    if (!used)
        snprintf(buf, cap, "reference kernels only");
}

pds_status pdsi_backend_set_make(pdsi_backend_set *set, bool fast, const pdsi_graph *g,
                                 const pdsi_backend_opts *opts, pds_error *err)
{
    memset(set, 0, sizeof *set);
    if (opts->precision == PDS_PRECISION_BF16) {
        /* Never a silent float32 run of a model asked for in bf16. */
        bool any = false;
        for (int i = fast ? 0 : N_COMPILED - 1; i < N_COMPILED; i++)
            any |= compiled[i]->bf16;
        if (!any)
            return pdsi_fail(err, PDS_ERR_INVALID_ARGUMENT,
                             "precision bf16: no backend of this model runs bf16 (%s); load "
                             "with PDS_PRECISION_FP32",
                             N_COMPILED > 1 ? "it runs on the reference kernels only, as "
                                              "PDS_MODEL_REFERENCE_KERNELS or PDSAFE_KERNELS=ref "
                                              "ask"
                                            : "this library is built without oneDNN");
    }
    for (int i = fast ? 0 : N_COMPILED - 1; i < N_COMPILED; i++) {
        const pdsi_backend *b = compiled[i];
        set->b[set->n] = b;
        if (b->model_create) {
            pds_status st = b->model_create(g, opts, &set->state[set->n], err);
            if (st) {
                pdsi_backend_set_free(set);
                return pdsi_fail_wrap(err, st, "backend %s", b->name);
            }
        }
        set->n++;
    }
    return PDS_OK;
}

void pdsi_backend_set_free(pdsi_backend_set *set)
{
    for (int i = 0; i < set->n; i++)
        if (set->b[i]->model_free)
            set->b[i]->model_free(set->state[i]);
    memset(set, 0, sizeof *set);
}

bool pdsi_backend_set_needs_executor(const pdsi_backend_set *set)
{
    for (int i = 0; i < set->n; i++)
        if (set->b[i]->needs_executor)
            return true;
    return false;
}

size_t pdsi_backend_set_packed_bytes(const pdsi_backend_set *set)
{
    size_t n = 0;
    for (int i = 0; i < set->n; i++)
        if (set->b[i]->packed_bytes)
            n += set->b[i]->packed_bytes(set->state[i]);
    return n;
}

const void *pdsi_backend_set_param_plain(const pdsi_backend_set *set, const pdsi_graph *g,
                                         int32_t value)
{
    const void *plain = g->values[value].data.data;
    for (int i = 0; i < set->n && !plain; i++)
        if (set->b[i]->param_plain)
            plain = set->b[i]->param_plain(set->state[i], g, value);
    return plain;
}
