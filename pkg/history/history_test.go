package history

import (
	"strings"
	"testing"
	"time"

	"github.com/referloop/referloop/pkg/metrics"
	"github.com/referloop/referloop/pkg/partner"
	"github.com/referloop/referloop/pkg/practice"
	"github.com/referloop/referloop/pkg/referral"
)

var partners = []partner.Partner{
	{ID: "p_lakeview0001", Name: "Lakeview Family Medicine", Kind: "pcp", NPI: "1234567893", ContactEmail: "front@lakeview.example"},
	{ID: "p_harbor000001", Name: "Harbor Chiropractic", Kind: "chiropractor", ContactEmail: "dr@harbor.example"},
	{ID: "p_friend000001", Name: "Friends and family", Kind: partner.KindPatient},
}

func opts() Options {
	ny, _ := time.LoadLocation("America/New_York")
	return Options{Tenant: "t_000000000001", Partners: partners, Loc: ny, Hours: practice.DefaultContactBy,
		Now: time.Date(2026, 11, 30, 15, 0, 0, 0, time.UTC)}
}

// A messy file as practices keep them: a byte-order mark, Windows line endings, quoted commas and
// a quoted line break, header synonyms in odd case and spacing, patient columns, blank lines.
const messy = "\xef\xbb\xbfPatient Name,DOB, referral DATE ,Referred By,NPI #,E-mail,Status,Date Contacted,Appt Date,Priority,MRN,Phone,Notes\r\n" +
	"\"Doe, Jane\",1/2/1960,3/14/2025,\"Lakeview  family medicine\",,,Seen,3/15/2025,3/20/2025,urgent,A123,(312) 555-0142,\"knee,\r\nleft\"\r\n" +
	"Roe,2/3/1970,2025-04-01,Someone Else,123-456-7893,,completed,,,,B1,,\r\n" +
	"\r\n" +
	"Poe,,4/2/25,Harbor Chiropractic,,,No Show,,,,,,\r\n" +
	"Moe,,4/3/25,Nobody Practice,,,seen,,,,,,\r\n" +
	"Zoe,,13/40/2025,Harbor Chiropractic,,,seen,,,,,,\r\n" +
	"Joe,,12/25/2026,Harbor Chiropractic,,,seen,,,,,,\r\n" +
	"Ann,,5/1/2025,Harbor Chiropractic,,,seen,,4/1/2025,,,,\r\n" +
	"Bo,,5/2/2025,,,DR@HARBOR.EXAMPLE,Declined,,,,,,\r\n" +
	"Cy,,5/3/2025,Harbor Chiropractic,,,cancelled,,,,,,\r\n" +
	"Di,,5/4/2025,Harbor Chiropractic,,,pending,,,,,,\r\n" +
	"Ed,,5/4/2025,Harbor Chiropractic,,,maybe,,,,,,\r\n" +
	"Fay,,\"May 6, 2025\",friends and family,,,scheduled,,,,,,\r\n" +
	"Poe,,4/2/25,Harbor Chiropractic,,,No Show,,,,,,\r\n"

func TestPlanMessyFile(t *testing.T) {
	plan, err := PlanImport([]byte(messy), opts())
	if err != nil {
		t.Fatal(err)
	}
	for _, col := range []string{"Patient Name", "DOB", "MRN", "Phone", "Notes"} {
		if !contains(plan.Header.Patient, col) {
			t.Errorf("column %q not reported as a patient column: %v", col, plan.Header.Patient)
		}
	}
	for _, f := range []string{"received", "source", "npi", "email", "outcome", "contacted", "seen", "urgency"} {
		if _, ok := plan.Header.Columns[f]; !ok {
			t.Errorf("field %s not matched: %v", f, plan.Header.Columns)
		}
	}
	type want struct {
		line    int
		action  string
		partner string
		outcome referral.Status
		reason  string
	}
	wants := []want{
		{2, ActionCreate, "p_lakeview0001", referral.Seen, ""},
		{4, ActionCreate, "p_lakeview0001", referral.Seen, ""}, // by NPI although the name is unknown
		{6, ActionCreate, "p_harbor000001", referral.NoShow, ""},
		{7, ActionReject, "", "", "import partners first"},
		{8, ActionReject, "", "", "is not a date"},
		{9, ActionReject, "", "", "in the future"},
		{10, ActionReject, "", "", "before the referral was received"},
		{11, ActionCreate, "p_harbor000001", referral.Declined, ""}, // by email, any case
		{12, ActionCreate, "p_harbor000001", referral.Cancelled, ""},
		{13, ActionReject, "", "", "work queue"},
		{14, ActionReject, "", "", "not one we know"},
		{15, ActionCreate, "p_friend000001", referral.Scheduled, ""},
		{16, ActionCreate, "p_harbor000001", referral.NoShow, ""}, // the same as line 6: a second referral
	}
	if len(plan.Rows) != len(wants) {
		t.Fatalf("%d rows, want %d: %+v", len(plan.Rows), len(wants), plan.Rows)
	}
	for i, w := range wants {
		r := plan.Rows[i]
		if r.Line != w.line || r.Action != w.action || r.PartnerID != w.partner && w.action == ActionCreate ||
			w.action == ActionCreate && r.Fact.Status != w.outcome || !strings.Contains(strings.Join(r.Reasons, ";"), w.reason) {
			t.Errorf("row %d: %+v, want %+v", i, r, w)
		}
	}
	if s := plan.Summary; s.Rows != 13 || s.Create != 7 || s.Reject != 6 {
		t.Errorf("summary %+v", s)
	}
	// The facts: the practice's local day, noon, stand-ins marked undated, no patient data anywhere.
	f := plan.Rows[0].Fact
	if f.Day() != "2025-03-14" || f.Received != time.Date(2025, 3, 14, 16, 0, 0, 0, time.UTC) || f.FirstContact == nil ||
		f.Visit == nil || f.Visit.Format(time.DateOnly) != "2025-03-20" || f.Undated != "s" || f.Kind != "provider" ||
		f.ContactBy != f.Received.Add(24*time.Hour) {
		t.Errorf("first fact %+v", f)
	}
	if f := plan.Rows[1].Fact; f.Undated != "csv" || f.Seen == nil {
		t.Errorf("undated seen fact %+v", f)
	}
	if f := plan.Rows[11].Fact; f.Kind != "patient" || f.Day() != "2025-05-06" {
		t.Errorf("patient fact %+v", f)
	}
	for _, r := range plan.Rows {
		if r.Fact == nil {
			continue
		}
		for _, phi := range []string{"Doe", "Jane", "1960", "A123", "555", "knee"} {
			if strings.Contains(r.Fact.Referral+r.Fact.Source+r.Fact.Undated+r.Source, phi) {
				t.Errorf("row %d carries %q", r.Line, phi)
			}
		}
	}
	// Ids: the same file gives the same ids; alike rows differ by occurrence.
	again, _ := PlanImport([]byte(messy), opts())
	if again.Rows[0].Fact.Referral != plan.Rows[0].Fact.Referral || plan.Rows[2].Fact.Referral == plan.Rows[12].Fact.Referral {
		t.Error("fact ids are not deterministic per row and occurrence")
	}
	other := opts()
	other.Tenant = "t_000000000002"
	if x, _ := PlanImport([]byte(messy), other); x.Rows[0].Fact.Referral == plan.Rows[0].Fact.Referral {
		t.Error("two tenants' facts share an id")
	}
	plan.MarkStored(map[string]bool{plan.Rows[0].Fact.Referral: true})
	if plan.Rows[0].Action != ActionUnchanged || plan.Summary.Unchanged != 1 || plan.Summary.Create != 6 {
		t.Errorf("after MarkStored: %+v", plan.Summary)
	}
}

func TestPlanNeedsColumns(t *testing.T) {
	for name, file := range map[string]string{
		"no date":   "Referred By,Status\nHarbor Chiropractic,seen\n",
		"no source": "Date,Status\n1/2/2025,seen\n",
		"empty":     "\n\n",
	} {
		if _, err := PlanImport([]byte(file), opts()); err == nil {
			t.Errorf("%s: no error", name)
		}
	}
}

func TestParseDate(t *testing.T) {
	for in, want := range map[string]string{
		"3/14/2025": "2025-03-14", "03/04/2025": "2025-03-04", "3/4/25": "2025-03-04", "2025-03-14": "2025-03-14",
		"3-14-2025": "2025-03-14", "2025-03-14T10:30:00Z": "2025-03-14", "3/14/2025 10:30 AM": "2025-03-14",
		"Mar 14, 2025": "2025-03-14", "March 14 2025": "2025-03-14", "14 March 2025": "2025-03-14", "12/31/99": "1999-12-31",
		"2/29/2024": "2024-02-29", " 1/1/2025 ": "2025-01-01",
		"2/30/2025": "", "13/1/2025": "", "14/03/2025": "", "yesterday": "", "": "", "3/14": "", "1/2/345": "", "Smarch 1, 2025": "",
	} {
		d, ok := ParseDate(in)
		got := ""
		if ok {
			got = d.Format(time.DateOnly)
		}
		if got != want {
			t.Errorf("ParseDate(%q) = %q, want %q", in, got, want)
		}
	}
}

// Imported facts count their steps; the durations and timeliness of stand-in dates are left out.
func TestUndatedStepsCountedWithoutDurations(t *testing.T) {
	plan, err := PlanImport([]byte("Date,Source,Outcome\n3/14/2025,Harbor Chiropractic,seen\n"), opts())
	if err != nil || plan.Rows[0].Fact == nil {
		t.Fatal(err, plan.Rows)
	}
	var b metrics.Bucket
	b.Add(*plan.Rows[0].Fact, opts().Now)
	if b.Received != 1 || b.Seen != 1 || b.Scheduled != 1 || b.Contacted != 1 || b.Due != 0 || b.ContactedOnTime != 0 ||
		b.ToVisit.Count() != 0 || b.ToContact.Count() != 0 || b.ToSchedule.Count() != 0 {
		t.Errorf("bucket %+v", b)
	}
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
