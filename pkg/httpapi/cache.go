package httpapi

import (
	"context"
	"sync"
	"time"

	"github.com/referloop/referloop/pkg/practice"
)

// ContactByTTL is how long a warm function keeps what a submit needs of a practice (its contact-by
// hours, and when it was made, for its limits): a submit then needs no read of the practice (a
// change of the hours applies within a minute).
const ContactByTTL = time.Minute

// submitFacts is what a submit needs of its practice.
type submitFacts struct {
	hours   practice.ContactBy
	created time.Time      // the practice's creation: a new one gets lower limits
	country string         // where the patient's phone is read
	loc     *time.Location // the practice's time zone: a referral's day is its local day
}

type cachedHours struct {
	submitFacts
	until time.Time
}

type hoursCache struct {
	mu sync.Mutex
	m  map[string]cachedHours
}

// practiceFacts returns a practice's contact-by hours and creation time, from the container's
// cache when fresh.
func (d *Deps) practiceFacts(ctx context.Context, tid string) (submitFacts, error) {
	now := time.Now()
	d.hours.mu.Lock()
	c, ok := d.hours.m[tid]
	d.hours.mu.Unlock()
	if ok && now.Before(c.until) {
		return c.submitFacts, nil
	}
	p, err := d.Store.Practice(ctx, tid)
	if err != nil {
		return submitFacts{}, err
	}
	f := submitFacts{hours: p.ContactByHours, created: p.CreatedAt, country: p.CountryOrDefault(), loc: p.Location()}
	d.hours.mu.Lock()
	if d.hours.m == nil || len(d.hours.m) > 10000 {
		d.hours.m = map[string]cachedHours{}
	}
	d.hours.m[tid] = cachedHours{f, now.Add(ContactByTTL)}
	d.hours.mu.Unlock()
	return f, nil
}
