package store

import (
	"context"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/referloop/referloop/pkg/outreach"
	"github.com/referloop/referloop/pkg/referral"
)

// Exports read a tenant's referrals and touches partner by partner, a page at a time (one
// paginated Query of the partner's own partition, T#<t>#P#<p>, never a Scan), handing each page to
// the caller as it is read, so an export streams its rows and holds one page in memory.

// exportPage is the page size of an export's Queries.
const exportPage = 200

// EachReferralPage calls fn with each page of a partner's referrals, oldest first, until the
// partition ends or fn fails.
func (s *Store) EachReferralPage(ctx context.Context, tid, pid string, fn func([]referral.Referral) error) error {
	in := &dynamodb.QueryInput{TableName: &s.Table, Limit: aws.Int32(exportPage),
		KeyConditionExpression: cond("PK = :pk AND begins_with(SK, :r)"),
		ExpressionAttributeValues: map[string]types.AttributeValue{":pk": str(referralPK(tid, pid)),
			":r": str(referralPrefix())}}
	return eachPage(ctx, s, in, DecodeReferral, fn, "export referrals")
}

// EachTouchPage calls fn with each page of a partner's touches, oldest day first, until the
// partition ends or fn fails. The touches themselves carry every field (the tenant's touch log
// has no summary, response or follow-up).
func (s *Store) EachTouchPage(ctx context.Context, tid, pid string, fn func([]outreach.Touch) error) error {
	in := &dynamodb.QueryInput{TableName: &s.Table, Limit: aws.Int32(exportPage),
		KeyConditionExpression: cond("PK = :pk AND begins_with(SK, :p)"),
		ExpressionAttributeValues: map[string]types.AttributeValue{":pk": str(referralPK(tid, pid)),
			":p": str(touchPrefix())}}
	return eachPage(ctx, s, in, decodeAs[outreach.Touch], fn, "export touches")
}

func eachPage[T any](ctx context.Context, s *Store, in *dynamodb.QueryInput,
	decode func(map[string]types.AttributeValue) (T, error), fn func([]T) error, what string) error {
	for out, err := range queryPages(ctx, s.DB, in) {
		if err != nil {
			return fmt.Errorf("%s: %w", what, err)
		}
		list := make([]T, 0, len(out.Items))
		for _, item := range out.Items {
			v, err := decode(item)
			if err != nil {
				return fmt.Errorf("%s: %w", what, err)
			}
			list = append(list, v)
		}
		if len(list) == 0 {
			continue
		}
		if err := fn(list); err != nil {
			return err
		}
	}
	return nil
}
