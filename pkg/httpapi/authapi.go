package httpapi

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/referloop/referloop/pkg/auth"
	"github.com/referloop/referloop/pkg/ids"
	"github.com/referloop/referloop/pkg/messages"
	"github.com/referloop/referloop/pkg/partner"
	"github.com/referloop/referloop/pkg/phone"
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
	previewsPerIP   = 60
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
		{"POST", "/v1/auth/link-previews", d.public(d.previewLink)},
		{"POST", "/v1/auth/sessions", d.public(d.createSession)},
		{"DELETE", "/v1/auth/sessions/current", d.public(d.deleteSession)},
		{"DELETE", "/v1/auth/sessions", d.signedIn(d.deleteAllSessions)},
		{"GET", "/v1/me", d.signedIn(d.me)},
		{"GET", "/v1/practices/{slug}/profile", d.public(d.publicProfile)},
	}}
}

// limitIP counts a request from the caller's address; a 429 problem when over.
func (d *Deps) limitIP(ctx context.Context, r *http.Request, scope string, limit int) error {
	ok, retry, err := d.Store.Hit(ctx, scope, ids.Hash(clientGroup(r))[:32], limit, rateLimitWindow)
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

// codeLine is what a link email says about its code.

type signupRequest struct {
	PracticeName string `json:"practiceName"`
	Email        string `json:"email"`
	// TimeZone is the owner's browser's (optional): the practice's time zone to start with.
	TimeZone string `json:"timeZone,omitempty"`
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
	if in.TimeZone = strings.TrimSpace(in.TimeZone); in.TimeZone != "" && practice.ValidateTimeZone(in.TimeZone) != nil {
		in.TimeZone = "" // a browser's zone Go does not know: the owner sets one in Settings
	}
	if err := f.Err(); err != nil {
		return err
	}
	ctx := r.Context()
	if err := d.limitIP(ctx, r, "signup-ip", linksPerIP); err != nil {
		return err
	}
	bind := auth.SetLinkCookie(w, r, !d.InsecureCookies)
	if ok, err := d.emailAllowed(ctx, in.Email); err != nil || !ok {
		if err != nil {
			return err
		}
		writeJSON(w, http.StatusAccepted, linkSent)
		return nil
	}
	code := auth.NewLinkCode()
	urls, err := d.issueBatch(ctx, d.origin(r), in.Email, store.LinkSignup, bind, code,
		[]store.Link{{Purpose: store.LinkSignup, Email: in.Email, PracticeName: in.PracticeName, Role: practice.RoleOwner, TimeZone: in.TimeZone}})
	if err != nil {
		return err
	}
	m, err := messages.Render(messages.SignupConfirm{Practice: in.PracticeName, Link: urls[0], Code: code})
	if err != nil {
		return err
	}
	d.sendLinkMail(ctx, r, m.Email(in.Email))
	writeJSON(w, http.StatusAccepted, linkSent)
	return nil
}

type linkRequest struct {
	Email    string `json:"email"`
	Practice string `json:"practice"`
}

// requestLink emails sign-in links. Whether or not the address can sign in, the request does the
// same work (the same reads, a batch of links or a decoy written, an email sent or as long waited)
// and gets the same answer, with a link cookie that binds the links to this browser.
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
	bind := auth.SetLinkCookie(w, r, !d.InsecureCookies)
	if err := d.sendSignInLinks(ctx, r, in, bind); err != nil {
		return err
	}
	writeJSON(w, http.StatusAccepted, linkSent)
	return nil
}

// signInTarget is one way an address can sign in: a practice (by name), as what, and the link's
// identity.
type signInTarget struct {
	practice string
	as       string
	link     store.Link
}

// signInTargets lists the ways an address can sign in: one Query on the address's markers finds
// every practice it is staff of or refers to (deactivated ones give nothing). With a practice (the
// practice's public page), that practice's referrer and the practice are also read side by side
// (a referrer made before markers has none), so an unknown address costs the same reads as a known
// one (whether a practice exists is public: its page is); an address that is nobody at that
// practice gets a join link to refer as a new source, within the page's daily limits (counted for
// every request of the page).
func (d *Deps) signInTargets(ctx context.Context, in linkRequest) ([]signInTarget, error) {
	var (
		ms      []store.Membership
		msErr   error
		tid     string
		ref     partner.Referrer
		p       practice.Practice
		refErr  = store.ErrNotFound
		pErr    error
		joinOK  bool
		joinErr error
		wg      sync.WaitGroup
	)
	wg.Add(1)
	go func() { defer wg.Done(); ms, msErr = d.Store.Memberships(ctx, in.Email) }()
	if in.Practice != "" {
		var err error
		tid, err = d.Store.TenantBySlug(ctx, in.Practice)
		if store.IsNotFound(err) {
			tid = ""
		} else if err != nil {
			wg.Wait()
			return nil, err
		}
		if tid != "" {
			// The page's daily limits are counted for every address, known or not, so that both do
			// the same writes; only a join link is held back by them.
			wg.Add(3)
			go func() { defer wg.Done(); ref, refErr = d.Store.Referrer(ctx, tid, in.Email) }()
			go func() { defer wg.Done(); p, pErr = d.Store.Practice(ctx, tid) }()
			go func() { defer wg.Done(); joinOK, joinErr = d.joinAllowed(ctx, tid, in.Email) }()
		}
	}
	wg.Wait()
	if store.IsNotFound(refErr) {
		refErr = nil
	} else if refErr == nil && ref.DeactivatedAt != nil {
		ref.ID = "" // deactivated: nothing for this practice
	}
	if err := errors.Join(msErr, refErr, pErr, joinErr); err != nil {
		return nil, err
	}
	var out []signInTarget
	seen := map[string]bool{}
	for _, m := range ms {
		seen[m.TenantID] = true // a deactivated membership blocks a join link too
		if m.DeactivatedAt != nil || m.TenantID == "" {
			continue
		}
		l := store.Link{Purpose: store.LinkSignin, Email: in.Email, TenantID: m.TenantID, Role: m.Role, PartnerID: m.PartnerID}
		out = append(out, signInTarget{m.PracticeName, roleWords(m.Role), l})
	}
	if tid == "" || seen[tid] {
		return out, nil
	}
	if ref.ID != "" { // a referrer made before address markers
		return append(out, signInTarget{p.Name, roleWords(practice.RoleReferrer), store.Link{Purpose: store.LinkSignin,
			Email: in.Email, TenantID: tid, Role: practice.RoleReferrer, PartnerID: ref.PartnerID}}), nil
	}
	if refErr == nil && ref.Email != "" { // deactivated by this practice
		return out, nil
	}
	if !joinOK {
		return out, nil
	}
	return append(out, signInTarget{p.Name, "to refer patients as a new referring provider",
		store.Link{Purpose: store.LinkJoin, Email: in.Email, TenantID: tid, Role: practice.RoleReferrer, PracticeName: p.Name}}), nil
}

// roleWords is what a sign-in email says a link signs in as.
func roleWords(role string) string {
	switch role {
	case practice.RoleReferrer:
		return "to refer patients"
	case practice.RoleOwner:
		return "as the practice's owner"
	}
	return "as practice staff"
}

// sendSignInLinks emails a link for each way the address can sign in, bound to the asking browser,
// with one code for all of them. An address that gets nothing gets a decoy batch and a wait as long
// as a send.
func (d *Deps) sendSignInLinks(ctx context.Context, r *http.Request, in linkRequest, bind string) error {
	if ok, err := d.emailAllowed(ctx, in.Email); err != nil || !ok {
		return err
	}
	targets, err := d.signInTargets(ctx, in)
	if err != nil {
		return err
	}
	links := make([]store.Link, len(targets))
	for i, t := range targets {
		links[i] = t.link
	}
	code := auth.NewLinkCode()
	urls, err := d.issueBatch(ctx, d.origin(r), in.Email, store.LinkSignin, bind, code, links)
	if err != nil {
		return err
	}
	if len(targets) == 0 {
		d.mailTimes.wait(ctx)
		return nil
	}
	entries := make([]messages.PracticeLink, len(targets))
	for i, t := range targets {
		entries[i] = messages.PracticeLink{Practice: t.practice, As: t.as, Link: urls[i]}
	}
	m, err := messages.Render(messages.SigninLink{Links: entries, Code: code})
	if err != nil {
		return err
	}
	d.sendLinkMail(ctx, r, m.Email(in.Email))
	return nil
}

type sessionRequest struct {
	Token string `json:"token"`
	Code  string `json:"code,omitempty"`
	// Join is what a join link's person says of themselves (required with a join link).
	Join *JoinDetails `json:"join,omitempty"`
}

// LinkPreview is what a link signs in to, shown before it is confirmed.
type LinkPreview struct {
	Purpose  string `json:"purpose"`
	Email    string `json:"email"`
	Role     string `json:"role"`
	Practice struct {
		Name string `json:"name"`
	} `json:"practice"`
	Partner *struct {
		Name string `json:"name"`
	} `json:"partner,omitempty"`
	// CodeRequired: the link was asked for in another browser; confirming it takes the email's code.
	CodeRequired bool `json:"codeRequired"`
}

// previewLink says, without spending the link, which account and practice it signs in to, and
// whether this browser needs the email's code.
func (d *Deps) previewLink(w http.ResponseWriter, r *http.Request) error {
	var in struct {
		Token string `json:"token"`
	}
	if err := decode(r, &in); err != nil {
		return err
	}
	ctx := r.Context()
	if err := d.limitIP(ctx, r, "preview-ip", previewsPerIP); err != nil {
		return err
	}
	_, l, err := d.peekLink(ctx, in.Token)
	if err != nil {
		return err
	}
	v := LinkPreview{Purpose: l.Purpose, Email: l.Email, Role: l.Role, CodeRequired: d.needsCode(r, l)}
	v.Practice.Name = l.PracticeName
	if l.Purpose != store.LinkSignup {
		p, err := d.Store.Practice(ctx, l.TenantID)
		if store.IsNotFound(err) {
			return linkGone
		} else if err != nil {
			return err
		}
		v.Practice.Name = p.Name
		if l.Role == practice.RoleReferrer && l.PartnerID != "" {
			pt, err := d.Store.Partner(ctx, l.TenantID, l.PartnerID)
			if err != nil && !store.IsNotFound(err) {
				return err
			}
			v.Partner = &struct {
				Name string `json:"name"`
			}{pt.Name}
		}
	}
	writeJSON(w, http.StatusOK, v)
	return nil
}

func (d *Deps) createSession(w http.ResponseWriter, r *http.Request) error {
	var in sessionRequest
	if err := decode(r, &in); err != nil {
		return err
	}
	ctx := r.Context()
	if err := d.limitIP(ctx, r, "session-ip", sessionsPerIP); err != nil {
		return err
	}
	// The session is signed after the link is spent: a key that cannot be read must stop the request
	// before, or the link would be used up for nothing.
	if err := d.Signer.Ready(ctx); err != nil {
		return err
	}
	hash, link, err := d.peekLink(ctx, in.Token)
	if err != nil {
		return err
	}
	if link.Purpose == store.LinkJoin {
		if in.Join == nil {
			return problem.Invalid("join.organization", "say who you are and which practice or organization you refer from")
		}
		if err := in.Join.validate(); err != nil {
			return err
		}
	}
	if err := d.checkCode(ctx, r, hash, link, in.Code); err != nil {
		return err
	}
	var claims auth.Claims
	switch link.Purpose {
	case store.LinkSignup:
		claims, err = d.confirmSignup(ctx, hash, link)
	case store.LinkJoin:
		claims, err = d.confirmJoin(ctx, hash, *in.Join)
	default:
		claims, err = d.confirmSignin(ctx, hash)
	}
	if store.IsNotFound(err) {
		return linkGone
	} else if err != nil {
		return err
	}
	token, claims, err := d.Signer.Issue(ctx, claims)
	if err == nil {
		err = d.Store.StartSession(ctx, claims.Tenant, claims.Subject, claims.ID, claims.Role, claims.ExpiresAt.Time)
	}
	if err != nil {
		return err
	}
	me, err := d.meOf(ctx, &claims)
	if err != nil {
		return err
	}
	auth.ClearLinkCookie(w, !d.InsecureCookies)
	auth.SetCookies(w, token, claims, !d.InsecureCookies)
	writeJSON(w, http.StatusOK, me)
	return nil
}

// confirmSignup creates the practice and its owner; the link is spent in the same transaction.
func (d *Deps) confirmSignup(ctx context.Context, hash string, l store.Link) (auth.Claims, error) {
	now := d.now()
	p := practice.Practice{ID: ids.Short("t_"), CreatedAt: now, UpdatedAt: now, Version: 1,
		Profile: practice.Profile{Name: l.PracticeName, Conditions: []string{}, ContactByHours: practice.DefaultContactBy,
			IntakeContact: practice.Contact{Email: l.Email}, Country: phone.DefaultCountry, TimeZone: l.TimeZone}}
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

// confirmSignin spends a sign-in or invitation link and says who it signs in (their first sign-in
// accepts a pending invitation); ErrDeactivated for a person the practice deactivated since the
// link was sent; ErrNotFound for one whose invitation was revoked.
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
		if ref.DeactivatedAt != nil {
			return c, store.ErrDeactivated
		}
		p, err := d.Store.Partner(ctx, l.TenantID, ref.PartnerID)
		if err != nil {
			return c, err
		}
		c.Partner, c.Referrer, c.Name, c.PartnerName = ref.PartnerID, ref.ID, ref.Name, p.Name
		if ref.Invitation != nil { // their first sign-in: the invitation is accepted
			err = d.Store.Joined(ctx, l.TenantID, practice.RoleReferrer, c.Subject)
		}
		return c, err
	}
	u, err := d.Store.User(ctx, l.TenantID, l.Email)
	if err != nil {
		return c, err
	}
	if u.DeactivatedAt != nil {
		return c, store.ErrDeactivated
	}
	c.Role, c.Name = u.Role, u.Name
	if u.Invitation != nil {
		err = d.Store.Joined(ctx, l.TenantID, u.Role, c.Subject)
	}
	return c, err
}

func (d *Deps) deleteSession(w http.ResponseWriter, r *http.Request) error {
	c, err := d.session(r)
	var p *problem.Problem
	if err != nil && !(errors.As(err, &p) && p.Status == http.StatusUnauthorized) {
		// A cross-site request must not sign anyone out either; and when the key or the table cannot
		// be read, the session is not ended, so the answer says so (503) instead of clearing cookies.
		return err
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

// deleteAllSessions signs the person out everywhere: every session of their account at this
// practice ends now, on every device, this one included.
func (d *Deps) deleteAllSessions(w http.ResponseWriter, r *http.Request, c *auth.Claims) error {
	if _, err := d.Store.EndSessions(r.Context(), c.Tenant, c.Subject); err != nil {
		return err
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
		// The practice's local settings: the portal shows times in its zone.
		TimeZone string `json:"timeZone"`
		Country  string `json:"country"`
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
	me.Practice.TimeZone, me.Practice.Country = p.TimeZoneName(), p.CountryOrDefault()
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
