package store_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/referloop/referloop/pkg/metrics"
	"github.com/referloop/referloop/pkg/store"
)

func TestBatchWritesPutsInOneCall(t *testing.T) {
	s := newStore(t)
	ctx := context.Background()
	at := time.Now().UTC().Truncate(time.Second)
	day := at.Format(time.DateOnly)
	f := metrics.Fact{Tenant: "t_b", Referral: "p_1.r_1.01", Source: "p_1", Kind: "pcp", Received: at, ContactBy: at, UpdatedAt: at}
	err := s.Batch(ctx, func(b *store.Store) error {
		// An audit record goes straight to the append-only audit table, and never over another.
		if err := b.Audit(ctx, store.AuditRecord{At: at, TenantID: "t_b", Actor: "a", Role: "staff", Action: "first"}, "k1"); err != nil {
			return err
		}
		if err := b.Audit(ctx, store.AuditRecord{At: at, TenantID: "t_b", Actor: "a", Role: "staff", Action: "write"}, "k1"); err != nil {
			return err
		}
		// The same key twice keeps the last put, as two puts in a row would.
		if err := b.PutFact(ctx, metrics.Fact{Tenant: "t_b", Referral: f.Referral, Source: "p_0", Received: at, ContactBy: at, UpdatedAt: at}, at); err != nil {
			return err
		}
		if err := b.PutFact(ctx, f, at); err != nil {
			return err
		}
		return b.QueueDigest(ctx, day, store.DigestEntry{TenantID: "t_b", EmailKey: "ek", ReferralID: f.Referral, Ref: "R-1", Status: "accepted", At: at}, 2)
	})
	if err != nil {
		t.Fatal(err)
	}
	if page, err := s.AuditDay(ctx, "t_b", day, 10, ""); err != nil || len(page.Items) != 1 || page.Items[0].Action != "first" {
		t.Fatalf("audit %+v %v", page, err)
	}
	if facts, err := s.Facts(ctx, "t_b", day); err != nil || len(facts) != 1 || facts[0].Source != "p_1" {
		t.Fatalf("facts %+v %v", facts, err)
	}
	if changed, _, err := s.Changes(ctx, at.Add(-time.Hour), at.Add(time.Hour)); err != nil || len(changed) == 0 {
		t.Fatalf("changes %+v %v", changed, err)
	}
	if d, err := s.Digest(ctx, day); err != nil || len(d) != 1 {
		t.Fatalf("digest %+v %v", d, err)
	}
}

func TestBatchRefusesWhatItCannotCarry(t *testing.T) {
	s := newStore(t)
	ctx := context.Background()
	at := time.Now().UTC()
	day := at.Format(time.DateOnly)
	err := s.Batch(ctx, func(b *store.Store) error {
		if err := b.PutFact(ctx, metrics.Fact{Tenant: "t_r", Referral: "p_1.r_1.01", Source: "p_1", Received: at, ContactBy: at, UpdatedAt: at}, at); err != nil {
			return err
		}
		_, err := b.ClaimNotification(ctx, "t_r", store.Notification{Key: "k", Kind: "ack", At: at}) // a conditional update
		return err
	})
	if !errors.Is(err, store.ErrNotBatchable) {
		t.Fatalf("err %v, want ErrNotBatchable", err)
	}
	if facts, err := s.Facts(ctx, "t_r", day); err != nil || len(facts) != 0 {
		t.Fatalf("a refused batch wrote %+v (%v)", facts, err)
	}
	if err := s.Batch(ctx, func(*store.Store) error { return nil }); err != nil {
		t.Fatalf("an empty batch: %v", err)
	}
}
