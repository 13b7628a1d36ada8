package lambdaevents_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/referloop/referloop/infra/seed"
	"github.com/referloop/referloop/pkg/ids"
	"github.com/referloop/referloop/pkg/outreach"
	"github.com/referloop/referloop/pkg/partner"
	"github.com/referloop/referloop/pkg/practice"
	"github.com/referloop/referloop/pkg/referral"
)

// mergeReferrer is the address of the new source network.merge-partner merges.
const mergeReferrer = "dr.new@newclinic.example"

// newSourceToMerge stores what network.merge-partner merges: a target partner the practice knows
// and a new source with a referrer (signed in), a referral, its numbers and a touch with a
// follow-up.
func (w *world) newSourceToMerge(t *testing.T) {
	t.Helper()
	ctx, tid, now := context.Background(), w.demo.TenantID, time.Now().UTC()
	b := partner.Partner{ID: ids.Short("p_"), Name: "Eastside Internal Medicine", Kind: "pcp", StatusUpdates: partner.UpdatesEach, CreatedAt: now, Version: 1}
	a := partner.Partner{ID: ids.Short("p_"), Name: "New Clinic", Kind: "other", NPI: "1245319599", ContactEmail: mergeReferrer,
		StatusUpdates: partner.UpdatesEach, CreatedAt: now, Unconfirmed: true, Version: 1}
	for _, p := range []partner.Partner{b, a} {
		if err := w.deps.Store.CreatePartner(ctx, tid, p); err != nil {
			t.Fatal(err)
		}
	}
	ref, err := w.deps.Store.EnsureReferrer(ctx, tid, partner.Referrer{ID: ids.Short("r_"), PartnerID: a.ID, Email: mergeReferrer, Name: "Dr. New", CreatedAt: now})
	if err == nil {
		err = w.deps.Store.PutReferrerMarker(ctx, tid, "Lakeside Physical Therapy", ref)
	}
	if err == nil {
		err = w.deps.Store.PutSession(ctx, tid, ids.EmailKey(mergeReferrer), "s_merge", now.Add(time.Hour))
	}
	if err != nil {
		t.Fatal(err)
	}
	sub := referral.Submission{Patient: referral.Patient{FirstName: "Ana", LastName: "Silva", DateOfBirth: "1980-04-02", Phone: "+14155550142",
		ConsentToContact: true}, Reason: "Knee pain", Urgency: "routine"}
	r := referral.New(tid, referral.PartnerRef{ID: a.ID, Name: a.Name}, ref.ID, referral.Person{Name: ref.Name, Email: ref.Email},
		ids.NewULID(now), sub, now, practice.DefaultContactBy)
	if _, _, err := w.deps.Store.CreateReferral(ctx, r); err != nil {
		t.Fatal(err)
	}
	if _, err := w.deps.Store.CountReferral(ctx, tid, a.ID, r.ID[strings.LastIndex(r.ID, ".")+1:], now, func() (bool, error) { return true, nil }); err != nil {
		t.Fatal(err)
	}
	owner := ids.EmailKey(seed.OwnerEmail)
	tc := outreach.Touch{ID: now.Format(time.DateOnly) + "." + ids.NewULID(now), PartnerID: a.ID, Date: now.Format(time.DateOnly), Channel: "call", Who: owner,
		Summary: "Welcome call", Response: outreach.ResponseNone, CreatedAt: now, CreatedBy: owner,
		FollowUp: &outreach.FollowUp{Due: now.AddDate(0, 0, 3).Format(time.DateOnly), Owner: owner}}
	if err := w.deps.Store.CreateTouch(ctx, tid, tc, a.Name); err != nil {
		t.Fatal(err)
	}
	w.vals["newSourceId"], w.vals["mergeTargetId"] = a.ID, b.ID
}
