/*
 * perf.h — the pdsafe command's measuring subcommands (cli/bench.c,
 * cli/profile.c) and the setup they share: options, model loading, inputs.
 *
 *   pdsafe bench MODEL [PARAMS] [options]    latency percentiles, throughput,
 *                                            peak RSS, load time, threads
 *   pdsafe profile MODEL [PARAMS] [options]  per-operator times and a Chrome
 *                                            trace (chrome://tracing, Perfetto)
 *
 * Both use the public API only.
 */
#ifndef PDSAFE_CLI_PERF_H
#define PDSAFE_CLI_PERF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "cli.h"
#include "npy.h"
#include "pdsafe.h"

#define PERF_MAX_IO 64

/* Entry points: argc/argv after the subcommand name; return the exit code
 * (0 ok, 1 failure, 2 bad arguments). */
int pdsafe_bench_main(int argc, char **argv);
int pdsafe_profile_main(int argc, char **argv);
/* cli/ops.c: the operator listing. */
int pdsafe_ops_main(int argc, char **argv);
/* cli/report.c: a guard report as a web page. */
int pdsafe_report_main(int argc, char **argv);
/* cli/trace.c: `pdsafe trace summarize FILE`. */
int pdsafe_trace_main(int argc, char **argv);

typedef struct perf_opts {
    const char *model, *params;
    const char *in_spec[PERF_MAX_IO]; /* NAME=FILE.npy */
    int n_in_spec;
    const char *shape_spec[PERF_MAX_IO]; /* NAME=1x3x224x224 for random inputs */
    int n_shape_spec;
    int threads;       /* intra-op threads per predictor */
    int callers;       /* concurrent calling threads (bench) */
    int extra;         /* bench: predictors added after the timed runs, for their memory */
    long iters;        /* measured runs per caller (0: use time) */
    double time_s;     /* time budget when iters is 0 */
    long warmup;
    bool reference;    /* PDS_MODEL_REFERENCE_KERNELS */
    bool no_int8;      /* PDS_MODEL_NO_INT8 (--no-int8) */
    uint32_t precision; /* PDS_PRECISION_* (--precision) */
    bool quiet;
    const char *json;  /* bench: write a JSON summary here ("-": stdout) */
    const char *out_dir; /* bench: write the last outputs as .npy (cli_output_path) */
    const char *trace;   /* profile: Chrome trace JSON path */
} perf_opts;

typedef struct perf_ctx {
    pds_model model;
    size_t n_in, n_out;
    npy_array arrays[PERF_MAX_IO];
    pds_tensor inputs[PERF_MAX_IO];
    pds_tensor_info out_info[PERF_MAX_IO];
    double load_ms;
    long rss_before_kb;
} perf_ctx;

/* The two commands, as their messages and usage texts name them. */
extern const cli_command perf_bench_cmd, perf_profile_cmd;

/* Parses the shared options and the command's own (cli.h's convention);
 * returns -1 to go on, or the exit code. */
int perf_parse(const cli_command *cmd, int argc, char **argv, perf_opts *o);
/* Loads the model and prepares the inputs (given, or random). */
int perf_load(const cli_command *cmd, const perf_opts *o, perf_ctx *c);
void perf_free(perf_ctx *c);

double perf_now_ms(void);
/* VmRSS / VmHWM of this process in KiB (0 if unknown). */
long perf_rss_kb(bool peak);
int perf_thread_count(void);

#endif
