package httpapi

import (
	"errors"
	"net/http"

	"github.com/referloop/referloop/pkg/auth"
	"github.com/referloop/referloop/pkg/history"
	"github.com/referloop/referloop/pkg/partner"
	"github.com/referloop/referloop/pkg/problem"
	"github.com/referloop/referloop/pkg/sheet"
	"github.com/referloop/referloop/pkg/store"
	"github.com/referloop/referloop/pkg/valid"
)

// HistoryReport is a past-referrals dry run's answer: what the import would do, row by row, and the
// columns it leaves out (patient details are never imported).
type HistoryReport struct {
	DryRun bool `json:"dryRun"`
	history.Plan
}

// importHistory plans an import of past referrals (issue 11, item 5) from a CSV file: each row
// becomes a metric fact of its source, day and outcome, with no patient details, no referral, no
// message and nothing in the work queue. With dryRun=true it answers the plan (200) and changes
// nothing; otherwise it stores the plan as an import job and chunks (202, Location
// /v1/imports/{id}) that the importer function applies from the table's stream. Rows already
// stored (the same file again, or rows a former file had) are unchanged.
func (d *Deps) importHistory(w http.ResponseWriter, r *http.Request, c *auth.Claims) error {
	ctx := r.Context()
	file, err := readCSV(r)
	if err != nil {
		return err
	}
	dryRun, err := dryRunOf(r)
	if err != nil {
		return err
	}
	id := partner.ImportID(c.Tenant, history.Kind, file)
	if !dryRun {
		if job, err := d.Store.ImportJob(ctx, c.Tenant, id); err == nil && job.Status == store.ImportDone {
			w.Header().Set("Location", "/v1/imports/"+id)
			writeJSON(w, http.StatusAccepted, job)
			return nil
		}
	}
	partners, err := d.Store.Partners(ctx, c.Tenant)
	if err != nil {
		return err
	}
	pf, err := d.practiceFacts(ctx, c.Tenant)
	if err != nil {
		return err
	}
	plan, err := history.PlanImport(file, history.Options{Tenant: c.Tenant, Partners: partners, Loc: pf.loc,
		Hours: pf.hours, Now: d.now()})
	if err != nil {
		if errors.Is(err, sheet.ErrEmpty) {
			return problem.Invalid("file", "has no header row")
		}
		if _, ok := valid.As(err); ok {
			return err
		}
		return problem.Invalid("file", "could not be read as CSV: "+err.Error())
	}
	byDay := map[string][]string{}
	for _, rp := range plan.Rows {
		if rp.Fact != nil {
			byDay[rp.Fact.Day()] = append(byDay[rp.Fact.Day()], rp.Fact.Referral)
		}
	}
	stored, err := store.StoredFacts(ctx, d.Store, c.Tenant, byDay)
	if err != nil {
		return err
	}
	plan.MarkStored(stored)
	if dryRun {
		writeJSON(w, http.StatusOK, HistoryReport{DryRun: true, Plan: plan})
		return nil
	}
	job := store.Import{ID: id, Kind: history.Kind, Planned: plan.Summary, CreatedAt: d.now(), Rejects: []partner.RowPlan{}}
	var rows []store.HistoryRow
	for _, rp := range plan.Rows {
		switch rp.Action {
		case history.ActionReject:
			job.Rejected++
			if len(job.Rejects) < store.MaxRejects {
				job.Rejects = append(job.Rejects, partner.RowPlan{Line: rp.Line, Action: rp.Action, Name: rp.Source, Reasons: rp.Reasons})
			}
		case history.ActionUnchanged:
			job.Unchanged++
		default:
			rows = append(rows, store.HistoryRow{Line: rp.Line, Name: rp.Source, Fact: *rp.Fact})
		}
	}
	job, _, err = store.StartHistoryImport(ctx, d.Store, c.Tenant, job, rows)
	if err != nil {
		return err
	}
	w.Header().Set("Location", "/v1/imports/"+id)
	writeJSON(w, http.StatusAccepted, job)
	return nil
}
