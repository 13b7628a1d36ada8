package store

import (
	"context"
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
)

// PutSession records a live session; signing out deletes it, so a revoked JWT stops working at
// once even though it has not expired.
func (s *Store) PutSession(ctx context.Context, tid, emailKey, sid string, expires time.Time) error {
	item := key(sessionPK(tid, emailKey), sessionSK(sid))
	item["type"] = str("session")
	item[attrTTL] = ttl(expires)
	_, err := s.DB.PutItem(ctx, &dynamodb.PutItemInput{TableName: &s.Table, Item: item})
	if err != nil {
		return fmt.Errorf("put session: %w", err)
	}
	return nil
}

// SessionLive reports whether a session has not been revoked (and has not expired).
func (s *Store) SessionLive(ctx context.Context, tid, emailKey, sid string) (bool, error) {
	out, err := s.DB.GetItem(ctx, &dynamodb.GetItemInput{TableName: &s.Table, Key: key(sessionPK(tid, emailKey), sessionSK(sid)),
		ProjectionExpression: cond(attrTTL)})
	if err != nil {
		return false, fmt.Errorf("session: %w", err)
	}
	if len(out.Item) == 0 {
		return false, nil
	}
	return getN(out.Item, attrTTL) > s.now().Unix(), nil
}

// DeleteSession revokes one session.
func (s *Store) DeleteSession(ctx context.Context, tid, emailKey, sid string) error {
	_, err := s.DB.DeleteItem(ctx, &dynamodb.DeleteItemInput{TableName: &s.Table, Key: key(sessionPK(tid, emailKey), sessionSK(sid))})
	return err
}

// Hit counts one event against a rate limit of limit events per window for (scope, key) and
// reports whether it is allowed, and if not, the seconds until the window ends. One UpdateItem;
// counters expire by TTL.
func (s *Store) Hit(ctx context.Context, scope, k string, limit int, window time.Duration) (bool, int, error) {
	now := s.now()
	start := now.Truncate(window)
	end := start.Add(window)
	out, err := s.DB.UpdateItem(ctx, &dynamodb.UpdateItemInput{TableName: &s.Table,
		Key:                      key(ratePK(scope, k), start.Format(time.RFC3339)),
		UpdateExpression:         cond("ADD #c :one SET #e = if_not_exists(#e, :e), #t = :t"),
		ExpressionAttributeNames: map[string]string{"#c": "count", "#e": attrTTL, "#t": "type"},
		ExpressionAttributeValues: map[string]types.AttributeValue{":one": num(1), ":e": ttl(end.Add(time.Hour)),
			":t": str("rate")},
		ReturnValues: types.ReturnValueUpdatedNew})
	if err != nil {
		return false, 0, fmt.Errorf("rate: %w", err)
	}
	if int(getN(out.Attributes, "count")) > limit {
		return false, int(end.Sub(now).Seconds()) + 1, nil
	}
	return true, 0, nil
}
