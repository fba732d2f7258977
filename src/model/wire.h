/*
 * wire.h — a strict walker over protobuf wire format, run before protobuf-c
 * decodes anything (internal to src/model/).
 *
 * protobuf-c reports a malformed message as a bare NULL and trusts a few
 * things it should not (a 2^32-element count is truncated to 32 bits when it
 * sizes an array; an over-long varint is shifted past 64 bits). The walker
 * follows protobuf-c's own generated descriptors, so it knows the schema's
 * field numbers and types, and checks every tag, varint, fixed-width value and
 * length-delimited field against the bytes that remain in the enclosing
 * message. The first problem becomes PDS_ERR_MODEL_FORMAT with the file, the
 * absolute byte offset, the path of the message (blocks[0].ops[3].attrs[1])
 * and what was expected. A buffer that passes is one protobuf-c decodes
 * without surprises.
 *
 * It also counts operators and variables on the way, so that a program with
 * more of them than the limits allow is refused (PDS_ERR_LIMIT) before
 * protobuf-c allocates a struct for each.
 */
#ifndef PDSI_MODEL_WIRE_H
#define PDSI_MODEL_WIRE_H

#include <stddef.h>
#include <stdint.h>

#include <protobuf-c/protobuf-c.h>

#include "core/error.h"

/* Counts gathered while walking a ProgramDesc, and the limits they are held to
 * (0 = no limit). Operators are counted in every block, feed and fetch
 * excluded, as pdsi_graph_add_op would count them. */
typedef struct pdsi_wire_stats {
    uint64_t max_ops, max_vars;
    uint64_t n_ops, n_feed_fetch, n_vars;
} pdsi_wire_stats;

/* Walks buf[0..len) as one message of type desc.
 *   file:    names the file in messages
 *   base:    file offset of buf[0] (messages report absolute offsets)
 *   context: optional text put after the offset, e.g. "parameter 'w' (#1 of 3)"
 *   stats:   optional counters and limits (only OpDesc and VarDesc are counted)
 * Returns PDS_OK, PDS_ERR_MODEL_FORMAT or PDS_ERR_LIMIT. */
pds_status pdsi_wire_check(const ProtobufCMessageDescriptor *desc, const uint8_t *buf, size_t len,
                           const char *file, uint64_t base, const char *context,
                           pdsi_wire_stats *stats, pds_error *err);

#endif
