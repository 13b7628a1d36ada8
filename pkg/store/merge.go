package store

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/referloop/referloop/pkg/ids"
	"github.com/referloop/referloop/pkg/partner"
)

// Merging two partners (issue 11, the "new source" case): source A is merged into target B.
//
// Referrals are not moved: their public id `<p>.<r>.<ULID>` carries their key and is in emails
// already sent and behind patient codes. B lists A (and the partners merged into A before) in
// mergedFrom, and the reads of "this partner's referrals" read those partitions too. Everything
// else moves:
//
//  1. One transaction claims the merge: A archived with mergedInto B (version checked, not merged
//     or archived), B with its empty details filled from A, mergedFrom, A's referral numbers and
//     confirmed (version checked: If-Match), A's NPI marker handed to B when B has none, the
//     partners merged into A before pointed at B, and A's outreach numbers (`OUTREACH` total and
//     `DAILY#<yyyy>` per day) added to B's. Of two merges of one A, exactly one transaction wins.
//  2. Then, each step idempotent (FinishMerge; a repeated request runs it again): A's referrers are
//     re-homed to B (partnerId B, A in formerPartnerIds, their address marker's pid B; their
//     sessions end, so their next sign-in refers for B); A's touches move to B's partition with
//     their log and due entries; the metric facts of the referrals in A's partitions get src B
//     and each of their days a change marker, so the next rollup recounts those days with B as
//     the source.
//
// The request does this work itself, so it refuses a source with more than MaxMergeReferrals
// referrals (ErrMergeTooLarge) rather than run past the function's timeout.

// MaxMergeReferrals is the most referrals (in the source's partitions) a merge moves the metrics
// of within one request.
const MaxMergeReferrals = 500

// ErrMergeTooLarge is a merge whose source has more than MaxMergeReferrals referrals.
var ErrMergeTooLarge = errors.New("the source has too many referrals to merge in one request")

// NotAPartner is the reason of a merge whose source is not a partner of the practice.
const NotAPartner = "is not a partner of this practice"

// MergeRefused is a merge the partners' state does not allow; Field names the input at fault.
type MergeRefused struct{ Field, Reason string }

func (e *MergeRefused) Error() string { return e.Field + " " + e.Reason }

// partnerConsistent reads a partner with a consistent read.
func (s *Store) partnerConsistent(ctx context.Context, tid, pid string) (partner.Partner, error) {
	var p partner.Partner
	if !strings.HasPrefix(pid, "p_") || len(pid) > 40 {
		return p, ErrNotFound
	}
	item, err := s.getConsistent(ctx, tenantPK(tid), partnerSK(pid))
	if err != nil {
		return p, err
	}
	return p, unmarshal(item, &p)
}

// CheckMerge says why from may not be merged into into, or nil.
func CheckMerge(into, from partner.Partner) error {
	switch {
	case from.ID == into.ID:
		return &MergeRefused{"from", "is this partner: pick another partner to merge into it"}
	case from.MergedInto != "":
		return &MergeRefused{"from", "was already merged into another partner"}
	case from.ArchivedAt != nil:
		return &MergeRefused{"from", "is archived: restore it first to merge it"}
	case into.MergedInto != "":
		return &MergeRefused{"id", "was merged into another partner: merge into that one"}
	case into.ArchivedAt != nil:
		return &MergeRefused{"id", "is archived: restore it first to merge into it"}
	case len(partner.MergedSources(into, from)) > partner.MaxMerged:
		return &MergeRefused{"from", fmt.Sprintf("would make more than %d partners merged into this one", partner.MaxMerged)}
	}
	return nil
}

// mergedRef is what a merge needs of a referral in the source's partitions.
type mergedRef struct{ id, day string }

// mergeReferrals lists the referrals under the partitions of pids (keys and days only), at most
// MaxMergeReferrals (ErrMergeTooLarge beyond): a bounded read whatever the partition holds.
func (s *Store) mergeReferrals(ctx context.Context, tid string, pids []string) ([]mergedRef, error) {
	var out []mergedRef
	for _, pid := range pids {
		in := &dynamodb.QueryInput{TableName: &s.Table,
			KeyConditionExpression:    cond("PK = :pk AND begins_with(SK, :r)"),
			ProjectionExpression:      cond("id, #d, createdAt"),
			ExpressionAttributeNames:  map[string]string{"#d": "day"},
			ExpressionAttributeValues: map[string]types.AttributeValue{":pk": str(referralPK(tid, pid)), ":r": str(referralPrefix())}}
		list, err := queryAll(ctx, s.DB, in, func(item map[string]types.AttributeValue) (mergedRef, error) {
			day := getS(item, "day")
			if day == "" {
				if at, err := time.Parse(time.RFC3339Nano, getS(item, "createdAt")); err == nil {
					day = at.UTC().Format(time.DateOnly)
				}
			}
			return mergedRef{id: getS(item, "id"), day: day}, nil
		}, MaxMergeReferrals+1-len(out))
		if err != nil {
			return nil, fmt.Errorf("merge: referrals: %w", err)
		}
		out = append(out, list...)
		if len(out) > MaxMergeReferrals {
			return nil, ErrMergeTooLarge
		}
	}
	return out, nil
}

// MergePartners merges partner fromID into partner intoID, which must still be at intoVersion (0:
// any). It answers the target as stored. ErrNotFound when either is not the tenant's, ErrConflict
// when the target changed since intoVersion, *MergeRefused when the state forbids it (among them
// a source merged meanwhile by another request), ErrMergeTooLarge.
func (s *Store) MergePartners(ctx context.Context, tid, intoID, fromID string, intoVersion int) (partner.Partner, error) {
	for try := 0; ; try++ {
		into, err := s.partnerConsistent(ctx, tid, intoID)
		if err != nil {
			return into, err
		}
		from, err := s.partnerConsistent(ctx, tid, fromID)
		if IsNotFound(err) {
			return into, &MergeRefused{"from", NotAPartner}
		}
		if err != nil {
			return into, err
		}
		if intoVersion > 0 && max(into.Version, 1) != intoVersion {
			return into, ErrConflict
		}
		if err := CheckMerge(into, from); err != nil {
			return into, err
		}
		refs, err := s.mergeReferrals(ctx, tid, append([]string{from.ID}, from.MergedFrom...))
		if err != nil {
			return into, err
		}
		b, err := s.claimMerge(ctx, tid, into, from)
		if errors.Is(err, errMergeRaced) && try < 3 {
			continue // a referral arrived or the source changed between the reads and the write
		}
		if err != nil {
			return into, err
		}
		return b, s.finishMerge(ctx, tid, b, from, refs)
	}
}

// FinishMerge runs the idempotent steps of a merge that was claimed (from is merged into into)
// again: after a request that stopped halfway, a repeated merge request finishes it.
func (s *Store) FinishMerge(ctx context.Context, tid string, into, from partner.Partner) error {
	refs, err := s.mergeReferrals(ctx, tid, append([]string{from.ID}, from.MergedFrom...))
	if err != nil {
		return err
	}
	return s.finishMerge(ctx, tid, into, from, refs)
}

var errMergeRaced = errors.New("merge raced")

// versionCond is the condition that a partner item is still at version v.
func versionCond(v int) string {
	if v <= 1 {
		return "(version = :v OR attribute_not_exists(version))"
	}
	return "version = :v"
}

// claimMerge is step 1: one transaction.
func (s *Store) claimMerge(ctx context.Context, tid string, into, from partner.Partner) (partner.Partner, error) {
	now := s.now()
	b, a := partner.Merged(into, from, now)
	vb, va := max(into.Version, 1), max(from.Version, 1)
	b.Version, b.UpdatedAt = vb+1, &now
	a.Version, a.UpdatedAt = va+1, &now
	bItem, err := partnerItem(tid, b)
	if err != nil {
		return b, err
	}
	aItem, err := partnerItem(tid, a)
	if err != nil {
		return b, err
	}
	guard := func(p partner.Partner, v int) (*string, map[string]types.AttributeValue) {
		return cond("attribute_exists(PK) AND " + versionCond(v) + " AND attribute_not_exists(mergedInto) AND attribute_not_exists(archivedAt)" +
				" AND (attribute_not_exists(referralCount) OR referralCount = :n)"),
			map[string]types.AttributeValue{":v": num(int64(v)), ":n": num(int64(p.ReferralCount))}
	}
	bc, bv := guard(into, vb)
	ac, av := guard(from, va)
	w := []types.TransactWriteItem{
		{Put: &types.Put{Item: bItem, ConditionExpression: bc, ExpressionAttributeValues: bv}},
		{Put: &types.Put{Item: aItem, ConditionExpression: ac, ExpressionAttributeValues: av}},
	}
	if into.NPI == "" && from.NPI != "" { // the marker is handed over (one item, so one write)
		w = append(w, types.TransactWriteItem{Put: &types.Put{Item: map[string]types.AttributeValue{
			attrPK: str(tenantPK(tid)), attrSK: str(npiSK(from.NPI)), attrType: str(typeNPI), "partnerId": str(into.ID)},
			ConditionExpression:       cond("attribute_not_exists(PK) OR partnerId = :a"),
			ExpressionAttributeValues: map[string]types.AttributeValue{":a": str(from.ID)}}})
	}
	for _, x := range from.MergedFrom { // merged into A before: now B's
		w = append(w, types.TransactWriteItem{Update: &types.Update{Key: key(tenantPK(tid), partnerSK(x)),
			UpdateExpression:          cond("SET mergedInto = :b ADD version :one"),
			ConditionExpression:       cond("attribute_exists(PK) AND mergedInto = :a"),
			ExpressionAttributeValues: map[string]types.AttributeValue{":a": str(from.ID), ":b": str(into.ID), ":one": num(1)}}})
	}
	numbers, err := s.outreachItems(ctx, tid, from.ID)
	if err != nil {
		return b, err
	}
	for _, item := range numbers {
		sk := getS(item, attrSK)
		var sets []string
		vals := map[string]types.AttributeValue{":t": str(getS(item, attrType))}
		names := map[string]string{"#t": attrType}
		for name, v := range item {
			n, ok := v.(*types.AttributeValueMemberN)
			isDay := len(name) == 5 && name[0] == 'd' && sk != partnerOutreachSK()
			if !ok || !(isDay || (name == "total" && sk == partnerOutreachSK())) {
				continue
			}
			ph := fmt.Sprintf("n%d", len(sets))
			sets = append(sets, "#"+ph+" :"+ph)
			vals[":"+ph], names["#"+ph] = n, name
		}
		if len(sets) == 0 {
			continue
		}
		slices.Sort(sets)
		w = append(w, types.TransactWriteItem{Update: &types.Update{Key: key(referralPK(tid, into.ID), sk),
			UpdateExpression:          cond("SET #t = :t ADD " + strings.Join(sets, ", ")),
			ExpressionAttributeNames:  names,
			ExpressionAttributeValues: vals}})
	}
	reasons, err := s.transact(ctx, w)
	if err == nil {
		return b, nil
	}
	if len(reasons) == len(w) {
		if reasonFailed(reasons[0]) {
			fresh, gerr := s.partnerConsistent(ctx, tid, into.ID)
			switch {
			case gerr != nil:
				return b, gerr
			case max(fresh.Version, 1) != vb:
				return b, ErrConflict
			}
			return b, errMergeRaced
		}
		if reasonFailed(reasons[1]) {
			fresh, gerr := s.partnerConsistent(ctx, tid, from.ID)
			if gerr != nil {
				return b, gerr
			}
			if err := CheckMerge(into, fresh); err != nil {
				return b, err
			}
			return b, errMergeRaced
		}
		for _, r := range reasons[2:] {
			if reasonFailed(r) {
				return b, errMergeRaced
			}
		}
	}
	return b, fmt.Errorf("merge: %w", err)
}

// outreachItems reads a partner's outreach numbers: its OUTREACH item and its DAILY#<yyyy> items.
func (s *Store) outreachItems(ctx context.Context, tid, pid string) ([]map[string]types.AttributeValue, error) {
	var out []map[string]types.AttributeValue
	if item, err := s.getConsistent(ctx, referralPK(tid, pid), partnerOutreachSK()); err == nil {
		out = append(out, item)
	} else if !IsNotFound(err) {
		return nil, err
	}
	in := &dynamodb.QueryInput{TableName: &s.Table, ConsistentRead: aws.Bool(true),
		KeyConditionExpression:    cond("PK = :pk AND begins_with(SK, :d)"),
		ExpressionAttributeValues: map[string]types.AttributeValue{":pk": str(referralPK(tid, pid)), ":d": str(dailyPrefix())}}
	days, err := queryAll(ctx, s.DB, in, func(item map[string]types.AttributeValue) (map[string]types.AttributeValue, error) { return item, nil }, 0)
	if err != nil {
		return nil, fmt.Errorf("merge: daily: %w", err)
	}
	return append(out, days...), nil
}

// finishMerge is step 2.
func (s *Store) finishMerge(ctx context.Context, tid string, into, from partner.Partner, refs []mergedRef) error {
	if err := s.moveReferrers(ctx, tid, into.ID, from.ID); err != nil {
		return err
	}
	if err := s.moveTouches(ctx, tid, into, from.ID); err != nil {
		return err
	}
	return s.resourceFacts(ctx, tid, into.ID, refs)
}

// moveReferrers re-homes the source's referrers to the target: their address marker's pid first,
// then their item (the step's commit: a retry finds only those not moved yet), then their sessions
// end, so their next sign-in refers for the target.
func (s *Store) moveReferrers(ctx context.Context, tid, intoID, fromID string) error {
	refs, err := s.ReferrersOf(ctx, tid, fromID)
	if err != nil {
		return err
	}
	for _, r := range refs {
		ek := ids.EmailKey(r.Email)
		_, err := s.DB.UpdateItem(ctx, &dynamodb.UpdateItemInput{TableName: &s.Table, Key: key(emailPK(ek), referrerMembershipSK(tid)),
			UpdateExpression: cond("SET pid = :b"), ConditionExpression: cond("attribute_exists(PK)"),
			ExpressionAttributeValues: map[string]types.AttributeValue{":b": str(intoID)}})
		if err != nil && !isConditionFailed(err) { // a referrer made before address markers has none
			return fmt.Errorf("merge: referrer marker: %w", err)
		}
		_, err = s.DB.UpdateItem(ctx, &dynamodb.UpdateItemInput{TableName: &s.Table, Key: key(tenantPK(tid), referrerSK(ek)),
			UpdateExpression:    cond("SET partnerId = :b, formerPartnerIds = list_append(if_not_exists(formerPartnerIds, :none), :a)"),
			ConditionExpression: cond("partnerId = :p"),
			ExpressionAttributeValues: map[string]types.AttributeValue{":b": str(intoID), ":p": str(fromID),
				":none": &types.AttributeValueMemberL{}, ":a": &types.AttributeValueMemberL{Value: []types.AttributeValue{str(fromID)}}}})
		if isConditionFailed(err) {
			continue
		}
		if err != nil {
			return fmt.Errorf("merge: referrer: %w", err)
		}
		if _, err := s.EndSessions(ctx, tid, ek); err != nil {
			return err
		}
	}
	return nil
}

// moveTouches moves the source's touches to the target's partition, each in one transaction with
// its log entry and its open follow-up's due entry; then notes the source's last touch on the
// target (only ever later).
func (s *Store) moveTouches(ctx context.Context, tid string, into partner.Partner, fromID string) error {
	touches, err := s.Touches(ctx, tid, fromID, 0)
	if err != nil {
		return err
	}
	last := ""
	for _, t := range touches {
		moved := t
		moved.PartnerID = into.ID
		w, err := s.touchItems(tid, moved, into.Name)
		if err != nil {
			return err
		}
		w[0].Put.ConditionExpression = nil // a retry may find it there
		w = append(w,
			types.TransactWriteItem{Delete: &types.Delete{TableName: &s.Table, Key: key(referralPK(tid, fromID), touchSK(t.ID))}},
			types.TransactWriteItem{Delete: &types.Delete{TableName: &s.Table, Key: key(touchLogPK(tid), touchLogSK(t.Date, fromID, t.ID))}})
		if t.Open() {
			w = append(w, types.TransactWriteItem{Delete: &types.Delete{TableName: &s.Table, Key: key(followUpPK(tid), followUpSK(t.FollowUp.Due, fromID, t.ID))}})
		}
		if _, err := s.DB.TransactWriteItems(ctx, &dynamodb.TransactWriteItemsInput{TransactItems: w}); err != nil {
			return fmt.Errorf("merge: touch: %w", err)
		}
		last = max(last, t.Date)
	}
	if last != "" {
		return s.noteTouch(ctx, tid, into.ID, last)
	}
	return nil
}

// resourceFacts points the metric facts of the merged referrals at the target (a fact not written
// yet is left to the notifier, which reads the merge on the partner) and leaves a change marker
// for each of their days, so the next rollup recounts the day with the target as the source.
func (s *Store) resourceFacts(ctx context.Context, tid, intoID string, refs []mergedRef) error {
	now := s.now()
	days := map[string]string{}
	for _, r := range refs {
		if r.id == "" || r.day == "" {
			continue
		}
		_, err := s.DB.UpdateItem(ctx, &dynamodb.UpdateItemInput{TableName: &s.Table, Key: key(factPK(tid, r.day), factSK(r.id)),
			UpdateExpression: cond("SET src = :b"), ConditionExpression: cond("attribute_exists(PK)"),
			ExpressionAttributeValues: map[string]types.AttributeValue{":b": str(intoID)}})
		if err != nil && !isConditionFailed(err) {
			return fmt.Errorf("merge: fact: %w", err)
		}
		days[r.day] = r.id
	}
	for _, day := range slices.Sorted(maps.Keys(days)) {
		marker := key(changePK(now), changeSK(now, tid, day, days[day]))
		marker[attrType] = str(typeChange)
		marker["tid"], marker["day"] = str(tid), str(day)
		marker[attrTTL] = ttl(now.Add(ChangeTTL))
		if _, err := s.DB.PutItem(ctx, &dynamodb.PutItemInput{TableName: &s.Table, Item: marker}); err != nil {
			return fmt.Errorf("merge: change: %w", err)
		}
	}
	return nil
}
