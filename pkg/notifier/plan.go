package notifier

import (
	"context"
	"fmt"

	"github.com/referloop/referloop/pkg/ids"
	"github.com/referloop/referloop/pkg/messages"
	"github.com/referloop/referloop/pkg/partner"
	"github.com/referloop/referloop/pkg/phone"
	"github.com/referloop/referloop/pkg/referral"
	"github.com/referloop/referloop/pkg/store"
)

// message is one email or text message to send.
type message struct {
	kind string // ack, intake, patient-code, patient-sms, question, answered, closed, update, patient-update, digest
	to   string
	sms  bool
	body messages.Message
	// A text is refused outright (refused says why: a country texts do not go to), or counted
	// against its caps when it is sent (texts.go).
	refused string
	quotas  []textQuota
}

// plan is the messages projection: who hears what about a change. Referrers hear only of the
// moves they may see (referral.ReferrerSeesMove), in the way their partner chose (an email per
// change, a daily digest, or none but the closing); a question is always sent, being an action.
func (n *Notifier) plan(ctx context.Context, c *change, fx *effects) error {
	r, p := c.after, c.practice
	add := func(kind, to string, d messages.Data) error {
		if to == "" {
			return nil // nobody to tell: a patient's own referral (pkg/intake) has no referrer's address
		}
		m, err := messages.Render(d)
		if err == nil {
			fx.messages = append(fx.messages, message{kind: kind, to: to, body: m, sms: m.Subject == ""})
		}
		return err
	}
	// Times read in the practice's local time, with its zone's abbreviation; phones as its country
	// writes them.
	loc, practicePhone := p.Location(), p.PhoneDisplay()
	link := n.referrerLink(r.ID, p.Slug)
	staffLink := n.Origin + "/practice/referrals/" + r.ID
	statusURL := n.Origin + "/status"
	if c.created() {
		if err := add("ack", r.Referrer.Email, messages.Received{Referrer: r.Referrer.Name, Practice: p.Name, Ref: r.Ref(),
			Received: r.CreatedAt.In(loc), ContactBy: r.ContactBy.In(loc), Link: link}); err != nil {
			return err
		}
		if p.IntakeContact.Email != "" {
			if err := add("intake", p.IntakeContact.Email, messages.NewReferral{Ref: r.Ref(), Urgent: r.Urgency == referral.Urgent,
				Partner: r.Partner.Name, ContactBy: r.ContactBy.In(loc), Link: staffLink}); err != nil {
				return err
			}
		}
		if !r.Patient.ConsentToContact {
			return nil
		}
		// To the patient, the practice is its display name for patients, never its own name.
		return n.planCode(c, fx, add, "")
	}
	if c.codeResent() {
		if err := n.planCode(c, fx, add, fmt.Sprintf("-resend-%d", r.CodeResends)); err != nil {
			return err
		}
	}
	rescheduled := c.rescheduled()
	if !c.moved() && !rescheduled {
		return nil // ratings and other edits: audited, nobody to tell
	}
	from, consent := c.before.Status, r.Patient.ConsentToShareOutcomes
	// A new appointment time is news to the referrer as the first one was (scheduled is no outcome).
	sees := referral.ReferrerSeesMove(from, r.Status, consent) || rescheduled
	prefs := c.partner.StatusUpdates
	if prefs == "" {
		prefs = partner.UpdatesEach
	}
	var err error
	switch {
	case r.Status == referral.NeedsInfo:
		err = add("question", r.Referrer.Email, messages.Question{Referrer: r.Referrer.Name, Practice: p.Name, Ref: r.Ref(), Link: link})
	case from == referral.NeedsInfo && p.IntakeContact.Email != "":
		err = add("answered", p.IntakeContact.Email, messages.Answered{Ref: r.Ref(), Link: staffLink})
	case r.Status == referral.Closed && prefs != partner.UpdatesNone:
		d := messages.Closed{Referrer: r.Referrer.Name, Practice: p.Name, Ref: r.Ref(), Link: link}
		if tok, terr := n.Signer.IssueRating(ctx, r.TenantID, r.ID); terr == nil {
			d.RateURL = n.Origin + "/rate#token=" + tok
		}
		err = add("closed", r.Referrer.Email, d)
	case sees && prefs == partner.UpdatesDigest:
		e := store.DigestEntry{TenantID: r.TenantID, EmailKey: ids.EmailKey(r.Referrer.Email), ReferralID: r.ID, Ref: r.Ref(),
			Status: r.Status.ForReferrer(consent), At: n.now()}
		// Queued for the hour the practice's local day ends in: days end at its midnight.
		day, version := DigestKeyFor(e.At, loc), r.Version
		fx.puts = append(fx.puts, func(ctx context.Context, s *store.Store) error { return s.QueueDigest(ctx, day, e, version) })
	case sees && prefs == partner.UpdatesEach:
		d := messages.StatusUpdate{Referrer: r.Referrer.Name, Practice: p.Name, Ref: r.Ref(), Status: r.Status.ForReferrer(consent), Link: link,
			Rescheduled: rescheduled}
		if r.Status == referral.Scheduled && r.Appointment != nil {
			d.Appointment = r.Appointment.At.In(loc)
		}
		if r.Status == referral.Declined && r.Decline != nil {
			d.Decline = r.Decline.Reason
		}
		err = add("update", r.Referrer.Email, d)
	}
	if err != nil {
		return err
	}
	if r.Status == referral.Scheduled && r.Patient.ConsentToContact && r.Patient.Email != "" {
		words, _ := referral.PatientWords(r, practicePhone)
		return add("patient-update", r.Patient.Email, messages.PatientUpdate{Words: words, DisplayName: p.PatientName(),
			PracticePhone: practicePhone, StatusURL: statusURL})
	}
	return nil
}

// referrerLink is a referral's page for its referrer. The practice's slug lets a referrer on a new
// device ask for a sign-in link on the way.
func (n *Notifier) referrerLink(id, slug string) string {
	return n.Origin + "/referrals/" + id + "?practice=" + slug
}

// planCode adds the patient's status code messages: an email to the patient's address and a text
// to the patient's phone when texts can reach it (a valid number of a real region, read in the
// practice's country). suffix tells a resend's messages from the first ones in the outbox.
func (n *Notifier) planCode(c *change, fx *effects, add func(kind, to string, d messages.Data) error, suffix string) error {
	r, p := c.after, c.practice
	statusURL := n.Origin + "/status"
	if r.Patient.Email != "" {
		if err := add("patient-code"+suffix, r.Patient.Email, messages.PatientCode{DisplayName: p.PatientName(),
			PracticePhone: p.PhoneDisplay(), StatusURL: statusURL, Code: c.code}); err != nil {
			return err
		}
	}
	if r.Patient.Phone != "" && n.SMS != nil {
		number, region := phone.Textable(r.Patient.Phone, p.CountryOrDefault())
		to := number
		if to == "" {
			to = r.Patient.Phone // recorded as refused: not a number texts can reach
		}
		if err := add("patient-sms"+suffix, to, messages.PatientCodeSMS{DisplayName: p.PatientName(), StatusURL: statusURL, Code: c.code}); err != nil {
			return err
		}
		text := &fx.messages[len(fx.messages)-1]
		if text.refused = n.textRefusal(region); text.refused == "" {
			text.quotas = n.textQuotas(p, r.ReferrerID, n.now())
		}
	}
	return nil
}
