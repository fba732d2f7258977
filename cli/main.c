/*
 * main.c — the pdsafe command: inspect a model and run it on .npy files, and
 * the dispatch to every subcommand.
 *
 *   pdsafe info MODEL [PARAMS]
 *   pdsafe run MODEL [PARAMS] --input NAME=FILE.npy ... [--output-dir DIR]
 *   pdsafe bench | profile ...        (cli/bench.c, cli/profile.c)
 *   pdsafe ops [--json | --markdown]  (cli/ops.c)
 *   pdsafe report FILE.json           (cli/report.c)
 *   pdsafe trace summarize FILE       (cli/trace.c)
 *   pdsafe version
 *   pdsafe help [COMMAND]
 *
 * It uses only the public API (include/pdsafe.h), so it is also the first
 * user of that API. Every command follows cli.h's argument convention:
 * --help prints its usage and exits 0, bad arguments exit 2, any other
 * failure exits 1, always with a message that says what failed.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "npy.h"
#include "pdsafe.h"
#include "perf.h"

#define MAX_INPUTS 64

/* ---- usage texts --------------------------------------------------------- */

static void help_info(FILE *f);
static void help_run(FILE *f);
static void help_version(FILE *f);
static void help_help(FILE *f);

static const cli_command info_cmd = {"info", "pdsafe info MODEL [PARAMS]", help_info};
static const cli_command run_cmd = {
    "run", "pdsafe run MODEL [PARAMS] --input NAME=FILE.npy ... [--output-dir DIR]", help_run};
static const cli_command version_cmd = {"version", "pdsafe version", help_version};
static const cli_command help_cmd = {"help", "pdsafe help [COMMAND]", help_help};

static void overview(FILE *f)
{
    fprintf(f,
            "usage:\n"
            "  pdsafe info MODEL [PARAMS]\n"
            "  pdsafe run MODEL [PARAMS] --input NAME=FILE.npy ... [--output-dir DIR]\n"
            "  pdsafe bench MODEL [PARAMS] [options]    (latency, throughput, memory)\n"
            "  pdsafe profile MODEL [PARAMS] [options]  (per-operator times, Chrome trace)\n"
            "  pdsafe ops [--json | --markdown]         (the operators the library knows)\n"
            "  pdsafe report FILE.json [-o FILE.html]   (a guard report as a web page)\n"
            "  pdsafe trace summarize FILE [--top N]    (read a trace: GC overlaps, slow calls)\n"
            "  pdsafe version                           (also --version)\n"
            "  pdsafe help [COMMAND]                    (also COMMAND --help)\n");
    cli_model_help(f);
}

static void help_info(FILE *f)
{
    fprintf(f,
            "usage: %s\n"
            "Prints the model's format, inputs and outputs (name, dtype, shape; -1 is a\n"
            "dynamic dim), parameter count and bytes, and operators by type.\n",
            info_cmd.synopsis);
    cli_model_help(f);
}

static void help_run(FILE *f)
{
    fprintf(f,
            "usage: %s\n"
            "Runs the model once on the given inputs (one --input per model input) and\n"
            "prints each output's shape and a summary of its values.\n"
            "  --input, -i NAME=FILE.npy  an input; NAME is its name or index\n"
            "  --precision fp32|bf16      convolutions and matmuls in float32 (default) or\n"
            "                             bfloat16 (needs a CPU with AVX512_BF16 or AMX)\n"
            "  --output-dir, -o DIR       also write every output as DIR/<index>_<name>.npy\n"
            "                             (<name> with '/' and '\\' as '_'); DIR and its\n"
            "                             missing parents are created\n",
            run_cmd.synopsis);
    cli_model_help(f);
}

static void help_version(FILE *f)
{
    fprintf(f,
            "usage: %s\n"
            "Prints the library's version, its ABI version, and what it was built with\n"
            "(the oneDNN version, or reference kernels only).\n",
            version_cmd.synopsis);
}

static void help_help(FILE *f)
{
    fprintf(f,
            "usage: %s\n"
            "Without COMMAND, lists the commands; with one, prints its usage (the same as\n"
            "pdsafe COMMAND --help). COMMAND is info, run, bench, profile, ops, report,\n"
            "version or help.\n",
            help_cmd.synopsis);
}

/* ---- model loading (shared by info and run) ------------------------------ */

/* The whole list of unsupported operator types on stderr, when the load
 * error (shown) had to cut it short. */
static void print_unsupported(const char *model_path, const char *params_path,
                              const char *shown)
{
    size_t need = 0;
    pds_status st = pds_model_check_files(model_path, params_path, NULL, 0, &need, NULL);
    if (st != PDS_ERR_BUFFER_SIZE || need <= 1)
        return;
    char *buf = malloc(need);
    if (buf && pds_model_check_files(model_path, params_path, buf, need, NULL, NULL) == PDS_OK &&
        !strstr(shown, buf))
        fprintf(stderr, "pdsafe: the whole list: %s\n", buf);
    free(buf);
}

static int load_reporting(const char *model_path, const char *params_path, pds_model *m,
                          bool whole_list, uint32_t precision)
{
    pds_error err;
    pds_model_options mo;
    pds_model_options_init(&mo);
    mo.precision = precision;
    /* params_path NULL: the library finds the parameters (pdsafe.h). */
    pds_status st = pds_model_load_files(model_path, params_path, &mo, m, &err);
    if (st) {
        fprintf(stderr, "pdsafe: could not load model %s: %s\n", model_path, err.message);
        if (st == PDS_ERR_UNSUPPORTED_OP && whole_list)
            print_unsupported(model_path, params_path, err.message);
        return 1;
    }
    return 0;
}

static int load(const char *model_path, const char *params_path, pds_model *m,
                uint32_t precision)
{
    return load_reporting(model_path, params_path, m, false, precision);
}

static void print_info(FILE *f, const char *label, const pds_tensor_info *ti, size_t i)
{
    fprintf(f, "  %s %zu: %-24s %-8s [", label, i, ti->name, pds_dtype_name(ti->dtype));
    for (int d = 0; d < ti->rank; d++)
        fprintf(f, d ? ", %lld" : "%lld", (long long)ti->dims[d]);
    fprintf(f, "]\n");
}

typedef struct {
    char name[64];
    int count;
} op_count;

/* Prints what info shows: format, inputs, outputs, parameters, operators. */
static int info_print(const char *model_path, const char *params_path)
{
    pds_model m;
    if (load_reporting(model_path, params_path, &m, true, PDS_PRECISION_FP32))
        return 1;
    pds_error err;
    pds_model_stats stats = {.struct_size = sizeof stats};
    size_t n_in = 0, n_out = 0;
    if (pds_model_get_stats(m, &stats, &err) || pds_model_input_count(m, &n_in, &err) ||
        pds_model_output_count(m, &n_out, &err)) {
        fprintf(stderr, "pdsafe: %s\n", err.message);
        pds_model_destroy(m, NULL);
        return 1;
    }
    printf("model:      %s\n", model_path);
    printf("format:     %s (version %lld)\n",
           stats.format == PDS_FORMAT_LEGACY     ? "legacy ProgramDesc"
           : stats.format == PDS_FORMAT_PIR_JSON ? "PIR JSON"
                                                 : "unknown",
           (long long)stats.format_version);
    printf("inputs:     %zu\n", n_in);
    for (size_t i = 0; i < n_in; i++) {
        pds_tensor_info ti;
        if (pds_model_input_info(m, i, &ti, &err) == PDS_OK)
            print_info(stdout, "input ", &ti, i);
    }
    printf("outputs:    %zu\n", n_out);
    for (size_t i = 0; i < n_out; i++) {
        pds_tensor_info ti;
        if (pds_model_output_info(m, i, &ti, &err) == PDS_OK)
            print_info(stdout, "output", &ti, i);
    }
    printf("parameters: %llu tensors, %llu bytes (%.2f MiB)\n",
           (unsigned long long)stats.param_count, (unsigned long long)stats.param_bytes,
           (double)stats.param_bytes / (1024.0 * 1024.0));
    printf("operators:  %llu\n", (unsigned long long)stats.op_count);
    op_count *hist = calloc(stats.op_count + 1, sizeof *hist);
    size_t n_hist = 0;
    for (size_t i = 0; hist && i < stats.op_count; i++) {
        char type[64];
        if (pds_model_op_type(m, i, type, sizeof type, NULL, NULL) != PDS_OK)
            snprintf(type, sizeof type, "(long name)");
        size_t k = 0;
        while (k < n_hist && strcmp(hist[k].name, type) != 0)
            k++;
        if (k == n_hist)
            snprintf(hist[n_hist++].name, sizeof hist[0].name, "%s", type);
        hist[k].count++;
    }
    /* Most frequent first; insertion sort, the list is short. */
    for (size_t i = 1; i < n_hist; i++)
        for (size_t j = i; j > 0 && hist[j].count > hist[j - 1].count; j--) {
            op_count t = hist[j];
            hist[j] = hist[j - 1];
            hist[j - 1] = t;
        }
    for (size_t i = 0; i < n_hist; i++)
        printf("  %-28s %d\n", hist[i].name, hist[i].count);
    free(hist);
    pds_model_destroy(m, NULL);
    return 0;
}


static int cmd_info(int argc, char **argv)
{
    const char *model = NULL, *params = NULL;
    for (int a = 0; a < argc; a++) {
        if (cli_is_help(argv[a]))
            return cli_help(&info_cmd);
        if (cli_is_option(argv[a]))
            return cli_usage_error(&info_cmd, "unknown option %s", argv[a]);
        if (!cli_positional(&info_cmd, argv[a], &model, &params))
            return CLI_USAGE;
    }
    if (!model)
        return cli_usage_error(&info_cmd, "missing MODEL");
    return info_print(model, params);
}

/* ---- run ----------------------------------------------------------------- */

static void summarize(size_t i, const pds_tensor_info *info, const pds_tensor *t)
{
    printf("output %zu: %s %s [", i, info->name, pds_dtype_name(t->dtype));
    int64_t n = 1;
    for (int d = 0; d < t->rank; d++) {
        printf(d ? ", %lld" : "%lld", (long long)t->dims[d]);
        n *= t->dims[d];
    }
    printf("]\n");
    if (t->dtype != PDS_FLOAT32 || n == 0) {
        if (t->dtype == PDS_INT64 || t->dtype == PDS_INT32) {
            printf("  values:");
            for (int64_t k = 0; k < n && k < 10; k++)
                printf(" %lld", t->dtype == PDS_INT64 ? (long long)((int64_t *)t->data)[k]
                                                      : (long long)((int32_t *)t->data)[k]);
            printf("%s\n", n > 10 ? " ..." : "");
        }
        return;
    }
    const float *v = t->data;
    double sum = 0, mn = v[0], mx = v[0];
    int64_t arg = 0;
    for (int64_t k = 0; k < n; k++) {
        sum += v[k];
        if (v[k] < mn)
            mn = v[k];
        if (v[k] > mx) {
            mx = v[k];
            arg = k;
        }
    }
    printf("  min %.6g  max %.6g (at flat index %lld)  mean %.6g\n", mn, mx, (long long)arg,
           sum / (double)n);
    printf("  first values:");
    for (int64_t k = 0; k < n && k < 8; k++)
        printf(" %.6g", v[k]);
    printf("%s\n", n > 8 ? " ..." : "");
}


typedef struct run_opts {
    const char *model, *params, *out_dir;
    const char *in_spec[MAX_INPUTS]; /* NAME=FILE.npy */
    int n_spec;
    uint32_t precision; /* PDS_PRECISION_* (--precision) */
} run_opts;

/* What one run holds, freed by run_free. */
typedef struct run_state {
    pds_model m;
    pds_predictor p;
    size_t n_in, n_out;
    npy_array arrays[MAX_INPUTS];
    pds_tensor inputs[MAX_INPUTS];
    pds_tensor *outputs;
    pds_tensor_info *out_info;
} run_state;

/* Returns -1 to go on, or the exit code. */
static int run_parse(int argc, char **argv, run_opts *o)
{
    memset(o, 0, sizeof *o);
    for (int a = 0; a < argc; a++) {
        const char *s = argv[a], *v;
        if (cli_is_help(s))
            return cli_help(&run_cmd);
        if (strcmp(s, "--input") == 0 || strcmp(s, "-i") == 0) {
            if (!(v = cli_option_value(&run_cmd, argc, argv, &a)) ||
                !cli_check_spec(&run_cmd, s, v, "NAME=FILE.npy"))
                return CLI_USAGE;
            if (o->n_spec == MAX_INPUTS)
                return cli_usage_error(&run_cmd, "more than %d --input options", MAX_INPUTS);
            o->in_spec[o->n_spec++] = v;
        } else if (strcmp(s, "--output-dir") == 0 || strcmp(s, "-o") == 0) {
            if (!(o->out_dir = cli_option_value(&run_cmd, argc, argv, &a)))
                return CLI_USAGE;
        } else if (strcmp(s, "--precision") == 0) {
            if (!(v = cli_option_value(&run_cmd, argc, argv, &a)) ||
                !cli_parse_precision(&run_cmd, v, &o->precision))
                return CLI_USAGE;
        } else if (cli_is_option(s)) {
            return cli_usage_error(&run_cmd, "unknown option %s", s);
        } else if (!cli_positional(&run_cmd, s, &o->model, &o->params)) {
            return CLI_USAGE;
        }
    }
    if (!o->model)
        return cli_usage_error(&run_cmd, "missing MODEL");
    return -1;
}

/* Loads the model and reads one .npy file per input. */
static int run_load(const run_opts *o, run_state *r)
{
    pds_error err;
    if (load(o->model, o->params, &r->m, o->precision))
        return CLI_FAIL;
    if (pds_model_input_count(r->m, &r->n_in, &err) ||
        pds_model_output_count(r->m, &r->n_out, &err)) {
        fprintf(stderr, "pdsafe run: %s\n", err.message);
        return CLI_FAIL;
    }
    if (r->n_in > MAX_INPUTS) {
        fprintf(stderr, "pdsafe run: the model has %zu inputs, at most %d supported\n",
                r->n_in, MAX_INPUTS);
        return CLI_FAIL;
    }
    if ((size_t)o->n_spec != r->n_in) {
        fprintf(stderr, "pdsafe run: the model has %zu input%s, %d --input given:\n", r->n_in,
                r->n_in == 1 ? "" : "s", o->n_spec);
        for (size_t i = 0; i < r->n_in; i++) {
            pds_tensor_info ti;
            if (pds_model_input_info(r->m, i, &ti, NULL) == PDS_OK)
                print_info(stderr, "  input", &ti, i);
        }
        return cli_usage_error(&run_cmd, "give one --input NAME=FILE.npy per model input");
    }
    int rc = cli_read_inputs(&run_cmd, r->m, r->n_in, o->in_spec, o->n_spec, r->arrays);
    for (size_t i = 0; i < r->n_in; i++)
        r->inputs[i] = cli_tensor_of(&r->arrays[i]);
    return rc;
}

/* Runs the model once and fetches every output into buffers of its size. */
static int run_infer(run_state *r)
{
    pds_error err;
    if (pds_predictor_create(r->m, NULL, &r->p, &err)) {
        fprintf(stderr, "pdsafe run: could not create predictor: %s\n", err.message);
        return CLI_FAIL;
    }
    r->out_info = calloc(r->n_out + 1, sizeof *r->out_info);
    if (!r->out_info) {
        fprintf(stderr, "pdsafe run: out of memory for %zu output descriptions\n", r->n_out);
        return CLI_FAIL;
    }
    for (size_t i = 0; i < r->n_out; i++)
        pds_model_output_info(r->m, i, &r->out_info[i], NULL);
    r->outputs = cli_outputs(&run_cmd, r->p, r->inputs, r->n_in, r->n_out);
    if (!r->outputs)
        return CLI_FAIL;
    pds_status st = pds_predictor_fetch(r->p, r->outputs, r->n_out, &err);
    if (st) {
        fprintf(stderr, "pdsafe run: %s: %s\n", pds_status_name(st), err.message);
        return CLI_FAIL;
    }
    return CLI_OK;
}

/* Summarizes every output, and writes them when asked. */
static int run_report(const run_opts *o, const run_state *r)
{
    for (size_t i = 0; i < r->n_out; i++)
        summarize(i, &r->out_info[i], &r->outputs[i]);
    if (!o->out_dir)
        return CLI_OK;
    return cli_write_outputs(&run_cmd, o->out_dir, r->outputs, r->out_info, r->n_out, stdout);
}

static void run_free(run_state *r)
{
    cli_outputs_free(r->outputs, r->n_out);
    free(r->out_info);
    for (int i = 0; i < MAX_INPUTS; i++)
        npy_free(&r->arrays[i]);
    pds_predictor_destroy(r->p, NULL);
    pds_model_destroy(r->m, NULL);
}

static int cmd_run(int argc, char **argv)
{
    run_opts o;
    int rc = run_parse(argc, argv, &o);
    if (rc >= 0)
        return rc;
    /* The output directory is made first: a bad one fails before any work. */
    if (o.out_dir && (rc = cli_make_output_dir(&run_cmd, o.out_dir)))
        return rc;
    run_state *r = calloc(1, sizeof *r);
    if (!r) {
        fprintf(stderr, "pdsafe run: out of memory\n");
        return CLI_FAIL;
    }
    rc = run_load(&o, r);
    if (!rc)
        rc = run_infer(r);
    if (!rc)
        rc = run_report(&o, r);
    run_free(r);
    free(r);
    return rc;
}

/* ---- version, help, dispatch --------------------------------------------- */

/* A command that takes no argument but --help. */
static int no_arguments(const cli_command *c, int argc, char **argv)
{
    if (argc == 0)
        return -1;
    if (cli_is_help(argv[0]))
        return cli_help(c);
    if (cli_is_option(argv[0]))
        return cli_usage_error(c, "unknown option %s", argv[0]);
    return cli_usage_error(c, "unexpected argument %s", argv[0]);
}

static int cmd_version(int argc, char **argv)
{
    int rc = no_arguments(&version_cmd, argc, argv);
    if (rc >= 0)
        return rc;
    printf("pdsafe %s\n", pds_version());
    printf("ABI version: %u", pds_abi_version());
    if (pds_abi_version() != PDS_ABI_VERSION)
        printf(" (this command was compiled against %u)", (unsigned)PDS_ABI_VERSION);
    printf("\nbuilt with: %s\n", pds_build_info());
    return CLI_OK;
}

static int cmd_help(int argc, char **argv);

static const struct {
    const char *name;
    int (*main)(int argc, char **argv);
} commands[] = {
    {"info", cmd_info},   {"run", cmd_run},         {"bench", pdsafe_bench_main},
    {"profile", pdsafe_profile_main}, {"ops", pdsafe_ops_main},  {"trace", pdsafe_trace_main},
    {"version", cmd_version},
    {"help", cmd_help},
    {"report", pdsafe_report_main},
};

static int (*find_command(const char *name))(int, char **)
{
    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
        if (strcmp(commands[i].name, name) == 0)
            return commands[i].main;
    return NULL;
}

static int cmd_help(int argc, char **argv)
{
    if (argc == 0) {
        overview(stdout);
        return CLI_OK;
    }
    if (cli_is_help(argv[0]))
        return cli_help(&help_cmd);
    if (cli_is_option(argv[0]))
        return cli_usage_error(&help_cmd, "unknown option %s", argv[0]);
    if (argc > 1)
        return cli_usage_error(&help_cmd, "unexpected argument %s", argv[1]);
    int (*fn)(int, char **) = find_command(argv[0]);
    if (!fn)
        return cli_usage_error(&help_cmd, "unknown command '%s'", argv[0]);
    char help[] = "--help";
    char *args[] = {help, NULL};
    return fn(1, args);
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "pdsafe: missing COMMAND\n");
        overview(stderr);
        return CLI_USAGE;
    }
    const char *cmd = argv[1];
    if (cli_is_help(cmd))
        return cmd_help(argc - 2, argv + 2);
    if (strcmp(cmd, "--version") == 0)
        return cmd_version(argc - 2, argv + 2);
    int (*fn)(int, char **) = find_command(cmd);
    if (fn)
        return fn(argc - 2, argv + 2);
    fprintf(stderr, "pdsafe: unknown %s '%s'\n", cli_is_option(cmd) ? "option" : "command",
            cmd);
    overview(stderr);
    return CLI_USAGE;
}
