package notifier

import (
	"context"
	"time"

	"github.com/referloop/referloop/pkg/auth"
	"github.com/referloop/referloop/pkg/metrics"
	"github.com/referloop/referloop/pkg/partner"
	"github.com/referloop/referloop/pkg/referral"
	"github.com/referloop/referloop/pkg/store"
)

// projection is one thing that follows from a change. It decides and adds what it decided to the
// effects; it makes no store call itself (apply does).
type projection struct {
	name    string
	project func(n *Notifier, ctx context.Context, c *change, fx *effects) error
}

// projections run in this order on every change.
var projections = []projection{
	{"audit", (*Notifier).auditWrite},
	{"fact", (*Notifier).metricFact},
	{"code", (*Notifier).patientCode},
	{"counters", (*Notifier).counters},           // counters.go
	{"messages", (*Notifier).plan},               // plan.go
	{"search", (*Notifier).search},               // the staff queue's search index (issue 10)
	{"outreach", (*Notifier).outreachProjection}, // outreach.go
	{"partner", (*Notifier).partnerDates},        // partnerdates.go
}

// effects is what the projections of one change decided.
type effects struct {
	// puts are idempotent puts (audit records, the fact and its change marker, digest entries):
	// apply writes them together, in one store.Batch.
	puts []put
	// code is a patient status code's marker; written before any message that carries the code.
	code *codeMarker
	// messages go out through the outbox, each once.
	messages []message
	// counters is the change's delta of the work queue's and the referrer's counts.
	counters *store.CounterDelta
	// find is the referral to index for the staff queue's search, and the terms it no longer has.
	find *findUpdate
	// outreach is a new referral to count per day and the thank-yous it may bring (outreach.go).
	outreach *outreachWork
	// updates are conditional, idempotent updates (a partner's referral dates), made one by one
	// after the batch.
	updates []put
}

type findUpdate struct {
	referral referral.Referral
	stale    []string
}

// search indexes a new referral under its search terms (its patient's name prefixes, date of
// birth, reference); a change of the patient's name or date of birth moves it to the new terms.
// Other changes leave the index alone.
func (n *Notifier) search(_ context.Context, c *change, fx *effects) error {
	if c.created() {
		fx.find = &findUpdate{referral: c.after}
		return nil
	}
	if c.before == nil {
		return nil
	}
	old, now := referral.SearchTerms(*c.before), referral.SearchTerms(c.after)
	keep := map[string]bool{}
	for _, t := range now {
		keep[t] = true
	}
	var stale []string
	for _, t := range old {
		if !keep[t] {
			stale = append(stale, t)
		}
	}
	if len(stale) > 0 || len(old) != len(now) {
		fx.find = &findUpdate{referral: c.after, stale: stale}
	}
	return nil
}

// put is one idempotent put, made through the store it is given.
type put func(ctx context.Context, s *store.Store) error

type codeMarker struct {
	hash    string
	marker  store.CodeMarker
	expires time.Time
}

// auditWrite records the write the stream reports, with the actor the write stamped on the item,
// keyed by the stream record (a redelivery rewrites the same item).
func (n *Notifier) auditWrite(_ context.Context, c *change, fx *effects) error {
	r := c.after
	a := store.AuditRecord{At: r.UpdatedAt, TenantID: r.TenantID, Referral: r.ID, Actor: "unknown", Role: "unknown", Action: "write"}
	if r.LastActor != nil {
		a.Actor, a.Role, a.Action, a.IP = r.LastActor.ID, r.LastActor.Role, r.LastActor.Action, r.LastActor.IP
	}
	if a.At.IsZero() {
		a.At = c.streamed
	}
	if a.At.IsZero() {
		a.At = n.now()
	}
	fx.puts = append(fx.puts, func(ctx context.Context, s *store.Store) error { return s.Audit(ctx, a, c.event) })
	return nil
}

// metricFact keeps the referral's metrics fact, with the kind of source its partner is.
func (n *Notifier) metricFact(_ context.Context, c *change, fx *effects) error {
	f, at := metrics.FactOf(c.after, partner.SourceKind(c.partner.Kind)), n.now()
	if c.partner.MergedInto != "" { // its partner was merged into another: counted as that source
		f.Source = c.partner.MergedInto
	}
	fx.puts = append(fx.puts, func(ctx context.Context, s *store.Store) error { return s.PutFact(ctx, f, at) })
	return nil
}

// patientCode points a new referral's patient status code at it, for CodeLife.
func (n *Notifier) patientCode(_ context.Context, c *change, fx *effects) error {
	if !c.created() {
		return nil
	}
	r := c.after
	fx.code = &codeMarker{hash: auth.CodeHash(c.code), marker: store.CodeMarker{TenantID: r.TenantID, ReferralID: r.ID,
		Check: auth.BirthDateCheck(c.code, r.Patient.DateOfBirth)},
		expires: r.CreatedAt.Add(CodeLife)}
	return nil
}
