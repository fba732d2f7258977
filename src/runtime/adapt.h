/*
 * adapt.h — how many threads a predictor's next run uses, when it was given
 * more than one (the "adaptive" thread policy; DESIGN: shared CPUs).
 *
 * Debian's oneDNN runs its parallel loops with GNU OpenMP, whose threads
 * spin at every barrier. On a machine whose CPUs are shared (containers with
 * quotas, noisy neighbours, the Go runtime's own GC workers), a preempted
 * member of a team stalls the others, and a 2-thread run can take 5-10x as
 * long as a 1-thread run of the same model. The wait policy is read once, by
 * libgomp's constructor, before the library could change it; the team size
 * is what the library controls. So it measures: a predictor with T > 1
 * threads runs with T, now and then runs once with 1 thread (a probe), keeps
 * the last few times of each for the shapes it is running, and runs with
 * whichever has been faster. On an idle machine the probes become rare (one
 * run in 128) and T stays; under contention 1 wins within a few probes, and
 * T comes back when it is faster again. A run much slower than its team's
 * median (contention starting) brings the next probe forward, so a predictor
 * does not run stalled until its next scheduled probe.
 *
 * Pure logic, no clock and no lock: the predictor feeds it the time of each
 * run's steps (its run lock serialises the calls). Tests drive it with
 * made-up times.
 */
#ifndef PDSI_RUNTIME_ADAPT_H
#define PDSI_RUNTIME_ADAPT_H

#include <stdbool.h>
#include <stdint.h>

enum {
    PDSI_ADAPT_SAMPLES = 3,     /* times kept per team size: their median decides */
    PDSI_ADAPT_FIRST_PROBE = 2, /* runs between probes after a change */
    PDSI_ADAPT_MAX_PROBE = 128, /* ... doubling up to this while nothing changes */
    PDSI_ADAPT_JUMP = 2,        /* a run this many times its team's median: probe next */
    PDSI_ADAPT_PROBE_COST = 8,  /* probes of a team R times slower: at most 1 in 8R runs */
    PDSI_ADAPT_MAX_SLOW = 1024, /* ... up to this many runs apart */
};

typedef struct pdsi_adapt {
    uint64_t key;                               /* the shapes the times are for */
    uint64_t ns[2][PDSI_ADAPT_SAMPLES];         /* [0]: full team, [1]: one thread */
    uint8_t n[2], next[2];
    bool cold[2];                               /* its only time is its first run's */
    uint8_t mode;                               /* the team the runs use: 0 full, 1 one */
    bool probing;                               /* the run in progress is a probe */
    uint32_t since_probe, probe_every;
    uint64_t runs_one, probes;                  /* statistics */
} pdsi_adapt;

void pdsi_adapt_init(pdsi_adapt *a);

/* The team size of the next run: `full` or 1. */
int pdsi_adapt_team(pdsi_adapt *a, int full);

/* Records the run just made: its shapes' key (the plan hash), whether it ran
 * with one thread, and how long its steps took. A run that built a plan, or
 * failed, is not recorded (pdsi_adapt_skip), only ends a probe. */
void pdsi_adapt_record(pdsi_adapt *a, uint64_t key, bool one, uint64_t ns);
void pdsi_adapt_skip(pdsi_adapt *a);

/* The run pdsi_adapt_team sized was made with one thread instead, because
 * other runs held or awaited the library's threads (predictor.c): counted
 * as a one-thread run; like a skipped run it measures nothing. */
void pdsi_adapt_narrowed(pdsi_adapt *a);

#endif
