/*
 * test_fork.c — fork() after models are loaded and predictors have run.
 *
 * The preload-then-fork pattern (a server loads its models once, then forks
 * workers that share the weights copy-on-write) must work: in the child the
 * library's executor threads are gone, and any lock another parent thread
 * held at the fork would never be released. Each child here runs under an
 * alarm, so a hang fails the test instead of stalling it, and reports what it
 * saw through its exit status.
 */
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "harness.h"
#include "npy.h"

typedef struct sample {
    npy_array in, out; /* case0 input and Paddle's output */
} sample;

static bool load_sample(const char *fixture, sample *s)
{
    char path[1024], msg[256];
    snprintf(path, sizeof path, "%s/%s/case0.in0.npy", pdst_fixtures_dir(), fixture);
    if (npy_read(path, &s->in, msg, sizeof msg) != 0) {
        PDST_FAIL("%s: %s", path, msg);
        return false;
    }
    snprintf(path, sizeof path, "%s/%s/case0.out0.npy", pdst_fixtures_dir(), fixture);
    if (npy_read(path, &s->out, msg, sizeof msg) != 0) {
        PDST_FAIL("%s: %s", path, msg);
        npy_free(&s->in);
        return false;
    }
    return true;
}

static pds_model load_model(const char *fixture)
{
    char dir[1024];
    /* The program file: the fixture directories hold both formats, which a
     * directory path leaves ambiguous; the library finds inference.pdiparams. */
    snprintf(dir, sizeof dir, "%s/%s/inference.pdmodel", pdst_fixtures_dir(), fixture);
    pds_model m = 0;
    pds_error err;
    CHECK_OK(pds_model_load_files(dir, NULL, NULL, &m, &err), &err);
    return m;
}

/* Runs p on the sample; the output, compared with Paddle's, goes to got. */
static pds_status run(pds_predictor p, const sample *s, float *got, pds_error *err)
{
    pds_tensor x = {.dtype = s->in.dtype, .rank = s->in.rank, .data = s->in.data,
                    .byte_length = s->in.byte_length};
    memcpy(x.dims, s->in.dims, sizeof x.dims);
    pds_tensor y = {.data = got, .byte_length = s->out.byte_length};
    return pds_predictor_run(p, &x, 1, &y, 1, err);
}

static long mismatches(const sample *s, const float *got)
{
    return pdst_check_close("output", got, s->out.data, (long)(s->out.byte_length / 4),
                            PDST_ATOL, PDST_RTOL);
}

/* Child exit codes. */
enum { CHILD_OK = 0, CHILD_WRONG = 10, CHILD_FAILED = 11, CHILD_BUSY_MESSAGE = 12 };

static int wait_child(pid_t pid)
{
    int ws = 0;
    if (waitpid(pid, &ws, 0) != pid) {
        PDST_FAIL("waitpid failed");
        return -1;
    }
    if (WIFSIGNALED(ws)) {
        PDST_FAIL("the child died of signal %d%s", WTERMSIG(ws),
                  WTERMSIG(ws) == SIGALRM ? " (it hung: the 60 s alarm fired)" : "");
        return -1;
    }
    return WEXITSTATUS(ws);
}

/* In the child: a new predictor on the inherited model gives Paddle's
 * numbers, then everything is destroyed and nothing is left. */
static int child_fresh_predictor(pds_model m, const sample *s, float *got)
{
    pds_error err;
    pds_predictor q = 0;
    if (pds_predictor_create(m, NULL, &q, &err) || run(q, s, got, &err)) {
        fprintf(stderr, "child: %s\n", err.message);
        return CHILD_FAILED;
    }
    if (mismatches(s, got))
        return CHILD_WRONG;
    return pds_predictor_destroy(q, &err) ? CHILD_FAILED : CHILD_OK;
}

/* Load, run (the executor threads start), fork: the child runs the inherited
 * predictor and a new one, and the parent goes on running after the fork. */
static void test_fork_after_run(void)
{
    sample s;
    if (!load_sample("mobilenetv3", &s))
        return;
    pds_model m = load_model("mobilenetv3");
    pds_predictor p = 0;
    pds_error err;
    float *got = calloc(1, s.out.byte_length);
    CHECK_OK(pds_predictor_create(m, NULL, &p, &err), &err);
    CHECK_OK(run(p, &s, got, &err), &err);
    CHECK_EQ_INT(mismatches(&s, got), 0);

    for (int round = 0; round < 2; round++) {
        fflush(NULL);
        pid_t pid = fork();
        if (pid == 0) {
            alarm(60);
            int rc = CHILD_OK;
            memset(got, 0, s.out.byte_length);
            if (run(p, &s, got, &err)) {
                fprintf(stderr, "child: %s\n", err.message);
                rc = CHILD_FAILED;
            } else if (mismatches(&s, got)) {
                rc = CHILD_WRONG;
            }
            if (rc == CHILD_OK)
                rc = child_fresh_predictor(m, &s, got);
            if (rc == CHILD_OK && (pds_predictor_destroy(p, &err) || pds_model_destroy(m, &err)))
                rc = CHILD_FAILED;
            pds_live_objects live;
            pds_get_live_objects(&live);
            if (rc == CHILD_OK && (live.models || live.predictors || live.handles))
                rc = CHILD_FAILED;
            _exit(rc);
        }
        CHECK(pid > 0);
        CHECK_EQ_INT(wait_child(pid), CHILD_OK);
        /* The parent's executor resumed after the fork. */
        memset(got, 0, s.out.byte_length);
        CHECK_OK(run(p, &s, got, &err), &err);
        CHECK_EQ_INT(mismatches(&s, got), 0);
    }
    CHECK_OK(pds_predictor_destroy(p, &err), &err);
    CHECK_OK(pds_model_destroy(m, &err), &err);
    free(got);
    npy_free(&s.in);
    npy_free(&s.out);
}

typedef struct looper {
    pds_predictor p;
    const sample *s;
    atomic_int stop;
    atomic_long runs;
    pds_status failed;
} looper;

static void *loop_main(void *arg)
{
    looper *l = arg;
    float *out = malloc(l->s->out.byte_length);
    pds_error err;
    while (out && !atomic_load(&l->stop)) {
        pds_status st = run(l->p, l->s, out, &err);
        if (st) {
            l->failed = st;
            break;
        }
        atomic_fetch_add(&l->runs, 1);
    }
    free(out);
    return NULL;
}

/* Fork while another thread runs the predictor back to back. In the child,
 * that predictor either was between calls (it works) or was inside one (it
 * answers PDS_ERR_BUSY saying so, and can be destroyed); a new predictor
 * always works; nothing hangs. The parent's runs go on, all correct. */
static void test_fork_during_runs(void)
{
    sample s;
    if (!load_sample("mobilenetv3", &s))
        return;
    pds_model m = load_model("mobilenetv3");
    pds_error err;
    looper l = {.s = &s};
    CHECK_OK(pds_predictor_create(m, NULL, &l.p, &err), &err);
    pthread_t th;
    CHECK(pthread_create(&th, NULL, loop_main, &l) == 0);
    float *got = calloc(1, s.out.byte_length);
    int busy = 0, worked = 0;
    for (int round = 0; round < 6; round++) {
        while (atomic_load(&l.runs) < 2L * (round + 1))
            nanosleep(&(struct timespec){0, 1000000}, NULL);
        fflush(NULL);
        pid_t pid = fork();
        if (pid == 0) {
            alarm(60);
            pds_status st = run(l.p, &s, got, &err);
            int rc = CHILD_OK;
            if (st == PDS_ERR_BUSY) {
                if (!strstr(err.message, "was in use by another thread when this process was "
                                         "forked")) {
                    fprintf(stderr, "child: unexpected message: %s\n", err.message);
                    _exit(CHILD_FAILED);
                }
                rc = CHILD_BUSY_MESSAGE;
            } else if (st) {
                fprintf(stderr, "child: %s\n", err.message);
                _exit(CHILD_FAILED);
            } else if (mismatches(&s, got)) {
                _exit(CHILD_WRONG);
            }
            int fresh = child_fresh_predictor(m, &s, got);
            if (fresh != CHILD_OK)
                _exit(fresh);
            if (pds_predictor_destroy(l.p, &err) || pds_model_destroy(m, &err)) {
                fprintf(stderr, "child: destroy: %s\n", err.message);
                _exit(CHILD_FAILED);
            }
            _exit(rc);
        }
        CHECK(pid > 0);
        int rc = wait_child(pid);
        if (rc == CHILD_BUSY_MESSAGE)
            busy++;
        else if (rc == CHILD_OK)
            worked++;
        else
            PDST_FAIL("round %d: the child exited with %d", round, rc);
    }
    atomic_store(&l.stop, 1);
    pthread_join(th, NULL);
    CHECK_EQ_INT(l.failed, PDS_OK);
    CHECK_EQ_INT(busy + worked, 6);
    printf("  forks with the predictor inside a call: %d, between calls: %d\n", busy, worked);
    CHECK_OK(run(l.p, &s, got, &err), &err);
    CHECK_EQ_INT(mismatches(&s, got), 0);
    CHECK_OK(pds_predictor_destroy(l.p, &err), &err);
    CHECK_OK(pds_model_destroy(m, &err), &err);
    free(got);
    npy_free(&s.in);
    npy_free(&s.out);
}

int main(void)
{
    RUN_TEST(test_fork_after_run);
    RUN_TEST(test_fork_during_runs);
    return pdst_summary();
}
