package httpapi_test

import (
	"encoding/csv"
	"strings"
	"testing"
	"time"

	"github.com/referloop/referloop/pkg/ids"
)

// TestExportReferralsAndTouches: both exports' headers and rows, formula-looking cells neutralised,
// another practice's data never in them, the referrals export audited as an "export" read of every
// referral it carries, and a practice with nothing to export gets just the header.
func TestExportReferralsAndTouches(t *testing.T) {
	e := newEnv(t)
	ownerA := e.practice("Export Clinic A", "owner@export-a.example")
	ownerB := e.practice("Export Clinic B", "owner@export-b.example")
	empty := e.practice("Export Clinic C", "owner@export-c.example")

	// A's partner has a name that reads as a formula; B's partner and referral must never show in A's files.
	refA, pidA := e.referrer(ownerA, "+Bayview Family", "doc@bayview.example")
	refB, pidB := e.referrer(ownerB, "Other Office", "doc@other.example")
	var idsA []string
	for _, reason := range []string{"Knee pain", "Back pain"} {
		r, _ := refA.submit(reason)
		if r.status != 201 {
			t.Fatalf("submit: %d %s", r.status, r.raw)
		}
		idsA = append(idsA, r.body["id"].(string))
	}
	sb := submission("Shoulder")
	sb["patient"].(map[string]any)["firstName"] = "Zed"
	if r := refB.do("POST", "/v1/referrals", sb, "Idempotency-Key", ids.NewULID(time.Now())); r.status != 201 {
		t.Fatalf("submit B: %d %s", r.status, r.raw)
	}
	today := time.Now().UTC().Format(time.DateOnly)
	for _, c := range []struct {
		owner   *client
		pid     string
		summary string
	}{{ownerA, pidA, "=HYPERLINK(\"http://x\")"}, {ownerA, pidA, "Lunch visit"}, {ownerB, pidB, "B secret visit"}} {
		if r := c.owner.do("POST", "/v1/partners/"+c.pid+"/touches", map[string]any{"date": today, "channel": "visit",
			"summary": c.summary, "response": "positive", "followUpDate": today}); r.status != 201 {
			t.Fatalf("touch: %d %s", r.status, r.raw)
		}
	}

	read := func(c *client, what string) [][]string {
		t.Helper()
		r := c.do("GET", "/v1/exports/"+what, nil)
		if r.status != 200 || !strings.HasPrefix(r.header.Get("Content-Type"), "text/csv") ||
			!strings.Contains(r.header.Get("Content-Disposition"), what+"-") {
			t.Fatalf("%s export: %d %s %s", what, r.status, r.header, r.raw)
		}
		recs, err := csv.NewReader(strings.NewReader(r.raw)).ReadAll()
		if err != nil {
			t.Fatalf("%s export: %v\n%s", what, err, r.raw)
		}
		for _, rec := range recs {
			for _, cell := range rec {
				if cell != "" && strings.ContainsRune("=+-@\t\r", rune(cell[0])) {
					t.Errorf("%s: cell %q can run as a formula", what, cell)
				}
				if strings.Contains(cell, "Zed") || strings.Contains(cell, "Other Office") || strings.Contains(cell, "B secret") {
					t.Errorf("%s: another practice's data: %q", what, cell)
				}
			}
		}
		return recs
	}

	for _, c := range []struct {
		what   string
		owner  *client
		header string
		rows   int
		want   []string
	}{
		{"referrals", ownerA, "Reference,Received,Patient first name,Patient last name,Date of birth,Partner,Partner kind,Referrer,Urgency,Status,Contact by,First contact,Appointment,Outcome,Outcome date,Closed",
			2, []string{"Ana", "Silva", "1980-04-02", "'+Bayview Family", "pcp", "routine", "Received"}},
		{"touches", ownerA, "Date,Partner,Channel,Who,Response,Summary,Follow-up,Follow-up owner,Done",
			2, []string{today, "'+Bayview Family", "visit", "positive", today}},
		{"referrals", empty, "", 0, nil},
		{"touches", empty, "", 0, nil},
	} {
		t.Run(c.what, func(t *testing.T) {
			recs := read(c.owner, c.what)
			if len(recs) != c.rows+1 {
				t.Fatalf("%d records, want %d + header: %v", len(recs), c.rows, recs)
			}
			if c.header != "" && strings.Join(recs[0], ",") != c.header {
				t.Errorf("header %q", strings.Join(recs[0], ","))
			}
			for _, row := range recs[1:] {
				joined := "|" + strings.Join(row, "|") + "|"
				for _, w := range c.want {
					if !strings.Contains(joined, "|"+w+"|") {
						t.Errorf("row %v lacks %q", row, w)
					}
				}
			}
		})
	}
	if recs := read(ownerA, "touches"); len(recs) == 3 && !strings.Contains(recs[1][5]+recs[2][5], `'=HYPERLINK`) {
		t.Errorf("the formula summary is not kept, neutralised: %v", recs)
	}
	if r := ownerA.do("GET", "/v1/exports/nothing", nil); r.status != 404 {
		t.Errorf("unknown export: %d", r.status)
	}

	// The referrals export is audited: one "export" record naming A's referrals (and no other's).
	audit := ownerA.do("GET", "/v1/audit?date="+today, nil)
	var exported []string
	for _, it := range audit.body["items"].([]any) {
		rec := it.(map[string]any)
		if rec["action"] == "export" {
			exported = append(exported, rec["referral"].(string))
		}
	}
	if len(exported) != 1 {
		t.Fatalf("export audit records: %v (%s)", exported, audit.raw)
	}
	for _, id := range idsA {
		if !strings.Contains(exported[0], id) {
			t.Errorf("export audit %q lacks %s", exported[0], id)
		}
	}
	if strings.Count(exported[0], ",") != 1 {
		t.Errorf("export audit %q names other referrals", exported[0])
	}
}
