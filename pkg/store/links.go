package store

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/referloop/referloop/pkg/ids"
)

// Purposes of a magic link.
const (
	LinkSignup = "signup" // confirm a new practice
	LinkSignin = "signin" // sign a known person in
	// LinkDecoy is what a request for an address that gets no link writes instead, so that it does
	// the same work as one that does: its token is thrown away and it signs nobody in.
	LinkDecoy = "decoy"
	// LinkInvite is an invitation: single use, valid practice.InvitationTTL, the newest of its
	// (address, practice, role) only (resending one stops the one before), revoked by deleting it.
	LinkInvite = "invite"
	// LinkJoin signs a provider the practice never invited in as a new referring source: it comes
	// with a sign-in email asked for on the practice's public page.
	LinkJoin = "join"
)

// InviteHead is the head under which an address's invitations to one practice and role are the
// newest-only batch (a link's Head).
func InviteHead(tid, role string) string { return LinkInvite + "#" + tid + "#" + role }

// MaxCodeTries is how many wrong codes a link takes before its code stops working. A wrong code
// does not spend the link: the browser it is bound to can still use it.
const MaxCodeTries = 5

// Named errors of magic links.
var (
	// ErrLinkSuperseded: a newer link was sent for the same address and purpose; only that one works.
	ErrLinkSuperseded = errors.New("a newer link was sent")
	// ErrLinkLocked: the link's code was entered wrong MaxCodeTries times.
	ErrLinkLocked = errors.New("too many wrong codes")
)

// Link is what a magic link's token stands for. Only the token's SHA-256 is a key; the token itself
// is never stored, nor is its code (only a hash of it) or the cookie it is bound to (a hash).
type Link struct {
	Purpose      string    `json:"purpose"`
	Email        string    `json:"email"`
	TenantID     string    `json:"tid,omitempty"`
	Role         string    `json:"role,omitempty"`
	PartnerID    string    `json:"pid,omitempty"`
	Name         string    `json:"name,omitempty"`
	PracticeName string    `json:"practiceName,omitempty"`
	TimeZone     string    `json:"tz,omitempty"` // a sign-up's: the owner's browser's time zone
	CreatedAt    time.Time `json:"createdAt"`
	ExpiresAt    time.Time `json:"validUntil"`
	// Batch is the request (one email) the link was made by; only the newest batch of an address
	// and purpose works.
	Batch string `json:"batch,omitempty"`
	// BindHash is the hash of the cookie of the browser that asked for the link ("" when nobody
	// asked from a browser, as for an invitation); CodeHash the hash of the code, from the same
	// email, that a link opened elsewhere needs instead; Tries counts wrong codes.
	BindHash string `json:"bind,omitempty"`
	CodeHash string `json:"codeHash,omitempty"`
	Tries    int    `json:"tries,omitempty"`
	// Head names the newest-batch marker the link answers to when it is not its purpose (a join
	// link in a sign-in email, an invitation per practice and role).
	Head string `json:"head,omitempty"`
}

// LinkBatch is the links one request makes for one address and purpose (the links of one email).
type LinkBatch struct {
	ID      string
	Email   string
	Purpose string
	// Head is the newest-batch marker the batch replaces; "" is its purpose.
	Head      string
	ExpiresAt time.Time
	Links     map[string]Link // by the hash of their token
}

// PutLinkBatch stores a batch's links under the hashes of their tokens and makes it the newest batch
// of its address and purpose, so that every older link of the address and purpose stops working.
// The writes run side by side: one round trip however many links the email holds. DynamoDB's TTL
// removes the items after expiry.
func (s *Store) PutLinkBatch(ctx context.Context, b LinkBatch) error {
	headName := cmp.Or(b.Head, b.Purpose)
	head := key(linkHeadPK(ids.EmailKey(b.Email)), linkHeadSK(headName))
	head[attrType] = str(typeLinkHead)
	head["batch"] = str(b.ID)
	head[attrTTL] = ttl(b.ExpiresAt)
	puts := []*dynamodb.PutItemInput{{TableName: &s.Table, Item: head}}
	for hash, l := range b.Links {
		l.Batch = b.ID
		if l.Purpose != headName {
			l.Head = headName
		}
		item, err := marshal(l, map[string]string{attrPK: linkPK(hash), attrSK: linkSK(), attrType: typeLink})
		if err != nil {
			return err
		}
		item[attrTTL] = ttl(l.ExpiresAt)
		puts = append(puts, &dynamodb.PutItemInput{TableName: &s.Table, Item: item, ConditionExpression: cond("attribute_not_exists(PK)")})
	}
	errs := make([]error, len(puts))
	var wg sync.WaitGroup
	for i, in := range puts {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, errs[i] = s.DB.PutItem(ctx, in)
		}()
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("put links: %w", err)
	}
	return nil
}

// PutLink stores one link as a batch of its own (the newest of its address and purpose).
func (s *Store) PutLink(ctx context.Context, hash string, l Link) error {
	if l.Batch == "" {
		l.Batch = ids.Short("b_")
	}
	return s.PutLinkBatch(ctx, LinkBatch{ID: l.Batch, Email: l.Email, Purpose: l.Purpose, ExpiresAt: l.ExpiresAt,
		Links: map[string]Link{hash: l}})
}

// PeekLink reads a live link without consuming it; ErrNotFound when unknown, used or expired,
// ErrLinkSuperseded when a newer batch was sent for its address and purpose.
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
	if !s.now().Before(l.ExpiresAt) || l.Purpose == LinkDecoy {
		return l, ErrNotFound
	}
	// The newest batch, read consistently: a link asked for a moment ago must count at once.
	head, err := s.DB.GetItem(ctx, &dynamodb.GetItemInput{TableName: &s.Table, ConsistentRead: aws.Bool(true),
		Key: key(linkHeadPK(ids.EmailKey(l.Email)), linkHeadSK(cmp.Or(l.Head, l.Purpose)))})
	if err != nil {
		return l, fmt.Errorf("peek link: %w", err)
	}
	if l.Batch == "" || getS(head.Item, "batch") != l.Batch {
		return l, ErrLinkSuperseded
	}
	return l, nil
}

// CountCodeTry counts one try of a link's code before it is compared, atomically: a conditional
// update that refuses once MaxCodeTries are spent (ErrLinkLocked), so parallel tries cannot get past
// the limit. ErrNotFound when the link is gone.
func (s *Store) CountCodeTry(ctx context.Context, hash string) (tries int, err error) {
	out, err := s.DB.UpdateItem(ctx, &dynamodb.UpdateItemInput{TableName: &s.Table, Key: key(linkPK(hash), linkSK()),
		UpdateExpression:                    cond("ADD tries :one"),
		ConditionExpression:                 cond("attribute_exists(PK) AND (attribute_not_exists(tries) OR tries < :max)"),
		ExpressionAttributeValues:           map[string]types.AttributeValue{":one": num(1), ":max": num(MaxCodeTries)},
		ReturnValues:                        types.ReturnValueUpdatedNew,
		ReturnValuesOnConditionCheckFailure: types.ReturnValuesOnConditionCheckFailureAllOld})
	if isConditionFailed(err) {
		if _, ok := existing(err); ok {
			return MaxCodeTries, ErrLinkLocked
		}
		return 0, ErrNotFound
	}
	if err != nil {
		return 0, fmt.Errorf("code try: %w", err)
	}
	return int(getN(out.Attributes, "tries")), nil
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
	if !s.now().Before(l.ExpiresAt) || l.Purpose == LinkDecoy {
		return l, ErrNotFound
	}
	return l, nil
}

// DeleteLink deletes a link (a revoked invitation's); deleting one already gone is no error.
func (s *Store) DeleteLink(ctx context.Context, hash string) error {
	if _, err := s.DB.DeleteItem(ctx, &dynamodb.DeleteItemInput{TableName: &s.Table, Key: key(linkPK(hash), linkSK())}); err != nil {
		return fmt.Errorf("delete link: %w", err)
	}
	return nil
}
