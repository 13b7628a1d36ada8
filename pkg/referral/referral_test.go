package referral

import (
	"reflect"
	"testing"
	"time"

	"github.com/referloop/referloop/pkg/ids"
	"github.com/referloop/referloop/pkg/practice"
	"github.com/referloop/referloop/pkg/valid"
)

var now = time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC)

func minimal() Submission {
	return Submission{Patient: Patient{FirstName: "Ana", LastName: "Silva", DateOfBirth: "1980-04-02", Email: "ana@example.com",
		ConsentToContact: true}, Reason: "Low back pain", Urgency: Routine}
}

func fieldsOf(err error) []string {
	list, ok := valid.As(err)
	if !ok {
		return nil
	}
	var out []string
	for _, e := range list {
		out = append(out, e.Field)
	}
	return out
}

func TestSubmissionValidate(t *testing.T) {
	cases := []struct {
		name   string
		edit   func(*Submission)
		fields []string
	}{
		{"minimum referral", func(*Submission) {}, nil},
		{"phone instead of email", func(s *Submission) { s.Patient.Email, s.Patient.Phone = "", "+1 (555) 010-0142" }, nil},
		{"no way to reach the patient", func(s *Submission) { s.Patient.Email = "" }, []string{"patient.phone"}},
		{"no consent", func(s *Submission) { s.Patient.ConsentToContact = false }, []string{"patient.consentToContact"}},
		{"future birth", func(s *Submission) { s.Patient.DateOfBirth = "2027-01-01" }, []string{"patient.dateOfBirth"}},
		{"not a date", func(s *Submission) { s.Patient.DateOfBirth = "02/04/1980" }, []string{"patient.dateOfBirth"}},
		{"131 years", func(s *Submission) { s.Patient.DateOfBirth = "1895-01-01" }, []string{"patient.dateOfBirth"}},
		{"urgency", func(s *Submission) { s.Urgency = "asap" }, []string{"urgency"}},
		{"long note", func(s *Submission) { s.Note = string(make([]rune, 1001)) }, []string{"note"}},
		{"blank names", func(s *Submission) { s.Patient.FirstName, s.Patient.LastName = " ", "" }, []string{"patient.firstName", "patient.lastName"}},
		{"negative form time", func(s *Submission) { s.FormMillis = -1 }, []string{"formMillis"}},
		{"control characters", func(s *Submission) {
			s.Patient.LastName, s.Reason, s.Insurance = "Sil\x00va", "Knee\r\nBcc: x@y", "A\u202Eetna"
		},
			[]string{"insurance", "patient.lastName", "reason"}},
		{"a note keeps its lines", func(s *Submission) { s.Note = "Left knee.\nMRI attached." }, nil},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			s := minimal()
			c.edit(&s)
			s.Normalize()
			if got := fieldsOf(s.Validate(now)); !reflect.DeepEqual(got, c.fields) {
				t.Fatalf("fields %v, want %v", got, c.fields)
			}
		})
	}
}

func TestIdempotencyKey(t *testing.T) {
	fresh := ids.NewULID(now.Add(-time.Minute))
	cases := map[string]bool{
		fresh:                                  true,
		ids.NewULID(now.Add(-25 * time.Hour)):  false,
		ids.NewULID(now.Add(10 * time.Minute)): false,
		"":                                     false,
		"not-a-ulid":                           false,
	}
	for key, ok := range cases {
		u, err := CheckIdempotencyKey(key, now)
		if (err == nil) != ok {
			t.Errorf("CheckIdempotencyKey(%q) = %v", key, err)
		}
		if ok && u != fresh {
			t.Errorf("canonical %q", u)
		}
	}
}

func TestHashIgnoresFormTimeButNotContent(t *testing.T) {
	a, b, c := minimal(), minimal(), minimal()
	b.FormMillis = 90000
	c.Note = "different"
	if a.Hash() != b.Hash() || a.Hash() == c.Hash() {
		t.Fatal("hash must ignore formMillis and see every other field")
	}
}

func TestContactByAndIDs(t *testing.T) {
	h := practice.ContactBy{Default: 48, Urgent: 4}
	if got := ContactByFor(now, Urgent, h); !got.Equal(now.Add(4 * time.Hour)) {
		t.Fatalf("urgent: %v", got)
	}
	if got := ContactByFor(now, Soon, h); !got.Equal(now.Add(48 * time.Hour)) {
		t.Fatalf("soon: %v", got)
	}
	u := ids.NewULID(now)
	p, r, got, ok := ParseID(ID("p_abc", "r_def", u))
	if !ok || p != "p_abc" || r != "r_def" || got != u {
		t.Fatalf("ParseID round trip: %v %v %v %v", p, r, got, ok)
	}
	for _, bad := range []string{"", "p_a.r_b", "x_a.r_b." + u, "p_a.r_b.notaulid", "p_a.r_b." + u + ".x"} {
		if _, _, _, ok := ParseID(bad); ok {
			t.Errorf("ParseID(%q) accepted", bad)
		}
	}
	ref := New("t", PartnerRef{ID: "p_a"}, "r_b", Person{}, u, minimal(), now, h)
	if s := ref.String(); s != "referral "+ref.ID+" (received)" {
		t.Fatalf("String() = %q", s)
	}
}
