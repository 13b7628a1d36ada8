package httpapi_test

import (
	"encoding/base64"
	"net/url"
	"strings"
	"testing"
	"time"
)

// TestTamperedCursorsAre422: a list's cursor is signed over the tenant, the list and the key, so
// any cursor the list did not give out (changed, cut, another practice's, another list's, forged,
// junk) is 422 with the field cursor, never a 5xx; a real one still pages.
func TestTamperedCursorsAre422(t *testing.T) {
	e := newEnv(t)
	ownerA := e.practice("Cursor Clinic", "owner@cursor.example")
	ownerB := e.practice("Cursor Other", "owner@cursor-other.example")
	refA, pidA := e.referrer(ownerA, "Cursor FM", "dr@cursor-fm.example")
	refB, _ := e.referrer(ownerB, "Cursor Other FM", "dr@cursor-other-fm.example")
	var idA string
	for i := 0; i < 3; i++ {
		r, _ := refA.submit("Low back pain")
		idA = r.body["id"].(string)
		refB.submit("Neck pain")
	}
	tidA := tenantOf(ownerA)
	next := func(c *client, path string) string {
		t.Helper()
		r := c.do("GET", path, nil)
		cur, _ := r.body["nextCursor"].(string)
		if r.status != 200 || cur == "" {
			t.Fatalf("%s: %d %s", path, r.status, r.raw)
		}
		return cur
	}
	staffA := next(ownerA, "/v1/referrals?limit=1")
	staffB := next(ownerB, "/v1/referrals?limit=1")
	receivedA := next(ownerA, "/v1/referrals?limit=1&status=received")
	referrerA := next(refA, "/v1/referrals?limit=1")
	// An audit day pages by 100: reads make records.
	for i := 0; i < 101; i++ {
		ownerA.do("GET", "/v1/referrals/"+idA, nil)
	}
	today := time.Now().UTC().Format(time.DateOnly)
	auditA := next(ownerA, "/v1/audit?date="+today)

	// A real cursor pages.
	if r := ownerA.do("GET", "/v1/referrals?limit=1&cursor="+url.QueryEscape(staffA), nil); r.status != 200 || len(r.body["items"].([]any)) != 1 {
		t.Fatalf("a real cursor: %d %s", r.status, r.raw)
	}
	if r := refA.do("GET", "/v1/referrals?limit=1&cursor="+url.QueryEscape(referrerA), nil); r.status != 200 {
		t.Fatalf("a referrer's real cursor: %d %s", r.status, r.raw)
	}

	flip := func(s string) string {
		i := len(s) / 2
		c := byte('A')
		if s[i] == 'A' {
			c = 'B'
		}
		return s[:i] + string(c) + s[i+1:]
	}
	b64 := func(s string) string { return base64.RawURLEncoding.EncodeToString([]byte(s)) }
	queueA, partA := "T#"+tidA+"#REF", "T#"+tidA+"#P#"+pidA
	cases := []struct {
		name   string
		c      *client
		path   string
		cursor string
	}{
		{"truncated", ownerA, "/v1/referrals?limit=1", staffA[:len(staffA)-3]},
		{"a flipped byte", ownerA, "/v1/referrals?limit=1", flip(staffA)},
		{"another practice's", ownerA, "/v1/referrals?limit=1", staffB},
		{"another status's list", ownerA, "/v1/referrals?limit=1&status=accepted", receivedA},
		{"a referrer's list's, on the queue", ownerA, "/v1/referrals?limit=1", referrerA},
		{"the queue's, on a referrer's list", refA, "/v1/referrals?limit=1", staffA},
		{"an audit day's, on the queue", ownerA, "/v1/referrals?limit=1", auditA},
		{"base64 junk", ownerA, "/v1/referrals?limit=1", "!!~~not-base64~~!!"},
		{"huge", ownerA, "/v1/referrals?limit=1", strings.Repeat("A", 8000)},
		{"empty-ish: a space", ownerA, "/v1/referrals?limit=1", " "},
		{"empty-ish: {}", ownerA, "/v1/referrals?limit=1", b64("{}")},
		{"forged: queue key without its sort key", ownerA, "/v1/referrals?limit=1", b64(`{"PK":"` + partA + `","SK":"R#x","GSI1PK":"` + queueA + `"}`)},
		{"forged: queue key, any sort key", ownerA, "/v1/referrals?limit=1", b64(`{"PK":"x","SK":"y","GSI1PK":"` + queueA + `","GSI1SK":"zzz"}`)},
		{"forged: outside the referrer's keys", refA, "/v1/referrals?limit=1", b64(`{"PK":"` + partA + `","SK":"R#r_someoneelse#01ARZ3NDEKTSV4RRFFQ69G5FAV"}`)},
		{"forged: extra key attributes", refA, "/v1/referrals?limit=1", b64(`{"PK":"` + partA + `","SK":"R#x","GSI1PK":"` + queueA + `","GSI1SK":"a"}`)},
		{"another day's audit", ownerA, "/v1/audit?date=2020-01-01", auditA},
		{"forged: audit key", ownerA, "/v1/audit?date=" + today, b64(`{"PK":"T#` + tidA + `#AUDIT#` + today + `","SK":"x"}`)},
		{"truncated audit", ownerA, "/v1/audit?date=" + today, auditA[:len(auditA)-1]},
	}
	fiveXX := 0
	for _, c := range cases {
		status, body := c.c.try("GET", c.path+"&cursor="+url.QueryEscape(c.cursor))
		if status >= 500 {
			fiveXX++
		}
		if status != 422 || !strings.Contains(body, `"field":"cursor"`) {
			t.Errorf("%s: %d %s", c.name, status, body)
		}
	}
	t.Logf("%d tampered cursors: %d answered 5xx", len(cases), fiveXX)
}
