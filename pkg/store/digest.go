package store

import (
	"context"
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/referloop/referloop/pkg/referral"
)

// digestRetention is how long a queued digest entry is kept: the digest is sent the next day, and a
// week more leaves time to rerun a failed one.
const digestRetention = 8 * 24 * time.Hour

// DigestEntry is one status change waiting for a referrer's daily digest. It holds ids, never PHI.
type DigestEntry struct {
	TenantID   string          `json:"tid"`
	EmailKey   string          `json:"ek"`
	ReferralID string          `json:"referral"`
	Ref        string          `json:"ref"`
	Status     referral.Status `json:"status"`
	At         time.Time       `json:"at"`
}

// QueueDigest keeps a status change for the day's digest; the same change queues once.
func (s *Store) QueueDigest(ctx context.Context, day string, e DigestEntry, version int) error {
	item, err := marshal(e, map[string]string{attrPK: digestPK(day),
		attrSK: digestSK(e.TenantID, e.EmailKey, e.ReferralID, version), attrType: typeDigest})
	if err != nil {
		return err
	}
	item[attrTTL] = ttl(e.At.Add(digestRetention))
	_, err = s.DB.PutItem(ctx, &dynamodb.PutItemInput{TableName: &s.Table, Item: item})
	return err
}

// Digest lists a day's queued changes, grouped by tenant and referrer (the sort key's order).
func (s *Store) Digest(ctx context.Context, day string) ([]DigestEntry, error) {
	in := &dynamodb.QueryInput{TableName: &s.Table, KeyConditionExpression: cond("PK = :pk"),
		ExpressionAttributeValues: map[string]types.AttributeValue{":pk": str(digestPK(day))}}
	list, err := queryAll(ctx, s.DB, in, decodeAs[DigestEntry], 0)
	if err != nil {
		return nil, fmt.Errorf("digest: %w", err)
	}
	return list, nil
}
