// Package valid holds field validation as a domain value: a list of fields and what is wrong with
// each. Domain packages return it; the HTTP layer turns it into a 422 problem in one place.
package valid

import (
	"errors"
	"fmt"
	"sort"
	"strconv"
)

// FieldError names one invalid field by its dotted JSON path (or a header name).
type FieldError struct {
	Field  string `json:"field"`
	Detail string `json:"detail"`
}

// Errors is a non-empty list of field errors, sorted by field. It is an error.
type Errors []FieldError

func (e Errors) Error() string {
	if len(e) == 1 {
		return "1 field needs attention"
	}
	return strconv.Itoa(len(e)) + " fields need attention"
}

// Fields collects per-field validation errors. The zero value is ready to use.
type Fields struct{ list []FieldError }

// Add records a problem with one field.
func (f *Fields) Add(field, detail string) { f.list = append(f.list, FieldError{field, detail}) }

// Addf records a problem with one field, formatted.
func (f *Fields) Addf(field, format string, args ...any) { f.Add(field, fmt.Sprintf(format, args...)) }

// Empty reports whether no field error was recorded.
func (f *Fields) Empty() bool { return len(f.list) == 0 }

// Err returns nil when no field failed, or the Errors sorted by field.
func (f *Fields) Err() error {
	if f.Empty() {
		return nil
	}
	list := append(Errors(nil), f.list...)
	sort.SliceStable(list, func(i, j int) bool { return list[i].Field < list[j].Field })
	return list
}

// Invalid is a validation error about one field.
func Invalid(field, detail string) error { return Errors{{field, detail}} }

// As returns the field errors err carries, if any.
func As(err error) (Errors, bool) {
	var e Errors
	ok := errors.As(err, &e)
	return e, ok
}
