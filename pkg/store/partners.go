package store

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/referloop/referloop/pkg/ids"
	"github.com/referloop/referloop/pkg/partner"
)

// CreatePartner stores a new partner of a tenant, with its NPI's marker in the same transaction
// (partnerrecord.go): ErrExists when the id is taken, *NPITakenError when the NPI is.
func (s *Store) CreatePartner(ctx context.Context, tid string, p partner.Partner) error {
	return s.createPartner(ctx, tid, p)
}

// Partner reads one partner of a tenant.
func (s *Store) Partner(ctx context.Context, tid, pid string) (partner.Partner, error) {
	var p partner.Partner
	if !strings.HasPrefix(pid, "p_") || len(pid) > 40 {
		return p, ErrNotFound
	}
	item, err := s.get(ctx, tenantPK(tid), partnerSK(pid))
	if err != nil {
		return p, err
	}
	err = unmarshal(item, &p)
	return p, err
}

// Partners lists a tenant's partners by name (one Query on the tenant's item collection).
func (s *Store) Partners(ctx context.Context, tid string) ([]partner.Partner, error) {
	in := &dynamodb.QueryInput{TableName: &s.Table,
		KeyConditionExpression: cond("PK = :pk AND begins_with(SK, :p)"),
		ExpressionAttributeValues: map[string]types.AttributeValue{
			":pk": str(tenantPK(tid)), ":p": str(partnerPrefix())}}
	list, err := queryAll(ctx, s.DB, in, decodeAs[partner.Partner], 0)
	if err != nil {
		return nil, fmt.Errorf("partners: %w", err)
	}
	sort.SliceStable(list, func(i, j int) bool { return strings.ToLower(list[i].Name) < strings.ToLower(list[j].Name) })
	return list, nil
}

// EnsureReferrer stores a referrer of a partner if the (tenant, email) identity is new, and
// returns the stored one either way.
func (s *Store) EnsureReferrer(ctx context.Context, tid string, r partner.Referrer) (partner.Referrer, error) {
	item, err := marshal(r, map[string]string{attrPK: tenantPK(tid), attrSK: referrerSK(ids.EmailKey(r.Email)), attrType: typeReferrer})
	if err != nil {
		return r, err
	}
	_, err = s.DB.PutItem(ctx, &dynamodb.PutItemInput{TableName: &s.Table, Item: item,
		ConditionExpression:                 cond("attribute_not_exists(PK)"),
		ReturnValuesOnConditionCheckFailure: types.ReturnValuesOnConditionCheckFailureAllOld})
	if old, ok := existing(err); ok {
		var stored partner.Referrer
		return stored, unmarshal(old, &stored)
	}
	return r, err
}

// Referrer reads a referrer by (tenant, email).
func (s *Store) Referrer(ctx context.Context, tid, email string) (partner.Referrer, error) {
	return s.ReferrerByKey(ctx, tid, ids.EmailKey(email))
}

// ReferrerByKey reads a referrer by (tenant, email key).
func (s *Store) ReferrerByKey(ctx context.Context, tid, emailKey string) (partner.Referrer, error) {
	var r partner.Referrer
	item, err := s.get(ctx, tenantPK(tid), referrerSK(emailKey))
	if err != nil {
		return r, err
	}
	err = unmarshal(item, &r)
	return r, err
}

// ReferrersOf lists a partner's referrers by name: one Query of the tenant's referrer items with a
// filter on the partner (referrers are keyed by their address, the identity, not by partner).
func (s *Store) ReferrersOf(ctx context.Context, tid, pid string) ([]partner.Referrer, error) {
	in := &dynamodb.QueryInput{TableName: &s.Table,
		KeyConditionExpression:    cond("PK = :pk AND begins_with(SK, :r)"),
		FilterExpression:          cond("partnerId = :p"),
		ExpressionAttributeValues: map[string]types.AttributeValue{":pk": str(tenantPK(tid)), ":r": str(referrerItemPrefix()), ":p": str(pid)}}
	list, err := queryAll(ctx, s.DB, in, decodeAs[partner.Referrer], 0)
	if err != nil {
		return nil, fmt.Errorf("referrers: %w", err)
	}
	sort.SliceStable(list, func(i, j int) bool {
		return strings.ToLower(list[i].Name+list[i].Email) < strings.ToLower(list[j].Name+list[j].Email)
	})
	return list, nil
}

// SetReferrerActive deactivates a referrer (at is when) or, with a zero at, makes them active again.
// ErrNotFound when there is no such referrer.
func (s *Store) SetReferrerActive(ctx context.Context, tid, email string, at time.Time) error {
	in := &dynamodb.UpdateItemInput{TableName: &s.Table, Key: key(tenantPK(tid), referrerSK(ids.EmailKey(email))),
		ConditionExpression: cond("attribute_exists(PK)"), UpdateExpression: cond("REMOVE deactivatedAt")}
	if !at.IsZero() {
		in.UpdateExpression = cond("SET deactivatedAt = :at")
		in.ExpressionAttributeValues = map[string]types.AttributeValue{":at": str(at.UTC().Format(time.RFC3339Nano))}
	}
	_, err := s.DB.UpdateItem(ctx, in)
	if isConditionFailed(err) {
		return ErrNotFound
	}
	if err != nil {
		return fmt.Errorf("referrer: %w", err)
	}
	return s.setMarkerDeactivated(ctx, tid, ids.EmailKey(email), at)
}

// UpdatePartner replaces a partner that exists.
func (s *Store) UpdatePartner(ctx context.Context, tid string, p partner.Partner) error {
	item, err := marshal(p, map[string]string{attrPK: tenantPK(tid), attrSK: partnerSK(p.ID), attrType: typePartner})
	if err != nil {
		return err
	}
	_, err = s.DB.PutItem(ctx, &dynamodb.PutItemInput{TableName: &s.Table, Item: item,
		ConditionExpression: cond("attribute_exists(PK)")})
	if isConditionFailed(err) {
		return ErrNotFound
	}
	return err
}

// PartnerKinds maps a tenant's partner ids to their kinds.
func (s *Store) PartnerKinds(ctx context.Context, tid string) (map[string]string, error) {
	list, err := s.Partners(ctx, tid)
	if err != nil {
		return nil, err
	}
	m := map[string]string{}
	for _, p := range list {
		m[p.ID] = p.Kind
	}
	return m, nil
}
