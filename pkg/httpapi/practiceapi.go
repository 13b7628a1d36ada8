package httpapi

import (
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/referloop/referloop/pkg/auth"
	"github.com/referloop/referloop/pkg/ids"
	"github.com/referloop/referloop/pkg/messages"
	"github.com/referloop/referloop/pkg/partner"
	"github.com/referloop/referloop/pkg/practice"
	"github.com/referloop/referloop/pkg/problem"
	"github.com/referloop/referloop/pkg/store"
	"github.com/referloop/referloop/pkg/valid"
)

// Practice is the practice administration function: the intake profile, partners, invitations.
func Practice(d *Deps) *API {
	return &API{Name: "practice", deps: d, Routes: []Route{
		{"GET", "/v1/practice", d.staff(d.getPractice)},
		{"PUT", "/v1/practice", d.staff(d.putPractice)},
		{"GET", "/v1/partners", d.staff(d.listPartners)},
		{"POST", "/v1/partners", d.staff(d.createPartner)},
		{"POST", "/v1/partners/{id}/invitations", d.staff(d.invite)},
		{"PUT", "/v1/partners/{id}", d.staff(d.updatePartner)},
		{"GET", "/v1/audit", d.withSession(isOwner, d.auditDay)},
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

func (d *Deps) listPartners(w http.ResponseWriter, r *http.Request, c *auth.Claims) error {
	list, err := d.Store.Partners(r.Context(), c.Tenant)
	if err != nil {
		return err
	}
	if list == nil {
		list = []partner.Partner{}
	}
	writeJSON(w, http.StatusOK, map[string]any{"items": list})
	return nil
}

func (d *Deps) createPartner(w http.ResponseWriter, r *http.Request, c *auth.Claims) error {
	var in partner.Input
	if err := decode(r, &in); err != nil {
		return err
	}
	in.Normalize()
	if err := in.Validate(); err != nil {
		return err
	}
	p := partner.Partner{ID: ids.Short("p_"), Name: in.Name, Kind: in.Kind, Specialty: in.Specialty, NPI: in.NPI,
		ContactEmail: in.ContactEmail, StatusUpdates: in.StatusUpdates, CreatedAt: d.now()}
	if err := d.Store.CreatePartner(r.Context(), c.Tenant, p); err != nil {
		return err
	}
	w.Header().Set("Location", "/v1/partners/"+p.ID)
	writeJSON(w, http.StatusCreated, p)
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
	now, emailKey := d.now(), ids.EmailKey(in.Email)
	q := d.quotas(p.CreatedAt, now)
	if err := d.take(ctx,
		daily(scopeInvitePractice, q.InvitesPerPractice, fmt.Sprintf("this practice can send %d invitations a day", q.InvitesPerPractice), c.Tenant),
		daily(scopeInviteAddress, q.InvitesPerAddress, fmt.Sprintf("this address was invited %d times today; it can ask for a sign-in link on your practice's page", q.InvitesPerAddress), c.Tenant, emailKey),
	); err != nil {
		return err
	}
	ref, err := d.Store.EnsureReferrer(ctx, c.Tenant, partner.Referrer{ID: ids.Short("r_"), PartnerID: pt.ID,
		Email: in.Email, Name: in.Name, CreatedAt: now})
	if err != nil {
		return err
	}
	if ref.PartnerID != pt.ID {
		return problem.Invalid("email", "already refers for another partner of this practice")
	}
	all := d.limits().InvitesPerAddressAll
	if send, _, err := d.Store.Take(ctx, store.Quota{Scope: scopeInviteAddressAll, Key: emailKey, Limit: all, Per: store.Day}); err != nil {
		return err
	} else if !send {
		writeJSON(w, http.StatusAccepted, invited(in.Email))
		return nil
	}
	link, err := d.newLink(ctx, r, store.Link{Purpose: store.LinkSignin, Email: in.Email, TenantID: c.Tenant,
		Role: practice.RoleReferrer, PartnerID: pt.ID})
	if err == nil {
		var m messages.Message
		if m, err = messages.Render(messages.Invitation{Name: in.Name, Practice: p.Name, Link: link, NewLinkURL: d.origin(r) + "/p/" + p.Slug}); err == nil {
			err = d.Mailer.Send(ctx, m.Email(in.Email))
		}
	}
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusAccepted, invited(in.Email))
	return nil
}

func isOwner(role string) bool { return role == practice.RoleOwner }

func (d *Deps) updatePartner(w http.ResponseWriter, r *http.Request, c *auth.Claims) error {
	ctx := r.Context()
	p, err := d.Store.Partner(ctx, c.Tenant, r.PathValue("id"))
	if err != nil {
		return err
	}
	var in partner.Input
	if err := decode(r, &in); err != nil {
		return err
	}
	in.Normalize()
	if err := in.Validate(); err != nil {
		return err
	}
	p.Name, p.Kind, p.Specialty, p.NPI, p.ContactEmail, p.StatusUpdates = in.Name, in.Kind, in.Specialty, in.NPI, in.ContactEmail, in.StatusUpdates
	if err := d.Store.UpdatePartner(ctx, c.Tenant, p); err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, p)
	return nil
}

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
