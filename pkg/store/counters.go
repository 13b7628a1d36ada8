package store

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/referloop/referloop/pkg/metrics"
	"github.com/referloop/referloop/pkg/referral"
)

// Counters: what GET /v1/queue and a referrer's scorecard show, kept as counts the stream consumer
// adds to, so each reads one item whatever the tenant's volume.
//
// The tenant's counter item (T#<t>#QUEUE / COUNTS) holds:
//   - n_<status>: the referrals in each status of the work queue (referral.QueueStatuses);
//   - d<slot>: the referrals awaiting first contact whose contact-by time falls in that quarter hour
//     (slot = unix seconds / 900), for slots after "folded";
//   - overdue: the referrals awaiting first contact whose slot is at or before "folded";
//   - rev: how many changes it has taken (the guard of a repair or a fold);
//   - repaired: when RepairCounters last set it from the referrals themselves. Until a tenant's
//     counter has been repaired once (deployed over existing referrals, counts start from zero),
//     QueueCounts answers with the COUNT queries it used before; the rollup repairs the counter of
//     every tenant it sees change that has not been repaired, and the rebuild repairs them all.
//
// Overdue depends on time passing, not only on writes: a referral becomes overdue with no write at
// all. The item therefore counts awaiting referrals by the quarter hour of their deadline, and a
// reader adds up the slots that have ended: the overdue count is exact as of the start of the
// current quarter hour (QueueCounts.AsOf), from the one item, with no sweep needed for correctness.
// The rollup's fold (FoldCounters) only moves ended slots into "overdue", which keeps the item
// small: its slots span at most the practice's longest contact-by time (14 days: ≤ 1,345 slots)
// however many referrals wait, and a few dozen at the default 48 hours.
//
// A change is counted once: its delta is written in one transaction with a marker of the referral
// version it comes from (V#<ULID>#v<version>, put only if absent), so a redelivered record finds the
// marker and adds nothing. Deltas are computed from the stream's before and after images, so they
// commute: records of one referral arriving out of order still sum to its last state. The marker
// lives CountedTTL, far beyond the stream's 24-hour retention.

// QueueSlot is the resolution of the overdue count.
const QueueSlot = 15 * time.Minute

// CountedTTL is how long the marker of a counted version is kept.
const CountedTTL = 14 * 24 * time.Hour

// slotOf is the quarter hour holding t.
func slotOf(t time.Time) int64 {
	s := t.Unix()
	q := int64(QueueSlot / time.Second)
	if s < 0 {
		return (s - q + 1) / q
	}
	return s / q
}

func statusAttr(st referral.Status) string { return "n_" + string(st) }
func slotAttr(slot int64) string           { return "d" + strconv.FormatInt(slot, 10) }

// binAttr names a referrer's time-to-contact bin on their stats item.
func binAttr(b metrics.Bin) string {
	switch {
	case b.Zero:
		return "cz"
	case b.Negative:
		return "cn" + strconv.Itoa(b.Index)
	}
	return "c" + strconv.Itoa(b.Index)
}

// contribution is what one referral adds to the counters in its state.
type contribution struct {
	queued   referral.Status // "" when not in the work queue
	awaiting bool
	slot     int64
	// As its referrer sees it (consent-filtered).
	seen, open bool
	contact    *metrics.Bin // time to first contact, once contacted
}

func contributionOf(r referral.Referral) contribution {
	c := contribution{awaiting: r.Status.AwaitingContact(), slot: slotOf(r.ContactBy)}
	for _, st := range referral.QueueStatuses() {
		if st == r.Status {
			c.queued = st
		}
	}
	v := r.ForReferrer()
	c.seen = v.Status == referral.Seen || v.Status == referral.Closed && r.Patient.ConsentToShareOutcomes
	c.open = v.Status.Open()
	if f := metrics.FactOf(r, ""); f.FirstContact != nil {
		b := metrics.BinOf(f.FirstContact.Sub(f.Received).Round(time.Minute).Minutes())
		c.contact = &b
	}
	return c
}

func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}

// CounterDelta is what one write of a referral changes in the counters, and the version that
// guards it.
type CounterDelta struct {
	Tenant, ULID string
	Version      int
	Status       map[referral.Status]int
	// Due moves the referral in or out of the awaiting-contact count of its deadline's Slot.
	Slot int64
	Due  int
	// The referrer's own numbers.
	Partner, Referrer string
	Sent, Seen, Open  int
	Contact           map[metrics.Bin]int
}

// DeltaOf is what the write from before (nil: the referral's creation) to after changes.
func DeltaOf(before *referral.Referral, after referral.Referral) CounterDelta {
	d := CounterDelta{Tenant: after.TenantID, ULID: after.ULID, Version: after.Version, Status: map[referral.Status]int{},
		Partner: after.Partner.ID, Referrer: after.ReferrerID, Contact: map[metrics.Bin]int{}}
	add := func(c contribution, sign int) {
		if c.queued != "" {
			d.Status[c.queued] += sign
		}
		if c.awaiting {
			d.Slot = c.slot
			d.Due += sign
		}
		d.Seen += sign * b2i(c.seen)
		d.Open += sign * b2i(c.open)
		if c.contact != nil {
			d.Contact[*c.contact] += sign
		}
	}
	a := contributionOf(after)
	d.Slot = a.slot
	add(a, 1)
	if before != nil {
		add(contributionOf(*before), -1)
	} else {
		d.Sent = 1
	}
	for st, n := range d.Status {
		if n == 0 {
			delete(d.Status, st)
		}
	}
	for b, n := range d.Contact {
		if n == 0 {
			delete(d.Contact, b)
		}
	}
	return d
}

func (d CounterDelta) statsEmpty() bool {
	return d.Sent == 0 && d.Seen == 0 && d.Open == 0 && len(d.Contact) == 0
}

// Empty reports whether the write changes no counter.
func (d CounterDelta) Empty() bool { return len(d.Status) == 0 && d.Due == 0 && d.statsEmpty() }

// ApplyCounters adds a delta once: in one transaction with the marker of its version, which a
// redelivery finds (then nothing is added). now decides which side of the fold the delta's slot
// probably is on; a wrong guess costs one more try.
func (s *Store) ApplyCounters(ctx context.Context, d CounterDelta, now time.Time) error {
	if d.Empty() {
		return nil
	}
	marker := key(counterPK(d.Tenant), countedSK(d.ULID, d.Version))
	marker[attrType] = str(typeCounted)
	marker[attrTTL] = ttl(now.Add(CountedTTL))
	folded := d.Due != 0 && !time.Unix((d.Slot+1)*int64(QueueSlot/time.Second), 0).After(now.Add(-time.Hour))
	for try := 0; try < 6; try++ {
		// The counter item takes every change (its rev at least), so a repair sees every change land.
		items := []types.TransactWriteItem{{Put: &types.Put{TableName: &s.Table, Item: marker,
			ConditionExpression: cond("attribute_not_exists(PK)")}}, {Update: s.queueUpdate(d, folded)}}
		if !d.statsEmpty() {
			items = append(items, types.TransactWriteItem{Update: s.statsUpdate(d)})
		}
		_, err := s.DB.TransactWriteItems(ctx, &dynamodb.TransactWriteItemsInput{TransactItems: items})
		if err == nil {
			return nil
		}
		reasons := cancelled(err)
		if reasons == nil {
			return fmt.Errorf("counters: %w", err)
		}
		switch {
		case aws.ToString(reasons[0].Code) == "ConditionalCheckFailed":
			return nil // this version was counted already
		case aws.ToString(reasons[1].Code) == "ConditionalCheckFailed":
			folded = !folded // the slot is on the other side of the fold
		default: // a concurrent transaction on the same item: try again shortly
			if err := sleep(ctx, time.Duration(10<<try)*time.Millisecond); err != nil {
				return err
			}
		}
	}
	return errors.New("counters: could not apply the change")
}

func (s *Store) queueUpdate(d CounterDelta, folded bool) *types.Update {
	names := map[string]string{"#t": attrType}
	vals := map[string]types.AttributeValue{":t": str(typeCounter), ":one": num(1)}
	adds := []string{"rev :one"}
	i := 0
	for st, n := range d.Status {
		names[fmt.Sprintf("#s%d", i)] = statusAttr(st)
		vals[fmt.Sprintf(":s%d", i)] = num(int64(n))
		adds = append(adds, fmt.Sprintf("#s%d :s%d", i, i))
		i++
	}
	u := &types.Update{TableName: &s.Table, Key: key(counterPK(d.Tenant), counterSK())}
	if d.Due != 0 {
		vals[":due"], vals[":slot"] = num(int64(d.Due)), num(d.Slot)
		if folded {
			adds = append(adds, "overdue :due")
			u.ConditionExpression = cond("folded >= :slot")
		} else {
			names["#d"] = slotAttr(d.Slot)
			adds = append(adds, "#d :due")
			u.ConditionExpression = cond("attribute_not_exists(folded) OR folded < :slot")
		}
	}
	u.UpdateExpression = cond("SET #t = :t ADD " + strings.Join(adds, ", "))
	u.ExpressionAttributeNames, u.ExpressionAttributeValues = names, vals
	return u
}

func (s *Store) statsUpdate(d CounterDelta) *types.Update {
	names := map[string]string{"#t": attrType}
	vals := map[string]types.AttributeValue{":t": str(typeStats)}
	var adds []string
	for name, n := range map[string]int{"sent": d.Sent, "seen": d.Seen, "open": d.Open} {
		if n != 0 {
			names["#"+name], vals[":"+name] = name, num(int64(n))
			adds = append(adds, "#"+name+" :"+name)
		}
	}
	i := 0
	for b, n := range d.Contact {
		names[fmt.Sprintf("#c%d", i)] = binAttr(b)
		vals[fmt.Sprintf(":c%d", i)] = num(int64(n))
		adds = append(adds, fmt.Sprintf("#c%d :c%d", i, i))
		i++
	}
	return &types.Update{TableName: &s.Table, Key: key(referralPK(d.Tenant, d.Partner), statsSK(d.Referrer)),
		UpdateExpression: cond("SET #t = :t ADD " + strings.Join(adds, ", ")), ExpressionAttributeNames: names,
		ExpressionAttributeValues: vals}
}

// QueueCounts is the work queue's counts as of AsOf: the start of the current quarter hour for
// overdue (a referral whose deadline passed since is counted at the next quarter hour); the
// statuses are as of the last change the stream consumer applied.
type QueueCounts struct {
	Counts  map[referral.Status]int
	Overdue int
	AsOf    time.Time
}

type counterItem struct {
	exists   bool
	repaired bool
	rev      int64
	folded   int64
	overdue  int64
	status   map[referral.Status]int64
	due      map[int64]int64
}

func (s *Store) counter(ctx context.Context, tid string, consistent bool) (counterItem, error) {
	out, err := s.DB.GetItem(ctx, &dynamodb.GetItemInput{TableName: &s.Table, Key: key(counterPK(tid), counterSK()),
		ConsistentRead: aws.Bool(consistent)})
	if err != nil {
		return counterItem{}, fmt.Errorf("queue counts: %w", err)
	}
	c := counterItem{exists: len(out.Item) > 0, status: map[referral.Status]int64{}, due: map[int64]int64{}, folded: -1}
	for name, v := range out.Item {
		n, ok := v.(*types.AttributeValueMemberN)
		if !ok {
			continue
		}
		x, _ := strconv.ParseInt(n.Value, 10, 64)
		switch {
		case name == "repaired":
			c.repaired = true
		case name == "rev":
			c.rev = x
		case name == "folded":
			c.folded = x
		case name == "overdue":
			c.overdue = x
		case strings.HasPrefix(name, "n_"):
			c.status[referral.Status(name[2:])] = x
		case strings.HasPrefix(name, "d"):
			if slot, err := strconv.ParseInt(name[1:], 10, 64); err == nil {
				c.due[slot] = x
			}
		}
	}
	return c, nil
}

// QueueCounts reads a tenant's work queue counts: one GetItem (until its counter has been repaired
// once, the COUNT queries of before).
func (s *Store) QueueCounts(ctx context.Context, tid string, now time.Time) (QueueCounts, error) {
	c, err := s.counter(ctx, tid, false)
	if err != nil {
		return QueueCounts{}, err
	}
	if !c.repaired {
		counts, overdue, err := s.countQueue(ctx, tid, now)
		return QueueCounts{Counts: counts, Overdue: overdue, AsOf: now.UTC()}, err
	}
	cur := slotOf(now)
	q := QueueCounts{Counts: map[referral.Status]int{}, AsOf: time.Unix(cur*int64(QueueSlot/time.Second), 0).UTC()}
	for _, st := range referral.QueueStatuses() {
		q.Counts[st] = int(max(0, c.status[st])) // a count can dip below 0 while records arrive out of order
	}
	overdue := c.overdue
	for slot, n := range c.due {
		if slot < cur {
			overdue += n
		}
	}
	q.Overdue = int(max(0, overdue))
	return q, nil
}

// CountersRepaired reports whether a tenant's counter has been set from its referrals at least once.
func (s *Store) CountersRepaired(ctx context.Context, tid string) (bool, error) {
	c, err := s.counter(ctx, tid, true)
	return c.repaired, err
}

// FoldCounters moves the ended slots of a tenant's counter into its overdue count (the rollup runs
// it for the tenants it saw change), so the item keeps only the slots still to come. It changes no
// count; it gives up (for the next run) when changes keep landing between its read and its write.
func (s *Store) FoldCounters(ctx context.Context, tid string, now time.Time) error {
	upto := slotOf(now) - 1
	for try := 0; try < 3; try++ {
		c, err := s.counter(ctx, tid, true)
		if err != nil || !c.exists {
			return err
		}
		var sum int64
		var remove []string
		names := map[string]string{}
		for slot, n := range c.due {
			if slot <= upto {
				sum += n
				names[fmt.Sprintf("#d%d", len(remove))] = slotAttr(slot)
				remove = append(remove, fmt.Sprintf("#d%d", len(remove)))
			}
		}
		if len(remove) == 0 && c.folded >= upto {
			return nil
		}
		expr := "SET folded = :upto ADD overdue :sum, rev :one"
		if len(remove) > 0 {
			expr += " REMOVE " + strings.Join(remove, ", ")
		}
		in := &dynamodb.UpdateItemInput{TableName: &s.Table, Key: key(counterPK(tid), counterSK()),
			UpdateExpression: cond(expr), ConditionExpression: cond("rev = :rev"),
			ExpressionAttributeValues: map[string]types.AttributeValue{":upto": num(max(upto, c.folded)), ":sum": num(sum),
				":one": num(1), ":rev": num(c.rev)}}
		if len(names) > 0 {
			in.ExpressionAttributeNames = names
		}
		_, err = s.DB.UpdateItem(ctx, in)
		if !isConditionFailed(err) {
			return err
		}
	}
	return nil
}

// ReferrerStats is a referrer's own numbers, as they may see them: referrals sent, patients seen
// (where they consented to share outcomes), referrals still open, and the times to first contact.
type ReferrerStats struct {
	Sent, Seen, Open int
	ToContact        metrics.Sketch // minutes
}

// ReferrerStatsOf reads a referrer's numbers: one GetItem.
func (s *Store) ReferrerStatsOf(ctx context.Context, tid, pid, rid string) (ReferrerStats, error) {
	out, err := s.DB.GetItem(ctx, &dynamodb.GetItemInput{TableName: &s.Table, Key: key(referralPK(tid, pid), statsSK(rid))})
	if err != nil {
		return ReferrerStats{}, fmt.Errorf("referrer stats: %w", err)
	}
	var st ReferrerStats
	for name, v := range out.Item {
		n, ok := v.(*types.AttributeValueMemberN)
		if !ok {
			continue
		}
		x, _ := strconv.ParseInt(n.Value, 10, 64)
		switch {
		case name == "sent":
			st.Sent = int(x)
		case name == "seen":
			st.Seen = int(x)
		case name == "open":
			st.Open = int(x)
		case name == "cz":
			st.ToContact.AddBin(metrics.Bin{Zero: true}, uint64(max(0, x)))
		case strings.HasPrefix(name, "cn"):
			if i, err := strconv.Atoi(name[2:]); err == nil {
				st.ToContact.AddBin(metrics.Bin{Negative: true, Index: i}, uint64(max(0, x)))
			}
		case strings.HasPrefix(name, "c"):
			if i, err := strconv.Atoi(name[1:]); err == nil {
				st.ToContact.AddBin(metrics.Bin{Index: i}, uint64(max(0, x)))
			}
		}
	}
	return st, nil
}

// TenantReferrals reads every referral of a tenant's partners, consistently (a repair's read, never
// a request path's): one paginated Query per partner partition.
func (s *Store) TenantReferrals(ctx context.Context, tid string, partnerIDs []string) ([]referral.Referral, error) {
	var out []referral.Referral
	for _, pid := range partnerIDs {
		in := &dynamodb.QueryInput{TableName: &s.Table, ConsistentRead: aws.Bool(true),
			KeyConditionExpression: cond("PK = :pk AND begins_with(SK, :r)"),
			ExpressionAttributeValues: map[string]types.AttributeValue{":pk": str(referralPK(tid, pid)),
				":r": str(referralPrefix())}}
		list, err := queryAll(ctx, s.DB, in, DecodeReferral, 0)
		if err != nil {
			return nil, fmt.Errorf("tenant referrals: %w", err)
		}
		out = append(out, list...)
	}
	return out, nil
}

// RecentWindow is how far back (by updatedAt) a repair marks referral versions as counted: every
// stream record still pending is younger than the stream's 24-hour retention.
const RecentWindow = 48 * time.Hour

// RepairCounters sets a tenant's counters from its referrals themselves (the rebuild runs it; it
// also initializes the counters of referrals written before they existed). It reads the counter's
// rev, then the referrals (consistently, through load), marks every version of the referrals
// changed in the last RecentWindow as counted (so a record still in the stream adds nothing to what
// the repair counted), writes each referrer's numbers, and puts the counter only if its rev has not
// moved meanwhile; if it has, a change landed during the repair, and it starts again.
func (s *Store) RepairCounters(ctx context.Context, tid string, load func(context.Context) ([]referral.Referral, error), now time.Time) error {
	for try := 0; try < 5; try++ {
		c, err := s.counter(ctx, tid, true)
		if err != nil {
			return err
		}
		refs, err := load(ctx)
		if err != nil {
			return err
		}
		upto := slotOf(now) - 1
		item := key(counterPK(tid), counterSK())
		item[attrType] = str(typeCounter)
		item["rev"] = num(c.rev + 1)
		item["folded"] = num(upto)
		item["repaired"] = num(now.Unix())
		var overdue int64
		status := map[referral.Status]int64{}
		due := map[int64]int64{}
		type who struct{ pid, rid string }
		stats := map[who]*CounterDelta{}
		var reqs []types.WriteRequest
		for _, r := range refs {
			d := DeltaOf(nil, r)
			for st, n := range d.Status {
				status[st] += int64(n)
			}
			if d.Due != 0 {
				if d.Slot <= upto {
					overdue += int64(d.Due)
				} else {
					due[d.Slot] += int64(d.Due)
				}
			}
			w := who{r.Partner.ID, r.ReferrerID}
			if stats[w] == nil {
				stats[w] = &CounterDelta{Tenant: tid, Partner: w.pid, Referrer: w.rid, Contact: map[metrics.Bin]int{}}
			}
			st := stats[w]
			st.Sent, st.Seen, st.Open = st.Sent+d.Sent, st.Seen+d.Seen, st.Open+d.Open
			for b, n := range d.Contact {
				st.Contact[b] += n
			}
			if r.UpdatedAt.After(now.Add(-RecentWindow)) {
				for v := 1; v <= r.Version; v++ {
					m := key(counterPK(tid), countedSK(r.ULID, v))
					m[attrType] = str(typeCounted)
					m[attrTTL] = ttl(now.Add(CountedTTL))
					reqs = append(reqs, types.WriteRequest{PutRequest: &types.PutRequest{Item: m}})
				}
			}
		}
		for st, n := range status {
			item[statusAttr(st)] = num(n)
		}
		for slot, n := range due {
			item[slotAttr(slot)] = num(n)
		}
		item["overdue"] = num(overdue)
		for _, st := range stats {
			si := key(referralPK(tid, st.Partner), statsSK(st.Referrer))
			si[attrType] = str(typeStats)
			si["sent"], si["seen"], si["open"] = num(int64(st.Sent)), num(int64(st.Seen)), num(int64(st.Open))
			for b, n := range st.Contact {
				si[binAttr(b)] = num(int64(n))
			}
			reqs = append(reqs, types.WriteRequest{PutRequest: &types.PutRequest{Item: si}})
		}
		if err := s.batchWrite(ctx, reqs); err != nil {
			return fmt.Errorf("repair counters: %w", err)
		}
		in := &dynamodb.PutItemInput{TableName: &s.Table, Item: item, ConditionExpression: cond("attribute_not_exists(PK)")}
		if c.exists {
			in.ConditionExpression = cond("rev = :rev")
			in.ExpressionAttributeValues = map[string]types.AttributeValue{":rev": num(c.rev)}
		}
		_, err = s.DB.PutItem(ctx, in)
		if !isConditionFailed(err) {
			return err
		}
	}
	return errors.New("repair counters: changes kept landing; run it again")
}
