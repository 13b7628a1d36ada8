package intake

import (
	"strings"
	"testing"
	"time"

	"github.com/referloop/referloop/pkg/partner"
	"github.com/referloop/referloop/pkg/referral"
	"github.com/referloop/referloop/pkg/valid"
)

func request(forWhom, sentBy string) Request {
	q := Request{ForWhom: forWhom, SentBy: sentBy, DoctorName: " Dr. Kim ", DoctorPractice: "Bayview FM",
		YourName: "Luis", YourEmail: "luis@example.com",
		Patient: referral.Patient{FirstName: "Rosa", LastName: "Diaz", DateOfBirth: "1975-06-14", Email: "rosa@example.com", ConsentToContact: true},
		Reason:  "Back pain"}
	q.Normalize()
	return q
}

func TestSourceOfEachAnswer(t *testing.T) {
	now := time.Date(2026, 11, 30, 0, 0, 0, 0, time.UTC)
	cases := []struct {
		forWhom, sentBy, source, confirmTo string
	}{
		{ForMe, SentByDoctor, partner.SourceProvider, "rosa@example.com"},
		{ForMe, SentByFriend, partner.SourcePatient, "rosa@example.com"},
		{ForMe, SentByAd, partner.SourceSelf, "rosa@example.com"},
		{ForMe, SentByOther, partner.SourceSelf, "rosa@example.com"},
		{ForSomeone, SentByAd, partner.SourcePatient, "luis@example.com"},
		{ForSomeone, SentByFriend, partner.SourcePatient, "luis@example.com"},
		{ForSomeone, SentByDoctor, partner.SourceProvider, "luis@example.com"},
	}
	for _, c := range cases {
		q := request(c.forWhom, c.sentBy)
		if err := q.Validate(now); err != nil {
			t.Errorf("%s/%s: %v", c.forWhom, c.sentBy, err)
		}
		src := q.Source()
		if got := partner.SourceKind(src.Kind); got != c.source || SourceOf(src.ID) != c.source {
			t.Errorf("%s/%s: source %q (%q), want %q", c.forWhom, c.sentBy, got, SourceOf(src.ID), c.source)
		}
		if src.StatusUpdates != partner.UpdatesNone || len(strings.TrimPrefix(src.ID, "p_")) != 12 {
			t.Errorf("%s: the intake partner must tell no referrer and have a p_ + 12 id", src.ID)
		}
		if q.ConfirmTo() != c.confirmTo {
			t.Errorf("%s/%s: confirmation to %q", c.forWhom, c.sentBy, q.ConfirmTo())
		}
		note := q.Submission().Note
		if (c.sentBy == SentByDoctor) != strings.Contains(note, "Dr. Kim, Bayview FM") {
			t.Errorf("%s/%s: note %q", c.forWhom, c.sentBy, note)
		}
		if c.forWhom == ForMe && q.YourEmail != "" {
			t.Errorf("a form for me keeps the sender's fields")
		}
	}
	if SourceOf("p_0123456789ab") != "" {
		t.Error("a practice's own partner is no intake partner")
	}
}

func TestValidateInPatientsWords(t *testing.T) {
	now := time.Date(2026, 11, 30, 0, 0, 0, 0, time.UTC)
	q := Request{ForWhom: ForSomeone}
	q.Normalize()
	list, ok := valid.As(q.Validate(now))
	if !ok {
		t.Fatal("no field errors")
	}
	got := map[string]string{}
	for _, e := range list {
		got[e.Field] = e.Detail
	}
	for field, want := range map[string]string{
		"sentBy":                   "tell us who sent you",
		"yourName":                 "is required",
		"yourEmail":                "is required",
		"patient.consentToContact": "agree that the practice may contact the patient",
		"patient.phone":            "give a phone number or an email address",
		"reason":                   "tell us in a few words",
	} {
		if !strings.Contains(got[field], want) {
			t.Errorf("%s: %q, want it to say %q", field, got[field], want)
		}
	}
	if _, ok := got["urgency"]; ok {
		t.Error("a patient is never asked for an urgency")
	}
}
