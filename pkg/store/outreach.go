package store

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/referloop/referloop/pkg/outreach"
)

// Outreach: a partner's touches sit in its item collection (beside its referrals), each open
// follow-up has an entry in the tenant's due index (sorted by due day), each touch a small entry in
// the tenant's touch log (by day, for the per-channel attribution), and each partner keeps its
// referrals per day (one item per year) and its outreach numbers (referrals ever, last touch),
// kept by the stream consumer as referrals arrive. The practice's templates and automatic
// thank-you switches are one item.

// ErrDone is a follow-up that was already done.
var ErrDone = errors.New("follow-up already done")

// touchItems are the items of a new touch: the touch, its log entry and, when its follow-up is
// open, its due entry.
func (s *Store) touchItems(tid string, t outreach.Touch, partnerName string) ([]types.TransactWriteItem, error) {
	item, err := marshal(t, map[string]string{attrPK: referralPK(tid, t.PartnerID), attrSK: touchSK(t.ID), attrType: typeTouch})
	if err != nil {
		return nil, err
	}
	log := key(touchLogPK(tid), touchLogSK(t.Date, t.PartnerID, t.ID))
	log[attrType] = str(typeTouchLog)
	log["partnerId"], log["channel"], log["who"], log["date"], log["id"] = str(t.PartnerID), str(t.Channel), str(t.Who), str(t.Date), str(t.ID)
	items := []types.TransactWriteItem{
		{Put: &types.Put{TableName: &s.Table, Item: item, ConditionExpression: cond("attribute_not_exists(PK)")}},
		{Put: &types.Put{TableName: &s.Table, Item: log}},
	}
	if t.Open() {
		items = append(items, types.TransactWriteItem{Put: &types.Put{TableName: &s.Table, Item: dueItem(tid, t, partnerName)}})
	}
	return items, nil
}

func dueItem(tid string, t outreach.Touch, partnerName string) map[string]types.AttributeValue {
	item := key(followUpPK(tid), followUpSK(t.FollowUp.Due, t.PartnerID, t.ID))
	item[attrType] = str(typeFollowUp)
	item["touchId"], item["partnerId"], item["due"], item["owner"] = str(t.ID), str(t.PartnerID), str(t.FollowUp.Due), str(t.FollowUp.Owner)
	item["channel"], item["touchDate"], item["summary"] = str(t.Channel), str(t.Date), str(outreach.Short(t.Summary, 140))
	if partnerName != "" {
		item["partnerName"] = str(partnerName)
	}
	return item
}

// CreateTouch stores a new touch of a partner, with its due entry (carrying the partner's name for
// the due list) and log entry, in one transaction; then notes it as the partner's last touch.
// ErrExists when a touch with its id is there already (an automatic touch logged before).
func (s *Store) CreateTouch(ctx context.Context, tid string, t outreach.Touch, partnerName string) error {
	items, err := s.touchItems(tid, t, partnerName)
	if err != nil {
		return err
	}
	_, err = s.DB.TransactWriteItems(ctx, &dynamodb.TransactWriteItemsInput{TransactItems: items})
	if reasons := cancelled(err); len(reasons) > 0 && aws.ToString(reasons[0].Code) == "ConditionalCheckFailed" {
		return ErrExists
	}
	if err != nil {
		return fmt.Errorf("touch: %w", err)
	}
	return s.noteTouch(ctx, tid, t.PartnerID, t.Date)
}

// noteTouch keeps the partner's last touch day (only ever later).
func (s *Store) noteTouch(ctx context.Context, tid, pid, day string) error {
	_, err := s.DB.UpdateItem(ctx, &dynamodb.UpdateItemInput{TableName: &s.Table, Key: key(referralPK(tid, pid), partnerOutreachSK()),
		UpdateExpression:          cond("SET lastTouch = :d, #t = :t"),
		ConditionExpression:       cond("attribute_not_exists(lastTouch) OR lastTouch < :d"),
		ExpressionAttributeNames:  map[string]string{"#t": attrType},
		ExpressionAttributeValues: map[string]types.AttributeValue{":d": str(day), ":t": str(typePartnerOutreach)}})
	if isConditionFailed(err) {
		return nil
	}
	return err
}

// Touches lists a partner's touches, newest day first (at most limit).
func (s *Store) Touches(ctx context.Context, tid, pid string, limit int) ([]outreach.Touch, error) {
	in := &dynamodb.QueryInput{TableName: &s.Table, KeyConditionExpression: cond("PK = :pk AND begins_with(SK, :p)"),
		ExpressionAttributeValues: map[string]types.AttributeValue{":pk": str(referralPK(tid, pid)), ":p": str(touchPrefix())},
		ScanIndexForward:          aws.Bool(false)}
	list, err := queryAll(ctx, s.DB, in, decodeAs[outreach.Touch], limit)
	if err != nil {
		return nil, fmt.Errorf("touches: %w", err)
	}
	return list, nil
}

// Touch reads one touch of a partner.
func (s *Store) Touch(ctx context.Context, tid, pid, id string) (outreach.Touch, error) {
	var t outreach.Touch
	item, err := s.get(ctx, referralPK(tid, pid), touchSK(id))
	if err != nil {
		return t, err
	}
	return t, unmarshal(item, &t)
}

// CompleteFollowUp marks a touch's follow-up done (by, at) and takes it off the due list, in one
// transaction. ErrNotFound: no such touch, or none with a follow-up; ErrDone: already done.
func (s *Store) CompleteFollowUp(ctx context.Context, tid, pid, id, by string, at time.Time) (outreach.Touch, error) {
	t, err := s.Touch(ctx, tid, pid, id)
	if err != nil {
		return t, err
	}
	if t.FollowUp == nil {
		return t, ErrNotFound
	}
	if t.FollowUp.DoneAt != nil {
		return t, ErrDone
	}
	at = at.UTC()
	_, err = s.DB.TransactWriteItems(ctx, &dynamodb.TransactWriteItemsInput{TransactItems: []types.TransactWriteItem{
		{Update: &types.Update{TableName: &s.Table, Key: key(referralPK(tid, pid), touchSK(id)),
			UpdateExpression:    cond("SET followUp.doneAt = :at, followUp.doneBy = :by"),
			ConditionExpression: cond("attribute_exists(followUp) AND attribute_not_exists(followUp.doneAt)"),
			ExpressionAttributeValues: map[string]types.AttributeValue{":at": str(at.Format(time.RFC3339Nano)),
				":by": str(by)}}},
		{Delete: &types.Delete{TableName: &s.Table, Key: key(followUpPK(tid), followUpSK(t.FollowUp.Due, pid, id))}},
	}})
	if reasons := cancelled(err); len(reasons) > 0 && aws.ToString(reasons[0].Code) == "ConditionalCheckFailed" {
		return t, ErrDone
	}
	if err != nil {
		return t, fmt.Errorf("follow-up: %w", err)
	}
	t.FollowUp.DoneAt, t.FollowUp.DoneBy = &at, by
	return t, nil
}

// DueUntil lists a tenant's open follow-ups due on or before the day until (oldest first): one
// Query of the due index, whose size is the open follow-ups, not the touches or the referrals.
func (s *Store) DueUntil(ctx context.Context, tid, until string, limit int) ([]outreach.Due, error) {
	in := &dynamodb.QueryInput{TableName: &s.Table, KeyConditionExpression: cond("PK = :pk AND SK <= :hi"),
		ExpressionAttributeValues: map[string]types.AttributeValue{":pk": str(followUpPK(tid)), ":hi": str(until + "#~")}}
	list, err := queryAll(ctx, s.DB, in, decodeAs[outreach.Due], limit)
	if err != nil {
		return nil, fmt.Errorf("due list: %w", err)
	}
	return list, nil
}

// TouchLog lists a tenant's touches of the days from..to (their log entries: partner, channel,
// who, day), at most limit, newest first.
func (s *Store) TouchLog(ctx context.Context, tid, from, to string, limit int) ([]outreach.Touch, error) {
	in := &dynamodb.QueryInput{TableName: &s.Table, KeyConditionExpression: cond("PK = :pk AND SK BETWEEN :lo AND :hi"),
		ExpressionAttributeValues: map[string]types.AttributeValue{":pk": str(touchLogPK(tid)), ":lo": str(from + "#"), ":hi": str(to + "#~")},
		ScanIndexForward:          aws.Bool(false)}
	list, err := queryAll(ctx, s.DB, in, decodeAs[outreach.Touch], limit)
	if err != nil {
		return nil, fmt.Errorf("touch log: %w", err)
	}
	return list, nil
}

// PartnerOutreach is a partner's outreach numbers and referrals per day.
type PartnerOutreach struct {
	Total     int
	LastTouch string
	Daily     outreach.Daily
}

// OutreachOf reads a partner's numbers and its referrals per day of the given years: one GetItem
// per year and one for the numbers, whatever the number of referrals.
func (s *Store) OutreachOf(ctx context.Context, tid, pid string, years ...int) (PartnerOutreach, error) {
	po := PartnerOutreach{Daily: outreach.Daily{}}
	item, err := s.get(ctx, referralPK(tid, pid), partnerOutreachSK())
	if err != nil && !IsNotFound(err) {
		return po, err
	}
	po.Total, po.LastTouch = int(getN(item, "total")), getS(item, "lastTouch")
	for _, y := range years {
		item, err := s.get(ctx, referralPK(tid, pid), dailySK(y))
		if IsNotFound(err) {
			continue
		}
		if err != nil {
			return po, err
		}
		for name, v := range item {
			n, ok := v.(*types.AttributeValueMemberN)
			if !ok || len(name) != 5 || name[0] != 'd' {
				continue
			}
			c, _ := strconv.Atoi(n.Value)
			if c > 0 {
				po.Daily[fmt.Sprintf("%04d-%s-%s", y, name[1:3], name[3:5])] = c
			}
		}
	}
	return po, nil
}

// OutreachOfMany reads OutreachOf for each partner, 16 at a time.
func (s *Store) OutreachOfMany(ctx context.Context, tid string, pids []string, years ...int) (map[string]PartnerOutreach, error) {
	out := make(map[string]PartnerOutreach, len(pids))
	var mu sync.Mutex
	var first error
	sem := make(chan struct{}, 16)
	var wg sync.WaitGroup
	for _, pid := range pids {
		wg.Add(1)
		sem <- struct{}{}
		go func(pid string) {
			defer func() { <-sem; wg.Done() }()
			po, err := s.OutreachOf(ctx, tid, pid, years...)
			mu.Lock()
			defer mu.Unlock()
			if err != nil && first == nil {
				first = err
			}
			out[pid] = po
		}(pid)
	}
	wg.Wait()
	return out, first
}

// CountReferral counts a new referral (ulid) of partner pid on its day, once: a marker of the
// referral put only if absent, the day's count and the partner's total, in one transaction. first
// says whether it is the partner's first referral: decided once, the first time the referral is
// counted (isFirst is asked then), and kept on the marker, so a redelivery gets the same answer.
func (s *Store) CountReferral(ctx context.Context, tid, pid, ulid string, at time.Time, isFirst func() (bool, error)) (first bool, err error) {
	mark, err := s.get(ctx, referralPK(tid, pid), dailyMarkSK(ulid))
	if err == nil {
		return getN(mark, "first") == 1, nil
	}
	if !IsNotFound(err) {
		return false, err
	}
	if first, err = isFirst(); err != nil {
		return false, err
	}
	at = at.UTC()
	f := int64(0)
	if first {
		f = 1
	}
	marker := key(referralPK(tid, pid), dailyMarkSK(ulid))
	marker[attrType], marker["first"], marker[attrTTL] = str(typeDailyMark), num(f), ttl(at.Add(400*24*time.Hour))
	day := "d" + at.Format("0102")
	_, err = s.DB.TransactWriteItems(ctx, &dynamodb.TransactWriteItemsInput{TransactItems: []types.TransactWriteItem{
		{Put: &types.Put{TableName: &s.Table, Item: marker, ConditionExpression: cond("attribute_not_exists(PK)")}},
		{Update: &types.Update{TableName: &s.Table, Key: key(referralPK(tid, pid), dailySK(at.Year())),
			UpdateExpression:          cond("ADD #d :one SET #t = :t"),
			ExpressionAttributeNames:  map[string]string{"#d": day, "#t": attrType},
			ExpressionAttributeValues: map[string]types.AttributeValue{":one": num(1), ":t": str(typeDaily)}}},
		{Update: &types.Update{TableName: &s.Table, Key: key(referralPK(tid, pid), partnerOutreachSK()),
			UpdateExpression:          cond("ADD #n :one SET #t = :t"),
			ExpressionAttributeNames:  map[string]string{"#n": "total", "#t": attrType},
			ExpressionAttributeValues: map[string]types.AttributeValue{":one": num(1), ":t": str(typePartnerOutreach)}}},
	}})
	if reasons := cancelled(err); len(reasons) > 0 {
		if aws.ToString(reasons[0].Code) == "ConditionalCheckFailed" {
			// Counted by a concurrent delivery of the same record: its decision stands.
			mark, err := s.getConsistent(ctx, referralPK(tid, pid), dailyMarkSK(ulid))
			return getN(mark, "first") == 1, err
		}
	}
	if err != nil {
		return false, fmt.Errorf("count referral: %w", err)
	}
	return first, nil
}

// OnlyReferral reports whether the referral ulid is its partner's only referral: one Query of the
// partner's referral keys, at most two.
func (s *Store) OnlyReferral(ctx context.Context, tid, pid, ulid string) (bool, error) {
	out, err := s.DB.Query(ctx, &dynamodb.QueryInput{TableName: &s.Table, KeyConditionExpression: cond("PK = :pk AND begins_with(SK, :r)"),
		ExpressionAttributeValues: map[string]types.AttributeValue{":pk": str(referralPK(tid, pid)), ":r": str(referralPrefix())},
		ProjectionExpression:      aws.String("SK"), Limit: aws.Int32(2), ConsistentRead: aws.Bool(true)})
	if err != nil {
		return false, fmt.Errorf("referrals of partner: %w", err)
	}
	return len(out.Items) == 1 && strings.HasSuffix(getS(out.Items[0], attrSK), "#"+ulid), nil
}

func (s *Store) getConsistent(ctx context.Context, pk, sk string) (map[string]types.AttributeValue, error) {
	out, err := s.DB.GetItem(ctx, &dynamodb.GetItemInput{TableName: &s.Table, Key: key(pk, sk), ConsistentRead: aws.Bool(true)})
	if err != nil {
		return nil, fmt.Errorf("get %s: %w", typeOf(pk), err)
	}
	if len(out.Item) == 0 {
		return nil, ErrNotFound
	}
	return out.Item, nil
}

// OutreachSettings reads a practice's templates and automatic thank-you switches (defaults when
// it never changed them).
func (s *Store) OutreachSettings(ctx context.Context, tid string) (outreach.Settings, error) {
	st := outreach.Settings{Bodies: map[string]string{}, Updated: map[string]time.Time{}}
	item, err := s.get(ctx, tenantPK(tid), outreachSettingsSK())
	if IsNotFound(err) {
		return st, nil
	}
	if err != nil {
		return st, err
	}
	for _, k := range outreach.TemplateKinds {
		if b := getS(item, "b_"+k); b != "" {
			st.Bodies[k] = b
			if u, err := time.Parse(time.RFC3339Nano, getS(item, "u_"+k)); err == nil {
				st.Updated[k] = u
			}
		}
	}
	st.AutoFirst = getBool(item, "autoFirstReferral")
	st.AutoSeen = getBool(item, "autoSeen")
	return st, nil
}

func getBool(item map[string]types.AttributeValue, name string) bool {
	v, ok := item[name].(*types.AttributeValueMemberBOOL)
	return ok && v.Value
}

// PutTemplate stores a practice's words for a template kind; an empty body goes back to the default.
func (s *Store) PutTemplate(ctx context.Context, tid, kind, body string, at time.Time) error {
	in := &dynamodb.UpdateItemInput{TableName: &s.Table, Key: key(tenantPK(tid), outreachSettingsSK()),
		ExpressionAttributeNames: map[string]string{"#b": "b_" + kind, "#u": "u_" + kind, "#t": attrType}}
	if body == "" {
		in.UpdateExpression = cond("SET #t = :t REMOVE #b, #u")
		in.ExpressionAttributeValues = map[string]types.AttributeValue{":t": str(typeOutreachSettings)}
	} else {
		in.UpdateExpression = cond("SET #b = :b, #u = :u, #t = :t")
		in.ExpressionAttributeValues = map[string]types.AttributeValue{":b": str(body), ":u": str(at.UTC().Format(time.RFC3339Nano)),
			":t": str(typeOutreachSettings)}
	}
	_, err := s.DB.UpdateItem(ctx, in)
	return err
}

// PutAutoThanks sets the practice's automatic thank-you switches.
func (s *Store) PutAutoThanks(ctx context.Context, tid string, first, seen bool) error {
	_, err := s.DB.UpdateItem(ctx, &dynamodb.UpdateItemInput{TableName: &s.Table, Key: key(tenantPK(tid), outreachSettingsSK()),
		UpdateExpression:         cond("SET autoFirstReferral = :f, autoSeen = :s, #t = :t"),
		ExpressionAttributeNames: map[string]string{"#t": attrType},
		ExpressionAttributeValues: map[string]types.AttributeValue{":f": &types.AttributeValueMemberBOOL{Value: first},
			":s": &types.AttributeValueMemberBOOL{Value: seen}, ":t": str(typeOutreachSettings)}})
	return err
}
