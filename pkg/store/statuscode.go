package store

import (
	"context"
	"strconv"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/referloop/referloop/pkg/referral"
)

// ResendCode counts one more resend of a referral's patient status code (the notifier sends the
// code again when it sees the count rise) and stamps who asked, for the audit. Like a rating it
// does not bump the version: it changes nothing anyone edits. It returns the new count.
func (s *Store) ResendCode(ctx context.Context, tid, id string, by referral.ActorAt, at time.Time) (int, error) {
	pid, rid, ulid, ok := referral.ParseID(id)
	if !ok {
		return 0, ErrNotFound
	}
	av, err := marshalValue(by)
	if err != nil {
		return 0, err
	}
	out, err := s.DB.UpdateItem(ctx, &dynamodb.UpdateItemInput{TableName: &s.Table, Key: key(referralPK(tid, pid), referralSK(rid, ulid)),
		UpdateExpression:         cond("ADD #n :one SET #a = :a, #u = :u"),
		ConditionExpression:      cond("attribute_exists(PK)"),
		ExpressionAttributeNames: map[string]string{"#n": "codeResends", "#a": "lastActor", "#u": "updatedAt"},
		ExpressionAttributeValues: map[string]types.AttributeValue{":one": num(int64(1)), ":a": av,
			":u": str(at.UTC().Format(time.RFC3339Nano))},
		ReturnValues: types.ReturnValueUpdatedNew})
	if isConditionFailed(err) {
		return 0, ErrNotFound
	}
	if err != nil {
		return 0, err
	}
	n, ok := out.Attributes["codeResends"].(*types.AttributeValueMemberN)
	if !ok {
		return 0, nil
	}
	count, _ := strconv.Atoi(n.Value)
	return count, nil
}
