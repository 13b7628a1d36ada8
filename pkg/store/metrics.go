package store

import (
	"context"
	"fmt"
	"sort"
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
	if err := s.putChange(ctx, f, changedAt); err != nil {
		return err
	}
	// A referral still waiting for its first contact becomes due (and, uncontacted, overdue) when its
	// contact-by time passes, with no write then: a marker at that time makes the rollup recompute
	// its day once it has passed. Rewriting it is harmless (same key); one left after the patient
	// was reached recomputes the same numbers.
	if f.FirstContact == nil && f.Status.AwaitingContact() && f.ContactBy.After(changedAt) {
		if err := s.putChange(ctx, f, f.ContactBy); err != nil {
			return err
		}
	}
	return nil
}

// putChange writes the change marker of a fact's day at time at.
func (s *Store) putChange(ctx context.Context, f metrics.Fact, at time.Time) error {
	marker := key(changePK(at), changeSK(at, f.Tenant, f.Day(), f.Referral))
	marker[attrType] = str(typeChange)
	marker["tid"], marker["day"] = str(f.Tenant), str(f.Day())
	marker[attrTTL] = ttl(at.Add(ChangeTTL))
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

// StoredBucket is a bucket with its place: period and group.
type StoredBucket = metrics.Cell

// bucketRecord is a bucket as the table stores it: its counts (exact, by their json names under
// "bucket") and its sketches, each encoded by metrics.Sketch.MarshalBinary under "sketches" (tc: to
// contact, ts: to schedule, tv: to visit, fs: form seconds, gap: between receipts). The item's size
// is bounded by the sketches' bins whatever the number of referrals it counts.
//
// Buckets written before the sketches kept every value in lists (toContact, toSchedule, toVisit,
// formSeconds, receivedAt under "bucket"): such an item is read into the same sketches (legacy), and
// is rewritten in this form when its day, week or month is next recomputed or by the rebuild.
type bucketRecord struct {
	Period   string            `json:"period"`
	Group    string            `json:"group"`
	Bucket   metrics.Bucket    `json:"bucket"`
	Sketches map[string][]byte `json:"sketches,omitempty"`
}

// legacyLists are the value lists of a bucket written before the sketches.
type legacyLists struct {
	ToContact   []float64 `json:"toContact"`
	ToSchedule  []float64 `json:"toSchedule"`
	ToVisit     []float64 `json:"toVisit"`
	FormSeconds []float64 `json:"formSeconds"`
	ReceivedAt  []int64   `json:"receivedAt"`
}

func sketchesOf(b *metrics.Bucket) map[string]*metrics.Sketch {
	return map[string]*metrics.Sketch{"tc": &b.ToContact, "ts": &b.ToSchedule, "tv": &b.ToVisit, "fs": &b.FormSeconds, "gap": &b.Gaps}
}

func bucketItem(tid, granularity string, c StoredBucket) (map[string]types.AttributeValue, error) {
	c.Bucket.Normalize()
	rec := bucketRecord{Period: c.Period, Group: c.Group, Bucket: c.Bucket, Sketches: map[string][]byte{}}
	for name, sk := range sketchesOf(&rec.Bucket) {
		if b, _ := sk.MarshalBinary(); len(b) > 0 {
			rec.Sketches[name] = b
		}
	}
	return marshal(rec, map[string]string{attrPK: bucketPK(tid, granularity), attrSK: bucketSK(c.Period, c.Group), attrType: typeBucket})
}

func decodeBucket(item map[string]types.AttributeValue) (StoredBucket, error) {
	var rec bucketRecord
	if err := unmarshal(item, &rec); err != nil {
		return StoredBucket{}, err
	}
	b := rec.Bucket
	for name, sk := range sketchesOf(&b) {
		if err := sk.UnmarshalBinary(rec.Sketches[name]); err != nil {
			return StoredBucket{}, fmt.Errorf("bucket %s: %w", name, err)
		}
	}
	if len(rec.Sketches) == 0 {
		if m, ok := item["bucket"].(*types.AttributeValueMemberM); ok {
			var old legacyLists
			if err := unmarshal(m.Value, &old); err != nil {
				return StoredBucket{}, fmt.Errorf("legacy bucket: %w", err)
			}
			fromLists(&b, old)
		}
	}
	return StoredBucket{Period: rec.Period, Group: rec.Group, Bucket: b}, nil
}

// fromLists reads a legacy bucket's value lists into its sketches and rhythm.
func fromLists(b *metrics.Bucket, old legacyLists) {
	for _, l := range []struct {
		v  []float64
		sk *metrics.Sketch
	}{{old.ToContact, &b.ToContact}, {old.ToSchedule, &b.ToSchedule}, {old.ToVisit, &b.ToVisit}, {old.FormSeconds, &b.FormSeconds}} {
		for _, v := range l.v {
			l.sk.Add(v)
		}
	}
	at := append([]int64(nil), old.ReceivedAt...)
	sort.Slice(at, func(i, j int) bool { return at[i] < at[j] })
	if len(at) > 0 {
		b.FirstAt, b.LastAt = at[0], at[len(at)-1]
		for i := 1; i < len(at); i++ {
			b.Gaps.Add(float64(at[i] - at[i-1]))
		}
	}
}

// PutBuckets writes a tenant's buckets of one granularity (25 to a batch).
func (s *Store) PutBuckets(ctx context.Context, tid, granularity string, list []StoredBucket) error {
	var reqs []types.WriteRequest
	for _, b := range list {
		item, err := bucketItem(tid, granularity, b)
		if err != nil {
			return err
		}
		reqs = append(reqs, types.WriteRequest{PutRequest: &types.PutRequest{Item: item}})
	}
	return s.batchWrite(ctx, reqs)
}

// Buckets reads a tenant's buckets of one granularity with periods from..to (inclusive), in period
// order (each group's in time order).
func (s *Store) Buckets(ctx context.Context, tid, granularity, from, to string, consistent bool) ([]StoredBucket, error) {
	lo, hi := bucketRange(from, to)
	in := &dynamodb.QueryInput{TableName: &s.Table, ConsistentRead: aws.Bool(consistent),
		KeyConditionExpression: cond("PK = :pk AND SK BETWEEN :lo AND :hi"),
		ExpressionAttributeValues: map[string]types.AttributeValue{":pk": str(bucketPK(tid, granularity)),
			":lo": str(lo), ":hi": str(hi)}}
	list, err := queryAll(ctx, s.DB, in, decodeBucket, 0)
	if err != nil {
		return nil, fmt.Errorf("buckets: %w", err)
	}
	return list, nil
}

// BucketAt reads one bucket (ok is false when there is none).
func (s *Store) BucketAt(ctx context.Context, tid, granularity, period, group string, consistent bool) (StoredBucket, bool, error) {
	out, err := s.DB.GetItem(ctx, &dynamodb.GetItemInput{TableName: &s.Table, Key: key(bucketPK(tid, granularity), bucketSK(period, group)),
		ConsistentRead: aws.Bool(consistent)})
	if err != nil || len(out.Item) == 0 {
		return StoredBucket{}, false, err
	}
	b, err := decodeBucket(out.Item)
	return b, err == nil, err
}

// Cells reads the buckets of a window, in time order: a day window as whole weeks and the days
// around them (metrics.Window.Spans), one Query per span.
func (s *Store) Cells(ctx context.Context, tid string, w metrics.Window, consistent bool) ([]StoredBucket, error) {
	var out []StoredBucket
	for _, sp := range w.Spans() {
		list, err := s.Buckets(ctx, tid, sp.Gran, sp.Lo, sp.Hi, consistent)
		if err != nil {
			return nil, err
		}
		out = append(out, list...)
	}
	return out, nil
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
