package store_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/referloop/referloop/pkg/store"
)

// TestTakeStopsAtTheLimit: a quota counts up to its limit and no further, even under a parallel
// flood (the update is conditional), refuses with the seconds to its period's end, gives a count
// back, and starts again in the next period.
func TestTakeStopsAtTheLimit(t *testing.T) {
	s := newStore(t)
	ctx := context.Background()
	at := time.Date(2026, 11, 30, 23, 0, 0, 0, time.UTC)
	s.Now = func() time.Time { return at }
	q := store.Quota{Scope: "test", Key: store.QuotaKey("t_1", "k"), Limit: 5, Per: store.Day}
	var mu sync.Mutex
	taken := 0
	var wg sync.WaitGroup
	for i := 0; i < 20; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			ok, _, err := s.Take(ctx, q)
			if err != nil {
				t.Error(err)
			}
			if ok {
				mu.Lock()
				taken++
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	if taken != 5 {
		t.Fatalf("20 parallel takes of a quota of 5: %d taken", taken)
	}
	if ok, retry, err := s.Take(ctx, q); ok || err != nil || retry != 3601 {
		t.Fatalf("a full day's quota at 23:00: %v, retry %d, %v", ok, retry, err)
	}
	if err := s.Give(ctx, q); err != nil {
		t.Fatal(err)
	}
	if ok, _, _ := s.Take(ctx, q); !ok {
		t.Fatal("a count given back is not taken again")
	}
	at = at.Add(2 * time.Hour) // the next day
	if ok, _, _ := s.Take(ctx, q); !ok {
		t.Fatal("the next day's quota is full")
	}
	// A month's quota ends with the month; a zero limit allows nothing.
	m := store.Quota{Scope: "test-month", Key: "all", Limit: 1, Per: store.Month}
	_, _, _ = s.Take(ctx, m)
	if ok, retry, _ := s.Take(ctx, m); ok || retry != int((31*24-1)*time.Hour/time.Second)+1 {
		t.Fatalf("a full month's quota on Dec 1, 01:00: %v, retry %d", ok, retry)
	}
	if ok, _, _ := s.Take(ctx, store.Quota{Scope: "none", Key: "x", Limit: 0, Per: store.Day}); ok {
		t.Fatal("a zero quota allowed one")
	}
}
