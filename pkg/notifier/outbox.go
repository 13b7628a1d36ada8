package notifier

import (
	"context"
	"time"

	"github.com/referloop/referloop/pkg/store"
)

// deliver sends m once, through the tenant's outbox: the claim makes a redelivered stream record or
// a rerun digest skip what was sent (sent is false then); a send that keeps failing is marked
// failed, with the provider's error class, for a person to see, and its error returned.
func (n *Notifier) deliver(ctx context.Context, tid string, note store.Notification, m message) (sent bool, err error) {
	fresh, err := n.Store.ClaimNotification(ctx, tid, note)
	if err != nil || !fresh {
		return false, err
	}
	sendErr := n.send(ctx, m)
	if sendErr == nil {
		return true, n.Store.FinishNotification(ctx, tid, note.Key, store.NoteSent, "")
	}
	// Mailer and SMS errors never quote the recipient (the adapters pass provider errors through
	// notify.Scrub), so they can be kept and logged.
	if err := n.Store.FinishNotification(ctx, tid, note.Key, store.NoteFailed, "send failed: "+sendErr.Error()); err != nil {
		return false, err
	}
	return false, sendErr
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
