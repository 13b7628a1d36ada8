// Package sheet reads and writes the spreadsheets practices keep (CSV): reading forgives what real
// files carry (a byte-order mark, Windows line endings, quoted commas and line breaks, blank lines,
// ragged rows, headers in any case, spacing or punctuation); writing is safe against formula
// injection, so a cell a partner or patient typed cannot run as a formula when the file is opened in
// a spreadsheet. It is the one home of CSV in Go (the portal's metrics CSV does the same in
// portal/src/metrics.ts).
package sheet

import (
	"bytes"
	"encoding/csv"
	"errors"
	"io"
	"strings"
	"unicode"
)

// Row is one record of a file: its line (where it starts, 1-based, counting the header) and its
// cells.
type Row struct {
	Line  int
	Cells []string
}

// Blank reports whether every cell of the row is empty or white space.
func (r Row) Blank() bool {
	for _, c := range r.Cells {
		if strings.TrimSpace(c) != "" {
			return false
		}
	}
	return true
}

// ErrEmpty is a file with no header row.
var ErrEmpty = errors.New("the file has no header row")

// Read parses a CSV file: its header and its non-blank rows. A leading UTF-8 byte-order mark is
// dropped; rows may be shorter or longer than the header; quotes that are not closed are read
// leniently. A row with a cell longer than maxCell is an error naming its line.
func Read(b []byte) (header []string, rows []Row, err error) {
	b = bytes.TrimPrefix(b, []byte("\xef\xbb\xbf"))
	r := csv.NewReader(bytes.NewReader(b))
	r.FieldsPerRecord = -1
	r.LazyQuotes = true
	r.ReuseRecord = false
	first := true
	for {
		rec, err := r.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, nil, err
		}
		line, _ := r.FieldPos(0)
		row := Row{Line: line, Cells: rec}
		if row.Blank() {
			continue
		}
		if first {
			header, first = rec, false
			continue
		}
		rows = append(rows, row)
	}
	if first {
		return nil, nil, ErrEmpty
	}
	return header, rows, nil
}

// Key folds a header to the letters and digits of its lower case ("NPI #" → "npi", "E-mail" →
// "email", "Postal Code" → "postalcode"), the form synonyms are matched in.
func Key(h string) string {
	var b strings.Builder
	for _, c := range strings.ToLower(h) {
		if unicode.IsLetter(c) || unicode.IsDigit(c) {
			b.WriteRune(c)
		}
	}
	return b.String()
}

// Writer writes CSV whose cells cannot start a formula.
type Writer struct{ w *csv.Writer }

// NewWriter writes to w with CRLF line endings (what spreadsheets expect).
func NewWriter(w io.Writer) *Writer {
	cw := csv.NewWriter(w)
	cw.UseCRLF = true
	return &Writer{w: cw}
}

// Write writes one row, each cell made Safe.
func (w *Writer) Write(cells ...string) error {
	out := make([]string, len(cells))
	for i, c := range cells {
		out[i] = Safe(c)
	}
	return w.w.Write(out)
}

// Flush writes what is buffered and returns the first error.
func (w *Writer) Flush() error {
	w.w.Flush()
	return w.w.Error()
}

// Safe neutralizes a cell a spreadsheet would read as a formula (OWASP's CSV injection advice): one
// starting with =, +, -, @, a tab or a carriage return gets a leading apostrophe, which spreadsheets
// show as text. Quoting (commas, quotes, line breaks) is the CSV writer's.
func Safe(s string) string {
	if s == "" {
		return s
	}
	switch s[0] {
	case '=', '+', '-', '@', '\t', '\r':
		return "'" + s
	}
	return s
}
