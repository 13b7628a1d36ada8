package httpapi

import (
	"fmt"
	"net/http"
	"time"

	"github.com/referloop/referloop/pkg/auth"
	"github.com/referloop/referloop/pkg/phone"
	"github.com/referloop/referloop/pkg/problem"
)

// Resending a patient's status code: POST /v1/referrals/{id}/status-code (pipeline function).
//
// The code is the same one the patient got first: a referral's code is derived from its id with
// the signing key (auth.Signer.PatientCode), so "resend" can only mean the same code, and a
// patient who kept the first message can still use it. Staff never see the code: the request only
// counts a resend on the referral (store.ResendCode), and the notifier, which sees the count rise
// on the stream, sends the email and the text as it sent the first ones (the text's country rules
// and caps apply). The answer is 202 with the channels the code goes to; the outbox records what
// was sent or refused, and a failure of SES or SNS is retried by the stream, never by staff.

// Daily limits on resends: a code to a patient's phone and address is a message to someone who
// did not ask, and a text costs money.
const (
	CodeResendsPerReferral = 3
	CodeResendsPerPractice = 50
	// codeLife is notifier.CodeLife: a code older than that no longer opens the status page.
	codeLife = 366 * 24 * time.Hour
)

// Quota scopes of resends.
const (
	scopeCodeReferral = "code-referral" // per (practice, referral)
	scopeCodePractice = "code-practice"
)

// CodeResent answers a resend: where the code is going.
type CodeResent struct {
	Email bool `json:"email"`
	Text  bool `json:"text"`
}

func (d *Deps) resendStatusCode(w http.ResponseWriter, r *http.Request, c *auth.Claims) error {
	ref, err := d.loadReferral(r, c)
	if err != nil {
		return err
	}
	ctx, now := r.Context(), d.now()
	facts, err := d.practiceFacts(ctx, c.Tenant)
	if err != nil {
		return err
	}
	textable, _ := phone.Textable(ref.Patient.Phone, facts.country)
	out := CodeResent{Email: ref.Patient.Email != "", Text: textable != ""}
	switch {
	case !ref.Patient.ConsentToContact:
		return problem.New(http.StatusConflict, "no-consent", "The patient did not agree to be contacted",
			"the referral says the patient did not agree to messages from the practice: call them instead")
	case !out.Email && !out.Text:
		return problem.New(http.StatusConflict, "no-channel", "No way to send the code",
			"the referral has no email address and no phone number texts can reach: call the patient, or ask the referrer for one")
	case now.Sub(ref.CreatedAt) > codeLife:
		return problem.New(http.StatusConflict, "code-expired", "The status code has expired",
			"a status code works for a year after the referral: call the patient instead")
	}
	if err := d.take(ctx,
		daily(scopeCodeReferral, CodeResendsPerReferral, fmt.Sprintf("a patient's code can be sent again %d times a day", CodeResendsPerReferral), c.Tenant, ref.ULID),
		daily(scopeCodePractice, CodeResendsPerPractice, fmt.Sprintf("a practice can send codes again %d times a day", CodeResendsPerPractice), c.Tenant),
	); err != nil {
		return err
	}
	if _, err := d.Store.ResendCode(ctx, c.Tenant, ref.ID, *actorAt(r, c, "resend-status-code"), now); err != nil {
		return err
	}
	writeJSON(w, http.StatusAccepted, out)
	return nil
}
