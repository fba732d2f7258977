/*
 * loader.c — the front door of src/model/: reading files safely, resolving
 * the path forms a model can be given in (a program file plus a combined
 * parameter file or a parameter directory; a directory with __model__,
 * inference.pdmodel, inference.json or __model__.json), loading from caller
 * buffers, and handing each program to the loader of its format. The format
 * is decided from the bytes (a JSON object is a PIR program, anything else a
 * legacy ProgramDesc); a file name ending in .json only decides how a file
 * that is neither is reported.
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

/* Hands a program buffer to the loader its bytes call for (pir.h sniffing);
 * name_hint is the file name when there is one. */
static pds_status load_program(const uint8_t *prog, size_t len, const char *name,
                               const char *name_hint, const pdsi_param_source *src,
                               pdsi_graph *g, pds_error *err)
{
    if (pdsi_program_sniff(prog, len, name_hint) == PDSI_PROGRAM_PIR_JSON)
        return pdsi_load_pir(prog, len, name, src, g, err);
    return pdsi_load_legacy(prog, len, name, src, g, err);
}

/* The program files a model directory may hold, in the order they are
 * tried: the old uncombined __model__ (one file per parameter beside it), a
 * legacy inference.pdmodel, a PIR inference.json (both with
 * inference.pdiparams), a PIR __model__.json (one file per parameter). */
static pds_status resolve_dir(const char *dir, char **prog_path, char **auto_params,
                              const char **param_dir, pds_error *err)
{
    static const struct {
        const char *prog, *params; /* params NULL: one file per parameter in dir */
    } forms[] = {
        {"__model__", NULL},
        {"inference.pdmodel", "inference.pdiparams"},
        {"inference.json", "inference.pdiparams"},
        {"__model__.json", NULL},
    };
    for (size_t i = 0; i < sizeof forms / sizeof forms[0]; i++) {
        char *p = join(dir, forms[i].prog);
        if (!p)
            return pdsi_fail(err, PDS_ERR_OUT_OF_MEMORY, "out of memory");
        if (!exists(p)) {
            free(p);
            continue;
        }
        *prog_path = p;
        if (!forms[i].params) {
            *param_dir = dir;
            return PDS_OK;
        }
        /* A PIR export whose parameters differ from the legacy file of the
         * same directory keeps them as inference.json.pdiparams. */
        const char *names[2] = {NULL, forms[i].params};
        if (strcmp(forms[i].prog, "inference.json") == 0)
            names[0] = "inference.json.pdiparams";
        for (int k = 0; k < 2 && !*auto_params; k++) {
            if (!names[k])
                continue;
            char *q = join(dir, names[k]);
            if (!q)
                return pdsi_fail(err, PDS_ERR_OUT_OF_MEMORY, "out of memory");
            if (exists(q))
                *auto_params = q;
            else
                free(q);
        }
        return PDS_OK;
    }
    return pdsi_fail(err, PDS_ERR_IO,
                     "'%s' is a directory holding none of __model__, inference.pdmodel, "
                     "inference.json or __model__.json (expected a model file or a model "
                     "directory)",
                     dir);
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

    pds_status st = PDS_OK;
    char *prog_path = NULL, *auto_params = NULL;
    const char *param_dir = NULL;
    uint8_t *prog = NULL;
    size_t prog_len = 0;
    int params_fd = -1;

    if (S_ISDIR(sb.st_mode)) {
        st = resolve_dir(model_path, &prog_path, &auto_params, &param_dir, err);
        if (st)
            goto done;
    } else {
        prog_path = strdup(model_path);
        if (!prog_path)
            goto oom;
    }

    st = pdsi_read_file(prog_path, g->limits.max_file_bytes, &prog, &prog_len, err);
    if (st)
        goto done;

    pdsi_param_source src = {0};
    const char *pfile = params_path ? params_path : auto_params;
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
        src.dir = param_dir;
    }
    st = load_program(prog, prog_len, prog_path, prog_path, &src, g, err);
    goto done;
oom:
    st = pdsi_fail(err, PDS_ERR_OUT_OF_MEMORY, "out of memory");
done:
    free(prog);
    if (params_fd >= 0)
        close(params_fd);
    free(prog_path);
    free(auto_params);
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
