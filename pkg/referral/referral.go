// Package referral holds a referral: the minimum a referrer sends, its rules, and its lifecycle.
// It imports no AWS package.
package referral

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/referloop/referloop/pkg/ids"
	"github.com/referloop/referloop/pkg/phone"
	"github.com/referloop/referloop/pkg/practice"
	"github.com/referloop/referloop/pkg/valid"
)

// Urgencies a referrer can choose.
const (
	Routine = "routine"
	Soon    = "soon"
	Urgent  = "urgent"
)

// Limits of free text.
const (
	MaxNoteLen   = 1000
	MaxReasonLen = 200
	MaxShortLen  = 120
	// IdempotencyWindow is how old a client-made key may be.
	IdempotencyWindow = 24 * time.Hour
)

// Patient is who is referred. All of it is PHI: it never goes to logs, URLs or emails.
type Patient struct {
	FirstName              string `json:"firstName"`
	LastName               string `json:"lastName"`
	DateOfBirth            string `json:"dateOfBirth"`
	Phone                  string `json:"phone,omitempty"`
	Email                  string `json:"email,omitempty"`
	ConsentToContact       bool   `json:"consentToContact"`
	ConsentToShareOutcomes bool   `json:"consentToShareOutcomes"`
}

// Submission is the body of POST /v1/referrals: the minimum referral of the product brief.
type Submission struct {
	Patient    Patient `json:"patient"`
	Reason     string  `json:"reason"`
	Urgency    string  `json:"urgency"`
	Note       string  `json:"note,omitempty"`
	Insurance  string  `json:"insurance,omitempty"`
	FormMillis int64   `json:"formMillis,omitempty"`
	// Country is the practice's (ISO 3166-1 alpha-2), in which the patient's phone is read; set
	// by the API, never sent.
	Country string `json:"-"`
}

// Person names a referrer on a referral.
type Person struct {
	Name  string `json:"name"`
	Email string `json:"email"`
}

// PartnerRef names the referring office.
type PartnerRef struct {
	ID   string `json:"id"`
	Name string `json:"name"`
}

// Referral is one referral: what was sent, where it is in its lifecycle, and its timeline. It has
// no wire shape of its own: the store keeps it as its own record and the API shows views of it.
type Referral struct {
	ID         string
	Status     Status
	Urgency    string
	Reason     string
	Patient    Patient
	Note       string
	Insurance  string
	Referrer   Person
	Partner    PartnerRef
	CreatedAt  time.Time
	UpdatedAt  time.Time
	ContactBy  time.Time
	Version    int
	FormMillis int64
	// The closed loop.
	ContactAttempts int
	Appointment     *Appointment
	Decline         *Decline
	Question        string
	// HeldFrom is, while needs-info, the status the referrer's answer returns the referral to.
	HeldFrom Status
	Rating   *Rating
	// CodeResends counts the times staff had the patient's status code sent again (httpapi/statuscode_api.go).
	CodeResends int
	// Day is the practice's local day (YYYY-MM-DD) the referral arrived on, fixed at submit: the
	// metrics' day it counts in, whatever the practice's time zone later becomes ("" for a
	// referral made before: its UTC day).
	Day      string
	Timeline []Event
	// LastActor is who made the latest write, from where: the stream consumer audits writes with it.
	LastActor *ActorAt
	// Identity and idempotency.
	TenantID   string
	ReferrerID string
	ULID       string
	BodyHash   string
}

// Normalize trims the submission's text.
func (s *Submission) Normalize() {
	p := &s.Patient
	p.FirstName = strings.TrimSpace(p.FirstName)
	p.LastName = strings.TrimSpace(p.LastName)
	p.DateOfBirth = strings.TrimSpace(p.DateOfBirth)
	p.Phone = phone.Normalize(p.Phone, s.Country)
	p.Email = strings.TrimSpace(p.Email)
	s.Reason = strings.TrimSpace(s.Reason)
	s.Urgency = strings.ToLower(strings.TrimSpace(s.Urgency))
	s.Note = strings.TrimSpace(s.Note)
	s.Insurance = strings.TrimSpace(s.Insurance)
}

// Validate checks a submission (after Normalize) on date now (the date of birth must be past).
func (s *Submission) Validate(now time.Time) error {
	var f valid.Fields
	p := s.Patient
	f.Line("patient.firstName", p.FirstName, MaxShortLen, true)
	f.Line("patient.lastName", p.LastName, MaxShortLen, true)
	ValidateDateOfBirth(&f, "patient.dateOfBirth", p.DateOfBirth, now)
	if p.Phone == "" && p.Email == "" {
		f.Add("patient.phone", "give the patient's phone or email")
	}
	validatePhoneEmail(&f, p.Phone, p.Email, s.Country)
	if !p.ConsentToContact {
		f.Add("patient.consentToContact", "the patient must agree to be contacted by the practice")
	}
	f.Line("reason", s.Reason, MaxReasonLen, true)
	switch s.Urgency {
	case Routine, Soon, Urgent:
	case "":
		f.Add("urgency", "is required")
	default:
		f.Add("urgency", "must be routine, soon or urgent")
	}
	f.Lines("note", s.Note, MaxNoteLen, false)
	f.Line("insurance", s.Insurance, MaxShortLen, false)
	if s.FormMillis < 0 || s.FormMillis > int64(24*time.Hour/time.Millisecond) {
		f.Add("formMillis", "must be between 0 and 86400000")
	}
	return f.Err()
}

func validatePhoneEmail(f *valid.Fields, number, email, country string) {
	if number != "" {
		if _, err := phone.Parse(number, country); err != nil {
			f.Add("patient.phone", err.Error())
		}
	}
	practice.ValidateEmail(f, "patient.email", email, false)
}

// ValidateDateOfBirth checks a YYYY-MM-DD date in the past and not more than 130 years ago.
func ValidateDateOfBirth(f *valid.Fields, field, dob string, now time.Time) {
	if dob == "" {
		f.Add(field, "is required")
		return
	}
	d, err := time.Parse(time.DateOnly, dob)
	if err != nil {
		f.Add(field, "must be a date written YYYY-MM-DD")
		return
	}
	if d.After(now) || d.Before(now.AddDate(-130, 0, 0)) {
		f.Add(field, "must be a past date within the last 130 years")
	}
}

// Hash fingerprints the submission's content, so a retried request can be told from a reused key
// with another body. The form's own timing is not part of it.
func (s Submission) Hash() string {
	s.FormMillis = 0
	b, _ := json.Marshal(s)
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}

// CheckIdempotencyKey checks a client-made key: a ULID whose time is within the window before now
// (and not more than a few minutes ahead, for clock skew). It returns the canonical ULID.
func CheckIdempotencyKey(key string, now time.Time) (string, error) {
	u, at, err := ids.ParseULID(strings.TrimSpace(key))
	switch {
	case key == "":
		return "", valid.Invalid("Idempotency-Key", "the header is required: a ULID made when the form was opened")
	case err != nil:
		return "", valid.Invalid("Idempotency-Key", "must be a ULID (26 characters of Crockford base32)")
	case at.After(now.Add(5*time.Minute)) || at.Before(now.Add(-IdempotencyWindow)):
		return "", valid.Invalid("Idempotency-Key", "must be a ULID made within the last 24 hours")
	}
	return u, nil
}

// ContactByFor is the deadline to first contact a patient referred at t with the given urgency.
func ContactByFor(t time.Time, urgency string, h practice.ContactBy) time.Time {
	hours := h.Default
	switch urgency {
	case Urgent:
		hours = h.Urgent
	case Soon:
		if h.Soon > 0 {
			hours = h.Soon
		}
	}
	if hours <= 0 {
		hours = practice.DefaultContactBy.Default
	}
	return t.Add(time.Duration(hours) * time.Hour)
}

// ID joins the parts a referral's key is made of into its public id: partner, referrer, ULID.
func ID(partnerID, referrerID, ulid string) string {
	return partnerID + "." + referrerID + "." + ulid
}

// ParseID splits a public id; ok is false for anything that is not one.
func ParseID(id string) (partnerID, referrerID, ulid string, ok bool) {
	parts := strings.Split(id, ".")
	if len(parts) != 3 || !strings.HasPrefix(parts[0], "p_") || !strings.HasPrefix(parts[1], "r_") ||
		len(parts[0]) > 40 || len(parts[1]) > 40 {
		return "", "", "", false
	}
	u, _, err := ids.ParseULID(parts[2])
	if err != nil {
		return "", "", "", false
	}
	return parts[0], parts[1], u, true
}

// New makes a received referral from a valid submission.
func New(tenantID string, partner PartnerRef, referrerID string, referrer Person, ulid string,
	s Submission, now time.Time, h practice.ContactBy) Referral {
	return Referral{
		ID: ID(partner.ID, referrerID, ulid), ULID: ulid, TenantID: tenantID,
		Status: Received, Urgency: s.Urgency, Reason: s.Reason, Patient: s.Patient,
		Note: s.Note, Insurance: s.Insurance, Referrer: referrer, Partner: partner, ReferrerID: referrerID,
		CreatedAt: now, UpdatedAt: now, ContactBy: ContactByFor(now, s.Urgency, h), Version: 1,
		FormMillis: s.FormMillis, BodyHash: s.Hash(),
		Timeline: []Event{{At: now, By: Actor{Name: referrer.Name, Role: "referrer"}, To: Received}},
	}
}

// Ref is the short reference used in emails and on the phone: never PHI.
func (r Referral) Ref() string {
	if len(r.ULID) < 8 {
		return "R-" + r.ULID
	}
	return "R-" + r.ULID[len(r.ULID)-8:]
}

// String never prints PHI: a referral in a log line is its id and status only.
func (r Referral) String() string { return fmt.Sprintf("referral %s (%s)", r.ID, r.Status) }
