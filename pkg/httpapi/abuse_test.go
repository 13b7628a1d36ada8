package httpapi_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/referloop/referloop/pkg/httpapi"
)

// TestInvitationFlood: one address invited again and again gets a few emails, not one per request.
// Within a practice the staff are told (429 with Retry-After: they are the ones repeating); across
// practices the answer stays the same, so no practice learns that another invited the address.
func TestInvitationFlood(t *testing.T) {
	e := newEnv(t)
	at := time.Now() // one instant: the daily windows never straddle midnight mid-test
	e.store.Now = func() time.Time { return at }
	ownerA := e.practice("Flood Clinic", "owner@flood.example")
	ownerB := e.practice("Other Clinic", "owner@other.example")
	pidA := ownerA.do("POST", "/v1/partners", map[string]string{"name": "Flood FM", "kind": "pcp"}).body["id"].(string)
	pidB := ownerB.do("POST", "/v1/partners", map[string]string{"name": "Other FM", "kind": "pcp"}).body["id"].(string)
	const victim = "victim@flood.example"

	var statuses []int
	start := time.Now()
	for i := 0; i < 15; i++ {
		r := ownerA.do("POST", "/v1/partners/"+pidA+"/invitations", map[string]string{"email": victim})
		statuses = append(statuses, r.status)
		if r.status == 429 && (r.header.Get("Retry-After") == "" || r.header.Get("Content-Type") != "application/problem+json") {
			t.Fatalf("a refused invitation: %v %s", r.header, r.raw)
		}
	}
	mailsA := e.mailsTo(victim)
	t.Logf("15 invitations of one address in %s: %d emails; answers %v", time.Since(start).Round(time.Millisecond), mailsA, statuses)
	if mailsA != 3 {
		t.Fatalf("15 invitations of one address sent %d emails, want 3 (3 per address per practice per day)", mailsA)
	}
	if statuses[2] != 202 || statuses[3] != 429 || statuses[14] != 429 {
		t.Fatalf("answers %v: want 202 for the first 3, then 429", statuses)
	}

	// Another practice inviting the same address: the same answer each time, whether or not the
	// address's own daily cap (5 across practices) lets the email go.
	var first resp
	for i := 0; i < 3; i++ {
		r := ownerB.do("POST", "/v1/partners/"+pidB+"/invitations", map[string]string{"email": victim})
		if i == 0 {
			first = r
		}
		if r.status != 202 || r.raw != first.raw {
			t.Fatalf("practice B's invitation %d: %d %s (first %s)", i, r.status, r.raw, first.raw)
		}
	}
	if got := e.mailsTo(victim); got != 5 {
		t.Fatalf("%d emails to the address across practices, want 5 (its daily cap)", got)
	}

	// A new practice invites at most 20 addresses a day.
	var last resp
	for i := 0; i < 21; i++ {
		last = ownerB.do("POST", "/v1/partners/"+pidB+"/invitations", map[string]string{"email": fmt.Sprintf("dr%d@many.example", i)})
		if i < 17 && last.status != 202 { // B spent 3 of its 20 on the victim
			t.Fatalf("invitation %d of a new practice: %d %s", i, last.status, last.raw)
		}
	}
	if last.status != 429 || last.header.Get("Retry-After") == "" {
		t.Fatalf("the 24th invitation of a new practice in a day: %d %s", last.status, last.raw)
	}
	if e.mailsTo("dr20@many.example") != 0 {
		t.Fatal("a refused invitation was emailed")
	}
}

// TestSubmitFlood: a referrer of a new practice sends at most 30 referrals a day; the next is 429
// with Retry-After, and nothing is stored or sent for it.
func TestSubmitFlood(t *testing.T) {
	e := newEnv(t)
	at := time.Now()
	e.store.Now = func() time.Time { return at }
	owner := e.practice("Submit Flood Clinic", "owner@sflood.example")
	ref, _ := e.referrer(owner, "Submit Flood FM", "dr@sflood-fm.example")
	created, refused := 0, 0
	var last resp
	for i := 0; i < 32; i++ {
		last, _ = ref.submit(fmt.Sprintf("Reason %d", i))
		switch last.status {
		case 201:
			created++
		case 429:
			refused++
			if last.header.Get("Retry-After") == "" || last.header.Get("Content-Type") != "application/problem+json" {
				t.Fatalf("a refused submit: %v %s", last.header, last.raw)
			}
		default:
			t.Fatalf("submit %d: %d %s", i, last.status, last.raw)
		}
	}
	t.Logf("32 submits by one referrer of a new practice: %d created, %d refused (429)", created, refused)
	if created != 30 || refused != 2 {
		t.Fatalf("%d created and %d refused, want 30 and 2", created, refused)
	}
}

// TestSubmitLimitPerPractice: a practice takes so many referrals a day from all its referrers
// together (here 3); an established practice (past its first 7 days) gets the normal limits.
func TestSubmitLimitPerPractice(t *testing.T) {
	e := newEnv(t)
	at := time.Now()
	e.store.Now = func() time.Time { return at }
	limits := httpapi.DefaultLimits
	limits.New.SubmitsPerPractice = 3
	e.deps.Limits = &limits
	owner := e.practice("Per Practice Clinic", "owner@perpractice.example")
	a, _ := e.referrer(owner, "North FM", "dr@north.example")
	b, _ := e.referrer(owner, "South FM", "dr@south.example")
	var got []int
	for _, c := range []*client{a, b, a, b} {
		r, _ := c.submit("Knee pain")
		got = append(got, r.status)
	}
	if fmt.Sprint(got) != "[201 201 201 429]" {
		t.Fatalf("4 submits by 2 referrers of a practice that takes 3 a day: %v", got)
	}

	// A practice made 8 days ago is past its first days: 21 invitations a day are fine.
	before := at.Add(-8 * 24 * time.Hour)
	e.deps.Now, e.store.Now = func() time.Time { return before }, func() time.Time { return before }
	old := e.practice("Old Clinic", "owner@old.example")
	e.deps.Now, e.store.Now = nil, func() time.Time { return at }
	pid := old.do("POST", "/v1/partners", map[string]string{"name": "Old FM", "kind": "pcp"}).body["id"].(string)
	for i := 0; i < 21; i++ {
		if r := old.do("POST", "/v1/partners/"+pid+"/invitations", map[string]string{"email": fmt.Sprintf("dr%d@old-fm.example", i)}); r.status != 202 {
			t.Fatalf("invitation %d of an established practice: %d %s", i, r.status, r.raw)
		}
	}
}
