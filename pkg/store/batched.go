package store

import (
	"context"
	"errors"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
)

// ErrNotBatchable is returned by a write made inside Batch that BatchWriteItem cannot carry.
var ErrNotBatchable = errors.New("store: only unconditional puts can be batched")

// Batch gathers the puts fn makes through the store it is given, then writes them with
// BatchWriteItem (25 items a call) rather than one call each: the stream consumer's writes of one
// record (audit records, the metrics fact and its change marker, digest entries) cost one round
// trip. The items are built by the store's usual methods, so their keys stay those of keys.go.
//
// Only unconditional puts can be batched: any other call fn makes (a read, an update, a
// conditional put) fails with ErrNotBatchable and nothing is written. The puts are neither atomic
// nor ordered, so each must be idempotent; two puts of the same key keep the last one, as
// sequential puts would.
//
// Audit records are the exception: they go to the append-only audit table, where no role may
// batch-write, each as its own conditional put (an audit key never overwrites), when fn makes them.
func (s *Store) Batch(ctx context.Context, fn func(*Store) error) error {
	g := &gather{table: s.Table, auditTable: s.AuditTable, db: s.DB, at: map[string]int{}}
	if err := fn(&Store{DB: g, Table: s.Table, AuditTable: s.AuditTable, Now: s.Now}); err != nil {
		return err
	}
	return s.batchWrite(ctx, g.reqs)
}

// gather is the DB of a Batch: it keeps puts instead of sending them (but audit puts, which it
// passes on to db).
type gather struct {
	table, auditTable string
	db                DB
	reqs              []types.WriteRequest
	at                map[string]int // PK + SK → index in reqs
}

func (g *gather) PutItem(ctx context.Context, in *dynamodb.PutItemInput, opts ...func(*dynamodb.Options)) (*dynamodb.PutItemOutput, error) {
	if g.auditTable != "" && aws.ToString(in.TableName) == g.auditTable {
		return g.db.PutItem(ctx, in, opts...)
	}
	if aws.ToString(in.TableName) != g.table || in.ConditionExpression != nil || in.ReturnValues != "" && in.ReturnValues != types.ReturnValueNone {
		return nil, ErrNotBatchable
	}
	k := getS(in.Item, attrPK) + "\x00" + getS(in.Item, attrSK)
	req := types.WriteRequest{PutRequest: &types.PutRequest{Item: in.Item}}
	if i, ok := g.at[k]; ok {
		g.reqs[i] = req
	} else {
		g.at[k] = len(g.reqs)
		g.reqs = append(g.reqs, req)
	}
	return &dynamodb.PutItemOutput{}, nil
}

func (g *gather) GetItem(context.Context, *dynamodb.GetItemInput, ...func(*dynamodb.Options)) (*dynamodb.GetItemOutput, error) {
	return nil, ErrNotBatchable
}

func (g *gather) UpdateItem(context.Context, *dynamodb.UpdateItemInput, ...func(*dynamodb.Options)) (*dynamodb.UpdateItemOutput, error) {
	return nil, ErrNotBatchable
}

func (g *gather) DeleteItem(context.Context, *dynamodb.DeleteItemInput, ...func(*dynamodb.Options)) (*dynamodb.DeleteItemOutput, error) {
	return nil, ErrNotBatchable
}

func (g *gather) Query(context.Context, *dynamodb.QueryInput, ...func(*dynamodb.Options)) (*dynamodb.QueryOutput, error) {
	return nil, ErrNotBatchable
}

func (g *gather) TransactWriteItems(context.Context, *dynamodb.TransactWriteItemsInput, ...func(*dynamodb.Options)) (*dynamodb.TransactWriteItemsOutput, error) {
	return nil, ErrNotBatchable
}

func (g *gather) BatchWriteItem(context.Context, *dynamodb.BatchWriteItemInput, ...func(*dynamodb.Options)) (*dynamodb.BatchWriteItemOutput, error) {
	return nil, ErrNotBatchable
}
