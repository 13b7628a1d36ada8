package store

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/referloop/referloop/infra/dynamotest"
	"github.com/referloop/referloop/pkg/metrics"
	"github.com/referloop/referloop/pkg/partner"
)

// A past-referrals chunk applied after a crash half-way (its first group written, the chunk not
// marked done), then redelivered again: every fact counted once, the partner's numbers added
// once; a row whose partner was deleted is rejected alone.
func TestApplyHistoryChunkOnceAcrossCrashAndRedelivery(t *testing.T) {
	t.Parallel()
	db, table := dynamotest.NewTable(t)
	s := New(db, table)
	ctx := context.Background()
	const tid, imp = "t_000000000h11", "i_0123456789abcdef0123abcd"
	for _, id := range []string{"p_000000000001", "p_000000000002"} {
		if err := s.CreatePartner(ctx, tid, partner.Partner{ID: id, Name: id, Kind: "pcp", CreatedAt: time.Now()}); err != nil {
			t.Fatal(err)
		}
	}
	day0 := time.Date(2025, 12, 30, 17, 0, 0, 0, time.UTC) // the rows span a new year: two DAILY items
	var rows []HistoryRow
	for i := 0; i < 60; i++ {
		src := []string{"p_000000000001", "p_000000000002"}[i%2]
		if i == 59 {
			src = "p_00000000gone" // no such partner
		}
		at := day0.AddDate(0, 0, i%5)
		rows = append(rows, HistoryRow{Line: i + 2, Name: src, Fact: metrics.Fact{Tenant: tid, Referral: fmt.Sprintf("h_%024d", i),
			Source: src, Kind: "provider", Received: at, Status: "seen", LocalDay: at.Format(time.DateOnly), UpdatedAt: at}})
	}
	if _, _, err := StartHistoryImport(ctx, s, tid, Import{ID: imp, Kind: "referrals", CreatedAt: time.Now(), Rejects: []partner.RowPlan{}}, rows); err != nil {
		t.Fatal(err)
	}
	// The crash: the first group's transaction went through, nothing else.
	w, err := historyWrites(tid, imp, rows[:historyGroup])
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.transact(ctx, w); err != nil {
		t.Fatal(err)
	}
	numbers := func() string {
		out := ""
		for _, pid := range []string{"p_000000000001", "p_000000000002"} {
			p, err := s.Partner(ctx, tid, pid)
			if err != nil {
				t.Fatal(err)
			}
			po, err := s.OutreachOf(ctx, tid, pid, 2025, 2026)
			if err != nil {
				t.Fatal(err)
			}
			sum := 0
			for _, n := range po.Daily {
				sum += n
			}
			out += fmt.Sprintf("%s count=%d total=%d days=%d first=%s last=%s; ", pid, p.ReferralCount, po.Total, sum,
				p.FirstReferralAt.Format(time.DateOnly), p.LastReferralAt.Format(time.DateOnly))
		}
		job, err := s.ImportJob(ctx, tid, imp)
		if err != nil {
			t.Fatal(err)
		}
		return out + fmt.Sprintf("job %s created=%d unchanged=%d rejected=%d", job.Status, job.Created, job.Unchanged, job.Rejected)
	}
	// Delivered as the importer reads it: in chunks of ChunkRows.
	for trial := 0; trial < 3; trial++ { // the delivery after the crash, then two redeliveries
		for n := 0; n*ChunkRows < len(rows); n++ {
			part := rows[n*ChunkRows : min(len(rows), (n+1)*ChunkRows)]
			if err := ApplyHistoryChunk(ctx, s, HistoryChunk{Tenant: tid, Import: imp, N: n, Rows: part}); err != nil {
				t.Fatal(err)
			}
		}
		want := "p_000000000001 count=30 total=30 days=30 first=2025-12-30 last=2026-01-03; " +
			"p_000000000002 count=29 total=29 days=29 first=2025-12-30 last=2026-01-03; job done created=59 unchanged=0 rejected=1"
		if got := numbers(); got != want {
			t.Fatalf("trial %d:\n got %s\nwant %s", trial, got, want)
		}
	}
	facts := 0
	for i := 0; i < 5; i++ {
		list, err := s.Facts(ctx, tid, day0.AddDate(0, 0, i).Format(time.DateOnly))
		if err != nil {
			t.Fatal(err)
		}
		facts += len(list)
	}
	if facts != 59 {
		t.Errorf("%d facts stored, want 59", facts)
	}
	// Another import with the same rows finds them stored: unchanged, nothing added.
	const imp2 = "i_0123456789abcdef0123abce"
	if _, _, err := StartHistoryImport(ctx, s, tid, Import{ID: imp2, Kind: "referrals", CreatedAt: time.Now(), Rejects: []partner.RowPlan{}}, rows[:10]); err != nil {
		t.Fatal(err)
	}
	before := numbers()
	if err := ApplyHistoryChunk(ctx, s, HistoryChunk{Tenant: tid, Import: imp2, Rows: rows[:10]}); err != nil {
		t.Fatal(err)
	}
	if job, _ := s.ImportJob(ctx, tid, imp2); job.Unchanged != 10 || job.Created != 0 || numbers() != before {
		t.Errorf("the same rows in another import: %+v", job)
	}
}
