package notifier

import (
	"context"
	"strings"
	"time"

	"github.com/referloop/referloop/pkg/ids"
	"github.com/referloop/referloop/pkg/messages"
	"github.com/referloop/referloop/pkg/partner"
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
	link := n.referrerLink(r.ID, p.Slug)
	staffLink := n.Origin + "/practice/referrals/" + r.ID
	statusURL := n.Origin + "/status"
	if c.created() {
		if err := add("ack", r.Referrer.Email, messages.Received{Referrer: r.Referrer.Name, Practice: p.Name, Ref: r.Ref(),
			Received: r.CreatedAt, ContactBy: r.ContactBy, Link: link}); err != nil {
			return err
		}
		if p.IntakeContact.Email != "" {
			if err := add("intake", p.IntakeContact.Email, messages.NewReferral{Ref: r.Ref(), Urgent: r.Urgency == referral.Urgent,
				Partner: r.Partner.Name, ContactBy: r.ContactBy, Link: staffLink}); err != nil {
				return err
			}
		}
		if !r.Patient.ConsentToContact {
			return nil
		}
		// To the patient, the practice is its display name for patients, never its own name.
		if r.Patient.Email != "" {
			if err := add("patient-code", r.Patient.Email, messages.PatientCode{DisplayName: p.PatientName(),
				PracticePhone: p.IntakeContact.Phone, StatusURL: statusURL, Code: c.code}); err != nil {
				return err
			}
		}
		if phone := e164(r.Patient.Phone); phone != "" && n.SMS != nil {
			if err := add("patient-sms", phone, messages.PatientCodeSMS{DisplayName: p.PatientName(), StatusURL: statusURL, Code: c.code}); err != nil {
				return err
			}
			text := &fx.messages[len(fx.messages)-1]
			if text.refused = n.textRefusal(phone); text.refused == "" {
				text.quotas = n.textQuotas(p, r.ReferrerID, n.now())
			}
		}
		return nil
	}
	if !c.moved() {
		return nil // ratings and other edits: audited, nobody to tell
	}
	from, consent := c.before.Status, r.Patient.ConsentToShareOutcomes
	sees := referral.ReferrerSeesMove(from, r.Status, consent)
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
		day, version := e.At.Format(time.DateOnly), r.Version
		fx.puts = append(fx.puts, func(ctx context.Context, s *store.Store) error { return s.QueueDigest(ctx, day, e, version) })
	case sees && prefs == partner.UpdatesEach:
		d := messages.StatusUpdate{Referrer: r.Referrer.Name, Practice: p.Name, Ref: r.Ref(), Status: r.Status.ForReferrer(consent), Link: link}
		if r.Status == referral.Scheduled && r.Appointment != nil {
			d.Appointment = r.Appointment.At
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
		words, _ := referral.PatientWords(r, p.IntakeContact.Phone)
		return add("patient-update", r.Patient.Email, messages.PatientUpdate{Words: words, DisplayName: p.PatientName(),
			PracticePhone: p.IntakeContact.Phone, StatusURL: statusURL})
	}
	return nil
}

// referrerLink is a referral's page for its referrer. The practice's slug lets a referrer on a new
// device ask for a sign-in link on the way.
func (n *Notifier) referrerLink(id, slug string) string {
	return n.Origin + "/referrals/" + id + "?practice=" + slug
}

// e164 returns a phone number in E.164 form when it is written with a country code, else "".
func e164(phone string) string {
	if !strings.HasPrefix(strings.TrimSpace(phone), "+") {
		return ""
	}
	var b strings.Builder
	b.WriteByte('+')
	for _, r := range phone {
		if r >= '0' && r <= '9' {
			b.WriteRune(r)
		}
	}
	if b.Len() < 8 {
		return ""
	}
	return b.String()
}
