package sidecar

import (
	"errors"
	"fmt"
	"strings"
	"time"

	"google.golang.org/genproto/googleapis/rpc/errdetails"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
)

// Error is a failed sidecar call. Every error returned by a Client call (and
// by the generated stubs reached through Client.AuthService) that carries a
// gRPC status is an *Error; get at it with errors.As:
//
//	var serr *sidecar.Error
//	if errors.As(err, &serr) && serr.Reason == sidecar.ReasonNoUserLoggedIn { ... }
//
// *Error implements GRPCStatus, so status.Code(err) and status.FromError(err)
// keep working on it.
type Error struct {
	// Code is the gRPC status code.
	Code codes.Code
	// Message is the status message (human-readable; don't branch on it).
	Message string
	// Reason is google.rpc.ErrorInfo.reason: the stable machine-readable code,
	// for example ReasonUIDWithSpace. Empty when the status carried no
	// ErrorInfo (for example a transport failure or a deadline hit on the
	// client side).
	Reason string
	// Domain is google.rpc.ErrorInfo.domain: DomainSidecar or DomainCometChat.
	Domain string
	// Metadata is google.rpc.ErrorInfo.metadata (never nil).
	Metadata map[string]string
	// Retryable is true when the status carried a google.rpc.RetryInfo: the
	// same call may succeed after RetryDelay.
	Retryable bool
	// RetryDelay is google.rpc.RetryInfo.retry_delay (zero when absent).
	RetryDelay time.Duration

	st *status.Status
}

// Error implements error.
func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString("sidecar: ")
	b.WriteString(e.Code.String())
	// The sidecar's messages usually start with the reason already.
	if e.Reason != "" && !strings.HasPrefix(e.Message, e.Reason) {
		b.WriteString(" ")
		b.WriteString(e.Reason)
	}
	if e.Message != "" {
		b.WriteString(": ")
		b.WriteString(e.Message)
	}
	if e.Retryable {
		fmt.Fprintf(&b, " (retry after %s)", e.RetryDelay)
	}
	return b.String()
}

// GRPCStatus returns the original status, details included.
func (e *Error) GRPCStatus() *status.Status {
	if e.st == nil {
		return status.New(e.Code, e.Message)
	}
	return e.st
}

// Is reports whether target is an *Error with the same reason (and, when
// target sets it, the same code), so errors.Is(err, &sidecar.Error{Reason:
// sidecar.ReasonNoUserLoggedIn}) works.
func (e *Error) Is(target error) bool {
	t, ok := target.(*Error)
	if !ok {
		return false
	}
	if t.Reason != "" && t.Reason != e.Reason {
		return false
	}
	if t.Code != codes.OK && t.Code != e.Code {
		return false
	}
	return t.Reason != "" || t.Code != codes.OK
}

// FromStatus builds the typed error of a non-OK status, decoding its
// google.rpc.ErrorInfo and google.rpc.RetryInfo details when present. It
// returns nil for a nil or OK status.
func FromStatus(st *status.Status) *Error {
	if st == nil || st.Code() == codes.OK {
		return nil
	}
	e := &Error{
		Code:     st.Code(),
		Message:  st.Message(),
		Metadata: map[string]string{},
		st:       st,
	}
	for _, d := range st.Details() {
		switch d := d.(type) {
		case *errdetails.ErrorInfo:
			if e.Reason == "" { // the first ErrorInfo wins
				e.Reason = d.GetReason()
				e.Domain = d.GetDomain()
				for k, v := range d.GetMetadata() {
					e.Metadata[k] = v
				}
			}
		case *errdetails.RetryInfo:
			e.Retryable = true
			if rd := d.GetRetryDelay(); rd != nil && rd.IsValid() {
				e.RetryDelay = rd.AsDuration()
			}
		}
	}
	return e
}

// convert turns an error from a gRPC call into an *Error. Errors that carry
// no gRPC status (none should, but be safe) are returned unchanged; an
// *Error passes through as is.
func convert(err error) error {
	if err == nil {
		return nil
	}
	var already *Error
	if errors.As(err, &already) {
		return err
	}
	st, ok := status.FromError(err)
	if !ok {
		return err
	}
	if e := FromStatus(st); e != nil {
		return e
	}
	return err
}

// ReasonOf returns the ErrorInfo reason of err, or "" when err is not an
// *Error or carries no reason.
func ReasonOf(err error) string {
	var e *Error
	if errors.As(err, &e) {
		return e.Reason
	}
	return ""
}

// IsReason reports whether err is an *Error with the given reason.
func IsReason(err error, reason string) bool {
	return reason != "" && ReasonOf(err) == reason
}
