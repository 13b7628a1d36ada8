package httpapi

import (
	"context"
	"time"

	"github.com/referloop/referloop/pkg/practice"
	"github.com/referloop/referloop/pkg/problem"
	"github.com/referloop/referloop/pkg/store"
)

// Limits cap what a practice and its people can make Referloop send or store in a (UTC) day, so
// that no one can use it to spam: an invitation is an email to any address, and a referral brings
// emails and a text to the patient's address and phone. Each is one conditional UpdateItem on a
// counter (store.Take), so a request's cost stays flat. A practice in its first days
// (practice.IsNew) gets the New quotas.
type Limits struct {
	Normal, New Quotas
	// InvitesPerAddressAll caps the invitations one address gets a day from every practice
	// together. Past it the invitation is stored but not emailed, and the answer is the same 202,
	// so no practice learns that another invited the address.
	InvitesPerAddressAll int
}

// Quotas are a practice's daily caps; past each the caller, who is the one repeating, gets 429
// with Retry-After (the end of the day) and nothing is stored or sent.
type Quotas struct {
	InvitesPerAddress  int // one address invited by this practice
	InvitesPerPractice int // invitations the practice sends
	SubmitsPerReferrer int // referrals one referrer sends the practice (replays of a key count too)
	SubmitsPerPractice int // referrals the practice receives from all its referrers
}

// DefaultLimits are the product's limits. A referring office sends a practice a few referrals a
// day and a practice invites a handful of people; these leave a busy practice an order of
// magnitude of room and a new one enough to start.
var DefaultLimits = Limits{
	Normal:               Quotas{InvitesPerAddress: 3, InvitesPerPractice: 200, SubmitsPerReferrer: 100, SubmitsPerPractice: 2000},
	New:                  Quotas{InvitesPerAddress: 3, InvitesPerPractice: 20, SubmitsPerReferrer: 30, SubmitsPerPractice: 200},
	InvitesPerAddressAll: 5,
}

// Quota scopes (the counters' keys are built in store/keys.go).
const (
	scopeInviteAddress    = "invite-address"     // per (practice, address)
	scopeInviteAddressAll = "invite-address-all" // per address, every practice
	scopeInvitePractice   = "invite-practice"
	scopeSubmitReferrer   = "submit-referrer" // per (practice, referrer)
	scopeSubmitPractice   = "submit-practice"
)

func (d *Deps) limits() *Limits {
	if d.Limits != nil {
		return d.Limits
	}
	return &DefaultLimits
}

// quotas are the caps of a practice made at created, at now.
func (d *Deps) quotas(created, now time.Time) Quotas {
	l := d.limits()
	if (practice.Practice{CreatedAt: created}).IsNew(now) {
		return l.New
	}
	return l.Normal
}

// limit is a quota and what its 429 says.
type limit struct {
	store.Quota
	detail string
}

// take counts one event against each quota in order; the first that is full is a 429 problem with
// its detail and Retry-After (nothing more is counted). Earlier counts stand: they were requests
// all the same.
func (d *Deps) take(ctx context.Context, ls ...limit) error {
	for _, l := range ls {
		ok, retry, err := d.Store.Take(ctx, l.Quota)
		if err != nil {
			return err
		}
		if !ok {
			p := problem.RateLimited(retry)
			p.Detail = l.detail
			return p
		}
	}
	return nil
}

// daily is a limit of n a UTC day for (scope, key parts).
func daily(scope string, n int, detail string, key ...string) limit {
	return limit{store.Quota{Scope: scope, Key: store.QuotaKey(key...), Limit: n, Per: store.Day}, detail}
}
