package httpapi

import (
	"net/http"
	"time"

	"github.com/referloop/referloop/pkg/auth"
	"github.com/referloop/referloop/pkg/outreach"
	"github.com/referloop/referloop/pkg/referral"
	"github.com/referloop/referloop/pkg/sheet"
)

// The referrals and touches exports (GET /v1/exports/referrals, /v1/exports/touches): CSV through
// sheet.Writer (formula-safe), read partner by partner with paginated Queries of each partner's
// own partition and written page by page as it is read. The referrals export carries the
// patient's name and date of birth (staff see them): each page is audited as a staff read of its
// referrals ("export") before its rows are written, and the CSV is never logged. Its size is
// bounded by Lambda's 6 MB response: at about 200 bytes a row, some 30,000 referrals.

// exportStatusWords are the staff-facing words of the statuses (portal/src/format.ts STATUS_LABEL).
var exportStatusWords = map[referral.Status]string{
	referral.Received: "Received", referral.Accepted: "Accepted", referral.Declined: "Declined",
	referral.NeedsInfo: "Needs info", referral.Contacted: "Patient contacted", referral.Scheduled: "Scheduled",
	referral.NoShow: "Missed appointment", referral.Seen: "Seen", referral.Closed: "Closed",
	referral.Unreachable: "Could not reach patient", referral.Cancelled: "Cancelled",
}

// exportOutcomes are the statuses whose first arrival is a referral's outcome date.
var exportOutcomes = map[referral.Status]bool{referral.Seen: true, referral.NoShow: true, referral.Declined: true,
	referral.Unreachable: true, referral.Cancelled: true}

// csvStream starts a CSV attachment on its first row, so an error before any row (an audit that
// fails) is still answered as a problem.
type csvStream struct {
	w       http.ResponseWriter
	name    string
	header  []string
	cw      *sheet.Writer
	started bool
}

func (s *csvStream) start() {
	if s.started {
		return
	}
	s.started = true
	s.w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	s.w.Header().Set("Content-Disposition", `attachment; filename="`+s.name+`.csv"`)
	s.w.WriteHeader(http.StatusOK)
	s.cw = sheet.NewWriter(s.w)
	_ = s.cw.Write(s.header...)
}

func (s *csvStream) row(cells ...string) {
	s.start()
	_ = s.cw.Write(cells...)
}

// end finishes the file. An error after rows went out cannot become a problem (the status is
// sent): it is logged (never the CSV) and the file ends there.
func (s *csvStream) end(d *Deps, r *http.Request, err error) error {
	if err != nil && !s.started {
		return err
	}
	if err != nil {
		d.logFor(r).Error("export cut short", "route", r.Pattern, "error", err.Error())
	}
	s.start()
	return s.cw.Flush()
}

func (d *Deps) exportReferrals(w http.ResponseWriter, r *http.Request, c *auth.Claims) error {
	ctx := r.Context()
	p, err := d.Store.Practice(ctx, c.Tenant)
	if err != nil {
		return err
	}
	loc := p.Location()
	partners, err := d.Store.Partners(ctx, c.Tenant)
	if err != nil {
		return err
	}
	out := &csvStream{w: w, name: "referrals-" + d.now().In(loc).Format(time.DateOnly),
		header: []string{"Reference", "Received", "Patient first name", "Patient last name", "Date of birth",
			"Partner", "Partner kind", "Referrer", "Urgency", "Status", "Contact by", "First contact",
			"Appointment", "Outcome", "Outcome date", "Closed"}}
	day := func(t time.Time) string {
		if t.IsZero() {
			return ""
		}
		return t.In(loc).Format(time.DateOnly)
	}
	for _, pt := range partners {
		err = d.Store.EachReferralPage(ctx, c.Tenant, pt.ID, func(refs []referral.Referral) error {
			ids := make([]string, len(refs))
			for i, ref := range refs {
				ids[i] = ref.ID
			}
			if err := d.audit(ctx, r, c, "export", ids...); err != nil {
				return err
			}
			for _, ref := range refs {
				var first, outcomeAt, closed time.Time
				var outcome referral.Status
				for _, e := range ref.Timeline {
					switch {
					case e.To == referral.Contacted && first.IsZero():
						first = e.At
					case exportOutcomes[e.To]:
						outcome, outcomeAt = e.To, e.At
					case e.To == referral.Closed:
						closed = e.At
					}
				}
				appt := ""
				if ref.Appointment != nil {
					appt = ref.Appointment.At.In(loc).Format("2006-01-02 15:04")
				}
				name := ref.Partner.Name
				if name == "" {
					name = pt.Name
				}
				out.row(ref.Ref(), ref.CreatedAt.In(loc).Format("2006-01-02 15:04"), ref.Patient.FirstName,
					ref.Patient.LastName, ref.Patient.DateOfBirth, name, pt.Kind, ref.Referrer.Name, ref.Urgency,
					exportStatusWords[ref.Status], day(ref.ContactBy), day(first), appt,
					exportStatusWords[outcome], day(outcomeAt), day(closed))
			}
			return nil
		})
		if err != nil {
			break
		}
	}
	return out.end(d, r, err)
}

func (d *Deps) exportTouches(w http.ResponseWriter, r *http.Request, c *auth.Claims) error {
	ctx := r.Context()
	p, err := d.Store.Practice(ctx, c.Tenant)
	if err != nil {
		return err
	}
	loc := p.Location()
	partners, err := d.Store.Partners(ctx, c.Tenant)
	if err != nil {
		return err
	}
	out := &csvStream{w: w, name: "touches-" + d.now().In(loc).Format(time.DateOnly),
		header: []string{"Date", "Partner", "Channel", "Who", "Response", "Summary", "Follow-up", "Follow-up owner", "Done"}}
	for _, pt := range partners {
		err = d.Store.EachTouchPage(ctx, c.Tenant, pt.ID, func(list []outreach.Touch) error {
			for _, t := range list {
				due, owner, done := "", "", ""
				if f := t.FollowUp; f != nil {
					due, owner = f.Due, f.Owner
					if f.DoneAt != nil {
						done = f.DoneAt.In(loc).Format(time.DateOnly)
					}
				}
				out.row(t.Date, pt.Name, t.Channel, t.Who, t.Response, t.Summary, due, owner, done)
			}
			return nil
		})
		if err != nil {
			break
		}
	}
	return out.end(d, r, err)
}
