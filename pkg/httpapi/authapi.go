package httpapi

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/referloop/referloop/pkg/auth"
	"github.com/referloop/referloop/pkg/ids"
	"github.com/referloop/referloop/pkg/messages"
	"github.com/referloop/referloop/pkg/practice"
	"github.com/referloop/referloop/pkg/problem"
	"github.com/referloop/referloop/pkg/store"
	"github.com/referloop/referloop/pkg/valid"
)

// Rate limits of the sign-in surface.
const (
	linksPerEmail   = 5
	linksPerIP      = 30
	sessionsPerIP   = 30
	rateLimitWindow = 15 * time.Minute
)

// The same answer whether or not the email is known.
var linkSent = map[string]string{"message": "If that address can sign in, a link is on its way. It works once, for 15 minutes."}

// Auth is the onboarding and sign-in function: practice sign-up, magic links, sessions, the public
// intake profile.
func Auth(d *Deps) *API {
	return &API{Name: "auth", deps: d, Routes: []Route{
		{"POST", "/v1/practices", d.public(d.signup)},
		{"POST", "/v1/auth/links", d.public(d.requestLink)},
		{"POST", "/v1/auth/sessions", d.public(d.createSession)},
		{"DELETE", "/v1/auth/sessions/current", d.public(d.deleteSession)},
		{"GET", "/v1/me", d.signedIn(d.me)},
		{"GET", "/v1/practices/{slug}/profile", d.public(d.publicProfile)},
	}}
}

// limitIP counts a request from the caller's address; a 429 problem when over.
func (d *Deps) limitIP(ctx context.Context, r *http.Request, scope string, limit int) error {
	ok, retry, err := d.Store.Hit(ctx, scope, ids.Hash(clientIP(r))[:32], limit, rateLimitWindow)
	if err != nil {
		return err
	}
	if !ok {
		return problem.RateLimited(retry)
	}
	return nil
}

// emailAllowed counts a link for an address; over the limit the request is answered as usual but
// nothing is sent, so the answer never tells whether the address is known.
func (d *Deps) emailAllowed(ctx context.Context, email string) (bool, error) {
	ok, _, err := d.Store.Hit(ctx, "email", ids.EmailKey(email), linksPerEmail, rateLimitWindow)
	return ok, err
}

// newLink stores a link for l and returns its URL. The token goes in the fragment, which browsers
// never send to a server, so it stays out of access logs.
func (d *Deps) newLink(ctx context.Context, r *http.Request, l store.Link) (string, error) {
	return d.IssueLink(ctx, d.origin(r), l)
}

// IssueLink stores a magic link for l and returns its URL under origin.
func (d *Deps) IssueLink(ctx context.Context, origin string, l store.Link) (string, error) {
	token := ids.Token(auth.TokenBytes)
	l.CreatedAt = d.now()
	l.ExpiresAt = l.CreatedAt.Add(auth.LinkTTL)
	if err := d.Store.PutLink(ctx, ids.Hash(token), l); err != nil {
		return "", err
	}
	return origin + "/auth#token=" + token, nil
}

type signupRequest struct {
	PracticeName string `json:"practiceName"`
	Email        string `json:"email"`
}

func (d *Deps) signup(w http.ResponseWriter, r *http.Request) error {
	var in signupRequest
	if err := decode(r, &in); err != nil {
		return err
	}
	in.PracticeName, in.Email = strings.TrimSpace(in.PracticeName), ids.NormalizeEmail(in.Email)
	var f valid.Fields
	practice.ValidateName(&f, "practiceName", in.PracticeName)
	practice.ValidateEmail(&f, "email", in.Email, true)
	if err := f.Err(); err != nil {
		return err
	}
	ctx := r.Context()
	if err := d.limitIP(ctx, r, "signup-ip", linksPerIP); err != nil {
		return err
	}
	if ok, err := d.emailAllowed(ctx, in.Email); err != nil || !ok {
		if err != nil {
			return err
		}
		writeJSON(w, http.StatusAccepted, linkSent)
		return nil
	}
	link, err := d.newLink(ctx, r, store.Link{Purpose: store.LinkSignup, Email: in.Email, PracticeName: in.PracticeName, Role: practice.RoleOwner})
	if err == nil {
		var m messages.Message
		if m, err = messages.Render(messages.SignupConfirm{Practice: in.PracticeName, Link: link}); err == nil {
			err = d.Mailer.Send(ctx, m.Email(in.Email))
		}
	}
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusAccepted, linkSent)
	return nil
}

type linkRequest struct {
	Email    string `json:"email"`
	Practice string `json:"practice"`
}

func (d *Deps) requestLink(w http.ResponseWriter, r *http.Request) error {
	var in linkRequest
	if err := decode(r, &in); err != nil {
		return err
	}
	in.Email, in.Practice = ids.NormalizeEmail(in.Email), strings.TrimSpace(strings.ToLower(in.Practice))
	var f valid.Fields
	practice.ValidateEmail(&f, "email", in.Email, true)
	if in.Practice != "" && (practice.Slugify(in.Practice) != in.Practice) {
		f.Add("practice", "must be a practice's slug, like lakeside-physical-therapy")
	}
	if err := f.Err(); err != nil {
		return err
	}
	ctx := r.Context()
	if err := d.limitIP(ctx, r, "link-ip", linksPerIP); err != nil {
		return err
	}
	if err := d.sendSignInLinks(ctx, r, in); err != nil {
		return err
	}
	writeJSON(w, http.StatusAccepted, linkSent)
	return nil
}

// sendSignInLinks emails a link for each way the address can sign in: as a referrer of the named
// practice, or as staff of each practice it belongs to. Unknown addresses get nothing.
func (d *Deps) sendSignInLinks(ctx context.Context, r *http.Request, in linkRequest) error {
	if ok, err := d.emailAllowed(ctx, in.Email); err != nil || !ok {
		return err
	}
	var entries []messages.PracticeLink
	if in.Practice != "" {
		tid, err := d.Store.TenantBySlug(ctx, in.Practice)
		if store.IsNotFound(err) {
			return nil
		} else if err != nil {
			return err
		}
		ref, err := d.Store.Referrer(ctx, tid, in.Email)
		if store.IsNotFound(err) {
			return nil
		} else if err != nil {
			return err
		}
		p, err := d.Store.Practice(ctx, tid)
		if err != nil {
			return err
		}
		link, err := d.newLink(ctx, r, store.Link{Purpose: store.LinkSignin, Email: in.Email, TenantID: tid,
			Role: practice.RoleReferrer, PartnerID: ref.PartnerID})
		if err != nil {
			return err
		}
		entries = append(entries, messages.PracticeLink{Practice: p.Name, Link: link})
	} else {
		ms, err := d.Store.Memberships(ctx, in.Email)
		if err != nil {
			return err
		}
		for _, m := range ms {
			link, err := d.newLink(ctx, r, store.Link{Purpose: store.LinkSignin, Email: in.Email, TenantID: m.TenantID, Role: m.Role})
			if err != nil {
				return err
			}
			entries = append(entries, messages.PracticeLink{Practice: m.PracticeName, Link: link})
		}
	}
	if len(entries) == 0 {
		return nil
	}
	m, err := messages.Render(messages.SigninLink{Links: entries})
	if err != nil {
		return err
	}
	return d.Mailer.Send(ctx, m.Email(in.Email))
}

type sessionRequest struct {
	Token string `json:"token"`
}

var invalidLink = problem.New(http.StatusUnauthorized, "invalid-link", "This link does not work",
	"it has expired or was already used; ask for a new one")

func (d *Deps) createSession(w http.ResponseWriter, r *http.Request) error {
	var in sessionRequest
	if err := decode(r, &in); err != nil {
		return err
	}
	ctx := r.Context()
	if err := d.limitIP(ctx, r, "session-ip", sessionsPerIP); err != nil {
		return err
	}
	in.Token = strings.TrimSpace(in.Token)
	if len(in.Token) != 43 {
		return invalidLink
	}
	hash := ids.Hash(in.Token)
	link, err := d.Store.PeekLink(ctx, hash)
	if store.IsNotFound(err) {
		return invalidLink
	} else if err != nil {
		return err
	}
	var claims auth.Claims
	if link.Purpose == store.LinkSignup {
		claims, err = d.confirmSignup(ctx, hash, link)
	} else {
		claims, err = d.confirmSignin(ctx, hash)
	}
	if store.IsNotFound(err) {
		return invalidLink
	} else if err != nil {
		return err
	}
	token, claims, err := d.Signer.Issue(ctx, claims)
	if err == nil {
		err = d.Store.PutSession(ctx, claims.Tenant, claims.Subject, claims.ID, claims.ExpiresAt.Time)
	}
	if err != nil {
		return err
	}
	me, err := d.meOf(ctx, &claims)
	if err != nil {
		return err
	}
	auth.SetCookies(w, token, claims, !d.InsecureCookies)
	writeJSON(w, http.StatusOK, me)
	return nil
}

// confirmSignup creates the practice and its owner; the link is spent in the same transaction.
func (d *Deps) confirmSignup(ctx context.Context, hash string, l store.Link) (auth.Claims, error) {
	now := d.now()
	p := practice.Practice{ID: ids.Short("t_"), CreatedAt: now, UpdatedAt: now, Version: 1,
		Profile: practice.Profile{Name: l.PracticeName, Conditions: []string{}, ContactByHours: practice.DefaultContactBy,
			IntakeContact: practice.Contact{Email: l.Email}}}
	owner := store.User{Email: l.Email, Role: practice.RoleOwner}
	base := practice.Slugify(l.PracticeName)
	for i := 1; ; i++ {
		switch {
		case i == 1:
			p.Slug = base
		case i <= 4:
			p.Slug = fmt.Sprintf("%s-%d", base, i)
		default:
			p.Slug = base + "-" + ids.Short("")[:6]
		}
		err := d.Store.CreatePractice(ctx, hash, p, owner)
		if errors.Is(err, store.ErrSlugTaken) && i < 8 {
			continue
		}
		if err != nil {
			return auth.Claims{}, err
		}
		break
	}
	return auth.Claims{RegisteredClaims: jwt.RegisteredClaims{Subject: ids.EmailKey(l.Email)},
		Tenant: p.ID, Role: practice.RoleOwner, Email: l.Email}, nil
}

// confirmSignin spends a sign-in link and says who it signs in.
func (d *Deps) confirmSignin(ctx context.Context, hash string) (auth.Claims, error) {
	l, err := d.Store.ConsumeLink(ctx, hash)
	if err != nil {
		return auth.Claims{}, err
	}
	c := auth.Claims{RegisteredClaims: jwt.RegisteredClaims{Subject: ids.EmailKey(l.Email)},
		Tenant: l.TenantID, Role: l.Role, Email: l.Email}
	if l.Role == practice.RoleReferrer {
		ref, err := d.Store.Referrer(ctx, l.TenantID, l.Email)
		if err != nil {
			return c, err
		}
		p, err := d.Store.Partner(ctx, l.TenantID, ref.PartnerID)
		if err != nil {
			return c, err
		}
		c.Partner, c.Referrer, c.Name, c.PartnerName = ref.PartnerID, ref.ID, ref.Name, p.Name
		return c, nil
	}
	u, err := d.Store.User(ctx, l.TenantID, l.Email)
	if err != nil {
		return c, err
	}
	c.Role, c.Name = u.Role, u.Name
	return c, nil
}

func (d *Deps) deleteSession(w http.ResponseWriter, r *http.Request) error {
	c, err := d.session(r)
	var p *problem.Problem
	if errors.As(err, &p) && p.Status == http.StatusForbidden {
		return err // a cross-site request must not sign anyone out either
	}
	if err == nil {
		if err := d.Store.DeleteSession(r.Context(), c.Tenant, c.Subject, c.ID); err != nil {
			return err
		}
	}
	auth.ClearCookies(w, !d.InsecureCookies)
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// Me is who is signed in.
type Me struct {
	User struct {
		Email string `json:"email"`
		Name  string `json:"name"`
		Role  string `json:"role"`
	} `json:"user"`
	Practice struct {
		ID   string `json:"id"`
		Name string `json:"name"`
		Slug string `json:"slug"`
	} `json:"practice"`
	Partner *struct {
		ID   string `json:"id"`
		Name string `json:"name"`
	} `json:"partner,omitempty"`
}

func (d *Deps) meOf(ctx context.Context, c *auth.Claims) (Me, error) {
	var me Me
	p, err := d.Store.Practice(ctx, c.Tenant)
	if err != nil {
		return me, err
	}
	me.User.Email, me.User.Name, me.User.Role = c.Email, c.Name, c.Role
	me.Practice.ID, me.Practice.Name, me.Practice.Slug = p.ID, p.Name, p.Slug
	if c.Role == practice.RoleReferrer {
		me.Partner = &struct {
			ID   string `json:"id"`
			Name string `json:"name"`
		}{c.Partner, c.PartnerName}
	}
	return me, nil
}

func (d *Deps) me(w http.ResponseWriter, r *http.Request, c *auth.Claims) error {
	me, err := d.meOf(r.Context(), c)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, me)
	return nil
}

func (d *Deps) publicProfile(w http.ResponseWriter, r *http.Request) error {
	slug := r.PathValue("slug")
	if practice.Slugify(slug) != slug {
		return problem.NotFound("the practice")
	}
	tid, err := d.Store.TenantBySlug(r.Context(), slug)
	if store.IsNotFound(err) {
		return problem.NotFound("the practice")
	} else if err != nil {
		return err
	}
	p, err := d.Store.Practice(r.Context(), tid)
	if err != nil {
		return err
	}
	w.Header().Set("Cache-Control", "public, max-age=60")
	writeJSON(w, http.StatusOK, p.Profile)
	return nil
}
