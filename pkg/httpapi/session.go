package httpapi

import (
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

// session verifies the session cookie (signature, algorithm, issuer, audience, expiry), checks it
// has not been revoked, and for state-changing requests checks the CSRF token.
func (d *Deps) session(r *http.Request) (*auth.Claims, error) {
	ck, err := r.Cookie(auth.SessionCookie)
	if err != nil || ck.Value == "" {
		return nil, problem.Unauthorized("sign in with a magic link first")
	}
	c, err := d.Signer.Verify(r.Context(), ck.Value)
	if err != nil {
		return nil, problem.Unauthorized("your session is not valid; sign in again")
	}
	if unsafeMethod(r.Method) && !auth.CheckCSRF(r, c) {
		return nil, problem.New(http.StatusForbidden, "csrf", "Missing CSRF token",
			"send the rl_csrf cookie's value in the X-CSRF-Token header")
	}
	live, err := d.Store.SessionLive(r.Context(), c.Tenant, c.Subject, c.ID)
	if err != nil {
		return nil, err
	}
	if !live {
		return nil, problem.Unauthorized("you signed out; sign in again")
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
