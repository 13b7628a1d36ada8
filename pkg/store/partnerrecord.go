package store

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/referloop/referloop/pkg/partner"
)

// The partner record in full (issue 11): an NPI is unique within a practice, kept by a marker item
// `T#<t>`/`NPI#<npi>` written in the same transaction as the partner (so ten concurrent creates
// with one NPI make one partner); edits are guarded by the partner's version.

// NPITakenError is a create or edit whose NPI another partner of the practice has.
type NPITakenError struct{ PartnerID string }

func (e *NPITakenError) Error() string { return "another partner of this practice has this NPI" }

// ErrHasReferrals is a delete of a partner that referrals point at (archive it instead).
var ErrHasReferrals = errors.New("the partner has referrals")

func partnerItem(tid string, p partner.Partner) (map[string]types.AttributeValue, error) {
	p.Stage = ""
	return marshal(p, map[string]string{attrPK: tenantPK(tid), attrSK: partnerSK(p.ID), attrType: typePartner})
}

func npiPut(tid, npi, pid string) types.TransactWriteItem {
	return types.TransactWriteItem{Put: &types.Put{TableName: nil, Item: map[string]types.AttributeValue{
		attrPK: str(tenantPK(tid)), attrSK: str(npiSK(npi)), attrType: str(typeNPI), "partnerId": str(pid)},
		ConditionExpression:                 cond("attribute_not_exists(PK)"),
		ReturnValuesOnConditionCheckFailure: types.ReturnValuesOnConditionCheckFailureAllOld}}
}

func npiDelete(tid, npi, pid string) types.TransactWriteItem {
	return types.TransactWriteItem{Delete: &types.Delete{Key: key(tenantPK(tid), npiSK(npi)),
		ConditionExpression:       cond("attribute_not_exists(PK) OR partnerId = :p"),
		ExpressionAttributeValues: map[string]types.AttributeValue{":p": str(pid)}}}
}

// createPartnerWrites are the writes that create p: the partner (if absent) and its NPI marker.
func (s *Store) createPartnerWrites(tid string, p partner.Partner) ([]types.TransactWriteItem, error) {
	if p.Version == 0 {
		p.Version = 1
	}
	item, err := partnerItem(tid, p)
	if err != nil {
		return nil, err
	}
	w := []types.TransactWriteItem{{Put: &types.Put{Item: item, ConditionExpression: cond("attribute_not_exists(PK)"),
		ReturnValuesOnConditionCheckFailure: types.ReturnValuesOnConditionCheckFailureAllOld}}}
	if p.NPI != "" {
		w = append(w, npiPut(tid, p.NPI, p.ID))
	}
	return w, nil
}

// transact runs writes on the table; a cancelled transaction's reasons are returned with the error.
func (s *Store) transact(ctx context.Context, w []types.TransactWriteItem) ([]types.CancellationReason, error) {
	for i := range w {
		switch {
		case w[i].Put != nil:
			w[i].Put.TableName = &s.Table
		case w[i].Update != nil:
			w[i].Update.TableName = &s.Table
		case w[i].Delete != nil:
			w[i].Delete.TableName = &s.Table
		case w[i].ConditionCheck != nil:
			w[i].ConditionCheck.TableName = &s.Table
		}
	}
	_, err := s.DB.TransactWriteItems(ctx, &dynamodb.TransactWriteItemsInput{TransactItems: w})
	return cancelled(err), err
}

// reasonFailed reports whether a cancellation reason is a failed condition.
func reasonFailed(r types.CancellationReason) bool {
	return aws.ToString(r.Code) == "ConditionalCheckFailed"
}

// npiHolder reads which partner a failed NPI marker put found.
func npiHolder(r types.CancellationReason) string { return getS(r.Item, "partnerId") }

// createPartner creates p with its NPI marker: ErrExists when the id is taken, *NPITakenError when
// the NPI is.
func (s *Store) createPartner(ctx context.Context, tid string, p partner.Partner) error {
	w, err := s.createPartnerWrites(tid, p)
	if err != nil {
		return err
	}
	reasons, err := s.transact(ctx, w)
	if err == nil {
		return nil
	}
	if len(reasons) == len(w) {
		if reasonFailed(reasons[0]) {
			return ErrExists
		}
		if len(w) > 1 && reasonFailed(reasons[1]) {
			return &NPITakenError{PartnerID: npiHolder(reasons[1])}
		}
	}
	return fmt.Errorf("create partner: %w", err)
}

// SavePartner writes an edited partner if it is still at version prev (a partner stored before
// versions counts as version 1), as version prev+1; its NPI marker moves with its NPI. ErrConflict
// when someone changed it since, ErrNotFound when it is gone, *NPITakenError when the new NPI is
// another partner's.
func (s *Store) SavePartner(ctx context.Context, tid string, p partner.Partner, prev partner.Partner) (partner.Partner, error) {
	return s.savePartner(ctx, tid, p, prev.NPI, max(prev.Version, 1))
}

func (s *Store) savePartner(ctx context.Context, tid string, p partner.Partner, oldNPI string, version int) (partner.Partner, error) {
	now := s.now()
	p.Version, p.UpdatedAt = version+1, &now
	item, err := partnerItem(tid, p)
	if err != nil {
		return p, err
	}
	put := &types.Put{Item: item, ExpressionAttributeValues: map[string]types.AttributeValue{":v": num(int64(version))},
		ConditionExpression: cond("attribute_exists(PK) AND (version = :v OR attribute_not_exists(version))")}
	if version != 1 {
		put.ConditionExpression = cond("attribute_exists(PK) AND version = :v")
	}
	w := []types.TransactWriteItem{{Put: put}}
	if p.NPI != oldNPI {
		if oldNPI != "" {
			w = append(w, npiDelete(tid, oldNPI, p.ID))
		}
		if p.NPI != "" {
			w = append(w, npiPut(tid, p.NPI, p.ID))
		}
	}
	reasons, err := s.transact(ctx, w)
	if err == nil {
		return p, nil
	}
	if len(reasons) == len(w) {
		if reasonFailed(reasons[0]) {
			if _, gerr := s.Partner(ctx, tid, p.ID); IsNotFound(gerr) {
				return p, ErrNotFound
			}
			return p, ErrConflict
		}
		if r := reasons[len(reasons)-1]; reasonFailed(r) && p.NPI != "" {
			return p, &NPITakenError{PartnerID: npiHolder(r)}
		}
	}
	return p, fmt.Errorf("save partner: %w", err)
}

// HasReferrals reports whether any referral is stored under the partner (one item read at most).
func (s *Store) HasReferrals(ctx context.Context, tid, pid string) (bool, error) {
	out, err := s.DB.Query(ctx, &dynamodb.QueryInput{TableName: &s.Table, Limit: aws.Int32(1),
		KeyConditionExpression:    cond("PK = :pk AND begins_with(SK, :r)"),
		ProjectionExpression:      aws.String("PK"),
		ExpressionAttributeValues: map[string]types.AttributeValue{":pk": str(referralPK(tid, pid)), ":r": str(referralPrefix())}})
	if err != nil {
		return false, fmt.Errorf("partner referrals: %w", err)
	}
	return len(out.Items) > 0, nil
}

// DeletePartner removes a partner no referral points at, at version v, with its NPI marker.
// ErrHasReferrals when one does (archive it instead). A referral submitted between the check and the
// delete stays readable by its own key; its partner then reads as not found, which is why the
// portal offers archive, not delete, once a partner has referred.
func (s *Store) DeletePartner(ctx context.Context, tid string, p partner.Partner) error {
	has, err := s.HasReferrals(ctx, tid, p.ID)
	if err != nil {
		return err
	}
	if has || p.ReferralCount > 0 || p.LastReferralAt != nil {
		return ErrHasReferrals
	}
	w := []types.TransactWriteItem{{Delete: &types.Delete{Key: key(tenantPK(tid), partnerSK(p.ID)),
		ConditionExpression:       cond("attribute_exists(PK) AND (version = :v OR attribute_not_exists(version))"),
		ExpressionAttributeValues: map[string]types.AttributeValue{":v": num(int64(max(p.Version, 1)))}}}}
	if p.NPI != "" {
		w = append(w, npiDelete(tid, p.NPI, p.ID))
	}
	if reasons, err := s.transact(ctx, w); err != nil {
		if len(reasons) > 0 && reasonFailed(reasons[0]) {
			return ErrConflict
		}
		return fmt.Errorf("delete partner: %w", err)
	}
	return nil
}

// NoteReferral records on its partner that a referral arrived at at (the stage's input, O(1)): the
// first and last referral dates and the count. The notifier calls it once per new referral; a
// redelivery (the same at) or an older referral arriving late changes nothing (the condition), so
// the count is of referrals noted in order.
func (s *Store) NoteReferral(ctx context.Context, tid, pid string, at time.Time) error {
	t := str(at.UTC().Format(stamp))
	_, err := s.DB.UpdateItem(ctx, &dynamodb.UpdateItemInput{TableName: &s.Table, Key: key(tenantPK(tid), partnerSK(pid)),
		ConditionExpression:       cond("attribute_exists(PK) AND (attribute_not_exists(lastReferralAt) OR lastReferralAt < :t)"),
		UpdateExpression:          cond("SET firstReferralAt = if_not_exists(firstReferralAt, :t), lastReferralAt = :t ADD referralCount :one"),
		ExpressionAttributeValues: map[string]types.AttributeValue{":t": t, ":one": num(1)}})
	if isConditionFailed(err) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("note referral: %w", err)
	}
	return nil
}

// ReferralsOfPartner lists a partner's referrals, newest first: a Query on its item collection.
func (s *Store) ReferralsOfPartner(ctx context.Context, tid, pid string, limit int, cursor string) (Page, error) {
	pk := referralPK(tid, pid)
	in := &dynamodb.QueryInput{TableName: &s.Table,
		KeyConditionExpression:    cond("PK = :pk AND begins_with(SK, :p)"),
		ExpressionAttributeValues: map[string]types.AttributeValue{":pk": str(pk), ":p": str(referralPrefix())},
		ScanIndexForward:          aws.Bool(false), Limit: aws.Int32(int32(limit))}
	return s.page(ctx, in, attrPK, pk, cursor)
}

func errorsAs(err error, target any) bool { return errors.As(err, target) }
