package notifier

import (
	"context"
	"fmt"
	"time"

	"github.com/aws/aws-lambda-go/events"

	"github.com/referloop/referloop/pkg/partner"
	"github.com/referloop/referloop/pkg/practice"
	"github.com/referloop/referloop/pkg/referral"
	"github.com/referloop/referloop/pkg/store"
)

// change is one write of a referral as the stream reports it, decoded once, with what the
// projections need loaded once.
type change struct {
	event    string    // the stream record's id: the idempotency key of what it causes
	streamed time.Time // when the stream saw the write (zero if unknown)
	before   *referral.Referral
	after    referral.Referral
	practice practice.Practice
	partner  partner.Partner // a default one (an update per change) when the partner is gone
	code     string          // a new referral's patient status code
}

// created reports whether the write made the referral.
func (c *change) created() bool { return c.before == nil }

// codeResent reports whether staff asked for the patient's status code to be sent again.
func (c *change) codeResent() bool {
	return c.before != nil && c.after.CodeResends > c.before.CodeResends
}

// moved reports whether the write changed the referral's status.
func (c *change) moved() bool { return c.before != nil && c.before.Status != c.after.Status }

// rescheduled reports whether the write moved a scheduled referral's appointment (its time or
// place) and left it scheduled.
func (c *change) rescheduled() bool {
	if c.before == nil || c.before.Status != referral.Scheduled || c.after.Status != referral.Scheduled {
		return false
	}
	a, b := c.before.Appointment, c.after.Appointment
	return a != nil && b != nil && (!a.At.Equal(b.At) || a.Location != b.Location)
}

// decode reads a stream record into a change: nil for a record that is not a referral's write
// (a removal, another item), errPoison for one that can never be read.
func decode(rec events.DynamoDBEventRecord) (*change, error) {
	img := rec.Change.NewImage
	if rec.EventName == string(events.DynamoDBOperationTypeRemove) || img == nil {
		return nil, nil
	}
	if t, ok := img["type"]; !ok || t.DataType() != events.DataTypeString || t.String() != "referral" {
		return nil, nil
	}
	after, err := referralOf(img)
	if err != nil {
		return nil, err
	}
	c := &change{event: rec.EventID, after: after}
	if rec.Change.ApproximateCreationDateTime.Unix() > 0 {
		c.streamed = rec.Change.ApproximateCreationDateTime.UTC()
	}
	if rec.Change.OldImage != nil {
		before, err := referralOf(rec.Change.OldImage)
		if err != nil {
			return nil, fmt.Errorf("%w: the old image: %v", errPoison, err)
		}
		c.before = &before
	}
	return c, nil
}

func referralOf(img map[string]events.DynamoDBAttributeValue) (referral.Referral, error) {
	item, err := Item(img)
	if err != nil {
		return referral.Referral{}, fmt.Errorf("%w: %v", errPoison, err)
	}
	r, err := store.DecodeReferral(item)
	if err != nil || r.TenantID == "" || r.ULID == "" || r.CreatedAt.IsZero() || r.UpdatedAt.IsZero() || r.ContactBy.IsZero() {
		return r, fmt.Errorf("%w: not a referral", errPoison)
	}
	return r, nil
}

// load fills in what the projections need: the practice and the partner (from the batch's cache),
// and a new referral's patient code.
func (n *Notifier) load(ctx context.Context, c *change, cache *lookups) error {
	r := c.after
	p, err := cache.practice(ctx, r.TenantID)
	if store.IsNotFound(err) {
		return fmt.Errorf("%w: no practice %s", errPoison, r.TenantID)
	} else if err != nil {
		return err
	}
	c.practice = p
	if c.partner, err = cache.partner(ctx, r.TenantID, r.Partner.ID); err != nil {
		return err
	}
	if c.created() || c.codeResent() {
		if c.code, err = n.Signer.PatientCode(ctx, r.TenantID, r.ID); err != nil {
			return err
		}
	}
	return nil
}

// lookups caches the practice and partner reads of one batch (or one digest run).
type lookups struct {
	store     *store.Store
	practices map[string]practice.Practice
	partners  map[string]partner.Partner
}

func (n *Notifier) lookups() *lookups {
	return &lookups{store: n.Store, practices: map[string]practice.Practice{}, partners: map[string]partner.Partner{}}
}

func (l *lookups) practice(ctx context.Context, tid string) (practice.Practice, error) {
	if p, ok := l.practices[tid]; ok {
		return p, nil
	}
	p, err := l.store.Practice(ctx, tid)
	if err == nil {
		l.practices[tid] = p
	}
	return p, err
}

// partner reads a partner; one that is gone reads as a partner with the default preferences (an
// update per change), and is remembered so.
func (l *lookups) partner(ctx context.Context, tid, pid string) (partner.Partner, error) {
	if p, ok := l.partners[tid+"/"+pid]; ok {
		return p, nil
	}
	p, err := l.store.Partner(ctx, tid, pid)
	if store.IsNotFound(err) {
		p, err = partner.Partner{ID: pid, StatusUpdates: partner.UpdatesEach}, nil
	}
	if err == nil {
		l.partners[tid+"/"+pid] = p
	}
	return p, err
}
