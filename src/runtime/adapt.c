/*
 * adapt.c — the adaptive thread policy (adapt.h says why it exists).
 *
 * The decision compares medians of the last PDSI_ADAPT_SAMPLES times of each
 * team size for the current shapes, and changes the team only when the other
 * one is at least 10 % faster, so that noise does not flip it back and
 * forth. A probe is one run with the other team size; the interval between
 * probes doubles each time a probe confirms the current choice and starts
 * again at PDSI_ADAPT_FIRST_PROBE after a change. A probe whose run planned
 * (so measured nothing) is repeated at the next run, a run slower than
 * PDSI_ADAPT_JUMP times its team's median brings the next probe forward, and
 * so does a probe faster than the current team whose older times still keep
 * its median from winning (it is confirmed at once, not a spaced interval
 * later).
 * Probes of a team much slower than the current one are spaced by their
 * cost (PDSI_ADAPT_PROBE_COST), so they never dominate the mean. New
 * shapes start afresh with the full team: times of other shapes say nothing
 * about them.
 *
 * A team's first run on a shape is cold (its plan's arena and its threads'
 * caches are touched for the first time): that time decides only until the
 * team's next run replaces it, and it never spaces probes out. Before, one
 * cold first time of the full team, 20-30 times its steady time, could make
 * the first probe switch to one thread and then space the full team's
 * probes 144 runs apart while the cold time stayed among its samples: a
 * bf16 pplcnet at 2 threads ran 300 of 300 runs on one thread (2.2 ms
 * instead of 1.15 ms).
 */
#include "runtime/adapt.h"

#include <string.h>

void pdsi_adapt_init(pdsi_adapt *a)
{
    memset(a, 0, sizeof *a);
    a->probe_every = PDSI_ADAPT_FIRST_PROBE;
}

int pdsi_adapt_team(pdsi_adapt *a, int full)
{
    if (full <= 1)
        return 1;
    int mode = a->mode;
    a->probing = false;
    if (++a->since_probe >= a->probe_every) {
        a->since_probe = 0;
        a->probing = true;
        a->probes++;
        mode = !mode;
    }
    if (mode)
        a->runs_one++;
    return mode ? 1 : full;
}

/* The median of the kept times (of two: the larger, so that one lucky run
 * does not decide). */
static uint64_t median(const pdsi_adapt *a, int m)
{
    uint64_t v[PDSI_ADAPT_SAMPLES];
    int n = a->n[m];
    memcpy(v, a->ns[m], sizeof v);
    for (int i = 1; i < n; i++)
        for (int j = i; j > 0 && v[j - 1] > v[j]; j--) {
            uint64_t t = v[j];
            v[j] = v[j - 1];
            v[j - 1] = t;
        }
    return v[n / 2];
}

/* The next run is a probe. */
static void probe_next(pdsi_adapt *a)
{
    a->since_probe = a->probe_every;
}

void pdsi_adapt_skip(pdsi_adapt *a)
{
    /* A probe that planned measured nothing: the next run probes again. */
    if (a->probing)
        probe_next(a);
    a->probing = false;
}

void pdsi_adapt_narrowed(pdsi_adapt *a)
{
    a->runs_one++;
    pdsi_adapt_skip(a);
}

void pdsi_adapt_record(pdsi_adapt *a, uint64_t key, bool one, uint64_t ns)
{
    bool probe = a->probing;
    a->probing = false;
    if (key != a->key) {
        pdsi_adapt was = *a;
        pdsi_adapt_init(a);
        a->key = key;
        a->since_probe = was.since_probe;
        a->runs_one = was.runs_one;
        a->probes = was.probes;
    }
    int m = one ? 1 : 0;
    /* Contention starting: this team is suddenly slow, and slower than the
     * other one was (under a busy machine one thread's times are noisy too,
     * and probing a stalled team for them would only cost). */
    if (!probe && m == a->mode && a->n[m] == PDSI_ADAPT_SAMPLES &&
        ns > PDSI_ADAPT_JUMP * median(a, m) && (!a->n[!m] || ns > median(a, !m)))
        probe_next(a);
    if (a->cold[m]) {
        /* The team's second time replaces its cold first one. */
        a->ns[m][0] = ns;
        a->cold[m] = false;
    } else {
        a->cold[m] = a->n[m] == 0;
        a->ns[m][a->next[m]] = ns;
        a->next[m] = (uint8_t)((a->next[m] + 1) % PDSI_ADAPT_SAMPLES);
        if (a->n[m] < PDSI_ADAPT_SAMPLES)
            a->n[m]++;
    }
    if (!a->n[0] || !a->n[1])
        return;
    uint64_t cur = median(a, a->mode), other = median(a, !a->mode);
    if (other * 10 < cur * 9) {
        a->mode = (uint8_t)!a->mode;
        a->probe_every = PDSI_ADAPT_FIRST_PROBE;
        a->since_probe = 0;
    } else if (probe && m != a->mode && ns * 10 < cur * 9) {
        /* This probe alone beat the current team, but the other team's
         * older (slower) times still hold its median: probe again at once
         * rather than after the interval its old times set. */
        probe_next(a);
        return;
    } else if (probe && a->probe_every < PDSI_ADAPT_MAX_PROBE) {
        a->probe_every *= 2;
    }
    /* A probe of a team R times slower costs R - 1 runs: space such probes
     * at least PDSI_ADAPT_PROBE_COST * R runs apart (a 2-thread team stalled
     * by a busy machine measured 20-100 times slower than one thread). */
    cur = median(a, a->mode);
    other = median(a, !a->mode);
    if (cur && other > cur && !a->cold[!a->mode]) {
        uint64_t ratio = other / cur;
        uint64_t need = ratio > PDSI_ADAPT_MAX_SLOW / PDSI_ADAPT_PROBE_COST
                            ? PDSI_ADAPT_MAX_SLOW
                            : PDSI_ADAPT_PROBE_COST * ratio;
        if (need > a->probe_every)
            a->probe_every = (uint32_t)need;
    }
}
