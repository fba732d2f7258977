/*
 * record.h — the recorder's buffers and events, shared by the recorder
 * (trace.c) and the JSON writer (dump.c). Nothing outside src/trace/ sees it.
 */
#ifndef PDSI_TRACE_RECORD_H
#define PDSI_TRACE_RECORD_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>

#include "trace/trace.h"

enum { PDSI_TEV_CALL = 1, PDSI_TEV_STEP = 2 };

#define PDSI_TRACE_TEXT 104

/* One event: 160 bytes. */
typedef struct pdsi_trace_event {
    uint64_t t0, t1;   /* CLOCK_MONOTONIC ns */
    uint64_t handle;   /* call: its handle argument */
    uint64_t run_id;   /* call: the run it held or named; step: its run */
    uint64_t out;      /* call: the handle it made */
    uint16_t kind;     /* PDSI_TEV_* */
    uint16_t fn;       /* call: pdsi_trace_call */
    int32_t status;    /* call: pds_status; step: the operator's index */
    int32_t step;      /* step: its position in the plan */
    uint32_t reserved;
    /* call: the start of the error message on failure; step: the operator
     * type, NUL, then the kernel ("backend:implementation"). */
    char text[PDSI_TRACE_TEXT];
} pdsi_trace_event;

/* One thread's buffer. Only its owner writes events and count; a reader
 * takes count (acquire) and reads the events below it. epoch says which
 * session the contents belong to; the owner resets the buffer when it first
 * records in a new session, setting epoch last. */
typedef struct pdsi_trace_buf {
    atomic_uint epoch;
    atomic_uint count;
    atomic_ullong dropped;  /* events that did not fit */
    atomic_int orphan;      /* the owner thread has exited */
    uint32_t cap;
    int64_t tid;            /* the owner's OS thread id */
    pdsi_trace_event *events;
    pds_error err;          /* the report a traced call fills (trace.h) */
} pdsi_trace_buf;

/* The registry of buffers and the session settings (trace.c). */
typedef struct pdsi_trace_state {
    pthread_mutex_t mu;       /* registry, start, dump: never on the recording path */
    pdsi_trace_buf **bufs;
    uint32_t n_bufs, cap_bufs;
    atomic_uint epoch;        /* the current (or last) session; 0: none yet */
    uint32_t buffer_events;   /* per-thread capacity of the current session */
    uint32_t max_threads;
    uint64_t t_start, t_stop; /* CLOCK_MONOTONIC of start and stop (0: running) */
    atomic_ullong no_buffer;  /* events of threads beyond max_threads */
} pdsi_trace_state;

extern pdsi_trace_state pdsi_trace_st;

/* Writes the Chrome trace JSON of the current session (caller holds mu). To a
 * file when f is not NULL; else into buf[0..cap) (NUL-terminated when it
 * fits), storing the length it needs with its NUL in *needed. Returns false
 * when writing to f failed. */
bool pdsi_trace_json(FILE *f, char *buf, size_t cap, size_t *needed);

#endif
