package notifier

import (
	"context"

	"github.com/referloop/referloop/pkg/store"
)

// partnerDates notes a new referral on its partner (first and last referral dates, the count): the
// partner's stage (prospect, active, quiet) reads them in O(1).
func (n *Notifier) partnerDates(_ context.Context, c *change, fx *effects) error {
	if !c.created() || c.after.Partner.ID == "" {
		return nil
	}
	r := c.after
	fx.updates = append(fx.updates, func(ctx context.Context, s *store.Store) error {
		return s.NoteReferral(ctx, r.TenantID, r.Partner.ID, r.CreatedAt)
	})
	return nil
}
