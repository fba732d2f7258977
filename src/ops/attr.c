/*
 * attr.c — typed, checked access to borrowed operator attributes.
 */
#include "ops/attr.h"

#include <string.h>

static const char *type_name(pdsi_attr_type t)
{
    switch (t) {
    case PDSI_ATTR_INT: return "an integer";
    case PDSI_ATTR_FLOAT: return "a float";
    case PDSI_ATTR_BOOL: return "a bool";
    case PDSI_ATTR_STRING: return "a string";
    case PDSI_ATTR_INTS: return "an integer list";
    case PDSI_ATTR_FLOATS: return "a float list";
    case PDSI_ATTR_STRINGS: return "a string list";
    case PDSI_ATTR_OTHER: return "a block/var/scalar";
    }
    return "unknown";
}

const pdsi_attr *pdsi_attr_find(const pdsi_attrs *attrs, const char *name)
{
    for (int i = 0; attrs && i < attrs->n; i++)
        if (strcmp(attrs->a[i].name, name) == 0) {
            if (attrs->read && i < 64)
                *attrs->read |= (uint64_t)1 << i;
            return &attrs->a[i];
        }
    return NULL;
}

static pds_status mismatch(pds_error *err, const pdsi_attr *a, const char *expected)
{
    return pdsi_fail(err, PDS_ERR_MODEL_FORMAT, "attribute '%s' is %s, expected %s", a->name,
                     type_name(a->type), expected);
}

pds_status pdsi_attr_int(const pdsi_attrs *attrs, const char *name, int64_t dflt, int64_t *out,
                         pds_error *err)
{
    const pdsi_attr *a = pdsi_attr_find(attrs, name);
    *out = dflt;
    if (!a)
        return PDS_OK;
    if (a->type == PDSI_ATTR_INT || a->type == PDSI_ATTR_BOOL) {
        *out = a->i;
        return PDS_OK;
    }
    if (a->type == PDSI_ATTR_INTS && a->n == 1) {
        *out = a->ints[0];
        return PDS_OK;
    }
    return mismatch(err, a, "an integer");
}

pds_status pdsi_attr_float(const pdsi_attrs *attrs, const char *name, double dflt, double *out,
                           pds_error *err)
{
    const pdsi_attr *a = pdsi_attr_find(attrs, name);
    *out = dflt;
    if (!a)
        return PDS_OK;
    if (a->type == PDSI_ATTR_FLOAT) {
        *out = a->f;
        return PDS_OK;
    }
    if (a->type == PDSI_ATTR_INT) {
        *out = (double)a->i;
        return PDS_OK;
    }
    return mismatch(err, a, "a number");
}

pds_status pdsi_attr_bool(const pdsi_attrs *attrs, const char *name, bool dflt, bool *out,
                          pds_error *err)
{
    const pdsi_attr *a = pdsi_attr_find(attrs, name);
    *out = dflt;
    if (!a)
        return PDS_OK;
    if (a->type == PDSI_ATTR_BOOL || a->type == PDSI_ATTR_INT) {
        *out = a->i != 0;
        return PDS_OK;
    }
    return mismatch(err, a, "a bool");
}

pds_status pdsi_attr_string(const pdsi_attrs *attrs, const char *name, const char *dflt,
                            const char **out, pds_error *err)
{
    const pdsi_attr *a = pdsi_attr_find(attrs, name);
    *out = dflt;
    if (!a)
        return PDS_OK;
    if (a->type == PDSI_ATTR_STRING) {
        *out = a->s ? a->s : "";
        return PDS_OK;
    }
    return mismatch(err, a, "a string");
}

pds_status pdsi_attr_ints(const pdsi_attrs *attrs, const char *name, int64_t *buf, int cap,
                          int *n, pds_error *err)
{
    const pdsi_attr *a = pdsi_attr_find(attrs, name);
    *n = 0;
    if (!a)
        return PDS_OK;
    if (a->type == PDSI_ATTR_INT) {
        if (cap < 1)
            return pdsi_fail(err, PDS_ERR_MODEL_FORMAT, "attribute '%s' must be empty", name);
        buf[0] = a->i;
        *n = 1;
        return PDS_OK;
    }
    if (a->type != PDSI_ATTR_INTS)
        return mismatch(err, a, "an integer list");
    if (a->n > cap)
        return pdsi_fail(err, PDS_ERR_MODEL_FORMAT,
                         "attribute '%s' has %lld entries, expected at most %d", name,
                         (long long)a->n, cap);
    for (int64_t i = 0; i < a->n; i++)
        buf[i] = a->ints[i];
    *n = (int)a->n;
    return PDS_OK;
}

pds_status pdsi_attr_floats(const pdsi_attrs *attrs, const char *name, double *buf, int cap,
                            int *n, pds_error *err)
{
    const pdsi_attr *a = pdsi_attr_find(attrs, name);
    *n = 0;
    if (!a)
        return PDS_OK;
    if (a->type == PDSI_ATTR_FLOAT) {
        if (cap < 1)
            return pdsi_fail(err, PDS_ERR_MODEL_FORMAT, "attribute '%s' must be empty", name);
        buf[0] = a->f;
        *n = 1;
        return PDS_OK;
    }
    if (a->type == PDSI_ATTR_INTS) { /* an integer list where floats are expected */
        if (a->n > cap)
            return pdsi_fail(err, PDS_ERR_MODEL_FORMAT,
                             "attribute '%s' has %lld entries, expected at most %d", name,
                             (long long)a->n, cap);
        for (int64_t i = 0; i < a->n; i++)
            buf[i] = (double)a->ints[i];
        *n = (int)a->n;
        return PDS_OK;
    }
    if (a->type != PDSI_ATTR_FLOATS)
        return mismatch(err, a, "a float list");
    if (a->n > cap)
        return pdsi_fail(err, PDS_ERR_MODEL_FORMAT,
                         "attribute '%s' has %lld entries, expected at most %d", name,
                         (long long)a->n, cap);
    for (int64_t i = 0; i < a->n; i++)
        buf[i] = a->floats[i];
    *n = (int)a->n;
    return PDS_OK;
}

pds_status pdsi_attr_int_pair(const pdsi_attrs *attrs, const char *name, int64_t lo, int64_t hi,
                              int64_t out[2], bool *present, pds_error *err)
{
    int64_t v[PDSI_MAX_ATTR_LIST];
    int n;
    pds_status st = pdsi_attr_ints(attrs, name, v, PDSI_MAX_ATTR_LIST, &n, err);
    if (st)
        return st;
    *present = n > 0;
    if (n == 0)
        return PDS_OK;
    if (n != 2 || v[0] < lo || v[0] > hi || v[1] < lo || v[1] > hi)
        return pdsi_fail(err, PDS_ERR_MODEL_FORMAT,
                         "attribute '%s' has %d entries (first %lld), expected 2 integers in "
                         "[%lld, %lld]",
                         name, n, (long long)v[0], (long long)lo, (long long)hi);
    out[0] = v[0];
    out[1] = v[1];
    return PDS_OK;
}

pds_status pdsi_attr_pads2d(const pdsi_attrs *attrs, const char *name, int64_t hi,
                            int64_t out[4], pds_error *err)
{
    int64_t v[PDSI_MAX_ATTR_LIST];
    int n;
    pds_status st = pdsi_attr_ints(attrs, name, v, PDSI_MAX_ATTR_LIST, &n, err);
    if (st)
        return st;
    if (n != 0 && n != 2 && n != 4)
        return pdsi_fail(err, PDS_ERR_MODEL_FORMAT,
                         "attribute '%s' has %d entries, expected 2 ([pad_h, pad_w]) or 4 "
                         "([top, bottom, left, right])",
                         name, n);
    for (int i = 0; i < n; i++)
        if (v[i] < 0 || v[i] > hi)
            return pdsi_fail(err, PDS_ERR_MODEL_FORMAT,
                             "attribute '%s' entry %d is %lld, expected 0 to %lld", name, i,
                             (long long)v[i], (long long)hi);
    if (n == 0) {
        memset(out, 0, 4 * sizeof out[0]);
    } else if (n == 2) {
        out[0] = out[1] = v[0];
        out[2] = out[3] = v[1];
    } else {
        memcpy(out, v, 4 * sizeof out[0]);
    }
    return PDS_OK;
}
