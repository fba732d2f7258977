/*
 * npy.c — a strict reader and a writer for NumPy .npy files.
 *
 * The reader reads its file once from start to end and never seeks, so a pipe,
 * a FIFO or bash's <(...) is read like a file. It checks the header's length,
 * dtype, order and shape before it allocates for the data: against the file's
 * size for a regular file, and for a stream by growing the buffer only as the
 * bytes arrive. A truncated or hostile .npy is an error message, never a
 * crash.
 */
#include "npy.h"

#include <ctype.h>
#include <errno.h>
#include <stdbool.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

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

/* Reads exactly n bytes, or fewer at the end of the stream. */
static size_t read_full(FILE *f, void *buf, size_t n)
{
    return n ? fread(buf, 1, n, f) : 0;
}

/* Opens path for reading and says what it is: a regular file's size in
 * *size (-1 for a pipe, FIFO or other stream, whose size is known only at its
 * end). Directories are refused. */
static FILE *open_input(const char *path, long long *size, char *msg, size_t cap)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        fail(msg, cap, "could not open %s: %s", path, strerror(errno));
        return NULL;
    }
    struct stat st;
    if (fstat(fileno(f), &st) != 0) {
        fail(msg, cap, "could not stat %s: %s", path, strerror(errno));
        fclose(f);
        return NULL;
    }
    if (S_ISDIR(st.st_mode)) {
        fail(msg, cap, "%s is a directory, expected an .npy file", path);
        fclose(f);
        return NULL;
    }
    *size = S_ISREG(st.st_mode) ? (long long)st.st_size : -1;
    return f;
}

/* Reads the preamble (magic, version, header length) and the header text,
 * NUL-terminated into *header. Returns the bytes consumed, or -1. */
static long read_header(FILE *f, const char *path, char **header, char *msg, size_t cap)
{
    unsigned char pre[12];
    size_t got = read_full(f, pre, 10);
    if (got != 10 || memcmp(pre, "\x93NUMPY", 6) != 0) {
        if (ferror(f))
            return fail(msg, cap, "could not read %s: %s", path, strerror(errno));
        return fail(msg, cap, "%s: not an .npy file (bad magic at byte 0)", path);
    }
    int major = pre[6];
    size_t hlen;
    long hstart;
    if (major == 1) {
        hlen = (size_t)pre[8] | (size_t)pre[9] << 8;
        hstart = 10;
    } else if (major == 2 || major == 3) {
        if (read_full(f, pre + 10, 2) != 2)
            return fail(msg, cap, "%s: truncated header (the file ends in its 12-byte preamble)",
                        path);
        hlen = (size_t)pre[8] | (size_t)pre[9] << 8 | (size_t)pre[10] << 16 |
               (size_t)pre[11] << 24;
        hstart = 12;
    } else {
        return fail(msg, cap, "%s: unsupported .npy version %d (expected 1, 2 or 3)", path,
                    major);
    }
    if (hlen > 1 << 20)
        return fail(msg, cap, "%s: header length %zu exceeds 1 MiB", path, hlen);
    *header = malloc(hlen + 1);
    if (!*header)
        return fail(msg, cap, "%s: out of memory for the %zu-byte header", path, hlen);
    got = read_full(f, *header, hlen);
    if (got != hlen)
        return fail(msg, cap, "%s: header length %zu exceeds the file (%zu bytes after byte %ld)",
                    path, hlen, got, hstart);
    (*header)[hlen] = '\0';
    return hstart + (long)hlen;
}

/* Fills out->dtype, rank and dims from the header dict; numel gets the
 * element count. */
static int parse_header(const char *header, const char *path, npy_array *out, int64_t *numel,
                        char *msg, size_t cap)
{
    const char *p = find_key(header, "descr");
    if (!p || *p != '\'')
        return fail(msg, cap, "%s: header has no 'descr'", path);
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
    if (out->dtype == PDS_DTYPE_UNKNOWN)
        return fail(msg, cap, "%s: dtype '%s' is not supported (expected float32, float64, "
                              "int64, int32, int16, int8, uint8 or bool, little-endian)",
                    path, descr);
    p = find_key(header, "fortran_order");
    if (!p || strncmp(p, "False", 5) != 0)
        return fail(msg, cap,
                    "%s: only C-order arrays are supported (fortran_order must be False)", path);
    p = find_key(header, "shape");
    if (!p || *p != '(')
        return fail(msg, cap, "%s: header has no 'shape' tuple", path);
    p++;
    *numel = 1;
    for (;;) {
        while (*p == ' ' || *p == ',')
            p++;
        if (*p == ')')
            return 0;
        if (!isdigit((unsigned char)*p))
            return fail(msg, cap, "%s: bad shape in header", path);
        if (out->rank == PDS_MAX_RANK)
            return fail(msg, cap, "%s: rank above %d is not supported", path, PDS_MAX_RANK);
        char *end;
        errno = 0;
        long long d = strtoll(p, &end, 10);
        if (errno || d < 0 || (d && *numel > INT64_MAX / d))
            return fail(msg, cap, "%s: shape overflows", path);
        out->dims[out->rank++] = d;
        *numel *= d;
        p = end;
    }
}

/* Reads the n data bytes that follow the header. A stream of unknown size is
 * read in growing chunks, so a header that claims more than the stream holds
 * costs at most about twice what the stream really holds. */
static int read_data(FILE *f, const char *path, size_t n, long long avail, npy_array *out,
                     char *msg, size_t cap)
{
    size_t room = avail >= 0 || n < ((size_t)1 << 20) ? n : (size_t)1 << 20;
    unsigned char *buf = malloc(room ? room : 1);
    if (!buf)
        return fail(msg, cap, "%s: out of memory for %zu data bytes", path, n);
    size_t have = 0;
    while (have < n) {
        if (have == room) {
            size_t grown = room > n / 2 ? n : room * 2;
            unsigned char *b = realloc(buf, grown);
            if (!b) {
                free(buf);
                return fail(msg, cap, "%s: out of memory for %zu data bytes", path, n);
            }
            buf = b;
            room = grown;
        }
        size_t got = fread(buf + have, 1, room - have, f);
        have += got;
        if (got == 0)
            break;
    }
    if (have < n) {
        bool read_error = ferror(f) != 0;
        int e = errno;
        free(buf);
        if (read_error)
            return fail(msg, cap, "could not read %s: %s", path, strerror(e));
        return fail(msg, cap, "%s: data is %zu bytes, the shape needs %zu", path, have, n);
    }
    out->data = buf;
    out->byte_length = n;
    return 0;
}

int npy_read(const char *path, npy_array *out, char *msg, size_t cap)
{
    memset(out, 0, sizeof *out);
    long long size;
    FILE *f = open_input(path, &size, msg, cap);
    if (!f)
        return -1;
    char *header = NULL;
    int64_t numel = 0;
    long used = read_header(f, path, &header, msg, cap);
    int rc = used < 0 ? -1 : parse_header(header, path, out, &numel, msg, cap);
    size_t es = size_of(out->dtype);
    long long avail = size >= 0 ? size - used : -1; /* data bytes in a regular file */
    if (rc == 0 && (uint64_t)numel > SIZE_MAX / es)
        rc = fail(msg, cap, "%s: the shape needs more than %zu bytes", path, (size_t)SIZE_MAX);
    else if (rc == 0 && avail >= 0 && (uint64_t)numel > (uint64_t)avail / es)
        rc = fail(msg, cap, "%s: data is %lld bytes, the shape needs %lld x %zu", path, avail,
                  (long long)numel, es);
    if (rc == 0)
        rc = read_data(f, path, (size_t)numel * es, avail, out, msg, cap);
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
