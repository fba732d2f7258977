/*
 * loader.c — the front door of src/model/: reading files safely, resolving
 * the path forms a model can be given in (a program file, with a combined
 * parameter file, a parameter directory or nothing, in which case the
 * parameters are found by one rule, find_params; or a model directory holding
 * exactly one of __model__, inference.pdmodel, inference.json or
 * __model__.json), loading from caller buffers, and handing each program to
 * the loader of its format (the LOADERS table). The format is decided from
 * the bytes (a JSON object is a PIR program, anything else a legacy
 * ProgramDesc); a file name ending in .json only decides how a file that is
 * neither is reported.
 */
#include "model/loader.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "model/pir.h"

/* strerror is not thread-safe; the XSI strerror_r is (_POSIX_C_SOURCE >= 200112). */
static const char *errno_text(int e, char *buf, size_t cap)
{
    if (strerror_r(e, buf, cap) != 0)
        snprintf(buf, cap, "errno %d", e);
    return buf;
}

pds_status pdsi_open_file(const char *path, uint64_t max_bytes, int *fd_out, size_t *len,
                          pds_error *err)
{
    char eb[128];
    *fd_out = -1;
    *len = 0;
    if (!path || !path[0])
        return pdsi_fail(err, PDS_ERR_INVALID_ARGUMENT, "no file path given");
    /* O_NONBLOCK so that opening a FIFO cannot hang; regular files ignore it. */
    int fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
    if (fd < 0) {
        int e = errno;
        return pdsi_fail(err, PDS_ERR_IO, "could not open '%s': %s", path,
                         errno_text(e, eb, sizeof eb));
    }
    pds_status st = PDS_OK;
    struct stat sb;
    if (fstat(fd, &sb) != 0) {
        int e = errno;
        st = pdsi_fail(err, PDS_ERR_IO, "could not stat '%s': %s", path,
                       errno_text(e, eb, sizeof eb));
    } else if (S_ISDIR(sb.st_mode)) {
        st = pdsi_fail(err, PDS_ERR_IO, "'%s' is a directory, expected a regular file", path);
    } else if (!S_ISREG(sb.st_mode)) {
        st = pdsi_fail(err, PDS_ERR_IO,
                       "'%s' is not a regular file (a device, FIFO or socket), expected a "
                       "model or parameter file",
                       path);
    } else {
        uint64_t size = sb.st_size > 0 ? (uint64_t)sb.st_size : 0;
        if (size > max_bytes || size > SIZE_MAX - 1)
            st = pdsi_fail(err, PDS_ERR_LIMIT,
                           "'%s' is %llu bytes, more than max_file_bytes (%llu)", path,
                           (unsigned long long)size, (unsigned long long)max_bytes);
        else
            *len = (size_t)size;
    }
    if (st) {
        close(fd);
        return st;
    }
    /* Blocking reads from here on: O_NONBLOCK was only for the open. */
    int fl = fcntl(fd, F_GETFL);
    if (fl >= 0)
        (void)fcntl(fd, F_SETFL, fl & ~O_NONBLOCK);
    *fd_out = fd;
    return PDS_OK;
}

pds_status pdsi_read_at(int fd, const char *path, size_t offset, void *dst, size_t n,
                        pds_error *err)
{
    char eb[128];
    uint8_t *p = dst;
    size_t got = 0;
    while (got < n) {
        size_t chunk = n - got > (1u << 30) ? (1u << 30) : n - got;
        ssize_t r = pread(fd, p + got, chunk, (off_t)(offset + got));
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0) {
            int e = errno;
            return pdsi_fail(err, PDS_ERR_IO, "could not read '%s' at byte offset %zu: %s", path,
                             offset + got, errno_text(e, eb, sizeof eb));
        }
        if (r == 0)
            return pdsi_fail(err, PDS_ERR_IO,
                             "'%s' became shorter while it was read (it ended at byte offset %zu, "
                             "expected at least %zu bytes)",
                             path, offset + got, offset + n);
        got += (size_t)r;
    }
    return PDS_OK;
}

pds_status pdsi_read_file(const char *path, uint64_t max_bytes, uint8_t **data, size_t *len,
                          pds_error *err)
{
    *data = NULL;
    *len = 0;
    int fd;
    size_t size;
    pds_status st = pdsi_open_file(path, max_bytes, &fd, &size, err);
    if (st)
        return st;
    uint8_t *buf = malloc(size ? size : 1);
    if (!buf) {
        st = pdsi_fail(err, PDS_ERR_OUT_OF_MEMORY, "could not allocate %zu bytes to read '%s'",
                       size, path);
    } else if (!(st = pdsi_read_at(fd, path, 0, buf, size, err))) {
        *data = buf;
        *len = size;
        buf = NULL;
    }
    free(buf);
    close(fd);
    return st;
}

static char *join(const char *dir, const char *name)
{
    size_t n = strlen(dir) + 1 + strlen(name) + 1;
    char *p = malloc(n);
    if (p)
        snprintf(p, n, "%s/%s", dir, name);
    return p;
}

static bool exists(const char *path)
{
    struct stat sb;
    return stat(path, &sb) == 0;
}

static bool ends_with(const char *s, const char *suffix)
{
    size_t n = strlen(s), m = strlen(suffix);
    return n >= m && strcmp(s + n - m, suffix) == 0;
}

/* ------------------------------------------------------------------------ */
/* The program loaders                                                       */
/* ------------------------------------------------------------------------ */

/* One program format: sniff tells from the bytes (name_hint, the file name
 * or NULL, only breaks ties) whether the format is this one; load reads it.
 * Rows are tried in order and the first that claims the bytes loads them;
 * the last row takes whatever no earlier row claimed. A new format is one
 * row here (before the last) and one file. */
typedef struct loader_row {
    pds_model_format format;
    const char *name;
    bool (*sniff)(const uint8_t *prog, size_t len, const char *name_hint);
    pds_status (*load)(const uint8_t *prog, size_t len, const char *prog_name,
                       const pdsi_param_source *src, pdsi_graph *g, pds_error *err);
} loader_row;

static bool sniff_pir(const uint8_t *prog, size_t len, const char *name_hint)
{
    return pdsi_program_sniff(prog, len, name_hint) == PDSI_PROGRAM_PIR_JSON;
}

/* The legacy ProgramDesc has no magic: it is whatever no other format claims,
 * and its loader reports what is wrong with bytes that are not a program. */
static bool sniff_legacy(const uint8_t *prog, size_t len, const char *name_hint)
{
    (void)prog;
    (void)len;
    (void)name_hint;
    return true;
}

static const loader_row LOADERS[] = {
    {PDS_FORMAT_PIR_JSON, "Paddle 3 PIR JSON program", sniff_pir, pdsi_load_pir},
    {PDS_FORMAT_LEGACY, "legacy ProgramDesc", sniff_legacy, pdsi_load_legacy},
};

/* Hands a program buffer to the first loader whose sniff claims it; name_hint
 * is the file name when there is one. */
static pds_status load_program(const uint8_t *prog, size_t len, const char *name,
                               const char *name_hint, const pdsi_param_source *src,
                               pdsi_graph *g, pds_error *err)
{
    for (size_t i = 0; i < sizeof LOADERS / sizeof LOADERS[0]; i++)
        if (LOADERS[i].sniff(prog, len, name_hint))
            return LOADERS[i].load(prog, len, name, src, g, err);
    return pdsi_fail(err, PDS_ERR_MODEL_FORMAT, "%s is none of the program formats pdsafe "
                     "reads (the last, %s, takes any bytes)", name,
                     LOADERS[sizeof LOADERS / sizeof LOADERS[0] - 1].name);
}

/* ------------------------------------------------------------------------ */
/* Where the parameters are                                                  */
/* ------------------------------------------------------------------------ */

/* The parameters of a program file given without a parameter path. One rule
 * for a program file and for the program found in a model directory:
 *   <dir>/__model__, <dir>/__model__.json   one file per parameter in <dir>
 *   X.pdmodel                               X.pdiparams
 *   X.json                                  X.json.pdiparams, else X.pdiparams
 * (A PIR export whose parameters differ from the legacy file of the same
 * directory keeps them as X.json.pdiparams.) The first file that exists is
 * the combined parameter file (*combined). If none does, *looked_for lists
 * the paths tried, for the message of a program that turns out to need
 * parameters; a program without parameters then loads as it is. */
typedef struct found_params {
    char *combined;   /* malloc'ed, or NULL */
    char *dir;        /* malloc'ed, or NULL: one file per parameter */
    char *looked_for; /* malloc'ed, or NULL */
} found_params;

static void found_params_free(found_params *f)
{
    free(f->combined);
    free(f->dir);
    free(f->looked_for);
    memset(f, 0, sizeof *f);
}

static pds_status find_params(const char *prog_path, found_params *f, pds_error *err)
{
    memset(f, 0, sizeof *f);
    const char *slash = strrchr(prog_path, '/');
    const char *base = slash ? slash + 1 : prog_path;
    if (strcmp(base, "__model__") == 0 || strcmp(base, "__model__.json") == 0) {
        /* the directory part: "." without one, "/" for a file at the root */
        const char *d = !slash ? "." : slash == prog_path ? "/" : prog_path;
        size_t n = !slash || slash == prog_path ? 1 : (size_t)(slash - prog_path);
        if (!(f->dir = malloc(n + 1)))
            return pdsi_fail(err, PDS_ERR_OUT_OF_MEMORY, "out of memory");
        snprintf(f->dir, n + 1, "%.*s", (int)n, d);
        return PDS_OK;
    }
    size_t n = strlen(prog_path);
    char *cand[2] = {NULL, NULL};
    bool oom = false;
    if (ends_with(base, ".pdmodel") && strlen(base) > strlen(".pdmodel")) {
        size_t stem = n - strlen(".pdmodel");
        oom = !(cand[0] = malloc(stem + sizeof ".pdiparams"));
        if (!oom)
            snprintf(cand[0], stem + sizeof ".pdiparams", "%.*s.pdiparams", (int)stem, prog_path);
    } else if (ends_with(base, ".json") && strlen(base) > strlen(".json")) {
        size_t stem = n - strlen(".json");
        oom = !(cand[0] = malloc(n + sizeof ".pdiparams")) ||
              !(cand[1] = malloc(stem + sizeof ".pdiparams"));
        if (!oom) {
            snprintf(cand[0], n + sizeof ".pdiparams", "%s.pdiparams", prog_path);
            snprintf(cand[1], stem + sizeof ".pdiparams", "%.*s.pdiparams", (int)stem,
                     prog_path);
        }
    }
    for (int k = 0; k < 2 && !oom && cand[k] && !f->combined; k++)
        if (exists(cand[k])) {
            f->combined = cand[k];
            cand[k] = NULL;
        }
    if (!oom && !f->combined && cand[0]) {
        size_t len = strlen(cand[0]) + (cand[1] ? strlen(cand[1]) : 0) + 16;
        if ((f->looked_for = malloc(len)))
            snprintf(f->looked_for, len, cand[1] ? "'%s' and '%s'" : "'%s'%s", cand[0],
                     cand[1] ? cand[1] : "");
        oom = !f->looked_for;
    }
    free(cand[0]);
    free(cand[1]);
    if (oom) {
        found_params_free(f);
        return pdsi_fail(err, PDS_ERR_OUT_OF_MEMORY, "out of memory");
    }
    return PDS_OK;
}

/* The program file of a model directory: exactly one of __model__ (one file
 * per parameter beside it), inference.pdmodel, inference.json or
 * __model__.json. A directory holding two of them (typically a Paddle 3
 * export in both forms) is ambiguous: the caller passes the file it means. */
static pds_status resolve_dir(const char *dir, char **prog_path, pds_error *err)
{
    static const char *const forms[] = {"__model__", "inference.pdmodel", "inference.json",
                                        "__model__.json"};
    const size_t n_forms = sizeof forms / sizeof forms[0];
    char *found[sizeof forms / sizeof forms[0]] = {NULL};
    size_t n_found = 0;
    pds_status st = PDS_OK;
    for (size_t i = 0; i < n_forms && !st; i++) {
        char *p = join(dir, forms[i]);
        if (!p)
            st = pdsi_fail(err, PDS_ERR_OUT_OF_MEMORY, "out of memory");
        else if (exists(p))
            found[n_found++] = p;
        else
            free(p);
    }
    if (!st && n_found == 0)
        st = pdsi_fail(err, PDS_ERR_IO,
                       "'%s' is a directory holding none of __model__, inference.pdmodel, "
                       "inference.json or __model__.json (expected a model file or a model "
                       "directory)",
                       dir);
    if (!st && n_found > 1) {
        char names[512] = "";
        for (size_t i = 0; i < n_found; i++)
            snprintf(names + strlen(names), sizeof names - strlen(names), "%s'%s'",
                     i == 0 ? "" : i + 1 == n_found ? " and " : ", ", found[i]);
        st = pdsi_fail(err, PDS_ERR_INVALID_ARGUMENT,
                       "'%s' holds %zu model programs, %s; pdsafe does not choose between "
                       "them: pass the program file you mean as the model path",
                       dir, n_found, names);
    }
    if (!st) {
        *prog_path = found[0];
        found[0] = NULL;
    }
    for (size_t i = 0; i < n_found; i++)
        free(found[i]);
    return st;
}

pds_status pdsi_load_files(const char *model_path, const char *params_path, pdsi_graph *g,
                           pds_error *err)
{
    char eb[128];
    if (!model_path || !model_path[0])
        return pdsi_fail(err, PDS_ERR_INVALID_ARGUMENT, "model_path is NULL or empty");
    if (params_path && !params_path[0])
        return pdsi_fail(err, PDS_ERR_INVALID_ARGUMENT,
                         "params_path is empty (pass NULL for no parameter file)");
    struct stat sb;
    if (stat(model_path, &sb) != 0) {
        int e = errno;
        return pdsi_fail(err, PDS_ERR_IO, "could not open '%s': %s", model_path,
                         errno_text(e, eb, sizeof eb));
    }
    if (!S_ISDIR(sb.st_mode) && !S_ISREG(sb.st_mode))
        return pdsi_fail(err, PDS_ERR_IO,
                         "'%s' is neither a regular file nor a directory (a device, FIFO or "
                         "socket), expected a model file or a model directory",
                         model_path);

    pds_status st = PDS_OK;
    char *prog_path = NULL;
    found_params found = {0};
    uint8_t *prog = NULL;
    size_t prog_len = 0;
    int params_fd = -1;

    if (S_ISDIR(sb.st_mode)) {
        st = resolve_dir(model_path, &prog_path, err);
        if (st)
            goto done;
    } else if (!(prog_path = strdup(model_path))) {
        st = pdsi_fail(err, PDS_ERR_OUT_OF_MEMORY, "out of memory");
        goto done;
    }
    if (!params_path && (st = find_params(prog_path, &found, err)))
        goto done;

    st = pdsi_read_file(prog_path, g->limits.max_file_bytes, &prog, &prog_len, err);
    if (st)
        goto done;

    pdsi_param_source src = {0};
    const char *pfile = params_path ? params_path : found.combined;
    if (params_path && stat(params_path, &sb) == 0 && S_ISDIR(sb.st_mode)) {
        src.dir = params_path;
    } else if (pfile) {
        st = pdsi_open_file(pfile, g->limits.max_file_bytes, &params_fd, &src.combined_len, err);
        if (st)
            goto done;
        src.combined_file = true;
        src.combined_fd = params_fd;
        src.combined_name = pfile;
    } else {
        src.dir = found.dir;
        src.looked_for = found.looked_for;
    }
    st = load_program(prog, prog_len, prog_path, prog_path, &src, g, err);
done:
    free(prog);
    if (params_fd >= 0)
        close(params_fd);
    free(prog_path);
    found_params_free(&found);
    return st;
}

pds_status pdsi_load_buffers(const uint8_t *model, size_t model_len, const uint8_t *params,
                             size_t params_len, pdsi_graph *g, pds_error *err)
{
    if (!g)
        return pdsi_fail(err, PDS_ERR_INVALID_ARGUMENT, "no graph");
    if (!model && model_len)
        return pdsi_fail(err, PDS_ERR_INVALID_ARGUMENT, "model is NULL but model_length is %zu",
                         model_len);
    if (!params && params_len)
        return pdsi_fail(err, PDS_ERR_INVALID_ARGUMENT,
                         "params is NULL but params_length is %zu", params_len);
    if (model_len > g->limits.max_file_bytes)
        return pdsi_fail(err, PDS_ERR_LIMIT,
                         "<model buffer> is %zu bytes, more than max_file_bytes (%llu)",
                         model_len, (unsigned long long)g->limits.max_file_bytes);
    if (params_len > g->limits.max_file_bytes)
        return pdsi_fail(err, PDS_ERR_LIMIT,
                         "<params buffer> is %zu bytes, more than max_file_bytes (%llu)",
                         params_len, (unsigned long long)g->limits.max_file_bytes);
    pdsi_param_source src = {
        .combined = params,
        .combined_len = params_len,
        .combined_name = "<params buffer>",
    };
    return load_program(model, model_len, "<model buffer>", NULL, &src, g, err);
}
