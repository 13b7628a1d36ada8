package referral

import (
	"errors"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/referloop/referloop/pkg/phone"
	"github.com/referloop/referloop/pkg/valid"
)

// IllegalMoveError is a move the lifecycle does not allow now; Allowed is what it does allow.
type IllegalMoveError struct {
	From, To Status
	Allowed  []Status
}

func (e *IllegalMoveError) Error() string {
	return fmt.Sprintf("a %s referral can move to: %s", e.From, listOrNone(Strings(e.Allowed)))
}

// ErrNotWaiting is an answer to a referral that has no open question.
var ErrNotWaiting = errors.New("this referral is not waiting for an answer")

// ConflictError is a change to a referral made from an older version than the stored one.
// Current is the stored version when known (0 when not).
type ConflictError struct{ Current int }

func (e *ConflictError) Error() string {
	if e.Current > 0 {
		return fmt.Sprintf("the referral changed since it was read (it is now at version %d)", e.Current)
	}
	return "the referral changed since it was read"
}

// CheckVersion returns a *ConflictError unless the referral is at version v.
func (r Referral) CheckVersion(v int) error {
	if r.Version != v {
		return &ConflictError{Current: r.Version}
	}
	return nil
}

// UnreachableAfter is how many contact attempts come before a referral may be marked unreachable.
const UnreachableAfter = 3

// DeclineReasons are the fixed reasons a practice declines a referral for.
var DeclineReasons = []string{"not-a-match", "insurance", "no-capacity", "referred-elsewhere", "patient-declined", "other"}

// Reached is the contact outcome that makes a referral contacted; the others are attempts.
const Reached = "reached"

// Contact outcomes and channels of a logged attempt.
var (
	ContactOutcomes = []string{Reached, "no-answer", "voicemail", "wrong-number"}
	ContactChannels = []string{"phone", "email", "sms"}
)

// Appointment is when and where the patient is seen.
type Appointment struct {
	At       time.Time `json:"at"`
	Location string    `json:"location"`
}

// Contact is one logged attempt to reach the patient.
type Contact struct {
	Outcome string `json:"outcome"`
	Channel string `json:"channel"`
}

// Decline says why a referral was declined, and where to send the patient instead.
type Decline struct {
	Reason string `json:"reason"`
	Note   string `json:"note,omitempty"`
}

// Actor is who made a change.
type Actor struct {
	Name string `json:"name"`
	Role string `json:"role"`
}

// ActorAt is who wrote, from which address, doing what; no PHI.
type ActorAt struct {
	Actor
	ID     string `json:"id"`
	IP     string `json:"ip,omitempty"`
	Action string `json:"action"`
}

// Event is one entry of a referral's timeline.
type Event struct {
	At          time.Time    `json:"at"`
	By          Actor        `json:"by"`
	From        Status       `json:"from,omitempty"`
	To          Status       `json:"to"`
	Note        string       `json:"note,omitempty"`
	Reason      string       `json:"reason,omitempty"`
	Appointment *Appointment `json:"appointment,omitempty"`
	Contact     *Contact     `json:"contact,omitempty"`
	Answer      string       `json:"answer,omitempty"`
}

// Rating is the referrer's one-click rating of the handoff.
type Rating struct {
	Score int       `json:"score"`
	At    time.Time `json:"at"`
}

// Transition is a staff request to move a referral.
type Transition struct {
	To          Status       `json:"to"`
	Reason      string       `json:"reason,omitempty"`
	Note        string       `json:"note,omitempty"`
	Appointment *Appointment `json:"appointment,omitempty"`
	Contact     *Contact     `json:"contact,omitempty"`
}

// Allowed returns the statuses staff may move r to now: the table's next statuses, less
// unreachable while fewer than UnreachableAfter attempts were made (after a no-show the patient
// was reached before, so giving up needs no count).
func (r Referral) Allowed() []Status {
	var out []Status
	for _, to := range r.Status.Next() {
		if to == Unreachable && r.Status != NoShow && r.ContactAttempts < UnreachableAfter {
			continue
		}
		out = append(out, to)
	}
	return out
}

// Overdue reports whether nobody has reached the patient yet and the contact-by deadline has passed.
func (r Referral) Overdue(now time.Time) bool {
	return r.Status.AwaitingContact() && now.After(r.ContactBy)
}

func contains[T comparable](list []T, v T) bool {
	for _, x := range list {
		if x == v {
			return true
		}
	}
	return false
}

// Apply moves r by t, stamping the timeline, or returns an *IllegalMoveError naming the allowed
// moves, or valid.Errors for missing details. It claims no progress that did not happen: a contact
// attempt that did not reach the patient is logged (and counted) where the referral is, and a
// patient is not seen before their appointment.
func (r *Referral) Apply(t Transition, by Actor, now time.Time) error {
	t.Note = strings.TrimSpace(t.Note)
	t.Reason = strings.TrimSpace(t.Reason)
	allowed := r.Allowed()
	if !t.To.Valid() || !contains(allowed, t.To) {
		return &IllegalMoveError{From: r.Status, To: t.To, Allowed: allowed}
	}
	var f valid.Fields
	f.Lines("note", t.Note, MaxNoteLen, false)
	ev := Event{At: now, By: by, From: r.Status, To: t.To, Note: t.Note}
	switch t.To {
	case Declined:
		if !contains(DeclineReasons, t.Reason) {
			f.Add("reason", "must be one of "+strings.Join(DeclineReasons, ", "))
		} else if t.Reason == "other" && t.Note == "" {
			f.Add("note", "say why, and where the patient can go instead")
		}
		ev.Reason = t.Reason
	case NeedsInfo:
		if t.Note == "" {
			f.Add("note", "write the question for the referrer")
		}
	case Contacted:
		if t.Contact == nil {
			f.Add("contact", "say how the attempt went: outcome and channel")
		} else {
			if !contains(ContactOutcomes, t.Contact.Outcome) {
				f.Add("contact.outcome", "must be one of "+strings.Join(ContactOutcomes, ", "))
			}
			if !contains(ContactChannels, t.Contact.Channel) {
				f.Add("contact.channel", "must be one of "+strings.Join(ContactChannels, ", "))
			}
		}
		ev.Contact = t.Contact
		if t.Contact != nil && t.Contact.Outcome != Reached && r.Status != Contacted {
			ev.To = r.Status // nobody was reached: an attempt, not a move
		}
	case Seen:
		if r.Appointment != nil && now.Before(r.Appointment.At) {
			f.Addf("to", "the appointment is on %s (UTC): a patient is seen at it; if they came earlier, reschedule first",
				r.Appointment.At.UTC().Format("Mon Jan 2, 15:04"))
		}
	case Scheduled:
		if t.Appointment == nil {
			f.Add("appointment", "give the appointment's time and place")
		} else {
			t.Appointment.Location = strings.TrimSpace(t.Appointment.Location)
			if t.Appointment.At.IsZero() || !t.Appointment.At.After(now.Add(-time.Hour)) {
				f.Add("appointment.at", "must be a future time (RFC 3339)")
			} else if t.Appointment.At.After(now.AddDate(1, 0, 0)) {
				f.Add("appointment.at", "must be within a year")
			}
			f.Line("appointment.location", t.Appointment.Location, MaxReasonLen, true)
			a := *t.Appointment
			a.At = a.At.UTC()
			ev.Appointment = &a
		}
	}
	if err := f.Err(); err != nil {
		return err
	}
	switch t.To {
	case Declined:
		r.Decline = &Decline{Reason: t.Reason, Note: t.Note}
	case NeedsInfo:
		r.Question, r.HeldFrom = t.Note, r.Status
	case Contacted:
		r.ContactAttempts++
	case Scheduled:
		r.Appointment = ev.Appointment
	}
	r.Status = ev.To
	r.Timeline = append(r.Timeline, ev)
	r.UpdatedAt = now
	r.Version++
	return nil
}

// Answer is the referrer's reply to a needs-info question, with any missing fields.
type Answer struct {
	Answer    string        `json:"answer"`
	Patient   *AnswerFields `json:"patient,omitempty"`
	Insurance string        `json:"insurance,omitempty"`
	// Country is the practice's, in which a phone is read; set by the API, never sent.
	Country string `json:"-"`
}

// AnswerFields are the patient fields a referrer may add when answering.
type AnswerFields struct {
	Phone string `json:"phone,omitempty"`
	Email string `json:"email,omitempty"`
}

// ApplyAnswer records the referrer's answer and returns the referral to where it was held.
func (r *Referral) ApplyAnswer(a Answer, by Actor, now time.Time) error {
	if r.Status != NeedsInfo {
		return ErrNotWaiting
	}
	a.Answer = strings.TrimSpace(a.Answer)
	a.Insurance = strings.TrimSpace(a.Insurance)
	var f valid.Fields
	f.Lines("answer", a.Answer, MaxNoteLen, true)
	if a.Patient != nil {
		a.Patient.Phone, a.Patient.Email = phone.Normalize(a.Patient.Phone, a.Country), strings.TrimSpace(a.Patient.Email)
		validatePhoneEmail(&f, a.Patient.Phone, a.Patient.Email, a.Country)
	}
	f.Line("insurance", a.Insurance, MaxShortLen, false)
	if err := f.Err(); err != nil {
		return err
	}
	if a.Patient != nil {
		if a.Patient.Phone != "" {
			r.Patient.Phone = a.Patient.Phone
		}
		if a.Patient.Email != "" {
			r.Patient.Email = a.Patient.Email
		}
	}
	if a.Insurance != "" {
		r.Insurance = a.Insurance
	}
	back := r.HeldFrom
	if back == "" {
		back = Received
	}
	r.Timeline = append(r.Timeline, Event{At: now, By: by, From: NeedsInfo, To: back, Answer: a.Answer})
	r.Status, r.Question, r.HeldFrom = back, "", ""
	r.UpdatedAt = now
	r.Version++
	return nil
}

func listOrNone(l []string) string {
	if len(l) == 0 {
		return "nothing (it is final)"
	}
	s := append([]string(nil), l...)
	sort.Strings(s)
	return strings.Join(s, ", ")
}

// ForReferrer is the referral as its referrer may see it: without the patient's consent to share
// outcomes, an outcome status reads as the table says (scheduled), the moves the referrer may not
// see are left out of the timeline, and nothing else tells of them: the version counts only the
// changes the referrer can see (a move they see, or their view's status changing), updatedAt is the
// last of those (or their own rating), and the appointment is the one they were shown. So a hidden
// no-show, its rebooking or the visit moves neither the referrer's version nor their ETag, and a
// referrer's If-Match is checked against this version.
func (r Referral) ForReferrer() Referral {
	consent := r.Patient.ConsentToShareOutcomes
	if consent {
		return r
	}
	r.Status = r.Status.ForReferrer(consent)
	var tl []Event
	version, shown := 0, Status("")
	if len(r.Timeline) > 0 {
		shown = r.Timeline[0].From.ForReferrer(consent) // "" for the submission
	}
	updated := r.CreatedAt
	var appt *Appointment
	for _, e := range r.Timeline {
		seen := ReferrerSeesMove(e.From, e.To, consent)
		if now := e.To.ForReferrer(consent); seen || now != shown {
			version++
			updated = e.At
			shown = now
		}
		if !seen {
			continue
		}
		if e.To.stage().outcomeNote {
			e.Note = ""
		}
		tl = append(tl, e)
		if e.Appointment != nil {
			appt = e.Appointment
		}
	}
	r.Timeline = tl
	if version > 0 { // a referral without a timeline (none is made so) keeps what it has
		r.Version, r.UpdatedAt = version, updated
	}
	if appt != nil {
		r.Appointment = appt
	}
	if r.Rating != nil && r.Rating.At.After(r.UpdatedAt) {
		r.UpdatedAt = r.Rating.At
	}
	return r
}
