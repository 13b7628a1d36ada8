// Package store is the only package that talks to DynamoDB. It keeps Referloop's single table:
// practices, people, partners, magic links, sessions, rate counters and referrals, and what the
// notifier and the rollup keep beside them (codes, audit records, the outbox, dead letters, digests,
// metric facts and buckets). One file per aggregate; every key is built in keys.go; a read that
// wants every item of a key condition (or its first n) goes through queryAll (query.go), and the
// API's paged lists read one page and hand back a cursor.
package store

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
)

// Named errors the HTTP layer maps to status codes with errors.Is.
var (
	ErrNotFound  = errors.New("not found")
	ErrExists    = errors.New("already exists")
	ErrConflict  = errors.New("changed by someone else")
	ErrSlugTaken = errors.New("slug taken")
	ErrBadCursor = errors.New("bad cursor")
)

// DB is the part of the DynamoDB client the store uses; *dynamodb.Client satisfies it.
type DB interface {
	GetItem(context.Context, *dynamodb.GetItemInput, ...func(*dynamodb.Options)) (*dynamodb.GetItemOutput, error)
	PutItem(context.Context, *dynamodb.PutItemInput, ...func(*dynamodb.Options)) (*dynamodb.PutItemOutput, error)
	UpdateItem(context.Context, *dynamodb.UpdateItemInput, ...func(*dynamodb.Options)) (*dynamodb.UpdateItemOutput, error)
	DeleteItem(context.Context, *dynamodb.DeleteItemInput, ...func(*dynamodb.Options)) (*dynamodb.DeleteItemOutput, error)
	Query(context.Context, *dynamodb.QueryInput, ...func(*dynamodb.Options)) (*dynamodb.QueryOutput, error)
	TransactWriteItems(context.Context, *dynamodb.TransactWriteItemsInput, ...func(*dynamodb.Options)) (*dynamodb.TransactWriteItemsOutput, error)
	BatchWriteItem(context.Context, *dynamodb.BatchWriteItemInput, ...func(*dynamodb.Options)) (*dynamodb.BatchWriteItemOutput, error)
}

var _ DB = (*dynamodb.Client)(nil)

// A DB is all the SDK's Query paginator needs, so queryAll takes the store's own client.
var _ dynamodb.QueryAPIClient = DB(nil)

// Scanner is the Scan call, kept out of DB on purpose: only the metrics rebuild (a repair tool, never
// a request path) may scan, and it must be given one explicitly.
type Scanner interface {
	Scan(context.Context, *dynamodb.ScanInput, ...func(*dynamodb.Options)) (*dynamodb.ScanOutput, error)
}

var _ dynamodb.ScanAPIClient = Scanner(nil)

// Store reads and writes the table, and the audit trail's own table.
type Store struct {
	DB      DB
	Scanner Scanner // nil on every request path
	Table   string
	// AuditTable is the append-only audit trail (template.yaml's AuditTable): the store only puts
	// new records there and reads a day's. "" in a function that neither audits nor reads audits.
	AuditTable string
	Now        func() time.Time
}

// New returns a store over db and table, with its audit table beside it as the local stack and the
// tests create it (AuditTableFor); in Lambda, awsenv sets AuditTable from AUDIT_TABLE_NAME.
func New(db DB, table string) *Store {
	return &Store{DB: db, Table: table, AuditTable: AuditTableFor(table), Now: time.Now}
}

// AuditTableFor is the name the local stack and the tests give the audit table beside a table named
// table (template.yaml's AuditTable; infra/template's LocalName makes the same name). In AWS,
// CloudFormation names both tables and AUDIT_TABLE_NAME says which is the audit table.
func AuditTableFor(table string) string { return table + "-audit" }

func (s *Store) now() time.Time { return s.Now().UTC() }

var jsonTags = func(o *attributevalue.EncoderOptions) { o.TagKey = "json" }
var jsonTagsDecode = func(o *attributevalue.DecoderOptions) { o.TagKey = "json" }

// marshal turns a struct with json tags into an item and adds the keys.
func marshal(v any, keys map[string]string) (map[string]types.AttributeValue, error) {
	item, err := attributevalue.MarshalMapWithOptions(v, jsonTags)
	if err != nil {
		return nil, err
	}
	for k, val := range keys {
		item[k] = str(val)
	}
	return item, nil
}

func unmarshal(item map[string]types.AttributeValue, v any) error {
	return attributevalue.UnmarshalMapWithOptions(item, v, jsonTagsDecode)
}

// decodeAs decodes an item into a T by its json tags (a decode function for queryAll).
func decodeAs[T any](item map[string]types.AttributeValue) (T, error) {
	var v T
	err := unmarshal(item, &v)
	return v, err
}

func marshalValue(v any) (types.AttributeValue, error) {
	m, err := marshal(v, nil)
	if err != nil {
		return nil, err
	}
	return &types.AttributeValueMemberM{Value: m}, nil
}

func str(s string) types.AttributeValue { return &types.AttributeValueMemberS{Value: s} }
func num(n int64) types.AttributeValue {
	return &types.AttributeValueMemberN{Value: strconv.FormatInt(n, 10)}
}

func key(pk, sk string) map[string]types.AttributeValue {
	return map[string]types.AttributeValue{attrPK: str(pk), attrSK: str(sk)}
}

func getS(item map[string]types.AttributeValue, name string) string {
	if v, ok := item[name].(*types.AttributeValueMemberS); ok {
		return v.Value
	}
	return ""
}

func getN(item map[string]types.AttributeValue, name string) int64 {
	if v, ok := item[name].(*types.AttributeValueMemberN); ok {
		n, _ := strconv.ParseInt(v.Value, 10, 64)
		return n
	}
	return 0
}

// get reads one item (eventually consistent); ErrNotFound when absent.
func (s *Store) get(ctx context.Context, pk, sk string) (map[string]types.AttributeValue, error) {
	out, err := s.DB.GetItem(ctx, &dynamodb.GetItemInput{TableName: &s.Table, Key: key(pk, sk)})
	if err != nil {
		return nil, fmt.Errorf("get %s: %w", typeOf(pk), err)
	}
	if len(out.Item) == 0 {
		return nil, ErrNotFound
	}
	return out.Item, nil
}

// typeOf names a key's kind for error messages without echoing ids or hashes.
func typeOf(pk string) string {
	for i := 0; i < len(pk); i++ {
		if pk[i] == '#' {
			return pk[:i]
		}
	}
	return pk
}

// IsNotFound reports ErrNotFound.
func IsNotFound(err error) bool { return errors.Is(err, ErrNotFound) }

func isConditionFailed(err error) bool {
	var ccf *types.ConditionalCheckFailedException
	return errors.As(err, &ccf)
}

// existing returns the item a failed put-if-absent found in its way (ReturnValuesOnConditionCheckFailure
// ALL_OLD), so a retry costs no read.
func existing(err error) (map[string]types.AttributeValue, bool) {
	var ccf *types.ConditionalCheckFailedException
	if errors.As(err, &ccf) && len(ccf.Item) > 0 {
		return ccf.Item, true
	}
	return nil, false
}

// cancelled returns the cancellation reasons of a failed transaction, or nil.
func cancelled(err error) []types.CancellationReason {
	var tce *types.TransactionCanceledException
	if errors.As(err, &tce) {
		return tce.CancellationReasons
	}
	return nil
}

func ttl(t time.Time) types.AttributeValue { return num(t.Unix()) }

func cond(expr string) *string { return aws.String(expr) }
