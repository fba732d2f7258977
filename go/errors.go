package pdsafe

import "strconv"

// Code is a pdsafe status code, a plain value safe for concurrent use. Values
// 1 to 17 are the C library's pds_status values (include/pdsafe.h);
// CodeClosed is the Go package's own code for a call on an object after its
// Close.
type Code int32

// The status codes. Each has a sentinel error (ErrInvalidArgument for
// CodeInvalidArgument, and so on) for use with errors.Is.
const (
	CodeOK              Code = 0
	CodeInvalidArgument Code = 1
	CodeInvalidHandle   Code = 2
	CodeStaleHandle     Code = 3
	CodeWrongHandleKind Code = 4
	CodeBusy            Code = 5
	CodeBufferSize      Code = 6
	CodeDType           Code = 7
	CodeShape           Code = 8
	CodeModelFormat     Code = 9
	CodeUnsupportedOp   Code = 10
	CodeIO              Code = 11
	CodeOutOfMemory     Code = 12
	CodeLimit           Code = 13
	CodeCanceled        Code = 14
	CodeInvalidState    Code = 15
	CodeInternal        Code = 16
	// CodeResultGone: the result of a run is no longer kept (another run
	// replaced it). The package retries internally; a caller sees it only
	// from code that uses the C API directly.
	CodeResultGone Code = 17
	// CodeClosed is not a C status: the Go object was closed, so the call
	// never reached the library.
	CodeClosed Code = -1
)

// codeNames mirrors PDS_STATUS_LIST in include/pdsafe.h (a test checks that
// it agrees with pds_status_name and pds_status_text).
var codeNames = [...]struct{ name, text string }{
	CodeOK:              {"PDS_OK", "success"},
	CodeInvalidArgument: {"PDS_ERR_INVALID_ARGUMENT", "invalid argument"},
	CodeInvalidHandle:   {"PDS_ERR_INVALID_HANDLE", "invalid handle (zero, forged or never issued)"},
	CodeStaleHandle:     {"PDS_ERR_STALE_HANDLE", "stale handle (object already destroyed)"},
	CodeWrongHandleKind: {"PDS_ERR_WRONG_HANDLE_KIND", "handle of the wrong kind"},
	CodeBusy:            {"PDS_ERR_BUSY", "object busy (a run is in progress)"},
	CodeBufferSize:      {"PDS_ERR_BUFFER_SIZE", "buffer size does not match"},
	CodeDType:           {"PDS_ERR_DTYPE", "wrong data type"},
	CodeShape:           {"PDS_ERR_SHAPE", "invalid shape"},
	CodeModelFormat:     {"PDS_ERR_MODEL_FORMAT", "malformed model file"},
	CodeUnsupportedOp:   {"PDS_ERR_UNSUPPORTED_OP", "unsupported operator"},
	CodeIO:              {"PDS_ERR_IO", "I/O error"},
	CodeOutOfMemory:     {"PDS_ERR_OUT_OF_MEMORY", "out of memory"},
	CodeLimit:           {"PDS_ERR_LIMIT", "limit exceeded"},
	CodeCanceled:        {"PDS_ERR_CANCELLED", "run cancelled"},
	CodeInvalidState:    {"PDS_ERR_INVALID_STATE", "call not valid in the object's state"},
	CodeInternal:        {"PDS_ERR_INTERNAL", "internal error"},
	CodeResultGone:      {"PDS_ERR_RESULT_GONE", "the result of that run is no longer kept"},
}

// String returns the C enum name of the code ("PDS_ERR_BUSY"), "CLOSED" for
// CodeClosed and "PDS_STATUS(n)" for values this version does not know.
func (c Code) String() string {
	if c == CodeClosed {
		return "CLOSED"
	}
	if c >= 0 && int(c) < len(codeNames) {
		return codeNames[c].name
	}
	return "PDS_STATUS(" + strconv.Itoa(int(c)) + ")"
}

// text is the one-line description of the code.
func (c Code) text() string {
	if c == CodeClosed {
		return "object closed"
	}
	if c >= 0 && int(c) < len(codeNames) {
		return codeNames[c].text
	}
	return "unknown status " + strconv.Itoa(int(c))
}

// sentinel is the type of the ErrXxx values: it matches, through
// (*Error).Is, every *Error with its code.
type sentinel struct{ code Code }

func (s *sentinel) Error() string { return "pdsafe: " + s.code.text() }

// Sentinel errors, one per status code. Every error the package returns is an
// *Error, and errors.Is(err, ErrXxx) reports whether its Code is CodeXxx.
var (
	ErrInvalidArgument error = &sentinel{CodeInvalidArgument}
	ErrInvalidHandle   error = &sentinel{CodeInvalidHandle}
	ErrStaleHandle     error = &sentinel{CodeStaleHandle}
	ErrWrongHandleKind error = &sentinel{CodeWrongHandleKind}
	ErrBusy            error = &sentinel{CodeBusy}
	ErrBufferSize      error = &sentinel{CodeBufferSize}
	ErrDType           error = &sentinel{CodeDType}
	ErrShape           error = &sentinel{CodeShape}
	ErrModelFormat     error = &sentinel{CodeModelFormat}
	ErrUnsupportedOp   error = &sentinel{CodeUnsupportedOp}
	ErrIO              error = &sentinel{CodeIO}
	ErrOutOfMemory     error = &sentinel{CodeOutOfMemory}
	ErrLimit           error = &sentinel{CodeLimit}
	// ErrCanceled matches a run stopped by its context: either the C library
	// stopped it between operators (PDS_ERR_CANCELLED) or the context was
	// done before the run started, while waiting for a pool, or before the
	// result was handed back. Such an error also matches ctx.Err()
	// (context.Canceled or context.DeadlineExceeded) through errors.Is.
	ErrCanceled     error = &sentinel{CodeCanceled}
	ErrInvalidState error = &sentinel{CodeInvalidState}
	ErrInternal     error = &sentinel{CodeInternal}
	ErrResultGone   error = &sentinel{CodeResultGone}
	// ErrClosed matches a call on a Model, Predictor or Pool after its Close.
	// The call never reached the C library.
	ErrClosed error = &sentinel{CodeClosed}
)

// Error is the error type of every failure the package reports; it is not
// changed after it is returned, so it is safe for concurrent use. Its message
// reads "pdsafe: <Op>: <Message> (<Code>)". Use errors.As to get at the code
// and the library's message, or errors.Is with a sentinel (ErrBusy, ...).
type Error struct {
	// Code is the status code.
	Code Code
	// Op is the Go method that failed, e.g. "Predictor.Run".
	Op string
	// Message is the C library's message (what failed, where and what was
	// expected), or the Go package's own for checks made before calling C.
	Message string
	// cause is ctx.Err() for cancellations.
	cause error
}

// Error implements the error interface.
func (e *Error) Error() string {
	return "pdsafe: " + e.Op + ": " + e.Message + " (" + e.Code.String() + ")"
}

// Is reports whether target is the sentinel of e's code.
func (e *Error) Is(target error) bool {
	s, ok := target.(*sentinel)
	return ok && s.code == e.Code
}

// Unwrap returns the context's error for cancellations, nil otherwise.
func (e *Error) Unwrap() error { return e.cause }

func newError(code Code, op, msg string) *Error {
	return &Error{Code: code, Op: op, Message: msg}
}
