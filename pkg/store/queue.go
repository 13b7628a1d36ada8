package store

import (
	"context"
	"fmt"
	"sort"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/referloop/referloop/pkg/referral"
)

// Overdue lists the referrals nobody has reached yet whose contact-by time has passed, most
// overdue first: one Query per waiting status on the queue index, each bounded by now.
func (s *Store) Overdue(ctx context.Context, tid string, now time.Time, limit int) ([]referral.Referral, error) {
	var all []referral.Referral
	for _, st := range referral.AwaitingContact() {
		in := &dynamodb.QueryInput{TableName: &s.Table, IndexName: aws.String(gsi1),
			KeyConditionExpression: cond("GSI1PK = :pk AND GSI1SK BETWEEN :lo AND :hi"),
			ExpressionAttributeValues: map[string]types.AttributeValue{":pk": str(queuePK(tid)),
				":lo": str(statusPrefix(st)), ":hi": str(dueBy(st, now))},
			Limit: aws.Int32(int32(limit))}
		list, err := queryAll(ctx, s.DB, in, DecodeReferral, limit)
		if err != nil {
			return nil, fmt.Errorf("overdue: %w", err)
		}
		all = append(all, list...)
	}
	sort.Slice(all, func(i, j int) bool { return all[i].ContactBy.Before(all[j].ContactBy) })
	if len(all) > limit {
		all = all[:limit]
	}
	return all, nil
}
