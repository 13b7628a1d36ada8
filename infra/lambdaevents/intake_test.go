package lambdaevents_test

import (
	"context"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/referloop/referloop/pkg/ids"
	"github.com/referloop/referloop/pkg/intake"
	"github.com/referloop/referloop/pkg/referral"
	"github.com/referloop/referloop/pkg/store"
)

// The cases of the patient intake events (/r/{slug}): the submit function's public routes.
func init() {
	cases["submit.self-referral"] = want{status: 202, check: func(t *testing.T, w *world, r result) {
		if str(r.body, "status") != "check-your-email" || num(r.body, "validHours") != 24 {
			t.Errorf("answer %s", r.resp.Body)
		}
		sent := w.mail.Sent()
		if len(sent) != 1 || sent[0].To != "rosa.diaz@example.com" || sent[0].Subject != "Please confirm your referral request" {
			t.Fatalf("want one confirmation email to the patient, sent %+v", sent)
		}
		for _, phi := range []string{"Rosa", "Diaz", "1975", "back pain", "Physical Therapy"} {
			if strings.Contains(sent[0].Text, phi) {
				t.Errorf("the confirmation email holds %q:\n%s", phi, sent[0].Text)
			}
		}
		m := regexp.MustCompile(regexp.QuoteMeta(origin) + `/r/confirm#t=(t_[a-z0-9]{12}\.[A-Za-z0-9_-]{43})\n`).FindStringSubmatch(sent[0].Text)
		if m == nil {
			t.Fatalf("no confirmation link in:\n%s", sent[0].Text)
		}
		w.vals["token"] = m[1]
		c := w.invoke(t, "submit.self-referral-confirm")
		if c.resp.StatusCode != 201 || str(c.body, "source") != "self" || !strings.HasPrefix(str(c.body, "ref"), "R-") {
			t.Fatalf("confirm: %d %s", c.resp.StatusCode, c.resp.Body)
		}
		again := w.invoke(t, "submit.self-referral-confirm")
		if again.resp.StatusCode != 200 || again.body["alreadyConfirmed"] != true || str(again.body, "ref") != str(c.body, "ref") {
			t.Errorf("confirming again: %d %s", again.resp.StatusCode, again.resp.Body)
		}
	}}
	cases["submit.self-referral-honeypot"] = want{status: 202, check: func(t *testing.T, w *world, r result) {
		w.noMail(t)
		real := w.invoke(t, "submit.self-referral")
		if real.resp.StatusCode != r.resp.StatusCode || real.resp.Body != r.resp.Body {
			t.Errorf("a bot's answer %d %s differs from a person's %d %s", r.resp.StatusCode, r.resp.Body, real.resp.StatusCode, real.resp.Body)
		}
	}}
	cases["submit.self-referral-invalid"] = want{status: 422, problem: "validation",
		fields: []string{"patient.consentToContact", "patient.dateOfBirth", "patient.email", "patient.firstName", "patient.phone", "reason", "sentBy"},
		check:  func(t *testing.T, w *world, r result) { w.noMail(t) }}
	cases["submit.self-referral-confirm"] = want{status: 201, setup: func(t *testing.T, w *world) {
		w.vals["token"] = pendingIntake(t, w, time.Now().Add(time.Hour))
	}, check: func(t *testing.T, w *world, r result) {
		if str(r.body, "source") != "provider" || r.body["alreadyConfirmed"] != false {
			t.Errorf("answer %s", r.resp.Body)
		}
		p, err := w.deps.Store.Partner(context.Background(), w.demo.TenantID, intake.DoctorSent.ID)
		if err != nil || p.Kind != "other" {
			t.Errorf("the intake partner: %+v, %v", p, err)
		}
	}}
	cases["submit.self-referral-expired"] = want{status: 410, problem: "intake-link-expired", setup: func(t *testing.T, w *world) {
		w.vals["token"] = pendingIntake(t, w, time.Now().Add(-time.Minute))
	}}
}

// pendingIntake stores a pending patient referral (sent by a doctor) of the demo practice that
// expires at until, and returns its link's token.
func pendingIntake(t *testing.T, w *world, until time.Time) string {
	t.Helper()
	token := w.demo.TenantID + "." + ids.Token(32)
	now := time.Now().UTC()
	req := &intake.Request{ForWhom: intake.ForMe, SentBy: intake.SentByDoctor, DoctorName: "Dr. Lee",
		Patient: referral.Patient{FirstName: "Sam", LastName: "Ortiz", DateOfBirth: "1990-01-02", Email: "sam@example.com", ConsentToContact: true},
		Reason:  "Knee pain"}
	if err := w.deps.Store.PutPendingIntake(context.Background(), ids.Hash(token), store.PendingIntake{TenantID: w.demo.TenantID,
		ULID: ids.NewULID(now), ReferrerID: ids.Short("r_"), Request: req, CreatedAt: now, ExpiresAt: until}); err != nil {
		t.Fatal(err)
	}
	return token
}
