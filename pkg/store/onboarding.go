package store

import (
	"context"
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
)

// Onboarding is a new practice's first steps as the store knows them: the times its public link
// was first shared (copied) and its checklist dismissed (kept on the practice's ONBOARDING item),
// and whether it has a partner and a referrer yet (the first item of each in the practice's item
// collection). The intake profile's completeness is the profile's own (practice.Profile).
type Onboarding struct {
	LinkSharedAt *time.Time `json:"linkSharedAt,omitempty"`
	DismissedAt  *time.Time `json:"dismissedAt,omitempty"`
	HasPartner   bool       `json:"-"`
	HasReferrer  bool       `json:"-"`
}

// OnboardingSteps are the steps MarkOnboarding records.
const (
	OnboardingLinkShared = "linkSharedAt"
	OnboardingDismissed  = "dismissedAt"
)

// Onboarding reads a practice's onboarding state in at most three reads whatever its size: one
// GetItem and two Queries of Limit 1 (a partner, a referrer), each returning at most one key.
func (s *Store) Onboarding(ctx context.Context, tid string) (Onboarding, error) {
	var o Onboarding
	item, err := s.get(ctx, tenantPK(tid), onboardingSK())
	if err != nil && !IsNotFound(err) {
		return o, err
	}
	if err == nil {
		if err := unmarshal(item, &o); err != nil {
			return o, err
		}
	}
	first := func(prefix string) (bool, error) {
		out, err := s.DB.Query(ctx, &dynamodb.QueryInput{TableName: &s.Table, Limit: aws.Int32(1),
			KeyConditionExpression: cond("PK = :pk AND begins_with(SK, :p)"), ProjectionExpression: cond("SK"),
			ExpressionAttributeValues: map[string]types.AttributeValue{":pk": str(tenantPK(tid)), ":p": str(prefix)}})
		if err != nil {
			return false, fmt.Errorf("onboarding: %w", err)
		}
		return len(out.Items) > 0, nil
	}
	if o.HasPartner, err = first(partnerPrefix()); err != nil {
		return o, err
	}
	o.HasReferrer, err = first(referrerItemPrefix())
	return o, err
}

// MarkOnboarding records a step (OnboardingLinkShared, OnboardingDismissed) at at, keeping the
// first time it happened: one UpdateItem.
func (s *Store) MarkOnboarding(ctx context.Context, tid, step string, at time.Time) error {
	if step != OnboardingLinkShared && step != OnboardingDismissed {
		return fmt.Errorf("onboarding: unknown step %q", step)
	}
	_, err := s.DB.UpdateItem(ctx, &dynamodb.UpdateItemInput{TableName: &s.Table, Key: key(tenantPK(tid), onboardingSK()),
		UpdateExpression:          cond("SET #s = if_not_exists(#s, :at), #t = :type"),
		ExpressionAttributeNames:  map[string]string{"#s": step, "#t": attrType},
		ExpressionAttributeValues: map[string]types.AttributeValue{":at": str(at.UTC().Format(time.RFC3339)), ":type": str(typeOnboarding)}})
	if err != nil {
		return fmt.Errorf("onboarding: %w", err)
	}
	return nil
}
