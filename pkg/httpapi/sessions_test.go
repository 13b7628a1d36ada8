package httpapi_test

import (
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/referloop/referloop/pkg/auth"
	"github.com/referloop/referloop/pkg/practice"
	"github.com/referloop/referloop/pkg/store"
)

// testClock is one clock for the handlers, the store and the signer, moved by the test.
type testClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *testClock) now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *testClock) add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

func (e *env) useClock() *testClock {
	c := &testClock{t: time.Now().UTC()}
	e.store.Now, e.deps.Now, e.deps.Signer.Now = c.now, c.now, c.now
	return c
}

// signIn asks a link for email (practice: a referrer's practice slug, or "" for staff) in a new
// browser and confirms it there.
func (e *env) signIn(email, practiceSlug string) *client {
	e.t.Helper()
	c := e.client()
	body := map[string]string{"email": email}
	if practiceSlug != "" {
		body["practice"] = practiceSlug
	}
	if r := c.do("POST", "/v1/auth/links", body); r.status != 202 {
		e.t.Fatalf("link for %s: %d %s", email, r.status, r.raw)
	}
	if r := c.do("POST", "/v1/auth/sessions", map[string]string{"token": e.lastToken(email)}); r.status != 200 {
		e.t.Fatalf("sign-in of %s: %d %s", email, r.status, r.raw)
	}
	return c
}

func problemType(r resp) string {
	s, _ := r.body["type"].(string)
	return strings.TrimPrefix(s, "https://referloop.dev/problems/")
}

// TestIdleTimeout: a staff session ends after 30 minutes without use, a referrer's after 8 hours,
// any after 12 hours; use keeps a session alive, and is recorded at most every 5 minutes.
func TestIdleTimeout(t *testing.T) {
	e := newEnv(t)
	clock := e.useClock()
	owner := e.practice("Idle Clinic", "owner@idle.example")
	ref, _ := e.referrer(owner, "Idle Family Medicine", "dr.i@idle-fm.example")
	me := owner.do("GET", "/v1/me", nil)
	tid := me.body["practice"].(map[string]any)["id"].(string)
	lastSeen := func(c *client) time.Time {
		t.Helper()
		cl := c.claims()
		st, err := e.store.Session(context.Background(), tid, cl.Subject, cl.ID)
		if err != nil || !st.Live {
			t.Fatalf("session: %+v %v", st, err)
		}
		return st.LastSeen
	}
	start := lastSeen(owner)

	// Used within 5 minutes: nothing is written; after 5: the use is recorded.
	clock.add(4 * time.Minute)
	if r := owner.do("GET", "/v1/me", nil); r.status != 200 {
		t.Fatalf("after 4 minutes: %d", r.status)
	}
	if got := lastSeen(owner); !got.Equal(start) {
		t.Fatalf("a use 4 minutes in rewrote lastSeen: %v → %v", start, got)
	}
	clock.add(2 * time.Minute)
	owner.do("GET", "/v1/me", nil)
	if got := lastSeen(owner); got.Sub(start) != 6*time.Minute {
		t.Fatalf("a use 6 minutes in recorded lastSeen %v (start %v)", got, start)
	}

	// 29 minutes idle is fine; 31 more is not, for staff; the referrer's session lives on.
	clock.add(29 * time.Minute)
	if r := owner.do("GET", "/v1/me", nil); r.status != 200 {
		t.Fatalf("staff after 29 idle minutes: %d %s", r.status, r.raw)
	}
	clock.add(31 * time.Minute)
	if r := owner.do("GET", "/v1/me", nil); r.status != 401 || problemType(r) != "session-idle" {
		t.Fatalf("staff after 31 idle minutes: %d %s", r.status, r.raw)
	}
	if r := ref.do("GET", "/v1/me", nil); r.status != 200 {
		t.Fatalf("referrer after an hour: %d %s", r.status, r.raw)
	}
	// Two fresh referrer sessions: one used after 7 h 59, the other left 8 h 01.
	refA, refB := e.signIn("dr.i@idle-fm.example", "idle-clinic"), e.signIn("dr.i@idle-fm.example", "idle-clinic")
	clock.add(7*time.Hour + 59*time.Minute)
	if r := refA.do("GET", "/v1/me", nil); r.status != 200 {
		t.Fatalf("referrer after 7 h 59 idle: %d %s", r.status, r.raw)
	}
	clock.add(2 * time.Minute)
	if r := refB.do("GET", "/v1/me", nil); r.status != 401 || problemType(r) != "session-idle" {
		t.Fatalf("referrer after 8 h 01 idle: %d %s", r.status, r.raw)
	}
	if r := refA.do("GET", "/v1/me", nil); r.status != 200 {
		t.Fatalf("referrer used 2 minutes ago: %d %s", r.status, r.raw)
	}

	// A session used every 20 minutes still ends after 12 hours.
	busy := e.signIn("owner@idle.example", "")
	for i := 0; i < 35; i++ { // 11 h 40 min
		clock.add(20 * time.Minute)
		if r := busy.do("GET", "/v1/me", nil); r.status != 200 {
			t.Fatalf("a busy session after %d minutes: %d %s", (i+1)*20, r.status, r.raw)
		}
	}
	clock.add(21 * time.Minute)
	if r := busy.do("GET", "/v1/me", nil); r.status != 401 {
		t.Fatalf("a busy session after 12 h 01: %d %s", r.status, r.raw)
	}
}

// claims are the verified claims of the client's session cookie.
func (c *client) claims() *auth.Claims {
	c.e.t.Helper()
	for _, ck := range c.http.Jar.Cookies(mustURL(c.e.srv.URL)) {
		if ck.Name == auth.SessionCookie {
			cl, err := c.e.deps.Signer.Verify(context.Background(), ck.Value)
			if err != nil {
				c.e.t.Fatalf("session cookie: %v", err)
			}
			return cl
		}
	}
	c.e.t.Fatal("no session cookie")
	return nil
}

// TestSignOutEverywhere: DELETE /v1/auth/sessions ends every session of the account at once (this
// browser's and the others'), not other people's.
func TestSignOutEverywhere(t *testing.T) {
	e := newEnv(t)
	owner := e.practice("Everywhere Clinic", "owner@everywhere.example")
	phone := e.signIn("owner@everywhere.example", "")
	ref, _ := e.referrer(owner, "Everywhere FM", "dr.e@everywhere-fm.example")
	if r := e.client().do("DELETE", "/v1/auth/sessions", nil); r.status != 401 {
		t.Fatalf("signed out: %d", r.status)
	}
	if r := phone.do("DELETE", "/v1/auth/sessions", nil, "X-CSRF-Token", ""); r.status != 403 {
		t.Fatalf("without the CSRF token: %d", r.status)
	}
	if r := phone.do("DELETE", "/v1/auth/sessions", nil); r.status != 204 {
		t.Fatalf("sign out everywhere: %d %s", r.status, r.raw)
	}
	for name, c := range map[string]*client{"this browser": phone, "the other browser": owner} {
		if r := c.do("GET", "/v1/me", nil); r.status != 401 {
			t.Errorf("%s after signing out everywhere: %d", name, r.status)
		}
	}
	if r := ref.do("GET", "/v1/me", nil); r.status != 200 {
		t.Errorf("another person's session ended too: %d", r.status)
	}
}

// TestDeactivation: staff deactivate a referrer, the owner a staff member: their sessions end at
// once, a link request for them answers the same 202 and sends nothing, a link sent before no longer
// signs in; the owner cannot be deactivated; a new invitation lets a referrer back in; other
// practices cannot reach either.
func TestDeactivation(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	owner := e.practice("Deact Clinic", "owner@deact.example")
	other := e.practice("Other Clinic", "owner@other-deact.example")
	ref, pid := e.referrer(owner, "Deact FM", "dr.d@deact-fm.example")
	tid := owner.do("GET", "/v1/me", nil).body["practice"].(map[string]any)["id"].(string)
	if err := e.store.AddMember(ctx, tid, "Deact Clinic", store.User{Email: "jo@deact.example", Name: "Jo Park", Role: practice.RoleStaff}); err != nil {
		t.Fatal(err)
	}
	staff := e.signIn("jo@deact.example", "")
	anon := e.client()

	// The referrers of a partner, to staff only.
	list := staff.do("GET", "/v1/partners/"+pid+"/referrers", nil)
	items, _ := list.body["items"].([]any)
	if list.status != 200 || len(items) != 1 || items[0].(map[string]any)["email"] != "dr.d@deact-fm.example" {
		t.Fatalf("referrers: %d %s", list.status, list.raw)
	}
	rid := items[0].(map[string]any)["id"].(string)
	if r := ref.do("GET", "/v1/partners/"+pid+"/referrers", nil); r.status != 403 {
		t.Errorf("a referrer lists referrers: %d", r.status)
	}
	if r := other.do("DELETE", "/v1/partners/"+pid+"/referrers/"+rid, nil); r.status != 404 {
		t.Errorf("another practice deactivates the referrer: %d %s", r.status, r.raw)
	}
	if r := staff.do("DELETE", "/v1/partners/"+pid+"/referrers/r_nobody", nil); r.status != 404 {
		t.Errorf("an unknown referrer: %d %s", r.status, r.raw)
	}

	// A link sent before the deactivation, unused.
	pending := e.client()
	pending.do("POST", "/v1/auth/links", map[string]string{"email": "dr.d@deact-fm.example", "practice": "deact-clinic"})
	pendingToken := e.lastToken("dr.d@deact-fm.example")

	d := staff.do("DELETE", "/v1/partners/"+pid+"/referrers/"+rid, nil)
	if d.status != 200 || d.body["deactivatedAt"] == nil {
		t.Fatalf("deactivate the referrer: %d %s", d.status, d.raw)
	}
	if r := ref.do("GET", "/v1/me", nil); r.status != 401 {
		t.Errorf("the deactivated referrer's session: %d", r.status)
	}
	if r := pending.do("POST", "/v1/auth/sessions", map[string]string{"token": pendingToken}); r.status != 403 || problemType(r) != "deactivated" {
		t.Errorf("a link sent before the deactivation: %d %s", r.status, r.raw)
	}
	before := e.mailsTo("dr.d@deact-fm.example")
	unknown := anon.do("POST", "/v1/auth/links", map[string]string{"email": "nobody@deact-fm.example", "practice": "deact-clinic"})
	known := anon.do("POST", "/v1/auth/links", map[string]string{"email": "dr.d@deact-fm.example", "practice": "deact-clinic"})
	if known.status != 202 || known.raw != unknown.raw || e.mailsTo("dr.d@deact-fm.example") != before {
		t.Errorf("a link request for the deactivated referrer: %d %s, %d mails more", known.status, known.raw, e.mailsTo("dr.d@deact-fm.example")-before)
	}
	// Inviting them again lets them back in.
	if r := owner.do("POST", "/v1/partners/"+pid+"/invitations", map[string]string{"email": "dr.d@deact-fm.example"}); r.status != 202 {
		t.Fatalf("invite again: %d %s", r.status, r.raw)
	}
	back := e.client()
	if r := back.do("POST", "/v1/auth/sessions", map[string]string{"token": e.lastToken("dr.d@deact-fm.example")}); r.status != 200 {
		t.Fatalf("the invited-again referrer signs in: %d %s", r.status, r.raw)
	}

	// The team, to the owner only.
	team := owner.do("GET", "/v1/members", nil)
	members, _ := team.body["items"].([]any)
	if team.status != 200 || len(members) != 2 {
		t.Fatalf("members: %d %s", team.status, team.raw)
	}
	var jo, self string
	for _, m := range members {
		m := m.(map[string]any)
		switch m["email"] {
		case "jo@deact.example":
			jo = m["id"].(string)
		case "owner@deact.example":
			self = m["id"].(string)
		}
	}
	if r := staff.do("GET", "/v1/members", nil); r.status != 403 {
		t.Errorf("staff list the team: %d", r.status)
	}
	if r := staff.do("DELETE", "/v1/members/"+self, nil); r.status != 403 {
		t.Errorf("staff deactivate the owner: %d", r.status)
	}
	if r := owner.do("DELETE", "/v1/members/"+self, nil); r.status != 409 || problemType(r) != "cannot-deactivate-owner" {
		t.Errorf("the owner deactivates themselves: %d %s", r.status, r.raw)
	}
	for _, id := range []string{"nobody", strings.Repeat("0", 32)} {
		if r := owner.do("DELETE", "/v1/members/"+id, nil); r.status != 404 {
			t.Errorf("member %q: %d %s", id, r.status, r.raw)
		}
	}
	if r := other.do("DELETE", "/v1/members/"+jo, nil); r.status != 404 {
		t.Errorf("another practice's owner deactivates Jo: %d %s", r.status, r.raw)
	}
	if r := owner.do("DELETE", "/v1/members/"+jo, nil); r.status != 200 || r.body["deactivatedAt"] == nil {
		t.Fatalf("deactivate Jo: %d %s", r.status, r.raw)
	}
	if r := staff.do("GET", "/v1/queue", nil); r.status != 401 {
		t.Errorf("the deactivated member's session: %d", r.status)
	}
	before = e.mailsTo("jo@deact.example")
	if r := anon.do("POST", "/v1/auth/links", map[string]string{"email": "jo@deact.example"}); r.status != 202 || e.mailsTo("jo@deact.example") != before {
		t.Errorf("a link request for the deactivated member: %d, %d mails more", r.status, e.mailsTo("jo@deact.example")-before)
	}
	if r := owner.do("GET", "/v1/me", nil); r.status != 200 {
		t.Errorf("the owner's own session: %d", r.status)
	}
}

// TestCrossSiteChangesRefused: a state-changing request a browser says came from another site (or
// with another Origin) is refused with 403 cross-site, even with the session's cookies and CSRF
// token; the portal's own requests and clients that are not browsers pass; reads are not affected.
func TestCrossSiteChangesRefused(t *testing.T) {
	e := newEnv(t)
	owner := e.practice("Cross Clinic", "owner@cross.example")
	profile := map[string]any{"name": "Cross Clinic", "conditions": []string{"Back pain"}, "contactByHours": map[string]int{"default": 48, "urgent": 24}}
	for _, h := range [][]string{
		{"Sec-Fetch-Site", "cross-site"},
		{"Sec-Fetch-Site", "same-site", "Origin", "https://evil." + strings.TrimPrefix(e.srv.URL, "http://")},
		{"Sec-Fetch-Site", "none"},
		{"Origin", "https://evil.example"},
		{"Origin", "null"},
	} {
		if r := owner.do("PUT", "/v1/practice", profile, h...); r.status != 403 || problemType(r) != "cross-site" {
			t.Errorf("PUT with %v: %d %s", h, r.status, r.raw)
		}
		if r := e.client().do("POST", "/v1/auth/links", map[string]string{"email": "owner@cross.example"}, h...); r.status != 403 || problemType(r) != "cross-site" {
			t.Errorf("link request with %v: %d %s", h, r.status, r.raw)
		}
		if r := owner.do("DELETE", "/v1/auth/sessions/current", nil, h...); r.status != 403 {
			t.Errorf("sign-out with %v: %d", h, r.status)
		}
	}
	for _, h := range [][]string{
		{"Sec-Fetch-Site", "same-origin", "Origin", e.srv.URL},
		{"Origin", e.srv.URL},
		{}, // not a browser
	} {
		if r := owner.do("PUT", "/v1/practice", profile, h...); r.status != 200 {
			t.Errorf("PUT with %v: %d %s", h, r.status, r.raw)
		}
	}
	if r := owner.do("GET", "/v1/me", nil, "Sec-Fetch-Site", "cross-site"); r.status != 200 {
		t.Errorf("a cross-site GET: %d", r.status)
	}
}
