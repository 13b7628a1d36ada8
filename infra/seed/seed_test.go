package seed_test

import (
	"context"
	"testing"
	"time"

	"github.com/referloop/referloop/infra/dynamotest"
	"github.com/referloop/referloop/infra/seed"
	"github.com/referloop/referloop/pkg/referral"
	"github.com/referloop/referloop/pkg/store"
)

func TestSeedIsCompleteAndRunsOnce(t *testing.T) {
	db, table := dynamotest.NewTable(t)
	s := store.New(db, table)
	ctx := context.Background()
	demo, seeded, err := seed.Run(ctx, s, time.Now().UTC())
	if err != nil || !seeded {
		t.Fatalf("first run: %v %v", seeded, err)
	}
	again, seeded, err := seed.Run(ctx, s, time.Now().UTC())
	if err != nil || seeded || again.TenantID != demo.TenantID {
		t.Fatalf("second run seeded again: %v %v", seeded, err)
	}
	partners, _ := s.Partners(ctx, demo.TenantID)
	page, _ := s.ReferralsByStatus(ctx, demo.TenantID, "", 100, "")
	statuses := map[referral.Status]int{}
	for _, listed := range page.Items {
		// The queue index holds the work queue's fields; the timeline is read from the item itself.
		r, err := s.Referral(ctx, demo.TenantID, listed.ID)
		if err != nil {
			t.Fatal(err)
		}
		statuses[r.Status]++
		if len(r.Timeline) == 0 || r.Timeline[len(r.Timeline)-1].To != r.Status {
			t.Errorf("%s has a timeline that does not end in its status", r.ID)
		}
	}
	if len(partners) != 2 || len(page.Items) != 12 || len(statuses) < 8 {
		t.Fatalf("%d partners, %d referrals in %d states", len(partners), len(page.Items), len(statuses))
	}
	if members, err := s.Members(ctx, demo.TenantID); err != nil || len(members) != 2 {
		t.Fatalf("members %+v %v, want the owner and Jo Park", members, err)
	}
}
