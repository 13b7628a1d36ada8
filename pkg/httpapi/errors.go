package httpapi

import (
	"context"
	"errors"
	"net/http"
	"strconv"

	"github.com/referloop/referloop/pkg/auth"
	"github.com/referloop/referloop/pkg/problem"
	"github.com/referloop/referloop/pkg/referral"
	"github.com/referloop/referloop/pkg/store"
	"github.com/referloop/referloop/pkg/valid"
)

// problemFor is the one place an error becomes an answer: the HTTP layer's own problems as they
// are, domain and store errors by their value (always with errors.As/Is, so a wrapped error gets the
// same answer), and anything else as 500. known is false for the 500s, which are logged.
func problemFor(err error) (p *problem.Problem, known bool) {
	var (
		prob     *problem.Problem
		fields   valid.Errors
		illegal  *referral.IllegalMoveError
		conflict *referral.ConflictError
	)
	switch {
	case errors.As(err, &prob):
		return prob, true
	case errors.As(err, &fields):
		return problem.Validation(fields), true
	case errors.As(err, &illegal):
		p = problem.New(http.StatusUnprocessableEntity, "illegal-transition", "This move is not allowed now", illegal.Error())
		allowed := referral.Strings(illegal.Allowed)
		p.Extensions = map[string]any{"allowed": allowed}
		return p, true
	case errors.Is(err, referral.ErrNotWaiting):
		return problem.New(http.StatusConflict, "not-waiting", "No question is open", err.Error()), true
	case errors.As(err, &conflict):
		p = problem.Conflict("someone else changed this referral since you read it; reload it and try again")
		if conflict.Current > 0 {
			p.Detail += " (it is now at version " + strconv.Itoa(conflict.Current) + ")"
			p.Extensions = map[string]any{"version": conflict.Current}
		}
		return p, true
	case errors.Is(err, store.ErrLinkSuperseded):
		return problem.New(http.StatusUnauthorized, "invalid-link", "This link does not work",
			"a newer link was sent to this address since; use the link in the newest email"), true
	case errors.Is(err, store.ErrLinkLocked):
		return problem.New(http.StatusUnauthorized, "invalid-link", "This link does not work",
			"its code was entered wrong too many times; open it in the browser that asked for it, or ask for a new one"), true
	case errors.Is(err, store.ErrDeactivated):
		return problem.New(http.StatusForbidden, "deactivated", "This account was deactivated",
			"the practice deactivated this account; ask the practice to invite you again"), true
	case errors.Is(err, store.ErrIsOwner):
		return problem.New(http.StatusConflict, "cannot-deactivate-owner", "The owner cannot be deactivated",
			"the practice's owner stays active; deactivate staff members only"), true
	case errors.Is(err, store.ErrNotFound):
		return problem.NotFound("the resource"), true
	case errors.Is(err, store.ErrConflict):
		return problem.Conflict("it was changed by someone else; reload and try again"), true
	case errors.Is(err, store.ErrKeyReused):
		return problem.Invalid("Idempotency-Key", "was already used for a different referral; make a new key for a new referral"), true
	case errors.Is(err, store.ErrCodeLocked):
		return problem.New(http.StatusLocked, "code-locked", "This code is locked",
			"5 wrong dates of birth were tried with it; call the practice to hear where your referral stands"), true
	case errors.Is(err, store.ErrBadCursor), errors.Is(err, auth.ErrBadCursor):
		return problem.Invalid("cursor", "is not a cursor this list gave out"), true
	case errors.Is(err, auth.ErrKeyUnavailable):
		return problem.New(http.StatusServiceUnavailable, "unavailable", "Try again in a moment",
			"signing in is unavailable for a moment; nothing was changed"), true
	case errors.Is(err, context.Canceled), errors.Is(err, context.DeadlineExceeded):
		return problem.New(http.StatusServiceUnavailable, "unavailable", "Try again", "the request took too long"), true
	}
	return problem.Internal(), false
}

// fail answers with the problem err stands for; unknown errors are logged with the route and
// become 500, and the 503s (a signing key that cannot be read, a call that ran out of time) are
// logged too: someone has to know.
func (d *Deps) fail(w http.ResponseWriter, r *http.Request, err error) {
	p, known := problemFor(err)
	switch {
	case !known:
		d.logFor(r).Error("internal error", "route", r.Pattern, "error", err.Error())
	case p.Status >= 500:
		d.logFor(r).Error("unavailable", "route", r.Pattern, "status", p.Status, "error", err.Error())
	}
	problem.Write(w, p)
}
