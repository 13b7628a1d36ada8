package httpapi_test

import (
	"testing"
)

// TestOnboardingStepsTickThemselves: a new practice's checklist starts empty and each step ticks
// when the practice does it (its profile, a partner, a referrer, copying its public link), in any
// order; dismissing it is recorded; an unknown step is a field error.
func TestOnboardingStepsTickThemselves(t *testing.T) {
	e := newEnv(t)
	owner := e.practice("Echo Physio", "owner@echo.example")
	state := func() (map[string]bool, bool, bool) {
		t.Helper()
		r := owner.do("GET", "/v1/onboarding", nil)
		if r.status != 200 {
			t.Fatalf("onboarding: %d %s", r.status, r.raw)
		}
		steps := map[string]bool{}
		for _, it := range r.body["steps"].([]any) {
			m := it.(map[string]any)
			steps[m["id"].(string)] = m["done"].(bool)
		}
		return steps, r.body["done"].(bool), r.body["dismissed"].(bool)
	}
	var pid string
	cases := []struct {
		name string
		do   func()
		want map[string]bool
	}{
		{"a new practice", func() {}, map[string]bool{}},
		{"its first partner", func() {
			r := owner.do("POST", "/v1/partners", map[string]string{"name": "Echo FM", "kind": "pcp"})
			if r.status != 201 {
				t.Fatalf("partner: %d %s", r.status, r.raw)
			}
			pid = r.body["id"].(string)
		}, map[string]bool{"partner": true}},
		{"the public link copied", func() {
			if r := owner.do("POST", "/v1/onboarding/steps", map[string]string{"step": "link-shared"}); r.status != 200 {
				t.Fatalf("link-shared: %d %s", r.status, r.raw)
			}
		}, map[string]bool{"partner": true, "link": true}},
		{"its first referrer invited", func() {
			if r := owner.do("POST", "/v1/partners/"+pid+"/invitations", map[string]string{"email": "dr@echo-fm.example", "name": "Dr. Ito"}); r.status != 202 {
				t.Fatalf("invite: %d %s", r.status, r.raw)
			}
		}, map[string]bool{"partner": true, "link": true, "invitation": true}},
		{"its intake profile", func() {
			profile := map[string]any{"name": "Echo Physio", "conditions": []string{"Low back pain"}, "contactByHours": map[string]int{"default": 48, "urgent": 24},
				"intakeContact": map[string]string{"name": "Ines", "phone": "+1 415 555 0100", "email": ""}}
			if r := owner.do("PUT", "/v1/practice", profile); r.status != 200 {
				t.Fatalf("profile: %d %s", r.status, r.raw)
			}
		}, map[string]bool{"partner": true, "link": true, "invitation": true, "profile": true}},
	}
	for _, c := range cases {
		c.do()
		steps, done, dismissed := state()
		for _, id := range []string{"profile", "partner", "invitation", "link"} {
			if steps[id] != c.want[id] {
				t.Fatalf("%s: step %s done=%v, want %v (%v)", c.name, id, steps[id], c.want[id], steps)
			}
		}
		if done != (len(c.want) == 4) || dismissed {
			t.Fatalf("%s: done=%v dismissed=%v", c.name, done, dismissed)
		}
	}
	if r := owner.do("POST", "/v1/onboarding/steps", map[string]string{"step": "dismissed"}); r.status != 200 || r.body["dismissed"] != true {
		t.Fatalf("dismiss: %d %s", r.status, r.raw)
	}
	if r := owner.do("POST", "/v1/onboarding/steps", map[string]string{"step": "all-done"}); r.status != 422 || len(r.fields()) != 1 || r.fields()[0] != "step" {
		t.Fatalf("an unknown step: %d %s", r.status, r.raw)
	}
	// Another practice's checklist is its own.
	other := e.practice("Foxtrot Physio", "owner@foxtrot.example")
	if r := other.do("GET", "/v1/onboarding", nil); r.status != 200 || r.body["dismissed"] != false {
		t.Fatalf("another practice: %d %s", r.status, r.raw)
	}
}
