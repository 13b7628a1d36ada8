package httpapi_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/referloop/referloop/pkg/rollup"
	"github.com/referloop/referloop/pkg/store"
)

// pastDay is the US date days ago (the practice's zone is UTC in these tests).
func pastDay(days int) string { return time.Now().UTC().AddDate(0, 0, -days).Format("1/2/2006") }

// historyFile is a practice's spreadsheet of past referrals: patient columns, two sources, one
// unknown source and one bad date.
func historyFile() string {
	rows := []string{"Patient Name,DOB,Date Received,Referring Practice,NPI,Outcome,Date Contacted,Appointment Date"}
	add := func(cells ...string) { rows = append(rows, strings.Join(cells, ",")) }
	add(`"Doe, Jane"`, "1/2/1960", pastDay(60), "Lakeview Family Medicine", "", "seen", pastDay(59), pastDay(50))
	add("Roe", "2/3/1970", pastDay(60), "lakeview  family medicine", "", "seen", pastDay(58), pastDay(52))
	add("Poe", "", pastDay(40), "", "1234567893", "no-show", pastDay(39), "")
	add("Moe", "", pastDay(40), "Harbor Chiropractic", "", "declined", "", "")
	add("Zoe", "", pastDay(30), "Nobody Practice", "", "seen", "", "")
	add("Joe", "", "31/31/2025", "Harbor Chiropractic", "", "seen", "", "")
	return strings.Join(rows, "\r\n") + "\r\n"
}

func TestImportPastReferrals(t *testing.T) {
	e := newEnv(t)
	owner := e.practice("History Clinic", "owner@history.example")
	other := e.practice("Other History Clinic", "owner@other-history.example")
	csvType := []string{"Content-Type", "text/csv"}
	lake := owner.do("POST", "/v1/partners", map[string]any{"name": "Lakeview Family Medicine", "kind": "pcp", "npi": "1234567893"})
	harbor := owner.do("POST", "/v1/partners", map[string]any{"name": "Harbor Chiropractic", "kind": "chiropractor"})
	if lake.status != 201 || harbor.status != 201 {
		t.Fatalf("partners: %s %s", lake.raw, harbor.raw)
	}
	lakeID, harborID := lake.body["id"].(string), harbor.body["id"].(string)
	queueBefore := owner.do("GET", "/v1/queue", nil).body["counts"]
	e.pump()
	mailBefore := len(e.mail.Sent())

	dry := owner.do("POST", "/v1/imports/referrals?dryRun=true", historyFile(), csvType...)
	if dry.status != 200 {
		t.Fatalf("dry run: %d %s", dry.status, dry.raw)
	}
	want := []string{"create", "create", "create", "create", "reject", "reject"}
	rows := dry.body["rows"].([]any)
	for i, w := range want {
		if a := rows[i].(map[string]any)["action"]; a != w {
			t.Errorf("dry row %d: %v, want %s (%v)", i, a, w, rows[i])
		}
	}
	if s := fmt.Sprint(dry.body["header"].(map[string]any)["patientColumns"]); s != "[Patient Name DOB]" {
		t.Errorf("patient columns reported: %s", s)
	}
	if strings.Contains(dry.raw, "Doe") || strings.Contains(dry.raw, "1960") {
		t.Error("the report repeats patient details")
	}
	if !strings.Contains(dry.raw, "import partners first") {
		t.Errorf("unknown source's reason: %s", dry.raw)
	}
	if p := owner.do("GET", "/v1/partners/"+lakeID, nil); p.body["referralCount"] != nil && p.body["referralCount"] != float64(0) {
		t.Fatalf("a dry run counted: %s", p.raw)
	}

	run := owner.do("POST", "/v1/imports/referrals", historyFile(), csvType...)
	if run.status != 202 || !strings.HasPrefix(run.header.Get("Location"), "/v1/imports/i_") {
		t.Fatalf("import: %d %s", run.status, run.raw)
	}
	e.pumpImports()
	job := owner.do("GET", run.header.Get("Location"), nil)
	if job.body["status"] != "done" || job.body["created"] != float64(4) || job.body["rejected"] != float64(2) || job.body["kind"] != "referrals" {
		t.Fatalf("job: %s", job.raw)
	}
	if x := other.do("GET", run.header.Get("Location"), nil); x.status != 404 {
		t.Errorf("another practice reads the import: %d", x.status)
	}
	numbers := func() string {
		var b strings.Builder
		for _, id := range []string{lakeID, harborID} {
			p := owner.do("GET", "/v1/partners/"+id, nil)
			fmt.Fprintf(&b, "%v %v %v %v|", p.body["referralCount"], p.body["firstReferralAt"], p.body["lastReferralAt"], p.body["stage"])
			po, err := e.store.OutreachOf(context.Background(), owner.claims().Tenant, id, time.Now().Year()-1, time.Now().Year())
			if err != nil {
				t.Fatal(err)
			}
			fmt.Fprintf(&b, "%d %v|", po.Total, po.Daily)
		}
		return b.String()
	}
	after := numbers()
	lp := owner.do("GET", "/v1/partners/"+lakeID, nil)
	if lp.body["referralCount"] != float64(3) || !strings.HasPrefix(lp.body["firstReferralAt"].(string), time.Now().UTC().AddDate(0, 0, -60).Format(time.DateOnly)) ||
		!strings.HasPrefix(lp.body["lastReferralAt"].(string), time.Now().UTC().AddDate(0, 0, -40).Format(time.DateOnly)) {
		t.Errorf("partner numbers: %s", lp.raw)
	}
	if !strings.Contains(after, "3 map[") || !strings.Contains(after, ":2 ") && !strings.Contains(after, ":2]") {
		t.Errorf("outreach numbers: %s", after)
	}
	// Nothing else: no referral, no email, the work queue as it was.
	if l := owner.do("GET", "/v1/referrals", nil); len(l.body["items"].([]any)) != 0 {
		t.Errorf("the import made referrals: %s", l.raw)
	}
	if n := len(e.mail.Sent()); n != mailBefore {
		t.Errorf("the import sent %d messages", n-mailBefore)
	}
	if q := owner.do("GET", "/v1/queue", nil).body["counts"]; fmt.Sprint(q) != fmt.Sprint(queueBefore) {
		t.Errorf("queue counts %v, were %v", q, queueBefore)
	}

	// The same file again, and a dry run of it: nothing changes.
	again := owner.do("POST", "/v1/imports/referrals", historyFile(), csvType...)
	if again.status != 202 || again.body["id"] != run.body["id"] {
		t.Errorf("the same file again: %d %s", again.status, again.raw)
	}
	e.pumpImports()
	if n := numbers(); n != after {
		t.Errorf("importing twice changed the numbers:\n%s\n%s", after, n)
	}
	dry = owner.do("POST", "/v1/imports/referrals?dryRun=true", historyFile(), csvType...)
	if s := dry.body["summary"].(map[string]any); s["create"] != float64(0) || s["unchanged"] != float64(4) {
		t.Errorf("dry run after import: %v", s)
	}
	// A longer file that repeats the rows (a later export) adds only its new row.
	longer := historyFile() + "Al,," + pastDay(20) + ",Harbor Chiropractic,,seen,,\r\n"
	run2 := owner.do("POST", "/v1/imports/referrals", longer, csvType...)
	e.pumpImports()
	if job := owner.do("GET", run2.header.Get("Location"), nil); job.body["created"] != float64(1) || job.body["unchanged"] != float64(4) {
		t.Errorf("the longer file: %s", job.raw)
	}

	// The rollup counts the imported facts: the metrics show the history, by source.
	runner := &rollup.Runner{Store: e.store, Lag: time.Nanosecond, FirstRun: time.Hour}
	time.Sleep(5 * time.Millisecond)
	if _, err := runner.Run(context.Background()); err != nil {
		t.Fatal(err)
	}
	from := time.Now().UTC().AddDate(0, 0, -80).Format(time.DateOnly)
	m := owner.do("GET", "/v1/metrics?groupBy=source&from="+from, nil)
	total := m.body["total"].(map[string]any)
	if m.status != 200 || total["received"] != float64(5) || total["seen"] != float64(3) || total["declined"] != float64(1) || total["noShow"] != float64(1) {
		t.Fatalf("metrics: %d %s", m.status, m.raw)
	}
	bySource := map[string]float64{}
	for _, g := range m.body["groups"].([]any) {
		g := g.(map[string]any)
		bySource[g["key"].(string)] = g["received"].(float64)
	}
	if bySource[lakeID] != 3 || bySource[harborID] != 2 {
		t.Errorf("by source: %v", bySource)
	}
	if w := owner.do("GET", "/v1/metrics?groupBy=month&from="+from, nil); w.body["total"].(map[string]any)["received"] != float64(5) {
		t.Errorf("by month: %s", w.raw)
	}
	if q := owner.do("GET", "/v1/queue", nil).body["counts"]; fmt.Sprint(q) != fmt.Sprint(queueBefore) {
		t.Errorf("after the rollup, queue counts %v, were %v", q, queueBefore)
	}
	// The full rebuild (from referrals, scanning) keeps the imported history.
	scanner, ok := e.store.DB.(store.Scanner)
	if !ok {
		t.Fatal("the test store's client cannot scan")
	}
	e.store.Scanner = scanner
	if _, err := runner.Rebuild(context.Background(), 2); err != nil {
		t.Fatal(err)
	}
	if again := owner.do("GET", "/v1/metrics?groupBy=source&from="+from, nil); fmt.Sprint(again.body["total"]) != fmt.Sprint(total) {
		t.Errorf("after the rebuild: %v, was %v", again.body["total"], total)
	}
	// Tenant isolation: the other practice sees none of it, and cannot import into our partners.
	if x := other.do("GET", "/v1/metrics?groupBy=source&from="+from, nil); x.body["total"].(map[string]any)["received"] != float64(0) {
		t.Errorf("the other practice's metrics: %s", x.raw)
	}
	od := other.do("POST", "/v1/imports/referrals?dryRun=true", historyFile(), csvType...)
	if s := od.body["summary"].(map[string]any); s["create"] != float64(0) || s["reject"] != float64(6) {
		t.Errorf("the other practice matched our partners: %v", s)
	}
	// Bad input: problem+json, never 5xx.
	for _, c := range []struct {
		body, ctype string
		status      int
	}{{"{}", "application/json", 415}, {"Name,Status\nx,seen\n", "text/csv", 422}, {"", "text/csv", 422}} {
		if r := owner.do("POST", "/v1/imports/referrals", c.body, "Content-Type", c.ctype); r.status != c.status {
			t.Errorf("%q: %d %s", c.body, r.status, r.raw)
		}
	}
	if r := owner.do("POST", "/v1/imports/referrals?dryRun=maybe", historyFile(), csvType...); r.status != 422 {
		t.Errorf("dryRun=maybe: %d", r.status)
	}
}

// 2,000 past referrals import in chunks; every row accounted for (wall time logged).
func TestImportPastReferrals2000(t *testing.T) {
	e := newEnv(t)
	owner := e.practice("Big History Clinic", "owner@bighistory.example")
	for i := 0; i < 20; i++ {
		if r := owner.do("POST", "/v1/partners", map[string]any{"name": fmt.Sprintf("Source %02d", i), "kind": "pcp"}); r.status != 201 {
			t.Fatal(r.raw)
		}
	}
	var b strings.Builder
	b.WriteString("Date,Referred By,Status\n")
	outcomes := []string{"seen", "scheduled", "declined", "no-show", "cancelled"}
	for i := 0; i < 2000; i++ {
		fmt.Fprintf(&b, "%s,Source %02d,%s\n", pastDay(1+i%300), i%20, outcomes[i%len(outcomes)])
	}
	start := time.Now()
	run := owner.do("POST", "/v1/imports/referrals", b.String(), "Content-Type", "text/csv")
	if run.status != 202 {
		t.Fatalf("%d %s", run.status, run.raw)
	}
	e.pumpImports()
	job := owner.do("GET", run.header.Get("Location"), nil)
	t.Logf("2,000 past referrals: %s (request and importer on DynamoDB Local)", time.Since(start).Round(time.Millisecond))
	if job.body["status"] != "done" || job.body["created"] != float64(2000) || job.body["chunks"] != float64(20) {
		t.Fatalf("job: %s", job.raw)
	}
	total := 0
	for _, p := range owner.do("GET", "/v1/partners?limit=100", nil).body["items"].([]any) {
		total += int(p.(map[string]any)["referralCount"].(float64))
	}
	if total != 2000 {
		t.Errorf("partners count %d referrals", total)
	}
}
