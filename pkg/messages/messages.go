// Package messages holds the words of every email and text message Referloop sends: one
// text/template file per message in templates/ (an email defines "subject" and "text"; a text
// message defines "text" only), a typed data struct per message, and Render, which renders either.
//
// The rules the templates keep, and the tests hold:
//   - No message carries a patient's name, date of birth, phone, email or reason: no data struct has
//     a field for them (a test checks the field names).
//   - A subject is fixed words and references: never a practice's or partner's name, nor any other
//     text a practice or a referrer wrote, since a practice can name itself anything.
//   - Every string of the data is one line: Render replaces control characters (CR, LF, tabs,
//     bidirectional overrides…) with spaces before rendering, and refuses a subject that still
//     holds one.
package messages

import (
	"bytes"
	"embed"
	"fmt"
	"reflect"
	"strings"
	"text/template"
	"time"
	"unicode"

	"github.com/referloop/referloop/pkg/notify"
	"github.com/referloop/referloop/pkg/referral"
)

//go:embed templates/*.tmpl
var files embed.FS

// Data is the data of one message; its type names the template it renders with.
type Data interface {
	template() string
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

var funcs = template.FuncMap{
	// day is a date: Jan 2, 2006. when is a date and time with its zone's abbreviation: Tue Dec 1,
	// 11:09 AM EST. Both read t in its own location: the notifier gives times in the practice's
	// time zone (practice.Profile.Location), so every email tells local time.
	"day":  func(t time.Time) string { return t.Format("Jan 2, 2006") },
	"when": func(t time.Time) string { return t.Format("Mon Jan 2, 3:04 PM MST") },
	// status is a status as a referrer reads it in a sentence ("Referral R-1 is now …").
	"status": statusWords,
	// words turns a code such as not-a-match into words.
	"words": func(code string) string { return strings.ReplaceAll(code, "-", " ") },
	"lower": strings.ToLower,
	// scores is the rating scale, worst first.
	"scores": func() []int { return []int{1, 2, 3, 4, 5} },
	// plural is "s" unless n is 1.
	"plural": func(n int) string {
		if n == 1 {
			return ""
		}
		return "s"
	},
}

var templates = func() map[string]*template.Template {
	entries, err := files.ReadDir("templates")
	if err != nil {
		panic(err)
	}
	out := make(map[string]*template.Template, len(entries))
	for _, e := range entries {
		name := e.Name()
		out[name] = template.Must(template.New(name).Funcs(funcs).Option("missingkey=error").ParseFS(files, "templates/"+name))
	}
	return out
}()

// Render renders the message d names with d. Every string in d is made one line first.
func Render(d Data) (Message, error) {
	name := d.template()
	t, ok := templates[name]
	if !ok {
		return Message{}, fmt.Errorf("messages: no template %s", name)
	}
	data := oneLine(reflect.ValueOf(d)).Interface()
	var m Message
	if t.Lookup("subject") != nil {
		s, err := execute(t, "subject", data)
		if err != nil {
			return Message{}, err
		}
		if s == "" || strings.IndexFunc(s, isControl) >= 0 {
			return Message{}, fmt.Errorf("messages: %s: the subject must be one line of text", name)
		}
		m.Subject = s
	}
	text, err := execute(t, "text", data)
	if err != nil {
		return Message{}, err
	}
	m.Text = text
	return m, nil
}

func execute(t *template.Template, part string, data any) (string, error) {
	var b bytes.Buffer
	if err := t.ExecuteTemplate(&b, part, data); err != nil {
		return "", fmt.Errorf("messages: %w", err)
	}
	return b.String(), nil
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

// oneLine copies v with every string in it (fields, slices, pointers) passed through Line.
func oneLine(v reflect.Value) reflect.Value {
	switch v.Kind() {
	case reflect.String:
		out := reflect.New(v.Type()).Elem()
		out.SetString(Line(v.String()))
		return out
	case reflect.Struct:
		out := reflect.New(v.Type()).Elem()
		out.Set(v)
		for i := 0; i < v.NumField(); i++ {
			if f := out.Field(i); f.CanSet() {
				f.Set(oneLine(v.Field(i)))
			}
		}
		return out
	case reflect.Slice:
		if v.IsNil() {
			return v
		}
		out := reflect.MakeSlice(v.Type(), v.Len(), v.Len())
		for i := 0; i < v.Len(); i++ {
			out.Index(i).Set(oneLine(v.Index(i)))
		}
		return out
	case reflect.Pointer:
		if v.IsNil() {
			return v
		}
		out := reflect.New(v.Type().Elem())
		out.Elem().Set(oneLine(v.Elem()))
		return out
	case reflect.Interface:
		if v.IsNil() {
			return v
		}
		out := reflect.New(v.Type()).Elem()
		out.Set(oneLine(v.Elem()))
		return out
	}
	return v
}

// statusWords is a status in a referrer's sentence: "Referral R-1 is now <words>".
func statusWords(s referral.Status) string {
	switch s {
	case referral.NeedsInfo:
		return "waiting for your answer"
	case referral.NoShow:
		return "a missed appointment"
	}
	return string(s)
}
