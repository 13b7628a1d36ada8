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
func (n *Notifier) SendDigests(ctx context.Context, day string) (int, error) {
	date, err := time.Parse(time.DateOnly, day)
	if err != nil {
		return 0, fmt.Errorf("notifier: digest day %q: %w", day, err)
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
	d := messages.Digest{Referrer: ref.Name, Practice: p.Name, Day: date}
	for _, e := range list {
		d.Items = append(d.Items, messages.DigestItem{Ref: e.Ref, Status: e.Status, Link: n.referrerLink(e.ReferralID, p.Slug)})
	}
	body, err := messages.Render(d)
	return message{kind: "digest", to: ref.Email, body: body}, err
}

// DigestTask is the input of the daily schedule (template.yaml): send yesterday's digests, the
// whole UTC day, so no change made late in a day is left out.
const DigestTask = "digest"

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
		day := probe.Day
		if day == "" {
			day = n.now().AddDate(0, 0, -1).Format(time.DateOnly)
		}
		sent, err := n.SendDigests(ctx, day)
		return map[string]int{"digests": sent}, err
	}
	return nil, fmt.Errorf("notifier: not a stream batch nor a digest task")
}
