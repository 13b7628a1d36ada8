// Package partner holds referring offices (partners) and the people who refer for them.
package partner

import (
	"strings"
	"time"

	"github.com/referloop/referloop/pkg/practice"
	"github.com/referloop/referloop/pkg/valid"
)

// Kinds of referring partners. "patient" is a patient who refers others (word of mouth); "self"
// stands for patients who refer themselves.
var Kinds = []string{"pcp", "specialist", "chiropractor", "therapist", "hospital", "employer", KindPatient, KindSelf, "other"}

// The partner kinds that are not providers.
const (
	KindPatient = "patient"
	KindSelf    = "self"
)

// Source kinds: how metrics group partners (product.md: provider, patient and self referrals).
const (
	SourceProvider = "provider"
	SourcePatient  = "patient"
	SourceSelf     = "self"
)

// SourceKind is the source kind of a partner kind.
func SourceKind(kind string) string {
	switch kind {
	case KindPatient:
		return SourcePatient
	case KindSelf:
		return SourceSelf
	}
	return SourceProvider
}

// Partner is a referring office of a practice.
type Partner struct {
	ID           string `json:"id"`
	Name         string `json:"name"`
	Kind         string `json:"kind"`
	Specialty    string `json:"specialty"`
	NPI          string `json:"npi"`
	ContactEmail string `json:"contactEmail"`
	// StatusUpdates is how the partner's referrers hear about status changes.
	StatusUpdates string    `json:"statusUpdates"`
	CreatedAt     time.Time `json:"createdAt"`
	// Unconfirmed marks a source that signed itself up from the practice's public page: its details
	// are the person's own until staff confirm it (or merge it into a partner they know).
	Unconfirmed bool `json:"unconfirmed,omitempty"`

	// The full record (issue 11); every field is optional, so items written before it read as they
	// were.
	Details
	// Version guards edits (If-Match); 0 on an item written before versions, read as 1.
	Version   int        `json:"version"`
	UpdatedAt *time.Time `json:"updatedAt,omitempty"`
	// ArchivedAt is when staff archived the partner: it stays (its referrals point at it) but leaves
	// the working lists. MergedInto is the partner it was merged into (then it is archived too).
	ArchivedAt *time.Time `json:"archivedAt,omitempty"`
	MergedInto string     `json:"mergedInto,omitempty"`
	// MergedFrom lists the partners merged into this one (merge.go): their referrals stay under
	// their own keys and are read with this partner's.
	MergedFrom []string `json:"mergedFrom,omitempty"`
	// FirstReferralAt and LastReferralAt are kept by the notifier as referrals arrive (the stage's
	// O(1) input); ReferralCount counts them.
	FirstReferralAt *time.Time `json:"firstReferralAt,omitempty"`
	LastReferralAt  *time.Time `json:"lastReferralAt,omitempty"`
	ReferralCount   int        `json:"referralCount,omitempty"`
	// ImportID is the import that created the partner, if one did.
	ImportID string `json:"importId,omitempty"`
	// Stage is derived on read (StageOf), never stored.
	Stage string `json:"stage,omitempty"`
}

// Status update preferences.
const (
	UpdatesEach   = "each"
	UpdatesDigest = "digest"
	UpdatesNone   = "none"
)

// Input is what staff send to add a partner.
type Input struct {
	Name          string `json:"name"`
	Kind          string `json:"kind"`
	Specialty     string `json:"specialty"`
	NPI           string `json:"npi"`
	ContactEmail  string `json:"contactEmail"`
	StatusUpdates string `json:"statusUpdates,omitempty"`
	Details
}

// Referrer is a person who refers patients for a partner: the identity (practice, email).
type Referrer struct {
	ID        string    `json:"id"`
	PartnerID string    `json:"partnerId"`
	Email     string    `json:"email"`
	Name      string    `json:"name"`
	CreatedAt time.Time `json:"createdAt"`
	// DeactivatedAt is when staff deactivated the referrer: their sessions ended then, and they get
	// no new link until they are invited again.
	DeactivatedAt *time.Time `json:"deactivatedAt,omitempty"`
	// Invitation is the referrer's pending invitation: set when staff invite them, gone once they
	// sign in (then they are active).
	Invitation *practice.Invitation `json:"invitation,omitempty"`
	// FormerPartnerIDs are the partners the referrer referred for before theirs was merged into
	// another (merge.go): their own list still finds the referrals stored under those.
	FormerPartnerIDs []string `json:"formerPartnerIds,omitempty"`
}

// Normalize trims the input.
func (in *Input) Normalize() {
	in.Name = strings.TrimSpace(in.Name)
	in.Kind = strings.ToLower(strings.TrimSpace(in.Kind))
	in.Specialty = strings.TrimSpace(in.Specialty)
	in.NPI = strings.ReplaceAll(strings.TrimSpace(in.NPI), " ", "")
	in.ContactEmail = strings.TrimSpace(in.ContactEmail)
	in.StatusUpdates = strings.ToLower(strings.TrimSpace(in.StatusUpdates))
	if in.StatusUpdates == "" {
		in.StatusUpdates = UpdatesEach
	}
	in.Details.normalize()
}

// Validate checks a new partner.
func (in *Input) Validate() error {
	var f valid.Fields
	f.Line("name", in.Name, practice.MaxNameLen, true)
	if !validKind(in.Kind) {
		f.Add("kind", "must be one of "+strings.Join(Kinds, ", "))
	}
	f.Line("specialty", in.Specialty, practice.MaxNameLen, false)
	if in.NPI != "" && !ValidNPI(in.NPI) {
		f.Add("npi", "must be a 10-digit NPI with a valid check digit")
	}
	practice.ValidateEmail(&f, "contactEmail", in.ContactEmail, false)
	switch in.StatusUpdates {
	case UpdatesEach, UpdatesDigest, UpdatesNone:
	default:
		f.Add("statusUpdates", "must be each, digest or none")
	}
	in.Details.validate(&f)
	return f.Err()
}

func validKind(k string) bool {
	for _, v := range Kinds {
		if k == v {
			return true
		}
	}
	return false
}

// ValidNPI checks a National Provider Identifier: 10 digits whose last is a Luhn check digit over
// the prefix 80840 and the first nine digits.
func ValidNPI(npi string) bool {
	if len(npi) != 10 {
		return false
	}
	for _, c := range npi {
		if c < '0' || c > '9' {
			return false
		}
	}
	digits := "80840" + npi[:9]
	sum := 0
	double := true
	for i := len(digits) - 1; i >= 0; i-- {
		d := int(digits[i] - '0')
		if double {
			d *= 2
			if d > 9 {
				d -= 9
			}
		}
		sum += d
		double = !double
	}
	return int(npi[9]-'0') == (10-sum%10)%10
}
