package httpapi

import (
	"errors"
	"net/http"

	"github.com/referloop/referloop/pkg/auth"
	"github.com/referloop/referloop/pkg/practice"
	"github.com/referloop/referloop/pkg/problem"
)

// sessionHandler is a handler that runs only for a verified, live session.
type sessionHandler func(w http.ResponseWriter, r *http.Request, c *auth.Claims) error

func unsafeMethod(m string) bool {
	return m != http.MethodGet && m != http.MethodHead && m != http.MethodOptions
}

// sessionIdle is the answer for a session unused for longer than its role's idle limit.
func sessionIdle(role string) *problem.Problem {
	limit := "30 minutes"
	if role == practice.RoleReferrer {
		limit = "8 hours"
	}
	return problem.New(http.StatusUnauthorized, "session-idle", "Signed out after inactivity",
		"the session was not used for "+limit+"; sign in again")
}

// session verifies the session cookie (signature, type, algorithm, issuer, audience, issue time,
// expiry), checks it has not been revoked, ended or left idle, and for state-changing requests
// checks the CSRF token. Its last use is recorded when the recorded one is older than
// auth.TouchEvery: one conditional write every few minutes of use, not one per request.
func (d *Deps) session(r *http.Request) (*auth.Claims, error) {
	ck, err := r.Cookie(auth.SessionCookie)
	if err != nil || ck.Value == "" {
		return nil, problem.Unauthorized("sign in with a magic link first")
	}
	c, err := d.Signer.Verify(r.Context(), ck.Value)
	if errors.Is(err, auth.ErrKeyUnavailable) {
		return nil, err // not the caller's fault: 503, logged, and they stay signed in
	} else if err != nil {
		return nil, problem.Unauthorized("your session is not valid; sign in again")
	}
	if unsafeMethod(r.Method) && !auth.CheckCSRF(r, c) {
		return nil, problem.New(http.StatusForbidden, "csrf", "Missing CSRF token",
			"send the rl_csrf cookie's value in the X-CSRF-Token header")
	}
	st, err := d.Store.Session(r.Context(), c.Tenant, c.Subject, c.ID)
	if err != nil {
		return nil, err
	}
	if !st.Live {
		return nil, problem.Unauthorized("the session was signed out or ended; sign in again")
	}
	now := d.now()
	if now.Sub(st.LastSeen) > auth.IdleLimit(c.Role) {
		return nil, sessionIdle(c.Role)
	}
	if now.Sub(st.LastSeen) >= auth.TouchEvery {
		// A failed write only leaves the session to end sooner (it fails safe), so the request goes
		// on; the failure is logged (a function whose role may not update session items, say).
		if err := d.Store.TouchSession(r.Context(), c.Tenant, c.Subject, c.ID, now, now.Add(-auth.TouchEvery)); err != nil {
			d.logFor(r).Warn("session last use not recorded", "route", r.Pattern, "error", err.Error())
		}
	}
	return c, nil
}

func (d *Deps) withSession(allow func(role string) bool, h sessionHandler) http.HandlerFunc {
	return d.public(func(w http.ResponseWriter, r *http.Request) error {
		c, err := d.session(r)
		if err != nil {
			return err
		}
		if !allow(c.Role) {
			return problem.Forbidden("this is for " + who(allow) + " only")
		}
		return h(w, r, c)
	})
}

func who(allow func(string) bool) string {
	switch {
	case allow(practice.RoleReferrer):
		return "referrers"
	case !allow(practice.RoleStaff):
		return "the practice's owner"
	}
	return "practice staff"
}

func anyRole(string) bool         { return true }
func isReferrer(role string) bool { return role == practice.RoleReferrer }

// staff runs h for the practice's owner and staff.
func (d *Deps) staff(h sessionHandler) http.HandlerFunc { return d.withSession(practice.IsStaff, h) }

// referrer runs h for referrers.
func (d *Deps) referrer(h sessionHandler) http.HandlerFunc { return d.withSession(isReferrer, h) }

// signedIn runs h for anyone with a session.
func (d *Deps) signedIn(h sessionHandler) http.HandlerFunc { return d.withSession(anyRole, h) }
