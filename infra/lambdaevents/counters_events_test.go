package lambdaevents_test

import (
	"context"
	"fmt"
	"strconv"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/referloop/referloop/pkg/referral"
)

// The rollup's two writes to a tenant's work-queue counter, each with its own scheduled event, so
// its grants are exercised (and the policy check fails on a missing one): the first run over a
// tenant whose counter was never set from its referrals (counters deployed over existing
// referrals) repairs it, and a later run folds the counter's ended quarter-hour slots.
func init() {
	scheduleCases["rollup.first-run"] = func(t *testing.T, w *world) {
		ctx := context.Background()
		if resp := w.invokeStream(t, "notifier.stream-batch"); len(resp.BatchItemFailures) != 0 {
			t.Fatalf("notifier: %+v", resp.BatchItemFailures)
		}
		// As if counters had just been deployed: no counter item at all.
		if _, err := w.deps.Store.DB.DeleteItem(ctx, &dynamodb.DeleteItemInput{TableName: &w.deps.Store.Table,
			Key: w.counterKey()}); err != nil {
			t.Fatal(err)
		}
		if repaired, err := w.deps.Store.CountersRepaired(ctx, w.demo.TenantID); err != nil || repaired {
			t.Fatalf("before the run: repaired %v, %v", repaired, err)
		}
		// Until a repair, the queue counts with COUNT queries over the table: the brute-force count.
		// (The stream batch's referral exists only in the stream, so the counter the notifier kept
		// for it is no reference.)
		want := w.queueCounts(t)
		w.invokeSchedule(t, "rollup.first-run")
		if repaired, err := w.deps.Store.CountersRepaired(ctx, w.demo.TenantID); err != nil || !repaired {
			t.Fatalf("after the first run: repaired %v, %v; want the counter set from the referrals", repaired, err)
		}
		if got := w.queueCounts(t); got != want {
			t.Errorf("repaired counts %s; counted over the table %s", got, want)
		}
	}
	scheduleCases["rollup.fold"] = func(t *testing.T, w *world) {
		ctx := context.Background()
		// The counter as a repair an hour ago left it: every slot since then has ended unfolded.
		hourAgo := time.Now().UTC().Add(-time.Hour)
		load := func(ctx context.Context) ([]referral.Referral, error) {
			return w.deps.Store.TenantReferrals(ctx, w.demo.TenantID, w.demo.PartnerIDs)
		}
		if err := w.deps.Store.RepairCounters(ctx, w.demo.TenantID, load, hourAgo); err != nil {
			t.Fatal(err)
		}
		if resp := w.invokeStream(t, "notifier.stream-batch"); len(resp.BatchItemFailures) != 0 {
			t.Fatalf("notifier: %+v", resp.BatchItemFailures)
		}
		before := w.folded(t)
		want := w.queueCounts(t)
		w.invokeSchedule(t, "rollup.fold")
		if after := w.folded(t); after <= before {
			t.Errorf("folded up to slot %d before the run and %d after; want it moved on", before, after)
		}
		if got := w.queueCounts(t); got != want {
			t.Errorf("counts after the fold %s; before %s (a fold changes no count)", got, want)
		}
	}
}

func (w *world) counterKey() map[string]types.AttributeValue {
	return map[string]types.AttributeValue{
		"PK": &types.AttributeValueMemberS{Value: "T#" + w.demo.TenantID + "#QUEUE"},
		"SK": &types.AttributeValueMemberS{Value: "COUNTS"},
	}
}

// folded is the counter item's last folded slot.
func (w *world) folded(t *testing.T) int64 {
	t.Helper()
	out, err := w.deps.Store.DB.GetItem(context.Background(), &dynamodb.GetItemInput{TableName: &w.deps.Store.Table,
		Key: w.counterKey(), ConsistentRead: aws.Bool(true)})
	if err != nil || out.Item == nil {
		t.Fatalf("the counter item: %v (found %v)", err, out != nil && out.Item != nil)
	}
	n, ok := out.Item["folded"].(*types.AttributeValueMemberN)
	if !ok {
		t.Fatalf("the counter item has no folded slot: %v", out.Item)
	}
	v, err := strconv.ParseInt(n.Value, 10, 64)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

// queueCounts is the work queue's counts as the queue view reads them, in a comparable form.
func (w *world) queueCounts(t *testing.T) string {
	t.Helper()
	q, err := w.deps.Store.QueueCounts(context.Background(), w.demo.TenantID, time.Now().UTC())
	if err != nil {
		t.Fatal(err)
	}
	return fmt.Sprintf("%v overdue %d", q.Counts, q.Overdue)
}
