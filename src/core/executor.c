/*
 * executor.c — a fixed set of library threads that run jobs handed over by
 * callers (see executor.h for the thread bound and why it exists).
 *
 * One mutex guards everything: the FIFO of waiting jobs, the free compute
 * tokens and the executor table. Only the job at the head of the queue may
 * start, so a wide job is not starved by narrow ones behind it. A job lives
 * in its caller's stack frame; the caller sleeps on the job's own condition
 * variable until an executor marks it done.
 */
#define _GNU_SOURCE
#include "core/executor.h"

#include <pthread.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#ifdef PDSAFE_HAVE_ONEDNN
#include <omp.h>
#endif

#define MAX_EXECUTORS 256

typedef struct job {
    void (*fn)(void *);
    void *arg;
    int threads;
    bool done;
    pthread_cond_t cv;
    struct job *next;
} job;

typedef struct executor {
    pthread_t thread;
    bool started;
    bool busy;
    bool reserved; /* counted for a job being submitted (run_many) */
    int team;      /* OpenMP team size currently set on this thread */
    int max_team;  /* T_i */
} executor;

static struct {
    pthread_mutex_t mu;
    pthread_cond_t work_cv;
    int refs;
    bool stopping;
    bool forking; /* fork() waits for running jobs; none may start */
    int n_started;
    int tokens; /* free compute threads */
    job *head, *tail;
    executor ex[MAX_EXECUTORS];
} X = {.mu = PTHREAD_MUTEX_INITIALIZER, .work_cv = PTHREAD_COND_INITIALIZER};

/* Serialises acquire against a release that is joining threads, so that a new
 * reference never revives executors that were told to stop. */
static pthread_mutex_t life_mu = PTHREAD_MUTEX_INITIALIZER;

int pdsi_executor_cpus(void)
{
    static int cached;
    int n = __atomic_load_n(&cached, __ATOMIC_RELAXED);
    if (n)
        return n;
    cpu_set_t set;
    CPU_ZERO(&set);
    if (sched_getaffinity(0, sizeof set, &set) == 0)
        n = CPU_COUNT(&set);
    if (n <= 0) {
        long c = sysconf(_SC_NPROCESSORS_ONLN);
        n = c > 0 ? (int)c : 1;
    }
    if (n > MAX_EXECUTORS)
        n = MAX_EXECUTORS;
    __atomic_store_n(&cached, n, __ATOMIC_RELAXED);
    return n;
}

static int team_cap(int i)
{
    int e = pdsi_executor_cpus();
    int t = e / (i + 1);
    return t < 1 ? 1 : t;
}

int pdsi_executor_thread_bound(void)
{
    int e = pdsi_executor_cpus(), sum = 0;
    for (int i = 0; i < e; i++)
        sum += team_cap(i);
    return sum;
}

bool pdsi_executor_on_worker(void)
{
    bool on = false;
    pthread_t self = pthread_self();
    pthread_mutex_lock(&X.mu);
    for (int i = 0; i < X.n_started && !on; i++)
        on = X.ex[i].started && pthread_equal(X.ex[i].thread, self);
    pthread_mutex_unlock(&X.mu);
    return on;
}

/* The head job, if executor e may start it now. Caller holds X.mu. */
static job *startable(const executor *e)
{
    job *j = X.head;
    if (!j || X.forking || j->threads > e->max_team || j->threads > X.tokens)
        return NULL;
    return j;
}

static void *executor_main(void *arg)
{
    executor *e = arg;
    pthread_mutex_lock(&X.mu);
    for (;;) {
        job *j;
        while (!X.stopping && !(j = startable(e)))
            pthread_cond_wait(&X.work_cv, &X.mu);
        if (X.stopping)
            break;
        X.head = j->next;
        if (!X.head)
            X.tail = NULL;
        X.tokens -= j->threads;
        e->busy = true;
        /* Others may be able to start the next job. */
        pthread_cond_broadcast(&X.work_cv);
        pthread_mutex_unlock(&X.mu);

#ifdef PDSAFE_HAVE_ONEDNN
        /* This thread's own OpenMP setting: never a caller's. */
        if (e->team != j->threads) {
            omp_set_num_threads(j->threads);
            e->team = j->threads;
        }
#endif
        j->fn(j->arg);

        pthread_mutex_lock(&X.mu);
        X.tokens += j->threads;
        e->busy = false;
        j->done = true;
        pthread_cond_signal(&j->cv);
        pthread_cond_broadcast(&X.work_cv);
    }
    pthread_mutex_unlock(&X.mu);
    return NULL;
}

void pdsi_executor_acquire(void)
{
    pthread_mutex_lock(&life_mu);
    pthread_mutex_lock(&X.mu);
    if (X.refs++ == 0) {
        X.stopping = false;
        X.tokens = pdsi_executor_cpus();
    }
    pthread_mutex_unlock(&X.mu);
    pthread_mutex_unlock(&life_mu);
}

void pdsi_executor_release(void)
{
    pthread_mutex_lock(&life_mu);
    pthread_mutex_lock(&X.mu);
    if (--X.refs > 0) {
        pthread_mutex_unlock(&X.mu);
        pthread_mutex_unlock(&life_mu);
        return;
    }
    X.stopping = true;
    pthread_cond_broadcast(&X.work_cv);
    int n = X.n_started;
    pthread_mutex_unlock(&X.mu);
    /* No job can be queued now: every submitter holds a reference. */
    for (int i = 0; i < n; i++)
        if (X.ex[i].started)
            pthread_join(X.ex[i].thread, NULL);
    pthread_mutex_lock(&X.mu);
    memset(X.ex, 0, sizeof X.ex);
    X.n_started = 0;
    pthread_mutex_unlock(&X.mu);
    pthread_mutex_unlock(&life_mu);
}

/* Starts one more executor if no idle one could take a job of `threads`.
 * Caller holds X.mu. Returns false only if none exists and none could start. */
static bool ensure_executor(int threads)
{
    for (int i = 0; i < X.n_started; i++)
        if (!X.ex[i].busy && !X.ex[i].reserved && X.ex[i].max_team >= threads)
            return true;
    int e = pdsi_executor_cpus();
    if (X.n_started < e && team_cap(X.n_started) >= threads) {
        executor *ex = &X.ex[X.n_started];
        memset(ex, 0, sizeof *ex);
        ex->max_team = team_cap(X.n_started);
        pthread_attr_t attr;
        bool ok = pthread_attr_init(&attr) == 0;
        /* oneDNN's jit kernels and our reference kernels use little stack,
         * but a few MiB keep deep recursion in libraries safe. */
        if (ok)
            pthread_attr_setstacksize(&attr, 8u << 20);
        if (ok && pthread_create(&ex->thread, &attr, executor_main, ex) == 0) {
            ex->started = true;
            X.n_started++;
        }
        if (ok)
            pthread_attr_destroy(&attr);
    }
    /* Executor 0 can take any job; if it exists the job will run eventually. */
    return X.n_started > 0;
}

pds_status pdsi_executor_run_many(void (*fn)(void *arg), void *const *args, int n, int threads,
                                  pds_error *err)
{
    enum { MAX_JOBS = 16 };
    int e = pdsi_executor_cpus();
    if (n < 1)
        return PDS_OK;
    if (n > MAX_JOBS)
        return pdsi_fail(err, PDS_ERR_INTERNAL, "more than %d executor jobs at once", MAX_JOBS);
    if (threads < 1)
        threads = 1;
    if (threads > e)
        threads = e;
    job jobs[MAX_JOBS];
    memset(jobs, 0, sizeof jobs);
    int made = 0;
    for (; made < n; made++) {
        jobs[made].fn = fn;
        jobs[made].arg = args[made];
        jobs[made].threads = threads;
        if (pthread_cond_init(&jobs[made].cv, NULL) != 0)
            break;
    }
    if (made < n) {
        for (int i = 0; i < made; i++)
            pthread_cond_destroy(&jobs[i].cv);
        return pdsi_fail(err, PDS_ERR_INTERNAL, "could not hand work to an executor thread: "
                                                "condition variable init failed");
    }
    pthread_mutex_lock(&X.mu);
    /* One more executor per job where the bound allows: they run at once. */
    for (int i = 0; i < n; i++) {
        if (!ensure_executor(threads)) {
            pthread_mutex_unlock(&X.mu);
            for (int k = 0; k < n; k++)
                pthread_cond_destroy(&jobs[k].cv);
            return pdsi_fail(err, PDS_ERR_INTERNAL,
                             "could not start an executor thread (pthread_create failed)");
        }
        /* Count an idle executor as taken by this job for the next check. */
        for (int k = 0; k < X.n_started; k++)
            if (!X.ex[k].busy && !X.ex[k].reserved && X.ex[k].max_team >= threads) {
                X.ex[k].reserved = true;
                break;
            }
    }
    for (int k = 0; k < X.n_started; k++)
        X.ex[k].reserved = false;
    for (int i = 0; i < n; i++) {
        if (X.tail)
            X.tail->next = &jobs[i];
        else
            X.head = &jobs[i];
        X.tail = &jobs[i];
    }
    pthread_cond_broadcast(&X.work_cv);
    for (int i = 0; i < n; i++)
        while (!jobs[i].done)
            pthread_cond_wait(&jobs[i].cv, &X.mu);
    pthread_mutex_unlock(&X.mu);
    for (int i = 0; i < n; i++)
        pthread_cond_destroy(&jobs[i].cv);
    return PDS_OK;
}

pds_status pdsi_executor_run(void (*fn)(void *arg), void *arg, int threads, pds_error *err)
{
    void *args[1] = {arg};
    return pdsi_executor_run_many(fn, args, 1, threads, err);
}

/* fork(): oneDNN and OpenMP keep locks and thread pools of their own, and
 * only executor threads ever enter them. Waiting until no job runs (and
 * letting none start) before the fork means no such lock is held in the
 * child; there, the executor threads are gone, so the table is emptied and
 * new ones start with the next job. Jobs queued by other threads are dropped
 * with their threads. */
void pdsi_executor_fork_prepare(void)
{
    pthread_mutex_lock(&life_mu);
    pthread_mutex_lock(&X.mu);
    X.forking = true;
    for (;;) {
        bool busy = false;
        for (int i = 0; i < X.n_started; i++)
            busy |= X.ex[i].busy;
        if (!busy)
            break;
        pthread_cond_wait(&X.work_cv, &X.mu);
    }
}

void pdsi_executor_fork_parent(void)
{
    X.forking = false;
    pthread_cond_broadcast(&X.work_cv);
    pthread_mutex_unlock(&X.mu);
    pthread_mutex_unlock(&life_mu);
}

void pdsi_executor_fork_child(void)
{
    X.forking = false;
    X.stopping = false;
    memset(X.ex, 0, sizeof X.ex);
    X.n_started = 0;
    X.head = X.tail = NULL;
    X.tokens = pdsi_executor_cpus();
    /* Other threads may have been waiting on it in the parent. */
    pthread_cond_init(&X.work_cv, NULL);
    pthread_mutex_unlock(&X.mu);
    pthread_mutex_unlock(&life_mu);
}
