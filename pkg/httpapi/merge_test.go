package httpapi_test

import (
	"context"
	"fmt"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/referloop/referloop/pkg/rollup"
)

// joinAsNewSource signs who in from the practice's public page as a new source (organization org)
// and answers their browser and the new partner's id.
func (e *env) joinAsNewSource(owner *client, slug, who, org, npi string) (*client, string) {
	e.t.Helper()
	browser := e.client()
	if r := browser.do("POST", "/v1/auth/links", map[string]string{"email": who, "practice": slug}); r.status != 202 {
		e.t.Fatalf("link: %d %s", r.status, r.raw)
	}
	join := map[string]string{"name": "Dr. " + org, "organization": org}
	if npi != "" {
		join["npi"] = npi
	}
	r := browser.do("POST", "/v1/auth/sessions", map[string]any{"token": e.lastToken(who), "join": join})
	if r.status != 200 {
		e.t.Fatalf("join: %d %s", r.status, r.raw)
	}
	me := browser.do("GET", "/v1/me", nil)
	return browser, me.body["partner"].(map[string]any)["id"].(string)
}

func listIDs(r resp, field string) []string {
	var out []string
	items, _ := r.body["items"].([]any)
	for _, it := range items {
		out = append(out, it.(map[string]any)[field].(string))
	}
	return out
}

// TestPartnerMerge: a provider who joined from the public page (a new source) with two referrals
// and a touch with a follow-up is merged into a partner the practice knows: the referrals stay
// under their ids and read on the target's page, the touch, follow-up, numbers and metric facts
// move, the referrer's sessions end and their next sign-in refers for the target, their list
// shows old and new; refusals are problems with the field at fault, and another practice gets 404.
func TestPartnerMerge(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	owner := e.practice("Merge Ortho", "owner@mergeortho.example")
	tid := tenantOf(owner)
	known := owner.do("POST", "/v1/partners", map[string]any{"name": "Northside Family Medicine", "kind": "pcp", "tags": []string{"vip"}})
	if known.status != 201 {
		t.Fatalf("partner: %d %s", known.status, known.raw)
	}
	bid := known.body["id"].(string)
	const who = "dr.new@newclinic.example"
	ref, aid := e.joinAsNewSource(owner, "merge-ortho", who, "New Clinic", "1234567893")
	var sent []string
	for _, reason := range []string{"Knee pain", "Hip pain"} {
		s, _ := ref.submit(reason)
		if s.status != 201 {
			t.Fatalf("submit: %d %s", s.status, s.raw)
		}
		sent = append(sent, s.body["id"].(string))
	}
	e.pump()
	today := time.Now().UTC()
	tr := owner.do("POST", "/v1/partners/"+aid+"/touches", map[string]any{"date": day(today), "channel": "call", "summary": "Welcome call",
		"followUpDate": day(today.AddDate(0, 0, 2))})
	if tr.status != 201 {
		t.Fatalf("touch: %d %s", tr.status, tr.raw)
	}
	touchID := tr.body["touch"].(map[string]any)["id"].(string)
	other := e.practice("Other Ortho", "owner@otherortho.example")
	otherP := other.do("POST", "/v1/partners", map[string]string{"name": "Elsewhere FM", "kind": "pcp"}).body["id"].(string)
	archived := owner.do("POST", "/v1/partners", map[string]string{"name": "Old Clinic", "kind": "pcp"}).body["id"].(string)
	if r := owner.do("PUT", "/v1/partners/"+archived, map[string]any{"name": "Old Clinic", "kind": "pcp", "archived": true}, "If-Match", `"1"`); r.status != 200 {
		t.Fatalf("archive: %d %s", r.status, r.raw)
	}

	for _, c := range []struct {
		name    string
		as      *client
		target  string
		body    any
		ifMatch string
		status  int
		field   string
	}{
		{"no If-Match", owner, bid, map[string]string{"from": aid}, "", 428, ""},
		{"stale version", owner, bid, map[string]string{"from": aid}, `"7"`, 409, ""},
		{"bad If-Match", owner, bid, map[string]string{"from": aid}, `"x"`, 422, "If-Match"},
		{"no source", owner, bid, map[string]string{}, `"1"`, 422, "from"},
		{"not an id", owner, bid, map[string]string{"from": "Northside"}, `"1"`, 422, "from"},
		{"unknown field", owner, bid, map[string]string{"from": aid, "into": bid}, `"1"`, 422, "into"},
		{"itself", owner, bid, map[string]string{"from": bid}, `"1"`, 422, "from"},
		{"an archived source", owner, bid, map[string]string{"from": archived}, `"1"`, 422, "from"},
		{"into an archived partner", owner, archived, map[string]string{"from": aid}, `"2"`, 422, "id"},
		{"unknown source", owner, bid, map[string]string{"from": "p_000000000000"}, `"1"`, 404, ""},
		{"another practice's source", owner, bid, map[string]string{"from": otherP}, `"1"`, 404, ""},
		{"another practice's target", other, bid, map[string]string{"from": aid}, `"1"`, 404, ""},
		{"from another practice into its own", other, otherP, map[string]string{"from": aid}, `"1"`, 404, ""},
		{"a referrer", ref, bid, map[string]string{"from": aid}, `"1"`, 403, ""},
	} {
		t.Run(c.name, func(t *testing.T) {
			r := c.as.do("POST", "/v1/partners/"+c.target+"/merge", c.body, "If-Match", c.ifMatch)
			if r.status != c.status || (c.field != "" && !strings.Contains(","+strings.Join(r.fields(), ",")+",", ","+c.field+",")) {
				t.Fatalf("%d %s, want %d on %q", r.status, r.raw, c.status, c.field)
			}
			if !strings.HasPrefix(r.header.Get("Content-Type"), "application/problem+json") {
				t.Errorf("content type %q", r.header.Get("Content-Type"))
			}
		})
	}
	if p, _ := e.store.Partner(ctx, tid, aid); p.MergedInto != "" || p.ArchivedAt != nil {
		t.Fatalf("a refused merge changed the source: %+v", p)
	}

	runner := &rollup.Runner{Store: e.store, Lag: time.Nanosecond, FirstRun: time.Hour}
	rollupRun := func() {
		t.Helper()
		time.Sleep(5 * time.Millisecond)
		if _, err := runner.Run(ctx); err != nil {
			t.Fatal(err)
		}
	}
	bySource := func() map[string]float64 {
		t.Helper()
		m := owner.do("GET", "/v1/metrics?groupBy=source", nil)
		out := map[string]float64{}
		for _, g := range m.body["groups"].([]any) {
			if n := g.(map[string]any)["received"].(float64); n > 0 {
				out[g.(map[string]any)["key"].(string)] = n
			}
		}
		return out
	}
	rollupRun()
	if got := bySource(); got[aid] != 2 || len(got) != 1 {
		t.Fatalf("metrics by source before the merge: %v", got)
	}

	r := owner.do("POST", "/v1/partners/"+bid+"/merge", map[string]string{"from": aid}, "If-Match", `"1"`)
	if r.status != 200 || r.header.Get("ETag") != `"2"` || r.body["npi"] != "1234567893" || r.body["contactEmail"] != who ||
		r.body["unconfirmed"] != nil || fmt.Sprint(r.body["mergedFrom"]) != "["+aid+"]" || r.body["referralCount"] != float64(2) {
		t.Fatalf("merge: %d %s", r.status, r.raw)
	}
	if !e.auditedAs("owner@mergeortho.example", tid, "merged partner "+aid+" into "+bid) {
		t.Error("the merge is not audited as the owner's")
	}
	a := owner.do("GET", "/v1/partners/"+aid, nil)
	if a.body["mergedInto"] != bid || a.body["stage"] != "archived" || a.body["archivedAt"] == nil || a.header.Get("ETag") != `"2"` {
		t.Fatalf("source after the merge: %s", a.raw)
	}
	if r := owner.do("PUT", "/v1/partners/"+aid, map[string]any{"name": "New Clinic", "kind": "other", "archived": false}, "If-Match", `"2"`); r.status != 422 || strings.Join(r.fields(), ",") != "archived" {
		t.Errorf("restoring a merged partner: %d %s", r.status, r.raw)
	}
	if ids := listIDs(owner.do("GET", "/v1/partners", nil), "id"); strings.Contains(strings.Join(ids, ","), aid) {
		t.Errorf("the merged source is still in the list: %v", ids)
	}
	if ids := listIDs(owner.do("GET", "/v1/partners?q=1234567893", nil), "id"); strings.Join(ids, ",") != bid {
		t.Errorf("the NPI now finds %v, want the target", ids)
	}
	// The referrals stay under their ids and read on the target's page.
	lines := listIDs(owner.do("GET", "/v1/partners/"+bid+"/referrals", nil), "id")
	if len(lines) != 2 || !strings.Contains(strings.Join(lines, ","), sent[0]) || !strings.Contains(strings.Join(lines, ","), sent[1]) {
		t.Fatalf("target's referrals %v, want %v", lines, sent)
	}
	for _, id := range sent {
		if g := owner.do("GET", "/v1/referrals/"+id, nil); g.status != 200 {
			t.Errorf("referral %s: %d", id, g.status)
		}
	}
	// The touch, its follow-up and the numbers moved.
	if got := owner.do("GET", "/v1/partners/"+aid+"/touches", nil); len(got.body["touches"].([]any)) != 0 {
		t.Errorf("touches left on the source: %s", got.raw)
	}
	bt := owner.do("GET", "/v1/partners/"+bid+"/touches", nil).body["touches"].([]any)
	if len(bt) != 1 || bt[0].(map[string]any)["id"] != touchID || bt[0].(map[string]any)["partnerId"] != bid {
		t.Errorf("target's touches %v", bt)
	}
	due := owner.do("GET", "/v1/follow-ups", nil)
	if !strings.Contains(due.raw, `"partnerId":"`+bid+`"`) || strings.Contains(due.raw, aid) {
		t.Errorf("due list %s", due.raw)
	}
	log, err := e.store.TouchLog(ctx, tid, day(today.AddDate(0, 0, -1)), day(today), 10)
	if err != nil || len(log) != 1 || log[0].PartnerID != bid {
		t.Errorf("touch log %+v %v", log, err)
	}
	po, err := e.store.OutreachOf(ctx, tid, bid, today.Year())
	if err != nil || po.Total != 2 || po.LastTouch != day(today) || po.Daily[day(today)] != 2 {
		t.Errorf("target's outreach numbers %+v %v", po, err)
	}
	// The metric facts name the target, and their day is marked for the rollup.
	for _, id := range sent {
		g := owner.do("GET", "/v1/referrals/"+id, nil)
		d, _ := g.body["day"].(string)
		if d == "" {
			d = day(today)
		}
		facts, err := e.store.Facts(ctx, tid, d)
		found := false
		for _, f := range facts {
			if f.Referral == id {
				found = true
				if f.Source != bid {
					t.Errorf("fact of %s: source %s, want %s", id, f.Source, bid)
				}
			}
		}
		if err != nil || !found {
			t.Errorf("no fact of %s on %s: %v", id, d, err)
		}
	}
	rollupRun()
	if got := bySource(); got[bid] != 2 || len(got) != 1 {
		t.Errorf("metrics by source after the merge and a rollup: %v, want the 2 referrals under the target only", got)
	}
	// The referrer's session ended; their next sign-in refers for the target; their list has both.
	if g := ref.do("GET", "/v1/referrals", nil); g.status != 401 {
		t.Errorf("the referrer's old session: %d, want 401", g.status)
	}
	ref = e.signIn(who, "merge-ortho")
	if me := ref.do("GET", "/v1/me", nil); me.body["partner"].(map[string]any)["id"] != bid {
		t.Fatalf("referrer now refers for %v, want %s", me.body["partner"], bid)
	}
	s, _ := ref.submit("Ankle pain")
	if s.status != 201 || !strings.HasPrefix(s.body["id"].(string), bid+".") {
		t.Fatalf("new referral %d %s, want under %s", s.status, s.raw, bid)
	}
	e.pump()
	mine := listIDs(ref.do("GET", "/v1/referrals", nil), "id")
	if len(mine) != 3 || mine[0] != s.body["id"] {
		t.Errorf("referrer's list %v, want the new one first and the two before", mine)
	}
	if sc := ref.do("GET", "/v1/scorecard", nil); sc.status != 200 || sc.body["sent"] != float64(3) || sc.body["open"] != float64(3) {
		t.Errorf("referrer's scorecard %d %s, want 3 sent and open (2 under the source, 1 under the target)", sc.status, sc.raw)
	}
	if got := listIDs(ref.do("GET", "/v1/referrals?status=received", nil), "id"); len(got) != 3 {
		t.Errorf("referrer's received referrals %v, want 3", got)
	}
	if got := listIDs(ref.do("GET", "/v1/referrals?status=declined", nil), "id"); len(got) != 0 {
		t.Errorf("referrer's declined referrals %v, want none", got)
	}
	// Pages of one: the cursor walks both partitions, newest first, each once.
	var paged []string
	for cursor, n := "", 0; n < 5; n++ {
		path := "/v1/referrals?limit=1"
		if cursor != "" {
			path += "&cursor=" + url.QueryEscape(cursor)
		}
		pg := ref.do("GET", path, nil)
		paged = append(paged, listIDs(pg, "id")...)
		cursor, _ = pg.body["nextCursor"].(string)
		if cursor == "" {
			break
		}
	}
	if strings.Join(paged, ",") != strings.Join(mine, ",") {
		t.Errorf("paged %v, want %v", paged, mine)
	}
	for _, id := range sent {
		if g := ref.do("GET", "/v1/referrals/"+id, nil); g.status != 200 {
			t.Errorf("the referrer's own old referral %s: %d", id, g.status)
		}
	}
	if lines := listIDs(owner.do("GET", "/v1/partners/"+bid+"/referrals", nil), "id"); len(lines) != 3 {
		t.Errorf("target's page %v, want 3", lines)
	}
	// Merged once: again is a problem, and a third partner cannot take it.
	third := owner.do("POST", "/v1/partners", map[string]string{"name": "Third FM", "kind": "pcp"}).body["id"].(string)
	if r := owner.do("POST", "/v1/partners/"+third+"/merge", map[string]string{"from": aid}, "If-Match", `"1"`); r.status != 422 || strings.Join(r.fields(), ",") != "from" {
		t.Errorf("merging a merged source again: %d %s", r.status, r.raw)
	}
	if r := owner.do("POST", "/v1/partners/"+aid+"/merge", map[string]string{"from": third}, "If-Match", `"2"`); r.status != 422 || strings.Join(r.fields(), ",") != "id" {
		t.Errorf("merging into a merged partner: %d %s", r.status, r.raw)
	}
	// A repeated request (the same source into the same target) finishes the merge and answers it.
	if r := owner.do("POST", "/v1/partners/"+bid+"/merge", map[string]string{"from": aid}, "If-Match", `"1"`); r.status != 200 || r.body["id"] != bid {
		t.Errorf("repeated merge: %d %s", r.status, r.raw)
	}
	// Chains stay flat: the target merged into a third partner takes the source with it.
	if r := owner.do("POST", "/v1/partners/"+third+"/merge", map[string]string{"from": bid}, "If-Match", `"1"`); r.status != 200 ||
		fmt.Sprint(r.body["mergedFrom"]) != "["+bid+" "+aid+"]" {
		t.Fatalf("second merge: %d %s", r.status, r.raw)
	}
	if p, _ := e.store.Partner(ctx, tid, aid); p.MergedInto != third {
		t.Errorf("the first source points at %s, want %s", p.MergedInto, third)
	}
	if lines := listIDs(owner.do("GET", "/v1/partners/"+third+"/referrals", nil), "id"); len(lines) != 3 {
		t.Errorf("third's page %v, want 3", lines)
	}
	ref = e.signIn(who, "merge-ortho")
	if mine := listIDs(ref.do("GET", "/v1/referrals", nil), "id"); len(mine) != 3 {
		t.Errorf("referrer's list after two merges %v", mine)
	}
}

// auditedAs reports whether the audit trail of today holds action by actor.
func (e *env) auditedAs(actor, tid, action string) bool {
	page, err := e.store.AuditDay(context.Background(), tid, time.Now().UTC().Format(time.DateOnly), 1000, "")
	if err != nil {
		e.t.Fatalf("audit: %v", err)
	}
	for _, r := range page.Items {
		if r.Actor == actor && r.Action == action {
			return true
		}
	}
	return false
}

// TestConcurrentMergesOfOneSource: the same source merged into two targets at once: exactly one
// merge wins, the other is refused, and the source points at the winner. 6 trials.
func TestConcurrentMergesOfOneSource(t *testing.T) {
	e := newEnv(t)
	owner := e.practice("Race Ortho", "owner@raceortho.example")
	tid := tenantOf(owner)
	const trials = 6
	for trial := range trials {
		mk := func(name string) string {
			r := owner.do("POST", "/v1/partners", map[string]string{"name": fmt.Sprintf("%s %d", name, trial), "kind": "pcp"})
			if r.status != 201 {
				t.Fatalf("partner: %d %s", r.status, r.raw)
			}
			return r.body["id"].(string)
		}
		a, b1, b2 := mk("Source"), mk("Target one"), mk("Target two")
		statuses := make([]int, 2)
		var wg sync.WaitGroup
		for i, target := range []string{b1, b2} {
			wg.Add(1)
			go func() {
				defer wg.Done()
				statuses[i] = owner.do("POST", "/v1/partners/"+target+"/merge", map[string]string{"from": a}, "If-Match", `"1"`).status
			}()
		}
		wg.Wait()
		won := -1
		for i, s := range statuses {
			if s == 200 {
				if won >= 0 {
					t.Fatalf("trial %d: both merges won %v", trial, statuses)
				}
				won = i
			} else if s != 422 && s != 409 {
				t.Fatalf("trial %d: statuses %v", trial, statuses)
			}
		}
		if won < 0 {
			t.Fatalf("trial %d: no merge won %v", trial, statuses)
		}
		p, _ := e.store.Partner(context.Background(), tid, a)
		winner, loser := []string{b1, b2}[won], []string{b1, b2}[1-won]
		if p.MergedInto != winner {
			t.Errorf("trial %d: source merged into %q, want %q", trial, p.MergedInto, winner)
		}
		if l, _ := e.store.Partner(context.Background(), tid, loser); len(l.MergedFrom) != 0 || max(l.Version, 1) != 1 {
			t.Errorf("trial %d: the losing target changed: %+v", trial, l)
		}
	}
	t.Logf("%d trials of 2 concurrent merges of one source: one won each time", trials)
}
