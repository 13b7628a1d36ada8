package referral

import (
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/referloop/referloop/pkg/problem"
)

// FHIR maps each status to its FHIR R4 Task.status.
var FHIR = map[string]string{
	Received: "requested", Accepted: "accepted", Declined: "rejected", NeedsInfo: "on-hold",
	Contacted: "in-progress", Scheduled: "in-progress", NoShow: "on-hold", Seen: "completed",
	Closed: "completed", Unreachable: "failed", Cancelled: "cancelled",
}

// moves lists the statuses staff may move a referral to from each status. needs-info leaves only
// through the referrer's answer (back where it was) or a cancellation.
var moves = map[string][]string{
	Received:    {Accepted, Declined, NeedsInfo, Cancelled},
	NeedsInfo:   {Cancelled},
	Accepted:    {Contacted, NeedsInfo, Declined, Cancelled},
	Contacted:   {Contacted, Scheduled, Unreachable, Cancelled},
	Scheduled:   {Seen, NoShow, Scheduled, Cancelled},
	NoShow:      {Scheduled, Unreachable, Cancelled},
	Seen:        {Closed},
	Closed:      nil,
	Declined:    nil,
	Unreachable: nil,
	Cancelled:   nil,
}

// UnreachableAfter is how many contact attempts come before a referral may be marked unreachable.
const UnreachableAfter = 3

// DeclineReasons are the fixed reasons a practice declines a referral for.
var DeclineReasons = []string{"not-a-match", "insurance", "no-capacity", "referred-elsewhere", "patient-declined", "other"}

// Contact outcomes and channels of a logged attempt.
var (
	ContactOutcomes = []string{"reached", "no-answer", "voicemail", "wrong-number"}
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
	From        string       `json:"from,omitempty"`
	To          string       `json:"to"`
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
	To          string       `json:"to"`
	Reason      string       `json:"reason,omitempty"`
	Note        string       `json:"note,omitempty"`
	Appointment *Appointment `json:"appointment,omitempty"`
	Contact     *Contact     `json:"contact,omitempty"`
}

// Allowed returns the statuses staff may move r to now.
func (r Referral) Allowed() []string {
	var out []string
	for _, to := range moves[r.Status] {
		if to == Unreachable && r.ContactAttempts < UnreachableAfter && r.Status == Contacted {
			continue
		}
		out = append(out, to)
	}
	return out
}

// Open reports whether the referral is still in the practice's hands.
func Open(status string) bool {
	switch status {
	case Received, NeedsInfo, Accepted, Contacted, Scheduled, NoShow:
		return true
	}
	return false
}

// Overdue reports whether nobody has reached out yet and the contact-by deadline has passed.
func (r Referral) Overdue(now time.Time) bool {
	return (r.Status == Received || r.Status == Accepted || r.Status == NeedsInfo) && now.After(r.ContactBy)
}

func contains(list []string, v string) bool {
	for _, x := range list {
		if x == v {
			return true
		}
	}
	return false
}

// Apply moves r by t, stamping the timeline, or returns a problem: 422 naming the allowed moves for
// an illegal one, or field errors for missing details.
func (r *Referral) Apply(t Transition, by Actor, now time.Time) error {
	t.Note = strings.TrimSpace(t.Note)
	t.Reason = strings.TrimSpace(t.Reason)
	allowed := r.Allowed()
	if !ValidStatus(t.To) || !contains(allowed, t.To) {
		p := problem.New(422, "illegal-transition", "This move is not allowed now",
			fmt.Sprintf("a %s referral can move to: %s", r.Status, listOrNone(allowed)))
		p.Allowed = append([]string{}, allowed...)
		if p.Allowed == nil {
			p.Allowed = []string{}
		}
		return p
	}
	var f problem.Fields
	if n := len([]rune(t.Note)); n > MaxNoteLen {
		f.Addf("note", "must be at most %d characters", MaxNoteLen)
	}
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
			if t.Appointment.Location == "" {
				f.Add("appointment.location", "is required")
			} else if len([]rune(t.Appointment.Location)) > MaxReasonLen {
				f.Addf("appointment.location", "must be at most %d characters", MaxReasonLen)
			}
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
	r.Status = t.To
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
}

// AnswerFields are the patient fields a referrer may add when answering.
type AnswerFields struct {
	Phone string `json:"phone,omitempty"`
	Email string `json:"email,omitempty"`
}

// ApplyAnswer records the referrer's answer and returns the referral to where it was held.
func (r *Referral) ApplyAnswer(a Answer, by Actor, now time.Time) error {
	if r.Status != NeedsInfo {
		p := problem.New(409, "not-waiting", "No question is open", "this referral is not waiting for an answer")
		return p
	}
	a.Answer = strings.TrimSpace(a.Answer)
	a.Insurance = strings.TrimSpace(a.Insurance)
	var f problem.Fields
	if a.Answer == "" {
		f.Add("answer", "is required")
	} else if len([]rune(a.Answer)) > MaxNoteLen {
		f.Addf("answer", "must be at most %d characters", MaxNoteLen)
	}
	if a.Patient != nil {
		a.Patient.Phone, a.Patient.Email = strings.TrimSpace(a.Patient.Phone), strings.TrimSpace(a.Patient.Email)
		validatePhoneEmail(&f, a.Patient.Phone, a.Patient.Email)
	}
	if len([]rune(a.Insurance)) > MaxShortLen {
		f.Addf("insurance", "must be at most %d characters", MaxShortLen)
	}
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

// ForReferrer is the referral as its referrer may see it: without patient consent to share
// outcomes, "seen" and "no-show" (and their timeline entries) are not shown; the referral reads as
// scheduled until it is closed.
func (r Referral) ForReferrer() Referral {
	if r.Patient.ConsentToShareOutcomes {
		return r
	}
	if r.Status == Seen || r.Status == NoShow {
		r.Status = Scheduled
	}
	var tl []Event
	for _, e := range r.Timeline {
		if e.To == Seen || e.To == NoShow || e.From == NoShow {
			continue
		}
		tl = append(tl, e)
	}
	r.Timeline = tl
	return r
}
