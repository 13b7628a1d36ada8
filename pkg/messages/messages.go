// Package messages holds the words of every email and text message Referloop sends: a typed data
// struct per message, its words as plain Go beside it (words.go: an email has a subject and a text,
// a text message a text only), and Render, which renders either.
//
// The words are built with string concatenation, not text/template: the template executor reaches
// reflect.Value.MethodByName, which makes the linker keep every exported method of every type in
// the binary (every operation of every AWS SDK client a function holds), and the templates were
// parsed at package init. testdata/*.tmpl are the previous templates, kept only as the oracle of
// TestSameAsTemplates (which renders them with text/template and wants the same bytes); delete them
// and that test the next time the words change.
//
// The rules the words keep, and the tests hold:
//   - No message carries a patient's name, date of birth, phone, email or reason: no data struct has
//     a field for them (a test checks the field names).
//   - A subject is fixed words and references: never a practice's or partner's name, nor any other
//     text a practice or a referrer wrote, since a practice can name itself anything.
//   - Every string of the data is one line: each message passes every string it uses through Line
//     (control characters — CR, LF, tabs, bidirectional overrides… — become spaces), and Render
//     refuses a subject that still holds one.
package messages

import (
	"fmt"
	"strings"
	"unicode"

	"github.com/referloop/referloop/pkg/notify"
)

// Data is the data of one message; its type says which message, and its method the words.
type Data interface {
	// message is the message in its words, every string of the data made one line by Line.
	message() Message
}

// Message is a rendered message. Subject is empty for a text message.
type Message struct {
	Subject string
	Text    string
}

// Email addresses m to one recipient.
func (m Message) Email(to string) notify.Message {
	return notify.Message{To: to, Subject: m.Subject, Text: m.Text}
}

// Render renders the message d names with d. Every string in d is made one line first.
func Render(d Data) (Message, error) {
	m := d.message()
	if strings.IndexFunc(m.Subject, isControl) >= 0 {
		return Message{}, fmt.Errorf("messages: %T: the subject must be one line of text", d)
	}
	return m, nil
}

// isControl reports whether r would break a line or the reading order of plain text.
func isControl(r rune) bool {
	return unicode.IsControl(r) || r == '\u2028' || r == '\u2029' || // line and paragraph separators
		(r >= '\u202a' && r <= '\u202e') || (r >= '\u2066' && r <= '\u2069') // bidirectional overrides
}

// Line is s on one line: each run of control characters becomes one space, and the ends are trimmed.
func Line(s string) string {
	if strings.IndexFunc(s, isControl) < 0 {
		return strings.TrimSpace(s)
	}
	var b strings.Builder
	gap := false
	for _, r := range s {
		if isControl(r) {
			gap = true
			continue
		}
		if gap && b.Len() > 0 {
			b.WriteByte(' ')
		}
		gap = false
		b.WriteRune(r)
	}
	return strings.TrimSpace(b.String())
}
