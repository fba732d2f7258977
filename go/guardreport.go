package pdsafe

/*
#include <pdsafe.h>
*/
import "C"

import (
	"encoding/json"
	"fmt"
	"strconv"
)

// GuardReport is guard mode's report (WithGuard, or PDSAFE_GUARD=1 in the
// environment): every misuse the library or this package detected, as an
// incident naming the object, its root cause and the sites where it was
// created, destroyed and misused; every object recorded; the objects alive.
// A plain value, safe for concurrent use. The same report as JSON is what
// `pdsafe report` renders as a web page (docs/GUARD.md).
type GuardReport struct {
	// Incidents kept (the newest PDS_GUARD_MAX_INCIDENTS), oldest first.
	Incidents []GuardIncident
	// Objects recorded, in creation order (the oldest destroyed ones are
	// dropped first when the records are full).
	Objects []GuardObject
	// Leaks are the ids of the objects alive now.
	Leaks []uint64
	// RootCauses describes each root cause present ("M1": what it is and
	// what to change in the code).
	RootCauses map[string]GuardRootCause
	// Counts says what the bounds dropped.
	Counts GuardCounts
}

// GuardIncident is one misuse.
type GuardIncident struct {
	ID        uint64
	RootCause string // "M1" .. "M24", the table of docs/DESIGN.md
	Status    string // the C status ("PDS_ERR_STALE_HANDLE"); "" when Go detected it
	Object    uint64 // the C handle (or a pool's id)
	Kind      string // "model", "predictor", "pool"
	Function  string // the call that misused it: "pds_predictor_run", "Predictor.Run"
	Message   string
	// FromBinding is true when this package (not the C library) detected it.
	FromBinding bool
	// Call, Created and Destroyed are the three sites; Created is nil when
	// the object was not recorded, Destroyed when it was alive.
	Call, Created, Destroyed *GuardEvent
	DestroyedBy              string
}

// GuardEvent is where and when something happened to an object.
type GuardEvent struct {
	NS     uint64 // CLOCK_MONOTONIC nanoseconds
	Thread uint64 // OS thread id
	// Origin is the Go side: "goroutine N" and the goroutine's stack, one
	// "function\n\tfile:line" pair per frame.
	Origin string
	// Frames is the C call stack, the caller's frame first (for calls from
	// Go it shows the cgo glue; the Origin is the useful part).
	Frames []GuardFrame
}

// GuardFrame is one symbolised C frame.
type GuardFrame struct {
	Function, File string
	Line           int
	Object         string
	Offset         uint64
}

// GuardObject is the record of one object.
type GuardObject struct {
	ID                    uint64
	Kind                  string
	Live                  bool
	Created               GuardEvent
	Destroyed             *GuardEvent
	DestroyedBy           string
	Calls                 uint64
	FirstUseNS, LastUseNS uint64
	Threads               []uint64
	Incidents             int
}

// GuardRootCause is the title of a root cause and what to change.
type GuardRootCause struct {
	Title, Fix string
}

// GuardCounts says how much was recorded and what the bounds dropped.
type GuardCounts struct {
	Incidents, IncidentsDropped                                     uint64
	ObjectsTracked, ObjectsUntracked, RecordsReused, OriginsDropped uint64
	Sites, SitesDropped                                             uint64
}

// The JSON schema of pds_guard_report (docs/GUARD.md).
type jsonEvent struct {
	NS     uint64  `json:"ns"`
	Thread uint64  `json:"thread"`
	Site   int     `json:"site"`
	Origin *string `json:"origin"`
}

type jsonFrame struct {
	Function *string `json:"function"`
	File     *string `json:"file"`
	Line     int     `json:"line"`
	Object   *string `json:"object"`
	Offset   uint64  `json:"offset"`
}

type jsonReport struct {
	Counts struct {
		Incidents        uint64 `json:"incidents"`
		IncidentsDropped uint64 `json:"incidents_dropped"`
		ObjectsTracked   uint64 `json:"objects_tracked"`
		ObjectsUntracked uint64 `json:"objects_untracked"`
		RecordsReused    uint64 `json:"records_reused"`
		OriginsDropped   uint64 `json:"origins_dropped"`
		Sites            uint64 `json:"sites"`
		SitesDropped     uint64 `json:"sites_dropped"`
	} `json:"counts"`
	RootCauses map[string]struct {
		Title string `json:"title"`
		Fix   string `json:"fix"`
	} `json:"root_causes"`
	Incidents []struct {
		ID          uint64     `json:"id"`
		RootCause   string     `json:"root_cause"`
		Status      string     `json:"status"`
		Object      string     `json:"object"`
		Kind        string     `json:"kind"`
		Function    string     `json:"function"`
		Message     string     `json:"message"`
		FromBinding bool       `json:"from_binding"`
		Call        *jsonEvent `json:"call"`
		Created     *jsonEvent `json:"created"`
		Destroyed   *jsonEvent `json:"destroyed"`
		DestroyedBy *string    `json:"destroyed_by"`
	} `json:"incidents"`
	Objects []struct {
		ID          string     `json:"id"`
		Kind        string     `json:"kind"`
		Live        bool       `json:"live"`
		Created     jsonEvent  `json:"created"`
		Destroyed   *jsonEvent `json:"destroyed"`
		DestroyedBy *string    `json:"destroyed_by"`
		Calls       uint64     `json:"calls"`
		FirstUseNS  uint64     `json:"first_use_ns"`
		LastUseNS   uint64     `json:"last_use_ns"`
		Threads     []uint64   `json:"threads"`
		Incidents   int        `json:"incidents"`
	} `json:"objects"`
	Leaks []string               `json:"leaks"`
	Sites map[string][]jsonFrame `json:"sites"`
}

func str(p *string) string {
	if p == nil {
		return ""
	}
	return *p
}

func (r *jsonReport) event(e *jsonEvent) *GuardEvent {
	if e == nil {
		return nil
	}
	g := &GuardEvent{NS: e.NS, Thread: e.Thread, Origin: str(e.Origin)}
	for _, f := range r.Sites[strconv.Itoa(e.Site)] {
		g.Frames = append(g.Frames, GuardFrame{Function: str(f.Function), File: str(f.File),
			Line: f.Line, Object: str(f.Object), Offset: f.Offset})
	}
	return g
}

func hexID(s string) uint64 {
	v, _ := strconv.ParseUint(s, 0, 64)
	return v
}

// GuardReportOf parses a report in the JSON format of GuardReportJSON.
func GuardReportOf(data []byte) (*GuardReport, error) {
	var j jsonReport
	if err := json.Unmarshal(data, &j); err != nil {
		return nil, newError(CodeInvalidArgument, "GuardReportOf",
			fmt.Sprintf("the guard report does not parse: %v", err))
	}
	r := &GuardReport{RootCauses: map[string]GuardRootCause{}}
	c := j.Counts
	r.Counts = GuardCounts{c.Incidents, c.IncidentsDropped, c.ObjectsTracked, c.ObjectsUntracked,
		c.RecordsReused, c.OriginsDropped, c.Sites, c.SitesDropped}
	for k, v := range j.RootCauses {
		r.RootCauses[k] = GuardRootCause{v.Title, v.Fix}
	}
	for _, in := range j.Incidents {
		r.Incidents = append(r.Incidents, GuardIncident{ID: in.ID, RootCause: in.RootCause,
			Status: in.Status, Object: hexID(in.Object), Kind: in.Kind, Function: in.Function,
			Message: in.Message, FromBinding: in.FromBinding, Call: j.event(in.Call),
			Created: j.event(in.Created), Destroyed: j.event(in.Destroyed),
			DestroyedBy: str(in.DestroyedBy)})
	}
	for _, o := range j.Objects {
		created := j.event(&o.Created)
		r.Objects = append(r.Objects, GuardObject{ID: hexID(o.ID), Kind: o.Kind, Live: o.Live,
			Created: *created, Destroyed: j.event(o.Destroyed), DestroyedBy: str(o.DestroyedBy),
			Calls: o.Calls, FirstUseNS: o.FirstUseNS, LastUseNS: o.LastUseNS,
			Threads: o.Threads, Incidents: o.Incidents})
	}
	for _, l := range j.Leaks {
		r.Leaks = append(r.Leaks, hexID(l))
	}
	return r, nil
}

// ReadGuardReport returns guard mode's report now (empty when guard mode was
// never on). Safe for concurrent use; it holds the library's guard lock while
// the report is made.
func ReadGuardReport() (*GuardReport, error) {
	b, err := GuardReportJSON()
	if err != nil {
		return nil, err
	}
	return GuardReportOf(b)
}

// GuardReportJSON returns the report as the JSON pds_guard_report writes:
// save it to a file and run `pdsafe report FILE.json` for a web page.
func GuardReportJSON() ([]byte, error) { return guardReport(C.PDS_GUARD_REPORT_JSON) }

// GuardReportText returns the report as text, for a log.
func GuardReportText() (string, error) {
	b, err := guardReport(C.PDS_GUARD_REPORT_TEXT)
	return string(b), err
}
