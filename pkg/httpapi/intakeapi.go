package httpapi

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/referloop/referloop/pkg/ids"
	"github.com/referloop/referloop/pkg/intake"
	"github.com/referloop/referloop/pkg/messages"
	"github.com/referloop/referloop/pkg/partner"
	"github.com/referloop/referloop/pkg/practice"
	"github.com/referloop/referloop/pkg/problem"
	"github.com/referloop/referloop/pkg/referral"
	"github.com/referloop/referloop/pkg/store"
)

// Patients' own referrals (/r/{slug}): the form asks for a confirmation by an emailed link, and
// only the confirmed request becomes a referral, through the same store path as a referrer's.
// The limits, besides API Gateway's: per caller's address group (a bot), per address the link
// goes to (someone else's mailbox), per practice a day (a flood the practice would have to sort).
const (
	intakePerIP        = 10 // forms per address group per rateLimitWindow
	intakeConfirmPerIP = 30 // confirmations per address group per rateLimitWindow
	// IntakePerAddress caps the confirmation emails one address gets from one practice a day; past
	// it the answer is the same and nothing is stored or sent.
	IntakePerAddress = 3
)

// Quota scopes of patients' own referrals.
const (
	scopeIntakeIP        = "intake-ip"
	scopeIntakeConfirmIP = "intake-confirm-ip"
	scopeIntakeAddress   = "intake-address"  // per (practice, address)
	scopeIntakePractice  = "intake-practice" // per practice
)

// IntakePerPractice is how many patients' own referrals a practice takes a day (a new one fewer).
func (d *Deps) intakePerPractice(q Quotas) int {
	if q.SubmitsPerPractice < 100 {
		return q.SubmitsPerPractice
	}
	return q.SubmitsPerPractice / 10
}

type intakeAccepted struct {
	Status     string `json:"status"` // check-your-email
	ValidHours int    `json:"validHours"`
}

type intakeConfirmation struct {
	Token string `json:"token"`
}

type intakeConfirmed struct {
	Status           string    `json:"status"` // confirmed
	AlreadyConfirmed bool      `json:"alreadyConfirmed"`
	Ref              string    `json:"ref"`
	Source           string    `json:"source"` // provider, patient or self
	DisplayName      string    `json:"displayName"`
	Phone            string    `json:"phone,omitempty"`
	ContactBy        time.Time `json:"contactBy"`
	StatusCodeSent   bool      `json:"statusCodeSent"`
}

var (
	intakeLinkUnknown = problem.New(http.StatusNotFound, "intake-link-unknown", "This link does not work",
		"it may be mistyped, or older than a day: fill in the form again")
	intakeLinkExpired = problem.New(http.StatusGone, "intake-link-expired", "This link has expired",
		"a confirmation link works for 24 hours: fill in the form again and use the new link")
)

// selfRefer stores a patient's own referral as pending and emails the confirmation link. Every
// accepted-looking request answers the same 202: a filled honeypot, or an address past its daily
// emails, stores and sends nothing.
func (d *Deps) selfRefer(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	slug := r.PathValue("slug")
	if practice.Slugify(slug) != slug {
		return problem.NotFound("the practice")
	}
	if err := d.limitIP(ctx, r, scopeIntakeIP, intakePerIP); err != nil {
		return err
	}
	var in intake.Request
	if err := decode(r, &in); err != nil {
		return err
	}
	accepted := intakeAccepted{Status: "check-your-email", ValidHours: int(intake.ConfirmFor / time.Hour)}
	if in.Bot() {
		writeJSON(w, http.StatusAccepted, accepted)
		return nil
	}
	now := d.now()
	in.Normalize()
	if err := in.Validate(now); err != nil {
		return err
	}
	tid, err := d.Store.TenantBySlug(ctx, slug)
	if store.IsNotFound(err) {
		return problem.NotFound("the practice")
	} else if err != nil {
		return err
	}
	p, err := d.Store.Practice(ctx, tid)
	if err != nil {
		return err
	}
	perPractice := d.intakePerPractice(d.quotas(p.CreatedAt, now))
	if err := d.take(ctx, daily(scopeIntakePractice, perPractice,
		fmt.Sprintf("this practice takes %d requests a day online; please call it", perPractice), tid)); err != nil {
		return err
	}
	to := in.ConfirmTo()
	ok, _, err := d.Store.Take(ctx, store.Quota{Scope: scopeIntakeAddress, Key: store.QuotaKey(tid, ids.EmailKey(to)),
		Limit: IntakePerAddress, Per: store.Day})
	if err != nil {
		return err
	}
	if !ok {
		writeJSON(w, http.StatusAccepted, accepted)
		return nil
	}
	token := tid + "." + ids.Token(32)
	pending := store.PendingIntake{TenantID: tid, ULID: ids.NewULID(now), ReferrerID: ids.Short("r_"), Request: &in,
		CreatedAt: now, ExpiresAt: now.Add(intake.ConfirmFor)}
	if err := d.Store.PutPendingIntake(ctx, ids.Hash(token), pending); err != nil {
		return err
	}
	m, err := messages.Render(messages.IntakeConfirm{DisplayName: p.PatientName(), PracticePhone: p.IntakeContact.Phone,
		Link: d.origin(r) + "/r/confirm#t=" + token, Hours: accepted.ValidHours})
	if err != nil {
		return err
	}
	d.sendLinkMail(ctx, r, m.Email(to))
	writeJSON(w, http.StatusAccepted, accepted)
	return nil
}

// confirmSelfReferral turns a pending patient's referral into a referral: the same store path,
// lifecycle, notifications and metrics as a referrer's. A second confirmation answers the same
// referral (its ids were fixed when the form was sent, so the create is a replay).
func (d *Deps) confirmSelfReferral(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	if err := d.limitIP(ctx, r, scopeIntakeConfirmIP, intakeConfirmPerIP); err != nil {
		return err
	}
	var in intakeConfirmation
	if err := decode(r, &in); err != nil {
		return err
	}
	tid, _, found := strings.Cut(strings.TrimSpace(in.Token), ".")
	if !found || !strings.HasPrefix(tid, "t_") || len(tid) > 40 || len(in.Token) > 200 {
		return intakeLinkUnknown
	}
	hash := ids.Hash(strings.TrimSpace(in.Token))
	pending, err := d.Store.PendingIntake(ctx, tid, hash)
	switch {
	case store.IsNotFound(err):
		return intakeLinkUnknown
	case errors.Is(err, store.ErrIntakeExpired):
		return intakeLinkExpired
	case err != nil:
		return err
	}
	p, err := d.Store.Practice(ctx, tid)
	if err != nil {
		return err
	}
	out := intakeConfirmed{Status: "confirmed", DisplayName: p.PatientName(), Phone: p.IntakeContact.Phone}
	if pending.ConfirmedAt != nil || pending.Request == nil {
		ref, err := d.Store.Referral(ctx, tid, pending.ReferralID)
		if err != nil {
			return err
		}
		out.AlreadyConfirmed, out.Ref, out.ContactBy = true, ref.Ref(), ref.ContactBy
		out.Source = intake.SourceOf(ref.Partner.ID)
		writeJSON(w, http.StatusOK, out)
		return nil
	}
	req := pending.Request
	src := req.Source()
	if err := d.ensureIntakePartner(ctx, tid, src.ID); err != nil {
		return err
	}
	sender := referral.Person{Name: "The patient (online form)"}
	if req.ForWhom == intake.ForSomeone {
		sender.Name = req.YourName + " (for someone they know, online form)"
	}
	sub := req.Submission()
	if req.ForWhom == intake.ForSomeone {
		line := "Referred by " + req.YourName + ", " + req.YourEmail + " (someone the patient knows), through the online form."
		if sub.Note != "" {
			line += "\n\n" + sub.Note
		}
		sub.Note = line
	}
	now := d.now()
	ref := referral.New(tid, referral.PartnerRef{ID: src.ID, Name: src.Name}, pending.ReferrerID, sender, pending.ULID, sub, now, p.ContactByHours)
	ref.LastActor = &referral.ActorAt{Actor: referral.Actor{Name: sender.Name, Role: "patient"}, ID: pending.ReferrerID,
		IP: clientIP(r), Action: "create"}
	stored, _, err := d.Store.CreateReferral(ctx, ref)
	if err != nil {
		return err
	}
	if err := d.Store.ConfirmIntake(ctx, tid, hash, stored.ID, now); err != nil {
		return err
	}
	out.Ref, out.ContactBy, out.Source = stored.Ref(), stored.ContactBy, partner.SourceKind(src.Kind)
	out.StatusCodeSent = stored.Patient.ConsentToContact && stored.Patient.Email != ""
	writeJSON(w, http.StatusCreated, out)
	return nil
}

// ensureIntakePartner makes the practice's partner a patient's own referral is tagged with, the
// first time one of its kind is confirmed (one read after that).
func (d *Deps) ensureIntakePartner(ctx context.Context, tid, pid string) error {
	if _, err := d.Store.Partner(ctx, tid, pid); err == nil || !store.IsNotFound(err) {
		return err
	}
	src, _ := intake.PartnerByID(pid)
	src.CreatedAt = d.now()
	if err := d.Store.CreatePartner(ctx, tid, src); err != nil && !errors.Is(err, store.ErrExists) {
		return err
	}
	return nil
}
