package rollup

import (
	"context"
	"fmt"
	"math"
	"math/rand"
	"reflect"
	"sort"
	"testing"
	"time"

	"github.com/referloop/referloop/infra/dynamotest"
	"github.com/referloop/referloop/pkg/ids"
	"github.com/referloop/referloop/pkg/metrics"
	"github.com/referloop/referloop/pkg/partner"
	"github.com/referloop/referloop/pkg/practice"
	"github.com/referloop/referloop/pkg/referral"
	"github.com/referloop/referloop/pkg/store"
)

var base = time.Date(2026, 9, 25, 8, 0, 0, 0, time.UTC) // spans a month and ISO week boundary

type source struct{ tenant, id, kind string }

// history makes a referral and a random walk of transitions, some days or weeks later.
func history(rng *rand.Rand, s source) (referral.Referral, []referral.Transition, []time.Time) {
	created := base.Add(time.Duration(rng.Intn(40*24*60)) * time.Minute)
	sub := referral.Submission{Patient: referral.Patient{FirstName: "A", LastName: "B", DateOfBirth: "1990-01-01", Phone: "+1 555 0100",
		ConsentToContact: true}, Reason: "x", Urgency: []string{referral.Routine, referral.Soon, referral.Urgent}[rng.Intn(3)],
		FormMillis: int64(20000 + rng.Intn(200000))}
	r := referral.New(s.tenant, referral.PartnerRef{ID: s.id}, "r_1", referral.Person{}, ids.NewULID(created), sub, created, practice.DefaultContactBy)
	var ts []referral.Transition
	var at []time.Time
	cur := r
	when := created
	for steps := rng.Intn(9); steps > 0; steps-- {
		allowed := cur.Allowed()
		if len(allowed) == 0 {
			break
		}
		to := allowed[rng.Intn(len(allowed))]
		when = when.Add(time.Duration(30+rng.Intn(5*24*60)) * time.Minute) // up to 5 days: crosses days, weeks, months
		if to == referral.Seen && cur.Appointment != nil && when.Before(cur.Appointment.At) {
			when = cur.Appointment.At.Add(time.Duration(rng.Intn(180)) * time.Minute) // seen at the appointment, not before
		}
		t := referral.Transition{To: to}
		switch to {
		case referral.Declined:
			t.Reason = referral.DeclineReasons[rng.Intn(5)]
		case referral.NeedsInfo:
			t.Note = "q"
		case referral.Contacted:
			t.Contact = &referral.Contact{Outcome: referral.ContactOutcomes[rng.Intn(4)], Channel: "phone"}
		case referral.Scheduled:
			t.Appointment = &referral.Appointment{At: when.Add(time.Duration(1+rng.Intn(200)) * time.Hour), Location: "here"}
		}
		if err := cur.Apply(t, referral.Actor{}, when); err != nil {
			panic(err)
		}
		if to == referral.NeedsInfo {
			_ = cur.ApplyAnswer(referral.Answer{Answer: "a"}, referral.Actor{}, when.Add(time.Hour))
			when = when.Add(time.Hour)
			t.Note = "answered"
		}
		ts = append(ts, t)
		at = append(at, when)
	}
	return r, ts, at
}

// replay applies transitions [0, n) to a fresh referral.
func replay(r referral.Referral, ts []referral.Transition, at []time.Time, n int) referral.Referral {
	for i := 0; i < n; i++ {
		t := ts[i]
		answered := t.Note == "answered"
		if answered {
			t.Note = "q"
		}
		if err := r.Apply(t, referral.Actor{}, at[i]); err != nil {
			panic(err)
		}
		if answered {
			_ = r.ApplyAnswer(referral.Answer{Answer: "a"}, referral.Actor{}, at[i])
		}
	}
	return r
}

// bruteForce computes the expected buckets straight from the timelines, without facts, with what
// is due judged at asOf.
func bruteForce(refs []referral.Referral, kinds map[string]string, period func(time.Time) string, asOf time.Time) map[string]map[string]metrics.Bucket {
	out := map[string]map[string]metrics.Bucket{}
	times := map[string][]time.Time{} // period|group → receipts
	add := func(p, g string, fn func(*metrics.Bucket)) {
		if out[p] == nil {
			out[p] = map[string]metrics.Bucket{}
		}
		b := out[p][g]
		fn(&b)
		out[p][g] = b
	}
	for _, r := range refs {
		p := r.TenantID + "|" + period(r.CreatedAt)
		var firstContact, firstSched, firstSeen *time.Time
		var lastAppt *time.Time
		var visit *time.Time
		accepted, declined, closed, cancelled, unreachable, noShows := false, "", false, false, false, 0
		endedBeforeDeadline := false // declined or cancelled by the contact-by time
		for _, e := range r.Timeline {
			if (e.To == referral.Declined || e.To == referral.Cancelled) && !e.At.After(r.ContactBy) {
				endedBeforeDeadline = true
			}
			e := e
			switch e.To {
			case referral.Accepted:
				if e.From == referral.Received {
					accepted = true
				}
			case referral.Declined:
				declined = e.Reason
			case referral.Contacted:
				if firstContact == nil {
					firstContact = &e.At
				}
			case referral.Scheduled:
				if firstSched == nil {
					firstSched = &e.At
				}
				lastAppt = &e.Appointment.At
			case referral.Seen:
				if firstSeen == nil {
					firstSeen = &e.At
					visit = lastAppt
				}
			case referral.NoShow:
				noShows++
			case referral.Closed:
				closed = true
			case referral.Cancelled:
				cancelled = true
			case referral.Unreachable:
				unreachable = true
			}
		}
		mins := func(t *time.Time) float64 { return math.Round(t.Sub(r.CreatedAt).Minutes()) }
		// Due: the contact-by time passed, contacted or not (not when nobody was to call: ended
		// before it without a contact); overdue: due, nobody reached, still waiting.
		due := !r.ContactBy.After(asOf) && (firstContact != nil || !endedBeforeDeadline)
		waiting := r.Status == referral.Received || r.Status == referral.NeedsInfo || r.Status == referral.Accepted
		dueOnTime := due && firstContact != nil && !firstContact.After(r.ContactBy)
		overdue := due && firstContact == nil && waiting
		for _, g := range []string{"all", "src#" + r.Partner.ID, "kind#" + partner.SourceKind(kinds[r.Partner.ID])} {
			add(p, g, func(b *metrics.Bucket) {
				b.Received++
				if due {
					b.Due++
				}
				if dueOnTime {
					b.DueOnTime++
				}
				if overdue {
					b.Overdue++
				}
				times[p+"|"+g] = append(times[p+"|"+g], r.CreatedAt)
				b.FormSeconds.Add(math.Round(float64(r.FormMillis) / 1000))
				if accepted {
					b.Accepted++
				}
				if declined != "" {
					b.Declined++
					if b.DeclinedBy == nil {
						b.DeclinedBy = map[string]int{}
					}
					b.DeclinedBy[declined]++
				}
				if firstContact != nil {
					b.Contacted++
					b.ToContact.Add(mins(firstContact))
					if !firstContact.After(r.ContactBy) {
						b.ContactedOnTime++
					}
				}
				if firstSched != nil {
					b.Scheduled++
					b.ToSchedule.Add(mins(firstSched))
				}
				if firstSeen != nil {
					b.Seen++
					b.ToVisit.Add(mins(visit))
				}
				b.NoShow += noShows
				if closed {
					b.Closed++
				}
				if cancelled {
					b.Cancelled++
				}
				if unreachable {
					b.Unreachable++
				}
			})
		}
	}
	for p, groups := range out {
		for g, b := range groups {
			// The rhythm: the first and last receipt and the gaps between consecutive ones.
			at := times[p+"|"+g]
			sort.Slice(at, func(i, j int) bool { return at[i].Before(at[j]) })
			b.FirstAt, b.LastAt = at[0].Unix(), at[len(at)-1].Unix()
			for i := 1; i < len(at); i++ {
				b.Gaps.Add(float64(at[i].Unix() - at[i-1].Unix()))
			}
			out[p][g] = b
		}
	}
	return out
}

func stored(t *testing.T, s *store.Store, tenants []string, gran string) map[string]map[string]metrics.Bucket {
	out := map[string]map[string]metrics.Bucket{}
	for _, tid := range tenants {
		list, err := s.Buckets(context.Background(), tid, gran, "0", "9", true)
		if err != nil {
			t.Fatal(err)
		}
		for _, b := range list {
			p := tid + "|" + b.Period
			if out[p] == nil {
				out[p] = map[string]metrics.Bucket{}
			}
			bb := b.Bucket
			bb.Normalize()
			out[p][b.Group] = bb
		}
	}
	return out
}

func compare(t *testing.T, label string, got, want map[string]map[string]metrics.Bucket) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("%s: %d periods, want %d", label, len(got), len(want))
	}
	for p, groups := range want {
		for g, w := range groups {
			if gb := got[p][g]; !gb.Equal(w) {
				t.Fatalf("%s %s %s:\n got  %+v\n want %+v", label, p, g, gb, w)
			}
			if !reflect.DeepEqual(metrics.Summarize(got[p][g]), metrics.Summarize(w)) {
				t.Fatalf("%s %s %s: summaries differ", label, p, g)
			}
		}
		if len(got[p]) != len(groups) {
			t.Fatalf("%s %s: %d groups, want %d", label, p, len(got[p]), len(groups))
		}
	}
}

func snapshot(t *testing.T, s *store.Store, tenants []string) string {
	var out []string
	for _, g := range []string{"day", "week", "month"} {
		for _, tid := range tenants {
			list, _ := s.Buckets(context.Background(), tid, g, "0", "9", true)
			for _, b := range list {
				out = append(out, fmt.Sprintf("%s|%s|%s|%v", tid, g, b.Period+b.Group, b.Bucket))
			}
		}
	}
	sort.Strings(out)
	return fmt.Sprint(out)
}

func TestRollupMatchesBruteForceAndIsIdempotent(t *testing.T) {
	db, table := dynamotest.NewTable(t)
	s := store.New(db, table)
	ctx := context.Background()
	rng := rand.New(rand.NewSource(time.Now().UnixNano()))
	seed := rng.Int63()
	rng = rand.New(rand.NewSource(seed))
	t.Logf("seed %d", seed)

	tenants := []string{ids.Short("t_"), ids.Short("t_")}
	var sources []source
	kinds := map[string]string{}
	for _, tid := range tenants {
		for i := 0; i < 3; i++ {
			src := source{tid, ids.Short("p_"), []string{"pcp", "patient", "chiropractor"}[i]}
			kinds[src.id] = src.kind
			sources = append(sources, src)
		}
	}
	clock := base.Add(60 * 24 * time.Hour)
	runner := &Runner{Store: s, Now: func() time.Time { return clock }, Lag: time.Second, Overlap: 5 * time.Second, FirstRun: time.Hour}

	type hist struct {
		r  referral.Referral
		ts []referral.Transition
		at []time.Time
	}
	var hs []hist
	for i := 0; i < 80; i++ {
		src := sources[rng.Intn(len(sources))]
		r, ts, at := history(rng, src)
		hs = append(hs, hist{r, ts, at})
	}
	write := func(refs []referral.Referral) {
		for _, r := range refs {
			if err := s.PutFact(ctx, metrics.FactOf(r, partner.SourceKind(kinds[r.Partner.ID])), clock); err != nil {
				t.Fatal(err)
			}
			clock = clock.Add(time.Millisecond)
		}
	}
	check := func(label string, refs []referral.Referral) {
		asOf := clock.Add(-runner.Lag) // the last run's upper bound
		for gran, period := range map[string]func(time.Time) string{"day": metrics.DayOf, "week": metrics.Week, "month": metrics.Month} {
			compare(t, label+" "+gran, stored(t, s, tenants, gran), bruteForce(refs, kinds, period, asOf))
		}
	}

	// Phase 1: each referral with the first half of its history.
	var phase1 []referral.Referral
	for _, h := range hs {
		phase1 = append(phase1, replay(h.r, h.ts, h.at, len(h.ts)/2))
	}
	write(phase1)
	clock = clock.Add(time.Minute)
	if _, err := runner.Run(ctx); err != nil {
		t.Fatal(err)
	}
	check("phase 1", phase1)

	// Phase 2: late transitions land on old cohorts; only half the referrals change.
	var final, changed []referral.Referral
	for i, h := range hs {
		r := replay(h.r, h.ts, h.at, len(h.ts))
		final = append(final, r)
		if len(h.ts) != len(h.ts)/2 || i%7 == 0 {
			changed = append(changed, r)
		}
	}
	clock = clock.Add(20 * time.Minute)
	write(changed)
	clock = clock.Add(time.Minute)
	res, err := runner.Run(ctx)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("run 2: %+v", res)
	if res.Changes != len(changed) {
		t.Fatalf("the incremental run read %d changes, want %d", res.Changes, len(changed))
	}
	check("phase 2", final)

	// The same run twice, and a run that crashes halfway then reruns, leave identical items.
	before := snapshot(t, s, tenants)
	wm, _ := s.Watermark(ctx)
	rewind := func() {
		cur, _ := s.Watermark(ctx)
		if err := s.SetWatermark(ctx, cur, wm.Add(-30*time.Minute)); err != nil {
			t.Fatal(err)
		}
	}
	rewind()
	if _, err := runner.Run(ctx); err != nil {
		t.Fatal(err)
	}
	if after := snapshot(t, s, tenants); after != before {
		t.Fatal("running the same changes twice changed the buckets")
	}
	rewind()
	crashing := *runner
	crashing.crashAfter = res.Days / 2
	crashing.Workers = 1
	if _, err := crashing.Run(ctx); err != errCrash {
		t.Fatalf("crash run: %v", err)
	}
	if _, err := runner.Run(ctx); err != nil {
		t.Fatal(err)
	}
	if after := snapshot(t, s, tenants); after != before {
		t.Fatal("a run interrupted halfway and rerun gave different buckets")
	}

	// A full rebuild from the referrals gives the same numbers too.
	for _, r := range final {
		if _, _, err := s.CreateReferral(ctx, r); err != nil {
			t.Fatal(err)
		}
	}
	for _, src := range sources {
		_ = s.CreatePartner(ctx, src.tenant, partnerOf(src))
	}
	s.Scanner = db
	if _, err := runner.Rebuild(ctx, 4); err != nil {
		t.Fatal(err)
	}
	check("rebuild", final)

	// Phase 3: referrals received minutes ago, not due yet; some contacted at once. Nobody writes
	// anything when their contact-by passes, yet the next run counts the others overdue (the
	// markers PutFact left at their deadlines) and compliance counts them against the practice.
	var fresh []referral.Referral
	for i := 0; i < 12; i++ {
		src := sources[rng.Intn(len(sources))]
		created := clock.Add(-time.Duration(10+rng.Intn(50)) * time.Minute)
		sub := referral.Submission{Patient: referral.Patient{FirstName: "A", LastName: "B", DateOfBirth: "1990-01-01", Phone: "+1 555 0100",
			ConsentToContact: true}, Reason: "x", Urgency: []string{referral.Routine, referral.Urgent}[rng.Intn(2)], FormMillis: 30000}
		r := referral.New(src.tenant, referral.PartnerRef{ID: src.id}, "r_1", referral.Person{}, ids.NewULID(created), sub, created, practice.DefaultContactBy)
		if i%3 == 0 {
			if err := r.Apply(referral.Transition{To: referral.Accepted}, referral.Actor{}, clock.Add(-2*time.Minute)); err != nil {
				t.Fatal(err)
			}
			if err := r.Apply(referral.Transition{To: referral.Contacted, Contact: &referral.Contact{Outcome: referral.ContactOutcomes[0], Channel: "phone"}},
				referral.Actor{}, clock.Add(-time.Minute)); err != nil {
				t.Fatal(err)
			}
		}
		fresh = append(fresh, r)
	}
	all := append(append([]referral.Referral(nil), final...), fresh...)
	write(fresh)
	clock = clock.Add(time.Minute)
	if _, err := runner.Run(ctx); err != nil {
		t.Fatal(err)
	}
	check("phase 3, not due yet", all)
	overdue := func() (n int) {
		for _, groups := range stored(t, s, tenants, "day") {
			n += groups["all"].Overdue
		}
		return n
	}
	before3 := overdue()
	clock = clock.Add(3 * 24 * time.Hour) // every fresh deadline (24 or 48 hours) passes; nothing is written
	if _, err := runner.Run(ctx); err != nil {
		t.Fatal(err)
	}
	check("phase 3, deadlines passed", all)
	if got, want := overdue()-before3, 8; got != want {
		t.Fatalf("after their deadlines passed, %d more referrals overdue, want %d (the fresh ones nobody called)", got, want)
	}
}

func partnerOf(s source) partner.Partner { return partner.Partner{ID: s.id, Name: s.id, Kind: s.kind} }

// Counters deployed over existing referrals start from zero: the first run that sees a tenant
// change repairs its counter from its referrals, after which the queue is read from the counter.
func TestRunRepairsCountersOnce(t *testing.T) {
	db, table := dynamotest.NewTable(t)
	s := store.New(db, table)
	ctx := context.Background()
	now := time.Now().UTC()
	tid := ids.Short("t_")
	src := source{tid, ids.Short("p_"), "pcp"}
	if err := s.CreatePartner(ctx, tid, partnerOf(src)); err != nil {
		t.Fatal(err)
	}
	want := map[referral.Status]int{}
	rng := rand.New(rand.NewSource(1))
	for i := 0; i < 12; i++ {
		r, ts, at := history(rng, src)
		r = replay(r, ts, at, len(ts))
		if _, _, err := s.CreateReferral(ctx, r); err != nil {
			t.Fatal(err)
		}
		want[r.Status]++
		if err := s.PutFact(ctx, metrics.FactOf(r, "provider"), now); err != nil {
			t.Fatal(err)
		}
	}
	if ok, _ := s.CountersRepaired(ctx, tid); ok {
		t.Fatal("repaired before any run")
	}
	runner := &Runner{Store: s, Now: func() time.Time { return now.Add(time.Minute) }, Lag: time.Second, FirstRun: time.Hour}
	if _, err := runner.Run(ctx); err != nil {
		t.Fatal(err)
	}
	if ok, _ := s.CountersRepaired(ctx, tid); !ok {
		t.Fatal("the run did not repair the tenant's counters")
	}
	q, err := s.QueueCounts(ctx, tid, now)
	if err != nil {
		t.Fatal(err)
	}
	for _, st := range referral.QueueStatuses() {
		if q.Counts[st] != want[st] {
			t.Errorf("%s: %d, want %d", st, q.Counts[st], want[st])
		}
	}
}
