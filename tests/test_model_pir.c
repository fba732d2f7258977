/*
 * test_model_pir.c — the Paddle 3 PIR (.json) loader (src/model/pir.c),
 * DESIGN M19: hostile, truncated or malformed programs end in a status and a
 * message naming the file, the op and the JSON path (or the parser's line and
 * column), never in a crash; and what it maps onto the legacy operators
 * computes what Paddle computes.
 *
 * Programs are written here as JSON text, with ' for " so they stay
 * readable; a hostile variant of a program is the same text with one
 * substring replaced. The fixtures' real inference.json files are used too:
 * one is truncated at every byte and flipped a few thousand times. The
 * numbers of the small programs follow from their definitions (PIR ops are
 * numpy-broadcasting versions of the legacy ops, checked against Paddle
 * Inference by tests/test_models.c on the fixtures).
 */
#include <dirent.h>
#include <stdarg.h>
#include <stdint.h>
#include <sys/stat.h>
#include <unistd.h>

#include "graph/graph.h"
#include "harness.h"
#include "loader_testlib.h"
#include "model/loader.h"
#include "model/pir.h"
#include "ops/shape.h"

/* ------------------------------------------------------------------------ */
/* Program text                                                              */
/* ------------------------------------------------------------------------ */

/* A growing string; programs are built from pieces. */
typedef struct sbuf {
    char *p;
    size_t n, cap;
} sbuf;

static void sb_add(sbuf *b, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    va_list ap2;
    va_copy(ap2, ap);
    int need = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (need < 0)
        abort();
    if (b->n + (size_t)need + 1 > b->cap) {
        b->cap = (b->n + (size_t)need + 1) * 2;
        b->p = realloc(b->p, b->cap);
        if (!b->p)
            abort();
    }
    vsnprintf(b->p + b->n, (size_t)need + 1, fmt, ap2);
    va_end(ap2);
    b->n += (size_t)need;
}

/* ' -> " in place. */
static char *quotes(char *s)
{
    for (char *c = s; *c; c++)
        if (*c == '\'')
            *c = '"';
    return s;
}

#define TF32(dims) "{'#':'0.t_dtensor','D':[{'#':'0.t_f32'}," dims ",'NCHW',[],0]}"
#define TI64(dims) "{'#':'0.t_dtensor','D':[{'#':'0.t_i64'}," dims ",'NCHW',[],0]}"
#define TI32(dims) "{'#':'0.t_dtensor','D':[{'#':'0.t_i32'}," dims ",'NCHW',[],0]}"
#define ATTR(name, id, data) "{'AT':{'#':'" id "','D':" data "},'N':'" name "'}"

/* Builds a whole program: version, then the ops (NULL-terminated). */
static char *program(int version, ...)
{
    sbuf b = {0};
    sb_add(&b, "{'base_code':{'magic':'pir','trainable':true,'version':%d},'program':{'regions':"
               "[{'#':'region_0','blocks':[{'#':'block_0','args':[],'ops':[",
           version);
    va_list ap;
    va_start(ap, version);
    const char *op;
    int k = 0;
    while ((op = va_arg(ap, const char *)))
        sb_add(&b, "%s%s", k++ ? "," : "", op);
    va_end(ap);
    sb_add(&b, "]}]}]}}");
    return quotes(b.p);
}

/* Op pieces; each returns a malloc'ed string kept until the test ends. */
#define MAX_PIECES 4096
static char *pieces[MAX_PIECES];
static int n_pieces;

static const char *piece(const char *fmt, ...)
{
    sbuf b = {0};
    va_list ap;
    va_start(ap, fmt);
    int need = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    b.p = malloc((size_t)need + 1);
    if (!b.p || n_pieces == MAX_PIECES)
        abort();
    va_start(ap, fmt);
    vsnprintf(b.p, (size_t)need + 1, fmt, ap);
    va_end(ap);
    pieces[n_pieces++] = b.p;
    return b.p;
}

static void pieces_free(void)
{
    for (int i = 0; i < n_pieces; i++)
        free(pieces[i]);
    n_pieces = 0;
}

static const char *op_param(int id, const char *name, const char *type, int persistable)
{
    return piece("{'#':'p','A':[0,1,1,'%s'],'DA':[],'O':{'%%':%d,'TT':%s},'OA':[%d,0,1],"
                 "'QA':[]}",
                 name, id, type, persistable);
}

static const char *op_data(int id, const char *name, const char *dims, const char *type)
{
    return piece("{'#':'1.data','A':[" ATTR("name", "0.a_str", "'%s'") "," ATTR(
                     "shape", "1.a_intarray", "%s") "," ATTR("dtype", "1.a_dtype", "'float32'") ","
                     ATTR("place", "1.a_place", "[0,0,'']") "],'I':[],'O':[{'%%':%d,'TT':%s}]}",
                 name, dims, id, type);
}

static const char *op_fetch(int in, int id, const char *name, int col)
{
    return piece("{'#':'1.fetch','A':[" ATTR("name", "0.a_str", "'%s'") "," ATTR(
                     "col", "0.a_i32", "%d") "],'I':[{'%%':%d}],'O':[{'%%':%d,'TT':" TF32("[-1]")
                 "}]}",
                 name, col, in, id);
}

/* op(name, attrs, operand ids "1,2", results "[{'%':3,'TT':...}]") */
static const char *op(const char *name, const char *attrs, const char *ins, const char *outs)
{
    sbuf b = {0};
    sb_add(&b, "{'#':'%s','A':[%s],'I':[", name, attrs);
    /* "1,0,2" -> {'%':1},{'%':0},{'%':2} */
    const char *c = ins;
    int k = 0;
    while (*c) {
        char *end;
        long v = strtol(c, &end, 10);
        if (end == c)
            break;
        sb_add(&b, "%s{'%%':%ld}", k++ ? "," : "", v);
        c = *end == ',' ? end + 1 : end;
    }
    sb_add(&b, "],'O':%s}", outs);
    if (n_pieces == MAX_PIECES)
        abort();
    pieces[n_pieces++] = b.p;
    return b.p;
}

static const char *res(int id, const char *type)
{
    return piece("[{'%%':%d,'TT':%s}]", id, type);
}

static const char *full(int id, const char *shape, const char *value_attr, const char *dtype,
                        const char *type)
{
    return piece("{'#':'1.full','A':[" ATTR("shape", "1.a_intarray", "%s") ",%s," ATTR(
                     "dtype", "1.a_dtype", "'%s'") "," ATTR("place", "1.a_place", "[1,0,'']")
                 "],'I':[],'O':[{'%%':%d,'TT':%s}]}",
                 shape, value_attr, dtype, id, type);
}

static const char *fia(int id, const char *values, const char *type)
{
    return piece("{'#':'1.full_int_array','A':[" ATTR("value", "1.a_intarray", "%s") "," ATTR(
                     "dtype", "1.a_dtype", "'int64'") "," ATTR("place", "1.a_place", "[1,0,'']")
                 "],'I':[],'O':[{'%%':%d,'TT':%s}]}",
                 values, id, type);
}

/* ------------------------------------------------------------------------ */
/* Parameter records                                                         */
/* ------------------------------------------------------------------------ */

/* One fp32 record (dims < 128 each). */
static void put_record(pdst_bytes *b, int rank, const int64_t *dims, const float *data)
{
    uint8_t desc[2 + 2 * 8];
    size_t dn = 0;
    desc[dn++] = 0x08;
    desc[dn++] = 5; /* FP32 */
    int64_t numel = 1;
    for (int d = 0; d < rank; d++) {
        desc[dn++] = 0x10;
        desc[dn++] = (uint8_t)dims[d];
        numel *= dims[d];
    }
    pdst_put_u32(b, 0); /* version */
    pdst_put_u64(b, 0); /* lod_level */
    pdst_put_u32(b, 0); /* tensor version */
    pdst_put_u32(b, (uint32_t)dn);
    pdst_put(b, desc, dn);
    pdst_put(b, data, sizeof(float) * (size_t)numel);
}

/* ------------------------------------------------------------------------ */
/* Loading and running                                                       */
/* ------------------------------------------------------------------------ */

/* Loads json + params from exact-size copies (ASan sees any over-read). */
static pds_status load_buf(const char *json, const uint8_t *params, size_t plen,
                           const pds_model_options *o, pds_error *err, pdsi_graph *g)
{
    size_t n = strlen(json);
    char *copy = malloc(n ? n : 1);
    uint8_t *pc = malloc(plen ? plen : 1);
    memcpy(copy, json, n);
    if (plen)
        memcpy(pc, params, plen);
    pdsi_graph_init(g, o);
    memset(err, 0, sizeof *err);
    pds_status st = pdsi_load_buffers((const uint8_t *)copy, n, params ? pc : NULL, plen, g, err);
    free(copy);
    free(pc);
    return st;
}

static void expect(const char *json, const uint8_t *params, size_t plen,
                   const pds_model_options *o, pds_status want, const char *s1, const char *s2)
{
    pdsi_graph g;
    pds_error err;
    pds_status st = load_buf(json, params, plen, o, &err, &g);
    pdst_check_load(st, &err, want, s1, s2);
    pdsi_graph_free(&g);
}

/* Replaces the first occurrence of from in json with to (both in ' form). */
static char *variant(const char *json, const char *from, const char *to)
{
    char f[4096], t[4096];
    snprintf(f, sizeof f, "%s", from);
    snprintf(t, sizeof t, "%s", to);
    quotes(f);
    quotes(t);
    const char *at = strstr(json, f);
    if (!at) {
        PDST_FAIL("variant: \"%s\" not in the program", from);
        return strdup(json);
    }
    size_t n = strlen(json) - strlen(f) + strlen(t);
    char *out = malloc(n + 1);
    size_t pre = (size_t)(at - json);
    memcpy(out, json, pre);
    memcpy(out + pre, t, strlen(t));
    strcpy(out + pre + strlen(t), at + strlen(f));
    return out;
}

/* variant() applied after the first occurrence of anchor. */
static char *variant_after(const char *json, const char *anchor, const char *from, const char *to)
{
    char a[256];
    snprintf(a, sizeof a, "%s", anchor);
    quotes(a);
    const char *pos = strstr(json, a);
    if (!pos) {
        PDST_FAIL("variant_after: \"%s\" not in the program", anchor);
        return strdup(json);
    }
    char *tail = variant(pos, from, to);
    size_t pre = (size_t)(pos - json), n = pre + strlen(tail) + 1;
    char *out = malloc(n);
    memcpy(out, json, pre);
    strcpy(out + pre, tail);
    free(tail);
    return out;
}

/* The variant loads with status want and a message containing s1 (and s2). */
static void expect_variant(const char *json, const uint8_t *params, size_t plen,
                           const char *from, const char *to, pds_status want, const char *s1,
                           const char *s2)
{
    char *v = variant(json, from, to);
    expect(v, params, plen, NULL, want, s1, s2);
    free(v);
}

/* Runs a one-input, one-output float program on x; out receives n floats. */
static pds_status run1(const char *json, const uint8_t *params, size_t plen, int rank,
                       const int64_t *dims, const float *x, float *out, size_t n, pds_error *err)
{
    pds_model m = 0;
    pds_predictor p = 0;
    pds_status st = pds_model_load_buffers(json, strlen(json), params, plen, NULL, &m, err);
    if (st)
        return st;
    if ((st = pds_predictor_create(m, NULL, &p, err)) == PDS_OK) {
        int64_t numel = 1;
        for (int d = 0; d < rank; d++)
            numel *= dims[d];
        pds_tensor in = {.dtype = PDS_FLOAT32, .rank = rank, .data = (void *)x,
                         .byte_length = sizeof(float) * (size_t)numel};
        memcpy(in.dims, dims, sizeof *dims * (size_t)rank);
        pds_tensor o = {.data = out, .byte_length = sizeof(float) * n};
        st = pds_predictor_run(p, &in, 1, &o, 1, err);
        pds_predictor_destroy(p, NULL);
    }
    pds_model_destroy(m, NULL);
    return st;
}

/* ------------------------------------------------------------------------ */
/* The basic program: parameters, data, ops, constants, fetch                */
/* ------------------------------------------------------------------------ */

/* out = relu_((x + w) * 2 + 0.5) with x [-1,3], w [3] (a parameter). */
static char *basic_program(int version, const char *scale_value, const char *bias_attr)
{
    return program(
        version, op_param(1, "w", TF32("[3]"), 1), op_data(2, "x", "[-1,3]", TF32("[-1,3]")),
        op("1.add", "", "2,1", res(3, TF32("[-1,3]"))),
        full(4, "[1]", scale_value, "float32", TF32("[1]")),
        op("1.scale", piece("%s," ATTR("bias_after_scale", "0.a_bool", "true"), bias_attr),
           "3,4", res(5, TF32("[-1,3]"))),
        op("1.relu_", "", "5", res(6, TF32("[-1,3]"))), op_fetch(6, 7, "out", 0), NULL);
}

static const float W3[3] = {1.0f, -2.0f, 0.25f};

static pdst_bytes basic_params(void)
{
    pdst_bytes b = {0};
    int64_t d[1] = {3};
    put_record(&b, 1, d, W3);
    return b;
}

static void check_basic(const char *json, const pdst_bytes *pb)
{
    const float x[6] = {0.5f, 1.0f, -1.0f, -3.0f, 0.0f, 2.0f};
    float got[6], want[6];
    for (int i = 0; i < 6; i++) {
        float v = (x[i] + W3[i % 3]) * 2.0f + 0.5f;
        want[i] = v > 0 ? v : 0;
    }
    int64_t dims[2] = {2, 3};
    pds_error err;
    pds_status st = run1(json, pb->p, pb->n, 2, dims, x, got, 6, &err);
    CHECK_OK(st, &err);
    if (st == PDS_OK)
        pdst_check_close("basic program", got, want, 6, 0, 0);
}

static void test_basic_program_runs(void)
{
    char *json = basic_program(4, ATTR("value", "0.a_f64", "2.0"),
                               ATTR("bias", "0.a_f32", "0.5"));
    pdst_bytes pb = basic_params();
    check_basic(json, &pb);

    /* What the graph looks like: the engine cannot tell the format apart. */
    pdsi_graph g;
    pds_error err;
    CHECK_OK(load_buf(json, pb.p, pb.n, NULL, &err, &g), &err);
    CHECK_EQ_INT(g.format, PDS_FORMAT_PIR_JSON);
    CHECK_EQ_INT(g.format_version, 4);
    CHECK_EQ_INT(g.n_inputs, 1);
    CHECK_EQ_INT(g.n_outputs, 1);
    CHECK_EQ_INT(g.n_nodes, 3); /* add, scale, relu: full became the scale attribute */
    if (g.n_nodes == 3) {
        CHECK(strcmp(g.nodes[0].type, "elementwise_add") == 0);
        CHECK(strcmp(g.nodes[1].type, "scale") == 0);
        CHECK(strcmp(g.nodes[2].type, "relu") == 0);
    }
    if (g.n_inputs == 1)
        CHECK(strcmp(g.values[g.inputs[0]].name, "x") == 0);
    if (g.n_outputs == 1)
        CHECK(strcmp(g.values[g.outputs[0]].name, "out") == 0); /* the fetch's name */
    int32_t w = pdsi_graph_find(&g, "w");
    CHECK(w >= 0 && g.values[w].kind == PDSI_VALUE_PARAM);
    pdsi_graph_free(&g);

    /* A declared dim below -1 is unknown, as -1 is (Paddle declares flatten
     * of [-1, 6, 5] as [-30]). */
    char *base = basic_program(4, ATTR("value", "0.a_f64", "2.0"),
                               ATTR("bias", "0.a_f32", "0.5"));
    const char *key = "\"0.t_f32\"},[-1,3]"; /* x's declared type */
    char *at = strstr(base, key);
    CHECK(at != NULL);
    char *neg = malloc(strlen(base) + 2); /* one byte longer: "[-1,3]" -> "[-30,3]" */
    if (at && neg) {
        size_t pre = (size_t)(at - base) + strlen("\"0.t_f32\"},");
        memcpy(neg, base, pre);
        strcpy(neg + pre, "[-30,3]");
        strcat(neg, at + strlen(key));
        CHECK_OK(load_buf(neg, pb.p, pb.n, NULL, &err, &g), &err);
        int32_t x = pdsi_graph_find(&g, "x");
        CHECK(x >= 0 && g.values[x].rank == 2 && g.values[x].dims[0] == -1);
        pdsi_graph_free(&g);
    }
    free(neg);
    free(base);

    /* Through the public API: stats and infos. */
    pds_model m = 0;
    CHECK_OK(pds_model_load_buffers(json, strlen(json), pb.p, pb.n, NULL, &m, &err), &err);
    pds_model_stats stats = {.struct_size = sizeof stats};
    CHECK_OK(pds_model_get_stats(m, &stats, &err), &err);
    CHECK_EQ_INT(stats.format, PDS_FORMAT_PIR_JSON);
    CHECK_EQ_INT(stats.format_version, 4);
    CHECK_EQ_INT(stats.param_count, 1);
    pds_tensor_info ti;
    CHECK_OK(pds_model_input_info(m, 0, &ti, &err), &err);
    CHECK(strcmp(ti.name, "x") == 0 && ti.rank == 2 && ti.dims[0] == -1 && ti.dims[1] == 3);
    pds_model_destroy(m, NULL);
    free(json);
    free(pb.p);
}

/* Version patches turned numbers into other attribute types; all read the same. */
static void test_numeric_encodings(void)
{
    pdst_bytes pb = basic_params();
    static const char *const values[] = {
        ATTR("value", "0.a_f64", "2.0"), ATTR("value", "0.a_f32", "2.0"),
        ATTR("value", "0.a_f64", "2"),   ATTR("value", "0.a_i64", "2"),
        ATTR("value", "0.a_i32", "2"),
    };
    static const char *const biases[] = {
        ATTR("bias", "0.a_f32", "0.5"), ATTR("bias", "0.a_f64", "0.5"),
        ATTR("bias", "0.a_f64", "5e-1"), ATTR("bias", "1.a_scalar", "['float32',0.5]"),
    };
    for (int version = PDSI_PIR_VERSION_MIN; version <= PDSI_PIR_VERSION_MAX; version++)
        for (size_t v = 0; v < sizeof values / sizeof values[0]; v++)
            for (size_t b = 0; b < sizeof biases / sizeof biases[0]; b++) {
                char *json = basic_program(version, values[v], biases[b]);
                pieces_free(); /* program() made its own copy */
                check_basic(json, &pb);
                free(json);
            }
    /* An integer attribute given as a real is refused unless integral. */
    char *json = program(4, op_data(1, "x", "[2,3]", TF32("[2,3]")),
                         op("1.softmax", ATTR("axis", "0.a_f64", "1.0"), "1",
                            res(2, TF32("[2,3]"))),
                         op_fetch(2, 3, "y", 0), NULL);
    expect(json, NULL, 0, NULL, PDS_OK, NULL, NULL);
    expect_variant(json, NULL, 0, "'D':1.0", "'D':1.5", PDS_ERR_MODEL_FORMAT,
                   "attribute 'axis' is 0.a_f64, expected an integer", ".ops[1].A[0].AT");
    expect_variant(json, NULL, 0, "'D':1.0", "'D':'1'", PDS_ERR_MODEL_FORMAT,
                   "attribute 'axis' is 0.a_f64, expected a number", NULL);
    expect_variant(json, NULL, 0, "'0.a_f64','D':1.0", "'0.a_bool','D':true",
                   PDS_ERR_MODEL_FORMAT, "attribute 'axis' is 0.a_bool", NULL);
    free(json);
    free(pb.p);
}

/* "VD" values: NaN and infinities that JSON cannot spell. */
static void test_void_data(void)
{
    /* y = clip(x, -INF, 1) then full(-INF) fetched as a second output? one output: clip. */
    char *json = program(
        4, op_data(1, "x", "[4]", TF32("[4]")),
        full(2, "[1]", "{'AT':{'#':'0.a_f64','VD':'-INF'},'N':'value'}", "float32", TF32("[1]")),
        full(3, "[1]", "{'AT':{'#':'0.a_f64','VD':'INF'},'N':'value'}", "float32", TF32("[1]")),
        op("1.clip", "", "1,2,3", res(4, TF32("[4]"))), op_fetch(4, 5, "y", 0), NULL);
    const float x[4] = {-1e30f, -1.0f, 2.5f, 1e30f};
    float got[4];
    int64_t d[1] = {4};
    pds_error err;
    CHECK_OK(run1(json, NULL, 0, 1, d, x, got, 4, &err), &err);
    /* clip with infinite bounds: min -inf is no bound; max +inf none either */
    pdst_check_close("clip -INF..INF", got, x, 4, 0, 0);
    /* A NaN fill value (Paddle writes "NaN"; its reader looks for "NAN") */
    char *nan = program(4, op_data(1, "x", "[2]", TF32("[2]")),
                        full(2, "[1]", "{'AT':{'#':'0.a_f64','VD':'NaN'},'N':'value'}", "float32",
                             TF32("[1]")),
                        op("1.add", "", "1,2", res(3, TF32("[2]"))), op_fetch(3, 4, "y", 0),
                        NULL);
    const float x2[2] = {1.0f, 2.0f};
    float got2[2] = {0, 0};
    int64_t d2[1] = {2};
    CHECK_OK(run1(nan, NULL, 0, 1, d2, x2, got2, 2, &err), &err);
    CHECK(isnan(got2[0]) && isnan(got2[1]));
    expect_variant(nan, NULL, 0, "'VD':'NaN'", "'VD':'maybe'", PDS_ERR_MODEL_FORMAT,
                   "attribute 'value' is 0.a_f64 without data \"D\", expected a number", NULL);
    free(json);
    free(nan);
}

/* ------------------------------------------------------------------------ */
/* Mutable attributes, vectors, constants as tensors                         */
/* ------------------------------------------------------------------------ */

/* y = transpose(reshape(x, [0, -1, 2]), perm [0,2,1]) with x [2,3,4] */
static void test_mutable_attribute_forms(void)
{
    const float x[24] = {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19,
                         20, 21, 22, 23};
    float want[24], got[24];
    /* reshape to [2,6,2], transpose to [2,2,6]: want[n][j][i] = x[n][i][j] of [2,6,2] */
    for (int n = 0; n < 2; n++)
        for (int i = 0; i < 6; i++)
            for (int j = 0; j < 2; j++)
                want[n * 12 + j * 6 + i] = x[n * 12 + i * 2 + j];
    int64_t d[3] = {2, 3, 4};
    pds_error err;
    const char *tp = op("1.transpose", ATTR("perm", "0.a_array",
                                            "[{'#':'0.a_i32','D':0},{'#':'0.a_i32','D':2},"
                                            "{'#':'0.a_i32','D':1}]"),
                        "3", res(4, TF32("[-1,2,6]")));
    /* (a) a full_int_array constant: the legacy 'shape' attribute */
    char *a = program(4, op_data(1, "x", "[-1,3,4]", TF32("[-1,3,4]")),
                      fia(2, "[0,-1,2]", TI64("[3]")),
                      op("1.reshape", "", "1,2", res(3, TF32("[-1,6,2]"))), tp,
                      op_fetch(4, 5, "y", 0), NULL);
    CHECK_OK(run1(a, NULL, 0, 3, d, x, got, 24, &err), &err);
    pdst_check_close("reshape, shape from full_int_array", got, want, 24, 0, 0);
    pdsi_graph g;
    CHECK_OK(load_buf(a, NULL, 0, NULL, &err, &g), &err);
    CHECK_EQ_INT(g.n_nodes, 2);
    if (g.n_nodes == 2) {
        CHECK(strcmp(g.nodes[0].type, "reshape2") == 0);
        CHECK(strcmp(g.nodes[1].type, "transpose2") == 0);
    }
    pdsi_graph_free(&g);
    /* (b) a combine of a constant and a shape64+slice value: the ShapeTensor list */
    char *b = program(
        4, op_data(1, "x", "[-1,3,4]", TF32("[-1,3,4]")), op("1.shape64", "", "1",
                                                              res(10, TI64("[3]"))),
        fia(11, "[0]", TI64("[1]")), fia(12, "[1]", TI64("[1]")),
        op("1.slice", ATTR("axes", "0.a_array", "[{'#':'0.a_i64','D':0}]") "," ATTR(
                          "infer_flags", "0.a_array", "[{'#':'0.a_i64','D':1}]") "," ATTR(
                          "decrease_axis", "0.a_array", "[{'#':'0.a_i64','D':0}]"),
           "10,11,12", res(13, TI64("[]"))),
        full(14, "[]", ATTR("value", "0.a_f64", "6.0"), "int64", TI64("[]")),
        full(15, "[]", ATTR("value", "0.a_f64", "2.0"), "int64", TI64("[]")),
        op("0.combine", "", "13,14,15",
           "[{'%':16,'TT':{'#':'0.t_vec','D':[" TI64("[]") "," TI64("[]") "," TI64("[]") "]}}]"),
        op("1.reshape", "", "1,16", res(3, TF32("[-1,6,2]"))), tp, op_fetch(4, 5, "y", 0),
        NULL);
    CHECK_OK(run1(b, NULL, 0, 3, d, x, got, 24, &err), &err);
    pdst_check_close("reshape, ShapeTensor list", got, want, 24, 0, 0);
    /* (c) a stack of that vector: the Shape tensor */
    char *c2 = variant(b, "{'#':'1.reshape','A':[],'I':[{'%':1},{'%':16}]",
                       "{'#':'1.stack','A':[{'AT':{'#':'0.a_i32','D':0},'N':'axis'}],'I':[{'%':"
                       "16}],'O':[{'%':17,'TT':" TI64("[3]") "}]},{'#':'1.reshape','A':[],'I':[{"
                       "'%':1},{'%':17}]");
    CHECK_OK(run1(c2, NULL, 0, 3, d, x, got, 24, &err), &err);
    pdst_check_close("reshape, Shape tensor from stack", got, want, 24, 0, 0);
    /* squeeze's axes only exist as an attribute in the legacy op */
    char *sq = program(4, op_data(1, "x", "[-1,3,4]", TF32("[-1,3,4]")),
                       op("1.shape64", "", "1", res(2, TI64("[3]"))),
                       op("1.squeeze", "", "1,2", res(3, TF32("[-1,3,4]"))),
                       op_fetch(3, 4, "y", 0), NULL);
    expect(sq, NULL, 0, NULL, PDS_ERR_UNSUPPORTED_OP,
           "ops[2].I[1] (op #2, pd_op.squeeze): operand for 'axes' is computed at run time", NULL);
    free(a);
    free(b);
    free(c2);
    free(sq);
}

/* split_with_num -> builtin.split, split -> builtin.slice, concat of a combine,
 * a full feeding a real input (materialised), absent optional operands. */
static void test_vectors_and_constants(void)
{
    const float x[8] = {1, 2, 3, 4, 5, 6, 7, 8}; /* [2,4] */
    int64_t d[2] = {2, 4};
    float got[8], want[8];
    /* halves a = x[:, :2], b = x[:, 2:]; y = concat([b * 3, a], axis 1) */
    for (int n = 0; n < 2; n++)
        for (int j = 0; j < 2; j++) {
            want[n * 4 + j] = x[n * 4 + 2 + j] * 3;
            want[n * 4 + 2 + j] = x[n * 4 + j];
        }
    const char *vec2 = "[{'%':4,'TT':{'#':'0.t_vec','D':[" TF32("[-1,2]") "," TF32("[-1,2]") "]}}]";
    char *json = program(
        4, op_data(1, "x", "[-1,4]", TF32("[-1,4]")),
        full(2, "[1]", ATTR("value", "0.a_f64", "1.0"), "int32", TI32("[1]")),
        op("1.split_with_num", ATTR("num", "0.a_i32", "2"), "1,2", vec2),
        op("0.split", "", "4", piece("[{'%%':5,'TT':%s},{'%%':6,'TT':%s}]", TF32("[-1,2]"),
                                     TF32("[-1,2]"))),
        full(7, "[1]", ATTR("value", "0.a_f64", "3.0"), "float32", TF32("[1]")),
        op("1.multiply", "", "6,7", res(8, TF32("[-1,2]"))),
        op("0.combine", "", "8,5",
           "[{'%':9,'TT':{'#':'0.t_vec','D':[" TF32("[-1,2]") "," TF32("[-1,2]") "]}}]"),
        full(10, "[1]", ATTR("value", "0.a_f64", "1.0"), "int32", TI32("[1]")),
        op("1.concat", "", "9,10", res(11, TF32("[-1,4]"))), op_fetch(11, 12, "y", 0), NULL);
    pds_error err;
    CHECK_OK(run1(json, NULL, 0, 2, d, x, got, 8, &err), &err);
    pdst_check_close("split/concat", got, want, 8, 0, 0);
    pdsi_graph g;
    CHECK_OK(load_buf(json, NULL, 0, NULL, &err, &g), &err);
    /* split, fill_constant (the 3.0 as a tensor), elementwise_mul, concat */
    CHECK_EQ_INT(g.n_nodes, 4);
    if (g.n_nodes == 4)
        CHECK(strcmp(g.nodes[1].type, "fill_constant") == 0);
    pdsi_graph_free(&g);
    /* builtin.slice instead of builtin.split */
    char *sl = variant(json, "{'#':'0.split','A':[],'I':[{'%':4}],'O':[{'%':5,'TT':" TF32(
                                 "[-1,2]") "},{'%':6,'TT':" TF32("[-1,2]") "}]}",
                       "{'#':'0.slice','A':[" ATTR("index", "0.a_i32", "0") "],'I':[{'%':4}],'O':"
                       "[{'%':5,'TT':" TF32("[-1,2]") "}]},{'#':'0.slice','A':[" ATTR(
                           "index", "0.a_i32", "1") "],'I':[{'%':4}],'O':[{'%':6,'TT':" TF32(
                           "[-1,2]") "}]}");
    CHECK_OK(run1(sl, NULL, 0, 2, d, x, got, 8, &err), &err);
    pdst_check_close("builtin.slice", got, want, 8, 0, 0);
    expect_variant(sl, NULL, 0, ATTR("index", "0.a_i32", "1"), ATTR("index", "0.a_i32", "2"),
                   PDS_ERR_MODEL_FORMAT, "attribute 'index' is 2, expected 0 to 1", NULL);
    expect_variant(json, NULL, 0, "'I':[{'%':4}],'O':[{'%':5", "'I':[{'%':1}],'O':[{'%':5",
                   PDS_ERR_MODEL_FORMAT, "ops[3].I (op #3, builtin.split): expected one vector",
                   NULL);
    /* builtin.split with fewer results than the vector has */
    expect_variant(json, NULL, 0, ",{'%':6,'TT':" TF32("[-1,2]") "}]}", "]}",
                   PDS_ERR_MODEL_FORMAT, "has 1 results for a vector of 2", NULL);
    /* A vector where a tensor is expected */
    expect_variant(json, NULL, 0, "'I':[{'%':6},{'%':7}]", "'I':[{'%':4},{'%':7}]",
                   PDS_ERR_MODEL_FORMAT, "operand is a vector of 2 values", NULL);
    free(json);
    free(sl);
}

/* pd_op.assign_value_ (its operand is only the tensor it overwrites) and
 * pd_op.full_with_tensor (value and shape operands), issue 12's forms. */
static void test_assign_value_and_full_with_tensor(void)
{
    const float x[2] = {10, 20};
    int64_t d[1] = {2};
    float got[2];
    pds_error err;
    /* y = x + assign_value_(full([2], 0), values [1.5, -2]) */
    char *json = program(
        4, op_data(1, "x", "[2]", TF32("[2]")),
        full(2, "[2]", ATTR("value", "0.a_f64", "0.0"), "float32", TF32("[2]")),
        op("1.assign_value_",
           ATTR("shape", "0.a_array", "[{'#':'0.a_i32','D':2}]") "," ATTR(
               "dtype", "1.a_dtype", "'float32'") "," ATTR("values", "0.a_array",
                                                          "[{'#':'0.a_f64','D':1.5},{'#':'0.a_f64',"
                                                          "'D':-2.0}]") "," ATTR("place",
                                                                                 "1.a_place",
                                                                                 "[0,0,'']"),
           "2", res(3, TF32("[2]"))),
        op("1.add", "", "1,3", res(4, TF32("[2]"))), op_fetch(4, 5, "y", 0), NULL);
    const float want[2] = {11.5f, 18.0f};
    CHECK_OK(run1(json, NULL, 0, 1, d, x, got, 2, &err), &err);
    pdst_check_close("assign_value_", got, want, 2, 0, 0);
    pdsi_graph g;
    CHECK_OK(load_buf(json, NULL, 0, NULL, &err, &g), &err);
    /* the overwritten operand is not read: assign_value and elementwise_add only */
    CHECK_EQ_INT(g.n_nodes, 2);
    if (g.n_nodes == 2)
        CHECK(strcmp(g.nodes[0].type, "assign_value") == 0);
    pdsi_graph_free(&g);
    /* more values than the shape holds */
    expect_variant(json, NULL, 0, "[{'#':'0.a_i32','D':2}]", "[{'#':'0.a_i32','D':3}]",
                   PDS_ERR_MODEL_FORMAT, "assign_value has 2 values for shape of 3 elements",
                   NULL);
    free(json);
    /* more values than a spec's attribute list holds (64) are read, up to
     * what assign_value keeps (1024) */
    for (int count = 65; count <= 1025; count += 1025 - 65) {
        sbuf many = {0};
        for (int k = 0; k < count; k++)
            sb_add(&many, "%s{'#':'0.a_f64','D':%d.0}", k ? "," : "", k);
        const char *dims = piece("[%d]", count);
        char *big = program(
            4, full(2, dims, ATTR("value", "0.a_f64", "0.0"), "float32", TF32("[-1]")),
            op("1.assign_value_",
               piece(ATTR("shape", "0.a_array", "[{'#':'0.a_i32','D':%d}]") "," ATTR(
                         "dtype", "1.a_dtype", "'float32'") "," ATTR("values", "0.a_array",
                                                                    "[%s]"),
                     count, many.p),
               "2", res(3, TF32("[-1]"))),
            op_fetch(3, 4, "y", 0), NULL);
        if (count == 65) {
            CHECK_OK(load_buf(big, NULL, 0, NULL, &err, &g), &err);
            if (g.n_nodes == 1) {
                const pdsi_assign_value_params *ap = g.nodes[0].params;
                CHECK_EQ_INT(ap->n, 65);
                CHECK(ap->v.f[64] == 64.0);
            } else {
                PDST_FAIL("%d nodes, expected 1", g.n_nodes);
            }
            pdsi_graph_free(&g);
        } else {
            expect(big, NULL, 0, NULL, PDS_ERR_UNSUPPORTED_OP,
                   "assign_value has 1025 values; pdsafe keeps at most 1024 in an operator", NULL);
        }
        free(big);
        free(many.p);
    }

    /* y = x * full_with_tensor(value 3 (a constant: the 'value' attribute),
     * shape = shape64(x) (a tensor: ShapeTensor)) */
    json = program(
        4, op_data(1, "x", "[2]", TF32("[2]")), op("1.shape64", "", "1", res(2, TI64("[1]"))),
        full(3, "[1]", ATTR("value", "0.a_f64", "3.0"), "float32", TF32("[1]")),
        op("1.full_with_tensor", ATTR("dtype", "1.a_dtype", "'float32'"), "3,2",
           res(4, TF32("[-1]"))),
        op("1.multiply", "", "1,4", res(5, TF32("[2]"))), op_fetch(5, 6, "y", 0), NULL);
    const float want3[2] = {30, 60};
    CHECK_OK(run1(json, NULL, 0, 1, d, x, got, 2, &err), &err);
    pdst_check_close("full_with_tensor, constant value", got, want3, 2, 0, 0);
    CHECK_OK(load_buf(json, NULL, 0, NULL, &err, &g), &err);
    int fills = 0;
    for (int i = 0; i < g.n_nodes; i++)
        fills += strcmp(g.nodes[i].type, "fill_constant") == 0;
    CHECK_EQ_INT(fills, 1);
    pdsi_graph_free(&g);
    /* a value operand computed at run time goes to ValueTensor, which must
     * hold one element: x has two */
    char *v = variant(json, "'I':[{'%':3},{'%':2}]", "'I':[{'%':1},{'%':2}]");
    CHECK_STATUS(run1(v, NULL, 0, 1, d, x, got, 2, &err), PDS_ERR_SHAPE, &err);
    CHECK_MSG(err, "input 'ValueTensor' has shape [2], expected one element");
    free(v);
    free(json);
}

/* In-place names, absent optional operands (%0), dropped results. */
static void test_inplace_and_optional(void)
{
    /* layer_norm without bias (%0), batch_norm_ with its 6 results, relu_ */
    const char *t = TF32("[-1,2,1,1]");
    char *json = program(
        4, op_param(1, "bn.mean", TF32("[2]"), 1), op_param(2, "bn.var", TF32("[2]"), 1),
        op_param(3, "bn.w", TF32("[2]"), 1), op_param(4, "bn.b", TF32("[2]"), 1),
        op_param(5, "ln.w", TF32("[2]"), 1), op_data(6, "x", "[-1,2,1,1]", t),
        op("1.batch_norm_",
           ATTR("is_test", "0.a_bool", "true") "," ATTR("momentum", "0.a_f32", "0.9") "," ATTR(
               "epsilon", "0.a_f32", "1e-5") "," ATTR("data_format", "0.a_str", "'NCHW'") "," ATTR(
               "use_global_stats", "0.a_bool", "true") "," ATTR("trainable_statistics",
                                                                "0.a_bool", "false"),
           "6,1,2,3,4",
           piece("[{'%%':7,'TT':%s},{'%%':8,'TT':%s},{'%%':9,'TT':%s},{'%%':10,'TT':%s},{'%%':11,"
                 "'TT':%s},{'%%':12,'TT':{'#':'0.t_dtensor','D':[{'#':'0.t_ui8'},[-1],'NCHW',[],"
                 "0]}}]",
                 t, TF32("[2]"), TF32("[2]"), TF32("[2]"), TF32("[2]"))),
        op("1.relu_", "", "7", res(13, t)),
        op("1.layer_norm", ATTR("epsilon", "0.a_f32", "1e-5") "," ATTR("begin_norm_axis",
                                                                      "0.a_i32", "1"),
           "13,5,0",
           piece("[{'%%':14,'TT':%s},{'%%':15,'TT':%s},{'%%':16,'TT':%s}]", t, TF32("[-1]"),
                 TF32("[-1]"))),
        op_fetch(14, 17, "y", 0), NULL);
    pdst_bytes pb = {0};
    int64_t d2[1] = {2};
    /* sorted names: bn.b, bn.mean, bn.var, bn.w, ln.w */
    const float b[2] = {1, -1}, mean[2] = {0, 0}, var[2] = {1, 1}, w[2] = {2, 2},
                lw[2] = {5, 5};
    put_record(&pb, 1, d2, b);
    put_record(&pb, 1, d2, mean);
    put_record(&pb, 1, d2, var);
    put_record(&pb, 1, d2, w);
    put_record(&pb, 1, d2, lw);
    const float x[2] = {3, 1};
    float got[2], want[2];
    int64_t d[4] = {1, 2, 1, 1};
    pds_error err;
    /* bn: 2x/sqrt(1+eps) + b; relu; layer_norm over C*H*W (begin_norm_axis 1),
     * scale 5, no bias */
    double s = sqrt(1 + 1e-5), y0 = 3 * 2 / s + 1, y1 = 1 * 2 / s - 1;
    double m = (y0 + y1) / 2, v = ((y0 - m) * (y0 - m) + (y1 - m) * (y1 - m)) / 2;
    want[0] = (float)((y0 - m) / sqrt(v + 1e-5) * 5);
    want[1] = (float)((y1 - m) / sqrt(v + 1e-5) * 5);
    CHECK_OK(run1(json, pb.p, pb.n, 4, d, x, got, 2, &err), &err);
    pdst_check_close("bn/relu/ln", got, want, 2, PDST_ATOL, PDST_RTOL);
    /* Reading a result pdsafe does not compute (batch_norm_'s mean_out) */
    expect_variant(json, pb.p, pb.n, "'I':[{'%':7}]", "'I':[{'%':8}]", PDS_ERR_UNSUPPORTED_OP,
                   "operand is value 8, result #1 of op #6, which pdsafe does not compute", NULL);
    /* An optional operand pdsafe does not take: dropout's seed tensor is ignored,
     * an unknown trailing operand is refused */
    expect_variant(json, pb.p, pb.n, "'I':[{'%':13},{'%':5},{'%':0}]",
                   "'I':[{'%':13},{'%':5},{'%':0},{'%':1}]", PDS_ERR_MODEL_FORMAT,
                   "has 4 operands, pd_op.layer_norm takes 3", NULL);
    free(json);
    free(pb.p);
}

/* ------------------------------------------------------------------------ */
/* Refusals                                                                  */
/* ------------------------------------------------------------------------ */

static void test_versions_and_magic(void)
{
    char *json = program(4, op_data(1, "x", "[2]", TF32("[2]")), op("1.relu", "", "1",
                                                                     res(2, TF32("[2]"))),
                         op_fetch(2, 3, "y", 0), NULL);
    expect(json, NULL, 0, NULL, PDS_OK, NULL, NULL);
    for (int v = 1; v <= 4; v++) {
        char from[64], to[64];
        snprintf(to, sizeof to, "'version':%d", v);
        snprintf(from, sizeof from, "'version':4");
        expect_variant(json, NULL, 0, from, to, PDS_OK, NULL, NULL);
    }
    expect_variant(json, NULL, 0, "'version':4", "'version':5", PDS_ERR_MODEL_FORMAT,
                   "<model buffer>: $.base_code.version: is 5: the file was written by a newer "
                   "Paddle than this pdsafe knows; pdsafe reads PIR versions 1 to 4",
                   NULL);
    expect_variant(json, NULL, 0, "'version':4", "'version':1000000", PDS_ERR_MODEL_FORMAT,
                   "is 1000000", "versions 1 to 4");
    expect_variant(json, NULL, 0, "'version':4", "'version':0", PDS_ERR_MODEL_FORMAT,
                   "is 0, which development builds of Paddle write", "1 to 4");
    expect_variant(json, NULL, 0, "'version':4", "'version':-1", PDS_ERR_MODEL_FORMAT,
                   "is -1: not a PIR serialization version", NULL);
    expect_variant(json, NULL, 0, "'version':4", "'version':'4'", PDS_ERR_MODEL_FORMAT,
                   "$.base_code.version: is a string, expected an integer", NULL);
    expect_variant(json, NULL, 0, ",'version':4", "", PDS_ERR_MODEL_FORMAT,
                   "$.base_code.version: is missing", NULL);
    expect_variant(json, NULL, 0, "'magic':'pir'", "'magic':'pdmodel'", PDS_ERR_MODEL_FORMAT,
                   "$.base_code.magic: is a string \"pdmodel\": a JSON file but not a Paddle PIR "
                   "program",
                   NULL);
    expect_variant(json, NULL, 0, "'magic':'pir'", "'magic':7", PDS_ERR_MODEL_FORMAT,
                   "$.base_code.magic: is an integer", NULL);
    expect_variant(json, NULL, 0, "'base_code'", "'base_kode'", PDS_ERR_MODEL_FORMAT,
                   "missing (no base_code)", NULL);
    expect_variant(json, NULL, 0, "'trainable':true", "'trainable':1", PDS_ERR_MODEL_FORMAT,
                   "$.base_code.trainable: is an integer, expected a boolean", NULL);
    expect("[1,2]", NULL, 0, NULL, PDS_ERR_MODEL_FORMAT, "$: the document is an array", NULL);
    free(json);
}

static void test_structure_errors(void)
{
    char *json = program(4, op_data(1, "x", "[2]", TF32("[2]")),
                         op("1.relu", "", "1", res(2, TF32("[2]"))), op_fetch(2, 3, "y", 0),
                         NULL);
    const int MF = PDS_ERR_MODEL_FORMAT;
    static const struct {
        const char *from, *to, *msg;
        int relu;
    } cases[] = {
        {"'program':{", "'program':[{", "not valid JSON", 0},
        {"'regions':[", "'regions':[{'#':'r','blocks':[]},", "$.program.regions: is an array of "
                                                             "another size", 0},
        {"'regions':[{'#':'region_0','blocks':[", "'regions':{'x':[", "not valid JSON", 0},
        {"'blocks':[{'#':'block_0'", "'blocks':[7,{'#':'block_0'",
         "$.program.regions[0].blocks: is an array", 0},
        {"'ops':[", "'ops':{'a':[", "not valid JSON", 0},
        {"{'#':'1.relu'", "7,{'#':'1.relu'", "ops[1] (op #1, ?): op is an integer", 0},
        {"{'#':'1.relu'", "{'#':1,'X':'1.relu'", "ops[1].# (op #1, ?): op name is an integer", 0},
        {"'#':'1.relu'", "'#':'relu'", "op name \"relu\" has no known dialect id", 0},
        {"'#':'1.relu'", "'#':'7.relu'", "op name \"7.relu\" has no known dialect id", 0},
        {"'#':'1.relu','A':[],'I':[{'%':1}]", "'#':'1.relu','A':[],'I':{'%':1}",
         "ops[1].I (op #1, pd_op.relu): operands are an object, expected an array", 0},
        {"'I':[{'%':1}]", "'I':[1]", "ops[1].I[0] (op #1, pd_op.relu): is an integer, expected "
                                     "an object with a value id", 1},
        {"'I':[{'%':1}]", "'I':[{'%':'1'}]", "value id \"%\" is a string, expected an integer", 1},
        {"'I':[{'%':1}]", "'I':[{'x':1}]", "ops[1].I[0] (op #1, pd_op.relu): has no value id", 1},
        {"'I':[{'%':1}]", "'I':[{'%':1.0}]", "value id \"%\" is a real number", 1},
        {"'A':[],'I':[{'%':1}]", "'A':{},'I':[{'%':1}]", "attributes are an object", 1},
        {"'A':[],'I':[{'%':1}]", "'A':[7],'I':[{'%':1}]", "ops[1].A[0] (op #1, pd_op.relu): "
                                                          "attribute is not", 1},
        {"'A':[],'I':[{'%':1}]", "'A':[{'N':'x','AT':{'D':1}}],'I':[{'%':1}]",
         "ops[1].A[0] (op #1, pd_op.relu): attribute is not", 1},
        {"'O':[{'%':2,'TT':" TF32("[2]") "}]", "'O':{'%':2,'TT':" TF32("[2]") "}",
         "ops[1].O (op #1, pd_op.relu): results are an object", 1},
        {"'O':[{'%':2,'TT':" TF32("[2]"), "'O':[{'%':2,'XX':" TF32("[2]"),
         "ops[1].O[0].TT (op #1, pd_op.relu): type is missing", 1},
        {"'TT':{'#':'0.t_dtensor','D':[{'#':'0.t_f32'},[2]", "'TT':{'#':'0.t_dtensor','D':[{'#':"
                                                             "'0.t_f32'},[2.5]",
         "ops[1].O[0].TT.D[1] (op #1, pd_op.relu): dim 0 is a real number", 1},
        {"'TT':{'#':'0.t_dtensor','D':[{'#':'0.t_f32'},[2]", "'TT':{'#':'0.t_dtensor','D':[{'#':"
                                                             "'0.t_f32'},['2']",
         "dim 0 is a string, expected an integer", 1},
        {"'TT':{'#':'0.t_dtensor','D':[{'#':'0.t_f32'},[2]", "'TT':{'#':'0.t_dtensor','D':[{'#':"
                                                             "'0.t_f32'},[1,1,1,1,1,1,1,1,1]",
         "has rank 9, pdsafe supports at most 8", 1},
        {"'TT':{'#':'0.t_dtensor','D':[{'#':'0.t_f32'},[2]", "'TT':{'#':'0.t_dtensor','D':["
                                                             "'0.t_f32',[2]",
         "element type is a string", 1},
        {"'TT':{'#':'0.t_dtensor','D':[{'#':'0.t_f32'},[2]", "'TT':{'#':'0.t_dtensor','D':7,'x':"
                                                             "[{'#':'0.t_f32'},[2]",
         "0.t_dtensor data \"D\" is an integer", 1},
        {"'TT':{'#':'0.t_dtensor','D':[{'#':'0.t_f32'},[2]", "'TT':{'#':7,'D':[{'#':'0.t_f32'},"
                                                             "[2]",
         "type has no string id", 1},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        /* changes to the ops target the relu op (op #1), after the data op */
        char *v = cases[i].relu ? variant_after(json, "'#':'1.relu'", cases[i].from, cases[i].to)
                                : variant(json, cases[i].from, cases[i].to);
        pdsi_graph g;
        pds_error err;
        pds_status st = load_buf(v, NULL, 0, NULL, &err, &g);
        if (st != MF || !strstr(err.message, cases[i].msg))
            PDST_FAIL("case %zu (%s -> %s): %s: %s (expected \"%s\")", i, cases[i].from,
                      cases[i].to, pds_status_name(st), err.message, cases[i].msg);
        if (st && !strstr(err.message, "<model buffer>"))
            PDST_FAIL("case %zu: message does not name the file: %s", i, err.message);
        pdsi_graph_free(&g);
        free(v);
    }
    /* Structure above the ops */
    char buf[512];
    snprintf(buf, sizeof buf, "%s", "{'base_code':{'magic':'pir','version':4}}");
    expect(quotes(buf), NULL, 0, NULL, MF, "$.program: is missing", NULL);
    snprintf(buf, sizeof buf, "%s", "{'base_code':{'magic':'pir','version':4},'program':{'regions':"
                                    "[{'blocks':[{'ops':7}]}]}}");
    expect(quotes(buf), NULL, 0, NULL, MF,
           "$.program.regions[0].blocks[0].ops: is an integer, expected an array", NULL);
    snprintf(buf, sizeof buf, "%s", "{'base_code':{'magic':'pir','version':4},'program':{'regions':"
                                    "[{'blocks':[{},{}]}]}}");
    expect(quotes(buf), NULL, 0, NULL, MF, "expected an array of exactly one block", NULL);
    snprintf(buf, sizeof buf, "%s", "{'base_code':{'magic':'pir','version':4},'program':{'regions':"
                                    "[{'blocks':[{'ops':[]}]}]}}");
    expect(quotes(buf), NULL, 0, NULL, MF, "the program has no fetch", NULL);
    expect_variant(json, NULL, 0, "'args':[]", "'args':[{'#':-1,'TT':" TF32("[2]") "}]",
                   PDS_ERR_UNSUPPORTED_OP, "top-level block has arguments", NULL);
    free(json);
}

static void test_ids(void)
{
    char *json = program(4, op_data(1, "x", "[2]", TF32("[2]")),
                         op("1.relu", "", "1", res(2, TF32("[2]"))),
                         op("1.tanh", "", "2", res(3, TF32("[2]"))), op_fetch(3, 4, "y", 0),
                         NULL);
    expect(json, NULL, 0, NULL, PDS_OK, NULL, NULL);
    const int MF = PDS_ERR_MODEL_FORMAT;
    /* an operand defined later, never, negative (block arguments: none here) */
    expect_variant(json, NULL, 0, "'I':[{'%':1}],'O':[{'%':2", "'I':[{'%':3}],'O':[{'%':2", MF,
                   "ops[1].I[0] (op #1, pd_op.relu): operand refers to value 3, which no earlier "
                   "op defines",
                   NULL);
    expect_variant(json, NULL, 0, "'I':[{'%':1}],'O':[{'%':2", "'I':[{'%':99}],'O':[{'%':2", MF,
                   "refers to value 99", NULL);
    expect_variant(json, NULL, 0, "'I':[{'%':1}],'O':[{'%':2", "'I':[{'%':-1}],'O':[{'%':2", MF,
                   "refers to value -1", NULL);
    expect_variant(json, NULL, 0, "'I':[{'%':1}],'O':[{'%':2",
                   "'I':[{'%':9223372036854775807}],'O':[{'%':2", MF,
                   "refers to value 9223372036854775807", NULL);
    /* reading its own result */
    expect_variant(json, NULL, 0, "'I':[{'%':2}],'O':[{'%':3", "'I':[{'%':3}],'O':[{'%':3", MF,
                   "ops[2].I[0] (op #2, pd_op.tanh): operand refers to value 3", NULL);
    /* a result id used twice, or not positive */
    expect_variant(json, NULL, 0, "'O':[{'%':3", "'O':[{'%':2", MF,
                   "ops[2].O[0] (op #2, pd_op.tanh): value id 2 is defined twice", NULL);
    expect_variant(json, NULL, 0, "'O':[{'%':3", "'O':[{'%':1", MF, "value id 1 is defined twice",
                   NULL);
    expect_variant(json, NULL, 0, "'O':[{'%':3", "'O':[{'%':0", MF,
                   "value id 0, expected a positive id", NULL);
    expect_variant(json, NULL, 0, "'O':[{'%':3", "'O':[{'%':-5", MF,
                   "value id -5, expected a positive id", NULL);
    /* %0 where a required operand is: absent -> the legacy slot check */
    expect_variant(json, NULL, 0, "'I':[{'%':2}],'O':[{'%':3", "'I':[{'%':0}],'O':[{'%':3", MF,
                   "required input slot 'X' is missing", "pd_op.tanh");
    /* a result without an id is allowed (nothing can name it) */
    expect_variant(json, NULL, 0, "'O':[{'%':4,'TT'", "'O':[{'TT'", PDS_OK, NULL, NULL);
    free(json);
}

static void test_unsupported(void)
{
    char *json = program(4, op_data(1, "x", "[2]", TF32("[2]")),
                         op("1.relu", "", "1", res(2, TF32("[2]"))), op_fetch(2, 3, "y", 0),
                         NULL);
    const int UO = PDS_ERR_UNSUPPORTED_OP;
    expect_variant(json, NULL, 0, "'#':'1.relu'", "'#':'1.frobnicate'", UO,
                   "<model buffer>: 1 operator type is not supported: pd_op.frobnicate (1, "
                   "first at op 1)",
                   NULL);
    expect_variant(json, NULL, 0, "'#':'1.relu'", "'#':'1.frobnicate_'", UO,
                   "supported: pd_op.frobnicate_ (1, first at op 1)", NULL);
    expect_variant(json, NULL, 0, "'#':'1.relu'", "'#':'3.my_custom'", UO,
                   "supported: custom_op.my_custom (1, first at op 1)", NULL);
    expect_variant(json, NULL, 0, "'#':'1.relu'", "'#':'0.shadow_output'", UO,
                   "supported: builtin.shadow_output (1, first at op 1)", NULL);
    /* control flow: a loop (pd_op.if is supported: tests/test_control.c), and
     * an unsupported op inside a region, listed at its if's index */
    expect_variant(json, NULL, 0, "'#':'1.relu','A':[]",
                   "'#':'1.while','regions':[{'#':'region_0','blocks':[{'#':'block_0','args':[],"
                   "'ops':[{'#':'2.yield','A':[],'I':[],'O':[]}]}]}],'A':[]",
                   UO, "supported: pd_op.while (1, first at op 1)", NULL);
    expect_variant(json, NULL, 0, "'#':'1.relu','A':[]",
                   "'#':'1.if','regions':[{'#':'region_0','blocks':[{'#':'block_0','args':[],"
                   "'ops':[{'#':'1.frobnicate','A':[],'I':[],'O':[]},"
                   "{'#':'2.yield','A':[],'I':[],'O':[]}]}]}],'A':[]",
                   UO, "supported: pd_op.frobnicate (1, first at op 1)", NULL);
    expect_variant(json, NULL, 0, "'#':'1.relu'", "'#':'2.yield'", UO,
                   "supported: cf.yield (1, first at op 1)", NULL);
    /* attribute values pdsafe does not run */
    char *conv = program(
        4, op_param(1, "w", TF32("[1,1,1,1]"), 1), op_data(2, "x", "[1,1,2,2]",
                                                             TF32("[1,1,2,2]")),
        op("1.conv2d",
           ATTR("strides", "0.a_array", "[{'#':'0.a_i32','D':1},{'#':'0.a_i32','D':1}]") ","
           ATTR("paddings", "0.a_array", "[{'#':'0.a_i32','D':0},{'#':'0.a_i32','D':0}]") ","
           ATTR("padding_algorithm", "0.a_str", "'EXPLICIT'") ","
           ATTR("dilations", "0.a_array", "[{'#':'0.a_i32','D':1},{'#':'0.a_i32','D':1}]") ","
           ATTR("groups", "0.a_i32", "1") "," ATTR("data_format", "0.a_str", "'NCHW'"),
           "2,1", res(3, TF32("[1,1,2,2]"))),
        op_fetch(3, 4, "y", 0), NULL);
    pdst_bytes pb = {0};
    int64_t d[4] = {1, 1, 1, 1};
    const float w = 2;
    put_record(&pb, 4, d, &w);
    expect(conv, pb.p, pb.n, NULL, PDS_OK, NULL, NULL);
    expect_variant(conv, pb.p, pb.n, "'D':'NCHW'", "'D':'NHWC'", PDS_ERR_UNSUPPORTED_OP,
                   "(op #2, pd_op.conv2d): as legacy conv2d: op #2 (conv2d): attribute "
                   "'data_format' is \"NHWC\"",
                   NULL);
    expect_variant(conv, pb.p, pb.n, "'N':'groups'", "'N':'groups'},{'AT':{'#':'0.a_i32','D':1},"
                                                     "'N':'x'",
                   PDS_OK, NULL, NULL); /* unknown attributes are ignored, as Paddle's are */
    expect_variant(conv, pb.p, pb.n, ATTR("groups", "0.a_i32", "1"),
                   ATTR("groups", "0.a_str", "'1'"), PDS_ERR_MODEL_FORMAT,
                   "ops[2].A[4].AT (op #2, pd_op.conv2d): attribute 'groups' is 0.a_str", NULL);
    /* a dtype attribute pdsafe does not hold */
    char *cast = program(4, op_data(1, "x", "[2]", TF32("[2]")),
                         op("1.cast", ATTR("dtype", "1.a_dtype", "'complex64'"), "1",
                            res(2, TF32("[2]"))),
                         op_fetch(2, 3, "y", 0), NULL);
    expect(cast, NULL, 0, NULL, UO, "attribute 'dtype' is data type \"complex64\"", NULL);
    free(json);
    free(conv);
    free(cast);
    free(pb.p);
}

/* Inputs and outputs: names, cols, collisions. */
static void test_feeds_and_fetches(void)
{
    char *json = program(4, op_data(1, "x", "[2]", TF32("[2]")),
                         op_data(2, "z", "[2]", TF32("[2]")),
                         op("1.add", "", "1,2", res(3, TF32("[2]"))), op_fetch(3, 4, "y", 0),
                         op_fetch(1, 5, "x_again", 1), NULL);
    pdsi_graph g;
    pds_error err;
    CHECK_OK(load_buf(json, NULL, 0, NULL, &err, &g), &err);
    CHECK_EQ_INT(g.n_inputs, 2);
    CHECK_EQ_INT(g.n_outputs, 2);
    if (g.n_inputs == 2 && g.n_outputs == 2) {
        CHECK(strcmp(g.values[g.inputs[0]].name, "x") == 0); /* data ops: program order */
        CHECK(strcmp(g.values[g.inputs[1]].name, "z") == 0);
        CHECK(strcmp(g.values[g.outputs[0]].name, "y") == 0);
        CHECK(strcmp(g.values[g.outputs[1]].name, "x") == 0); /* an input fetched as is */
    }
    pdsi_graph_free(&g);
    const int MF = PDS_ERR_MODEL_FORMAT;
    expect_variant(json, NULL, 0, "'D':'z'", "'D':'x'", MF,
                   "ops[1].A (op #1, pd_op.data): input name 'x' is already used", NULL);
    expect_variant(json, NULL, 0, "'D':'z'", "'D':''", MF, "input name of 0 bytes", NULL);
    expect_variant(json, NULL, 0, ATTR("col", "0.a_i32", "1"), ATTR("col", "0.a_i32", "0"), MF,
                   "two outputs have col 0", NULL);
    expect_variant(json, NULL, 0, ATTR("col", "0.a_i32", "1"), ATTR("col", "0.a_i32", "3"), MF,
                   "no fetch has col 1", NULL);
    expect_variant(json, NULL, 0, ATTR("col", "0.a_i32", "1"), ATTR("col", "0.a_i32", "-1"), MF,
                   "output col -1", NULL);
    expect_variant(json, NULL, 0, ATTR("col", "0.a_i32", "1"), ATTR("col", "0.a_i32", "70000"),
                   MF, "output col 70000", NULL);
    /* pd_op.feed: the col attribute decides */
    char *feed = program(
        4,
        piece("{'#':'1.feed','A':[" ATTR("name", "0.a_str", "'b'") "," ATTR("col", "0.a_i32",
                                                                              "1") "],'I':[],"
              "'O':[{'%%':1,'TT':%s}]}",
              TF32("[2]")),
        piece("{'#':'1.feed','A':[" ATTR("name", "0.a_str", "'a'") "," ATTR("col", "0.a_i32",
                                                                              "0") "],'I':[],"
              "'O':[{'%%':2,'TT':%s}]}",
              TF32("[2]")),
        op("1.subtract", "", "2,1", res(3, TF32("[2]"))), op_fetch(3, 4, "y", 0), NULL);
    CHECK_OK(load_buf(feed, NULL, 0, NULL, &err, &g), &err);
    if (g.n_inputs == 2) {
        CHECK(strcmp(g.values[g.inputs[0]].name, "a") == 0);
        CHECK(strcmp(g.values[g.inputs[1]].name, "b") == 0);
    }
    pdsi_graph_free(&g);
    expect_variant(feed, NULL, 0, ATTR("col", "0.a_i32", "1"), "{'N':'other','AT':{'#':'0.a_"
                                                               "i32','D':1}}",
                   MF, "ops[0].A (op #0, pd_op.feed): attribute 'col' is missing", NULL);
    /* an input whose type says nothing falls back on the data attributes */
    char *notype = variant(json, "'O':[{'%':1,'TT':" TF32("[2]") "}]",
                           "'O':[{'%':1,'TT':{'#':'NULL'}}]");
    CHECK_OK(load_buf(notype, NULL, 0, NULL, &err, &g), &err);
    pdsi_graph_free(&g);
    free(notype);
    /* the fetch name of another value's name */
    expect_variant(json, NULL, 0, "'D':'y'", "'D':'z'", MF,
                   "value 3 is fetched as 'z', a name another value already has", NULL);
    free(json);
    free(feed);
}

static void test_params(void)
{
    /* y = x * b + a, names in the program b then a; the file is sorted: a, b */
    char *json = program(4, op_param(1, "b", TF32("[2]"), 1), op_param(2, "a", TF32("[2]"), 1),
                         op_data(3, "x", "[2]", TF32("[2]")),
                         op("1.multiply", "", "3,1", res(4, TF32("[2]"))),
                         op("1.add", "", "4,2", res(5, TF32("[2]"))), op_fetch(5, 6, "y", 0),
                         NULL);
    pdst_bytes pb = {0};
    int64_t d[1] = {2};
    const float a[2] = {10, 20}, b[2] = {2, 3};
    put_record(&pb, 1, d, a);
    put_record(&pb, 1, d, b);
    const float x[2] = {1, 1};
    float got[2];
    const float want[2] = {12, 23};
    pds_error err;
    CHECK_OK(run1(json, pb.p, pb.n, 1, d, x, got, 2, &err), &err);
    pdst_check_close("params sorted by name", got, want, 2, 0, 0);
    const int MF = PDS_ERR_MODEL_FORMAT;
    /* no parameter file */
    expect(json, NULL, 0, NULL, PDS_ERR_INVALID_ARGUMENT,
           "declares 2 parameters (the first is 'a') but no parameter file was given", NULL);
    /* the record reader's messages (shared with the legacy loader) */
    expect(json, pb.p, pb.n - 1, NULL, MF, "<params buffer>: byte offset",
           "parameter 'b' (#2 of 2)");
    uint8_t *more = malloc(pb.n + 3);
    memcpy(more, pb.p, pb.n);
    memset(more + pb.n, 0, 3);
    expect(json, more, pb.n + 3, NULL, MF, "3 bytes left after the last parameter", NULL);
    free(more);
    /* declared dims or dtype against the record */
    expect_variant(json, pb.p, pb.n, "'O':{'%':2,'TT':" TF32("[2]"),
                   "'O':{'%':2,'TT':" TF32("[3]"), MF,
                   "dims are [2] in the parameter file but [3] in the program", NULL);
    expect_variant(json, pb.p, pb.n, "'O':{'%':2,'TT':" TF32("[2]"),
                   "'O':{'%':2,'TT':" TI64("[2]"), MF,
                   "data type is FP32 in the parameter file but INT64 in the program", NULL);
    /* a parameter that is not persistable is not in the file: reading it fails */
    expect_variant(json, pb.p, pb.n, "'OA':[1,0,1]", "'OA':[0,0,1]", MF,
                   "reads variable 'b', which nothing before it writes", NULL);
    /* ...without OA (trainable false) a parameter counts as persistable */
    expect_variant(json, pb.p, pb.n, ",'OA':[1,0,1]", "", PDS_OK, NULL, NULL);
    /* malformed parameter ops */
    expect_variant(json, pb.p, pb.n, "'A':[0,1,1,'b']", "'A':[0,1,'b']", MF,
                   "ops[0].A (op #0, builtin.parameter): parameter attributes are an array of "
                   "another length",
                   NULL);
    expect_variant(json, pb.p, pb.n, "'A':[0,1,1,'b']", "'A':[0,1,1,7]", MF,
                   "ops[0].A[3] (op #0, builtin.parameter): parameter name is an integer", NULL);
    expect_variant(json, pb.p, pb.n, "'A':[0,1,1,'b']", "'A':[0,1,1,'']", MF,
                   "parameter name is empty", NULL);
    expect_variant(json, pb.p, pb.n, "'A':[0,1,1,'b']", "'A':['0',1,1,'b']", MF,
                   "ops[0].A[0] (op #0, builtin.parameter): is a string, expected 0 or 1", NULL);
    expect_variant(json, pb.p, pb.n, "'A':[0,1,1,'b']", "'A':[0,1,1,'a']", MF,
                   "ops[1].A[3] (op #1, builtin.parameter): parameter name 'a' is already used",
                   NULL);
    expect_variant(json, pb.p, pb.n, "'O':{'%':2", "'O':{'%':1", MF,
                   "ops[1].O (op #1, builtin.parameter): value id 1 is defined twice", NULL);
    expect_variant(json, pb.p, pb.n, "'O':{'%':2", "'O':[{'%':2", MF, "not valid JSON", NULL);
    expect_variant(json, pb.p, pb.n, "'OA':[1,0,1]", "'OA':['x']", MF,
                   "ops[0].OA (op #0, builtin.parameter): is a string", NULL);
    expect_variant(json, pb.p, pb.n, "'O':{'%':2,'TT':" TF32("[2]"),
                   "'O':{'%':2,'TT':{'#':'1.t_selected_rows','D':[]}", MF,
                   "parameter 'a' (#1 of 2): the program declares it as a 1.t_selected_rows",
                   NULL);
    free(json);
    free(pb.p);
}

static void test_limits(void)
{
    char *json = program(4, op_data(1, "x", "[2]", TF32("[2]")),
                         op("1.relu", "", "1", res(2, TF32("[2]"))), op_fetch(2, 3, "y", 0),
                         NULL);
    pds_model_options o;
    pds_model_options_init(&o);
    o.max_ops = 2;
    expect(json, NULL, 0, &o, PDS_ERR_LIMIT, "$.program.regions[0].blocks[0].ops: has 3 ops, more "
                                             "than max_ops (2)",
           NULL);
    /* JSON values: 256 per allowed op (+1024) */
    o.max_ops = 1;
    sbuf big = {0};
    sb_add(&big, "{\"base_code\":{\"magic\":\"pir\",\"version\":4},\"x\":[");
    for (int i = 0; i < 2000; i++)
        sb_add(&big, "%s0", i ? "," : "");
    sb_add(&big, "]}");
    expect(big.p, NULL, 0, &o, PDS_ERR_LIMIT, "more than 1280 JSON values (256 per op that "
                                              "max_ops 1 allows)",
           "line 1, column");
    free(big.p);
    pds_model_options_init(&o);
    /* nesting: refused before the parser recurses */
    sbuf deep = {0};
    sb_add(&deep, "{\"base_code\":{\"magic\":\"pir\",\"version\":4},\n\"x\":");
    for (int i = 0; i < 100000; i++)
        sb_add(&deep, "[");
    expect(deep.p, NULL, 0, NULL, PDS_ERR_LIMIT,
           "<model buffer>: line 2, column 68 (byte offset 109): JSON nested more than 64 deep",
           NULL);
    free(deep.p);
    /* nesting in strings does not count */
    sbuf str = {0};
    sb_add(&str, "%s", json);
    char *s = variant(str.p, "'D':'y'", "'D':'[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[["
                                        "[[[[[[[[[[[[[[[[[[[[[[[[[[[\\\"[[[[['");
    expect(s, NULL, 0, NULL, PDS_OK, NULL, NULL);
    free(s);
    free(str.p);
    /* max_values */
    o.max_values = 2;
    expect(json, NULL, 0, &o, PDS_ERR_LIMIT, "more than 2 values in the program (max_values)",
           NULL);
    pds_model_options_init(&o);
    /* a constant larger than max_tensor_bytes, and a long list attribute */
    char *fb = program(4, op_data(1, "x", "[2]", TF32("[2]")),
                       full(2, "[1000,1000,1000]", ATTR("value", "0.a_f64", "1.0"), "float32",
                            TF32("[1000,1000,1000]")),
                       op("1.add", "", "1,2", res(3, TF32("[2]"))), op_fetch(3, 4, "y", 0), NULL);
    o.max_tensor_bytes = 1 << 20;
    expect(fb, NULL, 0, &o, PDS_ERR_LIMIT,
           "ops[1].A (op #1, pd_op.full): constant float32 [1000,1000,1000] is 4000000000 bytes, "
           "more than max_tensor_bytes (1048576)",
           NULL);
    expect_variant(fb, NULL, 0, "[1000,1000,1000]", "[4611686018427387904,4]",
                   PDS_ERR_MODEL_FORMAT, "is not a valid float32 shape", NULL);
    expect_variant(fb, NULL, 0, "[1000,1000,1000]", "[1,1,1,1,1,1,1,1,1]", PDS_ERR_MODEL_FORMAT,
                   "attribute 'shape' has 9 entries, more than the maximum rank 8", NULL);
    sbuf lst = {0};
    for (int i = 0; i < 100; i++)
        sb_add(&lst, "%s1", i ? "," : "");
    char *l1 = malloc(lst.n + 8);
    snprintf(l1, lst.n + 8, "[%s]", lst.p);
    expect_variant(fb, NULL, 0, "[1000,1000,1000]", l1, PDS_ERR_MODEL_FORMAT,
                   "attribute 'shape' is 1.a_intarray, expected a list of at most 64 entries",
                   NULL);
    free(l1);
    free(lst.p);
    free(fb);
    free(json);
}

static void test_parser_errors(void)
{
    expect("", NULL, 0, NULL, PDS_ERR_MODEL_FORMAT, "<model buffer> is empty", NULL);
    expect("{\n  \"base_code\": ,\n}", NULL, 0, NULL, PDS_ERR_MODEL_FORMAT,
           "<model buffer>: line 2, column 16 (byte offset 18): not valid JSON", NULL);
    expect("{\"a\":1,\"a\":2}", NULL, 0, NULL, PDS_ERR_MODEL_FORMAT, "duplicate object key",
           NULL);
    expect("{\"a\":99999999999999999999999}", NULL, 0, NULL, PDS_ERR_MODEL_FORMAT,
           "too big integer", NULL);
    expect("{\"a\":1e999}", NULL, 0, NULL, PDS_ERR_MODEL_FORMAT, "real number overflow", NULL);
    expect("{\"a\":1} trailing", NULL, 0, NULL, PDS_ERR_MODEL_FORMAT, "not valid JSON", NULL);
    expect("{\"a\":\"\\u0000\"}", NULL, 0, NULL, PDS_ERR_MODEL_FORMAT, "not valid JSON", NULL);
    static const char nul[] = "{\"a\":1\0}";
    pdsi_graph g;
    pds_error err;
    pdsi_graph_init(&g, NULL);
    CHECK_STATUS(pdsi_load_buffers((const uint8_t *)nul, sizeof nul - 1, NULL, 0, &g, &err),
                 PDS_ERR_MODEL_FORMAT, &err);
    pdsi_graph_free(&g);
    static const uint8_t bad_utf8[] = {'{', '"', 0xff, 0xfe, '"', ':', '1', '}'};
    pdsi_graph_init(&g, NULL);
    CHECK_STATUS(pdsi_load_buffers(bad_utf8, sizeof bad_utf8, NULL, 0, &g, &err),
                 PDS_ERR_MODEL_FORMAT, &err);
    pdsi_graph_free(&g);
}

/* ------------------------------------------------------------------------ */
/* Format detection and files                                                */
/* ------------------------------------------------------------------------ */

static void check_file(const char *m, const char *p, pds_status want, const char *s1)
{
    pdsi_graph g;
    pds_error err;
    pdsi_graph_init(&g, NULL);
    memset(&err, 0, sizeof err);
    pds_status st = pdsi_load_files(m, p, &g, &err);
    pdst_check_load(st, &err, want, s1, NULL);
    if (!st)
        CHECK_EQ_INT(g.format, PDS_FORMAT_PIR_JSON);
    pdsi_graph_free(&g);
}

static void test_sniffing(void)
{
    static const char obj[] = " \r\n\t{\"x\":1}";
    CHECK_EQ_INT(pdsi_program_sniff((const uint8_t *)obj, sizeof obj - 1, NULL),
                 PDSI_PROGRAM_PIR_JSON);
    static const char bom[] = "\xef\xbb\xbf{}";
    CHECK_EQ_INT(pdsi_program_sniff((const uint8_t *)bom, sizeof bom - 1, NULL),
                 PDSI_PROGRAM_PIR_JSON);
    static const char arr[] = "[]";
    CHECK_EQ_INT(pdsi_program_sniff((const uint8_t *)arr, 2, NULL), PDSI_PROGRAM_PIR_JSON);
    static const uint8_t pb[] = {0x0a, 0x02, 0x08, 0x00};
    CHECK_EQ_INT(pdsi_program_sniff(pb, sizeof pb, NULL), PDSI_PROGRAM_LEGACY);
    CHECK_EQ_INT(pdsi_program_sniff(pb, sizeof pb, "m.json"), PDSI_PROGRAM_LEGACY);
    static const char junk[] = "hello";
    CHECK_EQ_INT(pdsi_program_sniff((const uint8_t *)junk, 5, NULL), PDSI_PROGRAM_LEGACY);
    CHECK_EQ_INT(pdsi_program_sniff((const uint8_t *)junk, 5, "/a/m.json"), PDSI_PROGRAM_PIR_JSON);
    CHECK_EQ_INT(pdsi_program_sniff(NULL, 0, "x.json"), PDSI_PROGRAM_PIR_JSON);
    CHECK_EQ_INT(pdsi_program_sniff(NULL, 0, "x.pdmodel"), PDSI_PROGRAM_LEGACY);
    /* a legacy program whose first block is 123 bytes long starts "\n{" */
    uint8_t blk[2 + 123];
    blk[0] = 0x0a, blk[1] = 123;
    blk[2] = 0x08, blk[3] = 0x00;
    blk[4] = 0x62, blk[5] = 119;
    memset(blk + 6, 'a', 119);
    CHECK_EQ_INT(pdsi_program_sniff(blk, sizeof blk, "x.json"), PDSI_PROGRAM_LEGACY);
}

static void test_files(void)
{
    char tmpdir[256];
    pdst_make_tmpdir(tmpdir, sizeof tmpdir, "pir");
    char *json = basic_program(4, ATTR("value", "0.a_f64", "2.0"), ATTR("bias", "0.a_f32", "0.5"));
    pdst_bytes pb = basic_params();
    char m[1024], p[1024], sub[1024], want[1024];
    /* X.json + X.pdiparams */
    pdst_write_file(tmpdir, "m.json", json, strlen(json));
    pdst_write_file(tmpdir, "m.pdiparams", pb.p, pb.n);
    snprintf(m, sizeof m, "%s/m.json", tmpdir);
    snprintf(p, sizeof p, "%s/m.pdiparams", tmpdir);
    check_file(m, p, PDS_OK, NULL);
    /* without a parameter path, X.pdiparams beside X.json is found... */
    check_file(m, NULL, PDS_OK, NULL);
    /* ...and X.json.pdiparams before it */
    pdst_write_file(tmpdir, "m.json.pdiparams", pb.p, pb.n - 1);
    check_file(m, NULL, PDS_ERR_MODEL_FORMAT, "m.json.pdiparams: byte offset");
    /* none beside it: the message names both paths looked for */
    pdst_write_file(tmpdir, "lonely.json", json, strlen(json));
    snprintf(m, sizeof m, "%s/lonely.json", tmpdir);
    snprintf(want, sizeof want,
             "(looked for '%s/lonely.json.pdiparams' and '%s/lonely.pdiparams')", tmpdir, tmpdir);
    check_file(m, NULL, PDS_ERR_INVALID_ARGUMENT, want);
    snprintf(m, sizeof m, "%s/m.json", tmpdir);
    /* the content decides: JSON in a .pdmodel file is read as PIR */
    pdst_write_file(tmpdir, "odd.pdmodel", json, strlen(json));
    snprintf(m, sizeof m, "%s/odd.pdmodel", tmpdir);
    check_file(m, p, PDS_OK, NULL);
    /* ...and a .json that is not JSON is a PIR error with the parser's position */
    pdst_write_file(tmpdir, "bad.json", "\x0a\x02\x08", 3);
    snprintf(m, sizeof m, "%s/bad.json", tmpdir);
    snprintf(want, sizeof want, "%s: line", m);
    check_file(m, p, PDS_ERR_MODEL_FORMAT, want);
    pdst_write_file(tmpdir, "empty.json", "", 0);
    snprintf(m, sizeof m, "%s/empty.json", tmpdir);
    check_file(m, p, PDS_ERR_MODEL_FORMAT,
               "empty.json is empty (expected a Paddle 3 PIR JSON program");
    /* a directory with inference.json + inference.pdiparams */
    snprintf(sub, sizeof sub, "%s/dir", tmpdir);
    mkdir(sub, 0700);
    pdst_write_file(sub, "inference.json", json, strlen(json));
    pdst_write_file(sub, "inference.pdiparams", pb.p, pb.n);
    check_file(sub, NULL, PDS_OK, NULL);
    /* ...where inference.json.pdiparams wins when present */
    pdst_write_file(sub, "inference.json.pdiparams", pb.p, pb.n - 1);
    check_file(sub, NULL, PDS_ERR_MODEL_FORMAT, "inference.json.pdiparams: byte offset");
    /* __model__.json with one file per parameter */
    snprintf(sub, sizeof sub, "%s/split", tmpdir);
    mkdir(sub, 0700);
    pdst_write_file(sub, "__model__.json", json, strlen(json));
    pdst_write_file(sub, "w", pb.p, pb.n);
    check_file(sub, NULL, PDS_OK, NULL);
    snprintf(p, sizeof p, "%s/w", sub);
    unlink(p);
    check_file(sub, NULL, PDS_ERR_IO, "parameter 'w' (#1 of 1)");
    /* an empty directory names every form it looked for */
    snprintf(sub, sizeof sub, "%s/none", tmpdir);
    mkdir(sub, 0700);
    check_file(sub, NULL, PDS_ERR_IO, "none of __model__, inference.pdmodel, inference.json");
    pdst_rm_rf(tmpdir);
    free(json);
    free(pb.p);
}

/* ------------------------------------------------------------------------ */
/* Real files: every fixture's .json loads; cut and flipped ones never crash  */
/* ------------------------------------------------------------------------ */

static void test_fixtures_load(void)
{
    const char *root = pdst_fixtures_dir();
    DIR *d = opendir(root);
    if (!d) {
        PDST_FAIL("cannot open %s", root);
        return;
    }
    struct dirent *e;
    int n = 0;
    while ((e = readdir(d))) {
        char m[1024], p[1024];
        snprintf(m, sizeof m, "%s/%s/inference.json", root, e->d_name);
        /* the PIR export's own parameters when they differ from the legacy
         * file's (inference.json.pdiparams, as the library looks it up) */
        snprintf(p, sizeof p, "%s/%s/inference.json.pdiparams", root, e->d_name);
        struct stat sb;
        if (e->d_name[0] == '.' || stat(m, &sb) != 0)
            continue;
        if (stat(p, &sb) != 0)
            snprintf(p, sizeof p, "%s/%s/inference.pdiparams", root, e->d_name);
        pdsi_graph g;
        pds_error err;
        pdsi_graph_init(&g, NULL);
        pds_status st = pdsi_load_files(m, p, &g, &err);
        if (st)
            PDST_FAIL("%s: %s: %s", e->d_name, pds_status_name(st), err.message);
        else {
            CHECK_EQ_INT(g.format, PDS_FORMAT_PIR_JSON);
            CHECK_EQ_INT(g.format_version, 4);
        }
        pdsi_graph_free(&g);
        n++;
    }
    closedir(d);
    printf("     %d fixture .json programs loaded\n", n);
    CHECK(n >= 10);
}

/* The PIR loader proper, with the names the cut checks look for. */
static pds_status load_cut_json(const uint8_t *m, size_t mlen, const uint8_t *q, size_t plen,
                                pdsi_graph *g, pds_error *err)
{
    pdsi_param_source src = {.combined = q, .combined_len = plen, .combined_name = "p"};
    return pdsi_load_pir(m, mlen, "cut.json", &src, g, err);
}

/* A cut program never loads: it fails naming the file. */
static bool cut_ok(size_t k, pds_status st, const pds_error *err, const void *ctx)
{
    return st != PDS_OK && pdst_load_documented(st) && strstr(err->message, "cut.json");
}

/* One to three bytes replaced, every other time by a byte that means
 * something in JSON. */
static void flip_json(uint8_t *m, size_t mlen, uint8_t *q, size_t plen, int f, void *ctx)
{
    uint64_t *rng = ctx;
    static const uint8_t pick[] = {'0', '9', '-', '"', '[', ']', '{', '}',
                                   ',', ':', 'e', '.', 0,   0xff, ' ', '1'};
    for (int r = 0; r < 1 + f % 3; r++) {
        pdst_rng(rng);
        size_t at = (size_t)(*rng % mlen);
        m[at] = f % 2 ? pick[(*rng >> 32) % sizeof pick] : (uint8_t)(*rng >> 24);
    }
}

static void test_fixtures_truncated_and_flipped(void)
{
    static const char *const names[] = {"op_dropout", "op_norm", "op_shape"};
    uint64_t rng = 0x9e3779b97f4a7c15ull;
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        char m[1024], p[1024];
        snprintf(m, sizeof m, "%s/%s/inference.json", pdst_fixtures_dir(), names[i]);
        snprintf(p, sizeof p, "%s/%s/inference.pdiparams", pdst_fixtures_dir(), names[i]);
        uint8_t *mb = NULL, *pbuf = NULL;
        size_t mlen = 0, plen = 0;
        if (!pdst_read_whole(m, &mb, &mlen) || !pdst_read_whole(p, &pbuf, &plen)) {
            PDST_FAIL("cannot read %s", m);
            free(mb);
            free(pbuf);
            continue;
        }
        pds_error err;
        CHECK_OK(pdst_load_copy(load_cut_json, mb, mlen, pbuf, plen, &err), &err);
        /* every cut of the small one, every 7th byte of the others */
        size_t stride = i == 0 ? 1 : 7;
        pdst_cut_model(names[i], load_cut_json, mb, mlen, pbuf, plen, stride, cut_ok, NULL);
        /* random byte flips: any documented status */
        pdst_flip_each(names[i], load_cut_json, mb, mlen, pbuf, plen, 1500, flip_json, &rng);
        printf("     %s: %zu bytes, cut every %zu, 1500 flips\n", names[i], mlen, stride);
        free(mb);
        free(pbuf);
    }
}

static void run(const char *name, void (*fn)(void))
{
    pdst_run(name, fn);
    pieces_free();
}

int main(void)
{
    run("test_basic_program_runs", test_basic_program_runs);
    run("test_numeric_encodings", test_numeric_encodings);
    run("test_void_data", test_void_data);
    run("test_mutable_attribute_forms", test_mutable_attribute_forms);
    run("test_vectors_and_constants", test_vectors_and_constants);
    run("test_assign_value_and_full_with_tensor", test_assign_value_and_full_with_tensor);
    run("test_inplace_and_optional", test_inplace_and_optional);
    run("test_versions_and_magic", test_versions_and_magic);
    run("test_structure_errors", test_structure_errors);
    run("test_ids", test_ids);
    run("test_unsupported", test_unsupported);
    run("test_feeds_and_fetches", test_feeds_and_fetches);
    run("test_params", test_params);
    run("test_limits", test_limits);
    run("test_parser_errors", test_parser_errors);
    run("test_sniffing", test_sniffing);
    run("test_files", test_files);
    run("test_fixtures_load", test_fixtures_load);
    run("test_fixtures_truncated_and_flipped", test_fixtures_truncated_and_flipped);
    pds_live_objects live;
    pds_get_live_objects(&live);
    if (live.models || live.predictors) {
        fprintf(stderr, "leaked %llu models, %llu predictors\n",
                (unsigned long long)live.models, (unsigned long long)live.predictors);
        return 1;
    }
    return pdst_summary();
}
