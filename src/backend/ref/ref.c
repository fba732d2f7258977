/*
 * ref.c — the reference backend (see ref.h): accepts every node, runs it on
 * the portable C kernel bound to its op id (pdsi_ref_kernel). It keeps no model or predictor
 * state and packs nothing; its steps read parameters' plain data.
 *
 * Layouts: most reference kernels read and write plain tensors. Those that
 * map element i to element i run on data in any layout, all tensors in the
 * same one, so a step of them keeps its first input's layout (an NHWC chain
 * of another backend is then not converted around an activation).
 */
#include "backend/ref/ref.h"

#include <stdlib.h>
#include <string.h>

#include "kernels/ref/ref.h"

/* A ref step: the node, its kernel (looked up once, when the plan is made),
 * and its slots pointing into the plan's flat tensor arrays (bound at the
 * first run; a plan's arrays never move). */
typedef struct ref_step {
    const pdsi_node *node;
    pdsi_kernel_fn run;
    pdsi_tensor *const *bound_in;
    pdsi_slot *in, *out;
    pdsi_slot slots[];
} ref_step;

pds_status pdsi_ref_run_node(const pdsi_node *node, const pdsi_slot *in, const pdsi_slot *out,
                             pdsi_exec *ex, pds_error *err)
{
    return pdsi_ref_kernel(node->def->id)(node->params, in, out, ex, err);
}

/* A 4-D tensor with one pixel or one channel has the same bytes in every
 * layout. */
static bool layout_free(const pdsi_tensor *t)
{
    return t->rank != 4 || t->dims[2] * t->dims[3] == 1 || t->dims[1] == 1;
}

/* Reference kernels that map element i to element i and so run on data in
 * any layout (all their tensors in the same one). */
static bool any_layout_ref(const pdsi_node *node, const pdsi_backend_io *in)
{
    if (node->def->flags & PDSI_OPF_UNARY)
        return true;
    int n_in = node->in_off[node->n_in_slots];
    if (node->def->flags & PDSI_OPF_ELEMENTWISE_SCALARS) {
        for (int k = 1; k < n_in; k++)
            if (pdsi_tensor_numel(in[k].t) != 1)
                return false;
        return true;
    }
    if (!(node->def->flags & PDSI_OPF_BINARY))
        return false;
    if (n_in != 2)
        return false;
    const pdsi_tensor *x = in[0].t, *y = in[1].t;
    return x->rank == y->rank &&
           memcmp(x->dims, y->dims, sizeof(int64_t) * (size_t)x->rank) == 0;
}

/* The layout a step of node runs in: its first input's when the kernel does
 * not care and every tensor can be stored that way, plain otherwise. */
static uint8_t step_layout(const pdsi_node *node, const pdsi_backend_io *in, int n_in,
                           const pdsi_backend_io *out, int n_out)
{
    if (n_in < 1 || in[0].param || !any_layout_ref(node, in))
        return PDSI_LAYOUT_PLAIN;
    uint8_t lay = in[0].layout;
    for (int k = 0; k < n_in && lay != PDSI_LAYOUT_PLAIN; k++)
        if (in[k].t->rank != 4 && !layout_free(in[k].t))
            lay = PDSI_LAYOUT_PLAIN;
    for (int k = 0; k < n_out && lay != PDSI_LAYOUT_PLAIN; k++)
        if (out[k].t->rank != 4)
            lay = PDSI_LAYOUT_PLAIN;
    return lay;
}

static pds_status ref_step_create(void *state, const pdsi_graph *g, int32_t node_index,
                                  pdsi_backend_io *in, int n_in, pdsi_backend_io *out, int n_out,
                                  pdsi_backend_step **step, pds_error *err)
{
    (void)state;
    const pdsi_node *node = &g->nodes[node_index];
    int ns = node->n_in_slots + node->n_out_slots;
    ref_step *s = calloc(1, sizeof *s + sizeof s->slots[0] * ((size_t)ns + 1));
    if (!s)
        return pdsi_fail(err, PDS_ERR_OUT_OF_MEMORY,
                         "could not allocate the reference step of op #%d (%s)", node->index,
                         node->type);
    s->node = node;
    s->run = pdsi_ref_kernel(node->def->id);
    s->in = s->slots;
    s->out = s->slots + node->n_in_slots;
    uint8_t lay = step_layout(node, in, n_in, out, n_out);
    for (int k = 0; k < n_in; k++)
        in[k].want = in[k].param ? in[k].layout : lay;
    for (int k = 0; k < n_out; k++)
        out[k].layout = lay;
    *step = (pdsi_backend_step *)s;
    return PDS_OK;
}

static pds_status ref_step_run(pdsi_backend_step *step, pdsi_tensor *const *in,
                               pdsi_tensor *const *out, const pdsi_backend_run *run,
                               pds_error *err)
{
    ref_step *s = (ref_step *)step;
    const pdsi_node *node = s->node;
    if (s->bound_in != in) {
        /* Kernels read slots' tensor pointers and never change them. */
        for (int k = 0; k < node->n_in_slots; k++) {
            s->in[k].t = (pdsi_tensor **)in + node->in_off[k];
            s->in[k].n = node->in_off[k + 1] - node->in_off[k];
        }
        for (int k = 0; k < node->n_out_slots; k++) {
            s->out[k].t = (pdsi_tensor **)out + (node->out_off[k] - node->out_off[0]);
            s->out[k].n = node->out_off[k + 1] - node->out_off[k];
        }
        s->bound_in = in;
    }
    return s->run(node->params, s->in, s->out, run->exec, err);
}

static void ref_step_free(pdsi_backend_step *s)
{
    free(s);
}

static size_t ref_zero(const pdsi_backend_step *s)
{
    (void)s;
    return 0;
}

static int ref_inplace(const pdsi_backend_step *s)
{
    (void)s;
    return -1;
}

static const char *ref_impl(const pdsi_backend_step *s)
{
    (void)s;
    return "";
}

const pdsi_backend pdsi_backend_ref = {
    .name = "ref",
    .needs_executor = false,
    .plain_params = true,
    .step_create = ref_step_create,
    .step_run = ref_step_run,
    .step_free = ref_step_free,
    .step_scratch = ref_zero,
    .step_temp_bytes = ref_zero,
    .step_inplace_input = ref_inplace,
    .step_impl = ref_impl,
};
