// Package practice holds a tenant (a practice) and its published intake profile: what it treats,
// who is not a match, insurance notes, its intake contact and how fast it promises to reach patients.
package practice

import (
	"fmt"
	"net/mail"
	"strings"
	"time"
	"unicode"

	"github.com/referloop/referloop/pkg/fold"

	"github.com/referloop/referloop/pkg/phone"
	"github.com/referloop/referloop/pkg/valid"
)

// Roles of the people who act for a practice or refer to it.
const (
	RoleOwner    = "owner"
	RoleStaff    = "staff"
	RoleReferrer = "referrer"
)

// IsStaff reports whether role works the practice's pipeline.
func IsStaff(role string) bool { return role == RoleOwner || role == RoleStaff }

// Contact is the practice's designated intake contact.
type Contact struct {
	Name  string `json:"name"`
	Phone string `json:"phone"`
	Email string `json:"email"`
}

// ContactBy is the promised time, in hours, to first contact a referred patient.
type ContactBy struct {
	Default int `json:"default"`
	Urgent  int `json:"urgent"`
	// Soon is the deadline of a referral marked "soon" (0 in a practice stored before the
	// setting: the default's hours, as it was).
	Soon int `json:"soon,omitempty"`
}

// Defaults the product starts a practice with.
var DefaultContactBy = ContactBy{Default: 48, Urgent: 24, Soon: 36}

// Profile is the intake profile a practice publishes to its referrers.
type Profile struct {
	Name           string    `json:"name"`
	Slug           string    `json:"slug"`
	Conditions     []string  `json:"conditions"`
	NotAMatch      string    `json:"notAMatch"`
	InsuranceNotes string    `json:"insuranceNotes"`
	IntakeContact  Contact   `json:"intakeContact"`
	ContactByHours ContactBy `json:"contactByHours"`
	// PatientDisplayName is how patients' messages and the status page name the practice: a
	// neutral name, since the practice's own ("Bravo Oncology") can tell a diagnosis to whoever
	// reads a patient's mail or phone. Empty: DefaultPatientDisplayName.
	PatientDisplayName string `json:"patientDisplayName"`
	// Country (ISO 3166-1 alpha-2) is where phone numbers typed without a country code are read
	// (empty: phone.DefaultCountry); TimeZone (IANA) is the practice's local time, in which its
	// pages and emails show times and its days end (empty: UTC). See local.go.
	Country  string `json:"country"`
	TimeZone string `json:"timeZone"`
}

// DefaultPatientDisplayName names a practice to its patients when it set no display name.
const DefaultPatientDisplayName = "Your care team"

// PatientName is the practice's name as its patients read it: its display name, never its name.
func (p Profile) PatientName() string {
	if p.PatientDisplayName != "" {
		return p.PatientDisplayName
	}
	return DefaultPatientDisplayName
}

// NewFor is how long a practice counts as new: in its first days it gets lower limits on what it
// can make Referloop send (invitations, referrals and the messages they bring, texts).
const NewFor = 7 * 24 * time.Hour

// IsNew reports whether the practice is in its first days at now.
func (p Practice) IsNew(now time.Time) bool {
	return !p.CreatedAt.IsZero() && now.Sub(p.CreatedAt) < NewFor
}

// Practice is a tenant.
type Practice struct {
	ID        string    `json:"id"`
	CreatedAt time.Time `json:"createdAt"`
	UpdatedAt time.Time `json:"updatedAt"`
	Version   int       `json:"version"`
	Profile
}

// Limits on the profile's fields.
const (
	MaxConditions   = 40
	MaxConditionLen = 80
	MaxNameLen      = 120
	MaxTextLen      = 1000
	// MaxSlugLen is the longest slug (the practice's link).
	MaxSlugLen = 48
)

// ValidateName checks a practice name.
func ValidateName(f *valid.Fields, field, name string) {
	name = strings.TrimSpace(name)
	f.Line(field, name, MaxNameLen, true)
	if name != "" && Slugify(name) == "" {
		f.Add(field, "needs at least one letter or digit")
	}
}

// ValidateEmail checks an email address field.
func ValidateEmail(f *valid.Fields, field, email string, required bool) {
	email = strings.TrimSpace(email)
	if email == "" {
		if required {
			f.Add(field, "is required")
		}
		return
	}
	if len(email) > 254 {
		f.Add(field, "must be at most 254 characters")
		return
	}
	a, err := mail.ParseAddress(email)
	if err != nil || a.Address != email || !strings.Contains(email[strings.LastIndexByte(email, '@'):], ".") {
		f.Add(field, "must be an email address like name@example.com")
	}
}

// ValidatePhone checks a phone number as read in the default country (pkg/phone); the profile and
// referrals read theirs in the practice's country.
func ValidatePhone(f *valid.Fields, field, number string) {
	if number = strings.TrimSpace(number); number == "" {
		return
	}
	if _, err := phone.Parse(number, phone.DefaultCountry); err != nil {
		f.Add(field, err.Error())
	}
}

// Normalize trims the profile's text and drops empty and repeated conditions.
func (p *Profile) Normalize() {
	p.Name = strings.TrimSpace(p.Name)
	p.PatientDisplayName = strings.TrimSpace(p.PatientDisplayName)
	p.NotAMatch = strings.TrimSpace(p.NotAMatch)
	p.InsuranceNotes = strings.TrimSpace(p.InsuranceNotes)
	p.IntakeContact.Name = strings.TrimSpace(p.IntakeContact.Name)
	p.IntakeContact.Phone = strings.TrimSpace(p.IntakeContact.Phone)
	p.IntakeContact.Email = strings.TrimSpace(p.IntakeContact.Email)
	seen := map[string]bool{}
	out := make([]string, 0, len(p.Conditions))
	for _, c := range p.Conditions {
		c = strings.TrimSpace(c)
		if c == "" || seen[strings.ToLower(c)] {
			continue
		}
		seen[strings.ToLower(c)] = true
		out = append(out, c)
	}
	p.Conditions = out
}

// Validate checks a profile as sent by staff (after Normalize).
func (p *Profile) Validate() error {
	var f valid.Fields
	ValidateName(&f, "name", p.Name)
	f.Line("patientDisplayName", p.PatientDisplayName, MaxNameLen, false)
	if len(p.Conditions) > MaxConditions {
		f.Addf("conditions", "at most %d conditions", MaxConditions)
	}
	for i, c := range p.Conditions {
		f.Line(fmt.Sprintf("conditions.%d", i), c, MaxConditionLen, false)
	}
	f.Lines("notAMatch", p.NotAMatch, MaxTextLen, false)
	f.Lines("insuranceNotes", p.InsuranceNotes, MaxTextLen, false)
	f.Line("intakeContact.name", p.IntakeContact.Name, MaxNameLen, false)
	ValidateEmail(&f, "intakeContact.email", p.IntakeContact.Email, false)
	validateLocal(&f, p)
	h := p.ContactByHours
	if h.Soon != 0 && (h.Soon < 1 || h.Soon > 24*14) {
		f.Add("contactByHours.soon", "must be between 1 and 336 hours")
	} else if h.Soon != 0 && (h.Soon > h.Default || h.Soon < h.Urgent) {
		f.Add("contactByHours.soon", "must be between the urgent and the default hours")
	}
	if h.Default < 1 || h.Default > 24*14 {
		f.Add("contactByHours.default", "must be between 1 and 336 hours")
	}
	if h.Urgent < 1 || h.Urgent > 24*14 {
		f.Add("contactByHours.urgent", "must be between 1 and 336 hours")
	} else if h.Default >= 1 && h.Urgent > h.Default {
		f.Add("contactByHours.urgent", "must not be longer than the default")
	}
	return f.Err()
}

// Slugify turns a practice name into a URL slug: lower-case ASCII letters and digits joined by dashes.
func Slugify(name string) string {
	var words []string
	var w strings.Builder
	flush := func() {
		if w.Len() > 0 {
			words = append(words, w.String())
			w.Reset()
		}
	}
	for _, r := range fold.Compatible(name) {
		switch {
		case r < 128 && (unicode.IsLetter(r) || unicode.IsDigit(r)):
			w.WriteRune(unicode.ToLower(r))
		case unicode.Is(unicode.Mn, r): // accents fall away: é → e
		default:
			flush()
		}
	}
	flush()
	// At most MaxSlugLen characters, cut at a word: a long name keeps whole words.
	slug := ""
	for _, word := range words {
		next := word
		if slug != "" {
			next = slug + "-" + word
		}
		if len(next) > MaxSlugLen {
			if slug == "" {
				slug = word[:MaxSlugLen] // one very long word
			}
			break
		}
		slug = next
	}
	return slug
}
