package httpapi_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/referloop/referloop/pkg/httpapi"
	"github.com/referloop/referloop/pkg/ids"
	"github.com/referloop/referloop/pkg/notifier"
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

// TestTextsOnlyToAllowedCountries: a patient's number outside the allowed countries (US and Canada
// by default) gets no text; the outbox says why.
func TestTextsOnlyToAllowedCountries(t *testing.T) {
	e := newEnv(t)
	owner := e.practice("Text Clinic", "owner@text.example")
	ref, _ := e.referrer(owner, "Text FM", "dr@text-fm.example")
	for _, phone := range []string{"+882 345 678 901", "+44 20 7946 0958", "+1 876 555 0142", "+1 415 555 0142", "+1 613 555 0142"} {
		body := submission("Knee pain")
		body["patient"].(map[string]any)["phone"] = phone
		if r := ref.do("POST", "/v1/referrals", body, "Idempotency-Key", ids.NewULID(time.Now())); r.status != 201 {
			t.Fatalf("submit with %s: %d %s", phone, r.status, r.raw)
		}
	}
	e.pump()
	sent := map[string]int{}
	for _, m := range e.mail.Sent() {
		if m.Subject == "SMS" {
			sent[m.To]++
		}
	}
	t.Logf("texts sent: %v", sent)
	for _, refused := range []string{"+882345678901", "+442079460958", "+18765550142"} { // international network, UK, Jamaica (+1 too)
		if sent[refused] != 0 {
			t.Errorf("a text went to %s", refused)
		}
	}
	for _, ok := range []string{"+14155550142", "+16135550142"} { // US, Canada
		if sent[ok] != 1 {
			t.Errorf("%d texts to %s, want 1", sent[ok], ok)
		}
	}
	refusedInOutbox(t, e, owner, 3, "country")
}

// refusedInOutbox checks that the practice's outbox holds want texts refused, each with a reason
// that mentions why.
func refusedInOutbox(t *testing.T, e *env, owner *client, want int, why string) {
	t.Helper()
	notes, err := e.store.Notifications(t.Context(), tenantOf(owner), 200)
	if err != nil {
		t.Fatal(err)
	}
	got := 0
	for _, n := range notes {
		if n.Kind == "patient-sms" && n.Status == "refused" {
			got++
			if !strings.Contains(n.Error, why) {
				t.Errorf("refused text %s: reason %q does not say %q", n.Key, n.Error, why)
			}
		}
	}
	if got != want {
		t.Errorf("%d refused texts in the outbox, want %d: %+v", got, want, notes)
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
	e.practice("Old Clinic", "owner@old.example")
	e.deps.Now, e.store.Now = nil, func() time.Time { return at }
	old := e.signIn("owner@old.example", "") // today: a session from 8 days ago would be long idle
	pid := old.do("POST", "/v1/partners", map[string]string{"name": "Old FM", "kind": "pcp"}).body["id"].(string)
	for i := 0; i < 21; i++ {
		if r := old.do("POST", "/v1/partners/"+pid+"/invitations", map[string]string{"email": fmt.Sprintf("dr%d@old-fm.example", i)}); r.status != 202 {
			t.Fatalf("invitation %d of an established practice: %d %s", i, r.status, r.raw)
		}
	}
}

// TestTextCapsHold: a practice's texts stop at its monthly cap, and every practice's together at the
// overall cap (the spend cap); a text held back is not sent and the outbox says which cap.
func TestTextCapsHold(t *testing.T) {
	e := newEnv(t)
	e.notify.Texts = notifier.TextRules{Countries: []string{"US", "CA"}, PerPracticeMonth: 2, PerMonth: 3}
	ownerA := e.practice("Cap Clinic", "owner@cap.example")
	ownerB := e.practice("Cap Other", "owner@cap-other.example")
	refA, _ := e.referrer(ownerA, "Cap FM", "dr@cap-fm.example")
	refB, _ := e.referrer(ownerB, "Cap Other FM", "dr@cap-other-fm.example")
	texts := func() int {
		n := 0
		for _, m := range e.mail.Sent() {
			if m.Subject == "SMS" {
				n++
			}
		}
		return n
	}
	for i := 0; i < 3; i++ {
		refA.submit("Knee pain")
	}
	e.pump()
	if got := texts(); got != 2 {
		t.Fatalf("%d texts for 3 referrals of a practice capped at 2 a month", got)
	}
	refusedInOutbox(t, e, ownerA, 1, "SmsPerPracticeMonth")
	for i := 0; i < 2; i++ {
		refB.submit("Knee pain")
	}
	e.pump()
	if got := texts(); got != 3 {
		t.Fatalf("%d texts in all, want 3 (the overall cap)", got)
	}
	refusedInOutbox(t, e, ownerB, 1, "SmsPerMonth")
	t.Logf("5 referrals with a US number, caps 2 a practice and 3 in all: %d texts sent, 2 refused", texts())
}
