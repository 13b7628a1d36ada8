package store

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/referloop/referloop/pkg/referral"
)

// SaveReferral writes a changed referral if nobody changed it since it was read at version prev
// (optimistic locking): ErrConflict otherwise. Its queue key moves with its status.
func (s *Store) SaveReferral(ctx context.Context, r referral.Referral, prev int) error {
	item, err := referralItem(r)
	if err != nil {
		return err
	}
	_, err = s.DB.PutItem(ctx, &dynamodb.PutItemInput{TableName: &s.Table, Item: item,
		ConditionExpression:       cond("attribute_exists(PK) AND #v = :v"),
		ExpressionAttributeNames:  map[string]string{"#v": "version"},
		ExpressionAttributeValues: map[string]types.AttributeValue{":v": num(int64(prev))}})
	if isConditionFailed(err) {
		return ErrConflict
	}
	if err != nil {
		return fmt.Errorf("save referral: %w", err)
	}
	return nil
}

// RateReferral stores the referrer's rating of a closed referral (the last one counts). It does
// not bump the version: a rating never conflicts with the practice's work.
func (s *Store) RateReferral(ctx context.Context, tid, id string, rating referral.Rating, by referral.ActorAt) error {
	pid, rid, ulid, ok := referral.ParseID(id)
	if !ok {
		return ErrNotFound
	}
	rv, err := marshalValue(rating)
	if err != nil {
		return err
	}
	av, err := marshalValue(by)
	if err != nil {
		return err
	}
	_, err = s.DB.UpdateItem(ctx, &dynamodb.UpdateItemInput{TableName: &s.Table, Key: key(referralPK(tid, pid), referralSK(rid, ulid)),
		UpdateExpression:         cond("SET #r = :r, #a = :a, #u = :u"),
		ConditionExpression:      cond("attribute_exists(PK) AND #st = :closed"),
		ExpressionAttributeNames: map[string]string{"#r": "rating", "#st": "status", "#a": "lastActor", "#u": "updatedAt"},
		ExpressionAttributeValues: map[string]types.AttributeValue{":r": rv, ":closed": str(string(referral.Closed)), ":a": av,
			":u": str(rating.At.UTC().Format(time.RFC3339Nano))}})
	if isConditionFailed(err) {
		return ErrNotFound
	}
	return err
}

// Overdue lists the referrals nobody has reached yet whose contact-by time has passed, most
// overdue first: one Query per waiting status on the queue index, each bounded by now.
func (s *Store) Overdue(ctx context.Context, tid string, now time.Time, limit int) ([]referral.Referral, error) {
	var all []referral.Referral
	for _, st := range referral.AwaitingContact() {
		out, err := s.DB.Query(ctx, &dynamodb.QueryInput{TableName: &s.Table, IndexName: aws.String(gsi1),
			KeyConditionExpression: cond("GSI1PK = :pk AND GSI1SK BETWEEN :lo AND :hi"),
			ExpressionAttributeValues: map[string]types.AttributeValue{":pk": str(queuePK(tid)),
				":lo": str(statusPrefix(string(st))), ":hi": str(statusPrefix(string(st)) + now.UTC().Format(time.RFC3339))},
			Limit: aws.Int32(int32(limit))})
		if err != nil {
			return nil, fmt.Errorf("overdue: %w", err)
		}
		for _, item := range out.Items {
			r, err := DecodeReferral(item)
			if err != nil {
				return nil, err
			}
			all = append(all, r)
		}
	}
	sort.Slice(all, func(i, j int) bool { return all[i].ContactBy.Before(all[j].ContactBy) })
	if len(all) > limit {
		all = all[:limit]
	}
	return all, nil
}

// QueueCounts counts a practice's referrals per open status (the work queue; closed, declined,
// unreachable and cancelled referrals are history and are not counted, so the cost follows the
// open work, not the practice's age) and how many are overdue. The COUNT queries run in parallel.
func (s *Store) QueueCounts(ctx context.Context, tid string, now time.Time) (map[referral.Status]int, int, error) {
	type job struct {
		status  string
		overdue bool
	}
	var jobs []job
	for _, st := range referral.QueueStatuses() {
		jobs = append(jobs, job{string(st), false})
		if st.AwaitingContact() {
			jobs = append(jobs, job{string(st), true})
		}
	}
	results := make([]int, len(jobs))
	errs := make([]error, len(jobs))
	var wg sync.WaitGroup
	for i, j := range jobs {
		wg.Add(1)
		go func(i int, j job) {
			defer wg.Done()
			hi := statusPrefix(j.status) + "~"
			if j.overdue {
				hi = statusPrefix(j.status) + now.UTC().Format(time.RFC3339)
			}
			results[i], errs[i] = s.count(ctx, tid, statusPrefix(j.status), hi)
		}(i, j)
	}
	wg.Wait()
	counts := map[referral.Status]int{}
	overdue := 0
	for i, j := range jobs {
		if errs[i] != nil {
			return nil, 0, errs[i]
		}
		if j.overdue {
			overdue += results[i]
		} else {
			counts[referral.Status(j.status)] = results[i]
		}
	}
	return counts, overdue, nil
}

func (s *Store) count(ctx context.Context, tid, lo, hi string) (int, error) {
	in := &dynamodb.QueryInput{TableName: &s.Table, IndexName: aws.String(gsi1), Select: types.SelectCount,
		KeyConditionExpression:    cond("GSI1PK = :pk AND GSI1SK BETWEEN :lo AND :hi"),
		ExpressionAttributeValues: map[string]types.AttributeValue{":pk": str(queuePK(tid)), ":lo": str(lo), ":hi": str(hi)}}
	n := 0
	for {
		out, err := s.DB.Query(ctx, in)
		if err != nil {
			return 0, fmt.Errorf("count: %w", err)
		}
		n += int(out.Count)
		if len(out.LastEvaluatedKey) == 0 {
			return n, nil
		}
		in.ExclusiveStartKey = out.LastEvaluatedKey
	}
}

// CodeMarker points a patient status code (by its hash) at a referral.
type CodeMarker struct {
	TenantID   string `json:"tid"`
	ReferralID string `json:"rid"`
	Attempts   int    `json:"attempts"`
}

// PutCode stores the marker of a patient's status code; the same code always writes the same
// marker, so a repeated stream record changes nothing (the attempt count is kept).
func (s *Store) PutCode(ctx context.Context, hash string, m CodeMarker, expires time.Time) error {
	_, err := s.DB.UpdateItem(ctx, &dynamodb.UpdateItemInput{TableName: &s.Table, Key: key(codePK(hash), "CODE"),
		UpdateExpression:         cond("SET #t = :t, tid = :tid, rid = :rid, #e = :e, attempts = if_not_exists(attempts, :zero)"),
		ExpressionAttributeNames: map[string]string{"#t": "type", "#e": attrTTL},
		ExpressionAttributeValues: map[string]types.AttributeValue{":t": str("code"), ":tid": str(m.TenantID),
			":rid": str(m.ReferralID), ":e": ttl(expires), ":zero": num(0)}})
	if err != nil {
		return fmt.Errorf("put code: %w", err)
	}
	return nil
}

// Code reads a code marker.
func (s *Store) Code(ctx context.Context, hash string) (CodeMarker, error) {
	var m CodeMarker
	item, err := s.get(ctx, codePK(hash), "CODE")
	if err != nil {
		return m, err
	}
	err = unmarshal(item, &m)
	return m, err
}

// FailCode counts a wrong answer against a code.
func (s *Store) FailCode(ctx context.Context, hash string) error {
	_, err := s.DB.UpdateItem(ctx, &dynamodb.UpdateItemInput{TableName: &s.Table, Key: key(codePK(hash), "CODE"),
		UpdateExpression:          cond("ADD attempts :one"),
		ConditionExpression:       cond("attribute_exists(PK)"),
		ExpressionAttributeValues: map[string]types.AttributeValue{":one": num(1)}})
	if isConditionFailed(err) {
		return nil
	}
	return err
}

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

// AuditRetention is how long audit records are kept (HIPAA asks for six years).
const AuditRetention = 6 * 366 * 24 * time.Hour

// Audit appends an audit record under the tenant's day. key makes it idempotent: the same key (a
// stream record's id) writes the same item.
func (s *Store) Audit(ctx context.Context, a AuditRecord, key string) error {
	if key == "" {
		key = fmt.Sprintf("%d", time.Now().UnixNano())
	}
	item, err := marshal(a, map[string]string{attrPK: auditPK(a.TenantID, a.At.UTC().Format(time.DateOnly)),
		attrSK: a.At.UTC().Format(stamp) + "#" + key, "type": "audit"})
	if err != nil {
		return err
	}
	item[attrTTL] = ttl(a.At.Add(AuditRetention))
	if _, err := s.DB.PutItem(ctx, &dynamodb.PutItemInput{TableName: &s.Table, Item: item}); err != nil {
		return fmt.Errorf("audit: %w", err)
	}
	return nil
}

// AuditPage is one page of a day's audit trail.
type AuditPage struct {
	Items      []AuditRecord `json:"items"`
	NextCursor string        `json:"nextCursor,omitempty"`
}

// AuditDay lists a tenant's audit records of one day, oldest first.
func (s *Store) AuditDay(ctx context.Context, tid, day string, limit int, cursor string) (AuditPage, error) {
	pk := auditPK(tid, day)
	in := &dynamodb.QueryInput{TableName: &s.Table, KeyConditionExpression: cond("PK = :pk"),
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

// Notification states in the outbox.
const (
	NotePending = "pending"
	NoteSent    = "sent"
	NoteFailed  = "failed"
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

// ClaimNotification marks a notification as being sent; false when it was already sent.
func (s *Store) ClaimNotification(ctx context.Context, tid string, n Notification) (bool, error) {
	_, err := s.DB.UpdateItem(ctx, &dynamodb.UpdateItemInput{TableName: &s.Table, Key: key(outboxPK(tid), n.Key),
		UpdateExpression:         cond("SET #t = :t, #k = :k, kind = :kind, referral = :ref, #s = :pending, #at = :at ADD attempts :one"),
		ConditionExpression:      cond("attribute_not_exists(PK) OR #s <> :sent"),
		ExpressionAttributeNames: map[string]string{"#t": "type", "#k": "key", "#s": "status", "#at": "at"},
		ExpressionAttributeValues: map[string]types.AttributeValue{":t": str("notification"), ":k": str(n.Key),
			":kind": str(n.Kind), ":ref": str(n.Referral), ":pending": str(NotePending), ":sent": str(NoteSent),
			":at": str(n.At.UTC().Format(stamp)), ":one": num(1)}})
	if isConditionFailed(err) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("claim notification: %w", err)
	}
	return true, nil
}

// FinishNotification records how a send ended (sent, or failed with a PHI-free error class).
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

// Notifications lists a tenant's outbox, newest keys last.
func (s *Store) Notifications(ctx context.Context, tid string, limit int) ([]Notification, error) {
	out, err := s.DB.Query(ctx, &dynamodb.QueryInput{TableName: &s.Table, KeyConditionExpression: cond("PK = :pk"),
		ExpressionAttributeValues: map[string]types.AttributeValue{":pk": str(outboxPK(tid))}, Limit: aws.Int32(int32(limit)),
		ScanIndexForward: aws.Bool(false)})
	if err != nil {
		return nil, err
	}
	var list []Notification
	for _, item := range out.Items {
		var n Notification
		if err := unmarshal(item, &n); err != nil {
			return nil, err
		}
		list = append(list, n)
	}
	return list, nil
}

// ParkRecord keeps a stream record the consumer could not read, for a person to look at.
func (s *Store) ParkRecord(ctx context.Context, id, pk, sk, reason string) error {
	item := key("DEADLETTER", time.Now().UTC().Format(stamp)+"#"+id)
	item["type"] = str("deadletter")
	item["recordKey"] = str(strings.Join([]string{typeOf(pk), sk}, " "))
	item["reason"] = str(reason)
	_, err := s.DB.PutItem(ctx, &dynamodb.PutItemInput{TableName: &s.Table, Item: item})
	return err
}

func marshalValue(v any) (types.AttributeValue, error) {
	m, err := marshal(v, nil)
	if err != nil {
		return nil, err
	}
	return &types.AttributeValueMemberM{Value: m}, nil
}

// Parked lists the stream records the notifier could not read.
func (s *Store) Parked(ctx context.Context) ([]map[string]string, error) {
	out, err := s.DB.Query(ctx, &dynamodb.QueryInput{TableName: &s.Table, KeyConditionExpression: cond("PK = :pk"),
		ExpressionAttributeValues: map[string]types.AttributeValue{":pk": str("DEADLETTER")}})
	if err != nil {
		return nil, err
	}
	var list []map[string]string
	for _, item := range out.Items {
		list = append(list, map[string]string{"at": getS(item, attrSK), "key": getS(item, "recordKey"), "reason": getS(item, "reason")})
	}
	return list, nil
}

// DigestEntry is one status change waiting for a referrer's daily digest. It holds ids, never PHI.
type DigestEntry struct {
	TenantID   string          `json:"tid"`
	EmailKey   string          `json:"ek"`
	ReferralID string          `json:"referral"`
	Ref        string          `json:"ref"`
	Status     referral.Status `json:"status"`
	At         time.Time       `json:"at"`
}

func digestPK(day string) string { return "DIGEST#" + day }

// QueueDigest keeps a status change for the day's digest; the same change queues once.
func (s *Store) QueueDigest(ctx context.Context, day string, e DigestEntry, version int) error {
	item, err := marshal(e, map[string]string{attrPK: digestPK(day),
		attrSK: fmt.Sprintf("%s#%s#%s#v%03d", e.TenantID, e.EmailKey, e.ReferralID, version), "type": "digest"})
	if err != nil {
		return err
	}
	item[attrTTL] = ttl(e.At.Add(8 * 24 * time.Hour))
	_, err = s.DB.PutItem(ctx, &dynamodb.PutItemInput{TableName: &s.Table, Item: item})
	return err
}

// Digest lists a day's queued changes, grouped by tenant and referrer (the sort key's order).
func (s *Store) Digest(ctx context.Context, day string) ([]DigestEntry, error) {
	in := &dynamodb.QueryInput{TableName: &s.Table, KeyConditionExpression: cond("PK = :pk"),
		ExpressionAttributeValues: map[string]types.AttributeValue{":pk": str(digestPK(day))}}
	var out []DigestEntry
	for {
		res, err := s.DB.Query(ctx, in)
		if err != nil {
			return nil, fmt.Errorf("digest: %w", err)
		}
		for _, item := range res.Items {
			var e DigestEntry
			if err := unmarshal(item, &e); err != nil {
				return nil, err
			}
			out = append(out, e)
		}
		if len(res.LastEvaluatedKey) == 0 {
			return out, nil
		}
		in.ExclusiveStartKey = res.LastEvaluatedKey
	}
}
