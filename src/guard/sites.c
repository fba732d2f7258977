/*
 * sites.c — call sites for guard mode: capture, interning, symbolisation.
 *
 * A site is the C call stack at the moment an object was created, destroyed
 * or misused: up to SITE_FRAMES return addresses from backtrace(3). Capture
 * is cheap (no symbol lookup); identical stacks are interned once, in a table
 * of PDS_GUARD_MAX_SITES sites. Symbols are looked up only when a report or
 * an incident message needs them, and kept: with elfutils' libdw (Debian
 * libdw-dev) each frame becomes function (inlined ones by their own name),
 * file and line from the DWARF of its object; without it, or without debug
 * information, dladdr(3) gives the exported symbol and the object. The
 * library's own frames (and, when a binding asks, the binding's) are left
 * out, so the first frame is the caller's code.
 *
 * Everything here runs under the guard's lock (guard.c).
 */
#define _GNU_SOURCE
#include "guard/sites.h"

#include <dlfcn.h>
#include <execinfo.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/auxv.h>
#include <unistd.h>

#ifdef PDSAFE_HAVE_LIBDW
#include <dwarf.h>
#include <elfutils/libdwfl.h>
#endif

typedef struct site {
    uint64_t hash;
    uint8_t n;
    bool symbolised;
    void *pc[SITE_FRAMES];
    pdsi_frame *frames; /* after symbolisation: the caller's frames only */
    int n_frames;
} site;

static site *g_sites;      /* [PDS_GUARD_MAX_SITES + 1], 0 unused */
static uint32_t g_n_sites; /* used, including 0 */
static uint32_t *g_index;  /* open addressing: hash -> site number */
#define INDEX_SIZE (2 * PDS_GUARD_MAX_SITES)
static uint64_t g_dropped;

/* The base address of the object holding this library's code. */
static void *self_base(void)
{
    Dl_info di;
    if (dladdr((void *)self_base, &di) && di.dli_fbase)
        return di.dli_fbase;
    return NULL;
}

static void *object_base(void *pc)
{
    Dl_info di;
    if (dladdr(pc, &di))
        return di.dli_fbase;
    return NULL;
}

uint32_t pdsi_site_capture(bool skip_caller_object)
{
    void *pc[SITE_FRAMES + 8];
    int n = backtrace(pc, SITE_FRAMES + 8);
    int first = 1; /* this function */
    /* Frames in this library's object, when it is a shared library (in a
     * static link the object is the program: the source-path filter of
     * symbolisation leaves those frames out instead). */
    void *self = self_base();
    void *prog = object_base((void *)(uintptr_t)getauxval(AT_PHDR));
    if (self && self != prog)
        while (first < n && object_base(pc[first]) == self)
            first++;
    if (skip_caller_object && first < n) {
        void *caller = object_base(pc[first]);
        while (first < n && object_base(pc[first]) == caller)
            first++;
    }
    int k = n - first;
    if (k <= 0)
        return 0;
    if (k > SITE_FRAMES)
        k = SITE_FRAMES;
    uint64_t h = 1469598103934665603ull;
    for (int i = 0; i < k; i++) {
        h ^= (uint64_t)(uintptr_t)pc[first + i];
        h *= 1099511628211ull;
    }
    if (!g_sites) {
        g_sites = calloc(PDS_GUARD_MAX_SITES + 1, sizeof *g_sites);
        g_index = calloc(INDEX_SIZE, sizeof *g_index);
        if (!g_sites || !g_index) {
            free(g_sites);
            free(g_index);
            g_sites = NULL;
            g_index = NULL;
            g_dropped++;
            return 0;
        }
        g_n_sites = 1;
    }
    for (uint32_t j = (uint32_t)(h % INDEX_SIZE);; j = (j + 1) % INDEX_SIZE) {
        uint32_t s = g_index[j];
        if (s == 0)
            break;
        if (g_sites[s].hash == h && g_sites[s].n == k &&
            memcmp(g_sites[s].pc, pc + first, (size_t)k * sizeof(void *)) == 0)
            return s;
    }
    if (g_n_sites > PDS_GUARD_MAX_SITES) {
        g_dropped++;
        return 0;
    }
    uint32_t s = g_n_sites++;
    g_sites[s].hash = h;
    g_sites[s].n = (uint8_t)k;
    memcpy(g_sites[s].pc, pc + first, (size_t)k * sizeof(void *));
    uint32_t j = (uint32_t)(h % INDEX_SIZE);
    while (g_index[j])
        j = (j + 1) % INDEX_SIZE;
    g_index[j] = s;
    return s;
}

uint32_t pdsi_site_count(void)
{
    return g_n_sites ? g_n_sites - 1 : 0;
}

uint64_t pdsi_site_dropped(void)
{
    return g_dropped;
}

/* The repository's root as this file was compiled ("/x/pdsafe/"), or "" if
 * __FILE__ is not the full path: frames from its src/ and compat/src/ are
 * the library's own. */
static const char *source_root(size_t *len)
{
    static const char tail[] = "src/guard/sites.c";
    const char *f = __FILE__;
    size_t n = strlen(f), t = sizeof tail - 1;
    if (n >= t && strcmp(f + n - t, tail) == 0) {
        *len = n - t;
        return f;
    }
    *len = 0;
    return "";
}

static bool own_file(const char *file)
{
    size_t n;
    const char *root = source_root(&n);
    if (!file || n == 0 || strncmp(file, root, n) != 0)
        return false;
    return strncmp(file + n, "src/", 4) == 0 || strncmp(file + n, "compat/src/", 11) == 0;
}

static char *dup_or_null(const char *s)
{
    if (!s)
        return NULL;
    size_t n = strlen(s) + 1;
    char *d = malloc(n);
    if (d)
        memcpy(d, s, n);
    return d;
}

#ifdef PDSAFE_HAVE_LIBDW
static Dwfl *g_dwfl;
static char *g_debuginfo_path;
static const Dwfl_Callbacks g_callbacks = {
    .find_elf = dwfl_linux_proc_find_elf,
    .find_debuginfo = dwfl_standard_find_debuginfo,
    .debuginfo_path = &g_debuginfo_path,
};

/* The process's modules; reported again when an address is in none of them
 * (a library loaded since). */
static Dwfl *dwfl_session(bool refresh)
{
    if (!g_dwfl) {
        g_dwfl = dwfl_begin(&g_callbacks);
        if (!g_dwfl)
            return NULL;
        refresh = true;
    }
    if (refresh) {
        dwfl_report_begin(g_dwfl);
        (void)dwfl_linux_proc_report(g_dwfl, getpid());
        (void)dwfl_report_end(g_dwfl, NULL, NULL);
    }
    return g_dwfl;
}

static bool symbolise_dw(uintptr_t pc, pdsi_frame *f)
{
    Dwfl *d = dwfl_session(false);
    Dwfl_Module *mod = d ? dwfl_addrmodule(d, pc) : NULL;
    if (d && !mod)
        mod = dwfl_addrmodule(dwfl_session(true), pc);
    if (!mod)
        return false;
    const char *name = dwfl_module_addrname(mod, pc);
    Dwarf_Addr bias = 0;
    Dwarf_Die *cu = dwfl_module_addrdie(mod, pc, &bias);
    if (cu) {
        Dwarf_Die *scopes = NULL;
        int n = dwarf_getscopes(cu, pc - bias, &scopes);
        for (int i = 0; i < n; i++) {
            int tag = dwarf_tag(&scopes[i]);
            if (tag == DW_TAG_subprogram || tag == DW_TAG_inlined_subroutine) {
                Dwarf_Attribute a;
                const char *nm = dwarf_formstring(dwarf_attr_integrate(&scopes[i], DW_AT_name, &a));
                if (nm)
                    name = nm;
                break;
            }
        }
        free(scopes);
    }
    Dwfl_Line *ln = dwfl_module_getsrc(mod, pc);
    if (ln) {
        int line = 0;
        const char *file = dwfl_lineinfo(ln, NULL, &line, NULL, NULL, NULL);
        f->file = dup_or_null(file);
        f->line = line;
    }
    f->function = dup_or_null(name);
    return true;
}
#endif

static void symbolise_pc(void *pc, pdsi_frame *f)
{
    /* A return address: the call is the byte before it. */
    uintptr_t a = (uintptr_t)pc - 1;
    memset(f, 0, sizeof *f);
    f->pc = (uint64_t)(uintptr_t)pc;
    Dl_info di;
    if (dladdr((void *)a, &di)) {
        f->object = dup_or_null(di.dli_fname);
        if (di.dli_fbase)
            f->offset = (uint64_t)(a - (uintptr_t)di.dli_fbase);
    }
#ifdef PDSAFE_HAVE_LIBDW
    if (symbolise_dw(a, f) && f->function)
        return;
#endif
    if (!f->function && di.dli_sname)
        f->function = dup_or_null(di.dli_sname);
}

static void symbolise(site *s)
{
    if (s->symbolised)
        return;
    s->symbolised = true;
    s->frames = calloc(s->n, sizeof *s->frames);
    if (!s->frames)
        return;
    bool leading = true;
    for (int i = 0; i < s->n; i++) {
        pdsi_frame f;
        symbolise_pc(s->pc[i], &f);
        if (leading && own_file(f.file)) {
            free(f.function);
            free(f.file);
            free(f.object);
            continue;
        }
        leading = false;
        s->frames[s->n_frames++] = f;
    }
}

const pdsi_frame *pdsi_site_frames(uint32_t id, int *n)
{
    *n = 0;
    if (id == 0 || !g_sites || id >= g_n_sites)
        return NULL;
    site *s = &g_sites[id];
    symbolise(s);
    *n = s->n_frames;
    return s->frames;
}

int pdsi_site_format(uint32_t id, char *buf, size_t cap)
{
    int n;
    const pdsi_frame *f = pdsi_site_frames(id, &n);
    if (cap)
        buf[0] = '\0';
    if (!f || n == 0)
        return snprintf(buf, cap, "%s", id ? "an unknown site" : "no recorded site");
    const char *file = f[0].file;
    if (file) {
        const char *slash = strrchr(file, '/');
        file = slash ? slash + 1 : file;
        return snprintf(buf, cap, "%s (%s:%d)", f[0].function ? f[0].function : "??", file,
                        f[0].line);
    }
    return snprintf(buf, cap, "%s (%s+0x%llx)", f[0].function ? f[0].function : "??",
                    f[0].object ? f[0].object : "?", (unsigned long long)f[0].offset);
}
