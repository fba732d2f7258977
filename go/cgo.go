package pdsafe

/*
#cgo pkg-config: pdsafe
#include <stdlib.h>
#include <string.h>
#include <pdsafe.h>
*/
import "C"

import (
	"bytes"
	"fmt"
	"strings"
	"sync"
	"unsafe"
)

// This file holds every cgo call except the run path (run.go). The rules it
// follows:
//   - Handles are plain uint64 values; C never receives a Go object.
//   - Strings and byte slices passed as direct arguments are pinned by cgo for
//     the call and the library reads them during the call only (pdsafe.h).
//   - Every string coming back is copied into Go memory with a bounded scan:
//     nothing returned by C is kept as a C pointer.
//   - Callers hold the object's lock and call runtime.KeepAlive on the Go
//     object after the call (see the methods in model.go and predictor.go).

// cString returns a bounded copy of a NUL-terminated C char array.
func cString(p *C.char, size int) string {
	b := unsafe.Slice((*byte)(unsafe.Pointer(p)), size)
	if i := bytes.IndexByte(b, 0); i >= 0 {
		b = b[:i]
	}
	return string(b)
}

// statusError turns a failed status and the library's report into an *Error.
func statusError(op string, st C.pds_status, e *C.pds_error) *Error {
	msg := ""
	if e != nil && e.code == st {
		msg = cString(&e.message[0], C.PDS_ERROR_MESSAGE_SIZE)
	}
	if msg == "" {
		msg = Code(st).text()
	}
	noteIncidentOrigin(msg)
	return newError(Code(st), op, msg)
}

// cOptions converts a Go configuration into the C struct, by value: the
// library copies it at load (M18) and so does this conversion.
//
// The struct is zeroed here with struct_size set to this package's view of
// it (what the header's inline pds_model_options_init does), so the library
// reads no more than the caller has.
func (c *modelConfig) cOptions() C.pds_model_options {
	var o C.pds_model_options
	o.struct_size = C.uint32_t(unsafe.Sizeof(o))
	o.max_tensor_bytes = C.uint64_t(c.maxTensorBytes)
	o.max_file_bytes = C.uint64_t(c.maxFileBytes)
	o.max_ops = C.uint32_t(c.maxOps)
	o.max_values = C.uint32_t(c.maxValues)
	o.precision = C.uint32_t(c.precision)
	if c.guard {
		o.flags |= C.PDS_MODEL_GUARD
	}
	if c.noInt8 {
		o.flags |= C.PDS_MODEL_NO_INT8
	}
	return o
}

func checkPath(op, what, p string) error {
	if strings.IndexByte(p, 0) >= 0 {
		return newError(CodeInvalidArgument, op, fmt.Sprintf(
			"%s %q contains a NUL byte (C would see a shorter path)", what, p))
	}
	return nil
}

// abiOnce checks, before the first load, that the C library is the one this
// package was compiled against (see cABIVersions); every object comes from a
// load, so nothing reaches C with a mismatched layout.
var (
	abiOnce sync.Once
	abiErr  error
)

func checkABI(op string) error {
	abiOnce.Do(func() { abiErr = abiMismatch(cABIVersions()) })
	if abiErr != nil {
		e := *abiErr.(*Error)
		e.Op = op
		return &e
	}
	return nil
}

// abiMismatch is the error for a library built with ABI version lib used by
// a package compiled against header, nil if they agree.
func abiMismatch(lib, header int) error {
	if lib == header {
		return nil
	}
	return newError(CodeInvalidState, "", fmt.Sprintf(
		"the C library (libpdsafe %s) has ABI version %d, this Go package was compiled against "+
			"pdsafe.h with ABI version %d: their structs may differ, so nothing is run. Build "+
			"both from the same checkout (and run 'go clean -cache' if the header changed "+
			"under an unchanged package)", Version(), lib, header))
}

func cLoadFiles(op, modelPath, paramsPath string, c *modelConfig) (uint64, error) {
	if err := checkABI(op); err != nil {
		return 0, err
	}
	if modelPath == "" {
		return 0, newError(CodeInvalidArgument, op, "the model path is empty")
	}
	if err := checkPath(op, "model path", modelPath); err != nil {
		return 0, err
	}
	if err := checkPath(op, "params path", paramsPath); err != nil {
		return 0, err
	}
	cm := C.CString(modelPath)
	defer C.free(unsafe.Pointer(cm))
	var cp *C.char
	if paramsPath != "" {
		cp = C.CString(paramsPath)
		defer C.free(unsafe.Pointer(cp))
	}
	o := c.cOptions()
	var h C.pds_model
	var e C.pds_error
	gate.enter()
	st := C.pds_model_load_files(cm, cp, &o, &h, &e)
	gate.leave()
	if st != C.PDS_OK {
		return 0, statusError(op, st, &e)
	}
	return uint64(h), nil
}

func cLoadBuffers(op string, model, params []byte, c *modelConfig) (uint64, error) {
	if err := checkABI(op); err != nil {
		return 0, err
	}
	if len(model) == 0 {
		return 0, newError(CodeInvalidArgument, op, "the model buffer is empty (length 0)")
	}
	var mp, pp unsafe.Pointer
	if len(model) > 0 {
		mp = unsafe.Pointer(&model[0])
	}
	if len(params) > 0 {
		pp = unsafe.Pointer(&params[0])
	}
	o := c.cOptions()
	var h C.pds_model
	var e C.pds_error
	// model and params are direct arguments: cgo pins them for the call, and
	// pds_model_load_buffers reads them during the call only.
	gate.enter()
	st := C.pds_model_load_buffers(mp, C.size_t(len(model)), pp, C.size_t(len(params)), &o, &h, &e)
	gate.leave()
	if st != C.PDS_OK {
		return 0, statusError(op, st, &e)
	}
	return uint64(h), nil
}

func tensorInfo(ci *C.pds_tensor_info) TensorInfo {
	ti := TensorInfo{Name: cString(&ci.name[0], C.PDS_NAME_SIZE), DType: DType(ci.dtype)}
	if r := int(ci.rank); r >= 0 && r <= MaxRank {
		ti.Shape = make([]int64, r)
		for i := range ti.Shape {
			ti.Shape[i] = int64(ci.dims[i])
		}
	}
	return ti
}

// cModelInfo queries a model's inputs, outputs and statistics once, at load.
func cModelInfo(op string, h uint64) (ins, outs []TensorInfo, stats ModelStats, err error) {
	var e C.pds_error
	var n C.size_t
	var ci C.pds_tensor_info
	if st := C.pds_model_input_count(C.pds_model(h), &n, &e); st != C.PDS_OK {
		return nil, nil, stats, statusError(op, st, &e)
	}
	for i := C.size_t(0); i < n; i++ {
		if st := C.pds_model_input_info(C.pds_model(h), i, &ci, &e); st != C.PDS_OK {
			return nil, nil, stats, statusError(op, st, &e)
		}
		ins = append(ins, tensorInfo(&ci))
	}
	if st := C.pds_model_output_count(C.pds_model(h), &n, &e); st != C.PDS_OK {
		return nil, nil, stats, statusError(op, st, &e)
	}
	for i := C.size_t(0); i < n; i++ {
		if st := C.pds_model_output_info(C.pds_model(h), i, &ci, &e); st != C.PDS_OK {
			return nil, nil, stats, statusError(op, st, &e)
		}
		outs = append(outs, tensorInfo(&ci))
	}
	var cs C.pds_model_stats
	cs.struct_size = C.uint32_t(unsafe.Sizeof(cs))
	if st := C.pds_model_get_stats(C.pds_model(h), &cs, &e); st != C.PDS_OK {
		return nil, nil, stats, statusError(op, st, &e)
	}
	stats = ModelStats{Format: ModelFormat(cs.format), FormatVersion: int64(cs.format_version),
		OpCount: uint64(cs.op_count), ParamCount: uint64(cs.param_count),
		ParamBytes: uint64(cs.param_bytes)}
	return ins, outs, stats, nil
}

func cOpTypes(op string, h uint64, count uint64) ([]string, error) {
	types := make([]string, 0, count)
	var e C.pds_error
	buf := make([]byte, 64)
	for i := uint64(0); i < count; i++ {
		var needed C.size_t
		st := C.pds_model_op_type(C.pds_model(h), C.size_t(i), (*C.char)(unsafe.Pointer(&buf[0])),
			C.size_t(len(buf)), &needed, &e)
		if st == C.PDS_ERR_BUFFER_SIZE && int(needed) > len(buf) {
			buf = make([]byte, needed)
			st = C.pds_model_op_type(C.pds_model(h), C.size_t(i), (*C.char)(unsafe.Pointer(&buf[0])),
				C.size_t(len(buf)), &needed, &e)
		}
		if st != C.PDS_OK {
			return nil, statusError(op, st, &e)
		}
		types = append(types, cString((*C.char)(unsafe.Pointer(&buf[0])), len(buf)))
	}
	return types, nil
}

func cModelDestroy(op string, h uint64) error {
	var e C.pds_error
	if st := C.pds_model_destroy(C.pds_model(h), &e); st != C.PDS_OK {
		return statusError(op, st, &e)
	}
	return nil
}

func cPredictorCreate(op string, model uint64, c *predictorConfig) (uint64, error) {
	var o C.pds_predictor_options // not pds_predictor_options_init: see cOptions
	o.struct_size = C.uint32_t(unsafe.Sizeof(o))
	o.num_threads = C.int32_t(c.threads)
	var h C.pds_predictor
	var e C.pds_error
	if st := C.pds_predictor_create(C.pds_model(model), &o, &h, &e); st != C.PDS_OK {
		return 0, statusError(op, st, &e)
	}
	return uint64(h), nil
}

func cPredictorDestroy(op string, h uint64) error {
	var e C.pds_error
	if st := C.pds_predictor_destroy(C.pds_predictor(h), &e); st != C.PDS_OK {
		return statusError(op, st, &e)
	}
	return nil
}

// cPredictorCancelRun asks run id to stop. It is only called by the cancel
// a run registers on its context, which the run stops or joins before
// returning, so the handle is never one that Close has destroyed (and a stale
// one would only be reported).
func cPredictorCancelRun(h, id uint64) Code {
	return Code(C.pds_predictor_cancel_run(C.pds_predictor(h), C.pds_run_id(id), nil))
}

// LiveCounts are the numbers of live library objects; a plain value, safe for
// concurrent use.
type LiveCounts struct {
	// Models alive, including closed ones kept by their predictors.
	Models uint64
	// Predictors alive.
	Predictors uint64
	// Handles valid, of any kind.
	Handles uint64
}

// LiveObjects returns the C library's counts of live objects, for leak checks:
// after every Model, Predictor and Pool is closed (or collected and cleaned
// up) they return to what they were before.
func LiveObjects() LiveCounts {
	var l C.pds_live_objects
	C.pds_get_live_objects(&l)
	return LiveCounts{Models: uint64(l.models), Predictors: uint64(l.predictors),
		Handles: uint64(l.handles)}
}

// Version returns the C library's version, "MAJOR.MINOR.PATCH".
func Version() string { return C.GoString(C.pds_version()) }

// BuildInfo says what the C library was built with: its backends that name
// what they run on ("onednn 3.0.0"), or "reference kernels only".
func BuildInfo() string { return C.GoString(C.pds_build_info()) }

// cABIVersions returns the PDS_ABI_VERSION the library was built with and
// the one this package was compiled with. A difference means the package was
// built against another pdsafe.h than the library's (a stale build cache:
// cmd/go does not notice changes to headers outside the package), and struct
// layouts may disagree.
func cABIVersions() (lib, header int) {
	return int(C.pds_abi_version()), int(C.PDS_ABI_VERSION)
}

// cStatusName and cStatusText are the library's own names, for the test that
// keeps codeNames in step with the header.
func cStatusName(c Code) string { return C.GoString(C.pds_status_name(C.pds_status(c))) }
func cStatusText(c Code) string { return C.GoString(C.pds_status_text(C.pds_status(c))) }
func cDTypeName(d DType) string { return C.GoString(C.pds_dtype_name(C.pds_dtype(d))) }
func cDTypeSize(d DType) int    { return int(C.pds_dtype_size(C.pds_dtype(d))) }
