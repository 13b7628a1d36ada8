package notifier

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/aws/aws-lambda-go/events"

	"github.com/referloop/referloop/pkg/messages"
	"github.com/referloop/referloop/pkg/store"
)

// SendDigests sends each referrer one email listing a day's status changes of their referrals
// (queued by the messages projection for partners that chose a daily digest). Each digest goes
// through the outbox like every other message, so a rerun sends nothing twice; one that cannot be
// sent does not hold back the others. It returns how many it sent.
//
// day is a digest key (DigestKeyFor): the UTC hour in which the local days of its entries ended
// ("2026-12-02T05": New York's Dec 1). A plain date ("2026-12-01") is a UTC day queued before
// digests followed local days.
func (n *Notifier) SendDigests(ctx context.Context, day string) (int, error) {
	date, err := time.Parse(time.DateOnly, day)
	if err != nil {
		if _, herr := time.Parse(digestHour, day); herr != nil {
			return 0, fmt.Errorf("notifier: digest day %q: %w", day, err)
		}
		date = time.Time{} // each digest is dated with its practice's local day
	}
	entries, err := n.Store.Digest(ctx, day)
	if err != nil {
		return 0, err
	}
	// The entries come grouped by tenant and referrer (the sort key's order).
	type group struct {
		tid, ek string
		list    []store.DigestEntry
	}
	var groups []*group
	for _, e := range entries {
		if len(groups) == 0 || groups[len(groups)-1].tid != e.TenantID || groups[len(groups)-1].ek != e.EmailKey {
			groups = append(groups, &group{tid: e.TenantID, ek: e.EmailKey})
		}
		g := groups[len(groups)-1]
		g.list = append(g.list, e)
	}
	cache := n.lookups()
	sent := 0
	var failed error
	for _, g := range groups {
		m, err := n.digest(ctx, cache, g.tid, g.ek, date, g.list)
		if err == nil {
			var fresh bool
			_, fresh, err = n.deliver(ctx, g.tid, store.Notification{Key: store.DigestKey(day, g.ek), Kind: "digest", At: n.now()}, m)
			if fresh && err == nil {
				sent++
			}
		}
		if err != nil {
			failed = errors.Join(failed, fmt.Errorf("digest of %s: %w", day, err))
		}
	}
	return sent, failed
}

// digest is the digest email of one referrer.
func (n *Notifier) digest(ctx context.Context, cache *lookups, tid, ek string, date time.Time, list []store.DigestEntry) (message, error) {
	ref, err := n.Store.ReferrerByKey(ctx, tid, ek)
	if err != nil {
		return message{}, err
	}
	p, err := cache.practice(ctx, tid)
	if err != nil {
		return message{}, err
	}
	if date.IsZero() && len(list) > 0 {
		date = list[0].At.In(p.Location()) // the practice's local day the changes were made on
	}
	d := messages.Digest{Referrer: ref.Name, Practice: p.Name, Day: date}
	for _, e := range list {
		d.Items = append(d.Items, messages.DigestItem{Ref: e.Ref, Status: e.Status, Link: n.referrerLink(e.ReferralID, p.Slug)})
	}
	body, err := messages.Render(d)
	return message{kind: "digest", to: ref.Email, body: body}, err
}

// DigestTask is the input of the hourly digest schedule (template.yaml): send the digests of the
// practices whose local day ended in this hour or the one before (a late or retried run sends
// nothing twice: the outbox), so no change made late in a practice's day is left out, and each
// referrer hears after the practice's midnight, not UTC's.
const DigestTask = "digest"

// digestHour is the layout of a digest key.
const digestHour = "2006-01-02T15"

// DigestKeyFor is the key a change made at "at" by a practice in loc is queued under: the UTC hour,
// rounded up, of the local midnight that ends at's day (a zone 30 or 45 minutes off the hour ends
// its day within an hour whose run comes after it).
func DigestKeyFor(at time.Time, loc *time.Location) string {
	if loc == nil {
		loc = time.UTC
	}
	l := at.In(loc)
	end := time.Date(l.Year(), l.Month(), l.Day()+1, 0, 0, 0, 0, loc).UTC()
	if t := end.Truncate(time.Hour); t.Before(end) {
		end = t.Add(time.Hour)
	}
	return end.Format(digestHour)
}

// Invoke is the notifier function's entry point: a stream batch, or the daily digest schedule.
func (n *Notifier) Invoke(ctx context.Context, raw json.RawMessage) (any, error) {
	var probe struct {
		Records []json.RawMessage `json:"Records"`
		Task    string            `json:"task"`
		Day     string            `json:"day"`
	}
	if err := json.Unmarshal(raw, &probe); err != nil {
		return nil, fmt.Errorf("notifier: unreadable event: %w", err)
	}
	switch {
	case len(probe.Records) > 0:
		var ev events.DynamoDBEvent
		if err := json.Unmarshal(raw, &ev); err != nil {
			return nil, err
		}
		return n.Handle(ctx, ev)
	case probe.Task == DigestTask:
		keys := []string{probe.Day}
		if probe.Day == "" {
			hour := n.now().Truncate(time.Hour)
			keys = []string{hour.Add(-time.Hour).Format(digestHour), hour.Format(digestHour)}
		}
		total := 0
		var failed error
		for _, k := range keys {
			sent, err := n.SendDigests(ctx, k)
			total += sent
			failed = errors.Join(failed, err)
		}
		return map[string]int{"digests": total}, failed
	}
	return nil, fmt.Errorf("notifier: not a stream batch nor a digest task")
}
