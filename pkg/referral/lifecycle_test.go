package referral

import (
	"errors"
	"reflect"
	"testing"
	"time"

	"github.com/referloop/referloop/pkg/problem"
)

// details gives each target status the details it needs.
func details(to string) Transition {
	t := Transition{To: to}
	switch to {
	case Declined:
		t.Reason = "no-capacity"
	case NeedsInfo:
		t.Note = "Which knee?"
	case Contacted:
		t.Contact = &Contact{Outcome: "no-answer", Channel: "phone"}
	case Scheduled:
		t.Appointment = &Appointment{At: now.Add(48 * time.Hour), Location: "Main St, room 2"}
	}
	return t
}

func at(status string, attempts int) Referral {
	r := Referral{ID: "x", Status: status, Version: 3, ContactAttempts: attempts, ContactBy: now.Add(time.Hour)}
	return r
}

func TestEveryTransition(t *testing.T) {
	staff := Actor{Name: "Maria", Role: "staff"}
	for _, from := range Statuses {
		for _, attempts := range []int{0, UnreachableAfter} {
			for _, to := range Statuses {
				r := at(from, attempts)
				want := contains(moves[from], to) && !(from == Contacted && to == Unreachable && attempts < UnreachableAfter)
				err := r.Apply(details(to), staff, now)
				if want {
					if err != nil {
						t.Errorf("%s (%d attempts) → %s refused: %v", from, attempts, to, err)
						continue
					}
					last := r.Timeline[len(r.Timeline)-1]
					if r.Status != to || r.Version != 4 || last.From != from || last.To != to || last.By != staff || !last.At.Equal(now) {
						t.Errorf("%s → %s: status %s version %d event %+v", from, to, r.Status, r.Version, last)
					}
					continue
				}
				var p *problem.Problem
				if !errors.As(err, &p) || p.Status != 422 || !reflect.DeepEqual(p.Allowed, orEmpty(at(from, attempts).Allowed())) {
					t.Errorf("%s (%d attempts) → %s: want refusal naming %v, got %v", from, attempts, to, at(from, attempts).Allowed(), err)
				}
				if r.Status != from || r.Version != 3 || len(r.Timeline) != 0 {
					t.Errorf("%s → %s: a refused move changed the referral", from, to)
				}
			}
		}
	}
}

func orEmpty(l []string) []string {
	if l == nil {
		return []string{}
	}
	return l
}

func TestEveryStatusHasAFHIRStatus(t *testing.T) {
	for _, s := range Statuses {
		if FHIR[s] == "" {
			t.Errorf("%s has no FHIR Task.status", s)
		}
		if _, ok := moves[s]; !ok {
			t.Errorf("%s is not in the state machine", s)
		}
	}
}

func TestTransitionDetails(t *testing.T) {
	cases := []struct {
		name   string
		from   string
		t      Transition
		fields []string
	}{
		{"decline without reason", Received, Transition{To: Declined}, []string{"reason"}},
		{"decline other without note", Received, Transition{To: Declined, Reason: "other"}, []string{"note"}},
		{"question without text", Accepted, Transition{To: NeedsInfo}, []string{"note"}},
		{"contact without outcome", Accepted, Transition{To: Contacted}, []string{"contact"}},
		{"contact bad values", Accepted, Transition{To: Contacted, Contact: &Contact{Outcome: "maybe", Channel: "fax"}}, []string{"contact.channel", "contact.outcome"}},
		{"schedule in the past", Contacted, Transition{To: Scheduled, Appointment: &Appointment{At: now.Add(-48 * time.Hour), Location: "x"}}, []string{"appointment.at"}},
		{"schedule without place", Contacted, Transition{To: Scheduled, Appointment: &Appointment{At: now.Add(time.Hour)}}, []string{"appointment.location"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := at(c.from, 0)
			if got := fieldsOf(r.Apply(c.t, Actor{}, now)); !reflect.DeepEqual(got, c.fields) {
				t.Fatalf("fields %v, want %v", got, c.fields)
			}
		})
	}
}

func TestNeedsInfoRoundTrip(t *testing.T) {
	r := at(Accepted, 0)
	if err := r.Apply(details(NeedsInfo), Actor{Role: "staff"}, now); err != nil {
		t.Fatal(err)
	}
	if r.Question != "Which knee?" || r.HeldFrom != Accepted {
		t.Fatalf("question %q held from %q", r.Question, r.HeldFrom)
	}
	if err := r.ApplyAnswer(Answer{}, Actor{}, now); !reflect.DeepEqual(fieldsOf(err), []string{"answer"}) {
		t.Fatalf("empty answer: %v", err)
	}
	a := Answer{Answer: "The left one", Patient: &AnswerFields{Email: "ana@example.com"}, Insurance: "Aetna"}
	if err := r.ApplyAnswer(a, Actor{Name: "Dr. Chen", Role: "referrer"}, now); err != nil {
		t.Fatal(err)
	}
	last := r.Timeline[len(r.Timeline)-1]
	if r.Status != Accepted || r.Question != "" || r.Patient.Email != "ana@example.com" || r.Insurance != "Aetna" || last.Answer != "The left one" || last.To != Accepted {
		t.Fatalf("after answer: %+v", r)
	}
	if err := r.ApplyAnswer(a, Actor{}, now); err == nil {
		t.Fatal("answered a referral with no open question")
	}
}

func TestReferrerViewHidesOutcomesWithoutConsent(t *testing.T) {
	r := at(Scheduled, 1)
	_ = r.Apply(details(Seen), Actor{}, now)
	if v := r.ForReferrer(); v.Status != Scheduled || len(v.Timeline) != 0 {
		t.Fatalf("without consent the referrer sees %s and %d events", v.Status, len(v.Timeline))
	}
	r.Patient.ConsentToShareOutcomes = true
	if v := r.ForReferrer(); v.Status != Seen || len(v.Timeline) != 1 {
		t.Fatalf("with consent the referrer sees %s", v.Status)
	}
}

func TestOverdue(t *testing.T) {
	r := at(Received, 0)
	if r.Overdue(now) || !r.Overdue(now.Add(2*time.Hour)) {
		t.Fatal("received referral overdue only after contact-by")
	}
	r.Status = Contacted
	if r.Overdue(now.Add(2 * time.Hour)) {
		t.Fatal("a contacted referral is not overdue")
	}
}
