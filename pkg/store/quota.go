package store

import (
	"context"
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
)

// Quota is a limit of events per period for one (scope, key): invitations of an address per day,
// a referrer's submits per day, a practice's texts per month. Its counter is a rate counter item
// (ratePK/rateSK) that expires an hour after the period ends.
type Quota struct {
	Scope string // what is counted: "invite-address", "submit-referrer", "text-practice"…
	Key   string // whose: an email key, a tenant id, a referrer id (ids and hashes only)
	Limit int    // events allowed in the period; 0 allows none
	Per   Period
}

// Period is a quota's window: fixed UTC days or calendar months.
type Period int

const (
	Day Period = iota
	Month
)

// bounds is the period holding t: its start and its end.
func (p Period) bounds(t time.Time) (time.Time, time.Time) {
	t = t.UTC()
	if p == Month {
		start := time.Date(t.Year(), t.Month(), 1, 0, 0, 0, 0, time.UTC)
		return start, start.AddDate(0, 1, 0)
	}
	start := time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, time.UTC)
	return start, start.AddDate(0, 0, 1)
}

// Take counts one event against q if the period still has room: one conditional UpdateItem that
// refuses once Limit events are counted, so a flood never pushes the counter past the limit. When
// refused, retryAfter is the number of seconds until the period ends.
func (s *Store) Take(ctx context.Context, q Quota) (ok bool, retryAfter int, err error) {
	now := s.now()
	start, end := q.Per.bounds(now)
	if q.Limit <= 0 {
		return false, int(end.Sub(now).Seconds()) + 1, nil
	}
	_, err = s.DB.UpdateItem(ctx, &dynamodb.UpdateItemInput{TableName: &s.Table,
		Key:                      key(ratePK(q.Scope, q.Key), rateSK(start)),
		UpdateExpression:         cond("ADD #c :one SET #e = if_not_exists(#e, :e), #t = :t"),
		ConditionExpression:      cond("attribute_not_exists(#c) OR #c < :limit"),
		ExpressionAttributeNames: map[string]string{"#c": "count", "#e": attrTTL, "#t": attrType},
		ExpressionAttributeValues: map[string]types.AttributeValue{":one": num(1), ":limit": num(int64(q.Limit)),
			":e": ttl(end.Add(time.Hour)), ":t": str(typeRate)}})
	if isConditionFailed(err) {
		return false, int(end.Sub(now).Seconds()) + 1, nil
	}
	if err != nil {
		return false, 0, fmt.Errorf("quota %s: %w", q.Scope, err)
	}
	return true, 0, nil
}

// Give hands back one event Take counted (a send that was then not made, so it does not use up the
// period's room).
func (s *Store) Give(ctx context.Context, q Quota) error {
	start, _ := q.Per.bounds(s.now())
	_, err := s.DB.UpdateItem(ctx, &dynamodb.UpdateItemInput{TableName: &s.Table,
		Key:                       key(ratePK(q.Scope, q.Key), rateSK(start)),
		UpdateExpression:          cond("ADD #c :minus"),
		ConditionExpression:       cond("#c > :zero"),
		ExpressionAttributeNames:  map[string]string{"#c": "count"},
		ExpressionAttributeValues: map[string]types.AttributeValue{":minus": num(-1), ":zero": num(0)}})
	if isConditionFailed(err) {
		return nil
	}
	return err
}
