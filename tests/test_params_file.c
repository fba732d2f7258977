/*
 * test_params_file.c — parameters read from a file against the same bytes
 * read from memory.
 *
 * From a file, the loader reads a .pdiparams record by record: headers
 * piece by piece, tensor data straight into the tensors once every header
 * has been checked, spread over the executor's threads for files of 1 MiB
 * or more. From memory it walks the caller's buffer. Both must give exactly
 * the same parameters, and for a damaged file exactly the same status and
 * message (same byte offset, same parameter). A file that shrinks between
 * open and read must be an I/O error naming the file and the parameter, never
 * a read past its end (DESIGN M19).
 *
 * test_params_rule: with no parameter path, one rule finds the parameters
 * of a program file and of the program in a model directory (pdsafe.h,
 * pds_model_load_files): X.pdmodel -> X.pdiparams, X.json ->
 * X.json.pdiparams then X.pdiparams; a directory with two programs, a FIFO
 * and a program whose parameters are nowhere are refused with messages that
 * name the paths.
 */
#include <fcntl.h>
#include <stdint.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/executor.h"
#include "graph/graph.h"
#include "harness.h"
#include "loader_testlib.h"
#include "model/loader.h"

static char tmpdir[64];

static char *fixture_path(const char *model, const char *file)
{
    static char buf[4][1024];
    static int k;
    char *p = buf[k++ % 4];
    snprintf(p, sizeof buf[0], "%s/%s/%s", pdst_fixtures_dir(), model, file);
    return p;
}

static uint8_t *slurp(const char *path, size_t *len)
{
    uint8_t *data = NULL;
    pds_error err = {0};
    if (pdsi_read_file(path, 1u << 30, &data, len, &err) != PDS_OK) {
        PDST_FAIL("could not read %s: %s", path, err.message);
        return NULL;
    }
    return data;
}

static bool spill(const char *path, const uint8_t *data, size_t len)
{
    FILE *f = fopen(path, "wb");
    bool ok = f && fwrite(data, 1, len, f) == len;
    if (f)
        ok = fclose(f) == 0 && ok;
    if (!ok)
        PDST_FAIL("could not write %s", path);
    return ok;
}

/* Every parameter of a and b: same names, dtypes, dims and bytes. */
static void check_same_params(const char *what, const pdsi_graph *a, const pdsi_graph *b)
{
    int n = 0;
    CHECK_EQ_INT(a->n_values, b->n_values);
    for (int32_t i = 0; i < a->n_values && i < b->n_values; i++) {
        const pdsi_value *x = &a->values[i], *y = &b->values[i];
        if (x->kind != PDSI_VALUE_PARAM && y->kind != PDSI_VALUE_PARAM)
            continue;
        n++;
        if (x->kind != y->kind || strcmp(x->name, y->name) != 0 ||
            x->data.dtype != y->data.dtype || x->data.rank != y->data.rank ||
            memcmp(x->data.dims, y->data.dims, sizeof x->data.dims) != 0) {
            PDST_FAIL("%s: parameter %s differs in kind, name, dtype or dims", what, x->name);
            continue;
        }
        size_t bytes = pdsi_tensor_bytes(&x->data);
        if (bytes && memcmp(x->data.data, y->data.data, bytes) != 0)
            PDST_FAIL("%s: parameter %s has different data (%zu bytes)", what, x->name, bytes);
    }
    if (n == 0)
        PDST_FAIL("%s: no parameters compared", what);
}

static pds_status load_buffers(const uint8_t *m, size_t ml, const uint8_t *p, size_t pl,
                               pdsi_graph *g, pds_error *err)
{
    pdsi_graph_init(g, NULL);
    memset(err, 0, sizeof *err);
    return pdsi_load_buffers(m, ml, p, pl, g, err);
}

static pds_status load_files(const char *m, const char *p, pdsi_graph *g, pds_error *err)
{
    pdsi_graph_init(g, NULL);
    memset(err, 0, sizeof *err);
    return pdsi_load_files(m, p, g, err);
}

/* Real models (one of them above the 1 MiB at which reads go parallel): the
 * file path and the buffer path give identical parameters. */
static void test_same_parameters(void)
{
    static const char *models[] = {"op_conv", "resnet", "mobilenetv3", "svtr_rec", "db_det"};
    for (size_t k = 0; k < sizeof models / sizeof models[0]; k++) {
        size_t ml, pl;
        uint8_t *m = slurp(fixture_path(models[k], "inference.pdmodel"), &ml);
        uint8_t *p = slurp(fixture_path(models[k], "inference.pdiparams"), &pl);
        if (!m || !p) {
            free(m);
            free(p);
            continue;
        }
        pdsi_graph a, b;
        pds_error ea, eb;
        CHECK_OK(load_buffers(m, ml, p, pl, &a, &ea), &ea);
        CHECK_OK(load_files(fixture_path(models[k], "inference.pdmodel"),
                            fixture_path(models[k], "inference.pdiparams"), &b, &eb),
                 &eb);
        check_same_params(models[k], &a, &b);
        pdsi_graph_free(&a);
        pdsi_graph_free(&b);
        free(m);
        free(p);
    }
}

/* The file's message with its path written as the buffer's name. */
static void as_buffer_message(const char *msg, const char *path, char *out, size_t cap)
{
    size_t n = 0, pl = strlen(path);
    while (*msg && n + 1 < cap) {
        if (strncmp(msg, path, pl) == 0) {
            n += (size_t)snprintf(out + n, cap - n, "<params buffer>");
            if (n >= cap)
                break;
            msg += pl;
        } else {
            out[n++] = *msg++;
        }
    }
    out[n < cap ? n : cap - 1] = '\0';
}

/* One damaged parameter file, loaded both ways: same status, same message. */
static void check_damaged(const char *what, const char *model_path, const uint8_t *m, size_t ml,
                          const uint8_t *p, size_t pl, pds_status want)
{
    char path[128];
    snprintf(path, sizeof path, "%s/damaged.pdiparams", tmpdir);
    if (!spill(path, p, pl))
        return;
    pdsi_graph a, b;
    pds_error ea, eb;
    pds_status sa = load_buffers(m, ml, p, pl, &a, &ea);
    pds_status sb = load_files(model_path, path, &b, &eb);
    char fixed[PDS_ERROR_MESSAGE_SIZE];
    as_buffer_message(eb.message, path, fixed, sizeof fixed);
    if (sa != sb || (want != PDS_OK && sa != want) || strcmp(ea.message, fixed) != 0)
        PDST_FAIL("%s: from memory %s \"%s\"; from the file %s \"%s\" (expected %s both ways, "
                  "with the same message)",
                  what, pds_status_name(sa), ea.message, pds_status_name(sb), eb.message,
                  want == PDS_OK ? "the same status" : pds_status_name(want));
    pdsi_graph_free(&a);
    pdsi_graph_free(&b);
}

/* Truncated and byte-flipped copies of a real parameter file fail the same
 * way from a file as from memory. */
static void test_damaged_same_errors(void)
{
    const char *mp = fixture_path("pplcnet", "inference.pdmodel");
    size_t ml, pl;
    uint8_t *m = slurp(mp, &ml);
    uint8_t *p = slurp(fixture_path("pplcnet", "inference.pdiparams"), &pl);
    uint8_t *d = p ? malloc(pl + 16) : NULL;
    if (!m || !p || !d) {
        free(m);
        free(p);
        free(d);
        return;
    }
    char what[96];
    /* Every cut in the first records' headers and data, then cuts spread
     * over the rest of the file; a file with bytes after the last record. */
    for (size_t cut = 0; cut < pl; cut += cut < 400 ? 1 : pl / 97) {
        snprintf(what, sizeof what, "pplcnet params cut to %zu of %zu bytes", cut, pl);
        check_damaged(what, mp, m, ml, p, cut, PDS_ERR_MODEL_FORMAT);
    }
    memcpy(d, p, pl);
    memset(d + pl, 0, 16);
    check_damaged("pplcnet params with 16 extra bytes", mp, m, ml, d, pl + 16,
                  PDS_ERR_MODEL_FORMAT);
    /* Each byte of the first record's header flipped: the status may be OK
     * (a dims byte that keeps a valid shape) or an error; both ways agree. */
    for (size_t at = 0; at < 64 && at < pl; at++) {
        memcpy(d, p, pl);
        d[at] ^= 0x5a;
        snprintf(what, sizeof what, "pplcnet params with byte %zu flipped", at);
        check_damaged(what, mp, m, ml, d, pl, PDS_OK);
    }
    free(m);
    free(p);
    free(d);
}

/* The parameter file shrinks after it was opened (another process rewrote
 * it): every read is bounded by what the file still holds. */
static void test_file_shrinks_while_read(void)
{
    const char *model = "mobilenetv3"; /* > 1 MiB: read in parallel shares */
    size_t ml, pl;
    uint8_t *m = slurp(fixture_path(model, "inference.pdmodel"), &ml);
    uint8_t *p = slurp(fixture_path(model, "inference.pdiparams"), &pl);
    if (!m || !p) {
        free(m);
        free(p);
        return;
    }
    CHECK(pl >= (1u << 20));
    char path[128];
    snprintf(path, sizeof path, "%s/shrinking.pdiparams", tmpdir);
    const size_t keep[] = {pl - 1, pl / 2, pl / 5, 40, 0};
    for (size_t k = 0; k < sizeof keep / sizeof keep[0]; k++) {
        if (!spill(path, p, pl))
            break;
        int fd;
        size_t len;
        pds_error err = {0};
        CHECK_OK(pdsi_open_file(path, 1u << 30, &fd, &len, &err), &err);
        CHECK_EQ_INT(len, pl);
        /* Now the file is cut; the loader still believes its opening size. */
        CHECK_EQ_INT(truncate(path, (off_t)keep[k]), 0);
        pdsi_param_source src = {.combined_file = true, .combined_fd = fd,
                                 .combined_len = len, .combined_name = path};
        pdsi_graph g;
        pdsi_graph_init(&g, NULL);
        CHECK_STATUS(pdsi_load_legacy(m, ml, "inference.pdmodel", &src, &g, &err), PDS_ERR_IO,
                     &err);
        CHECK_MSG(err, "became shorter while it was read");
        CHECK_MSG(err, path);
        CHECK_MSG(err, "parameter '");
        pdsi_graph_free(&g);
        close(fd);
    }

    /* pdsi_read_at itself: exact offsets in the message. */
    CHECK(spill(path, p, 100));
    int fd;
    size_t len;
    pds_error err = {0};
    CHECK_OK(pdsi_open_file(path, 1000, &fd, &len, &err), &err);
    uint8_t buf[100];
    CHECK_OK(pdsi_read_at(fd, path, 10, buf, 90, &err), &err);
    CHECK(memcmp(buf, p + 10, 90) == 0);
    CHECK_EQ_INT(truncate(path, 60), 0);
    CHECK_STATUS(pdsi_read_at(fd, path, 10, buf, 90, &err), PDS_ERR_IO, &err);
    CHECK_MSG(err, "it ended at byte offset 60, expected at least 100 bytes");
    close(fd);
    unlink(path);
    free(m);
    free(p);
}

/* Copies fixture file `file` of `model` to dir/name. */
static void copy_fixture(const char *model, const char *file, const char *dir, const char *name)
{
    size_t len;
    uint8_t *data = slurp(fixture_path(model, file), &len);
    if (data)
        pdst_write_file(dir, name, data, len);
    free(data);
}

/* Loads m with no parameter path and checks it gives exactly the parameters
 * of want_params (an explicit parameter file) with the same program. */
static void check_found(const char *m, const char *want_params, pds_model_format format)
{
    pdsi_graph a, b;
    pds_error err;
    pds_status st = load_files(m, NULL, &a, &err);
    pdst_check_load(st, &err, PDS_OK, NULL, NULL);
    CHECK_EQ_INT(a.format, format);
    st = load_files(m, want_params, &b, &err);
    pdst_check_load(st, &err, PDS_OK, NULL, NULL);
    check_same_params(m, &a, &b);
    pdsi_graph_free(&a);
    pdsi_graph_free(&b);
}

static void check_refused(const char *m, pds_status want, const char *s1, const char *s2)
{
    pdsi_graph g;
    pds_error err;
    pds_status st = load_files(m, NULL, &g, &err);
    pdst_check_load(st, &err, want, s1, s2);
    pdsi_graph_free(&g);
}

static void test_params_rule(void)
{
    char root[256], d[512], m[600], p[600], w1[1400], w2[700];
    pdst_make_tmpdir(root, sizeof root, "rule");

    /* A legacy program file: X.pdmodel -> X.pdiparams. */
    snprintf(d, sizeof d, "%s/legacy", root);
    mkdir(d, 0700);
    copy_fixture("pplcnet", "inference.pdmodel", d, "net.pdmodel");
    copy_fixture("pplcnet", "inference.pdiparams", d, "net.pdiparams");
    snprintf(m, sizeof m, "%s/net.pdmodel", d);
    snprintf(p, sizeof p, "%s/net.pdiparams", d);
    check_found(m, p, PDS_FORMAT_LEGACY);

    /* A PIR program file: X.json -> X.pdiparams ... */
    snprintf(d, sizeof d, "%s/pir", root);
    mkdir(d, 0700);
    copy_fixture("pplcnet", "inference.json", d, "net.json");
    copy_fixture("pplcnet", "inference.pdiparams", d, "net.pdiparams");
    snprintf(m, sizeof m, "%s/net.json", d);
    snprintf(p, sizeof p, "%s/net.pdiparams", d);
    check_found(m, p, PDS_FORMAT_PIR_JSON);
    /* ... but X.json.pdiparams first: a damaged one is the file read. */
    size_t len;
    uint8_t *params = slurp(fixture_path("pplcnet", "inference.pdiparams"), &len);
    if (params)
        pdst_write_file(d, "net.json.pdiparams", params, len - 1);
    snprintf(w1, sizeof w1, "%s/net.json.pdiparams: byte offset", d);
    check_refused(m, PDS_ERR_MODEL_FORMAT, w1, "(the file is");
    if (params)
        pdst_write_file(d, "net.json.pdiparams", params, len);
    snprintf(p, sizeof p, "%s/net.json.pdiparams", d);
    check_found(m, p, PDS_FORMAT_PIR_JSON);
    free(params);

    /* No parameter file beside the program: the message names the paths. */
    snprintf(d, sizeof d, "%s/alone", root);
    mkdir(d, 0700);
    copy_fixture("pplcnet", "inference.pdmodel", d, "net.pdmodel");
    copy_fixture("pplcnet", "inference.json", d, "net.json");
    snprintf(m, sizeof m, "%s/net.pdmodel", d);
    snprintf(w1, sizeof w1, "(looked for '%s/net.pdiparams')", d);
    check_refused(m, PDS_ERR_INVALID_ARGUMENT, "but no parameter file was given", w1);
    snprintf(m, sizeof m, "%s/net.json", d);
    snprintf(w1, sizeof w1, "(looked for '%s/net.json.pdiparams' and '%s/net.pdiparams')", d, d);
    check_refused(m, PDS_ERR_INVALID_ARGUMENT, "but no parameter file was given", w1);
    /* ... while a program without parameters loads without one. */
    copy_fixture("op_dropout", "inference.pdmodel", d, "noparams.pdmodel");
    copy_fixture("op_dropout", "inference.json", d, "noparams.json");
    snprintf(m, sizeof m, "%s/noparams.pdmodel", d);
    check_refused(m, PDS_OK, NULL, NULL);
    snprintf(m, sizeof m, "%s/noparams.json", d);
    check_refused(m, PDS_OK, NULL, NULL);

    /* A directory with one program: the same rule, both formats. */
    snprintf(d, sizeof d, "%s/dir_legacy", root);
    mkdir(d, 0700);
    copy_fixture("pplcnet", "inference.pdmodel", d, "inference.pdmodel");
    snprintf(w1, sizeof w1, "(looked for '%s/inference.pdiparams')", d);
    check_refused(d, PDS_ERR_INVALID_ARGUMENT, "but no parameter file was given", w1);
    copy_fixture("pplcnet", "inference.pdiparams", d, "inference.pdiparams");
    snprintf(p, sizeof p, "%s/inference.pdiparams", d);
    check_found(d, p, PDS_FORMAT_LEGACY);
    snprintf(d, sizeof d, "%s/dir_pir", root);
    mkdir(d, 0700);
    copy_fixture("pplcnet", "inference.json", d, "inference.json");
    snprintf(w1, sizeof w1,
             "(looked for '%s/inference.json.pdiparams' and '%s/inference.pdiparams')", d, d);
    check_refused(d, PDS_ERR_INVALID_ARGUMENT, "but no parameter file was given", w1);
    copy_fixture("pplcnet", "inference.pdiparams", d, "inference.pdiparams");
    snprintf(p, sizeof p, "%s/inference.pdiparams", d);
    check_found(d, p, PDS_FORMAT_PIR_JSON);

    /* A directory with both formats (as Paddle 3 can export, and every
     * fixture directory holds): refused, naming both, not one chosen. */
    snprintf(d, sizeof d, "%s/pplcnet", pdst_fixtures_dir());
    snprintf(w1, sizeof w1, "holds 2 model programs, '%s/inference.pdmodel' and "
             "'%s/inference.json'", d, d);
    check_refused(d, PDS_ERR_INVALID_ARGUMENT, w1, "pass the program file you mean");
    /* An explicit program file in it is fine, with or without parameters. */
    snprintf(m, sizeof m, "%s/inference.json", d);
    snprintf(p, sizeof p, "%s/inference.pdiparams", d);
    check_found(m, p, PDS_FORMAT_PIR_JSON);

    /* A FIFO as the model, or where the parameters are looked for: refused
     * at once (a blocking open would hang until a writer came). */
    snprintf(d, sizeof d, "%s/fifo", root);
    mkdir(d, 0700);
    snprintf(m, sizeof m, "%s/model.pdmodel", d);
    CHECK_EQ_INT(mkfifo(m, 0600), 0);
    snprintf(w1, sizeof w1, "'%s' is neither a regular file nor a directory", m);
    check_refused(m, PDS_ERR_IO, w1, "expected a model file or a model directory");
    check_refused("/dev/null", PDS_ERR_IO,
                  "'/dev/null' is neither a regular file nor a directory", NULL);
    copy_fixture("pplcnet", "inference.pdmodel", d, "net.pdmodel");
    snprintf(p, sizeof p, "%s/net.pdiparams", d);
    CHECK_EQ_INT(mkfifo(p, 0600), 0);
    snprintf(m, sizeof m, "%s/net.pdmodel", d);
    snprintf(w2, sizeof w2, "'%s' is not a regular file", p);
    check_refused(m, PDS_ERR_IO, w2, NULL);

    pdst_rm_rf(root);
}

int main(void)
{
    snprintf(tmpdir, sizeof tmpdir, "/tmp/pdsafe-params-XXXXXX");
    if (!mkdtemp(tmpdir)) {
        perror("mkdtemp");
        return 1;
    }
    RUN_TEST(test_same_parameters);
    RUN_TEST(test_damaged_same_errors);
    RUN_TEST(test_file_shrinks_while_read);
    RUN_TEST(test_params_rule);
    char path[128];
    snprintf(path, sizeof path, "%s/damaged.pdiparams", tmpdir);
    unlink(path);
    rmdir(tmpdir);
    /* The parallel reads used the executor; nothing of it may be left. */
    CHECK_EQ_INT(pdsi_executor_on_worker(), 0);
    return pdst_summary();
}
