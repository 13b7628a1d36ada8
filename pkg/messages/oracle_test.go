package messages

// TestSameAsTemplates holds the Go words to the text/template files they replaced
// (testdata/*.tmpl, rendered here as Render rendered them before): byte for byte, over a generated
// matrix of every message's data. Delete this file and testdata/ when the words next change.

import (
	"bytes"
	"fmt"
	"os"
	"reflect"
	"strings"
	"testing"
	"text/template"
	"time"

	"github.com/referloop/referloop/pkg/referral"
)

// oracleFile is the template each message was rendered with.
var oracleFile = map[string]string{
	"SignupConfirm": "signup-confirm.tmpl", "SigninLink": "signin-link.tmpl", "Invitation": "invitation.tmpl",
	"MemberInvitation": "member-invitation.tmpl", "Received": "received.tmpl", "NewReferral": "new-referral.tmpl",
	"PatientCode": "patient-code.tmpl", "PatientCodeSMS": "patient-code-sms.tmpl", "Question": "question.tmpl",
	"Answered": "answered.tmpl", "StatusUpdate": "status-update.tmpl", "Closed": "closed.tmpl",
	"PatientUpdate": "patient-update.tmpl", "Digest": "digest.tmpl", "IntakeConfirm": "intake-confirm.tmpl",
}

// oracleFuncs are the template functions the templates were rendered with.
var oracleFuncs = template.FuncMap{
	"day":    func(t time.Time) string { return t.Format("Jan 2, 2006") },
	"when":   func(t time.Time) string { return t.Format("Mon Jan 2, 3:04 PM MST") },
	"status": statusWords,
	"words":  func(code string) string { return strings.ReplaceAll(code, "-", " ") },
	"lower":  strings.ToLower,
	"scores": func() []int { return []int{1, 2, 3, 4, 5} },
	"plural": func(n int) string {
		if n == 1 {
			return ""
		}
		return "s"
	},
}

// oracleRender is the previous Render: every string of d made one line, then the template.
func oracleRender(t *template.Template, d Data) (Message, error) {
	data := oracleOneLine(reflect.ValueOf(d)).Interface()
	var m Message
	exec := func(part string) (string, error) {
		var b bytes.Buffer
		err := t.ExecuteTemplate(&b, part, data)
		return b.String(), err
	}
	if t.Lookup("subject") != nil {
		s, err := exec("subject")
		if err != nil {
			return Message{}, err
		}
		if s == "" || strings.IndexFunc(s, isControl) >= 0 {
			return Message{}, fmt.Errorf("the subject must be one line of text")
		}
		m.Subject = s
	}
	text, err := exec("text")
	m.Text = text
	return m, err
}

// oracleOneLine copies v with every string in it (fields, slices, pointers) passed through Line.
func oracleOneLine(v reflect.Value) reflect.Value {
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
				f.Set(oracleOneLine(v.Field(i)))
			}
		}
		return out
	case reflect.Slice:
		if v.IsNil() {
			return v
		}
		out := reflect.MakeSlice(v.Type(), v.Len(), v.Len())
		for i := 0; i < v.Len(); i++ {
			out.Index(i).Set(oracleOneLine(v.Index(i)))
		}
		return out
	}
	return v
}

// each calls f with every combination of indexes below sizes (a mixed-radix count).
func each(f func(ix []int), sizes ...int) {
	ix := make([]int, len(sizes))
	for {
		f(ix)
		k := len(ix) - 1
		for ; k >= 0; k-- {
			if ix[k]++; ix[k] < sizes[k] {
				break
			}
			ix[k] = 0
		}
		if k < 0 {
			return
		}
	}
}

// oracleMatrix is the generated data: every field of every message varied over its kinds of value
// (empty, plain, broken over lines, unicode, long, odd bytes…), every combination.
func oracleMatrix(t *testing.T) []Data {
	names := []string{"", "Dr. Ada Byron", "Evil\r\nBcc: victim@example.com\r\n\r\nClick https://phish.example\u202e",
		"Zoë Ñúñez-Øster 医生 🩺", strings.Repeat("Lakeside Physical Therapy and Sports Medicine ", 12),
		" \t\n ", "{{.Ref}} %s %!d <b>&amp; \\", "bad\xff\nbyte\x00"}
	short := []string{"", "R-0ABCDEFG", "R\n-1\u2028x"}
	links := []string{"", "https://app.example/referrals/p_1.r_1.01J0?practice=lakeside&x=1#token=T", "L\r\nx"}
	ny, err := time.LoadLocation("America/New_York")
	if err != nil {
		t.Fatal(err)
	}
	times := []time.Time{{}, time.Date(2026, 3, 4, 15, 30, 0, 0, time.UTC), time.Date(2026, 1, 15, 0, 5, 0, 0, ny),
		time.Date(2026, 7, 4, 12, 0, 0, 0, ny), time.Date(2026, 12, 31, 23, 59, 0, 0, time.FixedZone("", -3*3600)),
		time.Date(2027, 2, 1, 9, 9, 0, 0, time.FixedZone("IST", 5*3600+1800))}
	statuses := append(referral.Statuses(), "", "odd-status-code", "needs-\ninfo", " no-show ")
	declines := append([]string{"", "a\nb-c", "-"}, referral.DeclineReasons...)
	bools := []bool{false, true}
	hours := []int{0, 1, 24, 72, -1}
	linkLists := [][]PracticeLink{nil, {}, {{"Lakeside PT", "as practice staff", "https://app.example/auth#token=A"}},
		{{"Harbor PT", "", "L"}}, {{names[2], names[2], links[2]}},
		{{names[1], "as practice staff", links[1]}, {names[3], "", links[1]}, {"", " \n", ""}, {names[4], "to refer patients", links[2]}}}
	var many []DigestItem
	for i := 0; i < 30; i++ {
		many = append(many, DigestItem{Ref: fmt.Sprintf("R-%d", i), Status: statuses[i%len(statuses)], Link: links[i%len(links)]})
	}
	itemLists := [][]DigestItem{nil, {}, {{Ref: "R-1", Status: referral.Seen, Link: "L"}}, {{Ref: short[2], Status: "needs-\ninfo", Link: links[2]}},
		{{Ref: "R-1", Status: referral.Accepted, Link: links[1]}, {Ref: "R-2", Status: referral.NoShow, Link: links[1]}}, many}

	var out []Data
	each(func(i []int) {
		out = append(out, SignupConfirm{names[i[0]], links[i[1]], short[i[2]]})
	}, len(names), len(links), len(short))
	each(func(i []int) { out = append(out, SigninLink{linkLists[i[0]], short[i[1]]}) }, len(linkLists), len(short))
	each(func(i []int) {
		out = append(out, Invitation{names[i[0]], names[i[1]], links[i[2]], links[i[3]]})
	}, len(names), len(names), len(links), len(links))
	each(func(i []int) {
		out = append(out, MemberInvitation{names[i[0]], names[i[1]], names[i[2]], bools[i[3]], links[i[4]], links[i[5]]})
	}, len(names), len(names), 3, 2, len(links), len(links))
	each(func(i []int) {
		out = append(out, Received{names[i[0]], names[i[1]], short[i[2]], times[i[3]], times[i[4]], links[i[5]]})
	}, len(names), 3, len(short), len(times), len(times), len(links))
	each(func(i []int) {
		out = append(out, NewReferral{short[i[0]], bools[i[1]], names[i[2]], times[i[3]], links[i[4]]})
	}, len(short), 2, len(names), len(times), len(links))
	each(func(i []int) {
		out = append(out, PatientCode{names[i[0]], names[i[1]], links[i[2]], short[i[3]]})
	}, len(names), len(names), len(links), len(short))
	each(func(i []int) {
		out = append(out, PatientCodeSMS{names[i[0]], links[i[1]], short[i[2]]})
	}, len(names), len(links), len(short))
	each(func(i []int) {
		out = append(out, Question{names[i[0]], names[i[1]], short[i[2]], links[i[3]]})
	}, len(names), len(names), len(short), len(links))
	each(func(i []int) { out = append(out, Answered{short[i[0]], links[i[1]]}) }, len(short), len(links))
	each(func(i []int) {
		out = append(out, StatusUpdate{names[i[0]], names[i[1]], short[i[2]], statuses[i[3]], times[i[4]], declines[i[5]], links[i[6]], false})
	}, len(names), 3, len(short), len(statuses), len(times), len(declines), 2)
	each(func(i []int) {
		out = append(out, Closed{names[i[0]], names[i[1]], short[i[2]], links[i[3]], links[i[4]]})
	}, len(names), 3, len(short), len(links), len(links))
	words := []string{"", "Your appointment is booked", "YOUR APPOINTMENT\nIS BOOKED", "Ärztin bestätigt", names[4]}
	each(func(i []int) {
		out = append(out, PatientUpdate{words[i[0]], names[i[1]], names[i[2]], links[i[3]]})
	}, len(words), len(names), len(names), len(links))
	each(func(i []int) {
		out = append(out, Digest{names[i[0]], names[i[1]], times[i[2]], itemLists[i[3]]})
	}, len(names), 3, len(times), len(itemLists))
	each(func(i []int) {
		out = append(out, IntakeConfirm{names[i[0]], names[i[1]], links[i[2]], hours[i[3]]})
	}, len(names), len(names), len(links), len(hours))
	return out
}

func TestSameAsTemplates(t *testing.T) {
	templates := map[string]*template.Template{}
	for name, file := range oracleFile {
		src, err := os.ReadFile("testdata/" + file)
		if err != nil {
			t.Fatal(err)
		}
		templates[name] = template.Must(template.New(file).Funcs(oracleFuncs).Option("missingkey=error").Parse(string(src)))
	}
	entries, err := os.ReadDir("testdata")
	if err != nil {
		t.Fatal(err)
	}
	if len(entries) != len(oracleFile) || len(oracleFile) != len(allData()) {
		t.Fatalf("%d files in testdata, %d in oracleFile, %d messages: one template per message", len(entries), len(oracleFile), len(allData()))
	}
	cases, per, failed := oracleMatrix(t), map[string]int{}, 0
	for _, d := range cases {
		name := reflect.TypeOf(d).Name()
		per[name]++
		want, werr := oracleRender(templates[name], d)
		got, gerr := Render(d)
		if (werr != nil) != (gerr != nil) || got != want {
			if failed++; failed <= 10 {
				t.Errorf("%s %#v:\ngot  %q %v\nwant %q %v", name, d, got, gerr, want, werr)
			}
		}
	}
	for _, d := range allData() {
		if name := reflect.TypeOf(d).Name(); per[name] < 9 {
			t.Errorf("%s: only %d cases", name, per[name])
		}
	}
	t.Logf("%d cases (%v), %d differ", len(cases), per, failed)
}
