package partner

import (
	"fmt"
	"strings"
	"testing"
)

// A spreadsheet as practices keep them: a byte-order mark, Windows line endings, headers in other
// words and order (with an extra column nobody asked for), quoted commas and a line break inside a
// cell, blank lines, a row repeated, an invalid NPI, a row with no name.
const messy = "\xef\xbb\xbf" + `"NPI #",Practice Name, E-mail ,Phone Number,Type,Zip,Street Address,City,ST,Fax,Favorite Color,Tags` + "\r\n" +
	`1234567893,"Lakeside Family Medicine, LLC",front@lakeside.example,(312) 555-0142,Family Medicine,60614,"100 Main St",Chicago,IL,312-555-0143,blue,"vip; lunch"` + "\r\n" +
	"\r\n" +
	`1245319599,Northside Chiropractic,hello@northside.example,312.555.0199,Chiro,606141234,"200 Oak Ave` + "\r\n" + `Suite 4",Chicago,IL,,green,` + "\r\n" +
	`1234567890,Bad Check Digit Clinic,bad@example.com,3125550100,PCP,60601,,,,,,` + "\r\n" +
	`1234567893,"Lakeside Family Medicine, LLC",front@lakeside.example,(312) 555-0142,Family Medicine,60614,"100 Main St",Chicago,IL,312-555-0143,blue,"vip; lunch"` + "\r\n" +
	`,,nobody@example.com,,,,,,,,,` + "\r\n" +
	`,Riverside Physical Therapy,pt@riverside.example,not a phone,Physical Therapy,60605,,,,,,` + "\r\n" +
	`1000000004,Dr. Ana Ruiz,ana@ruiz.example,+1 (773) 555-0110,Orthopedics,60657,,,,,,` + "\r\n" +
	`1987654328,Existing Same,same@example.com,,PCP,,,,,,,` + "\r\n" +
	`1500000009,Existing Changed,new@changed.example,,PCP,,,,,,,` + "\r\n" +
	"\r\n"

func TestPlanImportMessyFile(t *testing.T) {
	existing := []Partner{
		{ID: "p_same", Name: "Existing Same", Kind: "pcp", NPI: "1987654328", ContactEmail: "same@example.com", StatusUpdates: UpdatesEach, Version: 2},
		{ID: "p_changed", Name: "Existing Changed", Kind: "pcp", NPI: "1500000009", ContactEmail: "old@changed.example", StatusUpdates: UpdatesEach, Version: 1},
	}
	plan, err := PlanImport([]byte(messy), PlanOptions{Existing: existing, NewID: func(line int) string { return fmt.Sprintf("p_new%d", line) }})
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(plan.Header.Ignored, ","); got != "Favorite Color" {
		t.Errorf("ignored columns %q, want Favorite Color", got)
	}
	want := []struct {
		line    int
		action  string
		reason  string
		changes string
	}{
		{2, ActionCreate, "", ""},
		{4, ActionCreate, "", ""}, // the cell's line break makes this row two lines
		{6, ActionReject, "npi: must be a 10-digit NPI with a valid check digit", ""},
		{7, ActionReject, "duplicate of line 2 (same npi)", ""},
		{8, ActionReject, "name: is required", ""},
		{9, ActionReject, "phone: must be a phone number", ""},
		{10, ActionCreate, "", ""},
		{11, ActionUnchanged, "", ""},
		{12, ActionUpdate, "", "email"},
	}
	if len(plan.Rows) != len(want) {
		for _, r := range plan.Rows {
			t.Logf("%+v", r)
		}
		t.Fatalf("%d rows, want %d", len(plan.Rows), len(want))
	}
	for i, w := range want {
		r := plan.Rows[i]
		if r.Line != w.line || r.Action != w.action {
			t.Errorf("row %d: line %d %s (%v), want line %d %s", i, r.Line, r.Action, r.Reasons, w.line, w.action)
		}
		if w.reason != "" && (len(r.Reasons) == 0 || !strings.HasPrefix(r.Reasons[0], w.reason)) {
			t.Errorf("line %d: reasons %v, want %q", r.Line, r.Reasons, w.reason)
		}
		if got := strings.Join(r.Changes, ","); got != w.changes {
			t.Errorf("line %d: changes %q, want %q", r.Line, got, w.changes)
		}
	}
	s := plan.Summary
	if s.Rows != 9 || s.Create != 3 || s.Update != 1 || s.Unchanged != 1 || s.Reject != 4 {
		t.Errorf("summary %+v", s)
	}
	lake := plan.Rows[0].Partner
	if lake.Name != "Lakeside Family Medicine, LLC" || lake.Kind != "pcp" || lake.Phone != "+13125550142" || lake.Fax != "+13125550143" ||
		lake.Address != "100 Main St, Chicago, IL" || strings.Join(lake.Tags, "|") != "lunch|vip" {
		t.Errorf("lakeside read as %+v", lake)
	}
	north := plan.Rows[1].Partner
	if north.Kind != "chiropractor" || north.ZIP != "60614-1234" || north.Address != "200 Oak Ave Suite 4, Chicago, IL" {
		t.Errorf("northside read as %+v", north)
	}
	ruiz := plan.Rows[6]
	if ruiz.Partner.Kind != "other" || len(ruiz.Notes) != 1 {
		t.Errorf("an unknown type is other, with a note: %+v", ruiz)
	}
	if up := plan.Rows[8]; up.Partner.ID != "p_changed" || up.Version != 1 || up.Partner.ContactEmail != "new@changed.example" {
		t.Errorf("update %+v", up.Partner)
	}
}

// Importing what the import made changes nothing: every row is unchanged or the same rejection.
func TestPlanImportTwiceIsNoOp(t *testing.T) {
	newID := func(line int) string { return fmt.Sprintf("p_new%d", line) }
	first, err := PlanImport([]byte(messy), PlanOptions{NewID: newID})
	if err != nil {
		t.Fatal(err)
	}
	var stored []Partner
	for _, r := range first.Rows {
		if r.Partner != nil {
			stored = append(stored, *r.Partner)
		}
	}
	again, err := PlanImport([]byte(messy), PlanOptions{Existing: stored, NewID: newID})
	if err != nil {
		t.Fatal(err)
	}
	if again.Summary.Create != 0 || again.Summary.Update != 0 || again.Summary.Unchanged != first.Summary.Create+first.Summary.Update+first.Summary.Unchanged {
		t.Errorf("second plan %+v after first %+v", again.Summary, first.Summary)
	}
}

func TestReadHeaderSynonyms(t *testing.T) {
	for header, field := range map[string]string{
		"Practice Name": "name", "NPI #": "npi", "npi_number": "npi", "Zip": "zip", "Postal Code": "zip", "E-mail": "email",
		"Email Address": "email", "Phone Number": "phone", "TEL.": "phone", "Fax #": "fax", "Provider Type": "kind",
		"Speciality": "specialty", "Organisation": "organization", "Address Line 1": "address", "Liaison": "liaison",
	} {
		h := ReadHeader([]string{header})
		if _, ok := h.Columns[field]; !ok {
			t.Errorf("%q not read as %s: %+v", header, field, h)
		}
	}
}

func TestPlanImportNeedsName(t *testing.T) {
	if _, err := PlanImport([]byte("NPI,Email\r\n1234567893,a@b.example\r\n"), PlanOptions{NewID: func(int) string { return "p_x" }}); err == nil {
		t.Error("a file with no name column was planned")
	}
}
