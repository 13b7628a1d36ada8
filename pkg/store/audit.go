package store

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/referloop/referloop/pkg/ids"
)

// AuditRecord is one read or write of a referral: who, in what role, what, when, from where. It
// never holds PHI.
type AuditRecord struct {
	At       time.Time `json:"at"`
	Actor    string    `json:"actor"`
	Role     string    `json:"role"`
	Action   string    `json:"action"`
	Referral string    `json:"referral,omitempty"`
	IP       string    `json:"ip,omitempty"`
	TenantID string    `json:"-"`
}

// AuditRetention is how long audit records are kept at least (HIPAA asks for six years): the audit
// table has no TTL, and template.yaml's AuditBackupPlan keeps its monthly backups this long in a
// locked vault (a test holds the two together).
const AuditRetention = 6 * 366 * 24 * time.Hour

// ErrNoAuditTable is the error of an audit call in a function configured without an audit table.
var ErrNoAuditTable = errors.New("audit: no audit table (AUDIT_TABLE_NAME)")

// Audit appends an audit record to the audit table under the tenant's day. The put is conditional
// (attribute_not_exists), so the store never overwrites a record: key makes it idempotent — the same
// key (a stream record's id) finds its record already there, which is success. Without a key the
// record gets a random one, which no other writer can guess.
func (s *Store) Audit(ctx context.Context, a AuditRecord, key string) error {
	if s.AuditTable == "" {
		return ErrNoAuditTable
	}
	if key == "" {
		key = ids.Token(12)
	}
	item, err := marshal(a, map[string]string{attrPK: auditPK(a.TenantID, dayOf(a.At)),
		attrSK: auditSK(a.At, key), attrType: typeAudit})
	if err != nil {
		return err
	}
	_, err = s.DB.PutItem(ctx, &dynamodb.PutItemInput{TableName: &s.AuditTable, Item: item,
		ConditionExpression: cond("attribute_not_exists(PK)")})
	if err != nil && !isConditionFailed(err) {
		return fmt.Errorf("audit: %w", err)
	}
	return nil
}

// AuditPage is one page of a day's audit trail.
type AuditPage struct {
	Items      []AuditRecord `json:"items"`
	NextCursor string        `json:"nextCursor,omitempty"`
}

// AuditDay lists a tenant's audit records of one day, oldest first: one page from the cursor on.
func (s *Store) AuditDay(ctx context.Context, tid, day string, limit int, cursor string) (AuditPage, error) {
	if s.AuditTable == "" {
		return AuditPage{}, ErrNoAuditTable
	}
	pk := auditPK(tid, day)
	in := &dynamodb.QueryInput{TableName: &s.AuditTable, KeyConditionExpression: cond("PK = :pk"),
		ExpressionAttributeValues: map[string]types.AttributeValue{":pk": str(pk)}, Limit: aws.Int32(int32(limit))}
	if cursor != "" {
		start, err := decodeCursor(cursor)
		if err != nil || getS(start, attrPK) != pk {
			return AuditPage{}, ErrBadCursor
		}
		in.ExclusiveStartKey = start
	}
	out, err := s.DB.Query(ctx, in)
	if err != nil {
		return AuditPage{}, fmt.Errorf("audit day: %w", err)
	}
	p := AuditPage{Items: []AuditRecord{}}
	for _, item := range out.Items {
		var a AuditRecord
		if err := unmarshal(item, &a); err != nil {
			return p, err
		}
		p.Items = append(p.Items, a)
	}
	if len(out.LastEvaluatedKey) > 0 {
		p.NextCursor = encodeCursor(out.LastEvaluatedKey)
	}
	return p, nil
}
