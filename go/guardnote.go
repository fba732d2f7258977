package pdsafe

/*
#include <stdlib.h>
#include <pdsafe.h>
*/
import "C"

import (
	"bytes"
	"fmt"
	"runtime"
	"strconv"
	"strings"
	"sync/atomic"
	"unsafe"
)

// This file connects WithGuard to the C library's guard mode (pdsafe.h,
// "Guard mode"; docs/GUARD.md): the library records each object's creation
// and destruction sites and every misuse it detects as an incident; the
// package attaches to those records the origin C cannot see — the id and
// stack of the goroutine that created, closed or misused the object — and
// records the misuse it detects itself (a call after Close) and each leak
// as incidents of their own. Every note is one cgo call whose strings are
// C copies freed when it returns: the library keeps nothing of ours.

// poolIDs numbers pools for the guard records (pools have no C handle). The
// top byte 0x50 keeps them apart from library handles (kind tags 1 and 2).
var poolIDs atomic.Uint64

const poolIDBase = 0x50 << 56

// origin is the text attached to a record: the goroutine's id, then its
// stack as formatStack writes it.
func origin(pc []uintptr) string {
	return "goroutine " + goroutineID() + "\n" + formatStack(pc)
}

// goroutineID is the calling goroutine's id, read from the first line of
// its stack trace ("goroutine 17 [running]:").
func goroutineID() string {
	var buf [64]byte
	b := buf[:runtime.Stack(buf[:], false)]
	b = bytes.TrimPrefix(b, []byte("goroutine "))
	if i := bytes.IndexByte(b, ' '); i > 0 {
		return string(b[:i])
	}
	return "?"
}

// note adds one pds_guard_note; kind is "" for library handles.
func note(event, ofEvent C.uint32_t, id uint64, kind, fn, org, msg string, root uint32,
	incident uint64) uint64 {
	var n C.pds_guard_note
	n.struct_size = C.uint32_t(unsafe.Sizeof(n))
	n.event = event
	n.of_event = ofEvent
	n.object = C.uint64_t(id)
	n.root_cause = C.uint32_t(root)
	n.incident = C.uint64_t(incident)
	n.flags = C.PDS_GUARD_NOTE_NO_BACKTRACE // the origin is the site; C sees cgo frames
	var free []unsafe.Pointer
	cstr := func(s string) *C.char {
		p := C.CString(s)
		free = append(free, unsafe.Pointer(p))
		return p
	}
	if kind != "" {
		n.kind = cstr(kind)
	}
	n.function = cstr(fn)
	if org != "" {
		n.origin = cstr(org)
		n.origin_length = C.size_t(len(org))
	}
	if msg != "" {
		n.message = cstr(msg)
	}
	st := C.pds_guard_note_add(&n, nil)
	for _, p := range free {
		C.free(p)
	}
	if st != C.PDS_OK {
		return 0
	}
	return uint64(n.incident)
}

// attach ties the guard to the library's record of handle h (created with
// guard mode on) and gives that record the creating goroutine's origin.
func (g *guard) attach(h uint64, kind string) {
	if g == nil {
		return
	}
	g.id = h
	note(C.PDS_GUARD_ORIGIN, C.PDS_GUARD_CREATED, h, "", "", origin(g.created), "", 0, 0)
}

// attachPool records a pool, which has no C object, as a binding object.
func (g *guard) attachPool() {
	if g == nil {
		return
	}
	g.id = poolIDBase | poolIDs.Add(1)
	g.pool = true
	note(C.PDS_GUARD_CREATED, 0, g.id, "pool", "Model.NewPool", origin(g.created), "", 0, 0)
}

// noteClosed gives the record the closing goroutine's origin, after the C
// destroy recorded its site (a pool's Close is its destruction).
func (g *guard) noteClosed(fn string) {
	if g == nil || g.id == 0 {
		return
	}
	pc := g.closed.Load()
	if pc == nil {
		return
	}
	if g.pool {
		note(C.PDS_GUARD_DESTROYED, 0, g.id, "pool", fn, origin(*pc), "", 0, 0)
		return
	}
	note(C.PDS_GUARD_ORIGIN, C.PDS_GUARD_DESTROYED, g.id, "", fn, origin(*pc), "", 0, 0)
}

// noteMisuse records a misuse the package detected itself (root: the
// M-number) with the calling goroutine's origin; it returns the incident
// number, 0 without guard mode.
func (g *guard) noteMisuse(fn string, root uint32, msg string) uint64 {
	if g == nil || g.id == 0 {
		return 0
	}
	kind := ""
	if g.pool {
		kind = "pool"
	}
	return note(C.PDS_GUARD_INCIDENT, 0, g.id, kind, fn, origin(callers(3)), msg, root, 0)
}

// noteLeak records an object found unreachable without Close (M15), with
// the stack that created it.
func (g *guard) noteLeak(kind string) {
	if g.id == 0 {
		return
	}
	k := ""
	if g.pool {
		k = "pool"
	}
	note(C.PDS_GUARD_INCIDENT, 0, g.id, k, kind+" cleanup", "created by "+origin(g.created),
		"the "+kind+" was never closed; the runtime cleanup freed it", 15, 0)
}

// noteIncidentOrigin attaches the calling goroutine to the incident a C
// error message names ("[guard incident N"): C knows the call, Go who made it.
func noteIncidentOrigin(msg string) {
	const tag = "[guard incident "
	i := strings.LastIndex(msg, tag)
	if i < 0 {
		return
	}
	rest := msg[i+len(tag):]
	j := 0
	for j < len(rest) && rest[j] >= '0' && rest[j] <= '9' {
		j++
	}
	n, err := strconv.ParseUint(rest[:j], 10, 64)
	if err != nil || n == 0 {
		return
	}
	note(C.PDS_GUARD_ORIGIN, C.PDS_GUARD_INCIDENT, 0, "", "", origin(callers(2)), "", 0, n)
}

// guardReport returns the library's report in a format (PDS_GUARD_REPORT_*).
func guardReport(format C.uint32_t) ([]byte, error) {
	const op = "GuardReport"
	var need C.size_t
	var e C.pds_error
	for attempt := 0; attempt < 8; attempt++ {
		size := int(need) + 64<<10
		buf := (*C.char)(C.malloc(C.size_t(size)))
		st := C.pds_guard_report(format, buf, C.size_t(size), &need, &e)
		if st == C.PDS_OK {
			out := C.GoBytes(unsafe.Pointer(buf), C.int(need-1))
			C.free(unsafe.Pointer(buf))
			return out, nil
		}
		C.free(unsafe.Pointer(buf))
		if st != C.PDS_ERR_BUFFER_SIZE {
			return nil, statusError(op, st, &e)
		}
	}
	return nil, newError(CodeBufferSize, op, fmt.Sprintf(
		"the report kept growing faster than it could be copied (last size %d bytes)", need))
}
