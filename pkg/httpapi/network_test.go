package httpapi_test

import (
	"context"
	"encoding/csv"
	"fmt"
	"strings"
	"sync"
	"testing"

	"github.com/aws/aws-lambda-go/events"

	"github.com/referloop/referloop/pkg/importer"
)

// pumpAll feeds the stream to the notifier and the importer until both are idle, as Lambda would
// (in AWS each has its own event source with its own filter).
func (e *env) pumpImports() {
	e.t.Helper()
	im := &importer.Importer{Store: e.store}
	notify := e.notify.Handle
	e.feeder.Handler = func(ctx context.Context, ev events.DynamoDBEvent) (events.DynamoDBEventResponse, error) {
		r1, err := notify(ctx, ev)
		if err != nil {
			return r1, err
		}
		r2, err := im.Handle(ctx, ev)
		r1.BatchItemFailures = append(r1.BatchItemFailures, r2.BatchItemFailures...)
		return r1, err
	}
	for i := 0; i < 3; i++ {
		e.pump()
	}
}

// Ten creates with one NPI at once make one partner: the NPI's marker is written in the same
// transaction as the partner. 5 trials of 10 concurrent creates.
func TestPartnerNPIUniqueUnderConcurrentCreates(t *testing.T) {
	e := newEnv(t)
	owner := e.practice("Lakeview Orthopedics", "owner@lakeview.example")
	npis := []string{"1234567893", "1245319599", "1000000004", "1987654328", "1500000009"}
	for trial, npi := range npis {
		var wg sync.WaitGroup
		statuses := make([]int, 10)
		for i := range statuses {
			wg.Add(1)
			go func() {
				defer wg.Done()
				statuses[i] = owner.do("POST", "/v1/partners", map[string]string{"name": fmt.Sprintf("Dup %d-%d", trial, i), "kind": "pcp", "npi": npi}).status
			}()
		}
		wg.Wait()
		created, conflicts := 0, 0
		for _, s := range statuses {
			switch s {
			case 201:
				created++
			case 409:
				conflicts++
			}
		}
		if created != 1 || conflicts != 9 {
			t.Errorf("trial %d: %d created, %d conflicts (%v); want 1 and 9", trial, created, conflicts, statuses)
		}
		list := owner.do("GET", "/v1/partners?q="+npi, nil)
		if n := len(list.body["items"].([]any)); n != 1 {
			t.Errorf("trial %d: %d partners with NPI %s", trial, n, npi)
		}
	}
}

func TestPartnerEditIfMatchArchiveDelete(t *testing.T) {
	e := newEnv(t)
	owner := e.practice("Lakeview Orthopedics", "owner@lakeview.example")
	r := owner.do("POST", "/v1/partners", map[string]any{"name": "Northside FM", "kind": "pcp", "npi": "1234567893",
		"phone": "(312) 555-0142", "zip": "60614", "tags": []string{"vip", " VIP ", "lunch"}})
	if r.status != 201 || r.body["phone"] != "+13125550142" || r.body["stage"] != "prospect" || r.header.Get("ETag") != `"1"` {
		t.Fatalf("create: %d %s", r.status, r.raw)
	}
	pid := r.body["id"].(string)
	doc := owner.do("GET", "/v1/partners/"+pid, nil).body
	doc["specialty"] = "Family medicine"
	if r := owner.do("PUT", "/v1/partners/"+pid, doc, "If-Match", `"1"`); r.status != 200 || r.body["version"] != float64(2) {
		t.Fatalf("edit: %d %s", r.status, r.raw)
	}
	// Someone else's edit from version 1 is refused.
	doc["specialty"] = "Stale"
	if r := owner.do("PUT", "/v1/partners/"+pid, doc, "If-Match", `"1"`); r.status != 409 {
		t.Errorf("stale edit: %d %s", r.status, r.raw)
	}
	// A second partner cannot take the first one's NPI by an edit.
	other := owner.do("POST", "/v1/partners", map[string]any{"name": "Other", "kind": "pcp"}).body
	other["npi"] = "1234567893"
	if r := owner.do("PUT", "/v1/partners/"+other["id"].(string), other); r.status != 409 {
		t.Errorf("NPI taken by edit: %d %s", r.status, r.raw)
	}
	// A partner with no referral can be deleted; one with referrals only archived.
	if r := owner.do("DELETE", "/v1/partners/"+other["id"].(string), nil); r.status != 204 {
		t.Errorf("delete unused: %d %s", r.status, r.raw)
	}
	ref, refPID := e.referrer(owner, "Referring FM", "dr@referring.example")
	if r, _ := ref.submit("knee pain"); r.status != 201 {
		t.Fatalf("submit: %d %s", r.status, r.raw)
	}
	e.pump() // the notifier notes the referral on its partner
	got := owner.do("GET", "/v1/partners/"+refPID, nil)
	if got.body["stage"] != "active" || got.body["referralCount"] != float64(1) {
		t.Errorf("after a referral: %s", got.raw)
	}
	if r := owner.do("DELETE", "/v1/partners/"+refPID, nil); r.status != 409 || !strings.Contains(r.raw, "archive") {
		t.Errorf("delete with referrals: %d %s", r.status, r.raw)
	}
	doc = got.body
	doc["archived"] = true
	if r := owner.do("PUT", "/v1/partners/"+refPID, doc); r.status != 200 || r.body["stage"] != "archived" {
		t.Errorf("archive: %d %s", r.status, r.raw)
	}
	if list := owner.do("GET", "/v1/partners", nil); strings.Contains(list.raw, refPID) {
		t.Error("an archived partner is in the working list")
	}
	if list := owner.do("GET", "/v1/partners?stage=archived", nil); !strings.Contains(list.raw, refPID) {
		t.Error("the archived filter misses it")
	}
	lines := owner.do("GET", "/v1/partners/"+refPID+"/referrals", nil)
	if items := lines.body["items"].([]any); len(items) != 1 || strings.Contains(lines.raw, "Silva") {
		t.Errorf("partner referrals: %s", lines.raw)
	}
}

func TestPartnerListFiltersAndSort(t *testing.T) {
	e := newEnv(t)
	owner := e.practice("Lakeview Orthopedics", "owner@lakeview.example")
	for _, p := range []map[string]any{
		{"name": "Bravo Chiropractic", "kind": "chiropractor", "tags": []string{"east"}},
		{"name": "Alpha Family Medicine", "kind": "pcp", "npi": "1245319599", "contactEmail": "front@alpha.example", "tags": []string{"vip"}},
		{"name": "Charlie Therapy", "kind": "therapist", "organization": "Lakeside Health", "tags": []string{"vip", "east"}},
	} {
		if r := owner.do("POST", "/v1/partners", p); r.status != 201 {
			t.Fatalf("%d %s", r.status, r.raw)
		}
	}
	names := func(path string) string {
		r := owner.do("GET", path, nil)
		if r.status != 200 {
			return fmt.Sprint(r.status)
		}
		var out []string
		for _, it := range r.body["items"].([]any) {
			out = append(out, it.(map[string]any)["name"].(string))
		}
		return strings.Join(out, ",")
	}
	for path, want := range map[string]string{
		"/v1/partners":                         "Alpha Family Medicine,Bravo Chiropractic,Charlie Therapy",
		"/v1/partners?sort=-name":              "Charlie Therapy,Bravo Chiropractic,Alpha Family Medicine",
		"/v1/partners?kind=pcp":                "Alpha Family Medicine",
		"/v1/partners?tag=VIP":                 "Alpha Family Medicine,Charlie Therapy",
		"/v1/partners?tag=east&kind=therapist": "Charlie Therapy",
		"/v1/partners?q=fam":                   "Alpha Family Medicine",
		"/v1/partners?q=12453":                 "Alpha Family Medicine",
		"/v1/partners?q=front@":                "Alpha Family Medicine",
		"/v1/partners?q=lakeside":              "Charlie Therapy",
		"/v1/partners?stage=prospect":          "Alpha Family Medicine,Bravo Chiropractic,Charlie Therapy",
		"/v1/partners?stage=active":            "",
		"/v1/partners?liaison=none":            "Alpha Family Medicine,Bravo Chiropractic,Charlie Therapy",
		"/v1/partners?sort=sideways":           "422",
		"/v1/partners?stage=sleepy":            "422",
	} {
		if got := names(path); got != want {
			t.Errorf("%s: %q, want %q", path, got, want)
		}
	}
}

const importFile = "\xef\xbb\xbfPractice Name,NPI #,E-mail,Phone Number,Type,Zip\r\n" +
	"\"Lakeside Family Medicine, LLC\",1234567893,front@lakeside.example,(312) 555-0142,Family Medicine,60614\r\n" +
	"Northside Chiropractic,1245319599,hello@northside.example,312.555.0199,Chiro,60614\r\n" +
	"Bad NPI Clinic,1234567890,bad@example.com,,PCP,60601\r\n" +
	"\"Lakeside Family Medicine, LLC\",1234567893,front@lakeside.example,(312) 555-0142,Family Medicine,60614\r\n" +
	"\r\n" +
	"=HYPERLINK(\"http://evil.example\"),1000000004,,,,\r\n"

func TestImportPartnersDryRunRunAgainAndExport(t *testing.T) {
	e := newEnv(t)
	owner := e.practice("Lakeview Orthopedics", "owner@lakeview.example")
	csvType := []string{"Content-Type", "text/csv"}
	dry := owner.do("POST", "/v1/imports/partners?dryRun=true", importFile, csvType...)
	if dry.status != 200 {
		t.Fatalf("dry run: %d %s", dry.status, dry.raw)
	}
	want := []string{"create", "create", "reject", "reject", "create"}
	rows := dry.body["rows"].([]any)
	for i, w := range want {
		if a := rows[i].(map[string]any)["action"]; a != w {
			t.Errorf("dry row %d: %v, want %s", i, a, w)
		}
	}
	if list := owner.do("GET", "/v1/partners", nil); len(list.body["items"].([]any)) != 0 {
		t.Fatal("a dry run created partners")
	}
	run := owner.do("POST", "/v1/imports/partners", importFile, csvType...)
	if run.status != 202 || run.header.Get("Location") == "" {
		t.Fatalf("import: %d %s", run.status, run.raw)
	}
	e.pumpImports()
	job := owner.do("GET", run.header.Get("Location"), nil)
	if job.body["status"] != "done" || job.body["created"] != float64(3) || job.body["rejected"] != float64(2) {
		t.Fatalf("job: %s", job.raw)
	}
	before := owner.do("GET", "/v1/partners", nil).raw
	again := owner.do("POST", "/v1/imports/partners", importFile, csvType...)
	if again.status != 202 || again.body["id"] != run.body["id"] {
		t.Errorf("the same file again: %d %s", again.status, again.raw)
	}
	e.pumpImports()
	if after := owner.do("GET", "/v1/partners", nil).raw; after != before {
		t.Error("importing the same file again changed the partners")
	}
	// A dry run of the same file now finds nothing to do.
	dry = owner.do("POST", "/v1/imports/partners?dryRun=true", importFile, csvType...)
	if s := dry.body["summary"].(map[string]any); s["create"] != float64(0) || s["update"] != float64(0) || s["unchanged"] != float64(3) {
		t.Errorf("dry run after import: %v", s)
	}
	// The export is CSV no spreadsheet runs as a formula.
	exp := owner.do("GET", "/v1/exports/partners", nil)
	if !strings.HasPrefix(exp.header.Get("Content-Type"), "text/csv") {
		t.Fatalf("export: %d %s", exp.status, exp.header.Get("Content-Type"))
	}
	recs, err := csv.NewReader(strings.NewReader(exp.raw)).ReadAll()
	if err != nil || len(recs) != 4 {
		t.Fatalf("export: %v, %d records:\n%s", err, len(recs), exp.raw)
	}
	for _, rec := range recs {
		for _, cell := range rec {
			if cell != "" && strings.ContainsRune("=+-@\t\r", rune(cell[0])) {
				t.Errorf("cell %q can run as a formula", cell)
			}
		}
	}
	if !strings.Contains(exp.raw, `'=HYPERLINK`) || !strings.Contains(exp.raw, "(312) 555-0142") {
		t.Errorf("export:\n%s", exp.raw)
	}
	if r := owner.do("GET", "/v1/exports/nothing", nil); r.status != 404 {
		t.Errorf("unknown export: %d", r.status)
	}
	if r := owner.do("POST", "/v1/imports/partners", "{}"); r.status != 415 {
		t.Errorf("JSON body: %d", r.status)
	}
}
