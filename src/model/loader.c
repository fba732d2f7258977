/*
 * loader.c — the front door of src/model/: reading files safely, resolving
 * the path forms a model can be given in (a program file plus a combined
 * parameter file or a parameter directory; a directory with __model__; a
 * directory with inference.pdmodel + inference.pdiparams), and loading from
 * caller buffers. Which format a buffer holds is decided by the legacy
 * loader from its bytes, never from a file extension.
 */
#include "model/loader.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* strerror is not thread-safe; the XSI strerror_r is (_POSIX_C_SOURCE >= 200112). */
static const char *errno_text(int e, char *buf, size_t cap)
{
    if (strerror_r(e, buf, cap) != 0)
        snprintf(buf, cap, "errno %d", e);
    return buf;
}

pds_status pdsi_read_file(const char *path, uint64_t max_bytes, uint8_t **data, size_t *len,
                          pds_error *err)
{
    char eb[128];
    *data = NULL;
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
    uint8_t *buf = NULL;
    struct stat sb;
    if (fstat(fd, &sb) != 0) {
        int e = errno;
        st = pdsi_fail(err, PDS_ERR_IO, "could not stat '%s': %s", path,
                       errno_text(e, eb, sizeof eb));
        goto done;
    }
    if (S_ISDIR(sb.st_mode)) {
        st = pdsi_fail(err, PDS_ERR_IO, "'%s' is a directory, expected a regular file", path);
        goto done;
    }
    if (!S_ISREG(sb.st_mode)) {
        st = pdsi_fail(err, PDS_ERR_IO,
                       "'%s' is not a regular file (a device, FIFO or socket), expected a "
                       "model or parameter file",
                       path);
        goto done;
    }
    /* Blocking reads from here on: O_NONBLOCK was only for the open. */
    int fl = fcntl(fd, F_GETFL);
    if (fl >= 0)
        (void)fcntl(fd, F_SETFL, fl & ~O_NONBLOCK);
    uint64_t size = sb.st_size > 0 ? (uint64_t)sb.st_size : 0;
    if (size > max_bytes || size > SIZE_MAX - 1) {
        st = pdsi_fail(err, PDS_ERR_LIMIT, "'%s' is %llu bytes, more than max_file_bytes (%llu)",
                       path, (unsigned long long)size, (unsigned long long)max_bytes);
        goto done;
    }
    buf = malloc(size ? (size_t)size : 1);
    if (!buf) {
        st = pdsi_fail(err, PDS_ERR_OUT_OF_MEMORY, "could not allocate %llu bytes to read '%s'",
                       (unsigned long long)size, path);
        goto done;
    }
    size_t got = 0;
    while (got < size) {
        size_t chunk = size - got > (1u << 30) ? (1u << 30) : (size_t)(size - got);
        ssize_t r = read(fd, buf + got, chunk);
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0) {
            int e = errno;
            st = pdsi_fail(err, PDS_ERR_IO, "could not read '%s': %s", path,
                           errno_text(e, eb, sizeof eb));
            goto done;
        }
        if (r == 0) {
            st = pdsi_fail(err, PDS_ERR_IO,
                           "'%s' became shorter while it was read (%zu of %llu bytes)", path,
                           got, (unsigned long long)size);
            goto done;
        }
        got += (size_t)r;
    }
    *data = buf;
    *len = (size_t)size;
    buf = NULL;
done:
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
    char *prog_path = NULL, *auto_params = NULL, *json = NULL;
    const char *param_dir = NULL;
    uint8_t *prog = NULL, *params = NULL;
    size_t prog_len = 0, params_len = 0;

    if (S_ISDIR(sb.st_mode)) {
        prog_path = join(model_path, "__model__");
        if (!prog_path)
            goto oom;
        if (exists(prog_path)) {
            param_dir = model_path; /* the old uncombined form */
        } else {
            free(prog_path);
            prog_path = join(model_path, "inference.pdmodel");
            auto_params = join(model_path, "inference.pdiparams");
            json = join(model_path, "inference.json");
            if (!prog_path || !auto_params || !json)
                goto oom;
            if (!exists(prog_path)) {
                if (exists(json))
                    st = pdsi_fail(err, PDS_ERR_MODEL_FORMAT,
                                   "%s is a Paddle 3 PIR JSON program; this build reads legacy "
                                   ".pdmodel programs only (export with FLAGS_enable_pir_api=0)",
                                   json);
                else
                    st = pdsi_fail(err, PDS_ERR_IO,
                                   "'%s' is a directory holding neither __model__ nor "
                                   "inference.pdmodel (expected a model file or a model "
                                   "directory)",
                                   model_path);
                goto done;
            }
            if (!exists(auto_params)) {
                free(auto_params);
                auto_params = NULL;
            }
        }
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
        st = pdsi_read_file(pfile, g->limits.max_file_bytes, &params, &params_len, err);
        if (st)
            goto done;
        src.combined = params;
        src.combined_len = params_len;
        src.combined_name = pfile;
    } else {
        src.dir = param_dir;
    }
    st = pdsi_load_legacy(prog, prog_len, prog_path, &src, g, err);
    goto done;
oom:
    st = pdsi_fail(err, PDS_ERR_OUT_OF_MEMORY, "out of memory");
done:
    free(prog);
    free(params);
    free(prog_path);
    free(auto_params);
    free(json);
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
    return pdsi_load_legacy(model, model_len, "<model buffer>", &src, g, err);
}
