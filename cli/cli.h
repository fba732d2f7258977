/*
 * cli.h — what every pdsafe subcommand shares (cli/common.c): one argument
 * convention, binding NAME=FILE.npy inputs, sizing outputs, writing them
 * under one naming rule, and JSON strings.
 *
 * The argument convention, the same for every command:
 *   - `--help` or `-h` prints the command's usage to stdout and exits 0;
 *   - an unknown option, a missing option value, a missing or an extra
 *     argument prints what was wrong and the usage line to stderr and exits 2;
 *   - anything that fails at run time (files, the model, a run) exits 1.
 */
#ifndef PDSAFE_CLI_H
#define PDSAFE_CLI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "npy.h"
#include "pdsafe.h"

enum { CLI_OK = 0, CLI_FAIL = 1, CLI_USAGE = 2 };

/* A subcommand as its messages name it. */
typedef struct cli_command {
    const char *name;      /* "run" */
    const char *synopsis;  /* the usage line, "pdsafe run MODEL ..." */
    void (*help)(FILE *f); /* the whole usage text, synopsis first */
} cli_command;

/* The paragraph on MODEL and PARAMS that every model-taking command's usage
 * text ends with. */
void cli_model_help(FILE *f);
/* True for "--help" and "-h". */
bool cli_is_help(const char *arg);
/* True for an argument that looks like an option ("-x", "--x"; not "-"). */
bool cli_is_option(const char *arg);
/* Prints the command's usage to stdout; returns CLI_OK. */
int cli_help(const cli_command *c);
/* Prints "pdsafe CMD: <message>" and the usage line to stderr; returns
 * CLI_USAGE. */
int cli_usage_error(const cli_command *c, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* The value of the option argv[*a], advancing *a past it; NULL, after a usage
 * error message, when argv[*a] is the last argument. */
const char *cli_option_value(const cli_command *c, int argc, char **argv, int *a);
/* Parses s as an integer in [lo, hi] for option opt; false after a usage
 * error message. */
bool cli_parse_long(const cli_command *c, const char *opt, const char *s, long lo, long hi,
                    long *out);
/* Parses --precision's value, "fp32" or "bf16", into a PDS_PRECISION_*;
 * false after a usage error message. */
bool cli_parse_precision(const cli_command *c, const char *s, uint32_t *out);
/* Takes a positional argument as MODEL, then PARAMS; false after a usage
 * error message for a third one. */
bool cli_positional(const cli_command *c, const char *arg, const char **model,
                    const char **params);
/* Checks that spec is NAME=VALUE with both parts non-empty (opt names the
 * option in the message, form the expected shape); false after a usage error
 * message. */
bool cli_check_spec(const cli_command *c, const char *opt, const char *spec, const char *form);

/* The index of the model input named name, or, failing that, name read as an
 * index; n_in when neither. */
size_t cli_find_input(pds_model m, size_t n_in, const char *name);
/* Reads each NAME=FILE.npy of spec into arrays[index of NAME]. Returns
 * CLI_USAGE for an unknown or repeated NAME, CLI_FAIL for a file that cannot
 * be read, CLI_OK otherwise. */
int cli_read_inputs(const cli_command *c, pds_model m, size_t n_in, const char *const *spec,
                    int n_spec, npy_array *arrays);
/* The tensor that describes array a (no copy). */
pds_tensor cli_tensor_of(const npy_array *a);

/* Output buffers for predictor p at these inputs: runs once with empty
 * buffers, which reports the sizes needed and keeps the result for
 * pds_predictor_fetch, and allocates them. NULL after a message on failure. */
pds_tensor *cli_outputs(const cli_command *c, pds_predictor p, const pds_tensor *in,
                        size_t n_in, size_t n_out);
void cli_outputs_free(pds_tensor *t, size_t n);

/* Creates the output directory dir and its missing parents (as mkdir -p).
 * Returns CLI_OK, or CLI_FAIL after a message naming the directory that could
 * not be made and why. */
int cli_make_output_dir(const cli_command *c, const char *dir);
/* The one naming rule for output files, `run` and `bench` alike:
 * DIR/<index>_<name>.npy, where <index> is the output's position and <name>
 * its name with '/' and '\' replaced by '_' (cut to 200 bytes). */
void cli_output_path(char *buf, size_t cap, const char *dir, size_t index, const char *name);
/* Writes the n outputs under dir by that rule, naming each file written on
 * log (when not NULL). Returns CLI_OK or CLI_FAIL after a message. */
int cli_write_outputs(const cli_command *c, const char *dir, const pds_tensor *out,
                      const pds_tensor_info *info, size_t n, FILE *log);

/* Writes s as the body of a JSON string (quotes, backslashes and control
 * characters escaped). */
void cli_json_str(FILE *f, const char *s);

#endif
