/*
 * executor.c — a fixed set of library threads that run jobs handed over by
 * callers (see executor.h for the thread bound and why it exists).
 *
 * One mutex guards the FIFO of waiting jobs, the free compute tokens and the
 * executor table. Only the job at the head of the queue may start, so a wide
 * job is not starved by narrow ones behind it.
 *
 * Hand-offs are direct, so that a run costs as few wake-ups and lock
 * acquisitions as the design allows, whatever the number of callers:
 *  - a job that can start when it is submitted is given to one idle executor
 *    (the one with the smallest team cap that fits, keeping wide executors
 *    free for wide jobs) and only that executor is woken, on its own
 *    condition variable; a broadcast to all would wake executors that then
 *    find nothing to do and queue on the mutex;
 *  - an executor that finishes a job takes the next startable one itself,
 *    with no sleep in between, and hands further startable jobs to idle
 *    executors;
 *  - the caller sleeps on a semaphore that the executor posts after dropping
 *    the mutex. Waiting on a condition variable instead made every woken
 *    caller take the mutex again while the executor still held it, and with
 *    2 CPUs the executor was often the thread that the waking caller had
 *    preempted: a lock convoy that left CPUs idle.
 * Wake-ups are sent after the mutex is released, for the same reason.
 *
 * The caller runs a job itself when the job is 1 thread wide, nothing is
 * queued ahead of it and a token is free (pdsi_executor_run only). There is
 * then nothing to hand over: the hand-off (two wake-ups and two context
 * switches, 25-30 us on a tiny model, more on a busy machine) was most of
 * the fixed cost of a small run. The bound holds: the caller's OpenMP team
 * size is 1 for the job (set on its own thread and restored afterwards, so
 * its OpenMP state is as it was), and a team of 1 starts no thread; the job
 * holds its token like any other, so at most E threads still compute.
 */
#define _GNU_SOURCE
#include "core/executor.h"

#include "core/tensor.h"

#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <semaphore.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#ifdef PDSAFE_HAVE_ONEDNN
#include <omp.h>
#endif

#define MAX_EXECUTORS 256

/* A job lives in its caller's stack frame until `done` is posted. */
typedef struct job {
    void (*fn)(void *);
    void *arg;
    int threads;
    sem_t *done; /* posted once fn has returned; shared by the jobs of one call */
    struct job *next;
} job;

typedef struct executor {
    pthread_t thread;
    pthread_cond_t cv; /* a job was handed over, or the executor must stop */
    job *job;          /* handed to this executor and not finished: it is busy */
    bool started;
    bool reserved; /* counted for a job being submitted (run_many) */
    int team;      /* OpenMP team size currently set on this thread */
    int max_team;  /* T_i */
    pdsi_workspace ws; /* lent to the job running (this thread only) */
} executor;

static struct {
    pthread_mutex_t mu;
    pthread_cond_t idle_cv; /* an executor went idle while a fork waits */
    int refs;
    bool stopping;
    bool forking; /* fork() waits for running jobs; none may start */
    int n_started;
    int inline_running; /* jobs running on their callers' threads */
    int tokens;         /* free compute threads */
    job *head, *tail;
    executor ex[MAX_EXECUTORS];
    /* Workspaces lent to jobs running on their callers' threads (each holds
     * a token, so at most E at once), and the indices of those not lent,
     * the most recently returned last (the warmest is lent first). */
    pdsi_workspace inline_ws[MAX_EXECUTORS];
    int inline_idle[MAX_EXECUTORS];
    int n_inline_idle;
} X = {.mu = PTHREAD_MUTEX_INITIALIZER, .idle_cv = PTHREAD_COND_INITIALIZER};

/* Serialises acquire against a release that is joining threads, so that a new
 * reference never revives executors that were told to stop. */
static pthread_mutex_t life_mu = PTHREAD_MUTEX_INITIALIZER;

/* Executors to wake once X.mu is released (at most one per executor). */
typedef struct wake_list {
    executor *e[MAX_EXECUTORS];
    int n;
} wake_list;

/* Callers hold X.mu, a reference, or are an executor thread: the condition
 * variables are destroyed only after every executor thread is joined, with
 * no reference left. */
static void wake_all(const wake_list *w)
{
    for (int i = 0; i < w->n; i++)
        pthread_cond_signal(&w->e[i]->cv);
}

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

static _Thread_local pdsi_workspace *my_workspace;

pdsi_workspace *pdsi_executor_workspace(void)
{
    return my_workspace;
}

static void workspace_free(pdsi_workspace *ws)
{
    pdsi_buffer_free(ws->arena, ws->arena_cap);
    pdsi_buffer_free(ws->scratch, ws->scratch_cap);
    *ws = (pdsi_workspace){0};
}

/* Frees every caller-thread workspace and marks all idle. Caller holds X.mu
 * and no job runs on a caller's thread. */
static void inline_workspaces_reset(void)
{
    int e = pdsi_executor_cpus();
    for (int i = 0; i < e; i++) {
        workspace_free(&X.inline_ws[i]);
        X.inline_idle[i] = e - 1 - i;
    }
    X.n_inline_idle = e;
}

/* An executor with no job touches no workspace, and takes a job only from
 * dispatch, under X.mu: under X.mu an idle executor's workspace is free to
 * go. */
void pdsi_executor_trim(void)
{
    pthread_mutex_lock(&X.mu);
    for (int i = 0; i < X.n_started; i++)
        if (X.ex[i].started && !X.ex[i].job)
            workspace_free(&X.ex[i].ws);
    for (int i = 0; i < X.n_inline_idle; i++)
        workspace_free(&X.inline_ws[X.inline_idle[i]]);
    pthread_mutex_unlock(&X.mu);
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

bool pdsi_executor_contended(int threads)
{
    pthread_mutex_lock(&X.mu);
    bool c = X.head != NULL || X.tokens < threads;
    pthread_mutex_unlock(&X.mu);
    return c;
}

int pdsi_executor_queued(void)
{
    int n = 0;
    pthread_mutex_lock(&X.mu);
    for (const job *j = X.head; j; j = j->next)
        n++;
    pthread_mutex_unlock(&X.mu);
    return n;
}

/* Hands queued jobs, in arrival order, to idle executors while the head one
 * can start: self first (it is awake and needs no wake-up), else the idle
 * executor with the smallest team cap that fits. Others to wake go to w.
 * Caller holds X.mu. */
static void dispatch(executor *self, wake_list *w)
{
    while (X.head && !X.forking) {
        job *j = X.head;
        if (j->threads > X.tokens)
            return;
        bool mine = self && !self->job && self->max_team >= j->threads;
        executor *to = mine ? self : NULL;
        for (int i = 0; !mine && i < X.n_started; i++) {
            executor *e = &X.ex[i];
            if (e->started && !e->job && e->max_team >= j->threads &&
                (!to || e->max_team < to->max_team))
                to = e;
        }
        if (!to)
            return;
        X.head = j->next;
        if (!X.head)
            X.tail = NULL;
        j->next = NULL;
        X.tokens -= j->threads;
        to->job = j;
        if (!mine)
            w->e[w->n++] = to;
    }
}

static void *executor_main(void *arg)
{
    executor *e = arg;
    wake_list w;
    my_workspace = &e->ws;
    pthread_mutex_lock(&X.mu);
    for (;;) {
        while (!e->job && !X.stopping)
            pthread_cond_wait(&e->cv, &X.mu);
        job *j = e->job;
        if (!j)
            break;
        pthread_mutex_unlock(&X.mu);
        /* Jobs handed to this executor run back to back, without a sleep. */
        while (j) {
#ifdef PDSAFE_HAVE_ONEDNN
            /* This thread's own OpenMP setting: never a caller's. */
            if (e->team != j->threads) {
                omp_set_num_threads(j->threads);
                e->team = j->threads;
            }
#endif
            j->fn(j->arg);
            sem_t *done = j->done;
            w.n = 0;
            pthread_mutex_lock(&X.mu);
            X.tokens += j->threads;
            e->job = NULL;
            dispatch(e, &w);
            j = e->job;
            if (!j && X.forking)
                pthread_cond_broadcast(&X.idle_cv);
            pthread_mutex_unlock(&X.mu);
            wake_all(&w);
            /* Last: once posted, the finished job's frame (semaphore
             * included) may be gone. sem_post reads nothing of the semaphore
             * after the count it publishes, so the waiter may destroy it as
             * soon as sem_wait returns (POSIX allows destroying a semaphore
             * nobody is blocked on). */
            sem_post(done);
        }
        pthread_mutex_lock(&X.mu);
    }
    my_workspace = NULL;
    workspace_free(&e->ws); /* under X.mu, as pdsi_executor_trim frees it */
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
        inline_workspaces_reset();
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
    int n = X.n_started;
    for (int i = 0; i < n; i++)
        if (X.ex[i].started)
            pthread_cond_signal(&X.ex[i].cv);
    pthread_mutex_unlock(&X.mu);
    /* No job can be queued now: every submitter holds a reference. */
    for (int i = 0; i < n; i++)
        if (X.ex[i].started)
            pthread_join(X.ex[i].thread, NULL);
    pthread_mutex_lock(&X.mu);
    for (int i = 0; i < n; i++)
        if (X.ex[i].started)
            pthread_cond_destroy(&X.ex[i].cv);
    memset(X.ex, 0, sizeof X.ex);
    X.n_started = 0;
    inline_workspaces_reset(); /* no reference: no job on a caller's thread */
    pthread_mutex_unlock(&X.mu);
    pthread_mutex_unlock(&life_mu);
}

/* Starts one more executor if no idle one could take a job of `threads`.
 * Caller holds X.mu. Returns false only if none exists and none could start. */
static bool ensure_executor(int threads)
{
    for (int i = 0; i < X.n_started; i++)
        if (X.ex[i].started && !X.ex[i].job && !X.ex[i].reserved &&
            X.ex[i].max_team >= threads)
            return true;
    int e = pdsi_executor_cpus();
    if (X.n_started < e && team_cap(X.n_started) >= threads) {
        executor *ex = &X.ex[X.n_started];
        memset(ex, 0, sizeof *ex);
        ex->max_team = team_cap(X.n_started);
        pthread_attr_t attr;
        bool ok = pthread_cond_init(&ex->cv, NULL) == 0;
        bool attr_ok = ok && pthread_attr_init(&attr) == 0;
        /* oneDNN's jit kernels and our reference kernels use little stack,
         * but a few MiB keep deep recursion in libraries safe. */
        if (attr_ok)
            pthread_attr_setstacksize(&attr, 8u << 20);
        if (attr_ok && pthread_create(&ex->thread, &attr, executor_main, ex) == 0) {
            ex->started = true;
            X.n_started++;
        } else if (ok) {
            pthread_cond_destroy(&ex->cv);
        }
        if (attr_ok)
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
    sem_t done;
    if (sem_init(&done, 0, 0) != 0)
        return pdsi_fail(err, PDS_ERR_INTERNAL, "could not hand work to an executor thread: "
                                                "semaphore init failed");
    job jobs[MAX_JOBS];
    memset(jobs, 0, sizeof jobs);
    for (int i = 0; i < n; i++) {
        jobs[i].fn = fn;
        jobs[i].arg = args[i];
        jobs[i].threads = threads;
        jobs[i].done = &done;
    }
    wake_list w = {.n = 0};
    pthread_mutex_lock(&X.mu);
    /* One more executor per job where the bound allows: they run at once. */
    for (int i = 0; i < n; i++) {
        if (!ensure_executor(threads)) {
            for (int k = 0; k < X.n_started; k++)
                X.ex[k].reserved = false;
            pthread_mutex_unlock(&X.mu);
            sem_destroy(&done);
            return pdsi_fail(err, PDS_ERR_INTERNAL,
                             "could not start an executor thread (pthread_create failed)");
        }
        /* Count an idle executor as taken by this job for the next check. */
        for (int k = 0; k < X.n_started; k++)
            if (X.ex[k].started && !X.ex[k].job && !X.ex[k].reserved &&
                X.ex[k].max_team >= threads) {
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
    /* Jobs queued earlier are ahead of these: dispatch keeps arrival order. */
    dispatch(NULL, &w);
    pthread_mutex_unlock(&X.mu);
    wake_all(&w);
    for (int i = 0; i < n; i++)
        while (sem_wait(&done) != 0 && errno == EINTR)
            ;
    sem_destroy(&done);
    return PDS_OK;
}

/* Runs fn(arg) on the calling thread if a 1-thread job may start now (no
 * job queued, a token free, no fork waiting); false if it must be handed
 * over instead. */
static bool run_on_caller(void (*fn)(void *arg), void *arg)
{
    pthread_mutex_lock(&X.mu);
    bool can = !X.head && !X.forking && X.tokens >= 1;
    int k = -1;
    if (can) {
        X.tokens--;
        X.inline_running++;
        if (X.n_inline_idle > 0)
            k = X.inline_idle[--X.n_inline_idle];
    }
    pthread_mutex_unlock(&X.mu);
    if (!can)
        return false;
    /* The job borrows a workspace as on an executor thread, so that runs of
     * many predictors on callers' threads share E warm arenas too. */
    pdsi_workspace *prev = my_workspace;
    my_workspace = k >= 0 ? &X.inline_ws[k] : NULL;
#ifdef PDSAFE_HAVE_ONEDNN
    /* Inside a parallel region of the caller's own, oneDNN runs serially
     * anyway; elsewhere a team size of 1 keeps its loops on this thread. */
    int had = omp_get_max_threads();
    if (had != 1)
        omp_set_num_threads(1);
#endif
    fn(arg);
#ifdef PDSAFE_HAVE_ONEDNN
    if (had != 1)
        omp_set_num_threads(had);
#endif
    my_workspace = prev;
    wake_list w = {.n = 0};
    pthread_mutex_lock(&X.mu);
    X.tokens++;
    X.inline_running--;
    if (k >= 0)
        X.inline_idle[X.n_inline_idle++] = k;
    /* The token may be what the head of the queue waited for. */
    dispatch(NULL, &w);
    if (X.forking && X.inline_running == 0)
        pthread_cond_broadcast(&X.idle_cv);
    pthread_mutex_unlock(&X.mu);
    wake_all(&w);
    return true;
}

pds_status pdsi_executor_run(void (*fn)(void *arg), void *arg, int threads, pds_error *err)
{
    if (threads <= 1 && run_on_caller(fn, arg))
        return PDS_OK;
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
        bool busy = X.inline_running > 0;
        for (int i = 0; i < X.n_started; i++)
            busy |= X.ex[i].job != NULL;
        if (!busy)
            break;
        pthread_cond_wait(&X.idle_cv, &X.mu);
    }
}

void pdsi_executor_fork_parent(void)
{
    wake_list w = {.n = 0};
    X.forking = false;
    /* Jobs submitted during the fork waited in the queue. The forking thread
     * may hold no reference, so it wakes their executors before unlocking,
     * while no release can destroy the condition variables. */
    dispatch(NULL, &w);
    wake_all(&w);
    pthread_mutex_unlock(&X.mu);
    pthread_mutex_unlock(&life_mu);
}

void pdsi_executor_fork_child(void)
{
    X.forking = false;
    X.stopping = false;
    /* The executors' condition variables go with their threads; new ones are
     * initialised when executors start again. Their workspaces were copied
     * into this process with no thread to use them. */
    for (int i = 0; i < X.n_started; i++)
        workspace_free(&X.ex[i].ws);
    memset(X.ex, 0, sizeof X.ex);
    X.n_started = 0;
    X.inline_running = 0;
    inline_workspaces_reset();
    X.head = X.tail = NULL;
    X.tokens = pdsi_executor_cpus();
    /* Other threads may have been waiting on it in the parent. */
    pthread_cond_init(&X.idle_cv, NULL);
    pthread_mutex_unlock(&X.mu);
    pthread_mutex_unlock(&life_mu);
}
