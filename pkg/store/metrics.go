package store

import (
	"context"
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/referloop/referloop/pkg/metrics"
	"github.com/referloop/referloop/pkg/referral"
)

// ChangeTTL is how long change markers are kept for the rollup to find.
const ChangeTTL = 14 * 24 * time.Hour

// PutFact stores a referral's metrics fact under its cohort day, then a change marker under the
// hour it changed, which is the rollup's change feed (read by key ranges from its watermark: no
// Scan). Both writes are idempotent: the same referral version writes the same items.
func (s *Store) PutFact(ctx context.Context, f metrics.Fact, changedAt time.Time) error {
	item, err := factItem(f)
	if err != nil {
		return err
	}
	if _, err := s.DB.PutItem(ctx, &dynamodb.PutItemInput{TableName: &s.Table, Item: item}); err != nil {
		return fmt.Errorf("put fact: %w", err)
	}
	marker := key(changePK(changedAt), changeSK(changedAt, f.Tenant, f.Day(), f.Referral))
	marker[attrType] = str(typeChange)
	marker["tid"], marker["day"] = str(f.Tenant), str(f.Day())
	marker[attrTTL] = ttl(changedAt.Add(ChangeTTL))
	if _, err := s.DB.PutItem(ctx, &dynamodb.PutItemInput{TableName: &s.Table, Item: marker}); err != nil {
		return fmt.Errorf("put change: %w", err)
	}
	return nil
}

func factItem(f metrics.Fact) (map[string]types.AttributeValue, error) {
	return marshal(f, map[string]string{attrPK: factPK(f.Tenant, f.Day()), attrSK: factSK(f.Referral), attrType: typeFact})
}

// PutFacts rewrites facts without change markers (the full rebuild), 25 to a batch.
func (s *Store) PutFacts(ctx context.Context, facts []metrics.Fact) error {
	reqs := make([]types.WriteRequest, 0, len(facts))
	for _, f := range facts {
		item, err := factItem(f)
		if err != nil {
			return err
		}
		reqs = append(reqs, types.WriteRequest{PutRequest: &types.PutRequest{Item: item}})
	}
	return s.batchWrite(ctx, reqs)
}

// Facts reads every fact of one tenant's cohort day.
func (s *Store) Facts(ctx context.Context, tid, day string) ([]metrics.Fact, error) {
	in := &dynamodb.QueryInput{TableName: &s.Table, ConsistentRead: aws.Bool(true), KeyConditionExpression: cond("PK = :pk"),
		ExpressionAttributeValues: map[string]types.AttributeValue{":pk": str(factPK(tid, day))}}
	list, err := queryAll(ctx, s.DB, in, decodeAs[metrics.Fact], 0)
	if err != nil {
		return nil, fmt.Errorf("facts: %w", err)
	}
	return list, nil
}

// StoredBucket is a bucket with its place.
type StoredBucket struct {
	Period string         `json:"period"`
	Group  string         `json:"group"`
	Bucket metrics.Bucket `json:"bucket"`
}

// PutBuckets writes a tenant's buckets of one granularity (25 to a batch).
func (s *Store) PutBuckets(ctx context.Context, tid, granularity string, list []StoredBucket) error {
	var reqs []types.WriteRequest
	for _, b := range list {
		item, err := marshal(b, map[string]string{attrPK: bucketPK(tid, granularity), attrSK: bucketSK(b.Period, b.Group), attrType: typeBucket})
		if err != nil {
			return err
		}
		reqs = append(reqs, types.WriteRequest{PutRequest: &types.PutRequest{Item: item}})
	}
	return s.batchWrite(ctx, reqs)
}

// Buckets reads a tenant's buckets of one granularity with periods from..to (inclusive).
func (s *Store) Buckets(ctx context.Context, tid, granularity, from, to string, consistent bool) ([]StoredBucket, error) {
	lo, hi := bucketRange(from, to)
	in := &dynamodb.QueryInput{TableName: &s.Table, ConsistentRead: aws.Bool(consistent),
		KeyConditionExpression: cond("PK = :pk AND SK BETWEEN :lo AND :hi"),
		ExpressionAttributeValues: map[string]types.AttributeValue{":pk": str(bucketPK(tid, granularity)),
			":lo": str(lo), ":hi": str(hi)}}
	list, err := queryAll(ctx, s.DB, in, decodeAs[StoredBucket], 0)
	if err != nil {
		return nil, fmt.Errorf("buckets: %w", err)
	}
	return list, nil
}

// ScanReferrals reads every referral of the table, for a full rebuild only (never on a request
// path): a parallel Scan segment, read with the SDK's paginator.
func (s *Store) ScanReferrals(ctx context.Context, segment, total int, each func(referral.Referral) error) error {
	in := &dynamodb.ScanInput{TableName: &s.Table, Segment: aws.Int32(int32(segment)), TotalSegments: aws.Int32(int32(total)),
		FilterExpression: cond("#t = :r"), ExpressionAttributeNames: map[string]string{"#t": attrType},
		ExpressionAttributeValues: map[string]types.AttributeValue{":r": str(typeReferral)}}
	p := dynamodb.NewScanPaginator(s.Scanner, in)
	for p.HasMorePages() {
		out, err := p.NextPage(ctx)
		if err != nil {
			return fmt.Errorf("scan: %w", err)
		}
		for _, item := range out.Items {
			r, err := DecodeReferral(item)
			if err != nil {
				return err
			}
			if err := each(r); err != nil {
				return err
			}
		}
	}
	return nil
}
