package store_test

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/referloop/referloop/infra/dynamotest"
	"github.com/referloop/referloop/pkg/ids"
	"github.com/referloop/referloop/pkg/practice"
	"github.com/referloop/referloop/pkg/referral"
	"github.com/referloop/referloop/pkg/store"
)

func newStore(t *testing.T) *store.Store {
	t.Parallel()
	db, table := dynamotest.NewTable(t)
	return store.New(db, table)
}

func mkPractice(t *testing.T, s *store.Store, name, slug, owner string) practice.Practice {
	t.Helper()
	ctx := context.Background()
	hash := ids.Hash(ids.Token(32))
	if err := s.PutLink(ctx, hash, store.Link{Purpose: store.LinkSignup, Email: owner, ExpiresAt: time.Now().Add(time.Minute)}); err != nil {
		t.Fatal(err)
	}
	p := practice.Practice{ID: ids.Short("t_"), Version: 1, Profile: practice.Profile{Name: name, Slug: slug, ContactByHours: practice.DefaultContactBy}}
	if err := s.CreatePractice(ctx, hash, p, store.User{Email: owner, Role: practice.RoleOwner}); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestCreatePracticeIsAtomicWithItsLink(t *testing.T) {
	s := newStore(t)
	ctx := context.Background()
	p := mkPractice(t, s, "Lakeside", "lakeside", "a@x.example")

	// The same slug again: refused, and the second link is still usable afterwards.
	hash := ids.Hash(ids.Token(32))
	if err := s.PutLink(ctx, hash, store.Link{Purpose: store.LinkSignup, Email: "b@x.example", ExpiresAt: time.Now().Add(time.Minute)}); err != nil {
		t.Fatal(err)
	}
	q := practice.Practice{ID: ids.Short("t_"), Profile: practice.Profile{Name: "Lakeside", Slug: "lakeside"}}
	if err := s.CreatePractice(ctx, hash, q, store.User{Email: "b@x.example", Role: practice.RoleOwner}); !errors.Is(err, store.ErrSlugTaken) {
		t.Fatalf("want ErrSlugTaken, got %v", err)
	}
	if _, err := s.PeekLink(ctx, hash); err != nil {
		t.Fatalf("link spent by a failed sign-up: %v", err)
	}
	q.Slug = "lakeside-2"
	if err := s.CreatePractice(ctx, hash, q, store.User{Email: "b@x.example", Role: practice.RoleOwner}); err != nil {
		t.Fatal(err)
	}
	// A spent link cannot create a second practice.
	q.ID, q.Slug = ids.Short("t_"), "lakeside-3"
	if err := s.CreatePractice(ctx, hash, q, store.User{Email: "b@x.example", Role: practice.RoleOwner}); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("reused link: %v", err)
	}
	if tid, err := s.TenantBySlug(ctx, "lakeside"); err != nil || tid != p.ID {
		t.Fatalf("slug → %q %v", tid, err)
	}
	ms, err := s.Memberships(ctx, "A@X.example")
	if err != nil || len(ms) != 1 || ms[0].TenantID != p.ID || ms[0].Role != practice.RoleOwner {
		t.Fatalf("memberships %+v %v", ms, err)
	}
}

func TestLinksAreSingleUseAndExpire(t *testing.T) {
	s := newStore(t)
	ctx := context.Background()
	live, old := ids.Hash("live"), ids.Hash("old")
	_ = s.PutLink(ctx, live, store.Link{Purpose: store.LinkSignin, Email: "x@y.example", ExpiresAt: time.Now().Add(time.Minute)})
	_ = s.PutLink(ctx, old, store.Link{Purpose: store.LinkSignin, Email: "x@y.example", ExpiresAt: time.Now().Add(-time.Second)})

	var wins, losses int
	var mu sync.Mutex
	var wg sync.WaitGroup
	for i := 0; i < 10; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, err := s.ConsumeLink(ctx, live)
			mu.Lock()
			defer mu.Unlock()
			if err == nil {
				wins++
			} else if errors.Is(err, store.ErrNotFound) {
				losses++
			} else {
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	if wins != 1 || losses != 9 {
		t.Fatalf("10 concurrent confirmations: %d won, %d lost", wins, losses)
	}
	if _, err := s.ConsumeLink(ctx, old); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("expired link consumed: %v", err)
	}
}

func submission() referral.Submission {
	return referral.Submission{Patient: referral.Patient{FirstName: "Ana", LastName: "Silva", DateOfBirth: "1980-04-02",
		Phone: "+1 555 0142", ConsentToContact: true}, Reason: "Low back pain", Urgency: referral.Routine}
}

func newReferral(tid, pid, rid string, sub referral.Submission, at time.Time) referral.Referral {
	return referral.New(tid, referral.PartnerRef{ID: pid, Name: "Northside"}, rid, referral.Person{Name: "Dr. Chen", Email: "c@n.example"},
		ids.NewULID(at), sub, at, practice.DefaultContactBy)
}

func TestCreateReferralIsIdempotentUnderConcurrency(t *testing.T) {
	s := newStore(t)
	ctx := context.Background()
	r := newReferral("t_a", "p_1", "r_1", submission(), time.Now())

	var wg sync.WaitGroup
	results := make([]referral.Referral, 20)
	errs := make([]error, 20)
	replays := make([]bool, 20)
	for i := range results {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			results[i], replays[i], errs[i] = s.CreateReferral(ctx, r)
		}(i)
	}
	wg.Wait()
	created := 0
	for i := range results {
		if errs[i] != nil {
			t.Fatalf("submit %d: %v", i, errs[i])
		}
		if results[i].ID != r.ID {
			t.Fatalf("submit %d returned %s, want %s", i, results[i].ID, r.ID)
		}
		if !replays[i] {
			created++
		}
	}
	if created != 1 {
		t.Fatalf("%d submits created a referral, want exactly 1", created)
	}
	page, err := s.ReferralsByReferrer(ctx, "t_a", "p_1", "r_1", "", 50, "")
	if err != nil || len(page.Items) != 1 {
		t.Fatalf("stored %d referrals (%v), want 1", len(page.Items), err)
	}

	other := submission()
	other.Reason = "Neck pain"
	r2 := r
	r2.BodyHash = other.Hash()
	if _, _, err := s.CreateReferral(ctx, r2); !errors.Is(err, store.ErrKeyReused) {
		t.Fatalf("same key, other body: %v", err)
	}
}

func TestListsPageAndStayInTheirPartition(t *testing.T) {
	s := newStore(t)
	ctx := context.Background()
	base := time.Now().Add(-time.Hour)
	for i := 0; i < 5; i++ {
		sub := submission()
		if i == 4 {
			sub.Urgency = referral.Urgent
		}
		if _, _, err := s.CreateReferral(ctx, newReferral("t_a", "p_1", "r_1", sub, base.Add(time.Duration(i)*time.Minute))); err != nil {
			t.Fatal(err)
		}
	}
	if _, _, err := s.CreateReferral(ctx, newReferral("t_b", "p_1", "r_1", submission(), base)); err != nil {
		t.Fatal(err)
	}
	var got []referral.Referral
	cursor := ""
	for {
		page, err := s.ReferralsByReferrer(ctx, "t_a", "p_1", "r_1", "", 2, cursor)
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, page.Items...)
		if cursor = page.NextCursor; cursor == "" {
			break
		}
	}
	if len(got) != 5 {
		t.Fatalf("paged %d referrals, want 5", len(got))
	}
	for i := 1; i < len(got); i++ {
		if !got[i-1].CreatedAt.After(got[i].CreatedAt) {
			t.Fatalf("not newest first at %d", i)
		}
	}
	// The queue: urgent (earliest contact-by) first.
	q, err := s.ReferralsByStatus(ctx, "t_a", referral.Received, 10, "")
	if err != nil || len(q.Items) != 5 || q.Items[0].Urgency != referral.Urgent {
		t.Fatalf("queue %d items, first %+v, %v", len(q.Items), q.Items, err)
	}
	// A cursor from tenant a does not open tenant b's partition.
	p1, _ := s.ReferralsByStatus(ctx, "t_a", "", 1, "")
	if _, err := s.ReferralsByStatus(ctx, "t_b", "", 1, p1.NextCursor); !errors.Is(err, store.ErrBadCursor) {
		t.Fatalf("foreign cursor: %v", err)
	}
	for _, c := range []string{"%%%", "e30", "eyJQSyI6IngifQ"} {
		if _, err := s.ReferralsByStatus(ctx, "t_a", "", 1, c); !errors.Is(err, store.ErrBadCursor) {
			t.Fatalf("cursor %q: %v", c, err)
		}
	}
}

func TestRateLimit(t *testing.T) {
	s := newStore(t)
	at := time.Now() // one instant: the counts are per fixed window, and a run must not straddle its edge
	s.Now = func() time.Time { return at }
	ctx := context.Background()
	for i := 1; i <= 4; i++ {
		ok, retry, err := s.Hit(ctx, "email", "k", 3, time.Hour)
		if err != nil {
			t.Fatal(err)
		}
		if ok != (i <= 3) || (!ok && retry <= 0) {
			t.Fatalf("hit %d: ok=%v retry=%d", i, ok, retry)
		}
	}
	if ok, _, _ := s.Hit(ctx, "email", "other", 3, time.Hour); !ok {
		t.Fatal("limits leak across keys")
	}
}

func TestQueueCountsAndOverdue(t *testing.T) {
	s := newStore(t)
	ctx := context.Background()
	now := time.Now().UTC()
	due := map[referral.Status][]time.Duration{ // status → contact-by offsets from now
		referral.Received: {-2 * time.Hour, -time.Hour, time.Hour, 2 * time.Hour},
		referral.Accepted: {-3 * time.Hour},
		referral.Closed:   {-4 * time.Hour},
	}
	i := 0
	for st, offsets := range due {
		for _, off := range offsets {
			i++
			r := newReferral("t_a", "p_1", "r_1", submission(), now.Add(-time.Duration(i)*time.Minute))
			r.Status, r.ContactBy = st, now.Add(off)
			if _, _, err := s.CreateReferral(ctx, r); err != nil {
				t.Fatal(err)
			}
		}
	}
	// Before the counters are repaired once, COUNT queries answer.
	before, err := s.QueueCounts(ctx, "t_a", now)
	if err != nil || before.Counts[referral.Received] != 4 || before.Counts[referral.Accepted] != 1 || before.Overdue != 3 {
		t.Fatalf("counted before the counters: %+v, %v", before, err)
	}
	// Nothing streams here: the repair counts what is stored.
	load := func(ctx context.Context) ([]referral.Referral, error) {
		return s.TenantReferrals(ctx, "t_a", []string{"p_1"})
	}
	if err := s.RepairCounters(ctx, "t_a", load, now); err != nil {
		t.Fatal(err)
	}
	q, err := s.QueueCounts(ctx, "t_a", now)
	if err != nil {
		t.Fatal(err)
	}
	if c := q.Counts; c[referral.Received] != 4 || c[referral.Accepted] != 1 || c[referral.Closed] != 0 || q.Overdue != 3 ||
		q.AsOf.After(now) || now.Sub(q.AsOf) >= store.QueueSlot {
		t.Fatalf("counts %v, overdue %d as of %v; want 4 received, 1 accepted, 3 overdue (a closed one is history)", c, q.Overdue, q.AsOf)
	}
	list, err := s.Overdue(ctx, "t_a", now, 2)
	if err != nil {
		t.Fatal(err)
	}
	if len(list) != 2 || list[0].Status != referral.Accepted || !list[1].ContactBy.Equal(now.Add(-2*time.Hour)) {
		t.Fatalf("overdue %+v, want the accepted one (3 h late), then the received one 2 h late", list)
	}
}
