package httpapi

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/referloop/referloop/pkg/auth"
	"github.com/referloop/referloop/pkg/ids"
	"github.com/referloop/referloop/pkg/messages"
	"github.com/referloop/referloop/pkg/partner"
	"github.com/referloop/referloop/pkg/practice"
	"github.com/referloop/referloop/pkg/problem"
	"github.com/referloop/referloop/pkg/store"
	"github.com/referloop/referloop/pkg/valid"
)

// The team and invitations: an owner invites staff (POST /v1/members), staff invite a partner's
// referrers; each invitation is a link of its own (single use, valid practice.InvitationTTL, the
// newest of its address, practice and role only), resendable and, while pending, revocable. Every
// action is written to the audit trail as the person who did it. And the sources that signed
// themselves up from the practice's public page, which staff confirm.

// Invitation states as lists show them.
const (
	statePending     = "pending"     // invited, never signed in, the link still works
	stateExpired     = "expired"     // invited, never signed in, the link expired (resend it)
	stateActive      = "active"      // has signed in
	stateDeactivated = "deactivated" // deactivated by the practice
)

// Daily limits of the links the practice's public page sends (every request counts; past them an
// address it does not know gets no join link).
const (
	joinsPerPractice   = 300
	joinsPerAddress    = 5
	scopeJoinPractice  = "join-practice"
	scopeJoinAddress   = "join-address"
	scopeMemberInvite  = "member-invite" // per practice: the owner's team invitations
	memberInvitesADay  = 50
	scopeInviteResends = "invite-resend" // per (practice, address): resends of one invitation
	resendsADay        = 5
)

// InvitationView is a pending invitation as lists show it.
type InvitationView struct {
	SentAt    time.Time `json:"sentAt"`
	ExpiresAt time.Time `json:"expiresAt"`
	By        string    `json:"by"`
	Sends     int       `json:"sends"`
}

func invitationView(inv *practice.Invitation) *InvitationView {
	if inv == nil {
		return nil
	}
	return &InvitationView{SentAt: inv.SentAt, ExpiresAt: inv.ExpiresAt, By: inv.By, Sends: inv.Sends}
}

// personState is the state of a person with deactivated and inv at now.
func personState(deactivated *time.Time, inv *practice.Invitation, now time.Time) string {
	switch {
	case deactivated != nil:
		return stateDeactivated
	case inv == nil:
		return stateActive
	case now.Before(inv.ExpiresAt):
		return statePending
	}
	return stateExpired
}

// ReferrerView is a referrer as staff see one: with their state and pending invitation.
type ReferrerView struct {
	ID            string          `json:"id"`
	PartnerID     string          `json:"partnerId"`
	Email         string          `json:"email"`
	Name          string          `json:"name"`
	CreatedAt     time.Time       `json:"createdAt"`
	DeactivatedAt *time.Time      `json:"deactivatedAt,omitempty"`
	State         string          `json:"state"`
	Invitation    *InvitationView `json:"invitation,omitempty"`
}

func referrerView(r partner.Referrer, now time.Time) ReferrerView {
	return ReferrerView{ID: r.ID, PartnerID: r.PartnerID, Email: r.Email, Name: r.Name, CreatedAt: r.CreatedAt,
		DeactivatedAt: r.DeactivatedAt, State: personState(r.DeactivatedAt, r.Invitation, now), Invitation: invitationView(r.Invitation)}
}

// issueInvitation stores a new invitation link for l (single use, unbound, valid
// practice.InvitationTTL), the newest of its address, practice and role, and returns its URL and
// the invitation to keep on the person.
func (d *Deps) issueInvitation(ctx context.Context, r *http.Request, c *auth.Claims, l store.Link, sends int, rejoin bool) (string, practice.Invitation, error) {
	now := d.now()
	token := ids.Token(auth.TokenBytes)
	hash := ids.Hash(token)
	l.Purpose, l.CreatedAt, l.ExpiresAt = store.LinkInvite, now, now.Add(practice.InvitationTTL)
	b := store.LinkBatch{ID: ids.Short("b_"), Email: l.Email, Purpose: store.LinkInvite, Head: store.InviteHead(l.TenantID, l.Role),
		ExpiresAt: l.ExpiresAt, Links: map[string]store.Link{hash: l}}
	if err := d.Store.PutLinkBatch(ctx, b); err != nil {
		return "", practice.Invitation{}, err
	}
	inv := practice.Invitation{SentAt: now, ExpiresAt: l.ExpiresAt, By: c.Email, Sends: sends, LinkHash: hash, Rejoin: rejoin}
	return d.origin(r) + "/auth#token=" + token, inv, nil
}

// inviteLimits are the daily limits of one invitation email from a practice to an address: the
// practice's invitations and its invitations of the address are 429 (the staff are the ones
// repeating); past the address's cap across every practice the email is not sent (send false)
// and the answer is the same.
func (d *Deps) inviteLimits(ctx context.Context, c *auth.Claims, created time.Time, emailKey string) (send bool, err error) {
	q := d.quotas(created, d.now())
	if err := d.take(ctx,
		daily(scopeInvitePractice, q.InvitesPerPractice, fmt.Sprintf("this practice can send %d invitations a day", q.InvitesPerPractice), c.Tenant),
		daily(scopeInviteAddress, q.InvitesPerAddress, fmt.Sprintf("this address was invited %d times today; it can ask for a sign-in link at /signin", q.InvitesPerAddress), c.Tenant, emailKey),
	); err != nil {
		return false, err
	}
	send, _, err = d.Store.Take(ctx, store.Quota{Scope: scopeInviteAddressAll, Key: emailKey, Limit: d.limits().InvitesPerAddressAll, Per: store.Day})
	return send, err
}

// sendReferrerInvitation issues a referrer's invitation link, keeps it on the referrer and emails
// it when send (the caller took inviteLimits).
func (d *Deps) sendReferrerInvitation(ctx context.Context, r *http.Request, c *auth.Claims, p practice.Practice, ref partner.Referrer, sends int, rejoin, send bool) error {
	link, inv, err := d.issueInvitation(ctx, r, c, store.Link{Email: ref.Email, TenantID: c.Tenant, Role: practice.RoleReferrer,
		PartnerID: ref.PartnerID, PracticeName: p.Name}, sends, rejoin)
	if err != nil {
		return err
	}
	if err := d.Store.SetReferrerInvitation(ctx, c.Tenant, ids.EmailKey(ref.Email), inv); err != nil {
		return err
	}
	if !send {
		return nil
	}
	m, err := messages.Render(messages.Invitation{Name: ref.Name, Practice: p.Name, Link: link, NewLinkURL: d.origin(r) + "/signin"})
	if err != nil {
		return err
	}
	// A refused email (SES refusing the recipient, say) is logged and answered as sent: the
	// invitation stays pending, to resend or revoke.
	d.sendLinkMail(ctx, r, m.Email(ref.Email))
	return nil
}

// referrerOf finds a partner's referrer by id (one Query of the tenant's referrers).
func (d *Deps) referrerOf(ctx context.Context, c *auth.Claims, pid, rid string) (partner.Referrer, error) {
	pt, err := d.Store.Partner(ctx, c.Tenant, pid)
	if err != nil {
		return partner.Referrer{}, err
	}
	list, err := d.Store.ReferrersOf(ctx, c.Tenant, pt.ID)
	if err != nil {
		return partner.Referrer{}, err
	}
	i := slices.IndexFunc(list, func(x partner.Referrer) bool { return x.ID == rid })
	if i < 0 {
		return partner.Referrer{}, problem.NotFound("the referrer")
	}
	return list[i], nil
}

var notPending = problem.New(http.StatusConflict, "not-pending", "No pending invitation",
	"this person has already signed in (or was deactivated); deactivate them instead, or invite them again")

// resendReferrerInvitation sends a pending (or expired) referrer invitation again: a new link, and
// the one before stops working.
func (d *Deps) resendReferrerInvitation(w http.ResponseWriter, r *http.Request, c *auth.Claims) error {
	ctx := r.Context()
	ref, err := d.referrerOf(ctx, c, r.PathValue("id"), r.PathValue("referrerId"))
	if err != nil {
		return err
	}
	if ref.Invitation == nil || ref.DeactivatedAt != nil {
		return notPending
	}
	if err := d.take(ctx, daily(scopeInviteResends, resendsADay, fmt.Sprintf("an invitation can be resent %d times a day", resendsADay), c.Tenant, ids.EmailKey(ref.Email))); err != nil {
		return err
	}
	p, err := d.Store.Practice(ctx, c.Tenant)
	if err != nil {
		return err
	}
	send, err := d.inviteLimits(ctx, c, p.CreatedAt, ids.EmailKey(ref.Email))
	if err != nil {
		return err
	}
	if err := d.sendReferrerInvitation(ctx, r, c, p, ref, ref.Invitation.Sends+1, ref.Invitation.Rejoin, send); err != nil {
		return err
	}
	if err := d.audit(ctx, r, c, "resent the invitation of referrer "+ref.ID); err != nil {
		return err
	}
	ref, err = d.Store.Referrer(ctx, c.Tenant, ref.Email)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusAccepted, referrerView(ref, d.now()))
	return nil
}

// revokeReferrerInvitation withdraws a pending referrer invitation: its link stops working and the
// referrer, who never signed in, is removed (one invited back after a deactivation is deactivated
// again instead).
func (d *Deps) revokeReferrerInvitation(w http.ResponseWriter, r *http.Request, c *auth.Claims) error {
	ctx := r.Context()
	ref, err := d.referrerOf(ctx, c, r.PathValue("id"), r.PathValue("referrerId"))
	if err != nil {
		return err
	}
	if ref.Invitation == nil {
		return notPending
	}
	ek := ids.EmailKey(ref.Email)
	if ref.Invitation.Rejoin {
		if err := d.Store.SetReferrerActive(ctx, c.Tenant, ref.Email, d.now()); err != nil {
			return err
		}
		if err := d.Store.Joined(ctx, c.Tenant, practice.RoleReferrer, ek); err != nil {
			return err
		}
	} else if err := d.Store.RevokeReferrer(ctx, c.Tenant, ek); store.IsNotFound(err) {
		return notPending
	} else if err != nil {
		return err
	}
	if err := d.Store.DeleteLink(ctx, ref.Invitation.LinkHash); err != nil {
		return err
	}
	if _, err := d.Store.EndSessions(ctx, c.Tenant, ids.EmailKey(ref.Email)); err != nil {
		return err
	}
	if err := d.audit(ctx, r, c, "revoked the invitation of referrer "+ref.ID); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// MemberView is a member of the practice's staff as the owner's team list shows one; id is the key
// of their address.
type MemberView struct {
	Member
	State      string          `json:"state"`
	Invitation *InvitationView `json:"invitation,omitempty"`
}

func memberView(u store.User, now time.Time) MemberView {
	return MemberView{Member: memberOf(u), State: personState(u.DeactivatedAt, u.Invitation, now), Invitation: invitationView(u.Invitation)}
}

type memberRequest struct {
	Email string `json:"email"`
	Name  string `json:"name"`
	Role  string `json:"role"`
}

// addMember invites a person to the practice's staff: they are a member at once (pending until
// they first sign in) and get an invitation link. An active member is a 409; a deactivated one is
// made active again; a pending one gets a new link.
func (d *Deps) addMember(w http.ResponseWriter, r *http.Request, c *auth.Claims) error {
	var in memberRequest
	if err := decode(r, &in); err != nil {
		return err
	}
	in.Email, in.Name, in.Role = ids.NormalizeEmail(in.Email), strings.TrimSpace(in.Name), strings.TrimSpace(in.Role)
	var f valid.Fields
	practice.ValidateEmail(&f, "email", in.Email, true)
	f.Line("name", in.Name, practice.MaxNameLen, true)
	if in.Role != practice.RoleOwner && in.Role != practice.RoleStaff {
		f.Add("role", "must be owner or staff")
	}
	if err := f.Err(); err != nil {
		return err
	}
	ctx := r.Context()
	p, err := d.Store.Practice(ctx, c.Tenant)
	if err != nil {
		return err
	}
	ek := ids.EmailKey(in.Email)
	old, err := d.Store.UserByKey(ctx, c.Tenant, ek)
	if err == nil && old.DeactivatedAt == nil && old.Invitation == nil {
		return problem.New(http.StatusConflict, "already-member", "Already on the team", in.Email+" is already a member of this practice")
	} else if err != nil && !store.IsNotFound(err) {
		return err
	}
	// A member deactivated before comes back: revoking this invitation deactivates them again.
	rejoin := err == nil && (old.DeactivatedAt != nil || old.Invitation != nil && old.Invitation.Rejoin)
	if err := d.take(ctx, daily(scopeMemberInvite, memberInvitesADay, fmt.Sprintf("a practice can invite %d team members a day", memberInvitesADay), c.Tenant)); err != nil {
		return err
	}
	u := store.User{Email: in.Email, Name: in.Name, Role: in.Role}
	if err := d.sendMemberInvitation(ctx, r, c, p, &u, 1, rejoin, func(u store.User) error {
		if err := d.Store.InviteMember(ctx, c.Tenant, p.Name, u); errors.Is(err, store.ErrExists) {
			return problem.New(http.StatusConflict, "already-member", "Already on the team", in.Email+" is already a member of this practice")
		} else if err != nil {
			return err
		}
		return nil
	}); err != nil {
		return err
	}
	if err := d.audit(ctx, r, c, "invited "+in.Role+" member "+ek); err != nil {
		return err
	}
	w.Header().Set("Location", "/v1/members/"+ek)
	writeJSON(w, http.StatusCreated, memberView(u, d.now()))
	return nil
}

// sendMemberInvitation issues a member's invitation link, keeps it on the member (save) and emails
// it within the limits.
func (d *Deps) sendMemberInvitation(ctx context.Context, r *http.Request, c *auth.Claims, p practice.Practice, u *store.User, sends int, rejoin bool, save func(store.User) error) error {
	send, err := d.inviteLimits(ctx, c, p.CreatedAt, ids.EmailKey(u.Email))
	if err != nil {
		return err
	}
	link, inv, err := d.issueInvitation(ctx, r, c, store.Link{Email: u.Email, TenantID: c.Tenant, Role: u.Role, PracticeName: p.Name}, sends, rejoin)
	if err != nil {
		return err
	}
	u.Invitation = &inv
	if err := save(*u); err != nil {
		return err
	}
	if !send {
		return nil
	}
	m, err := messages.Render(messages.MemberInvitation{Name: u.Name, Practice: p.Name, InvitedBy: cmpOr(c.Name, c.Email),
		Owner: u.Role == practice.RoleOwner, Link: link, SigninURL: d.origin(r) + "/signin"})
	if err != nil {
		return err
	}
	d.sendLinkMail(ctx, r, m.Email(u.Email)) // a refused email: logged, the invitation stays pending
	return nil
}

func cmpOr(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

// pendingMember reads a member whose invitation is pending (or expired).
func (d *Deps) pendingMember(ctx context.Context, c *auth.Claims, id string) (store.User, error) {
	if !isEmailKey(id) {
		return store.User{}, problem.NotFound("the member")
	}
	u, err := d.Store.UserByKey(ctx, c.Tenant, id)
	if store.IsNotFound(err) {
		return u, problem.NotFound("the member")
	} else if err != nil {
		return u, err
	}
	if u.Invitation == nil || u.DeactivatedAt != nil {
		return u, notPending
	}
	return u, nil
}

func (d *Deps) resendMemberInvitation(w http.ResponseWriter, r *http.Request, c *auth.Claims) error {
	ctx := r.Context()
	id := r.PathValue("id")
	u, err := d.pendingMember(ctx, c, id)
	if err != nil {
		return err
	}
	if err := d.take(ctx, daily(scopeInviteResends, resendsADay, fmt.Sprintf("an invitation can be resent %d times a day", resendsADay), c.Tenant, id)); err != nil {
		return err
	}
	p, err := d.Store.Practice(ctx, c.Tenant)
	if err != nil {
		return err
	}
	if err := d.sendMemberInvitation(ctx, r, c, p, &u, u.Invitation.Sends+1, u.Invitation.Rejoin, func(u store.User) error {
		return d.Store.SetMemberInvitation(ctx, c.Tenant, id, *u.Invitation)
	}); err != nil {
		return err
	}
	if err := d.audit(ctx, r, c, "resent the invitation of member "+id); err != nil {
		return err
	}
	writeJSON(w, http.StatusAccepted, memberView(u, d.now()))
	return nil
}

func (d *Deps) revokeMemberInvitation(w http.ResponseWriter, r *http.Request, c *auth.Claims) error {
	ctx := r.Context()
	id := r.PathValue("id")
	u, err := d.pendingMember(ctx, c, id)
	if err != nil {
		return err
	}
	if u.Invitation.Rejoin {
		if err := d.Store.DeactivateMember(ctx, c.Tenant, id, d.now()); err != nil {
			return err
		}
		if err := d.Store.Joined(ctx, c.Tenant, u.Role, id); err != nil {
			return err
		}
	} else if err := d.Store.RevokeMember(ctx, c.Tenant, id); store.IsNotFound(err) {
		return notPending
	} else if err != nil {
		return err
	}
	if err := d.Store.DeleteLink(ctx, u.Invitation.LinkHash); err != nil {
		return err
	}
	if _, err := d.Store.EndSessions(ctx, c.Tenant, id); err != nil {
		return err
	}
	if err := d.audit(ctx, r, c, "revoked the invitation of member "+id); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// confirmPartner confirms a source that signed itself up from the public page: it is a partner
// like any other from then on. (Merging one into a known partner is a separate action.)
func (d *Deps) confirmPartner(w http.ResponseWriter, r *http.Request, c *auth.Claims) error {
	ctx := r.Context()
	pt, err := d.Store.Partner(ctx, c.Tenant, r.PathValue("id"))
	if err != nil {
		return err
	}
	if pt.Unconfirmed {
		if err := d.Store.ConfirmPartner(ctx, c.Tenant, pt.ID); err != nil {
			return err
		}
		pt.Unconfirmed = false
		if err := d.audit(ctx, r, c, "confirmed new source "+pt.ID); err != nil {
			return err
		}
	}
	writeJSON(w, http.StatusOK, pt)
	return nil
}

// joinAllowed counts a join link of the practice's public page against its daily limits (per
// practice, per address); past either the link is not sent, and the answer is the same.
func (d *Deps) joinAllowed(ctx context.Context, tid, email string) (bool, error) {
	ok, _, err := d.Store.Take(ctx, store.Quota{Scope: scopeJoinPractice, Key: tid, Limit: joinsPerPractice, Per: store.Day})
	if err != nil || !ok {
		return false, err
	}
	ok, _, err = d.Store.Take(ctx, store.Quota{Scope: scopeJoinAddress, Key: store.QuotaKey(tid, ids.EmailKey(email)), Limit: joinsPerAddress, Per: store.Day})
	return ok, err
}

// JoinDetails are what a provider the practice did not invite says of themselves when their join
// link signs them in.
type JoinDetails struct {
	Name         string `json:"name"`
	Organization string `json:"organization"`
	NPI          string `json:"npi,omitempty"`
	Kind         string `json:"kind,omitempty"`
}

func (j *JoinDetails) validate() error {
	j.Name, j.Organization = strings.TrimSpace(j.Name), strings.TrimSpace(j.Organization)
	j.NPI, j.Kind = strings.ReplaceAll(strings.TrimSpace(j.NPI), " ", ""), strings.ToLower(strings.TrimSpace(j.Kind))
	if j.Kind == "" {
		j.Kind = "other"
	}
	var f valid.Fields
	f.Line("join.name", j.Name, practice.MaxNameLen, true)
	f.Line("join.organization", j.Organization, practice.MaxNameLen, true)
	if j.NPI != "" && !partner.ValidNPI(j.NPI) {
		f.Add("join.npi", "must be a 10-digit NPI with a valid check digit")
	}
	if !slices.Contains(partner.Kinds, j.Kind) || j.Kind == partner.KindPatient || j.Kind == partner.KindSelf {
		f.Add("join.kind", "must be pcp, specialist, chiropractor, therapist, hospital, employer or other")
	}
	return f.Err()
}

// confirmJoin spends a join link and signs its address in as a referrer of a new, unconfirmed
// partner made of the person's details; an address that became the practice's referrer meanwhile
// signs in as that one.
func (d *Deps) confirmJoin(ctx context.Context, hash string, j JoinDetails) (auth.Claims, error) {
	l, err := d.Store.ConsumeLink(ctx, hash)
	if err != nil {
		return auth.Claims{}, err
	}
	c := auth.Claims{RegisteredClaims: jwt.RegisteredClaims{Subject: ids.EmailKey(l.Email)},
		Tenant: l.TenantID, Role: practice.RoleReferrer, Email: l.Email}
	ref, err := d.Store.Referrer(ctx, l.TenantID, l.Email)
	if store.IsNotFound(err) {
		now := d.now()
		pt := partner.Partner{ID: ids.Short("p_"), Name: j.Organization, Kind: j.Kind, NPI: j.NPI, ContactEmail: l.Email,
			StatusUpdates: partner.UpdatesEach, CreatedAt: now, Unconfirmed: true}
		if err := d.Store.CreatePartner(ctx, l.TenantID, pt); err != nil {
			return c, err
		}
		ref, err = d.Store.EnsureReferrer(ctx, l.TenantID, partner.Referrer{ID: ids.Short("r_"), PartnerID: pt.ID,
			Email: l.Email, Name: j.Name, CreatedAt: now})
		if err == nil {
			err = d.Store.PutReferrerMarker(ctx, l.TenantID, l.PracticeName, ref)
		}
	}
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
	return c, nil
}
