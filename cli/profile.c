/*
 * profile.c — `pdsafe profile`: where a model's time goes.
 *
 * Runs the model with PDS_PREDICTOR_PROFILE after a warm-up, collects every
 * step of every measured run (the operators as planned: fused ones joined by
 * '+', the planner's layout conversions as "reorder"), and prints a table per
 * operator (type and kernel) with count, total, mean and share, then totals
 * per kernel. --trace writes a Chrome trace event file (JSON, one complete
 * event per step on one track, runs one after the other) that
 * chrome://tracing and https://ui.perfetto.dev open.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

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

int pdsafe_profile_main(int argc, char **argv)
{
    perf_opts o;
    int rc = perf_parse("profile", argc, argv, &o);
    if (rc >= 0)
        return rc;
    if (!o.iters)
        o.iters = 1000000000L; /* bounded by --time below */
    perf_ctx c;
    if ((rc = perf_load("profile", &o, &c))) {
        perf_free(&c);
        return rc;
    }
    rc = 1;
    pds_predictor p = 0;
    pds_tensor *out = NULL;
    pds_step_profile *steps = NULL;
    agg *ag = NULL;
    FILE *trace = NULL;
    size_t n_ag = 0, cap_steps = 0;
    pds_predictor_options po;
    pds_predictor_options_init(&po);
    po.num_threads = o.threads;
    po.flags = PDS_PREDICTOR_PROFILE;
    pds_error err;
    if (pds_predictor_create(c.model, &po, &p, &err)) {
        fprintf(stderr, "pdsafe profile: could not create a predictor: %s\n", err.message);
        goto done;
    }
    if (!(out = perf_outputs("profile", &c, p)))
        goto done;
    for (long i = 0; i < o.warmup; i++)
        if (pds_predictor_run(p, c.inputs, c.n_in, out, c.n_out, &err)) {
            fprintf(stderr, "pdsafe profile: run failed: %s\n", err.message);
            goto done;
        }
    if (o.trace) {
        trace = fopen(o.trace, "w");
        if (!trace) {
            fprintf(stderr, "pdsafe profile: could not write %s: %s\n", o.trace,
                    strerror(errno));
            goto done;
        }
        fprintf(trace, "{\"displayTimeUnit\": \"ms\", \"traceEvents\": [\n");
        fprintf(trace, "{\"name\": \"process_name\", \"ph\": \"M\", \"pid\": 1, \"args\": "
                       "{\"name\": \"pdsafe\"}},\n");
        fprintf(trace, "{\"name\": \"thread_name\", \"ph\": \"M\", \"pid\": 1, \"tid\": 1, "
                       "\"args\": {\"name\": \"run\"}}");
    }
    bool tty = isatty(2) && !o.quiet;
    double t_start = perf_now_ms(), run_sum = 0;
    long runs = 0;
    for (long it = 0; it < o.iters; it++) {
        if (!o.iters || (o.time_s > 0 && perf_now_ms() - t_start > o.time_s * 1e3))
            break;
        double t0 = perf_now_ms();
        if (pds_predictor_run(p, c.inputs, c.n_in, out, c.n_out, &err)) {
            fprintf(stderr, "pdsafe profile: run failed: %s\n", err.message);
            goto done;
        }
        double t1 = perf_now_ms();
        run_sum += t1 - t0;
        runs++;
        size_t n = 0;
        if (pds_predictor_get_profile(p, steps, cap_steps, &n, &err)) {
            fprintf(stderr, "pdsafe profile: %s\n", err.message);
            goto done;
        }
        if (n > cap_steps) {
            free(steps);
            cap_steps = n;
            steps = calloc(cap_steps, sizeof *steps);
            free(ag);
            ag = calloc(cap_steps, sizeof *ag);
            n_ag = 0;
            if (!steps || !ag ||
                pds_predictor_get_profile(p, steps, cap_steps, &n, &err) != PDS_OK) {
                fprintf(stderr, "pdsafe profile: out of memory for %zu steps\n", n);
                goto done;
            }
        }
        for (size_t s = 0; s < n; s++) {
            size_t k = 0;
            while (k < n_ag && (strcmp(ag[k].op, steps[s].op_type) != 0 ||
                                strcmp(ag[k].kernel, steps[s].kernel) != 0))
                k++;
            if (k == n_ag) {
                if (n_ag == cap_steps)
                    continue;
                memcpy(ag[k].op, steps[s].op_type, sizeof ag[k].op);
                memcpy(ag[k].kernel, steps[s].kernel, sizeof ag[k].kernel);
                n_ag++;
            }
            ag[k].count++;
            ag[k].total_ms += (double)steps[s].duration_ns * 1e-6;
            if (trace) {
                double ts_us = (t0 - t_start) * 1e3 + (double)steps[s].start_ns * 1e-3;
                fprintf(trace, ",\n{\"name\": \"");
                perf_json_str(trace, steps[s].op_type);
                fprintf(trace, "\", \"cat\": \"");
                perf_json_str(trace, steps[s].kernel);
                fprintf(trace,
                        "\", \"ph\": \"X\", \"pid\": 1, \"tid\": 1, \"ts\": %.3f, \"dur\": %.3f, "
                        "\"args\": {\"op_index\": %d, \"kernel\": \"",
                        ts_us, (double)steps[s].duration_ns * 1e-3, steps[s].op_index);
                perf_json_str(trace, steps[s].kernel);
                fprintf(trace, "\", \"run\": %ld}}", it);
            }
        }
        if (trace)
            fprintf(trace, ",\n{\"name\": \"run\", \"ph\": \"X\", \"pid\": 1, \"tid\": 2, "
                           "\"ts\": %.3f, \"dur\": %.3f}",
                    (t0 - t_start) * 1e3, (t1 - t0) * 1e3);
        if (tty && (runs % 10 == 0))
            fprintf(stderr, "\r  %ld runs", runs);
    }
    if (tty)
        fprintf(stderr, "\r\033[K");
    if (trace) {
        fprintf(trace, "\n]}\n");
        if (fclose(trace) != 0) {
            trace = NULL;
            fprintf(stderr, "pdsafe profile: could not write %s\n", o.trace);
            goto done;
        }
        trace = NULL;
    }
    qsort(ag, n_ag, sizeof *ag, by_total);
    double all = 0;
    for (size_t k = 0; k < n_ag; k++)
        all += ag[k].total_ms;
    printf("model: %s; %ld runs, mean %.3f ms per run (%.3f ms in steps)\n", o.model, runs,
           runs ? run_sum / (double)runs : 0.0, runs ? all / (double)runs : 0.0);
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
    if (o.trace)
        printf("\ntrace: %s (open in https://ui.perfetto.dev or chrome://tracing)\n", o.trace);
    rc = 0;
done:
    if (trace)
        fclose(trace);
    free(steps);
    free(ag);
    perf_outputs_free(out, c.n_out);
    pds_predictor_destroy(p, NULL);
    perf_free(&c);
    return rc;
}
