package messages

import (
	"reflect"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/referloop/referloop/pkg/referral"
)

// Sample values. The names are what a practice or a referrer wrote: never in a subject.
const (
	practiceName = "Lakeside Physical Therapy"
	partnerName  = "Northside Family Medicine"
	referrerName = "Dr. Ada Byron"
	displayName  = "Harbor Health" // a practice's name for its patients
	link         = "https://app.example/referrals/p_1.r_1.01J0?practice=lakeside"
)

var (
	written = []string{practiceName, partnerName, referrerName, "Lakeside", "Northside", "Ada"}
	at      = time.Date(2026, 3, 4, 15, 30, 0, 0, time.UTC)
)

func TestRender(t *testing.T) {
	cases := []struct {
		data    Data
		subject string   // exact
		text    []string // each must appear
		absent  []string // none may appear
	}{
		{SignupConfirm{Practice: practiceName, Link: "https://app.example/auth#token=T", Code: "K7Q2-M9XD"},
			"Confirm your practice on Referloop",
			[]string{"Confirm to create " + practiceName + " on Referloop.", "\n\nhttps://app.example/auth#token=T\n\n", "nothing is created until",
				"another browser? Enter this code when asked: K7Q2-M9XD\n"}, nil},
		{SigninLink{Links: []PracticeLink{{practiceName, "as practice staff", "https://app.example/auth#token=A"}, {"Harbor PT", "", "https://app.example/auth#token=B"}}, Code: "K7Q2-M9XD"},
			"Your Referloop sign-in link",
			[]string{"Here are your Referloop sign-in links, one for each practice you can sign in to. Each works once, for 15 minutes.\n\n" + practiceName + " (as practice staff):\nhttps://app.example/auth#token=A\n\nHarbor PT:\nhttps://app.example/auth#token=B\n\nOpening it on another device",
				"Enter this code when asked: K7Q2-M9XD\n\nIf you did not ask"}, nil},
		{Invitation{Name: referrerName, Practice: practiceName, Link: "https://app.example/auth#token=T", NewLinkURL: "https://app.example/p/lakeside"},
			"You are invited to send referrals on Referloop",
			[]string{"Hello " + referrerName + ",\n", practiceName + " invites you to refer patients", "https://app.example/auth#token=T", "works once, for 7 days):\nhttps://app.example/auth#token=T\n", "Later, or if the link has expired, get a sign-in link at https://app.example/p/lakeside\n"}, nil},
		{MemberInvitation{Name: referrerName, Practice: practiceName, InvitedBy: "Ann Lee", Link: "https://app.example/auth#token=T", SigninURL: "https://app.example/signin"},
			"You are invited to a practice's team on Referloop",
			[]string{"Hello " + referrerName + ",\n", "Ann Lee added you to the team of " + practiceName + " on Referloop: you", "works once, for 7 days):\nhttps://app.example/auth#token=T\n", "get a sign-in link at https://app.example/signin\n"}, []string{"as an owner"}},
		{Invitation{Practice: practiceName, Link: "L", NewLinkURL: "U"},
			"You are invited to send referrals on Referloop", []string{"Hello,\n"}, []string{"Hello ,"}},
		{Received{Referrer: referrerName, Practice: practiceName, Ref: "R-0ABCDEFG", Received: at, ContactBy: at.Add(48 * time.Hour), Link: link},
			"Referral R-0ABCDEFG received by the practice",
			[]string{"Hello " + referrerName + ",", practiceName + " received your referral R-0ABCDEFG on Mar 4, 2026.",
				"contact the patient by Fri Mar 6, 3:30 PM UTC.", "Follow its status: " + link + "\n"}, nil},
		{NewReferral{Ref: "R-0ABCDEFG", Urgent: true, Partner: partnerName, ContactBy: at, Link: "https://app.example/practice/referrals/x"},
			"New referral R-0ABCDEFG (urgent)",
			[]string{"A new referral R-0ABCDEFG (urgent) arrived from " + partnerName + ".", "Open it: https://app.example/practice/referrals/x\n"}, nil},
		{NewReferral{Ref: "R-0ABCDEFG", Partner: partnerName, ContactBy: at, Link: "L"},
			"New referral R-0ABCDEFG", []string{"A new referral R-0ABCDEFG arrived"}, []string{"urgent"}},
		{PatientCode{DisplayName: displayName, PracticePhone: "+1 555 0100", StatusURL: "https://app.example/status", Code: "ABCD-EFGH-JKMN"},
			"Your referral: your status code",
			[]string{"You were referred for an appointment.", "go to https://app.example/status and enter",
				"date of birth:\n\n    ABCD-EFGH-JKMN\n", "Questions? Call us at +1 555 0100.\n\n" + displayName + "\n"}, written},
		{PatientCode{DisplayName: displayName, StatusURL: "S", Code: "C"},
			"Your referral: your status code", []string{"    C\n\n" + displayName + "\n"}, []string{"Questions?"}},
		{PatientCodeSMS{DisplayName: displayName, StatusURL: "https://app.example/status", Code: "ABCD-EFGH-JKMN"},
			"", []string{displayName + ": you were referred. Check status at https://app.example/status with code ABCD-EFGH-JKMN and your date of birth."},
			append([]string{"\n"}, written...)},
		{Question{Referrer: referrerName, Practice: practiceName, Ref: "R-1", Link: link},
			"The practice has a question about referral R-1",
			[]string{"Hello " + referrerName + ",", practiceName + " needs a detail to go on with referral R-1.", "\n\n" + link + "\n"}, nil},
		{Answered{Ref: "R-1", Link: "https://app.example/practice/referrals/x"},
			"Referral R-1: the referrer answered",
			[]string{"The referrer answered your question on referral R-1; it is back in your queue.", "https://app.example/practice/referrals/x\n"}, nil},
		{StatusUpdate{Referrer: referrerName, Practice: practiceName, Ref: "R-1", Status: referral.Accepted, Link: link},
			"Referral R-1: accepted",
			[]string{"Referral R-1 to " + practiceName + " is now accepted.\n\nDetails: " + link + "\n"}, []string{"appointment", "Reason"}},
		{StatusUpdate{Referrer: referrerName, Practice: practiceName, Ref: "R-1", Status: referral.Scheduled, Appointment: at, Link: link},
			"Referral R-1: scheduled", []string{"is now scheduled. The appointment is on Wed Mar 4, 3:30 PM UTC.\n"}, nil},
		{StatusUpdate{Referrer: referrerName, Practice: practiceName, Ref: "R-1", Status: referral.Declined, Decline: "not-a-match", Link: link},
			"Referral R-1: declined", []string{"is now declined. Reason: not a match.\n"}, nil},
		{StatusUpdate{Referrer: referrerName, Practice: practiceName, Ref: "R-1", Status: referral.NeedsInfo, Link: link},
			"Referral R-1: waiting for your answer", []string{"is now waiting for your answer."}, nil},
		{Closed{Referrer: referrerName, Practice: practiceName, Ref: "R-1", Link: link, RateURL: "https://app.example/rate#token=TOK"},
			"Referral R-1: the loop is closed",
			[]string{practiceName + " closed the loop on referral R-1. Thank you for the referral.", "Details: " + link + "\n",
				"(1 = poor, 5 = excellent):\n  1: https://app.example/rate#token=TOK&score=1\n", "  5: https://app.example/rate#token=TOK&score=5\n"}, nil},
		{Closed{Referrer: referrerName, Practice: practiceName, Ref: "R-1", Link: link},
			"Referral R-1: the loop is closed", []string{"Details: " + link + "\n"}, []string{"rate", "score"}},
		{PatientUpdate{Words: "Your appointment is booked", DisplayName: displayName, PracticePhone: "+1 555 0100", StatusURL: "https://app.example/status"},
			"Your referral: your appointment is booked",
			[]string{"Hello,\n\nYour appointment is booked. See the time and place at https://app.example/status with your code",
				"Questions? Call us at +1 555 0100.\n\n" + displayName + "\n"}, written},
		{Digest{Referrer: referrerName, Practice: practiceName, Day: at, Items: []DigestItem{
			{Ref: "R-1", Status: referral.Accepted, Link: "https://app.example/referrals/a?practice=lakeside"},
			{Ref: "R-2", Status: referral.NoShow, Link: "https://app.example/referrals/b?practice=lakeside"}}},
			"2 referral updates on Mar 4, 2026",
			[]string{"Changes on Mar 4, 2026 to the referrals you sent " + practiceName + ":\n\n",
				"  R-1 is now accepted: https://app.example/referrals/a?practice=lakeside\n  R-2 is now a missed appointment: https://app.example/referrals/b?practice=lakeside\n\nYou get one email a day"}, nil},
		{Digest{Referrer: referrerName, Practice: practiceName, Day: at, Items: []DigestItem{{Ref: "R-1", Status: referral.Seen, Link: "L"}}},
			"1 referral update on Mar 4, 2026", []string{"R-1 is now seen: L\n"}, nil},
	}
	cases = append(cases, intakeCases()...)
	rendered := map[string]bool{}
	for _, c := range cases {
		name := reflect.TypeOf(c.data).Name()
		rendered[name] = true
		t.Run(name, func(t *testing.T) {
			m, err := Render(c.data)
			if err != nil {
				t.Fatal(err)
			}
			if m.Subject != c.subject {
				t.Errorf("subject %q, want %q", m.Subject, c.subject)
			}
			for _, w := range written {
				if strings.Contains(m.Subject, w) {
					t.Errorf("the subject %q holds text a practice or referrer wrote (%q)", m.Subject, w)
				}
			}
			for _, want := range c.text {
				if !strings.Contains(m.Text, want) {
					t.Errorf("the text lacks %q:\n%s", want, m.Text)
				}
			}
			for _, bad := range append(c.absent, "<no value>", "%!", "{{", "  \n") {
				if strings.Contains(m.Text, bad) {
					t.Errorf("the text holds %q:\n%s", bad, m.Text)
				}
			}
			if m.Subject != "" && (!strings.HasSuffix(m.Text, "\n") || strings.HasSuffix(m.Text, "\n\n")) {
				t.Errorf("an email's text ends with exactly one newline:\n%q", m.Text)
			}
		})
	}
	// Every message has a case above.
	for _, d := range allData() {
		if name := reflect.TypeOf(d).Name(); !rendered[name] {
			t.Errorf("%s has no case in TestRender", name)
		}
	}
}

// TestNoFieldForPHI: no message's data can carry a patient's name, date of birth, phone, email or
// reason, nor the practice's free-text notes and questions.
func TestNoFieldForPHI(t *testing.T) {
	forbidden := regexp.MustCompile(`(?i)patient|first|last|birth|dob|reason|email|note|question|insurance|^phone$`)
	var check func(reflect.Type, string)
	check = func(typ reflect.Type, path string) {
		switch typ.Kind() {
		case reflect.Slice, reflect.Pointer:
			check(typ.Elem(), path)
		case reflect.Struct:
			if typ == reflect.TypeOf(time.Time{}) {
				return
			}
			for i := 0; i < typ.NumField(); i++ {
				f := typ.Field(i)
				if forbidden.MatchString(f.Name) {
					t.Errorf("%s.%s: a message's data has no field for PHI or free text", path, f.Name)
				}
				check(f.Type, path+"."+f.Name)
			}
		}
	}
	for _, d := range allData() {
		check(reflect.TypeOf(d), reflect.TypeOf(d).Name())
	}
}

// TestPatientMessagesNameNoPractice: the data of what a patient gets has no field for the practice's
// own name nor the referring office's, only the display name the practice chose for patients.
func TestPatientMessagesNameNoPractice(t *testing.T) {
	for _, d := range []Data{PatientCode{}, PatientCodeSMS{}, PatientUpdate{}, IntakeConfirm{}} {
		typ := reflect.TypeOf(d)
		if _, ok := typ.FieldByName("DisplayName"); !ok {
			t.Errorf("%s has no DisplayName", typ.Name())
		}
		for i := 0; i < typ.NumField(); i++ {
			if n := typ.Field(i).Name; n == "Practice" || n == "Partner" || n == "Referrer" {
				t.Errorf("%s.%s: a patient's message names the practice only by its display name", typ.Name(), n)
			}
		}
	}
}

func allData() []Data {
	return []Data{SignupConfirm{}, SigninLink{}, Invitation{}, MemberInvitation{}, Received{}, NewReferral{}, PatientCode{}, PatientCodeSMS{},
		Question{}, Answered{}, StatusUpdate{}, Closed{}, PatientUpdate{}, Digest{},
		IntakeConfirm{}}
}

// TestEmailsAndTexts: an email has a subject, a text message does not; both have a text, whatever
// the data.
func TestEmailsAndTexts(t *testing.T) {
	for _, d := range allData() {
		name := reflect.TypeOf(d).Name()
		m, err := Render(d)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		sms := strings.HasSuffix(name, "SMS")
		if (m.Subject == "") != sms || m.Text == "" {
			t.Errorf("%s: an email has a subject and a text, a text message a text only: %+v", name, m)
		}
	}
}

// TestOneLineFields: a practice can name itself anything, line breaks included; what it wrote
// cannot start a new line, a header or a paragraph of its own.
func TestOneLineFields(t *testing.T) {
	evil := "Evil\r\nBcc: victim@example.com\r\n\r\nClick https://phish.example\u202e"
	m, err := Render(Invitation{Name: "Dr.\nX", Practice: evil, Link: "https://app.example/auth#token=T", NewLinkURL: "https://app.example/p/evil"})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(m.Text, "Hello Dr. X,\n\nEvil Bcc: victim@example.com Click https://phish.example invites you") {
		t.Errorf("the practice's name was not made one line:\n%q", m.Text)
	}
	if strings.ContainsAny(m.Subject, "\r\n") || strings.Contains(m.Subject, "Evil") {
		t.Errorf("subject %q", m.Subject)
	}
	// Slices and nested fields too; the caller's data is left as it was.
	links := []PracticeLink{{Practice: "A\nB", Link: "L"}}
	m, err = Render(SigninLink{Links: links})
	if err != nil || !strings.Contains(m.Text, "\nA B:\nL\n") || links[0].Practice != "A\nB" {
		t.Errorf("%v %q %q", err, m.Text, links[0].Practice)
	}
	for in, want := range map[string]string{"a\tb": "a b", " a ": "a", "a\x00\x1b[31mb": "a [31mb", "a\u2028b": "a b", "plain": "plain"} {
		if got := Line(in); got != want {
			t.Errorf("Line(%q) = %q, want %q", in, got, want)
		}
	}
}

type badSubject struct{ S string }

func (d badSubject) message() Message { return Message{Subject: "Hi\nBcc: x", Text: d.S} }

// TestSubjectMustBeOneLine: a message whose subject breaks a line is refused, whatever the data.
func TestSubjectMustBeOneLine(t *testing.T) {
	if _, err := Render(badSubject{"x"}); err == nil {
		t.Fatal("a subject with a line break was rendered")
	}
}

// TestStatusWords: every status of the lifecycle reads as words in a referrer's sentence.
func TestStatusWords(t *testing.T) {
	for _, s := range referral.Statuses() {
		m, err := Render(StatusUpdate{Referrer: "R", Practice: "P", Ref: "R-1", Status: s, Link: "L"})
		if err != nil {
			t.Fatal(err)
		}
		w := statusWords(s)
		if w == "" || strings.Contains(w, "-") || !strings.Contains(m.Text, "is now "+w+".") || m.Subject != "Referral R-1: "+w {
			t.Errorf("%s reads as %q:\n%s", s, w, m.Text)
		}
	}
}

// TestRescheduledSaysTheAppointmentMoved: a new appointment time is news, in its own words, never
// "is now scheduled" again.
func TestRescheduledSaysTheAppointmentMoved(t *testing.T) {
	ny, _ := time.LoadLocation("America/New_York")
	at := time.Date(2026, 12, 8, 14, 30, 0, 0, time.UTC).In(ny)
	m, err := Render(StatusUpdate{Referrer: "Dr. Patel", Practice: "Lakeside PT", Ref: "R-7K2Q", Status: "scheduled", Appointment: at,
		Link: "https://app.example/referrals/x", Rescheduled: true})
	if err != nil {
		t.Fatal(err)
	}
	if m.Subject != "Referral R-7K2Q: appointment moved" || !strings.Contains(m.Text, "moved: it is now on Tue Dec 8, 9:30 AM EST") ||
		strings.Contains(m.Text, "is now scheduled") {
		t.Errorf("%q\n%s", m.Subject, m.Text)
	}
}
