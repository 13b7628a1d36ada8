package store

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/referloop/referloop/infra/dynamotest"
)

// pageCounter counts the Query calls that reach the table.
type pageCounter struct {
	DB
	pages int
}

func (c *pageCounter) Query(ctx context.Context, in *dynamodb.QueryInput, opts ...func(*dynamodb.Options)) (*dynamodb.QueryOutput, error) {
	c.pages++
	return c.DB.Query(ctx, in, opts...)
}

// TestQueryAllFollowsEveryPage: queryAll reads a partition page after page to its end, in key
// order, and stops reading once it has limit items.
func TestQueryAllFollowsEveryPage(t *testing.T) {
	t.Parallel()
	db, table := dynamotest.NewTable(t)
	s := New(db, table)
	ctx := context.Background()
	day := "2026-03-04"
	at := time.Date(2026, 3, 4, 10, 0, 0, 0, time.UTC)
	for i := range 11 {
		e := DigestEntry{TenantID: "t_1", EmailKey: fmt.Sprintf("ek%02d", i), ReferralID: "p.r.01U", Status: "accepted", At: at}
		if err := s.QueueDigest(ctx, day, e, 1); err != nil {
			t.Fatal(err)
		}
	}
	in := func() *dynamodb.QueryInput {
		return &dynamodb.QueryInput{TableName: &s.Table, KeyConditionExpression: cond("PK = :pk"),
			ExpressionAttributeValues: map[string]types.AttributeValue{":pk": str(digestPK(day))}, Limit: aws.Int32(3)}
	}
	c := &pageCounter{DB: db}
	all, err := queryAll(ctx, c, in(), decodeAs[DigestEntry], 0)
	if err != nil {
		t.Fatal(err)
	}
	if len(all) != 11 || c.pages != 4 {
		t.Fatalf("read %d entries in %d pages of 3, want 11 in 4", len(all), c.pages)
	}
	for i, e := range all {
		if want := fmt.Sprintf("ek%02d", i); e.EmailKey != want {
			t.Fatalf("entry %d is %s, want %s (key order)", i, e.EmailKey, want)
		}
	}

	c.pages = 0
	some, err := queryAll(ctx, c, in(), decodeAs[DigestEntry], 5)
	if err != nil {
		t.Fatal(err)
	}
	if len(some) != 5 || some[4].EmailKey != "ek04" || c.pages != 2 {
		t.Fatalf("limit 5: %d entries in %d pages, want the first 5 in 2", len(some), c.pages)
	}

	// A day with nothing queued reads as empty.
	if list, err := s.Digest(ctx, "2026-03-05"); err != nil || len(list) != 0 {
		t.Fatalf("empty day: %d entries, %v", len(list), err)
	}
}
