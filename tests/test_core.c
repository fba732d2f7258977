/*
 * test_core.c — the pieces under the API on their own: the handle table
 * (generations, kinds, forgeries), checked shape arithmetic, attribute
 * accessors and the IR builder (SSA renaming, slot checks, parameter writes).
 */
#include "core/handle.h"
#include "graph/graph.h"
#include "harness.h"

static pds_status lookup(uint64_t h, pdsi_kind kind, void **obj, pds_error *err)
{
    pdsi_handles_lock();
    pds_status st = pdsi_handle_lookup(h, kind, obj, "test", err);
    pdsi_handles_unlock();
    return st;
}

static void release(uint64_t h)
{
    pdsi_handles_lock();
    pdsi_handle_free(h);
    pdsi_handles_unlock();
}

static void test_handle_generations(void)
{
    pds_error err;
    int a, b;
    uint64_t ha, hb;
    void *obj;
    CHECK_OK(pdsi_handle_alloc(PDSI_KIND_MODEL, &a, &ha, &err), &err);
    CHECK(ha != 0);
    CHECK_OK(lookup(ha, PDSI_KIND_MODEL, &obj, &err), &err);
    CHECK(obj == &a);
    CHECK_STATUS(lookup(ha, PDSI_KIND_PREDICTOR, &obj, &err), PDS_ERR_WRONG_HANDLE_KIND, &err);
    CHECK(obj == NULL);
    release(ha);
    CHECK_STATUS(lookup(ha, PDSI_KIND_MODEL, &obj, &err), PDS_ERR_STALE_HANDLE, &err);
    /* The slot is reused with a new generation: the old handle stays stale. */
    CHECK_OK(pdsi_handle_alloc(PDSI_KIND_PREDICTOR, &b, &hb, &err), &err);
    CHECK((hb & 0xffffff) == (ha & 0xffffff));
    CHECK(hb != ha);
    CHECK_STATUS(lookup(ha, PDSI_KIND_MODEL, &obj, &err), PDS_ERR_STALE_HANDLE, &err);
    CHECK_OK(lookup(hb, PDSI_KIND_PREDICTOR, &obj, &err), &err);
    CHECK(obj == &b);
    /* Forged: future generation, index past the table, zero kind. */
    CHECK_STATUS(lookup(hb + (1ull << 24), PDSI_KIND_PREDICTOR, &obj, &err),
                 PDS_ERR_INVALID_HANDLE, &err);
    CHECK_STATUS(lookup((hb & ~0xffffffull) | 0xfffff0, PDSI_KIND_PREDICTOR, &obj, &err),
                 PDS_ERR_INVALID_HANDLE, &err);
    CHECK_STATUS(lookup(hb & ~(0xffull << 56), PDSI_KIND_PREDICTOR, &obj, &err),
                 PDS_ERR_INVALID_HANDLE, &err);
    CHECK_STATUS(lookup(0, PDSI_KIND_PREDICTOR, &obj, &err), PDS_ERR_INVALID_HANDLE, &err);
    release(hb);
    CHECK_EQ_INT(pdsi_handle_count(), 0);
}

static void test_shape_arithmetic(void)
{
    int64_t n;
    size_t bytes;
    int64_t ok[] = {2, 3, 4};
    CHECK(pdsi_shape_numel(ok, 3, &n) && n == 24);
    CHECK(pdsi_shape_numel(ok, 0, &n) && n == 1); /* 0-D: one element */
    int64_t zero[] = {2, 0, 4};
    CHECK(pdsi_shape_numel(zero, 3, &n) && n == 0);
    int64_t neg[] = {2, -1};
    CHECK(!pdsi_shape_numel(neg, 2, &n));
    int64_t huge[] = {INT64_MAX / 2, 3};
    CHECK(!pdsi_shape_numel(huge, 2, &n));
    CHECK(!pdsi_shape_numel(ok, PDSI_MAX_RANK + 1, &n));
    CHECK(pdsi_bytes_of(PDS_FLOAT32, 10, &bytes) && bytes == 40);
    CHECK(!pdsi_bytes_of(PDS_FLOAT32, INT64_MAX, &bytes));
    CHECK(!pdsi_bytes_of(PDS_FLOAT32, -1, &bytes));
    CHECK(!pdsi_bytes_of(PDS_DTYPE_UNKNOWN, 1, &bytes));
    char buf[64];
    CHECK(strcmp(pdsi_dims_str(ok, 3, buf, sizeof buf), "[2,3,4]") == 0);
}

static void test_attr_accessors(void)
{
    pds_error err;
    int64_t ints[] = {1, 2, 3};
    pdsi_attr a[] = {pdst_attr_int("groups", 2), pdst_attr_ints("strides", ints, 3),
                     pdst_attr_str("padding_algorithm", "SAME"),
                     pdst_attr_float("epsilon", 1e-5)};
    pdsi_attrs as = {a, 4, NULL};
    int64_t v;
    double f;
    const char *s;
    int64_t buf[2];
    int n;
    CHECK_OK(pdsi_attr_int(&as, "groups", 1, &v, &err), &err);
    CHECK_EQ_INT(v, 2);
    CHECK_OK(pdsi_attr_int(&as, "absent", 7, &v, &err), &err);
    CHECK_EQ_INT(v, 7);
    CHECK_STATUS(pdsi_attr_int(&as, "padding_algorithm", 0, &v, &err), PDS_ERR_MODEL_FORMAT,
                 &err);
    CHECK_MSG(err, "attribute 'padding_algorithm' is a string, expected an integer");
    CHECK_STATUS(pdsi_attr_ints(&as, "strides", buf, 2, &n, &err), PDS_ERR_MODEL_FORMAT, &err);
    CHECK_MSG(err, "3 entries, expected at most 2");
    CHECK_OK(pdsi_attr_float(&as, "epsilon", 0, &f, &err), &err);
    CHECK(f == 1e-5);
    CHECK_OK(pdsi_attr_float(&as, "groups", 0, &f, &err), &err); /* ints widen to floats */
    CHECK(f == 2.0);
    CHECK_OK(pdsi_attr_string(&as, "padding_algorithm", "EXPLICIT", &s, &err), &err);
    CHECK(strcmp(s, "SAME") == 0);
}

/* A graph built by hand: feed x, two writes of one name (SSA), fetch. */
static void test_graph_builder(void)
{
    pds_error err;
    pdsi_graph g;
    pdsi_graph_init(&g, NULL);
    int64_t dims[] = {-1, 4};
    int32_t id;
    CHECK_OK(pdsi_graph_declare(&g, "x", false, PDS_FLOAT32, 2, dims, &id, &err), &err);
    CHECK_OK(pdsi_graph_declare(&g, "y", false, PDS_FLOAT32, 2, dims, &id, &err), &err);
    CHECK_OK(pdsi_graph_set_input(&g, 0, "x", &err), &err);
    const char *x[] = {"x"}, *y[] = {"y"};
    pdsi_raw_slot in = {"X", 1, x}, out = {"Out", 1, y};
    pdsi_attr sc = pdst_attr_float("scale", 2.0);
    pdsi_raw_op op = {"scale", 1, &in, 1, &out, 1, {&sc, 1, NULL}};
    CHECK_OK(pdsi_graph_add_op(&g, &op, &err), &err);
    int32_t first = pdsi_graph_find(&g, "y");
    /* y = scale(y): reads the first y, writes a new value named y. */
    pdsi_raw_slot in2 = {"X", 1, y};
    pdsi_raw_op op2 = {"scale", 2, &in2, 1, &out, 1, {&sc, 1, NULL}};
    CHECK_OK(pdsi_graph_add_op(&g, &op2, &err), &err);
    int32_t second = pdsi_graph_find(&g, "y");
    CHECK(second != first);
    CHECK_EQ_INT(g.nodes[1].vals[0], first);
    CHECK_EQ_INT(g.nodes[1].vals[1], second);
    /* Reading a name nothing wrote, an unknown op type, an unknown non-empty slot. */
    const char *z[] = {"z"};
    pdsi_raw_slot inz = {"X", 1, z};
    pdsi_raw_op bad = {"scale", 3, &inz, 1, &out, 1, {NULL, 0, NULL}};
    CHECK_STATUS(pdsi_graph_add_op(&g, &bad, &err), PDS_ERR_MODEL_FORMAT, &err);
    CHECK_MSG(err, "op #3 (scale)");
    CHECK_MSG(err, "'z'");
    pdsi_raw_op unk = {"frobnicate", 4, &in, 1, &out, 1, {NULL, 0, NULL}};
    CHECK_STATUS(pdsi_graph_add_op(&g, &unk, &err), PDS_ERR_UNSUPPORTED_OP, &err);
    CHECK_MSG(err, "op #4: operator type 'frobnicate' is not supported");
    pdsi_raw_slot extra[] = {{"X", 1, x}, {"Frob", 1, x}};
    pdsi_raw_op ex = {"scale", 5, extra, 2, &out, 1, {NULL, 0, NULL}};
    CHECK_STATUS(pdsi_graph_add_op(&g, &ex, &err), PDS_ERR_UNSUPPORTED_OP, &err);
    CHECK_MSG(err, "input slot 'Frob'");
    pdsi_raw_op missing = {"scale", 6, NULL, 0, &out, 1, {NULL, 0, NULL}};
    CHECK_STATUS(pdsi_graph_add_op(&g, &missing, &err), PDS_ERR_MODEL_FORMAT, &err);
    CHECK_MSG(err, "required input slot 'X' is missing");
    CHECK_OK(pdsi_graph_set_output(&g, 0, "y", &err), &err);
    CHECK_EQ_INT(g.outputs[0], second);
    CHECK_STATUS(pdsi_graph_set_output(&g, 0, "x", &err), PDS_ERR_MODEL_FORMAT, &err);
    CHECK_MSG(err, "two outputs have col 0");
    CHECK_OK(pdsi_graph_finish(&g, &err), &err);
    pdsi_graph_free(&g);
}

static void test_graph_limits(void)
{
    pds_error err;
    pds_model_options o;
    pds_model_options_init(&o);
    o.max_values = 2;
    pdsi_graph g;
    pdsi_graph_init(&g, &o);
    int64_t dims[] = {4};
    int32_t id;
    CHECK_OK(pdsi_graph_declare(&g, "a", false, PDS_FLOAT32, 1, dims, &id, &err), &err);
    CHECK_OK(pdsi_graph_declare(&g, "b", false, PDS_FLOAT32, 1, dims, &id, &err), &err);
    CHECK_STATUS(pdsi_graph_declare(&g, "c", false, PDS_FLOAT32, 1, dims, &id, &err),
                 PDS_ERR_LIMIT, &err);
    CHECK_MSG(err, "max_values");
    int64_t big[PDSI_MAX_RANK + 1] = {0};
    CHECK_STATUS(pdsi_graph_declare(&g, "d", false, PDS_FLOAT32, PDSI_MAX_RANK + 1, big, &id,
                                    &err),
                 PDS_ERR_MODEL_FORMAT, &err);
    pdsi_graph_free(&g);
}

int main(void)
{
    RUN_TEST(test_handle_generations);
    RUN_TEST(test_shape_arithmetic);
    RUN_TEST(test_attr_accessors);
    RUN_TEST(test_graph_builder);
    RUN_TEST(test_graph_limits);
    return pdst_summary();
}
