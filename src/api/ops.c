/*
 * ops.c — the operator listing of include/pdsafe.h (pds_op_count,
 * pds_op_get_info): the registry of src/ops/ and the PIR mapping table of
 * src/model/pir_ops.c, as caller-owned strings.
 */
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "core/error.h"
#include "model/pir_ops.h"
#include "ops/opdef.h"
#include "pdsafe.h"

/* A string being built into a fixed field: fails once it would be cut. */
typedef struct field {
    char *buf;
    size_t cap, len;
    bool cut;
} field;

static void field_add(field *f, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void field_add(field *f, const char *fmt, ...)
{
    if (f->cut)
        return;
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(f->buf + f->len, f->cap - f->len, fmt, ap);
    va_end(ap);
    if (n < 0 || (size_t)n >= f->cap - f->len) {
        f->cut = true;
        return;
    }
    f->len += (size_t)n;
}

static const struct {
    unsigned flag;
    const char *name;
} flag_names[] = {
    {PDSI_OPF_DIMS_ONLY, "dims_only"}, {PDSI_OPF_UNARY, "unary"},
    {PDSI_OPF_BINARY, "binary"},       {PDSI_OPF_INPLACE, "inplace"},
    {PDSI_OPF_IDENTITY, "identity"},   {PDSI_OPF_POST_OP, "post_op"},
    {PDSI_OPF_INTERNAL, "internal"},   {PDSI_OPF_SIZE_AFTER_RUN, "size_after_run"},
    {PDSI_OPF_ELEMENTWISE_SCALARS, "elementwise_scalars"},
};

static void list_flags(field *f, unsigned flags)
{
    for (size_t k = 0; k < sizeof flag_names / sizeof flag_names[0]; k++)
        if (flags & flag_names[k].flag)
            field_add(f, "%s%s", f->len ? " " : "", flag_names[k].name);
}

/* "Name", "Name?", "Name+", "Name*" (pdsafe.h). */
static void list_slots(field *f, const pdsi_slotdef *slots)
{
    for (int k = 0; k < PDSI_MAX_SLOTS && slots[k].name; k++) {
        unsigned fl = slots[k].flags;
        const char *mark = !(fl & PDSI_SLOT_LIST) ? ((fl & PDSI_SLOT_OPTIONAL) ? "?" : "")
                           : (fl & PDSI_SLOT_OPTIONAL) ? "*"
                                                       : "+";
        field_add(f, "%s%s%s", k ? " " : "", slots[k].name, mark);
    }
}

static void list_data_inputs(field *f, const pdsi_opdef *d)
{
    for (int k = 0; k < PDSI_MAX_SLOTS && d->in[k].name; k++)
        if (d->data_dependent_inputs & (1u << k))
            field_add(f, "%s%s", f->len ? " " : "", d->in[k].name);
}

size_t pds_op_count(void)
{
    return (size_t)pdsi_opdef_count();
}

pds_status pds_op_get_info(size_t index, pds_op_info *info, pds_error *err)
{
    if (!info)
        return pdsi_fail(err, PDS_ERR_INVALID_ARGUMENT, "pds_op_get_info: info is NULL");
    /* The first version of the struct ends with pir_ops; later fields are
     * appended, and an older caller's smaller struct gets what it has. */
    const size_t first = offsetof(pds_op_info, pir_ops) + sizeof info->pir_ops;
    if (info->struct_size < first)
        return pdsi_fail(err, PDS_ERR_INVALID_ARGUMENT,
                         "pds_op_get_info: pds_op_info.struct_size is %u, expected at least "
                         "%zu (set it to sizeof(pds_op_info))",
                         info->struct_size, first);
    const pdsi_opdef *d = index < pds_op_count() ? pdsi_opdef_at((int)index) : NULL;
    if (!d)
        return pdsi_fail(err, PDS_ERR_INVALID_ARGUMENT,
                         "pds_op_get_info: index %zu is out of range (the library knows %zu "
                         "operators)",
                         index, pds_op_count());
    pds_op_info full;
    memset(&full, 0, sizeof full);
    full.id = (int32_t)d->id;
    full.internal = (d->flags & PDSI_OPF_INTERNAL) != 0;
    field fs[] = {
        {full.name, sizeof full.name, 0, false},
        {full.family, sizeof full.family, 0, false},
        {full.flags, sizeof full.flags, 0, false},
        {full.inputs, sizeof full.inputs, 0, false},
        {full.outputs, sizeof full.outputs, 0, false},
        {full.data_inputs, sizeof full.data_inputs, 0, false},
    };
    field_add(&fs[0], "%s", d->type);
    field_add(&fs[1], "%s", d->family);
    list_flags(&fs[2], d->flags);
    list_slots(&fs[3], d->in);
    list_slots(&fs[4], d->out);
    list_data_inputs(&fs[5], d);
    bool cut = pdsi_pir_names_of(d->type, full.pir_ops, sizeof full.pir_ops) >=
               sizeof full.pir_ops;
    for (size_t k = 0; k < sizeof fs / sizeof fs[0]; k++)
        cut |= fs[k].cut;
    if (cut)
        return pdsi_fail(err, PDS_ERR_INTERNAL,
                         "pds_op_get_info: a list of operator '%s' does not fit its field of "
                         "pds_op_info",
                         d->type);
    uint32_t size = info->struct_size;
    memcpy(info, &full, size < sizeof full ? size : sizeof full);
    info->struct_size = size;
    return PDS_OK;
}
