/*
 * report.c — `pdsafe report FILE.json`: guard mode's JSON report
 * (pds_guard_report, or the Go package's GuardReportJSON) as one web page.
 *
 * The page (cli/report_page.html, compiled in) holds the report's JSON and
 * draws it with its own script and style: incidents grouped by root cause,
 * each object's life as a timeline (created, used, destroyed, misused) with
 * the sites, and what to change in the code. It loads nothing from anywhere,
 * so it can be mailed or attached to a bug as one file.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "cli.h"
#include "perf.h"
#include "report_page.h" /* generated: pdsafe_report_page[], _len */

static void help_report(FILE *f);
static const cli_command report_cmd = {"report", "pdsafe report FILE.json [--output FILE.html]",
                                       help_report};

static void help_report(FILE *f)
{
    fprintf(f,
            "usage: %s\n"
            "Renders a guard report (the JSON of pds_guard_report, or of the Go package's\n"
            "GuardReportJSON) as one self-contained HTML page: incidents grouped by root\n"
            "cause (docs/DESIGN.md), each object's life as a timeline with the sites where it\n"
            "was created, destroyed and misused, and what to change in the code.\n"
            "  --output, -o FILE.html  write the page there (default: standard output)\n",
            report_cmd.synopsis);
}

/* Writes the JSON so that it cannot end the <script> element: '<' only
 * occurs inside JSON strings, where \u003c means the same. */
static void write_json(FILE *out, const char *s)
{
    for (; *s; s++) {
        if (*s == '<')
            fputs("\\u003c", out);
        else
            fputc(*s, out);
    }
}

static int render(const char *in_path, const char *out_path)
{
    json_error_t je;
    json_t *j = json_load_file(in_path, 0, &je);
    if (!j) {
        fprintf(stderr, "pdsafe report: could not read %s: %s (line %d, column %d)\n", in_path,
                je.text, je.line, je.column);
        return CLI_FAIL;
    }
    const char *format = json_string_value(json_object_get(j, "format"));
    if (!format || strcmp(format, "pdsafe-guard-report") != 0 ||
        json_integer_value(json_object_get(j, "version")) != 1 ||
        !json_is_array(json_object_get(j, "incidents")) ||
        !json_is_array(json_object_get(j, "objects"))) {
        fprintf(stderr, "pdsafe report: %s is not a guard report (expected a JSON object with "
                        "\"format\": \"pdsafe-guard-report\", \"version\": 1, \"incidents\" and "
                        "\"objects\", as pds_guard_report writes)\n", in_path);
        json_decref(j);
        return CLI_FAIL;
    }
    char *data = json_dumps(j, JSON_COMPACT | JSON_PRESERVE_ORDER);
    json_decref(j);
    if (!data) {
        fprintf(stderr, "pdsafe report: out of memory\n");
        return CLI_FAIL;
    }
    FILE *out = out_path ? fopen(out_path, "w") : stdout;
    if (!out) {
        fprintf(stderr, "pdsafe report: could not write %s: ", out_path);
        perror(NULL);
        free(data);
        return CLI_FAIL;
    }
    const char *page = (const char *)pdsafe_report_page;
    const char *mark = "/*PDSAFE_REPORT_DATA*/";
    const char *at = strstr(page, mark);
    fwrite(page, 1, (size_t)(at - page), out);
    write_json(out, data);
    fputs(at + strlen(mark), out);
    free(data);
    int bad = ferror(out);
    if (out_path && fclose(out) != 0)
        bad = 1;
    if (bad) {
        fprintf(stderr, "pdsafe report: writing %s failed\n", out_path ? out_path : "stdout");
        return CLI_FAIL;
    }
    return CLI_OK;
}

int pdsafe_report_main(int argc, char **argv)
{
    const char *in = NULL, *out = NULL;
    for (int a = 0; a < argc; a++) {
        if (cli_is_help(argv[a]))
            return cli_help(&report_cmd);
        if (strcmp(argv[a], "--output") == 0 || strcmp(argv[a], "-o") == 0) {
            if (!(out = cli_option_value(&report_cmd, argc, argv, &a)))
                return CLI_USAGE;
        } else if (cli_is_option(argv[a])) {
            return cli_usage_error(&report_cmd, "unknown option '%s'", argv[a]);
        } else if (!in) {
            in = argv[a];
        } else {
            return cli_usage_error(&report_cmd, "unexpected argument '%s'", argv[a]);
        }
    }
    if (!in)
        return cli_usage_error(&report_cmd, "missing FILE.json");
    return render(in, out);
}
