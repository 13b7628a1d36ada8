// Package valid holds field validation as a domain value: a list of fields and what is wrong with
// each. Domain packages return it; the HTTP layer turns it into a 422 problem in one place.
package valid

import (
	"errors"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
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

// Line checks a single-line text field: required when asked, at most max characters, and no
// control or format characters (NUL, ESC, CR, LF, tab, bidi overrides such as U+202E, zero-width
// characters): such text reaches emails, CSV files and other people's screens.
func (f *Fields) Line(field, v string, max int, required bool) {
	f.text(field, v, max, required, false)
}

// Lines checks a multi-line text field (a note): like Line, but line breaks (LF, or CR LF) are kept.
func (f *Fields) Lines(field, v string, max int, required bool) {
	f.text(field, v, max, required, true)
}

func (f *Fields) text(field, v string, max int, required, multi bool) {
	switch n := utf8.RuneCountInString(v); {
	case v == "":
		if required {
			f.Add(field, "is required")
		}
		return
	case n > max:
		f.Addf(field, "must be at most %d characters (it has %d)", max, n)
		return
	}
	for i, r := range v {
		if multi && (r == '\n' || (r == '\r' && strings.HasPrefix(v[i:], "\r\n"))) {
			continue
		}
		if r == utf8.RuneError || unicode.Is(unicode.Cc, r) || unicode.Is(unicode.Cf, r) {
			if multi {
				f.Add(field, "may hold only text and line breaks (no control or invisible characters)")
			} else {
				f.Add(field, "must be one line of text (no line breaks, control or invisible characters)")
			}
			return
		}
	}
}
