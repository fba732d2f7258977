/*
 * test_bf16.c — PDS_PRECISION_BF16: the option's validation, the refusals
 * (reference kernels, a CPU without native bf16), and the fixture networks
 * run in bf16 against Paddle's float32 outputs.
 *
 * Accuracy is measured per output as
 *   max relative error  = max |bf16 - paddle| / max |paddle|
 *   mean relative error = mean |bf16 - paddle| / mean |paddle|
 * (element-wise relative errors are meaningless near zero), plus top-1
 * agreement for the classifiers. bf16 keeps 8 significant bits: one
 * convolution or matmul of op_conv / op_matmul is off by about 2e-3; whole
 * networks by more, as each layer's error feeds the next. The fixtures'
 * weights are random (untrained), which amplifies it most in the deepest
 * (mobilenetv3: 41 bf16 convolutions, about 0.07). The figures are printed; each
 * network's bounds are about twice what it shows, so that a kernel that
 * loses more than bf16 rounding (a wrong layout, a dropped post-op) fails.
 *
 * Run with the argument "capped" (a second ctest, with DNNL_MAX_CPU_ISA=
 * AVX512_CORE in its environment, which caps the instruction set oneDNN
 * uses) it checks the refusal on a CPU without native bf16 for real: oneDNN
 * would emulate bf16 there, and the library must refuse instead.
 */
#include <stdlib.h>
#include <string.h>

#include "backend/backend.h"
#include "graph/graph.h"
#include "harness.h"
#include "npy.h"
#include "plan/plan.h"

#if defined(__x86_64__) || defined(__i386__)
#include <cpuid.h>
#endif
#ifdef PDSAFE_HAVE_ONEDNN
#include <oneapi/dnnl/dnnl.h>
#endif

#define MAX_STEPS 512

#define CHECK_STR_EQ(a, b)                                                       \
    do {                                                                         \
        if (strcmp((a), (b)) != 0)                                               \
            PDST_FAIL("%s is \"%s\", expected \"%s\"", #a, (a), (b));             \
    } while (0)


/* The CPU's own answer, independent of oneDNN: AVX512_BF16 (CPUID leaf 7
 * subleaf 1, EAX bit 5) or AMX-BF16 (leaf 7 subleaf 0, EDX bit 22). */
static bool cpu_has_bf16(void)
{
#if defined(__x86_64__) || defined(__i386__)
    unsigned a, b, c, d;
    if (__get_cpuid_max(0, NULL) < 7)
        return false;
    __cpuid_count(7, 0, a, b, c, d);
    bool amx = (d >> 22) & 1u;
    __cpuid_count(7, 1, a, b, c, d);
    return amx || ((a >> 5) & 1u);
#else
    return false;
#endif
}

static bool have_onednn(void)
{
    return pdsi_backend_find("onednn") != NULL;
}

static pds_status load(const char *fixture, uint32_t flags, uint32_t precision, pds_model *m,
                       pds_error *err)
{
    pds_model_options o;
    pds_model_options_init(&o);
    o.flags = flags;
    o.precision = precision;
    return pdst_load_fixture_with(fixture, &o, m, err);
}

/* ---- the option ----------------------------------------------------------- */

static void test_unknown_precision(void)
{
    pds_model m;
    pds_error err;
    CHECK_STATUS(load("op_dropout", 0, 2, &m, &err), PDS_ERR_INVALID_ARGUMENT, &err);
    CHECK_STR_EQ(err.message, "pds_model_options.precision is 2, expected PDS_PRECISION_FP32 (0) "
                              "or PDS_PRECISION_BF16 (1)");
    CHECK(m == 0);
    CHECK_STATUS(load("op_dropout", 0, 0xffffffffu, &m, &err), PDS_ERR_INVALID_ARGUMENT, &err);
    CHECK_STR_EQ(err.message, "pds_model_options.precision is 4294967295, expected "
                              "PDS_PRECISION_FP32 (0) or PDS_PRECISION_BF16 (1)");
}

/* A caller built with a header before precision passes a smaller struct:
 * whatever lies beyond it is not read, and the model loads in float32. */
static void test_old_struct_size(void)
{
    char mp[4096];
    snprintf(mp, sizeof mp, "%s/op_dropout/inference.pdmodel", pdst_fixtures_dir());
    pds_model_options o;
    pds_model_options_init(&o);
    o.struct_size = (uint32_t)offsetof(pds_model_options, precision);
    o.precision = 77; /* beyond the caller's struct */
    pds_model m = 0;
    pds_error err;
    CHECK_OK(pds_model_load_files(mp, NULL, &o, &m, &err), &err);
    CHECK_OK(pds_model_destroy(m, &err), &err);
}

static void test_reference_kernels_refuse(void)
{
    pds_model m;
    pds_error err;
    CHECK_STATUS(load("resnet", PDS_MODEL_REFERENCE_KERNELS, PDS_PRECISION_BF16, &m, &err),
                 PDS_ERR_INVALID_ARGUMENT, &err);
    if (have_onednn())
        CHECK_STR_EQ(err.message,
                     "precision bf16: no backend of this model runs bf16 (it runs on the "
                     "reference kernels only, as PDS_MODEL_REFERENCE_KERNELS or "
                     "PDSAFE_KERNELS=ref ask); load with PDS_PRECISION_FP32");
    else
        CHECK_STR_EQ(err.message, "precision bf16: no backend of this model runs bf16 (this "
                                  "library is built without oneDNN); load with "
                                  "PDS_PRECISION_FP32");
    CHECK(m == 0);
    /* float32 with the reference kernels is of course fine. */
    CHECK_OK(load("resnet", PDS_MODEL_REFERENCE_KERNELS, PDS_PRECISION_FP32, &m, &err), &err);
    CHECK_OK(pds_model_destroy(m, &err), &err);
}

/* The refusal's message for oneDNN's instruction set `isa` (its names as
 * the library prints them, for the sets a capped or older CPU leaves). */
static void check_no_bf16_message(const pds_error *err)
{
#ifdef PDSAFE_HAVE_ONEDNN
    const char *name = NULL;
    switch (dnnl_get_effective_cpu_isa()) {
    case dnnl_cpu_isa_avx512_core: name = "AVX-512"; break;
    case dnnl_cpu_isa_avx512_core_vnni: name = "AVX-512 with VNNI"; break;
    case dnnl_cpu_isa_avx2: name = "AVX2"; break;
    case dnnl_cpu_isa_avx2_vnni: name = "AVX2 with VNNI"; break;
    case dnnl_cpu_isa_avx: name = "AVX"; break;
    case dnnl_cpu_isa_sse41: name = "SSE4.1"; break;
    default: break;
    }
    if (!name) {
        PDST_FAIL("unexpected oneDNN instruction set %#x", (unsigned)dnnl_get_effective_cpu_isa());
        return;
    }
    char want[512];
    snprintf(want, sizeof want,
             "backend onednn: precision bf16: this CPU has no native bf16 arithmetic (oneDNN "
             "runs %s here; bf16 needs AVX512_BF16 or AMX-BF16, and DNNL_MAX_CPU_ISA, when set, "
             "caps what oneDNN uses); load with PDS_PRECISION_FP32",
             name);
    CHECK_STR_EQ(err->message, want);
#else
    (void)err;
#endif
}

/* ---- the planner and the bf16 layouts ---------------------------------------- */

/* Fake backends that record what the planner shows and asks them. "fake16"
 * runs bf16: it takes op #1 only, reading and writing NHWC_BF16, and makes
 * every conversion. "rogue" does not run bf16 but asks for it: input (or,
 * with rogue_out, output) in NHWC_BF16. Steps are never run. */
static struct {
    int n_conv;
    uint8_t conv_from[8], conv_to[8];
    uint8_t seen_layout; /* what the last non-bf16 backend was shown of input 0 */
    bool rogue_out;
} fk;
static int fake_step_obj;

static pds_status fake_create(const pdsi_graph *g, int32_t node, pdsi_backend_io *in, int n_in,
                              pdsi_backend_io *out, int n_out, pdsi_backend_step **step)
{
    (void)n_in;
    (void)n_out;
    *step = NULL;
    if (g->nodes[node].index != 1)
        return PDS_OK;
    in[0].want = PDSI_LAYOUT_NHWC_BF16;
    out[0].layout = PDSI_LAYOUT_NHWC_BF16;
    *step = (pdsi_backend_step *)&fake_step_obj;
    return PDS_OK;
}

static pds_status fake16_step_create(void *state, const pdsi_graph *g, int32_t node,
                                     pdsi_backend_io *in, int n_in, pdsi_backend_io *out,
                                     int n_out, pdsi_backend_step **step, pds_error *err)
{
    (void)state;
    (void)err;
    return fake_create(g, node, in, n_in, out, n_out, step);
}

static pds_status rogue_step_create(void *state, const pdsi_graph *g, int32_t node,
                                    pdsi_backend_io *in, int n_in, pdsi_backend_io *out,
                                    int n_out, pdsi_backend_step **step, pds_error *err)
{
    (void)state;
    (void)err;
    (void)n_in;
    (void)n_out;
    *step = NULL;
    if (g->nodes[node].index != 2)
        return PDS_OK;
    fk.seen_layout = in[0].layout;
    in[0].want = fk.rogue_out ? PDSI_LAYOUT_NHWC : PDSI_LAYOUT_NHWC_BF16;
    out[0].layout = fk.rogue_out ? PDSI_LAYOUT_NHWC_BF16 : PDSI_LAYOUT_NHWC;
    *step = (pdsi_backend_step *)&fake_step_obj;
    return PDS_OK;
}

static pds_status fake_convert_create(const pdsi_tensor *t, uint8_t from, uint8_t to,
                                      pdsi_backend_step **step, pds_error *err)
{
    (void)t;
    (void)err;
    if (fk.n_conv < 8) {
        fk.conv_from[fk.n_conv] = from;
        fk.conv_to[fk.n_conv] = to;
    }
    fk.n_conv++;
    *step = (pdsi_backend_step *)&fake_step_obj;
    return PDS_OK;
}

static void fake_step_free(pdsi_backend_step *s)
{
    CHECK(s == (pdsi_backend_step *)&fake_step_obj);
}
static size_t fake_zero(const pdsi_backend_step *s)
{
    (void)s;
    return 0;
}
static int fake_inplace(const pdsi_backend_step *s)
{
    (void)s;
    return -1;
}
static const char *fake_impl(const pdsi_backend_step *s)
{
    (void)s;
    return "fake";
}

static const pdsi_backend fake16 = {
    .name = "fake16", .bf16 = true, .step_create = fake16_step_create,
    .convert_create = fake_convert_create, .step_free = fake_step_free,
    .step_scratch = fake_zero, .step_temp_bytes = fake_zero, .step_inplace_input = fake_inplace,
    .step_impl = fake_impl,
};
static const pdsi_backend rogue = {
    .name = "rogue", .step_create = rogue_step_create, .step_free = fake_step_free,
    .step_scratch = fake_zero, .step_temp_bytes = fake_zero, .step_inplace_input = fake_inplace,
    .step_impl = fake_impl,
};

/* x [1, 4, 2, 2] -> relu (op #1) -> y -> relu (op #2) -> z, planned with
 * `second` after fake16. */
static pds_status plan_two_relus(const pdsi_backend *second, int *n_convert, pds_error *err)
{
    pdsi_graph g;
    pdsi_graph_init(&g, NULL);
    int64_t dims[] = {1, 4, 2, 2};
    int32_t id;
    const char *x[] = {"x"}, *y[] = {"y"}, *z[] = {"z"};
    pdsi_raw_slot sx = {"X", 1, x}, sy_in = {"X", 1, y}, sy = {"Out", 1, y}, sz = {"Out", 1, z};
    pdsi_raw_op r1 = {"relu", 1, &sx, 1, &sy, 1, {NULL, 0, NULL}};
    pdsi_raw_op r2 = {"relu", 2, &sy_in, 1, &sz, 1, {NULL, 0, NULL}};
    CHECK_OK(pdsi_graph_declare(&g, "x", false, PDS_FLOAT32, 4, dims, &id, err), err);
    CHECK_OK(pdsi_graph_set_input(&g, 0, "x", err), err);
    CHECK_OK(pdsi_graph_add_op(&g, &r1, err), err);
    CHECK_OK(pdsi_graph_add_op(&g, &r2, err), err);
    CHECK_OK(pdsi_graph_set_output(&g, 0, "z", err), err);
    CHECK_OK(pdsi_graph_finish(&g, err), err);
    pdsi_graph_info info;
    CHECK_OK(pdsi_graph_info_make(&g, &info, err), err);
    pdsi_tensor *tensors = calloc((size_t)g.n_values, sizeof *tensors);
    int64_t *key = calloc(pdsi_plan_key_len(&g) + 1, sizeof *key);
    CHECK(tensors && key);
    for (int32_t v = 0; v < g.n_values; v++)
        pdsi_tensor_set_shape(&tensors[v], PDS_FLOAT32, 4, dims);
    uint64_t h = pdsi_plan_key(&g, &info, tensors, key);
    pdsi_backend_set set = {.b = {&fake16, second}, .n = 2};
    pdsi_plan *pl = NULL;
    memset(&fk, 0, sizeof fk);
    fk.rogue_out = second == &rogue && *n_convert == -2;
    pds_status st = pdsi_plan_build(&g, &info, &set, tensors, key, pdsi_plan_key_len(&g), h,
                                    NULL, &pl, err);
    *n_convert = pl ? pl->n_convert : -1;
    pdsi_plan_free(pl);
    free(key);
    free(tensors);
    pdsi_graph_info_free(&info);
    pdsi_graph_free(&g);
    return st;
}

/* The planner never hands a bf16 layout to a backend that does not run
 * bf16: the reference backend is shown op #1's NHWC_BF16 output as NHWC and
 * gets it converted; a backend that asks for bf16 anyway is refused. */
static void test_planner_bf16_layouts(void)
{
    pds_error err;
    int n = 0;
    CHECK_OK(plan_two_relus(&pdsi_backend_ref, &n, &err), &err);
    /* x PLAIN -> NHWC_BF16 for op #1; its output to float32 NHWC for ref's
     * op #2 (relu runs in any layout, it kept what it was shown); z from
     * NHWC to PLAIN, handed out. */
    CHECK_EQ_INT(n, 3);
    CHECK_EQ_INT(fk.n_conv, 3);
    CHECK_EQ_INT(fk.conv_from[0], PDSI_LAYOUT_PLAIN);
    CHECK_EQ_INT(fk.conv_to[0], PDSI_LAYOUT_NHWC_BF16);
    CHECK_EQ_INT(fk.conv_from[1], PDSI_LAYOUT_NHWC_BF16);
    CHECK_EQ_INT(fk.conv_to[1], PDSI_LAYOUT_NHWC);
    CHECK_EQ_INT(fk.conv_from[2], PDSI_LAYOUT_NHWC);
    CHECK_EQ_INT(fk.conv_to[2], PDSI_LAYOUT_PLAIN);

    n = 0;
    CHECK_STATUS(plan_two_relus(&rogue, &n, &err), PDS_ERR_INTERNAL, &err);
    CHECK_STR_EQ(err.message, "op #2 (relu): backend rogue asks for input 0 in bf16 layout 3, "
                              "but it does not run bf16 (expected a float32 layout)");
    CHECK_EQ_INT(fk.seen_layout, PDSI_LAYOUT_NHWC); /* shown float32 */
    n = -2;
    CHECK_STATUS(plan_two_relus(&rogue, &n, &err), PDS_ERR_INTERNAL, &err);
    CHECK_STR_EQ(err.message, "op #2 (relu): backend rogue writes output 0 in bf16 layout 3, "
                              "but it does not run bf16 (expected a float32 layout)");
}

/* ---- the networks ------------------------------------------------------------ */

typedef struct net {
    const char *name;
    bool classifier;         /* output [N, classes]: top-1 agreement */
    double max_rel, mean_rel; /* bounds (see the header comment) */
    uint32_t max_convert;     /* layout conversions the bf16 plan may have */
} net;

/* Conversions: the classifiers' bf16 plans convert the input into bf16
 * NHWC and their last activations back to float32 for the matmul head, the
 * detector's its output (its transposed convolutions are matrix products in
 * bf16 too); the recogniser's float32 plan already has 4. */
static const net nets[] = {
    {"resnet", true, 0.03, 0.03, 2},  {"mobilenetv3", true, 0.15, 0.15, 2},
    {"pplcnet", true, 0.01, 0.01, 2}, {"db_det", false, 0.1, 0.01, 2},
    {"svtr_rec", false, 0.1, 0.02, 4},
};

typedef struct acc {
    double max_rel, mean_rel;
    long top1_same, top1_n;
} acc;

/* Accumulates one output's errors against Paddle's. */
static void measure(const float *got, const float *want, long n, long classes, acc *a)
{
    double maxd = 0, maxr = 0, sumd = 0, sumr = 0;
    for (long k = 0; k < n; k++) {
        double d = got[k] > want[k] ? (double)got[k] - want[k] : (double)want[k] - got[k];
        double r = want[k] < 0 ? -(double)want[k] : want[k];
        maxd = d > maxd ? d : maxd;
        maxr = r > maxr ? r : maxr;
        sumd += d;
        sumr += r;
    }
    double mx = maxr > 0 ? maxd / maxr : maxd, mn = sumr > 0 ? sumd / sumr : sumd;
    a->max_rel = mx > a->max_rel ? mx : a->max_rel;
    a->mean_rel = mn > a->mean_rel ? mn : a->mean_rel;
    for (long row = 0; classes > 0 && row < n / classes; row++) {
        long bg = 0, bw = 0;
        for (long c = 1; c < classes; c++) {
            if (got[row * classes + c] > got[row * classes + bg])
                bg = c;
            if (want[row * classes + c] > want[row * classes + bw])
                bw = c;
        }
        a->top1_same += bg == bw;
        a->top1_n++;
    }
}

/* Convolutions and matmuls of p's last run that oneDNN ran with a bf16
 * kernel (other primitives may carry an ISA named "..._bf16" in float32). */
static int bf16_steps(pds_predictor p)
{
    static pds_step_profile steps[MAX_STEPS];
    size_t count = 0;
    pds_error err;
    CHECK_OK(pds_predictor_get_profile(p, steps, MAX_STEPS, &count, &err), &err);
    int n = 0;
    for (size_t i = 0; i < count && i < MAX_STEPS; i++)
        n += strstr(steps[i].kernel, "bf16") != NULL &&
             (strncmp(steps[i].op_type, "conv2d", 6) == 0 ||
              strncmp(steps[i].op_type, "depthwise_conv2d", 16) == 0 ||
              strncmp(steps[i].op_type, "matmul", 6) == 0 || strncmp(steps[i].op_type, "fc", 2) == 0 ||
              strncmp(steps[i].op_type, "mul", 3) == 0);
    return n;
}

/* Convolution steps of p's last run, and those of them that ran in bf16. */
static void conv_steps(pds_predictor p, int *n_conv, int *n_bf16)
{
    static pds_step_profile steps[MAX_STEPS];
    size_t count = 0;
    pds_error err;
    CHECK_OK(pds_predictor_get_profile(p, steps, MAX_STEPS, &count, &err), &err);
    *n_conv = *n_bf16 = 0;
    for (size_t i = 0; i < count && i < MAX_STEPS; i++) {
        bool conv = strncmp(steps[i].op_type, "conv2d", 6) == 0 ||
                    strncmp(steps[i].op_type, "depthwise_conv2d", 16) == 0;
        *n_conv += conv;
        *n_bf16 += conv && strstr(steps[i].kernel, "bf16") != NULL;
    }
}

static uint32_t conversions(pds_predictor p)
{
    return pdst_stats(p).conversions;
}

/* Runs every case of fixture nt on a bf16 model and a float32 one. */
static void run_net(const net *nt)
{
    pds_error err;
    pds_model m16 = 0, m32 = 0;
    CHECK_OK(load(nt->name, 0, PDS_PRECISION_BF16, &m16, &err), &err);
    CHECK_OK(load(nt->name, 0, PDS_PRECISION_FP32, &m32, &err), &err);
    if (!m16 || !m32)
        return;
    pds_predictor_options po;
    pds_predictor_options_init(&po);
    po.flags = PDS_PREDICTOR_PROFILE;
    pds_predictor p16 = 0, p32 = 0;
    CHECK_OK(pds_predictor_create(m16, &po, &p16, &err), &err);
    CHECK_OK(pds_predictor_create(m32, &po, &p32, &err), &err);
    acc a = {0};
    int cases = 0;
    double fp32_vs_bf16 = 0;
    for (int k = 0; k < 8; k++) {
        char path[4096], msg[512];
        snprintf(path, sizeof path, "%s/%s/case%d.in0.npy", pdst_fixtures_dir(), nt->name, k);
        npy_array in = {0}, want = {0};
        if (npy_read(path, &in, msg, sizeof msg))
            break;
        snprintf(path, sizeof path, "%s/%s/case%d.out0.npy", pdst_fixtures_dir(), nt->name, k);
        if (npy_read(path, &want, msg, sizeof msg)) {
            PDST_FAIL("%s", msg);
            npy_free(&in);
            break;
        }
        pds_tensor it = {.dtype = in.dtype, .rank = in.rank, .data = in.data,
                         .byte_length = in.byte_length};
        memcpy(it.dims, in.dims, sizeof it.dims);
        long n = (long)(want.byte_length / sizeof(float));
        float *g16 = malloc(want.byte_length), *g32 = malloc(want.byte_length);
        pds_tensor o16 = {.data = g16, .byte_length = want.byte_length};
        pds_tensor o32 = {.data = g32, .byte_length = want.byte_length};
        CHECK(g16 && g32);
        if (g16 && g32) {
            CHECK_OK(pds_predictor_run(p16, &it, 1, &o16, 1, &err), &err);
            CHECK_OK(pds_predictor_run(p32, &it, 1, &o32, 1, &err), &err);
            /* The user-facing dtype and shape are the model's. */
            CHECK_EQ_INT(o16.dtype, PDS_FLOAT32);
            CHECK_EQ_INT(o16.rank, want.rank);
            for (int d = 0; d < want.rank && d < o16.rank; d++)
                CHECK_EQ_INT(o16.dims[d], want.dims[d]);
            long classes = nt->classifier && want.rank == 2 ? (long)want.dims[1] : 0;
            measure(g16, want.data, n, classes, &a);
            /* float32 still matches Paddle at the float32 tolerance. */
            char what[128];
            snprintf(what, sizeof what, "%s case%d fp32", nt->name, k);
            pdst_check_close(what, g32, want.data, n, PDST_ATOL, PDST_RTOL);
            for (long i = 0; i < n; i++) {
                double d = (double)g16[i] - g32[i];
                fp32_vs_bf16 += d < 0 ? -d : d;
            }
            /* bf16 kernels really ran, and only in the bf16 model. */
            CHECK(bf16_steps(p16) > 0);
            CHECK_EQ_INT(bf16_steps(p32), 0);
        }
        free(g16);
        free(g32);
        npy_free(&in);
        npy_free(&want);
        cases++;
    }
    CHECK(cases > 0);
    int nc32, nb32, nc16, nb16;
    conv_steps(p32, &nc32, &nb32);
    conv_steps(p16, &nc16, &nb16);
    uint32_t cv16 = conversions(p16), cv32 = conversions(p32);
    printf("  %-12s convolutions %d, in bf16 %d; layout conversions bf16 %u, fp32 %u\n",
           nt->name, nc16, nb16, cv16, cv32);
    /* Activations stay bf16 from convolution to convolution: every
     * convolution runs in bf16, and the plan converts no more often than
     * nt->max_convert says. */
    CHECK(nc16 > 0);
    CHECK_EQ_INT(nb16, nc16);
    CHECK_EQ_INT(nb32, 0);
    if (cv16 > nt->max_convert)
        PDST_FAIL("%s: %u layout conversions in the bf16 plan, expected at most %u", nt->name,
                  cv16, nt->max_convert);
    printf("  %-12s bf16 vs Paddle fp32 over %d cases: max rel %.2e, mean rel %.2e", nt->name,
           cases, a.max_rel, a.mean_rel);
    if (a.top1_n)
        printf(", top-1 %ld/%ld", a.top1_same, a.top1_n);
    printf("\n");
    /* A bf16 run that matched float32 bit for bit did not run in bf16. */
    CHECK(fp32_vs_bf16 > 0);
    if (a.max_rel > nt->max_rel || a.mean_rel > nt->mean_rel)
        PDST_FAIL("%s: bf16 relative error max %.3g (bound %g), mean %.3g (bound %g)", nt->name,
                  a.max_rel, nt->max_rel, a.mean_rel, nt->mean_rel);
    CHECK_EQ_INT(a.top1_same, a.top1_n);
    CHECK_OK(pds_predictor_destroy(p16, &err), &err);
    CHECK_OK(pds_predictor_destroy(p32, &err), &err);
    CHECK_OK(pds_model_destroy(m16, &err), &err);
    CHECK_OK(pds_model_destroy(m32, &err), &err);
}

static void test_networks(void)
{
    if (!have_onednn() || !cpu_has_bf16()) {
        /* The refusal is what there is to test here. */
        printf("  SKIP the bf16 network runs: %s\n",
               !have_onednn() ? "this library is built without oneDNN"
                              : "this CPU has neither AVX512_BF16 nor AMX-BF16");
        pds_model m;
        pds_error err;
        CHECK_STATUS(load("resnet", 0, PDS_PRECISION_BF16, &m, &err), PDS_ERR_INVALID_ARGUMENT,
                     &err);
        if (have_onednn())
            check_no_bf16_message(&err);
        return;
    }
    for (size_t i = 0; i < sizeof nets / sizeof nets[0]; i++)
        run_net(&nets[i]);
}

/* DNNL_MAX_CPU_ISA=AVX512_CORE: oneDNN could emulate bf16 here; the load
 * must refuse. */
static void test_capped_isa_refuses(void)
{
    if (!have_onednn()) {
        printf("  SKIP: this library is built without oneDNN\n");
        return;
    }
    const char *cap = getenv("DNNL_MAX_CPU_ISA");
    CHECK(cap && strcmp(cap, "AVX512_CORE") == 0);
    pds_model m;
    pds_error err;
    CHECK_STATUS(load("resnet", 0, PDS_PRECISION_BF16, &m, &err), PDS_ERR_INVALID_ARGUMENT,
                 &err);
    check_no_bf16_message(&err);
    CHECK(m == 0);
    /* float32 loads and runs as ever. */
    CHECK_OK(load("resnet", 0, PDS_PRECISION_FP32, &m, &err), &err);
    CHECK_OK(pds_model_destroy(m, &err), &err);
}

int main(int argc, char **argv)
{
    if (argc > 1 && strcmp(argv[1], "capped") == 0) {
        pdst_run("capped_isa_refuses", test_capped_isa_refuses);
    } else {
        pdst_run("unknown_precision", test_unknown_precision);
        pdst_run("old_struct_size", test_old_struct_size);
        pdst_run("reference_kernels_refuse", test_reference_kernels_refuse);
        pdst_run("planner_bf16_layouts", test_planner_bf16_layouts);
        pdst_run("networks", test_networks);
    }
    CHECK_NO_LIVE_OBJECTS();
    return pdst_summary();
}
