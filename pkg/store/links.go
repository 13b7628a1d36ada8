package store

import (
	"context"
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
)

// Purposes of a magic link.
const (
	LinkSignup = "signup" // confirm a new practice
	LinkSignin = "signin" // sign a known person in
)

// Link is what a magic link's token stands for. Only the token's SHA-256 is a key; the token itself
// is never stored.
type Link struct {
	Purpose      string    `json:"purpose"`
	Email        string    `json:"email"`
	TenantID     string    `json:"tid,omitempty"`
	Role         string    `json:"role,omitempty"`
	PartnerID    string    `json:"pid,omitempty"`
	Name         string    `json:"name,omitempty"`
	PracticeName string    `json:"practiceName,omitempty"`
	CreatedAt    time.Time `json:"createdAt"`
	ExpiresAt    time.Time `json:"validUntil"`
}

// PutLink stores a link under the hash of its token; DynamoDB's TTL removes it after expiry.
func (s *Store) PutLink(ctx context.Context, hash string, l Link) error {
	item, err := marshal(l, map[string]string{attrPK: linkPK(hash), attrSK: linkSK(), attrType: typeLink})
	if err != nil {
		return err
	}
	item[attrTTL] = ttl(l.ExpiresAt)
	_, err = s.DB.PutItem(ctx, &dynamodb.PutItemInput{TableName: &s.Table, Item: item,
		ConditionExpression: cond("attribute_not_exists(PK)")})
	if err != nil {
		return fmt.Errorf("put link: %w", err)
	}
	return nil
}

// PeekLink reads a live link without consuming it; ErrNotFound when unknown, used or expired.
func (s *Store) PeekLink(ctx context.Context, hash string) (Link, error) {
	var l Link
	// Eventually consistent: a link is minutes old when it is opened, and the conditional delete
	// (or the sign-up transaction) that spends it is what guarantees single use.
	out, err := s.DB.GetItem(ctx, &dynamodb.GetItemInput{TableName: &s.Table, Key: key(linkPK(hash), linkSK())})
	if err != nil {
		return l, fmt.Errorf("peek link: %w", err)
	}
	if len(out.Item) == 0 {
		return l, ErrNotFound
	}
	if err := unmarshal(out.Item, &l); err != nil {
		return l, err
	}
	if !s.now().Before(l.ExpiresAt) {
		return l, ErrNotFound
	}
	return l, nil
}

// ConsumeLink spends a link: a conditional delete, so of two concurrent confirmations exactly one
// gets the link. ErrNotFound when unknown, used or expired (TTL deletion lags, so expiry is
// checked here too).
func (s *Store) ConsumeLink(ctx context.Context, hash string) (Link, error) {
	var l Link
	out, err := s.DB.DeleteItem(ctx, &dynamodb.DeleteItemInput{TableName: &s.Table, Key: key(linkPK(hash), linkSK()),
		ConditionExpression: cond("attribute_exists(PK)"), ReturnValues: types.ReturnValueAllOld})
	if isConditionFailed(err) {
		return l, ErrNotFound
	}
	if err != nil {
		return l, fmt.Errorf("consume link: %w", err)
	}
	if err := unmarshal(out.Attributes, &l); err != nil {
		return l, err
	}
	if !s.now().Before(l.ExpiresAt) {
		return l, ErrNotFound
	}
	return l, nil
}
