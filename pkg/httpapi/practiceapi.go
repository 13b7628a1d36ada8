package httpapi

import (
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/referloop/referloop/pkg/auth"
	"github.com/referloop/referloop/pkg/ids"
	"github.com/referloop/referloop/pkg/partner"
	"github.com/referloop/referloop/pkg/practice"
	"github.com/referloop/referloop/pkg/problem"
	"github.com/referloop/referloop/pkg/store"
	"github.com/referloop/referloop/pkg/valid"
)

// Practice is the practice administration function: the intake profile, invitations of a partner's
// referrers (the partner record itself is the network function's, networkapi.go).
func Practice(d *Deps) *API {
	return &API{Name: "practice", deps: d, Routes: []Route{
		{"GET", "/v1/practice", d.staff(d.getPractice)},
		{"PUT", "/v1/practice", d.staff(d.putPractice)},
		{"POST", "/v1/partners/{id}/invitations", d.staff(d.invite)},
		{"GET", "/v1/partners/{id}/referrers", d.staff(d.listReferrers)},
		{"DELETE", "/v1/partners/{id}/referrers/{referrerId}", d.staff(d.deactivateReferrer)},
		{"GET", "/v1/members", d.withSession(isOwner, d.listMembers)},
		{"DELETE", "/v1/members/{id}", d.withSession(isOwner, d.deactivateMember)},
		{"GET", "/v1/audit", d.withSession(isOwner, d.auditDay)},
		// The team and invitations (teamapi.go).
		{"POST", "/v1/members", d.withSession(isOwner, d.addMember)},
		{"POST", "/v1/members/{id}/invitation", d.withSession(isOwner, d.resendMemberInvitation)},
		{"DELETE", "/v1/members/{id}/invitation", d.withSession(isOwner, d.revokeMemberInvitation)},
		{"POST", "/v1/partners/{id}/referrers/{referrerId}/invitation", d.staff(d.resendReferrerInvitation)},
		{"DELETE", "/v1/partners/{id}/referrers/{referrerId}/invitation", d.staff(d.revokeReferrerInvitation)},
		{"POST", "/v1/partners/{id}/confirm", d.staff(d.confirmPartner)},
		// issue 10: the new practice's onboarding checklist (onboardingapi.go).
		{"GET", "/v1/onboarding", d.staff(d.getOnboarding)},
		{"POST", "/v1/onboarding/steps", d.staff(d.postOnboardingStep)},
	}}
}

func writePractice(w http.ResponseWriter, status int, p practice.Practice) {
	w.Header().Set("ETag", strconv.Quote(strconv.Itoa(p.Version)))
	writeJSON(w, status, p)
}

func (d *Deps) getPractice(w http.ResponseWriter, r *http.Request, c *auth.Claims) error {
	p, err := d.Store.Practice(r.Context(), c.Tenant)
	if err != nil {
		return err
	}
	writePractice(w, http.StatusOK, p)
	return nil
}

// ifMatch reads an optional If-Match version ("3" or "\"3\""); 0 when absent.
func ifMatch(r *http.Request) (int, error) {
	v := strings.Trim(strings.TrimPrefix(strings.TrimSpace(r.Header.Get("If-Match")), "W/"), `"`)
	if v == "" || v == "*" {
		return 0, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 1 {
		return 0, problem.Invalid("If-Match", "must be the ETag this resource was read with")
	}
	return n, nil
}

func (d *Deps) putPractice(w http.ResponseWriter, r *http.Request, c *auth.Claims) error {
	version, err := ifMatch(r)
	if err != nil {
		return err
	}
	// The document GET returned can be sent back as it is: its read-only fields are ignored.
	var body struct {
		practice.Profile
		ID        string    `json:"id"`
		Version   int       `json:"version"`
		CreatedAt time.Time `json:"createdAt"`
		UpdatedAt time.Time `json:"updatedAt"`
	}
	if err := decode(r, &body); err != nil {
		return err
	}
	in := body.Profile
	in.Normalize()
	if err := in.Validate(); err != nil {
		return err
	}
	p, err := d.Store.UpdateProfile(r.Context(), c.Tenant, version, in)
	if err != nil {
		return err
	}
	writePractice(w, http.StatusOK, p)
	return nil
}

type inviteRequest struct {
	Email string `json:"email"`
	Name  string `json:"name"`
}

// invited is the one answer of an invitation, sent or not (past the address's cap across
// practices the email is not sent, and the answer must not tell).
func invited(email string) map[string]string {
	return map[string]string{"message": "Invitation on its way to " + email + "."}
}

// invite makes the person a referrer of the partner (the identity is (practice, email)) and emails
// them a sign-in link; later they can ask for a new link from the practice's page. Limits: the
// practice's invitations a day and its invitations of one address a day are 429 (the staff are
// the ones repeating); past the address's cap across every practice (Limits.InvitesPerAddressAll)
// the referrer is made but no email goes, with the same answer.
func (d *Deps) invite(w http.ResponseWriter, r *http.Request, c *auth.Claims) error {
	ctx := r.Context()
	pt, err := d.Store.Partner(ctx, c.Tenant, r.PathValue("id"))
	if err != nil {
		return err
	}
	var in inviteRequest
	if err := decode(r, &in); err != nil {
		return err
	}
	in.Email, in.Name = ids.NormalizeEmail(in.Email), strings.TrimSpace(in.Name)
	var f valid.Fields
	practice.ValidateEmail(&f, "email", in.Email, true)
	f.Line("name", in.Name, practice.MaxNameLen, false)
	if err := f.Err(); err != nil {
		return err
	}
	p, err := d.Store.Practice(ctx, c.Tenant)
	if err != nil {
		return err
	}
	send, err := d.inviteLimits(ctx, c, p.CreatedAt, ids.EmailKey(in.Email))
	if err != nil {
		return err
	}
	now, rid := d.now(), ids.Short("r_")
	ref, err := d.Store.EnsureReferrer(ctx, c.Tenant, partner.Referrer{ID: rid, PartnerID: pt.ID,
		Email: in.Email, Name: in.Name, CreatedAt: now})
	if err != nil {
		return err
	}
	if ref.PartnerID != pt.ID {
		return problem.Invalid("email", "already refers for another partner of this practice")
	}
	if ref.ID != rid && ref.DeactivatedAt == nil && ref.Invitation == nil {
		return problem.New(http.StatusConflict, "already-active", "Already signed up",
			in.Email+" already refers for this partner; they sign in at /signin with their email")
	}
	// A referrer deactivated before comes back: revoking this invitation deactivates them again.
	rejoin := ref.ID != rid && (ref.DeactivatedAt != nil || ref.Invitation != nil && ref.Invitation.Rejoin)
	if ref.DeactivatedAt != nil { // inviting a deactivated referrer again is how staff let them back in
		if err := d.Store.SetReferrerActive(ctx, c.Tenant, ref.Email, time.Time{}); err != nil {
			return err
		}
		ref.DeactivatedAt = nil
	}
	if err := d.Store.PutReferrerMarker(ctx, c.Tenant, p.Name, ref); err != nil {
		return err
	}
	sends := 1
	if ref.Invitation != nil {
		sends = ref.Invitation.Sends + 1
	}
	if err := d.sendReferrerInvitation(ctx, r, c, p, ref, sends, rejoin, send); err != nil {
		return err
	}
	if err := d.audit(ctx, r, c, "invited referrer "+ref.ID+" of partner "+pt.ID); err != nil {
		return err
	}
	writeJSON(w, http.StatusAccepted, invited(in.Email))
	return nil
}

func isOwner(role string) bool { return role == practice.RoleOwner }

func (d *Deps) auditDay(w http.ResponseWriter, r *http.Request, c *auth.Claims) error {
	q := r.URL.Query()
	day := q.Get("date")
	if day == "" {
		day = d.now().Format(time.DateOnly)
	}
	if _, err := time.Parse(time.DateOnly, day); err != nil {
		return problem.Invalid("date", "must be a date written YYYY-MM-DD")
	}
	ctx := r.Context()
	cursor, err := d.openCursor(ctx, c, auditList(day), q.Get("cursor"))
	if err != nil {
		return err
	}
	page, err := d.Store.AuditDay(ctx, c.Tenant, day, 100, cursor)
	if err != nil {
		return err
	}
	if page.NextCursor, err = d.sealCursor(ctx, c, auditList(day), page.NextCursor); err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, page)
	return nil
}

func (d *Deps) listReferrers(w http.ResponseWriter, r *http.Request, c *auth.Claims) error {
	ctx := r.Context()
	pt, err := d.Store.Partner(ctx, c.Tenant, r.PathValue("id"))
	if err != nil {
		return err
	}
	list, err := d.Store.ReferrersOf(ctx, c.Tenant, pt.ID)
	if err != nil {
		return err
	}
	items, now := make([]ReferrerView, 0, len(list)), d.now()
	for _, ref := range list {
		items = append(items, referrerView(ref, now))
	}
	writeJSON(w, http.StatusOK, map[string]any{"items": items})
	return nil
}

// deactivateReferrer ends a referrer's sessions at once and stops their links: a link request for
// them answers as for any address and sends nothing, a link already sent no longer signs in. Inviting
// them again makes them active. Deactivating one already deactivated ends any session again.
func (d *Deps) deactivateReferrer(w http.ResponseWriter, r *http.Request, c *auth.Claims) error {
	ctx := r.Context()
	pt, err := d.Store.Partner(ctx, c.Tenant, r.PathValue("id"))
	if err != nil {
		return err
	}
	rid := r.PathValue("referrerId")
	list, err := d.Store.ReferrersOf(ctx, c.Tenant, pt.ID)
	if err != nil {
		return err
	}
	i := slices.IndexFunc(list, func(x partner.Referrer) bool { return x.ID == rid })
	if i < 0 {
		return problem.NotFound("the referrer")
	}
	ref := list[i]
	if ref.DeactivatedAt == nil {
		at := d.now()
		if err := d.Store.SetReferrerActive(ctx, c.Tenant, ref.Email, at); err != nil {
			return err
		}
		ref.DeactivatedAt = &at
	}
	if _, err := d.Store.EndSessions(ctx, c.Tenant, ids.EmailKey(ref.Email)); err != nil {
		return err
	}
	if err := d.audit(ctx, r, c, "deactivated referrer "+ref.ID); err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, referrerView(ref, d.now()))
	return nil
}

// Member is a member of the practice's staff as the owner's team list shows one; id is the key of
// their address.
type Member struct {
	ID            string     `json:"id"`
	Email         string     `json:"email"`
	Name          string     `json:"name"`
	Role          string     `json:"role"`
	DeactivatedAt *time.Time `json:"deactivatedAt,omitempty"`
}

func memberOf(u store.User) Member {
	return Member{ID: ids.EmailKey(u.Email), Email: u.Email, Name: u.Name, Role: u.Role, DeactivatedAt: u.DeactivatedAt}
}

func (d *Deps) listMembers(w http.ResponseWriter, r *http.Request, c *auth.Claims) error {
	list, err := d.Store.Members(r.Context(), c.Tenant)
	if err != nil {
		return err
	}
	items, now := make([]MemberView, 0, len(list)), d.now()
	for _, u := range list {
		items = append(items, memberView(u, now))
	}
	writeJSON(w, http.StatusOK, map[string]any{"items": items})
	return nil
}

// deactivateMember deactivates a staff member (never the owner): their sessions end at once, their
// address gets no more links for this practice, and a link already sent no longer signs in.
func (d *Deps) deactivateMember(w http.ResponseWriter, r *http.Request, c *auth.Claims) error {
	ctx := r.Context()
	id := r.PathValue("id")
	if !isEmailKey(id) {
		return problem.NotFound("the member")
	}
	if id == c.Subject {
		return store.ErrIsOwner
	}
	u, err := d.Store.UserByKey(ctx, c.Tenant, id)
	if store.IsNotFound(err) {
		return problem.NotFound("the member")
	} else if err != nil {
		return err
	}
	if u.DeactivatedAt == nil {
		at := d.now()
		if err := d.Store.DeactivateMember(ctx, c.Tenant, id, at); err != nil {
			return err
		}
		u.DeactivatedAt = &at
	}
	if _, err := d.Store.EndSessions(ctx, c.Tenant, id); err != nil {
		return err
	}
	if err := d.audit(ctx, r, c, "deactivated member "+id); err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, memberView(u, d.now()))
	return nil
}

// isEmailKey reports whether s can be an address's key (32 lower-case hex digits).
func isEmailKey(s string) bool {
	if len(s) != 32 {
		return false
	}
	for _, c := range s {
		if (c < '0' || c > '9') && (c < 'a' || c > 'f') {
			return false
		}
	}
	return true
}
