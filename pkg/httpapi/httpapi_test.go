package httpapi_test

import (
	"fmt"
	"net/http"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/referloop/referloop/pkg/ids"
)

func TestSignUpCreatesAPracticeWithAUniqueSlug(t *testing.T) {
	e := newEnv(t)
	a := e.practice("Lakeside PT", "a@lakeside.example")
	b := e.practice("Lakeside PT", "b@lakeside.example")
	ma, mb := a.do("GET", "/v1/me", nil), b.do("GET", "/v1/me", nil)
	sa := ma.body["practice"].(map[string]any)["slug"]
	sb := mb.body["practice"].(map[string]any)["slug"]
	if sa != "lakeside-pt" || sb == sa || !strings.HasPrefix(sb.(string), "lakeside-pt-") {
		t.Fatalf("slugs %v and %v", sa, sb)
	}
	if role := ma.body["user"].(map[string]any)["role"]; role != "owner" {
		t.Fatalf("role %v", role)
	}
	if r := e.client().do("GET", "/v1/practices/"+sb.(string)+"/profile", nil); r.status != 200 || r.body["name"] != "Lakeside PT" {
		t.Fatalf("public profile %d %s", r.status, r.raw)
	}
}

func TestMagicLinks(t *testing.T) {
	e := newEnv(t)
	owner := e.practice("Harbor Clinic", "owner@harbor.example")
	_ = owner
	anon := e.client()

	// Known and unknown addresses get the same answer; only the known one gets mail.
	known := anon.do("POST", "/v1/auth/links", map[string]string{"email": "owner@harbor.example"})
	unknown := anon.do("POST", "/v1/auth/links", map[string]string{"email": "nobody@harbor.example"})
	unknownRef := anon.do("POST", "/v1/auth/links", map[string]string{"email": "nobody@harbor.example", "practice": "harbor-clinic"})
	if known.status != 202 || known.raw != unknown.raw || known.status != unknown.status || unknownRef.raw != known.raw {
		t.Fatalf("answers differ: %d %q / %d %q / %q", known.status, known.raw, unknown.status, unknown.raw, unknownRef.raw)
	}
	// Only the practice's page sends an unknown address something: a link to join as a new source.
	if n := e.mailsTo("nobody@harbor.example"); n != 1 {
		t.Fatalf("%d mails to an unknown address, want the one join link of the practice's page", n)
	}
	token := e.lastToken("owner@harbor.example")

	// A GET never uses a link up: no route takes a token by GET.
	for _, path := range []string{"/v1/auth/sessions?token=" + token, "/v1/auth/sessions/" + token} {
		if r := anon.do("GET", path, nil); r.status < 400 || r.status >= 500 {
			t.Fatalf("GET %s: %d", path, r.status)
		}
	}
	flip := byte('A')
	if token[10] == 'A' {
		flip = 'B'
	}
	tampered := token[:10] + string(flip) + token[11:]
	cases := []struct {
		name  string
		token string
		want  int
	}{
		{"tampered", tampered, 401},
		{"truncated", token[:42], 401},
		{"empty", "", 401},
		{"valid", token, 200},
		{"reused", token, 401},
	}
	for _, c := range cases {
		// The link was asked for by anon's browser, so it is anon that confirms it (another browser
		// would need the email's code, see TestLinkBoundToTheAskingBrowser).
		r := anon.do("POST", "/v1/auth/sessions", map[string]string{"token": c.token})
		if r.status != c.want {
			t.Fatalf("%s link: %d %s, want %d", c.name, r.status, r.raw, c.want)
		}
		if r.status == 401 && !strings.HasSuffix(r.body["type"].(string), "/invalid-link") {
			t.Fatalf("%s link: type %v", c.name, r.body["type"])
		}
	}

	// An expired link does not sign in: move the store's clock past the 15 minutes.
	anon.do("POST", "/v1/auth/links", map[string]string{"email": "owner@harbor.example"})
	late := e.lastToken("owner@harbor.example")
	e.store.Now = func() time.Time { return time.Now().Add(16 * time.Minute) }
	if r := anon.do("POST", "/v1/auth/sessions", map[string]string{"token": late}); r.status != 401 {
		t.Fatalf("expired link: %d", r.status)
	}
}

func TestRateLimits(t *testing.T) {
	e := newEnv(t)
	// Limits count per fixed window: one instant for the whole test, so that it never straddles a
	// window's edge (it did when run across a quarter hour).
	at := time.Now()
	e.store.Now = func() time.Time { return at }
	e.practice("Rate Clinic", "owner@rate.example")
	anon := e.client()
	before := e.mailsTo("owner@rate.example")
	for i := 0; i < 7; i++ {
		if r := anon.do("POST", "/v1/auth/links", map[string]string{"email": "owner@rate.example"}); r.status != 202 {
			t.Fatalf("request %d: %d", i, r.status)
		}
	}
	// 5 links per address per window (the sign-up link counted as one): the answer stays the same.
	if got := e.mailsTo("owner@rate.example") - before; got != 4 {
		t.Fatalf("%d links mailed, want 4 more (5 per 15 minutes)", got)
	}
	var last resp
	for i := 0; i < 30; i++ {
		last = anon.do("POST", "/v1/auth/links", map[string]string{"email": "x" + ids.Short("") + "@rate.example"})
	}
	if last.status != 429 || last.header.Get("Retry-After") == "" || last.header.Get("Content-Type") != "application/problem+json" {
		t.Fatalf("after 37 requests from one address: %d %v", last.status, last.header)
	}
}

func TestSessionsCSRFAndLogout(t *testing.T) {
	e := newEnv(t)
	owner := e.practice("Csrf Clinic", "owner@csrf.example")
	profile := map[string]any{"name": "Csrf Clinic", "conditions": []string{"Back pain"}, "contactByHours": map[string]int{"default": 48, "urgent": 24}}

	if r := owner.do("PUT", "/v1/practice", profile, "X-CSRF-Token", ""); r.status != 403 || !strings.HasSuffix(r.body["type"].(string), "/csrf") {
		t.Fatalf("PUT without CSRF token: %d %s", r.status, r.raw)
	}
	if r := owner.do("PUT", "/v1/practice", profile, "X-CSRF-Token", "forged"); r.status != 403 {
		t.Fatalf("PUT with a forged CSRF token: %d", r.status)
	}
	if r := owner.do("PUT", "/v1/practice", profile); r.status != 200 {
		t.Fatalf("PUT with the token: %d %s", r.status, r.raw)
	}
	// A stale version is refused.
	if r := owner.do("PUT", "/v1/practice", profile, "If-Match", `"1"`); r.status != 409 {
		t.Fatalf("stale If-Match: %d %s", r.status, r.raw)
	}

	// Keep the session cookie, sign out, and replay it: revoked.
	stolen := e.client()
	stolen.http.Jar = owner.http.Jar
	cookies := owner.http.Jar.Cookies(mustURL(e.srv.URL))
	if r := owner.do("DELETE", "/v1/auth/sessions/current", nil); r.status != 204 {
		t.Fatalf("logout: %d", r.status)
	}
	replay := e.client()
	replay.http.Jar.SetCookies(mustURL(e.srv.URL), cookies)
	if r := replay.do("GET", "/v1/me", nil); r.status != 401 {
		t.Fatalf("revoked session still works: %d", r.status)
	}
	if r := e.client().do("GET", "/v1/me", nil, "Cookie", "rl_session=eyJhbGciOiJub25lIn0.eyJ0aWQiOiJ4In0."); r.status != 401 {
		t.Fatalf("alg none: %d", r.status)
	}
}

func TestCrossTenantAndCrossReferrerReadsAre404(t *testing.T) {
	e := newEnv(t)
	ownerA := e.practice("Alpha Clinic", "owner@alpha.example")
	ownerB := e.practice("Beta Clinic", "owner@beta.example")
	refA, pidA := e.referrer(ownerA, "Alpha Family Medicine", "dr.a@alpha-fm.example")
	refA2, _ := e.referrer(ownerA, "Alpha Chiro", "dr.a2@alpha-chiro.example")
	refB, pidB := e.referrer(ownerB, "Beta Family Medicine", "dr.b@beta-fm.example")

	ra, _ := refA.submit("Low back pain")
	rb, _ := refB.submit("Neck pain")
	if ra.status != 201 || rb.status != 201 {
		t.Fatalf("submits: %d %s / %d %s", ra.status, ra.raw, rb.status, rb.raw)
	}
	idA, idB := ra.body["id"].(string), rb.body["id"].(string)

	// Each route that takes an id, tried by every outsider.
	outsiders := map[string]*client{"staff of B": ownerB, "referrer of B": refB, "other referrer of A": refA2}
	for who, c := range outsiders {
		if r := c.do("GET", "/v1/referrals/"+idA, nil); r.status != 404 {
			t.Errorf("%s reads A's referral: %d", who, r.status)
		}
		list := c.do("GET", "/v1/referrals", nil)
		if strings.Contains(list.raw, idA) {
			t.Errorf("%s lists A's referral", who)
		}
	}
	// Every route that takes an id, with an id of practice A, from practice B's staff and referrer.
	idRoutes := []struct {
		method, path string
		body         any
		headers      []string
	}{
		{"GET", "/v1/referrals/" + idA, nil, nil},
		{"POST", "/v1/referrals/" + idA + "/transitions", map[string]any{"to": "accepted"}, []string{"If-Match", `"1"`}},
		{"POST", "/v1/referrals/" + idA + "/answers", map[string]any{"answer": "x"}, nil},
		{"POST", "/v1/partners/" + pidA + "/invitations", map[string]string{"email": "x@evil.example"}, nil},
		{"PUT", "/v1/partners/" + pidA, map[string]string{"name": "Hijacked", "kind": "pcp"}, nil},
		{"GET", "/v1/partners/" + pidA + "/scorecard", nil, nil},
	}
	for _, rt := range idRoutes {
		for who, c := range map[string]*client{"staff of B": ownerB, "referrer of B": refB} {
			r := c.do(rt.method, rt.path, rt.body, rt.headers...)
			// A route for the other role answers 403 before looking anything up; never 2xx.
			if r.status != 404 && r.status != 403 {
				t.Errorf("%s: %s %s → %d %s", who, rt.method, rt.path, r.status, r.raw)
			}
			if c == ownerB && strings.HasPrefix(rt.path, "/v1/partners") && r.status != 404 {
				t.Errorf("%s: %s %s → %d, want 404", who, rt.method, rt.path, r.status)
			}
		}
	}
	if r := refB.do("POST", "/v1/referrals/"+idA+"/answers", map[string]any{"answer": "x"}); r.status != 404 {
		t.Errorf("referrer of B answers on A's referral: %d", r.status)
	}
	if r := ownerB.do("POST", "/v1/referrals/"+idA+"/transitions", map[string]any{"to": "accepted"}, "If-Match", `"1"`); r.status != 404 {
		t.Errorf("staff of B moves A's referral: %d", r.status)
	}
	if r := ownerA.do("GET", "/v1/referrals/"+idA, nil); r.body["status"] != "received" {
		t.Errorf("A's referral changed: %s", r.raw)
	}
	if e.mailsTo("x@evil.example") != 0 {
		t.Error("an invitation went out for another tenant's partner")
	}
	if r := ownerB.do("GET", "/v1/partners", nil); strings.Contains(r.raw, pidA) {
		t.Error("staff of B list A's partners")
	}
	// The owners see their own.
	if r := ownerA.do("GET", "/v1/referrals/"+idA, nil); r.status != 200 {
		t.Errorf("owner A reads its referral: %d", r.status)
	}
	if r := ownerB.do("GET", "/v1/referrals/"+idB, nil); r.status != 200 || r.body["partner"].(map[string]any)["id"] != pidB {
		t.Errorf("owner B reads its referral: %d %s", r.status, r.raw)
	}
	// Referrers cannot reach staff routes.
	for _, rt := range [][2]string{{"GET", "/v1/practice"}, {"GET", "/v1/partners"}, {"POST", "/v1/partners"}} {
		if r := refA.do(rt[0], rt[1], map[string]string{}); r.status != 403 {
			t.Errorf("referrer %s %s: %d", rt[0], rt[1], r.status)
		}
	}
	// Staff cannot submit as a referrer.
	if r, _ := ownerA.submit("x"); r.status != 403 {
		t.Errorf("staff submit: %d", r.status)
	}
}

func TestSubmitIsIdempotentUnderConcurrency(t *testing.T) {
	e := newEnv(t)
	owner := e.practice("Idem Clinic", "owner@idem.example")
	ref, _ := e.referrer(owner, "Idem FM", "dr@idem-fm.example")
	key := ids.NewULID(time.Now())
	body := submission("Low back pain")

	var wg sync.WaitGroup
	results := make([]resp, 20)
	for i := range results {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			results[i] = ref.do("POST", "/v1/referrals", body, "Idempotency-Key", key)
		}(i)
	}
	wg.Wait()
	replayed := 0
	for i, r := range results {
		if r.status != 201 || r.body["id"] != results[0].body["id"] {
			t.Fatalf("submit %d: %d %v", i, r.status, r.body["id"])
		}
		if r.header.Get("Idempotent-Replayed") == "true" {
			replayed++
		}
	}
	if replayed != 19 {
		t.Fatalf("%d replays, want 19 (one creation)", replayed)
	}
	list := ref.do("GET", "/v1/referrals", nil)
	if items := list.body["items"].([]any); len(items) != 1 {
		t.Fatalf("%d referrals stored, want 1", len(items))
	}
	other := submission("Neck pain")
	if r := ref.do("POST", "/v1/referrals", other, "Idempotency-Key", key); r.status != 422 || !reflect.DeepEqual(r.fields(), []string{"Idempotency-Key"}) {
		t.Fatalf("same key, other body: %d %s", r.status, r.raw)
	}
}

func TestBadInputIsAProblemNeverA5xx(t *testing.T) {
	e := newEnv(t)
	owner := e.practice("Bad Input Clinic", "owner@bad.example")
	ref, _ := e.referrer(owner, "Bad FM", "dr@bad-fm.example")
	key := func() string { return ids.NewULID(time.Now()) }
	old := ids.NewULID(time.Now().Add(-48 * time.Hour))
	cases := []struct {
		name    string
		c       *client
		method  string
		path    string
		body    any
		headers []string
		status  int
		fields  []string
	}{
		{"empty submission", ref, "POST", "/v1/referrals", map[string]any{}, []string{"Idempotency-Key", key()}, 422,
			[]string{"patient.consentToContact", "patient.dateOfBirth", "patient.firstName", "patient.lastName", "patient.phone", "reason", "urgency"}},
		{"bad fields", ref, "POST", "/v1/referrals", map[string]any{"patient": map[string]any{"firstName": "A", "lastName": "B",
			"dateOfBirth": "2999-01-01", "email": "nope", "consentToContact": true}, "reason": "x", "urgency": "asap"},
			[]string{"Idempotency-Key", key()}, 422, []string{"patient.dateOfBirth", "patient.email", "urgency"}},
		{"wrong type", ref, "POST", "/v1/referrals", `{"patient": {"firstName": 7}}`, []string{"Idempotency-Key", key()}, 422, []string{"patient.firstName"}},
		{"unknown field", ref, "POST", "/v1/referrals", `{"ssn": "1"}`, []string{"Idempotency-Key", key()}, 422, []string{"ssn"}},
		{"no key", ref, "POST", "/v1/referrals", submission("x"), nil, 422, []string{"Idempotency-Key"}},
		{"old key", ref, "POST", "/v1/referrals", submission("x"), []string{"Idempotency-Key", old}, 422, []string{"Idempotency-Key"}},
		{"malformed", ref, "POST", "/v1/referrals", `{"patient":`, []string{"Idempotency-Key", key()}, 400, nil},
		{"not json", ref, "POST", "/v1/referrals", `a=b`, []string{"Idempotency-Key", key(), "Content-Type", "application/x-www-form-urlencoded"}, 415, nil},
		{"too large", ref, "POST", "/v1/referrals", `{"note": "` + strings.Repeat("x", 70<<10) + `"}`, []string{"Idempotency-Key", key()}, 413, nil},
		{"bad profile", owner, "PUT", "/v1/practice", map[string]any{"name": "", "contactByHours": map[string]int{"default": 0, "urgent": 5}}, nil, 422,
			[]string{"contactByHours.default", "name"}},
		{"bad partner", owner, "POST", "/v1/partners", map[string]any{"name": "X", "kind": "wizard", "npi": "1234567890"}, nil, 422, []string{"kind", "npi"}},
		{"bad status", owner, "GET", "/v1/referrals?status=lost&limit=500", nil, nil, 422, []string{"limit", "status"}},
		{"bad cursor", owner, "GET", "/v1/referrals?cursor=Zm9v", nil, nil, 422, []string{"cursor"}},
		{"bad signup", e.client(), "POST", "/v1/practices", map[string]any{"practiceName": "!!!", "email": "a@"}, nil, 422, []string{"email", "practiceName"}},
		{"unknown referral", owner, "GET", "/v1/referrals/p_x.r_y.01ARZ3NDEKTSV4RRFFQ69G5FAV", nil, nil, 404, nil},
		{"garbage id", owner, "GET", "/v1/referrals/..%2F..", nil, nil, 404, nil},
		{"unknown slug", e.client(), "GET", "/v1/practices/no-such-practice/profile", nil, nil, 404, nil},
		{"anonymous", e.client(), "GET", "/v1/referrals", nil, nil, 401, nil},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := c.c.do(c.method, c.path, c.body, c.headers...)
			if r.status != c.status {
				t.Fatalf("status %d, want %d: %s", r.status, c.status, r.raw)
			}
			if ct := r.header.Get("Content-Type"); ct != "application/problem+json" {
				t.Fatalf("content type %q", ct)
			}
			if int(r.body["status"].(float64)) != c.status || r.body["type"] == "" || r.body["title"] == "" {
				t.Fatalf("not a problem document: %s", r.raw)
			}
			if c.fields != nil && !reflect.DeepEqual(r.fields(), c.fields) {
				t.Fatalf("fields %v, want %v", r.fields(), c.fields)
			}
		})
	}
	if list := ref.do("GET", "/v1/referrals", nil); len(list.body["items"].([]any)) != 0 {
		t.Fatalf("bad input stored a referral: %s", list.raw)
	}
}

func TestReferrerFlowAndStaffQueue(t *testing.T) {
	e := newEnv(t)
	owner := e.practice("Flow Clinic", "owner@flow.example")
	ref, pid := e.referrer(owner, "Flow FM", "dr@flow-fm.example")
	me := ref.do("GET", "/v1/me", nil)
	if me.body["user"].(map[string]any)["role"] != "referrer" || me.body["partner"].(map[string]any)["id"] != pid {
		t.Fatalf("referrer me: %s", me.raw)
	}
	urgent := submission("Post-surgical knee rehab")
	urgent["urgency"] = "urgent"
	r1, _ := ref.submit("Low back pain")
	r2 := ref.do("POST", "/v1/referrals", urgent, "Idempotency-Key", ids.NewULID(time.Now()))
	if r1.status != 201 || r2.status != 201 {
		t.Fatal(r1.raw, r2.raw)
	}
	created, _ := time.Parse(time.RFC3339, r2.body["createdAt"].(string))
	due, _ := time.Parse(time.RFC3339, r2.body["contactBy"].(string))
	if got := due.Sub(created); got != 24*time.Hour {
		t.Fatalf("urgent contact-by after %s, want 24h", got)
	}
	if r2.body["referrer"].(map[string]any)["email"] != "dr@flow-fm.example" || r2.body["status"] != "received" {
		t.Fatalf("referral: %s", r2.raw)
	}
	q := owner.do("GET", "/v1/referrals?status=received", nil)
	items := q.body["items"].([]any)
	if len(items) != 2 || items[0].(map[string]any)["id"] != r2.body["id"] {
		t.Fatalf("queue not oldest-due first: %s", q.raw)
	}
	page1 := owner.do("GET", "/v1/referrals?limit=1", nil)
	cur, _ := page1.body["nextCursor"].(string)
	page2 := owner.do("GET", "/v1/referrals?limit=1&cursor="+cur, nil)
	if cur == "" || len(page2.body["items"].([]any)) != 1 || page2.body["items"].([]any)[0].(map[string]any)["id"] == page1.body["items"].([]any)[0].(map[string]any)["id"] {
		t.Fatalf("paging: %s / %s", page1.raw, page2.raw)
	}
	if r := ref.do("GET", "/v1/referrals/"+r1.body["id"].(string), nil); r.status != 200 || r.header.Get("ETag") == "" {
		t.Fatalf("referrer reads own: %d", r.status)
	}
	_ = http.StatusOK
}

// TestControlCharactersRefused: names and single-line fields refuse control and invisible
// characters with the field named; notes keep their line breaks.
func TestControlCharactersRefused(t *testing.T) {
	e := newEnv(t)
	owner := e.practice("Ctl Clinic", "owner@ctl.example")
	cases := []struct {
		name, method, path string
		body               map[string]any
		field              string
	}{
		{"practice name with CR LF", "POST", "/v1/practices", map[string]any{"practiceName": "Evil\r\nBcc: victim@evil.example", "email": "x@ctl.example"}, "practiceName"},
		{"partner name with NUL", "POST", "/v1/partners", map[string]any{"name": "North\x00side", "kind": "pcp"}, "name"},
		{"partner specialty with RLO", "POST", "/v1/partners", map[string]any{"name": "Northside", "kind": "pcp", "specialty": "fdp\u202Etxt"}, "specialty"},
		{"profile condition with ESC", "PUT", "/v1/practice", map[string]any{"name": "Ctl Clinic", "conditions": []string{"Back\x1b[2J"},
			"contactByHours": map[string]int{"default": 48, "urgent": 24}}, "conditions.0"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			cl := owner
			if c.path == "/v1/practices" {
				cl = e.client()
			}
			r := cl.do(c.method, c.path, c.body)
			if r.status != 422 || fmt.Sprint(r.fields()) != "["+c.field+"]" {
				t.Fatalf("%d %s", r.status, r.raw)
			}
		})
	}
	// A note keeps its line breaks.
	if r := owner.do("PUT", "/v1/practice", map[string]any{"name": "Ctl Clinic", "notAMatch": "Under 16\nPregnancy",
		"contactByHours": map[string]int{"default": 48, "urgent": 24}}); r.status != 200 {
		t.Fatalf("a multi-line note: %d %s", r.status, r.raw)
	}
}
