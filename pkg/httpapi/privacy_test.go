package httpapi_test

import (
	"testing"
	"time"
)

// TestReferrerViewMovesOnlyOnWhatTheyMaySee: without the patient's consent to share outcomes a
// no-show, its rebooking and the visit are hidden from the referrer, and so is their trace: the
// referrer's answer (body, version, updatedAt, ETag) and list item stay byte for byte the same until
// a move they may see.
func TestReferrerViewMovesOnlyOnWhatTheyMaySee(t *testing.T) {
	e := newEnv(t)
	owner := e.practice("Hidden Clinic", "owner@hidden.example")
	ref, _ := e.referrer(owner, "Hidden FM", "dr@hidden-fm.example")
	sub, _ := ref.submit("Low back pain") // consentToShareOutcomes: false
	id := sub.body["id"].(string)
	r := owner.do("GET", "/v1/referrals/"+id, nil)
	r = move(owner, id, etag(r), map[string]any{"to": "accepted"})
	r = move(owner, id, etag(r), map[string]any{"to": "contacted", "contact": map[string]string{"outcome": "reached", "channel": "phone"}})
	at := time.Now().Add(48 * time.Hour).UTC().Truncate(time.Minute)
	r = move(owner, id, etag(r), map[string]any{"to": "scheduled", "appointment": map[string]any{"at": at, "location": "Main St"}})
	seen := func() (resp, string) {
		v := ref.do("GET", "/v1/referrals/"+id, nil)
		l := ref.do("GET", "/v1/referrals", nil)
		return v, l.raw
	}
	before, listBefore := seen()
	if before.body["status"] != "scheduled" || before.body["version"].(float64) != 4 {
		t.Fatalf("referrer's view when scheduled: %s", before.raw)
	}
	time.Sleep(10 * time.Millisecond) // a hidden move's time would differ
	for _, step := range []map[string]any{
		{"to": "no-show"},
		// rebooked: the patient came in half an hour ago (nobody is seen before their appointment)
		{"to": "scheduled", "appointment": map[string]any{"at": time.Now().Add(-30 * time.Minute).UTC().Truncate(time.Minute), "location": "Main St"}},
		{"to": "seen"},
	} {
		r = move(owner, id, etag(r), step)
		if r.status != 200 {
			t.Fatalf("move to %v: %d %s", step["to"], r.status, r.raw)
		}
		after, listAfter := seen()
		if after.raw != before.raw || etag(after) != etag(before) || listAfter != listBefore {
			t.Fatalf("after a hidden move to %v the referrer's view changed:\n%s\n%s\nETag %s → %s", step["to"], before.raw, after.raw,
				etag(before), etag(after))
		}
	}
	// Closing the loop is a move they see: their version and updatedAt move on.
	r = move(owner, id, etag(r), map[string]any{"to": "closed"})
	after, _ := seen()
	if after.body["status"] != "closed" || after.body["version"].(float64) != 5 || etag(after) != `"5"` ||
		after.body["updatedAt"] == before.body["updatedAt"] {
		t.Fatalf("after closing: %s (ETag %s)", after.raw, etag(after))
	}
	if r.body["version"].(float64) != 8 {
		t.Fatalf("staff see every move: version %v", r.body["version"])
	}

	// The referrer's If-Match is checked against the version they were shown.
	sub2, _ := ref.submit("Neck pain")
	id2 := sub2.body["id"].(string)
	r2 := owner.do("GET", "/v1/referrals/"+id2, nil)
	move(owner, id2, etag(r2), map[string]any{"to": "needs-info", "note": "Which side?"})
	v := ref.do("GET", "/v1/referrals/"+id2, nil)
	if x := ref.do("POST", "/v1/referrals/"+id2+"/answers", map[string]any{"answer": "Left"}, "If-Match", `"1"`); x.status != 409 {
		t.Fatalf("a stale If-Match: %d %s", x.status, x.raw)
	}
	if x := ref.do("POST", "/v1/referrals/"+id2+"/answers", map[string]any{"answer": "Left"}, "If-Match", etag(v)); x.status != 200 || etag(x) != `"3"` {
		t.Fatalf("the referrer's own ETag: %d %s", x.status, x.raw)
	}
}
