/*
 * test_detector.c — a detector's graph whose last operator's output size is
 * known only after its kernel ran (PDSI_OPF_SIZE_AFTER_RUN), through the
 * public API.
 *
 * tests/fixtures/detector (tools/fixtures/make_fixtures.py) is a conv
 * backbone, a YOLOv3 head decoded by yolo_box, two multiclass_nms3 and a
 * scale and a shape reading the first one's Out; Paddle Inference computed
 * its outputs. Its cases: boxes as they come (case 0), every score ~0 so
 * that NMS keeps nothing (case 1), every score ~1 so that both NMS keep
 * their maximum, the bound the planner placed (case 2), another batch and
 * size (case 3). Checked here: the convolutions run on the fast backend
 * whatever the NMS keeps (before, the NMS's data-dependent shape put the
 * whole backbone on the reference kernels); every output, including the
 * readers of the NMS output, has Paddle's real shape and values on both the
 * fast and the reference path; and the sizes the API reports (a size query,
 * a buffer one row short, the fetch of the kept result) are the real rows,
 * not the bound.
 */
#include <stdio.h>
#include <string.h>

#include "harness.h"
#include "npy.h"

#define N_IN 3
#define N_OUT 7
#define N_CASES 4

/* Outputs: 0 Out, 1 Index, 2 NmsRoisNum, 3 scale(Out), 4 shape(Out), 5 the
 * second NMS's Out (at most 6 per class), 6 its NmsRoisNum. */

typedef struct io {
    npy_array in[N_IN], want[N_OUT];
    pds_tensor in_t[N_IN], out_t[N_OUT];
} io;

static void io_load(io *x, int k)
{
    char path[4096], msg[512];
    memset(x, 0, sizeof *x);
    for (int i = 0; i < N_IN; i++) {
        snprintf(path, sizeof path, "%s/detector/case%d.in%d.npy", pdst_fixtures_dir(), k, i);
        if (npy_read(path, &x->in[i], msg, sizeof msg)) {
            PDST_FAIL("%s", msg);
            continue;
        }
        x->in_t[i] = (pds_tensor){.dtype = x->in[i].dtype, .rank = x->in[i].rank,
                                  .data = x->in[i].data, .byte_length = x->in[i].byte_length};
        memcpy(x->in_t[i].dims, x->in[i].dims, sizeof x->in_t[i].dims);
    }
    for (int j = 0; j < N_OUT; j++) {
        snprintf(path, sizeof path, "%s/detector/case%d.out%d.npy", pdst_fixtures_dir(), k, j);
        if (npy_read(path, &x->want[j], msg, sizeof msg)) {
            PDST_FAIL("%s", msg);
            continue;
        }
        /* exactly Paddle's size: a buffer sized by the bound would hide a
         * wrong row count */
        x->out_t[j].byte_length = x->want[j].byte_length;
        x->out_t[j].data = malloc(x->want[j].byte_length ? x->want[j].byte_length : 1);
    }
}

static void io_free(io *x)
{
    for (int i = 0; i < N_IN; i++)
        npy_free(&x->in[i]);
    for (int j = 0; j < N_OUT; j++) {
        npy_free(&x->want[j]);
        free(x->out_t[j].data);
    }
}

/* Shapes and values of the outputs against Paddle's. */
static void io_check(const io *x, const char *what)
{
    for (int j = 0; j < N_OUT; j++) {
        const pds_tensor *got = &x->out_t[j];
        const npy_array *want = &x->want[j];
        bool same = got->rank == want->rank && got->dtype == want->dtype;
        for (int d = 0; same && d < got->rank; d++)
            same = got->dims[d] == want->dims[d];
        if (!same) {
            PDST_FAIL("%s out%d: %s rank %d [%lld, ...], Paddle has %s rank %d [%lld, ...]", what,
                      j, pds_dtype_name(got->dtype), got->rank, (long long)got->dims[0],
                      pds_dtype_name(want->dtype), want->rank, (long long)want->dims[0]);
            continue;
        }
        long n = (long)(want->byte_length / pds_dtype_size(want->dtype));
        if (got->dtype == PDS_FLOAT32)
            pdst_check_close(what, got->data, want->data, n, PDST_ATOL, PDST_RTOL);
        else if (memcmp(got->data, want->data, want->byte_length) != 0)
            PDST_FAIL("%s out%d: %s values differ from Paddle's", what, j,
                      pds_dtype_name(got->dtype));
    }
}

static pds_model load(const char *program, uint32_t flags)
{
    char path[4096];
    pds_error err;
    pds_model m = 0;
    pds_model_options o;
    pds_model_options_init(&o);
    o.flags = flags;
    snprintf(path, sizeof path, "%s/detector/%s", pdst_fixtures_dir(), program);
    CHECK_OK(pds_model_load_files(path, NULL, &o, &m, &err), &err);
    return m;
}

static bool have_fast_path(pds_predictor p)
{
    pds_error err;
    pds_predictor_stats st = {.struct_size = sizeof st};
    CHECK_OK(pds_predictor_get_stats(p, &st, &err), &err);
    return strcmp(st.backend, "ref") != 0;
}

/* The backbone on the fast backend, the NMS on ref: backend choice is per
 * operator, and the NMS's data-dependent output no longer drags its
 * producers onto the reference kernels. */
static void check_backends(pds_predictor p, const char *what)
{
    pds_error err;
    pds_step_profile steps[64];
    size_t n = 0;
    CHECK_OK(pds_predictor_get_profile(p, steps, 64, &n, &err), &err);
    CHECK(n > 0 && n <= 64);
    bool fast = have_fast_path(p);
    int convs = 0, nms = 0, late = 0;
    uint64_t steps_end = 0;
    for (size_t i = 0; i < n && i < 64; i++) {
        /* The operators after the NMS run once its sizes are known, after
         * the plan's steps, on the reference kernels: they come last. */
        if (strcmp(steps[i].op_type, "scale") == 0 || strcmp(steps[i].op_type, "shape") == 0) {
            late++;
            CHECK(strcmp(steps[i].kernel, "ref") == 0);
            if (steps[i].start_ns < steps_end)
                PDST_FAIL("%s: late step %zu (%s, op #%d) starts at %llu ns, before the plan's "
                          "steps end (%llu ns)", what, i, steps[i].op_type, steps[i].op_index,
                          (unsigned long long)steps[i].start_ns, (unsigned long long)steps_end);
            continue;
        }
        if (late)
            PDST_FAIL("%s: step %zu (%s) comes after a late step", what, i, steps[i].op_type);
        if (steps[i].start_ns + steps[i].duration_ns > steps_end)
            steps_end = steps[i].start_ns + steps[i].duration_ns;
        if (strncmp(steps[i].op_type, "conv2d", 6) == 0) {
            convs++;
            if (fast && strncmp(steps[i].kernel, "onednn:", 7) != 0)
                PDST_FAIL("%s: step %zu (%s, op #%d) ran on %s, expected the fast backend", what,
                          i, steps[i].op_type, steps[i].op_index, steps[i].kernel);
            if (!fast && strcmp(steps[i].kernel, "ref") != 0)
                PDST_FAIL("%s: step %zu (%s) ran on %s with the reference kernels", what, i,
                          steps[i].op_type, steps[i].kernel);
        }
        if (strcmp(steps[i].op_type, "multiclass_nms3") == 0) {
            nms++;
            CHECK(strcmp(steps[i].kernel, "ref") == 0);
        }
    }
    /* four convolutions (the bias adds and relus fused into them on the
     * fast path), two NMS, and the scale and shape after them */
    CHECK_EQ_INT(convs, 4);
    CHECK_EQ_INT(nms, 2);
    CHECK_EQ_INT(late, 2);
}

/* Every case on one predictor, in the order 0 1 2 3 2 1 0: empty after
 * full and full after empty, so a shape left over from a run would show. */
static void run_cases(const char *program, uint32_t flags, bool expect_fast)
{
    static const int order[] = {0, 1, 2, 3, 2, 1, 0};
    char what[256];
    pds_error err;
    pds_model m = load(program, flags);
    pds_predictor p = 0;
    pds_predictor_options po;
    pds_predictor_options_init(&po);
    po.flags = PDS_PREDICTOR_PROFILE;
    CHECK_OK(pds_predictor_create(m, &po, &p, &err), &err);
    for (size_t r = 0; r < sizeof order / sizeof order[0]; r++) {
        const int k = order[r];
        io x;
        io_load(&x, k);
        snprintf(what, sizeof what, "%s%s case %d (run %zu)", program,
                 flags ? " (reference kernels)" : "", k, r);
        CHECK_OK(pds_predictor_run(p, x.in_t, N_IN, x.out_t, N_OUT, &err), &err);
        io_check(&x, what);
        /* the cases are what they say: nothing kept, and the maximum */
        if (k == 1) {
            CHECK_EQ_INT(x.out_t[0].dims[0], 0);
            CHECK_EQ_INT(x.out_t[5].dims[0], 0);
        }
        if (k == 2) {
            CHECK_EQ_INT(x.out_t[0].dims[0], 2 * 10); /* images x keep_top_k */
            CHECK_EQ_INT(x.out_t[5].dims[0], 2 * 3 * 6); /* images x classes x nms_top_k */
        }
        check_backends(p, what);
        io_free(&x);
    }
    CHECK(have_fast_path(p) == expect_fast);
    pds_predictor_stats st = {.struct_size = sizeof st};
    CHECK_OK(pds_predictor_get_stats(p, &st, &err), &err);
    if (expect_fast)
        CHECK(st.fast_steps >= 4);
    CHECK_OK(pds_predictor_destroy(p, &err), &err);
    CHECK_OK(pds_model_destroy(m, &err), &err);
}

static bool built_with_fast_path(void)
{
    pds_error err;
    pds_model m = load("inference.pdmodel", 0);
    pds_predictor p = 0;
    CHECK_OK(pds_predictor_create(m, NULL, &p, &err), &err);
    bool fast = have_fast_path(p);
    pds_predictor_destroy(p, &err);
    pds_model_destroy(m, &err);
    return fast;
}

static void test_fast_path_matches_paddle(void)
{
    bool fast = built_with_fast_path();
    run_cases("inference.pdmodel", 0, fast);
    run_cases("inference.json", 0, fast);
}

static void test_reference_kernels_match_paddle(void)
{
    run_cases("inference.pdmodel", PDS_MODEL_REFERENCE_KERNELS, false);
    run_cases("inference.json", PDS_MODEL_REFERENCE_KERNELS, false);
}

/* What the API says about an output whose size the kernel set (M9's rules
 * with the real rows, never the bound): a size query, a buffer one row
 * short, then the kept result fetched into an exact buffer. */
static void test_output_sizes_are_the_real_rows(void)
{
    pds_error err;
    pds_model m = load("inference.pdmodel", 0);
    pds_predictor p = 0;
    CHECK_OK(pds_predictor_create(m, NULL, &p, &err), &err);
    io x;
    io_load(&x, 0); /* Out has 10 rows of the bound's 10; case 3 has 20 of 20 */
    /* a size query: NULL buffers */
    pds_tensor q[N_OUT];
    memset(q, 0, sizeof q);
    CHECK_STATUS(pds_predictor_run(p, x.in_t, N_IN, q, N_OUT, &err), PDS_ERR_BUFFER_SIZE, &err);
    for (int j = 0; j < N_OUT; j++) {
        CHECK_EQ_INT(q[j].rank, x.want[j].rank);
        for (int d = 0; d < q[j].rank; d++)
            CHECK_EQ_INT(q[j].dims[d], x.want[j].dims[d]);
    }
    io_free(&x);
    /* case 1 keeps nothing: zero rows, and a zero-length buffer is enough */
    io_load(&x, 1);
    pds_tensor o[N_OUT];
    memcpy(o, x.out_t, sizeof o);
    o[0].byte_length = 0;
    CHECK_OK(pds_predictor_run(p, x.in_t, N_IN, o, N_OUT, &err), &err);
    CHECK_EQ_INT(o[0].rank, 2);
    CHECK_EQ_INT(o[0].dims[0], 0);
    CHECK_EQ_INT(o[0].dims[1], 6);
    CHECK_EQ_INT(o[4].dims[0], 2);
    CHECK_EQ_INT(((const int32_t *)o[4].data)[0], 0); /* shape(Out) read the real rows */
    io_free(&x);
    /* case 0 again, Out's buffer one row short of the 10 kept */
    io_load(&x, 0);
    memcpy(o, x.out_t, sizeof o);
    o[0].byte_length = 9 * 6 * sizeof(float);
    CHECK_STATUS(pds_predictor_run(p, x.in_t, N_IN, o, N_OUT, &err), PDS_ERR_BUFFER_SIZE, &err);
    CHECK_MSG(err, "output 0 ('");
    CHECK_MSG(err, "needs 240 bytes (float32 [10,6]), the buffer has 216");
    CHECK_EQ_INT(o[0].dims[0], 10);
    CHECK_OK(pds_predictor_fetch(p, x.out_t, N_OUT, &err), &err);
    io_check(&x, "case 0 fetched after a short buffer");
    io_free(&x);
    CHECK_OK(pds_predictor_destroy(p, &err), &err);
    CHECK_OK(pds_model_destroy(m, &err), &err);
}

int main(void)
{
    RUN_TEST(test_fast_path_matches_paddle);
    RUN_TEST(test_reference_kernels_match_paddle);
    RUN_TEST(test_output_sizes_are_the_real_rows);
    return pdst_summary();
}
