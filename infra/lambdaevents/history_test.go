package lambdaevents_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"

	"github.com/referloop/referloop/pkg/history"
	"github.com/referloop/referloop/pkg/store"
)

// Past referrals (issue 11, item 5): the network function's import (events/network.import-referrals.json)
// and the importer's chunk of it (events/importer.referrals-chunk.json), added to the cases tables.
func init() {
	cases["network.import-referrals"] = want{status: 202, as: owner, check: func(t *testing.T, w *world, r result) {
		if !strings.HasPrefix(header(r.resp, "Location"), "/v1/imports/i_") || str(r.body, "kind") != "referrals" ||
			num(r.body, "chunks") != 1 || num(r.body, "rejected") != 1 || strings.Contains(r.resp.Body, "Doe") {
			t.Errorf("import = %s", r.resp.Body)
		}
	}}
	streamCases["importer.referrals-chunk"] = streamWant{setup: func(t *testing.T, w *world) { w.startHistoryImport(t) },
		check: func(t *testing.T, w *world, resp events.DynamoDBEventResponse) {
			if len(resp.BatchItemFailures) != 0 {
				t.Fatalf("failures %v", resp.BatchItemFailures)
			}
			ctx := context.Background()
			numbers := func() string {
				job, err := w.deps.Store.ImportJob(ctx, w.demo.TenantID, testHistoryImportID)
				if err != nil || job.Status != store.ImportDone || job.Created != 1 {
					t.Errorf("job %+v, %v", job, err)
				}
				p, err := w.deps.Store.Partner(ctx, w.demo.TenantID, w.demo.PartnerIDs[0])
				if err != nil || p.FirstReferralAt == nil || p.FirstReferralAt.Format(time.DateOnly) != "2026-03-14" {
					t.Errorf("partner %+v, %v", p, err)
				}
				po, err := w.deps.Store.OutreachOf(ctx, w.demo.TenantID, w.demo.PartnerIDs[0], 2026)
				if err != nil || po.Daily["2026-03-14"] != 1 {
					t.Errorf("outreach %+v, %v", po, err)
				}
				facts, err := w.deps.Store.Facts(ctx, w.demo.TenantID, "2026-03-14")
				if err != nil || len(facts) != 1 || facts[0].Referral != "h_0123456789abcdef01234567" {
					t.Errorf("facts %+v, %v", facts, err)
				}
				return fmt.Sprint(p.ReferralCount, po.Total, job.Created, len(facts))
			}
			before := numbers()
			// Redelivered: the fact is there (read back: this import's own), nothing counted twice.
			if again := w.invokeStream(t, "importer.referrals-chunk"); len(again.BatchItemFailures) != 0 {
				t.Fatalf("redelivery failures %v", again.BatchItemFailures)
			}
			if after := numbers(); after != before {
				t.Errorf("after a redelivery: %s, was %s", after, before)
			}
		}}
}

// testHistoryImportID is the import events/importer.referrals-chunk.json belongs to.
const testHistoryImportID = "i_0123456789abcdef0123abcd"

func (w *world) startHistoryImport(t *testing.T) {
	t.Helper()
	id := testHistoryImportID
	_, _, err := store.StartHistoryImport(context.Background(), w.deps.Store, w.demo.TenantID,
		store.Import{ID: id, Kind: history.Kind, CreatedAt: time.Now()}, []store.HistoryRow{{Line: 2}})
	if err != nil {
		t.Fatal(err)
	}
}
