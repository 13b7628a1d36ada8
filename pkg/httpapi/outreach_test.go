package httpapi_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/referloop/referloop/pkg/ids"
	"github.com/referloop/referloop/pkg/outreach"
)

func day(t time.Time) string { return t.UTC().Format(time.DateOnly) }

func fieldsOfProblem(r resp) []string {
	var out []string
	errs, _ := r.body["errors"].([]any)
	for _, e := range errs {
		out = append(out, e.(map[string]any)["field"].(string))
	}
	return out
}

// TestTouchesAndFollowUps: logging touches (validation, members), the partner's list, the due list
// by owner, completing a follow-up once, and the gentle warning after a fourth unanswered touch in 30
// days. Table-driven over the refused inputs.
func TestTouchesAndFollowUps(t *testing.T) {
	e := newEnv(t)
	owner := e.practice("Outreach Clinic", "owner@outreach.example")
	r := owner.do("POST", "/v1/partners", map[string]string{"name": "Bayview Family", "kind": "pcp", "contactEmail": "desk@bayview.example"})
	if r.status != 201 {
		t.Fatalf("partner: %d %s", r.status, r.raw)
	}
	pid := r.body["id"].(string)
	base := "/v1/partners/" + pid + "/touches"
	today := time.Now().UTC()

	for _, c := range []struct {
		name   string
		body   any
		query  string
		status int
		fields []string
	}{
		{"no date, bad channel", map[string]any{"channel": "fax"}, "", 422, []string{"channel", "date"}},
		{"future", map[string]any{"date": day(today.AddDate(0, 0, 3)), "channel": "call"}, "", 422, []string{"date"}},
		{"a stranger as who", map[string]any{"date": day(today), "channel": "call", "who": strings.Repeat("a", 32)}, "", 422, []string{"who"}},
		{"a stranger as owner", map[string]any{"date": day(today), "channel": "call", "followUpDate": day(today), "followUpOwner": strings.Repeat("b", 32)}, "", 422, []string{"followUpOwner"}},
		{"unknown field", map[string]any{"date": day(today), "channel": "call", "patient": "Ana"}, "", 422, []string{"patient"}},
		{"today far off", map[string]any{"date": day(today), "channel": "call"}, "?today=2020-01-01", 422, []string{"today"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			r := owner.do("POST", base+c.query, c.body)
			if r.status != c.status || strings.Join(fieldsOfProblem(r), ",") != strings.Join(c.fields, ",") {
				t.Fatalf("%d %s, want %d %v", r.status, r.raw, c.status, c.fields)
			}
		})
	}
	if r := owner.do("GET", base, nil); r.status != 200 || len(r.body["touches"].([]any)) != 0 {
		t.Fatalf("refused touches were stored: %s", r.raw)
	}

	// Three unanswered touches: no warning; a fourth: the warning; the follow-ups on the due list.
	me := ids.EmailKey("owner@outreach.example")
	var ids_ []string
	for i, d := range []int{20, 10, 5, 1} {
		body := map[string]any{"date": day(today.AddDate(0, 0, -d)), "channel": outreach.Channels[i], "summary": fmt.Sprintf("touch %d", i)}
		if i < 2 {
			body["followUpDate"] = day(today.AddDate(0, 0, -d+i*13)) // the first overdue, the second due later this week or so
		}
		r := owner.do("POST", base, body)
		if r.status != 201 {
			t.Fatalf("touch %d: %d %s", i, r.status, r.raw)
		}
		ids_ = append(ids_, r.body["touch"].(map[string]any)["id"].(string))
		warned := len(r.body["warnings"].([]any)) > 0
		if warned != (i == 3) {
			t.Fatalf("after touch %d: warnings %v", i, r.body["warnings"])
		}
		if who := r.body["touch"].(map[string]any)["who"]; who != me {
			t.Fatalf("who %v, want the signed-in member", who)
		}
	}
	list := owner.do("GET", base, nil)
	touches := list.body["touches"].([]any)
	if len(touches) != 4 || touches[0].(map[string]any)["summary"] != "touch 3" || len(list.body["warnings"].([]any)) != 1 {
		t.Fatalf("touches %s", list.raw)
	}
	due := owner.do("GET", "/v1/follow-ups", nil)
	groups := due.body["groups"].([]any)
	if len(groups) != 1 {
		t.Fatalf("due %s", due.raw)
	}
	g := groups[0].(map[string]any)
	if g["owner"] != me || len(g["overdue"].([]any)) != 1 || len(g["today"].([]any))+len(g["thisWeek"].([]any)) != 1 {
		t.Fatalf("group %v", g)
	}
	if o := g["overdue"].([]any)[0].(map[string]any); o["partnerName"] != "Bayview Family" || o["touchId"] != ids_[0] {
		t.Fatalf("overdue %v", o)
	}
	// Completing it once; the second time is a conflict; it leaves the due list.
	path := base + "/" + ids_[0]
	if r := owner.do("PATCH", path, map[string]any{"followUpDone": true}); r.status != 200 || r.body["followUp"].(map[string]any)["doneBy"] != me {
		t.Fatalf("complete: %d %s", r.status, r.raw)
	}
	if r := owner.do("PATCH", path, map[string]any{"followUpDone": true}); r.status != 409 {
		t.Fatalf("complete again: %d %s", r.status, r.raw)
	}
	if r := owner.do("PATCH", base+"/"+ids_[2], map[string]any{"followUpDone": true}); r.status != 404 {
		t.Fatalf("a touch without a follow-up: %d %s", r.status, r.raw)
	}
	if r := owner.do("PATCH", path, map[string]any{"followUpDone": false}); r.status != 422 {
		t.Fatalf("reopen: %d %s", r.status, r.raw)
	}
	g = owner.do("GET", "/v1/follow-ups", nil).body["groups"].([]any)[0].(map[string]any)
	if len(g["overdue"].([]any)) != 0 {
		t.Fatalf("done follow-up still due: %v", g)
	}
}

// TestOutreachTenantIsolation: another practice's partner, touches, follow-ups and templates are
// out of reach (404 or not listed), and a referrer gets 403.
func TestOutreachTenantIsolation(t *testing.T) {
	e := newEnv(t)
	a := e.practice("Alpha Clinic", "owner@alpha.example")
	b := e.practice("Beta Clinic", "owner@beta.example")
	ref, pid := e.referrer(a, "Alpha Partner", "doc@alpha-partner.example")
	if r := a.do("POST", "/v1/partners/"+pid+"/touches", map[string]any{"date": day(time.Now()), "channel": "visit", "summary": "Alpha only",
		"followUpDate": day(time.Now())}); r.status != 201 {
		t.Fatalf("touch: %d %s", r.status, r.raw)
	}
	if r := a.do("PUT", "/v1/templates/check-in", map[string]any{"body": "Alpha's words, {{first_name}}"}); r.status != 200 {
		t.Fatalf("template: %d %s", r.status, r.raw)
	}
	for _, c := range []struct {
		method, path string
		body         any
		status       int
	}{
		{"GET", "/v1/partners/" + pid + "/touches", nil, 404},
		{"POST", "/v1/partners/" + pid + "/touches", map[string]any{"date": day(time.Now()), "channel": "call"}, 404},
		{"POST", "/v1/partners/" + pid + "/emails", map[string]any{"kind": "introduction"}, 404},
	} {
		if r := b.do(c.method, c.path, c.body); r.status != c.status {
			t.Errorf("%s %s as another practice: %d %s", c.method, c.path, r.status, r.raw)
		}
	}
	if r := b.do("GET", "/v1/follow-ups", nil); r.status != 200 || len(r.body["groups"].([]any)) != 0 {
		t.Errorf("another practice's due list: %s", r.raw)
	}
	if r := b.do("GET", "/v1/templates/check-in", nil); r.body["custom"] != false || strings.Contains(r.raw, "Alpha") {
		t.Errorf("another practice's template: %s", r.raw)
	}
	if r := b.do("GET", "/v1/outreach", nil); strings.Contains(r.raw, "Alpha") {
		t.Errorf("another practice's outreach: %s", r.raw)
	}
	for _, path := range []string{"/v1/follow-ups", "/v1/outreach", "/v1/templates", "/v1/partners/" + pid + "/touches"} {
		if r := ref.do("GET", path, nil); r.status != 403 {
			t.Errorf("GET %s as a referrer: %d", path, r.status)
		}
	}
}

// TestTemplatesAndOutreachEmails: defaults, the practice's words (placeholders only, safe), reset,
// the switches; the introduction email with fixed subject and the practice's link, logged as a
// touch, within 2 a day to one address.
func TestTemplatesAndOutreachEmails(t *testing.T) {
	e := newEnv(t)
	owner := e.practice("Words Clinic", "owner@words.example")
	r := owner.do("GET", "/v1/templates", nil)
	if r.status != 200 || len(r.body["templates"].([]any)) != 5 || r.body["autoFirstReferral"] != false {
		t.Fatalf("templates %s", r.raw)
	}
	for _, c := range []struct {
		name, kind string
		body       any
		status     int
	}{
		{"unknown kind", "newsletter", map[string]any{"body": "hi"}, 404},
		{"other placeholder", "introduction", map[string]any{"body": "Hi {{patient_name}}"}, 422},
		{"template syntax", "introduction", map[string]any{"body": `{{template "x"}}`}, 422},
		{"control characters", "introduction", map[string]any{"body": "Hi\x1b[31m"}, 422},
		{"too long", "introduction", map[string]any{"body": strings.Repeat("a", 2001)}, 422},
		{"fine", "introduction", map[string]any{"body": "Hello {{first_name}},\nWe are {{practice}}. {{ practice }}!"}, 200},
	} {
		t.Run(c.name, func(t *testing.T) {
			if r := owner.do("PUT", "/v1/templates/"+c.kind, c.body); r.status != c.status {
				t.Fatalf("%d %s", r.status, r.raw)
			}
		})
	}
	if r := owner.do("PUT", "/v1/templates", map[string]any{"autoFirstReferral": true}); r.status != 422 {
		t.Fatalf("a switch missing: %d %s", r.status, r.raw)
	}
	if r := owner.do("PUT", "/v1/templates", map[string]any{"autoFirstReferral": true, "autoSeen": true}); r.status != 200 || r.body["autoSeen"] != true {
		t.Fatalf("switches: %d %s", r.status, r.raw)
	}
	p := owner.do("POST", "/v1/partners", map[string]string{"name": "Mailer Family", "kind": "pcp", "contactEmail": "desk@mailer.example"})
	pid := p.body["id"].(string)
	noMail := owner.do("POST", "/v1/partners", map[string]string{"name": "No Mail Family", "kind": "pcp"}).body["id"].(string)
	if r := owner.do("POST", "/v1/partners/"+noMail+"/emails", map[string]any{"kind": "introduction"}); r.status != 422 {
		t.Fatalf("no contact email: %d %s", r.status, r.raw)
	}
	if r := owner.do("POST", "/v1/partners/"+pid+"/emails", map[string]any{"kind": "thanks-seen"}); r.status != 422 {
		t.Fatalf("a thank-you by hand: %d %s", r.status, r.raw)
	}
	for i, want := range []int{201, 201, 429} {
		r := owner.do("POST", "/v1/partners/"+pid+"/emails", map[string]any{"kind": "introduction"})
		if r.status != want {
			t.Fatalf("email %d: %d %s", i, r.status, r.raw)
		}
	}
	var got []string
	for _, m := range e.mail.Sent() {
		if m.To == "desk@mailer.example" {
			got = append(got, m.Subject+"|"+m.Text)
		}
	}
	if len(got) != 2 || !strings.HasPrefix(got[0], "An introduction, and how to refer|Hello there,\nWe are Words Clinic. Words Clinic!\n\nTo refer a patient: ") {
		t.Fatalf("sent %q", got)
	}
	touches := owner.do("GET", "/v1/partners/"+pid+"/touches", nil).body["touches"].([]any)
	if len(touches) != 2 || touches[0].(map[string]any)["channel"] != "email" {
		t.Fatalf("touches %v", touches)
	}
	// Back to the default.
	if r := owner.do("PUT", "/v1/templates/introduction", map[string]any{"body": ""}); r.status != 200 || r.body["custom"] != false ||
		r.body["body"] != outreach.Defaults[outreach.KindIntroduction] {
		t.Fatalf("reset: %s", r.raw)
	}
}

// TestAttributionThroughTheStream: a touch before a partner's first referral shows it in its 30,
// 60 and 90 days after (counted by the stream consumer), the first-referral thank-you is a touch,
// and the outreach page counts the touch's channel.
func TestAttributionThroughTheStream(t *testing.T) {
	e := newEnv(t)
	owner := e.practice("Stream Outreach", "owner@stream-outreach.example")
	ref, pid := e.referrer(owner, "Harbor Family", "doc@harbor-family.example")
	if r := owner.do("PUT", "/v1/templates", map[string]any{"autoFirstReferral": true, "autoSeen": false}); r.status != 200 {
		t.Fatal(r.raw)
	}
	base := "/v1/partners/" + pid + "/touches"
	touchDay := day(time.Now().AddDate(0, 0, -2))
	if r := owner.do("POST", base, map[string]any{"date": touchDay, "channel": "lunch", "response": "positive"}); r.status != 201 {
		t.Fatal(r.raw)
	}
	if r := owner.do("GET", "/v1/outreach", nil); !strings.Contains(r.raw, `"reason":"prospect"`) {
		t.Fatalf("a partner with no referral is not a prospect: %s", r.raw)
	}
	if r, _ := ref.submit("Knee pain"); r.status != 201 {
		t.Fatalf("submit: %d %s", r.status, r.raw)
	}
	e.pump()
	e.pump() // a second poll delivers nothing new; the thank-you goes out once
	if n := e.mailsTo("doc@harbor-family.example"); n < 2 {
		t.Fatalf("%d mails to the referrer (invitation, acknowledgement, thank-you)", n)
	}
	thanks := 0
	for _, m := range e.mail.Sent() {
		if m.To == "doc@harbor-family.example" && m.Subject == "Thank you for your first referral" {
			thanks++
			if strings.Contains(m.Text, "Ana") || strings.Contains(m.Text, "Silva") || strings.Contains(m.Text, "Knee") {
				t.Errorf("the thank-you holds the patient: %s", m.Text)
			}
		}
	}
	if thanks != 1 {
		t.Fatalf("%d thank-yous", thanks)
	}
	list := owner.do("GET", base, nil)
	touches := list.body["touches"].([]any)
	if len(touches) != 2 {
		t.Fatalf("touches %s", list.raw)
	}
	var lunch, auto map[string]any
	for _, x := range touches {
		m := x.(map[string]any)
		if m["who"] == outreach.Automatic {
			auto = m
		} else {
			lunch = m
		}
	}
	if auto == nil || auto["channel"] != "email" || auto["event"] != "first-referral" {
		t.Fatalf("automatic touch %v", auto)
	}
	after := lunch["attribution"].(map[string]any)["after"].([]any)
	for _, w := range after {
		if w.(map[string]any)["referrals"] != float64(1) {
			t.Fatalf("windows after the touch %v, want 1 referral each", after)
		}
	}
	if b := lunch["attribution"].(map[string]any)["before"].(map[string]any); b["referrals"] != float64(0) || b["complete"] != true {
		t.Fatalf("before %v", b)
	}
	ov := owner.do("GET", "/v1/outreach", nil)
	if strings.Contains(ov.raw, `"reason":"prospect"`) {
		t.Fatalf("a partner that referred is still a prospect: %s", ov.raw)
	}
	for _, c := range ov.body["channels"].([]any) {
		cm := c.(map[string]any)
		if cm["channel"] == "lunch" && cm["touches"] != float64(1) {
			t.Fatalf("lunch %v", cm)
		}
		if cm["channel"] == "email" && cm["touches"] != float64(0) {
			t.Fatalf("the automatic thank-you counted as outreach: %v", cm)
		}
	}
}
