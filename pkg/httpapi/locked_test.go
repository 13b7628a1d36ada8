package httpapi_test

import (
	"fmt"
	"strings"
	"testing"
)

// TestLockedCodeSaysSoAndGivesThePhone: once 5 wrong birth dates lock a code, the patient with the
// right one is told the code is locked and which number to call (the practice's patient-facing
// name and intake phone), not "don't match, check both"; a wrong date on the locked code gets the
// same answer (nothing is compared any more), and a made-up code locked by 5 tries gets the lock
// without any practice.
func TestLockedCodeSaysSoAndGivesThePhone(t *testing.T) {
	e := newEnv(t)
	owner := e.practice("Delta Orthopedics", "owner@delta.example")
	profile := map[string]any{"name": "Delta Orthopedics", "contactByHours": map[string]int{"default": 48, "urgent": 24},
		"patientDisplayName": "Delta Care", "intakeContact": map[string]string{"name": "Ines", "phone": "+1 415 555 0100", "email": ""}}
	if r := owner.do("PUT", "/v1/practice", profile); r.status != 200 {
		t.Fatalf("profile: %d %s", r.status, r.raw)
	}
	ref, _ := e.referrer(owner, "Delta FM", "dr@delta-fm.example")
	code := patientCodes(e, ref, 1)[0]
	if code == "" {
		t.Fatal("no code was sent")
	}
	for i := 0; i < 5; i++ {
		if r := e.lookup(fmt.Sprintf("10.7.0.%d", i), code, fmt.Sprintf("1981-01-%02d", i+1)); r.status != 404 {
			t.Fatalf("wrong try %d: %d %s", i, r.status, r.raw)
		}
	}
	cases := []struct {
		name, code, dob string
		practice        bool
	}{
		{"the right birth date on the locked code", code, "1980-04-02", true},
		{"a wrong birth date on the locked code", code, "1970-01-01", true},
		{"a made-up code tried 5 times", "ZZZZ-ZZZZ-ZZZZ", "1980-04-02", false},
	}
	for i := 0; i < 5; i++ { // lock the made-up code
		e.lookup(fmt.Sprintf("10.7.1.%d", i), "ZZZZ-ZZZZ-ZZZZ", "1980-04-02")
	}
	for i, c := range cases {
		r := e.lookup(fmt.Sprintf("10.7.2.%d", i), c.code, c.dob)
		if r.status != 423 || !strings.HasSuffix(fmt.Sprint(r.body["type"]), "/code-locked") {
			t.Fatalf("%s: %d %s, want 423 code-locked", c.name, r.status, r.raw)
		}
		p, ok := r.body["practice"].(map[string]any)
		if c.practice != ok {
			t.Fatalf("%s: practice %v in %s, want it: %v", c.name, p, r.raw, c.practice)
		}
		digits := func(v any) string {
			return strings.Map(func(r rune) rune { return map[bool]rune{true: r, false: -1}[r >= '0' && r <= '9'] }, fmt.Sprint(v))
		}
		if ok && (!strings.HasSuffix(digits(p["phone"]), "4155550100") || p["name"] != "Delta Care" || !strings.Contains(fmt.Sprint(r.body["detail"]), fmt.Sprint(p["phone"]))) {
			t.Fatalf("%s: %s, want the practice's display name and intake phone", c.name, r.raw)
		}
		if strings.Contains(r.raw, "Delta Orthopedics") || strings.Contains(strings.ToLower(r.raw), "match") {
			t.Fatalf("%s: %s names the practice's own name or says \"match\"", c.name, r.raw)
		}
	}
}
