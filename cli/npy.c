/*
 * npy.c — a strict reader and a writer for NumPy .npy files.
 *
 * The reader checks the header's length, dtype, order and shape against the
 * file size before it allocates anything, so a truncated or hostile .npy is an
 * error message, never a crash.
 */
#include "npy.h"

#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int fail(char *msg, size_t cap, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    if (msg && cap)
        vsnprintf(msg, cap, fmt, ap);
    va_end(ap);
    return -1;
}

/* The table is local so that this file needs nothing from the library. */
static const struct {
    const char *descr;
    pds_dtype dtype;
    size_t size;
} dtypes[] = {
    {"<f4", PDS_FLOAT32, 4}, {"<f8", PDS_FLOAT64, 8}, {"<i8", PDS_INT64, 8},
    {"<i4", PDS_INT32, 4},   {"<i2", PDS_INT16, 2},   {"|i1", PDS_INT8, 1},
    {"|u1", PDS_UINT8, 1},   {"|b1", PDS_BOOL, 1},    {"<f2", PDS_FLOAT16, 2},
};

static size_t size_of(pds_dtype d)
{
    for (size_t i = 0; i < sizeof dtypes / sizeof dtypes[0]; i++)
        if (dtypes[i].dtype == d)
            return dtypes[i].size;
    return 0;
}

static const char *descr_of(pds_dtype d)
{
    for (size_t i = 0; i < sizeof dtypes / sizeof dtypes[0]; i++)
        if (dtypes[i].dtype == d)
            return dtypes[i].descr;
    return NULL;
}

/* Finds 'key': in the header dict and returns a pointer just past the colon. */
static const char *find_key(const char *h, const char *key)
{
    char pat[32];
    snprintf(pat, sizeof pat, "'%s'", key);
    const char *p = strstr(h, pat);
    if (!p)
        return NULL;
    p += strlen(pat);
    while (*p == ' ')
        p++;
    if (*p != ':')
        return NULL;
    p++;
    while (*p == ' ')
        p++;
    return p;
}

int npy_read(const char *path, npy_array *out, char *msg, size_t cap)
{
    memset(out, 0, sizeof *out);
    FILE *f = fopen(path, "rb");
    if (!f)
        return fail(msg, cap, "could not open %s: %s", path, strerror(errno));
    int rc = -1;
    char *header = NULL;
    unsigned char pre[12];
    if (fseek(f, 0, SEEK_END) != 0) {
        fail(msg, cap, "could not seek %s", path);
        goto done;
    }
    long fsize = ftell(f);
    rewind(f);
    if (fsize < 10 || fread(pre, 1, 10, f) != 10 || memcmp(pre, "\x93NUMPY", 6) != 0) {
        fail(msg, cap, "%s: not an .npy file (bad magic at byte 0)", path);
        goto done;
    }
    int major = pre[6];
    size_t hlen;
    long hstart;
    if (major == 1) {
        hlen = (size_t)pre[8] | (size_t)pre[9] << 8;
        hstart = 10;
    } else if (major == 2 || major == 3) {
        if (fread(pre + 10, 1, 2, f) != 2) {
            fail(msg, cap, "%s: truncated header", path);
            goto done;
        }
        hlen = (size_t)pre[8] | (size_t)pre[9] << 8 | (size_t)pre[10] << 16 |
               (size_t)pre[11] << 24;
        hstart = 12;
    } else {
        fail(msg, cap, "%s: unsupported .npy version %d (expected 1, 2 or 3)", path, major);
        goto done;
    }
    if ((long)hlen > fsize - hstart || hlen > 1 << 20) {
        fail(msg, cap, "%s: header length %zu exceeds the file (%ld bytes)", path, hlen, fsize);
        goto done;
    }
    header = malloc(hlen + 1);
    if (!header || fread(header, 1, hlen, f) != hlen) {
        fail(msg, cap, "%s: could not read the %zu-byte header", path, hlen);
        goto done;
    }
    header[hlen] = '\0';
    const char *p = find_key(header, "descr");
    if (!p || *p != '\'') {
        fail(msg, cap, "%s: header has no 'descr'", path);
        goto done;
    }
    char descr[8] = {0};
    size_t i = 0;
    for (p++; *p && *p != '\'' && i < sizeof descr - 1; p++)
        descr[i++] = *p;
    if (strcmp(descr, "<u1") == 0)
        strcpy(descr, "|u1");
    if (strcmp(descr, "<i1") == 0)
        strcpy(descr, "|i1");
    if (strcmp(descr, "<b1") == 0)
        strcpy(descr, "|b1");
    out->dtype = PDS_DTYPE_UNKNOWN;
    for (i = 0; i < sizeof dtypes / sizeof dtypes[0]; i++)
        if (strcmp(descr, dtypes[i].descr) == 0)
            out->dtype = dtypes[i].dtype;
    if (out->dtype == PDS_DTYPE_UNKNOWN) {
        fail(msg, cap, "%s: dtype '%s' is not supported (expected float32, float64, int64, "
                       "int32, int16, int8, uint8 or bool, little-endian)",
             path, descr);
        goto done;
    }
    p = find_key(header, "fortran_order");
    if (!p || strncmp(p, "False", 5) != 0) {
        fail(msg, cap, "%s: only C-order arrays are supported (fortran_order must be False)",
             path);
        goto done;
    }
    p = find_key(header, "shape");
    if (!p || *p != '(') {
        fail(msg, cap, "%s: header has no 'shape' tuple", path);
        goto done;
    }
    p++;
    int64_t numel = 1;
    for (;;) {
        while (*p == ' ' || *p == ',')
            p++;
        if (*p == ')')
            break;
        if (!isdigit((unsigned char)*p)) {
            fail(msg, cap, "%s: bad shape in header", path);
            goto done;
        }
        if (out->rank == PDS_MAX_RANK) {
            fail(msg, cap, "%s: rank above %d is not supported", path, PDS_MAX_RANK);
            goto done;
        }
        char *end;
        errno = 0;
        long long d = strtoll(p, &end, 10);
        if (errno || d < 0 || (d && numel > INT64_MAX / d)) {
            fail(msg, cap, "%s: shape overflows", path);
            goto done;
        }
        out->dims[out->rank++] = d;
        numel *= d;
        p = end;
    }
    size_t es = size_of(out->dtype);
    if ((uint64_t)numel > (uint64_t)(fsize - hstart - (long)hlen) / es) {
        fail(msg, cap, "%s: data is %ld bytes, the shape needs %lld x %zu", path,
             fsize - hstart - (long)hlen, (long long)numel, es);
        goto done;
    }
    out->byte_length = (size_t)numel * es;
    out->data = malloc(out->byte_length ? out->byte_length : 1);
    if (!out->data || fread(out->data, 1, out->byte_length, f) != out->byte_length) {
        fail(msg, cap, "%s: could not read %zu data bytes", path, out->byte_length);
        goto done;
    }
    rc = 0;
done:
    free(header);
    fclose(f);
    if (rc)
        npy_free(out);
    return rc;
}

int npy_write(const char *path, pds_dtype dtype, int rank, const int64_t *dims,
              const void *data, char *msg, size_t cap)
{
    const char *descr = descr_of(dtype);
    if (!descr)
        return fail(msg, cap, "cannot write dtype %d to .npy", (int)dtype);
    char h[512];
    int n = snprintf(h, sizeof h, "{'descr': '%s', 'fortran_order': False, 'shape': (", descr);
    int64_t numel = 1;
    for (int i = 0; i < rank; i++) {
        n += snprintf(h + n, sizeof h - (size_t)n, "%lld,%s", (long long)dims[i],
                      i + 1 < rank ? " " : "");
        numel *= dims[i];
    }
    if (rank > 1) /* numpy writes (3,) for rank 1 and (2, 3) otherwise */
        n--;
    n += snprintf(h + n, sizeof h - (size_t)n, "), }");
    /* Pad with spaces so that the data starts on a 64-byte boundary. */
    int total = 10 + n + 1;
    int pad = (64 - total % 64) % 64;
    memset(h + n, ' ', (size_t)pad);
    n += pad;
    h[n++] = '\n';
    FILE *f = fopen(path, "wb");
    if (!f)
        return fail(msg, cap, "could not create %s: %s", path, strerror(errno));
    unsigned char pre[10] = {0x93, 'N', 'U', 'M', 'P', 'Y', 1, 0, (unsigned char)(n & 0xff),
                             (unsigned char)(n >> 8)};
    size_t bytes = (size_t)numel * size_of(dtype);
    int ok = fwrite(pre, 1, 10, f) == 10 && fwrite(h, 1, (size_t)n, f) == (size_t)n &&
             fwrite(data, 1, bytes, f) == bytes;
    if (fclose(f) != 0)
        ok = 0;
    if (!ok)
        return fail(msg, cap, "could not write %s: %s", path, strerror(errno));
    return 0;
}

void npy_free(npy_array *a)
{
    free(a->data);
    memset(a, 0, sizeof *a);
}
