// Package problem writes RFC 9457 problem details (application/problem+json).
package problem

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"

	"github.com/referloop/referloop/pkg/valid"
)

// TypeBase prefixes every problem type URI; types are stable identifiers, documented in docs/api.md.
const TypeBase = "https://referloop.dev/problems/"

// Problem is an RFC 9457 problem detail. It is also an error, for the HTTP layer's own refusals;
// domain code returns its own error values (valid.Errors, named errors), which the HTTP layer maps
// to problems in one place.
type Problem struct {
	Type   string             `json:"type"`
	Title  string             `json:"title"`
	Status int                `json:"status"`
	Detail string             `json:"detail,omitempty"`
	Errors []valid.FieldError `json:"errors,omitempty"`
	// Extensions are further members of the problem object (RFC 9457 §3.2), e.g. "allowed".
	Extensions map[string]any `json:"-"`
	RetryAfter int            `json:"-"`
}

// MarshalJSON writes the standard members and then the extensions.
func (p *Problem) MarshalJSON() ([]byte, error) {
	type plain Problem
	b, err := json.Marshal((*plain)(p))
	if err != nil || len(p.Extensions) == 0 {
		return b, err
	}
	ext, err := json.Marshal(p.Extensions)
	if err != nil {
		return nil, err
	}
	return append(append(b[:len(b)-1], ','), ext[1:]...), nil
}

func (p *Problem) Error() string { return fmt.Sprintf("%d %s: %s", p.Status, p.Title, p.Detail) }

// New makes a problem of the given short type ("not-found"), status and detail.
func New(status int, typ, title, detail string) *Problem {
	return &Problem{Type: TypeBase + typ, Title: title, Status: status, Detail: detail}
}

// Common problems.
func BadRequest(detail string) *Problem {
	return New(http.StatusBadRequest, "bad-request", "The request could not be read", detail)
}
func Unauthorized(detail string) *Problem {
	return New(http.StatusUnauthorized, "unauthorized", "Sign in first", detail)
}
func Forbidden(detail string) *Problem {
	return New(http.StatusForbidden, "forbidden", "Not allowed", detail)
}
func NotFound(what string) *Problem {
	return New(http.StatusNotFound, "not-found", "Not found", what+" was not found")
}
func Conflict(detail string) *Problem {
	return New(http.StatusConflict, "conflict", "Conflict", detail)
}
func TooLarge(limit int64) *Problem {
	return New(http.StatusRequestEntityTooLarge, "too-large", "Request body too large",
		fmt.Sprintf("the body must be at most %d bytes", limit))
}
func RateLimited(retryAfter int) *Problem {
	p := New(http.StatusTooManyRequests, "rate-limited", "Too many requests",
		"slow down and try again later")
	p.RetryAfter = retryAfter
	return p
}
func Internal() *Problem {
	return New(http.StatusInternalServerError, "internal", "Something went wrong on our side",
		"the error was logged; try again in a moment")
}

// Validation is the 422 problem for field errors.
func Validation(list valid.Errors) *Problem {
	return &Problem{Type: TypeBase + "validation", Title: "Some fields need attention",
		Status: http.StatusUnprocessableEntity, Detail: list.Error(), Errors: list}
}

// Invalid is a 422 validation problem about one field.
func Invalid(field, detail string) *Problem {
	return Validation(valid.Errors{{Field: field, Detail: detail}})
}

// Write sends p as application/problem+json.
func Write(w http.ResponseWriter, p *Problem) {
	h := w.Header()
	h.Set("Content-Type", "application/problem+json")
	h.Set("Cache-Control", "no-store")
	if p.RetryAfter > 0 {
		h.Set("Retry-After", strconv.Itoa(p.RetryAfter))
	}
	w.WriteHeader(p.Status)
	_ = json.NewEncoder(w).Encode(p)
}
