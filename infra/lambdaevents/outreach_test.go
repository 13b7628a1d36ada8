package lambdaevents_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"

	"github.com/referloop/referloop/infra/dynamotest"
	"github.com/referloop/referloop/infra/seed"
	"github.com/referloop/referloop/infra/streamfeed"
	"github.com/referloop/referloop/pkg/ids"
	"github.com/referloop/referloop/pkg/outreach"
	"github.com/referloop/referloop/pkg/practice"
	"github.com/referloop/referloop/pkg/referral"
)

// The outreach function's events (events/outreach.*.json), added to the cases table.
func init() {
	for k, v := range outreachCases {
		cases[k] = v
	}
}

// fixedTouch is the touch events/outreach.complete-follow-up.json completes.
const fixedTouch = "2026-11-23.01KMZ7Q3V4W5X6Y7Z8A9B0C1D2"

// putTouch stores a touch of the demo partner by the owner, with a follow-up due on due ("" none).
func (w *world) putTouch(t *testing.T, id, due string) outreach.Touch {
	t.Helper()
	owner := ids.EmailKey(seed.OwnerEmail)
	tc := outreach.Touch{ID: id, PartnerID: w.demo.PartnerIDs[0], Date: id[:10], Channel: "call", Who: owner, Summary: "Called the office manager",
		Response: outreach.ResponseNone, CreatedAt: time.Now().UTC(), CreatedBy: owner}
	if due != "" {
		tc.FollowUp = &outreach.FollowUp{Due: due, Owner: owner}
	}
	if err := w.deps.Store.CreateTouch(context.Background(), w.demo.TenantID, tc, "Northside Family Medicine"); err != nil {
		t.Fatal(err)
	}
	return tc
}

var outreachCases = map[string]want{
	"outreach.log-touch": {status: 201, as: owner, setup: func(t *testing.T, w *world) { w.ageSessions(t) },
		check: func(t *testing.T, w *world, r result) {
			if str(r.body, "touch.channel") != "lunch" || str(r.body, "touch.who") != ids.EmailKey(seed.OwnerEmail) ||
				str(r.body, "touch.followUp.due") != "2026-11-30" || str(r.body, "touch.followUp.owner") != ids.EmailKey(seed.OwnerEmail) ||
				len(list(r.body, "touch.attribution.after")) != 3 {
				t.Errorf("TouchCreated = %s", r.resp.Body)
			}
			due, err := w.deps.Store.DueUntil(context.Background(), w.demo.TenantID, "2026-12-31", 10)
			if err != nil || len(due) != 1 || due[0].PartnerName != "Northside Family Medicine" || due[0].TouchID != str(r.body, "touch.id") {
				t.Errorf("due list %+v, %v", due, err)
			}
		}},
	"outreach.invalid-touch": {status: 422, as: owner, problem: "validation", fields: []string{"date", "channel", "response"}},
	"outreach.list-touches": {status: 200, as: owner, before: []string{"outreach.log-touch"}, check: func(t *testing.T, w *world, r result) {
		touches := list(r.body, "touches")
		if len(touches) != 1 || str(r.body, "partnerId") != w.demo.PartnerIDs[0] {
			t.Fatalf("TouchesView = %s", r.resp.Body)
		}
		tc := touches[0].(map[string]any)
		if str(tc, "summary") != "Lunch with the front desk; left the one-pager." ||
			num(tc, "attribution.before.days") != 90 {
			t.Errorf("touch %v", tc)
		}
		if _, ok := r.body["warnings"].([]any); !ok {
			t.Errorf("warnings is not a list: %s", r.resp.Body)
		}
	}},
	"outreach.complete-follow-up": {status: 200, as: owner, setup: func(t *testing.T, w *world) { w.putTouch(t, fixedTouch, "2026-11-30") },
		check: func(t *testing.T, w *world, r result) {
			if str(r.body, "id") != fixedTouch || str(r.body, "followUp.doneAt") == "" || str(r.body, "followUp.doneBy") != ids.EmailKey(seed.OwnerEmail) {
				t.Errorf("TouchView = %s", r.resp.Body)
			}
			due, err := w.deps.Store.DueUntil(context.Background(), w.demo.TenantID, "2030-01-01", 10)
			if err != nil || len(due) != 0 {
				t.Errorf("still on the due list: %+v, %v", due, err)
			}
			// Done once: the same request again is a 409.
			if again := w.invoke(t, "outreach.complete-follow-up"); again.resp.StatusCode != 409 {
				t.Errorf("again: %d %s", again.resp.StatusCode, again.resp.Body)
			}
		}},
	"outreach.follow-ups": {status: 200, as: owner, setup: func(t *testing.T, w *world) {
		// The practice's own day (the seed's is in New York), as the due list reads it.
		p, err := w.deps.Store.Practice(context.Background(), w.demo.TenantID)
		if err != nil {
			t.Fatal(err)
		}
		today := time.Now().In(p.Location())
		w.putTouch(t, today.AddDate(0, 0, -3).Format(time.DateOnly)+"."+ids.NewULID(today), today.AddDate(0, 0, -1).Format(time.DateOnly))
		w.putTouch(t, today.Format(time.DateOnly)+"."+ids.NewULID(today), today.AddDate(0, 0, 30).Format(time.DateOnly))
	}, check: func(t *testing.T, w *world, r result) {
		groups := list(r.body, "groups")
		if len(groups) != 1 {
			t.Fatalf("FollowUpsView = %s", r.resp.Body)
		}
		g := groups[0].(map[string]any)
		if str(g, "owner") != ids.EmailKey(seed.OwnerEmail) || len(list(g, "overdue")) != 1 || len(list(g, "today"))+len(list(g, "thisWeek")) != 0 {
			t.Errorf("group %v (a follow-up a month out is not this week's)", g)
		}
		if len(list(r.body, "members")) == 0 {
			t.Errorf("no members: %s", r.resp.Body)
		}
	}},
	"outreach.as-referrer": {status: 403, as: referrer, problem: "forbidden"},
	"outreach.overview": {status: 200, as: owner, check: func(t *testing.T, w *world, r result) {
		if len(list(r.body, "channels")) != len(outreach.Channels) {
			t.Errorf("OutreachView = %s", r.resp.Body)
		}
		if _, ok := r.body["suggestions"].([]any); !ok {
			t.Errorf("suggestions is not a list: %s", r.resp.Body)
		}
		for _, phi := range []string{"Ana", "Silva", "Noah", "Becker"} {
			if strings.Contains(r.resp.Body, phi) {
				t.Errorf("the outreach view holds %q", phi)
			}
		}
	}},
	"outreach.list-templates": {status: 200, as: owner, check: func(t *testing.T, w *world, r result) {
		if n := len(list(r.body, "templates")); n != len(outreach.TemplateKinds) || r.body["autoFirstReferral"] != false {
			t.Errorf("TemplatesView = %s", r.resp.Body)
		}
	}},
	"outreach.put-auto-thanks": {status: 200, as: owner, check: func(t *testing.T, w *world, r result) {
		s, err := w.deps.Store.OutreachSettings(context.Background(), w.demo.TenantID)
		if err != nil || !s.AutoFirst || s.AutoSeen || r.body["autoFirstReferral"] != true {
			t.Errorf("settings %+v, %v; answer %s", s, err, r.resp.Body)
		}
	}},
	"outreach.get-template": {status: 200, as: owner, check: func(t *testing.T, w *world, r result) {
		if str(r.body, "kind") != "check-in" || r.body["custom"] != false || str(r.body, "subject") != "Checking in" {
			t.Errorf("Template = %s", r.resp.Body)
		}
	}},
	"outreach.put-template": {status: 200, as: owner, check: func(t *testing.T, w *world, r result) {
		if r.body["custom"] != true || !strings.HasPrefix(str(r.body, "body"), "Dear {{first_name}}") {
			t.Errorf("Template = %s", r.resp.Body)
		}
	}},
	"outreach.put-template-invalid": {status: 422, as: owner, problem: "validation", fields: []string{"body"}},
	"outreach.send-email": {status: 201, as: owner, check: func(t *testing.T, w *world, r result) {
		sent := w.mail.Sent()
		if len(sent) != 1 || sent[0].To != "office@northside.example" {
			t.Fatalf("sent %+v", sent)
		}
		m := sent[0]
		if m.Subject != "An introduction, and how to refer" || !strings.Contains(m.Text, "Lakeside Physical Therapy") || strings.Contains(m.Text, "{{") ||
			!strings.Contains(m.Text, "To refer a patient: "+origin+"/p/"+seed.Slug) {
			t.Errorf("email %q\n%s", m.Subject, m.Text)
		}
		if str(r.body, "touch.channel") != "email" || str(r.body, "touch.summary") != "Sent the introduction email" {
			t.Errorf("EmailSent = %s", r.resp.Body)
		}
	}},
}

// TestOutreachThanksWithinPolicy runs the notifier's outreach work through its checked store: a
// first referral of a partner with none yet, with automatic thank-yous on, is counted once, thanked
// once and logged as a touch.
func TestOutreachThanksWithinPolicy(t *testing.T) {
	w := newWorld(t, eventsDir(t), want{})
	ctx := context.Background()
	reader, err := streamfeed.Open(ctx, dynamotest.Endpoint(t), w.deps.Store.Table)
	if err != nil {
		t.Fatal(err)
	}
	if err := w.deps.Store.PutAutoThanks(ctx, w.demo.TenantID, true, true); err != nil {
		t.Fatal(err)
	}
	pid := w.demo.PartnerIDs[1] // Harbor Chiropractic: no referral yet
	s := referral.Submission{Patient: referral.Patient{FirstName: "Wanda", LastName: "Okafor", DateOfBirth: "1979-05-06", Phone: "+1 415 555 0111"},
		Reason: "Low back pain", Urgency: referral.Routine}
	ref := referral.New(w.demo.TenantID, referral.PartnerRef{ID: pid, Name: "Harbor Chiropractic"}, "r_"+ids.Short(""),
		referral.Person{Name: "Dr. Jo Park", Email: "jo@harborchiro.example"}, ids.NewULID(time.Now()), s, time.Now().UTC(), practice.DefaultContactBy)
	if _, _, err := w.deps.Store.CreateReferral(ctx, ref); err != nil {
		t.Fatal(err)
	}
	var recs []events.DynamoDBEventRecord
	for i := 0; i < 40 && len(recs) == 0; i++ {
		batch, err := reader.Next(ctx)
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range batch {
			if v, ok := r.Change.NewImage["ulid"]; ok && v.String() == ref.ULID {
				recs = append(recs, r)
			}
		}
		if len(recs) == 0 {
			time.Sleep(50 * time.Millisecond)
		}
	}
	if len(recs) != 1 {
		t.Fatalf("%d stream records of the referral", len(recs))
	}
	n := w.notifier(t)
	for range 2 { // delivered twice
		resp, err := n.Handle(ctx, events.DynamoDBEvent{Records: recs})
		if err != nil || len(resp.BatchItemFailures) != 0 {
			t.Fatalf("handle: %+v, %v", resp, err)
		}
	}
	var thanks int
	for _, m := range w.mail.Sent() {
		if m.To == "jo@harborchiro.example" && m.Subject == "Thank you for your first referral" {
			thanks++
			if !strings.Contains(m.Text, "Hello Dr. Park,") || strings.Contains(m.Text, "Wanda") || strings.Contains(m.Text, "Okafor") {
				t.Errorf("thank-you:\n%s", m.Text)
			}
		}
	}
	touches, err := w.deps.Store.Touches(ctx, w.demo.TenantID, pid, 10)
	if err != nil || thanks != 1 || len(touches) != 1 || touches[0].Who != outreach.Automatic || touches[0].Event != outreach.EventFirstReferral {
		t.Fatalf("%d thank-yous, touches %+v, %v", thanks, touches, err)
	}
	po, err := w.deps.Store.OutreachOf(ctx, w.demo.TenantID, pid, time.Now().UTC().Year())
	if err != nil || po.Total != 1 || po.Daily[time.Now().UTC().Format(time.DateOnly)] != 1 {
		t.Errorf("counted %+v, %v", po, err)
	}
}
