package store

import (
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/referloop/referloop/pkg/referral"
)

// referralRecord is a referral as the table stores it. Its attribute names are the table's
// contract: template.yaml's GSI1 projects some of them (the work queue's summary), the stream
// consumer decodes them, and the data already stored has them. Only the store sees this shape; the
// domain has referral.Referral and the API its own views.
type referralRecord struct {
	Type            string                `json:"type"`
	TenantID        string                `json:"tid"`
	ReferrerID      string                `json:"rid"`
	ULID            string                `json:"ulid"`
	ID              string                `json:"id"`
	Status          referral.Status       `json:"status"`
	Urgency         string                `json:"urgency"`
	Reason          string                `json:"reason"`
	Patient         referral.Patient      `json:"patient"`
	Note            string                `json:"note,omitempty"`
	Insurance       string                `json:"insurance,omitempty"`
	Referrer        referral.Person       `json:"referrer"`
	Partner         referral.PartnerRef   `json:"partner"`
	CreatedAt       time.Time             `json:"createdAt"`
	UpdatedAt       time.Time             `json:"updatedAt"`
	ContactBy       time.Time             `json:"contactBy"`
	Version         int                   `json:"version"`
	FormMillis      int64                 `json:"formMillis,omitempty"`
	ContactAttempts int                   `json:"contactAttempts"`
	Appointment     *referral.Appointment `json:"appointment,omitempty"`
	Decline         *referral.Decline     `json:"decline,omitempty"`
	Question        string                `json:"question,omitempty"`
	HeldFrom        referral.Status       `json:"heldFrom,omitempty"`
	Rating          *referral.Rating      `json:"rating,omitempty"`
	Timeline        []referral.Event      `json:"timeline"`
	BodyHash        string                `json:"bodyHash,omitempty"`
	// LastActor is who made the latest write, from where: the stream consumer audits writes with it.
	LastActor *referral.ActorAt `json:"lastActor,omitempty"`
	// CodeResends counts the patient status code's resends: the notifier sends it again on a rise.
	CodeResends int `json:"codeResends,omitempty"`
	// Day is the practice's local day of arrival (the metrics' cohort day).
	Day string `json:"day,omitempty"`
}

func recordOf(r referral.Referral) referralRecord {
	rec := referralRecordOf(r)
	rec.CodeResends, rec.Day = r.CodeResends, r.Day
	return rec
}

func referralRecordOf(r referral.Referral) referralRecord {
	return referralRecord{Type: typeReferral, TenantID: r.TenantID, ReferrerID: r.ReferrerID, ULID: r.ULID,
		ID: r.ID, Status: r.Status, Urgency: r.Urgency, Reason: r.Reason, Patient: r.Patient, Note: r.Note,
		Insurance: r.Insurance, Referrer: r.Referrer, Partner: r.Partner, CreatedAt: r.CreatedAt, UpdatedAt: r.UpdatedAt,
		ContactBy: r.ContactBy, Version: r.Version, FormMillis: r.FormMillis, ContactAttempts: r.ContactAttempts,
		Appointment: r.Appointment, Decline: r.Decline, Question: r.Question, HeldFrom: r.HeldFrom, Rating: r.Rating,
		Timeline: r.Timeline, BodyHash: r.BodyHash, LastActor: r.LastActor}
}

func (rec referralRecord) referral() referral.Referral {
	r := rec.referralOf()
	r.CodeResends, r.Day = rec.CodeResends, rec.Day
	return r
}

func (rec referralRecord) referralOf() referral.Referral {
	return referral.Referral{TenantID: rec.TenantID, ReferrerID: rec.ReferrerID, ULID: rec.ULID,
		ID: rec.ID, Status: rec.Status, Urgency: rec.Urgency, Reason: rec.Reason, Patient: rec.Patient, Note: rec.Note,
		Insurance: rec.Insurance, Referrer: rec.Referrer, Partner: rec.Partner, CreatedAt: rec.CreatedAt,
		UpdatedAt: rec.UpdatedAt, ContactBy: rec.ContactBy, Version: rec.Version, FormMillis: rec.FormMillis,
		ContactAttempts: rec.ContactAttempts, Appointment: rec.Appointment, Decline: rec.Decline, Question: rec.Question,
		HeldFrom: rec.HeldFrom, Rating: rec.Rating, Timeline: rec.Timeline, BodyHash: rec.BodyHash, LastActor: rec.LastActor}
}

func referralItem(r referral.Referral) (map[string]types.AttributeValue, error) {
	return marshal(recordOf(r), map[string]string{
		attrPK: referralPK(r.TenantID, r.Partner.ID), attrSK: referralSK(r.ReferrerID, r.ULID),
		attrGSI1PK: queuePK(r.TenantID), attrGSI1SK: queueSK(r.Status, r.ContactBy, r.ULID),
	})
}

// DecodeReferral reads a referral item (from the table, the queue index or a stream image).
func DecodeReferral(item map[string]types.AttributeValue) (referral.Referral, error) {
	var rec referralRecord
	if err := unmarshal(item, &rec); err != nil {
		return referral.Referral{}, fmt.Errorf("decode referral: %w", err)
	}
	return rec.referral(), nil
}
