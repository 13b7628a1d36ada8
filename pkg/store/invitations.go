package store

import (
	"context"
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/referloop/referloop/pkg/ids"
	"github.com/referloop/referloop/pkg/partner"
	"github.com/referloop/referloop/pkg/practice"
)

// Invitations and the address markers that let one sign-in find every practice and role of an
// address. A person invited is stored at once (a staff member's user item, a referrer's item) with
// their pending invitation on it and their address's marker beside their staff memberships; the
// invitation is removed when they first sign in. Revoking a pending invitation removes the person.

// PutReferrerMarker writes (or rewrites) the address marker of a referrer of practice tid, so that
// a sign-in request for the address finds it; deactivated when the referrer is.
func (s *Store) PutReferrerMarker(ctx context.Context, tid, practiceName string, r partner.Referrer) error {
	item, err := marshal(Membership{TenantID: tid, Role: practice.RoleReferrer, PracticeName: practiceName, PartnerID: r.PartnerID,
		DeactivatedAt: r.DeactivatedAt}, map[string]string{attrPK: emailPK(ids.EmailKey(r.Email)), attrSK: referrerMembershipSK(tid), attrType: typeMembership})
	if err != nil {
		return err
	}
	if _, err := s.DB.PutItem(ctx, &dynamodb.PutItemInput{TableName: &s.Table, Item: item}); err != nil {
		return fmt.Errorf("referrer marker: %w", err)
	}
	return nil
}

// InviteMember stores u (with u.Invitation) as staff of a practice, with their address's
// membership marker: a new member, one deactivated (invited again, they are active again), or one
// still pending (the invitation is replaced). ErrExists for an active member who has signed in.
func (s *Store) InviteMember(ctx context.Context, tid, practiceName string, u User) error {
	ek := ids.EmailKey(u.Email)
	uItem, err := marshal(u, map[string]string{attrPK: tenantPK(tid), attrSK: userSK(ek), attrType: typeUser})
	if err != nil {
		return err
	}
	mItem, err := marshal(Membership{TenantID: tid, Role: u.Role, PracticeName: practiceName},
		map[string]string{attrPK: emailPK(ek), attrSK: membershipSK(tid), attrType: typeMembership})
	if err != nil {
		return err
	}
	_, err = s.DB.TransactWriteItems(ctx, &dynamodb.TransactWriteItemsInput{TransactItems: []types.TransactWriteItem{
		{Put: &types.Put{TableName: &s.Table, Item: uItem,
			ConditionExpression: cond("attribute_not_exists(PK) OR attribute_exists(deactivatedAt) OR attribute_exists(invitation)")}},
		{Put: &types.Put{TableName: &s.Table, Item: mItem}},
	}})
	if reasons := cancelled(err); len(reasons) > 0 && aws.ToString(reasons[0].Code) == "ConditionalCheckFailed" {
		return ErrExists
	}
	if err != nil {
		return fmt.Errorf("invite member: %w", err)
	}
	return nil
}

// SetMemberInvitation replaces a pending member's invitation (a resend). ErrNotFound when the
// member is not pending.
func (s *Store) SetMemberInvitation(ctx context.Context, tid, emailKey string, inv practice.Invitation) error {
	return s.setInvitation(ctx, key(tenantPK(tid), userSK(emailKey)), &inv)
}

// SetReferrerInvitation gives a referrer an invitation (a first one, or a resend).
func (s *Store) SetReferrerInvitation(ctx context.Context, tid, emailKey string, inv practice.Invitation) error {
	return s.setInvitation(ctx, key(tenantPK(tid), referrerSK(emailKey)), &inv)
}

// Joined removes the pending invitation of a person who signed in (their first sign-in makes them
// active); nothing when there is none.
func (s *Store) Joined(ctx context.Context, tid, role, emailKey string) error {
	k := key(tenantPK(tid), userSK(emailKey))
	if role == practice.RoleReferrer {
		k = key(tenantPK(tid), referrerSK(emailKey))
	}
	return s.setInvitation(ctx, k, nil)
}

func (s *Store) setInvitation(ctx context.Context, k map[string]types.AttributeValue, inv *practice.Invitation) error {
	in := &dynamodb.UpdateItemInput{TableName: &s.Table, Key: k,
		UpdateExpression: cond("REMOVE invitation"), ConditionExpression: cond("attribute_exists(invitation)")}
	if inv != nil {
		v, err := marshalValue(inv)
		if err != nil {
			return err
		}
		in.UpdateExpression = cond("SET invitation = :i")
		in.ConditionExpression = cond("attribute_exists(PK)")
		in.ExpressionAttributeValues = map[string]types.AttributeValue{":i": v}
	}
	_, err := s.DB.UpdateItem(ctx, in)
	if isConditionFailed(err) {
		if inv == nil {
			return nil
		}
		return ErrNotFound
	}
	if err != nil {
		return fmt.Errorf("invitation: %w", err)
	}
	return nil
}

// RevokeMember removes a member whose invitation is still pending, with their address's marker, in
// one transaction. ErrNotFound when there is no pending invitation (the member signed in: deactivate
// them instead).
func (s *Store) RevokeMember(ctx context.Context, tid, emailKey string) error {
	return s.revoke(ctx, key(tenantPK(tid), userSK(emailKey)), key(emailPK(emailKey), membershipSK(tid)))
}

// RevokeReferrer removes a referrer whose invitation is still pending, with their address's marker.
func (s *Store) RevokeReferrer(ctx context.Context, tid, emailKey string) error {
	return s.revoke(ctx, key(tenantPK(tid), referrerSK(emailKey)), key(emailPK(emailKey), referrerMembershipSK(tid)))
}

func (s *Store) revoke(ctx context.Context, person, marker map[string]types.AttributeValue) error {
	_, err := s.DB.TransactWriteItems(ctx, &dynamodb.TransactWriteItemsInput{TransactItems: []types.TransactWriteItem{
		{Delete: &types.Delete{TableName: &s.Table, Key: person, ConditionExpression: cond("attribute_exists(invitation)")}},
		{Delete: &types.Delete{TableName: &s.Table, Key: marker}},
	}})
	if reasons := cancelled(err); len(reasons) > 0 && aws.ToString(reasons[0].Code) == "ConditionalCheckFailed" {
		return ErrNotFound
	}
	if err != nil {
		return fmt.Errorf("revoke: %w", err)
	}
	return nil
}

// ConfirmPartner clears a self-registered partner's unconfirmed mark. ErrNotFound when there is no
// such partner.
func (s *Store) ConfirmPartner(ctx context.Context, tid, pid string) error {
	_, err := s.DB.UpdateItem(ctx, &dynamodb.UpdateItemInput{TableName: &s.Table, Key: key(tenantPK(tid), partnerSK(pid)),
		UpdateExpression: cond("REMOVE unconfirmed"), ConditionExpression: cond("attribute_exists(PK)")})
	if isConditionFailed(err) {
		return ErrNotFound
	}
	if err != nil {
		return fmt.Errorf("confirm partner: %w", err)
	}
	return nil
}

// setMarkerDeactivated mirrors a referrer's deactivation on their address's marker (at zero: active
// again); a referrer without a marker (made before markers) has none to update.
func (s *Store) setMarkerDeactivated(ctx context.Context, tid, emailKey string, at time.Time) error {
	in := &dynamodb.UpdateItemInput{TableName: &s.Table, Key: key(emailPK(emailKey), referrerMembershipSK(tid)),
		ConditionExpression: cond("attribute_exists(PK)"), UpdateExpression: cond("REMOVE deactivatedAt")}
	if !at.IsZero() {
		in.UpdateExpression = cond("SET deactivatedAt = :at")
		in.ExpressionAttributeValues = map[string]types.AttributeValue{":at": str(at.UTC().Format(time.RFC3339Nano))}
	}
	_, err := s.DB.UpdateItem(ctx, in)
	if err != nil && !isConditionFailed(err) {
		return fmt.Errorf("referrer marker: %w", err)
	}
	return nil
}

// ExpireLink moves a link's expiry to at (the local stack's dev tool ages an invitation with it;
// no function's role may call it). ErrNotFound when there is no such link.
func (s *Store) ExpireLink(ctx context.Context, hash string, at time.Time) error {
	v, err := marshalValue(struct {
		At time.Time `json:"at"`
	}{at})
	if err != nil {
		return err
	}
	_, err = s.DB.UpdateItem(ctx, &dynamodb.UpdateItemInput{TableName: &s.Table, Key: key(linkPK(hash), linkSK()),
		UpdateExpression: cond("SET validUntil = :at"), ConditionExpression: cond("attribute_exists(PK)"),
		ExpressionAttributeValues: map[string]types.AttributeValue{":at": v.(*types.AttributeValueMemberM).Value["at"]}})
	if isConditionFailed(err) {
		return ErrNotFound
	}
	return err
}
