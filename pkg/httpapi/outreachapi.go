package httpapi

import (
	"context"
	"errors"
	"net/http"
	"slices"
	"time"

	"github.com/referloop/referloop/pkg/auth"
	"github.com/referloop/referloop/pkg/ids"
	"github.com/referloop/referloop/pkg/messages"
	"github.com/referloop/referloop/pkg/outreach"
	"github.com/referloop/referloop/pkg/partner"
	"github.com/referloop/referloop/pkg/problem"
	"github.com/referloop/referloop/pkg/store"
	"github.com/referloop/referloop/pkg/valid"
)

// Outreach is the outreach function: a partner's touches and what followed them, the due list,
// whom to reach out to, the practice's templates and automatic thank-yous, and outreach emails.
func Outreach(d *Deps) *API {
	return &API{Name: "outreach", deps: d, Routes: []Route{
		{"GET", "/v1/partners/{id}/touches", d.staff(d.listTouches)},
		{"POST", "/v1/partners/{id}/touches", d.staff(d.createTouch)},
		{"PATCH", "/v1/partners/{id}/touches/{touchId}", d.staff(d.completeFollowUp)},
		{"POST", "/v1/partners/{id}/emails", d.staff(d.sendOutreachEmail)},
		{"GET", "/v1/follow-ups", d.staff(d.followUps)},
		{"GET", "/v1/outreach", d.staff(d.outreachOverview)},
		{"GET", "/v1/templates", d.staff(d.listTemplates)},
		{"PUT", "/v1/templates", d.staff(d.putAutoThanks)},
		{"GET", "/v1/templates/{kind}", d.staff(d.getTemplate)},
		{"PUT", "/v1/templates/{kind}", d.staff(d.putTemplate)},
	}}
}

// MaxTouches is how many of a partner's touches GET /v1/partners/{id}/touches shows (the newest).
const MaxTouches = 100

// TouchView is a touch with what followed it.
type TouchView struct {
	outreach.Touch
	Attribution outreach.Attribution `json:"attribution"`
}

// TouchesView is the answer of GET /v1/partners/{id}/touches.
type TouchesView struct {
	PartnerID string             `json:"partnerId"`
	Today     string             `json:"today"`
	Touches   []TouchView        `json:"touches"`
	Warnings  []outreach.Warning `json:"warnings"`
}

// TouchCreated is the answer of POST /v1/partners/{id}/touches.
type TouchCreated struct {
	Touch    TouchView          `json:"touch"`
	Warnings []outreach.Warning `json:"warnings"`
}

// today is the practice's date (in its time zone); the client's ?today= (the browser's local
// date) is taken when it is within a day of it.
func (d *Deps) today(r *http.Request, c *auth.Claims, f *valid.Fields) (string, time.Time, error) {
	now, err := d.localNow(r.Context(), c.Tenant)
	if err != nil {
		return "", time.Time{}, err
	}
	local := now.Format(time.DateOnly)
	u, _ := outreach.ParseDay(local)
	q := r.URL.Query().Get("today")
	if q == "" {
		return local, u, nil
	}
	t, ok := outreach.ParseDay(q)
	if !ok || t.Before(u.AddDate(0, 0, -1)) || t.After(u.AddDate(0, 0, 1)) {
		f.Add("today", "must be today's date, YYYY-MM-DD")
		return local, u, nil
	}
	return q, t, nil
}

// pathPartner reads the partner of the path (404 when it is not the practice's), without its
// stage (networkapi.go's partnerOf adds it, at the cost of the rollup's view).
func (d *Deps) pathPartner(r *http.Request, c *auth.Claims) (partner.Partner, error) {
	return d.Store.Partner(r.Context(), c.Tenant, r.PathValue("id"))
}

// yearsAround are the years of the days from..to.
func yearsAround(from, to time.Time) []int {
	var ys []int
	for y := from.Year(); y <= to.Year(); y++ {
		ys = append(ys, y)
	}
	return ys
}

// withAttribution adds to each touch what followed it, from the partner's referrals per day (one
// read per year the touches and their windows span, whatever the number of referrals).
func (d *Deps) withAttribution(ctx context.Context, tid, pid string, touches []outreach.Touch, today string, now time.Time) ([]TouchView, error) {
	out := make([]TouchView, 0, len(touches))
	if len(touches) == 0 {
		return out, nil
	}
	lo, hi := now, now
	for _, t := range touches {
		if day, ok := outreach.ParseDay(t.Date); ok {
			if day.AddDate(0, 0, -outreach.BeforeDays).Before(lo) {
				lo = day.AddDate(0, 0, -outreach.BeforeDays)
			}
		}
	}
	po, err := d.Store.OutreachOf(ctx, tid, pid, yearsAround(lo, hi)...)
	if err != nil {
		return nil, err
	}
	for _, t := range touches {
		out = append(out, TouchView{Touch: t, Attribution: outreach.Attribute(t.Date, po.Daily, today)})
	}
	return out, nil
}

func (d *Deps) listTouches(w http.ResponseWriter, r *http.Request, c *auth.Claims) error {
	var f valid.Fields
	today, now, err := d.today(r, c, &f)
	if err != nil {
		return err
	}
	if err := f.Err(); err != nil {
		return err
	}
	ctx := r.Context()
	p, err := d.pathPartner(r, c)
	if err != nil {
		return err
	}
	touches, err := d.Store.Touches(ctx, c.Tenant, p.ID, MaxTouches)
	if err != nil {
		return err
	}
	views, err := d.withAttribution(ctx, c.Tenant, p.ID, touches, today, now)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, TouchesView{PartnerID: p.ID, Today: today, Touches: views, Warnings: outreach.Warnings(touches, today)})
	return nil
}

// checkMembers checks that the members named in fields are the practice's active team members.
func (d *Deps) checkMembers(ctx context.Context, tid string, members map[string]string) error {
	var f valid.Fields
	for _, field := range []string{"who", "followUpOwner"} {
		id, ok := members[field]
		if !ok {
			continue
		}
		u, err := d.Store.UserByKey(ctx, tid, id)
		if store.IsNotFound(err) || (err == nil && u.DeactivatedAt != nil) {
			f.Add(field, "must be an active team member of the practice")
		} else if err != nil {
			return err
		}
	}
	return f.Err()
}

func (d *Deps) createTouch(w http.ResponseWriter, r *http.Request, c *auth.Claims) error {
	var f valid.Fields
	today, now, err := d.today(r, c, &f)
	if err != nil {
		return err
	}
	if err := f.Err(); err != nil {
		return err
	}
	ctx := r.Context()
	p, err := d.pathPartner(r, c)
	if err != nil {
		return err
	}
	var in outreach.Input
	if err := decode(r, &in); err != nil {
		return err
	}
	t, err := in.Touch("", p.ID, c.Subject, today, d.now())
	if err != nil {
		return err
	}
	t.ID = t.Date + "." + ids.NewULID(d.now()) // sorts by the touch's day
	members := map[string]string{}
	if t.Who != c.Subject {
		members["who"] = t.Who
	}
	if t.FollowUp != nil && t.FollowUp.Owner != c.Subject {
		members["followUpOwner"] = t.FollowUp.Owner
	}
	if err := d.checkMembers(ctx, c.Tenant, members); err != nil {
		return err
	}
	if err := d.Store.CreateTouch(ctx, c.Tenant, t, p.Name); err != nil {
		return err
	}
	touches, err := d.Store.Touches(ctx, c.Tenant, p.ID, MaxTouches)
	if err != nil {
		return err
	}
	views, err := d.withAttribution(ctx, c.Tenant, p.ID, []outreach.Touch{t}, today, now)
	if err != nil {
		return err
	}
	w.Header().Set("Location", "/v1/partners/"+p.ID+"/touches")
	writeJSON(w, http.StatusCreated, TouchCreated{Touch: views[0], Warnings: outreach.Warnings(touches, today)})
	return nil
}

func (d *Deps) completeFollowUp(w http.ResponseWriter, r *http.Request, c *auth.Claims) error {
	ctx := r.Context()
	p, err := d.pathPartner(r, c)
	if err != nil {
		return err
	}
	var in struct {
		FollowUpDone bool `json:"followUpDone"`
	}
	if err := decode(r, &in); err != nil {
		return err
	}
	if !in.FollowUpDone {
		return problem.Invalid("followUpDone", "must be true (a follow-up is completed, not reopened)")
	}
	id := r.PathValue("touchId")
	if len(id) > 80 {
		return store.ErrNotFound
	}
	t, err := d.Store.CompleteFollowUp(ctx, c.Tenant, p.ID, id, c.Subject, d.now())
	if errors.Is(err, store.ErrDone) {
		return problem.New(http.StatusConflict, "already-done", "This follow-up is done", "it was completed already")
	}
	if err != nil {
		return err
	}
	local, err := d.localNow(ctx, c.Tenant)
	if err != nil {
		return err
	}
	today := local.Format(time.DateOnly)
	views, err := d.withAttribution(ctx, c.Tenant, p.ID, []outreach.Touch{t}, today, d.now())
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, views[0])
	return nil
}

// MaxDue is the most follow-ups the due list shows.
const MaxDue = 500

// TeamMember names a team member on the due list.
type TeamMember struct {
	ID   string `json:"id"`
	Name string `json:"name"`
}

// FollowUpsView is the answer of GET /v1/follow-ups.
type FollowUpsView struct {
	Today   string              `json:"today"`
	WeekEnd string              `json:"weekEnd"`
	Groups  []outreach.DueGroup `json:"groups"`
	Members []TeamMember        `json:"members"`
}

func (d *Deps) followUps(w http.ResponseWriter, r *http.Request, c *auth.Claims) error {
	var f valid.Fields
	today, now, err := d.today(r, c, &f)
	if err != nil {
		return err
	}
	if err := f.Err(); err != nil {
		return err
	}
	ctx := r.Context()
	list, err := d.Store.DueUntil(ctx, c.Tenant, outreach.WeekEnd(now), MaxDue)
	if err != nil {
		return err
	}
	members, err := d.members(ctx, c.Tenant)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, FollowUpsView{Today: today, WeekEnd: outreach.WeekEnd(now), Groups: outreach.GroupDue(list, today, c.Subject),
		Members: members})
	return nil
}

// members are the practice's team members (id and name), for names on the due list and the
// "who" and follow-up owner of the touch form.
func (d *Deps) members(ctx context.Context, tid string) ([]TeamMember, error) {
	users, err := d.Store.Members(ctx, tid)
	if err != nil {
		return nil, err
	}
	out := make([]TeamMember, 0, len(users))
	for _, u := range users {
		if u.DeactivatedAt != nil {
			continue
		}
		name := u.Name
		if name == "" {
			name = u.Email
		}
		out = append(out, TeamMember{ID: ids.EmailKey(u.Email), Name: name})
	}
	return out, nil
}

// OutreachView is the answer of GET /v1/outreach: whom to reach out to, and per channel which
// touches were followed by referrals.
type OutreachView struct {
	Today       string                  `json:"today"`
	Suggestions []outreach.Suggestion   `json:"suggestions"`
	Channels    []outreach.ChannelStats `json:"channels"`
	Members     []TeamMember            `json:"members"`
}

// MaxChannelTouches bounds the touches of the last year the channel table reads.
const MaxChannelTouches = 5000

func (d *Deps) outreachOverview(w http.ResponseWriter, r *http.Request, c *auth.Claims) error {
	var f valid.Fields
	today, now, err := d.today(r, c, &f)
	if err != nil {
		return err
	}
	if err := f.Err(); err != nil {
		return err
	}
	ctx := r.Context()
	partners, err := d.Store.Partners(ctx, c.Tenant)
	if err != nil {
		return err
	}
	pids := make([]string, 0, len(partners))
	for _, p := range partners {
		pids = append(pids, p.ID)
	}
	// A year back (the rhythm) and 180 days (the volume): this year's items and last year's.
	years := yearsAround(now.AddDate(-1, 0, -1), now)
	nums, err := d.Store.OutreachOfMany(ctx, c.Tenant, pids, years...)
	if err != nil {
		return err
	}
	// The rollup's health view (one item): the rhythm of referrals from before the daily counts.
	health, err := d.Store.HealthOf(ctx, c.Tenant, false)
	if err != nil && !store.IsNotFound(err) {
		return err
	}
	sources := make([]outreach.Source, 0, len(partners))
	daily := map[string]outreach.Daily{}
	for _, p := range partners {
		po := nums[p.ID]
		daily[p.ID] = po.Daily
		sources = append(sources, outreach.Source{ID: p.ID, Name: p.Name, Kind: p.Kind, CreatedAt: p.CreatedAt, Daily: po.Daily,
			Total: po.Total, LastTouch: po.LastTouch, Rolled: health.Sources[p.ID]})
	}
	touches, err := d.Store.TouchLog(ctx, c.Tenant, now.AddDate(-1, 0, 0).Format(time.DateOnly), today, MaxChannelTouches)
	if err != nil {
		return err
	}
	members, err := d.members(ctx, c.Tenant)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, OutreachView{Today: today, Suggestions: outreach.Rank(sources, today),
		Channels: outreach.ByChannel(touches, daily, today), Members: members})
	return nil
}

// TemplatesView is the answer of GET and PUT /v1/templates.
type TemplatesView struct {
	Templates         []outreach.Template `json:"templates"`
	Placeholders      []string            `json:"placeholders"`
	AutoFirstReferral bool                `json:"autoFirstReferral"`
	AutoSeen          bool                `json:"autoSeen"`
}

func templatesView(s outreach.Settings) TemplatesView {
	v := TemplatesView{Placeholders: outreach.Placeholders, AutoFirstReferral: s.AutoFirst, AutoSeen: s.AutoSeen}
	for _, k := range outreach.TemplateKinds {
		v.Templates = append(v.Templates, s.Template(k))
	}
	return v
}

func (d *Deps) listTemplates(w http.ResponseWriter, r *http.Request, c *auth.Claims) error {
	s, err := d.Store.OutreachSettings(r.Context(), c.Tenant)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, templatesView(s))
	return nil
}

func (d *Deps) putAutoThanks(w http.ResponseWriter, r *http.Request, c *auth.Claims) error {
	var in struct {
		AutoFirstReferral *bool `json:"autoFirstReferral"`
		AutoSeen          *bool `json:"autoSeen"`
	}
	if err := decode(r, &in); err != nil {
		return err
	}
	var f valid.Fields
	if in.AutoFirstReferral == nil {
		f.Add("autoFirstReferral", "is required")
	}
	if in.AutoSeen == nil {
		f.Add("autoSeen", "is required")
	}
	if err := f.Err(); err != nil {
		return err
	}
	ctx := r.Context()
	if err := d.Store.PutAutoThanks(ctx, c.Tenant, *in.AutoFirstReferral, *in.AutoSeen); err != nil {
		return err
	}
	return d.listTemplates(w, r, c)
}

func templateKind(r *http.Request) (string, error) {
	k := r.PathValue("kind")
	if !outreach.IsKind(k) {
		return "", problem.NotFound("template " + ids.Hash(k)[:8])
	}
	return k, nil
}

func (d *Deps) getTemplate(w http.ResponseWriter, r *http.Request, c *auth.Claims) error {
	k, err := templateKind(r)
	if err != nil {
		return err
	}
	s, err := d.Store.OutreachSettings(r.Context(), c.Tenant)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, s.Template(k))
	return nil
}

func (d *Deps) putTemplate(w http.ResponseWriter, r *http.Request, c *auth.Claims) error {
	k, err := templateKind(r)
	if err != nil {
		return err
	}
	var in struct {
		Body string `json:"body"`
	}
	if err := decode(r, &in); err != nil {
		return err
	}
	body := in.Body
	if body != "" && body != outreach.Defaults[k] {
		if err := outreach.CheckBody(body); err != nil {
			return err
		}
	} else {
		body = "" // the default: kept as "not changed", so a better default reaches it
	}
	ctx := r.Context()
	if err := d.Store.PutTemplate(ctx, c.Tenant, k, body, d.now()); err != nil {
		return err
	}
	s, err := d.Store.OutreachSettings(ctx, c.Tenant)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, s.Template(k))
	return nil
}

// EmailSent is the answer of POST /v1/partners/{id}/emails.
type EmailSent struct {
	Touch TouchView `json:"touch"`
}

// sendOutreachEmail sends the practice's introduction or check-in to the partner's contact address,
// within the outreach email limits, and logs it as a touch.
func (d *Deps) sendOutreachEmail(w http.ResponseWriter, r *http.Request, c *auth.Claims) error {
	var f valid.Fields
	today, now, err := d.today(r, c, &f)
	if err != nil {
		return err
	}
	if err := f.Err(); err != nil {
		return err
	}
	ctx := r.Context()
	p, err := d.pathPartner(r, c)
	if err != nil {
		return err
	}
	var in struct {
		Kind string `json:"kind"`
	}
	if err := decode(r, &in); err != nil {
		return err
	}
	if !slices.Contains([]string{outreach.KindIntroduction, outreach.KindCheckIn}, in.Kind) {
		f.Add("kind", "must be introduction or check-in")
	}
	if p.ContactEmail == "" {
		f.Add("contactEmail", "the partner has no contact email; add one to the partner first")
	}
	if err := f.Err(); err != nil {
		return err
	}
	s, err := d.Store.OutreachSettings(ctx, c.Tenant)
	if err != nil {
		return err
	}
	pr, err := d.Store.Practice(ctx, c.Tenant)
	if err != nil {
		return err
	}
	if err := d.take(ctx,
		daily(outreach.ScopeAddress, outreach.EmailsPerAddress, "this partner's address got today's outreach emails from the practice; try tomorrow",
			c.Tenant, ids.EmailKey(p.ContactEmail)),
		daily(outreach.ScopePractice, outreach.EmailsPerPractice, "the practice sent today's outreach emails; try tomorrow", c.Tenant),
	); err != nil {
		return err
	}
	tpl := s.Template(in.Kind)
	m := messages.Message{Subject: tpl.Subject, Text: outreach.Fill(tpl.Body, "", pr.Name) + "\n\n" +
		outreach.HowToRefer(d.origin(r)+"/p/"+pr.Slug) + "\n"}
	if err := d.Mailer.Send(ctx, m.Email(p.ContactEmail)); err != nil {
		return err
	}
	summary := "Sent the introduction email"
	if in.Kind == outreach.KindCheckIn {
		summary = "Sent the check-in email"
	}
	t := outreach.Touch{ID: today + "." + ids.NewULID(d.now()), PartnerID: p.ID, Date: today, Channel: "email", Who: c.Subject,
		Summary: summary, Response: outreach.ResponseNone, CreatedAt: d.now(), CreatedBy: c.Subject}
	if err := d.Store.CreateTouch(ctx, c.Tenant, t, p.Name); err != nil {
		return err
	}
	views, err := d.withAttribution(ctx, c.Tenant, p.ID, []outreach.Touch{t}, today, now)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, EmailSent{Touch: views[0]})
	return nil
}
