package httpapi

import (
	"context"
	"errors"
	"net/http"
	"strings"

	"github.com/referloop/referloop/pkg/auth"
	"github.com/referloop/referloop/pkg/practice"
	"github.com/referloop/referloop/pkg/problem"
	"github.com/referloop/referloop/pkg/referral"
	"github.com/referloop/referloop/pkg/store"
)

// Pipeline is the function that moves referrals through their lifecycle: staff transitions, the
// referrer's answers, the work queue's counts and the referrer's rating of a closed loop.
func Pipeline(d *Deps) *API {
	return &API{Name: "pipeline", deps: d, Routes: []Route{
		{"POST", "/v1/referrals/{id}/transitions", d.staff(d.transition)},
		{"POST", "/v1/referrals/{id}/answers", d.referrer(d.answer)},
		{"GET", "/v1/queue", d.staff(d.queue)},
		{"POST", "/v1/ratings", d.public(d.rate)},
		{"POST", "/v1/referrals/{id}/status-code", d.staff(d.resendStatusCode)}, // statuscode_api.go
	}}
}

// actor names the session's person for timelines and audit records (no PHI: staff and referrers
// are professionals; patients are never actors by name).
func actor(c *auth.Claims) referral.Actor {
	name := c.Name
	if name == "" {
		name = c.Email
	}
	return referral.Actor{Name: name, Role: c.Role}
}

func actorAt(r *http.Request, c *auth.Claims, action string) *referral.ActorAt {
	return &referral.ActorAt{Actor: actor(c), ID: c.Email, IP: clientIP(r), Action: action}
}

// audit records a read of referrals by a session. An audit failure fails the request: a PHI read
// that cannot be recorded is not served.
func (d *Deps) audit(ctx context.Context, r *http.Request, c *auth.Claims, action string, referralIDs ...string) error {
	return d.Store.Audit(ctx, store.AuditRecord{At: d.now(), TenantID: c.Tenant, Actor: c.Email, Role: c.Role,
		Action: action, Referral: strings.Join(referralIDs, ","), IP: clientIP(r)}, "")
}

func (d *Deps) transition(w http.ResponseWriter, r *http.Request, c *auth.Claims) error {
	version, err := ifMatch(r)
	if err != nil {
		return err
	}
	if version == 0 {
		return problem.New(http.StatusPreconditionRequired, "precondition-required", "Say which version you changed",
			"send If-Match with the ETag of the referral as you last read it")
	}
	var t referral.Transition
	if err := decode(r, &t); err != nil {
		return err
	}
	ref, err := d.loadReferral(r, c)
	if err != nil {
		return err
	}
	if err := ref.CheckVersion(version); err != nil {
		return err
	}
	if err := ref.Apply(t, actor(c), d.now()); err != nil {
		return err
	}
	ref.LastActor = actorAt(r, c, "transition:"+string(t.To))
	if err := d.saveReferral(r.Context(), ref, version); err != nil {
		return err
	}
	writeReferral(w, http.StatusOK, d.view(ref, c))
	return nil
}

// saveReferral writes ref over version prev: a write that lost the race is the same conflict as a
// stale read.
func (d *Deps) saveReferral(ctx context.Context, ref referral.Referral, prev int) error {
	if err := d.Store.SaveReferral(ctx, ref, prev); errors.Is(err, store.ErrConflict) {
		return &referral.ConflictError{}
	} else if err != nil {
		return err
	}
	return nil
}

func (d *Deps) answer(w http.ResponseWriter, r *http.Request, c *auth.Claims) error {
	version, err := ifMatch(r)
	if err != nil {
		return err
	}
	var a referral.Answer
	if err := decode(r, &a); err != nil {
		return err
	}
	ref, err := d.loadReferral(r, c)
	if err != nil {
		return err
	}
	facts, err := d.practiceFacts(r.Context(), c.Tenant)
	if err != nil {
		return err
	}
	a.Country = facts.country
	if version != 0 {
		// Against the version the referrer was shown, which counts only what they may see.
		if err := seenBy(ref, c).CheckVersion(version); err != nil {
			return err
		}
	}
	prev := ref.Version
	if err := ref.ApplyAnswer(a, actor(c), d.now()); err != nil {
		return err
	}
	ref.LastActor = actorAt(r, c, "answer")
	if err := d.saveReferral(r.Context(), ref, prev); err != nil {
		return err
	}
	writeReferral(w, http.StatusOK, d.view(ref, c))
	return nil
}

// queue reads the work queue's counts, kept by the stream consumer: one item, whatever the number
// of referrals. Overdue counts the referrals whose contact-by time passed before overdueAsOf (the
// start of the current quarter hour).
func (d *Deps) queue(w http.ResponseWriter, r *http.Request, c *auth.Claims) error {
	q, err := d.Store.QueueCounts(r.Context(), c.Tenant, d.now())
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, map[string]any{"counts": q.Counts, "overdue": q.Overdue, "overdueAsOf": q.AsOf})
	return nil
}

type ratingRequest struct {
	Token string `json:"token"`
	Score int    `json:"score"`
}

func (d *Deps) rate(w http.ResponseWriter, r *http.Request) error {
	var in ratingRequest
	if err := decode(r, &in); err != nil {
		return err
	}
	if in.Score < 1 || in.Score > 5 {
		return problem.Invalid("score", "must be a whole number from 1 to 5")
	}
	ctx := r.Context()
	if err := d.limitIP(ctx, r, "rating-ip", 30); err != nil {
		return err
	}
	tid, id, err := d.Signer.VerifyRating(ctx, strings.TrimSpace(in.Token))
	if errors.Is(err, auth.ErrKeyUnavailable) {
		return err
	} else if err != nil {
		return problem.New(http.StatusUnauthorized, "invalid-link", "This rating link does not work",
			"it has expired or was changed; rate from the referral's page instead")
	}
	by := referral.ActorAt{Actor: referral.Actor{Name: "referrer (rating link)", Role: practice.RoleReferrer}, ID: "rating-link",
		IP: clientIP(r), Action: "rate"}
	if err := d.Store.RateReferral(ctx, tid, id, referral.Rating{Score: in.Score, At: d.now()}, by); err != nil {
		if store.IsNotFound(err) {
			return problem.NotFound("a closed referral for this link")
		}
		return err
	}
	writeJSON(w, http.StatusOK, map[string]int{"score": in.Score})
	return nil
}
