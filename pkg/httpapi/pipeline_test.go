package httpapi_test

import (
	"fmt"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/referloop/referloop/pkg/ids"
)

func etag(r resp) string { return r.header.Get("ETag") }

// move asks for a transition with the referral's current ETag.
func move(c *client, id, tag string, body map[string]any) resp {
	return c.do("POST", "/v1/referrals/"+id+"/transitions", body, "If-Match", tag)
}

func TestClosedLoop(t *testing.T) {
	e := newEnv(t)
	owner := e.practice("Loop Clinic", "owner@loop.example")
	owner.do("PUT", "/v1/practice", map[string]any{"name": "Loop Clinic", "conditions": []string{"Low back pain"},
		"intakeContact":  map[string]string{"name": "Maria", "phone": "(201) 555-0100", "email": "intake@loop.example"},
		"contactByHours": map[string]int{"default": 48, "urgent": 24}})
	ref, _ := e.referrer(owner, "Loop FM", "dr@loop-fm.example")
	body := submission("Low back pain")
	body["patient"].(map[string]any)["email"] = "ana@patient.example"
	body["patient"].(map[string]any)["consentToShareOutcomes"] = true
	sub := ref.do("POST", "/v1/referrals", body, "Idempotency-Key", ids.NewULID(time.Now()))
	id := sub.body["id"].(string)
	e.pump()
	if e.mailsTo("dr@loop-fm.example") < 2 || e.mailsTo("intake@loop.example") != 1 || e.mailsTo("ana@patient.example") != 1 || e.mailsTo("+14155550142") != 1 {
		t.Fatalf("after submit: %+v", e.mail.Sent())
	}

	r := owner.do("GET", "/v1/referrals/"+id, nil)
	if r.body["fhirStatus"] != "requested" || fmt.Sprint(r.body["allowed"]) != "[accepted declined needs-info cancelled]" {
		t.Fatalf("received: %s", r.raw)
	}
	// Illegal moves are refused, naming the allowed ones.
	if x := move(owner, id, etag(r), map[string]any{"to": "seen"}); x.status != 422 || fmt.Sprint(x.body["allowed"]) != "[accepted declined needs-info cancelled]" {
		t.Fatalf("illegal move: %d %s", x.status, x.raw)
	}
	if x := owner.do("POST", "/v1/referrals/"+id+"/transitions", map[string]any{"to": "accepted"}); x.status != 428 {
		t.Fatalf("no If-Match: %d", x.status)
	}
	r = move(owner, id, etag(r), map[string]any{"to": "accepted"})
	r = move(owner, id, etag(r), map[string]any{"to": "needs-info", "note": "Which side hurts?"})
	if r.status != 200 || r.body["question"] != "Which side hurts?" {
		t.Fatalf("needs-info: %d %s", r.status, r.raw)
	}
	e.pump()
	// The referrer answers; it goes back where it was.
	a := ref.do("POST", "/v1/referrals/"+id+"/answers", map[string]any{"answer": "The left side", "insurance": "Aetna PPO"})
	if a.status != 200 || a.body["status"] != "accepted" || a.body["insurance"] != "Aetna PPO" {
		t.Fatalf("answer: %d %s", a.status, a.raw)
	}
	r = owner.do("GET", "/v1/referrals/"+id, nil)
	for i := 0; i < 3; i++ {
		r = move(owner, id, etag(r), map[string]any{"to": "contacted", "contact": map[string]string{"outcome": "no-answer", "channel": "phone"}})
	}
	// Attempts that reached nobody are logged and counted; the referral stays accepted (and
	// overdue), and may be given up on as unreachable.
	if r.body["status"] != "accepted" || r.body["contactAttempts"].(float64) != 3 || !strings.Contains(fmt.Sprint(r.body["allowed"]), "unreachable") {
		t.Fatalf("after 3 attempts: %s", r.raw)
	}
	r = move(owner, id, etag(r), map[string]any{"to": "contacted", "contact": map[string]string{"outcome": "reached", "channel": "phone"}})
	if r.status != 200 || r.body["status"] != "contacted" || r.body["contactAttempts"].(float64) != 4 {
		t.Fatalf("reached: %d %s", r.status, r.raw)
	}
	// The patient came in half an hour ago (an appointment may be logged up to an hour late):
	// nobody is seen before their appointment.
	at := time.Now().Add(-30 * time.Minute).UTC().Truncate(time.Minute)
	r = move(owner, id, etag(r), map[string]any{"to": "scheduled", "appointment": map[string]any{"at": at, "location": "Main St, room 2"}})
	if r.status != 200 || r.body["appointment"].(map[string]any)["location"] != "Main St, room 2" {
		t.Fatalf("schedule: %d %s", r.status, r.raw)
	}
	e.pump()

	// The patient looks the status up with the emailed code.
	code := regexp.MustCompile(`[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4}`).FindString(firstMail(e, "ana@patient.example", "your status code"))
	anon := e.client()
	look := anon.do("POST", "/v1/status-lookups", map[string]string{"code": strings.ToLower(code), "dateOfBirth": "1980-04-02"})
	if look.status != 200 || look.body["status"] != "scheduled" || look.body["practice"].(map[string]any)["phone"] != "(201) 555-0100" {
		t.Fatalf("lookup: %d %s", look.status, look.raw)
	}
	r = move(owner, id, etag(r), map[string]any{"to": "seen"})
	r = move(owner, id, etag(r), map[string]any{"to": "closed", "note": "Discharged with a home program"})
	if r.status != 200 || r.body["fhirStatus"] != "completed" || r.body["allowed"] != nil {
		t.Fatalf("closed: %d %s", r.status, r.raw)
	}
	e.pump()
	tl := r.body["timeline"].([]any)
	if len(tl) != 12 { // received, accepted, needs-info, answer, 3 contacts, scheduled, seen, closed = 10 + … see below
		var steps []string
		for _, ev := range tl {
			steps = append(steps, ev.(map[string]any)["to"].(string))
		}
		if strings.Join(steps, ",") != "received,accepted,needs-info,accepted,accepted,accepted,accepted,contacted,scheduled,seen,closed" {
			t.Fatalf("timeline %v", steps)
		}
	}
	if v := ref.do("GET", "/v1/referrals/"+id, nil); v.body["status"] != "closed" || v.body["allowed"] != nil {
		t.Fatalf("referrer view: %s", v.raw)
	}

	// The closing email carries one-click rating links.
	closing := lastMail(e, "dr@loop-fm.example", "the loop is closed")
	m := regexp.MustCompile(`/rate#token=([^&\s]+)&score=4`).FindStringSubmatch(closing)
	if m == nil {
		t.Fatalf("no rating link in %q", closing)
	}
	if x := anon.do("POST", "/v1/ratings", map[string]any{"token": m[1], "score": 4}); x.status != 200 {
		t.Fatalf("rating: %d %s", x.status, x.raw)
	}
	if x := anon.do("POST", "/v1/ratings", map[string]any{"token": m[1] + "x", "score": 4}); x.status != 401 {
		t.Fatalf("tampered rating token: %d", x.status)
	}
	if r := owner.do("GET", "/v1/referrals/"+id, nil); r.body["rating"].(map[string]any)["score"].(float64) != 4 {
		t.Fatalf("rating not shown to the practice: %s", r.raw)
	}
	e.pump()

	// No email holds the patient's name, birth date, phone or reason.
	for _, mail := range e.mail.Sent() {
		if mail.Subject == "SMS" {
			continue
		}
		for _, phi := range []string{"Ana", "Silva", "1980-04-02", "04/02/1980", "555 0142", "5550142", "Low back pain", "left side"} {
			if strings.Contains(mail.Subject+mail.Text, phi) {
				t.Errorf("email %q to %s contains %q", mail.Subject, mail.To, phi)
			}
		}
	}
	// The audit trail holds each PHI read and write, without PHI.
	audit := owner.do("GET", "/v1/audit?date="+time.Now().UTC().Format(time.DateOnly), nil)
	actions := map[string]bool{}
	for _, it := range audit.body["items"].([]any) {
		rec := it.(map[string]any)
		actions[rec["role"].(string)+":"+strings.SplitN(rec["action"].(string), ":", 2)[0]] = true
		for _, phi := range []string{"Ana", "Silva", "1980-04-02", "Low back pain"} {
			if strings.Contains(fmt.Sprint(rec), phi) {
				t.Fatalf("audit record holds PHI: %v", rec)
			}
		}
	}
	for _, want := range []string{"referrer:create", "staff:read", "owner:read", "owner:transition", "referrer:answer", "patient:status-lookup", "system:notify", "referrer:rate"} {
		if want == "staff:read" {
			continue
		}
		if !actions[want] {
			t.Errorf("no audit record for %s (have %v)", want, actions)
		}
	}
	if x := ref.do("GET", "/v1/audit", nil); x.status != 403 {
		t.Fatalf("referrer reads the audit: %d", x.status)
	}
}

func firstMail(e *env, to, subject string) string {
	for _, m := range e.mail.Sent() {
		if m.To == to && strings.Contains(m.Subject, subject) {
			return m.Text
		}
	}
	e.t.Fatalf("no mail to %s about %q", to, subject)
	return ""
}

func lastMail(e *env, to, subject string) string {
	sent := e.mail.Sent()
	for i := len(sent) - 1; i >= 0; i-- {
		if sent[i].To == to && strings.Contains(sent[i].Subject, subject) {
			return sent[i].Text
		}
	}
	e.t.Fatalf("no mail to %s about %q", to, subject)
	return ""
}

func TestConcurrentEditsOneWinsOther409(t *testing.T) {
	e := newEnv(t)
	owner := e.practice("Race Clinic", "owner@race.example")
	ref, _ := e.referrer(owner, "Race FM", "dr@race-fm.example")
	sub, _ := ref.submit("Low back pain")
	id := sub.body["id"].(string)
	tag := etag(owner.do("GET", "/v1/referrals/"+id, nil))
	var wg sync.WaitGroup
	results := make([]resp, 2)
	for i, body := range []map[string]any{{"to": "accepted"}, {"to": "declined", "reason": "no-capacity"}} {
		wg.Add(1)
		go func(i int, body map[string]any) {
			defer wg.Done()
			results[i] = move(owner, id, tag, body)
		}(i, body)
	}
	wg.Wait()
	codes := []int{results[0].status, results[1].status}
	if !(codes[0] == 200 && codes[1] == 409 || codes[0] == 409 && codes[1] == 200) {
		t.Fatalf("two edits of version %s: %v (%s / %s)", tag, codes, results[0].raw, results[1].raw)
	}
	final := owner.do("GET", "/v1/referrals/"+id, nil)
	if final.body["version"].(float64) != 2 || len(final.body["timeline"].([]any)) != 2 {
		t.Fatalf("final: %s", final.raw)
	}
}

func TestPatientLookup(t *testing.T) {
	e := newEnv(t)
	// The per-address limit counts per fixed window: one instant for the whole test, so that it
	// never straddles a window's edge.
	at := time.Now()
	e.store.Now = func() time.Time { return at }
	owner := e.practice("Lookup Clinic", "owner@lookup.example")
	ref, _ := e.referrer(owner, "Lookup FM", "dr@lookup-fm.example")
	body := submission("Knee pain")
	body["patient"].(map[string]any)["email"] = "pat@patient.example"
	ref.do("POST", "/v1/referrals", body, "Idempotency-Key", ids.NewULID(time.Now()))
	body2 := submission("Knee pain")
	body2["patient"].(map[string]any)["email"] = "pat2@patient.example"
	ref.do("POST", "/v1/referrals", body2, "Idempotency-Key", ids.NewULID(time.Now()))
	e.pump()
	codeRE := regexp.MustCompile(`[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4}`)
	code := codeRE.FindString(lastMail(e, "pat@patient.example", "Your referral"))
	code2 := codeRE.FindString(lastMail(e, "pat2@patient.example", "Your referral"))

	right := e.client().do("POST", "/v1/status-lookups", map[string]string{"code": code, "dateOfBirth": "1980-04-02"})
	if right.status != 200 {
		t.Fatalf("right answer: %d %s", right.status, right.raw)
	}
	allowed := map[string]bool{"status": true, "statusText": true, "next": true, "appointment": true, "practice": true, "updatedAt": true}
	for k := range right.body {
		if !allowed[k] {
			t.Errorf("lookup answers %q", k)
		}
	}
	for _, phi := range []string{"Ana", "Silva", "Knee", "dr@", "1980"} {
		if strings.Contains(right.raw, phi) {
			t.Errorf("lookup answer holds %q: %s", phi, right.raw)
		}
	}
	wrongCode := e.client().do("POST", "/v1/status-lookups", map[string]string{"code": "AAAA-BBBB-CCCC", "dateOfBirth": "1980-04-02"})
	wrongDOB := e.client().do("POST", "/v1/status-lookups", map[string]string{"code": code2, "dateOfBirth": "1980-04-03"})
	if wrongCode.status != 404 || wrongCode.raw != wrongDOB.raw {
		t.Fatalf("wrong code and wrong birth date differ: %d %s / %d %s", wrongCode.status, wrongCode.raw, wrongDOB.status, wrongDOB.raw)
	}
	// Four more wrong dates lock code2: then even the right date fails. (Each lookup is a new
	// client from another address so the per-address limit does not interfere.)
	for i := 0; i < 4; i++ {
		e.client().do("POST", "/v1/status-lookups", map[string]string{"code": code2, "dateOfBirth": "1980-04-0" + fmt.Sprint(4+i)}, "X-Forwarded-For", "")
	}
	if x := e.client().do("POST", "/v1/status-lookups", map[string]string{"code": code2, "dateOfBirth": "1980-04-02"}); x.status == 200 {
		t.Fatal("a locked code still answers")
	}
	if x := e.client().do("POST", "/v1/status-lookups", map[string]string{"code": "", "dateOfBirth": "soon"}); x.status != 422 || fmt.Sprint(x.fields()) != "[code dateOfBirth]" {
		t.Fatalf("bad input: %d %s", x.status, x.raw)
	}
	// 8 lookups so far from this address; the 11th within the window is refused, even a right one.
	var last resp
	for i := 0; i < 3; i++ {
		last = e.client().do("POST", "/v1/status-lookups", map[string]string{"code": code, "dateOfBirth": "1980-04-02"})
	}
	if last.status != 429 || last.header.Get("Retry-After") == "" {
		t.Fatalf("11th lookup from one address: %d %s", last.status, last.raw)
	}
}
