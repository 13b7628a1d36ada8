package meter_test

import (
	"context"
	"errors"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/referloop/referloop/infra/bench/meter"
	"github.com/referloop/referloop/infra/dynamodblocal"
	"github.com/referloop/referloop/infra/dynamotest"
)

func s(v string) types.AttributeValue { return &types.AttributeValueMemberS{Value: v} }

// metered returns a client of a fresh table that records into a calibrated meter.
func metered(t *testing.T) (*dynamodb.Client, string, *meter.Meter) {
	t.Helper()
	t.Parallel()
	_, table := dynamotest.NewTable(t)
	m := meter.New()
	if err := m.Calibrate(context.Background(), dynamodblocal.Client(dynamotest.Endpoint(t)), table); err != nil {
		t.Fatal(err)
	}
	db := dynamodb.New(dynamodblocal.Client(dynamotest.Endpoint(t)).Options(), m.Option())
	return db, table, m
}

func TestPutIntoTheIndexIsOnePlusOneAndGetIsHalf(t *testing.T) {
	db, table, m := metered(t)
	ctx := meter.WithOperation(context.Background(), "put")
	item := map[string]types.AttributeValue{"PK": s("T#t1#P#p1"), "SK": s("R#r1#01"), "GSI1PK": s("T#t1#REF"),
		"GSI1SK": s("received#2026-11-25#01"), "name": s("a small item")}
	if _, err := db.PutItem(ctx, &dynamodb.PutItemInput{TableName: &table, Item: item}); err != nil {
		t.Fatal(err)
	}
	ctx = meter.WithOperation(context.Background(), "get")
	out, err := db.GetItem(ctx, &dynamodb.GetItemInput{TableName: &table, Key: map[string]types.AttributeValue{"PK": item["PK"], "SK": item["SK"]}})
	if err != nil {
		t.Fatal(err)
	}
	if out.ConsumedCapacity == nil {
		t.Error("the meter did not ask for ReturnConsumedCapacity")
	}

	put := m.Of("put")
	if len(put) != 1 {
		t.Fatalf("put: %d calls recorded, want 1", len(put))
	}
	if got := put[0]; got.Units != (meter.Units{Write: 2}) || got.TableUnits != (meter.Units{Write: 1}) ||
		got.Indexes["GSI1"] != (meter.Units{Write: 1}) {
		t.Errorf("put into GSI1: units %v (table %v, indexes %v), want 1 + 1 WCU", got.Units, got.TableUnits, got.Indexes)
	}
	if got := put[0].Target; got != "T#…#P#…/R#…#…" {
		t.Errorf("put target %q", got)
	}
	get := m.Of("get")
	if len(get) != 1 || get[0].Units != (meter.Units{Read: 0.5}) || get[0].Items != 1 {
		t.Errorf("get: %+v, want one call of 0.5 RCU returning one item", get)
	}
	if sum := meter.Sum(m.Calls()); sum != (meter.Units{Read: 0.5, Write: 2}) {
		t.Errorf("sum %v", sum)
	}
	by := meter.ByIndex(m.Calls())
	if by["table"] != (meter.Units{Read: 0.5, Write: 1}) || by["GSI1"] != (meter.Units{Write: 1}) {
		t.Errorf("by index %v", by)
	}
}

func TestTransactionsCountDouble(t *testing.T) {
	db, table, m := metered(t)
	ctx := meter.WithOperation(context.Background(), "tx")
	_, err := db.TransactWriteItems(ctx, &dynamodb.TransactWriteItemsInput{TransactItems: []types.TransactWriteItem{
		{Put: &types.Put{TableName: &table, Item: map[string]types.AttributeValue{"PK": s("A#1"), "SK": s("X")}}},
		{Put: &types.Put{TableName: &table, Item: map[string]types.AttributeValue{"PK": s("A#2"), "SK": s("X")}}},
	}})
	if err != nil {
		t.Fatal(err)
	}
	_, err = db.TransactGetItems(ctx, &dynamodb.TransactGetItemsInput{TransactItems: []types.TransactGetItem{
		{Get: &types.Get{TableName: &table, Key: map[string]types.AttributeValue{"PK": s("A#1"), "SK": s("X")}}},
	}})
	if err != nil {
		t.Fatal(err)
	}
	_, err = db.TransactWriteItems(ctx, &dynamodb.TransactWriteItemsInput{TransactItems: []types.TransactWriteItem{
		{Put: &types.Put{TableName: &table, Item: map[string]types.AttributeValue{"PK": s("A#3"), "SK": s("X"), "GSI1PK": s("G"), "GSI1SK": s("1")}}},
		{Put: &types.Put{TableName: &table, Item: map[string]types.AttributeValue{"PK": s("A#4"), "SK": s("X"), "GSI1PK": s("G"), "GSI1SK": s("2")}}},
	}})
	if err != nil {
		t.Fatal(err)
	}
	calls := m.Of("tx")
	if len(calls) != 3 {
		t.Fatalf("%d calls", len(calls))
	}
	if calls[0].Units != (meter.Units{Write: 4}) || !calls[0].Transactional {
		t.Errorf("two small puts in a transaction: %v, want 4 WCU (2 x 1 each)", calls[0].Units)
	}
	if calls[0].Estimated {
		t.Error("a transaction of puts is costed from its items, not estimated")
	}
	// A transactional read of an item up to 4 KB is 2 RCU (twice a strongly consistent read).
	if calls[1].Units != (meter.Units{Read: 2}) {
		t.Errorf("one transactional get: %v, want 2 RCU", calls[1].Units)
	}
	if got := calls[2]; got.TableUnits != (meter.Units{Write: 4}) || got.Indexes["GSI1"] != (meter.Units{Write: 4}) {
		t.Errorf("two puts into GSI1 in a transaction: table %v, indexes %v, want 4 + 4 WCU", got.TableUnits, got.Indexes)
	}
}

func TestFailedConditionalWriteIsEstimated(t *testing.T) {
	db, table, m := metered(t)
	ctx := meter.WithOperation(context.Background(), "retry")
	item := map[string]types.AttributeValue{"PK": s("B#1"), "SK": s("X"), "GSI1PK": s("G"), "GSI1SK": s("H")}
	in := func() *dynamodb.PutItemInput {
		return &dynamodb.PutItemInput{TableName: &table, Item: item, ConditionExpression: aws.String("attribute_not_exists(PK)"),
			ReturnValuesOnConditionCheckFailure: types.ReturnValuesOnConditionCheckFailureAllOld}
	}
	if _, err := db.PutItem(ctx, in()); err != nil {
		t.Fatal(err)
	}
	_, err := db.PutItem(ctx, in())
	var ccf *types.ConditionalCheckFailedException
	if !errors.As(err, &ccf) {
		t.Fatalf("second put: %v, want a failed condition", err)
	}
	calls := m.Of("retry")
	if len(calls) != 2 {
		t.Fatalf("%d calls", len(calls))
	}
	if calls[0].Units != (meter.Units{Write: 2}) {
		t.Errorf("first put %v, want 2 WCU", calls[0].Units)
	}
	if got := calls[1]; got.Units != (meter.Units{Write: 1}) || !got.Estimated || got.Failed != "ConditionalCheckFailedException" {
		t.Errorf("failed put %+v, want an estimated 1 WCU", got)
	}
}

func TestItemSize(t *testing.T) {
	item := map[string]types.AttributeValue{
		"PK":  s("abc"),                                                                           // 2 + 3
		"n":   &types.AttributeValueMemberN{Value: "12345"},                                       // 1 + 3 + 1
		"ok":  &types.AttributeValueMemberBOOL{Value: true},                                       // 2 + 1
		"m":   &types.AttributeValueMemberM{Value: map[string]types.AttributeValue{"k": s("vv")}}, // 1 + 3 + 1 + 1 + 2
		"big": &types.AttributeValueMemberN{Value: "0.00100"},                                     // 3 + 1 + 1
	}
	if got, want := meter.ItemSize(item), 5+5+3+8+5; got != want {
		t.Errorf("ItemSize = %d, want %d", got, want)
	}
}

func TestOperationLabel(t *testing.T) {
	ctx := meter.WithOperation(context.Background(), "submit")
	if meter.Operation(ctx) != "submit" || meter.Operation(context.Background()) != "" {
		t.Error("operation label not carried by the context")
	}
}
