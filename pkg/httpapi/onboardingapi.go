package httpapi

import (
	"net/http"

	"github.com/referloop/referloop/pkg/auth"
	"github.com/referloop/referloop/pkg/practice"
	"github.com/referloop/referloop/pkg/store"
	"github.com/referloop/referloop/pkg/valid"
)

// OnboardingStep is one item of a new practice's checklist.
type OnboardingStep struct {
	ID    string `json:"id"`
	Label string `json:"label"`
	Done  bool   `json:"done"`
	// Href is where the step is done in the portal.
	Href string `json:"href"`
}

// OnboardingView is the checklist a new practice's staff see on their home until it is done or
// dismissed (docs/openapi.yaml Onboarding).
type OnboardingView struct {
	Steps []OnboardingStep `json:"steps"`
	// Done: every step ticked. Dismissed: staff put the checklist away.
	Done      bool `json:"done"`
	Dismissed bool `json:"dismissed"`
	// PublicPath is the practice's public page (the link to share), on the portal's origin.
	PublicPath string `json:"publicPath"`
}

// profileComplete says whether an intake profile tells referrers enough to refer: what the
// practice sees, and a number or an address for the intake team.
func profileComplete(p practice.Practice) bool {
	return len(p.Conditions) > 0 && (p.IntakeContact.Phone != "" || p.IntakeContact.Email != "")
}

// onboarding builds the checklist from the practice and its onboarding state: each step ticks
// itself from what the practice did (no one marks it by hand, except copying the public link,
// which the portal records when staff copy it).
func onboarding(p practice.Practice, o store.Onboarding) OnboardingView {
	v := OnboardingView{PublicPath: "/p/" + p.Slug, Dismissed: o.DismissedAt != nil, Steps: []OnboardingStep{
		{ID: "profile", Label: "Complete your intake profile", Done: profileComplete(p), Href: "/practice/settings"},
		{ID: "partner", Label: "Add your first referral partner", Done: o.HasPartner, Href: "/practice/partners"},
		{ID: "invitation", Label: "Invite your first referrer", Done: o.HasReferrer, Href: "/practice/partners"},
		{ID: "link", Label: "Share your public referral link", Done: o.LinkSharedAt != nil, Href: "/p/" + p.Slug},
	}}
	v.Done = true
	for _, s := range v.Steps {
		v.Done = v.Done && s.Done
	}
	return v
}

// getOnboarding answers GET /v1/onboarding: the practice record and the onboarding state, four
// reads whatever the practice's size.
func (d *Deps) getOnboarding(w http.ResponseWriter, r *http.Request, c *auth.Claims) error {
	p, err := d.Store.Practice(r.Context(), c.Tenant)
	if err != nil {
		return err
	}
	o, err := d.Store.Onboarding(r.Context(), c.Tenant)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, onboarding(p, o))
	return nil
}

type onboardingStepRequest struct {
	Step string `json:"step"`
}

// onboardingSteps are the steps staff record themselves: the public link copied, the checklist
// dismissed.
var onboardingSteps = map[string]string{"link-shared": store.OnboardingLinkShared, "dismissed": store.OnboardingDismissed}

// postOnboardingStep answers POST /v1/onboarding/steps: records a step (the first time only) and
// answers the checklist.
func (d *Deps) postOnboardingStep(w http.ResponseWriter, r *http.Request, c *auth.Claims) error {
	var in onboardingStepRequest
	if err := decode(r, &in); err != nil {
		return err
	}
	step, ok := onboardingSteps[in.Step]
	if !ok {
		var f valid.Fields
		f.Add("step", "must be link-shared or dismissed")
		return f.Err()
	}
	if err := d.Store.MarkOnboarding(r.Context(), c.Tenant, step, d.now()); err != nil {
		return err
	}
	return d.getOnboarding(w, r, c)
}
