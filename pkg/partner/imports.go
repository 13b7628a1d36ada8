package partner

import (
	"fmt"
	"slices"
	"strings"

	"github.com/referloop/referloop/pkg/ids"
	"github.com/referloop/referloop/pkg/sheet"
	"github.com/referloop/referloop/pkg/valid"
)

// Columns of a partner import, and the headers (as sheet.Key folds them) each is known by. A header
// names the first column it matches; a second column for the same field is ignored and reported.
var columnSynonyms = map[string][]string{
	"name": {"name", "partner", "partnername", "practicename", "practice", "providername", "provider",
		"physician", "physicianname", "doctor", "doctorname", "referrer", "referrername", "referringprovider",
		"referringphysician", "source", "sourcename", "fullname", "officename", "office"},
	"organization": {"organization", "organisation", "org", "organizationname", "group", "groupname", "clinic",
		"clinicname", "facility", "facilityname", "company", "healthsystem", "system", "practicegroup"},
	"kind": {"kind", "type", "partnertype", "sourcetype", "category", "providertype", "referraltype", "referrertype"},
	"specialty": {"specialty", "speciality", "specialization", "specialisation", "taxonomy", "department",
		"primaryspecialty", "providerspecialty"},
	"npi":   {"npi", "npinumber", "npino", "nationalprovideridentifier", "providernpi", "npiid", "individualnpi", "groupnpi"},
	"email": {"email", "emailaddress", "contactemail", "mail", "emailaddr", "officeemail", "primaryemail"},
	"phone": {"phone", "phonenumber", "telephone", "telephonenumber", "tel", "officephone", "mainphone", "phoneno",
		"ph", "workphone", "businessphone", "contactphone"},
	"fax":      {"fax", "faxnumber", "faxno", "officefax", "fax1"},
	"address":  {"address", "streetaddress", "address1", "addressline1", "street", "mailingaddress", "officeaddress", "street1"},
	"address2": {"address2", "addressline2", "suite", "street2", "unit"},
	"city":     {"city", "town"},
	"state":    {"state", "st", "province", "region"},
	"zip":      {"zip", "zipcode", "postalcode", "postcode", "zip5", "postal", "zippostalcode"},
	"tags":     {"tags", "tag", "labels", "label"},
	"liaison":  {"liaison", "owner", "accountowner", "rep", "liaisonemail", "relationshipowner", "assignedto"},
	"updates":  {"updates", "statusupdates", "updatepreference", "statusupdatepreference", "notify"},
}

var headerField = func() map[string]string {
	m := map[string]string{}
	for f, keys := range columnSynonyms {
		for _, k := range keys {
			m[k] = f
		}
	}
	return m
}()

// Header is how an import read a file's header: each field's column, and the columns it did not use.
type Header struct {
	Columns map[string]int `json:"columns"`
	Ignored []string       `json:"ignored"`
}

// ReadHeader matches a file's header cells to the import's fields.
func ReadHeader(cells []string) Header {
	h := Header{Columns: map[string]int{}, Ignored: []string{}}
	for i, c := range cells {
		f, ok := headerField[sheet.Key(c)]
		if _, taken := h.Columns[f]; !ok || taken {
			if strings.TrimSpace(c) != "" {
				h.Ignored = append(h.Ignored, strings.TrimSpace(c))
			}
			continue
		}
		h.Columns[f] = i
	}
	return h
}

func (h Header) cell(row sheet.Row, field string) string {
	i, ok := h.Columns[field]
	if !ok || i >= len(row.Cells) {
		return ""
	}
	return strings.TrimSpace(row.Cells[i])
}

func (h Header) has(field string) bool { _, ok := h.Columns[field]; return ok }

// kindWords maps what spreadsheets write in a "type" column to a kind.
var kindWords = map[string]string{
	"pcp": "pcp", "primarycare": "pcp", "primarycarephysician": "pcp", "familymedicine": "pcp", "familypractice": "pcp",
	"internalmedicine": "pcp", "generalpractice": "pcp", "gp": "pcp", "pediatrics": "pcp", "pediatrician": "pcp",
	"specialist": "specialist", "specialty": "specialist", "chiropractor": "chiropractor", "chiro": "chiropractor",
	"chiropractic": "chiropractor", "therapist": "therapist", "therapy": "therapist", "pt": "therapist",
	"physicaltherapy": "therapist", "physicaltherapist": "therapist", "ot": "therapist", "mentalhealth": "therapist",
	"hospital": "hospital", "healthsystem": "hospital", "er": "hospital", "urgentcare": "hospital",
	"employer": "employer", "patient": KindPatient, "self": KindSelf, "selfreferral": KindSelf, "other": "other",
}

// Import actions of a row.
const (
	ActionCreate    = "create"
	ActionUpdate    = "update"
	ActionUnchanged = "unchanged"
	ActionReject    = "reject"
)

// RowPlan is what an import does with one row of the file.
type RowPlan struct {
	Line      int      `json:"line"`
	Action    string   `json:"action"`
	Name      string   `json:"name,omitempty"`
	NPI       string   `json:"npi,omitempty"`
	PartnerID string   `json:"partnerId,omitempty"`
	Reasons   []string `json:"reasons,omitempty"`
	Changes   []string `json:"changes,omitempty"`
	Notes     []string `json:"notes,omitempty"`
	// Partner is the record as the import would write it (create and update only); Version is the
	// stored version an update was planned from.
	Partner *Partner `json:"-"`
	Version int      `json:"-"`
	OldNPI  string   `json:"-"`
}

// Plan is what a partner import would do: row by row, and in sum.
type Plan struct {
	Header  Header    `json:"header"`
	Rows    []RowPlan `json:"rows"`
	Summary Summary   `json:"summary"`
}

// Summary counts a plan's rows by action.
type Summary struct {
	Rows      int `json:"rows"`
	Create    int `json:"create"`
	Update    int `json:"update"`
	Unchanged int `json:"unchanged"`
	Reject    int `json:"reject"`
}

// Member is a team member as an import matches a liaison column: by address or by name.
type Member struct {
	ID, Email, Name string
}

// PlanOptions are what a plan needs besides the file.
type PlanOptions struct {
	Existing []Partner
	Members  []Member
	// NewID makes the id of a partner the row at line creates (the import's own, so a redelivered
	// chunk makes the same partner).
	NewID func(line int) string
}

// MaxImportRows is the most rows one import takes.
const MaxImportRows = 10000

// PlanImport reads a partner CSV and decides row by row: reject (invalid, or a duplicate of an
// earlier row), create, update (a partner matched by NPI, then email, then name: only the cells the
// file fills are applied) or unchanged. It changes nothing.
func PlanImport(file []byte, o PlanOptions) (Plan, error) {
	head, rows, err := sheet.Read(file)
	if err != nil {
		return Plan{}, err
	}
	h := ReadHeader(head)
	if !h.has("name") {
		return Plan{}, valid.Invalid("file", "needs a name column (e.g. Name, Practice Name, Provider)")
	}
	if len(rows) > MaxImportRows {
		return Plan{}, valid.Invalid("file", fmt.Sprintf("has %d rows; import at most %d at a time", len(rows), MaxImportRows))
	}
	x := newIndex(o.Existing)
	members := map[string]string{}
	for _, m := range o.Members {
		members[strings.ToLower(m.Email)] = m.ID
		members[strings.ToLower(strings.Join(strings.Fields(m.Name), " "))] = m.ID
	}
	plan := Plan{Header: h, Rows: make([]RowPlan, 0, len(rows))}
	seen := map[string]int{} // dedup key → line of the first row with it
	for _, row := range rows {
		rp := planRow(h, row, x, members, seen, o.NewID)
		plan.Rows = append(plan.Rows, rp)
		switch rp.Action {
		case ActionCreate:
			plan.Summary.Create++
		case ActionUpdate:
			plan.Summary.Update++
		case ActionUnchanged:
			plan.Summary.Unchanged++
		default:
			plan.Summary.Reject++
		}
	}
	plan.Summary.Rows = len(plan.Rows)
	return plan, nil
}

// index finds stored partners by NPI, email and name; a partner the plan creates joins it, so a
// later row matching it is a duplicate.
type index struct{ npi, email, name map[string]*Partner }

func newIndex(list []Partner) *index {
	x := &index{npi: map[string]*Partner{}, email: map[string]*Partner{}, name: map[string]*Partner{}}
	for i := range list {
		p := &list[i]
		if p.MergedInto != "" {
			continue
		}
		if p.NPI != "" {
			x.npi[p.NPI] = p
		}
		if e := strings.ToLower(p.ContactEmail); e != "" {
			if _, ok := x.email[e]; !ok {
				x.email[e] = p
			}
		}
		if _, ok := x.name[nameKey(p.Name)]; !ok {
			x.name[nameKey(p.Name)] = p
		}
	}
	return x
}

func nameKey(s string) string { return strings.ToLower(strings.Join(strings.Fields(s), " ")) }

// match finds the stored partner a row stands for: by NPI; else by email (a partner with no NPI, or
// a row with none: offices share an address among providers); else by name when the row has
// neither.
func (x *index) match(in Input) *Partner {
	if in.NPI != "" {
		if p := x.npi[in.NPI]; p != nil {
			return p
		}
	}
	if e := strings.ToLower(in.ContactEmail); e != "" {
		if p := x.email[e]; p != nil && (p.NPI == "" || in.NPI == "") {
			return p
		}
		return nil
	}
	if in.NPI == "" {
		return x.name[nameKey(in.Name)]
	}
	return nil
}

func planRow(h Header, row sheet.Row, x *index, members map[string]string, seen map[string]int, newID func(int) string) RowPlan {
	rp := RowPlan{Line: row.Line}
	in := Input{Name: h.cell(row, "name"), Specialty: h.cell(row, "specialty"), NPI: h.cell(row, "npi"),
		ContactEmail: h.cell(row, "email"), StatusUpdates: h.cell(row, "updates")}
	in.Organization = h.cell(row, "organization")
	in.Phone, in.Fax, in.ZIP = h.cell(row, "phone"), h.cell(row, "fax"), h.cell(row, "zip")
	var addr []string
	for _, f := range []string{"address", "address2", "city"} {
		if v := h.cell(row, f); v != "" {
			addr = append(addr, v)
		}
	}
	if st := h.cell(row, "state"); st != "" {
		if len(addr) > 0 {
			addr[len(addr)-1] += ", " + st
		} else {
			addr = append(addr, st)
		}
	}
	in.Address = strings.Join(addr, ", ")
	if t := h.cell(row, "tags"); t != "" {
		in.Tags = strings.FieldsFunc(t, func(r rune) bool { return r == ';' || r == ',' || r == '|' })
	}
	if kind := h.cell(row, "kind"); kind != "" {
		if k, ok := kindWords[sheet.Key(kind)]; ok {
			in.Kind = k
		} else {
			in.Kind = "other"
			rp.Notes = append(rp.Notes, fmt.Sprintf("type %q read as other", kind))
		}
	}
	if l := h.cell(row, "liaison"); l != "" {
		if id, ok := members[strings.ToLower(strings.Join(strings.Fields(l), " "))]; ok {
			in.Liaison = id
		} else {
			rp.Notes = append(rp.Notes, fmt.Sprintf("liaison %q is not on the team; left unassigned", l))
		}
	}
	in.NPI = strings.NewReplacer("-", "", ".", "").Replace(in.NPI)
	in.Normalize()
	rp.Name, rp.NPI = in.Name, in.NPI
	// The dedup key within the file: NPI, else email, else name.
	key := "name:" + nameKey(in.Name)
	switch {
	case in.NPI != "":
		key = "npi:" + in.NPI
	case in.ContactEmail != "":
		key = "email:" + strings.ToLower(in.ContactEmail)
	}
	match := x.match(in)
	if match != nil {
		// Cells the file leaves empty keep what is stored.
		merged := InputOf(*match)
		fill(&merged, in, h)
		in = merged
	} else if in.Kind == "" {
		in.Kind = "other"
	}
	if err := in.Validate(); err != nil {
		rp.Action = ActionReject
		if fe, ok := valid.As(err); ok {
			for _, e := range fe {
				rp.Reasons = append(rp.Reasons, e.Field+": "+e.Detail)
			}
		} else {
			rp.Reasons = append(rp.Reasons, err.Error())
		}
		return rp
	}
	if first, dup := seen[key]; dup {
		rp.Action = ActionReject
		rp.Reasons = append(rp.Reasons, fmt.Sprintf("duplicate of line %d (same %s)", first, strings.SplitN(key, ":", 2)[0]))
		return rp
	}
	seen[key] = row.Line
	if match == nil {
		p := Partner{ID: newID(row.Line)}
		p.Apply(in)
		rp.Action, rp.PartnerID, rp.Partner = ActionCreate, p.ID, &p
		x.add(&p)
		return rp
	}
	rp.PartnerID = match.ID
	rp.Changes = changes(InputOf(*match), in)
	if len(rp.Changes) == 0 {
		rp.Action = ActionUnchanged
		return rp
	}
	p := *match
	p.Apply(in)
	rp.Action, rp.Partner, rp.Version, rp.OldNPI = ActionUpdate, &p, max(match.Version, 1), match.NPI
	return rp
}

func (x *index) add(p *Partner) {
	if p.NPI != "" {
		x.npi[p.NPI] = p
	}
	if e := strings.ToLower(p.ContactEmail); e != "" {
		if _, ok := x.email[e]; !ok {
			x.email[e] = p
		}
	}
}

// fill copies into dst the fields the file has a column for and the row fills.
func fill(dst *Input, src Input, h Header) {
	set := func(field string, d *string, v string) {
		if h.has(field) && v != "" {
			*d = v
		}
	}
	set("name", &dst.Name, src.Name)
	set("organization", &dst.Organization, src.Organization)
	set("kind", &dst.Kind, src.Kind)
	set("specialty", &dst.Specialty, src.Specialty)
	set("npi", &dst.NPI, src.NPI)
	set("email", &dst.ContactEmail, src.ContactEmail)
	set("phone", &dst.Phone, src.Phone)
	set("fax", &dst.Fax, src.Fax)
	set("zip", &dst.ZIP, src.ZIP)
	set("liaison", &dst.Liaison, src.Liaison)
	if h.has("updates") && src.StatusUpdates != "" && src.StatusUpdates != UpdatesEach {
		dst.StatusUpdates = src.StatusUpdates
	}
	if src.Address != "" {
		dst.Address = src.Address
	}
	if len(src.Tags) > 0 {
		dst.Tags = NormalizeTags(append(slices.Clone(dst.Tags), src.Tags...))
	}
}

// changes names the fields that differ between a stored partner's input and the row's (both
// normalized and validated, so phone numbers compare in E.164).
func changes(a, b Input) []string {
	var out []string
	cmp := func(name, x, y string) {
		if x != y {
			out = append(out, name)
		}
	}
	cmp("name", a.Name, b.Name)
	cmp("organization", a.Organization, b.Organization)
	cmp("kind", a.Kind, b.Kind)
	cmp("specialty", a.Specialty, b.Specialty)
	cmp("npi", a.NPI, b.NPI)
	cmp("email", a.ContactEmail, b.ContactEmail)
	cmp("phone", a.Phone, b.Phone)
	cmp("fax", a.Fax, b.Fax)
	cmp("address", a.Address, b.Address)
	cmp("zip", a.ZIP, b.ZIP)
	cmp("liaison", a.Liaison, b.Liaison)
	cmp("statusUpdates", a.StatusUpdates, b.StatusUpdates)
	cmp("tags", strings.Join(a.Tags, "\x00"), strings.Join(b.Tags, "\x00"))
	return out
}

// ImportID names an import of file into a tenant: the same file imported again is the same import.
func ImportID(tid, kind string, file []byte) string {
	return "i_" + ids.Hash(tid + "\x00" + kind + "\x00" + string(file))[:24]
}

// ImportPartnerID is the id of the partner the row at line of an import creates.
func ImportPartnerID(importID string, line int) string {
	return "p_" + ids.Hash(fmt.Sprintf("%s#%d", importID, line))[:12] // p_ and 12, as ids.Short (the IAM key patterns)
}
