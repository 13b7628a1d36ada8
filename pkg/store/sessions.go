package store

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/referloop/referloop/pkg/practice"
)

// Named errors of people and their sessions.
var (
	// ErrDeactivated: the person was deactivated by their practice; they can get no new session.
	ErrDeactivated = errors.New("deactivated")
	// ErrIsOwner: the practice's owner cannot be deactivated.
	ErrIsOwner = errors.New("the owner cannot be deactivated")
)

// attrLastSeen is a session's last recorded use (epoch seconds).
const attrLastSeen = "lastSeen"

// sessionItem is a live session: its keys, its absolute expiry (the TTL) and its last use.
func (s *Store) sessionItem(tid, emailKey, sid string, expires time.Time) map[string]types.AttributeValue {
	item := key(sessionPK(tid, emailKey), sessionSK(sid))
	item[attrType] = str(typeSession)
	item[attrTTL] = ttl(expires)
	item[attrLastSeen] = num(s.now().Unix())
	return item
}

// PutSession records a live session; signing out deletes it, so a revoked JWT stops working at
// once even though it has not expired.
func (s *Store) PutSession(ctx context.Context, tid, emailKey, sid string, expires time.Time) error {
	_, err := s.DB.PutItem(ctx, &dynamodb.PutItemInput{TableName: &s.Table, Item: s.sessionItem(tid, emailKey, sid, expires)})
	if err != nil {
		return fmt.Errorf("put session: %w", err)
	}
	return nil
}

// StartSession records a live session for a person who has not been deactivated: the session's put
// and a check of the person's item (a referrer's, or a staff member's for the other roles) in one
// transaction, so a deactivation cannot slip between the check and the put (it ends the sessions it
// finds after marking the person). ErrDeactivated when the person is deactivated or gone.
func (s *Store) StartSession(ctx context.Context, tid, emailKey, sid, role string, expires time.Time) error {
	person := userSK(emailKey)
	if role == practice.RoleReferrer {
		person = referrerSK(emailKey)
	}
	_, err := s.DB.TransactWriteItems(ctx, &dynamodb.TransactWriteItemsInput{TransactItems: []types.TransactWriteItem{
		{Put: &types.Put{TableName: &s.Table, Item: s.sessionItem(tid, emailKey, sid, expires)}},
		{ConditionCheck: &types.ConditionCheck{TableName: &s.Table, Key: key(tenantPK(tid), person),
			ConditionExpression: cond("attribute_exists(PK) AND attribute_not_exists(deactivatedAt)")}},
	}})
	if reasons := cancelled(err); len(reasons) > 1 && aws.ToString(reasons[1].Code) == "ConditionalCheckFailed" {
		return ErrDeactivated
	}
	if err != nil {
		return fmt.Errorf("start session: %w", err)
	}
	return nil
}

// SessionState is what the table says of a session.
type SessionState struct {
	// Live is false once the session was signed out, ended, or reached its absolute expiry.
	Live bool
	// LastSeen is its last recorded use (recorded at most every few minutes, see TouchSession).
	LastSeen time.Time
}

// Session reads a session's state (eventually consistent, 0.5 RCU).
func (s *Store) Session(ctx context.Context, tid, emailKey, sid string) (SessionState, error) {
	out, err := s.DB.GetItem(ctx, &dynamodb.GetItemInput{TableName: &s.Table, Key: key(sessionPK(tid, emailKey), sessionSK(sid)),
		ProjectionExpression: cond("#e, #l"), ExpressionAttributeNames: map[string]string{"#e": attrTTL, "#l": attrLastSeen}})
	if err != nil {
		return SessionState{}, fmt.Errorf("session: %w", err)
	}
	if len(out.Item) == 0 {
		return SessionState{}, nil
	}
	return SessionState{Live: getN(out.Item, attrTTL) > s.now().Unix(), LastSeen: time.Unix(getN(out.Item, attrLastSeen), 0).UTC()}, nil
}

// SessionLive reports whether a session has not been revoked (and has not expired).
func (s *Store) SessionLive(ctx context.Context, tid, emailKey, sid string) (bool, error) {
	st, err := s.Session(ctx, tid, emailKey, sid)
	return st.Live, err
}

// TouchSession records a use of a live session at now, only if its last recorded use is before
// staleBefore: the condition makes concurrent requests write once, and callers ask only when their
// read found the stamp stale, so a session costs a write every few minutes, not one per request.
func (s *Store) TouchSession(ctx context.Context, tid, emailKey, sid string, now, staleBefore time.Time) error {
	_, err := s.DB.UpdateItem(ctx, &dynamodb.UpdateItemInput{TableName: &s.Table, Key: key(sessionPK(tid, emailKey), sessionSK(sid)),
		UpdateExpression:          cond("SET #l = :now"),
		ConditionExpression:       cond("attribute_exists(PK) AND (attribute_not_exists(#l) OR #l < :stale) AND #e > :now"),
		ExpressionAttributeNames:  map[string]string{"#l": attrLastSeen, "#e": attrTTL},
		ExpressionAttributeValues: map[string]types.AttributeValue{":now": num(now.Unix()), ":stale": num(staleBefore.Unix())}})
	if err != nil && !isConditionFailed(err) {
		return fmt.Errorf("touch session: %w", err)
	}
	return nil
}

// DeleteSession revokes one session.
func (s *Store) DeleteSession(ctx context.Context, tid, emailKey, sid string) error {
	_, err := s.DB.DeleteItem(ctx, &dynamodb.DeleteItemInput{TableName: &s.Table, Key: key(sessionPK(tid, emailKey), sessionSK(sid))})
	return err
}

// EndSessions ends every live session of a person at a practice (sign out everywhere, and
// deactivation): one consistent Query of the person's sessions, then an update per session that
// moves its expiry to now, so the next request with it is refused and TTL removes it. An update
// rather than a delete, so that the practice function, which may not delete items, can end them.
// It returns how many it ended.
func (s *Store) EndSessions(ctx context.Context, tid, emailKey string) (int, error) {
	now := s.now()
	in := &dynamodb.QueryInput{TableName: &s.Table, ConsistentRead: aws.Bool(true),
		KeyConditionExpression:    cond("PK = :pk AND begins_with(SK, :s)"),
		FilterExpression:          cond("#e > :now"),
		ProjectionExpression:      cond("PK, SK"),
		ExpressionAttributeNames:  map[string]string{"#e": attrTTL},
		ExpressionAttributeValues: map[string]types.AttributeValue{":pk": str(sessionPK(tid, emailKey)), ":s": str(sessionPrefix()), ":now": num(now.Unix())}}
	keys, err := queryAll(ctx, s.DB, in, func(item map[string]types.AttributeValue) (string, error) { return getS(item, attrSK), nil }, 0)
	if err != nil {
		return 0, fmt.Errorf("sessions: %w", err)
	}
	n := 0
	for _, sk := range keys {
		_, err := s.DB.UpdateItem(ctx, &dynamodb.UpdateItemInput{TableName: &s.Table, Key: key(sessionPK(tid, emailKey), sk),
			UpdateExpression: cond("SET #e = :now"), ConditionExpression: cond("attribute_exists(PK)"),
			ExpressionAttributeNames:  map[string]string{"#e": attrTTL},
			ExpressionAttributeValues: map[string]types.AttributeValue{":now": num(now.Unix())}})
		if isConditionFailed(err) {
			continue // signed out meanwhile
		}
		if err != nil {
			return n, fmt.Errorf("end session: %w", err)
		}
		n++
	}
	return n, nil
}
