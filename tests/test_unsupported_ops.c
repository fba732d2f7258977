/*
 * test_unsupported_ops.c — a program with several operator types pdsafe does
 * not support fails to load with ONE PDS_ERR_UNSUPPORTED_OP naming them all,
 * each with its count and first position, in both formats; the message is
 * cut to fit pds_error.message with "and N more", and pds_model_check_files
 * gives the whole list without loading the model.
 *
 * The model is tests/unsupported_ops (tools/fixtures/make_fixtures.py
 * --unsupported): relu, lgamma, pixel_unshuffle, lgamma, kthvalue, mode (operators
 * nobody has planned to add, so that adding one does not change this test).
 */
#include <stdlib.h>

#include "harness.h"
#include "model/unsupported.h"

static char legacy_path[4096], json_path[4096];

static const char *const LEGACY_LIST =
    "4 operator types are not supported: lgamma (2, first at op 2), pixel_unshuffle (1, op 3), "
    "kthvalue (1, op 5), mode (1, op 6)";
static const char *const PIR_LIST =
    "4 operator types are not supported: pd_op.lgamma (2, first at op 2), pd_op.pixel_unshuffle "
    "(1, op 3), pd_op.kthvalue (1, op 5), pd_op.mode (1, op 6)";

static void check_load(const char *path, const char *list)
{
    pds_model m = 7;
    pds_error err;
    CHECK_STATUS(pds_model_load_files(path, NULL, NULL, &m, &err), PDS_ERR_UNSUPPORTED_OP, &err);
    CHECK(m == 0);
    char want[PDS_ERROR_MESSAGE_SIZE];
    snprintf(want, sizeof want, "%s: %s", path, list);
    if (strcmp(err.message, want) != 0)
        PDST_FAIL("message\n  '%s'\nexpected\n  '%s'", err.message, want);
}

static void check_list(const char *path, const char *list)
{
    pds_error err;
    size_t need = 0;
    CHECK_STATUS(pds_model_check_files(path, NULL, NULL, 0, &need, &err), PDS_ERR_BUFFER_SIZE,
                 &err);
    CHECK_EQ_INT((long)need, (long)strlen(list) + 1);
    char buf[1024];
    memset(buf, 'x', sizeof buf);
    CHECK_STATUS(pds_model_check_files(path, NULL, buf, need - 1, NULL, &err),
                 PDS_ERR_BUFFER_SIZE, &err);
    CHECK(buf[0] == 'x'); /* nothing written */
    CHECK_OK(pds_model_check_files(path, NULL, buf, sizeof buf, &need, &err), &err);
    if (strcmp(buf, list) != 0)
        PDST_FAIL("list\n  '%s'\nexpected\n  '%s'", buf, list);
}

static void test_legacy(void)
{
    check_load(legacy_path, LEGACY_LIST);
    check_list(legacy_path, LEGACY_LIST);
}

static void test_pir(void)
{
    check_load(json_path, PIR_LIST);
    check_list(json_path, PIR_LIST);
}

/* A model whose operators are all supported: the list is empty. */
static void test_supported_model(void)
{
    char path[4096], buf[8] = "x";
    size_t need = 99;
    pds_error err;
    snprintf(path, sizeof path, "%s/resnet/inference.pdmodel", pdst_fixtures_dir());
    CHECK_OK(pds_model_check_files(path, NULL, buf, sizeof buf, &need, &err), &err);
    CHECK_EQ_INT((long)need, 1);
    CHECK(buf[0] == '\0');
    snprintf(path, sizeof path, "%s/resnet/inference.json", pdst_fixtures_dir());
    CHECK_OK(pds_model_check_files(path, NULL, buf, sizeof buf, &need, &err), &err);
    CHECK(buf[0] == '\0');
}

static void test_arguments(void)
{
    pds_error err;
    char buf[4];
    CHECK_STATUS(pds_model_check_files(NULL, NULL, buf, sizeof buf, NULL, &err),
                 PDS_ERR_INVALID_ARGUMENT, &err);
    CHECK_STATUS(pds_model_check_files(legacy_path, NULL, NULL, 5, NULL, &err),
                 PDS_ERR_INVALID_ARGUMENT, &err);
    CHECK_STATUS(pds_model_check_files("/nonexistent/m.pdmodel", NULL, buf, sizeof buf, NULL,
                                       &err),
                 PDS_ERR_IO, &err);
}

/* Many types: the bounded text keeps what fits and says how many more. */
static void test_bounded(void)
{
    pdsi_unsupported u = {0};
    char type[32];
    for (int i = 0; i < 60; i++) {
        snprintf(type, sizeof type, "op_type_number_%02d", i);
        CHECK(pdsi_unsupported_add(&u, type, 10 + i));
        if (i % 3 == 0)
            CHECK(pdsi_unsupported_add(&u, type, 100 + i));
    }
    char full[8192], cut[200];
    size_t n = pdsi_unsupported_format(&u, false, full, sizeof full);
    CHECK_EQ_INT((long)n, (long)strlen(full));
    CHECK(strncmp(full, "60 operator types are not supported: op_type_number_00 (2, first at "
                        "op 10), op_type_number_01 (1, op 11), ", 94) == 0);
    CHECK(strstr(full, "op_type_number_59 (1, op 69)") != NULL);
    CHECK(strstr(full, "more") == NULL);
    pdsi_unsupported_format(&u, true, cut, sizeof cut);
    CHECK(strlen(cut) < sizeof cut);
    const char *tail = strstr(cut, ", and ");
    CHECK(tail != NULL);
    int listed = 0;
    for (const char *p = cut; (p = strstr(p, "op_type_number_")); p++)
        listed++;
    char want_tail[32];
    snprintf(want_tail, sizeof want_tail, ", and %d more", 60 - listed);
    CHECK(tail && strcmp(tail, want_tail) == 0);
    CHECK(listed >= 3);
    /* room for nothing but the header */
    pdsi_unsupported_format(&u, true, cut, 60);
    CHECK(strcmp(cut, "60 operator types are not supported: (the list does not fit here)") ==
          0 || strlen(cut) < 60);
    pdsi_unsupported_free(&u);

    pdsi_unsupported one = {0};
    CHECK(pdsi_unsupported_add(&one, "roll", 4));
    pdsi_unsupported_format(&one, true, cut, sizeof cut);
    CHECK(strcmp(cut, "1 operator type is not supported: roll (1, first at op 4)") == 0);
    pdsi_unsupported_free(&one);
}

int main(void)
{
    snprintf(legacy_path, sizeof legacy_path, "%s/../unsupported_ops/inference.pdmodel",
             pdst_fixtures_dir());
    snprintf(json_path, sizeof json_path, "%s/../unsupported_ops/inference.json",
             pdst_fixtures_dir());
    RUN_TEST(test_legacy);
    RUN_TEST(test_pir);
    RUN_TEST(test_supported_model);
    RUN_TEST(test_arguments);
    RUN_TEST(test_bounded);
    return pdst_summary();
}
