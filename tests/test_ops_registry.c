/*
 * test_ops_registry.c — the operator registry as a whole: ids dense and in the
 * order of ops/op_list.h, one opdef per id with the list's name and family,
 * names unique and found by name (internal operators not), a reference kernel
 * bound to every id, and capability flags that agree with the slot lists the
 * passes and the planner rely on.
 */
#include "harness.h"
#include "kernels/ref/ref.h"
#include "ops/activation.h"
#include "ops/elementwise.h"

typedef struct listed {
    int id;
    const char *name;
} listed;

#define ROW_(ID, name) {PDSI_OP_##ID, #name},
#define FAMILY_ROWS_(FAM, fam) PDSI_OPS_##FAM(ROW_)
static const listed op_list[] = {PDSI_OP_FAMILIES(FAMILY_ROWS_)};
#undef FAMILY_ROWS_
#undef ROW_

typedef struct listed_family {
    const char *name;
    int first, count;
} listed_family;

#define FAMILY_(FAM, fam) {#fam, PDSI_OPS_##FAM##_FIRST, PDSI_OPS_##FAM##_COUNT},
static const listed_family family_list[] = {PDSI_OP_FAMILIES(FAMILY_)};
#undef FAMILY_

#define N_LISTED ((int)(sizeof op_list / sizeof op_list[0]))
#define N_FAMILIES ((int)(sizeof family_list / sizeof family_list[0]))

static void test_ids_dense_in_list_order(void)
{
    CHECK_EQ_INT(pdsi_opdef_count(), PDSI_OP_COUNT);
    CHECK_EQ_INT(N_LISTED, PDSI_OP_COUNT);
    /* The 82 operators the engine shipped with when ids were introduced, and
     * erf (the worked example of docs/ADDING_AN_OPERATOR.md); issue 12's: 7 unary
     * math (activation), 6 comparisons, 4 logical and where (elementwise), then
     * expand_v2, expand_as_v2, tile, gather, index_select, gather_nd,
     * take_along_axis (shape) and cumsum (reduce); the index family's 8
     * (lookup_table_v2, one_hot_v2, range, linspace,
     * fill_constant_batch_size_like, meshgrid, roll, set_value), the sort
     * family's 2 (top_k_v2, argsort), instance_norm and group_norm (norm),
     * p_norm (reduce), pixel_shuffle and grid_sampler (interp), and the detect
     * family's 4 (yolo_box, prior_box, multiclass_nms3, matrix_nms), and the
     * quant family's 2 (quantize_linear, dequantize_linear); the passes'
     * pdsafe_affine (fused); unfold (conv) and linear_interp_v2 (interp); the
     * control family's select_input; RT-DETR's bitwise_and (elementwise),
     * reduce_all and reduce_any (reduce), flip and share_data (shape). */
    CHECK_EQ_INT(PDSI_OP_COUNT, 83 + 7 + 11 + 8 + 8 + 2 + 5 + 4 + 2 + 1 + 2 + 1 + 5);
    for (int i = 0; i < N_LISTED; i++) {
        CHECK_EQ_INT(op_list[i].id, i);
        const pdsi_opdef *d = pdsi_opdef_at(i);
        if (!d) {
            PDST_FAIL("op id %d (%s) has no opdef at its place in the registry", i,
                      op_list[i].name);
            continue;
        }
        CHECK_EQ_INT(d->id, i);
        if (strcmp(d->type, op_list[i].name) != 0)
            PDST_FAIL("op id %d is '%s' in the registry, '%s' in ops/op_list.h", i, d->type,
                      op_list[i].name);
    }
    CHECK(pdsi_opdef_at(-1) == NULL);
    CHECK(pdsi_opdef_at(PDSI_OP_COUNT) == NULL);
    CHECK(pdsi_opdef_at(PDSI_OP_RELU) != NULL &&
          strcmp(pdsi_opdef_at(PDSI_OP_RELU)->type, "relu") == 0);
    CHECK(pdsi_opdef_at(PDSI_OP_PDSAFE_MATMUL) != NULL &&
          strcmp(pdsi_opdef_at(PDSI_OP_PDSAFE_MATMUL)->type, "pdsafe_matmul") == 0);
}

static void test_families_partition_ids(void)
{
    int next = 0;
    for (int f = 0; f < N_FAMILIES; f++) {
        const listed_family *fam = &family_list[f];
        CHECK_EQ_INT(fam->first, next);
        CHECK(fam->count >= 1);
        for (int i = fam->first; i < fam->first + fam->count; i++) {
            const pdsi_opdef *d = pdsi_opdef_at(i);
            if (d && (!d->family || strcmp(d->family, fam->name) != 0))
                PDST_FAIL("op '%s' says family '%s', ops/op_list.h lists it under '%s'",
                          d->type, d->family ? d->family : "(null)", fam->name);
        }
        next = fam->first + fam->count;
    }
    CHECK_EQ_INT(next, PDSI_OP_COUNT);
    CHECK_EQ_INT(PDSI_OPS_ELEMENTWISE_COUNT, 9 + 12);
    CHECK_EQ_INT(PDSI_OP_ELEMENTWISE_ADD, PDSI_OPS_ELEMENTWISE_FIRST);
    CHECK_EQ_INT(PDSI_OP_CONV2D, 0);
}

static void test_names_unique_and_found(void)
{
    for (int i = 0; i < PDSI_OP_COUNT; i++) {
        const pdsi_opdef *d = pdsi_opdef_at(i);
        if (!d)
            continue;
        for (int j = i + 1; j < PDSI_OP_COUNT; j++) {
            const pdsi_opdef *e = pdsi_opdef_at(j);
            if (e && strcmp(d->type, e->type) == 0)
                PDST_FAIL("ops %d and %d are both named '%s'", i, j, d->type);
        }
        const pdsi_opdef *found = pdsi_opdef_find(d->type);
        if (d->flags & PDSI_OPF_INTERNAL) {
            /* A model file cannot name what the passes make. */
            if (found)
                PDST_FAIL("internal op '%s' is found by name", d->type);
        } else if (found != d) {
            PDST_FAIL("pdsi_opdef_find(\"%s\") does not return op id %d", d->type, i);
        }
    }
    CHECK(pdsi_opdef_find("no_such_op") == NULL);
    CHECK(pdsi_opdef_find("") == NULL);
    CHECK(pdsi_opdef_find("pdsafe_conv") == NULL);
    CHECK(pdsi_opdef_find("elementwise_add") == pdsi_opdef_at(PDSI_OP_ELEMENTWISE_ADD));
}

static void test_every_op_has_reference_kernel(void)
{
    for (int i = 0; i < PDSI_OP_COUNT; i++) {
        const pdsi_opdef *d = pdsi_opdef_at(i);
        if (!pdsi_ref_kernel((pdsi_op_id)i))
            PDST_FAIL("op id %d (%s) has no reference kernel", i, d ? d->type : "?");
        if (d && !d->infer)
            PDST_FAIL("op '%s' has no shape inference", d->type);
    }
    CHECK(pdsi_ref_kernel(PDSI_OP_COUNT) == NULL);
    CHECK(pdsi_ref_kernel((pdsi_op_id)-1) == NULL);
    /* The bindings name the kernels the families declare. */
    CHECK(pdsi_ref_kernel(PDSI_OP_RELU) == pdsi_ref_unary);
    CHECK(pdsi_ref_kernel(PDSI_OP_POW) == pdsi_ref_unary);
    CHECK(pdsi_ref_kernel(PDSI_OP_ERF) == pdsi_ref_unary);
    CHECK(pdsi_ref_kernel(PDSI_OP_SCALE) == pdsi_ref_scale);
    CHECK(pdsi_ref_kernel(PDSI_OP_DROPOUT) == pdsi_ref_dropout);
    CHECK(pdsi_ref_kernel(PDSI_OP_ELEMENTWISE_MOD) == pdsi_ref_binary);
    CHECK(pdsi_ref_kernel(PDSI_OP_DEPTHWISE_CONV2D_TRANSPOSE) == pdsi_conv2d_transpose_ref);
    CHECK(pdsi_ref_kernel(PDSI_OP_LOG_SOFTMAX) == pdsi_ref_softmax);
    CHECK(pdsi_ref_kernel(PDSI_OP_SHAPE) == pdsi_shape_ref);
    CHECK(pdsi_ref_kernel(PDSI_OP_ASSIGN) == pdsi_copy_ref);
    CHECK(pdsi_ref_kernel(PDSI_OP_ASSIGN_VALUE) == pdsi_assign_value_ref);
    CHECK(pdsi_ref_kernel(PDSI_OP_PDSAFE_MATMUL) == pdsi_fused_matmul_ref);
}

/* Slot k of a list exists, is named `name` (NULL: any) and has exactly the
 * slot flags `flags`. */
static bool slot_is(const pdsi_slotdef *s, int k, const char *name, unsigned flags)
{
    return s[k].name && (!name || strcmp(s[k].name, name) == 0) && s[k].flags == flags;
}

static void check_slot_names_unique(const pdsi_opdef *d, const pdsi_slotdef *s, const char *dir)
{
    int n = pdsi_opdef_slot_count(s);
    for (int a = 0; a < n; a++)
        for (int b = a + 1; b < n; b++)
            if (strcmp(s[a].name, s[b].name) == 0)
                PDST_FAIL("op '%s' has two %s slots named '%s'", d->type, dir, s[a].name);
}

static void test_flags_match_slots(void)
{
    int n_unary = 0, n_binary = 0, n_post = 0, n_identity = 0, n_dims = 0, n_internal = 0;
    int n_after_run = 0, n_scalars = 0;
    for (int i = 0; i < PDSI_OP_COUNT; i++) {
        const pdsi_opdef *d = pdsi_opdef_at(i);
        if (!d)
            continue;
        unsigned f = d->flags;
        int n_in = pdsi_opdef_slot_count(d->in), n_out = pdsi_opdef_slot_count(d->out);
        check_slot_names_unique(d, d->in, "input");
        check_slot_names_unique(d, d->out, "output");
        if (n_in < PDSI_MAX_SLOTS && d->data_dependent_inputs >> n_in)
            PDST_FAIL("op '%s' marks data-dependent input slots it does not have (0x%x, %d "
                      "slots)", d->type, d->data_dependent_inputs, n_in);
        if (f & ~(PDSI_OPF_DIMS_ONLY | PDSI_OPF_UNARY | PDSI_OPF_BINARY | PDSI_OPF_INPLACE |
                  PDSI_OPF_IDENTITY | PDSI_OPF_POST_OP | PDSI_OPF_INTERNAL |
                  PDSI_OPF_SIZE_AFTER_RUN | PDSI_OPF_ELEMENTWISE_SCALARS))
            PDST_FAIL("op '%s' has unknown flags 0x%x", d->type, f);
        if (f & PDSI_OPF_UNARY) {
            n_unary++;
            /* X then scalar operands; Out then optional extras. */
            bool ok = slot_is(d->in, 0, "X", PDSI_SLOT_REQUIRED) &&
                      slot_is(d->out, 0, "Out", PDSI_SLOT_REQUIRED);
            for (int k = 1; k < n_in; k++)
                ok = ok && slot_is(d->in, k, NULL, PDSI_SLOT_OPTIONAL);
            for (int k = 1; k < n_out; k++)
                ok = ok && slot_is(d->out, k, NULL, PDSI_SLOT_OPTIONAL);
            if (!ok)
                PDST_FAIL("unary op '%s' does not have one required input X and one required "
                          "output Out (others optional)", d->type);
            if (f & PDSI_OPF_BINARY)
                PDST_FAIL("op '%s' is both unary and binary", d->type);
        }
        if (f & PDSI_OPF_BINARY) {
            n_binary++;
            if (n_in != 2 || n_out != 1 || !slot_is(d->in, 0, "X", PDSI_SLOT_REQUIRED) ||
                !slot_is(d->in, 1, "Y", PDSI_SLOT_REQUIRED) ||
                !slot_is(d->out, 0, "Out", PDSI_SLOT_REQUIRED))
                PDST_FAIL("binary op '%s' does not have required inputs X, Y and output Out",
                          d->type);
            CHECK_EQ_INT(d->params_size, sizeof(pdsi_binary_params));
        }
        if (f & PDSI_OPF_POST_OP) {
            n_post++;
            if (!(f & PDSI_OPF_UNARY) || d->params_size != sizeof(pdsi_unary_params))
                PDST_FAIL("post-op '%s' is not a unary op with pdsi_unary_params", d->type);
        }
        if ((f & PDSI_OPF_INPLACE) && !(f & PDSI_OPF_UNARY))
            PDST_FAIL("in-place op '%s' is not element-wise unary", d->type);
        if (f & PDSI_OPF_IDENTITY) {
            n_identity++;
            if (!slot_is(d->in, 0, "X", PDSI_SLOT_REQUIRED) ||
                !slot_is(d->out, 0, "Out", PDSI_SLOT_REQUIRED))
                PDST_FAIL("identity op '%s' does not forward a required X to Out", d->type);
        }
        if (f & PDSI_OPF_DIMS_ONLY) {
            n_dims++;
            if (n_in != 1 || d->data_dependent_inputs != 0)
                PDST_FAIL("dims-only op '%s' has %d inputs, data mask 0x%x", d->type, n_in,
                          d->data_dependent_inputs);
        }
        if (f & PDSI_OPF_SIZE_AFTER_RUN) {
            n_after_run++;
            /* the point of the flag: shape inference reads no data, so
             * nothing upstream is pulled into phase 1 */
            if (d->data_dependent_inputs != 0 || (f & ~PDSI_OPF_SIZE_AFTER_RUN))
                PDST_FAIL("size-after-run op '%s' reads data in shape inference (0x%x) or has "
                          "other flags (0x%x)", d->type, d->data_dependent_inputs, f);
        }
        if (f & PDSI_OPF_ELEMENTWISE_SCALARS) {
            n_scalars++;
            /* X first, one output Y or Out, never also unary or binary */
            if (!slot_is(d->in, 0, "X", PDSI_SLOT_REQUIRED) || (f & ~PDSI_OPF_ELEMENTWISE_SCALARS))
                PDST_FAIL("element-wise-with-scalars op '%s' has no required X first, or other "
                          "flags (0x%x)", d->type, f);
        }
        if (f & PDSI_OPF_INTERNAL) {
            n_internal++;
            if (strcmp(d->family, "fused") != 0)
                PDST_FAIL("internal op '%s' is not of the fused family", d->type);
        }
    }
    CHECK_EQ_INT(n_unary, 24 + 7 + 1); /* + pdsafe_affine */
    CHECK_EQ_INT(n_binary, 9);
    CHECK_EQ_INT(n_post, 21 + 1);
    CHECK_EQ_INT(n_identity, 4); /* assign, share_data, dropout, scale */
    CHECK_EQ_INT(n_dims, 2); /* shape, fill_constant_batch_size_like */
    CHECK_EQ_INT(n_internal, PDSI_OPS_FUSED_COUNT);
    CHECK_EQ_INT(n_after_run, 2);
    CHECK_EQ_INT(n_scalars, 2); /* quantize_linear, dequantize_linear */
    CHECK(pdsi_opdef_at(PDSI_OP_MULTICLASS_NMS3)->flags == PDSI_OPF_SIZE_AFTER_RUN);
    CHECK(pdsi_opdef_at(PDSI_OP_MATRIX_NMS)->flags == PDSI_OPF_SIZE_AFTER_RUN);
    /* The ones the passes and the planner single out. */
    CHECK(pdsi_opdef_at(PDSI_OP_SHAPE)->flags == PDSI_OPF_DIMS_ONLY);
    CHECK(pdsi_opdef_at(PDSI_OP_ASSIGN)->flags == PDSI_OPF_IDENTITY);
    CHECK(pdsi_opdef_at(PDSI_OP_SHARE_DATA)->flags == PDSI_OPF_IDENTITY);
    CHECK(pdsi_opdef_at(PDSI_OP_SCALE)->flags ==
          (PDSI_OPF_UNARY | PDSI_OPF_INPLACE | PDSI_OPF_IDENTITY));
    CHECK(pdsi_opdef_at(PDSI_OP_CLIP)->flags ==
          (PDSI_OPF_UNARY | PDSI_OPF_INPLACE | PDSI_OPF_POST_OP));
    CHECK(pdsi_opdef_at(PDSI_OP_ELEMENTWISE_ADD)->flags == PDSI_OPF_BINARY);
    /* Not a post-op: oneDNN cannot fuse it (ops/activation.c). */
    CHECK(pdsi_opdef_at(PDSI_OP_ERF)->flags == (PDSI_OPF_UNARY | PDSI_OPF_INPLACE));
    CHECK(pdsi_opdef_at(PDSI_OP_CONV2D)->flags == 0);
    CHECK(pdsi_opdef_at(PDSI_OP_CAST)->flags == 0);
    CHECK(pdsi_opdef_at(PDSI_OP_PDSAFE_CONV)->flags == PDSI_OPF_INTERNAL);
    CHECK_EQ_INT(pdsi_opdef_at(PDSI_OP_CLIP)->data_dependent_inputs, (1u << 1) | (1u << 2));
    /* Issue 12, second set: data movement and cumsum, no flags; the shapes of
     * expand_v2 and tile come from tensors, gather's axis may. */
    CHECK(pdsi_opdef_at(PDSI_OP_GATHER)->flags == 0);
    CHECK(pdsi_opdef_at(PDSI_OP_CUMSUM)->flags == 0);
    CHECK_EQ_INT(pdsi_opdef_at(PDSI_OP_EXPAND_V2)->data_dependent_inputs, (1u << 1) | (1u << 2));
    CHECK_EQ_INT(pdsi_opdef_at(PDSI_OP_TILE)->data_dependent_inputs, (1u << 1) | (1u << 2));
    CHECK_EQ_INT(pdsi_opdef_at(PDSI_OP_GATHER)->data_dependent_inputs, 1u << 2);
    CHECK_EQ_INT(pdsi_opdef_at(PDSI_OP_EXPAND_AS_V2)->data_dependent_inputs, 0);
}

int main(void)
{
    RUN_TEST(test_ids_dense_in_list_order);
    RUN_TEST(test_families_partition_ids);
    RUN_TEST(test_names_unique_and_found);
    RUN_TEST(test_every_op_has_reference_kernel);
    RUN_TEST(test_flags_match_slots);
    return pdst_summary();
}
