/*
 * test_executor.c — the executor's guarantees (core/executor.h), checked on
 * the executor alone, with jobs that only count and wait:
 *  - a job wider than one thread runs on an executor thread, never on the
 *    caller's; a 1-thread job that can start at once runs on its caller,
 *    with the caller's OpenMP team size 1 for the job and restored after;
 *  - at most E threads compute at once, and the library's threads stay
 *    within sum_i max(1, E / i), whatever the number of callers;
 *  - jobs start in arrival order, and a wide job at the head is not passed
 *    by narrow ones behind it;
 *  - no hand-off is lost (many callers, tiny jobs: a lost wake-up hangs,
 *    and the alarm turns the hang into a failure);
 *  - fork() while other threads keep submitting: the child runs jobs on
 *    executors of its own, the parent's callers all finish.
 */
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#ifdef PDSAFE_HAVE_ONEDNN
#include <omp.h>
#endif

#include "core/executor.h"
#include "harness.h"

static void sleep_us(long us)
{
    struct timespec ts = {us / 1000000, (us % 1000000) * 1000};
    nanosleep(&ts, NULL);
}


/* Waits (up to 10 s) until `want` jobs are queued; false if they never are. */
static bool wait_queued(int want)
{
    for (int i = 0; i < 10000; i++) {
        if (pdsi_executor_queued() == want)
            return true;
        sleep_us(1000);
    }
    return false;
}

/* ---- what a job saw ---------------------------------------------------- */

static atomic_int computing;     /* threads of the jobs running now */
static atomic_int most_computing;
static atomic_int off_worker;    /* jobs wider than 1 that ran outside an executor */
static atomic_int on_caller;     /* 1-thread jobs that ran on their caller's thread */
static atomic_int caller_team;   /* omp_get_max_threads() in the last such job */

typedef struct counted {
    int threads;
    long us; /* how long the job computes */
} counted;

static void counted_main(void *arg)
{
    const counted *c = arg;
    if (!pdsi_executor_on_worker()) {
        atomic_fetch_add(c->threads > 1 ? &off_worker : &on_caller, 1);
#ifdef PDSAFE_HAVE_ONEDNN
        atomic_store(&caller_team, omp_get_max_threads());
#endif
    }
    int now = atomic_fetch_add(&computing, c->threads) + c->threads;
    int old = atomic_load(&most_computing);
    while (now > old && !atomic_compare_exchange_weak(&most_computing, &old, now))
        ;
    if (c->us)
        sleep_us(c->us);
    atomic_fetch_sub(&computing, c->threads);
}

typedef struct caller {
    int runs;
    int threads; /* 0: alternate 1..E */
    long us;
    pds_status st;
} caller;

static void *caller_main(void *arg)
{
    caller *c = arg;
    int e = pdsi_executor_cpus();
    pds_error err;
    for (int i = 0; i < c->runs && !c->st; i++) {
        counted job = {c->threads ? c->threads : 1 + i % e, c->us};
        c->st = pdsi_executor_run(counted_main, &job, job.threads, &err);
    }
    return NULL;
}

/* Many callers, jobs of every width: never more than E threads compute, no
 * wide job runs off an executor thread, and the process never holds more
 * than the callers plus the bound. */
static void test_bound_and_tokens(void)
{
    int base = pdst_count_threads();
    int e = pdsi_executor_cpus(), bound = pdsi_executor_thread_bound();
    enum { N = 24 };
    pthread_t th[N];
    caller c[N];
    atomic_store(&most_computing, 0);
    atomic_store(&off_worker, 0);
    pdsi_executor_acquire();
    for (int i = 0; i < N; i++) {
        c[i] = (caller){.runs = 30, .threads = i % 3 == 0 ? 0 : 1, .us = 200};
        CHECK(pthread_create(&th[i], NULL, caller_main, &c[i]) == 0);
    }
    int peak = 0;
    for (int k = 0; k < 50; k++) {
        int n = pdst_count_threads();
        peak = n > peak ? n : peak;
        sleep_us(2000);
    }
    for (int i = 0; i < N; i++) {
        pthread_join(th[i], NULL);
        CHECK_OK(c[i].st, NULL);
    }
    CHECK(atomic_load(&most_computing) <= e);
    CHECK(atomic_load(&most_computing) >= 1);
    CHECK_EQ_INT(atomic_load(&off_worker), 0);
    /* Executors only: no OpenMP team threads here, so the bound is loose. */
    CHECK(peak <= base + N + bound);
    pdsi_executor_release();
    CHECK_EQ_INT(pdst_count_threads(), base);
}

/* An idle executor: a 1-thread job runs on the caller, with a team of 1
 * while it runs and the caller's own team size afterwards; a wide job is
 * handed to an executor thread. */
static void test_narrow_job_runs_on_caller(void)
{
    int e = pdsi_executor_cpus();
    pds_error err;
    atomic_store(&off_worker, 0);
    atomic_store(&on_caller, 0);
    atomic_store(&caller_team, 0);
#ifdef PDSAFE_HAVE_ONEDNN
    omp_set_num_threads(e + 3); /* the caller's own setting, which must survive */
#endif
    pdsi_executor_acquire();
    counted narrow = {1, 0};
    CHECK_OK(pdsi_executor_run(counted_main, &narrow, 1, &err), &err);
    CHECK_EQ_INT(atomic_load(&on_caller), 1);
#ifdef PDSAFE_HAVE_ONEDNN
    CHECK_EQ_INT(atomic_load(&caller_team), 1);
    CHECK_EQ_INT(omp_get_max_threads(), e + 3);
#endif
    if (e >= 2) {
        counted wide = {e, 0};
        CHECK_OK(pdsi_executor_run(counted_main, &wide, e, &err), &err);
        CHECK_EQ_INT(atomic_load(&on_caller), 1);
        CHECK_EQ_INT(atomic_load(&off_worker), 0);
    }
    /* The job holds its token: nothing else may use it meanwhile, so at
     * most E threads compute (test_bound_and_tokens counts them). */
    pdsi_executor_release();
}

/* ---- arrival order ----------------------------------------------------- */

static pthread_mutex_t gate_mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t gate_cv = PTHREAD_COND_INITIALIZER;
static bool gate_open;
static atomic_int started_jobs;
static atomic_bool blocker_running;

static void blocker_main(void *arg)
{
    (void)arg;
    atomic_store(&blocker_running, true);
    pthread_mutex_lock(&gate_mu);
    while (!gate_open)
        pthread_cond_wait(&gate_cv, &gate_mu);
    pthread_mutex_unlock(&gate_mu);
}

typedef struct ordered {
    int threads;
    int started_as; /* 1-based start rank */
    pds_status st;
} ordered;

static void ordered_main(void *arg)
{
    ordered *o = arg;
    o->started_as = atomic_fetch_add(&started_jobs, 1) + 1;
    /* Long enough that a job started out of turn would overlap this one. */
    sleep_us(2000);
}

static void *ordered_caller(void *arg)
{
    ordered *o = arg;
    pds_error err;
    o->st = pdsi_executor_run(ordered_main, o, o->threads, &err);
    return NULL;
}

typedef struct blocker {
    int threads;
    pds_status st;
} blocker;

static void *blocker_caller(void *arg)
{
    blocker *b = arg;
    pds_error err;
    b->st = pdsi_executor_run(blocker_main, NULL, b->threads, &err);
    return NULL;
}

/* A blocker holds `blocker_threads` tokens; then the jobs of `widths` are
 * submitted one by one, each queued before the next; the blocker is released
 * and each job must start in submission order. */
static void run_in_order(int blocker_threads, const int *widths, int n)
{
    enum { MAX = 8 };
    pthread_t bt, th[MAX];
    ordered o[MAX];
    blocker b = {blocker_threads, PDS_OK};
    gate_open = false;
    atomic_store(&blocker_running, false);
    atomic_store(&started_jobs, 0);
    pdsi_executor_acquire();
    CHECK(pthread_create(&bt, NULL, blocker_caller, &b) == 0);
    for (int i = 0; i < 10000 && !atomic_load(&blocker_running); i++)
        sleep_us(1000);
    CHECK(atomic_load(&blocker_running));
    for (int i = 0; i < n; i++) {
        o[i] = (ordered){widths[i], 0, PDS_OK};
        CHECK(pthread_create(&th[i], NULL, ordered_caller, &o[i]) == 0);
        if (!wait_queued(i + 1))
            PDST_FAIL("job %d (%d threads) was not queued behind the blocker: %d queued", i,
                      widths[i], pdsi_executor_queued());
    }
    pthread_mutex_lock(&gate_mu);
    gate_open = true;
    pthread_cond_broadcast(&gate_cv);
    pthread_mutex_unlock(&gate_mu);
    pthread_join(bt, NULL);
    CHECK_OK(b.st, NULL);
    for (int i = 0; i < n; i++) {
        pthread_join(th[i], NULL);
        CHECK_OK(o[i].st, NULL);
        if (o[i].started_as != i + 1)
            PDST_FAIL("job %d (%d threads) started as number %d, expected %d (arrival order)",
                      i, widths[i], o[i].started_as, i + 1);
    }
    pdsi_executor_release();
}

/* Jobs that take every token run one at a time, in the order they came. */
static void test_arrival_order(void)
{
    int e = pdsi_executor_cpus();
    int widths[6] = {e, e, e, e, e, e};
    run_in_order(e, widths, 6);
    /* No token free: a 1-thread job queues too (run_in_order fails if it is
     * not queued), instead of running on its caller. */
    int narrow[1] = {1};
    run_in_order(e, narrow, 1);
}

/* One token is free while a wide job waits at the head: the narrow job
 * behind it could start at once, but must wait its turn. */
static void test_wide_head_not_passed(void)
{
    int e = pdsi_executor_cpus();
    if (e < 2) {
        printf("     (one CPU: every job is as wide as the machine; nothing to check)\n");
        return;
    }
    int widths[3] = {e, 1, e};
    run_in_order(1, widths, 3);
}

/* ---- no lost hand-off -------------------------------------------------- */

static void test_many_tiny_jobs(void)
{
    enum { N = 16 };
    pthread_t th[N];
    caller c[N];
    atomic_store(&most_computing, 0);
    atomic_store(&off_worker, 0);
    alarm(120);
    pdsi_executor_acquire();
    for (int i = 0; i < N; i++) {
        c[i] = (caller){.runs = 2000, .threads = i % 4 == 0 ? 0 : 1, .us = 0};
        CHECK(pthread_create(&th[i], NULL, caller_main, &c[i]) == 0);
    }
    for (int i = 0; i < N; i++) {
        pthread_join(th[i], NULL);
        CHECK_OK(c[i].st, NULL);
    }
    pdsi_executor_release();
    alarm(0);
    CHECK(atomic_load(&most_computing) <= pdsi_executor_cpus());
    CHECK_EQ_INT(atomic_load(&off_worker), 0);
}

/* run_many: every job runs once, concurrently as far as tokens allow. */
static atomic_int ran_many[16];
static int index_of[16];

static void mark_main(void *arg)
{
    atomic_fetch_add(&ran_many[*(int *)arg], 1);
    counted c = {1, 300};
    counted_main(&c);
}

static void test_run_many(void)
{
    void *args[17];
    args[16] = NULL;
    for (int i = 0; i < 16; i++) {
        index_of[i] = i;
        args[i] = &index_of[i];
        atomic_store(&ran_many[i], 0);
    }
    atomic_store(&most_computing, 0);
    pds_error err;
    pdsi_executor_acquire();
    CHECK_OK(pdsi_executor_run_many(mark_main, args, 16, 1, &err), &err);
    pdsi_executor_release();
    for (int i = 0; i < 16; i++)
        CHECK_EQ_INT(atomic_load(&ran_many[i]), 1);
    CHECK(atomic_load(&most_computing) <= pdsi_executor_cpus());
    CHECK(pdsi_executor_run_many(mark_main, args, 17, 1, &err) == PDS_ERR_INTERNAL);
}

/* ---- fork -------------------------------------------------------------- */

static atomic_bool stop_submitting;

static void *submitter(void *arg)
{
    caller *c = arg;
    pds_error err;
    while (!atomic_load(&stop_submitting) && !c->st) {
        counted job = {c->threads, 100};
        c->st = pdsi_executor_run(counted_main, &job, job.threads, &err);
    }
    return NULL;
}

static void test_fork_while_submitting(void)
{
    enum { N = 4 };
    pthread_t th[N];
    caller c[N];
    atomic_store(&stop_submitting, false);
    pdsi_executor_acquire();
    /* The API layer registers the same handlers (with its own). */
    static bool registered;
    if (!registered)
        CHECK(pthread_atfork(pdsi_executor_fork_prepare, pdsi_executor_fork_parent,
                             pdsi_executor_fork_child) == 0);
    registered = true;
    for (int i = 0; i < N; i++) {
        c[i] = (caller){.threads = 1 + i % pdsi_executor_cpus()};
        CHECK(pthread_create(&th[i], NULL, submitter, &c[i]) == 0);
    }
    for (int round = 0; round < 5; round++) {
        sleep_us(5000);
        fflush(NULL);
        pid_t pid = fork();
        if (pid == 0) {
            alarm(60);
            atomic_store(&off_worker, 0);
            pds_error err;
            for (int i = 0; i < 20; i++) {
                counted job = {1 + i % pdsi_executor_cpus(), 0};
                if (pdsi_executor_run(counted_main, &job, job.threads, &err) != PDS_OK)
                    _exit(11);
            }
            _exit(atomic_load(&off_worker) ? 10 : 0);
        }
        CHECK(pid > 0);
        int ws = 0;
        CHECK(waitpid(pid, &ws, 0) == pid);
        if (WIFSIGNALED(ws))
            PDST_FAIL("the child died of signal %d%s", WTERMSIG(ws),
                      WTERMSIG(ws) == SIGALRM ? " (it hung: the 60 s alarm fired)" : "");
        else
            CHECK_EQ_INT(WEXITSTATUS(ws), 0);
    }
    atomic_store(&stop_submitting, true);
    for (int i = 0; i < N; i++) {
        pthread_join(th[i], NULL);
        CHECK_OK(c[i].st, NULL);
    }
    pdsi_executor_release();
}

int main(void)
{
    RUN_TEST(test_bound_and_tokens);
    RUN_TEST(test_narrow_job_runs_on_caller);
    RUN_TEST(test_arrival_order);
    RUN_TEST(test_wide_head_not_passed);
    RUN_TEST(test_many_tiny_jobs);
    RUN_TEST(test_run_many);
    RUN_TEST(test_fork_while_submitting);
    return pdst_summary();
}
