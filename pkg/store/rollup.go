package store

import (
	"context"
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
)

// TenantDay names one cohort day of one tenant.
type TenantDay struct{ Tenant, Day string }

// Changes lists the (tenant, day) pairs changed in [from, to): one Query per hour partition.
func (s *Store) Changes(ctx context.Context, from, to time.Time) ([]TenantDay, int, error) {
	seen := map[TenantDay]bool{}
	var out []TenantDay
	n := 0
	for h := from.UTC().Truncate(time.Hour); h.Before(to); h = h.Add(time.Hour) {
		in := &dynamodb.QueryInput{TableName: &s.Table, ConsistentRead: aws.Bool(true),
			KeyConditionExpression: cond("PK = :pk AND SK BETWEEN :lo AND :hi"),
			ProjectionExpression:   cond("tid, #d"), ExpressionAttributeNames: map[string]string{"#d": "day"},
			ExpressionAttributeValues: map[string]types.AttributeValue{":pk": str(changePK(h)),
				":lo": str(changeBound(from)), ":hi": str(changeBound(to))}}
		changed, err := queryAll(ctx, s.DB, in, func(item map[string]types.AttributeValue) (TenantDay, error) {
			return TenantDay{getS(item, "tid"), getS(item, "day")}, nil
		}, 0)
		if err != nil {
			return nil, 0, fmt.Errorf("changes: %w", err)
		}
		n += len(changed)
		for _, td := range changed {
			if !seen[td] {
				seen[td] = true
				out = append(out, td)
			}
		}
	}
	return out, n, nil
}

// Watermark is where the last successful rollup run read the change feed up to.
func (s *Store) Watermark(ctx context.Context) (time.Time, error) {
	out, err := s.DB.GetItem(ctx, &dynamodb.GetItemInput{TableName: &s.Table, Key: key(watermarkPK(), watermarkSK()), ConsistentRead: aws.Bool(true)})
	if err != nil {
		return time.Time{}, fmt.Errorf("watermark: %w", err)
	}
	if len(out.Item) == 0 {
		return time.Time{}, nil
	}
	return time.Parse(stamp, getS(out.Item, "at"))
}

// SetWatermark moves the watermark from prev to at; ErrConflict when another run moved it.
func (s *Store) SetWatermark(ctx context.Context, prev, at time.Time) error {
	item := key(watermarkPK(), watermarkSK())
	item[attrType] = str(typeWatermark)
	item["at"] = str(at.UTC().Format(stamp))
	in := &dynamodb.PutItemInput{TableName: &s.Table, Item: item, ConditionExpression: cond("attribute_not_exists(PK)")}
	if !prev.IsZero() {
		in.ConditionExpression = cond("#at = :prev")
		in.ExpressionAttributeNames = map[string]string{"#at": "at"}
		in.ExpressionAttributeValues = map[string]types.AttributeValue{":prev": str(prev.UTC().Format(stamp))}
	}
	_, err := s.DB.PutItem(ctx, in)
	if isConditionFailed(err) {
		return ErrConflict
	}
	return err
}
