package store

import (
	"context"
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
)

// Hit counts one event against a rate limit of limit events per window for (scope, key) and
// reports whether it is allowed, and if not, the seconds until the window ends. One UpdateItem;
// counters expire by TTL.
func (s *Store) Hit(ctx context.Context, scope, k string, limit int, window time.Duration) (bool, int, error) {
	now := s.now()
	start := now.Truncate(window)
	end := start.Add(window)
	out, err := s.DB.UpdateItem(ctx, &dynamodb.UpdateItemInput{TableName: &s.Table,
		Key:                      key(ratePK(scope, k), rateSK(start)),
		UpdateExpression:         cond("ADD #c :one SET #e = if_not_exists(#e, :e), #t = :t"),
		ExpressionAttributeNames: map[string]string{"#c": "count", "#e": attrTTL, "#t": attrType},
		ExpressionAttributeValues: map[string]types.AttributeValue{":one": num(1), ":e": ttl(end.Add(time.Hour)),
			":t": str(typeRate)},
		ReturnValues: types.ReturnValueUpdatedNew})
	if err != nil {
		return false, 0, fmt.Errorf("rate: %w", err)
	}
	if int(getN(out.Attributes, "count")) > limit {
		return false, int(end.Sub(now).Seconds()) + 1, nil
	}
	return true, 0, nil
}
