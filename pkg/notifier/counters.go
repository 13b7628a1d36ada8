package notifier

import (
	"context"

	"github.com/referloop/referloop/pkg/store"
)

// counters is the counters projection: what the change moves in the tenant's work queue counts
// (per status, and awaiting contact by deadline) and in its referrer's own numbers, from the
// referral before and after (store.DeltaOf). Apply adds it once, guarded by the version the change
// wrote: a redelivered record adds nothing, and records arriving out of order still sum to the
// referral's last state.
func (n *Notifier) counters(_ context.Context, c *change, fx *effects) error {
	if d := store.DeltaOf(c.before, c.after); !d.Empty() {
		fx.counters = &d
	}
	return nil
}
