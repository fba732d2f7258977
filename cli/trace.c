/*
 * trace.c — `pdsafe trace summarize FILE`: what a trace file says, in a page
 * of text (docs/TRACING.md).
 *
 * It reads a Chrome trace-event file written by the library (pds_trace_write,
 * PDSAFE_TRACE) or by the Go package (StartTrace/StopTrace), and prints the C
 * calls that overlapped a Go GC phase, the slowest calls, the time per
 * operator, the threads, and the objects made and not destroyed by the end.
 * Overlaps are computed from the file's GC tracks, so a C-only trace (no GC
 * track) says so instead. Only the file is read; no model is loaded.
 */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "perf.h"

static void help_trace(FILE *f);
static const cli_command trace_cmd = {"trace", "pdsafe trace summarize FILE [--top N]",
                                      help_trace};

static void help_trace(FILE *f)
{
    fprintf(f,
            "usage: %s\n"
            "Summarizes a trace file (Chrome trace-event JSON) written by the library\n"
            "(PDSAFE_TRACE=FILE, pds_trace_write) or the Go package (StartTrace):\n"
            "  - the C calls that overlapped a Go GC mark phase or stop-the-world pause;\n"
            "  - the slowest C calls;\n"
            "  - time per operator and kernel, over every run recorded;\n"
            "  - the threads, with their calls, steps and dropped events;\n"
            "  - the objects made and not destroyed by the end of the trace.\n"
            "  --top N   rows per table (default 10; overlaps: 2N)\n"
            "Times are milliseconds from the start of the trace.\n"
            "Open the same file in https://ui.perfetto.dev or chrome://tracing.\n",
            trace_cmd.synopsis);
}

typedef struct tev {
    const char *name, *cat, *status, *kernel, *made, *made_kind, *destroyed, *handle, *gc;
    long long pid, tid, goroutine;
    double ts, dur; /* microseconds */
} tev;

typedef struct trace_data {
    json_t *root;
    tev *ev; /* the "X" events */
    size_t n;
    json_t *names; /* "pid:tid" -> thread name */
    long long dropped_events;
} trace_data;

static const char *sget(json_t *o, const char *k)
{
    json_t *v = json_object_get(o, k);
    return json_is_string(v) ? json_string_value(v) : NULL;
}

static long long iget(json_t *o, const char *k, long long dflt)
{
    json_t *v = json_object_get(o, k);
    return json_is_integer(v) ? (long long)json_integer_value(v) : dflt;
}

static int load(const char *path, trace_data *d)
{
    json_error_t je;
    d->root = json_load_file(path, 0, &je);
    if (!d->root) {
        fprintf(stderr, "pdsafe trace: could not read %s: %s (line %d, column %d)\n", path,
                je.text, je.line, je.column);
        return CLI_FAIL;
    }
    json_t *events = json_object_get(d->root, "traceEvents");
    if (!json_is_array(events)) {
        fprintf(stderr, "pdsafe trace: %s is not a Chrome trace-event file (no \"traceEvents\" "
                        "array)\n", path);
        return CLI_FAIL;
    }
    d->ev = calloc(json_array_size(events) + 1, sizeof *d->ev);
    d->names = json_object();
    if (!d->ev || !d->names) {
        fprintf(stderr, "pdsafe trace: out of memory reading %s\n", path);
        return CLI_FAIL;
    }
    size_t i;
    json_t *x;
    json_array_foreach(events, i, x) {
        const char *ph = sget(x, "ph");
        json_t *args = json_object_get(x, "args");
        if (ph && strcmp(ph, "M") == 0 && sget(x, "name") &&
            strcmp(sget(x, "name"), "thread_name") == 0) {
            char key[64];
            snprintf(key, sizeof key, "%lld:%lld", iget(x, "pid", 0), iget(x, "tid", 0));
            json_object_set(d->names, key, json_object_get(args, "name"));
        }
        if (!ph || strcmp(ph, "X") != 0)
            continue;
        tev *e = &d->ev[d->n++];
        e->name = sget(x, "name") ? sget(x, "name") : "?";
        e->cat = sget(x, "cat") ? sget(x, "cat") : "";
        e->pid = iget(x, "pid", 0);
        e->tid = iget(x, "tid", 0);
        e->ts = json_number_value(json_object_get(x, "ts"));
        e->dur = json_number_value(json_object_get(x, "dur"));
        e->status = sget(args, "status");
        e->kernel = sget(args, "kernel");
        e->made = sget(args, "made");
        e->made_kind = sget(args, "made_kind");
        e->destroyed = sget(args, "destroyed_kind");
        e->handle = sget(args, "handle");
        e->gc = sget(args, "gc_overlap");
        e->goroutine = iget(args, "goroutine", -1);
    }
    d->dropped_events = iget(json_object_get(d->root, "otherData"), "dropped_events", 0);
    return CLI_OK;
}

static bool is_call(const tev *e) { return strcmp(e->cat, "call") == 0; }
static bool is_op(const tev *e) { return strcmp(e->cat, "op") == 0; }
static bool is_gc(const tev *e) { return strcmp(e->cat, "gc") == 0; }

/* Status without its "PDS_" prefix, for narrow columns. */
static const char *short_status(const char *s)
{
    if (!s)
        return "-";
    return strncmp(s, "PDS_", 4) == 0 ? s + 4 : s;
}

static void print_call(const tev *e)
{
    char g[24] = "-";
    if (e->goroutine >= 0)
        snprintf(g, sizeof g, "%lld", e->goroutine);
    printf("  %10.3f %10.3f  %-26s %8lld %9s  %-22s %s\n", e->ts / 1000, e->dur / 1000, e->name,
           e->tid, g, short_status(e->status), e->handle ? e->handle : "-");
}

static void call_header(void)
{
    printf("  %10s %10s  %-26s %8s %9s  %-22s %s\n", "at ms", "dur ms", "call", "thread",
           "goroutine", "status", "handle");
}

/* The GC phases a call overlapped, from the file's GC tracks. */
static int gc_overlaps(const trace_data *d, const tev *c, char *buf, size_t cap)
{
    int n = 0;
    size_t len = 0;
    buf[0] = '\0';
    for (size_t i = 0; i < d->n; i++) {
        const tev *g = &d->ev[i];
        if (!is_gc(g) || !(c->ts < g->ts + g->dur && g->ts < c->ts + c->dur))
            continue;
        int k = snprintf(buf + len, cap - len, "%s%s", n ? "; " : "", g->name);
        if (k > 0 && (size_t)k < cap - len)
            len += (size_t)k;
        n++;
    }
    return n;
}

static void print_overlaps(const trace_data *d, int top)
{
    size_t gcs = 0, calls = 0, hits = 0;
    for (size_t i = 0; i < d->n; i++) {
        gcs += is_gc(&d->ev[i]);
        calls += is_call(&d->ev[i]);
    }
    if (!gcs) {
        printf("C calls overlapping a GC phase: no Go GC track in this trace (recorded by the C "
               "library alone; record with the Go package's StartTrace to see the GC)\n");
        return;
    }
    char phases[512];
    for (size_t i = 0; i < d->n; i++)
        if (is_call(&d->ev[i]) && gc_overlaps(d, &d->ev[i], phases, sizeof phases))
            hits++;
    printf("C calls overlapping a GC phase: %zu of %zu (%zu GC phases and pauses)\n", hits, calls,
           gcs);
    if (!hits)
        return;
    call_header();
    size_t shown = 0;
    for (size_t i = 0; i < d->n; i++) {
        const tev *e = &d->ev[i];
        if (!is_call(e) || !gc_overlaps(d, e, phases, sizeof phases))
            continue;
        if (shown++ == (size_t)top * 2) {
            printf("  ... %zu more\n", hits - (size_t)top * 2);
            break;
        }
        print_call(e);
        printf("  %22s during: %s\n", "", phases);
    }
}

static int by_dur(const void *a, const void *b)
{
    const tev *x = *(const tev *const *)a, *y = *(const tev *const *)b;
    return (x->dur < y->dur) - (x->dur > y->dur);
}

static void print_slowest(const trace_data *d, int top)
{
    const tev **v = malloc(sizeof(const tev *) * (d->n + 1));
    size_t n = 0;
    for (size_t i = 0; i < d->n; i++)
        if (is_call(&d->ev[i]))
            v[n++] = &d->ev[i];
    qsort(v, n, sizeof(const tev *), by_dur);
    printf("\nslowest calls (%zu calls):\n", n);
    if (n)
        call_header();
    for (size_t i = 0; i < n && i < (size_t)top; i++)
        print_call(v[i]);
    free(v);
}

typedef struct op_total {
    const char *op, *kernel;
    long count;
    double total_us;
} op_total;

static int by_total(const void *a, const void *b)
{
    const op_total *x = a, *y = b;
    return (x->total_us < y->total_us) - (x->total_us > y->total_us);
}

static void print_ops(const trace_data *d, int top)
{
    op_total *t = calloc(d->n + 1, sizeof *t);
    size_t n = 0;
    double all = 0;
    for (size_t i = 0; i < d->n; i++) {
        const tev *e = &d->ev[i];
        if (!is_op(e))
            continue;
        const char *k = e->kernel ? e->kernel : "";
        size_t j = 0;
        while (j < n && !(strcmp(t[j].op, e->name) == 0 && strcmp(t[j].kernel, k) == 0))
            j++;
        if (j == n)
            t[n++] = (op_total){e->name, k, 0, 0};
        t[j].count++;
        t[j].total_us += e->dur;
        all += e->dur;
    }
    qsort(t, n, sizeof *t, by_total);
    printf("\noperators (%zu op/kernel pairs, %.3f ms in steps):\n", n, all / 1000);
    if (n)
        printf("  %-40s %-30s %7s %10s %10s %6s\n", "op", "kernel", "count", "total ms", "mean us",
               "share");
    for (size_t i = 0; i < n && i < (size_t)top; i++)
        printf("  %-40.40s %-30.30s %7ld %10.3f %10.1f %5.1f%%\n", t[i].op, t[i].kernel, t[i].count,
               t[i].total_us / 1000, t[i].total_us / (double)t[i].count,
               all > 0 ? 100 * t[i].total_us / all : 0);
    if (n > (size_t)top)
        printf("  ... %zu more\n", n - (size_t)top);
    free(t);
}

typedef struct thread_row {
    long long pid, tid;
    long calls, steps, other;
    double call_us, step_us;
} thread_row;

static int by_track(const void *a, const void *b)
{
    const thread_row *x = a, *y = b;
    if (x->pid != y->pid)
        return (x->pid > y->pid) - (x->pid < y->pid);
    return (x->tid > y->tid) - (x->tid < y->tid);
}

static void print_threads(const trace_data *d)
{
    thread_row *r = calloc(d->n + 1, sizeof *r);
    size_t n = 0;
    for (size_t i = 0; i < d->n; i++) {
        const tev *e = &d->ev[i];
        size_t j = 0;
        while (j < n && !(r[j].pid == e->pid && r[j].tid == e->tid))
            j++;
        if (j == n)
            r[n++] = (thread_row){.pid = e->pid, .tid = e->tid};
        if (is_call(e)) {
            r[j].calls++;
            r[j].call_us += e->dur;
        } else if (is_op(e)) {
            r[j].steps++;
            r[j].step_us += e->dur;
        } else {
            r[j].other++;
        }
    }
    qsort(r, n, sizeof *r, by_track);
    printf("\ntracks (%zu; %lld events dropped):\n", n, d->dropped_events);
    printf("  %-40s %7s %10s %7s %10s %7s\n", "track", "calls", "calls ms", "steps", "steps ms",
           "other");
    for (size_t i = 0; i < n; i++) {
        char key[64];
        snprintf(key, sizeof key, "%lld:%lld", r[i].pid, r[i].tid);
        const char *name = sget(d->names, key);
        printf("  %-40.40s %7ld %10.3f %7ld %10.3f %7ld\n", name ? name : key, r[i].calls,
               r[i].call_us / 1000, r[i].steps, r[i].step_us / 1000, r[i].other);
    }
    free(r);
}

static void print_alive(const trace_data *d)
{
    const tev **made = malloc(sizeof(const tev *) * (d->n + 1));
    size_t n = 0;
    for (size_t i = 0; i < d->n; i++) {
        const tev *e = &d->ev[i];
        if (!is_call(e) || !e->status || strcmp(e->status, "PDS_OK") != 0)
            continue;
        if (e->made)
            made[n++] = e;
        else if (e->destroyed && e->handle)
            for (size_t j = 0; j < n; j++)
                if (made[j] && strcmp(made[j]->made, e->handle) == 0)
                    made[j] = NULL;
    }
    size_t alive = 0;
    for (size_t j = 0; j < n; j++)
        alive += made[j] != NULL;
    printf("\nobjects alive at the end: %zu (of %zu made during the trace)\n", alive, n);
    if (alive)
        printf("  %-20s %-10s %-24s %10s %8s\n", "handle", "kind", "made by", "at ms", "thread");
    for (size_t j = 0; j < n; j++)
        if (made[j])
            printf("  %-20s %-10s %-24s %10.3f %8lld\n", made[j]->made,
                   made[j]->made_kind ? made[j]->made_kind : "?", made[j]->name,
                   made[j]->ts / 1000, made[j]->tid);
    free(made);
}

/* The file's events may come in any order (per-thread buffers are written
 * one after the other): by start time, so that every table reads in time. */
static int by_ts(const void *a, const void *b)
{
    const tev *x = a, *y = b;
    return (x->ts > y->ts) - (x->ts < y->ts);
}

static int summarize(const char *path, int top)
{
    trace_data d = {0};
    int rc = load(path, &d);
    if (rc == CLI_OK) {
        qsort(d.ev, d.n, sizeof *d.ev, by_ts);
        json_t *other = json_object_get(d.root, "otherData");
        double span = 0;
        for (size_t i = 0; i < d.n; i++)
            if (d.ev[i].ts + d.ev[i].dur > span)
                span = d.ev[i].ts + d.ev[i].dur;
        printf("trace: %s (%s, %s; %zu events over %.3f ms, %lld dropped)\n\n", path,
               sget(other, "producer") ? sget(other, "producer") : "unknown producer",
               sget(other, "clock") ? sget(other, "clock") : "unknown clock", d.n, span / 1000,
               d.dropped_events);
        print_overlaps(&d, top);
        print_slowest(&d, top);
        print_ops(&d, top);
        print_threads(&d);
        print_alive(&d);
        if (fflush(stdout) != 0)
            rc = CLI_FAIL;
    }
    free(d.ev);
    json_decref(d.names);
    json_decref(d.root);
    return rc;
}

int pdsafe_trace_main(int argc, char **argv)
{
    const char *file = NULL;
    long top = 10;
    bool sub = false;
    for (int a = 0; a < argc; a++) {
        if (cli_is_help(argv[a]))
            return cli_help(&trace_cmd);
        if (strcmp(argv[a], "--top") == 0) {
            const char *v = cli_option_value(&trace_cmd, argc, argv, &a);
            if (!v || !cli_parse_long(&trace_cmd, "--top", v, 1, 100000, &top))
                return CLI_USAGE;
        } else if (cli_is_option(argv[a])) {
            return cli_usage_error(&trace_cmd, "unknown option %s", argv[a]);
        } else if (!sub) {
            if (strcmp(argv[a], "summarize") != 0)
                return cli_usage_error(&trace_cmd, "unknown subcommand '%s' (expected "
                                                   "summarize)", argv[a]);
            sub = true;
        } else if (!file) {
            file = argv[a];
        } else {
            return cli_usage_error(&trace_cmd, "unexpected argument %s", argv[a]);
        }
    }
    if (!sub)
        return cli_usage_error(&trace_cmd, "missing subcommand (summarize)");
    if (!file)
        return cli_usage_error(&trace_cmd, "missing FILE");
    return summarize(file, (int)top);
}
