/*
 * guard_demo.c — a program with the misuse guard mode explains, for
 * tests/report_test.sh: it runs pplcnet and db_det with guard mode on,
 * makes one mistake of each common kind (a predictor used after it was
 * destroyed and destroyed twice, a model passed as a predictor, two threads
 * on one predictor, a short input, a small output, a predictor never
 * destroyed), writes the JSON guard report to argv[2] and prints, for the
 * test, the line of each site:
 *   guard_demo FIXTURES_DIR REPORT.json
 * The second thread's run is held at a checkpoint (wait_at_checkpoint) until
 * it is cancelled, so the output does not depend on machine speed.
 */
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pdsafe.h"

static char dir[4096];
static pds_error err; /* the messages are the library's; the demo reads none */
static float image[3 * 64 * 64], scores[4096];

static pds_model load(const char *name)
{
    char mp[4200], pp[4200];
    snprintf(mp, sizeof mp, "%s/%s/inference.pdmodel", dir, name);
    snprintf(pp, sizeof pp, "%s/%s/inference.pdiparams", dir, name);
    pds_model_options o;
    pds_model_options_init(&o);
    o.flags = PDS_MODEL_GUARD;
    pds_model m = 0;
    if (pds_model_load_files(mp, pp, &o, &m, &err) != PDS_OK) {
        fprintf(stderr, "guard_demo: %s\n", err.message);
        exit(1);
    }
    return m;
}

typedef struct job {
    pds_predictor p;
    pds_tensor in, out;
    pds_run_id id;
} job;

static void *worker(void *arg)
{
    job *j = arg;
    pds_run_options o;
    pds_run_options_init(&o);
    o.run_id = j->id;
    o.wait_at_checkpoint = 1;
    /* The main thread polls the predictor (pds_predictor_get_stats) until
     * this run holds it; a poll that holds it at the moment this run starts
     * makes the run PDS_ERR_BUSY, and the poll would then wait for ever:
     * try again until the run is the one holding it. */
    while (pds_predictor_run_v2(j->p, &o, &j->in, 1, &j->out, 1, NULL) == PDS_ERR_BUSY)
        sched_yield();
    return NULL;
}

/* Closes a predictor "for" a request handler, which keeps using it. */
static void release_session(pds_predictor p)
{
    pds_predictor_destroy(p, &err); printf("M1 destroyed %d\n", __LINE__);
}

static void handle_request(pds_predictor p)
{
    pds_tensor in = {.dtype = PDS_FLOAT32, .rank = 4, .dims = {1, 3, 64, 64}, .data = image,
                     .byte_length = sizeof image};
    pds_tensor out = {.data = scores, .byte_length = sizeof scores};
    pds_predictor_run(p, &in, 1, &out, 1, &err); printf("M1 misused %d\n", __LINE__);
}

int main(int argc, char **argv)
{
    setvbuf(stdout, NULL, _IOLBF, 0); /* a hang shows how far it got */
    if (argc != 3) {
        fprintf(stderr, "usage: guard_demo FIXTURES_DIR REPORT.json\n");
        return 2;
    }
    snprintf(dir, sizeof dir, "%s", argv[1]);
    pds_model cls = load("pplcnet");
    pds_predictor p = 0;
    pds_predictor_create(cls, NULL, &p, &err); printf("M1 created %d\n", __LINE__);
    handle_request(p);
    release_session(p);
    handle_request(p);
    pds_predictor_destroy(p, &err); printf("M2 misused %d\n", __LINE__);

    /* A model handle where a predictor is expected. */
    pds_tensor in = {.dtype = PDS_FLOAT32, .rank = 4, .dims = {1, 3, 64, 64}, .data = image,
                     .byte_length = sizeof image};
    pds_tensor out = {.data = scores, .byte_length = sizeof scores};
    pds_predictor_run((pds_predictor)cls, &in, 1, &out, 1, &err); printf("M5 misused %d\n", __LINE__);

    /* A short input and a small output. */
    pds_predictor q = 0;
    pds_predictor_create(cls, NULL, &q, &err); printf("M8 created %d\n", __LINE__);
    pds_tensor half = in;
    half.byte_length /= 2;
    pds_predictor_run(q, &half, 1, &out, 1, &err); printf("M8 misused %d\n", __LINE__);
    pds_tensor tiny = {.data = scores, .byte_length = 16};
    pds_predictor_run(q, &in, 1, &tiny, 1, &err); printf("M9 misused %d\n", __LINE__);
    pds_predictor_destroy(q, &err);

    /* Two threads on one predictor. */
    pds_model det = load("db_det");
    pds_predictor shared = 0;
    pds_predictor_create(det, NULL, &shared, &err); printf("M6 created %d\n", __LINE__);
    job j = {.p = shared, .in = in, .out = {.data = malloc(8u << 20), .byte_length = 8u << 20},
             .id = pds_run_id_new()};
    pthread_t th;
    pthread_create(&th, NULL, worker, &j);
    pds_predictor_stats st = {.struct_size = sizeof st};
    while (pds_predictor_get_stats(shared, &st, NULL) == PDS_OK)
        sched_yield();
    pds_predictor_run(shared, &in, 1, &out, 1, &err); printf("M6 misused %d\n", __LINE__);
    pds_predictor_cancel_run(shared, j.id, NULL);
    pthread_join(th, NULL);
    free(j.out.data);
    pds_predictor_destroy(shared, NULL);

    /* Never destroyed. */
    pds_predictor leak = 0;
    pds_predictor_create(cls, NULL, &leak, &err); printf("M15 created %d\n", __LINE__);

    size_t need = 0;
    pds_guard_report(PDS_GUARD_REPORT_JSON, NULL, 0, &need, NULL);
    char *buf = malloc(need + 65536);
    if (!buf || pds_guard_report(PDS_GUARD_REPORT_JSON, buf, need + 65536, &need, &err)) {
        fprintf(stderr, "guard_demo: the report: %s\n", buf ? err.message : "out of memory");
        return 1;
    }
    FILE *f = fopen(argv[2], "w");
    if (!f || fputs(buf, f) < 0 || fclose(f) != 0) {
        fprintf(stderr, "guard_demo: could not write %s\n", argv[2]);
        return 1;
    }
    free(buf);
    pds_predictor_destroy(leak, NULL);
    pds_model_destroy(det, NULL);
    pds_model_destroy(cls, NULL);
    return 0;
}
