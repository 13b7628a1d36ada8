package store

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/referloop/referloop/pkg/referral"
)

// ErrKeyReused is an Idempotency-Key sent again with another body.
var ErrKeyReused = errors.New("idempotency key reused with another body")

// Page is one page of a list and the opaque cursor of the next.
type Page struct {
	Items      []referral.Referral
	NextCursor string
}

// CreateReferral stores a new referral idempotently. Its key follows from the client's
// Idempotency-Key, so the conditional put is the idempotency check: one write, no separate record.
// A retry with the same body returns the stored referral (replayed = true) at the cost of the
// failed conditional write alone; a reused key with another body is ErrKeyReused.
func (s *Store) CreateReferral(ctx context.Context, r referral.Referral) (referral.Referral, bool, error) {
	item, err := referralItem(r)
	if err != nil {
		return r, false, err
	}
	_, err = s.DB.PutItem(ctx, &dynamodb.PutItemInput{TableName: &s.Table, Item: item,
		ConditionExpression:                 cond("attribute_not_exists(PK)"),
		ReturnValuesOnConditionCheckFailure: types.ReturnValuesOnConditionCheckFailureAllOld})
	if old, ok := existing(err); ok {
		stored, err := DecodeReferral(old)
		if err != nil {
			return r, false, err
		}
		if stored.BodyHash != r.BodyHash || stored.ReferrerID != r.ReferrerID {
			return r, false, ErrKeyReused
		}
		return stored, true, nil
	}
	if err != nil {
		return r, false, fmt.Errorf("create referral: %w", err)
	}
	return r, false, nil
}

// Referral reads one referral of a tenant by its public id: one GetItem, no index.
func (s *Store) Referral(ctx context.Context, tid, id string) (referral.Referral, error) {
	pid, rid, ulid, ok := referral.ParseID(id)
	if !ok {
		return referral.Referral{}, ErrNotFound
	}
	item, err := s.get(ctx, referralPK(tid, pid), referralSK(rid, ulid))
	if err != nil {
		return referral.Referral{}, err
	}
	return DecodeReferral(item)
}

// BirthDate reads only the patient's date of birth of a referral (a status lookup of a code whose
// marker keeps no check of it).
func (s *Store) BirthDate(ctx context.Context, tid, id string) (string, error) {
	pid, rid, ulid, ok := referral.ParseID(id)
	if !ok {
		return "", ErrNotFound
	}
	out, err := s.DB.GetItem(ctx, &dynamodb.GetItemInput{TableName: &s.Table, Key: key(referralPK(tid, pid), referralSK(rid, ulid)),
		ProjectionExpression:     cond("#p.#d"),
		ExpressionAttributeNames: map[string]string{"#p": "patient", "#d": "dateOfBirth"}})
	if err != nil {
		return "", fmt.Errorf("get referral: %w", err)
	}
	p, ok := out.Item["patient"].(*types.AttributeValueMemberM)
	if !ok {
		return "", ErrNotFound
	}
	return getS(p.Value, "dateOfBirth"), nil
}

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

// ReferralsByReferrer lists what one referrer sent, newest first: a Query on the partner's item
// collection, within the referrer's prefix.
func (s *Store) ReferralsByReferrer(ctx context.Context, tid, pid, rid string, status referral.Status, limit int, cursor string) (Page, error) {
	pk := referralPK(tid, pid)
	in := &dynamodb.QueryInput{TableName: &s.Table,
		KeyConditionExpression: cond("PK = :pk AND begins_with(SK, :p)"),
		ExpressionAttributeValues: map[string]types.AttributeValue{
			":pk": str(pk), ":p": str(referrerPrefix(rid))},
		ScanIndexForward: aws.Bool(false), Limit: aws.Int32(int32(limit))}
	if status != "" {
		in.FilterExpression = cond("#st = :st")
		in.ExpressionAttributeNames = map[string]string{"#st": "status"}
		in.ExpressionAttributeValues[":st"] = str(string(status))
	}
	return s.page(ctx, in, attrPK, pk, cursor)
}

// ReferralsByStatus lists a practice's referrals from its queue index: all of them grouped by status,
// or one status; within a status, the earliest contact-by deadline first.
func (s *Store) ReferralsByStatus(ctx context.Context, tid string, status referral.Status, limit int, cursor string) (Page, error) {
	pk := queuePK(tid)
	in := &dynamodb.QueryInput{TableName: &s.Table, IndexName: aws.String(gsi1),
		KeyConditionExpression:    cond("GSI1PK = :pk"),
		ExpressionAttributeValues: map[string]types.AttributeValue{":pk": str(pk)},
		Limit:                     aws.Int32(int32(limit))}
	if status != "" {
		in.KeyConditionExpression = cond("GSI1PK = :pk AND begins_with(GSI1SK, :s)")
		in.ExpressionAttributeValues[":s"] = str(statusPrefix(status))
	}
	return s.page(ctx, in, attrGSI1PK, pk, cursor)
}

// ImportReferrals writes referrals in batches of 25 without the idempotency condition: for bulk
// loads (benchmarks, a CSV import of history), never for the submit path.
func (s *Store) ImportReferrals(ctx context.Context, refs []referral.Referral) error {
	reqs := make([]types.WriteRequest, 0, len(refs))
	for _, r := range refs {
		item, err := referralItem(r)
		if err != nil {
			return err
		}
		reqs = append(reqs, types.WriteRequest{PutRequest: &types.PutRequest{Item: item}})
	}
	return s.batchWrite(ctx, reqs)
}
