package partner

import (
	"slices"
	"strings"
	"time"

	"github.com/referloop/referloop/pkg/metrics"
	"github.com/referloop/referloop/pkg/phone"
	"github.com/referloop/referloop/pkg/practice"
	"github.com/referloop/referloop/pkg/valid"
)

// Details is the partner record beyond its name, kind, specialty, NPI and email: where it is, how
// to reach it, how the practice groups it, and who on the team owns the relationship.
type Details struct {
	Organization string `json:"organization,omitempty"`
	Address      string `json:"address,omitempty"`
	ZIP          string `json:"zip,omitempty"`
	// Phone and Fax are E.164 (+15551234567); typed US numbers are read with country US.
	Phone string   `json:"phone,omitempty"`
	Fax   string   `json:"fax,omitempty"`
	Tags  []string `json:"tags,omitempty"`
	// Liaison is the member id (their address's key, as GET /v1/members gives it) of the team member
	// who owns the relationship.
	Liaison string `json:"liaison,omitempty"`
}

// Limits of the record's fields.
const (
	MaxTags   = 20
	MaxTagLen = 40
)

// Stages of a partner. Prospect, active and quiet are derived from its referrals; archived is set.
const (
	StageProspect = "prospect"
	StageActive   = "active"
	StageQuiet    = "quiet"
	StageArchived = "archived"
)

// Stages lists the stages in their order.
var Stages = []string{StageProspect, StageActive, StageQuiet, StageArchived}

func (d *Details) normalize() {
	d.Organization = strings.TrimSpace(d.Organization)
	d.Address = strings.Join(strings.Fields(d.Address), " ")
	d.ZIP = strings.TrimSpace(d.ZIP)
	if len(d.ZIP) == 9 && allDigits(d.ZIP) {
		d.ZIP = d.ZIP[:5] + "-" + d.ZIP[5:]
	}
	if len(d.ZIP) == 4 && allDigits(d.ZIP) { // a spreadsheet dropped the leading zero
		d.ZIP = "0" + d.ZIP
	}
	d.Phone = strings.TrimSpace(d.Phone)
	d.Fax = strings.TrimSpace(d.Fax)
	d.Liaison = strings.TrimSpace(d.Liaison)
	d.Tags = NormalizeTags(d.Tags)
}

// NormalizeTags trims tags, drops empty ones and duplicates (ignoring case) and sorts them.
func NormalizeTags(tags []string) []string {
	var out []string
	seen := map[string]bool{}
	for _, t := range tags {
		t = strings.Join(strings.Fields(t), " ")
		k := strings.ToLower(t)
		if t == "" || seen[k] {
			continue
		}
		seen[k] = true
		out = append(out, t)
	}
	slices.SortFunc(out, func(a, b string) int { return strings.Compare(strings.ToLower(a), strings.ToLower(b)) })
	return out
}

// validate checks the details and writes the phone and fax numbers in E.164.
func (d *Details) validate(f *valid.Fields) {
	f.Line("organization", d.Organization, practice.MaxNameLen, false)
	f.Line("address", d.Address, 300, false)
	if d.ZIP != "" && !validZIP(d.ZIP) {
		f.Add("zip", "must be a US ZIP code: 5 digits, or ZIP+4 (12345-6789)")
	}
	for _, n := range []struct {
		field string
		v     *string
	}{{"phone", &d.Phone}, {"fax", &d.Fax}} {
		if *n.v == "" {
			continue
		}
		e, ok := Phone(*n.v)
		if !ok {
			f.Add(n.field, "must be a phone number, e.g. (555) 201-4477 or +1 555 201 4477")
			continue
		}
		*n.v = e
	}
	if len(d.Tags) > MaxTags {
		f.Addf("tags", "at most %d tags", MaxTags)
	}
	for _, t := range d.Tags {
		if len([]rune(t)) > MaxTagLen {
			f.Addf("tags", "a tag is at most %d characters", MaxTagLen)
			break
		}
	}
	if d.Liaison != "" && !isMemberID(d.Liaison) {
		f.Add("liaison", "must be a team member's id (GET /v1/members)")
	}
}

// Phone reads a phone number as typed (US when it has no country code) and writes it in E.164; ok
// is false unless it is a valid number (pkg/phone, libphonenumber's rules).
func Phone(s string) (string, bool) {
	n, err := phone.Parse(s, "US")
	if err != nil || !n.Textable {
		return "", false
	}
	return n.E164, true
}

// PhoneDisplay writes an E.164 number as people read it: national form for US numbers, international
// otherwise ("" stays "").
func PhoneDisplay(e164 string) string { return phone.Display(e164, "US") }

func validZIP(z string) bool {
	switch len(z) {
	case 5:
		return allDigits(z)
	case 10:
		return allDigits(z[:5]) && z[5] == '-' && allDigits(z[6:])
	}
	return false
}

func allDigits(s string) bool {
	for _, c := range s {
		if c < '0' || c > '9' {
			return false
		}
	}
	return s != ""
}

func isMemberID(s string) bool {
	if len(s) != 32 {
		return false
	}
	for _, c := range s {
		if (c < '0' || c > '9') && (c < 'a' || c > 'f') {
			return false
		}
	}
	return true
}

// StageOf derives a partner's stage at now: archived when set; prospect while it never referred;
// quiet by the rollups' dormant rule (metrics.Rhythm.Dormant: no referral in more than twice its
// median gap, at least 30 days; with fewer than three referrals, none in 60 days); active otherwise.
// rhythm is the partner's rhythm from the rollup's health view (zero when it has none); the
// partner's own last-referral date, kept by the notifier, is newer than the rollup's by up to a run.
func StageOf(p Partner, rhythm metrics.Rhythm, now time.Time) string {
	if p.ArchivedAt != nil {
		return StageArchived
	}
	if p.LastReferralAt != nil && p.LastReferralAt.Unix() > rhythm.Last {
		rhythm.Last = p.LastReferralAt.Unix()
		if rhythm.Referrals == 0 {
			rhythm.Referrals = max(p.ReferralCount, 1)
		}
	}
	d, ok := rhythm.Dormant(now)
	switch {
	case !ok:
		return StageProspect
	case d.Dormant:
		return StageQuiet
	}
	return StageActive
}

// Apply sets the editable fields of p from in (an edit or an import's row).
func (p *Partner) Apply(in Input) {
	p.Name, p.Kind, p.Specialty, p.NPI, p.ContactEmail, p.StatusUpdates = in.Name, in.Kind, in.Specialty, in.NPI, in.ContactEmail, in.StatusUpdates
	p.Details = in.Details
}

// InputOf is the editable part of p.
func InputOf(p Partner) Input {
	return Input{Name: p.Name, Kind: p.Kind, Specialty: p.Specialty, NPI: p.NPI, ContactEmail: p.ContactEmail,
		StatusUpdates: p.StatusUpdates, Details: p.Details}
}
