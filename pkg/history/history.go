// Package history reads a practice's spreadsheet of past referrals into metric facts (issue 11,
// item 5): each row becomes a fact of its source, day and outcome, so the metrics, the sources'
// stages and the outreach numbers start with the practice's history. Nothing about the patient is
// read: columns that look like patient details are left out of the import and named in its report
// (data minimization). No referral is made, nobody is emailed or texted, nothing enters the work
// queue.
package history

import (
	"fmt"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/referloop/referloop/pkg/ids"
	"github.com/referloop/referloop/pkg/metrics"
	"github.com/referloop/referloop/pkg/partner"
	"github.com/referloop/referloop/pkg/practice"
	"github.com/referloop/referloop/pkg/referral"
	"github.com/referloop/referloop/pkg/sheet"
	"github.com/referloop/referloop/pkg/valid"
)

// Kind is the import kind of past referrals (store.Import.Kind, the import id's kind).
const Kind = "referrals"

// MaxRows is the most rows one import takes.
const MaxRows = partner.MaxImportRows

// MaxYears is how far back a row's date may go.
const MaxYears = 10

// columnSynonyms are the headers (as sheet.Key folds them) each field is known by.
func columnSynonyms() map[string][]string {
	return map[string][]string{
		"received": {"date", "referraldate", "received", "datereceived", "receiveddate", "receivedon", "referred",
			"datereferred", "referredon", "dateofreferral", "referralreceived", "referralreceiveddate", "referraldt", "refdate"},
		"npi": {"npi", "npinumber", "npino", "referringnpi", "providernpi", "sourcenpi", "referringprovidernpi",
			"referringphysiciannpi", "partnernpi"},
		"email": {"email", "emailaddress", "referringemail", "sourceemail", "provideremail", "practiceemail",
			"referreremail", "partneremail", "officeemail"},
		"source": {"referringpractice", "referringpracticename", "referredby", "source", "sourcename", "practicename",
			"practice", "referringprovider", "referringphysician", "referringdoctor", "referrer", "referrername",
			"referringoffice", "referralsource", "partner", "partnername", "provider", "providername", "referringclinic"},
		"outcome": {"outcome", "status", "result", "referralstatus", "disposition", "stage", "referraloutcome"},
		"contacted": {"contacted", "datecontacted", "contactdate", "firstcontact", "contactedon", "called", "datecalled",
			"firstcontactdate", "patientcontacted"},
		"scheduled": {"scheduled", "datescheduled", "scheduleddate", "scheduledon", "booked", "datebooked", "bookeddate",
			"schedulingdate"},
		"seen": {"seen", "dateseen", "seenon", "appointment", "appointmentdate", "appt", "apptdate", "visit",
			"visitdate", "dateofvisit", "firstvisit", "firstvisitdate", "attended", "dateofservice", "dos"},
		"urgency": {"urgency", "priority", "urgent"},
	}
}

// vocabulary is the words an import reads, built once on first use: maps built by package
// initializers would be in every function's bootstrap (pkg/httpapi is linked whole), these only
// where an import runs.
type vocabulary struct {
	headerField  map[string]string
	patientExact map[string]bool
	outcome      map[string]referral.Status
	urgency      map[string]string
	months       map[string]time.Month
}

var (
	vocabOnce sync.Once
	vocab     vocabulary
)

func words() *vocabulary {
	vocabOnce.Do(func() {
		vocab = vocabulary{headerField: map[string]string{}, patientExact: patientExactWords(), outcome: outcomeWordsMap(),
			urgency: urgencyWordsMap(), months: map[string]time.Month{}}
		for f, keys := range columnSynonyms() {
			for _, k := range keys {
				vocab.headerField[k] = f
			}
		}
		for m := time.January; m <= time.December; m++ {
			n := strings.ToLower(m.String())
			vocab.months[n], vocab.months[n[:3]] = m, m
		}
		vocab.months["sept"] = time.September
	})
	return &vocab
}

// patientWords mark a header as a patient's details: such a column is never read.
var patientWords = []string{"patient", "dob", "birth", "mrn", "medicalrecord", "chart", "ssn", "social",
	"phone", "mobile", "cell", "firstname", "lastname", "fullname", "middlename", "surname", "address", "street",
	"zip", "postal", "city", "insurance", "member", "policy", "diagnosis", "icd", "reason", "notes", "note",
	"comment", "age", "sex", "gender", "guardian", "parent", "emergency"}

func patientExactWords() map[string]bool {
	return map[string]bool{"name": true, "pt": true, "ptname": true, "client": true, "clientname": true,
		"email2": true, "cellphone": true, "homephone": true, "id": true, "accountnumber": true, "acct": true}
}

func looksLikePatient(key string) bool {
	if words().patientExact[key] {
		return true
	}
	for _, w := range patientWords {
		if strings.Contains(key, w) {
			return true
		}
	}
	return false
}

// Header is how an import read a file's header: each field's column, the columns left out as
// patient details, and the others it did not use.
type Header struct {
	Columns map[string]int `json:"columns"`
	Patient []string       `json:"patientColumns"`
	Ignored []string       `json:"ignored"`
}

// ReadHeader matches a file's header cells to the import's fields. A header names the first column
// it matches; anything that looks like a patient's details is never read, even when a field could
// take it.
func ReadHeader(cells []string) Header {
	h := Header{Columns: map[string]int{}, Patient: []string{}, Ignored: []string{}}
	for i, c := range cells {
		name := strings.TrimSpace(c)
		k := sheet.Key(c)
		f, ok := words().headerField[k]
		if _, taken := h.Columns[f]; ok && !taken {
			h.Columns[f] = i
			continue
		}
		switch {
		case name == "":
		case looksLikePatient(k):
			h.Patient = append(h.Patient, name)
		default:
			h.Ignored = append(h.Ignored, name)
		}
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

// outcomeWords maps what spreadsheets write in a status column to a lifecycle status.
func outcomeWordsMap() map[string]referral.Status {
	return map[string]referral.Status{
		"seen": referral.Seen, "completed": referral.Seen, "complete": referral.Seen, "attended": referral.Seen,
		"visited": referral.Seen, "showed": referral.Seen, "arrived": referral.Seen, "done": referral.Seen,
		"treated": referral.Seen, "kept": referral.Seen, "checkedin": referral.Seen, "checkedout": referral.Seen,
		"scheduled": referral.Scheduled, "booked": referral.Scheduled, "appointmentscheduled": referral.Scheduled,
		"appointmentmade": referral.Scheduled, "appt": referral.Scheduled,
		"declined": referral.Declined, "rejected": referral.Declined, "denied": referral.Declined,
		"notamatch": referral.Declined, "notaccepted": referral.Declined,
		"noshow": referral.NoShow, "noshowed": referral.NoShow, "missed": referral.NoShow, "dna": referral.NoShow,
		"didnotattend": referral.NoShow, "missedappointment": referral.NoShow,
		"cancelled": referral.Cancelled, "canceled": referral.Cancelled, "cancel": referral.Cancelled,
		"withdrawn": referral.Cancelled, "patientcancelled": referral.Cancelled, "patientcanceled": referral.Cancelled,
		"contacted": referral.Contacted, "reached": referral.Contacted, "called": referral.Contacted,
		"spoketopatient": referral.Contacted,
		"unreachable":    referral.Unreachable, "couldnotreach": referral.Unreachable, "noanswer": referral.Unreachable,
		"noresponse": referral.Unreachable, "unabletoreach": referral.Unreachable, "lost": referral.Unreachable,
		"closed": referral.Closed, "discharged": referral.Closed,
		"received": referral.Received, "new": referral.Received, "pending": referral.Received, "open": referral.Received,
		"accepted": referral.Accepted, "approved": referral.Accepted,
	}
}

// urgencyWords maps an urgency cell to the referral's urgency.
func urgencyWordsMap() map[string]string {
	return map[string]string{
		"routine": referral.Routine, "normal": referral.Routine, "standard": referral.Routine, "low": referral.Routine,
		"no": referral.Routine, "soon": referral.Soon, "medium": referral.Soon, "high": referral.Soon,
		"urgent": referral.Urgent, "stat": referral.Urgent, "asap": referral.Urgent, "emergent": referral.Urgent,
		"yes": referral.Urgent, "y": referral.Urgent, "true": referral.Urgent,
	}
}

// Actions of a row.
const (
	ActionCreate    = partner.ActionCreate
	ActionUnchanged = partner.ActionUnchanged
	ActionReject    = partner.ActionReject
)

// RowPlan is what an import does with one row.
type RowPlan struct {
	Line      int      `json:"line"`
	Action    string   `json:"action"`
	Source    string   `json:"source,omitempty"`
	PartnerID string   `json:"partnerId,omitempty"`
	Received  string   `json:"received,omitempty"` // the practice's local day
	Outcome   string   `json:"outcome,omitempty"`
	Reasons   []string `json:"reasons,omitempty"`
	Notes     []string `json:"notes,omitempty"`
	// Fact is what the row writes (create and unchanged).
	Fact *metrics.Fact `json:"-"`
}

// Plan is what an import of past referrals would do: row by row, and in sum.
type Plan struct {
	Header  Header          `json:"header"`
	Rows    []RowPlan       `json:"rows"`
	Summary partner.Summary `json:"summary"`
}

// Options are what a plan needs besides the file.
type Options struct {
	Tenant   string
	Partners []partner.Partner
	Loc      *time.Location
	Hours    practice.ContactBy
	Now      time.Time
}

// Plan reads a past-referrals CSV and decides row by row: reject (with the reason) or create a fact.
// Whether a fact is stored already (unchanged) is the caller's to mark (MarkStored). It changes
// nothing.
func PlanImport(file []byte, o Options) (Plan, error) {
	head, rows, err := sheet.Read(file)
	if err != nil {
		return Plan{}, err
	}
	h := ReadHeader(head)
	var missing []string
	if _, ok := h.Columns["received"]; !ok {
		missing = append(missing, "a date received column (e.g. Date, Referral Date, Date Received)")
	}
	_, npi := h.Columns["npi"]
	_, email := h.Columns["email"]
	_, name := h.Columns["source"]
	if !npi && !email && !name {
		missing = append(missing, "a source column (e.g. NPI, Email, Referring Practice, Referred By)")
	}
	if len(missing) > 0 {
		return Plan{}, valid.Invalid("file", "needs "+strings.Join(missing, " and "))
	}
	if len(rows) > MaxRows {
		return Plan{}, valid.Invalid("file", fmt.Sprintf("has %d rows; import at most %d at a time", len(rows), MaxRows))
	}
	if o.Loc == nil {
		o.Loc = time.UTC
	}
	x := newIndex(o.Partners)
	plan := Plan{Header: h, Rows: make([]RowPlan, 0, len(rows))}
	seen := map[string]int{} // a row's content → how many rows before had it
	for _, row := range rows {
		rp := planRow(h, row, x, o)
		if rp.Fact != nil {
			c := rp.Fact.Referral
			rp.Fact.Referral = FactID(o.Tenant, c, seen[c])
			seen[c]++
		}
		plan.Rows = append(plan.Rows, rp)
	}
	plan.count()
	return plan, nil
}

func (p *Plan) count() {
	p.Summary = partner.Summary{Rows: len(p.Rows)}
	for _, r := range p.Rows {
		switch r.Action {
		case ActionCreate:
			p.Summary.Create++
		case ActionUnchanged:
			p.Summary.Unchanged++
		default:
			p.Summary.Reject++
		}
	}
}

// MarkStored marks the rows whose fact is stored already (stored by fact id) unchanged.
func (p *Plan) MarkStored(stored map[string]bool) {
	for i := range p.Rows {
		if r := &p.Rows[i]; r.Action == ActionCreate && stored[r.Fact.Referral] {
			r.Action = ActionUnchanged
		}
	}
	p.count()
}

// FactID is the id of the fact a row makes: from the tenant, the row's content as read (its
// source, dates, outcome and urgency, never its patient columns) and how many rows of the file had
// that content before it. The same file again makes the same ids, and so does a later file that
// repeats those rows; two rows alike in a file are two referrals.
func FactID(tid, content string, occurrence int) string {
	return "h_" + ids.Hash(fmt.Sprintf("%s\x00%s\x00%s\x00%d", tid, Kind, content, occurrence))[:24]
}

// index finds a practice's partners by NPI, email and name (case and spacing ignored).
type index struct{ npi, email, name map[string]*partner.Partner }

func newIndex(list []partner.Partner) *index {
	x := &index{npi: map[string]*partner.Partner{}, email: map[string]*partner.Partner{}, name: map[string]*partner.Partner{}}
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
		for _, n := range []string{p.Name, p.Organization} {
			if k := nameKey(n); k != "" {
				if _, ok := x.name[k]; !ok {
					x.name[k] = p
				}
			}
		}
	}
	return x
}

// nameKey folds a name to its letters and digits, lower case: "Lakeview  Family-Medicine" and
// "lakeview family medicine" are one name.
func nameKey(s string) string { return sheet.Key(s) }

func planRow(h Header, row sheet.Row, x *index, o Options) RowPlan {
	rp := RowPlan{Line: row.Line}
	reject := func(why string) RowPlan {
		rp.Action, rp.Fact = ActionReject, nil
		rp.Reasons = append(rp.Reasons, why)
		return rp
	}
	// The source: by NPI, then email, then name.
	npi := strings.NewReplacer("-", "", ".", "", " ", "").Replace(h.cell(row, "npi"))
	email := strings.ToLower(h.cell(row, "email"))
	name := h.cell(row, "source")
	rp.Source = name
	var p *partner.Partner
	switch {
	case npi != "" && x.npi[npi] != nil:
		p = x.npi[npi]
	case email != "" && x.email[email] != nil:
		p = x.email[email]
	case name != "" && x.name[nameKey(name)] != nil:
		p = x.name[nameKey(name)]
	}
	if p == nil {
		who := name
		if who == "" {
			who = strings.TrimSpace(npi + " " + email)
		}
		if who == "" {
			return reject("source: empty; name the referring practice (or its NPI or email)")
		}
		return reject(fmt.Sprintf("source: no partner %q in your network; import partners first", who))
	}
	rp.Source, rp.PartnerID = p.Name, p.ID
	today := localDay(o.Now.In(o.Loc))
	floor := today.AddDate(-MaxYears, 0, 0)
	date := func(field, label string, required bool) (*time.Time, bool) {
		v := h.cell(row, field)
		if v == "" {
			if required {
				reject(label + ": empty")
				return nil, false
			}
			return nil, true
		}
		d, ok := ParseDate(v)
		if !ok {
			reject(fmt.Sprintf("%s: %q is not a date (write it like 3/14/2025 or 2025-03-14)", label, v))
			return nil, false
		}
		switch {
		case d.After(today):
			reject(fmt.Sprintf("%s: %s is in the future", label, d.Format("1/2/2006")))
			return nil, false
		case d.Before(floor):
			reject(fmt.Sprintf("%s: %s is more than %d years ago", label, d.Format("1/2/2006"), MaxYears))
			return nil, false
		}
		t := time.Date(d.Year(), d.Month(), d.Day(), 12, 0, 0, 0, o.Loc) // noon: the same day in UTC too
		return &t, true
	}
	received, ok := date("received", "date received", true)
	if !ok {
		return rp
	}
	rp.Received = received.Format(time.DateOnly)
	later := func(field, label string) (*time.Time, bool) {
		t, ok := date(field, label, false)
		if ok && t != nil && t.Before(*received) {
			reject(fmt.Sprintf("%s: %s is before the referral was received (%s)", label, t.Format("1/2/2006"), received.Format("1/2/2006")))
			return nil, false
		}
		return t, ok
	}
	contacted, ok := later("contacted", "date contacted")
	if !ok {
		return rp
	}
	scheduled, ok := later("scheduled", "date scheduled")
	if !ok {
		return rp
	}
	visit, ok := later("seen", "date seen")
	if !ok {
		return rp
	}
	urgency := referral.Routine
	if u := h.cell(row, "urgency"); u != "" {
		if w, ok := words().urgency[sheet.Key(u)]; ok {
			urgency = w
		} else {
			rp.Notes = append(rp.Notes, fmt.Sprintf("urgency %q read as routine", u))
		}
	}
	// The outcome: as written; else what the dates say.
	var status referral.Status
	if v := h.cell(row, "outcome"); v != "" {
		st, ok := words().outcome[sheet.Key(v)]
		if !ok {
			return reject(fmt.Sprintf("outcome: %q is not one we know (seen, scheduled, declined, no-show, cancelled, contacted, unreachable)", v))
		}
		status = st
	} else {
		switch {
		case visit != nil:
			status = referral.Seen
		case scheduled != nil:
			status = referral.Scheduled
		case contacted != nil:
			status = referral.Contacted
		default:
			return reject("outcome: empty; say what became of the referral (seen, scheduled, declined, no-show, cancelled, …)")
		}
	}
	if status == referral.Seen && visit == nil && scheduled != nil {
		rp.Notes = append(rp.Notes, "no date seen: counted as seen, without a time to visit")
	}
	if status.AwaitingContact() || status == referral.NeedsInfo {
		if contacted == nil {
			return reject("outcome: still open and nobody has contacted the patient; add it to the work queue as a referral instead, so someone calls")
		}
		status = referral.Contacted
	}
	rp.Outcome = string(status)
	f := &metrics.Fact{Tenant: o.Tenant, Source: p.ID, Kind: partner.SourceKind(p.Kind), Received: received.UTC(),
		ContactBy: referral.ContactByFor(received.UTC(), urgency, o.Hours), Status: status, LocalDay: rp.Received,
		UpdatedAt: received.UTC()}
	var undated []string
	stamp := func(at *time.Time) *time.Time {
		t := at.UTC()
		if t.After(f.UpdatedAt) {
			f.UpdatedAt = t
		}
		return &t
	}
	stand := func(flag string) *time.Time { undated = append(undated, flag); t := f.Received; return &t }
	booked := status == referral.Scheduled || status == referral.Seen || status == referral.NoShow || status == referral.Closed
	if status != referral.Declined {
		f.Accepted = stamp(received)
	} else {
		f.Declined, f.DeclineWhy = stamp(received), "other"
	}
	switch {
	case contacted != nil:
		f.FirstContact = stamp(contacted)
	case status == referral.Contacted || booked:
		f.FirstContact = stand(metrics.UndatedContact)
	}
	switch {
	case scheduled != nil:
		f.Scheduled = stamp(scheduled)
	case booked:
		f.Scheduled = stand(metrics.UndatedScheduled)
	}
	switch status {
	case referral.Seen, referral.Closed:
		if visit != nil {
			f.Seen, f.Visit = stamp(visit), stamp(visit)
		} else {
			f.Seen = stand(metrics.UndatedVisit)
			f.Visit = f.Seen
		}
		if status == referral.Closed {
			f.Closed = stamp(f.Seen)
		}
	case referral.NoShow:
		f.NoShows = 1
	case referral.Cancelled:
		f.Cancelled = stamp(latest(received, contacted, scheduled, visit))
	case referral.Unreachable:
		f.Unreachable = stamp(latest(received, contacted, scheduled))
	}
	f.Undated = strings.Join(undated, "")
	// The content the fact's id is made of (the occurrence is added by the plan).
	f.Referral = strings.Join([]string{p.ID, rp.Received, string(status), day(contacted), day(scheduled), day(visit), urgency}, "|")
	rp.Action, rp.Fact = ActionCreate, f
	return rp
}

func day(t *time.Time) string {
	if t == nil {
		return ""
	}
	return t.Format(time.DateOnly)
}

func latest(ts ...*time.Time) *time.Time {
	var out *time.Time
	for _, t := range ts {
		if t != nil && (out == nil || t.After(*out)) {
			out = t
		}
	}
	return out
}

func localDay(t time.Time) time.Time {
	return time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, time.UTC)
}

// ParseDate reads a date as US spreadsheets write it: M/D/YYYY, M/D/YY, MM-DD-YYYY, YYYY-MM-DD (a
// time after it, or an ISO time, is ignored), or "Mar 14, 2025" / "14 March 2025". The day is
// returned at midnight UTC (a calendar date, read in the practice's zone by the caller).
func ParseDate(s string) (time.Time, bool) {
	s = strings.TrimSpace(s)
	if i := strings.IndexAny(s, "T "); i > 0 && (strings.Count(s[:i], "/") == 2 || strings.Count(s[:i], "-") == 2 || strings.Count(s[:i], ".") == 2) {
		s = s[:i] // "3/14/2025 10:30 AM", "2025-03-14T10:30:00Z"
	}
	var y, m, d int
	num := func(p string) (int, bool) {
		n, err := strconv.Atoi(p)
		return n, err == nil && len(p) > 0 && len(p) <= 4
	}
	parts := strings.FieldsFunc(s, func(r rune) bool { return r == '/' || r == '-' || r == '.' })
	if len(parts) == 3 {
		a, ok1 := num(parts[0])
		b, ok2 := num(parts[1])
		c, ok3 := num(parts[2])
		if !ok1 || !ok2 || !ok3 {
			return textDate(s)
		}
		switch {
		case len(parts[0]) == 4: // ISO
			y, m, d = a, b, c
		case len(parts[2]) == 4:
			m, d, y = a, b, c
		case len(parts[2]) == 2:
			m, d, y = a, b, 2000+c
			if c > 69 {
				y = 1900 + c
			}
		default:
			return time.Time{}, false
		}
	} else {
		return textDate(s)
	}
	return checked(y, m, d)
}

func checked(y, m, d int) (time.Time, bool) {
	if y < 1900 || m < 1 || m > 12 || d < 1 || d > 31 {
		return time.Time{}, false
	}
	t := time.Date(y, time.Month(m), d, 0, 0, 0, 0, time.UTC)
	if t.Day() != d { // February 30th
		return time.Time{}, false
	}
	return t, true
}

// textDate reads "Mar 14, 2025", "March 14 2025" and "14 March 2025".
func textDate(s string) (time.Time, bool) {
	f := strings.FieldsFunc(strings.ToLower(s), func(r rune) bool { return r == ' ' || r == ',' })
	if len(f) != 3 {
		return time.Time{}, false
	}
	mi, di := 0, 1
	if _, ok := words().months[strings.TrimSuffix(f[0], ".")]; !ok {
		mi, di = 1, 0
	}
	m, ok := words().months[strings.TrimSuffix(f[mi], ".")]
	if !ok {
		return time.Time{}, false
	}
	d, err1 := strconv.Atoi(strings.TrimRight(f[di], "stndrh"))
	y, err2 := strconv.Atoi(f[2])
	if err1 != nil || err2 != nil || len(f[2]) != 4 {
		return time.Time{}, false
	}
	return checked(y, int(m), d)
}
