/*
 * report.c — guard mode's reports (pds_guard_report, pds_guard_describe):
 * the incidents, objects, leaks and sites recorded by guard.c, as text for
 * people and as JSON for `pdsafe report` (docs/GUARD.md gives the schema).
 *
 * A report is written into a growing buffer under the guard's lock and then
 * copied into the caller's buffer, whose size is checked first (needed is
 * always set), as everywhere in the API.
 */
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/error.h"
#include "guard/guard-impl.h"

/* What each root cause is and what to change in the code, in the words of
 * docs/DESIGN.md section 6. */
static const struct {
    const char *title, *fix;
} causes[25] = {
    [1] = {"call on a destroyed object",
           "Find who destroyed the object (the destroy site below) and make it the last user: "
           "destroy only after every call on the object has returned, or give each user its own "
           "object. In Go, do not call methods after Close; keep one owner that closes."},
    [2] = {"object destroyed twice",
           "Destroy each object exactly once, in the one place that owns it; after destroying, "
           "set your copy of the handle to 0 (destroying 0 is a no-op)."},
    [3] = {"tensor or view used after its predictor was destroyed",
           "Copy results out before destroying the predictor, or destroy the predictor only "
           "after its tensors are no longer used."},
    [4] = {"zero, forged or never issued handle",
           "Pass only handles the library returned, check the status of the call that created "
           "it (a failed create leaves 0), and never build or change a handle by hand."},
    [5] = {"handle of the wrong kind",
           "Pass a predictor handle where a predictor is expected and a model handle where a "
           "model is: check the variable passed at the offending site."},
    [6] = {"two threads ran one predictor at once",
           "Give each thread or goroutine its own predictor, use a pool, or create the "
           "predictor with PDS_PREDICTOR_SERIALIZE (Go: WithSerialize) so that calls wait."},
    [7] = {"destroy while another thread was inside a call",
           "Destroy a predictor only after every thread using it has returned (join the "
           "workers first); in Go, Close waits for you."},
    [8] = {"input buffer shorter than its shape and dtype",
           "Allocate each input as element count x dtype size bytes and pass that length; "
           "check the shape you declare against the data you hold."},
    [9] = {"output buffer too small",
           "Size each output from the dims the failed call reported (or from "
           "pds_model_output_info), then fetch the kept result with pds_predictor_fetch."},
    [10] = {"wrong element type",
            "Pass data of the dtype the model declares for that input "
            "(pds_model_input_info), converting it first if needed."},
    [11] = {"bad shape",
            "Pass the rank and dims the model declares; every dim must be > 0 and the tensor "
            "within max_tensor_bytes."},
    [12] = {"caller memory kept past a call", "Nothing to change: the library keeps none."},
    [13] = {"Go wrapper collected during its call", "Keep the object reachable until its call "
            "returns (runtime.KeepAlive); the Go package does this for you."},
    [14] = {"objects released in an unexpected order", "Any order is safe; nothing to change."},
    [15] = {"object never destroyed",
            "Destroy (Go: Close) every object you create, on every path: a defer right after "
            "the successful create is the simplest way."},
    [16] = {"error read from thread-local state",
            "Read the error from the call that failed (its pds_error or Go error), not from a "
            "later call."},
    [17] = {"failure deep inside the graph",
            "Check the input shapes against what the model's operators accept (the message "
            "names the operator)."},
    [18] = {"options struct of the wrong size",
            "Initialise every options struct with its _init function before setting fields."},
    [19] = {"malformed model file", "Re-export the model; check the file was copied whole."},
    [20] = {"teardown while objects live", "Nothing to change: the library is never unmapped."},
    [21] = {"signal handlers or process settings", "Nothing to change."},
    [22] = {"returned memory of unclear owner",
            "Free only what you allocated; destroy what a PD_* call returned with its matching "
            "destroy function."},
    [23] = {"too many concurrent callers", "Use a pool of predictors sized to the cores."},
    [24] = {"run cancelled", "Nothing to change: cancellation is a normal outcome."},
};

/* ---- a growing string ------------------------------------------------------ */

typedef struct sb {
    char *p;
    size_t len, cap;
    bool oom;
} sb;

static void sb_reserve(sb *b, size_t more)
{
    if (b->oom || b->len + more + 1 <= b->cap)
        return;
    size_t cap = b->cap ? b->cap : 4096;
    while (cap < b->len + more + 1)
        cap *= 2;
    char *p = realloc(b->p, cap);
    if (!p) {
        b->oom = true;
        return;
    }
    b->p = p;
    b->cap = cap;
}

static void sb_put(sb *b, const char *s, size_t n)
{
    sb_reserve(b, n);
    if (b->oom)
        return;
    memcpy(b->p + b->len, s, n);
    b->len += n;
    b->p[b->len] = '\0';
}

static void PDSI_PRINTF(2, 3) sb_printf(sb *b, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n <= 0)
        return;
    sb_reserve(b, (size_t)n);
    if (b->oom)
        return;
    va_start(ap, fmt);
    vsnprintf(b->p + b->len, (size_t)n + 1, fmt, ap);
    va_end(ap);
    b->len += (size_t)n;
}

static void sb_json_str(sb *b, const char *s, size_t n)
{
    if (!s) {
        sb_put(b, "null", 4);
        return;
    }
    sb_put(b, "\"", 1);
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c == '"' || c == '\\') {
            char e[2] = {'\\', (char)c};
            sb_put(b, e, 2);
        } else if (c == '\n') {
            sb_put(b, "\\n", 2);
        } else if (c == '\t') {
            sb_put(b, "\\t", 2);
        } else if (c < 0x20 || c == 0x7f) {
            sb_printf(b, "\\u%04x", c);
        } else {
            sb_put(b, (const char *)&s[i], 1);
        }
    }
    sb_put(b, "\"", 1);
}

static void sb_json_cstr(sb *b, const char *s)
{
    sb_json_str(b, s, s ? strlen(s) : 0);
}

/* ---- JSON ------------------------------------------------------------------- */

static void json_event(sb *b, const pdsi_gevent *e)
{
    size_t olen;
    const char *o = pdsi_guard_origin(e->origin, &olen);
    sb_printf(b, "{\"ns\":%" PRIu64 ",\"thread\":%" PRIu64 ",\"site\":%u,\"origin\":", e->ns,
              e->thread, e->site);
    if (o)
        sb_json_str(b, o, olen);
    else
        sb_put(b, e->origin ? "\"(dropped: newer origins overwrote it)\"" : "null",
               e->origin ? strlen("\"(dropped: newer origins overwrote it)\"") : 4);
    sb_put(b, "}", 1);
}

static void json_site(sb *b, uint32_t id)
{
    int n;
    const pdsi_frame *f = pdsi_site_frames(id, &n);
    sb_printf(b, "\"%u\":[", id);
    for (int i = 0; i < n; i++) {
        sb_put(b, i ? ",{\"function\":" : "{\"function\":", i ? 13 : 12);
        sb_json_cstr(b, f[i].function);
        sb_put(b, ",\"file\":", 8);
        sb_json_cstr(b, f[i].file);
        sb_printf(b, ",\"line\":%d,\"object\":", f[i].line);
        sb_json_cstr(b, f[i].object);
        sb_printf(b, ",\"offset\":%" PRIu64 "}", f[i].offset);
    }
    sb_put(b, "]", 1);
}

/* Marks a site as mentioned. */
static void mark(uint8_t *used, uint32_t site)
{
    if (site && site <= PDS_GUARD_MAX_SITES)
        used[site] = 1;
}

static uint64_t kept_incidents(uint64_t *first)
{
    uint64_t total = pdsi_g_n_incidents;
    uint64_t kept = total < PDS_GUARD_MAX_INCIDENTS ? total : PDS_GUARD_MAX_INCIDENTS;
    *first = total - kept + 1;
    return kept;
}

static void json_report(sb *b)
{
    uint8_t *used = calloc(PDS_GUARD_MAX_SITES + 1, 1);
    uint64_t first, kept = kept_incidents(&first);
    sb_printf(b, "{\"format\":\"pdsafe-guard-report\",\"version\":1,\"pid\":%ld,"
              "\"now_ns\":%" PRIu64 ",",
              (long)getpid(), pdsi_guard_now_ns());
    sb_printf(b, "\"bounds\":{\"incidents\":%d,\"objects\":%d,\"sites\":%d,\"origin_bytes\":%u},",
              PDS_GUARD_MAX_INCIDENTS, PDS_GUARD_MAX_OBJECTS, PDS_GUARD_MAX_SITES,
              (unsigned)PDS_GUARD_ORIGIN_BYTES);
    sb_printf(b, "\"counts\":{\"incidents\":%" PRIu64 ",\"incidents_dropped\":%" PRIu64
              ",\"objects_tracked\":%" PRIu64 ",\"objects_untracked\":%" PRIu64
              ",\"records_reused\":%" PRIu64 ",\"origins_dropped\":%" PRIu64
              ",\"sites\":%u,\"sites_dropped\":%" PRIu64 "},",
              pdsi_g_n_incidents, pdsi_g_n_incidents - kept, pdsi_gstat.objects_tracked,
              pdsi_gstat.untracked, pdsi_gstat.records_reused, pdsi_gstat.origins_dropped,
              pdsi_site_count(), pdsi_site_dropped());
    /* Root causes present, with what to change. */
    bool seen[25] = {false};
    for (uint64_t k = first; k < first + kept; k++)
        seen[pdsi_gincidents[(k - 1) % PDS_GUARD_MAX_INCIDENTS].root % 25] = true;
    bool any_live = pdsi_guard_any_live();
    if (any_live)
        seen[15] = true;
    sb_put(b, "\"root_causes\":{", 15);
    bool comma = false;
    for (int r = 1; r <= 24; r++) {
        if (!seen[r])
            continue;
        sb_printf(b, "%s\"%s\":{\"title\":", comma ? "," : "", pdsi_guard_root_name((uint32_t)r));
        sb_json_cstr(b, causes[r].title);
        sb_put(b, ",\"fix\":", 7);
        sb_json_cstr(b, causes[r].fix);
        sb_put(b, "}", 1);
        comma = true;
    }
    sb_put(b, "},\"incidents\":[", 15);
    for (uint64_t k = first; k < first + kept; k++) {
        const pdsi_gincident *in = &pdsi_gincidents[(k - 1) % PDS_GUARD_MAX_INCIDENTS];
        sb_printf(b, "%s{\"id\":%" PRIu64 ",\"ns\":%" PRIu64 ",\"root_cause\":\"%s\","
                  "\"status\":\"%s\",\"object\":\"0x%016" PRIx64 "\",\"kind\":",
                  k > first ? "," : "", in->n, in->ns, pdsi_guard_root_name(in->root),
                  in->from_binding ? "" : pds_status_name(in->status), in->object);
        sb_json_cstr(b, in->kind);
        sb_put(b, ",\"function\":", 12);
        sb_json_cstr(b, in->function);
        sb_put(b, ",\"message\":", 11);
        sb_json_cstr(b, in->message);
        pdsi_gevent call = {in->ns, in->thread, in->site, in->origin};
        sb_printf(b, ",\"from_binding\":%s,\"tracked\":%s,\"call\":",
                  in->from_binding ? "true" : "false", in->tracked ? "true" : "false");
        json_event(b, &call);
        mark(used, in->site);
        sb_put(b, ",\"created\":", 11);
        if (in->tracked) {
            json_event(b, &in->created);
            mark(used, in->created.site);
        } else {
            sb_put(b, "null", 4);
        }
        sb_put(b, ",\"destroyed\":", 13);
        if (in->was_destroyed) {
            json_event(b, &in->destroyed);
            mark(used, in->destroyed.site);
        } else {
            sb_put(b, "null", 4);
        }
        sb_put(b, ",\"destroyed_by\":", 16);
        sb_json_cstr(b, in->was_destroyed ? in->destroyed_by : NULL);
        sb_put(b, "}", 1);
    }
    sb_put(b, "],\"objects\":[", 13);
    comma = false;
    /* In creation order: records are reused, so sort by seq (small n). */
    uint64_t last = 0;
    for (;;) {
        uint32_t next = 0;
        for (uint32_t r = 1; pdsi_grecs && r <= PDS_GUARD_MAX_OBJECTS; r++)
            if (pdsi_grecs[r].in_use && pdsi_grecs[r].seq > last &&
                (!next || pdsi_grecs[r].seq < pdsi_grecs[next].seq))
                next = r;
        if (!next)
            break;
        const pdsi_grec *g = &pdsi_grecs[next];
        last = g->seq;
        sb_printf(b, "%s{\"id\":\"0x%016" PRIx64 "\",\"seq\":%" PRIu64 ",\"kind\":",
                  comma ? "," : "", g->id, g->seq);
        sb_json_cstr(b, g->kind);
        sb_printf(b, ",\"native\":%s,\"live\":%s,\"created\":", g->native ? "true" : "false",
                  g->live ? "true" : "false");
        json_event(b, &g->created);
        mark(used, g->created.site);
        sb_put(b, ",\"destroyed\":", 13);
        if (!g->live) {
            json_event(b, &g->destroyed);
            mark(used, g->destroyed.site);
        } else {
            sb_put(b, "null", 4);
        }
        sb_put(b, ",\"destroyed_by\":", 16);
        sb_json_cstr(b, g->live ? NULL : g->destroyed_by);
        sb_printf(b, ",\"calls\":%" PRIu64 ",\"first_use_ns\":%" PRIu64
                  ",\"last_use_ns\":%" PRIu64 ",\"threads\":[",
                  g->calls, g->first_use_ns, g->last_use_ns);
        for (int t = 0; t < g->n_threads; t++)
            sb_printf(b, "%s%" PRIu64, t ? "," : "", g->threads[t]);
        sb_printf(b, "],\"more_threads\":%s,\"incidents\":%u}", g->more_threads ? "true" : "false",
                  g->n_incidents);
        comma = true;
    }
    sb_put(b, "],\"leaks\":[", 11);
    comma = false;
    for (uint32_t r = 1; pdsi_grecs && r <= PDS_GUARD_MAX_OBJECTS; r++)
        if (pdsi_grecs[r].in_use && pdsi_grecs[r].live) {
            sb_printf(b, "%s\"0x%016" PRIx64 "\"", comma ? "," : "", pdsi_grecs[r].id);
            comma = true;
        }
    sb_put(b, "],\"sites\":{", 11);
    comma = false;
    for (uint32_t s = 1; used && s <= PDS_GUARD_MAX_SITES; s++)
        if (used[s]) {
            if (comma)
                sb_put(b, ",", 1);
            json_site(b, s);
            comma = true;
        }
    sb_put(b, "}}\n", 3);
    free(used);
}

/* ---- text ---------------------------------------------------------------------- */

static void text_site(sb *b, const char *label, uint32_t site, int max_frames)
{
    int n;
    const pdsi_frame *f = pdsi_site_frames(site, &n);
    if (!f || n == 0) {
        sb_printf(b, "    %-10s %s\n", label, site ? "(no frame outside the library)" :
                                                  "(no C site recorded)");
        return;
    }
    for (int i = 0; i < n && i < max_frames; i++) {
        if (f[i].file)
            sb_printf(b, "    %-10s %s (%s:%d)\n", i ? "" : label,
                      f[i].function ? f[i].function : "??", f[i].file, f[i].line);
        else
            sb_printf(b, "    %-10s %s (%s+0x%" PRIx64 ")\n", i ? "" : label,
                      f[i].function ? f[i].function : "??", f[i].object ? f[i].object : "?",
                      f[i].offset);
    }
}

static void text_origin(sb *b, const char *label, uint64_t origin)
{
    size_t n;
    const char *o = pdsi_guard_origin(origin, &n);
    if (!origin)
        return;
    if (!o) {
        sb_printf(b, "    %-10s (dropped: newer origins overwrote it)\n", label);
        return;
    }
    /* Indent every line of the origin. */
    sb_printf(b, "    %-10s ", label);
    size_t start = 0;
    for (size_t i = 0; i <= n; i++) {
        if (i == n || o[i] == '\n') {
            sb_put(b, o + start, i - start);
            sb_put(b, "\n", 1);
            start = i + 1;
            if (i + 1 < n)
                sb_printf(b, "    %-10s ", "");
        }
    }
}

static void text_event(sb *b, const char *label, const char *olabel, const pdsi_gevent *e)
{
    text_site(b, label, e->site, 4);
    text_origin(b, olabel, e->origin);
    sb_printf(b, "    %-10s thread %" PRIu64 "\n", "", e->thread);
}

/* compact: the incidents counted by root cause, not listed (the exit report
 * of PDSAFE_GUARD=1, about leaks). */
static void text_report(sb *b, bool compact)
{
    uint64_t first, kept = kept_incidents(&first);
    uint64_t live = 0, tracked = 0;
    for (uint32_t r = 1; pdsi_grecs && r <= PDS_GUARD_MAX_OBJECTS; r++)
        if (pdsi_grecs[r].in_use) {
            tracked++;
            live += pdsi_grecs[r].live;
        }
    sb_printf(b, "pdsafe guard report: %" PRIu64 " incident%s (%" PRIu64 " kept), %" PRIu64
              " object%s recorded, %" PRIu64 " alive\n",
              pdsi_g_n_incidents, pdsi_g_n_incidents == 1 ? "" : "s", kept, tracked,
              tracked == 1 ? "" : "s", live);
    uint64_t count[25] = {0};
    for (uint64_t k = first; k < first + kept; k++) {
        const pdsi_gincident *in = &pdsi_gincidents[(k - 1) % PDS_GUARD_MAX_INCIDENTS];
        count[in->root % 25]++;
    }
    if (compact && kept) {
        sb_printf(b, "incidents kept by root cause:");
        for (int r = 1; r <= 24; r++)
            if (count[r])
                sb_printf(b, " %s x%" PRIu64, pdsi_guard_root_name((uint32_t)r), count[r]);
        sb_printf(b, " (pds_guard_report lists them)\n");
    }
    for (uint64_t k = first; k < first + kept && !compact; k++) {
        const pdsi_gincident *in = &pdsi_gincidents[(k - 1) % PDS_GUARD_MAX_INCIDENTS];
        sb_printf(b, "\nincident %" PRIu64 ": %s, %s\n  %s on %s 0x%016" PRIx64 ": %s\n", in->n,
                  pdsi_guard_root_name(in->root), causes[in->root % 25].title, in->function,
                  in->kind[0] ? in->kind : "object", in->object, in->message);
        pdsi_gevent call = {in->ns, in->thread, in->site, in->origin};
        text_event(b, "called at", "by", &call);
        if (in->tracked)
            text_event(b, "created at", "by", &in->created);
        else
            sb_printf(b, "    %-10s (the object is not tracked by guard mode)\n", "created at");
        if (in->was_destroyed)
            text_event(b, "destroyed", "by", &in->destroyed);
        sb_printf(b, "  fix: %s\n", causes[in->root % 25].fix);
    }
    if (live) {
        sb_printf(b, "\nalive now (leaks, if the program is ending: %s):\n",
                  pdsi_guard_root_name(15));
        for (uint32_t r = 1; r <= PDS_GUARD_MAX_OBJECTS; r++) {
            const pdsi_grec *g = &pdsi_grecs[r];
            if (!g->in_use || !g->live)
                continue;
            sb_printf(b, "  %s 0x%016" PRIx64 ", %" PRIu64 " calls\n", g->kind, g->id, g->calls);
            text_event(b, "created at", "by", &g->created);
        }
    }
    if (pdsi_gstat.untracked || pdsi_site_dropped() || pdsi_gstat.origins_dropped)
        sb_printf(b, "\nbounds: %" PRIu64 " objects not tracked, %" PRIu64
                  " sites and %" PRIu64 " origins dropped\n",
                  pdsi_gstat.untracked, pdsi_site_dropped(), pdsi_gstat.origins_dropped);
}

static pds_status hand_over(sb *b, const char *fn, char *buf, size_t cap, size_t *needed,
                            pds_error *err)
{
    if (b->oom) {
        free(b->p);
        return pdsi_fail(err, PDS_ERR_OUT_OF_MEMORY, "%s: no memory to build the report", fn);
    }
    size_t n = b->len + 1;
    if (needed)
        *needed = n;
    pds_status st = PDS_OK;
    if (cap < n || !buf)
        st = pdsi_fail(err, PDS_ERR_BUFFER_SIZE, "%s: the report needs %zu bytes, cap is %zu",
                       fn, n, cap);
    else
        memcpy(buf, b->p ? b->p : "", n);
    free(b->p);
    return st;
}

pds_status pds_guard_report(uint32_t format, char *buf, size_t cap, size_t *needed,
                            pds_error *err)
{
    const char *fn = "pds_guard_report";
    if (!buf && cap)
        return pdsi_fail(err, PDS_ERR_INVALID_ARGUMENT, "%s: buf is NULL, cap %zu", fn, cap);
    if (format != PDS_GUARD_REPORT_TEXT && format != PDS_GUARD_REPORT_JSON &&
        format != PDSI_GUARD_REPORT_COMPACT)
        return pdsi_fail(err, PDS_ERR_INVALID_ARGUMENT,
                         "%s: format is %u, expected PDS_GUARD_REPORT_TEXT (1) or "
                         "PDS_GUARD_REPORT_JSON (2)", fn, format);
    sb b = {0};
    pthread_mutex_lock(&pdsi_guard_mu);
    if (format == PDS_GUARD_REPORT_JSON)
        json_report(&b);
    else
        text_report(&b, format == PDSI_GUARD_REPORT_COMPACT);
    pthread_mutex_unlock(&pdsi_guard_mu);
    return hand_over(&b, fn, buf, cap, needed, err);
}

pds_status pds_guard_describe(uint64_t object, char *buf, size_t cap, size_t *needed,
                              pds_error *err)
{
    const char *fn = "pds_guard_describe";
    if (!buf && cap)
        return pdsi_fail(err, PDS_ERR_INVALID_ARGUMENT, "%s: buf is NULL, cap %zu", fn, cap);
    sb b = {0};
    pthread_mutex_lock(&pdsi_guard_mu);
    uint32_t r = pdsi_guard_find(object);
    if (!r) {
        pthread_mutex_unlock(&pdsi_guard_mu);
        return pdsi_fail(err, PDS_ERR_INVALID_STATE,
                         "%s: object 0x%016" PRIx64 " is not tracked by guard mode (guard mode "
                         "was off when it was created, or its record was reused)",
                         fn, object);
    }
    const pdsi_grec *g = &pdsi_grecs[r];
    char made[256], gone[256];
    pdsi_site_format(g->created.site, made, sizeof made);
    sb_printf(&b, "%s 0x%016" PRIx64 " created at %s on thread %" PRIu64, g->kind, g->id, made,
              g->created.thread);
    if (!g->live) {
        pdsi_site_format(g->destroyed.site, gone, sizeof gone);
        sb_printf(&b, ", destroyed by %s at %s on thread %" PRIu64, g->destroyed_by, gone,
                  g->destroyed.thread);
    }
    if (g->native) /* a binding's objects count no calls */
        sb_printf(&b, "; %" PRIu64 " calls", g->calls);
    pthread_mutex_unlock(&pdsi_guard_mu);
    return hand_over(&b, fn, buf, cap, needed, err);
}
