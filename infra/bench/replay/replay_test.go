package replay_test

import (
	"context"
	"errors"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/referloop/referloop/infra/bench/meter"
	"github.com/referloop/referloop/infra/bench/replay"
	"github.com/referloop/referloop/infra/dynamodblocal"
	"github.com/referloop/referloop/infra/dynamotest"
)

func s(v string) types.AttributeValue { return &types.AttributeValueMemberS{Value: v} }

func TestReplayDoesWhatTheOperationDid(t *testing.T) {
	plain, table := dynamotest.NewTable(t)
	m := meter.New()
	db := dynamodb.New(dynamodblocal.Client(dynamotest.Endpoint(t)).Options(), m.Option())
	ctx := meter.WithOperation(context.Background(), "op")
	item := map[string]types.AttributeValue{"PK": s("T#1#P#1"), "SK": s("R#1#A"), "x": s("y")}
	put := func() *dynamodb.PutItemInput {
		return &dynamodb.PutItemInput{TableName: &table, Item: item, ConditionExpression: aws.String("attribute_not_exists(PK)")}
	}
	if _, err := db.PutItem(ctx, put()); err != nil {
		t.Fatal(err)
	}
	if _, err := db.GetItem(ctx, &dynamodb.GetItemInput{TableName: &table, Key: map[string]types.AttributeValue{"PK": item["PK"], "SK": item["SK"]}}); err != nil {
		t.Fatal(err)
	}
	retry := meter.WithOperation(context.Background(), "retry")
	if _, err := db.PutItem(retry, put()); err == nil {
		t.Fatal("the second put-if-absent succeeded")
	}

	plan, err := replay.FromCalls(m.Of("op"))
	if err != nil {
		t.Fatal(err)
	}
	if plan.Len() != 2 || plan.Calls != "PutItem T#…#P#…/R#…#A; GetItem T#…#P#…/R#…#A" {
		t.Errorf("plan %q", plan.Calls)
	}
	for i := 0; i < 3; i++ {
		if err := plan.Run(context.Background(), plain, i); err != nil {
			t.Fatalf("run %d: %v", i, err)
		}
	}
	out, err := plain.Query(context.Background(), &dynamodb.QueryInput{TableName: &table, KeyConditionExpression: aws.String("PK = :pk"),
		ExpressionAttributeValues: map[string]types.AttributeValue{":pk": s("T#1#P#1~raw")}})
	if err != nil {
		t.Fatal(err)
	}
	if out.Count != 3 {
		t.Errorf("3 replays of a put-if-absent made %d items, want 3 fresh ones", out.Count)
	}

	// A retry's failing put fails again, and that is what it did.
	again, err := replay.FromCalls(m.Of("retry"))
	if err != nil {
		t.Fatal(err)
	}
	if err := again.Run(context.Background(), plain, 0); err != nil {
		t.Errorf("replaying a failed conditional put: %v", err)
	}

	// Spending something cannot be repeated alike.
	m.Reset()
	if _, err := db.DeleteItem(ctx, &dynamodb.DeleteItemInput{TableName: &table, Key: map[string]types.AttributeValue{"PK": item["PK"], "SK": item["SK"]},
		ConditionExpression: aws.String("attribute_exists(PK)")}); err != nil {
		t.Fatal(err)
	}
	if _, err := replay.FromCalls(m.Calls()); !errors.Is(err, replay.ErrNotReplayable) {
		t.Errorf("a conditional delete: %v, want ErrNotReplayable", err)
	}
}
