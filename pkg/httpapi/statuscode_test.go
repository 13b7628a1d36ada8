package httpapi_test

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/referloop/referloop/pkg/httpapi"
	"github.com/referloop/referloop/pkg/ids"
	"github.com/referloop/referloop/pkg/notify"
	"github.com/referloop/referloop/pkg/store"
)

// downSender is SES and SNS refusing every message while down is set.
type downSender struct {
	notify.Recorder
	mu   sync.Mutex
	down bool
}

func (s *downSender) Send(ctx context.Context, m notify.Message) error {
	s.mu.Lock()
	down := s.down
	s.mu.Unlock()
	if down {
		return errors.New("SES: throttled")
	}
	return s.Recorder.Send(ctx, m)
}

func (s *downSender) SendSMS(ctx context.Context, phone, text string) error {
	return s.Send(ctx, notify.Message{To: phone, Subject: "SMS", Text: text})
}

func (s *downSender) set(down bool) { s.mu.Lock(); s.down = down; s.mu.Unlock() }

func (s *downSender) count(to string) int {
	n := 0
	for _, m := range s.Sent() {
		if m.To == to {
			n++
		}
	}
	return n
}

// TestResendStatusCode: staff send the patient's code again (the same code, never shown to them),
// by email and by text when the phone can get one; it is audited, limited per referral and per
// practice a day, refused when there is nothing to send it to, and a failure of SES or SNS leaves
// the API's answer clean and the messages to the stream's retries.
func TestResendStatusCode(t *testing.T) {
	e := newEnv(t)
	sender := &downSender{}
	e.notify.Mailer, e.notify.SMS = sender, sender
	owner := e.practice("Code Clinic", "owner@code.example")
	ref, _ := e.referrer(owner, "Code FM", "dr@code-fm.example")
	submit := func(phone, email string) string {
		body := submission("Knee pain")
		p := body["patient"].(map[string]any)
		p["phone"], p["email"] = phone, email
		r := ref.do("POST", "/v1/referrals", body, "Idempotency-Key", ids.NewULID(time.Now()))
		if r.status != 201 {
			t.Fatalf("submit %q %q: %d %s", phone, email, r.status, r.raw)
		}
		return r.body["id"].(string)
	}
	// Typed as US people do: stored in E.164, texted there.
	id := submit("(201) 555-0123", "pat@code.example")
	e.pump()
	if sender.count("+12015550123") != 1 || sender.count("pat@code.example") != 1 {
		t.Fatalf("first code: %+v", sender.Sent())
	}
	code := codeIn(t, sender, "pat@code.example")

	resend := func(c *client, id string) resp { return c.do("POST", "/v1/referrals/"+id+"/status-code", nil) }
	r := resend(owner, id)
	if r.status != 202 || r.body["email"] != true || r.body["text"] != true || strings.Contains(r.raw, code) {
		t.Fatalf("resend: %d %s", r.status, r.raw)
	}
	e.pump()
	if sender.count("+12015550123") != 2 || sender.count("pat@code.example") != 2 {
		t.Fatalf("after the resend: %+v", sender.Sent())
	}
	if again := codeIn(t, sender, "pat@code.example"); again != code {
		t.Errorf("the resend carries %q, the first %q: the same code was promised", again, code)
	}
	// The staff view never shows the code; the version is the referral's own (a resend edits nothing).
	if v := owner.do("GET", "/v1/referrals/"+id, nil); strings.Contains(v.raw, code) || v.body["version"].(float64) != 1 {
		t.Errorf("staff view: %s", v.raw)
	}
	// Audited as the person who asked.
	tid := tenantOf(owner)
	audit, err := e.store.AuditDay(context.Background(), tid, time.Now().UTC().Format(time.DateOnly), 100, "")
	if err != nil {
		t.Fatal(err)
	}
	found := false
	for _, a := range audit.Items {
		found = found || (a.Action == "resend-status-code" && a.Actor == "owner@code.example" && a.Referral == id)
	}
	if !found {
		t.Errorf("no audit record of the resend: %+v", audit.Items)
	}

	// SES and SNS down: the answer is the same 202; the stream retries; nothing is sent twice
	// once they are back.
	sender.set(true)
	if r := resend(owner, id); r.status != 202 {
		t.Fatalf("resend while SES is down: %d %s", r.status, r.raw)
	}
	if err := e.feeder.Poll(context.Background()); err == nil {
		t.Error("the notifier reported no failure while SES and SNS refused")
	}
	sender.set(false)
	e.pump()
	if sender.count("+12015550123") != 3 || sender.count("pat@code.example") != 3 {
		t.Fatalf("after SES came back: %d texts, %d emails", sender.count("+12015550123"), sender.count("pat@code.example"))
	}

	// A referral's resends stop at the day's limit, with the reason.
	for i := 2; i < httpapi.CodeResendsPerReferral; i++ {
		if r := resend(owner, id); r.status != 202 {
			t.Fatalf("resend %d: %d %s", i+1, r.status, r.raw)
		}
	}
	if r := resend(owner, id); r.status != 429 || !strings.Contains(r.raw, "sent again") || r.header.Get("Retry-After") == "" {
		t.Fatalf("resend past the limit: %d %s", r.status, r.raw)
	}

	// Nothing to send it to: a fictional 555 number and no email.
	fictional := submit("(555) 010-2233", "")
	e.pump()
	if r := resend(owner, fictional); r.status != 409 || !strings.HasSuffix(r.body["type"].(string), "/no-channel") {
		t.Fatalf("resend to nobody: %d %s", r.status, r.raw)
	}
	// The first text to it was held back, and the outbox says why.
	notes, err := e.store.Notifications(context.Background(), tid, 100)
	if err != nil {
		t.Fatal(err)
	}
	refused := false
	for _, n := range notes {
		refused = refused || (n.Referral == fictional && n.Status == store.NoteRefused && strings.Contains(n.Error, "not one texts can reach"))
	}
	if !refused {
		t.Errorf("the outbox does not record the refused text: %+v", notes)
	}

	// Referrers may not; another practice's staff find no such referral.
	if r := resend(ref, id); r.status != 403 {
		t.Errorf("referrer resend: %d %s", r.status, r.raw)
	}
	other := e.practice("Other Clinic", "owner@other.example")
	if r := resend(other, id); r.status != 404 {
		t.Errorf("other practice's resend: %d %s", r.status, r.raw)
	}
}

// TestPhoneAtSubmit: the patient's phone is read in the practice's country; a number that cannot
// be one is refused with the field's reason.
func TestPhoneAtSubmit(t *testing.T) {
	e := newEnv(t)
	owner := e.practice("Phone Clinic", "owner@phone.example")
	ref, _ := e.referrer(owner, "Phone FM", "dr@phone-fm.example")
	cases := []struct {
		typed, stored string
		status        int
	}{
		{"(555) 010-2233", "+15550102233", 201},
		{"555-010-9999", "+15550109999", 201},
		{"(201) 555-0123", "+12015550123", 201},
		{"+44 20 7946 0958", "+442079460958", 201},
		{"555-0100", "", 422},
		{"(201) 555-012", "", 422},
		{"call me", "", 422},
	}
	for _, c := range cases {
		body := submission("Knee pain")
		body["patient"].(map[string]any)["phone"] = c.typed
		r := ref.do("POST", "/v1/referrals", body, "Idempotency-Key", ids.NewULID(time.Now()))
		if r.status != c.status {
			t.Errorf("%q: %d %s", c.typed, r.status, r.raw)
			continue
		}
		if c.status == 201 && r.body["patient"].(map[string]any)["phone"] != c.stored {
			t.Errorf("%q stored as %v, want %s", c.typed, r.body["patient"].(map[string]any)["phone"], c.stored)
		}
		if c.status == 422 && (len(r.fields()) != 1 || r.fields()[0] != "patient.phone") {
			t.Errorf("%q: fields %v", c.typed, r.fields())
		}
	}
	// A practice in Britain reads national numbers as British.
	if r := owner.do("GET", "/v1/practice", nil); r.status == 200 {
		prof := r.body
		prof["country"], prof["timeZone"] = "GB", "Europe/London"
		if put := owner.do("PUT", "/v1/practice", prof, "If-Match", r.header.Get("ETag")); put.status != 200 || put.body["timeZone"] != "Europe/London" {
			t.Fatalf("PUT country: %d %s", put.status, put.raw)
		}
	}
	if me := owner.do("GET", "/v1/me", nil); me.body["practice"].(map[string]any)["timeZone"] != "Europe/London" {
		t.Errorf("me: %s", me.raw)
	}
	if bad := owner.do("PUT", "/v1/practice", map[string]any{"name": "Phone Clinic", "contactByHours": map[string]int{"default": 48, "urgent": 24, "soon": 72},
		"country": "XX", "timeZone": "Mars/Base"}); bad.status != 422 || strings.Join(bad.fields(), ",") != "contactByHours.soon,country,timeZone" {
		t.Errorf("bad settings: %d %v %s", bad.status, bad.fields(), bad.raw)
	}
}

// codeIn is the status code the last message to "to" carries.
func codeIn(t *testing.T, s *downSender, to string) string {
	t.Helper()
	var last string
	for _, m := range s.Sent() {
		if m.To == to {
			last = m.Text
		}
	}
	for _, w := range strings.Fields(last) {
		if len(w) == 14 && strings.Count(w, "-") == 2 {
			return strings.TrimRight(w, ".")
		}
	}
	t.Fatalf("no code in %q", last)
	return ""
}

// TestLocalDayAtSubmit: a referral is counted in the practice's local day of arrival (its metrics'
// days end at the practice's midnight), fixed at submit.
func TestLocalDayAtSubmit(t *testing.T) {
	e := newEnv(t)
	owner := e.practice("Day Clinic", "owner@day.example")
	r := owner.do("GET", "/v1/practice", nil)
	prof := r.body
	prof["timeZone"] = "Pacific/Kiritimati" // UTC+14: its day is ahead of UTC's for 14 hours of 24
	if put := owner.do("PUT", "/v1/practice", prof, "If-Match", r.header.Get("ETag")); put.status != 200 {
		t.Fatalf("PUT: %d %s", put.status, put.raw)
	}
	ref, _ := e.referrer(owner, "Day FM", "dr@day-fm.example")
	sub, _ := ref.submit("Knee pain")
	if sub.status != 201 {
		t.Fatalf("submit: %d %s", sub.status, sub.raw)
	}
	stored, err := e.store.Referral(context.Background(), tenantOf(owner), sub.body["id"].(string))
	if err != nil {
		t.Fatal(err)
	}
	kiritimati, _ := time.LoadLocation("Pacific/Kiritimati")
	if want := stored.CreatedAt.In(kiritimati).Format(time.DateOnly); stored.Day != want {
		t.Errorf("day %q, want the practice's %q (created %s)", stored.Day, want, stored.CreatedAt)
	}
}

// The dashboard's default window ends on the practice's own day, and outreach's today is its day: a zone whose day is not UTC's
// now (Kiritimati, UTC+14, from 10:00 UTC; Pago Pago, UTC-11, before 11:00 UTC).
func TestDefaultDaysAreThePracticesDay(t *testing.T) {
	e := newEnv(t)
	owner := e.practice("Atoll Clinic", "owner@atoll.example")
	r := owner.do("GET", "/v1/practice", nil)
	prof := r.body
	zone := "Pacific/Kiritimati"
	if time.Now().UTC().Hour() < 10 {
		zone = "Pacific/Pago_Pago"
	}
	prof["timeZone"] = zone
	if put := owner.do("PUT", "/v1/practice", prof, "If-Match", r.header.Get("ETag")); put.status != 200 {
		t.Fatalf("PUT: %d %s", put.status, put.raw)
	}
	loc, _ := time.LoadLocation(zone)
	for _, groupBy := range []string{"source", "week"} {
		before := time.Now().In(loc).Format(time.DateOnly)
		m := owner.do("GET", "/v1/metrics?groupBy="+groupBy, nil)
		after := time.Now().In(loc).Format(time.DateOnly)
		if m.status != 200 {
			t.Fatalf("metrics: %d %s", m.status, m.raw)
		}
		if to := m.body["to"]; to != before && to != after {
			t.Errorf("groupBy %s: the default window ends %v, want the practice's day %s", groupBy, to, before)
		}
	}
	// So is the outreach's today (the follow-ups due) when the browser does not say.
	before := time.Now().In(loc).Format(time.DateOnly)
	fu := owner.do("GET", "/v1/follow-ups", nil)
	after := time.Now().In(loc).Format(time.DateOnly)
	if today := fu.body["today"]; fu.status != 200 || (today != before && today != after) {
		t.Errorf("follow-ups: %d today %v, want the practice's day %s", fu.status, today, before)
	}
}
