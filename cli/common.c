/*
 * common.c — what every pdsafe subcommand shares (see cli.h).
 */
#include "cli.h"

#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

/* ---- arguments ----------------------------------------------------------- */

void cli_model_help(FILE *f)
{
    fprintf(f,
            "\n"
            "MODEL is a legacy program (inference.pdmodel, __model__), a Paddle 3 PIR\n"
            "program (inference.json), or a directory holding exactly one of them. The\n"
            "format is read from the file. Without PARAMS the library finds the\n"
            "parameters: X.pdiparams for X.pdmodel, X.json.pdiparams or X.pdiparams for\n"
            "X.json, one file per parameter beside __model__. Inputs are .npy files\n"
            "(float32, float64, int64, int32, int16, int8, uint8, bool; a pipe or <(...)\n"
            "works too); NAME is the input's name or its index.\n"
            "Exit status: 0 done, 1 failed (a file, the model, a run), 2 bad arguments.\n");
}

bool cli_is_help(const char *arg)
{
    return strcmp(arg, "--help") == 0 || strcmp(arg, "-h") == 0;
}

bool cli_is_option(const char *arg)
{
    return arg[0] == '-' && arg[1] != '\0';
}

int cli_help(const cli_command *c)
{
    c->help(stdout);
    return CLI_OK;
}

int cli_usage_error(const cli_command *c, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fprintf(stderr, "pdsafe %s: ", c->name);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fprintf(stderr, "\nusage: %s\n(pdsafe %s --help says more)\n", c->synopsis,
            c->name);
    return CLI_USAGE;
}

const char *cli_option_value(const cli_command *c, int argc, char **argv, int *a)
{
    if (*a + 1 >= argc) {
        cli_usage_error(c, "%s needs a value", argv[*a]);
        return NULL;
    }
    return argv[++*a];
}

bool cli_parse_long(const cli_command *c, const char *opt, const char *s, long lo, long hi,
                    long *out)
{
    char *end;
    errno = 0;
    long v = strtol(s, &end, 10);
    if (errno || end == s || *end || v < lo || v > hi) {
        cli_usage_error(c, "%s %s: expected an integer from %ld to %ld", opt, s, lo, hi);
        return false;
    }
    *out = v;
    return true;
}

bool cli_parse_precision(const cli_command *c, const char *s, uint32_t *out)
{
    if (strcmp(s, "fp32") == 0) {
        *out = PDS_PRECISION_FP32;
    } else if (strcmp(s, "bf16") == 0) {
        *out = PDS_PRECISION_BF16;
    } else {
        cli_usage_error(c, "--precision %s: expected fp32 or bf16", s);
        return false;
    }
    return true;
}

bool cli_positional(const cli_command *c, const char *arg, const char **model,
                    const char **params)
{
    if (!*model)
        *model = arg;
    else if (!*params)
        *params = arg;
    else {
        cli_usage_error(c, "unexpected argument %s (MODEL and PARAMS are already given)", arg);
        return false;
    }
    return true;
}

bool cli_check_spec(const cli_command *c, const char *opt, const char *spec, const char *form)
{
    const char *eq = strchr(spec, '=');
    if (!eq || eq == spec || !eq[1] || (size_t)(eq - spec) >= PDS_NAME_SIZE) {
        cli_usage_error(c, "%s %s: expected %s", opt, spec, form);
        return false;
    }
    return true;
}

/* ---- inputs -------------------------------------------------------------- */

size_t cli_find_input(pds_model m, size_t n_in, const char *name)
{
    for (size_t i = 0; i < n_in; i++) {
        pds_tensor_info ti;
        if (pds_model_input_info(m, i, &ti, NULL) == PDS_OK && strcmp(ti.name, name) == 0)
            return i;
    }
    char *end;
    errno = 0;
    unsigned long v = strtoul(name, &end, 10);
    return (*name >= '0' && *name <= '9' && *end == '\0' && !errno && v < n_in) ? v : n_in;
}

int cli_read_inputs(const cli_command *c, pds_model m, size_t n_in, const char *const *spec,
                    int n_spec, npy_array *arrays)
{
    for (int s = 0; s < n_spec; s++) {
        const char *eq = strchr(spec[s], '=');
        char name[PDS_NAME_SIZE];
        snprintf(name, sizeof name, "%.*s", (int)(eq - spec[s]), spec[s]);
        size_t idx = cli_find_input(m, n_in, name);
        if (idx == n_in)
            return cli_usage_error(c, "the model has no input named '%s' (nor that index)",
                                   name);
        if (arrays[idx].data)
            return cli_usage_error(c, "input '%s' is given twice", name);
        char msg[512];
        if (npy_read(eq + 1, &arrays[idx], msg, sizeof msg) != 0) {
            fprintf(stderr, "pdsafe %s: input '%s': %s\n", c->name, name, msg);
            return CLI_FAIL;
        }
    }
    return CLI_OK;
}

pds_tensor cli_tensor_of(const npy_array *a)
{
    pds_tensor t = {.dtype = a->dtype, .rank = a->rank, .data = a->data,
                    .byte_length = a->byte_length};
    memcpy(t.dims, a->dims, sizeof t.dims);
    return t;
}

/* ---- outputs ------------------------------------------------------------- */

pds_tensor *cli_outputs(const cli_command *c, pds_predictor p, const pds_tensor *in,
                        size_t n_in, size_t n_out)
{
    pds_tensor *t = calloc(n_out + 1, sizeof *t);
    pds_error err;
    if (!t) {
        fprintf(stderr, "pdsafe %s: out of memory for %zu output descriptors\n", c->name, n_out);
        return NULL;
    }
    /* A run with empty buffers reports the sizes needed (and keeps the result). */
    pds_status st = pds_predictor_run(p, in, n_in, t, n_out, &err);
    if (st && st != PDS_ERR_BUFFER_SIZE) {
        fprintf(stderr, "pdsafe %s: run failed: %s: %s\n", c->name, pds_status_name(st),
                err.message);
        free(t);
        return NULL;
    }
    for (size_t i = 0; i < n_out; i++) {
        int64_t n = 1;
        for (int d = 0; d < t[i].rank; d++)
            n *= t[i].dims[d];
        t[i].byte_length = (size_t)n * pds_dtype_size(t[i].dtype);
        t[i].data = malloc(t[i].byte_length ? t[i].byte_length : 1);
        if (!t[i].data) {
            fprintf(stderr, "pdsafe %s: out of memory for output %zu (%zu bytes)\n", c->name, i,
                    t[i].byte_length);
            cli_outputs_free(t, n_out);
            return NULL;
        }
    }
    return t;
}

void cli_outputs_free(pds_tensor *t, size_t n)
{
    if (!t)
        return;
    for (size_t i = 0; i < n; i++)
        free(t[i].data);
    free(t);
}

/* ---- output files -------------------------------------------------------- */

/* Makes one directory unless it exists as one. */
static int mkdir_one(const char *path, const char *dir, char *msg, size_t cap)
{
    struct stat st;
    if (mkdir(path, 0777) == 0)
        return 0;
    int e = errno;
    if (stat(path, &st) == 0) {
        if (S_ISDIR(st.st_mode))
            return 0;
        snprintf(msg, cap, "could not create output directory %s: %s exists and is not a "
                           "directory", dir, path);
        return -1;
    }
    snprintf(msg, cap, "could not create output directory %s: %s: %s", dir, path, strerror(e));
    return -1;
}

int cli_make_output_dir(const cli_command *c, const char *dir)
{
    if (!*dir)
        return cli_usage_error(c, "the output directory is an empty string");
    size_t n = strlen(dir);
    char *p = malloc(n + 1), msg[512] = "";
    if (!p) {
        fprintf(stderr, "pdsafe %s: could not create output directory %s: out of memory\n",
                c->name, dir);
        return CLI_FAIL;
    }
    memcpy(p, dir, n + 1);
    int rc = 0;
    /* Every prefix that ends before a '/' (not the root), then the whole. */
    for (size_t i = 1; i < n && rc == 0; i++) {
        if (p[i] != '/' || p[i - 1] == '/')
            continue;
        p[i] = '\0';
        rc = mkdir_one(p, dir, msg, sizeof msg);
        p[i] = '/';
    }
    if (rc == 0)
        rc = mkdir_one(p, dir, msg, sizeof msg);
    free(p);
    if (rc)
        fprintf(stderr, "pdsafe %s: %s\n", c->name, msg);
    return rc ? CLI_FAIL : CLI_OK;
}

void cli_output_path(char *buf, size_t cap, const char *dir, size_t index, const char *name)
{
    char safe[201];
    size_t k = 0;
    for (const char *c = name; *c && k < sizeof safe - 1; c++)
        safe[k++] = (*c == '/' || *c == '\\') ? '_' : *c;
    safe[k] = '\0';
    snprintf(buf, cap, "%s/%zu_%s.npy", dir, index, safe);
}

int cli_write_outputs(const cli_command *c, const char *dir, const pds_tensor *out,
                      const pds_tensor_info *info, size_t n, FILE *log)
{
    for (size_t i = 0; i < n; i++) {
        char path[4096], msg[512];
        cli_output_path(path, sizeof path, dir, i, info[i].name);
        if (npy_write(path, out[i].dtype, out[i].rank, out[i].dims, out[i].data, msg,
                      sizeof msg) != 0) {
            fprintf(stderr, "pdsafe %s: output %zu: %s\n", c->name, i, msg);
            return CLI_FAIL;
        }
        if (log)
            fprintf(log, "  output %zu written to %s\n", i, path);
    }
    return CLI_OK;
}

/* ---- JSON ---------------------------------------------------------------- */

void cli_json_str(FILE *f, const char *s)
{
    for (; *s; s++) {
        unsigned char ch = (unsigned char)*s;
        if (ch == '"' || ch == '\\')
            fprintf(f, "\\%c", ch);
        else if (ch < 0x20)
            fprintf(f, "\\u%04x", ch);
        else
            fputc(ch, f);
    }
}
