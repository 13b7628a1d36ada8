package notifier

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/referloop/referloop/pkg/store"
)

// apply carries out what the projections of a change decided, in three steps and as few store
// calls:
//
//  1. the patient code's marker (one update; before any message that carries the code);
//  2. the messages, each through the outbox (a claim and a finish each). Every message is tried
//     even when one fails, so one bad address delays nobody else;
//  3. every put in one batch: the write's audit record, the metrics fact and its change marker,
//     digest entries and, when every message went out, the audit record of the sends. The batch is
//     written even when a send failed, so the audit and the metrics never wait on a mailbox;
//  4. the counters' delta, in one transaction with the marker of the version it counts;
//  5. a new referral's entries in the staff queue's search index (store.PutFindEntries).
//
// A failed send is then reported, and the record's retry sends only what is still unsent.
func (n *Notifier) apply(ctx context.Context, c *change, fx effects) error {
	r := c.after
	if fx.code != nil {
		if err := n.Store.PutCode(ctx, fx.code.hash, fx.code.marker, fx.code.expires); err != nil {
			return err
		}
	}
	var kinds []string
	var failed error
	for _, m := range fx.messages {
		note := store.Notification{Key: store.MessageKey(r.ULID, r.Version, m.kind), Kind: m.kind, Referral: r.ID, At: n.now()}
		outcome, _, err := n.deliver(ctx, r.TenantID, note, m)
		if err != nil {
			failed = errors.Join(failed, fmt.Errorf("send %s for %s: %w", m.kind, r.Ref(), err))
			continue
		}
		if outcome == delivered { // a refused text is in the outbox, with why, not among the sends
			kinds = append(kinds, m.kind)
		}
	}
	puts := fx.puts
	if failed == nil && len(kinds) > 0 {
		// Dated by the write it reacts to, keyed by the stream record: a redelivery rewrites the same item.
		a := store.AuditRecord{At: r.UpdatedAt, TenantID: r.TenantID, Actor: "notifier", Role: "system",
			Action: "notify:" + strings.Join(kinds, "+"), Referral: r.ID}
		puts = append(puts, func(ctx context.Context, s *store.Store) error { return s.Audit(ctx, a, c.event+"#notify") })
	}
	err := n.Store.Batch(ctx, func(b *store.Store) error {
		for _, p := range puts {
			if err := p(ctx, b); err != nil {
				return err
			}
		}
		return nil
	})
	if fx.counters != nil {
		err = errors.Join(err, n.Store.ApplyCounters(ctx, *fx.counters, n.now()))
	}
	if fx.find != nil { // the staff queue's search index (idempotent: a redelivery writes the same items)
		err = errors.Join(err, n.Store.DeleteFindEntries(ctx, r.TenantID, r.ULID, fx.find.stale), n.Store.PutFindEntries(ctx, fx.find.referral))
	}
	if fx.outreach != nil {
		err = errors.Join(err, n.applyOutreach(ctx, c, *fx.outreach))
	}
	for _, u := range fx.updates {
		err = errors.Join(err, u(ctx, n.Store))
	}
	return errors.Join(failed, err)
}
