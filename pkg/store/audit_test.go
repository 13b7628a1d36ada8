package store_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"github.com/referloop/referloop/infra/dynamotest"
	"github.com/referloop/referloop/pkg/store"
)

// TestAuditIsAppendOnly: audit records go to the audit table (never the main one), with no expiry;
// a record is never overwritten (the same key again, a redelivered stream record, leaves the first
// one as it was), records without a key never collide, and a store without an audit table refuses.
func TestAuditIsAppendOnly(t *testing.T) {
	t.Parallel()
	db, table := dynamotest.NewTable(t)
	s := store.New(db, table)
	if s.AuditTable != store.AuditTableFor(table) || s.AuditTable == table {
		t.Fatalf("audit table %q beside %q", s.AuditTable, table)
	}
	ctx := context.Background()
	at := time.Date(2026, 3, 4, 5, 6, 7, 0, time.UTC)
	first := store.AuditRecord{At: at, TenantID: "t_0123456789ab", Actor: "a@x.example", Role: "owner", Action: "read", Referral: "r1"}
	if err := s.Audit(ctx, first, "evt-1"); err != nil {
		t.Fatal(err)
	}
	changed := first
	changed.Action, changed.Referral = "forged", "r2"
	if err := s.Audit(ctx, changed, "evt-1"); err != nil {
		t.Fatalf("the same key again: %v, want success (already recorded)", err)
	}
	for i := 0; i < 3; i++ {
		if err := s.Audit(ctx, first, ""); err != nil {
			t.Fatal(err)
		}
	}
	page, err := s.AuditDay(ctx, first.TenantID, "2026-03-04", 100, "")
	if err != nil {
		t.Fatal(err)
	}
	if len(page.Items) != 4 {
		t.Fatalf("%d records, want 4 (one per key, three without): %+v", len(page.Items), page.Items)
	}
	for _, a := range page.Items {
		if a.Action != "read" || a.Referral != "r1" {
			t.Errorf("a record was overwritten: %+v", a)
		}
	}
	for name, want := range map[string]int32{table: 0, s.AuditTable: 4} {
		out, err := db.Scan(ctx, &dynamodb.ScanInput{TableName: aws.String(name)})
		if err != nil {
			t.Fatal(err)
		}
		if out.Count != want {
			t.Errorf("table %s holds %d items, want %d", name, out.Count, want)
		}
		for _, item := range out.Items {
			if _, ok := item["expiresAt"]; ok {
				t.Errorf("an audit record expires: %v", item)
			}
		}
	}

	none := store.New(db, table)
	none.AuditTable = ""
	if err := none.Audit(ctx, first, ""); !errors.Is(err, store.ErrNoAuditTable) {
		t.Errorf("Audit without an audit table: %v", err)
	}
	if _, err := none.AuditDay(ctx, first.TenantID, "2026-03-04", 10, ""); !errors.Is(err, store.ErrNoAuditTable) {
		t.Errorf("AuditDay without an audit table: %v", err)
	}
}
