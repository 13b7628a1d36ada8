package httpapi

import (
	"fmt"
	"net/http"
	"strconv"

	"github.com/referloop/referloop/pkg/auth"
	"github.com/referloop/referloop/pkg/practice"
	"github.com/referloop/referloop/pkg/problem"
	"github.com/referloop/referloop/pkg/referral"
	"github.com/referloop/referloop/pkg/store"
	"github.com/referloop/referloop/pkg/valid"
)

// Submit is the referral submission function.
func Submit(d *Deps) *API {
	return &API{Name: "submit", deps: d, Routes: []Route{
		{"POST", "/v1/referrals", d.referrer(d.submit)},
		// A patient's own referral (/r/{slug}), confirmed by an emailed link (intakeapi.go).
		{"POST", "/v1/practices/{slug}/self-referrals", d.public(d.selfRefer)},
		{"POST", "/v1/self-referrals/confirmations", d.public(d.confirmSelfReferral)},
	}}
}

// Referrals is the referral status function: lists and single reads.
func Referrals(d *Deps) *API {
	return &API{Name: "referrals", deps: d, Routes: []Route{
		{"GET", "/v1/referrals", d.signedIn(d.listReferrals)},
		{"GET", "/v1/referrals/{id}", d.signedIn(d.getReferral)},
		{"GET", "/v1/scorecard", d.referrer(d.referrerScorecard)},
	}}
}

func (d *Deps) submit(w http.ResponseWriter, r *http.Request, c *auth.Claims) error {
	now := d.now()
	ulid, err := referral.CheckIdempotencyKey(r.Header.Get("Idempotency-Key"), now)
	if err != nil {
		return err
	}
	var in referral.Submission
	if err := decode(r, &in); err != nil {
		return err
	}
	ctx := r.Context()
	facts, err := d.practiceFacts(ctx, c.Tenant)
	if err != nil {
		return err
	}
	in.Country = facts.country // the patient's phone is read in the practice's country, kept in E.164
	in.Normalize()
	if err := in.Validate(now); err != nil {
		return err
	}
	// A referral brings emails and a text to the patient's address and phone: a referrer, and a
	// practice, send so many a day (a replay of a key counts: the client is repeating all the same).
	q := d.quotas(facts.created, now)
	if err := d.take(ctx,
		daily(scopeSubmitReferrer, q.SubmitsPerReferrer, fmt.Sprintf("you can send this practice %d referrals a day", q.SubmitsPerReferrer), c.Tenant, c.Referrer),
		daily(scopeSubmitPractice, q.SubmitsPerPractice, fmt.Sprintf("this practice takes %d referrals a day through Referloop; call it", q.SubmitsPerPractice), c.Tenant),
	); err != nil {
		return err
	}
	ref := referral.New(c.Tenant, referral.PartnerRef{ID: c.Partner, Name: c.PartnerName}, c.Referrer,
		referral.Person{Name: c.Name, Email: c.Email}, ulid, in, now, facts.hours)
	ref.LastActor = actorAt(r, c, "create")
	ref.Day = practice.LocalDay(now, facts.loc) // counted in the practice's day (metrics' days end at its midnight)
	stored, replayed, err := d.Store.CreateReferral(ctx, ref)
	if err != nil {
		return err
	}
	if replayed {
		w.Header().Set("Idempotent-Replayed", "true")
	}
	w.Header().Set("Location", "/v1/referrals/"+stored.ID)
	writeReferral(w, http.StatusCreated, d.view(stored, c))
	return nil
}

type referralList struct {
	Items      []ReferralSummary `json:"items"`
	NextCursor string            `json:"nextCursor,omitempty"`
}

func (d *Deps) listReferrals(w http.ResponseWriter, r *http.Request, c *auth.Claims) error {
	q := r.URL.Query()
	if q.Has("q") { // issue 10: the staff queue's search (searchapi.go)
		return d.searchReferrals(w, r, c)
	}
	var f valid.Fields
	status := referral.Status(q.Get("status"))
	if status != "" && !status.Valid() {
		f.Add("status", "is not a referral status")
	}
	limit := 25
	if v := q.Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 100 {
			f.Add("limit", "must be a whole number from 1 to 100")
		}
		limit = n
	}
	overdue := q.Get("overdue")
	if overdue != "" && overdue != "true" && overdue != "false" {
		f.Add("overdue", "must be true or false")
	}
	if overdue == "true" && !practice.IsStaff(c.Role) {
		f.Add("overdue", "is for practice staff")
	}
	cursor := q.Get("cursor")
	if len(cursor) > maxCursor {
		f.Add("cursor", "is not a cursor this list gave out")
	}
	if err := f.Err(); err != nil {
		return err
	}
	ctx := r.Context()
	list := queueList(status)
	if !practice.IsStaff(c.Role) {
		list = referrerList(c, status)
	}
	var page store.Page
	var err error
	if overdue == "true" {
		page.Items, err = d.Store.Overdue(ctx, c.Tenant, d.now(), limit)
	} else if cursor, err = d.openCursor(ctx, c, list, cursor); err != nil {
		return err
	} else if practice.IsStaff(c.Role) {
		page, err = d.Store.ReferralsByStatus(ctx, c.Tenant, status, limit, cursor)
	} else {
		page, err = d.referrerReferrals(ctx, c, status, limit, cursor) // with their former partners' (mergeapi.go)
	}
	if err != nil {
		return err
	}
	if page.NextCursor, err = d.sealCursor(ctx, c, list, page.NextCursor); err != nil {
		return err
	}
	ids := make([]string, 0, len(page.Items))
	items := make([]ReferralSummary, 0, len(page.Items))
	for _, ref := range page.Items {
		items = append(items, d.summary(ref, c))
		ids = append(ids, ref.ID)
	}
	if len(ids) > 0 {
		if err := d.audit(ctx, r, c, "list", ids...); err != nil {
			return err
		}
	}
	writeJSON(w, http.StatusOK, referralList{Items: items, NextCursor: page.NextCursor})
	return nil
}

// loadReferral reads a referral the session may see: the tenant comes from the session, and a
// referrer sees only what they sent. Anything else is 404, never 403, so ids leak nothing.
func (d *Deps) loadReferral(r *http.Request, c *auth.Claims) (referral.Referral, error) {
	ref, err := d.Store.Referral(r.Context(), c.Tenant, r.PathValue("id"))
	if store.IsNotFound(err) || (err == nil && !practice.IsStaff(c.Role) &&
		(ref.ReferrerID != c.Referrer || (ref.Partner.ID != c.Partner && !d.sentByFormerPartner(r.Context(), c, ref)))) {
		return ref, problem.NotFound("the referral")
	}
	return ref, err
}

func (d *Deps) getReferral(w http.ResponseWriter, r *http.Request, c *auth.Claims) error {
	ref, err := d.loadReferral(r, c)
	if err != nil {
		return err
	}
	if err := d.audit(r.Context(), r, c, "read", ref.ID); err != nil {
		return err
	}
	writeReferral(w, http.StatusOK, d.view(ref, c))
	return nil
}
