package httpapi

import (
	"net/http"
	"strconv"
	"time"

	"github.com/referloop/referloop/pkg/auth"
	"github.com/referloop/referloop/pkg/practice"
	"github.com/referloop/referloop/pkg/referral"
)

// ReferralView is a referral as the API shows one (docs/openapi.yaml Referral): what the session
// may see of it, with the derived fhirStatus, ref, allowed and overdue. Reads and changes answer it
// with its version as ETag.
type ReferralView struct {
	ReferralSummary
	Note       string            `json:"note,omitempty"`
	Insurance  string            `json:"insurance,omitempty"`
	FormMillis int64             `json:"formMillis,omitempty"`
	Decline    *referral.Decline `json:"decline,omitempty"`
	Timeline   []referral.Event  `json:"timeline"`
}

// ReferralSummary is a referral in a list (docs/openapi.yaml ReferralSummary): the fields the work
// queue's index (GSI1) projects, so a staff list never needs the items themselves. A test holds its
// fields to template.yaml's projection.
type ReferralSummary struct {
	ID              string                `json:"id"`
	Ref             string                `json:"ref"`
	Status          referral.Status       `json:"status"`
	FHIRStatus      string                `json:"fhirStatus"`
	Urgency         string                `json:"urgency"`
	Reason          string                `json:"reason"`
	Patient         referral.Patient      `json:"patient"`
	Referrer        referral.Person       `json:"referrer"`
	Partner         referral.PartnerRef   `json:"partner"`
	CreatedAt       time.Time             `json:"createdAt"`
	UpdatedAt       time.Time             `json:"updatedAt"`
	ContactBy       time.Time             `json:"contactBy"`
	Version         int                   `json:"version"`
	ContactAttempts int                   `json:"contactAttempts"`
	Appointment     *referral.Appointment `json:"appointment,omitempty"`
	Question        string                `json:"question,omitempty"`
	Rating          *referral.Rating      `json:"rating,omitempty"`
	Overdue         bool                  `json:"overdue,omitempty"`
	// Allowed is for staff: the statuses they may move the referral to now.
	Allowed []referral.Status `json:"allowed,omitempty"`
}

// seenBy is the referral as the session may see it: staff see all of it, a referrer sees what
// the lifecycle shows referrers.
func seenBy(ref referral.Referral, c *auth.Claims) referral.Referral {
	if practice.IsStaff(c.Role) {
		return ref
	}
	return ref.ForReferrer()
}

func summaryOf(ref referral.Referral, now time.Time) ReferralSummary {
	return ReferralSummary{ID: ref.ID, Ref: ref.Ref(), Status: ref.Status, FHIRStatus: ref.Status.FHIR(),
		Urgency: ref.Urgency, Reason: ref.Reason, Patient: ref.Patient, Referrer: ref.Referrer, Partner: ref.Partner,
		CreatedAt: ref.CreatedAt, UpdatedAt: ref.UpdatedAt, ContactBy: ref.ContactBy, Version: ref.Version,
		ContactAttempts: ref.ContactAttempts, Appointment: ref.Appointment, Question: ref.Question, Rating: ref.Rating,
		Overdue: ref.Overdue(now)}
}

// summary is a list item as the session may see it.
func (d *Deps) summary(ref referral.Referral, c *auth.Claims) ReferralSummary {
	s := summaryOf(seenBy(ref, c), d.now())
	if practice.IsStaff(c.Role) {
		s.Allowed = ref.Allowed()
		if s.Allowed == nil {
			s.Allowed = []referral.Status{}
		}
	}
	return s
}

// view is the referral as the session may see it, in full.
func (d *Deps) view(ref referral.Referral, c *auth.Claims) ReferralView {
	seen := seenBy(ref, c)
	v := ReferralView{ReferralSummary: d.summary(ref, c), Note: seen.Note, Insurance: seen.Insurance,
		FormMillis: seen.FormMillis, Decline: seen.Decline, Timeline: seen.Timeline}
	if v.Timeline == nil {
		v.Timeline = []referral.Event{}
	}
	return v
}

func writeReferral(w http.ResponseWriter, status int, v ReferralView) {
	w.Header().Set("ETag", strconv.Quote(strconv.Itoa(v.Version)))
	writeJSON(w, status, v)
}
