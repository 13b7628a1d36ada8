package notifier_test

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"github.com/referloop/referloop/pkg/partner"
	"github.com/referloop/referloop/pkg/referral"
	"github.com/referloop/referloop/pkg/store"
)

// counting is the store's DB with a count of the calls made through it.
type counting struct {
	store.DB
	mu    sync.Mutex
	calls map[string]int
}

func (c *counting) add(op string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.calls == nil {
		c.calls = map[string]int{}
	}
	c.calls[op]++
}

func (c *counting) reset() map[string]int {
	c.mu.Lock()
	defer c.mu.Unlock()
	got := c.calls
	c.calls = nil
	return got
}

func total(calls map[string]int) int {
	n := 0
	for _, v := range calls {
		n += v
	}
	return n
}

func show(calls map[string]int) string {
	var parts []string
	for k, v := range calls {
		parts = append(parts, fmt.Sprintf("%s %d", k, v))
	}
	sort.Strings(parts)
	return strings.Join(parts, ", ")
}

func (c *counting) GetItem(ctx context.Context, in *dynamodb.GetItemInput, o ...func(*dynamodb.Options)) (*dynamodb.GetItemOutput, error) {
	c.add("GetItem")
	return c.DB.GetItem(ctx, in, o...)
}
func (c *counting) PutItem(ctx context.Context, in *dynamodb.PutItemInput, o ...func(*dynamodb.Options)) (*dynamodb.PutItemOutput, error) {
	c.add("PutItem")
	return c.DB.PutItem(ctx, in, o...)
}
func (c *counting) UpdateItem(ctx context.Context, in *dynamodb.UpdateItemInput, o ...func(*dynamodb.Options)) (*dynamodb.UpdateItemOutput, error) {
	c.add("UpdateItem")
	return c.DB.UpdateItem(ctx, in, o...)
}
func (c *counting) DeleteItem(ctx context.Context, in *dynamodb.DeleteItemInput, o ...func(*dynamodb.Options)) (*dynamodb.DeleteItemOutput, error) {
	c.add("DeleteItem")
	return c.DB.DeleteItem(ctx, in, o...)
}
func (c *counting) Query(ctx context.Context, in *dynamodb.QueryInput, o ...func(*dynamodb.Options)) (*dynamodb.QueryOutput, error) {
	c.add("Query")
	return c.DB.Query(ctx, in, o...)
}
func (c *counting) TransactWriteItems(ctx context.Context, in *dynamodb.TransactWriteItemsInput, o ...func(*dynamodb.Options)) (*dynamodb.TransactWriteItemsOutput, error) {
	c.add("TransactWriteItems")
	return c.DB.TransactWriteItems(ctx, in, o...)
}
func (c *counting) BatchWriteItem(ctx context.Context, in *dynamodb.BatchWriteItemInput, o ...func(*dynamodb.Options)) (*dynamodb.BatchWriteItemOutput, error) {
	c.add("BatchWriteItem")
	return c.DB.BatchWriteItem(ctx, in, o...)
}

// TestStoreRoundTripsPerRecord holds what one stream record costs in store calls, so it cannot grow
// unnoticed. Before the notifier was split into projections, a status change cost 8 calls (6 with
// the practice and partner cached) and a new referral 15. The counters (the work queue's counts
// and the referrer's numbers, so that reading them costs one item) add one transaction per record
// that moves a count; a redelivered record's transaction finds its version counted.
func TestStoreRoundTripsPerRecord(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	db := &counting{DB: f.store.DB}
	n := *f.n
	n.Store = store.New(db, f.store.Table)
	if err := f.store.CreatePartner(ctx, f.tid, partner.Partner{ID: "p_1", Name: "Northside", Kind: "pcp"}); err != nil {
		t.Fatal(err)
	}
	handle := func(recs ...events.DynamoDBEventRecord) map[string]int {
		t.Helper()
		db.reset()
		if resp, err := n.Handle(ctx, events.DynamoDBEvent{Records: recs}); err != nil || len(resp.BatchItemFailures) != 0 {
			t.Fatal(resp.BatchItemFailures, err)
		}
		return db.reset()
	}
	expect := func(what string, got map[string]int, want map[string]int) {
		t.Helper()
		if show(got) != show(want) {
			t.Errorf("%s: %d store calls (%s), want %d (%s)", what, total(got), show(got), total(want), show(want))
		}
	}
	a := f.submit("count@ref.example", "count@patient.example")
	b := f.submit("count@ref.example", "")
	c := f.submit("count@ref.example", "")
	created := byReferral(t, f, 3)
	// The practice and the partner; the code's marker; a claim and a finish for each of the four
	// messages (acknowledgement, intake alert, code by email and by text); the text's three caps
	// (the referrer's day, the practice's month, every practice's month); one batch of puts; the
	// two audit records (the write and the sends), each its own conditional put into the
	// append-only audit table, where no role may batch-write; the counters' transaction; and the
	// staff queue's search index (issue 10): the practice's search key (one update that makes it
	// if absent) and one batch of the referral's search entries; and the outreach count (pkg/store
	// CountReferral): the referral's marker read, whether it is its partner's only referral (a Query
	// of at most two keys), the marker, day and total transaction.
	expect("a new referral", handle(created[a.ID]), map[string]int{"GetItem": 2 + 1, "Query": 1, "UpdateItem": 1 + 4*2 + 3 + 1 + 1 /* the partner's referral dates (issue 11) */, "BatchWriteItem": 1 + 1, "PutItem": 2, "TransactWriteItems": 1 + 1})
	handle(created[b.ID], created[c.ID])

	for _, id := range []string{a.ID, b.ID, c.ID} {
		r, _ := f.store.Referral(ctx, f.tid, id)
		prev := r.Version
		if err := r.Apply(referral.Transition{To: referral.Accepted}, referral.Actor{Name: "Maria", Role: "staff"}, time.Now()); err != nil {
			t.Fatal(err)
		}
		if err := f.store.SaveReferral(ctx, r, prev); err != nil {
			t.Fatal(err)
		}
	}
	moved := byReferral(t, f, 3)
	// The practice and the partner; a claim and a finish of the update email; one batch (the fact
	// and its change marker); the write's and the send's audit records (one put each); the
	// counters' transaction.
	expect("a status change", handle(moved[a.ID]), map[string]int{"GetItem": 2, "UpdateItem": 2, "BatchWriteItem": 1, "PutItem": 2, "TransactWriteItems": 1})
	// The second change of a batch reads nothing: 8 + 6.
	expect("two status changes in a batch", handle(moved[b.ID], moved[c.ID]), map[string]int{"GetItem": 2, "UpdateItem": 2 * 2, "BatchWriteItem": 2, "PutItem": 4, "TransactWriteItems": 2})
	// Redelivered: each record's claim finds its email sent; the batch rewrites the same items;
	// the audit puts find their records there (an audit record is never overwritten); the
	// counters' transaction finds the version counted and adds nothing.
	expect("the batch redelivered", handle(moved[b.ID], moved[c.ID]), map[string]int{"GetItem": 2, "UpdateItem": 2, "BatchWriteItem": 2, "PutItem": 4, "TransactWriteItems": 2})
	if got := len(f.mail.Sent()); got != 4+2*3+3 {
		t.Errorf("%d messages sent, want %d", got, 4+2*3+3)
	}
}
