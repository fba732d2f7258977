/*
 * ops.c — `pdsafe ops`: every operator the library knows, from its registry
 * (pds_op_count / pds_op_get_info), as a table by family, one JSON document,
 * or the Markdown of docs/OPERATORS.md (scripts/gen-operators-doc.sh; the
 * test tests/operators_doc_test.sh keeps the committed file equal to it).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "pdsafe.h"
#include "perf.h"

static void help_ops(FILE *f);

static const cli_command ops_cmd = {"ops", "pdsafe ops [--json | --markdown]", help_ops};

static void help_ops(FILE *f)
{
    fprintf(f,
            "usage: %s\n"
            "Lists every operator the library knows, by family: its input and output\n"
            "slots, capability flags, and the model formats that name it (legacy\n"
            "programs by its name; Paddle 3 PIR programs by the pd_op ops listed).\n"
            "  --json      one JSON document: an array of operators, each with name, id,\n"
            "              family, flags, inputs, outputs, data_inputs, legacy, pir_ops\n"
            "              and internal\n"
            "  --markdown  the operator reference docs/OPERATORS.md\n"
            "Slots: Name is one tensor, Name? zero or one, Name+ one or more, Name*\n"
            "zero or more. Exit status: 0 done, 1 failed, 2 bad arguments.\n",
            ops_cmd.synopsis);
}

typedef enum { OUT_TABLE, OUT_JSON, OUT_MARKDOWN } out_form;

/* Every operator's info, in list order; NULL after a message. */
static pds_op_info *read_all(size_t *n)
{
    *n = pds_op_count();
    pds_op_info *all = calloc(*n + 1, sizeof *all);
    if (!all) {
        fprintf(stderr, "pdsafe ops: out of memory for %zu operators\n", *n);
        return NULL;
    }
    for (size_t i = 0; i < *n; i++) {
        pds_error err;
        all[i].struct_size = sizeof all[i];
        pds_status st = pds_op_get_info(i, &all[i], &err);
        if (st) {
            fprintf(stderr, "pdsafe ops: operator %zu: %s: %s\n", i, pds_status_name(st),
                    err.message);
            free(all);
            return NULL;
        }
    }
    return all;
}

/* The number of operators of the family that starts at index i (families
 * are contiguous in the list). */
static size_t family_len(const pds_op_info *all, size_t n, size_t i)
{
    size_t k = i;
    while (k < n && strcmp(all[k].family, all[i].family) == 0)
        k++;
    return k - i;
}

static size_t count_families(const pds_op_info *all, size_t n)
{
    size_t f = 0;
    for (size_t i = 0; i < n; i += family_len(all, n, i))
        f++;
    return f;
}

/* ---- the table ------------------------------------------------------------ */

static void print_table(const pds_op_info *all, size_t n)
{
    size_t n_internal = 0;
    for (size_t i = 0; i < n; i++)
        n_internal += all[i].internal;
    printf("%zu operators in %zu families (%zu internal: made by the load-time passes)\n", n,
           count_families(all, n), n_internal);
    printf("slots: Name one tensor, Name? zero or one, Name+ one or more, Name* zero or more\n");
    for (size_t i = 0; i < n;) {
        size_t len = family_len(all, n, i);
        printf("\n%s (%zu)\n", all[i].family, len);
        for (size_t k = i; k < i + len; k++) {
            const pds_op_info *o = &all[k];
            printf("  %-28s %s -> %s\n", o->name, o->inputs, o->outputs);
            if (o->flags[0])
                printf("  %-28s flags: %s\n", "", o->flags);
            if (o->data_inputs[0])
                printf("  %-28s shape inference reads the data of: %s\n", "", o->data_inputs);
            if (o->internal)
                printf("  %-28s formats: none (internal)\n", "");
            else
                printf("  %-28s formats: legacy%s%s\n", "", o->pir_ops[0] ? ", PIR " : "",
                       o->pir_ops);
        }
        i += len;
    }
}

/* ---- JSON ----------------------------------------------------------------- */

/* A space-separated list as a JSON array of strings. */
static void json_list(const char *list)
{
    printf("[");
    const char *p = list;
    for (int k = 0; *p; k++) {
        size_t len = strcspn(p, " ");
        char item[256];
        snprintf(item, sizeof item, "%.*s", (int)len, p);
        printf("%s\"", k ? ", " : "");
        cli_json_str(stdout, item);
        printf("\"");
        p += len;
        while (*p == ' ')
            p++;
    }
    printf("]");
}

/* Slots as objects: {"name": "X", "count": "one" | "optional" | "one_or_more"
 * | "any"}. */
static void json_slots(const char *list)
{
    printf("[");
    const char *p = list;
    for (int k = 0; *p; k++) {
        size_t len = strcspn(p, " ");
        char item[256];
        snprintf(item, sizeof item, "%.*s", (int)len, p);
        char mark = len ? item[len - 1] : '\0';
        const char *count = mark == '?'   ? "optional"
                            : mark == '+' ? "one_or_more"
                            : mark == '*' ? "any"
                                          : "one";
        if (strchr("?+*", mark) && mark)
            item[len - 1] = '\0';
        printf("%s{\"name\": \"", k ? ", " : "");
        cli_json_str(stdout, item);
        printf("\", \"count\": \"%s\"}", count);
        p += len;
        while (*p == ' ')
            p++;
    }
    printf("]");
}

static void print_json(const pds_op_info *all, size_t n)
{
    printf("[\n");
    for (size_t i = 0; i < n; i++) {
        const pds_op_info *o = &all[i];
        printf("  {\"name\": \"");
        cli_json_str(stdout, o->name);
        printf("\", \"id\": %d, \"family\": \"", (int)o->id);
        cli_json_str(stdout, o->family);
        printf("\",\n   \"flags\": ");
        json_list(o->flags);
        printf(",\n   \"inputs\": ");
        json_slots(o->inputs);
        printf(",\n   \"outputs\": ");
        json_slots(o->outputs);
        printf(",\n   \"data_inputs\": ");
        json_list(o->data_inputs);
        printf(",\n   \"legacy\": %s, \"pir_ops\": ", o->internal ? "false" : "true");
        json_list(o->pir_ops);
        printf(", \"internal\": %s}%s\n", o->internal ? "true" : "false", i + 1 < n ? "," : "");
    }
    printf("]\n");
}

/* ---- Markdown ------------------------------------------------------------- */

/* A space-separated list as `a`, `b` (or "" for an empty one). */
static void md_list(const char *list, const char *sep)
{
    const char *p = list;
    for (int k = 0; *p; k++) {
        size_t len = strcspn(p, " ");
        printf("%s`%.*s`", k ? sep : "", (int)len, p);
        p += len;
        while (*p == ' ')
            p++;
    }
}

static void md_intro(const pds_op_info *all, size_t n)
{
    printf("# Operators\n"
           "\n"
           "<!-- Generated by scripts/gen-operators-doc.sh (pdsafe ops --markdown) from\n"
           "     the operator registry; do not edit by hand. tests/operators_doc_test.sh\n"
           "     fails when this file differs from what the command prints. -->\n"
           "\n"
           "Every operator type the engine knows, %zu in %zu families, in the order of\n"
           "`src/ops/op_list.h`. How to add one: [ADDING_AN_OPERATOR.md]"
           "(ADDING_AN_OPERATOR.md).\n"
           "\n"
           "- **Inputs, outputs**: the operator's slots in order. `Name` holds exactly one\n"
           "  tensor, `Name?` zero or one, `Name+` one or more, `Name*` zero or more.\n"
           "- **Flags**: `unary` element-wise, Out[i] = f(X[i]); `binary` element-wise\n"
           "  with broadcasting; `inplace` Out may share X's buffer; `identity` Out = X at\n"
           "  inference, always or for some attributes (the load-time passes then remove\n"
           "  it); "
           "`post_op` fusable into a convolution or matrix product; `dims_only`\n"
           "  reads only its input's dims; `internal` made by the load-time passes;\n"
           "  `size_after_run` its outputs' first dim is known only once it ran (planned\n"
           "  at an upper bound; what reads them runs after the rest of the graph);\n"
           "  `elementwise_scalars` element-wise when every input but X holds one\n"
           "  element (a per-tensor scale).\n"
           "- **Legacy**: legacy programs (`.pdmodel`, `__model__`) name every operator\n"
           "  that is not internal by its name.\n"
           "- **PIR**: the `pd_op` ops of Paddle 3 PIR programs (`.json`) that the loader\n"
           "  maps onto it (`src/model/pir_ops.c`); their in-place forms (`pd_op.relu_`)\n"
           "  map as the plain op. A PIR op that becomes several operators is listed\n"
           "  under each (`pd_op.shape64`: `shape`, then `cast`). Empty: only legacy\n"
           "  programs name it.\n"
           "- **Notes**: the input slots whose data, not only their shape, shape\n"
           "  inference reads.\n"
           "\n"
           "Every operator runs on the reference kernels (`src/kernels/ref/`); the oneDNN\n"
           "backend takes nodes case by case, by shape and attributes\n"
           "([ADDING_A_BACKEND.md](ADDING_A_BACKEND.md)).\n"
           "\n"
           "| family | operators |\n"
           "|---|---|\n",
           n, count_families(all, n));
    for (size_t i = 0; i < n;) {
        size_t len = family_len(all, n, i);
        printf("| [%s](#%s) | %zu |\n", all[i].family, all[i].family, len);
        i += len;
    }
}

static void md_family(const pds_op_info *all, size_t i, size_t len)
{
    printf("\n## %s\n\n", all[i].family);
    printf("| operator | inputs | outputs | flags | legacy | PIR | notes |\n");
    printf("|---|---|---|---|---|---|---|\n");
    for (size_t k = i; k < i + len; k++) {
        const pds_op_info *o = &all[k];
        printf("| `%s` | ", o->name);
        md_list(o->inputs, " ");
        printf(" | ");
        md_list(o->outputs, " ");
        printf(" | %s", o->flags);
        printf(" | %s | ", o->internal ? "no" : "yes");
        md_list(o->pir_ops, " ");
        printf(" | ");
        if (o->data_inputs[0]) {
            printf("shape inference reads the data of ");
            md_list(o->data_inputs, ", ");
        }
        printf(" |\n");
    }
}

static void print_markdown(const pds_op_info *all, size_t n)
{
    md_intro(all, n);
    for (size_t i = 0; i < n;) {
        size_t len = family_len(all, n, i);
        md_family(all, i, len);
        i += len;
    }
}

int pdsafe_ops_main(int argc, char **argv)
{
    out_form form = OUT_TABLE;
    for (int a = 0; a < argc; a++) {
        if (cli_is_help(argv[a]))
            return cli_help(&ops_cmd);
        out_form want = strcmp(argv[a], "--json") == 0       ? OUT_JSON
                        : strcmp(argv[a], "--markdown") == 0 ? OUT_MARKDOWN
                                                             : OUT_TABLE;
        if (want != OUT_TABLE && form != OUT_TABLE && want != form)
            return cli_usage_error(&ops_cmd, "--json and --markdown exclude each other");
        if (want != OUT_TABLE)
            form = want;
        else if (cli_is_option(argv[a]))
            return cli_usage_error(&ops_cmd, "unknown option %s", argv[a]);
        else
            return cli_usage_error(&ops_cmd, "unexpected argument %s", argv[a]);
    }
    size_t n;
    pds_op_info *all = read_all(&n);
    if (!all)
        return CLI_FAIL;
    if (form == OUT_JSON)
        print_json(all, n);
    else if (form == OUT_MARKDOWN)
        print_markdown(all, n);
    else
        print_table(all, n);
    free(all);
    return fflush(stdout) == 0 ? CLI_OK : CLI_FAIL;
}
