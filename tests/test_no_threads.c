/*
 * test_no_threads.c — a process that cannot start threads (a thread or
 * process limit reached, a tight container).
 *
 * This executable defines pthread_create itself, failing with EAGAIN, so
 * every thread the library tries to start fails (the library is linked in
 * statically, so its calls bind to this definition). Loading must then read
 * the parameters on the calling thread instead of spreading the reads over
 * executor threads, and a model on the reference kernels (which run on the
 * caller's thread) must load and run as usual; a model on the oneDNN fast
 * path, whose kernels only ever run on executor threads, must fail to load
 * with a message that says why, not hang or crash.
 */
#include <errno.h>
#include <pthread.h>

#include "harness.h"
#include "npy.h"

static int attempts;

int pthread_create(pthread_t *thread, const pthread_attr_t *attr, void *(*start)(void *),
                   void *arg)
{
    (void)thread, (void)attr, (void)start, (void)arg;
    attempts++;
    return EAGAIN;
}

static bool read_npy(const char *fixture, const char *file, npy_array *a)
{
    char path[1024], msg[256];
    snprintf(path, sizeof path, "%s/%s/%s", pdst_fixtures_dir(), fixture, file);
    if (npy_read(path, a, msg, sizeof msg) != 0) {
        PDST_FAIL("%s: %s", path, msg);
        return false;
    }
    return true;
}

/* mobilenetv3's parameters (1.6 MB) take the parallel read path; with no
 * thread to be had they are read here, and the model gives Paddle's output. */
static void test_reference_model_loads_and_runs(void)
{
    char dir[1024];
    /* The fixture directories hold both formats: name the program file (the
     * library finds inference.pdiparams beside it). */
    snprintf(dir, sizeof dir, "%s/mobilenetv3/inference.pdmodel", pdst_fixtures_dir());
    pds_model_options o;
    pds_model_options_init(&o);
    o.flags = PDS_MODEL_REFERENCE_KERNELS;
    pds_model m = 0;
    pds_error err;
    attempts = 0;
    CHECK_OK(pds_model_load_files(dir, NULL, &o, &m, &err), &err);
    CHECK(attempts > 0); /* the parallel read was tried */
    npy_array in, want;
    if (!m || !read_npy("mobilenetv3", "case0.in0.npy", &in))
        return;
    if (!read_npy("mobilenetv3", "case0.out0.npy", &want)) {
        npy_free(&in);
        return;
    }
    pds_predictor p = 0;
    CHECK_OK(pds_predictor_create(m, NULL, &p, &err), &err);
    float *got = calloc(1, want.byte_length);
    pds_tensor x = {.dtype = in.dtype, .rank = in.rank, .data = in.data,
                    .byte_length = in.byte_length};
    memcpy(x.dims, in.dims, sizeof x.dims);
    pds_tensor y = {.data = got, .byte_length = want.byte_length};
    CHECK_OK(pds_predictor_run(p, &x, 1, &y, 1, &err), &err);
    CHECK_EQ_INT(pdst_check_close("mobilenetv3 output", got, want.data,
                                  (long)(want.byte_length / sizeof(float)), PDST_ATOL, PDST_RTOL),
                 0);
    free(got);
    npy_free(&in);
    npy_free(&want);
    CHECK_OK(pds_predictor_destroy(p, &err), &err);
    CHECK_OK(pds_model_destroy(m, &err), &err);
}

static void test_fast_path_fails_cleanly(void)
{
    char dir[1024];
    snprintf(dir, sizeof dir, "%s/pplcnet/inference.pdmodel", pdst_fixtures_dir());
    pds_model m = 0;
    pds_error err;
    pds_status st = pds_model_load_files(dir, NULL, NULL, &m, &err);
    if (st == PDS_OK) {
        /* A build without oneDNN runs everything on the reference kernels. */
        CHECK_OK(pds_model_destroy(m, &err), &err);
        return;
    }
    CHECK_STATUS(st, PDS_ERR_INTERNAL, &err);
    CHECK_MSG(err, "could not start an executor thread (pthread_create failed)");
    CHECK_EQ_INT(m, 0);
    pds_live_objects live;
    pds_get_live_objects(&live);
    CHECK_EQ_INT(live.models, 0);
    CHECK_EQ_INT(live.predictors, 0);
}

int main(void)
{
    RUN_TEST(test_reference_model_loads_and_runs);
    RUN_TEST(test_fast_path_fails_cleanly);
    return pdst_summary();
}
