package httpapi

import (
	"bytes"
	"errors"
	"io"
	"mime"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/referloop/referloop/pkg/auth"
	"github.com/referloop/referloop/pkg/ids"
	"github.com/referloop/referloop/pkg/metrics"
	"github.com/referloop/referloop/pkg/partner"
	"github.com/referloop/referloop/pkg/problem"
	"github.com/referloop/referloop/pkg/sheet"
	"github.com/referloop/referloop/pkg/store"
	"github.com/referloop/referloop/pkg/valid"
)

// MaxImportBody is the largest CSV an import takes: Lambda's synchronous payload limit is 6 MB.
const MaxImportBody = 6 << 20

// Network is the referral network function (issue 11): the partner record, its list with search,
// filters and sorting, imports and exports. Invitations and referrers stay in the practice function.
func Network(d *Deps) *API {
	return &API{Name: "network", deps: d, bodyLimits: map[string]int64{"POST /v1/imports/partners": MaxImportBody,
		"POST /v1/imports/referrals": MaxImportBody},
		Routes: []Route{
			{"GET", "/v1/partners", d.staff(d.listPartnersFull)},
			{"POST", "/v1/partners", d.staff(d.createPartnerFull)},
			{"GET", "/v1/partners/{id}", d.staff(d.getPartner)},
			{"PUT", "/v1/partners/{id}", d.staff(d.putPartner)},
			{"DELETE", "/v1/partners/{id}", d.staff(d.deletePartner)},
			{"GET", "/v1/partners/{id}/referrals", d.staff(d.partnerReferrals)},
			{"POST", "/v1/imports/partners", d.staff(d.importPartners)},
			{"GET", "/v1/imports/{id}", d.staff(d.getImport)},
			{"GET", "/v1/exports/{what}", d.staff(d.export)},
			{"POST", "/v1/partners/{id}/merge", d.staff(d.mergePartner)},
			{"POST", "/v1/imports/referrals", d.staff(d.importHistory)},
		}}
}

var errNPITaken = problemInvalidNPI()

func problemInvalidNPI() *problem.Problem {
	p := problem.Invalid("npi", "another partner of this practice has this NPI")
	p.Status = http.StatusConflict
	return p
}

func writePartner(w http.ResponseWriter, status int, p partner.Partner) {
	w.Header().Set("ETag", strconv.Quote(strconv.Itoa(p.Version)))
	writeJSON(w, status, p)
}

// staged fills in what a partner reads with: its version (1 for items from before versions) and stage.
func staged(p partner.Partner, h store.Health, now time.Time) partner.Partner {
	p.Version = max(p.Version, 1)
	p.Stage = partner.StageOf(p, h.Sources[p.ID], now)
	return p
}

// health reads the rollup's sources' rhythms (one item); none yet reads as no rhythm.
func (d *Deps) rhythms(r *http.Request, tid string) (store.Health, error) {
	h, err := d.Store.HealthOf(r.Context(), tid, false)
	if store.IsNotFound(err) {
		return store.Health{Sources: map[string]metrics.Rhythm{}}, nil
	}
	return h, err
}

// partnerOf reads one partner with its stage.
func (d *Deps) partnerOf(r *http.Request, c *auth.Claims) (partner.Partner, error) {
	p, err := d.Store.Partner(r.Context(), c.Tenant, r.PathValue("id"))
	if err != nil {
		return p, err
	}
	h, err := d.rhythms(r, c.Tenant)
	if err != nil {
		return p, err
	}
	return staged(p, h, d.now()), nil
}

func (d *Deps) getPartner(w http.ResponseWriter, r *http.Request, c *auth.Claims) error {
	p, err := d.partnerOf(r, c)
	if err != nil {
		return err
	}
	writePartner(w, http.StatusOK, p)
	return nil
}

// The list's sort orders.
var partnerSorts = []string{"name", "-name", "stage", "last-referral", "-last-referral", "created", "-created", "referrals", "-referrals"}

// listPartnersFull is the partner list: every partner of the practice from one Query of its
// partner items (a practice has hundreds to a few thousand: at ~600 bytes each, 3,000 partners are
// ~1.8 MB, ~450 RCU eventually consistent, read in pages of 1 MB), filtered and sorted in memory.
// Filters: q (a prefix of the name, organization, NPI or email, any word), kind, stage, liaison,
// tag; archived partners only with stage=archived or archived=include.
func (d *Deps) listPartnersFull(w http.ResponseWriter, r *http.Request, c *auth.Claims) error {
	q := r.URL.Query()
	sortBy := q.Get("sort")
	if sortBy == "" {
		sortBy = "name"
	}
	if !slices.Contains(partnerSorts, sortBy) {
		return problem.Invalid("sort", "must be one of "+strings.Join(partnerSorts, ", "))
	}
	stage := q.Get("stage")
	if stage != "" && !slices.Contains(partner.Stages, stage) {
		return problem.Invalid("stage", "must be one of "+strings.Join(partner.Stages, ", "))
	}
	kind := q.Get("kind")
	if kind != "" && !slices.Contains(partner.Kinds, kind) {
		return problem.Invalid("kind", "must be one of "+strings.Join(partner.Kinds, ", "))
	}
	list, err := d.Store.Partners(r.Context(), c.Tenant)
	if err != nil {
		return err
	}
	h, err := d.rhythms(r, c.Tenant)
	if err != nil {
		return err
	}
	now := d.now()
	search := strings.ToLower(strings.TrimSpace(q.Get("q")))
	liaison, tag := q.Get("liaison"), strings.ToLower(strings.TrimSpace(q.Get("tag")))
	withArchived := q.Get("archived") == "include" || stage == partner.StageArchived
	items := make([]partner.Partner, 0, len(list))
	for _, p := range list {
		p = staged(p, h, now)
		switch {
		case p.MergedInto != "" && stage != partner.StageArchived,
			p.Stage == partner.StageArchived && !withArchived,
			stage != "" && p.Stage != stage,
			kind != "" && p.Kind != kind,
			liaison == "none" && p.Liaison != "",
			liaison != "" && liaison != "none" && p.Liaison != liaison,
			tag != "" && !slices.ContainsFunc(p.Tags, func(t string) bool { return strings.ToLower(t) == tag }),
			search != "" && !matches(p, search):
			continue
		}
		items = append(items, p)
	}
	sortPartners(items, sortBy)
	writeJSON(w, http.StatusOK, map[string]any{"items": items})
	return nil
}

// matches reports whether a search prefix starts a word of the partner's name or organization, or
// its NPI or email.
func matches(p partner.Partner, q string) bool {
	if strings.HasPrefix(p.NPI, q) || strings.HasPrefix(strings.ToLower(p.ContactEmail), q) {
		return true
	}
	name := strings.ToLower(p.Name + " " + p.Organization)
	if strings.HasPrefix(name, q) {
		return true
	}
	for _, w := range strings.FieldsFunc(name, func(r rune) bool { return r == ' ' || r == ',' || r == '-' || r == '.' }) {
		if strings.HasPrefix(w, q) {
			return true
		}
	}
	return false
}

func sortPartners(items []partner.Partner, by string) {
	desc := strings.HasPrefix(by, "-")
	by = strings.TrimPrefix(by, "-")
	stageRank := map[string]int{partner.StageActive: 0, partner.StageQuiet: 1, partner.StageProspect: 2, partner.StageArchived: 3}
	unix := func(t *time.Time) int64 {
		if t == nil {
			return 0
		}
		return t.Unix()
	}
	slices.SortStableFunc(items, func(a, b partner.Partner) int {
		var c int
		switch by {
		case "stage":
			c = stageRank[a.Stage] - stageRank[b.Stage]
		case "last-referral":
			c = int(unix(a.LastReferralAt) - unix(b.LastReferralAt))
		case "created":
			c = a.CreatedAt.Compare(b.CreatedAt)
		case "referrals":
			c = a.ReferralCount - b.ReferralCount
		}
		if c == 0 {
			c = strings.Compare(strings.ToLower(a.Name), strings.ToLower(b.Name))
		}
		if desc {
			return -c
		}
		return c
	})
}

// checkLiaison refuses a liaison who is not an active member of the team.
func (d *Deps) checkLiaison(r *http.Request, c *auth.Claims, id string) error {
	if id == "" {
		return nil
	}
	u, err := d.Store.UserByKey(r.Context(), c.Tenant, id)
	if store.IsNotFound(err) || (err == nil && u.DeactivatedAt != nil) {
		return problem.Invalid("liaison", "must be an active member of the team")
	}
	return err
}

func (d *Deps) createPartnerFull(w http.ResponseWriter, r *http.Request, c *auth.Claims) error {
	var in partner.Input
	if err := decode(r, &in); err != nil {
		return err
	}
	in.Normalize()
	if err := in.Validate(); err != nil {
		return err
	}
	if err := d.checkLiaison(r, c, in.Liaison); err != nil {
		return err
	}
	p := partner.Partner{ID: ids.Short("p_"), CreatedAt: d.now(), Version: 1}
	p.Apply(in)
	err := d.Store.CreatePartner(r.Context(), c.Tenant, p)
	var taken *store.NPITakenError
	if errors.As(err, &taken) {
		return errNPITaken
	}
	if err != nil {
		return err
	}
	p.Stage = partner.StageProspect
	w.Header().Set("Location", "/v1/partners/"+p.ID)
	writePartner(w, http.StatusCreated, p)
	return nil
}

// partnerBody is what PUT takes: the editable fields, archived, and the read-only fields of the
// document GET returned (ignored), so the document can be sent back as it was read.
type partnerBody struct {
	partner.Input
	Archived        *bool      `json:"archived,omitempty"`
	ID              string     `json:"id"`
	Version         int        `json:"version"`
	Stage           string     `json:"stage"`
	CreatedAt       time.Time  `json:"createdAt"`
	UpdatedAt       *time.Time `json:"updatedAt"`
	ArchivedAt      *time.Time `json:"archivedAt"`
	MergedInto      string     `json:"mergedInto"`
	MergedFrom      []string   `json:"mergedFrom"`
	FirstReferralAt *time.Time `json:"firstReferralAt"`
	LastReferralAt  *time.Time `json:"lastReferralAt"`
	ReferralCount   int        `json:"referralCount"`
	ImportID        string     `json:"importId"`
}

// putPartner edits a partner: If-Match (its ETag, the version) guards against overwriting someone
// else's edit (409); without If-Match the edit applies to the version it reads. "archived": true
// archives it (it leaves the working lists, its referrals stay), false restores it.
func (d *Deps) putPartner(w http.ResponseWriter, r *http.Request, c *auth.Claims) error {
	version, err := ifMatch(r)
	if err != nil {
		return err
	}
	prev, err := d.Store.Partner(r.Context(), c.Tenant, r.PathValue("id"))
	if err != nil {
		return err
	}
	var body partnerBody
	if err := decode(r, &body); err != nil {
		return err
	}
	in := body.Input
	in.Normalize()
	if err := in.Validate(); err != nil {
		return err
	}
	if in.Liaison != prev.Liaison {
		if err := d.checkLiaison(r, c, in.Liaison); err != nil {
			return err
		}
	}
	if version > 0 && version != max(prev.Version, 1) {
		return conflictAt(max(prev.Version, 1))
	}
	if prev.MergedInto != "" && body.Archived != nil && !*body.Archived { // mergeapi.go
		return problem.Invalid("archived", "this partner was merged into another and stays archived")
	}
	p := prev
	p.Apply(in)
	if body.Archived != nil {
		switch {
		case *body.Archived && p.ArchivedAt == nil:
			at := d.now()
			p.ArchivedAt = &at
		case !*body.Archived:
			p.ArchivedAt = nil
		}
	}
	p, err = d.Store.SavePartner(r.Context(), c.Tenant, p, prev)
	var taken *store.NPITakenError
	switch {
	case errors.As(err, &taken):
		return errNPITaken
	case errors.Is(err, store.ErrConflict):
		return conflictAt(0)
	case err != nil:
		return err
	}
	h, err := d.rhythms(r, c.Tenant)
	if err != nil {
		return err
	}
	writePartner(w, http.StatusOK, staged(p, h, d.now()))
	return nil
}

func conflictAt(current int) *problem.Problem {
	p := problem.Conflict("someone else changed this partner since you read it; reload it and try again")
	if current > 0 {
		p.Detail += " (it is now at version " + strconv.Itoa(current) + ")"
		p.Extensions = map[string]any{"version": current}
	}
	return p
}

// deletePartner removes a partner that never referred (a typo, a duplicate); one that referrals
// point at is archived instead (409).
func (d *Deps) deletePartner(w http.ResponseWriter, r *http.Request, c *auth.Claims) error {
	p, err := d.Store.Partner(r.Context(), c.Tenant, r.PathValue("id"))
	if err != nil {
		return err
	}
	if version, err := ifMatch(r); err != nil {
		return err
	} else if version > 0 && version != max(p.Version, 1) {
		return conflictAt(max(p.Version, 1))
	}
	err = d.Store.DeletePartner(r.Context(), c.Tenant, p)
	switch {
	case errors.Is(err, store.ErrHasReferrals):
		return problem.New(http.StatusConflict, "has-referrals", "This partner has referrals",
			"referrals point at this partner, so it cannot be deleted; archive it instead")
	case errors.Is(err, store.ErrConflict):
		return conflictAt(0)
	case err != nil:
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// ReferralLine is a referral as a partner's page lists it: no patient details (those are read, and
// audited, on the referral's own page).
type ReferralLine struct {
	ID        string    `json:"id"`
	Status    string    `json:"status"`
	Urgency   string    `json:"urgency"`
	Referrer  string    `json:"referrer"`
	CreatedAt time.Time `json:"createdAt"`
	UpdatedAt time.Time `json:"updatedAt"`
}

func partnerReferralList(pid string) string { return "partners/" + pid + "/referrals" }

func (d *Deps) partnerReferrals(w http.ResponseWriter, r *http.Request, c *auth.Claims) error {
	ctx := r.Context()
	p, err := d.Store.Partner(ctx, c.Tenant, r.PathValue("id"))
	if err != nil {
		return err
	}
	cursor, err := d.openCursor(ctx, c, partnerReferralList(p.ID), r.URL.Query().Get("cursor"))
	if err != nil {
		return err
	}
	page, err := d.Store.ReferralsOfPartners(ctx, c.Tenant, store.PartitionsOf(p), 50, cursor) // with the partners merged into it
	if err != nil {
		return err
	}
	next, err := d.sealCursor(ctx, c, partnerReferralList(p.ID), page.NextCursor)
	if err != nil {
		return err
	}
	items := make([]ReferralLine, 0, len(page.Items))
	for _, x := range page.Items {
		items = append(items, ReferralLine{ID: x.ID, Status: string(x.Status), Urgency: x.Urgency, Referrer: x.Referrer.Name,
			CreatedAt: x.CreatedAt, UpdatedAt: x.UpdatedAt})
	}
	writeJSON(w, http.StatusOK, map[string]any{"items": items, "nextCursor": next})
	return nil
}

// readCSV reads an import's body: text/csv (or text/plain, which some browsers send), at most
// MaxImportBody.
func readCSV(r *http.Request) ([]byte, error) {
	mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if mt != "text/csv" && mt != "text/plain" && mt != "application/csv" && mt != "application/vnd.ms-excel" {
		return nil, problem.New(http.StatusUnsupportedMediaType, "unsupported-media-type", "Send CSV",
			"the body must be a CSV file (text/csv)")
	}
	b, err := io.ReadAll(r.Body)
	var tooLarge *http.MaxBytesError
	if errors.As(err, &tooLarge) {
		return nil, problem.TooLarge(MaxImportBody)
	}
	if err != nil {
		return nil, err
	}
	if len(bytes.TrimSpace(b)) == 0 {
		return nil, problem.Invalid("file", "is empty")
	}
	return b, nil
}

// dryRunOf reads an import's ?dryRun= (absent: false).
func dryRunOf(r *http.Request) (bool, error) {
	switch r.URL.Query().Get("dryRun") {
	case "", "false":
		return false, nil
	case "true":
		return true, nil
	}
	return false, problem.Invalid("dryRun", "must be true or false")
}

// ImportReport is a dry run's answer: what the import would do, row by row.
type ImportReport struct {
	DryRun bool `json:"dryRun"`
	partner.Plan
}

// importPartners plans a partner import from a CSV file. With dryRun=true it answers the plan (200)
// and changes nothing; otherwise it stores the plan as an import job and its chunks (202, Location
// /v1/imports/{id}) that the importer function applies from the table's stream. The import's id
// comes from the file: the same file again answers the same import and changes nothing.
func (d *Deps) importPartners(w http.ResponseWriter, r *http.Request, c *auth.Claims) error {
	ctx := r.Context()
	file, err := readCSV(r)
	if err != nil {
		return err
	}
	dryRun, err := dryRunOf(r)
	if err != nil {
		return err
	}
	id := partner.ImportID(c.Tenant, "partners", file)
	if !dryRun {
		if job, err := d.Store.ImportJob(ctx, c.Tenant, id); err == nil && job.Status == store.ImportDone {
			w.Header().Set("Location", "/v1/imports/"+id)
			writeJSON(w, http.StatusAccepted, job)
			return nil
		}
	}
	existing, err := d.Store.Partners(ctx, c.Tenant)
	if err != nil {
		return err
	}
	users, err := d.Store.Members(ctx, c.Tenant)
	if err != nil {
		return err
	}
	var members []partner.Member
	for _, u := range users {
		if u.DeactivatedAt == nil {
			members = append(members, partner.Member{ID: ids.EmailKey(u.Email), Email: u.Email, Name: u.Name})
		}
	}
	plan, err := partner.PlanImport(file, partner.PlanOptions{Existing: existing, Members: members,
		NewID: func(line int) string { return partner.ImportPartnerID(id, line) }})
	if err != nil {
		if errors.Is(err, sheet.ErrEmpty) {
			return problem.Invalid("file", "has no header row")
		}
		if _, ok := valid.As(err); ok {
			return err
		}
		return problem.Invalid("file", "could not be read as CSV: "+err.Error())
	}
	if dryRun {
		writeJSON(w, http.StatusOK, ImportReport{DryRun: true, Plan: plan})
		return nil
	}
	job := store.Import{ID: id, Kind: "partners", Planned: plan.Summary, CreatedAt: d.now(), Rejects: []partner.RowPlan{}}
	var rows []store.ChunkRow
	for _, rp := range plan.Rows {
		switch rp.Action {
		case partner.ActionReject:
			job.Rejected++
			if len(job.Rejects) < store.MaxRejects {
				job.Rejects = append(job.Rejects, rp)
			}
		case partner.ActionUnchanged:
			job.Unchanged++
		default:
			p := *rp.Partner
			if rp.Action == partner.ActionCreate {
				p.CreatedAt = job.CreatedAt
			}
			rows = append(rows, store.ChunkRow{Line: rp.Line, Action: rp.Action, Partner: p, Version: rp.Version, OldNPI: rp.OldNPI})
		}
	}
	job, _, err = d.Store.StartImport(ctx, c.Tenant, job, rows)
	if err != nil {
		return err
	}
	w.Header().Set("Location", "/v1/imports/"+id)
	writeJSON(w, http.StatusAccepted, job)
	return nil
}

func (d *Deps) getImport(w http.ResponseWriter, r *http.Request, c *auth.Claims) error {
	job, err := d.Store.ImportJob(r.Context(), c.Tenant, r.PathValue("id"))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, job)
	return nil
}

// export answers a CSV of the practice's partners. Cells are formula-safe (sheet.Safe); phone
// numbers are written as people read them. Referrals and touches are exported in exportsapi.go.
func (d *Deps) export(w http.ResponseWriter, r *http.Request, c *auth.Claims) error {
	switch r.PathValue("what") {
	case "partners":
	case "referrals":
		return d.exportReferrals(w, r, c)
	case "touches":
		return d.exportTouches(w, r, c)
	default:
		return problem.NotFound("the export")
	}
	list, err := d.Store.Partners(r.Context(), c.Tenant)
	if err != nil {
		return err
	}
	h, err := d.rhythms(r, c.Tenant)
	if err != nil {
		return err
	}
	users, err := d.Store.Members(r.Context(), c.Tenant)
	if err != nil {
		return err
	}
	liaisons := map[string]string{}
	for _, u := range users {
		liaisons[ids.EmailKey(u.Email)] = u.Email
	}
	w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	w.Header().Set("Content-Disposition", `attachment; filename="partners-`+d.now().Format(time.DateOnly)+`.csv"`)
	w.WriteHeader(http.StatusOK)
	cw := sheet.NewWriter(w)
	_ = cw.Write("Name", "Organization", "Type", "Specialty", "NPI", "Email", "Phone", "Fax", "Address", "ZIP", "Tags",
		"Liaison", "Updates", "Stage", "Referrals", "Last referral", "Created", "ID")
	now := d.now()
	for _, p := range list {
		p = staged(p, h, now)
		last := ""
		if p.LastReferralAt != nil {
			last = p.LastReferralAt.Format(time.DateOnly)
		}
		_ = cw.Write(p.Name, p.Organization, p.Kind, p.Specialty, p.NPI, p.ContactEmail, partner.PhoneDisplay(p.Phone),
			partner.PhoneDisplay(p.Fax), p.Address, p.ZIP, strings.Join(p.Tags, "; "), liaisons[p.Liaison], p.StatusUpdates,
			p.Stage, strconv.Itoa(p.ReferralCount), last, p.CreatedAt.Format(time.DateOnly), p.ID)
	}
	return cw.Flush()
}
