package httpapi

import (
	"context"
	"sync"
	"time"

	"github.com/referloop/referloop/pkg/practice"
)

// ContactByTTL is how long a warm function keeps a practice's contact-by hours: a submit then needs
// no read of the practice (a change of the hours applies within a minute).
const ContactByTTL = time.Minute

type cachedHours struct {
	hours practice.ContactBy
	until time.Time
}

type hoursCache struct {
	mu sync.Mutex
	m  map[string]cachedHours
}

// contactBy returns a practice's contact-by hours, from the container's cache when fresh.
func (d *Deps) contactBy(ctx context.Context, tid string) (practice.ContactBy, error) {
	now := time.Now()
	d.hours.mu.Lock()
	c, ok := d.hours.m[tid]
	d.hours.mu.Unlock()
	if ok && now.Before(c.until) {
		return c.hours, nil
	}
	p, err := d.Store.Practice(ctx, tid)
	if err != nil {
		return practice.ContactBy{}, err
	}
	d.hours.mu.Lock()
	if d.hours.m == nil || len(d.hours.m) > 10000 {
		d.hours.m = map[string]cachedHours{}
	}
	d.hours.m[tid] = cachedHours{p.ContactByHours, now.Add(ContactByTTL)}
	d.hours.mu.Unlock()
	return p.ContactByHours, nil
}
