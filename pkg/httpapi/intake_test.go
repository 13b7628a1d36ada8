package httpapi_test

import (
	"context"
	"fmt"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/referloop/referloop/pkg/httpapi"
)

// intakeForm is a patient's own referral form as /r/{slug} sends it.
func intakeForm(email, sentBy, forWhom string) map[string]any {
	f := map[string]any{
		"forWhom": forWhom, "sentBy": sentBy,
		"patient": map[string]any{"firstName": "Rosa", "lastName": "Diaz", "dateOfBirth": "1975-06-14",
			"phone": "+1 415 555 0199", "email": email, "consentToContact": true},
		"reason": "Lower back pain", "website": "",
	}
	if sentBy == "doctor" {
		f["doctorName"], f["doctorPractice"] = "Dr. Kim", "Bayview Family Medicine"
	}
	if forWhom == "someone" {
		f["yourName"], f["yourEmail"] = "Luis Diaz", "luis."+email
	}
	return f
}

var intakeLinkRE = regexp.MustCompile(`/r/confirm#t=(t_[a-z0-9]{12}\.[A-Za-z0-9_-]{43})\n`)

// intakeToken is the confirmation token last mailed to to ("" when none was).
func (e *env) intakeToken(to string) string {
	sent := e.mail.Sent()
	for i := len(sent) - 1; i >= 0; i-- {
		if sent[i].To == to {
			if m := intakeLinkRE.FindStringSubmatch(sent[i].Text); m != nil {
				return m[1]
			}
		}
	}
	return ""
}

func intakePractice(t *testing.T, e *env, name, owner string) (*client, string) {
	t.Helper()
	c := e.practice(name, owner)
	intake := "intake@" + strings.Split(owner, "@")[1]
	if r := c.do("PUT", "/v1/practice", map[string]any{"name": name, "conditions": []string{"Low back pain"},
		"intakeContact":  map[string]string{"name": "Maria", "phone": "(201) 555-0100", "email": intake},
		"contactByHours": map[string]int{"default": 48, "urgent": 24}}); r.status != 200 {
		t.Fatalf("profile: %d %s", r.status, r.raw)
	}
	return c, c.do("GET", "/v1/me", nil).body["practice"].(map[string]any)["slug"].(string)
}

// TestSelfReferralLandsTagged: a patient's own referral reaches the queue only once confirmed by
// its link, tagged with the source its "who sent you?" gives, and brings the notifications any
// referral brings; confirming again is the same referral.
func TestSelfReferralLandsTagged(t *testing.T) {
	e := newEnv(t)
	owner, slug := intakePractice(t, e, "Intake Clinic", "owner@intake.example")
	cases := []struct {
		sentBy, forWhom, source, partner string
	}{
		{"ad", "me", "self", "p_intakeonline"},
		{"other", "me", "self", "p_intakeonline"},
		{"friend", "me", "patient", "p_intakefriend"},
		{"ad", "someone", "patient", "p_intakefriend"},
		{"doctor", "me", "provider", "p_intakedoctor"},
	}
	for i, c := range cases {
		t.Run(c.sentBy+"-"+c.forWhom, func(t *testing.T) {
			email := fmt.Sprintf("rosa%d@patient.example", i)
			anon := e.client()
			before := queueCount(t, owner, c.partner)
			r := anon.do("POST", "/v1/practices/"+slug+"/self-referrals", intakeForm(email, c.sentBy, c.forWhom))
			if r.status != 202 || r.body["status"] != "check-your-email" {
				t.Fatalf("form: %d %s", r.status, r.raw)
			}
			to := email
			if c.forWhom == "someone" {
				to = "luis." + email
			}
			token := e.intakeToken(to)
			if token == "" {
				t.Fatalf("no confirmation link mailed to %s: %+v", to, e.mail.Sent())
			}
			// Unconfirmed: nothing in the queue, nothing to the practice.
			e.pump()
			if n := queueCount(t, owner, c.partner) - before; n != 0 {
				t.Fatalf("an unconfirmed request is in the queue (%d)", n)
			}
			intakeMails := e.mailsTo("intake@intake.example")
			ok := anon.do("POST", "/v1/self-referrals/confirmations", map[string]string{"token": token})
			if ok.status != 201 || ok.body["source"] != c.source || ok.body["alreadyConfirmed"] != false {
				t.Fatalf("confirm: %d %s", ok.status, ok.raw)
			}
			again := e.client().do("POST", "/v1/self-referrals/confirmations", map[string]string{"token": token})
			if again.status != 200 || again.body["alreadyConfirmed"] != true || again.body["ref"] != ok.body["ref"] {
				t.Fatalf("confirm again: %d %s", again.status, again.raw)
			}
			e.pump()
			if n := queueCount(t, owner, c.partner) - before; n != 1 {
				t.Fatalf("%d referrals of %s in the queue after two confirmations, want 1", n, c.partner)
			}
			if got := e.mailsTo("intake@intake.example") - intakeMails; got != 1 {
				t.Errorf("%d new-referral emails to the practice, want 1", got)
			}
			if e.mailsTo(email) < 2 && c.forWhom == "me" { // the link, then the status code
				t.Errorf("the patient got %d emails, want the link and the status code", e.mailsTo(email))
			}
			p := owner.do("GET", "/v1/partners", nil)
			if !strings.Contains(p.raw, c.partner) {
				t.Errorf("the intake partner %s is not listed: %s", c.partner, p.raw)
			}
			facts, err := e.store.Facts(context.Background(), tenantOf(owner), time.Now().UTC().Format(time.DateOnly))
			if err != nil {
				t.Fatal(err)
			}
			found := false
			for _, f := range facts {
				if strings.HasPrefix(f.Referral, c.partner+".") {
					found = true
					if f.Kind != c.source {
						t.Errorf("metrics fact of %s: kind %q, want %q", f.Referral, f.Kind, c.source)
					}
				}
			}
			if !found {
				t.Errorf("no metrics fact for %s: %+v", c.partner, facts)
			}
		})
	}
	// Nothing went to an empty address: a patient's own referral has no referrer to tell.
	if n := e.mailsTo(""); n != 0 {
		t.Errorf("%d messages to no address", n)
	}
	// The doctor the patient named is text on the referral, not a partner.
	list := owner.do("GET", "/v1/partners", nil)
	if strings.Contains(list.raw, "Bayview") {
		t.Errorf("the named doctor became a partner: %s", list.raw)
	}
}

// queueCount counts the staff queue's referrals from partner pid.
func queueCount(t *testing.T, owner *client, pid string) int {
	t.Helper()
	r := owner.do("GET", "/v1/referrals?limit=100", nil)
	if r.status != 200 {
		t.Fatalf("queue: %d %s", r.status, r.raw)
	}
	n := 0
	for _, it := range r.body["items"].([]any) {
		if it.(map[string]any)["partner"].(map[string]any)["id"] == pid {
			n++
		}
	}
	return n
}

// TestSelfReferralRefusals: a filled honeypot answers like a success and stores and sends nothing;
// a bad link, a used one and an expired one answer clearly.
func TestSelfReferralRefusals(t *testing.T) {
	e := newEnv(t)
	owner, slug := intakePractice(t, e, "Refusal Clinic", "owner@refusal.example")
	anon := e.client()
	person := anon.do("POST", "/v1/practices/"+slug+"/self-referrals", intakeForm("a@patient.example", "ad", "me"))
	bot := intakeForm("b@patient.example", "ad", "me")
	bot["website"] = "http://spam.example"
	robot := anon.do("POST", "/v1/practices/"+slug+"/self-referrals", bot)
	if robot.status != person.status || robot.raw != person.raw {
		t.Fatalf("the honeypot answers %d %s, a person %d %s", robot.status, robot.raw, person.status, person.raw)
	}
	if e.mailsTo("b@patient.example") != 0 {
		t.Fatal("a bot's request was mailed")
	}
	e.pump()
	if n := queueCount(t, owner, "p_intakeonline"); n != 0 {
		t.Fatalf("%d in the queue before any confirmation", n)
	}

	tid := tenantOf(owner)
	token := e.intakeToken("a@patient.example")
	cases := []struct {
		name, token string
		status      int
		problem     string
	}{
		{"malformed", "nonsense", 404, "intake-link-unknown"},
		{"unknown", tid + ".AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", 404, "intake-link-unknown"},
		{"other tenant", "t_000000000000." + strings.SplitN(token, ".", 2)[1], 404, "intake-link-unknown"},
		{"empty", "", 404, "intake-link-unknown"},
	}
	for _, c := range cases {
		r := anon.do("POST", "/v1/self-referrals/confirmations", map[string]string{"token": c.token})
		if r.status != c.status || !strings.HasSuffix(fmt.Sprint(r.body["type"]), "/"+c.problem) {
			t.Errorf("%s: %d %s", c.name, r.status, r.raw)
		}
	}
	// Past 24 hours the link has expired (the store's clock moved on).
	anon.do("POST", "/v1/practices/"+slug+"/self-referrals", intakeForm("c@patient.example", "ad", "me"))
	late := e.intakeToken("c@patient.example")
	e.store.Now = func() time.Time { return time.Now().Add(25 * time.Hour) }
	if r := anon.do("POST", "/v1/self-referrals/confirmations", map[string]string{"token": late}); r.status != 410 ||
		!strings.HasSuffix(fmt.Sprint(r.body["type"]), "/intake-link-expired") {
		t.Errorf("expired link: %d %s", r.status, r.raw)
	}
	e.store.Now = time.Now
	// Invalid input names each field, in the patient's words.
	r := anon.do("POST", "/v1/practices/"+slug+"/self-referrals", map[string]any{"forWhom": "me", "patient": map[string]any{}})
	if r.status != 422 || fmt.Sprint(r.fields()) != "[patient.consentToContact patient.dateOfBirth patient.email patient.firstName patient.lastName patient.phone reason sentBy]" {
		t.Errorf("invalid: %d %v %s", r.status, r.fields(), r.raw)
	}
	if r := anon.do("POST", "/v1/practices/no-such-practice/self-referrals", intakeForm("d@patient.example", "ad", "me")); r.status != 404 {
		t.Errorf("unknown practice: %d", r.status)
	}
}

// TestSelfReferralLimits: per address a day (the same answer, nothing more sent), per practice a
// day (429), per caller's address (429), under concurrent requests. Trials: 12 concurrent forms to
// one address, then forms from fresh callers until the practice's cap.
func TestSelfReferralLimits(t *testing.T) {
	e := newEnv(t)
	at := time.Now()
	e.store.Now = func() time.Time { return at }
	e.deps.Limits = &httpapi.Limits{Normal: httpapi.DefaultLimits.Normal, New: httpapi.Quotas{InvitesPerAddress: 3, InvitesPerPractice: 20,
		SubmitsPerReferrer: 30, SubmitsPerPractice: 20}}
	_, slug := intakePractice(t, e, "Limit Clinic", "owner@limit.example")

	// One address: 12 concurrent forms from 12 callers; all answered alike, 3 emails sent.
	var wg sync.WaitGroup
	answers := make([]resp, 12)
	for i := range answers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			answers[i] = e.client().do("POST", "/v1/practices/"+slug+"/self-referrals", intakeForm("same@patient.example", "ad", "me"),
				peerHeader, fmt.Sprintf("203.0.%d.1", i+1))
		}()
	}
	wg.Wait()
	for i, a := range answers {
		if a.status != 202 || a.raw != answers[0].raw {
			t.Fatalf("answer %d: %d %s", i, a.status, a.raw)
		}
	}
	if n := e.mailsTo("same@patient.example"); n != httpapi.IntakePerAddress {
		t.Fatalf("%d confirmation emails to one address, want %d", n, httpapi.IntakePerAddress)
	}
	// The practice's cap (20 a day while new; the 12 above counted): 8 more are taken, then 429
	// with Retry-After.
	taken := 0
	for i := 0; i < 10; i++ {
		r := e.client().do("POST", "/v1/practices/"+slug+"/self-referrals", intakeForm(fmt.Sprintf("p%d@patient.example", i), "ad", "me"),
			peerHeader, fmt.Sprintf("198.51.%d.7", i))
		if r.status == 202 {
			taken++
			continue
		}
		if r.status != 429 || r.header.Get("Retry-After") == "" || !strings.Contains(fmt.Sprint(r.body["detail"]), "call") {
			t.Fatalf("past the practice's cap: %d %s", r.status, r.raw)
		}
	}
	if taken != 8 {
		t.Fatalf("%d more forms taken, want 8 (20 a day)", taken)
	}
	// One caller: 10 forms per 15 minutes, then 429 (whatever the practice).
	var last resp
	for i := 0; i < 11; i++ {
		last = e.client().do("POST", "/v1/practices/no-such-practice/self-referrals", intakeForm("x@patient.example", "ad", "me"), peerHeader, "192.0.2.9")
	}
	if last.status != 429 {
		t.Fatalf("the 11th form from one caller: %d %s", last.status, last.raw)
	}
}
