package store

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"sync"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/referloop/referloop/pkg/referral"
)

// The staff queue's search index. Each referral is written under each of its search terms
// (referral.SearchTerms: name prefixes, date of birth, reference) as an item of the partition
// T#<t>#FIND#<hash>, sorted by the referral's ULID, where hash is an HMAC-SHA256 of the term keyed
// by the practice's own random search key (the FINDKEY item beside its profile). A name or a date
// of birth is therefore never in a key (keys show up where values do not: metrics of hot keys,
// throttling reports, logs), and the same name gives different keys in different practices. The key
// sits in the table, so the hashes guard the keys, not the table: whoever can read the table can
// read the referrals themselves anyway. A search reads one term's partition, a page at a time: its
// cost is the page, whatever the practice's volume.

// FindEntry is a referral in the search index: enough to read it.
type FindEntry struct {
	ULID, Partner, Referrer string
}

// findKeys caches the practices' search keys for searches (a key never changes once made).
var findKeys sync.Map // tid → []byte

// FindKey reads a practice's search key for a search (cached); ErrNotFound when it has none yet
// (then nothing was indexed).
func (s *Store) FindKey(ctx context.Context, tid string) ([]byte, error) {
	if k, ok := findKeys.Load(tid); ok {
		return k.([]byte), nil
	}
	item, err := s.get(ctx, tenantPK(tid), findKeySK())
	if err != nil {
		return nil, err
	}
	k, err := decodeFindKey(getS(item, "key"))
	if err != nil {
		return nil, err
	}
	findKeys.Store(tid, k)
	return k, nil
}

// ensureFindKey is the practice's search key for indexing, made by the first writer: one
// UpdateItem that sets a fresh random key only if there is none and answers the key kept, so two
// writers racing agree without a read or a retry.
func (s *Store) ensureFindKey(ctx context.Context, tid string) ([]byte, error) {
	fresh := make([]byte, 32)
	if _, err := rand.Read(fresh); err != nil {
		return nil, err
	}
	out, err := s.DB.UpdateItem(ctx, &dynamodb.UpdateItemInput{TableName: &s.Table, Key: key(tenantPK(tid), findKeySK()),
		UpdateExpression:          cond("SET #k = if_not_exists(#k, :k), #t = :type"),
		ExpressionAttributeNames:  map[string]string{"#k": "key", "#t": attrType},
		ExpressionAttributeValues: map[string]types.AttributeValue{":k": str(base64.StdEncoding.EncodeToString(fresh)), ":type": str(typeFindKey)},
		ReturnValues:              types.ReturnValueUpdatedNew})
	if err != nil {
		return nil, fmt.Errorf("find key: %w", err)
	}
	return decodeFindKey(getS(out.Attributes, "key"))
}

func decodeFindKey(v string) ([]byte, error) {
	k, err := base64.StdEncoding.DecodeString(v)
	if err == nil && len(k) != 32 {
		err = fmt.Errorf("%d bytes", len(k))
	}
	if err != nil {
		return nil, fmt.Errorf("find key: %w", err)
	}
	return k, nil
}

// findHash is the key part of a search term: the first 128 bits of its HMAC, in hex.
func findHash(k []byte, term string) string {
	m := hmac.New(sha256.New, k)
	m.Write([]byte(term))
	return hex.EncodeToString(m.Sum(nil)[:16])
}

// PutFindEntries indexes a referral under its search terms (idempotent puts, 25 to a batch).
func (s *Store) PutFindEntries(ctx context.Context, r referral.Referral) error {
	k, err := s.ensureFindKey(ctx, r.TenantID)
	if err != nil {
		return err
	}
	var reqs []types.WriteRequest
	for _, term := range referral.SearchTerms(r) {
		item := key(findPK(r.TenantID, findHash(k, term)), findSK(r.ULID))
		item[attrType], item["pid"], item["rid"] = str(typeFind), str(r.Partner.ID), str(r.ReferrerID)
		reqs = append(reqs, types.WriteRequest{PutRequest: &types.PutRequest{Item: item}})
	}
	return s.batchWrite(ctx, reqs)
}

// DeleteFindEntries takes a referral out of the search index under the given terms (a patient's
// name or date of birth corrected: the old terms no longer find it).
func (s *Store) DeleteFindEntries(ctx context.Context, tid, ulid string, terms []string) error {
	if len(terms) == 0 {
		return nil
	}
	k, err := s.ensureFindKey(ctx, tid)
	if err != nil {
		return err
	}
	var reqs []types.WriteRequest
	for _, term := range terms {
		reqs = append(reqs, types.WriteRequest{DeleteRequest: &types.DeleteRequest{Key: key(findPK(tid, findHash(k, term)), findSK(ulid))}})
	}
	return s.batchWrite(ctx, reqs)
}

// Find reads one page of the referrals indexed under term, newest first, from cursor (an opaque
// key this call gave out, "" for the first page). A practice with no search key yet has none.
func (s *Store) Find(ctx context.Context, tid, term string, limit int, cursor string) ([]FindEntry, string, error) {
	k, err := s.FindKey(ctx, tid)
	if IsNotFound(err) {
		return nil, "", nil
	}
	if err != nil {
		return nil, "", err
	}
	pk := findPK(tid, findHash(k, term))
	in := &dynamodb.QueryInput{TableName: &s.Table, KeyConditionExpression: cond("PK = :pk"), ScanIndexForward: aws.Bool(false),
		Limit: aws.Int32(int32(limit)), ExpressionAttributeValues: map[string]types.AttributeValue{":pk": str(pk)}}
	if cursor != "" {
		if !validULID(cursor) {
			return nil, "", ErrBadCursor
		}
		in.ExclusiveStartKey = key(pk, findSK(cursor))
	}
	out, err := s.DB.Query(ctx, in)
	if err != nil {
		return nil, "", fmt.Errorf("find: %w", err)
	}
	list := make([]FindEntry, 0, len(out.Items))
	for _, it := range out.Items {
		list = append(list, FindEntry{ULID: getS(it, attrSK), Partner: getS(it, "pid"), Referrer: getS(it, "rid")})
	}
	next := ""
	if len(out.LastEvaluatedKey) > 0 {
		next = getS(out.LastEvaluatedKey, attrSK)
	}
	return list, next, nil
}

// FoundReferrals reads the referrals of a page of entries (one GetItem each, in parallel), in the
// entries' order; an entry whose referral is gone is skipped.
func (s *Store) FoundReferrals(ctx context.Context, tid string, list []FindEntry) ([]referral.Referral, error) {
	out := make([]referral.Referral, len(list))
	found := make([]bool, len(list))
	errs := make([]error, len(list))
	var wg sync.WaitGroup
	for i, e := range list {
		wg.Add(1)
		go func() {
			defer wg.Done()
			item, err := s.get(ctx, referralPK(tid, e.Partner), referralSK(e.Referrer, e.ULID))
			if IsNotFound(err) {
				return
			}
			if err == nil {
				out[i], err = DecodeReferral(item)
			}
			found[i], errs[i] = err == nil, err
		}()
	}
	wg.Wait()
	refs := make([]referral.Referral, 0, len(list))
	for i := range list {
		if errs[i] != nil {
			return nil, errs[i]
		}
		if found[i] {
			refs = append(refs, out[i])
		}
	}
	return refs, nil
}

// validULID checks a cursor's shape: 26 Crockford base32 characters.
func validULID(s string) bool {
	if len(s) != 26 {
		return false
	}
	for _, c := range s {
		if !('0' <= c && c <= '9' || 'A' <= c && c <= 'Z') {
			return false
		}
	}
	return true
}
