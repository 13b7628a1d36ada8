package store

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/referloop/referloop/pkg/ids"
	"github.com/referloop/referloop/pkg/practice"
)

// User is a member of a practice's staff.
type User struct {
	Email string `json:"email"`
	Name  string `json:"name"`
	Role  string `json:"role"`
	// DeactivatedAt is when the owner deactivated the member (their sessions ended then).
	DeactivatedAt *time.Time `json:"deactivatedAt,omitempty"`
	// Invitation is the member's pending invitation, gone once they sign in.
	Invitation *practice.Invitation `json:"invitation,omitempty"`
}

// Membership ties an email to a practice it can sign in to, as staff or (with a partner) as a
// referrer.
type Membership struct {
	TenantID     string `json:"tid"`
	Role         string `json:"role"`
	PracticeName string `json:"practiceName"`
	// PartnerID is the partner a referrer refers for ("" for staff).
	PartnerID string `json:"pid,omitempty"`
	// DeactivatedAt is set with the member's: a deactivated member's address gets no link.
	DeactivatedAt *time.Time `json:"deactivatedAt,omitempty"`
}

// CreatePractice makes a tenant with its slug marker, its owner and the owner's membership marker,
// and consumes the sign-up link, all in one transaction: either the practice exists and the link is
// spent, or nothing changed and the link still works. ErrSlugTaken when the slug is in use;
// ErrNotFound when the link was already used.
func (s *Store) CreatePractice(ctx context.Context, linkHash string, p practice.Practice, owner User) error {
	pItem, err := marshal(p, map[string]string{attrPK: tenantPK(p.ID), attrSK: practiceSK(), attrType: typePractice})
	if err != nil {
		return err
	}
	uItem, err := marshal(owner, map[string]string{attrPK: tenantPK(p.ID), attrSK: userSK(ids.EmailKey(owner.Email)), attrType: typeUser})
	if err != nil {
		return err
	}
	mItem, err := marshal(Membership{TenantID: p.ID, Role: owner.Role, PracticeName: p.Name},
		map[string]string{attrPK: emailPK(ids.EmailKey(owner.Email)), attrSK: membershipSK(p.ID), attrType: typeMembership})
	if err != nil {
		return err
	}
	slugItem := key(slugPK(p.Slug), slugSK())
	slugItem["tid"] = str(p.ID)
	slugItem[attrType] = str(typeSlug)
	notExists := cond("attribute_not_exists(PK)")
	_, err = s.DB.TransactWriteItems(ctx, &dynamodb.TransactWriteItemsInput{TransactItems: []types.TransactWriteItem{
		{Delete: &types.Delete{TableName: &s.Table, Key: key(linkPK(linkHash), linkSK()), ConditionExpression: cond("attribute_exists(PK)")}},
		{Put: &types.Put{TableName: &s.Table, Item: slugItem, ConditionExpression: notExists}},
		{Put: &types.Put{TableName: &s.Table, Item: pItem, ConditionExpression: notExists}},
		{Put: &types.Put{TableName: &s.Table, Item: uItem}},
		{Put: &types.Put{TableName: &s.Table, Item: mItem}},
	}})
	if reasons := cancelled(err); reasons != nil {
		if len(reasons) > 0 && aws.ToString(reasons[0].Code) == "ConditionalCheckFailed" {
			return ErrNotFound
		}
		if len(reasons) > 1 && aws.ToString(reasons[1].Code) == "ConditionalCheckFailed" {
			return ErrSlugTaken
		}
	}
	if err != nil {
		return fmt.Errorf("create practice: %w", err)
	}
	return nil
}

// Practice reads a tenant.
func (s *Store) Practice(ctx context.Context, tid string) (practice.Practice, error) {
	var p practice.Practice
	item, err := s.get(ctx, tenantPK(tid), practiceSK())
	if err != nil {
		return p, err
	}
	err = unmarshal(item, &p)
	return p, err
}

// TenantBySlug resolves a public slug to a tenant id.
func (s *Store) TenantBySlug(ctx context.Context, slug string) (string, error) {
	item, err := s.get(ctx, slugPK(slug), slugSK())
	if err != nil {
		return "", err
	}
	return getS(item, "tid"), nil
}

// UpdateProfile replaces a practice's intake profile (not its slug) if its version is still
// version; ErrConflict otherwise. version 0 skips the check.
func (s *Store) UpdateProfile(ctx context.Context, tid string, version int, prof practice.Profile) (practice.Practice, error) {
	p, err := s.Practice(ctx, tid)
	if err != nil {
		return p, err
	}
	if version != 0 && version != p.Version {
		return p, ErrConflict
	}
	old := p.Version
	prof.Slug = p.Slug
	p.Profile = prof
	p.Version++
	p.UpdatedAt = s.now()
	item, err := marshal(p, map[string]string{attrPK: tenantPK(tid), attrSK: practiceSK(), attrType: typePractice})
	if err != nil {
		return p, err
	}
	_, err = s.DB.PutItem(ctx, &dynamodb.PutItemInput{TableName: &s.Table, Item: item,
		ConditionExpression:       cond("#v = :v"),
		ExpressionAttributeNames:  map[string]string{"#v": "version"},
		ExpressionAttributeValues: map[string]types.AttributeValue{":v": num(int64(old))}})
	if isConditionFailed(err) {
		return p, ErrConflict
	}
	return p, err
}

// User reads a staff member of a practice.
func (s *Store) User(ctx context.Context, tid, email string) (User, error) {
	var u User
	item, err := s.get(ctx, tenantPK(tid), userSK(ids.EmailKey(email)))
	if err != nil {
		return u, err
	}
	err = unmarshal(item, &u)
	return u, err
}

// UserByKey reads a staff member by email key (the session's subject).
func (s *Store) UserByKey(ctx context.Context, tid, emailKey string) (User, error) {
	var u User
	item, err := s.get(ctx, tenantPK(tid), userSK(emailKey))
	if err != nil {
		return u, err
	}
	err = unmarshal(item, &u)
	return u, err
}

// Memberships lists the practices an email can sign in to, as staff or as a referrer (one Query on
// the email's marker items).
func (s *Store) Memberships(ctx context.Context, email string) ([]Membership, error) {
	in := &dynamodb.QueryInput{TableName: &s.Table,
		KeyConditionExpression:    cond("PK = :pk"),
		ExpressionAttributeValues: map[string]types.AttributeValue{":pk": str(emailPK(ids.EmailKey(email)))},
		Limit:                     aws.Int32(maxMemberships)}
	ms, err := queryAll(ctx, s.DB, in, decodeAs[Membership], maxMemberships)
	if err != nil {
		return nil, fmt.Errorf("memberships: %w", err)
	}
	return ms, nil
}

// maxMemberships is how many practices a sign-in offers an address at most.
const maxMemberships = 20

// Members lists a practice's staff (owner included) by name: one Query of the tenant's user items.
func (s *Store) Members(ctx context.Context, tid string) ([]User, error) {
	in := &dynamodb.QueryInput{TableName: &s.Table,
		KeyConditionExpression:    cond("PK = :pk AND begins_with(SK, :u)"),
		ExpressionAttributeValues: map[string]types.AttributeValue{":pk": str(tenantPK(tid)), ":u": str(userPrefix())}}
	list, err := queryAll(ctx, s.DB, in, decodeAs[User], 0)
	if err != nil {
		return nil, fmt.Errorf("members: %w", err)
	}
	sort.SliceStable(list, func(i, j int) bool {
		return strings.ToLower(list[i].Name+list[i].Email) < strings.ToLower(list[j].Name+list[j].Email)
	})
	return list, nil
}

// AddMember makes u staff of a practice: the user item and the address's membership marker. (No
// route adds staff yet; the demo seed and tests do.)
func (s *Store) AddMember(ctx context.Context, tid, practiceName string, u User) error {
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
	for _, item := range []map[string]types.AttributeValue{uItem, mItem} {
		if _, err := s.DB.PutItem(ctx, &dynamodb.PutItemInput{TableName: &s.Table, Item: item}); err != nil {
			return fmt.Errorf("add member: %w", err)
		}
	}
	return nil
}

// DeactivateMember marks a staff member (never an owner) and their membership marker deactivated
// at at. ErrNotFound when there is no such member; ErrIsOwner for an owner.
func (s *Store) DeactivateMember(ctx context.Context, tid, emailKey string, at time.Time) error {
	stamp := str(at.UTC().Format(time.RFC3339Nano))
	_, err := s.DB.UpdateItem(ctx, &dynamodb.UpdateItemInput{TableName: &s.Table, Key: key(tenantPK(tid), userSK(emailKey)),
		UpdateExpression: cond("SET deactivatedAt = :at"), ConditionExpression: cond("attribute_exists(PK) AND #r <> :owner"),
		ExpressionAttributeNames:            map[string]string{"#r": "role"},
		ExpressionAttributeValues:           map[string]types.AttributeValue{":at": stamp, ":owner": str(practice.RoleOwner)},
		ReturnValuesOnConditionCheckFailure: types.ReturnValuesOnConditionCheckFailureAllOld})
	if isConditionFailed(err) {
		if _, ok := existing(err); ok {
			return ErrIsOwner
		}
		return ErrNotFound
	}
	if err != nil {
		return fmt.Errorf("deactivate member: %w", err)
	}
	_, err = s.DB.UpdateItem(ctx, &dynamodb.UpdateItemInput{TableName: &s.Table, Key: key(emailPK(emailKey), membershipSK(tid)),
		UpdateExpression: cond("SET deactivatedAt = :at"), ConditionExpression: cond("attribute_exists(PK)"),
		ExpressionAttributeValues: map[string]types.AttributeValue{":at": stamp}})
	if err != nil && !isConditionFailed(err) {
		return fmt.Errorf("deactivate membership: %w", err)
	}
	return nil
}
