package httpapi_test

import (
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/referloop/referloop/pkg/ids"
)

// TestPatientMessagesUseTheDisplayName: what a patient gets (email, text, the status page) names the
// practice by the neutral name it set for patients, never by its own name, which can tell a
// diagnosis; a practice that set none is named neutrally.
func TestPatientMessagesUseTheDisplayName(t *testing.T) {
	e := newEnv(t)
	owner := e.practice("Bravo Oncology", "owner@bravo.example")
	ref, _ := e.referrer(owner, "Bravo FM", "dr@bravo-fm.example")
	profile := map[string]any{"name": "Bravo Oncology", "contactByHours": map[string]int{"default": 48, "urgent": 24},
		"intakeContact": map[string]string{"name": "Ines", "phone": "+1 415 555 0100", "email": ""}}
	send := func(email string) string {
		body := submission("Knee pain")
		body["patient"].(map[string]any)["email"] = email
		body["patient"].(map[string]any)["phone"] = "+1 415 555 0142"
		r := ref.do("POST", "/v1/referrals", body, "Idempotency-Key", ids.NewULID(time.Now()))
		if r.status != 201 {
			t.Fatalf("submit: %d %s", r.status, r.raw)
		}
		e.pump()
		return r.body["id"].(string)
	}
	// No display name set: a neutral one.
	if r := owner.do("PUT", "/v1/practice", profile); r.status != 200 || r.body["patientDisplayName"] != "" {
		t.Fatalf("profile: %d %s", r.status, r.raw)
	}
	send("first@patient.example")
	profile["patientDisplayName"] = "Harbor Health Partners"
	if r := owner.do("PUT", "/v1/practice", profile); r.status != 200 || r.body["patientDisplayName"] != "Harbor Health Partners" {
		t.Fatalf("profile: %d %s", r.status, r.raw)
	}
	id := send("second@patient.example")
	r := owner.do("GET", "/v1/referrals/"+id, nil)
	at := time.Now().Add(48 * time.Hour).UTC().Truncate(time.Minute)
	r = move(owner, id, etag(r), map[string]any{"to": "accepted"})
	r = move(owner, id, etag(r), map[string]any{"to": "contacted", "contact": map[string]string{"outcome": "reached", "channel": "phone"}})
	move(owner, id, etag(r), map[string]any{"to": "scheduled", "appointment": map[string]any{"at": at, "location": "Main St"}})
	e.pump()

	var toPatients []string
	for _, m := range e.mail.Sent() {
		if strings.HasSuffix(m.To, "@patient.example") || m.Subject == "SMS" {
			toPatients = append(toPatients, m.To+": "+m.Subject+"\n"+m.Text)
		}
	}
	if len(toPatients) != 5 { // 2 codes by email, 2 by text, 1 appointment
		t.Fatalf("%d messages to patients: %q", len(toPatients), toPatients)
	}
	for _, m := range toPatients {
		if strings.Contains(m, "Oncology") || strings.Contains(m, "Bravo") {
			t.Errorf("a patient's message names the practice: %q", m)
		}
		if strings.HasPrefix(m, "second@") && !strings.Contains(m, "Harbor Health Partners") {
			t.Errorf("a patient's message lacks the display name: %q", m)
		}
	}
	code := regexp.MustCompile(`[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4}`).FindString(lastMail(e, "second@patient.example", "status code"))
	look := e.client().do("POST", "/v1/status-lookups", map[string]string{"code": code, "dateOfBirth": "1980-04-02"})
	if look.status != 200 || look.body["practice"].(map[string]any)["name"] != "Harbor Health Partners" || strings.Contains(look.raw, "Oncology") {
		t.Fatalf("status page: %d %s", look.status, look.raw)
	}
}
