package store

import (
	"context"
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
)

// CodeMarker points a patient status code (by its hash) at a referral.
type CodeMarker struct {
	TenantID   string `json:"tid"`
	ReferralID string `json:"rid"`
	Attempts   int    `json:"attempts"`
}

// PutCode stores the marker of a patient's status code; the same code always writes the same
// marker, so a repeated stream record changes nothing (the attempt count is kept).
func (s *Store) PutCode(ctx context.Context, hash string, m CodeMarker, expires time.Time) error {
	_, err := s.DB.UpdateItem(ctx, &dynamodb.UpdateItemInput{TableName: &s.Table, Key: key(codePK(hash), codeSK()),
		UpdateExpression:         cond("SET #t = :t, tid = :tid, rid = :rid, #e = :e, attempts = if_not_exists(attempts, :zero)"),
		ExpressionAttributeNames: map[string]string{"#t": attrType, "#e": attrTTL},
		ExpressionAttributeValues: map[string]types.AttributeValue{":t": str(typeCode), ":tid": str(m.TenantID),
			":rid": str(m.ReferralID), ":e": ttl(expires), ":zero": num(0)}})
	if err != nil {
		return fmt.Errorf("put code: %w", err)
	}
	return nil
}

// Code reads a code marker.
func (s *Store) Code(ctx context.Context, hash string) (CodeMarker, error) {
	var m CodeMarker
	item, err := s.get(ctx, codePK(hash), codeSK())
	if err != nil {
		return m, err
	}
	err = unmarshal(item, &m)
	return m, err
}

// FailCode counts a wrong answer against a code.
func (s *Store) FailCode(ctx context.Context, hash string) error {
	_, err := s.DB.UpdateItem(ctx, &dynamodb.UpdateItemInput{TableName: &s.Table, Key: key(codePK(hash), codeSK()),
		UpdateExpression:          cond("ADD attempts :one"),
		ConditionExpression:       cond("attribute_exists(PK)"),
		ExpressionAttributeValues: map[string]types.AttributeValue{":one": num(1)}})
	if isConditionFailed(err) {
		return nil
	}
	return err
}
