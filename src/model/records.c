/*
 * records.c — parameter records (.pdiparams), shared by the legacy and the
 * PIR loader (see records.h). A record is parsed by hand: every length is
 * checked against the bytes that remain before it is used, and no buffer is
 * allocated before its size has been checked against the limits and the file
 * (DESIGN M19). Layout: docs/FORMATS.md §2.2.
 */
#include "model/records.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/executor.h"
#include "model/legacy.h"
#include "model/wire.h"

typedef Pdsafe__Paddle__VarType__TensorDesc TensorDesc;

int pdsi_vartype_of(pds_dtype dtype)
{
    switch (dtype) {
    case PDS_BOOL: return PDSAFE__PADDLE__VAR_TYPE__TYPE__BOOL;
    case PDS_INT16: return PDSAFE__PADDLE__VAR_TYPE__TYPE__INT16;
    case PDS_INT32: return PDSAFE__PADDLE__VAR_TYPE__TYPE__INT32;
    case PDS_INT64: return PDSAFE__PADDLE__VAR_TYPE__TYPE__INT64;
    case PDS_FLOAT16: return PDSAFE__PADDLE__VAR_TYPE__TYPE__FP16;
    case PDS_FLOAT32: return PDSAFE__PADDLE__VAR_TYPE__TYPE__FP32;
    case PDS_FLOAT64: return PDSAFE__PADDLE__VAR_TYPE__TYPE__FP64;
    case PDS_UINT8: return PDSAFE__PADDLE__VAR_TYPE__TYPE__UINT8;
    case PDS_INT8: return PDSAFE__PADDLE__VAR_TYPE__TYPE__INT8;
    case PDS_BFLOAT16: return PDSAFE__PADDLE__VAR_TYPE__TYPE__BF16;
    default: return -1;
    }
}

/* Parameter records being read, from memory (buf) or from an open file (fd,
 * when buf is NULL). A file is read piece by piece, tensor data straight into
 * the tensor, so that loading never holds the weights twice; len is the size
 * the file had when it was opened, and a file that shrinks since is an I/O
 * error, never a read past its end. (Mapping the file would save the copy but
 * turn a concurrent truncation into SIGBUS.) */
/* A tensor's data still to be read from the file: reads are deferred until
 * every record header has been checked, then spread over the executor's
 * threads (page faults and copies out of the page cache are CPU work; two
 * threads halve the ~75 ms ResNet50's 98 MB take on one). */
typedef struct pending_read {
    void *dst;
    size_t offset, n;
    const char *name; /* the parameter, for messages */
    size_t k;
} pending_read;

typedef struct reader {
    const uint8_t *buf;
    int fd;
    pending_read *later; /* non-NULL: defer data reads here (file sources only) */
    size_t n_later;
    size_t len, pos;
    const char *file;
    const char *name; /* parameter being read */
    size_t k, n;      /* its index (0-based) and the parameter count */
    pds_error *err;
} reader;

static pds_status rfail(const reader *r, size_t at, pds_status code, const char *fmt, ...)
    PDSI_PRINTF(4, 5);

static pds_status rfail(const reader *r, size_t at, pds_status code, const char *fmt, ...)
{
    char what[PDS_ERROR_MESSAGE_SIZE];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(what, sizeof what, fmt, ap);
    va_end(ap);
    return pdsi_fail(r->err, code, "%s: byte offset %zu: parameter '%s' (#%zu of %zu): %s",
                     r->file, at, r->name, r->k + 1, r->n, what);
}

static pds_status need(const reader *r, size_t bytes, const char *what)
{
    size_t left = r->len - r->pos;
    if (left < bytes)
        return rfail(r, r->pos, PDS_ERR_MODEL_FORMAT,
                     "needs %zu bytes for %s, but only %zu remain (the file is %zu bytes)", bytes,
                     what, left, r->len);
    return PDS_OK;
}

/* Copies the next n bytes (described by `what` in messages) to dst and
 * moves past them. */
static pds_status take(reader *r, void *dst, size_t n, const char *what)
{
    pds_status st = need(r, n, what);
    if (st || !n)
        return st;
    if (r->buf)
        memcpy(dst, r->buf + r->pos, n);
    else if ((st = pdsi_read_at(r->fd, r->file, r->pos, dst, n, r->err)))
        return pdsi_fail_wrap(r->err, st, "parameter '%s' (#%zu of %zu)", r->name, r->k + 1,
                              r->n);
    r->pos += n;
    return PDS_OK;
}

static uint32_t get_u32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static uint64_t get_u64(const uint8_t *p)
{
    return (uint64_t)get_u32(p) | (uint64_t)get_u32(p + 4) << 32;
}

static const char *dims_str(const int64_t *d, size_t n, char *buf, size_t cap)
{
    return pdsi_dims_str(d, (int)(n < 64 ? n : 64), buf, cap);
}

/* The record's fixed header (docs/FORMATS.md §2.2): version 0, the LoD
 * levels (skipped, each checked against the bytes left) and tensor version 0.
 * at is where the record starts. */
static pds_status read_header(reader *r, size_t at)
{
    pds_status st;
    uint8_t b[8];
    if ((st = take(r, b, 4, "the record version (u32)")))
        return st;
    uint32_t version = get_u32(b);
    if (version != 0)
        return rfail(r, at, PDS_ERR_MODEL_FORMAT, "record version is %u (expected 0)", version);

    size_t lod_at = r->pos;
    if ((st = take(r, b, 8, "the LoD level count (u64)")))
        return st;
    uint64_t lod_level = get_u64(b);
    if (lod_level > (r->len - r->pos) / 8)
        return rfail(r, lod_at, PDS_ERR_MODEL_FORMAT,
                     "lod_level is %llu, which needs at least %llu bytes of LoD sizes, but only "
                     "%zu bytes remain (expected a small count, 0 for parameters)",
                     (unsigned long long)lod_level,
                     (unsigned long long)(lod_level > UINT64_MAX / 8 ? UINT64_MAX
                                                                     : lod_level * 8),
                     r->len - r->pos);
    for (uint64_t l = 0; l < lod_level; l++) {
        size_t level_at = r->pos;
        if ((st = take(r, b, 8, "a LoD level size (u64)")))
            return st;
        uint64_t nbytes = get_u64(b);
        if (nbytes % 8)
            return rfail(r, level_at, PDS_ERR_MODEL_FORMAT,
                         "LoD level %llu has %llu bytes (expected a multiple of 8)",
                         (unsigned long long)l, (unsigned long long)nbytes);
        if (nbytes > r->len - r->pos)
            return rfail(r, level_at, PDS_ERR_MODEL_FORMAT,
                         "LoD level %llu claims %llu bytes, but only %zu remain",
                         (unsigned long long)l, (unsigned long long)nbytes, r->len - r->pos);
        r->pos += (size_t)nbytes;
    }

    size_t tversion_at = r->pos;
    if ((st = take(r, b, 4, "the tensor version (u32)")))
        return st;
    uint32_t tversion = get_u32(b);
    if (tversion != 0)
        return rfail(r, tversion_at, PDS_ERR_MODEL_FORMAT, "tensor version is %u (expected 0)",
                     tversion);
    return PDS_OK;
}

/* The record's TensorDesc: its size, then the message, wire-checked and
 * decoded into *td (free with protobuf_c_message_free_unpacked). *desc_at is
 * where the message starts. */
static pds_status read_desc(reader *r, TensorDesc **td, size_t *desc_at)
{
    pds_status st;
    uint8_t b[4];
    *td = NULL;
    size_t size_at = r->pos;
    if ((st = take(r, b, 4, "the TensorDesc size (i32)")))
        return st;
    int32_t desc_size = (int32_t)get_u32(b);
    if (desc_size < 0)
        return rfail(r, size_at, PDS_ERR_MODEL_FORMAT,
                     "TensorDesc size is %d (expected >= 0)", desc_size);
    if ((size_t)desc_size > r->len - r->pos)
        return rfail(r, size_at, PDS_ERR_MODEL_FORMAT,
                     "TensorDesc size is %d, but only %zu bytes remain", desc_size,
                     r->len - r->pos);

    char ctx[PDS_ERROR_MESSAGE_SIZE / 2];
    snprintf(ctx, sizeof ctx, "parameter '%s' (#%zu of %zu)", r->name, r->k + 1, r->n);
    *desc_at = r->pos;
    uint8_t *dcopy = NULL;
    const uint8_t *dp = r->buf ? r->buf + r->pos : NULL;
    if (!dp) {
        if (!(dcopy = malloc(desc_size ? (size_t)desc_size : 1)))
            return rfail(r, *desc_at, PDS_ERR_OUT_OF_MEMORY,
                         "could not allocate %d bytes for its TensorDesc", desc_size);
        if ((st = take(r, dcopy, (size_t)desc_size, "the TensorDesc"))) {
            free(dcopy);
            return st;
        }
        dp = dcopy;
    } else {
        r->pos += (size_t)desc_size;
    }
    st = pdsi_wire_check(&pdsafe__paddle__var_type__tensor_desc__descriptor, dp,
                         (size_t)desc_size, r->file, *desc_at, ctx, NULL, r->err);
    /* Nested messages have no generated unpack function; use the generic one. */
    *td = st ? NULL
             : (TensorDesc *)protobuf_c_message_unpack(
                   &pdsafe__paddle__var_type__tensor_desc__descriptor, NULL, (size_t)desc_size,
                   dp);
    free(dcopy);
    if (st)
        return st;
    if (!*td)
        return rfail(r, *desc_at, PDS_ERR_MODEL_FORMAT,
                     "protobuf-c could not decode the %d-byte TensorDesc (out of memory?)",
                     desc_size);
    return PDS_OK;
}

/* Checks the TensorDesc td (at desc_at) on its own, against the program's
 * declaration ref, the limits and the bytes left; gives its dtype and size. */
static pds_status check_desc(const reader *r, const TensorDesc *td, size_t desc_at,
                             const pdsi_param_ref *ref, const pds_model_options *lim,
                             pds_dtype *dtype_out, size_t *bytes_out)
{
    char b1[160], b2[160];
    pds_status st = PDS_OK;
    pds_dtype dtype = td->has_data_type ? pdsi_legacy_dtype((int)td->data_type)
                                        : PDS_DTYPE_UNKNOWN;
    int64_t numel = 0;
    size_t bytes = 0;
    if (!td->has_data_type) {
        st = rfail(r, desc_at, PDS_ERR_MODEL_FORMAT, "TensorDesc has no data_type");
    } else if (dtype == PDS_DTYPE_UNKNOWN) {
        st = rfail(r, desc_at, PDS_ERR_MODEL_FORMAT,
                   "data type %s (%d) is not supported (expected BOOL, INT8, UINT8, INT16, "
                   "INT32, INT64, FP16, BF16, FP32 or FP64)",
                   pdsi_legacy_vartype_name((int)td->data_type), (int)td->data_type);
    } else if (td->n_dims > PDSI_MAX_RANK) {
        st = rfail(r, desc_at, PDS_ERR_MODEL_FORMAT,
                   "TensorDesc has rank %zu, pdsafe supports at most %d", td->n_dims,
                   PDSI_MAX_RANK);
    } else {
        for (size_t d = 0; d < td->n_dims && !st; d++)
            if (td->dims[d] < 0)
                st = rfail(r, desc_at, PDS_ERR_MODEL_FORMAT,
                           "TensorDesc dims %s have dim %zu = %lld (expected >= 0)",
                           dims_str(td->dims, td->n_dims, b1, sizeof b1), d,
                           (long long)td->dims[d]);
        if (!st && (!pdsi_shape_numel(td->dims, (int)td->n_dims, &numel) ||
                    !pdsi_bytes_of(dtype, numel, &bytes)))
            st = rfail(r, desc_at, PDS_ERR_MODEL_FORMAT,
                       "the element count of %s dims %s overflows (expected a tensor that fits "
                       "in memory)",
                       pds_dtype_name(dtype), dims_str(td->dims, td->n_dims, b1, sizeof b1));
    }
    if (!st && ref->vartype >= 0 && ref->vartype != (int)td->data_type)
        st = rfail(r, desc_at, PDS_ERR_MODEL_FORMAT,
                   "data type is %s in the parameter file but %s in the program",
                   pdsi_legacy_vartype_name((int)td->data_type),
                   pdsi_legacy_vartype_name(ref->vartype));
    if (!st && ref->rank >= 0) {
        bool same = (size_t)ref->rank == td->n_dims;
        for (size_t d = 0; same && d < td->n_dims; d++)
            same = ref->dims[d] == -1 || ref->dims[d] == td->dims[d];
        if (!same)
            st = rfail(r, desc_at, PDS_ERR_MODEL_FORMAT,
                       "dims are %s in the parameter file but %s in the program",
                       dims_str(td->dims, td->n_dims, b1, sizeof b1),
                       dims_str(ref->dims, (size_t)ref->rank, b2, sizeof b2));
    }
    if (!st && bytes > lim->max_tensor_bytes)
        st = rfail(r, desc_at, PDS_ERR_LIMIT,
                   "%s %s is %zu bytes, more than max_tensor_bytes (%llu)",
                   pds_dtype_name(dtype), dims_str(td->dims, td->n_dims, b1, sizeof b1), bytes,
                   (unsigned long long)lim->max_tensor_bytes);
    if (!st && bytes > r->len - r->pos)
        st = rfail(r, r->pos, PDS_ERR_MODEL_FORMAT,
                   "needs %zu bytes of %s data for dims %s, but only %zu remain (the file is "
                   "%zu bytes)",
                   bytes, pds_dtype_name(dtype), dims_str(td->dims, td->n_dims, b1, sizeof b1),
                   r->len - r->pos, r->len);
    *dtype_out = dtype;
    *bytes_out = bytes;
    return st;
}

/* The tensor data (bytes of dtype, rank, dims) into value v: read now, or
 * deferred to the parallel reads of a file source. */
static pds_status read_data(reader *r, pdsi_value *v, pds_dtype dtype, int rank,
                            const int64_t *dims, size_t bytes)
{
    pds_status st;
    pdsi_tensor_release(&v->data);
    pdsi_tensor_set_shape(&v->data, dtype, rank, dims);
    if (!pdsi_tensor_reserve(&v->data))
        return rfail(r, r->pos, PDS_ERR_OUT_OF_MEMORY, "could not allocate %zu bytes", bytes);
    /* The file holds little-endian data, which is host order on every target
     * pdsafe builds for. */
    if (r->later && bytes) {
        if ((st = need(r, bytes, "the tensor data")))
            return st;
        r->later[r->n_later++] =
            (pending_read){v->data.data, r->pos, bytes, r->name, r->k};
        r->pos += bytes;
    } else if ((st = take(r, v->data.data, bytes, "the tensor data"))) {
        return st;
    }
    v->kind = PDSI_VALUE_PARAM;
    v->dtype = dtype;
    v->rank = rank;
    memcpy(v->dims, dims, sizeof v->dims);
    return PDS_OK;
}

/* Reads one record (docs/FORMATS.md §2.2) at r->pos into value v, checking
 * it against the declaration ref. Advances r->pos past the record. */
static pds_status read_record(reader *r, const pdsi_param_ref *ref, pdsi_value *v,
                              const pds_model_options *lim)
{
    pds_status st;
    size_t at = r->pos;
    if (ref->not_dense)
        return rfail(r, at, PDS_ERR_MODEL_FORMAT,
                     "the program declares it as a %s variable; only dense tensor "
                     "(LOD_TENSOR) parameters can be read",
                     ref->not_dense);
    TensorDesc *td;
    size_t desc_at = 0, bytes;
    pds_dtype dtype;
    if ((st = read_header(r, at)) || (st = read_desc(r, &td, &desc_at)))
        return st;
    st = check_desc(r, td, desc_at, ref, lim, &dtype, &bytes);
    int rank = (int)td->n_dims;
    int64_t dims[PDSI_MAX_RANK] = {0};
    for (int d = 0; !st && d < rank; d++)
        dims[d] = td->dims[d];
    protobuf_c_message_free_unpacked(&td->base, NULL);
    if (st)
        return st;
    return read_data(r, v, dtype, rank, dims, bytes);
}

static pds_status read_param(reader *r, const pdsi_param_ref *ref, pdsi_graph *g)
{
    if (ref->value < 0 || ref->value >= g->n_values) /* the loaders declare every parameter */
        return rfail(r, r->pos, PDS_ERR_INTERNAL, "the parameter was not declared");
    return read_record(r, ref, &g->values[ref->value], &g->limits);
}

/* One share of the deferred reads: a contiguous run of them, so that every
 * thread reads the file sequentially. */
typedef struct read_share {
    const reader *r;
    size_t first, end;
    pds_status st;
    pds_error err;
} read_share;

static void read_share_main(void *arg)
{
    read_share *sh = arg;
    const reader *r = sh->r;
    for (size_t i = sh->first; i < sh->end && !sh->st; i++) {
        const pending_read *p = &r->later[i];
        sh->st = pdsi_read_at(r->fd, r->file, p->offset, p->dst, p->n, &sh->err);
        if (sh->st)
            pdsi_fail_wrap(&sh->err, sh->st, "parameter '%s' (#%zu of %zu)", p->name, p->k + 1,
                           r->n);
    }
}

/* Reads every deferred tensor, in up to 4 shares of about equal bytes run on
 * executor threads; the first failure (in file order) is reported. */
static pds_status read_later(const reader *r)
{
    enum { MAX_SHARES = 4 };
    size_t total = 0;
    for (size_t i = 0; i < r->n_later; i++)
        total += r->later[i].n;
    int cpus = pdsi_executor_cpus();
    int n = cpus < MAX_SHARES ? cpus : MAX_SHARES;
    /* Small files are not worth a thread hand-off. */
    if (total < ((size_t)1 << 20) || r->n_later < 2)
        n = 1;
    read_share shares[MAX_SHARES];
    void *args[MAX_SHARES];
    size_t first = 0, done = 0;
    int used = 0;
    for (int k = 0; k < n && first < r->n_later; k++) {
        size_t end = first, goal = total / (size_t)n * (size_t)(k + 1);
        while (end < r->n_later && (done < goal || end == first || k == n - 1))
            done += r->later[end++].n;
        shares[used] = (read_share){.r = r, .first = first, .end = end};
        args[used] = &shares[used];
        used++;
        first = end;
    }
    bool spread = false;
    if (used > 1) {
        pdsi_executor_acquire();
        /* No thread to be had (a process thread limit, say): no job was
         * queued then, so the reads simply happen here instead. */
        pds_error ignored;
        spread = pdsi_executor_run_many(read_share_main, args, used, 1, &ignored) == PDS_OK;
        pdsi_executor_release();
    }
    if (!spread)
        for (int k = 0; k < used; k++)
            read_share_main(&shares[k]);
    for (int k = 0; k < used; k++)
        if (shares[k].st) {
            *r->err = shares[k].err;
            return shares[k].st;
        }
    return PDS_OK;
}

static int cmp_ref_name(const void *a, const void *b)
{
    const pdsi_param_ref *x = a, *y = b;
    return strcmp(x->name, y->name);
}

/* Per-file parameter names become paths: keep them inside the directory. */
static bool safe_file_name(const char *name)
{
    return name[0] && !strchr(name, '/') && !strchr(name, '\\') && !strstr(name, "..");
}

pds_status pdsi_params_read(pdsi_param_ref *list, size_t n, const char *prog,
                            const pdsi_param_source *src, pdsi_graph *g, pds_error *err)
{
    bool have_combined = src && (src->combined || src->combined_file);
    bool have_dir = src && src->dir;
    const char *cname = have_combined && src->combined_name ? src->combined_name
                                                            : "<params buffer>";
    if (n == 0) {
        if (have_combined && src->combined_len)
            return pdsi_fail(err, PDS_ERR_MODEL_FORMAT,
                             "%s: byte offset 0: %zu bytes left after the last parameter (the "
                             "program %s declares no parameters)",
                             cname, src->combined_len, prog);
        return PDS_OK;
    }

    /* The order Paddle's writers use: sorted by name, byte-wise (strcmp). */
    qsort(list, n, sizeof *list, cmp_ref_name);
    /* The loaders reject a name declared twice; a second record for the same
     * tensor would free the buffer a deferred read of the first still holds. */
    for (size_t k = 1; k < n; k++)
        if (strcmp(list[k - 1].name, list[k].name) == 0)
            return pdsi_fail(err, PDS_ERR_MODEL_FORMAT,
                             "%s declares parameter '%s' twice (expected one record per name)",
                             prog, list[k].name);

    pds_status st = PDS_OK;
    if (!have_combined && !have_dir) {
        if (src && src->looked_for)
            st = pdsi_fail(err, PDS_ERR_INVALID_ARGUMENT,
                           "%s declares %zu parameters (the first is '%s') but no parameter file "
                           "was given, and none was found beside it (looked for %s)",
                           prog, n, list[0].name, src->looked_for);
        else
            st = pdsi_fail(err, PDS_ERR_INVALID_ARGUMENT,
                           "%s declares %zu parameters (the first is '%s') but no parameter "
                           "file was given",
                           prog, n, list[0].name);
    } else if (have_combined) {
        reader r = {.buf = src->combined_file ? NULL : src->combined,
                    .fd = src->combined_fd,
                    .len = src->combined_len,
                    .file = cname,
                    .n = n,
                    .err = err};
        if (src->combined_file && !(r.later = malloc(sizeof *r.later * n)))
            st = pdsi_fail(err, PDS_ERR_OUT_OF_MEMORY, "could not allocate the read list");
        for (size_t k = 0; k < n && !st; k++) {
            r.k = k;
            r.name = list[k].name;
            st = read_param(&r, &list[k], g);
        }
        if (!st && r.pos != r.len)
            st = pdsi_fail(err, PDS_ERR_MODEL_FORMAT,
                           "%s: byte offset %zu: %zu bytes left after the last parameter "
                           "('%s', #%zu of %zu; expected the file to end there)",
                           cname, r.pos, r.len - r.pos, list[n - 1].name, n, n);
        if (!st && r.n_later)
            st = read_later(&r);
        free(r.later);
    } else {
        for (size_t k = 0; k < n && !st; k++) {
            const char *name = list[k].name;
            if (!safe_file_name(name)) {
                st = pdsi_fail(err, PDS_ERR_MODEL_FORMAT,
                               "%s: parameter '%s' (#%zu of %zu) cannot be read from a file of "
                               "that name (it contains '/', '\\' or '..')",
                               prog, name, k + 1, n);
                break;
            }
            size_t plen = strlen(src->dir) + 1 + strlen(name) + 1;
            char *path = malloc(plen);
            if (!path) {
                st = pdsi_fail(err, PDS_ERR_OUT_OF_MEMORY, "out of memory");
                break;
            }
            snprintf(path, plen, "%s/%s", src->dir, name);
            int fd = -1;
            size_t len = 0;
            st = pdsi_open_file(path, g->limits.max_file_bytes, &fd, &len, err);
            if (st) {
                pdsi_fail_wrap(err, st, "parameter '%s' (#%zu of %zu)", name, k + 1, n);
            } else {
                reader r = {.fd = fd, .len = len, .file = path, .name = name, .k = k, .n = n,
                            .err = err};
                st = read_param(&r, &list[k], g);
                if (!st && r.pos != r.len)
                    st = rfail(&r, r.pos, PDS_ERR_MODEL_FORMAT,
                               "%zu bytes left after the parameter (expected the file to end "
                               "there)",
                               r.len - r.pos);
                close(fd);
            }
            free(path);
        }
    }
    return st;
}

