package store

import (
	"context"
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
)

// Notification states in the outbox.
const (
	NotePending = "pending"
	NoteSent    = "sent"
	NoteFailed  = "failed"
	// NoteRefused is a message Referloop would not send (a text to a country texts do not go to,
	// or past a texting cap); its error says why. It is final: a redelivery does not try it again.
	NoteRefused = "refused"
)

// Notification is one outgoing message in the tenant's outbox: the dedupe record that makes the
// stream consumer's redeliveries send once, and the trace a person reads when a send failed.
type Notification struct {
	Key      string    `json:"key"`
	Kind     string    `json:"kind"`
	Referral string    `json:"referral"`
	Status   string    `json:"status"`
	Attempts int       `json:"attempts"`
	Error    string    `json:"error,omitempty"`
	At       time.Time `json:"at"`
}

// ClaimNotification marks a notification as being sent. done is "" when it is claimed, or the
// final state it already has (NoteSent, NoteRefused), when there is nothing to do.
func (s *Store) ClaimNotification(ctx context.Context, tid string, n Notification) (done string, err error) {
	_, err = s.DB.UpdateItem(ctx, &dynamodb.UpdateItemInput{TableName: &s.Table, Key: key(outboxPK(tid), n.Key),
		UpdateExpression:         cond("SET #t = :t, #k = :k, kind = :kind, referral = :ref, #s = :pending, #at = :at ADD attempts :one"),
		ConditionExpression:      cond("attribute_not_exists(PK) OR (#s <> :sent AND #s <> :refused)"),
		ExpressionAttributeNames: map[string]string{"#t": attrType, "#k": "key", "#s": "status", "#at": "at"},
		ExpressionAttributeValues: map[string]types.AttributeValue{":t": str(typeNotification), ":k": str(n.Key),
			":kind": str(n.Kind), ":ref": str(n.Referral), ":pending": str(NotePending), ":sent": str(NoteSent),
			":refused": str(NoteRefused), ":at": str(n.At.UTC().Format(stamp)), ":one": num(1)},
		ReturnValuesOnConditionCheckFailure: types.ReturnValuesOnConditionCheckFailureAllOld})
	if old, ok := existing(err); ok {
		return getS(old, "status"), nil
	}
	if isConditionFailed(err) {
		return NoteSent, nil
	}
	if err != nil {
		return "", fmt.Errorf("claim notification: %w", err)
	}
	return "", nil
}

// FinishNotification records how a send ended (sent, failed with a PHI-free error class, or
// refused with why).
func (s *Store) FinishNotification(ctx context.Context, tid, k, status, errText string) error {
	expr := "SET #s = :s REMOVE #e"
	vals := map[string]types.AttributeValue{":s": str(status)}
	if errText != "" {
		expr = "SET #s = :s, #e = :e"
		vals[":e"] = str(errText)
	}
	_, err := s.DB.UpdateItem(ctx, &dynamodb.UpdateItemInput{TableName: &s.Table, Key: key(outboxPK(tid), k),
		UpdateExpression: cond(expr), ExpressionAttributeNames: map[string]string{"#s": "status", "#e": "error"},
		ExpressionAttributeValues: vals})
	return err
}

// Notifications lists at most limit of a tenant's outbox items, in descending key order.
func (s *Store) Notifications(ctx context.Context, tid string, limit int) ([]Notification, error) {
	in := &dynamodb.QueryInput{TableName: &s.Table, KeyConditionExpression: cond("PK = :pk"),
		ExpressionAttributeValues: map[string]types.AttributeValue{":pk": str(outboxPK(tid))}, Limit: aws.Int32(int32(limit)),
		ScanIndexForward: aws.Bool(false)}
	return queryAll(ctx, s.DB, in, decodeAs[Notification], limit)
}
