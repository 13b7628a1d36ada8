package notifier

import (
	"context"
	"time"

	"github.com/referloop/referloop/pkg/store"
)

// Outcomes of a delivery.
const (
	delivered = "sent"    // sent now, or by an earlier try of the same record
	refused   = "refused" // not sent, by the text rules (now or before); the outbox says why
)

// deliver sends m once, through the tenant's outbox: the claim makes a redelivered stream record or
// a rerun digest skip what was sent or refused (fresh is false then); a send that keeps failing is
// marked failed, with the provider's error class, for a person to see, and its error returned. A
// text the rules hold back (a country texts do not go to, a cap reached) is marked refused with why
// and never sent; a cap's count is given back when the text is not sent after all.
func (n *Notifier) deliver(ctx context.Context, tid string, note store.Notification, m message) (outcome string, fresh bool, err error) {
	done, err := n.Store.ClaimNotification(ctx, tid, note)
	if err != nil {
		return "", false, err
	}
	switch done {
	case store.NoteSent:
		return delivered, false, nil
	case store.NoteRefused:
		return refused, false, nil
	}
	if m.refused != "" {
		return refused, true, n.Store.FinishNotification(ctx, tid, note.Key, store.NoteRefused, m.refused)
	}
	for i, q := range m.quotas {
		ok, _, err := n.Store.Take(ctx, q.Quota)
		if err == nil && !ok {
			err = n.Store.FinishNotification(ctx, tid, note.Key, store.NoteRefused, q.refusal)
		}
		if err != nil || !ok {
			n.giveBack(ctx, m.quotas[:i])
			if err != nil {
				return "", false, err
			}
			return refused, true, nil
		}
	}
	sendErr := n.send(ctx, m)
	if sendErr == nil {
		return delivered, true, n.Store.FinishNotification(ctx, tid, note.Key, store.NoteSent, "")
	}
	n.giveBack(ctx, m.quotas)
	// Mailer and SMS errors never quote the recipient (the adapters pass provider errors through
	// notify.Scrub), so they can be kept and logged.
	if err := n.Store.FinishNotification(ctx, tid, note.Key, store.NoteFailed, "send failed: "+sendErr.Error()); err != nil {
		return "", false, err
	}
	return "", false, sendErr
}

// giveBack returns the counts of caps a text did not use after all (best effort: a count not
// given back only makes the cap a little stricter).
func (n *Notifier) giveBack(ctx context.Context, qs []textQuota) {
	for _, q := range qs {
		if err := n.Store.Give(ctx, q.Quota); err != nil {
			n.log().Warn("text cap not given back", "scope", q.Scope, "error", err.Error())
		}
	}
}

// send tries m up to SendTries times (default 3), backing off between tries.
func (n *Notifier) send(ctx context.Context, m message) error {
	tries := n.SendTries
	if tries <= 0 {
		tries = 3
	}
	var err error
	for i := 0; i < tries; i++ {
		if i > 0 {
			t := time.NewTimer(time.Duration(i*i) * 50 * time.Millisecond)
			select {
			case <-ctx.Done():
				t.Stop()
				return err
			case <-t.C:
			}
		}
		if m.sms {
			err = n.SMS.SendSMS(ctx, m.to, m.body.Text)
		} else {
			err = n.Mailer.Send(ctx, m.body.Email(m.to))
		}
		if err == nil {
			return nil
		}
	}
	return err
}
