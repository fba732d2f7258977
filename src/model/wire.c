/*
 * wire.c — the strict protobuf wire-format walker (see wire.h).
 *
 * It is driven by protobuf-c's generated descriptors: for each tag it looks
 * the field up, checks the wire type against the field's type, checks the
 * value's bytes against what remains of the enclosing message, and recurses
 * into sub-messages. It is at least as strict as protobuf-c's unpacker (and
 * stricter where protobuf-c would misread or stumble: over-long varints, packed
 * fixed-width data whose length is not a multiple of the width, empty packed
 * fields, element counts beyond 32 bits, NUL bytes inside strings), so a
 * buffer it accepts decodes.
 */
#include "model/wire.h"

#include <limits.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "proto/framework.pb-c.h"

/* The schema nests six deep (ProgramDesc > BlockDesc > OpDesc > Attr > Scalar
 * > Complex); the bound only guards against a future recursive schema. */
#define MAX_DEPTH 16
/* Fields per message whose element counts are tracked (the schema has <= 21). */
#define COUNTED_FIELDS 64
/* protobuf-c sizes repeated arrays with an unsigned int count. */
#define MAX_ELEMENTS ((uint64_t)INT32_MAX)

typedef struct frame {
    const ProtobufCMessageDescriptor *desc;
    const char *field; /* field of the parent holding this message; NULL at the top */
    uint64_t index;    /* element index when that field is repeated */
    bool repeated;
    const uint8_t *start, *end;
    uint64_t counts[COUNTED_FIELDS];
    int op_kind; /* OpDesc only: 1 = feed or fetch */
} frame;

typedef struct walker {
    const uint8_t *buf;
    uint64_t base;
    const char *file, *context;
    pdsi_wire_stats *stats;
    pds_error *err;
    frame stack[MAX_DEPTH];
    int depth;
} walker;

/* "OpDesc.Attr" from "pdsafe.paddle.OpDesc.Attr". */
static const char *type_name(const ProtobufCMessageDescriptor *d)
{
    size_t p = d->package_name ? strlen(d->package_name) : 0;
    if (p && strncmp(d->name, d->package_name, p) == 0 && d->name[p] == '.')
        return d->name + p + 1;
    return d->name;
}

static void format_path(const walker *w, char *buf, size_t cap)
{
    size_t n = 0;
    buf[0] = '\0';
    for (int i = 0; i < w->depth && n < cap; i++) {
        const frame *f = &w->stack[i];
        int k;
        if (i == 0)
            k = snprintf(buf + n, cap - n, "%s", type_name(f->desc));
        else if (f->repeated)
            k = snprintf(buf + n, cap - n, ".%s[%llu]", f->field, (unsigned long long)f->index);
        else
            k = snprintf(buf + n, cap - n, ".%s", f->field);
        if (k < 0)
            return;
        n += (size_t)k;
    }
    if (w->depth > 1 && n < cap)
        snprintf(buf + n, cap - n, " (%s)", type_name(w->stack[w->depth - 1].desc));
}

static pds_status wfail(walker *w, pds_status code, const uint8_t *at, const char *fmt, ...)
    PDSI_PRINTF(4, 5);

static pds_status wfail(walker *w, pds_status code, const uint8_t *at, const char *fmt, ...)
{
    char what[PDS_ERROR_MESSAGE_SIZE], path[200];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(what, sizeof what, fmt, ap);
    va_end(ap);
    format_path(w, path, sizeof path);
    return pdsi_fail(w->err, code, "%s: byte offset %llu: %s%sin %s: %s", w->file,
                     (unsigned long long)(w->base + (uint64_t)(at - w->buf)),
                     w->context ? w->context : "", w->context ? ": " : "", path, what);
}

/* "field 'dims' (#2)" or "unknown field #7". */
static const char *field_label(const ProtobufCFieldDescriptor *f, uint32_t num, char *buf,
                               size_t cap)
{
    if (f)
        snprintf(buf, cap, "field '%s' (#%u)", f->name, num);
    else
        snprintf(buf, cap, "unknown field #%u", num);
    return buf;
}

static const char *wire_name(unsigned wt)
{
    switch (wt) {
    case 0: return "varint";
    case 1: return "fixed64";
    case 2: return "length-delimited";
    case 5: return "fixed32";
    default: return "invalid";
    }
}

/* The wire type a field's values use when not packed. */
static unsigned expected_wire(ProtobufCType t)
{
    switch (t) {
    case PROTOBUF_C_TYPE_SFIXED64:
    case PROTOBUF_C_TYPE_FIXED64:
    case PROTOBUF_C_TYPE_DOUBLE: return 1;
    case PROTOBUF_C_TYPE_SFIXED32:
    case PROTOBUF_C_TYPE_FIXED32:
    case PROTOBUF_C_TYPE_FLOAT: return 5;
    case PROTOBUF_C_TYPE_STRING:
    case PROTOBUF_C_TYPE_BYTES:
    case PROTOBUF_C_TYPE_MESSAGE: return 2;
    default: return 0;
    }
}

/* Reads a varint of at most max_bytes bytes from [*p, end). 0 on success,
 * 1 if cut off by end, 2 if longer than max_bytes, 3 if it overflows 64 bits. */
static int read_varint(const uint8_t **p, const uint8_t *end, unsigned max_bytes, uint64_t *out)
{
    uint64_t v = 0;
    const uint8_t *q = *p;
    for (unsigned i = 0;; i++) {
        if (q >= end)
            return 1;
        if (i >= max_bytes)
            return 2;
        uint8_t b = *q++;
        if (i == 9 && b > 1)
            return 3;
        v |= (uint64_t)(b & 0x7f) << (7 * i);
        if (!(b & 0x80))
            break;
    }
    *p = q;
    *out = v;
    return 0;
}

static pds_status walk(walker *w, const uint8_t *start, const uint8_t *end);

/* Checks the payload of a packed repeated scalar field and counts its elements. */
static pds_status check_packed(walker *w, const ProtobufCFieldDescriptor *f, const char *label,
                               const uint8_t *p, const uint8_t *end, uint64_t *count)
{
    size_t len = (size_t)(end - p);
    unsigned wt = expected_wire(f->type);
    if (wt == 1 || wt == 5) {
        size_t width = wt == 1 ? 8 : 4;
        if (len % width)
            return wfail(w, PDS_ERR_MODEL_FORMAT, p,
                         "packed %s has %zu bytes, expected a multiple of %zu (%s values)",
                         label, len, width, wire_name(wt));
        *count = len / width;
        return PDS_OK;
    }
    if (f->type == PROTOBUF_C_TYPE_BOOL) {
        /* protobuf-c reads packed bools as single bytes. */
        for (size_t i = 0; i < len; i++)
            if (p[i] > 1)
                return wfail(w, PDS_ERR_MODEL_FORMAT, p + i,
                             "packed %s has element %zu = 0x%02x, expected 0 or 1", label, i,
                             p[i]);
        *count = len;
        return PDS_OK;
    }
    uint64_t n = 0;
    while (p < end) {
        const uint8_t *at = p;
        uint64_t v;
        int r = read_varint(&p, end, 10, &v);
        if (r == 1)
            return wfail(w, PDS_ERR_MODEL_FORMAT, at,
                         "packed %s: element %llu is cut off by the end of the field "
                         "(expected a complete varint)",
                         label, (unsigned long long)n);
        if (r)
            return wfail(w, PDS_ERR_MODEL_FORMAT, at,
                         "packed %s: element %llu is %s (expected a varint of at most 64 bits)",
                         label, (unsigned long long)n,
                         r == 2 ? "longer than 10 bytes" : "overflowing 64 bits");
        n++;
    }
    *count = n;
    return PDS_OK;
}

static bool is_packable(ProtobufCType t)
{
    return t != PROTOBUF_C_TYPE_STRING && t != PROTOBUF_C_TYPE_BYTES &&
           t != PROTOBUF_C_TYPE_MESSAGE;
}

/* One field: tag already read. p points at the value. */
static pds_status walk_field(walker *w, frame *fr, const uint8_t *tag_at, uint32_t num,
                             unsigned wt, const uint8_t **pp)
{
    const uint8_t *p = *pp, *end = fr->end;
    const ProtobufCFieldDescriptor *f = protobuf_c_message_descriptor_get_field(fr->desc, num);
    char label[160];
    field_label(f, num, label, sizeof label);
    size_t remain = (size_t)(end - p);
    uint64_t elements = 1;

    if (wt == 3 || wt == 4)
        return wfail(w, PDS_ERR_MODEL_FORMAT, tag_at,
                     "%s uses wire type %u (group), which protobuf-c and Paddle do not use "
                     "(expected wire type 0, 1, 2 or 5)",
                     label, wt);
    if (wt > 5)
        return wfail(w, PDS_ERR_MODEL_FORMAT, tag_at,
                     "%s has invalid wire type %u (expected wire type 0, 1, 2 or 5)", label, wt);
    if (f && wt != expected_wire(f->type) &&
        !(wt == 2 && f->label == PROTOBUF_C_LABEL_REPEATED && is_packable(f->type)))
        return wfail(w, PDS_ERR_MODEL_FORMAT, tag_at,
                     "%s has wire type %u (%s), expected %u (%s)", label, wt, wire_name(wt),
                     expected_wire(f->type), wire_name(expected_wire(f->type)));

    switch (wt) {
    case 0: {
        uint64_t v;
        int r = read_varint(&p, end, 10, &v);
        if (r == 1)
            return wfail(w, PDS_ERR_MODEL_FORMAT, *pp,
                         "varint value of %s is cut off by the end of the %s (%zu bytes "
                         "remain; expected a complete varint)",
                         label, type_name(fr->desc), remain);
        if (r)
            return wfail(w, PDS_ERR_MODEL_FORMAT, *pp,
                         "varint value of %s is %s (expected at most 10 bytes / 64 bits)", label,
                         r == 2 ? "longer than 10 bytes" : "overflowing 64 bits");
        break;
    }
    case 1:
    case 5: {
        size_t width = wt == 1 ? 8 : 4;
        if (remain < width)
            return wfail(w, PDS_ERR_MODEL_FORMAT, p,
                         "%s needs %zu bytes (%s), but only %zu remain in the %s", label, width,
                         wire_name(wt), remain, type_name(fr->desc));
        p += width;
        break;
    }
    case 2: {
        uint64_t n;
        int r = read_varint(&p, end, 5, &n);
        if (r == 1)
            return wfail(w, PDS_ERR_MODEL_FORMAT, *pp,
                         "length of %s is cut off by the end of the %s (%zu bytes remain; "
                         "expected a varint length)",
                         label, type_name(fr->desc), remain);
        if (r)
            return wfail(w, PDS_ERR_MODEL_FORMAT, *pp,
                         "length of %s is a varint longer than 5 bytes (expected a length "
                         "below 2 GiB)",
                         label);
        if (n > INT_MAX)
            return wfail(w, PDS_ERR_MODEL_FORMAT, *pp,
                         "length of %s is %llu bytes (expected a length below 2 GiB)", label,
                         (unsigned long long)n);
        size_t left = (size_t)(end - p);
        if (n > left)
            return wfail(w, PDS_ERR_MODEL_FORMAT, *pp,
                         "%s claims %llu bytes, but only %zu remain in the %s (expected a "
                         "length <= %zu)",
                         label, (unsigned long long)n, left, type_name(fr->desc), left);
        const uint8_t *vend = p + n;
        if (f && f->type == PROTOBUF_C_TYPE_MESSAGE) {
            if (w->depth >= MAX_DEPTH)
                return wfail(w, PDS_ERR_MODEL_FORMAT, p, "messages nest deeper than %d",
                             MAX_DEPTH);
            size_t fi = (size_t)(f - fr->desc->fields);
            frame *sub = &w->stack[w->depth];
            memset(sub, 0, sizeof *sub);
            sub->desc = f->descriptor;
            sub->field = f->name;
            sub->repeated = f->label == PROTOBUF_C_LABEL_REPEATED;
            sub->index = fr->counts[fi < COUNTED_FIELDS ? fi : COUNTED_FIELDS - 1];
            w->depth++;
            pds_status st = walk(w, p, vend);
            w->depth--;
            if (st)
                return st;
        } else if (f && f->type == PROTOBUF_C_TYPE_STRING) {
            const uint8_t *nul = memchr(p, 0, (size_t)n);
            if (nul)
                return wfail(w, PDS_ERR_MODEL_FORMAT, nul,
                             "string %s contains a NUL byte at position %zu (expected text)",
                             label, (size_t)(nul - p));
            if (fr->desc == &pdsafe__paddle__op_desc__descriptor && num == 3)
                fr->op_kind = (n == 4 && memcmp(p, "feed", 4) == 0) ||
                              (n == 5 && memcmp(p, "fetch", 5) == 0);
        } else if (f && f->label == PROTOBUF_C_LABEL_REPEATED && is_packable(f->type)) {
            /* Valid protobuf, but no writer emits it, and protobuf-c then
             * offsets a NULL array pointer (undefined behaviour). */
            if (n == 0)
                return wfail(w, PDS_ERR_MODEL_FORMAT, *pp,
                             "packed %s is empty (expected at least one element; writers omit "
                             "empty repeated fields)",
                             label);
            pds_status st = check_packed(w, f, label, p, vend, &elements);
            if (st)
                return st;
        }
        p = vend;
        break;
    }
    default: /* 3, 4 and 6, 7 were refused above */
        return wfail(w, PDS_ERR_INTERNAL, tag_at, "%s: wire type %u", label, wt);
    }

    if (f && f->label == PROTOBUF_C_LABEL_REPEATED) {
        size_t fi = (size_t)(f - fr->desc->fields);
        uint64_t *c = &fr->counts[fi < COUNTED_FIELDS ? fi : COUNTED_FIELDS - 1];
        *c += elements;
        if (*c > MAX_ELEMENTS)
            return wfail(w, PDS_ERR_MODEL_FORMAT, tag_at,
                         "%s has more than %llu elements in one message", label,
                         (unsigned long long)MAX_ELEMENTS);
    }
    *pp = p;
    return PDS_OK;
}

/* Walks the message of the frame at the top of the stack (depth - 1). */
static pds_status walk(walker *w, const uint8_t *start, const uint8_t *end)
{
    frame *fr = &w->stack[w->depth - 1];
    fr->start = start;
    fr->end = end;
    const uint8_t *p = start;
    while (p < end) {
        const uint8_t *tag_at = p;
        uint64_t tag;
        int r = read_varint(&p, end, 5, &tag);
        if (r == 1)
            return wfail(w, PDS_ERR_MODEL_FORMAT, tag_at,
                         "field tag is cut off by the end of the %s (expected a complete "
                         "varint tag)",
                         type_name(fr->desc));
        if (r || tag > UINT32_MAX)
            return wfail(w, PDS_ERR_MODEL_FORMAT, tag_at,
                         "field tag does not fit in 32 bits (expected a field number below "
                         "2^29)");
        uint32_t num = (uint32_t)(tag >> 3);
        unsigned wt = (unsigned)(tag & 7);
        if (num == 0)
            return wfail(w, PDS_ERR_MODEL_FORMAT, tag_at,
                         "field number 0 (tag byte 0x%02x) is not valid (expected a field "
                         "number >= 1)",
                         *tag_at);
        pds_status st = walk_field(w, fr, tag_at, num, wt, &p);
        if (st)
            return st;
    }

    pdsi_wire_stats *s = w->stats;
    if (s && fr->desc == &pdsafe__paddle__op_desc__descriptor) {
        if (fr->op_kind)
            s->n_feed_fetch++;
        else if (++s->n_ops > s->max_ops && s->max_ops)
            return wfail(w, PDS_ERR_LIMIT, start,
                         "the program has more than %llu operators, not counting feed and "
                         "fetch (max_ops)",
                         (unsigned long long)s->max_ops);
    }
    if (s && fr->desc == &pdsafe__paddle__var_desc__descriptor) {
        if (++s->n_vars > s->max_vars && s->max_vars)
            return wfail(w, PDS_ERR_LIMIT, start,
                         "the program declares more than %llu variables (max_values)",
                         (unsigned long long)s->max_vars);
    }
    return PDS_OK;
}

pds_status pdsi_wire_check(const ProtobufCMessageDescriptor *desc, const uint8_t *buf, size_t len,
                           const char *file, uint64_t base, const char *context,
                           pdsi_wire_stats *stats, pds_error *err)
{
    walker w;
    memset(&w, 0, sizeof w);
    w.buf = buf;
    w.base = base;
    w.file = file;
    w.context = context;
    w.stats = stats;
    w.err = err;
    w.stack[0].desc = desc;
    w.depth = 1;
    if (len == 0)
        return PDS_OK; /* an empty message is valid (and buf may be NULL) */
    if (!buf)
        return pdsi_fail(err, PDS_ERR_INVALID_ARGUMENT, "%s: no buffer", file);
    return walk(&w, buf, buf + len);
}
