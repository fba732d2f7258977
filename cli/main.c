/*
 * main.c — the pdsafe command: inspect a model and run it on .npy files.
 *
 *   pdsafe info MODEL [PARAMS]
 *   pdsafe run MODEL [PARAMS] --input NAME=FILE.npy ... [--output-dir DIR]
 *
 * It uses only the public API (include/pdsafe.h), so it is also the first
 * user of that API. Every failure prints what failed and exits non-zero:
 * 2 for bad usage, 1 for anything else.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "npy.h"
#include "pdsafe.h"
#include "perf.h"

#define MAX_INPUTS 64

static void usage(FILE *f)
{
    fprintf(f,
            "usage:\n"
            "  pdsafe info MODEL [PARAMS]\n"
            "  pdsafe run MODEL [PARAMS] --input NAME=FILE.npy ... [--output-dir DIR]\n"
            "  pdsafe bench MODEL [options]      (latency percentiles, throughput, RSS; --help)\n"
            "  pdsafe profile MODEL [options]    (per-operator times, Chrome trace; --help)\n"
            "  pdsafe version\n"
            "\n"
            "MODEL is a legacy program (inference.pdmodel, __model__), a Paddle 3 PIR\n"
            "program (inference.json), or a directory holding exactly one of them. The\n"
            "format is read from the file. Without PARAMS the library finds the\n"
            "parameters: X.pdiparams for X.pdmodel, X.json.pdiparams or X.pdiparams for\n"
            "X.json, one file per parameter beside __model__. Inputs are .npy files\n"
            "(float32, int64, int32, uint8); NAME is the input's name or its index.\n"
            "Outputs are written as DIR/<index>_<name>.npy.\n");
}


static int load(const char *model_path, const char *params_path, pds_model *m)
{
    pds_error err;
    /* params_path NULL: the library finds the parameters (pdsafe.h). */
    pds_status st = pds_model_load_files(model_path, params_path, NULL, m, &err);
    if (st) {
        fprintf(stderr, "pdsafe: could not load model %s: %s\n", model_path, err.message);
        return 1;
    }
    return 0;
}

static void print_info(const char *label, const pds_tensor_info *ti, size_t i)
{
    printf("  %s %zu: %-24s %-8s [", label, i, ti->name, pds_dtype_name(ti->dtype));
    for (int d = 0; d < ti->rank; d++)
        printf(d ? ", %lld" : "%lld", (long long)ti->dims[d]);
    printf("]\n");
}

typedef struct {
    char name[64];
    int count;
} op_count;

static int cmd_info(const char *model_path, const char *params_path)
{
    pds_model m;
    if (load(model_path, params_path, &m))
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
            print_info("input ", &ti, i);
    }
    printf("outputs:    %zu\n", n_out);
    for (size_t i = 0; i < n_out; i++) {
        pds_tensor_info ti;
        if (pds_model_output_info(m, i, &ti, &err) == PDS_OK)
            print_info("output", &ti, i);
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

static int cmd_run(int argc, char **argv)
{
    const char *model_path = NULL, *params_path = NULL, *out_dir = NULL;
    const char *in_spec[MAX_INPUTS];
    int n_spec = 0;
    for (int a = 0; a < argc; a++) {
        if (strcmp(argv[a], "--input") == 0 || strcmp(argv[a], "-i") == 0) {
            if (a + 1 >= argc) {
                fprintf(stderr, "pdsafe run: --input needs NAME=FILE.npy\n");
                return 2;
            }
            if (n_spec == MAX_INPUTS) {
                fprintf(stderr, "pdsafe run: more than %d --input options\n", MAX_INPUTS);
                return 2;
            }
            in_spec[n_spec++] = argv[++a];
        } else if (strcmp(argv[a], "--output-dir") == 0 || strcmp(argv[a], "-o") == 0) {
            if (a + 1 >= argc) {
                fprintf(stderr, "pdsafe run: --output-dir needs a directory\n");
                return 2;
            }
            out_dir = argv[++a];
        } else if (argv[a][0] == '-') {
            fprintf(stderr, "pdsafe run: unknown option %s\n", argv[a]);
            return 2;
        } else if (!model_path) {
            model_path = argv[a];
        } else if (!params_path) {
            params_path = argv[a];
        } else {
            fprintf(stderr, "pdsafe run: unexpected argument %s\n", argv[a]);
            return 2;
        }
    }
    if (!model_path) {
        fprintf(stderr, "pdsafe run: missing MODEL\n");
        usage(stderr);
        return 2;
    }
    if (out_dir && !cli_is_dir(out_dir) && mkdir(out_dir, 0777) != 0) {
        fprintf(stderr, "pdsafe run: could not create output directory %s: %s\n", out_dir,
                strerror(errno));
        return 1;
    }
    pds_model m = 0;
    pds_predictor p = 0;
    pds_error err;
    int rc = 1;
    size_t n_in = 0, n_out = 0;
    npy_array arrays[MAX_INPUTS] = {0};
    pds_tensor inputs[MAX_INPUTS] = {0};
    pds_tensor *outputs = NULL;
    pds_tensor_info *out_info = NULL;
    if (load(model_path, params_path, &m))
        return 1;
    if (pds_model_input_count(m, &n_in, &err) || pds_model_output_count(m, &n_out, &err)) {
        fprintf(stderr, "pdsafe run: %s\n", err.message);
        goto done;
    }
    if (n_in > MAX_INPUTS) {
        fprintf(stderr, "pdsafe run: the model has %zu inputs, at most %d supported\n", n_in,
                MAX_INPUTS);
        goto done;
    }
    if ((size_t)n_spec != n_in) {
        fprintf(stderr, "pdsafe run: the model has %zu input%s, %d --input given:\n", n_in,
                n_in == 1 ? "" : "s", n_spec);
        for (size_t i = 0; i < n_in; i++) {
            pds_tensor_info ti;
            if (pds_model_input_info(m, i, &ti, NULL) == PDS_OK) {
                fprintf(stderr, "  ");
                print_info("input", &ti, i);
            }
        }
        rc = 2;
        goto done;
    }
    for (int s = 0; s < n_spec; s++) {
        const char *eq = strchr(in_spec[s], '=');
        if (!eq || eq == in_spec[s] || !eq[1]) {
            fprintf(stderr, "pdsafe run: --input %s: expected NAME=FILE.npy\n", in_spec[s]);
            rc = 2;
            goto done;
        }
        char name[PDS_NAME_SIZE];
        snprintf(name, sizeof name, "%.*s", (int)(eq - in_spec[s]), in_spec[s]);
        size_t idx = n_in;
        for (size_t i = 0; i < n_in; i++) {
            pds_tensor_info ti;
            if (pds_model_input_info(m, i, &ti, NULL) == PDS_OK && strcmp(ti.name, name) == 0)
                idx = i;
        }
        char *end;
        unsigned long v = strtoul(name, &end, 10);
        if (idx == n_in && *end == '\0' && v < n_in)
            idx = v;
        if (idx == n_in) {
            fprintf(stderr, "pdsafe run: the model has no input named '%s'\n", name);
            rc = 2;
            goto done;
        }
        if (arrays[idx].data) {
            fprintf(stderr, "pdsafe run: input '%s' given twice\n", name);
            rc = 2;
            goto done;
        }
        char msg[512];
        if (npy_read(eq + 1, &arrays[idx], msg, sizeof msg) != 0) {
            fprintf(stderr, "pdsafe run: input '%s': %s\n", name, msg);
            goto done;
        }
        inputs[idx].dtype = arrays[idx].dtype;
        inputs[idx].rank = arrays[idx].rank;
        memcpy(inputs[idx].dims, arrays[idx].dims, sizeof inputs[idx].dims);
        inputs[idx].data = arrays[idx].data;
        inputs[idx].byte_length = arrays[idx].byte_length;
    }
    if (pds_predictor_create(m, NULL, &p, &err)) {
        fprintf(stderr, "pdsafe run: could not create predictor: %s\n", err.message);
        goto done;
    }
    outputs = calloc(n_out + 1, sizeof *outputs);
    out_info = calloc(n_out + 1, sizeof *out_info);
    if (!outputs || !out_info) {
        fprintf(stderr, "pdsafe run: out of memory\n");
        goto done;
    }
    /* Run once without buffers to learn the output sizes, then fetch. */
    pds_status st = pds_predictor_run(p, inputs, n_in, NULL, 0, &err);
    if (st) {
        fprintf(stderr, "pdsafe run: %s: %s\n", pds_status_name(st), err.message);
        goto done;
    }
    st = pds_predictor_fetch(p, outputs, n_out, &err);
    if (st == PDS_ERR_BUFFER_SIZE) {
        for (size_t i = 0; i < n_out; i++) {
            int64_t n = 1;
            for (int d = 0; d < outputs[i].rank; d++)
                n *= outputs[i].dims[d];
            outputs[i].byte_length = (size_t)n * pds_dtype_size(outputs[i].dtype);
            outputs[i].data = malloc(outputs[i].byte_length ? outputs[i].byte_length : 1);
            if (!outputs[i].data) {
                fprintf(stderr, "pdsafe run: out of memory for output %zu\n", i);
                goto done;
            }
        }
        st = pds_predictor_fetch(p, outputs, n_out, &err);
    }
    if (st) {
        fprintf(stderr, "pdsafe run: %s: %s\n", pds_status_name(st), err.message);
        goto done;
    }
    rc = 0;
    for (size_t i = 0; i < n_out; i++) {
        pds_model_output_info(m, i, &out_info[i], NULL);
        summarize(i, &out_info[i], &outputs[i]);
        if (out_dir) {
            char path[4096], safe[PDS_NAME_SIZE];
            size_t k = 0;
            for (const char *c = out_info[i].name; *c && k < sizeof safe - 1; c++)
                safe[k++] = (*c == '/' || *c == '\\') ? '_' : *c;
            safe[k] = '\0';
            snprintf(path, sizeof path, "%s/%zu_%s.npy", out_dir, i, safe);
            char msg[512];
            if (npy_write(path, outputs[i].dtype, outputs[i].rank, outputs[i].dims,
                          outputs[i].data, msg, sizeof msg) != 0) {
                fprintf(stderr, "pdsafe run: %s\n", msg);
                rc = 1;
            } else {
                printf("  written to %s\n", path);
            }
        }
    }
done:
    for (size_t i = 0; outputs && i < n_out; i++)
        free(outputs[i].data);
    free(outputs);
    free(out_info);
    for (int i = 0; i < MAX_INPUTS; i++)
        npy_free(&arrays[i]);
    pds_predictor_destroy(p, NULL);
    pds_model_destroy(m, NULL);
    return rc;
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        usage(stderr);
        return 2;
    }
    const char *cmd = argv[1];
    if (strcmp(cmd, "info") == 0) {
        if (argc < 3 || argc > 4) {
            fprintf(stderr, "pdsafe info: expected MODEL [PARAMS]\n");
            usage(stderr);
            return 2;
        }
        return cmd_info(argv[2], argc == 4 ? argv[3] : NULL);
    }
    if (strcmp(cmd, "run") == 0)
        return cmd_run(argc - 2, argv + 2);
    if (strcmp(cmd, "bench") == 0)
        return pdsafe_bench_main(argc - 2, argv + 2);
    if (strcmp(cmd, "profile") == 0)
        return pdsafe_profile_main(argc - 2, argv + 2);
    if (strcmp(cmd, "version") == 0 || strcmp(cmd, "--version") == 0) {
        printf("pdsafe %s\n", pds_version());
        return 0;
    }
    if (strcmp(cmd, "help") == 0 || strcmp(cmd, "--help") == 0 || strcmp(cmd, "-h") == 0) {
        usage(stdout);
        return 0;
    }
    fprintf(stderr, "pdsafe: unknown command '%s'\n", cmd);
    usage(stderr);
    return 2;
}
