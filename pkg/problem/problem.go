// Package problem writes RFC 9457 problem details (application/problem+json).
package problem

import (
	"encoding/json"
	"fmt"
	"net/http"
	"sort"
	"strconv"
)

// TypeBase prefixes every problem type URI; types are stable identifiers, documented in docs/api.md.
const TypeBase = "https://referloop.dev/problems/"

// FieldError names one invalid field by its dotted JSON path (or a header name).
type FieldError struct {
	Field  string `json:"field"`
	Detail string `json:"detail"`
}

// Problem is an RFC 9457 problem detail. It is also an error, so domain code can return one.
type Problem struct {
	Type       string       `json:"type"`
	Title      string       `json:"title"`
	Status     int          `json:"status"`
	Detail     string       `json:"detail,omitempty"`
	Errors     []FieldError `json:"errors,omitempty"`
	Allowed    []string     `json:"allowed,omitempty"`
	RetryAfter int          `json:"-"`
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

// Fields collects per-field validation errors. The zero value is ready to use.
type Fields struct{ list []FieldError }

// Add records a problem with one field.
func (f *Fields) Add(field, detail string) { f.list = append(f.list, FieldError{field, detail}) }

// Addf records a problem with one field, formatted.
func (f *Fields) Addf(field, format string, args ...any) { f.Add(field, fmt.Sprintf(format, args...)) }

// Empty reports whether no field error was recorded.
func (f *Fields) Empty() bool { return len(f.list) == 0 }

// Err returns nil when no field failed, or a 422 validation problem listing each field.
func (f *Fields) Err() error {
	if f.Empty() {
		return nil
	}
	list := append([]FieldError(nil), f.list...)
	sort.SliceStable(list, func(i, j int) bool { return list[i].Field < list[j].Field })
	n := len(list)
	detail := "1 field needs attention"
	if n > 1 {
		detail = strconv.Itoa(n) + " fields need attention"
	}
	return &Problem{Type: TypeBase + "validation", Title: "Some fields need attention",
		Status: http.StatusUnprocessableEntity, Detail: detail, Errors: list}
}

// Invalid is a 422 validation problem about one field.
func Invalid(field, detail string) *Problem {
	var f Fields
	f.Add(field, detail)
	return f.Err().(*Problem)
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
