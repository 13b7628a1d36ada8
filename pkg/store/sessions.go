package store

import (
	"context"
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
)

// PutSession records a live session; signing out deletes it, so a revoked JWT stops working at
// once even though it has not expired.
func (s *Store) PutSession(ctx context.Context, tid, emailKey, sid string, expires time.Time) error {
	item := key(sessionPK(tid, emailKey), sessionSK(sid))
	item[attrType] = str(typeSession)
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
