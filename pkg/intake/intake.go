// Package intake holds a patient's own referral (/r/{slug}): a patient refers themselves or
// someone they know, says who sent them, and confirms by an emailed link before the referral
// reaches the practice's queue. It imports no AWS package.
package intake

import (
	"strings"
	"time"

	"github.com/referloop/referloop/pkg/partner"
	"github.com/referloop/referloop/pkg/practice"
	"github.com/referloop/referloop/pkg/referral"
	"github.com/referloop/referloop/pkg/valid"
)

// Who the referral is for.
const (
	ForMe      = "me"
	ForSomeone = "someone"
)

// Who sent the patient: the answer to "who sent you?".
const (
	SentByDoctor = "doctor"
	SentByFriend = "friend" // a friend or family member
	SentByAd     = "ad"     // an ad or a search
	SentByOther  = "other"
)

// ConfirmFor is how long the emailed confirmation link works.
const ConfirmFor = 24 * time.Hour

// Request is the body of POST /v1/practices/{slug}/self-referrals.
type Request struct {
	ForWhom string `json:"forWhom"`
	SentBy  string `json:"sentBy"`
	// The doctor the patient names (as they wrote it): text on the referral, never a partner.
	DoctorName     string `json:"doctorName,omitempty"`
	DoctorPractice string `json:"doctorPractice,omitempty"`
	// Who fills the form in, when it is for someone else; the confirmation goes to YourEmail.
	YourName  string           `json:"yourName,omitempty"`
	YourEmail string           `json:"yourEmail,omitempty"`
	Patient   referral.Patient `json:"patient"`
	Reason    string           `json:"reason"`
	Insurance string           `json:"insurance,omitempty"`
	Note      string           `json:"note,omitempty"`
	// Website is the honeypot: a field people never see (hidden, not focusable). A filled one is
	// a bot's: it is answered like a success, and nothing is stored or sent.
	Website    string `json:"website,omitempty"`
	FormMillis int64  `json:"formMillis,omitempty"`
}

// Normalize trims the request.
func (q *Request) Normalize() {
	q.ForWhom = strings.ToLower(strings.TrimSpace(q.ForWhom))
	q.SentBy = strings.ToLower(strings.TrimSpace(q.SentBy))
	q.DoctorName = strings.TrimSpace(q.DoctorName)
	q.DoctorPractice = strings.TrimSpace(q.DoctorPractice)
	q.YourName = strings.TrimSpace(q.YourName)
	q.YourEmail = strings.TrimSpace(q.YourEmail)
	s := q.Submission()
	s.Normalize()
	q.Patient, q.Reason, q.Insurance, q.Note = s.Patient, s.Reason, s.Insurance, s.Note
	if q.SentBy != SentByDoctor {
		q.DoctorName, q.DoctorPractice = "", ""
	}
	if q.ForWhom != ForSomeone {
		q.YourName, q.YourEmail = "", ""
	}
}

// Bot reports whether the honeypot was filled.
func (q *Request) Bot() bool { return strings.TrimSpace(q.Website) != "" }

// Submission is the referral the request makes: the same minimum a referrer sends (routine: the
// practice sets the pace), with the doctor the patient named as a line of the note.
func (q *Request) Submission() referral.Submission {
	s := referral.Submission{Patient: q.Patient, Reason: q.Reason, Urgency: referral.Routine, Insurance: q.Insurance,
		Note: q.Note, FormMillis: q.FormMillis}
	if q.SentBy == SentByDoctor && (q.DoctorName != "" || q.DoctorPractice != "") {
		line := "Sent by a doctor (as the patient wrote it): " + strings.TrimSpace(strings.Join(nonEmpty(q.DoctorName, q.DoctorPractice), ", "))
		if s.Note != "" {
			line += "\n\n" + s.Note
		}
		s.Note = line
	}
	return s
}

func nonEmpty(v ...string) []string {
	var out []string
	for _, s := range v {
		if s != "" {
			out = append(out, s)
		}
	}
	return out
}

// ConfirmTo is the address the confirmation link goes to: the patient's own when it is for them,
// the sender's when it is for someone else.
func (q *Request) ConfirmTo() string {
	if q.ForWhom == ForSomeone {
		return q.YourEmail
	}
	return q.Patient.Email
}

// Validate checks a request (after Normalize) on date now, with the referral form's rules and
// field names, and words for patients.
func (q *Request) Validate(now time.Time) error {
	var f valid.Fields
	switch q.ForWhom {
	case ForMe, ForSomeone:
	default:
		f.Add("forWhom", "choose whether this is for you or for someone you know")
	}
	switch q.SentBy {
	case SentByDoctor, SentByFriend, SentByAd, SentByOther:
	default:
		f.Add("sentBy", "tell us who sent you: a doctor, a friend or family member, an ad or search, or other")
	}
	f.Line("doctorName", q.DoctorName, referral.MaxShortLen, false)
	f.Line("doctorPractice", q.DoctorPractice, referral.MaxShortLen, false)
	if q.ForWhom == ForSomeone {
		f.Line("yourName", q.YourName, referral.MaxShortLen, true)
		practice.ValidateEmail(&f, "yourEmail", q.YourEmail, true)
	} else if q.Patient.Email == "" {
		f.Add("patient.email", "we email you a link to confirm: give your email address")
	}
	s := q.Submission()
	if err := s.Validate(now); err != nil {
		if list, ok := valid.As(err); ok {
			for _, e := range list {
				if words, ok := patientWords[e.Field]; ok && !strings.HasPrefix(e.Detail, "must be") && !strings.HasPrefix(e.Detail, "is too") {
					e.Detail = words
				}
				f.Add(e.Field, e.Detail)
			}
		} else {
			return err
		}
	}
	return f.Err()
}

// patientWords say the referral form's "required" problems to the person filling /r/{slug} in.
var patientWords = map[string]string{
	"patient.consentToContact": "agree that the practice may contact the patient (you, or the person you refer)",
	"patient.phone":            "give a phone number or an email address",
	"patient.firstName":        "give the first name",
	"patient.lastName":         "give the last name",
	"patient.dateOfBirth":      "give the date of birth",
	"reason":                   "tell us in a few words what you need help with",
}

// The partners a practice's patient-made referrals come from: one per source kind, with fixed ids
// (p_ and 12 characters, like every partner id) so each practice's are found without a lookup.
// Their referrers hear nothing (the person who sent the form gets no status updates: the patient
// hears through their own status code).
var (
	DoctorSent = partner.Partner{ID: "p_intakedoctor", Name: "Patients sent by a doctor (their word)", Kind: "other",
		StatusUpdates: partner.UpdatesNone}
	WordOfMouth = partner.Partner{ID: "p_intakefriend", Name: "Patients sent by a friend or family", Kind: partner.KindPatient,
		StatusUpdates: partner.UpdatesNone}
	SelfReferred = partner.Partner{ID: "p_intakeonline", Name: "Patients who found you (self-referrals)", Kind: partner.KindSelf,
		StatusUpdates: partner.UpdatesNone}
)

// Source is the partner a request's referral is tagged with: a doctor → provider, a friend or
// family member → patient, an ad, a search or other → self; someone referring another person is a
// patient's referral (word of mouth) unless a doctor sent them.
func (q *Request) Source() partner.Partner {
	switch {
	case q.SentBy == SentByDoctor:
		return DoctorSent
	case q.SentBy == SentByFriend || q.ForWhom == ForSomeone:
		return WordOfMouth
	}
	return SelfReferred
}

// PartnerByID is the intake partner with id pid.
func PartnerByID(pid string) (partner.Partner, bool) {
	for _, p := range []partner.Partner{DoctorSent, WordOfMouth, SelfReferred} {
		if p.ID == pid {
			return p, true
		}
	}
	return partner.Partner{}, false
}

// SourceOf is the source kind of a referral from partner pid, when it is an intake partner
// ("" otherwise).
func SourceOf(pid string) string {
	if p, ok := PartnerByID(pid); ok {
		return partner.SourceKind(p.Kind)
	}
	return ""
}
