package serve

import (
	"context"
	"errors"
	"fmt"
	"net/http"

	pdsafe "github.com/pdsafe/pdsafe/go"
	"google.golang.org/grpc/codes"
)

// apiError is an error with the HTTP status and gRPC code it is answered
// with; its message is what the client reads in {"error": ...}.
type apiError struct {
	status int
	code   codes.Code
	reason string // the nv_inference_request_failure reason label
	msg    string
}

func (e *apiError) Error() string { return e.msg }

func newAPIError(status int, code codes.Code, reason, format string, args ...any) *apiError {
	return &apiError{status: status, code: code, reason: reason, msg: fmt.Sprintf(format, args...)}
}

func badRequest(format string, args ...any) *apiError {
	return newAPIError(http.StatusBadRequest, codes.InvalidArgument, "OTHER", format, args...)
}

func tooLarge(format string, args ...any) *apiError {
	return newAPIError(http.StatusRequestEntityTooLarge, codes.ResourceExhausted, "OTHER", format, args...)
}

func notFound(format string, args ...any) *apiError {
	return newAPIError(http.StatusNotFound, codes.NotFound, "OTHER", format, args...)
}

func unavailable(format string, args ...any) *apiError {
	return newAPIError(http.StatusServiceUnavailable, codes.Unavailable, "REJECTED", format, args...)
}

// statusClientClosed is the status logged for a request whose client went
// away (nginx's 499); the client never reads it.
const statusClientClosed = 499

// asAPIError turns any error of a request into an apiError: the pdsafe
// package's typed errors become 400 (the request's fault), 503 (the model
// is closing), 504 or 499 (its deadline or its client), 500 otherwise.
func asAPIError(err error) *apiError {
	var ae *apiError
	if errors.As(err, &ae) {
		return ae
	}
	msg := err.Error()
	switch {
	case errors.Is(err, context.DeadlineExceeded):
		return newAPIError(http.StatusGatewayTimeout, codes.DeadlineExceeded, "CANCELED", "%s", msg)
	case errors.Is(err, context.Canceled), errors.Is(err, pdsafe.ErrCanceled):
		return newAPIError(statusClientClosed, codes.Canceled, "CANCELED", "%s", msg)
	case errors.Is(err, pdsafe.ErrShape), errors.Is(err, pdsafe.ErrDType), errors.Is(err, pdsafe.ErrBufferSize),
		errors.Is(err, pdsafe.ErrInvalidArgument), errors.Is(err, pdsafe.ErrLimit):
		return newAPIError(http.StatusBadRequest, codes.InvalidArgument, "BACKEND", "%s", msg)
	case errors.Is(err, pdsafe.ErrClosed):
		return newAPIError(http.StatusServiceUnavailable, codes.Unavailable, "REJECTED", "%s", msg)
	}
	return newAPIError(http.StatusInternalServerError, codes.Internal, "BACKEND", "%s", msg)
}
