package httpapi

import (
	"context"

	"github.com/referloop/referloop/pkg/auth"
	"github.com/referloop/referloop/pkg/referral"
)

// maxCursor is the longest cursor a list gives out (a key of four attributes, base64, and a MAC).
const maxCursor = 3000 // a list over merged partners holds a position per partition (store.mergedPage)

// Lists hand their position to clients as a cursor signed for the session's tenant and the list
// (auth.SealCursor): the store's key inside it is what DynamoDB gets back as ExclusiveStartKey, so
// one the list did not give out (changed, cut, another practice's or another list's) is refused as
// 422 before it can reach DynamoDB.

// queueList names a practice's referral list (its queue index), by status.
func queueList(status referral.Status) string { return "referrals/queue?status=" + string(status) }

// referrerList names a referrer's own list, by status.
func referrerList(c *auth.Claims, status referral.Status) string {
	return "referrals/referrer/" + c.Partner + "/" + c.Referrer + "?status=" + string(status)
}

// auditList names a day of the audit trail.
func auditList(day string) string { return "audit/" + day }

// openCursor returns the store's position inside a cursor of list; "" for none.
func (d *Deps) openCursor(ctx context.Context, c *auth.Claims, list, cursor string) (string, error) {
	if cursor == "" {
		return "", nil
	}
	if len(cursor) > maxCursor {
		return "", auth.ErrBadCursor
	}
	return d.Signer.OpenCursor(ctx, c.Tenant, list, cursor)
}

// sealCursor signs the store's position after a page of list; "" at the list's end.
func (d *Deps) sealCursor(ctx context.Context, c *auth.Claims, list, next string) (string, error) {
	return d.Signer.SealCursor(ctx, c.Tenant, list, next)
}
