package store

import (
	"context"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
)

// ParkRecord keeps a stream record the consumer could not read, for a person to look at. It keeps
// the record's key kind and sort key, never its partition's ids.
func (s *Store) ParkRecord(ctx context.Context, id, pk, sk, reason string) error {
	item := key(deadLetterPK(), deadLetterSK(time.Now(), id))
	item[attrType] = str(typeDeadLetter)
	item["recordKey"] = str(strings.Join([]string{typeOf(pk), sk}, " "))
	item["reason"] = str(reason)
	_, err := s.DB.PutItem(ctx, &dynamodb.PutItemInput{TableName: &s.Table, Item: item})
	return err
}

// Parked lists the stream records the notifier could not read, oldest first.
func (s *Store) Parked(ctx context.Context) ([]map[string]string, error) {
	in := &dynamodb.QueryInput{TableName: &s.Table, KeyConditionExpression: cond("PK = :pk"),
		ExpressionAttributeValues: map[string]types.AttributeValue{":pk": str(deadLetterPK())}}
	return queryAll(ctx, s.DB, in, func(item map[string]types.AttributeValue) (map[string]string, error) {
		return map[string]string{"at": getS(item, attrSK), "key": getS(item, "recordKey"), "reason": getS(item, "reason")}, nil
	}, 0)
}
