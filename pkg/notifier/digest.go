package notifier

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/aws/aws-lambda-go/events"

	"github.com/referloop/referloop/pkg/ids"
	"github.com/referloop/referloop/pkg/notify"
	"github.com/referloop/referloop/pkg/referral"
	"github.com/referloop/referloop/pkg/store"
)

// queueDigest keeps a status update for a partner that asked for a daily digest.
func (n *Notifier) queueDigest(ctx context.Context, r referral.Referral) error {
	return n.Store.QueueDigest(ctx, n.now().Format(time.DateOnly), store.DigestEntry{TenantID: r.TenantID,
		EmailKey: ids.EmailKey(r.Referrer.Email), ReferralID: r.ID, Ref: r.Ref(), Status: r.Status, At: n.now()}, r.Version)
}

// SendDigests sends each referrer one email listing the day's status changes of their referrals.
// A digest is claimed in the outbox before it is sent, so a rerun sends nothing twice.
func (n *Notifier) SendDigests(ctx context.Context, day string) (int, error) {
	entries, err := n.Store.Digest(ctx, day)
	if err != nil {
		return 0, err
	}
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
	sent := 0
	for _, g := range groups {
		key := "digest#" + day + "#" + g.ek
		fresh, err := n.Store.ClaimNotification(ctx, g.tid, store.Notification{Key: key, Kind: "digest", At: n.now()})
		if err != nil {
			return sent, err
		}
		if !fresh {
			continue
		}
		ref, err := n.Store.ReferrerByKey(ctx, g.tid, g.ek)
		if err != nil {
			return sent, err
		}
		p, err := n.Store.Practice(ctx, g.tid)
		if err != nil {
			return sent, err
		}
		var b strings.Builder
		fmt.Fprintf(&b, "Hello %s,\n\nToday's changes to the referrals you sent %s:\n\n", ref.Name, p.Name)
		for _, e := range g.list {
			fmt.Fprintf(&b, "  %s is now %s: %s/referrals/%s?practice=%s\n", e.Ref, statusWords(e.Status), n.Origin, e.ReferralID, p.Slug)
		}
		b.WriteString("\nYou get one email a day because your office chose a daily digest.\n")
		if err := n.Mailer.Send(ctx, notify.Message{To: ref.Email, Subject: fmt.Sprintf("%s: %d referral update(s) today", p.Name, len(g.list)), Text: b.String()}); err != nil {
			_ = n.Store.FinishNotification(ctx, g.tid, key, store.NoteFailed, "send failed")
			return sent, err
		}
		if err := n.Store.FinishNotification(ctx, g.tid, key, store.NoteSent, ""); err != nil {
			return sent, err
		}
		sent++
	}
	return sent, nil
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
