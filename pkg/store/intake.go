package store

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/referloop/referloop/pkg/intake"
)

// ErrIntakeExpired: the confirmation link of a pending intake is past its time.
var ErrIntakeExpired = errors.New("the confirmation link expired")

// PendingIntake is a patient's own referral waiting for its emailed confirmation: the request as
// sent, what its referral will be (ids fixed now, so that confirming twice makes one referral),
// and, once confirmed, when. DynamoDB's TTL removes it at ExpiresAt; the request (PHI) is removed
// as soon as it is confirmed.
type PendingIntake struct {
	TenantID    string          `json:"tid"`
	ULID        string          `json:"ulid"`
	ReferrerID  string          `json:"referrerId"`
	Request     *intake.Request `json:"request,omitempty"`
	CreatedAt   time.Time       `json:"createdAt"`
	ExpiresAt   time.Time       `json:"validUntil"`
	ConfirmedAt *time.Time      `json:"confirmedAt,omitempty"`
	ReferralID  string          `json:"referralId,omitempty"`
}

// PutPendingIntake stores a pending intake under the hash of its link's token.
func (s *Store) PutPendingIntake(ctx context.Context, tokenHash string, p PendingIntake) error {
	item, err := marshal(p, map[string]string{attrPK: intakePK(p.TenantID), attrSK: intakeSK(tokenHash), attrType: typePendingIntake})
	if err != nil {
		return err
	}
	item[attrTTL] = ttl(p.ExpiresAt)
	_, err = s.DB.PutItem(ctx, &dynamodb.PutItemInput{TableName: &s.Table, Item: item, ConditionExpression: cond("attribute_not_exists(PK)")})
	if err != nil {
		return fmt.Errorf("put pending intake: %w", err)
	}
	return nil
}

// PendingIntake reads a pending intake of a tenant (consistently: the link may be opened a
// moment after it was sent). ErrNotFound when unknown or removed; ErrIntakeExpired when it is past
// its time and not confirmed (TTL deletion lags, so expiry is checked here).
func (s *Store) PendingIntake(ctx context.Context, tid, tokenHash string) (PendingIntake, error) {
	var p PendingIntake
	out, err := s.DB.GetItem(ctx, &dynamodb.GetItemInput{TableName: &s.Table, ConsistentRead: aws.Bool(true),
		Key: key(intakePK(tid), intakeSK(tokenHash))})
	if err != nil {
		return p, fmt.Errorf("pending intake: %w", err)
	}
	if len(out.Item) == 0 {
		return p, ErrNotFound
	}
	if err := unmarshal(out.Item, &p); err != nil {
		return p, err
	}
	if p.ConfirmedAt == nil && !s.now().Before(p.ExpiresAt) {
		return p, ErrIntakeExpired
	}
	return p, nil
}

// ConfirmIntake marks a pending intake confirmed with the referral it made, and removes the
// request (the referral holds it now). Idempotent: a second confirmation keeps the first time.
func (s *Store) ConfirmIntake(ctx context.Context, tid, tokenHash, referralID string, at time.Time) error {
	stamp, err := marshalValue(at)
	if err != nil {
		return err
	}
	_, err = s.DB.UpdateItem(ctx, &dynamodb.UpdateItemInput{TableName: &s.Table, Key: key(intakePK(tid), intakeSK(tokenHash)),
		UpdateExpression:          cond("SET confirmedAt = if_not_exists(confirmedAt, :at), referralId = :r REMOVE #req"),
		ConditionExpression:       cond("attribute_exists(PK)"),
		ExpressionAttributeNames:  map[string]string{"#req": "request"},
		ExpressionAttributeValues: map[string]types.AttributeValue{":at": stamp, ":r": str(referralID)}})
	if isConditionFailed(err) {
		return ErrNotFound
	}
	if err != nil {
		return fmt.Errorf("confirm intake: %w", err)
	}
	return nil
}
