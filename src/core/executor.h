/*
 * executor.h — the library's own threads, on which every oneDNN primitive is
 * created and run (DESIGN M21, M23).
 *
 * Debian's oneDNN runs its parallel loops with GNU OpenMP, which gives every
 * distinct thread that opens a parallel region its own team of worker threads.
 * Running oneDNN on the callers' threads would therefore create one team per
 * calling OS thread (a Go program with 64 goroutines in cgo: 64 teams), and
 * setting the team size would change the callers' OpenMP state. Instead, a
 * caller hands a job to the executor and waits for it; the job runs on one of
 * at most E = online CPUs executor threads, which alone ever set a team size
 * above 1 (on themselves). A 1-thread job that could start at once runs on
 * its caller's thread instead, with a team of 1 (pdsi_executor_run says how):
 * a team of 1 starts no thread, and a tiny run then costs no hand-off.
 *
 * The bound: executor i (0-based) only runs jobs of at most
 * T_i = max(1, E / (i + 1)) threads, so the OpenMP team it leads never grows
 * past T_i threads (itself included). The library thus adds at most
 * sum_i T_i threads to the process, whatever the number of callers (E = 2:
 * 3 threads; E = 8: 22). Jobs also take T tokens out of E, so at most E
 * threads compute at a time: concurrent callers queue, in order, instead of
 * oversubscribing the cores.
 *
 * A run with many callers costs the same hand-off as with one: the job goes
 * straight to an idle executor, an executor that finishes starts the next
 * queued job itself, and each side is woken once (executor.c says how).
 *
 * Lifetime: the executor is reference-counted by the objects that use it
 * (models with the fast path). Threads start lazily when jobs need them and
 * are joined when the last reference goes, so a process without live models
 * has no library threads (M20).
 */
#ifndef PDSI_CORE_EXECUTOR_H
#define PDSI_CORE_EXECUTOR_H

#include <stdbool.h>

#include "core/error.h"

/* Takes / drops a reference on the executor. Release joins every executor
 * thread when the count reaches zero; never call it from an executor job. */
void pdsi_executor_acquire(void);
void pdsi_executor_release(void);

/* Runs fn(arg) with an OpenMP team of `threads` threads (clamped to 1..E)
 * and returns when it has finished. The caller must hold a reference. A job
 * of 1 thread that can start at once (no job queued, a token free) runs on
 * the calling thread, with that thread's OpenMP team size set to 1 for the
 * job and restored after it; any other job runs on an executor thread.
 * PDS_ERR_INTERNAL if no executor thread can be started. */
pds_status pdsi_executor_run(void (*fn)(void *arg), void *arg, int threads, pds_error *err);

/* Runs fn(args[i]) for i in [0, n) as n jobs of `threads` threads each, on
 * executor threads, concurrently as far as executors and tokens allow, and
 * returns when all have finished (n <= 16). */
pds_status pdsi_executor_run_many(void (*fn)(void *arg), void *const *args, int n, int threads,
                                  pds_error *err);

/* Memory that belongs to an executor thread and is lent to each job it runs
 * (and E more lent to jobs run on their callers' threads): a predictor's
 * activations and kernel scratch while its run is on that thread. With more callers than CPUs nearly every run is handed to an
 * executor, and runs of many predictors then reuse the E workspaces, which
 * stay in their cores' caches, instead of each touching an arena of its own
 * (DESIGN 2.4 has the measurements). A workspace only grows (to the
 * largest need of the jobs it ran) until pdsi_executor_trim, and is freed
 * when its thread stops. Nothing may point into it after the job returns. */
typedef struct pdsi_workspace {
    void *arena;
    size_t arena_cap;
    void *scratch;
    size_t scratch_cap;
} pdsi_workspace;

/* The workspace lent to the job running on the calling thread: its executor
 * thread's own, or, for a 1-thread job its caller runs, one of E workspaces
 * kept for such jobs (each holds a token, so E suffice). NULL outside a job
 * (and for the rare job that finds none idle). */
pdsi_workspace *pdsi_executor_workspace(void);

/* Frees the workspaces of the executors that are idle now (a busy one keeps
 * its own): what a model's runs grew them to goes back to the system when the
 * model is freed, however long other models keep the executor. The caller
 * holds a reference. */
void pdsi_executor_trim(void);

/* True when a job of `threads` threads submitted now would wait for its
 * tokens: jobs are queued, or fewer than `threads` tokens are free. A hint
 * (the answer may change at once), for the adaptive thread policy. */
bool pdsi_executor_contended(int threads);

/* E: the number of CPUs this process may run on (at least 1, at most 256). */
int pdsi_executor_cpus(void);

/* The most threads the executor can add to the process (sum of T_i). */
int pdsi_executor_thread_bound(void);

/* True on an executor thread (for assertions in tests and internal checks). */
bool pdsi_executor_on_worker(void);

/* Jobs submitted and not yet handed to an executor (for tests that need to
 * know a job is waiting before they submit the next). */
int pdsi_executor_queued(void);

/* pthread_atfork handlers (the API layer registers them, with its own):
 * prepare waits until no job runs and lets none start, so that no lock of
 * oneDNN or OpenMP is held across fork; the child starts with no executor
 * threads (new ones start with its first job) and no queued jobs. */
void pdsi_executor_fork_prepare(void);
void pdsi_executor_fork_parent(void);
void pdsi_executor_fork_child(void);

#endif
