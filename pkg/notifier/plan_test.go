package notifier

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/referloop/referloop/pkg/auth"
	"github.com/referloop/referloop/pkg/notify"
	"github.com/referloop/referloop/pkg/partner"
	"github.com/referloop/referloop/pkg/practice"
	"github.com/referloop/referloop/pkg/referral"
)

// TestPlan holds the messages projection to the rules: who hears of which change, in which way.
// It needs no table: a projection only decides.
func TestPlan(t *testing.T) {
	n := &Notifier{Origin: "https://app.example", SMS: &notify.Recorder{},
		Signer: &auth.Signer{Issuer: "i", Audience: "a", Source: auth.StaticKey(strings.Repeat("k", 32))}}
	at := time.Date(2026, 3, 4, 15, 0, 0, 0, time.UTC)
	base := referral.Referral{ID: "p_1.r_1.01HZZZZZZZZZZZZZZZABCDEFGH", ULID: "01HZZZZZZZZZZZZZZZABCDEFGH", TenantID: "t_1", Status: referral.Received,
		Urgency: referral.Urgent, Reason: "Rotator cuff tear", CreatedAt: at, UpdatedAt: at, ContactBy: at.Add(48 * time.Hour), Version: 2,
		Patient: referral.Patient{FirstName: "Zelda", LastName: "Quartermain", DateOfBirth: "1971-02-03", Phone: "(415) 555-0199",
			Email: "pat@patient.example", ConsentToContact: true},
		Referrer: referral.Person{Name: "Dr. Who", Email: "ref@ref.example"}, Partner: referral.PartnerRef{ID: "p_1", Name: "Northside"}}
	p := practice.Practice{ID: "t_1", Profile: practice.Profile{Name: "Stream Clinic", Slug: "stream",
		IntakeContact: practice.Contact{Email: "intake@stream.example", Phone: "+1 555 0100"}}}
	noConsent := func(r *referral.Referral) { r.Patient.ConsentToContact = false }
	shareOutcomes := func(r *referral.Referral) { r.Patient.ConsentToShareOutcomes = true }
	noPatientEmail := func(r *referral.Referral) { r.Patient.Email = "" }
	const created = referral.Status("")
	cases := []struct {
		name     string
		from, to referral.Status // from created: a new referral
		edit     func(*referral.Referral)
		updates  string // the partner's choice
		want     string // kind→recipient, in order
		digest   bool   // a digest entry is queued
		resched  bool   // the appointment moves (before: a day after at, after: two days)
	}{
		{"new", created, referral.Received, nil, "", "ack→ref@ref.example intake→intake@stream.example patient-code→pat@patient.example patient-sms→+14155550199", false, false},
		{"new, no consent to contact", created, referral.Received, noConsent, "", "ack→ref@ref.example intake→intake@stream.example", false, false},
		{"accepted", referral.Received, referral.Accepted, nil, "", "update→ref@ref.example", false, false},
		{"accepted, digest", referral.Received, referral.Accepted, nil, partner.UpdatesDigest, "", true, false},
		{"accepted, no updates", referral.Received, referral.Accepted, nil, partner.UpdatesNone, "", false, false},
		{"a question, even with no updates", referral.Accepted, referral.NeedsInfo, nil, partner.UpdatesNone, "question→ref@ref.example", false, false},
		{"answered", referral.NeedsInfo, referral.Accepted, nil, "", "answered→intake@stream.example", false, false},
		{"scheduled", referral.Contacted, referral.Scheduled, nil, "", "update→ref@ref.example patient-update→pat@patient.example", false, false},
		{"scheduled, no patient email", referral.Contacted, referral.Scheduled, noPatientEmail, "", "update→ref@ref.example", false, false},
		{"seen, outcomes not shared", referral.Scheduled, referral.Seen, nil, "", "", false, false},
		{"seen, outcomes shared", referral.Scheduled, referral.Seen, shareOutcomes, "", "update→ref@ref.example", false, false},
		{"seen, outcomes not shared, digest", referral.Scheduled, referral.Seen, nil, partner.UpdatesDigest, "", false, false},
		{"no-show rebooked, outcomes not shared", referral.NoShow, referral.Scheduled, nil, "", "patient-update→pat@patient.example", false, false},
		{"closed", referral.Seen, referral.Closed, nil, "", "closed→ref@ref.example", false, false},
		{"closed, digest", referral.Seen, referral.Closed, nil, partner.UpdatesDigest, "closed→ref@ref.example", false, false},
		{"closed, no updates", referral.Seen, referral.Closed, nil, partner.UpdatesNone, "", false, false},
		{"an edit", referral.Accepted, referral.Accepted, nil, "", "", false, false},
		{"rescheduled", referral.Scheduled, referral.Scheduled, nil, "", "update→ref@ref.example patient-update→pat@patient.example", false, true},
		{"rescheduled, digest", referral.Scheduled, referral.Scheduled, nil, partner.UpdatesDigest, "patient-update→pat@patient.example", true, true},
		{"rescheduled, no updates", referral.Scheduled, referral.Scheduled, nil, partner.UpdatesNone, "patient-update→pat@patient.example", false, true},
		{"scheduled, the same appointment (an edit)", referral.Scheduled, referral.Scheduled, nil, "", "", false, false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			before, after := base, base
			before.Status, after.Status = c.from, c.to
			if c.edit != nil {
				c.edit(&before)
				c.edit(&after)
			}
			if c.to == referral.Scheduled {
				before.Appointment = &referral.Appointment{At: at.Add(24 * time.Hour), Location: "Main St"}
				after.Appointment = &referral.Appointment{At: at.Add(24 * time.Hour), Location: "Main St"}
				if c.resched {
					after.Appointment = &referral.Appointment{At: at.Add(48 * time.Hour), Location: "Main St"}
				}
			}
			ch := &change{event: "e1", before: &before, after: after, practice: p, partner: partner.Partner{ID: "p_1", StatusUpdates: c.updates}, code: "ABCD-EFGH-JKMN"}
			if c.from == created {
				ch.before = nil
			}
			var fx effects
			if err := n.plan(context.Background(), ch, &fx); err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, m := range fx.messages {
				got = append(got, m.kind+"→"+m.to)
				if m.sms != (m.kind == "patient-sms") {
					t.Errorf("%s: sms %v", m.kind, m.sms)
				}
				for _, phi := range []string{"Zelda", "Quartermain", "1971-02-03", "555 0199", "5550199", "Rotator"} {
					if strings.Contains(m.body.Subject+m.body.Text, phi) {
						t.Errorf("%s to %s holds %q:\n%s", m.kind, m.to, phi, m.body.Text)
					}
				}
				if strings.Contains(m.body.Subject, "Stream Clinic") || strings.Contains(m.body.Subject, "Northside") {
					t.Errorf("%s: the subject %q names the practice or partner", m.kind, m.body.Subject)
				}
			}
			if strings.Join(got, " ") != c.want {
				t.Errorf("messages %q, want %q", strings.Join(got, " "), c.want)
			}
			if (len(fx.puts) == 1) != c.digest || len(fx.puts) > 1 {
				t.Errorf("%d puts, want a digest entry: %v", len(fx.puts), c.digest)
			}
		})
	}
}
