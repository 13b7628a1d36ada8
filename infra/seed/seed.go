// Package seed fills a fresh local table with a demo practice: its owner, a staff member, two
// partners, a referrer and a dozen referrals in several states.
package seed

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/referloop/referloop/pkg/ids"
	"github.com/referloop/referloop/pkg/partner"
	"github.com/referloop/referloop/pkg/practice"
	"github.com/referloop/referloop/pkg/referral"
	"github.com/referloop/referloop/pkg/store"
)

// The demo's fixed names.
const (
	Slug          = "lakeside-physical-therapy"
	OwnerEmail    = "owner@lakeside.example"
	StaffEmail    = "frontdesk@lakeside.example"
	ReferrerEmail = "dr.chen@northside.example"
	// PatientDisplayName is how the demo practice is named to its patients.
	PatientDisplayName = "Lakeside Health"
)

// Demo says who the demo people are.
type Demo struct {
	TenantID   string
	PartnerIDs []string
	Referrer   partner.Referrer
}

var patients = []struct {
	first, last, dob, phone, reason, urgency string
	status                                   referral.Status
}{
	{"Ana", "Silva", "1980-04-02", "+1 415 555 0142", "Low back pain", referral.Routine, referral.Received},
	{"Ben", "Okafor", "1975-09-14", "+1 415 555 0143", "Post-surgical knee rehab", referral.Urgent, referral.Received},
	{"Chloe", "Martin", "1992-01-30", "+1 415 555 0144", "Shoulder impingement", referral.Soon, referral.Received},
	{"David", "Kim", "1968-06-21", "+1 415 555 0145", "Low back pain", referral.Routine, referral.Accepted},
	{"Elena", "Rossi", "1988-11-05", "+1 415 555 0146", "Neck pain after car accident", referral.Soon, referral.Contacted},
	{"Farid", "Haddad", "1959-03-17", "+1 415 555 0147", "Post-surgical knee rehab", referral.Routine, referral.Scheduled},
	{"Grace", "Liu", "2001-08-09", "+1 415 555 0148", "Sports injury, ankle", referral.Routine, referral.Scheduled},
	{"Hugo", "Bernard", "1971-12-12", "+1 415 555 0149", "Low back pain", referral.Routine, referral.Seen},
	{"Ines", "Costa", "1983-05-28", "+1 415 555 0150", "Balance and falls", referral.Soon, referral.Closed},
	{"Jonas", "Weber", "1995-02-03", "+1 415 555 0151", "Shoulder impingement", referral.Routine, referral.NoShow},
	{"Kemi", "Adeyemi", "1964-10-19", "+1 415 555 0152", "Chronic migraine", referral.Routine, referral.Declined},
	{"Luis", "Garcia", "1990-07-07", "+1 415 555 0153", "Low back pain", referral.Urgent, referral.Cancelled},
}

// Run seeds the demo practice unless its slug already exists; seeded reports whether it did.
func Run(ctx context.Context, s *store.Store, now time.Time) (demo Demo, seeded bool, err error) {
	if tid, err := s.TenantBySlug(ctx, Slug); err == nil {
		demo.TenantID = tid
		demo.Referrer, err = s.Referrer(ctx, tid, ReferrerEmail)
		return demo, false, err
	} else if !errors.Is(err, store.ErrNotFound) {
		return demo, false, err
	}
	p := practice.Practice{ID: ids.Short("t_"), CreatedAt: now, UpdatedAt: now, Version: 1, Profile: practice.Profile{
		Name: "Lakeside Physical Therapy", Slug: Slug,
		Conditions:         []string{"Low back pain", "Post-surgical knee rehab", "Shoulder impingement", "Neck pain after car accident", "Sports injury, ankle", "Balance and falls"},
		NotAMatch:          "Patients under 12; acute fractures not yet seen by an orthopedist; chronic migraine (we refer to neurology).",
		InsuranceNotes:     "In network with Aetna, BCBS and Medicare. Self-pay rates on request.",
		IntakeContact:      practice.Contact{Name: "Maria (intake)", Phone: "+12015550100", Email: "intake@lakeside.example"},
		ContactByHours:     practice.DefaultContactBy,
		Country:            "US",
		TimeZone:           "America/New_York",
		PatientDisplayName: PatientDisplayName,
	}}
	hash := ids.Hash(ids.Token(32))
	if err := s.PutLink(ctx, hash, store.Link{Purpose: store.LinkSignup, Email: OwnerEmail, ExpiresAt: now.Add(time.Minute), CreatedAt: now}); err != nil {
		return demo, false, err
	}
	if err := s.CreatePractice(ctx, hash, p, store.User{Email: OwnerEmail, Name: "Sam Rivera", Role: practice.RoleOwner}); err != nil {
		return demo, false, fmt.Errorf("seed practice: %w", err)
	}
	demo.TenantID = p.ID
	if err := s.AddMember(ctx, p.ID, p.Name, store.User{Email: StaffEmail, Name: "Jo Park", Role: practice.RoleStaff}); err != nil {
		return demo, false, fmt.Errorf("seed staff: %w", err)
	}
	partners := []partner.Partner{
		{ID: ids.Short("p_"), Name: "Northside Family Medicine", Kind: "pcp", Specialty: "Family medicine", NPI: "1234567893", ContactEmail: "office@northside.example", StatusUpdates: partner.UpdatesEach, CreatedAt: now.AddDate(0, -4, 0)},
		{ID: ids.Short("p_"), Name: "Harbor Chiropractic", Kind: "chiropractor", ContactEmail: "front@harborchiro.example", StatusUpdates: partner.UpdatesDigest, CreatedAt: now.AddDate(0, -5, 0)},
	}
	for _, pt := range partners {
		if err := s.CreatePartner(ctx, p.ID, pt); err != nil {
			return demo, false, err
		}
		demo.PartnerIDs = append(demo.PartnerIDs, pt.ID)
	}
	demo.Referrer, err = s.EnsureReferrer(ctx, p.ID, partner.Referrer{ID: ids.Short("r_"), PartnerID: partners[0].ID,
		Email: ReferrerEmail, Name: "Dr. Mei Chen", CreatedAt: now})
	if err == nil { // the address's marker: /signin finds the practice
		err = s.PutReferrerMarker(ctx, p.ID, p.Name, demo.Referrer)
	}
	if err != nil {
		return demo, false, err
	}
	for i, pt := range patients {
		at := now.Add(-time.Duration(len(patients)-i) * 38 * time.Hour)
		sub := referral.Submission{Patient: referral.Patient{FirstName: pt.first, LastName: pt.last, DateOfBirth: pt.dob,
			Phone: pt.phone, ConsentToContact: true, ConsentToShareOutcomes: i%2 == 0}, Reason: pt.reason, Urgency: pt.urgency,
			FormMillis: int64(60000 + i*7000)}
		r := referral.New(p.ID, referral.PartnerRef{ID: partners[0].ID, Name: partners[0].Name}, demo.Referrer.ID,
			referral.Person{Name: demo.Referrer.Name, Email: demo.Referrer.Email}, ids.NewULID(at), sub, at, p.ContactByHours)
		r.Day = practice.LocalDay(at, p.Location()) // the practice's day, as a submit sets it
		if i%3 == 0 {
			r.Patient.Email = strings.ToLower(pt.first) + "@patient.example"
		}
		if err := walk(&r, pt.status, at); err != nil {
			return demo, false, fmt.Errorf("seed %s: %w", pt.status, err)
		}
		if _, _, err := s.CreateReferral(ctx, r); err != nil {
			return demo, false, err
		}
		// The staff queue's search index, as the notifier writes it for a new referral (the
		// notifier writes the same items again where it runs: puts of the same keys).
		if err := s.PutFindEntries(ctx, r); err != nil {
			return demo, false, err
		}
	}
	return demo, true, nil
}

// paths are the transitions that bring a new referral to each demo status.
var paths = map[referral.Status][]referral.Transition{
	referral.Received: nil,
	referral.Accepted: {{To: referral.Accepted}},
	referral.Contacted: {{To: referral.Accepted}, {To: referral.Contacted, Contact: &referral.Contact{Outcome: "voicemail", Channel: "phone"}},
		{To: referral.Contacted, Contact: &referral.Contact{Outcome: referral.Reached, Channel: "phone"}}},
	referral.Scheduled: {{To: referral.Accepted}, {To: referral.Contacted, Contact: &referral.Contact{Outcome: "reached", Channel: "phone"}}, {To: referral.Scheduled}},
	referral.Seen:      {{To: referral.Accepted}, {To: referral.Contacted, Contact: &referral.Contact{Outcome: "reached", Channel: "phone"}}, {To: referral.Scheduled}, {To: referral.Seen}},
	referral.Closed: {{To: referral.Accepted}, {To: referral.Contacted, Contact: &referral.Contact{Outcome: "reached", Channel: "phone"}}, {To: referral.Scheduled},
		{To: referral.Seen}, {To: referral.Closed, Note: "Discharged with a home exercise program"}},
	referral.NoShow: {{To: referral.Accepted}, {To: referral.Contacted, Contact: &referral.Contact{Outcome: "reached", Channel: "sms"}}, {To: referral.Scheduled},
		{To: referral.NoShow}},
	referral.Declined:  {{To: referral.Declined, Reason: "not-a-match", Note: "Chronic migraine: please refer to neurology"}},
	referral.Cancelled: {{To: referral.Cancelled, Note: "Patient chose a clinic closer to home"}},
}

// walk moves r along its demo path, six hours a step, as the practice's intake staff.
func walk(r *referral.Referral, status referral.Status, start time.Time) error {
	staff := referral.Actor{Name: "Maria (intake)", Role: practice.RoleStaff}
	at := start
	path := paths[status]
	for i, t := range path {
		at = at.Add(6 * time.Hour)
		if t.To == referral.Scheduled {
			// An appointment that is followed by a visit (or a no-show) in the demo took place
			// before it: nobody is seen before their appointment.
			in := 30 * time.Hour
			if i+1 < len(path) {
				in = 3 * time.Hour
			}
			t.Appointment = &referral.Appointment{At: at.Add(in).Truncate(time.Minute), Location: "Lakeside PT, 12 Shore Rd, room 2"}
		}
		if err := r.Apply(t, staff, at); err != nil {
			return err
		}
	}
	return nil
}
