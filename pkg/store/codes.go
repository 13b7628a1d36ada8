package store

import (
	"context"
	"errors"
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
	// Check is auth.BirthDateCheck of the code and the patient's date of birth ("" on markers
	// written before it was kept: the lookup then reads the date from the referral).
	Check string `json:"check,omitempty"`
}

// PutCode stores the marker of a patient's status code; the same code always writes the same
// marker, so a repeated stream record changes nothing (the attempt count is kept).
func (s *Store) PutCode(ctx context.Context, hash string, m CodeMarker, expires time.Time) error {
	_, err := s.DB.UpdateItem(ctx, &dynamodb.UpdateItemInput{TableName: &s.Table, Key: key(codePK(hash), codeSK()),
		UpdateExpression:         cond("SET #t = :t, tid = :tid, rid = :rid, #c = :c, #e = :e, attempts = if_not_exists(attempts, :zero)"),
		ExpressionAttributeNames: map[string]string{"#t": attrType, "#e": attrTTL, "#c": "check"},
		ExpressionAttributeValues: map[string]types.AttributeValue{":t": str(typeCode), ":tid": str(m.TenantID),
			":rid": str(m.ReferralID), ":c": str(m.Check), ":e": ttl(expires), ":zero": num(0)}})
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

// ErrCodeLocked is a patient status code whose tries are spent.
var ErrCodeLocked = errors.New("code locked")

// UnknownCodeLife is how long the try counter of a code that points nowhere is kept.
const UnknownCodeLife = 24 * time.Hour

// SpendCodeTry counts one try against a code before its answer is compared: one conditional
// UpdateItem that refuses once max tries are spent, so parallel tries cannot compare more than max
// answers between them. It returns the marker (tenant and referral) of the try it counted;
// ErrCodeLocked for a code whose tries are spent, with the marker when the code is known. An unknown code is counted the same way (its
// counter expires after UnknownCodeLife) and answers ErrNotFound: the same write, the same time,
// and the same lock after max tries, so nothing tells a valid code from an invalid one.
func (s *Store) SpendCodeTry(ctx context.Context, hash string, max int) (CodeMarker, error) {
	var m CodeMarker
	out, err := s.DB.UpdateItem(ctx, &dynamodb.UpdateItemInput{TableName: &s.Table, Key: key(codePK(hash), codeSK()),
		UpdateExpression:         cond("ADD attempts :one SET #t = if_not_exists(#t, :t), #e = if_not_exists(#e, :e)"),
		ConditionExpression:      cond("attribute_not_exists(attempts) OR attempts < :max"),
		ExpressionAttributeNames: map[string]string{"#t": attrType, "#e": attrTTL},
		ExpressionAttributeValues: map[string]types.AttributeValue{":one": num(1), ":max": num(int64(max)),
			":t": str(typeCode), ":e": ttl(s.now().Add(UnknownCodeLife))},
		ReturnValues: types.ReturnValueAllNew, ReturnValuesOnConditionCheckFailure: types.ReturnValuesOnConditionCheckFailureAllOld})
	if isConditionFailed(err) {
		// The marker of a locked code comes back with the refusal (no read): its practice is who
		// the patient should call. An unknown code's counter has no tenant.
		if item, ok := existing(err); ok {
			_ = unmarshal(item, &m)
		}
		return m, ErrCodeLocked
	}
	if err != nil {
		return m, fmt.Errorf("code try: %w", err)
	}
	if err := unmarshal(out.Attributes, &m); err != nil {
		return m, err
	}
	if m.TenantID == "" || m.ReferralID == "" {
		return m, ErrNotFound
	}
	return m, nil
}

// ReturnCodeTry gives back the try of a right answer: only wrong answers use a code up. It never
// resets the wrong ones.
func (s *Store) ReturnCodeTry(ctx context.Context, hash string) error {
	_, err := s.DB.UpdateItem(ctx, &dynamodb.UpdateItemInput{TableName: &s.Table, Key: key(codePK(hash), codeSK()),
		UpdateExpression:          cond("ADD attempts :minus"),
		ConditionExpression:       cond("attempts > :zero"),
		ExpressionAttributeValues: map[string]types.AttributeValue{":minus": num(-1), ":zero": num(0)}})
	if isConditionFailed(err) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("code try: %w", err)
	}
	return nil
}
