package notifier_test

import (
	"context"
	"math/rand"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/referloop/referloop/pkg/ids"
	"github.com/referloop/referloop/pkg/metrics"
	"github.com/referloop/referloop/pkg/practice"
	"github.com/referloop/referloop/pkg/referral"
	"github.com/referloop/referloop/pkg/rollup"
	"github.com/referloop/referloop/pkg/store"
)

// want is the brute-force count of the counters from the referrals' last states.
type want struct {
	counts  map[referral.Status]int
	overdue int
	stats   map[string]store.ReferrerStats // referrer id → numbers
}

func bruteCounts(refs map[string]referral.Referral, now time.Time) want {
	w := want{counts: map[referral.Status]int{}, stats: map[string]store.ReferrerStats{}}
	asOf := now.Truncate(store.QueueSlot)
	for _, st := range referral.QueueStatuses() {
		w.counts[st] = 0
	}
	for _, r := range refs {
		if _, ok := w.counts[r.Status]; ok {
			w.counts[r.Status]++
		}
		if r.Status.AwaitingContact() && r.ContactBy.Before(asOf) {
			w.overdue++
		}
		st := w.stats[r.ReferrerID]
		st.Sent++
		v := r.ForReferrer()
		if v.Status == referral.Seen || v.Status == referral.Closed && r.Patient.ConsentToShareOutcomes {
			st.Seen++
		}
		if v.Status.Open() {
			st.Open++
		}
		if f := metrics.FactOf(r, ""); f.FirstContact != nil {
			st.ToContact.Add(f.FirstContact.Sub(f.Received).Round(time.Minute).Minutes())
		}
		w.stats[r.ReferrerID] = st
	}
	return w
}

func checkCounts(t *testing.T, label string, s *store.Store, tid string, refs map[string]referral.Referral, now time.Time) {
	t.Helper()
	w := bruteCounts(refs, now)
	q, err := s.QueueCounts(context.Background(), tid, now)
	if err != nil {
		t.Fatal(err)
	}
	for st, n := range w.counts {
		if q.Counts[st] != n {
			t.Errorf("%s: %s %d, brute force %d", label, st, q.Counts[st], n)
		}
	}
	if q.Overdue != w.overdue {
		t.Errorf("%s: overdue %d, brute force %d", label, q.Overdue, w.overdue)
	}
	for rid, want := range w.stats {
		got, err := s.ReferrerStatsOf(context.Background(), tid, "p_1", rid)
		if err != nil {
			t.Fatal(err)
		}
		if got.Sent != want.Sent || got.Seen != want.Seen || got.Open != want.Open || !got.ToContact.Equal(want.ToContact) {
			t.Errorf("%s: referrer %s: %d sent %d seen %d open (%d contacted), brute force %d %d %d (%d)", label, rid,
				got.Sent, got.Seen, got.Open, got.ToContact.Count(), want.Sent, want.Seen, want.Open, want.ToContact.Count())
		}
	}
}

// Random histories, their stream records delivered out of order, some several times, with the
// rollup's fold between batches, give the counts a brute-force count of the referrals' last states
// gives; the rebuild then repairs a counter corrupted on purpose.
func TestCountersMatchBruteForce(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	seed := time.Now().UnixNano()
	rng := rand.New(rand.NewSource(seed))
	t.Logf("seed %d", seed)
	now := time.Now().UTC()
	n := *f.n
	n.Now = func() time.Time { return now }

	// The tenant's counter starts repaired (as for a practice that signed up after the counters);
	// until then the queue would be counted with COUNT queries.
	none := func(context.Context) ([]referral.Referral, error) { return nil, nil }
	if err := f.store.RepairCounters(ctx, f.tid, none, now); err != nil {
		t.Fatal(err)
	}
	referrers := []string{"r_a", "r_b", "r_c"}
	refs := map[string]referral.Referral{}
	for i := 0; i < 36; i++ {
		created := now.Add(-time.Duration(rng.Intn(96*60)) * time.Minute) // some of them overdue by now
		s := referral.Submission{Patient: referral.Patient{FirstName: "Zelda", LastName: "Q", DateOfBirth: "1971-02-03", Phone: "+1 555 0199",
			ConsentToContact: true, ConsentToShareOutcomes: rng.Intn(2) == 0}, Reason: "Knee", Urgency: []string{referral.Routine, referral.Urgent}[rng.Intn(2)]}
		rid := referrers[rng.Intn(len(referrers))]
		r := referral.New(f.tid, referral.PartnerRef{ID: "p_1", Name: "Northside"}, rid, referral.Person{Name: "Dr", Email: rid + "@ref.example"},
			ids.NewULID(created), s, created, practice.DefaultContactBy)
		if _, _, err := f.store.CreateReferral(ctx, r); err != nil {
			t.Fatal(err)
		}
		at := created
		for steps := rng.Intn(7); steps > 0; steps-- {
			next := r.Allowed()
			if len(next) == 0 {
				break
			}
			to := next[rng.Intn(len(next))]
			at = at.Add(time.Duration(1+rng.Intn(300)) * time.Minute)
			if to == referral.Seen && r.Appointment != nil && at.Before(r.Appointment.At) {
				at = r.Appointment.At.Add(time.Duration(rng.Intn(120)) * time.Minute) // seen at the appointment, never before
			}
			tr := referral.Transition{To: to}
			switch to {
			case referral.Declined:
				tr.Reason = referral.DeclineReasons[0]
			case referral.NeedsInfo:
				tr.Note = "which side?"
			case referral.Contacted:
				tr.Contact = &referral.Contact{Outcome: referral.ContactOutcomes[0], Channel: "phone"}
			case referral.Scheduled:
				tr.Appointment = &referral.Appointment{At: at.Add(48 * time.Hour), Location: "here"}
			}
			prev := r.Version
			if err := r.Apply(tr, referral.Actor{Name: "staff", Role: "staff"}, at); err != nil {
				t.Fatal(err)
			}
			if err := f.store.SaveReferral(ctx, r, prev); err != nil {
				t.Fatal(err)
			}
			if to == referral.NeedsInfo && rng.Intn(2) == 0 { // the referrer answers: back where it was
				prev = r.Version
				if err := r.ApplyAnswer(referral.Answer{Answer: "left"}, referral.Actor{Name: "dr", Role: "referrer"}, at); err != nil {
					t.Fatal(err)
				}
				if err := f.store.SaveReferral(ctx, r, prev); err != nil {
					t.Fatal(err)
				}
			}
		}
		refs[r.ID] = r
	}
	// Every record of every version, from the table's own stream.
	versions := 0
	for _, r := range refs {
		versions += r.Version
	}
	var recs []events.DynamoDBEventRecord
	for idle := 0; idle < 3 && len(recs) < versions; {
		got := referralRecords(f.records())
		if len(got) == 0 {
			idle++
		}
		recs = append(recs, got...)
	}
	if len(recs) != versions {
		t.Fatalf("%d stream records, want one per version (%d)", len(recs), versions)
	}
	// Delivered shuffled, each once or more, in batches of up to 7, folding between batches.
	var deliveries []events.DynamoDBEventRecord
	for _, r := range recs {
		for k := 1 + rng.Intn(3); k > 0; k-- {
			deliveries = append(deliveries, r)
		}
	}
	rng.Shuffle(len(deliveries), func(i, j int) { deliveries[i], deliveries[j] = deliveries[j], deliveries[i] })
	for len(deliveries) > 0 {
		k := min(len(deliveries), 1+rng.Intn(7))
		if resp, err := n.Handle(ctx, events.DynamoDBEvent{Records: deliveries[:k]}); err != nil || len(resp.BatchItemFailures) > 0 {
			t.Fatal(resp.BatchItemFailures, err)
		}
		deliveries = deliveries[k:]
		if rng.Intn(3) == 0 {
			if err := f.store.FoldCounters(ctx, f.tid, now); err != nil {
				t.Fatal(err)
			}
		}
	}
	checkCounts(t, "streamed", f.store, f.tid, refs, now)
	if err := f.store.FoldCounters(ctx, f.tid, now); err != nil {
		t.Fatal(err)
	}
	checkCounts(t, "folded", f.store, f.tid, refs, now)
	// Time passes: deadlines that pass count as overdue with no write, from the same item.
	later := now.Add(30 * time.Hour)
	checkCounts(t, "30 hours later", f.store, f.tid, refs, later)

	// Corrupted on purpose: a status count, the overdue count, a slot and a referrer's numbers.
	db := f.store.DB.(*dynamodb.Client)
	for _, upd := range []struct{ pk, sk, expr string }{
		{"T#" + f.tid + "#QUEUE", "COUNTS", "SET n_received = :x, overdue = :x"},
		{"T#" + f.tid + "#P#p_1", "STATS#r_a", "SET sent = :x"},
	} {
		if _, err := db.UpdateItem(ctx, &dynamodb.UpdateItemInput{TableName: &f.store.Table,
			Key:              map[string]types.AttributeValue{"PK": &types.AttributeValueMemberS{Value: upd.pk}, "SK": &types.AttributeValueMemberS{Value: upd.sk}},
			UpdateExpression: &upd.expr, ExpressionAttributeValues: map[string]types.AttributeValue{":x": &types.AttributeValueMemberN{Value: "999"}}}); err != nil {
			t.Fatal(err)
		}
	}
	if q, _ := f.store.QueueCounts(ctx, f.tid, now); q.Counts[referral.Received] != 999 {
		t.Fatal("the corruption did not take")
	}
	rs := *f.store
	rs.Scanner = db
	runner := &rollup.Runner{Store: &rs, Now: func() time.Time { return now }, Lag: time.Second}
	if _, err := runner.Rebuild(ctx, 2); err != nil {
		t.Fatal(err)
	}
	checkCounts(t, "repaired", f.store, f.tid, refs, now)
	// The repair marked the recent versions counted: delivering every record again adds nothing.
	if resp, err := n.Handle(ctx, events.DynamoDBEvent{Records: recs}); err != nil || len(resp.BatchItemFailures) > 0 {
		t.Fatal(resp.BatchItemFailures, err)
	}
	checkCounts(t, "repaired, then redelivered", f.store, f.tid, refs, now)
}
