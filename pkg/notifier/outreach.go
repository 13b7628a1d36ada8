package notifier

import (
	"context"
	"errors"
	"time"

	"github.com/referloop/referloop/pkg/ids"
	"github.com/referloop/referloop/pkg/messages"
	"github.com/referloop/referloop/pkg/outreach"
	"github.com/referloop/referloop/pkg/partner"
	"github.com/referloop/referloop/pkg/referral"
	"github.com/referloop/referloop/pkg/store"
)

// outreachWork is what the outreach projection decided about a change: count a new referral in
// its partner's referrals per day (for attribution and the "who to reach out to" list), and
// whether its patient was just seen (a thank-you event).
type outreachWork struct {
	count bool
	seen  bool
}

// outreachProjection marks new referrals to count and seen patients to thank for. Whether a new
// referral is the partner's first, and whether the practice wants thank-yous, is read when applied.
func (n *Notifier) outreachProjection(_ context.Context, c *change, fx *effects) error {
	w := outreachWork{count: c.created()}
	if c.moved() && c.after.Status == referral.Seen &&
		referral.ReferrerSeesMove(c.before.Status, referral.Seen, c.after.Patient.ConsentToShareOutcomes) &&
		c.partner.StatusUpdates != partner.UpdatesNone {
		w.seen = true
	}
	if w.count || w.seen {
		fx.outreach = &w
	}
	return nil
}

// applyOutreach counts a new referral once (deciding, once, whether it is its partner's first) and
// sends the automatic thank-yous the practice turned on: through the outbox (once per event, a
// redelivery sends nothing again), within the outreach email limits, to the referring provider,
// with the practice's own words and no patient detail; each sent one is logged as a touch of the
// partner (channel email, who "automatic"), keyed by its event, so it is logged once.
func (n *Notifier) applyOutreach(ctx context.Context, c *change, w outreachWork) error {
	r := c.after
	pid := r.Partner.ID
	var events []string
	if w.count {
		first, err := n.Store.CountReferral(ctx, r.TenantID, pid, r.ULID, r.CreatedAt, func() (bool, error) {
			return n.Store.OnlyReferral(ctx, r.TenantID, pid, r.ULID)
		})
		if err != nil {
			return err
		}
		if first {
			events = append(events, outreach.EventFirstReferral)
		}
	}
	if w.seen {
		events = append(events, outreach.EventSeen)
	}
	if len(events) == 0 || partner.SourceKind(c.partner.Kind) != partner.SourceProvider || r.Referrer.Email == "" {
		return nil
	}
	settings, err := n.Store.OutreachSettings(ctx, r.TenantID)
	if err != nil {
		return err
	}
	var failed error
	for _, ev := range events {
		kind, on, at := outreach.KindThanksFirst, settings.AutoFirst, r.CreatedAt
		if ev == outreach.EventSeen {
			kind, on, at = outreach.KindThanksSeen, settings.AutoSeen, r.UpdatedAt
		}
		if !on {
			continue
		}
		if at.IsZero() {
			at = n.now()
		}
		failed = errors.Join(failed, n.thank(ctx, c, settings.Template(kind), ev, at))
	}
	return failed
}

// thank sends one automatic thank-you and logs it as a touch.
func (n *Notifier) thank(ctx context.Context, c *change, tpl outreach.Template, event string, at time.Time) error {
	r := c.after
	to := r.Referrer.Email
	body := outreach.Fill(tpl.Body, outreach.FirstName(r.Referrer.Name), c.practice.Name)
	m := message{kind: "thanks-" + event, to: to, body: messages.Message{Subject: tpl.Subject,
		Text: body + "\n\n" + outreach.HowToRefer(n.Origin+"/p/"+c.practice.Slug) + "\n"},
		quotas: outreachQuotas(r.TenantID, ids.EmailKey(to))}
	note := store.Notification{Key: store.MessageKey(r.ULID, r.Version, m.kind), Kind: m.kind, Referral: r.ID, At: n.now()}
	outcome, _, err := n.deliver(ctx, r.TenantID, note, m)
	if err != nil || outcome != delivered {
		return err // a refused one (a limit reached) is in the outbox with why, and is no touch
	}
	day := at.UTC().Format(time.DateOnly)
	pid, name := r.Partner.ID, c.partner.Name
	if c.partner.MergedInto != "" { // its partner was merged into another: the touch is that one's
		pid, name = c.partner.MergedInto, ""
	}
	t := outreach.Touch{ID: day + ".auto-" + event + "-" + r.ULID, PartnerID: pid, Date: day, Channel: "email",
		Who: outreach.Automatic, Summary: autoSummary[event], Response: outreach.ResponseNone, CreatedAt: n.now(),
		CreatedBy: outreach.Automatic, Event: event}
	if err := n.Store.CreateTouch(ctx, r.TenantID, t, name); err != nil && !errors.Is(err, store.ErrExists) {
		return err
	}
	return nil
}

var autoSummary = map[string]string{
	outreach.EventFirstReferral: "Automatic thank-you for the first referral",
	outreach.EventSeen:          "Automatic thank-you: the patient was seen",
}

// outreachQuotas are the daily limits every outreach email counts against: per address (of this
// practice) and per practice.
func outreachQuotas(tid, emailKey string) []textQuota {
	return []textQuota{
		{store.Quota{Scope: outreach.ScopeAddress, Key: store.QuotaKey(tid, emailKey), Limit: outreach.EmailsPerAddress, Per: store.Day},
			"this address got today's outreach emails from the practice"},
		{store.Quota{Scope: outreach.ScopePractice, Key: store.QuotaKey(tid), Limit: outreach.EmailsPerPractice, Per: store.Day},
			"the practice sent today's outreach emails"},
	}
}
