/*
 * loader_testlib.c — the model loader tests' shared helpers (see
 * loader_testlib.h): file writing, exact-size loads, and the cut and flip
 * sweeps that report through the harness's checks.
 */
#include "loader_testlib.h"

#include <dirent.h>
#include <sys/stat.h>
#include <unistd.h>

#include "harness.h"

void pdst_put(pdst_bytes *b, const void *d, size_t n)
{
    if (b->n + n > b->cap) {
        b->cap = (b->n + n) * 2 + 64;
        b->p = realloc(b->p, b->cap);
        if (!b->p)
            abort();
    }
    if (n)
        memcpy(b->p + b->n, d, n);
    b->n += n;
}

void pdst_put_u32(pdst_bytes *b, uint32_t v)
{
    uint8_t x[4] = {(uint8_t)v, (uint8_t)(v >> 8), (uint8_t)(v >> 16), (uint8_t)(v >> 24)};
    pdst_put(b, x, 4);
}

void pdst_put_u64(pdst_bytes *b, uint64_t v)
{
    pdst_put_u32(b, (uint32_t)v);
    pdst_put_u32(b, (uint32_t)(v >> 32));
}

void pdst_make_tmpdir(char *dir, size_t cap, const char *tag)
{
    snprintf(dir, cap, "/tmp/pdsafe_test_%s_XXXXXX", tag);
    if (!mkdtemp(dir)) {
        fprintf(stderr, "could not make a temporary directory from %s\n", dir);
        abort();
    }
}

void pdst_write_file(const char *dir, const char *name, const void *data, size_t n)
{
    char path[512];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *f = fopen(path, "wb");
    if (!f) {
        PDST_FAIL("cannot write %s", path);
        return;
    }
    if (n)
        fwrite(data, 1, n, f);
    fclose(f);
}

void pdst_rm_rf(const char *dir)
{
    DIR *d = opendir(dir);
    if (!d)
        return;
    struct dirent *e;
    while ((e = readdir(d))) {
        if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
            continue;
        char path[1024];
        snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
        struct stat sb;
        if (lstat(path, &sb) == 0 && S_ISDIR(sb.st_mode))
            pdst_rm_rf(path);
        else
            unlink(path);
    }
    closedir(d);
    rmdir(dir);
}

bool pdst_read_whole(const char *path, uint8_t **data, size_t *len)
{
    *data = NULL;
    *len = 0;
    FILE *f = fopen(path, "rb");
    if (!f)
        return false;
    long n = -1;
    if (fseek(f, 0, SEEK_END) == 0)
        n = ftell(f);
    rewind(f);
    uint8_t *p = n >= 0 ? malloc(n > 0 ? (size_t)n : 1) : NULL;
    bool ok = p && fread(p, 1, (size_t)n, f) == (size_t)n;
    fclose(f);
    if (!ok) {
        free(p);
        return false;
    }
    *data = p;
    *len = (size_t)n;
    return true;
}

bool pdst_load_documented(pds_status st)
{
    return st == PDS_OK || st == PDS_ERR_MODEL_FORMAT || st == PDS_ERR_UNSUPPORTED_OP ||
           st == PDS_ERR_LIMIT || st == PDS_ERR_SHAPE;
}

void pdst_check_load(pds_status st, const pds_error *err, pds_status want, const char *s1,
                     const char *s2)
{
    CHECK_STATUS(st, want, err);
    if (s1)
        CHECK_MSG(*err, s1);
    if (s2)
        CHECK_MSG(*err, s2);
}

/* An exact-size copy (one byte when empty, so that it is never NULL). */
static uint8_t *copy_of(const uint8_t *p, size_t n)
{
    uint8_t *c = malloc(n ? n : 1);
    if (!c)
        abort();
    if (n)
        memcpy(c, p, n);
    return c;
}

/* Loads m and q as they are, into a graph with the default limits. */
static pds_status load_into_fresh_graph(pdst_loader load, const uint8_t *m, size_t mlen,
                                        const uint8_t *q, size_t plen, pds_error *err)
{
    pdsi_graph g;
    pdsi_graph_init(&g, NULL);
    memset(err, 0, sizeof *err);
    pds_status st = load(m, mlen, q, plen, &g, err);
    pdsi_graph_free(&g);
    return st;
}

pds_status pdst_load_copy(pdst_loader load, const uint8_t *model, size_t mlen,
                          const uint8_t *params, size_t plen, pds_error *err)
{
    uint8_t *m = copy_of(model, mlen), *q = copy_of(params, plen);
    pds_status st =
        load_into_fresh_graph(load, model ? m : NULL, mlen, params ? q : NULL, plen, err);
    free(m);
    free(q);
    return st;
}

static int cut_each(const char *what, pdst_loader load, const uint8_t *model, size_t mlen,
                    const uint8_t *params, size_t plen, bool cut_params, size_t stride,
                    pdst_cut_ok ok, const void *ctx)
{
    size_t whole = cut_params ? plen : mlen;
    int bad = 0;
    for (size_t k = 0; k < whole && bad < 5; k += stride) {
        pds_error err;
        pds_status st = pdst_load_copy(load, model, cut_params ? mlen : k, params,
                                       cut_params ? k : plen, &err);
        if (!ok(k, st, &err, ctx)) {
            PDST_FAIL("%s cut at %zu of %zu: %s: %s", what, k, whole, pds_status_name(st),
                      err.message);
            bad++;
        }
    }
    return bad;
}

int pdst_cut_model(const char *what, pdst_loader load, const uint8_t *model, size_t mlen,
                   const uint8_t *params, size_t plen, size_t stride, pdst_cut_ok ok,
                   const void *ctx)
{
    return cut_each(what, load, model, mlen, params, plen, false, stride, ok, ctx);
}

int pdst_cut_params(const char *what, pdst_loader load, const uint8_t *model, size_t mlen,
                    const uint8_t *params, size_t plen, size_t stride, pdst_cut_ok ok,
                    const void *ctx)
{
    return cut_each(what, load, model, mlen, params, plen, true, stride, ok, ctx);
}

uint64_t pdst_rng(uint64_t *state)
{
    uint64_t x = *state;
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    return *state = x;
}

int pdst_flip_each(const char *what, pdst_loader load, const uint8_t *model, size_t mlen,
                   const uint8_t *params, size_t plen, int iterations, pdst_mutate mutate,
                   void *ctx)
{
    uint8_t *m = copy_of(model, mlen), *q = copy_of(params, plen);
    int bad = 0, loaded = 0;
    for (int it = 0; it < iterations && bad < 5; it++) {
        if (mlen)
            memcpy(m, model, mlen);
        if (plen)
            memcpy(q, params, plen);
        mutate(m, mlen, params ? q : NULL, plen, it, ctx);
        pds_error err;
        pds_status st = load_into_fresh_graph(load, m, mlen, params ? q : NULL, plen, &err);
        if (!pdst_load_documented(st) || (st && !err.message[0])) {
            PDST_FAIL("%s flip %d: %s: %s", what, it, pds_status_name(st), err.message);
            bad++;
        }
        loaded += st == PDS_OK;
    }
    free(m);
    free(q);
    return loaded;
}
