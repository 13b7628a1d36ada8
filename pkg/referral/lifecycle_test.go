package referral

import (
	"errors"
	"reflect"
	"testing"
	"time"

	"github.com/referloop/referloop/pkg/practice"
)

// details gives each target status the details it needs.
func details(to Status) Transition {
	t := Transition{To: to}
	switch to {
	case Declined:
		t.Reason = "no-capacity"
	case NeedsInfo:
		t.Note = "Which knee?"
	case Contacted:
		t.Contact = &Contact{Outcome: Reached, Channel: "phone"}
	case Scheduled:
		t.Appointment = &Appointment{At: now.Add(48 * time.Hour), Location: "Main St, room 2"}
	}
	return t
}

func at(status Status, attempts int) Referral {
	r := Referral{ID: "x", Status: status, Version: 3, ContactAttempts: attempts, ContactBy: now.Add(time.Hour)}
	return r
}

func TestEveryTransition(t *testing.T) {
	staff := Actor{Name: "Maria", Role: "staff"}
	for _, from := range Statuses() {
		for _, attempts := range []int{0, UnreachableAfter} {
			for _, to := range Statuses() {
				r := at(from, attempts)
				want := contains(from.Next(), to) && !(from != NoShow && to == Unreachable && attempts < UnreachableAfter)
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
				var ill *IllegalMoveError
				if !errors.As(err, &ill) || ill.From != from || ill.To != to || !reflect.DeepEqual(ill.Allowed, at(from, attempts).Allowed()) {
					t.Errorf("%s (%d attempts) → %s: want refusal naming %v, got %v", from, attempts, to, at(from, attempts).Allowed(), err)
				}
				if r.Status != from || r.Version != 3 || len(r.Timeline) != 0 {
					t.Errorf("%s → %s: a refused move changed the referral", from, to)
				}
			}
		}
	}
}

func TestEveryStatusHasAFHIRStatus(t *testing.T) {
	for _, s := range Statuses() {
		if s.FHIR() == "" {
			t.Errorf("%s has no FHIR Task.status", s)
		}
		for _, to := range s.Next() {
			if !to.Valid() {
				t.Errorf("%s moves to %q, which is not a status", s, to)
			}
		}
	}
	if Status("pending").Valid() || Status("pending").Open() || Status("pending").FHIR() != "" {
		t.Error("an unknown status is neither valid, open nor mapped")
	}
}

func TestTransitionDetails(t *testing.T) {
	cases := []struct {
		name   string
		from   Status
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

// TestReferrerVersionCountsOnlyWhatTheySee: without consent, a no-show, its rebooking and the visit
// leave the referrer's version, updatedAt and appointment as they were; the closing moves them on.
// With consent the referrer's view is the referral's.
func TestReferrerVersionCountsOnlyWhatTheySee(t *testing.T) {
	staff := Actor{Name: "Maria", Role: "staff"}
	r := New("t_1", PartnerRef{ID: "p_1"}, "r_1", Person{}, "01ARZ3NDEKTSV4RRFFQ69G5FAV", Submission{Urgency: Routine}, now, practice.DefaultContactBy)
	step := func(to Status, at time.Time) {
		t.Helper()
		tr := details(to)
		if to == Scheduled {
			tr.Appointment = &Appointment{At: at.Add(30 * time.Minute), Location: "Main St"} // the next step comes after it
		}
		if err := r.Apply(tr, staff, at); err != nil {
			t.Fatalf("to %s: %v", to, err)
		}
	}
	tick := now
	for _, to := range []Status{Accepted, Contacted, Scheduled} {
		tick = tick.Add(time.Hour)
		step(to, tick)
	}
	shown := r.ForReferrer()
	if shown.Version != 4 || !shown.UpdatedAt.Equal(tick) || shown.Version != r.Version {
		t.Fatalf("scheduled: the referrer sees version %d at %s", shown.Version, shown.UpdatedAt)
	}
	for _, to := range []Status{NoShow, Scheduled, Seen} {
		tick = tick.Add(time.Hour)
		step(to, tick)
		v := r.ForReferrer()
		if v.Version != shown.Version || !v.UpdatedAt.Equal(shown.UpdatedAt) || v.Status != Scheduled ||
			!reflect.DeepEqual(v.Appointment, shown.Appointment) || len(v.Timeline) != 4 {
			t.Fatalf("after a hidden move to %s the referrer sees version %d at %s, %s, %+v", to, v.Version, v.UpdatedAt, v.Status, v.Appointment)
		}
	}
	tick = tick.Add(time.Hour)
	step(Closed, tick)
	if v := r.ForReferrer(); v.Version != 5 || !v.UpdatedAt.Equal(tick) || v.Status != Closed || r.Version != 8 {
		t.Fatalf("closed: the referrer sees version %d at %s (%s); the referral is at %d", v.Version, v.UpdatedAt, v.Status, r.Version)
	}
	r.Patient.ConsentToShareOutcomes = true
	if v := r.ForReferrer(); v.Version != r.Version || len(v.Timeline) != len(r.Timeline) {
		t.Fatalf("with consent: version %d of %d", v.Version, r.Version)
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

// TestLifecycleTable holds the sets other packages read from the table (store queries, metrics,
// the notifier) to what product.md says.
func TestLifecycleTable(t *testing.T) {
	if got, want := AwaitingContact(), []Status{Received, NeedsInfo, Accepted}; !reflect.DeepEqual(got, want) {
		t.Errorf("awaiting contact %v, want %v", got, want)
	}
	if got, want := QueueStatuses(), []Status{Received, NeedsInfo, Accepted, Contacted, Scheduled, NoShow, Seen}; !reflect.DeepEqual(got, want) {
		t.Errorf("work queue %v, want %v", got, want)
	}
	var open []Status
	for _, s := range Statuses() {
		if s.Open() {
			open = append(open, s)
		}
	}
	if want := []Status{Received, NeedsInfo, Accepted, Contacted, Scheduled, NoShow}; !reflect.DeepEqual(open, want) {
		t.Errorf("open %v, want %v", open, want)
	}
	for _, s := range Statuses() {
		if s.Final() != (len(s.Next()) == 0) {
			t.Errorf("%s: final %v with next %v", s, s.Final(), s.Next())
		}
		if s.AwaitingContact() && !s.Open() {
			t.Errorf("%s awaits contact but is not open", s)
		}
	}
}

func TestReferrerSeesMove(t *testing.T) {
	cases := []struct {
		from, to Status
		consent  bool
		want     bool
	}{
		{"", Received, false, true},
		{Received, Accepted, false, true},
		{Scheduled, Seen, false, false},
		{Scheduled, NoShow, false, false},
		{NoShow, Scheduled, false, false},
		{NoShow, Unreachable, false, false},
		{Seen, Closed, false, true},
		{Scheduled, Seen, true, true},
		{NoShow, Scheduled, true, true},
	}
	for _, c := range cases {
		if got := ReferrerSeesMove(c.from, c.to, c.consent); got != c.want {
			t.Errorf("%s → %s (consent %v): %v, want %v", c.from, c.to, c.consent, got, c.want)
		}
	}
	for _, s := range Statuses() {
		if v := s.ForReferrer(false); !v.Valid() || (v != s) != (s == Seen || s == NoShow) {
			t.Errorf("%s reads as %s to a referrer without consent", s, v)
		}
		if s.ForReferrer(true) != s {
			t.Errorf("%s changes with consent", s)
		}
	}
}

func TestDomainErrors(t *testing.T) {
	r := at(Closed, 0)
	err := r.Apply(details(Seen), Actor{}, now)
	var ill *IllegalMoveError
	if !errors.As(err, &ill) || len(ill.Allowed) != 0 || err.Error() != "a closed referral can move to: nothing (it is final)" {
		t.Fatalf("closed → seen: %v", err)
	}
	held := at(Received, 0)
	if err := held.ApplyAnswer(Answer{Answer: "x"}, Actor{}, now); !errors.Is(err, ErrNotWaiting) {
		t.Fatalf("answer without a question: %v", err)
	}
	var c *ConflictError
	if err := at(Received, 0).CheckVersion(2); !errors.As(err, &c) || c.Current != 3 {
		t.Fatalf("stale version: %v", err)
	}
	if err := at(Received, 0).CheckVersion(3); err != nil {
		t.Fatalf("current version: %v", err)
	}
}

// TestHonestLifecycle: nothing claims progress that did not happen.
func TestHonestLifecycle(t *testing.T) {
	staff := Actor{Name: "Maria", Role: "staff"}
	r := at(Accepted, 0)
	for i, outcome := range []string{"no-answer", "voicemail", "wrong-number"} {
		if err := r.Apply(Transition{To: Contacted, Contact: &Contact{Outcome: outcome, Channel: "phone"}}, staff, now); err != nil {
			t.Fatal(err)
		}
		last := r.Timeline[len(r.Timeline)-1]
		if r.Status != Accepted || r.ContactAttempts != i+1 || last.From != Accepted || last.To != Accepted || last.Contact.Outcome != outcome {
			t.Fatalf("attempt %d (%s): status %s, %d attempts, event %+v", i+1, outcome, r.Status, r.ContactAttempts, last)
		}
	}
	if !r.Overdue(now.Add(2 * time.Hour)) {
		t.Fatal("attempts that reached nobody stop the contact-by clock")
	}
	if !contains(r.Allowed(), Unreachable) {
		t.Fatalf("after %d attempts unreachable should be allowed: %v", r.ContactAttempts, r.Allowed())
	}
	if err := r.Apply(Transition{To: Contacted, Contact: &Contact{Outcome: Reached, Channel: "sms"}}, staff, now); err != nil || r.Status != Contacted {
		t.Fatalf("reached: %v, status %s", err, r.Status)
	}
	// Seen before the appointment is refused; at or after it, allowed.
	appt := now.Add(7 * 24 * time.Hour)
	s := at(Scheduled, 1)
	s.Appointment = &Appointment{At: appt, Location: "Room 2"}
	if got := fieldsOf(s.Apply(Transition{To: Seen}, staff, now)); !reflect.DeepEqual(got, []string{"to"}) || s.Status != Scheduled {
		t.Fatalf("seen a week early: fields %v, status %s", got, s.Status)
	}
	if err := s.Apply(Transition{To: Seen}, staff, appt.Add(time.Minute)); err != nil || s.Status != Seen {
		t.Fatalf("seen after the appointment: %v", err)
	}
}

func TestOutcomeNoteSharedOnlyWithConsent(t *testing.T) {
	r := at(Seen, 1)
	if err := r.Apply(Transition{To: Closed, Note: "Discharged; home exercises"}, Actor{}, now); err != nil {
		t.Fatal(err)
	}
	if v := r.ForReferrer(); v.Timeline[len(v.Timeline)-1].Note != "" {
		t.Fatal("the outcome note reached a referrer without the patient's consent")
	}
	r.Patient.ConsentToShareOutcomes = true
	if v := r.ForReferrer(); v.Timeline[len(v.Timeline)-1].Note != "Discharged; home exercises" {
		t.Fatal("with consent the referrer reads the outcome note")
	}
}
