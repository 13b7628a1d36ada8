package partner

import (
	"slices"
	"time"
)

// MaxMerged is how many partners may be merged into one (its mergedFrom list): each is a partition
// read with the partner's referrals.
const MaxMerged = 20

// Merged answers what merging from into into makes of both: into keeps its id, name, kind and
// liaison, takes from's details where its own are empty (specialty, NPI, email, phone, fax,
// address, organization, ZIP), the union of their tags and referral numbers, lists from (and the
// partners merged into from before) in MergedFrom, and is confirmed; from is archived at at and
// points at into. Versions are the store's.
func Merged(into, from Partner, at time.Time) (Partner, Partner) {
	b := into
	fill := func(dst *string, src string) {
		if *dst == "" {
			*dst = src
		}
	}
	fill(&b.Specialty, from.Specialty)
	fill(&b.NPI, from.NPI)
	fill(&b.ContactEmail, from.ContactEmail)
	fill(&b.Phone, from.Phone)
	fill(&b.Fax, from.Fax)
	fill(&b.Organization, from.Organization)
	if b.Address == "" && from.Address != "" {
		b.Address, b.ZIP = from.Address, from.ZIP
	}
	fill(&b.ZIP, from.ZIP)
	b.Tags = NormalizeTags(append(slices.Clone(b.Tags), from.Tags...))
	if len(b.Tags) > MaxTags {
		b.Tags = b.Tags[:MaxTags]
	}
	b.Unconfirmed = false
	b.MergedFrom = MergedSources(into, from)
	if from.FirstReferralAt != nil && (b.FirstReferralAt == nil || from.FirstReferralAt.Before(*b.FirstReferralAt)) {
		t := *from.FirstReferralAt
		b.FirstReferralAt = &t
	}
	if from.LastReferralAt != nil && (b.LastReferralAt == nil || from.LastReferralAt.After(*b.LastReferralAt)) {
		t := *from.LastReferralAt
		b.LastReferralAt = &t
	}
	b.ReferralCount += from.ReferralCount
	a := from
	archived := at
	a.ArchivedAt, a.MergedInto, a.Unconfirmed = &archived, into.ID, false
	return b, a
}

// MergedSources is into's MergedFrom after from is merged into it: from, and the partners merged
// into from before (so every partition of from's referrals is read with into's).
func MergedSources(into, from Partner) []string {
	out := slices.Clone(into.MergedFrom)
	for _, id := range append([]string{from.ID}, from.MergedFrom...) {
		if id != into.ID && !slices.Contains(out, id) {
			out = append(out, id)
		}
	}
	return out
}
