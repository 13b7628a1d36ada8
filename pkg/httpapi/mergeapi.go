package httpapi

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"

	"github.com/referloop/referloop/pkg/auth"
	"github.com/referloop/referloop/pkg/partner"
	"github.com/referloop/referloop/pkg/practice"
	"github.com/referloop/referloop/pkg/problem"
	"github.com/referloop/referloop/pkg/referral"
	"github.com/referloop/referloop/pkg/store"
	"github.com/referloop/referloop/pkg/valid"
)

// Merging partners (issue 11 item 1, issue 10 item 2: the "new source" case). POST
// /v1/partners/{id}/merge {"from": "<source id>"} with If-Match of the target's version merges the
// source into the target: store.MergePartners says what moves and what stays.

// MergeBody is what a merge takes.
type MergeBody struct {
	From string `json:"from"`
}

func (d *Deps) mergePartner(w http.ResponseWriter, r *http.Request, c *auth.Claims) error {
	version, err := ifMatch(r)
	if err != nil {
		return err
	}
	if version == 0 {
		return problem.New(http.StatusPreconditionRequired, "precondition-required", "Say which version you merge into",
			"send If-Match with the ETag of the partner as you last read it")
	}
	var body MergeBody
	if err := decode(r, &body); err != nil {
		return err
	}
	body.From = strings.TrimSpace(body.From)
	var f valid.Fields
	if body.From == "" {
		f.Add("from", "is required: the id of the partner to merge into this one")
	} else if !strings.HasPrefix(body.From, "p_") || len(body.From) > 40 {
		f.Add("from", "is not a partner id")
	}
	if err := f.Err(); err != nil {
		return err
	}
	ctx := r.Context()
	into, err := d.Store.Partner(ctx, c.Tenant, r.PathValue("id"))
	if err != nil {
		return err
	}
	if body.From == into.ID {
		return problem.Invalid("from", "is this partner: pick another partner to merge into it")
	}
	if from, err := d.Store.Partner(ctx, c.Tenant, body.From); err == nil && from.MergedInto == into.ID {
		// Merged already (a repeated request): finish what a request that stopped halfway left.
		if err := d.Store.FinishMerge(ctx, c.Tenant, into, from); err != nil {
			return err
		}
		return d.answerPartner(w, r, c, into)
	}
	merged, err := d.Store.MergePartners(ctx, c.Tenant, into.ID, body.From, version)
	var refused *store.MergeRefused
	switch {
	case errors.As(err, &refused) && refused.Field == "from" && refused.Reason == store.NotAPartner:
		return problem.NotFound("the partner to merge")
	case errors.As(err, &refused):
		p := problem.Invalid(refused.Field, refused.Reason)
		p.Status = http.StatusUnprocessableEntity
		return p
	case errors.Is(err, store.ErrMergeTooLarge):
		return problem.New(http.StatusUnprocessableEntity, "merge-too-large", "Too many referrals to merge here",
			fmt.Sprintf("the partner to merge has more than %d referrals; a merge moves their metrics within the request, so it takes sources of up to %d referrals (a new source has a few)",
				store.MaxMergeReferrals, store.MaxMergeReferrals))
	case errors.Is(err, store.ErrConflict):
		current := 0
		if p, gerr := d.Store.Partner(ctx, c.Tenant, into.ID); gerr == nil {
			current = max(p.Version, 1)
		}
		return conflictAt(current)
	case err != nil:
		return err
	}
	if err := d.audit(ctx, r, c, "merged partner "+body.From+" into "+into.ID); err != nil {
		return err
	}
	return d.answerPartner(w, r, c, merged)
}

// answerPartner answers a partner with its stage and version.
func (d *Deps) answerPartner(w http.ResponseWriter, r *http.Request, c *auth.Claims, p partner.Partner) error {
	h, err := d.rhythms(r, c.Tenant)
	if err != nil {
		return err
	}
	writePartner(w, http.StatusOK, staged(p, h, d.now()))
	return nil
}

// formerPartners are the partners a referrer referred for before merges, read from their item
// (one GetItem); none for staff or a referrer whose partner was never merged.
func (d *Deps) formerPartners(ctx context.Context, c *auth.Claims) ([]string, error) {
	if practice.IsStaff(c.Role) {
		return nil, nil
	}
	ref, err := d.Store.ReferrerByKey(ctx, c.Tenant, c.Subject)
	if store.IsNotFound(err) {
		return nil, nil
	}
	return ref.FormerPartnerIDs, err
}

// referrerReferrals is a referrer's own list: under their partner and their former partners.
func (d *Deps) referrerReferrals(ctx context.Context, c *auth.Claims, status referral.Status, limit int, cursor string) (store.Page, error) {
	former, err := d.formerPartners(ctx, c)
	if err != nil {
		return store.Page{}, err
	}
	pids := []string{c.Partner}
	for _, p := range former {
		if !slices.Contains(pids, p) {
			pids = append(pids, p)
		}
	}
	return d.Store.ReferralsOfReferrer(ctx, c.Tenant, pids, c.Referrer, status, limit, cursor)
}

// sentByFormerPartner reports whether a referral of the referrer's own lies under one of their
// former partners (their office was merged into another since).
func (d *Deps) sentByFormerPartner(ctx context.Context, c *auth.Claims, ref referral.Referral) bool {
	if ref.ReferrerID != c.Referrer {
		return false
	}
	former, err := d.formerPartners(ctx, c)
	return err == nil && slices.Contains(former, ref.Partner.ID)
}

// referrerStats reads a referrer's own numbers: those kept under their partner and, after merges,
// those kept under their former partners (a referral's numbers stay in the partition of the
// partner it was sent under): one GetItem each, summed.
func (d *Deps) referrerStats(ctx context.Context, c *auth.Claims) (store.ReferrerStats, error) {
	st, err := d.Store.ReferrerStatsOf(ctx, c.Tenant, c.Partner, c.Referrer)
	if err != nil {
		return st, err
	}
	former, err := d.formerPartners(ctx, c)
	if err != nil {
		return st, err
	}
	for _, pid := range former {
		if pid == c.Partner {
			continue
		}
		o, err := d.Store.ReferrerStatsOf(ctx, c.Tenant, pid, c.Referrer)
		if err != nil {
			return st, err
		}
		st.Sent, st.Seen, st.Open = st.Sent+o.Sent, st.Seen+o.Seen, st.Open+o.Open
		st.ToContact.Merge(o.ToContact)
	}
	return st, nil
}
