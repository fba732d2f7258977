/*
 * dlclose_test.c — M20: unloading the library under live objects.
 *
 * onnxruntime_go unloads its library while sessions live and the process
 * crashes at the next call. libpdsafe is linked with -z nodelete, so dlclose
 * never unmaps it: objects created before a dlclose stay valid, and so does
 * the handle table, for as long as anything might call in. This test links
 * nothing of pdsafe statically; it only uses the shared library via dlopen.
 */
#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pdsafe.h"

typedef pds_status (*load_fn)(const char *, const char *, const pds_model_options *, pds_model *,
                              pds_error *);
typedef pds_status (*create_fn)(pds_model, const pds_predictor_options *, pds_predictor *,
                                pds_error *);
typedef pds_status (*count_fn)(pds_model, size_t *, pds_error *);
typedef pds_status (*destroy_fn)(uint64_t, pds_error *);

static int failed, passed;

#define EXPECT(cond, ...)                                  \
    do {                                                   \
        if (cond) {                                        \
            passed++;                                      \
        } else {                                           \
            failed++;                                      \
            fprintf(stderr, "FAIL line %d: ", __LINE__);   \
            fprintf(stderr, __VA_ARGS__);                  \
            fprintf(stderr, "\n");                         \
        }                                                  \
    } while (0)

int main(int argc, char **argv)
{
    if (argc != 3) {
        fprintf(stderr, "usage: dlclose_test LIBPDSAFE.so FIXTURES_DIR\n");
        return 2;
    }
    const char *lib = argv[1];
    char mp[4096], pp[4096];
    snprintf(mp, sizeof mp, "%s/pplcnet/inference.pdmodel", argv[2]);
    snprintf(pp, sizeof pp, "%s/pplcnet/inference.pdiparams", argv[2]);
    void *h = dlopen(lib, RTLD_NOW | RTLD_LOCAL);
    if (!h) {
        fprintf(stderr, "dlopen %s: %s\n", lib, dlerror());
        return 1;
    }
    load_fn load = (load_fn)dlsym(h, "pds_model_load_files");
    create_fn create = (create_fn)dlsym(h, "pds_predictor_create");
    EXPECT(load && create, "dlsym failed");
    if (!load || !create)
        return 1;
    pds_error err;
    pds_model m = 0;
    pds_predictor p = 0;
    EXPECT(load(mp, pp, NULL, &m, &err) == PDS_OK, "load: %s", err.message);
    EXPECT(create(m, NULL, &p, &err) == PDS_OK, "create: %s", err.message);
    /* The "teardown" a binding might do while objects live. */
    EXPECT(dlclose(h) == 0, "dlclose: %s", dlerror());
    EXPECT(dlopen(lib, RTLD_NOW | RTLD_NOLOAD) != NULL,
           "the library was unmapped by dlclose (missing -z nodelete)");
    void *h2 = dlopen(lib, RTLD_NOW | RTLD_LOCAL);
    count_fn count = (count_fn)dlsym(h2, "pds_model_input_count");
    destroy_fn pdestroy = (destroy_fn)dlsym(h2, "pds_predictor_destroy");
    destroy_fn mdestroy = (destroy_fn)dlsym(h2, "pds_model_destroy");
    size_t n = 0;
    EXPECT(count(m, &n, &err) == PDS_OK && n == 1, "the old model handle no longer works");
    EXPECT(pdestroy(p, &err) == PDS_OK, "predictor destroy: %s", err.message);
    EXPECT(mdestroy(m, &err) == PDS_OK, "model destroy: %s", err.message);
    /* Balance both dlopens; the library stays mapped (nodelete) and that is fine. */
    dlclose(h2);
    dlclose(h2);
    printf("%d passed, %d failed\n", passed, failed);
    return failed ? 1 : 0;
}
