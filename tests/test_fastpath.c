/*
 * test_fastpath.c — the backend list (the oneDNN backend first, when built)
 * against the reference backend alone.
 *
 * Every graph here is built twice, once for the reference kernels
 * (PDS_MODEL_REFERENCE_KERNELS: as loaded, no rewrites) and once for the fast
 * path (rewrites, packed weights, oneDNN steps, NHWC layouts, the arena), run
 * on the same inputs, and compared element by element with DESIGN §5's fp32
 * tolerance. The small graphs cover each fast kernel's configurations
 * (grouped, depthwise, dilated, SAME, transposed convolutions, every fused
 * activation, residual adds that can and cannot share storage, pooling
 * variants, broadcasting binaries, batched matmuls, fc and mul, standalone
 * batch norms, bilinear resampling, log_softmax...) and check that the fast
 * path really took them (fast steps were planned; per operator type where
 * some configurations must decline). Then every fixture
 * model runs through both paths, each compared with the other and with
 * Paddle's stored outputs.
 */
#include <dirent.h>
#include <math.h>
#include <stddef.h>
#include <sys/stat.h>

#include "backend/backend.h"
#include "core/executor.h"
#include "harness.h"
#include "npy.h"
#include "plan/arena.h"
#include "runtime/runtime.h"

#define CHECK_STR(a, b)                                                          \
    do {                                                                         \
        if (strcmp((a), (b)) != 0)                                               \
            PDST_FAIL("%s is \"%s\", expected \"%s\"", #a, (a), (b));             \
    } while (0)

/* True when the library was built with the oneDNN backend. */
static bool have_onednn(void)
{
    return pdsi_backend_find("onednn") != NULL;
}

/* ---- a tiny graph builder ------------------------------------------------ */

typedef struct tb {
    pdsi_graph g;
    pds_error err;
    int n_ops;
    int n_out;
    uint32_t seed;
} tb;

static float rnd(uint32_t *s)
{
    *s = *s * 1664525u + 1013904223u;
    return (float)((*s >> 8) & 0xffff) / 32768.0f - 1.0f;
}

static void tb_init_precision(tb *b, bool reference, uint32_t precision)
{
    pds_model_options o;
    pds_model_options_init(&o);
    o.flags = reference ? PDS_MODEL_REFERENCE_KERNELS : 0;
    o.precision = precision;
    pdsi_graph_init(&b->g, &o);
    b->n_ops = 0;
    b->n_out = 0;
    b->seed = 12345;
}

static void tb_init(tb *b, bool reference)
{
    tb_init_precision(b, reference, PDS_PRECISION_FP32);
}

static void tb_input(tb *b, const char *name, int rank, const int64_t *dims)
{
    int32_t id;
    CHECK_OK(pdsi_graph_declare(&b->g, name, false, PDS_FLOAT32, rank, dims, &id, &b->err),
             &b->err);
    CHECK_OK(pdsi_graph_set_input(&b->g, b->g.n_inputs, name, &b->err), &b->err);
}

/* A parameter with values in [lo, hi) from the builder's generator. */
static void tb_param(tb *b, const char *name, int rank, const int64_t *dims, float lo, float hi)
{
    int32_t id;
    CHECK_OK(pdsi_graph_declare(&b->g, name, true, PDS_FLOAT32, rank, dims, &id, &b->err),
             &b->err);
    pdsi_value *v = &b->g.values[id];
    pdsi_tensor_set_shape(&v->data, PDS_FLOAT32, rank, dims);
    CHECK(pdsi_tensor_reserve(&v->data));
    float *d = v->data.data;
    for (int64_t i = 0; i < pdsi_tensor_numel(&v->data); i++)
        d[i] = lo + (hi - lo) * 0.5f * (rnd(&b->seed) + 1.0f);
    v->kind = PDSI_VALUE_PARAM;
}

/* Slots as "Slot=a,b" strings; NULL-terminated lists. */
static void tb_op(tb *b, const char *type, const char *const *ins, const char *const *outs,
                  const pdsi_attr *attrs, int n_attrs)
{
    pdsi_raw_slot in[8], out[8];
    const char *names[16][8];
    char buf[16][128];
    int ni = 0, no = 0, nb = 0;
    for (int pass = 0; pass < 2; pass++) {
        const char *const *list = pass ? outs : ins;
        for (int k = 0; list && list[k]; k++) {
            snprintf(buf[nb], sizeof buf[nb], "%s", list[k]);
            char *eq = strchr(buf[nb], '=');
            *eq = '\0';
            int n = 0;
            for (char *tok = strtok(eq + 1, ","); tok; tok = strtok(NULL, ","))
                names[nb][n++] = tok;
            pdsi_raw_slot s = {buf[nb], n, names[nb]};
            if (pass)
                out[no++] = s;
            else
                in[ni++] = s;
            nb++;
        }
    }
    pdsi_raw_op op = {type, ++b->n_ops, in, ni, out, no, {attrs, n_attrs, NULL}};
    CHECK_OK(pdsi_graph_add_op(&b->g, &op, &b->err), &b->err);
}

static void tb_output(tb *b, const char *name)
{
    CHECK_OK(pdsi_graph_set_output(&b->g, b->n_out++, name, &b->err), &b->err);
}

static pdsi_model *tb_model(tb *b)
{
    pdsi_model *m = NULL;
    CHECK_OK(pdsi_graph_finish(&b->g, &b->err), &b->err);
    CHECK_OK(pdsi_model_create(&b->g, &m, &b->err), &b->err);
    return m;
}

/* ---- running both ways ------------------------------------------------------ */

typedef void (*graph_fn)(tb *b);

typedef struct io {
    int n;
    pds_tensor t[16];
    float *buf[16];
} io;

static void io_free(io *x)
{
    for (int i = 0; i < x->n; i++)
        free(x->buf[i]);
}

/* How many oneDNN steps of operator `type` (the node's type as the passes
 * left it, e.g. "fc+relu") a plan must have: exactly `want`. */
typedef struct fast_count {
    const char *type;
    int want, got;
    const char *impl; /* counts only steps whose implementation starts so (NULL: any) */
} fast_count;

/* Fills each entry's got from the plan of p's last run (list ends at type NULL). */
static void count_fast(const pdsi_predictor *p, fast_count *fc)
{
    for (; fc && fc->type; fc++) {
        fc->got = 0;
        const pdsi_plan *pl = p->cur;
        for (int32_t i = 0; pl && i < pl->n_steps; i++)
            fc->got += pl->steps[i].kind == PDSI_STEP_BACKEND &&
                       strcmp(pl->steps[i].backend->name, "onednn") == 0 &&
                       strcmp(p->model->graph.nodes[pl->steps[i].node].type, fc->type) == 0 &&
                       (!fc->impl || strncmp(pl->steps[i].backend->step_impl(pl->steps[i].impl),
                                             fc->impl, strlen(fc->impl)) == 0);
    }
}

/* Runs m on the inputs; outputs land in out (allocated). */
static pds_status run(pdsi_model *m, int threads, const io *in, io *out, pds_error *err,
                      pds_predictor_stats *stats, fast_count *fc)
{
    pds_predictor_options o;
    pds_predictor_options_init(&o);
    o.num_threads = threads;
    pdsi_predictor *p;
    pds_status st = pdsi_predictor_create(m, &o, &p, err);
    if (st)
        return st;
    out->n = m->graph.n_outputs;
    pthread_mutex_lock(&p->run_mu);
    pdsi_predictor_begin(p, pdsi_run_id_new(), 0);
    /* Twice: the second run reuses the plan. */
    for (int rep = 0; rep < 2 && !st; rep++) {
        st = pdsi_predictor_run(p, in->t, (size_t)in->n, NULL, 0, err);
        for (int i = 0; i < out->n && !st; i++) {
            const pdsi_tensor *r = p->result[i];
            size_t bytes = pdsi_tensor_bytes(r);
            free(out->buf[i]);
            out->buf[i] = malloc(bytes ? bytes : 1);
            memcpy(out->buf[i], r->data, bytes);
            out->t[i].dtype = r->dtype;
            out->t[i].rank = r->rank;
            memcpy(out->t[i].dims, r->dims, sizeof r->dims);
            out->t[i].data = out->buf[i];
            out->t[i].byte_length = bytes;
        }
    }
    pdsi_predictor_end(p);
    if (stats)
        pdsi_predictor_stats(p, stats);
    if (!st)
        count_fast(p, fc);
    pthread_mutex_unlock(&p->run_mu);
    pdsi_predictor_free(p);
    return st;
}

static void random_inputs(pdsi_model *m, io *in, uint32_t seed)
{
    in->n = m->graph.n_inputs;
    for (int i = 0; i < in->n; i++) {
        const pds_tensor_info *info = &m->inputs[i];
        pds_tensor *t = &in->t[i];
        memset(t, 0, sizeof *t);
        t->dtype = PDS_FLOAT32;
        t->rank = info->rank;
        int64_t n = 1;
        for (int d = 0; d < info->rank; d++) {
            t->dims[d] = info->dims[d] > 0 ? info->dims[d] : 2;
            n *= t->dims[d];
        }
        in->buf[i] = malloc(sizeof(float) * (size_t)n);
        for (int64_t k = 0; k < n; k++)
            in->buf[i][k] = 2.0f * rnd(&seed);
        t->data = in->buf[i];
        t->byte_length = sizeof(float) * (size_t)n;
    }
}

/* Builds fn's graph both ways, runs both with 1 and 2 threads, compares;
 * the fast path must have planned at least min_fast oneDNN steps, and
 * exactly the counts in expect (NULL-type terminated, may be NULL) of
 * oneDNN steps per operator type. */
static void both_ways_expect(const char *what, graph_fn fn, uint32_t min_fast,
                             const fast_count *expect)
{
    tb rb, fb;
    tb_init(&rb, true);
    fn(&rb);
    pdsi_model *ref = tb_model(&rb);
    tb_init(&fb, false);
    fn(&fb);
    pdsi_model *fast = tb_model(&fb);
    if (!ref || !fast) {
        PDST_FAIL("%s: could not build the graph", what);
        if (ref)
            pdsi_model_release(ref);
        if (fast)
            pdsi_model_release(fast);
        return;
    }
    io in = {0}, want = {0};
    random_inputs(ref, &in, 777);
    pds_error err;
    CHECK_OK(run(ref, 1, &in, &want, &err, NULL, NULL), &err);
    for (int threads = 1; threads <= 2; threads++) {
        io got = {0};
        pds_predictor_stats st;
        fast_count fc[16] = {{0}};
        for (int k = 0; expect && expect[k].type && k < 15; k++)
            fc[k] = expect[k];
        pds_status s = run(fast, threads, &in, &got, &err, &st, fc);
        if (s) {
            PDST_FAIL("%s: fast run returned %s: %s", what, pds_status_name(s), err.message);
            io_free(&got);
            continue;
        }
        if (have_onednn() && st.fast_steps < min_fast)
            PDST_FAIL("%s: %u oneDNN steps planned, expected at least %u", what, st.fast_steps,
                      min_fast);
        for (int k = 0; have_onednn() && fc[k].type; k++)
            if (fc[k].got != fc[k].want)
                PDST_FAIL("%s: %d oneDNN steps run '%s'%s%s, expected %d", what, fc[k].got,
                          fc[k].type, fc[k].impl ? " with an implementation named " : "",
                          fc[k].impl ? fc[k].impl : "", fc[k].want);
        for (int i = 0; i < want.n; i++) {
            char label[160];
            snprintf(label, sizeof label, "%s out%d (%d threads)", what, i, threads);
            if (got.t[i].rank != want.t[i].rank ||
                memcmp(got.t[i].dims, want.t[i].dims, sizeof(int64_t) * PDS_MAX_RANK) != 0) {
                PDST_FAIL("%s: shape differs", label);
                continue;
            }
            pdst_check_close(label, got.buf[i], want.buf[i],
                             (long)(want.t[i].byte_length / sizeof(float)), PDST_ATOL, PDST_RTOL);
        }
        io_free(&got);
    }
    io_free(&in);
    io_free(&want);
    pdsi_model_release(ref);
    pdsi_model_release(fast);
}

static void both_ways(const char *what, graph_fn fn, uint32_t min_fast)
{
    both_ways_expect(what, fn, min_fast, NULL);
}

/* ---- graphs ------------------------------------------------------------------ */

#define A_INT(n, v) pdst_attr_int(n, v)
#define A_INTS(n, ...) pdst_attr_ints(n, (const int64_t[]){__VA_ARGS__}, \
                                      sizeof((const int64_t[]){__VA_ARGS__}) / sizeof(int64_t))
#define LIST(...) ((const char *const[]){__VA_ARGS__, NULL})

static void bn(tb *b, const char *x, const char *y, int64_t c, const char *tag)
{
    char s[64], bi[64], mu[64], va[64], in[4][80], out1[80];
    snprintf(s, sizeof s, "%s_s", tag);
    snprintf(bi, sizeof bi, "%s_b", tag);
    snprintf(mu, sizeof mu, "%s_m", tag);
    snprintf(va, sizeof va, "%s_v", tag);
    tb_param(b, s, 1, &c, 0.5f, 1.5f);
    tb_param(b, bi, 1, &c, -0.5f, 0.5f);
    tb_param(b, mu, 1, &c, -0.5f, 0.5f);
    tb_param(b, va, 1, &c, 0.5f, 1.5f);
    char xs[80];
    snprintf(xs, sizeof xs, "X=%s", x);
    snprintf(in[0], 80, "Scale=%s", s);
    snprintf(in[1], 80, "Bias=%s", bi);
    snprintf(in[2], 80, "Mean=%s", mu);
    snprintf(in[3], 80, "Variance=%s", va);
    snprintf(out1, sizeof out1, "Y=%s", y);
    pdsi_attr eps = pdst_attr_float("epsilon", 1e-5);
    tb_op(b, "batch_norm", LIST(xs, in[0], in[1], in[2], in[3]), LIST(out1), &eps, 1);
}

static void conv(tb *b, const char *type, const char *x, const char *y, int64_t cin, int64_t cout,
                 int64_t k, int64_t stride, int64_t pad, int64_t groups, int64_t dil,
                 const char *algo)
{
    char w[64], xs[80], ws[80], ys[80];
    snprintf(w, sizeof w, "%s_w", y);
    bool tr = strstr(type, "transpose") != NULL;
    const int64_t wd[4] = {tr ? cin : cout, tr ? cout / groups : cin / groups, k, k};
    tb_param(b, w, 4, wd, -0.3f, 0.3f);
    snprintf(xs, sizeof xs, "Input=%s", x);
    snprintf(ws, sizeof ws, "Filter=%s", w);
    snprintf(ys, sizeof ys, "Output=%s", y);
    pdsi_attr at[5] = {A_INTS("strides", stride, stride), A_INTS("paddings", pad, pad),
                       A_INT("groups", groups), A_INTS("dilations", dil, dil),
                       pdst_attr_str("padding_algorithm", algo ? algo : "EXPLICIT")};
    tb_op(b, type, LIST(xs, ws), LIST(ys), at, 5);
}

static void unary(tb *b, const char *type, const char *x, const char *y, const pdsi_attr *a,
                  int na)
{
    char xs[80], ys[80];
    snprintf(xs, sizeof xs, "X=%s", x);
    snprintf(ys, sizeof ys, "Out=%s", y);
    tb_op(b, type, LIST(xs), LIST(ys), a, na);
}

static void binary(tb *b, const char *type, const char *x, const char *y, const char *o, int axis)
{
    char xs[80], ys[80], os[80];
    snprintf(xs, sizeof xs, "X=%s", x);
    snprintf(ys, sizeof ys, "Y=%s", y);
    snprintf(os, sizeof os, "Out=%s", o);
    pdsi_attr ax = A_INT("axis", axis);
    tb_op(b, type, LIST(xs, ys), LIST(os), &ax, 1);
}

/* conv + bias add + BN + relu; grouped/dilated/strided variants with every
 * activation that fuses. */
static void g_conv_chain(tb *b)
{
    const int64_t xd[4] = {2, 8, 13, 11};
    tb_input(b, "x", 4, xd);
    conv(b, "conv2d", "x", "c1", 8, 16, 3, 1, 1, 1, 1, NULL);
    const int64_t c16 = 16;
    tb_param(b, "c1_b", 1, &c16, -0.2f, 0.2f);
    binary(b, "elementwise_add", "c1", "c1_b", "c1b", 1);
    bn(b, "c1b", "c1n", 16, "bn1");
    unary(b, "relu", "c1n", "r1", NULL, 0);
    conv(b, "conv2d", "r1", "c2", 16, 16, 3, 2, 2, 4, 2, NULL);
    bn(b, "c2", "c2n", 16, "bn2");
    unary(b, "relu6", "c2n", "r2", (pdsi_attr[]){pdst_attr_float("threshold", 6.0)}, 1);
    conv(b, "depthwise_conv2d", "r2", "c3", 16, 16, 5, 2, 2, 16, 1, NULL);
    bn(b, "c3", "c3n", 16, "bn3");
    unary(b, "hard_swish", "c3n", "r3", NULL, 0);
    conv(b, "conv2d", "r3", "c4", 16, 24, 1, 1, 0, 1, 1, NULL);
    unary(b, "hard_sigmoid", "c4", "r4",
          (pdsi_attr[]){pdst_attr_float("slope", 0.2), pdst_attr_float("offset", 0.5)}, 2);
    conv(b, "conv2d", "r4", "c5", 24, 8, 3, 2, 0, 1, 1, "SAME");
    unary(b, "swish", "c5", "r5", (pdsi_attr[]){pdst_attr_float("beta", 1.0)}, 1);
    conv(b, "conv2d", "r5", "c6", 8, 8, 3, 1, 1, 2, 1, NULL);
    unary(b, "sigmoid", "c6", "r6", NULL, 0);
    conv(b, "conv2d", "r6", "c7", 8, 8, 1, 1, 0, 1, 1, NULL);
    unary(b, "leaky_relu", "c7", "r7", (pdsi_attr[]){pdst_attr_float("alpha", 0.1)}, 1);
    conv(b, "conv2d", "r7", "c8", 8, 8, 1, 1, 0, 1, 1, NULL);
    unary(b, "tanh", "c8", "r8", NULL, 0);
    conv(b, "conv2d", "r8", "c9", 8, 8, 1, 1, 0, 1, 1, NULL);
    unary(b, "gelu", "c9", "r9", NULL, 0);
    tb_output(b, "r9");
}

/* PP-LCNetV3's learnable affine blocks: s * x + t with 1-element parameters
 * after convolutions and activations. The passes turn them into affines,
 * merge each pair, fold one right after a convolution into its weights and
 * fuse the rest as a post-op, which stays the last post-op (a convolution
 * with [linear, hardswish, linear] computed wrong values on oneDNN 2.6): so
 * conv + relu + affine fuses and the hard_swish after it runs alone. An
 * affine of an input runs alone too. */
static void g_scalar_affine(tb *b)
{
    const int64_t xd[4] = {2, 8, 13, 11}, one = 1, c16 = 16;
    tb_input(b, "x", 4, xd);
    conv(b, "conv2d", "x", "c1", 8, 16, 3, 1, 1, 1, 1, NULL);
    tb_param(b, "c1_b", 1, &c16, -0.2f, 0.2f);
    binary(b, "elementwise_add", "c1", "c1_b", "c1b", 1);
    const char *sc[] = {"s1", "t1", "s2", "t2", "s3", "t3", "s4", "s5", "t5"};
    for (int k = 0; k < 9; k++)
        tb_param(b, sc[k], 1, &one, sc[k][0] == 's' ? 0.5f : -0.5f, sc[k][0] == 's' ? 1.5f : 0.5f);
    binary(b, "elementwise_mul", "s1", "c1b", "a1", -1); /* the parameter as X, as LCNetV3 */
    binary(b, "elementwise_add", "a1", "t1", "a2", -1);
    unary(b, "hard_swish", "a2", "h1", NULL, 0);
    binary(b, "elementwise_mul", "s2", "h1", "a3", -1);
    binary(b, "elementwise_add", "a3", "t2", "a4", -1);
    conv(b, "depthwise_conv2d", "a4", "c2", 16, 16, 3, 1, 1, 16, 1, NULL);
    unary(b, "relu", "c2", "r2", NULL, 0);
    binary(b, "elementwise_mul", "r2", "s3", "a5", -1);
    binary(b, "elementwise_add", "t3", "a5", "a6", -1);
    unary(b, "hard_swish", "a6", "h2", NULL, 0);
    tb_output(b, "h2");
    const int64_t yd[2] = {5, 7};
    tb_input(b, "y", 2, yd);
    binary(b, "elementwise_mul", "y", "s4", "b1", -1);
    binary(b, "elementwise_mul", "b1", "s5", "b2", -1);
    binary(b, "elementwise_add", "b2", "t5", "b3", -1);
    tb_output(b, "b3");
}

/* Post-op chains that put two linear entries into one oneDNN convolution
 * (hard_sigmoid is a linear and a clip): oneDNN 2.6's brgemm convolutions
 * apply the first linear entry's factors to every later one, so such a chain
 * must not fuse whole. conv + hard_sigmoid + affine, conv + hard_sigmoid +
 * hard_sigmoid, and an affine after a fused hard_sigmoid's clip. */
static void g_linear_chains(tb *b)
{
    const int64_t xd[4] = {2, 8, 9, 7}, one = 1;
    tb_input(b, "x", 4, xd);
    const pdsi_attr hs[2] = {pdst_attr_float("slope", 0.2), pdst_attr_float("offset", 0.5)};
    const pdsi_attr hs2[2] = {pdst_attr_float("slope", 1.5), pdst_attr_float("offset", -0.25)};
    tb_param(b, "ls", 1, &one, 1.5f, 2.5f);
    tb_param(b, "lt", 1, &one, -0.5f, 0.5f);
    conv(b, "conv2d", "x", "c1", 8, 16, 3, 1, 1, 1, 1, NULL);
    unary(b, "hard_sigmoid", "c1", "h1", hs, 2);
    binary(b, "elementwise_mul", "h1", "ls", "a1", -1);
    binary(b, "elementwise_add", "a1", "lt", "a2", -1);
    tb_output(b, "a2");
    conv(b, "conv2d", "x", "c2", 8, 16, 3, 1, 1, 1, 1, NULL);
    unary(b, "hard_sigmoid", "c2", "h2", hs2, 2);
    unary(b, "hard_sigmoid", "h2", "h3", hs, 2);
    tb_output(b, "h3");
    conv(b, "conv2d", "x", "c3", 8, 16, 1, 1, 0, 1, 1, NULL);
    unary(b, "relu", "c3", "r3", NULL, 0);
    unary(b, "hard_sigmoid", "r3", "h4", hs2, 2);
    binary(b, "elementwise_mul", "ls", "h4", "a3", -1);
    tb_output(b, "a3");
}

/* Eight convolutions reading one filter: the load-time packing threads
 * reorder it at the same time, and its plain data may be dropped only when
 * the last of them is done with it (ASan watches for a read after free). */
static void g_shared_filter(tb *b)
{
    const int64_t xd[4] = {1, 16, 12, 12}, wd[4] = {16, 16, 3, 3};
    tb_input(b, "x", 4, xd);
    tb_param(b, "w_shared", 4, wd, -0.2f, 0.2f);
    char prev[16] = "x";
    for (int k = 0; k < 8; k++) {
        char conv_out[16], xs[80], ys[80];
        snprintf(conv_out, sizeof conv_out, "s%d", k);
        snprintf(xs, sizeof xs, "Input=%s", prev);
        snprintf(ys, sizeof ys, "Output=%s", conv_out);
        pdsi_attr at[5] = {A_INTS("strides", 1, 1), A_INTS("paddings", 1, 1), A_INT("groups", 1),
                           A_INTS("dilations", 1, 1), pdst_attr_str("padding_algorithm", "EXPLICIT")};
        tb_op(b, "conv2d", LIST(xs, "Filter=w_shared"), LIST(ys), at, 5);
        snprintf(prev, sizeof prev, "sr%d", k);
        unary(b, "tanh", conv_out, prev, NULL, 0);
    }
    tb_output(b, prev);
}

/* Residual adds: one whose input dies at the add (shares storage), one whose
 * input is read again later (copied first), with activations after them. */
static void g_residual(tb *b)
{
    const int64_t xd[4] = {1, 16, 9, 9};
    tb_input(b, "x", 4, xd);
    conv(b, "conv2d", "x", "a", 16, 16, 3, 1, 1, 1, 1, NULL);
    bn(b, "a", "an", 16, "bna");
    unary(b, "relu", "an", "ar", NULL, 0);
    conv(b, "conv2d", "ar", "b", 16, 16, 3, 1, 1, 1, 1, NULL);
    bn(b, "b", "bn", 16, "bnb");
    binary(b, "elementwise_add", "bn", "x", "s1", -1); /* x dies here */
    unary(b, "relu", "s1", "s1r", NULL, 0);
    conv(b, "conv2d", "s1r", "c", 16, 16, 1, 1, 0, 1, 1, NULL);
    binary(b, "elementwise_add", "s1r", "c", "s2", -1); /* residual operand first */
    conv(b, "conv2d", "s2", "d", 16, 16, 1, 1, 0, 1, 1, NULL);
    binary(b, "elementwise_add", "d", "s1r", "s3", -1); /* s1r still read below */
    binary(b, "elementwise_mul", "s3", "s1r", "s4", -1);
    conv(b, "conv2d", "s4", "e", 16, 16, 3, 1, 1, 1, 1, NULL);
    binary(b, "elementwise_add", "e", "s4", "s5", -1); /* conv(x) + x: x read and added */
    tb_output(b, "s5");
}

/* Transposed convolutions: kernel == stride (matrix product form), general
 * ones with padding, output padding and groups, plus bias, BN, activations. */
static void g_deconv(tb *b)
{
    const int64_t xd[4] = {2, 8, 7, 6};
    tb_input(b, "x", 4, xd);
    conv(b, "conv2d_transpose", "x", "t1", 8, 8, 2, 2, 0, 1, 1, NULL);
    const int64_t c8 = 8;
    tb_param(b, "t1_b", 1, &c8, -0.2f, 0.2f);
    binary(b, "elementwise_add", "t1", "t1_b", "t1b", 1);
    bn(b, "t1b", "t1n", 8, "bnt");
    unary(b, "relu", "t1n", "t1r", NULL, 0);
    conv(b, "conv2d_transpose", "t1r", "t2", 8, 4, 3, 2, 1, 2, 1, NULL);
    unary(b, "sigmoid", "t2", "t2s", NULL, 0);
    conv(b, "conv2d_transpose", "t2s", "t3", 4, 1, 2, 2, 0, 1, 1, NULL);
    tb_output(b, "t3");
    conv(b, "depthwise_conv2d_transpose", "x", "t4", 8, 8, 4, 2, 1, 8, 1, NULL);
    tb_output(b, "t4");
}

static void pool(tb *b, const char *x, const char *y, const char *type, int64_t k, int64_t s,
                 int64_t p, bool ceil, bool excl, bool adaptive, bool global)
{
    char xs[80], ys[80];
    snprintf(xs, sizeof xs, "X=%s", x);
    snprintf(ys, sizeof ys, "Out=%s", y);
    pdsi_attr at[8] = {pdst_attr_str("pooling_type", type), A_INTS("ksize", k, k),
                       A_INTS("strides", s, s), A_INTS("paddings", p, p),
                       pdst_attr_bool("ceil_mode", ceil), pdst_attr_bool("exclusive", excl),
                       pdst_attr_bool("adaptive", adaptive),
                       pdst_attr_bool("global_pooling", global)};
    tb_op(b, "pool2d", LIST(xs), LIST(ys), at, 8);
}

static void g_pool(tb *b)
{
    const int64_t xd[4] = {2, 16, 15, 14};
    tb_input(b, "x", 4, xd);
    conv(b, "conv2d", "x", "c", 16, 16, 1, 1, 0, 1, 1, NULL); /* NHWC from here */
    pool(b, "c", "p1", "max", 3, 2, 1, false, true, false, false);
    pool(b, "c", "p2", "avg", 3, 2, 1, false, true, false, false);
    pool(b, "c", "p3", "avg", 3, 2, 1, false, false, false, false);
    pool(b, "c", "p4", "max", 3, 2, 0, true, true, false, false);
    pool(b, "c", "p5", "avg", 2, 2, 0, true, true, false, false);
    pool(b, "c", "p6", "avg", 1, 1, 0, false, true, true, false);
    pool(b, "c", "p7", "max", 1, 1, 0, false, true, false, true);
    pool(b, "c", "p8", "avg", 4, 1, 0, false, true, true, false); /* uneven bins: reference */
    pool(b, "c", "p9", "avg", 3, 2, 1, true, false, false, false);
    const char *outs[] = {"p1", "p2", "p3", "p4", "p5", "p6", "p7", "p8", "p9"};
    for (int i = 0; i < 9; i++)
        tb_output(b, outs[i]);
}

/* SE block: global pool, two 1x1 convs, hard_sigmoid, broadcast multiply;
 * then binaries of every kind, legacy-axis broadcasting, standalone
 * activations on NHWC data, concat, nearest upsampling. */
static void g_eltwise(tb *b)
{
    const int64_t xd[4] = {2, 16, 8, 10};
    tb_input(b, "x", 4, xd);
    conv(b, "conv2d", "x", "c", 16, 16, 1, 1, 0, 1, 1, NULL);
    pool(b, "c", "g", "avg", 1, 1, 0, false, true, true, false);
    conv(b, "conv2d", "g", "g1", 16, 4, 1, 1, 0, 1, 1, NULL);
    unary(b, "relu", "g1", "g1r", NULL, 0);
    conv(b, "conv2d", "g1r", "g2", 4, 16, 1, 1, 0, 1, 1, NULL);
    unary(b, "hard_sigmoid", "g2", "g2s",
          (pdsi_attr[]){pdst_attr_float("slope", 1.0 / 6), pdst_attr_float("offset", 0.5)}, 2);
    binary(b, "elementwise_mul", "c", "g2s", "se", -1);
    unary(b, "hard_swish", "se", "hs", NULL, 0); /* se has two readers: standalone */
    binary(b, "elementwise_sub", "se", "hs", "d1", -1);
    binary(b, "elementwise_div", "d1", "g2s", "d2", -1);
    const int64_t c16 = 16;
    tb_param(b, "chan", 1, &c16, 0.5f, 1.5f);
    binary(b, "elementwise_add", "d2", "chan", "d3", 1);
    binary(b, "elementwise_max", "d3", "se", "d4", -1);
    binary(b, "elementwise_min", "d4", "hs", "d5", -1);
    pdsi_attr sc[3] = {pdst_attr_float("scale", 0.5), pdst_attr_float("bias", 0.25),
                       pdst_attr_bool("bias_after_scale", false)};
    unary(b, "scale", "d5", "d6", sc, 3);
    tb_op(b, "concat", LIST("X=d6,c,se"), LIST("Out=cat"), (pdsi_attr[]){A_INT("axis", 1)}, 1);
    pdsi_attr up[4] = {pdst_attr_str("interp_method", "nearest"),
                       pdst_attr_bool("align_corners", false), A_INT("align_mode", 1),
                       pdst_attr_floats("scale", (const double[]){2.0, 2.0}, 2)};
    tb_op(b, "nearest_interp_v2", LIST("X=cat"), LIST("Out=up"), up, 4);
    tb_output(b, "up");
    tb_output(b, "hs");
}

/* matmul_v2 with a parameter and a bias (fused), attention-style batched
 * products of activations, softmax, layer_norm. */
static void g_matmul(tb *b)
{
    const int64_t xd[3] = {2, 6, 16};
    tb_input(b, "x", 3, xd);
    const int64_t wd[2] = {16, 24}, c24 = 24, c8 = 8, wd2[2] = {24, 8};
    tb_param(b, "w", 2, wd, -0.3f, 0.3f);
    tb_param(b, "wb", 1, &c24, -0.2f, 0.2f);
    pdsi_attr tf[2] = {pdst_attr_bool("trans_x", false), pdst_attr_bool("trans_y", false)};
    tb_op(b, "matmul_v2", LIST("X=x", "Y=w"), LIST("Out=h"), tf, 2);
    binary(b, "elementwise_add", "h", "wb", "hb", -1);
    unary(b, "hard_swish", "hb", "ha", NULL, 0);
    tb_param(b, "w2", 2, wd2, -0.3f, 0.3f);
    tb_op(b, "matmul_v2", LIST("X=ha", "Y=w2"), LIST("Out=q"), tf, 2);
    pdsi_attr tt[2] = {pdst_attr_bool("trans_x", false), pdst_attr_bool("trans_y", true)};
    tb_op(b, "matmul_v2", LIST("X=q", "Y=q"), LIST("Out=att"), tt, 2);
    tb_op(b, "softmax", LIST("X=att"), LIST("Out=sm"), (pdsi_attr[]){A_INT("axis", -1)}, 1);
    tb_op(b, "matmul_v2", LIST("X=sm", "Y=q"), LIST("Out=ctx"), tf, 2);
    tb_param(b, "ln_s", 1, &c8, 0.5f, 1.5f);
    tb_param(b, "ln_b", 1, &c8, -0.5f, 0.5f);
    pdsi_attr ln[2] = {A_INT("begin_norm_axis", 2), pdst_attr_float("epsilon", 1e-5)};
    tb_op(b, "layer_norm", LIST("X=ctx", "Scale=ln_s", "Bias=ln_b"),
          LIST("Y=ln", "Mean=ln_m", "Variance=ln_v"), ln, 2);
    tb_output(b, "ln");
    tb_output(b, "ln_m");
    tb_output(b, "ln_v");
}

/* Products of a few rows by constant weights (backend/onednn/gemv.c runs
 * M <= 4 of them on oneDNN's packed weights): K = 100 (not a multiple of
 * the 16-row blocks), N = 200, 70, 130 and 64 (tails of the 64-column
 * panels), with bias and ReLU (fc), without either (mul), with a bias and
 * GELU (oneDNN keeps it: only ReLU is fused in gemv.c) and with transposed
 * weights (packed the same). g_rows sets M. */
static int64_t g_rows = 1;

static void g_gemv(tb *b)
{
    const int64_t xd[2] = {g_rows, 100};
    tb_input(b, "x", 2, xd);
    const int64_t w1[2] = {100, 200}, c200 = 200, w2[2] = {200, 70}, w3[2] = {70, 130},
                  c130 = 130, w4[2] = {64, 130};
    tb_param(b, "w1", 2, w1, -0.2f, 0.2f);
    tb_param(b, "b1", 1, &c200, -0.5f, 0.5f);
    tb_param(b, "w2", 2, w2, -0.2f, 0.2f);
    tb_param(b, "w3", 2, w3, -0.2f, 0.2f);
    tb_param(b, "b3", 1, &c130, -0.5f, 0.5f);
    tb_param(b, "w4", 2, w4, -0.2f, 0.2f);
    pdsi_attr fca[2] = {A_INT("in_num_col_dims", 1), pdst_attr_str("activation_type", "relu")};
    tb_op(b, "fc", LIST("Input=x", "W=w1", "Bias=b1"), LIST("Out=h1"), fca, 2);
    pdsi_attr mula[2] = {A_INT("x_num_col_dims", 1), A_INT("y_num_col_dims", 1)};
    tb_op(b, "mul", LIST("X=h1", "Y=w2"), LIST("Out=h2"), mula, 2);
    pdsi_attr tf[2] = {pdst_attr_bool("trans_x", false), pdst_attr_bool("trans_y", false)};
    tb_op(b, "matmul_v2", LIST("X=h2", "Y=w3"), LIST("Out=h3"), tf, 2);
    binary(b, "elementwise_add", "h3", "b3", "h3b", -1);
    unary(b, "gelu", "h3b", "h3g", NULL, 0);
    pdsi_attr tt[2] = {pdst_attr_bool("trans_x", false), pdst_attr_bool("trans_y", true)};
    tb_op(b, "matmul_v2", LIST("X=h3g", "Y=w4"), LIST("Out=h4"), tt, 2);
    tb_output(b, "h1");
    tb_output(b, "h2");
    tb_output(b, "h3g");
    tb_output(b, "h4");
}

/* Legacy matmul (v1): transpose_X/Y and alpha (attention's 1/sqrt(d)),
 * with a parameter and with an activation as Y, an alpha product followed by
 * an activation (fused) and one followed by a bias add (kept apart), and an
 * alpha-1 product whose bias add and relu are fused. */
static void g_matmul_v1(tb *b)
{
    const int64_t xd[3] = {2, 6, 16};
    tb_input(b, "x", 3, xd);
    const int64_t wd[2] = {16, 24}, c24 = 24, wd2[2] = {8, 24};
    tb_param(b, "w", 2, wd, -0.3f, 0.3f);
    tb_param(b, "wb", 1, &c24, -0.2f, 0.2f);
    tb_param(b, "w2", 2, wd2, -0.3f, 0.3f);
    pdsi_attr plain[3] = {pdst_attr_bool("transpose_X", false),
                          pdst_attr_bool("transpose_Y", false), pdst_attr_float("alpha", 1.0)};
    tb_op(b, "matmul", LIST("X=x", "Y=w"), LIST("Out=h"), plain, 3);
    binary(b, "elementwise_add", "h", "wb", "hb", -1);
    unary(b, "relu", "hb", "hr", NULL, 0);
    /* [2,6,24] x [8,24]^T * 0.5 -> [2,6,8], then tanh (fused). */
    pdsi_attr ty[3] = {pdst_attr_bool("transpose_X", false), pdst_attr_bool("transpose_Y", true),
                       pdst_attr_float("alpha", 0.5)};
    tb_op(b, "matmul", LIST("X=hr", "Y=w2"), LIST("Out=q"), ty, 3);
    unary(b, "tanh", "q", "qt", NULL, 0);
    /* Attention scores: q q^T / sqrt(8), then softmax. */
    pdsi_attr att[3] = {pdst_attr_bool("transpose_X", false), pdst_attr_bool("transpose_Y", true),
                        pdst_attr_float("alpha", 0.35355339)};
    tb_op(b, "matmul", LIST("X=qt", "Y=qt"), LIST("Out=s"), att, 3);
    tb_op(b, "softmax", LIST("X=s"), LIST("Out=sm"), (pdsi_attr[]){A_INT("axis", -1)}, 1);
    /* transpose_X: ([2,6,6]^T) x [2,6,8] * 2, then a bias add kept apart. */
    pdsi_attr tx[3] = {pdst_attr_bool("transpose_X", true), pdst_attr_bool("transpose_Y", false),
                       pdst_attr_float("alpha", 2.0)};
    tb_op(b, "matmul", LIST("X=sm", "Y=qt"), LIST("Out=c"), tx, 3);
    const int64_t c8 = 8;
    tb_param(b, "cb", 1, &c8, -0.2f, 0.2f);
    binary(b, "elementwise_add", "c", "cb", "cbo", -1);
    tb_output(b, "cbo");
}

/* fc and mul become fused matmuls: fc with in_num_col_dims 1, 2 and 3, with
 * and without its Bias ([N] and [1, N]) and relu, with a later bias add and
 * activation absorbed; mul + elementwise_add + relu (old Paddle's fc), mul of
 * a rank-3 Y, and mul of two activations. */
static void g_fc(tb *b)
{
    const int64_t xd[4] = {2, 3, 4, 5}, yd[2] = {60, 5};
    tb_input(b, "x", 4, xd);
    tb_input(b, "y", 2, yd);
    const int64_t w1[2] = {60, 16}, c16 = 16, w2[2] = {20, 8}, c8 = 8, b3[2] = {1, 8};
    const int64_t w4[2] = {5, 4}, w5[2] = {60, 12}, c12 = 12, w6[3] = {5, 2, 3};
    tb_param(b, "w1", 2, w1, -0.3f, 0.3f);
    tb_param(b, "b1", 1, &c16, -0.2f, 0.2f);
    pdsi_attr fc1[2] = {A_INT("in_num_col_dims", 1), pdst_attr_str("activation_type", "relu")};
    tb_op(b, "fc", LIST("Input=x", "W=w1", "Bias=b1"), LIST("Out=f1"), fc1, 2);
    tb_output(b, "f1");
    tb_param(b, "w2", 2, w2, -0.3f, 0.3f);
    tb_param(b, "b2", 1, &c8, -0.2f, 0.2f);
    pdsi_attr fc2 = A_INT("in_num_col_dims", 2);
    tb_op(b, "fc", LIST("Input=x", "W=w2"), LIST("Out=f2"), &fc2, 1);
    binary(b, "elementwise_add", "f2", "b2", "f2b", 2); /* axis = in_num_col_dims */
    unary(b, "hard_swish", "f2b", "f2h", NULL, 0);
    tb_output(b, "f2h");
    tb_param(b, "w3", 2, w2, -0.3f, 0.3f);
    tb_param(b, "b3", 2, b3, -0.2f, 0.2f);
    tb_op(b, "fc", LIST("Input=x", "W=w3", "Bias=b3"), LIST("Out=f3"), &fc2, 1);
    tb_output(b, "f3");
    tb_param(b, "w4", 2, w4, -0.3f, 0.3f);
    pdsi_attr fc4[2] = {A_INT("in_num_col_dims", 3), pdst_attr_str("activation_type", "relu")};
    tb_op(b, "fc", LIST("Input=x", "W=w4"), LIST("Out=f4"), fc4, 2);
    tb_output(b, "f4");
    tb_param(b, "w5", 2, w5, -0.3f, 0.3f);
    tb_param(b, "b5", 1, &c12, -0.2f, 0.2f);
    pdsi_attr m11[2] = {A_INT("x_num_col_dims", 1), A_INT("y_num_col_dims", 1)};
    tb_op(b, "mul", LIST("X=x", "Y=w5"), LIST("Out=m1"), m11, 2);
    binary(b, "elementwise_add", "m1", "b5", "m1b", 1);
    unary(b, "relu", "m1b", "m1r", NULL, 0);
    tb_output(b, "m1r");
    tb_param(b, "w6", 3, w6, -0.3f, 0.3f);
    pdsi_attr m31[2] = {A_INT("x_num_col_dims", 3), A_INT("y_num_col_dims", 1)};
    tb_op(b, "mul", LIST("X=x", "Y=w6"), LIST("Out=m2"), m31, 2);
    tb_output(b, "m2");
    tb_op(b, "mul", LIST("X=x", "Y=y"), LIST("Out=m3"), m11, 2);
    tb_output(b, "m3");
}

/* Standalone batch norms: on the caller's NCHW input, after a pool and
 * after a convolution + relu (both NHWC on the fast path), after a matmul
 * (rank 2), on rank 3 and 5; one whose SavedMean is read stays with the
 * reference kernel. */
static void g_batch_norm(tb *b)
{
    const int64_t xd[4] = {2, 16, 9, 10}, vd[2] = {6, 16}, ud[3] = {2, 16, 7},
                  zd[5] = {2, 4, 3, 4, 5}, wd[2] = {16, 16};
    tb_input(b, "x", 4, xd);
    tb_input(b, "v", 2, vd);
    tb_input(b, "u", 3, ud);
    tb_input(b, "z", 5, zd);
    bn(b, "x", "n0", 16, "bn0");
    tb_output(b, "n0");
    pool(b, "x", "p", "max", 3, 2, 1, false, true, false, false);
    bn(b, "p", "n1", 16, "bn1");
    unary(b, "relu", "n1", "n1r", NULL, 0);
    tb_output(b, "n1r");
    conv(b, "conv2d", "x", "c", 16, 16, 1, 1, 0, 1, 1, NULL);
    unary(b, "relu", "c", "cr", NULL, 0); /* relu first: the BN cannot fold */
    bn(b, "cr", "n2", 16, "bn2");
    tb_output(b, "n2");
    tb_param(b, "w", 2, wd, -0.3f, 0.3f);
    pdsi_attr tf[2] = {pdst_attr_bool("trans_x", false), pdst_attr_bool("trans_y", false)};
    tb_op(b, "matmul_v2", LIST("X=v", "Y=w"), LIST("Out=mm"), tf, 2);
    bn(b, "mm", "n3", 16, "bn3");
    tb_output(b, "n3");
    bn(b, "u", "n4", 16, "bn4");
    tb_output(b, "n4");
    bn(b, "z", "n5", 4, "bn5");
    tb_output(b, "n5");
    pdsi_attr eps = pdst_attr_float("epsilon", 1e-3);
    tb_op(b, "batch_norm",
          LIST("X=p", "Scale=bn1_s", "Bias=bn1_b", "Mean=bn1_m", "Variance=bn1_v"),
          LIST("Y=n6", "SavedMean=sm"), &eps, 1);
    tb_output(b, "n6");
    tb_output(b, "sm");
}

static void interp(tb *b, const char *type, const char *x, const char *y, bool align_corners,
                   int64_t align_mode, double scale, int64_t oh, int64_t ow)
{
    char xs[80], ys[80];
    snprintf(xs, sizeof xs, "X=%s", x);
    snprintf(ys, sizeof ys, "Out=%s", y);
    bool v1 = strcmp(type, "bilinear_interp") == 0;
    pdsi_attr at[6] = {pdst_attr_str("interp_method", "bilinear"),
                       pdst_attr_bool("align_corners", align_corners),
                       A_INT("align_mode", align_mode), A_INT("out_h", oh), A_INT("out_w", ow),
                       v1 ? pdst_attr_float("scale", scale)
                          : pdst_attr_floats("scale", (const double[]){scale, scale},
                                             scale > 0 ? 2 : 0)};
    tb_op(b, type, LIST(xs), LIST(ys), at, 6);
    tb_output(b, y);
}

/* Bilinear resampling with half-pixel centres up and down, by scale and by
 * size, on NCHW and NHWC data; the configurations oneDNN would compute
 * differently (a scale whose floored size changes Paddle's ratio,
 * align_corners, align_mode 1) stay with the reference kernel. */
static void g_bilinear(tb *b)
{
    const int64_t xd[4] = {2, 8, 10, 12};
    tb_input(b, "x", 4, xd);
    interp(b, "bilinear_interp_v2", "x", "up2", false, 0, 2.0, -1, -1);
    interp(b, "bilinear_interp_v2", "x", "down2", false, 0, 0.5, -1, -1);
    interp(b, "bilinear_interp_v2", "x", "up15", false, 0, -1.0, 15, 18);
    interp(b, "bilinear_interp_v2", "x", "down25", false, 0, -1.0, 4, 5);
    interp(b, "bilinear_interp_v2", "x", "same", false, 0, -1.0, 10, 12);
    interp(b, "bilinear_interp", "x", "v1up", false, 0, 2.0, -1, -1);
    conv(b, "conv2d", "x", "c", 8, 8, 1, 1, 0, 1, 1, NULL);
    interp(b, "bilinear_interp_v2", "c", "cup", false, 0, 2.0, -1, -1);
    /* Reference: 10 * 0.75 floors to 7, so Paddle samples with 1/0.75, not 10/7. */
    interp(b, "bilinear_interp_v2", "x", "floored", false, 0, 0.75, -1, -1);
    interp(b, "bilinear_interp_v2", "x", "corners", true, 0, -1.0, 19, 23);
    interp(b, "bilinear_interp_v2", "x", "mode1", false, 1, 2.0, -1, -1);
}

/* log_softmax (and softmax) over contiguous dims: the last one, one followed
 * by size-1 dims, and the channels of an NHWC tensor; logits spread over
 * more than 64 so that Paddle's clip of the shifted logits shows. Strided
 * dims stay with the reference kernel. */
static void g_log_softmax(tb *b)
{
    const int64_t xd[3] = {4, 10, 6}, td[3] = {3, 7, 1}, cd[4] = {2, 8, 5, 6};
    tb_input(b, "x", 3, xd);
    tb_input(b, "t", 3, td);
    tb_input(b, "c", 4, cd);
    unary(b, "scale", "x", "xs", (pdsi_attr[]){pdst_attr_float("scale", 40.0)}, 1);
    const char *outs[] = {"l_last", "l_mid", "l_first", "l_one", "l_nhwc", "s_nhwc"};
    tb_op(b, "log_softmax", LIST("X=xs"), LIST("Out=l_last"), (pdsi_attr[]){A_INT("axis", -1)}, 1);
    tb_op(b, "log_softmax", LIST("X=xs"), LIST("Out=l_mid"), (pdsi_attr[]){A_INT("axis", 1)}, 1);
    tb_op(b, "log_softmax", LIST("X=xs"), LIST("Out=l_first"), (pdsi_attr[]){A_INT("axis", 0)}, 1);
    tb_op(b, "log_softmax", LIST("X=t"), LIST("Out=l_one"), (pdsi_attr[]){A_INT("axis", 1)}, 1);
    conv(b, "conv2d", "c", "cc", 8, 8, 1, 1, 0, 1, 1, NULL);
    unary(b, "scale", "cc", "ccs", (pdsi_attr[]){pdst_attr_float("scale", 60.0)}, 1);
    tb_op(b, "log_softmax", LIST("X=ccs"), LIST("Out=l_nhwc"), (pdsi_attr[]){A_INT("axis", 1)}, 1);
    tb_op(b, "softmax", LIST("X=ccs"), LIST("Out=s_nhwc"), (pdsi_attr[]){A_INT("axis", 1)}, 1);
    for (int i = 0; i < 6; i++)
        tb_output(b, outs[i]);
}

/* A residual add fused at nominal sizes (both 224x224) that broadcasts at the
 * run's size: the convolution's 1x1 result spreads over the upsampled
 * 224x224 map, as the unfused add would do it. */
static void g_broadcast_residual(tb *b)
{
    const int64_t xd[4] = {1, 4, -1, -1};
    tb_input(b, "x", 4, xd);
    conv(b, "conv2d", "x", "c", 4, 4, 3, 1, 1, 1, 1, NULL);
    pdsi_attr up[5] = {pdst_attr_str("interp_method", "nearest"),
                       pdst_attr_bool("align_corners", false), A_INT("align_mode", 1),
                       A_INT("out_h", 224), A_INT("out_w", 224)};
    tb_op(b, "nearest_interp_v2", LIST("X=x"), LIST("Out=r"), up, 5);
    binary(b, "elementwise_add", "c", "r", "s", -1);
    unary(b, "relu", "s", "o", NULL, 0);
    tb_output(b, "o");
}

static void test_broadcast_residual(void)
{
    tb rb, fb;
    tb_init(&rb, true);
    g_broadcast_residual(&rb);
    pdsi_model *ref = tb_model(&rb);
    tb_init(&fb, false);
    g_broadcast_residual(&fb);
    pdsi_model *fast = tb_model(&fb);
    if (!ref || !fast)
        return;
    bool fused = false;
    for (int32_t i = 0; i < fast->graph.n_nodes; i++)
        fused |= strcmp(fast->graph.nodes[i].type, "conv2d+elementwise_add+relu") == 0;
    CHECK(fused || !have_onednn()); /* no rewrites without the fast path */
    io in = {0}, want = {0}, got = {0};
    in.n = 1;
    float x[4] = {0.5f, -1.0f, 2.0f, 0.25f};
    in.t[0] = (pds_tensor){.dtype = PDS_FLOAT32, .rank = 4, .dims = {1, 4, 1, 1}, .data = x,
                           .byte_length = sizeof x};
    pds_error err;
    CHECK_OK(run(ref, 1, &in, &want, &err, NULL, NULL), &err);
    CHECK_OK(run(fast, 1, &in, &got, &err, NULL, NULL), &err);
    CHECK_EQ_INT(got.t[0].dims[2], 224);
    pdst_check_close("broadcast residual", got.buf[0], want.buf[0], 4 * 224 * 224, PDST_ATOL,
                     PDST_RTOL);
    io_free(&want);
    io_free(&got);
    pdsi_model_release(ref);
    pdsi_model_release(fast);
}

/* Static input shapes: shape operators (and what computes on them) fold into
 * parameters at load. */
static void g_static_shape(tb *b)
{
    const int64_t xd[4] = {2, 6, 4, 4};
    tb_input(b, "x", 4, xd);
    tb_op(b, "shape", LIST("Input=x"), LIST("Out=s"), NULL, 0);
    pdsi_attr sl[3] = {A_INTS("axes", 0), A_INTS("starts", 0), A_INTS("ends", 4)};
    tb_op(b, "slice", LIST("Input=s"), LIST("Out=s2"), sl, 3);
    pdsi_attr sh = A_INTS("shape", 0, 2, 3);
    tb_op(b, "reshape2", LIST("X=x", "Shape=s2"), LIST("Out=y", "XShape=xs"), &sh, 1);
    unary(b, "relu", "y", "r", NULL, 0);
    tb_output(b, "r");
}

static void test_static_shape_folding(void)
{
    tb fb;
    tb_init(&fb, false);
    g_static_shape(&fb);
    pdsi_model *fast = tb_model(&fb);
    if (!fast)
        return;
    bool has_shape = false;
    for (int32_t i = 0; i < fast->graph.n_nodes; i++)
        has_shape |= strcmp(fast->graph.nodes[i].def->type, "shape") == 0;
    CHECK(!has_shape || !have_onednn());
    pdsi_model_release(fast);
    both_ways("static shapes", g_static_shape, 1);
}

static void test_fast_conv(void) { both_ways("conv chain", g_conv_chain, 9); }
static void test_fast_residual(void) { both_ways("residual", g_residual, 5); }
/* g_residual in bf16 (activations stored bf16 between the convolutions):
 * its residuals still read after the sum are kept by a copy, which for a
 * bf16-stored tensor is a same-layout conversion of its 2-byte elements (an
 * arena sized by storage has no room for a float32 copy; ASan watches).
 * Against the reference kernels in float32, at bf16's accuracy. */
static void test_fast_residual_bf16(void)
{
    tb rb, fb;
    tb_init(&rb, true);
    g_residual(&rb);
    pdsi_model *ref = tb_model(&rb);
    tb_init_precision(&fb, false, PDS_PRECISION_BF16);
    g_residual(&fb);
    pdsi_model *fast = NULL;
    pds_error err;
    CHECK_OK(pdsi_graph_finish(&fb.g, &fb.err), &fb.err);
    pds_status st = pdsi_model_create(&fb.g, &fast, &err);
    if (st == PDS_ERR_INVALID_ARGUMENT && strstr(err.message, "precision bf16")) {
        printf("  SKIP: %s\n", err.message); /* no oneDNN, or no native bf16 */
        if (ref)
            pdsi_model_release(ref);
        return;
    }
    CHECK_OK(st, &err);
    if (!ref || !fast) {
        if (ref)
            pdsi_model_release(ref);
        if (fast)
            pdsi_model_release(fast);
        return;
    }
    io in = {0}, want = {0}, got = {0};
    random_inputs(ref, &in, 777);
    pds_predictor_stats stats;
    CHECK_OK(run(ref, 1, &in, &want, &err, NULL, NULL), &err);
    CHECK_OK(run(fast, 1, &in, &got, &err, &stats, NULL), &err);
    /* Input into bf16, output back, and the copies of the three residuals
     * still read after their sum (s1r twice, s4; float32 COPY steps in a
     * float32 plan). */
    CHECK_EQ_INT(stats.conversions, 5);
    if (got.n == 1 && want.n == 1) {
        long n = (long)(want.t[0].byte_length / sizeof(float));
        double maxd = 0, maxr = 0;
        for (long k = 0; k < n; k++) {
            double d = fabs((double)got.buf[0][k] - want.buf[0][k]);
            double r = fabs((double)want.buf[0][k]);
            maxd = d > maxd ? d : maxd;
            maxr = r > maxr ? r : maxr;
        }
        printf("  residual bf16 vs float32: max rel %.2e\n", maxd / maxr);
        CHECK(maxd > 0);            /* it did run in bf16 */
        CHECK(maxd / maxr < 0.02);  /* bf16 rounding, about 3e-3 per layer */
    }
    io_free(&in);
    io_free(&want);
    io_free(&got);
    pdsi_model_release(ref);
    pdsi_model_release(fast);
}

static void test_fast_shared_filter(void)
{
    for (int round = 0; round < 10; round++)
        both_ways("shared filter", g_shared_filter, 8);
}
static void test_fast_deconv(void) { both_ways("transposed conv", g_deconv, 4); }
static void test_fast_pool(void) { both_ways("pool", g_pool, 8); }
static void test_fast_eltwise(void) { both_ways("eltwise", g_eltwise, 12); }
static void test_fast_scalar_affine(void)
{
    const fast_count want[] = {
        {"conv2d+elementwise_add+elementwise_mul+elementwise_add+hard_swish+elementwise_mul+"
         "elementwise_add", 1, 0, NULL},
        {"depthwise_conv2d+relu+elementwise_mul+elementwise_add", 1, 0, NULL},
        {"hard_swish", 1, 0, NULL},
        {"elementwise_mul+elementwise_mul+elementwise_add", 1, 0, NULL},
        {NULL, 0, 0, NULL}};
    both_ways_expect("scalar affines", g_scalar_affine, 4, want);
}
static void test_fast_linear_chains(void) { both_ways("linear post-op chains", g_linear_chains, 3); }
static void test_fast_matmul(void) { both_ways("matmul", g_matmul, 5); }

static void test_fast_matmul_v1(void)
{
    const fast_count want[] = {{"matmul+elementwise_add+relu", 1, 0, NULL},
                               {"matmul+tanh", 1, 0, NULL},
                               {"matmul", 2, 0, NULL},
                               {"elementwise_add", 1, 0, NULL},
                               {NULL, 0, 0, NULL}};
    both_ways_expect("legacy matmul", g_matmul_v1, 6, want);
}

static void test_fast_fc_mul(void)
{
    const fast_count want[] = {{"fc", 3, 0, NULL},
                               {"fc+elementwise_add+hard_swish", 1, 0, NULL},
                               {"mul+elementwise_add+relu", 1, 0, NULL},
                               {"mul", 2, 0, NULL},
                               {NULL, 0, 0, NULL}};
    both_ways_expect("fc and mul", g_fc, 7, want);
}

/* gemv.c takes the fc, the mul and the transposed matmul_v2 at 1 to 4 rows
 * (on a CPU with AVX-512), oneDNN the GELU one and everything at 5 rows;
 * both agree with the reference kernels. */
static void test_fast_gemv(void)
{
    const bool avx512 = __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("fma");
    if (have_onednn() && !avx512)
        printf("  (this CPU has no AVX-512: gemv.c is never chosen; checking oneDNN alone)\n");
    const int64_t rows[] = {1, 2, 4, 5};
    for (size_t r = 0; r < sizeof rows / sizeof rows[0]; r++) {
        g_rows = rows[r];
        const int g = avx512 && g_rows <= 4;
        const fast_count want[] = {{"fc", g, 0, "pdsafe_gemv"},
                                   {"mul", g, 0, "pdsafe_gemv"},
                                   {"matmul_v2", g, 0, "pdsafe_gemv"},
                                   {"matmul_v2+elementwise_add+gelu", 0, 0, "pdsafe_gemv"},
                                   {"matmul_v2+elementwise_add+gelu", 1, 0, NULL},
                                   {"fc", 1, 0, NULL},
                                   {"mul", 1, 0, NULL},
                                   {NULL, 0, 0, NULL}};
        char what[64];
        snprintf(what, sizeof what, "gemv, %lld rows", (long long)g_rows);
        both_ways_expect(what, g_gemv, 4, want);
    }
    g_rows = 1;
}

static void test_fast_batch_norm(void)
{
    const fast_count want[] = {{"batch_norm", 6, 0, NULL}, {NULL, 0, 0, NULL}};
    both_ways_expect("batch_norm", g_batch_norm, 9, want);
}

static void test_fast_bilinear(void)
{
    const fast_count want[] = {{"bilinear_interp_v2", 6, 0, NULL}, {"bilinear_interp", 1, 0, NULL},
                               {NULL, 0, 0, NULL}};
    both_ways_expect("bilinear", g_bilinear, 8, want);
}

static void test_fast_log_softmax(void)
{
    const fast_count want[] = {{"log_softmax", 3, 0, NULL}, {"softmax", 1, 0, NULL}, {NULL, 0, 0, NULL}};
    both_ways_expect("log_softmax", g_log_softmax, 6, want);
}

/* A backbone value (a convolution's output, in the fast backend's layout)
 * read after an NMS by an operator that also reads the NMS output: the
 * late-node path (graph.h). The NMS (size_after_run) is planned at its
 * bound; reduce_sum of its Out and the add of that to r1 are late, so they
 * are re-inferred and run on ref after the steps, from r1 kept alive to the
 * plan's end and converted to plain layout. c2, planned after r1, shows that
 * r1's storage was not reused while the late add still needed it. */
static void g_nms_late(tb *b)
{
    const int64_t xd[4] = {1, 16, 8, 8}, bd[3] = {1, 12, 4}, sd[3] = {1, 3, 12};
    tb_input(b, "x", 4, xd);
    tb_input(b, "boxes", 3, bd);
    tb_input(b, "scores", 3, sd);
    conv(b, "conv2d", "x", "c1", 16, 32, 3, 1, 1, 1, 1, NULL);
    unary(b, "relu", "c1", "r1", NULL, 0);
    conv(b, "conv2d", "r1", "c2", 32, 32, 3, 1, 1, 1, 1, NULL);
    unary(b, "relu", "c2", "r2", NULL, 0);
    pdsi_attr na[6] = {pdst_attr_float("score_threshold", -0.5), A_INT("nms_top_k", 8),
                       A_INT("keep_top_k", 5), pdst_attr_float("nms_threshold", 0.5),
                       A_INT("background_label", -1), pdst_attr_bool("normalized", 1)};
    tb_op(b, "multiclass_nms3", LIST("BBoxes=boxes", "Scores=scores"),
          LIST("Out=nms", "Index=nms_i", "NmsRoisNum=nms_n"), na, 6);
    pdsi_attr ra[2] = {pdst_attr_bool("reduce_all", 1), pdst_attr_bool("keep_dim", 0)};
    unary(b, "reduce_sum", "nms", "total", ra, 2);
    binary(b, "elementwise_add", "r1", "total", "late", -1);
    tb_output(b, "late");
    tb_output(b, "r2");
    tb_output(b, "nms");
}

static void test_late_nodes(void)
{
    /* the two convolutions, each with its relu fused, on oneDNN */
    const fast_count want[] = {{"conv2d+relu", 2, 0, NULL}, {NULL, 0, 0, NULL}};
    both_ways_expect("nms_late", g_nms_late, 2, want);
    /* what the plan did for them */
    tb b;
    tb_init(&b, false);
    g_nms_late(&b);
    pdsi_model *m = tb_model(&b);
    if (!m)
        return;
    CHECK_EQ_INT(m->info.n_late, 2);
    pds_error err;
    pdsi_predictor *p;
    CHECK_OK(pdsi_predictor_create(m, NULL, &p, &err), &err);
    io in = {0};
    random_inputs(m, &in, 99);
    pthread_mutex_lock(&p->run_mu);
    pdsi_predictor_begin(p, pdsi_run_id_new(), 0);
    CHECK_OK(pdsi_predictor_run(p, in.t, (size_t)in.n, NULL, 0, &err), &err);
    const pdsi_plan *pl = p->cur;
    /* r1 and the NMS's Out, read by the late nodes, kept to the end */
    CHECK_EQ_INT(pl->n_late_in, 2);
    /* r1 leaves oneDNN's convolution in its own layout: the late add reads
     * a plain conversion of it; the NMS's Out is plain already */
    for (int32_t k = 0; k < pl->n_late_in; k++) {
        const pdsi_tensor *own = &p->tensors[pl->late_in_value[k]];
        if (strcmp(m->graph.values[pl->late_in_value[k]].name, "r1") == 0)
            CHECK(have_onednn() ? pl->late_in[k] != own : pl->late_in[k] == own);
        else
            CHECK(pl->late_in[k] == own);
    }
    for (int32_t s = 0; s < pl->n_steps; s++)
        CHECK(strcmp(m->graph.nodes[pl->steps[s].node].type, "reduce_sum") != 0);
    /* 5 rows kept of the bound 5; the late add saw the real rows' sum */
    CHECK_EQ_INT(p->result[2]->dims[0], 5);
    CHECK_EQ_INT(p->result[0]->rank, 4);
    pdsi_predictor_end(p);
    pthread_mutex_unlock(&p->run_mu);
    pdsi_predictor_free(p);
    io_free(&in);
    pdsi_model_release(m);
}

/* ---- the memory planner ------------------------------------------------------ */

static void test_arena_planner(void)
{
    pds_error err;
    /* a [0,1] 100, b [1,2] 100, c [2,3] 100: a and c can share. */
    pdsi_usage u[3] = {{0, 1, 100, 0}, {1, 2, 100, 0}, {2, 3, 100, 0}};
    size_t total;
    CHECK_OK(pdsi_arena_plan(u, 3, &total, &err), &err);
    CHECK_EQ_INT(total, 256);
    CHECK_EQ_INT(u[0].offset, u[2].offset);
    CHECK(u[0].offset != u[1].offset);
    /* Best fit: the last tensor (alive after the two short ones died) takes
     * the small gap between long-lived tensors, not the large one. */
    pdsi_usage v[6] = {{0, 9, 1000, 0}, {0, 1, 800, 0}, {0, 9, 700, 0},
                       {0, 1, 300, 0},  {0, 9, 200, 0}, {2, 3, 250, 0}};
    CHECK_OK(pdsi_arena_plan(v, 6, &total, &err), &err);
    CHECK_EQ_INT(v[5].offset, v[3].offset);
    CHECK(v[1].offset != v[3].offset);
    /* Random lifetimes: overlapping tensors never share bytes. */
    uint32_t seed = 99;
    enum { N = 300 };
    static pdsi_usage r[N];
    size_t naive = 0;
    for (int i = 0; i < N; i++) {
        int32_t a = (int32_t)((rnd(&seed) + 1.0f) * 50), l = (int32_t)((rnd(&seed) + 1.0f) * 10);
        r[i] = (pdsi_usage){a, a + l, (size_t)((rnd(&seed) + 1.0f) * 5000), 0};
        naive += (r[i].size + 63) & ~(size_t)63;
    }
    CHECK_OK(pdsi_arena_plan(r, N, &total, &err), &err);
    CHECK(total <= naive);
    int bad = 0;
    for (int i = 0; i < N; i++) {
        CHECK(r[i].offset % PDSI_ARENA_ALIGN == 0);
        CHECK(r[i].offset + r[i].size <= total);
        for (int j = i + 1; j < N; j++) {
            bool live = !(r[i].last < r[j].first || r[j].last < r[i].first);
            bool mem = r[i].size && r[j].size && r[i].offset < r[j].offset + r[j].size &&
                       r[j].offset < r[i].offset + r[i].size;
            bad += live && mem;
        }
    }
    CHECK_EQ_INT(bad, 0);
    CHECK_OK(pdsi_arena_plan(NULL, 0, &total, &err), &err);
    CHECK_EQ_INT(total, 0);
}

/* A new input shape plans once; the same shape again reuses the plan. */
static void test_plan_cache(void)
{
    char path[4096], params[4096];
    snprintf(path, sizeof path, "%s/db_det/inference.pdmodel", pdst_fixtures_dir());
    snprintf(params, sizeof params, "%s/db_det/inference.pdiparams", pdst_fixtures_dir());
    pds_error err;
    pds_model m = 0;
    pds_predictor p = 0;
    CHECK_OK(pds_model_load_files(path, params, NULL, &m, &err), &err);
    CHECK_OK(pds_predictor_create(m, NULL, &p, &err), &err);
    static float in[2 * 3 * 64 * 96], out[2 * 64 * 96];
    const int64_t shapes[3][4] = {{1, 3, 64, 64}, {2, 3, 64, 96}, {1, 3, 64, 64}};
    const uint64_t built[3] = {1, 2, 2};
    for (int i = 0; i < 3; i++) {
        pds_tensor x = {.dtype = PDS_FLOAT32, .rank = 4, .data = in, .byte_length = sizeof in};
        memcpy(x.dims, shapes[i], sizeof shapes[i]);
        pds_tensor y = {.data = out, .byte_length = sizeof out};
        CHECK_OK(pds_predictor_run(p, &x, 1, &y, 1, &err), &err);
        pds_predictor_stats st = {.struct_size = sizeof st};
        CHECK_OK(pds_predictor_get_stats(p, &st, &err), &err);
        CHECK_EQ_INT(st.plans_built, built[i]);
        CHECK(st.arena_bytes > 0 && st.arena_bytes <= st.naive_bytes);
    }
    pds_predictor_destroy(p, NULL);
    pds_model_destroy(m, NULL);
}

/* ---- the adaptive thread policy (runtime/adapt.h) ------------------------------ */

/* A 2-thread predictor probes one thread at its 2nd and 3rd runs, whatever
 * the machine's speed: runs_one_thread counts it, the 1-thread team has a plan
 * of its own (its kernels are made for that team), and both teams compute
 * the same outputs. With PDSAFE_THREAD_POLICY=fixed nothing of that happens. */
static void run_mobilenet_20(bool fixed, pds_predictor_stats *st, float *max_diff)
{
    char path[1024], params[1024];
    snprintf(path, sizeof path, "%s/mobilenetv3/inference.pdmodel", pdst_fixtures_dir());
    snprintf(params, sizeof params, "%s/mobilenetv3/inference.pdiparams", pdst_fixtures_dir());
    if (fixed)
        setenv("PDSAFE_THREAD_POLICY", "fixed", 1);
    pds_error err;
    pds_model m = 0;
    pds_predictor p = 0;
    CHECK_OK(pds_model_load_files(path, params, NULL, &m, &err), &err);
    unsetenv("PDSAFE_THREAD_POLICY");
    pds_predictor_options po;
    pds_predictor_options_init(&po);
    po.num_threads = 2;
    CHECK_OK(pds_predictor_create(m, &po, &p, &err), &err);
    static float in[1 * 3 * 64 * 64];
    float first[10], out[10];
    for (size_t i = 0; i < sizeof in / sizeof in[0]; i++)
        in[i] = (float)(i % 251) / 251.0f;
    *max_diff = 0;
    for (int r = 0; r < 20; r++) {
        pds_tensor x = {.dtype = PDS_FLOAT32, .rank = 4, .dims = {1, 3, 64, 64}, .data = in,
                        .byte_length = sizeof in};
        pds_tensor y = {.data = r ? out : first, .byte_length = sizeof out};
        CHECK_OK(pds_predictor_run(p, &x, 1, &y, 1, &err), &err);
        for (int k = 0; r && k < 10; k++) {
            float d = fabsf(out[k] - first[k]) / (fabsf(first[k]) + 1e-3f);
            *max_diff = d > *max_diff ? d : *max_diff;
        }
    }
    *st = (pds_predictor_stats){.struct_size = sizeof *st};
    CHECK_OK(pds_predictor_get_stats(p, st, &err), &err);
    pds_predictor_destroy(p, NULL);
    pds_model_destroy(m, NULL);
}

static void test_adaptive_threads(void)
{
    if (!have_onednn() || pdsi_executor_cpus() < 2) {
        printf("     (no oneDNN or one CPU: runs have one thread, nothing to adapt)\n");
        return;
    }
    pds_predictor_stats st;
    float diff;
    run_mobilenet_20(false, &st, &diff);
    CHECK_EQ_INT(st.num_threads, 2);
    /* Run 1 plans with two threads; run 2 probes one thread (it plans, so
     * its time is not kept) and run 3 probes again, whatever the machine's
     * speed. How many runs follow with one thread depends on the load. */
    CHECK(st.runs_one_thread >= 2);
    CHECK(st.runs_one_thread <= 19);
    CHECK_EQ_INT(st.plans_cached, 2);
    CHECK(diff < 1e-4f);
    run_mobilenet_20(true, &st, &diff);
    CHECK_EQ_INT(st.runs_one_thread, 0);
    CHECK_EQ_INT(st.plans_cached, 1);
    CHECK(diff == 0.0f);
}

/* ---- backends in the public statistics and profile --------------------------- */

/* Loads mobilenetv3 (reference kernels or the whole list), runs it once with
 * profiling, and checks that stats and profile name the backends that ran. */
static void check_backend_report(bool reference)
{
    char path[1024], params[1024];
    snprintf(path, sizeof path, "%s/mobilenetv3/inference.pdmodel", pdst_fixtures_dir());
    snprintf(params, sizeof params, "%s/mobilenetv3/inference.pdiparams", pdst_fixtures_dir());
    pds_error err;
    pds_model m = 0;
    pds_predictor p = 0;
    pds_model_options mo;
    pds_model_options_init(&mo);
    mo.flags = reference ? PDS_MODEL_REFERENCE_KERNELS : 0;
    pds_predictor_options po;
    pds_predictor_options_init(&po);
    po.flags = PDS_PREDICTOR_PROFILE;
    CHECK_OK(pds_model_load_files(path, params, &mo, &m, &err), &err);
    CHECK_OK(pds_predictor_create(m, &po, &p, &err), &err);
    const char *want = reference || !have_onednn() ? "ref" : "onednn";
    /* Before any run: the primary backend is known, nothing ran yet. */
    pds_predictor_stats st = {.struct_size = sizeof st};
    CHECK_OK(pds_predictor_get_stats(p, &st, &err), &err);
    CHECK_STR(st.backend, want);
    CHECK_EQ_INT(st.fast, 0);
    CHECK_EQ_INT(st.steps, 0);
    static float in[1 * 3 * 64 * 64], out[10];
    for (size_t i = 0; i < sizeof in / sizeof in[0]; i++)
        in[i] = (float)(i % 251) / 251.0f;
    pds_tensor x = {.dtype = PDS_FLOAT32, .rank = 4, .dims = {1, 3, 64, 64}, .data = in,
                    .byte_length = sizeof in};
    pds_tensor y = {.data = out, .byte_length = sizeof out};
    CHECK_OK(pds_predictor_run(p, &x, 1, &y, 1, &err), &err);
    CHECK_OK(pds_predictor_get_stats(p, &st, &err), &err);
    CHECK_STR(st.backend, want);
    CHECK(st.steps > 0);
    if (strcmp(want, "onednn") == 0) {
        CHECK_EQ_INT(st.fast, 1);
        CHECK(st.fast_steps > 0 && st.fast_steps <= st.steps);
    } else {
        CHECK_EQ_INT(st.fast, 0);
        CHECK_EQ_INT(st.fast_steps, 0);
        CHECK_EQ_INT(st.conversions, 0);
    }
    /* Every step names its backend: fast_steps of them "onednn:<impl>", the
     * conversions "reorder", the rest "ref" or "copy". */
    static pds_step_profile prof[1024];
    size_t n = 0;
    CHECK_OK(pds_predictor_get_profile(p, prof, 1024, &n, &err), &err);
    CHECK_EQ_INT(n, st.steps);
    uint32_t n_onednn = 0, n_reorder = 0, n_other = 0;
    for (size_t i = 0; i < n && i < 1024; i++) {
        const char *k = prof[i].kernel;
        if (strncmp(k, "onednn:", 7) == 0 && k[7] != '\0')
            n_onednn++;
        else if (strcmp(k, "reorder") == 0)
            n_reorder++;
        else if (strcmp(k, "ref") == 0 || strcmp(k, "copy") == 0)
            n_other++;
        else
            PDST_FAIL("step %zu (%s): kernel \"%s\" names no backend", i, prof[i].op_type, k);
    }
    CHECK_EQ_INT(n_onednn, st.fast_steps);
    CHECK_EQ_INT(n_reorder, st.conversions);
    CHECK_EQ_INT(n_onednn + n_reorder + n_other, n);
    /* A caller built before `backend` was appended: its struct ends there;
     * nothing past it is written and its struct_size stays. */
    union {
        pds_predictor_stats s;
        unsigned char bytes[sizeof(pds_predictor_stats)];
    } old;
    memset(&old, 0xab, sizeof old);
    old.s.struct_size = (uint32_t)offsetof(pds_predictor_stats, backend);
    CHECK_OK(pds_predictor_get_stats(p, &old.s, &err), &err);
    CHECK_EQ_INT(old.s.struct_size, offsetof(pds_predictor_stats, backend));
    CHECK_EQ_INT(old.s.steps, st.steps);
    CHECK_EQ_INT(old.s.fast_steps, st.fast_steps);
    CHECK_EQ_INT(old.s.weights_bytes, st.weights_bytes);
    for (size_t i = offsetof(pds_predictor_stats, backend); i < sizeof old; i++)
        if (old.bytes[i] != 0xab) {
            PDST_FAIL("byte %zu past an old caller's struct_size was written", i);
            break;
        }
    /* Smaller than the oldest layout: refused. */
    pds_predictor_stats tiny = {.struct_size = (uint32_t)offsetof(pds_predictor_stats, backend) -
                                               8};
    CHECK_STATUS(pds_predictor_get_stats(p, &tiny, &err), PDS_ERR_INVALID_ARGUMENT, &err);
    CHECK_MSG(err, "pds_predictor_stats.struct_size");
    CHECK_OK(pds_predictor_destroy(p, &err), &err);
    CHECK_OK(pds_model_destroy(m, &err), &err);
}

static void test_backend_report(void)
{
    /* The list: onednn then ref when built with oneDNN, ref alone otherwise. */
    int n = pdsi_backends_compiled();
    CHECK(n >= 1 && n <= PDSI_MAX_BACKENDS);
    CHECK(pdsi_backend_at(n - 1) == &pdsi_backend_ref);
    CHECK(pdsi_backend_at(n) == NULL);
    CHECK(pdsi_backend_find("ref") == &pdsi_backend_ref);
    CHECK(pdsi_backend_find("no such backend") == NULL);
    if (have_onednn()) {
        CHECK_EQ_INT(n, 2);
        CHECK(pdsi_backend_at(0) == pdsi_backend_find("onednn"));
    } else {
        CHECK_EQ_INT(n, 1);
    }
    check_backend_report(true);
    check_backend_report(false);
    CHECK_NO_LIVE_OBJECTS();
}

/* ---- every fixture, both ways ---------------------------------------------------- */

static int file_exists(const char *p)
{
    struct stat st;
    return stat(p, &st) == 0;
}

static pds_status load_kind(const char *dir, bool reference, pds_model *m, pds_error *err)
{
    char mp[4096], pp[4096];
    snprintf(mp, sizeof mp, "%s/inference.pdmodel", dir);
    snprintf(pp, sizeof pp, "%s/inference.pdiparams", dir);
    pds_model_options o;
    pds_model_options_init(&o);
    o.flags = reference ? PDS_MODEL_REFERENCE_KERNELS : 0;
    return pds_model_load_files(mp, pp, &o, m, err);
}

static void fixture_both_ways(const char *dir, const char *name)
{
    pds_error err;
    pds_model mr = 0, mf = 0;
    pds_predictor pr = 0, pf = 0;
    CHECK_OK(load_kind(dir, true, &mr, &err), &err);
    CHECK_OK(load_kind(dir, false, &mf, &err), &err);
    CHECK_OK(pds_predictor_create(mr, NULL, &pr, &err), &err);
    pds_predictor_options o;
    pds_predictor_options_init(&o);
    o.num_threads = 2;
    CHECK_OK(pds_predictor_create(mf, &o, &pf, &err), &err);
    size_t n_in = 0, n_out = 0;
    pds_model_input_count(mr, &n_in, NULL);
    pds_model_output_count(mr, &n_out, NULL);
    double atol = PDST_ATOL, rtol = PDST_RTOL;
    char tp[4096];
    snprintf(tp, sizeof tp, "%s/tolerance", dir);
    FILE *tf = fopen(tp, "r");
    if (tf) {
        if (fscanf(tf, "%lf %lf", &atol, &rtol) != 2)
            PDST_FAIL("%s: bad tolerance file", name);
        fclose(tf);
    }
    for (int k = 0; k < 8; k++) {
        char p[4096], msg[256];
        snprintf(p, sizeof p, "%s/case%d.out0.npy", dir, k);
        if (!file_exists(p))
            break;
        npy_array ins[16] = {0}, want[16] = {0};
        pds_tensor it[16] = {0}, ot_r[16] = {0}, ot_f[16] = {0};
        bool ok = n_in <= 16 && n_out <= 16;
        for (size_t i = 0; ok && i < n_in; i++) {
            snprintf(p, sizeof p, "%s/case%d.in%zu.npy", dir, k, i);
            ok = npy_read(p, &ins[i], msg, sizeof msg) == 0;
            it[i] = (pds_tensor){.dtype = ins[i].dtype, .rank = ins[i].rank, .data = ins[i].data,
                                 .byte_length = ins[i].byte_length};
            memcpy(it[i].dims, ins[i].dims, sizeof it[i].dims);
        }
        for (size_t j = 0; ok && j < n_out; j++) {
            snprintf(p, sizeof p, "%s/case%d.out%zu.npy", dir, k, j);
            ok = npy_read(p, &want[j], msg, sizeof msg) == 0;
            size_t n = want[j].byte_length ? want[j].byte_length : 1;
            ot_r[j] = (pds_tensor){.data = malloc(n), .byte_length = n};
            ot_f[j] = (pds_tensor){.data = malloc(n), .byte_length = n};
        }
        if (!ok) {
            PDST_FAIL("%s case %d: could not read the case", name, k);
        } else {
            CHECK_OK(pds_predictor_run(pr, it, n_in, ot_r, n_out, &err), &err);
            CHECK_OK(pds_predictor_run(pf, it, n_in, ot_f, n_out, &err), &err);
            for (size_t j = 0; j < n_out; j++) {
                char what[256];
                long n = (long)(want[j].byte_length / pds_dtype_size(want[j].dtype));
                if (want[j].dtype != PDS_FLOAT32) {
                    if (memcmp(ot_f[j].data, want[j].data, want[j].byte_length) != 0 ||
                        memcmp(ot_r[j].data, want[j].data, want[j].byte_length) != 0)
                        PDST_FAIL("%s case%d out%zu: values differ", name, k, j);
                    continue;
                }
                snprintf(what, sizeof what, "%s case%d out%zu fast vs reference", name, k, j);
                pdst_check_close(what, ot_f[j].data, ot_r[j].data, n, atol, rtol);
                snprintf(what, sizeof what, "%s case%d out%zu fast vs Paddle", name, k, j);
                pdst_check_close(what, ot_f[j].data, want[j].data, n, atol, rtol);
                snprintf(what, sizeof what, "%s case%d out%zu reference vs Paddle", name, k, j);
                pdst_check_close(what, ot_r[j].data, want[j].data, n, atol, rtol);
            }
        }
        for (int i = 0; i < 16; i++) {
            npy_free(&ins[i]);
            npy_free(&want[i]);
            free(ot_r[i].data);
            free(ot_f[i].data);
        }
    }
    pds_predictor_stats sr = {.struct_size = sizeof sr}, sf = {.struct_size = sizeof sf};
    CHECK_OK(pds_predictor_get_stats(pr, &sr, &err), &err);
    CHECK_OK(pds_predictor_get_stats(pf, &sf, &err), &err);
    CHECK_EQ_INT(sr.fast, 0);
    CHECK_EQ_INT(sr.fast_steps, 0);
    CHECK_STR(sr.backend, "ref");
    CHECK_STR(sf.backend, have_onednn() ? "onednn" : "ref");
    /* fast: a backend other than ref ran a step (op_dropout's plan has none). */
    CHECK_EQ_INT(sf.fast, sf.fast_steps > 0);
    if (have_onednn()) {
        CHECK_EQ_INT(sf.num_threads, pdsi_executor_cpus() < 2 ? 1 : 2);
    }
    printf("     %-16s %3u steps, %3u oneDNN, %3u reorders; arena %8llu B of %8llu naive\n",
           name, sf.steps, sf.fast_steps, sf.conversions, (unsigned long long)sf.arena_bytes,
           (unsigned long long)sf.naive_bytes);
    pds_predictor_destroy(pr, NULL);
    pds_predictor_destroy(pf, NULL);
    pds_model_destroy(mr, NULL);
    pds_model_destroy(mf, NULL);
}

static void test_fixtures_both_ways(void)
{
    const char *root = pdst_fixtures_dir();
    DIR *d = opendir(root);
    if (!d) {
        PDST_FAIL("cannot open %s", root);
        return;
    }
    struct dirent *e;
    char names[64][256];
    int n = 0;
    while ((e = readdir(d)) && n < 64)
        if (e->d_name[0] != '.')
            snprintf(names[n++], sizeof names[0], "%s", e->d_name);
    closedir(d);
    int done = 0;
    for (int i = 0; i < n; i++) {
        char dir[4096], mp[4096];
        snprintf(dir, sizeof dir, "%s/%s", root, names[i]);
        snprintf(mp, sizeof mp, "%s/inference.pdmodel", dir);
        if (!file_exists(mp))
            continue;
        fixture_both_ways(dir, names[i]);
        done++;
    }
    CHECK(done >= 10);
    pds_live_objects live;
    pds_get_live_objects(&live);
    CHECK_EQ_INT(live.models, 0);
    CHECK_EQ_INT(live.predictors, 0);
}

int main(void)
{
    RUN_TEST(test_arena_planner);
    RUN_TEST(test_fast_conv);
    RUN_TEST(test_fast_residual);
    RUN_TEST(test_fast_residual_bf16);
    RUN_TEST(test_fast_shared_filter);
    RUN_TEST(test_fast_deconv);
    RUN_TEST(test_fast_pool);
    RUN_TEST(test_fast_eltwise);
    RUN_TEST(test_fast_scalar_affine);
    RUN_TEST(test_fast_linear_chains);
    RUN_TEST(test_fast_matmul);
    RUN_TEST(test_fast_matmul_v1);
    RUN_TEST(test_fast_fc_mul);
    RUN_TEST(test_fast_gemv);
    RUN_TEST(test_fast_batch_norm);
    RUN_TEST(test_fast_bilinear);
    RUN_TEST(test_fast_log_softmax);
    RUN_TEST(test_late_nodes);
    RUN_TEST(test_broadcast_residual);
    RUN_TEST(test_static_shape_folding);
    RUN_TEST(test_plan_cache);
    RUN_TEST(test_adaptive_threads);
    RUN_TEST(test_backend_report);
    RUN_TEST(test_fixtures_both_ways);
    return pdst_summary();
}
