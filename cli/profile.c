/*
 * profile.c — `pdsafe profile`: where a model's time goes.
 *
 * Runs the model with PDS_PREDICTOR_PROFILE after a warm-up, collects every
 * step of every measured run (the operators as planned: fused ones joined by
 * '+', the planner's layout conversions as "reorder"), and prints a table per
 * operator (type and kernel) with count, total, mean and share, then totals
 * per kernel. --trace writes a Chrome trace event file (JSON, one complete
 * event per step on one track, runs one after the other) that
 * chrome://tracing and https://ui.perfetto.dev open; the file is created
 * before the model is loaded, so a bad path fails at once.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "perf.h"

typedef struct agg {
    char op[64], kernel[64];
    long count;
    double total_ms;
} agg;

static int by_total(const void *a, const void *b)
{
    const agg *x = a, *y = b;
    return (x->total_ms < y->total_ms) - (x->total_ms > y->total_ms);
}

/* What one profile holds, freed by profile_free. */
typedef struct profile {
    perf_opts o;
    perf_ctx c;
    pds_predictor p;
    pds_tensor *out;
    pds_step_profile *steps; /* the last run's steps */
    size_t cap_steps;
    agg *ag; /* per (operator, kernel), at most cap_steps of them */
    size_t n_ag;
    FILE *trace;
    long runs;
    double run_sum_ms;
} profile;

/* Creates the trace file and writes its opening. */
static int trace_open(profile *pr)
{
    pr->trace = fopen(pr->o.trace, "w");
    if (!pr->trace) {
        fprintf(stderr, "pdsafe profile: could not create the trace file %s: %s\n", pr->o.trace,
                strerror(errno));
        return CLI_FAIL;
    }
    fprintf(pr->trace, "{\"displayTimeUnit\": \"ms\", \"traceEvents\": [\n");
    fprintf(pr->trace, "{\"name\": \"process_name\", \"ph\": \"M\", \"pid\": 1, \"args\": "
                       "{\"name\": \"pdsafe\"}},\n");
    fprintf(pr->trace, "{\"name\": \"thread_name\", \"ph\": \"M\", \"pid\": 1, \"tid\": 1, "
                       "\"args\": {\"name\": \"run\"}}");
    return CLI_OK;
}

/* One complete event per step of run it, which started at t0_ms (relative to
 * the first), and one for the run itself. */
static void trace_run(FILE *f, const pds_step_profile *steps, size_t n, long it, double t0_ms,
                      double dur_ms)
{
    for (size_t s = 0; s < n; s++) {
        double ts_us = t0_ms * 1e3 + (double)steps[s].start_ns * 1e-3;
        fprintf(f, ",\n{\"name\": \"");
        cli_json_str(f, steps[s].op_type);
        fprintf(f, "\", \"cat\": \"");
        cli_json_str(f, steps[s].kernel);
        fprintf(f,
                "\", \"ph\": \"X\", \"pid\": 1, \"tid\": 1, \"ts\": %.3f, \"dur\": %.3f, "
                "\"args\": {\"op_index\": %d, \"kernel\": \"",
                ts_us, (double)steps[s].duration_ns * 1e-3, steps[s].op_index);
        cli_json_str(f, steps[s].kernel);
        fprintf(f, "\", \"run\": %ld}}", it);
    }
    fprintf(f, ",\n{\"name\": \"run\", \"ph\": \"X\", \"pid\": 1, \"tid\": 2, "
               "\"ts\": %.3f, \"dur\": %.3f}",
            t0_ms * 1e3, dur_ms * 1e3);
}

static int trace_close(profile *pr)
{
    FILE *f = pr->trace;
    pr->trace = NULL;
    if (!f)
        return CLI_OK;
    fprintf(f, "\n]}\n");
    if (fclose(f) != 0) {
        fprintf(stderr, "pdsafe profile: could not write the trace file %s: %s\n", pr->o.trace,
                strerror(errno));
        return CLI_FAIL;
    }
    return CLI_OK;
}

/* The last run's steps into pr->steps (grown as needed); their count in *n. */
static int collect_steps(profile *pr, size_t *n)
{
    pds_error err;
    if (pds_predictor_get_profile(pr->p, pr->steps, pr->cap_steps, n, &err)) {
        fprintf(stderr, "pdsafe profile: %s\n", err.message);
        return CLI_FAIL;
    }
    if (*n <= pr->cap_steps)
        return CLI_OK;
    free(pr->steps);
    free(pr->ag);
    pr->cap_steps = *n;
    pr->steps = calloc(pr->cap_steps, sizeof *pr->steps);
    pr->ag = calloc(pr->cap_steps, sizeof *pr->ag);
    pr->n_ag = 0;
    if (!pr->steps || !pr->ag ||
        pds_predictor_get_profile(pr->p, pr->steps, pr->cap_steps, n, &err) != PDS_OK) {
        fprintf(stderr, "pdsafe profile: out of memory for %zu steps\n", *n);
        return CLI_FAIL;
    }
    return CLI_OK;
}

/* Adds the n steps of the last run to the per-(operator, kernel) totals. */
static void aggregate(profile *pr, size_t n)
{
    for (size_t s = 0; s < n; s++) {
        const pds_step_profile *st = &pr->steps[s];
        size_t k = 0;
        while (k < pr->n_ag && (strcmp(pr->ag[k].op, st->op_type) != 0 ||
                                strcmp(pr->ag[k].kernel, st->kernel) != 0))
            k++;
        if (k == pr->n_ag) {
            if (pr->n_ag == pr->cap_steps)
                continue;
            memcpy(pr->ag[k].op, st->op_type, sizeof pr->ag[k].op);
            memcpy(pr->ag[k].kernel, st->kernel, sizeof pr->ag[k].kernel);
            pr->n_ag++;
        }
        pr->ag[k].count++;
        pr->ag[k].total_ms += (double)st->duration_ns * 1e-6;
    }
}

/* The warm-up, then the measured runs (--iters, or until --time is spent). */
static int profile_runs(profile *pr)
{
    const perf_opts *o = &pr->o;
    pds_error err;
    for (long i = 0; i < o->warmup; i++)
        if (pds_predictor_run(pr->p, pr->c.inputs, pr->c.n_in, pr->out, pr->c.n_out, &err)) {
            fprintf(stderr, "pdsafe profile: run failed: %s\n", err.message);
            return CLI_FAIL;
        }
    bool tty = isatty(2) && !o->quiet;
    long iters = o->iters ? o->iters : 1000000000L; /* bounded by --time */
    double t_start = perf_now_ms();
    for (long it = 0; it < iters; it++) {
        if (o->time_s > 0 && perf_now_ms() - t_start > o->time_s * 1e3)
            break;
        double t0 = perf_now_ms();
        if (pds_predictor_run(pr->p, pr->c.inputs, pr->c.n_in, pr->out, pr->c.n_out, &err)) {
            fprintf(stderr, "pdsafe profile: run failed: %s\n", err.message);
            return CLI_FAIL;
        }
        double t1 = perf_now_ms();
        pr->run_sum_ms += t1 - t0;
        pr->runs++;
        size_t n = 0;
        if (collect_steps(pr, &n))
            return CLI_FAIL;
        aggregate(pr, n);
        if (pr->trace)
            trace_run(pr->trace, pr->steps, n, it, t0 - t_start, t1 - t0);
        if (tty && (pr->runs % 10 == 0))
            fprintf(stderr, "\r  %ld runs", pr->runs);
    }
    if (tty)
        fprintf(stderr, "\r\033[K");
    return CLI_OK;
}

/* The table per operator and kernel, then the totals per kernel. */
static void profile_report(profile *pr)
{
    agg *ag = pr->ag;
    size_t n_ag = pr->n_ag;
    long runs = pr->runs;
    qsort(ag, n_ag, sizeof *ag, by_total);
    double all = 0;
    for (size_t k = 0; k < n_ag; k++)
        all += ag[k].total_ms;
    printf("model: %s; %ld runs, mean %.3f ms per run (%.3f ms in steps)\n", pr->o.model, runs,
           runs ? pr->run_sum_ms / (double)runs : 0.0, runs ? all / (double)runs : 0.0);
    printf("%-52s %-34s %6s %10s %9s %6s\n", "operator", "kernel", "count", "ms/run", "ms each",
           "share");
    for (size_t k = 0; k < n_ag; k++)
        printf("%-52.52s %-34.34s %6ld %10.3f %9.4f %5.1f%%\n", ag[k].op, ag[k].kernel,
               runs ? ag[k].count / runs : 0, runs ? ag[k].total_ms / (double)runs : 0.0,
               ag[k].count ? ag[k].total_ms / (double)ag[k].count : 0.0,
               all > 0 ? 100.0 * ag[k].total_ms / all : 0.0);
    /* Per kernel family ("onednn:brgconv:avx512_core" -> itself; totals). */
    printf("\nby kernel:\n");
    for (size_t k = 0; k < n_ag; k++) {
        bool seen = false;
        for (size_t j = 0; j < k && !seen; j++)
            seen = strcmp(ag[j].kernel, ag[k].kernel) == 0;
        if (seen)
            continue;
        double t = 0;
        for (size_t j = k; j < n_ag; j++)
            if (strcmp(ag[j].kernel, ag[k].kernel) == 0)
                t += ag[j].total_ms;
        printf("  %-40s %10.3f ms/run %5.1f%%\n", ag[k].kernel, runs ? t / (double)runs : 0.0,
               all > 0 ? 100.0 * t / all : 0.0);
    }
    if (pr->o.trace)
        printf("\ntrace: %s (open in https://ui.perfetto.dev or chrome://tracing)\n",
               pr->o.trace);
}

static void profile_free(profile *pr)
{
    if (pr->trace)
        fclose(pr->trace);
    free(pr->steps);
    free(pr->ag);
    cli_outputs_free(pr->out, pr->c.n_out);
    pds_predictor_destroy(pr->p, NULL);
    perf_free(&pr->c);
}

int pdsafe_profile_main(int argc, char **argv)
{
    profile *pr = calloc(1, sizeof *pr);
    if (!pr) {
        fprintf(stderr, "pdsafe profile: out of memory\n");
        return CLI_FAIL;
    }
    int rc = perf_parse(&perf_profile_cmd, argc, argv, &pr->o);
    if (rc < 0) {
        rc = pr->o.trace ? trace_open(pr) : CLI_OK; /* before the model loads */
        if (!rc)
            rc = perf_load(&perf_profile_cmd, &pr->o, &pr->c);
        pds_predictor_options po;
        pds_predictor_options_init(&po);
        po.num_threads = pr->o.threads;
        po.flags = PDS_PREDICTOR_PROFILE;
        pds_error err;
        if (!rc && pds_predictor_create(pr->c.model, &po, &pr->p, &err)) {
            fprintf(stderr, "pdsafe profile: could not create a predictor: %s\n", err.message);
            rc = CLI_FAIL;
        }
        if (!rc && !(pr->out = cli_outputs(&perf_profile_cmd, pr->p, pr->c.inputs, pr->c.n_in,
                                           pr->c.n_out)))
            rc = CLI_FAIL;
        if (!rc)
            rc = profile_runs(pr);
        if (!rc)
            rc = trace_close(pr);
        if (!rc)
            profile_report(pr);
    }
    profile_free(pr);
    free(pr);
    return rc;
}
