package httpapi_test

import (
	"context"
	"net/url"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/referloop/referloop/pkg/ids"
	"github.com/referloop/referloop/pkg/store"
)

// queries records the partitions a request's Queries read and how much each asked for.
type queries struct {
	store.DB
	mu  sync.Mutex
	pks []string
}

func (q *queries) Query(ctx context.Context, in *dynamodb.QueryInput, o ...func(*dynamodb.Options)) (*dynamodb.QueryOutput, error) {
	if pk, ok := in.ExpressionAttributeValues[":pk"].(*types.AttributeValueMemberS); ok {
		q.mu.Lock()
		limit := int32(0)
		if in.Limit != nil {
			limit = *in.Limit
		}
		q.pks = append(q.pks, pk.Value+"|"+string(rune('0'+min(limit, 9))))
		q.mu.Unlock()
	}
	return q.DB.Query(ctx, in, o...)
}

// TestQueueSearchFindsByNameBirthDateAndReference: staff find a referral by the start of the
// patient's first or last name, a birth date typed US-style or ISO, or its reference; every word of
// a search must match; another practice's patients of the same name are not found; a search reads
// one index partition a page at a time (never the practice's referrals); the index keys hold no
// name or date; referrers cannot search this way.
func TestQueueSearchFindsByNameBirthDateAndReference(t *testing.T) {
	e := newEnv(t)
	rec := &queries{DB: e.store.DB}
	e.store.DB = rec
	owner := e.practice("Golf Physio", "owner@golf.example")
	ref, _ := e.referrer(owner, "Golf FM", "dr@golf-fm.example")
	other := e.practice("Hotel Physio", "owner@hotel.example")
	otherRef, _ := e.referrer(other, "Hotel FM", "dr@hotel-fm.example")
	send := func(c *client, first, last, dob string) (id, refText string) {
		body := submission("Knee pain")
		p := body["patient"].(map[string]any)
		p["firstName"], p["lastName"], p["dateOfBirth"] = first, last, dob
		r := c.do("POST", "/v1/referrals", body, "Idempotency-Key", ids.NewULID(time.Now()))
		if r.status != 201 {
			t.Fatalf("submit: %d %s", r.status, r.raw)
		}
		return r.body["id"].(string), r.body["ref"].(string)
	}
	ana, anaRef := send(ref, "Ana", "Silva", "1980-04-02")
	anita, _ := send(ref, "Anita", "Silvester", "1975-11-30")
	mary, _ := send(ref, "Mary-Ann", "Østergård", "1980-04-02")
	send(ref, "Ben", "Okafor", "1990-01-15")
	send(otherRef, "Ana", "Silva", "1980-04-02") // the other practice's
	e.pump()

	search := func(c *client, q string) resp {
		t.Helper()
		return c.do("GET", "/v1/referrals?q="+url.QueryEscape(q), nil)
	}
	ids := func(r resp) []string {
		var out []string
		for _, it := range r.body["items"].([]any) {
			out = append(out, it.(map[string]any)["id"].(string))
		}
		sort.Strings(out)
		return out
	}
	sorted := func(s ...string) []string { sort.Strings(s); return s }
	cases := []struct {
		q    string
		want []string
	}{
		{"silva", []string{ana}},     // the start of a last name (Silvester does not start with "silva")
		{"Silv", sorted(ana, anita)}, // Silva, Silvester
		{"silves", []string{anita}},
		{"ana silva", []string{ana}},             // every word must match
		{"an", sorted(ana, anita, mary)},         // Ana, Anita, and Mary-Ann's "ann"
		{"ostergard", []string{mary}},            // accents folded
		{"04/02/1980", sorted(ana, mary)},        // US-style
		{"1980-04-02", sorted(ana, mary)},        // ISO
		{"4/2/1980 mary", []string{mary}},        // a date and a name
		{anaRef, []string{ana}},                  // the reference
		{strings.ToLower(anaRef), []string{ana}}, // as typed
		{"okafor 1990-01-16", nil},               // the wrong date
		{"zz", nil},
	}
	for _, c := range cases {
		r := search(owner, c.q)
		if r.status != 200 {
			t.Fatalf("%q: %d %s", c.q, r.status, r.raw)
		}
		if got := ids(r); strings.Join(got, ",") != strings.Join(c.want, ",") {
			t.Errorf("%q: found %v, want %v", c.q, got, c.want)
		}
	}
	// The other practice finds only its own Ana Silva.
	if r := search(other, "ana silva"); r.status != 200 || len(r.body["items"].([]any)) != 1 || r.body["items"].([]any)[0].(map[string]any)["id"] == ana {
		t.Fatalf("the other practice: %d %s", r.status, r.raw)
	}
	// Cost: a search reads one index partition, a page at a time, and no referral list.
	rec.mu.Lock()
	rec.pks = nil
	rec.mu.Unlock()
	if r := owner.do("GET", "/v1/referrals?q=silv&limit=1", nil); r.status != 200 || r.body["nextCursor"] == nil {
		t.Fatalf("a page of one: %d %s", r.status, r.raw)
	} else if r2 := owner.do("GET", "/v1/referrals?q=silv&limit=1&cursor="+url.QueryEscape(r.body["nextCursor"].(string)), nil); r2.status != 200 {
		t.Fatalf("the next page: %d %s", r2.status, r2.raw)
	} else if a, b := ids(r), ids(r2); len(a)+len(b) != 2 || a[0] == b[0] {
		t.Fatalf("two pages of one: %s / %s", r.raw, r2.raw)
	}
	rec.mu.Lock()
	for _, pk := range rec.pks {
		if !strings.Contains(pk, "#FIND#") && !strings.Contains(pk, "#U#") {
			t.Errorf("a search read %s", pk)
		}
		if strings.Contains(pk, "#FIND#") && !strings.HasSuffix(pk, "|1") {
			t.Errorf("an index read without the page's limit: %s", pk)
		}
		for _, plain := range []string{"silva", "SILVA", "1980", "Silva"} {
			if strings.Contains(pk, plain) {
				t.Errorf("an index key holds %q: %s", plain, pk)
			}
		}
	}
	rec.mu.Unlock()
	// Bad searches are field errors; a referrer searches their own list on the page instead.
	for _, c := range []struct {
		who *client
		q   string
	}{{owner, "a"}, {owner, strings.Repeat("silva ", 20)}, {ref, "silva"}} {
		if r := search(c.who, c.q); r.status != 422 || len(r.fields()) == 0 || r.fields()[0] != "q" {
			t.Errorf("%q: %d %s", c.q, r.status, r.raw)
		}
	}
	if r := owner.do("GET", "/v1/referrals?q=silva&status=received", nil); r.status != 422 {
		t.Errorf("q with status: %d", r.status)
	}
}
