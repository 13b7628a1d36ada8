package rollup

import (
	"context"
	"math/rand"
	"strings"
	"testing"
	"time"

	"github.com/referloop/referloop/infra/dynamotest"
	"github.com/referloop/referloop/pkg/ids"
	"github.com/referloop/referloop/pkg/metrics"
	"github.com/referloop/referloop/pkg/practice"
	"github.com/referloop/referloop/pkg/store"
)

// The answers the rollup keeps ready are for the windows the portal asks for, which end on the
// practice's own day: at 05:00 UTC on 1 December it is still 30 November in Los Angeles, and in
// Auckland already the afternoon of 1 December. Each practice's views are for its own day, and
// none for the other calendar.
func TestViewsEndOnThePracticesDay(t *testing.T) {
	db, table := dynamotest.NewTable(t)
	s := store.New(db, table)
	ctx := context.Background()
	now := time.Date(2026, 12, 1, 5, 0, 0, 0, time.UTC)
	cases := []struct {
		zone  string
		today string // the practice's day at now
	}{
		{"America/Los_Angeles", "2026-11-30"},
		{"Pacific/Auckland", "2026-12-01"},
		{"", "2026-12-01"}, // no zone set: UTC
	}
	tids := make([]string, len(cases))
	for i, c := range cases {
		tid := ids.Short("t_")
		tids[i] = tid
		hash := ids.Hash(ids.Token(32))
		if err := s.PutLink(ctx, hash, store.Link{Purpose: store.LinkSignup, Email: "o@" + strings.ToLower(tid) + ".example", ExpiresAt: time.Now().Add(time.Minute)}); err != nil {
			t.Fatal(err)
		}
		p := practice.Practice{ID: tid, Version: 1, Profile: practice.Profile{Name: "Zone " + tid, Slug: "zone-" + strings.ToLower(tid),
			ContactByHours: practice.DefaultContactBy, TimeZone: c.zone}}
		if err := s.CreatePractice(ctx, hash, p, store.User{Email: "o@" + strings.ToLower(tid) + ".example", Role: practice.RoleOwner}); err != nil {
			t.Fatal(err)
		}
		src := source{tid, ids.Short("p_"), "pcp"}
		if err := s.CreatePartner(ctx, tid, partnerOf(src)); err != nil {
			t.Fatal(err)
		}
		r, ts, at := history(rand.New(rand.NewSource(int64(i+1))), src)
		r = replay(r, ts, at, len(ts))
		if _, _, err := s.CreateReferral(ctx, r); err != nil {
			t.Fatal(err)
		}
		if err := s.PutFact(ctx, metrics.FactOf(r, "provider"), now.Add(-time.Hour)); err != nil {
			t.Fatal(err)
		}
	}
	runner := &Runner{Store: s, Now: func() time.Time { return now }, Lag: time.Second, FirstRun: 48 * time.Hour}
	if _, err := runner.Run(ctx); err != nil {
		t.Fatal(err)
	}
	for i, c := range cases {
		day, _ := time.Parse(time.DateOnly, c.today)
		h, err := s.HealthOf(ctx, tids[i], true)
		if err != nil {
			t.Fatal(err)
		}
		if want := metrics.HealthWindow(day); h.Window != want {
			t.Errorf("%s: health window %v, want %v", c.zone, h.Window, want)
		}
		local := map[string]bool{}
		for _, st := range metrics.Standards(day.Add(12 * time.Hour)) {
			k := st.Window.Key(st.GroupBy)
			local[k] = true
			if _, gen, err := s.StoredAnswer(ctx, tids[i], k); err != nil || gen != h.Gen {
				t.Errorf("%s: the answer for %s: generation %d (health %d), %v", c.zone, k, gen, h.Gen, err)
			}
		}
		others := 0
		for _, st := range metrics.Standards(now) {
			if k := st.Window.Key(st.GroupBy); !local[k] {
				others++
				if _, _, err := s.StoredAnswer(ctx, tids[i], k); !store.IsNotFound(err) {
					t.Errorf("%s: an answer for the UTC day's window %s: %v", c.zone, k, err)
				}
			}
		}
		if (others == 0) != (c.today == now.Format(time.DateOnly)) {
			t.Errorf("%s: %d UTC windows differ from the practice's", c.zone, others)
		}
	}
}
