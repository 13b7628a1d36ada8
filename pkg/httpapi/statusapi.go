package httpapi

import (
	"crypto/subtle"
	"errors"
	"net/http"
	"strings"
	"time"

	"github.com/referloop/referloop/pkg/auth"
	"github.com/referloop/referloop/pkg/problem"
	"github.com/referloop/referloop/pkg/referral"
	"github.com/referloop/referloop/pkg/store"
	"github.com/referloop/referloop/pkg/valid"
)

// Limits of the patient status lookup.
const (
	lookupTriesPerCode = 5
	lookupsPerIP       = 10
)

// Status is the patient status lookup function: a code and a date of birth, no sign-in.
func Status(d *Deps) *API {
	return &API{Name: "status", deps: d, Routes: []Route{
		{"POST", "/v1/status-lookups", d.public(d.lookup)},
	}}
}

type lookupRequest struct {
	Code        string `json:"code"`
	DateOfBirth string `json:"dateOfBirth"`
}

// StatusView is all a patient lookup returns: nothing clinical, no names.
type StatusView struct {
	Status      referral.Status       `json:"status"`
	StatusText  string                `json:"statusText"`
	Next        string                `json:"next"`
	Appointment *referral.Appointment `json:"appointment,omitempty"`
	Practice    struct {
		Name  string `json:"name"`
		Phone string `json:"phone"`
		// TimeZone is the practice's: the appointment is shown in its local time.
		TimeZone string `json:"timeZone"`
	} `json:"practice"`
	UpdatedAt time.Time `json:"updatedAt"`
}

// noMatch is the one answer for a wrong code and a wrong date of birth (a locked code says so:
// store.ErrCodeLocked, problemFor).
var noMatch = problem.New(http.StatusNotFound, "no-match", "The code and date of birth don't match",
	"check both and try again; after 5 wrong tries the code is locked, then call the practice")

// unknownCheck is what an unknown code's answer is compared with: no date of birth checks as it.
var unknownCheck = strings.Repeat("0", 64)

// lookup answers a patient's status lookup. The try is counted before the date of birth is
// compared (store.SpendCodeTry refuses once lookupTriesPerCode are spent), so parallel tries cannot
// compare more between them; a right answer gives its own try back and resets nothing. A wrong
// answer costs one conditional UpdateItem whether the code is known or not (the date is checked
// against the marker's auth.BirthDateCheck, and an unknown code's try is counted too), so neither
// the answer nor its time tells a valid code.
func (d *Deps) lookup(w http.ResponseWriter, r *http.Request) error {
	var in lookupRequest
	if err := decode(r, &in); err != nil {
		return err
	}
	var f valid.Fields
	if strings.TrimSpace(in.Code) == "" {
		f.Add("code", "is required: it is in the message the practice sent you")
	}
	dob := strings.TrimSpace(in.DateOfBirth)
	referral.ValidateDateOfBirth(&f, "dateOfBirth", dob, d.now())
	if err := f.Err(); err != nil {
		return err
	}
	ctx := r.Context()
	if err := d.limitIP(ctx, r, "lookup-ip", lookupsPerIP); err != nil {
		return err
	}
	code, ok := auth.NormalizeCode(in.Code)
	if !ok {
		return noMatch
	}
	hash := auth.CodeHash(code)
	m, err := d.Store.SpendCodeTry(ctx, hash, lookupTriesPerCode)
	if errors.Is(err, store.ErrCodeLocked) {
		return d.locked(r, m)
	}
	known := err == nil
	if store.IsNotFound(err) {
		m.Check = unknownCheck
	} else if err != nil {
		return err
	}
	if known && m.Check == "" { // a marker from before the check was kept
		born, err := d.Store.BirthDate(ctx, m.TenantID, m.ReferralID)
		if err != nil && !store.IsNotFound(err) {
			return err
		}
		m.Check = auth.BirthDateCheck(code, born)
	}
	if subtle.ConstantTimeCompare([]byte(m.Check), []byte(auth.BirthDateCheck(code, dob))) != 1 || !known {
		return noMatch // the try stays spent
	}
	if err := d.Store.ReturnCodeTry(ctx, hash); err != nil {
		return err
	}
	ref, err := d.Store.Referral(ctx, m.TenantID, m.ReferralID)
	if err != nil {
		return err
	}
	p, err := d.Store.Practice(ctx, m.TenantID)
	if err != nil {
		return err
	}
	if err := d.Store.Audit(ctx, store.AuditRecord{At: d.now(), TenantID: m.TenantID, Actor: "patient (status code)",
		Role: "patient", Action: "status-lookup", Referral: ref.ID, IP: clientIP(r)}, ""); err != nil {
		return err
	}
	v := StatusView{Status: ref.Status, UpdatedAt: ref.UpdatedAt}
	v.StatusText, v.Next = referral.PatientWords(ref, p.PhoneDisplay())
	if ref.Status == referral.Scheduled || ref.Status == referral.Seen {
		v.Appointment = ref.Appointment
	}
	// The name the practice chose for patients, never its own: it can tell a diagnosis.
	v.Practice.Name, v.Practice.Phone = p.PatientName(), p.PhoneDisplay()
	v.Practice.TimeZone = p.Location().String()
	writeJSON(w, http.StatusOK, v)
	return nil
}

// locked answers a locked code: 423, and for a code that belongs to a referral, the practice to
// call (its patient-facing name and intake phone), so a patient with the right date of birth is
// told to call rather than to check again. Nothing is compared once a code is locked, so the
// answer tells nothing about a date of birth; that a locked code is a real one is all it tells,
// and a locked code opens nothing.
func (d *Deps) locked(r *http.Request, m store.CodeMarker) error {
	p, _ := problemFor(store.ErrCodeLocked)
	if m.TenantID == "" {
		return p
	}
	pr, err := d.Store.Practice(r.Context(), m.TenantID)
	if err != nil {
		if store.IsNotFound(err) {
			return p
		}
		return err
	}
	phone := pr.IntakeContact.Phone
	if phone != "" {
		p.Detail = "5 wrong dates of birth were tried with it; call " + pr.PatientName() + " at " + phone + " to hear where your referral stands"
	}
	p.Extensions = map[string]any{"practice": map[string]string{"name": pr.PatientName(), "phone": phone}}
	return p
}
